"""``graphjit.scipy.special``: ``jax.scipy.special``'s functions, on ``tnp`` and ``lax``.

Every function is written on graphjit's primitives, so it runs eagerly, under
``jit`` (NumPy or XLA backend) and under every transform (``grad``, ``jvp``,
``vmap``, ``hessian``...).  Names, signatures and derivatives are JAX's;
dtypes follow graphjit's NumPy rules: float64 in, float64 out; float32 in,
float32 out (Python scalars are weak); integer and bool arguments become
float64 (JAX would give float32 without x64).

Primitives: ``erf`` is ``lax.erf``; ``erfc``, ``erfinv``, ``gammaln`` and
``digamma`` bind the primitives ``erfc``, ``erf_inv``, ``lgamma`` and
``digamma`` (XLA lowers them to the CHLO ops JAX uses; the NumPy backend's
float64 kernels are in ``backends/numpy_special.py``).  The rest is composed
the way ``jax.scipy.special`` composes it (``ndtri``: Cephes' rational
approximations; ``log_ndtr``: an asymptotic series below -20 (float64) or
-10 (float32); ``betaln``: the ``algdiv`` correction for ``b >= 8``), so
values and derivatives agree with JAX to rounding.

Derivatives at the special points are JAX's: ``xlogy``, ``xlog1py``,
``logit``, ``entr`` and ``log_ndtr`` carry JAX's custom JVP rules
(``xlogy(0, 0) = 0`` with gradient ``(-inf, nan)``, ``logit'(0) = inf``);
``erfinv'(+-1) = inf``.

Not here yet: the incomplete gamma and beta functions (``gammainc``,
``gammaincc``, ``betainc``: JAX binds ``igamma``/``betainc`` primitives, which
graphjit lacks), ``polygamma``/``zeta``, Bessel functions, ``erfcx`` and
complex arguments.  ``digamma``'s derivative (trigamma) is composed from
primitives in ``transforms/ad_rules/special.py``.

Eager NumPy floating-point warnings are silenced inside these functions: they
evaluate both sides of their selects, and their special points (``log(0)`` in
``xlogy(0, 0)``) are part of their definition, as in SciPy.

>>> float(xlogy(0.0, 0.0)), round(float(ndtri(0.975)), 6)
(0.0, 1.959964)
"""
from __future__ import annotations

import math
import operator
from typing import Any, Sequence

import numpy as np

import tracer.numpy as tnp
from tracer import lax, nn
from tracer.scipy._util import custom_jvp, promote_inexact
from tracer.scipy._util import quiet as _quiet

Array = Any
ArrayLike = Any
Axis = int | Sequence[int] | None

__all__ = [
    "beta", "betaln", "digamma", "entr", "erf", "erfc", "erfinv", "expit", "factorial",
    "gamma", "gammaln", "gammasgn", "kl_div", "log_ndtr", "log_softmax", "loggamma", "logit",
    "logsumexp", "multigammaln", "ndtr", "ndtri", "rel_entr", "softmax", "xlog1py", "xlogy",
]


def _c(x: Any, value: float) -> Any:
    """A strong scalar constant of ``x``'s dtype (where no operand sets the dtype)."""
    return np.asarray(value, dtype=x.dtype)[()]


# ---------------------------------------------------------------------------
# error function family


@_quiet
def erf(x: ArrayLike) -> Array:
    """The error function ``2/sqrt(pi) int_0^x exp(-t^2) dt``.

    >>> round(float(erf(1.0)), 6)
    0.842701
    """
    x, = promote_inexact("erf", x)
    return lax.erf(x)


@_quiet
def erfc(x: ArrayLike) -> Array:
    """The complementary error function ``1 - erf(x)``, accurate in the right tail.

    >>> float(erfc(10.0))
    2.088487583762545e-45
    """
    x, = promote_inexact("erfc", x)
    return lax.erfc(x)


