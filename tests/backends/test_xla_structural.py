"""XLA lowerings of shape, indexing, contraction, window and sort primitives vs NumPy."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import tracer.lax as lax
import tracer.numpy as tnp
from tests.backends.xlacheck import check_xla

RNG = np.random.default_rng(7)
FLOATS = [np.float32, np.float64]
ALL = FLOATS + [np.int32, np.bool_]
CPLX = [np.complex64, np.complex128]


def rnd(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """Random data of ``dtype``: small ints, ~50/50 bools, floats in [-3, 3)."""
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return RNG.random(shape) < 0.5
    if dt.kind in "iu":
        return RNG.integers(-5, 5, size=shape).astype(dt)
    if dt.kind == "c":
        return (RNG.uniform(-3, 3, size=shape) + 1j * RNG.uniform(-3, 3, size=shape)).astype(dt)
    return RNG.uniform(-3, 3, size=shape).astype(dt)


def complex_grid(dtype: Any) -> np.ndarray:
    """50 shuffled complex numbers: every pair of parts from {0, 1, -1, nan, inf}, twice."""
    parts = [0, 1, -1, np.nan, np.inf]
    z = np.array([complex(r, i) for r in parts for i in parts] * 2, dtype)
    RNG.shuffle(z)
    return z


def with_nans(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """Floats with NaNs, signed zeros and ties (ints/bools unchanged)."""
    x = rnd(shape, dtype)
    if np.dtype(dtype).kind == "f" and x.size:
        flat = x.reshape(-1)
        flat[::3] = np.nan
        flat[1::5] = -0.0
        flat[2::7] = 0.0
        flat[4::6] = 1.0
    return x


GDN = lax.GatherDimensionNumbers
SDN = lax.ScatterDimensionNumbers

# (id, function, argument builder(dtype), dtypes)
Row = tuple[str, Callable[..., Any], Callable[[Any], tuple], list]

ROWS: list[Row] = [
    ("broadcast_in_dim", lambda x: lax.broadcast_in_dim(x, (2, 3, 4), (0, 2)),
     lambda dt: (rnd((2, 1), dt),), ALL),
    ("broadcast_in_dim_0d", lambda x: lax.broadcast_in_dim(x, (3, 0), ()),
     lambda dt: (rnd((), dt),), FLOATS),
    ("reshape", lambda x: lax.reshape(x, (3, 2, 2)), lambda dt: (rnd((4, 3), dt),), ALL),
    ("reshape_empty", lambda x: lax.reshape(x, (0, 5)), lambda dt: (rnd((5, 0), dt),), FLOATS),
    ("transpose", lambda x: lax.transpose(x, (2, 0, 1)), lambda dt: (rnd((2, 3, 4), dt),), ALL),
    ("squeeze", lambda x: lax.squeeze(x, (0, 2)), lambda dt: (rnd((1, 3, 1), dt),), ALL),
    ("squeeze_to_0d", lambda x: lax.squeeze(x, (0,)), lambda dt: (rnd((1,), dt),), FLOATS),
    ("expand_dims", lambda x: lax.expand_dims(x, (0, 3)), lambda dt: (rnd((2, 3), dt),), ALL),
    ("expand_dims_0d", lambda x: lax.expand_dims(x, (0,)), lambda dt: (rnd((), dt),), FLOATS),
    ("rev", lambda x: lax.rev(x, (0, 2)), lambda dt: (rnd((2, 3, 4), dt),), ALL),
    ("rev_none", lambda x: lax.rev(x, ()), lambda dt: (rnd((3,), dt),), FLOATS),
    ("concatenate", lambda x, y: lax.concatenate([x, y, x], 1),
     lambda dt: (rnd((2, 3), dt), rnd((2, 0), dt)), ALL),
    ("pad", lambda x, v: lax.pad(x, v, [(1, 2, 1), (-1, 0, 2)]),
     lambda dt: (rnd((3, 4), dt), rnd((), dt)), ALL),
    ("pad_crop", lambda x, v: lax.pad(x, v, [(-2, -1, 0)]),
     lambda dt: (rnd((5,), dt), rnd((), dt)), FLOATS),
    ("pad_empty", lambda x, v: lax.pad(x, v, [(1, 1, 3), (0, 2, 0)]),
     lambda dt: (rnd((0, 2), dt), rnd((), dt)), FLOATS),
    ("pad_0d", lambda x, v: lax.pad(x, v, []), lambda dt: (rnd((), dt), rnd((), dt)), FLOATS),
    ("slice", lambda x: lax.slice(x, (1, 0), (4, 5), (2, 3)), lambda dt: (rnd((5, 5), dt),), ALL),
    ("slice_empty", lambda x: lax.slice(x, (2,), (2,)), lambda dt: (rnd((5,), dt),), FLOATS),
    ("dynamic_slice", lambda x, i, j: lax.dynamic_slice(x, (i, j), (2, 3)),
     lambda dt: (rnd((4, 5), dt), np.int32(3), np.int64(-2)), ALL),
    ("dynamic_slice_clamp", lambda x, i, j: lax.dynamic_slice(x, (i, j), (4, 2)),
     lambda dt: (rnd((4, 5), dt), np.int32(7), np.uint32(9)), FLOATS),
    ("dynamic_update_slice", lambda x, u, i, j: lax.dynamic_update_slice(x, u, (i, j)),
     lambda dt: (rnd((4, 5), dt), rnd((2, 3), dt), np.int32(3), np.int64(-1)), ALL),
    ("dynamic_update_slice_uint", lambda x, u, i: lax.dynamic_update_slice(x, u, (i,)),
     lambda dt: (rnd((6,), dt), rnd((2,), dt), np.uint8(200)), FLOATS),
    ("iota", lambda x: x + lax.broadcasted_iota(x.dtype, (3, 4), 1),
     lambda dt: (rnd((3, 4), dt),), FLOATS + [np.int32]),
    ("iota_bool", lambda: lax.iota(np.bool_, 2), lambda dt: (), [np.bool_]),
    # gather: rows of a matrix, clip / fill / promise_in_bounds
    ("gather_clip", lambda x, i: lax.gather(x, i, GDN((1,), (0,), (0,)), (1, 3), mode="clip"),
     lambda dt: (rnd((4, 3), dt), np.array([[0], [3], [-2], [9]], np.int32)), ALL),
    ("gather_fill", lambda x, i: lax.gather(x, i, GDN((1,), (0,), (0,)), (1, 3), mode="fill"),
     lambda dt: (rnd((4, 3), dt), np.array([[0], [3], [-2], [4]], np.int32)), ALL),
    ("gather_fill_value",
     lambda x, i: lax.gather(x, i, GDN((0,), (1,), (1, 0)), (2, 1), mode="fill", fill_value=-7),
     lambda dt: (rnd((4, 3), dt), np.array([[0, 1], [2, 3], [-1, 0], [1, 2]], np.int64)),
     FLOATS + [np.int32]),
    ("gather_promise", lambda x, i: lax.gather(x, i, GDN((), (0, 1), (0, 1)), (1, 1),
                                               mode="promise_in_bounds"),
     lambda dt: (rnd((4, 3), dt), np.array([[[0, 1], [3, 2]], [[1, 1], [2, 0]]], np.uint32)),
     FLOATS),
    ("gather_batching", lambda x, i: lax.gather(
        x, i, GDN(offset_dims=(), collapsed_slice_dims=(1,), start_index_map=(1,),
                  operand_batching_dims=(0,), start_indices_batching_dims=(0,)),
        (1, 1), mode="fill"),
     lambda dt: (rnd((3, 4), dt), np.array([[1], [5], [3]], np.int32)), FLOATS),
    ("gather_empty", lambda x, i: lax.gather(x, i, GDN((1,), (0,), (0,)), (1, 3), mode="clip"),
     lambda dt: (rnd((4, 3), dt), np.zeros((0, 1), np.int32)), FLOATS),
    # scatter family: drop (default) and clip modes
    ("scatter", lambda x, i, u: lax.scatter(x, i, u, SDN((1,), (0,), (0,))),
     lambda dt: (rnd((4, 3), dt), np.array([[2], [0], [7], [-1]], np.int32), rnd((4, 3), dt)),
     ALL),
    ("scatter_clip", lambda x, i, u: lax.scatter(x, i, u, SDN((1,), (0,), (0,)), mode="clip"),
     lambda dt: (rnd((4, 3), dt), np.array([[1], [-5]], np.int32), rnd((2, 3), dt)), FLOATS),
    ("scatter_add", lambda x, i, u: lax.scatter_add(x, i, u, SDN((), (0, 1), (0, 1))),
     lambda dt: (rnd((3, 4), dt), np.array([[0, 1], [0, 1], [2, 3], [3, 0], [1, -1]], np.int64),
                 rnd((5,), dt)), ALL),
    ("scatter_add_clip", lambda x, i, u: lax.scatter_add(x, i, u, SDN((1,), (0,), (0,)),
                                                         mode="clip"),
     lambda dt: (rnd((4, 3), dt), np.array([[9], [9], [-3]], np.int32), rnd((3, 3), dt)),
     FLOATS),
    ("scatter_mul", lambda x, i, u: lax.scatter_mul(x, i, u, SDN((0,), (1,), (1,))),
     lambda dt: (rnd((3, 4), dt), np.array([[1], [1], [3], [4]], np.int32), rnd((3, 4), dt)),
     ALL),
    ("scatter_min", lambda x, i, u: lax.scatter_min(x, i, u, SDN((), (0,), (0,))),
     lambda dt: (with_nans((5,), dt), np.array([[0], [2], [2], [4], [5]], np.int32),
                 with_nans((5,), dt)), ALL),
    ("scatter_max", lambda x, i, u: lax.scatter_max(x, i, u, SDN((), (0,), (0,))),
     lambda dt: (with_nans((5,), dt), np.array([[1], [1], [3], [0], [-1]], np.int32),
                 with_nans((5,), dt)), ALL),
    ("scatter_batching", lambda x, i, u: lax.scatter_add(
        x, i, u, SDN(update_window_dims=(), inserted_window_dims=(1,),
                     scatter_dims_to_operand_dims=(1,), operand_batching_dims=(0,),
                     scatter_indices_batching_dims=(0,))),
     lambda dt: (rnd((3, 4), dt), np.array([[1], [3], [0]], np.int32), rnd((3,), dt)), FLOATS),
    ("scatter_empty", lambda x, i, u: lax.scatter_add(x, i, u, SDN((1,), (0,), (0,))),
     lambda dt: (rnd((4, 3), dt), np.zeros((0, 1), np.int32), rnd((0, 3), dt)), FLOATS),
    # contractions
    ("dot_general_matmul", lambda x, y: lax.dot_general(x, y, (((1,), (0,)), ((), ()))),
     lambda dt: (rnd((3, 4), dt), rnd((4, 2), dt)), ALL),
    ("dot_general_batch", lambda x, y: lax.dot_general(x, y, (((1,), (2,)), ((0,), (1,)))),
     lambda dt: (rnd((2, 4, 3), dt), rnd((5, 2, 4), dt)), ALL),
    ("dot_general_outer", lambda x, y: lax.dot_general(x, y, (((), ()), ((), ()))),
     lambda dt: (rnd((3,), dt), rnd((2,), dt)), FLOATS + [np.bool_]),
    ("dot_general_empty_k", lambda x, y: lax.dot_general(x, y, (((1,), (0,)), ((), ()))),
     lambda dt: (rnd((3, 0), dt), rnd((0, 2), dt)), FLOATS),
    ("dot_general_preferred", lambda x, y: lax.dot_general(
        x, y, (((0,), (0,)), ((), ())), preferred_element_type=np.float64),
     lambda dt: (rnd((3, 2), dt), rnd((3, 4), dt)), [np.float32, np.int32]),
    ("conv_nchw", lambda x, w: lax.conv_general_dilated(
        x, w, (1, 2), [(1, 0), (-1, 2)], lhs_dilation=(1, 2), rhs_dilation=(2, 1)),
     lambda dt: (rnd((2, 3, 5, 6), dt), rnd((4, 3, 2, 2), dt)), ALL),
    ("conv_nhwc_groups", lambda x, w: lax.conv_general_dilated(
        x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"),
        feature_group_count=2),
     lambda dt: (rnd((2, 4, 4, 4), dt), rnd((3, 3, 2, 6), dt)), FLOATS + [np.int32]),
    ("conv_batch_groups", lambda x, w: lax.conv_general_dilated(
        x, w, (1,), [(0, 0)], batch_group_count=2, preferred_element_type=np.float64),
     lambda dt: (rnd((4, 2, 5), dt), rnd((6, 2, 3), dt)), [np.float32, np.int32]),
    ("conv_empty", lambda x, w: lax.conv_general_dilated(x, w, (1,), "VALID"),
     lambda dt: (rnd((2, 3, 2), dt), rnd((4, 3, 3), dt)), FLOATS),
    # windows
    ("reduce_window_sum", lambda x: lax.reduce_window(
        x, 0, lax.add, (2, 3), (1, 2), [(1, 0), (2, -1)], base_dilation=(2, 1),
        window_dilation=(1, 2)), lambda dt: (rnd((4, 6), dt),), ALL),
    ("reduce_window_max", lambda x: lax.reduce_window(
        x, -np.inf, lax.max, (2, 2), (2, 1), [(0, 1), (1, 1)]),
     lambda dt: (with_nans((5, 4), dt),), FLOATS),
    ("reduce_window_max_int", lambda x: lax.reduce_window(
        x, np.iinfo(np.int32).min, lax.max, (3,), (1,), "SAME"),
     lambda dt: (rnd((6,), dt),), [np.int32]),
    ("reduce_window_min", lambda x: lax.reduce_window(
        x, np.inf, lax.min, (2, 2), (1, 1), "VALID", base_dilation=(1, 2)),
     lambda dt: (with_nans((3, 4), dt),), FLOATS),
    ("reduce_window_empty", lambda x: lax.reduce_window(x, 0, lax.add, (4,), (1,), "VALID"),
     lambda dt: (rnd((3,), dt),), FLOATS),
    # sorting
    ("sort", lambda x: lax.sort(x, 0), lambda dt: (with_nans((7, 3), dt),), ALL),
    ("sort_last", lambda x: lax.sort(x), lambda dt: (with_nans((3, 9), dt),), ALL),
    ("sort_key_val", lambda k, v: lax.sort_key_val(k, v),
     lambda dt: (with_nans((12,), dt), np.arange(12, dtype=np.int32)), ALL),
    ("sort_num_keys", lambda a, b, c: lax.sort((a, b, c), 1, num_keys=2),
     lambda dt: (rnd((2, 10), np.int32) % 2, with_nans((2, 10), dt), rnd((2, 10), np.float32)),
     ALL),
    ("sort_three_keys", lambda a, b, c, d: lax.sort((a, b, c, d), 0, num_keys=3),
     lambda dt: (with_nans((16,), dt) > 0, with_nans((16,), dt), rnd((16,), dt),
                 np.arange(16, dtype=np.int32)), FLOATS),
    ("sort_small_types", lambda x: lax.sort(x, 0), lambda dt: (with_nans((9, 2), dt),),
     [np.float16, np.int8, np.uint8, np.int64]),
    ("top_k_small_types", lambda x: lax.top_k(x, 4), lambda dt: (with_nans((2, 9), dt),),
     [np.float16, np.int8, np.uint8, np.int64]),
    ("sort_empty", lambda x: lax.sort(x), lambda dt: (rnd((0, 4), dt),), FLOATS),
    ("top_k", lambda x: lax.top_k(x, 3), lambda dt: (with_nans((4, 6), dt),), ALL),
    ("top_k_all", lambda x: lax.top_k(x, 5, axis=0), lambda dt: (with_nans((5, 2), dt),),
     FLOATS),
    # complex: NumPy's order (real, then imag; NaN parts last), fill values, contractions
    ("complex_sort", lambda x, y: lax.sort_key_val(x, y),
     lambda dt: (complex_grid(dt), np.arange(50, dtype=np.int32)), CPLX),
    ("complex_top_k", lambda x: lax.top_k(x, 7), lambda dt: (complex_grid(dt),), CPLX),
    ("complex_pad", lambda x: lax.pad(x, np.asarray(complex(np.nan, 1), x.dtype), [(1, -1, 1)]),
     lambda dt: (rnd((4,), dt),), CPLX),
    ("complex_gather_fill", lambda x, i: lax.gather(x, i, GDN((), (0,), (0,)), (1,), mode="fill"),
     lambda dt: (rnd((4,), dt), np.array([[1], [4], [-1]], np.int32)), CPLX),
    ("complex_scatter_mul", lambda x, i, u: lax.scatter_mul(x, i, u, SDN((), (0,), (0,))),
     lambda dt: (rnd((4,), dt), np.array([[1], [1], [3]], np.int32), rnd((3,), dt)), CPLX),
    ("complex_dot", lambda x, y: lax.dot_general(x, y, (((1,), (0,)), ((), ()))),
     lambda dt: (rnd((3, 4), dt), rnd((4, 2), dt)), CPLX),
    ("complex_conv", lambda x, w: lax.conv_general_dilated(x, w, (1,), "SAME"),
     lambda dt: (rnd((2, 3, 5), dt), rnd((4, 3, 2), dt)), CPLX),
    ("top_k_zero", lambda x: lax.top_k(x, 0), lambda dt: (rnd((3, 4), dt),), FLOATS),
]

CASES = [pytest.param(fn, make, dt, id=f"{name}-{np.dtype(dt).name}")
         for name, fn, make, dts in ROWS for dt in dts]


@pytest.mark.parametrize("fn,make,dtype", CASES)
def test_structural(fn: Callable[..., Any], make: Callable[[Any], tuple], dtype: Any) -> None:
    # float32 computations (also with a float64 preferred_element_type): float32 tolerance
    tol = 1e-5 if dtype in (np.float32, np.complex64) else None
    check_xla(fn, *make(dtype), rtol=tol, atol=tol)


def test_numpy_level_indexing() -> None:
    """tracer.numpy functions that lower to these primitives (take, sort, stack, matmul)."""
    x = rnd((4, 5), np.float32)
    check_xla(lambda a: tnp.take(a, np.array([3, 0, 9, -1]), axis=1, mode="clip"), x)
    check_xla(lambda a: tnp.sort(a, axis=0), with_nans((6, 2), np.float64))
    check_xla(lambda a, b: tnp.matmul(a, b), x, rnd((5, 3), np.float32))
    check_xla(lambda a: tnp.stack([a, a[::-1]], axis=1), x)
