"""Reductions, cumulative ops and order statistics of ``tnp``, on primitives.

Results and result dtypes follow NumPy 2 (``sum`` of int32 is int64, ``mean``
of ints is float64, ``median`` of float32 is float32, ...).  Every function
works eagerly (returning ``backends.Array``) and under every recorder.

How they are built:

* ufunc-style reductions bind ``reduce_*`` with ``axes`` as a sorted tuple of
  non-negative ints; ``keepdims`` is a ``reshape`` afterwards.
* ``mean``/``var``/``std`` and their ``nan*`` forms follow NumPy's algorithms
  step by step (two-pass variance, accumulation dtypes, division in the
  accumulation dtype), so results agree to the last bits in most cases.
* ``median``/``quantile``/``percentile`` (and ``nan*``) sort the reduced
  axes with the ``sort`` primitive (NaN sorts last, as in NumPy) and take
  order statistics.  With a concrete ``q`` all index arithmetic is static
  (NumPy on Python values) and the graph holds ``slice``/``gather`` with
  constant indices; a traced ``q`` (or the per-slice counts of the ``nan*``
  forms) gives traced indices and a ``gather``.  The interpolation mirrors
  NumPy's ``_lerp`` operation by operation, quirks included (e.g. int8
  differences wrap, ``quantile([1, inf], 1.0)`` is NaN).

Decisions and known differences (mostly where NumPy's behaviour depends on
the data, which an abstract tracer cannot see):

* ``nanargmax``/``nanargmin`` of an all-NaN slice: eagerly ``ValueError`` as
  in NumPy; under a transform the result is -1 there (as ``jax.numpy``).
* ``average`` with weights summing to zero, and weighted ``quantile`` with
  negative or non-finite weights: eagerly the NumPy errors; traced, no check
  (NaN/inf results).
* a traced ``q`` is not range-checked.
* NumPy's ``quantile`` returns the *input* dtype instead of the promoted one
  when the result is a scalar whose slice holds a NaN (a data-dependent
  dtype: float32 data, a NumPy-scalar ``q``, a NaN); graphjit always returns
  the promoted dtype.
* ``where=`` is not supported: a ``TypeError`` names the user's line (mask
  the input with ``tnp.where`` instead).  ``out=`` likewise (arrays are
  immutable).
"""
from __future__ import annotations

import builtins
import math
import operator
from typing import Any, Callable, Sequence

import numpy as np

from tracer import dtypes
from tracer import primitives as P
from tracer.ir import user_location
from tracer.numpy import _elementwise as ew
from tracer.numpy._core import (asarray, convert, host_binder, is_host, reshape_raw,
                               result_type, weaken)
from tracer.tracing import Tracer, bind

__all__ = [
    "sum", "prod", "mean", "var", "std", "max", "min", "amax", "amin", "argmax",
    "argmin", "ptp", "all", "any", "cumsum", "cumprod", "cumulative_sum", "cumulative_prod",
    "nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanargmax",
    "nanargmin", "nancumsum", "nancumprod", "median", "nanmedian", "quantile", "percentile",
    "nanquantile", "nanpercentile", "average", "count_nonzero",
]

_INTP = np.dtype(np.intp)
_F32 = dtypes.float32
_F64 = dtypes.float64


# ---------------------------------------------------------------------------
# Helpers: arguments, axes, small constants


def _check_out(name: str, out: Any) -> None:
    if out is not None:
        raise TypeError(f"{name}: out= is not supported (graphjit arrays are immutable); "
                        f"use the return value (at {user_location()})")


def _check_where(name: str, where: Any) -> None:
    if where is None or (isinstance(where, (bool, np.bool_)) and where):
        return
    raise TypeError(f"{name}: where= is not supported; mask the input with tnp.where "
                    f"instead (at {user_location()})")


def _dtype_arg(dtype: Any) -> np.dtype:
    return dtypes.canonicalize(dtype)


def _axis(axis: Any, ndim: int) -> int:
    try:
        a = operator.index(axis)
    except TypeError:
        raise TypeError(f"axis must be an integer (or, where allowed, a tuple of integers), "
                        f"got {axis!r} (at {user_location()})") from None
    if not -ndim <= a < ndim:
        raise np.exceptions.AxisError(
            f"axis {a} is out of bounds for array of dimension {ndim} (at {user_location()})")
    return a % ndim


def _axes(axis: Any, ndim: int, scalar_axis_ok: bool = False) -> tuple[int, ...]:
    """Normalized reduction axes (sorted).

    ``scalar_axis_ok``: NumPy's ufunc reductions accept ``axis=0``/``-1`` on
    0-d arrays (and reduce nothing); mean/var/median do not.
    """
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        axes = tuple(_axis(a, ndim) for a in axis)
        if len(set(axes)) != len(axes):
            raise ValueError(f"duplicate value in 'axis': {tuple(axis)} (at {user_location()})")
        return tuple(sorted(axes))
    if scalar_axis_ok and ndim == 0 and not isinstance(axis, bool):
        try:
            if operator.index(axis) in (0, -1):
                return ()
        except TypeError:
            pass
    return (_axis(axis, ndim),)


# The eager shortcut of whole-array reductions: ``axes`` of an ``n``-d array.
_ALL_AXES = [tuple(range(n)) for n in range(33)]
_SHORT: dict = {}   # the eager backend's binders of the shortcuts (host_binder)


def _whole_float(a: Any, axis: Any) -> bool:
    """Whether the eager shortcut applies to reducing all of ``a``: a host Array,
    non-empty, of a float dtype (its own accumulator), ``axis=None``."""
    if axis is None and is_host(a):
        dt = a.dtype
        return dt.kind == "f" and dt.itemsize >= 4 and a.size > 0
    return False


def _count(shape: Sequence[int], axes: Sequence[int]) -> int:
    return math.prod(shape[i] for i in axes)


def _reduce(p: P.Primitive, x: Any, axes: tuple[int, ...]) -> Any:
    if not axes:
        return x
    return bind(p, x, axes=axes)


def _keepdims(r: Any, shape: Sequence[int], axes: Sequence[int], keepdims: bool) -> Any:
    if not keepdims:
        return r
    return reshape_raw(r, tuple(1 if i in axes else d for i, d in enumerate(shape)))


def _const(value: Any, dtype: np.dtype) -> Any:
    """A NumPy scalar of ``dtype`` (becomes a literal in graphs)."""
    return np.asarray(value, dtype=dtype)[()]


def _full(shape: Sequence[int], value: Any, dtype: np.dtype) -> Any:
    return bind(P.broadcast_in_dim_p, _const(value, dtype), shape=tuple(shape),
                broadcast_dimensions=())


def _select(c: Any, x: Any, y: Any) -> Any:
    """``x`` where ``c`` else ``y`` (equal dtypes)."""
    return bind(P.select_n_p, c, y, x)


def _isnan(x: Any) -> Any:
    return bind(P.ne_p, x, x)


def _truth(x: Any) -> Any:
    if x.dtype == dtypes.bool_:
        return x
    return bind(P.ne_p, x, _const(0, x.dtype))


def _sum_dtype(dt: np.dtype) -> np.dtype:
    """NumPy's default accumulator of ``add.reduce``/``cumsum``: at least the platform int."""
    if dt.kind == "b" or (dt.kind == "i" and dt.itemsize < _INTP.itemsize):
        return np.dtype(np.int_)
    if dt.kind == "u" and dt.itemsize < _INTP.itemsize:
        return np.dtype(np.uint)
    return dt


def _mean_dtypes(x_dtype: np.dtype, dtype: Any) -> tuple[np.dtype, np.dtype]:
    """(accumulation dtype, result dtype) of ``np.mean``."""
    if dtype is not None:
        d = _dtype_arg(dtype)
        return d, d
    if x_dtype.kind in "biu":
        return _F64, _F64
    if x_dtype == dtypes.float16:
        return _F32, x_dtype
    return x_dtype, x_dtype


