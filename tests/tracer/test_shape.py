"""Shape-manipulation tnp functions against NumPy: values and dtypes, eager and traced.

Each row of ``ROWS`` is one function: ``fn(xp, *arrays)`` is called with
``xp = numpy`` and ``xp = tracer.numpy`` on every listed input-shape case and
dtype; array arguments are traced by ``check_against_numpy`` (its graph is
typechecked), everything else is static.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import tracer.numpy as tnp
from tests.util import check_against_numpy, rand
from tracer import DataDependentShapeError, make_graph, typecheck

ALL = ["f32", "f64", "i32", "bool"]
NUM = ["f32", "f64", "i32"]
DT = {"f32": np.float32, "f64": np.float64, "i32": np.int32, "bool": np.bool_}


def _pad_case(mode, **kw):
    return lambda xp, x: [xp.pad(x, w, mode=mode, **kw) for w in (0, 1, (2, 5), 7)]


# name, fn(xp, *arrays), input-shape cases, dtypes
ROWS = [
    ("reshape", lambda xp, x: [xp.reshape(x, (-1,)), xp.reshape(x, (x.size, 1)),
                               xp.reshape(x, x.shape[::-1], order="F")],
     [[()], [(0, 3)], [(2, 3)], [(2, 3, 4)]], ALL),
    ("ravel", lambda xp, x: [xp.ravel(x), xp.ravel(x, order="F")],
     [[()], [(0,)], [(2, 3)], [(2, 3, 4)]], ALL),
    ("transpose", lambda xp, x: [xp.transpose(x), xp.transpose(x, tuple(range(x.ndim))[::-1])],
     [[()], [(3,)], [(0, 2)], [(2, 3, 4)]], ALL),
    ("transpose_axes", lambda xp, x: xp.transpose(x, (1, -1, 0)), [[(2, 3, 4)], [(0, 1, 2)]],
     ALL),
    ("matrix_transpose", lambda xp, x: xp.matrix_transpose(x),
     [[(2, 3)], [(4, 2, 3)], [(2, 0, 1)]], ALL),
    ("permute_dims", lambda xp, x: xp.permute_dims(x, (2, 0, 1)), [[(2, 3, 4)]], ALL),
    ("swapaxes", lambda xp, x: [xp.swapaxes(x, 0, -1), xp.swapaxes(x, 1, 1)],
     [[(2, 3)], [(2, 3, 4)], [(0, 3, 1)]], ALL),
    ("moveaxis", lambda xp, x: [xp.moveaxis(x, 0, -1), xp.moveaxis(x, [0, 1], [-1, 0])],
     [[(2, 3, 4)], [(2, 0, 4)]], ALL),
    ("rollaxis", lambda xp, x: [xp.rollaxis(x, 2), xp.rollaxis(x, 0, 3), xp.rollaxis(x, 1, 1)],
     [[(2, 3, 4)]], ALL),
    ("expand_dims", lambda xp, x: [xp.expand_dims(x, 0), xp.expand_dims(x, -1),
                                   xp.expand_dims(x, (0, -1))],
     [[()], [(3,)], [(0, 2)], [(2, 3)]], ALL),
    ("squeeze", lambda xp, x: [xp.squeeze(x), xp.squeeze(x, 0), xp.squeeze(x, (0, -1))],
     [[(1, 3, 1)], [(1, 0, 1)], [(1, 1)]], ALL),
    ("squeeze_0d", lambda xp, x: xp.squeeze(x), [[()], [(3,)]], ALL),
    ("broadcast_to", lambda xp, x: [xp.broadcast_to(x, (2,) + x.shape),
                                    xp.broadcast_to(x, (4, 3) if x.ndim else 5)],
     [[()], [(3,)], [(1, 3)]], ALL),
    ("broadcast_arrays", lambda xp, x, y: xp.broadcast_arrays(x, y),
     [[(2, 1), (3,)], [(), (2, 3)], [(0, 1), (1, 4)]], ALL),
    ("atleast_1d", lambda xp, x, y: [xp.atleast_1d(x), xp.atleast_1d(x, y)],
     [[(), (2,)], [(2, 3), (0,)]], ALL),
    ("atleast_2d", lambda xp, x, y: [xp.atleast_2d(x), xp.atleast_2d(x, y)],
     [[(), (2,)], [(2, 3), (0,)], [(2, 3, 4), ()]], ALL),
    ("atleast_3d", lambda xp, x, y: [xp.atleast_3d(x), xp.atleast_3d(x, y)],
     [[(), (2,)], [(2, 3), (0,)], [(2, 3, 4), (1, 2, 3, 4)]], ALL),
    ("concatenate", lambda xp, x, y: [xp.concatenate([x, y]), xp.concatenate((x, x, x), -1),
                                      xp.concatenate([x, y], axis=None)],
     [[(2, 3), (1, 3)], [(0, 3), (2, 3)], [(4,), (0,)]], ALL),
    ("concatenate_one", lambda xp, x: xp.concatenate([x]), [[(2, 3)]], ALL),
    ("concat", lambda xp, x, y: xp.concat([x, y], axis=1), [[(2, 3), (2, 1)]], ALL),
    ("stack", lambda xp, x, y: [xp.stack([x, y]), xp.stack((x, y, x), axis=-1),
                                xp.stack([x])],
     [[(), ()], [(3,), (3,)], [(2, 0), (2, 0)], [(2, 3), (2, 3)]], ALL),
    ("unstack", lambda xp, x: [xp.unstack(x), xp.unstack(x, axis=-1)],
     [[(3,)], [(2, 3)], [(2, 0)]], ALL),
    ("vstack", lambda xp, x, y: xp.vstack([x, y]),
     [[(3,), (3,)], [(2, 3), (3,)], [(), ()], [(2, 3, 4), (1, 3, 4)]], ALL),
    ("hstack", lambda xp, x, y: xp.hstack([x, y]),
     [[(3,), (2,)], [(2, 3), (2, 1)], [(), ()], [(2, 3, 4), (2, 1, 4)]], ALL),
    ("dstack", lambda xp, x, y: xp.dstack([x, y]),
     [[(3,), (3,)], [(2, 3), (2, 3)], [(), ()], [(2, 3, 4), (2, 3, 1)]], ALL),
    ("column_stack", lambda xp, x, y: xp.column_stack([x, y]),
     [[(3,), (3,)], [(3, 2), (3,)], [(), ()]], ALL),
    ("append", lambda xp, x, y: [xp.append(x, y), xp.append(x, x, axis=0)],
     [[(2, 3), (4,)], [(3,), ()], [(0,), (2,)]], ALL),
    ("split", lambda xp, x: [xp.split(x, 2), xp.split(x, [1, 3]), xp.split(x, [3, 1, -1, 9]),
                             xp.split(x, 1, axis=-1)],
     [[(4,)], [(6, 2)], [(4, 0)]], ALL),
    ("array_split", lambda xp, x: [xp.array_split(x, 3), xp.array_split(x, [2], axis=-1)],
     [[(5,)], [(7, 3)], [(0,)]], ALL),
    ("hsplit", lambda xp, x: xp.hsplit(x, 2), [[(4,)], [(3, 4)]], ALL),
    ("vsplit", lambda xp, x: xp.vsplit(x, [1]), [[(3, 4)], [(2, 2, 2)]], ALL),
    ("dsplit", lambda xp, x: xp.dsplit(x, 2), [[(1, 2, 4)]], ALL),
    ("tile", lambda xp, x: [xp.tile(x, 2), xp.tile(x, (2, 1, 3)), xp.tile(x, ()), xp.tile(x, 0),
                            xp.tile(x, [1, 1])],
     [[()], [(3,)], [(2, 3)], [(0, 2)]], ALL),
    ("repeat", lambda xp, x: [xp.repeat(x, 2), xp.repeat(x, 3, axis=-1), xp.repeat(x, 0, 0),
                              xp.repeat(x, [2], axis=0)],
     [[(3,)], [(2, 3)], [(0, 2)]], ALL),
    ("repeat_0d", lambda xp, x: xp.repeat(x, 3), [[()]], ALL),
    ("repeat_array", lambda xp, x: [xp.repeat(x, [1, 0, 3], axis=0),
                                    xp.repeat(x, np.array([2, 1, 1]), axis=0),
                                    xp.repeat(x, [0, 0, 0], axis=0)],
     [[(3,)], [(3, 2)]], ALL),
    ("flip", lambda xp, x: [xp.flip(x), xp.flip(x, 0),
                            xp.flip(x, (0, -1)) if x.ndim > 1 else xp.flip(x, -1)],
     [[(3,)], [(2, 3)], [(0, 2)]], ALL),
    ("flip_0d", lambda xp, x: xp.flip(x), [[()]], ALL),
    ("fliplr", lambda xp, x: xp.fliplr(x), [[(2, 3)], [(2, 3, 4)]], ALL),
    ("flipud", lambda xp, x: xp.flipud(x), [[(3,)], [(2, 3)]], ALL),
    ("roll", lambda xp, x: [xp.roll(x, 1), xp.roll(x, -7, axis=0), xp.roll(x, 0),
                            xp.roll(x, (1, 2), axis=(0, 0))],
     [[(5,)], [(2, 3)], [(0,)]], ALL),
    ("roll_multi", lambda xp, x: [xp.roll(x, (1, -1), axis=(0, 1)), xp.roll(x, 4, axis=(0, 1))],
     [[(2, 3)], [(3, 4, 2)]], ALL),
    ("roll_0d", lambda xp, x: xp.roll(x, 3), [[()]], ALL),
    ("rot90", lambda xp, x: [xp.rot90(x, k) for k in (-1, 0, 1, 2, 3, 5)]
     + [xp.rot90(x, 1, axes=(1, 0))],
     [[(2, 3)], [(2, 3, 4)], [(0, 2)]], ALL),
    ("pad_constant", lambda xp, x: [xp.pad(x, 1), xp.pad(x, ((1, 2),) * x.ndim) if x.ndim else x,
                                    xp.pad(x, 2, constant_values=1),
                                    xp.pad(x, (1, 2), constant_values=((3, 4),))],
     [[(3,)], [(2, 3)], [(0, 2)], [()]], ALL),
    ("pad_constant_per_side", lambda xp, x: xp.pad(x, ((1, 2), (3, 0)),
                                                   constant_values=((1, 2), (3, 4))),
     [[(2, 3)], [(0, 2)]], NUM),
    ("pad_edge", _pad_case("edge"), [[(3,)], [(2, 3)], [(1,)]], ALL),
    ("pad_wrap", _pad_case("wrap"), [[(3,)], [(2, 3)], [(1,)]], ALL),
    ("pad_reflect", _pad_case("reflect"), [[(3,)], [(2, 3)], [(1,)], [(4, 2)]], ALL),
    ("pad_reflect_odd", _pad_case("reflect", reflect_type="odd"), [[(3,)], [(2, 3)], [(1,)]],
     NUM),
    ("pad_symmetric", _pad_case("symmetric"), [[(3,)], [(2, 3)], [(1,)]], ALL),
    ("pad_symmetric_odd", _pad_case("symmetric", reflect_type="odd"), [[(3,)], [(2, 3)]], NUM),
    ("pad_empty_axis", lambda xp, x: [xp.pad(x, ((0, 0), (1, 2)), mode=m)
                                      for m in ("edge", "wrap", "reflect")],
     [[(0, 2)]], ALL),
    ("pad_linear_ramp", lambda xp, x: [xp.pad(x, (2, 3), mode="linear_ramp"),
                                       xp.pad(x, 2, mode="linear_ramp", end_values=(5, -1))],
     [[(3,)], [(2, 3)]], NUM),
    ("pad_maximum", lambda xp, x: [xp.pad(x, (2, 1), mode="maximum"),
                                   xp.pad(x, 2, mode="maximum", stat_length=2)],
     [[(3,)], [(2, 3)]], ALL),
    ("pad_minimum", lambda xp, x: xp.pad(x, (1, 2), mode="minimum", stat_length=(1, 2)),
     [[(3,)], [(2, 3)]], ALL),
    ("pad_mean", lambda xp, x: [xp.pad(x, (2, 1), mode="mean"),
                                xp.pad(x, 1, mode="mean", stat_length=2)],
     [[(3,)], [(2, 5)]], NUM),
    ("pad_median", lambda xp, x: [xp.pad(x, (2, 1), mode="median"),
                                  xp.pad(x, 1, mode="median", stat_length=2)],
     [[(3,)], [(2, 4)]], NUM),
    ("diagonal", lambda xp, x: [xp.diagonal(x, k) for k in (-4, -1, 0, 1, 2, 5)]
     + [xp.diagonal(x, 1, -1, 0)],
     [[(3, 3)], [(2, 4)], [(4, 2, 3)], [(0, 3)]], ALL),
    ("trace", lambda xp, x: [xp.trace(x), xp.trace(x, 1), xp.trace(x, -1, 1, 0),
                             xp.trace(x, dtype=np.float32)],
     [[(3, 3)], [(2, 4)], [(4, 2, 3)], [(0, 3)]], ALL),
    ("diag", lambda xp, x: [xp.diag(x, k) for k in (-2, 0, 1)],
     [[(3,)], [(0,)], [(1,)], [(3, 4)]], ALL),
    ("diagflat", lambda xp, x: [xp.diagflat(x), xp.diagflat(x, -1)],
     [[(2, 2)], [(3,)], [()]], ALL),
    ("tril", lambda xp, x: [xp.tril(x), xp.tril(x, -1), xp.tril(x, 2)],
     [[(3, 3)], [(2, 4)], [(2, 3, 4)], [(3,)], [(0, 2)]], ALL),
    ("triu", lambda xp, x: [xp.triu(x), xp.triu(x, -1), xp.triu(x, 2)],
     [[(3, 3)], [(2, 4)], [(2, 3, 4)], [(3,)], [(0, 2)]], ALL),
]


def _cases():
    for name, fn, shape_cases, dts in ROWS:
        for shapes in shape_cases:
            for dt in dts:
                yield pytest.param(fn, shapes, dt, id=f"{name}-{dt}-{shapes}")


@pytest.mark.parametrize("fn,shapes,dt", list(_cases()))
def test_against_numpy(fn, shapes, dt):
    args = [rand(s, DT[dt]) for s in shapes]
    check_against_numpy(lambda *a: fn(tnp, *a), lambda *a: fn(np, *a), *args)


# -- mixed dtypes: joins promote with result_type --------------------------------

@pytest.mark.parametrize("a,b", [(np.int32, np.float32), (np.bool_, np.int32),
                                 (np.float32, np.float64), (np.int8, np.uint8),
                                 (np.int32, np.int64)])
@pytest.mark.parametrize("name", ["concatenate", "stack", "vstack", "hstack", "dstack",
                                  "column_stack", "append"])
def test_joins_promote(name, a, b):
    x, y = rand((2, 3), a, 0, 5), rand((2, 3), b, 0, 5)
    if name == "append":
        check_against_numpy(lambda x, y: tnp.append(x, y), lambda x, y: np.append(x, y), x, y)
        return
    check_against_numpy(lambda x, y: getattr(tnp, name)([x, y]),
                        lambda x, y: getattr(np, name)([x, y]), x, y)


@pytest.mark.parametrize("dtype,casting", [(np.float32, "same_kind"), (np.int64, "unsafe"),
                                           (np.float64, "safe")])
def test_join_dtype_argument(dtype, casting):
    x, y = rand((2, 3), np.float64), rand((1, 3), np.int32)
    for name in ["concatenate", "vstack"]:
        check_against_numpy(lambda x, y: getattr(tnp, name)([x, y], dtype=dtype, casting=casting),
                            lambda x, y: getattr(np, name)([x, y], dtype=dtype, casting=casting),
                            x, y)
    check_against_numpy(lambda x: tnp.stack([x, x], dtype=dtype, casting=casting),
                        lambda x: np.stack([x, x], dtype=dtype, casting=casting), x)


def test_join_casting_error_is_clear():
    with pytest.raises(TypeError, match="test_shape.py"):
        tnp.concatenate([np.ones(2), np.ones(2)], dtype=np.int32)


def test_joins_with_python_lists_and_scalars():
    x = rand((3,), np.float32)
    check_against_numpy(lambda x: tnp.concatenate([x, [1.0, 2.0]]),
                        lambda x: np.concatenate([x, [1.0, 2.0]]), x)
    check_against_numpy(lambda x: tnp.stack([x, np.zeros(3, np.float32)]),
                        lambda x: np.stack([x, np.zeros(3, np.float32)]), x)
    check_against_numpy(lambda x: tnp.append(x, 1.5), lambda x: np.append(x, 1.5), x)
    check_against_numpy(lambda x: tnp.hstack([x, 1]), lambda x: np.hstack([x, 1]), x)


def test_join_of_an_array_iterates_its_rows():
    x = rand((3, 2), np.float64)
    check_against_numpy(lambda x: tnp.concatenate(x), lambda x: np.concatenate(x), x)
    check_against_numpy(lambda x: tnp.stack(x, axis=1), lambda x: np.stack(x, axis=1), x)


def test_row_stack_is_deprecated_alias():
    x, y = rand((3,), np.float64), rand((3,), np.float64)
    with pytest.warns(DeprecationWarning):
        got = tnp.row_stack([x, y])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        np.testing.assert_array_equal(np.asarray(got), np.row_stack([x, y]))


def test_asarray_of_traced_list_uses_stack():
    x = rand((3,), np.float32)
    check_against_numpy(lambda x: tnp.asarray([x, x * 2]), lambda x: np.asarray([x, x * 2]), x)
    check_against_numpy(lambda x: tnp.asarray([[x[0], x[1]], [x[2], x[0]]]),
                        lambda x: np.asarray([[x[0], x[1]], [x[2], x[0]]]), x)


def test_broadcast_shapes():
    assert tnp.broadcast_shapes((2, 1), (3,), ()) == np.broadcast_shapes((2, 1), (3,), ())
    assert tnp.broadcast_shapes(4, (1, 4)) == (1, 4)
    assert tnp.broadcast_shapes() == ()
    with pytest.raises(ValueError, match="test_shape.py"):
        tnp.broadcast_shapes((2,), (3,))


# -- traced parameters ------------------------------------------------------------

@pytest.mark.parametrize("dt", [np.int32, np.int64])
@pytest.mark.parametrize("shift", [-7, -1, 0, 2, 5, 11])
def test_roll_traced_shift(dt, shift):
    x = rand((5, 3), np.float64)
    s = np.asarray(shift, dt)
    check_against_numpy(lambda x, s: tnp.roll(x, s, axis=0), lambda x, s: np.roll(x, s, axis=0),
                        x, s)
    check_against_numpy(lambda x, s: tnp.roll(x, s), lambda x, s: np.roll(x, s), x, s)
    s2 = np.asarray([shift, 1 - shift], dt)
    check_against_numpy(lambda x, s: tnp.roll(x, s, axis=(0, 1)),
                        lambda x, s: np.roll(x, s, axis=(0, 1)), x, s2)


def test_roll_tuple_of_traced_shifts():
    x = rand((4, 3), np.float32)
    check_against_numpy(lambda x, a, b: tnp.roll(x, (a, b), axis=(1, 0)),
                        lambda x, a, b: np.roll(x, (a, b), axis=(1, 0)), x, np.int32(-2), 5)


def test_pad_traced_constant_value():
    x = rand((2, 3), np.float32)
    check_against_numpy(lambda x, v: tnp.pad(x, ((1, 0), (2, 1)), constant_values=v),
                        lambda x, v: np.pad(x, ((1, 0), (2, 1)), constant_values=v),
                        x, np.float32(7.5))
    check_against_numpy(lambda x: tnp.pad(x, {1: (1, 2)}), lambda x: np.pad(x, {1: (1, 2)}), x)


def test_linear_ramp_with_end_values_pairs():
    x = rand((2, 3), np.float32)
    ev = ((1, 2), (3, 4))
    check_against_numpy(lambda x: tnp.pad(x, 2, mode="linear_ramp", end_values=ev),
                        lambda x: np.pad(x, 2, mode="linear_ramp", end_values=ev), x)


def test_pad_median_nan_propagates():
    x = np.array([1.0, np.nan, 3.0])
    check_against_numpy(lambda x: tnp.pad(x, 1, mode="median"),
                        lambda x: np.pad(x, 1, mode="median"), x)


def test_repeat_with_traced_repeats_is_data_dependent():
    x = rand((3,), np.float64)
    with pytest.raises(DataDependentShapeError, match="test_shape.py"):
        make_graph(lambda x, r: tnp.repeat(x, r))(x, np.array([1, 2, 3]))
    with pytest.raises(DataDependentShapeError, match="repeats"):
        make_graph(lambda x, r: tnp.repeat(x, r))(x, 2)
    # concrete repeats inside a recorder are fine
    cg = make_graph(lambda x: tnp.repeat(x, np.array([1, 2, 3])))(x)
    typecheck(cg)


def test_array_methods():
    x = rand((2, 3), np.float64)
    cases = [lambda a: a.reshape(3, 2), lambda a: a.reshape((-1,)), lambda a: a.T,
             lambda a: a.mT, lambda a: a.ravel(), lambda a: a.flatten(),
             lambda a: a.transpose(), lambda a: a.transpose(1, 0),
             lambda a: a.reshape(1, 2, 3).squeeze(), lambda a: a.swapaxes(0, 1),
             lambda a: a.repeat(2, axis=1), lambda a: a.diagonal(), lambda a: a.trace(),
             lambda a: a.reshape(6, order="F")]
    for f in cases:
        check_against_numpy(lambda a: f(tnp.asarray(a)), f, x)


def test_numpy_functions_dispatch_to_tnp():
    x = rand((2, 3), np.float32)
    check_against_numpy(lambda a: np.concatenate([tnp.asarray(a), a]),
                        lambda a: np.concatenate([a, a]), x)
    check_against_numpy(lambda a: np.reshape(tnp.asarray(a), (3, 2)),
                        lambda a: np.reshape(a, (3, 2)), x)
    check_against_numpy(lambda a: np.pad(tnp.asarray(a), 1, mode="edge"),
                        lambda a: np.pad(a, 1, mode="edge"), x)


def test_graphs_use_slices_not_gathers():
    x = np.ones((4, 5))
    for f in [lambda x: tnp.diagonal(x, 1), lambda x: tnp.pad(x, 3, mode="reflect"),
              lambda x: tnp.roll(x, 2, 1), lambda x: tnp.diag(tnp.ravel(x)),
              lambda x: tnp.tile(x, (2, 3)), lambda x: tnp.repeat(x, 2, 0)]:
        cg = make_graph(f)(x)
        typecheck(cg)
        assert not cg.consts
        assert "gather" not in {e.prim.name for e in cg.graph.eqns}


# -- errors name the user's line --------------------------------------------------

ERRORS = [
    (lambda: tnp.reshape(np.ones(6), (4, -1)), ValueError),
    (lambda: tnp.reshape(np.ones(6), (-1, -1)), ValueError),
    (lambda: tnp.reshape(np.ones(6), (6,), order="X"), ValueError),
    (lambda: tnp.transpose(np.ones((2, 3)), (0,)), ValueError),
    (lambda: tnp.transpose(np.ones((2, 3)), (0, 0)), ValueError),
    (lambda: tnp.squeeze(np.ones((2, 3)), 0), ValueError),
    (lambda: tnp.expand_dims(np.ones(3), 3), np.exceptions.AxisError),
    (lambda: tnp.moveaxis(np.ones((2, 3)), 0, (0, 1)), ValueError),
    (lambda: tnp.broadcast_to(np.ones(3), (2, 4)), ValueError),
    (lambda: tnp.broadcast_to(np.ones(3), (3, -1)), ValueError),
    (lambda: tnp.concatenate([]), ValueError),
    (lambda: tnp.concatenate([np.ones(()), np.ones(())]), ValueError),
    (lambda: tnp.concatenate([np.ones((2, 3)), np.ones(3)]), ValueError),
    (lambda: tnp.concatenate([np.ones((2, 3)), np.ones((2, 2))]), ValueError),
    (lambda: tnp.concatenate([np.ones(2)], out=np.ones(2)), TypeError),
    (lambda: tnp.concatenate(x for x in [np.ones(2)]), TypeError),
    (lambda: tnp.stack([np.ones(2), np.ones(3)]), ValueError),
    (lambda: tnp.split(np.ones(5), 2), ValueError),
    (lambda: tnp.array_split(np.ones(5), 0), ValueError),
    (lambda: tnp.hsplit(np.ones(()), 1), ValueError),
    (lambda: tnp.vsplit(np.ones(4), 2), ValueError),
    (lambda: tnp.dsplit(np.ones((2, 2)), 2), ValueError),
    (lambda: tnp.tile(np.ones(2), -1), ValueError),
    (lambda: tnp.repeat(np.ones(3), -1), ValueError),
    (lambda: tnp.repeat(np.ones(3), [1, 2]), ValueError),
    (lambda: tnp.repeat(np.ones(3), [1.5, 2, 1]), TypeError),
    (lambda: tnp.fliplr(np.ones(3)), ValueError),
    (lambda: tnp.flipud(np.ones(())), ValueError),
    (lambda: tnp.roll(np.ones(3), 1.5), TypeError),
    (lambda: tnp.rot90(np.ones((2, 2)), axes=(0, 0)), ValueError),
    (lambda: tnp.rot90(np.ones((2, 2)), axes=(0, 2)), ValueError),
    (lambda: tnp.pad(np.ones(3), 1, mode="nope"), ValueError),
    (lambda: tnp.pad(np.ones(3), 1.5), TypeError),
    (lambda: tnp.pad(np.ones(3), -1), ValueError),
    (lambda: tnp.pad(np.ones(3), 1, mode="edge", constant_values=1), ValueError),
    (lambda: tnp.pad(np.ones(0), 1, mode="edge"), ValueError),
    (lambda: tnp.pad(np.ones(3), 1, mode="reflect", reflect_type="no"), ValueError),
    (lambda: tnp.pad(np.ones(3), 1, mode="maximum", stat_length=0), ValueError),
    (lambda: tnp.pad(np.ones(3), 1, mode=lambda *a: None), TypeError),
    (lambda: tnp.diagonal(np.ones(3)), ValueError),
    (lambda: tnp.diagonal(np.ones((2, 2)), 0, 1, 1), ValueError),
    (lambda: tnp.diag(np.ones((2, 2, 2))), ValueError),
    (lambda: tnp.tril(np.ones(())), ValueError),
    (lambda: tnp.matrix_transpose(np.ones(3)), ValueError),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_name_the_user_line(i):
    fn, exc = ERRORS[i]
    with pytest.raises(exc, match="test_shape.py"):
        fn()


def test_static_arguments_must_be_concrete():
    from tracer import ConcretizationError
    x = np.ones((2, 3))
    with pytest.raises(ConcretizationError, match="test_shape.py"):
        make_graph(lambda x, n: tnp.reshape(x, (n, -1)))(x, 2)
    with pytest.raises(ConcretizationError, match="test_shape.py"):
        make_graph(lambda x, k: tnp.diagonal(x, k))(x, 1)
    with pytest.raises(ConcretizationError, match="test_shape.py"):
        make_graph(lambda x, n: tnp.split(x, n))(x, 2)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
@pytest.mark.parametrize("axis", [(), None, 0, (0, -1), -1])
def test_flip_axes_like_numpy(shape, axis):
    """``flip(x, axis=())`` flips nothing (any rank, 0-d included); bad axes raise alike."""
    from tests.util import check_everywhere
    x = rand(shape, np.float32)
    try:
        np.flip(x, axis=axis)
    except ValueError as e:   # AxisError, or "repeated axis"
        with pytest.raises(type(e)):
            tnp.flip(x, axis=axis)
        return
    check_everywhere(lambda a: tnp.flip(a, axis=axis), lambda a: np.flip(a, axis=axis), x)
