"""Reverse-mode autodiff: ``vjp`` and the table ``vjp_rules``.

Reverse mode uses **direct VJP rules** (not linearize + transpose): the
function runs once under a *forwarding* recorder, which computes the primal
values in the enclosing context and keeps every intermediate value (the
tape); the pullback walks the recorded graph backwards applying
``vjp_rules``, each rule binding its cotangent computation in the context
current when the pullback is called.  Eagerly that runs the backward pass at
the cost of a tape walk (the autograd model); under ``make_graph``/``jit`` it
records the backward graph; under an outer autodiff transform it is recorded
and differentiated again, so derivatives of any order compose.

Why direct VJPs: the forward values already exist (define-by-run), so the
backward pass needs no partial evaluation or transposition of a linearized
graph; it costs one rule call per recorded equation.  Every differentiable
primitive therefore has a VJP rule here beside its JVP rule.

A rule is ``rule(cts, primals, out, needs, **params) -> list of input cts``:
``cts`` is the output cotangent (a list for multiple results; ``None`` is a
symbolic zero), ``primals`` the input values, ``out`` the primal output(s),
``needs[i]`` whether input ``i`` wants a cotangent.  It returns one entry per
input, ``None`` for zero or not needed.  Cotangents have exactly their
input's shape and dtype.  Only variables that depend on the differentiated
inputs through inexact (float) values are *active*; inactive inputs never get
cotangents and equations with no active input are skipped.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
from jax import tree_util

from tracer import dtypes
from tracer import primitives as P
from tracer.errors import MissingRuleError
from tracer.graphs import walk
from tracer.ir import ClosedGraph, Equation, Graph, Literal, user_location
from tracer.tracing import ClosedGraph as _CG
from tracer.tracing import Recorder, Tracer, api_boundary, make_graph
from transforms.jvp import record, values_out
from transforms.util import add_any, aval, float0_zeros, is_float0, zeros

vjp_rules: dict[P.Primitive, Callable[..., Any]] = {}


def defvjp(prim: P.Primitive, *per_arg: Callable[..., Any] | None) -> None:
    """Rule from per-argument cotangent functions ``f_i(ct, *primals, out=..., **params)``
    (``None``: that argument never gets a cotangent)."""
    def rule(ct: Any, primals: Sequence[Any], out: Any, needs: Sequence[bool],
             **params: Any) -> list[Any]:
        if ct is None:
            return [None] * len(primals)
        # (not strict: trailing operands may have no f; they get None)
        return [f(ct, *primals, out=out, **params) if need and f is not None else None
                for f, need in zip(per_arg, needs, strict=False)] \
            + [None] * (len(primals) - len(per_arg))
    vjp_rules[prim] = rule


def defvjp_zero(prim: P.Primitive) -> None:
    """Non-differentiable primitive: no cotangent flows through it."""
    def rule(ct: Any, primals: Sequence[Any], out: Any, needs: Sequence[bool],
             **params: Any) -> list[Any]:
        return [None] * len(primals)
    vjp_rules[prim] = rule


def _missing(prim: P.Primitive) -> MissingRuleError:
    return MissingRuleError(
        f"vjp: no reverse-mode rule for primitive '{prim.name}' (transforms.vjp.vjp_rules)")


def _inexact(a: Any) -> bool:
    return dtypes.is_inexact(a.aval.dtype)


def backward_pass(graph: Graph, value_of: Callable[[Any], Any], cts_out: Sequence[Any],
                  active_in: Sequence[bool] | None = None) -> list[Any]:
    """Cotangents of ``graph``'s inputs (None = zero) given its outputs' cotangents."""
    active: set[int] = set()
    for v, act in zip(graph.invars, list(active_in) if active_in is not None
                      else [True] * len(graph.invars), strict=True):
        if act and _inexact(v):
            active.add(id(v))
    live = []
    for e in graph.eqns:   # forward sweep: which equations carry derivatives
        if any(type(a) is not Literal and id(a) in active for a in e.inputs):
            live.append(e)
            for o in e.outputs:
                if _inexact(o):
                    active.add(id(o))
    ct_env: dict[int, Any] = {}
    for v, ct in zip(graph.outvars, cts_out, strict=True):
        if ct is not None and type(v) is not Literal and id(v) in active:
            ct_env[id(v)] = add_any(ct_env.get(id(v)), ct)

    def step(e: Equation, cts: list) -> list:
        rule = vjp_rules.get(e.prim)
        if rule is None:
            raise _missing(e.prim)
        needs = [type(a) is not Literal and id(a) in active for a in e.inputs]
        primals = [value_of(a) for a in e.inputs]
        outs = [value_of(o) for o in e.outputs]
        if e.prim.multiple_results:
            in_cts = rule(cts, primals, outs, needs, **e.params)
        else:
            in_cts = rule(cts[0], primals, outs[0], needs, **e.params)
        if all(needs):
            return in_cts
        return [c if need else None for c, need in zip(in_cts, needs, strict=True)]

    walk(reversed(live), step, ct_env, "vjp", transpose=True, skip_zeros=True, combine=add_any)
    return [ct_env.get(id(v)) for v in graph.invars]


def _as_array(x: Any) -> Any:
    """Cotangents are graphjit values (a user's NumPy ct passed straight through is wrapped)."""
    if type(x) is Tracer or hasattr(x, "_value"):
        return x
    import tracer.numpy as tnp
    return tnp.asarray(x)


class _Pullback:
    """The function ``vjp`` returns: maps output cotangents to input cotangents."""

    def __init__(self, rec: Recorder, graph: Graph, p_flat: list, in_tree: Any,
                 out_avals: list, out_tree: Any):
        self.rec, self.graph, self.p_flat, self.in_tree = rec, graph, p_flat, in_tree
        self.out_avals, self.out_tree = out_avals, out_tree

    def __call__(self, ct: Any) -> tuple:
        ct_flat, ct_tree = tree_util.tree_flatten(ct)
        if ct_tree != self.out_tree:
            raise TypeError(f"vjp pullback: cotangent structure {ct_tree} does not match "
                            f"the output structure {self.out_tree}")
        for i, (c, a) in enumerate(zip(ct_flat, self.out_avals, strict=True)):
            ca = aval(c)
            if ca.shape != a.shape:
                raise ValueError(f"vjp pullback: cotangent of shape {ca.shape} for an "
                                 f"output of shape {a.shape} (at {user_location()})")
            if dtypes.is_inexact(a.dtype) and not ca.weak_type and ca.dtype != a.dtype \
                    and not is_float0(c):
                raise ValueError(   # (as JAX raises it)
                    f"vjp pullback: the cotangent's dtype {ca.dtype} is not the output's "
                    f"{np.dtype(a.dtype).name} (output {i}); pass a cotangent of dtype "
                    f"{np.dtype(a.dtype).name}, e.g. ct.astype(...) "
                    f"(at {user_location()})")
            if ca.weak_type and ca.dtype != a.dtype and dtypes.is_inexact(a.dtype):
                ct_flat[i] = np.asarray(c, a.dtype)   # a Python scalar takes the output's
        cts = backward_pass(self.graph, self.rec.value_of, ct_flat)
        out = []
        for p, c in zip(self.p_flat, cts, strict=True):
            a = aval(p).strip_weak()
            if not dtypes.is_inexact(a.dtype):
                out.append(float0_zeros(a))
            else:
                out.append(zeros(a) if c is None else _as_array(c))
        return tree_util.tree_unflatten(self.in_tree, out)


@api_boundary
def vjp(fun: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """``(fun(*primals), pullback)``, with ``pullback(ct)`` the tuple of ``ct @ J``.

    Like ``jax.vjp``; integer and boolean inputs get float0 cotangents.

    >>> import tracer.numpy as tnp
    >>> y, pullback = vjp(tnp.sin, 0.0)
    >>> float(pullback(2.0)[0])
    2.0
    """
    p_flat, in_tree = tree_util.tree_flatten(primals)
    rec, outs, out_tree, graph = record(fun, p_flat, in_tree)
    aux = None
    if has_aux:
        try:
            out, aux = tree_util.tree_unflatten(out_tree, outs)
        except (TypeError, ValueError):
            raise TypeError("vjp(..., has_aux=True): the function must return a pair "
                            "(output, aux)") from None
        outs, out_tree = tree_util.tree_flatten(out)
        graph = Graph(graph.invars, graph.eqns, [rec.atom(o) for o in outs], rec.constvars)
        aux = tree_util.tree_map(
            lambda x: x._val if type(x) is Tracer and x._rec is rec else x, aux)
    primal_out = values_out(rec, outs)
    pullback = _Pullback(rec, graph, p_flat, in_tree, [aval(o) for o in primal_out], out_tree)
    res = (tree_util.tree_unflatten(out_tree, primal_out), pullback)
    return res + (aux,) if has_aux else res


def vjp_graph(closed: ClosedGraph, active: Sequence[bool]) -> ClosedGraph:
    """The graph ``(*primals, *out_cts) -> cts of the active inputs`` (forward recomputed).

    Used by the rules of higher-order primitives (cond, scan, while,
    checkpoint): the backward graph recomputes the body's forward values.
    """
    from tracer.tracing import eval_graph
    in_avals = closed.in_avals
    out_avals = [a.strip_weak() for a in closed.out_avals]

    def f(*args: Any) -> list[Any]:
        n = len(in_avals)
        prims, cts = list(args[:n]), list(args[n:])
        rec, outs, _, graph = record(lambda *a: eval_graph(closed, *a), prims,
                                     tree_util.tree_structure(tuple(prims)))
        res = backward_pass(graph, rec.value_of, cts, active)
        return [zeros(a.strip_weak()) if c is None else c
                for a, c, act in zip(in_avals, res, active, strict=True) if act]

    g = make_graph(f)(*in_avals, *out_avals)
    return _CG(g.graph, g.consts)
