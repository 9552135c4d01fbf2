"""The graph toolkit: the plumbing every transform and backend shares, written once.

* **Tracing sub-graphs** -- ``trace_to_graph`` records a body abstractly (its
  closed-over values become constvars); ``hoist_consts`` / ``lead_invars`` turn
  constvars into *leading invars*, the form sub-graphs in params always have
  (``tracer/lax.py``): a const-free ``ClosedGraph`` plus the values to pass first.
  ``trace_hoisted`` is both in one call.
* **Dead code** -- ``live_equations`` (one backward sweep) and ``dce``.
* **Lists** -- ``split_list`` / ``merge_lists`` (operands cut by counts, values
  put back where a mask says) and ``merge_branches`` (``cond`` branches that
  hoisted different consts all take every branch's leading operands).
* **Walking** -- ``walk`` iterates equations for a graph interpreter (jvp, vjp,
  vmap, remat): it reads each equation's values from an environment, sets the
  source the equations it binds get (the equation's own, or one *derived* from it
  with the rewrite's name: the origin of DESIGN.md section 4), calls the
  interpreter's per-equation step and writes the results back.  It is the one
  place outside ``tracing`` that sets the source of replayed equations.
* **Memo** -- ``GraphMemo``: graphs derived from a graph (its tangent graph, its
  backward graph, its batched graph), kept per (graph, key), weakly in the graph;
  ``memoized`` is the same rule for a table the caller owns.  A result whose
  consts hold tracers of an enclosing transform is never kept.

Everything here is below ``transforms`` and ``backends`` (DESIGN.md section 2):
both use it; it imports neither.
"""
from __future__ import annotations

import weakref
from typing import Any, Callable, Iterable, MutableMapping, NamedTuple, Sequence

import numpy as np
from jax import tree_util

from tracer import tracing
from tracer.ir import ClosedGraph, Equation, Graph, Literal, ShapedArray, Source, Var, \
    user_location
from tracer.tracing import Tracer, make_graph, new_recorder

__all__ = ["GraphMemo", "Traced", "current_source", "dce", "hoist_consts", "lead_invars",
           "live_equations", "memoized", "merge_branches", "merge_lists", "split_list",
           "trace_hoisted", "trace_to_graph", "walk"]

_PY_SCALARS = (bool, int, float, complex)


# -- tracing sub-graphs, constvars -> leading invars ------------------------------------


class Traced(NamedTuple):
    """A body traced into a graph whose constvars are its closed-over values."""

    graph: Graph
    consts: list
    out_tree: Any


def trace_to_graph(fun: Callable, in_avals_tree: tuple, what: str | None = None) -> Traced:
    """Trace ``fun(*args)`` once, abstractly, on args with avals ``in_avals_tree``.

    ``in_avals_tree`` is a tuple (the positional arguments) of pytrees with
    ``ShapedArray`` leaves.  Values the body closes over (concrete arrays, or
    tracers of enclosing recorders) become constvars, with the values in
    ``consts``.  ``what`` names the body in the error raised when it returns
    something that is not an array.

    >>> t = trace_to_graph(lambda x: x * 2.0, (ShapedArray((3,), "float64"),))
    >>> [e.prim.name for e in t.graph.eqns], t.consts
    (['mul'], [])
    """
    leaves, in_tree = tree_util.tree_flatten(in_avals_tree)
    with new_recorder(forwarding=False) as rec:
        args = tree_util.tree_unflatten(in_tree, [rec.new_arg(a) for a in leaves])
        out = fun(*args)
        out_leaves, out_tree = tree_util.tree_flatten(out)
        for o in out_leaves:
            if not (type(o) is Tracer or type(o) in _PY_SCALARS
                    or isinstance(o, (np.ndarray, np.generic)) or hasattr(o, "aval")):
                name = what or getattr(fun, "__name__", "a control-flow body")
                raise TypeError(
                    f"{name} returned a {type(o).__name__}, which is not an array; "
                    f"control-flow bodies must return arrays (or pytrees of arrays) "
                    f"(at {user_location()})")
        cg = rec.to_graph(out_leaves)
    return Traced(cg.graph, list(cg.consts), out_tree)


