"""Autodiff through control flow: cond/switch, scan, fori_loop, while_loop.

Every program is written once against a NumPy-like module and a lax-like
module, and run both as graphjit (``tnp``, ``tracer.lax``) and as JAX
(``jnp``, ``jax.lax``): derivatives are compared with JAX's and checked with
``check_grads`` (central differences and the dot-product identity, first and
second order, forward and reverse, derivative graphs typechecked).
"""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import tree_util

import tracer.numpy as tnp
from tracer import lax, make_graph, typecheck
from tracer import primitives as P
from tracer.errors import MissingRuleError
from tracer.ir import ClosedGraph
from tracer.tracing import eval_graph
from transforms import grad, hessian, jacfwd, jacrev, jvp, vjp
from transforms.ad_rules.control_flow import _dce

from .gradcheck import check_grads, check_jvp_fd

jax.config.update("jax_enable_x64", True)

RNG = np.random.default_rng(0)
G = (tnp, lax)          # graphjit
J = (jnp, jax.lax)      # JAX


def assert_close(a: Any, b: Any, rtol: float = 1e-9, atol: float = 1e-11) -> None:
    la, ta = tree_util.tree_flatten(a)
    lb, tb = tree_util.tree_flatten(b)
    assert len(la) == len(lb), (ta, tb)
    for x, y in zip(la, lb):
        x, y = np.asarray(x), np.asarray(y)
        assert x.shape == y.shape, (x.shape, y.shape)
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol)


def scans_of(cg: ClosedGraph) -> list[bool]:
    """The ``reverse`` flags of the top-level scans of a graph."""
    return [e.params["reverse"] for e in cg.graph.eqns if e.prim is P.scan_p]


# -- programs (N: numpy-like module, L: lax-like module) -----------------------------


def cond_prog(N: Any, L: Any, x: Any, y: Any) -> Any:
    w = N.sin(y)                                  # an outer value the branches close over
    return L.cond(N.sum(x) > 0, lambda a: N.sum(N.sin(a) * w) * y,
                  lambda a: N.sum(a * a) + w, x)


def switch_prog(N: Any, L: Any, i: Any, p: dict) -> Any:
    scale = p["a"] * 2.0
    branches = [
        lambda q: {"o": N.sum(q["a"] * scale), "v": q["b"][1] * q["b"][0]},
        lambda q: {"o": N.sum(N.cos(q["a"])), "v": q["b"][1]},
        lambda q: {"o": q["b"][0] * 3.0, "v": N.zeros(3)},   # tangents zero in "v"
    ]
    out = L.switch(i, branches, p)
    return out["o"] + N.sum(out["v"] ** 2)


def rnn_prog(N: Any, L: Any, params: dict, h0: Any, xs: Any, use_ys: bool = True) -> Any:
    W, U, b = params["W"], params["U"], params["b"]     # closed over: scan consts

    def cell(carry: tuple, x: Any) -> tuple:
        h, s = carry
        z = N.tanh(N.dot(W, h) + U * x + b)
        return (z, s + N.sum(z * z)), N.sum(z) * x

    (h, s), ys = L.scan(cell, (h0, 0.0), xs)
    return N.sum(h) + s + N.sum(ys * ys) if use_ys else N.sum(h) + s


def reverse_prog(N: Any, L: Any, w: Any, xs: Any) -> Any:
    def f(c: Any, x: Any) -> tuple:
        c2 = N.sin(c * w) + x * c
        return c2, N.sum(c2 * x)

    c, ys = L.scan(f, N.ones(2), xs, reverse=True)
    return c * 2.0 + N.sum(N.cos(ys))


def length_prog(N: Any, L: Any, x: Any, w: Any) -> Any:
    def f(c: Any, _: Any) -> tuple:
        return N.sin(c) * w + c, c * c

    c, ys = L.scan(f, x, None, length=5)
    return N.sum(c) + N.sum(ys)


def map_prog(N: Any, L: Any, x: Any, w: Any) -> Any:
    return N.sum(L.map(lambda r: N.sin(r * w) * r, x))


def grow_prog(N: Any, L: Any, w: Any, xs: Any) -> Any:
    # the carry starts as a constant (zero tangent) and picks one up from x
    def f(c: Any, x: Any) -> tuple:
        a, b = c
        return (b * w, N.sin(a) + x), a

    (a, b), ys = L.scan(f, (0.5, 0.25), xs)
    return a + b * b + N.sum(ys)