@_quiet
def erfinv(x: ArrayLike) -> Array:
    """The inverse error function (``+-inf`` at ``+-1``, NaN outside ``[-1, 1]``).

    >>> round(float(erfinv(0.5)), 6)
    0.476936
    """
    x, = promote_inexact("erfinv", x)
    return lax.erf_inv(x)


def _ndtr(x: Array) -> Array:
    """``Phi(x) = erfc(-x / sqrt 2) / 2``, with ``1 + erf`` near 0 (JAX's split)."""
    half_sqrt_2 = 0.5 * math.sqrt(2.0)
    w = x * half_sqrt_2
    z = tnp.abs(w)
    y = tnp.where(z < half_sqrt_2, 1.0 + lax.erf(w),
                  tnp.where(w > 0, 2.0 - lax.erfc(z), lax.erfc(z)))
    return 0.5 * y


@_quiet
def ndtr(x: ArrayLike) -> Array:
    """The standard normal CDF ``Phi(x)``.

    >>> round(float(ndtr(1.0)), 6)
    0.841345
    """
    x, = promote_inexact("ndtr", x)
    return _ndtr(x)


# Cephes' ndtri: x / sqrt(2 pi) = w + w^3 P0(w^2)/Q0(w^2) for p > exp(-2), else
# x = z - log(z)/z - P(1/z)/(z Q(1/z)), z = sqrt(-2 log p), P1/Q1 or P2/Q2 (p < exp(-32)).
_NDTRI_P0 = (-5.99633501014107895267E1, 9.80010754185999661536E1, -5.66762857469070293439E1,
             1.39312609387279679503E1, -1.23916583867381258016E0)
_NDTRI_Q0 = (1.0, 1.95448858338141759834E0, 4.67627912898881538453E0, 8.63602421390890590575E1,
             -2.25462687854119370527E2, 2.00260212380060660359E2, -8.20372256168333339912E1,
             1.59056225126211695515E1, -1.18331621121330003142E0)
_NDTRI_P1 = (4.05544892305962419923E0, 3.15251094599893866154E1, 5.71628192246421288162E1,
             4.40805073893200834700E1, 1.46849561928858024014E1, 2.18663306850790267539E0,
             -1.40256079171354495875E-1, -3.50424626827848203418E-2,
             -8.57456785154685413611E-4)
_NDTRI_Q1 = (1.0, 1.57799883256466749731E1, 4.53907635128879210584E1, 4.13172038254672030440E1,
             1.50425385692907503408E1, 2.50464946208309415979E0, -1.42182922854787788574E-1,
             -3.80806407691578277194E-2, -9.33259480895457427372E-4)
_NDTRI_P2 = (3.23774891776946035970E0, 6.91522889068984211695E0, 3.93881025292474443415E0,
             1.33303460815807542389E0, 2.01485389549179081538E-1, 1.23716634817820021358E-2,
             3.01581553508235416007E-4, 2.65806974686737550832E-6, 6.23974539184983293730E-9)
_NDTRI_Q2 = (1.0, 6.02427039364742014255E0, 3.67983563856160859403E0, 1.37702099489081330271E0,
             2.16236993594496635890E-1, 1.34204006088543189037E-2, 3.28014464682127739104E-4,
             2.89247864745380683936E-6, 6.79019408009981274425E-9)


def _polyval(coeffs: Sequence[float], x: Array) -> Array:
    """Horner's rule, highest degree first (``jnp.polyval``'s order of operations)."""
    y = coeffs[0] + 0.0 * x
    for c in coeffs[1:]:
        y = y * x + c
    return y


