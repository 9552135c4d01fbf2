"""Indexing: x[idx], x.at[idx], take & co against NumPy, eagerly and through graphs."""
from __future__ import annotations

import numpy as np
import pytest

import tracer.numpy as tnp
from tests.util import assert_same, check_against_numpy, check_graph, rand
from tracer import make_graph, typecheck
from tracer.errors import ConcretizationError, DataDependentShapeError
from tracer.tracing import record_forward

A = tnp.asarray

DT = {"f32": np.float32, "f64": np.float64, "i32": np.int32, "bool": np.bool_}
S = slice

# Static indices per shape: the index is a closure constant, x is traced.
STATIC = {
    (5,): [
        0, -1, 4, np.int64(-5), np.array(2), S(None), S(1, 4), S(None, None, 2),
        S(None, None, -1), S(-2, None, -2), S(3, 0, -1), S(3, 1), S(10, 20), S(-10, 2),
        S(None, None, 7), None, Ellipsis, (Ellipsis, None), (None, 1), (None, S(1, 3), None),
        [0, 2, -1], [4, 4, 0], np.array([4, 0, 0]), np.array([[0, 1], [2, 3]]), [], True,
        False, np.array(True), (True, 0), np.array([True, False, True, True, False]),
        [False] * 5, (None, [1, 2]), ([1, 2], None),
    ],
    (3, 4): [
        0, -1, (1, 2), (-1, -4), (S(None), 0), (Ellipsis, -1), (S(None, None, -1), S(1, 3)),
        (S(None, None, 2), S(None, None, -3)), (None, 1, None), (1, S(None), None),
        ([0, 2], [1, 3]), ([0, 2], S(None)), (S(None), [3, 0, 0]), ([[0], [2]], [1, 3]),
        (1, [0, 1]), ([2, 0], -1), (np.array([[0, 1]]), S(1, None)), (S(1, None), [0, -1]),
        np.array([[True, False, True, False]] * 3), np.array([True, False, True]),
        (np.array([True, False, True]), S(None, 2)), (S(None), np.array([1, 0, 0, 1], bool)),
        (Ellipsis, None, [1]), (True, 1), (False, S(None)), ([0, 1], None, [1, 2]),
        (S(2, 0, -1), [0, 3]), ([], S(None)), (Ellipsis, S(None, None, -1)),
        ([0], Ellipsis, [1]), ([], [7]),   # an empty Ellipsis separates; nothing selected
    ],
    (2, 3, 4): [
        0, (1, 2, 3), (-1, S(None), 0), (Ellipsis, 1), (1, Ellipsis), (1, Ellipsis, None),
        (S(None), S(None, None, -2), S(1, 3)), (0, S(None), [1, 2]), (S(None), 0, [1, 2]),
        ([0, 1], S(None), [1, 2]), ([0, 1], [1, 2]), (S(None), [0, 2], [1, 3]),
        ([0, 1], S(None), 0), (0, [1, 2], [0, 3]), ([[0], [1]], S(None), [[0, 1, 2]]),
        (np.ones((2, 3), bool),), (S(None), np.array([[True, False, True, False]] * 3)),
        (np.array([True, False]), S(None), [1, 2]), (None, [0, 1], None, [2, 0]),
        (Ellipsis, [1, 2], None), ([0, 1], S(None), True), (True, S(None), [0, 1], 0),
        (Ellipsis, None, S(None), None), (1, S(None, None, -1), S(None, None, -1)),
        (np.array(1), S(None), [3]), (S(None), [0], Ellipsis, [1]), (0, Ellipsis, [1], S(None)),
    ],
}


def _static_cases():
    for shape, idxs in STATIC.items():
        for k, idx in enumerate(idxs):
            for dt in DT:
                yield pytest.param(shape, idx, dt, id=f"{shape}-{k}-{dt}")


@pytest.mark.parametrize("shape,idx,dt", list(_static_cases()))
def test_getitem_static(shape, idx, dt):
    x = rand(shape, DT[dt])
    check_against_numpy(lambda x: A(x)[idx], lambda x: x[idx], x)