def _div_count(s: Any, n: float, out_dtype: np.dtype) -> Any:
    """``s / n`` for a static count ``n``, cast to ``out_dtype`` (NumPy's unsafe cast)."""
    if dtypes.is_inexact(s.dtype):
        r = bind(P.div_p, s, _const(n, s.dtype))
    else:
        r = bind(P.div_p, convert(s, _F64), _const(n, _F64))
    return convert(r, out_dtype)


def _div_traced_count(s: Any, cnt: Any) -> Any:
    """``s / cnt`` for an array of counts, in ``s``'s (inexact) dtype."""
    cdt = _F32 if s.dtype.itemsize < 4 else s.dtype
    r = bind(P.div_p, convert(s, cdt), convert(cnt, cdt))
    return convert(r, s.dtype)


def _ddof(ddof: Any, correction: Any) -> Any:
    if correction is not None:
        if ddof != 0:
            raise ValueError(f"ddof and correction can't be provided simultaneously "
                             f"(at {user_location()})")
        return correction
    return ddof


def _check_nonempty(opname: str, shape: Sequence[int], axes: Sequence[int]) -> None:
    if axes and _count(shape, axes) == 0:
        raise ValueError(f"zero-size array to reduction operation {opname} which has no "
                         f"identity; pass initial= (at {user_location()})")


def _nan_fill(x: Any, value: float) -> tuple[Any, Any]:
    """``x`` with NaNs replaced by ``value``, and the NaN mask (None if ``x`` is not inexact)."""
    if not dtypes.is_inexact(x.dtype):
        return x, None
    m = _isnan(x)
    return _select(m, _const(value, x.dtype), x), m


def _is_traced(x: Any) -> bool:
    return type(x) is Tracer


def _contains_tracer(x: Any) -> bool:
    if isinstance(x, (list, tuple)):
        return builtins.any(_contains_tracer(e) for e in x)
    return type(x) is Tracer


# ---------------------------------------------------------------------------
# Sums, products, extrema, logic


def sum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,  # noqa: A001
        keepdims: bool = False, initial: Any = None, where: Any = None) -> Any:
    """Like ``numpy.sum``: bool and small ints accumulate in int64.

    >>> import tracer.numpy as tnp
    >>> tnp.sum(tnp.asarray([[1, 2], [3, 4]], dtype="int32"), axis=0)
    Array([4, 6], dtype=int64)
    """
    if dtype is None and out is None and not keepdims and initial is None and where is None:
        if _whole_float(a, axis):
            f = _SHORT.get((P.reduce_sum_p, a.ndim)) or host_binder(
                _SHORT, (P.reduce_sum_p, a.ndim), P.reduce_sum_p, 1, axes=_ALL_AXES[a.ndim])
            if f:
                try:
                    return f(a)
                except (ValueError, TypeError, IndexError):
                    pass
    _check_out("sum", out)
    _check_where("sum", where)
    x = asarray(a)
    axes = _axes(axis, x.ndim, scalar_axis_ok=True)
    dt = _dtype_arg(dtype) if dtype is not None else _sum_dtype(x.dtype)
    r = _reduce(P.reduce_sum_p, convert(x, dt), axes)
    if initial is not None:
        r = bind(P.add_p, r, convert(initial, dt))
    return _keepdims(r, x.shape, axes, keepdims)


def prod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
         keepdims: bool = False, initial: Any = None, where: Any = None) -> Any:
    """Like ``numpy.prod``: bool and small ints accumulate in int64.

    >>> import tracer.numpy as tnp
    >>> tnp.prod(tnp.asarray([1.0, 2.0, 3.0]))
    Array(6., dtype=float64)
    """
    _check_out("prod", out)
    _check_where("prod", where)
    x = asarray(a)
    axes = _axes(axis, x.ndim, scalar_axis_ok=True)
    dt = _dtype_arg(dtype) if dtype is not None else _sum_dtype(x.dtype)
    r = _reduce(P.reduce_prod_p, convert(x, dt), axes)
    if initial is not None:
        r = bind(P.mul_p, r, convert(initial, dt))
    return _keepdims(r, x.shape, axes, keepdims)



def _extremum(name: str, is_max: bool, a: Any, axis: Any, out: Any, keepdims: bool,
              initial: Any, where: Any) -> Any:
    if out is None and not keepdims and initial is None and where is None:
        if _whole_float(a, axis):
            p = P.reduce_max_p if is_max else P.reduce_min_p
            f = _SHORT.get((p, a.ndim)) or host_binder(_SHORT, (p, a.ndim), p, 1,
                                                       axes=_ALL_AXES[a.ndim])
            if f:
                try:
                    return f(a)
                except (ValueError, TypeError, IndexError):
                    pass
    _check_out(name, out)
    _check_where(name, where)
    x = asarray(a)
    axes = _axes(axis, x.ndim, scalar_axis_ok=True)
    if initial is None:
        _check_nonempty("maximum" if is_max else "minimum", x.shape, axes)
    r = _reduce(P.reduce_max_p if is_max else P.reduce_min_p, x, axes)
    if initial is not None:
        r = bind(P.max_p if is_max else P.min_p, r, convert(initial, x.dtype))
    return _keepdims(r, x.shape, axes, keepdims)


def max(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False,  # noqa: A001
        initial: Any = None, where: Any = None) -> Any:
    """Like ``numpy.max`` (NaN propagates; empty reductions need ``initial``).

    >>> import tracer.numpy as tnp
    >>> tnp.max(tnp.asarray([[1, 5], [3, 2]]), axis=1)
    Array([5, 3], dtype=int64)
    """
    return _extremum("max", True, a, axis, out, keepdims, initial, where)


def min(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False,  # noqa: A001
        initial: Any = None, where: Any = None) -> Any:
    """Like ``numpy.min`` (NaN propagates; empty reductions need ``initial``).

    >>> import tracer.numpy as tnp
    >>> tnp.min(tnp.asarray([[1, 5], [3, 2]]), axis=0)
    Array([1, 2], dtype=int64)
    """
    return _extremum("min", False, a, axis, out, keepdims, initial, where)


def amax(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False,
         initial: Any = None, where: Any = None) -> Any:
    """Like ``numpy.amax`` (an alias of ``max``).

    >>> import tracer.numpy as tnp
    >>> tnp.amax(tnp.asarray([1.0, tnp.nan]))
    Array(nan, dtype=float64)
    """
    return _extremum("amax", True, a, axis, out, keepdims, initial, where)


def amin(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False,
         initial: Any = None, where: Any = None) -> Any:
    """Like ``numpy.amin`` (an alias of ``min``).

    >>> import tracer.numpy as tnp
    >>> tnp.amin(tnp.asarray([[1, 5], [3, 2]]), axis=1, keepdims=True)
    Array([[1],
           [2]], dtype=int64)
    """
    return _extremum("amin", False, a, axis, out, keepdims, initial, where)


def _argreduce(name: str, p: P.Primitive, a: Any, axis: Any, out: Any, keepdims: bool) -> Any:
    if out is None and not keepdims:
        if is_host(a) and a.ndim == 1 and a.size and (axis is None or axis == 0):
            idx = dtypes.canonical(_INTP)   # (int32 in 32-bit mode)
            f = _SHORT.get((p, idx)) or host_binder(_SHORT, (p, idx), p, 1, axis=0,
                                                    index_dtype=idx)
            if f:
                try:
                    return f(a)
                except (ValueError, TypeError, IndexError):
                    pass
    _check_out(name, out)
    x = asarray(a)
    shape = tuple(x.shape)
    if axis is None:
        x = reshape_raw(x, (x.size,))
        ax = 0
        kshape = (1,) * len(shape)
    else:
        ax = _axis(axis, builtins.max(x.ndim, 1))  # NumPy treats a 0-d array as 1-d here
        if x.ndim == 0:
            x = reshape_raw(x, (1,))
            kshape = ()
        else:
            kshape = tuple(1 if i == ax else d for i, d in enumerate(shape))
    if x.shape[ax] == 0:
        raise ValueError(f"attempt to get {name} of an empty sequence (at {user_location()})")
    r = bind(p, x, axis=ax, index_dtype=_INTP)
    return reshape_raw(r, kshape) if keepdims else r


