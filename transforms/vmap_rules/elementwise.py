"""Batching rules of elementwise primitives.

Elementwise primitives act on each element independently, so a batch axis is
just one more axis: unary ones keep it where it is, and n-ary ones (which
broadcast NumPy-style, ``select_n``'s selector included) move an operand
only when the operands' batch axes do not line up (``defbroadcasting``).
"""
from __future__ import annotations

from typing import Any, Sequence

from tracer import primitives as P
from tracer.tracing import bind
from transforms.vmap import batch_rules, defbroadcasting

UNARY: tuple[P.Primitive, ...] = (
    P.neg_p, P.sign_p, P.floor_p, P.ceil_p, P.round_p, P.is_finite_p, P.signbit_p,
    P.exp_p, P.exp2_p, P.expm1_p, P.log_p, P.log1p_p, P.sin_p, P.cos_p, P.tan_p,
    P.asin_p, P.acos_p, P.atan_p, P.sinh_p, P.cosh_p, P.tanh_p, P.asinh_p, P.acosh_p,
    P.atanh_p, P.sqrt_p, P.rsqrt_p, P.cbrt_p, P.logistic_p, P.erf_p, P.abs_p, P.not_p,
    P.stop_gradient_p, P.integer_pow_p, P.convert_element_type_p,
)

NARY: tuple[P.Primitive, ...] = (
    P.add_p, P.sub_p, P.mul_p, P.div_p, P.rem_p, P.pow_p, P.max_p, P.min_p, P.atan2_p,
    P.nextafter_p, P.and_p, P.or_p, P.xor_p, P.shift_left_p, P.shift_right_arithmetic_p,
    P.shift_right_logical_p, P.eq_p, P.ne_p, P.lt_p, P.le_p, P.gt_p, P.ge_p, P.select_n_p,
)


def _unary(prim: P.Primitive) -> None:
    """Rule of a one-operand elementwise primitive: the batch axis stays put."""
    def rule(axis_size: int, vals: Sequence[Any], dims: Sequence[int | None],
             **params: Any) -> tuple[Any, int | None]:
        return bind(prim, vals[0], **params), dims[0]
    batch_rules[prim] = rule


for _p in UNARY:
    _unary(_p)
for _p in NARY:
    defbroadcasting(_p)

# Special functions (tracer.scipy.special): unary, so the batch axis stays put.
for _p in (P.lgamma_p, P.digamma_p, P.erf_inv_p, P.erfc_p):
    _unary(_p)
