"""JVP and VJP rules of the indexing and sorting primitives (the maths beside each rule).

``dynamic_slice``, ``dynamic_update_slice``, ``gather``, the ``scatter``
family, ``sort`` and ``top_k``.  Every rule is written with primitives, so
the derivative graphs differentiate again.

Conventions (JAX's, where JAX has a choice):

* **gather** is linear in its operand; its VJP is a ``scatter_add`` with the
  mirrored dimension numbers (``update_window_dims = offset_dims``,
  ``inserted_window_dims = collapsed_slice_dims``,
  ``scatter_dims_to_operand_dims = start_index_map``, batching dims alike).
  ``clip``/``promise_in_bounds`` gathers clamp their starts, so the VJP clamps
  the indices explicitly and scatters to the clamped positions; ``fill``
  gathers fill out-of-bounds slices (tangent fill 0) and the VJP scatter
  drops them.
* The **inverse gather** of a scatter (what reads the cotangent back at the
  updates' positions) uses ``clip`` for ``clip`` scatters and ``fill`` with 0
  otherwise: ``fill`` and ``promise_in_bounds`` scatters *drop* out-of-bounds
  updates in every backend (XLA scatter semantics), so those updates get a
  zero cotangent.
* **scatter** (overwrite) with possibly duplicate indices: which duplicate
  wins is the backend's choice.  As in JAX, each update gets an id, the ids
  are scattered with the same indices, and gathering them back tells which
  update won each element; only winners receive tangent/cotangent.  The
  primal itself was computed by the backend's ``scatter``; the NumPy backend
  is last-wins for both, so primal and derivative agree.  With
  ``unique_indices=True`` the simple linear rule is used.
* **scatter_mul**: exact for duplicate indices too (JAX only handles
  ``unique_indices=True``): the derivative w.r.t. an update is the operand
  times the product of the *other* updates hitting the same element,
  computed without dividing by zero (product of the nonzero updates and a
  count of zeros, as for ``reduce_prod``).
* **scatter_min/max**: the output tangent at an element is the *average* of
  the tangents of every contender equal to the result (the operand and the
  winning updates), JAX's ``_scatter_extremal_jvp``; the VJP is its exact
  transpose.
* **sort**: the permutation is recovered by sorting an iota along with the
  keys (same ``is_stable``/``num_keys``); tangents are gathered through it,
  cotangents scattered back.  **top_k** uses its own index output.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from tracer import primitives as P
from tracer.ir import ShapedArray
from tracer.primitives import GatherDimensionNumbers, ScatterDimensionNumbers
from tracer.tracing import bind
from transforms.jvp import defjvp, jvp_rules
from transforms.util import add_any, aval, instantiate, zeros
from transforms.vjp import defvjp, vjp_rules

# -- small helpers (static shape arithmetic in NumPy, values only via primitives) ------------


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(aval(x).shape)


def _dtype(x: Any) -> np.dtype:
    return aval(x).dtype


def const(v: Any, dtype: Any) -> np.generic:
    """A NumPy scalar of ``dtype`` (an inlined literal when bound)."""
    return np.asarray(v, dtype)[()]


def where(pred: Any, a: Any, b: Any) -> Any:
    """``a`` where ``pred`` else ``b`` (``select_n`` takes the false case first)."""
    return bind(P.select_n_p, pred, b, a)


def index_dtype(*sizes: int) -> np.dtype:
    """int32 when every index fits, else int64 (like JAX's choice for iotas)."""
    return np.dtype(np.int32 if max(sizes, default=0) < np.iinfo(np.int32).max else np.int64)


def _reshape(x: Any, shape: Sequence[int]) -> Any:
    shape = tuple(int(d) for d in shape)
    return x if _shape(x) == shape else bind(P.reshape_p, x, new_sizes=shape)


# -- gather <-> scatter dimension numbers -----------------------------------------------------


def scatter_dn_of_gather(dn: GatherDimensionNumbers) -> ScatterDimensionNumbers:
    """The scatter that is the transpose of a gather with ``dn`` (JAX's mapping)."""
    return ScatterDimensionNumbers(
        update_window_dims=dn.offset_dims, inserted_window_dims=dn.collapsed_slice_dims,
        scatter_dims_to_operand_dims=dn.start_index_map,
        operand_batching_dims=dn.operand_batching_dims,
        scatter_indices_batching_dims=dn.start_indices_batching_dims)


def gather_dn_of_scatter(dn: ScatterDimensionNumbers) -> GatherDimensionNumbers:
    """The gather reading, at each update's position, what a scatter with ``dn`` wrote."""
    return GatherDimensionNumbers(
        offset_dims=dn.update_window_dims, collapsed_slice_dims=dn.inserted_window_dims,
        start_index_map=dn.scatter_dims_to_operand_dims,
        operand_batching_dims=dn.operand_batching_dims,
        start_indices_batching_dims=dn.scatter_indices_batching_dims)


def scatter_slice_sizes(operand_ndim: int, updates_shape: Sequence[int],
                        dn: ScatterDimensionNumbers) -> tuple[int, ...]:
    """Slice sizes of the inverse gather: 1 on inserted/batching dims, else the window."""
    sizes, pos = [], 0
    for d in range(operand_ndim):
        if d in dn.inserted_window_dims or d in dn.operand_batching_dims:
            sizes.append(1)
        else:
            sizes.append(int(updates_shape[dn.update_window_dims[pos]]))
            pos += 1
    return tuple(sizes)


def inverse_gather(arr: Any, indices: Any, updates_shape: Sequence[int],
                   dn: ScatterDimensionNumbers, mode: str) -> Any:
    """``arr`` (operand-shaped) read at the positions a scatter would write: updates-shaped.

    ``clip`` scatters clamp like a ``clip`` gather; ``fill``/``promise_in_bounds``
    scatters drop out-of-bounds updates, which therefore read 0.
    """
    gmode, fill = ("clip", None) if mode == "clip" else ("fill", const(0, _dtype(arr)).item())
    return bind(P.gather_p, arr, indices, dimension_numbers=gather_dn_of_scatter(dn),
                slice_sizes=scatter_slice_sizes(len(_shape(arr)), updates_shape, dn),
                mode=gmode, fill_value=fill)


def clamp_indices(indices: Any, operand_shape: Sequence[int], slice_sizes: Sequence[int],
                  index_map: Sequence[int]) -> Any:
    """Clamp gather start indices to ``[0, dim - slice_size]`` (what a clip gather reads)."""
    dt = _dtype(indices)
    hi = np.asarray([operand_shape[d] - slice_sizes[d] for d in index_map], dt)
    if dt.kind == "i":
        indices = bind(P.max_p, indices, const(0, dt))
    if len(index_map) == 1:
        return bind(P.min_p, indices, hi[0])
    return bind(P.min_p, indices, hi)


def _scatter_params(dn: ScatterDimensionNumbers, mode: str, indices_are_sorted: bool,
                    unique_indices: bool) -> dict:
    return dict(dimension_numbers=dn, mode=mode, indices_are_sorted=indices_are_sorted,
                unique_indices=unique_indices)


# -- dynamic_slice / dynamic_update_slice -------------------------------------------------------

# y = x[s : s + n] (starts clamped) is linear in x:  dy = dynamic_slice(dx, s);
# x_bar = dynamic_update_slice(0, y_bar, s) -- the same clamping puts it back where it came
# from.  The integer starts get no tangent/cotangent.
defjvp(P.dynamic_slice_p,
       lambda t, x, *idx, out, slice_sizes: bind(P.dynamic_slice_p, t, *idx,
                                                 slice_sizes=slice_sizes))
defvjp(P.dynamic_slice_p,
       lambda ct, x, *idx, out, slice_sizes: bind(P.dynamic_update_slice_p, zeros(aval(x)),
                                                  ct, *idx))


# y = x with x[s : s + n] replaced by u, linear in (x, u) jointly:
# dy = dynamic_update_slice(dx, du, s);  x_bar = y_bar with the window zeroed,
# u_bar = y_bar[s : s + n].
def _dus_jvp(primals: Sequence[Any], tangents: Sequence[Any], out: Any) -> Any:
    tx, tu = tangents[0], tangents[1]
    if tx is None and tu is None:
        return None
    x, u, *idx = primals
    return bind(P.dynamic_update_slice_p, instantiate(tx, aval(x)), instantiate(tu, aval(u)),
                *idx)


jvp_rules[P.dynamic_update_slice_p] = _dus_jvp
defvjp(P.dynamic_update_slice_p,
       lambda ct, x, u, *idx, out: bind(P.dynamic_update_slice_p, ct, zeros(aval(u)), *idx),
       lambda ct, x, u, *idx, out: bind(P.dynamic_slice_p, ct, *idx, slice_sizes=_shape(u)))


# -- gather ------------------------------------------------------------------------------------

# y = gather(x, i) is linear in x:  dy = gather(dx, i) (out-of-bounds fill slices get a zero
# tangent);  x_bar = scatter_add(0, i, y_bar) with the mirrored dimension numbers, at the
# clamped starts for clip/promise_in_bounds gathers, dropping the filled slices for fill ones.
def _gather_jvp(t: Any, x: Any, indices: Any, *, out: Any,
                dimension_numbers: GatherDimensionNumbers, slice_sizes: tuple[int, ...],
                mode: str, fill_value: Any = None) -> Any:
    fill = const(0, _dtype(t)).item() if mode == "fill" else None
    return bind(P.gather_p, t, indices, dimension_numbers=dimension_numbers,
                slice_sizes=slice_sizes, mode=mode, fill_value=fill)


def _gather_vjp(ct: Any, x: Any, indices: Any, *, out: Any,
                dimension_numbers: GatherDimensionNumbers, slice_sizes: tuple[int, ...],
                mode: str, fill_value: Any = None) -> Any:
    dn = dimension_numbers
    if mode == "fill":
        smode = "fill"
    else:
        indices = clamp_indices(indices, _shape(x), slice_sizes, dn.start_index_map)
        smode = "promise_in_bounds"
    return bind(P.scatter_add_p, zeros(aval(x)), indices, ct,
                **_scatter_params(scatter_dn_of_gather(dn), smode, False, False))


defjvp(P.gather_p, _gather_jvp)
defvjp(P.gather_p, _gather_vjp)


# -- scatter_add -------------------------------------------------------------------------------

# y = scatter_add(x, i, u) is linear in (x, u):  dy = scatter_add(dx, i, du);
# x_bar = y_bar;  u_bar = gather(y_bar, i) (the inverse gather; dropped updates get 0).
def _scatter_add_jvp(primals: Sequence[Any], tangents: Sequence[Any], out: Any,
                     **params: Any) -> Any:
    tx, tu = tangents[0], tangents[2]
    if tx is None and tu is None:
        return None
    x, i, u = primals
    return bind(P.scatter_add_p, instantiate(tx, aval(x)), i, instantiate(tu, aval(u)),
                **params)


jvp_rules[P.scatter_add_p] = _scatter_add_jvp
defvjp(P.scatter_add_p,
       lambda ct, x, i, u, *, out, **p: ct,
       None,
       lambda ct, x, i, u, *, out, **p: inverse_gather(ct, i, _shape(u),
                                                       p["dimension_numbers"], p["mode"]))


# -- scatter (overwrite) -----------------------------------------------------------------------

def _scatter_winners(x: Any, i: Any, u: Any, params: dict) -> tuple[Any, Any]:
    """(untouched, won): operand elements no update wrote; update elements that won.

    JAX's scheme for duplicate indices: give each update (window) an id >= 1,
    scatter the ids with the same indices and mode, and gather them back: an
    update element won where it reads its own id.
    """
    dn = params["dimension_numbers"]
    ushape = _shape(u)
    ids_shape = tuple(1 if d in dn.update_window_dims else n for d, n in enumerate(ushape))
    n_ids = math.prod(ids_shape)
    dt = index_dtype(n_ids + 1)
    ids = bind(P.add_p, bind(P.iota_p, dtype=dt, shape=(n_ids,), dimension=0), const(1, dt))
    ids = _reshape(ids, ids_shape)
    if ids_shape != ushape:
        ids = bind(P.broadcast_in_dim_p, ids, shape=ushape,
                   broadcast_dimensions=tuple(range(len(ushape))))
    scattered = bind(P.scatter_p, zeros(ShapedArray(_shape(x), dt)), i, ids, **params)
    back = inverse_gather(scattered, i, ushape, dn, params["mode"])
    return bind(P.eq_p, scattered, const(0, dt)), bind(P.eq_p, back, ids)


# y = scatter(x, i, u):  y[p] = u_j for the update j that wins p, else x[p].
# dy = scatter(dx, i, du) with the same winners: dx masked to the untouched elements plus
# scatter_add of du masked to the winners (JAX's _scatter_jvp);  x_bar = y_bar with the
# written elements zeroed (scatter of zeros), u_bar = gather(y_bar, i) masked to the winners.
def _scatter_jvp(primals: Sequence[Any], tangents: Sequence[Any], out: Any,
                 **params: Any) -> Any:
    tx, tu = tangents[0], tangents[2]
    if tx is None and tu is None:
        return None
    x, i, u = primals
    tx, tu = instantiate(tx, aval(x)), instantiate(tu, aval(u))
    if params["unique_indices"]:
        return bind(P.scatter_p, tx, i, tu, **params)
    untouched, won = _scatter_winners(x, i, u, params)
    zero = const(0, _dtype(tx))
    return bind(P.scatter_add_p, where(untouched, tx, zero), i, where(won, tu, zero), **params)


def _scatter_vjp(ct: Any, primals: Sequence[Any], out: Any, needs: Sequence[bool],
                 **params: Any) -> list[Any]:
    x, i, u = primals
    if ct is None:
        return [None, None, None]
    ct_x = ct_u = None
    if needs[0]:
        ct_x = bind(P.scatter_p, ct, i, zeros(aval(u)), **params)
    if needs[2]:
        ct_u = inverse_gather(ct, i, _shape(u), params["dimension_numbers"], params["mode"])
        if not params["unique_indices"]:
            _, won = _scatter_winners(x, i, u, params)
            ct_u = where(won, ct_u, const(0, _dtype(ct_u)))
    return [ct_x, None, ct_u]


jvp_rules[P.scatter_p] = _scatter_jvp
vjp_rules[P.scatter_p] = _scatter_vjp


# -- scatter_mul -------------------------------------------------------------------------------

def _others_product(x: Any, i: Any, u: Any, params: dict) -> Any:
    """For each update element: the product of the *other* updates hitting its element.

    Without division by zero: with ``nz`` the product of the nonzero updates at
    an element and ``nzero`` their number of zeros, the others' product is
    ``nz / u`` if ``u != 0`` and ``nzero == 0``, ``nz`` if ``u == 0`` and
    ``nzero == 1``, else 0.
    """
    dt = _dtype(u)
    one, zero = const(1, dt), const(0, dt)
    is0 = bind(P.eq_p, u, zero)
    u_nz = where(is0, one, u)
    ones_x = bind(P.broadcast_in_dim_p, one, shape=_shape(x), broadcast_dimensions=())
    nz = bind(P.scatter_mul_p, ones_x, i, u_nz, **params)
    nzero = bind(P.scatter_add_p, zeros(aval(x)), i, where(is0, one, zero), **params)
    dn, mode, ushape = params["dimension_numbers"], params["mode"], _shape(u)
    g_nz = inverse_gather(nz, i, ushape, dn, mode)
    g_nzero = inverse_gather(nzero, i, ushape, dn, mode)
    when_nonzero = where(bind(P.eq_p, g_nzero, zero), bind(P.div_p, g_nz, u_nz), zero)
    when_zero = where(bind(P.eq_p, g_nzero, one), g_nz, zero)
    return where(is0, when_zero, when_nonzero)


# y[p] = x[p] * prod_{j -> p} u_j:
# dy = scatter_mul(dx, i, u) + x * scatter_add(0, i, du * others),
# x_bar = scatter_mul(y_bar, i, u),  u_bar = gather(y_bar * x, i) * others,
# where others_j = prod_{k -> p(j), k != j} u_k (1 when the indices are unique).
def _scatter_mul_jvp(primals: Sequence[Any], tangents: Sequence[Any], out: Any,
                     **params: Any) -> Any:
    x, i, u = primals
    tx, tu = tangents[0], tangents[2]
    acc = None
    if tx is not None:
        acc = bind(P.scatter_mul_p, tx, i, u, **params)
    if tu is not None:
        w = tu if params["unique_indices"] else bind(P.mul_p, tu,
                                                     _others_product(x, i, u, params))
        acc = add_any(acc, bind(P.mul_p, x, bind(P.scatter_add_p, zeros(aval(x)), i, w,
                                                 **params)))
    return acc


def _scatter_mul_vjp(ct: Any, primals: Sequence[Any], out: Any, needs: Sequence[bool],
                     **params: Any) -> list[Any]:
    x, i, u = primals
    if ct is None:
        return [None, None, None]
    ct_x = ct_u = None
    if needs[0]:
        ct_x = bind(P.scatter_mul_p, ct, i, u, **params)
    if needs[2]:
        ct_u = inverse_gather(bind(P.mul_p, ct, x), i, _shape(u),
                              params["dimension_numbers"], params["mode"])
        if not params["unique_indices"]:
            ct_u = bind(P.mul_p, ct_u, _others_product(x, i, u, params))
    return [ct_x, None, ct_u]


jvp_rules[P.scatter_mul_p] = _scatter_mul_jvp
vjp_rules[P.scatter_mul_p] = _scatter_mul_vjp


# -- scatter_min / scatter_max -----------------------------------------------------------------

def _extremal_parts(x: Any, i: Any, u: Any, out: Any, params: dict) -> tuple[Any, Any, Any]:
    """(won, kept, count): update elements equal to their result, operand elements equal
    to theirs, and the number of such contenders per operand element (at least 1)."""
    dt = _dtype(x)
    one, zero = const(1, dt), const(0, dt)
    won = bind(P.eq_p, u, inverse_gather(out, i, _shape(u), params["dimension_numbers"],
                                         params["mode"]))
    kept = bind(P.eq_p, x, out)
    count = bind(P.add_p, bind(P.scatter_add_p, zeros(aval(x)), i, where(won, one, zero),
                               **params), where(kept, one, zero))
    return won, kept, bind(P.max_p, count, one)


# y[p] = max(x[p], max_{j -> p} u_j) (min alike).  The tangent at p is the average of the
# tangents of all contenders equal to y[p] (JAX's tie convention):
# dy = (dx * [x == y] + scatter_add(0, i, du * [u == y])) / count,
# x_bar = [x == y] * y_bar / count,  u_bar = [u == y] * gather(y_bar / count, i).
def _scatter_extremal_jvp(primals: Sequence[Any], tangents: Sequence[Any], out: Any,
                          **params: Any) -> Any:
    x, i, u = primals
    tx, tu = tangents[0], tangents[2]
    if tx is None and tu is None:
        return None
    won, kept, count = _extremal_parts(x, i, u, out, params)
    zero = const(0, _dtype(x))
    num = None
    if tx is not None:
        num = where(kept, tx, zero)
    if tu is not None:
        num = add_any(num, bind(P.scatter_add_p, zeros(aval(x)), i, where(won, tu, zero),
                                **params))
    return bind(P.div_p, num, count)


def _scatter_extremal_vjp(ct: Any, primals: Sequence[Any], out: Any, needs: Sequence[bool],
                          **params: Any) -> list[Any]:
    x, i, u = primals
    if ct is None:
        return [None, None, None]
    won, kept, count = _extremal_parts(x, i, u, out, params)
    zero = const(0, _dtype(x))
    c = bind(P.div_p, ct, count)
    ct_x = where(kept, c, zero) if needs[0] else None
    ct_u = None
    if needs[2]:
        ct_u = where(won, inverse_gather(c, i, _shape(u), params["dimension_numbers"],
                                         params["mode"]), zero)
    return [ct_x, None, ct_u]


for _p in (P.scatter_min_p, P.scatter_max_p):
    jvp_rules[_p] = _scatter_extremal_jvp
    vjp_rules[_p] = _scatter_extremal_vjp


# -- sort / top_k ------------------------------------------------------------------------------

def take_along(t: Any, idx: Any, axis: int) -> Any:
    """``t`` gathered along ``axis`` at integer ``idx`` (same rank; other dims batch)."""
    ishape = _shape(idx)
    nd = len(ishape)
    batch = tuple(d for d in range(nd) if d != axis)
    dn = GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(axis,),
                                start_index_map=(axis,), operand_batching_dims=batch,
                                start_indices_batching_dims=batch)
    return bind(P.gather_p, t, _reshape(idx, ishape + (1,)), dimension_numbers=dn,
                slice_sizes=(1,) * nd, mode="promise_in_bounds", fill_value=None)


