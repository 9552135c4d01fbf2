"""Array-creation tnp functions against NumPy: values and dtypes, eager and traced.

Creation from static shapes must build graphs from ``iota`` and
``broadcast_in_dim`` (no embedded NumPy constants); ``linspace`` and friends
accept traced ``start``/``stop``.
"""
from __future__ import annotations

import numpy as np
import pytest

import backends
import tracer.numpy as tnp
from tests.util import check_against_numpy, rand
from tracer import ConcretizationError, make_graph, typecheck

DT = {"f32": np.float32, "f64": np.float64, "i32": np.int32, "bool": np.bool_}
DTYPES = [None, np.float32, np.float64, np.int32, np.bool_, "int64", float, int, bool]
SHAPES = [(), 0, 3, (0,), (2, 3), [2, 0, 4], (1, 1, 1), np.int64(2)]

# name, fn(xp) -> array(s); static arguments only (no traced inputs)
STATIC_ROWS = [
    ("zeros", [lambda xp, s=s, d=d: xp.zeros(s, d) for s in SHAPES for d in DTYPES]),
    ("ones", [lambda xp, s=s, d=d: xp.ones(s, dtype=d) for s in SHAPES for d in DTYPES]),
    ("empty", [lambda xp, s=s, d=d: xp.zeros(s, d) if xp is np else xp.empty(s, d)
               for s in SHAPES for d in DTYPES]),
    ("full", [lambda xp, s=s, v=v, d=d: xp.full(s, v, dtype=d)
              for s in SHAPES[:5] for v in (7, -2.5, True, np.float32(1.5), np.int8(3))
              for d in (None, np.float32, np.int32)]
     + [lambda xp: xp.full((2, 3), [1.0, 2.0, 3.0]),
        lambda xp: xp.full((2, 3), np.array([[1], [2]], np.int32), dtype=np.float32)]),
    ("arange", [lambda xp, a=a, d=d: xp.arange(*a, dtype=d)
                for a in [(5,), (0,), (-3,), (2, 7), (7, 2), (10, 0, -3), (0.0, 1.0, 0.1),
                          (1, 10, 0.5), (2.5,), (-1.5, 3.3, 0.7), (np.int32(5),),
                          (np.float32(0), 2, 0.25), (np.uint8(3),), (np.uint64(4),),
                          (0, 5, np.float32(0.5)), (1, 2, 0.3), (5, 1)]
                for d in (None, np.float32, np.int32, np.float64)]
     + [lambda xp: xp.arange(0, 5, 0.5, dtype=int), lambda xp: xp.arange(2, dtype=bool),
        lambda xp: xp.arange(3.0, step=-1), lambda xp: xp.arange(0, 10**6, 7)]),
    ("linspace", [lambda xp, a=a, k=k: xp.linspace(*a, **k)
                  for a in [(0, 1), (0, 1, 5), (-2.5, 7, 11), (1, 0, 4), (3, 3, 3), (0, 1, 1),
                            (0, 1, 0), (np.float32(0), 1, 7), (0, np.float16(1), 5),
                            (np.int32(2), np.int8(9), 6), (1e-310, 1e-309, 4)]
                  for k in [{}, {"endpoint": False}, {"retstep": True}, {"dtype": np.float32},
                            {"dtype": np.int32}, {"endpoint": False, "retstep": True}]]
     + [lambda xp: xp.linspace([0, 1], [2, 5], 4), lambda xp: xp.linspace([0, 1], 5, 3, axis=1),
        lambda xp: xp.linspace(np.zeros((2, 1)), [1, 2, 3], 4, axis=-1, retstep=True),
        lambda xp: xp.linspace([0, 0], [1, 0], 3, retstep=True)]),
    ("logspace", [lambda xp, a=a, k=k: xp.logspace(*a, **k)
                  for a in [(0, 2), (0, 2, 3), (-1, 1.5, 6), (np.float32(0), 1, 5)]
                  for k in [{}, {"base": 2.0}, {"endpoint": False}, {"dtype": np.float32},
                            {"dtype": int}, {"base": np.float32(2)}]]
     + [lambda xp: xp.logspace([0, 1], 3, 4, base=[2.0, 3.0], axis=-1),
        lambda xp: xp.logspace(0, [1, 2], 3, base=[[2.0], [10.0]], axis=1)]),
    ("geomspace", [lambda xp, a=a, k=k: xp.geomspace(*a, **k)
                   for a in [(1, 1000, 4), (1, 256, 9), (-1, -1000, 4), (2, 0.5, 5),
                             (np.float32(1), np.float32(10), 3), (1, 10, 1), (1, 10, 0)]
                   for k in [{}, {"endpoint": False}, {"dtype": np.float32}, {"dtype": np.int32}]]
     + [lambda xp: xp.geomspace([1, -2], [100, -8], 3, axis=-1)]),
    ("eye", [lambda xp, a=a, d=d: xp.eye(*a, dtype=d)
             for a in [(3,), (0,), (2, 4), (4, 2), (3, 3, 1), (3, 4, -2), (2, 2, 5), (3, None, 1)]
             for d in (float, np.float32, np.int32, bool)]),
    ("identity", [lambda xp, n=n, d=d: xp.identity(n, d) for n in (0, 1, 3)
                  for d in (None, np.int32, bool)]),
    ("tri", [lambda xp, a=a, d=d: xp.tri(*a, dtype=d)
             for a in [(3,), (0,), (2, 4), (4, 2, -1), (3, 3, 1), (3, None, -5)]
             for d in (float, np.int32, bool)]),
    ("indices", [lambda xp, s=s, d=d, sp=sp: xp.indices(s, dtype=d, sparse=sp)
                 for s in [(), (3,), (2, 3), (2, 0, 4)] for d in (int, np.int32, float)
                 for sp in (False, True)]),
    ("fromfunction", [lambda xp: xp.fromfunction(lambda i, j: i * 10 + j, (2, 3)),
                      lambda xp: xp.fromfunction(lambda i, j: i == j, (3, 3), dtype=int),
                      lambda xp: xp.fromfunction(lambda i: i * 2, (4,), dtype=np.int32)]),
]


