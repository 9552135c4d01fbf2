"""Sorting and searching ``tnp`` functions, on the ``sort`` primitive.

* ``sort``/``argsort``/``lexsort`` bind ``sort`` (stable, NaNs last as in
  NumPy); ``argsort`` sorts ``(x, iota)`` with ``num_keys=1`` and ``lexsort``
  sorts ``(k_last, ..., k_first, iota)`` with one key per input.  ``kind=`` and
  ``stable=`` are accepted and ignored: every sort here is stable.  The Array
  API's ``descending=True`` reverses, sorts and reverses again, which keeps the
  order of equal elements (stable) and puts NaNs first.
* ``partition``/``argpartition`` are a full sort: a sorted array is a valid
  partition for every ``kth`` (NumPy leaves the order inside the two parts
  unspecified), at ``O(n log n)`` instead of ``O(n)``.
* ``searchsorted`` is written with comparisons and reductions: for small
  inputs it compares every value with every element (``method="compare_all"``:
  one compare + one sum), otherwise it runs a vectorized binary search unrolled
  ``ceil(log2(n + 1))`` times (``method="scan_unrolled"``, one gather per
  step).  NaNs count as larger than every number, matching NumPy's sort order.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from tracer import primitives as P
from tracer.ir import user_location
from tracer.numpy._core import asarray, convert, normalize_axis, reshape_raw, result_type
from tracer.tracing import Tracer, bind

__all__ = ["sort", "argsort", "lexsort", "searchsorted", "digitize", "partition",
           "argpartition", "isin"]

_INTP = np.dtype(np.int64)


def _scalar(value: Any, dtype: np.dtype) -> np.generic:
    return np.asarray(value).astype(dtype)[()]


def _full(shape: Sequence[int], value: Any, dtype: np.dtype) -> Any:
    return bind(P.broadcast_in_dim_p, _scalar(value, dtype), shape=tuple(shape),
                broadcast_dimensions=())


def _flatten_or_axis(a: Any, axis: int | None, zero_d_as_1d: bool = False) -> tuple[Any, int]:
    """``a`` and its normalized ``axis`` (``None``: ``a`` flattened, axis 0).

    ``zero_d_as_1d``: NumPy's argsort/argpartition take a 0-d array as a 1-d array of
    one element (``argsort(array(2.5))`` is ``[0]``), where sort/partition raise
    ``AxisError``.
    """
    a = asarray(a)
    if axis is None or (zero_d_as_1d and a.ndim == 0):
        if axis is not None:
            normalize_axis(axis, 1)   # (its AxisError names "dimension 1", as NumPy's)
        return reshape_raw(a, (math.prod(a.shape),)), 0
    return a, normalize_axis(axis, a.ndim)


def _no_order(order: Any, name: str) -> None:
    if order is not None:
        raise ValueError(f"{name}: order= needs a structured array, which graphjit does not "
                         f"support (at {user_location()})")


def sort(a: Any, axis: int | None = -1, kind: str | None = None, order: Any = None, *,
         stable: bool | None = None, descending: bool = False) -> Any:
    """Like ``numpy.sort`` (stable; NaNs last; ``axis=None`` sorts the flattened array).

    ``descending=True`` (the Array API's keyword) gives the reverse order: NaNs
    first, as ``flip(sort(x))`` (array-api-compat's and ``jax.numpy``'s).

    >>> import tracer.numpy as tnp
    >>> tnp.sort(tnp.asarray([3.0, float("nan"), 1.0])).tolist()
    [1.0, 3.0, nan]
    >>> tnp.sort(tnp.asarray([3, 1, 2]), descending=True).tolist()
    [3, 2, 1]
    """
    _no_order(order, "sort")
    x, axis = _flatten_or_axis(a, axis)
    if descending:
        x = _rev(x, axis)
    out = bind(P.sort_p, x, dimension=axis, is_stable=True, num_keys=1)[0]
    return _rev(out, axis) if descending else out


def _rev(x: Any, axis: int) -> Any:
    return bind(P.rev_p, x, dimensions=(axis,)) if x.ndim else x


def argsort(a: Any, axis: int | None = -1, kind: str | None = None, order: Any = None, *,
            stable: bool | None = None, descending: bool = False) -> Any:
    """Like ``numpy.argsort`` (always stable; int64 indices; NaNs last).

    ``descending=True`` (the Array API's keyword) is stable too: equal elements
    keep their original order.  It sorts the reversed array ascending (stable), so
    ties come out in reversed order, then reverses the result and maps each index
    ``i`` of the reversed array back to ``n - 1 - i`` (array-api-compat's way).

    >>> import tracer.numpy as tnp
    >>> tnp.argsort(tnp.asarray([3, 1, 2, 1])).tolist()
    [1, 3, 2, 0]
    >>> tnp.argsort(tnp.asarray([1, 3, 1, 3]), descending=True).tolist()
    [1, 3, 0, 2]
    """
    _no_order(order, "argsort")
    x, axis = _flatten_or_axis(a, axis, zero_d_as_1d=True)
    if descending:
        x = _rev(x, axis)
    iota = bind(P.iota_p, dtype=_INTP, shape=tuple(x.shape), dimension=axis)
    idx = bind(P.sort_p, x, iota, dimension=axis, is_stable=True, num_keys=1)[1]
    if not descending:
        return idx
    last = np.asarray(x.shape[axis] - 1, _INTP)[()]
    return bind(P.sub_p, last, _rev(idx, axis))


def lexsort(keys: Any, axis: int = -1) -> Any:
    """Like ``numpy.lexsort``: indices sorting by the last key, then the one before, ...

    >>> import tracer.numpy as tnp
    >>> tnp.lexsort(([1, 2, 3, 4], [0, 1, 0, 1])).tolist()
    [0, 2, 1, 3]
    """
    if not isinstance(keys, (list, tuple)):
        k = asarray(keys)
        if k.ndim == 0:
            raise TypeError(f"lexsort: need a sequence of keys with len > 0 (at "
                            f"{user_location()})")
        ks = [k] if k.ndim == 1 else [k[i] for i in range(k.shape[0])]
    else:
        ks = [asarray(k) for k in keys]
    if not ks:
        raise TypeError(f"need sequence of keys with len > 0 in lexsort (at {user_location()})")
    shape = tuple(ks[0].shape)
    if any(tuple(k.shape) != shape for k in ks):
        raise ValueError(f"all keys need to be the same shape, got "
                         f"{[tuple(k.shape) for k in ks]} (at {user_location()})")
    if not shape:
        return asarray(np.asarray(0, _INTP))
    axis = normalize_axis(axis, len(shape))
    iota = bind(P.iota_p, dtype=_INTP, shape=shape, dimension=axis)
    ops = list(reversed(ks)) + [iota]
    return bind(P.sort_p, *ops, dimension=axis, is_stable=True, num_keys=len(ks))[-1]


def _before(a: Any, v: Any, v_nan: Any, side: str) -> Any:
    """Elementwise: does ``a`` sort before ``v`` for ``side`` (NaN-aware, NaNs last).

    ``v_nan`` is ``isnan(v)`` (None for non-float dtypes), computed once by the caller.
    """
    if side == "left":
        r = bind(P.lt_p, a, v)
        if v_nan is not None:
            r = bind(P.or_p, r, bind(P.and_p, v_nan, bind(P.eq_p, a, a)))
    else:
        r = bind(P.le_p, a, v)
        if v_nan is not None:
            r = bind(P.or_p, r, v_nan)
    return r


_SEARCH_METHODS = (None, "compare_all", "scan", "scan_unrolled")


def searchsorted(a: Any, v: Any, side: str = "left", sorter: Any = None, *,
                 method: str | None = None) -> Any:
    """Like ``numpy.searchsorted``: where to insert ``v`` into sorted ``a`` (int64).

    ``method``: ``"compare_all"`` (compare every pair: cheap for small inputs),
    ``"scan_unrolled"`` (vectorized binary search unrolled ``log2(n)`` times;
    ``"scan"`` is the same here) or None to choose by size.

    >>> import tracer.numpy as tnp
    >>> tnp.searchsorted(tnp.asarray([1, 2, 2, 3]), [2, 5], side="right").tolist()
    [3, 4]
    """
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r} (at {user_location()})")
    if method not in _SEARCH_METHODS:
        raise ValueError(f"searchsorted: method must be one of {_SEARCH_METHODS[1:]}, got "
                         f"{method!r} (at {user_location()})")
    a = asarray(a)
    if a.ndim != 1:
        raise ValueError(f"searchsorted: a must be 1-d, got shape {tuple(a.shape)} (at "
                         f"{user_location()})")
    if sorter is not None:
        from tracer.numpy._indexing import take
        a = take(a, sorter)
    vv = v if isinstance(v, (bool, int, float, complex)) else asarray(v)
    dt = result_type(a, vv)
    a = convert(a, dt)
    v = convert(asarray(vv), dt)
    vshape = tuple(v.shape)
    n = a.shape[0]
    if n == 0 or math.prod(vshape) == 0:
        return _full(vshape, 0, _INTP)
    if method is None:
        method = "compare_all" if n * max(math.prod(vshape), 1) <= 4096 or n <= 8 \
            else "scan_unrolled"
    if method == "compare_all":
        col = reshape_raw(v, vshape + (1,))
        hit = _before(a, col, bind(P.ne_p, col, col) if dt.kind in "fc" else None, side)
        return bind(P.reduce_sum_p, convert(hit, _INTP), axes=(len(vshape),))
    # Vectorized binary search over the answer range [0, n]: ceil(log2(n + 1)) steps.
    lo = _full(vshape, 0, _INTP)
    hi = _full(vshape, n, _INTP)
    dn = P.GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(0,),
                                  start_index_map=(0,))
    one = _scalar(1, _INTP)
    v_nan = bind(P.ne_p, v, v) if dt.kind in "fc" else None
    for _ in range(n.bit_length()):
        mid = bind(P.div_p, bind(P.add_p, lo, hi), _scalar(2, _INTP))
        am = bind(P.gather_p, a, reshape_raw(mid, vshape + (1,)), dimension_numbers=dn,
                  slice_sizes=(1,), mode="clip", fill_value=None)
        active = bind(P.lt_p, lo, hi)
        go = _before(am, v, v_nan, side)
        go_right = bind(P.and_p, active, go)
        go_left = bind(P.and_p, active, bind(P.not_p, go))
        lo = bind(P.select_n_p, go_right, lo, bind(P.add_p, mid, one))
        hi = bind(P.select_n_p, go_left, hi, mid)
    return lo


def digitize(x: Any, bins: Any, right: bool = False, *, method: str | None = None) -> Any:
    """Like ``numpy.digitize``: the index of the bin each value falls in (int64).

    Concrete ``bins`` are checked for monotonicity as NumPy does; traced bins
    are treated as increasing if ``bins[-1] >= bins[0]``, else decreasing.

    >>> import tracer.numpy as tnp
    >>> tnp.digitize(tnp.asarray([0.5, 1.5, 3.0]), [0.0, 1.0, 2.0]).tolist()
    [1, 2, 3]
    """
    b = asarray(bins)
    if b.ndim != 1:
        raise ValueError(f"digitize: bins must be 1-dimensional (at {user_location()})")
    side = "left" if right else "right"
    n = b.shape[0]
    if n == 0:
        return _full(tuple(asarray(x).shape), 0, _INTP)
    from tracer.numpy._indexing import getitem
    rev = getitem(b, slice(None, None, -1))
    conc = None if type(b) is Tracer else np.asarray(b)
    if conc is not None:
        d = np.diff(conc)
        if np.all(d >= 0):
            return searchsorted(b, x, side=side, method=method)
        if np.all(d <= 0):
            return bind(P.sub_p, _scalar(n, _INTP), searchsorted(rev, x, side=side,
                                                                  method=method))
        raise ValueError(f"bins must be monotonically increasing or decreasing (at "
                         f"{user_location()})")
    inc = searchsorted(b, x, side=side, method=method)
    dec = bind(P.sub_p, _scalar(n, _INTP), searchsorted(rev, x, side=side, method=method))
    increasing = bind(P.ge_p, getitem(b, -1), getitem(b, 0))
    return bind(P.select_n_p, increasing, dec, inc)


def _check_kth(kth: Any, n: int) -> None:
    ks = np.atleast_1d(np.asarray(kth))
    if ks.dtype.kind not in "iu":
        raise TypeError(f"Partition index must be integer (at {user_location()})")
    for k in ks.tolist():
        if not -n <= k < n:
            raise ValueError(f"kth(={k}) out of bounds ({n}) (at {user_location()})")


def partition(a: Any, kth: int | Sequence[int], axis: int | None = -1, kind: str = "introselect",
              order: Any = None) -> Any:
    """Like ``numpy.partition``, implemented by a full (stable) sort.

    A sorted array satisfies the partition contract for every ``kth``: element
    ``kth`` is in its sorted place, smaller ones before, larger ones after.

    >>> import tracer.numpy as tnp
    >>> int(tnp.partition(tnp.asarray([3, 1, 2]), 1)[1])
    2
    """
    _no_order(order, "partition")
    x, ax = _flatten_or_axis(a, axis)
    _check_kth(kth, x.shape[ax])
    return sort(x, ax)


def argpartition(a: Any, kth: int | Sequence[int], axis: int | None = -1,
                 kind: str = "introselect", order: Any = None) -> Any:
    """Like ``numpy.argpartition``, implemented by a full stable ``argsort``.

    >>> import tracer.numpy as tnp
    >>> int(tnp.argpartition(tnp.asarray([3, 1, 2]), 0)[0])
    1
    """
    _no_order(order, "argpartition")
    x, ax = _flatten_or_axis(a, axis, zero_d_as_1d=True)
    _check_kth(kth, x.shape[ax])
    return argsort(x, ax)


def isin(element: Any, test_elements: Any, assume_unique: bool = False, invert: bool = False,
         *, kind: str | None = None) -> Any:
    """Like ``numpy.isin``: is each element of ``element`` in ``test_elements``
    (a bool array of ``element``'s shape; NaN is in nothing, as ``nan != nan``)?

    Small inputs compare every pair (one compare, one ``reduce_or``); larger ones
    sort ``test_elements`` and binary-search each element (``searchsorted``),
    then compare with the element found.  ``assume_unique`` and ``kind`` are
    accepted and ignored (the result does not depend on them).

    >>> import tracer.numpy as tnp
    >>> tnp.isin(tnp.asarray([1, 2, 3]), [3, 1]).tolist()
    [True, False, True]
    """
    if kind not in (None, "sort", "table"):
        raise ValueError(f"isin: kind must be None, 'sort' or 'table', got {kind!r} "
                         f"(at {user_location()})")
    x, t = asarray(element), asarray(test_elements)
    dt = result_type(x, t)
    x, t = convert(x, dt), convert(reshape_raw(t, (math.prod(t.shape),)), dt)
    shape, n = tuple(x.shape), t.shape[0]
    if n == 0:
        found = _full(shape, False, np.dtype(bool))
    elif n * max(math.prod(shape), 1) <= 4096 or n <= 8:
        hit = bind(P.eq_p, reshape_raw(x, shape + (1,)), t)
        found = bind(P.reduce_or_p, hit, axes=(len(shape),))
    else:
        s = sort(t)
        i = searchsorted(s, x, method="scan_unrolled")
        i = bind(P.min_p, i, _scalar(n - 1, _INTP))
        dn = P.GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(0,),
                                      start_index_map=(0,))
        at = bind(P.gather_p, s, reshape_raw(i, shape + (1,)), dimension_numbers=dn,
                  slice_sizes=(1,), mode="clip", fill_value=None)
        found = bind(P.eq_p, at, x)
    return bind(P.not_p, found) if invert else found
