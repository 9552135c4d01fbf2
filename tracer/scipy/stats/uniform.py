"""``graphjit.scipy.stats.uniform`` on ``[loc, loc + scale]`` (``jax.scipy.stats.uniform``).

>>> float(pdf(0.5))
1.0
"""
from __future__ import annotations

from typing import Any

import numpy as np

import tracer.numpy as tnp
from tracer.scipy._util import const, promote_inexact, quiet

Array = Any
ArrayLike = Any

__all__ = ["cdf", "logpdf", "pdf", "ppf"]


@quiet
def logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``-log(scale)`` inside ``[loc, loc + scale]``, ``-inf`` outside.

    >>> round(float(logpdf(1.0, 0.0, 2.0)), 6)
    -0.693147
    """
    x, loc, scale = promote_inexact("uniform.logpdf", x, loc, scale)
    log_probs = -tnp.log(scale)
    return tnp.where((x > loc + scale) | (x < loc), -np.inf, log_probs)


@quiet
def pdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density ``exp(logpdf)``.

    >>> float(pdf(2.0))
    0.0
    """
    return tnp.exp(logpdf(x, loc, scale))


@quiet
def cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``(x - loc) / scale`` clipped to ``[0, 1]`` (0 for NaN, as JAX's select).

    >>> float(cdf(0.25))
    0.25
    """
    x, loc, scale = promote_inexact("uniform.cdf", x, loc, scale)
    hi = loc + scale
    inside = (x >= loc) & (x <= hi)
    return tnp.where(x < loc, const(x, 0), tnp.where(
        x > hi, const(x, 1), tnp.where(inside, (x - loc) / scale, const(x, 0))))


@quiet
def ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``loc + scale q`` for ``q`` in ``[0, 1]``, NaN elsewhere.

    >>> float(ppf(0.5, 1.0, 2.0))
    2.0
    """
    q, loc, scale = promote_inexact("uniform.ppf", q, loc, scale)
    return tnp.where(tnp.isnan(q) | (q < 0) | (q > 1), np.nan, loc + scale * q)
