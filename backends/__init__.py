"""Backends: things that run graphs.

* ``numpy_backend``: the reference interpreter and eager engine for host data.
* ``xla``: lowering to StableHLO and the PJRT runtime (loaded on first use).

Importing this package registers the eager executor with ``tracer``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from tracer import tracing as _tracing

from backends.array import Array, DeviceArray, wrap, wrap_view
from backends import numpy_backend
from backends.numpy_backend import impls



class _Eager(_tracing.EagerBackend):
    """What ``tracer`` runs eager primitives with (its one seam, ``set_eager_backend``):
    the NumPy backend for host data, XLA executables for device data."""

    array_types = (Array, DeviceArray)
    bind = staticmethod(numpy_backend.eager_bind)   # type: ignore[assignment]
    binder = staticmethod(numpy_backend.binder)   # type: ignore[assignment]
    wrap = staticmethod(wrap)   # type: ignore[assignment]
    wrap_view = staticmethod(wrap_view)   # type: ignore[assignment]

    @staticmethod
    def device_put(x: Any, device: Any) -> Any:
        return device_put(x, device)

    @staticmethod
    def devices(platform: str | None = None) -> list[Any]:
        return devices(platform)

    @staticmethod
    def from_dlpack(x: Any, copy: bool | None = None) -> DeviceArray:
        """A device buffer's DLPack capsule as a ``DeviceArray`` (it stays on its device)."""
        import jax
        with jax.enable_x64(True):
            buf = jax.dlpack.from_dlpack(x, copy=copy)
        out = object.__new__(DeviceArray)
        out._buf = buf
        return out


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


_tracing.set_eager_backend(_Eager())
