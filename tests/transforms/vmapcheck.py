"""Checking vmap: against stacking the function over a Python loop, and the
batched graph recorded under make_graph typechecks (DESIGN.md section 9)."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
from jax import tree_util

from tests.util import assert_same
from tracer import make_graph, typecheck
from transforms import vmap


def _take(x: Any, axis: int | None, i: int) -> Any:
    return x if axis is None else np.take(np.asarray(x), i, axis=axis)


def loop_reference(f: Callable, args: Sequence[Any], in_axes: Sequence[int | None],
                   out_axis: int = 0) -> Any:
    """``f`` applied per example in a Python loop, results stacked on ``out_axis``."""
    sizes = {np.shape(a)[d] for a, d in zip(args, in_axes) if d is not None}
    (n,) = sizes
    outs = [f(*[_take(a, d, i) for a, d in zip(args, in_axes)]) for i in range(n)]
    return tree_util.tree_map(lambda *xs: np.stack([np.asarray(x) for x in xs], axis=out_axis),
                              *outs)


def check_vmap(f: Callable, args: Sequence[Any], in_axes: Sequence[int | None],
               out_axes: int = 0, rtol: float | None = None, atol: float | None = None) -> None:
    """``vmap(f, in_axes, out_axes)`` equals the loop, eagerly and from its typechecked graph."""
    in_axes = tuple(in_axes)
    want = loop_reference(f, args, in_axes, out_axes)
    got = vmap(f, in_axes=in_axes, out_axes=out_axes)(*args)
    assert_same(got, want, rtol, atol, what="vmap eager")
    cg = make_graph(vmap(f, in_axes=in_axes, out_axes=out_axes))(*args)
    typecheck(cg)
    from tracer import eval_graph
    traced = tree_util.tree_unflatten(cg.out_tree, eval_graph(cg, *args))
    assert_same(traced, want, rtol, atol, what="vmap graph")


def batched_eqn_count(f: Callable, args: Sequence[Any], in_axes: Sequence[int | None]) -> tuple:
    """(equations of f's graph on one example, equations of vmap(f)'s graph)."""
    ex = [a if d is None else np.take(np.asarray(a), 0, axis=d) for a, d in zip(args, in_axes)]
    n0 = len(make_graph(f)(*ex).graph.eqns)
    n1 = len(make_graph(vmap(f, in_axes=tuple(in_axes)))(*args).graph.eqns)
    return n0, n1
