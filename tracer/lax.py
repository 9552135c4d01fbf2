"""``tracer.lax``: low-level ops and structured control flow, as ``jax.lax``.

Names and signatures follow ``jax.lax`` so that a JAX user switches by
changing an import.  Everything is written with ``bind`` on the primitives of
``tracer.primitives``, so the same code runs eagerly (NumPy backend), records
under ``make_graph``/``jit``, and nests inside other control flow.

Low-level ops do **not** promote: operands must have equal dtypes, as in
``jax.lax``.  The one convenience, also as in ``jax.lax``: a Python scalar (or
a weakly-typed traced value, which stands for one) takes the dtype of the
other operands, so ``lax.add(x_f32, 1.0)`` is float32.

Structured control flow (``cond``, ``switch``, ``while_loop``, ``fori_loop``,
``scan``, ``map``) traces each body **once**, abstractly, into a sub-graph
held in the equation's params:

* values the body closes over (concrete arrays, or tracers of an enclosing
  recorder after closure conversion) become *leading operands* of the
  equation, and the sub-graph takes them as its first invars; the
  ``ClosedGraph`` in params therefore has no consts of its own;
* ``cond``/``switch`` branches all take the same operands: the union of the
  branches' closed-over values, then the user's operands;
* carries are pytrees; their types (shape and dtype) must not change.  Weak
  types adapt as in JAX: a weakly-typed initial carry (``0.0``) is promoted to
  the dtype the body returns (and the body retraced once), and a weakly-typed
  body output (``return 1.0``) is converted to the carry's dtype.  Branch
  outputs of ``cond`` agree by the same rule.

Type errors (branches returning different types, a body changing the carry's
type, ``xs`` of inconsistent lengths, ...) are ``ShapeError``s naming the
user's line.

Decisions where ``jax.lax`` is silent or different here:

* ``lax.map``'s ``batch_size`` is accepted and does not change results (it is
  a performance hint in JAX); the loop runs one element at a time.
* ``reduce_window`` and ``reduce`` accept the monoids ``lax.add``,
  ``lax.max`` and ``lax.min`` (``reduce`` also ``lax.mul``,
  ``lax.bitwise_and``/``or``); a non-identity ``init_value`` is combined once
  with each reduction (XLA semantics: padding and dilation holes are skipped).
* ``precision`` (``dot_general``, ``dot``, ``conv_general_dilated``, ``conv``
  and ``tnp``'s contractions) takes what JAX takes -- None, a ``Precision``,
  a string such as ``'highest'`` or ``'tensorfloat32'``, or an (lhs, rhs)
  pair -- and is stored on the equation as None or a pair of ``Precision``;
  derivatives and batched versions of the op carry it unchanged.  The XLA
  backend emits it as the op's ``precision_config`` (None: ``HIGHEST`` on both
  operands, so results do not depend on the accelerator's fast modes unless
  asked).  The NumPy backend computes at full precision whatever is asked.
  ``DotAlgorithm`` presets are not supported.
* ``conv_general_shape_tuple`` also takes ``None`` and index-tuple
  ``dimension_numbers`` (anything ``conv_general_dilated`` takes), and
  ``reduce_window_shape_tuple`` also takes a padding string, resolved as
  ``reduce_window`` resolves it.
* ``while_loop`` takes an optional ``max_iterations=N`` (not in JAX): the loop
  stops after at most N iterations, and with it reverse-mode differentiation
  works (as through a ``scan`` of length N); without it, as in JAX, only
  forward mode does.

>>> import numpy as np
>>> from tracer import lax
>>> lax.fori_loop(0, 5, lambda i, acc: acc + i, 0)
Array(10, dtype=int64)
"""
from __future__ import annotations

import builtins
import enum
import math
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np
from jax import tree_util

from tracer import dtypes
from tracer import primitives as P
from tracer.errors import ConcretizationError, ShapeError
from tracer.graphs import lead_invars, trace_to_graph
from tracer.ir import (Equation, Graph, Literal, Params, ShapedArray, Var,
                       user_location, user_source)
from tracer.primitives import (GatherDimensionNumbers, Precision, ScatterDimensionNumbers,
                               canonicalize_precision)
from tracer.tracing import Tracer, bind

Array = Any
ArrayLike = Any
DTypeLike = Any

__all__ = [
    # control flow
    "cond", "switch", "while_loop", "fori_loop", "scan", "map", "stop_gradient",
    # elementwise
    "add", "sub", "mul", "div", "rem", "pow", "max", "min", "neg", "abs", "sign", "floor",
    "ceil", "round", "RoundingMethod", "exp", "exp2", "expm1", "log", "log1p", "sin", "cos",
    "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "asinh", "acosh",
    "atanh", "sqrt", "rsqrt", "cbrt", "logistic", "erf", "integer_pow", "square",
    "reciprocal", "is_finite", "nextafter", "eq", "ne", "lt", "le", "gt", "ge",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "shift_left",
    "shift_right_logical", "shift_right_arithmetic", "select", "select_n", "clamp",
    "convert_element_type",
    # shapes
    "broadcast_in_dim", "broadcast", "reshape", "transpose", "squeeze", "expand_dims", "rev",
    "concatenate", "pad", "slice", "slice_in_dim", "index_in_dim", "collapse",
    "dynamic_slice", "dynamic_update_slice", "dynamic_index_in_dim", "dynamic_slice_in_dim",
    "dynamic_update_slice_in_dim", "dynamic_update_index_in_dim", "iota", "broadcasted_iota",
    "full", "full_like",
    # contractions, convolutions, windows
    "dot_general", "dot", "Precision", "conv_general_dilated", "conv", "ConvDimensionNumbers",
    "conv_dimension_numbers", "conv_general_shape_tuple", "padtype_to_pads", "reduce_window",
    "reduce_window_shape_tuple",
    # reductions, cumulative, sorting
    "reduce", "reduce_sum", "reduce_prod", "reduce_max", "reduce_min", "reduce_and",
    "reduce_or", "argmax", "argmin", "cumsum", "cumprod", "cummax", "cummin",
    "cumlogsumexp", "sort", "sort_key_val", "top_k",
    # gather / scatter
    "gather", "scatter", "scatter_add", "scatter_mul", "scatter_min", "scatter_max",
    "GatherDimensionNumbers", "ScatterDimensionNumbers", "GatherScatterMode",
]

_PY_SCALARS = (bool, int, float, complex)


# ---------------------------------------------------------------------------
# Value helpers (static arithmetic only; traced values go through bind)


def _aval(x: Any, what: str = "argument") -> ShapedArray:
    """The abstract value of an array-like (Python scalars are weak)."""
    t = type(x)
    if t is Tracer:
        return x.aval
    if t in _PY_SCALARS:
        return ShapedArray((), dtypes.python_scalar_dtype(x), True)
    if isinstance(x, ShapedArray):
        return x
    aval = getattr(x, "aval", None)
    if isinstance(aval, ShapedArray):
        return aval
    try:
        arr = np.asarray(x)
    except Exception:  # noqa: BLE001 - anything NumPy refuses is not an array
        arr = None
    if arr is None or arr.dtype == object or arr.dtype.kind in "USV":
        raise TypeError(f"{what} of type {type(x).__name__} is not a valid array value "
                        f"(at {user_location()})")
    return ShapedArray(arr.shape, arr.dtype)


def _is_weak(x: Any) -> bool:
    t = type(x)
    if t in _PY_SCALARS:
        return True
    if t is Tracer:
        return x.aval.weak_type
    return False


def _is_traced(x: Any) -> bool:
    """A value that must go through bind (tracer or graphjit Array)."""
    return type(x) is Tracer or (hasattr(x, "aval") and not isinstance(
        x, (np.ndarray, np.generic)))


def _arr(x: Any) -> Any:
    """An operand for bind: tracers/arrays unchanged, Python data as NumPy."""
    if type(x) is Tracer or isinstance(x, (np.ndarray, np.generic)) or hasattr(x, "aval"):
        return x
    if type(x) in _PY_SCALARS:
        return np.asarray(x)
    arr = np.asarray(x)
    if arr.dtype == object or arr.dtype.kind in "USV":
        raise TypeError(f"lax: {type(x).__name__} is not a valid array value "
                        f"(at {user_location()})")
    return arr


def _scalar(value: Any, dtype: np.dtype) -> np.generic:
    """A NumPy scalar of ``dtype`` (static conversion of a Python value)."""
    try:
        with np.errstate(all="ignore"):
            return np.asarray(value).astype(dtype)[()]
    except (OverflowError, ValueError, TypeError) as e:
        raise TypeError(f"cannot convert {value!r} to {dtype.name}: {e} "
                        f"(at {user_location()})") from None


def _to_dtype(x: Any, dtype: np.dtype) -> Any:
    """``x`` as ``dtype``: static for Python/NumPy scalars, ``convert_element_type`` else."""
    if type(x) in _PY_SCALARS or isinstance(x, np.generic):
        return _scalar(x, dtype)
    if isinstance(x, np.ndarray):
        return x if x.dtype == dtype else x.astype(dtype)
    a = _aval(x)
    if a.dtype == dtype:
        return x
    return bind(P.convert_element_type_p, x, new_dtype=dtype, weak_type=False)


def _match(*args: Any, name: str | None = None) -> list[Any]:
    """Give weakly-typed operands (Python scalars) the dtype of the strong ones.

    lax does not promote: with ``name``, strong operands of different dtypes
    raise a ``ShapeError`` naming the user's line (eagerly too, where no shape
    rule runs).
    """
    dt = None
    for a in args:
        if not _is_weak(a):
            dt = _aval(a).dtype
            break
    if dt is None:
        dt = dtypes.result_type(*args)
    out = []
    for a in args:
        if _is_weak(a):
            out.append(_to_dtype(a, dt))
        else:
            a = _arr(a)
            if name is not None and a.dtype != dt:
                raise ShapeError(
                    f"lax.{name} requires arguments of equal dtype, got "
                    + ", ".join(_aval(x).dtype.name for x in args)
                    + f" (tracer.numpy promotes for you; lax does not) (at {user_location()})")
            out.append(a)
    return out


def _same_dtype(name: str, *xs: Any) -> None:
    """lax requires equal dtypes; checked here so that eager calls report it too."""
    dts = [_aval(x).dtype for x in xs]
    if any(d != dts[0] for d in dts):
        raise ShapeError(f"lax.{name} requires arguments of equal dtype, got "
                         + ", ".join(d.name for d in dts)
                         + f" (tracer.numpy promotes for you; lax does not) "
                         f"(at {user_location()})")


def _canon_axis(axis: int, ndim: int, what: str = "axis") -> int:
    a = int(axis)
    if not -ndim <= a < builtins.max(ndim, 1):
        raise ShapeError(f"{what} {a} is out of bounds for an array of rank {ndim} "
                         f"(at {user_location()})")
    return a % ndim if ndim else 0


def _ints(xs: Sequence[Any], what: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in xs)
    except ConcretizationError:
        raise
    except TypeError:
        raise TypeError(f"{what} must be a sequence of static integers, got {xs!r} "
                        f"(at {user_location()})") from None


# ---------------------------------------------------------------------------
# Elementwise ops


def _unary_fn(prim: P.Primitive, name: str, doc: str) -> Callable[[ArrayLike], Array]:
    def fn(x: ArrayLike) -> Array:
        return bind(prim, _arr(x))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def _binary_fn(prim: P.Primitive, name: str, doc: str) -> Callable[[ArrayLike, ArrayLike], Array]:
    def fn(x: ArrayLike, y: ArrayLike) -> Array:
        x, y = _match(x, y, name=name)
        return bind(prim, x, y)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def _udoc(name: str, what: str, arg: str, out: str) -> str:
    return (f"Elementwise {what}, like ``jax.lax.{name}``.\n\n"
            f">>> lax.{name}({arg})\n{out}\n")


def _bdoc(name: str, what: str, args: str, out: str) -> str:
    return (f"Elementwise {what}, like ``jax.lax.{name}`` (operands of equal dtype; "
            f"Python scalars take the other operand's dtype).\n\n"
            f">>> lax.{name}({args})\n{out}\n")


_F = "np.array([0.0, 1.0])"
_G = "np.array([0.5])"
neg = _unary_fn(P.neg_p, "neg", _udoc("neg", "negation", _F, "Array([-0., -1.], dtype=float64)"))
sign = _unary_fn(P.sign_p, "sign", _udoc("sign", "sign", "np.array([-2, 0, 3])",
                                         "Array([-1,  0,  1], dtype=int64)"))
floor = _unary_fn(P.floor_p, "floor", _udoc("floor", "floor", "np.array([-1.5, 1.5])",
                                            "Array([-2.,  1.], dtype=float64)"))
