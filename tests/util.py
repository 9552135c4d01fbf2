"""Shared test helpers: compare graphjit against NumPy, eagerly and from graphs."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
from jax import tree_util

import backends
from tracer import eval_graph, make_graph, typecheck
from tracer.tracing import Tracer

RNG = np.random.default_rng(0)

DTYPES = {
    "f32": np.float32, "f64": np.float64, "i32": np.int32, "bool": np.bool_,
}


def rand(shape: tuple[int, ...], dtype: Any = np.float64, low: float = -3, high: float = 3,
         rng: np.random.Generator | None = None) -> np.ndarray:
    """Random test data of ``dtype`` (ints in [low, high), bools ~50/50)."""
    rng = rng or RNG
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return rng.random(shape) < 0.5
    if dt.kind in "iu":
        return rng.integers(int(low), int(high), size=shape).astype(dt)
    return rng.uniform(low, high, size=shape).astype(dt)


def to_numpy(x: Any) -> Any:
    if isinstance(x, backends.Array):
        return np.asarray(x)
    return x


def assert_same(got: Any, want: Any, rtol: float | None = None, atol: float | None = None,
                check_dtype: bool = True, what: str = "") -> None:
    """Values (NaN-aware) and dtypes of two pytrees of arrays agree."""
    g_leaves, g_tree = tree_util.tree_flatten(got)
    w_leaves, w_tree = tree_util.tree_flatten(want)
    assert len(g_leaves) == len(w_leaves), f"{what}: {g_tree} vs {w_tree}"
    for g, w in zip(g_leaves, w_leaves):
        assert not isinstance(g, Tracer), f"{what}: got a tracer {g!r}"
        g_np, w_np = np.asarray(g), np.asarray(w)
        if check_dtype:
            assert g_np.dtype == w_np.dtype, f"{what}: dtype {g_np.dtype} != NumPy's {w_np.dtype}"
        assert g_np.shape == w_np.shape, f"{what}: shape {g_np.shape} != NumPy's {w_np.shape}"
        if w_np.dtype.kind in "fc":
            tol = {np.dtype(np.float16): 1e-3, np.dtype(np.float32): 1e-5}.get(
                w_np.dtype, 1e-12)
            np.testing.assert_allclose(
                g_np, w_np, rtol=rtol if rtol is not None else tol,
                atol=atol if atol is not None else tol, equal_nan=True, err_msg=what)
        else:
            np.testing.assert_array_equal(g_np, w_np, err_msg=what)


def check_graph(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Record ``fn`` abstractly, typecheck the graph, evaluate it on the NumPy backend."""
    cg = make_graph(fn)(*args, **kwargs)
    typecheck(cg)
    for e in cg.graph.eqns:  # params must be hashable (DESIGN.md section 4)
        hash(e.params)
    leaves = tree_util.tree_leaves((args, kwargs))
    outs = eval_graph(cg, *leaves)
    return tree_util.tree_unflatten(cg.out_tree, outs)


def check_against_numpy(tnp_fn: Callable[..., Any], np_fn: Callable[..., Any], *args: Any,
                        rtol: float | None = None, atol: float | None = None,
                        check_dtype: bool = True, graph: bool = True, **kwargs: Any) -> None:
    """``tnp_fn`` matches ``np_fn`` eagerly and through make_graph + NumPy backend.

    Array arguments are traced; keyword arguments are static.
    """
    with np.errstate(all="ignore"):
        want = np_fn(*args, **kwargs)
    with np.errstate(all="ignore"):
        eager = tnp_fn(*args, **kwargs)
    assert_same(eager, want, rtol, atol, check_dtype, what="eager")
    if graph:
        with np.errstate(all="ignore"):
            traced = check_graph(lambda *a: tnp_fn(*a, **kwargs), *args)
        assert_same(traced, want, rtol, atol, check_dtype, what="graph")


def check_everywhere(tnp_fn: Callable[..., Any], np_fn: Callable[..., Any], *args: Any,
                     rtol: float | None = None, atol: float | None = None) -> None:
    """``tnp_fn`` matches ``np_fn`` eagerly, through make_graph + NumPy backend, and
    under ``jit`` on XLA (values and dtypes; every array argument is traced)."""
    from transforms import jit
    check_against_numpy(tnp_fn, np_fn, *args, rtol=rtol, atol=atol)
    with np.errstate(all="ignore"):
        want = np_fn(*args)
        got = jit(tnp_fn)(*args)
    assert_same(got, want, rtol, atol, what="jit(xla)")
