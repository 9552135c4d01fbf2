"""``graphjit.scipy.stats.beta`` (``jax.scipy.stats.beta``).

``cdf``/``sf`` (and their logs) need the regularized incomplete beta function,
which graphjit does not have yet: they raise ``UnsupportedError``.

>>> round(float(pdf(0.5, 2.0, 2.0)), 6)
1.5
"""
from __future__ import annotations

from typing import Any

import numpy as np

import tracer.numpy as tnp
from tracer.scipy.special import betaln, xlog1py, xlogy
from tracer.scipy._util import promote_inexact, quiet, unsupported

Array = Any
ArrayLike = Any

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]


@quiet
def logpdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
           scale: ArrayLike = 1) -> Array:
    """``log Beta(x; a, b)`` on ``[loc, loc + scale]`` (``-inf`` outside, NaN for bad shapes).

    >>> round(float(logpdf(0.5, 2.0, 2.0)), 6)
    0.405465
    """
    x, a, b, loc, scale = promote_inexact("beta.logpdf", x, a, b, loc, scale)
    shape_term = -betaln(a, b)
    y = (x - loc) / scale
    log_linear_term = xlogy(a - 1.0, y) + xlog1py(b - 1.0, -y)
    log_probs = (shape_term + log_linear_term) - tnp.log(scale)
    result = tnp.where((x > loc + scale) | (x < loc), -np.inf, log_probs)
    return tnp.where((a <= 0) | (b <= 0) | (scale <= 0), np.nan, result)


@quiet
def pdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0,
        scale: ArrayLike = 1) -> Array:
    """The density ``exp(logpdf)``.

    >>> round(float(pdf(0.25, 1.0, 1.0)), 6)
    1.0
    """
    return tnp.exp(logpdf(x, a, b, loc, scale))


_NEEDS = ("needs the regularized incomplete beta function (betainc), which graphjit "
          "does not have yet")
cdf = unsupported("scipy.stats.beta.cdf", _NEEDS)
logcdf = unsupported("scipy.stats.beta.logcdf", _NEEDS)
sf = unsupported("scipy.stats.beta.sf", _NEEDS)
logsf = unsupported("scipy.stats.beta.logsf", _NEEDS)
