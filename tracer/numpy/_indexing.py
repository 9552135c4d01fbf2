"""Indexing ``tnp`` functions: ``x[idx]``, ``x.at[idx]``, take, nonzero and friends.

``x[idx]`` follows NumPy's indexing rules exactly (ints, slices with any step,
``None``, ``...``, integer arrays, boolean scalars and masks, and NumPy's rule
for where the advanced-index dimensions go: adjacent advanced indices stay in
place, separated ones move to the front).  How an index is lowered:

* **static basic** (Python ints, slices, ``None``, ``...``): ``rev`` (negative
  steps), one ``slice`` and one ``reshape`` (drops integer-indexed axes,
  inserts new ones) -- no gather, so the graph stays cheap;
* **traced scalar ints** (0-d integer tracers) without other advanced
  indices: the static part as above, then ``dynamic_slice`` (out-of-bounds
  starts are clamped, as XLA and JAX do);
* **integer arrays** (lists, NumPy arrays, tracers): the static slices first,
  then one ``gather`` over the advanced axes.  Negative entries wrap as in
  NumPy.  Concrete indices are bounds-checked (``IndexError`` as in NumPy);
  traced ones cannot be, and are clamped (``mode="clip"``) as in JAX;
* **boolean masks** have data-dependent result shapes: they need concrete
  values (eagerly, or a NumPy mask closed over), which are turned into integer
  indices with NumPy.  Under abstract tracing they raise
  ``DataDependentShapeError`` naming the user's line.

``x.at[idx].set/add/multiply/min/max(v)`` uses the same index parsing and
lowers to ``dynamic_update_slice`` (static, contiguous regions) or one
``scatter*`` equation.  One boolean-mask form needs no mask values and so
also works under abstract tracing: ``x.at[mask].set(scalar)`` (and the other
updates with a scalar) is ``select_n(mask, x, new)``.  Updates broadcast to ``x[idx].shape`` and are
converted to ``x``'s dtype.  Duplicate indices accumulate for ``add``,
``multiply``, ``min`` and ``max`` (like ``np.add.at``); for ``set`` the last
write wins on the NumPy backend (XLA leaves the order unspecified, as in JAX).
Out-of-bounds traced indices are dropped (JAX's ``"fill"``/``"drop"`` mode).

Functions whose result shape depends on values (``nonzero``, ``flatnonzero``,
``argwhere``, ``unique``, ``compress``, ``extract``) run on concrete values
and raise ``DataDependentShapeError`` under abstract tracing -- except when a
static ``size=`` is given (as in JAX), which makes ``nonzero``, ``flatnonzero``,
``argwhere`` and ``unique`` traceable.
"""
from __future__ import annotations

import math
import operator
from typing import Any, NamedTuple, Sequence

import numpy as np

from tracer import primitives as P
from tracer.errors import DataDependentShapeError
from tracer.ir import user_location
from tracer.numpy._core import (asarray, broadcast_to_raw, convert, is_array,
                                normalize_axis, reshape_raw, result_type)
from tracer.tracing import Tracer, bind

__all__ = [
    "take", "take_along_axis", "put_along_axis", "put", "nonzero", "flatnonzero",
    "argwhere", "unique", "unique_values", "unique_counts", "unique_inverse", "unique_all",
    "compress", "extract", "choose", "diag_indices", "diag_indices_from", "tril_indices",
    "triu_indices", "tril_indices_from", "triu_indices_from", "ix_", "unravel_index",
    "ravel_multi_index",
]

_INTP = np.dtype(np.int64)   # NumPy's index dtype (intp) on 64-bit platforms


# ---------------------------------------------------------------------------
# Small helpers


def _where_(msg: str) -> str:
    return f"{msg} (at {user_location()})"


def _is_traced(x: Any) -> bool:
    return type(x) is Tracer


def _concrete(x: Any) -> np.ndarray | None:
    """The concrete value of ``x``, or None for an abstract tracer."""
    if type(x) is Tracer:
        v = x._concrete() if x._rec.forwarding else None
        return None if v is None else np.asarray(v)
    return np.asarray(x)


def _data_dependent(what: str, hint: str) -> DataDependentShapeError:
    return DataDependentShapeError(
        f"{what} at {user_location()} has a result shape that depends on the values of "
        "an abstract traced array, which are unknown while recording (make_graph/jit/"
        f"vmap). {hint}")


def _need_concrete(x: Any, what: str, hint: str) -> np.ndarray:
    v = _concrete(x)
    if v is None:
        raise _data_dependent(what, hint)
    return v


_MASK_HINT = ("Use tnp.where(mask, x, fill) to keep the shape static, pass a concrete "
              "(NumPy) mask, or compute it outside the transformed function.")


def _scalar(value: Any, dtype: np.dtype) -> np.generic:
    """A NumPy scalar of ``dtype`` (a literal in graphs)."""
    with np.errstate(all="ignore"):
        return np.asarray(value).astype(dtype)[()]


def _full(shape: Sequence[int], value: Any, dtype: np.dtype) -> Any:
    return bind(P.broadcast_in_dim_p, _scalar(value, dtype), shape=tuple(shape),
                broadcast_dimensions=())


def _reshape(x: Any, shape: Sequence[int]) -> Any:
    """Reshape; NumPy values stay NumPy (static index arithmetic)."""
    shape = tuple(int(d) for d in shape)
    if isinstance(x, (np.ndarray, np.generic)):
        return np.reshape(x, shape)
    return reshape_raw(x, shape)


def _ravel(x: Any) -> Any:
    return reshape_raw(x, (math.prod(x.shape),))


def _iota(dtype: np.dtype, shape: Sequence[int], dimension: int = 0) -> Any:
    return bind(P.iota_p, dtype=np.dtype(dtype), shape=tuple(shape), dimension=dimension)


def _concat(xs: Sequence[Any], dimension: int) -> Any:
    if len(xs) == 1:
        return xs[0]
    if all(isinstance(x, np.ndarray) for x in xs):
        return np.concatenate(xs, axis=dimension)
    return bind(P.concatenate_p, *xs, dimension=dimension)


def _index_dtype(sizes: Sequence[int], traced: Sequence[Any] = ()) -> np.dtype:
    """int32 when every size and traced index fits, else int64 (as JAX)."""
    if any(s >= 2**31 - 1 for s in sizes):
        return _INTP
    for t in traced:
        if t.dtype.itemsize > 4 or t.dtype == np.uint32:
            return _INTP
    return np.dtype(np.int32)


def _wrap_negative(t: Any, size: int, dtype: np.dtype) -> Any:
    """``t + size`` where ``t < 0`` (NumPy's negative indices), as ``dtype``."""
    unsigned = t.dtype.kind == "u"
    t = convert(t, dtype)
    if unsigned:
        return t
    neg = bind(P.lt_p, t, _scalar(0, dtype))
    return bind(P.select_n_p, neg, t, bind(P.add_p, t, _scalar(size, dtype)))


def _stack_nested(seq: Sequence[Any]) -> Any:
    """A (nested) list holding tracers, as one array (concatenate of rows)."""
    parts = [_stack_nested(e) if isinstance(e, (list, tuple)) else asarray(e) for e in seq]
    if not parts:
        return asarray(np.zeros(0, _INTP))
    dt = result_type(*parts)
    parts = [convert(asarray(p), dt) for p in parts]
    if any(p.shape != parts[0].shape for p in parts):
        raise IndexError(_where_("setting an array element with a sequence: the nested "
                                 "index lists have inhomogeneous shapes"))
    return _concat([reshape_raw(p, (1,) + tuple(p.shape)) for p in parts], 0)


# ---------------------------------------------------------------------------
# Index parsing


class _Slice(NamedTuple):
    dim: int
    start: int
    step: int
    size: int


class _Int(NamedTuple):
    dim: int
    value: int       # normalized, in bounds


class _Dyn(NamedTuple):
    dim: int
    value: Any       # a 0-d integer tracer


class _Adv(NamedTuple):
    dim: int
    value: Any       # normalized NumPy int array, or an integer tracer


class _New(NamedTuple):
    pass


class _Sep(NamedTuple):
    """An Ellipsis that expanded to no axes: NumPy still counts it as separating
    advanced indices (``x[:, [0], ..., [1]]`` puts the advanced axes first)."""


_NEW = _New()
_SEP = _Sep()
_INDEX_TYPES_MSG = ("only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) "
                    "and integer or boolean arrays are valid indices")


