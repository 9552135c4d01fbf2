"""Forward-mode autodiff: ``jvp`` and ``linearize``, and the table ``jvp_rules``.

How it works (DESIGN.md section 3): the function is run once under a
*forwarding* recorder, so its primal values are computed in the enclosing
context (eagerly, or recorded by an enclosing transform) and Python control
flow on values works; the recorded graph of this call is then walked in order
with ``jvp_rules``, each rule binding the tangent computation in the current
context.  Eagerly that *runs* the tangents; under ``make_graph``/``jit`` it
*records* them; under another autodiff transform it is differentiated again.

A rule is ``rule(primals, tangents, out, **params) -> tangent_out``:
``primals`` are the input values, ``tangents`` the input tangents with
``None`` for a symbolic zero, ``out`` the primal output (a list for
multiple-result primitives).  It returns the output tangent (a list for
multiple results), ``None`` meaning zero.  Rules are written with primitives
(``bind``/``tnp``/``lax``), never raw NumPy, so they differentiate again.
Rows are defined beside the reverse-mode rows, per family of primitives, in
``transforms/ad_rules/``; this module owns the table and the interpreter.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from jax import tree_util

from tracer import primitives as P
from tracer.errors import MissingRuleError
from tracer.graphs import live_equations, walk
from tracer.ir import ClosedGraph, Equation, Graph, Literal
from tracer.tracing import (ClosedGraph as _CG, Recorder, Tracer, api_boundary, make_graph,
                            new_recorder)
from transforms.util import add_any, aval, float0_zeros, is_float0, zeros

jvp_rules: dict[P.Primitive, Callable[..., Any]] = {}


# -- defining rules --------------------------------------------------------------


def defjvp(prim: P.Primitive, *per_arg: Callable[..., Any] | None) -> None:
    """Rule from per-argument contributions ``f_i(t_i, *primals, out=..., **params)``,
    summed over the arguments whose tangent is not zero (``None`` = no contribution)."""
    def rule(primals: Sequence[Any], tangents: Sequence[Any], out: Any, **params: Any) -> Any:
        acc = None
        for f, t in zip(per_arg, tangents, strict=False):   # trailing operands may have no f
            if t is not None and f is not None:
                acc = add_any(acc, f(t, *primals, out=out, **params))
        return acc
    jvp_rules[prim] = rule


def defjvp_zero(prim: P.Primitive) -> None:
    """A primitive whose outputs do not depend differentiably on its inputs."""
    def rule(primals: Sequence[Any], tangents: Sequence[Any], out: Any, **params: Any) -> Any:
        return [None] * len(out) if prim.multiple_results else None
    jvp_rules[prim] = rule


def defjvp_linear(prim: P.Primitive) -> None:
    """A primitive linear in all its operands: the tangent is the op on the tangents."""
    def rule(primals: Sequence[Any], tangents: Sequence[Any], out: Any, **params: Any) -> Any:
        if all(t is None for t in tangents):
            return None
        ts = [zeros(aval(p)) if t is None else t for p, t in zip(primals, tangents, strict=True)]
        return P_bind(prim, ts, params)
    jvp_rules[prim] = rule


def P_bind(prim: P.Primitive, args: Sequence[Any], params: dict) -> Any:
    from tracer.tracing import bind_params
    return bind_params(prim, args, params)


# -- the interpreter -----------------------------------------------------------------


def _missing(prim: P.Primitive) -> MissingRuleError:
    return MissingRuleError(
        f"jvp: no forward-mode rule for primitive '{prim.name}' (transforms.jvp.jvp_rules)")


#: rules that take ``live_outputs=`` (which of the equation's outputs need tangents):
#: the rules of sub-graph calls, whose tangent graphs then skip the dead outputs
live_output_rules: set[P.Primitive] = set()


def jvp_walk(graph: Graph, value_of: Callable[[Any], Any],
             tangents_in: Sequence[Any], wanted: Sequence[bool] | None = None) -> list[Any]:
    """Tangents of ``graph``'s outputs given its inputs' tangents (None = zero).

    ``value_of(atom)`` gives the primal value of any atom of the graph. Only the
    equations the outputs depend on are differentiated: a forwarding recorder also
    holds what the function computed but did not return, and forward mode of such
    an equation may not exist (``jacfwd(jacrev(f))`` of a ``custom_vjp`` function
    records the call's primal output, which the gradient never reads; as in JAX,
    only its ``fwd`` and ``bwd`` are differentiated). ``wanted`` (per output, default
    all) names the outputs whose tangents are asked for; the others come back None.
    """
    live, needed = live_equations(graph, wanted)
    t_env: dict[int, Any] = {}
    for v, t in zip(graph.invars, tangents_in, strict=True):
        if t is not None:
            t_env[id(v)] = t

    def step(e: Equation, ts: list) -> Any:
        rule = jvp_rules.get(e.prim)
        if rule is None:
            raise _missing(e.prim)
        primals = [value_of(a) for a in e.inputs]
        outs = [value_of(o) for o in e.outputs]
        if e.prim in live_output_rules:
            t_out = rule(primals, ts, outs, **e.params,
                         live_outputs=tuple(id(o) in needed for o in e.outputs))
        else:
            t_out = rule(primals, ts, outs if e.prim.multiple_results else outs[0], **e.params)
        return t_out if e.prim.multiple_results else [t_out]

    eqns = graph.eqns if all(live) else [
        e for e, keep in zip(graph.eqns, live, strict=True) if keep]
    walk(eqns, step, t_env, "jvp", skip_zeros=True)
    if wanted is None:
        return [None if type(a) is Literal else t_env.get(id(a)) for a in graph.outvars]
    return [None if type(a) is Literal or not w else t_env.get(id(a))
            for a, w in zip(graph.outvars, wanted, strict=True)]


def record(fun: Callable, flat_args: Sequence[Any], in_tree: Any) -> tuple[Recorder, list,
                                                                            Any, Graph]:
    """Run ``fun`` under a forwarding recorder: (recorder, output leaves, out tree, graph)."""
    with new_recorder(forwarding=True) as rec:
        tracers = [rec.new_arg(aval(x).strip_weak() if type(x) is not Tracer else x.aval, x)
                   for x in flat_args]
        args = tree_util.tree_unflatten(in_tree, tracers)
        out = fun(*args)
        out_leaves, out_tree = tree_util.tree_flatten(out)
        graph = rec.to_graph(out_leaves).graph
    return rec, out_leaves, out_tree, graph


def values_out(rec: Recorder, out_leaves: Sequence[Any]) -> list[Any]:
    """The primal (parent-context) values of a recorded function's outputs."""
    return [o._val if type(o) is Tracer and o._rec is rec else o for o in out_leaves]


