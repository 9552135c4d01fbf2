"""The graph toolkit (``tracer.graphs``): each function once, on small graphs.

Every graph a toolkit function produces is typechecked; rewrites are checked to keep
what the graph computes (``eval_graph`` before and after).
"""
from __future__ import annotations

import gc
import itertools

import numpy as np
import pytest

import tracer.numpy as tnp
from tracer import graphs, lax
from tracer.graphs import (DERIVED, GraphMemo, current_source, dce, hoist_consts, lead_invars,
                           live_equations, memoized, merge_branches, merge_lists, split_list,
                           trace_hoisted, trace_to_graph, walk)
from tracer.ir import ClosedGraph, Graph, Literal, ShapedArray, Var, typecheck
from tracer.tracing import Tracer, bind_params, eval_graph, make_graph
from transforms import checkpoint, grad, jvp, vjp, vmap

F64 = ShapedArray((3,), np.dtype("float64"))
W = np.array([1.0, 2.0, 3.0])
B = np.array([0.5, -0.5, 0.25])


def values(consts):
    return [np.asarray(c).tolist() for c in consts]


def close(a, b):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                               rtol=1e-12)


def with_consts() -> ClosedGraph:
    """A graph closing over two arrays (two constvars)."""
    return make_graph(lambda x: tnp.sin(x * W) + B)(np.ones(3))


# -- constvars -> leading invars -------------------------------------------------------


def test_hoist_consts_keeps_semantics():
    cg = with_consts()
    assert len(cg.graph.constvars) == 2
    typecheck(cg.graph)
    hoisted, consts = hoist_consts(cg)
    typecheck(hoisted.graph)
    assert hoisted.graph.constvars == () and hoisted.consts == ()
    assert len(consts) == 2 and len(hoisted.graph.invars) == 3
    x = np.array([0.1, 0.2, 0.3])
    close(eval_graph(hoisted, *consts, x)[0], eval_graph(cg, x)[0])
    close(eval_graph(hoisted, *consts, x)[0], np.sin(x * W) + B)


def test_hoist_consts_of_a_const_free_graph_is_itself():
    cg = make_graph(lambda x: tnp.sin(x))(np.ones(3))
    assert hoist_consts(cg) == (cg, [])


def test_lead_invars_takes_the_given_order_and_fresh_vars():
    cg = with_consts()
    c0, c1 = cg.graph.constvars
    extra = Var(F64)
    g = lead_invars(cg.graph, [c1, extra, c0])
    typecheck(g.graph)
    x = np.array([0.1, 0.2, 0.3])
    out = eval_graph(g, cg.consts[1], np.zeros(3), cg.consts[0], x)[0]
    close(out, eval_graph(cg, x)[0])


def test_trace_to_graph_captures_closed_over_values():
    t = trace_to_graph(lambda x, y: (x * W, y + 1.0), (F64, F64))
    typecheck(t.graph)
    assert values(t.consts) == values([W])
    assert t.out_tree.num_leaves == 2
    with pytest.raises(TypeError, match="my body returned a str"):
        trace_to_graph(lambda x: "no", (F64,), "my body")


def test_trace_hoisted_drops_dead_code_and_its_consts():
    def f(x):
        _ = x * B              # dead: B goes with it
        return [tnp.sin(x * W)]
    g, consts = trace_hoisted(f, [F64], drop_dead=True)
    typecheck(g.graph)
    assert values(consts) == values([W])
    assert [e.prim.name for e in g.eqns] == ["mul", "sin"]
    g_all, consts_all = trace_hoisted(f, [F64])
    assert len(consts_all) == 2 and len(g_all.eqns) == 3
    x = np.array([0.1, 0.2, 0.3])
    close(eval_graph(g, *consts, x)[0], eval_graph(g_all, *consts_all, x)[0])


# -- dead code -------------------------------------------------------------------------


def dead_and_live() -> ClosedGraph:
    def f(x):
        a = tnp.cos(x)         # dead
        _ = a * B              # dead, and the only user of B
        b = tnp.sin(x)         # live
        return b * W, tnp.exp(x)
    return make_graph(f)(np.ones(3))


def test_live_equations_one_backward_sweep():
    g = dead_and_live().graph
    names = [e.prim.name for e in g.eqns]
    live, needed = live_equations(g)
    assert [n for n, lv in zip(names, live, strict=True) if not lv] == ["cos", "mul"]
    assert all(id(v) in needed for v in g.invars)
    # only the second output wanted: only exp is live
    live2, _ = live_equations(g, [False, True])
    assert [n for n, lv in zip(names, live2, strict=True) if lv] == ["exp"]


