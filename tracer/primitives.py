"""Primitive objects and their shape/dtype rules (abstract evaluation).

Nothing else lives here: implementations are in ``backends/``, derivative and
batching rules in ``transforms/``.  The set is closed and lax-level.  Two
departures from ``jax.lax``, both deliberate:

* n-ary elementwise primitives (``add``, ``mul``, ``select_n``, comparisons,
  ...) accept operands whose shapes *broadcast* by NumPy's rules (dtypes must
  still be equal: promotion is explicit, via ``convert_element_type``).  This
  keeps graphs small (no ``broadcast_in_dim`` before every scalar op) and
  makes eager execution a single NumPy call.  Transpose rules un-broadcast
  with a sum, batching rules align ranks, lowering inserts the broadcasts.
* ``cond`` takes an integer branch index (``switch`` semantics); ``lax.cond``
  converts its boolean predicate.

Each rule receives the input avals and the params and returns the output
aval (or a list of avals when ``multiple_results``), raising ``ShapeError``
on bad input; ``bind`` adds the user's source line to the message.
"""
from __future__ import annotations

import enum
import functools
import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from tracer import dtypes
from tracer.errors import ShapeError
from tracer.ir import ShapedArray, user_location


class Primitive:
    """A named operation with a shape/dtype rule."""

    __slots__ = ("name", "multiple_results", "abstract_eval", "__weakref__")

    def __init__(self, name: str, multiple_results: bool = False):
        self.name = name
        self.multiple_results = multiple_results
        self.abstract_eval: Callable[..., Any] = _no_rule(name)

    def def_abstract_eval(self, rule: Callable[..., Any]) -> Callable[..., Any]:
        self.abstract_eval = rule
        return rule

    def __repr__(self) -> str:
        return self.name


def _no_rule(name: str) -> Callable[..., Any]:
    def rule(*a: Any, **k: Any) -> Any:
        raise NotImplementedError(f"primitive {name} has no shape rule")
    return rule


all_primitives: dict[str, Primitive] = {}


def _prim(name: str, multiple_results: bool = False) -> Primitive:
    p = Primitive(name, multiple_results)
    all_primitives[name] = p
    return p


def _err(msg: str) -> ShapeError:
    return ShapeError(msg)


# ---------------------------------------------------------------------------
# Elementwise

def _weak(*avals: ShapedArray) -> bool:
    return all(a.weak_type for a in avals)


_INEXACT = "inexact"
_NUMERIC = "numeric"
_INT_OR_BOOL = "int_or_bool"
_INT = "int"
_ANY = "any"


def _check_kind(name: str, dtype: np.dtype, kind: str) -> None:
    ok = {
        _INEXACT: dtypes.is_inexact(dtype),
        _NUMERIC: not dtypes.is_bool(dtype),
        _INT_OR_BOOL: dtype.kind in "iub",
        _INT: dtype.kind in "iu",
        _ANY: True,
    }[kind]
    if not ok:
        want = {_INEXACT: "a floating-point", _NUMERIC: "a numeric (non-bool)",
                _INT_OR_BOOL: "an integer or bool", _INT: "an integer"}[kind]
        raise _err(f"{name} requires {want} operand, got {dtype.name}")


def _unary(name: str, kind: str, out_dtype: Any = None) -> Primitive:
    p = _prim(name)

    def rule(x: ShapedArray) -> ShapedArray:
        _check_kind(name, x.dtype, kind)
        if out_dtype is None:
            return x
        return ShapedArray(x.shape, out_dtype, False)
    p.def_abstract_eval(rule)
    return p


neg_p = _unary("neg", _NUMERIC)
sign_p = _unary("sign", _NUMERIC)
floor_p = _unary("floor", _INEXACT)
ceil_p = _unary("ceil", _INEXACT)
is_finite_p = _unary("is_finite", _INEXACT, dtypes.bool_)
signbit_p = _unary("signbit", _INEXACT, dtypes.bool_)
exp_p = _unary("exp", _INEXACT)
exp2_p = _unary("exp2", _INEXACT)
expm1_p = _unary("expm1", _INEXACT)
log_p = _unary("log", _INEXACT)
log1p_p = _unary("log1p", _INEXACT)
sin_p = _unary("sin", _INEXACT)
cos_p = _unary("cos", _INEXACT)
tan_p = _unary("tan", _INEXACT)
asin_p = _unary("asin", _INEXACT)
acos_p = _unary("acos", _INEXACT)
atan_p = _unary("atan", _INEXACT)
sinh_p = _unary("sinh", _INEXACT)
cosh_p = _unary("cosh", _INEXACT)
tanh_p = _unary("tanh", _INEXACT)
asinh_p = _unary("asinh", _INEXACT)
acosh_p = _unary("acosh", _INEXACT)
atanh_p = _unary("atanh", _INEXACT)
sqrt_p = _unary("sqrt", _INEXACT)
rsqrt_p = _unary("rsqrt", _INEXACT)
cbrt_p = _unary("cbrt", _INEXACT)
logistic_p = _unary("logistic", _INEXACT)
erf_p = _unary("erf", _INEXACT)
abs_p = _prim("abs")


@abs_p.def_abstract_eval
def _abs_rule(x: ShapedArray) -> ShapedArray:
    """The modulus: real, also of a complex operand (as ``np.abs`` and ``jax.lax.abs``)."""
    _check_kind("abs", x.dtype, _NUMERIC)
    if x.dtype.kind == "c":
        return ShapedArray(x.shape, np.finfo(x.dtype).dtype, x.weak_type)
    return x