ceil = _unary_fn(P.ceil_p, "ceil", _udoc("ceil", "ceiling", "np.array([-1.5, 1.5])",
                                         "Array([-1.,  2.], dtype=float64)"))
is_finite = _unary_fn(P.is_finite_p, "is_finite", _udoc(
    "is_finite", "finiteness test", "np.array([1.0, np.inf, np.nan])",
    "Array([ True, False, False], dtype=bool)"))
exp = _unary_fn(P.exp_p, "exp", _udoc("exp", "exponential", _F,
                                      "Array([1.        , 2.71828183], dtype=float64)"))
exp2 = _unary_fn(P.exp2_p, "exp2", _udoc("exp2", "base-2 exponential", _F,
                                         "Array([1., 2.], dtype=float64)"))
expm1 = _unary_fn(P.expm1_p, "expm1", _udoc("expm1", "``exp(x) - 1``", _F,
                                            "Array([0.        , 1.71828183], dtype=float64)"))
log = _unary_fn(P.log_p, "log", _udoc("log", "natural logarithm", "np.array([1.0])",
                                      "Array([0.], dtype=float64)"))
log1p = _unary_fn(P.log1p_p, "log1p", _udoc("log1p", "``log(1 + x)``", "np.array([0.0])",
                                            "Array([0.], dtype=float64)"))
sin = _unary_fn(P.sin_p, "sin", _udoc("sin", "sine", _F,
                                      "Array([0.        , 0.84147098], dtype=float64)"))
cos = _unary_fn(P.cos_p, "cos", _udoc("cos", "cosine", _F,
                                      "Array([1.        , 0.54030231], dtype=float64)"))
tan = _unary_fn(P.tan_p, "tan", _udoc("tan", "tangent", _F,
                                      "Array([0.        , 1.55740772], dtype=float64)"))
asin = _unary_fn(P.asin_p, "asin", _udoc("asin", "arcsine", _G,
                                         "Array([0.52359878], dtype=float64)"))
acos = _unary_fn(P.acos_p, "acos", _udoc("acos", "arccosine", _G,
                                         "Array([1.04719755], dtype=float64)"))
atan = _unary_fn(P.atan_p, "atan", _udoc("atan", "arctangent", "np.array([1.0])",
                                         "Array([0.78539816], dtype=float64)"))
sinh = _unary_fn(P.sinh_p, "sinh", _udoc("sinh", "hyperbolic sine", "np.array([0.0])",
                                         "Array([0.], dtype=float64)"))
cosh = _unary_fn(P.cosh_p, "cosh", _udoc("cosh", "hyperbolic cosine", "np.array([0.0])",
                                         "Array([1.], dtype=float64)"))
tanh = _unary_fn(P.tanh_p, "tanh", _udoc("tanh", "hyperbolic tangent", "np.array([0.0])",
                                         "Array([0.], dtype=float64)"))
asinh = _unary_fn(P.asinh_p, "asinh", _udoc("asinh", "inverse hyperbolic sine",
                                            "np.array([0.0])", "Array([0.], dtype=float64)"))
acosh = _unary_fn(P.acosh_p, "acosh", _udoc("acosh", "inverse hyperbolic cosine",
                                            "np.array([1.0])", "Array([0.], dtype=float64)"))
atanh = _unary_fn(P.atanh_p, "atanh", _udoc("atanh", "inverse hyperbolic tangent",
                                            "np.array([0.0])", "Array([0.], dtype=float64)"))
sqrt = _unary_fn(P.sqrt_p, "sqrt", _udoc("sqrt", "square root", "np.array([4.0])",
                                         "Array([2.], dtype=float64)"))
rsqrt = _unary_fn(P.rsqrt_p, "rsqrt", _udoc("rsqrt", "reciprocal square root",
                                            "np.array([4.0])", "Array([0.5], dtype=float64)"))
cbrt = _unary_fn(P.cbrt_p, "cbrt", _udoc("cbrt", "cube root", "np.array([8.0])",
                                         "Array([2.], dtype=float64)"))
logistic = _unary_fn(P.logistic_p, "logistic", _udoc(
    "logistic", "logistic sigmoid ``1 / (1 + exp(-x))``", "np.array([0.0])",
    "Array([0.5], dtype=float64)"))
erf = _unary_fn(P.erf_p, "erf", _udoc("erf", "error function", "np.array([0.0])",
                                      "Array([0.], dtype=float64)"))
abs = _unary_fn(P.abs_p, "abs", _udoc("abs", "absolute value", "np.array([-2, 3])",  # noqa: A001
                                      "Array([2, 3], dtype=int64)"))
bitwise_not = _unary_fn(P.not_p, "bitwise_not", _udoc(
    "bitwise_not", "bitwise (or logical, for bool) NOT", "np.array([True, False])",
    "Array([False,  True], dtype=bool)"))

add = _binary_fn(P.add_p, "add", _bdoc("add", "addition", "np.float32(1), 2.0",
                                       "Array(3., dtype=float32)"))
sub = _binary_fn(P.sub_p, "sub", _bdoc("sub", "subtraction", "np.array([3, 4]), 1",
                                       "Array([2, 3], dtype=int64)"))
mul = _binary_fn(P.mul_p, "mul", _bdoc("mul", "multiplication", "np.array([3, 4]), 2",
                                       "Array([6, 8], dtype=int64)"))
div = _binary_fn(P.div_p, "div", _bdoc(
    "div", "division (integers round toward zero)", "np.array([-7, 7]), 2",
    "Array([-3,  3], dtype=int64)"))
rem = _binary_fn(P.rem_p, "rem", _bdoc(
    "rem", "remainder (sign of the dividend, like C ``fmod``)", "np.array([-7, 7]), 2",
    "Array([-1,  1], dtype=int64)"))
max = _binary_fn(P.max_p, "max", _bdoc("max", "maximum", "np.array([1, 5]), 3",  # noqa: A001
                                       "Array([3, 5], dtype=int64)"))
min = _binary_fn(P.min_p, "min", _bdoc("min", "minimum", "np.array([1, 5]), 3",  # noqa: A001
                                       "Array([1, 3], dtype=int64)"))
atan2 = _binary_fn(P.atan2_p, "atan2", _bdoc("atan2", "two-argument arctangent",
                                             "np.array([1.0]), 1.0",
                                             "Array([0.78539816], dtype=float64)"))
eq = _binary_fn(P.eq_p, "eq", _bdoc("eq", "``==``", "np.array([1, 2]), 2",
                                    "Array([False,  True], dtype=bool)"))
ne = _binary_fn(P.ne_p, "ne", _bdoc("ne", "``!=``", "np.array([1, 2]), 2",
                                    "Array([ True, False], dtype=bool)"))
lt = _binary_fn(P.lt_p, "lt", _bdoc("lt", "``<``", "np.array([1, 2]), 2",
                                    "Array([ True, False], dtype=bool)"))
le = _binary_fn(P.le_p, "le", _bdoc("le", "``<=``", "np.array([1, 2]), 2",
                                    "Array([ True,  True], dtype=bool)"))
gt = _binary_fn(P.gt_p, "gt", _bdoc("gt", "``>``", "np.array([1, 2]), 1",
                                    "Array([False,  True], dtype=bool)"))
ge = _binary_fn(P.ge_p, "ge", _bdoc("ge", "``>=``", "np.array([1, 2]), 2",
                                    "Array([False,  True], dtype=bool)"))
bitwise_and = _binary_fn(P.and_p, "bitwise_and", _bdoc(
    "bitwise_and", "bitwise (or logical) AND", "np.array([6]), 3", "Array([2], dtype=int64)"))
bitwise_or = _binary_fn(P.or_p, "bitwise_or", _bdoc(
    "bitwise_or", "bitwise (or logical) OR", "np.array([6]), 3", "Array([7], dtype=int64)"))
bitwise_xor = _binary_fn(P.xor_p, "bitwise_xor", _bdoc(
    "bitwise_xor", "bitwise (or logical) XOR", "np.array([6]), 3", "Array([5], dtype=int64)"))
shift_left = _binary_fn(P.shift_left_p, "shift_left", _bdoc(
    "shift_left", "left shift", "np.array([1]), 3", "Array([8], dtype=int64)"))
shift_right_logical = _binary_fn(P.shift_right_logical_p, "shift_right_logical", _bdoc(
    "shift_right_logical", "logical right shift", "np.array([-8], np.int8), 1",
    "Array([124], dtype=int8)"))
shift_right_arithmetic = _binary_fn(P.shift_right_arithmetic_p, "shift_right_arithmetic", _bdoc(
    "shift_right_arithmetic", "arithmetic right shift", "np.array([-8]), 1",
    "Array([-4], dtype=int64)"))


def pow(x: ArrayLike, y: ArrayLike) -> Array:  # noqa: A001 - jax.lax's name
    """Elementwise power ``x ** y`` for floating ``x``, like ``jax.lax.pow``.

    An integer exponent array is converted to ``x``'s dtype.

    >>> lax.pow(np.array([2.0, 3.0]), 2.0)
    Array([4., 9.], dtype=float64)
    """
    x, y = _match(x, y)
    ya = _aval(y)
    xa = _aval(x)
    if ya.dtype != xa.dtype and ya.dtype.kind in "iu" and dtypes.is_inexact(xa.dtype):
        y = _to_dtype(y, xa.dtype)
    _same_dtype("pow", x, y)
    return bind(P.pow_p, x, y)


def nextafter(x1: ArrayLike, x2: ArrayLike) -> Array:
    """The next representable value after ``x1`` towards ``x2``, like ``jax.lax.nextafter``.

    >>> lax.nextafter(np.array([1.0]), 2.0) - 1.0
    Array([2.22044605e-16], dtype=float64)
    """
    x1, x2 = _match(x1, x2, name="nextafter")
    return bind(P.nextafter_p, x1, x2)


class RoundingMethod(enum.IntEnum):
    """How ``lax.round`` breaks ties (as ``jax.lax.RoundingMethod``)."""

    AWAY_FROM_ZERO = 0
    TO_NEAREST_EVEN = 1


def round(x: ArrayLike,  # noqa: A001 - jax.lax's name
          rounding_method: RoundingMethod | int = RoundingMethod.AWAY_FROM_ZERO) -> Array:
    """Round to the nearest integer, like ``jax.lax.round``.

    >>> lax.round(np.array([0.5, 1.5, -0.5]))
    Array([ 1.,  2., -1.], dtype=float64)
    >>> lax.round(np.array([0.5, 1.5]), lax.RoundingMethod.TO_NEAREST_EVEN)
    Array([0., 2.], dtype=float64)
    """
    return bind(P.round_p, _arr(x), rounding_method=int(rounding_method))


def integer_pow(x: ArrayLike, y: int) -> Array:
    """``x ** y`` for a static Python integer ``y``, like ``jax.lax.integer_pow``.

    >>> lax.integer_pow(np.array([2, 3]), 3)
    Array([ 8, 27], dtype=int64)
    """
    if isinstance(y, bool) or not isinstance(y, (int, np.integer)):
        raise TypeError(f"integer_pow: the exponent must be a static Python int, got {y!r} "
                        f"(at {user_location()})")
    return bind(P.integer_pow_p, _arr(x), y=int(y))


def square(x: ArrayLike) -> Array:
    """Elementwise ``x * x``, like ``jax.lax.square``.

    >>> lax.square(np.array([3, -2]))
    Array([9, 4], dtype=int64)
    """
    return bind(P.integer_pow_p, _arr(x), y=2)


def reciprocal(x: ArrayLike) -> Array:
    """Elementwise ``1 / x``, like ``jax.lax.reciprocal``.

    >>> lax.reciprocal(np.array([2.0, 4.0]))
    Array([0.5 , 0.25], dtype=float64)
    """
    return bind(P.integer_pow_p, _arr(x), y=-1)


def select_n(which: ArrayLike, *cases: ArrayLike) -> Array:
    """``cases[which]`` elementwise, like ``jax.lax.select_n``.

    ``which`` is bool (at most two cases) or integer.

    >>> lax.select_n(np.array([0, 1, 2]), np.zeros(3), np.ones(3), np.full(3, 2.0))
    Array([0., 1., 2.], dtype=float64)
    """
    if not cases:
        raise ValueError(f"select_n: at least one case is required (at {user_location()})")
    return bind(P.select_n_p, _arr(which), *_match(*cases, name="select_n"))


