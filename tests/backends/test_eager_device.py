"""Computation follows data: eager ops on ``DeviceArray``s run on their device
through cached single-primitive executables (tested on the XLA CPU device, with
``set_eager_device_execution("xla")``, as they run on a GPU)."""
from __future__ import annotations

import numpy as np
import pytest

import backends
import tracer.numpy as tnp
from backends import Array, DeviceArray
from backends.xla import eager, runtime
from tracer import lax
from tracer.errors import ShapeError
from transforms import grad, jit

HERE = __file__.rsplit("/", 1)[-1]


@pytest.fixture
def on_device():
    prev = backends.set_eager_device_execution("xla")
    yield
    backends.set_eager_device_execution(prev)


def _line_of(marker: str) -> int:
    with open(__file__) as f:
        return next(i for i, s in enumerate(f, 1) if marker in s and "_line_of" not in s)


OPS = [
    ("sin", lambda m, a, b: m.sin(a)),
    ("add", lambda m, a, b: a + b),
    ("scalar", lambda m, a, b: 2.0 * a - 1.0),
    ("matmul", lambda m, a, b: a @ b.T),
    ("sum axis", lambda m, a, b: m.sum(a, axis=1)),
    ("mean", lambda m, a, b: m.mean(a)),
    ("reshape", lambda m, a, b: m.reshape(a, (4, 3))),
    ("concatenate", lambda m, a, b: m.concatenate([a, b], axis=1)),
    ("where", lambda m, a, b: m.where(a > b, a, b)),
    ("index", lambda m, a, b: a[1:, ::2]),
    ("int index", lambda m, a, b: a[np.array([2, 0])]),
    ("cumsum", lambda m, a, b: m.cumsum(a, axis=0)),
    ("argmax", lambda m, a, b: m.argmax(a, axis=1)),
    ("sort", lambda m, a, b: m.sort(b, axis=1)),
    ("transpose", lambda m, a, b: a.T * 3),
    ("astype", lambda m, a, b: a.astype(np.float32)),
]


@pytest.mark.parametrize("name,op", OPS, ids=[o[0] for o in OPS])
def test_eager_op_on_device_arrays_matches_numpy(on_device, name, op):
    rng = np.random.default_rng(1)
    a_np, b_np = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    a, b = backends.device_put(a_np), backends.device_put(b_np)
    assert type(a) is DeviceArray
    want = np.asarray(op(np, a_np, b_np))
    got = op(tnp, a, b)
    assert type(got) is DeviceArray, type(got)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12, atol=1e-12)
    n = runtime.cache_stats()["lookups"]
    op(tnp, a, b)                       # the same signature: executables are reused
    assert runtime.cache_stats()["lookups"] == n


def test_jit_results_feed_device_ops_and_grad(on_device):
    f = jit(lambda x: tnp.tanh(x) * 2.0)
    r = f(np.linspace(-1, 1, 5))
    assert type(r) is DeviceArray and r.is_device_resident
    s = tnp.exp(r) + 1.0
    assert type(s) is DeviceArray
    np.testing.assert_allclose(np.asarray(s), np.exp(2 * np.tanh(np.linspace(-1, 1, 5))) + 1)
    g = grad(lambda x: tnp.sum(f(x) ** 2))(np.linspace(-1, 1, 5))
    x = np.linspace(-1, 1, 5)
    np.testing.assert_allclose(np.asarray(g), 8 * np.tanh(x) * (1 - np.tanh(x) ** 2),
                               rtol=1e-12)


def test_host_operands_join_the_device(on_device):
    d = backends.device_put(np.arange(3.0))
    h = tnp.asarray(np.ones(3))
    out = d * h + np.full(3, 2.0)
    assert type(out) is DeviceArray
    np.testing.assert_allclose(np.asarray(out), np.arange(3.0) + 2)


def test_control_flow_on_device(on_device):
    d = backends.device_put(np.arange(4.0))
    c, ys = lax.scan(lambda c, x: (c + x, c * x), backends.device_put(np.float64(0.0)), d)
    np.testing.assert_allclose(float(c), 6.0)
    np.testing.assert_allclose(np.asarray(ys), [0.0, 0.0, 2.0, 9.0])


def test_shape_error_on_device_names_the_users_line(on_device):
    a, b = backends.device_put(np.ones((2, 3))), backends.device_put(np.ones((4, 5)))
    with pytest.raises((ShapeError, ValueError)) as e:
        a @ b  # device shape error line
    assert f"{HERE}:{_line_of('# device shape error line')}" in str(e.value)


def test_mixing_devices_is_an_error(on_device, monkeypatch):
    a, b = backends.device_put(np.ones(3)), backends.device_put(np.ones(3))

    class FakeDevice:
        def __init__(self, i):
            self.platform, self.id = "gpu", i

    fake = {id(a._buf): FakeDevice(0), id(b._buf): FakeDevice(1)}
    monkeypatch.setattr(eager, "device_of", lambda buf: fake[id(buf)])
    with pytest.raises(eager.DeviceMismatchError) as e:
        tnp.add(a, b)  # mixed devices line
    msg = str(e.value)
    assert "gpu:0" in msg and "gpu:1" in msg and "device_put" in msg
    assert f"{HERE}:{_line_of('# mixed devices line')}" in msg


def test_auto_mode_keeps_cpu_results_on_the_numpy_backend():
    prev = backends.set_eager_device_execution("auto")
    try:
        r = jit(lambda x: x + 1)(np.ones(2))
        assert type(r) is Array and r.device == "cpu:0"
        n = runtime.cache_stats()["lookups"]
        s = tnp.sin(r)
        assert type(s) is Array and runtime.cache_stats()["lookups"] == n
    finally:
        backends.set_eager_device_execution(prev)
    with pytest.raises(ValueError, match="auto"):
        backends.set_eager_device_execution("gpu")


def test_dlpack_exports_the_device_buffer(on_device):
    d = backends.device_put(np.arange(4.0))
    assert d.__dlpack_device__() == d._buf.__dlpack_device__()
    np.testing.assert_array_equal(np.from_dlpack(d), np.arange(4.0))
    assert d.is_device_resident   # exported without a host read


def test_grad_of_jit_keeps_device_results_on_the_device(on_device):
    f = jit(lambda x: tnp.sin(x) * x)
    x = backends.device_put(np.linspace(0, 1, 4))
    g = grad(lambda x: tnp.sum(f(x)))(x)
    assert type(g) is DeviceArray
    np.testing.assert_allclose(np.asarray(g), np.cos(np.linspace(0, 1, 4)) * np.linspace(0, 1, 4)
                               + np.sin(np.linspace(0, 1, 4)), rtol=1e-12)


def test_device_array_constructor_puts_on_the_device():
    d = DeviceArray([1.0, 2.0])
    assert d.is_device_resident and d.dtype == np.float64 and d.shape == (2,)
    assert type(tnp.sin(d)) is DeviceArray   # (whatever the mode: its type says where)
    np.testing.assert_allclose(np.asarray(DeviceArray(d)), [1.0, 2.0])
