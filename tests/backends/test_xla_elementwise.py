"""XLA lowerings of elementwise primitives, reductions and cumulative ops.

Each row is one primitive (through ``tracer.lax`` / ``tracer.numpy``); every
test compiles one program that applies it to edge values (0, -0, +-inf, NaN,
ties at .5, integer extremes), to a 0-d value and to an empty array, and
checks it against the NumPy backend on the same graph (``check_xla``).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import tracer.numpy as tnp
from tests.backends.xlacheck import check_xla
from tests.util import rand
from tracer import lax

FLOATS = [np.float32, np.float64]
_EDGE = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -2.5, 2.5, 0.3, -0.7, 3.7, -3.7, 20.0,
         -20.0, 1e-30, np.inf, -np.inf, np.nan]
_I32 = np.iinfo(np.int32)
_IEDGE = [0, 1, -1, 2, -2, 3, 7, -7, 31, 32, 33, 100, -100, _I32.min, _I32.max]


def fvals(dtype: Any) -> np.ndarray:
    return np.array(_EDGE, dtype=dtype)


def ivals(dtype: Any = np.int32) -> np.ndarray:
    dt = np.dtype(dtype)
    info = np.iinfo(dt)
    vals = [v for v in _IEDGE if info.min <= v <= info.max] + [info.min, info.max]
    return np.array(vals, dtype=dt)


def check_shapes(f: Callable[..., Any], x: np.ndarray, **kw: Any) -> None:
    """``f`` on the vector ``x``, a 0-d element of it and an empty array: one program."""
    scalar = np.asarray(x[len(x) // 2])
    empty = np.zeros((0, 3), x.dtype)
    check_xla(lambda a, s, e: (f(a), f(s), f(e)), x, scalar, empty, **kw)


# -- unary ---------------------------------------------------------------------

UNARY_FLOAT: dict[str, Callable[[Any], Any]] = {
    "neg": lax.neg, "sign": lax.sign, "floor": lax.floor, "ceil": lax.ceil,
    "round_afz": lambda x: lax.round(x, lax.RoundingMethod.AWAY_FROM_ZERO),
    "round_even": lambda x: lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN),
    "is_finite": lax.is_finite, "signbit": tnp.signbit, "exp": lax.exp, "exp2": lax.exp2,
    "expm1": lax.expm1, "log": lax.log, "log1p": lax.log1p, "sin": lax.sin, "cos": lax.cos,
    "tan": lax.tan, "asin": lax.asin, "acos": lax.acos, "atan": lax.atan, "sinh": lax.sinh,
    "cosh": lax.cosh, "tanh": lax.tanh, "asinh": lax.asinh, "acosh": lax.acosh,
    "atanh": lax.atanh, "sqrt": lax.sqrt, "rsqrt": lax.rsqrt, "cbrt": lax.cbrt,
    "logistic": lax.logistic, "erf": lax.erf, "abs": lax.abs,
    "stop_gradient": lax.stop_gradient,
    "integer_pow_0": lambda x: lax.integer_pow(x, 0),
    "integer_pow_2": lambda x: lax.integer_pow(x, 2),
    "integer_pow_3": lambda x: lax.integer_pow(x, 3),
    "integer_pow_-1": lambda x: lax.integer_pow(x, -1),
    "integer_pow_-3": lambda x: lax.integer_pow(x, -3),
}


@pytest.mark.parametrize("dtype", FLOATS, ids=["f32", "f64"])
@pytest.mark.parametrize("name", list(UNARY_FLOAT))
def test_unary_float(name: str, dtype: Any) -> None:
    x = np.concatenate([fvals(dtype), rand((12,), dtype, -0.99, 0.99)])
    check_shapes(UNARY_FLOAT[name], x)


def test_signbit_negative_nan() -> None:
    x = np.array([np.nan, -np.nan, -0.0, 0.0], np.float32)
    check_xla(tnp.signbit, x)


UNARY_INT: dict[str, Callable[[Any], Any]] = {
    "neg": lax.neg, "sign": lax.sign, "abs": lax.abs, "not": lax.bitwise_not,
    "stop_gradient": lax.stop_gradient,
    "integer_pow_0": lambda x: lax.integer_pow(x, 0),
    "integer_pow_1": lambda x: lax.integer_pow(x, 1),
    "integer_pow_2": lambda x: lax.integer_pow(x, 2),
    "integer_pow_5": lambda x: lax.integer_pow(x, 5),
}


@pytest.mark.parametrize("dtype", [np.int32, np.uint32], ids=["i32", "u32"])
@pytest.mark.parametrize("name", list(UNARY_INT))
def test_unary_int(name: str, dtype: Any) -> None:
    check_shapes(UNARY_INT[name], ivals(dtype))


def test_not_bool() -> None:
    check_shapes(lax.bitwise_not, np.array([True, False, True]))


CONVERSIONS = [
    (np.float32, np.int32, [0.0, -0.0, 1.7, -1.7, 2.5, -2.5, 1e6, -1e6]),
    (np.float64, np.float32, [0.0, 1e-50, 1.0 / 3, 1e300, -1e300, np.inf, np.nan]),
    (np.float32, np.float64, [0.1, -0.0, np.inf, -np.inf, np.nan]),
    (np.float64, np.bool_, [0.0, -0.0, 0.5, np.nan, np.inf]),
    (np.float32, np.bool_, [0.0, -0.0, 1e-40, np.nan, -np.inf]),
    (np.int32, np.float32, [0, 1, -1, _I32.max, _I32.min, 16777217]),
    (np.int32, np.float64, [0, 1, -1, _I32.max, _I32.min]),
    (np.int32, np.bool_, [0, 1, -1, 2]),
    (np.int32, np.int8, [0, 127, 128, 255, 256, -129, _I32.min]),
    (np.int32, np.uint32, [0, 1, -1, _I32.min]),
    (np.bool_, np.float32, [True, False]),
    (np.bool_, np.int32, [True, False]),
    (np.float32, np.float32, [1.0, np.nan]),
]


@pytest.mark.parametrize("src,dst,vals", CONVERSIONS,
                         ids=[f"{np.dtype(s).name}-{np.dtype(d).name}" for s, d, _ in CONVERSIONS])
def test_convert_element_type(src: Any, dst: Any, vals: list) -> None:
    check_shapes(lambda x: lax.convert_element_type(x, dst), np.array(vals, dtype=src))


# -- n-ary -------------------------------------------------------------------

BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": lax.add, "sub": lax.sub, "mul": lax.mul, "div": lax.div, "rem": lax.rem,
    "pow": lax.pow, "max": lax.max, "min": lax.min, "atan2": lax.atan2,
    "nextafter": lax.nextafter, "and": lax.bitwise_and, "or": lax.bitwise_or,
    "xor": lax.bitwise_xor, "shift_left": lax.shift_left,
    "shift_right_arithmetic": lax.shift_right_arithmetic,
    "shift_right_logical": lax.shift_right_logical,
    "eq": lax.eq, "ne": lax.ne, "lt": lax.lt, "le": lax.le, "gt": lax.gt, "ge": lax.ge,
}
FLOAT_OK = {"add", "sub", "mul", "div", "rem", "pow", "max", "min", "atan2", "nextafter",
            "eq", "ne", "lt", "le", "gt", "ge"}
INT_OK = {"add", "sub", "mul", "div", "rem", "max", "min", "and", "or", "xor", "shift_left",
          "shift_right_arithmetic", "shift_right_logical", "eq", "ne", "lt", "le", "gt", "ge"}
BOOL_OK = {"add", "mul", "max", "min", "and", "or", "xor", "eq", "ne", "lt", "le", "gt", "ge"}

DTYPES = {"f32": np.float32, "f64": np.float64, "i32": np.int32, "u32": np.uint32,
          "bool": np.bool_}
BINARY_CASES = [(n, d) for n in BINARY for d in DTYPES
                if n in {"f32": FLOAT_OK, "f64": FLOAT_OK, "i32": INT_OK, "u32": INT_OK,
                         "bool": BOOL_OK}[d]]


def _values(dtype: Any) -> np.ndarray:
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return np.array([True, False])
    return fvals(dt) if dt.kind == "f" else ivals(dt)


@pytest.mark.parametrize("name,dt", BINARY_CASES, ids=[f"{n}-{d}" for n, d in BINARY_CASES])
def test_binary(name: str, dt: str) -> None:
    """All pairs of edge values (broadcast (n,1) against (n,)), a 0-d pair, an empty pair,
    and a Python scalar operand."""
    f = BINARY[name]
    v = _values(DTYPES[dt])
    s = np.asarray(v[-1])
    e = np.zeros((0, 3), v.dtype)
    if dt == "bool":
        c: Any = True
    elif dt in ("i32", "u32"):
        c = 3
    else:
        c = 2.0
    check_xla(lambda x, y, s, e: (f(x[:, None], y), f(s, s), f(e, s), f(x, c), f(c, x)),
              v, v, s, e)


@pytest.mark.parametrize("dt", ["f32", "i32", "u32"])
def test_div_rem_by_zero(dt: str) -> None:
    dtype = DTYPES[dt]
    x = _values(dtype)
    z = np.zeros_like(x)
    check_xla(lambda x, z: (lax.div(x, z), lax.rem(x, z)), x, z)


def test_shift_out_of_range() -> None:
    x = np.array([1, -1, -8, 8, _I32.min, _I32.max], np.int32)
    y = np.array([-33, -1, 0, 1, 31, 32, 33, 100], np.int32)
    check_xla(lambda x, y: (lax.shift_left(x[:, None], y),
                            lax.shift_right_arithmetic(x[:, None], y),
                            lax.shift_right_logical(x[:, None], y)), x, y)


def test_shift_int8() -> None:
    x = np.array([1, -1, -8, 127, -128], np.int8)
    y = np.array([-1, 0, 1, 7, 8, 9], np.int8)
    check_xla(lambda x, y: (lax.shift_left(x[:, None], y),
                            lax.shift_right_arithmetic(x[:, None], y),
                            lax.shift_right_logical(x[:, None], y)), x, y)


@pytest.mark.parametrize("dt", ["f32", "f64", "i32", "bool"])
def test_select_n(dt: str) -> None:
    dtype = DTYPES[dt]
    a, b, c = (rand((2, 5), dtype, -5, 5) for _ in range(3))
    which_b = np.array([True, False, True, True, False])
    which_i = np.array([0, 1, 2, 5, -3], np.int32)
    check_xla(lambda wb, wi, a, b, c: (
        lax.select_n(wb, a, b), lax.select_n(wi, a, b), lax.select_n(wi, a, b, c),
        lax.select_n(wi, a), lax.select(wb, a, b), lax.select_n(wi[0], a, b, c),
        lax.select_n(wb[:0], a[:, :0], b[:, :0])),
        which_b, which_i, a, b, c)


def test_select_n_uint_selector() -> None:
    w = np.array([0, 1, 2, 3, 9], np.uint8)
    a, b, c = (rand((5,), np.float32) for _ in range(3))
    check_xla(lambda w, a, b, c: (lax.select_n(w, a, b, c), lax.select_n(w, a, b)), w, a, b, c)


# -- reductions ------------------------------------------------------------------

REDUCTIONS: dict[str, Callable[..., Any]] = {
    "reduce_sum": lax.reduce_sum, "reduce_prod": lax.reduce_prod, "reduce_max": lax.reduce_max,
    "reduce_min": lax.reduce_min, "reduce_and": lax.reduce_and, "reduce_or": lax.reduce_or,
}
REDUCTION_CASES = [(n, d) for n in REDUCTIONS for d in ("f32", "f64", "i32", "u32", "bool")
                   if not (n in ("reduce_and", "reduce_or") and d in ("f32", "f64"))]
AXES = [(), (0,), (1,), (2,), (0, 2), (0, 1, 2)]


def _reduction_input(dtype: Any) -> np.ndarray:
    dt = np.dtype(dtype)
    if dt.kind == "f":
        x = rand((3, 4, 5), dt, 0.5, 1.5)
        x[0, 0, 0], x[1, 2, 3], x[2, 3, 1] = np.nan, np.inf, -np.inf
        x[2, 1, 4] = -0.0
        return x
    if dt == np.bool_:
        x = rand((3, 4, 5), dt)
        x[0] = True
        x[1] = False
        return x
    return rand((3, 4, 5), dt, 0, 100) - dt.type(50 if dt.kind == "i" else 0)


@pytest.mark.parametrize("name,dt", REDUCTION_CASES,
                         ids=[f"{n}-{d}" for n, d in REDUCTION_CASES])
def test_reduction(name: str, dt: str) -> None:
    f = REDUCTIONS[name]
    x = _reduction_input(DTYPES[dt])
    e = np.zeros((0, 4), x.dtype)
    s = np.asarray(x.flat[5])
    check_xla(lambda x, e, s: ([f(x, ax) for ax in AXES]
                               + [f(e, (0,)), f(e, (1,)), f(e, (0, 1)), f(s, ())]),
              x, e, s, rtol=1e-4 if dt == "f32" else None)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("dt", ["f32", "f64", "i32", "u32", "bool"])
def test_argminmax(name: str, dt: str) -> None:
    f = getattr(lax, name)
    dtype = DTYPES[dt]
    if dt in ("f32", "f64"):
        x = np.array([[1.0, 3.0, 3.0, -1.0, -1.0, 0.0],
                      [np.nan, 2.0, np.nan, 5.0, -5.0, np.nan],
                      [2.0, np.nan, 7.0, np.nan, -7.0, 1.0],
                      [np.inf, -np.inf, np.inf, -np.inf, 0.0, -0.0],
                      [-np.inf, -np.inf, -np.inf, -np.inf, -np.inf, -np.inf]], dtype)
    elif dt == "bool":
        x = np.array([[False, True, True], [False, False, False], [True, True, True]])
    elif dt == "u32":
        x = np.array([[1, 3, 3, 0, 0], [0] * 5, [2**32 - 1] * 5,
                      [0, 2**32 - 1, 2**31, 2**32 - 1, 7]], dtype)
    else:
        x = np.array([[1, 3, 3, -1, -1], [_I32.min] * 5, [_I32.max] * 5,
                      [0, _I32.max, _I32.min, _I32.max, _I32.min]], dtype)
    check_xla(lambda x: (f(x, 0, np.int32), f(x, 1, np.int32), f(x, 1, np.int64),
                         f(x[:, :1], 1, np.int32), f(x[:0], 1, np.int32),
                         f(x[0], 0, np.int64)), x)


def test_argmax_random_large() -> None:
    x = rand((7, 300), np.float32)
    x[3, 100] = x[3, 250] = np.nan
    x[5, 20:40] = 9.0
    check_xla(lambda x: (lax.argmax(x, 1, np.int32), lax.argmin(x, 1, np.int32),
                         lax.argmax(x, 0, np.int32)), x)


# -- cumulative ---------------------------------------------------------------------

CUMULATIVE: dict[str, Callable[..., Any]] = {
    "cumsum": lax.cumsum, "cumprod": lax.cumprod, "cummax": lax.cummax,
    "cummin": lax.cummin, "cumlogsumexp": lax.cumlogsumexp,
}
CUM_CASES = [(n, d) for n in CUMULATIVE for d in ("f32", "f64", "i32", "bool")
             if not (n == "cumlogsumexp" and d in ("i32", "bool"))]


def _cum_inputs(dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    dt = np.dtype(dtype)
    if dt.kind == "f":
        v = np.array([0.5, -1.0, 2.0, np.inf, 1.0, -np.inf, 3.0, np.nan, 1.5, -2.0, 0.0], dt)
        m = rand((6, 13), dt, 0.5, 1.5)
        m[1] = -np.inf
        m[2, 4] = np.nan
        m[3, 7] = np.inf
        return v, m
    if dt == np.bool_:
        return rand((11,), dt), rand((6, 13), dt)
    return rand((11,), dt, -9, 9), rand((6, 13), dt, -9, 9)


@pytest.mark.parametrize("name,dt", CUM_CASES, ids=[f"{n}-{d}" for n, d in CUM_CASES])
def test_cumulative(name: str, dt: str) -> None:
    f = CUMULATIVE[name]
    v, m = _cum_inputs(DTYPES[dt])
    one = m[:1]
    e = m[:0]
    check_xla(lambda v, m, one, e: (
        f(v), f(v, reverse=True), f(m, 0), f(m, 1), f(m, 0, reverse=True),
        f(m, 1, reverse=True), f(one, 0), f(one, 1, reverse=True), f(e, 0), f(e, 1)),
        v, m, one, e, rtol=1e-4 if dt == "f32" else None)


def test_cumsum_long() -> None:
    x = rand((1000,), np.float64)
    y = rand((3, 77), np.int32, -1000, 1000)
    check_xla(lambda x, y: (lax.cumsum(x), lax.cumprod(y, 1), lax.cummax(x, reverse=True),
                            lax.cumlogsumexp(x)), x, y)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_bool_to_float_then_divide_by_zero_is_nan_where_numpy_is(dtype: Any) -> None:
    """XLA's simplifier turns ``convert(b) / y`` into ``select(b, 1 / y, 0)``, which gives
    0 for NumPy's ``0 / 0 = nan``; graphjit lowers the bool-to-float convert as a select."""
    from transforms import jit
    b = np.array([True, False, True, False])
    y = np.array([0.0, 0.0, 2.0, 2.0], dtype)
    with np.errstate(all="ignore"):
        want = b.astype(dtype) / y
        want_false = b / False
    np.testing.assert_array_equal(np.asarray(jit(lambda b, y: b.astype(dtype) / y)(b, y)),
                                  want)
    np.testing.assert_array_equal(np.asarray(jit(lambda b: b / False)(b)), want_false)
    assert jit(lambda b: b.astype(dtype))(b).dtype == dtype