not_p = _unary("not", _INT_OR_BOOL)
stop_gradient_p = _unary("stop_gradient", _ANY)

# round: rounding_method 0 = half away from zero, 1 = half to even (np.rint).
round_p = _prim("round")


@round_p.def_abstract_eval
def _round_rule(x: ShapedArray, *, rounding_method: int) -> ShapedArray:
    _check_kind("round", x.dtype, _INEXACT)
    if rounding_method not in (0, 1):
        raise _err(f"round: rounding_method must be 0 or 1, got {rounding_method}")
    return x


integer_pow_p = _prim("integer_pow")


@integer_pow_p.def_abstract_eval
def _integer_pow_rule(x: ShapedArray, *, y: int) -> ShapedArray:
    _check_kind("integer_pow", x.dtype, _NUMERIC)
    if not isinstance(y, int):
        raise _err(f"integer_pow: exponent must be a Python int, got {y!r}")
    if y < 0 and not dtypes.is_inexact(x.dtype):
        raise _err("integer_pow: negative exponent needs a floating-point operand")
    return x


@functools.lru_cache(maxsize=8192)
def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """NumPy broadcasting of shapes; raises ShapeError if incompatible."""
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for i in range(-ndim, 0):
        d = 1
        for s in shapes:
            if len(s) >= -i:
                di = s[i]
                if di != 1:
                    if d != 1 and d != di:
                        raise _err(
                            "shapes " + ", ".join(str(s) for s in shapes)
                            + " cannot be broadcast together")
                    d = di
        out.append(d)
    return tuple(out)


def _nary(name: str, kind: str, out_bool: bool = False) -> Primitive:
    p = _prim(name)

    def rule(*xs: ShapedArray) -> ShapedArray:
        x0 = xs[0]
        dt = x0.dtype
        for x in xs[1:]:
            if x.dtype != dt:
                raise _err(
                    f"{name} requires operands of equal dtype, got "
                    + ", ".join(x.dtype.name for x in xs)
                    + " (graphjit.numpy promotes for you; lax does not)")
        _check_kind(name, dt, kind)
        shape = x0.shape
        for x in xs[1:]:
            if x.shape != shape:
                shape = broadcast_shapes(*(x.shape for x in xs))
                break
        if out_bool:
            return ShapedArray(shape, dtypes.bool_, False)
        return ShapedArray(shape, dt, _weak(*xs))
    p.def_abstract_eval(rule)
    return p


add_p = _nary("add", _ANY)
sub_p = _nary("sub", _NUMERIC)
mul_p = _nary("mul", _ANY)
div_p = _nary("div", _NUMERIC)      # integer division rounds toward zero (C)
rem_p = _nary("rem", _NUMERIC)      # C fmod semantics: sign of the dividend
pow_p = _nary("pow", _INEXACT)
max_p = _nary("max", _ANY)
min_p = _nary("min", _ANY)
atan2_p = _nary("atan2", _INEXACT)
nextafter_p = _nary("nextafter", _INEXACT)
and_p = _nary("and", _INT_OR_BOOL)
or_p = _nary("or", _INT_OR_BOOL)
xor_p = _nary("xor", _INT_OR_BOOL)
shift_left_p = _nary("shift_left", _INT)
shift_right_arithmetic_p = _nary("shift_right_arithmetic", _INT)
shift_right_logical_p = _nary("shift_right_logical", _INT)
eq_p = _nary("eq", _ANY, out_bool=True)
ne_p = _nary("ne", _ANY, out_bool=True)
lt_p = _nary("lt", _ANY, out_bool=True)
le_p = _nary("le", _ANY, out_bool=True)
gt_p = _nary("gt", _ANY, out_bool=True)
ge_p = _nary("ge", _ANY, out_bool=True)

select_n_p = _prim("select_n")


@select_n_p.def_abstract_eval
def _select_n_rule(which: ShapedArray, *cases: ShapedArray) -> ShapedArray:
    if not cases:
        raise _err("select_n needs at least one case")
    if which.dtype != dtypes.bool_ and which.dtype.kind not in "iu":
        raise _err(f"select_n: selector must be bool or integer, got {which.dtype.name}")
    if which.dtype == dtypes.bool_ and len(cases) > 2:
        raise _err("select_n: a boolean selector allows at most two cases")
    dt = cases[0].dtype
    if any(c.dtype != dt for c in cases):
        raise _err("select_n: cases must have equal dtypes, got "
                   + ", ".join(c.dtype.name for c in cases))
    shape = broadcast_shapes(which.shape, *(c.shape for c in cases))
    return ShapedArray(shape, dt, _weak(*cases))


convert_element_type_p = _prim("convert_element_type")


@convert_element_type_p.def_abstract_eval
def _convert_rule(x: ShapedArray, *, new_dtype: np.dtype, weak_type: bool = False) -> ShapedArray:
    return ShapedArray(x.shape, new_dtype, weak_type)


# ---------------------------------------------------------------------------
# Reductions and cumulative ops


def _check_axes(name: str, ndim: int, axes: Sequence[int]) -> None:
    if len(set(axes)) != len(axes):
        raise _err(f"{name}: repeated axis in {tuple(axes)}")
    for a in axes:
        if not 0 <= a < ndim:
            raise _err(f"{name}: axis {a} is out of bounds for an array of dimension {ndim}")


def _reduce(name: str, kind: str) -> Primitive:
    p = _prim(name)

    def rule(x: ShapedArray, *, axes: tuple[int, ...]) -> ShapedArray:
        _check_kind(name, x.dtype, kind)
        _check_axes(name, x.ndim, axes)
        shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
        return ShapedArray(shape, x.dtype, x.weak_type)
    p.def_abstract_eval(rule)
    return p


