"""Batching of the indexing primitives and of what is built on them.

Rules live in ``transforms/vmap_rules/indexing.py``: ``dynamic_slice``,
``dynamic_update_slice``, ``gather``, ``scatter``/``scatter_add``/``scatter_mul``/
``scatter_min``/``scatter_max``.  Table-driven (harness shared with
``test_vmap_shape``): one row per primitive through ``tracer.lax`` (window,
collapsed and batching dims, out-of-bounds modes, duplicate indices) and per
user-level function (static, integer-array and traced-scalar ``tnp`` indexing,
batched index arrays, ``x.at[]`` updates, ``take``, ``take_along_axis``,
``put_along_axis``, ``lax.dynamic_slice``/``dynamic_update_slice`` with batched
start indices), each over several ``in_axes`` (unbatched operands, negative
axes, a batch axis on the index vector) and batch sizes 3 and 1.  Then the
shape of the batched graphs: no loops, gathers/scatters with batching dims.
"""
from __future__ import annotations

from typing import Any, Callable

import jax
import numpy as np
import pytest

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

import tracer.lax as lax  # noqa: E402
import tracer.numpy as tnp  # noqa: E402
from tests.transforms.test_vmap_shape import Row, cases, ints, run_case  # noqa: E402
from tracer import make_graph  # noqa: E402
from tracer import primitives as P  # noqa: E402
from transforms import grad, vmap  # noqa: E402
from transforms.vmap import batch_rules  # noqa: E402

INDEXING_PRIMS = [P.dynamic_slice_p, P.dynamic_update_slice_p, P.gather_p, P.scatter_p,
                  P.scatter_add_p, P.scatter_mul_p, P.scatter_min_p, P.scatter_max_p]
_OURS = {p.name for p in INDEXING_PRIMS} | {
    "broadcast_in_dim", "reshape", "transpose", "squeeze", "expand_dims", "rev", "concatenate",
    "pad", "slice", "iota"}

GDN = lax.GatherDimensionNumbers
SDN = lax.ScatterDimensionNumbers


def perm(n: int, shape: tuple[int, ...]) -> Callable:
    """Distinct indices in [0, n) (scatter-set with duplicates is order-dependent)."""
    return lambda rng: rng.permutation(n)[:int(np.prod(shape))].reshape(shape)


def fixed(a: Any) -> Callable:
    return lambda rng: np.asarray(a)


def a(x: Any) -> Any:
    """A graphjit array (the loop reference passes NumPy examples; ``.at`` needs ours)."""
    return tnp.asarray(x)


# -- primitive rows (tracer.lax) -------------------------------------------------------------

def _gather(dn: Any, sizes: tuple[int, ...], **kw: Any) -> Callable:
    return lambda x, i: lax.gather(x, i, dn, sizes, **kw)


G_ROWS = GDN(offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0,))
G_WIN = GDN(offset_dims=(1, 2), collapsed_slice_dims=(), start_index_map=(0, 1))
G_BATCH = GDN(offset_dims=(), collapsed_slice_dims=(1,), start_index_map=(1,),
              operand_batching_dims=(0,), start_indices_batching_dims=(0,))
G_COLS = GDN(offset_dims=(0,), collapsed_slice_dims=(1,), start_index_map=(1,))
G_ELEM = GDN(offset_dims=(), collapsed_slice_dims=(0,), start_index_map=(0,))

GATHER_AXES2 = [((0, None), 0), ((None, 0), 0), ((0, 0), 1), ((1, -2), 0), ((-1, -1), -1),
                ((None, -1), 1), ((2, 1), 0)]

