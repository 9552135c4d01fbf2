"""Array creation ``tnp`` functions on primitives.

Arrays of a static shape are built from the ``iota`` and ``broadcast_in_dim``
primitives (``zeros`` is a ``broadcast_in_dim`` of a scalar literal), never
from embedded NumPy constants, so graphs stay small and XLA sees what they
are.  Defaults follow NumPy, not JAX: float64, and ``arange`` of Python ints
gives int64.  ``empty``/``empty_like`` return zeros.

``arange`` needs concrete bounds (its length depends on them); ``linspace``,
``logspace`` and ``geomspace`` accept traced ``start``/``stop`` (the result is
``iota * step + start``), as do ``full``/``full_like`` for ``fill_value``.
"""
from __future__ import annotations

import math
import operator
from typing import Any, Callable, Sequence

import numpy as np

from tracer import dtypes
from tracer import primitives as P
from tracer.errors import ConcretizationError, UnsupportedError
from tracer.ir import user_location
from tracer.numpy._array_api import place
from tracer.numpy._core import asarray, convert, normalize_axis
from tracer.numpy._shape import _tri_mask, broadcast_arrays, moveaxis
from tracer.tracing import Tracer, bind

__all__ = [
    "zeros", "ones", "full", "empty", "zeros_like", "ones_like", "full_like", "empty_like",
    "arange", "linspace", "logspace", "geomspace", "eye", "identity", "tri", "meshgrid",
    "indices", "fromfunction",
]


def _at() -> str:
    return f" (at {user_location()})"


def _static_int(x: Any, what: str, fn: str) -> int:
    try:
        return operator.index(x)
    except ConcretizationError as e:
        raise ConcretizationError(f"tnp.{fn}: {what} must be static (a Python int); {e}") \
            from None
    except TypeError:
        raise TypeError(f"tnp.{fn}: {what} must be an integer, got {type(x).__name__}"
                        f"{_at()}") from None


def _shape_tuple(shape: Any, fn: str) -> tuple[int, ...]:
    if isinstance(shape, (list, tuple)):
        out = tuple(_static_int(d, "the shape", fn) for d in shape)
    elif hasattr(shape, "shape") and hasattr(shape, "__array__") and len(shape.shape) == 1:
        out = tuple(_static_int(d, "the shape", fn) for d in np.asarray(shape).tolist())
    else:
        out = (_static_int(shape, "the shape", fn),)
    if any(d < 0 for d in out):
        raise ValueError(f"tnp.{fn}: negative dimensions are not allowed, got {out}{_at()}")
    return out


def _dtype(dtype: Any) -> np.dtype:
    return dtypes.canonicalize(dtype)


def _fill(shape: tuple[int, ...], value: Any, dtype: np.dtype) -> Any:
    """A ``broadcast_in_dim`` of one scalar literal to ``shape``."""
    return bind(P.broadcast_in_dim_p, np.asarray(value).astype(dtype)[()], shape=shape,
                broadcast_dimensions=())


def _iota(dtype: np.dtype, shape: tuple[int, ...], dimension: int) -> Any:
    if dtype.kind in "iuf":
        return bind(P.iota_p, dtype=dtype, shape=shape, dimension=dimension)
    return convert(bind(P.iota_p, dtype=dtypes.int64, shape=shape, dimension=dimension), dtype)


def _is_array(x: Any) -> bool:
    return type(x) is Tracer or hasattr(x, "aval")


def _shape_dtype_of(a: Any) -> tuple[tuple[int, ...], np.dtype]:
    if _is_array(a):
        return tuple(a.shape), a.dtype
    v = np.asarray(a)
    return v.shape, v.dtype


def _placed(out: Any, device: Any, fn: str) -> Any:
    """``out`` on ``device`` (the Array API's ``device=``; None: where it was made)."""
    return out if device is None else place(out, device, fn)


def _like_device(a: Any, device: Any) -> Any:
    """The Array API's ``*_like`` rule: no ``device=`` means ``a``'s device, for an
    array committed to one (a ``DeviceArray``); host arrays make host arrays."""
    if device is None and getattr(type(a), "on_device", False):
        return a.device
    return device


# ---------------------------------------------------------------------------
# Filled arrays