def _static_cases():
    for name, fns in STATIC_ROWS:
        for i, fn in enumerate(fns):
            yield pytest.param(fn, id=f"{name}-{i}")


@pytest.mark.parametrize("fn", list(_static_cases()))
def test_static_against_numpy(fn):
    check_against_numpy(lambda: fn(tnp), lambda: fn(np))


def test_eager_results_are_graphjit_arrays():
    for a in [tnp.zeros(3), tnp.ones((2, 2)), tnp.full(2, 3), tnp.arange(4), tnp.eye(2),
              tnp.linspace(0, 1, 3), tnp.tri(2), tnp.indices((2,)), tnp.empty(1)]:
        assert isinstance(a, backends.Array)


# -- *_like and traced fill values / bounds (arrays are traced) --------------------

LIKE_ROWS = [
    ("zeros_like", lambda xp, x: [xp.zeros_like(x), xp.zeros_like(x, dtype=np.float32),
                                  xp.zeros_like(x, shape=(2, 1))]),
    ("ones_like", lambda xp, x: [xp.ones_like(x), xp.ones_like(x, dtype=bool),
                                 xp.ones_like(x, shape=4)]),
    ("empty_like", lambda xp, x: [(xp.zeros_like if xp is np else xp.empty_like)(x, d)
                                  for d in (None, np.int32)]),
    ("full_like", lambda xp, x: [xp.full_like(x, 3.7), xp.full_like(x, -2, dtype=np.float32),
                                 xp.full_like(x, True, shape=(3, 0)),
                                 xp.full_like(x, [1, 2, 3], shape=(2, 3))]),
    ("full_traced_fill", lambda xp, x: [xp.full((2, 3), x[..., :1] if x.ndim else x),
                                        xp.full(3, x.ravel()[:1], dtype=np.float64),
                                        xp.full_like(x, x.ravel()[-1:])]),
]


