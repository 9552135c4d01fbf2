"""Elementwise ``tnp`` functions (NumPy ufuncs and friends) on primitives."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from tracer import dtypes
from tracer import primitives as P
from tracer.ir import user_location
from tracer.numpy._core import (asarray, bool_as_int, convert, host_binder, is_host, is_weak,
                               prim1, prim2, result_type, ufunc, weaken)
from tracer.tracing import Tracer, bind

__all__ = [
    "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "mod",
    "remainder", "fmod", "divmod", "power", "pow", "float_power", "negative", "positive",
    "abs", "absolute", "fabs", "sign", "sqrt", "cbrt", "square", "reciprocal", "exp",
    "exp2", "expm1", "log", "log2", "log10", "log1p", "logaddexp", "logaddexp2", "sin",
    "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "tanh",
    "arcsinh", "arccosh", "arctanh", "asin", "acos", "atan", "atan2", "asinh", "acosh",
    "atanh", "hypot", "deg2rad", "rad2deg", "degrees", "radians", "floor", "ceil",
    "trunc", "fix", "rint", "round", "around", "clip", "maximum", "minimum", "fmax",
    "fmin", "heaviside", "sinc", "isfinite", "isinf", "isnan", "isposinf", "isneginf",
    "nan_to_num", "signbit", "copysign", "nextafter", "equal", "not_equal", "less",
    "less_equal", "greater", "greater_equal", "logical_and", "logical_or", "logical_not",
    "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "invert",
    "bitwise_invert", "left_shift", "right_shift", "bitwise_left_shift",
    "bitwise_right_shift", "isclose", "allclose", "array_equal", "array_equiv", "where",
    "select", "real", "imag", "conj", "conjugate",
]


def _full_like_scalar(x: Any, value: Any, dtype: Any = None) -> Any:
    dt = x.dtype if dtype is None else np.dtype(dtype)
    return bind(P.broadcast_in_dim_p, np.asarray(value, dt)[()], shape=tuple(x.shape),
                broadcast_dimensions=())


def _c(x: Any, value: float) -> Any:
    """A scalar constant of ``x``'s dtype."""
    return np.asarray(value, dtype=x.dtype)[()]


_mul, _add, _sub, _div = (prim2(p) for p in (P.mul_p, P.add_p, P.sub_p, P.div_p))


def _where(c: Any, x: Any, y: Any) -> Any:
    return bind(P.select_n_p, c, y, x)


# -- arithmetic ------------------------------------------------------------------

add = ufunc(np.add, _add)
subtract = ufunc(np.subtract, _sub)
multiply = ufunc(np.multiply, _mul)
true_divide = ufunc(np.true_divide, _div, name="true_divide")
divide = ufunc(np.divide, _div, name="divide")


def _int_zero_divisor(x: Any, y: Any, out: Any) -> Any:
    """NumPy's integer ``x // 0``, ``x % 0`` and ``fmod(x, 0)``: 0 (with a warning).

    The ``div``/``rem`` primitives follow XLA there (``x / 0`` is -1, ``x % 0`` is
    x); ``INT_MIN // -1`` (INT_MIN) and ``INT_MIN % -1`` (0) agree already.
    """
    zero = _c(x, 0)
    return _where(bind(P.eq_p, y, zero), zero, out)


def _fmod(x: Any, y: Any) -> Any:
    r = bind(P.rem_p, x, y)
    return _int_zero_divisor(x, y, r) if x.dtype.kind in "iu" else r


_fmod._prim = P.rem_p  # type: ignore[attr-defined]  # the eager shortcut, for floats only
_fmod._fast_kinds = "fc"  # type: ignore[attr-defined]
fmod = ufunc(np.fmod, _fmod, name="fmod")


