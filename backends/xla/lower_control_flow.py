"""XLA lowerings of the higher-order primitives: ``cond``, ``while``, ``scan`` and the
graph-holding calls (``custom_jvp_call``, ``custom_vjp_call``, ``checkpoint``,
``call``).

Every sub-graph is lowered once as a private function and reached with
``func.call`` from inside the regions, so a region body is a handful of ops
around one call.  Decisions, matching the NumPy backend (the specification):

* ``cond``: the index is clamped into ``[0, len(branches) - 1]`` in its own
  integer type, then converted to ``tensor<i32>`` (what ``stablehlo.case``
  takes).  ``case`` regions take no block arguments: they read the operands
  from the enclosing scope.
* ``while``: the loop carries *all* operands (cond consts, body consts, carry),
  so both regions see their consts as block arguments (``stablehlo.while``
  regions are isolated from above in spirit: XLA's while has one tuple
  operand).  With ``max_iterations`` an ``i64`` trip counter is appended to
  the carry and the condition becomes ``cond(...) and counter < max``.
* ``scan``: a ``stablehlo.while`` over an ``i64`` counter ``t``; the step reads
  ``xs[i]`` with ``dynamic_slice`` and writes ``ys[i]`` with
  ``dynamic_update_slice`` into zero-initialized buffers, where
  ``i = t`` or ``length - 1 - t`` when ``reverse``.  ``unroll`` is a hint and
  is ignored (XLA unrolls small loops itself).
* custom derivative calls and ``checkpoint`` lower to a plain call of the
  held primal graph: derivatives were already applied before lowering.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from backends.xla.lower import LoweringContext, eqn_avals, lowerings, tensor_type
from tracer import primitives as P
from tracer.ir import ClosedGraph, Equation, ShapedArray

_I32 = ShapedArray((), np.dtype(np.int32))
_I64 = ShapedArray((), np.dtype(np.int64))
_BOOL = ShapedArray((), np.dtype(np.bool_))

RegionBody = Callable[[LoweringContext, list[str]], tuple[list[str], list[ShapedArray]]]


def build_region(ctx: LoweringContext, arg_avals: Sequence[ShapedArray], body: RegionBody,
                 ret: str = "stablehlo.return") -> str:
    """A region with block arguments ``arg_avals`` whose ops ``body(sub_ctx, args)`` emits.

    ``body`` returns the values to yield and their avals.  SSA names come from
    the module-wide counter, so regions may also read values of the enclosing
    scope by name (``stablehlo.case`` does).
    """
    sub = LoweringContext(ctx.module, ctx.indent + "    ")
    sub.source = ctx.source
    args = [sub.fresh() for _ in arg_avals]
    outs, out_avals = body(sub, args)
    types = ", ".join(tensor_type(a) for a in out_avals)
    sub.lines.append(f'{sub.indent}"{ret}"({", ".join(outs)}) : ({types}) -> ()')
    head = ""
    if arg_avals:
        sig = ", ".join(f"{n}: {tensor_type(a)}" for n, a in zip(args, arg_avals))
        head = f"{ctx.indent}  ^bb0({sig}):\n"
    return "{\n" + head + "\n".join(sub.lines) + f"\n{ctx.indent}}}"


def _out_avals(closed: ClosedGraph) -> list[ShapedArray]:
    return [a.strip_weak() for a in closed.out_avals]


def _compare(ctx: LoweringContext, x: str, y: str, a: ShapedArray, direction: str) -> str:
    kind = "SIGNED" if a.dtype.kind == "i" else "UNSIGNED" if a.dtype.kind in "ub" else "FLOAT"
    attrs = (f"comparison_direction = #stablehlo<comparison_direction {direction}>, "
             f"compare_type = #stablehlo<comparison_type {kind}>")
    return ctx.op("stablehlo.compare", [x, y], [a, a], [a.update(dtype=np.dtype(np.bool_))],
                  attrs=attrs)[0]


def _zeros(ctx: LoweringContext, a: ShapedArray) -> str:
    if a.dtype.kind == "c":
        z = ctx.constant(0, ShapedArray((), np.dtype(np.float32)))
        z = ctx.convert(z, ShapedArray((), np.dtype(np.float32)), a.dtype)
        return ctx.broadcast(z, ShapedArray((), a.dtype), a.shape)
    return ctx.constant(0, a)


# ---------------------------------------------------------------------------
# cond


def _cond_lowering(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    branches: tuple[ClosedGraph, ...] = e.params["branches"]
    in_avals, out_avals = eqn_avals(e)
    idx_aval, op_avals = in_avals[0], in_avals[1:]
    idx, ops = ins[0], ins[1:]
    if len(branches) == 1:
        return ctx.call(branches[0], ops, op_avals)
    lo = ctx.constant(0, idx_aval)
    hi = ctx.constant(len(branches) - 1, idx_aval)
    idx = ctx.op("stablehlo.clamp", [lo, idx, hi], [idx_aval] * 3, [idx_aval])[0]
    idx = ctx.convert(idx, idx_aval, np.dtype(np.int32))

    def branch_body(br: ClosedGraph) -> RegionBody:
        def body(sub: LoweringContext, _: list[str]) -> tuple[list[str], list[ShapedArray]]:
            return sub.call(br, ops, op_avals), _out_avals(br)
        return body

    regions = [build_region(ctx, [], branch_body(br)) for br in branches]
    return ctx.op("stablehlo.case", [idx], [_I32], out_avals, regions=regions)


# ---------------------------------------------------------------------------
# while


def _while_lowering(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    cond_graph: ClosedGraph = e.params["cond_graph"]
    body_graph: ClosedGraph = e.params["body_graph"]
    nc, nb = e.params["cond_nconsts"], e.params["body_nconsts"]
    max_it = e.params.get("max_iterations")
    in_avals, _ = eqn_avals(e)
    ins = list(ins)
    avals = list(in_avals)
    if max_it is not None:
        ins.append(ctx.constant(0, _I64))
        avals.append(_I64)
    n_ops = len(in_avals)

    def cond_body(sub: LoweringContext, args: list[str]) -> tuple[list[str], list[ShapedArray]]:
        cargs = args[:nc] + args[nc + nb:n_ops]
        pred = sub.call(cond_graph, cargs, avals[:nc] + avals[nc + nb:n_ops])[0]
        if max_it is not None:
            limit = sub.constant(int(max_it), _I64)
            more = _compare(sub, args[-1], limit, _I64, "LT")
            pred = sub.op("stablehlo.and", [pred, more], [_BOOL, _BOOL], [_BOOL])[0]
        return [pred], [_BOOL]

    def body_body(sub: LoweringContext, args: list[str]) -> tuple[list[str], list[ShapedArray]]:
        new = sub.call(body_graph, args[nc:n_ops], avals[nc:n_ops])
        outs = args[:nc + nb] + new
        if max_it is not None:
            one = sub.constant(1, _I64)
            outs.append(sub.op("stablehlo.add", [args[-1], one], [_I64, _I64], [_I64])[0])
        return outs, avals

    regions = [build_region(ctx, avals, cond_body), build_region(ctx, avals, body_body)]
    res = ctx.op("stablehlo.while", ins, avals, avals, regions=regions)
    return res[nc + nb:n_ops]


# ---------------------------------------------------------------------------
# scan


def _scan_lowering(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    graph: ClosedGraph = e.params["graph"]
    n_consts, n_carry = e.params["num_consts"], e.params["num_carry"]
    length, reverse = e.params["length"], e.params.get("reverse", False)
    in_avals, out_avals = eqn_avals(e)
    y_avals = out_avals[n_carry:]
    x_avals = in_avals[n_consts + n_carry:]
    n_in = len(in_avals)
    if length == 0:
        return list(ins[n_consts:n_consts + n_carry]) + [_zeros(ctx, a) for a in y_avals]
    ys0 = [_zeros(ctx, a) for a in y_avals]
    avals = [_I64] + list(in_avals) + list(y_avals)
    operands = [ctx.constant(0, _I64)] + list(ins) + ys0

    def cond_body(sub: LoweringContext, args: list[str]) -> tuple[list[str], list[ShapedArray]]:
        return [_compare(sub, args[0], sub.constant(length, _I64), _I64, "LT")], [_BOOL]

    def step(sub: LoweringContext, args: list[str]) -> tuple[list[str], list[ShapedArray]]:
        t, rest = args[0], args[1:]
        consts, carry = rest[:n_consts], rest[n_consts:n_consts + n_carry]
        xs, ys = rest[n_consts + n_carry:n_in], rest[n_in:]
        i = t
        if reverse:
            last = sub.constant(length - 1, _I64)
            i = sub.op("stablehlo.subtract", [last, t], [_I64, _I64], [_I64])[0]
        zero = sub.constant(0, _I64)
        x_t = []
        for x, a in zip(xs, x_avals):
            starts = [i] + [zero] * (a.ndim - 1)
            one = a.update(shape=(1,) + a.shape[1:])
            sl = sub.op("stablehlo.dynamic_slice", [x] + starts, [a] + [_I64] * a.ndim, [one],
                        attrs=f"slice_sizes = array<i64: {', '.join(map(str, one.shape))}>")[0]
            x_t.append(sub.op("stablehlo.reshape", [sl], [one],
                              [a.update(shape=a.shape[1:])])[0])
        body_avals = (list(in_avals[:n_consts + n_carry])
                      + [a.update(shape=a.shape[1:]) for a in x_avals])
        outs = sub.call(graph, consts + carry + x_t, body_avals)
        new_carry, y_t = outs[:n_carry], outs[n_carry:]
        new_ys = []
        for buf, y, a in zip(ys, y_t, y_avals):
            elem = a.update(shape=a.shape[1:])
            one = a.update(shape=(1,) + a.shape[1:])
            y1 = sub.op("stablehlo.reshape", [y], [elem], [one])[0]
            starts = [i] + [zero] * (a.ndim - 1)
            new_ys.append(sub.op("stablehlo.dynamic_update_slice", [buf, y1] + starts,
                                 [a, one] + [_I64] * a.ndim, [a])[0])
        t1 = sub.op("stablehlo.add", [t, sub.constant(1, _I64)], [_I64, _I64], [_I64])[0]
        return [t1] + consts + new_carry + xs + new_ys, avals

    regions = [build_region(ctx, avals, cond_body), build_region(ctx, avals, step)]
    res = ctx.op("stablehlo.while", operands, avals, avals, regions=regions)
    return res[1 + n_consts:1 + n_consts + n_carry] + res[1 + n_in:]


# ---------------------------------------------------------------------------
# Graph-holding calls: lower the held (primal) graph.


def _call_lowering(key: str) -> Callable[[LoweringContext, Equation, list[str]], list[str]]:
    def rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
        in_avals, _ = eqn_avals(e)
        return ctx.call(e.params[key], ins, in_avals)
    return rule


lowerings[P.cond_p] = _cond_lowering
lowerings[P.while_p] = _while_lowering
lowerings[P.scan_p] = _scan_lowering
lowerings[P.custom_jvp_call_p] = _call_lowering("call")
lowerings[P.custom_vjp_call_p] = _call_lowering("call")
lowerings[P.checkpoint_p] = _call_lowering("graph")
lowerings[P.call_p] = _call_lowering("graph")