GATHER_ROWS = [
    Row("gather-rows", _gather(G_ROWS, (1, 3)), [(5, 3), ints((4, 1), 0, 5)], GATHER_AXES2),
    Row("gather-window", _gather(G_WIN, (2, 2)), [(5, 4), ints((2, 2), 0, 4)], GATHER_AXES2),
    Row("gather-batching", _gather(G_BATCH, (1, 1)), [(3, 5), ints((3, 1), 0, 5)],
        GATHER_AXES2),
    Row("gather-offset-first", _gather(G_COLS, (3, 1)), [(3, 5), ints((4, 1), 0, 5)],
        GATHER_AXES2),
    Row("gather-index-vector-only", _gather(G_ROWS.__class__((0,), (0,), (0,)), (1, 3)),
        [(5, 3), ints((1,), 0, 5)], [((0, None), 0), ((None, 0), 0), ((1, -1), 1),
                                     ((-1, 0), -1)]),
    Row("gather-fill", _gather(G_ELEM, (1,), mode="fill", fill_value=-1.0),
        [(5,), ints((4, 1), -2, 8)], [((0, None), 0), ((None, 0), 0), ((-1, 1), 1),
                                      ((0, -1), 0)]),
    Row("gather-clip", _gather(G_ELEM, (1,), mode="clip"), [(5,), ints((4, 1), -2, 8)],
        [((0, None), 0), ((None, 1), 0), ((0, 0), -1)]),
]


def _scatter(fn: Callable, dn: Any, **kw: Any) -> Callable:
    return lambda x, i, u: fn(x, i, u, dn, **kw)


S_ROWS = SDN(update_window_dims=(1,), inserted_window_dims=(0,),
             scatter_dims_to_operand_dims=(0,))
S_WIN = SDN(update_window_dims=(1, 2), inserted_window_dims=(),
            scatter_dims_to_operand_dims=(0, 1))
S_BATCH = SDN(update_window_dims=(), inserted_window_dims=(1,),
              scatter_dims_to_operand_dims=(1,), operand_batching_dims=(0,),
              scatter_indices_batching_dims=(0,))
S_ELEM = SDN(update_window_dims=(), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,))
S_COLS = SDN(update_window_dims=(0,), inserted_window_dims=(1,),
             scatter_dims_to_operand_dims=(1,))

SCATTER_AXES = [((0, None, None), 0), ((None, 0, None), 0), ((None, None, 0), 0),
                ((0, 0, 0), 1), ((1, None, 1), 1), ((None, -1, None), 0), ((-1, 1, -1), 0),
                ((None, 1, 0), -1), ((2, None, 0), 0), ((0, 2, None), 0)]
SCATTERS = [("scatter", lax.scatter), ("scatter_add", lax.scatter_add),
            ("scatter_mul", lax.scatter_mul), ("scatter_min", lax.scatter_min),
            ("scatter_max", lax.scatter_max)]

SCATTER_ROWS = []
for _name, _fn in SCATTERS:
    # scatter (set) gets distinct indices; the combining ones get duplicates
    _idx = perm(5, (4, 1)) if _name == "scatter" else ints((4, 1), 0, 5)
    SCATTER_ROWS += [
        Row(f"{_name}-rows", _scatter(_fn, S_ROWS), [(5, 3), _idx, (4, 3)], SCATTER_AXES),
        Row(f"{_name}-window", _scatter(_fn, S_WIN), [(5, 4), fixed([[0, 0], [3, 2]]),
                                                     (2, 2, 2)], SCATTER_AXES),
        Row(f"{_name}-batching", _scatter(_fn, S_BATCH), [(3, 5), ints((3, 1), 0, 5), (3,)],
            SCATTER_AXES[:8]),
        Row(f"{_name}-cols", _scatter(_fn, S_COLS), [(3, 5), perm(5, (2, 1)), (3, 2)],
            SCATTER_AXES[:8]),
    ]
