"""NumPy 2 dtype promotion (NEP 50).

graphjit follows NumPy, not JAX: float64 stays float64, the default integer
is int64, and Python scalars are *weak*: ``float32_array * 2.0`` is float32.
A traced value whose aval has ``weak_type=True`` (a Python scalar passed to a
transform) promotes like the Python scalar it came from.  NumPy itself
implements NEP 50, so promotion asks NumPy with representative values and
caches the answer.
"""
from __future__ import annotations

import functools
from typing import Any

import jax
import numpy as np

try:  # bfloat16 / float8 where ml_dtypes is installed (it comes with jax)
    import ml_dtypes

    bfloat16 = np.dtype(ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover
    ml_dtypes = None
    bfloat16 = None

bool_ = np.dtype(np.bool_)
int8, int16, int32, int64 = (np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64))
uint8, uint16, uint32, uint64 = (np.dtype(t) for t in (np.uint8, np.uint16, np.uint32, np.uint64))
float16, float32, float64 = (np.dtype(t) for t in (np.float16, np.float32, np.float64))
complex64, complex128 = np.dtype(np.complex64), np.dtype(np.complex128)

_PY_SCALARS = {bool: bool_, int: int64, float: float64, complex: complex128}
# Representative weak values handed to NumPy, by the dtype kind they stand for.
_WEAK_REPR = {"b": False, "i": 0, "u": 0, "f": 0.0, "c": 0j}


def is_python_scalar(x: Any) -> bool:
    return type(x) in _PY_SCALARS


def python_scalar_dtype(x: Any) -> np.dtype:
    return _PY_SCALARS[type(x)]


def canonicalize(dtype: Any) -> np.dtype:
    """A NumPy dtype object for ``dtype`` (a type, name or dtype)."""
    if dtype is None:
        return float64
    if isinstance(dtype, np.dtype):
        return dtype
    if dtype in _PY_SCALARS:
        return _PY_SCALARS[dtype]
    return np.dtype(dtype)


@functools.lru_cache(maxsize=4096)
def _result_type_cached(keys: tuple) -> tuple[np.dtype, bool]:
    strong = [k for k, weak in keys if not weak]
    weak = [_WEAK_REPR[k.kind] for k, is_weak in keys if is_weak]
    if not strong:
        # Only weak operands: the result is weak, of the widest kind.
        kinds = "biufc"
        k = max((d.kind for d, _ in keys), key=kinds.index)
        return {"b": bool_, "i": int64, "u": int64, "f": float64, "c": complex128}[k], True
    return np.result_type(*strong, *weak), False


def result_type_weak(*items: tuple[np.dtype, bool]) -> tuple[np.dtype, bool]:
    """Promote ``(dtype, weak)`` pairs by NEP 50; returns ``(dtype, weak)``."""
    return _result_type_cached(tuple(items))


def dtype_and_weak(x: Any) -> tuple[np.dtype, bool]:
    """``(dtype, weak)`` of a value: Python scalars are weak, avals say so."""
    t = type(x)
    if t in _PY_SCALARS:
        return _PY_SCALARS[t], True
    weak = getattr(x, "weak_type", None)   # tracers and graphjit Arrays
    if weak is not None:
        # a jax.Array is an array, strong as NumPy's are (JAX's weak flag is JAX's own)
        return x.dtype, weak and not isinstance(x, jax.Array)
    aval = getattr(x, "aval", None)
    if aval is not None:
        return aval.dtype, aval.weak_type
    dt = getattr(x, "dtype", None)
    if dt is not None:
        return np.dtype(dt), False
    return np.asarray(x).dtype, False


def result_type(*args: Any) -> np.dtype:
    """``numpy.result_type`` over arrays, tracers, dtypes and Python scalars."""
    items = []
    same = True
    for a in args:
        if isinstance(a, np.dtype):
            it = (a, False)
        elif isinstance(a, (type, str)):
            it = (canonicalize(a), False)
        else:
            it = dtype_and_weak(a)
        if items and it != items[0]:
            same = False
        items.append(it)
    if same and items and not items[0][1]:
        return items[0][0]   # one strong dtype throughout: nothing to promote
    return result_type_weak(*items)[0]


def promote_types(a: Any, b: Any) -> np.dtype:
    return np.promote_types(canonicalize(a), canonicalize(b))


def is_float(dtype: np.dtype) -> bool:
    return dtype.kind == "f" or dtype == bfloat16


def is_inexact(dtype: np.dtype) -> bool:
    return dtype.kind in "fc" or dtype == bfloat16


def is_integer(dtype: np.dtype) -> bool:
    return dtype.kind in "iu"


def is_bool(dtype: np.dtype) -> bool:
    return dtype.kind == "b"


def float_dtype_for(dtype: np.dtype) -> np.dtype:
    """The dtype NumPy's float ufuncs (sin, sqrt, ...) give for ``dtype``."""
    return _float_for(np.dtype(dtype))


@functools.lru_cache(maxsize=None)
def _float_for(dtype: np.dtype) -> np.dtype:
    if dtype.kind in "fc" or dtype == bfloat16:
        return dtype
    return np.sin(np.zeros((), dtype)).dtype