def _classify(item: Any) -> tuple:
    """One raw index item as (kind, payload)."""
    if item is None:
        return ("new",)
    if item is Ellipsis:
        return ("ell",)
    if isinstance(item, slice):
        return ("slice", item)
    t = type(item)
    if t is bool or t is np.bool_:
        return ("bool", bool(item))
    if t is int or isinstance(item, np.integer):
        return ("int", int(item))
    if t is Tracer:
        dt = item.dtype
        if dt == np.bool_:
            what = "Boolean indexing x[mask]" if item.ndim else "Indexing with a boolean scalar"
            m = _need_concrete(item, what, _MASK_HINT)
            return ("bool", bool(m)) if m.ndim == 0 else ("mask", m)
        if dt.kind not in "iu":
            raise IndexError(_where_("arrays used as indices must be of integer (or boolean) "
                                     f"type, got {dt.name}"))
        return ("dyn", item) if item.ndim == 0 else ("arr", item)
    if isinstance(item, (list, tuple)):
        if _has_tracer(item):
            return _classify(_stack_nested(item))
        try:
            arr = np.asarray(item)
        except ValueError as e:
            raise IndexError(_where_(f"invalid index {item!r}: {e}")) from None
        if arr.size == 0 and arr.dtype.kind == "f":
            arr = arr.astype(_INTP)
        if arr.dtype == object:
            raise IndexError(_where_(_INDEX_TYPES_MSG))
    elif hasattr(item, "__array__"):
        arr = np.asarray(item)
    elif hasattr(item, "__index__"):
        return ("int", operator.index(item))
    else:
        raise IndexError(_where_(_INDEX_TYPES_MSG + f", got {type(item).__name__}"))
    if arr.dtype == np.bool_:
        return ("bool", bool(arr)) if arr.ndim == 0 else ("mask", arr)
    if arr.dtype.kind not in "iu":
        raise IndexError(_where_(_INDEX_TYPES_MSG if arr.ndim == 0 else
                                 "arrays used as indices must be of integer (or boolean) "
                                 f"type, got {arr.dtype.name}"))
    return ("int", int(arr)) if arr.ndim == 0 else ("arr", arr)


def _has_tracer(seq: Any) -> bool:
    if type(seq) is Tracer:
        return True
    if isinstance(seq, (list, tuple)):
        return any(_has_tracer(e) for e in seq)
    return False


def _slice_part(v: Any) -> int | None:
    return None if v is None else operator.index(v)


class _Plan(NamedTuple):
    shape: tuple[int, ...]      # operand shape (with boolean-scalar axes inserted)
    entries: tuple              # _New/_Sep/_Slice/_Int/_Dyn/_Adv in index order
    adv: bool                   # advanced indexing (ints then count as advanced)
    expanded: bool              # boolean scalars inserted axes into the operand


def _parse(shape: tuple[int, ...], idx: Any, mode: str | None = None) -> _Plan:
    """Normalize a NumPy index against ``shape``.

    Out-of-bounds static indices raise ``IndexError`` like NumPy, unless an
    explicit ``mode`` says otherwise: ``"clip"`` clamps them here, ``"fill"``
    leaves them for the gather/scatter (which fills or drops) and makes every
    integer index advanced.
    """
    force_adv = mode == "fill"
    check = mode in (None, "promise_in_bounds")
    if not isinstance(idx, tuple):
        idx = (idx,)
    items = [_classify(i) for i in idx]
    n_ell = sum(1 for k in items if k[0] == "ell")
    if n_ell > 1:
        raise IndexError(_where_("an index can only have a single ellipsis ('...')"))
    used = sum(k[1].ndim if k[0] == "mask" else (0 if k[0] in ("new", "ell", "bool") else 1)
               for k in items)
    ndim = len(shape)
    if used > ndim:
        raise IndexError(_where_(f"too many indices for array: array is {ndim}-dimensional, "
                                 f"but {used} were indexed"))
    fill = [("slice", slice(None))] * (ndim - used)
    if n_ell:
        i = next(j for j, k in enumerate(items) if k[0] == "ell")
        items = items[:i] + (fill or [("sep",)]) + items[i + 1:]
    else:
        items = items + fill

    xshape: list[int] = []
    entries: list[Any] = []
    expanded = False
    # NumPy checks index arrays' bounds only if something is selected
    # (x[[], [7]] is fine): collect the errors, raise once the shape is known.
    oob: list[str] = []
    d = 0   # cursor into the original shape
    for kind, *payload in items:
        if kind == "new":
            entries.append(_NEW)
            continue
        if kind == "sep":
            entries.append(_SEP)
            continue
        if kind == "bool":
            # A boolean scalar is a new axis of length 1 indexed by [0] (True) or [] (False).
            entries.append(_Adv(len(xshape), np.zeros(int(payload[0]), _INTP)))
            xshape.append(1)
            expanded = True
            continue
        if kind == "mask":
            m = payload[0]
            for j in range(m.ndim):
                if m.shape[j] != shape[d + j] and m.size:
                    raise IndexError(_where_(
                        f"boolean index did not match indexed array along axis {d + j}; size "
                        f"of axis is {shape[d + j]} but size of corresponding boolean axis is "
                        f"{m.shape[j]}"))
            for nz in np.nonzero(m):
                entries.append(_Adv(len(xshape), nz.astype(_INTP)))
                xshape.append(shape[d])
                d += 1
            continue
        n = shape[d]
        pos = len(xshape)
        xshape.append(n)
        if kind == "slice":
            s = payload[0]
            step = _slice_part(s.step)
            if step == 0:
                raise ValueError(_where_("slice step cannot be zero"))
            start, stop, step = slice(_slice_part(s.start), _slice_part(s.stop),
                                      step).indices(n)
            entries.append(_Slice(pos, start, step, len(range(start, stop, step))))
        elif kind == "int":
            i = payload[0]
            if not -n <= i < n:
                if check:
                    raise IndexError(_where_(f"index {i} is out of bounds for axis {d} with "
                                             f"size {n}"))
                if mode == "clip":
                    i = min(max(i, 0), max(n - 1, 0))
                entries.append(_Adv(pos, np.asarray(i, _INTP)))
            else:
                entries.append(_Int(pos, i % n))
        elif kind == "dyn":
            entries.append(_Dyn(pos, payload[0]))
        else:  # "arr"
            a = payload[0]
            if type(a) is not Tracer:
                a = np.asarray(a)
                if a.size:
                    lo, hi = int(a.min()), int(a.max())
                    if (hi >= n or lo < -n) and check:
                        bad = hi if hi >= n else lo
                        oob.append(f"index {bad} is out of bounds for axis {d} with size {n}")
                    if lo < 0:
                        a = np.where((a < 0) & (a >= -n), a + n, a)
                    if mode == "clip":
                        a = np.clip(a, 0, max(n - 1, 0))
                a = a.astype(_INTP)
            entries.append(_Adv(pos, a))
        d += 1
    if oob and math.prod(_adv_shape([e for e in entries if type(e) is _Adv])):
        raise IndexError(_where_(oob[0]))
    adv = force_adv or any(type(e) is _Adv for e in entries)
    if adv:
        entries = [_Adv(e.dim, np.asarray(e.value, _INTP)) if type(e) is _Int else
                   _Adv(e.dim, e.value) if type(e) is _Dyn else e for e in entries]
    return _Plan(tuple(xshape), tuple(entries), adv, expanded)


def _adv_shape(advs: Sequence[_Adv]) -> tuple[int, ...]:
    shapes = [tuple(a.value.shape) for a in advs]
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise IndexError(_where_("shape mismatch: indexing arrays could not be broadcast "
                                 "together with shapes " + " ".join(str(s) for s in shapes))
                         ) from None


class _Layout(NamedTuple):
    out_shape: tuple[int, ...]   # x[idx].shape
    adv_shape: tuple[int, ...]   # the broadcast shape of the advanced indices
    adv_pos: int                 # where the advanced block sits among the non-new dims
    kinds: tuple                 # per result dim: "new", "adv" or the _Slice it comes from

    @property
    def tags(self) -> tuple:
        """``kinds`` without the new axes: the layout of the selected elements."""
        return tuple(k for k in self.kinds if not (type(k) is str and k == "new"))


def _layout(plan: _Plan) -> _Layout:
    """Where each dimension of ``x[idx]`` comes from (NumPy's placement rule)."""
    entries = plan.entries
    advs = [e for e in entries if type(e) is _Adv]
    out: list[int] = []
    kinds: list[Any] = []
    bshape: tuple[int, ...] = ()
    p = 0
    placed = True
    if advs:
        bshape = _adv_shape(advs)
        where = [i for i, e in enumerate(entries) if type(e) is _Adv]
        if where == list(range(where[0], where[-1] + 1)):   # adjacent: stay in place
            p = sum(1 for e in entries[:where[0]] if type(e) is _Slice)
            placed = False
        else:                                                # separated: go first
            out.extend(bshape)
            kinds.extend(["adv"] * len(bshape))
    for e in entries:
        t = type(e)
        if t is _New:
            out.append(1)
            kinds.append("new")
        elif t is _Slice:
            out.append(e.size)
            kinds.append(e)
        elif t is _Adv and not placed:
            out.extend(bshape)
            kinds.extend(["adv"] * len(bshape))
            placed = True
    return _Layout(tuple(out), bshape, p, tuple(kinds))


# ---------------------------------------------------------------------------
# x[idx]


_GATHER_MODES = {None: None, "clip": "clip", "fill": "fill", "drop": "fill",
                 "promise_in_bounds": "promise_in_bounds"}


