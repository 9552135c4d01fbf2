"""``graphjit.scipy.stats.norm``: the normal distribution (``jax.scipy.stats.norm``).

>>> round(float(logpdf(1.0, loc=1.0, scale=2.0)), 6)
-1.612086
"""
from __future__ import annotations

import math
from typing import Any

import tracer.numpy as tnp
from tracer.scipy import special
from tracer.scipy._util import promote_inexact, quiet

Array = Any
ArrayLike = Any

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


@quiet
def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``log N(x; loc, scale^2)``.

    >>> round(float(logpdf(0.0)), 6)
    -0.918939
    """
    x, loc, scale = promote_inexact("norm.logpdf", x, loc, scale)
    scale_sqrd = tnp.square(scale)
    log_normalizer = tnp.log(2 * math.pi * scale_sqrd)
    quadratic = tnp.square(x - loc) / scale_sqrd
    return (log_normalizer + quadratic) / -2.0


@quiet
def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density ``exp(logpdf)``.

    >>> round(float(pdf(0.0)), 6)
    0.398942
    """
    return tnp.exp(logpdf(x, loc, scale))


@quiet
def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``P(X <= x)``.

    >>> round(float(cdf(1.0)), 6)
    0.841345
    """
    x, loc, scale = promote_inexact("norm.cdf", x, loc, scale)
    return special.ndtr((x - loc) / scale)


@quiet
def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``log P(X <= x)``, accurate far into the left tail.

    >>> round(float(logcdf(-30.0)), 4)
    -454.3212
    """
    x, loc, scale = promote_inexact("norm.logcdf", x, loc, scale)
    return special.log_ndtr((x - loc) / scale)


@quiet
def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The quantile function (inverse of ``cdf``).

    >>> round(float(ppf(0.975)), 6)
    1.959964
    """
    q, loc, scale = promote_inexact("norm.ppf", q, loc, scale)
    return special.ndtri(q) * scale + loc


@quiet
def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The survival function ``1 - cdf``, without cancellation.

    >>> round(float(sf(1.0)), 6)
    0.158655
    """
    x, loc, scale = promote_inexact("norm.sf", x, loc, scale)
    return cdf(-x, -loc, scale)


@quiet
def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``log(1 - cdf)``, accurate far into the right tail.

    >>> round(float(logsf(30.0)), 4)
    -454.3212
    """
    x, loc, scale = promote_inexact("norm.logsf", x, loc, scale)
    return logcdf(-x, -loc, scale)


@quiet
def isf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The inverse survival function ``ppf(1 - q)``.

    >>> round(float(isf(0.025)), 6)
    1.959964
    """
    q, loc, scale = promote_inexact("norm.isf", q, loc, scale)
    return ppf(1.0 - q, loc, scale)
