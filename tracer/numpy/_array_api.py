"""The Python Array API standard's extras: devices, the inspection namespace, DLPack.

``tnp`` is NumPy-compatible first; this module adds what the Array API standard
(version ``2024.12``) asks for beyond NumPy's names: ``__array_namespace_info__()``,
``from_dlpack``, the ``device=`` keyword of creation functions and ``astype``,
and ``x.to_device``.

Devices (decisions):

* A device is what ``x.device`` returns: ``"cpu:numpy"`` for host arrays (the
  NumPy backend; what eager ``tnp`` calls return), ``"<platform>:<id>"``
  (``"cpu:0"``, ``"gpu:0"``) for a value held by an XLA device.  A device
  argument also accepts the XLA device objects of ``graphjit.devices()``.
  Anything else is a ``TypeError``.
* ``device=None`` leaves the result where the computation put it (the
  standard's "inferred from the inputs"); another device moves it there with
  ``graphjit.device_put`` (host: a plain ``Array``, no device buffer).
* Traced values have no device: a tracer's ``.device`` is ``None`` (accepted by
  every ``device=``), and ``device=`` under a transformation is checked, then
  ignored: where a traced computation runs is the transformation's choice
  (``jit(..., device=)``), as in ``jax.jit``.
* ``capabilities()`` answers for code that must also run under ``jit``
  (as ``jax.numpy`` does): boolean indexing and data-dependent output shapes
  work eagerly but not under a transformation, so both are ``False``.
* ``dtypes()`` lists the dtypes whose operations graphjit implements: complex
  dtypes are left out until graphjit has real/imag/conj primitives.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from tracer import dtypes
from tracer.ir import user_location
from tracer import tracing as _tracing
from tracer.numpy import _core
from tracer.tracing import Tracer

HOST = "cpu:numpy"


def _is_xla_device(device: Any) -> bool:
    import jax
    return isinstance(device, jax.Device)


def _xla_device(name: str) -> Any:
    """The XLA device called ``"<platform>:<id>"``, or None."""
    platform, _, ident = name.partition(":")
    if not ident.isdigit():
        return None
    try:
        devs = _tracing.eager_backend().devices(platform)
    except Exception:   # an unknown platform name: jaxlib raises RuntimeError
        return None
    return next((d for d in devs if d.id == int(ident)), None)


def resolve_device(device: Any, fn: str) -> Any:
    """``device`` checked: None, :data:`HOST`, or an XLA device object.

    >>> resolve_device(None, "zeros") is None, resolve_device("cpu:numpy", "zeros")
    (True, 'cpu:numpy')
    """
    if device is None or device == HOST:
        return device
    if isinstance(device, str):
        d = _xla_device(device)
        if d is not None:
            return d
    elif _is_xla_device(device):
        return device
    raise TypeError(f"{fn}: device must be None, an array's .device ({HOST!r}, "
                    f"'cpu:0', ...) or one of graphjit.devices(), got {device!r} "
                    f"(at {user_location()})")


def device_of(x: Any) -> Any:
    """``x.device``: :data:`HOST`, ``"<platform>:<id>"``, or None for a traced value."""
    if type(x) is Tracer:
        return None
    return x.device


def place(x: Any, device: Any, fn: str) -> Any:
    """``x`` on ``device`` (checked; None: where it is).  Tracers stay as they are."""
    d = resolve_device(device, fn)
    if d is None or type(x) is Tracer:
        return x
    be = _tracing.eager_backend()
    if not _core.is_array(x):
        x = _core.asarray(x)
    if d == HOST:
        if x.device == HOST:
            return x
        return be.wrap(np.asarray(x))   # (the host values, without the buffer)
    if x.device == f"{d.platform}:{d.id}":
        return x
    return be.device_put(x, d)


def asarray(a: Any, dtype: Any = None, order: Any = None, *, device: Any = None,
            copy: Any = None) -> Any:
    """Convert ``a`` to an array (a tracer stays a tracer), like ``np.asarray``;
    ``device=`` places it (the Array API's keyword).

    >>> asarray([1.0, 2.0]).dtype
    dtype('float64')
    """
    out = _core.asarray(a, dtype, order, copy=copy)
    return out if device is None else place(out, device, "asarray")


def to_device(x: Any, device: Any, /, *, stream: Any = None) -> Any:
    """``x.to_device(device)``: ``x`` on ``device`` (see the module docstring); None
    (a traced value's ``.device``) leaves ``x`` where it is.

    >>> import tracer.numpy as tnp
    >>> tnp.arange(3).to_device("cpu:numpy").device
    'cpu:numpy'
    """
    if stream is not None:
        raise ValueError(f"to_device: stream must be None, got {stream!r} (graphjit "
                         f"synchronizes transfers itself) (at {user_location()})")
    return place(x, device, "to_device")   # (None: a tracer's .device, x stays)


def from_dlpack(x: Any, /, *, device: Any = None, copy: bool | None = None) -> Any:
    """An Array holding the data of ``x``, any object with ``__dlpack__`` (a NumPy
    array, a ``jax.Array``, a torch tensor, a graphjit Array): zero-copy where the
    producer allows it (``copy=None``), a copy with ``copy=True``.

    Host (CPU) data becomes a host ``Array`` viewing the producer's memory; device
    data (a GPU buffer) a ``DeviceArray`` on that device.

    >>> import numpy as np
    >>> from_dlpack(np.arange(3.0)).tolist()
    [0.0, 1.0, 2.0]
    """
    if type(x) is Tracer:
        raise TypeError(f"from_dlpack: a traced value has no buffer to share; use it "
                        f"directly (at {user_location()})")
    if not hasattr(x, "__dlpack__"):
        raise TypeError(f"from_dlpack: {type(x).__name__} does not implement __dlpack__ "
                        f"(at {user_location()})")
    be = _tracing.eager_backend()
    if _core.is_array(x):
        out = be.wrap(np.array(x, copy=True)) if copy else x
        return place(out, device, "from_dlpack")
    kind, _ = x.__dlpack_device__()
    if int(kind) == 1:   # kDLCPU
        v = np.from_dlpack(x, copy=copy)
        out = be.wrap_view(v) if not copy else be.wrap(v)
        return place(out, device, "from_dlpack")
    # a device buffer: the backend imports it without leaving the device
    return place(be.from_dlpack(x, copy), device, "from_dlpack")


# -- the inspection namespace --------------------------------------------------------

_KINDS = {
    "bool": ("bool",),
    "signed integer": ("int8", "int16", "int32", "int64"),
    "unsigned integer": ("uint8", "uint16", "uint32", "uint64"),
    "integral": ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"),
    "real floating": ("float32", "float64"),
    "complex floating": (),
}
_KINDS["numeric"] = _KINDS["integral"] + _KINDS["real floating"]


class ArrayNamespaceInfo:
    """What ``tnp.__array_namespace_info__()`` returns: the Array API's inspection
    namespace (capabilities, devices, dtypes), with graphjit's NumPy defaults
    (float64, int64).

    >>> info = ArrayNamespaceInfo()
    >>> info.default_dtypes()["real floating"], info.default_device()
    (dtype('float64'), 'cpu:numpy')
    """

    __module__ = "tracer.numpy"

    def capabilities(self) -> dict[str, Any]:
        """Boolean indexing and data-dependent shapes work eagerly, not under ``jit``:
        both ``False`` (as ``jax.numpy``'s)."""
        return {"boolean indexing": False, "data-dependent shapes": False,
                "max dimensions": 64}

    def default_device(self) -> str:
        """Where eager ``tnp`` results live: host memory (the NumPy backend)."""
        return HOST

    def devices(self) -> list[Any]:
        """The host, then the XLA devices (``graphjit.devices()``), as ``x.device``
        names them."""
        return [HOST] + [f"{d.platform}:{d.id}" for d in _tracing.eager_backend().devices()]

    def default_dtypes(self, *, device: Any = None) -> dict[str, np.dtype]:
        """NumPy's defaults, float64 and int64 (their 32-bit forms in 32-bit mode)."""
        resolve_device(device, "default_dtypes")
        f, c, i = (dtypes.canonical(np.dtype(t)) for t in (np.float64, np.complex128,
                                                           np.int64))
        return {"real floating": f, "complex floating": c, "integral": i, "indexing": i}

    def dtypes(self, *, device: Any = None,
               kind: str | tuple[str, ...] | None = None) -> dict[str, np.dtype]:
        """The dtypes graphjit supports (of ``kind``: a kind name or a tuple of them)."""
        resolve_device(device, "dtypes")
        if kind is None:
            names: tuple[str, ...] = ("bool",) + _KINDS["numeric"]
        elif isinstance(kind, tuple):
            names = tuple(n for k in kind for n in self._kind(k))
        else:
            names = self._kind(kind)
        return {n: np.dtype(n) for n in dict.fromkeys(names)}

    @staticmethod
    def _kind(kind: str) -> tuple[str, ...]:
        try:
            return _KINDS[kind]
        except (KeyError, TypeError):
            raise ValueError(f"unsupported dtype kind {kind!r}; expected one of "
                             f"{sorted(_KINDS)} or a tuple of them") from None


def __array_namespace_info__() -> ArrayNamespaceInfo:
    """The Array API inspection namespace of ``tnp``.

    >>> __array_namespace_info__().capabilities()["boolean indexing"]
    False
    """
    return ArrayNamespaceInfo()