def select(pred: ArrayLike, on_true: ArrayLike, on_false: ArrayLike) -> Array:
    """``on_true`` where ``pred`` else ``on_false``, like ``jax.lax.select``.

    >>> lax.select(np.array([True, False]), np.ones(2), np.zeros(2))
    Array([1., 0.], dtype=float64)
    """
    p = _arr(pred)
    if _aval(p).dtype != dtypes.bool_:
        raise ShapeError(f"select: pred must be boolean, got {_aval(p).str_short()} "
                         f"(at {user_location()})")
    on_true, on_false = _match(on_true, on_false, name="select")
    return bind(P.select_n_p, p, on_false, on_true)


def clamp(min: ArrayLike, x: ArrayLike, max: ArrayLike) -> Array:  # noqa: A002
    """``min(max(x, min), max)`` elementwise, like ``jax.lax.clamp``.

    Derivatives are ``jax.lax.clamp``'s: ``x`` gets the tangent where
    ``min < x < max``, ``min`` where ``x < min < max``, ``max`` where
    ``max < x``, and nobody at the bounds (not the 0.5/0.5 tie rule of
    ``max``/``min``).  The value is ``min(max(x, min), max)`` everywhere; the
    selects only route the derivative to the operand that value equals.

    >>> lax.clamp(0, np.array([-1, 5, 12]), 10)
    Array([ 0,  5, 10], dtype=int64)
    """
    lo, x, hi = _match(min, x, max, name="clamp")
    value = bind(P.min_p, bind(P.max_p, x, lo), hi)

    def where(c: Any, a: Any, b: Any) -> Any:
        return bind(P.select_n_p, c, b, a)

    x_in = bind(P.and_p, bind(P.gt_p, x, lo), bind(P.lt_p, x, hi))
    if type(lo) is not Tracer and type(hi) is not Tracer:   # constant bounds: no derivative
        return where(x_in, x, stop_gradient(value))
    lo_in = bind(P.and_p, bind(P.gt_p, lo, x), bind(P.lt_p, lo, hi))
    hi_in = bind(P.lt_p, hi, x)
    if dtypes.is_inexact(_aval(lo).dtype):   # a NaN min makes the value NaN, not max
        hi_in = bind(P.and_p, hi_in, bind(P.eq_p, lo, lo))
    return where(x_in, x, where(lo_in, lo, where(hi_in, hi, stop_gradient(value))))


def convert_element_type(operand: ArrayLike, new_dtype: DTypeLike) -> Array:
    """Cast to ``new_dtype``, like ``jax.lax.convert_element_type``.

    >>> lax.convert_element_type(np.array([1.7, -1.7]), np.int32)
    Array([ 1, -1], dtype=int32)
    """
    dt = dtypes.canonicalize(new_dtype)
    if type(operand) is Tracer or _is_traced(operand):
        a = _aval(operand)
        if a.dtype == dt and not a.weak_type:
            return operand
        return bind(P.convert_element_type_p, operand, new_dtype=dt, weak_type=False)
    return bind(P.convert_element_type_p, _arr(operand), new_dtype=dt, weak_type=False)


# ---------------------------------------------------------------------------
# Shapes


def broadcast_in_dim(operand: ArrayLike, shape: Sequence[int],
                     broadcast_dimensions: Sequence[int]) -> Array:
    """Broadcast ``operand`` to ``shape``; operand dim i goes to ``broadcast_dimensions[i]``.

    >>> lax.broadcast_in_dim(np.array([1, 2]), (3, 2), (1,)).shape
    (3, 2)
    """
    x = _arr(operand)
    shape = _ints(shape, "broadcast_in_dim: shape")
    bdims = _ints(broadcast_dimensions, "broadcast_in_dim: broadcast_dimensions")
    if tuple(x.shape) == shape and bdims == tuple(range(len(shape))) and _is_traced(x):
        return x
    return bind(P.broadcast_in_dim_p, x, shape=shape, broadcast_dimensions=bdims)


def broadcast(operand: ArrayLike, sizes: Sequence[int]) -> Array:
    """Add leading dimensions ``sizes``, like ``jax.lax.broadcast``.

    >>> lax.broadcast(np.array([1, 2]), (3,)).shape
    (3, 2)
    """
    x = _arr(operand)
    sizes = _ints(sizes, "broadcast: sizes")
    nd = len(x.shape)
    return broadcast_in_dim(x, sizes + tuple(x.shape), tuple(range(len(sizes), len(sizes) + nd)))


def reshape(operand: ArrayLike, new_sizes: Sequence[int],
            dimensions: Sequence[int] | None = None) -> Array:
    """Reshape (row-major), optionally transposing by ``dimensions`` first.

    >>> lax.reshape(np.arange(6), (2, 3)).shape
    (2, 3)
    """
    x = _arr(operand)
    new_sizes = _ints(new_sizes, "reshape: new_sizes")
    if dimensions is not None:
        perm = _ints(dimensions, "reshape: dimensions")
        if perm != tuple(range(len(x.shape))):
            x = transpose(x, perm)
    if tuple(x.shape) == new_sizes and _is_traced(x):
        return x
    return bind(P.reshape_p, x, new_sizes=new_sizes)


def transpose(operand: ArrayLike, permutation: Sequence[int]) -> Array:
    """Permute the axes, like ``jax.lax.transpose``.

    >>> lax.transpose(np.zeros((2, 3)), (1, 0)).shape
    (3, 2)
    """
    x = _arr(operand)
    perm = _ints(permutation, "transpose: permutation")
    if perm == tuple(range(len(x.shape))) and _is_traced(x):
        return x
    return bind(P.transpose_p, x, permutation=perm)


def squeeze(array: ArrayLike, dimensions: Sequence[int]) -> Array:
    """Remove size-1 ``dimensions``, like ``jax.lax.squeeze``.

    >>> lax.squeeze(np.zeros((1, 3, 1)), (0, -1)).shape
    (3,)
    """
    x = _arr(array)
    nd = len(x.shape)
    dims = tuple(sorted(_canon_axis(d, nd, "squeeze: dimension")
                        for d in _ints(dimensions, "squeeze: dimensions")))
    if not dims and _is_traced(x):
        return x
    return bind(P.squeeze_p, x, dimensions=dims)


def expand_dims(array: ArrayLike, dimensions: Sequence[int]) -> Array:
    """Insert size-1 axes at ``dimensions`` (of the result), like ``jax.lax.expand_dims``.

    >>> lax.expand_dims(np.zeros(3), (0, 2)).shape
    (1, 3, 1)
    """
    x = _arr(array)
    dims = _ints(dimensions, "expand_dims: dimensions")
    nd_out = len(x.shape) + len(dims)
    dims = tuple(sorted(_canon_axis(d, nd_out, "expand_dims: dimension") for d in dims))
    if not dims and _is_traced(x):
        return x
    return bind(P.expand_dims_p, x, dimensions=dims)


def collapse(operand: ArrayLike, start_dimension: int, stop_dimension: int | None = None) -> Array:
    """Merge dimensions ``[start_dimension, stop_dimension)`` into one.

    >>> lax.collapse(np.zeros((2, 3, 4)), 1).shape
    (2, 12)
    """
    x = _arr(operand)
    nd = len(x.shape)
    lo = _canon_axis(start_dimension, nd + 1)
    hi = nd if stop_dimension is None else int(stop_dimension)
    hi = hi + nd if hi < 0 else hi
    shape = tuple(x.shape)
    return reshape(x, shape[:lo] + (math.prod(shape[lo:hi]),) + shape[hi:])


def rev(operand: ArrayLike, dimensions: Sequence[int]) -> Array:
    """Reverse along ``dimensions``, like ``jax.lax.rev``.

    >>> lax.rev(np.array([1, 2, 3]), (0,))
    Array([3, 2, 1], dtype=int64)
    """
    x = _arr(operand)
    nd = len(x.shape)
    dims = tuple(sorted(_canon_axis(d, nd, "rev: dimension")
                        for d in _ints(dimensions, "rev: dimensions")))
    return bind(P.rev_p, x, dimensions=dims)


def concatenate(operands: Sequence[ArrayLike], dimension: int) -> Array:
    """Join arrays along ``dimension`` (equal dtypes), like ``jax.lax.concatenate``.

    >>> lax.concatenate([np.array([1, 2]), np.array([3])], 0)
    Array([1, 2, 3], dtype=int64)
    """
    xs = [_arr(x) for x in operands]
    if not xs:
        raise ValueError(f"concatenate: need at least one operand (at {user_location()})")
    nd = len(xs[0].shape)
    if nd == 0:
        raise ShapeError(f"concatenate: zero-dimensional operands cannot be concatenated "
                         f"(at {user_location()})")
    _same_dtype("concatenate", *xs)
    return bind(P.concatenate_p, *xs, dimension=_canon_axis(dimension, nd, "dimension"))


def pad(operand: ArrayLike, padding_value: ArrayLike,
        padding_config: Sequence[tuple[int, int, int]]) -> Array:
    """Pad with ``(low, high, interior)`` per dimension (negative crops), like ``jax.lax.pad``.

    >>> lax.pad(np.array([1, 2]), 0, [(1, 2, 1)])
    Array([0, 1, 0, 2, 0, 0], dtype=int64)
    """
    x = _arr(operand)
    v = padding_value
    if _is_weak(v):
        v = _to_dtype(v, _aval(x).dtype)
    else:
        v = _arr(v)
    config = tuple(_ints(c, "pad: padding_config entry") for c in padding_config)
    if any(len(c) != 3 for c in config):
        raise ShapeError(f"pad: padding_config entries must be (low, high, interior) "
                         f"triples, got {padding_config!r} (at {user_location()})")
    _same_dtype("pad", x, v)
    return bind(P.pad_p, x, v, padding_config=config)


def slice(operand: ArrayLike, start_indices: Sequence[int],  # noqa: A001 - jax.lax's name
          limit_indices: Sequence[int], strides: Sequence[int] | None = None) -> Array:
    """Static strided slice, like ``jax.lax.slice``.

    >>> lax.slice(np.arange(10), (1,), (8,), (3,))
    Array([1, 4, 7], dtype=int64)
    """
    x = _arr(operand)
    return bind(P.slice_p, x, start_indices=_ints(start_indices, "slice: start_indices"),
                limit_indices=_ints(limit_indices, "slice: limit_indices"),
                strides=None if strides is None else _ints(strides, "slice: strides"))


def slice_in_dim(operand: ArrayLike, start_index: int | None, limit_index: int | None,
                 stride: int = 1, axis: int = 0) -> Array:
    """Slice along one axis (negative indices count from the end), like ``jax.lax.slice_in_dim``.

    >>> lax.slice_in_dim(np.arange(6).reshape(2, 3), 1, None, axis=1).shape
    (2, 2)
    """
    x = _arr(operand)
    shape = tuple(x.shape)
    axis = _canon_axis(axis, len(shape))
    n = shape[axis]
    start = 0 if start_index is None else int(start_index)
    limit = n if limit_index is None else int(limit_index)
    start = start + n if start < 0 else start
    limit = limit + n if limit < 0 else limit
    starts = [0] * len(shape)
    limits = list(shape)
    strides = [1] * len(shape)
    starts[axis], limits[axis], strides[axis] = start, limit, int(stride)
    return slice(x, starts, limits, strides)


def index_in_dim(operand: ArrayLike, index: int, axis: int = 0, keepdims: bool = True) -> Array:
    """Static index along one axis, like ``jax.lax.index_in_dim``.

    >>> lax.index_in_dim(np.arange(6).reshape(2, 3), -1, axis=1, keepdims=False)
    Array([2, 5], dtype=int64)
    """
    x = _arr(operand)
    axis = _canon_axis(axis, len(x.shape))
    n = x.shape[axis]
    i = int(index)
    i = i + n if i < 0 else i
    if not 0 <= i < n:
        raise IndexError(f"index_in_dim: index {index} is out of bounds for axis {axis} "
                         f"with size {n} (at {user_location()})")
    out = slice_in_dim(x, i, i + 1, 1, axis)
    return out if keepdims else squeeze(out, (axis,))


