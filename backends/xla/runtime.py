"""Compile StableHLO with the PJRT client in jaxlib and run it.

Every use of jaxlib below its public API lives in this file (DESIGN.md
section 7), so an upgrade touches one place.  Verified with jax/jaxlib 0.10.2:
``client.compile_and_load(module_text, DeviceList, CompileOptions)`` and
``executable.execute_sharded(buffers).disassemble_into_single_device_arrays()``.
"""
from __future__ import annotations

import functools
from typing import Any, Sequence

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
