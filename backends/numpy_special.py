"""NumPy reference impls of the special-function primitives (no SciPy).

``lgamma``, ``digamma``, ``erf_inv`` and ``erfc`` (``jax.lax``'s names), in
float64 whatever the operand's dtype (float32 operands are rounded once at the
end, so the reference is at least as accurate as any float32 kernel).  Values
at the special points are XLA's (``chlo.lgamma`` ...), which this module
specifies for the NumPy backend:

* ``lgamma``: ``+inf`` at the poles (0, -0 and the negative integers) and at
  ``+-inf``; ``math.lgamma`` elsewhere (CPython's Lanczos sum, about 1e-15
  relative away from the zeros at 1 and 2, exact there).
* ``digamma``: NaN at the poles and at ``-inf``, ``+inf`` at ``+inf``.  For
  ``x > 0`` the recurrence ``psi(x) = psi(x + 1) - 1/x`` lifts the argument
  to ``z >= 10``, where the asymptotic series
  ``log z - 1/(2z) - sum_k B_2k / (2k z^2k)`` (through ``B_16``) is accurate
  to an ulp; for ``x <= 0`` the reflection
  ``psi(x) = psi(1 - x) - pi / tan(pi x)``, with ``tan`` of the exact reduced
  argument ``x - round(x)`` (so the poles are exact and large ``|x|`` loses
  nothing).
* ``erf_inv``: NaN outside ``[-1, 1]``, ``+-inf`` at ``+-1``.  Giles'
  single-precision approximation (W. Giles, "Approximating the erfinv
  function", GPU Computing Gems, 2011) refined by three Halley steps on
  ``erf(y) = x`` (``|x| < 1/2``) or on ``erfc(y) = 1 - |x|`` (``|x| >= 1/2``,
  where ``1 - |x|`` is exact), so the tail keeps full relative accuracy.
* ``erfc``: ``math.erfc`` (full relative accuracy in the tail, where
  ``1 - erf(x)`` would cancel).

These are plain NumPy functions of NumPy arrays; ``numpy_backend`` registers
them as the impls of ``lgamma_p``, ``digamma_p``, ``erf_inv_p`` and ``erfc_p``.

>>> round(float(digamma(np.float64(1.0))), 12)
-0.577215664902
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["lgamma", "digamma", "erf_inv", "erfc"]

_f64 = np.float64


def _out(x: np.ndarray, y: Any) -> np.ndarray:
    """``y`` (float64) rounded to ``x``'s dtype, as an ndarray."""
    return np.asarray(y, dtype=x.dtype)


def _lgamma1(v: float) -> float:
    try:
        return math.lgamma(v)
    except (ValueError, OverflowError):   # a pole (0, -0, negative integers) or overflow
        return math.inf


_lgamma_v = np.vectorize(_lgamma1, otypes=[_f64])
_erf_v = np.vectorize(math.erf, otypes=[_f64])
_erfc_v = np.vectorize(math.erfc, otypes=[_f64])


def lgamma(x: Any) -> np.ndarray:
    """``log|Gamma(x)|`` elementwise (``inf`` at the poles).

    >>> lgamma(np.array([1.0, 0.5, 0.0])).round(6).tolist()
    [0.0, 0.572365, inf]
    """
    x = np.asarray(x)
    return _out(x, _lgamma_v(x.astype(_f64)))


def erfc(x: Any) -> np.ndarray:
    """``1 - erf(x)`` elementwise, without cancellation.

    >>> float(erfc(np.float64(10.0)))
    2.088487583762545e-45
    """
    x = np.asarray(x)
    return _out(x, _erfc_v(x.astype(_f64)))


# Bernoulli numbers B_2k / (2k), k = 1..8: the asymptotic series of digamma.
_PSI_ASYMPTOTIC = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12,
                   -3617 / 8160)
_PSI_SHIFT_TO = 10.0


