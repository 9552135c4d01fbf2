"""Batching of the shape primitives and of the ``tnp`` functions built on them.

Rules live in ``transforms/vmap_rules/shape.py``.  Table-driven: one row per
primitive (through ``tracer.lax``) and per user-level function, each run over
several ``in_axes``/``out_axes`` (unbatched operands, negative axes) and batch
sizes 3 and 1 with ``check_vmap`` (vmap against a Python loop, eagerly and from
the typechecked batched graph).  Then: rules that renumber axes around the
batch axis add no equations, and ``iota`` is never batched.
"""
from __future__ import annotations

import re
import zlib
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np
import pytest

import tracer.lax as lax
import tracer.numpy as tnp
from tests.transforms.vmapcheck import check_vmap
from tracer import make_graph
from tracer import primitives as P
from tracer.errors import GraphjitError, MissingRuleError
from transforms import vmap
from transforms.vmap import batch_rules

SHAPE_PRIMS = [P.broadcast_in_dim_p, P.reshape_p, P.transpose_p, P.squeeze_p, P.expand_dims_p,
               P.rev_p, P.concatenate_p, P.pad_p, P.slice_p, P.iota_p]
# rules of other families met on the way (tnp.trace sums, tnp.tril selects ...)
_OURS = {p.name for p in SHAPE_PRIMS} | {"gather", "dynamic_slice"}


# -- the harness ---------------------------------------------------------------------------

Spec = Any   # a shape tuple (float64 normal data) or a function rng -> example array


def ints(shape: tuple[int, ...], lo: int, hi: int, dtype: Any = np.int32) -> Callable:
    """Integer examples in [lo, hi)."""
    return lambda rng: rng.integers(lo, hi, size=shape).astype(dtype)


def _example(spec: Spec, rng: np.random.Generator) -> np.ndarray:
    if callable(spec):
        return np.asarray(spec(rng))
    return rng.standard_normal(spec)