def zeros(shape: Any, dtype: Any = None, order: str = "C", *, device: Any = None,
          like: Any = None) -> Any:
    """Like ``numpy.zeros`` (float64 by default).

    >>> import tracer.numpy as tnp
    >>> tnp.zeros((2, 3)).shape
    (2, 3)
    """
    return _placed(_fill(_shape_tuple(shape, "zeros"), 0, _dtype(dtype)), device, "zeros")


def ones(shape: Any, dtype: Any = None, order: str = "C", *, device: Any = None,
         like: Any = None) -> Any:
    """Like ``numpy.ones`` (float64 by default).

    >>> import tracer.numpy as tnp
    >>> tnp.ones(2).tolist()
    [1.0, 1.0]
    """
    return _placed(_fill(_shape_tuple(shape, "ones"), 1, _dtype(dtype)), device, "ones")


def empty(shape: Any, dtype: Any = None, order: str = "C", *, device: Any = None,
          like: Any = None) -> Any:
    """Like ``numpy.empty``; the contents are zeros (graphjit has no uninitialized memory).

    >>> import tracer.numpy as tnp
    >>> tnp.empty(2).tolist()
    [0.0, 0.0]
    """
    return _placed(_fill(_shape_tuple(shape, "empty"), 0, _dtype(dtype)), device, "empty")


def _full(shape: tuple[int, ...], fill_value: Any, dt: np.dtype | None, fn: str) -> Any:
    if not _is_array(fill_value):
        v = np.asarray(fill_value)
        if v.dtype == object:
            raise TypeError(f"tnp.{fn}: fill_value must be a number or an array{_at()}")
        if v.ndim == 0:
            return _fill(shape, v, v.dtype if dt is None else dt)
    v = asarray(fill_value)
    v = convert(v, v.dtype if dt is None else dt)
    extra = v.ndim - len(shape)
    if extra > 0 and all(d == 1 for d in v.shape[:extra]):
        # NumPy's assignment drops leading size-1 axes of the value
        v = bind(P.reshape_p, v, new_sizes=tuple(v.shape[extra:]))
    nd = len(shape) - v.ndim
    if nd < 0 or any(a != 1 and a != b for a, b in zip(v.shape, shape[nd:])):
        raise ValueError(f"tnp.{fn}: could not broadcast fill_value of shape {v.shape} into "
                         f"shape {shape}{_at()}")
    if tuple(v.shape) == shape:
        return v
    return bind(P.broadcast_in_dim_p, v, shape=shape,
                broadcast_dimensions=tuple(range(nd, len(shape))))


def full(shape: Any, fill_value: Any, dtype: Any = None, order: str = "C", *,
         device: Any = None, like: Any = None) -> Any:
    """Like ``numpy.full``: the dtype defaults to ``fill_value``'s; it may be traced.

    >>> import tracer.numpy as tnp
    >>> tnp.full((2,), 7).tolist()
    [7, 7]
    """
    return _placed(_full(_shape_tuple(shape, "full"), fill_value,
                         None if dtype is None else _dtype(dtype), "full"), device, "full")


def _like(a: Any, dtype: Any, shape: Any, fn: str) -> tuple[tuple[int, ...], np.dtype]:
    shp, dt = _shape_dtype_of(a)
    if shape is not None:
        shp = _shape_tuple(shape, fn)
    return shp, dt if dtype is None else _dtype(dtype)


def zeros_like(a: Any, dtype: Any = None, order: str = "K", subok: bool = True,
               shape: Any = None, *, device: Any = None) -> Any:
    """Like ``numpy.zeros_like`` (uses only ``a``'s shape and dtype).

    >>> import tracer.numpy as tnp
    >>> tnp.zeros_like(tnp.ones(2, dtype="int32")).dtype
    dtype('int32')
    """
    shp, dt = _like(a, dtype, shape, "zeros_like")
    return _placed(_fill(shp, 0, dt), _like_device(a, device), "zeros_like")


def ones_like(a: Any, dtype: Any = None, order: str = "K", subok: bool = True,
              shape: Any = None, *, device: Any = None) -> Any:
    """Like ``numpy.ones_like``.

    >>> import tracer.numpy as tnp
    >>> tnp.ones_like(tnp.zeros(2)).tolist()
    [1.0, 1.0]
    """
    shp, dt = _like(a, dtype, shape, "ones_like")
    return _placed(_fill(shp, 1, dt), _like_device(a, device), "ones_like")


