"""vmap: the cost of batching automatically against writing the batch by hand.

On the NumPy backend, eagerly, float32:

(a) Forward pass of a 3-layer tanh MLP (width 256, batch 128):
    ``vmap(f)`` of the one-example function against the same function applied to
    the whole batch (``f`` is written so it works on both).
(b) Per-example gradients of that MLP's mean-squared loss:
    ``vmap(grad(loss), in_axes=(None, 0, 0))`` against a hand-written batched
    per-example backward pass (outer products of activations and deltas), written
    once and run with ``tnp`` and with NumPy.

Goal: vmap <= 1.1x the hand-batched ``tnp`` time.  The plain NumPy time is shown
for reference, and so is "vmap graph replayed": the batched graph recorded once with
``make_graph(vmap(f))`` and run with ``eval_graph`` -- the cost of the batched
program itself, without eager ``vmap``'s per-call recording of ``f`` on one example
(which ``jit`` removes by caching: "vmap(jit(f, backend=numpy))" keeps ``f``'s graph
and its batched graph per signature and runs the latter on the NumPy backend).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from benchmarks.common import round_robin, table


def mlp_params(rng: np.random.Generator, depth: int, width: int,
               dtype: Any = np.float32) -> list[tuple[np.ndarray, np.ndarray]]:
    """``depth`` dense ``width x width`` layers (Glorot-ish scale), small biases."""
    return [((rng.standard_normal((width, width)) / np.sqrt(width)).astype(dtype),
             (0.1 * rng.standard_normal(width)).astype(dtype)) for _ in range(depth)]


def mlp_out(lib: Any, params: list, x: Any) -> Any:
    """tanh after every layer but the last; ``x`` is one example or a batch."""
    h = x
    for i, (w, b) in enumerate(params):
        h = h @ w + b
        if i < len(params) - 1:
            h = lib.tanh(h)
    return h


def mlp_loss(lib: Any, params: list, x: Any, y: Any) -> Any:
    """Mean squared error of one example."""
    return lib.mean((mlp_out(lib, params, x) - y) ** 2)


def per_example_grads(lib: Any, params: list, xs: Any, ys: Any) -> list:
    """Hand-batched per-example gradients of ``mlp_loss``: the backward pass written
    for a batch, weight gradients as per-example outer products ``h_i d_i^T``."""
    hs = [xs]
    h = xs
    for i, (w, b) in enumerate(params):
        h = h @ w + b
        if i < len(params) - 1:
            h = lib.tanh(h)
        hs.append(h)
    d = (h - ys) * (2.0 / ys.shape[-1])              # d loss_i / d out_i, (batch, out)
    grads = []
    for i in range(len(params) - 1, -1, -1):
        w = params[i][0]
        grads.append((hs[i][:, :, None] * d[:, None, :], d))
        if i:
            d = (d @ w.T) * (1.0 - hs[i] ** 2)      # through tanh
    return grads[::-1]


def _variants(depth: int, width: int, batch: int) -> tuple[dict, dict]:
    import tracer.numpy as tnp
    from tracer import eval_graph, make_graph
    from transforms import grad, jit, vmap

    rng = np.random.default_rng(0)
    params = mlp_params(rng, depth, width)
    x = rng.standard_normal((batch, width)).astype(np.float32)
    y = rng.standard_normal((batch, width)).astype(np.float32)
    p_g = [(tnp.asarray(w), tnp.asarray(b)) for w, b in params]
    x_g, y_g = tnp.asarray(x), tnp.asarray(y)

    fwd_vmap = vmap(lambda x: mlp_out(tnp, p_g, x))
    fwd_graph = make_graph(fwd_vmap)(x_g)
    fwd_vmap_jit = vmap(jit(lambda x: mlp_out(tnp, p_g, x), backend="numpy"))
    forward: dict[str, Callable[[], Any]] = {
        "vmap": lambda: fwd_vmap(x_g),
        "vmap graph replayed": lambda: eval_graph(fwd_graph, x_g),
        "vmap(jit(f, backend=numpy))": lambda: fwd_vmap_jit(x_g),
        "hand-batched tnp": lambda: mlp_out(tnp, p_g, x_g),
        "numpy": lambda: mlp_out(np, params, x),
    }
    pex_vmap = vmap(grad(lambda p, x, y: mlp_loss(tnp, p, x, y)), in_axes=(None, 0, 0))
    pex_graph = make_graph(pex_vmap)(p_g, x_g, y_g)
    pex_leaves = _leaves((p_g, x_g, y_g))
    pex: dict[str, Callable[[], Any]] = {
        "vmap": lambda: pex_vmap(p_g, x_g, y_g),
        "vmap graph replayed": lambda: eval_graph(pex_graph, *pex_leaves),
        "hand-batched tnp": lambda: per_example_grads(tnp, p_g, x_g, y_g),
        "numpy": lambda: per_example_grads(np, params, x, y),
    }
    # every variant computes the same thing (float32 tolerance)
    for variants in (forward, pex):
        ref = [np.asarray(a) for a in _leaves(variants["numpy"]())]
        for name, fn in variants.items():
            got = _leaves(fn())
            assert len(got) == len(ref), f"vmap benchmark: {name} gives {len(got)} arrays"
            for a, r in zip(got, ref):
                np.testing.assert_allclose(np.asarray(a), r, rtol=2e-3, atol=2e-5,
                                           err_msg=f"vmap benchmark: {name} differs")
    return forward, pex


def _leaves(tree: Any) -> list:
    from jax import tree_util
    return tree_util.tree_leaves(tree)


def run(depth: int = 3, width: int = 256, batch: int = 128, repeats: int = 7,
        number: int = 10) -> tuple[str, dict]:
    """Both parts; returns (printed table, results: seconds per call and ratios)."""
    forward, pex = _variants(depth, width, batch)
    rows, results = [], {}
    for what, variants, n in (("forward", forward, number),
                              ("per-example grads", pex, max(1, number // 5))):
        t = round_robin(variants, repeats=repeats, number=n)
        hand = t["hand-batched tnp"]
        results[what] = {"seconds": t, "ratio": t["vmap"] / hand}
        for name, s in t.items():
            rows.append([what, name, f"{s * 1e6:.1f}", f"{s / hand:.2f}x",
                         "<= 1.1x" if name == "vmap" else ""])
    text = table(f"vmap vs hand-batched, {depth}-layer tanh MLP width {width} batch {batch} "
                 "float32, NumPy backend (us per call)",
                 ["program", "variant", "us/call", "/ hand-batched tnp", "goal"], rows)
    return text, results
