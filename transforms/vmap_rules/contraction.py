"""Batching rules of contractions, convolutions, window reductions and sorts.

No rule here loops over the batch or broadcasts an operand it does not have to:

* ``dot_general``: two batched operands get their batch axes added as a new
  leading batch-dimension pair (no transposes, output batch axis 0); one
  batched operand keeps its batch axis as a *free* dimension (the other
  operand is not broadcast), and the rule computes where that free dimension
  lands in the output (batch dims, then lhs free dims, then rhs free dims,
  each in operand order).  The operands keep their roles, so ``precision``
  passes through unchanged (as it does for convolutions).
* ``conv_general_dilated`` folds the vmap axis into an axis the convolution
  already has, as JAX's ``_conv_general_dilated_batch_rule`` does: a batched
  lhs into its batch dimension N; a batched rhs into its output-feature
  dimension O; both batched into the lhs feature dimension C and rhs O with
  ``feature_group_count`` multiplied by the batch size (one group per
  example).  With ``batch_group_count > 1`` the batch is folded *inside* each
  group (groups are the major part of N and O), and with feature groups and a
  batched rhs likewise inside each feature group.  The folded axis is always
  the major part of the merged axis, so unfolding it is one reshape.
* ``reduce_window_{sum,max,min}``: a window of size 1 (stride 1, no padding,
  no dilation) on the batch axis, which stays where it is.
* ``sort``: the dimension param is shifted past the batch axis; batched
  operands share one batch axis (the most common one, so usually nothing
  moves), unbatched ones (``argsort``'s iota) are broadcast, as ``sort``
  needs equal shapes; ``num_keys`` is unchanged.
* ``top_k`` works on the last axis: a batch axis there moves to the front.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Any, Sequence

from tracer import primitives as P
from tracer.tracing import bind
from transforms.util import aval
from transforms.vmap import batch_rules, bdim_at, moveaxis

Dims = Sequence[int | None]


def _shift(axes: Sequence[int], bdim: int | None) -> tuple[int, ...]:
    """Unbatched axis numbers as axis numbers of the operand with its batch axis at ``bdim``."""
    if bdim is None:
        return tuple(axes)
    return tuple(a + (a >= bdim) for a in axes)


# -- dot_general ------------------------------------------------------------------------


def _dot_general_rule(axis_size: int, vals: Sequence[Any], dims: Dims, *,
                      dimension_numbers: tuple, precision: Any = None,
                      preferred_element_type: Any = None) -> tuple[Any, int]:
    lhs, rhs = vals
    ld, rd = dims
    (lc, rc), (lb, rb) = dimension_numbers
    lc, lb, rc, rb = _shift(lc, ld), _shift(lb, ld), _shift(rc, rd), _shift(rb, rd)
    if ld is not None and rd is not None:
        # a new batch-dimension pair; batch dims come first in the output
        dn = ((lc, rc), ((ld,) + lb, (rd,) + rb))
        out_dim = 0
    elif ld is not None:
        # a free lhs dimension: after the batch dims and the lhs free dims before it
        dn = ((lc, rc), (lb, rb))
        out_dim = len(lb) + sum(1 for i in range(ld) if i not in lc and i not in lb)
    else:
        assert rd is not None
        dn = ((lc, rc), (lb, rb))
        n_lhs_free = len(aval(lhs).shape) - len(lc) - len(lb)
        out_dim = len(lb) + n_lhs_free + sum(1 for i in range(rd)
                                             if i not in rc and i not in rb)
    out = bind(P.dot_general_p, lhs, rhs, dimension_numbers=dn, precision=precision,
               preferred_element_type=preferred_element_type)
    return out, out_dim


batch_rules[P.dot_general_p] = _dot_general_rule


# -- conv_general_dilated ------------------------------------------------------------


def _axis_into(src: int, dst: int, x: Any) -> Any:
    """Merge axis ``src`` of ``x`` into axis ``dst`` as its major part.

    ``dst`` numbers the axes of ``x`` *without* ``src`` (e.g. ``src`` is a vmap
    axis and ``dst`` an axis of the unbatched operand).
    """
    x = moveaxis(x, src, dst)
    shape = list(aval(x).shape)
    shape[dst:dst + 2] = [shape[dst] * shape[dst + 1]]
    return bind(P.reshape_p, x, new_sizes=tuple(shape))


def _axis_out_of(src: int, size: int, x: Any) -> Any:
    """Split axis ``src`` of ``x`` into ``(size, rest)`` (the inverse of ``_axis_into``)."""
    shape = list(aval(x).shape)
    shape[src:src + 1] = [size, shape[src] // size]
    return bind(P.reshape_p, x, new_sizes=tuple(shape))


def _conv_rule(axis_size: int, vals: Sequence[Any], dims: Dims, *, dimension_numbers: tuple,
               feature_group_count: int = 1, batch_group_count: int = 1,
               **params: Any) -> tuple[Any, int]:
    lhs, rhs = vals
    ld, rd = dims
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    B = axis_size
    fgc, bgc = feature_group_count, batch_group_count

    def conv(x: Any, w: Any, fgc: int, bgc: int) -> Any:
        return bind(P.conv_general_dilated_p, x, w, dimension_numbers=dimension_numbers,
                    feature_group_count=fgc, batch_group_count=bgc, **params)

    if ld is not None and rd is not None:
        # One group per example: example b's lhs features and rhs output features
        # form groups b*G .. b*G+G-1 (the batch is the major part of the merged axes).
        w = _axis_into(rd, rhs_spec[0], rhs)
        if bgc > 1:
            x = _axis_into(ld, lhs_spec[0], lhs)
            out = conv(x, w, fgc, bgc * B)
        else:
            x = _axis_into(ld, lhs_spec[1], lhs)
            out = conv(x, w, fgc * B, bgc)
        return _axis_out_of(out_spec[1], B, out), out_spec[1]
    if ld is not None:
        if bgc == 1:
            # examples are more images: fold the batch into N
            out = conv(_axis_into(ld, lhs_spec[0], lhs), rhs, fgc, bgc)
            return _axis_out_of(out_spec[0], B, out), out_spec[0]
        # N is (groups, per-group): fold the batch inside each group, N -> (G, B * N/G)
        n0 = lhs_spec[0] + (ld <= lhs_spec[0])        # N's axis in the batched lhs
        x = _axis_out_of(n0, bgc, lhs)                   # ... G, N/G ...
        x = _axis_into(ld + (lhs_spec[0] < ld), lhs_spec[0] + 1, x)   # G, B * N/G
        x = _axis_into(lhs_spec[0], lhs_spec[0], x)      # G * B * N/G
        out = conv(x, rhs, fgc, bgc)                     # output N is B * N/G
        return _axis_out_of(out_spec[0], B, out), out_spec[0]
    assert rd is not None
    if fgc == 1 and bgc == 1:
        # examples are more filters: fold the batch into O
        out = conv(lhs, _axis_into(rd, rhs_spec[0], rhs), fgc, bgc)
        return _axis_out_of(out_spec[1], B, out), out_spec[1]
    # O is (groups, per-group): fold the batch inside each group, O -> (G, B * O/G)
    g = fgc if fgc > 1 else bgc
    o0 = rhs_spec[0] + (rd <= rhs_spec[0])
    w = _axis_out_of(o0, g, rhs)
    w = _axis_into(rd + (rhs_spec[0] < rd), rhs_spec[0] + 1, w)
    w = _axis_into(rhs_spec[0], rhs_spec[0], w)
    out = conv(lhs, w, fgc, bgc)                         # output features G, B, O/G
    f = out_spec[1]
    out = _axis_out_of(f, g, out)                        # ... G, B * O/G ...
    out = _axis_out_of(f + 1, B, out)                    # ... G, B, O/G ...
    out = moveaxis(out, f, f + 1)                        # ... B, G, O/G ...
    shape = list(aval(out).shape)
    shape[f + 1:f + 3] = [math.prod(shape[f + 1:f + 3])]
    return bind(P.reshape_p, out, new_sizes=tuple(shape)), f


batch_rules[P.conv_general_dilated_p] = _conv_rule


# -- window reductions ----------------------------------------------------------------


def _reduce_window(prim: P.Primitive) -> None:
    def rule(axis_size: int, vals: Sequence[Any], dims: Dims, *,
             window_dimensions: tuple[int, ...], window_strides: tuple[int, ...],
             padding: tuple[tuple[int, int], ...], base_dilation: tuple[int, ...],
             window_dilation: tuple[int, ...]) -> tuple[Any, int]:
        (x,), (d,) = vals, dims
        assert d is not None

        def ins(t: tuple, v: Any) -> tuple:   # a trivial window entry for the batch axis
            return tuple(t[:d]) + (v,) + tuple(t[d:])
        out = bind(prim, x, window_dimensions=ins(window_dimensions, 1),
                   window_strides=ins(window_strides, 1), padding=ins(padding, (0, 0)),
                   base_dilation=ins(base_dilation, 1), window_dilation=ins(window_dilation, 1))
        return out, d
    batch_rules[prim] = rule


for _p in (P.reduce_window_sum_p, P.reduce_window_max_p, P.reduce_window_min_p):
    _reduce_window(_p)


# -- sort, top_k --------------------------------------------------------------------------


def _sort_rule(axis_size: int, vals: Sequence[Any], dims: Dims, *, dimension: int,
               is_stable: bool = True, num_keys: int = 1) -> tuple[list, list]:
    # sort needs operands of one shape: one shared batch axis, the most common one
    b = Counter(d for d in dims if d is not None).most_common(1)[0][0]
    xs = [bdim_at(v, d, axis_size, b) for v, d in zip(vals, dims, strict=True)]
    nd = len(aval(xs[0]).shape) - 1
    dim = dimension % nd
    outs = bind(P.sort_p, *xs, dimension=dim + (dim >= b), is_stable=is_stable,
                num_keys=num_keys)
    return list(outs), [b] * len(outs)


batch_rules[P.sort_p] = _sort_rule


def _top_k_rule(axis_size: int, vals: Sequence[Any], dims: Dims, *, k: int
                ) -> tuple[list, list]:
    (x,), (d,) = vals, dims
    assert d is not None
    if d == len(aval(x).shape) - 1:   # top_k works on the last axis: the batch must leave it
        x, d = moveaxis(x, d, 0), 0
    vals_, idx = bind(P.top_k_p, x, k=k)
    return [vals_, idx], [d, d]


batch_rules[P.top_k_p] = _top_k_rule
