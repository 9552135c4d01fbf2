"""First derivatives at kinks, ties and branch boundaries, against JAX (issue 11).

One row per composite ``tnp``/``nn``/``lax`` function and its special
points: 0 and -0.0, ties (``x == y``, repeated elements), the bounds of
clips and hard activations, interpolation nodes of quantiles, zero results
of ``mod``, zero divisors, large values whose unselected branch overflows
(710, 1e308) and tiny ones.  Each row is differentiated by graphjit in
reverse mode (``grad``) and forward mode (``jvp``/``jacfwd``) and by JAX
(``jax.grad``/``jax.jvp``/``jax.jacfwd``, x64 enabled), and the results
must agree (NaN where JAX's is NaN).  JAX's values are computed here, not
copied.  A few rows also run under ``jit(grad(f))`` (the XLA backend).

Elementwise rows evaluate all their points at once (one array per
argument: the derivative of an elementwise function is elementwise, so
``grad(sum(f))`` and a ``jvp`` with a ones tangent give every point's
derivative); the other rows are scalar-valued functions of small arrays.

Where JAX's own derivative is wrong (rounding, overflow, flushed denormals)
or a documented graphjit convention differs, the point is left out of the
JAX table and ``WRONG_IN_JAX`` pins graphjit's value with the reason.
"""
from __future__ import annotations

import functools
import math
import warnings
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax as jlax

import tracer.numpy as tnp
from tracer import lax, nn
from transforms import grad, jacfwd, jit, jvp

jax.config.update("jax_enable_x64", True)

inf, nan = math.inf, math.nan
Fn = Callable[..., Any]