SCATTER_ROWS += [
    Row("scatter-drop", _scatter(lax.scatter, S_ELEM, mode="drop"),
        [(5,), fixed([[-1], [2], [7], [0]]), (4,)],
        [((0, None, None), 0), ((None, None, 0), 0), ((-1, None, 1), 1)]),
    Row("scatter_add-drop", _scatter(lax.scatter_add, S_ELEM, mode="drop"),
        [(5,), ints((4, 1), -2, 8), (4,)],
        [((0, None, None), 0), ((None, 0, None), 0), ((None, -1, 0), -1), ((0, 0, 1), 0)]),
    Row("scatter_max-clip", _scatter(lax.scatter_max, S_ELEM, mode="clip"),
        [(5,), ints((4, 1), -2, 8), (4,)],
        [((0, None, None), 0), ((None, 1, None), 0), ((0, 0, 0), 0)]),
    Row("scatter-index-vector-only", _scatter(lax.scatter, SDN((0,), (0,), (0,))),
        [(5, 3), ints((1,), 0, 5), (3,)],
        [((0, None, None), 0), ((None, 0, None), 0), ((None, -1, 1), 1), ((1, 0, -1), 0)]),
]


def _ds(x: Any, i: Any, j: Any) -> Any:
    return lax.dynamic_slice(x, (i, j), (2, 3), allow_negative_indices=False)


def _dus(x: Any, u: Any, i: Any, j: Any) -> Any:
    return lax.dynamic_update_slice(x, u, (i, j), allow_negative_indices=False)


DYNAMIC_ROWS = [
    Row("dynamic_slice", _ds, [(4, 5), ints((), -2, 6), ints((), -1, 5)],
        [((0, None, None), 0), ((None, 0, None), 0), ((1, 0, 0), 1), ((-1, None, 0), -1),
         ((0, 0, None), 0), ((None, 0, 0), 2), ((2, None, None), 0)]),
    Row("dynamic_slice-literal",
        lambda x, i: lax.dynamic_slice(x, (i, 1), (2, 2), allow_negative_indices=False),
        [(4, 5), ints((), 0, 4)], [((0, None), 0), ((None, 0), 0), ((-1, 0), 1)]),
    Row("dynamic_slice-int64",
        lambda x, i: lax.dynamic_slice(x, (i,), (3,), allow_negative_indices=False),
        [(5,), ints((), 0, 5, np.int64)], [((0, None), 0), ((None, 0), 0), ((1, 0), 1)]),
    Row("dynamic_update_slice", _dus, [(4, 5), (2, 3), ints((), -2, 6), ints((), -1, 5)],
        [((0, None, None, None), 0), ((None, 0, None, None), 0), ((1, -1, None, None), 1),
         ((None, None, 0, None), 0), ((0, 0, 0, 0), 0), ((-1, None, 0, None), -1),
         ((None, 1, None, 0), 1), ((2, 0, None, 0), 0)]),
]


# -- user-level rows ----------------------------------------------------------------------------

X43 = (4, 3)

