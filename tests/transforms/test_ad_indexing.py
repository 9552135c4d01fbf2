"""Derivatives of the indexing and sorting primitives and of what is built on them.

Rules live in ``transforms/ad_rules/indexing.py``: ``dynamic_slice``,
``dynamic_update_slice``, ``gather``, ``scatter``/``scatter_add``/``scatter_mul``/
``scatter_min``/``scatter_max``, ``sort``, ``top_k``.  Table-driven: one row per
primitive (through ``tracer.lax``, including out-of-bounds modes, windows,
batching dims, duplicate indices) and per user-level function built on them
(``tnp`` integer-array and traced-scalar indexing, ``x.at[]``, ``take``,
``take_along_axis``, ``sort``), each checked with ``check_grads`` (order 2,
forward and reverse, every derivative graph typechecked); then cotangents
compared with ``jax.vjp`` and the conventions at duplicates and ties pinned down.
"""
from __future__ import annotations

import zlib
from typing import Any, Callable

import jax
import numpy as np
import pytest

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

import tracer.lax as lax  # noqa: E402
import tracer.numpy as tnp  # noqa: E402
from tests.transforms.gradcheck import check_grads  # noqa: E402
from tracer import make_graph, typecheck  # noqa: E402
from tracer import primitives as P  # noqa: E402
from transforms import grad, jvp, vjp  # noqa: E402
from transforms.jvp import jvp_rules  # noqa: E402
from transforms.vjp import vjp_rules  # noqa: E402

INDEXING = [P.dynamic_slice_p, P.dynamic_update_slice_p, P.gather_p, P.scatter_p,
            P.scatter_add_p, P.scatter_mul_p, P.scatter_min_p, P.scatter_max_p, P.sort_p,
            P.top_k_p]

GDN = lax.GatherDimensionNumbers
SDN = lax.ScatterDimensionNumbers


def _rng(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))


def normal(*shape: int) -> Callable[[np.random.Generator, Any], np.ndarray]:
    """Standard normal inputs (distinct values: no ties)."""
    return lambda rng, dt: rng.standard_normal(shape).astype(dt)


def spaced(*shape: int, shift: float = 0.0) -> Callable[[np.random.Generator, Any], np.ndarray]:
    """Distinct values on a grid of step 4/size (plus ``shift`` steps), a little noise:
    finite differences never cross a sort/max kink; ``shift=0.5`` interleaves two arrays."""
    n = int(np.prod(shape))
    return lambda rng, dt: ((rng.permutation(n).reshape(shape) + shift) * (4.0 / n) - 2.0
                            + rng.uniform(0, 0.2 / n, shape)).astype(dt)


def traced_int(x: Any, value: int, dtype: Any = np.int32) -> Any:
    """The integer ``value`` as a *traced* scalar (derived from ``x``, constant in it)."""
    zero = lax.convert_element_type(lax.mul(lax.stop_gradient(tnp.sum(x)), 0.0), dtype)
    return lax.add(zero, np.asarray(value, dtype))


def a(x: Any) -> Any:
    return tnp.asarray(x)


IDX_DUP = np.array([0, 2, 0, 3])          # duplicate row indices
IDX_OOB = np.array([[1], [7], [-2], [3]])  # out of bounds both ways (index vectors)

# -- lax-level rows --------------------------------------------------------------------------

_GATHER_ROWS = GDN(offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0,))
_GATHER_WIN = GDN(offset_dims=(1, 2), collapsed_slice_dims=(), start_index_map=(0, 1))
_GATHER_BATCH = GDN(offset_dims=(), collapsed_slice_dims=(1,), start_index_map=(1,),
                    operand_batching_dims=(0,), start_indices_batching_dims=(0,))
_SCATTER_ROWS = SDN(update_window_dims=(1,), inserted_window_dims=(0,),
                    scatter_dims_to_operand_dims=(0,))
_SCATTER_WIN = SDN(update_window_dims=(1, 2), inserted_window_dims=(),
                   scatter_dims_to_operand_dims=(0, 1))
_SCATTER_BATCH = SDN(update_window_dims=(), inserted_window_dims=(1,),
                     scatter_dims_to_operand_dims=(1,), operand_batching_dims=(0,),
                     scatter_indices_batching_dims=(0,))
