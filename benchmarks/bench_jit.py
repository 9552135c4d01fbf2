"""jit: the cached call path, tracing + lowering, and the compiled training step.

(a) Cached-call overhead: ``sin(a * b)`` on 4 float32 values, called again and
    again with the same arguments (graphjit ``Array`` results fed in, as jax
    arrays are for ``jax.jit``).  Goal: graphjit <= 1.5x ``jax.jit``.
(b) Trace + lower (no XLA compile) of a 3-layer tanh MLP training step
    (forward, grad, SGD update): ``jit(step).lower(...)`` against
    ``jax.jit(step).lower(...)``, a fresh function object each repetition so
    neither side hits a cache.  Goal: <= 1.0x.
(c) Steady-state run time of that jitted step (batch 128, width 512, float32)
    against ``jax.jit``, goal 0.95-1.05x, and against the same step run
    eagerly on the NumPy backend (graphjit eager ``grad``).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from benchmarks.bench_vmap import mlp_params
from benchmarks.common import round_robin, table

LR = 0.01


def _batched_loss(lib: Any, params: list, x: Any, y: Any) -> Any:
    h = x
    for i, (w, b) in enumerate(params):
        h = h @ w + b
        if i < len(params) - 1:
            h = lib.tanh(h)
    return lib.mean((h - y) ** 2)


def make_step(lib: Any, grad: Callable) -> Callable:
    """A fresh SGD training-step function (a new object on every call)."""
    def step(params: list, x: Any, y: Any) -> list:
        g = grad(lambda p: _batched_loss(lib, p, x, y))(params)
        return [(w - LR * gw, b - LR * gb) for (w, b), (gw, gb) in zip(params, g)]
    return step


def _block(tree: Any) -> Any:
    from jax import tree_util
    for leaf in tree_util.tree_leaves(tree):
        if hasattr(leaf, "block_until_ready"):
            leaf.block_until_ready()
    return tree


def run(depth: int = 3, width: int = 512, batch: int = 128, repeats: int = 7,
        number: int = 2000, mlp_number: int = 20,
        lower_number: int = 3) -> tuple[str, dict]:
    """All three parts; returns (printed table, results: seconds and ratios)."""
    import jax
    import jax.numpy as jnp
    import tracer.numpy as tnp
    from transforms import grad, jit

    rows: list[list[str]] = []
    results: dict[str, Any] = {}

    # (a) cached-call overhead
    a = np.linspace(0.0, 1.0, 4, dtype=np.float32)
    f_g = jit(lambda a, b: tnp.sin(a * b))
    f_j = jax.jit(lambda a, b: jnp.sin(a * b))
    ga, gb = tnp.asarray(a), tnp.asarray(a + 1)
    ga, gb = f_g(ga, gb), f_g(gb, ga)  # Arrays that jit made (as jax arrays are jax's)
    ja, jb = f_j(jnp.asarray(a), jnp.asarray(a + 1)), f_j(jnp.asarray(a + 1), jnp.asarray(a))
    np.testing.assert_allclose(np.asarray(f_g(ga, gb)), np.asarray(f_j(ja, jb)), rtol=1e-6)
    t = round_robin({"graphjit jit": lambda: f_g(ga, gb), "jax.jit": lambda: f_j(ja, jb)},
                    repeats=repeats, number=number)
    ratio = t["graphjit jit"] / t["jax.jit"]
    results["call"] = {"seconds": t, "ratio": ratio}
    rows.append(["(a) cached call sin(a*b), 4 x f32", "graphjit jit",
                 f"{t['graphjit jit'] * 1e6:.2f}", f"{ratio:.2f}x", "<= 1.5x"])
    rows.append(["", "jax.jit", f"{t['jax.jit'] * 1e6:.2f}", "1.00x", ""])

    # (b) trace + lower of the training step
    rng = np.random.default_rng(0)
    params = mlp_params(rng, depth, width)
    x = rng.standard_normal((batch, width)).astype(np.float32)
    y = rng.standard_normal((batch, width)).astype(np.float32)
    p_g = [(tnp.asarray(w), tnp.asarray(b)) for w, b in params]
    x_g, y_g = tnp.asarray(x), tnp.asarray(y)
    p_j = [(jnp.asarray(w), jnp.asarray(b)) for w, b in params]
    x_j, y_j = jnp.asarray(x), jnp.asarray(y)
    t = round_robin({
        "graphjit": lambda: jit(make_step(tnp, grad)).lower(p_g, x_g, y_g).as_text(),
        "jax": lambda: jax.jit(make_step(jnp, jax.grad)).lower(p_j, x_j, y_j).as_text(),
    }, repeats=repeats, number=lower_number)
    ratio = t["graphjit"] / t["jax"]
    results["lower"] = {"seconds": t, "ratio": ratio}
    what = f"(b) trace+lower MLP step, {depth}x{width}"
    rows.append([what, "graphjit jit(step).lower", f"{t['graphjit'] * 1e6:.0f}",
                 f"{ratio:.2f}x", "<= 1.0x"])
    rows.append(["", "jax.jit(step).lower", f"{t['jax'] * 1e6:.0f}", "1.00x", ""])

    # (c) steady-state training step
    step_g, step_j = jit(make_step(tnp, grad)), jax.jit(make_step(jnp, jax.grad))
    eager = make_step(tnp, grad)
    ref = [np.asarray(v) for v in jax.tree_util.tree_leaves(step_j(p_j, x_j, y_j))]
    for name, got in (("jit", step_g(p_g, x_g, y_g)), ("eager", eager(p_g, x_g, y_g))):
        for r, v in zip(ref, jax.tree_util.tree_leaves(got)):
            np.testing.assert_allclose(np.asarray(v), r, rtol=2e-3, atol=2e-5,
                                       err_msg=f"jit benchmark: graphjit {name} step differs")
    p_g = step_g(p_g, x_g, y_g)  # parameters that jit made, as in a training loop
    p_j = step_j(p_j, x_j, y_j)
    t = round_robin({
        "graphjit jit": lambda: _block(step_g(p_g, x_g, y_g)),
        "jax.jit": lambda: _block(step_j(p_j, x_j, y_j)),
    }, repeats=repeats, number=mlp_number)
    # (timed on its own: OpenBLAS threads still spinning after a NumPy step would slow
    # whichever XLA step ran next on a small machine)
    t.update(round_robin({"graphjit eager (NumPy)": lambda: eager(p_g, x_g, y_g)},
                         repeats=repeats, number=mlp_number))
    ratio = t["graphjit jit"] / t["jax.jit"]
    results["step"] = {"seconds": t, "ratio": ratio,
                       "eager_ratio": t["graphjit eager (NumPy)"] / t["graphjit jit"]}
    what = f"(c) MLP step batch {batch}, {depth}x{width}"
    for name, s in t.items():
        rows.append([what, name, f"{s * 1e6:.0f}", f"{s / t['jax.jit']:.2f}x",
                     "0.95-1.05x" if name == "graphjit jit" else ""])
        what = ""
    text = table("jit vs jax.jit, float32, CPU (us per call; ratio / jax.jit)",
                 ["benchmark", "variant", "us/call", "/ jax.jit", "goal"], rows)
    return text, results
