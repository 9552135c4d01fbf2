"""Batching rules of reductions, arg-reductions and cumulative primitives.

None of them needs to move the batch axis: the example axis ``a`` they work
on is axis ``a + (a >= bdim)`` of the batched operand, so the rules only
shift their ``axes``/``axis`` param past the batch axis.  A reduction's
output loses the reduced axes, so its batch axis moves left by the number of
reduced axes in front of it; cumulative ops keep the shape and the batch axis.
"""
from __future__ import annotations

from typing import Any, Sequence

from tracer import primitives as P
from tracer.tracing import bind
from transforms.vmap import batch_rules

REDUCTIONS: tuple[P.Primitive, ...] = (
    P.reduce_sum_p, P.reduce_prod_p, P.reduce_max_p, P.reduce_min_p, P.reduce_and_p,
    P.reduce_or_p,
)
ARG_REDUCTIONS: tuple[P.Primitive, ...] = (P.argmax_p, P.argmin_p)
CUMULATIVE: tuple[P.Primitive, ...] = (
    P.cumsum_p, P.cumprod_p, P.cummax_p, P.cummin_p, P.cumlogsumexp_p,
)


def _past(axis: int, bdim: int) -> int:
    """Example axis ``axis`` as an axis of the operand batched at ``bdim``."""
    return axis + (axis >= bdim)


def _reduction(prim: P.Primitive) -> None:
    def rule(axis_size: int, vals: Sequence[Any], dims: Sequence[int | None], *,
             axes: tuple[int, ...], **params: Any) -> tuple[Any, int]:
        (x,), (bd,) = vals, dims
        out = bind(prim, x, axes=tuple(_past(a, bd) for a in axes), **params)
        return out, bd - sum(a < bd for a in axes)
    batch_rules[prim] = rule


def _arg_reduction(prim: P.Primitive) -> None:
    def rule(axis_size: int, vals: Sequence[Any], dims: Sequence[int | None], *,
             axis: int, **params: Any) -> tuple[Any, int]:
        (x,), (bd,) = vals, dims
        return bind(prim, x, axis=_past(axis, bd), **params), bd - (axis < bd)
    batch_rules[prim] = rule


def _cumulative(prim: P.Primitive) -> None:
    def rule(axis_size: int, vals: Sequence[Any], dims: Sequence[int | None], *,
             axis: int, **params: Any) -> tuple[Any, int]:
        (x,), (bd,) = vals, dims
        return bind(prim, x, axis=_past(axis, bd), **params), bd
    batch_rules[prim] = rule


for _p in REDUCTIONS:
    _reduction(_p)
for _p in ARG_REDUCTIONS:
    _arg_reduction(_p)
for _p in CUMULATIVE:
    _cumulative(_p)
