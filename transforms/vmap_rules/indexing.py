"""Batching rules of the indexing primitives: dynamic slices, gather and scatter.

Gather and scatter absorb the batch axis into their dimension numbers, so no
example is ever looped over and the batch axes mostly stay where they are:

* batched operand only: the batch axis becomes one more window (offset) axis,
  sliced whole;
* batched indices (and updates) with an unbatched operand, or both batched:
  the operand (broadcast if needed) and the indices get a pair of *batching
  dims* (``operand_batching_dims``/``start_indices_batching_dims`` for gather,
  ``operand_batching_dims``/``scatter_indices_batching_dims`` for scatter), which
  pair example ``b`` of the indices with example ``b`` of the operand.

The index vector is the last axis of the indices, so a batch axis found there is
moved to the front.  ``dynamic_slice``/``dynamic_update_slice`` with unbatched
start indices stay what they are (the batch axis gets start 0 and full size);
batched start indices turn them into a gather/scatter in ``"clip"`` mode, which
clamps exactly as the dynamic slices do (as JAX does).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from tracer import primitives as P
from tracer.tracing import bind
from transforms.util import aval
from transforms.vmap import batch_rules, bdim_at, broadcast_batch, moveaxis

Dims = Sequence[int | None]


def _shift(axes: Sequence[int], d: int) -> tuple[int, ...]:
    """Axis numbers of an unbatched array renumbered for a batch axis inserted at ``d``."""
    return tuple(a + (a >= d) for a in axes)


def _insert(seq: Sequence[Any], d: int, item: Any) -> tuple:
    out = list(seq)
    out.insert(d, item)
    return tuple(out)


def _slot(taken: Sequence[int], k: int) -> int:
    """An insertion point with exactly ``k`` of the (sorted) positions ``taken`` before it."""
    return taken[k - 1] + 1 if k > 0 else 0


def _with_pair(op_dims: tuple[int, ...], idx_dims: tuple[int, ...], od: int,
               idim: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Add the batching pair (od, idim), keeping the operand side sorted (StableHLO's rule)."""
    pairs = sorted(zip(op_dims + (od,), idx_dims + (idim,), strict=True))
    return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)


def _indices_bdim(indices: Any, idim: int) -> tuple[Any, int]:
    """The indices with their batch axis anywhere but on the index vector (the last axis)."""
    if idim == len(aval(indices).shape) - 1:
        return moveaxis(indices, idim, 0), 0
    return indices, idim


# -- gather ---------------------------------------------------------------------------


def _gather_rule(axis_size: int, vals: Sequence[Any], dims: Dims, *,
                 dimension_numbers: P.GatherDimensionNumbers, slice_sizes: tuple[int, ...],
                 mode: str, fill_value: Any = None) -> tuple[Any, int]:
    operand, indices = vals
    od, idim = dims
    dn = dimension_numbers
    out_rank = len(dn.offset_dims) + len(aval(indices).shape) - (idim is not None) - 1
    params = dict(mode=mode, fill_value=fill_value)
    if idim is None:
        # The operand's batch axis is one more window axis, sliced whole; its output
        # (offset) axis goes where it keeps offset_dims in operand order.
        windows = [d for d in range(len(slice_sizes))
                   if d not in dn.collapsed_slice_dims and d not in dn.operand_batching_dims]
        k = sum(1 for w in windows if w < od)
        q = _slot(dn.offset_dims, k)
        new_dn = P.GatherDimensionNumbers(
            offset_dims=_insert(_shift(dn.offset_dims, q), k, q),
            collapsed_slice_dims=_shift(dn.collapsed_slice_dims, od),
            start_index_map=_shift(dn.start_index_map, od),
            operand_batching_dims=_shift(dn.operand_batching_dims, od),
            start_indices_batching_dims=dn.start_indices_batching_dims)
        return bind(P.gather_p, operand, indices, dimension_numbers=new_dn,
                    slice_sizes=_insert(slice_sizes, od, axis_size), **params), q
    indices, idim = _indices_bdim(indices, idim)
    # A new indices batch axis is a new output batch axis: the idim-th non-offset one.
    batch_pos = [i for i in range(out_rank) if i not in dn.offset_dims]
    q = _slot(batch_pos, idim)
    offset_dims = _shift(dn.offset_dims, q)
    idx_bdims = _shift(dn.start_indices_batching_dims, idim)
    if od is None:
        new_dn = P.GatherDimensionNumbers(
            offset_dims=offset_dims, collapsed_slice_dims=dn.collapsed_slice_dims,
            start_index_map=dn.start_index_map,
            operand_batching_dims=dn.operand_batching_dims,
            start_indices_batching_dims=idx_bdims)
        # each example's indices read the one shared operand: nothing to pair
        return bind(P.gather_p, operand, indices, dimension_numbers=new_dn,
                    slice_sizes=slice_sizes, **params), q
    op_bdims, idx_bdims = _with_pair(_shift(dn.operand_batching_dims, od), idx_bdims, od, idim)
    new_dn = P.GatherDimensionNumbers(
        offset_dims=offset_dims, collapsed_slice_dims=_shift(dn.collapsed_slice_dims, od),
        start_index_map=_shift(dn.start_index_map, od), operand_batching_dims=op_bdims,
        start_indices_batching_dims=idx_bdims)
    return bind(P.gather_p, operand, indices, dimension_numbers=new_dn,
                slice_sizes=_insert(slice_sizes, od, 1), **params), q


