"""Rematerialization: ``checkpoint`` (alias ``remat``) and ``checkpoint_policies``.

``checkpoint(f)`` computes the same values as ``f``; under reverse-mode
differentiation its intermediate values are *recomputed* in the backward
pass instead of being kept from the forward pass, trading compute for memory
(like ``jax.checkpoint``).  A *policy* chooses intermediates that are saved
after all (``checkpoint_policies.dots_saveable`` keeps matrix products and
recomputes the cheap elementwise work around them).

Design (DESIGN.md sections 3 and 5):

* Eagerly, with no transformation active, ``checkpoint(f)(x)`` is ``f(x)``.
* Under any recorder, ``f`` is traced abstractly into a const-free
  ``ClosedGraph`` (closed-over values become leading operands, as in
  ``tracer/lax.py``) and one ``checkpoint`` equation is bound.  **The policy
  is applied at bind time by rewriting the graph to also output the saved
  intermediates**: the equation computes ``(*outs, *saved)`` and
  ``num_res = len(saved)`` says how many trailing outputs are residuals (the
  wrapper hands only ``outs`` to the user).  The equation stays an honest
  function of its operands, so every rule treats the residuals like any
  other output: under a forwarding recorder (``grad``/``vjp``) their values
  land on the tape with the outputs, and nested derivatives flow through
  them.  With ``nothing_saveable`` (the default) ``num_res == 0``.
* VJP rule (``transforms/ad_rules/custom.py``): ``rematerialize`` rebuilds
  the values of the sub-graph in the context current at pullback time: the
  inputs, outputs and saved residuals are known; every other value the
  backward pass reads is recomputed by binding its equation again (only the
  equations the backward pass needs, in forward order, each tagged with
  origin ``"remat"``).  Then ``backward_pass`` walks the sub-graph with those
  values.  Under ``make_graph(grad(...))`` this *records* the recomputation:
  the backward graph contains the forward equations again.
* JVP rule: the tangent graph of the sub-graph (``transforms.jvp.jvp_graph``
  with the primal outputs dropped and dead code removed) is bound as a new
  ``checkpoint`` equation with the same policy, so reverse-over-forward
  (``jacrev(jacfwd(f))``) rematerializes too.
* ``prevent_cse`` is kept in the params for backends that could merge the
  recomputation with the original forward (the XLA lowering wraps it in an
  optimization barrier); the NumPy backend ignores it.
* ``f`` is traced abstractly: Python control flow on traced values inside
  ``f`` needs ``lax.cond``/``tnp.where`` or ``static_argnums`` (as in JAX).

A policy is ``policy(prim, *in_avals, **params) -> bool`` (True: save the
equation's outputs), JAX's convention, so JAX-style custom policies work.
"""
from __future__ import annotations

import dataclasses
import functools
import types
from typing import Any, Callable, Sequence

from jax import tree_util

from tracer import dtypes
from tracer import primitives as P
from tracer.graphs import DERIVED, dce, hoist_consts, lead_invars, trace_to_graph, walk
from tracer.ir import ClosedGraph, Graph, Literal, ShapedArray, Var, aval_of_value
from tracer.tracing import (EAGER, Tracer, api_boundary, bind, bind_params, current_context,
                            wraps)
from transforms.custom import _is_array

__all__ = ["checkpoint", "remat", "checkpoint_policies", "rematerialize", "bind_checkpoint"]


# -- policies ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Named:
    """A named policy function (prints as its name in graphs)."""

    name: str
    fn: Callable[..., bool]

    def __call__(self, prim: P.Primitive, *avals: ShapedArray, **params: Any) -> bool:
        return self.fn(prim, *avals, **params)

    def __repr__(self) -> str:
        return self.name


# Save every intermediate: as if ``checkpoint`` were not used.
everything_saveable = _Named("everything_saveable", lambda *_, **__: True)
# Save only the inputs and recompute everything else (the default).
nothing_saveable = _Named("nothing_saveable", lambda *_, **__: False)


