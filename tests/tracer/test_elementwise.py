"""Elementwise tnp functions against NumPy: values and result dtypes, eager and traced."""
from __future__ import annotations

import numpy as np
import pytest

import tracer.numpy as tnp
from tests.util import assert_same, check_against_numpy, check_everywhere, rand

SHAPES = [(), (0,), (5,), (2, 3)]
EDGE = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 2.5, 1e-3, 7.0, np.inf, -np.inf, np.nan])

# name, number of args, dtypes, domain (low, high) for random data
UNARY = [
    ("negative", ["f32", "f64", "i32"]), ("positive", ["f32", "f64", "i32"]),
    ("abs", ["f32", "f64", "i32", "bool"]), ("absolute", ["f64", "i32"]),
    ("fabs", ["f32", "f64"]), ("sign", ["f32", "f64", "i32"]),
    ("sqrt", ["f32", "f64", "i32"]), ("cbrt", ["f32", "f64"]), ("square", ["f32", "f64", "i32"]),
    ("reciprocal", ["f32", "f64"]), ("exp", ["f32", "f64", "i32", "bool"]),
    ("exp2", ["f32", "f64"]), ("expm1", ["f32", "f64"]), ("log", ["f32", "f64", "i32"]),
    ("log2", ["f32", "f64"]), ("log10", ["f32", "f64"]), ("log1p", ["f32", "f64"]),
    ("sin", ["f32", "f64", "i32", "bool"]), ("cos", ["f32", "f64"]), ("tan", ["f32", "f64"]),
    ("arcsin", ["f32", "f64"]), ("arccos", ["f32", "f64"]), ("arctan", ["f32", "f64"]),
    ("sinh", ["f32", "f64"]), ("cosh", ["f32", "f64"]), ("tanh", ["f32", "f64", "i32"]),
    ("arcsinh", ["f32", "f64"]), ("arccosh", ["f32", "f64"]), ("arctanh", ["f32", "f64"]),
    ("deg2rad", ["f32", "f64"]), ("rad2deg", ["f32", "f64"]), ("floor", ["f32", "f64", "i32"]),
    ("ceil", ["f32", "f64", "i32"]), ("trunc", ["f32", "f64", "i32"]), ("rint", ["f32", "f64"]),
    ("isfinite", ["f32", "f64", "i32"]), ("isinf", ["f32", "f64", "i32"]),
    ("isnan", ["f32", "f64", "i32"]), ("signbit", ["f32", "f64", "i32"]),
    ("logical_not", ["f64", "i32", "bool"]), ("invert", ["i32", "bool"]),
    ("sinc", ["f32", "f64"]), ("nan_to_num", ["f32", "f64", "i32"]),
    ("degrees", ["f64"]), ("radians", ["f64"]), ("isposinf", ["f64"]), ("isneginf", ["f64"]),
]
BINARY = [
    ("add", ["f32", "f64", "i32", "bool"]), ("subtract", ["f32", "f64", "i32"]),
    ("multiply", ["f32", "f64", "i32", "bool"]), ("divide", ["f32", "f64", "i32"]),
    ("true_divide", ["f64", "i32"]), ("floor_divide", ["f32", "f64", "i32"]),
    ("mod", ["f32", "f64", "i32"]), ("remainder", ["f64", "i32"]), ("fmod", ["f32", "f64", "i32"]),
    ("power", ["f32", "f64", "i32"]), ("float_power", ["f64", "i32"]),
    ("arctan2", ["f32", "f64"]), ("hypot", ["f32", "f64"]), ("logaddexp", ["f32", "f64"]),
    ("logaddexp2", ["f64"]), ("maximum", ["f32", "f64", "i32", "bool"]),
    ("minimum", ["f32", "f64", "i32"]), ("fmax", ["f32", "f64", "i32"]),
    ("fmin", ["f32", "f64"]), ("heaviside", ["f32", "f64"]), ("copysign", ["f32", "f64"]),
    ("nextafter", ["f32", "f64"]),
    ("equal", ["f32", "f64", "i32", "bool"]), ("not_equal", ["f64", "i32", "bool"]),
    ("less", ["f32", "f64", "i32"]), ("less_equal", ["f64", "i32"]),
    ("greater", ["f64", "i32", "bool"]), ("greater_equal", ["f32", "i32"]),
    ("logical_and", ["f64", "i32", "bool"]), ("logical_or", ["f64", "i32", "bool"]),
    ("logical_xor", ["f64", "bool"]), ("bitwise_and", ["i32", "bool"]),
    ("bitwise_or", ["i32", "bool"]), ("bitwise_xor", ["i32", "bool"]),
    ("left_shift", ["i32"]), ("right_shift", ["i32"]),
]
DOMAIN = {"sqrt": (0, 5), "log": (0.1, 5), "log2": (0.1, 5), "log10": (0.1, 5),
          "log1p": (-0.9, 5), "arcsin": (-1, 1), "arccos": (-1, 1), "arctanh": (-0.99, 0.99),
          "arccosh": (1, 5), "power": (0.5, 3), "float_power": (0.5, 3),
          "left_shift": (0, 8), "right_shift": (0, 8)}