def _start_indices(x: Any, start_indices: Any, sizes: Sequence[int],
                   allow_negative_indices: bool | Sequence[bool], name: str) -> list[Any]:
    """Scalar start indices of one integer dtype, negative ones wrapped (as JAX)."""
    shape = tuple(x.shape)
    if type(start_indices) is Tracer or _is_traced(start_indices) or isinstance(
            start_indices, np.ndarray):
        arr = start_indices
        a = _aval(arr)
        if a.ndim != 1:
            raise ShapeError(f"{name}: start_indices must be a sequence of scalars or a 1-D "
                             f"array, got {a.str_short()} (at {user_location()})")
        if isinstance(arr, np.ndarray):
            idx = list(arr)
        else:
            idx = [reshape(slice(arr, (k,), (k + 1,)), ()) for k in range(a.shape[0])]
    else:
        idx = list(start_indices)
    if len(idx) != len(shape):
        raise ShapeError(f"{name}: got {len(idx)} start indices for an operand of rank "
                         f"{len(shape)} (at {user_location()})")
    if isinstance(allow_negative_indices, bool):
        allow = [allow_negative_indices] * len(shape)
    else:
        allow = [bool(b) for b in allow_negative_indices]
    avals = [_aval(i, f"{name}: start index") for i in idx]
    for a in avals:
        if a.shape != () or a.dtype.kind not in "iu":
            raise ShapeError(f"{name}: start indices must be integer scalars, got "
                             f"{a.str_short()} (at {user_location()})")
    strong = [a.dtype for a, i in zip(avals, idx) if not _is_weak(i)]
    dt = dtypes.result_type(*strong) if strong else dtypes.int64
    out = []
    for i, d, neg_ok in zip(idx, shape, allow):
        if type(i) is Tracer or _is_traced(i):
            i = _to_dtype(i, dt)
            if neg_ok and dt.kind == "i":
                i = bind(P.select_n_p, bind(P.lt_p, i, _scalar(0, dt)), i,
                         bind(P.add_p, i, _scalar(d, dt)))
        else:
            v = int(i)
            if neg_ok and v < 0:
                v += d
            i = _scalar(v, dt)
        out.append(i)
    return out


def dynamic_slice(operand: ArrayLike, start_indices: Any, slice_sizes: Sequence[int], *,
                  allow_negative_indices: bool | Sequence[bool] = True) -> Array:
    """Slice of static size at traced start indices, like ``jax.lax.dynamic_slice``.

    Negative indices count from the end; starts are then clamped so that the
    slice fits, as in XLA.

    >>> lax.dynamic_slice(np.arange(5), (4,), (2,))
    Array([3, 4], dtype=int64)
    """
    x = _arr(operand)
    sizes = _ints(slice_sizes, "dynamic_slice: slice_sizes")
    idx = _start_indices(x, start_indices, sizes, allow_negative_indices, "dynamic_slice")
    return bind(P.dynamic_slice_p, x, *idx, slice_sizes=sizes)


def dynamic_update_slice(operand: ArrayLike, update: ArrayLike, start_indices: Any, *,
                         allow_negative_indices: bool | Sequence[bool] = True) -> Array:
    """Write ``update`` into ``operand`` at traced start indices (clamped), as JAX.

    >>> lax.dynamic_update_slice(np.zeros(4, np.int64), np.array([7, 8]), (1,))
    Array([0, 7, 8, 0], dtype=int64)
    """
    x = _arr(operand)
    u = _to_dtype(update, _aval(x).dtype) if _is_weak(update) else _arr(update)
    idx = _start_indices(x, start_indices, tuple(u.shape), allow_negative_indices,
                         "dynamic_update_slice")
    _same_dtype("dynamic_update_slice", x, u)
    return bind(P.dynamic_update_slice_p, x, u, *idx)


def dynamic_slice_in_dim(operand: ArrayLike, start_index: ArrayLike, slice_size: int,
                         axis: int = 0, *, allow_negative_indices: bool = True) -> Array:
    """``dynamic_slice`` along one axis, like ``jax.lax.dynamic_slice_in_dim``.

    >>> lax.dynamic_slice_in_dim(np.arange(6), 2, 3)
    Array([2, 3, 4], dtype=int64)
    """
    x = _arr(operand)
    nd = len(x.shape)
    axis = _canon_axis(axis, nd)
    starts: list[Any] = [0] * nd
    sizes = list(x.shape)
    starts[axis] = start_index
    sizes[axis] = int(slice_size)
    return dynamic_slice(x, starts, sizes, allow_negative_indices=allow_negative_indices)


def dynamic_index_in_dim(operand: ArrayLike, index: ArrayLike, axis: int = 0,
                         keepdims: bool = True, *, allow_negative_indices: bool = True) -> Array:
    """Traced index along one axis, like ``jax.lax.dynamic_index_in_dim``.

    >>> lax.dynamic_index_in_dim(np.arange(6).reshape(3, 2), 1, keepdims=False)
    Array([2, 3], dtype=int64)
    """
    x = _arr(operand)
    axis = _canon_axis(axis, len(x.shape))
    out = dynamic_slice_in_dim(x, index, 1, axis,
                               allow_negative_indices=allow_negative_indices)
    return out if keepdims else squeeze(out, (axis,))


def dynamic_update_slice_in_dim(operand: ArrayLike, update: ArrayLike, start_index: ArrayLike,
                                axis: int, *, allow_negative_indices: bool = True) -> Array:
    """``dynamic_update_slice`` along one axis, like ``jax.lax.dynamic_update_slice_in_dim``.

    >>> lax.dynamic_update_slice_in_dim(np.zeros(4, np.int64), np.array([5]), 2, 0)
    Array([0, 0, 5, 0], dtype=int64)
    """
    x = _arr(operand)
    nd = len(x.shape)
    axis = _canon_axis(axis, nd)
    starts: list[Any] = [0] * nd
    starts[axis] = start_index
    return dynamic_update_slice(x, update, starts, allow_negative_indices=allow_negative_indices)


def dynamic_update_index_in_dim(operand: ArrayLike, update: ArrayLike, index: ArrayLike,
                                axis: int, *, allow_negative_indices: bool = True) -> Array:
    """Write ``update`` at a traced index of one axis (``update`` may lack that axis).

    >>> lax.dynamic_update_index_in_dim(np.zeros((2, 2), np.int64), np.array([1, 2]), 1, 0)
    Array([[0, 0],
           [1, 2]], dtype=int64)
    """
    x = _arr(operand)
    axis = _canon_axis(axis, len(x.shape))
    u = _to_dtype(update, _aval(x).dtype) if _is_weak(update) else _arr(update)
    if len(u.shape) == len(x.shape) - 1:
        u = expand_dims(u, (axis,))
    return dynamic_update_slice_in_dim(x, u, index, axis,
                                       allow_negative_indices=allow_negative_indices)


def iota(dtype: DTypeLike, size: int) -> Array:
    """``[0, 1, ..., size - 1]``, like ``jax.lax.iota``.

    >>> lax.iota(np.int32, 4)
    Array([0, 1, 2, 3], dtype=int32)
    """
    return bind(P.iota_p, dtype=dtypes.canonicalize(dtype), shape=(int(size),), dimension=0)


def broadcasted_iota(dtype: DTypeLike, shape: Sequence[int], dimension: int) -> Array:
    """An iota along ``dimension`` broadcast to ``shape``, like ``jax.lax.broadcasted_iota``.

    >>> lax.broadcasted_iota(np.int32, (2, 3), 1)
    Array([[0, 1, 2],
           [0, 1, 2]], dtype=int32)
    """
    shape = _ints(shape, "broadcasted_iota: shape")
    return bind(P.iota_p, dtype=dtypes.canonicalize(dtype), shape=shape,
                dimension=_canon_axis(dimension, len(shape), "dimension"))


def full(shape: Sequence[int], fill_value: ArrayLike, dtype: DTypeLike | None = None) -> Array:
    """An array of ``shape`` filled with the scalar ``fill_value``, like ``jax.lax.full``.

    >>> lax.full((2,), 7, np.int32)
    Array([7, 7], dtype=int32)
    """
    shape = _ints(shape, "full: shape")
    v = fill_value
    if dtype is not None:
        v = _to_dtype(v, dtypes.canonicalize(dtype))
    v = _arr(v)
    if _aval(v).shape != ():
        raise ShapeError(f"full: fill_value must be a scalar, got {_aval(v).str_short()} "
                         f"(at {user_location()})")
    return bind(P.broadcast_in_dim_p, v, shape=shape, broadcast_dimensions=())


def full_like(x: ArrayLike, fill_value: ArrayLike, dtype: DTypeLike | None = None,
              shape: Sequence[int] | None = None) -> Array:
    """Like ``full`` with ``x``'s shape and dtype by default, as ``jax.lax.full_like``.

    >>> lax.full_like(np.zeros(2, np.float32), 3)
    Array([3., 3.], dtype=float32)
    """
    a = _aval(x)
    return full(a.shape if shape is None else shape, fill_value,
                a.dtype if dtype is None else dtype)


# ---------------------------------------------------------------------------
# Contractions and convolutions


def dot_general(lhs: ArrayLike, rhs: ArrayLike, dimension_numbers: Any, precision: Any = None,
                preferred_element_type: DTypeLike | None = None) -> Array:
    """General tensor contraction, like ``jax.lax.dot_general``.

    ``dimension_numbers = ((lhs_contract, rhs_contract), (lhs_batch, rhs_batch))``;
    the result is batch dims, then lhs free dims, then rhs free dims.

    >>> lax.dot_general(np.ones((2, 3)), np.ones((3, 4)), (((1,), (0,)), ((), ()))).shape
    (2, 4)
    """
    x, y = _match(lhs, rhs, name="dot_general")
    try:
        (lc, rc), (lb, rb) = dimension_numbers
    except (TypeError, ValueError):
        raise TypeError(f"dot_general: dimension_numbers must be ((lhs_contracting, "
                        f"rhs_contracting), (lhs_batch, rhs_batch)), got "
                        f"{dimension_numbers!r} (at {user_location()})") from None
    dn = ((_ints(lc, "dot_general"), _ints(rc, "dot_general")),
          (_ints(lb, "dot_general"), _ints(rb, "dot_general")))
    pet = None if preferred_element_type is None else dtypes.canonicalize(preferred_element_type)
    return bind(P.dot_general_p, x, y, dimension_numbers=dn,
                precision=canonicalize_precision(precision), preferred_element_type=pet)


def dot(lhs: ArrayLike, rhs: ArrayLike, *, dimension_numbers: Any = None,
        precision: Any = None, preferred_element_type: DTypeLike | None = None) -> Array:
    """Vector/matrix product (contract lhs's last axis with rhs's first), like ``jax.lax.dot``.

    >>> lax.dot(np.array([[1, 2], [3, 4]]), np.array([1, 1]))
    Array([3, 7], dtype=int64)
    """
    x, y = _match(lhs, rhs, name="dot")
    if dimension_numbers is not None:
        return dot_general(x, y, dimension_numbers, precision, preferred_element_type)
    xs, ys = tuple(x.shape), tuple(y.shape)
    if 1 <= len(xs) <= 2 and 1 <= len(ys) <= 2 and xs[-1] == ys[0]:
        return dot_general(x, y, (((len(xs) - 1,), (0,)), ((), ())), precision,
                           preferred_element_type)
    raise ShapeError(f"Incompatible shapes for dot: got {xs} and {ys} (at {user_location()})")


class ConvDimensionNumbers(NamedTuple):
    """Which axes are batch/feature/spatial, as ``jax.lax.ConvDimensionNumbers``.

    ``lhs_spec = (batch, feature, spatial...)``, ``rhs_spec = (out feature, in feature,
    spatial...)``, ``out_spec = (batch, feature, spatial...)``: axis indices.
    """

    lhs_spec: tuple[int, ...]
    rhs_spec: tuple[int, ...]
    out_spec: tuple[int, ...]


def _conv_perm(specs: tuple[str, str, str]) -> ConvDimensionNumbers:
    lhs_spec, rhs_spec, out_spec = specs
    pairs = (("N", "C"), ("O", "I"), ("N", "C"))
    for s, (a, b) in zip(specs, pairs):
        if s.count(a) != 1 or s.count(b) != 1 or len(s) != len(set(s)):
            raise TypeError(f"conv: dimension_numbers {specs!r} must each name {a} and {b} "
                            f"exactly once, with no repeated letters (at {user_location()})")
    if not (set(lhs_spec) - {"N", "C"} == set(rhs_spec) - {"O", "I"}
            == set(out_spec) - {"N", "C"}):
        raise TypeError(f"conv: dimension_numbers {specs!r} must have the same spatial "
                        f"dimensions (at {user_location()})")

    def perm(spec: str, pair: tuple[str, str]) -> tuple[int, ...]:
        spatial = [i for i, c in enumerate(spec) if c not in pair]
        if spec is not rhs_spec:
            spatial = sorted(spatial, key=lambda i: rhs_spec.index(spec[i]))
        return (spec.index(pair[0]), spec.index(pair[1])) + tuple(spatial)

    return ConvDimensionNumbers(*(perm(s, p) for s, p in zip(specs, pairs)))


