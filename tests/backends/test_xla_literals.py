"""Float literals in the lowered StableHLO parse back to the same bits.

A float64 ``1e-06`` once printed as ``dense<1e-06>``, which MLIR's parser
rejects (it wants a ``.`` before the exponent), so ``jit`` of Adam's update with
``eps=1e-8`` on float64 parameters crashed. Every extreme value of every float
dtype goes through a compiled program here as a scalar literal (a splat) and
as a constant array, and comes back bit for bit.
"""
from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np
import pytest

import tracer.numpy as tnp
from backends.xla.lower import float_literal
from transforms import jit

DTYPES = [np.float16, np.float32, np.float64, ml_dtypes.bfloat16]


def extremes(dtype: Any) -> list[Any]:
    info = ml_dtypes.finfo(dtype)
    vals = [0.0, -0.0, 1.0, -1.0, 0.1, 1e-6, 1e-8, -2.5e-5, 1e-300, 3.4e38, 1e38, 65504.0,
            float(info.max), -float(info.max), float(info.tiny), float(info.smallest_subnormal),
            -float(info.smallest_subnormal), float(info.eps), np.inf, -np.inf, np.nan]
    with np.errstate(over="ignore", under="ignore"):
        return [np.asarray(v).astype(dtype)[()] for v in vals]


def bits(x: Any) -> np.ndarray:
    x = np.asarray(x)
    return x.view(np.dtype(f"u{x.dtype.itemsize}"))


# The constants are returned as they are: arithmetic on them would let XLA's
# simplifier rewrite ``-0.0 + 0.0`` and its CPU flush subnormals to zero.


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_scalar_literals_round_trip(dtype: Any) -> None:
    vals = extremes(dtype)
    f = jit(lambda z: [tnp.full((), v, dtype) for v in vals] + [tnp.full(3, v, dtype)
                                                             for v in vals])
    assert "dense<1e" not in f.lower(np.zeros((), dtype)).as_text()
    outs = f(np.zeros((), dtype))
    for v, o in zip(vals + vals, outs):
        assert np.asarray(o).dtype == np.dtype(dtype)
        assert (bits(o) == bits(v)).all(), (v, np.asarray(o))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_array_constants_round_trip(dtype: Any) -> None:
    arr = np.array(extremes(dtype), dtype=dtype)
    out = jit(lambda z: tnp.asarray(arr))(np.zeros((), dtype))
    np.testing.assert_array_equal(bits(out), bits(arr))


def test_literal_text_is_mlir_float_syntax() -> None:
    assert float_literal(np.float64(1e-6)) == "1.0e-06"
    assert float_literal(np.float32(3.4e38)) == "3.4e+38"
    assert float_literal(np.float64(-0.0)) == "-0.0e+00"
    assert float_literal(np.float64(np.nan)) == "0x7FF8000000000000"
    assert float_literal(np.float32(-np.inf)) == "0xFF800000"


def test_adam_eps_float64_under_jit() -> None:
    """The report: an Adam step with eps=1e-8 on float64 parameters, jitted."""
    def step(p, m, v, g):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        return p - 1e-3 * m / (tnp.sqrt(v) + 1e-8), m, v

    p, g = np.array([1.0, -2.0]), np.array([0.5, 1e-7])
    z = np.zeros(2)
    got = jit(step)(p, z, z, g)
    want = step(p, z, z, g)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
