"""``graphjit.scipy.stats`` against ``jax.scipy.stats`` (x64 enabled).

Table tests, one row per function (``tests/tracer/scipycheck.py``): values at
random points and at special points (outside the support, at its bounds,
``+-inf``, NaN, degenerate parameters), float32 in -> float32 out, eagerly
and under ``jit`` on XLA; ``grad`` in every argument (and ``jvp``) against
JAX's.  Then ``multivariate_normal``, ``vmap``, the default ``loc``/``scale``
and the functions that refuse with ``UnsupportedError``.
"""
from __future__ import annotations

import itertools
import math

import jax
import jax.scipy.stats as jst
import numpy as np
import pytest

import graphjit as gj
from graphjit.scipy.stats import norm
from tests.tracer.scipycheck import (Row, assert_close, check_grads, check_jit, check_values,
                                     jax_compiled,
                                     normal, pick, unif)
from tracer.errors import UnsupportedError

gst = gj.scipy.stats


@pytest.fixture(autouse=True, scope="module")
def _x64():
    prev = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", prev)


@pytest.fixture(autouse=True)
def _quiet():
    """The special points make NumPy warn (log(0) in a derivative): that is expected here."""
    with np.errstate(all="ignore"):
        yield


INF, NAN = math.inf, math.nan


def grid(*axes: list[float]) -> list[tuple[float, ...]]:
    return list(itertools.product(*axes))


def row(name: str, gens: list, special: list, **kw) -> Row:
    """A row with the tolerances of O(1) results: JAX's XLA programs fuse multiply-adds,
    so results that cancel to 0 (cdf(-inf) = 0.5 - 0.5) differ from NumPy's by 1e-17;
    float32 results that go through exp/log of O(10) values lose a few ulps."""
    dist, fn = name.split(".")
    kw = dict(dict(atol=1e-14, grad_atol=1e-13, rtol32=1e-5, atol32=1e-30), **kw)
    return Row(name, getattr(getattr(gst, dist), fn), getattr(getattr(jst, dist), fn), gens,
               special, **kw)


LOC_SCALE = [normal(3.0), normal(1.0), unif(0.3, 3.0)]
X_SPECIAL = [0.0, -0.0, 1.5, -2.0, INF, -INF, NAN]
LS_SPECIAL = grid(X_SPECIAL, [0.0, 1.0], [1.0, 0.5, INF])
# cauchy's log cdf at -inf: JAX's fused 0.5 + atan(-inf)/pi is -1e-17, whose log is NaN
LS_FINITE = grid([0.0, -0.0, 1.5, -2.0, 40.0, -40.0], [0.0, 1.0], [1.0, 0.5, INF])
Q_SPECIAL = grid([0.0, 1.0, 0.5, 1e-300, 1 - 2 ** -53, -0.1, 1.1, NAN], [0.0, 2.0], [1.0, 3.0])
Q_LOC_SCALE = [unif(0, 1), normal(1.0), unif(0.3, 3.0)]

