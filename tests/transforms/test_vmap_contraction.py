"""vmap of contractions, convolutions, window reductions and sorts.

Rules live in ``transforms/vmap_rules/contraction.py``: ``dot_general``,
``conv_general_dilated``, ``reduce_window_sum``/``max``/``min``, ``sort`` and
``top_k``.  Table-driven: one row per primitive configuration and per
user-level function built on it (``matmul``, ``dot``, ``einsum``,
``tensordot``, ``inner``, ``outer``, ``vdot``, ``lax.conv_general_dilated`` in
NCHW/NHWC with strides, padding, dilations and groups, max/avg pooling,
``sort``/``argsort``/``lexsort``/``searchsorted``, ``lax.top_k``,
``linalg.norm``, small ``tracer.nn`` models).  Each row lists ``in_axes``
combinations (unbatched operands, negative axes, operands batched on different
axes); each combination runs with a batch of 3 and out_axes cycling through
0, -1, 1, and the first one also with a batch of 1.  ``check_vmap`` compares
with a Python loop, eagerly and through the typechecked graph.  Equation
counts of the batched graphs pin down that no rule adds needless moves.

User-level rows also need other families' rules (transpose, reshape,
reduce_sum, elementwise ...); a row meeting one that is not registered yet is
skipped naming it, while a missing rule of this family fails.
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import pytest

import tracer.lax as lax
import tracer.nn as nn
import tracer.numpy as tnp
from tests.transforms.vmapcheck import batched_eqn_count, check_vmap
from tracer import primitives as P
from tracer.errors import MissingRuleError
from transforms import vmap

MINE = {p.name for p in (P.dot_general_p, P.conv_general_dilated_p, P.reduce_window_sum_p,
                         P.reduce_window_max_p, P.reduce_window_min_p, P.sort_p, P.top_k_p)}


# -- inputs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Arg:
    """An operand: its per-example shape and how to fill it."""

    shape: tuple[int, ...]
    kind: str = "normal"   # normal | int (small ints: ties) | sorted (1-D, ascending)
    dtype: Any = np.float64


def A(*shape: int, kind: str = "normal", dtype: Any = np.float64) -> Arg:
    return Arg(tuple(shape), kind, dtype)


def _make(rng: np.random.Generator, arg: Arg, axis: int | None, n: int) -> np.ndarray:
    """The operand with a batch axis of size ``n`` inserted at ``axis`` (None: unbatched)."""
    shape = list(arg.shape)
    if axis is not None:
        axis = axis % (len(shape) + 1)
        shape.insert(axis, n)
    if arg.kind == "int":
        return rng.integers(-3, 4, size=shape).astype(arg.dtype)
    x = rng.standard_normal(shape).astype(arg.dtype)
    if arg.kind == "sorted":   # 1-D per example: sort along the other axis
        x = np.sort(np.round(x, 1), axis=0 if axis is None else 1 - axis)
    return x


@dataclass(frozen=True)
class Row:
    name: str
    fn: Callable[..., Any]
    args: tuple[Arg, ...]
    in_axes: tuple[tuple[int | None, ...], ...]
    tol: float | None = None


def R(name: str, fn: Callable[..., Any], args: Sequence[Arg],
      in_axes: Sequence[Sequence[int | None]], tol: float | None = None) -> Row:
    return Row(name, fn, tuple(args), tuple(tuple(a) for a in in_axes), tol)


# -- contractions ---------------------------------------------------------------------


def _dg(dn: Any) -> Callable[[Any, Any], Any]:
    return lambda x, y: lax.dot_general(x, y, dn)


MM = (((1,), (0,)), ((), ()))
BMM = (((2,), (1,)), ((0,), (0,)))
ODD = (((0, 2), (2, 1)), ((1,), (0,)))          # unordered contracting dims, a batch dim
PAIRS = [(0, None), (None, 0), (1, 0), (0, 1), (-1, 2), (2, None), (None, -1)]

CONTRACTION_ROWS = [
    R("dot_general mm", _dg(MM), [A(4, 5), A(5, 2)], [(0, None), (None, 0), (1, 0), (-1, -1),
                                                       (2, None), (None, 2), (0, 1)]),
    R("dot_general bmm", _dg(BMM), [A(2, 4, 5), A(2, 5, 3)], PAIRS + [(3, 3)]),
    R("dot_general odd", _dg(ODD), [A(3, 2, 4), A(2, 4, 3, 5)], [(0, None), (None, 4),
                                                                  (-1, 2), (1, 0), (2, -1)]),
    R("dot_general int", _dg(MM), [A(3, 4, kind="int", dtype=np.int32),
                                   A(4, 2, kind="int", dtype=np.int32)], [(0, 1), (None, 1)]),
    R("dot_general outer", _dg((((), ()), ((), ()))), [A(3), A(2)], [(0, None), (None, 1), (1, 0)]),
    R("dot_general vector", _dg((((0,), (0,)), ((), ()))), [A(4), A(4)],
      [(0, None), (None, 1), (1, 0)]),
    R("lax.dot", lax.dot, [A(3, 4), A(4)], [(0, None), (None, 0), (2, 1)]),
    R("matmul", tnp.matmul, [A(4, 5), A(5, 3)], [(0, None), (None, 1), (1, 0), (2, -1)]),
    R("matmul batched", tnp.matmul, [A(2, 4, 5), A(2, 5, 3)], [(0, 0), (3, None), (None, 1),
                                                              (-1, 2)]),
    R("matmul broadcast", tnp.matmul, [A(2, 4, 5), A(5, 3)], [(1, 0), (None, 2), (0, None)]),
    R("matmul vector", tnp.matmul, [A(5), A(5, 3)], [(0, None), (None, -1), (1, 0)]),
    R("@ operator", lambda x, y: x @ y, [A(3, 4), A(4, 2)], [(0, 1), (None, 0)]),
    R("dot", tnp.dot, [A(3, 4), A(4, 2)], [(0, None), (None, 2), (1, 0)]),
    R("dot nd", tnp.dot, [A(2, 3, 4), A(5, 4, 2)], [(0, None), (None, 1), (-1, 3)]),
    R("dot vector", tnp.dot, [A(4), A(4)], [(0, None), (1, 0)]),
    R("einsum ij,jk->ik", lambda x, y: tnp.einsum("ij,jk->ik", x, y), [A(3, 4), A(4, 2)],
      [(0, None), (None, 1), (1, 0), (2, -1)]),
    R("einsum bij,bjk->bik", lambda x, y: tnp.einsum("bij,bjk->bik", x, y),
      [A(2, 3, 4), A(2, 4, 3)], [(0, 0), (1, None), (None, 3), (-1, 2)]),
    R("einsum ij,ij->", lambda x, y: tnp.einsum("ij,ij->", x, y), [A(3, 4), A(3, 4)],
      [(0, 1), (None, -1)]),
    R("einsum i,j->ji", lambda x, y: tnp.einsum("i,j->ji", x, y), [A(3), A(4)],
      [(0, None), (None, 1), (1, 0)]),
    R("einsum ijk,kj->i", lambda x, y: tnp.einsum("ijk,kj->i", x, y), [A(2, 3, 4), A(4, 3)],
      [(0, None), (3, 1), (None, 0)]),
    R("einsum ...ij,...jk", lambda x, y: tnp.einsum("...ij,...jk", x, y),
      [A(2, 3, 4), A(2, 4, 2)], [(0, 1), (None, 0)]),
    R("einsum three", lambda x, y, z: tnp.einsum("ij,jk,kl->il", x, y, z),
      [A(2, 3), A(3, 4), A(4, 2)], [(0, None, 1), (None, 0, None), (1, 2, 0)]),
    R("tensordot axes=2", lambda x, y: tnp.tensordot(x, y), [A(2, 3, 4), A(3, 4, 2)],
      [(0, None), (None, 2), (-1, 0)]),
    R("tensordot pairs", lambda x, y: tnp.tensordot(x, y, axes=([0, 2], [2, 0])),
      [A(2, 3, 4), A(4, 5, 2)], [(1, None), (None, 0), (0, 3)]),
    R("inner", tnp.inner, [A(3, 4), A(2, 4)], [(0, None), (None, 1), (1, 2)]),
    R("outer", tnp.outer, [A(3), A(4)], [(0, None), (None, 1), (1, 0)]),
    R("vdot", tnp.vdot, [A(3, 2), A(6)], [(0, None), (None, 0), (2, 1)]),
    R("linalg.norm", tnp.linalg.norm, [A(3, 4)], [(0,), (1,), (-1,)]),
    R("linalg.norm vector ord=1", lambda x: tnp.linalg.norm(x, ord=1, axis=-1), [A(3, 4)],
      [(0,), (2,)]),
    R("linalg.norm fro", lambda x: tnp.linalg.norm(x, ord="fro", axis=(0, 1)), [A(2, 3)],
      [(0,), (2,)]),
]


# -- convolutions and windows ---------------------------------------------------------------


def _conv(**kw: Any) -> Callable[[Any, Any], Any]:
    return lambda x, w: lax.conv_general_dilated(x, w, **kw)


def _window(op: str, **kw: Any) -> Callable[[Any], Any]:
    init = {"max": -np.inf, "min": np.inf, "add": 0.0}[op]
    return lambda x: lax.reduce_window(x, init, getattr(lax, op), **kw)


NHWC = ("NHWC", "HWIO", "NHWC")
CONV_AXES = [(0, None), (None, 0), (0, 0), (2, -1), (-1, 2), (None, 4), (3, None)]

CONV_ROWS = [
    R("conv NCHW", _conv(window_strides=(1, 1), padding="VALID"),
      [A(2, 3, 5, 4), A(4, 3, 2, 2)], CONV_AXES),
    R("conv NCHW strided SAME", _conv(window_strides=(2, 1), padding="SAME"),
      [A(2, 2, 5, 5), A(3, 2, 3, 2)], [(0, None), (None, 1), (1, 3)]),
    R("conv NHWC", _conv(window_strides=(1, 2), padding=((1, 0), (0, 1)),
                         dimension_numbers=NHWC),
      [A(2, 5, 4, 3), A(2, 2, 3, 4)], CONV_AXES),
    R("conv dilations", _conv(window_strides=(1, 1), padding=((1, 1), (0, 0)),
                              lhs_dilation=(2, 1), rhs_dilation=(1, 2)),
      [A(1, 2, 3, 5), A(2, 2, 2, 2)], [(0, None), (None, 2), (4, 0)]),
    R("conv feature groups", _conv(window_strides=(1, 1), padding="SAME",
                                   feature_group_count=2),
      [A(2, 4, 4, 3), A(6, 2, 2, 2)], CONV_AXES),
    R("conv feature groups NHWC", _conv(window_strides=(1, 1), padding="VALID",
                                        dimension_numbers=NHWC, feature_group_count=3),
      [A(1, 4, 4, 3), A(2, 2, 1, 6)], [(0, None), (None, -1), (4, 1)]),
    R("conv batch groups", _conv(window_strides=(1, 1), padding="VALID",
                                 batch_group_count=2),
      [A(4, 3, 4, 4), A(6, 3, 2, 2)], CONV_AXES),
    R("conv 1-D", _conv(window_strides=(2,), padding="SAME"), [A(2, 3, 7), A(2, 3, 3)],
      [(0, None), (None, 3), (3, 1)]),
    R("lax.conv", lambda x, w: lax.conv(x, w, (1, 1), "SAME"),
      [A(2, 1, 4, 4), A(2, 1, 3, 3)], [(0, None), (None, 0), (1, 2)]),
    R("reduce_window max", _window("max", window_dimensions=(2, 3), window_strides=(1, 2),
                                   padding="SAME"), [A(4, 5)], [(0,), (1,), (-1,)]),
    R("reduce_window min", _window("min", window_dimensions=(2, 2), window_strides=(2, 1),
                                   padding=((1, 0), (0, 1)), window_dilation=(1, 2)),
      [A(4, 5)], [(0,), (2,)]),
    R("reduce_window sum", _window("add", window_dimensions=(3,), window_strides=(2,),
                                   padding="VALID", base_dilation=(2,)), [A(6)], [(0,), (1,)]),
    R("max pool NCHW", _window("max", window_dimensions=(1, 1, 2, 2),
                               window_strides=(1, 1, 2, 2), padding="VALID"),
      [A(2, 3, 4, 4)], [(0,), (2,), (-1,)]),
    R("avg pool NHWC", lambda x: _window("add", window_dimensions=(1, 2, 2, 1),
                                         window_strides=(1, 2, 2, 1), padding="SAME")(x) / 4.0,
      [A(2, 5, 5, 3)], [(0,), (3,), (-1,)]),
    R("reduce_window int max", lambda x: lax.reduce_window(x, np.int32(-100), lax.max, (2,),
                                                           (1,), "VALID"),
      [A(5, kind="int", dtype=np.int32)], [(0,), (1,)]),
]


# -- sorting --------------------------------------------------------------------------------

SORT_ROWS = [
    R("lax.sort", lambda x: lax.sort(x, dimension=0), [A(5, 3)], [(0,), (1,), (-1,)]),
    R("lax.sort last", lax.sort, [A(3, 5, kind="int")], [(0,), (2,), (1,)]),
    R("lax.sort two keys", lambda k, j, v: lax.sort((k, j, v), dimension=-1, num_keys=2),
      [A(2, 6, kind="int"), A(2, 6, kind="int"), A(2, 6)],
      [(0, 0, 0), (0, None, 1), (None, 2, None), (-1, 1, 0)]),
    R("lax.sort_key_val", lax.sort_key_val, [A(6, kind="int"), A(6)],
      [(0, None), (None, 1), (1, 0)]),
    R("tnp.sort", tnp.sort, [A(3, 5)], [(0,), (1,), (-1,)]),
    R("tnp.sort axis=0", lambda x: tnp.sort(x, axis=0), [A(5, 3, kind="int")], [(0,), (2,)]),
    R("tnp.argsort", tnp.argsort, [A(3, 6, kind="int")], [(0,), (1,), (-1,)]),
    R("tnp.argsort axis=0", lambda x: tnp.argsort(x, axis=0), [A(6, 2, kind="int")],
      [(0,), (2,)]),
    R("tnp.lexsort", lambda a, b: tnp.lexsort((a, b)), [A(6, kind="int"), A(6, kind="int")],
      [(0, 0), (None, 1), (1, None)]),
    R("tnp.searchsorted", lambda a, v: tnp.searchsorted(a, v), [A(6, kind="sorted"), A(4)],
      [(0, None), (None, 0), (1, 1)]),
    R("tnp.searchsorted right scan",
      lambda a, v: tnp.searchsorted(a, v, side="right", method="scan_unrolled"),
      [A(9, kind="sorted"), A(3)], [(0, None), (None, -1), (-1, 0)]),
    R("lax.top_k", lambda x: lax.top_k(x, 2), [A(3, 5)], [(0,), (1,), (-1,)]),
    R("lax.top_k vector", lambda x: lax.top_k(x, 3), [A(5, kind="int")], [(0,), (-1,)]),
    R("lax.top_k axis=0", lambda x: lax.top_k(x, 2, axis=0), [A(4, 3)], [(0,), (-1,)]),
]


# -- tracer.nn on batches -------------------------------------------------------------------


def _dense(x: Any, w: Any, b: Any) -> Any:
    return nn.relu(x @ w + b)


def _attention(q: Any, k: Any, v: Any) -> Any:
    return nn.softmax(q @ k.T / 2.0, axis=-1) @ v


def _cnn(x: Any, w: Any) -> Any:
    y = nn.relu(lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=NHWC))
    y = lax.reduce_window(y, -np.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
    return nn.log_softmax(tnp.sum(y, axis=(1, 2)), axis=-1)


NN_ROWS = [
    R("nn dense relu", _dense, [A(4, 3), A(3, 2), A(2)], [(0, None, None), (None, 0, 0),
                                                          (1, 2, None)]),
    R("nn attention softmax", _attention, [A(4, 3), A(5, 3), A(5, 2)],
      [(0, 0, 0), (0, None, None), (None, 1, -1)]),
    R("nn cnn", _cnn, [A(2, 4, 4, 2), A(3, 3, 2, 3)], [(0, None), (None, -1), (1, 0)]),
    R("nn gelu matmul", lambda x, w: nn.gelu(x @ w), [A(3, 4), A(4, 2)], [(1, None), (0, 2)]),
    R("nn logsumexp of products", lambda x, y: nn.logsumexp(tnp.outer(x, y), axis=0),
      [A(3), A(4)], [(0, None), (None, 0), (1, 0)]),
]

# vmap of vmap: the inner batched graph (already rewritten by these rules) batched again
NESTED_ROWS = [
    R("vmap(matmul)", vmap(tnp.matmul, in_axes=(0, None)), [A(2, 3, 4), A(4, 5)],
      [(0, None), (1, 0), (None, 2)]),
    R("vmap(conv) both", vmap(_conv(window_strides=(1,), padding="SAME"), in_axes=(0, 1)),
      [A(2, 1, 3, 5), A(2, 2, 3, 3)], [(0, None), (None, 1), (1, 4)]),
    R("vmap(max pool)", vmap(_window("max", window_dimensions=(2, 2), window_strides=(2, 2),
                                     padding="VALID"), in_axes=1), [A(4, 2, 4)], [(0,), (3,)]),
    R("vmap(argsort)", vmap(tnp.argsort, in_axes=-1), [A(5, 2, kind="int")], [(0,), (2,)]),
    R("vmap(top_k)", vmap(lambda x: lax.top_k(x, 2), in_axes=0), [A(2, 4)], [(0,), (-1,)]),
]

ROWS = CONTRACTION_ROWS + CONV_ROWS + SORT_ROWS + NN_ROWS + NESTED_ROWS
OUT_AXES = (0, -1, 1)
CASES = [pytest.param(row, ax, n, OUT_AXES[i % len(OUT_AXES)],
                      id=f"{row.name}-{ax}-n{n}".replace(" ", "_"))
         for row in ROWS for i, ax in enumerate(row.in_axes)
         for n in ((3, 1) if i == 0 else (3,))]


def _rng(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))


def _check(fn: Callable[..., Any], args: Sequence[Any], in_axes: Sequence[int | None],
           out_axes: int, tol: float | None) -> None:
    """``check_vmap``, skipping (with the name) when another family's rule is missing."""
    try:
        check_vmap(fn, args, in_axes, out_axes, rtol=tol, atol=tol)
    except MissingRuleError as e:
        m = re.search(r"primitive '(\w+)'", str(e))
        if m is None or m.group(1) in MINE:
            raise
        pytest.skip(f"needs the batching rule of '{m.group(1)}' (another family)")