def conv_dimension_numbers(lhs_shape: Sequence[int], rhs_shape: Sequence[int],
                           dimension_numbers: Any) -> ConvDimensionNumbers:
    """Normalize conv ``dimension_numbers`` (None, strings or index specs).

    >>> lax.conv_dimension_numbers((1, 5, 5, 3), (3, 3, 3, 8), ("NHWC", "HWIO", "NHWC"))
    ConvDimensionNumbers(lhs_spec=(0, 3, 1, 2), rhs_spec=(3, 2, 0, 1), out_spec=(0, 3, 1, 2))
    """
    nd = len(lhs_shape)
    if len(rhs_shape) != nd:
        raise ShapeError(f"conv: lhs and rhs must have the same rank, got {tuple(lhs_shape)} "
                         f"and {tuple(rhs_shape)} (at {user_location()})")
    if dimension_numbers is None:
        iota_ = tuple(range(nd))
        return ConvDimensionNumbers(iota_, iota_, iota_)
    if isinstance(dimension_numbers, ConvDimensionNumbers):
        return dimension_numbers
    specs = tuple(dimension_numbers)
    if len(specs) != 3:
        raise TypeError(f"conv: dimension_numbers must have three entries, got "
                        f"{dimension_numbers!r} (at {user_location()})")
    if all(isinstance(s, str) for s in specs):
        if any(len(s) != nd for s in specs):
            raise TypeError(f"conv: dimension_numbers {specs!r} do not match operands of "
                            f"rank {nd} (at {user_location()})")
        return _conv_perm(specs)  # type: ignore[arg-type]
    return ConvDimensionNumbers(*(_ints(s, "conv: dimension_numbers") for s in specs))


def padtype_to_pads(in_shape: Sequence[int], window_shape: Sequence[int],
                     window_strides: Sequence[int], padding: str) -> list[tuple[int, int]]:
    """Explicit ``(low, high)`` pads for ``'SAME'``, ``'SAME_LOWER'`` or ``'VALID'``.

    >>> lax.padtype_to_pads((5,), (3,), (2,), "SAME")
    [(1, 1)]
    """
    kind = padding.upper()
    if kind == "VALID":
        return [(0, 0)] * len(in_shape)
    if kind not in ("SAME", "SAME_LOWER"):
        raise ValueError(f"Unknown padding type: {padding!r} (expected 'SAME', 'SAME_LOWER' "
                         f"or 'VALID') (at {user_location()})")
    pads = []
    for d, w, s in zip(in_shape, window_shape, window_strides):
        out = -(-int(d) // int(s))
        total = builtins.max((out - 1) * int(s) + int(w) - int(d), 0)
        lo = total // 2 if kind == "SAME" else total - total // 2
        pads.append((lo, total - lo))
    return pads


def _pads(padding: Any, n: int, what: str) -> tuple[tuple[int, int], ...]:
    try:
        pads = tuple((int(lo), int(hi)) for lo, hi in padding)
    except (TypeError, ValueError):
        raise TypeError(f"{what}: padding must be a string or a sequence of (low, high) "
                        f"pairs, got {padding!r} (at {user_location()})") from None
    if len(pads) != n:
        raise ShapeError(f"{what}: padding has {len(pads)} entries, expected {n} "
                         f"(at {user_location()})")
    return pads


def _conv_params(xs: Sequence[int], ws: Sequence[int], window_strides: Sequence[int],
                 padding: str | Sequence[tuple[int, int]],
                 lhs_dilation: Sequence[int] | None, rhs_dilation: Sequence[int] | None,
                 dimension_numbers: Any) -> tuple[ConvDimensionNumbers, tuple[int, ...],
                                                   tuple[tuple[int, int], ...],
                                                   tuple[int, ...], tuple[int, ...]]:
    """Checked conv params: (dimension numbers, strides, explicit pads, lhs/rhs dilation)."""
    dn = conv_dimension_numbers(xs, ws, dimension_numbers)
    nsp = len(xs) - 2
    strides = _ints(window_strides, "conv: window_strides")
    if len(strides) != nsp:
        raise ShapeError(f"conv: {len(strides)} window_strides for {nsp} spatial dimensions "
                         f"(at {user_location()})")
    lhs_dil = (1,) * nsp if lhs_dilation is None else _ints(lhs_dilation, "conv: lhs_dilation")
    rhs_dil = (1,) * nsp if rhs_dilation is None else _ints(rhs_dilation, "conv: rhs_dilation")
    if isinstance(padding, str):
        in_sp = [xs[i] for i in dn.lhs_spec[2:]]
        k_sp = [(ws[i] - 1) * d + 1 for i, d in zip(dn.rhs_spec[2:], rhs_dil)]
        pads = tuple(padtype_to_pads(in_sp, k_sp, strides, padding))
    else:
        pads = _pads(padding, nsp, "conv")
    return dn, strides, pads, lhs_dil, rhs_dil


def conv_general_shape_tuple(lhs_shape: Sequence[int], rhs_shape: Sequence[int],
                             window_strides: Sequence[int],
                             padding: str | Sequence[tuple[int, int]],
                             dimension_numbers: Any) -> tuple[int, ...]:
    """The output shape of a convolution, like ``jax.lax.conv_general_shape_tuple``.

    No dilation and one feature group, as in JAX; ``dimension_numbers`` is
    anything ``conv_general_dilated`` takes.  Padding that crops more than an
    input dimension holds is a ``ValueError``.

    >>> lax.conv_general_shape_tuple((1, 5, 5, 3), (3, 3, 3, 8), (2, 2), "SAME",
    ...                              ("NHWC", "HWIO", "NHWC"))
    (1, 3, 3, 8)
    """
    xs, ws = _ints(lhs_shape, "conv: lhs_shape"), _ints(rhs_shape, "conv: rhs_shape")
    dn, strides, pads, lhs_dil, rhs_dil = _conv_params(xs, ws, window_strides, padding,
                                                       None, None, dimension_numbers)
    in_sp = [xs[d] for d in dn.lhs_spec[2:]]
    if any(d + lo + hi < 0 for d, (lo, hi) in zip(in_sp, pads)):
        raise ValueError(f"conv: negative padding {pads} is larger than the input's spatial "
                         f"dimensions {tuple(in_sp)} (at {user_location()})")
    out = [0] * len(xs)
    out[dn.out_spec[0]] = xs[dn.lhs_spec[0]]
    out[dn.out_spec[1]] = ws[dn.rhs_spec[0]]
    spatial = P.window_output_shape(in_sp, [ws[d] for d in dn.rhs_spec[2:]], strides, pads,
                                    lhs_dil, rhs_dil)
    for d, size in zip(dn.out_spec[2:], spatial):
        out[d] = size
    return tuple(out)


def conv_general_dilated(lhs: ArrayLike, rhs: ArrayLike, window_strides: Sequence[int],
                         padding: str | Sequence[tuple[int, int]],
                         lhs_dilation: Sequence[int] | None = None,
                         rhs_dilation: Sequence[int] | None = None,
                         dimension_numbers: Any = None, feature_group_count: int = 1,
                         batch_group_count: int = 1, precision: Any = None,
                         preferred_element_type: DTypeLike | None = None) -> Array:
    """General dilated convolution, like ``jax.lax.conv_general_dilated``.

    ``dimension_numbers`` is None (NCHW/OIHW/NCHW), a triple of layout strings
    such as ``("NHWC", "HWIO", "NHWC")``, or a ``ConvDimensionNumbers``.

    >>> x, w = np.ones((1, 1, 4, 4)), np.ones((2, 1, 3, 3))
    >>> lax.conv_general_dilated(x, w, (1, 1), "SAME").shape
    (1, 2, 4, 4)
    """
    x, w = _match(lhs, rhs, name="conv_general_dilated")
    prec = canonicalize_precision(precision)
    dn, strides, pads, lhs_dil, rhs_dil = _conv_params(
        tuple(x.shape), tuple(w.shape), window_strides, padding, lhs_dilation, rhs_dilation,
        dimension_numbers)
    pet = None if preferred_element_type is None else dtypes.canonicalize(preferred_element_type)
    return bind(P.conv_general_dilated_p, x, w, window_strides=strides, padding=pads,
                lhs_dilation=lhs_dil, rhs_dilation=rhs_dil,
                dimension_numbers=(tuple(dn.lhs_spec), tuple(dn.rhs_spec), tuple(dn.out_spec)),
                feature_group_count=int(feature_group_count),
                batch_group_count=int(batch_group_count), precision=prec,
                preferred_element_type=pet)


def conv(lhs: ArrayLike, rhs: ArrayLike, window_strides: Sequence[int], padding: str,
         precision: Any = None, preferred_element_type: DTypeLike | None = None) -> Array:
    """Convolution in NCHW/OIHW layout, like ``jax.lax.conv``.

    >>> lax.conv(np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2)), (2, 2), "VALID")
    Array([[[[4., 4.],
             [4., 4.]]]], dtype=float64)
    """
    return conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                                preferred_element_type=preferred_element_type)


# ---------------------------------------------------------------------------
# Windows and reductions


def _monoid(computation: Any, allowed: dict, what: str) -> str:
    for fn, kind in allowed.items():
        if computation is fn:
            return kind
    names = ", ".join(f"lax.{f.__name__}" for f in allowed)
    raise NotImplementedError(
        f"{what}: computation must be one of {names} (tracer.lax functions), got "
        f"{getattr(computation, '__name__', computation)!r} (at {user_location()})")


def _identity_value(kind: str, dtype: np.dtype) -> Any:
    if kind in ("add", "or"):
        return False if dtype == dtypes.bool_ else 0
    if kind in ("mul", "and"):
        if kind == "and" and dtype.kind in "iu":
            return -1 if dtype.kind == "i" else np.iinfo(dtype).max
        return True if dtype == dtypes.bool_ else 1
    if dtype.kind == "f" or dtype == dtypes.bfloat16:
        return -np.inf if kind == "max" else np.inf
    if dtype == dtypes.bool_:
        return kind == "min"
    info = np.iinfo(dtype)
    return info.min if kind == "max" else info.max


def _is_identity(init: Any, kind: str, dtype: np.dtype) -> bool:
    if _is_traced(init):
        return False
    v = np.asarray(init)
    ident = np.asarray(_identity_value(kind, dtype)).astype(dtype)
    with np.errstate(all="ignore"):
        return bool(v.shape == () and v.astype(dtype) == ident)


def _window_params(shape: Sequence[int], window_dimensions: Sequence[int],
                   window_strides: Sequence[int] | None,
                   padding: str | Sequence[tuple[int, int]],
                   base_dilation: Sequence[int] | None,
                   window_dilation: Sequence[int] | None) -> dict[str, Any]:
    """The checked params of a ``reduce_window_*`` equation on an operand of ``shape``."""
    nd = len(shape)
    wdims = _ints(window_dimensions, "reduce_window: window_dimensions")
    strides = (1,) * nd if window_strides is None else _ints(window_strides,
                                                            "reduce_window: window_strides")
    bdil = (1,) * nd if base_dilation is None else _ints(base_dilation, "base_dilation")
    wdil = (1,) * nd if window_dilation is None else _ints(window_dilation, "window_dilation")
    if not len(wdims) == len(strides) == len(bdil) == len(wdil) == nd:
        raise ShapeError(f"reduce_window: window parameters must have one entry per "
                         f"dimension of the operand (rank {nd}) (at {user_location()})")
    if isinstance(padding, str):
        pads = tuple(padtype_to_pads(shape, [(w - 1) * d + 1 for w, d in zip(wdims, wdil)],
                                     strides, padding))
    else:
        pads = _pads(padding, nd, "reduce_window")
    return dict(window_dimensions=wdims, window_strides=strides, padding=pads,
                base_dilation=bdil, window_dilation=wdil)


def reduce_window_shape_tuple(operand_shape: Sequence[int], window_dimensions: Sequence[int],
                              window_strides: Sequence[int],
                              padding: str | Sequence[tuple[int, int]],
                              base_dilation: Sequence[int] | None = None,
                              window_dilation: Sequence[int] | None = None) -> tuple[int, ...]:
    """The output shape of ``reduce_window``, like ``jax.lax.reduce_window_shape_tuple``.

    ``padding`` may also be ``'SAME'``/``'SAME_LOWER'``/``'VALID'``, resolved
    as ``reduce_window`` resolves it.

    >>> lax.reduce_window_shape_tuple((8, 5), (2, 3), (2, 1), ((0, 0), (1, 1)))
    (4, 5)
    """
    shape = _ints(operand_shape, "reduce_window: operand_shape")
    params = _window_params(shape, window_dimensions, window_strides, padding, base_dilation,
                            window_dilation)
    return P.window_output_shape(shape, params["window_dimensions"], params["window_strides"],
                                 params["padding"], params["base_dilation"],
                                 params["window_dilation"])