def _check_tangents(primals: Sequence[Any], tangents: Sequence[Any]) -> list[Any]:
    out = []
    for p, t in zip(primals, tangents, strict=True):
        pa = aval(p)
        if t is None or is_float0(t):
            out.append(None)
            continue
        ta = aval(t)
        if ta.shape != pa.shape:
            raise ValueError(f"jvp: tangent shape {ta.shape} does not match primal shape "
                             f"{pa.shape}")
        if ta.dtype != pa.dtype and pa.dtype.kind in "fc":
            raise TypeError(f"jvp: tangent dtype {ta.dtype} does not match primal dtype "
                            f"{pa.dtype}; tangents of float inputs have the same dtype")
        out.append(t if pa.dtype.kind in "fc" else None)
    return out


@api_boundary
def jvp(fun: Callable, primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: bool = False) -> tuple[Any, ...]:
    """Forward-mode derivative: ``(fun(*primals), J(primals) @ tangents)``.

    Like ``jax.jvp``: ``primals`` and ``tangents`` are tuples (or lists) of
    pytrees with matching structure.

    >>> import tracer.numpy as tnp
    >>> y, dy = jvp(tnp.sin, (0.0,), (1.0,))
    >>> float(dy)
    1.0
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: primals and tangents must be tuples or lists, e.g. "
                        "jvp(f, (x,), (t,))")
    p_flat, p_tree = tree_util.tree_flatten(tuple(primals))
    t_flat, t_tree = tree_util.tree_flatten(tuple(tangents), is_leaf=lambda x: x is None)
    if p_tree != t_tree:
        raise TypeError(f"jvp: primal and tangent trees differ: {p_tree} vs {t_tree}")
    t_flat = _check_tangents(p_flat, t_flat)
    rec, outs, out_tree, graph = record(fun, p_flat, p_tree)
    if has_aux:
        (out, aux) = tree_util.tree_unflatten(out_tree, outs)
        outs, out_tree = tree_util.tree_flatten(out)
        graph = Graph(graph.invars, graph.eqns, [rec.atom(o) for o in outs],
                      rec.constvars)
    ts = jvp_walk(graph, rec.value_of, t_flat)
    primal_out = values_out(rec, outs)
    ts = [_zero_tangent(p) if t is None else t for p, t in zip(primal_out, ts, strict=True)]
    res = (tree_util.tree_unflatten(out_tree, primal_out),
           tree_util.tree_unflatten(out_tree, ts))
    if has_aux:
        return res + (_aux_values(rec, aux),)
    return res


def _zero_tangent(p: Any) -> Any:
    """The zero tangent of an output: zeros for floats, float0 for ints and bools (as JAX)."""
    a = aval(p).strip_weak()
    if a.dtype.kind in "fc":
        return zeros(a)
    return float0_zeros(a)


def _aux_values(rec: Recorder, aux: Any) -> Any:
    return tree_util.tree_map(
        lambda x: x._val if type(x) is Tracer and x._rec is rec else x, aux)


@api_boundary
def linearize(fun: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """``(fun(*primals), f_jvp)`` where ``f_jvp(*tangents)`` applies the Jacobian.

    The function runs once; each call of ``f_jvp`` walks the recorded graph
    with the saved primal values (like ``jax.linearize``).

    >>> import tracer.numpy as tnp
    >>> y, f_jvp = linearize(tnp.exp, 0.0)
    >>> float(f_jvp(2.0))
    2.0
    """
    p_flat, p_tree = tree_util.tree_flatten(primals)
    rec, outs, out_tree, graph = record(fun, p_flat, p_tree)
    aux = None
    if has_aux:
        out, aux = tree_util.tree_unflatten(out_tree, outs)
        outs, out_tree = tree_util.tree_flatten(out)
        graph = Graph(graph.invars, graph.eqns, [rec.atom(o) for o in outs], rec.constvars)
        aux = _aux_values(rec, aux)
    primal_out = values_out(rec, outs)

    def f_jvp(*tangents: Any) -> Any:
        t_flat, t_tree = tree_util.tree_flatten(tangents, is_leaf=lambda x: x is None)
        if t_tree != p_tree:
            raise TypeError(f"linearize: tangents have structure {t_tree}, the primals "
                            f"{p_tree}")
        ts = jvp_walk(graph, rec.value_of, _check_tangents(p_flat, t_flat))
        ts = [_zero_tangent(p) if t is None else t for p, t in zip(primal_out, ts, strict=True)]
        return tree_util.tree_unflatten(out_tree, ts)

    res = (tree_util.tree_unflatten(out_tree, primal_out), f_jvp)
    return res + (aux,) if has_aux else res


def jvp_graph(closed: ClosedGraph, nonzeros: Sequence[bool],
              wanted: Sequence[bool] | None = None) -> tuple[ClosedGraph, list[bool]]:
    """The graph ``(*primals, *nonzero tangents) -> (*outs, *nonzero out tangents)``.

    Used by the rules of higher-order primitives (cond, scan, while): it runs
    the forward-mode transform under ``make_graph``.  Returns the new graph and
    which output tangents are nonzero (the others are omitted, as are those of
    the outputs not ``wanted``).
    """
    from tracer.tracing import eval_graph
    in_avals = closed.in_avals
    nz_avals = [a for a, nz in zip(in_avals, nonzeros, strict=True) if nz]
    which_out: list[bool] = []

    def f(*args: Any) -> list[Any]:
        n = len(in_avals)
        prims, tans = list(args[:n]), iter(args[n:])
        ts = [next(tans) if nz else None for nz in nonzeros]
        rec, outs, out_tree, graph = record(lambda *a: eval_graph(closed, *a), prims,
                                            tree_util.tree_structure(tuple(prims)))
        tout = jvp_walk(graph, rec.value_of, ts, wanted)
        which_out[:] = [t is not None for t in tout]
        return values_out(rec, outs) + [t for t in tout if t is not None]

    g = make_graph(f)(*in_avals, *nz_avals)
    return _CG(g.graph, g.consts), list(which_out)
