"""Structured control flow (cond, switch, while_loop, fori_loop, scan, map).

Every program runs eagerly and through make_graph + eval_graph (typechecked,
``tests.util.check_graph``), and is compared with a plain-Python reference
loop.  Recorded graphs hold exactly one control-flow equation with its
sub-graph(s); closed-over values (concrete, or tracers of the enclosing
recorder) become leading operands.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from jax import tree_util

import tracer.numpy as tnp
from tests.util import assert_same, check_graph, rand
from tracer import lax, make_graph, typecheck
from tracer.errors import ConcretizationError, ShapeError
from tracer.ir import ShapedArray
from tracer.tracing import Tracer, new_recorder

RNG = np.random.default_rng(7)


def both(fn: Callable[..., Any], want: Any, *args: Any, **kw: Any) -> None:
    """``fn(*args)`` equals ``want`` eagerly and through make_graph + eval_graph."""
    assert_same(fn(*args), want, what="eager", **kw)
    assert_same(check_graph(fn, *args), want, what="graph", **kw)


def top_level(fn: Callable[..., Any], *args: Any) -> list[str]:
    cg = make_graph(fn)(*args)
    typecheck(cg)
    return [e.prim.name for e in cg.eqns]


def only_eqn(fn: Callable[..., Any], name: str, *args: Any) -> Any:
    """The graph of ``fn`` has exactly one ``name`` equation at top level; return it."""
    cg = make_graph(fn)(*args)
    typecheck(cg)
    eqns = [e for e in cg.eqns if e.prim.name == name]
    assert len(eqns) == 1, str(cg)
    text = str(cg)
    assert text.count(f"{name}[") == 1
    assert text.count("{ lambda") >= 2      # the sub-graph is printed inside the equation
    return eqns[0]


# ---------------------------------------------------------------------------
# scan


def scan_pytree(xa: Any, xb: Any, w: Any) -> Any:
    def body(c: dict, x: tuple) -> tuple[dict, dict]:
        a, b = x
        s = c["s"] + a * w
        p = c["p"] * b
        return {"s": s, "p": p}, {"sum": s, "pair": (a + b, p)}
    return lax.scan(body, {"s": tnp.zeros(3), "p": np.float64(1.0)}, (xa, xb))


def scan_pytree_ref(xa: np.ndarray, xb: np.ndarray, w: np.ndarray) -> Any:
    s, p = np.zeros(3), np.float64(1.0)
    sums, pairs_a, pairs_p = [], [], []
    for a, b in zip(xa, xb):
        s = s + a * w
        p = p * b
        sums.append(s)
        pairs_a.append(a + b)
        pairs_p.append(p)
    return {"p": p, "s": s}, {"pair": (np.stack(pairs_a), np.array(pairs_p)),
                              "sum": np.stack(sums)}


def test_scan_pytree_carry_xs_and_ys() -> None:
    xa, xb, w = rand((5, 3)), rand((5,)), rand((3,))
    both(scan_pytree, scan_pytree_ref(xa, xb, w), xa, xb, w)
    eqn = only_eqn(scan_pytree, "scan", xa, xb, w)
    # the body closes over the argument ``w``: it is the one leading const operand
    assert eqn.params["num_consts"] == 1 and eqn.params["num_carry"] == 2
    assert eqn.params["length"] == 5


def test_scan_reverse() -> None:
    xs = rand((6, 2))

    def f(xs: Any) -> Any:
        return lax.scan(lambda c, x: (c * 0.5 + x, c), np.zeros(2), xs, reverse=True)

    c, ys = np.zeros(2), np.zeros((6, 2))
    for i in reversed(range(6)):
        ys[i] = c
        c = c * 0.5 + xs[i]
    both(f, (c, ys), xs)
    assert only_eqn(f, "scan", xs).params["reverse"] is True


def test_scan_length_without_xs() -> None:
    def f(c0: Any) -> Any:
        return lax.scan(lambda c, _: (c * 2 + 1, c), c0, None, length=6)

    c, ys = np.int32(1), []
    for _ in range(6):
        ys.append(c)
        c = c * np.int32(2) + np.int32(1)
    both(f, (c, np.array(ys, np.int32)), np.int32(1))


def test_scan_weak_initial_carry_is_promoted() -> None:
    """``init=0`` (a weak Python int) takes the float32 dtype the body returns."""
    xs = rand((4,), np.float32)
    carry, ys = lax.scan(lambda c, x: (c + x, c * 2), 0, xs)
    want = np.cumsum(xs, dtype=np.float32)
    assert_same(carry, want[-1])
    assert_same(ys, np.concatenate([[0], want[:-1]]).astype(np.float32) * np.float32(2))
    both(lambda xs: lax.scan(lambda c, x: (c + x, c * 2), 0, xs)[0], want[-1], xs)


def test_scan_zero_length_and_no_carry() -> None:
    def f(xs: Any) -> Any:
        return lax.scan(lambda c, x: (c, x * 2.0), (), xs)

    both(f, ((), np.zeros((0, 3))), np.zeros((0, 3)))


def test_map() -> None:
    xs = rand((5, 3))

    def f(xs: Any) -> Any:
        return lax.map(lambda x: {"sq": x * x, "sum": lax.reduce_sum(x, (0,))}, xs)

    both(f, {"sq": xs * xs, "sum": xs.sum(1)}, xs)
    assert top_level(f, xs) == ["scan"]


# ---------------------------------------------------------------------------
# cond / switch


def test_cond_pred_kinds() -> None:
    x = rand((3,))

    def f(p: Any, x: Any) -> Any:
        return lax.cond(p, lambda a: a * 2.0, lambda a: a - 1.0, x)

    for p in (np.bool_(True), np.bool_(False), np.int32(3), np.int32(0)):
        both(f, x * 2.0 if p else x - 1.0, p, x)
    assert_same(lax.cond(True, lambda: 1.0, lambda: 2.0), np.float64(1.0))
    assert_same(lax.cond(0, lambda a: a, lambda a: -a, x), -x)
    eqn = only_eqn(f, "cond", np.bool_(True), x)
    false_g, true_g = eqn.params["branches"]
    assert [e.prim.name for e in true_g.eqns] == ["mul"]
    assert [e.prim.name for e in false_g.eqns] == ["sub"]
    assert true_g.consts == () and false_g.consts == ()


def test_cond_branches_close_over_different_tracers() -> None:
    """Branch graphs take the union of both branches' closed-over values."""
    def f(p: Any, a: Any, b: Any, x: Any) -> Any:
        return lax.cond(p, lambda x: x + a, lambda x: x * b, x)

    a, b, x = rand((3,)), rand((3,)), rand((3,))
    both(f, x + a, np.bool_(True), a, b, x)
    both(f, x * b, np.bool_(False), a, b, x)
    eqn = only_eqn(f, "cond", np.bool_(True), a, b, x)
    assert len(eqn.inputs) == 4       # index, a, b, x
    for g in eqn.params["branches"]:
        assert len(g.graph.invars) == 3


