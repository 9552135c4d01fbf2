"""Checking XLA lowerings: the compiled graph against the NumPy backend on the same graph."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
from jax import tree_util

from backends.xla import runtime
from backends.xla.lower import lower
from tests.util import assert_same
from tracer import eval_graph, make_graph, typecheck


def run_xla(cg: Any, leaves: Sequence[Any]) -> list[np.ndarray]:
    """Lower, compile and run a ClosedGraph (consts first, as ``lower`` orders them)."""
    text = lower(cg)
    exe = runtime.compile(text)
    return runtime.run_numpy(exe, [np.asarray(c) for c in cg.consts] + list(leaves))


def check_xla(fn: Callable, *args: Any, rtol: float | None = None,
              atol: float | None = None) -> None:
    """XLA result == NumPy-backend result (values and dtypes) for ``fn`` on ``args``."""
    cg = make_graph(fn)(*args)
    typecheck(cg)
    leaves = tree_util.tree_leaves(args)
    with np.errstate(all="ignore"):
        want = [np.asarray(o) for o in eval_graph(cg, *leaves)]
    got = run_xla(cg, leaves)
    assert_same(got, want, rtol, atol, what="xla vs numpy backend")