reduce_sum_p = _reduce("reduce_sum", _ANY)
reduce_prod_p = _reduce("reduce_prod", _ANY)
reduce_max_p = _reduce("reduce_max", _ANY)
reduce_min_p = _reduce("reduce_min", _ANY)
reduce_and_p = _reduce("reduce_and", _INT_OR_BOOL)
reduce_or_p = _reduce("reduce_or", _INT_OR_BOOL)


def _argreduce(name: str) -> Primitive:
    p = _prim(name)

    def rule(x: ShapedArray, *, axis: int, index_dtype: np.dtype) -> ShapedArray:
        _check_axes(name, x.ndim, (axis,))
        if x.shape[axis] == 0:
            raise _err(f"{name}: attempt to get {name} of an empty sequence")
        shape = tuple(d for i, d in enumerate(x.shape) if i != axis)
        return ShapedArray(shape, index_dtype)
    p.def_abstract_eval(rule)
    return p


argmax_p = _argreduce("argmax")
argmin_p = _argreduce("argmin")


def _cumulative(name: str) -> Primitive:
    p = _prim(name)

    def rule(x: ShapedArray, *, axis: int, reverse: bool = False) -> ShapedArray:
        _check_axes(name, x.ndim, (axis,))
        return x
    p.def_abstract_eval(rule)
    return p


cumsum_p = _cumulative("cumsum")
cumprod_p = _cumulative("cumprod")
cummax_p = _cumulative("cummax")
cummin_p = _cumulative("cummin")
cumlogsumexp_p = _cumulative("cumlogsumexp")


# ---------------------------------------------------------------------------
# Shape manipulation

broadcast_in_dim_p = _prim("broadcast_in_dim")


@broadcast_in_dim_p.def_abstract_eval
def _bid_rule(x: ShapedArray, *, shape: tuple[int, ...],
              broadcast_dimensions: tuple[int, ...]) -> ShapedArray:
    if len(broadcast_dimensions) != x.ndim:
        raise _err(f"broadcast_in_dim: operand rank {x.ndim} but "
                   f"broadcast_dimensions {broadcast_dimensions}")
    if list(broadcast_dimensions) != sorted(set(broadcast_dimensions)):
        raise _err(f"broadcast_in_dim: broadcast_dimensions {broadcast_dimensions} "
                   "must be strictly increasing")
    for i, d in enumerate(broadcast_dimensions):
        if not 0 <= d < len(shape):
            raise _err(f"broadcast_in_dim: dimension {d} out of range for shape {shape}")
        if x.shape[i] != 1 and x.shape[i] != shape[d]:
            raise _err(f"broadcast_in_dim: cannot broadcast {x.shape} to {shape} "
                       f"with broadcast_dimensions {broadcast_dimensions}")
    return ShapedArray(shape, x.dtype, x.weak_type)


reshape_p = _prim("reshape")


@reshape_p.def_abstract_eval
def _reshape_rule(x: ShapedArray, *, new_sizes: tuple[int, ...]) -> ShapedArray:
    if any(d < 0 for d in new_sizes):
        raise _err(f"reshape: negative size in {new_sizes}")
    if math.prod(new_sizes) != math.prod(x.shape):
        raise _err(f"cannot reshape array of shape {x.shape} (size {math.prod(x.shape)}) "
                   f"into shape {new_sizes} (size {math.prod(new_sizes)})")
    return ShapedArray(new_sizes, x.dtype, x.weak_type)


transpose_p = _prim("transpose")


@transpose_p.def_abstract_eval
def _transpose_rule(x: ShapedArray, *, permutation: tuple[int, ...]) -> ShapedArray:
    if sorted(permutation) != list(range(x.ndim)):
        raise _err(f"transpose: permutation {permutation} is not a permutation of "
                   f"the {x.ndim} axes of an array of shape {x.shape}")
    return ShapedArray(tuple(x.shape[p] for p in permutation), x.dtype, x.weak_type)


squeeze_p = _prim("squeeze")


@squeeze_p.def_abstract_eval
def _squeeze_rule(x: ShapedArray, *, dimensions: tuple[int, ...]) -> ShapedArray:
    _check_axes("squeeze", x.ndim, dimensions)
    for d in dimensions:
        if x.shape[d] != 1:
            raise _err(f"cannot select an axis to squeeze out which has size not equal "
                       f"to one (axis {d} of shape {x.shape})")
    return ShapedArray(tuple(s for i, s in enumerate(x.shape) if i not in dimensions),
                       x.dtype, x.weak_type)


expand_dims_p = _prim("expand_dims")


@expand_dims_p.def_abstract_eval
def _expand_dims_rule(x: ShapedArray, *, dimensions: tuple[int, ...]) -> ShapedArray:
    nd = x.ndim + len(dimensions)
    _check_axes("expand_dims", nd, dimensions)
    it = iter(x.shape)
    shape = tuple(1 if i in dimensions else next(it) for i in range(nd))
    return ShapedArray(shape, x.dtype, x.weak_type)


rev_p = _prim("rev")


@rev_p.def_abstract_eval
def _rev_rule(x: ShapedArray, *, dimensions: tuple[int, ...]) -> ShapedArray:
    _check_axes("rev", x.ndim, dimensions)
    return x


concatenate_p = _prim("concatenate")


