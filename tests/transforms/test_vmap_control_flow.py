"""vmap of control flow (cond/switch, while_loop, fori_loop, scan), custom derivatives
(custom_jvp, custom_vjp) and checkpoint.

Rules live in ``transforms/vmap_rules/control_flow.py``.  Every program is
written once against a NumPy-like and a lax-like module and runs as graphjit
(``tnp``, ``tracer.lax``) and as JAX (``jnp``, ``jax.lax``): ``check_vmap``
compares ``vmap`` with a Python loop, eagerly and through the typechecked
graph, and the same program under ``jax.vmap`` must agree.  Graph tests pin
the shape of the rewrite: a batched predicate turns a ``cond`` into
``select_n``, an unbatched one keeps one ``cond``; a scan's batched ys come out
with their batch axis at 1; a batched while predicate is reduced with
``reduce_or``.  Derivatives compose both ways (``vmap(grad(f))`` and
``grad(vmap(f))``), and custom rules keep being used under ``vmap``.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import tree_util

import tracer.numpy as tnp
from tests.transforms.vmapcheck import check_vmap
from tracer import lax, make_graph, typecheck
from tracer import primitives as P
from tracer.ir import ClosedGraph
from transforms import (checkpoint, checkpoint_policies, custom_jvp, custom_vjp, grad, jacfwd,
                        vmap)

jax.config.update("jax_enable_x64", True)

RNG = np.random.default_rng(0)
G = (tnp, lax)          # graphjit
J = (jnp, jax.lax)      # JAX


def close(ours: Any, theirs: Any, rtol: float = 1e-10, atol: float = 1e-12) -> None:
    o_leaves, o_tree = tree_util.tree_flatten(ours)
    t_leaves, t_tree = tree_util.tree_flatten(theirs)
    assert len(o_leaves) == len(t_leaves), (o_tree, t_tree)
    for o, t in zip(o_leaves, t_leaves):
        o, t = np.asarray(o), np.asarray(t)
        assert o.shape == t.shape, (o.shape, t.shape)
        assert o.dtype == t.dtype, (o.dtype, t.dtype)
        np.testing.assert_allclose(o, t, rtol=rtol, atol=atol)


def check(prog: Callable, args: Sequence[Any], in_axes: Sequence[int | None],
          out_axes: int = 0, rtol: float = 1e-10) -> None:
    """vmap of ``prog`` equals the loop (eager and graph) and ``jax.vmap`` of it."""
    check_vmap(lambda *a: prog(*G, *a), args, in_axes, out_axes)
    ours = vmap(lambda *a: prog(*G, *a), in_axes=tuple(in_axes), out_axes=out_axes)(*args)
    theirs = jax.vmap(lambda *a: prog(*J, *a), in_axes=tuple(in_axes),
                      out_axes=out_axes)(*args)
    close(ours, theirs, rtol=rtol)


def all_eqns(cg: ClosedGraph | Any) -> list:
    """Every equation of a graph, sub-graphs in params included."""
    g = cg.graph if isinstance(cg, ClosedGraph) else cg
    out = []
    for e in g.eqns:
        out.append(e)
        for v in e.params.values():
            subs = v if isinstance(v, tuple) else (v,)
            for s in subs:
                if isinstance(s, ClosedGraph):
                    out += all_eqns(s)
    return out


def count(cg: ClosedGraph, prim: P.Primitive, nested: bool = False) -> int:
    eqns = all_eqns(cg) if nested else cg.graph.eqns
    return sum(e.prim is prim for e in eqns)


def batched_graph(prog: Callable, args: Sequence[Any], in_axes: Sequence[int | None],
                  out_axes: int = 0) -> ClosedGraph:
    cg = make_graph(vmap(lambda *a: prog(*G, *a), in_axes=tuple(in_axes),
                         out_axes=out_axes))(*args)
    typecheck(cg)
    return cg


def rand(*shape: int) -> np.ndarray:
    return RNG.normal(size=shape)


# -- cond / switch --------------------------------------------------------------------


def cond_prog(N: Any, L: Any, x: Any, y: Any) -> Any:
    w = N.cos(y)                             # closed over by one branch
    return L.cond(N.sum(x) > 0, lambda a, b: N.sin(a) * b + w,
                  lambda a, b: a - b, x, y)


def cond_pytree_prog(N: Any, L: Any, p: Any, x: Any, c: Any) -> Any:
    # output "k" is the same unbatched constant in both branches; "v" is batched in
    # one branch only (the other returns the closed-over, unbatched c)
    return L.cond(p > 0, lambda a: {"v": a * 2.0, "k": N.ones(2)},
                  lambda a: {"v": c * 3.0, "k": N.ones(2)}, x)


def cond_nan_prog(N: Any, L: Any, x: Any) -> Any:
    # the untaken branch is NaN on half the lanes: select drops it
    return L.cond(x > 0, lambda a: N.sqrt(a), lambda a: -a, x)


X3 = rand(4, 3)
Y3 = rand(4, 3)


@pytest.mark.parametrize("in_axes", [(0, 0), (0, None), (None, 0), (1, 0), (None, 1)])
def test_cond_values(in_axes: tuple) -> None:
    x = X3 if in_axes[0] != 1 else X3.T.copy()
    y = Y3 if in_axes[1] != 1 else Y3.T.copy()
    if in_axes[0] is None:
        x = X3[1]
    if in_axes[1] is None:
        y = Y3[1]
    check(cond_prog, (x, y), in_axes)


def test_cond_batched_predicate_becomes_select() -> None:
    cg = batched_graph(cond_prog, (X3, Y3), (0, 0))
    assert count(cg, P.cond_p, nested=True) == 0
    assert count(cg, P.select_n_p) == 1


def test_cond_unbatched_predicate_keeps_one_cond() -> None:
    cg = batched_graph(cond_prog, (X3[0], Y3), (None, 0))
    assert count(cg, P.cond_p) == 1
    assert count(cg, P.select_n_p, nested=True) == 0
    (eq,) = [e for e in cg.graph.eqns if e.prim is P.cond_p]
    # both branches produce the batched output with the same batch axis
    assert [a.shape for a in eq.params["branches"][0].out_avals] == [(4, 3)]
    assert [a.shape for a in eq.params["branches"][1].out_avals] == [(4, 3)]


@pytest.mark.parametrize("in_axes", [(None, 0, None), (0, 0, None), (0, None, None),
                                     (None, None, 0), (0, None, 0)])
def test_cond_outputs_batched_in_some_branches(in_axes: tuple) -> None:
    p = np.array([1.0, -1.0, 2.0, -0.5])
    x, c = rand(4, 2), rand(4, 2)
    args = (p if in_axes[0] == 0 else np.float64(-1.0), x if in_axes[1] == 0 else x[0],
            c if in_axes[2] == 0 else c[0])
    check(cond_pytree_prog, args, in_axes)


def test_cond_unbatched_index_unbatched_output_stays_unbatched() -> None:
    # "k" is unbatched in every branch: the cond output is not broadcast
    cg = batched_graph(cond_pytree_prog, (np.float64(1.0), rand(4, 2), rand(2)),
                       (None, 0, None))
    (eq,) = [e for e in cg.graph.eqns if e.prim is P.cond_p]
    assert sorted(a.shape for a in eq.params["branches"][0].out_avals) == [(2,), (4, 2)]


def test_cond_batched_predicate_drops_nan_of_untaken_branch() -> None:
    x = np.array([-4.0, 4.0, -1.0, 9.0])
    with np.errstate(invalid="ignore"):          # the loop reference runs eagerly
        check(cond_nan_prog, (x,), (0,))
        assert np.all(np.isfinite(np.asarray(vmap(lambda a: cond_nan_prog(*G, a))(x))))


def switch_prog(N: Any, L: Any, i: Any, x: Any) -> Any:
    s = N.sum(x)
    branches = [lambda a: a * s, lambda a: N.cos(a) + 1.0, lambda a: a[::-1] - s]
    return L.switch(i, branches, x)


@pytest.mark.parametrize("in_axes", [(0, 0), (0, None), (None, 0)])
def test_switch(in_axes: tuple) -> None:
    idx = np.array([0, 2, 1, -3, 7, 1])                  # out of range: clamped
    x = rand(6, 4)
    args = (idx if in_axes[0] == 0 else np.int64(2), x if in_axes[1] == 0 else x[0])
    check(switch_prog, args, in_axes)


def test_switch_batched_index_graph() -> None:
    cg = batched_graph(switch_prog, (np.array([0, 2, 1]), rand(3, 4)), (0, 0))
    assert count(cg, P.cond_p, nested=True) == 0
    (sel,) = [e for e in cg.graph.eqns if e.prim is P.select_n_p]
    assert len(sel.inputs) == 4                          # index + one case per branch


# -- while_loop / fori_loop -------------------------------------------------------------


def collatz_prog(N: Any, L: Any, n: Any) -> Any:
    def body(c: tuple) -> tuple:
        k, m = c
        return k + 1, L.cond(m % 2 == 0, lambda v: v // 2, lambda v: 3 * v + 1, m)
    return L.while_loop(lambda c: c[1] != 1, body, (0, n))


def newton_sqrt_prog(N: Any, L: Any, a: Any) -> Any:
    # data-dependent trip counts: lanes converge at different iterations
    def body(c: tuple) -> tuple:
        x, k = c
        return 0.5 * (x + a / x), k + 1
    return L.while_loop(lambda c: N.abs(c[0] * c[0] - a) > 1e-12 * a, body, (a + 1.0, 0))


def threshold_prog(N: Any, L: Any, limit: Any, x: Any) -> Any:
    # the predicate closes over `limit`; the carry starts unbatched
    return L.while_loop(lambda c: c[0] < limit, lambda c: (c[0] + 1.0, c[1] * x), (0.0, 1.0))


def counted_prog(N: Any, L: Any, x: Any) -> Any:
    # the predicate reads only an unbatched counter: the loop stays a while
    return L.while_loop(lambda c: c[0] < 5, lambda c: (c[0] + 1, N.sin(c[1]) + x),
                        (0, x))[1]


def test_while_collatz_batched_predicate() -> None:
    n = np.array([1, 2, 3, 6, 7, 27, 97])
    check(collatz_prog, (n,), (0,))
    steps, last = vmap(lambda v: collatz_prog(*G, v))(n)
    assert np.asarray(steps).tolist() == [0, 1, 7, 8, 16, 111, 118]
    assert np.asarray(last).tolist() == [1] * 7


def test_while_newton_iterations_per_lane() -> None:
    a = np.array([0.25, 2.0, 9.0, 1e6, 3.0])
    check(newton_sqrt_prog, (a,), (0,))
    x, k = vmap(lambda v: newton_sqrt_prog(*G, v))(a)
    np.testing.assert_allclose(np.asarray(x), np.sqrt(a), rtol=1e-12)
    assert len(set(np.asarray(k).tolist())) > 1           # trip counts differ


def test_while_batched_predicate_graph() -> None:
    cg = batched_graph(newton_sqrt_prog, (np.array([2.0, 9.0]),), (0,))
    (eq,) = [e for e in cg.graph.eqns if e.prim is P.while_p]
    assert count(eq.params["cond_graph"], P.reduce_or_p) == 1
    assert count(eq.params["body_graph"], P.select_n_p) == 2   # one per carry
    assert [a.shape for a in eq.params["body_graph"].out_avals] == [(2,), (2,)]


@pytest.mark.parametrize("in_axes", [(0, None), (0, 0), (None, 0)])
def test_while_predicate_batched_by_closed_over_value(in_axes: tuple) -> None:
    limit, x = np.array([0.0, 1.0, 3.0, 6.5]), np.array([2.0, 0.5, -1.0, 1.5])
    args = (limit if in_axes[0] == 0 else np.float64(3.0), x if in_axes[1] == 0 else 1.5)
    check(threshold_prog, args, in_axes)


def test_while_unbatched_predicate_stays_a_while() -> None:
    x = rand(3, 2)
    check(counted_prog, (x,), (0,))
    cg = batched_graph(counted_prog, (x,), (0,))
    (eq,) = [e for e in cg.graph.eqns if e.prim is P.while_p]
    assert count(eq.params["cond_graph"], P.reduce_or_p) == 0
    assert count(eq.params["body_graph"], P.select_n_p) == 0
    # the counter stays unbatched
    assert [a.shape for a in eq.params["body_graph"].out_avals] == [(), (3, 2)]


def test_while_max_iterations_per_lane() -> None:
    def f(n: Any) -> Any:
        def body(c: tuple) -> tuple:
            k, m = c
            return k + 1, lax.cond(m % 2 == 0, lambda v: v // 2, lambda v: 3 * v + 1, m)
        return lax.while_loop(lambda c: c[1] != 1, body, (0, n), max_iterations=10)
    n = np.array([1, 2, 3, 6, 7, 27])
    check_vmap(f, (n,), (0,))
    steps, _ = vmap(f)(n)
    assert np.asarray(steps).tolist() == [0, 1, 7, 8, 10, 10]
    (eq,) = [e for e in make_graph(vmap(f))(n).graph.eqns if e.prim is P.while_p]
    assert eq.params["max_iterations"] == 10


def fori_prog(N: Any, L: Any, x: Any, w: Any) -> Any:
    return L.fori_loop(0, 6, lambda i, c: N.sin(c) * w + i, x)


def fori_traced_prog(N: Any, L: Any, n: Any, x: Any) -> Any:
    return L.fori_loop(0, n, lambda i, c: c * 0.5 + i, x)


@pytest.mark.parametrize("in_axes", [(0, None), (None, 0), (0, 0)])
def test_fori_loop_static_bounds(in_axes: tuple) -> None:
    x, w = rand(3, 2), rand(3, 2)
    args = (x if in_axes[0] == 0 else x[0], w if in_axes[1] == 0 else w[0])
    check(fori_prog, args, in_axes)


@pytest.mark.parametrize("in_axes", [(0, None), (0, 0), (None, 0)])
def test_fori_loop_traced_bounds(in_axes: tuple) -> None:
    n, x = np.array([0, 3, 1, 5]), rand(4)
    args = (n if in_axes[0] == 0 else np.int64(4), x if in_axes[1] == 0 else x[0])
    check(fori_traced_prog, args, in_axes)


# -- scan -------------------------------------------------------------------------


def rnn_prog(N: Any, L: Any, W: Any, U: Any, b: Any, h0: Any, xs: Any,
             reverse: bool = False) -> Any:
    def cell(carry: tuple, x: Any) -> tuple:
        h, s = carry
        z = N.tanh(N.dot(W, h) + N.dot(U, x) + b)      # W, U, b closed over: scan consts
        return (z, s + N.sum(z * z)), N.sum(z) * x

    (h, s), ys = L.scan(cell, (h0, 0.0), xs, reverse=reverse)
    return h, s, ys


D, T, B = 3, 5, 4
RNN_ARGS = dict(W=rand(B, D, D) * 0.5, U=rand(B, D, 2), b=rand(B, D), h0=rand(B, D),
                xs=rand(B, T, 2))
RNN_NAMES = ["W", "U", "b", "h0", "xs"]


def _rnn_args(axes: tuple) -> tuple:
    out = []
    for name, ax in zip(RNN_NAMES, axes):
        v = RNN_ARGS[name]
        out.append(v[0] if ax is None else np.moveaxis(v, 0, ax).copy())
    return tuple(out)


RNN_AXES = [
    (None, None, None, None, 0),        # batched xs
    (None, None, None, 0, None),        # batched initial carry
    (0, None, None, None, None),        # batched (closed-over) weights
    (None, 0, 0, None, None),
    (0, 0, 0, 0, 0),
    (None, None, None, None, 1),        # xs batched after the scan axis
    (None, None, None, 1, 2),
]


@pytest.mark.parametrize("axes", RNN_AXES)
def test_scan_rnn(axes: tuple) -> None:
    check(rnn_prog, _rnn_args(axes), axes)


@pytest.mark.parametrize("axes", [(None, None, None, None, 0), (0, None, None, 0, None)])
def test_scan_rnn_reverse(axes: tuple) -> None:
    check(lambda N, L, *a: rnn_prog(N, L, *a, reverse=True), _rnn_args(axes), axes)


def test_scan_ys_come_out_with_batch_axis_1() -> None:
    f = lambda N, L, *a: rnn_prog(N, L, *a)[2]     # noqa: E731
    axes = (None, None, None, None, 1)               # xs (T, B, 2): no move needed
    args = _rnn_args(axes)
    check(f, args, axes, out_axes=1)
    cg = batched_graph(f, args, axes, out_axes=1)
    assert cg.graph.eqns[-1].prim is P.scan_p         # no transpose around the scan
    assert count(cg, P.transpose_p) == 0
    assert cg.graph.eqns[-1].outputs[-1].aval.shape == (T, B, 2)
    cg0 = batched_graph(f, _rnn_args((None,) * 4 + (0,)), (None,) * 4 + (0,))
    assert count(cg0, P.transpose_p) == 2             # xs in, ys out


def carry_shapes_prog(N: Any, L: Any, c0: Any, xs: Any) -> Any:
    # carry "a" enters batched and the body makes it unbatched (a constant);
    # carry "u" enters unbatched and the xs make it batched (fixed point)
    def body(c: tuple, x: Any) -> tuple:
        a, u = c
        return (N.ones(2), u + a * x), a
    return L.scan(body, (c0, N.zeros(2)), xs)


@pytest.mark.parametrize("axes", [(0, None), (None, 0), (0, 0), (None, 2)])
def test_scan_carry_fixed_point(axes: tuple) -> None:
    c0, xs = rand(3, 2), rand(3, 4, 2)
    args = (c0 if axes[0] == 0 else c0[0],
            xs[0] if axes[1] is None else np.moveaxis(xs, 0, axes[1]).copy())
    check(carry_shapes_prog, args, axes)


def test_scan_nested_vmap() -> None:
    def f(N: Any, L: Any, W: Any, h0: Any, xs: Any) -> Any:
        return rnn_prog(N, L, W, N.ones((D, 2)), N.zeros(D), h0, xs)

    W, h0, xs = rand(D, D) * 0.5, rand(2, 3, D), rand(3, 2, T, 2)
    inner = (None, 0, 0)
    ours = vmap(vmap(lambda *a: f(*G, *a), in_axes=inner), in_axes=(None, 0, 1))(W, h0, xs)
    theirs = jax.vmap(jax.vmap(lambda *a: f(*J, *a), in_axes=inner),
                      in_axes=(None, 0, 1))(W, h0, xs)
    close(ours, theirs)
    check_vmap(vmap(lambda *a: f(*G, *a), in_axes=inner), (W, h0, xs), (None, 0, 1))


def scan_with_cond_prog(N: Any, L: Any, xs: Any, t: Any) -> Any:
    # a batched cond predicate inside a scan body
    def body(c: Any, x: Any) -> tuple:
        c = L.cond(x > t, lambda v: v + x, lambda v: v * 0.5, c)
        return c, c
    return L.scan(body, 1.0, xs)


@pytest.mark.parametrize("axes", [(0, None), (None, 0), (1, 0)])
def test_scan_with_batched_cond_inside(axes: tuple) -> None:
    xs, t = rand(4, 6), rand(4)
    args = (xs if axes[0] == 0 else (xs.T.copy() if axes[0] == 1 else xs[0]),
            t if axes[1] == 0 else t[0])
    check(scan_with_cond_prog, args, axes)


def test_lax_map() -> None:
    f = lambda N, L, xs, w: L.map(lambda x: N.sin(x) * w, xs)   # noqa: E731
    check(f, (rand(3, 4, 2), rand(3, 2)), (0, 0))
    check(f, (rand(4, 3, 2), rand(2)), (1, None))


# -- derivatives of batched control flow --------------------------------------------


def loss_rnn(N: Any, L: Any, W: Any, h0: Any, xs: Any) -> Any:
    h, s, ys = rnn_prog(N, L, W, N.ones((D, 2)) * 0.3, N.zeros(D), h0, xs)
    return N.sum(h) + s + N.sum(ys * ys)


def test_vmap_grad_and_grad_vmap_of_scan_match_jax() -> None:
    W, h0, xs = rand(D, D) * 0.5, rand(B, D), rand(B, T, 2)
    ours = vmap(grad(lambda *a: loss_rnn(*G, *a)), in_axes=(None, 0, 0))(W, h0, xs)
    theirs = jax.vmap(jax.grad(lambda *a: loss_rnn(*J, *a)), in_axes=(None, 0, 0))(W, h0, xs)
    close(ours, theirs, rtol=1e-9)
    g_ours = grad(lambda w, h, x: tnp.sum(vmap(lambda *a: loss_rnn(*G, *a),
                                               in_axes=(None, 0, 0))(w, h, x)),
                  argnums=(0, 1))(W, h0, xs)
    g_theirs = jax.grad(lambda w, h, x: jnp.sum(jax.vmap(lambda *a: loss_rnn(*J, *a),
                                                         in_axes=(None, 0, 0))(w, h, x)),
                        argnums=(0, 1))(W, h0, xs)
    close(g_ours, g_theirs, rtol=1e-9)


def test_vmap_grad_and_grad_vmap_of_cond_match_jax() -> None:
    x, y = rand(4, 3), rand(4, 3)
    f = lambda N, L: lambda a, b: N.sum(cond_prog(N, L, a, b))   # noqa: E731
    close(vmap(grad(f(*G), argnums=(0, 1)))(x, y),
          jax.vmap(jax.grad(f(*J), argnums=(0, 1)))(x, y))
    close(grad(lambda a, b: tnp.sum(vmap(f(*G))(a, b)), argnums=(0, 1))(x, y),
          jax.grad(lambda a, b: jnp.sum(jax.vmap(f(*J))(a, b)), argnums=(0, 1))(x, y))


def decay(x: Any) -> Any:
    """A while loop with per-lane trip counts, bounded for reverse mode."""
    def body(c: tuple) -> tuple:
        v, acc = c
        return v * 0.7, acc + tnp.sin(v)
    return tnp.sum(lax.while_loop(lambda c: c[0] > 0.1, body, (x, 0.0), max_iterations=20)[1])


def test_grad_of_batched_while_with_max_iterations() -> None:
    xs = np.array([0.05, 0.5, 2.0, 9.0])
    want = np.stack([np.asarray(grad(decay)(x)) for x in xs])
    close(vmap(grad(decay))(xs), want)
    close(grad(lambda v: tnp.sum(vmap(decay)(v)))(xs), want)


def test_jvp_of_batched_while() -> None:
    xs = np.array([0.25, 2.0, 9.0])
    f = lambda a: newton_sqrt_prog(*G, a)[0]       # noqa: E731
    close(jacfwd(lambda v: vmap(f)(v))(xs), np.diag(0.5 / np.sqrt(xs)), rtol=1e-9)


# -- custom_jvp -------------------------------------------------------------------


def make_log1pexp(N: Any, deco: Any) -> Any:
    @deco
    def log1pexp(x):
        return N.log1p(N.exp(x))

    @log1pexp.defjvp
    def log1pexp_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return log1pexp(x), t * (1.0 - 1.0 / (1.0 + N.exp(x)))

    return log1pexp


log1pexp, j_log1pexp = make_log1pexp(tnp, custom_jvp), make_log1pexp(jnp, jax.custom_jvp)
XS = np.array([-3.0, -0.5, 0.0, 0.7, 2.0, 800.0])     # exp(800) overflows: the rule avoids NaN


@np.errstate(over="ignore")
def test_custom_jvp_vmap_values() -> None:
    check_vmap(log1pexp, (XS,), (0,))
    check_vmap(log1pexp, (np.stack([XS, -XS], 1),), (1,))
    cg = make_graph(vmap(log1pexp))(XS)
    assert [e.prim for e in cg.graph.eqns] == [P.custom_jvp_call_p]


@np.errstate(over="ignore")
def test_custom_jvp_rule_used_under_vmap() -> None:
    want = jax.vmap(jax.grad(j_log1pexp))(XS)
    assert np.all(np.isfinite(want))
    close(vmap(grad(log1pexp))(XS), want)
    close(grad(lambda x: tnp.sum(vmap(log1pexp)(x)))(XS), want)
    close(jacfwd(vmap(log1pexp))(XS), np.diag(np.asarray(want)))
    close(vmap(grad(grad(log1pexp)))(XS[:-1]), jax.vmap(jax.grad(jax.grad(j_log1pexp)))(XS[:-1]))


def test_custom_jvp_wrong_rule_is_what_vmap_differentiates() -> None:
    f = custom_jvp(tnp.sin)
    f.defjvp(lambda p, t: (f(*p), 2.0 * t[0]))        # deliberately not cos
    x = np.array([0.1, 0.2, 0.3])
    close(grad(lambda v: tnp.sum(vmap(f)(v)))(x), np.full(3, 2.0))
    close(vmap(grad(f))(x), np.full(3, 2.0))


def make_scaled(N: Any, deco: Any) -> Any:
    # nondiff function argument (static), pytree in and out, two arguments
    @functools.partial(deco, nondiff_argnums=(0,))
    def scaled(g, p, s):
        return {"a": g(p["x"]) * s, "b": p["y"] * s}

    @scaled.defjvp
    def scaled_jvp(g, primals, tangents):
        (p, s), (tp, ts) = primals, tangents
        out = scaled(g, p, s)
        return out, {"a": N.cos(p["x"]) * tp["x"] * s + g(p["x"]) * ts,
                     "b": tp["y"] * s + p["y"] * ts}

    return scaled


def _scaled_loss(N: Any, deco: Any) -> Callable:
    f = make_scaled(N, deco)
    return lambda p, s: N.sum(f(N.sin, p, s)["a"]) + N.sum(f(N.sin, p, s)["b"] ** 2)


@pytest.mark.parametrize("in_axes", [(0, 0), ({"x": 0, "y": None}, None), (None, 0)])
def test_custom_jvp_nondiff_and_pytrees(in_axes: tuple) -> None:
    p = {"x": rand(3, 2), "y": rand(3, 4)}
    s = rand(3)
    args = [p, s]
    if in_axes[0] is None:
        args[0] = {"x": p["x"][0], "y": p["y"][0]}
    elif isinstance(in_axes[0], dict):
        args[0] = {"x": p["x"], "y": p["y"][0]}
    if in_axes[1] is None:
        args[1] = np.float64(1.5)
    ours_f, theirs_f = _scaled_loss(tnp, custom_jvp), _scaled_loss(jnp, jax.custom_jvp)
    close(vmap(ours_f, in_axes=in_axes)(*args), jax.vmap(theirs_f, in_axes=in_axes)(*args))
    close(vmap(grad(ours_f, argnums=(0, 1)), in_axes=in_axes)(*args),
          jax.vmap(jax.grad(theirs_f, argnums=(0, 1)), in_axes=in_axes)(*args))
    close(grad(lambda *a: tnp.sum(vmap(ours_f, in_axes=in_axes)(*a)), argnums=(0, 1))(*args),
          jax.grad(lambda *a: jnp.sum(jax.vmap(theirs_f, in_axes=in_axes)(*a)),
                   argnums=(0, 1))(*args))


def test_custom_jvp_integer_argument_batched() -> None:
    @custom_jvp
    def power(x, n):
        return x ** n

    @power.defjvp
    def power_jvp(primals, tangents):
        (x, n), (tx, _) = primals, tangents
        return power(x, n), n * x ** (n - 1) * tx

    x, n = np.array([1.5, 2.0, 0.5]), np.array([1, 2, 3])
    check_vmap(power, (x, n), (0, 0))
    close(grad(lambda v: tnp.sum(vmap(power)(v, n)))(x), n * x ** (n - 1))
    close(vmap(grad(power))(x, n), n * x ** (n - 1))


# -- custom_vjp -------------------------------------------------------------------


def make_clip_scale(N: Any, deco: Any) -> Any:
    @deco
    def clip_scale(x, s):
        return N.sin(x) * s

    def fwd(x, s):
        return clip_scale(x, s), (N.cos(x), s, 2.0)     # a Python scalar residual

    def bwd(res, g):
        c, s, two = res
        return N.clip(g * c * s, -1.0, 1.0), N.sum(g) * two   # deliberately "wrong" for s

    clip_scale.defvjp(fwd, bwd)
    return clip_scale


clip_scale, j_clip_scale = make_clip_scale(tnp, custom_vjp), make_clip_scale(jnp,
                                                                              jax.custom_vjp)


@pytest.mark.parametrize("in_axes", [(0, 0), (0, None), (None, 0), (1, 0)])
def test_custom_vjp_under_vmap(in_axes: tuple) -> None:
    x, s = rand(4, 3) * 2, rand(4)
    args = [x if in_axes[0] == 0 else (x.T.copy() if in_axes[0] == 1 else x[0]),
            s if in_axes[1] == 0 else np.float64(0.7)]
    ours_f = lambda a, b: tnp.sum(clip_scale(a, b))          # noqa: E731
    theirs_f = lambda a, b: jnp.sum(j_clip_scale(a, b))      # noqa: E731
    check_vmap(clip_scale, args, in_axes)
    close(vmap(grad(ours_f, argnums=(0, 1)), in_axes=in_axes)(*args),
          jax.vmap(jax.grad(theirs_f, argnums=(0, 1)), in_axes=in_axes)(*args))
    # grad of vmap: an unbatched operand's cotangent sums over the batch
    close(grad(lambda *a: tnp.sum(vmap(ours_f, in_axes=in_axes)(*a)), argnums=(0, 1))(*args),
          jax.grad(lambda *a: jnp.sum(jax.vmap(theirs_f, in_axes=in_axes)(*a)),
                   argnums=(0, 1))(*args))


def test_custom_vjp_nondiff_and_none_cotangent() -> None:
    def make(N: Any, deco: Any) -> Any:
        @functools.partial(deco, nondiff_argnums=(0,))
        def f(k, x, y):
            return x * k + y

        def fwd(k, x, y):
            return f(k, x, y), None

        def bwd(k, res, g):
            return g * k * 10.0, None                      # y gets no cotangent

        f.defvjp(fwd, bwd)
        return f

    f, jf = make(tnp, custom_vjp), make(jnp, jax.custom_vjp)
    k, x, y = rand(3), rand(3, 2), rand(3, 2)
    loss = lambda f, N: lambda k, x, y: N.sum(f(k, x, y))      # noqa: E731
    # k batched (an array in nondiff_argnums: JAX refuses it, graphjit passes it to
    # the rules): against the loop of per-example gradients
    want = [np.stack(g) for g in zip(*[grad(loss(f, tnp), argnums=(1, 2))(k[i], x[i], y[i])
                                      for i in range(3)])]
    close(list(vmap(grad(loss(f, tnp), argnums=(1, 2)))(k, x, y)), want)
    close(list(grad(lambda *a: tnp.sum(vmap(loss(f, tnp))(*a)), argnums=(1, 2))(k, x, y)),
          want)
    np.testing.assert_allclose(np.asarray(want[0]), 10.0 * k[:, None] * np.ones((3, 2)))
    # k static: against JAX
    for fn, N, vm, gr in ((f, tnp, vmap, grad), (jf, jnp, jax.vmap, jax.grad)):
        h = functools.partial(loss(fn, N), 0.5)
        got = vm(gr(h, argnums=(0, 1)))(x, y), gr(lambda *a: N.sum(vm(h)(*a)),
                                                  argnums=(0, 1))(x, y)
        if fn is f:
            ours = got
        else:
            close(ours, got)


# -- checkpoint -------------------------------------------------------------------


def mlp(N: Any, ck: Any, W: Any, x: Any, policy: Any = None) -> Any:
    def layer(W: Any, x: Any) -> Any:
        return N.sin(N.tanh(N.dot(W, x)))
    f = ck(layer) if policy is None else ck(layer, policy=policy)
    return N.sum(f(W, f(W, x)) ** 2)


@pytest.mark.parametrize("policy", [None, "dots_saveable"])
@pytest.mark.parametrize("in_axes", [(None, 0), (0, 0), (0, None)])
def test_checkpoint_under_vmap(policy: str | None, in_axes: tuple) -> None:
    W, x = rand(3, 4, 4) * 0.5, rand(3, 4)
    args = (W if in_axes[0] == 0 else W[0], x if in_axes[1] == 0 else x[0])
    ours = lambda w, v: mlp(tnp, checkpoint, w, v,                    # noqa: E731
                            policy and getattr(checkpoint_policies, policy))
    theirs = lambda w, v: mlp(jnp, jax.checkpoint, w, v,              # noqa: E731
                              policy and getattr(jax.checkpoint_policies, policy))
    check_vmap(ours, args, in_axes)
    close(vmap(grad(ours, argnums=(0, 1)), in_axes=in_axes)(*args),
          jax.vmap(jax.grad(theirs, argnums=(0, 1)), in_axes=in_axes)(*args), rtol=1e-9)
    close(grad(lambda *a: tnp.sum(vmap(ours, in_axes=in_axes)(*a)), argnums=(0, 1))(*args),
          jax.grad(lambda *a: jnp.sum(jax.vmap(theirs, in_axes=in_axes)(*a)),
                   argnums=(0, 1))(*args), rtol=1e-9)


def test_checkpoint_batched_keeps_residuals() -> None:
    W, x = rand(3, 4, 4), rand(3, 4)
    f = checkpoint(lambda w, v: tnp.sin(tnp.dot(w, v)), policy=checkpoint_policies.dots_saveable)
    cg = make_graph(vmap(f))(W, x)
    typecheck(cg)
    (eq,) = [e for e in cg.graph.eqns if e.prim is P.checkpoint_p]
    assert eq.params["num_res"] == 1
    assert [o.aval.shape for o in eq.outputs] == [(3, 4), (3, 4)]   # output, saved dot
    # the backward pass of the batched checkpoint recomputes the sin's input from the
    # saved (batched) dot instead of the dot itself
    g = make_graph(grad(lambda w, v: tnp.sum(vmap(f)(w, v)), argnums=(0, 1)))(W, x)
    typecheck(g)
    assert count(g, P.dot_general_p) == 2            # the transposes, no recomputed dot
