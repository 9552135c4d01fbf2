"""Backends: things that run graphs.

* ``numpy_backend``: the reference interpreter and eager engine for host data.
* ``xla``: lowering to StableHLO and the PJRT runtime (loaded on first use).

Importing this package registers the eager executor with ``tracer``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from tracer import tracing as _tracing

from backends.array import Array, DeviceArray, wrap
from backends import numpy_backend
from backends.numpy_backend import impls

_tracing.set_eager_handler(numpy_backend.eager_bind)


def _register_with_tnp() -> None:
    import sys

    from tracer.numpy import _core
    _core._backend = sys.modules[__name__]
    _core._ARRAY[0] = Array
    _core._ARRAY[1] = DeviceArray
    _core._IMPLS.update(impls)


_register_with_tnp()


def devices(platform: str | None = None) -> list[Any]:
    """The XLA devices of ``platform`` (default: the best available, GPU first).

    >>> import backends
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

    >>> import backends
    >>> a = backends.device_put(np.arange(3.0))
    >>> np.asarray(a).dtype
    dtype('float64')
    """
    from backends.xla import runtime
    from backends.xla.eager import committed
    if type(x) is DeviceArray:   # device to device, without a host round trip
        buf = runtime.device_put_buffer(x._buf, device)
    else:
        buf = runtime.device_put(x._value if type(x) is Array else np.asarray(x), device)
    if committed(device):   # eager ops on it run on its device
        out = object.__new__(DeviceArray)
        out._buf = buf
        return out
    out = wrap(np.asarray(buf))
    if device is None or device == runtime.devices()[0]:
        out._buf = buf  # jit reuses buffers on the default device only
    return out


def set_eager_device_execution(mode: str) -> str:
    """Where eager ops on XLA CPU buffers run: ``"auto"`` (default; the NumPy backend,
    which reads them without a copy, while accelerator buffers are ``DeviceArray``s
    whose ops run on their device) or ``"xla"`` (CPU results are ``DeviceArray``s too
    and their ops compile, as on a GPU).  Returns the previous mode.  Affects arrays
    made afterwards.  Also set by ``GRAPHJIT_EAGER_DEVICE_EXECUTION``."""
    from backends.xla.eager import set_eager_device_execution as _set
    return _set(mode)


__all__ = ["Array", "DeviceArray", "default_backend", "device_put", "devices", "impls",
           "numpy_backend", "set_eager_device_execution"]