def put_along(ct: Any, idx: Any, axis: int, like: Any) -> Any:
    """The transpose of ``take_along``: ``ct`` added into zeros like ``like`` at ``idx``."""
    ishape = _shape(idx)
    nd = len(ishape)
    batch = tuple(d for d in range(nd) if d != axis)
    dn = ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(axis,),
                                 scatter_dims_to_operand_dims=(axis,),
                                 operand_batching_dims=batch,
                                 scatter_indices_batching_dims=batch)
    return bind(P.scatter_add_p, zeros(aval(like)), _reshape(idx, ishape + (1,)), ct,
                **_scatter_params(dn, "promise_in_bounds", False, True))


def _sort_permutation(primals: Sequence[Any], dimension: int, is_stable: bool,
                      num_keys: int) -> Any:
    """The permutation the sort applied: an iota sorted along with the keys."""
    shape = _shape(primals[0])
    iota = bind(P.iota_p, dtype=index_dtype(shape[dimension]), shape=shape, dimension=dimension)
    return bind(P.sort_p, *primals[:num_keys], iota, dimension=dimension, is_stable=is_stable,
                num_keys=num_keys)[-1]


# sort permutes every operand by the keys' order perm:  y_k = x_k[perm] along `dimension`,
# so dy_k = dx_k[perm] and x_k_bar = scatter_add(0, perm, y_k_bar) (perm is a permutation).
def _sort_jvp(primals: Sequence[Any], tangents: Sequence[Any], out: Sequence[Any], *,
              dimension: int, is_stable: bool = True, num_keys: int = 1) -> list[Any]:
    perm = _sort_permutation(primals, dimension, is_stable, num_keys)
    return [None if t is None else take_along(t, perm, dimension) for t in tangents]