# Traced integer indices (the index array is a traced argument too).
TRACED = [
    ((5,), lambda x, i: x[i], np.array([0, -1, 3, 3])),
    ((5,), lambda x, i: x[i], np.array([[4, -5], [0, 2]])),
    ((5,), lambda x, i: x[i], np.array(-2)),
    ((5,), lambda x, i: x[i, None], np.array(3)),
    ((3, 4), lambda x, i: x[i], np.array(-1)),
    ((3, 4), lambda x, i: x[:, i], np.array(2)),
    ((3, 4), lambda x, i: x[1:, i], np.array([0, -1])),
    ((3, 4), lambda x, i: x[i, ::-1], np.array([2, 0])),
    ((3, 4), lambda x, i: x[i, i], np.array([0, 2, -1])),
    ((3, 4), lambda x, i: x[i, 1], np.array([0, 2])),
    ((3, 4), lambda x, i: x[::2, i], np.array(-1)),
    ((2, 3, 4), lambda x, i: x[i, :, i], np.array([1, 0])),
    ((2, 3, 4), lambda x, i: x[:, i, i], np.array([[1], [0]])),
    ((2, 3, 4), lambda x, i: x[0, :, i], np.array([3, 1, 1])),
    ((2, 3, 4), lambda x, i: x[..., i], np.array(-3)),
    ((2, 3, 4), lambda x, i: x[i, 1:, None, i], np.array(1)),
]


@pytest.mark.parametrize("k", range(len(TRACED)))
@pytest.mark.parametrize("dt", ["f32", "i32", "bool"])
def test_getitem_traced_index(k, dt):
    shape, f, i = TRACED[k]
    x = rand(shape, DT[dt])
    check_against_numpy(lambda x, i: f(A(x), i), f, x, i)
    check_against_numpy(lambda x, i: f(A(x), i), f, x, i.astype(np.int64))


def test_getitem_list_of_tracers_and_slice_bounds_from_arrays():
    x = rand((5, 3))
    check_against_numpy(lambda x, i, j: A(x)[[i, j]], lambda x, i, j: x[[i, j]], x,
                        np.int32(1), np.int32(-1))
    check_against_numpy(lambda x: A(x)[tnp.asarray(1):tnp.asarray(4)], lambda x: x[1:4], x)


def test_static_basic_indexing_is_cheap():
    x = np.zeros((4, 5, 6))
    cg = make_graph(lambda x: x[1, ::-2, None, 2:5])(x)
    typecheck(cg)
    assert {e.prim.name for e in cg.eqns} <= {"rev", "slice", "reshape"}
    assert len(cg.eqns) <= 3
    assert len(make_graph(lambda x: x[:, ...])(x).eqns) == 0
    cg = make_graph(lambda x, i: x[i, 1:])(x, np.int32(2))
    assert "dynamic_slice" in [e.prim.name for e in cg.eqns]
    assert "gather" not in [e.prim.name for e in cg.eqns]
    cg = make_graph(lambda x: x[[0, 2], :, 1])(x)
    assert [e.prim.name for e in cg.eqns].count("gather") == 1


def test_traced_out_of_bounds_indices_clamp():
    x = np.arange(5.0)
    got = check_graph(lambda x, i: x[i], x, np.array([7, -9]))
    assert_same(got, np.array([4.0, 0.0]))
    got = tnp.asarray(x).at[np.array([7, -1])].get(mode="fill", fill_value=-1.0)
    assert_same(got, np.array([-1.0, 4.0]))
    got = check_graph(lambda x, i: x.at[i].get(mode="fill", fill_value=-1.0), x, np.array(9))
    assert_same(got, np.array(-1.0))
    got = tnp.asarray(np.zeros((2, 0), np.int32)).at[:, [1]].get(mode="fill")
    assert_same(got, np.full((2, 1), np.iinfo(np.int32).min, np.int32))


def test_getitem_python_and_numpy_inputs_and_methods():
    a = tnp.asarray(np.arange(12).reshape(3, 4))
    assert a[1, 2].tolist() == 6
    assert [r.tolist() for r in a][2] == [8, 9, 10, 11]
    assert_same(np.asarray(a)[a > 5], a[np.asarray(a) > 5])   # eager mask from an Array
    assert_same(a[a > 5], np.arange(6, 12))


@pytest.mark.parametrize("idx,exc,match", [
    (5, IndexError, "out of bounds"), (-6, IndexError, "out of bounds"),
    ((0, 0), IndexError, "too many indices"), (1.5, IndexError, "valid indices"),
    ([0, 5], IndexError, "out of bounds"), (np.array([0.0]), IndexError, "integer"),
    ((Ellipsis, Ellipsis), IndexError, "single ellipsis"), (np.ones(4, bool), IndexError,
                                                            "did not match"),
    (S(None, None, 0), ValueError, "step"), ("a", IndexError, "valid indices"),
])
def test_getitem_errors(idx, exc, match):
    x = np.arange(5.0)
    with pytest.raises(exc, match=match):
        np.asarray(x)[idx]
    with pytest.raises(exc, match=match):
        tnp.asarray(x)[idx]
    with pytest.raises(exc, match=match):
        make_graph(lambda x: x[idx])(x)


