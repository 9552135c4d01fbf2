"""XLA lowering rules: elementwise primitives, reductions and cumulative ops.

Every rule matches the NumPy backend (``backends/numpy_backend.py``), which is
the specification, and emits the extra ops needed where StableHLO differs:
integer division and remainder by zero, shifts by amounts outside
``[0, bits)``, ``select_n`` with integer selectors, bool ``add``/``mul``,
``signbit`` of NaN, conversions to bool, argmax/argmin picking the first NaN.
Cumulative ops use a log-step (Hillis-Steele) scan: ``ceil(log2(n))`` rounds of
"shift by ``k`` with the identity padded in, then combine".
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from backends.xla.lower import (
    LoweringContext, eqn_avals, i64_array, lowerings, tensor_type,
)
from tracer import dtypes
from tracer import primitives as P
from tracer.ir import Equation, ShapedArray

Rule = Callable[[LoweringContext, Equation, list[str]], list[str]]
Body = Callable[[LoweringContext, list[str]], list[str]]


# ---------------------------------------------------------------------------
# Helpers


def _is_float(dt: np.dtype) -> bool:
    return dtypes.is_inexact(dt)


def _is_bool(dt: np.dtype) -> bool:
    return np.dtype(dt) == np.bool_


def _is_unsigned(dt: np.dtype) -> bool:
    return np.dtype(dt).kind == "u"


def _bool(a: ShapedArray) -> ShapedArray:
    return ShapedArray(a.shape, np.dtype(np.bool_))


def _un(ctx: LoweringContext, name: str, x: str, a: ShapedArray,
        out: ShapedArray | None = None) -> str:
    return ctx.op(name, [x], [a], [out or a])[0]


def _bin(ctx: LoweringContext, name: str, x: str, y: str, a: ShapedArray,
         out: ShapedArray | None = None) -> str:
    return ctx.op(name, [x, y], [a, a], [out or a])[0]


def _compare_type(dt: np.dtype) -> str:
    if _is_float(dt):
        return "FLOAT"
    if _is_bool(dt) or _is_unsigned(dt):
        return "UNSIGNED"
    return "SIGNED"


def _cmp(ctx: LoweringContext, direction: str, x: str, y: str, a: ShapedArray) -> str:
    """``stablehlo.compare`` of two same-shaped operands; returns a bool tensor."""
    attrs = (f"comparison_direction = #stablehlo<comparison_direction {direction}>, "
             f"compare_type = #stablehlo<comparison_type {_compare_type(a.dtype)}>")
    return ctx.op("stablehlo.compare", [x, y], [a, a], [_bool(a)], attrs=attrs)[0]


def _select(ctx: LoweringContext, pred: str, on_true: str, on_false: str,
            a: ShapedArray) -> str:
    return ctx.op("stablehlo.select", [pred, on_true, on_false], [_bool(a), a, a], [a])[0]


def _region(ctx: LoweringContext, arg_avals: Sequence[ShapedArray], body: Body) -> str:
    """A region ``{ ^bb0(args): body; stablehlo.return }`` built from raw ops."""
    sub = LoweringContext(ctx.module, ctx.indent + "    ")
    sub.source = ctx.source
    args = [sub.fresh() for _ in arg_avals]
    outs = body(sub, args)
    n = len(outs)
    types = ", ".join(tensor_type(a) for a in arg_avals[:n])
    sub.lines.append(f'{sub.indent}"stablehlo.return"({", ".join(outs)}) : ({types}) -> ()')
    head = ", ".join(f"{nm}: {tensor_type(a)}" for nm, a in zip(args, arg_avals))
    return "{\n" + f"{ctx.indent}  ^bb0({head}):\n" + "\n".join(sub.lines) + f"\n{ctx.indent}}}"


def _identity(kind: str, dt: np.dtype) -> object:
    """The identity of a monoid, as the NumPy backend uses it."""
    dt = np.dtype(dt)
    if kind == "add":
        return False if _is_bool(dt) else 0
    if kind == "mul":
        return True if _is_bool(dt) else 1
    if kind == "max":
        if _is_float(dt):
            return -np.inf
        return False if _is_bool(dt) else np.iinfo(dt).min
    if kind == "min":
        if _is_float(dt):
            return np.inf
        return True if _is_bool(dt) else np.iinfo(dt).max
    if kind == "and":
        if _is_bool(dt):
            return True
        return np.iinfo(dt).max if _is_unsigned(dt) else -1
    if kind == "or":
        return False if _is_bool(dt) else 0
    raise ValueError(kind)


_MONOID_OPS = {"add": "stablehlo.add", "mul": "stablehlo.multiply", "max": "stablehlo.maximum",
               "min": "stablehlo.minimum", "and": "stablehlo.and", "or": "stablehlo.or"}
_BOOL_MONOID = {"add": "or", "mul": "and", "max": "or", "min": "and", "and": "and", "or": "or"}


def _combine(ctx: LoweringContext, kind: str, x: str, y: str, a: ShapedArray) -> str:
    """The monoid ``kind`` (add mul max min and or logaddexp) applied to ``x``, ``y``."""
    if kind == "logaddexp":
        return _logaddexp(ctx, x, y, a)
    if _is_bool(a.dtype):
        kind = _BOOL_MONOID[kind]
    return _bin(ctx, _MONOID_OPS[kind], x, y, a)


def _logaddexp(ctx: LoweringContext, x: str, y: str, a: ShapedArray) -> str:
    """``np.logaddexp``: ``x + log(2)`` on ties (so infinities stay), else max + log1p."""
    mx = _bin(ctx, "stablehlo.maximum", x, y, a)
    mn = _bin(ctx, "stablehlo.minimum", x, y, a)
    d = _bin(ctx, "stablehlo.subtract", mn, mx, a)
    r = _bin(ctx, "stablehlo.add", mx,
             _un(ctx, "stablehlo.log_plus_one", _un(ctx, "stablehlo.exponential", d, a), a), a)
    tie = _bin(ctx, "stablehlo.add", x, ctx.constant(math.log(2.0), a), a)
    return _select(ctx, _cmp(ctx, "EQ", x, y, a), tie, r, a)


# ---------------------------------------------------------------------------
# Elementwise rules


def _broadcast_ins(ctx: LoweringContext, e: Equation,
                   ins: list[str]) -> tuple[list[str], list[ShapedArray], ShapedArray]:
    """Operands broadcast to the output shape; returns (names, their avals, out aval)."""
    in_avals, (out,) = eqn_avals(e)
    args = [ctx.broadcast(x, a, out.shape) for x, a in zip(ins, in_avals)]
    return args, [a.update(shape=out.shape) for a in in_avals], out


def _simple(opname: str, bool_op: str | None = None) -> Rule:
    """One StableHLO op on the broadcast operands (``bool_op`` for bool operands)."""
    def rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
        args, avals, out = _broadcast_ins(ctx, e, ins)
        name = bool_op if bool_op and _is_bool(avals[0].dtype) else opname
        return ctx.op(name, args, avals, [out])
    return rule


_SIMPLE_UNARY = {
    P.neg_p: "stablehlo.negate", P.floor_p: "stablehlo.floor", P.ceil_p: "stablehlo.ceil",
    P.is_finite_p: "stablehlo.is_finite", P.exp_p: "stablehlo.exponential",
    P.expm1_p: "stablehlo.exponential_minus_one", P.log_p: "stablehlo.log",
    P.log1p_p: "stablehlo.log_plus_one", P.sin_p: "stablehlo.sine",
    P.cos_p: "stablehlo.cosine", P.tan_p: "stablehlo.tan", P.asin_p: "chlo.asin",
    P.acos_p: "chlo.acos", P.atan_p: "chlo.atan", P.sinh_p: "chlo.sinh",
    P.cosh_p: "chlo.cosh", P.tanh_p: "stablehlo.tanh", P.asinh_p: "chlo.asinh",
    P.acosh_p: "chlo.acosh", P.atanh_p: "chlo.atanh", P.sqrt_p: "stablehlo.sqrt",
    P.rsqrt_p: "stablehlo.rsqrt", P.cbrt_p: "stablehlo.cbrt",
    P.logistic_p: "stablehlo.logistic", P.erf_p: "chlo.erf", P.not_p: "stablehlo.not",
}
_SIMPLE_BINARY = {
    P.sub_p: "stablehlo.subtract", P.atan2_p: "stablehlo.atan2",
    P.nextafter_p: "chlo.next_after", P.and_p: "stablehlo.and", P.or_p: "stablehlo.or",
    P.xor_p: "stablehlo.xor", P.pow_p: "stablehlo.power",
}
for _p, _n in {**_SIMPLE_UNARY, **_SIMPLE_BINARY}.items():
    lowerings[_p] = _simple(_n)
lowerings[P.add_p] = _simple("stablehlo.add", "stablehlo.or")
lowerings[P.mul_p] = _simple("stablehlo.multiply", "stablehlo.and")
# max/min of floats: NaN propagates as in NumPy.  Signed zeros are the one difference:
# XLA orders -0.0 < 0.0 (IEEE 754-2019 maximum/minimum: min(0.0, -0.0) = -0.0), where
# NumPy returns np.minimum's second operand of a tie (and in reductions the element its
# SIMD lane saw first, which depends on the array's length).  IEEE 754-2008 leaves the
# choice open and XLA's is the better one, so jit keeps it, as jax.jit does; matching
# NumPy would cost a compare and a select per element (and NumPy's lane order cannot
# be matched at all).
lowerings[P.max_p] = _simple("stablehlo.maximum", "stablehlo.or")
lowerings[P.min_p] = _simple("stablehlo.minimum", "stablehlo.and")


def _identity_rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    return [ins[0]]


lowerings[P.stop_gradient_p] = _identity_rule


def _abs_rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    (a,), (out,) = eqn_avals(e)
    if _is_unsigned(a.dtype):
        return [ins[0]]
    return [_un(ctx, "stablehlo.abs", ins[0], a, out)]   # (complex -> real)


def _sign_rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    (a,), _ = eqn_avals(e)
    x = ins[0]
    if _is_unsigned(a.dtype):
        nz = _cmp(ctx, "NE", x, ctx.constant(0, a), a)
        return [_select(ctx, nz, ctx.constant(1, a), ctx.constant(0, a), a)]
    return [_un(ctx, "stablehlo.sign", x, a)]


def _round_rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    (a,), _ = eqn_avals(e)
    name = ("stablehlo.round_nearest_afz" if e.params["rounding_method"] == 0
            else "stablehlo.round_nearest_even")
    return [_un(ctx, name, ins[0], a)]


def _signbit_rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    """The sign bit itself (set for -0.0 and negative NaNs): bitcast, compare < 0."""
    (a,), (out,) = eqn_avals(e)
    ia = a.update(dtype=np.dtype(f"i{np.dtype(a.dtype).itemsize}"))
    bits = ctx.op("stablehlo.bitcast_convert", [ins[0]], [a], [ia])[0]
    return [_cmp(ctx, "LT", bits, ctx.constant(0, ia), ia)]


def _exp2_rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    (a,), _ = eqn_avals(e)
    return [_bin(ctx, "stablehlo.power", ctx.constant(2.0, a), ins[0], a)]


def _integer_pow_rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    """``x ** y`` (``1 / x ** -y`` for negative ``y``), as the NumPy backend computes it."""
    (a,), _ = eqn_avals(e)
    y = int(e.params["y"])
    x = ins[0]
    if y == 0:
        return [ctx.constant(1, a)]
    if y == 1:
        return [x]
    if y == -1:
        return [_bin(ctx, "stablehlo.divide", ctx.constant(1, a), x, a)]
    if y == 2:
        return [_bin(ctx, "stablehlo.multiply", x, x, a)]
    p = _bin(ctx, "stablehlo.power", x, ctx.constant(abs(y), a), a)
    if y < 0:
        p = _bin(ctx, "stablehlo.divide", ctx.constant(1, a), p, a)
    return [p]


def _convert_rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    """``astype``: to bool is ``x != 0`` (NaN and subnormals are True); else ``convert``."""
    (a,), (out,) = eqn_avals(e)
    if a.dtype == out.dtype:
        return [ins[0]]
    if _is_bool(out.dtype):
        if np.dtype(a.dtype).kind == "c":   # either part nonzero
            re, im = _complex_parts(ctx, ins[0], a)
            r = a.update(dtype=np.finfo(a.dtype).dtype)
            return [_bin(ctx, "stablehlo.or", _float_nonzero(ctx, re, r),
                         _float_nonzero(ctx, im, r), _bool(r))]
        if _is_float(a.dtype):
            return [_float_nonzero(ctx, ins[0], a)]
        return [_cmp(ctx, "NE", ins[0], ctx.constant(0, a), a)]
    if _is_bool(a.dtype) and _is_float(out.dtype):
        # select(b, 1, 0), not convert: XLA's simplifier rewrites convert(b) / y into
        # select(b, 1 / y, 0), which is 0 where NumPy's 0 / 0 is NaN (bool_array / False)
        return [ctx.op("stablehlo.select", [ins[0], ctx.constant(1, out), ctx.constant(0, out)],
                       [a, out, out], [out])[0]]
    return [ctx.convert(ins[0], a, out.dtype)]


def _float_nonzero(ctx: LoweringContext, x: str, a: ShapedArray) -> str:
    """``x != 0`` comparing the bits without the sign: subnormals count (XLA flushes them)."""
    ia = a.update(dtype=np.dtype(f"u{np.dtype(a.dtype).itemsize}"))
    bits = ctx.op("stablehlo.bitcast_convert", [x], [a], [ia])[0]
    mag = _bin(ctx, "stablehlo.and", bits, ctx.constant(np.iinfo(ia.dtype).max >> 1, ia), ia)
    return _cmp(ctx, "NE", mag, ctx.constant(0, ia), ia)


def _complex_parts(ctx: LoweringContext, x: str, a: ShapedArray) -> tuple[str, str]:
    r = a.update(dtype=np.finfo(a.dtype).dtype)
    return _un(ctx, "stablehlo.real", x, a, r), _un(ctx, "stablehlo.imag", x, a, r)


def _is_finite_rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    """``isfinite``; of a complex value: both parts finite (as NumPy)."""
    (a,), (out,) = eqn_avals(e)
    if np.dtype(a.dtype).kind != "c":
        return [_un(ctx, "stablehlo.is_finite", ins[0], a, out)]
    re, im = _complex_parts(ctx, ins[0], a)
    r = a.update(dtype=np.finfo(a.dtype).dtype)
    return [_bin(ctx, "stablehlo.and", _un(ctx, "stablehlo.is_finite", re, r, out),
                 _un(ctx, "stablehlo.is_finite", im, r, out), out)]


lowerings[P.abs_p] = _abs_rule
lowerings[P.sign_p] = _sign_rule
lowerings[P.round_p] = _round_rule
lowerings[P.signbit_p] = _signbit_rule
lowerings[P.exp2_p] = _exp2_rule
lowerings[P.integer_pow_p] = _integer_pow_rule
lowerings[P.convert_element_type_p] = _convert_rule
lowerings[P.is_finite_p] = _is_finite_rule


def _div_rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    """Integers: truncating; ``x / 0`` is -1 (unsigned: max); ``MIN / -1`` is ``MIN``."""
    (x, y), (a, _), out = _broadcast_ins(ctx, e, ins)
    if _is_float(a.dtype):
        return [_bin(ctx, "stablehlo.divide", x, y, a)]
    zero = _cmp(ctx, "EQ", y, ctx.constant(0, a), a)
    bad = _overflow_or_zero(ctx, x, y, zero, a)
    safe = _select(ctx, bad, ctx.constant(1, a), y, a)
    q = _bin(ctx, "stablehlo.divide", x, safe, a)
    fill = np.iinfo(a.dtype).max if _is_unsigned(a.dtype) else -1
    return [_select(ctx, zero, ctx.constant(fill, a), q, a)]


def _overflow_or_zero(ctx: LoweringContext, x: str, y: str, zero: str, a: ShapedArray) -> str:
    """``y == 0`` or (signed) ``x == MIN and y == -1``."""
    if _is_unsigned(a.dtype):
        return zero
    b = _bool(a)
    ovf = _bin(ctx, "stablehlo.and", _cmp(ctx, "EQ", x, ctx.constant(np.iinfo(a.dtype).min, a), a),
               _cmp(ctx, "EQ", y, ctx.constant(-1, a), a), b)
    return _bin(ctx, "stablehlo.or", zero, ovf, b)


def _rem_rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    """C ``fmod``; integers: ``x % 0`` is ``x``, ``MIN % -1`` is 0."""
    (x, y), (a, _), out = _broadcast_ins(ctx, e, ins)
    if _is_float(a.dtype):
        return [_bin(ctx, "stablehlo.remainder", x, y, a)]
    zero = _cmp(ctx, "EQ", y, ctx.constant(0, a), a)
    bad = _overflow_or_zero(ctx, x, y, zero, a)
    safe = _select(ctx, bad, ctx.constant(1, a), y, a)
    r = _bin(ctx, "stablehlo.remainder", x, safe, a)
    return [_select(ctx, zero, x, r, a)]


lowerings[P.div_p] = _div_rule
lowerings[P.rem_p] = _rem_rule


def _shift(kind: str) -> Rule:
    """Shifts; amounts outside ``[0, bits)`` give 0 (arithmetic right: the sign fill)."""
    def rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
        (x, y), (a, _), out = _broadcast_ins(ctx, e, ins)
        b = _bool(a)
        bits = np.dtype(a.dtype).itemsize * 8
        big = _cmp(ctx, "GE", y, ctx.constant(bits, a), a)
        if not _is_unsigned(a.dtype):
            big = _bin(ctx, "stablehlo.or", big, _cmp(ctx, "LT", y, ctx.constant(0, a), a), b)
        ys = _select(ctx, big, ctx.constant(0, a), y, a)
        if kind == "left":
            op, fill = "stablehlo.shift_left", ctx.constant(0, a)
        elif kind == "arith" and not _is_unsigned(a.dtype):
            op = "stablehlo.shift_right_arithmetic"
            fill = _bin(ctx, op, x, ctx.constant(bits - 1, a), a)
        else:
            op, fill = "stablehlo.shift_right_logical", ctx.constant(0, a)
        r = _bin(ctx, op, x, ys, a)
        return [_select(ctx, big, fill, r, a)]
    return rule


lowerings[P.shift_left_p] = _shift("left")
lowerings[P.shift_right_arithmetic_p] = _shift("arith")
lowerings[P.shift_right_logical_p] = _shift("logical")


def _compare(direction: str) -> Rule:
    def rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
        (x, y), (a, _), out = _broadcast_ins(ctx, e, ins)
        return [_cmp(ctx, direction, x, y, a)]
    return rule


for _p, _d in [(P.eq_p, "EQ"), (P.ne_p, "NE"), (P.lt_p, "LT"), (P.le_p, "LE"),
               (P.gt_p, "GT"), (P.ge_p, "GE")]:
    lowerings[_p] = _compare(_d)


def _select_n_rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    """Bool selector or two cases: ``where(which, c1, c0)``; else cases[clip(which)]."""
    args, avals, out = _broadcast_ins(ctx, e, ins)
    which, cases = args[0], args[1:]
    wa = avals[0]
    if len(cases) == 1:
        return [cases[0]]
    if _is_bool(wa.dtype):
        return [_select(ctx, which, cases[1], cases[0], out)]
    if len(cases) == 2:
        pred = _cmp(ctx, "NE", which, ctx.constant(0, wa), wa)
        return [_select(ctx, pred, cases[1], cases[0], out)]
    res = cases[0]
    for i in range(1, len(cases)):
        # which >= i picks case i over the lower ones: clip(which, 0, n-1) for free
        pred = _cmp(ctx, "GE", which, ctx.constant(i, wa), wa)
        res = _select(ctx, pred, cases[i], res, out)
    return [res]


lowerings[P.select_n_p] = _select_n_rule


# ---------------------------------------------------------------------------
# Reductions


def _scalar(dt: np.dtype) -> ShapedArray:
    return ShapedArray((), np.dtype(dt))


def _reduce(kind: str) -> Rule:
    def rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
        (a,), (out,) = eqn_avals(e)
        axes = tuple(e.params["axes"])
        if not axes:
            return [ins[0]]
        s = _scalar(a.dtype)
        init = ctx.constant(_identity(kind, a.dtype), s)
        region = _region(ctx, [s, s], lambda c, xs: [_combine(c, kind, xs[0], xs[1], s)])
        return ctx.op("stablehlo.reduce", [ins[0], init], [a, s], [out],
                      attrs=f"dimensions = {i64_array(axes)}",
                      regions=[region])
    return rule


for _p, _k in [(P.reduce_sum_p, "add"), (P.reduce_prod_p, "mul"), (P.reduce_max_p, "max"),
               (P.reduce_min_p, "min"), (P.reduce_and_p, "and"), (P.reduce_or_p, "or")]:
    lowerings[_p] = _reduce(_k)


def _argreduce(direction: str) -> Rule:
    """Variadic reduce over (value, index): the better value wins, NaN beats all,
    ties (NaN ties included) go to the lower index, so the first NaN wins."""
    kind = "max" if direction == "GT" else "min"

    def rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
        (a,), (out,) = eqn_avals(e)
        axis = int(e.params["axis"])
        idt = np.dtype(e.params["index_dtype"])
        ia = a.update(dtype=idt)
        iota = ctx.op("stablehlo.iota", [], [], [ia], attrs=f"iota_dimension = {axis} : i64")[0]
        s, si = _scalar(a.dtype), _scalar(idt)
        init_v = ctx.constant(_identity(kind, a.dtype), s)
        init_i = ctx.constant(0, si)
        is_f = _is_float(a.dtype)

        def body(c: LoweringContext, xs: list[str]) -> list[str]:
            av, ai, bv, bi = xs
            b1 = _bool(s)
            better = _cmp(c, direction, av, bv, s)
            tie = _cmp(c, "EQ", av, bv, s)
            if is_f:
                a_nan = _cmp(c, "NE", av, av, s)
                b_nan = _cmp(c, "NE", bv, bv, s)
                b_ok = _un(c, "stablehlo.not", b_nan, b1)
                better = _bin(c, "stablehlo.and", b_ok,
                              _bin(c, "stablehlo.or", a_nan, better, b1), b1)
                tie = _bin(c, "stablehlo.or", tie,
                           _bin(c, "stablehlo.and", a_nan, b_nan, b1), b1)
            first = _bin(c, "stablehlo.and", tie, _cmp(c, "LT", ai, bi, si), b1)
            pick = _bin(c, "stablehlo.or", better, first, b1)
            return [_select(c, pick, av, bv, s), _select(c, pick, ai, bi, si)]

        region = _region(ctx, [s, si, s, si], body)
        res = ctx.op("stablehlo.reduce", [ins[0], iota, init_v, init_i], [a, ia, s, si],
                     [out.update(dtype=a.dtype), out],
                     attrs=f"dimensions = {i64_array([axis])}", regions=[region])
        return [res[1]]
    return rule


lowerings[P.argmax_p] = _argreduce("GT")
lowerings[P.argmin_p] = _argreduce("LT")


# ---------------------------------------------------------------------------
# Cumulative ops


def _shifted(ctx: LoweringContext, x: str, a: ShapedArray, axis: int, k: int,
             reverse: bool, pad: str) -> str:
    """``x`` moved ``k`` places along ``axis`` (towards the end, or the start if
    ``reverse``), the vacated places filled with ``pad``: one ``stablehlo.pad``."""
    lo = [0] * a.ndim
    hi = [0] * a.ndim
    lo[axis], hi[axis] = (-k, k) if reverse else (k, -k)
    attrs = (f"edge_padding_low = {i64_array(lo)}, edge_padding_high = {i64_array(hi)}, "
             f"interior_padding = {i64_array([0] * a.ndim)}")
    return ctx.op("stablehlo.pad", [x, pad], [a, _scalar(a.dtype)], [a], attrs=attrs)[0]


def _cumulative(kind: str) -> Rule:
    """Inclusive scan in ``ceil(log2(n))`` rounds: ``y = combine(y, shift(y, k))``."""
    ident_kind = "max" if kind == "logaddexp" else kind

    def rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
        (a,), _ = eqn_avals(e)
        axis = int(e.params["axis"])
        reverse = bool(e.params.get("reverse", False))
        n = a.shape[axis]
        y = ins[0]
        if n <= 1:
            return [y]
        pad = ctx.constant(_identity(ident_kind, a.dtype), _scalar(a.dtype))
        k = 1
        while k < n:
            y = _combine(ctx, kind, y, _shifted(ctx, y, a, axis, k, reverse, pad), a)
            k *= 2
        return [y]
    return rule


for _p, _k in [(P.cumsum_p, "add"), (P.cumprod_p, "mul"), (P.cummax_p, "max"),
               (P.cummin_p, "min"), (P.cumlogsumexp_p, "logaddexp")]:
    lowerings[_p] = _cumulative(_k)


# Special functions (tracer.scipy.special): XLA's CHLO kernels, as jax.lax lowers them.
for _p, _n in {P.lgamma_p: "chlo.lgamma", P.digamma_p: "chlo.digamma",
               P.erf_inv_p: "chlo.erf_inv", P.erfc_p: "chlo.erfc"}.items():
    lowerings[_p] = _simple(_n)
