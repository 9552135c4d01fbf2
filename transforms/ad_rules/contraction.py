"""JVP and VJP rules of contractions, convolutions and window reductions (maths beside each).

``dot_general``, ``conv_general_dilated``, ``reduce_window_sum``,
``reduce_window_max`` and ``reduce_window_min``.  Every rule is written with
primitives, so the derivative graphs differentiate again.

* **dot_general** and **conv_general_dilated** are bilinear: the JVP is the
  op applied to one tangent and the other primal, summed; the VJPs are JAX's
  transposes (``_dot_general_transpose_lhs/rhs``: a ``dot_general`` of the
  cotangent with the other operand, then a transpose;
  ``_conv_general_dilated_transpose_lhs/rhs``: a convolution of the
  cotangent with the spatially reversed kernel, feature dims swapped,
  ``lhs_dilation = window_strides``, adjusted padding; and a convolution of
  the input with the cotangent, window dims as batch; feature and batch
  groups exchanged as JAX does).  With a ``preferred_element_type`` wider
  than the inputs, the transposes compute in that type and cast back.
* **reduce_window_sum** is linear; its VJP pads the cotangent (interior
  padding = stride - 1) and sums windows again (JAX's transpose).
* **reduce_window_max/min** (max/min pooling): the derivative flows through
  the *first* maximal (minimal) element of each window in row-major window
  order, which is how XLA's select-and-scatter breaks ties.  There is no
  select-and-scatter primitive, so the rules build it: the window elements
  are stacked (one strided slice per window offset), ``argmax`` picks the
  first maximal one, its position in the padded operand is computed with
  integer arithmetic, and the tangent is a ``gather`` / the cotangent a
  ``scatter_add`` at those positions (dims the window does not touch are
  gather/scatter batching dims, so no index vector is built for them).
  Non-overlapping windows tiling the operand (stride = window, no padding or
  dilation: the usual 2x2/2 pool) take a cheaper path: the windows are a
  reshape/transpose of the operand and the selection a one-hot mask.
"""
from __future__ import annotations

import functools

from typing import Any, Sequence

import numpy as np

from tracer import primitives as P
from tracer.ir import ShapedArray
from tracer.primitives import GatherDimensionNumbers, ScatterDimensionNumbers
from tracer.tracing import bind
from transforms.ad_rules.indexing import const, index_dtype
from transforms.jvp import defjvp
from transforms.util import aval, zeros
from transforms.vjp import defvjp


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(aval(x).shape)


def _dtype(x: Any) -> np.dtype:
    return aval(x).dtype


def _convert(x: Any, dtype: Any) -> Any:
    if dtype is None or _dtype(x) == np.dtype(dtype):
        return x
    return bind(P.convert_element_type_p, x, new_dtype=np.dtype(dtype), weak_type=False)


def _transpose(x: Any, perm: Sequence[int]) -> Any:
    perm = tuple(int(p) for p in perm)
    if perm == tuple(range(len(perm))):
        return x
    return bind(P.transpose_p, x, permutation=perm)


def _reshape(x: Any, shape: Sequence[int]) -> Any:
    shape = tuple(int(d) for d in shape)
    return x if _shape(x) == shape else bind(P.reshape_p, x, new_sizes=shape)


# -- dot_general -------------------------------------------------------------------------------

def _ranges_like(*xs: Sequence[int]) -> list[tuple[int, ...]]:
    """Consecutive ranges with the lengths of ``xs``."""
    out, start = [], 0
    for x in xs:
        out.append(tuple(range(start, start + len(x))))
        start += len(x)
    return out


@functools.lru_cache(maxsize=1024)
def _dot_transpose_dims(x_ndim: int, y_ndim: int, dimension_numbers: tuple,
                        swap_ans: bool) -> tuple[tuple, tuple[int, ...]]:
    """Static index work of ``_dot_transpose_lhs`` (cached: it runs on every backward)."""
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    x_kept = [i for i in range(x_ndim) if i not in x_contract and i not in x_batch]
    y_kept = [i for i in range(y_ndim) if i not in y_contract and i not in y_batch]
    if swap_ans:
        ans_batch, ans_y, _ = _ranges_like(x_batch, y_kept, x_kept)
    else:
        ans_batch, _, ans_y = _ranges_like(x_batch, x_kept, y_kept)
    dims = ((tuple(ans_y), tuple(y_kept)), (tuple(ans_batch), tuple(y_batch)))
    x_contract_by_y = [x_contract[k] for k in np.argsort(y_contract)] if y_contract else []
    out_axes = tuple(int(a) for a in np.argsort(list(x_batch) + x_kept + x_contract_by_y))
    return dims, out_axes