def test_errors_name_the_user_line():
    x = np.arange(5.0)
    with pytest.raises(IndexError, match="test_indexing.py"):
        tnp.asarray(x)[7]
    with pytest.raises(DataDependentShapeError, match=r"test_indexing.py.*tnp.where"):
        make_graph(lambda x: x[x > 0])(x)
    with pytest.raises(DataDependentShapeError, match="test_indexing.py"):
        make_graph(lambda x: tnp.nonzero(x))(x)
    with pytest.raises(ConcretizationError):
        make_graph(lambda x, i: x[i:])(x, np.int32(1))


@pytest.mark.parametrize("op", ["set", "add", "multiply", "min", "max"])
def test_at_traced_mask_with_scalar_update_traces(op):
    """x.at[mask].op(scalar) needs no mask values: it traces (as a select_n)."""
    x = rand((3, 4))
    ufunc = {"set": lambda a, b: b, "add": np.add, "multiply": np.multiply,
             "min": np.minimum, "max": np.maximum}[op]

    def ref(x, m):
        y = x.copy()
        y[m] = ufunc(y[m], 2.0)
        return y
    check_against_numpy(lambda x: getattr(A(x).at[A(x) > 0], op)(2.0),
                        lambda x: ref(x, x > 0), x)
    for m in [x > 0, x[:, 0] > 0]:           # full mask, and a mask of the leading axis
        check_against_numpy(lambda x, m: getattr(A(x).at[m], op)(2.0), ref, x, m)
        check_against_numpy(lambda x, m: getattr(A(x).at[m, ...], op)(2), ref, x, m)
    with pytest.raises(DataDependentShapeError):
        make_graph(lambda x: A(x).at[x > 0].set(x))(x)


def test_boolean_mask_works_under_forwarding_recorder():
    x = rand((3, 4))
    out, cg = record_forward(lambda x: x[x > 0] * 2.0, x)
    typecheck(cg)
    assert_same(out, x[x > 0] * 2.0)
    out, _ = record_forward(lambda x: tnp.nonzero(x > 0), x)
    assert_same(out, np.nonzero(x > 0))


# -- x.at[idx] ---------------------------------------------------------------------

AT_SET = [
    ((5,), 2), ((5,), -1), ((5,), S(1, 4)), ((5,), S(None, None, -2)), ((5,), [0, 3]),
    ((5,), np.array([4, -5])), ((5,), Ellipsis), ((5,), None), ((5,), True), ((5,), False),
    ((5,), np.array([True, False, False, True, True])), ((5,), S(4, 0, -3)),
    ((3, 4), 1), ((3, 4), (1, 2)), ((3, 4), (S(None), 0)), ((3, 4), (S(1, None), S(None, 2))),
    ((3, 4), (S(None, None, 2), S(None, None, -1))), ((3, 4), ([0, 2], [1, 3])),
    ((3, 4), ([0, 2], S(None))), ((3, 4), (S(None), [3, 0])), ((3, 4), ([[0], [2]], [1, 3])),
    ((3, 4), (1, [0, 1])), ((3, 4), (np.array([[True, False, True, False]] * 3),)),
    ((3, 4), (None, 1, S(1, 3))), ((3, 4), (Ellipsis, -1)), ((3, 4), (S(2, 0, -1), [0, 3])),
    ((2, 3, 4), (0, S(None), [1, 2])), ((2, 3, 4), ([0, 1], S(None), [1, 2])),
    ((2, 3, 4), (S(None), [0, 2], [1, 3])), ((2, 3, 4), (1, S(None, None, -1), 2)),
    ((2, 3, 4), (Ellipsis, S(1, 3))), ((2, 3, 4), (S(None), np.ones((3, 4), bool))),
    ((2, 3, 4), ([0, 1], S(None), True)), ((2, 3, 4), (None, [1], S(None), [0, 2])),
]


def _np_set(x, idx, v):
    y = x.copy()
    y[idx] = v
    return y


def _at_cases():
    for k, (shape, idx) in enumerate(AT_SET):
        for dt in DT:
            yield pytest.param(shape, idx, dt, id=f"{shape}-{k}-{dt}")


@pytest.mark.parametrize("shape,idx,dt", list(_at_cases()))
def test_at_set_static_index(shape, idx, dt):
    x = rand(shape, DT[dt])
    sel = np.zeros(shape)[idx].shape
    v = rand(sel, DT[dt])
    check_against_numpy(lambda x, v: A(x).at[idx].set(v), lambda x, v: _np_set(x, idx, v), x,
                        v)
    # scalar update broadcasts; a Python scalar converts to x's dtype
    check_against_numpy(lambda x: A(x).at[idx].set(1), lambda x: _np_set(x, idx, 1), x)


