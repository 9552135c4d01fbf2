"""JVP and VJP rules of reductions, cumulative ops and shape primitives.

Shape primitives (``broadcast_in_dim``, ``reshape``, ``transpose``, ``squeeze``,
``expand_dims``, ``rev``, ``concatenate``, ``pad``, ``slice``) and ``reduce_sum`` /
``cumsum`` are linear: the tangent is the primitive applied to the tangents,
and the cotangent is the transposed (adjoint) primitive applied to the
output cotangent.

Non-linear reductions and scans follow JAX's conventions:

* ``reduce_max``/``reduce_min``: the cotangent goes to the positions equal to
  the extremum, divided equally among ties.  In forward mode the other positions'
  tangents are dropped by a select (never ``0 * t``, which is NaN for an infinite
  ``t``), as ``jax.jit(jax.jvp(jnp.max))`` gives; in reverse mode the cotangent is
  multiplied by the weights, as JAX's is, so an infinite cotangent (an overflow
  downstream) turns into NaN rather than a silent 0.
* ``reduce_prod``: ``d prod / d x_i = prod_{j != i} x_j``, computed as
  (exclusive cumprod from the left) * (exclusive cumprod from the right), so
  it is exact with any number of zeros (no division).
* ``cumprod``, ``cummax``, ``cummin``, ``cumlogsumexp``: the tangent obeys a
  first-order linear recurrence ``h_i = a_i h_{i-1} + b_i`` and the cotangent
  the transposed (reversed) one.  Recurrences run as an associative scan
  written with ``slice``/``pad``/``concatenate``/``reshape``/``mul``/``add``
  (depth ``log n``, like ``jax.lax.associative_scan``), so the rules are exact
  (no division, zeros allowed) and differentiable again.
* ``cummax``/``cummin`` are the sequential running extremum ``y_i =
  max(y_{i-1}, x_i)``, each step with ``lax.max``'s tie rule (half to each
  side): away from ties the whole derivative goes to the position the running
  extremum came from.  JAX scans in a tree, so with three or more ties in a
  row its split can differ from this one.
* ``argmax``, ``argmin``, ``reduce_and``, ``reduce_or``, ``iota``: no
  derivative.

Reversed cumulative ops (``reverse=True``) reverse the axis, apply the
forward rule and reverse back.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from tracer import primitives as P
from tracer.ir import ShapedArray
from tracer.tracing import bind
from transforms.jvp import defjvp, defjvp_linear, defjvp_zero
from transforms.util import zeros
from transforms.vjp import defvjp, defvjp_zero, vjp_rules

# -- helpers (all computation through primitives) --------------------------------------


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(getattr(x, "shape", np.shape(x)))


def _dtype(x: Any) -> np.dtype:
    dt = getattr(x, "dtype", None)
    return np.dtype(dt if dt is not None else np.asarray(x).dtype)


def _const(v: Any, dtype: np.dtype) -> Any:
    """A scalar literal of ``dtype``."""
    return np.array(v, dtype=dtype)[()]


def _as_float(mask: Any, dtype: np.dtype) -> Any:
    """A boolean mask as 0/1 of ``dtype`` (no derivative: bools are inactive)."""
    return bind(P.convert_element_type_p, mask, new_dtype=np.dtype(dtype), weak_type=False)


def _mul(x: Any, y: Any) -> Any:
    return bind(P.mul_p, x, y)


def _add(x: Any, y: Any) -> Any:
    return bind(P.add_p, x, y)


def _slice_axis(x: Any, start: int, stop: int, axis: int, stride: int = 1) -> Any:
    """``x[..., start:stop:stride, ...]`` along ``axis`` (static, non-negative bounds)."""
    shape = _shape(x)
    starts = [0] * len(shape)
    limits = list(shape)
    starts[axis], limits[axis] = start, stop
    strides = None
    if stride != 1:
        strides = [1] * len(shape)
        strides[axis] = stride
        strides = tuple(strides)
    return bind(P.slice_p, x, start_indices=tuple(starts), limit_indices=tuple(limits),
                strides=strides)


def _pad_axis(x: Any, value: Any, lo: int, hi: int, axis: int) -> Any:
    """Pad (negative: crop) ``x`` along one axis with the scalar ``value``."""
    config = [(0, 0, 0)] * len(_shape(x))
    config[axis] = (lo, hi, 0)
    return bind(P.pad_p, x, _const(value, _dtype(x)), padding_config=tuple(config))


def _shift_right(x: Any, fill: Any, axis: int) -> Any:
    """``[fill, x_0, ..., x_{n-2}]`` along ``axis``."""
    return _pad_axis(x, fill, 1, -1, axis)


def _shift_left(x: Any, fill: Any, axis: int) -> Any:
    """``[x_1, ..., x_{n-1}, fill]`` along ``axis``."""
    return _pad_axis(x, fill, -1, 1, axis)


def _rev(x: Any, axis: int) -> Any:
    return bind(P.rev_p, x, dimensions=(axis,))


def _bcast_back(ct: Any, shape: Sequence[int], axes: Sequence[int]) -> Any:
    """The transpose of a reduction over ``axes``: broadcast ``ct`` back to ``shape``."""
    keep = tuple(i for i in range(len(shape)) if i not in axes)
    return bind(P.broadcast_in_dim_p, ct, shape=tuple(shape), broadcast_dimensions=keep)


def _interleave(a: Any, b: Any, axis: int) -> Any:
    """``[a_0, b_0, a_1, b_1, ...]`` along ``axis``; ``len(a)`` is ``len(b)`` or one more."""
    na, nb = _shape(a)[axis], _shape(b)[axis]
    last = None
    if na == nb + 1:
        last = _slice_axis(a, na - 1, na, axis)
        a = _slice_axis(a, 0, nb, axis)
    pair = bind(P.concatenate_p, bind(P.expand_dims_p, a, dimensions=(axis + 1,)),
                bind(P.expand_dims_p, b, dimensions=(axis + 1,)), dimension=axis + 1)
    shape = list(_shape(a))
    shape[axis] = 2 * nb
    out = bind(P.reshape_p, pair, new_sizes=tuple(shape))
    if last is not None:
        out = bind(P.concatenate_p, out, last, dimension=axis)
    return out


Combine = Callable[[list[Any], list[Any]], list[Any]]


def _assoc_scan(combine: Combine, elems: list[Any], axis: int) -> list[Any]:
    """Inclusive scan of ``combine`` (associative) over ``elems`` along ``axis``.

    The odd/even recursion of ``jax.lax.associative_scan``: combine adjacent
    pairs, scan the half-length sequence (the odd positions), then fill in the
    even positions from their left neighbours.
    """
    n = _shape(elems[0])[axis]
    if n < 2:
        return list(elems)
    reduced = combine([_slice_axis(e, 0, n - 1, axis, 2) for e in elems],
                      [_slice_axis(e, 1, n, axis, 2) for e in elems])
    odd = _assoc_scan(combine, reduced, axis)
    rest = [_slice_axis(e, 2, n, axis, 2) for e in elems]
    if n % 2 == 0:
        odd_left = [_slice_axis(o, 0, n // 2 - 1, axis) for o in odd]
    else:
        odd_left = odd
    even = combine(odd_left, rest) if _shape(rest[0])[axis] else rest
    even = [bind(P.concatenate_p, _slice_axis(e, 0, 1, axis), r, dimension=axis)
            for e, r in zip(elems, even, strict=True)]
    return [_interleave(e, o, axis) for e, o in zip(even, odd, strict=True)]


def _affine_combine(first: list[Any], second: list[Any]) -> list[Any]:
    # Element (a, b) is the map h -> a h + b; first then second:
    # h -> a2 (a1 h + b1) + b2 = (a1 a2) h + (a2 b1 + b2).
    (a1, b1), (a2, b2) = first, second
    return [_mul(a1, a2), _add(_mul(a2, b1), b2)]


def _select_mul(w: Any, v: Any) -> Any:
    """``w v``, but 0 where the weight ``w`` is 0 (a select): a weight of 0 drops ``v``
    even if ``v`` is inf or NaN (no 0 * inf is computed)."""
    return _mul(w, bind(P.select_n_p, bind(P.eq_p, w, _const(0, _dtype(w))), v,
                        _const(0, _dtype(v))))


def _selecting_combine(first: list[Any], second: list[Any]) -> list[Any]:
    # _affine_combine with a2 b1 read as 0 where a2 == 0 (a = 0: "h is not taken")
    (a1, b1), (a2, b2) = first, second
    return [_mul(a1, a2), _add(_select_mul(a2, b1), b2)]


def _linrec(a: Any, b: Any, axis: int, reverse: bool = False, selecting: bool = False
            ) -> Any:
    """``h_i = a_i h_{i-1} + b_i`` with ``h_{-1} = 0`` along ``axis``
    (``reverse``: ``h_i = a_i h_{i+1} + b_i`` with ``h_n = 0``).

    Linear in ``b``; ``a_0`` (``a_{n-1}`` when reversed) is never used.
    ``selecting``: ``a_i h`` is 0 where ``a_i`` is 0, whatever ``h``.
    """
    if reverse:
        return _rev(_linrec(_rev(a, axis), _rev(b, axis), axis, selecting=selecting), axis)
    return _assoc_scan(_selecting_combine if selecting else _affine_combine, [a, b],
                       axis)[1]


def _cum_reversible(rule: Callable[..., Any]) -> Callable[..., Any]:
    """A forward (``reverse=False``) per-argument cumulative rule ``rule(t, x, out, axis=)``,
    extended to ``reverse=True`` by reversing the axis of its arrays and of the result."""
    def wrapped(t: Any, x: Any, *, out: Any, axis: int, reverse: bool = False) -> Any:
        if not reverse:
            return rule(t, x, out, axis=axis)
        return _rev(rule(_rev(t, axis), _rev(x, axis), _rev(out, axis), axis=axis), axis)
    return wrapped


# -- linear reductions and scans ---------------------------------------------------------

# reduce_sum: d sum(x) = sum(dx); ct_x = broadcast(ct) back over the reduced axes.
defjvp_linear(P.reduce_sum_p)
defvjp(P.reduce_sum_p, lambda ct, x, out, axes: _bcast_back(ct, _shape(x), axes))

# cumsum: linear; the adjoint of a running sum is the running sum from the other end.
defjvp_linear(P.cumsum_p)
defvjp(P.cumsum_p, lambda ct, x, out, axis, reverse=False:
       bind(P.cumsum_p, ct, axis=axis, reverse=not reverse))


# -- reduce_max / reduce_min ------------------------------------------------------------


def _chooser_mask(x: Any, out: Any, axes: Sequence[int]) -> tuple[Any, Any]:
    """``(x == out)`` broadcast to ``x``'s shape, and the number of ties ``n`` (as ``x``'s
    dtype; 0 where ``out`` is NaN).  Inactive: built from a comparison."""
    mask = bind(P.eq_p, x, _bcast_back(out, _shape(x), axes))
    count = bind(P.reduce_sum_p, _as_float(mask, _dtype(x)), axes=tuple(axes))
    return mask, count


def _chooser_jvp(t: Any, x: Any, out: Any, axes: tuple[int, ...]) -> Any:
    # d max(x) = sum_{i: x_i = max} dx_i / n, n the number of ties (JAX's convention).  The
    # tangents of the other elements are dropped by a select, not multiplied by 0: they
    # may be inf or nan (sqrt'(0) = inf) where max does not depend on them, and
    # 0 * inf would leak a NaN.  Where max is NaN, n = 0 and the tangent is 0 / 0 = NaN.
    mask, count = _chooser_mask(x, out, axes)
    chosen = bind(P.select_n_p, mask, _const(0, _dtype(t)), t)
    return bind(P.div_p, bind(P.reduce_sum_p, chosen, axes=axes), count)


def _chooser_vjp(ct: Any, x: Any, out: Any, axes: tuple[int, ...]) -> Any:
    # ct_x = broadcast(ct) * w, w = [x_i == max] / n (JAX's: an infinite ct is NaN at the
    # other positions, 0 * inf; a select there would hide an overflow as a silent 0).
    mask, count = _chooser_mask(x, out, axes)
    shape = _shape(x)
    w = bind(P.div_p, _as_float(mask, _dtype(x)), _bcast_back(count, shape, axes))
    return _mul(_bcast_back(ct, shape, axes), w)


for _p in (P.reduce_max_p, P.reduce_min_p):
    defjvp(_p, _chooser_jvp)
    defvjp(_p, _chooser_vjp)


# -- reduce_prod ------------------------------------------------------------------------


def _prod_others(x: Any, axes: tuple[int, ...]) -> Any:
    """``prod_{j != i} x_j`` over the reduced axes, for every position ``i`` (no division).

    The reduced axes are moved last and flattened to one axis of length n;
    the product of the others is (exclusive cumprod from the left) *
    (exclusive cumprod from the right).
    """
    shape = _shape(x)
    keep = [i for i in range(len(shape)) if i not in axes]
    perm = tuple(keep) + tuple(axes)
    xt = bind(P.transpose_p, x, permutation=perm) if perm != tuple(range(len(shape))) else x
    kept_shape = tuple(shape[i] for i in keep)
    n = int(np.prod([shape[i] for i in axes], dtype=np.int64))
    flat = bind(P.reshape_p, xt, new_sizes=kept_shape + (n,))
    ax = len(kept_shape)
    left = bind(P.cumprod_p, _shift_right(flat, 1, ax), axis=ax, reverse=False)
    right = bind(P.cumprod_p, _shift_left(flat, 1, ax), axis=ax, reverse=True)
    others = bind(P.reshape_p, _mul(left, right), new_sizes=tuple(shape[i] for i in perm))
    if perm != tuple(range(len(shape))):
        others = bind(P.transpose_p, others, permutation=tuple(np.argsort(perm).tolist()))
    return others


def _prod_jvp(t: Any, x: Any, out: Any, axes: tuple[int, ...]) -> Any:
    # d prod(x) = sum_i (prod_{j != i} x_j) dx_i
    if not axes:
        return t
    return bind(P.reduce_sum_p, _mul(t, _prod_others(x, axes)), axes=axes)


def _prod_vjp(ct: Any, x: Any, out: Any, axes: tuple[int, ...]) -> Any:
    # ct_x_i = ct * prod_{j != i} x_j
    if not axes:
        return ct
    return _mul(_bcast_back(ct, _shape(x), axes), _prod_others(x, axes))


defjvp(P.reduce_prod_p, _prod_jvp)
defvjp(P.reduce_prod_p, _prod_vjp)


# -- cumprod ------------------------------------------------------------------------------

# y_i = y_{i-1} x_i, so dy_i = x_i dy_{i-1} + L_i dx_i with L_i = prod_{k<i} x_k
# (the exclusive cumprod).  Transposed: ct_x_j = L_j G_j with
# G_j = ct_j + x_{j+1} G_{j+1} (a reversed recurrence).


def _exclusive_cumprod(x: Any, axis: int) -> Any:
    return bind(P.cumprod_p, _shift_right(x, 1, axis), axis=axis, reverse=False)


@_cum_reversible
def _cumprod_jvp(t: Any, x: Any, out: Any, *, axis: int) -> Any:
    return _linrec(x, _mul(t, _exclusive_cumprod(x, axis)), axis)


@_cum_reversible
def _cumprod_vjp(ct: Any, x: Any, out: Any, *, axis: int) -> Any:
    g = _linrec(_shift_left(x, 1, axis), ct, axis, reverse=True)
    return _mul(_exclusive_cumprod(x, axis), g)


defjvp(P.cumprod_p, _cumprod_jvp)
defvjp(P.cumprod_p, _cumprod_vjp)


# -- cummax / cummin ------------------------------------------------------------------------

# y_i = max(y_{i-1}, x_i) with lax.max's derivative: all to the larger side, half each
# at a tie.  So dy_i = a_i dy_{i-1} + c_i dx_i with a_i = [x_i < y_{i-1}] + [x_i == y_{i-1}]/2,
# c_i = 1 - a_i, and a_0 = 0, c_0 = 1.  Transposed: ct_x_j = c_j G_j with
# G_j = ct_j + a_{j+1} G_{j+1}.  a and c come from comparisons: no derivative of their own.


def _cumext_coeffs(x: Any, out: Any, axis: int, is_max: bool) -> tuple[Any, Any]:
    n = _shape(x)[axis]
    dt = _dtype(x)
    if n == 0:
        return x, x
    xs, prev = _slice_axis(x, 1, n, axis), _slice_axis(out, 0, n - 1, axis)
    keep = _as_float(bind(P.lt_p if is_max else P.gt_p, xs, prev), dt)
    tie = _as_float(bind(P.eq_p, xs, prev), dt)
    a_rest = _add(keep, _mul(tie, _const(0.5, dt)))
    a = bind(P.concatenate_p, zeros(ShapedArray(_shape(_slice_axis(x, 0, 1, axis)), dt)),
             a_rest, dimension=axis)
    c = bind(P.sub_p, _const(1, dt), a)
    return a, c


def _cumext_rules(is_max: bool) -> tuple[Callable[..., Any], Callable[..., Any]]:
    @_cum_reversible
    def jvp(t: Any, x: Any, out: Any, *, axis: int) -> Any:
        a, c = _cumext_coeffs(x, out, axis, is_max)
        # forward mode selects (as max_p's JVP): a weight of 0 drops an infinite tangent
        return _linrec(a, _select_mul(c, t), axis, selecting=True)

    @_cum_reversible
    def vjp(ct: Any, x: Any, out: Any, *, axis: int) -> Any:
        a, c = _cumext_coeffs(x, out, axis, is_max)
        return _mul(c, _linrec(_shift_left(a, 0, axis), ct, axis, reverse=True))

    return jvp, vjp


for _p, _is_max in ((P.cummax_p, True), (P.cummin_p, False)):
    _j, _v = _cumext_rules(_is_max)
    defjvp(_p, _j)
    defvjp(_p, _v)


# -- cumlogsumexp -------------------------------------------------------------------------------

# y_i = log(exp(y_{i-1}) + exp(x_i)), so dy_i = a_i dy_{i-1} + w_i dx_i with
# a_i = e^{y_{i-1} - y_i}, w_i = e^{x_i - y_i} (both in [0, 1], a_i + w_i = 1: stable) and
# w_0 = 1 (y_0 = x_0).  Transposed: ct_x_j = w_j G_j with G_j = ct_j + a_{j+1} G_{j+1}.
# Where the whole prefix is -inf (y_i = -inf, so -inf - -inf would be NaN) the step is
# logaddexp(-inf, -inf): a tie, split half/half as logaddexp's derivative at a == b.
# Where y_i = +inf the infinite term takes the whole derivative (the other one none),
# half each if both are +inf (inf - inf would be NaN; JAX gives 1 to both terms).


def _cumlse_coeffs(x: Any, out: Any, axis: int) -> tuple[Any, Any]:
    """``(a, w)`` of the recurrence above (``a_0`` is never used: set to 1)."""
    n = _shape(x)[axis]
    if n == 0:
        return x, x
    dt = _dtype(x)
    y, y_prev = _slice_axis(out, 1, n, axis), _slice_axis(out, 0, n - 1, axis)
    x_next = _slice_axis(x, 1, n, axis)
    inf = _const(np.inf, dt)
    all_ninf = bind(P.eq_p, y, _const(-np.inf, dt))
    pinf = bind(P.eq_p, y, inf)
    half = _const(np.log(0.5), dt)

    # no -inf - -inf nor inf - inf computed
    y_safe = bind(P.select_n_p, bind(P.or_p, all_ninf, pinf), y, _const(0, dt))
    both_inf = bind(P.and_p, bind(P.eq_p, y_prev, inf), bind(P.eq_p, x_next, inf))
    inf_share = bind(P.select_n_p, both_inf, _const(1, dt), _const(0.5, dt))

    def weight(num: Any) -> Any:   # e^{num - y}, e^{log 1/2} where y = -inf, [num = inf] at inf
        finite = bind(P.exp_p, bind(P.select_n_p, all_ninf, bind(P.sub_p, num, y_safe), half))
        at_inf = bind(P.select_n_p, bind(P.eq_p, num, inf), _const(0, dt), inf_share)
        return bind(P.select_n_p, pinf, finite, at_inf)

    a = _pad_axis(weight(y_prev), 1, 1, 0, axis)
    w = _pad_axis(weight(x_next), 1, 1, 0, axis)
    return a, w


@_cum_reversible
def _cumlse_jvp(t: Any, x: Any, out: Any, *, axis: int) -> Any:
    a, w = _cumlse_coeffs(x, out, axis)
    return _linrec(a, _mul(w, t), axis)


@_cum_reversible
def _cumlse_vjp(ct: Any, x: Any, out: Any, *, axis: int) -> Any:
    a, w = _cumlse_coeffs(x, out, axis)
    return _mul(w, _linrec(_shift_left(a, 1, axis), ct, axis, reverse=True))


defjvp(P.cumlogsumexp_p, _cumlse_jvp)
defvjp(P.cumlogsumexp_p, _cumlse_vjp)


# -- shape primitives ----------------------------------------------------------------------


def _broadcast_in_dim_vjp(ct: Any, x: Any, out: Any, shape: tuple[int, ...],
                          broadcast_dimensions: tuple[int, ...]) -> Any:
    # Transpose of a broadcast: sum over the new axes and over the size-1 axes that
    # were stretched, then reshape to x's shape.
    xshape = _shape(x)
    stretched = {d for i, d in enumerate(broadcast_dimensions)
                 if xshape[i] == 1 and shape[d] != 1}
    axes = tuple(d for d in range(len(shape))
                 if d not in broadcast_dimensions or d in stretched)
    r = bind(P.reduce_sum_p, ct, axes=axes) if axes else ct
    if _shape(r) != xshape:
        r = bind(P.reshape_p, r, new_sizes=xshape)
    return r


defjvp_linear(P.broadcast_in_dim_p)
defvjp(P.broadcast_in_dim_p, _broadcast_in_dim_vjp)


def _reshape_back(ct: Any, x: Any, out: Any, **params: Any) -> Any:
    # reshape, squeeze, expand_dims only relabel the elements: ct_x = reshape(ct, x.shape).
    return bind(P.reshape_p, ct, new_sizes=_shape(x))


for _p in (P.reshape_p, P.squeeze_p, P.expand_dims_p):
    defjvp_linear(_p)
    defvjp(_p, _reshape_back)

# transpose: ct_x = transpose(ct, inverse permutation)
defjvp_linear(P.transpose_p)
defvjp(P.transpose_p, lambda ct, x, out, permutation: bind(
    P.transpose_p, ct, permutation=tuple(np.argsort(permutation).tolist())))

# rev is its own inverse and symmetric: ct_x = rev(ct)
defjvp_linear(P.rev_p)
defvjp(P.rev_p, lambda ct, x, out, dimensions: bind(P.rev_p, ct, dimensions=dimensions))


def _concatenate_vjp(ct: Any, primals: Sequence[Any], out: Any, needs: Sequence[bool],
                     dimension: int) -> list[Any]:
    # Each operand's cotangent is its slab of ct along the concatenation axis.
    if ct is None:
        return [None] * len(primals)
    res: list[Any] = []
    start = 0
    for x, need in zip(primals, needs, strict=True):
        n = _shape(x)[dimension]
        res.append(_slice_axis(ct, start, start + n, dimension) if need else None)
        start += n
    return res


defjvp_linear(P.concatenate_p)
vjp_rules[P.concatenate_p] = _concatenate_vjp


def _pad_vjp(ct: Any, primals: Sequence[Any], out: Any, needs: Sequence[bool],
             padding_config: tuple[tuple[int, int, int], ...]) -> list[Any]:
    # pad(x, v) = (x scattered at stride interior+1, offset lo, cropped) + v * (padded mask).
    # ct_x: undo lo/hi (negated pads: crops become zero rows), then drop the interior by a
    # strided slice.  ct_v = sum(ct * mask), mask = pad(zeros_like(x), 1): exact, no
    # cancellation.
    if ct is None:
        return [None, None]
    x, v = primals
    dt = _dtype(ct)
    ct_x = ct_v = None
    if needs[0]:
        unpad = tuple((-lo, -hi, 0) for lo, hi, _ in padding_config)
        u = bind(P.pad_p, ct, _const(0, dt), padding_config=unpad)
        strides = tuple(i + 1 for _, _, i in padding_config)
        ct_x = bind(P.slice_p, u, start_indices=(0,) * len(strides), limit_indices=_shape(u),
                    strides=strides if any(s != 1 for s in strides) else None)
    if needs[1]:
        mask = bind(P.pad_p, zeros(ShapedArray(_shape(x), dt)), _const(1, dt),
                    padding_config=padding_config)
        ct_v = bind(P.reduce_sum_p, _mul(ct, mask), axes=tuple(range(len(_shape(ct)))))
    return [ct_x, ct_v]


defjvp_linear(P.pad_p)
vjp_rules[P.pad_p] = _pad_vjp


def _slice_vjp(ct: Any, x: Any, out: Any, start_indices: tuple[int, ...],
               limit_indices: tuple[int, ...], strides: tuple[int, ...] | None = None) -> Any:
    # Transpose of a (strided) slice: zero-pad back, stride-1 zeros between elements.
    strides = strides or (1,) * len(start_indices)
    config = []
    for d, s, st, m in zip(_shape(x), start_indices, strides, _shape(ct), strict=True):
        real_limit = s + (0 if m == 0 else 1 + (m - 1) * st)
        config.append((s, d - real_limit, st - 1))
    return bind(P.pad_p, ct, _const(0, _dtype(ct)), padding_config=tuple(config))


defjvp_linear(P.slice_p)
defvjp(P.slice_p, _slice_vjp)


# -- no derivative -------------------------------------------------------------------------

for _p in (P.argmax_p, P.argmin_p, P.reduce_and_p, P.reduce_or_p, P.iota_p):
    defjvp_zero(_p)
    defvjp_zero(_p)