def argmax(a: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False) -> Any:
    """Like ``numpy.argmax``: int64 indices of the first maximum (the first NaN if any).

    >>> import tracer.numpy as tnp
    >>> tnp.argmax(tnp.asarray([1.0, 7.0, 7.0, 2.0]))
    Array(1, dtype=int64)
    """
    return _argreduce("argmax", P.argmax_p, a, axis, out, keepdims)


def argmin(a: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False) -> Any:
    """Like ``numpy.argmin``: int64 indices of the first minimum (the first NaN if any).

    >>> import tracer.numpy as tnp
    >>> tnp.argmin(tnp.asarray([[3, 1], [0, 4]]), axis=1)
    Array([1, 0], dtype=int64)
    """
    return _argreduce("argmin", P.argmin_p, a, axis, out, keepdims)


def ptp(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:
    """Like ``numpy.ptp``: ``max - min`` (integer results wrap like NumPy's).

    >>> import tracer.numpy as tnp
    >>> tnp.ptp(tnp.asarray([4.0, -1.0, 2.0]))
    Array(5., dtype=float64)
    """
    _check_out("ptp", out)
    x = asarray(a)
    hi = _extremum("ptp", True, x, axis, None, keepdims, None, None)
    lo = _extremum("ptp", False, x, axis, None, keepdims, None, None)
    if x.dtype == dtypes.bool_:
        raise TypeError(f"ptp: not supported for boolean arrays (NumPy's subtract does not "
                        f"support booleans) (at {user_location()})")
    return bind(P.sub_p, hi, lo)


def all(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False,  # noqa: A001
        *, where: Any = None) -> Any:
    """Like ``numpy.all`` (NaN counts as true; an empty reduction is True).

    >>> import tracer.numpy as tnp
    >>> tnp.all(tnp.asarray([[1, 0], [2, 3]]), axis=1)
    Array([False,  True], dtype=bool)
    """
    _check_out("all", out)
    _check_where("all", where)
    x = asarray(a)
    axes = _axes(axis, x.ndim, scalar_axis_ok=True)
    return _keepdims(_reduce(P.reduce_and_p, _truth(x), axes), x.shape, axes, keepdims)


def any(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False,  # noqa: A001
        *, where: Any = None) -> Any:
    """Like ``numpy.any`` (NaN counts as true; an empty reduction is False).

    >>> import tracer.numpy as tnp
    >>> tnp.any(tnp.asarray([0.0, 0.0]))
    Array(False, dtype=bool)
    """
    _check_out("any", out)
    _check_where("any", where)
    x = asarray(a)
    axes = _axes(axis, x.ndim, scalar_axis_ok=True)
    return _keepdims(_reduce(P.reduce_or_p, _truth(x), axes), x.shape, axes, keepdims)


def count_nonzero(a: Any, axis: Any = None, *, keepdims: bool = False) -> Any:
    """Like ``numpy.count_nonzero``: int64 counts.

    >>> import tracer.numpy as tnp
    >>> tnp.count_nonzero(tnp.asarray([[0, 1], [2, 3]]), axis=0)
    Array([1, 2], dtype=int64)
    """
    x = asarray(a)
    axes = _axes(axis, x.ndim, scalar_axis_ok=True)
    r = _reduce(P.reduce_sum_p, convert(_truth(x), _INTP), axes)
    return _keepdims(r, x.shape, axes, keepdims)


# ---------------------------------------------------------------------------
# Cumulative ops


def _cumulative(name: str, p: P.Primitive, a: Any, axis: Any, dtype: Any, out: Any) -> Any:
    if dtype is None and out is None and (axis is None or axis == 0):
        if is_host(a) and a.ndim == 1 and a.dtype.kind == "f":
            f = _SHORT.get(p) or host_binder(_SHORT, p, p, 1, axis=0, reverse=False)
            if f:
                try:
                    return f(a)
                except (ValueError, TypeError, IndexError):
                    pass
    _check_out(name, out)
    x = asarray(a)
    if axis is None or x.ndim == 0:
        if axis is not None:
            _axis(axis, 1)  # NumPy treats a 0-d array as 1-d here
        x = reshape_raw(x, (x.size,))
        ax = 0
    else:
        ax = _axis(axis, x.ndim)
    dt = _dtype_arg(dtype) if dtype is not None else _sum_dtype(x.dtype)
    return bind(p, convert(x, dt), axis=ax, reverse=False)


def cumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    """Like ``numpy.cumsum`` (flattens when ``axis`` is None; small ints accumulate in int64).

    >>> import tracer.numpy as tnp
    >>> tnp.cumsum(tnp.asarray([[1, 2], [3, 4]]))
    Array([ 1,  3,  6, 10], dtype=int64)
    """
    return _cumulative("cumsum", P.cumsum_p, a, axis, dtype, out)


def cumprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    """Like ``numpy.cumprod`` (flattens when ``axis`` is None; small ints accumulate in int64).

    >>> import tracer.numpy as tnp
    >>> tnp.cumprod(tnp.asarray([1.0, 2.0, 3.0]))
    Array([1., 2., 6.], dtype=float64)
    """
    return _cumulative("cumprod", P.cumprod_p, a, axis, dtype, out)


def _cumulative_api(name: str, p: P.Primitive, identity: int, x: Any, axis: Any, dtype: Any,
                    out: Any, include_initial: bool) -> Any:
    x = asarray(x)
    if axis is None:
        if x.ndim > 1:
            raise ValueError(f"{name}: for arrays which have more than one dimension ``axis`` "
                             f"argument is required (at {user_location()})")
        axis = 0
    r = _cumulative(name, p, x, axis, dtype, out)
    if include_initial:
        ax = _axis(axis, r.ndim)
        shape = tuple(1 if i == ax else d for i, d in enumerate(r.shape))
        r = bind(P.concatenate_p, _full(shape, identity, r.dtype), r, dimension=ax)
    return r


def cumulative_sum(x: Any, /, *, axis: Any = None, dtype: Any = None, out: Any = None,
                   include_initial: bool = False) -> Any:
    """Like ``numpy.cumulative_sum`` (array API): ``include_initial`` prepends a 0.

    >>> import tracer.numpy as tnp
    >>> tnp.cumulative_sum(tnp.asarray([1, 2, 3]), include_initial=True)
    Array([0, 1, 3, 6], dtype=int64)
    """
    return _cumulative_api("cumulative_sum", P.cumsum_p, 0, x, axis, dtype, out,
                           include_initial)


def cumulative_prod(x: Any, /, *, axis: Any = None, dtype: Any = None, out: Any = None,
                    include_initial: bool = False) -> Any:
    """Like ``numpy.cumulative_prod`` (array API): ``include_initial`` prepends a 1.

    >>> import tracer.numpy as tnp
    >>> tnp.cumulative_prod(tnp.asarray([2.0, 3.0]), include_initial=True)
    Array([1., 2., 6.], dtype=float64)
    """
    return _cumulative_api("cumulative_prod", P.cumprod_p, 1, x, axis, dtype, out,
                           include_initial)


# ---------------------------------------------------------------------------
# Mean, variance, standard deviation


def mean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
         *, where: Any = None) -> Any:
    """Like ``numpy.mean``: ints and bools give float64, float16 accumulates in float32.

    >>> import tracer.numpy as tnp
    >>> tnp.mean(tnp.asarray([[1, 2], [3, 5]]), axis=0)
    Array([2. , 3.5], dtype=float64)
    """
    if dtype is None and out is None and not keepdims and where is None:
        if _whole_float(a, axis):
            f = _SHORT.get((P.reduce_sum_p, a.ndim)) or host_binder(
                _SHORT, (P.reduce_sum_p, a.ndim), P.reduce_sum_p, 1, axes=_ALL_AXES[a.ndim])
            d = _SHORT.get(P.div_p) or host_binder(_SHORT, P.div_p, P.div_p, 2)
            if f and d:
                try:
                    return d(f(a), a.dtype.type(a.size))
                except (ValueError, TypeError, IndexError):
                    pass
    _check_out("mean", out)
    _check_where("mean", where)
    x = asarray(a)
    axes = _axes(axis, x.ndim)
    sdt, odt = _mean_dtypes(x.dtype, dtype)
    s = _reduce(P.reduce_sum_p, convert(x, sdt), axes)
    r = _div_count(s, _count(x.shape, axes), odt)
    return _keepdims(r, x.shape, axes, keepdims)