def lead_invars(graph: Graph, lead: Sequence[Var]) -> ClosedGraph:
    """``graph`` with ``lead`` (its former constvars, in the caller's order, possibly
    with fresh unused vars among them) as leading invars, closed, with no consts.

    >>> t = trace_to_graph(lambda x: x * np.ones(2), (ShapedArray((2,), "float64"),))
    >>> len(lead_invars(t.graph, t.graph.constvars).graph.invars)
    2
    """
    return ClosedGraph(Graph(tuple(lead) + tuple(graph.invars), graph.eqns, graph.outvars), ())


def hoist_consts(closed: ClosedGraph) -> tuple[ClosedGraph, list[Any]]:
    """A const-free graph (``closed``'s constvars become leading invars) and the values
    to pass first (its consts).  Evaluating the result on ``(*consts, *args)`` equals
    evaluating ``closed`` on ``args``.

    >>> from tracer.tracing import make_graph
    >>> g, consts = hoist_consts(make_graph(lambda x: x + np.ones(2))(np.zeros(2)))
    >>> len(g.graph.invars), len(consts), g.graph.constvars
    (2, 1, ())
    """
    g = closed.graph
    if not g.constvars:
        return closed, []
    return lead_invars(g, g.constvars), list(closed.consts)


def trace_hoisted(f: Callable[..., Any], avals: Sequence[ShapedArray], *,
                  drop_dead: bool = False) -> tuple[ClosedGraph, list[Any]]:
    """Record ``f`` on ``avals`` (``make_graph``) into a const-free graph and the values
    to pass as its leading operands; ``drop_dead`` removes dead code (and the consts
    only dead code used) first.

    >>> g, consts = trace_hoisted(lambda x: [x * 2.0], [ShapedArray((), "float64")])
    >>> [e.prim.name for e in g.eqns], consts
    (['mul'], [])
    """
    cg = make_graph(f)(*avals)
    if drop_dead:
        cg = dce(cg)
    return hoist_consts(cg)


# -- dead code -----------------------------------------------------------------------


def live_equations(graph: Graph, wanted: Sequence[bool] | None = None
                   ) -> tuple[list[bool], set[int]]:
    """Per equation, whether the (``wanted``, default all) outputs depend on it, and the
    ids of the variables they depend on (one backward sweep; primitives are pure).

    >>> from tracer.tracing import make_graph
    >>> import tracer.numpy as tnp
    >>> g = make_graph(lambda x: (tnp.cos(x), tnp.sin(x))[1])(np.ones(3)).graph
    >>> live_equations(g)[0]
    [False, True]
    """
    outs = graph.outvars if wanted is None else [
        v for v, w in zip(graph.outvars, wanted, strict=True) if w]
    needed = {id(v) for v in outs if type(v) is not Literal}
    eqns = graph.eqns
    live = [False] * len(eqns)
    for i in range(len(eqns) - 1, -1, -1):
        e = eqns[i]
        for o in e.outputs:
            if id(o) in needed:
                live[i] = True
                needed.update(id(a) for a in e.inputs if type(a) is not Literal)
                break
    return live, needed


def dce(graph: Graph | ClosedGraph) -> Any:
    """``graph`` without the equations no output depends on.

    A ``Graph`` keeps its constvars; a ``ClosedGraph`` also drops the consts (and
    constvars) that only dead equations used.  Inputs are never removed.

    >>> from tracer.tracing import make_graph
    >>> import tracer.numpy as tnp
    >>> g = make_graph(lambda x: (tnp.cos(x), tnp.sin(x))[1])(np.ones(3))
    >>> [e.prim.name for e in dce(g).eqns]
    ['sin']
    """
    closed = graph if isinstance(graph, ClosedGraph) else None
    g = closed.graph if closed is not None else graph
    live, needed = live_equations(g)
    eqns = [e for e, keep in zip(g.eqns, live, strict=True) if keep]
    if closed is None:
        return Graph(g.invars, eqns, g.outvars, g.constvars)
    cs = [(v, c) for v, c in zip(g.constvars, closed.consts, strict=True) if id(v) in needed]
    return ClosedGraph(Graph(g.invars, eqns, g.outvars, [v for v, _ in cs]),
                       [c for _, c in cs], closed.in_tree, closed.out_tree)