_WIN_STARTS = np.array([[0, 1], [2, 2], [1, 0], [0, 1]])      # overlapping 2x3 windows
_BATCH_IDX = np.array([[[1], [3]], [[0], [0]], [[2], [1]]])     # (3 batch, 2, 1)


def _scatter(fn: Callable, idx: np.ndarray, dn: Any, **kw: Any) -> Callable:
    return lambda x, u: fn(x, idx, u, dn, **kw)


LAX_ROWS: list[tuple[str, Callable, list]] = [
    # dynamic_slice / dynamic_update_slice
    ("dynamic_slice", lambda x: lax.dynamic_slice(x, (1, 2), (2, 3)), [normal(4, 6)]),
    ("dynamic_slice_traced", lambda x: lax.dynamic_slice(x, (traced_int(x, 2),
                                                             traced_int(x, 1)), (2, 3)),
     [normal(4, 6)]),
    ("dynamic_slice_clamped", lambda x: lax.dynamic_slice(x, (traced_int(x, 9),
                                                              traced_int(x, -9)), (3, 2)),
     [normal(4, 6)]),
    ("dynamic_slice_in_dim", lambda x: lax.dynamic_slice_in_dim(x, traced_int(x, 1), 2, 1),
     [normal(3, 5)]),
    ("dynamic_index_in_dim", lambda x: lax.dynamic_index_in_dim(x, traced_int(x, -1), 0,
                                                                keepdims=False),
     [normal(3, 5)]),
    ("dynamic_update_slice", lambda x, u: lax.dynamic_update_slice(x, u, (1, 3)),
     [normal(4, 6), normal(2, 2)]),
    ("dynamic_update_slice_traced_clamped",
     lambda x, u: lax.dynamic_update_slice(x, u, (traced_int(x, 5), traced_int(x, 1))),
     [normal(4, 6), normal(2, 3)]),
    ("dynamic_update_index_in_dim",
     lambda x, u: lax.dynamic_update_index_in_dim(x, u, traced_int(x, 2), 0),
     [normal(4, 3), normal(3)]),
    # gather
    ("gather_rows", lambda x: lax.gather(x, IDX_DUP[:, None], _GATHER_ROWS, (1, 5)),
     [normal(4, 5)]),
    ("gather_windows", lambda x: lax.gather(x, _WIN_STARTS, _GATHER_WIN, (2, 3)),
     [normal(4, 5)]),
    ("gather_clip_oob", lambda x: lax.gather(x, IDX_OOB, _GATHER_ROWS, (1, 5), mode="clip"),
     [normal(4, 5)]),
    ("gather_fill_oob", lambda x: lax.gather(x, IDX_OOB, _GATHER_ROWS, (1, 5), mode="fill",
                                             fill_value=0.5), [normal(4, 5)]),
    ("gather_batching", lambda x: lax.gather(x, _BATCH_IDX, _GATHER_BATCH, (1, 1)),
     [normal(3, 4)]),
    # scatter_add
    ("scatter_add_dup", _scatter(lax.scatter_add, IDX_DUP[:, None], _SCATTER_ROWS),
     [normal(4, 5), normal(4, 5)]),
    ("scatter_add_windows", _scatter(lax.scatter_add, _WIN_STARTS, _SCATTER_WIN),
     [normal(4, 5), normal(4, 2, 3)]),
    ("scatter_add_fill_oob", _scatter(lax.scatter_add, IDX_OOB, _SCATTER_ROWS, mode="fill"),
     [normal(4, 5), normal(4, 5)]),
    ("scatter_add_clip_oob", _scatter(lax.scatter_add, IDX_OOB, _SCATTER_ROWS, mode="clip"),
     [normal(4, 5), normal(4, 5)]),
    ("scatter_add_batching", _scatter(lax.scatter_add, _BATCH_IDX, _SCATTER_BATCH),
     [normal(3, 4), normal(3, 2)]),
    # scatter (overwrite)
    ("scatter_dup", _scatter(lax.scatter, IDX_DUP[:, None], _SCATTER_ROWS),
     [normal(4, 5), normal(4, 5)]),
    ("scatter_unique", _scatter(lax.scatter, np.array([[3], [0]]), _SCATTER_ROWS,
                                unique_indices=True), [normal(4, 5), normal(2, 5)]),
    ("scatter_windows", _scatter(lax.scatter, _WIN_STARTS, _SCATTER_WIN),
     [normal(4, 5), normal(4, 2, 3)]),
    ("scatter_fill_oob", _scatter(lax.scatter, IDX_OOB, _SCATTER_ROWS, mode="fill"),
     [normal(4, 5), normal(4, 5)]),
    ("scatter_clip_oob", _scatter(lax.scatter, IDX_OOB, _SCATTER_ROWS, mode="clip"),
     [normal(4, 5), normal(4, 5)]),
    # scatter_mul
    ("scatter_mul_dup", _scatter(lax.scatter_mul, IDX_DUP[:, None], _SCATTER_ROWS),
     [normal(4, 5), normal(4, 5)]),
    ("scatter_mul_unique", _scatter(lax.scatter_mul, np.array([[3], [0]]), _SCATTER_ROWS,
                                    unique_indices=True), [normal(4, 5), normal(2, 5)]),
    ("scatter_mul_windows", _scatter(lax.scatter_mul, _WIN_STARTS, _SCATTER_WIN),
     [normal(4, 5), normal(4, 2, 3)]),
    ("scatter_mul_zero_update",
     lambda x, u: lax.scatter_mul(x, IDX_DUP[:, None], u * np.array([[1.0], [1], [0], [1]]),
                                  _SCATTER_ROWS), [normal(4, 5), normal(4, 5)]),
    # scatter_min / scatter_max
    ("scatter_max_dup", _scatter(lax.scatter_max, IDX_DUP[:, None], _SCATTER_ROWS),
     [spaced(4, 5), spaced(4, 5, shift=0.5)]),
    ("scatter_min_dup", _scatter(lax.scatter_min, IDX_DUP[:, None], _SCATTER_ROWS),
     [spaced(4, 5), spaced(4, 5, shift=0.5)]),
    ("scatter_max_windows", _scatter(lax.scatter_max, _WIN_STARTS, _SCATTER_WIN),
     [spaced(4, 5), spaced(4, 2, 3, shift=0.5)]),
    ("scatter_min_fill_oob", _scatter(lax.scatter_min, IDX_OOB, _SCATTER_ROWS, mode="fill"),
     [spaced(4, 5), spaced(4, 5, shift=0.5)]),
    # sort / top_k
    ("sort", lambda x: lax.sort(x), [spaced(3, 6)]),
    ("sort_axis0", lambda x: lax.sort(x, dimension=0), [spaced(5, 3)]),
    ("sort_key_val", lambda k, v: lax.sort_key_val(k, v), [spaced(3, 6), normal(3, 6)]),
    ("sort_num_keys2", lambda k1, k2, v: lax.sort((lax.floor(k1), k2, v), num_keys=2),
     [lambda rng, dt: (rng.integers(0, 3, (4, 6)) + 0.5).astype(dt), normal(4, 6),
      normal(4, 6)]),
    ("top_k", lambda x: lax.top_k(x, 3)[0], [spaced(3, 7)]),
    ("top_k_axis0", lambda x: lax.top_k(x, 2, axis=0)[0], [spaced(5, 3)]),
]

