"""``tnp.linalg``: norms and NumPy 2's product aliases now.

Decompositions and solvers come in a later issue; until then they raise a clear error.
"""
from __future__ import annotations

from tracer.numpy._core import unsupported
from tracer.numpy._linalg import (cross, matmul, matrix_norm, norm, outer,  # noqa: F401
                                  tensordot, vecdot, vector_norm)

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
