"""``check_grads``: derivatives against finite differences, with ``jax.test_util``'s
signature and meaning.

Forward mode (``"fwd"``) is compared with central differences along a random
direction; reverse mode (``"rev"``) with forward through the dot-product
identity ``<J t, c> == <t, J^T c>`` (the forward side again by central
differences). ``order=k`` repeats the checks on the derivative functions
themselves (the JVP map for ``"fwd"``, the VJP map for ``"rev"``), as JAX does.
It reads values, so it runs eagerly; the function may be ``jit``-compiled.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

import numpy as np
from jax import tree_util

from transforms.jvp import jvp
from transforms.vjp import vjp

__all__ = ["check_grads", "check_jvp", "check_vjp"]

#: step of the central differences (JAX's default)
EPS = 1e-4
#: default tolerance per dtype, for both atol and rtol
_TOL = {np.dtype(np.float16): 1e-2, np.dtype(np.float32): 2e-3, np.dtype(np.float64): 1e-5}


def _leaves(x: Any) -> list[np.ndarray]:
    return [np.asarray(v) for v in tree_util.tree_leaves(x)]


def _tol(xs: Sequence[np.ndarray], given: float | None) -> float:
    if given is not None:
        return given
    tols = [_TOL.get(x.dtype, 1e-5) for x in xs if x.dtype.kind in "fc"]
    return max(tols) if tols else 1e-5


def _random_like(x: Any, rng: np.random.Generator) -> Any:
    def one(v: Any) -> np.ndarray:
        v = np.asarray(v)
        r = rng.standard_normal(v.shape)
        if v.dtype.kind == "c":
            r = r + 1j * rng.standard_normal(v.shape)
        return r.astype(v.dtype)
    return tree_util.tree_map(one, x)


def _axpy(a: float, x: Any, y: Any) -> Any:
    return tree_util.tree_map(lambda u, v: (np.asarray(v) + a * np.asarray(u)).astype(
        np.asarray(v).dtype), x, y)


def _numerical_jvp(f: Callable, primals: tuple, tangents: tuple, eps: float) -> Any:
    plus = f(*_axpy(eps, tangents, primals))
    minus = f(*_axpy(-eps, tangents, primals))
    return tree_util.tree_map(
        lambda p, m: (np.asarray(p) - np.asarray(m)) / (2 * eps), plus, minus)


def _inner(xs: Any, ys: Any) -> complex:
    return sum(np.vdot(a.astype(np.complex128), b.astype(np.complex128)).real
               for a, b in zip(_leaves(xs), _leaves(ys), strict=True))


def _close(got: Any, want: Any, atol: float, rtol: float, what: str) -> None:
    g, w = _leaves(got), _leaves(want)
    if len(g) != len(w):
        raise AssertionError(f"{what}: {len(g)} outputs, expected {len(w)}")
    for a, b in zip(g, w, strict=True):
        np.testing.assert_allclose(a, b, atol=atol, rtol=rtol, err_msg=what)


def check_jvp(f: Callable, f_jvp: Callable, args: Sequence[Any], atol: float | None = None,
              rtol: float | None = None, eps: float | None = None, err_msg: str = "",
              rng: np.random.Generator | None = None) -> None:
    """``f_jvp(primals, tangents)`` against central differences of ``f``."""
    rng = rng or np.random.default_rng(0)
    args = tuple(args)
    tangents = _random_like(args, rng)
    out, t_out = f_jvp(args, tangents)
    x_leaves = _leaves(args)
    atol, rtol = _tol(x_leaves, atol), _tol(x_leaves, rtol)
    eps = eps or EPS
    _close(out, f(*args), atol, rtol, f"{err_msg or 'JVP'} primal output")
    _close(t_out, _numerical_jvp(f, args, tangents, eps), atol, rtol,
           f"{err_msg or 'JVP'} tangent output")


def check_vjp(f: Callable, f_vjp: Callable, args: Sequence[Any], atol: float | None = None,
              rtol: float | None = None, eps: float | None = None, err_msg: str = "",
              rng: np.random.Generator | None = None) -> None:
    """``f_vjp(*args)`` against central differences through ``<J t, c> == <t, J^T c>``."""
    rng = rng or np.random.default_rng(0)
    args = tuple(args)
    out, pullback = f_vjp(*args)
    x_leaves = _leaves(args)
    atol, rtol = _tol(x_leaves, atol), _tol(x_leaves, rtol)
    eps = eps or EPS
    _close(out, f(*args), atol, rtol, f"{err_msg or 'VJP'} primal output")
    tangents = _random_like(args, rng)
    ct = _random_like(out, rng)
    ct_in = pullback(ct)
    t_out = _numerical_jvp(f, args, tangents, eps)
    got, want = _inner(tangents, ct_in), _inner(t_out, ct)
    np.testing.assert_allclose(got, want, atol=atol, rtol=rtol,
                               err_msg=f"{err_msg or 'VJP'}: <t, J^T c> != <J t, c>")


def check_grads(f: Callable, args: Sequence[Any], order: int,
                modes: Sequence[str] = ("fwd", "rev"), atol: float | None = None,
                rtol: float | None = None, eps: float | None = None) -> None:
    """Check ``f``'s derivatives up to ``order`` against finite differences.

    Like ``jax.test_util.check_grads``: raises ``AssertionError`` naming the
    mode and order (``"VJP of JVP"``...) that disagrees.

    >>> import tracer.numpy as tnp
    >>> check_grads(lambda x: tnp.sin(x) * x, (0.7,), order=2)
    """
    for m in modes:
        if m not in ("fwd", "rev"):
            raise ValueError(f"check_grads: modes must be 'fwd' and/or 'rev', got {m!r}")
    args = tuple(tree_util.tree_map(np.asarray, a) for a in args)

    def check(fun: Callable, xs: tuple, k: int, msg: str) -> None:
        if "fwd" in modes:
            fwd_msg = f"JVP of {msg}" if msg else "JVP"
            check_jvp(fun, functools.partial(jvp, fun), xs, atol, rtol, eps, fwd_msg)
            if k > 1:
                check(functools.partial(jvp, fun), (xs, xs), k - 1, fwd_msg)
        if "rev" in modes:
            rev_msg = f"VJP of {msg}" if msg else "VJP"
            check_vjp(fun, functools.partial(vjp, fun), xs, atol, rtol, eps, rev_msg)
            if k > 1:
                def fun_vjp(*ys: Any) -> Any:
                    out, pullback = vjp(fun, *ys)
                    return pullback(out)
                check(fun_vjp, xs, k - 1, rev_msg)

    check(f, args, order, "")