@pytest.mark.parametrize("shape,idx,dt", [p.values for p in _at_cases()
                                          if p.values[2] in ("f64", "i32")])
@pytest.mark.parametrize("op", ["add", "multiply", "min", "max", "subtract"])
def test_at_ops_static_index(shape, idx, dt, op):
    x = rand(shape, DT[dt])
    v = rand(np.zeros(shape)[idx].shape, DT[dt])
    ufunc = {"add": np.add, "multiply": np.multiply, "min": np.minimum, "max": np.maximum,
             "subtract": np.subtract}[op]

    def ref(x, v):
        y = x.copy()
        y[idx] = ufunc(y[idx], v)
        return y
    check_against_numpy(lambda x, v: getattr(A(x).at[idx], op)(v), ref, x, v)


DUPS = [
    ((5,), (np.array([0, 1, 0, 4, 0, -1]),)),
    ((3, 4), (np.array([0, 2, 0, 0]), np.array([1, 3, 1, 1]))),
    ((3, 4), (np.array([[1, 1], [2, 1]]),)),
    ((2, 3, 4), (np.array([1, 1, 0]), slice(None), np.array([2, 2, 3]))),
    ((2, 3, 4), (slice(None), np.array([0, 0]), np.array([-1, 3]))),
]


@pytest.mark.parametrize("k", range(len(DUPS)))
@pytest.mark.parametrize("op", ["add", "multiply", "min", "max"])
@pytest.mark.parametrize("dt", ["f32", "f64", "i32", "bool"])
@pytest.mark.parametrize("traced_index", [False, True])
def test_at_duplicates_accumulate(k, op, dt, traced_index):
    if dt == "bool" and op in ("add", "multiply"):
        ufunc = {"add": np.logical_or, "multiply": np.logical_and}[op]
    else:
        ufunc = {"add": np.add, "multiply": np.multiply, "min": np.minimum,
                 "max": np.maximum}[op]
    shape, idx = DUPS[k]
    x = rand(shape, DT[dt])
    v = rand(np.zeros(shape)[idx].shape, DT[dt])

    def ref(x, v, *_):
        y = x.copy()
        ufunc.at(y, idx, v)
        return y
    if traced_index:
        arrs = [i for i in idx if isinstance(i, np.ndarray)]

        def f(x, v, *ii):
            it = iter(ii)
            full = tuple(next(it) if isinstance(i, np.ndarray) else i for i in idx)
            return getattr(A(x).at[full], op)(v)
        check_against_numpy(f, ref, x, v, *arrs)
    else:
        check_against_numpy(lambda x, v: getattr(A(x).at[idx], op)(v), ref, x, v)


def test_at_traced_scalar_indices_and_out_of_bounds_drop():
    x = rand((3, 4))
    check_against_numpy(lambda x, i, v: A(x).at[i].set(v), lambda x, i, v: _np_set(x, i, v),
                        x, np.int32(-1), rand((4,)))
    check_against_numpy(lambda x, i: A(x).at[i, 1:3].add(10.0),
                        lambda x, i: _np_set(x, (i, S(1, 3)), x[i, 1:3] + 10.0), x,
                        np.int64(1))
    check_against_numpy(lambda x, i, j: A(x).at[i, ::2, None].multiply(j),
                        lambda x, i, j: _np_set(x, (i, S(None, None, 2)), x[i, ::2] * j), x,
                        np.int32(2), 3.0)
    got = check_graph(lambda x, i: x.at[i].set(0.0), x, np.int32(5))   # dropped
    assert_same(got, x)
    got = check_graph(lambda x, i: x.at[i].set(0.0, mode="clip"), x, np.int32(5))
    assert_same(got, _np_set(x, 2, 0.0))
    got = tnp.asarray(x).at[[0, 7]].add(1.0, mode="drop")
    assert_same(got, _np_set(x, 0, x[0] + 1.0))


