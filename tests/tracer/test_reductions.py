"""Reductions, cumulative ops and order statistics of tnp against NumPy.

Every check compares values and result dtypes eagerly and through
make_graph (typechecked, run on the NumPy backend).  Where NumPy raises,
graphjit must raise the same exception type, eagerly and while tracing.
"""
from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import tracer.numpy as tnp
from tests.util import assert_same, check_against_numpy, check_graph, rand
from tracer import make_graph

DT = {"f32": np.float32, "f64": np.float64, "i32": np.int32, "bool": np.bool_}
ALL = ["f32", "f64", "i32", "bool"]
NUM = ["f32", "f64", "i32"]
FLT = ["f32", "f64"]

SHAPES = [(), (0,), (5,), (3, 4), (2, 3, 4)]
# axis variants per rank (tuples are only for functions that take them)
AXES = {0: [None, ()], 1: [None, 0, -1, (0,)], 2: [None, 0, 1, (0, 1), (1, 0)],
        3: [None, 1, -1, (0, 2), (2, 1, 0)]}


def check(tnp_fn, np_fn, *args, **kwargs):
    """check_against_numpy, or: NumPy raises -> graphjit raises the same type."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            with np.errstate(all="ignore"):
                np_fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - the type is what we compare
            with pytest.raises(type(e)):
                tnp_fn(*args, **kwargs)
            with pytest.raises(type(e)):
                check_graph(lambda *a: tnp_fn(*a, **kwargs), *args)
            return
        check_against_numpy(tnp_fn, np_fn, *args, **kwargs)


# name: (dtypes, takes tuple axes, takes keepdims, accepts axis=0/-1 on 0-d like ufuncs)
REDUCTIONS = {
    "sum": (ALL, True, True, True), "prod": (ALL, True, True, True),
    "max": (ALL, True, True, True), "min": (ALL, True, True, True),
    "amax": (NUM, True, True, True), "amin": (NUM, True, True, True),
    "ptp": (ALL, True, True, True), "all": (ALL, True, True, True),
    "any": (ALL, True, True, True), "count_nonzero": (ALL, True, True, True),
    "mean": (ALL, True, True, False), "var": (ALL, True, True, False),
    "std": (ALL, True, True, False), "median": (ALL, True, True, False),
    "nansum": (ALL, True, True, True), "nanprod": (NUM, True, True, True),
    "nanmax": (ALL, True, True, True), "nanmin": (NUM, True, True, True),
    "nanmean": (ALL, True, True, True), "nanvar": (NUM, True, True, True),
    "nanstd": (NUM, True, True, True), "nanmedian": (ALL, True, True, False),
    "average": (NUM, True, True, False),
    "argmax": (ALL, False, True, False), "argmin": (ALL, False, True, False),
    "nanargmax": (NUM, False, True, False), "nanargmin": (NUM, False, True, False),
    "cumsum": (ALL, False, False, False), "cumprod": (ALL, False, False, False),
    "nancumsum": (NUM, False, False, False), "nancumprod": (FLT, False, False, False),
}


def _axis_variants(ndim, tuples, scalar_ok):
    out = [a for a in AXES[ndim] if tuples or not isinstance(a, tuple)]
    if ndim == 0 and scalar_ok:
        out += [0, -1]
    if ndim == 0 and not tuples:
        out += [0]
    return out


def _reduction_cases():
    for name, spec in REDUCTIONS.items():
        for dt in spec[0]:
            for shape in SHAPES:
                yield pytest.param(name, dt, shape, id=f"{name}-{dt}-{shape}")


@pytest.mark.parametrize("name,dt,shape", list(_reduction_cases()))
def test_reduction(name, dt, shape):
    dts, tuples, keep, scalar_ok = REDUCTIONS[name]
    x = rand(shape, DT[dt], -3, 3)
    f, g = getattr(tnp, name), getattr(np, name)
    for axis in _axis_variants(len(shape), tuples, scalar_ok):
        check(f, g, x, axis=axis)
        if keep and axis is not None:
            check(f, g, x, axis=axis, keepdims=True)
    if keep:
        check(f, g, x, keepdims=True)


# -- edge values: nan, inf, negative, all-NaN slices ---------------------------------

EDGE = np.array([[1.0, -2.0, 3.5, 0.0, -0.0],
                 [np.nan, 1.0, -1.0, 2.0, 5.0],
                 [np.nan, np.nan, np.nan, np.nan, np.nan],
                 [np.inf, -np.inf, np.nan, 1.0, 2.0],
                 [np.inf, 2.0, 3.0, -7.0, np.inf]])

EDGE_FUNCS = ["sum", "prod", "max", "min", "ptp", "all", "any", "count_nonzero", "mean", "var",
              "std", "median", "nansum", "nanprod", "nanmax", "nanmin", "nanmean", "nanvar",
              "nanstd", "nanmedian", "argmax", "argmin", "cumsum", "cumprod", "nancumsum",
              "nancumprod"]


@pytest.mark.parametrize("dt", FLT)
@pytest.mark.parametrize("name", EDGE_FUNCS)
def test_edge_values(name, dt):
    x = EDGE.astype(DT[dt])
    f, g = getattr(tnp, name), getattr(np, name)
    axes = [None, 0, 1] if name not in ("cumsum", "cumprod", "nancumsum", "nancumprod") \
        else [None, 1]
    for axis in axes:
        check(f, g, x, axis=axis)
    for row in x:  # 1-d slices: finite, one NaN, all NaN, infinities
        check(f, g, row)


@pytest.mark.parametrize("name", ["nanargmax", "nanargmin"])
def test_nanarg_edge_values_and_all_nan_slices(name):
    f, g = getattr(tnp, name), getattr(np, name)
    ok = EDGE[[0, 1, 3, 4]]
    check(f, g, ok, axis=1)
    check(f, g, EDGE, axis=0)
    check(f, g, EDGE)
    # an all-NaN slice: NumPy raises; so does graphjit eagerly, and gives -1 when traced
    with pytest.raises(ValueError, match="All-NaN"):
        f(EDGE, axis=1)
    got = check_graph(lambda x: f(x, axis=1), EDGE)
    want = np.array([g(r) if not np.isnan(r).all() else -1 for r in EDGE])
    assert_same(got, want)


@pytest.mark.parametrize("name", ["sum", "prod", "mean", "var", "max", "median", "quantile"])
def test_large_magnitudes_and_negative_zero(name):
    x = np.array([1e300, -1e300, 1e-300, -0.0, 3.0])
    f, g = getattr(tnp, name), getattr(np, name)
    extra = (0.5,) if name == "quantile" else ()
    check(lambda a: f(a, *extra), lambda a: g(a, *extra), x)


def test_median_overflow_like_numpy():
    x = np.array([2e38, 3e38], np.float32)  # the mean of the middle two overflows in float32
    check(tnp.median, np.median, x)
    check(tnp.median, np.median, np.array([[1, 2e38, 3e38, 3e38]], np.float32), axis=1)


# -- dtype=, initial=, ddof, correction, mean= ---------------------------------------


@pytest.mark.parametrize("name", ["sum", "prod", "mean", "var", "std", "cumsum", "cumprod",
                                  "nansum", "nanprod", "nanmean", "nanvar", "nanstd"])
@pytest.mark.parametrize("src", ["f32", "i32", "bool", "i8", "u8", "f16"])
@pytest.mark.parametrize("dtype", [None, np.float64, np.float32, np.int64, np.int32])
def test_dtype_argument(name, src, dtype):
    d = {"i8": np.int8, "u8": np.uint8, "f16": np.float16}.get(src) or DT[src]
    x = rand((3, 4), d, 0, 4)
    kw = {} if dtype is None else {"dtype": dtype}
    f, g = getattr(tnp, name), getattr(np, name)
    rtol = 2e-3 if src == "f16" else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            with np.errstate(all="ignore"):
                g(x, axis=1, **kw)
        except TypeError:
            with pytest.raises(TypeError):
                f(x, axis=1, **kw)
            return
    check_against_numpy(f, g, x, axis=1, rtol=rtol, atol=rtol, **kw)


@pytest.mark.parametrize("name,initial", [("sum", 5), ("sum", 2.5), ("prod", 3), ("max", 1),
                                          ("min", -1), ("max", 10.0), ("nansum", 1.5),
                                          ("nanprod", 2.0), ("nanmax", 0.0), ("nanmin", 0.0)])
@pytest.mark.parametrize("dt", ["f32", "f64", "i32"])
def test_initial(name, initial, dt):
    f, g = getattr(tnp, name), getattr(np, name)
    x = rand((3, 4), DT[dt], -3, 3)
    if dt != "i32" and name.startswith("nan"):
        x[1, 2] = np.nan
        x[2, :] = np.nan
    if dt == "i32" and isinstance(initial, float) and name in ("max", "min", "nanmax", "nanmin"):
        return  # NumPy rejects a float initial for an int maximum
    for axis in [None, 0, 1]:
        check(f, g, x, axis=axis, initial=initial)
    check(f, g, np.zeros((0, 3), DT[dt]), axis=0, initial=initial)  # empty: initial only
    check(f, g, x, axis=1, initial=initial, keepdims=True)


def test_initial_out_of_range_raises():
    with pytest.raises(OverflowError):
        tnp.max(np.ones(3, np.int8), initial=300)


@pytest.mark.parametrize("name", ["var", "std", "nanvar", "nanstd"])
@pytest.mark.parametrize("ddof", [0, 1, 2, 1.5, 5])
def test_ddof(name, ddof):
    x = rand((3, 4), np.float64)
    x[0, 1] = np.nan if name.startswith("nan") else x[0, 1]
    f, g = getattr(tnp, name), getattr(np, name)
    for axis in [None, 0, 1]:
        check(f, g, x, axis=axis, ddof=ddof)
    check(f, g, rand((4,), np.int32), ddof=ddof)


@pytest.mark.parametrize("name", ["var", "std", "nanvar", "nanstd"])
def test_correction_and_mean_arguments(name):
    x = rand((3, 4), np.float64)
    f, g = getattr(tnp, name), getattr(np, name)
    check(f, g, x, axis=1, correction=1)
    m = np.mean(x, axis=1, keepdims=True)
    check(lambda a: f(a, axis=1, mean=m), lambda a: g(a, axis=1, mean=m), x)
    with pytest.raises(ValueError, match="ddof and correction"):
        f(x, ddof=1, correction=1)


def test_nan_functions_reject_integer_dtype_for_float_input():
    with pytest.raises(TypeError, match="inexact"):
        tnp.nanmean(np.ones(3), dtype=np.int32)


def test_mean_of_float16_accumulates_in_float32():
    x = np.full(4096, 0.1, np.float16)
    check_against_numpy(tnp.mean, np.mean, x)


# -- cumulative ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["cumulative_sum", "cumulative_prod"])
@pytest.mark.parametrize("dt", ALL)
@pytest.mark.parametrize("include_initial", [False, True])
def test_cumulative_array_api(name, dt, include_initial):
    f, g = getattr(tnp, name), getattr(np, name)
    kw = {"include_initial": include_initial}
    check(f, g, rand((5,), DT[dt]), **kw)
    check(f, g, rand((0,), DT[dt]), **kw)
    check(f, g, rand((), DT[dt]), **kw)
    for axis in [0, 1, -1]:
        check(f, g, rand((3, 4), DT[dt]), axis=axis, **kw)
    check(f, g, rand((3, 4), DT[dt]), dtype=np.float32, axis=1, **kw)
    with pytest.raises(ValueError, match="axis"):
        f(rand((3, 4), DT[dt]))


# -- quantile, percentile -------------------------------------------------------------

METHODS = ["inverted_cdf", "averaged_inverted_cdf", "closest_observation",
           "interpolated_inverted_cdf", "hazen", "weibull", "linear", "median_unbiased",
           "normal_unbiased", "lower", "higher", "midpoint", "nearest"]
QS = [0.3, 0.5, 1, 0, [0.0, 0.1, 0.25, 0.5, 0.9, 1.0], np.float64(0.7),
      np.array([0.2, 0.75], np.float32), np.array([[0.1, 0.4], [0.6, 1.0]])]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dt", ALL)
def test_quantile_methods(method, dt):
    x = rand((4, 5), DT[dt], -5, 5)
    for q in QS:
        for axis in [None, 0, 1]:
            check(tnp.quantile, np.quantile, x, q=q, axis=axis, method=method)
    check(tnp.quantile, np.quantile, x, q=QS[4], axis=1, method=method, keepdims=True)
    check(tnp.quantile, np.quantile, rand((2, 3, 4), DT[dt]), q=0.4, axis=(0, 2),
          method=method)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("n", [1, 2, 3, 4, 7])
def test_quantile_small_samples_dense_q(method, n):
    """Many q values on tiny samples hit every boundary of the index arithmetic."""
    x = rand((n,), np.float64)
    q = np.linspace(0, 1, 41)
    check(tnp.quantile, np.quantile, x, q=q, method=method)
    check(tnp.percentile, np.percentile, x, q=q * 100, method=method)


@pytest.mark.parametrize("method", ["linear", "lower", "midpoint", "hazen", "nearest"])
@pytest.mark.parametrize("name", ["quantile", "percentile", "nanquantile", "nanpercentile"])
def test_quantile_nan_inf_and_empty(method, name):
    f, g = getattr(tnp, name), getattr(np, name)
    scale = 100 if "percentile" in name else 1
    for q in [0.25 * scale, 1.0 * scale, [0.0, 0.5 * scale]]:
        for axis in [None, 0, 1]:
            check(f, g, EDGE, q=q, axis=axis, method=method)
        check(f, g, EDGE.astype(np.float32), q=q, axis=1, method=method, keepdims=True)
    check(f, g, np.zeros((0,)), q=0.5 * scale)
    check(f, g, np.zeros((3, 0)), q=0.5 * scale, axis=0)
    check(f, g, np.zeros((0, 3)), q=0.5 * scale, axis=1)
    check(f, g, np.array([1.0, np.inf]), q=1.0 * scale, method=method)


def test_quantile_integer_quirks_match_numpy():
    check(tnp.quantile, np.quantile, np.array([-100, 100], np.int8), q=0.5)  # int8 b - a wraps
    check(tnp.quantile, np.quantile, np.arange(5), q=1)  # integer q: no interpolation


@pytest.mark.parametrize("method", ["linear", "hazen", "lower", "midpoint", "inverted_cdf"])
@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_quantile_traced_q(method, name):
    """q as a traced argument: the index arithmetic is recorded, values still match."""
    f, g = getattr(tnp, name), getattr(np, name)
    x = rand((4, 6), np.float32)
    if name == "nanquantile":
        x[1, 2] = np.nan
    for q in [np.array(0.3), np.array([0.0, 0.45, 1.0]), np.array([0.2, 0.9], np.float32)]:
        for axis in [None, 1]:
            check_against_numpy(lambda a, q: f(a, q, axis=axis, method=method),
                                lambda a, q: g(a, q, axis=axis, method=method), x, q)


@pytest.mark.parametrize("name", ["quantile", "nanquantile", "percentile"])
def test_quantile_weights(name):
    f, g = getattr(tnp, name), getattr(np, name)
    q = [0.0, 0.2, 0.5, 1.0] if "percentile" not in name else [0, 20, 50, 100]
    x = rand((3, 6), np.float64)
    w = rand((3, 6), np.float64, 0, 3)
    w[:, 0] = 0.0  # leading zero weights must be skipped
    kw = {"method": "inverted_cdf"}
    for axis in [None, 1]:
        check_against_numpy(lambda a, w: f(a, q, axis=axis, weights=w, **kw),
                            lambda a, w: g(a, q, axis=axis, weights=w, **kw), x, w)
    w1 = w[0]
    if name != "nanquantile":  # NumPy's nanquantile mishandles 1-d weights with an axis
        check_against_numpy(lambda a, w: f(a, q, axis=1, weights=w, **kw),
                            lambda a, w: g(a, q, axis=1, weights=w, **kw), x, w1)
    xi = rand((3, 6), np.int32, 0, 4)
    check_against_numpy(lambda a, w: f(a, 0.5, axis=1, weights=w, **kw),
                        lambda a, w: g(a, 0.5, axis=1, weights=w, **kw), xi, w)
    with pytest.raises(ValueError, match="inverted_cdf"):
        f(x, 0.5, weights=w)
    with pytest.raises(ValueError, match="non-negative"):
        f(x, 0.5, weights=-w, **kw)


def test_nanquantile_weights_with_nans():
    x = rand((3, 6), np.float64)
    x[0, 1] = np.nan
    x[2, :] = np.nan
    w = rand((3, 6), np.float64, 0.5, 3)
    kw = {"method": "inverted_cdf"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy: "All-NaN slice encountered"
        check_against_numpy(
            lambda a, w: tnp.nanquantile(a, [0.3, 1.0], axis=1, weights=w, **kw),
            lambda a, w: np.nanquantile(a, [0.3, 1.0], axis=1, weights=w, **kw), x, w)


def test_quantile_argument_errors_name_the_line():
    x = rand((5,), np.float64)
    with pytest.raises(ValueError, match=r"range \[0, 1\].*test_reductions.py"):
        tnp.quantile(x, 1.5)
    with pytest.raises(ValueError, match=r"range \[0, 100\]"):
        tnp.percentile(x, -1)
    with pytest.raises(ValueError, match="not a valid method"):
        tnp.quantile(x, 0.5, method="bogus")
    with pytest.raises(TypeError, match="boolean"):
        tnp.quantile(x > 0, 0.5)


# -- average --------------------------------------------------------------------------


@pytest.mark.parametrize("xdt,wdt", [("f64", "f64"), ("f32", "f32"), ("f32", "f64"),
                                     ("i32", "f32"), ("i32", "i32"), ("bool", "f32")])
def test_average_weights(xdt, wdt):
    x = rand((2, 3, 4), DT[xdt])
    w_full = rand((2, 3, 4), DT[wdt], 1, 3)
    for returned in [False, True]:
        for keepdims in [False, True]:
            kw = {"returned": returned, "keepdims": keepdims}
            check(lambda a, w: tnp.average(a, weights=w, **kw),
                  lambda a, w: np.average(a, weights=w, **kw), x, w_full)
            check(lambda a, w: tnp.average(a, axis=1, weights=w, **kw),
                  lambda a, w: np.average(a, axis=1, weights=w, **kw), x, w_full)
            for axis in [2, (0, 2), (2, 0)]:
                axes = axis if isinstance(axis, tuple) else (axis,)
                w = rand(tuple(x.shape[i] for i in axes), DT[wdt], 1, 3)
                check(lambda a, w: tnp.average(a, axis=axis, weights=w, **kw),
                      lambda a, w: np.average(a, axis=axis, weights=w, **kw), x, w)
            check(lambda a: tnp.average(a, axis=(0, 1), **kw),
                  lambda a: np.average(a, axis=(0, 1), **kw), x)


def test_average_errors():
    x = rand((2, 3), np.float64)
    with pytest.raises(TypeError, match="axis must be specified"):
        tnp.average(x, weights=np.ones(3))
    with pytest.raises(ValueError, match="consistent"):
        tnp.average(x, axis=0, weights=np.ones(3))
    with pytest.raises(ZeroDivisionError):
        tnp.average(x, axis=1, weights=np.zeros(3))


# -- errors name the user's line; unsupported arguments ------------------------------


def _here(offset: int = 1) -> str:
    return f"test_reductions.py:{inspect.currentframe().f_back.f_lineno + offset}"


@pytest.mark.parametrize("name", ["sum", "mean", "max", "median", "all", "var", "nanmean",
                                  "quantile", "count_nonzero"])
def test_bad_axis_names_the_line(name):
    x = np.ones((2, 3))
    extra = (0.5,) if name == "quantile" else ()
    where = _here(2)
    with pytest.raises(np.exceptions.AxisError, match=where):
        getattr(tnp, name)(x, *extra, axis=2)
    with pytest.raises(ValueError, match="duplicate"):
        getattr(tnp, name)(x, *extra, axis=(0, -2))
    where = _here(2)
    with pytest.raises(np.exceptions.AxisError, match=where):
        make_graph(lambda a: getattr(tnp, name)(a, *extra, axis=-3))(x)


def test_empty_reduction_errors_name_the_line():
    where = _here(2)
    with pytest.raises(ValueError, match=f"zero-size array.*maximum.*{where}"):
        tnp.max(np.zeros((0, 3)), axis=0)
    with pytest.raises(ValueError, match="empty sequence"):
        tnp.argmin(np.zeros((3, 0)), axis=1)
    with pytest.raises(TypeError):
        tnp.argmax(np.zeros((3, 3)), axis=(0, 1))


@pytest.mark.parametrize("name", ["sum", "prod", "max", "min", "all", "any", "mean", "var",
                                  "std", "nansum", "nanmean", "nanmax", "nanvar"])
def test_where_and_out_are_rejected_clearly(name):
    x = np.ones(3)
    f = getattr(tnp, name)
    with pytest.raises(TypeError, match="where=.*tnp.where.*test_reductions.py"):
        f(x, where=x > 0)
    with pytest.raises(TypeError, match="out="):
        f(x, out=np.empty(()))
    f(x, where=True)  # NumPy's default is accepted
    f(x, where=np.True_)


# -- integration: methods, NumPy dispatch, graphs ------------------------------------


def test_array_methods_and_numpy_dispatch():
    x = rand((3, 4), np.float32)
    a = tnp.asarray(x)
    assert_same(a.sum(axis=1), x.sum(axis=1))
    assert_same(a.mean(), x.mean())
    assert_same(a.std(ddof=1), x.std(ddof=1))
    assert_same(a.argmax(axis=0, keepdims=True), x.argmax(axis=0, keepdims=True))
    assert_same(a.cumsum(axis=1), x.cumsum(axis=1))
    assert_same(np.sum(a, axis=0), np.sum(x, axis=0))
    assert_same(np.median(a), np.median(x))
    assert_same(np.add.reduce(a), np.add.reduce(x))
    assert_same(np.maximum.reduce(a, axis=1), np.maximum.reduce(x, axis=1))
    check_against_numpy(lambda v: np.quantile(v, 0.25) + v.var(), lambda v: np.quantile(
        v, 0.25) + v.var(), x)


def test_python_inputs():
    assert_same(tnp.sum([1, 2, 3]), np.sum([1, 2, 3]))
    assert_same(tnp.mean([[1.0, 2.0]], axis=1), np.mean([[1.0, 2.0]], axis=1))
    assert_same(tnp.median(3), np.median(3))
    assert_same(tnp.any([]), np.any([]))


def _prims(fn, *args):
    cg = make_graph(fn)(*args)
    return [(e.prim.name, dict(e.params)) for e in cg.graph.eqns]


def test_recorded_graphs_use_reduction_primitives():
    x = np.ones((2, 3, 4), np.int32)
    eqns = _prims(lambda a: tnp.sum(a, axis=(2, 0)), x)
    assert [n for n, _ in eqns] == ["convert_element_type", "reduce_sum"]
    assert eqns[1][1]["axes"] == (0, 2)
    eqns = _prims(lambda a: tnp.max(a, axis=-1, keepdims=True), x)
    assert [n for n, _ in eqns] == ["reduce_max", "reshape"]
    assert "sort" in [n for n, _ in _prims(lambda a: tnp.median(a, axis=1), x)]
    # a static scalar q needs no gather: order statistics are static slices
    names = [n for n, _ in _prims(lambda a: tnp.quantile(a, 0.3, axis=1), x.astype(float))]
    assert "gather" not in names and "slice" in names


@pytest.mark.parametrize("name", ["var", "std", "nanvar", "nanstd"])
def test_variance_of_complex_is_real(name):
    """NumPy's variance of complex values is ``mean(|x - mean|**2)``: real, not complex."""
    from tests.util import check_everywhere
    x = np.array([1 + 2j, 3 - 1j, 0.5j, 2, np.nan], np.complex128)
    for a in (x[:4], x, x[:3].astype(np.complex64)):
        if name in ("var", "std") and np.isnan(a).any():
            continue
        check_everywhere(getattr(tnp, name), getattr(np, name), a, rtol=1e-5, atol=1e-6)