@concatenate_p.def_abstract_eval
def _concatenate_rule(*xs: ShapedArray, dimension: int) -> ShapedArray:
    if not xs:
        raise _err("need at least one array to concatenate")
    x0 = xs[0]
    if x0.ndim == 0:
        raise _err("zero-dimensional arrays cannot be concatenated")
    _check_axes("concatenate", x0.ndim, (dimension,))
    for x in xs[1:]:
        if x.dtype != x0.dtype:
            raise _err("concatenate: operands must have equal dtypes, got "
                       + ", ".join(x.dtype.name for x in xs))
        if x.ndim != x0.ndim or any(
                a != b for i, (a, b) in enumerate(zip(x.shape, x0.shape)) if i != dimension):
            raise _err(
                "all the input array dimensions except for the concatenation axis must "
                "match exactly, got shapes " + ", ".join(str(x.shape) for x in xs))
    shape = list(x0.shape)
    shape[dimension] = sum(x.shape[dimension] for x in xs)
    return ShapedArray(shape, x0.dtype, _weak(*xs))


pad_p = _prim("pad")


@pad_p.def_abstract_eval
def _pad_rule(x: ShapedArray, padding_value: ShapedArray, *,
              padding_config: tuple[tuple[int, int, int], ...]) -> ShapedArray:
    if padding_value.shape != ():
        raise _err("pad: padding_value must be a scalar")
    if padding_value.dtype != x.dtype:
        raise _err("pad: padding_value dtype must equal the operand's")
    if len(padding_config) != x.ndim:
        raise _err(f"pad: padding_config has {len(padding_config)} entries for rank {x.ndim}")
    shape = []
    for d, (lo, hi, interior) in zip(x.shape, padding_config):
        if interior < 0:
            raise _err("pad: interior padding must be non-negative")
        n = lo + hi + d + max(d - 1, 0) * interior
        if n < 0:
            raise _err(f"pad: negative dimension size {n}")
        shape.append(n)
    return ShapedArray(shape, x.dtype, x.weak_type)


slice_p = _prim("slice")