def empty_like(prototype: Any, /, dtype: Any = None, order: str = "K", subok: bool = True,
               shape: Any = None, *, device: Any = None) -> Any:
    """Like ``numpy.empty_like``; the contents are zeros.

    >>> import tracer.numpy as tnp
    >>> tnp.empty_like(tnp.ones(2)).tolist()
    [0.0, 0.0]
    """
    shp, dt = _like(prototype, dtype, shape, "empty_like")
    return _placed(_fill(shp, 0, dt), _like_device(prototype, device), "empty_like")


def full_like(a: Any, fill_value: Any, dtype: Any = None, order: str = "K",
              subok: bool = True, shape: Any = None, *, device: Any = None) -> Any:
    """Like ``numpy.full_like``: ``fill_value`` cast to ``a``'s dtype; it may be traced.

    >>> import tracer.numpy as tnp
    >>> tnp.full_like(tnp.zeros(2, dtype="int32"), 3.7).tolist()
    [3, 3]
    """
    shp, dt = _like(a, dtype, shape, "full_like")
    return _placed(_full(shp, fill_value, dt, "full_like"), _like_device(a, device),
                   "full_like")


# ---------------------------------------------------------------------------
# Ranges


def _concrete_scalar(x: Any, what: str, fn: str) -> np.ndarray:
    try:
        v = np.asarray(x)
    except ConcretizationError:
        raise ConcretizationError(
            f"tnp.{fn}: {what} must be concrete (the length of the result depends on it), "
            f"but it is an abstract traced value at {user_location()}. Pass it as a "
            "Python number or a static argument (static_argnums), or build the range as "
            "tnp.arange(n) * step + start with a static n.") from None
    if v.ndim != 0:
        raise ValueError(f"tnp.{fn}: {what} must be a scalar, got shape {v.shape}{_at()}")
    if v.dtype.kind not in "biuf":
        raise TypeError(f"tnp.{fn}: {what} must be a real number, got {v.dtype}{_at()}")
    return v


def arange(start_or_stop: Any, /, stop: Any = None, step: Any = 1, dtype: Any = None, *,
           device: Any = None, like: Any = None) -> Any:
    """Like ``numpy.arange``: ``iota * step + start``; the bounds must be concrete.

    Python ints give int64, any float gives float64 (NumPy's rule: the
    result dtype is at least int64).

    >>> import tracer.numpy as tnp
    >>> tnp.arange(3).tolist()
    [0, 1, 2]
    """
    if stop is None:
        start, stop = 0, start_or_stop
    else:
        start = start_or_stop
    vals = [_concrete_scalar(v, name, "arange")
            for v, name in ((start, "start"), (stop, "stop"), (step, "step"))]
    if dtype is None:
        dt = dtypes.int64
        for v in vals:
            dt = np.promote_types(dt, v.dtype)
    else:
        dt = _dtype(dtype)
    p_start, p_stop, p_step = (v.item() for v in vals)
    if p_step == 0:
        raise ZeroDivisionError(f"tnp.arange: step must not be zero{_at()}")
    length = max(0, math.ceil((p_stop - p_start) / p_step))
    work = dtypes.int64 if dt.kind == "b" else dt
    if dt.kind == "b" and length > 2:
        raise TypeError(f"tnp.arange: booleans are supported only when the result has at "
                        f"most length 2{_at()}")
    with np.errstate(all="ignore"):
        v0 = np.asarray(p_start).astype(work)[()]
        v1 = np.asarray(p_start + p_step).astype(work)[()]
        delta = np.asarray(v1 - v0).astype(work)[()]
    y = bind(P.iota_p, dtype=work, shape=(length,), dimension=0)
    if length > 1 and delta != 1:
        y = bind(P.mul_p, y, delta)
    if v0 != 0:
        y = bind(P.add_p, y, v0)
    return _placed(convert(y, dt) if work != dt else y, device, "arange")