def _batched(spec: Spec, axis: int | None, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` examples stacked along ``axis`` (one example when ``axis`` is None)."""
    if axis is None:
        return _example(spec, rng)
    xs = [_example(spec, rng) for _ in range(size)]
    return np.stack(xs, axis=axis % (xs[0].ndim + 1))


class Row(NamedTuple):
    id: str
    f: Callable
    specs: Sequence[Spec]
    axes: Sequence[tuple[tuple[int | None, ...], int]]   # (in_axes, out_axes) combinations


def cases(rows: Sequence[Row]) -> list:
    """Every row with each of its axes combinations at batch size 3, the first also at 1."""
    out = []
    for r in rows:
        for k, (ia, oa) in enumerate(r.axes):
            for size in ((3, 1) if k == 0 else (3,)):
                out.append(pytest.param(r, ia, oa, size,
                                        id=f"{r.id}-in{ia}-out{oa}-B{size}".replace(" ", "")))
    return out


def run_case(row: Row, in_axes: tuple, out_axes: int, size: int, ours: set[str]) -> None:
    rng = np.random.default_rng(zlib.crc32(f"{row.id}{in_axes}{out_axes}{size}".encode()))
    args = [_batched(s, a, size, rng) for s, a in zip(row.specs, in_axes, strict=True)]
    try:
        check_vmap(row.f, args, in_axes, out_axes)
    except MissingRuleError as e:
        m = re.search(r"primitive '(\w+)'", str(e))
        if m is None or m.group(1) in ours:
            raise
        pytest.skip(f"needs the batching rule of '{m.group(1)}' (another family)")


# -- primitive rows (tracer.lax) -------------------------------------------------------------

def _pad(cfg: Any) -> Callable:
    return lambda x, v: lax.pad(x, v, cfg)


PRIM_ROWS = [
    Row("broadcast_in_dim", lambda x: lax.broadcast_in_dim(x, (2, 4, 3), (1, 2)), [(4, 3)],
        [((0,), 0), ((1,), 1), ((-1,), -1), ((2,), 0)]),
    Row("broadcast_in_dim-size1", lambda x: lax.broadcast_in_dim(x, (4, 3, 2), (0, 1)),
        [(1, 3)], [((0,), 0), ((-1,), 1), ((1,), 2)]),
    Row("broadcast_in_dim-scalar", lambda x: lax.broadcast_in_dim(x, (2, 3), ()), [()],
        [((0,), 0), ((-1,), 1), ((0,), -1)]),
    Row("reshape", lambda x: lax.reshape(x, (2, 6)), [(3, 4)],
        [((0,), 0), ((1,), 0), ((-1,), 1), ((2,), -1)]),
    Row("reshape-3d", lambda x: lax.reshape(x, (20, 3)), [(3, 4, 5)],
        [((1,), 0), ((0,), 2), ((-1,), 1), ((3,), -1)]),
    Row("reshape-to-scalar", lambda x: lax.reshape(x, ()), [(1, 1)],
        [((0,), 0), ((1,), 0), ((-1,), 0)]),
    Row("transpose", lambda x: lax.transpose(x, (2, 0, 1)), [(2, 3, 4)],
        [((0,), 0), ((1,), 1), ((2,), 0), ((-1,), -1), ((3,), 2)]),
    Row("squeeze", lambda x: lax.squeeze(x, (1, 3)), [(2, 1, 3, 1)],
        [((0,), 0), ((2,), 1), ((-1,), -1), ((3,), 2), ((4,), 0)]),
    Row("expand_dims", lambda x: lax.expand_dims(x, (0, 2)), [(2, 3)],
        [((0,), 0), ((1,), 2), ((-1,), -1), ((2,), 1)]),
    Row("rev", lambda x: lax.rev(x, (0, 2)), [(2, 3, 4)],
        [((0,), 0), ((1,), 1), ((-1,), -1), ((3,), 0)]),
    Row("concatenate", lambda x, y, z: lax.concatenate([x, y, z], 1), [(2, 3), (2, 1), (2, 4)],
        [((0, 0, 0), 0), ((1, None, -1), 1), ((None, 2, None), -1), ((-1, 0, 1), 0),
         ((2, 2, 2), 2)]),
    Row("concatenate-one", lambda x: lax.concatenate([x], 0), [(3,)], [((0,), 0), ((1,), 1)]),
    Row("pad", _pad([(1, 2, 0), (0, 1, 1)]), [(2, 3), ()],
        [((0, None), 0), ((1, None), 1), ((-1, None), -1), ((None, 0), 0), ((0, 0), 1),
         ((2, 0), 2), ((1, -1), 0)]),
    Row("pad-negative", _pad([(-1, 2, 1), (2, -2, 0)]), [(4, 3), ()],
        [((0, None), 0), ((None, 0), 1), ((-1, 0), -1), ((1, 0), 0)]),
    Row("slice", lambda x: lax.slice(x, (1, 0), (5, 6), (2, 1)), [(5, 6)],
        [((0,), 0), ((1,), 1), ((-1,), -1), ((2,), 0)]),
    Row("slice-nostride", lambda x: lax.slice(x, (1, 2), (3, 3)), [(4, 5)],
        [((0,), 0), ((2,), 1), ((-2,), 0)]),
    Row("iota", lambda x: lax.add(x, lax.broadcasted_iota(np.float64, (2, 3), 1)), [(2, 3)],
        [((0,), 0), ((1,), -1), ((-1,), 1)]),
]


# -- user-level rows (tnp) ----------------------------------------------------------------

TNP_ROWS = [
    Row("tnp.reshape", lambda x: tnp.reshape(x, (-1,)), [(3, 4)],
        [((0,), 0), ((1,), 1), ((-1,), 0), ((2,), -1)]),
    Row("Array.reshape", lambda x: x.reshape(2, -1, 3), [(4, 3)], [((0,), 0), ((1,), 2)]),
    Row("tnp.ravel", tnp.ravel, [(2, 3, 2)], [((0,), 0), ((2,), 0), ((-1,), 1)]),
    Row("tnp.transpose", tnp.transpose, [(2, 3, 4)], [((0,), 0), ((1,), 1), ((-1,), -1)]),
    Row("Array.T", lambda x: x.T, [(2, 3)], [((0,), 0), ((1,), 2)]),
    Row("tnp.swapaxes", lambda x: tnp.swapaxes(x, 0, -1), [(2, 3, 4)], [((0,), 0), ((2,), 1)]),
    Row("tnp.moveaxis", lambda x: tnp.moveaxis(x, 0, -1), [(2, 3, 4)],
        [((0,), 0), ((-1,), -1), ((1,), 0)]),
    Row("tnp.expand_dims", lambda x: tnp.expand_dims(x, -1), [(2, 3)],
        [((0,), 0), ((1,), -1), ((-1,), 1)]),
    Row("tnp.squeeze", tnp.squeeze, [(1, 3, 1)], [((0,), 0), ((2,), 1), ((-1,), -1)]),
    Row("tnp.broadcast_to", lambda x: tnp.broadcast_to(x, (4, 2, 3)), [(2, 1)],
        [((0,), 0), ((1,), 1), ((-1,), -1)]),
    Row("tnp.atleast_2d", tnp.atleast_2d, [(3,)], [((0,), 0), ((-1,), 1)]),
    Row("tnp.concatenate", lambda x, y: tnp.concatenate([x, y], axis=-1), [(2, 3), (2, 2)],
        [((0, 0), 0), ((None, 1), 1), ((-1, None), 0), ((2, 0), -1)]),
    Row("tnp.concatenate-none", lambda x, y: tnp.concatenate([x, y], axis=None),
        [(2, 3), (4,)], [((0, 0), 0), ((1, None), 0), ((None, 0), -1)]),
    Row("tnp.stack", lambda x, y: tnp.stack([x, y]), [(2, 3), (2, 3)],
        [((0, 0), 0), ((None, 1), 1), ((-1, 0), -1)]),
    Row("tnp.stack-last", lambda x, y: tnp.stack([x, y], axis=-1), [(3,), (3,)],
        [((0, None), 0), ((1, 0), 1), ((None, -1), 2)]),
    Row("tnp.hstack", lambda x, y: tnp.hstack([x, y]), [(2, 3), (2, 1)],
        [((0, 0), 0), ((None, 1), 1)]),
    Row("tnp.vstack", lambda x, y: tnp.vstack([x, y]), [(3,), (2, 3)],
        [((0, None), 0), ((-1, 2), 1)]),
    Row("tnp.unstack", lambda x: tnp.unstack(x, axis=1), [(2, 3)], [((0,), 0), ((-1,), 1)]),
    Row("tnp.split", lambda x: tnp.split(x, 2, axis=-1), [(3, 4)],
        [((0,), 0), ((1,), 1), ((-1,), -1)]),
    Row("tnp.array_split", lambda x: tnp.array_split(x, [1, 3]), [(5, 2)],
        [((0,), 0), ((2,), 1)]),
    Row("tnp.pad-constant", lambda x: tnp.pad(x, ((1, 0), (2, 1)), constant_values=7.0),
        [(2, 3)], [((0,), 0), ((1,), 1), ((-1,), -1)]),
    Row("tnp.pad-two-values", lambda x: tnp.pad(x, 1, constant_values=((1.0, 2.0), (3.0, 4.0))),
        [(2, 3)], [((0,), 0), ((2,), 1)]),
    Row("tnp.pad-traced-value", lambda x, v: tnp.pad(x, ((1, 2),), constant_values=v),
        [(3,), ()], [((0, 0), 0), ((None, 0), 1), ((-1, None), 0), ((1, 0), -1)]),
    Row("tnp.pad-edge", lambda x: tnp.pad(x, ((2, 1), (0, 1)), mode="edge"), [(2, 3)],
        [((0,), 0), ((-1,), -1)]),
    Row("tnp.pad-wrap", lambda x: tnp.pad(x, 2, mode="wrap"), [(3,)], [((0,), 0), ((1,), 1)]),
    Row("tnp.pad-reflect", lambda x: tnp.pad(x, (1, 2), mode="reflect"), [(2, 4)],
        [((0,), 0), ((1,), 0), ((2,), 2)]),
    Row("tnp.roll", lambda x: tnp.roll(x, 2, axis=1), [(2, 5)],
        [((0,), 0), ((1,), 1), ((-1,), 0)]),
    Row("tnp.roll-flat", lambda x: tnp.roll(x, -1), [(2, 3)], [((0,), 0), ((2,), -1)]),
    Row("tnp.roll-traced-shift", lambda x, s: tnp.roll(x, s, axis=0), [(4, 2), ints((), -5, 5)],
        [((0, None), 0), ((None, 0), 0), ((1, 0), 1), ((-1, -1), 0)]),
    Row("tnp.tile", lambda x: tnp.tile(x, (2, 1, 3)), [(2, 3)],
        [((0,), 0), ((1,), 1), ((-1,), -1)]),
    Row("tnp.repeat", lambda x: tnp.repeat(x, 2, axis=0), [(2, 3)],
        [((0,), 0), ((1,), 1), ((-1,), 2)]),
    Row("tnp.repeat-array", lambda x: tnp.repeat(x, [1, 0, 2], axis=1), [(2, 3)],
        [((0,), 0), ((2,), 1)]),
    Row("tnp.flip", lambda x: tnp.flip(x, -1), [(2, 3)], [((0,), 0), ((1,), 1), ((-1,), -1)]),
    Row("tnp.fliplr", tnp.fliplr, [(2, 3)], [((0,), 0), ((2,), 2)]),
    Row("tnp.rot90", tnp.rot90, [(2, 3)], [((0,), 0), ((1,), -1)]),
    Row("tnp.diagonal", lambda x: tnp.diagonal(x, 1), [(3, 4)],
        [((0,), 0), ((1,), 1), ((-1,), -1)]),
    Row("tnp.diagonal-3d", lambda x: tnp.diagonal(x, -1, 0, 2), [(3, 2, 3)],
        [((0,), 0), ((3,), 1)]),
    Row("tnp.diag", tnp.diag, [(3,)], [((0,), 0), ((1,), -1)]),
    Row("tnp.trace", tnp.trace, [(3, 3)], [((0,), 0), ((1,), 0), ((-1,), 0)]),
    Row("tnp.tril", lambda x: tnp.tril(x, -1), [(3, 4)], [((0,), 0), ((1,), 1), ((-1,), 0)]),
    Row("tnp.triu", tnp.triu, [(3, 3)], [((0,), 0), ((2,), -1)]),
    # nested: the inner vmap's batched graph batched again
    Row("vmap(tnp.concatenate)", vmap(lambda x, y: tnp.concatenate([x, y]), in_axes=(1, None)),
        [(2, 3), (4,)], [((0, None), 0), ((None, 0), 1), ((-1, -1), -1)]),
    Row("vmap(tnp.pad-traced-value)",
        vmap(lambda x, v: tnp.pad(x, 1, constant_values=v), in_axes=(0, None)),
        [(2, 3), ()], [((0, 0), 0), ((None, 0), 1), ((2, None), 0)]),
]


@pytest.mark.parametrize("row,in_axes,out_axes,size", cases(PRIM_ROWS))
def test_shape_primitive(row: Row, in_axes: tuple, out_axes: int, size: int) -> None:
    run_case(row, in_axes, out_axes, size, _OURS)


@pytest.mark.parametrize("row,in_axes,out_axes,size", cases(TNP_ROWS))
def test_shape_function(row: Row, in_axes: tuple, out_axes: int, size: int) -> None:
    run_case(row, in_axes, out_axes, size, _OURS)


def test_every_shape_primitive_has_a_rule_and_a_row() -> None:
    for p in SHAPE_PRIMS:
        assert p in batch_rules, p
    rowed = {r.id.split("-")[0] for r in PRIM_ROWS}
    assert {p.name for p in SHAPE_PRIMS} <= rowed


# -- no needless moves -------------------------------------------------------------------------
# (f, example specs, in_axes, out_axes where the rule leaves the batch axis): the batched
# graph has exactly the equations of the unbatched one.

NO_MOVE = [
    ("broadcast_in_dim", lambda x: lax.broadcast_in_dim(x, (2, 4, 3), (1, 2)), [(4, 3)],
     (1,), 2),
    ("reshape-front", lambda x: lax.reshape(x, (12,)), [(3, 4)], (0,), 0),
    ("reshape-back", lambda x: lax.reshape(x, (12,)), [(3, 4)], (-1,), 1),
    ("transpose", lambda x: lax.transpose(x, (1, 0)), [(2, 3)], (1,), 1),
    ("squeeze", lambda x: lax.squeeze(x, (1, 3)), [(2, 1, 3, 1)], (2,), 1),
    ("expand_dims", lambda x: lax.expand_dims(x, (0, 2)), [(2, 3)], (1,), 2),
    ("rev", lambda x: lax.rev(x, (0,)), [(2, 3)], (2,), 2),
    ("slice", lambda x: lax.slice(x, (1, 0), (3, 2)), [(4, 3)], (1,), 1),
    ("pad", lambda x: lax.pad(x, 0.0, [(1, 1, 1)]), [(3,)], (1,), 1),
    ("concatenate", lambda x, y: lax.concatenate([x, y], 0), [(2,), (3,)], (1, 1), 1),
]


@pytest.mark.parametrize("name,f,specs,in_axes,out_axes", NO_MOVE, ids=[r[0] for r in NO_MOVE])
def test_rules_keep_the_batch_axis(name: str, f: Callable, specs: list, in_axes: tuple,
                                   out_axes: int) -> None:
    rng = np.random.default_rng(0)
    args = [_batched(s, a, 3, rng) for s, a in zip(specs, in_axes)]
    ex = [_example(s, rng) for s in specs]
    n0 = len(make_graph(f)(*ex).graph.eqns)
    n1 = len(make_graph(vmap(f, in_axes=in_axes, out_axes=out_axes))(*args).graph.eqns)
    assert n1 == n0, (name, n0, n1)


def test_batched_pad_value_is_a_select() -> None:
    """A per-example padding value costs a mask and a select, not a loop or a gather."""
    x, v = np.ones((3, 2)), np.arange(3.0)
    g = make_graph(vmap(lambda x, v: lax.pad(x, v, [(1, 1, 0)])))(x, v).graph
    names = [e.prim.name for e in g.eqns]
    assert "select_n" in names and len(names) <= 6, names


def test_iota_is_never_batched() -> None:
    assert not make_graph(vmap(lambda x: x + lax.iota(np.float64, 3)))(np.ones((2, 3))).graph \
        .eqns[0].inputs   # the iota is replayed as it is
    with pytest.raises(GraphjitError, match="iota"):
        batch_rules[P.iota_p](2, [], [], dtype=np.dtype(np.int32), shape=(3,), dimension=0)