def var(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0,
        keepdims: bool = False, *, where: Any = None, mean: Any = None,
        correction: Any = None) -> Any:
    """Like ``numpy.var`` (two passes, as NumPy; ``ddof``/``correction``, ``mean=``).

    >>> import tracer.numpy as tnp
    >>> tnp.var(tnp.asarray([1.0, 2.0, 3.0, 4.0]), ddof=1)
    Array(1.66666667, dtype=float64)
    """
    _check_out("var", out)
    _check_where("var", where)
    return _var(asarray(a), axis, dtype, _ddof(ddof, correction), keepdims, mean)


def _var(x: Any, axis: Any, dtype: Any, ddof: Any, keepdims: bool, mean_arg: Any) -> Any:
    axes = _axes(axis, x.ndim)
    n = _count(x.shape, axes)
    dt = _dtype_arg(dtype) if dtype is not None else (
        _F64 if x.dtype.kind in "biu" else None)
    if mean_arg is None:
        s = _reduce(P.reduce_sum_p, convert(x, dt or x.dtype), axes)
        s = _keepdims(s, x.shape, axes, True)
        arrmean = _div_count(s, n, s.dtype)
    else:
        arrmean = asarray(mean_arg)
    d2 = _sq_modulus(ew.subtract(x, arrmean))
    r = _reduce(P.reduce_sum_p, convert(d2, _real_dtype(dt or d2.dtype)), axes)
    r = _div_count(r, builtins.max(n - ddof, 0), r.dtype)
    return _keepdims(r, x.shape, axes, keepdims)


def _sqrt_keep(v: Any) -> Any:
    """``sqrt`` in ``v``'s dtype (an integer ``dtype=`` only works for 0-d, as in NumPy)."""
    r = ew.sqrt(v)
    if r.dtype == v.dtype:
        return r
    if v.ndim:
        raise TypeError(f"cannot cast sqrt output from {r.dtype} to {v.dtype} (pass an "
                        f"inexact dtype=) (at {user_location()})")
    return convert(r, v.dtype)


def std(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0,
        keepdims: bool = False, *, where: Any = None, mean: Any = None,
        correction: Any = None) -> Any:
    """Like ``numpy.std``: ``sqrt(var(...))``.

    >>> import tracer.numpy as tnp
    >>> tnp.std(tnp.asarray([1.0, 3.0]))
    Array(1., dtype=float64)
    """
    _check_out("std", out)
    _check_where("std", where)
    return _sqrt_keep(_var(asarray(a), axis, dtype, _ddof(ddof, correction), keepdims, mean))


# ---------------------------------------------------------------------------
# NaN-ignoring reductions


def nansum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
           keepdims: bool = False, initial: Any = None, where: Any = None) -> Any:
    """Like ``numpy.nansum``: NaNs count as zero.

    >>> import tracer.numpy as tnp
    >>> tnp.nansum(tnp.asarray([1.0, tnp.nan, 2.0]))
    Array(3., dtype=float64)
    """
    _check_out("nansum", out)
    _check_where("nansum", where)
    return sum(_nan_fill(asarray(a), 0)[0], axis, dtype, None, keepdims, initial)


def nanprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
            keepdims: bool = False, initial: Any = None, where: Any = None) -> Any:
    """Like ``numpy.nanprod``: NaNs count as one.

    >>> import tracer.numpy as tnp
    >>> tnp.nanprod(tnp.asarray([2.0, tnp.nan, 3.0]))
    Array(6., dtype=float64)
    """
    _check_out("nanprod", out)
    _check_where("nanprod", where)
    return prod(_nan_fill(asarray(a), 1)[0], axis, dtype, None, keepdims, initial)


def nancumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    """Like ``numpy.nancumsum``: NaNs count as zero.

    >>> import tracer.numpy as tnp
    >>> tnp.nancumsum(tnp.asarray([1.0, tnp.nan, 2.0]))
    Array([1., 1., 3.], dtype=float64)
    """
    return _cumulative("nancumsum", P.cumsum_p, _nan_fill(asarray(a), 0)[0], axis, dtype, out)


def nancumprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    """Like ``numpy.nancumprod``: NaNs count as one.

    >>> import tracer.numpy as tnp
    >>> tnp.nancumprod(tnp.asarray([2.0, tnp.nan, 3.0]))
    Array([2., 2., 6.], dtype=float64)
    """
    return _cumulative("nancumprod", P.cumprod_p, _nan_fill(asarray(a), 1)[0], axis, dtype,
                       out)


def _check_inexact_dtype(name: str, dtype: Any) -> None:
    if dtype is not None and not dtypes.is_inexact(_dtype_arg(dtype)):
        raise TypeError(f"{name}: if a is inexact, then dtype must be inexact "
                        f"(at {user_location()})")


def nanmean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
            keepdims: bool = False, *, where: Any = None) -> Any:
    """Like ``numpy.nanmean``: the mean of the non-NaN values (NaN for an all-NaN slice).

    >>> import tracer.numpy as tnp
    >>> tnp.nanmean(tnp.asarray([1.0, tnp.nan, 2.0]))
    Array(1.5, dtype=float64)
    """
    _check_out("nanmean", out)
    _check_where("nanmean", where)
    x = asarray(a)
    if not dtypes.is_inexact(x.dtype):
        return mean(x, axis, dtype, None, keepdims)
    _check_inexact_dtype("nanmean", dtype)
    axes = _axes(axis, x.ndim, scalar_axis_ok=True)
    xf, m = _nan_fill(x, 0)
    cnt = _reduce(P.reduce_sum_p, convert(bind(P.not_p, m), _INTP), axes)
    tot = _reduce(P.reduce_sum_p, convert(xf, _dtype_arg(dtype) if dtype else x.dtype), axes)
    return _keepdims(_div_traced_count(tot, cnt), x.shape, axes, keepdims)


def _sq_modulus(d: Any) -> Any:
    """``|d|**2``: NumPy's variance of complex values is real (``d * conj(d)``)."""
    if d.dtype.kind == "c":
        d = bind(P.abs_p, d)
    return ew.multiply(d, d)


def _real_dtype(dt: np.dtype) -> np.dtype:
    return np.finfo(dt).dtype if dt.kind == "c" else dt


