"""Batching rules of the shape primitives.

The batch axis stays where it is wherever the primitive's params can say so
(``transpose``, ``squeeze``, ``expand_dims``, ``rev``, ``slice``, ``pad``,
``broadcast_in_dim`` renumber their axes around it); only ``reshape`` needs it
at the front or the back, and ``concatenate`` needs its operands to agree.
A batched ``pad`` value is written with a ``select_n`` against a mask of where
the operand landed.  ``iota`` has no operands and so is never batched.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from tracer import primitives as P
from tracer.errors import GraphjitError
from tracer.tracing import bind
from transforms.util import aval
from transforms.vmap import batch_rules, bdim_at, moveaxis

Dims = Sequence[int | None]


def _shift(axes: Sequence[int], d: int) -> tuple[int, ...]:
    """Axis numbers of an unbatched array renumbered for a batch axis inserted at ``d``."""
    return tuple(a + (a >= d) for a in axes)


def _insert(seq: Sequence[Any], d: int, item: Any) -> tuple:
    out = list(seq)
    out.insert(d, item)
    return tuple(out)


def _broadcast_in_dim_rule(axis_size: int, vals: Sequence[Any], dims: Dims, *,
                           shape: tuple[int, ...],
                           broadcast_dimensions: tuple[int, ...]) -> tuple[Any, int]:
    (x,), (d,) = vals, dims
    bd = broadcast_dimensions
    # The batch axis goes right after the output axis of the operand axis before it, so
    # broadcast_dimensions stays increasing and nothing moves.
    q = bd[d - 1] + 1 if d > 0 else 0
    new_bd = _insert(_shift(bd, q), d, q)
    return bind(P.broadcast_in_dim_p, x, shape=_insert(shape, q, axis_size),
                broadcast_dimensions=new_bd), q


def _reshape_rule(axis_size: int, vals: Sequence[Any], dims: Dims, *,
                  new_sizes: tuple[int, ...]) -> tuple[Any, int]:
    (x,), (d,) = vals, dims
    nd = len(aval(x).shape)
    # Row-major reshape keeps examples apart only with the batch axis outermost or
    # innermost.
    if d == nd - 1 and d != 0:
        return bind(P.reshape_p, x, new_sizes=tuple(new_sizes) + (axis_size,)), len(new_sizes)
    x = moveaxis(x, d, 0)
    return bind(P.reshape_p, x, new_sizes=(axis_size,) + tuple(new_sizes)), 0


def _transpose_rule(axis_size: int, vals: Sequence[Any], dims: Dims, *,
                    permutation: tuple[int, ...]) -> tuple[Any, int]:
    (x,), (d,) = vals, dims
    # the batch axis keeps its position; the example axes permute around it
    perm = _insert(_shift(permutation, d), d, d)
    return bind(P.transpose_p, x, permutation=perm), d


def _squeeze_rule(axis_size: int, vals: Sequence[Any], dims: Dims, *,
                  dimensions: tuple[int, ...]) -> tuple[Any, int]:
    (x,), (d,) = vals, dims
    out = bind(P.squeeze_p, x, dimensions=_shift(dimensions, d))
    return out, d - sum(1 for a in dimensions if a < d)


def _expand_dims_rule(axis_size: int, vals: Sequence[Any], dims: Dims, *,
                      dimensions: tuple[int, ...]) -> tuple[Any, int]:
    (x,), (d,) = vals, dims
    nd_out = len(aval(x).shape) - 1 + len(dimensions)
    kept = [i for i in range(nd_out) if i not in dimensions]   # where operand axes land
    q = kept[d - 1] + 1 if d > 0 else 0
    return bind(P.expand_dims_p, x, dimensions=_shift(dimensions, q)), q


def _rev_rule(axis_size: int, vals: Sequence[Any], dims: Dims, *,
              dimensions: tuple[int, ...]) -> tuple[Any, int]:
    (x,), (d,) = vals, dims
    return bind(P.rev_p, x, dimensions=_shift(dimensions, d)), d


def _concatenate_rule(axis_size: int, vals: Sequence[Any], dims: Dims, *,
                      dimension: int) -> tuple[Any, int]:
    # every operand needs the batch axis at one place: the first batched one's
    d = next(b for b in dims if b is not None)
    xs = [bdim_at(x, b, axis_size, d) for x, b in zip(vals, dims, strict=True)]
    return bind(P.concatenate_p, *xs, dimension=dimension + (dimension >= d)), d


def _pad_rule(axis_size: int, vals: Sequence[Any], dims: Dims, *,
              padding_config: tuple[tuple[int, int, int], ...]) -> tuple[Any, int]:
    (x, pv), (d, pd) = vals, dims
    if pd is None:
        return bind(P.pad_p, x, pv, padding_config=_insert(padding_config, d, (0, 0, 0))), d
    # One padding value per example: pad with zero, then select the value wherever the
    # (unbatched) mask says the operand did not land.
    xa = aval(x)
    dt = xa.dtype
    ex_shape = xa.shape if d is None else xa.shape[:d] + xa.shape[d + 1:]
    q = 0 if d is None else d
    zero = np.zeros((), dt)[()]
    cfg = padding_config if d is None else _insert(padding_config, d, (0, 0, 0))
    padded = bind(P.pad_p, x, zero, padding_config=cfg)   # unbatched x stays unbatched
    ones = bind(P.broadcast_in_dim_p, np.True_, shape=tuple(ex_shape), broadcast_dimensions=())
    mask = bind(P.pad_p, ones, np.False_, padding_config=padding_config)
    mask = bind(P.expand_dims_p, mask, dimensions=(q,))
    nd = len(ex_shape) + 1
    pv = bind(P.reshape_p, pv, new_sizes=(1,) * q + (axis_size,) + (1,) * (nd - q - 1))
    return bind(P.select_n_p, mask, pv, padded), q


def _slice_rule(axis_size: int, vals: Sequence[Any], dims: Dims, *,
                start_indices: tuple[int, ...], limit_indices: tuple[int, ...],
                strides: tuple[int, ...] | None = None) -> tuple[Any, int]:
    (x,), (d,) = vals, dims
    out = bind(P.slice_p, x, start_indices=_insert(start_indices, d, 0),
               limit_indices=_insert(limit_indices, d, axis_size),
               strides=None if strides is None else _insert(strides, d, 1))
    return out, d


def _iota_rule(axis_size: int, vals: Sequence[Any], dims: Dims, **params: Any) -> Any:
    # batch_walk replays equations with no batched input unchanged; iota has no inputs
    raise GraphjitError("internal error: vmap asked to batch iota, which has no operands")


batch_rules[P.broadcast_in_dim_p] = _broadcast_in_dim_rule
batch_rules[P.reshape_p] = _reshape_rule
batch_rules[P.transpose_p] = _transpose_rule
batch_rules[P.squeeze_p] = _squeeze_rule
batch_rules[P.expand_dims_p] = _expand_dims_rule
batch_rules[P.rev_p] = _rev_rule
batch_rules[P.concatenate_p] = _concatenate_rule
batch_rules[P.pad_p] = _pad_rule
batch_rules[P.slice_p] = _slice_rule
batch_rules[P.iota_p] = _iota_rule