@_quiet
def ndtri(p: ArrayLike) -> Array:
    """The inverse of the standard normal CDF (``-inf``/``inf`` at 0/1, NaN outside).

    >>> round(float(ndtri(0.975)), 6)
    1.959964
    """
    p, = promote_inexact("ndtri", p)
    mcp = tnp.where(p > -math.expm1(-2.0), 1.0 - p, p)
    # a stand-in for 0 (whose log would poison the derivative of the unused branches)
    safe = tnp.where(mcp == 0.0, 0.5, mcp)
    w = safe - 0.5
    ww = w * w
    x_big = w + w * ww * (_polyval(_NDTRI_P0, ww) / _polyval(_NDTRI_Q0, ww))
    x_big = x_big * -math.sqrt(2.0 * math.pi)
    z = tnp.sqrt(-2.0 * tnp.log(safe))
    first = z - tnp.log(z) / z
    inv_z = 1.0 / z
    x_small = first - _polyval(_NDTRI_P2, inv_z) / _polyval(_NDTRI_Q2, inv_z) / z
    x_other = first - _polyval(_NDTRI_P1, inv_z) / _polyval(_NDTRI_Q1, inv_z) / z
    x = tnp.where(safe > math.exp(-2.0), x_big, tnp.where(z >= 8.0, x_small, x_other))
    x = tnp.where(p > 1.0 - math.exp(-2.0), x, -x)
    return tnp.where(p == 0.0, -np.inf, tnp.where(p == 1.0, np.inf, x))


_LOG_NDTR_SEGMENTS = {np.dtype(np.float64): (-20.0, 8.0), np.dtype(np.float32): (-10.0, 5.0)}
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _log_ndtr_lower(x: Array, series_order: int) -> Array:
    """``log Phi(x)`` for ``x << -1``.

    ``log(phi(x) / -x) + log(1 + sum_n (-1)^n (2n-1)!! / x^2n)``, the asymptotic series.
    """
    x2 = x * x
    log_scale = -0.5 * x2 - tnp.log(-x) - _HALF_LOG_2PI
    even = tnp.zeros_like(x)
    odd = tnp.zeros_like(x)
    x2n = x2
    for n in range(1, series_order + 1):
        y = float(math.prod(range(2 * n - 1, 0, -2))) / x2n
        if n % 2:
            odd = odd + y
        else:
            even = even + y
        x2n = x2n * x2
    return log_scale + tnp.log(1.0 + even - odd)


def _log_ndtr_impl(x: Array, series_order: int) -> Array:
    lower, upper = _LOG_NDTR_SEGMENTS.get(np.dtype(x.dtype), (-20.0, 8.0))
    above = x > upper
    # one ndtr for both ends; the clamps keep the unused branches finite (no NaN
    # in the derivative of the selects)
    res = _ndtr(tnp.where(above, -x, tnp.maximum(x, lower)))
    return tnp.where(above, -res,
                     tnp.where(x > lower, tnp.log(res),
                               _log_ndtr_lower(tnp.minimum(x, lower), series_order)))


def _log_ndtr_jvp(series_order: int, primals: Sequence[Array],
                  tangents: Sequence[Array]) -> tuple[Array, Array]:
    (x,), (t,) = primals, tangents
    ans = _log_ndtr(x, series_order)
    log_pdf = -0.5 * (x * x) - _HALF_LOG_2PI
    return ans, t * tnp.exp(log_pdf - ans)


_log_ndtr = custom_jvp(_log_ndtr_impl, _log_ndtr_jvp, nondiff_argnums=(1,))


@_quiet
def log_ndtr(x: ArrayLike, series_order: int = 3) -> Array:
    """``log Phi(x)``, accurate far into both tails (JAX's algorithm and derivative).

    >>> round(float(log_ndtr(-30.0)), 4)
    -454.3212
    """
    if not isinstance(series_order, int) or isinstance(series_order, bool):
        raise TypeError("series_order must be a Python integer.")
    if series_order < 0:
        raise ValueError("series_order must be non-negative.")
    if series_order > 30:
        raise ValueError("series_order must be <= 30.")
    x, = promote_inexact("log_ndtr", x)
    return _log_ndtr(x, series_order)


# ---------------------------------------------------------------------------
# gamma family