def test_at_value_conversion_and_get():
    x = np.arange(6, dtype=np.int32).reshape(2, 3)
    assert_same(tnp.asarray(x).at[0, 1].set(7.9), _np_set(x, (0, 1), 7))
    assert_same(tnp.asarray(x).at[1].get(), x[1])
    assert_same(tnp.asarray(x).at[:, [0]].set([[5], [6]]), _np_set(x, (S(None), [0]),
                                                                   [[5], [6]]))
    assert_same(tnp.asarray(x).at[0].set([[1, 2, 3]]), _np_set(x, 0, np.array([[1, 2, 3]])))
    f = np.arange(4.0)
    assert_same(tnp.asarray(f).at[1:3].divide(2.0), np.array([0, 0.5, 1.0, 3.0]))
    assert_same(tnp.asarray(f).at[1].power(2), np.array([0, 1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="shape mismatch"):
        tnp.asarray(f).at[1:3].set([1.0, 2.0, 3.0])
    with pytest.raises(IndexError, match="out of bounds"):
        tnp.asarray(f).at[4].set(1.0)


def test_at_graph_is_one_scatter_or_dus():
    x = np.zeros((4, 5))
    names = [e.prim.name for e in make_graph(lambda x: x.at[1:3, 2].set(1.0))(x).eqns]
    assert "dynamic_update_slice" in names and "scatter" not in names
    names = [e.prim.name for e in make_graph(lambda x: x.at[[0, 0], 1].add(1.0))(x).eqns]
    assert names.count("scatter_add") == 1


# -- take & co ----------------------------------------------------------------------


@pytest.mark.parametrize("dt", ["f32", "i32", "bool"])
@pytest.mark.parametrize("shape,ind,axis,mode", [
    ((5,), [0, 4, -1], None, None), ((3, 4), [[0, 1], [2, 3]], 1, None),
    ((3, 4), [2, 0], 0, None), ((3, 4), 7, None, None), ((2, 3, 4), [1], -1, None),
    ((3, 4), [-1, 5, 9], 1, "wrap"), ((3, 4), [-1, 5, 9], 0, "clip"),
    ((2, 3, 4), np.array([[0, 2]]), 1, "raise"), ((5,), [], None, None),
])
def test_take(dt, shape, ind, axis, mode):
    x = rand(shape, DT[dt])
    ind = np.asarray(ind, dtype=np.int64)
    check_against_numpy(lambda x, i: tnp.take(x, i, axis=axis, mode=mode),
                        lambda x, i: np.take(x, i, axis=axis, mode=mode or "raise"), x, ind)
    if ind.size:
        check_against_numpy(lambda x: tnp.take(x, ind, axis=axis, mode=mode),
                            lambda x: np.take(x, ind, axis=axis, mode=mode or "raise"), x)


def test_take_errors_and_fill():
    with pytest.raises(IndexError, match="out of bounds"):
        tnp.take(np.arange(3), [3])
    got = check_graph(lambda x, i: tnp.take(x, i), np.arange(3.0), np.array([1, 5]))
    assert_same(got, np.array([1.0, np.nan]))
    want = np.array([0.0, 7.0, 2.0])
    check_against_numpy(lambda x: tnp.take(x, [0, 5, -1], mode="fill", fill_value=7),
                        lambda x: want, np.arange(3.0))
    check_against_numpy(lambda x, i: tnp.take_along_axis(x, i, 0, mode="fill", fill_value=7),
                        lambda x, i: want, np.arange(3.0), np.array([0, 5, -1]))
    check_against_numpy(lambda x: tnp.take_along_axis(x, np.array([0, 5, -1]), 0, mode="fill",
                                                      fill_value=7),
                        lambda x: want, np.arange(3.0))


@pytest.mark.parametrize("dt", ["f32", "f64", "i32", "bool"])
@pytest.mark.parametrize("shape,ishape,axis", [
    ((5,), (3,), 0), ((3, 4), (3, 2), 1), ((3, 4), (2, 4), 0), ((3, 4), (1, 6), 1),
    ((2, 3, 4), (2, 3, 4), -1), ((2, 3, 4), (2, 1, 4), 1), ((3, 4), (5,), None),
    ((3, 4), (3, 0), 1),
])
def test_take_along_axis_and_put_along_axis(dt, shape, ishape, axis):
    x = rand(shape, DT[dt])
    n = x.size if axis is None else shape[axis]
    ind = np.random.default_rng(1).integers(-n, n, size=ishape)
    check_against_numpy(lambda x, i: tnp.take_along_axis(x, i, axis),
                        lambda x, i: np.take_along_axis(x, i, axis), x, ind)
    check_against_numpy(lambda x: tnp.take_along_axis(x, ind, axis),
                        lambda x: np.take_along_axis(x, ind, axis), x)
    if axis is None:
        return
    # unique indices along the axis so "set" has no write-order ambiguity
    uniq = np.argsort(rand(ishape), axis=axis) % n
    if ishape[axis] > n:
        return
    v = rand(ishape, DT[dt])

    def ref(x, i, v):
        y = x.copy()
        np.put_along_axis(y, i, v, axis)
        return y
    check_against_numpy(lambda x, i, v: tnp.put_along_axis(x, i, v, axis, inplace=False),
                        ref, x, uniq, v)


def test_put_and_put_along_axis_require_inplace_false():
    with pytest.raises(ValueError, match="inplace=False"):
        tnp.put_along_axis(np.zeros((2, 2)), np.zeros((2, 1), int), 1.0, 1)
    with pytest.raises(ValueError, match="inplace=False"):
        tnp.put(np.zeros(3), [0], 1.0)
    a = np.arange(6.0).reshape(2, 3)
    y = a.copy()
    np.put(y, [0, 4, -1], [10.0, 20.0])
    check_against_numpy(lambda a: tnp.put(a, [0, 4, -1], [10.0, 20.0], inplace=False),
                        lambda a: y, a)
    y = a.copy()
    np.put(y, [1, 8], [7.0], mode="clip")
    assert_same(tnp.put(a, [1, 8], [7.0], mode="clip", inplace=False), y)


@pytest.mark.parametrize("dt", ["f32", "i32", "bool"])
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), (0,), (2, 0)])
def test_nonzero_family_eager(dt, shape):
    x = rand(shape, DT[dt], -1, 2)
    x = np.where(rand(shape) > 0, x, 0).astype(DT[dt])
    for name in ["nonzero", "flatnonzero", "argwhere"]:
        check_against_numpy(getattr(tnp, name), getattr(np, name), x, graph=False)
    check_against_numpy(lambda x: tnp.where(x), lambda x: np.where(x), x, graph=False)
    check_against_numpy(lambda x: tnp.asarray(x).nonzero(), lambda x: x.nonzero(), x,
                        graph=False)