def _floor_divide(x: Any, y: Any) -> Any:
    if x.dtype.kind in "iu":
        q = _div(x, y)
        if x.dtype.kind == "i":
            r = bind(P.rem_p, x, y)
            zero = _c(x, 0)
            fix = bind(P.and_p, bind(P.ne_p, r, zero),
                       bind(P.ne_p, bind(P.lt_p, r, zero), bind(P.lt_p, y, zero)))
            q = _sub(q, convert(fix, x.dtype))
        return _int_zero_divisor(x, y, q)
    if x.dtype == dtypes.bool_:
        return bind(P.and_p, x, y)
    # NumPy's algorithm (npy_divmod): exact for representable quotients.
    mod = bind(P.rem_p, x, y)
    div = _div(_sub(x, mod), y)
    zero = _c(x, 0)
    adj = bind(P.and_p, bind(P.ne_p, mod, zero),
               bind(P.ne_p, bind(P.lt_p, y, zero), bind(P.lt_p, mod, zero)))
    div = _where(adj, _sub(div, _c(x, 1)), div)
    fl = bind(P.floor_p, div)
    fl = _where(bind(P.gt_p, _sub(div, fl), _c(x, 0.5)), _add(fl, _c(x, 1)), fl)
    # floor_divide is piecewise constant: derivative 0 everywhere (JAX's), also where
    # the value is x / y (a zero divisor), so that quotient is cut from the derivative
    plain = bind(P.stop_gradient_p, _div(x, y))
    return _where(bind(P.eq_p, y, zero), plain, _where(bind(P.eq_p, div, zero),
                                                      _mul(zero, plain), fl))


floor_divide = ufunc(np.floor_divide, _floor_divide)


def _remainder(x: Any, y: Any) -> Any:
    if x.dtype == dtypes.bool_:
        return bind(P.and_p, x, bind(P.not_p, y))
    r = bind(P.rem_p, x, y)
    zero = _c(x, 0)
    if x.dtype.kind == "u":
        return _int_zero_divisor(x, y, r)
    fix = bind(P.and_p, bind(P.ne_p, r, zero),
               bind(P.ne_p, bind(P.lt_p, r, zero), bind(P.lt_p, y, zero)))
    out = _where(fix, _add(r, y), r)
    if x.dtype.kind == "i":
        return _int_zero_divisor(x, y, out)
    if x.dtype.kind == "f":
        # a zero remainder takes the divisor's sign, as in Python and NumPy; it keeps the
        # derivative of rem (d/dx 1, d/dy -trunc(x/y), JAX's): signed_zero - (out' - out)
        # has signed_zero's value (+0 - +0 is +0, -0 - +0 is -0) and out's derivative
        signed_zero = _where(bind(P.signbit_p, y), _c(x, -0.0), zero)
        carried = _sub(signed_zero, _sub(bind(P.stop_gradient_p, out), out))
        out = _where(bind(P.eq_p, out, zero), carried, out)
    return out


remainder = ufunc(np.remainder, _remainder)
mod = ufunc(np.mod, _remainder, name="mod")


def divmod(x: Any, y: Any) -> tuple[Any, Any]:  # noqa: A001 - NumPy's name
    """Like ``numpy.divmod``: ``(floor_divide(x, y), remainder(x, y))``."""
    return floor_divide(x, y), remainder(x, y)


def _int_power(x: Any, y: Any) -> Any:
    """Integer power by square-and-multiply over the exponent's bits."""
    bits = x.dtype.itemsize * 8
    acc = _full_like_scalar(bind(P.add_p, x, _mul(y, _c(y, 0))), 1)
    base = _add(x, _mul(y, _c(y, 0)))
    e = _add(y, _mul(x, _c(x, 0)))
    one, zero = _c(x, 1), _c(x, 0)
    for _ in range(bits):
        bit = bind(P.ne_p, bind(P.and_p, e, one), zero)
        acc = _where(bit, _mul(acc, base), acc)
        base = _mul(base, base)
        e = bind(P.shift_right_logical_p, e, one)
    return acc


def _power(x: Any, y: Any) -> Any:
    if x.dtype.kind in "iu":
        return _int_power(x, y)
    if x.dtype == dtypes.bool_:
        return bind(P.or_p, x, bind(P.not_p, y))
    return bind(P.pow_p, x, y)


_power_ufunc = ufunc(np.power, _power, name="power")


