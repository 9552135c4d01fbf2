"""``graphjit.scipy.stats.cauchy`` (``jax.scipy.stats.cauchy``).

>>> round(float(pdf(0.0)), 6)
0.31831
"""
from __future__ import annotations

import math
from typing import Any

import tracer.numpy as tnp
from tracer.scipy._util import promote_inexact, quiet

Array = Any
ArrayLike = Any

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


@quiet
def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``-log(pi scale) - log1p(z^2)``, ``z = (x - loc) / scale``.

    >>> round(float(logpdf(0.0)), 6)
    -1.14473
    """
    x, loc, scale = promote_inexact("cauchy.logpdf", x, loc, scale)
    scaled_x = (x - loc) / scale
    normalize_term = tnp.log(math.pi * scale)
    return -(normalize_term + tnp.log1p(scaled_x * scaled_x))


@quiet
def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density ``exp(logpdf)``.

    >>> round(float(pdf(1.0)), 6)
    0.159155
    """
    return tnp.exp(logpdf(x, loc, scale))


@quiet
def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``1/2 + arctan(z) / pi``.

    >>> float(cdf(1.0))
    0.75
    """
    x, loc, scale = promote_inexact("cauchy.cdf", x, loc, scale)
    scaled_x = (x - loc) / scale
    return 0.5 + (1.0 / math.pi) * tnp.arctan(scaled_x)


@quiet
def logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``log(cdf)``.

    >>> round(float(logcdf(1.0)), 6)
    -0.287682
    """
    return tnp.log(cdf(x, loc, scale))


@quiet
def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``cdf(-x, -loc, scale)``.

    >>> float(sf(1.0))
    0.25
    """
    x, loc, scale = promote_inexact("cauchy.sf", x, loc, scale)
    return cdf(-x, -loc, scale)


@quiet
def logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``logcdf(-x, -loc, scale)``.

    >>> round(float(logsf(1.0)), 6)
    -1.386294
    """
    x, loc, scale = promote_inexact("cauchy.logsf", x, loc, scale)
    return logcdf(-x, -loc, scale)


@quiet
def isf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``tan(pi/2 - pi q) scale + loc``.

    >>> round(float(isf(0.25)), 6)
    1.0
    """
    q, loc, scale = promote_inexact("cauchy.isf", q, loc, scale)
    unscaled = tnp.tan(math.pi / 2 - math.pi * q)
    return unscaled * scale + loc


@quiet
def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``tan(pi q - pi/2) scale + loc``.

    >>> round(float(ppf(0.75)), 6)
    1.0
    """
    q, loc, scale = promote_inexact("cauchy.ppf", q, loc, scale)
    unscaled = tnp.tan(math.pi * q - math.pi / 2)
    return unscaled * scale + loc