# -- user-level rows (tracer.numpy) ---------------------------------------------------------

TNP_ROWS: list[tuple[str, Callable, list]] = [
    ("getitem_int_array", lambda x: a(x)[IDX_DUP], [normal(4, 3)]),
    ("getitem_int_array_axis1", lambda x: a(x)[:, np.array([2, 0, 2])], [normal(3, 4)]),
    ("getitem_two_arrays", lambda x: a(x)[np.array([0, 2, 2]), np.array([1, 3, 0])],
     [normal(3, 4)]),
    ("getitem_negative", lambda x: a(x)[np.array([-1, 0, -3])], [normal(4, 2)]),
    ("getitem_traced_scalar", lambda x: a(x)[traced_int(x, 2)], [normal(4, 3)]),
    ("getitem_traced_scalar_and_slice", lambda x: a(x)[traced_int(x, 1), 1:3],
     [normal(3, 4)]),
    ("getitem_traced_array", lambda x: a(x)[lax.add(traced_int(x, 0), IDX_DUP.astype(np.int32))],
     [normal(4, 3)]),
    ("at_set", lambda x, u: a(x).at[IDX_DUP].set(u), [normal(4, 3), normal(4, 3)]),
    ("at_set_slice", lambda x, u: a(x).at[1:3].set(u), [normal(4, 3), normal(2, 3)]),
    ("at_set_traced", lambda x, u: a(x).at[traced_int(x, 2)].set(u), [normal(4, 3),
                                                                      normal(3)]),
    ("at_add", lambda x, u: a(x).at[IDX_DUP].add(u), [normal(4, 3), normal(4, 3)]),
    ("at_add_2d", lambda x, u: a(x).at[np.array([0, 1, 0]), np.array([2, 2, 2])].add(u),
     [normal(3, 4), normal(3)]),
    ("at_add_traced", lambda x, u: a(x).at[traced_int(x, 1), 2].add(u), [normal(3, 4),
                                                                         normal()]),
    ("at_multiply", lambda x, u: a(x).at[IDX_DUP].multiply(u), [normal(4, 3), normal(4, 3)]),
    ("at_min", lambda x, u: a(x).at[IDX_DUP].min(u), [spaced(4, 3), spaced(4, 3, shift=0.5)]),
    ("at_max", lambda x, u: a(x).at[IDX_DUP].max(u), [spaced(4, 3), spaced(4, 3, shift=0.5)]),
    ("at_max_scalar_update", lambda x: a(x).at[np.array([1, 3])].max(0.1), [normal(4)]),
    ("take", lambda x: tnp.take(x, np.array([3, 0, 3, 1])), [normal(2, 3)]),
    ("take_axis", lambda x: tnp.take(x, np.array([[2, 0], [2, 1]]), axis=1),
     [normal(3, 4)]),
    ("take_clip", lambda x: tnp.take(x, np.array([5, -7, 1]), axis=0, mode="clip"),
     [normal(4, 2)]),
    ("take_wrap", lambda x: tnp.take(x, np.array([5, -7, 1]), axis=0, mode="wrap"),
     [normal(4, 2)]),
    ("take_along_axis", lambda x: tnp.take_along_axis(x, np.array([[0, 2], [1, 1], [3, 0]]),
                                                      axis=1), [normal(3, 4)]),
    ("take_along_axis_argsort", lambda x: tnp.take_along_axis(x, tnp.argsort(x, axis=0),
                                                              axis=0), [spaced(4, 3)]),
    ("tnp_sort", lambda x: tnp.sort(x), [spaced(3, 5)]),
    ("tnp_sort_axis0", lambda x: tnp.sort(x, axis=0), [spaced(5, 2)]),
    ("tnp_sort_flat", lambda x: tnp.sort(x, axis=None), [spaced(3, 4)]),
    ("tnp_sort_then_reduce", lambda x: tnp.sum(tnp.sort(x)[..., :2] ** 2), [spaced(4, 5)]),
]

