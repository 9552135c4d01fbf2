"""The IR: avals, equations, printer golden tests, typecheck."""
from __future__ import annotations

import numpy as np
import pytest

import tracer.numpy as tnp
from tracer import make_graph, named_scope, typecheck
from tracer import primitives as P
from tracer.ir import (ClosedGraph, Equation, Graph, GraphTypeError, Literal, Params,
                       ShapedArray, Var, pp_graph)


def test_shaped_array_equality_and_hash():
    a = ShapedArray((2, 3), np.float32)
    assert a == ShapedArray([2, 3], "float32")
    assert hash(a) == hash(ShapedArray((2, 3), np.float32))
    assert a != ShapedArray((2, 3), np.float32, weak_type=True)
    assert a.ndim == 2 and a.size == 6
    assert a.str_short() == "f32[2,3]"


def test_equation_is_frozen_and_params_hashable():
    v = Var(ShapedArray((), np.float64))
    out = Var(ShapedArray((), np.float64))
    e = Equation(P.sin_p, [v], [out], Params())
    with pytest.raises(AttributeError):
        e.prim = P.cos_p
    p = Params(axes=(0, 1))
    assert hash(p) == hash(Params(axes=(0, 1)))
    with pytest.raises(TypeError):
        p["axes"] = (1,)


def test_printer_golden_simple():
    def f(x, y):
        return tnp.sin(x) * y + 1.0

    cg = make_graph(f)(np.ones(3, np.float32), np.ones(3, np.float32))
    assert str(cg) == (
        "{ lambda ; a:f32[3] b:f32[3]. let\n"
        "    c:f32[3] = sin a\n"
        "    d:f32[3] = mul c b\n"
        "    e:f32[3] = add d 1.0:f32[]\n"
        "  in (e,) }")


def test_printer_golden_params_and_consts():
    w = np.arange(6.0).reshape(2, 3)

    def f(x):
        return tnp.reshape(x, (3, 2)).T + w

    cg = make_graph(f)(np.ones((2, 3)))
    assert str(cg) == (
        "{ lambda a:f64[2,3] ; b:f64[2,3]. let\n"
        "    c:f64[3,2] = reshape[new_sizes=(3, 2)] b\n"
        "    d:f64[2,3] = transpose[permutation=(1, 0)] c\n"
        "    e:f64[2,3] = add d a\n"
        "  in (e,) }")
    assert len(cg.consts) == 1 and np.array_equal(np.asarray(cg.consts[0]), w)


def test_printer_multiple_outputs_and_pytrees():
    cg = make_graph(lambda d: {"s": tnp.sin(d["x"]), "c": tnp.cos(d["x"])})(
        {"x": np.zeros(2)})
    text = str(cg)
    assert "sin a" in text and "cos a" in text
    assert text.endswith("in (c, b) }") or text.endswith("in (b, c) }")
    assert cg.out_tree is not None and cg.in_tree is not None


def test_source_locations_point_at_user_code():
    def f(x):
        y = tnp.exp(x)  # the line we look for
        return y

    cg = make_graph(f)(1.0)
    src = cg.graph.eqns[0].source
    assert src.file.endswith("test_ir.py")
    assert src.function == "f"
    import inspect
    lines, start = inspect.getsourcelines(f)
    assert src.line == start + 1
    assert src.col > 0
    assert "test_ir.py:" in pp_graph(cg.graph, source=True)


def test_named_scope_is_recorded():
    def f(x):
        with named_scope("layer1"):
            x = tnp.sin(x)
        with named_scope("layer2"), named_scope("inner"):
            x = tnp.cos(x)
        return x

    cg = make_graph(f)(np.float64(1.0))
    assert [e.source.scopes for e in cg.graph.eqns] == [("layer1",), ("layer2", "inner")]


def test_equation_ids_unique():
    cg = make_graph(lambda x: tnp.sin(tnp.cos(x)) + x)(1.0)
    ids = [e.id for e in cg.graph.eqns]
    assert len(set(ids)) == len(ids)


def test_typecheck_accepts_recorded_graphs():
    cg = make_graph(lambda x: tnp.sum(tnp.sin(x) * 2, axis=0))(np.ones((3, 4)))
    typecheck(cg)


def _var(shape=(), dtype=np.float64):
    return Var(ShapedArray(shape, dtype))


def test_typecheck_rejects_double_assignment():
    x = _var()
    y = _var()
    g = Graph([x], [Equation(P.sin_p, [x], [y], Params()),
                    Equation(P.cos_p, [x], [y], Params())], [y])
    with pytest.raises(GraphTypeError, match="assigned twice"):
        typecheck(g)


def test_typecheck_rejects_unbound_variable():
    x, z, y = _var(), _var(), _var()
    g = Graph([x], [Equation(P.sin_p, [z], [y], Params())], [y])
    with pytest.raises(GraphTypeError, match="unbound"):
        typecheck(g)


def test_typecheck_rejects_wrong_output_aval():
    x = _var((3,))
    y = _var((4,))
    g = Graph([x], [Equation(P.sin_p, [x], [y], Params())], [y])
    with pytest.raises(GraphTypeError, match="shape rule gives"):
        typecheck(g)


def test_typecheck_rejects_shape_rule_failure():
    x, w = _var((3,)), _var((4,))
    y = _var((3,))
    g = Graph([x, w], [Equation(P.add_p, [x, w], [y], Params())], [y])
    with pytest.raises(GraphTypeError, match="shape rule failed"):
        typecheck(g)


def test_typecheck_checks_literals_and_consts():
    x = _var((2,))
    y = _var((2,))
    lit = Literal(np.float64(2.0), ShapedArray((), np.float64))
    g = Graph([x], [Equation(P.mul_p, [x, lit], [y], Params())], [y])
    typecheck(g)
    c = _var((2,))
    g2 = Graph([x], [Equation(P.add_p, [x, c], [y], Params())], [y], constvars=[c])
    typecheck(ClosedGraph(g2, [np.zeros(2)]))
    with pytest.raises(GraphTypeError):
        typecheck(ClosedGraph(g2, [np.zeros(3)]))