NONZERO_DIVISOR = {"divide", "true_divide", "floor_divide", "mod", "remainder", "fmod"}
DT = {"f32": np.float32, "f64": np.float64, "i32": np.int32, "bool": np.bool_}


def _unary_cases():
    for name, dts in UNARY:
        for dt in dts:
            for shape in SHAPES:
                yield pytest.param(name, dt, shape, id=f"{name}-{dt}-{shape}")


def _binary_cases():
    for name, dts in BINARY:
        for dt in dts:
            for shapes in [((), ()), ((5,), (5,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((0,), ())]:
                yield pytest.param(name, dt, shapes, id=f"{name}-{dt}-{shapes}")


@pytest.mark.parametrize("name,dt,shape", list(_unary_cases()))
def test_unary(name, dt, shape):
    lo, hi = DOMAIN.get(name, (-3, 3))
    x = rand(shape, DT[dt], lo, hi)
    check_against_numpy(getattr(tnp, name), getattr(np, name), x)


@pytest.mark.parametrize("name,dt,shapes", list(_binary_cases()))
def test_binary(name, dt, shapes):
    lo, hi = DOMAIN.get(name, (-3, 3))
    x = rand(shapes[0], DT[dt], lo, hi)
    y = rand(shapes[1], DT[dt], lo, hi)
    if name in NONZERO_DIVISOR:
        y = np.where(y == 0, np.ones_like(y), y)
    if name == "power" and dt == "i32":
        y = np.abs(y) % 4
    check_against_numpy(getattr(tnp, name), getattr(np, name), x, y)


@pytest.mark.parametrize("name", [n for n, d in UNARY if "f64" in d])
def test_unary_edge_values(name):
    check_against_numpy(getattr(tnp, name), getattr(np, name), EDGE)


@pytest.mark.parametrize("name", [n for n, d in BINARY if "f64" in d])
def test_binary_edge_values(name):
    x = np.repeat(EDGE, len(EDGE))
    y = np.tile(EDGE, len(EDGE))
    check_against_numpy(getattr(tnp, name), getattr(np, name), x, y)


@pytest.mark.parametrize("name", ["floor_divide", "mod", "fmod"])
def test_integer_division_signs(name):
    x = np.array([7, -7, 7, -7, 0, 6, -6], np.int32)
    y = np.array([2, 2, -2, -2, 3, 3, -4], np.int32)
    check_against_numpy(getattr(tnp, name), getattr(np, name), x, y)


@pytest.mark.parametrize("decimals", [0, 1, 2, -1])
@pytest.mark.parametrize("dt", ["f32", "f64", "i32"])
def test_round(decimals, dt):
    x = rand((7,), DT[dt], -300, 300)
    if dt != "i32":
        x = np.concatenate([x, np.array([0.5, 1.5, 2.5, -0.5, -1.5], DT[dt])])
    check_against_numpy(lambda a: tnp.round(a, decimals), lambda a: np.round(a, decimals), x)


@pytest.mark.parametrize("args", [(0.0, 1.0), (None, 0.5), (-0.5, None), (-1, 1)])
@pytest.mark.parametrize("dt", ["f32", "f64", "i32"])
def test_clip(args, dt):
    x = rand((6,), DT[dt])
    check_against_numpy(lambda a: tnp.clip(a, *args), lambda a: np.clip(a, *args), x)


# -- promotion (NEP 50): weak Python scalars, mixed dtypes -----------------------

PROMO = [
    (np.float32, 2.0), (np.float32, 2), (np.int32, 2), (np.int32, 2.5), (np.float64, 2),
    (np.bool_, 1), (np.bool_, 1.5), (np.int32, np.float32(1)), (np.float32, np.float64(1)),
    (np.int32, np.int64(1)), (np.uint8, 3), (np.float16, 2.0),
]


@pytest.mark.parametrize("dt,scalar", PROMO)
@pytest.mark.parametrize("op", ["add", "multiply", "subtract", "true_divide", "maximum"])
def test_promotion_with_scalars(dt, scalar, op):
    x = rand((4,), dt, 1, 4)
    if dt == np.bool_ and op == "subtract":
        return
    check_against_numpy(lambda a: getattr(tnp, op)(a, scalar),
                        lambda a: getattr(np, op)(a, scalar), x)
    check_against_numpy(lambda a: getattr(tnp, op)(scalar, a),
                        lambda a: getattr(np, op)(scalar, a), x)


@pytest.mark.parametrize("a,b", [(np.int32, np.float32), (np.int8, np.uint8),
                                 (np.float32, np.float64), (np.int32, np.int64),
                                 (np.bool_, np.int32), (np.uint32, np.int32)])
def test_promotion_between_arrays(a, b):
    x, y = rand((3,), a, 0, 5), rand((3,), b, 0, 5)
    check_against_numpy(tnp.add, np.add, x, y)
    check_against_numpy(tnp.multiply, np.multiply, y, x)


def test_operators_on_arrays_and_tracers():
    x = rand((3,), np.float64, 1, 3)
    y = rand((3,), np.float64, 1, 3)
    ops = [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
           lambda a, b: a // b, lambda a, b: a % b, lambda a, b: a ** b, lambda a, b: a < b,
           lambda a, b: a <= b, lambda a, b: a > b, lambda a, b: a >= b, lambda a, b: a == b,
           lambda a, b: a != b, lambda a, b: -a + abs(b), lambda a, b: 2.0 * a - 1 / b,
           lambda a, b: 3 ** a, lambda a, b: +a]
    for op in ops:
        check_against_numpy(lambda a, b: op(tnp.asarray(a), b), op, x, y)
    xi, yi = rand((3,), np.int32, 0, 5), rand((3,), np.int32, 0, 5)
    for op in [lambda a, b: a & b, lambda a, b: a | b, lambda a, b: a ^ b, lambda a, b: ~a,
               lambda a, b: a << 2, lambda a, b: a >> 1]:
        check_against_numpy(lambda a, b: op(tnp.asarray(a), b), op, xi, yi)


def test_numpy_ufuncs_dispatch_to_tnp():
    x = rand((4,), np.float32)
    check_against_numpy(lambda a: np.tanh(tnp.asarray(a)) + np.float32(1), lambda a: np.tanh(a)
                        + np.float32(1), x)


@pytest.mark.parametrize("dt", ["f32", "f64", "i32"])
def test_where_select(dt):
    c = rand((2, 3), np.bool_)
    x, y = rand((2, 3), DT[dt]), rand((3,), DT[dt])
    check_against_numpy(tnp.where, np.where, c, x, y)
    check_against_numpy(lambda c, x: tnp.where(c, x, 0.5), lambda c, x: np.where(c, x, 0.5),
                        c, x)
    check_against_numpy(lambda c, x, y: tnp.select([c, ~c], [x, y], 7),
                        lambda c, x, y: np.select([c, ~c], [x, y], 7), c, x, y)


def test_isclose_allclose_array_equal():
    a = np.array([1.0, np.nan, np.inf, -np.inf, 1e-9, 2.0])
    b = np.array([1.0 + 1e-9, np.nan, np.inf, np.inf, 0.0, 2.1])
    check_against_numpy(tnp.isclose, np.isclose, a, b)
    check_against_numpy(lambda a, b: tnp.isclose(a, b, equal_nan=True),
                        lambda a, b: np.isclose(a, b, equal_nan=True), a, b)
    assert bool(tnp.allclose(a[:1], b[:1])) == np.allclose(a[:1], b[:1])
    assert bool(tnp.array_equal(a, a, equal_nan=True))
    assert not bool(tnp.array_equal(a, a))
    assert not bool(tnp.array_equal(a, a[:2]))


def test_unsupported_dtype_combination_is_clear():
    with pytest.raises(TypeError, match="subtract"):
        tnp.subtract(np.ones(2, bool), np.ones(2, bool))


# -- NumPy's results where NumPy defines them: division edges, bool arithmetic ----------

INT_DTYPES = [np.int8, np.int32, np.int64, np.uint8, np.uint32]
DIVISION = ["floor_divide", "mod", "remainder", "fmod", "divmod"]


@pytest.mark.parametrize("dt", INT_DTYPES)
@pytest.mark.parametrize("name", DIVISION)
def test_integer_division_by_zero_is_zero(name, dt):
    """NumPy: ``x // 0``, ``x % 0``, ``fmod(x, 0)`` are 0 for integers (XLA's are -1 / x)."""
    info = np.iinfo(dt)
    x = np.array([1, 0, 7, info.max, info.min, 5, 6], dt)
    if info.min < 0:
        x[1] = -1
    y = np.array([0, 0, 0, 0, 0, 2, 3], dt)
    check_everywhere(getattr(tnp, name), getattr(np, name), x, y)
    check_everywhere(lambda a: getattr(tnp, name)(a, 0), lambda a: getattr(np, name)(a, 0), x)


@pytest.mark.parametrize("name", DIVISION)
def test_integer_division_by_zero_operators_and_scalars(name):
    x = np.array([1, -1, 0, 7, -7])
    op = {"floor_divide": lambda a, b: a // b, "mod": lambda a, b: a % b,
          "remainder": lambda a, b: a % b, "fmod": np.fmod, "divmod": divmod}[name]
    tnp_op = {"fmod": tnp.fmod}.get(name, op)
    assert_same(tnp_op(tnp.asarray(x), 0), op(x, 0))
    assert_same(tnp.asarray(x) // 0, np.zeros(5, np.int64))          # the example
    check_everywhere(lambda a: tnp_op(a, 0), lambda a: op(a, 0), x)
    check_everywhere(lambda a: tnp_op(7, a), lambda a: op(7, a), np.array([0, 2, -3], np.int8))


@pytest.mark.parametrize("dt", [np.int8, np.int16, np.int32, np.int64])
@pytest.mark.parametrize("name", DIVISION)
def test_int_min_by_minus_one(name, dt):
    """NumPy: ``INT_MIN // -1`` wraps to INT_MIN, ``INT_MIN % -1`` is 0 (no trap)."""
    x = np.array([np.iinfo(dt).min, np.iinfo(dt).min, -7, 7], dt)
    y = np.array([-1, 1, -1, -1], dt)
    check_everywhere(getattr(tnp, name), getattr(np, name), x, y)


@pytest.mark.parametrize("dt", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("name", DIVISION)
def test_float_division_by_signed_zero(name, dt):
    """Zero divisors of either sign, and inf/nan dividends: NumPy's infs, nans and signs."""
    x = np.repeat(np.array([1.0, -1.0, 0.0, -0.0, np.inf, -np.inf, np.nan, 2.5], dt), 2)
    y = np.tile(np.array([0.0, -0.0], dt), 8)
    check_everywhere(getattr(tnp, name), getattr(np, name), x, y)
    with np.errstate(all="ignore"):   # (signs of zero results: compare the sign bits too)
        got, want = getattr(tnp, name)(x, y), getattr(np, name)(x, y)
    for g, w in zip(got if name == "divmod" else [got], want if name == "divmod" else [want]):
        np.testing.assert_array_equal(np.signbit(np.asarray(g)), np.signbit(w))


@pytest.mark.parametrize("name", ["floor_divide", "mod", "divmod", "true_divide"])
def test_bool_division(name):
    """NumPy divides bools as int8 (true_divide: float64), zero divisors included."""
    x = np.array([True, False, True, False])
    y = np.array([True, True, False, False])
    check_everywhere(getattr(tnp, name), getattr(np, name), x, y)


def test_power_of_bool():
    """``np.power(b, 2)`` promotes the weak 2 (int64); ``b ** 2`` squares (int8)."""
    b = np.array([True, False, True])
    check_everywhere(lambda a: tnp.power(a, 2), lambda a: np.power(a, 2), b)
    check_everywhere(lambda a: tnp.power(a, a), lambda a: np.power(a, a), b)
    check_everywhere(lambda a: tnp.asarray(a) ** 2, lambda a: a ** 2, b)
    check_everywhere(lambda a: tnp.asarray(a) ** True, lambda a: a ** True, b)
    check_everywhere(lambda a: tnp.asarray(a) ** 1, lambda a: a ** 1, b)
    check_everywhere(lambda a: tnp.asarray(a) ** 2.0, lambda a: a ** 2.0, b)
    check_everywhere(lambda a: tnp.square(a), lambda a: np.square(a), b)


@pytest.mark.parametrize("exponent", [2, -1, 0.5, 2.0, 1, 3])
@pytest.mark.parametrize("dt", [np.float16, np.float32, np.float64, np.int8, np.int32])
def test_power_operator_fast_paths(exponent, dt):
    """ndarray.__pow__'s fast paths: ``x ** 0.5`` is ``sqrt`` (so ``-inf ** 0.5`` is nan),
    ``x ** -1`` is ``reciprocal``, ``x ** 2`` is ``square``: NumPy's values and dtypes."""
    if np.dtype(dt).kind == "i":
        if exponent == -1:
            return   # NumPy raises: integers to negative integer powers
        x = np.array([0, 1, -2, 3], dt)
    else:
        x = np.array([-np.inf, -0.0, 0.0, 4.0, np.nan, -2.0], dt)
    check_everywhere(lambda a: tnp.asarray(a) ** exponent, lambda a: a ** exponent, x)


def test_round_of_bool_is_float16():
    b = np.array([True, False])
    check_everywhere(tnp.round, np.round, b)
    check_everywhere(tnp.around, np.around, b)
    check_everywhere(lambda a: tnp.asarray(a).round(), lambda a: a.round(), b)
    for decimals in (1, -1):   # NumPy cannot cast the float64 multiply back to bool
        with pytest.raises(TypeError):
            np.round(b, decimals)
        with pytest.raises(TypeError):
            tnp.round(b, decimals)


def test_conj_of_bool_is_int8_and_real_imag_of_python_scalars():
    b = np.array([True, False])
    check_everywhere(tnp.conj, np.conj, b)
    check_everywhere(tnp.conjugate, np.conjugate, b)
    for s in (True, 3, 2.5):   # NumPy gives the Python scalar's .real / .imag
        for f in ("real", "imag"):
            got, want = getattr(tnp, f)(s), getattr(np, f)(s)
            assert type(got) is type(want) and got == want


BOOL_OPS = {
    "add": lambda xp, a, s: xp.add(a, s), "radd": lambda xp, a, s: xp.add(s, a),
    "mul": lambda xp, a, s: a * s, "rmul": lambda xp, a, s: s * a,
    "sub": lambda xp, a, s: a - s, "truediv": lambda xp, a, s: a / s,
    "floordiv": lambda xp, a, s: a // s, "mod": lambda xp, a, s: a % s,
    "pow": lambda xp, a, s: a ** s, "and": lambda xp, a, s: a & s,
    "or": lambda xp, a, s: a | s, "xor": lambda xp, a, s: a ^ s,
    "lshift": lambda xp, a, s: a << s, "rshift": lambda xp, a, s: a >> s,
    "lt": lambda xp, a, s: a < s, "eq": lambda xp, a, s: a == s,
    "ge": lambda xp, a, s: s >= a, "maximum": lambda xp, a, s: xp.maximum(a, s),
    "minimum": lambda xp, a, s: xp.minimum(s, a),
    "where": lambda xp, a, s: xp.where(a > 0, a, s),
    "where_cond": lambda xp, a, s: xp.where(s, a, False),
    "clip": lambda xp, a, s: xp.clip(a, s, 2),
}


@pytest.mark.parametrize("dt", [np.int8, np.uint8, np.float16, np.bool_])
@pytest.mark.parametrize("s", [True, False])
@pytest.mark.parametrize("name", list(BOOL_OPS))
def test_python_bool_with_small_arrays(name, s, dt):
    """A Python bool promotes as numpy.bool_: ``int8_array + True`` is int8."""
    x = np.array([1, 0, 3, 2], dt) if dt != np.bool_ else np.array([True, False, True, True])
    if name == "truediv" and dt == np.bool_ and not s:
        x = x | True   # (XLA simplifies convert(pred) / y to select(pred, 1 / y, 0): 0 / 0 is 0)
    fn = BOOL_OPS[name]
    try:
        with np.errstate(all="ignore"):
            fn(np, x, s)
    except TypeError:   # e.g. bool - bool, float16 << bool: NumPy refuses, so must we
        with pytest.raises(TypeError):
            fn(tnp, tnp.asarray(x), s)
        return
    check_everywhere(lambda a: fn(tnp, tnp.asarray(a), s), lambda a: fn(np, a, s), x)


def test_abs_of_complex_is_real():
    """``abs`` of complex values is their (real) modulus, in every backend's graph."""
    z = np.array([3 + 4j, -1j, 0, np.inf - 1j, np.nan + 0j])
    check_everywhere(tnp.abs, np.abs, z)
    check_everywhere(tnp.isinf, np.isinf, z)
    check_everywhere(lambda a: tnp.isclose(a, a + 1e-9), lambda a: np.isclose(a, a + 1e-9),
                     z[:3])