def _check_mode(mode: Any) -> str | None:
    if mode is not None and not isinstance(mode, str):
        mode = getattr(mode, "name", str(mode)).lower()
        mode = {"fill_or_drop": "fill"}.get(mode, mode)
    if mode not in _GATHER_MODES:
        raise ValueError(_where_(f"invalid indexing mode {mode!r}; expected one of 'clip', "
                                 "'fill', 'drop' or 'promise_in_bounds'"))
    return _GATHER_MODES[mode]


def _static_slices(x: Any, entries: Sequence[Any]) -> Any:
    """Apply the static slices and ints of ``entries`` with rev + slice (axes kept)."""
    shape = tuple(x.shape)
    nd = len(shape)
    starts, limits, strides = [0] * nd, list(shape), [1] * nd
    rev = []
    for e in entries:
        t = type(e)
        if t is _Slice:
            d, start, step, size = e
            if size == 0:
                starts[d] = limits[d] = 0
            elif size == 1 or step > 0:
                starts[d] = start
                limits[d] = start + (size - 1) * step + 1
                strides[d] = step if size > 1 else 1
            else:
                # x[start::-k] is rev(x)[d-1-start::k]
                rev.append(d)
                s = shape[d] - 1 - start
                starts[d], limits[d], strides[d] = s, s + (size - 1) * (-step) + 1, -step
        elif t is _Int:
            starts[e.dim], limits[e.dim] = e.value, e.value + 1
    if rev:
        x = bind(P.rev_p, x, dimensions=tuple(rev))
    if any(starts) or tuple(limits) != shape or any(s != 1 for s in strides):
        x = bind(P.slice_p, x, start_indices=tuple(starts), limit_indices=tuple(limits),
                 strides=None if all(s == 1 for s in strides) else tuple(strides))
    return x


def _index_columns(cols: Sequence[tuple[Any, int]], batch_shape: tuple[int, ...],
                   dtype: np.dtype) -> Any:
    """Stack index columns into an XLA index array of shape ``batch_shape + (k,)``.

    Each column is (values broadcastable to ``batch_shape`` and already in
    place, the size of the operand axis it indexes); traced columns get their
    negative entries wrapped.
    """
    nb = len(batch_shape)
    if not any(_is_traced(c) for c, _ in cols):
        arrs = [np.broadcast_to(np.asarray(c, dtype).reshape(
            (1,) * (nb - np.ndim(c)) + np.shape(c)), batch_shape) for c, _ in cols]
        return np.stack(arrs, axis=-1)
    out = []
    for c, n in cols:
        if _is_traced(c):
            c = _wrap_negative(c, n, dtype)
        else:
            c = np.asarray(c, dtype)
        c = broadcast_to_raw(c, batch_shape) if tuple(c.shape) != batch_shape else c
        out.append(_reshape(c, batch_shape + (1,)))
    return _concat(out, nb)


def getitem(x: Any, idx: Any, *, mode: Any = None, fill_value: Any = None) -> Any:
    """``x[idx]`` with NumPy's full indexing semantics (see the module docstring).

    ``mode``/``fill_value`` are for ``x.at[idx].get(...)``: ``"clip"`` clamps
    traced out-of-bounds indices (the default), ``"fill"`` returns
    ``fill_value`` for them (NaN / the dtype's extreme by default), as in JAX.

    >>> import numpy as np, tracer.numpy as tnp
    >>> x = tnp.asarray(np.arange(12).reshape(3, 4))
    >>> x[1:, ::-2].tolist(), x[[0, 2], 1].tolist()
    ([[7, 5], [11, 9]], [1, 9])
    """
    x = asarray(x)
    gmode = _check_mode(mode)
    plan = _parse(tuple(x.shape), idx, gmode)
    if plan.expanded:
        x = reshape_raw(x, plan.shape)
    entries = plan.entries
    lay = _layout(plan)
    x1 = _static_slices(x, entries)
    if not plan.adv:
        dyn = [e for e in entries if type(e) is _Dyn]
        if dyn:
            dt = _index_dtype(x1.shape, [e.value for e in dyn])
            starts = [_scalar(0, dt)] * x1.ndim
            sizes = list(x1.shape)
            for e in dyn:
                starts[e.dim] = _wrap_negative(e.value, x1.shape[e.dim], dt)
                sizes[e.dim] = 1
            x1 = bind(P.dynamic_slice_p, x1, *starts, slice_sizes=tuple(sizes))
        return reshape_raw(x1, lay.out_shape)
    return reshape_raw(_gather_adv(x1, entries, lay, gmode, fill_value), lay.out_shape)


def _default_fill(dtype: np.dtype) -> Any:
    """The gather fill value JAX uses: NaN, the most negative int, or True."""
    if dtype.kind in "fc":
        return np.nan
    if dtype == np.bool_:
        return True
    return np.iinfo(dtype).min if dtype.kind == "i" else np.iinfo(dtype).max


def _gather_adv(x1: Any, entries: Sequence[Any], lay: _Layout, gmode: str | None,
                fill_value: Any) -> Any:
    advs = [e for e in entries if type(e) is _Adv]
    dims = tuple(e.dim for e in advs)
    shape = tuple(x1.shape)
    bshape = lay.adv_shape
    nb, nd = len(bshape), len(shape)
    rest = [shape[d] for d in range(nd) if d not in dims]
    p = lay.adv_pos
    out_shape = tuple(rest[:p]) + bshape + tuple(rest[p:])
    if any(shape[d] == 0 for d in dims):   # nothing to gather from
        if math.prod(out_shape) == 0:
            return _full(out_shape, 0, x1.dtype)
        if gmode == "fill":
            return _full(out_shape, _default_fill(x1.dtype) if fill_value is None
                         else fill_value, x1.dtype)
        raise IndexError(_where_("index is out of bounds for an axis of size 0"))
    traced = [e.value for e in advs if _is_traced(e.value)]
    dt = _index_dtype(shape, traced)
    cols = [(_reshape(e.value, (1,) * (nb - e.value.ndim) + tuple(e.value.shape))
             if e.value.ndim < nb else e.value, shape[e.dim]) for e in advs]
    indices = _index_columns(cols, bshape, dt)
    if gmode is None:
        gmode = "clip" if traced else "promise_in_bounds"
    offset_dims = tuple(range(p)) + tuple(range(p + nb, p + nb + len(rest) - p))
    dn = P.GatherDimensionNumbers(offset_dims=offset_dims, collapsed_slice_dims=dims,
                                  start_index_map=dims)
    slice_sizes = tuple(1 if d in dims else shape[d] for d in range(nd))
    if fill_value is not None:
        fill_value = _scalar(fill_value, x1.dtype).item()
    return bind(P.gather_p, x1, indices, dimension_numbers=dn, slice_sizes=slice_sizes,
                mode=gmode, fill_value=fill_value)


# ---------------------------------------------------------------------------
# x.at[idx]


_DUS_COMBINE = {P.scatter_add_p: P.add_p, P.scatter_mul_p: P.mul_p, P.scatter_min_p: P.min_p,
                P.scatter_max_p: P.max_p}


def _as_update(values: Any, dtype: np.dtype) -> Any:
    """Update values in ``dtype`` (NumPy inputs stay static constants)."""
    t = type(values)
    if t is Tracer or is_array(values):
        return convert(values, dtype)
    if isinstance(values, (list, tuple)) and _has_tracer(values):
        return convert(asarray(values), dtype)
    v = np.asarray(values)
    if v.dtype == object:
        raise TypeError(_where_(f"cannot use a {type(values).__name__} as update values"))
    with np.errstate(all="ignore"):
        return v.astype(dtype)


def _check_update_shape(vshape: tuple[int, ...], shape: tuple[int, ...]) -> int:
    """Validate NumPy's assignment broadcasting; returns how many leading 1s to drop."""
    extra = max(len(vshape) - len(shape), 0)
    try:
        if any(s != 1 for s in vshape[:extra]) or \
                tuple(np.broadcast_shapes(vshape[extra:], shape)) != shape:
            raise ValueError
    except ValueError:
        raise ValueError(_where_(f"shape mismatch: value array of shape {vshape} could not be "
                                 f"broadcast to indexing result of shape {shape}")) from None
    return extra


def _broadcast_update(v: Any, shape: tuple[int, ...]) -> Any:
    vshape = tuple(v.shape)
    extra = _check_update_shape(vshape, shape)
    if extra:
        v = _reshape(v, vshape[extra:])
        vshape = vshape[extra:]
    if vshape == shape:
        return v
    if isinstance(v, np.ndarray) and v.ndim == 0:
        return _full(shape, v, v.dtype)
    return broadcast_to_raw(v, shape)


def _update_as(v: Any, shape: Sequence[int]) -> Any:
    """The update values in ``shape``: a static scalar is broadcast, the rest reshaped."""
    if isinstance(v, np.ndarray) and v.ndim == 0:
        return _full(shape, v, v.dtype)
    return _reshape(v, shape)


