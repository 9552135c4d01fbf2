"""``tnp.linalg``: norms, NumPy 2's product aliases and the Array API's
last-two-axes functions (``diagonal``, ``trace``, ``matrix_transpose``) now.

Decompositions and solvers come in a later issue; until then they raise a clear error.
"""
from __future__ import annotations

from typing import Any

from tracer.ir import user_location as _user_location
from tracer.numpy._core import asarray as _asarray
from tracer.numpy._core import unsupported
from tracer.numpy._linalg import cross as _cross
from tracer.numpy._linalg import (matmul, matrix_norm, norm, outer,  # noqa: F401
                                  tensordot, vecdot, vector_norm)
from tracer.numpy._shape import diagonal as _diagonal
from tracer.numpy._shape import trace as _trace
from tracer.numpy._shape import matrix_transpose  # noqa: F401


def _matrices(x: Any, name: str) -> Any:
    x = _asarray(x)
    if x.ndim < 2:
        raise ValueError(f"linalg.{name}: the input must be at least 2-D (a stack of "
                         f"matrices), got shape {tuple(x.shape)} (at {_user_location()})")
    return x


def diagonal(x: Any, /, *, offset: int = 0) -> Any:
    """Like ``numpy.linalg.diagonal``: the ``offset`` diagonal of the last two axes
    (``tnp.diagonal`` defaults to the first two).

    >>> import tracer.numpy as tnp
    >>> diagonal(tnp.arange(8).reshape(2, 2, 2)).tolist()
    [[0, 3], [4, 7]]
    """
    return _diagonal(_matrices(x, "diagonal"), offset, -2, -1)


def trace(x: Any, /, *, offset: int = 0, dtype: Any = None) -> Any:
    """Like ``numpy.linalg.trace``: sums along the ``offset`` diagonal of the last two
    axes (result dtype as ``sum``'s: small integers widen to the default integer).

    >>> import tracer.numpy as tnp
    >>> trace(tnp.arange(8).reshape(2, 2, 2)).tolist()
    [3, 11]
    """
    return _trace(_matrices(x, "trace"), offset, -2, -1, dtype)


def cross(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """Like ``numpy.linalg.cross``: cross products of 3-vectors along ``axis`` (no
    2-vector forms; ``tnp.cross`` has them).

    >>> import tracer.numpy as tnp
    >>> cross(tnp.asarray([1.0, 0.0, 0.0]), tnp.asarray([0.0, 1.0, 0.0])).tolist()
    [0.0, 0.0, 1.0]
    """
    a, b = _asarray(x1), _asarray(x2)
    for x in (a, b):
        if x.ndim == 0 or not -x.ndim <= axis < x.ndim or x.shape[axis] != 3:
            raise ValueError(f"linalg.cross: both inputs must have size 3 along axis "
                             f"{axis}, got shapes {tuple(a.shape)} and {tuple(b.shape)} "
                             f"(at {_user_location()})")
    return _cross(a, b, axis=axis)


# Decompositions and solvers: a later issue. Until then, a clear error.
solve = unsupported("numpy.linalg.solve")
inv = unsupported("numpy.linalg.inv")
cholesky = unsupported("numpy.linalg.cholesky")
qr = unsupported("numpy.linalg.qr")
eigh = unsupported("numpy.linalg.eigh")
svd = unsupported("numpy.linalg.svd")
det = unsupported("numpy.linalg.det")
slogdet = unsupported("numpy.linalg.slogdet")
eig = unsupported("numpy.linalg.eig")
pinv = unsupported("numpy.linalg.pinv")
lstsq = unsupported("numpy.linalg.lstsq")
matrix_power = unsupported("numpy.linalg.matrix_power")
eigvalsh = unsupported("numpy.linalg.eigvalsh")
svdvals = unsupported("numpy.linalg.svdvals")
matrix_rank = unsupported("numpy.linalg.matrix_rank")