def _sort_vjp(cts: Sequence[Any], primals: Sequence[Any], out: Sequence[Any],
              needs: Sequence[bool], *, dimension: int, is_stable: bool = True,
              num_keys: int = 1) -> list[Any]:
    if not any(n and c is not None for n, c in zip(needs, cts, strict=True)):
        return [None] * len(primals)
    perm = _sort_permutation(primals, dimension, is_stable, num_keys)
    return [put_along(c, perm, dimension, x) if n and c is not None else None
            for c, x, n in zip(cts, primals, needs, strict=True)]


jvp_rules[P.sort_p] = _sort_jvp
vjp_rules[P.sort_p] = _sort_vjp


# (values, idx) = top_k(x): values = x[..., idx] along the last axis, so
# d values = dx[..., idx] and x_bar = scatter_add(0, idx, values_bar); idx is integer.
def _top_k_jvp(primals: Sequence[Any], tangents: Sequence[Any], out: Sequence[Any], *,
               k: int) -> list[Any]:
    t = tangents[0]
    if t is None:
        return [None, None]
    return [take_along(t, out[1], len(_shape(t)) - 1), None]


def _top_k_vjp(cts: Sequence[Any], primals: Sequence[Any], out: Sequence[Any],
               needs: Sequence[bool], *, k: int) -> list[Any]:
    x = primals[0]
    if not needs[0] or cts[0] is None:
        return [None]
    return [put_along(cts[0], out[1], len(_shape(x)) - 1, x)]


jvp_rules[P.top_k_p] = _top_k_jvp
vjp_rules[P.top_k_p] = _top_k_vjp