ROWS = [
    row("norm.logpdf", LOC_SCALE, LS_SPECIAL + [(1.0, 0.0, 0.0)]),
    row("norm.cdf", LOC_SCALE, LS_SPECIAL + [(-40.0, 0.0, 1.0), (9.0, 0.0, 1.0)], rtol=1e-13),
    row("norm.logcdf", LOC_SCALE, LS_SPECIAL + [(-40.0, 0.0, 1.0), (40.0, 0.0, 1.0)],
        rtol=1e-13, atol32=1e-7),
    row("norm.sf", LOC_SCALE, LS_SPECIAL + [(40.0, 0.0, 1.0)], rtol=1e-13),
    row("norm.logsf", LOC_SCALE, LS_SPECIAL + [(40.0, 0.0, 1.0), (-40.0, 0.0, 1.0)],
        rtol=1e-13, atol32=1e-7),
    row("norm.ppf", Q_LOC_SCALE, Q_SPECIAL, rtol=1e-13, atol32=1e-6),
    row("norm.isf", Q_LOC_SCALE, Q_SPECIAL, rtol=1e-13, atol32=1e-6),
    row("bernoulli.logpmf", [pick(0.0, 1.0, 2.0, -1.0, 0.5), unif(0, 1), pick(0.0, 1.0)],
        grid([0.0, 1.0, 2.0, -1.0, 0.5, NAN], [0.0, 1.0, 0.5, NAN], [0.0, 1.0])),
    row("bernoulli.cdf", [pick(0.0, 1.0, 2.0, -1.0, 0.5), unif(0, 1)],
        grid([0.0, 1.0, 2.0, -1.0, 0.5, NAN], [0.0, 1.0, 0.5, -0.5, 1.5, NAN])),
    row("bernoulli.ppf", [unif(0, 1), unif(0, 1)],
        grid([0.0, 1.0, 0.5, -0.5, 1.5, NAN], [0.0, 1.0, 0.5, -0.5, 1.5, NAN])),
    row("beta.logpdf", [unif(-0.1, 1.1), unif(0.5, 3), unif(0.5, 3), normal(0.1), unif(0.8, 2)],
        grid([0.0, 1.0, 0.5, -0.1, 1.1], [1.0, 0.5, 2.0, 0.0, -1.0], [1.0, 0.5, 2.0, 0.0, -1.0],
             [0.0], [1.0]) + [(0.5, 2.0, 3.0, 0.2, 2.0), (2.2, 2.0, 3.0, 0.2, 2.0)],
        rtol=1e-10, atol32=1e-5),
    row("gamma.logpdf", [unif(-0.5, 6), unif(0.5, 4), normal(0.3), unif(0.5, 2)],
        grid([0.0, -1.0, 1.0, INF, NAN], [1.0, 0.5, 2.0, 0.0], [0.0], [1.0, 2.0]),
        rtol=1e-10, atol32=1e-5),
    row("uniform.logpdf", LOC_SCALE, LS_SPECIAL),
    row("uniform.cdf", LOC_SCALE, LS_SPECIAL),
    row("uniform.ppf", [unif(-0.1, 1.1), normal(1.0), unif(0.3, 3)], Q_SPECIAL),
    row("t.logpdf", [normal(3.0), unif(0.5, 10), normal(1.0), unif(0.3, 3)],
        grid([0.0, 2.0, INF, NAN], [1.0, 3.0, 1e4], [0.0], [1.0, 2.0]), rtol=1e-10,
        atol=1e-10, atol32=1e-5),
    row("laplace.logpdf", LOC_SCALE, LS_SPECIAL),
    row("laplace.cdf", LOC_SCALE, LS_SPECIAL),
    # finite points: at z = NaN or +-inf tnp.logaddexp's derivative is (1/2, 1/2), JAX's NaN
    row("logistic.logpdf", LOC_SCALE, LS_FINITE + [(800.0, 0.0, 1.0)], atol32=1e-6),
    row("logistic.cdf", LOC_SCALE, LS_SPECIAL),
    row("logistic.sf", LOC_SCALE, LS_SPECIAL),
    row("logistic.ppf", Q_LOC_SCALE, Q_SPECIAL, atol32=1e-6),
    row("logistic.isf", Q_LOC_SCALE, Q_SPECIAL, atol32=1e-6),
    row("poisson.logpmf", [pick(0.0, 1.0, 2.0, 5.0, -1.0, 1.5), unif(0.1, 6), pick(0.0, 1.0)],
        grid([0.0, 1.0, 2.5, -1.0, 100.0, NAN], [0.0, 1.0, 1e-300, 50.0], [0.0, 1.0]),
        rtol=1e-10, atol32=1e-5),
    row("cauchy.logpdf", LOC_SCALE, LS_SPECIAL),
    row("cauchy.cdf", LOC_SCALE, LS_SPECIAL),
    row("cauchy.logcdf", LOC_SCALE, LS_FINITE, atol32=1e-6),
    row("cauchy.sf", LOC_SCALE, LS_SPECIAL),
    row("cauchy.logsf", LOC_SCALE, LS_FINITE, atol32=1e-6),
    row("cauchy.ppf", Q_LOC_SCALE, Q_SPECIAL, rtol=1e-10, rtol32=1e-4, atol32=1e-5),
    row("cauchy.isf", Q_LOC_SCALE, Q_SPECIAL, rtol=1e-10, rtol32=1e-4, atol32=1e-5),
    row("expon.logpdf", LOC_SCALE, LS_SPECIAL),
    row("expon.cdf", LOC_SCALE, LS_SPECIAL),
    row("expon.logcdf", LOC_SCALE, LS_SPECIAL, atol32=1e-6),
    row("expon.sf", LOC_SCALE, LS_SPECIAL),
    row("expon.logsf", LOC_SCALE, LS_SPECIAL),
    row("expon.ppf", [unif(-0.1, 1.1), normal(1.0), unif(0.3, 3)], Q_SPECIAL),
]
IDS = [r.name for r in ROWS]


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_values(row: Row) -> None:
    check_values(row)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_jit_xla(row: Row) -> None:
    check_jit(row)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_derivatives(row: Row) -> None:
    check_grads(row)


