"""``tracer.nn`` against ``jax.nn`` (with x64 enabled), eagerly and through make_graph.

Float inputs compare with JAX at the same precision; integer inputs compare
with JAX on the float64 version of the input (graphjit promotes ints to
NumPy's default float64; ``relu``, ``relu6`` and ``hard_tanh`` keep ints).
"""
from __future__ import annotations

import functools
import math

import jax
import jax.nn as jnn
import numpy as np
import pytest

import tracer.numpy as tnp
from tests.util import assert_same, check_against_numpy, rand
from tracer import make_graph, nn

DT = {"f32": np.float32, "f64": np.float64, "i32": np.int32}
TOL = {"f32": dict(rtol=2e-6, atol=2e-6), "f64": {}, "i32": {}}
INT_PRESERVING = {"relu", "relu6", "hard_tanh"}


@pytest.fixture(autouse=True, scope="module")
def _x64():
    prev = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", prev)


def _ref(fn, out_dtype=None):
    """A NumPy-returning reference from a jax function (ints computed in float64)."""
    def ref(*args, **kw):
        args = [a.astype(np.float64) if isinstance(a, np.ndarray) and a.dtype.kind in "iu"
                else a for a in args]
        out = jax.tree.map(np.asarray, fn(*args, **kw))
        if out_dtype is not None:
            out = jax.tree.map(lambda o: o.astype(out_dtype), out)
        return out
    return ref


EDGE = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 30.0, -30.0, 1e3, -1e3, np.inf, -np.inf,
                 np.nan])
SHAPES = [(), (0,), (5,), (2, 3), (2, 3, 4), (len(EDGE),)]
ACTIVATIONS = ["relu", "relu6", "leaky_relu", "elu", "celu", "selu", "gelu", "sigmoid",
               "log_sigmoid", "softplus", "soft_sign", "silu", "swish", "hard_tanh",
               "hard_sigmoid", "hard_silu", "hard_swish"]


def _check(name, x, dt, *args, ref=None, **kw):
    out_dt = np.int32 if dt == "i32" and name in INT_PRESERVING else None
    ref = ref or _ref(getattr(jnn, name), out_dt)
    check_against_numpy(getattr(nn, name), ref, x, *args, **TOL[dt], **kw)


_POOL = 64


