"""Batching rules of the higher-order primitives: ``cond``, ``while``, ``scan``,
``custom_jvp_call``, ``custom_vjp_call`` and ``checkpoint``.

Their sub-graphs (ClosedGraphs in params) are batched with
``transforms.vmap.batch_graph`` and the result is one new equation of the same
primitive.  Sub-graphs in params never have consts (``tracer/lax.py``): the
constants a batched graph records (broadcast shapes, literals of rules) are
hoisted into leading operands, as ``lax`` does for user bodies.

Conventions (JAX's, where it has one):

* ``cond`` with an unbatched index stays one ``cond``; every branch is batched
  with the same output batch axes (axis 0 for an output that any branch
  batches, broadcast in the branches that do not).  With a batched index
  each lane may take a different branch, so every branch runs on the whole
  batch (inlined, no ``cond``) and ``select_n`` on the clamped, broadcast
  index picks each lane's result.  Values of the branches that a lane did not
  take are computed and dropped, so a NaN there is harmless.
* ``while``: which carries are batched is a fixed point (a carry becomes
  batched if the body makes it so).  If the predicate is then unbatched the
  loop stays a ``while`` of the batched body.  If it is batched, the lanes
  finish at different trips: all carries become batched, the loop runs while
  *any* lane's predicate holds (``reduce_or``) and a finished lane is frozen:
  the body's new carry is ``select_n``-ed against the old one with the lane's
  predicate (evaluated again in the body).  ``max_iterations`` passes
  through unchanged: every lane stops after at most that many trips.
* ``scan``: the xs' leading axis is the scan axis, so a batched xs keeps its
  batch axis at 1 or later (one at 0 moves to 1) and the body sees it one
  axis lower.  Batched carries are at axis 0 (fixed point as for ``while``);
  batched ys come out with their batch axis at 1.
* ``custom_jvp_call`` / ``custom_vjp_call``: the call graph is batched, and
  the user's rules are replaced by their ``vmap``: every output is batched
  (axis 0) and every batched operand is moved to axis 0, so the wrapped
  ``jvp`` / ``fwd`` / ``bwd`` know statically which leaves are batched.  A
  ``bwd`` cotangent for an operand that is not batched is summed over the
  batch (the operand was shared by all lanes).  Differentiating
  ``vmap(f)`` therefore still uses the user's rule, per lane.
* ``checkpoint``: the held graph is batched; its residual outputs are the
  batched saved intermediates, so ``num_res`` is unchanged.

Limits: a custom rule that *closes over* a batched value (rather than taking
it as an argument) cannot be batched: it would see that value's per-example
tracer after ``vmap`` has finished.  Batching such a function works; only its
derivative raises the ``EscapedTracerError`` of a leaked tracer.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
from jax import tree_util

from tracer import dtypes
from tracer import primitives as P
from tracer.graphs import hoist_consts, merge_branches, split_list, trace_hoisted
from tracer.ir import ClosedGraph, ShapedArray
from tracer.tracing import Tracer, bind, eval_graph
from transforms.custom import CallSpec
from transforms.util import aval, float0_zeros, is_float0, zeros
from transforms.vmap import batch_graph, batch_rules, batch_walk, bdim_at, moveaxis, vmap

Dims = list[int | None]   # the batch axis of each value (None: unbatched)


# -- helpers ----------------------------------------------------------------------


def _batched(closed: ClosedGraph, dims: Sequence[int | None], axis_size: int,
             out_dims: Sequence[int | None] | None = None
             ) -> tuple[ClosedGraph, list[Any], Dims]:
    """``batch_graph`` made const-free: (graph, leading operands, output batch axes)."""
    cg, ods = batch_graph(closed, list(dims), axis_size, out_dims)
    g, consts = hoist_consts(cg)
    return g, consts, ods


def _trace(f: Callable[..., list[Any]], avals: Sequence[ShapedArray]
           ) -> tuple[ClosedGraph, list[Any]]:
    """Record ``f`` on ``avals`` into a const-free graph and its leading operands."""
    return trace_hoisted(f, avals)


def _bdims(batched: Sequence[bool]) -> Dims:
    return [0 if b else None for b in batched]


def _carry_fixed_point(closed: ClosedGraph, lead_dims: Dims, carry_batched: list[bool],
                       tail_dims: Dims, axis_size: int
                       ) -> tuple[list[bool], tuple[ClosedGraph, list[Any], Dims]]:
    """Which carries are batched: a carry entering unbatched becomes batched if the
    body (inputs ``lead, carry, tail``; first outputs the new carry) batches it.

    Returns the flags and the last ``_batched`` body (default output axes), which
    is the final body when its carry outputs came out exactly as the flags say.
    """
    nk = len(carry_batched)
    while True:   # at most nk + 1 rounds: the flags only grow
        last = _batched(closed, lead_dims + _bdims(carry_batched) + tail_dims, axis_size)
        grown = [b or d is not None for b, d in zip(carry_batched, last[2][:nk], strict=True)]
        if grown == carry_batched:
            return carry_batched, last
        carry_batched = grown


def _broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    """A per-lane ``x`` of shape ``(B,)`` broadcast along the trailing axes of ``shape``."""
    if tuple(aval(x).shape) == tuple(shape):
        return x
    return bind(P.broadcast_in_dim_p, x, shape=tuple(shape), broadcast_dimensions=(0,))


# -- cond -------------------------------------------------------------------------


def _cond_rule(axis_size: int, vals: Sequence[Any], dims: Sequence[int | None], *,
               branches: tuple) -> tuple[list[Any], Dims]:
    index, ops = vals[0], list(vals[1:])
    idim, op_dims = dims[0], list(dims[1:])
    n_out = len(branches[0].out_avals)
    if idim is None:
        # One cond; the branches agree on the output batch axes.
        first = [_batched(br, op_dims, axis_size) for br in branches]
        out_dims = [0 if any(f[2][k] is not None for f in first) else None
                    for k in range(n_out)]
        traced = []
        for br, (g, cs, ods) in zip(branches, first, strict=True):
            if ods != out_dims:
                g, cs, _ = _batched(br, op_dims, axis_size, out_dims)
            traced.append((g, cs))
        new_branches, consts = merge_branches(traced)
        outs = bind(P.cond_p, index, *consts, *ops, branches=new_branches)
        return list(outs), out_dims
    # Batched index: run every branch on the batch, pick each lane's result.
    idx = moveaxis(index, idim, 0)
    dt = aval(idx).dtype
    n = len(branches)
    idx = bind(P.min_p, bind(P.max_p, idx, np.array(0, dt)[()]), np.array(n - 1, dt)[()])
    results = [batch_walk(br.graph, br.consts, ops, op_dims, axis_size) for br in branches]
    outs = []
    for k in range(n_out):
        cases = [bdim_at(r[0][k], r[1][k], axis_size, 0) for r in results]
        which = _broadcast_to(idx, tuple(aval(cases[0]).shape))
        outs.append(bind(P.select_n_p, which, *cases))
    return outs, [0] * n_out


# -- while ------------------------------------------------------------------------


def _while_rule(axis_size: int, vals: Sequence[Any], dims: Sequence[int | None], *,
                cond_graph: ClosedGraph, body_graph: ClosedGraph, cond_nconsts: int,
                body_nconsts: int, max_iterations: int | None = None
                ) -> tuple[list[Any], Dims]:
    ncc, nbc = cond_nconsts, body_nconsts
    cc, bc, init = split_list(vals, ncc, nbc)
    ccd, bcd, initd = split_list(list(dims), ncc, nbc)
    nk = len(init)
    carry_b, last = _carry_fixed_point(body_graph, bcd, [d is not None for d in initd], [],
                                       axis_size)
    _, pred_dims = batch_graph(cond_graph, ccd + _bdims(carry_b), axis_size)
    pred_batched = pred_dims[0] is not None
    if pred_batched:
        carry_b = [True] * nk   # lanes stop at different trips
    kd = _bdims(carry_b)
    init = [bdim_at(x, d, axis_size, 0) if b else x
            for x, d, b in zip(init, initd, carry_b, strict=True)]
    extra = {} if max_iterations is None else {"max_iterations": max_iterations}
    body, bh, ods = last
    if ods != kd:
        body, bh, _ = _batched(body_graph, bcd + kd, axis_size, kd)
    if not pred_batched:
        cond, ch, _ = _batched(cond_graph, ccd + kd, axis_size, [None])
        outs = bind(P.while_p, *ch, *cc, *bh, *bc, *init, cond_graph=cond, body_graph=body,
                    cond_nconsts=len(ch) + ncc, body_nconsts=len(bh) + nbc, **extra)
        return list(outs), kd
    cond, ch, _ = _batched(cond_graph, ccd + kd, axis_size, [0])   # per-lane predicate
    nch, nbh = len(ch) + ncc, len(bh) + nbc

    def any_lane(*args: Any) -> list[Any]:
        return [bind(P.reduce_or_p, eval_graph(cond, *args)[0], axes=(0,))]

    def frozen_body(*args: Any) -> list[Any]:
        c_args, b_args, carry = split_list(args, nch, nbh)
        pred = eval_graph(cond, *c_args, *carry)[0]
        new = eval_graph(body, *b_args, *carry)
        return [bind(P.select_n_p, _broadcast_to(pred, tuple(aval(o).shape)), o, x)
                for o, x in zip(carry, new, strict=True)]

    c_avals = list(cond.in_avals)
    k_avals = c_avals[nch:]
    new_cond, nch_h = _trace(any_lane, c_avals)
    new_body, nbh_h = _trace(frozen_body, c_avals[:nch] + list(body.in_avals[:nbh]) + k_avals)
    outs = bind(P.while_p, *nch_h, *ch, *cc, *nbh_h, *ch, *cc, *bh, *bc, *init,
                cond_graph=new_cond, body_graph=new_body, cond_nconsts=len(nch_h) + nch,
                body_nconsts=len(nbh_h) + nch + nbh, **extra)
    return list(outs), kd


# -- scan -------------------------------------------------------------------------


def _scan_rule(axis_size: int, vals: Sequence[Any], dims: Sequence[int | None], *,
               graph: ClosedGraph, num_consts: int, num_carry: int, length: int,
               reverse: bool = False, unroll: int = 1) -> tuple[list[Any], Dims]:
    nc, nk = num_consts, num_carry
    consts, init, xs = split_list(vals, nc, nk)
    cd, initd, xd = split_list(list(dims), nc, nk)
    # Axis 0 of xs is the scan axis: batched xs keep the batch axis at 1 or later
    # and the body, which sees one slice, finds it one axis lower.
    xs = [moveaxis(x, 0, 1) if d == 0 else x for x, d in zip(xs, xd, strict=True)]
    x_body = [None if d is None else max(d - 1, 0) for d in xd]
    carry_b, (body, hoisted, ods) = _carry_fixed_point(
        graph, cd, [d is not None for d in initd], x_body, axis_size)
    kd = _bdims(carry_b)
    if ods[:nk] != kd:   # a carry batched on entry that the body makes unbatched
        body, hoisted, ods = _batched(graph, cd + kd + x_body, axis_size, kd + ods[nk:])
    init = [bdim_at(x, d, axis_size, 0) if b else x
            for x, d, b in zip(init, initd, carry_b, strict=True)]
    outs = bind(P.scan_p, *hoisted, *consts, *init, *xs, graph=body,
                num_consts=len(hoisted) + nc, num_carry=nk, length=length, reverse=reverse,
                unroll=unroll)
    return list(outs), kd + [None if d is None else 1 for d in ods[nk:]]  # ys: (length, B, ..)


# -- custom_jvp_call / custom_vjp_call ------------------------------------------------
#
# The user's rules take pytrees of arguments; here they are flattened into leaves
# (``spec.kinds`` order), the static ones closed over, the rest passed to ``vmap``
# with batch axis 0 (operand batched) or None.  float0 tangents/cotangents carry
# no data: they are closed over as per-example zeros.


def _unflatten(trees: Sequence[Any], leaves: Sequence[Any]) -> list[Any]:
    """Consecutive runs of ``leaves`` rebuilt into one pytree per ``trees`` entry."""
    out, j = [], 0
    for tree in trees:
        out.append(tree_util.tree_unflatten(tree, list(leaves[j:j + tree.num_leaves])))
        j += tree.num_leaves
    return out


def _arg_ranges(spec: CallSpec) -> list[range]:
    out, j = [], 0
    for tree in spec.arg_trees:
        out.append(range(j, j + tree.num_leaves))
        j += tree.num_leaves
    return out


def _leaf_dims(spec: CallSpec, batched: Sequence[bool]) -> list[int | None]:
    """Per argument leaf, its batch axis (None: unbatched or static)."""
    return [None if k is None or not batched[k] else 0 for k in spec.kinds]


def _example_float0(x: Any, d: int | None) -> np.ndarray:
    shape = list(aval(x).shape)
    if d is not None:
        del shape[d]
    return float0_zeros(ShapedArray(tuple(shape), np.dtype(np.bool_)))


def _vmap_flat(f: Callable[..., list[Any]], args: Sequence[Any],
               in_dims: Sequence[int | None], axis_size: int) -> list[Any]:
    """``vmap(f)`` over flat ``args`` with batch axes ``in_dims``; every output at axis 0."""
    return list(vmap(f, in_axes=tuple(in_dims), out_axes=0, axis_size=axis_size)(*args))


class _Slots:
    """Values for ``vmap``: dynamic ones are passed, static ones closed over."""

    def __init__(self) -> None:
        self.static: list[Any] = []
        self.dyn: list[Any] = []
        self.dims: list[int | None] = []
        self.where: list[int] = []

    def add(self, x: Any, d: int | None, static: bool) -> None:
        if static:
            self.static.append(x)
        else:
            self.where.append(len(self.static))
            self.static.append(None)
            self.dyn.append(x)
            self.dims.append(d)

    def fill(self, xs: Sequence[Any]) -> list[Any]:
        vals = list(self.static)
        for i, x in zip(self.where, xs, strict=True):
            vals[i] = x
        return vals


def _batched_jvp(jvp: Callable, spec: CallSpec, batched: Sequence[bool],
                 axis_size: int) -> Callable:
    """The user's ``jvp(*nondiff, primals, tangents)`` on batched operands, by ``vmap``."""
    from transforms.ad_rules.custom import _jvp_tangents_out
    dims = _leaf_dims(spec, batched)
    diff_ranges = [r for i, r in enumerate(_arg_ranges(spec)) if i not in spec.nondiff_argnums]

    def batched_jvp(*args: Any) -> tuple[Any, Any]:
        *nondiff, primals, tangents = args
        it_nd, it_d = iter(nondiff), iter(primals)
        full = [next(it_nd) if i in spec.nondiff_argnums else next(it_d)
                for i in range(len(spec.arg_trees))]
        slots = _Slots()
        for x, k, d in zip([v for a in full for v in tree_util.tree_leaves(a)],
                           spec.kinds, dims, strict=True):
            slots.add(x, d, k is None)
        n_p = len(slots.static)
        t_trees = [tree_util.tree_structure(t) for t in tangents]
        for t, r in zip(tangents, diff_ranges, strict=True):
            for x, j in zip(tree_util.tree_leaves(t), r, strict=True):
                f0 = is_float0(x)
                slots.add(_example_float0(x, dims[j]) if f0 else x, dims[j], f0)
        no_tangent: list[bool] = []

        def per_example(*xs: Any) -> list[Any]:
            vals = slots.fill(xs)
            nd, d = spec.split(_unflatten(spec.arg_trees, vals[:n_p]))
            res = jvp(*nd, tuple(d), tuple(_unflatten(t_trees, vals[n_p:])))
            ok = isinstance(res, (tuple, list)) and len(res) == 2
            p_out = tree_util.tree_leaves(res[0]) if ok else []
            t_out = _jvp_tangents_out(res, spec, jvp, p_out)   # checks, as unbatched
            no_tangent[:] = [t is None for t in t_out]
            return p_out + [p if t is None else t for p, t in zip(p_out, t_out, strict=True)]

        outs = _vmap_flat(per_example, slots.dyn, slots.dims, axis_size)
        n = len(outs) // 2
        p_out = outs[:n]
        t_out = [float0_zeros(aval(p)) if nt else t
                 for p, t, nt in zip(p_out, outs[n:], no_tangent, strict=True)]
        return (tree_util.tree_unflatten(spec.out_tree, p_out),
                tree_util.tree_unflatten(spec.out_tree, t_out))

    batched_jvp.__name__ = getattr(jvp, "__name__", "jvp")
    return batched_jvp