TNP_ROWS = [
    # static indices: slices, ints, None, Ellipsis, static arrays and masks
    Row("x[1:3]", lambda x: x[1:3], [X43], [((0,), 0), ((1,), 1), ((-1,), -1)]),
    Row("x[::-2,1]", lambda x: x[::-2, 1], [X43], [((0,), 0), ((1,), 0), ((-1,), -1)]),
    Row("x[None,...,0]", lambda x: x[None, ..., 0], [(2, 3, 4)], [((0,), 0), ((3,), 1)]),
    Row("x[static-array]", lambda x: x[np.array([2, 0, 2])], [X43],
        [((0,), 0), ((1,), 1), ((-1,), -1)]),
    Row("x[static-arrays]", lambda x: x[[0, 2], [1, 1]], [X43], [((0,), 0), ((2,), 0)]),
    Row("x[:,static-array]", lambda x: x[:, [2, 0]], [X43], [((0,), 0), ((1,), -1)]),
    Row("x[static-mask]", lambda x: x[np.array([True, False, True, True])], [X43],
        [((0,), 0), ((-1,), 1)]),
    # traced scalar indices (dynamic_slice)
    Row("x[i]", lambda x, i: x[i], [X43, ints((), -4, 4)],
        [((0, None), 0), ((None, 0), 0), ((1, 0), 1), ((-1, 0), -1)]),
    Row("x[i,j]", lambda x, i, j: x[i, j], [X43, ints((), -4, 4), ints((), 0, 3)],
        [((0, None, None), 0), ((None, 0, None), 0), ((None, 0, 0), 0), ((1, 0, None), 0)]),
    Row("x[:,i]", lambda x, i: x[:, i], [X43, ints((), -3, 3)],
        [((0, None), 0), ((None, 0), 1), ((2, 0), 0)]),
    Row("x[i,1:3]", lambda x, i: x[i, 1:3], [X43, ints((), 0, 4)],
        [((0, 0), 0), ((None, 0), -1), ((1, None), 0)]),
    # traced integer arrays (gather), batched index arrays included
    Row("x[idx]", lambda x, i: x[i], [X43, ints((2,), -4, 4)],
        [((0, 0), 0), ((None, 0), 0), ((0, None), 0), ((1, -1), 1), ((-1, 0), -1)]),
    Row("x[idx2d]", lambda x, i: x[i], [(4,), ints((2, 3), 0, 4)],
        [((0, 0), 0), ((None, 1), 2), ((0, -1), 0)]),
    Row("x[idx,jdx]", lambda x, i, j: x[i, j], [X43, ints((2,), 0, 4), ints((2,), 0, 3)],
        [((0, 0, 0), 0), ((None, 0, None), 0), ((None, None, 0), 1), ((1, None, -1), 0)]),
    Row("x[idx,:,jdx]", lambda x, i, j: x[i, :, j],
        [(4, 3, 5), ints((2,), 0, 4), ints((2,), 0, 5)],
        [((0, 0, 0), 0), ((None, 0, None), 0), ((2, None, 0), 1)]),
    Row("x[:,idx]", lambda x, i: x[:, i], [X43, ints((2,), -3, 3)],
        [((0, 0), 0), ((None, 0), 1), ((1, None), -1)]),
    Row("x.at[idx].get(fill)", lambda x, i: a(x).at[i].get(mode="fill", fill_value=-9.0),
        [(4,), ints((3,), -6, 6)], [((0, 0), 0), ((None, 0), 0), ((0, None), 0)]),
    # x.at[...] updates
    Row("x.at[idx].set", lambda x, i, v: a(x).at[i].set(v), [(5, 3), perm(5, (3,)), (3, 3)],
        [((0, None, None), 0), ((None, 0, None), 0), ((None, None, 0), 0), ((0, 0, 0), 0),
         ((1, -1, 2), 1), ((-1, 0, None), 0)]),
    Row("x.at[idx].add", lambda x, i, v: a(x).at[i].add(v), [(5, 3), ints((4,), -5, 5), (4, 3)],
        [((0, None, None), 0), ((None, 0, None), 0), ((None, None, 0), 0), ((0, 0, 0), 0),
         ((1, -1, 2), 1), ((None, 0, -1), -1)]),
    Row("x.at[idx].add-scalar", lambda x, i, v: a(x).at[i].add(v), [(5,), ints((4,), 0, 5), ()],
        [((0, 0, 0), 0), ((None, 0, None), 0), ((None, None, 0), 0)]),
    Row("x.at[idx].multiply", lambda x, i, v: a(x).at[i].multiply(v),
        [(5,), ints((4,), 0, 5), (4,)], [((0, 0, 0), 0), ((None, 0, None), 0)]),
    Row("x.at[idx].min", lambda x, i, v: a(x).at[i].min(v), [(5, 2), ints((3,), 0, 5), (3, 2)],
        [((0, 0, 0), 0), ((None, 0, 1), 0), ((-1, None, 0), 0)]),
    Row("x.at[idx].max", lambda x, i, v: a(x).at[i].max(v), [(5, 2), ints((3,), 0, 5), (3, 2)],
        [((0, 0, 0), 0), ((None, None, 0), 1), ((1, 0, None), 0)]),
    Row("x.at[:,idx].set", lambda x, i, v: a(x).at[:, i].set(v), [X43, perm(3, (2,)), (4, 2)],
        [((0, 0, 0), 0), ((None, 0, None), 0), ((None, None, -1), 1)]),
    Row("x.at[i].set", lambda x, i, v: a(x).at[i].set(v), [(5, 3), ints((), -5, 5), (3,)],
        [((0, None, None), 0), ((None, 0, None), 0), ((None, None, 0), 0), ((1, 0, -1), 0)]),
    Row("x.at[1:3].add", lambda x, v: a(x).at[1:3].add(v), [(5, 3), (2, 3)],
        [((0, None), 0), ((None, 0), 0), ((1, -1), 1)]),
    Row("x.at[2].set", lambda x, v: a(x).at[2].set(v), [(5, 3), (3,)],
        [((0, None), 0), ((None, 0), 0), ((-1, 0), 0)]),
    # take / take_along_axis / put_along_axis
    Row("tnp.take", lambda x, i: tnp.take(x, i, axis=1), [X43, ints((2,), -3, 3)],
        [((0, 0), 0), ((None, 0), 0), ((0, None), 1), ((-1, -1), 0)]),
    Row("tnp.take-clip", lambda x, i: tnp.take(x, i, mode="clip"), [(5,), ints((3,), -3, 8)],
        [((0, 0), 0), ((None, 0), 0), ((0, None), 0)]),
    Row("tnp.take-wrap", lambda x, i: tnp.take(x, i, mode="wrap"), [(5,), ints((3,), -9, 9)],
        [((0, 0), 0), ((None, 0), 0)]),
    Row("tnp.take_along_axis", lambda x, i: tnp.take_along_axis(x, i, axis=1),
        [X43, ints((4, 2), -3, 3)],
        [((0, 0), 0), ((None, 0), 0), ((0, None), 0), ((1, -1), 1), ((-1, 1), 0)]),
    Row("tnp.put_along_axis",
        lambda x, i, v: tnp.put_along_axis(x, i, v, axis=0, inplace=False),
        [X43, perm(4, (1, 3)), (1, 3)],
        [((0, None, None), 0), ((None, 0, None), 0), ((None, None, 0), 0), ((1, 0, -1), 0)]),
    # lax dynamic slices with (batched) start indices, negative ones wrapped
    Row("lax.dynamic_slice", lambda x, i: lax.dynamic_slice(x, (i, 0), (2, 3)),
        [X43, ints((), -4, 4)], [((0, None), 0), ((None, 0), 0), ((1, 0), 1), ((-1, 0), 0)]),
    Row("lax.dynamic_update_slice",
        lambda x, u, i: lax.dynamic_update_slice(x, u, (i, 1)),
        [X43, (2, 2), ints((), -4, 4)],
        [((0, None, None), 0), ((None, 0, None), 0), ((None, None, 0), 0), ((0, 0, 0), 0),
         ((-1, None, 0), 1)]),
    Row("lax.dynamic_slice_in_dim", lambda x, i: lax.dynamic_slice_in_dim(x, i, 2, axis=1),
        [X43, ints((), 0, 3)], [((0, 0), 0), ((None, 0), -1)]),
    Row("lax.dynamic_index_in_dim",
        lambda x, i: lax.dynamic_index_in_dim(x, i, 0, keepdims=False),
        [X43, ints((), -4, 4)], [((0, 0), 0), ((None, 0), 0), ((1, None), 1)]),
    Row("lax.dynamic_update_index_in_dim",
        lambda x, u, i: lax.dynamic_update_index_in_dim(x, u, i, 0),
        [X43, (3,), ints((), 0, 4)],
        [((0, 0, 0), 0), ((None, 0, 0), 0), ((None, None, 0), 1), ((1, None, None), 0)]),
]


