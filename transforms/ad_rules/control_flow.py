"""JVP and VJP rules of the control-flow primitives ``cond``, ``scan`` and ``while``.

The rules of higher-order primitives transform their *sub-graphs*: the body of
a ``cond``/``scan``/``while`` is differentiated with ``jvp_graph`` (forward)
or ``vjp_graph`` (reverse), and the derivative is one new equation of the same
primitive whose sub-graphs are those derivative graphs.  Sub-graphs in params
never have consts (``tracer/lax.py``): the values a derivative graph closes
over are hoisted into leading operands, as ``lax`` does for user bodies.

Conventions (JAX's, where it has one):

* ``cond``: the JVP is a ``cond`` over the branches' JVP graphs, all branches
  agreeing on which output tangents are nonzero (zeros are instantiated in the
  branches that lack one); the VJP is a ``cond`` over the branches' VJP graphs
  (each recomputes its branch's forward values); the index gets no cotangent.
* ``scan``: the JVP is a ``scan`` of the body's JVP graph, carrying the carry
  tangents; which carry tangents are nonzero is a fixed point (a zero
  tangent entering the loop may become nonzero after one step).  The VJP is
  one forward ``scan`` that saves the carry entering every step (as stacked
  ys), then one reverse ``scan`` whose body is the body's VJP graph (it
  recomputes the step from the saved carry and x): it carries the carry
  cotangent and the consts' accumulated cotangents, takes the ys cotangents as
  its xs and produces the xs cotangents as its ys.
* ``while``: the JVP is a ``while`` whose body carries the tangents too (the
  predicate ignores them).  JAX refuses reverse mode through ``while_loop``
  because the trip count is unbounded; here ``lax.while_loop(...,
  max_iterations=N)`` bounds it (the loop stops after at most N iterations),
  and the VJP is that of the equivalent ``scan`` of length N whose body runs
  the original body under ``cond(pred, body, identity)``.  A ``cond`` rather
  than a ``select`` between the new and the old carry: the body is not
  evaluated once the loop is done, so it costs nothing and a body that is
  undefined past the end (a NaN or an inf) does not poison the cotangents
  (the classic ``where`` gradient trap).  Without ``max_iterations`` the VJP
  raises a ``MissingRuleError`` naming the user's ``while_loop`` line.

Activity: a carry is differentiated only if it can depend (through float
values) on a differentiated input; integer carries (loop counters) never get
tangents or cotangents.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from tracer import dtypes
from tracer import primitives as P
from tracer.errors import MissingRuleError
from tracer.graphs import (current_source, dce, merge_branches, merge_lists, split_list,
                           trace_hoisted)
from tracer.ir import ClosedGraph, Graph, Literal, ShapedArray, Var
from tracer.tracing import bind, eval_graph
from transforms.jvp import jvp_graph, jvp_rules
from transforms.util import add_any, instantiate
from transforms.vjp import vjp_graph, vjp_rules

# -- graph helpers ----------------------------------------------------------------


def _inexact(a: ShapedArray) -> bool:
    return dtypes.is_inexact(a.dtype)


# (tests import the toolkit's ``dce`` under this module's former name)
_dce = dce


def _trace(f: Callable[..., list[Any]], avals: Sequence[ShapedArray]) -> tuple[ClosedGraph,
                                                                              list[Any]]:
    """Record ``f`` on ``avals`` (dead code removed); its consts become leading invars.

    Returns the const-free graph and the values to pass as its leading operands.
    """
    return trace_hoisted(f, avals, drop_dead=True)


def _active_outputs(graph: Graph, active_in: Sequence[bool]) -> list[bool]:
    """Which outputs may depend, through float values, on the active inputs."""
    active = {id(v) for v, a in zip(graph.invars, active_in, strict=True)
              if a and _inexact(v.aval)}
    for e in graph.eqns:
        if any(type(a) is not Literal and id(a) in active for a in e.inputs):
            active.update(id(o) for o in e.outputs if _inexact(o.aval))
    return [type(v) is not Literal and id(v) in active for v in graph.outvars]


def _strong(a: ShapedArray) -> ShapedArray:
    return a.strip_weak()


# -- cond -------------------------------------------------------------------------


def _cond_jvp(primals: Sequence[Any], tangents: Sequence[Any], out: list[Any], *,
              branches: tuple) -> list[Any]:
    # d cond(i, x) = cond(i, d branch_0(x; dx), ..., d branch_n(x; dx)): the
    # index is piecewise constant, so only the taken branch's derivative counts.
    index, ops = primals[0], list(primals[1:])
    nz = [t is not None for t in tangents[1:]]
    jgs = [jvp_graph(br, nz) for br in branches]
    out_nz = [any(col) for col in zip(*[which for _, which in jgs], strict=True)]
    if not any(out_nz):
        return [None] * len(out)
    out_avals = [_strong(a) for a in branches[0].out_avals]
    t_avals = [_strong(a) for a, z in zip(branches[0].in_avals, nz, strict=True) if z]
    n_out = len(out_avals)

    def tangents_only(jg: ClosedGraph, which: list[bool]) -> Callable[..., list[Any]]:
        def f(*args: Any) -> list[Any]:
            ts = merge_lists(which, eval_graph(jg, *args)[n_out:])
            return [instantiate(t, a) for t, a, want in zip(ts, out_avals, out_nz, strict=True)
                    if want]
        return f

    traced = [_trace(tangents_only(jg, which), list(br.in_avals) + t_avals)
              for br, (jg, which) in zip(branches, jgs, strict=True)]
    new_branches, consts = merge_branches(traced)
    t_in = [t for t in tangents[1:] if t is not None]
    return merge_lists(out_nz, bind(P.cond_p, index, *consts, *ops, *t_in,
                                    branches=new_branches))


def _cond_vjp(cts: list[Any], primals: Sequence[Any], out: list[Any], needs: Sequence[bool],
              *, branches: tuple) -> list[Any]:
    # x_bar = cond(i, branch_0^T(x; y_bar), ..., branch_n^T(x; y_bar)); no index_bar.
    index, ops = primals[0], list(primals[1:])
    active = list(needs[1:])
    out_avals = [_strong(a) for a in branches[0].out_avals]
    ct_nz = [c is not None for c in cts]
    ct_avals = [a for a, z in zip(out_avals, ct_nz, strict=True) if z]
    n_in = len(ops)

    def backward(vg: ClosedGraph) -> Callable[..., list[Any]]:
        def f(*args: Any) -> list[Any]:
            given = iter(args[n_in:])
            cs = [next(given) if z else instantiate(None, a)
                  for z, a in zip(ct_nz, out_avals, strict=True)]
            return eval_graph(vg, *args[:n_in], *cs)
        return f

    traced = [_trace(backward(vjp_graph(br, active)), list(br.in_avals) + ct_avals)
              for br in branches]
    new_branches, consts = merge_branches(traced)
    res = bind(P.cond_p, index, *consts, *ops, *[c for c in cts if c is not None],
               branches=new_branches)
    return [None] + merge_lists(active, res)


jvp_rules[P.cond_p] = _cond_jvp
vjp_rules[P.cond_p] = _cond_vjp


# -- scan -------------------------------------------------------------------------


def _scan_jvp(primals: Sequence[Any], tangents: Sequence[Any], out: list[Any], *,
              graph: ClosedGraph, num_consts: int, num_carry: int, length: int,
              reverse: bool = False, unroll: int = 1) -> list[Any]:
    # (c', y) = f(k, c, x)  =>  (dc', dy) = df(k, c, x; dk, dc, dx): the carry
    # tangent is carried along; it is nonzero if it enters nonzero or becomes
    # nonzero after some step (fixed point over the body's JVP).
    nc, nk = num_consts, num_carry
    in_avals = graph.in_avals
    c_avals, k_avals, x_avals = split_list(in_avals, nc, nk)
    tc, tk, tx = split_list(list(tangents), nc, nk)
    nz_c = [t is not None for t in tc]
    nz_x = [t is not None for t in tx]
    nz_k = [t is not None and _inexact(a) for t, a in zip(tk, k_avals, strict=True)]
    for _ in range(nk + 1):
        jg, which = jvp_graph(graph, nz_c + nz_k + nz_x)
        grown = [z or (w and _inexact(a))
                 for z, w, a in zip(nz_k, which[:nk], k_avals, strict=True)]
        if grown == nz_k:
            break
        nz_k = grown
    nz_y = which[nk:]
    if not any(nz_k) and not any(nz_y):
        return [None] * len(out)
    ny = len(nz_y)
    ntc, ntk = sum(nz_c), sum(nz_k)

    def body(*args: Any) -> list[Any]:
        consts, d_consts, carry, d_carry, xs, d_xs = split_list(args, nc, ntc, nk, ntk,
                                                                len(x_avals))
        outs = eval_graph(jg, *consts, *carry, *xs, *d_consts, *d_carry, *d_xs)
        ts = merge_lists(which, outs[nk + ny:])
        d_carry_out = [instantiate(t, _strong(a))
                       for t, a, z in zip(ts[:nk], k_avals, nz_k, strict=True) if z]
        d_ys = [t for t, z in zip(ts[nk:], nz_y, strict=True) if z]
        return outs[:nk] + d_carry_out + d_ys

    tan = [_strong(a) for a in in_avals]
    avals = (c_avals + [a for a, z in zip(tan[:nc], nz_c, strict=True) if z] + k_avals
             + [a for a, z in zip(tan[nc:nc + nk], nz_k, strict=True) if z] + x_avals
             + [a for a, z in zip(tan[nc + nk:], nz_x, strict=True) if z])
    body_g, hoisted = _trace(body, avals)
    consts, init, xs = split_list(list(primals), nc, nk)
    d_init = [instantiate(t, _strong(a)) for t, a, z in zip(tk, k_avals, nz_k, strict=True) if z]
    outs = bind(P.scan_p, *hoisted, *consts, *[t for t in tc if t is not None], *init, *d_init,
                *xs, *[t for t in tx if t is not None], graph=body_g,
                num_consts=len(hoisted) + nc + ntc, num_carry=nk + ntk, length=length,
                reverse=reverse, unroll=unroll)
    return merge_lists(nz_k, outs[nk:nk + ntk]) + merge_lists(nz_y, outs[nk + ntk:])


def _scan_vjp(cts: list[Any], primals: Sequence[Any], out: list[Any], needs: Sequence[bool],
              *, graph: ClosedGraph, num_consts: int, num_carry: int, length: int,
              reverse: bool = False, unroll: int = 1) -> list[Any]:
    # Forward: save c_t, the carry entering step t.  Backward, t = T-1 .. 0:
    #   (k_bar_t, c_bar_{t}, x_bar_t) = f^T(k, c_t, x_t; c_bar_{t+1}, y_bar_t)
    #   k_bar = sum_t k_bar_t (an accumulator in the reverse scan's carry).
    nc, nk = num_consts, num_carry
    in_avals = graph.in_avals
    c_avals, k_avals, x_avals = split_list(in_avals, nc, nk)
    y_avals = [_strong(a) for a in graph.out_avals[nk:]]
    need_c, need_k, need_x = split_list(list(needs), nc, nk)
    act_k = [n and _inexact(a) for n, a in zip(need_k, k_avals, strict=True)]
    for _ in range(nk + 1):
        out_act = _active_outputs(graph.graph, need_c + act_k + need_x)[:nk]
        grown = [a or (o and _inexact(v)) for a, o, v in zip(act_k, out_act, k_avals, strict=True)]
        if grown == act_k:
            break
        act_k = grown
    if not any(need_c) and not any(act_k) and not any(need_x):
        return [None] * len(primals)
    consts, init, xs = split_list(list(primals), nc, nk)
    ct_k, ct_y = cts[:nk], cts[nk:]

    # 1. forward scan saving the carry that enters every step.
    if nk:
        def forward(*args: Any) -> list[Any]:
            _, carry, _ = split_list(args, nc, nk)
            return eval_graph(graph, *args)[:nk] + carry

        fwd_g, fwd_h = _trace(forward, in_avals)
        saved = bind(P.scan_p, *fwd_h, *consts, *init, *xs, graph=fwd_g,
                     num_consts=len(fwd_h) + nc, num_carry=nk, length=length,
                     reverse=reverse, unroll=unroll)[nk:]
    else:
        saved = []

    # 2. reverse scan over the body's VJP graph.
    vg = vjp_graph(graph, need_c + act_k + need_x)
    nz_y = [c is not None for c in ct_y]
    n_ack, n_acc = sum(act_k), sum(need_c)

    def backward(*args: Any) -> list[Any]:
        k, ck, acc, c, x, cy = split_list(args, nc, n_ack, n_acc, nk, len(x_avals))
        ck_it, cy_it = iter(ck), iter(cy)
        out_cts = ([next(ck_it) if a else instantiate(None, _strong(v))
                    for a, v in zip(act_k, k_avals, strict=True)]
                   + [next(cy_it) if z else instantiate(None, v)
                      for z, v in zip(nz_y, y_avals, strict=True)])
        res = eval_graph(vg, *k, *c, *x, *out_cts)
        rc, rk, rx = split_list(res, n_acc, n_ack)
        return rk + [add_any(a, r) for a, r in zip(acc, rc, strict=True)] + rx

    avals = (c_avals + [_strong(a) for a, z in zip(k_avals, act_k, strict=True) if z]
             + [_strong(a) for a, n in zip(c_avals, need_c, strict=True) if n] + k_avals + x_avals
             + [a for a, z in zip(y_avals, nz_y, strict=True) if z])
    bwd_g, bwd_h = _trace(backward, avals)
    ck_init = [instantiate(c, _strong(a))
               for c, a, z in zip(ct_k, k_avals, act_k, strict=True) if z]
    acc_init = [instantiate(None, _strong(a)) for a, n in zip(c_avals, need_c, strict=True) if n]
    res = bind(P.scan_p, *bwd_h, *consts, *ck_init, *acc_init, *saved, *xs,
               *[c for c in ct_y if c is not None], graph=bwd_g,
               num_consts=len(bwd_h) + nc, num_carry=n_ack + n_acc, length=length,
               reverse=not reverse, unroll=unroll)
    rk, rc, rx = split_list(res, n_ack, n_acc)
    rk_it, rc_it, rx_it = iter(rk), iter(rc), iter(rx)
    ct_consts = [next(rc_it) if n else None for n in need_c]
    ct_init = []
    for a, n in zip(act_k, need_k, strict=True):
        r = next(rk_it) if a else None
        ct_init.append(r if n else None)
    ct_xs = [next(rx_it) if n else None for n in need_x]
    return ct_consts + ct_init + ct_xs


jvp_rules[P.scan_p] = _scan_jvp
vjp_rules[P.scan_p] = _scan_vjp


# -- while ------------------------------------------------------------------------


def _while_jvp(primals: Sequence[Any], tangents: Sequence[Any], out: list[Any], *,
               cond_graph: ClosedGraph, body_graph: ClosedGraph, cond_nconsts: int,
               body_nconsts: int, **params: Any) -> list[Any]:
    # c_{t+1} = f(k, c_t) while p(c_t)  =>  dc_{t+1} = df(k, c_t; dk, dc_t) on the
    # same trips: the predicate is piecewise constant, it ignores the tangents.
    ncc, nbc = cond_nconsts, body_nconsts
    cc, bc, init = split_list(list(primals), ncc, nbc)
    _, tb, tk = split_list(list(tangents), ncc, nbc)
    nk = len(init)
    k_avals = list(body_graph.in_avals[nbc:])
    b_avals = list(body_graph.in_avals[:nbc])
    nz_b = [t is not None for t in tb]
    nz_k = [t is not None and _inexact(a) for t, a in zip(tk, k_avals, strict=True)]
    for _ in range(nk + 1):
        jg, which = jvp_graph(body_graph, nz_b + nz_k)
        grown = [z or (w and _inexact(a)) for z, w, a in zip(nz_k, which, k_avals, strict=True)]
        if grown == nz_k:
            break
        nz_k = grown
    if not any(nz_k):
        return [None] * len(out)
    ntb = sum(nz_b)
    tb_avals = [_strong(a) for a, z in zip(b_avals, nz_b, strict=True) if z]
    tk_avals = [_strong(a) for a, z in zip(k_avals, nz_k, strict=True) if z]

    def body(*args: Any) -> list[Any]:
        b, db, k, dk = split_list(args, nbc, ntb, nk)
        outs = eval_graph(jg, *b, *k, *db, *dk)
        ts = merge_lists(which, outs[nk:])
        return outs[:nk] + [instantiate(t, _strong(a))
                            for t, a, z in zip(ts, k_avals, nz_k, strict=True) if z]

    def cond(*args: Any) -> list[Any]:
        return eval_graph(cond_graph, *args[:ncc + nk])

    body_g, body_h = _trace(body, b_avals + tb_avals + k_avals + tk_avals)
    cond_g, cond_h = _trace(cond, list(cond_graph.in_avals) + tk_avals)
    d_init = [instantiate(t, _strong(a)) for t, a, z in zip(tk, k_avals, nz_k, strict=True) if z]
    outs = bind(P.while_p, *cond_h, *cc, *body_h, *bc, *[t for t in tb if t is not None],
                *init, *d_init, cond_graph=cond_g, body_graph=body_g,
                cond_nconsts=len(cond_h) + ncc, body_nconsts=len(body_h) + nbc + ntb, **params)
    return merge_lists(nz_k, outs[nk:])


def _while_as_scan_body(cond_graph: ClosedGraph, body_graph: ClosedGraph, cond_nconsts: int,
                        body_nconsts: int) -> tuple[ClosedGraph, list[Any]]:
    """``(cconsts, bconsts, c) -> cond(p(c), c, f(c))``: one step of a bounded while.

    Returns the step graph and the values of its hoisted leading consts.
    """
    ncc, nbc = cond_nconsts, body_nconsts
    b_avals = list(body_graph.in_avals)
    k_avals = b_avals[nbc:]
    ident_in = [Var(a) for a in b_avals]
    identity = ClosedGraph(Graph(ident_in, [], ident_in[nbc:]), ())

    def step(*args: Any) -> list[Any]:
        cc, bc, k = split_list(args, ncc, nbc)
        pred = eval_graph(cond_graph, *cc, *k)[0]
        index = bind(P.convert_element_type_p, pred, new_dtype=dtypes.int32, weak_type=False)
        return bind(P.cond_p, index, *bc, *k, branches=(identity, body_graph))

    return _trace(step, list(cond_graph.in_avals[:ncc]) + b_avals[:nbc] + k_avals)


def _while_vjp(cts: list[Any], primals: Sequence[Any], out: list[Any], needs: Sequence[bool],
               *, cond_graph: ClosedGraph, body_graph: ClosedGraph, cond_nconsts: int,
               body_nconsts: int, max_iterations: int | None = None) -> list[Any]:
    # while(p, f, c) with at most N trips == scan of N steps of cond(p(c), c, f(c)):
    # reverse mode is the scan's (saved carries, reverse scan of the step's VJP).
    if max_iterations is None:
        src = current_source()
        where = f" at {src}" if src is not None else ""
        raise MissingRuleError(
            f"reverse-mode differentiation of while_loop needs max_iterations=...: the "
            f"while_loop{where} has a trip count known only at run time, so its "
            "reverse-mode derivative (grad, vjp, jacrev, hessian) cannot be built. Pass "
            "lax.while_loop(cond_fun, body_fun, init_val, max_iterations=N) with a bound N on "
            "the number of iterations, use forward mode (jvp, jacfwd), or use lax.scan / "
            "lax.fori_loop with static bounds.")
    step, hoisted = _while_as_scan_body(cond_graph, body_graph, cond_nconsts, body_nconsts)
    res = _scan_vjp(cts, hoisted + list(primals), out, [False] * len(hoisted) + list(needs),
                    graph=step, num_consts=len(hoisted) + cond_nconsts + body_nconsts,
                    num_carry=len(out), length=max_iterations, reverse=False, unroll=1)
    return res[len(hoisted):]


jvp_rules[P.while_p] = _while_jvp
vjp_rules[P.while_p] = _while_vjp