def _linspace_dtype(start: Any, stop: Any) -> np.dtype:
    dt = dtypes.result_type(start, stop)
    if not dtypes.is_inexact(dt):
        dt = np.promote_types(dt, dtypes.float64)
    return dt


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True,
             retstep: bool = False, dtype: Any = None, axis: int = 0, *,
             device: Any = None) -> Any:
    """Like ``numpy.linspace`` (same algorithm, same dtypes); start/stop may be traced.

    >>> import tracer.numpy as tnp
    >>> tnp.linspace(0, 1, 5).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    num = _static_int(num, "num", "linspace")
    if num < 0:
        raise ValueError(f"tnp.linspace: number of samples, {num}, must be non-negative"
                         f"{_at()}")
    div = num - 1 if endpoint else num
    dt = _linspace_dtype(start, stop)
    out_dt = dt if dtype is None else _dtype(dtype)
    integer_dtype = dtype is not None and out_dt.kind in "iu"
    traced = type(start) is Tracer or type(stop) is Tracer
    if traced:
        s0, s1 = _operand(start, dt), _operand(stop, dt)
        dshape = tuple(np.broadcast_shapes(tuple(s0.shape), tuple(s1.shape)))
        delta = bind(P.sub_p, s1, s0)
    else:
        s0 = np.asarray(np.asarray(start), dt)
        s1 = np.asarray(np.asarray(stop), dt)
        with np.errstate(all="ignore"):
            delta = np.subtract(s1, s0, dtype=dt)
        dshape = delta.shape
        if delta.ndim == 0:
            delta, s0, s1 = delta[()], s0[()], s1[()]
    y = bind(P.iota_p, dtype=dt, shape=(num,) + (1,) * len(dshape), dimension=0)
    step: Any
    if div > 0:
        if traced:
            step = bind(P.div_p, delta, _c(div, dt))
            zero = bind(P.eq_p, step, _c(0, dt))
            if zero.ndim:
                zero = bind(P.reduce_or_p, zero, axes=tuple(range(zero.ndim)))
            by_step = bind(P.mul_p, y, step)
            by_delta = bind(P.mul_p, bind(P.div_p, y, _c(div, dt)), delta)
            y = bind(P.select_n_p, zero, by_step, by_delta)
        else:
            with np.errstate(all="ignore"):
                step = delta / div
                any_zero = bool(np.any(step == 0))
            if any_zero:
                y = bind(P.mul_p, bind(P.div_p, y, _c(div, dt)), _dt_value(delta, dt))
            else:
                y = bind(P.mul_p, y, _dt_value(step, dt))
    else:
        step = np.nan
        y = bind(P.mul_p, y, _dt_value(delta, dt) if not traced else delta)
    y = bind(P.add_p, y, s0 if traced else _dt_value(s0, dt))
    if endpoint and num > 1:
        full_shape = tuple(y.shape)
        last = _end_row(s1 if traced else _dt_value(s1, dt), dt, full_shape)
        head = bind(P.slice_p, y, start_indices=(0,) * len(full_shape),
                    limit_indices=(num - 1,) + full_shape[1:],
                    strides=(1,) * len(full_shape))
        y = bind(P.concatenate_p, head, last, dimension=0)
    if axis != 0:
        y = moveaxis(y, 0, normalize_axis(axis, y.ndim))
    if integer_dtype:
        y = bind(P.floor_p, y)
    y = convert(y, out_dt)
    y = _placed(y, device, "linspace")
    if retstep:
        return y, step
    return y


def _operand(x: Any, dt: np.dtype) -> Any:
    """A tracer converted to ``dt``, or a static value as a literal/constant of ``dt``."""
    if _is_array(x) and type(x) is Tracer:
        return convert(x, dt)
    return _dt_value(np.asarray(x), dt)


def _c(value: Any, dt: np.dtype) -> Any:
    return np.asarray(value).astype(dt)[()]


def _dt_value(v: Any, dt: np.dtype) -> Any:
    """A static value as a scalar literal (0-d) or a constant of dtype ``dt``."""
    v = np.asarray(v).astype(dt)
    return v[()] if v.ndim == 0 else v


def _end_row(stop: Any, dt: np.dtype, full_shape: tuple[int, ...]) -> Any:
    """``stop`` broadcast to one row (leading size 1) of the result."""
    row = (1,) + full_shape[1:]
    if not _is_array(stop):
        s = np.asarray(stop)
        if s.ndim == 0:
            return _fill(row, s, dt)
        stop = asarray(s)
    nd = len(row) - stop.ndim
    return bind(P.broadcast_in_dim_p, convert(stop, dt), shape=row,
                broadcast_dimensions=tuple(range(nd, len(row))))


def logspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: Any = 10.0,
             dtype: Any = None, axis: int = 0) -> Any:
    """Like ``numpy.logspace``: ``base ** linspace(start, stop)``.

    >>> import tracer.numpy as tnp
    >>> tnp.logspace(0, 2, 3).tolist()
    [1.0, 10.0, 100.0]
    """
    from tracer.numpy._elementwise import power
    from tracer.numpy._shape import expand_dims, reshape

    if not isinstance(base, (float, int)) and (np.ndim(base) if not _is_array(base)
                                               else base.ndim):
        shapes = [_shape_dtype_of(v)[0] for v in (start, stop, base)]
        ndmax = len(np.broadcast_shapes(*shapes))
        start, stop, base = (
            reshape(asarray(v), (1,) * (ndmax - len(s)) + tuple(s))
            for v, s in zip((start, stop, base), shapes))
        base = expand_dims(base, axis)
    y = linspace(start, stop, num=num, endpoint=endpoint, axis=axis)
    r = power(base, y)
    return r if dtype is None else convert(asarray(r), _dtype(dtype))


def geomspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None,
              axis: int = 0) -> Any:
    """Like ``numpy.geomspace``: a geometric progression from ``start`` to ``stop``.

    >>> import tracer.numpy as tnp
    >>> tnp.geomspace(1, 1000, 4).tolist()
    [1.0, 10.0, 100.0, 1000.0]
    """
    from tracer.numpy._elementwise import divide, log10, multiply, sign

    num = _static_int(num, "num", "geomspace")
    for v in (start, stop):
        if type(v) is not Tracer and np.any(np.asarray(v) == 0):
            raise ValueError(f"tnp.geomspace: geometric sequence cannot include zero{_at()}")
    dt = dtypes.result_type(start, stop, float(num),
                            dtypes.float64 if dtype is None else _dtype(dtype))
    if dt.kind == "c":
        raise UnsupportedError(f"tnp.geomspace: complex dtypes are not supported{_at()}")
    out_dt = dt if dtype is None else _dtype(dtype)
    # Rotate start to the positive reals, as NumPy does (static parts stay NumPy).
    s0, s1 = _operand(start, dt), _operand(stop, dt)
    if type(s0) is Tracer or type(s1) is Tracer:
        out_sign = sign(s0)
        s0, s1 = divide(s0, out_sign), divide(s1, out_sign)
        log0, log1 = log10(s0), log10(s1)
    else:
        with np.errstate(all="ignore"):
            out_sign = _dt_value(np.sign(s0), dt)
            s0, s1 = _dt_value(s0 / out_sign, dt), _dt_value(s1 / out_sign, dt)
            log0, log1 = _dt_value(np.log10(s0), dt), _dt_value(np.log10(s1), dt)
    result = logspace(log0, log1, num=num, endpoint=endpoint, base=10.0, dtype=dt)
    if num > 0:
        shape = tuple(result.shape)
        nd = len(shape)
        parts = [_end_row(s0, dt, shape)]
        stop_at = num - 1 if (num > 1 and endpoint) else num
        if stop_at > 1:
            parts.append(bind(P.slice_p, result, start_indices=(1,) + (0,) * (nd - 1),
                              limit_indices=(stop_at,) + shape[1:], strides=(1,) * nd))
        if num > 1 and endpoint:
            parts.append(_end_row(s1, dt, shape))
        result = parts[0] if len(parts) == 1 else bind(P.concatenate_p, *parts, dimension=0)
    if type(out_sign) is Tracer or np.any(np.asarray(out_sign) != 1):
        result = multiply(result, out_sign)
    if axis != 0:
        result = moveaxis(result, 0, normalize_axis(axis, result.ndim))
    return convert(asarray(result), out_dt)


# ---------------------------------------------------------------------------
# Matrices and grids


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = float, order: str = "C", *,
        device: Any = None, like: Any = None) -> Any:
    """Like ``numpy.eye``: ones on the ``k``-th diagonal (from two iotas).

    >>> import tracer.numpy as tnp
    >>> tnp.eye(2).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    n = _static_int(N, "N", "eye")
    m = n if M is None else _static_int(M, "M", "eye")
    k = _static_int(k, "k", "eye")
    if n < 0 or m < 0:
        raise ValueError(f"tnp.eye: negative dimensions are not allowed{_at()}")
    rows = bind(P.iota_p, dtype=dtypes.int64, shape=(n, m), dimension=0)
    cols = bind(P.iota_p, dtype=dtypes.int64, shape=(n, m), dimension=1)
    if k:
        rows = bind(P.add_p, rows, np.int64(k))
    return _placed(convert(bind(P.eq_p, rows, cols), _dtype(dtype)), device, "eye")