def power(x1: Any, x2: Any, **kw: Any) -> Any:
    """Like ``numpy.power``; a Python-int exponent becomes ``integer_pow``."""
    if type(x2) is int and not kw and not isinstance(x1, (int, float, bool, complex)):
        x1 = asarray(x1)
        if x1.dtype.kind in "iuf" and (x2 >= 0 or x1.dtype.kind == "f") and -64 <= x2 <= 64:
            return bind(P.integer_pow_p, x1, y=x2)
    return _power_ufunc(x1, x2, **kw)


pow = power  # noqa: A001 - NumPy's name
float_power = ufunc(np.float_power, _power, name="float_power")
negative = ufunc(np.negative, prim1(P.neg_p))
positive = ufunc(np.positive, lambda x: x)


def _abs(x: Any) -> Any:
    if x.dtype.kind in "ub":
        return x
    return bind(P.abs_p, x)


_abs._prim = P.abs_p  # type: ignore[attr-defined]  # eager: np.abs is the identity on "ub"


absolute = ufunc(np.absolute, _abs, name="absolute")
abs = ufunc(np.absolute, _abs, name="abs")  # noqa: A001
fabs = ufunc(np.fabs, _abs)


def _sign(x: Any) -> Any:
    if x.dtype.kind == "u":
        return convert(bind(P.ne_p, x, _c(x, 0)), x.dtype)
    return bind(P.sign_p, x)


sign = ufunc(np.sign, _sign)
sqrt = ufunc(np.sqrt, prim1(P.sqrt_p))
cbrt = ufunc(np.cbrt, prim1(P.cbrt_p))
square = ufunc(np.square, lambda x: bind(P.integer_pow_p, x, y=2) if x.dtype.kind != "b"
               else x)
reciprocal = ufunc(np.reciprocal, lambda x: _div(_full_like_scalar(x, 1), x))
exp = ufunc(np.exp, prim1(P.exp_p))
exp2 = ufunc(np.exp2, prim1(P.exp2_p))
expm1 = ufunc(np.expm1, prim1(P.expm1_p))
log = ufunc(np.log, prim1(P.log_p))
log1p = ufunc(np.log1p, prim1(P.log1p_p))
log2 = ufunc(np.log2, lambda x: _mul(bind(P.log_p, x), _c(x, 1 / math.log(2))))
log10 = ufunc(np.log10, lambda x: _mul(bind(P.log_p, x), _c(x, 1 / math.log(10))))


def _logaddexp(x: Any, y: Any, base2: bool = False) -> Any:
    """``big + log1p(exp(small - big))``, ``big``/``small`` picked by one select.

    Not ``max(x, y) + log1p(exp(-|x - y|))``: the kinks of ``max`` and ``abs``
    at ``x == y`` cancel in the value but not in the derivative (their
    conventions gave ``(0, 1)`` at a tie).  Both branches of the select are
    the same smooth function, so the derivative is exact everywhere:
    ``e^x / (e^x + e^y)``, ``1/2`` at a tie (JAX's ``custom_jvp``).  Where
    ``small - big`` is NaN (a NaN operand, or equal infinities) the value is
    ``x + y`` (NumPy's), with derivative ``1/2, 1/2`` (the tie's), and the
    other branch sees a safe 0 (so its zero cotangent stays zero, not NaN).
    """
    x_big = bind(P.ge_p, x, y)
    big, small = _where(x_big, x, y), _where(x_big, y, x)
    delta = _sub(small, big)   # <= 0
    nan = bind(P.ne_p, delta, delta)
    safe = _where(nan, _c(x, 0), delta)
    if base2:
        tail = _mul(bind(P.log1p_p, bind(P.exp2_p, safe)), _c(x, 1 / math.log(2)))
    else:
        tail = bind(P.log1p_p, bind(P.exp_p, safe))
    return _where(nan, _mul(_add(x, y), _c(x, 0.5)), _add(big, tail))


