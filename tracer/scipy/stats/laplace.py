"""``graphjit.scipy.stats.laplace`` (``jax.scipy.stats.laplace``).

>>> float(pdf(0.0))
0.5
"""
from __future__ import annotations

from typing import Any

import tracer.numpy as tnp
from tracer.scipy._util import promote_inexact, quiet

Array = Any
ArrayLike = Any

__all__ = ["cdf", "logpdf", "pdf"]


@quiet
def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``-|x - loc| / scale - log(2 scale)``.

    >>> round(float(logpdf(1.0)), 6)
    -1.693147
    """
    x, loc, scale = promote_inexact("laplace.logpdf", x, loc, scale)
    linear_term = tnp.abs(x - loc) / scale
    return -(linear_term + tnp.log(2.0 * scale))


@quiet
def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density ``exp(logpdf)``.

    >>> round(float(pdf(1.0)), 6)
    0.18394
    """
    return tnp.exp(logpdf(x, loc, scale))


@quiet
def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``exp(d)/2`` for ``d = (x - loc)/scale <= 0``, ``1 - exp(-d)/2`` above.

    >>> float(cdf(0.0))
    0.5
    """
    x, loc, scale = promote_inexact("laplace.cdf", x, loc, scale)
    diff = (x - loc) / scale
    return tnp.where(diff <= 0, 0.5 * tnp.exp(diff), 1.0 - 0.5 * tnp.exp(-diff))
