"""``tracer.nn``: neural-network helpers with ``jax.nn``'s names and signatures.

Written on primitives (``bind``) and the finished ``tnp`` elementwise family,
so they work eagerly, under every recorder and under every transform.

Decisions:

* Integer and bool inputs of the float-valued functions (``gelu``,
  ``softmax``, ``logsumexp``, ...) are promoted to float64, NumPy's default
  float (JAX promotes int32 to float32 there); float32 stays float32.
  ``relu``, ``relu6`` and ``hard_tanh`` keep integer dtypes (NumPy's
  ``maximum``/``minimum`` promotion with weak Python-int bounds).
* ``softmax``/``log_softmax``/``logsumexp`` subtract the maximum wrapped in
  ``stop_gradient`` (the result does not depend on it mathematically, and
  its gradient would only add cancelling terms), as JAX does.
* Derivatives at kinks are ``jax.nn``'s: ``relu`` 0 at 0, ``relu6`` 0 at 0 and
  6 (so ``hard_sigmoid``/``hard_silu`` at +-3), ``hard_tanh`` 1 at +-1,
  ``softplus``/``log_sigmoid`` exactly 1/2 at 0 (through ``tnp.logaddexp``).
  The derivative is routed by selects, never by ``maximum``/``minimum``'s
  0.5/0.5 tie rule; branches that could overflow see a safe input (``elu``,
  ``celu``), so an unselected branch adds no NaN to the derivative.
* ``one_hot`` defaults to float64 (NumPy's default float, not JAX's float32).
* ``where=`` masks are supported by ``softmax``, ``log_softmax``,
  ``logsumexp`` and ``standardize`` as in ``jax.nn``.
"""
from __future__ import annotations

import math
import operator
from typing import Any, Sequence

import numpy as np

from tracer import dtypes
from tracer import primitives as P
from tracer.ir import user_location
from tracer.numpy import _elementwise as ew
from tracer.numpy._core import asarray, broadcast_to_raw, convert, normalize_axes, reshape_raw
from tracer.tracing import bind

__all__ = [
    "relu", "relu6", "leaky_relu", "elu", "celu", "selu", "gelu", "sigmoid", "log_sigmoid",
    "softplus", "soft_sign", "silu", "swish", "hard_tanh", "hard_sigmoid", "hard_silu",
    "hard_swish", "glu", "softmax", "log_softmax", "logsumexp", "one_hot", "standardize",
]


def __dir__() -> list[str]:
    """``dir(nn)`` (tab completion) lists the functions only, not this module's imports."""
    return sorted(__all__)

Axis = int | Sequence[int] | None


# ---------------------------------------------------------------------------
# helpers (bind only)


def _inexact(x: Any) -> Any:
    """``x`` as an array of a floating dtype (ints and bools become float64)."""
    x = asarray(x)
    if not dtypes.is_inexact(x.dtype):
        x = convert(x, dtypes.float64)
    return x


def _c(x: Any, value: float) -> Any:
    """A scalar constant of ``x``'s dtype."""
    return np.asarray(value, dtype=x.dtype)[()]


def _stop(x: Any) -> Any:
    return bind(P.stop_gradient_p, x)


def _mask(where: Any, x: Any) -> Any:
    """The boolean mask ``where`` broadcast to ``x``'s shape."""
    w = asarray(where)
    if w.dtype != dtypes.bool_:
        w = bind(P.ne_p, w, np.zeros((), w.dtype)[()])
    return broadcast_to_raw(w, tuple(x.shape))


def _fill(x: Any, mask: Any, value: float) -> Any:
    """``where(mask, x, value)``."""
    return bind(P.select_n_p, mask, _c(x, value), x)