@pytest.mark.parametrize("size", [0, 3, 8, 30])
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 2)])
def test_nonzero_with_static_size_traces(size, shape):
    x = rand(shape, np.int32, -1, 2)

    def ref_nz(x):
        nz = np.nonzero(x)
        return tuple(np.concatenate([i[:size], np.full(max(size - len(i), 0), -1)])
                     for i in nz)
    check_against_numpy(lambda x: tnp.nonzero(x, size=size, fill_value=-1), ref_nz, x)
    check_against_numpy(lambda x: tnp.argwhere(x, size=size, fill_value=-1),
                        lambda x: np.stack(ref_nz(x), axis=1).reshape(size, len(shape)), x)
    flat = x.ravel()
    check_against_numpy(lambda x: tnp.flatnonzero(x, size=size),
                        lambda x: np.concatenate([np.flatnonzero(flat)[:size], np.zeros(
                            max(size - np.count_nonzero(flat), 0), np.int64)]), x)


@pytest.mark.parametrize("dt", ["f32", "f64", "i32", "bool"])
def test_unique_eager(dt):
    x = rand((4, 5), DT[dt], -2, 3)
    if dt in ("f32", "f64"):
        x = np.round(x)
        x[0, 0] = x[1, 1] = np.nan
    for kw in [{}, {"return_index": True}, {"return_inverse": True}, {"return_counts": True},
               {"return_index": True, "return_inverse": True, "return_counts": True},
               {"axis": 0}, {"axis": 1, "return_counts": True}]:
        check_against_numpy(lambda x: tnp.unique(x, **kw), lambda x: np.unique(x, **kw), x,
                            graph=False)
    with pytest.raises(DataDependentShapeError, match="size="):
        make_graph(lambda x: tnp.unique(x))(x)


@pytest.mark.parametrize("dt", ["f64", "i32", "bool"])
@pytest.mark.parametrize("size", [1, 4, 10])
def test_unique_with_static_size_traces(dt, size):
    x = rand((3, 5), DT[dt], -2, 3)
    if dt == "f64":
        x = np.round(x)
        x[0, 1] = x[2, 2] = np.nan

    def ref(x):
        u, idx, inv, cnt = np.unique(x, return_index=True, return_inverse=True,
                                     return_counts=True)
        k = len(u)
        pad = max(size - k, 0)
        return (np.concatenate([u[:size], np.full(pad, u[0], u.dtype)]),
                np.concatenate([idx[:size], np.zeros(pad, np.int64)]),
                inv.reshape(x.shape),
                np.concatenate([cnt[:size], np.zeros(pad, np.int64)]))
    check_against_numpy(lambda x: tnp.unique(x, return_index=True, return_inverse=True,
                                             return_counts=True, size=size), ref, x)
    check_against_numpy(lambda x: tnp.unique(x, size=size), lambda x: ref(x)[0], x)


