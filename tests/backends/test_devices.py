"""backends.devices / default_backend / device_put, and jit reusing a put buffer."""
from __future__ import annotations

import jax
import numpy as np

import backends
import graphjit as gj


def test_devices_and_default_backend_agree_with_jax() -> None:
    devs = backends.devices()
    assert devs and devs[0].platform == jax.devices()[0].platform
    assert backends.default_backend() == jax.default_backend()
    assert gj.devices is backends.devices


def test_device_put_keeps_dtype_and_values() -> None:
    for x in (np.arange(5.0), np.arange(4, dtype=np.int32).reshape(2, 2), np.float64(3.5)):
        a = backends.device_put(x)
        assert isinstance(a, backends.Array)
        np.testing.assert_array_equal(np.asarray(a), x)
        assert a.dtype == np.asarray(x).dtype  # float64 stays float64 (no x64 flag needed)
    a = backends.device_put(backends.device_put(np.ones(3)))  # an Array in: same values
    np.testing.assert_array_equal(np.asarray(a), np.ones(3))


def test_jit_feeds_a_put_buffer_without_copying_it() -> None:
    a = backends.device_put(np.arange(6.0))
    buf = a._buf
    f = gj.jit(lambda x: x * 2.0)
    np.testing.assert_allclose(np.asarray(f(a)), np.arange(6.0) * 2.0)
    np.testing.assert_allclose(np.asarray(f(a)), np.arange(6.0) * 2.0)
    assert a._buf is buf  # the same device buffer was passed both times
    assert f.num_compiles == 1
