"""``graphjit.scipy.stats.multivariate_normal`` (``jax.scipy.stats.multivariate_normal``).

A scalar ``mean`` (univariate), or a vector ``mean`` with a scalar
(isotropic) ``cov``, works today.  A full covariance matrix needs a Cholesky
factorization and a triangular solve, which arrive with the linalg primitives
(issue 15): until then it raises ``UnsupportedError`` naming the user's line.

>>> round(float(logpdf(tnp.zeros(2), tnp.zeros(2), 1.0)), 6)
-1.837877
"""
from __future__ import annotations

import math
from typing import Any

import tracer.numpy as tnp
from tracer.errors import UnsupportedError
from tracer.ir import user_location
from tracer.scipy._util import promote_inexact, quiet

Array = Any
ArrayLike = Any

__all__ = ["logpdf", "pdf"]

_LOG_2PI = math.log(2 * math.pi)


@quiet
def logpdf(x: ArrayLike, mean: ArrayLike, cov: ArrayLike, allow_singular: None = None) -> Array:
    """``log N(x; mean, cov)`` over the last axis of ``x`` and ``mean``.

    >>> round(float(logpdf(0.0, 0.0, 1.0)), 6)
    -0.918939
    """
    if allow_singular is not None:
        raise NotImplementedError("allow_singular argument of multivariate_normal.logpdf")
    x, mean, cov = promote_inexact("multivariate_normal.logpdf", x, mean, cov)
    if not mean.shape:
        return -0.5 * tnp.square(x - mean) / cov - 0.5 * (_LOG_2PI + tnp.log(cov))
    n = mean.shape[-1]
    if not cov.shape:
        y = x - mean
        return (-0.5 * tnp.sum(y * y, axis=-1) / cov
                - n / 2 * (_LOG_2PI + tnp.log(cov)))
    if cov.ndim < 2 or cov.shape[-2:] != (n, n):
        raise ValueError("multivariate_normal.logpdf got incompatible shapes")
    raise UnsupportedError(
        "graphjit.scipy: multivariate_normal.logpdf with a covariance matrix needs a "
        "Cholesky factorization and a triangular solve, which arrive with the linalg "
        "primitives (issue 15); a scalar (isotropic) cov works today "
        f"(called at {user_location()})")


@quiet
def pdf(x: ArrayLike, mean: ArrayLike, cov: ArrayLike) -> Array:
    """The density ``exp(logpdf)``.

    >>> round(float(pdf(0.0, 0.0, 1.0)), 6)
    0.398942
    """
    return tnp.exp(logpdf(x, mean, cov))