def _digamma_pos(z: np.ndarray) -> np.ndarray:
    """``psi(z)`` for ``z > 0`` (float64): recurrence up to 10, then the asymptotic series."""
    z = z.copy()
    acc = np.zeros_like(z)
    for _ in range(int(_PSI_SHIFT_TO)):
        m = z < _PSI_SHIFT_TO
        if not m.any():
            break
        acc[m] += 1.0 / z[m]
        z[m] += 1.0
    w = 1.0 / (z * z)
    poly = np.zeros_like(z)
    for c in reversed(_PSI_ASYMPTOTIC):
        poly = (poly + c) * w
    return (np.log(z) - 0.5 / z - poly) - acc


def digamma(x: Any) -> np.ndarray:
    """The digamma function ``psi = (log Gamma)'`` (NaN at the poles, as XLA).

    >>> digamma(np.array([1.0, 0.0, -0.5])).round(6).tolist()
    [-0.577216, nan, 0.03649]
    """
    x = np.asarray(x)
    v = np.atleast_1d(x.astype(_f64))
    with np.errstate(all="ignore"):
        refl = v <= 0
        pos = np.where(refl, 1.0 - v, v)         # psi(1 - x) for the reflected ones
        finite = np.isfinite(pos)
        res = np.where(np.isnan(pos), np.nan, np.inf)   # +inf at +inf, NaN for NaN
        res[finite] = _digamma_pos(pos[finite])
        r = v - np.round(v)                      # exact: tan(pi x) = tan(pi r)
        cot = np.pi / np.tan(np.pi * r)
        res = np.where(refl, np.where(r == 0, np.nan, res - cot), res)
        res = np.where(v == -np.inf, np.nan, res)
    return _out(x, res.reshape(x.shape))


# Giles' single-precision erfinv: erfinv(x) ~ x p(w), w = -log((1 - x)(1 + x)).
_GILES_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                  0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
               0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _horner(coeffs: tuple[float, ...], w: np.ndarray) -> np.ndarray:
    p = np.full_like(w, coeffs[0])
    for c in coeffs[1:]:
        p = p * w + c
    return p


def erf_inv(x: Any) -> np.ndarray:
    """The inverse error function (``+-inf`` at ``+-1``, NaN outside ``[-1, 1]``).

    >>> erf_inv(np.array([0.0, 0.5, 1.0])).round(6).tolist()
    [0.0, 0.476936, inf]
    """
    x = np.asarray(x)
    v = x.astype(_f64)
    with np.errstate(all="ignore"):
        a = np.abs(v)
        inside = a < 1
        a = np.where(inside, a, 0.5)              # keep the iteration finite
        w = -np.log((1.0 - a) * (1.0 + a))
        central = w < 5.0
        y = a * np.where(central, _horner(_GILES_CENTRAL, w - 2.5),
                         _horner(_GILES_TAIL, np.sqrt(w) - 3.0))
        tail = a >= 0.5
        q = 1.0 - a                               # exact for a >= 1/2 (Sterbenz)
        # Beyond Giles' float32 range (w > 16) start from the asymptotic inverse of
        # erfc(y) ~ exp(-y^2) / (y sqrt(pi)) (1 - 1/(2 y^2)), solved by fixed point.
        t = -np.log(np.where(w > 16, q, 0.5))
        z = np.sqrt(t)
        for _ in range(3):
            z = np.sqrt(t - np.log(math.sqrt(math.pi) * z) + np.log1p(-0.5 / (z * z)))
        y = np.where(w > 16, z, y)
        for _ in range(3):
            # Halley on f(y) = erf(y) - a (or erfc(y) - q, whose f'/f'' ratio is the same):
            # u = f / f', y -= u / (1 + y u)
            fp = _TWO_OVER_SQRT_PI * np.exp(-y * y)
            f = np.where(tail, q - _erfc_v(y), _erf_v(y) - a)
            u = f / fp
            step = u / (1.0 + y * u)
            y = np.where(fp > 0, y - step, y)
        res = np.where(inside, np.copysign(y, v),
                       np.where(np.abs(v) == 1, np.copysign(np.inf, v), np.nan))
        res = np.where(v == 0, v, res)            # keeps -0.0
    return _out(x, res)