_WINDOW_PRIMS = {"add": P.reduce_window_sum_p, "max": P.reduce_window_max_p,
                 "min": P.reduce_window_min_p}


def reduce_window(operand: ArrayLike, init_value: ArrayLike, computation: Callable,
                  window_dimensions: Sequence[int], window_strides: Sequence[int] | None = None,
                  padding: str | Sequence[tuple[int, int]] = "VALID",
                  base_dilation: Sequence[int] | None = None,
                  window_dilation: Sequence[int] | None = None) -> Array:
    """Sliding-window reduction with ``lax.add``, ``lax.max`` or ``lax.min``.

    Like ``jax.lax.reduce_window`` for one operand and a monoid computation.

    >>> lax.reduce_window(np.arange(5.0), -np.inf, lax.max, (2,), (1,), "VALID")
    Array([1., 2., 3., 4.], dtype=float64)
    """
    kind = _monoid(computation, {add: "add", max: "max", min: "min"}, "reduce_window")
    x = _arr(operand)
    xa = _aval(x)
    params = _window_params(xa.shape, window_dimensions, window_strides, padding,
                            base_dilation, window_dilation)
    init = _to_dtype(init_value, xa.dtype) if _is_weak(init_value) else _arr(init_value)
    if _aval(init).shape != () or _aval(init).dtype != xa.dtype:
        raise ShapeError(f"reduce_window: init_value must be a scalar of the operand's dtype "
                         f"{xa.dtype.name}, got {_aval(init).str_short()} (at {user_location()})")
    out = bind(_WINDOW_PRIMS[kind], x, **params)
    if _is_identity(init, kind, xa.dtype):
        return out
    # XLA semantics: each window's reduction starts from init_value; padding and
    # base-dilation holes are skipped.  So a non-identity init combines once.
    if xa.dtype == dtypes.bool_ and kind == "add":
        return bind(P.or_p, out, init)
    return bind(_COMBINE_PRIMS[kind], out, init)


def _axes(operand: Any, axes: Sequence[int], what: str) -> tuple[int, ...]:
    nd = len(operand.shape)
    return tuple(_canon_axis(a, nd, f"{what}: axis") for a in _ints(axes, f"{what}: axes"))


def _reduce_fn(prim: P.Primitive, name: str, doc: str) -> Callable[..., Array]:
    def fn(operand: ArrayLike, axes: Sequence[int]) -> Array:
        x = _arr(operand)
        return bind(prim, x, axes=_axes(x, axes, name))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def _rdoc(name: str, what: str, out: str) -> str:
    return (f"{what} over ``axes``, like ``jax.lax.{name}``.\n\n"
            f">>> lax.{name}(np.array([[1, 2], [3, 4]]), (1,))\n{out}\n")


reduce_sum = _reduce_fn(P.reduce_sum_p, "reduce_sum", _rdoc(
    "reduce_sum", "Sum", "Array([3, 7], dtype=int64)"))
reduce_prod = _reduce_fn(P.reduce_prod_p, "reduce_prod", _rdoc(
    "reduce_prod", "Product", "Array([ 2, 12], dtype=int64)"))
reduce_max = _reduce_fn(P.reduce_max_p, "reduce_max", _rdoc(
    "reduce_max", "Maximum", "Array([2, 4], dtype=int64)"))
reduce_min = _reduce_fn(P.reduce_min_p, "reduce_min", _rdoc(
    "reduce_min", "Minimum", "Array([1, 3], dtype=int64)"))
reduce_and = _reduce_fn(P.reduce_and_p, "reduce_and", _rdoc(
    "reduce_and", "Bitwise AND", "Array([0, 0], dtype=int64)"))
reduce_or = _reduce_fn(P.reduce_or_p, "reduce_or", _rdoc(
    "reduce_or", "Bitwise OR", "Array([3, 7], dtype=int64)"))

_REDUCE_PRIMS = {"add": P.reduce_sum_p, "mul": P.reduce_prod_p, "max": P.reduce_max_p,
                 "min": P.reduce_min_p, "and": P.reduce_and_p, "or": P.reduce_or_p}
_COMBINE_PRIMS = {"add": P.add_p, "mul": P.mul_p, "max": P.max_p, "min": P.min_p,
                  "and": P.and_p, "or": P.or_p}


def reduce(operands: ArrayLike, init_values: ArrayLike, computation: Callable,
           dimensions: Sequence[int]) -> Array:
    """Reduce one array over ``dimensions`` with a monoid, like ``jax.lax.reduce``.

    ``computation`` is one of ``lax.add``, ``lax.mul``, ``lax.max``, ``lax.min``,
    ``lax.bitwise_and``, ``lax.bitwise_or``.

    >>> lax.reduce(np.array([1, 2, 3]), 10, lax.add, (0,))
    Array(16, dtype=int64)
    """
    kind = _monoid(computation, {add: "add", mul: "mul", max: "max", min: "min",
                                 bitwise_and: "and", bitwise_or: "or"}, "reduce")
    x = _arr(operands)
    dt = _aval(x).dtype
    init = _to_dtype(init_values, dt) if _is_weak(init_values) else _arr(init_values)
    out = bind(_REDUCE_PRIMS[kind], x, axes=_axes(x, dimensions, "reduce"))
    if _is_identity(init, kind, dt):
        return out
    return bind(_COMBINE_PRIMS[kind], out, init)


def argmax(operand: ArrayLike, axis: int, index_dtype: DTypeLike) -> Array:
    """Index of the maximum along ``axis``, like ``jax.lax.argmax``.

    >>> lax.argmax(np.array([[1, 5], [7, 2]]), 1, np.int32)
    Array([1, 0], dtype=int32)
    """
    x = _arr(operand)
    return bind(P.argmax_p, x, axis=_canon_axis(axis, len(x.shape)),
                index_dtype=dtypes.canonicalize(index_dtype))


def argmin(operand: ArrayLike, axis: int, index_dtype: DTypeLike) -> Array:
    """Index of the minimum along ``axis``, like ``jax.lax.argmin``.

    >>> lax.argmin(np.array([[1, 5], [7, 2]]), 1, np.int32)
    Array([0, 1], dtype=int32)
    """
    x = _arr(operand)
    return bind(P.argmin_p, x, axis=_canon_axis(axis, len(x.shape)),
                index_dtype=dtypes.canonicalize(index_dtype))


def _cum_fn(prim: P.Primitive, name: str, doc: str) -> Callable[..., Array]:
    def fn(operand: ArrayLike, axis: int = 0, reverse: bool = False) -> Array:
        x = _arr(operand)
        return bind(prim, x, axis=_canon_axis(axis, len(x.shape)), reverse=bool(reverse))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def _cdoc(name: str, what: str, out: str) -> str:
    return (f"Cumulative {what} along ``axis`` (from the end if ``reverse``), like "
            f"``jax.lax.{name}``.\n\n>>> lax.{name}(np.array([1, 3, 2]))\n{out}\n")


cumsum = _cum_fn(P.cumsum_p, "cumsum", _cdoc("cumsum", "sum", "Array([1, 4, 6], dtype=int64)"))
cumprod = _cum_fn(P.cumprod_p, "cumprod", _cdoc("cumprod", "product",
                                                "Array([1, 3, 6], dtype=int64)"))
cummax = _cum_fn(P.cummax_p, "cummax", _cdoc("cummax", "maximum",
                                             "Array([1, 3, 3], dtype=int64)"))
cummin = _cum_fn(P.cummin_p, "cummin", _cdoc("cummin", "minimum",
                                             "Array([1, 1, 1], dtype=int64)"))
cumlogsumexp = _cum_fn(P.cumlogsumexp_p, "cumlogsumexp", (
    "Cumulative ``log(sum(exp(x)))`` along ``axis``, like ``jax.lax.cumlogsumexp``.\n\n"
    ">>> lax.cumlogsumexp(np.log(np.array([1.0, 1.0, 2.0])))\n"
    "Array([0.        , 0.69314718, 1.38629436], dtype=float64)\n"))


# ---------------------------------------------------------------------------
# Sorting


def sort(operand: ArrayLike | Sequence[ArrayLike], dimension: int = -1, is_stable: bool = True,
         num_keys: int = 1) -> Array | tuple[Array, ...]:
    """Sort along ``dimension``, like ``jax.lax.sort``.

    ``operand`` is one array or a sequence of same-shape arrays sorted
    together, lexicographically by the first ``num_keys`` of them.

    >>> lax.sort(np.array([3, 1, 2]))
    Array([1, 2, 3], dtype=int64)
    >>> lax.sort((np.array([1, 0, 1]), np.array([3, 2, 1])), num_keys=2)[1]
    Array([2, 1, 3], dtype=int64)
    """
    single = not isinstance(operand, (tuple, list))
    xs = [_arr(operand)] if single else [_arr(x) for x in operand]
    if not xs:
        raise ValueError(f"sort: need at least one operand (at {user_location()})")
    nd = len(xs[0].shape)
    outs = bind(P.sort_p, *xs, dimension=_canon_axis(dimension, nd, "sort: dimension"),
                is_stable=bool(is_stable), num_keys=int(num_keys))
    return outs[0] if single else tuple(outs)


def sort_key_val(keys: ArrayLike, values: ArrayLike, dimension: int = -1,
                 is_stable: bool = True) -> tuple[Array, Array]:
    """Sort ``keys`` and permute ``values`` alike, like ``jax.lax.sort_key_val``.

    >>> lax.sort_key_val(np.array([3, 1, 2]), np.array([30, 10, 20]))[1]
    Array([10, 20, 30], dtype=int64)
    """
    k, v = sort((keys, values), dimension, is_stable, 1)  # type: ignore[misc]
    return k, v


def top_k(operand: ArrayLike, k: int, *, axis: int = -1) -> tuple[Array, Array]:
    """The ``k`` largest entries along ``axis`` and their int32 indices, like ``jax.lax.top_k``.

    >>> lax.top_k(np.array([1, 4, 2, 3]), 2)
    (Array([4, 3], dtype=int64), Array([1, 3], dtype=int32))
    """
    x = _arr(operand)
    nd = len(x.shape)
    if nd == 0:
        raise ShapeError(f"top_k: operand must have rank >= 1 (at {user_location()})")
    axis = _canon_axis(axis, nd)
    if axis != nd - 1:
        perm = tuple(i for i in range(nd) if i != axis) + (axis,)
        inv = tuple(int(i) for i in np.argsort(perm))
        vals, idx = bind(P.top_k_p, transpose(x, perm), k=int(k))
        return transpose(vals, inv), transpose(idx, inv)
    vals, idx = bind(P.top_k_p, x, k=int(k))
    return vals, idx


# ---------------------------------------------------------------------------
# Gather / scatter


class GatherScatterMode:
    """Out-of-bounds index handling for gather/scatter (strings, as JAX accepts).

    ``"clip"`` clamps indices; ``"fill"`` (alias ``"drop"``, ``"fill_or_drop"``,
    the default for scatter) fills gathered values with ``fill_value`` and
    drops scattered updates; ``"promise_in_bounds"`` (the default for gather,
    as in JAX) lets the backend assume they are in bounds (the NumPy backend
    clamps).
    """

    CLIP = "clip"
    FILL_OR_DROP = "fill"
    PROMISE_IN_BOUNDS = "promise_in_bounds"

    _ALIASES = {"clip": "clip", "fill": "fill", "drop": "fill", "fill_or_drop": "fill",
                "promise_in_bounds": "promise_in_bounds"}

    @classmethod
    def from_any(cls, mode: Any) -> str:
        """The canonical mode string for a string, None or a JAX ``GatherScatterMode``."""
        if mode is None:
            return cls.FILL_OR_DROP
        key = mode if isinstance(mode, str) else getattr(mode, "name", str(mode))
        m = cls._ALIASES.get(key.lower())
        if m is None:
            raise ValueError(f"unknown gather/scatter mode {mode!r}; expected one of "
                             f"{sorted(cls._ALIASES)} (at {user_location()})")
        return m


def _gather_dn(dn: Any) -> GatherDimensionNumbers:
    if isinstance(dn, GatherDimensionNumbers):
        return dn
    return GatherDimensionNumbers(
        tuple(dn.offset_dims), tuple(dn.collapsed_slice_dims), tuple(dn.start_index_map),
        tuple(getattr(dn, "operand_batching_dims", ())),
        tuple(getattr(dn, "start_indices_batching_dims", ())))


def _scatter_dn(dn: Any) -> ScatterDimensionNumbers:
    if isinstance(dn, ScatterDimensionNumbers):
        return dn
    return ScatterDimensionNumbers(
        tuple(dn.update_window_dims), tuple(dn.inserted_window_dims),
        tuple(dn.scatter_dims_to_operand_dims),
        tuple(getattr(dn, "operand_batching_dims", ())),
        tuple(getattr(dn, "scatter_indices_batching_dims", ())))


