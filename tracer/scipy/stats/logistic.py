"""``graphjit.scipy.stats.logistic`` (``jax.scipy.stats.logistic``).

>>> float(pdf(0.0))
0.25
"""
from __future__ import annotations

from typing import Any

import tracer.numpy as tnp
from tracer.scipy.special import expit, logit
from tracer.scipy._util import promote_inexact, quiet

Array = Any
ArrayLike = Any

__all__ = ["cdf", "isf", "logpdf", "pdf", "ppf", "sf"]


@quiet
def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``-2 logaddexp(z/2, -z/2) - log(scale)``, ``z = (x - loc) / scale``.

    >>> round(float(logpdf(0.0)), 6)
    -1.386294
    """
    x, loc, scale = promote_inexact("logistic.logpdf", x, loc, scale)
    z = (x - loc) / scale
    half_z = z / 2.0
    return -2.0 * tnp.logaddexp(half_z, -half_z) - tnp.log(scale)


@quiet
def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density ``exp(logpdf)``.

    >>> round(float(pdf(1.0)), 6)
    0.196612
    """
    return tnp.exp(logpdf(x, loc, scale))


@quiet
def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``expit((x - loc) / scale)``.

    >>> float(cdf(0.0))
    0.5
    """
    x, loc, scale = promote_inexact("logistic.cdf", x, loc, scale)
    return expit((x - loc) / scale)


@quiet
def sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``expit(-(x - loc) / scale)``.

    >>> float(sf(0.0))
    0.5
    """
    x, loc, scale = promote_inexact("logistic.sf", x, loc, scale)
    return expit(-((x - loc) / scale))


@quiet
def ppf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``logit(q) scale + loc``.

    >>> float(ppf(0.5))
    0.0
    """
    x, loc, scale = promote_inexact("logistic.ppf", x, loc, scale)
    return logit(x) * scale + loc


@quiet
def isf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``-logit(q) scale + loc``.

    >>> float(isf(0.5))
    0.0
    """
    x, loc, scale = promote_inexact("logistic.isf", x, loc, scale)
    return -logit(x) * scale + loc