@dataclasses.dataclass(frozen=True)
class _DotsSaveable:
    """Save the outputs of ``dot_general`` (and convolutions unless batch dims are excluded)."""

    only_if_no_batch_dims: bool

    def __call__(self, prim: P.Primitive, *avals: ShapedArray, **params: Any) -> bool:
        if prim is P.dot_general_p:
            if not self.only_if_no_batch_dims:
                return True
            (_, _), (lb, rb) = params["dimension_numbers"]
            return not lb and not rb
        return prim is P.conv_general_dilated_p and not self.only_if_no_batch_dims

    def __repr__(self) -> str:
        return ("dots_with_no_batch_dims_saveable" if self.only_if_no_batch_dims
                else "dots_saveable")


dots_saveable = _DotsSaveable(False)
dots_with_no_batch_dims_saveable = _DotsSaveable(True)


def save_from_both_policies(policy_1: Callable[..., bool],
                            policy_2: Callable[..., bool]) -> Callable[..., bool]:
    """A value is saved if either policy saves it.

    >>> p = save_from_both_policies(dots_saveable, nothing_saveable)
    >>> p(P.sin_p, ShapedArray((), "float64"))
    False
    """
    return _Named(f"save_from_both_policies({policy_1!r}, {policy_2!r})",
                  lambda prim, *a, **k: bool(policy_1(prim, *a, **k))
                  or bool(policy_2(prim, *a, **k)))


checkpoint_policies = types.SimpleNamespace(
    everything_saveable=everything_saveable,
    nothing_saveable=nothing_saveable,
    dots_saveable=dots_saveable,
    checkpoint_dots=dots_saveable,
    dots_with_no_batch_dims_saveable=dots_with_no_batch_dims_saveable,
    checkpoint_dots_with_no_batch_dims=dots_with_no_batch_dims_saveable,
    save_from_both_policies=save_from_both_policies,
)


# -- the policy rewrite and the bind ---------------------------------------------------


def saved_vars(graph: Graph, policy: Callable[..., bool]) -> list[Var]:
    """The intermediates ``policy`` saves: outputs of the equations it accepts that are
    not already outputs of the graph.

    >>> import tracer.numpy as tnp
    >>> from tracer import make_graph
    >>> g = make_graph(lambda w, x: tnp.sum(tnp.tanh(w @ x)))(tnp.ones((2, 3)), tnp.ones(3))
    >>> [v.aval.str_short() for v in saved_vars(g.graph, dots_saveable)]
    ['f64[2]']
    """
    have = {id(v) for v in graph.outvars if type(v) is Var}
    saved: list[Var] = []
    for e in graph.eqns:
        if policy(e.prim, *[a.aval for a in e.inputs], **e.params):
            for o in e.outputs:
                if id(o) not in have:
                    have.add(id(o))
                    saved.append(o)
    return saved


def bind_checkpoint(closed: ClosedGraph, operands: Sequence[Any],
                    policy: Callable[..., bool], prevent_cse: bool) -> list[Any]:
    """Bind one ``checkpoint`` equation for the const-free ``closed`` and return its
    outputs, without the residual outputs the policy adds.

    >>> import tracer.numpy as tnp
    >>> from tracer import make_graph
    >>> x = tnp.ones(3)
    >>> body = make_graph(lambda x: tnp.sin(tnp.sin(x)))(x)
    >>> g = make_graph(lambda x: bind_checkpoint(body, [x], everything_saveable, True))(x)
    >>> g.eqns[0].params["num_res"], len(g.eqns[0].outputs), len(g.graph.outvars)
    (1, 2, 1)
    """
    g = closed.graph
    saved = saved_vars(g, policy)
    if saved:
        g = Graph(g.invars, g.eqns, tuple(g.outvars) + tuple(saved))
        closed = ClosedGraph(g, ())
    outs = bind(P.checkpoint_p, *operands, graph=closed, policy=policy,
                prevent_cse=bool(prevent_cse), num_res=len(saved))
    return list(outs[:len(outs) - len(saved)])