def _dot_transpose_lhs(ct: Any, x_ndim: int, y: Any, dimension_numbers: tuple,
                       precision: Any, swap_ans: bool = False) -> Any:
    """x_bar for ct = dot_general(x, y): a dot_general of ct with y, transposed to x's axes.

    ct's axes are (batch, x kept, y kept) -- (batch, y kept, x kept) when
    ``swap_ans``; contracting ct's y-kept axes with y's leaves (batch, x kept,
    y's contracting axes in increasing order), which a transpose puts back in
    x's order.
    """
    dims, out_axes = _dot_transpose_dims(x_ndim, len(_shape(y)), dimension_numbers, swap_ans)
    r = bind(P.dot_general_p, ct, y, dimension_numbers=dims, precision=precision,
             preferred_element_type=None)
    return _transpose(r, out_axes)


# out = dot_general(x, y) is bilinear:  d out = dot_general(dx, y) + dot_general(x, dy);
# x_bar = (ct . y over y's free axes) transposed to x's axes, y_bar alike with roles swapped.
# Every derived dot_general keeps the op's ``precision`` pair as it is (as JAX's transposes do).
def _dot_jvp_lhs(t: Any, x: Any, y: Any, *, out: Any, dimension_numbers: tuple,
                 precision: Any = None, preferred_element_type: Any = None) -> Any:
    return bind(P.dot_general_p, t, y, dimension_numbers=dimension_numbers,
                precision=precision, preferred_element_type=preferred_element_type)


def _dot_jvp_rhs(t: Any, x: Any, y: Any, *, out: Any, dimension_numbers: tuple,
                 precision: Any = None, preferred_element_type: Any = None) -> Any:
    return bind(P.dot_general_p, x, t, dimension_numbers=dimension_numbers,
                precision=precision, preferred_element_type=preferred_element_type)


def _dot_vjp_lhs(ct: Any, x: Any, y: Any, *, out: Any, dimension_numbers: tuple,
                 precision: Any = None, preferred_element_type: Any = None) -> Any:
    r = _dot_transpose_lhs(ct, len(_shape(x)), _convert(y, _dtype(ct)), dimension_numbers,
                           precision)
    return _convert(r, _dtype(x))


def _dot_vjp_rhs(ct: Any, x: Any, y: Any, *, out: Any, dimension_numbers: tuple,
                 precision: Any = None, preferred_element_type: Any = None) -> Any:
    (xc, yc), (xb, yb) = dimension_numbers
    r = _dot_transpose_lhs(ct, len(_shape(y)), _convert(x, _dtype(ct)),
                           ((yc, xc), (yb, xb)), precision, swap_ans=True)
    return _convert(r, _dtype(y))


defjvp(P.dot_general_p, _dot_jvp_lhs, _dot_jvp_rhs)
defvjp(P.dot_general_p, _dot_vjp_lhs, _dot_vjp_rhs)


# -- conv_general_dilated ----------------------------------------------------------------------

def _dilate_shape(shape: Sequence[int], dilation: Sequence[int]) -> list[int]:
    return [0 if d == 0 else 1 + r * (d - 1) for d, r in zip(shape, dilation, strict=True)]