def _abstract_mask(x: Any, idx: Any) -> Any:
    """The boolean tracer of ``x.at[mask]`` / ``x.at[mask, ...]`` if its values are
    unknown (abstract tracing) and it lines up with the leading axes of ``x``."""
    items = idx if isinstance(idx, tuple) else (idx,)
    if len(items) == 2 and items[1] is Ellipsis:
        items = items[:1]
    if len(items) != 1:
        return None
    m = items[0]
    if type(m) is not Tracer or m.dtype != np.bool_ or m.ndim == 0 or \
            _concrete(m) is not None or tuple(m.shape) != tuple(x.shape[:m.ndim]):
        return None
    return m


def _masked_update(x: Any, mask: Any, v: Any, prim: P.Primitive) -> Any:
    """``x.at[mask].op(scalar)`` without data-dependent shapes: a ``select_n``."""
    if prim is P.scatter_p:
        new = _full(x.shape, v, x.dtype)
    else:
        new = bind(_DUS_COMBINE[prim], x, v)
    if mask.ndim < x.ndim:
        mask = bind(P.broadcast_in_dim_p, mask, shape=tuple(x.shape),
                    broadcast_dimensions=tuple(range(mask.ndim)))
    return bind(P.select_n_p, mask, x, new)


def _scatter(x: Any, idx: Any, values: Any, prim: P.Primitive, mode: Any,
             indices_are_sorted: bool, unique_indices: bool) -> Any:
    x = asarray(x)
    smode = _check_mode(mode)
    mask = _abstract_mask(x, idx)
    if mask is not None:
        v = _as_update(values, x.dtype)
        if isinstance(v, np.ndarray) and v.size == 1:
            # x.at[mask].set(scalar) needs no mask values: where(mask, scalar, x).
            return _masked_update(x, mask, v.reshape(()), prim)
    plan = _parse(tuple(x.shape), idx, smode)
    lay = _layout(plan)
    v = _as_update(values, x.dtype)
    if math.prod(lay.out_shape) == 0:
        _check_update_shape(tuple(v.shape), lay.out_shape)
        return x
    if isinstance(v, np.ndarray) and v.size == 1:
        _check_update_shape(v.shape, lay.out_shape)
        v = v.reshape(())          # a static scalar: broadcast once, at its final shape
    else:
        v = _broadcast_update(v, lay.out_shape)
    xe = reshape_raw(x, plan.shape) if plan.expanded else x
    entries = plan.entries
    upd_shape = tuple(d for d, k in zip(lay.out_shape, lay.kinds)
                      if not (type(k) is str and k == "new"))
    if not (isinstance(v, np.ndarray) and v.ndim == 0):
        v = _reshape(v, upd_shape)
    dims_entries = [e for e in entries if type(e) is not _New and type(e) is not _Sep]

    static_unit = not plan.adv and smode is None and all(
        type(e) is _Int or (type(e) is _Slice and (e.step == 1 or e.size <= 1))
        for e in dims_entries)
    if static_unit:
        out = _dus(xe, dims_entries, v, prim)
    else:
        out = _scatter_general(xe, plan, lay, _update_as(v, upd_shape), prim, smode,
                               indices_are_sorted, unique_indices)
    return reshape_raw(out, x.shape) if plan.expanded else out


def _dus(x: Any, entries: Sequence[Any], v: Any, prim: P.Primitive) -> Any:
    """Static contiguous region: dynamic_update_slice (read-modify-write for add etc.)."""
    shape = tuple(x.shape)
    starts, region = [0] * len(shape), list(shape)
    for e in entries:
        if type(e) is _Int:
            starts[e.dim], region[e.dim] = e.value, 1
        else:
            starts[e.dim], region[e.dim] = e.start, e.size
    if prim is P.scatter_p:
        u = _update_as(v, region)
    else:
        cur = bind(P.slice_p, x, start_indices=tuple(starts),
                   limit_indices=tuple(s + r for s, r in zip(starts, region)), strides=None)
        # a static scalar broadcasts inside the elementwise op
        u = bind(_DUS_COMBINE[prim], cur, v if isinstance(v, np.ndarray) and v.ndim == 0
                 else _reshape(v, region))
    dt = _index_dtype(shape)
    return bind(P.dynamic_update_slice_p, x, u, *[_scalar(s, dt) for s in starts])


def _scatter_general(x: Any, plan: _Plan, lay: _Layout, v: Any, prim: P.Primitive,
                     smode: str | None, indices_are_sorted: bool,
                     unique_indices: bool) -> Any:
    shape = tuple(x.shape)
    entries = plan.entries
    bshape = lay.adv_shape
    # Update layout: lay.tags, one per update dim ("adv" or a _Slice).
    batch_pos: list[int] = []    # update dims that are scatter (batch) dims
    window_pos: list[int] = []
    for i, t in enumerate(lay.tags):
        if t == "adv" or (t.step != 1 and t.size > 1):
            batch_pos.append(i)
        else:
            window_pos.append(i)
    batch_shape = tuple(v.shape[i] for i in batch_pos)
    nb = len(batch_shape)
    cols: list[tuple[Any, int]] = []
    col_dims: list[int] = []
    # The advanced block occupies consecutive batch dims starting at b0.
    b0 = next((j for j, i in enumerate(batch_pos) if lay.tags[i] == "adv"), 0)
    for e in entries:
        t = type(e)
        if t is _Adv:
            a = e.value
            lead = b0 + len(bshape) - a.ndim
            cols.append((_reshape(a, (1,) * lead + tuple(a.shape) + (1,) * (nb - lead - a.ndim)),
                         shape[e.dim]))
            col_dims.append(e.dim)
        elif t is _Int:
            cols.append((np.full((1,) * nb, e.value, _INTP), shape[e.dim]))
            col_dims.append(e.dim)
        elif t is _Dyn:
            cols.append((_reshape(e.value, (1,) * nb), shape[e.dim]))
            col_dims.append(e.dim)
    for j, i in enumerate(batch_pos):
        t = lay.tags[i]
        if t != "adv":
            r = np.arange(t.start, t.start + t.size * t.step, t.step)
            cols.append((r.reshape((1,) * j + (t.size,) + (1,) * (nb - j - 1)), shape[t.dim]))
            col_dims.append(t.dim)
    for i in window_pos:
        t = lay.tags[i]
        if t.start:
            cols.append((np.full((1,) * nb, t.start, _INTP), shape[t.dim]))
            col_dims.append(t.dim)
    traced = [c for c, _ in cols if _is_traced(c)]
    dt = _index_dtype(shape, traced)
    order = sorted(range(len(cols)), key=lambda k: col_dims[k])
    cols = [cols[k] for k in order]
    col_dims = [col_dims[k] for k in order]
    indices = _index_columns(cols, batch_shape, dt)
    window_dims = {lay.tags[i].dim for i in window_pos}
    dn = P.ScatterDimensionNumbers(
        update_window_dims=tuple(window_pos),
        inserted_window_dims=tuple(d for d in range(len(shape)) if d not in window_dims),
        scatter_dims_to_operand_dims=tuple(col_dims))
    if smode is None:
        smode = "fill" if traced else "promise_in_bounds"
    return bind(prim, x, indices, v, dimension_numbers=dn, mode=smode,
                indices_are_sorted=bool(indices_are_sorted),
                unique_indices=bool(unique_indices))


