"""``graphjit.scipy.stats.expon``: the exponential distribution (``jax.scipy.stats.expon``).

>>> round(float(pdf(1.0)), 6)
0.367879
"""
from __future__ import annotations

from typing import Any

import numpy as np

import tracer.numpy as tnp
from tracer.scipy._util import promote_inexact, quiet

Array = Any
ArrayLike = Any

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


@quiet
def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``-(x - loc)/scale - log(scale)`` for ``x >= loc``, ``-inf`` below.

    >>> float(logpdf(1.0))
    -1.0
    """
    x, loc, scale = promote_inexact("expon.logpdf", x, loc, scale)
    log_probs = -((x - loc) / scale + tnp.log(scale))
    return tnp.where(x < loc, -np.inf, log_probs)


@quiet
def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density ``exp(logpdf)``.

    >>> float(pdf(0.0))
    1.0
    """
    return tnp.exp(logpdf(x, loc, scale))


@quiet
def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``-expm1(-(x - loc)/scale)`` for ``x >= loc``, 0 below.

    >>> round(float(cdf(1.0)), 6)
    0.632121
    """
    x, loc, scale = promote_inexact("expon.cdf", x, loc, scale)
    neg_scaled_x = (loc - x) / scale
    return tnp.where(x < loc, tnp.zeros_like(neg_scaled_x), -tnp.expm1(neg_scaled_x))


@quiet
def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``-(x - loc)/scale`` for ``x >= loc``, 0 below.

    >>> float(logsf(2.0))
    -2.0
    """
    x, loc, scale = promote_inexact("expon.logsf", x, loc, scale)
    neg_scaled_x = (loc - x) / scale
    return tnp.where(x < loc, tnp.zeros_like(neg_scaled_x), neg_scaled_x)


@quiet
def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``exp(logsf)``.

    >>> round(float(sf(1.0)), 6)
    0.367879
    """
    return tnp.exp(logsf(x, loc, scale))


@quiet
def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``log1p(-sf)``.

    >>> round(float(logcdf(1.0)), 6)
    -0.458675
    """
    return tnp.log1p(-sf(x, loc, scale))


@quiet
def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``loc - scale log1p(-q)`` for ``q`` in ``[0, 1]``, NaN elsewhere.

    >>> round(float(ppf(0.5)), 6)
    0.693147
    """
    q, loc, scale = promote_inexact("expon.ppf", q, loc, scale)
    return tnp.where(tnp.isnan(q) | (q < 0) | (q > 1), np.nan, loc - scale * tnp.log1p(-q))
