"""Elementwise tnp functions against NumPy: values and result dtypes, eager and traced."""
from __future__ import annotations

import numpy as np
import pytest

import tracer.numpy as tnp
from tests.util import check_against_numpy, rand

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