class _IndexUpdateRef:
    """``x.at[idx]``: functional updates of the elements ``x[idx]`` selects."""

    __slots__ = ("array", "index")

    def __init__(self, array: Any, index: Any):
        self.array = array
        self.index = index

    def __repr__(self) -> str:
        return f"_IndexUpdateRef({self.array!r}, {self.index!r})"

    def get(self, *, indices_are_sorted: bool = False, unique_indices: bool = False,
            mode: Any = None, fill_value: Any = None) -> Any:
        """``x[idx]``; ``mode="fill"`` returns ``fill_value`` for out-of-bounds indices."""
        return getitem(self.array, self.index, mode=mode, fill_value=fill_value)

    def set(self, values: Any, *, indices_are_sorted: bool = False,
            unique_indices: bool = False, mode: Any = None) -> Any:
        """A copy of ``x`` with ``x[idx] = values``.

        >>> import tracer.numpy as tnp
        >>> tnp.zeros(4).at[1:3].set(7.0).tolist()
        [0.0, 7.0, 7.0, 0.0]
        """
        return _scatter(self.array, self.index, values, P.scatter_p, mode,
                        indices_are_sorted, unique_indices)

    def add(self, values: Any, *, indices_are_sorted: bool = False,
            unique_indices: bool = False, mode: Any = None) -> Any:
        """A copy of ``x`` with ``x[idx] += values`` (duplicates accumulate, as ``np.add.at``)."""
        return _scatter(self.array, self.index, values, P.scatter_add_p, mode,
                        indices_are_sorted, unique_indices)

    def subtract(self, values: Any, *, indices_are_sorted: bool = False,
                 unique_indices: bool = False, mode: Any = None) -> Any:
        """A copy of ``x`` with ``x[idx] -= values`` (duplicates accumulate)."""
        x = asarray(self.array)
        if x.dtype == np.bool_:
            raise TypeError(_where_("subtract is not supported for boolean arrays"))
        v = _as_update(values, x.dtype)
        neg = np.negative(v) if isinstance(v, np.ndarray) else bind(P.neg_p, v)
        return _scatter(x, self.index, neg, P.scatter_add_p, mode, indices_are_sorted,
                        unique_indices)

    def multiply(self, values: Any, *, indices_are_sorted: bool = False,
                 unique_indices: bool = False, mode: Any = None) -> Any:
        """A copy of ``x`` with ``x[idx] *= values`` (duplicates accumulate)."""
        return _scatter(self.array, self.index, values, P.scatter_mul_p, mode,
                        indices_are_sorted, unique_indices)

    mul = multiply

    def divide(self, values: Any, *, indices_are_sorted: bool = False,
               unique_indices: bool = False, mode: Any = None) -> Any:
        """A copy of ``x`` with ``x[idx] /= values`` (read, divide, write: with duplicate
        indices the last write wins, unlike ``np.divide.at``)."""
        from tracer.numpy._elementwise import true_divide
        cur = self.get(mode=mode)
        return self.set(true_divide(cur, values), mode=mode)

    def power(self, values: Any, *, indices_are_sorted: bool = False,
              unique_indices: bool = False, mode: Any = None) -> Any:
        """A copy of ``x`` with ``x[idx] **= values`` (read, power, write: with duplicate
        indices the last write wins)."""
        from tracer.numpy._elementwise import power
        cur = self.get(mode=mode)
        return self.set(power(cur, values), mode=mode)

    def min(self, values: Any, *, indices_are_sorted: bool = False,
            unique_indices: bool = False, mode: Any = None) -> Any:
        """A copy of ``x`` with ``x[idx] = minimum(x[idx], values)`` (duplicates accumulate)."""
        return _scatter(self.array, self.index, values, P.scatter_min_p, mode,
                        indices_are_sorted, unique_indices)

    def max(self, values: Any, *, indices_are_sorted: bool = False,
            unique_indices: bool = False, mode: Any = None) -> Any:
        """A copy of ``x`` with ``x[idx] = maximum(x[idx], values)`` (duplicates accumulate)."""
        return _scatter(self.array, self.index, values, P.scatter_max_p, mode,
                        indices_are_sorted, unique_indices)


class IndexUpdateHelper:
    """The object ``x.at`` returns; ``x.at[idx]`` is an update reference.

    >>> import tracer.numpy as tnp
    >>> tnp.zeros(3).at[[0, 0, 2]].add(1.0).tolist()
    [2.0, 0.0, 1.0]
    """

    __slots__ = ("array",)

    def __init__(self, array: Any):
        self.array = array

    def __getitem__(self, index: Any) -> _IndexUpdateRef:
        return _IndexUpdateRef(self.array, index)

    def __repr__(self) -> str:
        return f"IndexUpdateHelper({self.array!r})"


# ---------------------------------------------------------------------------
# take / take_along_axis / put_along_axis / put


def _prepare_indices(indices: Any, n: int, mode: str | None, name: str,
                     axis: int = 0) -> tuple[Any, str]:
    """NumPy's take modes on (static or traced) indices -> (indices, gather mode)."""
    if mode not in (None, "raise", "wrap", "clip", "fill", "promise_in_bounds", "drop"):
        raise ValueError(_where_(f"{name}: invalid mode {mode!r}; expected 'raise', 'wrap', "
                                 "'clip' or 'fill'"))
    if isinstance(indices, (list, tuple)) and _has_tracer(indices):
        indices = _stack_nested(indices)
    if type(indices) is not Tracer:
        ind = np.asarray(indices)
        if (ind.size == 0 and ind.dtype.kind == "f") or ind.dtype.kind == "b":
            ind = ind.astype(_INTP)   # (NumPy casts bools: take(a, True) is a[1])
        if ind.dtype.kind not in "iu":
            raise TypeError(_where_(f"{name}: indices must be integers, got {ind.dtype}"))
        if mode == "wrap":
            ind = np.mod(ind, n) if n else ind
        elif mode == "clip":
            ind = np.clip(ind, 0, max(n - 1, 0))
        elif ind.size and mode in (None, "raise"):
            lo, hi = int(ind.min()), int(ind.max())
            if hi >= n or lo < -n:
                bad = hi if hi >= n else lo
                raise IndexError(_where_(f"index {bad} is out of bounds for axis {axis} with "
                                         f"size {n}"))
        return ind.astype(_INTP), "fill" if mode in ("fill", "drop") else "promise_in_bounds"
    if indices.dtype.kind == "b":
        indices = convert(indices, _INTP)
    if indices.dtype.kind not in "iu":
        raise TypeError(_where_(f"{name}: indices must be integers, got {indices.dtype}"))
    if mode == "wrap" and n:
        from tracer.numpy._elementwise import remainder
        return remainder(indices, _scalar(n, indices.dtype)), "promise_in_bounds"
    if mode == "clip":
        dt = indices.dtype
        c = bind(P.max_p, indices, _scalar(0, dt))
        return bind(P.min_p, c, _scalar(max(n - 1, 0), dt)), "promise_in_bounds"
    if mode == "promise_in_bounds":
        return indices, "promise_in_bounds"
    return indices, "fill"


def take(a: Any, indices: Any, axis: int | None = None, out: Any = None,
         mode: str | None = None, unique_indices: bool = False,
         indices_are_sorted: bool = False, fill_value: Any = None) -> Any:
    """Like ``numpy.take``: elements of ``a`` at ``indices`` along ``axis``.

    ``mode``: ``"raise"`` (NumPy's default: concrete indices are bounds-checked;
    traced ones cannot be and behave like ``"fill"``), ``"wrap"``, ``"clip"``, or
    JAX's ``"fill"`` (out-of-bounds give ``fill_value``, NaN for floats).

    >>> import tracer.numpy as tnp
    >>> tnp.take(tnp.asarray([4, 5, 6]), [2, 0, -1]).tolist()
    [6, 4, 6]
    """
    if out is not None:
        raise TypeError(_where_("take: out= is not supported (graphjit arrays are immutable)"))
    a = asarray(a)
    if axis is None:
        a = _ravel(a)
        axis = 0
    axis = normalize_axis(axis, a.ndim)
    n = a.shape[axis]
    ind, gmode = _prepare_indices(indices, n, mode, "take", axis)
    if type(ind) is not Tracer and np.ndim(ind) == 0:
        ind = np.asarray(ind)
    return getitem(a, (slice(None),) * axis + (ind,),
                   mode=gmode if _is_traced(ind) or gmode == "fill" else None,
                   fill_value=fill_value)


def _along_axis_setup(arr: Any, indices: Any, axis: int | None, name: str
                      ) -> tuple[Any, Any, int]:
    arr = asarray(arr)
    if isinstance(indices, (list, tuple)) and _has_tracer(indices):
        indices = _stack_nested(indices)
    if type(indices) is not Tracer:
        indices = np.asarray(indices)
    if axis is None:
        if indices.ndim != 1:
            raise ValueError(_where_(f"{name}: when axis=None, indices must have a single "
                                     "dimension"))
        arr = _ravel(arr)
        axis = 0
    if indices.ndim != arr.ndim:
        raise ValueError(_where_(f"{name}: indices and arr must have the same number of "
                                 f"dimensions, got {indices.ndim} and {arr.ndim}"))
    axis = normalize_axis(axis, arr.ndim)
    if indices.dtype.kind not in "iu" and not (indices.size == 0 and type(indices) is not Tracer):
        raise IndexError(_where_(f"{name}: indices must be integers, got {indices.dtype}"))
    return arr, indices, axis


def take_along_axis(arr: Any, indices: Any, axis: int | None = -1, mode: str | None = None,
                    fill_value: Any = None) -> Any:
    """Like ``numpy.take_along_axis`` (one batched ``gather``).

    Traced out-of-bounds indices give ``fill_value`` (``mode="fill"``, JAX's
    default) unless ``mode="clip"``.

    >>> import tracer.numpy as tnp
    >>> x = tnp.asarray([[10, 30, 20]])
    >>> tnp.take_along_axis(x, tnp.argsort(x, axis=1), axis=1).tolist()
    [[10, 20, 30]]
    """
    arr, indices, axis = _along_axis_setup(arr, indices, axis, "take_along_axis")
    n = arr.shape[axis]
    ishape = tuple(indices.shape)
    try:
        out_shape = tuple(np.broadcast_shapes(
            tuple(1 if i == axis else d for i, d in enumerate(arr.shape)),
            tuple(1 if i == axis else d for i, d in enumerate(ishape))))
    except ValueError:
        raise ValueError(_where_(f"take_along_axis: shape mismatch: arr {arr.shape} and "
                                 f"indices {ishape} do not broadcast")) from None
    out_shape = out_shape[:axis] + (ishape[axis],) + out_shape[axis + 1:]
    if math.prod(out_shape) == 0:
        return _full(out_shape, 0, arr.dtype)
    if n == 0:
        raise IndexError(_where_("take_along_axis: cannot take from an empty axis"))
    gm = {"clip": "clip", "raise": None}.get(mode, mode)
    ind, gmode = _prepare_indices(indices, n, gm, "take_along_axis", axis)
    traced = _is_traced(ind)
    if traced:
        dt = _index_dtype(arr.shape, [ind])
        if gm in (None, "fill", "drop"):
            ind = _wrap_negative(ind, n, dt)
        else:
            ind = convert(ind, dt)
    else:
        ind = np.where((ind < 0) & (ind >= -n), ind + n, ind)
        dt = _index_dtype(arr.shape)
        ind = ind.astype(dt)
    arr_b = broadcast_to_raw(arr, out_shape[:axis] + (n,) + out_shape[axis + 1:])
    ind = _reshape(broadcast_to_raw(ind, out_shape) if tuple(ind.shape) != out_shape
                   else ind, out_shape + (1,))
    batch = tuple(d for d in range(arr.ndim) if d != axis)
    dn = P.GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(axis,),
                                  start_index_map=(axis,), operand_batching_dims=batch,
                                  start_indices_batching_dims=batch)
    if fill_value is not None:
        fill_value = _scalar(fill_value, arr.dtype).item()
    return bind(P.gather_p, arr_b, ind, dimension_numbers=dn,
                slice_sizes=(1,) * arr.ndim, mode=gmode, fill_value=fill_value)


