"""backends.Array: the eager result type."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

import backends
import tracer.numpy as tnp


def _a(x):
    return tnp.asarray(np.asarray(x))


def test_repr_is_readable():
    assert repr(_a([1.0, 2.0])) == "Array([1., 2.], dtype=float64)"
    assert repr(_a(np.int32(3))) == "Array(3, dtype=int32)"
    assert str(_a([1, 2])) == "[1 2]"


def test_properties_and_conversions():
    a = _a(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert a.shape == (2, 3) and a.dtype == np.float32 and a.ndim == 2 and a.size == 6
    assert len(a) == 2
    rows = list(a)
    assert all(isinstance(r, backends.Array) for r in rows)
    np.testing.assert_array_equal(np.asarray(rows[1]), [3, 4, 5])
    assert float(_a(2.5)) == 2.5 and int(_a(3)) == 3 and bool(_a(True))
    assert _a([1, 2]).tolist() == [1, 2] and _a(7).item() == 7
    assert [10, 20, 30][_a(np.int64(1))] == 20


def test_immutable_and_zero_copy():
    a = tnp.sin(_a([0.0, 1.0]))
    v = np.asarray(a)
    assert np.shares_memory(v, np.asarray(a)) and not v.flags.writeable
    with pytest.raises(TypeError, match="immutable"):
        a[0] = 3.0
    user = np.ones(3)
    tnp.asarray(user)
    tnp.sin(user)
    assert user.flags.writeable, "graphjit must never freeze a user's NumPy array"


def test_dlpack_roundtrip():
    a = _a(np.arange(4.0))
    b = np.from_dlpack(a)
    np.testing.assert_array_equal(b, np.arange(4.0))


def test_numpy_functions_without_graphjit_version_get_numpy_values():
    a = _a(np.arange(5.0))
    counts, edges = np.histogram(a, bins=2)
    np.testing.assert_array_equal(counts, [2, 3])
    assert np.add.outer(a, a).shape == (5, 5)


def test_pickle():
    a = _a(np.arange(3.0))
    b = pickle.loads(pickle.dumps(a))
    assert isinstance(b, backends.Array)
    np.testing.assert_array_equal(np.asarray(b), np.arange(3.0))


def test_unhashable_like_numpy():
    with pytest.raises(TypeError):
        hash(_a([1.0]))


def test_format_spec_like_numpy() -> None:
    """The report: ``f"{loss:.2f}"`` raised "unsupported format string"."""
    import tracer.numpy as tnp
    from transforms import jit
    for v in (1.23456, np.float32(2.5), 7):
        a = tnp.asarray(v)
        for spec in (".2f", "8.3e", "", ">10"):
            assert format(a, spec) == format(np.asarray(v)[()], spec)
    loss = jit(lambda x: (x ** 2).sum())(np.ones(3))   # a device-resident result
    assert f"{loss:.2f}" == "3.00"
    assert f"{tnp.ones(2)}" == f"{np.ones(2)}"
    with pytest.raises(TypeError):
        f"{tnp.ones(2):.2f}"   # noqa: B018  (as NumPy: no format spec for arrays)