@pytest.mark.parametrize("row,in_axes,out_axes,size", cases(GATHER_ROWS))
def test_gather(row: Row, in_axes: tuple, out_axes: int, size: int) -> None:
    run_case(row, in_axes, out_axes, size, _OURS)


@pytest.mark.parametrize("row,in_axes,out_axes,size", cases(SCATTER_ROWS))
def test_scatter(row: Row, in_axes: tuple, out_axes: int, size: int) -> None:
    run_case(row, in_axes, out_axes, size, _OURS)


@pytest.mark.parametrize("row,in_axes,out_axes,size", cases(DYNAMIC_ROWS))
def test_dynamic_slices(row: Row, in_axes: tuple, out_axes: int, size: int) -> None:
    run_case(row, in_axes, out_axes, size, _OURS)


@pytest.mark.parametrize("row,in_axes,out_axes,size", cases(TNP_ROWS))
def test_indexing_function(row: Row, in_axes: tuple, out_axes: int, size: int) -> None:
    run_case(row, in_axes, out_axes, size, _OURS)


def test_every_indexing_primitive_has_a_rule_and_a_row() -> None:
    ids = {r.id.split("-")[0] for r in GATHER_ROWS + SCATTER_ROWS + DYNAMIC_ROWS}
    for p in INDEXING_PRIMS:
        assert p in batch_rules, p
        assert p.name in ids, p