def test_cond_weak_branch_output_joins() -> None:
    x = rand((), np.float32)

    def f(p: Any, x: Any) -> Any:
        return lax.cond(p, lambda x: x * 3, lambda x: 0.5, x)

    both(f, np.float32(0.5), np.bool_(False), x)
    both(f, x * np.float32(3), np.bool_(True), x)


def test_switch_three_branches_with_clamping() -> None:
    branches = [lambda x: x + 1.0, lambda x: x * 10.0, lambda x: -x]
    x = rand((2,))

    def f(i: Any, x: Any) -> Any:
        return lax.switch(i, branches, x)

    for i in (-5, 0, 1, 2, 3, 100):
        want = branches[min(max(i, 0), 2)](x)
        both(f, want, np.int32(i), x)        # traced index
        assert_same(lax.switch(i, branches, x), want)   # Python int index
    eqn = only_eqn(f, "cond", np.int32(0), x)
    assert len(eqn.params["branches"]) == 3
    # a traced int64 index is clamped before it is narrowed to int32
    both(f, branches[2](x), np.int64(2**40), x)


def test_cond_operand_pytrees() -> None:
    tree = {"a": rand((2,)), "b": (rand((3,)), np.int32(4))}

    def f(p: Any, t: Any) -> Any:
        return lax.cond(p, lambda t: (t["b"][1], t["a"].sum()),
                        lambda t: (t["b"][1] * 2, t["b"][0][0]), t)

    both(f, (np.int32(4), tree["a"].sum()), np.bool_(True), tree)
    both(f, (np.int32(8), tree["b"][0][0]), np.bool_(False), tree)


