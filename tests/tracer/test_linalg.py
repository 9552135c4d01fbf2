"""Products and contractions (dot, matmul, einsum, ..., linalg.norm) against NumPy.

Every case runs eagerly and through ``make_graph`` (typechecked, then
evaluated on the NumPy backend), comparing values and result dtypes.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

import tracer.numpy as tnp
from tests.util import assert_same, check_against_numpy, rand
from tracer import make_graph
from tracer.errors import ShapeError, UnsupportedError
from tracer.numpy._linalg import matrix_norm, vector_norm

DT = {"f32": np.float32, "f64": np.float64, "i32": np.int32, "bool": np.bool_}
TOL = {"f32": 1e-4}
HERE = os.path.basename(__file__)


def _tol(*dts: str) -> dict:
    t = max((TOL.get(d, 0.0) for d in dts), default=0.0)
    return {"rtol": t, "atol": t} if t else {}


# ---------------------------------------------------------------------------
# matmul / dot / inner / vdot / outer / tensordot

MATMUL_SHAPES = [
    ((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)),
    ((5, 2, 3), (5, 3, 4)), ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)),
    ((2, 1, 2, 3), (5, 3, 4)), ((1, 2, 3), (4, 3, 2)), ((3,), (5, 3, 4)),
    ((5, 2, 3), (3,)), ((0, 3), (3, 4)), ((2, 0), (0, 3)), ((0, 2, 3), (3, 4)),
    ((4, 1, 2, 3), (1, 5, 3, 2)),
]
DTYPE_PAIRS = [("f32", "f32"), ("f64", "f64"), ("i32", "i32"), ("bool", "bool"),
               ("i32", "f32"), ("bool", "i32"), ("f32", "f64")]


@pytest.mark.parametrize("dts", DTYPE_PAIRS, ids="-".join)
@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES, ids=str)
def test_matmul(sa, sb, dts):
    a, b = rand(sa, DT[dts[0]]), rand(sb, DT[dts[1]])
    check_against_numpy(tnp.matmul, np.matmul, a, b, **_tol(*dts))


DOT_SHAPES = [
    ((), ()), ((), (3,)), ((2, 3), ()), ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)),
    ((2, 3), (3, 4)), ((5, 2, 3), (3,)), ((5, 2, 3), (4, 3, 2)), ((2, 3), (4, 3, 5)),
    ((0, 3), (3, 2)), ((2, 0), (0,)),
]


@pytest.mark.parametrize("dts", [("f32", "f32"), ("f64", "f64"), ("i32", "i32"),
                                 ("bool", "bool"), ("i32", "f64")], ids="-".join)
@pytest.mark.parametrize("sa,sb", DOT_SHAPES, ids=str)
def test_dot(sa, sb, dts):
    a, b = rand(sa, DT[dts[0]]), rand(sb, DT[dts[1]])
    check_against_numpy(tnp.dot, np.dot, a, b, **_tol(*dts))


INNER_SHAPES = [((), (3,)), ((3,), (3,)), ((2, 3), (3,)), ((2, 3), (4, 3)),
                ((5, 2, 3), (4, 3)), ((0, 3), (2, 3))]


@pytest.mark.parametrize("dt", ["f32", "f64", "i32"])
@pytest.mark.parametrize("sa,sb", INNER_SHAPES, ids=str)
def test_inner(sa, sb, dt):
    check_against_numpy(tnp.inner, np.inner, rand(sa, DT[dt]), rand(sb, DT[dt]), **_tol(dt))


@pytest.mark.parametrize("dt", ["f32", "f64", "i32", "bool"])
@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((2, 3), (6,)), ((2, 2, 2), (4, 2)),
                                   ((0,), (0, 2))], ids=str)
def test_vdot(sa, sb, dt):
    check_against_numpy(tnp.vdot, np.vdot, rand(sa, DT[dt]), rand(sb, DT[dt]), **_tol(dt))


@pytest.mark.parametrize("dts", [("f32", "f32"), ("f64", "i32"), ("i32", "i32"),
                                 ("bool", "bool")], ids="-".join)
@pytest.mark.parametrize("sa,sb", [((3,), (4,)), ((2, 2), (3,)), ((), (3,)), ((0,), (2,))],
                         ids=str)
def test_outer(sa, sb, dts):
    check_against_numpy(tnp.outer, np.outer, rand(sa, DT[dts[0]]), rand(sb, DT[dts[1]]))


TENSORDOT = [
    ((2, 3, 4), (3, 4, 5), 2), ((2, 3), (3, 4), 1), ((2, 3), (4, 5), 0),
    ((2, 3, 4), (4, 3, 5), ([1, 2], [1, 0])), ((2, 3), (3, 2), (1, 0)),
    ((2, 3, 4), (4, 2), ((-1, 0), (0, -1))), ((0, 3), (3, 2), 1), ((3,), (3,), 1),
]


@pytest.mark.parametrize("dt", ["f32", "f64", "i32"])
@pytest.mark.parametrize("sa,sb,axes", TENSORDOT, ids=str)
def test_tensordot(sa, sb, axes, dt):
    check_against_numpy(tnp.tensordot, np.tensordot, rand(sa, DT[dt]), rand(sb, DT[dt]),
                        axes=axes, **_tol(dt))


# ---------------------------------------------------------------------------
# gufuncs: vecdot, matvec, vecmat

GUFUNCS = [
    ("vecdot", (3,), (3,)), ("vecdot", (4, 3), (3,)), ("vecdot", (2, 1, 3), (4, 3)),
    ("vecdot", (0, 3), (3,)),
    ("matvec", (4, 3), (3,)), ("matvec", (2, 4, 3), (3,)), ("matvec", (4, 3), (5, 3)),
    ("matvec", (2, 1, 4, 3), (5, 3)),
    ("vecmat", (3,), (3, 4)), ("vecmat", (5, 3), (3, 4)), ("vecmat", (3,), (2, 3, 4)),
    ("vecmat", (2, 1, 3), (5, 3, 4)),
]


@pytest.mark.parametrize("dt", ["f32", "f64", "i32", "bool"])
@pytest.mark.parametrize("name,sa,sb", GUFUNCS, ids=str)
def test_gufuncs(name, sa, sb, dt):
    check_against_numpy(getattr(tnp, name), getattr(np, name), rand(sa, DT[dt]),
                        rand(sb, DT[dt]), **_tol(dt))


@pytest.mark.parametrize("axis", [0, 1, -2])
def test_vecdot_axis(axis):
    a, b = rand((3, 3, 3)), rand((3, 3))
    check_against_numpy(tnp.vecdot, np.vecdot, a, b, axis=axis)


# ---------------------------------------------------------------------------
# einsum

EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ij,jk->ki", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(5, 2, 3), (5, 3, 4)]),
    ("...ij,...jk->...ik", [(5, 2, 3), (3, 4)]),
    ("...ij,...jk", [(2, 1, 2, 3), (5, 3, 4)]),
    ("i,i->", [(4,), (4,)]),
    ("i,i", [(4,), (4,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij,kl->ijkl", [(2, 3), (1, 2)]),
    ("ii", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("iij->j", [(3, 3, 2)]),
    ("iii->i", [(2, 2, 2)]),
    ("ij->", [(2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("ij", [(2, 3)]),
    ("ba", [(2, 3)]),
    ("...i->...", [(2, 3, 4)]),
    ("i...->...", [(2, 3)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("ij,jk,kl", [(2, 3), (3, 4), (4, 5)]),
    ("ab,bc,ca->", [(2, 3), (3, 4), (4, 2)]),
    ("i,ij,j->i", [(3,), (3, 4), (4,)]),
    ("ij,ij->ij", [(2, 1), (2, 3)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("ijk,jil->kl", [(3, 2, 4), (2, 3, 5)]),
    ("ij,jk->ik", [(0, 3), (3, 4)]),
    ("ii,jj->ij", [(3, 3), (2, 2)]),
    (" i j , j k -> i k ", [(2, 3), (3, 4)]),
]


@pytest.mark.parametrize("dt", ["f32", "f64", "i32"])
@pytest.mark.parametrize("subs,shapes", EINSUM, ids=[s for s, _ in EINSUM])
def test_einsum(subs, shapes, dt):
    ops = [rand(s, DT[dt]) for s in shapes]
    check_against_numpy(lambda *o: tnp.einsum(subs, *o), lambda *o: np.einsum(subs, *o),
                        *ops, **_tol(dt))


def test_einsum_bool_and_mixed():
    a, b = rand((2, 3), np.bool_), rand((3, 4), np.bool_)
    check_against_numpy(lambda x, y: tnp.einsum("ij,jk", x, y),
                        lambda x, y: np.einsum("ij,jk", x, y), a, b)
    c = rand((3, 4), np.int32)
    check_against_numpy(lambda x, y: tnp.einsum("ij,jk", x, y),
                        lambda x, y: np.einsum("ij,jk", x, y), rand((2, 3), np.float32), c,
                        rtol=1e-5, atol=1e-5)


def test_einsum_interleaved_and_dtype():
    a, b = rand((2, 3)), rand((3, 4))
    assert_same(tnp.einsum(a, [0, 1], b, [1, 2], [0, 2]),
                np.einsum(a, [0, 1], b, [1, 2], [0, 2]))
    assert_same(tnp.einsum(a, [Ellipsis, 1], [Ellipsis]), np.einsum(a, [Ellipsis, 1], [Ellipsis]))
    ai = rand((2, 3), np.int32)
    assert_same(tnp.einsum("ij->j", ai, dtype=np.float64),
                np.einsum("ij->j", ai, dtype=np.float64))
    assert_same(tnp.einsum("ij,jk", a, b, optimize=True), np.einsum("ij,jk", a, b))


def _prims(fn, *args):
    return [e.prim.name for e in make_graph(fn)(*args).graph.eqns]


def test_contractions_are_single_dot_generals():
    # A broadcast batch is never materialized: (B, T, n) @ (n, m) is one dot_general.
    x, w = np.ones((4, 5, 3)), np.ones((3, 2))
    assert _prims(tnp.matmul, x, w) == ["dot_general"]
    assert _prims(tnp.matmul, np.ones((4, 1, 2, 3)), np.ones((5, 3, 2))) == [
        "reshape", "dot_general", "transpose"]
    assert _prims(lambda a, b: tnp.einsum("bij,bjk->bik", a, b), np.ones((2, 3, 4)),
                  np.ones((2, 4, 5))) == ["dot_general"]
    # 'ij,jk->ki' swaps the operands instead of transposing.
    assert _prims(lambda a, b: tnp.einsum("ij,jk->ki", a, b), np.ones((2, 3)),
                  np.ones((3, 4))) == ["dot_general"]
    names = _prims(lambda a, b, c: tnp.einsum("ij,jk,kl->il", a, b, c), np.ones((2, 3)),
                   np.ones((3, 4)), np.ones((4, 5)))
    assert names.count("dot_general") == 2
    assert _prims(tnp.dot, np.ones((2, 3)), np.ones((3, 4))) == ["dot_general"]


def test_matmul_operator_and_numpy_protocol():
    a, b = rand((2, 3)), rand((3, 4))
    A, B = tnp.asarray(a), tnp.asarray(b)
    assert_same(A @ B, a @ b)
    assert_same(a @ B, a @ b)
    assert_same(np.matmul(A, b), a @ b)
    assert_same(np.dot(A, b), a @ b)
    assert_same(np.einsum("ij,jk", A, b), a @ b)
    cg = make_graph(lambda x, y: x @ y)(a, b)
    assert [e.prim.name for e in cg.graph.eqns] == ["dot_general"]


# ---------------------------------------------------------------------------
# kron, cross

@pytest.mark.parametrize("dts", [("f64", "f64"), ("f32", "i32"), ("i32", "i32"),
                                 ("bool", "bool")], ids="-".join)
@pytest.mark.parametrize("sa,sb", [((2,), (3,)), ((2, 2), (3, 1)), ((2,), (2, 3)),
                                   ((2, 1, 2), (3, 2)), ((), (3,)), ((0, 2), (2, 2))],
                         ids=str)
def test_kron(sa, sb, dts):
    check_against_numpy(tnp.kron, np.kron, rand(sa, DT[dts[0]]), rand(sb, DT[dts[1]]))


CROSS = [
    ((3,), (3,), {}), ((4, 3), (3,), {}), ((4, 3), (4, 3), {}), ((2, 1, 3), (5, 3), {}),
    ((3, 4), (3, 4), {"axis": 0}), ((3, 4), (4, 3), {"axisa": 0}),
    ((4, 3), (4, 3), {"axisc": 0}), ((3, 2, 2), (2, 3), {"axisa": 0, "axisc": 1}),
    ((2,), (3,), {}), ((3,), (2,), {}), ((4, 2), (4, 3), {}), ((2,), (2,), {}),
    ((4, 2), (4, 2), {}), ((0, 3), (3,), {}),
]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("dt", ["f32", "f64", "i32"])
@pytest.mark.parametrize("sa,sb,kw", CROSS, ids=str)
def test_cross(sa, sb, kw, dt):
    check_against_numpy(tnp.cross, np.cross, rand(sa, DT[dt]), rand(sb, DT[dt]), **kw)


# ---------------------------------------------------------------------------
# linalg.norm

def _numpy_raises(x, **kw):
    try:
        with np.errstate(all="ignore"):
            np.linalg.norm(x, **kw)
    except ValueError:
        return True
    return False


def _both_raise(exc, x, **kw):
    with pytest.raises(exc):
        np.linalg.norm(x, **kw)
    with pytest.raises(exc):
        tnp.linalg.norm(x, **kw)
    with pytest.raises(exc):
        make_graph(lambda a: tnp.linalg.norm(a, **kw))(x)


VECTOR_ORDS = [None, 1, 2, np.inf, -np.inf, 0, 3, 0.5, -1]
MATRIX_ORDS = [None, "fro", 1, -1, np.inf, -np.inf]


@pytest.mark.parametrize("dt", ["f32", "f64", "i32", "bool"])
@pytest.mark.parametrize("ord", VECTOR_ORDS, ids=str)
@pytest.mark.parametrize("shape,axis", [((5,), None), ((3, 4), 1), ((3, 4), 0),
                                        ((2, 3, 4), -1), ((0, 3), 1)], ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_vector_norm(shape, axis, ord, dt, keepdims):
    if _numpy_raises(rand(shape, DT[dt]), ord=ord, axis=axis):  # min of an empty array
        return _both_raise(ValueError, rand(shape, DT[dt]), ord=ord, axis=axis)
    x = rand(shape, DT[dt], 0.5, 3) if ord is not None and ord < 0 else rand(shape, DT[dt])
    check_against_numpy(tnp.linalg.norm, np.linalg.norm, x, ord=ord, axis=axis,
                        keepdims=keepdims, **_tol(dt))


@pytest.mark.parametrize("dt", ["f32", "f64", "i32"])
@pytest.mark.parametrize("ord", MATRIX_ORDS, ids=str)
@pytest.mark.parametrize("shape,axis", [((3, 4), None), ((3, 4), (1, 0)), ((2, 3, 4), (0, 2)),
                                        ((2, 3, 4), (-1, -2)), ((0, 3), None)], ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_matrix_norm(shape, axis, ord, dt, keepdims):
    if _numpy_raises(rand(shape, DT[dt]), ord=ord, axis=axis):  # min of an empty array
        return _both_raise(ValueError, rand(shape, DT[dt]), ord=ord, axis=axis)
    check_against_numpy(tnp.linalg.norm, np.linalg.norm, rand(shape, DT[dt]), ord=ord,
                        axis=axis, keepdims=keepdims, **_tol(dt))


@pytest.mark.parametrize("shape", [(), (2, 3, 4)])
def test_norm_default_any_rank(shape):
    check_against_numpy(tnp.linalg.norm, np.linalg.norm, rand(shape))
    check_against_numpy(tnp.linalg.norm, np.linalg.norm, rand(shape), keepdims=True)


@pytest.mark.parametrize("kw", [{}, {"axis": (0, 2)}, {"axis": (-1, 0), "keepdims": True,
                                                     "ord": 1},
                                {"axis": 1, "ord": np.inf, "keepdims": True}, {"ord": 0},
                                {"keepdims": True, "ord": 3}], ids=str)
@pytest.mark.parametrize("dt", ["f32", "f64", "i32"])
def test_vector_norm_fn(kw, dt):
    # numpy.linalg.vector_norm (tnp.linalg re-exports it from _linalg)
    check_against_numpy(vector_norm, np.linalg.vector_norm, rand((2, 3, 4), DT[dt]), **kw,
                        **_tol(dt))


@pytest.mark.parametrize("kw", [{}, {"ord": 1, "keepdims": True}, {"ord": -np.inf}], ids=str)
@pytest.mark.parametrize("dt", ["f32", "f64", "i32"])
def test_matrix_norm_fn(kw, dt):
    check_against_numpy(matrix_norm, np.linalg.matrix_norm, rand((2, 3, 4), DT[dt]), **kw,
                        **_tol(dt))


def test_norm_errors():
    x = tnp.asarray(rand((3, 4)))
    for ord in (2, -2, "nuc"):
        with pytest.raises(UnsupportedError, match="singular values"):
            tnp.linalg.norm(x, ord)
    with pytest.raises(ValueError, match="Invalid norm order 'fro' for vectors"):
        tnp.linalg.norm(x, "fro", axis=0)
    with pytest.raises(ValueError, match="Invalid norm order"):
        tnp.linalg.norm(x, 3)
    with pytest.raises(ValueError, match="Improper number of dimensions"):
        tnp.linalg.norm(tnp.asarray(rand((2, 3, 4))), 1)
    with pytest.raises(ValueError, match="Duplicate axes"):
        tnp.linalg.norm(x, axis=(1, -1))
    with pytest.raises(ValueError, match="zero-size"):
        tnp.linalg.norm(tnp.asarray(rand((0, 3))), -np.inf, axis=0)
    with pytest.raises(np.exceptions.AxisError):
        tnp.linalg.norm(x, axis=2)


# ---------------------------------------------------------------------------
# errors name the user's line

def _raises_here(exc, fn, *args, match=None, **kw):
    with pytest.raises(exc, match=match) as info:
        fn(*args, **kw)
    assert HERE in str(info.value), str(info.value)
    return info


@pytest.mark.parametrize("mode", ["eager", "graph"])
def test_shape_errors_name_user_line(mode):
    def run(fn, *args):
        if mode == "eager":
            return fn(*[tnp.asarray(a) for a in args])
        return make_graph(fn)(*args)

    a, b = np.ones((2, 3)), np.ones((4, 5))
    _raises_here(ShapeError, run, tnp.matmul, a, b, match="core dimension")
    _raises_here(ShapeError, run, lambda x, y: x @ y, a, b, match="size 4 is different from 3")
    _raises_here(ShapeError, run, tnp.matmul, np.ones((2, 2, 3)), np.ones((3, 3, 4)),
                 match="cannot be broadcast")
    _raises_here(ValueError, run, tnp.matmul, np.ones(()), b, match="enough dimensions")
    _raises_here(ShapeError, run, tnp.dot, a, b, match="not aligned")
    _raises_here(ShapeError, run, tnp.inner, a, b, match="not aligned")
    _raises_here(ShapeError, run, tnp.vdot, a, b, match="different sizes")
    _raises_here(ShapeError, run, lambda x, y: tnp.tensordot(x, y, 1), a, b,
                 match="shape-mismatch")
    _raises_here(ShapeError, run, lambda x, y: tnp.einsum("ij,jk", x, y), a, b,
                 match="broadcast")
    _raises_here(ShapeError, run, lambda x: tnp.einsum("ii", x), a, match="collapsing")
    _raises_here(ShapeError, run, lambda x: tnp.einsum("ijk", x), a, match="3 labels")
    _raises_here(ValueError, run, lambda x: tnp.einsum("ij->k", x), a, match="'k'")
    _raises_here(ValueError, run, lambda x: tnp.einsum("ij,j", x), a, match="2 operands")
    _raises_here(ValueError, run, lambda x: tnp.einsum("i1", x), a, match="invalid subscript")
    _raises_here(ValueError, run, lambda x: tnp.einsum("...i->i", x), a, match="ellipsis")
    _raises_here(ValueError, run, lambda x, y: tnp.cross(x, y), a, b,
                 match="dimension must be 2 or 3")


@pytest.mark.parametrize("name", ["dot", "inner", "outer", "kron"])
@pytest.mark.parametrize("scalar", [3, 2.5, True])
def test_contractions_take_python_scalars_as_arrays(name, scalar):
    """NumPy's contractions ``asarray`` their operands: ``dot(f16, 3)`` is float64 (where
    the ufunc ``multiply(f16, 3)`` is float16), eagerly and under jit alike."""
    from tests.util import check_everywhere
    x = np.array([1.0, -2.0, 0.5], np.float16)
    f, g = getattr(tnp, name), getattr(np, name)
    check_everywhere(lambda a: f(a, scalar), lambda a: g(a, scalar), x)
    check_everywhere(lambda a: f(scalar, a), lambda a: g(scalar, a), x)
    check_everywhere(lambda a, s: f(a, s), lambda a, s: g(a, s), x, scalar)