def put_along_axis(arr: Any, indices: Any, values: Any, axis: int | None,
                   inplace: bool = True, *, mode: str | None = None) -> Any:
    """Functional ``numpy.put_along_axis``: returns the updated array.

    graphjit arrays are immutable, so (as in JAX) ``inplace=False`` must be
    passed to acknowledge that the result is returned and ``arr`` is unchanged.

    >>> import tracer.numpy as tnp
    >>> tnp.put_along_axis(tnp.zeros((1, 3)), tnp.asarray([[2]]), 5.0, 1,
    ...                    inplace=False).tolist()
    [[0.0, 0.0, 5.0]]
    """
    if inplace:
        raise ValueError(_where_("put_along_axis cannot modify arrays in place (graphjit "
                                 "arrays are immutable); pass inplace=False and use the "
                                 "returned array"))
    a0 = asarray(arr)
    a, indices, axis = _along_axis_setup(a0, indices, axis, "put_along_axis")
    n = a.shape[axis]
    ishape = tuple(indices.shape)
    # indices broadcast against arr on the other axes; arr's shape wins.
    full = tuple(ishape[axis] if i == axis else d for i, d in enumerate(a.shape))
    try:
        np.broadcast_shapes(ishape, full)
    except ValueError:
        raise ValueError(_where_(f"put_along_axis: indices {ishape} do not broadcast against "
                                 f"arr {a.shape}")) from None
    v = _broadcast_update(_as_update(values, a.dtype), full)
    if math.prod(full) == 0:
        return a0
    ind, _ = _prepare_indices(indices, n, {"clip": "clip", "wrap": "wrap"}.get(mode),
                              "put_along_axis")
    traced = _is_traced(ind)
    dt = _index_dtype(a.shape, [ind] if traced else [])
    if traced:
        ind = _wrap_negative(ind, n, dt)
    else:
        ind = np.where(ind < 0, ind + n, ind).astype(dt)
    ind = _reshape(broadcast_to_raw(ind, full) if tuple(ind.shape) != full else ind,
                   full + (1,))
    batch = tuple(d for d in range(a.ndim) if d != axis)
    dn = P.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(axis,),
                                   scatter_dims_to_operand_dims=(axis,),
                                   operand_batching_dims=batch,
                                   scatter_indices_batching_dims=batch)
    out = bind(P.scatter_p, a, ind, v, dimension_numbers=dn,
               mode="fill" if traced else "promise_in_bounds",
               indices_are_sorted=False, unique_indices=False)
    return reshape_raw(out, a0.shape)


def put(a: Any, ind: Any, v: Any, mode: str | None = None, *, inplace: bool = True) -> Any:
    """Functional ``numpy.put``: ``a.flat[ind] = v`` on a copy (``inplace=False`` required).

    >>> import tracer.numpy as tnp
    >>> tnp.put(tnp.zeros(4), [0, 2], [1.0, 2.0], inplace=False).tolist()
    [1.0, 0.0, 2.0, 0.0]
    """
    if inplace:
        raise ValueError(_where_("put cannot modify arrays in place (graphjit arrays are "
                                 "immutable); pass inplace=False and use the returned array"))
    a = asarray(a)
    flat = _ravel(a)
    n = flat.shape[0]
    i, _ = _prepare_indices(ind, n, {"clip": "clip", "wrap": "wrap"}.get(mode), "put")
    i = _ravel(i) if _is_traced(i) else np.ravel(i)
    vv = _as_update(v, a.dtype)
    vflat = _ravel(vv) if not isinstance(vv, np.ndarray) else np.ravel(vv)
    k = i.shape[0]
    if k == 0 or vflat.shape[0] == 0 or n == 0:
        return a
    if vflat.shape[0] != k:
        rep = np.arange(k) % vflat.shape[0]
        vflat = vflat[rep] if isinstance(vflat, np.ndarray) else getitem(vflat, rep)
    return reshape_raw(flat.at[i].set(vflat), a.shape)


# ---------------------------------------------------------------------------
# nonzero and other data-dependent shapes


_SIZE_HINT = ("Pass a static size= (results are padded with fill_value), use tnp.where to "
              "keep the shape static, or compute it outside the transformed function.")


def _nonzero_sized(a: Any, size: int, fill_value: Any) -> tuple[Any, ...]:
    """``nonzero`` with a static result size: cumsum positions + scatter (traceable)."""
    shape = tuple(a.shape)
    n = math.prod(shape)
    size = operator.index(size)
    fills = fill_value if isinstance(fill_value, (tuple, list)) else (fill_value,) * len(shape)
    if len(fills) != len(shape):
        raise ValueError(_where_(f"nonzero: fill_value must be a scalar or a tuple of length "
                                 f"{len(shape)}"))
    fills = [0 if f is None else f for f in fills]
    if n == 0 or size == 0:
        return tuple(_full((size,), f, _INTP) for f in fills)
    flat = _ravel(a)
    m = flat if flat.dtype == np.bool_ else bind(P.ne_p, flat, _scalar(0, flat.dtype))
    pos = bind(P.sub_p, bind(P.cumsum_p, convert(m, _INTP), axis=0, reverse=False),
               _scalar(1, _INTP))
    target = bind(P.select_n_p, m, _full((n,), size, _INTP), pos)
    dn = P.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                   scatter_dims_to_operand_dims=(0,))
    found = bind(P.scatter_p, _full((size,), -1, _INTP), reshape_raw(target, (n, 1)),
                 _iota(_INTP, (n,)), dimension_numbers=dn, mode="fill",
                 indices_are_sorted=True, unique_indices=False)
    valid = bind(P.ge_p, found, _scalar(0, _INTP))
    outs = []
    stride = n
    for d, f in zip(shape, fills):
        stride //= d
        c = bind(P.rem_p, bind(P.div_p, found, _scalar(stride, _INTP)), _scalar(d, _INTP))
        outs.append(bind(P.select_n_p, valid, _full((size,), f, _INTP), c))
    return tuple(outs)


def nonzero(a: Any, *, size: int | None = None, fill_value: Any = None) -> tuple[Any, ...]:
    """Like ``numpy.nonzero``: indices of the non-zero elements, one array per axis.

    The result shape depends on the values: this needs concrete values unless a
    static ``size`` is given (JAX's extension), in which case the result is
    truncated or padded with ``fill_value`` (default 0) and works under tracing.

    >>> import tracer.numpy as tnp
    >>> [i.tolist() for i in tnp.nonzero(tnp.asarray([0, 3, 0, 5]))]
    [[1, 3]]
    """
    a = asarray(a)
    if a.ndim == 0:
        raise ValueError(_where_("Calling nonzero on 0d arrays is not allowed. Use "
                                 "tnp.atleast_1d(scalar).nonzero() instead"))
    if size is not None:
        return _nonzero_sized(a, size, fill_value)
    v = _need_concrete(a, "nonzero", _SIZE_HINT)
    return tuple(asarray(i.astype(_INTP)) for i in np.nonzero(v))