def _np(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _close(got: Any, want: Any, what: str) -> None:
    got, want = _np(got), _np(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != JAX's {want.shape}"
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=what)


# -- elementwise rows: (id, graphjit fn, jax fn, points: one tuple of scalars per point) --

def _pairs(*ps: tuple[float, float]) -> list[tuple[float, float]]:
    return list(ps)


def _single(*xs: float) -> list[tuple[float]]:
    return [(x,) for x in xs]


BIG = (710.0, -710.0, 800.0, -800.0, 1e308, -1e308)
ELEMENTWISE: list[tuple[str, Fn, Fn, list[tuple[float, ...]]]] = [
    # nn activations: kinks at 0 (and 6, +-1, +-3), overflow in the unselected branch
    ("nn.relu", nn.relu, jax.nn.relu, _single(0.0, -0.0, 1.0, -1.0, 1e308)),
    ("nn.relu6", nn.relu6, jax.nn.relu6, _single(0.0, -0.0, 6.0, 3.0, -1.0, 7.0, 1e308)),
    ("nn.leaky_relu", nn.leaky_relu, jax.nn.leaky_relu, _single(0.0, -0.0, 2.0, -2.0)),
    ("nn.elu", nn.elu, jax.nn.elu, _single(0.0, -0.0, 1e-300, -1e-300, 2.0, -2.0, *BIG)),
    ("nn.elu(alpha=0.5)", lambda x: nn.elu(x, 0.5), lambda x: jax.nn.elu(x, 0.5),
     _single(0.0, -0.0, 710.0, -710.0)),
    ("nn.celu", nn.celu, jax.nn.celu, _single(0.0, -0.0, 2.0, -2.0, *BIG)),
    ("nn.celu(alpha=0.5)", lambda x: nn.celu(x, 0.5), lambda x: jax.nn.celu(x, 0.5),
     _single(0.0, -0.0, 355.0, 710.0, -710.0)),
    ("nn.selu", nn.selu, jax.nn.selu, _single(0.0, -0.0, 2.0, -2.0, *BIG)),
    ("nn.gelu", nn.gelu, jax.nn.gelu, _single(0.0, -0.0, 3.0, -3.0, 710.0, -710.0, 1e308)),
    ("nn.gelu(exact)", lambda x: nn.gelu(x, False), lambda x: jax.nn.gelu(x, False),
     _single(0.0, -0.0, 3.0, -3.0, 40.0, -40.0, 710.0, -710.0)),
    ("nn.sigmoid", nn.sigmoid, jax.nn.sigmoid, _single(0.0, -0.0, *BIG)),
    ("nn.log_sigmoid", nn.log_sigmoid, jax.nn.log_sigmoid,
     _single(0.0, -0.0, 36.0, -36.0, -745.0, *BIG)),
    ("nn.softplus", nn.softplus, jax.nn.softplus,
     _single(0.0, -0.0, 36.0, -36.0, -745.0, *BIG)),
    ("nn.soft_sign", nn.soft_sign, jax.nn.soft_sign, _single(0.0, -0.0, 1e308, -1e308)),
    ("nn.silu", nn.silu, jax.nn.silu, _single(0.0, -0.0, *BIG)),
    ("nn.hard_tanh", nn.hard_tanh, jax.nn.hard_tanh, _single(1.0, -1.0, 0.0, 2.0, -2.0)),
    ("nn.hard_sigmoid", nn.hard_sigmoid, jax.nn.hard_sigmoid,
     _single(3.0, -3.0, 0.0, 4.0, -4.0)),
    ("nn.hard_silu", nn.hard_silu, jax.nn.hard_silu, _single(3.0, -3.0, 0.0, 4.0, -4.0, 1e308)),
    # tnp: logaddexp ties (exact 1/2) and infinities
    ("tnp.logaddexp", tnp.logaddexp, jnp.logaddexp,
     _pairs((0.0, 0.0), (1.0, 1.0), (-0.0, 0.0), (710.0, 710.0), (-710.0, -710.0), (800.0, 0.0),
            (0.0, 800.0), (-inf, 0.0), (0.0, -inf), (1e308, -1e308), (-745.0, 0.0),
            (2.0, -3.0))),
    ("tnp.logaddexp2", tnp.logaddexp2, jnp.logaddexp2,
     _pairs((0.0, 0.0), (1.0, 1.0), (-0.0, 0.0), (1100.0, 0.0), (-inf, 0.0), (0.0, -inf),
            (2.0, -3.0))),
    # max/min: ties split 0.5/0.5 (jnp.maximum); fmax/fmin: ties go to the second argument
    ("tnp.maximum", tnp.maximum, jnp.maximum, _pairs((1.0, 1.0), (0.0, -0.0), (-0.0, 0.0),
                                                      (1.0, 2.0))),
    ("tnp.minimum", tnp.minimum, jnp.minimum, _pairs((1.0, 1.0), (0.0, -0.0), (1.0, 2.0))),
    ("tnp.fmax", tnp.fmax, jnp.fmax, _pairs((1.0, 1.0), (0.0, -0.0), (-0.0, 0.0), (1.0, 2.0),
                                            (2.0, 1.0))),
    ("tnp.fmin", tnp.fmin, jnp.fmin, _pairs((1.0, 1.0), (0.0, -0.0), (-0.0, 0.0), (1.0, 2.0),
                                            (2.0, 1.0))),
    ("lax.max", lax.max, jlax.max, _pairs((1.0, 1.0), (0.0, -0.0))),
    ("lax.min", lax.min, jlax.min, _pairs((1.0, 1.0), (0.0, -0.0))),
    ("tnp.clip", lambda x: tnp.clip(x, 0.0, 1.0), lambda x: jnp.clip(x, 0.0, 1.0),
     _single(0.0, 1.0, 0.5, -1.0, 2.0)),
    ("tnp.clip(x, lo, hi)", tnp.clip, jnp.clip,
     _pairs((0.0, 0.0, 1.0), (1.0, 0.0, 1.0), (0.5, 0.0, 1.0), (2.0, 0.0, 1.0))),
    ("lax.clamp", lambda x: lax.clamp(0.0, x, 1.0), lambda x: jlax.clamp(0.0, x, 1.0),
     _single(0.0, 1.0, 0.5, -1.0, 2.0)),
    ("lax.clamp(lo, x, hi)", lax.clamp, jlax.clamp,
     _pairs((0.0, 0.0, 1.0), (0.0, 1.0, 1.0), (1.0, 1.0, 1.0), (2.0, 1.5, 1.0),
            (2.0, 0.5, 1.0), (0.0, 2.0, 1.0), (0.0, -1.0, 1.0), (0.0, 0.5, 1.0))),
    ("where(x > y, x, y)", lambda x, y: tnp.where(x > y, x, y),
     lambda x, y: jnp.where(x > y, x, y), _pairs((1.0, 1.0), (2.0, 1.0))),
    # mod/remainder: a zero result keeps rem's derivative; floor_divide: 0 everywhere
    ("tnp.mod", tnp.mod, jnp.mod,
     _pairs((3.0, 1.0), (-3.0, 1.0), (3.0, -1.0), (-3.0, -1.0), (0.0, 1.0), (-0.0, 2.0),
            (0.0, -2.0), (-2.0, 2.0), (2.5, 1.0), (-2.5, 1.0), (1.0, inf), (-1.0, inf))),
    ("tnp.remainder", tnp.remainder, jnp.remainder, _pairs((3.0, 1.0), (-2.5, 1.0))),
    ("tnp.fmod", tnp.fmod, jnp.fmod, _pairs((3.0, 1.0), (-3.0, 1.0), (0.0, 2.0), (-2.0, 2.0))),
    ("lax.rem", lax.rem, jlax.rem, _pairs((3.0, 1.0), (0.0, 1.0), (-3.0, 1.0))),
    ("tnp.floor_divide", tnp.floor_divide, jnp.floor_divide,
     _pairs((3.0, 0.0), (-3.0, 0.0), (0.0, 0.0), (3.0, 1.0), (2.5, 1.0), (-3.0, 2.0),
            (inf, 1.0), (1.0, inf))),
    ("tnp.divmod[0]", lambda x, y: tnp.divmod(x, y)[0], lambda x, y: jnp.divmod(x, y)[0],
     _pairs((3.0, 0.0), (3.0, 1.0), (2.5, 1.0))),
    ("tnp.divmod[1]", lambda x, y: tnp.divmod(x, y)[1], lambda x, y: jnp.divmod(x, y)[1],
     _pairs((3.0, 1.0), (-3.0, 1.0), (2.5, 1.0))),
    # abs, sign, roots, logs at 0; hypot/arctan2 at the origin and the axes
    ("tnp.abs", tnp.abs, jnp.abs, _single(0.0, -0.0, 2.0, -2.0)),
    ("tnp.fabs", tnp.fabs, jnp.fabs, _single(0.0, -0.0)),
    ("tnp.sign", tnp.sign, jnp.sign, _single(0.0, -0.0, 2.0)),
    ("x * |x|", lambda x: x * tnp.abs(x), lambda x: x * jnp.abs(x), _single(0.0, -0.0)),
    ("tnp.sqrt", tnp.sqrt, jnp.sqrt, _single(0.0, 4.0)),
    ("tnp.cbrt", tnp.cbrt, jnp.cbrt, _single(0.0, -8.0)),
    ("tnp.square", tnp.square, jnp.square, _single(0.0, -0.0)),
    ("tnp.reciprocal", tnp.reciprocal, jnp.reciprocal, _single(0.0, 2.0)),
    ("tnp.log1p", tnp.log1p, jnp.log1p, _single(-1.0, 0.0)),
    ("tnp.expm1", tnp.expm1, jnp.expm1, _single(0.0, 710.0, -710.0)),
    ("tnp.log", tnp.log, jnp.log, _single(0.0, 1.0)),
    ("tnp.log2", tnp.log2, jnp.log2, _single(0.0, 1.0)),
    ("tnp.log10", tnp.log10, jnp.log10, _single(0.0, 1.0)),
    ("tnp.arcsin", tnp.arcsin, jnp.arcsin, _single(1.0, -1.0, 0.0)),
    ("tnp.arccos", tnp.arccos, jnp.arccos, _single(1.0, 0.0)),
    ("tnp.arctanh", tnp.arctanh, jnp.arctanh, _single(1.0, 0.0)),
    ("tnp.arccosh", tnp.arccosh, jnp.arccosh, _single(1.0, 2.0)),
    ("tnp.hypot", tnp.hypot, jnp.hypot,
     _pairs((0.0, 0.0), (3.0, 0.0), (0.0, 3.0), (3.0, 3.0), (-3.0, 3.0), (inf, 1.0))),
    ("tnp.arctan2", tnp.arctan2, jnp.arctan2,
     _pairs((0.0, 1.0), (1.0, 0.0), (0.0, -1.0), (0.0, 0.0))),
    ("tnp.copysign", tnp.copysign, jnp.copysign,
     _pairs((0.0, 1.0), (0.0, -1.0), (-0.0, 1.0), (2.0, -1.0), (2.0, 0.0), (2.0, -0.0))),
    ("tnp.heaviside", tnp.heaviside, jnp.heaviside, _pairs((0.0, 0.5), (-0.0, 0.5),
                                                             (1.0, 0.5))),
    ("tnp.sinc", tnp.sinc, jnp.sinc,
     _single(0.0, -0.0, 1e-3, -1e-3, 0.0318, 0.0319, 0.5, 1.0, -2.5)),
    ("tnp.power", tnp.power, jnp.power,
     _pairs((0.0, 2.0), (0.0, 1.0), (0.0, 3.0), (2.0, 0.0), (-2.0, 2.0), (0.0, 0.5))),
    ("tnp.divide", tnp.divide, jnp.divide, _pairs((1.0, 1e200), (0.0, 0.0), (1.0, 0.0))),
    ("tnp.trunc", tnp.trunc, jnp.trunc, _single(1.5, -1.5, 2.0)),
    ("tnp.floor", tnp.floor, jnp.floor, _single(1.0, -1.5)),
    ("tnp.rint", tnp.rint, jnp.rint, _single(1.5, 2.5)),
    ("tnp.round(x, 1)", lambda x: tnp.round(x, 1), lambda x: jnp.round(x, 1), _single(1.25)),
    ("tnp.nan_to_num", tnp.nan_to_num, jnp.nan_to_num, _single(1.0, 0.0)),
    # dtype constructors keep the derivative (they were NumPy's, which concretize)
    ("tnp.float64(x)", lambda x: tnp.float64(x) * 2.0, lambda x: jnp.float64(x) * 2.0,
     _single(1.5, 0.0)),
    ("tnp.double(x)", lambda x: tnp.double(x) * 2.0, lambda x: jnp.double(x) * 2.0,
     _single(1.5)),
    ("tnp.float32(x)", lambda x: tnp.float32(x) * 2.0, lambda x: jnp.float32(x) * 2.0,
     _single(1.5)),
    ("tnp.float16(x)", lambda x: tnp.float16(x) * 2.0, lambda x: jnp.float16(x) * 2.0,
     _single(1.5)),
    ("tnp.int32(x)", lambda x: tnp.int32(x) * 2.0, lambda x: jnp.int32(x) * 2.0,
     _single(1.5)),
]


N_POINTS = 16   # every row's points, cycled to one length: JAX compiles each op once


def _elementwise_args(points: list[tuple[float, ...]]) -> list[np.ndarray]:
    assert len(points) <= N_POINTS
    cycled = [points[i % len(points)] for i in range(N_POINTS)]
    return [np.array(col, dtype=np.float64) for col in zip(*cycled)]


def _derivatives(fn: Fn, args: list[Any], grad_fn: Fn, jvp_fn: Fn, xnp: Any
                 ) -> tuple[list[Any], list[Any]]:
    """(reverse: d sum(f) / d arg_i, forward: jvp along e_i), for every argument;
    ``xnp`` is the array namespace (``jnp`` or ``tnp``)."""
    n = len(args)
    rev = grad_fn(lambda *a: xnp.sum(fn(*a)), argnums=tuple(range(n)))(*args)
    fwd = []
    for i in range(n):
        tangents = tuple(xnp.ones_like(a) if j == i else xnp.zeros_like(a)
                         for j, a in enumerate(args))
        fwd.append(jvp_fn(fn, tuple(args), tangents)[1])
    return list(rev), fwd


_ELEMENTWISE = {r[0]: r for r in ELEMENTWISE}


@functools.cache
def _jax_elementwise(name: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """JAX's (reverse, forward) derivatives of an ``ELEMENTWISE`` row at its points.

    Under one ``jax.jit`` per row (compiling op by op costs ten times more);
    cached, as the ``jit(grad)`` tests reuse them.
    """
    _, _, jfn, points = _ELEMENTWISE[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rev, fwd = jax.jit(lambda *a: _derivatives(jfn, list(a), jax.grad, jax.jvp, jnp))(
            *_elementwise_args(points))
    return [_np(r) for r in rev], [_np(f) for f in fwd]


@pytest.mark.parametrize("name,gfn,jfn,points", ELEMENTWISE, ids=[r[0] for r in ELEMENTWISE])
def test_elementwise_against_jax(name: str, gfn: Fn, jfn: Fn,
                                 points: list[tuple[float, ...]]) -> None:
    want_rev, want_fwd = _jax_elementwise(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got_rev, got_fwd = _derivatives(gfn, _elementwise_args(points), grad, jvp, tnp)
    for i, (g, w) in enumerate(zip(got_rev, want_rev)):
        _close(g, w, f"{name} grad wrt arg {i} at {points}")
    for i, (g, w) in enumerate(zip(got_fwd, want_fwd)):
        _close(g, w, f"{name} jvp along arg {i} at {points}")


# -- rows of array functions: (id, graphjit fn, jax fn, points: tuples of arrays) ----------

A = np.array
W2, W3, W4 = A([1.0, 10.0]), A([1.0, 10.0, 100.0]), A([1.0, 10.0, 100.0, 1000.0])
Q = A([1.0, 2.0, 3.0, 5.0])
ARRAYS: list[tuple[str, Fn, Fn, list[tuple[np.ndarray, ...]]]] = [
    ("tnp.max", tnp.max, jnp.max, [(A([1.0, 1.0, 0.0]),), (A([2.0, 2.0, 2.0]),),
                                   (A([1.0, nan, 1.0]),), (A([-0.0, 0.0]),)]),
    ("tnp.min", tnp.min, jnp.min, [(A([1.0, 1.0, 2.0]),)]),
    ("tnp.max(axis=0)", lambda x: tnp.sum(tnp.max(x, axis=0) * W2),
     lambda x: jnp.sum(jnp.max(x, axis=0) * W2), [(A([[1.0, 2.0], [1.0, 0.0]]),)]),
    ("tnp.nanmax", tnp.nanmax, jnp.nanmax, [(A([1.0, 1.0, nan]),), (A([1.0, 0.0, nan]),)]),
    ("tnp.nanmin", tnp.nanmin, jnp.nanmin, [(A([1.0, 1.0, nan]),)]),
    ("tnp.ptp", tnp.ptp, jnp.ptp, [(A([1.0, 1.0, 0.0]),), (A([1.0, 1.0, 1.0]),)]),
    ("tnp.median", tnp.median, jnp.median,
     [(A([1.0, 1.0, 1.0]),), (A([1.0, 2.0, 2.0, 3.0]),), (A([2.0, 2.0]),),
      (A([3.0, 1.0, 2.0]),)]),
    ("tnp.nanmedian", tnp.nanmedian, jnp.nanmedian,
     [(A([1.0, 1.0, nan]),), (A([1.0, 2.0, nan, 2.0]),)]),
    ("tnp.quantile(a)", lambda a: tnp.quantile(a, 0.5), lambda a: jnp.quantile(a, 0.5),
     [(A([1.0, 2.0, 3.0]),), (A([1.0, 1.0, 2.0]),), (A([1.0, 2.0, 3.0, 4.0]),)]),
    # q at the interpolation nodes k / (n - 1): the element itself, d/dq 0 (JAX)
    ("tnp.quantile(q)", lambda q: tnp.quantile(Q, q), lambda q: jnp.quantile(jnp.asarray(Q), q),
     [(A(0.0),), (A(1 / 3),), (A(0.5),), (A(2 / 3),), (A(1.0),), (A(0.4),)]),
    ("tnp.quantile(a, q)", tnp.quantile, jnp.quantile, [(Q, A(1 / 3)), (Q, A(0.5))]),
    ("tnp.quantile(q, vector)", lambda q: tnp.sum(tnp.quantile(Q, q) * W3),
     lambda q: jnp.sum(jnp.quantile(jnp.asarray(Q), q) * W3), [(A([0.0, 1 / 3, 0.45]),)]),
    ("tnp.percentile(q)", lambda q: tnp.percentile(Q, q),
     lambda q: jnp.percentile(jnp.asarray(Q), q),
     [(A(0.0),), (A(100 / 3),), (A(50.0),), (A(100.0),)]),
    ("tnp.nanquantile(q)", lambda q: tnp.nanquantile(A([1.0, 2.0, nan, 3.0, 5.0]), q),
     lambda q: jnp.nanquantile(jnp.array([1.0, 2.0, nan, 3.0, 5.0]), q),
     [(A(1 / 3),), (A(0.5),)]),
    *[(f"tnp.quantile(q, method={m})", lambda q, m=m: tnp.quantile(Q, q, method=m),
       lambda q, m=m: jnp.quantile(jnp.asarray(Q), q, method=m),
       [(A(1 / 3),), (A(0.5),)]) for m in ("lower", "higher", "nearest", "midpoint")],
    ("tnp.quantile(a, method=lower)", lambda a: tnp.quantile(a, 0.5, method="lower"),
     lambda a: jnp.quantile(a, 0.5, method="lower"), [(A([1.0, 2.0, 2.0, 3.0]),)]),
    ("tnp.var", tnp.var, jnp.var, [(A([1.0, 1.0, 1.0]),), (A([1.0, 2.0]),)]),
    ("tnp.std", tnp.std, jnp.std, [(A([1.0, 1.0, 1.0]),), (A([1.0, 2.0]),)]),
    ("tnp.std(ddof=1)", lambda a: tnp.std(a, ddof=1), lambda a: jnp.std(a, ddof=1),
     [(A([1.0, 1.0]),)]),
    ("tnp.nanstd", tnp.nanstd, jnp.nanstd, [(A([1.0, 1.0, nan]),), (A([1.0, 2.0, nan]),)]),
    ("tnp.prod", tnp.prod, jnp.prod, [(A([2.0, 0.0, 3.0]),), (A([0.0, 0.0, 3.0]),)]),
    ("tnp.cumprod", lambda a: tnp.sum(tnp.cumprod(a) * W3),
     lambda a: jnp.sum(jnp.cumprod(a) * W3), [(A([2.0, 0.0, 3.0]),), (A([0.0, 0.0, 3.0]),)]),
    ("lax.cummax", lambda a: tnp.sum(lax.cummax(a) * W3),
     lambda a: jnp.sum(jlax.cummax(a) * W3), [(A([1.0, 1.0, 0.0]),), (A([2.0, 1.0, 2.0]),)]),
    ("lax.cummin", lambda a: tnp.sum(lax.cummin(a) * W2),
     lambda a: jnp.sum(jlax.cummin(a) * W2), [(A([1.0, 1.0]),)]),
    ("lax.cumlogsumexp", lambda a: tnp.sum(lax.cumlogsumexp(a) * W2),
     lambda a: jnp.sum(jlax.cumlogsumexp(a) * W2),
     [(A([0.0, 0.0]),), (A([-inf, 0.0]),), (A([0.0, -inf]),), (A([710.0, 710.0]),)]),
    ("tnp.linalg.norm", tnp.linalg.norm, jnp.linalg.norm,
     [(A([0.0, 0.0]),), (A([3.0, 4.0]),)]),
    ("tnp.linalg.norm(ord=1)", lambda a: tnp.linalg.norm(a, 1),
     lambda a: jnp.linalg.norm(a, 1), [(A([0.0, 1.0]),)]),
    ("tnp.linalg.norm(ord=inf)", lambda a: tnp.linalg.norm(a, inf),
     lambda a: jnp.linalg.norm(a, inf), [(A([1.0, -1.0]),), (A([1.0, 1.0]),)]),
    ("tnp.linalg.norm(ord=3)", lambda a: tnp.linalg.norm(a, 3),
     lambda a: jnp.linalg.norm(a, 3), [(A([0.0, 1.0]),)]),
    ("nn.logsumexp", nn.logsumexp, jax.nn.logsumexp,
     [(A([-inf, 0.0]),), (A([0.0, 0.0]),), (A([710.0, 710.0]),), (A([-inf, -inf]),)]),
    ("nn.logsumexp(b)", lambda a, b: nn.logsumexp(a, b=b),
     lambda a, b: jax.nn.logsumexp(a, b=b), [(A([0.0, 1.0]), A([1.0, 0.0]))]),
    ("nn.softmax", lambda a: tnp.sum(nn.softmax(a) * W2), lambda a: jnp.sum(jax.nn.softmax(a) * W2),
     [(A([0.0, 0.0]),), (A([-inf, 0.0]),), (A([710.0, 0.0]),)]),
    ("nn.log_softmax", lambda a: tnp.sum(nn.log_softmax(a) * A([1.0, 0.0])),
     lambda a: jnp.sum(jax.nn.log_softmax(a) * jnp.array([1.0, 0.0])),
     [(A([0.0, 0.0]),), (A([0.0, -inf]),)]),
    ("nn.standardize", lambda a: tnp.sum(nn.standardize(a) * W2),
     lambda a: jnp.sum(jax.nn.standardize(a) * W2), [(A([1.0, 1.0]),), (A([1.0, 2.0]),)]),
    ("nn.glu", lambda a: nn.glu(a)[0], lambda a: jax.nn.glu(a)[0], [(A([0.0, 0.0]),)]),
    ("tnp.sort", lambda a: tnp.sum(tnp.sort(a) * W3), lambda a: jnp.sum(jnp.sort(a) * W3),
     [(A([1.0, 1.0, 0.0]),), (A([nan, 1.0, 2.0]),), (A([1.0, nan, 0.0]),)]),
    ("lax.top_k", lambda a: tnp.sum(lax.top_k(a, 2)[0] * W2),
     lambda a: jnp.sum(jlax.top_k(a, 2)[0] * W2),
     [(A([1.0, nan, inf, 3.0]),), (A([1.0, 1.0, 1.0, 0.0]),), (A([2.0, 1.0, 2.0, 0.0]),),
      (A([0.0, -0.0, -1.0, -2.0]),)]),
    ("tnp.partition", lambda a: tnp.partition(a, 1)[1], lambda a: jnp.partition(a, 1)[1],
     [(A([1.0, 1.0, 2.0]),)]),
    ("a[argmax(a)]", lambda a: a[tnp.argmax(a)], lambda a: a[jnp.argmax(a)],
     [(A([1.0, 1.0]),), (A([nan, 1.0]),), (A([1.0, nan]),)]),
]


_ARRAYS = {r[0]: r for r in ARRAYS}
EAGER_AT_NAN = {"tnp.max"}


@functools.cache
def _jax_arrays(name: str) -> list[tuple[list[np.ndarray], list[np.ndarray]]]:
    """JAX's (grad, jacfwd) of an ``ARRAYS`` row at each of its points.

    Under ``jax.jit`` (compiled once per row and shape), except the rows of
    ``EAGER_AT_NAN`` at NaN inputs, where JAX's jit and eager derivatives
    differ (``max``: eager NaN, as graphjit's; jit 0): eager there.
    """
    _, _, jfn, points = _ARRAYS[name]
    argnums = tuple(range(len(points[0])))

    def derivatives(*a: Any) -> Any:
        return jax.grad(jfn, argnums)(*a), jax.jacfwd(jfn, argnums)(*a)

    compiled = jax.jit(derivatives)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for args in points:
            eager = name in EAGER_AT_NAN and any(np.isnan(a).any() for a in args)
            rev, fwd = (derivatives if eager else compiled)(*args)
            out.append(([_np(r) for r in rev], [_np(f) for f in fwd]))
    return out


@pytest.mark.parametrize("name,gfn,jfn,points", ARRAYS, ids=[r[0] for r in ARRAYS])
def test_arrays_against_jax(name: str, gfn: Fn, jfn: Fn,
                            points: list[tuple[np.ndarray, ...]]) -> None:
    argnums = tuple(range(len(points[0])))
    for args, (want_rev, want_fwd) in zip(points, _jax_arrays(name)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            got_rev = grad(gfn, argnums=argnums)(*args)
            got_fwd = jacfwd(gfn, argnums=argnums)(*args)
        at = [a.tolist() for a in args]
        for i in argnums:
            _close(got_rev[i], want_rev[i], f"{name} grad wrt arg {i} at {at}")
            _close(got_fwd[i], want_fwd[i], f"{name} jacfwd wrt arg {i} at {at}")


# -- jit(grad(f)): the same derivatives compiled (XLA backend) ------------------------------

JIT_ROWS = ["nn.relu6", "nn.celu", "nn.softplus", "nn.log_sigmoid", "nn.hard_tanh",
            "tnp.logaddexp", "tnp.fmax", "tnp.mod", "tnp.floor_divide", "lax.clamp(lo, x, hi)",
            "tnp.sinc", "tnp.hypot", "tnp.float32(x)"]


@pytest.mark.parametrize("name", JIT_ROWS)
def test_jit_grad_against_jax(name: str) -> None:
    _, gfn, _, points = _ELEMENTWISE[name]
    want, _ = _jax_elementwise(name)
    args = _elementwise_args(points)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = jit(grad(lambda *a: tnp.sum(gfn(*a)), argnums=tuple(range(len(args)))))(*args)
    for i, (g, w) in enumerate(zip(got, want)):
        _close(g, w, f"jit(grad({name})) wrt arg {i} at {points}")


@pytest.mark.parametrize("name", ["lax.top_k", "tnp.quantile(q)", "lax.cumlogsumexp"])
def test_jit_grad_arrays_against_jax(name: str) -> None:
    _, gfn, _, points = _ARRAYS[name]
    compiled = jit(grad(gfn))
    for args, (want, _) in zip(points, _jax_arrays(name)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            got = compiled(*args)
        _close(got, want[0], f"jit(grad({name})) at {[a.tolist() for a in args]}")


# -- where JAX's derivative is wrong, or graphjit's convention differs ----------------------

S = math.sqrt(0.5)
WRONG_IN_JAX: list[tuple[str, Fn, tuple[float, ...], tuple[float, ...], str]] = [
    ("logaddexp(inf, 1)", tnp.logaddexp, (inf, 1.0), (1.0, 0.0),
     "the value is inf whatever y is; JAX's rule gives e^(1 - 0) = e to y"),
    ("logaddexp(inf, inf)", tnp.logaddexp, (inf, inf), (0.5, 0.5),
     "a tie: 1/2 each, as at finite ties (JAX: 1, 1, which breaks f(x+c, y+c) = f + c)"),
    ("logaddexp(-inf, -inf)", tnp.logaddexp, (-inf, -inf), (0.5, 0.5), "a tie (JAX: NaN)"),
    ("logaddexp(1e308, 1e308)", tnp.logaddexp, (1e308, 1e308), (0.5, 0.5),
     "a tie (JAX: 1, 1, as out == x after rounding)"),
    ("logaddexp2(inf, inf)", tnp.logaddexp2, (inf, inf), (0.5, 0.5), "a tie (JAX: 1, 1)"),
    ("hypot(1e300, 1e300)", tnp.hypot, (1e300, 1e300), (S, S), "JAX: 1.06 (overflow)"),
    ("hypot(1e-300, 1e-300)", tnp.hypot, (1e-300, 1e-300), (S, S), "JAX: -inf (underflow)"),
    ("divide(1e-300, 1e-200) wrt y", lambda y: tnp.divide(1e-300, y), (1e-200,), (-1e100,),
     "-(x/y)/y; JAX's -x * y**-2 overflows to -inf"),
    ("divide(1e300, 1e200) wrt y", lambda y: tnp.divide(1e300, y), (1e200,), (-1e-100,),
     "JAX's y**-2 underflows to 0"),
    ("sinc(1e-10)", tnp.sinc, (1e-10,), (-math.pi ** 2 * 1e-10 / 3,),
     "JAX's quotient rule cancels catastrophically (-1.5e-6 reverse, -7e-7 forward)"),
    ("sinc(1e-200)", tnp.sinc, (1e-200,), (-math.pi ** 2 * 1e-200 / 3,), "JAX: -inf"),
    ("power(0, 0)", tnp.power, (0.0, 0.0), (0.0, 0.0),
     "graphjit's documented convention: d/dx x**y = 0 where y == 0 (JAX: NaN)"),
]


@pytest.mark.parametrize("name,fn,args,want,why", WRONG_IN_JAX,
                         ids=[r[0] for r in WRONG_IN_JAX])
def test_where_jax_is_wrong(name: str, fn: Fn, args: tuple[float, ...],
                            want: tuple[float, ...], why: str) -> None:
    n = len(args)
    xs = tuple(np.float64(a) for a in args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rev = grad(fn, argnums=tuple(range(n)))(*xs)
        for i in range(n):
            t = tuple(np.float64(j == i) for j in range(n))
            fwd = jvp(fn, xs, t)[1]
            np.testing.assert_allclose(_np(fwd), want[i], rtol=1e-12, err_msg=f"{name}: {why}")
    np.testing.assert_allclose(_np(rev), want, rtol=1e-12, err_msg=f"{name}: {why}")
    # compiled too (XLA must not undo the formulation, e.g. (a / b) / c -> a / (b * c))
    compiled = jit(grad(fn, argnums=tuple(range(n))))(*xs)
    np.testing.assert_allclose(_np(compiled), want, rtol=1e-12, err_msg=f"jit: {name}: {why}")


def test_cumlogsumexp_at_plus_inf() -> None:
    # the infinite term takes the whole derivative (JAX gives 1 to the finite one too)
    x = np.array([inf, 0.0, inf, 1.0])
    want = np.array([[1, 0, 0, 0], [1, 0, 0, 0], [0.5, 0, 0.5, 0], [0.5, 0, 0.5, 0]], float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.testing.assert_array_equal(_np(jacfwd(lax.cumlogsumexp)(x)), want)
        from transforms import jacrev
        np.testing.assert_array_equal(_np(jacrev(lax.cumlogsumexp)(x)), want)


def test_issue_examples() -> None:
    """The reports of issue 11, verbatim."""
    assert float(grad(lambda x: tnp.float64(x) * 2.0)(1.5)) == 2.0
    assert float(grad(nn.softplus)(0.0)) == 0.5
    assert float(grad(nn.log_sigmoid)(0.0)) == 0.5
    assert [float(g) for g in grad(tnp.logaddexp, argnums=(0, 1))(1.0, 1.0)] == [0.5, 0.5]
    assert [float(g) for g in grad(tnp.logaddexp2, argnums=(0, 1))(1.0, 1.0)] == [0.5, 0.5]
    assert [float(g) for g in grad(tnp.mod, (0, 1))(3.0, 1.0)] == [1.0, -3.0]
    assert float(grad(nn.celu)(710.0)) == 1.0
    vals, idx = lax.top_k(np.array([1.0, nan, inf, 3.0]), 2)
    assert np.isnan(np.asarray(vals)[0]) and np.asarray(vals)[1] == inf
    assert np.asarray(idx).tolist() == [1, 2]
