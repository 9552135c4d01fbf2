"""Autodiff: eager reverse-mode speed, and the size of the recorded backward graph.

(a) Eager ``grad`` of an 8-layer tanh MLP (width 64, batch 32, float32, mean
squared loss): graphjit's define-by-run ``grad`` against JAX's eager
``jax.grad`` (not jitted), HIPS ``autograd`` and PyTorch eager backward
(``torch.autograd.grad``, one thread; skipped if torch does not import).
Goals: <= 0.5x JAX eager and <= 1.0x autograd.

(b) Size of the reverse-mode graph: equations in ``make_graph(grad(loss))``
against ``jax.make_jaxpr(jax.grad(loss))``, for that MLP loss and for a causal
self-attention block, counted recursively into sub-graphs on both sides
(call-like wrappers such as ``pjit`` count as their body).  Goal: no larger
than JAX's.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Callable

import numpy as np

from benchmarks.common import round_robin, table

# -- the programs, written once against a library namespace ---------------------------


def mlp_params(rng: np.random.Generator, depth: int, width: int,
               dtype: Any = np.float32) -> list[tuple[np.ndarray, np.ndarray]]:
    """``depth`` dense layers ``width x width`` (Glorot-ish scale) and zero biases."""
    return [((rng.standard_normal((width, width)) / np.sqrt(width)).astype(dtype),
             np.zeros(width, dtype)) for _ in range(depth)]


def mlp_loss(lib: Any, params: list, x: Any, y: Any) -> Any:
    """tanh after every layer but the last; mean squared error.  ``lib`` is
    tnp, jax.numpy, autograd.numpy or torch: they all have tanh and mean."""
    h = x
    for i, (w, b) in enumerate(params):
        h = h @ w + b
        if i < len(params) - 1:
            h = lib.tanh(h)
    return lib.mean((h - y) ** 2)


def attention_loss(L: Any, p: dict, x: Any) -> Any:
    """One causal single-head self-attention block with output projection and
    residual, then a mean-square loss.  ``L`` has ``np`` and ``nn``."""
    q, k, v = x @ p["wq"], x @ p["wk"], x @ p["wv"]
    s = q @ L.np.swapaxes(k, -1, -2) / float(np.sqrt(q.shape[-1]))  # weak: stays f32
    n = x.shape[0]
    s = L.np.where(L.np.tril(L.np.ones((n, n), dtype=bool)), s, -1e9)
    out = x + (L.nn.softmax(s, axis=-1) @ v) @ p["wo"]
    return L.np.mean(out ** 2)


def attention_params(rng: np.random.Generator, d: int) -> dict:
    return {k: (rng.standard_normal((d, d)) / np.sqrt(d)).astype(np.float32)
            for k in ("wq", "wk", "wv", "wo")}


# -- counting equations recursively ------------------------------------------------------

# Wrappers that only call a body: they count as their body (JAX's pjit around
# jnp functions, custom-derivative calls, remat; graphjit's call).
_CALL_LIKE = {"pjit", "jit", "closed_call", "core_call", "call", "custom_jvp_call",
              "custom_vjp_call", "custom_vjp_call_jaxpr", "remat", "checkpoint"}


def _sub_graphs(value: Any) -> list[Any]:
    """Graphs (graphjit Graph/ClosedGraph, jax Jaxpr/ClosedJaxpr) inside a param value."""
    from jax.extend import core as jcore

    from tracer.ir import ClosedGraph, Graph
    if isinstance(value, (Graph, ClosedGraph, jcore.Jaxpr, jcore.ClosedJaxpr)):
        return [value]
    if isinstance(value, (tuple, list)):
        return [g for v in value for g in _sub_graphs(v)]
    return []


def count_eqns(graph: Any) -> int:
    """Equations of a graphjit graph or a jaxpr, recursively into sub-graphs."""
    eqns = graph.eqns if hasattr(graph, "eqns") else graph.jaxpr.eqns
    n = 0
    for e in eqns:
        prim = e.prim if hasattr(e, "prim") else e.primitive
        subs = [g for v in e.params.values() for g in _sub_graphs(v)]
        n += (0 if prim.name in _CALL_LIKE and subs else 1) + sum(count_eqns(g) for g in subs)
    return n


# -- the benchmark ---------------------------------------------------------------------------


def _torch() -> Any:
    try:
        import torch
    except Exception:  # noqa: BLE001 - any import failure means "skip torch"
        return None
    torch.set_num_threads(1)   # two cores: never two thread pools at once
    return torch


def _eager_variants(depth: int, width: int, batch: int) -> dict[str, Callable[[], Any]]:
    import autograd
    import autograd.numpy as anp
    import jax
    import jax.numpy as jnp

    import tracer.numpy as tnp
    from transforms import grad

    rng = np.random.default_rng(0)
    params = mlp_params(rng, depth, width)
    x = rng.standard_normal((batch, width)).astype(np.float32)
    y = rng.standard_normal((batch, width)).astype(np.float32)

    p_g = [(tnp.asarray(w), tnp.asarray(b)) for w, b in params]
    x_g, y_g = tnp.asarray(x), tnp.asarray(y)
    g_gj = grad(lambda p, x, y: mlp_loss(tnp, p, x, y))

    p_j = [(jnp.asarray(w), jnp.asarray(b)) for w, b in params]
    x_j, y_j = jnp.asarray(x), jnp.asarray(y)
    g_jax = jax.grad(lambda p, x, y: mlp_loss(jnp, p, x, y))

    g_ag = autograd.grad(lambda p, x, y: mlp_loss(anp, p, x, y))

    variants: dict[str, Callable[[], Any]] = {
        "graphjit": lambda: g_gj(p_g, x_g, y_g),
        "jax": lambda: jax.block_until_ready(g_jax(p_j, x_j, y_j)),
        "autograd": lambda: g_ag(params, x, y),
    }
    torch = _torch()
    if torch is not None:
        p_t = [(torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True))
               for w, b in params]
        flat_t = [a for wb in p_t for a in wb]
        x_t, y_t = torch.tensor(x), torch.tensor(y)

        def torch_grad() -> Any:
            return torch.autograd.grad(mlp_loss(torch, p_t, x_t, y_t), flat_t)
        variants["torch"] = torch_grad

    # all variants compute the same gradient (float32 tolerance)
    ref = [np.asarray(a) for wb in variants["autograd"]() for a in wb]
    for name, fn in variants.items():
        out = fn()
        flat = [np.asarray(a.detach() if hasattr(a, "detach") else a) for a in
                (out if name == "torch" else [a for wb in out for a in wb])]
        for a, r in zip(flat, ref):
            np.testing.assert_allclose(a, r, rtol=2e-3, atol=1e-5,
                                       err_msg=f"{name} gradient differs")
    return variants


def _graph_sizes(depth: int, width: int, batch: int, seq: int, d_model: int
                 ) -> list[tuple[str, int, int]]:
    import jax
    import jax.numpy as jnp

    import tracer.nn as gnn
    import tracer.numpy as tnp
    from tracer import make_graph, typecheck
    from transforms import grad

    rng = np.random.default_rng(0)
    params = mlp_params(rng, depth, width)
    x = rng.standard_normal((batch, width)).astype(np.float32)
    y = rng.standard_normal((batch, width)).astype(np.float32)
    gj_l = SimpleNamespace(np=tnp, nn=gnn)
    jx_l = SimpleNamespace(np=jnp, nn=jax.nn)
    ap = attention_params(rng, d_model)
    xa = rng.standard_normal((seq, d_model)).astype(np.float32)

    out = []
    cases = [
        (f"mlp {depth}x{width}", lambda p, x, y: mlp_loss(tnp, p, x, y),
         lambda p, x, y: mlp_loss(jnp, p, x, y), (params, x, y)),
        (f"attention {seq}x{d_model}", lambda p, x: attention_loss(gj_l, p, x),
         lambda p, x: attention_loss(jx_l, p, x), (ap, xa)),
    ]
    for name, f_gj, f_jax, args in cases:
        cg = make_graph(grad(f_gj))(*args)
        typecheck(cg)
        out.append((name, count_eqns(cg.graph),
                    count_eqns(jax.make_jaxpr(jax.grad(f_jax))(*args))))
    return out


def run(depth: int = 8, width: int = 64, batch: int = 32, seq: int = 16, d_model: int = 32,
        repeats: int = 7, number: int = 20) -> tuple[str, dict]:
    """Both parts; returns (printed table, results)."""
    import jax
    jax.config.update("jax_enable_x64", True)   # as the other benchmarks; data is float32

    variants = _eager_variants(depth, width, batch)
    t = round_robin(variants, repeats=repeats, number=number)
    g = t["graphjit"]
    rows = [[name, f"{s * 1e6:.1f}", f"{g / s:.2f}x"] for name, s in t.items()]
    goals = {"jax": 0.5, "autograd": 1.0}
    for r in rows:
        goal = goals.get(r[0])
        r.append(f"<= {goal:.1f}x" if goal is not None else "")
    text = table(f"eager grad, {depth}-layer tanh MLP width {width} batch {batch} float32 "
                 "(us per call)", ["variant", "us/call", "graphjit / it", "goal"], rows)

    sizes = _graph_sizes(depth, width, batch, seq, d_model)
    text += table("reverse-mode graph size (equations, recursive)",
                  ["loss", "graphjit", "jax", "ratio"],
                  [[n, str(a), str(b), f"{a / b:.2f}x"] for n, a, b in sizes])
    results = {"eager_s": t, "ratio_vs": {k: g / v for k, v in t.items() if k != "graphjit"},
               "graph_eqns": {n: {"graphjit": a, "jax": b} for n, a, b in sizes}}
    return text, results
