"""Eager overhead: twenty common ``tnp`` calls on 1,000-element float64 arrays,
against the same NumPy calls and ``jax.numpy`` eager (x64 enabled, so all three
compute in float64).  Goal: <= 2x NumPy per call and <= 0.3x JAX's eager time.
"""
from __future__ import annotations

import numpy as np

from benchmarks.common import round_robin, table

CALLS = [
    ("add", lambda m, a, b: m.add(a, b)),
    ("multiply", lambda m, a, b: m.multiply(a, b)),
    ("subtract", lambda m, a, b: m.subtract(a, b)),
    ("divide", lambda m, a, b: m.divide(a, b)),
    ("a * 2.0", lambda m, a, b: a * 2.0),
    ("sin", lambda m, a, b: m.sin(a)),
    ("exp", lambda m, a, b: m.exp(a)),
    ("log", lambda m, a, b: m.log(b)),
    ("sqrt", lambda m, a, b: m.sqrt(b)),
    ("tanh", lambda m, a, b: m.tanh(a)),
    ("abs", lambda m, a, b: m.abs(a)),
    ("maximum", lambda m, a, b: m.maximum(a, b)),
    ("where", lambda m, a, b: m.where(a > 0, a, b)),
    ("sum", lambda m, a, b: m.sum(a)),
    ("mean", lambda m, a, b: m.mean(a)),
    ("max", lambda m, a, b: m.max(a)),
    ("argmax", lambda m, a, b: m.argmax(a)),
    ("cumsum", lambda m, a, b: m.cumsum(a)),
    ("reshape", lambda m, a, b: m.reshape(a, (10, 100))),
    ("concatenate", lambda m, a, b: m.concatenate([a, b])),
    ("dot", lambda m, a, b: m.dot(a, b)),
]


def run() -> tuple[str, dict]:
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    import tracer.numpy as tnp

    rng = np.random.default_rng(0)
    a_np = rng.normal(size=1000)
    b_np = rng.uniform(0.5, 2.0, size=1000)
    a_g, b_g = tnp.asarray(a_np), tnp.asarray(b_np)
    a_j, b_j = jnp.asarray(a_np), jnp.asarray(b_np)
    rows, ratios_np, ratios_jax = [], [], []
    for name, call in CALLS:
        def jax_call(call=call):
            return call(jnp, a_j, b_j).block_until_ready()
        t = round_robin({
            "graphjit": lambda call=call: call(tnp, a_g, b_g),
            "numpy": lambda call=call: call(np, a_np, b_np),
            "jax": jax_call,
        }, repeats=5, number=200)
        rn, rj = t["graphjit"] / t["numpy"], t["graphjit"] / t["jax"]
        ratios_np.append(rn)
        ratios_jax.append(rj)
        rows.append([name, f"{t['graphjit'] * 1e6:.2f}", f"{t['numpy'] * 1e6:.2f}",
                     f"{t['jax'] * 1e6:.2f}", f"{rn:.2f}x", f"{rj:.2f}x"])
    gm = lambda r: float(np.exp(np.mean(np.log(r))))  # noqa: E731
    rows.append(["geomean", "", "", "", f"{gm(ratios_np):.2f}x", f"{gm(ratios_jax):.2f}x"])
    rows.append(["worst", "", "", "", f"{max(ratios_np):.2f}x", f"{max(ratios_jax):.2f}x"])
    return table("eager overhead, 1,000 float64 (us per call)",
                 ["call", "graphjit", "numpy", "jax", "vs numpy", "vs jax"], rows), {
        "geomean_vs_numpy": gm(ratios_np), "geomean_vs_jax": gm(ratios_jax)}