logaddexp = ufunc(np.logaddexp, _logaddexp)
logaddexp2 = ufunc(np.logaddexp2, lambda x, y: _logaddexp(x, y, True))
sin = ufunc(np.sin, prim1(P.sin_p))
cos = ufunc(np.cos, prim1(P.cos_p))
tan = ufunc(np.tan, prim1(P.tan_p))
arcsin = ufunc(np.arcsin, prim1(P.asin_p))
arccos = ufunc(np.arccos, prim1(P.acos_p))
arctan = ufunc(np.arctan, prim1(P.atan_p))
arctan2 = ufunc(np.arctan2, prim2(P.atan2_p))
sinh = ufunc(np.sinh, prim1(P.sinh_p))
cosh = ufunc(np.cosh, prim1(P.cosh_p))
tanh = ufunc(np.tanh, prim1(P.tanh_p))
arcsinh = ufunc(np.arcsinh, prim1(P.asinh_p))
arccosh = ufunc(np.arccosh, prim1(P.acosh_p))
arctanh = ufunc(np.arctanh, prim1(P.atanh_p))
asin, acos, atan, atan2 = arcsin, arccos, arctan, arctan2
asinh, acosh, atanh = arcsinh, arccosh, arctanh


def _hypot(x: Any, y: Any) -> Any:
    ax, ay = bind(P.abs_p, x), bind(P.abs_p, y)
    a, b = bind(P.max_p, ax, ay), bind(P.min_p, ax, ay)
    zero = _c(x, 0)
    safe_a = _where(bind(P.eq_p, a, zero), _c(x, 1), a)
    r = _div(b, safe_a)
    h = _mul(a, bind(P.sqrt_p, _add(_c(x, 1), _mul(r, r))))
    inf = _c(x, np.inf)
    anyinf = bind(P.or_p, bind(P.eq_p, ax, inf), bind(P.eq_p, ay, inf))
    return _where(anyinf, _full_like_scalar(h, np.inf), _where(bind(P.eq_p, a, zero), a, h))


hypot = ufunc(np.hypot, _hypot)
deg2rad = ufunc(np.deg2rad, lambda x: _mul(x, _c(x, math.pi / 180)))
rad2deg = ufunc(np.rad2deg, lambda x: _mul(x, _c(x, 180 / math.pi)))
radians = ufunc(np.radians, lambda x: _mul(x, _c(x, math.pi / 180)))
degrees = ufunc(np.degrees, lambda x: _mul(x, _c(x, 180 / math.pi)))


def _int_identity(p: P.Primitive):
    return lambda x: x if x.dtype.kind in "iub" else bind(p, x)


floor = ufunc(np.floor, _int_identity(P.floor_p))
ceil = ufunc(np.ceil, _int_identity(P.ceil_p))


def _trunc(x: Any) -> Any:
    if x.dtype.kind in "iub":
        return x
    return _where(bind(P.lt_p, x, _c(x, 0)), bind(P.ceil_p, x), bind(P.floor_p, x))


trunc = ufunc(np.trunc, _trunc)
fix = trunc
rint = ufunc(np.rint, lambda x: x if x.dtype.kind in "iub" else
             bind(P.round_p, x, rounding_method=1))


def round(a: Any, decimals: int = 0, out: Any = None) -> Any:  # noqa: A001
    """Like ``numpy.round``: half to even, ``decimals`` may be negative."""
    x = asarray(a)
    if x.dtype == dtypes.bool_:
        # NumPy rounds bools with rint's loop (float16); other decimals need a multiply
        # whose float64 result cannot be cast back to bool
        if decimals != 0:
            raise TypeError(f"round: cannot round a boolean array to {decimals} decimals "
                            f"(NumPy cannot cast the float64 result back to bool) "
                            f"(at {user_location()})")
        return convert(x, dtypes.float16)
    if x.dtype.kind in "iu":
        if decimals >= 0:
            return x
        f = 10 ** (-decimals)
        xf = convert(x, dtypes.float64)
        r = bind(P.round_p, _div(xf, np.float64(f)), rounding_method=1)
        return convert(_mul(r, np.float64(f)), x.dtype)
    if decimals == 0:
        return bind(P.round_p, x, rounding_method=1)
    if decimals > 0:
        f = _c(x, 10.0 ** decimals)
        return _div(bind(P.round_p, _mul(x, f), rounding_method=1), f)
    f = _c(x, 10.0 ** (-decimals))
    return _mul(bind(P.round_p, _div(x, f), rounding_method=1), f)


around = round