def test_unique_array_api_variants():
    x = np.array([[3, 1], [1, 2]])
    r = tnp.unique_all(x)
    assert_same(tuple(r), tuple(np.unique_all(x)))
    assert_same(tuple(tnp.unique_counts(x)), tuple(np.unique_counts(x)))
    assert_same(tuple(tnp.unique_inverse(x)), tuple(np.unique_inverse(x)))
    assert_same(tnp.unique_values(x), np.sort(np.unique_values(x)))  # NumPy's is unordered


@pytest.mark.parametrize("dt", ["f32", "i32"])
def test_compress_extract_choose(dt):
    a = rand((3, 4), DT[dt])
    for cond, axis in [([True, False, True], 0), ([False, True], 1), ([1, 0, 0, 1, 1], None)]:
        check_against_numpy(lambda a: tnp.compress(cond, a, axis),
                            lambda a: np.compress(cond, a, axis), a)
    cond = rand((3, 4)) > 0
    check_against_numpy(lambda a: tnp.extract(cond, a), lambda a: np.extract(cond, a), a)
    with pytest.raises(DataDependentShapeError):
        make_graph(lambda c, a: tnp.extract(c, a))(cond, a)
    got = check_graph(lambda c, a: tnp.extract(c, a, size=13, fill_value=0), cond, a)
    want = np.concatenate([np.extract(cond, a), np.zeros(13 - cond.sum(), a.dtype)])
    assert_same(got, want)
    sel = np.array([[0, 1, 2, 1]] * 3)
    choices = [rand((3, 4), DT[dt]), rand((4,), DT[dt]), rand((3, 1), DT[dt])]
    check_against_numpy(lambda s, c0, c1, c2: tnp.choose(s, [c0, c1, c2]),
                        lambda s, c0, c1, c2: np.choose(s, [c0, c1, c2]), sel, *choices)
    for mode in ["wrap", "clip"]:
        check_against_numpy(lambda s, c0, c1, c2: tnp.choose(s, [c0, c1, c2], mode=mode),
                            lambda s, c0, c1, c2: np.choose(s, [c0, c1, c2], mode=mode),
                            sel * 2 - 1, *choices)
    with pytest.raises(ValueError, match="invalid entry"):
        tnp.choose(np.array([3]), choices)


def test_static_index_helpers():
    a = np.zeros((3, 3))
    pairs = [
        (tnp.diag_indices(3), np.diag_indices(3)), (tnp.diag_indices(2, 3), np.diag_indices(2, 3)),
        (tnp.diag_indices_from(a), np.diag_indices_from(a)),
        (tnp.tril_indices(3), np.tril_indices(3)), (tnp.tril_indices(3, 1, 4),
                                                    np.tril_indices(3, 1, 4)),
        (tnp.triu_indices(4, -1), np.triu_indices(4, -1)),
        (tnp.tril_indices_from(a, -1), np.tril_indices_from(a, -1)),
        (tnp.triu_indices_from(a), np.triu_indices_from(a)),
        (tnp.ix_([0, 2], [1]), np.ix_([0, 2], [1])),
        (tnp.ix_(np.array([True, False, True]), [0, 1]),
         np.ix_(np.array([True, False, True]), [0, 1])),
        (tnp.unravel_index([5, 0, 3], (2, 3)), np.unravel_index([5, 0, 3], (2, 3))),
        (tnp.ravel_multi_index(([1, 0], [2, 1]), (2, 3)),
         np.ravel_multi_index(([1, 0], [2, 1]), (2, 3))),
    ]
    for got, want in pairs:
        assert_same(got, want)
    x = rand((3, 4))
    check_against_numpy(lambda x: A(x)[tnp.ix_([0, 2], [1, 3])],
                        lambda x: x[np.ix_([0, 2], [1, 3])],
                        x)
    check_against_numpy(lambda x: A(x)[tnp.tril_indices(3)], lambda x: x[np.tril_indices(3)],
                        x)


def test_unravel_and_ravel_multi_index_traced():
    i = np.array([5, 0, 3, 4])
    check_against_numpy(lambda i: tnp.unravel_index(i, (2, 3)),
                        lambda i: np.unravel_index(i, (2, 3)), i)
    check_against_numpy(lambda a, b: tnp.ravel_multi_index((a, b), (2, 3)),
                        lambda a, b: np.ravel_multi_index((a, b), (2, 3)), i % 2, i % 3)
    check_against_numpy(lambda a, b: tnp.ravel_multi_index((a, b), (2, 3), mode="wrap"),
                        lambda a, b: np.ravel_multi_index((a, b), (2, 3), mode="wrap"),
                        i - 3, i + 1)
    check_against_numpy(lambda a, b: tnp.ravel_multi_index((a, b), (2, 3), mode="clip"),
                        lambda a, b: np.ravel_multi_index((a, b), (2, 3), mode="clip"),
                        i - 3, i + 1)


