"""Sorting and searching tnp functions against NumPy, eagerly and through graphs."""
from __future__ import annotations

import numpy as np
import pytest

import tracer.numpy as tnp
from tests.util import assert_same, check_against_numpy, rand
from tracer import make_graph

DT = {"f32": np.float32, "f64": np.float64, "i32": np.int32, "bool": np.bool_}
SHAPES_AXES = [((5,), -1), ((5,), 0), ((5,), None), ((3, 4), -1), ((3, 4), 0), ((3, 4), None),
               ((2, 3, 4), 1), ((2, 3, 4), -1), ((2, 3, 4), None), ((0,), -1), ((3, 0), 0)]


def _data(shape, dt, nan=True):
    """Random data with ties (and NaNs / infinities for floats)."""
    x = rand(shape, DT[dt], -3, 3)
    if dt in ("f32", "f64"):
        x = np.round(x)                     # ties make stability visible
        if nan and x.size >= 4:
            flat = x.reshape(-1)
            flat[::4] = np.nan
            flat[1] = np.inf
            flat[-1] = -np.inf
            flat[2] = -0.0
    return x


@pytest.mark.parametrize("dt", list(DT))
@pytest.mark.parametrize("shape,axis", SHAPES_AXES)
@pytest.mark.parametrize("name", ["sort", "argsort"])
def test_sort_argsort(name, shape, axis, dt):
    x = _data(shape, dt)
    check_against_numpy(lambda x: getattr(tnp, name)(x, axis=axis),
                        lambda x: getattr(np, name)(x, axis=axis, kind="stable"), x)


@pytest.mark.parametrize("dt", ["f64", "i32"])
def test_sort_methods_and_kinds(dt):
    x = _data((3, 4), dt)
    check_against_numpy(lambda x: tnp.asarray(x).sort(), lambda x: np.sort(x), x)
    check_against_numpy(lambda x: tnp.asarray(x).argsort(axis=0),
                        lambda x: np.argsort(x, axis=0, kind="stable"), x)
    check_against_numpy(lambda x: tnp.sort(x, kind="quicksort", stable=True),
                        lambda x: np.sort(x, kind="stable"), x)
    assert_same(np.sort(tnp.asarray(x)), np.sort(x))          # NEP 18 dispatch
    with pytest.raises(np.exceptions.AxisError):
        tnp.sort(x, axis=2)
    with pytest.raises(ValueError, match="order"):
        tnp.sort(x, order="f")


def test_sort_graph_uses_one_sort():
    cg = make_graph(lambda x: tnp.argsort(x))(np.zeros((3, 4)))
    assert [e.prim.name for e in cg.eqns] == ["iota", "sort"]


@pytest.mark.parametrize("shape,axis", [((6,), -1), ((3, 4), 0), ((3, 4), 1), ((2, 3, 4), 1)])
@pytest.mark.parametrize("nkeys", [1, 2, 3])
def test_lexsort(shape, axis, nkeys):
    rng = np.random.default_rng(nkeys)
    keys = [rng.integers(0, 2, shape).astype(np.int32), np.round(rand(shape)),
            rng.random(shape) < 0.5][:nkeys]
    check_against_numpy(lambda *k: tnp.lexsort(k, axis=axis),
                        lambda *k: np.lexsort(k, axis=axis), *keys)
    stacked = np.stack([k.astype(np.float64) for k in keys])
    check_against_numpy(lambda k: tnp.lexsort(k, axis=axis),
                        lambda k: np.lexsort(k, axis=axis), stacked)


def test_lexsort_errors():
    with pytest.raises(TypeError, match="len > 0"):
        tnp.lexsort([])
    with pytest.raises(ValueError, match="same shape"):
        tnp.lexsort([np.zeros(3), np.zeros(4)])


SEARCH_A = {
    "f64": np.array([-np.inf, -1.0, 0.0, 0.0, 2.5, 2.5, 2.5, 7.0, np.inf, np.nan, np.nan]),
    "f32": np.array([-1.0, 0.0, 1.0, 1.0, 3.0], np.float32),
    "i32": np.array([-3, -1, -1, 0, 2, 2, 5, 9], np.int32),
    "bool": np.array([False, False, True]),
}
SEARCH_V = {
    "f64": np.array([[-np.inf, -2.0, 0.0, 1.0], [2.5, 8.0, np.inf, np.nan]]),
    "f32": np.array([-2.0, 0.0, 0.5, 1.0, 3.0, 4.0], np.float32),
    "i32": np.array([-5, -1, 0, 1, 2, 9, 10], np.int32),
    "bool": np.array([False, True]),
}