class _Residuals:
    """``fwd``'s residuals on the batch: dynamic leaves batched at 0, the rest static.

    Only the batched ``bwd`` below reads it (both run inside one VJP rule call).
    """

    def __init__(self, tree: Any, leaves: list[Any], dynamic: list[bool]):
        self.tree, self.leaves, self.dynamic = tree, leaves, dynamic


def _batched_fwd_bwd(fwd: Callable, bwd: Callable, spec: CallSpec, batched: Sequence[bool],
                     ex_avals: Sequence[ShapedArray], axis_size: int
                     ) -> tuple[Callable, Callable]:
    """The user's ``fwd(*args)`` and ``bwd(*nondiff, res, ct)`` on batched operands.

    ``ex_avals``: per operand (after the closed-over values), its per-example aval.
    A cotangent of an operand that is not batched is summed over the batch.
    """
    from transforms.ad_rules.custom import _bwd_cts
    dims = _leaf_dims(spec, batched)
    ranges = _arg_ranges(spec)

    def batched_fwd(*args: Any) -> tuple[Any, Any]:
        slots = _Slots()
        for x, k, d in zip([v for a in args for v in tree_util.tree_leaves(a)],
                           spec.kinds, dims, strict=True):
            slots.add(x, d, k is None)
        info: dict[str, Any] = {}

        def per_example(*xs: Any) -> list[Any]:
            pair = fwd(*_unflatten(spec.arg_trees, slots.fill(xs)))
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(
                    f"Custom VJP fwd rule {getattr(fwd, '__name__', 'fwd')} for function "
                    f"{spec.name} must produce a pair (list or tuple of length two) where "
                    f"the first element is the primal output and the second the "
                    f"residuals, but got {pair!r}.")
            out, info["out_tree"] = tree_util.tree_flatten(pair[0])
            res, info["res_tree"] = tree_util.tree_flatten(pair[1])
            info["res"] = res
            info["dynamic"] = [type(r) is Tracer for r in res]
            return out + [r for r in res if type(r) is Tracer]

        outs = _vmap_flat(per_example, slots.dyn, slots.dims, axis_size)
        n = info["out_tree"].num_leaves
        it = iter(outs[n:])
        res = [next(it) if dy else r for r, dy in zip(info["res"], info["dynamic"], strict=True)]
        return (tree_util.tree_unflatten(info["out_tree"], outs[:n]),
                _Residuals(info["res_tree"], res, info["dynamic"]))

    def batched_bwd(*args: Any) -> tuple:
        *nondiff, residuals, ct = args
        slots = _Slots()
        it_nd = iter(nondiff)
        nd_trees = []
        for i, r in enumerate(ranges):
            if i in spec.nondiff_argnums:
                a = next(it_nd)
                nd_trees.append(tree_util.tree_structure(a))
                for x, j in zip(tree_util.tree_leaves(a), r, strict=True):
                    slots.add(x, dims[j], spec.kinds[j] is None)
        n_nd = len(slots.static)
        for x, dy in zip(residuals.leaves, residuals.dynamic, strict=True):
            slots.add(x, 0, not dy)
        n_res = len(slots.static)
        ct_leaves, ct_tree = tree_util.tree_flatten(ct)
        for x in ct_leaves:
            f0 = is_float0(x)
            slots.add(_example_float0(x, 0) if f0 else x, 0, f0)
        diff_idx = [i for i in range(len(ranges)) if i not in spec.nondiff_argnums]
        # placeholders with the differentiable arguments' structures, for _bwd_cts
        diff_shapes = [tree_util.tree_unflatten(spec.arg_trees[i], [0] * len(ranges[i]))
                       for i in diff_idx]
        zero_ct: list[bool] = []

        def per_example(*xs: Any) -> list[Any]:
            vals = slots.fill(xs)
            res = tree_util.tree_unflatten(residuals.tree, vals[n_nd:n_res])
            c = tree_util.tree_unflatten(ct_tree, vals[n_res:])
            per_arg = _bwd_cts(bwd(*_unflatten(nd_trees, vals[:n_nd]), res, c), spec,
                               diff_shapes, bwd)
            out: list[Any] = []
            zero_ct.clear()
            for i, leaves in zip(diff_idx, per_arg, strict=True):
                for j, c_j in zip(list(ranges[i]), leaves, strict=True):
                    a = ex_avals[spec.kinds[j]].strip_weak()
                    none = c_j is None or is_float0(c_j) or not dtypes.is_inexact(a.dtype)
                    zero_ct.append(none)
                    out.append(zeros(a) if none else c_j)
            return out

        cts = iter(_vmap_flat(per_example, slots.dyn, slots.dims, axis_size))
        zeros_it = iter(list(zero_ct))
        result = []
        for i in diff_idx:
            leaves = []
            for j in ranges[i]:
                c_j, none = next(cts), next(zeros_it)
                if none:
                    leaves.append(None)
                elif not batched[spec.kinds[j]]:
                    leaves.append(bind(P.reduce_sum_p, c_j, axes=(0,)))  # shared by all lanes
                else:
                    leaves.append(c_j)
            result.append(tree_util.tree_unflatten(spec.arg_trees[i], leaves))
        return tuple(result)

    batched_fwd.__name__ = getattr(fwd, "__name__", "fwd")
    batched_bwd.__name__ = getattr(bwd, "__name__", "bwd")
    return batched_fwd, batched_bwd