def test_numpy_functions_dispatch_to_tnp():
    x = tnp.asarray(rand((3, 4)))
    assert_same(np.take(x, [0, 2], axis=1), np.take(np.asarray(x), [0, 2], axis=1))
    assert_same(np.nonzero(x > 0), np.nonzero(np.asarray(x) > 0))
    assert_same(x.take([1]), np.asarray(x).take([1]))


# -- randomized: many index forms at once, against NumPy --------------------------

def _random_index(rng, shape):
    items, d, ell = [], 0, False
    while d < len(shape) and rng.random() < 0.85:
        n = shape[d]
        r = rng.integers(0, 10)
        if not ell and r == 9:
            items.append(Ellipsis)
            ell = True
            d = len(shape) - int(rng.integers(0, len(shape) - d + 1))
            continue
        if r == 0 and n:
            it = int(rng.integers(-n, n))
        elif r in (1, 2, 3):
            a = [None if rng.random() < 0.3 else int(v) for v in rng.integers(-n - 1, n + 2, 3)]
            it = S(a[0], a[1], a[2] or None)
        elif r == 4:
            it = None
        elif r == 5 and n:
            it = rng.integers(-n, n, size=tuple(rng.integers(1, 3, size=rng.integers(0, 3))))
        elif r == 6:
            it = rng.random(n) < 0.5
        elif r == 7:
            it = bool(rng.random() < 0.5)
        else:
            it = S(None)
        items.append(it)
        if it is not None and not isinstance(it, bool):
            d += 1
    return tuple(items)


@pytest.mark.parametrize("seed", range(8))
def test_random_indices_against_numpy(seed):
    rng = np.random.default_rng(seed)
    for _ in range(40):
        shape = tuple(int(d) for d in rng.integers(0, 4, size=rng.integers(1, 4)))
        x = rng.standard_normal(shape)
        idx = _random_index(rng, shape)
        try:
            want = x[idx]
        except (IndexError, ValueError) as e:
            with pytest.raises(type(e)):
                A(x)[idx]
            continue
        check_against_numpy(lambda x: A(x)[idx], lambda x: x[idx], x)
        v = rng.standard_normal(want.shape)
        arrs = [i for i in idx if isinstance(i, np.ndarray) and i.dtype != bool]

        def with_traced(ii):
            it = iter(ii)
            return tuple(next(it) if isinstance(i, np.ndarray) and i.dtype != bool else i
                         for i in idx)

        def np_add(x, v, *_):
            y = x.copy()
            np.add.at(y, idx, v)
            return y
        check_against_numpy(lambda x, v: A(x).at[idx].set(v),
                            lambda x, v: _np_set(x, idx, v), x, v)
        check_against_numpy(lambda x, v, *ii: A(x).at[with_traced(ii)].add(v), np_add, x, v,
                            *arrs)
        if arrs:
            check_against_numpy(lambda x, *ii: A(x)[with_traced(ii)], lambda x, *ii: x[idx],
                                x, *arrs)


def test_take_and_choose_like_numpy_with_bools_and_python_scalars():
    """NumPy casts bool indices (``take(a, True)`` is ``a[1]``) and finds ``choose``'s
    common dtype with Python scalars weak (``choose(i, [f16, 2.5])`` is float16)."""
    from tests.util import check_everywhere
    a = np.array([1.5, 2.5, 3.5, 4.5], np.float16)
    check_everywhere(lambda x: tnp.take(x, True), lambda x: np.take(x, True), a)
    check_everywhere(lambda x, i: tnp.take(x, i), lambda x, i: np.take(x, i),
                     a, np.array([True, False]))
    i = np.array([0, 1, 1, 0])
    check_everywhere(lambda i, x: tnp.choose(i, [x, 2.5]),
                     lambda i, x: np.choose(i, [x, 2.5]), i, a)
    check_everywhere(lambda i, x: tnp.choose(i, [x, 3]), lambda i, x: np.choose(i, [x, 3]),
                     i, np.array([1, 2, 3, 4], np.int8))
    check_everywhere(lambda i: tnp.unravel_index(i, (3, 4)),
                     lambda i: np.unravel_index(i, (3, 4)), np.array([True, False]))