@pytest.mark.parametrize("method", [None, "compare_all", "scan_unrolled"])
@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("dt", list(SEARCH_A))
def test_searchsorted(dt, side, method):
    a, v = SEARCH_A[dt], SEARCH_V[dt]
    check_against_numpy(lambda a, v: tnp.searchsorted(a, v, side=side, method=method),
                        lambda a, v: np.searchsorted(a, v, side=side), a, v)
    check_against_numpy(lambda a: tnp.searchsorted(a, v[..., 0], side=side, method=method),
                        lambda a: np.searchsorted(a, v[..., 0], side=side), a)
    # scalar query (Python scalar: weak, takes a's dtype)
    check_against_numpy(lambda a: tnp.searchsorted(a, 1, side=side, method=method),
                        lambda a: np.searchsorted(a, 1, side=side), a)


@pytest.mark.parametrize("n", [1, 2, 7, 8, 9, 100])
@pytest.mark.parametrize("method", ["compare_all", "scan_unrolled"])
def test_searchsorted_sizes_and_sorter(n, method):
    rng = np.random.default_rng(n)
    a = rng.integers(0, 10, n).astype(np.float64)
    v = rng.integers(-1, 12, (3, 5)).astype(np.float64)
    sorter = np.argsort(a, kind="stable")
    for side in ("left", "right"):
        check_against_numpy(
            lambda a, v, s: tnp.searchsorted(a, v, side=side, sorter=s, method=method),
            lambda a, v, s: np.searchsorted(a, v, side=side, sorter=s), a, v, sorter)


def test_searchsorted_edges():
    check_against_numpy(lambda a, v: tnp.searchsorted(a, v), np.searchsorted,
                        np.zeros(0), np.array([1.0, 2.0]))
    check_against_numpy(lambda a, v: tnp.searchsorted(a, v), np.searchsorted,
                        np.arange(3.0), np.zeros((0, 2)))
    # mixed dtypes compare in the promoted dtype
    check_against_numpy(lambda a, v: tnp.searchsorted(a, v), np.searchsorted,
                        np.array([1, 2, 3], np.int32), np.array([1.5, 2.0]))
    with pytest.raises(ValueError, match="side"):
        tnp.searchsorted(np.arange(3), 1, side="middle")
    with pytest.raises(ValueError, match="1-d"):
        tnp.searchsorted(np.zeros((2, 2)), 1)


@pytest.mark.parametrize("right", [False, True])
@pytest.mark.parametrize("bins", [np.array([0.0, 1.0, 1.0, 2.5]), np.array([3.0, 1.0, 0.0]),
                                  np.array([1.0])])
def test_digitize(bins, right):
    x = np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 2.5, 3.0, np.nan])
    check_against_numpy(lambda x: tnp.digitize(x, bins, right=right),
                        lambda x: np.digitize(x, bins, right=right), x)
    check_against_numpy(lambda x, b: tnp.digitize(x, b, right=right),
                        lambda x, b: np.digitize(x, b, right=right), x, bins)
    with pytest.raises(ValueError, match="monotonically"):
        tnp.digitize(x, np.array([0.0, 2.0, 1.0]))


@pytest.mark.parametrize("dt", ["f32", "f64", "i32", "bool"])
@pytest.mark.parametrize("shape,kth,axis", [((7,), 3, -1), ((7,), [0, 6], -1), ((3, 5), -1, 1),
                                            ((3, 5), 2, 0), ((2, 3, 4), (1, 2), -1),
                                            ((3, 4), 5, None)])
def test_partition_argpartition(dt, shape, kth, axis):
    x = _data(shape, dt, nan=False)

    def check_partition(p, kth, axis):
        p = np.asarray(p)
        xs = np.sort(x, axis=axis)
        ax = -1 if axis is None else axis
        p = np.moveaxis(p, ax, -1)
        xs = np.moveaxis(xs.reshape(-1) if axis is None else xs, ax, -1)
        for k in np.atleast_1d(kth):
            k = int(k) % p.shape[-1]
            assert_same(p[..., k], xs[..., k])
            assert np.all(p[..., :k] <= p[..., k:k + 1]) and np.all(p[..., k + 1:] >=
                                                                    p[..., k:k + 1])
    check_partition(tnp.partition(x, kth, axis=axis), kth, axis)
    idx = np.asarray(tnp.argpartition(x, kth, axis=axis))
    vals = (np.take_along_axis(x, idx, axis=axis) if axis is not None
            else x.reshape(-1)[idx])
    check_partition(vals, kth, axis)
    # traced input
    f = make_graph(lambda x: tnp.partition(x, kth, axis=axis))
    assert f(x).out_avals[0].shape == np.partition(x, kth, axis=axis).shape
    with pytest.raises(ValueError, match="out of bounds"):
        tnp.partition(x, 100, axis=axis)


