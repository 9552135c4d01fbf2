"""Shape manipulation ``tnp`` functions on primitives.

Reshapes, transposes, joins, splits, tiling, flips, rolls, padding and
diagonals, each matching NumPy 2's name, signature, result and result dtype.
All of them are written with the lax-level shape primitives (``reshape``,
``transpose``, ``broadcast_in_dim``, ``concatenate``, ``slice``, ``pad``,
``rev``, ``squeeze``/``expand_dims``, ``gather``); NumPy is only used for
static shape and parameter arithmetic.

Decisions where NumPy has no exact counterpart:

* ``reshape``/``ravel`` support ``order`` ``'C'``, ``'F'`` and ``'A'``/``'K'``
  (which mean ``'C'``: graphjit arrays are always C-ordered).
* ``repeat`` with an array of repeats needs its values (the result's shape
  depends on them): under abstract tracing it raises
  ``DataDependentShapeError``.  ``roll`` accepts a traced integer ``shift``
  (a ``dynamic_slice`` of the array concatenated with itself).
* ``pad`` supports every NumPy mode except a callable; ``'empty'`` pads with
  zeros.  Traced ``constant_values`` must be a scalar.
* ``diagonal`` is a strided ``slice`` of the flattened last two axes (no
  gather), ``diag`` of a vector an interior ``pad``: both transpose and
  batch cleanly.
"""
from __future__ import annotations

import math
import operator
import warnings
from typing import Any, Sequence

import numpy as np

from tracer import dtypes
from tracer import primitives as P
from tracer.errors import ConcretizationError, DataDependentShapeError, UnsupportedError
from tracer.ir import user_location
from tracer.numpy._core import (asarray, broadcast_to_raw, convert, host_binder, is_host,
                                normalize_axes, normalize_axis, reshape_raw)
from tracer.tracing import Tracer, bind

__all__ = [
    "reshape", "ravel", "transpose", "matrix_transpose", "permute_dims", "swapaxes",
    "moveaxis", "rollaxis", "expand_dims", "squeeze", "broadcast_to", "broadcast_arrays",
    "broadcast_shapes", "atleast_1d", "atleast_2d", "atleast_3d", "concatenate", "concat",
    "stack", "unstack", "vstack", "hstack", "dstack", "column_stack", "row_stack", "split",
    "array_split", "hsplit", "vsplit", "dsplit", "tile", "repeat", "flip", "fliplr", "flipud",
    "roll", "rot90", "pad", "diagonal", "trace", "diag", "diagflat", "tril", "triu", "append",
]


# ---------------------------------------------------------------------------
# Helpers


def _at() -> str:
    return f" (at {user_location()})"


def _static_int(x: Any, what: str, fn: str) -> int:
    """``operator.index(x)``, with errors that say which argument must be static."""
    try:
        return operator.index(x)
    except ConcretizationError as e:
        raise ConcretizationError(f"tnp.{fn}: {what} must be static (a Python int); {e}") \
            from None
    except TypeError:
        raise TypeError(f"tnp.{fn}: {what} must be an integer, got {type(x).__name__}"
                        f"{_at()}") from None


def _shape_tuple(shape: Any, fn: str, what: str = "shape") -> tuple[int, ...]:
    """A static shape from an int or a sequence of ints."""
    if isinstance(shape, (list, tuple)):
        return tuple(_static_int(d, what, fn) for d in shape)
    if type(shape) is Tracer and shape.ndim == 1:
        return tuple(_static_int(d, what, fn) for d in np.asarray(_concrete_or_raise(
            shape, what, fn)))
    if hasattr(shape, "shape") and hasattr(shape, "__array__") and len(shape.shape) == 1:
        return tuple(int(d) for d in np.asarray(shape))
    return (_static_int(shape, what, fn),)


def _concrete_or_raise(x: Any, what: str, fn: str) -> np.ndarray:
    try:
        return np.asarray(x)
    except ConcretizationError as e:
        raise ConcretizationError(f"tnp.{fn}: {what} must be static; {e}") from None


def _is_abstract(x: Any) -> bool:
    """True for a tracer whose value is unknown (abstract recording)."""
    return type(x) is Tracer and x._concrete() is None


def _axis_tuple(axis: Any) -> tuple[Any, ...]:
    return tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)


def _transpose(x: Any, perm: Sequence[int]) -> Any:
    perm = tuple(perm)
    if perm == tuple(range(len(perm))):
        return x
    return bind(P.transpose_p, x, permutation=perm)


def _slice_axis(x: Any, axis: int, start: int, stop: int, step: int = 1) -> Any:
    """``x[..., start:stop:step, ...]`` along ``axis`` (static, in-range bounds)."""
    n = x.shape[axis]
    if start == 0 and stop == n and step == 1:
        return x
    nd = x.ndim
    starts = [0] * nd
    limits = list(x.shape)
    strides = [1] * nd
    starts[axis], limits[axis], strides[axis] = start, max(start, stop), step
    return bind(P.slice_p, x, start_indices=tuple(starts), limit_indices=tuple(limits),
                strides=tuple(strides))


def _rev(x: Any, axis: int) -> Any:
    if x.shape[axis] <= 1:
        return x
    return bind(P.rev_p, x, dimensions=(axis,))


def _concat(xs: Sequence[Any], axis: int) -> Any:
    xs = [x for x in xs if x.shape[axis] != 0] or list(xs[:1])
    if len(xs) == 1:
        return xs[0]
    return bind(P.concatenate_p, *xs, dimension=axis)


def _broadcast_axis(x: Any, axis: int, size: int) -> Any:
    """Broadcast ``x`` (size 1 along ``axis``) to ``size`` along ``axis``."""
    shape = list(x.shape)
    shape[axis] = size
    return bind(P.broadcast_in_dim_p, x, shape=tuple(shape),
                broadcast_dimensions=tuple(range(x.ndim)))


def _scalar(value: Any, dtype: np.dtype) -> Any:
    """``value`` as a scalar of ``dtype``, cast as NumPy's item assignment casts.

    A Python int out of the dtype's range raises ``OverflowError`` (NEP 50).
    """
    if type(value) is int and dtype.kind in "iu":
        return np.asarray(value, dtype)[()]
    return np.asarray(value).astype(dtype)[()]


def _zeros(shape: Sequence[int], dtype: np.dtype) -> Any:
    return bind(P.broadcast_in_dim_p, _scalar(0, dtype), shape=tuple(shape),
                broadcast_dimensions=())


def _as_list(arrays: Any, fn: str) -> list[Any]:
    """The operands of a join: a list/tuple, or the rows of an array."""
    if isinstance(arrays, (list, tuple)):
        return list(arrays)
    if type(arrays) is Tracer or (hasattr(arrays, "__array__") and hasattr(arrays, "shape")):
        x = asarray(arrays)
        if x.ndim == 0:
            raise ValueError(f"tnp.{fn}: zero-dimensional arrays cannot be joined{_at()}")
        return list(unstack(x))
    raise TypeError(f"arrays to {fn} must be passed as a sequence type such as list or "
                    f"tuple, got {type(arrays).__name__}{_at()}")


def _join_dtype(xs: Sequence[Any], dtype: Any, casting: str, fn: str) -> np.dtype:
    """NumPy's result dtype of a join (operands count as arrays: never weak)."""
    if dtype is None:
        return dtypes.result_type(*(x.dtype for x in xs))
    dt = dtypes.canonicalize(dtype)
    for x in xs:
        if not np.can_cast(x.dtype, dt, casting):
            raise TypeError(f"tnp.{fn}: cannot cast array data from {x.dtype!r} to "
                            f"{dt!r} according to the rule {casting!r}{_at()}")
    return dt


