"""``jit`` under eager ``grad``/``jvp``/``vmap``: the ``call`` equations it binds run
compiled (forward, tangent, backward and batched graphs), once per signature, and
agree with JAX."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tracer.numpy as tnp
from backends.xla import runtime
from tracer import make_graph, typecheck
from transforms import grad, jit, jvp, value_and_grad, vmap

jax.config.update("jax_enable_x64", True)


def _lookups() -> int:
    """Graphs the runtime lowered and looked up (a graph object seen before is not)."""
    return runtime.cache_stats()["lookups"]


def _loss(lib):
    def f(w, x):
        return lib.sum(lib.tanh(x @ w) ** 2) + lib.sum(w * w)
    return f


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(4, 3)), rng.normal(size=(5, 4))


def test_grad_of_jit_compiles_forward_and_backward_once():
    f = jit(_loss(tnp))
    w, x = _data()
    before = _lookups()
    for seed in range(3):
        w, x = _data(seed)
        got = grad(f)(w, x)
        want = jax.grad(jax.jit(_loss(jnp)))(w, x)
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-10)
    assert _lookups() - before == 2   # the forward and the backward graph


def test_value_and_grad_of_jit_both_arguments():
    f = jit(_loss(tnp))
    w, x = _data(1)
    v, (gw, gx) = value_and_grad(f, argnums=(0, 1))(w, x)
    vj, (gwj, gxj) = jax.value_and_grad(jax.jit(_loss(jnp)), argnums=(0, 1))(w, x)
    np.testing.assert_allclose(float(v), float(vj), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(gw), np.asarray(gwj), rtol=1e-10)
    np.testing.assert_allclose(np.asarray(gx), np.asarray(gxj), rtol=1e-10)


def test_jvp_and_vmap_of_jit_compile_their_graphs_once():
    f = jit(lambda x: tnp.sin(x) * tnp.exp(-x))
    fj = jax.jit(lambda x: jnp.sin(x) * jnp.exp(-x))
    x, t = np.linspace(0, 2, 7), np.ones(7)
    before = _lookups()
    for _ in range(2):
        p, tan = jvp(f, (x,), (t,))
        pj, tj = jax.jvp(fj, (x,), (t,))
        np.testing.assert_allclose(np.asarray(p), np.asarray(pj), rtol=1e-12)
        np.testing.assert_allclose(np.asarray(tan), np.asarray(tj), rtol=1e-12)
    assert _lookups() - before == 2   # primal and tangent graphs
    xs = np.linspace(0, 1, 12).reshape(3, 4)
    before = _lookups()
    for _ in range(2):
        np.testing.assert_allclose(np.asarray(vmap(f)(xs)), np.asarray(jax.vmap(fj)(xs)),
                                   rtol=1e-12)
    assert _lookups() - before == 1   # the batched graph


def test_second_order_through_jit():
    f = jit(lambda x: tnp.sum(tnp.sin(x) ** 3))
    fj = jax.jit(lambda x: jnp.sum(jnp.sin(x) ** 3))
    x = np.linspace(-1, 1, 5)
    np.testing.assert_allclose(np.asarray(grad(lambda x: tnp.sum(grad(f)(x)))(x)),
                               np.asarray(jax.grad(lambda x: jnp.sum(jax.grad(fj)(x)))(x)),
                               rtol=1e-10)


def test_numpy_backend_jit_does_not_compile():
    f = jit(_loss(tnp), backend="numpy")
    w, x = _data(2)
    before = _lookups()
    got = grad(f)(w, x)
    assert _lookups() == before
    np.testing.assert_allclose(np.asarray(got), np.asarray(jax.grad(_loss(jnp))(w, x)),
                               rtol=1e-10)


def test_recorded_grad_of_jit_holds_a_compiled_backward_call():
    f = jit(_loss(tnp))
    w, x = _data(3)
    cg = make_graph(grad(f))(w, x)
    typecheck(cg.graph)
    names = [e.params["name"] for e in cg.graph.eqns if e.prim.name == "call"]
    assert any(n.startswith("transpose(") for n in names), names
    for e in cg.graph.eqns:
        if e.prim.name == "call":
            typecheck(e.params["graph"].graph)


@pytest.mark.parametrize("closure", [False, True])
def test_jit_closing_over_an_outer_tracer(closure):
    # the graph of an inner jit that captured grad's tracer is not reused across calls
    def outer(s):
        g = jit(lambda x: tnp.sin(x * s)) if closure else jit(lambda x, s: tnp.sin(x * s))
        return tnp.sum(g(np.arange(3.0)) if closure else g(np.arange(3.0), s))

    def outer_j(s):
        return jnp.sum(jnp.sin(jnp.arange(3.0) * s))

    for s in (0.5, 1.5):
        np.testing.assert_allclose(float(grad(outer)(s)), float(jax.grad(outer_j)(s)),
                                   rtol=1e-12)
