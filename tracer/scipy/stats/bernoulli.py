"""``graphjit.scipy.stats.bernoulli`` (``jax.scipy.stats.bernoulli``).

>>> round(float(pmf(1, 0.3)), 6)
0.3
"""
from __future__ import annotations

from typing import Any

import numpy as np

import tracer.numpy as tnp
from tracer.scipy.special import xlog1py, xlogy
from tracer.scipy._util import const, promote_inexact, quiet

Array = Any
ArrayLike = Any

__all__ = ["cdf", "logpmf", "pmf", "ppf"]


@quiet
def logpmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``log P(X = k)``: ``k log p + (1 - k) log(1 - p)`` on ``{0, 1}``, ``-inf`` elsewhere.

    >>> round(float(logpmf(0, 0.25)), 6)
    -0.287682
    """
    k, p, loc = promote_inexact("bernoulli.logpmf", k, p, loc)
    x = k - loc
    log_probs = xlogy(x, p) + xlog1py(1.0 - x, -p)
    return tnp.where((x < 0) | (x > 1), -np.inf, log_probs)


@quiet
def pmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``P(X = k)``.

    >>> round(float(pmf(0, 0.25)), 6)
    0.75
    """
    return tnp.exp(logpmf(k, p, loc))


@quiet
def cdf(k: ArrayLike, p: ArrayLike) -> Array:
    """``P(X <= k)`` (NaN for ``p`` outside ``[0, 1]``).

    >>> float(cdf(0.5, 0.25))
    0.75
    """
    k, p = promote_inexact("bernoulli.cdf", k, p)
    bad = tnp.isnan(k) | tnp.isnan(p) | (p < 0) | (p > 1)
    inner = tnp.where(k < 0, 0.0, tnp.where(k < 1, 1.0 - p, 1.0))
    return tnp.where(bad, np.nan, inner)


@quiet
def ppf(q: ArrayLike, p: ArrayLike) -> Array:
    """The quantile function: 0 where ``q <= 1 - p``, else 1.

    >>> float(ppf(0.9, 0.25))
    1.0
    """
    q, p = promote_inexact("bernoulli.ppf", q, p)
    bad = tnp.isnan(q) | tnp.isnan(p) | (p < 0) | (p > 1) | (q < 0) | (q > 1)
    return tnp.where(bad, np.nan, tnp.where(q <= 1.0 - p, const(q, 0), const(q, 1)))
