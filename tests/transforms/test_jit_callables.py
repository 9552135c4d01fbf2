"""``jit`` of any callable, and caches that belong to the function.

The reports, as users wrote them: ``jit(functools.partial(f, ...))`` and ``jit``
of a ``vjp`` function crashed (``'Jitted' object has no attribute '__name__'``),
and ``jit(f)(x)`` written inline compiled on every call (the "common gotchas"
notebook printed a different count than JAX).
"""
from __future__ import annotations

import functools
import gc
import weakref

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)

import tracer.numpy as tnp  # noqa: E402
from transforms import grad, jit, vjp, vmap  # noqa: E402


def scaled_sin(x, a):
    return tnp.sin(x) * a


def test_jit_of_partial() -> None:
    f = jit(functools.partial(scaled_sin, a=2.0))
    x = np.array([0.3, 1.2])
    np.testing.assert_allclose(np.asarray(f(x)), np.sin(x) * 2.0)
    assert f.__name__ == "scaled_sin" and "scaled_sin" in repr(f)
    assert "jit_scaled_sin" in f.lower(x).as_text()
    # and under the other transforms
    np.testing.assert_allclose(np.asarray(grad(lambda x: tnp.sum(f(x)))(x)), 2 * np.cos(x))
    np.testing.assert_allclose(np.asarray(vmap(f)(x[:, None])), np.sin(x[:, None]) * 2.0)


def test_jit_of_vjp_function() -> None:
    x = np.array([0.3, 1.2])
    _, pullback = vjp(lambda x: tnp.sin(x) * x, x)
    (got,) = jit(pullback)(np.ones(2))
    _, j_pullback = jax.vjp(lambda x: jax.numpy.sin(x) * x, x)
    (want,) = j_pullback(np.ones(2))
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-13)


def test_jit_of_callable_object() -> None:
    class Model:
        def __call__(self, x):
            return tnp.tanh(x) + 1.0

    f = jit(Model())
    assert f.__name__ == "Model"
    np.testing.assert_allclose(np.asarray(f(np.zeros(2))), np.ones(2))


def test_inline_jit_compiles_once() -> None:
    def step(x):
        return tnp.cos(x) * 2.0

    x = np.ones(3)
    for _ in range(5):
        y = jit(step)(x)
    np.testing.assert_allclose(np.asarray(y), np.cos(x) * 2.0)
    assert jit(step).num_compiles == 1
    # other options are another compiled function; the same options share it again
    assert jit(step, backend="numpy").num_compiles == 0
    jit(step, backend="numpy")(x)
    assert jit(step, backend="numpy").num_compiles == 1
    assert jit(step, static_argnums=()).num_compiles == 1
    # a new signature compiles once more, for every jit(step) alike
    jit(step)(np.ones(4))
    assert jit(step).num_compiles == 2


def test_function_caches_go_with_the_function() -> None:
    """The caches hold their function weakly: it is freed when the user drops it."""
    def make():
        def f(x):
            return x + 1.0
        return f

    f = make()
    jit(f)(np.ones(2))
    ref = weakref.ref(f)
    del f
    gc.collect()
    assert ref() is None


def test_clear_cache_recompiles() -> None:
    def g(x):
        return x * 3.0

    jit(g)(np.ones(2))
    jit(g).clear_cache()
    jit(g)(np.ones(2))
    assert jit(g).num_compiles == 2