def conv_vjp_lhs_padding(in_shape: Sequence[int], window: Sequence[int],
                         strides: Sequence[int], out_shape: Sequence[int],
                         padding: Sequence[tuple[int, int]], lhs_dilation: Sequence[int],
                         rhs_dilation: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """Padding of the transposed (input-gradient) convolution / window sum.

    The cotangent, dilated by the strides, is padded so that a window of the
    dilated kernel slides over exactly the (dilated) input positions.
    """
    lhs_d = _dilate_shape(in_shape, lhs_dilation)
    rhs_d = _dilate_shape(window, rhs_dilation)
    out_d = _dilate_shape(out_shape, strides)
    before = [r - lo - 1 for r, (lo, _) in zip(rhs_d, padding, strict=True)]
    after = [li + r - 1 - o - b for li, r, o, b in zip(lhs_d, rhs_d, out_d, before, strict=True)]
    return tuple((int(b), int(a)) for b, a in zip(before, after, strict=True))


def _conv_vjp_rhs_padding(in_shape: Sequence[int], window: Sequence[int],
                          strides: Sequence[int], out_shape: Sequence[int],
                          padding: Sequence[tuple[int, int]], lhs_dilation: Sequence[int],
                          rhs_dilation: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """Padding of the kernel-gradient convolution (input convolved with the cotangent)."""
    lhs_d = _dilate_shape(in_shape, lhs_dilation)
    rhs_d = _dilate_shape(window, rhs_dilation)
    out_d = _dilate_shape(out_shape, strides)
    return tuple((int(lo), int(o - li + r - lo - 1))
                 for (lo, _), o, li, r in zip(padding, out_d, lhs_d, rhs_d, strict=True))


def _reshape_axis_out_of(src: int, size1: int, x: Any) -> Any:
    """Split axis ``src`` into (size1, rest)."""
    shape = list(_shape(x))
    shape[src:src + 1] = [size1, shape[src] // size1]
    return _reshape(x, shape)


def _reshape_axis_into(src: int, dst: int, x: Any) -> Any:
    """Merge axis ``src`` into axis ``dst`` (numbered after removing ``src``), src major."""
    shape = _shape(x)
    perm = [i for i in range(len(shape)) if i != src]
    perm.insert(dst, src)
    new_shape = [d for i, d in enumerate(shape) if i != src]
    new_shape[dst] *= shape[src]
    return _reshape(_transpose(x, perm), new_shape)


def _spec_transpose(spec: Sequence[int]) -> tuple[int, ...]:
    """Swap the first two entries of a conv spec (batch<->feature, out<->in feature)."""
    return (spec[1], spec[0]) + tuple(spec[2:])


def _conv(lhs: Any, rhs: Any, *, window_strides: Sequence[int], padding: Sequence,
          lhs_dilation: Sequence[int], rhs_dilation: Sequence[int], dimension_numbers: tuple,
          feature_group_count: int, batch_group_count: int, precision: Any) -> Any:
    return bind(P.conv_general_dilated_p, lhs, rhs,
                window_strides=tuple(int(s) for s in window_strides),
                padding=tuple((int(lo), int(hi)) for lo, hi in padding),
                lhs_dilation=tuple(int(d) for d in lhs_dilation),
                rhs_dilation=tuple(int(d) for d in rhs_dilation),
                dimension_numbers=tuple(tuple(int(i) for i in s) for s in dimension_numbers),
                feature_group_count=int(feature_group_count),
                batch_group_count=int(batch_group_count), precision=precision,
                preferred_element_type=None)


# conv is bilinear:  d out = conv(d lhs, rhs) + conv(lhs, d rhs).  The derived convolutions
# (here and in the transposes) keep the op's ``precision`` pair as it is, as JAX's do.
def _conv_jvp_lhs(t: Any, lhs: Any, rhs: Any, *, out: Any, **params: Any) -> Any:
    return bind(P.conv_general_dilated_p, t, rhs, **params)


def _conv_jvp_rhs(t: Any, lhs: Any, rhs: Any, *, out: Any, **params: Any) -> Any:
    return bind(P.conv_general_dilated_p, lhs, t, **params)


# lhs_bar = conv(ct, rev(rhs)) with in/out features swapped, stride <-> lhs dilation and the
# padding that makes every input position see the kernel taps that read it; feature groups
# move into the transposed kernel's output-feature axis, batch groups into its features
# and back out of the result's batch axis (JAX's _conv_general_dilated_transpose_lhs).
def _conv_vjp_lhs(ct: Any, lhs: Any, rhs: Any, *, out: Any, window_strides: tuple,
                  padding: tuple, lhs_dilation: tuple, rhs_dilation: tuple,
                  dimension_numbers: tuple, feature_group_count: int = 1,
                  batch_group_count: int = 1, precision: Any = None,
                  preferred_element_type: Any = None) -> Any:
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    lhs_shape, rhs_shape, ct_shape = _shape(lhs), _shape(rhs), _shape(ct)
    w = _convert(rhs, _dtype(ct))
    groups = feature_group_count
    if feature_group_count > 1 or batch_group_count > 1:
        g = max(feature_group_count, batch_group_count)
        w = _reshape_axis_out_of(rhs_spec[0], g, w)
        w = _reshape_axis_into(rhs_spec[0], rhs_spec[1], w)
        groups = g
    pads = conv_vjp_lhs_padding([lhs_shape[d] for d in lhs_spec[2:]],
                                [rhs_shape[d] for d in rhs_spec[2:]], window_strides,
                                [ct_shape[d] for d in out_spec[2:]], padding, lhs_dilation,
                                rhs_dilation)
    w = bind(P.rev_p, w, dimensions=tuple(rhs_spec[2:]))
    r = _conv(ct, w, window_strides=lhs_dilation, padding=pads, lhs_dilation=window_strides,
              rhs_dilation=rhs_dilation,
              dimension_numbers=(out_spec, _spec_transpose(rhs_spec), lhs_spec),
              feature_group_count=groups, batch_group_count=1, precision=precision)
    if batch_group_count > 1:
        r = _reshape_axis_out_of(lhs_spec[1], batch_group_count, r)
        r = _reshape_axis_into(lhs_spec[1], lhs_spec[0], r)
    return _convert(r, _dtype(lhs))


# rhs_bar = conv(lhs, ct) with batch<->feature swapped on every operand (the batch axis is
# contracted, the window positions become the output's spatial axes), window_strides <->
# rhs_dilation; feature groups become batch groups and vice versa
# (JAX's _conv_general_dilated_transpose_rhs).
def _conv_vjp_rhs(ct: Any, lhs: Any, rhs: Any, *, out: Any, window_strides: tuple,
                  padding: tuple, lhs_dilation: tuple, rhs_dilation: tuple,
                  dimension_numbers: tuple, feature_group_count: int = 1,
                  batch_group_count: int = 1, precision: Any = None,
                  preferred_element_type: Any = None) -> Any:
    if int(np.prod(_shape(ct))) == 0:
        return zeros(aval(rhs))
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    lhs_shape, rhs_shape, ct_shape = _shape(lhs), _shape(rhs), _shape(ct)
    fgc, bgc = 1, 1
    if batch_group_count > 1:
        fgc = batch_group_count
    elif feature_group_count > 1:
        bgc = feature_group_count
    pads = _conv_vjp_rhs_padding([lhs_shape[d] for d in lhs_spec[2:]],
                                 [rhs_shape[d] for d in rhs_spec[2:]], window_strides,
                                 [ct_shape[d] for d in out_spec[2:]], padding, lhs_dilation,
                                 rhs_dilation)
    r = _conv(_convert(lhs, _dtype(ct)), ct, window_strides=rhs_dilation, padding=pads,
              lhs_dilation=lhs_dilation, rhs_dilation=window_strides,
              dimension_numbers=(_spec_transpose(lhs_spec), _spec_transpose(out_spec),
                                 _spec_transpose(rhs_spec)),
              feature_group_count=fgc, batch_group_count=bgc, precision=precision)
    return _convert(r, _dtype(rhs))


defjvp(P.conv_general_dilated_p, _conv_jvp_lhs, _conv_jvp_rhs)
defvjp(P.conv_general_dilated_p, _conv_vjp_lhs, _conv_vjp_rhs)


# -- reduce_window_sum -------------------------------------------------------------------------

# out = reduce_window_sum(x) is linear:  d out = reduce_window_sum(dx);
# x_bar[i] = sum of ct over the windows containing i: pad ct (interior stride - 1, edges so
# that the windows line up with the input) and sum windows with strides = base dilation.
def _rws_jvp(t: Any, x: Any, *, out: Any, **params: Any) -> Any:
    return bind(P.reduce_window_sum_p, t, **params)


def _rws_vjp(ct: Any, x: Any, *, out: Any, window_dimensions: tuple, window_strides: tuple,
             padding: tuple, base_dilation: tuple, window_dilation: tuple) -> Any:
    in_shape = _shape(x)
    nd = len(in_shape)
    pads = conv_vjp_lhs_padding(in_shape, window_dimensions, window_strides, _shape(ct),
                                padding, base_dilation, window_dilation)
    cfg = tuple((lo, hi, int(s) - 1) for (lo, hi), s in zip(pads, window_strides, strict=True))
    ct_p = bind(P.pad_p, ct, const(0, _dtype(ct)), padding_config=cfg)
    return bind(P.reduce_window_sum_p, ct_p, window_dimensions=tuple(window_dimensions),
                window_strides=tuple(base_dilation), padding=((0, 0),) * nd,
                base_dilation=(1,) * nd, window_dilation=tuple(window_dilation))


defjvp(P.reduce_window_sum_p, _rws_jvp)
defvjp(P.reduce_window_sum_p, _rws_vjp)


# -- reduce_window_max / reduce_window_min -----------------------------------------------------

class _Selection:
    """Where each window's selected (first max/min) element sits in the padded operand."""

    def __init__(self, x: Any, out: Any, kind: str, window_dimensions: tuple,
                 window_strides: tuple, padding: tuple, base_dilation: tuple,
                 window_dilation: tuple):
        shape = _shape(x)
        nd = len(shape)
        self.out_shape = _shape(out)
        self.pad_cfg = tuple((int(lo), int(hi), int(b) - 1)
                             for (lo, hi), b in zip(padding, base_dilation, strict=True))
        self.padded = any(lo or hi or i for lo, hi, i in self.pad_cfg)
        pshape = tuple(lo + hi + d + max(d - 1, 0) * i
                       for d, (lo, hi, i) in zip(shape, self.pad_cfg, strict=True))
        self.pad_shape = pshape
        wdims, strides, wdil = window_dimensions, window_strides, window_dilation
        # dims the window leaves alone (size-1 window, output as long as the padded
        # operand): gather/scatter batching dims; the others get an index component.
        self.moved = tuple(d for d in range(nd)
                           if not (wdims[d] == 1 and pshape[d] == self.out_shape[d]))
        self.batch = tuple(d for d in range(nd) if d not in self.moved)
        # non-overlapping windows tiling the operand (the common 2x2/2 pool): windows by
        # reshape/transpose, the selection as a one-hot mask -- no gather/scatter at all.
        self.tiled = (tuple(window_strides) == tuple(wdims) and not self.padded
                      and all(r == 1 for r in window_dilation))
        self.empty = int(np.prod(self.out_shape)) == 0
        if self.empty or not self.moved:
            return
        init = -np.inf if kind == "max" else np.inf
        if self.tiled:
            self.shape, self.wdims = shape, tuple(int(w) for w in wdims)
            self.n_win = int(np.prod(wdims))
            self.crop = tuple(o * w for o, w in zip(self.out_shape, self.wdims, strict=True))
            win = self.windows(x)
            k = bind(P.argmax_p if kind == "max" else P.argmin_p, win, axis=nd,
                     index_dtype=index_dtype(self.n_win))
            iota = bind(P.iota_p, dtype=index_dtype(self.n_win),
                        shape=self.out_shape + (self.n_win,), dimension=nd)
            self.onehot = bind(P.eq_p, _reshape(k, self.out_shape + (1,)), iota)
            return
        xp = self.pad(x, const(init, _dtype(x)))
        n_win = int(np.prod(wdims))
        idt = index_dtype(n_win, *pshape)
        k = None
        if n_win > 1:
            # stack the window elements (one strided slice per window offset, row-major) and
            # take the first extremal one: argmax/argmin return the first occurrence.
            parts = []
            for off in np.ndindex(*wdims):
                start = tuple(int(o * r) for o, r in zip(off, wdil, strict=True))
                limit = tuple(s + (n - 1) * st + 1
                              for s, n, st in zip(start, self.out_shape, strides, strict=True))
                sl = bind(P.slice_p, xp, start_indices=start, limit_indices=limit,
                          strides=tuple(int(s) for s in strides))
                parts.append(_reshape(sl, self.out_shape + (1,)))
            stack = bind(P.concatenate_p, *parts, dimension=nd)
            k = bind(P.argmax_p if kind == "max" else P.argmin_p, stack, axis=nd,
                     index_dtype=idt)
        cols = []
        inner = int(n_win)
        for d in range(nd):
            inner //= int(wdims[d])      # row-major stride of window axis d in k
            if d not in self.moved:
                continue
            pos = bind(P.iota_p, dtype=idt, shape=self.out_shape, dimension=d)
            if strides[d] != 1:
                pos = bind(P.mul_p, pos, const(strides[d], idt))
            if wdims[d] > 1:
                off = k if inner == 1 else bind(P.div_p, k, const(inner, idt))
                if inner * wdims[d] != n_win:
                    off = bind(P.rem_p, off, const(wdims[d], idt))
                if wdil[d] != 1:
                    off = bind(P.mul_p, off, const(wdil[d], idt))
                pos = bind(P.add_p, pos, off)
            cols.append(_reshape(pos, self.out_shape + (1,)))
        self.indices = cols[0] if len(cols) == 1 else bind(P.concatenate_p, *cols,
                                                           dimension=nd)

    def windows(self, t: Any) -> Any:
        """Tiled case: ``t`` as ``out_shape + (window size,)`` (window offsets row-major)."""
        nd = len(self.shape)
        if self.crop != self.shape:   # VALID windows may leave a remainder: never read
            t = bind(P.slice_p, t, start_indices=(0,) * nd, limit_indices=self.crop,
                     strides=None)
        t = _reshape(t, [n for o, w in zip(self.out_shape, self.wdims, strict=True)
                         for n in (o, w)])
        t = _transpose(t, tuple(range(0, 2 * nd, 2)) + tuple(range(1, 2 * nd, 2)))
        return _reshape(t, self.out_shape + (self.n_win,))

    def unwindows(self, c: Any) -> Any:
        """The transpose of ``windows``: back to the operand's shape, zeros in the remainder."""
        nd = len(self.shape)
        c = _reshape(c, self.out_shape + self.wdims)
        c = _transpose(c, tuple(i for d in range(nd) for i in (d, nd + d)))
        c = _reshape(c, self.crop)
        if self.crop != self.shape:
            c = bind(P.pad_p, c, const(0, _dtype(c)),
                     padding_config=tuple((0, d - k, 0) for d, k in
                                          zip(self.shape, self.crop, strict=True)))
        return c

    def pad(self, x: Any, value: Any) -> Any:
        if not self.padded:
            return x
        return bind(P.pad_p, x, value, padding_config=self.pad_cfg)

    def unpad(self, x: Any) -> Any:
        """The transpose of ``pad``: crop the edges, drop the base-dilation holes."""
        if not self.padded:
            return x
        zero = const(0, _dtype(x))
        if any(lo or hi for lo, hi, _ in self.pad_cfg):
            x = bind(P.pad_p, x, zero, padding_config=tuple((-lo, -hi, 0)
                                                            for lo, hi, _ in self.pad_cfg))
        if any(i for _, _, i in self.pad_cfg):
            shape = _shape(x)
            x = bind(P.slice_p, x, start_indices=(0,) * len(shape), limit_indices=shape,
                     strides=tuple(i + 1 for _, _, i in self.pad_cfg))
        return x

    def gather(self, t: Any) -> Any:
        """The tangent: t (padded with 0) read at each window's selected element."""
        tp = self.pad(t, const(0, _dtype(t)))
        if not self.moved:
            return tp
        if self.tiled:
            picked = bind(P.select_n_p, self.onehot, const(0, _dtype(t)), self.windows(t))
            return bind(P.reduce_sum_p, picked, axes=(len(self.out_shape),))
        dn = GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=self.moved,
                                    start_index_map=self.moved,
                                    operand_batching_dims=self.batch,
                                    start_indices_batching_dims=self.batch)
        return bind(P.gather_p, tp, self.indices, dimension_numbers=dn,
                    slice_sizes=(1,) * len(self.pad_shape), mode="promise_in_bounds",
                    fill_value=None)

    def scatter(self, ct: Any) -> Any:
        """The cotangent: ct added at each window's selected element, padding removed."""
        if not self.moved:
            return self.unpad(ct)
        if self.tiled:
            ct = _reshape(ct, self.out_shape + (1,))
            return self.unwindows(bind(P.select_n_p, self.onehot, const(0, _dtype(ct)), ct))
        dn = ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=self.moved,
                                     scatter_dims_to_operand_dims=self.moved,
                                     operand_batching_dims=self.batch,
                                     scatter_indices_batching_dims=self.batch)
        acc = zeros(ShapedArray(self.pad_shape, _dtype(ct)))
        acc = bind(P.scatter_add_p, acc, self.indices, ct, dimension_numbers=dn,
                   mode="promise_in_bounds", indices_are_sorted=False, unique_indices=False)
        return self.unpad(acc)


# out[w] = max_{i in window w} x[i] (min alike): the derivative flows through the first
# maximal element s(w) of each window (XLA's select-and-scatter tie rule):
# d out[w] = dx[s(w)],  x_bar[i] = sum_{w : s(w) = i} ct[w].
def _window_extremal(kind: str) -> tuple[Any, Any]:
    def jvp(t: Any, x: Any, *, out: Any, **params: Any) -> Any:
        sel = _Selection(x, out, kind, **params)
        if sel.empty:
            return zeros(aval(out))
        return sel.gather(t)

    def vjp(ct: Any, x: Any, *, out: Any, **params: Any) -> Any:
        sel = _Selection(x, out, kind, **params)
        if sel.empty:
            return zeros(aval(x))
        return sel.scatter(ct)
    return jvp, vjp


for _p, _kind in ((P.reduce_window_max_p, "max"), (P.reduce_window_min_p, "min")):
    _jvp, _vjp = _window_extremal(_kind)
    defjvp(_p, _jvp)
    defvjp(_p, _vjp)