def test_dce_removes_exactly_the_dead_equations():
    cg = dead_and_live()
    g = cg.graph
    live, _ = live_equations(g)
    want = [e.id for e, lv in zip(g.eqns, live, strict=True) if lv]
    # Graph in, Graph out: constvars kept
    small = dce(g)
    typecheck(small)
    assert isinstance(small, Graph)
    assert [e.id for e in small.eqns] == want
    assert small.constvars == g.constvars
    # ClosedGraph in: the const only dead code used goes too
    small_c = dce(cg)
    typecheck(small_c.graph)
    assert [e.id for e in small_c.eqns] == want
    assert values(small_c.consts) == values([W])
    x = np.array([0.1, 0.2, 0.3])
    for a, b in zip(eval_graph(small_c, x), eval_graph(cg, x), strict=True):
        close(a, b)
    # nothing dead: the same equations
    assert [e.id for e in dce(small_c).eqns] == want


# -- lists -------------------------------------------------------------------------------


def test_split_list_then_concatenate_round_trips():
    xs = list(range(7))
    for sizes in [(), (0,), (2, 3), (7,), (1, 1, 1)]:
        parts = split_list(xs, *sizes)
        assert len(parts) == len(sizes) + 1
        assert [len(p) for p in parts[:-1]] == list(sizes)
        assert list(itertools.chain(*parts)) == xs


def test_merge_lists_round_trips_with_a_partition():
    for which in itertools.product([False, True], repeat=4):
        xs = list("abcd")
        trues = [x for x, w in zip(xs, which, strict=True) if w]
        falses = [x for x, w in zip(xs, which, strict=True) if not w]
        assert merge_lists(which, trues, falses) == xs
        assert merge_lists(which, trues) == [x if w else None
                                            for x, w in zip(xs, which, strict=True)]


def test_merge_lists_checks_lengths():
    with pytest.raises(ValueError, match="merge_lists"):
        merge_lists([True, False], ["a", "b"])
    with pytest.raises(ValueError, match="merge_lists"):
        merge_lists([True, False], ["a"], [])


def test_merge_branches_every_branch_takes_all_leading_operands():
    b0 = trace_hoisted(lambda x: [x * W], [F64])
    b1 = trace_hoisted(lambda x: [x + B], [F64])
    b2 = trace_hoisted(lambda x: [tnp.sin(x)], [F64])   # no consts
    branches, consts = merge_branches([b0, b1, b2])
    assert values(consts) == values([W, B])
    x = np.array([0.1, 0.2, 0.3])
    for br, want in zip(branches, [x * W, x + B, np.sin(x)], strict=True):
        typecheck(br.graph)
        assert len(br.graph.invars) == 3 and br.consts == ()
        close(eval_graph(br, *consts, x)[0], want)


# -- walk -------------------------------------------------------------------------------


def replay_step(e, vals):
    out = bind_params(e.prim, vals, e.params)
    return out if e.prim.multiple_results else [out]


def test_walk_sets_derived_origins_and_restores_the_source():
    g = make_graph(lambda x: lax.sort(tnp.sin(x) * 2.0 + 1.0))(np.ones(3)).graph

    def replay(x):
        env = {id(g.invars[0]): x}
        walk(g.eqns, replay_step, env, "test-rule", literal=lambda a: a.val)
        return env[id(g.outvars[0])]

    before = current_source()
    rg = make_graph(replay)(np.ones(3))
    typecheck(rg.graph)
    assert current_source() is before
    assert len(rg.eqns) == len(g.eqns)
    for new, old in zip(rg.eqns, g.eqns, strict=True):
        assert new.prim is old.prim
        assert (new.source.origin_id, new.source.origin_rule) == (old.id, "test-rule")
        assert (new.source.file, new.source.line) == (old.source.file, old.source.line)
    x = np.array([0.3, -0.2, 0.1])
    close(eval_graph(rg, x)[0], eval_graph(g, x)[0])


def test_walk_rule_none_replays_under_the_equations_own_source():
    g = make_graph(lambda x: tnp.sin(x))(np.ones(3)).graph

    def replay(x):
        env = {id(g.invars[0]): x}
        walk(g.eqns, replay_step, env, None)
        return env[id(g.outvars[0])]

    rg = make_graph(replay)(np.ones(3))
    assert rg.eqns[0].source is g.eqns[0].source