def clip(a: Any, a_min: Any = None, a_max: Any = None, out: Any = None, *,
         min: Any = None, max: Any = None) -> Any:  # noqa: A002
    """Like ``numpy.clip`` (``min=``/``max=`` keywords of NumPy 2 included)."""
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    if lo is None and hi is None:
        return asarray(a)
    x = a
    if lo is not None:
        x = maximum(x, lo)
    if hi is not None:
        x = minimum(x, hi)
    return x


maximum = ufunc(np.maximum, prim2(P.max_p))
minimum = ufunc(np.minimum, prim2(P.min_p))


def _fminmax(p: P.Primitive, beats: P.Primitive):
    # JAX's ``where((x > y) | isnan(y), x, y)`` (``<`` for fmin): one select, so a tie
    # sends the whole derivative to ``y`` (as jnp.fmax), not maximum's 0.5/0.5; a NaN
    # loses to a number, two NaNs give NaN.
    def impl(x: Any, y: Any) -> Any:
        if x.dtype.kind == "f":
            return _where(bind(P.or_p, bind(beats, x, y), bind(P.ne_p, y, y)), x, y)
        m = bind(p, x, y)
        if x.dtype.kind != "c":
            return m
        xnan, ynan = bind(P.ne_p, x, x), bind(P.ne_p, y, y)
        return _where(ynan, x, _where(xnan, y, m))
    return impl


fmax = ufunc(np.fmax, _fminmax(P.max_p, P.gt_p))
fmin = ufunc(np.fmin, _fminmax(P.min_p, P.lt_p))


def _heaviside(x1: Any, x2: Any) -> Any:
    zero = _c(x1, 0)
    mid = _where(bind(P.ne_p, x1, x1), x1, x2)
    return _where(bind(P.lt_p, x1, zero), zero, _where(bind(P.gt_p, x1, zero), _c(x1, 1), mid))


heaviside = ufunc(np.heaviside, _heaviside)


def sinc(x: Any) -> Any:
    """Like ``numpy.sinc``: ``sin(pi x) / (pi x)``, 1 at 0.

    Near 0 (``|pi x| < 0.1``) it is the Taylor polynomial of ``sin(z) / z``
    through ``z^8`` (error below ``z^10 / 11!``, under an ulp): the quotient's
    derivative ``(z cos z - sin z) / z^2`` cancels catastrophically there
    (garbage around ``x = 1e-10``), while the polynomial gives the exact
    derivatives of every order, ``0`` and ``-pi^2/3`` at 0 (as JAX's
    ``custom_jvp``).  Each branch sees a safe input (the quotient 1, the
    polynomial 0), so the unselected one adds no NaN to the derivative.

    >>> float(sinc(asarray(0.0)))
    1.0
    """
    x = asarray(x)
    if x.dtype.kind not in "fc":
        x = convert(x, dtypes.float64)
    z = _mul(x, _c(x, math.pi))
    az = bind(P.abs_p, z)
    small = bind(P.lt_p, az, _c(az, 0.1))
    zf = _where(small, _c(x, 1), z)
    far = _div(bind(P.sin_p, zf), zf)
    zs = _where(small, z, _c(x, 0))
    z2 = _mul(zs, zs)
    poly = _c(x, 1 / 362880)
    for coeff in (-1 / 5040, 1 / 120, -1 / 6, 1.0):   # Horner: sum_k (-1)^k z^2k / (2k+1)!
        poly = _add(_c(x, coeff), _mul(z2, poly))
    return _where(small, poly, far)


def _bool_of(x: Any, value: bool) -> Any:
    return _full_like_scalar(x, value, dtypes.bool_)


isfinite = ufunc(np.isfinite, lambda x: bind(P.is_finite_p, x) if x.dtype.kind in "fc"
                 else _bool_of(x, True))
isnan = ufunc(np.isnan, lambda x: bind(P.ne_p, x, x) if x.dtype.kind in "fc"
              else _bool_of(x, False))


def _isinf(x: Any) -> Any:
    if x.dtype.kind not in "fc":
        return _bool_of(x, False)
    ax = bind(P.abs_p, x)   # (real, also for complex x: inf where either part is)
    return bind(P.eq_p, ax, _c(ax, np.inf))


isinf = ufunc(np.isinf, _isinf)


