"""``graphjit.scipy.stats.t``: Student's t distribution (``jax.scipy.stats.t``).

>>> round(float(pdf(0.0, 1.0)), 6)
0.31831
"""
from __future__ import annotations

import math
from typing import Any

import tracer.numpy as tnp
from tracer import lax
from tracer.scipy._util import promote_inexact, quiet

Array = Any
ArrayLike = Any

__all__ = ["logpdf", "pdf"]


@quiet
def logpdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """``log t(x; df, loc, scale)``.

    >>> round(float(logpdf(0.0, 1.0)), 6)
    -1.14473
    """
    x, df, loc, scale = promote_inexact("t.logpdf", x, df, loc, scale)
    scaled_x = (x - loc) / scale
    df_over_two = df / 2.0
    df_plus_one_over_two = df_over_two + 0.5
    normalize_term_const = (scale * scale) * math.pi
    normalize_term_tmp = tnp.log(normalize_term_const * df) / 2.0
    normalize_term = (lax.lgamma(df_over_two) + normalize_term_tmp) \
        - lax.lgamma(df_plus_one_over_two)
    quadratic = (scaled_x * scaled_x) / df
    return -(normalize_term + df_plus_one_over_two * tnp.log1p(quadratic))


@quiet
def pdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1) -> Array:
    """The density ``exp(logpdf)``.

    >>> round(float(pdf(0.0, 1e9)), 6)
    0.398942
    """
    return tnp.exp(logpdf(x, df, loc, scale))
