"""``graphjit.scipy.stats.gamma`` (``jax.scipy.stats.gamma``).

``cdf``/``sf`` (and their logs) need the regularized incomplete gamma
function, which graphjit does not have yet: they raise ``UnsupportedError``.

>>> round(float(pdf(1.0, 1.0)), 6)
0.367879
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

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]


@quiet
def logpdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``log Gamma(x; a, scale)`` for ``x >= loc`` (``-inf`` below).

    >>> round(float(logpdf(2.0, 3.0)), 6)
    -1.306853
    """
    x, a, loc, scale = promote_inexact("gamma.logpdf", x, a, loc, scale)
    ok = x >= loc
    y = tnp.where(ok, (x - loc) / scale, 1.0)
    log_linear_term = xlogy(a - 1.0, y) - y
    shape_terms = lax.lgamma(a) + tnp.log(scale)
    return tnp.where(ok, log_linear_term - shape_terms, -np.inf)


@quiet
def pdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density ``exp(logpdf)``.

    >>> round(float(pdf(2.0, 3.0)), 6)
    0.270671
    """
    return tnp.exp(logpdf(x, a, loc, scale))


_NEEDS = ("needs the regularized incomplete gamma function (gammainc), which graphjit "
          "does not have yet")
cdf = unsupported("scipy.stats.gamma.cdf", _NEEDS)
logcdf = unsupported("scipy.stats.gamma.logcdf", _NEEDS)
sf = unsupported("scipy.stats.gamma.sf", _NEEDS)
logsf = unsupported("scipy.stats.gamma.logsf", _NEEDS)