# -- the batched graphs ------------------------------------------------------------------------

def _prims(f: Callable, args: list, in_axes: tuple, out_axes: int = 0) -> list[str]:
    g = make_graph(vmap(f, in_axes=in_axes, out_axes=out_axes))(*args).graph
    return [e.prim.name for e in g.eqns]


def _eqn(f: Callable, args: list, in_axes: tuple, name: str) -> Any:
    g = make_graph(vmap(f, in_axes=in_axes))(*args).graph
    (e,) = [e for e in g.eqns if e.prim.name == name]
    return e


def test_batched_indices_use_batching_dims() -> None:
    """x[i] with batched x and i: one gather pairing the two batch axes, no loop."""
    x, i = np.ones((3, 4, 5)), np.zeros((3, 2), np.int64)
    e = _eqn(lambda x, i: x[i], [x, i], (0, 0), "gather")
    dn = e.params["dimension_numbers"]
    assert dn.operand_batching_dims == (0,) and dn.start_indices_batching_dims == (0,)


def test_batched_operand_only_is_a_window() -> None:
    """A shared index array slices the batch axis whole: no broadcast of the indices."""
    x = np.ones((3, 4, 5))
    f = _gather(G_ROWS.__class__((1,), (0,), (0,)), (1, 5))
    names = _prims(f, [x, np.array([[1], [2]])], (0, None))
    assert names == ["gather"], names
    # the scatter twin: operand batched, indices and updates shared
    g = _scatter(lax.scatter_add, S_ROWS)
    names = _prims(g, [np.ones((3, 5, 2)), np.array([[1], [1]]), np.ones((2, 2))],
                   (0, None, None))
    assert names == ["broadcast_in_dim", "scatter_add"], names


def test_scatter_keeps_axes_in_place() -> None:
    """Operand, indices and updates batched where they already agree: nothing moves."""
    names = _prims(_scatter(lax.scatter_add, S_ROWS),
                   [np.ones((3, 5, 2)), np.zeros((3, 4, 1), np.int64), np.ones((3, 4, 2))],
                   (0, 0, 0))
    assert names == ["scatter_add"], names
    names = _prims(_scatter(lax.scatter_add, S_ROWS),
                   [np.ones((5, 2, 3)), np.zeros((4, 3, 1), np.int64), np.ones((4, 3, 2))],
                   (2, 1, 1), out_axes=2)
    assert names == ["scatter_add"], names


def test_dynamic_slice_with_shared_starts_stays_a_dynamic_slice() -> None:
    names = _prims(_ds, [np.ones((4, 3, 5)), np.int32(1), np.int32(2)], (1, None, None), 1)
    assert names == ["dynamic_slice"], names
    names = _prims(_dus, [np.ones((4, 5, 3)), np.ones((2, 3)), np.int32(1), np.int32(2)],
                   (-1, None, None, None), -1)
    assert names == ["broadcast_in_dim", "dynamic_update_slice"], names