def cond_in_scan_prog(N: Any, L: Any, w: Any, xs: Any) -> Any:
    def f(c: Any, x: Any) -> tuple:
        c = L.cond(x > 0, lambda c: N.sin(c) * w, lambda c: c * x + w, c)
        return c, c * x

    c, ys = L.scan(f, N.ones(3), xs)
    return N.sum(c) + N.sum(ys)


def scan_in_cond_prog(N: Any, L: Any, x: Any, w: Any) -> Any:
    def with_scan(x: Any) -> Any:
        c, ys = L.scan(lambda c, xi: (c * N.cos(xi * w), c + xi), 1.0, x)
        return c + N.sum(ys)

    return L.cond(N.sum(x) > 0, with_scan, lambda x: N.sum(x * w), x)


def fori_prog(N: Any, L: Any, x: Any, w: Any) -> Any:
    return N.sum(L.fori_loop(0, 4, lambda i, c: N.sin(c) * w + i, x))


def while_prog(N: Any, L: Any, x: Any, w: Any, **kw: Any) -> Any:
    def body(c: tuple) -> tuple:
        v, s, k = c
        v = v * w + N.sin(v)
        return v, s + N.sum(v * v), k + 1

    v, s, k = L.while_loop(lambda c: c[1] < 5.0, body, (x, 0.0, 0), **kw)  # WHILE-LINE
    return N.sum(v) + s


def while_as_scan_jax(x: Any, w: Any, n: int) -> Any:
    """JAX reference for ``while_loop(..., max_iterations=n)``: n guarded steps."""
    def body(c: tuple) -> tuple:
        v, s, k = c
        v = v * w + jnp.sin(v)
        return v, s + jnp.sum(v * v), k + 1

    def step(c: tuple, _: Any) -> tuple:
        return jax.lax.cond(c[1] < 5.0, body, lambda c: c, c), None

    (v, s, _), _ = jax.lax.scan(step, (x, 0.0, 0), None, length=n)
    return jnp.sum(v) + s


# -- cond / switch -------------------------------------------------------------------


@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["true", "false"])
def test_cond_both_branches(sign: float) -> None:
    x, y = sign * np.array([0.7, 0.2, 0.4]), 0.9
    assert_close(grad(lambda x, y: cond_prog(*G, x, y), (0, 1))(x, y),
                 jax.grad(lambda x, y: cond_prog(*J, x, y), (0, 1))(x, y))
    assert_close(hessian(lambda x: cond_prog(*G, x, y))(x),
                 jax.hessian(lambda x: cond_prog(*J, x, y))(x))
    t = (np.array([1.0, -2.0, 0.5]), 0.3)
    assert_close(jvp(lambda x, y: cond_prog(*G, x, y), (x, y), t),
                 jax.jvp(lambda x, y: cond_prog(*J, x, y), (x, y), t))
    check_grads(lambda x, y: cond_prog(*G, x, y), (x, y), order=2)


@pytest.mark.parametrize("i", [0, 1, 2])
def test_switch_pytree_operands(i: int) -> None:
    p = {"a": np.array([0.3, -0.5, 0.8]), "b": (1.3, np.array([0.2, 0.4, -0.1]))}
    assert_close(grad(lambda p: switch_prog(*G, i, p))(p),
                 jax.grad(lambda p: switch_prog(*J, i, p))(p))
    assert_close(jacfwd(lambda p: switch_prog(*G, i, p))(p),
                 jax.jacfwd(lambda p: switch_prog(*J, i, p))(p))
    check_grads(lambda p: switch_prog(*G, i, p), (p,), order=2)


def test_switch_traced_index() -> None:
    # the index is data (argmax): piecewise constant, no derivative of its own
    def prog(N: Any, L: Any, p: dict) -> Any:
        return switch_prog(N, L, N.argmax(p["a"]), p)

    for a in ([0.9, -0.5, 0.3], [0.1, 0.7, 0.3], [0.1, 0.2, 0.3]):
        p = {"a": np.array(a), "b": (1.3, np.array([0.2, 0.4, -0.1]))}
        assert_close(grad(lambda p: prog(*G, p))(p), jax.grad(lambda p: prog(*J, p))(p))
        check_grads(lambda p: prog(*G, p), (p,), order=2)