# ---------------------------------------------------------------------------
# while_loop / fori_loop


def collatz_steps(n: Any) -> Any:
    def body(c: tuple) -> tuple:
        k, steps = c
        k = lax.select(lax.eq(lax.rem(k, 2), 0), lax.div(k, 2), 3 * k + 1)
        return k, steps + 1
    return lax.while_loop(lambda c: c[0] != 1, body, (n, 0))[1]


def collatz_ref(n: int) -> int:
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


def test_while_data_dependent_trip_count() -> None:
    for n in (1, 6, 27, 97):
        both(collatz_steps, np.int64(collatz_ref(n)), np.int64(n))
    only_eqn(collatz_steps, "while", np.int64(5))


def newton_sqrt(a: Any) -> Any:
    def cond_fun(c: dict) -> Any:
        return lax.gt(lax.abs(c["x"] * c["x"] - a), 1e-12)

    def body_fun(c: dict) -> dict:
        return {"x": 0.5 * (c["x"] + a / c["x"]), "it": c["it"] + 1}
    return lax.while_loop(cond_fun, body_fun, {"x": a, "it": 0})


def test_while_newton_until_convergence() -> None:
    for a in (2.0, 9.0, 1e4):
        x, it = a, 0
        while abs(x * x - a) > 1e-12:
            x, it = 0.5 * (x + a / x), it + 1
        both(newton_sqrt, {"x": np.float64(x), "it": np.int64(it)}, np.float64(a))


def test_fori_loop_static_bounds_is_one_scan() -> None:
    x = rand((3,))

    def f(x: Any) -> Any:
        return lax.fori_loop(2, 7, lambda i, c: c * 0.5 + i, x)

    want = x.copy()
    for i in range(2, 7):
        want = want * 0.5 + i
    both(f, want, x)
    eqn = only_eqn(f, "scan", x)
    assert eqn.params["length"] == 5
    assert top_level(f, x) == ["scan"]
    assert_same(lax.fori_loop(5, 2, lambda i, c: c + i, 1.5), np.float64(1.5))


def test_fori_loop_traced_bounds_is_one_while() -> None:
    def f(lo: Any, hi: Any, x: Any) -> Any:
        return lax.fori_loop(lo, hi, lambda i, c: c + i * c, x)

    x = np.float64(1.0)
    for lo, hi in ((0, 4), (3, 3), (5, 1), (-2, 2)):
        want = x
        for i in range(lo, hi):
            want = want + i * want
        both(f, np.float64(want), np.int32(lo), np.int32(hi), x)
    only_eqn(f, "while", np.int32(0), np.int32(3), x)
    # mixed: one traced bound, the other a Python int
    both(lambda hi, x: lax.fori_loop(0, hi, lambda i, c: c + 1.0, x), np.float64(4.0),
         np.int64(3), np.float64(1.0))


def test_while_weak_types() -> None:
    """A weak init is promoted to the body's dtype; a weak body output is converted."""
    out = lax.fori_loop(0, 3, lambda i, c: c + np.float32(1.5), 0.0)
    assert_same(out, np.float32(4.5))

    def f(x: Any) -> Any:
        return lax.while_loop(lambda c: c < 10, lambda c: 10.0, x)

    both(f, np.float32(10.0), np.float32(1.0))