def gather(operand: ArrayLike, start_indices: ArrayLike, dimension_numbers: Any,
           slice_sizes: Sequence[int], *, unique_indices: bool = False,
           indices_are_sorted: bool = False, mode: Any = None, fill_value: Any = None) -> Array:
    """XLA gather, like ``jax.lax.gather`` (the index vector is the last axis).

    >>> dn = lax.GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(0,),
    ...                                 start_index_map=(0,))
    >>> lax.gather(np.array([10, 20, 30]), np.array([[2], [0]]), dn, (1,))
    Array([30, 10], dtype=int64)
    """
    if _is_traced(fill_value):
        raise TypeError(f"gather: fill_value must be a static scalar (at {user_location()})")
    m = GatherScatterMode.PROMISE_IN_BOUNDS if mode is None else GatherScatterMode.from_any(mode)
    if m != GatherScatterMode.FILL_OR_DROP:
        fill_value = None
    elif fill_value is not None:
        fill_value = np.asarray(fill_value).item()
    return bind(P.gather_p, _arr(operand), _arr(start_indices),
                dimension_numbers=_gather_dn(dimension_numbers),
                slice_sizes=_ints(slice_sizes, "gather: slice_sizes"),
                mode=m, fill_value=fill_value)


def _scatter_fn(prim: P.Primitive, name: str, doc: str) -> Callable[..., Array]:
    def fn(operand: ArrayLike, scatter_indices: ArrayLike, updates: ArrayLike,
           dimension_numbers: Any, *, indices_are_sorted: bool = False,
           unique_indices: bool = False, mode: Any = None) -> Array:
        x = _arr(operand)
        u = _to_dtype(updates, _aval(x).dtype) if _is_weak(updates) else _arr(updates)
        _same_dtype(name, x, u)
        return bind(prim, x, _arr(scatter_indices), u,
                    dimension_numbers=_scatter_dn(dimension_numbers),
                    mode=GatherScatterMode.from_any(mode),
                    indices_are_sorted=bool(indices_are_sorted),
                    unique_indices=bool(unique_indices))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def _sdoc(name: str, what: str, out: str) -> str:
    return (
        f"XLA scatter that {what}, like ``jax.lax.{name}``.\n\n"
        ">>> dn = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),\n"
        "...                                  scatter_dims_to_operand_dims=(0,))\n"
        f">>> lax.{name}(np.array([1, 2, 3]), np.array([[0], [0]]), np.array([5, 5]), dn)\n"
        f"{out}\n")


scatter = _scatter_fn(P.scatter_p, "scatter", _sdoc(
    "scatter", "overwrites", "Array([5, 2, 3], dtype=int64)"))
scatter_add = _scatter_fn(P.scatter_add_p, "scatter_add", _sdoc(
    "scatter_add", "adds", "Array([11,  2,  3], dtype=int64)"))
scatter_mul = _scatter_fn(P.scatter_mul_p, "scatter_mul", _sdoc(
    "scatter_mul", "multiplies", "Array([25,  2,  3], dtype=int64)"))
scatter_min = _scatter_fn(P.scatter_min_p, "scatter_min", _sdoc(
    "scatter_min", "takes the minimum", "Array([1, 2, 3], dtype=int64)"))
scatter_max = _scatter_fn(P.scatter_max_p, "scatter_max", _sdoc(
    "scatter_max", "takes the maximum", "Array([5, 2, 3], dtype=int64)"))


# ---------------------------------------------------------------------------
# stop_gradient


def stop_gradient(x: Any) -> Any:
    """Identity whose derivative is zero, mapped over a pytree (like ``jax.lax.stop_gradient``).

    Non-float leaves are returned unchanged.

    >>> lax.stop_gradient({"w": np.array([1.0])})
    {'w': Array([1.], dtype=float64)}
    """
    def stop(v: Any) -> Any:
        if dtypes.is_inexact(_aval(v).dtype):
            return bind(P.stop_gradient_p, _arr(v))
        return v
    return tree_util.tree_map(stop, x)


# ---------------------------------------------------------------------------
# Structured control flow


def _cast_outvars(graph: Graph, targets: Sequence[np.dtype | None]) -> Graph:
    """Append converts so that output ``k`` has dtype ``targets[k]`` (None: unchanged)."""
    if all(t is None for t in targets):
        return graph
    src = user_source(2)
    eqns = list(graph.eqns)
    outs = list(graph.outvars)
    for k, dt in enumerate(targets):
        if dt is None or outs[k].aval.dtype == dt:
            continue
        a = outs[k]
        if type(a) is Literal:
            outs[k] = Literal(_scalar(a.val, dt), ShapedArray(a.aval.shape, dt))
        else:
            v = Var(ShapedArray(a.aval.shape, dt))
            eqns.append(Equation(P.convert_element_type_p, [a], [v],
                                 Params(new_dtype=dt, weak_type=False), src))
            outs[k] = v
    return Graph(graph.invars, eqns, outs, graph.constvars)


def _join(avals: Sequence[ShapedArray]) -> tuple[np.dtype, list[bool]]:
    """The common dtype of avals that may differ only in weakly-typed members.

    Returns the dtype and, per aval, whether it is acceptable (strong avals
    must already have the common dtype).
    """
    dt, _ = dtypes.result_type_weak(*[(a.dtype, a.weak_type) for a in avals])
    return dt, [a.dtype == dt or a.weak_type for a in avals]


def _paths(tree_or_value: Any) -> list[str]:
    return [tree_util.keystr(p) for p, _ in tree_util.tree_flatten_with_path(tree_or_value)[0]]


def _fmt(avals: Sequence[ShapedArray]) -> str:
    return "(" + ", ".join(a.str_short() for a in avals) + ")"


def _operand_avals(leaves: Sequence[Any], what: str) -> list[ShapedArray]:
    return [_aval(x, what) for x in leaves]


def _cast_value(x: Any, aval: ShapedArray) -> Any:
    """An initial carry value converted to the (promoted) carry dtype."""
    if _aval(x).dtype == aval.dtype:
        return x
    return _to_dtype(x, aval.dtype)


def _bind_cond(index: Any, funs: Sequence[Callable], names: Sequence[str],
               operands: tuple, api: str) -> Any:
    """Trace every branch once and bind one ``cond`` equation (branch k for index k)."""
    leaves, tree = tree_util.tree_flatten(operands)
    in_avals = _operand_avals(leaves, f"{api} operand")
    args = tree_util.tree_unflatten(tree, in_avals)
    traced = [trace_to_graph(f, args, f"{api}: {name}") for f, name in zip(funs, names)]
    out_tree = traced[0].out_tree
    for name, t in zip(names, traced):
        if t.out_tree != out_tree:
            raise ShapeError(
                f"{api}: branches must return the same pytree structure; {names[0]} returns "
                f"{out_tree} but {name} returns {t.out_tree} (at {user_location()})")
    outs = [[v.aval for v in t.graph.outvars] for t in traced]
    paths = _paths(tree_util.tree_unflatten(out_tree, [0] * out_tree.num_leaves))
    casts: list[list[np.dtype | None]] = [[] for _ in traced]
    for k in range(out_tree.num_leaves):
        col = [o[k] for o in outs]
        same_shape = all(a.shape == col[0].shape for a in col)
        dt, ok = _join(col)
        if not same_shape or not all(ok):
            desc = ", ".join(f"{n} returns {a.str_short()}" for n, a in zip(names, col))
            where = f" at output{paths[k]}" if paths[k] else ""
            raise ShapeError(f"{api}: branches must return the same types (shape and dtype)"
                             f"{where}: {desc} (at {user_location()})")
        for c, a in zip(casts, col):
            c.append(dt if a.dtype != dt else None)
    # All branches take the union of the branches' closed-over values first.
    union: list[Any] = []
    union_avals: list[ShapedArray] = []
    seen: set[int] = set()
    for t in traced:
        for c, v in zip(t.consts, t.graph.constvars):
            if id(c) not in seen:
                seen.add(id(c))
                union.append(c)
                union_avals.append(v.aval)
    branches = []
    for t, cast in zip(traced, casts):
        g = _cast_outvars(t.graph, cast)
        mine = {id(c): v for c, v in zip(t.consts, g.constvars)}
        lead = [mine[id(c)] if id(c) in mine else Var(a) for c, a in zip(union, union_avals)]
        branches.append(lead_invars(g, lead))
    results = bind(P.cond_p, index, *union, *leaves, branches=tuple(branches))
    return tree_util.tree_unflatten(out_tree, results)


def _operands(operands: tuple, operand: Any, api: str) -> tuple:
    if operand is not _NO_OPERAND:
        if operands:
            raise TypeError(f"{api}: pass operands positionally or with operand=, not both "
                            f"(at {user_location()})")
        return (operand,)
    return operands


_NO_OPERAND = object()