def _no_out(out: Any, fn: str) -> None:
    if out is not None:
        raise TypeError(f"tnp.{fn}: out= is not supported (graphjit arrays are immutable); "
                        f"use the return value{_at()}")


# ---------------------------------------------------------------------------
# Reshaping and transposing


def _infer_shape(size: int, shape: tuple[int, ...], orig_shape: tuple[int, ...]) -> \
        tuple[int, ...]:
    unknown = [i for i, d in enumerate(shape) if d < 0]
    if any(d < -1 for d in shape):
        raise ValueError(f"tnp.reshape: invalid size in {shape}: negative dimensions are "
                         f"not allowed{_at()}")
    if len(unknown) > 1:
        raise ValueError(f"tnp.reshape: can only specify one unknown dimension, got "
                         f"{shape}{_at()}")
    known = math.prod(d for d in shape if d >= 0)
    if unknown:
        if known == 0 or size % known:
            raise ValueError(f"cannot reshape array of shape {orig_shape} (size {size}) into "
                             f"shape {shape}{_at()}")
        shape = tuple(size // known if d < 0 else d for d in shape)
    elif known != size:
        raise ValueError(f"cannot reshape array of shape {orig_shape} (size {size}) into "
                         f"shape {shape}{_at()}")
    return shape


def _order(order: Any, fn: str) -> str:
    if order in ("C", "A", "K", None):
        return "C"
    if order == "F":
        return "F"
    raise ValueError(f"tnp.{fn}: order must be one of 'C', 'F', 'A' or 'K', got {order!r}"
                     f"{_at()}")


def reshape(a: Any, /, shape: Any, order: str = "C", *, copy: bool | None = None) -> Any:
    """Like ``numpy.reshape``: a new shape with the same size; one entry may be -1.

    >>> import tracer.numpy as tnp
    >>> tnp.reshape(tnp.arange(6), (2, -1)).shape
    (2, 3)
    """
    if type(shape) is tuple and order == "C":
        if is_host(a):   # the eager shortcut; NumPy resolves -1 as the general path does
            f = _RESHAPE_SHORT.get(shape)
            if f is None:
                if len(_RESHAPE_SHORT) > 512:
                    _RESHAPE_SHORT.clear()
                f = host_binder(_RESHAPE_SHORT, shape, P.reshape_p, 1, new_sizes=shape)
            if f:
                try:
                    return f(a)
                except (ValueError, TypeError, IndexError):
                    pass
    x = asarray(a)
    if order == "C" and type(shape) is tuple and all(type(d) is int and d >= 0
                                                     for d in shape):
        if math.prod(shape) == x.size:   # the common case: an explicit, valid shape
            return reshape_raw(x, shape)
    new = _infer_shape(x.size, _shape_tuple(shape, "reshape"), tuple(x.shape))
    if _order(order, "reshape") == "F":
        rev_x = _transpose(x, tuple(range(x.ndim))[::-1])
        y = reshape_raw(rev_x, new[::-1])
        return _transpose(y, tuple(range(len(new)))[::-1])
    return reshape_raw(x, new)


def ravel(a: Any, order: str = "C") -> Any:
    """Like ``numpy.ravel``: the elements as a 1-d array.

    >>> import tracer.numpy as tnp
    >>> tnp.ravel(tnp.ones((2, 3))).shape
    (6,)
    """
    x = asarray(a)
    if _order(order, "ravel") == "F":
        x = _transpose(x, tuple(range(x.ndim))[::-1])
    return reshape_raw(x, (x.size,))


def transpose(a: Any, axes: Sequence[int] | None = None) -> Any:
    """Like ``numpy.transpose``: permute the axes (reverse them by default).

    >>> import tracer.numpy as tnp
    >>> tnp.transpose(tnp.ones((2, 3, 4)), (1, 0, 2)).shape
    (3, 2, 4)
    """
    x = asarray(a)
    nd = x.ndim
    if axes is None:
        return _transpose(x, tuple(range(nd))[::-1])
    axes = _axis_tuple(axes)
    if len(axes) != nd:
        raise ValueError(f"tnp.transpose: axes {axes} don't match an array of dimension "
                         f"{nd}{_at()}")
    perm = tuple(normalize_axis(ax, nd) for ax in axes)
    if len(set(perm)) != nd:
        raise ValueError(f"tnp.transpose: repeated axis in {axes}{_at()}")
    return _transpose(x, perm)


def permute_dims(a: Any, /, axes: Sequence[int] | None = None) -> Any:
    """Like ``numpy.permute_dims`` (the array-API name of ``transpose``).

    >>> import tracer.numpy as tnp
    >>> tnp.permute_dims(tnp.ones((2, 3)), (1, 0)).shape
    (3, 2)
    """
    return transpose(a, axes)


def matrix_transpose(x: Any, /) -> Any:
    """Like ``numpy.matrix_transpose``: swap the last two axes.

    >>> import tracer.numpy as tnp
    >>> tnp.matrix_transpose(tnp.ones((5, 2, 3))).shape
    (5, 3, 2)
    """
    x = asarray(x)
    if x.ndim < 2:
        raise ValueError(f"tnp.matrix_transpose: input array must be at least "
                         f"2-dimensional, got shape {x.shape}{_at()}")
    perm = list(range(x.ndim))
    perm[-2], perm[-1] = perm[-1], perm[-2]
    return _transpose(x, perm)


def swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    """Like ``numpy.swapaxes``.

    >>> import tracer.numpy as tnp
    >>> tnp.swapaxes(tnp.ones((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    x = asarray(a)
    a1, a2 = normalize_axis(axis1, x.ndim, "axis1"), normalize_axis(axis2, x.ndim, "axis2")
    perm = list(range(x.ndim))
    perm[a1], perm[a2] = perm[a2], perm[a1]
    return _transpose(x, perm)


def moveaxis(a: Any, source: int | Sequence[int], destination: int | Sequence[int]) -> Any:
    """Like ``numpy.moveaxis``: move axes to new positions, keeping the others' order.

    >>> import tracer.numpy as tnp
    >>> tnp.moveaxis(tnp.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    x = asarray(a)
    src = normalize_axes(list(_axis_tuple(source)), x.ndim)
    dst = normalize_axes(list(_axis_tuple(destination)), x.ndim)
    if len(src) != len(dst):
        raise ValueError(f"tnp.moveaxis: `source` and `destination` arguments must have the "
                         f"same number of elements{_at()}")
    order = [n for n in range(x.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return _transpose(x, order)


def rollaxis(a: Any, axis: int, start: int = 0) -> Any:
    """Like ``numpy.rollaxis``: roll ``axis`` backwards until it lies before ``start``.

    >>> import tracer.numpy as tnp
    >>> tnp.rollaxis(tnp.ones((2, 3, 4)), 2).shape
    (4, 2, 3)
    """
    x = asarray(a)
    n = x.ndim
    ax = normalize_axis(axis, n)
    start = operator.index(start)
    if start < 0:
        start += n
    if not 0 <= start < n + 1:
        raise np.exceptions.AxisError(f"tnp.rollaxis: start {start} out of range for an "
                                      f"array of dimension {n}{_at()}")
    if ax < start:
        start -= 1
    if ax == start:
        return x
    order = [i for i in range(n) if i != ax]
    order.insert(start, ax)
    return _transpose(x, order)


def expand_dims(a: Any, axis: int | Sequence[int]) -> Any:
    """Like ``numpy.expand_dims``: insert size-1 axes at the given positions.

    >>> import tracer.numpy as tnp
    >>> tnp.expand_dims(tnp.ones(3), (0, 2)).shape
    (1, 3, 1)
    """
    x = asarray(a)
    axes = _axis_tuple(axis)
    if not axes:
        return x
    dims = normalize_axes(list(axes), x.ndim + len(axes))
    return bind(P.expand_dims_p, x, dimensions=tuple(sorted(dims)))


def squeeze(a: Any, axis: int | Sequence[int] | None = None) -> Any:
    """Like ``numpy.squeeze``: remove size-1 axes (all of them by default).

    >>> import tracer.numpy as tnp
    >>> tnp.squeeze(tnp.ones((1, 3, 1))).shape
    (3,)
    """
    x = asarray(a)
    if axis is None:
        dims = tuple(i for i, d in enumerate(x.shape) if d == 1)
    else:
        dims = normalize_axes(list(_axis_tuple(axis)), x.ndim)
        for d in dims:
            if x.shape[d] != 1:
                raise ValueError(f"tnp.squeeze: cannot select an axis to squeeze out which "
                                 f"has size not equal to one (axis {d} of shape {x.shape})"
                                 f"{_at()}")
    if not dims:
        return x
    return bind(P.squeeze_p, x, dimensions=tuple(sorted(dims)))


# ---------------------------------------------------------------------------
# Broadcasting


def broadcast_shapes(*args: Any) -> tuple[int, ...]:
    """Like ``numpy.broadcast_shapes``: the broadcast shape of several shapes.

    >>> import tracer.numpy as tnp
    >>> tnp.broadcast_shapes((2, 1), (3,))
    (2, 3)
    """
    shapes = [_shape_tuple(s, "broadcast_shapes") for s in args]
    try:
        return tuple(int(d) for d in np.broadcast_shapes(*shapes))
    except ValueError as e:
        raise ValueError(f"{e}{_at()}") from None


def broadcast_to(array: Any, shape: Any, subok: bool = False) -> Any:
    """Like ``numpy.broadcast_to``.

    >>> import tracer.numpy as tnp
    >>> tnp.broadcast_to(tnp.ones(3), (2, 3)).shape
    (2, 3)
    """
    x = asarray(array)
    shape = _shape_tuple(shape, "broadcast_to")
    if any(d < 0 for d in shape):
        raise ValueError(f"tnp.broadcast_to: all elements of broadcast shape must be "
                         f"non-negative, got {shape}{_at()}")
    nd = len(shape) - x.ndim
    if nd < 0 or any(a != 1 and a != b for a, b in zip(x.shape, shape[nd:])):
        raise ValueError(f"tnp.broadcast_to: cannot broadcast an array of shape {x.shape} "
                         f"to shape {shape}{_at()}")
    return broadcast_to_raw(x, shape)


def broadcast_arrays(*args: Any, subok: bool = False) -> tuple[Any, ...]:
    """Like ``numpy.broadcast_arrays``: a tuple of the arrays broadcast against each other.

    >>> import tracer.numpy as tnp
    >>> [a.shape for a in tnp.broadcast_arrays(tnp.ones((2, 1)), tnp.ones(3))]
    [(2, 3), (2, 3)]
    """
    xs = [asarray(a) for a in args]
    shape = broadcast_shapes(*(x.shape for x in xs))
    return tuple(broadcast_to_raw(x, shape) for x in xs)


def atleast_1d(*arys: Any) -> Any:
    """Like ``numpy.atleast_1d`` (a tuple when given several arrays).

    >>> import tracer.numpy as tnp
    >>> tnp.atleast_1d(1.0).shape
    (1,)
    """
    res = []
    for a in arys:
        x = asarray(a)
        res.append(reshape_raw(x, (1,)) if x.ndim == 0 else x)
    return res[0] if len(res) == 1 else tuple(res)


def atleast_2d(*arys: Any) -> Any:
    """Like ``numpy.atleast_2d``: 0-d becomes (1, 1), 1-d (N,) becomes (1, N).

    >>> import tracer.numpy as tnp
    >>> tnp.atleast_2d(tnp.ones(3)).shape
    (1, 3)
    """
    res = []
    for a in arys:
        x = asarray(a)
        if x.ndim < 2:
            x = reshape_raw(x, (1,) * (2 - x.ndim) + tuple(x.shape))
        res.append(x)
    return res[0] if len(res) == 1 else tuple(res)


def atleast_3d(*arys: Any) -> Any:
    """Like ``numpy.atleast_3d``: (N,) becomes (1, N, 1), (M, N) becomes (M, N, 1).

    >>> import tracer.numpy as tnp
    >>> tnp.atleast_3d(tnp.ones(3)).shape
    (1, 3, 1)
    """
    res = []
    for a in arys:
        x = asarray(a)
        if x.ndim == 0:
            x = reshape_raw(x, (1, 1, 1))
        elif x.ndim == 1:
            x = reshape_raw(x, (1, x.shape[0], 1))
        elif x.ndim == 2:
            x = reshape_raw(x, tuple(x.shape) + (1,))
        res.append(x)
    return res[0] if len(res) == 1 else tuple(res)


# ---------------------------------------------------------------------------
# Joining


_CONCAT_SHORT: dict = {}   # the eager backend's binders of concatenate's shortcut
_RESHAPE_SHORT: dict = {}   # ... and of reshape's, by shape (bounded)


def concatenate(arrays: Any, /, axis: int | None = 0, out: Any = None, *, dtype: Any = None,
                casting: str = "same_kind") -> Any:
    """Like ``numpy.concatenate``; the result dtype is ``result_type`` of the operands.

    >>> import tracer.numpy as tnp
    >>> tnp.concatenate([tnp.ones((2, 3)), tnp.zeros((1, 3))]).shape
    (3, 3)
    """
    if out is None and dtype is None and type(axis) is int and type(arrays) in (list, tuple):
        # the eager shortcut: host arrays of one dtype (other ranks or shapes: the impl
        # raises, and the general path below explains it)
        a0 = arrays[0] if len(arrays) > 1 else None
        if a0 is not None and is_host(a0) and a0.ndim and -a0.ndim <= axis < a0.ndim:
            A, d0 = type(a0), a0.dtype
            if all(type(x) is A and x.dtype == d0 for x in arrays):
                key = (len(arrays), axis % a0.ndim)
                f = _CONCAT_SHORT.get(key) or host_binder(
                    _CONCAT_SHORT, key, P.concatenate_p, key[0], dimension=key[1])
                if f:
                    try:
                        return f(*arrays)
                    except (ValueError, TypeError, IndexError):
                        pass
    _no_out(out, "concatenate")
    xs = [asarray(x) for x in _as_list(arrays, "concatenate")]
    if not xs:
        raise ValueError(f"tnp.concatenate: need at least one array to concatenate{_at()}")
    if axis is None:
        xs = [ravel(x) for x in xs]
        axis = 0
    dt = _join_dtype(xs, dtype, casting, "concatenate")
    nd = xs[0].ndim
    if nd == 0 or any(x.ndim == 0 for x in xs):
        raise ValueError(f"tnp.concatenate: zero-dimensional arrays cannot be concatenated"
                         f"{_at()}")
    ax = normalize_axis(axis, nd)
    for i, x in enumerate(xs[1:], 1):
        if x.ndim != nd:
            raise ValueError(
                f"tnp.concatenate: all the input arrays must have same number of dimensions, "
                f"but the array at index 0 has {nd} dimension(s) and the array at index {i} "
                f"has {x.ndim} dimension(s){_at()}")
        for d in range(nd):
            if d != ax and x.shape[d] != xs[0].shape[d]:
                raise ValueError(
                    f"tnp.concatenate: all the input array dimensions except for the "
                    f"concatenation axis must match exactly, but along dimension {d}, the "
                    f"array at index 0 has size {xs[0].shape[d]} and the array at index {i} "
                    f"has size {x.shape[d]}{_at()}")
    xs = [convert(x, dt) for x in xs]
    if len(xs) == 1:
        return xs[0]
    return bind(P.concatenate_p, *xs, dimension=ax)


concat = concatenate


def stack(arrays: Any, axis: int = 0, out: Any = None, *, dtype: Any = None,
          casting: str = "same_kind") -> Any:
    """Like ``numpy.stack``: join same-shaped arrays along a new axis.

    >>> import tracer.numpy as tnp
    >>> tnp.stack([tnp.ones(3), tnp.zeros(3)], axis=1).shape
    (3, 2)
    """
    _no_out(out, "stack")
    xs = [asarray(x) for x in _as_list(arrays, "stack")]
    if not xs:
        raise ValueError(f"tnp.stack: need at least one array to stack{_at()}")
    shape = tuple(xs[0].shape)
    if any(tuple(x.shape) != shape for x in xs):
        raise ValueError("tnp.stack: all input arrays must have the same shape, got "
                         + ", ".join(str(tuple(x.shape)) for x in xs) + _at())
    ax = normalize_axis(axis, len(shape) + 1)
    dt = _join_dtype(xs, dtype, casting, "stack")
    xs = [bind(P.expand_dims_p, convert(x, dt), dimensions=(ax,)) for x in xs]
    if len(xs) == 1:
        return xs[0]
    return bind(P.concatenate_p, *xs, dimension=ax)


def unstack(x: Any, /, *, axis: int = 0) -> tuple[Any, ...]:
    """Like ``numpy.unstack``: split along ``axis`` into a tuple, removing that axis.

    >>> import tracer.numpy as tnp
    >>> len(tnp.unstack(tnp.ones((3, 2))))
    3
    """
    x = asarray(x)
    if x.ndim == 0:
        raise ValueError(f"tnp.unstack: input array must be at least 1-d{_at()}")
    ax = normalize_axis(axis, x.ndim)
    return tuple(bind(P.squeeze_p, _slice_axis(x, ax, i, i + 1), dimensions=(ax,))
                 for i in range(x.shape[ax]))


def vstack(tup: Any, *, dtype: Any = None, casting: str = "same_kind") -> Any:
    """Like ``numpy.vstack``: stack along the first axis (1-d arrays become rows).

    >>> import tracer.numpy as tnp
    >>> tnp.vstack([tnp.ones(3), tnp.zeros(3)]).shape
    (2, 3)
    """
    arrs = atleast_2d(*_as_list(tup, "vstack"))
    if not isinstance(arrs, tuple):
        arrs = (arrs,)
    return concatenate(arrs, 0, dtype=dtype, casting=casting)


def row_stack(tup: Any, *, dtype: Any = None, casting: str = "same_kind") -> Any:
    """Like ``numpy.row_stack``: a deprecated alias of ``vstack``."""
    warnings.warn("`row_stack` alias is deprecated. Use `np.vstack` directly.",
                  DeprecationWarning, stacklevel=2)
    return vstack(tup, dtype=dtype, casting=casting)


def hstack(tup: Any, *, dtype: Any = None, casting: str = "same_kind") -> Any:
    """Like ``numpy.hstack``: stack along the second axis (the first for 1-d arrays).

    >>> import tracer.numpy as tnp
    >>> tnp.hstack([tnp.ones(3), tnp.zeros(2)]).shape
    (5,)
    """
    arrs = atleast_1d(*_as_list(tup, "hstack"))
    if not isinstance(arrs, tuple):
        arrs = (arrs,)
    axis = 0 if arrs and arrs[0].ndim == 1 else 1
    return concatenate(arrs, axis, dtype=dtype, casting=casting)


def dstack(tup: Any) -> Any:
    """Like ``numpy.dstack``: stack along the third axis.

    >>> import tracer.numpy as tnp
    >>> tnp.dstack([tnp.ones((2, 3)), tnp.zeros((2, 3))]).shape
    (2, 3, 2)
    """
    arrs = atleast_3d(*_as_list(tup, "dstack"))
    if not isinstance(arrs, tuple):
        arrs = (arrs,)
    return concatenate(arrs, 2)


def column_stack(tup: Any) -> Any:
    """Like ``numpy.column_stack``: 1-d arrays become columns of a 2-d array.

    >>> import tracer.numpy as tnp
    >>> tnp.column_stack([tnp.ones(3), tnp.zeros(3)]).shape
    (3, 2)
    """
    arrs = []
    for v in _as_list(tup, "column_stack"):
        x = asarray(v)
        if x.ndim < 2:
            x = reshape_raw(x, (x.size, 1))
        arrs.append(x)
    return concatenate(arrs, 1)


def append(arr: Any, values: Any, axis: int | None = None) -> Any:
    """Like ``numpy.append``: ``concatenate`` of ``arr`` and ``values`` (flattened if no axis).

    >>> import tracer.numpy as tnp
    >>> tnp.append(tnp.ones(2), [3.0, 4.0]).shape
    (4,)
    """
    x = asarray(arr)
    if axis is None:
        if x.ndim != 1:
            x = ravel(x)
        values = ravel(values)
        axis = x.ndim - 1
    return concatenate((x, values), axis=axis)


# ---------------------------------------------------------------------------
# Splitting


def _split_points(n: int, indices_or_sections: Any, fn: str) -> list[int] | int:
    """The section count (an int) or the list of split indices."""
    if type(indices_or_sections) is Tracer and indices_or_sections.ndim == 0:
        return _static_int(indices_or_sections, "the number of sections", fn)
    if isinstance(indices_or_sections, (list, tuple)) or (
            hasattr(indices_or_sections, "shape") and len(indices_or_sections.shape) > 0):
        idx = _concrete_or_raise(indices_or_sections, "indices_or_sections", fn)
        return [_static_int(i, "split indices", fn) for i in np.ravel(idx).tolist()]
    return _static_int(indices_or_sections, "the number of sections", fn)


def _split_at(x: Any, ax: int, div_points: list[int]) -> list[Any]:
    n = x.shape[ax]
    out = []
    for st, end in zip(div_points[:-1], div_points[1:]):
        start, stop, _ = slice(st, end).indices(n)
        out.append(_slice_axis(x, ax, start, max(start, stop)))
    return out


def array_split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """Like ``numpy.array_split``: split into sections (possibly unequal) or at indices.

    >>> import tracer.numpy as tnp
    >>> [a.shape for a in tnp.array_split(tnp.arange(5), 2)]
    [(3,), (2,)]
    """
    x = asarray(ary)
    ax = normalize_axis(axis, x.ndim)
    n = x.shape[ax]
    pts = _split_points(n, indices_or_sections, "array_split")
    if isinstance(pts, int):
        if pts <= 0:
            raise ValueError(f"tnp.array_split: number sections must be larger than 0"
                             f"{_at()}")
        each, extras = divmod(n, pts)
        sizes = [0] + extras * [each + 1] + (pts - extras) * [each]
        div_points = np.cumsum(sizes).tolist()
    else:
        div_points = [0] + pts + [n]
    return _split_at(x, ax, div_points)


def split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """Like ``numpy.split``: equal sections (an error if they do not divide) or indices.

    >>> import tracer.numpy as tnp
    >>> [a.shape for a in tnp.split(tnp.arange(6), 3)]
    [(2,), (2,), (2,)]
    """
    x = asarray(ary)
    ax = normalize_axis(axis, x.ndim)
    pts = _split_points(x.shape[ax], indices_or_sections, "split")
    if isinstance(pts, int) and pts > 0 and x.shape[ax] % pts:
        raise ValueError(f"tnp.split: array split does not result in an equal division: "
                         f"{x.shape[ax]} elements into {pts} sections{_at()}")
    return array_split(x, pts, axis=ax)


def hsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """Like ``numpy.hsplit``: split along the second axis (the first for 1-d arrays).

    >>> import tracer.numpy as tnp
    >>> [a.shape for a in tnp.hsplit(tnp.ones((2, 4)), 2)]
    [(2, 2), (2, 2)]
    """
    x = asarray(ary)
    if x.ndim == 0:
        raise ValueError(f"tnp.hsplit only works on arrays of 1 or more dimensions{_at()}")
    return split(x, indices_or_sections, 1 if x.ndim > 1 else 0)


def vsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """Like ``numpy.vsplit``: split along the first axis.

    >>> import tracer.numpy as tnp
    >>> [a.shape for a in tnp.vsplit(tnp.ones((3, 2)), [1])]
    [(1, 2), (2, 2)]
    """
    x = asarray(ary)
    if x.ndim < 2:
        raise ValueError(f"tnp.vsplit only works on arrays of 2 or more dimensions{_at()}")
    return split(x, indices_or_sections, 0)


def dsplit(ary: Any, indices_or_sections: Any) -> list[Any]:
    """Like ``numpy.dsplit``: split along the third axis.

    >>> import tracer.numpy as tnp
    >>> [a.shape for a in tnp.dsplit(tnp.ones((1, 2, 4)), 2)]
    [(1, 2, 2), (1, 2, 2)]
    """
    x = asarray(ary)
    if x.ndim < 3:
        raise ValueError(f"tnp.dsplit only works on arrays of 3 or more dimensions{_at()}")
    return split(x, indices_or_sections, 2)


# ---------------------------------------------------------------------------
# Tiling and repeating


def tile(A: Any, reps: Any) -> Any:
    """Like ``numpy.tile``: one ``broadcast_in_dim`` and one ``reshape``.

    >>> import tracer.numpy as tnp
    >>> tnp.tile(tnp.arange(3), (2, 2)).shape
    (2, 6)
    """
    try:
        tup = tuple(reps)
    except TypeError:
        tup = (reps,)
    tup = tuple(_static_int(t, "reps", "tile") for t in tup)
    if any(t < 0 for t in tup):
        raise ValueError(f"tnp.tile: negative dimensions are not allowed in reps {tup}"
                         f"{_at()}")
    x = asarray(A)
    d = len(tup)
    if x.ndim < d:
        x = reshape_raw(x, (1,) * (d - x.ndim) + tuple(x.shape))
    tup = (1,) * (x.ndim - d) + tup
    if all(t == 1 for t in tup):
        return x
    big, dims = [], []
    for i, (s, t) in enumerate(zip(x.shape, tup)):
        big += [t, s]
        dims.append(2 * i + 1)
    y = bind(P.broadcast_in_dim_p, x, shape=tuple(big), broadcast_dimensions=tuple(dims))
    return reshape_raw(y, tuple(s * t for s, t in zip(x.shape, tup)))


def _take_static(x: Any, idx: np.ndarray, axis: int) -> Any:
    """``x`` indexed along ``axis`` by a static 1-d integer array (one gather)."""
    nd = x.ndim
    sizes = list(x.shape)
    sizes[axis] = 1
    dn = P.GatherDimensionNumbers(offset_dims=tuple(i for i in range(nd) if i != axis),
                                  collapsed_slice_dims=(axis,), start_index_map=(axis,))
    return bind(P.gather_p, x, np.asarray(idx, np.int64).reshape(-1, 1),
                dimension_numbers=dn, slice_sizes=tuple(sizes), mode="clip",
                fill_value=None)


def repeat(a: Any, repeats: Any, axis: int | None = None) -> Any:
    """Like ``numpy.repeat``.

    An integer ``repeats`` is a ``broadcast_in_dim`` and a ``reshape``; an
    array of repeats needs concrete values (the result's shape depends on
    them) and raises ``DataDependentShapeError`` under abstract tracing.

    >>> import tracer.numpy as tnp
    >>> tnp.repeat(tnp.arange(3), 2).tolist()
    [0, 0, 1, 1, 2, 2]
    """
    x = asarray(a)
    if axis is None:
        x = ravel(x)
        ax = 0
    else:
        ax = normalize_axis(axis, x.ndim)
    if _is_abstract(repeats) or (isinstance(repeats, (list, tuple)) and any(
            _is_abstract(r) for r in repeats)):
        raise DataDependentShapeError(
            f"tnp.repeat: `repeats` must be concrete: the shape of the result depends on its "
            f"values, which are unknown while recording abstractly (jit/vmap/make_graph), at "
            f"{user_location()}. Pass repeats as a Python int or list, or mark it static "
            f"(static_argnums).")
    reps = np.asarray(repeats)
    if reps.dtype.kind not in "iub":
        raise TypeError(f"tnp.repeat: repeats must be integers, got {reps.dtype}{_at()}")
    reps = reps.astype(np.int64)
    n = x.shape[ax]
    if reps.ndim > 1 or (reps.ndim == 1 and reps.shape[0] not in (1, n)):
        raise ValueError(f"tnp.repeat: operands could not be broadcast together with shape "
                         f"({n},) {reps.shape}{_at()}")
    if (reps < 0).any():
        raise ValueError(f"tnp.repeat: repeats may not contain negative values{_at()}")
    shape = tuple(x.shape)
    if reps.size == 1:
        r = int(reps.reshape(()))
        if r == 1:
            return x
        big = shape[:ax + 1] + (r,) + shape[ax + 1:]
        dims = tuple(range(ax + 1)) + tuple(range(ax + 2, x.ndim + 1))
        y = bind(P.broadcast_in_dim_p, x, shape=big, broadcast_dimensions=dims)
        return reshape_raw(y, shape[:ax] + (n * r,) + shape[ax + 1:])
    idx = np.repeat(np.arange(n), reps)
    if idx.size == 0:
        return _zeros(shape[:ax] + (0,) + shape[ax + 1:], x.dtype)
    if (reps == 1).all():
        return x
    return _take_static(x, idx, ax)


# ---------------------------------------------------------------------------
# Flipping, rolling, rotating


def flip(m: Any, axis: int | Sequence[int] | None = None) -> Any:
    """Like ``numpy.flip``: reverse the order of elements along the given axes (all by default).

    >>> import tracer.numpy as tnp
    >>> tnp.flip(tnp.arange(3)).tolist()
    [2, 1, 0]
    """
    x = asarray(m)
    dims = normalize_axes(None if axis is None else list(_axis_tuple(axis)), x.ndim)
    if not dims:
        return x
    return bind(P.rev_p, x, dimensions=tuple(sorted(dims)))


def fliplr(m: Any) -> Any:
    """Like ``numpy.fliplr``: reverse along axis 1.

    >>> import tracer.numpy as tnp
    >>> tnp.fliplr(tnp.eye(2)).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    x = asarray(m)
    if x.ndim < 2:
        raise ValueError(f"tnp.fliplr: input must be >= 2-d, got shape {x.shape}{_at()}")
    return flip(x, 1)


def flipud(m: Any) -> Any:
    """Like ``numpy.flipud``: reverse along axis 0.

    >>> import tracer.numpy as tnp
    >>> tnp.flipud(tnp.arange(3)).tolist()
    [2, 1, 0]
    """
    x = asarray(m)
    if x.ndim < 1:
        raise ValueError(f"tnp.flipud: input must be >= 1-d{_at()}")
    return flip(x, 0)


def _roll_static(x: Any, shift: int, ax: int) -> Any:
    n = x.shape[ax]
    if n == 0:
        return x
    s = shift % n
    if s == 0:
        return x
    return bind(P.concatenate_p, _slice_axis(x, ax, n - s, n), _slice_axis(x, ax, 0, n - s),
                dimension=ax)


def _roll_dynamic(x: Any, shift: Any, ax: int) -> Any:
    """Roll by a traced shift: a dynamic slice of ``x`` concatenated with itself."""
    from tracer.numpy._elementwise import remainder, subtract
    n = x.shape[ax]
    if n == 0:
        return x
    start = subtract(_scalar(n, shift.dtype), remainder(shift, _scalar(n, shift.dtype)))
    xx = bind(P.concatenate_p, x, x, dimension=ax)
    zero = _scalar(0, shift.dtype)
    idx = [zero] * x.ndim
    idx[ax] = start
    return bind(P.dynamic_slice_p, xx, *idx, slice_sizes=tuple(x.shape))


def roll(a: Any, shift: Any, axis: int | Sequence[int] | None = None) -> Any:
    """Like ``numpy.roll``: elements shifted off one end come back at the other.

    ``shift`` may be a traced integer (scalar, or one per axis).

    >>> import tracer.numpy as tnp
    >>> tnp.roll(tnp.arange(4), 1).tolist()
    [3, 0, 1, 2]
    """
    x = asarray(a)
    if axis is None:
        return reshape_raw(roll(ravel(x), shift, 0), x.shape)
    axes = [normalize_axis(ax, x.ndim) for ax in _axis_tuple(axis)]
    if isinstance(shift, (list, tuple)) and any(_is_abstract(s) for s in shift):
        shift = asarray(shift)
    if type(shift) is Tracer and _is_abstract(shift):
        if shift.dtype.kind not in "iu":
            raise TypeError(f"tnp.roll: shift must be an integer, got {shift.dtype}{_at()}")
        if shift.ndim == 0:
            shifts = [shift] * len(axes)
        elif shift.ndim == 1 and shift.shape[0] in (1, len(axes)):
            parts = [bind(P.squeeze_p, _slice_axis(shift, 0, i, i + 1), dimensions=(0,))
                     for i in range(shift.shape[0])]
            shifts = parts if len(parts) == len(axes) else parts * len(axes)
        else:
            raise ValueError(f"tnp.roll: 'shift' and 'axis' should be scalars or 1D "
                             f"sequences of the same length{_at()}")
        for s, ax in zip(shifts, axes):
            x = _roll_dynamic(x, s, ax)
        return x
    sh = _concrete_or_raise(shift, "shift", "roll")
    if sh.dtype.kind not in "iub":
        raise TypeError(f"tnp.roll: shift must be an integer, got {sh.dtype}{_at()}")
    try:
        b = np.broadcast(sh, np.asarray(axes))
    except ValueError:
        raise ValueError(f"tnp.roll: 'shift' and 'axis' should be scalars or 1D sequences "
                         f"of the same length{_at()}") from None
    if b.ndim > 1:
        raise ValueError(f"tnp.roll: 'shift' and 'axis' should be scalars or 1D "
                         f"sequences{_at()}")
    total: dict[int, int] = {}
    for s, ax in b:
        total[int(ax)] = total.get(int(ax), 0) + int(s)
    for ax, s in total.items():
        x = _roll_static(x, s, ax)
    return x


def rot90(m: Any, k: int = 1, axes: Sequence[int] = (0, 1)) -> Any:
    """Like ``numpy.rot90``: rotate by 90 degrees ``k`` times in the plane of ``axes``.

    >>> import tracer.numpy as tnp
    >>> tnp.rot90(tnp.reshape(tnp.arange(4), (2, 2))).tolist()
    [[1, 3], [0, 2]]
    """
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError(f"tnp.rot90: len(axes) must be 2{_at()}")
    x = asarray(m)
    nd = x.ndim
    if axes[0] == axes[1] or abs(axes[0] - axes[1]) == nd:
        raise ValueError(f"tnp.rot90: axes must be different{_at()}")
    if not all(-nd <= ax < nd for ax in axes):
        raise ValueError(f"tnp.rot90: axes={axes} out of range for array of ndim={nd}"
                         f"{_at()}")
    k = _static_int(k, "k", "rot90") % 4
    if k == 0:
        return x
    if k == 2:
        return flip(flip(x, axes[0]), axes[1])
    perm = list(range(nd))
    a0, a1 = axes[0] % nd, axes[1] % nd
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return _transpose(flip(x, axes[1]), perm)
    return flip(_transpose(x, perm), axes[1])


# ---------------------------------------------------------------------------
# Padding


def _as_pairs(x: Any, ndim: int, as_index: bool = False) -> list[tuple[Any, Any]]:
    """NumPy's ``pad`` argument broadcasting to ``ndim`` (before, after) pairs."""
    if x is None:
        return [(None, None)] * ndim
    arr = np.array(x)
    if as_index:
        arr = np.round(arr).astype(np.intp)
    if arr.ndim < 3:
        if arr.size == 1:
            v = arr.ravel()[0]
            if as_index and v < 0:
                raise ValueError(f"tnp.pad: index can't contain negative values{_at()}")
            return [(v, v)] * ndim
        if arr.size == 2 and arr.shape != (2, 1):
            v = arr.ravel()
            if as_index and (v[0] < 0 or v[1] < 0):
                raise ValueError(f"tnp.pad: index can't contain negative values{_at()}")
            return [(v[0], v[1])] * ndim
    if as_index and arr.size and arr.min() < 0:
        raise ValueError(f"tnp.pad: index can't contain negative values{_at()}")
    try:
        b = np.broadcast_to(arr, (ndim, 2))
    except ValueError:
        raise ValueError(f"tnp.pad: could not broadcast {arr.shape} to ({ndim}, 2)"
                         f"{_at()}") from None
    # NumPy hands these on as Python scalars (weak in promotion), as here
    return [tuple(pair) for pair in b.tolist()]


_PAD_KWARGS = {
    "empty": (), "edge": (), "wrap": (), "constant": ("constant_values",),
    "linear_ramp": ("end_values",), "maximum": ("stat_length",), "mean": ("stat_length",),
    "median": ("stat_length",), "minimum": ("stat_length",), "reflect": ("reflect_type",),
    "symmetric": ("reflect_type",),
}


def _pad_constant(x: Any, pairs: list[tuple[int, int]], values: Any) -> Any:
    if type(values) is Tracer or (hasattr(values, "aval") and values.ndim == 0):
        if values.ndim != 0:
            raise UnsupportedError(f"tnp.pad: traced constant_values must be a scalar"
                                   f"{_at()}")
        v = convert(values, x.dtype)
        return bind(P.pad_p, x, v, padding_config=tuple((lo, hi, 0) for lo, hi in pairs))
    vals = _as_pairs(np.asarray(values), x.ndim)
    vals = [(_scalar(lo, x.dtype), _scalar(hi, x.dtype)) for lo, hi in vals]
    flat = {(v.tobytes(), v.dtype) for pair in vals for v in pair}
    if len(flat) <= 1:
        v = vals[0][0] if vals else _scalar(0, x.dtype)
        if all(lo == 0 and hi == 0 for lo, hi in pairs):
            return x
        return bind(P.pad_p, x, v, padding_config=tuple((lo, hi, 0) for lo, hi in pairs))
    for ax, ((lo, hi), (vlo, vhi)) in enumerate(zip(pairs, vals)):
        for width, v, side in ((lo, vlo, 0), (hi, vhi, 1)):
            if width:
                cfg = [(0, 0, 0)] * x.ndim
                cfg[ax] = (width, 0, 0) if side == 0 else (0, width, 0)
                x = bind(P.pad_p, x, v, padding_config=tuple(cfg))
    return x


def _pad_edge(x: Any, ax: int, lo: int, hi: int) -> Any:
    n = x.shape[ax]
    parts = []
    if lo:
        parts.append(_broadcast_axis(_slice_axis(x, ax, 0, 1), ax, lo))
    parts.append(x)
    if hi:
        parts.append(_broadcast_axis(_slice_axis(x, ax, n - 1, n), ax, hi))
    return _concat(parts, ax)


def _pad_wrap(x: Any, ax: int, lo: int, hi: int) -> Any:
    # NumPy's _set_wrap_both, iterated: each round copies at most one period.
    orig = x.shape[ax]
    cur = x
    while lo > 0 or hi > 0:
        c = cur.shape[ax]
        period = c // orig * orig
        parts = []
        if lo > 0:
            n_lo = min(period, lo)
            parts.append(_slice_axis(cur, ax, period - n_lo, period))
            lo -= n_lo
        parts.append(cur)
        if hi > 0:
            n_hi = min(period, hi)
            parts.append(_slice_axis(cur, ax, c - period, c - period + n_hi))
            hi -= n_hi
        cur = _concat(parts, ax)
    return cur


def _pad_reflect(x: Any, ax: int, lo: int, hi: int, include_edge: bool, odd: bool) -> Any:
    # NumPy's _set_reflect_both, iterated until the pad widths are filled.
    from tracer.numpy._elementwise import multiply, subtract
    orig = x.shape[ax]
    if orig == 1:
        return _pad_edge(x, ax, lo, hi)
    cur = x
    while lo > 0 or hi > 0:
        c = cur.shape[ax]
        if include_edge:
            old, eo = c // orig * orig, 1
        else:
            old, eo = (c - 1) // (orig - 1) * (orig - 1), 0
        parts = []
        if lo > 0:
            n_lo = min(old, lo)
            chunk = _rev(_slice_axis(cur, ax, 1 - eo, n_lo - eo + 1), ax)
            if odd:
                edge = _slice_axis(cur, ax, 0, 1)
                chunk = subtract(multiply(edge, _scalar(2, x.dtype)), chunk)
            parts.append(chunk)
            lo -= n_lo
        parts.append(cur)
        if hi > 0:
            n_hi = min(old, hi)
            chunk = _rev(_slice_axis(cur, ax, c + eo - 1 - n_hi, c + eo - 1), ax)
            if odd:
                edge = _slice_axis(cur, ax, c - 1, c)
                chunk = subtract(multiply(edge, _scalar(2, x.dtype)), chunk)
            parts.append(chunk)
            hi -= n_hi
        cur = _concat(parts, ax)
    return cur


def _pad_linear_ramp(x: Any, ax: int, lo: int, hi: int, ends: tuple[Any, Any]) -> Any:
    from tracer.numpy._creation import linspace
    n = x.shape[ax]
    parts = []
    if lo:
        edge = bind(P.squeeze_p, _slice_axis(x, ax, 0, 1), dimensions=(ax,))
        parts.append(linspace(ends[0], edge, num=lo, endpoint=False, dtype=x.dtype, axis=ax))
    parts.append(x)
    if hi:
        edge = bind(P.squeeze_p, _slice_axis(x, ax, n - 1, n), dimensions=(ax,))
        ramp = linspace(ends[1], edge, num=hi, endpoint=False, dtype=x.dtype, axis=ax)
        parts.append(_rev(ramp, ax))
    return _concat(parts, ax)


def _median_keepdims(chunk: Any, ax: int) -> Any:
    n = chunk.shape[ax]
    dt = chunk.dtype if dtypes.is_inexact(chunk.dtype) else dtypes.float64
    c = convert(chunk, dt)
    s = bind(P.sort_p, c, dimension=ax, is_stable=True, num_keys=1)[0]
    mid = n // 2
    hi = _slice_axis(s, ax, mid, mid + 1)
    if n % 2:
        med = hi
    else:
        lo_ = _slice_axis(s, ax, mid - 1, mid)
        med = bind(P.div_p, bind(P.add_p, lo_, hi), _scalar(2, dt))
    if dt.kind == "f":
        anynan = bind(P.reduce_or_p, bind(P.ne_p, c, c), axes=(ax,))
        anynan = bind(P.expand_dims_p, anynan, dimensions=(ax,))
        med = bind(P.select_n_p, anynan, med, _scalar(np.nan, dt))
    return med


def _stat_keepdims(chunk: Any, ax: int, mode: str) -> Any:
    if mode in ("maximum", "minimum"):
        p = P.reduce_max_p if mode == "maximum" else P.reduce_min_p
        return bind(P.expand_dims_p, bind(p, chunk, axes=(ax,)), dimensions=(ax,))
    if mode == "median":
        return _median_keepdims(chunk, ax)
    # mean, accumulated like numpy.mean: in the float type of the input
    dt = chunk.dtype if dtypes.is_inexact(chunk.dtype) else dtypes.float64
    s = bind(P.reduce_sum_p, convert(chunk, dt), axes=(ax,))
    m = bind(P.div_p, s, _scalar(chunk.shape[ax], dt))
    return bind(P.expand_dims_p, m, dimensions=(ax,))


def _pad_stat(x: Any, ax: int, lo: int, hi: int, lengths: tuple[Any, Any], mode: str) -> Any:
    n = x.shape[ax]
    l_len = n if lengths[0] is None or n < lengths[0] else int(lengths[0])
    r_len = n if lengths[1] is None or n < lengths[1] else int(lengths[1])
    if (l_len == 0 or r_len == 0) and mode in ("maximum", "minimum"):
        raise ValueError(f"tnp.pad: stat_length of 0 yields no value for padding{_at()}")

    def finish(stat: Any) -> Any:
        if stat.dtype != x.dtype:
            if x.dtype.kind in "iu":
                stat = bind(P.round_p, stat, rounding_method=1)
            stat = convert(stat, x.dtype)
        return stat

    left = finish(_stat_keepdims(_slice_axis(x, ax, 0, l_len), ax, mode))
    if l_len == r_len == n:
        right = left
    else:
        right = finish(_stat_keepdims(_slice_axis(x, ax, n - r_len, n), ax, mode))
    parts = []
    if lo:
        parts.append(_broadcast_axis(left, ax, lo))
    parts.append(x)
    if hi:
        parts.append(_broadcast_axis(right, ax, hi))
    return _concat(parts, ax)


def pad(array: Any, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Any:
    """Like ``numpy.pad``; every mode but a callable (``'empty'`` pads with zeros).

    >>> import tracer.numpy as tnp
    >>> tnp.pad(tnp.arange(3), 2, mode="reflect").tolist()
    [2, 1, 0, 1, 2, 1, 0]
    """
    x = asarray(array)
    nd = x.ndim
    if isinstance(pad_width, dict):
        seq: list[Any] = [(0, 0)] * nd
        for ax, width in pad_width.items():
            seq[normalize_axis(ax, nd)] = (width, width) if isinstance(width, int) \
                else tuple(width)
        pad_width = seq
    pw = _concrete_or_raise(pad_width, "pad_width", "pad")
    if pw.dtype.kind not in "iu":
        raise TypeError(f"tnp.pad: `pad_width` must be of integral type{_at()}")
    pairs = [(int(lo), int(hi)) for lo, hi in _as_pairs(pw, nd, as_index=True)]
    if callable(mode):
        raise UnsupportedError(f"tnp.pad: a callable mode is not supported{_at()}")
    if mode not in _PAD_KWARGS:
        raise ValueError(f"tnp.pad: mode {mode!r} is not supported{_at()}")
    bad = set(kwargs) - set(_PAD_KWARGS[mode])
    if bad:
        raise ValueError(f"tnp.pad: unsupported keyword arguments for mode {mode!r}: {bad}"
                         f"{_at()}")
    if mode in ("constant", "empty"):
        return _pad_constant(x, pairs, kwargs.get("constant_values", 0))
    if x.size == 0:
        for ax, (lo, hi) in enumerate(pairs):
            if x.shape[ax] == 0 and (lo or hi):
                raise ValueError(f"tnp.pad: can't extend empty axis {ax} using modes other "
                                 f"than 'constant' or 'empty'{_at()}")
        return _pad_constant(x, pairs, 0)
    if mode in ("reflect", "symmetric"):
        method = kwargs.get("reflect_type", "even")
        if method not in ("even", "odd"):
            raise ValueError(f"tnp.pad: reflect_type must be 'even' or 'odd', got {method!r}"
                             f"{_at()}")
    if mode == "linear_ramp":
        ends = _as_pairs(kwargs.get("end_values", 0), nd)
    if mode in ("maximum", "minimum", "mean", "median"):
        lengths = _as_pairs(kwargs.get("stat_length"), nd, as_index=True)
    for ax, (lo, hi) in enumerate(pairs):
        if not (lo or hi):
            continue
        if mode == "edge":
            x = _pad_edge(x, ax, lo, hi)
        elif mode == "wrap":
            x = _pad_wrap(x, ax, lo, hi)
        elif mode in ("reflect", "symmetric"):
            x = _pad_reflect(x, ax, lo, hi, mode == "symmetric", method == "odd")
        elif mode == "linear_ramp":
            x = _pad_linear_ramp(x, ax, lo, hi, ends[ax])
        else:
            x = _pad_stat(x, ax, lo, hi, lengths[ax], mode)
    return x


# ---------------------------------------------------------------------------
# Diagonals and triangles


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """Like ``numpy.diagonal``: the diagonal becomes the last axis of the result.

    A strided ``slice`` of the two axes flattened together (no gather).

    >>> import tracer.numpy as tnp
    >>> tnp.diagonal(tnp.reshape(tnp.arange(9), (3, 3))).tolist()
    [0, 4, 8]
    """
    x = asarray(a)
    nd = x.ndim
    if nd < 2:
        raise ValueError(f"tnp.diagonal: diag requires an array of at least two dimensions"
                         f"{_at()}")
    a1, a2 = normalize_axis(axis1, nd, "axis1"), normalize_axis(axis2, nd, "axis2")
    if a1 == a2:
        raise ValueError(f"tnp.diagonal: axis1 and axis2 cannot be the same{_at()}")
    k = _static_int(offset, "offset", "diagonal")
    y = _transpose(x, [i for i in range(nd) if i not in (a1, a2)] + [a1, a2])
    batch = tuple(y.shape[:-2])
    n, m = y.shape[-2:]
    length = max(0, min(n, m - k)) if k >= 0 else max(0, min(n + k, m))
    flat = reshape_raw(y, batch + (n * m,))
    if length == 0:
        start = limit = 0
    else:
        start = k if k >= 0 else -k * m
        limit = start + (length - 1) * (m + 1) + 1
    nb = len(batch)
    return bind(P.slice_p, flat, start_indices=(0,) * nb + (start,),
                limit_indices=batch + (limit,), strides=(1,) * nb + (m + 1,))


def _sum_dtype(dt: np.dtype) -> np.dtype:
    """The dtype ``numpy.sum`` accumulates in by default."""
    if dt.kind == "b" or (dt.kind == "i" and dt.itemsize < 8):
        return dtypes.int64
    if dt.kind == "u" and dt.itemsize < 8:
        return dtypes.uint64
    return dt


def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None,
          out: Any = None) -> Any:
    """Like ``numpy.trace``: the sum along a diagonal (small ints sum in int64, as NumPy).

    >>> import tracer.numpy as tnp
    >>> int(tnp.trace(tnp.reshape(tnp.arange(9), (3, 3))))
    12
    """
    _no_out(out, "trace")
    d = diagonal(a, offset, axis1, axis2)
    dt = _sum_dtype(d.dtype) if dtype is None else dtypes.canonicalize(dtype)
    return bind(P.reduce_sum_p, convert(d, dt), axes=(d.ndim - 1,))


def diag(v: Any, k: int = 0) -> Any:
    """Like ``numpy.diag``: a 2-d array's ``k``-th diagonal, or a 1-d array on one.

    Building a matrix is one interior ``pad`` of the vector and a ``reshape``.

    >>> import tracer.numpy as tnp
    >>> tnp.diag(tnp.arange(1, 3)).tolist()
    [[1, 0], [0, 2]]
    """
    x = asarray(v)
    k = _static_int(k, "k", "diag")
    if x.ndim == 2:
        return diagonal(x, k)
    if x.ndim != 1:
        raise ValueError(f"tnp.diag: input must be 1- or 2-d, got shape {x.shape}{_at()}")
    n = x.shape[0]
    size = n + abs(k)
    if n == 0:
        return _zeros((size, size), x.dtype)
    off = k if k >= 0 else -k * size
    last = off + (n - 1) * (size + 1)
    flat = bind(P.pad_p, x, _scalar(0, x.dtype),
                padding_config=((off, size * size - last - 1, size),))
    return reshape_raw(flat, (size, size))


def diagflat(v: Any, k: int = 0) -> Any:
    """Like ``numpy.diagflat``: the flattened input on the ``k``-th diagonal.

    >>> import tracer.numpy as tnp
    >>> tnp.diagflat([[1, 2]]).shape
    (2, 2)
    """
    return diag(ravel(v), k)


def _tri_mask(n: int, m: int, k: int) -> Any:
    """Boolean (n, m) mask of ``col <= row + k`` (from two iotas)."""
    rows = bind(P.iota_p, dtype=dtypes.int64, shape=(n, m), dimension=0)
    cols = bind(P.iota_p, dtype=dtypes.int64, shape=(n, m), dimension=1)
    if k:
        rows = bind(P.add_p, rows, np.int64(k))
    return bind(P.ge_p, rows, cols)


def _tri_select(m: Any, k: int, lower: bool, fn: str) -> Any:
    x = asarray(m)
    if x.ndim == 0:
        raise ValueError(f"tnp.{fn}: input must be at least 1-d{_at()}")
    k = _static_int(k, "k", fn)
    shape = tuple(x.shape[-2:])
    n, cols = (shape[0], shape[0]) if len(shape) == 1 else shape
    mask = _tri_mask(n, cols, k if lower else k - 1)
    zero = _scalar(0, x.dtype)
    if lower:
        return bind(P.select_n_p, mask, zero, x)
    return bind(P.select_n_p, mask, x, zero)


def tril(m: Any, k: int = 0) -> Any:
    """Like ``numpy.tril``: zero the elements above the ``k``-th diagonal.

    >>> import tracer.numpy as tnp
    >>> tnp.tril(tnp.ones((2, 2))).tolist()
    [[1.0, 0.0], [1.0, 1.0]]
    """
    return _tri_select(m, k, True, "tril")


def triu(m: Any, k: int = 0) -> Any:
    """Like ``numpy.triu``: zero the elements below the ``k``-th diagonal.

    >>> import tracer.numpy as tnp
    >>> tnp.triu(tnp.ones((2, 2))).tolist()
    [[1.0, 1.0], [0.0, 1.0]]
    """
    return _tri_select(m, k, False, "triu")
