"""XLA lowering rules: shapes, slicing, indexing, contractions, windows and sorting.

Each rule matches the NumPy backend (``backends/numpy_backend.py``) exactly,
emitting the extra ops where StableHLO's semantics differ: explicit index
clamping or out-of-bounds masking for gather/scatter, a NaN-last total order
for sort and top_k, integer accumulation for boolean contractions, and
padding done with ``stablehlo.pad`` (which accepts negative and interior
padding) before windowed reductions.  ``dot_general`` and ``convolution``
carry the equation's ``precision`` pair as their ``precision_config``
(HIGHEST on both operands when the equation has none).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from backends.numpy_backend import _gather_fill_value, _identity
from backends.xla.lower import (LoweringContext, dense_literal, eqn_avals, i64_array,
                                lowerings, tensor_type)
from tracer import primitives as P
from tracer.ir import Equation, ShapedArray

Rule = Callable[[LoweringContext, Equation, list[str]], list[str]]
_I64 = np.dtype(np.int64)
_BOOL = np.dtype(np.bool_)
_HIGHEST = "precision_config = [#stablehlo<precision HIGHEST>, #stablehlo<precision HIGHEST>]"


def _precision_config(e: Equation) -> str:
    """The ``precision_config`` of a dot_general/convolution from its ``precision`` param.

    None (no precision asked) keeps full float32 (HIGHEST) on both operands;
    otherwise each operand's ``Precision`` by name (DEFAULT, HIGH, HIGHEST).
    """
    precision = e.params.get("precision")
    if precision is None:
        return _HIGHEST
    lhs, rhs = precision
    return (f"precision_config = [#stablehlo<precision {lhs.name}>, "
            f"#stablehlo<precision {rhs.name}>]")


# ---------------------------------------------------------------------------
# Small emitters


def _ints(xs: Sequence[int]) -> str:
    """``[1, 2]``: the list syntax of dimension-number attributes."""
    return "[" + ", ".join(str(int(x)) for x in xs) + "]"


def _pairs(pads: Sequence[Sequence[int]]) -> str:
    """A dense ``Nx2`` i64 attribute for (low, high) padding pairs."""
    body = ", ".join(f"[{int(lo)}, {int(hi)}]" for lo, hi in pads)
    return f"dense<[{body}]> : tensor<{len(pads)}x2xi64>"


def _compare_type(dtype: np.dtype) -> str:
    kind = np.dtype(dtype).kind
    t = "FLOAT" if kind in "fc" or dtype.name == "bfloat16" else (
        "SIGNED" if kind == "i" else "UNSIGNED")
    return f"#stablehlo<comparison_type {t}>"


def _is_float(dtype: np.dtype) -> bool:
    return np.dtype(dtype).kind in "fc" or np.dtype(dtype).name == "bfloat16"


def compare(ctx: LoweringContext, a: str, b: str, aval: ShapedArray, direction: str) -> str:
    """``a <direction> b`` elementwise (same shape and dtype); a bool tensor."""
    return ctx.op("stablehlo.compare", [a, b], [aval, aval], [aval.update(dtype=_BOOL)],
                  attrs=f"comparison_direction = #stablehlo<comparison_direction {direction}>, "
                        f"compare_type = {_compare_type(aval.dtype)}")[0]


def _binary(ctx: LoweringContext, name: str, a: str, b: str, aval: ShapedArray) -> str:
    return ctx.op(name, [a, b], [aval, aval], [aval])[0]


def _splat(ctx: LoweringContext, value: Any, aval: ShapedArray) -> str:
    """A constant of shape ``aval`` filled with ``value`` (a scalar)."""
    return ctx.op("stablehlo.constant", [], [], [aval],
                  attrs=f"value = {_dense(value, aval)}")[0]


def _dense(value: Any, aval: ShapedArray) -> str:
    return dense_literal(value, aval)


def _empty_outputs(ctx: LoweringContext, outs: Sequence[ShapedArray]) -> list[str] | None:
    """Zero-size results need no computation: splat constants (avoids XLA edge cases)."""
    if all(o.size for o in outs):
        return None
    if not all(o.size == 0 for o in outs):
        return None
    return [_splat(ctx, 0, o) for o in outs]


def _region(ctx: LoweringContext, arg_avals: Sequence[ShapedArray],
            body: Callable[[LoweringContext, list[str]], tuple[list[str], list[ShapedArray]]]
            ) -> str:
    """A region ``{ ^bb0(args): <body>; stablehlo.return }`` built by ``body(sub, args)``."""
    sub = LoweringContext(ctx.module, ctx.indent + "    ")
    sub.source = ctx.source
    args = [sub.fresh() for _ in arg_avals]
    outs, out_avals = body(sub, args)
    types = ", ".join(tensor_type(a) for a in out_avals)
    sub.lines.append(f'{sub.indent}"stablehlo.return"({", ".join(outs)}) : ({types}) -> ()')
    head = ", ".join(f"{n}: {tensor_type(a)}" for n, a in zip(args, arg_avals))
    return "{\n" + f"{ctx.indent}  ^bb0({head}):\n" + "\n".join(sub.lines) + f"\n{ctx.indent}}}"


def _binary_region(ctx: LoweringContext, dtype: np.dtype, opname: str | None) -> str:
    """A scalar combiner region ``(a, b) -> a op b`` (``None``: returns ``b``)."""
    s = ShapedArray((), dtype)

    def body(sub: LoweringContext, args: list[str]) -> tuple[list[str], list[ShapedArray]]:
        if opname is None:
            return [args[1]], [s]
        return [_binary(sub, opname, args[0], args[1], s)], [s]
    return _region(ctx, [s, s], body)


def _reshape(ctx: LoweringContext, x: str, a: ShapedArray, shape: Sequence[int]) -> str:
    shape = tuple(int(d) for d in shape)
    if a.shape == shape:
        return x
    return ctx.op("stablehlo.reshape", [x], [a], [a.update(shape=shape)])[0]


def _slice(ctx: LoweringContext, x: str, a: ShapedArray, start: Sequence[int],
           limit: Sequence[int], strides: Sequence[int] | None = None) -> str:
    strides = strides or [1] * a.ndim
    shape = [max(0, -(-(hi - lo) // st)) for lo, hi, st in zip(start, limit, strides)]
    return ctx.op("stablehlo.slice", [x], [a], [a.update(shape=shape)],
                  attrs=f"start_indices = {i64_array(start)}, "
                        f"limit_indices = {i64_array(limit)}, strides = {i64_array(strides)}")[0]


def _index_scalar(ctx: LoweringContext, x: str, a: ShapedArray, bound: int) -> str:
    """A scalar start index as i64 (unsigned ones first capped at ``bound``, as NumPy's ints)."""
    if a.dtype.kind == "u":
        bound = min(bound, int(np.iinfo(a.dtype).max))
        x = _binary(ctx, "stablehlo.minimum", x, ctx.constant(bound, a), a)
    return ctx.convert(x, a, _I64)


# ---------------------------------------------------------------------------
# Shapes


def _broadcast_in_dim(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    (a,), (out,) = eqn_avals(e)
    dims = e.params["broadcast_dimensions"]
    return ctx.op("stablehlo.broadcast_in_dim", ins, [a], [out],
                  attrs=f"broadcast_dimensions = {i64_array(dims)}")


def _reshape_rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    (a,), (out,) = eqn_avals(e)
    return ctx.op("stablehlo.reshape", ins, [a], [out])


def _transpose(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    (a,), (out,) = eqn_avals(e)
    return ctx.op("stablehlo.transpose", ins, [a], [out],
                  attrs=f"permutation = {i64_array(e.params['permutation'])}")


def _rev(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    (a,), (out,) = eqn_avals(e)
    dims = e.params["dimensions"]
    if not dims:
        return ins
    return ctx.op("stablehlo.reverse", ins, [a], [out], attrs=f"dimensions = {i64_array(dims)}")


def _concatenate(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    avals, (out,) = eqn_avals(e)
    return ctx.op("stablehlo.concatenate", ins, avals, [out],
                  attrs=f"dimension = {int(e.params['dimension'])} : i64")


def _pad(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    (a, v), (out,) = eqn_avals(e)
    if a.ndim == 0:
        return [ins[0]]
    cfg = e.params["padding_config"]
    return ctx.op("stablehlo.pad", ins, [a, v], [out],
                  attrs=f"edge_padding_low = {i64_array([c[0] for c in cfg])}, "
                        f"edge_padding_high = {i64_array([c[1] for c in cfg])}, "
                        f"interior_padding = {i64_array([c[2] for c in cfg])}")


def _slice_rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    (a,), _ = eqn_avals(e)
    return [_slice(ctx, ins[0], a, e.params["start_indices"], e.params["limit_indices"],
                   e.params.get("strides"))]


def _dynamic_slice(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    (a, *ia), (out,) = eqn_avals(e)
    idx = [_index_scalar(ctx, i, ai, d) for i, ai, d in zip(ins[1:], ia, a.shape)]
    return ctx.op("stablehlo.dynamic_slice", [ins[0]] + idx,
                  [a] + [ShapedArray((), _I64)] * len(idx), [out],
                  attrs=f"slice_sizes = {i64_array(e.params['slice_sizes'])}")


def _dynamic_update_slice(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    (a, u, *ia), (out,) = eqn_avals(e)
    idx = [_index_scalar(ctx, i, ai, d) for i, ai, d in zip(ins[2:], ia, a.shape)]
    return ctx.op("stablehlo.dynamic_update_slice", ins[:2] + idx,
                  [a, u] + [ShapedArray((), _I64)] * len(idx), [out])


def _iota(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    _, (out,) = eqn_avals(e)
    attrs = f"iota_dimension = {int(e.params['dimension'])} : i64"
    if out.dtype == _BOOL:
        i = ctx.op("stablehlo.iota", [], [], [out.update(dtype=np.dtype(np.int32))],
                   attrs=attrs)[0]
        return [ctx.convert(i, out.update(dtype=np.dtype(np.int32)), _BOOL)]
    return ctx.op("stablehlo.iota", [], [], [out], attrs=attrs)


# ---------------------------------------------------------------------------
# Gather / scatter


def _clamp_indices(ctx: LoweringContext, idx: str, ia: ShapedArray,
                   highs: Sequence[int]) -> str:
    """Clamp each component ``k`` of the (i64) index vectors into ``[0, highs[k]]``."""
    hv = ctx.array_constant(np.asarray(highs, np.int64))
    hi = ctx.op("stablehlo.broadcast_in_dim", [hv], [ShapedArray((len(highs),), _I64)], [ia],
                attrs=f"broadcast_dimensions = {i64_array([ia.ndim - 1])}")[0]
    lo = _splat(ctx, 0, ia)
    return ctx.op("stablehlo.clamp", [lo, idx, hi], [ia, ia, ia], [ia])[0]


def _in_bounds(ctx: LoweringContext, idx: str, ia: ShapedArray,
               highs: Sequence[int]) -> str:
    """Bool tensor (the batch shape): every component ``k`` lies in ``[0, highs[k]]``."""
    batch = ia.update(shape=ia.shape[:-1])
    bb = batch.update(dtype=_BOOL)
    valid = _splat(ctx, True, bb)
    for k, h in enumerate(highs):
        start = [0] * ia.ndim
        start[-1] = k
        limit = list(ia.shape)
        limit[-1] = k + 1
        comp = _slice(ctx, idx, ia, start, limit)
        comp = _reshape(ctx, comp, ia.update(shape=batch.shape + (1,)), batch.shape)
        ok = _binary(ctx, "stablehlo.and",
                     compare(ctx, comp, _splat(ctx, 0, batch), batch, "GE"),
                     compare(ctx, comp, _splat(ctx, h, batch), batch, "LE"), bb)
        valid = _binary(ctx, "stablehlo.and", valid, ok, bb)
    return valid


def _gather(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    (x, ia), (out,) = eqn_avals(e)
    empty = _empty_outputs(ctx, [out])
    if empty is not None:
        return empty
    dn: P.GatherDimensionNumbers = e.params["dimension_numbers"]
    sizes = e.params["slice_sizes"]
    mode = e.params["mode"]
    ia64 = ia.update(dtype=_I64)
    idx = ctx.convert(ins[1], ia, _I64)
    highs = [max(x.shape[d] - sizes[d], 0) for d in dn.start_index_map]
    valid = _in_bounds(ctx, idx, ia64, highs) if mode == "fill" else None
    if len(highs):
        idx = _clamp_indices(ctx, idx, ia64, highs)
    parts = [f"offset_dims = {_ints(dn.offset_dims)}",
             f"collapsed_slice_dims = {_ints(dn.collapsed_slice_dims)}"]
    if dn.operand_batching_dims:
        parts += [f"operand_batching_dims = {_ints(dn.operand_batching_dims)}",
                  f"start_indices_batching_dims = {_ints(dn.start_indices_batching_dims)}"]
    parts += [f"start_index_map = {_ints(dn.start_index_map)}",
              f"index_vector_dim = {ia.ndim - 1}"]
    r = ctx.op("stablehlo.gather", [ins[0], idx], [x, ia64], [out],
               attrs=f"dimension_numbers = #stablehlo.gather<{', '.join(parts)}>, "
                     f"indices_are_sorted = false, slice_sizes = {i64_array(sizes)}")[0]
    if valid is None:
        return [r]
    batch_pos = [p for p in range(out.ndim) if p not in dn.offset_dims]
    bb = ShapedArray(ia.shape[:-1], _BOOL)
    mask = ctx.op("stablehlo.broadcast_in_dim", [valid], [bb], [out.update(dtype=_BOOL)],
                  attrs=f"broadcast_dimensions = {i64_array(batch_pos)}")[0]
    fill = _splat(ctx, np.asarray(_gather_fill_value(x.dtype, e.params.get("fill_value")),
                                  dtype=x.dtype), out)
    return ctx.op("stablehlo.select", [mask, r, fill],
                  [out.update(dtype=_BOOL), out, out], [out])


_SCATTER_OPS: dict[P.Primitive, tuple[str | None, str | None]] = {
    # primitive: (combiner, combiner for bool)
    P.scatter_p: (None, None),
    P.scatter_add_p: ("stablehlo.add", "stablehlo.or"),
    P.scatter_mul_p: ("stablehlo.multiply", "stablehlo.and"),
    P.scatter_min_p: ("stablehlo.minimum", "stablehlo.and"),
    P.scatter_max_p: ("stablehlo.maximum", "stablehlo.or"),
}


def _scatter(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    (x, ia, u), (out,) = eqn_avals(e)
    if x.size == 0 or u.size == 0:
        return [ins[0]]
    dn: P.ScatterDimensionNumbers = e.params["dimension_numbers"]
    window_dims = [d for d in range(x.ndim) if d not in dn.inserted_window_dims
                   and d not in dn.operand_batching_dims]
    wsizes = dict(zip(window_dims, (u.shape[i] for i in dn.update_window_dims)))
    ia64 = ia.update(dtype=_I64)
    idx = ctx.convert(ins[1], ia, _I64)
    if e.params["mode"] == "clip" and dn.scatter_dims_to_operand_dims:
        highs = [max(x.shape[d] - wsizes.get(d, 1), 0) for d in dn.scatter_dims_to_operand_dims]
        idx = _clamp_indices(ctx, idx, ia64, highs)
    parts = [f"update_window_dims = {_ints(dn.update_window_dims)}",
             f"inserted_window_dims = {_ints(dn.inserted_window_dims)}"]
    if dn.operand_batching_dims:
        parts += [f"input_batching_dims = {_ints(dn.operand_batching_dims)}",
                  f"scatter_indices_batching_dims = {_ints(dn.scatter_indices_batching_dims)}"]
    parts += [f"scatter_dims_to_operand_dims = {_ints(dn.scatter_dims_to_operand_dims)}",
              f"index_vector_dim = {ia.ndim - 1}"]
    op, bool_op = _SCATTER_OPS[e.prim]
    region = _binary_region(ctx, x.dtype, bool_op if x.dtype == _BOOL else op)
    sorted_ = "true" if e.params.get("indices_are_sorted") else "false"
    # clamping can make unique indices collide: then XLA must not assume uniqueness
    unique = "true" if e.params.get("unique_indices") and e.params["mode"] != "clip" else "false"
    return ctx.op("stablehlo.scatter", [ins[0], idx, ins[2]], [x, ia64, u], [out],
                  attrs=f"scatter_dimension_numbers = #stablehlo.scatter<{', '.join(parts)}>, "
                        f"indices_are_sorted = {sorted_}, unique_indices = {unique}",
                  regions=[region])


# ---------------------------------------------------------------------------
# Contractions, convolutions, windows


def _dot_general(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    (la, ra), (out,) = eqn_avals(e)
    (lc, rc), (lb, rb) = e.params["dimension_numbers"]
    cdt = _I64 if la.dtype == _BOOL else la.dtype
    lhs, rhs = ctx.convert(ins[0], la, cdt), ctx.convert(ins[1], ra, cdt)
    la, ra = la.update(dtype=cdt), ra.update(dtype=cdt)
    r_aval = out.update(dtype=cdt)
    dims = (f"#stablehlo.dot<lhs_batching_dimensions = {_ints(lb)}, "
            f"rhs_batching_dimensions = {_ints(rb)}, lhs_contracting_dimensions = {_ints(lc)}, "
            f"rhs_contracting_dimensions = {_ints(rc)}>")
    r = ctx.op("stablehlo.dot_general", [lhs, rhs], [la, ra], [r_aval],
               attrs=f"dot_dimension_numbers = {dims}, {_precision_config(e)}")[0]
    if cdt != e.inputs[0].aval.dtype:   # bool: nonzero integer products
        r = compare(ctx, r, _splat(ctx, 0, r_aval), r_aval, "NE")
        r_aval = r_aval.update(dtype=_BOOL)
    return [ctx.convert(r, r_aval, out.dtype)]


def _conv_letters(spec: Sequence[int], a: str, b: str) -> str:
    names = [""] * len(spec)
    names[spec[0]], names[spec[1]] = a, b
    for k, d in enumerate(spec[2:]):
        names[d] = str(k)
    return "[" + ", ".join(names) + "]"


def _conv(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    (la, ra), (out,) = eqn_avals(e)
    empty = _empty_outputs(ctx, [out])
    if empty is not None:
        return empty
    p = e.params
    lhs_spec, rhs_spec, out_spec = p["dimension_numbers"]
    nsp = la.ndim - 2
    # NumPy accumulates integer/bool convolutions in float64, then casts.
    cdt = np.dtype(np.float64) if la.dtype.kind in "biu" else la.dtype
    lhs, rhs = ctx.convert(ins[0], la, cdt), ctx.convert(ins[1], ra, cdt)
    la, ra = la.update(dtype=cdt), ra.update(dtype=cdt)
    pads = [tuple(pp) for pp in p["padding"]]
    if any(lo < 0 or hi < 0 for lo, hi in pads):
        # negative padding crops: pad (and dilate) the input explicitly first
        cfg_lo, cfg_hi, cfg_in = [0] * la.ndim, [0] * la.ndim, [0] * la.ndim
        shape = list(la.shape)
        for k in range(nsp):
            d = lhs_spec[2 + k]
            cfg_lo[d], cfg_hi[d] = pads[k]
            cfg_in[d] = p["lhs_dilation"][k] - 1
            n = shape[d]
            shape[d] = pads[k][0] + pads[k][1] + n + max(n - 1, 0) * cfg_in[d]
        padded = la.update(shape=shape)
        lhs = ctx.op("stablehlo.pad", [lhs, _splat(ctx, 0, la.update(shape=()))],
                     [la, la.update(shape=())], [padded],
                     attrs=f"edge_padding_low = {i64_array(cfg_lo)}, "
                           f"edge_padding_high = {i64_array(cfg_hi)}, "
                           f"interior_padding = {i64_array(cfg_in)}")[0]
        la = padded
        pads = [(0, 0)] * nsp
        lhs_dil = [1] * nsp
    else:
        lhs_dil = list(p["lhs_dilation"])
    dn = (f"#stablehlo.conv<{_conv_letters(lhs_spec, 'b', 'f')}x"
          f"{_conv_letters(rhs_spec, 'o', 'i')}->{_conv_letters(out_spec, 'b', 'f')}>")
    attrs = [f"dimension_numbers = {dn}",
             f"feature_group_count = {int(p.get('feature_group_count', 1))} : i64",
             f"batch_group_count = {int(p.get('batch_group_count', 1))} : i64",
             f"window_strides = {i64_array(p['window_strides'])}",
             f"lhs_dilation = {i64_array(lhs_dil)}",
             f"rhs_dilation = {i64_array(p['rhs_dilation'])}", _precision_config(e)]
    if nsp:
        attrs.append(f"padding = {_pairs(pads)}")
    r_aval = out.update(dtype=cdt)
    r = ctx.op("stablehlo.convolution", [lhs, rhs], [la, ra], [r_aval],
               attrs=", ".join(attrs))[0]
    if out.dtype == _BOOL and cdt != _BOOL:
        return [compare(ctx, r, _splat(ctx, 0, r_aval), r_aval, "NE")]
    return [ctx.convert(r, r_aval, out.dtype)]


def _reduce_window(kind: str) -> Rule:
    def rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
        (a,), (out,) = eqn_avals(e)
        empty = _empty_outputs(ctx, [out])
        if empty is not None:
            return empty
        p = e.params
        if kind == "sum":
            init = False if a.dtype == _BOOL else 0
            opname = "stablehlo.or" if a.dtype == _BOOL else "stablehlo.add"
        else:
            init = _identity(kind, a.dtype)
            opname = "stablehlo.maximum" if kind == "max" else "stablehlo.minimum"
        s = a.update(shape=())
        iv = _splat(ctx, init, s)
        x = ins[0]
        pads, bdil = p["padding"], p["base_dilation"]
        if any(lo or hi for lo, hi in pads) or any(b != 1 for b in bdil):
            shape = [lo + hi + d + max(d - 1, 0) * (b - 1)
                     for d, (lo, hi), b in zip(a.shape, pads, bdil)]
            padded = a.update(shape=shape)
            x = ctx.op("stablehlo.pad", [x, iv], [a, s], [padded],
                       attrs=f"edge_padding_low = {i64_array([lo for lo, _ in pads])}, "
                             f"edge_padding_high = {i64_array([hi for _, hi in pads])}, "
                             f"interior_padding = {i64_array([b - 1 for b in bdil])}")[0]
            a = padded
        region = _binary_region(ctx, a.dtype, opname)
        return ctx.op("stablehlo.reduce_window", [x, iv], [a, s], [out],
                      attrs=f"window_dimensions = {i64_array(p['window_dimensions'])}, "
                            f"window_strides = {i64_array(p['window_strides'])}, "
                            f"window_dilations = {i64_array(p['window_dilation'])}",
                      regions=[region])
    return rule


# ---------------------------------------------------------------------------
# Sorting


def _complex_lt(ctx: LoweringContext, a: str, b: str, s: ShapedArray) -> str:
    """NumPy's complex order: lexicographic (real, imag), NaNs last in each part."""
    f = s.update(dtype=np.dtype(np.float32 if s.dtype == np.complex64 else np.float64))
    bs = s.update(dtype=_BOOL)
    ar, ai, br, bi = (ctx.op(f"stablehlo.{part}", [z], [s], [f])[0]
                      for z in (a, b) for part in ("real", "imag"))

    def and_(x: str, y: str) -> str:
        return _binary(ctx, "stablehlo.and", x, y, bs)

    def or_(x: str, y: str) -> str:
        return _binary(ctx, "stablehlo.or", x, y, bs)

    ai_num, bi_nan = compare(ctx, ai, ai, f, "EQ"), compare(ctx, bi, bi, f, "NE")
    ar_nan, br_nan = compare(ctx, ar, ar, f, "NE"), compare(ctx, br, br, f, "NE")
    real_lt, real_gt = compare(ctx, ar, br, f, "LT"), compare(ctx, ar, br, f, "GT")
    real_tie = or_(compare(ctx, ar, br, f, "EQ"), and_(ar_nan, br_nan))
    imag_lt = or_(compare(ctx, ai, bi, f, "LT"), and_(bi_nan, ai_num))
    # real <: imag(a) not NaN or imag(b) NaN; real >: never unless b has a NaN imag
    r_lt = or_(ai_num, bi_nan)
    r_gt = and_(bi_nan, ai_num)
    neither = br_nan   # reals unordered and not both NaN: a before b iff b's real is NaN
    res = ctx.op("stablehlo.select", [real_tie, imag_lt, neither], [bs, bs, bs], [bs])[0]
    res = ctx.op("stablehlo.select", [real_gt, r_gt, res], [bs, bs, bs], [bs])[0]
    return ctx.op("stablehlo.select", [real_lt, r_lt, res], [bs, bs, bs], [bs])[0]


def _lt(ctx: LoweringContext, a: str, b: str, s: ShapedArray, descending: bool) -> str:
    """``a`` orders strictly before ``b``: NumPy's order with NaN last (floats).

    ``descending`` orders by ``-x`` as NumPy's ``argsort(-x)`` in top_k does.
    """
    if s.dtype.kind == "c":
        if descending:
            a = ctx.op("stablehlo.negate", [a], [s], [s])[0]
            b = ctx.op("stablehlo.negate", [b], [s], [s])[0]
        return _complex_lt(ctx, a, b, s)
    r = compare(ctx, a, b, s, "GT" if descending else "LT")
    if _is_float(s.dtype):
        bs = s.update(dtype=_BOOL)
        a_num = compare(ctx, a, a, s, "EQ")
        b_nan = compare(ctx, b, b, s, "NE")
        r = _binary(ctx, "stablehlo.or", r,
                    _binary(ctx, "stablehlo.and", a_num, b_nan, bs), bs)
    return r


def _eq(ctx: LoweringContext, a: str, b: str, s: ShapedArray) -> str:
    """``a`` and ``b`` tie in the order (NaNs tie with each other)."""
    if s.dtype.kind == "c":   # neither orders before the other
        bs = s.update(dtype=_BOOL)
        either = _binary(ctx, "stablehlo.or", _complex_lt(ctx, a, b, s),
                         _complex_lt(ctx, b, a, s), bs)
        return ctx.op("stablehlo.not", [either], [bs], [bs])[0]
    r = compare(ctx, a, b, s, "EQ")
    if _is_float(s.dtype):
        bs = s.update(dtype=_BOOL)
        both_nan = _binary(ctx, "stablehlo.and", compare(ctx, a, a, s, "NE"),
                           compare(ctx, b, b, s, "NE"), bs)
        r = _binary(ctx, "stablehlo.or", r, both_nan, bs)
    return r


def _comparator(ctx: LoweringContext, dtypes_: Sequence[np.dtype], num_keys: int,
                descending: bool = False) -> str:
    """The sort region: lexicographic over the first ``num_keys`` operands."""
    scalars = [ShapedArray((), d) for d in dtypes_]
    arg_avals = [s for s in scalars for _ in range(2)]
    bs = ShapedArray((), _BOOL)

    def body(sub: LoweringContext, args: list[str]) -> tuple[list[str], list[ShapedArray]]:
        res: str | None = None
        for k in reversed(range(num_keys)):
            a, b, s = args[2 * k], args[2 * k + 1], scalars[k]
            lt = _lt(sub, a, b, s, descending)
            if res is None:
                res = lt
            else:
                tie = _binary(sub, "stablehlo.and", _eq(sub, a, b, s), res, bs)
                res = _binary(sub, "stablehlo.or", lt, tie, bs)
        assert res is not None
        return [res], [bs]
    return _region(ctx, arg_avals, body)


def _sort(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    avals, outs = eqn_avals(e)
    dim = int(e.params["dimension"])
    if outs[0].size == 0 or outs[0].shape[dim] <= 1:
        return list(ins)
    region = _comparator(ctx, [a.dtype for a in avals], int(e.params.get("num_keys", 1)))
    return ctx.op("stablehlo.sort", ins, avals, outs,
                  attrs=f"dimension = {dim} : i64, is_stable = true", regions=[region])


def _top_k_comparator(ctx: LoweringContext, dtype: np.dtype) -> str:
    """The sort region of ``top_k``: descending, floats in IEEE total order.

    As XLA's ``TopK`` (``jax.lax.top_k``): ``+NaN > +inf > ... > +0 > -0 > ...
    > -inf > -NaN``; with the stable sort, ties keep the lower index first.
    Complex numbers keep NumPy's order of ``argsort(-x)`` (``jax.lax.top_k``
    refuses them).
    """
    s, ia = ShapedArray((), dtype), ShapedArray((), np.dtype(np.int32))
    if np.dtype(dtype).kind == "c":
        return _comparator(ctx, [dtype, ia.dtype], 1, descending=True)

    def body(sub: LoweringContext, args: list[str]) -> tuple[list[str], list[ShapedArray]]:
        ctype = "#stablehlo<comparison_type TOTALORDER>" if _is_float(dtype) else \
            _compare_type(dtype)
        gt = sub.op("stablehlo.compare", [args[0], args[1]], [s, s], [s.update(dtype=_BOOL)],
                    attrs="comparison_direction = #stablehlo<comparison_direction GT>, "
                          f"compare_type = {ctype}")[0]
        return [gt], [s.update(dtype=_BOOL)]
    return _region(ctx, [s, s, ia, ia], body)


def _top_k(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    (a,), (vo, io) = eqn_avals(e)
    empty = _empty_outputs(ctx, [vo, io])
    if empty is not None:
        return empty
    k = int(e.params["k"])
    ia = a.update(dtype=np.dtype(np.int32))
    iota = ctx.op("stablehlo.iota", [], [], [ia], attrs=f"iota_dimension = {a.ndim - 1} : i64")[0]
    region = _top_k_comparator(ctx, a.dtype)
    vals, idx = ctx.op("stablehlo.sort", [ins[0], iota], [a, ia], [a, ia],
                       attrs=f"dimension = {a.ndim - 1} : i64, is_stable = true",
                       regions=[region])
    if k == a.shape[-1]:
        return [vals, idx]
    start = [0] * a.ndim
    limit = list(a.shape[:-1]) + [k]
    return [_slice(ctx, vals, a, start, limit), _slice(ctx, idx, ia, start, limit)]


# ---------------------------------------------------------------------------
# Registration


def _squeeze_like(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
    (a,), (out,) = eqn_avals(e)
    return [_reshape(ctx, ins[0], a, out.shape)]


_RULES: dict[P.Primitive, Rule] = {
    P.broadcast_in_dim_p: _broadcast_in_dim,
    P.reshape_p: _reshape_rule,
    P.transpose_p: _transpose,
    P.squeeze_p: _squeeze_like,
    P.expand_dims_p: _squeeze_like,
    P.rev_p: _rev,
    P.concatenate_p: _concatenate,
    P.pad_p: _pad,
    P.slice_p: _slice_rule,
    P.dynamic_slice_p: _dynamic_slice,
    P.dynamic_update_slice_p: _dynamic_update_slice,
    P.iota_p: _iota,
    P.gather_p: _gather,
    P.dot_general_p: _dot_general,
    P.conv_general_dilated_p: _conv,
    P.reduce_window_sum_p: _reduce_window("sum"),
    P.reduce_window_max_p: _reduce_window("max"),
    P.reduce_window_min_p: _reduce_window("min"),
    P.sort_p: _sort,
    P.top_k_p: _top_k,
}
_RULES.update({p: _scatter for p in _SCATTER_OPS})
lowerings.update(_RULES)