# -- lists -------------------------------------------------------------------------------


def split_list(xs: Sequence[Any], *sizes: int) -> list[list[Any]]:
    """``xs`` cut into consecutive pieces of ``sizes``, then the rest (one more piece).

    >>> split_list([1, 2, 3, 4, 5], 1, 2)
    [[1], [2, 3], [4, 5]]
    """
    out, i = [], 0
    for n in sizes:
        out.append(list(xs[i:i + n]))
        i += n
    out.append(list(xs[i:]))
    return out


def merge_lists(which: Sequence[bool], trues: Sequence[Any],
                falses: Sequence[Any] | None = None) -> list[Any]:
    """One list, in ``which``'s order: the next of ``trues`` where ``which`` is true,
    else the next of ``falses`` (default: None there, the symbolic zero).  Both must be
    used up exactly.

    >>> merge_lists([True, False, True], ["a", "c"])
    ['a', None, 'c']
    >>> merge_lists([False, True], [2], [1])
    [1, 2]
    """
    n_true = sum(1 for w in which if w)
    if n_true != len(trues) or (falses is not None and len(which) - n_true != len(falses)):
        raise ValueError(f"merge_lists: {len(which)} slots ({n_true} true) for "
                         f"{len(trues)} trues and "
                         f"{'no' if falses is None else len(falses)} falses")
    t = iter(trues)
    if falses is None:
        return [next(t) if w else None for w in which]
    f = iter(falses)
    return [next(t) if w else next(f) for w in which]


def merge_branches(traced: Sequence[tuple[ClosedGraph, list[Any]]]
                   ) -> tuple[tuple[ClosedGraph, ...], list[Any]]:
    """``cond`` branches whose hoisted consts differ: every branch takes the leading
    operands of all branches, in branch order (its own in place, fresh unused
    variables for the others').  Returns the branches and all the leading values.
    """
    all_consts: list[Any] = []
    avals = [[v.aval for v in g.graph.invars[:len(cs)]] for g, cs in traced]
    branches = []
    for k, (g, cs) in enumerate(traced):
        gr = g.graph
        lead: list[Var] = []
        for j, a in enumerate(avals):
            lead += list(gr.invars[:len(cs)]) if j == k else [Var(x) for x in a]
        branches.append(lead_invars(Graph(gr.invars[len(cs):], gr.eqns, gr.outvars), lead))
        all_consts += cs
    return tuple(branches), all_consts


# -- walking ---------------------------------------------------------------------------


Step = Callable[[Equation, list], "Sequence[Any] | None"]


def current_source() -> Source | None:
    """The source the equations bound now get (set while a graph is walked or
    replayed), None outside a walk."""
    return tracing._source_override


