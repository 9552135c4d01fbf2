"""JAX values passed to graphjit: the same results as NumPy arrays and graphjit Arrays.

The report: a ``jax.Array`` input to ``jit``/``grad`` raised ``AttributeError:
'ShapedArray' object has no attribute 'strip_weak'`` (JAX's own ``.aval`` was
taken for graphjit's), and a typed key raised ``'KeyTy' object has no attribute
'kind'``.
"""
from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
import pytest

jax.config.update("jax_enable_x64", True)

import backends  # noqa: E402
import tracer.numpy as tnp  # noqa: E402
from tracer.errors import KeyArrayError, ShapeError  # noqa: E402
from transforms import (grad, hessian, jacfwd, jacrev, jit, jvp, value_and_grad,  # noqa: E402
                        vjp, vmap)

W = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])


def loss(x: Any) -> Any:
    return tnp.sum(tnp.tanh(W @ x) ** 2)


def model(x: Any) -> Any:
    return tnp.sin(W @ x) * 2.0


USES: dict[str, Callable[[Any], Any]] = {
    "eager": model,
    "jit": jit(model),
    "jit_numpy_backend": jit(model, backend="numpy"),
    "grad": grad(loss),
    "jit_grad": jit(grad(loss)),
    "value_and_grad": value_and_grad(loss),
    "vmap": lambda x: vmap(model, in_axes=1)(tnp.stack([x, x * 2.0], axis=1)),
    "vmap_raw": lambda x: vmap(lambda r: r * 3.0)(x),
    "jvp": lambda x: jvp(model, (x,), (x,)),
    "vjp": lambda x: vjp(model, x)[1](np.ones(2)),
    "jacfwd": jacfwd(model),
    "jacrev": jacrev(model),
    "hessian": hessian(loss),
    "closure_in_jit": lambda x: jit(lambda s: s * x)(2.0),
    "numpy_ufunc": lambda x: np.sin(tnp.asarray(x)) + x,
}

X = np.array([0.3, -1.2, 0.8])
KINDS = {
    "numpy": lambda x: x,
    "graphjit": backends.Array,
    "jax": jnp.asarray,
}


def leaves(x: Any) -> list[np.ndarray]:
    return [np.asarray(v) for v in jax.tree_util.tree_leaves(x)]


@pytest.mark.parametrize("use", USES)
@pytest.mark.parametrize("kind", ["graphjit", "jax"])
def test_same_results_for_every_input_kind(use: str, kind: str) -> None:
    want = USES[use](KINDS["numpy"](X))
    got = USES[use](KINDS[kind](X))
    for g, w in zip(leaves(got), leaves(want), strict=True):
        assert g.dtype == w.dtype and g.shape == w.shape, (use, kind)
        np.testing.assert_allclose(g, w, rtol=1e-14, err_msg=f"{use} on a {kind} input")


def test_float32_jax_array_stays_float32() -> None:
    x32 = jnp.asarray(X, dtype=jnp.float32)
    assert jit(lambda x: x * 2.0)(x32).dtype == np.float32
    assert grad(lambda x: tnp.sum(x ** 2))(x32).dtype == np.float32


def test_weakly_typed_jax_value_is_an_array() -> None:
    """graphjit follows NumPy: a 0-d array (jax's too) takes part in promotion."""
    w = jnp.asarray(2.0)   # weakly typed in JAX
    np_res = np.ones(3, np.float32) * np.asarray(2.0)
    assert (tnp.ones(3, tnp.float32) * w).dtype == np_res.dtype


def test_graphjit_arrays_convert_to_jax_and_numpy() -> None:
    a = tnp.arange(4.0) * 1.5
    np.testing.assert_array_equal(np.asarray(jnp.asarray(a)), np.arange(4.0) * 1.5)
    np.testing.assert_array_equal(np.asarray(a), np.arange(4.0) * 1.5)
    r = jit(lambda x: x + 1.0)(np.ones(2))     # a device-resident result
    np.testing.assert_array_equal(np.asarray(jnp.asarray(r)), [2.0, 2.0])


def test_typed_key_names_the_line_and_the_fix() -> None:
    key = jax.random.key(0)
    with pytest.raises(KeyArrayError, match="key_data") as e:
        jit(lambda k: k)(key)
    assert "test_jax_inputs.py" in str(e.value)
    with pytest.raises(KeyArrayError, match="key_data"):
        grad(lambda k: 1.0)(key)
    # the raw key data is an ordinary uint32 array
    raw = jax.random.key_data(key)
    np.testing.assert_array_equal(np.asarray(jit(lambda k: k)(raw)), np.asarray(raw))


def test_shape_error_is_a_value_error_too() -> None:
    with pytest.raises(ValueError):
        tnp.ones(3) + tnp.ones(4)
    with pytest.raises(TypeError):
        tnp.ones(3) + tnp.ones(4)
    assert issubclass(ShapeError, ValueError) and issubclass(ShapeError, TypeError)