# -- rule helpers ----------------------------------------------------------------------


def _inexact(a: Any) -> bool:
    return dtypes.is_inexact(a.aval.dtype)


def rematerialize(graph: Graph, primals: Sequence[Any], outs: Sequence[Any],
                  cts: Sequence[Any], needs: Sequence[bool]) -> Callable[[Any], Any]:
    """``value_of`` for ``backward_pass`` over ``graph``, recomputing what is not known.

    Known: the inputs (``primals``) and the outputs (``outs``, which include
    the saved residuals).  Recomputed, in forward order, in the current
    context: every equation whose outputs the backward pass reads (the inputs
    and outputs of the equations that carry a nonzero cotangent from an
    active input) and, transitively, what those need.

    >>> import numpy as np
    >>> import tracer.numpy as tnp
    >>> from tracer import make_graph
    >>> g = make_graph(lambda x: tnp.sin(tnp.sin(x)))(np.float64(1.0)).graph
    >>> value_of = rematerialize(g, [np.float64(1.0)], [np.sin(np.sin(1.0))], [1.0], [True])
    >>> round(float(value_of(g.eqns[0].outputs[0])), 6)     # sin(1), recomputed
    0.841471
    """
    env: dict[int, Any] = {}
    for v, x in zip(graph.invars, primals, strict=True):
        env[id(v)] = x
    for v, x in zip(graph.outvars, outs, strict=True):
        if type(v) is Var:
            env.setdefault(id(v), x)
    # Equations the backward pass fires: active ones that reach a nonzero cotangent.
    active = {id(v) for v, n in zip(graph.invars, needs, strict=True) if n and _inexact(v)}
    live = []
    for e in graph.eqns:
        if any(type(a) is Var and id(a) in active for a in e.inputs):
            live.append(e)
            active.update(id(o) for o in e.outputs if _inexact(o))
    reach = {id(v) for v, c in zip(graph.outvars, cts, strict=True)
             if c is not None and type(v) is Var}
    needed: set[int] = set()
    for e in reversed(live):
        if any(id(o) in reach for o in e.outputs):
            needed.update(id(a) for a in e.inputs if type(a) is Var)
            needed.update(id(o) for o in e.outputs)
            reach.update(id(a) for a in e.inputs if type(a) is Var and id(a) in active)
    todo = []
    for e in reversed(graph.eqns):
        if any(id(o) in needed and id(o) not in env for o in e.outputs):
            todo.append(e)
            needed.update(id(a) for a in e.inputs if type(a) is Var)

    def recompute(e: Any, vals: list) -> Any:
        out = bind_params(e.prim, vals, e.params)
        return out if e.prim.multiple_results else [out]

    # known values stay (an output of the graph is not replaced by its recomputation)
    walk(reversed(todo), recompute, env, "remat", literal=_literal_value, combine=_keep_first)

    def read(a: Any) -> Any:
        return a.val if type(a) is Literal else env[id(a)]
    return read


def _literal_value(a: Literal) -> Any:
    return a.val


def _keep_first(old: Any, new: Any) -> Any:
    return new if old is None else old


