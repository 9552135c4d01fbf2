"""NumPy 2 dtype promotion (NEP 50), and JAX's 32-bit mode.

graphjit follows NumPy, not JAX: float64 stays float64, the default integer
is int64, and Python scalars are *weak*: ``float32_array * 2.0`` is float32.
A traced value whose aval has ``weak_type=True`` (a Python scalar passed to a
transform) promotes like the Python scalar it came from.  NumPy itself
implements NEP 50, so promotion asks NumPy with representative values and
caches the answer.

**32-bit mode** (``gj.config.update("jax_enable_x64", False)``, the scoped
``gj.enable_x64(False)``, or ``GRAPHJIT_ENABLE_X64=0``) gives JAX's default
dtypes for code ported from JAX: every 64-bit dtype is *canonicalized* to its
32-bit sibling (float64 -> float32, int64 -> int32, uint64 -> uint32,
complex128 -> complex64) wherever a dtype is decided or data enters graphjit:
Python scalars, default dtypes of creation functions, promotion results,
requested dtypes, NumPy arrays passed to ``tnp`` functions and transforms.
The mechanism is one rule, applied at ``bind`` (every primitive's NumPy
operands and dtype parameters: :func:`narrow_call`), at a transform's inputs
(``Recorder.new_arg``) and where ``tnp.asarray`` makes an array; everything
downstream stays 32-bit because NumPy's kernels keep 32-bit dtypes.  graphjit
Arrays made while 64-bit mode was on keep their dtype in eager ops (as JAX's
arrays made under ``enable_x64`` do) and are canonicalized when they enter a
transform.
"""
from __future__ import annotations

import contextlib
import functools
import os
from typing import Any, Iterator

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

# -- 64-bit or 32-bit mode -------------------------------------------------------------

#: the 32-bit dtype each 64-bit one becomes in 32-bit mode (JAX's canonicalization)
NARROW = {int64: int32, uint64: uint32, float64: float32, complex128: complex64}


def _env_x64() -> bool:
    v = os.environ.get("GRAPHJIT_ENABLE_X64", "1").strip().lower()
    if v in ("1", "true", "yes", "on", ""):
        return True
    if v in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"GRAPHJIT_ENABLE_X64={v!r}: expected 1/true/on or 0/false/off")


#: True: NumPy's dtypes (the default). False: JAX's 32-bit defaults. Read it through
#: ``x64_enabled()``; hot paths read this module attribute directly.
X64: bool = _env_x64()

# Python scalar types -> their dtype in the current mode. One dict, updated in place
# when the mode changes, so modules that hold a reference to it see the change.
PY_SCALAR_DTYPES: dict[type, np.dtype] = {}
_PY_SCALARS = PY_SCALAR_DTYPES


def _fill_scalar_dtypes() -> None:
    PY_SCALAR_DTYPES.update({bool: bool_, int: int64, float: float64, complex: complex128})
    if not X64:
        for k, v in PY_SCALAR_DTYPES.items():
            PY_SCALAR_DTYPES[k] = NARROW.get(v, v)


_fill_scalar_dtypes()


def x64_enabled() -> bool:
    """Whether 64-bit dtypes are on (graphjit's default; JAX's ``jax_enable_x64``)."""
    return X64


def set_x64(enabled: bool) -> bool:
    """Turn 64-bit mode on or off for the whole process; returns the previous setting.

    Arrays already made keep their dtypes; functions ``jit`` compiled in one mode are
    compiled again in the other (their caches are kept per mode).
    """
    global X64
    if not isinstance(enabled, (bool, np.bool_)):
        raise TypeError(f"jax_enable_x64 must be True or False, got {enabled!r}")
    prev, X64 = X64, bool(enabled)
    _fill_scalar_dtypes()
    return prev


@contextlib.contextmanager
def enable_x64(new_val: bool = True) -> Iterator[None]:
    """Within the block, 64-bit mode is ``new_val`` (as ``jax.experimental.enable_x64``).

    >>> import tracer.numpy as tnp
    >>> with enable_x64(False):
    ...     print(tnp.zeros(2).dtype, tnp.arange(3).dtype)
    float32 int32
    """
    prev = set_x64(new_val)
    try:
        yield
    finally:
        set_x64(prev)


def canonical(dtype: np.dtype) -> np.dtype:
    """``dtype`` in the current mode: 64-bit dtypes become 32-bit when x64 is off."""
    if X64:
        return dtype
    return NARROW.get(dtype, dtype)


def default_float() -> np.dtype:
    return float64 if X64 else float32


def default_int() -> np.dtype:
    return int64 if X64 else int32


def narrow_value(x: Any) -> Any:
    """In 32-bit mode, a NumPy array or scalar of a 64-bit dtype as its 32-bit sibling
    (as JAX canonicalizes NumPy inputs); anything else unchanged."""
    if X64:
        return x
    if isinstance(x, (np.ndarray, np.generic)):
        d = NARROW.get(x.dtype)
        if d is not None:
            return x.astype(d)
    return x


def narrow_call(args: tuple, params: dict) -> tuple[tuple, dict]:
    """32-bit mode at ``bind``: NumPy operands and dtype parameters canonicalized."""
    new_args = None
    for i, a in enumerate(args):
        if isinstance(a, (np.ndarray, np.generic)) and a.dtype in NARROW:
            if new_args is None:
                new_args = list(args)
            new_args[i] = a.astype(NARROW[a.dtype])
    new_params = None
    for k, v in params.items():
        if isinstance(v, np.dtype) and v in NARROW:
            if new_params is None:
                new_params = dict(params)
            new_params[k] = NARROW[v]
    return (args if new_args is None else tuple(new_args),
            params if new_params is None else new_params)

# Representative weak values handed to NumPy, by the dtype kind they stand for.
_WEAK_REPR = {"b": False, "i": 0, "u": 0, "f": 0.0, "c": 0j}


def is_python_scalar(x: Any) -> bool:
    return type(x) in _PY_SCALARS


def python_scalar_dtype(x: Any) -> np.dtype:
    return _PY_SCALARS[type(x)]


def canonicalize(dtype: Any) -> np.dtype:
    """A NumPy dtype object for ``dtype`` (a type, name or dtype); None is the default
    float. In 32-bit mode a 64-bit dtype gives its 32-bit sibling (as in JAX)."""
    if dtype is None:
        return float64 if X64 else float32
    if isinstance(dtype, np.dtype):
        return dtype if X64 else NARROW.get(dtype, dtype)
    if dtype in _PY_SCALARS:
        return _PY_SCALARS[dtype]
    d = np.dtype(dtype)
    return d if X64 else NARROW.get(d, d)


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
    dt, weak = _result_type_cached(tuple(items))
    if not X64 and dt in NARROW:
        return NARROW[dt], weak
    return dt, weak


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
        return canonical(items[0][0])   # one strong dtype throughout: nothing to promote
    return result_type_weak(*items)[0]


def promote_types(a: Any, b: Any) -> np.dtype:
    return canonical(np.promote_types(canonicalize(a), canonicalize(b)))


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
    return canonical(_float_for(np.dtype(dtype)))


@functools.lru_cache(maxsize=None)
def _float_for(dtype: np.dtype) -> np.dtype:
    if dtype.kind in "fc" or dtype == bfloat16:
        return dtype
    return np.sin(np.zeros((), dtype)).dtype