@functools.lru_cache(maxsize=None)
def _pooled(name: str, dt: str, kw: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Data and jax.nn's values for an elementwise function, computed once.

    Each JAX call compiles per shape; elementwise references are sliced out
    of one pool instead, which keeps this file fast.
    """
    x = rand((_POOL,), DT[dt], -4, 4, rng=np.random.default_rng(len(name)))
    if dt != "i32":  # the edge values come first, so every shape sees some of them
        x[:len(EDGE)] = EDGE
    out_dt = np.int32 if dt == "i32" and name in INT_PRESERVING else None
    return x, _ref(getattr(jnn, name), out_dt)(x, **dict(kw))


def _check_elementwise(name, shape, dt, **kw):
    x_pool, y_pool = _pooled(name, dt, tuple(sorted(kw.items())))
    n = math.prod(shape)
    x = x_pool[:n].reshape(shape)
    want = y_pool[:n].reshape(shape)
    check_against_numpy(getattr(nn, name), lambda x, **k: want, x, **TOL[dt], **kw)


@pytest.mark.parametrize("dt", ["f32", "f64", "i32"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation(name, shape, dt):
    _check_elementwise(name, shape, dt)


@pytest.mark.parametrize("dt", ["f32", "f64", "i32"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_gelu_exact(shape, dt):
    _check_elementwise("gelu", shape, dt, approximate=False)


def test_gelu_exact_edge_values():
    _check("gelu", EDGE.astype(np.float64), "f64", approximate=False)


@pytest.mark.parametrize("kw", [{}, {"negative_slope": 0.2}], ids=str)
def test_leaky_relu_slope(kw):
    _check("leaky_relu", rand((3, 4)), "f64", **kw)


@pytest.mark.parametrize("kw", [{"alpha": 0.5}], ids=str)
@pytest.mark.parametrize("name", ["elu", "celu"])
def test_elu_alpha(name, kw):
    _check(name, rand((3, 4)), "f64", **kw)


@pytest.mark.parametrize("dt", ["f32", "f64"])
@pytest.mark.parametrize("shape,axis", [((6,), -1), ((2, 6), -1), ((6, 3), 0),
                                        ((2, 4, 6), 1), ((0, 4), -1)], ids=str)
def test_glu(shape, axis, dt):
    _check("glu", rand(shape, DT[dt]), dt, axis=axis)


# ---------------------------------------------------------------------------
# softmax / log_softmax / logsumexp

AXES = [((5,), -1), ((2, 3), -1), ((2, 3), 0), ((2, 3, 4), (0, 2)), ((2, 3, 4), None),
        ((2, 3, 4), 1), ((0, 3), -1), ((2, 0), 0)]


@pytest.mark.parametrize("dt", ["f32", "f64"])
@pytest.mark.parametrize("shape,axis", AXES, ids=str)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax(name, shape, axis, dt):
    _check(name, rand(shape, DT[dt], -5, 5), dt, axis=axis)


@pytest.mark.parametrize("shape,axis", [((2, 3), -1), ((2, 3, 4), (0, 2))], ids=str)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_int(name, shape, axis):
    _check(name, rand(shape, np.int32, -5, 5), "i32", axis=axis)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_large_and_inf(name):
    x = np.array([[1000.0, 1001.0, 999.0], [-np.inf, 0.0, 1.0], [-np.inf, -np.inf, -np.inf],
                  [np.inf, 0.0, 1.0], [np.nan, 0.0, 1.0]])
    _check(name, x, "f64")
    _check(name, x.astype(np.float32), "f32")


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [-1, 0, None])
def test_softmax_where(name, axis):
    x = rand((3, 4))
    mask = rand((3, 4), np.bool_)
    mask[0] = False  # a fully masked row
    ref = _ref(lambda a, m: getattr(jnn, name)(a, axis=axis, where=m))
    check_against_numpy(lambda a, m: getattr(nn, name)(a, axis=axis, where=m), ref, x, mask)
    # a broadcasting mask
    m1 = rand((1, 4), np.bool_)
    check_against_numpy(lambda a, m: getattr(nn, name)(a, axis=axis, where=m), ref, x, m1)


def test_softmax_stops_gradient_of_max():
    for fn in (nn.softmax, nn.log_softmax, nn.logsumexp):
        names = [e.prim.name for e in make_graph(fn)(np.ones((2, 3))).graph.eqns]
        assert "stop_gradient" in names and "reduce_max" in names, (fn, names)


LSE_AXES = [((5,), None), ((2, 3), None), ((2, 3), 0), ((2, 3), -1), ((2, 3, 4), (0, 2)),
            ((0, 3), 1), ((0, 3), 0), ((), None)]


@pytest.mark.parametrize("dt", ["f32", "f64", "i32"])
@pytest.mark.parametrize("shape,axis", LSE_AXES, ids=str)
def test_logsumexp(shape, axis, dt):
    x = rand(shape, DT[dt], -5, 5)
    want = _ref(jnn.logsumexp)(x, axis=axis)
    check_against_numpy(nn.logsumexp, lambda x, **k: want, x, axis=axis, **TOL[dt])
    # keepdims: the same values with the reduced axes kept as size 1
    axes = range(len(shape)) if axis is None else np.atleast_1d(axis) % max(len(shape), 1)
    keep = tuple(1 if i in set(axes) else d for i, d in enumerate(shape))
    check_against_numpy(nn.logsumexp, lambda x, **k: want.reshape(keep), x, axis=axis,
                        keepdims=True, **TOL[dt])


@pytest.mark.parametrize("return_sign,keepdims", [(False, False), (True, True)])
@pytest.mark.parametrize("axis", [None, 0, -1])
def test_logsumexp_b(axis, keepdims, return_sign):
    a = rand((3, 4))
    b = rand((3, 4))               # mixed signs: some sums negative -> NaN or sign -1
    b[0, 0] = 0.0
    kw = dict(axis=axis, keepdims=keepdims, return_sign=return_sign)
    check_against_numpy(lambda x, y: nn.logsumexp(x, b=y, **kw),
                        _ref(lambda x, y: jnn.logsumexp(x, b=y, **kw)), a, b)
    bb = rand((4,), low=0.1, high=2)  # broadcasting b
    check_against_numpy(lambda x, y: nn.logsumexp(x, b=y, **kw),
                        _ref(lambda x, y: jnn.logsumexp(x, b=y, **kw)), a, bb)


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_logsumexp_where_and_edges(axis):
    a = rand((3, 4))
    m = rand((3, 4), np.bool_)
    m[:, 0] = False
    check_against_numpy(lambda x, w: nn.logsumexp(x, axis=axis, where=w),
                        _ref(lambda x, w: jnn.logsumexp(x, axis=axis, where=w)), a, m)
    e = np.array([[-np.inf, -np.inf], [np.inf, 1.0], [1e4, 1e4], [np.nan, 0.0]])
    _check("logsumexp", e, "f64", axis=-1)


# ---------------------------------------------------------------------------
# one_hot, standardize

@pytest.mark.parametrize("axis", [-1, 0, 1])
@pytest.mark.parametrize("dtype", [None, np.float32, np.int32, np.bool_], ids=str)
@pytest.mark.parametrize("shape", [(5,), (2, 3), (0,)], ids=str)
def test_one_hot(shape, dtype, axis):
    if axis == 1 and len(shape) == 0:
        pytest.skip("axis out of range")
    x, want = _one_hot_ref(shape, axis)
    want = want.astype(np.float64 if dtype is None else dtype)
    check_against_numpy(lambda i: nn.one_hot(i, 4, dtype=dtype, axis=axis),
                        lambda i: want, x)


@functools.lru_cache(maxsize=None)
def _one_hot_ref(shape, axis):
    x = rand(shape, np.int32, -2, 6)  # includes out-of-range and negative classes
    return x, np.asarray(jnn.one_hot(x, 4, dtype=np.float64, axis=axis))


def test_one_hot_default_dtype_and_errors():
    out = nn.one_hot(np.array([0, 1]), 3)
    assert out.dtype == np.float64
    assert_same(out, np.eye(3)[:2])
    with pytest.raises(TypeError):
        make_graph(lambda n: nn.one_hot(np.array([0, 1]), n))(np.int64(3))


@pytest.mark.parametrize("algorithm", ["fast", "stable"])
@pytest.mark.parametrize("dt", ["f32", "f64"])
@pytest.mark.parametrize("shape,axis", [((5,), -1), ((2, 3), -1), ((2, 3), 0),
                                        ((2, 3, 4), (1, 2)), ((2, 3, 4), None), ((0, 3), -1)],
                         ids=str)
def test_standardize(shape, axis, dt, algorithm):
    kw = dict(axis=axis, algorithm=algorithm)
    x = rand(shape, DT[dt], rng=np.random.default_rng(3))
    # "fast" variance cancels when a group's values are close: not last-bit comparable
    tol = {"f32": dict(rtol=1e-4, atol=1e-4), "f64": dict(rtol=1e-9, atol=1e-9)}[dt]
    check_against_numpy(lambda x: nn.standardize(x, **kw),
                        _ref(lambda x: jnn.standardize(x, **kw)), x, **tol)


def test_standardize_int():
    check_against_numpy(nn.standardize, _ref(jnn.standardize), rand((2, 3), np.int32))


def test_standardize_given_stats_and_where():
    x = rand((3, 4))
    mean, var = rand((3, 1)), rand((3, 1), low=0.5, high=2)
    check_against_numpy(lambda a, m, v: nn.standardize(a, mean=m, variance=v, epsilon=0.1),
                        _ref(lambda a, m, v: jnn.standardize(a, mean=m, variance=v,
                                                             epsilon=0.1)), x, mean, var)
    w = rand((3, 4), np.bool_, rng=np.random.default_rng(7))
    w[:, :2] = True
    w[:2, :] = True  # at least two elements per row and column: the variance is not ~0
    for axis in (-1, 0):
        # the "fast" variance cancels; compare to 1e-9, not to the last bits
        check_against_numpy(lambda a, m: nn.standardize(a, axis=axis, where=m),
                            _ref(lambda a, m: jnn.standardize(a, axis=axis, where=m)), x, w,
                            rtol=1e-9, atol=1e-9)
    with pytest.raises(ValueError, match="Unknown algorithm"):
        nn.standardize(x, algorithm="nope")


def test_nn_accepts_tnp_arrays_and_lists():
    x = tnp.asarray(rand((2, 3)))
    assert_same(nn.softmax(x), np.asarray(jnn.softmax(np.asarray(x))))
    assert_same(nn.relu([-1.0, 2.0]), np.array([0.0, 2.0]))
    assert_same(nn.gelu(x, approximate=False),
                np.asarray(jnn.gelu(np.asarray(x), approximate=False)))


def test_gelu_uses_erfc_and_tanh():
    names = [e.prim.name for e in make_graph(lambda x: nn.gelu(x, approximate=False))(
        np.ones(3)).graph.eqns]
    assert "erfc" in names   # not 1 + erf, which cancels in the left tail


def test_exact_gelu_left_tail_against_jax():
    import jax
    jax.config.update("jax_enable_x64", True)
    x = np.array([-10.0, -7.017, -30.0, -1.0])
    want = np.asarray(jax.nn.gelu(x, approximate=False))
    np.testing.assert_allclose(np.asarray(nn.gelu(x, approximate=False)), want, rtol=1e-13)
    g = np.asarray(jax.vmap(jax.grad(lambda v: jax.nn.gelu(v, approximate=False)))(x))
    from transforms import grad, vmap
    np.testing.assert_allclose(
        np.asarray(vmap(grad(lambda v: nn.gelu(v, approximate=False)))(x)), g, rtol=1e-12)
    names = [e.prim.name for e in make_graph(nn.gelu)(np.ones(3)).graph.eqns]
    assert "tanh" in names
