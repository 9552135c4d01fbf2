"""Compile StableHLO with the PJRT client in jaxlib and run it.

Every use of jaxlib below its public API lives in this file (DESIGN.md
section 7), so an upgrade touches one place.  Verified with jax/jaxlib 0.10.2:
``client.compile_and_load(module_text, DeviceList, CompileOptions)`` and
``executable.execute_sharded(buffers).disassemble_into_single_device_arrays()``.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

import numpy as np


@functools.lru_cache(maxsize=None)
def client(platform: str | None = None) -> Any:
    """The PJRT client of ``platform`` (default: the best available, GPU first)."""
    from jax.extend import backend as jeb
    if platform is None:
        for p in ("cuda", "rocm", "tpu", "cpu"):
            try:
                return jeb.get_backend(p)
            except RuntimeError:
                continue
    return jeb.get_backend(platform)


def devices(platform: str | None = None) -> list[Any]:
    return list(client(platform).devices())


def compile(module_text: str, device: Any = None, platform: str | None = None) -> Any:
    """Compile a StableHLO module for one device; returns the loaded executable."""
    from jax._src.lib import xla_client as xc
    c = client(platform)
    dev = device if device is not None else c.devices()[0]
    return c.compile_and_load(module_text, xc.DeviceList((dev,)), xc.CompileOptions())


def device_put(x: Any, device: Any = None) -> Any:
    """A device buffer (jaxlib array) holding ``x``, dtype unchanged (float64 stays)."""
    import jax
    with jax.enable_x64(True):
        return jax.device_put(np.asarray(x), device)


def execute(executable: Any, buffers: Sequence[Any]) -> list[Any]:
    """Run on device buffers; returns the output device buffers."""
    res = executable.execute_sharded(list(buffers))
    return [outs[0] for outs in res.disassemble_into_single_device_arrays()]


def run_numpy(executable: Any, args: Sequence[Any], device: Any = None) -> list[np.ndarray]:
    """Convenience for tests: NumPy in, NumPy out."""
    bufs = [device_put(a, device) for a in args]
    return [np.asarray(b) for b in execute(executable, bufs)]


def cost_analysis(executable: Any) -> dict[str, float]:
    """XLA's cost estimate of a compiled executable (``flops``, ``bytes accessed`` ...)."""
    return dict(executable.cost_analysis())


def memory_analysis(executable: Any) -> Any:
    """XLA's memory statistics (argument/output/temp sizes in bytes)."""
    return executable.get_compiled_memory_stats()


def hlo_text(executable: Any) -> str:
    """The optimized HLO of a compiled executable, as text."""
    return "\n\n".join(m.to_string() for m in executable.hlo_modules())


def device_put_many(xs: Sequence[Any], device: Any = None) -> list[Any]:
    """``device_put`` of several values under one x64 scope."""
    import jax
    with jax.enable_x64(True):
        return [jax.device_put(np.asarray(x), device) for x in xs]


def input_putter(avals: Sequence[tuple[tuple[int, ...], np.dtype]],
                 device: Any = None) -> Callable[[Sequence[Any]], list[Any]]:
    """A fast ``device_put`` for a fixed input signature (the jit call path).

    ``jax.device_put`` spends ~100 us per call on generic dispatch; with the
    avals and sharding precomputed, ``xla_client.batched_device_put`` is a few
    microseconds.  Values must already have the signature's dtypes.
    """
    from jax._src import core
    from jax._src.lib import xla_client as xc
    from jax.sharding import SingleDeviceSharding
    dev = device if device is not None else client().devices()[0]
    sharding = SingleDeviceSharding(dev)
    devs = [dev]
    put = xc.batched_device_put
    plan = [(core.ShapedArray(tuple(shape), np.dtype(dtype)), np.dtype(dtype))
            for shape, dtype in avals]
    asarray = np.asarray

    def put_all(xs: Sequence[Any]) -> list[Any]:
        return [put(a, sharding, [asarray(x, dt)], devs, True, enable_x64=True)
                for (a, dt), x in zip(plan, xs)]
    return put_all
