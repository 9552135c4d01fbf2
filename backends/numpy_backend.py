"""The NumPy reference interpreter: one impl per primitive.

This is the executable specification of every primitive (the XLA backend is
tested against it) and the eager engine for host data.  Each impl takes NumPy
values (ndarrays, NumPy scalars or Python scalars) and returns an ndarray (a
list of them for multi-result primitives) whose dtype equals what the
primitive's shape rule says.  Control-flow impls evaluate their sub-graphs
with ``eval_graph`` in the current (eager) context.
"""
from __future__ import annotations

import functools

import math
from typing import Any, Callable, Sequence

import numpy as np

from tracer import primitives as P
from tracer.errors import EscapedTracerError
from tracer.ir import ClosedGraph
from tracer.tracing import Tracer, eval_graph
from backends.array import Array, DeviceArray, wrap

impls: dict[P.Primitive, Callable[..., Any]] = {}


_a = np.asarray   # an impl's operand as an ndarray (NumPy scalars and 0-d values too)


def _ew(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Elementwise impl: the NumPy ufunc itself (the hot eager path).

    Floating-point warnings (log(0), 0/0) are NumPy's own, as a NumPy user
    would see them; the eager executor wraps 0-d results into arrays.
    """
    return fn


def _same_dtype(fn: Callable[..., Any]) -> Callable[..., Any]:
    def impl(x: Any, *rest: Any) -> np.ndarray:
        x = _a(x)
        with np.errstate(all="ignore"):
            return np.asarray(fn(x, *rest), dtype=x.dtype)
    return impl


_FLOAT_UNARY = {
    P.floor_p: np.floor, P.ceil_p: np.ceil, P.exp_p: np.exp, P.exp2_p: np.exp2,
    P.expm1_p: np.expm1, P.log_p: np.log, P.log1p_p: np.log1p, P.sin_p: np.sin,
    P.cos_p: np.cos, P.tan_p: np.tan, P.asin_p: np.arcsin, P.acos_p: np.arccos,
    P.atan_p: np.arctan, P.sinh_p: np.sinh, P.cosh_p: np.cosh, P.tanh_p: np.tanh,
    P.asinh_p: np.arcsinh, P.acosh_p: np.arccosh, P.atanh_p: np.arctanh,
    P.sqrt_p: np.sqrt, P.cbrt_p: np.cbrt,
}
for _p, _f in _FLOAT_UNARY.items():
    impls[_p] = _ew(_f)

impls[P.neg_p] = _ew(np.negative)
impls[P.sign_p] = _same_dtype(np.sign)
impls[P.abs_p] = _ew(np.abs)
impls[P.is_finite_p] = _ew(np.isfinite)
impls[P.signbit_p] = _ew(np.signbit)
impls[P.stop_gradient_p] = lambda x: _a(x)
impls[P.rsqrt_p] = _same_dtype(lambda x: 1 / np.sqrt(x))


def _erf(x: Any) -> np.ndarray:
    x = _a(x)
    return np.asarray(np.vectorize(math.erf, otypes=[np.float64])(x), dtype=x.dtype)


impls[P.erf_p] = _erf


def _logistic(x: Any) -> np.ndarray:
    x = _a(x)
    with np.errstate(all="ignore"):
        e = np.exp(-np.abs(x))
        return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


impls[P.logistic_p] = _logistic


def _not(x: Any) -> np.ndarray:
    x = _a(x)
    return np.logical_not(x) if x.dtype == np.bool_ else np.invert(x)


impls[P.not_p] = _not


def _round(x: Any, *, rounding_method: int) -> np.ndarray:
    x = _a(x)
    r = np.rint(x)
    if rounding_method == 0:  # half away from zero
        t = np.trunc(x)
        with np.errstate(all="ignore"):
            r = np.where(np.abs(x - t) == 0.5, t + np.sign(x), r)
    return np.asarray(r, dtype=x.dtype)


impls[P.round_p] = _round


def _integer_pow(x: Any, *, y: int) -> np.ndarray:
    x = _a(x)
    with np.errstate(all="ignore"):
        if y < 0:
            return np.asarray(1 / np.power(x, -y), dtype=x.dtype)
        return np.asarray(np.power(x, y), dtype=x.dtype)


impls[P.integer_pow_p] = _integer_pow

_BINARY = {
    P.add_p: np.add, P.sub_p: np.subtract, P.mul_p: np.multiply, P.pow_p: np.power,
    P.max_p: np.maximum, P.min_p: np.minimum, P.atan2_p: np.arctan2,
    P.nextafter_p: np.nextafter, P.and_p: np.bitwise_and, P.or_p: np.bitwise_or,
    P.xor_p: np.bitwise_xor, P.eq_p: np.equal, P.ne_p: np.not_equal, P.lt_p: np.less,
    P.le_p: np.less_equal, P.gt_p: np.greater, P.ge_p: np.greater_equal,
}
for _p, _f in _BINARY.items():
    impls[_p] = _ew(_f)


def _div(x: Any, y: Any) -> np.ndarray:
    if type(x) is np.ndarray and x.dtype.kind == "f":
        return np.true_divide(x, y)
    x, y = _a(x), _a(y)
    with np.errstate(all="ignore"):
        if x.dtype.kind in "iu":
            safe = np.where(y == 0, 1, y)
            q = np.floor_divide(x, safe)
            fix = (np.remainder(x, safe) != 0) & ((x < 0) != (safe < 0))
            q = q + fix.astype(q.dtype)
            return np.asarray(np.where(y == 0, -1 if x.dtype.kind == "i" else
                                       np.iinfo(x.dtype).max, q), dtype=x.dtype)
        return np.asarray(np.true_divide(x, y), dtype=x.dtype)


def _rem(x: Any, y: Any) -> np.ndarray:
    x, y = _a(x), _a(y)
    with np.errstate(all="ignore"):
        if x.dtype.kind in "iu":
            safe = np.where(y == 0, 1, y)
            return np.asarray(np.where(y == 0, x, np.fmod(x, safe)), dtype=x.dtype)
        return np.asarray(np.fmod(x, y), dtype=x.dtype)


impls[P.div_p] = _div
impls[P.rem_p] = _rem


def _shift(kind: str) -> Callable[..., np.ndarray]:
    def impl(x: Any, y: Any) -> np.ndarray:
        x, y = _a(x), _a(y)
        bits = x.dtype.itemsize * 8
        big = (y < 0) | (y >= bits)
        ys = np.where(big, 0, y).astype(x.dtype)
        if kind == "left":
            r = np.left_shift(x, ys)
            return np.asarray(np.where(big, 0, r), dtype=x.dtype)
        if kind == "arith":
            r = np.right_shift(x, ys)
            fill = np.where(x < 0, -1, 0) if x.dtype.kind == "i" else 0
            return np.asarray(np.where(big, fill, r), dtype=x.dtype)
        u = np.dtype(f"u{x.dtype.itemsize}")
        r = np.right_shift(x.view(u) if x.ndim else x.astype(u), ys.astype(u)).astype(x.dtype)
        return np.asarray(np.where(big, 0, r), dtype=x.dtype)
    return impl


impls[P.shift_left_p] = _shift("left")
impls[P.shift_right_arithmetic_p] = _shift("arith")
impls[P.shift_right_logical_p] = _shift("logical")


def _select_n(which: Any, *cases: Any) -> np.ndarray:
    which = _a(which)
    if len(cases) == 1:
        return np.asarray(np.broadcast_to(cases[0], np.broadcast_shapes(
            which.shape, np.shape(cases[0]))))
    if len(cases) == 2 or which.dtype.kind == "b":
        return np.asarray(np.where(which, cases[1], cases[0]))
    return np.asarray(np.choose(np.clip(which, 0, len(cases) - 1), cases))


impls[P.select_n_p] = _select_n


def _convert(x: Any, *, new_dtype: np.dtype, weak_type: bool = False) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype.kind in "fc" and new_dtype.kind in "iub":
        with np.errstate(all="ignore"):   # nan/inf to int: XLA's saturating cast, silently
            return x.astype(new_dtype)
    return x.astype(new_dtype)


impls[P.convert_element_type_p] = _convert


# -- reductions ----------------------------------------------------------------

def _identity(kind: str, dtype: np.dtype) -> Any:
    if kind == "max":
        if dtype.kind == "f":
            return -np.inf
        return False if dtype == np.bool_ else np.iinfo(dtype).min
    if dtype.kind == "f":
        return np.inf
    return True if dtype == np.bool_ else np.iinfo(dtype).max


def _reduce_sum(x: Any, *, axes: tuple[int, ...]) -> np.ndarray:
    x = _a(x)
    if x.dtype == np.bool_:
        return np.asarray(np.logical_or.reduce(x, axis=axes))
    return np.asarray(np.add.reduce(x, axis=axes, dtype=x.dtype))


def _reduce_prod(x: Any, *, axes: tuple[int, ...]) -> np.ndarray:
    x = _a(x)
    if x.dtype == np.bool_:
        return np.asarray(np.all(x, axis=axes))
    with np.errstate(all="ignore"):
        return np.asarray(np.prod(x, axis=axes, dtype=x.dtype))


def _reduce_minmax(kind: str) -> Callable[..., np.ndarray]:
    fn = (np.maximum if kind == "max" else np.minimum).reduce

    def impl(x: Any, *, axes: tuple[int, ...]) -> np.ndarray:
        x = _a(x)
        if x.size == 0 or not axes:
            if not axes:
                return x
            shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
            return np.full(shape, _identity(kind, x.dtype), dtype=x.dtype)
        return np.asarray(fn(x, axis=axes))
    return impl


def _reduce_bits(kind: str) -> Callable[..., np.ndarray]:
    def impl(x: Any, *, axes: tuple[int, ...]) -> np.ndarray:
        x = _a(x)
        if x.dtype == np.bool_:
            return np.asarray(np.all(x, axis=axes) if kind == "and" else np.any(x, axis=axes))
        uf = np.bitwise_and if kind == "and" else np.bitwise_or
        out = x
        for ax in sorted(axes, reverse=True):
            out = uf.reduce(out, axis=ax)
        return np.asarray(out, dtype=x.dtype)
    return impl


impls[P.reduce_sum_p] = _reduce_sum
impls[P.reduce_prod_p] = _reduce_prod
impls[P.reduce_max_p] = _reduce_minmax("max")
impls[P.reduce_min_p] = _reduce_minmax("min")
impls[P.reduce_and_p] = _reduce_bits("and")
impls[P.reduce_or_p] = _reduce_bits("or")
impls[P.argmax_p] = lambda x, *, axis, index_dtype: np.asarray(
    _a(x).argmax(axis=axis), dtype=index_dtype)
impls[P.argmin_p] = lambda x, *, axis, index_dtype: np.asarray(
    _a(x).argmin(axis=axis), dtype=index_dtype)


def _cumulative(fn: Callable[..., np.ndarray], quiet: bool = True) -> Callable[..., np.ndarray]:
    """A cumulative impl; ``quiet=False`` keeps NumPy's own overflow warnings
    (``np.cumsum`` warns on overflow, and so does ``tnp.cumsum``)."""
    def impl(x: Any, *, axis: int, reverse: bool = False) -> np.ndarray:
        x = _a(x)
        if reverse:
            x = np.flip(x, axis)
        if quiet:
            with np.errstate(all="ignore"):
                out = np.asarray(fn(x, axis), dtype=x.dtype)
        else:
            out = np.asarray(fn(x, axis), dtype=x.dtype)
        return np.flip(out, axis) if reverse else out
    return impl


def _cumsum(x: np.ndarray, axis: int) -> np.ndarray:
    if x.dtype == np.bool_:
        return np.logical_or.accumulate(x, axis=axis)
    return x.cumsum(axis=axis, dtype=x.dtype)


def _cumprod(x: np.ndarray, axis: int) -> np.ndarray:
    if x.dtype == np.bool_:
        return np.logical_and.accumulate(x, axis=axis)
    return x.cumprod(axis=axis, dtype=x.dtype)


impls[P.cumsum_p] = _cumulative(_cumsum, quiet=False)
impls[P.cumprod_p] = _cumulative(_cumprod)
impls[P.cummax_p] = _cumulative(lambda x, axis: np.maximum.accumulate(x, axis=axis), False)
impls[P.cummin_p] = _cumulative(lambda x, axis: np.minimum.accumulate(x, axis=axis), False)
impls[P.cumlogsumexp_p] = _cumulative(lambda x, axis: np.logaddexp.accumulate(x, axis=axis))


# -- shapes ----------------------------------------------------------------------

def _broadcast_in_dim(x: Any, *, shape: tuple[int, ...],
                      broadcast_dimensions: tuple[int, ...]) -> np.ndarray:
    x = _a(x)
    expanded = [1] * len(shape)
    for i, d in enumerate(broadcast_dimensions):
        expanded[d] = x.shape[i]
    return np.broadcast_to(x.reshape(expanded), shape)


impls[P.broadcast_in_dim_p] = _broadcast_in_dim
impls[P.reshape_p] = lambda x, *, new_sizes: _a(x).reshape(new_sizes)
impls[P.transpose_p] = lambda x, *, permutation: _a(x).transpose(permutation)
impls[P.squeeze_p] = lambda x, *, dimensions: np.squeeze(x, axis=dimensions)
impls[P.expand_dims_p] = lambda x, *, dimensions: np.expand_dims(x, dimensions)
impls[P.rev_p] = lambda x, *, dimensions: np.flip(x, dimensions) if dimensions else _a(x)
impls[P.concatenate_p] = lambda *xs, dimension: np.concatenate(xs, axis=dimension)


def _pad(x: Any, padding_value: Any, *, padding_config: tuple) -> np.ndarray:
    x = _a(x)
    if x.ndim == 0:
        return x
    # interior padding first
    if any(i for _, _, i in padding_config):
        shape = [d + max(d - 1, 0) * i for d, (_, _, i) in zip(x.shape, padding_config)]
        y = np.full(shape, padding_value, dtype=x.dtype)
        y[tuple(slice(None, None, i + 1) for _, _, i in padding_config)] = x
        x = y
    widths = [(max(lo, 0), max(hi, 0)) for lo, hi, _ in padding_config]
    x = np.pad(x, widths, constant_values=np.asarray(padding_value, dtype=x.dtype))
    sl = tuple(slice(-lo if lo < 0 else 0, d + hi if hi < 0 else d)
               for (lo, hi, _), d in zip(padding_config, x.shape))
    return x[sl]


impls[P.pad_p] = _pad


def _slice(x: Any, *, start_indices: tuple, limit_indices: tuple,
           strides: tuple | None = None) -> np.ndarray:
    strides = strides or (1,) * len(start_indices)
    return _a(x)[tuple(slice(s, lim, st) for s, lim, st in
                       zip(start_indices, limit_indices, strides))]


impls[P.slice_p] = _slice


def _clamp_starts(shape: Sequence[int], sizes: Sequence[int], idx: Sequence[Any]) -> list[int]:
    return [int(min(max(int(i), 0), d - s)) for d, s, i in zip(shape, sizes, idx)]


def _dynamic_slice(x: Any, *idx: Any, slice_sizes: tuple[int, ...]) -> np.ndarray:
    x = _a(x)
    starts = _clamp_starts(x.shape, slice_sizes, idx)
    return x[tuple(slice(s, s + n) for s, n in zip(starts, slice_sizes))]


def _dynamic_update_slice(x: Any, update: Any, *idx: Any) -> np.ndarray:
    x, update = _a(x), _a(update)
    starts = _clamp_starts(x.shape, update.shape, idx)
    out = x.copy()
    out[tuple(slice(s, s + n) for s, n in zip(starts, update.shape))] = update
    return out


impls[P.dynamic_slice_p] = _dynamic_slice
impls[P.dynamic_update_slice_p] = _dynamic_update_slice


def _iota(*, dtype: np.dtype, shape: tuple[int, ...], dimension: int) -> np.ndarray:
    r = np.arange(shape[dimension], dtype=dtype)
    s = [1] * len(shape)
    s[dimension] = shape[dimension]
    return np.broadcast_to(r.reshape(s), shape)


impls[P.iota_p] = _iota


# -- gather / scatter --------------------------------------------------------

def _gather_fill_value(dtype: np.dtype, fill_value: Any) -> Any:
    if fill_value is not None:
        return fill_value
    if dtype.kind in "fc":
        return np.nan
    if dtype == np.bool_:
        return True
    return np.iinfo(dtype).min if dtype.kind == "i" else np.iinfo(dtype).max


def _gather(operand: Any, indices: Any, *, dimension_numbers: P.GatherDimensionNumbers,
            slice_sizes: tuple[int, ...], mode: str, fill_value: Any = None) -> np.ndarray:
    x, idx = _a(operand), _a(indices).astype(np.int64)
    dn = dimension_numbers
    batch_shape = idx.shape[:-1]
    nb = len(batch_shape)
    window_dims = [d for d in range(x.ndim)
                   if d not in dn.collapsed_slice_dims and d not in dn.operand_batching_dims]
    nw = len(window_dims)
    full = batch_shape + tuple(slice_sizes[d] for d in window_dims)
    starts = [np.zeros(batch_shape, np.int64) for _ in range(x.ndim)]
    for k, d in enumerate(dn.start_index_map):
        starts[d] = idx[..., k]
    for od, idim in zip(dn.operand_batching_dims, dn.start_indices_batching_dims):
        shp = [1] * nb
        shp[idim] = batch_shape[idim]
        starts[od] = np.broadcast_to(np.arange(batch_shape[idim]).reshape(shp), batch_shape)
    valid = np.ones(batch_shape, bool)
    for d in range(x.ndim):
        hi = x.shape[d] - slice_sizes[d]
        if mode == "fill":
            valid &= (starts[d] >= 0) & (starts[d] <= hi)
        starts[d] = np.clip(starts[d], 0, max(hi, 0))
    index_arrays = []
    for d in range(x.ndim):
        s = starts[d].reshape(batch_shape + (1,) * nw)
        if d in window_dims:
            k = window_dims.index(d)
            shp = [1] * (nb + nw)
            shp[nb + k] = slice_sizes[d]
            s = s + np.arange(slice_sizes[d]).reshape(shp)
        index_arrays.append(np.broadcast_to(s, full))
    out = x[tuple(index_arrays)] if x.size else np.zeros(full, x.dtype)
    if mode == "fill":
        out = np.where(valid.reshape(batch_shape + (1,) * nw), out,
                       np.asarray(_gather_fill_value(x.dtype, fill_value), dtype=x.dtype))
    # move window dims to offset_dims positions
    out_rank = nb + nw
    perm, bi = [], 0
    for p in range(out_rank):
        if p in dn.offset_dims:
            perm.append(nb + dn.offset_dims.index(p))
        else:
            perm.append(bi)
            bi += 1
    return np.asarray(np.transpose(out, perm), dtype=x.dtype)


impls[P.gather_p] = _gather


def _scatter(combine: str) -> Callable[..., np.ndarray]:
    def impl(operand: Any, indices: Any, updates: Any, *,
             dimension_numbers: P.ScatterDimensionNumbers, mode: str,
             indices_are_sorted: bool = False, unique_indices: bool = False) -> np.ndarray:
        x, idx, upd = _a(operand).copy(), _a(indices).astype(np.int64), _a(updates)
        dn = dimension_numbers
        scatter_dims = [i for i in range(upd.ndim) if i not in dn.update_window_dims]
        upd = np.transpose(upd, scatter_dims + list(dn.update_window_dims))
        batch_shape = idx.shape[:-1]
        nb = len(batch_shape)
        window_dims = [d for d in range(x.ndim) if d not in dn.inserted_window_dims
                       and d not in dn.operand_batching_dims]
        nw = len(window_dims)
        wsizes = upd.shape[nb:]
        starts = [np.zeros(batch_shape, np.int64) for _ in range(x.ndim)]
        for k, d in enumerate(dn.scatter_dims_to_operand_dims):
            starts[d] = idx[..., k]
        for od, idim in zip(dn.operand_batching_dims, dn.scatter_indices_batching_dims):
            shp = [1] * nb
            shp[idim] = batch_shape[idim]
            starts[od] = np.broadcast_to(np.arange(batch_shape[idim]).reshape(shp), batch_shape)
        valid = np.ones(batch_shape, bool)
        for d in range(x.ndim):
            w = wsizes[window_dims.index(d)] if d in window_dims else 1
            hi = x.shape[d] - w
            if mode == "clip":
                starts[d] = np.clip(starts[d], 0, max(hi, 0))
            else:
                valid &= (starts[d] >= 0) & (starts[d] <= hi)
        index_arrays = []
        for d in range(x.ndim):
            s = starts[d].reshape(batch_shape + (1,) * nw)
            if d in window_dims:
                k = window_dims.index(d)
                shp = [1] * (nb + nw)
                shp[nb + k] = wsizes[k]
                s = s + np.arange(wsizes[k]).reshape(shp)
            index_arrays.append(np.broadcast_to(s, upd.shape))
        mask = np.broadcast_to(valid.reshape(batch_shape + (1,) * nw), upd.shape)
        index_arrays = tuple(a[mask] for a in index_arrays)
        vals = upd[mask]
        with np.errstate(all="ignore"):
            if combine == "set":
                x[index_arrays] = vals
            elif combine == "add":
                if x.dtype == np.bool_:
                    np.logical_or.at(x, index_arrays, vals)
                else:
                    np.add.at(x, index_arrays, vals)
            elif combine == "mul":
                np.multiply.at(x, index_arrays, vals)
            elif combine == "min":
                np.minimum.at(x, index_arrays, vals)
            else:
                np.maximum.at(x, index_arrays, vals)
        return x
    return impl


impls[P.scatter_p] = _scatter("set")
impls[P.scatter_add_p] = _scatter("add")
impls[P.scatter_mul_p] = _scatter("mul")
impls[P.scatter_min_p] = _scatter("min")
impls[P.scatter_max_p] = _scatter("max")


# -- contractions, convolution, windows ---------------------------------------

def _dot_general(lhs: Any, rhs: Any, *, dimension_numbers: tuple, precision: Any = None,
                 preferred_element_type: Any = None) -> np.ndarray:
    # ``precision`` is for accelerators: NumPy computes at the operands' full precision
    x, y = _a(lhs), _a(rhs)
    (lc, rc), (lb, rb) = dimension_numbers
    is_bool = x.dtype.kind == "b"
    if not lb and len(lc) == 1 and not is_bool and y.ndim <= 2 and rc[0] == 0 \
            and lc[0] == x.ndim - 1:
        r = np.dot(x, y)   # contracts x's last axis with y's first: dot_general's layout
        if preferred_element_type is None:   # (operands share a dtype: np.dot keeps it)
            return r if type(r) is np.ndarray else np.asarray(r)
    elif not lb and x.ndim == 2 and y.ndim == 2 and len(lc) == 1 and not is_bool:
        # the transposed products of backward passes: strided views, no copies
        r = (x if lc[0] == 1 else x.T) @ (y if rc[0] == 0 else y.T)
    else:
        lfree = [i for i in range(x.ndim) if i not in lc and i not in lb]
        rfree = [i for i in range(y.ndim) if i not in rc and i not in rb]
        xt = np.transpose(x, list(lb) + lfree + list(lc))
        yt = np.transpose(y, list(rb) + list(rc) + rfree)
        bshape = [x.shape[i] for i in lb]
        nb, nlf, nc = math.prod(bshape), math.prod(x.shape[i] for i in lfree), \
            math.prod(x.shape[i] for i in lc)
        nrf = math.prod(y.shape[i] for i in rfree)
        if is_bool:
            xt, yt = xt.astype(np.int64), yt.astype(np.int64)
        r = np.matmul(xt.reshape(nb, nlf, nc), yt.reshape(nb, nc, nrf)) if lc else \
            xt.reshape(nb, nlf, 1) * yt.reshape(nb, 1, nrf)   # outer: no k=1 matmul
        r = r.reshape(bshape + [x.shape[i] for i in lfree] + [y.shape[i] for i in rfree])
        if is_bool:
            r = r != 0
    out_dtype = x.dtype if preferred_element_type is None else np.dtype(preferred_element_type)
    return np.asarray(r, dtype=out_dtype)


impls[P.dot_general_p] = _dot_general


def _dilate(x: np.ndarray, dilation: Sequence[int], axes: Sequence[int], fill: Any) -> np.ndarray:
    if all(d == 1 for d in dilation):
        return x
    shape = list(x.shape)
    for ax, d in zip(axes, dilation):
        shape[ax] = (shape[ax] - 1) * d + 1 if shape[ax] else 0
    out = np.full(shape, fill, dtype=x.dtype)
    sl = [slice(None)] * x.ndim
    for ax, d in zip(axes, dilation):
        sl[ax] = slice(None, None, d)
    out[tuple(sl)] = x
    return out


def _pad_crop(x: np.ndarray, padding: Sequence[tuple[int, int]], axes: Sequence[int],
              fill: Any) -> np.ndarray:
    widths = [(0, 0)] * x.ndim
    for ax, (lo, hi) in zip(axes, padding):
        widths[ax] = (max(lo, 0), max(hi, 0))
    x = np.pad(x, widths, constant_values=fill)
    sl = [slice(None)] * x.ndim
    for ax, (lo, hi) in zip(axes, padding):
        sl[ax] = slice(-lo if lo < 0 else 0, x.shape[ax] + hi if hi < 0 else x.shape[ax])
    return x[tuple(sl)]


def _windows(x: np.ndarray, window: Sequence[int], strides: Sequence[int],
             dilation: Sequence[int], axes: Sequence[int]) -> np.ndarray:
    """Sliding windows over ``axes``: result has the window dims appended."""
    span = [(w - 1) * d + 1 for w, d in zip(window, dilation)]
    if any(x.shape[ax] < s for ax, s in zip(axes, span)):
        shape = list(x.shape)
        for ax in axes:
            shape[ax] = 0
        return np.zeros(shape + list(window), x.dtype)
    v = np.lib.stride_tricks.sliding_window_view(x, span, axis=tuple(axes))
    sl = [slice(None)] * x.ndim
    for ax, s in zip(axes, strides):
        sl[ax] = slice(None, None, s)
    sl += [slice(None, None, d) for d in dilation]
    return v[tuple(sl)]


def _conv(lhs: Any, rhs: Any, *, window_strides: tuple, padding: tuple, lhs_dilation: tuple,
          rhs_dilation: tuple, dimension_numbers: tuple, feature_group_count: int = 1,
          batch_group_count: int = 1, precision: Any = None,
          preferred_element_type: Any = None) -> np.ndarray:
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    x = np.transpose(_a(lhs), lhs_spec)       # N C spatial...
    w = np.transpose(_a(rhs), rhs_spec)       # O I spatial...
    out_dtype = x.dtype if preferred_element_type is None else np.dtype(preferred_element_type)
    nsp = x.ndim - 2
    sp = list(range(2, 2 + nsp))
    x = _dilate(x, lhs_dilation, sp, 0)
    x = _pad_crop(x, padding, sp, 0)
    win = _windows(x, w.shape[2:], window_strides, rhs_dilation, sp)  # N C out... k...
    N, C = x.shape[:2]
    O, I = w.shape[:2]
    G, B = feature_group_count, batch_group_count
    out_sp = win.shape[2:2 + nsp]
    letters = "defhijklmpqrstuvwxyz"[:nsp]   # spatial axes: never n/g/c/o (the other axes)
    kl = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[:nsp]
    acc = np.float64 if x.dtype.kind in "biu" else None
    if B > 1:
        winb = win.reshape((B, N // B, C) + win.shape[2:])
        wb = w.reshape((B, O // B, I) + w.shape[2:])
        r = np.einsum(f"gnc{letters}{kl},goc{kl}->ngo{letters}", winb, wb, dtype=acc)
        r = r.reshape((N // B, O) + tuple(out_sp))
    else:
        wing = win.reshape((N, G, C // G) + win.shape[2:])
        wg = w.reshape((G, O // G, I) + w.shape[2:])
        r = np.einsum(f"ngc{letters}{kl},goc{kl}->ngo{letters}", wing, wg, dtype=acc)
        r = r.reshape((N, O) + tuple(out_sp))
    inv = np.argsort(out_spec)
    return np.asarray(np.transpose(r, inv), dtype=out_dtype)


impls[P.conv_general_dilated_p] = _conv


def _reduce_window(kind: str) -> Callable[..., np.ndarray]:
    def impl(x: Any, *, window_dimensions: tuple, window_strides: tuple, padding: tuple,
             base_dilation: tuple, window_dilation: tuple) -> np.ndarray:
        x = _a(x)
        init = 0 if kind == "sum" else _identity(kind, x.dtype)
        if x.dtype == np.bool_ and kind == "sum":
            init = False
        axes = list(range(x.ndim))
        y = _dilate(x, base_dilation, axes, init)
        y = _pad_crop(y, padding, axes, init)
        win = _windows(y, window_dimensions, window_strides, window_dilation, axes)
        waxes = tuple(range(x.ndim, 2 * x.ndim))
        with np.errstate(all="ignore"):
            if kind == "sum":
                r = np.sum(win, axis=waxes, dtype=x.dtype) if x.dtype != np.bool_ else \
                    np.any(win, axis=waxes)
            elif win.size == 0:
                r = np.full(win.shape[:x.ndim], init, x.dtype)
            elif kind == "max":
                r = np.max(win, axis=waxes)
            else:
                r = np.min(win, axis=waxes)
        return np.asarray(r, dtype=x.dtype)
    return impl


impls[P.reduce_window_sum_p] = _reduce_window("sum")
impls[P.reduce_window_max_p] = _reduce_window("max")
impls[P.reduce_window_min_p] = _reduce_window("min")


# -- sorting -------------------------------------------------------------------

def _sort(*xs: Any, dimension: int, is_stable: bool = True, num_keys: int = 1) -> list:
    xs = [_a(x) for x in xs]
    if num_keys == 1:
        order = np.argsort(xs[0], axis=dimension, kind="stable")
    else:
        keys = [np.moveaxis(k, dimension, -1) for k in xs[:num_keys]]
        flat = [k.reshape(-1, k.shape[-1]) for k in keys]
        order = np.stack([np.lexsort([f[r] for f in reversed(flat)])
                          for r in range(flat[0].shape[0])]) if flat[0].size else \
            np.zeros(flat[0].shape, np.int64)
        order = np.moveaxis(order.reshape(keys[0].shape), -1, dimension)
    return [np.take_along_axis(x, order, axis=dimension) for x in xs]


impls[P.sort_p] = _sort


def _total_order_key(x: np.ndarray) -> np.ndarray:
    """Integers ordered as ``x`` in IEEE total order (``-NaN < -inf < -0 < +0 < +NaN``).

    The bits as a signed integer order non-negative floats; flipping all but the sign
    bit of negative ones reverses their order, as XLA's total-order comparison does.
    """
    bits = x.view(np.dtype(f"i{x.dtype.itemsize}"))
    return bits ^ ((bits >> (8 * x.dtype.itemsize - 1)) & np.iinfo(bits.dtype).max)


def _top_k(x: Any, *, k: int) -> list:
    # jax.lax.top_k (XLA's TopK): descending, ties to the lower index, floats in total
    # order, so +NaN is the largest (NumPy's sort puts NaN last as well).
    x = _a(x)
    if x.dtype.kind == "c":   # (jax.lax.top_k refuses complex): NumPy's argsort(-x)
        order = np.argsort(-x, axis=-1, kind="stable")
    else:
        key = x if x.dtype.kind in "biu" else _total_order_key(x)
        # a stable descending sort: sort the reversed axis ascending, reverse the order
        n = x.shape[-1]
        order = n - 1 - np.argsort(key[..., ::-1], axis=-1, kind="stable")[..., ::-1]
    order = order[..., :k]
    return [np.take_along_axis(x, order, axis=-1), order.astype(np.int32)]


impls[P.top_k_p] = _top_k


# -- control flow --------------------------------------------------------------

def _unwrap(x: Any) -> Any:
    return x._value if type(x) is Array else x


def _cond(index: Any, *args: Any, branches: tuple[ClosedGraph, ...]) -> list:
    i = int(np.clip(int(index), 0, len(branches) - 1))
    return [_unwrap(o) for o in eval_graph(branches[i], *args)]


def _while(*args: Any, cond_graph: ClosedGraph, body_graph: ClosedGraph, cond_nconsts: int,
           body_nconsts: int, max_iterations: int | None = None) -> list:
    cconsts = args[:cond_nconsts]
    bconsts = args[cond_nconsts:cond_nconsts + body_nconsts]
    carry = list(args[cond_nconsts + body_nconsts:])
    trips = 0
    while (max_iterations is None or trips < max_iterations) and \
            bool(_unwrap(eval_graph(cond_graph, *cconsts, *carry)[0])):
        carry = [_unwrap(c) for c in eval_graph(body_graph, *bconsts, *carry)]
        trips += 1
    return [np.asarray(c) for c in carry]


def _scan(*args: Any, graph: ClosedGraph, num_consts: int, num_carry: int, length: int,
          reverse: bool = False, unroll: int = 1) -> list:
    consts = args[:num_consts]
    carry = list(args[num_consts:num_consts + num_carry])
    xs = [_a(x) for x in args[num_consts + num_carry:]]
    y_avals = graph.out_avals[num_carry:]
    ys = [np.empty((length,) + a.shape, a.dtype) for a in y_avals]
    for t in range(length):
        i = length - 1 - t if reverse else t
        outs = eval_graph(graph, *consts, *carry, *[x[i] for x in xs])
        carry = [_unwrap(c) for c in outs[:num_carry]]
        for y, o in zip(ys, outs[num_carry:]):
            y[i] = _unwrap(o)
    return [np.asarray(c) for c in carry] + ys


impls[P.cond_p] = _cond
impls[P.while_p] = _while
impls[P.scan_p] = _scan


# ---------------------------------------------------------------------------
# The eager executor


def _eager_error(prim: P.Primitive, vals: Sequence[Any], params: dict,
                 err: Exception) -> Exception:
    """Explain a failed eager op as tracing would: the shape rule's message + user line."""
    from tracer.errors import ShapeError
    from tracer.ir import aval_of_value, user_location
    try:
        prim.abstract_eval(*[aval_of_value(v) for v in vals], **params)
    except ShapeError as e:
        return ShapeError(f"{e}\n  (in {prim.name} at {user_location()})")
    except Exception:  # noqa: BLE001 - fall back to NumPy's own error below
        pass
    return type(err)(f"{err}\n  (in {prim.name} at {user_location()})")


class _OnDevice(Exception):
    """An operand is a DeviceArray: the op runs on its device (backends.xla.eager)."""


def _check_arg(a: Any) -> Any:
    t = type(a)
    if t is Tracer:
        from tracer.tracing import _escaped
        raise _escaped(a)
    if t is DeviceArray:
        raise _OnDevice
    return a


def eager_bind(prim: P.Primitive, args: Sequence[Any], params: dict) -> Any:
    """Run one primitive now on NumPy values; results are ``backends.Array``.

    The common case first (the eager hot path, DESIGN.md section 3: ``tnp`` binds its
    primitive straight here when its operands are host Arrays of one dtype): one or two
    host Arrays (or a NumPy scalar beside one), no params, an impl of one result.
    """
    if not params and prim in _SIMPLE:
        n = len(args)
        if n == 2:
            x, y = args
            tx, ty = type(x), type(y)
            if tx is Array:
                vx = x._value
                vy = y._value if ty is Array else y if ty in _NP_SCALARS else None
            elif ty is Array and tx in _NP_SCALARS:
                vx, vy = x, y._value
            else:
                vy = None
            if vy is not None:
                try:
                    out = impls[prim](vx, vy)
                except (ValueError, TypeError, IndexError) as err:
                    raise _eager_error(prim, (vx, vy), params, err) from None
                a = _new(Array)
                a._value = out if type(out) is _NDARRAY else np.asarray(out)
                return a
        elif n == 1:
            x, = args
            if type(x) is Array:
                vx = x._value
                try:
                    out = impls[prim](vx)
                except (ValueError, TypeError, IndexError) as err:
                    raise _eager_error(prim, (vx,), params, err) from None
                a = _new(Array)
                a._value = out if type(out) is _NDARRAY else np.asarray(out)
                return a
    return _eager_bind(prim, args, params)


def _eager_bind(prim: P.Primitive, args: Sequence[Any], params: dict) -> Any:
    if prim is P.call_p and params.get("backend") == "xla":
        from backends.xla.calls import run_call   # a jitted function's graph: compiled
        for a in args:
            if type(a) is Tracer:
                _check_arg(a)   # (raises: an escaped tracer)
        return run_call(args, params)
    try:
        vals = [a._value if type(a) is Array else _check_arg(a) for a in args]
    except _OnDevice:   # computation follows data: a single-primitive executable
        from backends.xla.eager import run_primitive
        return run_primitive(prim, args, params)
    impl = impls.get(prim)
    if impl is None:
        from tracer.errors import MissingRuleError
        raise MissingRuleError(
            f"the NumPy backend has no impl for primitive {prim.name}")
    try:
        out = impl(*vals, **params)
    except (ValueError, TypeError, IndexError) as err:
        raise _eager_error(prim, vals, params, err) from None
    if prim.multiple_results:
        return [_wrap_result(o, vals) for o in out]
    a = _new(Array)
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    a._value = out
    return a


_new = object.__new__
_NDARRAY = np.ndarray
_NP_SCALARS = frozenset(np.sctypeDict.values()) if hasattr(np, "sctypeDict") else frozenset()
# primitives of one result whose impl takes only its operands (the fast path above)
_SIMPLE: frozenset = frozenset()


def binder(prim: P.Primitive, nin: int, **params: Any) -> Callable[..., Any] | None:
    """``bind(prim, *operands, **params)`` in the eager context, for ``nin`` operands that
    are host Arrays (or NumPy scalars beside one): the eager shortcut ``tnp`` keeps per
    dtype (``tracing.EagerBackend.binder``). None where ``prim`` is not that simple.
    The caller checked what the shape rule would; an impl that still fails raises
    ``ValueError``/``TypeError``/``IndexError`` (tnp's general path then explains)."""
    if prim not in _SIMPLE:
        return None
    impl = impls[prim]
    if params:
        impl = functools.partial(impl, **params)

    def run1(x: Any) -> Array:
        out = impl(x._value)
        a = _new(Array)
        a._value = out if type(out) is _NDARRAY else np.asarray(out)
        return a

    def run2(x: Any, y: Any) -> Array:
        out = impl(x._value if type(x) is Array else x, y._value if type(y) is Array else y)
        a = _new(Array)
        a._value = out if type(out) is _NDARRAY else np.asarray(out)
        return a

    def run_n(*xs: Any) -> Array:
        out = impl(*[x._value if type(x) is Array else x for x in xs])
        a = _new(Array)
        a._value = out if type(out) is _NDARRAY else np.asarray(out)
        return a

    return run1 if nin == 1 else run2 if nin == 2 else run_n


def _set_simple() -> None:
    global _SIMPLE
    _SIMPLE = frozenset(p for p in impls if not p.multiple_results and p is not P.call_p
                        and p not in (P.custom_jvp_call_p, P.custom_vjp_call_p,
                                      P.checkpoint_p))


def _wrap_result(out: Any, vals: Sequence[Any]) -> Array:
    return wrap(out)


__all__ = ["impls", "eager_bind", "EscapedTracerError"]


# -- custom derivatives and checkpoint: evaluate the held graph -------------------

def _call_graph(key: str) -> Callable[..., list]:
    def impl(*args: Any, **params: Any) -> list:
        return [_unwrap(o) for o in eval_graph(params[key], *args)]
    return impl


impls[P.custom_jvp_call_p] = _call_graph("call")
impls[P.custom_vjp_call_p] = _call_graph("call")
impls[P.checkpoint_p] = _call_graph("graph")
impls[P.call_p] = _call_graph("graph")


# -- special functions (tracer.scipy.special): float64 kernels in numpy_special -------

from backends import numpy_special as _special  # noqa: E402

impls[P.lgamma_p] = _special.lgamma
impls[P.digamma_p] = _special.digamma
impls[P.erf_inv_p] = _special.erf_inv
impls[P.erfc_p] = _special.erfc


_set_simple()