def cond(pred: ArrayLike, true_fun: Callable, false_fun: Callable, *operands: Any,
         operand: Any = _NO_OPERAND) -> Any:
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``, like ``jax.lax.cond``.

    ``pred`` is a bool or integer scalar (integers: nonzero is true), possibly
    traced.  Both branches are traced once and must return the same types; one
    ``cond`` equation records both.

    >>> lax.cond(np.array(3.0) > 2, lambda x: x * 2, lambda x: x - 1, np.array(3.0))
    Array(6., dtype=float64)
    """
    ops = _operands(operands, operand, "lax.cond")
    if not callable(true_fun) or not callable(false_fun):
        raise TypeError(f"lax.cond: true_fun and false_fun must be callable "
                        f"(at {user_location()})")
    if type(pred) in _PY_SCALARS or isinstance(pred, (np.ndarray, np.generic)):
        p = np.asarray(pred)
        if p.shape != ():
            raise ShapeError(f"lax.cond: pred must be a scalar, got shape {p.shape} "
                             f"(at {user_location()})")
        if p.dtype.kind not in "biu":
            raise TypeError(f"lax.cond: pred must be boolean or integer, got {p.dtype.name} "
                            f"(at {user_location()})")
        index: Any = np.int32(1 if p != 0 else 0)
    else:
        a = _aval(pred, "lax.cond pred")
        if a.shape != ():
            raise ShapeError(f"lax.cond: pred must be a scalar, got {a.str_short()} "
                             f"(at {user_location()})")
        if a.dtype.kind not in "biu":
            raise TypeError(f"lax.cond: pred must be boolean or integer, got {a.str_short()} "
                            f"(at {user_location()})")
        if a.dtype != dtypes.bool_:
            pred = bind(P.ne_p, pred, _scalar(0, a.dtype))
        index = bind(P.convert_element_type_p, pred, new_dtype=dtypes.int32, weak_type=False)
    return _bind_cond(index, (false_fun, true_fun), ("false_fun", "true_fun"), ops, "lax.cond")


def switch(index: ArrayLike, branches: Sequence[Callable], *operands: Any,
           operand: Any = _NO_OPERAND) -> Any:
    """``branches[index](*operands)``, like ``jax.lax.switch``.

    ``index`` is an integer scalar, clamped to ``[0, len(branches) - 1]``.

    >>> fs = [lambda x: x + 1, lambda x: x * 10, lambda x: -x]
    >>> lax.switch(1, fs, np.array(2)), lax.switch(7, fs, np.array(2))
    (Array(20, dtype=int64), Array(-2, dtype=int64))
    """
    ops = _operands(operands, operand, "lax.switch")
    branches = list(branches)
    if not branches:
        raise ValueError(f"lax.switch: empty branch sequence (at {user_location()})")
    if not all(callable(b) for b in branches):
        raise TypeError(f"lax.switch: branches must be callables (at {user_location()})")
    n = len(branches)
    if type(index) in _PY_SCALARS or isinstance(index, (np.ndarray, np.generic)):
        i = np.asarray(index)
        if i.shape != () or i.dtype.kind not in "iu" or type(index) is bool:
            raise TypeError(f"lax.switch: index must be an integer scalar, got {index!r} "
                            f"(at {user_location()})")
        idx: Any = np.int32(builtins.min(builtins.max(int(i), 0), n - 1))
    else:
        a = _aval(index, "lax.switch index")
        if a.shape != () or a.dtype.kind not in "iu":
            raise TypeError(f"lax.switch: index must be an integer scalar, got "
                            f"{a.str_short()} (at {user_location()})")
        hi = builtins.min(n - 1, np.iinfo(a.dtype).max)
        idx = bind(P.min_p, bind(P.max_p, index, _scalar(0, a.dtype)), _scalar(hi, a.dtype))
        if a.dtype != dtypes.int32:
            idx = bind(P.convert_element_type_p, idx, new_dtype=dtypes.int32, weak_type=False)
    if n == 1:
        return branches[0](*ops)
    return _bind_cond(idx, branches, [f"branch {k}" for k in range(n)], ops, "lax.switch")


def _unify_carry(in_avals: list[ShapedArray], out_avals: list[ShapedArray], paths: list[str],
                 api: str, fname: str) -> tuple[list[ShapedArray], list[np.dtype | None], bool]:
    """Agree carry types: promote weak inputs, convert weak outputs, else raise."""
    new_in: list[ShapedArray] = []
    casts: list[np.dtype | None] = []
    changed = False
    for path, a, b in zip(paths, in_avals, out_avals):
        dt, ok = _join([a, b])
        if a.shape != b.shape or not all(ok):
            where = f" carry{path}" if path else " carry"
            raise ShapeError(
                f"{api}: {fname} must return a carry of the same type as its input; the"
                f"{where} is {a.str_short()} on input but {fname} returns {b.str_short()}. "
                f"Cast it (lax.convert_element_type) or change the initial value "
                f"(at {user_location()})")
        if a.dtype != dt:
            new_in.append(ShapedArray(a.shape, dt, a.weak_type and b.weak_type))
            changed = True
        else:
            new_in.append(a)
        casts.append(dt if b.dtype != dt else None)
    return new_in, casts, changed


def _trace_loop_body(fun: Callable, carry_tree: Any, carry_avals: list[ShapedArray],
                     extra: tuple, paths: list[str], api: str, fname: str,
                     returns_pair: bool) -> tuple[Graph, list, list[ShapedArray], Any]:
    """Trace a loop body until its carry types agree (at most a few retraces).

    ``fun(carry, *extra)`` returns the new carry, or ``(carry, y)`` when
    ``returns_pair``.  Returns the graph (carry outputs first, then y leaves),
    its consts, the final carry avals and the pytree of ``y``.
    """
    info: dict[str, Any] = {}

    def body(carry: Any, *rest: Any) -> Any:
        out = fun(carry, *rest)
        if returns_pair:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError(f"{api}: {fname} must return a pair (carry, y), got "
                                f"{type(out).__name__} (at {user_location()})")
            c_out, y = out
        else:
            c_out, y = out, None
        c_leaves, c_tree = tree_util.tree_flatten(c_out)
        if c_tree != carry_tree:
            raise ShapeError(
                f"{api}: {fname} must return a carry with the same pytree structure as its "
                f"input; input {carry_tree}, returned {c_tree} (at {user_location()})")
        y_leaves, info["y_tree"] = tree_util.tree_flatten(y)
        return c_leaves + y_leaves

    for _ in range(4):
        carry_in = tree_util.tree_unflatten(carry_tree, carry_avals)
        traced = trace_to_graph(body, (carry_in,) + extra, f"{api}: {fname}")
        n = len(carry_avals)
        out_avals = [v.aval for v in traced.graph.outvars[:n]]
        new_avals, casts, changed = _unify_carry(carry_avals, out_avals, paths, api, fname)
        if not changed:
            g = _cast_outvars(traced.graph, casts + [None] * (len(traced.graph.outvars) - n))
            return g, traced.consts, carry_avals, info["y_tree"]
        carry_avals = new_avals
    raise ShapeError(f"{api}: the carry type of {fname} does not settle "  # pragma: no cover
                     f"(at {user_location()})")


def while_loop(cond_fun: Callable, body_fun: Callable, init_val: Any, *,
               max_iterations: int | None = None) -> Any:
    """Repeat ``val = body_fun(val)`` while ``cond_fun(val)``, like ``jax.lax.while_loop``.

    The carry is a pytree whose types must not change; ``cond_fun`` returns a
    boolean scalar.  The trip count may depend on traced data.

    ``max_iterations`` (not in JAX) bounds the trip count: the loop stops after
    at most that many iterations even if ``cond_fun`` still holds.  With it,
    reverse-mode differentiation (``grad``, ``vjp``) works, as through a
    ``scan`` of that length; without it only forward mode does (as in JAX).

    >>> lax.while_loop(lambda c: c[0] < 5, lambda c: (c[0] + 1, c[1] * 2), (0, 1))
    (Array(5, dtype=int64), Array(32, dtype=int64))
    """
    leaves, tree = tree_util.tree_flatten(init_val)
    avals = _operand_avals(leaves, "lax.while_loop init_val")
    paths = _paths(init_val)
    bgraph, bconsts, avals, _ = _trace_loop_body(
        body_fun, tree, avals, (), paths, "lax.while_loop", "body_fun", False)
    ctraced = trace_to_graph(cond_fun, (tree_util.tree_unflatten(tree, avals),),
                             "lax.while_loop: cond_fun")
    couts = [v.aval for v in ctraced.graph.outvars]
    if len(couts) != 1 or couts[0].shape != () or couts[0].dtype != dtypes.bool_:
        raise ShapeError(f"lax.while_loop: cond_fun must return a boolean scalar, got "
                         f"{_fmt(couts)} (at {user_location()})")
    init = [_cast_value(x, a) for x, a in zip(leaves, avals)]
    cgraph = lead_invars(ctraced.graph, ctraced.graph.constvars)
    bclosed = lead_invars(bgraph, bgraph.constvars)
    extra: dict[str, int] = {}
    if max_iterations is not None:
        if isinstance(max_iterations, bool) or not isinstance(max_iterations,
                                                              (int, np.integer)) \
                or max_iterations < 0:
            raise TypeError(f"lax.while_loop: max_iterations must be a non-negative static "
                            f"int, got {max_iterations!r} (at {user_location()})")
        extra["max_iterations"] = int(max_iterations)
    outs = bind(P.while_p, *ctraced.consts, *bconsts, *init, cond_graph=cgraph,
                body_graph=bclosed, cond_nconsts=len(ctraced.consts),
                body_nconsts=len(bconsts), **extra)
    return tree_util.tree_unflatten(tree, outs)


def scan(f: Callable, init: Any, xs: Any = None, length: int | None = None,
         reverse: bool = False, unroll: int | bool = 1) -> tuple[Any, Any]:
    """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs``, like ``jax.lax.scan``.

    Returns the final carry and the stacked ``y``s.  ``xs`` is a pytree (or
    None with ``length``); ``reverse`` scans from the end.

    >>> lax.scan(lambda c, x: (c + x, c), 0, np.array([1, 2, 3]))
    (Array(6, dtype=int64), Array([0, 1, 3], dtype=int64))
    """
    x_leaves, x_tree = tree_util.tree_flatten(xs)
    x_avals = _operand_avals(x_leaves, "lax.scan xs")
    x_paths = _paths(xs)
    for p, a in zip(x_paths, x_avals):
        if a.ndim == 0:
            raise ShapeError(f"lax.scan: xs{p} is a scalar {a.str_short()}; every xs leaf "
                             f"needs a leading axis to scan over (at {user_location()})")
    lengths = [a.shape[0] for a in x_avals]
    if length is not None:
        try:
            length = int(length)
        except ConcretizationError:
            raise
        if any(n != length for n in lengths):
            desc = ", ".join(f"xs{p}: {n}" for p, n in zip(x_paths, lengths))
            raise ShapeError(f"lax.scan: length={length} but xs have leading axis sizes "
                             f"{desc} (at {user_location()})")
    elif not lengths:
        raise ValueError(f"lax.scan: got no xs to scan over and no length (at "
                         f"{user_location()})")
    elif len(set(lengths)) > 1:
        desc = ", ".join(f"xs{p}: {n}" for p, n in zip(x_paths, lengths))
        raise ShapeError(f"lax.scan: xs have inconsistent leading axis sizes ({desc}); "
                         f"all must be equal (at {user_location()})")
    else:
        length = lengths[0]
    if isinstance(unroll, bool):
        unroll = builtins.max(length, 1) if unroll else 1
    unroll = int(unroll)
    if unroll < 1:
        raise ValueError(f"lax.scan: unroll must be a bool or a positive int, got {unroll} "
                         f"(at {user_location()})")
    c_leaves, c_tree = tree_util.tree_flatten(init)
    c_avals = _operand_avals(c_leaves, "lax.scan init")
    x_slice = tree_util.tree_unflatten(x_tree, [ShapedArray(a.shape[1:], a.dtype)
                                                for a in x_avals])
    graph, consts, c_avals, y_tree = _trace_loop_body(
        f, c_tree, c_avals, (x_slice,), _paths(init), "lax.scan", "f", True)
    carry = [_cast_value(x, a) for x, a in zip(c_leaves, c_avals)]
    outs = bind(P.scan_p, *consts, *carry, *x_leaves, graph=lead_invars(graph, graph.constvars),
                num_consts=len(consts), num_carry=len(carry), length=length,
                reverse=bool(reverse), unroll=unroll)
    n = len(carry)
    return (tree_util.tree_unflatten(c_tree, outs[:n]),
            tree_util.tree_unflatten(y_tree, outs[n:]))


def _static_int(x: Any) -> int | None:
    """The value of a concretely known integer scalar, else None."""
    if isinstance(x, (int, np.integer)):
        return int(x)
    a = _aval(x, "lax.fori_loop bound")
    if a.shape != () or a.dtype.kind not in "iu":
        raise TypeError(f"lax.fori_loop: lower and upper must be integer scalars, got "
                        f"{a.str_short()} (at {user_location()})")
    try:
        return int(x)
    except ConcretizationError:
        return None


def fori_loop(lower: ArrayLike, upper: ArrayLike, body_fun: Callable, init_val: Any, *,
              unroll: int | bool | None = None) -> Any:
    """``for i in range(lower, upper): val = body_fun(i, val)``, like ``jax.lax.fori_loop``.

    With concrete bounds this is a ``scan`` (fixed trip count); with traced
    bounds a ``while_loop``.

    >>> lax.fori_loop(1, 4, lambda i, acc: acc * i, 1)
    Array(6, dtype=int64)
    """
    lo, hi = _static_int(lower), _static_int(upper)
    dt = dtypes.result_type(lower, upper)
    if lo is not None and hi is not None:
        i0: Any = lo if type(lower) is int and type(upper) is int else _scalar(lo, dt)

        def scan_body(carry: Any, _: Any) -> Any:
            i, x = carry
            return (add(i, 1), body_fun(i, x)), None

        (_, out), _ = scan(scan_body, (i0, init_val), None, length=builtins.max(hi - lo, 0),
                           unroll=1 if unroll is None else unroll)
        return out
    if unroll is not None and unroll is not False and unroll != 1:
        raise ValueError(f"lax.fori_loop: unroll requires static (concrete) loop bounds "
                         f"(at {user_location()})")

    def while_cond(carry: Any) -> Any:
        i, u, _ = carry
        return lt(i, u)

    def while_body(carry: Any) -> Any:
        i, u, x = carry
        return add(i, 1), u, body_fun(i, x)

    _, _, out = while_loop(while_cond, while_body,
                           (_to_dtype(lower, dt), _to_dtype(upper, dt), init_val))
    return out


def map(f: Callable, xs: Any, *, batch_size: int | None = None) -> Any:  # noqa: A001
    """``f`` applied to each slice of ``xs`` along the leading axis, like ``jax.lax.map``.

    One ``scan`` equation; ``batch_size`` is accepted and does not change the
    result.

    >>> lax.map(lambda x: x * x, np.array([1, 2, 3]))
    Array([1, 4, 9], dtype=int64)
    """
    _, ys = scan(lambda _, x: ((), f(x)), (), xs)
    return ys


# ---------------------------------------------------------------------------
# Special functions (the primitives behind tracer.scipy.special)

lgamma = _unary_fn(P.lgamma_p, "lgamma", _udoc(
    "lgamma", "log-gamma ``log|Gamma(x)|``", "np.array([1.0, 3.0])",
    "Array([0.        , 0.69314718], dtype=float64)"))
digamma = _unary_fn(P.digamma_p, "digamma", _udoc(
    "digamma", "digamma ``(log Gamma)'``", "np.array([1.0])",
    "Array([-0.57721566], dtype=float64)"))
erf_inv = _unary_fn(P.erf_inv_p, "erf_inv", _udoc(
    "erf_inv", "inverse error function", "np.array([0.0, 1.0])",
    "Array([ 0., inf], dtype=float64)"))
erfc = _unary_fn(P.erfc_p, "erfc", _udoc(
    "erfc", "complementary error function ``1 - erf(x)``", "np.array([0.0])",
    "Array([1.], dtype=float64)"))
__all__ += ["lgamma", "digamma", "erf_inv", "erfc"]