@_quiet
def gammaln(x: ArrayLike) -> Array:
    """``log|Gamma(x)|`` (``inf`` at the poles 0, -1, -2, ...).

    >>> round(float(gammaln(0.5)), 6)
    0.572365
    """
    x, = promote_inexact("gammaln", x)
    return lax.lgamma(x)


loggamma = gammaln   # for real arguments (graphjit's special functions are real)


@_quiet
def digamma(x: ArrayLike) -> Array:
    """The digamma function ``psi(x) = d/dx log Gamma(x)`` (NaN at the poles, as JAX).

    >>> round(float(digamma(1.0)), 6)
    -0.577216
    """
    x, = promote_inexact("digamma", x)
    return lax.digamma(x)


@_quiet
def gammasgn(x: ArrayLike) -> Array:
    """The sign of ``Gamma(x)``: NaN at the negative integers and -inf, ``-1`` at ``-0.0``.

    >>> gammasgn(tnp.asarray([2.0, -0.5, -1.5])).tolist()
    [1.0, -1.0, 1.0]
    """
    x, = promote_inexact("gammasgn", x)
    floor_x = tnp.floor(x)
    neg = x < 0
    nan_ = (neg & (x == floor_x)) | tnp.isnan(x)
    minus = (neg & (tnp.remainder(floor_x, 2.0) != 0)) | ((x == 0) & tnp.signbit(x))
    return tnp.where(nan_, _c(x, np.nan), tnp.where(minus, _c(x, -1.0), _c(x, 1.0)))


@_quiet
def gamma(x: ArrayLike) -> Array:
    """The gamma function ``Gamma(x) = sign * exp(gammaln(x))`` (JAX's formula).

    >>> round(float(gamma(5.0)), 9)
    24.0
    """
    x, = promote_inexact("gamma", x)
    return gammasgn(x) * tnp.exp(lax.lgamma(x))


@_quiet
def factorial(n: ArrayLike, exact: bool = False) -> Array:
    """``n! = Gamma(n + 1)`` (0 for negative ``n``); ``exact=True`` is not supported, as JAX.

    >>> round(float(factorial(4)), 9)
    24.0
    """
    if exact:
        raise NotImplementedError("factorial with exact=True")
    n, = promote_inexact("factorial", n)
    return tnp.where(n < 0, 0.0, tnp.exp(lax.lgamma(n + 1.0)))


def _algdiv(a: Array, b: Array) -> Array:
    """``log(Gamma(b) / Gamma(a + b))`` for ``b >= 8`` (``a <= b``), SciPy's cdflib ``algdiv``."""
    c0, c1, c2 = 0.833333333333333e-01, -0.277777777760991e-02, 0.793650666825390e-03
    c3, c4, c5 = -0.595202931351870e-03, 0.837308034031215e-03, -0.165322962780713e-02
    h = a / b
    c = h / (1 + h)
    x = h / (1 + h)
    d = b + (a - 0.5)
    x2 = x * x
    s3 = 1.0 + (x + x2)
    s5 = 1.0 + (x + x2 * s3)
    s7 = 1.0 + (x + x2 * s5)
    s9 = 1.0 + (x + x2 * s7)
    s11 = 1.0 + (x + x2 * s9)
    t = (1.0 / b) ** 2
    w = ((((c5 * s11 * t + c4 * s9) * t + c3 * s7) * t + c2 * s5) * t + c1 * s3) * t + c0
    w = w * (c / b)
    u = d * tnp.log1p(a / b)
    v = a * (tnp.log(b) - 1.0)
    return tnp.where(u <= v, (w - v) - u, (w - u) - v)


@_quiet
def betaln(a: ArrayLike, b: ArrayLike) -> Array:
    """``log|B(a, b)|``, accurate also for large arguments (JAX's ``algdiv`` branch).

    >>> round(float(betaln(2.0, 3.0)), 6)      # log(1/12)
    -2.484907
    """
    a, b = promote_inexact("betaln", a, b)
    a, b = tnp.minimum(a, b), tnp.maximum(a, b)
    small_b = lax.lgamma(a) + (lax.lgamma(b) - lax.lgamma(a + b))
    large_b = lax.lgamma(a) + _algdiv(a, b)
    return tnp.where(b < 8, small_b, large_b)


