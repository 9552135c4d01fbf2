"""JVP and VJP rules of the special-function primitives (``tracer.scipy.special``).

The maths, JAX's rules:

* ``lgamma'(x) = digamma(x)``;
* ``digamma'(x) = trigamma(x)``, composed here from primitives (JAX binds
  ``polygamma(1, x)``; graphjit has no polygamma primitive), so every higher
  derivative is the derivative of this composition;
* ``erf_inv'(x) = sqrt(pi)/2 exp(erf_inv(x)^2)`` (``inf`` at ``+-1``);
* ``erfc'(x) = -2/sqrt(pi) exp(-x^2)``.

``trigamma`` (``psi_1``):

* ``x > 0``: ``psi_1(x) = sum_{k<10} 1/(x+k)^2 + psi_1(x + 10)`` and, at
  ``z = x + 10 >= 10``, the asymptotic series
  ``psi_1(z) ~ 1/z + 1/(2z^2) + sum_k B_2k / z^(2k+1)`` through ``B_16``
  (truncation error below ``1e-15`` relative);
* ``x <= 0``: the reflection ``psi_1(x) = pi^2 / sin^2(pi x) - psi_1(1 - x)``,
  with the sine of the exact reduced argument ``x - round(x)`` (``inf`` at the
  poles, as JAX); ``+inf`` gives NaN and ``-inf`` gives ``inf``, as JAX's
  polygamma does.

The reflected branch sees a safe operand (``1/2``) where it is not selected,
so its zero cotangent never meets an infinity (no NaN in higher derivatives).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from tracer import primitives as P
from tracer.tracing import bind
from transforms.ad_rules.elementwise import defunary
from transforms.util import aval

__all__ = ["trigamma"]


def _c(x: Any, value: float) -> Any:
    return np.asarray(value, dtype=aval(x).dtype)[()]


def _add(x: Any, y: Any) -> Any:
    return bind(P.add_p, x, y)


def _sub(x: Any, y: Any) -> Any:
    return bind(P.sub_p, x, y)


def _mul(x: Any, y: Any) -> Any:
    return bind(P.mul_p, x, y)


def _div(x: Any, y: Any) -> Any:
    return bind(P.div_p, x, y)


def _where(pred: Any, on_true: Any, on_false: Any) -> Any:
    return bind(P.select_n_p, pred, on_false, on_true)


# B_2k for k = 1..8, the coefficients of 1/z^(2k+1) in the asymptotic series of psi_1
_TRIGAMMA_ASYMPTOTIC = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6,
                        -3617 / 510)
_SHIFT = 10


def _trigamma_pos(x: Any) -> Any:
    """``psi_1(x)`` for ``x > 0``: ten steps of the recurrence, then the series."""
    acc = None
    for k in range(_SHIFT):
        xk = _add(x, _c(x, k)) if k else x
        term = _div(_c(x, 1), _mul(xk, xk))
        acc = term if acc is None else _add(acc, term)
    z = _add(x, _c(x, _SHIFT))
    inv = _div(_c(x, 1), z)
    w = _mul(inv, inv)
    poly = _c(x, _TRIGAMMA_ASYMPTOTIC[-1])
    for coeff in reversed(_TRIGAMMA_ASYMPTOTIC[:-1]):
        poly = _add(_c(x, coeff), _mul(w, poly))
    # 1/z + 1/(2 z^2) + (1/z) w poly(w)
    series = _mul(inv, _add(_add(_c(x, 1), _mul(_c(x, 0.5), inv)), _mul(w, poly)))
    return _add(acc, series)


def trigamma(x: Any) -> Any:
    """``psi_1(x) = digamma'(x)``, written with primitives (so it differentiates again).

    >>> round(float(trigamma(np.float64(1.0))), 12)     # pi^2 / 6
    1.644934066848
    """
    refl = bind(P.le_p, x, _c(x, 0))
    pos = _trigamma_pos(_where(refl, _sub(_c(x, 1), x), x))
    xr = _where(refl, x, _c(x, 0.5))
    r = _sub(xr, bind(P.round_p, xr, rounding_method=1))
    s = bind(P.sin_p, _mul(_c(x, math.pi), r))
    reflected = _sub(_div(_c(x, math.pi ** 2), _mul(s, s)), pos)
    out = _where(refl, reflected, pos)
    out = _where(bind(P.eq_p, x, _c(x, -np.inf)), _c(x, np.inf), out)
    return _where(bind(P.eq_p, x, _c(x, np.inf)), _c(x, np.nan), out)


defunary(P.lgamma_p, lambda x, out: bind(P.digamma_p, x))
defunary(P.digamma_p, lambda x, out: trigamma(x))
defunary(P.erf_inv_p, lambda x, out: _mul(_c(x, math.sqrt(math.pi) / 2),
                                          bind(P.exp_p, _mul(out, out))))
defunary(P.erfc_p, lambda x, out: _mul(_c(x, -2 / math.sqrt(math.pi)),
                                       bind(P.exp_p, bind(P.neg_p, _mul(x, x)))))