def test_cond_integer_operand_and_vector_output() -> None:
    def prog(N: Any, L: Any, x: Any, n: Any) -> Any:
        return L.cond(N.sum(x) < 1.0, lambda a, k: N.sin(a) * k, lambda a, k: a * a, x, n)

    n = np.arange(1, 4)
    for x in (np.array([0.1, 0.2, 0.3]), np.array([0.6, 0.5, 0.4])):
        assert_close(jacrev(lambda x: prog(*G, x, n))(x),
                     jax.jacrev(lambda x: prog(*J, x, n))(x))
        assert_close(jacfwd(lambda x: prog(*G, x, n))(x),
                     jax.jacfwd(lambda x: prog(*J, x, n))(x))
        check_grads(lambda x: prog(*G, x, n), (x,), order=2)


# -- scan ----------------------------------------------------------------------------


def _rnn_args() -> tuple:
    params = {"W": RNG.standard_normal((4, 4)) * 0.5, "U": RNG.standard_normal(4),
              "b": RNG.standard_normal(4) * 0.1}
    return params, RNG.standard_normal(4) * 0.3, RNG.standard_normal(5)


def test_scan_rnn_pytree_carry() -> None:
    params, h0, xs = _rnn_args()
    assert_close(grad(lambda *a: rnn_prog(*G, *a), (0, 1, 2))(params, h0, xs),
                 jax.grad(lambda *a: rnn_prog(*J, *a), (0, 1, 2))(params, h0, xs))
    assert_close(jacfwd(lambda h0: rnn_prog(*G, params, h0, xs))(h0),
                 jax.jacfwd(lambda h0: rnn_prog(*J, params, h0, xs))(h0))
    assert_close(hessian(lambda xs: rnn_prog(*G, params, h0, xs))(xs),
                 jax.hessian(lambda xs: rnn_prog(*J, params, h0, xs))(xs))
    check_grads(lambda *a: rnn_prog(*G, *a), (params, h0, xs), order=2)


def test_scan_reverse_vector_output() -> None:
    w, xs = 0.8, RNG.standard_normal((6, 2))
    assert_close(jacrev(lambda w, xs: reverse_prog(*G, w, xs), (0, 1))(w, xs),
                 jax.jacrev(lambda w, xs: reverse_prog(*J, w, xs), (0, 1))(w, xs))
    assert_close(jacfwd(lambda w, xs: reverse_prog(*G, w, xs), (0, 1))(w, xs),
                 jax.jacfwd(lambda w, xs: reverse_prog(*J, w, xs), (0, 1))(w, xs))
    check_grads(lambda w, xs: reverse_prog(*G, w, xs), (w, xs), order=2)


@pytest.mark.parametrize("prog", [length_prog, map_prog, grow_prog, fori_prog],
                         ids=["length_no_xs", "map_no_carry", "carry_tangent_grows",
                              "fori_static"])
def test_scan_variants(prog: Any) -> None:
    a, b = (np.array([0.3, -0.6, 0.9]), 1.1) if prog is not grow_prog else \
        (0.7, np.array([0.3, -0.2, 0.5, 0.1]))
    assert_close(grad(lambda a, b: prog(*G, a, b), (0, 1))(a, b),
                 jax.grad(lambda a, b: prog(*J, a, b), (0, 1))(a, b))
    assert_close(hessian(lambda a: prog(*G, a, b))(a),
                 jax.hessian(lambda a: prog(*J, a, b))(a))
    check_grads(lambda a, b: prog(*G, a, b), (a, b), order=2)


def test_grad_of_grad_through_scan() -> None:
    params, h0, xs = _rnn_args()
    u = params["U"]

    def gg(ns: tuple, u: Any) -> Any:
        N, L = ns
        g = (grad if N is tnp else jax.grad)(
            lambda u: rnn_prog(N, L, {**params, "U": u}, h0, xs))
        return N.sum(N.sin(g(u)))

    assert_close(grad(lambda u: gg(G, u))(u),
                 jax.grad(lambda u: gg(J, u))(u), rtol=1e-8)
    w, xs2 = 0.8, RNG.standard_normal((6, 2))
    assert_close(grad(grad(lambda w: tnp.sum(reverse_prog(*G, w, xs2))))(w),
                 jax.grad(jax.grad(lambda w: jnp.sum(reverse_prog(*J, w, xs2))))(w))


