"""Errors name the user's line (this file), not graphjit's internals."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import tracer.numpy as tnp
from tracer import (ConcretizationError, EscapedTracerError, ShapeError, UnsupportedError,
                    make_graph)
from tracer.tracing import record_forward


def _here(offset: int = 1) -> str:
    """``test_errors.py:<line>`` of the caller's line plus ``offset``."""
    return f"test_errors.py:{inspect.currentframe().f_back.f_lineno + offset}"


def test_concretization_error_names_line_and_suggests_fixes():
    def f(x):
        where = _here()
        if x > 0:
            return x
        return -x, where

    with pytest.raises(ConcretizationError) as info:
        make_graph(f)(1.0)
    msg = str(info.value)
    line = inspect.getsourcelines(f)[1] + 2
    assert f"test_errors.py:{line}" in msg
    assert "lax.cond" in msg and "tnp.where" in msg and "static_argnums" in msg


@pytest.mark.parametrize("conv", [int, float, bool, lambda x: range(x)])
def test_concretization_error_for_conversions(conv):
    with pytest.raises(ConcretizationError, match="test_errors.py:"):
        make_graph(lambda x: conv(x))(np.int64(3))


def test_escaped_tracer_error_names_where_it_was_made():
    leaked = []

    def f(x):
        y = tnp.sin(x)
        leaked.append(y)
        return y

    make_graph(f)(1.0)
    made = f"test_errors.py:{inspect.getsourcelines(f)[1] + 1}"
    with pytest.raises(EscapedTracerError) as info:
        tnp.cos(leaked[0])
    used = f"test_errors.py:{inspect.currentframe().f_lineno - 1}"
    assert made in str(info.value) and used in str(info.value)


def test_escaped_tracer_used_inside_another_transform():
    leaked = []
    make_graph(lambda x: leaked.append(x * 2) or x)(1.0)
    with pytest.raises(EscapedTracerError):
        make_graph(lambda y: y + leaked[0])(1.0)


def test_shape_mismatch_names_line():
    def f(x, y):
        return x + y

    with pytest.raises(ShapeError) as info:
        make_graph(f)(np.ones(3), np.ones(4))
    line = inspect.getsourcelines(f)[1] + 1
    assert f"test_errors.py:{line}" in str(info.value)
    assert "broadcast" in str(info.value)


def test_shape_mismatch_eagerly_under_forwarding():
    def f(x):
        return tnp.sin(x) * np.ones(5)

    with pytest.raises(ShapeError, match="test_errors.py:"):
        record_forward(f, np.ones(3))


def test_unsupported_numpy_function_names_it_and_line():
    def f(x):
        return np.fft.fft(x)

    with pytest.raises(TypeError) as info:
        make_graph(f)(np.ones(4))
    assert "fft" in str(info.value)
    assert f"test_errors.py:{inspect.getsourcelines(f)[1] + 1}" in str(info.value)


def test_unsupported_ufunc_method():
    with pytest.raises(UnsupportedError, match="outer"):
        make_graph(lambda x: np.add.outer(x, x))(np.ones(2))


def test_unsupported_linalg_is_clear():
    with pytest.raises(UnsupportedError, match="linalg.inv"):
        tnp.linalg.inv(np.eye(2))


def test_dtype_error_names_line():
    def f(x, y):
        return x - y

    with pytest.raises(TypeError, match="test_errors.py:"):
        make_graph(f)(np.ones(2, bool), np.ones(2, bool))


def test_eager_shape_error_names_line():
    a, b = tnp.asarray(np.ones(3)), tnp.asarray(np.ones(4))
    with pytest.raises(ShapeError) as info:
        a + b
    assert f"test_errors.py:{inspect.currentframe().f_lineno - 1}" in str(info.value)


def test_internal_frames_hidden_from_traceback():
    import traceback

    def f(x):
        return x + np.ones(4)

    with pytest.raises(ShapeError) as info:
        make_graph(f)(np.ones(3))
    files = [fs.filename for fs in traceback.extract_tb(info.value.__traceback__)]
    from tracer.ir import is_internal_file
    internal = [p for p in files if is_internal_file(p)]
    assert len(internal) <= 1, internal     # at most the api boundary frame itself
    assert any(p.endswith("test_errors.py") for p in files)