def identity(n: int, dtype: Any = None, *, like: Any = None) -> Any:
    """Like ``numpy.identity``: the ``n`` x ``n`` identity matrix.

    >>> import tracer.numpy as tnp
    >>> tnp.identity(2, dtype=int).tolist()
    [[1, 0], [0, 1]]
    """
    return eye(n, dtype=float if dtype is None else dtype)


def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = float, *,
        like: Any = None) -> Any:
    """Like ``numpy.tri``: ones at and below the ``k``-th diagonal.

    >>> import tracer.numpy as tnp
    >>> tnp.tri(2).tolist()
    [[1.0, 0.0], [1.0, 1.0]]
    """
    n = _static_int(N, "N", "tri")
    m = n if M is None else _static_int(M, "M", "tri")
    if n < 0 or m < 0:
        raise ValueError(f"tnp.tri: negative dimensions are not allowed{_at()}")
    return convert(_tri_mask(n, m, _static_int(k, "k", "tri")), _dtype(dtype))


def meshgrid(*xi: Any, copy: bool = True, sparse: bool = False,
             indexing: str = "xy") -> tuple[Any, ...]:
    """Like ``numpy.meshgrid``: coordinate arrays from 1-d coordinate vectors.

    >>> import tracer.numpy as tnp
    >>> [g.shape for g in tnp.meshgrid(tnp.arange(3), tnp.arange(2))]
    [(2, 3), (2, 3)]
    """
    from tracer.numpy._shape import reshape

    if indexing not in ("xy", "ij"):
        raise ValueError(f"tnp.meshgrid: valid values for `indexing` are 'xy' and 'ij', got "
                         f"{indexing!r}{_at()}")
    ndim = len(xi)
    s0 = (1,) * ndim
    out = [reshape(asarray(x), s0[:i] + (-1,) + s0[i + 1:]) for i, x in enumerate(xi)]
    if indexing == "xy" and ndim > 1:
        out[0] = reshape(out[0], (1, -1) + s0[2:])
        out[1] = reshape(out[1], (-1, 1) + s0[2:])
    if not sparse:
        out = list(broadcast_arrays(*out))
    return tuple(out)