# pdf/pmf are exp(logpdf/logpmf), whose rows above check values and gradients against JAX
PDFS = [("norm", "pdf", "logpdf", (0.3, 0.5, 2.0)), ("bernoulli", "pmf", "logpmf", (1.0, 0.3)),
        ("beta", "pdf", "logpdf", (0.3, 2.0, 3.0)), ("gamma", "pdf", "logpdf", (1.5, 2.0, 0.1)),
        ("uniform", "pdf", "logpdf", (0.3, 0.0, 2.0)), ("t", "pdf", "logpdf", (0.3, 3.0, 0.2)),
        ("laplace", "pdf", "logpdf", (0.3, 0.5)), ("logistic", "pdf", "logpdf", (0.3, 0.5)),
        ("poisson", "pmf", "logpmf", (2.0, 1.5)), ("cauchy", "pdf", "logpdf", (0.3, 0.5, 2.0)),
        ("expon", "pdf", "logpdf", (0.3, 0.1, 2.0))]


@pytest.mark.parametrize("dist, pdf, logpdf, args", PDFS, ids=[p[0] for p in PDFS])
def test_pdf_is_exp_logpdf(dist: str, pdf: str, logpdf: str, args: tuple) -> None:
    f, logf = getattr(getattr(gst, dist), pdf), getattr(getattr(gst, dist), logpdf)
    args = tuple(np.float64(a) for a in args)
    argnums = tuple(range(len(args)))
    assert_close(f(*args), np.exp(np.asarray(logf(*args))), 1e-15, 0, f"{dist}.{pdf}")
    g = gj.grad(f, argnums=argnums)(*args)
    want = [np.exp(np.asarray(logf(*args))) * np.asarray(d)
            for d in gj.grad(logf, argnums=argnums)(*args)]
    assert_close(g, want, 1e-14, 1e-300, f"grad {dist}.{pdf}")
    assert f(*(np.float32(a) for a in args)).dtype == np.float32


# -- defaults, dtypes, vmap ---------------------------------------------------------------------


def test_defaults_and_dtypes() -> None:
    x32 = np.array([-1.0, 0.5, 2.0], np.float32)
    for dist, fn in [("norm", "logpdf"), ("norm", "cdf"), ("cauchy", "logpdf"),
                     ("logistic", "logpdf"), ("laplace", "logpdf"), ("uniform", "logpdf"),
                     ("expon", "logpdf")]:
        f = getattr(getattr(gst, dist), fn)
        assert f(x32).dtype == np.float32                  # Python-int loc/scale are weak
        assert f(x32, 0.5, 2.0).dtype == np.float32
        assert f(x32, np.float64(0.5)).dtype == np.float64
        assert f(np.array([0, 1])).dtype == np.float64     # ints: NumPy's default float
        x = x32.astype(np.float64)
        assert_close(f(x), f(x, 0, 1), 0, 0, f"{dist}.{fn} defaults loc=0, scale=1")
    assert norm.logpdf(1.0).dtype == np.float64


def test_vmap_and_broadcasting() -> None:
    rng = np.random.default_rng(3)
    x, loc, scale = rng.normal(size=(4, 5)), rng.normal(size=(5,)), rng.uniform(0.5, 2, (4, 1))

    def progs(stats, vmap, grad, x, loc, scale):
        return [stats.norm.logpdf(x, loc, scale),
                vmap(stats.norm.logcdf, in_axes=(0, None, 0))(x, loc, scale),
                vmap(grad(lambda a, l, s: stats.t.logpdf(a, 3.0, l, s).sum(), argnums=(0, 2)),
                     in_axes=(0, None, 0))(x, loc, scale),
                vmap(vmap(stats.gamma.logpdf, in_axes=(0, None)), in_axes=(None, 0))(
                    abs(x[0]), scale[:, 0])]

    want = jax_compiled(lambda *a: progs(jst, jax.vmap, jax.grad, *a), x, loc, scale)(x, loc, scale)
    assert_close(progs(gst, gj.vmap, gj.grad, x, loc, scale), want, 1e-10, 1e-300, "vmap")
    assert_close(gj.jit(lambda *a: progs(gst, gj.vmap, gj.grad, *a))(x, loc, scale), want, 1e-10,
                 1e-300, "jit(vmap)")