@_quiet
def beta(a: ArrayLike, b: ArrayLike) -> Array:
    """The beta function ``B(a, b) = Gamma(a) Gamma(b) / Gamma(a + b)``.

    >>> round(float(beta(2.0, 3.0)), 9)
    0.083333333
    """
    a, b = promote_inexact("beta", a, b)
    sign = gammasgn(a) * gammasgn(b) * gammasgn(a + b)
    return sign * tnp.exp(betaln(a, b))


@_quiet
def multigammaln(a: ArrayLike, d: int) -> Array:
    """The log of the multivariate gamma function of dimension ``d`` (a static int).

    >>> round(float(multigammaln(3.0, 2)), 6)
    1.550195
    """
    d = operator.index(d)
    a, = promote_inexact("multigammaln", a)
    constant = 0.25 * d * (d - 1) * math.log(math.pi)
    b = tnp.arange(d, dtype=a.dtype) / 2.0
    return tnp.sum(lax.lgamma(tnp.expand_dims(a, -1) - b), axis=-1) + constant


# ---------------------------------------------------------------------------
# x log y family (JAX's custom JVPs: the derivatives at x = 0 are the formulas')


def _xlogy_impl(x: Array, y: Array) -> Array:
    # NaN in y propagates even where x == 0 (as scipy.special.xlogy)
    return tnp.where((x != 0) | tnp.isnan(y), x * tnp.log(y), tnp.zeros_like(x))


def _xlogy_jvp(primals: Sequence[Array], tangents: Sequence[Array]) -> tuple[Array, Array]:
    (x, y), (x_dot, y_dot) = primals, tangents
    return _xlogy(x, y), x_dot * tnp.log(y) + y_dot * x / y


_xlogy = custom_jvp(_xlogy_impl, _xlogy_jvp)


@_quiet
def xlogy(x: ArrayLike, y: ArrayLike) -> Array:
    """``x * log(y)``, 0 where ``x == 0`` (also at ``y = 0``), with JAX's derivative.

    >>> float(xlogy(0.0, 0.0)), round(float(xlogy(2.0, 3.0)), 6)
    (0.0, 2.197225)
    """
    x, y = promote_inexact("xlogy", x, y)
    return _xlogy(x, y)


def _xlog1py_impl(x: Array, y: Array) -> Array:
    return tnp.where((x != 0) | tnp.isnan(y), x * tnp.log1p(y), tnp.zeros_like(x))


def _xlog1py_jvp(primals: Sequence[Array], tangents: Sequence[Array]) -> tuple[Array, Array]:
    (x, y), (x_dot, y_dot) = primals, tangents
    return _xlog1py(x, y), x_dot * tnp.log1p(y) + y_dot * x / (1.0 + y)


_xlog1py = custom_jvp(_xlog1py_impl, _xlog1py_jvp)


@_quiet
def xlog1py(x: ArrayLike, y: ArrayLike) -> Array:
    """``x * log1p(y)``, 0 where ``x == 0`` (also at ``y = -1``), with JAX's derivative.

    >>> float(xlog1py(0.0, -1.0))
    0.0
    """
    x, y = promote_inexact("xlog1py", x, y)
    return _xlog1py(x, y)


def _xlogx_jvp(primals: Sequence[Array], tangents: Sequence[Array]) -> tuple[Array, Array]:
    (x,), (x_dot,) = primals, tangents
    return _xlogx(x), x_dot * (tnp.log(x) + 1.0)


def _xlogx_impl(x: Array) -> Array:
    return _xlogy_impl(x, x)


_xlogx = custom_jvp(_xlogx_impl, _xlogx_jvp)