def indices(dimensions: Sequence[int], dtype: Any = int, sparse: bool = False) -> Any:
    """Like ``numpy.indices``: a grid of indices (one iota per dimension).

    >>> import tracer.numpy as tnp
    >>> tnp.indices((2, 3)).shape
    (2, 2, 3)
    """
    dims = tuple(_static_int(d, "dimensions", "indices") for d in dimensions)
    dt = _dtype(dtype)
    n = len(dims)
    if sparse:
        return tuple(_iota(dt, (1,) * i + (d,) + (1,) * (n - i - 1), i)
                     for i, d in enumerate(dims))
    if n == 0:
        return _fill((0,), 0, dt)
    parts = [bind(P.expand_dims_p, _iota(dt, dims, i), dimensions=(0,)) for i in range(n)]
    return parts[0] if n == 1 else bind(P.concatenate_p, *parts, dimension=0)


def fromfunction(function: Callable[..., Any], shape: Sequence[int], *, dtype: Any = float,
                 like: Any = None, **kwargs: Any) -> Any:
    """Like ``numpy.fromfunction``: ``function(*index_grids, **kwargs)``.

    >>> import tracer.numpy as tnp
    >>> tnp.fromfunction(lambda i, j: i + j, (2, 2), dtype=int).tolist()
    [[0, 1], [1, 2]]
    """
    dims = tuple(_static_int(d, "shape", "fromfunction") for d in shape)
    dt = _dtype(dtype)
    return function(*(_iota(dt, dims, i) for i in range(len(dims))), **kwargs)
