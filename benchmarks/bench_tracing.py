"""Tracing cost: ``make_graph`` of an N-op function against ``jax.make_jaxpr``.

Each timing traces a *fresh* function object, so neither side can answer from
a cache.  Goal: ours <= 1.0x JAX's, and linear in the op count.
"""
from __future__ import annotations

import numpy as np

from benchmarks.common import round_robin, table


def _chain(n: int, lib):
    def f(x):
        for _ in range(n // 2):
            x = lib.sin(x) * 1.01
        return x
    return f


def run(sizes=(1000, 10000)) -> tuple[str, dict]:
    import jax
    import jax.numpy as jnp

    import tracer.numpy as tnp
    from tracer import make_graph

    x = np.ones(8, np.float32)
    rows, results = [], {}
    for n in sizes:
        t = round_robin({
            "graphjit": lambda: make_graph(_chain(n, tnp))(x),
            "jax": lambda: jax.make_jaxpr(_chain(n, jnp))(x),
        }, repeats=3 if n > 5000 else 5)
        results[n] = t
        rows.append([str(n), f"{t['graphjit'] * 1e3:.1f} ms", f"{t['jax'] * 1e3:.1f} ms",
                     f"{t['graphjit'] / t['jax']:.2f}x",
                     f"{t['graphjit'] / n * 1e6:.2f} us"])
    if len(sizes) == 2:
        a, b = sizes
        growth = (results[b]["graphjit"] / results[a]["graphjit"]) / (b / a)
        rows.append(["linearity", "", "", "", f"{growth:.2f} (1.00 = linear)"])
    return table("tracing cost: make_graph vs jax.make_jaxpr",
                 ["ops", "graphjit", "jax", "ratio", "per op"], rows), results