@pytest.mark.parametrize("x0", [1.0, -1.0], ids=["true", "false"])
def test_nested_cond_in_scan_and_scan_in_cond(x0: float) -> None:
    w, xs = 0.7, np.array([0.5, -0.4, 0.3, -0.8, 0.9]) * x0
    assert_close(grad(lambda w, xs: cond_in_scan_prog(*G, w, xs), (0, 1))(w, xs),
                 jax.grad(lambda w, xs: cond_in_scan_prog(*J, w, xs), (0, 1))(w, xs))
    check_grads(lambda w, xs: cond_in_scan_prog(*G, w, xs), (w, xs), order=2)
    x = np.array([0.4, 0.3, -0.2]) * x0
    assert_close(grad(lambda x, w: scan_in_cond_prog(*G, x, w), (0, 1))(x, w),
                 jax.grad(lambda x, w: scan_in_cond_prog(*J, x, w), (0, 1))(x, w))
    assert_close(hessian(lambda x: scan_in_cond_prog(*G, x, w))(x),
                 jax.hessian(lambda x: scan_in_cond_prog(*J, x, w))(x))
    check_grads(lambda x, w: scan_in_cond_prog(*G, x, w), (x, w), order=2)


def test_scan_vjp_is_one_forward_and_one_reverse_scan() -> None:
    params, h0, xs = _rnn_args()
    _, pullback = vjp(lambda *a: rnn_prog(*G, *a), params, h0, xs)
    g = make_graph(pullback)(1.0)
    typecheck(g)
    assert scans_of(g) == [False, True]
    # Recorded under make_graph, grad also records the primal scan; when only its
    # final carry is used, its value is dropped by grad (dead code) and what is
    # left is one forward scan (saving the carries) and one reverse scan.
    args = (params, h0, xs)
    g = make_graph(grad(lambda *a: rnn_prog(*G, *a, use_ys=False), (0, 1, 2)))(*args)
    typecheck(g)
    assert scans_of(_dce(g)) == [False, True]
    out = eval_graph(g, *tree_util.tree_leaves(args))
    ref = jax.grad(lambda *a: rnn_prog(*J, *a, use_ys=False), (0, 1, 2))(*args)
    assert_close(out, tree_util.tree_leaves(ref))
    # The ys feed the pullback of what follows the scan: the primal scan stays.
    g = make_graph(grad(lambda *a: rnn_prog(*G, *a), (0, 1, 2)))(*args)
    typecheck(g)
    assert scans_of(_dce(g)) == [False, False, True]
    # forward mode: one scan carrying the tangents
    g = make_graph(lambda h0, t: jvp(lambda h: rnn_prog(*G, params, h, xs), (h0,), (t,)))(
        h0, h0)
    typecheck(g)
    assert scans_of(_dce(g)) == [False, False]   # the primal scan, the tangent scan


def test_scan_float32_cotangents_keep_dtype() -> None:
    w, xs = np.float32(0.8), RNG.standard_normal((6, 2)).astype(np.float32)
    gw, gxs = grad(lambda w, xs: tnp.sum(reverse_prog(*G, w, xs)), (0, 1))(w, xs)
    assert gw.dtype == np.float32 and gxs.dtype == np.float32
    rw, rxs = jax.grad(lambda w, xs: jnp.sum(reverse_prog(*J, w, xs)), (0, 1))(w, xs)
    assert_close((gw, gxs), (rw, rxs), rtol=1e-5, atol=1e-5)


# -- while_loop ----------------------------------------------------------------------


def check_fwd(f: Any, args: tuple) -> None:
    """Forward mode only, first and second order, and the JVP graph typechecks."""
    ts = tuple(RNG.standard_normal(np.shape(a)) for a in args)
    check_jvp_fd(f, args)
    check_jvp_fd(lambda *a: jvp(f, a, ts)[1], args)
    typecheck(make_graph(lambda *a: jvp(f, a, ts))(*args))


@pytest.mark.parametrize("x", [np.array([0.3, 0.5]), np.array([0.9, 1.2])])
def test_while_forward_mode_data_dependent_trips(x: np.ndarray) -> None:
    w = 1.1
    t = (np.array([1.0, -0.5]), 0.25)
    assert_close(jvp(lambda x, w: while_prog(*G, x, w), (x, w), t),
                 jax.jvp(lambda x, w: while_prog(*J, x, w), (x, w), t))
    assert_close(jacfwd(lambda x, w: while_prog(*G, x, w), (0, 1))(x, w),
                 jax.jacfwd(lambda x, w: while_prog(*J, x, w), (0, 1))(x, w))
    check_fwd(lambda x, w: while_prog(*G, x, w), (x, w))