def test_dynamic_slice_with_batched_starts_is_one_gather() -> None:
    x, i, j = np.ones((3, 4, 5)), np.arange(3, dtype=np.int32), np.int32(1)
    names = _prims(_ds, [x, i, j], (0, 0, None))
    assert names.count("gather") == 1 and "dynamic_slice" not in names, names
    assert _eqn(_ds, [x, i, j], (0, 0, None), "gather").params["mode"] == "clip"
    names = _prims(_dus, [np.ones((3, 4, 5)), np.ones((2, 3)), i, j], (0, None, 0, None))
    assert names.count("scatter") == 1 and "dynamic_update_slice" not in names, names


# -- compositions, against JAX ---------------------------------------------------------------

_X = np.random.default_rng(1).standard_normal((3, 5, 4))
_I = np.array([[0, 2], [4, 4], [1, 0]])
_J = np.array([[[0, 1, 2, 3]], [[4, 4, 0, 1]], [[2, 2, 2, 2]]])
_S = np.array([1, -2, 3])

COMPOSITIONS = [   # (name, graphjit function, the same in JAX, arguments)
    ("grad(vmap(x[idx]))",
     grad(lambda x: tnp.sum(vmap(lambda x, i: tnp.sin(x[i]) * 2)(x, _I) ** 2)),
     jax.grad(lambda x: jnp.sum(jax.vmap(lambda x, i: jnp.sin(x[i]) * 2)(x, _I) ** 2)),
     [_X]),
    ("grad(vmap(at.add))",
     grad(lambda x: tnp.sum(vmap(lambda x, i, u: a(x).at[i].add(u))(x, _I, x[:, :2] * 3)
                            ** 2)),
     jax.grad(lambda x: jnp.sum(jax.vmap(lambda x, i, u: x.at[i].add(u))(
         x, _I, x[:, :2] * 3) ** 2)), [_X]),
    ("grad(vmap(dynamic_slice))",
     grad(lambda x: tnp.sum(vmap(lambda x, s: lax.dynamic_slice(x, (s, 1), (2, 2)))(x, _S)
                            ** 3)),
     jax.grad(lambda x: jnp.sum(jax.vmap(
         lambda x, s: jax.lax.dynamic_slice(x, (s, 1), (2, 2)))(x, _S) ** 3)), [_X]),
    ("vmap(grad(take_along_axis))",
     vmap(grad(lambda x, i: tnp.sum(tnp.take_along_axis(x, i, axis=0) ** 2))),
     jax.vmap(jax.grad(lambda x, i: jnp.sum(jnp.take_along_axis(x, i, axis=0) ** 2))),
     [_X, _J]),
    ("vmap(vmap(x[i]))",
     vmap(vmap(lambda x, i: x[i], in_axes=(None, 0)), in_axes=(0, None)),
     jax.vmap(jax.vmap(lambda x, i: x[i], in_axes=(None, 0)), in_axes=(0, None)),
     [_X, _I]),
    ("vmap(vmap(pad))",
     vmap(vmap(lambda x, v: lax.pad(x, v, [(1, 0, 1)]), in_axes=(0, None))),
     jax.vmap(jax.vmap(lambda x, v: jax.lax.pad(x, v, [(1, 0, 1)]), in_axes=(0, None))),
     [_X, _S * 1.0]),
]


@pytest.mark.parametrize("name,f,fj,args", COMPOSITIONS, ids=[c[0] for c in COMPOSITIONS])
def test_compositions_match_jax(name: str, f: Callable, fj: Callable, args: list) -> None:
    np.testing.assert_allclose(np.asarray(f(*args)), np.asarray(fj(*args)), rtol=1e-12,
                               atol=1e-12, err_msg=name)