def walk(eqns: Iterable[Equation], step: Step, env: dict[int, Any],
         rule: str | Callable[[list], str | None] | None, *, transpose: bool = False,
         skip_zeros: bool = False, literal: Callable[[Literal], Any] | None = None,
         combine: Callable[[Any, Any], Any] | None = None) -> None:
    """Run a graph interpreter's ``step`` over ``eqns``, owning the environment reads and
    writes and the source bookkeeping.

    Per equation ``e``:

    1. read ``ins``: forward, one entry per input (a literal reads as
       ``literal(lit)``, or None when ``literal`` is None, as does a variable not in
       ``env``); with ``transpose``, one per *output*, popped from ``env`` (None when
       absent): the cotangents of a backward pass;
    2. with ``skip_zeros``, an equation whose ``ins`` are all None is skipped;
    3. set the source that what ``step`` binds records: ``e.source`` when the rule
       is None, else ``e.source.derived(e.id, rule)`` (``rule`` may be a function of
       ``ins`` giving the rule name or None, e.g. vmap replays an equation with no
       batched input unchanged, under its own source);
    4. ``outs = step(e, ins)``; None means nothing to write;
    5. write ``outs`` to ``e.outputs`` (to ``e.inputs`` with ``transpose``), lengths
       checked, skipping None values and literals; an existing entry is replaced,
       or with ``combine`` becomes ``combine(old_or_None, new)`` (a backward pass
       sums cotangents).

    The previous source is restored afterwards, also when ``step`` raises.
    """
    fixed = not callable(rule)
    prev = tracing._source_override
    try:
        for e in eqns:
            if transpose:
                ins = [env.pop(id(o), None) for o in e.outputs]
            elif literal is None:
                ins = [None if type(a) is Literal else env.get(id(a)) for a in e.inputs]
            else:
                ins = [literal(a) if type(a) is Literal else env[id(a)] for a in e.inputs]
            if skip_zeros:   # (identity tests: ``==`` on a traced value would bind)
                for x in ins:
                    if x is not None:
                        break
                else:
                    continue
            r = rule if fixed else rule(ins)  # type: ignore[operator]
            tracing._source_override = e.source if r is None else e.source.derived(e.id, r)
            outs = step(e, ins)
            if outs is None:
                continue
            if transpose:
                for v, x in zip(e.inputs, outs, strict=True):
                    if x is not None and type(v) is not Literal:
                        k = id(v)
                        env[k] = x if combine is None else combine(env.get(k), x)
            elif combine is None:
                for v, x in zip(e.outputs, outs, strict=True):
                    if x is not None:
                        env[id(v)] = x
            else:
                for v, x in zip(e.outputs, outs, strict=True):
                    if x is not None:
                        k = id(v)
                        env[k] = combine(env.get(k), x)
    finally:
        tracing._source_override = prev


# -- the memo of derived graphs -----------------------------------------------------------


def _concrete(consts: Iterable[Any]) -> bool:
    return not any(type(c) is Tracer for c in consts)


def memoized(table: MutableMapping, key: Any, make: Callable[[], Any],
             consts_of: Callable[[Any], Iterable[Any]] = lambda r: r[1]) -> Any:
    """``table[key]``, made by ``make()`` on a miss and kept unless the result's consts
    (``consts_of(result)``, default its second item) hold tracers of an enclosing
    transform: such a result belongs to one trace only.

    >>> t = {}
    >>> memoized(t, "k", lambda: ("graph", [1.0])), list(t)
    (('graph', [1.0]), ['k'])
    """
    got = table.get(key)
    if got is None:
        got = make()
        if _concrete(consts_of(got)):
            table[key] = got
    return got


class GraphMemo:
    """Graphs derived from a graph, per (graph, key), held weakly by the graph (they go
    when it goes); results whose consts hold tracers are not kept (``memoized``), nor
    anything derived from a graph that cannot be weakly referenced.

    An eager loop that binds a held graph (``grad(jit(f))``, ``jacfwd`` of a
    ``checkpoint``) thus binds the same derived graph objects every time, and the
    executables compiled for them are found again.
    """

    def __init__(self) -> None:
        self._per: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def get(self, graph: Any, key: Any, make: Callable[[], Any],
            consts_of: Callable[[Any], Iterable[Any]] = lambda r: r[1]) -> Any:
        """The graph derived from ``graph`` under ``key``, made by ``make()`` on a miss."""
        try:
            per = self._per.get(graph)
            if per is None:
                per = self._per[graph] = {}
        except TypeError:   # not weakly referenceable: not kept
            return make()
        return memoized(per, key, make, consts_of)

    def clear(self) -> None:
        """Forget every derived graph."""
        self._per.clear()

    def __len__(self) -> int:
        return sum(len(p) for p in self._per.values())


#: the derived graphs of held graphs (``call`` and ``checkpoint`` sub-graphs)
DERIVED = GraphMemo()