def test_walk_restores_the_source_when_the_step_raises():
    g = make_graph(lambda x: tnp.sin(x))(np.ones(3)).graph
    before = current_source()

    def boom(e, vals):
        assert current_source().origin_rule == "r"
        raise RuntimeError("step failed")

    with pytest.raises(RuntimeError, match="step failed"):
        walk(g.eqns, boom, {id(g.invars[0]): np.ones(3)}, "r")
    assert current_source() is before


def test_walk_skip_zeros_transpose_and_combine():
    # y = x * 2 (used twice): a transposed walk sums the two cotangents into x
    g = make_graph(lambda x: (x * 2.0, x * 3.0))(np.ones(3)).graph
    seen = []

    def transpose_mul(e, cts):
        seen.append(e.prim.name)
        k = e.inputs[1].val if type(e.inputs[1]) is Literal else None
        return [cts[0] * k, None]

    env = {id(g.outvars[0]): np.ones(3), id(g.outvars[1]): None}
    env = {k: v for k, v in env.items() if v is not None}
    walk(reversed(g.eqns), transpose_mul, env, "vjp", transpose=True, skip_zeros=True,
         combine=lambda a, b: b if a is None else a + b)
    assert seen == ["mul"]              # the second product has no cotangent: skipped
    close(env[id(g.invars[0])], 2.0 * np.ones(3))


def test_transform_walkers_record_their_origins():
    """The jvp, vjp, vmap and remat walkers go through ``walk``: their equations name
    the forward equation they derive from and the rewrite."""
    def rules_of(cg):
        typecheck(cg.graph)
        return {e.source.origin_rule for e in cg.eqns}

    j = make_graph(lambda x, t: jvp(lambda y: tnp.sin(y) * y, (x,), (t,)))(
        np.ones(3), np.ones(3))
    assert "jvp" in rules_of(j)

    v = make_graph(lambda x: vjp(lambda y: tnp.sin(y) * y, x)[1](np.ones(3)))(np.ones(3))
    assert "vjp" in rules_of(v)

    b = make_graph(vmap(lambda x: tnp.sin(x) * tnp.cos(W)))(np.ones((2, 3)))
    assert rules_of(b) == {"vmap", None}   # cos(W), unbatched, is replayed unchanged
    assert [e.source.origin_rule for e in b.eqns if e.prim.name == "cos"] == [None]

    r = make_graph(grad(checkpoint(lambda x: tnp.sum(tnp.sin(tnp.sin(x))))))(np.ones(3))
    assert "remat" in rules_of(r)


# -- the memo -------------------------------------------------------------------------------


def test_graph_memo_makes_once_per_graph_and_key_and_is_weak():
    memo = GraphMemo()
    calls = []

    def make():
        calls.append(1)
        return ("derived", [np.ones(2)])

    cg = with_consts()
    first = memo.get(cg, ("k", 1), make)
    assert memo.get(cg, ("k", 1), make) is first and len(calls) == 1
    memo.get(cg, ("k", 2), make)
    assert len(calls) == 2 and len(memo) == 2
    del cg, first
    gc.collect()
    assert len(memo) == 0


def test_memo_does_not_keep_results_holding_tracers():
    table: dict = {}

    def f(x):
        got = memoized(table, "k", lambda: ("g", [x]))
        assert type(got[1][0]) is Tracer
        return x

    make_graph(f)(np.ones(3))
    assert table == {}
    assert memoized(table, "k", lambda: ("g", [np.ones(1)]))[0] == "g" and "k" in table


def test_derived_graphs_are_shared_through_the_memo():
    """``tangent_graph`` (remat) keeps its result in the toolkit's memo."""
    from transforms.remat import tangent_graph
    body = make_graph(lambda x: tnp.sin(x) * W)(np.ones(3))
    n = len(DERIVED)
    tg, consts, out_nz = tangent_graph(body, [True])
    typecheck(tg.graph)
    assert tg.graph.constvars == () and out_nz == [True]
    assert tangent_graph(body, [True])[0] is tg
    assert len(DERIVED) == n + 1
    x, t = np.array([0.1, 0.2, 0.3]), np.array([1.0, 0.0, 2.0])
    close(eval_graph(tg, *consts, x, t)[0], np.cos(x) * t * W)


def test_toolkit_is_below_transforms_and_backends():
    import ast
    import pathlib
    tree = ast.parse(pathlib.Path(graphs.__file__).read_text())
    mods = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    mods |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in mods if m.split(".")[0] in ("transforms", "backends")}
