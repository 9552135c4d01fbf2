"""``graphjit.scipy.linalg`` (``jax.scipy.linalg``).

The decompositions and solvers (``cholesky``, ``cho_factor``, ``cho_solve``,
``solve_triangular``, ``expm``, ``solve``, ``inv``, ``det``, ``lu``, ``qr``,
``svd``, ``eigh`` ...) need linalg primitives (a Cholesky factorization, a
triangular solve, LU, QR, eigen- and singular-value decompositions), which
arrive in issue 15: until then each raises ``UnsupportedError`` naming the
user's line, like ``tnp.linalg``'s solvers.  ``block_diag`` needs none and
works today.

>>> block_diag(tnp.ones((1, 1)), 2 * tnp.ones((1, 2))).tolist()
[[1.0, 0.0, 0.0], [0.0, 2.0, 2.0]]
"""
from __future__ import annotations

from typing import Any

import tracer.numpy as tnp
from tracer.scipy._util import unsupported

Array = Any
ArrayLike = Any

__all__ = ["block_diag", "cho_factor", "cho_solve", "cholesky", "det", "eigh", "expm", "inv",
           "lu", "lu_factor", "lu_solve", "qr", "solve", "solve_triangular", "svd"]

_NEEDS = "arrives with the linalg primitives (issue 15)"

cholesky = unsupported("scipy.linalg.cholesky", _NEEDS)
cho_factor = unsupported("scipy.linalg.cho_factor", _NEEDS)
cho_solve = unsupported("scipy.linalg.cho_solve", _NEEDS)
solve_triangular = unsupported("scipy.linalg.solve_triangular", _NEEDS)
expm = unsupported("scipy.linalg.expm", _NEEDS)
solve = unsupported("scipy.linalg.solve", _NEEDS)
inv = unsupported("scipy.linalg.inv", _NEEDS)
det = unsupported("scipy.linalg.det", _NEEDS)
lu = unsupported("scipy.linalg.lu", _NEEDS)
lu_factor = unsupported("scipy.linalg.lu_factor", _NEEDS)
lu_solve = unsupported("scipy.linalg.lu_solve", _NEEDS)
qr = unsupported("scipy.linalg.qr", _NEEDS)
svd = unsupported("scipy.linalg.svd", _NEEDS)
eigh = unsupported("scipy.linalg.eigh", _NEEDS)


def block_diag(*arrs: ArrayLike) -> Array:
    """The block-diagonal matrix of the given (at most 2-d) arrays.

    >>> block_diag(tnp.ones((1, 1)), tnp.ones((1, 1))).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    if not arrs:
        return tnp.zeros((1, 0))
    blocks = [tnp.atleast_2d(tnp.asarray(a)) for a in arrs]
    for a in blocks:
        if a.ndim != 2:
            raise ValueError("Arguments to graphjit.scipy.linalg.block_diag must have at "
                             "most 2 dimensions, got " + str(tuple(a.shape)))
    dt = tnp.result_type(*blocks)
    cols = sum(a.shape[1] for a in blocks)
    rows, left = [], 0
    for a in blocks:
        r, c = a.shape
        rows.append(tnp.concatenate([tnp.zeros((r, left), dt), a.astype(dt),
                                     tnp.zeros((r, cols - left - c), dt)], axis=1))
        left += c
    return tnp.concatenate(rows, axis=0)
