"""Table-driven checks of ``tracer.lax`` against ``jax.lax`` (x64) and NumPy.

Every row builds the same function from ``tracer.lax`` and from ``jax.lax``
(``make(L)`` with ``L`` either module), runs ours eagerly and through
``make_graph`` + the NumPy backend (typechecked), and compares values and
dtypes with JAX's result.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import jax
import jax.lax as jlax
import numpy as np
import pytest

from tests.util import assert_same, check_against_numpy, check_graph, rand
from tracer import lax, make_graph, typecheck
from tracer.errors import ShapeError

jax.config.update("jax_enable_x64", True)

RNG = np.random.default_rng(1234)


def f64(*shape: int, low: float = -3, high: float = 3) -> np.ndarray:
    return rand(shape, np.float64, low, high, RNG)


def f32(*shape: int, low: float = -3, high: float = 3) -> np.ndarray:
    return rand(shape, np.float32, low, high, RNG)


def i32(*shape: int, low: int = -9, high: int = 9) -> np.ndarray:
    return rand(shape, np.int32, low, high, RNG)


def i64(*shape: int, low: int = -9, high: int = 9) -> np.ndarray:
    return rand(shape, np.int64, low, high, RNG)


def bools(*shape: int) -> np.ndarray:
    return rand(shape, np.bool_, rng=RNG)


def nonzero_i32(*shape: int) -> np.ndarray:
    x = i32(*shape)
    return np.where(x == 0, 3, x).astype(np.int32)


@dataclass
class Case:
    name: str
    make: Callable[[Any], Callable[..., Any]]
    args: tuple
    rtol: float | None = None
    atol: float | None = None
    ref: Callable[..., Any] | None = None   # a NumPy reference instead of jax.lax


def _jax_ref(fn: Callable[..., Any]) -> Callable[..., Any]:
    return lambda *a: jax.tree_util.tree_map(np.asarray, fn(*a))


def _unary(name: str, *args: Any, **kw: Any) -> Case:
    return Case(f"{name}-{args[0].dtype}", lambda L: getattr(L, name), args, **kw)


def _binary(name: str, *args: Any, **kw: Any) -> Case:
    return Case(f"{name}-{args[0].dtype}", lambda L: getattr(L, name), args, **kw)


SPECIAL = np.array([0.0, -0.0, 1.5, -2.5, 0.5, np.inf, -np.inf, np.nan])

ELEMENTWISE = [
    *[_unary(n, f64(7)) for n in (
        "neg", "sign", "floor", "ceil", "round", "exp", "exp2", "expm1", "sin", "cos", "tan",
        "atan", "sinh", "cosh", "tanh", "asinh", "cbrt", "logistic", "erf", "abs", "square",
        "reciprocal", "is_finite")],
    *[_unary(n, f32(7), rtol=2e-6, atol=1e-6) for n in (
        "neg", "floor", "exp", "sin", "cos", "tanh", "logistic", "abs", "square")],
    _unary("round", SPECIAL),
    _unary("is_finite", SPECIAL),
    _unary("sign", SPECIAL),
    _unary("log", f64(6, low=0.1, high=5)),
    _unary("log1p", f64(6, low=-0.5, high=5)),
    _unary("sqrt", f64(6, low=0, high=5)),
    _unary("rsqrt", f64(6, low=0.1, high=5)),
    _unary("asin", f64(6, low=-1, high=1)),
    _unary("acos", f64(6, low=-1, high=1)),
    _unary("atanh", f64(6, low=-0.9, high=0.9)),
    _unary("acosh", f64(6, low=1, high=5)),
    _unary("neg", i32(6)),
    _unary("sign", i32(6)),
    _unary("abs", i32(6)),
    _unary("square", i32(6)),
    _unary("bitwise_not", i32(6)),
    _unary("bitwise_not", bools(6)),
    Case("round-even", lambda L: lambda x: L.round(x, L.RoundingMethod.TO_NEAREST_EVEN),
         (np.array([0.5, 1.5, 2.5, -0.5, -1.5, 0.4]),)),
    Case("integer_pow-3", lambda L: lambda x: L.integer_pow(x, 3), (f64(5),)),
    Case("integer_pow-neg", lambda L: lambda x: L.integer_pow(x, -2), (f64(5, low=0.5),)),
    Case("integer_pow-int", lambda L: lambda x: L.integer_pow(x, 5), (i32(5),)),
    *[_binary(n, f64(6), f64(6)) for n in (
        "add", "sub", "mul", "div", "rem", "max", "min", "atan2", "nextafter",
        "eq", "ne", "lt", "le", "gt", "ge")],
    *[_binary(n, f32(6), f32(6), rtol=2e-6, atol=1e-6) for n in ("add", "mul", "div", "max")],
    _binary("pow", f64(6, low=0.1), f64(6)),
    _binary("max", SPECIAL, SPECIAL[::-1].copy()),
    _binary("min", SPECIAL, SPECIAL[::-1].copy()),
    *[_binary(n, i32(8), nonzero_i32(8)) for n in (
        "add", "sub", "mul", "div", "rem", "max", "min", "eq", "lt")],
    *[_binary(n, i32(8), i32(8)) for n in ("bitwise_and", "bitwise_or", "bitwise_xor")],
    *[_binary(n, bools(8), bools(8)) for n in ("bitwise_and", "bitwise_or", "bitwise_xor")],
    *[_binary(n, i32(8, low=-100, high=100), i32(8, low=0, high=40)) for n in (
        "shift_left", "shift_right_logical", "shift_right_arithmetic")],
    # jax.lax (x64) rejects f32 + Python float; graphjit gives the scalar x's dtype
    Case("add-py-scalar-f32", lambda L: lambda x: L.add(x, 2.5), (f32(4),),
         ref=lambda x: x + np.float32(2.5)),
    Case("mul-py-scalar-i32", lambda L: lambda x: L.mul(3, x), (i32(4),),
         ref=lambda x: np.int32(3) * x),
    Case("max-py-scalar", lambda L: lambda x: L.max(x, 0.0), (f64(4),)),
    Case("pow-int-exponent", lambda L: lambda x, y: L.pow(x, y), (f64(4, low=0.5), i64(4))),
    Case("select", lambda L: L.select, (bools(5), f64(5), f64(5))),
    Case("select_n-int", lambda L: L.select_n,
         (RNG.integers(0, 3, 6).astype(np.int32), f64(6), f64(6), f64(6))),
    Case("select_n-bool", lambda L: L.select_n, (bools(6), i32(6), i32(6))),
    Case("clamp-scalars", lambda L: lambda x: L.clamp(-1.0, x, 1.5), (f64(8),)),
    Case("clamp-arrays", lambda L: L.clamp, (f64(8, high=-1), f64(8), f64(8, low=1))),
    Case("convert-f64-i32", lambda L: lambda x: L.convert_element_type(x, np.int32),
         (f64(6, low=-100, high=100),)),
    Case("convert-i32-f32", lambda L: lambda x: L.convert_element_type(x, np.float32),
         (i32(6),)),
    Case("convert-f64-bool", lambda L: lambda x: L.convert_element_type(x, np.bool_),
         (np.array([0.0, 1.0, -2.0, np.nan]),)),
]

SHAPES = [
    Case("broadcast_in_dim", lambda L: lambda x: L.broadcast_in_dim(x, (4, 3, 2), (1, 2)),
         (f64(3, 1),)),
    Case("broadcast", lambda L: lambda x: L.broadcast(x, (2, 3)), (i32(4),)),
    Case("reshape", lambda L: lambda x: L.reshape(x, (3, 4)), (f64(2, 6),)),
    Case("reshape-dimensions", lambda L: lambda x: L.reshape(x, (6, 2), (1, 0)),
         (f64(2, 6),)),
    Case("transpose", lambda L: lambda x: L.transpose(x, (2, 0, 1)), (f64(2, 3, 4),)),
    Case("squeeze", lambda L: lambda x: L.squeeze(x, (0, -1)), (f64(1, 3, 1),)),
    Case("expand_dims", lambda L: lambda x: L.expand_dims(x, (0, -1)), (f64(3, 2),)),
    Case("rev", lambda L: lambda x: L.rev(x, (0, 2)), (i32(2, 3, 4),)),
    Case("concatenate", lambda L: lambda a, b, c: L.concatenate([a, b, c], 1),
         (f64(2, 1), f64(2, 3), f64(2, 2))),
    Case("pad", lambda L: lambda x: L.pad(x, -1.0, [(1, 2, 1), (-1, 0, 0)]), (f64(3, 4),)),
    Case("pad-traced-value", lambda L: lambda x, v: L.pad(x, v, [(0, 1, 2)]),
         (i32(3), np.int32(7))),
    Case("slice", lambda L: lambda x: L.slice(x, (1, 0), (5, 6), (2, 3)), (f64(6, 7),)),
    Case("slice-nostride", lambda L: lambda x: L.slice(x, (1,), (4,)), (f64(6),)),
    Case("slice_in_dim", lambda L: lambda x: L.slice_in_dim(x, -3, None, 2, axis=1),
         (f64(2, 7),)),
    Case("index_in_dim", lambda L: lambda x: L.index_in_dim(x, -1, 1, False), (f64(2, 4),)),
    Case("collapse", lambda L: lambda x: L.collapse(x, 1, 3), (f64(2, 3, 4, 5),)),
    Case("dynamic_slice-static", lambda L: lambda x: L.dynamic_slice(x, (1, 2), (2, 3)),
         (f64(5, 6),)),
    Case("dynamic_slice-clamp", lambda L: lambda x, i, j: L.dynamic_slice(x, (i, j), (2, 3)),
         (f64(5, 6), np.int32(4), np.int32(5))),
    Case("dynamic_slice-negative", lambda L: lambda x, i, j: L.dynamic_slice(x, (i, j), (2, 3)),
         (f64(5, 6), np.int32(-1), np.int32(-9))),
    Case("dynamic_slice-array-idx", lambda L: lambda x, idx: L.dynamic_slice(x, idx, (2, 2)),
         (f64(5, 6), np.array([3, -1], np.int32))),
    Case("dynamic_slice-mixed", lambda L: lambda x, i: L.dynamic_slice(x, (i, 1), (3, 2)),
         (i32(4, 4), np.int64(7))),
    Case("dynamic_update_slice", lambda L: lambda x, u, i, j: L.dynamic_update_slice(
        x, u, (i, j)), (f64(5, 4), f64(2, 2), np.int32(10), np.int32(1))),
    Case("dynamic_update_slice-neg", lambda L: lambda x, u, i: L.dynamic_update_slice(
        x, u, (i,)), (f64(6), f64(2), np.int32(-2))),
    Case("dynamic_index_in_dim", lambda L: lambda x, i: L.dynamic_index_in_dim(x, i, 1, False),
         (f64(3, 5), np.int32(-2))),
    Case("dynamic_slice_in_dim", lambda L: lambda x, i: L.dynamic_slice_in_dim(x, i, 2, 0),
         (f64(5, 3), np.int32(2))),
    Case("dynamic_update_slice_in_dim", lambda L: lambda x, u, i:
         L.dynamic_update_slice_in_dim(x, u, i, 1), (f64(3, 5), f64(3, 2), np.int32(1))),
    Case("dynamic_update_index_in_dim", lambda L: lambda x, u, i:
         L.dynamic_update_index_in_dim(x, u, i, 0), (f64(4, 3), f64(3), np.int32(2))),
    Case("iota", lambda L: lambda: L.iota(np.int32, 5), ()),
    Case("broadcasted_iota", lambda L: lambda: L.broadcasted_iota(np.float32, (2, 4), 1), ()),
    Case("full", lambda L: lambda: L.full((2, 3), 1.5, np.float32), ()),
    Case("full_like", lambda L: lambda x: L.full_like(x, 7), (i32(2, 2),)),
]

GATHER_ROWS = jlax.GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(0,),
                                          start_index_map=(0,))
SCATTER_ROWS = jlax.ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0,),
                                            scatter_dims_to_operand_dims=(0,))
ROW_IDX = np.array([[4], [0], [7], [-2], [2]], np.int32)


def _gdn(L: Any) -> Any:
    return L.GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(0,),
                                    start_index_map=(0,))


def _sdn(L: Any) -> Any:
    return L.ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0,),
                                     scatter_dims_to_operand_dims=(0,))


CONTRACT = [
    Case("dot_general-batch", lambda L: lambda a, b: L.dot_general(
        a, b, (((2,), (1,)), ((0,), (0,)))), (f64(2, 3, 4), f64(2, 4, 5))),
    Case("dot_general-multi", lambda L: lambda a, b: L.dot_general(
        a, b, (((0, 2), (1, 0)), ((), ()))), (f64(3, 2, 4), f64(4, 3, 5))),
    Case("dot_general-int", lambda L: lambda a, b: L.dot_general(
        a, b, (((1,), (0,)), ((), ()))), (i32(3, 4), i32(4, 2))),
    Case("dot_general-preferred", lambda L: lambda a, b: L.dot_general(
        a, b, (((1,), (0,)), ((), ())), preferred_element_type=np.float64),
        (f32(3, 4), f32(4, 2)), rtol=1e-5, atol=1e-5),
    Case("dot-mm", lambda L: L.dot, (f64(3, 4), f64(4, 2))),
    Case("dot-mv", lambda L: L.dot, (f64(3, 4), f64(4))),
    Case("dot-vv", lambda L: L.dot, (f64(4), f64(4))),
    Case("conv-valid", lambda L: lambda x, w: L.conv_general_dilated(x, w, (1, 1), "VALID"),
         (f64(2, 3, 6, 5), f64(4, 3, 3, 2))),
    Case("conv-same-stride-dil", lambda L: lambda x, w: L.conv_general_dilated(
        x, w, (2, 1), "SAME", rhs_dilation=(2, 1)), (f64(1, 2, 7, 6), f64(3, 2, 3, 3))),
    Case("conv-same-lower", lambda L: lambda x, w: L.conv_general_dilated(
        x, w, (2, 2), "SAME_LOWER"), (f64(1, 1, 6, 6), f64(1, 1, 4, 4))),
    Case("conv-lhs-dilation", lambda L: lambda x, w: L.conv_general_dilated(
        x, w, (1, 1), ((2, 1), (0, 2)), lhs_dilation=(2, 3)),
        (f64(1, 2, 4, 3), f64(2, 2, 3, 2))),
    Case("conv-nhwc", lambda L: lambda x, w: L.conv_general_dilated(
        x, w, (1, 2), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")),
        (f64(2, 5, 6, 3), f64(3, 2, 3, 4))),
    Case("conv-mixed-layouts", lambda L: lambda x, w: L.conv_general_dilated(
        x, w, (1, 1), "VALID", dimension_numbers=("NWCH", "IHOW", "CNHW")),
        (f64(2, 6, 3, 5), f64(3, 2, 4, 3))),
    Case("conv-1d", lambda L: lambda x, w: L.conv_general_dilated(
        x, w, (1,), "SAME", dimension_numbers=("NWC", "WIO", "NWC")),
        (f64(2, 9, 3), f64(3, 3, 2))),
    Case("conv-feature-groups", lambda L: lambda x, w: L.conv_general_dilated(
        x, w, (1, 1), "VALID", feature_group_count=2), (f64(1, 4, 5, 5), f64(6, 2, 2, 2))),
    Case("conv-batch-groups", lambda L: lambda x, w: L.conv_general_dilated(
        x, w, (1, 1), "VALID", batch_group_count=2), (f64(4, 3, 5, 5), f64(4, 3, 2, 2))),
    Case("conv-f32", lambda L: lambda x, w: L.conv_general_dilated(x, w, (1, 1), "SAME"),
         (f32(1, 2, 5, 5), f32(2, 2, 3, 3)), rtol=1e-5, atol=1e-5),
    Case("conv-simple", lambda L: lambda x, w: L.conv(x, w, (1, 1), "VALID"),
         (f64(1, 2, 5, 5), f64(3, 2, 2, 2))),
]

WINDOWS = [
    Case("reduce_window-max-valid", lambda L: lambda x: L.reduce_window(
        x, -np.inf, L.max, (2, 2), (1, 1), "VALID"), (f64(5, 6),)),
    Case("reduce_window-max-same", lambda L: lambda x: L.reduce_window(
        x, -np.inf, L.max, (3, 3), (2, 2), "SAME"), (f64(5, 6),)),
    Case("reduce_window-sum-pads", lambda L: lambda x: L.reduce_window(
        x, 0.0, L.add, (1, 3, 3), (1, 2, 1), ((0, 0), (1, 2), (2, 0))), (f64(2, 5, 6),)),
    Case("reduce_window-min-dilations", lambda L: lambda x: L.reduce_window(
        x, np.inf, L.min, (2, 2), (1, 2), ((1, 1), (0, 1)), (2, 1), (1, 2)), (f64(4, 6),)),
    Case("reduce_window-sum-int", lambda L: lambda x: L.reduce_window(
        x, 0, L.add, (2,), (1,), "SAME"), (i32(7),)),
    Case("reduce_window-max-int", lambda L: lambda x: L.reduce_window(
        x, np.int32(np.iinfo(np.int32).min), L.max, (3,), (2,), "VALID"), (i32(7),)),
    Case("reduce_window-sum-init", lambda L: lambda x: L.reduce_window(
        x, 1.5, L.add, (2, 3), (1, 1), ((1, 0), (2, 1)), (2, 1)), (f64(3, 4),)),
    Case("reduce_window-max-init", lambda L: lambda x: L.reduce_window(
        x, 0.0, L.max, (2,), (1,), ((1, 1),)), (f64(6),)),
    Case("reduce_window-min-init", lambda L: lambda x: L.reduce_window(
        x, 0.5, L.min, (3,), (2,), "SAME"), (f64(7),)),
]

REDUCTIONS = [
    *[Case(f"{n}", lambda L, n=n: lambda x: getattr(L, n)(x, (0, 2)), (f64(3, 4, 2),))
      for n in ("reduce_sum", "reduce_prod", "reduce_max", "reduce_min")],
    *[Case(f"{n}-int", lambda L, n=n: lambda x: getattr(L, n)(x, (1,)), (i32(3, 4),))
      for n in ("reduce_sum", "reduce_max", "reduce_and", "reduce_or")],
    Case("reduce_and-bool", lambda L: lambda x: L.reduce_and(x, (0,)), (bools(4, 3),)),
    Case("reduce_or-bool", lambda L: lambda x: L.reduce_or(x, (1,)), (bools(4, 3),)),
    Case("reduce-add-init", lambda L: lambda x: L.reduce(x, 2.0, L.add, (1,)), (f64(3, 4),)),
    Case("reduce-max-init", lambda L: lambda x: L.reduce(x, 0.0, L.max, (0,)), (f64(3, 4),)),
    Case("reduce-mul", lambda L: lambda x: L.reduce(x, 1, L.mul, (0,)), (i32(3, 4),)),
    Case("argmax", lambda L: lambda x: L.argmax(x, 1, np.int32), (f64(3, 5),)),
    Case("argmin", lambda L: lambda x: L.argmin(x, 0, np.int64), (i32(4, 3),)),
    *[Case(f"{n}", lambda L, n=n: lambda x: getattr(L, n)(x, axis=1), (f64(3, 5),))
      for n in ("cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp")],
    *[Case(f"{n}-reverse", lambda L, n=n: lambda x: getattr(L, n)(x, 0, True), (f64(4, 2),))
      for n in ("cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp")],
    Case("cumsum-int", lambda L: lambda x: L.cumsum(x), (i32(6),)),
]

SORTING = [
    Case("sort", lambda L: L.sort, (f64(3, 6),)),
    Case("sort-dim0", lambda L: lambda x: L.sort(x, dimension=0), (i32(5, 3),)),
    Case("sort-tuple", lambda L: lambda k, v: L.sort((k, v), dimension=1),
         (RNG.integers(0, 3, (2, 8)).astype(np.int32), f64(2, 8))),
    Case("sort-num_keys", lambda L: lambda a, b, c: L.sort((a, b, c), num_keys=2),
         (RNG.integers(0, 2, 9).astype(np.int32), RNG.integers(0, 3, 9).astype(np.int32),
          f64(9))),
    Case("sort_key_val", lambda L: L.sort_key_val, (f64(7), i32(7))),
    Case("top_k", lambda L: lambda x: L.top_k(x, 3), (f64(2, 6),)),
    Case("top_k-ties", lambda L: lambda x: L.top_k(x, 4),
         (np.array([1, 3, 3, 2, 3, 1], np.int32),)),
    Case("top_k-axis0", lambda L: lambda x: L.top_k(x, 2, axis=0), (f64(5, 3),)),
]

GATHER_SCATTER = [
    Case("gather-clip", lambda L: lambda x, i: L.gather(x, i, _gdn(L), (1, 3), mode="clip"),
         (f64(5, 3), ROW_IDX)),
    Case("gather-fill", lambda L: lambda x, i: L.gather(x, i, _gdn(L), (1, 3), mode="fill"),
         (f64(5, 3), ROW_IDX)),
    Case("gather-fill-value", lambda L: lambda x, i: L.gather(
        x, i, _gdn(L), (1, 3), mode="fill", fill_value=-1), (i32(5, 3), ROW_IDX)),
    Case("gather-default-mode", lambda L: lambda x, i: L.gather(x, i, _gdn(L), (1, 3)),
         (f64(5, 3), ROW_IDX)),
    Case("gather-window", lambda L: lambda x, i: L.gather(
        x, i, L.GatherDimensionNumbers(offset_dims=(1, 2), collapsed_slice_dims=(),
                                       start_index_map=(0, 1)), (2, 2), mode="clip"),
        (f64(4, 5), np.array([[0, 0], [3, 4], [1, 2]], np.int32))),
    Case("scatter-clip", lambda L: lambda x, i, u: L.scatter(x, i, u, _sdn(L), mode="clip"),
         (f64(5, 3), np.array([[1], [9]], np.int32), f64(2, 3))),
    Case("scatter_add-dups", lambda L: lambda x, i, u: L.scatter_add(x, i, u, _sdn(L)),
         (f64(5, 3), np.array([[1], [1], [3], [8]], np.int32), f64(4, 3))),
    Case("scatter_mul", lambda L: lambda x, i, u: L.scatter_mul(x, i, u, _sdn(L), mode="drop"),
         (f64(5, 3), np.array([[0], [0], [-1]], np.int32), f64(3, 3))),
    Case("scatter_min", lambda L: lambda x, i, u: L.scatter_min(x, i, u, _sdn(L)),
         (i32(5, 3), np.array([[2], [2], [4]], np.int32), i32(3, 3))),
    Case("scatter_max", lambda L: lambda x, i, u: L.scatter_max(x, i, u, _sdn(L)),
         (i32(5, 3), np.array([[2], [2], [4]], np.int32), i32(3, 3))),
]

CASES = ELEMENTWISE + SHAPES + CONTRACT + WINDOWS + REDUCTIONS + SORTING + GATHER_SCATTER


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_against_jax(case: Case) -> None:
    """Eagerly and through make_graph (typechecked), ours equals jax.lax (x64)."""
    ref = case.ref if case.ref is not None else _jax_ref(case.make(jlax))
    check_against_numpy(case.make(lax), ref, *case.args, rtol=case.rtol, atol=case.atol)


# -- against NumPy, where jax.lax has no counterpart or behaves differently ----------


@pytest.mark.parametrize("x", [f64(3), i32(3), bools(3)], ids=["f64", "i32", "bool"])
def test_stop_gradient_pytree(x: np.ndarray) -> None:
    tree = {"a": x, "b": (f64(2), np.int32(3))}
    check_against_numpy(lax.stop_gradient, lambda t: t, tree)
    cg = make_graph(lax.stop_gradient)(tree)
    n_float = sum(np.asarray(leaf).dtype.kind == "f" for leaf in jax.tree_util.tree_leaves(tree))
    assert [e.prim.name for e in cg.eqns] == ["stop_gradient"] * n_float


def test_python_scalars_take_the_other_dtype() -> None:
    x = f32(3)
    assert lax.add(x, 1.0).dtype == np.float32
    assert lax.sub(2.0, x).dtype == np.float32
    assert lax.mul(i32(3), 2).dtype == np.int32
    assert lax.lt(np.int8(3), 300 - 290).dtype == np.bool_
    assert lax.clamp(0, i32(3), 4).dtype == np.int32
    # a weakly-typed traced value (a Python scalar argument) behaves the same
    cg = make_graph(lambda s, y: lax.mul(s, y))(2.0, x)
    typecheck(cg)
    assert cg.out_avals[0].dtype == np.float32
    assert_same(check_graph(lambda s, y: lax.mul(s, y), 2.0, x), x * np.float32(2))


def test_no_promotion_error_names_user_line() -> None:
    with pytest.raises(ShapeError) as err:
        lax.add(f32(3), f64(3))
    assert "test_lax.py:" in str(err.value)
    assert "equal dtype" in str(err.value)
    with pytest.raises(ShapeError) as err:
        make_graph(lambda a, b: lax.dot(a, b))(f64(2, 3), f64(2, 3))
    assert "test_lax.py:" in str(err.value)


def test_one_equation_per_op() -> None:
    cg = make_graph(lambda x: lax.cumsum(lax.sin(x), reverse=True))(f64(4))
    assert [e.prim.name for e in cg.eqns] == ["sin", "cumsum"]
    cg = make_graph(lambda x: lax.conv(x, np.ones((1, 1, 2, 2)), (1, 1), "SAME"))(
        f64(1, 1, 4, 4))
    assert [e.prim.name for e in cg.eqns] == ["conv_general_dilated"]
    eqn = cg.eqns[0]
    assert eqn.params["padding"] == ((0, 1), (0, 1))
    assert eqn.params["dimension_numbers"] == ((0, 1, 2, 3),) * 3


def test_conv_dimension_numbers_strings() -> None:
    dn = lax.conv_dimension_numbers((1, 5, 5, 3), (3, 3, 3, 8), ("NHWC", "HWIO", "NHWC"))
    ref = jlax.conv_dimension_numbers((1, 5, 5, 3), (3, 3, 3, 8), ("NHWC", "HWIO", "NHWC"))
    assert tuple(dn) == tuple(tuple(s) for s in ref)
    assert lax.padtype_to_pads((7, 6), (3, 4), (2, 1), "SAME") == \
        [tuple(p) for p in jlax.padtype_to_pads((7, 6), (3, 4), (2, 1), "SAME")]


def test_reduce_window_unsupported_computation() -> None:
    with pytest.raises(NotImplementedError, match="test_lax.py:"):
        lax.reduce_window(f64(4), 0.0, lambda a, b: a + b, (2,), (1,), "VALID")


def test_dynamic_slice_traced_indices_record_clamp_free_graph() -> None:
    """Negative-index wrapping is recorded (select), clamping is the primitive's."""
    cg = make_graph(lambda x, i: lax.dynamic_slice(x, (i,), (2,)))(f64(5), np.int32(0))
    names = [e.prim.name for e in cg.eqns]
    assert names[-1] == "dynamic_slice" and "select_n" in names
    cg = make_graph(lambda x: lax.dynamic_slice(x, (-1,), (2,)))(f64(5))
    assert [e.prim.name for e in cg.eqns] == ["dynamic_slice"]


def test_sort_single_and_multiple_operands() -> None:
    x = f64(5)
    out = lax.sort(x)
    assert not isinstance(out, tuple)
    out = lax.sort([x, i32(5)])
    assert isinstance(out, tuple) and len(out) == 2
    assert_same(out[0], np.sort(x))


def test_iota_and_full_record_no_inputs() -> None:
    cg = make_graph(lambda: (lax.iota(np.int32, 3), lax.full((2,), 0.5)))()
    typecheck(cg)
    assert [e.prim.name for e in cg.eqns] == ["iota", "broadcast_in_dim"]