def tangent_graph(closed: ClosedGraph, nonzeros: Sequence[bool],
                  wanted: Sequence[bool] | None = None
                  ) -> tuple[ClosedGraph, list[Any], list[bool]]:
    """The const-free graph ``(*consts, *primals, *nonzero tangents) -> nonzero out tangents``.

    Returns the graph, the ``consts`` to pass first, and which output
    tangents are nonzero (only ``wanted`` outputs get one, default all).  Kept in
    the toolkit's memo of derived graphs per (graph, nonzeros, wanted) when the
    consts are concrete (``jacfwd`` walks the same equation once per input element).

    >>> import numpy as np
    >>> import tracer.numpy as tnp
    >>> from tracer import make_graph
    >>> body = make_graph(lambda x: tnp.sin(x))(np.ones(3))
    >>> tg, consts, out_nz = tangent_graph(body, [True])
    >>> [e.prim.name for e in tg.eqns], consts, out_nz
    (['cos', 'mul'], [], [True])
    """
    nz = tuple(bool(n) for n in nonzeros)
    want = None if wanted is None or all(wanted) else tuple(bool(w) for w in wanted)

    def make() -> tuple[ClosedGraph, list[Any], list[bool]]:
        from transforms.jvp import jvp_graph
        jg, out_nz = jvp_graph(closed, nz, want)
        g = jg.graph
        n = len(closed.out_avals)
        tg = dce(ClosedGraph(Graph(g.invars, g.eqns, tuple(g.outvars)[n:], g.constvars),
                             jg.consts))
        hoisted, consts = hoist_consts(tg)
        return hoisted, consts, list(out_nz)

    return DERIVED.get(closed, ("jvp", nz, want), make)


# -- the user-facing wrapper --------------------------------------------------------


def _static_nums(static_argnums: int | Sequence[int], n: int) -> frozenset[int]:
    if isinstance(static_argnums, int):
        static_argnums = (static_argnums,)
    out = set()
    for i in static_argnums:
        if not -n <= i < n:
            raise ValueError(f"checkpoint: static_argnums={tuple(static_argnums)} but the "
                             f"function got {n} positional arguments")
        out.add(i % n)
    return frozenset(out)


def _operand_aval(x: Any) -> ShapedArray:
    if type(x) is Tracer:
        return x.aval
    if type(x) in (bool, int, float, complex) or _is_array(x):
        return aval_of_value(x)
    raise TypeError(f"checkpoint: an argument contains a {type(x).__name__}, which is not "
                    "an array; mark the argument with static_argnums")


def checkpoint(fun: Callable | None = None, *, prevent_cse: bool = True,
               policy: Callable[..., bool] | None = None,
               static_argnums: int | Sequence[int] = ()) -> Callable:
    """Recompute ``fun``'s intermediates in the backward pass (like ``jax.checkpoint``).

    ``policy`` (default ``checkpoint_policies.nothing_saveable``) chooses
    intermediates to save instead; ``static_argnums`` marks Python-valued
    arguments.  Values and derivatives are those of ``fun``.

    >>> import tracer.numpy as tnp
    >>> from tracer import make_graph
    >>> from transforms import grad
    >>> f = checkpoint(lambda x: tnp.sum(tnp.sin(tnp.sin(x))))
    >>> cg = make_graph(grad(f))(tnp.ones(3))   # the backward recomputes both sin
    >>> [e.prim.name for e in cg.eqns]
    ['checkpoint', 'sin', 'sin', 'broadcast_in_dim', 'cos', 'mul', 'cos', 'mul']
    """
    if fun is None:
        return functools.partial(checkpoint, prevent_cse=prevent_cse, policy=policy,
                                 static_argnums=static_argnums)
    pol = nothing_saveable if policy is None else policy
    name = getattr(fun, "__name__", "fun")

    @wraps(fun)
    @api_boundary
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_context() is EAGER:
            return fun(*args, **kwargs)
        nums = _static_nums(static_argnums, len(args))
        dyn = tuple(a for i, a in enumerate(args) if i not in nums)
        leaves, in_tree = tree_util.tree_flatten((dyn, kwargs))

        def flat_fun(*ops: Any) -> Any:
            d, kw = tree_util.tree_unflatten(in_tree, ops)
            it = iter(d)
            full = [args[i] if i in nums else next(it) for i in range(len(args))]
            return fun(*full, **kw)

        traced = trace_to_graph(flat_fun, tuple(_operand_aval(x) for x in leaves),
                                f"checkpoint function {name}")
        closed = lead_invars(traced.graph, traced.graph.constvars)
        outs = bind_checkpoint(closed, [*traced.consts, *leaves], pol, prevent_cse)
        return tree_util.tree_unflatten(traced.out_tree, outs)

    return wrapped


remat = checkpoint