def test_a_model_log_likelihood() -> None:
    """A small Bayesian log-density with several distributions: value and gradient, eagerly,
    under jit (xla) and grad(jit), against JAX."""
    rng = np.random.default_rng(4)
    y = rng.normal(1.0, 2.0, 20)
    counts = rng.poisson(3.0, 20).astype(np.float64)
    flags = (rng.random(20) < 0.3).astype(np.float64)

    def log_density(stats, special, theta):
        mu, log_sigma, log_rate, logit_p = theta[0], theta[1], theta[2], theta[3]
        sigma, rate = special.expit(log_sigma) * 5.0, special.expit(log_rate) * 10.0
        return (stats.norm.logpdf(y, mu, sigma).sum() + stats.poisson.logpmf(counts, rate).sum()
                + stats.bernoulli.logpmf(flags, special.expit(logit_p)).sum()
                + stats.norm.logpdf(mu, 0.0, 10.0) + stats.gamma.logpdf(sigma, 2.0)
                + stats.beta.logpdf(special.expit(logit_p), 2.0, 5.0)
                + stats.t.logpdf(log_rate, 4.0) + stats.laplace.logpdf(log_sigma))

    theta = np.array([0.5, 0.1, -0.3, -0.8])
    jax_f = jax.value_and_grad(lambda t: log_density(jst, jax.scipy.special, t))
    want = jax_compiled(jax_f, theta)(theta)
    f = lambda t: log_density(gst, gj.scipy.special, t)  # noqa: E731
    assert_close(gj.value_and_grad(f)(theta), want, 1e-12, 1e-12, "eager")
    assert_close(gj.jit(gj.value_and_grad(f))(theta), want, 1e-12, 1e-12, "jit")
    assert_close(gj.grad(gj.jit(f))(theta), want[1], 1e-12, 1e-12, "grad(jit)")


# -- multivariate_normal ---------------------------------------------------------------------------


def test_multivariate_normal_scalar_and_isotropic() -> None:
    rng = np.random.default_rng(5)
    x, mean = rng.normal(size=(6, 3)), rng.normal(size=(3,))

    def progs(stats, grad, x, mean):
        mvn = stats.multivariate_normal
        return [mvn.logpdf(x, mean, 2.0), mvn.pdf(x, mean, 0.5), mvn.logpdf(x[:, 0], 0.3, 1.5),
                grad(lambda m, c: mvn.logpdf(x, m, c).sum(), argnums=(0, 1))(mean, 2.0)]

    want = jax_compiled(lambda *a: progs(jst, jax.grad, *a), x, mean)(x, mean)
    assert_close(progs(gst, gj.grad, x, mean), want, 1e-12, 1e-300, "multivariate_normal")
    assert_close(gj.jit(lambda *a: progs(gst, gj.grad, *a))(x, mean), want, 1e-12, 1e-300,
                 "jit(multivariate_normal)")
    assert gst.multivariate_normal.logpdf(x.astype(np.float32), mean.astype(np.float32),
                                          1.0).dtype == np.float32


def test_multivariate_normal_full_covariance_is_refused() -> None:
    with pytest.raises(UnsupportedError, match=r"Cholesky.*issue 15.*test_scipy_stats\.py:\d+"):
        gst.multivariate_normal.logpdf(np.zeros(2), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="incompatible shapes"):
        gst.multivariate_normal.logpdf(np.zeros(2), np.zeros(2), np.eye(3))
    with pytest.raises(NotImplementedError):
        gst.multivariate_normal.logpdf(np.zeros(2), np.zeros(2), 1.0, allow_singular=True)


@pytest.mark.parametrize("dist, fn, needs", [
    ("gamma", "cdf", "gammainc"), ("gamma", "sf", "gammainc"), ("beta", "cdf", "betainc"),
    ("beta", "logsf", "betainc"), ("poisson", "cdf", "gammaincc")])
def test_functions_needing_missing_primitives_refuse(dist: str, fn: str, needs: str) -> None:
    with pytest.raises(UnsupportedError, match=rf"{needs}.*test_scipy_stats\.py:\d+"):
        getattr(getattr(gst, dist), fn)(1.0, 2.0)


def test_module_layout() -> None:
    import graphjit.scipy.stats.gamma as gamma_mod
    from graphjit.scipy import stats
    assert gamma_mod is gst.gamma and stats is gst
    for name in stats.__all__:
        assert hasattr(getattr(stats, name), "__all__"), name