# -- lax.top_k: descending in IEEE total order, like jax.lax.top_k (issue 11) ---------------

TOP_K_CASES = [
    np.array([1.0, np.nan, np.inf, 3.0]),                 # +NaN is the largest
    np.array([1.0, np.nan, np.inf, 3.0, np.nan]),
    np.array([1.0, -np.nan, np.inf, 3.0, np.nan]),        # -NaN (e.g. inf - inf) the smallest
    np.array([0.0, -0.0, 1.0, -0.0, 0.0]),                # +0 before -0, ties by index
    np.array([-np.inf, np.nan, -1.0, 1.0, -np.inf]),
    np.array([[2.0, 1.0, 2.0, 3.0], [np.nan, 0.0, np.nan, -1.0]]),
    np.array([2, 1, 2, 3]), np.array([True, False, True]),
    np.array([1 << 60, (1 << 60) + 1, 5]),               # beyond float64's integers
    np.array([0, 255, 3], np.uint8),
]


@pytest.mark.parametrize("i, dtype", [
    (i, dt) for i, case in enumerate(TOP_K_CASES)
    for dt in ([None, np.float32, np.float16] if case.dtype.kind == "f" else [None])])
def test_top_k_nan_against_jax(i, dtype):
    import jax
    import jax.numpy as jnp

    from tracer import lax
    from transforms import jit
    jax.config.update("jax_enable_x64", True)
    x = TOP_K_CASES[i]
    if dtype is not None:
        x = x.astype(dtype)
    k = x.shape[-1]
    want_v, want_i = jax.lax.top_k(jnp.asarray(x), k)
    for how, f in (("eager (NumPy backend)", lambda v: lax.top_k(v, k)),
                   ("jit (XLA)", jit(lambda v: lax.top_k(v, k)))):
        got_v, got_i = f(x)
        np.testing.assert_array_equal(np.asarray(got_i), np.asarray(want_i), err_msg=how)
        # bit for bit: NaN signs and zero signs included
        np.testing.assert_array_equal(np.asarray(got_v).view(np.uint8),
                                      np.asarray(want_v).view(np.uint8), err_msg=how)


def test_top_k_nan_gradient():
    """The derivative follows the elements top_k picked (NaN included)."""
    from tracer import lax
    from transforms import grad
    w = np.array([1.0, 10.0])
    g = grad(lambda v: tnp.sum(lax.top_k(v, 2)[0] * w))(np.array([1.0, np.nan, np.inf, 3.0]))
    assert np.asarray(g).tolist() == [0.0, 1.0, 10.0, 0.0]


@pytest.mark.parametrize("name", ["sort", "argsort", "argmax", "argmin", "nanargmax",
                                  "nanargmin", "max", "min", "nanmax", "nanmin"])
def test_nan_order_matches_numpy(name):
    """NaN sorts last (NumPy's order) in sort/argsort; argmax/argmin pick the first NaN."""
    from transforms import jit
    x = np.array([[1.0, np.nan, np.inf, 3.0, -np.nan, -0.5, 7.0, -np.inf, np.nan, 3.0],
                  [0.5, 2.0, 0.0, 1.0, 1.0, np.nan, 2.0, -np.nan, -1.0, 5.0]])
    kw = {"kind": "stable"} if name in ("sort", "argsort") else {}
    want = getattr(np, name)(x, axis=-1, **kw)
    for f in (lambda v: getattr(tnp, name)(v, axis=-1),
              jit(lambda v: getattr(tnp, name)(v, axis=-1))):
        assert_same(f(x), want, what=name)


@pytest.mark.parametrize("axis", [-1, 0, None, 1, -2])
@pytest.mark.parametrize("name", ["sort", "argsort", "partition", "argpartition"])
def test_sorting_a_0d_array_like_numpy(name, axis):
    """NumPy: sort/partition of a 0-d array raise AxisError (axis=None flattens);
    argsort/argpartition take it as one element (``argsort(array(2.5))`` is ``[0]``)."""
    from tests.util import check_everywhere
    from transforms import jit
    x = np.array(2.5)
    extra = (0,) if "partition" in name else ()
    np_fn = lambda a: getattr(np, name)(a, *extra, axis=axis)   # noqa: E731
    tnp_fn = lambda a: getattr(tnp, name)(a, *extra, axis=axis)  # noqa: E731
    try:
        np_fn(x)
    except np.exceptions.AxisError:
        for f in (tnp_fn, jit(tnp_fn), make_graph(tnp_fn)):
            with pytest.raises(np.exceptions.AxisError):
                f(x)
        return
    check_everywhere(tnp_fn, np_fn, x)
