"""The one executable cache (``backends.xla.runtime.executable_for``): every path from a
graph to XLA goes through it; equal graphs compile once whichever path meets them first,
different graphs, devices or donations never share an executable, and its counters say
what happened."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import backends
import tracer.numpy as tnp
from backends import DeviceArray
from backends.xla import runtime
from tracer import make_graph
from transforms import grad, jit

jax.config.update("jax_enable_x64", True)


class Counts:
    """Deltas of ``runtime.cache_stats()`` since this object was made."""

    def __init__(self) -> None:
        self.start = runtime.cache_stats()

    def __getitem__(self, name: str) -> int:
        return runtime.cache_stats()[name] - self.start[name]

    def check(self) -> None:
        """Every lookup was compiled, loaded from disk or found in memory."""
        assert self["lookups"] == self["compiles"] + self["disk_hits"] + self["memory_hits"]


def make_f() -> Callable:
    """A fresh function object with the same code each time (as ``jit(lambda ...)`` in a
    loop makes): its own jit caches, the same graph."""
    def f(w: Any, x: Any) -> Any:
        return tnp.sum(tnp.tanh(x @ w) ** 2) + tnp.sum(w * w)
    return f


def scaled(op: Callable, k: float) -> Callable:
    """``op(x) * k`` written on one line: graphs that differ only in ``op`` or ``k`` (or in
    their inputs) have the same source locations."""
    return lambda x: op(x) * k


def identity(x: Any) -> Any:
    return x


def f_jax(w: Any, x: Any) -> Any:
    return jnp.sum(jnp.tanh(x @ w) ** 2) + jnp.sum(w * w)


def data(seed: int = 0, n: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(4, 3)), rng.normal(size=(n, 4))


def test_equal_graphs_compile_once_across_jit_objects() -> None:
    w, x = data(n=11)
    c = Counts()
    f1, f2 = jit(make_f()), jit(make_f())
    np.testing.assert_allclose(float(f1(w, x)), float(f_jax(w, x)), rtol=1e-12)
    np.testing.assert_allclose(float(f2(w, x)), float(f_jax(w, x)), rtol=1e-12)
    assert c["lookups"] == 2 and c["compiles"] == 1 and c["memory_hits"] == 1
    c.check()
    # each function still traced and recorded its own compile, saying where it came from
    assert f1.num_compiles == f2.num_compiles == 1
    assert f1.compile_log[0].executable == "compiled"
    assert f2.compile_log[0].executable == "memory"
    assert f1._cache and f2._cache   # (sanity: both hold an entry)
    e1, e2 = (next(iter(f._cache.values())).executable for f in (f1, f2))
    assert e1 is not e2 and e1.loaded is e2.loaded
    assert "jit_f" in e2.text


def test_equal_graphs_compile_once_across_paths() -> None:
    """``jit(f)``'s executable serves the eager ``call`` of ``grad(jit(f))``'s forward pass
    and the AOT ``.lower().compile()`` of the same signature."""
    w, x = data(1, n=12)
    f = jit(make_f())
    c = Counts()
    f(w, x)
    assert c["compiles"] == 1
    g = grad(f)(w, x)
    np.testing.assert_allclose(np.asarray(g), np.asarray(jax.grad(f_jax)(w, x)), rtol=1e-10)
    assert c["lookups"] == 3 and c["compiles"] == 2 and c["memory_hits"] == 1  # + backward
    compiled = f.lower(w, x).compile()
    assert c["lookups"] == 4 and c["compiles"] == 2 and c["memory_hits"] == 2
    np.testing.assert_allclose(float(compiled(w, x)), float(f_jax(w, x)), rtol=1e-12)
    assert compiled.cost_analysis()["flops"] > 0
    assert compiled.memory_analysis() is not None
    assert "tanh" in compiled.as_hlo_text() and compiled.as_text().startswith("module @jit_f")
    c.check()


def test_eager_grad_of_jit_runs_cached_executables() -> None:
    w, x = data(2, n=13)
    f = jit(make_f())
    grad(f)(w, x)
    c = Counts()
    for seed in range(3):
        w, x = data(seed, n=13)
        got = grad(f)(w, x)
        np.testing.assert_allclose(np.asarray(got), np.asarray(jax.grad(f_jax)(w, x)),
                                   rtol=1e-10)
    assert c["lookups"] == 0 and c["compiles"] == 0   # found by identity: only executed
    for seed in range(2):   # a fresh jit object each time: traced again, never compiled
        grad(jit(make_f()))(*data(seed, n=13))
    assert c["compiles"] == 0 and c["lookups"] == c["memory_hits"] > 0
    c.check()


def test_different_graphs_never_share() -> None:
    x = np.linspace(0.0, 1.0, 14)
    c = Counts()
    outs = [jit(scaled(identity, 2.0))(x), jit(scaled(identity, 3.0))(x),   # literal
            jit(scaled(identity, 2.0))(x.astype(np.float32)),                # dtype
            jit(scaled(identity, 2.0))(x[:7]),                               # shape
            jit(scaled(tnp.sin, 2.0))(x)]                                    # equation
    assert c["compiles"] == 5 and c["memory_hits"] == 0
    jit(scaled(identity, 3.0))(x)   # and the same graph again does share
    assert c["compiles"] == 5 and c["memory_hits"] == 1
    np.testing.assert_allclose(np.asarray(outs[0]), x * 2.0)
    np.testing.assert_allclose(np.asarray(outs[1]), x * 3.0)
    np.testing.assert_allclose(np.asarray(outs[4]), np.sin(x) * 2.0)
    c.check()


def test_donation_is_part_of_the_key() -> None:
    def make() -> Callable:
        return lambda a, b: a * b + 1.0

    a, b = np.linspace(0.0, 1.0, 15), np.linspace(1.0, 2.0, 15)
    c = Counts()
    plain, donating = jit(make()), jit(make(), donate_argnums=0)
    np.testing.assert_allclose(np.asarray(plain(a, b)), a * b + 1.0)
    x = tnp.asarray(a)
    np.testing.assert_allclose(np.asarray(donating(x, b)), a * b + 1.0)
    assert c["compiles"] == 2 and c["memory_hits"] == 0
    assert "tf.aliasing_output" in donating.lower(a, b).as_text()
    assert jit(make(), donate_argnums=0)(a, b) is not None   # the same donation: shared
    assert c["compiles"] == 2 and c["memory_hits"] == 1


def test_closures_share_the_executable_not_the_values() -> None:
    """Top-level consts are arguments: two closures over different arrays of one shape
    share an executable, each with its own values."""
    def make(k: np.ndarray) -> Callable:
        return lambda x: x * k

    x = np.arange(16.0)
    k1, k2 = np.full(16, 2.0), np.full(16, 5.0)
    c = Counts()
    r1, r2 = jit(make(k1))(x), jit(make(k2))(x)
    np.testing.assert_allclose(np.asarray(r1), x * 2.0)
    np.testing.assert_allclose(np.asarray(r2), x * 5.0)
    assert c["compiles"] == 1 and c["memory_hits"] == 1


def test_executable_for_memoizes_by_graph_identity() -> None:
    cg = make_graph(lambda x: tnp.cos(x) + 1.0)(np.ones(17))
    c = Counts()
    e1 = runtime.executable_for(cg, name="memo")
    assert runtime.executable_for(cg, name="other name") is e1   # by identity: no lowering
    assert c["lookups"] == 1
    e2 = runtime.executable_for(cg, donated=(0,))                  # another donation
    assert e2 is not e1 and e2.loaded is not e1.loaded and c["lookups"] == 2
    assert e1.runner() is e1.runner() and e1.runner(committed=True) is not e1.runner()
    out = e1.runner()([np.zeros(17)])
    np.testing.assert_allclose(np.asarray(out[0]), 2.0)
    again = make_graph(lambda x: tnp.cos(x) + 1.0)(np.ones(17))  # another line: own module
    assert runtime.executable_for(again).origin == "compiled"
    c.check()


def test_lru_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "MAX_EXECUTABLES", 2)
    for n in (18, 19, 20):
        jit(scaled(tnp.exp, 2.0))(np.ones(n))
    assert len(runtime._MODULES) == 2
    c = Counts()
    jit(scaled(tnp.exp, 2.0))(np.ones(20))   # the most recent ones are kept
    assert c["memory_hits"] == 1 and c["compiles"] == 0
    jit(scaled(tnp.exp, 2.0))(np.ones(18))   # the oldest went
    assert c["memory_hits"] == 1 and c["compiles"] == 1


def test_eager_device_ops_share_the_cache() -> None:
    prev = backends.set_eager_device_execution("xla")
    try:
        a = backends.device_put(np.linspace(0.0, 1.0, 21))
        assert type(a) is DeviceArray
        c = Counts()
        s1 = tnp.exp(a)
        s2 = tnp.exp(a)   # the same signature: the runner is kept, nothing looked up
        assert type(s1) is DeviceArray and c["lookups"] == 1
        np.testing.assert_allclose(np.asarray(s2), np.exp(np.linspace(0.0, 1.0, 21)))
        c.check()
    finally:
        backends.set_eager_device_execution(prev)


def test_disk_hits_reach_jit_and_its_compile_log(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "_cache_dir_setting", str(tmp_path))
    x = np.linspace(0.0, 1.0, 22)
    c = Counts()
    first = jit(scaled(tnp.sqrt, 4.0))
    first(x)
    assert c["compiles"] == 1 and c["disk_writes"] == 1 and first.disk_cache_hits == 0
    monkeypatch.setattr(runtime, "_MODULES", type(runtime._MODULES)())  # a fresh process
    second = jit(scaled(tnp.sqrt, 4.0))
    np.testing.assert_allclose(np.asarray(second(x)), np.sqrt(x) * 4.0)
    assert c["compiles"] == 1 and c["disk_hits"] == 1 and second.disk_cache_hits == 1
    assert second.compile_log[0].executable == "disk"
    c.check()


def test_numpy_backend_compiles_nothing() -> None:
    c = Counts()
    f = jit(make_f(), backend="numpy")
    f(*data(n=23))
    assert c["lookups"] == 0 and f.compile_log[0].executable == "numpy"


SCRIPT = textwrap.dedent('''
    import numpy as np
    import backends
    from backends.xla import runtime
    from transforms import jit

    d0, d1 = backends.devices()[:2]
    before = runtime.cache_stats()
    r0 = jit(lambda x: x * 2.0, device=d0)(np.ones(3))
    r1 = jit(lambda x: x * 2.0, device=d1)(np.ones(3))
    after = runtime.cache_stats()
    assert after["compiles"] - before["compiles"] == 2, (before, after)
    assert (r0.device, r1.device) == ("cpu:0", "cpu:1"), (r0.device, r1.device)
    np.testing.assert_allclose(np.asarray(r1), 2.0)
    print("ok")
''')


def test_devices_never_share() -> None:
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2",
               GRAPHJIT_EAGER_DEVICE_EXECUTION="xla")
    root = Path(__file__).resolve().parents[2]
    p = subprocess.run([sys.executable, "-c", SCRIPT], cwd=root, env=env,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and p.stdout.strip().endswith("ok"), p.stdout + p.stderr