def _reduce(p: P.Primitive, x: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    r = bind(p, x, axes=axes) if axes else x
    if keepdims and axes:
        r = reshape_raw(r, tuple(1 if i in axes else d for i, d in enumerate(x.shape)))
    return r


def _axes(axis: Axis, ndim: int) -> tuple[int, ...]:
    return tuple(sorted(normalize_axes(axis, ndim)))


# ---------------------------------------------------------------------------
# activations


def relu(x: Any) -> Any:
    """Rectified linear unit, ``max(x, 0)``; its derivative at 0 is 0 (as ``jax.nn.relu``).

    Written with selects rather than ``maximum`` (whose derivative splits ties
    0.5/0.5): NaN stays NaN (with derivative 0, as JAX's ``select(x > 0, g, 0)``),
    ``-inf`` gives 0.

    >>> relu(asarray([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """
    x = asarray(x)
    return ew.where(ew.greater(x, 0), x, ew.where(ew.isnan(x), _stop(x), 0))


def relu6(x: Any) -> Any:
    """``min(max(x, 0), 6)``; its derivative is 0 at 0 and at 6 (as ``jax.nn.relu6``).

    The derivative flows only where ``0 < x < 6`` (a select, not the 0.5/0.5
    tie rule of ``maximum``/``minimum``); elsewhere the value is the clipped
    constant (NaN stays NaN).

    >>> relu6(asarray([-1.0, 7.0])).tolist()
    [0.0, 6.0]
    """
    x = asarray(x)
    inside = ew.logical_and(ew.greater(x, 0), ew.less(x, 6))
    return ew.where(inside, x, _stop(ew.minimum(ew.maximum(x, 0), 6)))


def leaky_relu(x: Any, negative_slope: float = 1e-2) -> Any:
    """``x`` where ``x >= 0`` else ``negative_slope * x``.

    >>> leaky_relu(asarray([-1.0, 2.0]), 0.5).tolist()
    [-0.5, 2.0]
    """
    x = _inexact(x)
    return ew.where(ew.greater_equal(x, 0), x, ew.multiply(negative_slope, x))


def elu(x: Any, alpha: float = 1.0) -> Any:
    """Exponential linear unit: ``x`` if ``x > 0`` else ``alpha * expm1(x)``.

    >>> elu(asarray([0.0, 1.0])).tolist()
    [0.0, 1.0]
    """
    x = _inexact(x)
    safe = bind(P.select_n_p, bind(P.gt_p, x, _c(x, 0)), x, _c(x, 0.0))  # where(x>0, 0, x)
    return ew.where(ew.greater(x, 0), x, ew.multiply(alpha, bind(P.expm1_p, safe)))


def celu(x: Any, alpha: float = 1.0) -> Any:
    """Continuously-differentiable ELU: ``max(x, 0) + alpha * expm1(min(x, 0) / alpha)``.

    ``expm1`` sees ``min(x, 0)``, never a large ``x`` (``expm1(x / alpha)``
    overflowed, and ``0 * inf`` made the derivative NaN at ``x = 710``).

    >>> celu(asarray([0.0, 1.0])).tolist()
    [0.0, 1.0]
    """
    x = _inexact(x)
    neg = ew.multiply(alpha, ew.expm1(ew.divide(ew.minimum(x, 0), alpha)))
    return ew.add(ew.maximum(x, 0), neg)


def selu(x: Any) -> Any:
    """Scaled ELU with the self-normalizing constants.

    >>> round(float(selu(asarray(1.0))), 4)
    1.0507
    """
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    return ew.multiply(scale, elu(x, alpha))


def gelu(x: Any, approximate: bool = True) -> Any:
    """Gaussian error linear unit; the tanh approximation by default (as JAX),
    the exact ``x * erfc(-x / sqrt 2) / 2`` with ``approximate=False`` (``erfc``,
    not ``1 + erf``, which cancels in the left tail: ``gelu(-10)`` is -7.6e-23).

    >>> float(gelu(asarray(0.0)))
    0.0
    """
    x = _inexact(x)
    if approximate:
        x3 = bind(P.integer_pow_p, x, y=3)
        inner = bind(P.mul_p, _c(x, math.sqrt(2 / math.pi)),
                     bind(P.add_p, x, bind(P.mul_p, _c(x, 0.044715), x3)))
        cdf = bind(P.mul_p, _c(x, 0.5), bind(P.add_p, _c(x, 1.0), bind(P.tanh_p, inner)))
        return bind(P.mul_p, x, cdf)
    e = bind(P.erfc_p, bind(P.mul_p, x, _c(x, -math.sqrt(0.5))))
    return bind(P.mul_p, bind(P.mul_p, _c(x, 0.5), x), e)


def sigmoid(x: Any) -> Any:
    """Logistic sigmoid ``1 / (1 + exp(-x))``.

    >>> float(sigmoid(asarray(0.0)))
    0.5
    """
    return bind(P.logistic_p, _inexact(x))


def log_sigmoid(x: Any) -> Any:
    """``log(sigmoid(x)) = -softplus(-x)``.

    >>> round(float(log_sigmoid(asarray(0.0))), 4)
    -0.6931
    """
    return ew.negative(softplus(ew.negative(_inexact(x))))


def softplus(x: Any) -> Any:
    """``log(1 + exp(x))``, computed stably as ``logaddexp(x, 0)``.

    >>> round(float(softplus(asarray(0.0))), 4)
    0.6931
    """
    return ew.logaddexp(_inexact(x), 0)


def soft_sign(x: Any) -> Any:
    """``x / (|x| + 1)``.

    >>> soft_sign(asarray([1.0, -3.0])).tolist()
    [0.5, -0.75]
    """
    x = _inexact(x)
    return ew.divide(x, ew.add(ew.absolute(x), 1))


def silu(x: Any) -> Any:
    """SiLU (swish): ``x * sigmoid(x)``.

    >>> float(silu(asarray(0.0)))
    0.0
    """
    x = _inexact(x)
    return bind(P.mul_p, x, bind(P.logistic_p, x))


swish = silu


def hard_tanh(x: Any) -> Any:
    """``clip(x, -1, 1)`` (integer inputs stay integer, as in JAX).

    Written as JAX's ``where(x > 1, 1, where(x < -1, -1, x))``: the derivative
    is 1 on the closed interval ``[-1, 1]`` (not ``clip``'s 0.5 at the bounds).

    >>> hard_tanh(asarray([-2.0, 0.5])).tolist()
    [-1.0, 0.5]
    """
    x = asarray(x)
    return ew.where(ew.greater(x, 1), 1, ew.where(ew.less(x, -1), -1, x))


def hard_sigmoid(x: Any) -> Any:
    """``relu6(x + 3) / 6``.

    >>> float(hard_sigmoid(asarray(0.0)))
    0.5
    """
    return ew.divide(relu6(ew.add(_inexact(x), 3)), 6)


def hard_silu(x: Any) -> Any:
    """``x * hard_sigmoid(x)``.

    >>> float(hard_silu(asarray(3.0)))
    3.0
    """
    x = _inexact(x)
    return ew.multiply(x, hard_sigmoid(x))


hard_swish = hard_silu


def glu(x: Any, axis: int = -1) -> Any:
    """Gated linear unit: split ``x`` in two along ``axis``, ``a * sigmoid(b)``.

    >>> glu(asarray([[1.0, 0.0]])).tolist()
    [[0.5]]
    """
    x = _inexact(x)
    ax = normalize_axes(axis, x.ndim)[0]
    n = x.shape[ax]
    if n % 2:
        raise ValueError(f"glu: axis {axis} of size {n} must be even (at {user_location()})")
    lo = [0] * x.ndim
    mid = list(x.shape)
    mid[ax] = n // 2
    hi_start = [0] * x.ndim
    hi_start[ax] = n // 2
    a = bind(P.slice_p, x, start_indices=tuple(lo), limit_indices=tuple(mid), strides=None)
    b = bind(P.slice_p, x, start_indices=tuple(hi_start), limit_indices=tuple(x.shape),
             strides=None)
    return bind(P.mul_p, a, bind(P.logistic_p, b))


# ---------------------------------------------------------------------------
# normalizations and reductions


def _masked_max(x: Any, axes: tuple[int, ...], mask: Any | None) -> Any:
    """Max over ``axes`` (kept as size 1) with ``initial=-inf``, masked."""
    xm = x if mask is None else _fill(x, mask, -np.inf)
    return _reduce(P.reduce_max_p, xm, axes, keepdims=True)


def _masked_sum(x: Any, axes: tuple[int, ...], mask: Any | None, keepdims: bool) -> Any:
    xm = x if mask is None else _fill(x, mask, 0.0)
    return _reduce(P.reduce_sum_p, xm, axes, keepdims)


def softmax(x: Any, axis: Axis = -1, where: Any = None) -> Any:
    """Softmax along ``axis`` (int, tuple or None); masked-out entries give 0.

    >>> softmax(asarray([0.0, 0.0])).tolist()
    [0.5, 0.5]
    """
    x = _inexact(x)
    axes = _axes(axis, x.ndim)
    mask = None if where is None else _mask(where, x)
    x_max = _stop(_masked_max(x, axes, mask))
    x_safe = x if mask is None else _fill(x, mask, -np.inf)
    unnormalized = bind(P.exp_p, bind(P.sub_p, x_safe, x_max))
    result = bind(P.div_p, unnormalized, _masked_sum(unnormalized, axes, mask, True))
    if mask is not None:
        result = _fill(result, mask, 0.0)
    return result


def log_softmax(x: Any, axis: Axis = -1, where: Any = None) -> Any:
    """Log-softmax along ``axis``; masked-out entries give ``-inf``.

    >>> [round(v, 4) for v in log_softmax(asarray([0.0, 0.0])).tolist()]
    [-0.6931, -0.6931]
    """
    x = _inexact(x)
    axes = _axes(axis, x.ndim)
    mask = None if where is None else _mask(where, x)
    x_max = _stop(_masked_max(x, axes, mask))
    x_safe = x if mask is None else _fill(x, mask, -np.inf)
    shifted = bind(P.sub_p, x_safe, x_max)
    lse = bind(P.log_p, _masked_sum(bind(P.exp_p, shifted), axes, mask, True))
    result = bind(P.sub_p, shifted, lse)
    if mask is not None:
        result = _fill(result, mask, -np.inf)
    return result


def logsumexp(a: Any, axis: Axis = None, b: Any = None, keepdims: bool = False,
              return_sign: bool = False, where: Any = None) -> Any:
    """``log(sum(b * exp(a)))`` over ``axis``, computed stably (``jax.nn.logsumexp``).

    With ``return_sign`` returns ``(log|sum|, sign(sum))``; otherwise a
    negative sum (possible with ``b``) gives NaN.

    >>> round(float(logsumexp(asarray([0.0, 0.0]))), 4)
    0.6931
    """
    a = asarray(a)
    if where is not None:
        a = ew.where(where, a, 0)
    if b is not None:
        a, b = asarray(a), asarray(b)
        dt = dtypes.result_type(a, b)
        if not dtypes.is_inexact(dt):
            dt = dtypes.float64
        a, b = convert(a, dt), convert(b, dt)
        a = ew.where(ew.not_equal(b, 0), a, -np.inf)
    else:
        a = _inexact(a)
    axes = _axes(axis, a.ndim)
    mask = None if where is None else _mask(where, a)
    amax = _masked_max(a, axes, mask)
    amax = _stop(bind(P.select_n_p, bind(P.is_finite_p, amax), _c(amax, 0.0), amax))
    exp_a = bind(P.exp_p, bind(P.sub_p, a, amax))
    if b is not None:
        exp_a = bind(P.mul_p, exp_a, b)
    sumexp = _masked_sum(exp_a, axes, mask, keepdims)
    if not keepdims:
        amax = reshape_raw(amax, tuple(sumexp.shape))
    sign = bind(P.sign_p, sumexp)
    out = bind(P.add_p, bind(P.log_p, bind(P.abs_p, sumexp)), amax)
    if return_sign:
        return out, sign
    if b is not None:
        out = bind(P.select_n_p, bind(P.lt_p, sign, _c(sign, 0)), out, _c(out, np.nan))
    return out


def one_hot(x: Any, num_classes: int, *, dtype: Any = None, axis: int = -1) -> Any:
    """One-hot encode integer ``x`` (out-of-range indices give all zeros).

    ``dtype`` defaults to float64 (NumPy's default float).

    >>> one_hot(asarray([0, 2]), 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    num_classes = operator.index(num_classes)
    x = asarray(x)
    out_dt = dtypes.float64 if dtype is None else dtypes.canonicalize(dtype)
    pos = normalize_axes(axis, x.ndim + 1)[0]
    lhs_shape = list(x.shape)
    lhs_shape.insert(pos, 1)
    lhs = reshape_raw(x, lhs_shape)
    rhs_shape = [1] * x.ndim
    rhs_shape.insert(pos, num_classes)
    rhs = bind(P.iota_p, dtype=x.dtype, shape=tuple(rhs_shape), dimension=pos)
    return convert(bind(P.eq_p, lhs, rhs), out_dt)


def standardize(x: Any, axis: Axis = -1, mean: Any = None, variance: Any = None,
                epsilon: Any = 1e-5, where: Any = None, *, algorithm: str = "fast") -> Any:
    """``(x - mean) / sqrt(variance + epsilon)`` along ``axis`` (``jax.nn.standardize``).

    ``algorithm="fast"`` uses ``mean(x^2) - mean(x)^2`` clipped at 0;
    ``"stable"`` uses ``mean((x - mean)^2)``.

    >>> standardize(asarray([1.0, 3.0]), epsilon=0.0).tolist()
    [-1.0, 1.0]
    """
    if algorithm not in ("fast", "stable"):
        raise ValueError(f"Unknown algorithm '{algorithm}'. Expected 'fast' or 'stable'. "
                         f"(at {user_location()})")
    x = _inexact(x)
    axes = _axes(axis, x.ndim)
    mask = None if where is None else _mask(where, x)

    def _mean(v: Any) -> Any:
        s = _masked_sum(v, axes, mask, True)
        if mask is None:
            n = math.prod(v.shape[i] for i in axes)
            return bind(P.div_p, s, _c(v, n))
        count = _reduce(P.reduce_sum_p, convert(mask, v.dtype), axes, True)
        return bind(P.div_p, s, count)

    if mean is None:
        mean = _mean(x)
    if variance is None:
        if algorithm == "stable":
            variance = _mean(bind(P.integer_pow_p, ew.subtract(x, mean), y=2))
        else:
            variance = ew.subtract(_mean(bind(P.integer_pow_p, x, y=2)), ew.square(mean))
            variance = ew.maximum(variance, 0)
    v = ew.add(variance, epsilon)
    return ew.multiply(ew.subtract(x, mean), bind(P.rsqrt_p, _inexact(v)))