def _like_cases():
    for name, fn in LIKE_ROWS:
        for shape in [(), (3,), (0,), (2, 3)]:
            for dt in DT:
                if name == "full_traced_fill" and shape == (0,):
                    continue
                yield pytest.param(fn, shape, dt, id=f"{name}-{dt}-{shape}")


@pytest.mark.parametrize("fn,shape,dt", list(_like_cases()))
def test_like_against_numpy(fn, shape, dt):
    x = rand(shape, DT[dt])
    check_against_numpy(lambda x: fn(tnp, x), lambda x: fn(np, x), x)


def test_like_of_lists_and_scalars():
    check_against_numpy(lambda: tnp.zeros_like([[1, 2]]), lambda: np.zeros_like([[1, 2]]))
    check_against_numpy(lambda: tnp.ones_like(2.5), lambda: np.ones_like(2.5))
    check_against_numpy(lambda: tnp.full_like([True], 5), lambda: np.full_like([True], 5))


@pytest.mark.parametrize("dt", ["f32", "f64", "i32", "bool"])
@pytest.mark.parametrize("shapes", [((), ()), ((3,), ()), ((2, 1), (3,)), ((0,), ())])
@pytest.mark.parametrize("kw", [{}, {"num": 1}, {"num": 0}, {"num": 6, "endpoint": False},
                                {"num": 4, "retstep": True}, {"num": 5, "dtype": np.int32},
                                {"num": 3, "axis": -1}, {"num": 4, "dtype": np.float32}])
def test_linspace_traced_bounds(dt, shapes, kw):
    lo, hi = rand(shapes[0], DT[dt], -5, 5), rand(shapes[1], DT[dt], -5, 5)
    check_against_numpy(lambda a, b: tnp.linspace(a, b, **kw),
                        lambda a, b: np.linspace(a, b, **kw), lo, hi)


def test_linspace_traced_python_scalar_bounds_are_weak():
    x = np.float32(2.0)
    check_against_numpy(lambda a: tnp.linspace(a, 5, 4), lambda a: np.linspace(a, 5, 4), x)
    cg = make_graph(lambda a, b: tnp.linspace(a, b, 4))(0.0, np.float32(1.0))
    typecheck(cg)
    assert cg.out_avals[0].dtype == np.float32


@pytest.mark.parametrize("kw", [{}, {"num": 4, "base": 2.0}, {"num": 3, "dtype": np.float32},
                                {"num": 5, "endpoint": False, "axis": -1}])
def test_logspace_geomspace_traced_bounds(kw):
    lo, hi = rand((2,), np.float64, 0.5, 2), rand((2,), np.float64, 3, 5)
    check_against_numpy(lambda a, b: tnp.logspace(a, b, **kw),
                        lambda a, b: np.logspace(a, b, **kw), lo, hi)
    kw.pop("base", None)
    check_against_numpy(lambda a, b: tnp.geomspace(a, b, **kw),
                        lambda a, b: np.geomspace(a, b, **kw), lo, -hi)


def test_meshgrid():
    x, y, z = rand((3,), np.float64), rand((2,), np.int32), rand((4,), np.float32)
    for kw in [{}, {"indexing": "ij"}, {"sparse": True}, {"sparse": True, "indexing": "ij"},
               {"copy": False}]:
        check_against_numpy(lambda *a: tnp.meshgrid(*a, **kw),
                            lambda *a: np.meshgrid(*a, **kw), x, y, z)
        check_against_numpy(lambda a, b: tnp.meshgrid(a, b, **kw),
                            lambda a, b: np.meshgrid(a, b, **kw), x, y)
        check_against_numpy(lambda a: tnp.meshgrid(a, **kw), lambda a: np.meshgrid(a, **kw), x)
    check_against_numpy(lambda a: tnp.meshgrid(a.reshape(3, 1), a),
                        lambda a: np.meshgrid(a.reshape(3, 1), a), x)
    assert tnp.meshgrid() == np.meshgrid() == ()