def _nanvar(name: str, a: Any, axis: Any, dtype: Any, ddof: Any, keepdims: bool,
            mean_arg: Any) -> Any:
    x = asarray(a)
    if not dtypes.is_inexact(x.dtype):
        return _var(x, axis, dtype, ddof, keepdims, mean_arg)
    _check_inexact_dtype(name, dtype)
    axes = _axes(axis, x.ndim, scalar_axis_ok=True)
    dt = _dtype_arg(dtype) if dtype is not None else x.dtype
    xf, m = _nan_fill(x, 0)
    cnt = _keepdims(_reduce(P.reduce_sum_p, convert(bind(P.not_p, m), _INTP), axes),
                    x.shape, axes, True)
    if mean_arg is None:
        avg = _keepdims(_reduce(P.reduce_sum_p, convert(xf, dt), axes), x.shape, axes, True)
        avg = _div_traced_count(avg, cnt)
    else:
        avg = asarray(mean_arg)
    # NumPy subtracts in place (cast back to a's dtype), then zeroes the NaN slots.
    d = convert(ew.subtract(xf, avg), x.dtype)
    d = _select(m, _const(0, x.dtype), d)
    sq = _sq_modulus(d)
    v = _keepdims(_reduce(P.reduce_sum_p, convert(sq, _real_dtype(dt)), axes), x.shape, axes,
                  keepdims)
    cnt = reshape_raw(cnt, v.shape)
    dof = ew.subtract(cnt, ddof)
    v = _div_traced_count(v, dof)
    return _select(ew.less_equal(dof, 0), _const(np.nan, v.dtype), v)


def nanvar(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0,
           keepdims: bool = False, *, where: Any = None, mean: Any = None,
           correction: Any = None) -> Any:
    """Like ``numpy.nanvar``: the variance of the non-NaN values.

    >>> import tracer.numpy as tnp
    >>> tnp.nanvar(tnp.asarray([1.0, tnp.nan, 3.0]))
    Array(1., dtype=float64)
    """
    _check_out("nanvar", out)
    _check_where("nanvar", where)
    return _nanvar("nanvar", a, axis, dtype, _ddof(ddof, correction), keepdims, mean)


def nanstd(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0,
           keepdims: bool = False, *, where: Any = None, mean: Any = None,
           correction: Any = None) -> Any:
    """Like ``numpy.nanstd``: ``sqrt(nanvar(...))``.

    >>> import tracer.numpy as tnp
    >>> tnp.nanstd(tnp.asarray([1.0, tnp.nan, 3.0]))
    Array(1., dtype=float64)
    """
    _check_out("nanstd", out)
    _check_where("nanstd", where)
    return _sqrt_keep(_nanvar("nanstd", a, axis, dtype, _ddof(ddof, correction), keepdims,
                              mean))


def _nanextremum(name: str, is_max: bool, a: Any, axis: Any, out: Any, keepdims: bool,
                 initial: Any, where: Any) -> Any:
    _check_out(name, out)
    _check_where(name, where)
    x = asarray(a)
    if not dtypes.is_inexact(x.dtype):
        return _extremum(name, is_max, x, axis, None, keepdims, initial, None)
    axes = _axes(axis, x.ndim, scalar_axis_ok=True)
    if initial is None:
        _check_nonempty("fmax" if is_max else "fmin", x.shape, axes)
    xf, m = _nan_fill(x, -np.inf if is_max else np.inf)
    r = _reduce(P.reduce_max_p if is_max else P.reduce_min_p, xf, axes)
    r = _select(_reduce(P.reduce_and_p, m, axes), _const(np.nan, x.dtype), r)
    if initial is not None:
        r = (ew.fmax if is_max else ew.fmin)(r, convert(initial, x.dtype))
    return _keepdims(r, x.shape, axes, keepdims)


def nanmax(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False,
           initial: Any = None, where: Any = None) -> Any:
    """Like ``numpy.nanmax``: ignores NaNs (NaN for an all-NaN slice).

    >>> import tracer.numpy as tnp
    >>> tnp.nanmax(tnp.asarray([1.0, tnp.nan, 3.0]))
    Array(3., dtype=float64)
    """
    return _nanextremum("nanmax", True, a, axis, out, keepdims, initial, where)


def nanmin(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False,
           initial: Any = None, where: Any = None) -> Any:
    """Like ``numpy.nanmin``: ignores NaNs (NaN for an all-NaN slice).

    >>> import tracer.numpy as tnp
    >>> tnp.nanmin(tnp.asarray([[1.0, tnp.nan], [tnp.nan, tnp.nan]]), axis=1)
    Array([ 1., nan], dtype=float64)
    """
    return _nanextremum("nanmin", False, a, axis, out, keepdims, initial, where)


def _nanargreduce(name: str, is_max: bool, a: Any, axis: Any, out: Any, keepdims: bool) -> Any:
    x = asarray(a)
    plain = argmax if is_max else argmin
    if not dtypes.is_inexact(x.dtype):
        return plain(x, axis, out, keepdims=keepdims)
    # As NumPy: NaN -> -inf (+inf), then the plain argreduce.
    xf, m = _nan_fill(x, -np.inf if is_max else np.inf)
    r = _argreduce(name, P.argmax_p if is_max else P.argmin_p, xf, axis, out, keepdims)
    allnan = all(m, axis=axis, keepdims=keepdims)
    if not _is_traced(allnan):
        if np.asarray(allnan).any():
            raise ValueError(f"{name}: All-NaN slice encountered (at {user_location()})")
        return r
    return _select(allnan, _const(-1, r.dtype), r)


def nanargmax(a: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False) -> Any:
    """Like ``numpy.nanargmax``: ignores NaNs (all-NaN slice: ValueError eagerly, -1 traced).

    >>> import tracer.numpy as tnp
    >>> tnp.nanargmax(tnp.asarray([1.0, tnp.nan, 3.0]))
    Array(2, dtype=int64)
    """
    return _nanargreduce("nanargmax", True, a, axis, out, keepdims)


def nanargmin(a: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False) -> Any:
    """Like ``numpy.nanargmin``: ignores NaNs (all-NaN slice: ValueError eagerly, -1 traced).

    >>> import tracer.numpy as tnp
    >>> tnp.nanargmin(tnp.asarray([tnp.nan, 3.0, 1.0]))
    Array(2, dtype=int64)
    """
    return _nanargreduce("nanargmin", False, a, axis, out, keepdims)


# ---------------------------------------------------------------------------
# Order statistics: median, quantile, percentile


def _sorted_slices(x: Any, axis: Any, *extra: Any
                   ) -> tuple[list[Any], int, tuple[int, ...], tuple[int, ...]]:
    """Move the reduced axes to the front, merge them and sort along them.

    Returns ``([S, *E], n, rest, keep_shape)``: ``S`` has shape ``(n, *rest)``
    and is sorted along axis 0 (NaN last, stable); the ``extra`` operands
    (same shape as ``x``) are permuted along with it; ``keep_shape`` is the
    keepdims shape.
    """
    shape = tuple(x.shape)
    axes = _axes(axis, x.ndim)
    rest_axes = tuple(i for i in range(x.ndim) if i not in axes)
    n = _count(shape, axes)
    rest = tuple(shape[i] for i in rest_axes)
    perm = axes + rest_axes
    ops = [x, *extra]
    if perm != tuple(range(x.ndim)):
        ops = [bind(P.transpose_p, o, permutation=perm) for o in ops]
    ops = [reshape_raw(o, (n,) + rest) for o in ops]
    if n > 1:
        ops = list(bind(P.sort_p, *ops, dimension=0, is_stable=True, num_keys=1))
    keep = tuple(1 if i in axes else d for i, d in enumerate(shape))
    return ops, n, rest, keep


def _take_row(S: Any, i: int) -> Any:
    """``S[i]`` for a static ``i`` (a slice and a reshape)."""
    nd = S.ndim
    start = (i,) + (0,) * (nd - 1)
    limit = (i + 1,) + tuple(S.shape[1:])
    r = bind(P.slice_p, S, start_indices=start, limit_indices=limit, strides=(1,) * nd)
    return reshape_raw(r, tuple(S.shape[1:]))


