"""Backends: things that run graphs.

* ``numpy_backend``: the reference interpreter and eager engine for host data.
* ``xla``: lowering to StableHLO and the PJRT runtime (loaded on first use).

Importing this package registers the eager executor with ``tracer``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from tracer import tracing as _tracing

from backends.array import Array, wrap
from backends import numpy_backend
from backends.numpy_backend import impls

_tracing.set_eager_handler(numpy_backend.eager_bind)


def _register_with_tnp() -> None:
    import sys

    from tracer.numpy import _core
    _core._backend = sys.modules[__name__]
    _core._ARRAY[0] = Array
    _core._IMPLS.update(impls)


_register_with_tnp()


def devices(platform: str | None = None) -> list[Any]:
    """The XLA devices of ``platform`` (default: the best available, GPU first).

    >>> backends.devices()[0].platform in ("cpu", "gpu", "cuda", "tpu", "rocm")
    True
    """
    from backends.xla import runtime
    return runtime.devices(platform)


def default_backend() -> str:
    """The platform ``jit`` compiles for by default (``"cpu"``, ``"cuda"``/``"gpu"``, ...)."""
    from backends.xla import runtime
    return str(runtime.client().platform)


def device_put(x: Any, device: Any = None) -> Array:
    """``x`` as an ``Array`` whose values are also held on ``device`` (default: the
    default device); ``jit`` then feeds that buffer to its executables without a copy.

    The dtype is kept (float64 stays float64, unlike ``jax.device_put`` without x64).

    >>> a = backends.device_put(np.arange(3.0))
    >>> np.asarray(a).dtype
    dtype('float64')
    """
    from backends.xla import runtime
    value = x._value if type(x) is Array else np.asarray(x)
    buf = runtime.device_put(value, device)
    out = wrap(np.asarray(buf))
    if device is None or device == runtime.devices()[0]:
        out._buf = buf  # jit reuses buffers on the default device only
    return out


__all__ = ["Array", "default_backend", "device_put", "devices", "impls", "numpy_backend"]