ROWS = LAX_ROWS + TNP_ROWS
F32_ROWS = ["dynamic_slice_traced", "dynamic_update_slice", "gather_windows",
            "scatter_add_dup", "scatter_dup", "scatter_mul_dup", "scatter_max_dup", "sort",
            "top_k", "getitem_int_array", "at_set", "at_max", "take_along_axis", "tnp_sort"]


def _args(name: str, makers: list, dtype: Any) -> list[np.ndarray]:
    rng = _rng(name)
    return [np.asarray(m(rng, dtype)) for m in makers]


@pytest.mark.parametrize("name,fn,makers", ROWS, ids=[r[0] for r in ROWS])
def test_grads_float64(name: str, fn: Callable, makers: list) -> None:
    check_grads(fn, _args(name, makers, np.float64), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name", F32_ROWS)
def test_grads_float32(name: str) -> None:
    _, fn, makers = next(r for r in ROWS if r[0] == name)
    check_grads(fn, _args(name, makers, np.float32), order=2, modes=("fwd", "rev"),
                rtol=5e-2, atol=5e-2)


def test_rules_registered_in_both_tables() -> None:
    for p in INDEXING:
        assert p in jvp_rules, p
        assert p in vjp_rules, p


# -- against JAX -------------------------------------------------------------------------------

_JGDN = jax.lax.GatherDimensionNumbers
_JSDN = jax.lax.ScatterDimensionNumbers

JAX_ROWS: list[tuple[str, Callable, Callable, list]] = [
    ("dynamic_slice", lambda x: lax.dynamic_slice(x, (3, 1), (2, 3)),
     lambda x: jax.lax.dynamic_slice(x, (3, 1), (2, 3)), [normal(4, 6)]),
    ("dynamic_update_slice", lambda x, u: lax.dynamic_update_slice(x, u, (3, 1)),
     lambda x, u: jax.lax.dynamic_update_slice(x, u, (3, 1)), [normal(4, 6), normal(2, 3)]),
    ("gather_windows", lambda x: lax.gather(x, _WIN_STARTS, _GATHER_WIN, (2, 3)),
     lambda x: jax.lax.gather(x, _WIN_STARTS, _JGDN((1, 2), (), (0, 1)), (2, 3),
                              mode="promise_in_bounds"), [normal(4, 5)]),
    ("gather_clip", lambda x: lax.gather(x, IDX_OOB, _GATHER_ROWS, (1, 5), mode="clip"),
     lambda x: jax.lax.gather(x, IDX_OOB, _JGDN((1,), (0,), (0,)), (1, 5), mode="clip"),
     [normal(4, 5)]),
    ("gather_fill", lambda x: lax.gather(x, IDX_OOB, _GATHER_ROWS, (1, 5), mode="fill"),
     lambda x: jax.lax.gather(x, IDX_OOB, _JGDN((1,), (0,), (0,)), (1, 5), mode="fill"),
     [normal(4, 5)]),
    ("scatter_add_windows", _scatter(lax.scatter_add, _WIN_STARTS, _SCATTER_WIN),
     lambda x, u: jax.lax.scatter_add(x, _WIN_STARTS, u, _JSDN((1, 2), (), (0, 1))),
     [normal(4, 5), normal(4, 2, 3)]),
    ("scatter_add_fill", _scatter(lax.scatter_add, IDX_OOB, _SCATTER_ROWS, mode="fill"),
     lambda x, u: jax.lax.scatter_add(x, IDX_OOB, u, _JSDN((1,), (0,), (0,)), mode="fill"),
     [normal(4, 5), normal(4, 5)]),
    ("scatter_add_clip", _scatter(lax.scatter_add, IDX_OOB, _SCATTER_ROWS, mode="clip"),
     lambda x, u: jax.lax.scatter_add(x, IDX_OOB, u, _JSDN((1,), (0,), (0,)), mode="clip"),
     [normal(4, 5), normal(4, 5)]),
    ("scatter_unique", _scatter(lax.scatter, np.array([[3], [0]]), _SCATTER_ROWS,
                                unique_indices=True),
     lambda x, u: jax.lax.scatter(x, np.array([[3], [0]]), u, _JSDN((1,), (0,), (0,)),
                                  unique_indices=True), [normal(4, 5), normal(2, 5)]),
    ("scatter_mul_unique", _scatter(lax.scatter_mul, np.array([[3], [0]]), _SCATTER_ROWS,
                                    unique_indices=True),
     lambda x, u: jax.lax.scatter_mul(x, np.array([[3], [0]]), u, _JSDN((1,), (0,), (0,)),
                                      unique_indices=True), [normal(4, 5), normal(2, 5)]),
    ("getitem_int_array", lambda x: a(x)[IDX_DUP], lambda x: jnp.asarray(x)[IDX_DUP],
     [normal(4, 3)]),
    ("getitem_two_arrays", lambda x: a(x)[np.array([0, 2, 2]), np.array([1, 3, 0])],
     lambda x: jnp.asarray(x)[np.array([0, 2, 2]), np.array([1, 3, 0])], [normal(3, 4)]),
    ("at_set", lambda x, u: a(x).at[np.array([2, 0])].set(u),
     lambda x, u: jnp.asarray(x).at[np.array([2, 0])].set(u), [normal(4, 3), normal(2, 3)]),
    ("at_add", lambda x, u: a(x).at[IDX_DUP].add(u),
     lambda x, u: jnp.asarray(x).at[IDX_DUP].add(u), [normal(4, 3), normal(4, 3)]),
    ("at_min", lambda x, u: a(x).at[IDX_DUP].min(u),
     lambda x, u: jnp.asarray(x).at[IDX_DUP].min(u), [normal(4, 3), normal(4, 3)]),
    ("at_max", lambda x, u: a(x).at[IDX_DUP].max(u),
     lambda x, u: jnp.asarray(x).at[IDX_DUP].max(u), [normal(4, 3), normal(4, 3)]),
    ("take_along_axis", lambda x: tnp.take_along_axis(x, np.array([[0, 2], [1, 1]]), axis=1),
     lambda x: jnp.take_along_axis(x, np.array([[0, 2], [1, 1]]), axis=1), [normal(2, 4)]),
    ("sort", lambda x: tnp.sort(x, axis=0), lambda x: jnp.sort(x, axis=0), [normal(5, 3)]),
    ("sort_key_val", lambda k, v: lax.sort_key_val(k, v), lambda k, v: jax.lax.sort_key_val(k, v),
     [normal(3, 6), normal(3, 6)]),
    ("top_k", lambda x: lax.top_k(x, 3)[0], lambda x: jax.lax.top_k(x, 3)[0], [normal(3, 7)]),
]


def _compare_vjp(name: str, f: Callable, fj: Callable, args: list[np.ndarray]) -> None:
    rng = _rng(name + "/ct")
    out, pullback = vjp(f, *args)
    out_j, pullback_j = jax.vjp(fj, *args)
    for o, oj in zip(jax.tree_util.tree_leaves(out), jax.tree_util.tree_leaves(out_j)):
        np.testing.assert_allclose(np.asarray(o), np.asarray(oj), rtol=1e-12, atol=1e-12)
    ct = jax.tree_util.tree_map(lambda o: rng.standard_normal(np.shape(o)), out_j)
    ours = pullback(jax.tree_util.tree_map(np.asarray, ct))
    theirs = pullback_j(ct)
    for g, gj in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(g), np.asarray(gj), rtol=1e-12, atol=1e-12)
    ts = [rng.standard_normal(np.shape(x)) for x in args]
    _, t_out = jvp(f, tuple(args), tuple(ts))
    _, t_out_j = jax.jvp(fj, tuple(args), tuple(ts))
    for t, tj in zip(jax.tree_util.tree_leaves(t_out), jax.tree_util.tree_leaves(t_out_j)):
        np.testing.assert_allclose(np.asarray(t), np.asarray(tj), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name,f,fj,makers", JAX_ROWS, ids=[r[0] for r in JAX_ROWS])
def test_against_jax(name: str, f: Callable, fj: Callable, makers: list) -> None:
    _compare_vjp(name, f, fj, _args(name, makers, np.float64))


def test_grad_against_jax_traced_index() -> None:
    x = _rng("traced").standard_normal((5, 3))

    def f(x: Any) -> Any:
        return tnp.sum(tnp.sin(a(x)[traced_int(x, 3)]) * a(x)[traced_int(x, -1), 0])

    def fj(x: Any) -> Any:
        return jnp.sum(jnp.sin(x[3]) * x[-1, 0])
    np.testing.assert_allclose(np.asarray(grad(f)(x)), np.asarray(jax.grad(fj)(x)),
                               rtol=1e-12)


# -- conventions: duplicates, ties, out of bounds ---------------------------------------------

def test_scatter_duplicates_last_wins_like_the_primal() -> None:
    """With duplicate indices only the update that won gets a cotangent (NumPy: last)."""
    x, u = np.zeros((3,)), np.array([1.0, 2.0, 3.0])
    f = lambda x, u: lax.scatter(x, np.array([[1], [1], [2]]), u,  # noqa: E731
                                 SDN((), (0,), (0,)))
    out, pullback = vjp(f, x, u)
    np.testing.assert_array_equal(np.asarray(out), [0.0, 2.0, 3.0])
    gx, gu = pullback(np.array([10.0, 20.0, 30.0]))
    np.testing.assert_array_equal(np.asarray(gx), [10.0, 0.0, 0.0])
    np.testing.assert_array_equal(np.asarray(gu), [0.0, 20.0, 30.0])
    _, t = jvp(f, (x, u), (np.ones(3), np.array([1.0, 2.0, 3.0])))
    np.testing.assert_array_equal(np.asarray(t), [1.0, 2.0, 3.0])


@pytest.mark.parametrize("op", ["max", "min"])
def test_scatter_extremal_ties_average_like_jax(op: str) -> None:
    """Tied contenders (operand and updates) share the derivative equally, as in JAX."""
    x = np.array([1.0, 5.0, 2.0])
    u = np.array([1.0, 1.0, 7.0, 2.0]) if op == "max" else np.array([1.0, 1.0, -7.0, 2.0])
    idx = np.array([0, 0, 1, 2])

    def f(x: Any, u: Any) -> Any:
        return getattr(a(x).at[idx], op)(u) * np.array([1.0, 2.0, 3.0])

    def fj(x: Any, u: Any) -> Any:
        return getattr(jnp.asarray(x).at[idx], op)(u) * np.array([1.0, 2.0, 3.0])
    g = grad(lambda x, u: tnp.sum(f(x, u)), argnums=(0, 1))(x, u)
    gj = jax.grad(lambda x, u: jnp.sum(fj(x, u)), argnums=(0, 1))(x, u)
    for r, rj in zip(g, gj):
        np.testing.assert_allclose(np.asarray(r), np.asarray(rj), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(g[1]), [1 / 3, 1 / 3, 2.0, 1.5])


def test_scatter_mul_duplicates_product_of_others() -> None:
    """d/du_j of x * prod u is x * prod of the other updates, zeros included."""
    x, u = np.array([2.0, 3.0]), np.array([0.0, 5.0, 4.0, 0.0])
    f = lambda x, u: tnp.sum(a(x).at[np.array([0, 0, 0, 1])].multiply(u))  # noqa: E731
    gx, gu = grad(f, argnums=(0, 1))(x, u)
    np.testing.assert_allclose(np.asarray(gx), [0.0, 0.0])
    np.testing.assert_allclose(np.asarray(gu), [2.0 * 20.0, 0.0, 0.0, 3.0])


def test_gather_clip_scatters_to_clamped_positions() -> None:
    x = np.arange(4.0)
    f = lambda x: lax.gather(x, np.array([[-3], [9], [1]]), GDN((), (0,), (0,)), (1,),  # noqa
                             mode="clip")
    out, pullback = vjp(f, x)
    np.testing.assert_array_equal(np.asarray(out), [0.0, 3.0, 1.0])
    np.testing.assert_array_equal(np.asarray(pullback(np.array([1.0, 2.0, 4.0]))[0]),
                                  [1.0, 4.0, 0.0, 2.0])


def test_gather_fill_drops_out_of_bounds() -> None:
    x = np.arange(4.0)
    f = lambda x: lax.gather(x, np.array([[-3], [9], [1]]), GDN((), (0,), (0,)), (1,),  # noqa
                             mode="fill", fill_value=-1.0)
    out, pullback = vjp(f, x)
    np.testing.assert_array_equal(np.asarray(out), [-1.0, -1.0, 1.0])
    np.testing.assert_array_equal(np.asarray(pullback(np.array([1.0, 2.0, 4.0]))[0]),
                                  [0.0, 4.0, 0.0, 0.0])
    _, t = jvp(f, (x,), (np.ones(4),))
    np.testing.assert_array_equal(np.asarray(t), [0.0, 0.0, 1.0])


def test_sort_ties_follow_the_stable_permutation() -> None:
    x = np.array([2.0, 1.0, 2.0, 0.0])
    _, pullback = vjp(lambda x: lax.sort(x), x)
    np.testing.assert_array_equal(np.asarray(pullback(np.array([1.0, 2.0, 3.0, 4.0]))[0]),
                                  [3.0, 2.0, 4.0, 1.0])


def test_integer_index_gets_float0_cotangent() -> None:
    x, i = np.arange(5.0), np.int32(2)
    _, pullback = vjp(lambda x, i: lax.dynamic_slice(x, (i,), (2,)), x, i)
    gx, gi = pullback(np.ones(2))
    np.testing.assert_array_equal(np.asarray(gx), [0.0, 0.0, 1.0, 1.0, 0.0])
    assert gi.dtype == jax.dtypes.float0


def test_backward_graph_records_and_typechecks() -> None:
    """Under make_graph the reverse pass is recorded: scatter/gather equations, typechecked."""
    def f(x: Any, u: Any) -> Any:
        y = a(x).at[IDX_DUP].max(u)
        return tnp.sum(tnp.sort(y, axis=0)[1:] * a(x)[np.array([1, 1])][0])

    g = make_graph(grad(f, argnums=(0, 1)))(np.ones((4, 3)), np.ones((4, 3)))
    typecheck(g)
    names = {e.prim.name for e in g.graph.eqns}
    assert {"scatter_add", "gather", "sort"} <= names, names