def _take_rows(S: Any, idx: Any) -> Any:
    """``S[idx]`` along axis 0 for integer ``idx`` of shape Q: result Q + S.shape[1:]."""
    if not _is_traced(idx) and np.ndim(idx) == 0:
        return _take_row(S, int(np.asarray(idx)))
    if isinstance(idx, (np.ndarray, np.generic)):
        indices = np.asarray(idx, dtype=_INTP)[..., None]
    else:
        idx = convert(idx, _INTP)
        indices = reshape_raw(idx, tuple(idx.shape) + (1,))
    nq = indices.ndim - 1
    rest = tuple(S.shape[1:])
    dn = P.GatherDimensionNumbers(offset_dims=tuple(range(nq, nq + len(rest))),
                                  collapsed_slice_dims=(0,), start_index_map=(0,))
    return bind(P.gather_p, S, indices, dimension_numbers=dn, slice_sizes=(1,) + rest,
                mode="clip", fill_value=None)


def _take_per_slice(S: Any, idx: Any) -> Any:
    """``S[idx[..., r], r]`` for ``idx`` of shape Q + rest (one index per slice r)."""
    idx = convert(idx, _INTP)
    bshape = tuple(idx.shape)
    rest = tuple(S.shape[1:])
    nq = len(bshape) - len(rest)
    cols = [reshape_raw(idx, bshape + (1,))]
    for j in range(len(rest)):
        cols.append(bind(P.iota_p, dtype=_INTP, shape=bshape + (1,), dimension=nq + j))
    indices = cols[0] if len(cols) == 1 else bind(P.concatenate_p, *cols,
                                                    dimension=len(bshape))
    nd = S.ndim
    dn = P.GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=tuple(range(nd)),
                                  start_index_map=tuple(range(nd)))
    return bind(P.gather_p, S, indices, dimension_numbers=dn, slice_sizes=(1,) * nd,
                mode="clip", fill_value=None)