def _custom_call_operands(axis_size: int, vals: Sequence[Any], dims: Sequence[int | None],
                          call: ClosedGraph) -> tuple[list[Any], list[bool], ClosedGraph,
                                                      list[Any]]:
    """Batched operands moved to axis 0, which are batched, the batched call graph
    (every output batched at 0) and its hoisted leading operands."""
    bat = [d is not None for d in dims]
    vals = [bdim_at(x, d, axis_size, 0) if d is not None else x
            for x, d in zip(vals, dims, strict=True)]
    g, hoisted, _ = _batched(call, _bdims(bat), axis_size, [0] * len(call.out_avals))
    return vals, bat, g, hoisted


def _custom_jvp_call_rule(axis_size: int, vals: Sequence[Any], dims: Sequence[int | None], *,
                          call: ClosedGraph, jvp: Callable, num_consts: int,
                          spec: CallSpec) -> tuple[list[Any], Dims]:
    vals, bat, g, hoisted = _custom_call_operands(axis_size, vals, dims, call)
    new_jvp = _batched_jvp(jvp, spec, bat[num_consts:], axis_size)
    outs = bind(P.custom_jvp_call_p, *hoisted, *vals, call=g, jvp=new_jvp,
                num_consts=len(hoisted) + num_consts, spec=spec)
    return list(outs), [0] * len(outs)


