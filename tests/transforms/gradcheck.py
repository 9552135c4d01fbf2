"""Gradient checking: central differences along random directions, and the
dot-product identity <J t, c> == <t, J^T c>, first and second order, forward
and reverse (DESIGN.md section 9).

``check_grads(f, args)`` is the entry point; every graph the transforms
record on the way is typechecked.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
from jax import tree_util

from tracer import make_graph, typecheck
from transforms import jvp, vjp

RNG = np.random.default_rng(1234)


def _tol(dtype: np.dtype) -> tuple[float, float, float]:
    """(finite-difference step, rtol, atol) for a dtype."""
    if np.dtype(dtype) == np.float32:
        return 1e-3, 3e-2, 3e-2
    return 1e-6, 1e-5, 1e-6


def _np(x: Any) -> np.ndarray:
    return np.asarray(x)


def _rand_like(x: np.ndarray) -> np.ndarray:
    return RNG.standard_normal(np.shape(x)).astype(np.asarray(x).dtype)


def _inner(a: Sequence[Any], b: Sequence[Any]) -> float:
    return float(sum(np.vdot(_np(x).astype(np.float64), _np(y).astype(np.float64))
                     for x, y in zip(a, b)))


def _flat_fn(f: Callable, args: Sequence[Any]):
    leaves, tree = tree_util.tree_flatten(tuple(args))

    def g(*flat: Any) -> list[Any]:
        out = f(*tree_util.tree_unflatten(tree, flat))
        return tree_util.tree_leaves(out)
    return g, leaves


def check_jvp_fd(f: Callable, args: Sequence[Any], eps: float | None = None,
                 rtol: float | None = None, atol: float | None = None) -> None:
    """Forward mode against central differences along a random direction."""
    g, xs = _flat_fn(f, args)
    dtype = np.result_type(*[_np(x).dtype for x in xs])
    e0, r0, a0 = _tol(dtype)
    eps, rtol, atol = eps or e0, rtol or r0, atol or a0
    ts = [_rand_like(x) for x in xs]
    _, t_out = jvp(g, tuple(xs), tuple(ts))
    plus = g(*[_np(x) + eps * t for x, t in zip(xs, ts)])
    minus = g(*[_np(x) - eps * t for x, t in zip(xs, ts)])
    for to, p, m in zip(t_out, plus, minus):
        fd = (_np(p).astype(np.float64) - _np(m).astype(np.float64)) / (2 * eps)
        np.testing.assert_allclose(_np(to).astype(np.float64), fd, rtol=rtol, atol=atol,
                                   err_msg="jvp vs central differences")


def check_vjp_identity(f: Callable, args: Sequence[Any], rtol: float | None = None,
                       atol: float | None = None) -> None:
    """Reverse mode against forward mode: <J t, c> == <t, J^T c>."""
    g, xs = _flat_fn(f, args)
    dtype = np.result_type(*[_np(x).dtype for x in xs])
    _, r0, a0 = _tol(dtype)
    rtol, atol = rtol or r0, atol or a0
    ts = [_rand_like(x) for x in xs]
    out, t_out = jvp(g, tuple(xs), tuple(ts))
    cs = [_rand_like(o) for o in out]
    _, pullback = vjp(g, *xs)
    ct_in = pullback(cs)
    lhs, rhs = _inner(t_out, cs), _inner(ts, ct_in)
    np.testing.assert_allclose(lhs, rhs, rtol=rtol, atol=atol * max(1.0, abs(lhs)),
                               err_msg="<J t, c> != <t, J^T c>")


def check_graphs(f: Callable, args: Sequence[Any]) -> None:
    """The forward and reverse derivative graphs record and typecheck."""
    g, xs = _flat_fn(f, args)
    ts = [_rand_like(x) for x in xs]
    typecheck(make_graph(lambda *a: jvp(g, tuple(a), tuple(ts))[1])(*xs))

    def rev(*a: Any) -> Any:
        out, pb = vjp(g, *a)
        return pb([np.ones(o.shape, o.dtype) for o in out])
    typecheck(make_graph(rev)(*xs))


def check_grads(f: Callable, args: Sequence[Any], order: int = 2,
                modes: Sequence[str] = ("fwd", "rev"), eps: float | None = None,
                rtol: float | None = None, atol: float | None = None) -> None:
    """Check derivatives of ``f`` at ``args`` up to ``order`` (like jax's check_grads).

    ``fwd``: jvp against central differences; ``rev``: the vjp/jvp dot-product
    identity.  Order 2 checks the same for the derivative maps themselves.
    """
    if "fwd" in modes:
        check_jvp_fd(f, args, eps, rtol, atol)
    if "rev" in modes:
        check_vjp_identity(f, args, rtol, atol)
    check_graphs(f, args)
    if order >= 2:
        g, xs = _flat_fn(f, args)
        ts = [_rand_like(x) for x in xs]
        # d/dx of the jvp along a fixed t (forward-over-forward / reverse-over-forward)
        def f_jvp(*a: Any) -> list[Any]:
            return list(jvp(g, tuple(a), tuple(ts))[1])
        cs = None

        def f_vjp(*a: Any) -> list[Any]:
            nonlocal cs
            out, pb = vjp(g, *a)
            if cs is None:
                cs = [_rand_like(o) for o in out]
            return list(pb(cs))
        f_vjp(*xs)
        check_grads(f_jvp, xs, order - 1, modes, eps, _loosen(rtol), _loosen(atol))
        check_grads(f_vjp, xs, order - 1, modes, eps, _loosen(rtol), _loosen(atol))


def _loosen(t: float | None) -> float | None:
    return None if t is None else t * 10
