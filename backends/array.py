"""``backends.Array``: what eager graphjit calls return.

Host-resident and NumPy-backed: ``np.asarray(a)`` is zero-copy (a read-only
view of the buffer: arrays are immutable, update them with ``a.at[i].set``).
It has the tracer's methods, operators and ``.at[]`` (from
``tracer.numpy.ArrayMethods``), so code behaves the same eagerly and under
every transform.  Device-resident buffers come with the XLA backend.
"""
from __future__ import annotations

import operator
from typing import Any, Iterator

import numpy as np

from jax import tree_util

from tracer.errors import GraphjitError, UnsupportedError
from tracer.ir import ShapedArray, strong_aval, user_location
from tracer.numpy import ArrayMethods
from tracer.tracing import Tracer


class Array(ArrayMethods):
    """An immutable array computed by graphjit (host memory, NumPy-backed).

    >>> import tracer.numpy as tnp
    >>> a = tnp.arange(3.0) * 2
    >>> a
    Array([0., 2., 4.], dtype=float64)
    """

    # ``_buf`` (often unset): a device buffer (jaxlib array) holding the same values,
    # kept by ``jit`` so an Array passed again is not copied to the device again.
    __slots__ = ("_value", "_donated", "_buf")
    __array_priority__ = 100
    __hash__ = None  # type: ignore[assignment]

    def __getattr__(self, name: str) -> Any:
        # Only reached when a slot is empty.  ``_value`` is empty in a device-resident
        # result of ``jit`` (only ``_buf`` is set: the call did not wait for the device)
        # until first read, and after ``mark_donated``.
        if name == "_buf" and _is_donated(self):
            name = "_value"   # (explained below)
        if name == "_value":
            if _is_donated(self):
                raise DonatedArrayError(
                    f"this Array was donated to {_donated_slot.__get__(self, Array)} and its "
                    f"buffer may have been reused; it cannot be used anymore (used at "
                    f"{user_location()}). Keep a copy, or drop the argument from "
                    f"donate_argnums")
            try:
                buf = _buf_slot.__get__(self, Array)
            except AttributeError:
                pass
            else:
                v = np.asarray(buf)   # waits for the device; zero-copy from a CPU buffer
                if v.flags.writeable:
                    v = v.view()
                    v.flags.writeable = False
                _value_slot.__set__(self, v)
                return v
        raise AttributeError(f"'Array' object has no attribute {name!r}")

    def __init__(self, value: Any):
        v = np.array(value, copy=True)
        v.flags.writeable = False
        self._value = v

    @property
    def aval(self) -> ShapedArray:
        v = self._value
        return strong_aval(v.shape, v.dtype)

    # (C getters: these are read on every eager op, by tnp's shortcuts)
    shape = property(operator.attrgetter("_value.shape"), doc="The shape.")
    dtype = property(operator.attrgetter("_value.dtype"), doc="The NumPy dtype.")
    ndim = property(operator.attrgetter("_value.ndim"), doc="The number of dimensions.")
    size = property(operator.attrgetter("_value.size"), doc="The number of elements.")

    @property
    def weak_type(self) -> bool:
        return False

    @property
    def device(self) -> str:
        """Where the values live: ``"cpu:numpy"`` (host memory, the NumPy backend), or
        the XLA device holding a buffer of them (``"cpu:0"``, ``"cuda:0"``, ...)."""
        try:
            d = _buf_slot.__get__(self, Array).devices()
        except AttributeError:
            return "cpu:numpy"
        d = next(iter(d))
        return f"{d.platform}:{d.id}"

    @property
    def is_device_resident(self) -> bool:
        """True while the values are only on the device (not yet read on the host)."""
        try:
            _value_slot.__get__(self, Array)
        except AttributeError:
            return not _is_donated(self)
        return False

    def block_until_ready(self) -> Array:
        """Wait until the device has computed this Array (as ``jax.Array``'s)."""
        try:
            buf = _buf_slot.__get__(self, Array)
        except AttributeError:
            return self
        buf.block_until_ready()
        return self

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        v = self._value
        if dtype is not None and np.dtype(dtype) != v.dtype:
            return v.astype(dtype)
        if copy:
            return v.copy()
        if v.flags.writeable:  # hand out a read-only view: the Array stays immutable
            v = v.view()
            v.flags.writeable = False
        return v

    def __dlpack__(self, *, stream: Any = None, max_version: tuple[int, int] | None = None,
                   dl_device: Any = None, copy: bool | None = None) -> Any:
        """Export the host buffer (DLPack): zero-copy and flagged read-only for
        consumers of DLPack >= 1.0 (``max_version``); the older protocol cannot
        say read-only, so those consumers (``jax.numpy.from_dlpack``) get a copy
        unless ``copy=False``, which raises ``BufferError`` as NumPy does."""
        v = self._value
        if (max_version is None or max_version[0] < 1) and not v.flags.writeable:
            if copy is False:
                raise BufferError("this graphjit Array is read-only and the consumer's "
                                  "DLPack version cannot flag that: pass copy=None/True")
            return v.copy().__dlpack__(stream=stream, dl_device=dl_device)
        return v.__dlpack__(stream=stream, max_version=max_version, dl_device=dl_device,
                            copy=copy)

    def __dlpack_device__(self) -> tuple[int, int]:
        return self._value.__dlpack_device__()

    def __repr__(self) -> str:
        name = type(self).__name__   # Array or DeviceArray
        r = np.array2string(self._value, separator=", ", prefix=f"{name}(")
        return f"{name}({r}, dtype={self._value.dtype.name})"

    def __str__(self) -> str:
        return str(self._value)

    def __format__(self, spec: str) -> str:
        """``f"{loss:.2f}"``: a 0-d array formats as its scalar does (as NumPy's and
        JAX's do); other arrays take NumPy's ``ndarray.__format__``."""
        v = self._value
        return format(v[()] if v.ndim == 0 else v, spec)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __int__(self) -> int:
        return int(self._value)

    def __float__(self) -> float:
        return float(self._value)

    def __complex__(self) -> complex:
        return complex(self._value)

    def __index__(self) -> int:
        return self._value.__index__()

    def __len__(self) -> int:
        return len(self._value)

    def __iter__(self) -> Iterator[Array]:
        if self._value.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        for row in self._value:
            yield wrap(row)

    def item(self, *args: Any) -> Any:
        return self._value.item(*args)

    def tolist(self) -> Any:
        return self._value.tolist()

    def __setitem__(self, idx: Any, value: Any) -> None:
        raise TypeError(
            "graphjit arrays are immutable; instead of `x[idx] = y` write "
            "`x = x.at[idx].set(y)`")

    # NumPy functions graphjit does not implement still accept concrete arrays:
    # they get the NumPy values (and return NumPy results), as for any array-like.
    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        try:
            return ArrayMethods.__array_function__(self, func, types, args, kwargs)
        except UnsupportedError:
            if _has_tracer((args, kwargs)):
                raise
            return func(*_to_numpy(args), **_to_numpy(kwargs))

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        try:
            return ArrayMethods.__array_ufunc__(self, ufunc, method, *inputs, **kwargs)
        except UnsupportedError:
            if _has_tracer((inputs, kwargs)):
                raise
            return getattr(ufunc, method)(*_to_numpy(inputs), **_to_numpy(kwargs))

    def __reduce__(self) -> tuple:
        return (Array, (self._value,))