@pytest.mark.parametrize("row, in_axes, n, out_axes", CASES)
def test_vmap_matches_loop(row: Row, in_axes: tuple, n: int, out_axes: int) -> None:
    rng = _rng(f"{row.name}{in_axes}{n}")
    args = [_make(rng, a, d, n) for a, d in zip(row.args, in_axes, strict=True)]
    # an output of rank 0 per example has only out_axes 0 / -1
    _check(row.fn, args, in_axes, out_axes if out_axes != 1 or _out_rank(row) else 0, row.tol)


def _out_rank(row: Row) -> int:
    from jax import tree_util

    from tracer import make_graph
    ex = [np.zeros(a.shape, a.dtype) for a in row.args]
    cg = make_graph(row.fn)(*ex)
    return min(len(a.shape) for a in tree_util.tree_leaves(cg.out_avals))


# -- no needless moves ----------------------------------------------------------------------


def _avg(x: Any) -> Any:
    return lax.reduce_window(x, 0.0, lax.add, (2, 2), (1, 1), "VALID")


# (name, fn, example shapes, in_axes, equations of the batched graph): dot_general and
# window reductions are always one equation (the output's batch axis lands at 0 here, so
# vmap adds no final transpose); sort of operands batched alike is one equation.
COUNTS = [
    ("dot_general both", _dg(MM), [(4, 5), (5, 2)], (1, 0), 1),
    ("dot_general both odd axes", _dg(MM), [(4, 5), (5, 2)], (2, 1), 1),
    ("dot_general lhs", _dg(MM), [(4, 5), (5, 2)], (0, None), 1),
    ("dot_general lhs batch dims", _dg(BMM), [(2, 4, 5), (2, 5, 3)], (0, None), 2),
    ("dot_general rhs", _dg((((0,), (1,)), ((), ()))), [(5,), (2, 5)], (None, 0), 1),
    ("reduce_window", _avg, [(4, 5)], (1,), 2),
    ("reduce_window front", _avg, [(4, 5)], (0,), 1),
    ("sort", lambda x, y: lax.sort((x, y), dimension=0), [(4, 3), (4, 3)], (1, 1), 3),
    ("sort front", lambda x, y: lax.sort((x, y), dimension=0), [(4, 3), (4, 3)], (0, 0), 1),
    ("top_k", lambda x: lax.top_k(x, 2)[0], [(4, 3)], (0,), 1),
    ("conv lhs", _conv(window_strides=(1,), padding="VALID"), [(2, 3, 5), (4, 3, 2)],
     (0, None), 3),
    ("conv rhs", _conv(window_strides=(1,), padding="VALID"), [(2, 3, 5), (4, 3, 2)],
     (None, 0), 4),
]


@pytest.mark.parametrize("name, fn, shapes, in_axes, want", COUNTS,
                         ids=[c[0].replace(" ", "_") for c in COUNTS])
def test_batched_equation_count(name: str, fn: Callable, shapes: list, in_axes: tuple,
                                want: int) -> None:
    rng = _rng(name)
    args = [_make(rng, A(*s), d, 3) for s, d in zip(shapes, in_axes, strict=True)]
    _, n1 = batched_eqn_count(fn, args, in_axes)
    assert n1 == want


def test_every_rule_is_registered() -> None:
    from transforms.vmap import batch_rules
    assert MINE <= {p.name for p in batch_rules}
