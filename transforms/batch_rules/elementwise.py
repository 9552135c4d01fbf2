"""Batching rules of elementwise primitives.

n-ary elementwise primitives broadcast NumPy-style, so operands that share a
batch axis need nothing (``defbroadcasting``); unary ones keep the batch axis.
"""
from __future__ import annotations

from typing import Any, Sequence

from tracer import primitives as P
from tracer.tracing import bind
from transforms.vmap import batch_rules, defbroadcasting


def _unary(prim: P.Primitive) -> None:
    def rule(axis_size: int, vals: Sequence[Any], dims: Sequence[int | None],
             **params: Any) -> tuple[Any, int | None]:
        return bind(prim, vals[0], **params), dims[0]
    batch_rules[prim] = rule


for _p in (P.sin_p, P.cos_p):
    _unary(_p)
for _p in (P.add_p, P.mul_p):
    defbroadcasting(_p)