# ---------------------------------------------------------------------------
# nesting and closures


def test_cond_inside_scan() -> None:
    xs, w = rand((7,)), rand((2,))

    def f(xs: Any, w: Any) -> Any:
        def body(c: Any, x: Any) -> Any:
            c = lax.cond(x > 0, lambda c: c + x * w, lambda c: c - w, c)
            return c, lax.reduce_sum(c, (0,))
        return lax.scan(body, tnp.zeros(2), xs)

    c, ys = np.zeros(2), []
    for x in xs:
        c = c + x * w if x > 0 else c - w
        ys.append(c.sum())
    both(f, (c, np.array(ys)), xs, w)
    eqn = only_eqn(f, "scan", xs, w)
    body = eqn.params["graph"]
    assert [e.prim.name for e in body.eqns].count("cond") == 1


def test_scan_inside_cond() -> None:
    xs = rand((5,))

    def f(p: Any, xs: Any) -> Any:
        return lax.cond(p, lambda xs: lax.scan(lambda c, x: (c + x, c * x), 0.0, xs)[0],
                        lambda xs: lax.reduce_max(xs, (0,)), xs)

    both(f, np.float64(xs.sum()), np.bool_(True), xs)
    both(f, xs.max(), np.bool_(False), xs)
    eqn = only_eqn(f, "cond", np.bool_(True), xs)
    assert [e.prim.name for e in eqn.params["branches"][1].eqns] == ["scan"]


def test_while_inside_scan() -> None:
    ns = np.array([1, 6, 7, 27], np.int64)

    def f(ns: Any) -> Any:
        return lax.scan(lambda tot, n: (tot + collatz_steps(n), collatz_steps(n)), 0, ns)

    steps = np.array([collatz_ref(int(n)) for n in ns], np.int64)
    both(f, (np.int64(steps.sum()), steps), ns)


def test_closures_over_outer_values_and_tracers() -> None:
    """Loop bodies close over concrete arrays and over the traced argument, two levels deep."""
    table = rand((3,))
    eager_arr = tnp.asarray(rand((3,)))

    def f(w: Any, xs: Any) -> Any:
        def body(c: Any, x: Any) -> Any:
            inner = lax.fori_loop(0, 2, lambda i, a: a + w * table, c)
            return lax.cond(x > 0, lambda v: v + eager_arr, lambda v: v * w, inner), x
        return lax.scan(body, np.zeros(3), xs)[0]

    w, xs = rand((3,)), rand((4,))
    c = np.zeros(3)
    for x in xs:
        c = c + 2 * (w * table)
        c = c + np.asarray(eager_arr) if x > 0 else c * w
    both(f, c, w, xs)
    cg = make_graph(f)(w, xs)
    typecheck(cg)
    (eqn,) = cg.eqns
    # w, table and eager_arr are the scan's consts; w is the graph's argument itself
    assert eqn.params["num_consts"] == 3
    assert eqn.inputs[0] is cg.graph.invars[0]
    assert len(cg.graph.constvars) == 3      # table, eager_arr, the initial carry


def test_forwarding_recorder_carries_values() -> None:
    """Under a forwarding recorder (as grad's), loops record and also compute."""
    xs = rand((4,))
    with new_recorder(forwarding=True) as rec:
        t = rec.new_arg(ShapedArray(xs.shape, xs.dtype), tnp.asarray(xs))
        c, ys = lax.scan(lambda c, x: (c + x, c * x), 0.0, t)
        n = lax.while_loop(lambda k: k < 5, lambda k: k + 2, 0)
    assert type(c) is Tracer and [e.prim.name for e in rec.eqns] == ["scan", "while"]
    assert_same(np.asarray(c), np.float64(xs.sum()))
    assert_same(np.asarray(n), np.int64(6))