@slice_p.def_abstract_eval
def _slice_rule(x: ShapedArray, *, start_indices: tuple[int, ...],
                limit_indices: tuple[int, ...],
                strides: tuple[int, ...] | None = None) -> ShapedArray:
    strides = strides or (1,) * x.ndim
    if not (len(start_indices) == len(limit_indices) == len(strides) == x.ndim):
        raise _err("slice: start_indices, limit_indices and strides must match the rank")
    shape = []
    for d, s, lim, st in zip(x.shape, start_indices, limit_indices, strides):
        if not (0 <= s <= lim <= d) or st < 1:
            raise _err(f"slice: invalid slice [{s}:{lim}:{st}] of a dimension of size {d}")
        shape.append(max(0, -(-(lim - s) // st)))
    return ShapedArray(shape, x.dtype, x.weak_type)


dynamic_slice_p = _prim("dynamic_slice")


@dynamic_slice_p.def_abstract_eval
def _dynamic_slice_rule(x: ShapedArray, *idx: ShapedArray,
                        slice_sizes: tuple[int, ...]) -> ShapedArray:
    if len(idx) != x.ndim or len(slice_sizes) != x.ndim:
        raise _err(f"dynamic_slice: {len(idx)} indices and {len(slice_sizes)} sizes for "
                   f"an operand of rank {x.ndim}")
    for i in idx:
        if i.shape != () or i.dtype.kind not in "iu":
            raise _err("dynamic_slice: start indices must be integer scalars")
    for d, s in zip(x.shape, slice_sizes):
        if not 0 <= s <= d:
            raise _err(f"dynamic_slice: slice size {s} out of range for dimension {d}")
    return ShapedArray(slice_sizes, x.dtype, x.weak_type)


dynamic_update_slice_p = _prim("dynamic_update_slice")


@dynamic_update_slice_p.def_abstract_eval
def _dus_rule(x: ShapedArray, update: ShapedArray, *idx: ShapedArray) -> ShapedArray:
    if update.ndim != x.ndim or len(idx) != x.ndim:
        raise _err("dynamic_update_slice: update and indices must match the operand rank")
    if update.dtype != x.dtype:
        raise _err("dynamic_update_slice: update dtype must equal the operand's")
    for i in idx:
        if i.shape != () or i.dtype.kind not in "iu":
            raise _err("dynamic_update_slice: start indices must be integer scalars")
    for d, u in zip(x.shape, update.shape):
        if u > d:
            raise _err(f"dynamic_update_slice: update shape {update.shape} larger than "
                       f"operand shape {x.shape}")
    return x


iota_p = _prim("iota")


@iota_p.def_abstract_eval
def _iota_rule(*, dtype: np.dtype, shape: tuple[int, ...], dimension: int) -> ShapedArray:
    _check_axes("iota", len(shape), (dimension,))
    return ShapedArray(shape, dtype)


# ---------------------------------------------------------------------------
# Gather / scatter (XLA semantics; the index vector is the last axis of indices)


@dataclass(frozen=True)
class GatherDimensionNumbers:
    offset_dims: tuple[int, ...]
    collapsed_slice_dims: tuple[int, ...]
    start_index_map: tuple[int, ...]
    operand_batching_dims: tuple[int, ...] = ()
    start_indices_batching_dims: tuple[int, ...] = ()


@dataclass(frozen=True)
class ScatterDimensionNumbers:
    update_window_dims: tuple[int, ...]
    inserted_window_dims: tuple[int, ...]
    scatter_dims_to_operand_dims: tuple[int, ...]
    operand_batching_dims: tuple[int, ...] = ()
    scatter_indices_batching_dims: tuple[int, ...] = ()


GATHER_MODES = ("clip", "fill", "promise_in_bounds")
gather_p = _prim("gather")


@gather_p.def_abstract_eval
def _gather_rule(operand: ShapedArray, indices: ShapedArray, *,
                 dimension_numbers: GatherDimensionNumbers, slice_sizes: tuple[int, ...],
                 mode: str, fill_value: Any = None) -> ShapedArray:
    dn = dimension_numbers
    if indices.dtype.kind not in "iu":
        raise _err(f"gather: indices must be integers, got {indices.dtype.name}")
    if mode not in GATHER_MODES:
        raise _err(f"gather: mode must be one of {GATHER_MODES}, got {mode!r}")
    if indices.ndim < 1:
        raise _err("gather: indices must have at least one dimension (the index vector)")
    if indices.shape[-1] != len(dn.start_index_map):
        raise _err(f"gather: index vector length {indices.shape[-1]} != "
                   f"len(start_index_map) {len(dn.start_index_map)}")
    if len(slice_sizes) != operand.ndim:
        raise _err("gather: slice_sizes must have one entry per operand dimension")
    for s, d in zip(slice_sizes, operand.shape):
        if not 0 <= s <= d:
            raise _err(f"gather: slice size {s} out of range for dimension {d}")
    for d in dn.collapsed_slice_dims + dn.operand_batching_dims:
        if slice_sizes[d] != 1:
            raise _err(f"gather: collapsed/batching dimension {d} must have slice size 1")
    batch_shape = indices.shape[:-1]
    offset_sizes = [s for i, s in enumerate(slice_sizes)
                    if i not in dn.collapsed_slice_dims and i not in dn.operand_batching_dims]
    out_rank = len(batch_shape) + len(offset_sizes)
    if len(dn.offset_dims) != len(offset_sizes):
        raise _err("gather: offset_dims does not match the uncollapsed slice dimensions")
    _check_axes("gather offset_dims", out_rank, dn.offset_dims)
    if len(dn.operand_batching_dims) != len(dn.start_indices_batching_dims):
        raise _err("gather: operand_batching_dims and start_indices_batching_dims differ in length")
    for od, idim in zip(dn.operand_batching_dims, dn.start_indices_batching_dims):
        if operand.shape[od] != indices.shape[idim]:
            raise _err("gather: batching dimensions of operand and indices differ in size")
    shape = []
    bi, oi = iter(batch_shape), iter(offset_sizes)
    for i in range(out_rank):
        shape.append(next(oi) if i in dn.offset_dims else next(bi))
    return ShapedArray(shape, operand.dtype, operand.weak_type)


def _scatter(name: str) -> Primitive:
    p = _prim(name)

    def rule(operand: ShapedArray, indices: ShapedArray, updates: ShapedArray, *,
             dimension_numbers: ScatterDimensionNumbers, mode: str,
             indices_are_sorted: bool = False, unique_indices: bool = False) -> ShapedArray:
        dn = dimension_numbers
        if indices.dtype.kind not in "iu":
            raise _err(f"{name}: indices must be integers, got {indices.dtype.name}")
        if updates.dtype != operand.dtype:
            raise _err(f"{name}: updates dtype {updates.dtype.name} != operand dtype "
                       f"{operand.dtype.name}")
        if mode not in GATHER_MODES:
            raise _err(f"{name}: mode must be one of {GATHER_MODES}, got {mode!r}")
        if indices.ndim < 1 or indices.shape[-1] != len(dn.scatter_dims_to_operand_dims):
            raise _err(f"{name}: index vector length does not match "
                       "scatter_dims_to_operand_dims")
        scatter_dims = [i for i in range(updates.ndim) if i not in dn.update_window_dims]
        if [updates.shape[i] for i in scatter_dims] != list(indices.shape[:-1]):
            raise _err(f"{name}: updates shape {updates.shape} does not match indices "
                       f"batch shape {indices.shape[:-1]}")
        window_operand_dims = [i for i in range(operand.ndim)
                               if i not in dn.inserted_window_dims
                               and i not in dn.operand_batching_dims]
        if len(window_operand_dims) != len(dn.update_window_dims):
            raise _err(f"{name}: update_window_dims does not match the operand rank")
        for od, ud in zip(window_operand_dims, dn.update_window_dims):
            if updates.shape[ud] > operand.shape[od]:
                raise _err(f"{name}: update window larger than the operand")
        return operand
    p.def_abstract_eval(rule)
    return p


scatter_p = _scatter("scatter")
scatter_add_p = _scatter("scatter_add")
scatter_mul_p = _scatter("scatter_mul")
scatter_min_p = _scatter("scatter_min")
scatter_max_p = _scatter("scatter_max")


# ---------------------------------------------------------------------------
# Contractions, convolutions, windows


class Precision(enum.Enum):
    """Precision of a contraction's operands on accelerators, as ``jax.lax.Precision``.

    ``DEFAULT`` is the fastest (bfloat16 passes on TPU, TensorFloat-32 on recent
    GPUs), ``HIGH`` in between, ``HIGHEST`` full float32.  CPUs (and the NumPy
    backend) compute float32 fully whatever is asked.  Strings name members
    too, as in JAX: ``Precision('highest')``; aliases ``'float32'``
    (HIGHEST), ``'tensorfloat32'``/``'bfloat16_3x'`` (HIGH), ``'bfloat16'``/
    ``'fastest'`` (DEFAULT).

    >>> Precision("tensorfloat32")
    Precision.HIGH
    """

    DEFAULT = 0
    HIGH = 1
    HIGHEST = 2

    @classmethod
    def _missing_(cls, value: object) -> Precision | None:
        return _PRECISION_STRINGS.get(value)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"Precision.{self.name}"

    def __str__(self) -> str:
        return self.name


_PRECISION_STRINGS: dict[Any, Precision] = {
    "highest": Precision.HIGHEST, "float32": Precision.HIGHEST,
    "high": Precision.HIGH, "bfloat16_3x": Precision.HIGH, "tensorfloat32": Precision.HIGH,
    "default": Precision.DEFAULT, "bfloat16": Precision.DEFAULT, "fastest": Precision.DEFAULT,
    None: Precision.DEFAULT,
}

def _one_precision(p: Any) -> Precision | None:
    """One operand's precision, or None if ``p`` is not a precision (no pairs here)."""
    if isinstance(p, Precision):
        return p
    if isinstance(p, str):
        return _PRECISION_STRINGS.get(p)
    if isinstance(p, enum.Enum) and type(p).__name__ == "Precision" \
            and p.name in Precision.__members__:
        return Precision[p.name]   # jax.lax.Precision: the same members
    return None


def canonicalize_precision(precision: Any) -> tuple[Precision, Precision] | None:
    """The ``precision`` param of ``dot_general``/``conv_general_dilated``: None or a pair.

    Accepts what ``jax.lax`` accepts: None, a ``Precision`` (ours or
    ``jax.lax.Precision``), one of the strings of ``Precision``, or a pair
    (lhs, rhs) of two ``Precision`` values or two strings.  Anything else is a
    ``ValueError`` naming the user's line.

    >>> canonicalize_precision("highest")
    (Precision.HIGHEST, Precision.HIGHEST)
    """
    if precision is None:
        return None
    if not isinstance(precision, (list, tuple)):
        p = _one_precision(precision)
        if p is not None:
            return p, p
    elif len(precision) == 2:
        a, b = precision
        same_kind = (isinstance(a, str) and isinstance(b, str)) or \
            (not isinstance(a, str) and not isinstance(b, str))
        pa, pb = _one_precision(a), _one_precision(b)
        if same_kind and pa is not None and pb is not None:
            return pa, pb
    names = ", ".join(repr(s) for s in _PRECISION_STRINGS if s is not None)
    raise ValueError(f"precision must be None, a lax.Precision (DEFAULT, HIGH, HIGHEST), "
                     f"one of the strings {names}, or a pair (lhs, rhs) of two "
                     f"lax.Precision values or two such strings; got {precision!r} "
                     f"(at {user_location()})")


def _check_precision(name: str, precision: Any) -> None:
    if precision is not None and not (
            isinstance(precision, tuple) and len(precision) == 2
            and all(isinstance(p, Precision) for p in precision)):
        raise _err(f"{name}: the precision param must be None or a pair of Precision, "
                   f"got {precision!r} (canonicalize_precision makes one)")


dot_general_p = _prim("dot_general")


@dot_general_p.def_abstract_eval
def _dot_general_rule(lhs: ShapedArray, rhs: ShapedArray, *,
                      dimension_numbers: tuple, precision: Any = None,
                      preferred_element_type: Any = None) -> ShapedArray:
    _check_precision("dot_general", precision)
    (lc, rc), (lb, rb) = dimension_numbers
    if lhs.dtype != rhs.dtype:
        raise _err(f"dot_general requires equal dtypes, got {lhs.dtype.name} and "
                   f"{rhs.dtype.name}")
    if len(lc) != len(rc) or len(lb) != len(rb):
        raise _err("dot_general: contracting/batch dimension lists differ in length")
    _check_axes("dot_general", lhs.ndim, tuple(lc) + tuple(lb))
    _check_axes("dot_general", rhs.ndim, tuple(rc) + tuple(rb))
    for a, b in zip(lc, rc):
        if lhs.shape[a] != rhs.shape[b]:
            raise _err(f"dot_general: contracting dimensions have different sizes: "
                       f"{lhs.shape} (axis {a}) and {rhs.shape} (axis {b}); "
                       "matmul needs the last axis of the left operand to equal the "
                       "second-to-last axis of the right one")
    for a, b in zip(lb, rb):
        if lhs.shape[a] != rhs.shape[b]:
            raise _err(f"dot_general: batch dimensions differ in size: {lhs.shape} "
                       f"(axis {a}) and {rhs.shape} (axis {b})")
    batch = [lhs.shape[a] for a in lb]
    lfree = [d for i, d in enumerate(lhs.shape) if i not in lc and i not in lb]
    rfree = [d for i, d in enumerate(rhs.shape) if i not in rc and i not in rb]
    dt = lhs.dtype if preferred_element_type is None else preferred_element_type
    return ShapedArray(batch + lfree + rfree, dt, lhs.weak_type and rhs.weak_type)


conv_general_dilated_p = _prim("conv_general_dilated")


@conv_general_dilated_p.def_abstract_eval
def _conv_rule(lhs: ShapedArray, rhs: ShapedArray, *, window_strides: tuple[int, ...],
               padding: tuple[tuple[int, int], ...], lhs_dilation: tuple[int, ...],
               rhs_dilation: tuple[int, ...], dimension_numbers: tuple,
               feature_group_count: int = 1, batch_group_count: int = 1,
               precision: Any = None, preferred_element_type: Any = None) -> ShapedArray:
    _check_precision("conv_general_dilated", precision)
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    if lhs.dtype != rhs.dtype:
        raise _err(f"conv_general_dilated requires equal dtypes, got {lhs.dtype.name} "
                   f"and {rhs.dtype.name}")
    nsp = lhs.ndim - 2
    if rhs.ndim != lhs.ndim or len(window_strides) != nsp or len(padding) != nsp:
        raise _err(f"conv_general_dilated: lhs {lhs.shape}, rhs {rhs.shape}, "
                   f"{len(window_strides)} strides and {len(padding)} paddings disagree")
    n, c = lhs.shape[lhs_spec[0]], lhs.shape[lhs_spec[1]]
    o, i = rhs.shape[rhs_spec[0]], rhs.shape[rhs_spec[1]]
    if c != i * feature_group_count:
        raise _err(f"conv_general_dilated: lhs has {c} input features but rhs expects "
                   f"{i} x feature_group_count {feature_group_count}")
    if o % feature_group_count or o % batch_group_count or n % batch_group_count:
        raise _err("conv_general_dilated: feature/batch group counts must divide sizes")
    out = [0] * lhs.ndim
    out[out_spec[0]] = n // batch_group_count
    out[out_spec[1]] = o
    spatial = window_output_shape([lhs.shape[d] for d in lhs_spec[2:]],
                                  [rhs.shape[d] for d in rhs_spec[2:]], window_strides,
                                  padding, lhs_dilation, rhs_dilation)
    for d, size in zip(out_spec[2:], spatial):
        out[d] = size
    dt = lhs.dtype if preferred_element_type is None else preferred_element_type
    return ShapedArray(out, dt)


def _dilated(d: int, dilation: int) -> int:
    return 0 if d == 0 else (d - 1) * dilation + 1


def window_output_shape(in_shape: Sequence[int], window: Sequence[int],
                        strides: Sequence[int], padding: Sequence[tuple[int, int]],
                        base_dilation: Sequence[int], window_dilation: Sequence[int]
                        ) -> tuple[int, ...]:
    """Sizes of a sliding window's output: the shape rule of convolutions and reduce_window.

    Per dimension: the input dilated and padded, the window dilated, then
    ``(input - window) // stride + 1`` positions (0 when the window does not fit).
    """
    out = []
    for d, w, s, (lo, hi), bd, wd in zip(in_shape, window, strides, padding, base_dilation,
                                        window_dilation):
        d_in = _dilated(int(d), int(bd)) + int(lo) + int(hi)
        d_w = _dilated(int(w), int(wd))
        out.append((d_in - d_w) // int(s) + 1 if d_in >= d_w else 0)
    return tuple(out)


def _reduce_window(name: str) -> Primitive:
    p = _prim(name)

    def rule(x: ShapedArray, *, window_dimensions: tuple[int, ...],
             window_strides: tuple[int, ...], padding: tuple[tuple[int, int], ...],
             base_dilation: tuple[int, ...], window_dilation: tuple[int, ...]) -> ShapedArray:
        if not (len(window_dimensions) == len(window_strides) == len(padding)
                == len(base_dilation) == len(window_dilation) == x.ndim):
            raise _err(f"{name}: window parameters must have one entry per dimension "
                       f"of the operand (rank {x.ndim})")
        shape = window_output_shape(x.shape, window_dimensions, window_strides, padding,
                                    base_dilation, window_dilation)
        return ShapedArray(shape, x.dtype, x.weak_type)
    p.def_abstract_eval(rule)
    return p


reduce_window_sum_p = _reduce_window("reduce_window_sum")
reduce_window_max_p = _reduce_window("reduce_window_max")
reduce_window_min_p = _reduce_window("reduce_window_min")


# ---------------------------------------------------------------------------
# Sorting

sort_p = _prim("sort", multiple_results=True)


@sort_p.def_abstract_eval
def _sort_rule(*xs: ShapedArray, dimension: int, is_stable: bool = True,
               num_keys: int = 1) -> list[ShapedArray]:
    if not xs:
        raise _err("sort needs at least one operand")
    _check_axes("sort", xs[0].ndim, (dimension,))
    if any(x.shape != xs[0].shape for x in xs):
        raise _err("sort: all operands must have the same shape")
    if not 1 <= num_keys <= len(xs):
        raise _err("sort: num_keys out of range")
    return list(xs)


top_k_p = _prim("top_k", multiple_results=True)


@top_k_p.def_abstract_eval
def _top_k_rule(x: ShapedArray, *, k: int) -> list[ShapedArray]:
    if x.ndim < 1:
        raise _err("top_k needs an operand of rank at least 1")
    if not 0 <= k <= x.shape[-1]:
        raise _err(f"top_k: k={k} out of range for last dimension {x.shape[-1]}")
    shape = x.shape[:-1] + (k,)
    return [ShapedArray(shape, x.dtype), ShapedArray(shape, dtypes.int32)]


# ---------------------------------------------------------------------------
# Structured control flow: sub-graphs (ClosedGraph) live in params.


def _same_avals(a: Sequence[ShapedArray], b: Sequence[ShapedArray]) -> bool:
    return len(a) == len(b) and all(
        x.shape == y.shape and x.dtype == y.dtype for x, y in zip(a, b))


def _fmt(avals: Sequence[ShapedArray]) -> str:
    return "(" + ", ".join(a.str_short() for a in avals) + ")"


cond_p = _prim("cond", multiple_results=True)


@cond_p.def_abstract_eval
def _cond_rule(index: ShapedArray, *args: ShapedArray, branches: tuple) -> list[ShapedArray]:
    if index.shape != () or index.dtype.kind not in "iu":
        raise _err(f"cond: branch index must be an integer scalar, got {index.str_short()}")
    outs = branches[0].out_avals
    for k, br in enumerate(branches):
        if not _same_avals(br.in_avals, args):
            raise _err(f"cond: branch {k} takes {_fmt(br.in_avals)} but operands are "
                       f"{_fmt(args)}")
        if not _same_avals(br.out_avals, outs):
            raise _err(f"cond: branches must return the same types; branch 0 returns "
                       f"{_fmt(outs)}, branch {k} returns {_fmt(br.out_avals)}")
    return [a.strip_weak() for a in outs]


while_p = _prim("while", multiple_results=True)


@while_p.def_abstract_eval
def _while_rule(*args: ShapedArray, cond_graph: Any, body_graph: Any, cond_nconsts: int,
                body_nconsts: int, max_iterations: int | None = None) -> list[ShapedArray]:
    # max_iterations (optional): the loop stops after at most that many trips.
    carry = args[cond_nconsts + body_nconsts:]
    cconsts = args[:cond_nconsts]
    bconsts = args[cond_nconsts:cond_nconsts + body_nconsts]
    if not _same_avals(cond_graph.in_avals, list(cconsts) + list(carry)):
        raise _err(f"while_loop: cond_fun takes {_fmt(cond_graph.in_avals)} but the "
                   f"carry is {_fmt(carry)}")
    co = cond_graph.out_avals
    if len(co) != 1 or co[0].shape != () or co[0].dtype != dtypes.bool_:
        raise _err(f"while_loop: cond_fun must return a boolean scalar, got {_fmt(co)}")
    if not _same_avals(body_graph.in_avals, list(bconsts) + list(carry)):
        raise _err(f"while_loop: body_fun takes {_fmt(body_graph.in_avals)} but the "
                   f"carry is {_fmt(carry)}")
    if not _same_avals(body_graph.out_avals, carry):
        raise _err(f"while_loop: body_fun must return the carry's type {_fmt(carry)}, "
                   f"got {_fmt(body_graph.out_avals)}")
    return [a.strip_weak() for a in carry]


scan_p = _prim("scan", multiple_results=True)


@scan_p.def_abstract_eval
def _scan_rule(*args: ShapedArray, graph: Any, num_consts: int, num_carry: int, length: int,
               reverse: bool = False, unroll: int = 1) -> list[ShapedArray]:
    consts = args[:num_consts]
    carry = args[num_consts:num_consts + num_carry]
    xs = args[num_consts + num_carry:]
    for x in xs:
        if x.ndim < 1 or x.shape[0] != length:
            raise _err(f"scan: every xs leaf must have leading axis of length {length}, "
                       f"got {x.str_short()}")
    x_avals = [ShapedArray(x.shape[1:], x.dtype) for x in xs]
    if not _same_avals(graph.in_avals, list(consts) + list(carry) + x_avals):
        raise _err(f"scan: body takes {_fmt(graph.in_avals)} but gets "
                   f"{_fmt(list(consts) + list(carry) + x_avals)}")
    outs = graph.out_avals
    if not _same_avals(outs[:num_carry], carry):
        raise _err(f"scan: body must return the carry's type {_fmt(carry)}, got "
                   f"{_fmt(outs[:num_carry])}")
    ys = [ShapedArray((length,) + y.shape, y.dtype) for y in outs[num_carry:]]
    return [a.strip_weak() for a in carry] + ys


# ---------------------------------------------------------------------------
# Custom derivatives and rematerialization (transforms/custom.py, transforms/remat.py).
# Each holds a const-free ClosedGraph (closed-over values are leading operands);
# the custom calls also hold the user's rule functions and tree info in params.


def _call_graph_rule(name: str, key: str) -> Callable[..., list[ShapedArray]]:
    def rule(*args: ShapedArray, **params: Any) -> list[ShapedArray]:
        graph = params[key]
        if not _same_avals(graph.in_avals, args):
            raise _err(f"{name}: the graph takes {_fmt(graph.in_avals)} but the operands are "
                       f"{_fmt(args)}")
        return [a.strip_weak() for a in graph.out_avals]
    rule.__name__ = f"_{name}_rule"
    rule.__qualname__ = rule.__name__
    return rule


custom_jvp_call_p = _prim("custom_jvp_call", multiple_results=True)
custom_jvp_call_p.def_abstract_eval(_call_graph_rule("custom_jvp_call", "call"))
custom_vjp_call_p = _prim("custom_vjp_call", multiple_results=True)
custom_vjp_call_p.def_abstract_eval(_call_graph_rule("custom_vjp_call", "call"))
checkpoint_p = _prim("checkpoint", multiple_results=True)
checkpoint_p.def_abstract_eval(_call_graph_rule("checkpoint", "graph"))
# ``jit`` under another transform: one equation holding the function's const-free graph
# (params: graph, name); transforms rewrite the held graph (DESIGN.md section 3).
call_p = _prim("call", multiple_results=True)
call_p.def_abstract_eval(_call_graph_rule("call", "graph"))


# ---------------------------------------------------------------------------
# Special functions (``jax.lax``'s lgamma, digamma, erf_inv, erfc): elementwise,
# floating-point, used by ``tracer.scipy.special``.  XLA lowers them to the CHLO
# ops of the same names; the NumPy backend's impls are in backends/numpy_special.py.

lgamma_p = _unary("lgamma", _INEXACT)
digamma_p = _unary("digamma", _INEXACT)
erf_inv_p = _unary("erf_inv", _INEXACT)
erfc_p = _unary("erfc", _INEXACT)