class DeviceArray(Array):
    """An ``Array`` committed to an XLA device: eager ops on it run on that device,
    through cached single-primitive executables (computation follows data), and its
    values come to the host only when read (``np.asarray``, printing, ``.tolist()``).

    ``jit`` results and ``device_put`` values are DeviceArrays on accelerators (and
    on the XLA CPU device with ``backends.set_eager_device_execution("xla")``); XLA
    CPU buffers are host memory, so by default ops on them run on the NumPy backend.
    """

    __slots__ = ()
    on_device = True   # (the class says so: tracing reads avals without a host read)

    def __init__(self, value: Any, device: Any = None):
        from backends.xla import runtime
        if isinstance(value, DeviceArray):
            self._buf = runtime.device_put_buffer(value._buf, device)
        else:
            self._buf = runtime.device_put(np.asarray(value), device)

    # Shape and dtype come from the device buffer: no wait for the values.
    @property
    def aval(self) -> ShapedArray:
        b = self._buf
        return ShapedArray(tuple(b.shape), np.dtype(b.dtype))

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._buf.shape)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self._buf.dtype)

    @property
    def ndim(self) -> int:
        return self._buf.ndim

    @property
    def size(self) -> int:
        return self._buf.size

    def __dlpack__(self, *args: Any, **kwargs: Any) -> Any:
        return self._buf.__dlpack__(*args, **kwargs)   # the device buffer, not a host copy

    def __dlpack_device__(self) -> tuple[int, int]:
        return self._buf.__dlpack_device__()

    def __reduce__(self) -> tuple:
        return (Array, (self._value,))


class DonatedArrayError(GraphjitError, RuntimeError):
    """An ``Array`` was used after it was donated to a jitted call (``donate_argnums``)."""


_donated_slot = Array.__dict__["_donated"]
_buf_slot = Array.__dict__["_buf"]
_value_slot = Array.__dict__["_value"]


def _is_donated(a: Array) -> bool:
    try:
        _donated_slot.__get__(a, Array)
    except AttributeError:
        return False
    return True


def mark_donated(a: Array, where: str) -> None:
    """Invalidate ``a``: it was donated to ``where`` (e.g. ``"jit(f) at file:line"``)."""
    _donated_slot.__set__(a, where)
    try:
        del a._buf  # the device buffer jit kept for it (donated with it)
    except AttributeError:
        pass
    try:
        del a._value
    except AttributeError:
        pass


def is_donated(a: Array) -> bool:
    """Whether ``a`` was donated (and may no longer be used)."""
    return _is_donated(a)


def _to_numpy(tree: Any) -> Any:
    return tree_util.tree_map(lambda x: x._value if isinstance(x, Array) else x, tree)


def _has_tracer(tree: Any) -> bool:
    return any(type(x) is Tracer for x in tree_util.tree_leaves(tree))


_new = object.__new__


def wrap(value: np.ndarray) -> Array:
    """Wrap a NumPy array the backend just made (no copy)."""
    a = _new(Array)
    if type(value) is not np.ndarray:
        value = np.asarray(value)
    a._value = value
    return a


def wrap_view(value: np.ndarray) -> Array:
    """Wrap a user's NumPy array without copying or changing its flags."""
    v = value.view()
    v.flags.writeable = False
    a = _new(Array)
    a._value = v
    return a