@_quiet
def entr(x: ArrayLike) -> Array:
    """The entropy term ``-x log x`` (0 at 0, ``-inf`` for ``x < 0``).

    >>> float(entr(0.0)) == 0.0, round(float(entr(0.5)), 6)
    (True, 0.346574)
    """
    x, = promote_inexact("entr", x)
    return tnp.where(x < 0, -np.inf, -_xlogx(x))


@_quiet
def rel_entr(p: ArrayLike, q: ArrayLike) -> Array:
    """``p log(p/q)`` for ``p, q > 0``; 0 where ``p == 0 <= q``; ``inf`` otherwise.

    >>> float(rel_entr(0.0, 1.0)), round(float(rel_entr(1.0, 2.0)), 6)
    (0.0, -0.693147)
    """
    p, q = promote_inexact("rel_entr", p, q)
    both = (p > 0) & (q > 0)
    one_zero = (p == 0) & (q >= 0)
    safe_p = tnp.where(both, p, 1.0)
    safe_q = tnp.where(both, q, 1.0)
    log_val = _xlogx(safe_p) - _xlogy(safe_p, safe_q)
    return tnp.where(both, log_val, tnp.where(one_zero, _c(p, 0.0), _c(p, np.inf)))


@_quiet
def kl_div(p: ArrayLike, q: ArrayLike) -> Array:
    """``p log(p/q) - p + q`` (``scipy.special.kl_div``).

    >>> round(float(kl_div(1.0, 2.0)), 6)
    0.306853
    """
    p, q = promote_inexact("kl_div", p, q)
    return rel_entr(p, q) - p + q


# ---------------------------------------------------------------------------
# logistic family and reductions


@_quiet
def expit(x: ArrayLike) -> Array:
    """The logistic sigmoid ``1 / (1 + exp(-x))``.

    >>> float(expit(0.0))
    0.5
    """
    x, = promote_inexact("expit", x)
    return lax.logistic(x)


def _logit_jvp(primals: Sequence[Array], tangents: Sequence[Array]) -> tuple[Array, Array]:
    (x,), (t,) = primals, tangents
    return _logit(x), t / (x * (1.0 - x))


def _logit_impl(x: Array) -> Array:
    return tnp.log(x / (1.0 - x))


_logit = custom_jvp(_logit_impl, _logit_jvp)


@_quiet
def logit(x: ArrayLike) -> Array:
    """``log(x / (1 - x))``, the inverse of ``expit`` (derivative ``1/(x(1-x))``, JAX's).

    >>> float(logit(0.5)), float(logit(1.0))
    (0.0, inf)
    """
    x, = promote_inexact("logit", x)
    return _logit(x)


@_quiet
def logsumexp(a: ArrayLike, axis: Axis = None, b: ArrayLike | None = None,
              keepdims: bool = False, return_sign: bool = False,
              where: ArrayLike | None = None) -> Array | tuple[Array, Array]:
    """``log(sum(b * exp(a)))`` over ``axis``, stably (``jax.scipy.special.logsumexp``).

    With ``return_sign=True`` returns ``(log|sum|, sign(sum))``; otherwise a
    negative sum (possible with ``b``) gives NaN.

    >>> round(float(logsumexp(tnp.asarray([0.0, 0.0]))), 6)
    0.693147
    """
    return nn.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=return_sign,
                        where=where)


@_quiet
def softmax(x: ArrayLike, /, *, axis: Axis = None) -> Array:
    """``exp(x) / sum(exp(x))`` over ``axis`` (all axes by default, as SciPy).

    >>> softmax(tnp.asarray([0.0, 0.0])).tolist()
    [0.5, 0.5]
    """
    return nn.softmax(x, axis=axis)


@_quiet
def log_softmax(x: ArrayLike, /, *, axis: Axis = None) -> Array:
    """``x - logsumexp(x)`` over ``axis`` (all axes by default, as SciPy).

    >>> [round(v, 6) for v in log_softmax(tnp.asarray([0.0, 0.0])).tolist()]
    [-0.693147, -0.693147]
    """
    return nn.log_softmax(x, axis=axis)