def isposinf(x: Any) -> Any:
    x = asarray(x)
    if x.dtype.kind not in "fc":
        return _bool_of(x, False)
    return bind(P.eq_p, x, _c(x, np.inf))


def isneginf(x: Any) -> Any:
    x = asarray(x)
    if x.dtype.kind not in "fc":
        return _bool_of(x, False)
    return bind(P.eq_p, x, _c(x, -np.inf))


def nan_to_num(x: Any, copy: bool = True, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Any:
    """Like ``numpy.nan_to_num``."""
    x = asarray(x)
    if x.dtype.kind not in "fc":
        return x
    fi = np.finfo(x.dtype)
    posinf = fi.max if posinf is None else posinf
    neginf = fi.min if neginf is None else neginf
    x = _where(bind(P.ne_p, x, x), _full_like_scalar(x, nan), x)
    x = _where(bind(P.eq_p, x, _c(x, np.inf)), _full_like_scalar(x, posinf), x)
    return _where(bind(P.eq_p, x, _c(x, -np.inf)), _full_like_scalar(x, neginf), x)


signbit = ufunc(np.signbit, lambda x: bind(P.signbit_p, x) if x.dtype.kind == "f"
                else (bind(P.lt_p, x, _c(x, 0)) if x.dtype.kind == "i" else _bool_of(x, False)))


def _copysign(x: Any, y: Any) -> Any:
    ax = bind(P.abs_p, x)
    return _where(bind(P.signbit_p, y), bind(P.neg_p, ax), ax)


copysign = ufunc(np.copysign, _copysign)
nextafter = ufunc(np.nextafter, prim2(P.nextafter_p))

# -- comparisons and logic ----------------------------------------------------------

equal = ufunc(np.equal, prim2(P.eq_p))
not_equal = ufunc(np.not_equal, prim2(P.ne_p))
less = ufunc(np.less, prim2(P.lt_p))
less_equal = ufunc(np.less_equal, prim2(P.le_p))
greater = ufunc(np.greater, prim2(P.gt_p))
greater_equal = ufunc(np.greater_equal, prim2(P.ge_p))


def _to_bool(x: Any) -> Any:
    return x if x.dtype == dtypes.bool_ else bind(P.ne_p, x, _c(x, 0))


logical_and = ufunc(np.logical_and, lambda x, y: bind(P.and_p, _to_bool(x), _to_bool(y)))
logical_or = ufunc(np.logical_or, lambda x, y: bind(P.or_p, _to_bool(x), _to_bool(y)))
logical_xor = ufunc(np.logical_xor, lambda x, y: bind(P.xor_p, _to_bool(x), _to_bool(y)))
logical_not = ufunc(np.logical_not, lambda x: bind(P.not_p, _to_bool(x)))
bitwise_and = ufunc(np.bitwise_and, prim2(P.and_p))
bitwise_or = ufunc(np.bitwise_or, prim2(P.or_p))
bitwise_xor = ufunc(np.bitwise_xor, prim2(P.xor_p))
invert = ufunc(np.invert, prim1(P.not_p))
bitwise_not = bitwise_invert = invert
left_shift = ufunc(np.left_shift, prim2(P.shift_left_p))
right_shift = ufunc(np.right_shift, lambda x, y: bind(
    P.shift_right_arithmetic_p if x.dtype.kind == "i" else P.shift_right_logical_p, x, y))
bitwise_left_shift, bitwise_right_shift = left_shift, right_shift


def isclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Any:
    """Like ``numpy.isclose``."""
    dt = result_type(a, b, 1.0)
    x, y = convert(asarray(a), dt), convert(asarray(b), dt)
    if dt.kind not in "fc":
        return equal(x, y)
    diff = bind(P.abs_p, subtract(x, y))   # (real, also for complex x and y)
    rdt = diff.dtype
    tol = add(np.asarray(atol, rdt)[()], multiply(np.asarray(rtol, rdt)[()], absolute(y)))
    finite = logical_and(isfinite(x), isfinite(y))
    close = logical_and(finite, less_equal(diff, tol))
    close = logical_or(close, equal(x, y))  # equal infinities
    if equal_nan:
        close = logical_or(close, logical_and(isnan(x), isnan(y)))
    return close


def allclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> Any:
    """Like ``numpy.allclose`` (returns a 0-d bool array)."""
    from tracer.numpy._reductions import all as _all
    return _all(isclose(a, b, rtol, atol, equal_nan))


def array_equal(a1: Any, a2: Any, equal_nan: bool = False) -> Any:
    """Like ``numpy.array_equal`` (a 0-d bool array; False for different shapes)."""
    from tracer.numpy._reductions import all as _all
    x, y = asarray(a1), asarray(a2)
    if x.shape != y.shape:
        return asarray(False)
    eq = equal(x, y)
    if equal_nan and result_type(x, y).kind in "fc":
        eq = logical_or(eq, logical_and(isnan(x), isnan(y)))
    return _all(eq)


def array_equiv(a1: Any, a2: Any) -> Any:
    """Like ``numpy.array_equiv``: equal after broadcasting."""
    from tracer.numpy._reductions import all as _all
    x, y = asarray(a1), asarray(a2)
    try:
        np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        return asarray(False)
    return _all(equal(x, y))


_WHERE: dict = {}   # the eager backend's binder of select_n (where's shortcut)


def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """Like ``numpy.where``; the one-argument form needs concrete values."""
    if x is None and y is None:
        from tracer.numpy._indexing import nonzero
        return nonzero(condition)
    if x is None or y is None:
        raise ValueError(f"either both or neither of x and y should be given "
                         f"(at {user_location()})")
    if is_host(condition) and type(x) is type(condition) and type(y) is type(condition):
        # the eager shortcut: a bool mask, same dtypes and shapes
        if condition.dtype.kind == "b" and x.dtype == y.dtype \
                and condition.shape == x.shape == y.shape:
            f = _WHERE.get(0) or host_binder(_WHERE, 0, P.select_n_p, 3)
            if f:
                return f(condition, y, x)
    dt = result_type(x, y)
    c = _to_bool(asarray(condition))
    xv, yv = convert(x, dt), convert(y, dt)
    if not hasattr(xv, "aval") and not hasattr(yv, "aval") and not hasattr(c, "aval"):
        xv = asarray(xv)
    return bind(P.select_n_p, c, yv, xv)


def select(condlist: Any, choicelist: Any, default: Any = 0) -> Any:
    """Like ``numpy.select``: the first true condition picks its choice."""
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if not condlist:
        raise ValueError("select with an empty condition list is not possible")
    dt = result_type(*choicelist, default)
    out = convert(asarray(default), dt)
    for c, v in reversed(list(zip(condlist, choicelist))):
        out = where(c, convert(asarray(v), dt), out)
    return out


def real(x: Any) -> Any:
    """Like ``numpy.real`` (which gives a Python scalar's ``.real``: ``real(True)`` is 1)."""
    if is_weak(x):
        return _scalar_part(x, "real")
    x = asarray(x)
    if x.dtype.kind == "c":
        from tracer.numpy._core import unsupported
        return unsupported("real of complex arrays")(x)
    return x


def imag(x: Any) -> Any:
    """Like ``numpy.imag`` (which gives a Python scalar's ``.imag``: ``imag(2.5)`` is 0.0)."""
    if is_weak(x):
        return _scalar_part(x, "imag")
    x = asarray(x)
    if x.dtype.kind == "c":
        from tracer.numpy._core import unsupported
        return unsupported("imag of complex arrays")(x)
    return _full_like_scalar(x, 0)


def _scalar_part(x: Any, part: str) -> Any:
    """``x.real``/``x.imag`` of a Python scalar, or of the weak tracer standing for one."""
    if type(x) is not Tracer:
        return getattr(x, part)
    if x.dtype.kind == "c":
        from tracer.numpy._core import unsupported
        return unsupported(f"{part} of complex arrays")(x)
    x = bool_as_int(x)
    return x if part == "real" else weaken(_full_like_scalar(x, 0))


def conj(x: Any) -> Any:
    """Like ``numpy.conj``: the identity on real arrays, whose dtype NumPy's loop keeps
    (except bool, which it makes int8)."""
    x = real(asarray(x))
    return convert(x, dtypes.int8) if x.dtype == dtypes.bool_ else x


conjugate = conj