@pytest.mark.parametrize("x", [np.array([0.3, 0.5]), np.array([0.9, 1.2])])
def test_while_max_iterations_grad_and_hessian(x: np.ndarray) -> None:
    w = 1.1

    def f(x: Any, w: Any) -> Any:
        return while_prog(*G, x, w, max_iterations=30)

    def fj(x: Any, w: Any) -> Any:
        return while_prog(*J, x, w)

    assert_close(f(x, w), fj(x, w))
    assert_close(grad(f, (0, 1))(x, w), jax.jacfwd(fj, (0, 1))(x, w))
    assert_close(grad(f, (0, 1))(x, w), jax.grad(while_as_scan_jax, (0, 1))(x, w, 30))
    assert_close(hessian(f)(x, w), jax.jacfwd(jax.jacfwd(fj))(x, w))
    assert_close(jacrev(lambda x: f(x, w))(x), jax.jacfwd(lambda x: fj(x, w))(x))
    check_grads(f, (x, w), order=2)


def test_while_max_iterations_bounds_the_trip_count() -> None:
    x, w = np.array([0.3, 0.5]), 1.1
    n = 2      # fewer trips than the predicate asks for: the loop stops after n
    f = lambda x, w: while_prog(*G, x, w, max_iterations=n)  # noqa: E731
    assert_close(f(x, w), while_as_scan_jax(x, w, n))
    assert_close(grad(f, (0, 1))(x, w), jax.grad(while_as_scan_jax, (0, 1))(x, w, n))
    check_grads(f, (x, w), order=2)
    assert_close(lax.while_loop(lambda c: True, lambda c: c + 1, 0, max_iterations=7), 7)
    assert_close(lax.while_loop(lambda c: True, lambda c: c + 1, 0, max_iterations=0), 0)
    with pytest.raises(TypeError, match="max_iterations"):
        lax.while_loop(lambda c: True, lambda c: c + 1, 0, max_iterations=-1)
    with pytest.raises(TypeError, match="max_iterations"):
        lax.while_loop(lambda c: True, lambda c: c + 1, 0, max_iterations=2.5)


def test_while_reverse_mode_without_max_iterations_names_the_line() -> None:
    import inspect
    lines, start = inspect.getsourcelines(while_prog)
    line = start + next(k for k, s in enumerate(lines) if "WHILE-LINE" in s)
    with pytest.raises(MissingRuleError, match="max_iterations=") as ei:
        grad(lambda x: while_prog(*G, x, 1.1))(np.array([0.3, 0.5]))
    assert f"test_ad_control_flow.py:{line}" in str(ei.value)
    assert "while_loop" in str(ei.value)


def test_fori_loop_traced_bounds_is_a_while() -> None:
    # Under make_graph the bounds are abstract: fori_loop becomes a while_loop,
    # which forward mode differentiates and reverse mode refuses.
    def f(x: Any, n: Any) -> Any:
        return tnp.sum(lax.fori_loop(0, n, lambda i, c: tnp.sin(c) * 1.5, x))

    def fj(x: Any, n: Any) -> Any:
        return jnp.sum(jax.lax.fori_loop(0, n, lambda i, c: jnp.sin(c) * 1.5, x))

    x, t, n = np.array([0.3, -0.2]), np.array([1.0, 0.5]), np.int64(3)
    g = make_graph(lambda x, n: jvp(lambda x: f(x, n), (x,), (t,)))(x, n)
    typecheck(g)
    assert any(e.prim is P.while_p for e in g.graph.eqns)
    assert_close(eval_graph(g, x, n), jax.jvp(lambda x: fj(x, n), (x,), (t,)))
    with pytest.raises(MissingRuleError, match="max_iterations"):
        make_graph(grad(f))(x, n)


def test_while_body_closure_and_nested_scan() -> None:
    # the body closes over w (a while const) and runs a scan inside
    def prog(N: Any, L: Any, x: Any, w: Any, **kw: Any) -> Any:
        def body(c: tuple) -> tuple:
            v, k = c
            v, _ = L.scan(lambda a, wi: (N.sin(a * wi) + a, None), v, w)
            return v, k + 1

        v, _ = L.while_loop(lambda c: N.sum(c[0]) < 4.0, body, (x, 0), **kw)
        return N.sum(v * v)

    x, w = np.array([0.4, 0.2]), np.array([0.9, 1.1])
    f = lambda x, w: prog(*G, x, w, max_iterations=10)  # noqa: E731
    assert_close(grad(f, (0, 1))(x, w), jax.jacfwd(lambda x, w: prog(*J, x, w), (0, 1))(x, w))
    assert_close(jvp(lambda x, w: prog(*G, x, w), (x, w), (x, w)),
                 jax.jvp(lambda x, w: prog(*J, x, w), (x, w), (x, w)))
    check_grads(f, (x, w), order=1)