# -- scatter --------------------------------------------------------------------------


def _scatter_rule(prim: P.Primitive) -> Any:
    def rule(axis_size: int, vals: Sequence[Any], dims: Dims, *,
             dimension_numbers: P.ScatterDimensionNumbers, mode: str,
             indices_are_sorted: bool = False, unique_indices: bool = False) -> tuple[Any, int]:
        operand, indices, updates = vals
        od, idim, ud = dims
        dn = dimension_numbers
        uw = dn.update_window_dims
        params = dict(mode=mode, indices_are_sorted=indices_are_sorted,
                      unique_indices=unique_indices)
        op_rank = len(aval(operand).shape) - (od is not None)
        upd_rank = len(aval(updates).shape) - (ud is not None)
        windows = [d for d in range(op_rank)
                   if d not in dn.inserted_window_dims and d not in dn.operand_batching_dims]
        if idim is None:
            # Shared indices: the batch axis is one more window axis of operand and
            # updates (the k-th window), written whole.
            if od is None:   # put the broadcast operand's axis where the updates' lies
                k = sum(1 for w in uw if w < ud)
                od = _slot(windows, k)
                operand = broadcast_batch(operand, axis_size, od)
            k = sum(1 for w in windows if w < od)
            q = ud if ud is not None and sum(1 for w in uw if w < ud) == k else _slot(uw, k)
            updates = bdim_at(updates, ud, axis_size, q)
            new_dn = P.ScatterDimensionNumbers(
                update_window_dims=_insert(_shift(uw, q), k, q),
                inserted_window_dims=_shift(dn.inserted_window_dims, od),
                scatter_dims_to_operand_dims=_shift(dn.scatter_dims_to_operand_dims, od),
                operand_batching_dims=_shift(dn.operand_batching_dims, od),
                scatter_indices_batching_dims=dn.scatter_indices_batching_dims)
            return bind(prim, operand, indices, updates, dimension_numbers=new_dn,
                        **params), od
        # Per-example indices: pair the operand's batch axis with the indices' one; the
        # updates' batch axis is the matching scatter (non-window) axis.
        scatter_pos = [i for i in range(upd_rank) if i not in uw]
        if ud is not None:
            # move the (small) indices rather than the updates
            s = sum(1 for p in scatter_pos if p < ud)
            indices, idim = moveaxis(indices, idim, s), s
            q = ud
        else:
            indices, idim = _indices_bdim(indices, idim)
            q = _slot(scatter_pos, idim)
            updates = broadcast_batch(updates, axis_size, q)
        if od is None:
            od = 0
            operand = broadcast_batch(operand, axis_size, od)
        op_bdims, idx_bdims = _with_pair(_shift(dn.operand_batching_dims, od),
                                         _shift(dn.scatter_indices_batching_dims, idim),
                                         od, idim)
        new_dn = P.ScatterDimensionNumbers(
            update_window_dims=_shift(uw, q),
            inserted_window_dims=_shift(dn.inserted_window_dims, od),
            scatter_dims_to_operand_dims=_shift(dn.scatter_dims_to_operand_dims, od),
            operand_batching_dims=op_bdims, scatter_indices_batching_dims=idx_bdims)
        return bind(prim, operand, indices, updates, dimension_numbers=new_dn, **params), od
    return rule


