"""jit results stay on the device until read: the call does not wait for them, they
feed later calls without a host round trip, and reading them gives the values."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tracer.numpy as tnp
from backends import Array
from backends.array import DonatedArrayError
from transforms import jit


def _f(a, b):
    return tnp.sin(a * b)


def test_result_is_device_resident_until_read() -> None:
    f = jit(_f)
    a = np.linspace(0.0, 1.0, 5, dtype=np.float32)
    r = f(a, a + 1)
    assert isinstance(r, Array) and r.is_device_resident
    assert r.device == f"{jax.devices('cpu')[0].platform}:0"
    assert r.shape == (5,) and r.dtype == np.float32
    np.testing.assert_allclose(np.asarray(r), np.sin(a * (a + 1)), rtol=1e-6)
    assert not r.is_device_resident           # read once: the host view is kept
    assert r.block_until_ready() is r


def test_device_results_feed_later_calls_without_a_host_read() -> None:
    f = jit(lambda a, b: _f(a, b))   # a fresh compile log
    fj = jax.jit(lambda a, b: jnp.sin(a * b))
    a = np.linspace(-1.0, 1.0, 4, dtype=np.float32)
    r1, r2 = f(a, a), f(a, a + 1)
    out = r1
    ref = fj(a, a)
    for _ in range(5):
        out = f(out, r2)
        ref = fj(ref, fj(a, a + 1))
    assert r1.is_device_resident and r2.is_device_resident   # never pulled to the host
    assert f.num_compiles == 1
    np.testing.assert_allclose(np.asarray(out), np.asarray(ref), rtol=1e-6)


def test_flat_fast_path_respects_signatures() -> None:
    f = jit(lambda a, b: _f(a, b))   # a fresh compile log
    x4 = f(np.ones(4, np.float32), np.ones(4, np.float32))
    x3 = f(np.ones(3, np.float32), np.ones(3, np.float32))
    assert f.num_compiles == 2
    for _ in range(3):   # hits of the flat cache, one entry per signature
        assert f(x4, x4).shape == (4,) and f(x3, x3).shape == (3,)
    assert f.num_compiles == 2
    x64 = f(np.ones(4), np.ones(4))   # float64: a new signature, not a stale hit
    assert f.num_compiles == 3 and f(x64, x64).dtype == np.float64
    np.testing.assert_allclose(np.asarray(f(x3, x3)), np.sin(np.sin(1.0) ** 2), rtol=1e-6)


def test_pytree_outputs_and_kwargs_still_take_the_general_path() -> None:
    g = jit(lambda a, b: {"s": tnp.sum(a), "p": a * b})
    x = g(np.ones(3), np.ones(3))["p"]
    out = g(x, b=x)
    assert set(out) == {"s", "p"} and float(out["s"]) == 3.0
    out = g(x, x)
    np.testing.assert_allclose(np.asarray(out["p"]), np.ones(3))


def test_eager_ops_read_device_results() -> None:
    f = jit(_f)
    a = np.linspace(0.0, 2.0, 6)
    r = f(a, a)
    np.testing.assert_allclose(np.asarray(tnp.cumsum(r) + r), np.cumsum(np.sin(a * a))
                               + np.sin(a * a))


def test_donating_a_device_resident_result() -> None:
    step = jit(lambda w, g: w - 0.1 * g, donate_argnums=0)
    w = step(np.ones(4), np.ones(4))
    assert w.is_device_resident
    w2 = step(w, np.ones(4))
    np.testing.assert_allclose(np.asarray(w2), np.full(4, 0.8))
    with pytest.raises(DonatedArrayError):
        np.asarray(w)
