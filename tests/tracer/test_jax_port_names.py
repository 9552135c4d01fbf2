"""Names a JAX program uses through ``jnp`` that must behave the same through ``tnp``:
``tnp.ndarray`` for isinstance checks and annotations, and ``tnp.asarray`` of JAX
values (arrays convert zero-copy; typed PRNG keys raise naming the fix)."""
from __future__ import annotations

import typing
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

jax.config.update("jax_enable_x64", True)

import backends  # noqa: E402
import graphjit as gj  # noqa: E402
import tracer.numpy as tnp  # noqa: E402
from tracer import make_graph  # noqa: E402
from tracer.errors import KeyArrayError  # noqa: E402
from transforms import grad, jit, vmap  # noqa: E402

X = np.array([0.5, -1.0, 2.0])


def _seen(fn: Any, *args: Any) -> list[bool]:
    """Run ``fn``, collecting what ``isinstance(x, tnp.ndarray)`` said inside it."""
    seen: list[bool] = []

    def body(x: Any) -> Any:
        seen.append(isinstance(x, tnp.ndarray))
        return tnp.sum(x * x)
    fn(body)(*args)
    return seen


@pytest.mark.parametrize("transform", [
    lambda f: f, jit, grad, lambda f: vmap(f), lambda f: jit(grad(f)),
    lambda f: make_graph(f),
], ids=["eager", "jit", "grad", "vmap", "jit_grad", "make_graph"])
def test_ndarray_isinstance_inside_every_transform(transform: Any) -> None:
    arg = tnp.asarray(X)
    assert _seen(transform, arg) == [True]


def test_ndarray_instances_and_non_instances() -> None:
    # graphjit's own arrays are, host and device, as are results of tnp functions
    assert isinstance(tnp.zeros(3), tnp.ndarray)
    assert isinstance(tnp.asarray(2.0), tnp.ndarray)
    dev = jit(lambda x: x + 1.0)(X)
    assert isinstance(dev, tnp.ndarray) and isinstance(dev, backends.Array)
    # as in JAX (isinstance(np.zeros(3), jnp.ndarray) is False): NumPy arrays are not
    assert isinstance(np.zeros(3), jnp.ndarray) is False
    assert isinstance(np.zeros(3), tnp.ndarray) is False
    assert isinstance(np.float64(1.0), tnp.ndarray) is False
    assert isinstance(1.0, tnp.ndarray) is False
    assert isinstance([1.0], tnp.ndarray) is False
    # nor another library's arrays: convert them with tnp.asarray
    assert isinstance(jnp.zeros(3), tnp.ndarray) is False
    assert isinstance(tnp.asarray(jnp.zeros(3)), tnp.ndarray)


def test_ndarray_is_a_type_for_issubclass_and_annotations() -> None:
    assert issubclass(backends.Array, tnp.ndarray)
    assert issubclass(backends.DeviceArray, tnp.ndarray)
    assert not issubclass(np.ndarray, tnp.ndarray)
    assert gj.numpy.ndarray is tnp.ndarray

    def f(x: tnp.ndarray, y: tnp.ndarray | None = None) -> tnp.ndarray:
        return x

    hints = typing.get_type_hints(f, globalns={"tnp": tnp})
    assert hints["x"] is tnp.ndarray and hints["return"] is tnp.ndarray
    with pytest.raises(TypeError, match="asarray"):
        tnp.ndarray((3,))


def test_asarray_of_typed_key_names_the_line_and_the_fix() -> None:
    key = jax.random.key(0)
    for conv in (tnp.asarray, tnp.array, lambda k: tnp.asarray(k, dtype=np.uint32)):
        with pytest.raises(KeyArrayError, match=r"jax\.random\.key_data") as e:
            conv(key)
        assert "test_jax_port_names.py" in str(e.value)
    # inside a transformed function, a closed-over key says the same
    with pytest.raises(KeyArrayError, match="key_data"):
        jit(lambda x: x + tnp.asarray(key))(X)
    # KeyArrayError is a TypeError, as NumPy's and JAX's conversion errors are
    with pytest.raises(TypeError):
        tnp.asarray(key)
    # the fix works
    raw = tnp.asarray(jax.random.key_data(key))
    np.testing.assert_array_equal(np.asarray(raw), np.asarray(jax.random.key_data(key)))
    assert raw.dtype == np.uint32


def test_other_conversion_errors_are_unchanged() -> None:
    with pytest.raises(TypeError):
        tnp.asarray(object())
    with pytest.raises((TypeError, ValueError)):
        tnp.asarray("abc", dtype=np.float64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.bool_])
def test_asarray_of_jax_array_is_zero_copy(dtype: Any) -> None:
    j = jnp.asarray(np.arange(6).reshape(2, 3) % 2, dtype=dtype)
    a = tnp.asarray(j)
    assert isinstance(a, backends.Array) and isinstance(a, tnp.ndarray)
    assert a.dtype == np.dtype(dtype) and a.shape == (2, 3)
    np.testing.assert_array_equal(np.asarray(a), np.asarray(j))
    assert np.shares_memory(np.asarray(a), np.asarray(j))
    b = tnp.array(j)
    np.testing.assert_array_equal(np.asarray(b), np.asarray(j))
    # and computes like the NumPy array it holds
    np.testing.assert_array_equal(np.asarray(tnp.diff(a, axis=1)), np.diff(np.asarray(j), axis=1))