def test_python_control_flow_on_body_values_is_an_error() -> None:
    def body(c: Any) -> Any:
        return c + 1 if c > 0 else c - 1
    with pytest.raises(ConcretizationError, match="test_control_flow.py:"):
        lax.while_loop(lambda c: c < 3, body, 0)


# ---------------------------------------------------------------------------
# type errors name the user's line


def test_error_branches_return_different_shapes() -> None:
    with pytest.raises(ShapeError) as err:
        lax.cond(True, lambda x: x, lambda x: x[:2], rand((3,)))
    msg = str(err.value)
    assert "test_control_flow.py:" in msg and "f64[3]" in msg and "f64[2]" in msg
    with pytest.raises(ShapeError, match="test_control_flow.py:"):
        make_graph(lambda i, x: lax.switch(i, [lambda x: x, lambda x: (x, x)], x))(
            np.int32(0), rand((3,)))


def test_error_branches_return_different_dtypes() -> None:
    with pytest.raises(ShapeError, match="test_control_flow.py:") as err:
        lax.cond(True, lambda x: x, lambda x: lax.convert_element_type(x, np.float32),
                 rand((3,)))
    assert "f32[3]" in str(err.value)


def test_error_body_changes_carry_dtype() -> None:
    with pytest.raises(ShapeError) as err:
        lax.while_loop(lambda c: c < 10, lambda c: lax.convert_element_type(c + 1, np.float32),
                       np.int32(0))
    msg = str(err.value)
    assert "test_control_flow.py:" in msg and "i32[]" in msg and "f32[]" in msg
    with pytest.raises(ShapeError, match="test_control_flow.py:") as err:
        make_graph(lambda xs: lax.scan(
            lambda c, x: ({"a": c["a"] * x}, x), {"a": np.zeros(2, np.float32)}, xs))(
                rand((3,)))
    assert "['a']" in str(err.value)


def test_error_body_changes_carry_shape_or_structure() -> None:
    with pytest.raises(ShapeError, match="test_control_flow.py:"):
        lax.fori_loop(0, 3, lambda i, c: tnp.concatenate([c, c]), np.zeros(2))
    with pytest.raises(ShapeError, match="test_control_flow.py:"):
        lax.scan(lambda c, x: ((c, c), x), 0.0, np.zeros(3))


def test_error_scan_inconsistent_lengths() -> None:
    with pytest.raises(ShapeError, match="test_control_flow.py:") as err:
        lax.scan(lambda c, x: (c, x), 0.0, (np.zeros(3), np.zeros(4)))
    assert "3" in str(err.value) and "4" in str(err.value)
    with pytest.raises(ShapeError, match="test_control_flow.py:"):
        lax.scan(lambda c, x: (c, x), 0.0, np.zeros(3), length=5)
    with pytest.raises(ValueError, match="test_control_flow.py:"):
        lax.scan(lambda c, x: (c, x), 0.0)


def test_error_while_cond_not_boolean() -> None:
    with pytest.raises(ShapeError, match="test_control_flow.py:"):
        lax.while_loop(lambda c: c, lambda c: c - 1, np.int32(3))


def test_error_cond_pred() -> None:
    with pytest.raises(ShapeError, match="test_control_flow.py:"):
        lax.cond(np.array([True, False]), lambda: 1.0, lambda: 2.0)
    with pytest.raises(TypeError, match="test_control_flow.py:"):
        make_graph(lambda p: lax.cond(p, lambda: 1.0, lambda: 2.0))(np.float64(1.0))


def test_body_traced_once() -> None:
    calls = []

    def body(c: Any, x: Any) -> Any:
        calls.append(1)
        return c + x, c

    xs = rand((50,))
    c, _ = lax.scan(body, np.float64(0.0), xs)
    assert len(calls) == 1
    assert_same(c, np.float64(np.cumsum(xs)[-1]), rtol=1e-12)
    tree_util.tree_map(lambda v: v, c)