def median(a: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
           keepdims: bool = False) -> Any:
    """Like ``numpy.median``: NaN if the slice holds a NaN; ints give float64.

    >>> import tracer.numpy as tnp
    >>> tnp.median(tnp.asarray([[3, 1, 2], [6, 4, 5]]), axis=1)
    Array([2., 5.], dtype=float64)
    """
    _check_out("median", out)
    x = asarray(a)
    (S,), n, rest, keep = _sorted_slices(x, axis)
    sdt, odt = _mean_dtypes(x.dtype, None)
    if n == 0:
        r = _full(rest, np.nan, odt)
    elif n % 2:
        r = convert(_take_row(S, n // 2), odt)
    else:
        # NumPy takes the mean of the two middle values: add, halve, cast.
        lo = convert(_take_row(S, n // 2 - 1), sdt)
        hi = convert(_take_row(S, n // 2), sdt)
        r = convert(bind(P.div_p, bind(P.add_p, lo, hi), _const(2, sdt)), odt)
    if n and dtypes.is_inexact(x.dtype):
        last = _take_row(S, n - 1)
        r = _select(_isnan(last), _const(np.nan, odt), r)
    return reshape_raw(r, keep) if keepdims else r


def nanmedian(a: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
              keepdims: bool = False) -> Any:
    """Like ``numpy.nanmedian``: the median of the non-NaN values (NaN if there are none).

    >>> import tracer.numpy as tnp
    >>> tnp.nanmedian(tnp.asarray([1.0, tnp.nan, 5.0, 2.0]))
    Array(2., dtype=float64)
    """
    _check_out("nanmedian", out)
    x = asarray(a)
    if not dtypes.is_inexact(x.dtype):
        return median(x, axis, keepdims=keepdims)
    if x.size == 0:
        return nanmean(x, axis, keepdims=keepdims)
    (S,), n, rest, keep = _sorted_slices(x, axis)
    k = _reduce(P.reduce_sum_p, convert(bind(P.not_p, _isnan(S)), _INTP), (0,))
    lo_i = bind(P.div_p, bind(P.sub_p, k, _const(1, _INTP)), _const(2, _INTP))
    hi_i = bind(P.div_p, k, _const(2, _INTP))
    lo, hi = _take_per_slice(S, lo_i), _take_per_slice(S, hi_i)
    cdt = _F32 if x.dtype.itemsize < 4 else x.dtype
    two = bind(P.add_p, convert(lo, cdt), convert(hi, cdt))
    avg = convert(bind(P.div_p, two, _const(2, cdt)), x.dtype)
    r = _select(bind(P.eq_p, lo_i, hi_i), lo, avg)
    r = _select(bind(P.eq_p, k, _const(0, _INTP)), _const(np.nan, x.dtype), r)
    return reshape_raw(r, keep) if keepdims else r


_QUANTILE_METHODS = (
    "inverted_cdf", "averaged_inverted_cdf", "closest_observation",
    "interpolated_inverted_cdf", "hazen", "weibull", "linear", "median_unbiased",
    "normal_unbiased", "lower", "higher", "midpoint", "nearest")
_DISCRETE = ("inverted_cdf", "closest_observation", "lower", "higher", "nearest")
_ALPHA_BETA = {"interpolated_inverted_cdf": (0.0, 1.0), "hazen": (0.5, 0.5),
               "weibull": (0.0, 0.0), "median_unbiased": (1 / 3.0, 1 / 3.0),
               "normal_unbiased": (3 / 8.0, 3 / 8.0)}


class _StaticOps:
    """Index arithmetic on concrete values (NumPy), for a static ``q``."""

    floor = staticmethod(np.floor)
    ceil = staticmethod(np.ceil)
    around = staticmethod(np.around)
    where = staticmethod(np.where)
    isnan = staticmethod(np.isnan)

    @staticmethod
    def astype(v: Any, dt: np.dtype) -> Any:
        return np.asarray(v).astype(dt)


class _TracedOps:
    """The same index arithmetic on graphjit values (traced ``q`` or per-slice counts)."""

    floor = staticmethod(ew.floor)
    ceil = staticmethod(ew.ceil)
    around = staticmethod(ew.round)
    where = staticmethod(ew.where)
    isnan = staticmethod(ew.isnan)

    @staticmethod
    def astype(v: Any, dt: np.dtype) -> Any:
        return convert(asarray(v), dt)


def _discrete_index(xp: Any, index: Any, cond: Callable[[Any, Any], Any]) -> Any:
    prev = xp.floor(index)
    nxt = prev + 1
    gamma = index - prev
    res = xp.astype(xp.where(cond(gamma, index), prev, nxt), _INTP)
    return xp.where(res < 0, 0, res)


def _virtual_index(xp: Any, method: str, n: Any, q: Any) -> Any:
    """NumPy's ``_QuantileMethods[method]['get_virtual_index']``."""
    if method == "linear":
        return (n - 1) * q
    if method in _ALPHA_BETA:
        alpha, beta = _ALPHA_BETA[method]
        return n * q + (alpha + q * (1 - alpha - beta)) - 1
    if method == "averaged_inverted_cdf":
        return n * q - 1
    if method == "lower":
        return xp.astype(xp.floor((n - 1) * q), _INTP)
    if method == "higher":
        return xp.astype(xp.ceil((n - 1) * q), _INTP)
    if method == "nearest":
        return xp.astype(xp.around((n - 1) * q), _INTP)
    if method == "midpoint":
        return 0.5 * (xp.floor((n - 1) * q) + xp.ceil((n - 1) * q))
    if method == "inverted_cdf":
        return _discrete_index(xp, n * q - 1, lambda g, i: g == 0)
    assert method == "closest_observation"
    return _discrete_index(xp, n * q - 1 - 0.5,
                           lambda g, i: (g == 0) & (xp.floor(i) % 2 == 1))


def _neighbours(xp: Any, method: str, vi: Any, n: Any) -> tuple[Any, Any, Any]:
    """NumPy's ``_get_indexes`` and ``_get_gamma``: (previous, next, gamma).

    The indexes use NumPy's -1 for "the last element" (gamma depends on it);
    the caller maps -1 to ``n - 1``.
    """
    prev = xp.floor(vi)
    nxt = prev + 1
    above = vi >= n - 1
    prev, nxt = xp.where(above, -1, prev), xp.where(above, -1, nxt)
    below = vi < 0
    prev, nxt = xp.where(below, 0, prev), xp.where(below, 0, nxt)
    isnan = xp.isnan(vi)
    prev, nxt = xp.where(isnan, -1, prev), xp.where(isnan, -1, nxt)
    prev, nxt = xp.astype(prev, _INTP), xp.astype(nxt, _INTP)
    gamma = vi - prev
    if xp is _TracedOps:
        # At an interpolation node (gamma == 0) the quantile is the element itself:
        # JAX's derivative w.r.t. q is 0 there (its upper neighbour is ceil(vi), the
        # same element), not NumPy's next element minus this one; a constant 0 has it.
        gamma = xp.where(gamma == 0, 0, gamma)
    if method == "averaged_inverted_cdf":
        gamma = xp.where(gamma == 0, 0.5, 1.0)
    elif method == "midpoint":
        gamma = xp.where(vi % 1 == 0, 0.0, 0.5)
    return prev, nxt, xp.astype(gamma, vi.dtype)


def _lerp(a: Any, b: Any, t: Any) -> Any:
    """NumPy's ``_lerp``: ``a + (b-a) t``, or ``b - (b-a)(1-t)`` where ``t >= 0.5``."""
    diff = ew.subtract(b, a)
    if isinstance(t, float):  # a static, weak t: only one branch is needed
        if t >= 0.5:
            return ew.subtract(b, ew.multiply(diff, 1 - t))
        return ew.add(a, ew.multiply(diff, t))
    lerp = ew.add(a, ew.multiply(diff, t))
    # (operators: a weak traced t stands for a Python float, and 1 - t is one too)
    one_minus, upper = 1 - t, t >= 0.5
    alt = convert(ew.subtract(b, ew.multiply(diff, one_minus)), lerp.dtype)
    return ew.where(upper, alt, lerp)


def _quantile(name: str, a: Any, q: Any, axis: Any, method: str, keepdims: bool,
              weights: Any, percent: bool, nan_aware: bool) -> Any:
    x = asarray(a)
    if x.dtype.kind == "c":
        raise TypeError(f"{name}: a must be an array of real numbers (at {user_location()})")
    if method not in _QUANTILE_METHODS:
        raise ValueError(f"{name}: {method!r} is not a valid method. Use one of: "
                         f"{', '.join(_QUANTILE_METHODS)} (at {user_location()})")
    # NumPy: ``type(q) in (int, float)``; under jit such a q is a weak tracer
    weak_q = type(q) in (int, float) or (
        type(q) is Tracer and q.weak_type and q.dtype.kind != "b")
    static_q = not _contains_tracer(q)
    if static_q:
        qv = np.asarray(q)
        if percent:
            qv = np.true_divide(qv, 100)
        qv = np.asarray(qv)
        if qv.size and not (qv.min() >= 0 and qv.max() <= 1):
            rng = "Percentiles must be in the range [0, 100]" if percent else \
                "Quantiles must be in the range [0, 1]"
            raise ValueError(f"{name}: {rng} (at {user_location()})")
        xp: Any = _StaticOps
    else:
        qv = asarray(q)
        if percent:
            qv = ew.true_divide(qv, 100)
        xp = _TracedOps
    if qv.ndim > 2:
        raise ValueError(f"{name}: q must be a scalar or 1d (at {user_location()})")
    if weights is not None:
        return _weighted_quantile(name, x, qv, axis, method, keepdims, weights, nan_aware)
    inexact = dtypes.is_inexact(x.dtype)
    if nan_aware and inexact:
        if x.size == 0:
            return nanmean(x, axis, keepdims=keepdims)
        return _nanquantile(x, qv, axis, method, keepdims, weak_q)
    (S,), n, rest, keep = _sorted_slices(x, axis)
    qshape = tuple(qv.shape)
    if n == 0:
        raise IndexError(f"{name}: cannot take a quantile of an empty slice "
                         f"(at {user_location()})")
    vi = _virtual_index(xp, method, n, qv)
    if method in _DISCRETE or (method == "linear" and vi.dtype.kind in "iu"):
        r = _take_rows(S, vi)
    else:
        if x.dtype == dtypes.bool_:
            raise TypeError(f"{name}: method {method!r} interpolates, which is not supported "
                            f"for boolean arrays (at {user_location()})")
        prev, nxt, gamma = _neighbours(xp, method, vi, n)
        prev, nxt = xp.where(prev == -1, n - 1, prev), xp.where(nxt == -1, n - 1, nxt)
        lo, hi = _take_rows(S, prev), _take_rows(S, nxt)
        if weak_q:   # NumPy: ``float(gamma)``, a weak Python float
            gamma = float(gamma) if static_q else weaken(convert(gamma, dtypes.float64))
        elif static_q:
            gamma = np.asarray(gamma).reshape(qshape + (1,) * len(rest))
        else:
            gamma = reshape_raw(gamma, qshape + (1,) * len(rest))
        r = _lerp(lo, hi, gamma)
    if inexact:
        last = _take_row(S, n - 1)
        r = ew.where(ew.isnan(last), last, r)
    return reshape_raw(r, qshape + keep) if keepdims else r


def _nanquantile(x: Any, qv: Any, axis: Any, method: str, keepdims: bool, weak_q: bool) -> Any:
    """Quantiles of the non-NaN values: per-slice counts make the indices traced."""
    (S,), n, rest, keep = _sorted_slices(x, axis)
    qshape = tuple(qv.shape)
    k = _reduce(P.reduce_sum_p, convert(bind(P.not_p, _isnan(S)), _INTP), (0,))
    bshape = qshape + (1,) * len(rest)
    qb = np.asarray(qv).reshape(bshape) if isinstance(qv, np.ndarray) else \
        reshape_raw(qv, bshape)
    # NumPy works on each compressed slice with a Python-int length.
    kk = convert(k, qv.dtype) if qv.dtype.kind == "f" else k
    full = qshape + rest
    vi = _virtual_index(_TracedOps, method, kk, qb)
    last = ew.subtract(k, 1)
    if method in _DISCRETE or (method == "linear" and vi.dtype.kind in "iu"):
        idx = ew.minimum(ew.maximum(vi, 0), last)
        r = _take_per_slice(S, _broadcast(idx, full))
    else:
        prev, nxt, gamma = _neighbours(_TracedOps, method, vi, kk)
        prev = ew.where(ew.equal(prev, -1), last, prev)
        nxt = ew.where(ew.equal(nxt, -1), last, nxt)
        lo = _take_per_slice(S, _broadcast(prev, full))
        hi = _take_per_slice(S, _broadcast(nxt, full))
        if weak_q:
            gamma = convert(gamma, result_type(x.dtype, 1.0))
        r = _lerp(lo, hi, gamma)
    r = ew.where(ew.equal(k, 0), _const(np.nan, x.dtype), r)
    return reshape_raw(r, qshape + keep) if keepdims else r


def _broadcast(x: Any, shape: tuple[int, ...]) -> Any:
    x = asarray(x)
    if tuple(x.shape) == shape:
        return x
    nd = len(shape) - x.ndim
    return bind(P.broadcast_in_dim_p, x, shape=shape,
                broadcast_dimensions=tuple(range(nd, len(shape))))


def _user_axes(axis: Any, ndim: int) -> tuple[int, ...] | None:
    """Normalized axes in the order the user gave them (weights follow that order)."""
    if axis is None:
        return None
    axes = tuple(_axis(ax, ndim) for ax in (axis if isinstance(axis, (tuple, list))
                                            else (axis,)))
    if len(set(axes)) != len(axes):
        raise ValueError(f"duplicate value in 'axis': {axes} (at {user_location()})")
    return axes


def _weights_for(name: str, x: Any, w: Any, uaxes: tuple[int, ...] | None) -> Any:
    """NumPy's ``_weights_are_valid``: weights of ``x``'s shape, or of the axes' shape."""
    if tuple(w.shape) == tuple(x.shape):
        return w
    if uaxes is None:
        raise TypeError(f"{name}: axis must be specified when shapes of a and weights "
                        f"differ (at {user_location()})")
    if tuple(w.shape) != tuple(x.shape[i] for i in uaxes):
        raise ValueError(f"{name}: shape of weights {tuple(w.shape)} must be consistent with "
                         f"shape of a {tuple(x.shape)} along axis {uaxes} "
                         f"(at {user_location()})")
    perm = tuple(int(i) for i in np.argsort(uaxes))
    if perm != tuple(range(len(perm))):
        w = bind(P.transpose_p, w, permutation=perm)
    return reshape_raw(w, tuple(s if i in uaxes else 1 for i, s in enumerate(x.shape)))


def _weighted_quantile(name: str, x: Any, qv: Any, axis: Any, method: str, keepdims: bool,
                       weights: Any, nan_aware: bool) -> Any:
    """NumPy's weighted ``inverted_cdf``: the first value whose weight CDF reaches q."""
    if method != "inverted_cdf":
        raise ValueError(f"{name}: only method 'inverted_cdf' supports weights, got "
                         f"{method!r} (at {user_location()})")
    w = _weights_for(name, x, asarray(weights), _user_axes(axis, x.ndim))
    if not _is_traced(w) and np.any(np.asarray(w) < 0):
        raise ValueError(f"{name}: weights must be non-negative (at {user_location()})")
    w = _broadcast(w, tuple(x.shape))
    nan_aware = nan_aware and dtypes.is_inexact(x.dtype)
    if nan_aware:  # NaNs get zero weight (they sort last): NumPy drops them
        w = _select(_isnan(x), _const(0, w.dtype), w)
    (S, W), n, rest, keep = _sorted_slices(x, axis, w)
    if n == 0:
        raise IndexError(f"{name}: cannot take a quantile of an empty slice "
                         f"(at {user_location()})")
    cdf = bind(P.cumsum_p, convert(W, _F64), axis=0, reverse=False)
    cdf = bind(P.div_p, cdf, _take_row(cdf, n - 1))
    k = None
    if nan_aware:
        k = _reduce(P.reduce_sum_p, convert(bind(P.not_p, _isnan(S)), _INTP), (0,))
    bad = _isnan(_take_row(cdf, n - 1))
    if k is not None:
        bad = bind(P.and_p, bad, bind(P.ne_p, k, _const(0, _INTP)))
    if not _is_traced(bad) and np.any(np.asarray(bad)):
        raise ValueError(f"{name}: weights included NaN, inf or were all zero "
                         f"(at {user_location()})")
    if qv.dtype.kind == "f":
        cdf = convert(cdf, qv.dtype)
    # Leading zero weights: the first quantile must skip them (NumPy sets zeros to -1).
    cdf = _select(bind(P.eq_p, cdf, _const(0, cdf.dtype)), _const(-1, cdf.dtype), cdf)
    qshape = tuple(qv.shape)
    cdf = reshape_raw(cdf, (n,) + (1,) * len(qshape) + rest)
    qshape_b = (1,) + qshape + (1,) * len(rest)
    qb = np.asarray(qv).reshape(qshape_b) if isinstance(qv, np.ndarray) else \
        reshape_raw(qv, qshape_b)
    below = convert(ew.less(cdf, qb), _INTP)  # searchsorted(cdf, q, side="left")
    idx = ew.minimum(_reduce(P.reduce_sum_p, below, (0,)), n - 1)
    r = _take_per_slice(S, _broadcast(idx, qshape + rest))
    if k is not None:
        r = ew.where(ew.equal(k, 0), _const(np.nan, x.dtype), r)
    elif dtypes.is_inexact(x.dtype):
        last = _take_row(S, n - 1)
        r = ew.where(ew.isnan(last), last, r)
    return reshape_raw(r, qshape + keep) if keepdims else r


def quantile(a: Any, q: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
             method: str = "linear", keepdims: bool = False, *, weights: Any = None) -> Any:
    """Like ``numpy.quantile`` (all 13 methods; ``q`` may be traced).

    >>> import tracer.numpy as tnp
    >>> tnp.quantile(tnp.asarray([[10, 7, 4], [3, 2, 1]]), 0.5, axis=0)
    Array([6.5, 4.5, 2.5], dtype=float64)
    """
    _check_out("quantile", out)
    return _quantile("quantile", a, q, axis, method, keepdims, weights, False, False)


def percentile(a: Any, q: Any, axis: Any = None, out: Any = None,
               overwrite_input: bool = False, method: str = "linear", keepdims: bool = False,
               *, weights: Any = None) -> Any:
    """Like ``numpy.percentile``: ``quantile(a, q / 100)``.

    >>> import tracer.numpy as tnp
    >>> tnp.percentile(tnp.asarray([1.0, 2.0, 3.0, 4.0]), 50)
    Array(2.5, dtype=float64)
    """
    _check_out("percentile", out)
    return _quantile("percentile", a, q, axis, method, keepdims, weights, True, False)


def nanquantile(a: Any, q: Any, axis: Any = None, out: Any = None,
                overwrite_input: bool = False, method: str = "linear",
                keepdims: bool = False, *, weights: Any = None) -> Any:
    """Like ``numpy.nanquantile``: quantiles of the non-NaN values.

    >>> import tracer.numpy as tnp
    >>> tnp.nanquantile(tnp.asarray([1.0, tnp.nan, 3.0]), 0.5)
    Array(2., dtype=float64)
    """
    _check_out("nanquantile", out)
    return _quantile("nanquantile", a, q, axis, method, keepdims, weights, False, True)


def nanpercentile(a: Any, q: Any, axis: Any = None, out: Any = None,
                  overwrite_input: bool = False, method: str = "linear",
                  keepdims: bool = False, *, weights: Any = None) -> Any:
    """Like ``numpy.nanpercentile``: percentiles of the non-NaN values.

    >>> import tracer.numpy as tnp
    >>> tnp.nanpercentile(tnp.asarray([1.0, tnp.nan, 3.0]), [0, 100])
    Array([1., 3.], dtype=float64)
    """
    _check_out("nanpercentile", out)
    return _quantile("nanpercentile", a, q, axis, method, keepdims, weights, True, True)


# ---------------------------------------------------------------------------
# Weighted average


def average(a: Any, axis: Any = None, weights: Any = None, returned: bool = False, *,
            keepdims: bool = False) -> Any:
    """Like ``numpy.average``; ``returned=True`` also gives the sum of the weights.

    >>> import tracer.numpy as tnp
    >>> tnp.average(tnp.asarray([1.0, 2.0, 4.0]), weights=tnp.asarray([1.0, 1.0, 2.0]))
    Array(2.75, dtype=float64)
    """
    x = asarray(a)
    uaxes = _user_axes(axis, x.ndim)
    axes = None if uaxes is None else tuple(sorted(uaxes))
    if weights is None:
        avg = mean(x, axes, keepdims=keepdims)
        scl = _full(avg.shape, x.size / avg.size, avg.dtype)
    else:
        w = asarray(weights)
        if x.dtype.kind in "biu":
            rdt = result_type(x.dtype, w.dtype, _F64)
        else:
            rdt = result_type(x.dtype, w.dtype)
        w = _weights_for("average", x, w, uaxes)
        scl = sum(w, axes, rdt, keepdims=keepdims)
        if not _is_traced(scl) and np.any(np.asarray(scl) == 0.0):
            raise ZeroDivisionError(f"average: weights sum to zero, can't be normalized "
                                    f"(at {user_location()})")
        avg = ew.true_divide(sum(ew.multiply(x, w, dtype=rdt), axes, keepdims=keepdims), scl)
    if returned:
        if tuple(scl.shape) != tuple(avg.shape):
            scl = _broadcast(scl, tuple(avg.shape))
        return avg, scl
    return avg
