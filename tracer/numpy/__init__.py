"""``tracer.numpy`` (``tnp``): the NumPy-compatible API, written on primitives.

Names, signatures, results and result dtypes follow NumPy 2 (NEP 50
promotion, weak Python scalars, float64 stays float64).  Outside any
transform, calls compute on the NumPy backend and return
``backends.Array``; inside a transform they record equations.

The DESIGN.md layout names one module ``tracer/numpy.py``; it is a package
here so that each family of functions has its own file (``_elementwise``,
``_reductions``, ``_shape``, ``_creation``, ``_indexing``, ``_linalg``,
``_sorting``); ``import tracer.numpy as tnp`` is unchanged.
"""
from __future__ import annotations

import builtins as _builtins
import sys as _sys

import numpy as _np

from tracer import dtypes as _dtypes
from tracer.numpy import (_array_api, _core, _creation, _elementwise,  # noqa: F401
                          _indexing, _linalg, _reductions, _shape, _sorting)
from tracer.numpy._core import (array, promote_types, result_type,  # noqa: F401
                                unsupported)
from tracer.numpy._elementwise import *  # noqa: F401,F403
from tracer.numpy._reductions import *  # noqa: F401,F403
from tracer.numpy._shape import *  # noqa: F401,F403
from tracer.numpy._creation import *  # noqa: F401,F403
from tracer.numpy._indexing import *  # noqa: F401,F403
from tracer.numpy._linalg import *  # noqa: F401,F403
from tracer.numpy._sorting import *  # noqa: F401,F403
from tracer.numpy._array_api import (__array_namespace_info__, asarray,  # noqa: F401
                                     from_dlpack)
from tracer.numpy._difference import *  # noqa: F401,F403
from tracer.numpy._index_tricks import *  # noqa: F401,F403
from tracer.numpy._ndarray import ndarray  # noqa: F401
from tracer.numpy._methods import ArrayMethods  # noqa: F401
from tracer.numpy._scalar_types import make_scalar_type as _make_scalar_type
from tracer.numpy._methods import install_all as _install_all
from tracer.tracing import Tracer as _Tracer

# dtypes and constants, as NumPy spells them; the scalar types are dtypes that also
# convert traced values when called (``tnp.float64(x)``), see ``_scalar_types``
bool_ = _make_scalar_type(_np.bool_)
bool = bool_  # noqa: A001 - the Array API's name (NumPy 2's ``numpy.bool``)
int8, int16, int32, int64 = (_make_scalar_type(t) for t in (_np.int8, _np.int16, _np.int32,
                                                          _np.int64))
uint8, uint16, uint32, uint64 = (_make_scalar_type(t) for t in (_np.uint8, _np.uint16,
                                                              _np.uint32, _np.uint64))
float16, float32, float64 = (_make_scalar_type(t) for t in (_np.float16, _np.float32,
                                                          _np.float64))
complex64, complex128 = _make_scalar_type(_np.complex64), _make_scalar_type(_np.complex128)
bfloat16 = _make_scalar_type(_dtypes.bfloat16) if _dtypes.bfloat16 is not None else None
double, single, half = float64, float32, float16
intp, uintp = _make_scalar_type(_np.intp), _make_scalar_type(_np.uintp)
int_ = _make_scalar_type(_np.int_)
dtype = _np.dtype
finfo, iinfo = _np.finfo, _np.iinfo
issubdtype = _np.issubdtype
integer, floating, inexact, number, signedinteger, unsignedinteger, complexfloating = (
    _np.integer, _np.floating, _np.inexact, _np.number, _np.signedinteger,
    _np.unsignedinteger, _np.complexfloating)
generic = _np.generic
pi, e, inf, nan, euler_gamma = _np.pi, _np.e, _np.inf, _np.nan, _np.euler_gamma
newaxis = None
__array_api_version__ = "2024.12"


def isdtype(dtype: object, kind: object) -> bool:
    return _np.isdtype(dtype, kind)


def can_cast(from_: object, to: object, casting: str = "safe") -> bool:
    """Like ``numpy.can_cast``: ``from_`` a dtype, a dtype-like (``np.float32``,
    ``tnp.float32``, ``"f4"``) or an array (its dtype; a tracer's too).

    >>> can_cast(float32, float64), can_cast(asarray([1.0]), int32)
    (True, False)
    """
    if not isinstance(from_, (_np.dtype, type, str)) and hasattr(from_, "dtype"):
        from_ = from_.dtype   # an array or tracer (not a scalar *type*: its .dtype is a
        # descriptor there, hence the isinstance(type) test)
    elif isinstance(from_, type) and isinstance(getattr(from_, "dtype", None), _np.dtype):
        from_ = from_.dtype   # a tnp scalar type
    if isinstance(to, type) and isinstance(getattr(to, "dtype", None), _np.dtype):
        to = to.dtype
    return _np.can_cast(from_, to, casting)


def shape(a: object) -> tuple[int, ...]:
    return tuple(asarray(a).shape)


def ndim(a: object) -> int:
    return asarray(a).ndim


def size(a: object, axis: int | None = None) -> int:
    s = asarray(a).shape
    if axis is None:
        return int(_np.prod(s, dtype=_np.int64))
    return s[axis]


def isscalar(element: object) -> bool:
    """Like ``numpy.isscalar``, except that every 0-d array is a scalar (as in ``jax.numpy``).

    tnp returns 0-d arrays where NumPy returns scalars (``tnp.sum(x)``), and under
    ``jit`` a scalar argument, Python's or NumPy's, is a 0-d tracer: counting 0-d
    arrays as scalars gives one answer eagerly and under every transform.

    >>> isscalar(2.5), isscalar(asarray(2.5)), isscalar(asarray([2.5]))
    (True, True, False)
    """
    if type(element) is _Tracer or isinstance(element, (_np.ndarray, ArrayMethods)):
        return element.ndim == 0
    return _np.isscalar(element)


def astype(x: object, dtype: object, /, *, copy: _builtins.bool = True,
           device: object = None) -> object:
    """Like ``numpy.astype`` / ``x.astype(dtype)``; ``device=`` places the result
    (the Array API's keyword, see ``_array_api``).

    >>> astype(arange(3), float32).dtype
    dtype('float32')
    """
    out = _core.convert(asarray(x), _dtypes.canonicalize(dtype))
    return out if device is None else _array_api.place(out, device, "astype")


def copy(a: object, order: str = "K") -> object:
    """Like ``numpy.copy`` (arrays are immutable, so this is ``asarray``)."""
    return asarray(a)


_install_all(_sys.modules[__name__], _Tracer)

from tracer.numpy import linalg  # noqa: E402,F401