def flatnonzero(a: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    """Like ``numpy.flatnonzero``: indices of the non-zero elements of ``ravel(a)``.

    >>> import tracer.numpy as tnp
    >>> tnp.flatnonzero(tnp.asarray([[0, 1], [1, 0]])).tolist()
    [1, 2]
    """
    a = asarray(a)
    if size is None:
        v = _need_concrete(a, "flatnonzero", _SIZE_HINT)
        return asarray(np.flatnonzero(v).astype(_INTP))
    return nonzero(_ravel(a), size=size, fill_value=fill_value)[0]


def argwhere(a: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    """Like ``numpy.argwhere``: ``(N, a.ndim)`` indices of the non-zero elements.

    >>> import tracer.numpy as tnp
    >>> tnp.argwhere(tnp.asarray([[0, 1], [1, 0]])).tolist()
    [[0, 1], [1, 0]]
    """
    a = asarray(a)
    if size is None:
        v = _need_concrete(a, "argwhere", _SIZE_HINT)
        return asarray(np.argwhere(v).astype(_INTP))
    if a.ndim == 0:
        a = reshape_raw(a, (1,))
        cols = _nonzero_sized(a, size, fill_value)
        return _full((size, 0), 0, _INTP) if cols else cols
    cols = _nonzero_sized(a, size, fill_value)
    return _concat([reshape_raw(c, (size, 1)) for c in cols], 1)


def _sort_with_perm(x: Any) -> tuple[Any, Any]:
    n = x.shape[0]
    s, perm = bind(P.sort_p, x, _iota(_INTP, (n,)), dimension=0, is_stable=True, num_keys=1)
    return s, perm


def _unique_sized(a: Any, size: int, return_index: bool, return_inverse: bool,
                  return_counts: bool, equal_nan: bool, fill_value: Any) -> Any:
    """Sort-based ``unique`` with a static result size (traceable; axis=None only)."""
    size = operator.index(size)
    flat = _ravel(a)
    n = flat.shape[0]
    dn = P.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                   scatter_dims_to_operand_dims=(0,))

    def scatter(prim: P.Primitive, init: Any, target: Any, upd: Any) -> Any:
        return bind(prim, init, reshape_raw(target, (n, 1)), upd, dimension_numbers=dn,
                    mode="fill", indices_are_sorted=True, unique_indices=False)

    if n == 0:
        fv = 0 if fill_value is None else fill_value
        outs: list[Any] = [_full((size,), fv, flat.dtype)]
        if return_index:
            outs.append(_full((size,), 0, _INTP))
        if return_inverse:
            outs.append(_full(a.shape, 0, _INTP))
        if return_counts:
            outs.append(_full((size,), 0, _INTP))
        return outs[0] if len(outs) == 1 else tuple(outs)
    s, perm = _sort_with_perm(flat)
    if n > 1:
        hi = bind(P.slice_p, s, start_indices=(1,), limit_indices=(n,), strides=None)
        lo = bind(P.slice_p, s, start_indices=(0,), limit_indices=(n - 1,), strides=None)
        neq = bind(P.ne_p, hi, lo)
        if equal_nan and s.dtype.kind in "fc":
            both_nan = bind(P.and_p, bind(P.ne_p, hi, hi), bind(P.ne_p, lo, lo))
            neq = bind(P.and_p, neq, bind(P.not_p, both_nan))
        first = _concat([_full((1,), True, np.dtype(bool)), neq], 0)
    else:
        first = _full((1,), True, np.dtype(bool))
    gid = bind(P.sub_p, bind(P.cumsum_p, convert(first, _INTP), axis=0, reverse=False),
               _scalar(1, _INTP))
    target = bind(P.select_n_p, first, _full((n,), size, _INTP), gid)
    if fill_value is None:
        init = bind(P.broadcast_in_dim_p, reshape_raw(
            bind(P.slice_p, s, start_indices=(0,), limit_indices=(1,), strides=None), ()),
            shape=(size,), broadcast_dimensions=())
    else:
        init = _full((size,), fill_value, s.dtype)
    outs = [scatter(P.scatter_p, init, target, s)]
    if return_index:
        outs.append(scatter(P.scatter_p, _full((size,), 0, _INTP), target, perm))
    if return_inverse:
        inv = bind(P.scatter_p, _full((n,), 0, _INTP), reshape_raw(perm, (n, 1)), gid,
                   dimension_numbers=dn, mode="promise_in_bounds", indices_are_sorted=False,
                   unique_indices=True)
        outs.append(reshape_raw(inv, a.shape))
    if return_counts:
        in_range = bind(P.lt_p, gid, _scalar(size, _INTP))
        outs.append(scatter(P.scatter_add_p, _full((size,), 0, _INTP),
                            bind(P.select_n_p, in_range, _full((n,), size, _INTP), gid),
                            _full((n,), 1, _INTP)))
    return outs[0] if len(outs) == 1 else tuple(outs)


def unique(ar: Any, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis: int | None = None, *, equal_nan: bool = True,
           sorted: bool = True, size: int | None = None, fill_value: Any = None) -> Any:
    """Like ``numpy.unique`` (concrete values; or a static ``size=``, JAX-style).

    With ``size`` (``axis=None`` only) the sorted unique values are truncated
    or padded with ``fill_value`` (default: the smallest value) and the function
    traces; ``return_index``/``return_counts`` pad with 0.

    >>> import tracer.numpy as tnp
    >>> tnp.unique(tnp.asarray([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    a = asarray(ar)
    if size is not None:
        if axis is not None:
            raise NotImplementedError(_where_("unique: size= is only supported with "
                                              "axis=None"))
        return _unique_sized(a, size, return_index, return_inverse, return_counts, equal_nan,
                             fill_value)
    v = _need_concrete(a, "unique", _SIZE_HINT)
    res = np.unique(v, return_index=return_index, return_inverse=return_inverse,
                    return_counts=return_counts, axis=axis, equal_nan=equal_nan)
    if isinstance(res, tuple):
        return tuple(asarray(r) for r in res)
    return asarray(res)


class _UniqueAll(NamedTuple):
    values: Any
    indices: Any
    inverse_indices: Any
    counts: Any


class _UniqueCounts(NamedTuple):
    values: Any
    counts: Any


class _UniqueInverse(NamedTuple):
    values: Any
    inverse_indices: Any


def unique_values(x: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    """Array API ``unique_values``: the sorted unique elements."""
    return unique(x, size=size, fill_value=fill_value)


def unique_counts(x: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    """Array API ``unique_counts``: ``(values, counts)``."""
    return _UniqueCounts(*unique(x, return_counts=True, size=size, fill_value=fill_value))


def unique_inverse(x: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    """Array API ``unique_inverse``: ``(values, inverse_indices)`` (inverse has x's shape)."""
    vals, inv = unique(x, return_inverse=True, size=size, fill_value=fill_value)
    return _UniqueInverse(vals, reshape_raw(asarray(inv), asarray(x).shape))


def unique_all(x: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    """Array API ``unique_all``: ``(values, indices, inverse_indices, counts)``."""
    vals, idx, inv, cnt = unique(x, return_index=True, return_inverse=True,
                                 return_counts=True, size=size, fill_value=fill_value)
    return _UniqueAll(vals, idx, reshape_raw(asarray(inv), asarray(x).shape), cnt)


def compress(condition: Any, a: Any, axis: int | None = None, out: Any = None) -> Any:
    """Like ``numpy.compress``: the slices of ``a`` where ``condition`` is true.

    ``condition`` must be concrete (its values fix the result shape); ``a`` may
    be traced.

    >>> import tracer.numpy as tnp
    >>> tnp.compress([False, True, True], tnp.asarray([[1, 2], [3, 4], [5, 6]]), 0).tolist()
    [[3, 4], [5, 6]]
    """
    if out is not None:
        raise TypeError(_where_("compress: out= is not supported"))
    c = _need_concrete(asarray(condition), "compress", _MASK_HINT)
    if c.ndim != 1:
        raise ValueError(_where_("compress: condition must be a 1-d array"))
    a = asarray(a)
    if axis is None:
        a = _ravel(a)
        axis = 0
    axis = normalize_axis(axis, a.ndim)
    idx = np.nonzero(c.astype(bool))[0]
    if idx.size and idx[-1] >= a.shape[axis]:
        raise IndexError(_where_(f"compress: index {idx[-1]} is out of bounds for axis "
                                 f"{axis} with size {a.shape[axis]}"))
    return take(a, idx, axis=axis)


def extract(condition: Any, arr: Any, *, size: int | None = None,
            fill_value: Any = 0) -> Any:
    """Like ``numpy.extract``: ``ravel(arr)[ravel(condition) != 0]``.

    Needs a concrete ``condition`` unless a static ``size`` is given (then the
    result is padded with ``fill_value``, as in JAX).

    >>> import tracer.numpy as tnp
    >>> tnp.extract([True, False, True], tnp.asarray([1, 2, 3])).tolist()
    [1, 3]
    """
    arr = _ravel(asarray(arr))
    if size is None:
        c = _need_concrete(asarray(condition), "extract", _MASK_HINT)
        idx = np.flatnonzero(c)
        if idx.size and idx[-1] >= arr.shape[0]:
            raise IndexError(_where_(f"extract: index {idx[-1]} is out of bounds for size "
                                     f"{arr.shape[0]}"))
        return take(arr, idx)
    (idx,) = nonzero(_ravel(asarray(condition)), size=size, fill_value=arr.shape[0])
    return getitem(arr, idx, mode="fill", fill_value=fill_value)


def choose(a: Any, choices: Sequence[Any], out: Any = None, mode: str = "raise") -> Any:
    """Like ``numpy.choose``: ``choices[a[i]][i]`` (one ``select_n``).

    ``mode="raise"`` checks concrete ``a``; traced ``a`` is clipped (it cannot raise).

    >>> import tracer.numpy as tnp
    >>> tnp.choose(tnp.asarray([0, 1, 0]), [[1, 2, 3], [10, 20, 30]]).tolist()
    [1, 20, 3]
    """
    if out is not None:
        raise TypeError(_where_("choose: out= is not supported"))
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(_where_(f"choose: mode must be 'raise', 'wrap' or 'clip', got "
                                 f"{mode!r}"))
    if isinstance(choices, (list, tuple)):
        # NumPy finds the common dtype before converting: Python scalars are weak
        dt = result_type(*choices) if choices else None
        cs = [asarray(c) for c in choices]
    else:
        ch = asarray(choices)
        dt = ch.dtype
        cs = [getitem(ch, i) for i in range(ch.shape[0])]
    n = len(cs)
    if n == 0:
        raise ValueError(_where_("choose: choices must not be empty"))
    a = asarray(a)
    if a.dtype.kind == "b":   # (NumPy casts bools)
        a = convert(a, _INTP)
    if a.dtype.kind not in "iu":
        raise TypeError(_where_(f"choose: index array must be integers, got {a.dtype}"))
    shape = tuple(np.broadcast_shapes(tuple(a.shape), *[tuple(c.shape) for c in cs]))
    av = _concrete(a)
    if av is not None and not _is_traced(a):
        if mode == "raise":
            if av.size and (av.min() < 0 or av.max() >= n):
                raise ValueError(_where_("invalid entry in choice array"))
            sel = av
        elif mode == "wrap":
            sel = np.mod(av, n)
        else:
            sel = np.clip(av, 0, n - 1)
        sel = sel.astype(np.int32)
    else:
        sel = convert(a, np.dtype(np.int32))
        if mode == "wrap":
            from tracer.numpy._elementwise import remainder
            sel = remainder(sel, np.int32(n))
        else:
            sel = bind(P.min_p, bind(P.max_p, sel, np.int32(0)), np.int32(n - 1))
    cases = [broadcast_to_raw(convert(c, dt), shape) for c in cs]
    if isinstance(sel, np.ndarray):
        sel = np.broadcast_to(sel, shape) if sel.shape != shape else sel
    else:
        sel = broadcast_to_raw(sel, shape)
    return bind(P.select_n_p, sel, *cases)


# ---------------------------------------------------------------------------
# Static index helpers (NumPy results, wrapped)


def _wrap_all(arrs: Sequence[np.ndarray]) -> tuple[Any, ...]:
    return tuple(asarray(np.asarray(a).astype(_INTP)) for a in arrs)


def diag_indices(n: int, ndim: int = 2) -> tuple[Any, ...]:
    """Like ``numpy.diag_indices``: indices of the main diagonal of an ``(n,)*ndim`` array.

    >>> import tracer.numpy as tnp
    >>> [i.tolist() for i in tnp.diag_indices(2)]
    [[0, 1], [0, 1]]
    """
    return _wrap_all(np.diag_indices(operator.index(n), operator.index(ndim)))


def diag_indices_from(arr: Any) -> tuple[Any, ...]:
    """Like ``numpy.diag_indices_from`` (all axes must have equal length)."""
    shape = tuple(asarray(arr).shape)
    if len(shape) < 2:
        raise ValueError(_where_("input array must be at least 2-d"))
    if any(d != shape[0] for d in shape):
        raise ValueError(_where_("All dimensions of input must be of equal length"))
    return diag_indices(shape[0], len(shape))


def tril_indices(n: int, k: int = 0, m: int | None = None) -> tuple[Any, Any]:
    """Like ``numpy.tril_indices``: indices of the lower triangle of an ``(n, m)`` array.

    >>> import tracer.numpy as tnp
    >>> [i.tolist() for i in tnp.tril_indices(2)]
    [[0, 1, 1], [0, 0, 1]]
    """
    return _wrap_all(np.tril_indices(operator.index(n), operator.index(k), m))  # type: ignore


def triu_indices(n: int, k: int = 0, m: int | None = None) -> tuple[Any, Any]:
    """Like ``numpy.triu_indices``: indices of the upper triangle of an ``(n, m)`` array."""
    return _wrap_all(np.triu_indices(operator.index(n), operator.index(k), m))  # type: ignore


def tril_indices_from(arr: Any, k: int = 0) -> tuple[Any, Any]:
    """Like ``numpy.tril_indices_from``."""
    shape = tuple(asarray(arr).shape)
    if len(shape) != 2:
        raise ValueError(_where_("input array must be 2-d"))
    return tril_indices(shape[-2], k, shape[-1])


def triu_indices_from(arr: Any, k: int = 0) -> tuple[Any, Any]:
    """Like ``numpy.triu_indices_from``."""
    shape = tuple(asarray(arr).shape)
    if len(shape) != 2:
        raise ValueError(_where_("input array must be 2-d"))
    return triu_indices(shape[-2], k, shape[-1])


def ix_(*args: Any) -> tuple[Any, ...]:
    """Like ``numpy.ix_``: an open mesh from 1-d sequences (boolean ones via nonzero).

    >>> import tracer.numpy as tnp
    >>> [i.shape for i in tnp.ix_([0, 1], [2, 3, 4])]
    [(2, 1), (1, 3)]
    """
    n = len(args)
    out = []
    for k, a in enumerate(args):
        if isinstance(a, (list, tuple)) and len(a) == 0:
            a = np.zeros(0, _INTP)
        a = asarray(a)
        if a.ndim != 1:
            raise ValueError(_where_("Cross index must be 1 dimensional"))
        if a.dtype == np.bool_:
            a = nonzero(a)[0]
        out.append(reshape_raw(a, (1,) * k + (a.shape[0],) + (1,) * (n - k - 1)))
    return tuple(out)


def unravel_index(indices: Any, shape: Sequence[int]) -> tuple[Any, ...]:
    """Like ``numpy.unravel_index`` (C order).

    Concrete indices are checked like NumPy; traced ones wrap negatives and are
    clipped into range (they cannot raise), as in JAX.

    >>> import tracer.numpy as tnp
    >>> [int(i) for i in tnp.unravel_index(5, (2, 3))]
    [1, 2]
    """
    shape = tuple(operator.index(d) for d in (shape if isinstance(shape, (tuple, list))
                                              else (shape,)))
    if not _is_traced(indices) and not (isinstance(indices, (list, tuple))
                                        and _has_tracer(indices)):
        try:
            res = np.unravel_index(np.asarray(indices), shape)
        except ValueError as e:
            raise ValueError(_where_(str(e))) from None
        return _wrap_all(res)
    idx = asarray(indices)
    if idx.dtype.kind == "b":   # (NumPy casts bools)
        idx = convert(idx, _INTP)
    if idx.dtype.kind not in "iu":
        raise TypeError(_where_("only int indices permitted"))
    total = math.prod(shape)
    dt = _INTP if idx.dtype.itemsize > 4 or total >= 2**31 - 1 else np.dtype(np.int32)
    i = _wrap_negative(idx, total, dt)
    i = bind(P.min_p, bind(P.max_p, i, _scalar(0, dt)), _scalar(max(total - 1, 0), dt))
    outs = []
    for d in reversed(shape):
        outs.append(convert(bind(P.rem_p, i, _scalar(max(d, 1), dt)), _INTP))
        i = bind(P.div_p, i, _scalar(max(d, 1), dt))
    return tuple(reversed(outs))


def ravel_multi_index(multi_index: Sequence[Any], dims: Sequence[int], mode: str = "raise",
                      order: str = "C") -> Any:
    """Like ``numpy.ravel_multi_index``; traced indices use ``mode`` 'wrap' or 'clip'
    (``'raise'`` clips them, as they cannot raise).

    >>> import tracer.numpy as tnp
    >>> int(tnp.ravel_multi_index(([1], [2]), (2, 3))[0])
    5
    """
    dims = tuple(operator.index(d) for d in dims)
    if len(multi_index) != len(dims):
        raise ValueError(_where_(f"parameter multi_index must be a sequence of length "
                                 f"{len(dims)}"))
    if order not in ("C", "F"):
        raise ValueError(_where_("only 'C' or 'F' order is permitted"))
    if not any(_is_traced(m) or (isinstance(m, (list, tuple)) and _has_tracer(m))
               for m in multi_index):
        try:
            r = np.ravel_multi_index(tuple(np.asarray(m) for m in multi_index), dims,
                                     mode=mode, order=order)
        except ValueError as e:
            raise ValueError(_where_(str(e))) from None
        return asarray(np.asarray(r).astype(_INTP))
    parts = [asarray(m) for m in multi_index]
    strides = []
    acc = 1
    for d in (reversed(dims) if order == "C" else dims):
        strides.append(acc)
        acc *= d
    if order == "C":
        strides = strides[::-1]
    out = None
    from tracer.numpy._elementwise import remainder
    for m, d, s in zip(parts, dims, strides):
        m = convert(m, _INTP)
        if mode == "wrap":
            m = remainder(m, _scalar(d, _INTP))
        else:
            m = bind(P.min_p, bind(P.max_p, m, _scalar(0, _INTP)), _scalar(d - 1, _INTP))
        term = bind(P.mul_p, m, _scalar(s, _INTP))
        out = term if out is None else bind(P.add_p, out, term)
    return out
