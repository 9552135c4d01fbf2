"""The eager shortcuts (host Arrays, eager context: straight to the backend impl)
must give what NumPy gives and what the general path (the same call traced by
``make_graph`` and evaluated) gives, dtype included; where they do not apply
or the impl refuses, the general path's error (naming the user's line) stands."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import tracer.numpy as tnp
from tracer import eval_graph, make_graph

RNG = np.random.default_rng(0)

CASES = [
    ("dot 1-d f64", lambda m, a, b: m.dot(a, b), (5,), (5,), "float64"),
    ("dot 2-d x 1-d f32", lambda m, a, b: m.dot(a, b), (3, 4), (4,), "float32"),
    ("dot 1-d x 2-d i32", lambda m, a, b: m.dot(a, b), (4,), (4, 3), "int32"),
    ("dot 3-d x 2-d", lambda m, a, b: m.dot(a, b), (2, 3, 4), (4, 5), "float64"),
    ("dot empty", lambda m, a, b: m.dot(a, b), (0,), (0,), "float64"),
    ("concatenate axis -1", lambda m, a, b: m.concatenate([a, b], axis=-1), (2, 3), (2, 3),
     "float32"),
    ("concatenate tuple", lambda m, a, b: m.concatenate((a, b, a)), (2, 3), (2, 3), "int32"),
    ("reshape -1", lambda m, a, b: m.reshape(a, (3, -1)), (6, 2), (1,), "float64"),
    ("reshape int64 entries", lambda m, a, b: m.reshape(a, (np.int64(4), 3)), (12,), (1,),
     "int32"),
    ("where", lambda m, a, b: m.where(a > b, a, b), (7,), (7,), "float32"),
    ("sum f32", lambda m, a, b: m.sum(a), (4, 5), (1,), "float32"),
    ("mean f32", lambda m, a, b: m.mean(a), (4, 5), (1,), "float32"),
    ("max 2-d", lambda m, a, b: m.max(a), (4, 5), (1,), "float64"),
    ("min", lambda m, a, b: m.min(a), (9,), (1,), "float64"),
    ("argmax", lambda m, a, b: m.argmax(a), (9,), (1,), "float64"),
    ("argmin axis 0", lambda m, a, b: m.argmin(a, axis=0), (9,), (1,), "int32"),
    ("cumsum", lambda m, a, b: m.cumsum(a), (9,), (1,), "float32"),
    ("abs uint8", lambda m, a, b: m.abs(a), (5,), (1,), "uint8"),
    ("abs bool", lambda m, a, b: m.abs(a > 0), (5,), (1,), "float64"),
    ("add scalar left", lambda m, a, b: 2.5 - a, (5,), (1,), "float32"),
    ("int array + float", lambda m, a, b: a + 1.5, (5,), (1,), "int32"),
    ("0-d", lambda m, a, b: m.sin(m.sum(a)) * a.dtype.type(2), (3,), (1,), "float64"),
]


def _arg(shape: tuple, dtype: str) -> np.ndarray:
    if dtype == "uint8":
        return RNG.integers(0, 200, size=shape).astype(dtype)
    if dtype == "int32":
        return RNG.integers(-5, 5, size=shape).astype(dtype)
    return RNG.normal(size=shape).astype(dtype)


@pytest.mark.parametrize("name,call,sa,sb,dtype", CASES, ids=[c[0] for c in CASES])
def test_shortcut_matches_numpy_and_general_path(name, call, sa, sb, dtype):
    a, b = _arg(sa, dtype), _arg(sb, dtype)
    want = np.asarray(call(np, a, b))
    got = call(tnp, tnp.asarray(a), tnp.asarray(b))
    (traced,) = eval_graph(make_graph(lambda x, y: call(tnp, x, y))(a, b), a, b)
    for r in (got, traced):
        assert np.asarray(r).dtype == want.dtype, name
        assert np.asarray(r).shape == want.shape, name
        np.testing.assert_allclose(np.asarray(r), want, rtol=2e-6, atol=1e-6)


def test_shortcut_argmax_nan_is_numpy_first_nan():
    x = np.array([1.0, np.nan, 3.0, np.nan])
    assert int(tnp.argmax(tnp.asarray(x))) == np.argmax(x) == 1


def test_cumsum_overflow_warns_like_numpy():
    x = np.array([1e308, 1e308])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning, match="overflow"):
            np.cumsum(x)
        with pytest.raises(RuntimeWarning, match="overflow"):
            tnp.cumsum(tnp.asarray(x))


def _line_of(marker: str) -> int:
    src = open(__file__).read().splitlines()
    return next(i for i, s in enumerate(src, 1) if marker in s and "_line_of" not in s)


@pytest.mark.parametrize("what", ["dot", "concatenate", "reshape", "add"])
def test_refused_shortcut_reports_the_users_line(what):
    a, b = tnp.ones((3, 4)), tnp.ones((5, 2))
    with pytest.raises((ValueError, TypeError)) as e:
        if what == "dot":
            tnp.dot(a, b)  # line: dot
        elif what == "concatenate":
            tnp.concatenate([a, b])  # line: concatenate
        elif what == "reshape":
            tnp.reshape(a, (5, -1))  # line: reshape
        else:
            tnp.add(a, b)  # line: add
    assert f"test_eager_shortcuts.py:{_line_of(f'# line: {what}')}" in str(e.value)
