"""``graphjit.scipy.stats``: ``jax.scipy.stats``' distributions, one module each.

``from graphjit.scipy.stats import norm`` then ``norm.logpdf(x, loc, scale)``,
with ``jax.scipy.stats``' signatures and defaults (``loc=0``, ``scale=1``).
Functions that need a primitive graphjit does not have yet (the incomplete
gamma and beta functions behind ``gamma.cdf``, ``beta.cdf``, ``poisson.cdf``;
the Cholesky factorization behind ``multivariate_normal`` with a full
covariance) raise ``UnsupportedError`` naming it and the user's line.

>>> from graphjit.scipy.stats import norm
>>> round(float(norm.cdf(0.0)), 6)
0.5
"""
from __future__ import annotations

from tracer.scipy.stats import (bernoulli, beta, cauchy, expon, gamma, laplace, logistic,
                                multivariate_normal, norm, poisson, t, uniform)

__all__ = ["bernoulli", "beta", "cauchy", "expon", "gamma", "laplace", "logistic",
           "multivariate_normal", "norm", "poisson", "t", "uniform"]