# -- dynamic slices -------------------------------------------------------------------


def _index_dtype(idx: Sequence[Any]) -> np.dtype:
    """The one dtype of the start indices (tracer.lax gives them one already)."""
    dts = {aval(i).dtype for i in idx}
    if len(dts) == 1:
        return dts.pop()
    return np.dtype(np.int32) if not dts else np.dtype(np.int64)


def _start_column(axis_size: int, idx: Sequence[Any], dims: Dims) -> Any:
    """The scalar start indices of every example as a (batch, n) index array."""
    dt = _index_dtype(idx)
    cols = []
    for i, d in zip(idx, dims, strict=True):
        if aval(i).dtype != dt:
            i = bind(P.convert_element_type_p, i, new_dtype=dt, weak_type=False)
        if d is None:
            cols.append(bind(P.broadcast_in_dim_p, i, shape=(axis_size, 1),
                             broadcast_dimensions=()))
        else:
            cols.append(bind(P.reshape_p, i, new_sizes=(axis_size, 1)))
    return cols[0] if len(cols) == 1 else bind(P.concatenate_p, *cols, dimension=1)


def _dynamic_slice_rule(axis_size: int, vals: Sequence[Any], dims: Dims, *,
                        slice_sizes: tuple[int, ...]) -> tuple[Any, int]:
    x, *idx = vals
    xd, *idims = dims
    if all(d is None for d in idims):
        # the batch axis is sliced whole, from 0
        zero = np.zeros((), _index_dtype(idx))[()]
        return bind(P.dynamic_slice_p, x, *_insert(idx, xd, zero),
                    slice_sizes=_insert(slice_sizes, xd, axis_size)), xd
    # Per-example starts: the gather that reads one full window per example.
    starts = _start_column(axis_size, idx, idims)
    n = len(slice_sizes)
    dn = P.GatherDimensionNumbers(offset_dims=tuple(range(n)), collapsed_slice_dims=(),
                                  start_index_map=tuple(range(n)))
    return _gather_rule(axis_size, [x, starts], [xd, 0], dimension_numbers=dn,
                        slice_sizes=slice_sizes, mode="clip")


def _dynamic_update_slice_rule(axis_size: int, vals: Sequence[Any],
                               dims: Dims) -> tuple[Any, int]:
    x, upd, *idx = vals
    xd, ud, *idims = dims
    if all(d is None for d in idims):
        # operand and update share one batch axis, written whole from 0
        d = xd if xd is not None else ud
        x, upd = bdim_at(x, xd, axis_size, d), bdim_at(upd, ud, axis_size, d)
        zero = np.zeros((), _index_dtype(idx))[()]
        return bind(P.dynamic_update_slice_p, x, upd, *_insert(idx, d, zero)), d
    # Per-example starts: a scatter of one full window per example.
    starts = _start_column(axis_size, idx, idims)
    n = len(idx)
    dn = P.ScatterDimensionNumbers(update_window_dims=tuple(range(n)), inserted_window_dims=(),
                                   scatter_dims_to_operand_dims=tuple(range(n)))
    return _scatter_rule(P.scatter_p)(axis_size, [x, starts, upd], [xd, 0, ud],
                                      dimension_numbers=dn, mode="clip")


batch_rules[P.gather_p] = _gather_rule
for _p in (P.scatter_p, P.scatter_add_p, P.scatter_mul_p, P.scatter_min_p, P.scatter_max_p):
    batch_rules[_p] = _scatter_rule(_p)
batch_rules[P.dynamic_slice_p] = _dynamic_slice_rule
batch_rules[P.dynamic_update_slice_p] = _dynamic_update_slice_rule
