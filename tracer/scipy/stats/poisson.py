"""``graphjit.scipy.stats.poisson`` (``jax.scipy.stats.poisson``).

``cdf`` needs the regularized upper incomplete gamma function, which graphjit
does not have yet: it raises ``UnsupportedError``.

>>> round(float(pmf(2, 1.0)), 6)
0.18394
"""
from __future__ import annotations

from typing import Any

import numpy as np

import tracer.numpy as tnp
from tracer import lax
from tracer.scipy.special import xlogy
from tracer.scipy._util import promote_inexact, quiet, unsupported

Array = Any
ArrayLike = Any

__all__ = ["cdf", "logpmf", "pmf"]


@quiet
def logpmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``k log mu - log k! - mu`` for integer ``k - loc >= 0``, ``-inf`` elsewhere.

    >>> round(float(logpmf(0, 2.0)), 6)
    -2.0
    """
    k, mu, loc = promote_inexact("poisson.logpmf", k, mu, loc)
    x = k - loc
    log_probs = xlogy(x, mu) - lax.lgamma(x + 1.0) - mu
    return tnp.where((x < 0) | (tnp.round(k) != k), -np.inf, log_probs)


@quiet
def pmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0) -> Array:
    """``P(X = k)``.

    >>> round(float(pmf(0, 2.0)), 6)
    0.135335
    """
    return tnp.exp(logpmf(k, mu, loc))


cdf = unsupported("scipy.stats.poisson.cdf", "needs the regularized upper incomplete gamma "
                  "function (gammaincc), which graphjit does not have yet")