def _custom_vjp_call_rule(axis_size: int, vals: Sequence[Any], dims: Sequence[int | None], *,
                          call: ClosedGraph, fwd: Callable, bwd: Callable, num_consts: int,
                          spec: CallSpec) -> tuple[list[Any], Dims]:
    vals, bat, g, hoisted = _custom_call_operands(axis_size, vals, dims, call)
    new_fwd, new_bwd = _batched_fwd_bwd(fwd, bwd, spec, bat[num_consts:],
                                        call.in_avals[num_consts:], axis_size)
    outs = bind(P.custom_vjp_call_p, *hoisted, *vals, call=g, fwd=new_fwd, bwd=new_bwd,
                num_consts=len(hoisted) + num_consts, spec=spec)
    return list(outs), [0] * len(outs)


# -- checkpoint -------------------------------------------------------------------


def _checkpoint_rule(axis_size: int, vals: Sequence[Any], dims: Sequence[int | None], *,
                     graph: ClosedGraph, policy: Any, prevent_cse: bool,
                     num_res: int) -> tuple[list[Any], Dims]:
    # The residual outputs (the policy's saved values) are batched like the others.
    g, hoisted, out_dims = _batched(graph, list(dims), axis_size)
    outs = bind(P.checkpoint_p, *hoisted, *vals, graph=g, policy=policy,
                prevent_cse=prevent_cse, num_res=num_res)
    return list(outs), out_dims


batch_rules[P.cond_p] = _cond_rule
batch_rules[P.while_p] = _while_rule
batch_rules[P.scan_p] = _scan_rule
batch_rules[P.custom_jvp_call_p] = _custom_jvp_call_rule
batch_rules[P.custom_vjp_call_p] = _custom_vjp_call_rule
batch_rules[P.checkpoint_p] = _checkpoint_rule