# -- graphs: iota / broadcast_in_dim, no embedded constants --------------------------

GRAPH_BUILDERS = [
    lambda: tnp.zeros((100, 100)), lambda: tnp.ones(1000, np.int32), lambda: tnp.full((50, 2), 3.0),
    lambda: tnp.empty((4, 4)), lambda: tnp.arange(10**5), lambda: tnp.arange(3, 10**5, 2.5),
    lambda: tnp.linspace(0, 1, 1000), lambda: tnp.logspace(0, 3, 100),
    lambda: tnp.geomspace(1, 8, 100), lambda: tnp.eye(100, k=2), lambda: tnp.identity(64),
    lambda: tnp.tri(64, 32), lambda: tnp.indices((30, 40)), lambda: tnp.meshgrid(
        tnp.arange(30), tnp.linspace(0, 1, 20)),
    lambda: tnp.fromfunction(lambda i, j: i + j, (30, 40)),
    lambda: tnp.linspace([0.0, 1.0], 2.0, 500),
]
ALLOWED = {"iota", "broadcast_in_dim", "mul", "add", "sub", "div", "convert_element_type",
           "eq", "ge", "select_n", "slice", "concatenate", "pow", "expand_dims", "reshape",
           "transpose"}


@pytest.mark.parametrize("i", range(len(GRAPH_BUILDERS)))
def test_graphs_have_no_big_constants(i):
    cg = make_graph(GRAPH_BUILDERS[i])()
    typecheck(cg)
    prims = {e.prim.name for e in cg.graph.eqns}
    assert prims <= ALLOWED, prims
    for c in cg.consts:
        assert np.size(c) <= 2, f"embedded constant of shape {np.shape(c)}"


def test_zeros_is_one_broadcast_of_a_literal():
    cg = make_graph(lambda: tnp.zeros((2, 3), np.float32))()
    assert [e.prim.name for e in cg.graph.eqns] == ["broadcast_in_dim"]
    assert not cg.consts
    cg = make_graph(lambda: tnp.arange(7))()
    assert [e.prim.name for e in cg.graph.eqns] == ["iota"]


# -- errors name the user's line --------------------------------------------------

def test_arange_needs_static_bounds():
    with pytest.raises(ConcretizationError, match="test_creation.py"):
        make_graph(lambda n: tnp.arange(n))(5)
    with pytest.raises(ConcretizationError, match="arange"):
        make_graph(lambda s: tnp.arange(0, 10, s))(2)


def test_static_shapes_must_be_concrete():
    with pytest.raises(ConcretizationError, match="test_creation.py"):
        make_graph(lambda n: tnp.zeros(n))(3)
    with pytest.raises(ConcretizationError, match="test_creation.py"):
        make_graph(lambda n: tnp.linspace(0, 1, n))(3)
    with pytest.raises(ConcretizationError, match="test_creation.py"):
        make_graph(lambda n: tnp.eye(n))(3)


ERRORS = [
    (lambda: tnp.zeros(-1), ValueError),
    (lambda: tnp.ones((2, -3)), ValueError),
    (lambda: tnp.zeros(2.5), TypeError),
    (lambda: tnp.full((2, 3), [1, 2]), ValueError),
    (lambda: tnp.arange(0, 5, 0), ZeroDivisionError),
    (lambda: tnp.arange([1, 2]), ValueError),
    (lambda: tnp.arange(5, dtype=bool), TypeError),
    (lambda: tnp.linspace(0, 1, -1), ValueError),
    (lambda: tnp.geomspace(0, 1, 3), ValueError),
    (lambda: tnp.eye(-1), ValueError),
    (lambda: tnp.meshgrid(np.ones(2), indexing="xx"), ValueError),
    (lambda: tnp.indices((2, 2.5)), TypeError),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_name_the_user_line(i):
    fn, exc = ERRORS[i]
    with pytest.raises(exc, match="test_creation.py"):
        fn()
