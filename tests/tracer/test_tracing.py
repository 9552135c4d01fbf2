"""Recording contexts: abstract and forwarding recorders, closure conversion, pytrees."""
from __future__ import annotations

import numpy as np
import pytest
from jax import tree_util

import backends
import tracer.numpy as tnp
from tracer import ShapedArray, Tracer, eval_graph, make_graph, typecheck
from tracer.tracing import new_recorder, record_forward


def test_eager_returns_backend_arrays():
    x = tnp.asarray(np.arange(3.0))
    y = tnp.sin(x) + 1
    assert isinstance(y, backends.Array)
    np.testing.assert_allclose(np.asarray(y), np.sin(np.arange(3.0)) + 1)


def test_array_is_immutable_and_zero_copy():
    x = tnp.sin(tnp.asarray(np.arange(3.0)))
    v = np.asarray(x)
    assert np.asarray(x) is v or np.shares_memory(np.asarray(x), v)
    assert not v.flags.writeable
    with pytest.raises(TypeError, match="at\\[idx\\]"):
        x[0] = 1.0
    user = np.arange(3.0)
    tnp.asarray(user)
    assert user.flags.writeable  # the user's array is untouched


def test_make_graph_shapes_and_pytrees():
    def f(params, x):
        return {"y": tnp.tanh(x * params["w"] + params["b"]), "aux": (x,)}

    params = {"w": np.ones(3, np.float32), "b": np.zeros(3, np.float32)}
    cg = make_graph(f)(params, np.ones(3, np.float32))
    typecheck(cg)
    assert [a.shape for a in cg.in_avals] == [(3,), (3,), (3,)]
    assert cg.out_avals[0].dtype == np.float32
    leaves = tree_util.tree_leaves((params, np.full(3, 2.0, np.float32)))
    outs = tree_util.tree_unflatten(cg.out_tree, eval_graph(cg, *leaves))
    np.testing.assert_allclose(np.asarray(outs["y"]), np.tanh(np.full(3, 2.0)), rtol=1e-6)


def test_make_graph_accepts_avals_and_static_args():
    cg = make_graph(lambda x, n: x * n, static_argnums=1)(ShapedArray((2,), np.float64), 3)
    assert len(cg.graph.invars) == 1
    assert "3:i64[]" in str(cg) or "3" in str(cg)
    import jax
    cg2 = make_graph(lambda x: x + 1)(jax.ShapeDtypeStruct((4,), np.float32))
    assert cg2.in_avals[0] == ShapedArray((4,), np.float32)


def test_python_scalars_are_weak():
    cg = make_graph(lambda x, y: x * y)(np.ones(2, np.float32), 2.0)
    assert cg.in_avals[1].weak_type
    assert cg.out_avals[0].dtype == np.float32


def test_plain_numpy_functions_trace():
    def f(x, y):
        return np.sum(np.sin(x) * np.exp(y), axis=0) + np.concatenate([x, y]).mean()

    x, y = np.linspace(0, 1, 4), np.linspace(1, 2, 4)
    cg = make_graph(f)(x, y)
    names = {e.prim.name for e in cg.graph.eqns}
    assert {"sin", "exp", "reduce_sum", "concatenate"} <= names
    want = np.sum(np.sin(x) * np.exp(y), axis=0) + np.concatenate([x, y]).mean()
    np.testing.assert_allclose(np.asarray(eval_graph(cg, x, y)[0]), want)


def test_eval_graph_rerecords_with_sources():
    cg = make_graph(lambda x: tnp.sin(x) * 2)(np.float64(1.0))
    cg2 = make_graph(lambda x: eval_graph(cg, x)[0])(np.float64(1.0))
    assert [e.prim.name for e in cg2.graph.eqns] == ["sin", "mul"]
    assert [e.source for e in cg2.graph.eqns] == [e.source for e in cg.graph.eqns]


def test_closure_conversion_lifts_outer_tracers():
    def outer(x):
        inner = make_graph(lambda y: x * y)(2.0)
        assert len(inner.consts) == 1 and isinstance(inner.consts[0], Tracer)
        return eval_graph(inner, 3.0)[0]

    cg = make_graph(outer)(5.0)
    typecheck(cg)
    assert float(np.asarray(eval_graph(cg, 5.0)[0])) == 15.0


def test_forwarding_recorder_runs_python_control_flow():
    def f(x):
        if x > 0:          # concrete under a forwarding recorder
            return tnp.sin(x)
        return tnp.cos(x)

    pos, g_pos = record_forward(f, 1.0)
    neg, g_neg = record_forward(f, -1.0)
    assert np.isclose(float(pos), np.sin(1.0)) and np.isclose(float(neg), np.cos(-1.0))
    assert [e.prim.name for e in g_pos.graph.eqns] == ["gt", "sin"]
    assert [e.prim.name for e in g_neg.graph.eqns] == ["gt", "cos"]
    typecheck(g_pos)
    np.testing.assert_allclose(np.asarray(eval_graph(g_pos, 0.5)[0]), np.sin(0.5))


def test_forwarding_recorder_loops_and_values():
    def f(x):
        n = 0
        while x < 10.0:
            x = x * 2
            n += 1
        return x, tnp.asarray(n)

    (val, n), g = record_forward(f, 1.5)
    assert float(val) == 12.0 and int(n) == 3
    assert sum(e.prim.name == "mul" for e in g.graph.eqns) == 3


def test_nested_forwarding_recorders_no_perturbation_confusion():
    # A tiny test transform: "the recorded graph of f at x", nested.
    def inner_graph_len(x):
        _, g = record_forward(lambda y: x * y, 2.0)
        return len(g.graph.eqns), len(g.consts)

    def outer(x):
        n, c = inner_graph_len(x)
        assert (n, c) == (1, 1)   # x is lifted into the inner graph as a const
        return x * 1.0

    val, g = record_forward(outer, 3.0)
    assert float(val) == 3.0
    assert len(g.graph.eqns) == 2  # outer records the inner mul (forwarded) and its own mul


def test_forwarding_inside_abstract_records_both_levels():
    def f(x):
        out, g = record_forward(lambda y: tnp.exp(y) * x, x)
        return out

    cg = make_graph(f)(np.float64(1.0))
    typecheck(cg)
    assert [e.prim.name for e in cg.graph.eqns] == ["exp", "mul"]
    np.testing.assert_allclose(np.asarray(eval_graph(cg, 2.0)[0]), np.exp(2.0) * 2.0)


def test_recorder_contexts_restore_on_error():
    from tracer.tracing import current_context
    before = current_context()
    with pytest.raises(ZeroDivisionError):
        with new_recorder():
            raise ZeroDivisionError("boom")
    assert current_context() is before


def test_tracer_attributes():
    def f(x):
        assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6
        assert x.dtype == np.float32 and len(x) == 2
        assert "Tracer<f32[2,3]>" in repr(x)
        return x

    make_graph(f)(np.ones((2, 3), np.float32))


def test_recording_relaxes_young_gc_and_restores_it():
    import gc

    from tracer import tracing
    before = gc.get_threshold()
    seen = []

    def f(x):
        seen.append(gc.get_threshold()[0])
        return tnp.sin(x)

    make_graph(f)(np.ones(3))
    assert seen == [max(before[0], tracing._GC_YOUNG_WHILE_RECORDING)]
    assert gc.get_threshold() == before

    def bad(x):
        raise KeyError("boom")

    with pytest.raises(KeyError):
        make_graph(bad)(np.ones(3))
    assert gc.get_threshold() == before
