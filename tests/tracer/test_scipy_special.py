"""``graphjit.scipy.special`` against ``jax.scipy.special`` (x64 enabled).

Table tests, one row per function (``tests/tracer/scipycheck.py``): values at
random points (float64 and float32, dtype in == dtype out) and at special
points (0, -0, 1, +-inf, NaN, domain bounds, huge and tiny), eagerly and under
``jit`` on XLA; first derivatives (``grad`` in every argument, ``jvp``) at the
random and the special points.  Then the primitives behind them (XLA against
the NumPy backend, the NumPy kernels against SciPy-free identities), the
reductions (``logsumexp``, ``softmax``), ``vmap`` and second derivatives.
"""
from __future__ import annotations

import math
import sys

import jax
import jax.scipy.special as jss
import numpy as np
import pytest

import graphjit as gj
import tracer.numpy as tnp
from backends import numpy_special
from tests.backends.xlacheck import check_xla
from tests.tracer.scipycheck import (Row, assert_close, check_grads, check_jit, check_values,
                                     jax_compiled,
                                     normal, unif)
from tracer import lax
from tracer.errors import UnsupportedError

gss = gj.scipy.special


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
TINY, HUGE = 1e-300, 1e300
BASIC = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, -0.5, -1.5, TINY, HUGE, INF, -INF, NAN, 1e-8, 30.0,
         -30.0]
PROB = [0.0, 1.0, 0.5, -0.1, 1.1, NAN, TINY, 1e-20, math.exp(-2), 1 - 2 ** -53, 1 - 1e-10,
        0.975, 0.025, 1e-5]


def _one(vals: list[float]) -> list[tuple[float]]:
    return [(v,) for v in vals]


_XY = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, INF, -INF, NAN, TINY, 1e6, 7.5]
PAIRS = [(x, y) for x in _XY for y in _XY]

ROWS = [
    Row("erf", gss.erf, jss.erf, [normal(2.0)], _one(BASIC + [6.0, -6.0])),
    Row("erfc", gss.erfc, jss.erfc, [unif(-3, 9)], _one(BASIC + [10.0, 26.0, -26.0]),
        rtol=1e-13, rtol32=3e-6, atol32=1e-37),
    # XLA's erf_inv is good to ~1e-10 relative in float64 (graphjit's NumPy kernel: 1e-15)
    Row("erfinv", gss.erfinv, jss.erfinv, [unif(-1, 1)],
        _one(PROB + [-1.0, -0.5, -(1 - 2 ** -53), 5e-324]), rtol=2e-10, rtol32=1e-5,
        grad_rtol=5e-10),
    # XLA's lgamma/digamma: ~1e-11 relative (worse near their zeros, hence the atol)
    Row("gammaln", gss.gammaln, jss.gammaln, [unif(-8, 20)],
        _one(BASIC + [171.7, -170.5, 1e-5]), rtol=1e-10, atol=1e-13, rtol32=1e-5, atol32=1e-5,
        grad_rtol=1e-9),
    # JAX's polygamma(1, x), digamma's derivative, is off for x < 0 (6e-6 relative at -7.8):
    # the derivative is checked against JAX for x > 0 and against identities below
    Row("digamma", gss.digamma, jss.digamma, [unif(-8, 20)],
        _one(BASIC + [1.4616321449683622, -7.5, 1e-5]), rtol=1e-10, atol=1e-13, rtol32=1e-5,
        atol32=1e-5, grad=False),
    Row("digamma-positive", gss.digamma, jss.digamma, [unif(0.01, 20)],
        _one([0.0, -0.0, -1.0, -2.0, 0.5, 1.0, -0.5, -1.5, TINY, HUGE, INF, -INF, NAN, 1e-8, 30.0,
              1.4616321449683622, 1e5]), rtol=1e-10, atol=1e-13, rtol32=1e-5, atol32=1e-5),
    Row("gamma", gss.gamma, jss.gamma, [unif(-6, 12)],
        _one(BASIC + [171.5, 172.0, -170.5, 5.0]), rtol=1e-10, rtol32=1e-5, grad_rtol=1e-9),
    Row("gammasgn", gss.gammasgn, jss.gammasgn, [unif(-6, 6)], _one(BASIC + [-2.0, -1e300])),
    Row("factorial", gss.factorial, jss.factorial, [unif(-2, 12)], _one(BASIC + [3.0, 170.0]),
        rtol=1e-10, rtol32=1e-5, grad_rtol=1e-9),
    Row("betaln", gss.betaln, jss.betaln, [unif(0.1, 20), unif(0.1, 20)],
        PAIRS + [(1e6, 1e6), (0.5, 1e7), (10.0, 10.0), (8.0, 3.0)], rtol=1e-10, atol=1e-12,
        rtol32=1e-5, atol32=1e-5, grad_rtol=1e-9),
    Row("beta", gss.beta, jss.beta, [unif(0.1, 5), unif(0.1, 5)], PAIRS, rtol=1e-10,
        rtol32=1e-5, grad_rtol=1e-9),
    Row("xlogy", gss.xlogy, jss.xlogy, [normal(2.0), unif(0, 4)], PAIRS),
    Row("xlog1py", gss.xlog1py, jss.xlog1py, [normal(2.0), unif(-1, 3)],
        PAIRS + [(2.0, 1e-20), (0.0, -1.0), (1.0, -1.0)]),
    Row("entr", gss.entr, jss.entr, [unif(-0.5, 3)], _one(BASIC)),
    # p log p - p log q cancels where p == q (to an ulp of p log p, either way)
    Row("rel_entr", gss.rel_entr, jss.rel_entr, [unif(-0.5, 3), unif(-0.5, 3)], PAIRS,
        atol=1e-9, atol32=1e-6, grad_atol=1e-12),
    Row("kl_div", gss.kl_div, jss.kl_div, [unif(-0.5, 3), unif(-0.5, 3)], PAIRS, atol=1e-9,
        atol32=1e-6, grad_atol=1e-12),
    Row("expit", gss.expit, jss.expit, [normal(5.0)], _one(BASIC + [40.0, -40.0, 800.0, -800.0])),
    Row("logit", gss.logit, jss.logit, [unif(0, 1)], _one(PROB + [-1.0, 2.0]),
        rtol32=1e-5, atol32=1e-6),
    Row("ndtr", gss.ndtr, jss.ndtr, [normal(3.0)], _one(BASIC + [8.3, -8.3, -37.0]),
        rtol=1e-13, atol32=1e-37),
    Row("ndtri", gss.ndtri, jss.ndtri, [unif(0, 1)], _one(PROB), rtol=1e-13, rtol32=1e-5),
    Row("log_ndtr", gss.log_ndtr, jss.log_ndtr, [normal(15.0)],
        _one(BASIC + [-20.0, -20.0001, 8.0, 8.0001, -1e10, 1e10, -40.0, 40.0]), rtol=1e-13,
        rtol32=1e-5, atol32=1e-7),     # log(ndtr(x)) near 0 (3 < x < 5): absolute accuracy
    Row("multigammaln-3", lambda a: gss.multigammaln(a, 3),
        lambda a: jss.multigammaln(a, 3), [unif(1.1, 10)], _one([1.0, 1.5, 3.0, INF, NAN]),
        rtol=1e-10, rtol32=1e-5, grad_special=False),
]
IDS = [r.name for r in ROWS]


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_values(row: Row) -> None:
    check_values(row)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_jit_xla(row: Row) -> None:
    check_jit(row)


@pytest.mark.parametrize("row", [r for r in ROWS if r.grad], ids=[r.name for r in ROWS if r.grad])
def test_derivatives(row: Row) -> None:
    check_grads(row)


# -- derivatives at the special points the JAX docs promise --------------------------------


def test_xlogy_derivatives_at_zero() -> None:
    for f, jf, y0 in ((gss.xlogy, jss.xlogy, 0.0), (gss.xlog1py, jss.xlog1py, -1.0)):
        assert float(f(0.0, y0)) == 0.0
        got = gj.grad(f, argnums=(0, 1))(0.0, y0)
        want = jax.grad(jf, argnums=(0, 1))(0.0, y0)
        assert_close(got, want, 0, 0, f.__name__)        # (-inf, nan)
        assert float(gj.grad(f)(0.0, y0)) == -np.inf    # d/dx alone: log(0)
        # at x = 0 and an ordinary y, d/dx is log(y) (not the 0 a plain select would give)
        assert float(gj.grad(f)(0.0, 1.5)) == pytest.approx(float(jax.grad(jf)(0.0, 1.5)))


def test_logit_expit_and_erfinv_at_their_bounds() -> None:
    g = gj.vmap(gj.grad(gss.logit))(np.array([0.0, 1.0, 0.5]))
    np.testing.assert_array_equal(np.asarray(g), [np.inf, np.inf, 4.0])
    g = gj.vmap(gj.grad(gss.expit))(np.array([-np.inf, np.inf, 0.0]))
    np.testing.assert_array_equal(np.asarray(g), [0.0, 0.0, 0.25])
    g = gj.vmap(gj.grad(gss.erfinv))(np.array([-1.0, 1.0, 0.0]))
    np.testing.assert_allclose(np.asarray(g), [np.inf, np.inf, math.sqrt(math.pi) / 2])
    g = gj.jit(gj.vmap(gj.grad(gss.erfinv)))(np.array([-1.0, 1.0, 0.0]))
    np.testing.assert_allclose(np.asarray(g), [np.inf, np.inf, math.sqrt(math.pi) / 2])


def test_digamma_derivative_identities() -> None:
    """trigamma = digamma' against its recurrence and reflection (JAX's is off for x < 0)."""
    d = gj.vmap(gj.grad(gss.digamma))
    x = np.random.default_rng(11).uniform(-9, 9, 64)
    x = x[np.abs(x - np.round(x)) > 0.01]
    np.testing.assert_allclose(np.asarray(d(x)) - np.asarray(d(x + 1)), 1 / x ** 2,
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.asarray(d(1 - x)) + np.asarray(d(x)),
                               math.pi ** 2 / np.sin(math.pi * x) ** 2, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(d(np.array([1.0, 0.5]))),
                               [math.pi ** 2 / 6, math.pi ** 2 / 2], rtol=1e-14)
    # the third derivative of gammaln is finite away from the poles (no NaN from the
    # unselected reflection branch)
    d3 = gj.grad(gj.grad(gj.grad(gss.gammaln)))
    assert np.isfinite(float(d3(2.0))) and np.isfinite(float(d3(-0.5)))
    assert float(d3(2.0)) == pytest.approx(float(jax.grad(jax.grad(jax.grad(jss.gammaln)))(2.0)))


def test_entr_derivative_at_zero() -> None:
    g = gj.vmap(gj.grad(gss.entr))(np.array([0.0, -1.0, 1.0]))
    want = jax.vmap(jax.grad(jss.entr))(np.array([0.0, -1.0, 1.0]))
    assert_close(g, want, 1e-15, 0, "entr'")    # inf, 0, -1


# -- dtypes ---------------------------------------------------------------------------------

DTYPE_NAMES = ["erf", "erfc", "erfinv", "gammaln", "digamma", "expit", "logit", "ndtr", "ndtri",
               "log_ndtr", "entr", "gamma"]


def test_dtypes() -> None:
    x32 = np.array([0.25, 0.5], np.float32)
    for name in DTYPE_NAMES:
        f = getattr(gss, name)
        assert f(x32).dtype == np.float32, name
        assert f(x32.astype(np.float64)).dtype == np.float64, name
        assert f(np.array([0, 1])).dtype == np.float64, name   # ints: NumPy's default float
        assert f(0.5).dtype == np.float64, name                 # a Python float
    # under jit, weakly typed Python scalars keep float32 float32 (one program for all)
    outs = gj.jit(lambda x: [getattr(gss, n)(x * 0.5) for n in DTYPE_NAMES])(x32)
    assert [o.dtype for o in outs] == [np.float32] * len(DTYPE_NAMES)
    assert gss.xlogy(x32, 2.0).dtype == np.float32
    assert gss.xlogy(x32, np.float64(2.0)).dtype == np.float64
    assert gss.logsumexp(x32).dtype == np.float32


# -- the primitives: XLA against the NumPy backend; the NumPy kernels' accuracy ------------

_EDGE = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -2.5, 2.5, 0.3, -0.7, 3.7, -3.7, 20.0, -20.0,
         1e-30, np.inf, -np.inf, np.nan, 1.4616321449683622, 9.5, 0.99999, -0.99999]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_primitives_xla_match_numpy_backend(dtype) -> None:
    """lgamma, digamma, erf_inv, erfc: XLA's CHLO kernels against the NumPy backend's."""
    x = np.concatenate([np.array(_EDGE), np.random.default_rng(5).uniform(-5, 5, 24)])
    tol = 1e-5 if dtype == np.float32 else 2e-10   # XLA's own kernels, see the rows above
    prims = (lax.lgamma, lax.digamma, lax.erf_inv, lax.erfc)
    check_xla(lambda a, s: [(p(a), p(s)) for p in prims], x.astype(dtype),
              np.asarray(dtype(0.75)), rtol=tol, atol=tol)


def test_numpy_kernels_accuracy() -> None:
    """The NumPy backend's kernels against identities (no SciPy): ~1e-15 relative."""
    rng = np.random.default_rng(6)
    x = rng.uniform(0.1, 30, 2000)
    # digamma(x + 1) = digamma(x) + 1/x;  lgamma(x + 1) = lgamma(x) + log(x)
    np.testing.assert_allclose(numpy_special.digamma(x + 1), numpy_special.digamma(x) + 1 / x,
                               rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(numpy_special.lgamma(x + 1), numpy_special.lgamma(x) + np.log(x),
                               rtol=1e-13, atol=1e-13)
    # reflection: digamma(1 - x) - digamma(x) = pi cot(pi x)
    z = rng.uniform(-10, 0, 2000)
    np.testing.assert_allclose(numpy_special.digamma(1 - z) - numpy_special.digamma(z),
                               math.pi / np.tan(math.pi * z), rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(numpy_special.digamma(np.array([1.0, 0.5])),
                               [-np.euler_gamma, -np.euler_gamma - 2 * math.log(2)], rtol=1e-15)
    # erf(erf_inv(p)) == p, erfc(erf_inv(1 - q)) == q in the tail (full relative accuracy)
    p = rng.uniform(-1, 1, 2000)
    np.testing.assert_allclose([math.erf(v) for v in numpy_special.erf_inv(p)], p,
                               rtol=1e-15, atol=1e-16)
    q = 10.0 ** rng.uniform(-16, -1, 200)
    q = 1 - (1 - q)      # representable as 1 - x
    y = numpy_special.erf_inv(1 - q)
    np.testing.assert_allclose([math.erfc(v) for v in y], q, rtol=1e-13)   # erfc: x 2y^2
    np.testing.assert_array_equal(numpy_special.erf_inv(np.array([1.0, -1.0, 1.5, 0.0, -0.0])),
                                  [np.inf, -np.inf, np.nan, 0.0, -0.0])
    assert np.signbit(numpy_special.erf_inv(np.array([-0.0])))[0]
    np.testing.assert_array_equal(
        numpy_special.digamma(np.array([0.0, -1.0, -np.inf, np.inf, np.nan])),
        [np.nan, np.nan, np.nan, np.inf, np.nan])
    np.testing.assert_array_equal(numpy_special.lgamma(np.array([0.0, -2.0, np.inf, -np.inf])),
                                  [np.inf] * 4)


# -- reductions ---------------------------------------------------------------------------------

_A = np.random.default_rng(7).normal(size=(3, 4)) * 3
_B = np.random.default_rng(8).uniform(-1, 2, (3, 4))
_BIG = np.array([[1000.0, 1000.0, -np.inf], [-np.inf, -np.inf, -np.inf]])
LSE_CASES = {
    "all": (_A, {}),
    "axis1-keepdims": (_A, dict(axis=1, keepdims=True)),
    "axis-tuple": (_A, dict(axis=(0, 1))),
    "b": (_A, dict(axis=0, b=_B)),
    "b-sign": (_A, dict(axis=-1, b=_B, return_sign=True)),
    "b-scalar": (_A, dict(b=2.0)),
    "where": (_A, dict(axis=1, where=_A > 0)),
    "inf-rows": (_BIG, dict(axis=1)),
    "f32": (_A.astype(np.float32), dict(axis=0)),
}
_GRAD_CASES = [k for k, (a, kw) in LSE_CASES.items() if "where" not in kw and np.isfinite(a).all()]


def _lse_sum(lse):
    def f(a, kw):
        out = lse(a, **kw)
        return (out[0] if kw.get("return_sign") else out).sum()
    return f


def test_logsumexp() -> None:
    """Every case against JAX (values, dtypes), under jit(xla), and its gradient."""
    def jax_all():
        vals = {k: jss.logsumexp(a, **kw) for k, (a, kw) in LSE_CASES.items()}
        grads = {k: jax.grad(_lse_sum(jss.logsumexp))(*LSE_CASES[k]) for k in _GRAD_CASES}
        return vals, grads

    with np.errstate(all="ignore"):
        want, want_grad = jax.tree.map(np.asarray, jax_compiled(jax_all)())
        got = {k: gss.logsumexp(a, **kw) for k, (a, kw) in LSE_CASES.items()}
    jitted = gj.jit(lambda arrs: {k: gss.logsumexp(arrs[k], **LSE_CASES[k][1])
                                  for k in LSE_CASES})({k: a for k, (a, _) in LSE_CASES.items()})
    for k, (a, _) in LSE_CASES.items():
        tol = 1e-6 if a.dtype == np.float32 else 1e-13
        for g, w in zip(jax.tree.leaves(got[k]), jax.tree.leaves(want[k])):
            assert g.dtype == w.dtype, k
        assert_close(got[k], want[k], tol, tol, f"logsumexp {k}")
        assert_close(jitted[k], want[k], tol, tol, f"jit logsumexp {k}")
    for k in _GRAD_CASES:
        got_grad = gj.grad(_lse_sum(gss.logsumexp))(*LSE_CASES[k])
        assert_close(got_grad, want_grad[k], 1e-5, 1e-6, f"grad logsumexp {k}")


SOFTMAX_AXES = [None, 0, -1, (0, 1)]


def test_softmax_and_log_softmax() -> None:
    x = np.random.default_rng(8).normal(size=(3, 4))
    pairs = [(gss.softmax, jss.softmax), (gss.log_softmax, jss.log_softmax)]

    def both(fns, mod):
        out = []
        for axis in SOFTMAX_AXES:
            for f in fns:
                out.append(f(x, axis=axis))
                out.append(mod.grad(lambda v, f=f, axis=axis: (f(v, axis=axis) * x).sum())(x))
        return out

    want = jax_compiled(lambda: both([jf for _, jf in pairs], jax))()
    got = both([f for f, _ in pairs], gj)
    assert_close(got, want, 1e-12, 1e-14, "softmax/log_softmax and their gradients")


# -- transforms: vmap, second order, compositions -----------------------------------------------


def test_vmap_rows() -> None:
    x = np.random.default_rng(9).uniform(0.1, 3, (4, 5))
    y = np.random.default_rng(10).uniform(0.1, 3, (5,))

    def rows(lib, vmap, grad, x, y):
        return [vmap(lib.xlogy, in_axes=(0, None))(x, y), vmap(lib.gammaln)(x),
                vmap(lambda r: lib.logsumexp(r, b=y))(x),
                vmap(grad(lambda v: lib.log_ndtr(v).sum()))(x - 2.0),
                vmap(vmap(lib.ndtri))(x / 4)]

    want = jax_compiled(lambda x, y: rows(jss, jax.vmap, jax.grad, x, y), x, y)(x, y)
    assert_close(rows(gss, gj.vmap, gj.grad, x, y), want, 1e-10, 1e-13, "vmap rows")
    assert_close(gj.jit(lambda x, y: rows(gss, gj.vmap, gj.grad, x, y))(x, y), want, 1e-10,
                 1e-13, "jit(vmap rows)")


SECOND = [("gammaln", 2.5), ("digamma", 2.5), ("erfinv", 0.3), ("erfc", 0.7), ("xlogy", 1.3),
          ("logit", 0.3), ("ndtri", 0.2), ("log_ndtr", -25.0), ("entr", 0.4), ("betaln", 9.5),
          ("ndtr", -1.5), ("expit", 0.7)]


def _second_fn(lib, name: str):
    f = getattr(lib, name)
    if name in ("xlogy", "betaln"):
        return lambda v: f(v, v + 1.0)
    return f


def test_second_derivatives() -> None:
    want = jax_compiled(lambda: [jax.grad(jax.grad(_second_fn(jss, n)))(x) for n, x in SECOND])()
    got = [gj.grad(gj.grad(_second_fn(gss, n)))(x) for n, x in SECOND]
    for (n, _), g, w in zip(SECOND, got, want):
        assert_close(g, w, 1e-8, 1e-12, f"{n}''")
    # hessian under jit, on the XLA backend (one program)
    cheap = [(n, x) for n, x in SECOND if n in ("gammaln", "xlogy", "erfinv", "log_ndtr")]
    got = gj.jit(lambda: [gj.hessian(_second_fn(gss, n))(np.float64(x)) for n, x in cheap])()
    for (n, _), g in zip(cheap, got):
        assert_close(g, want[SECOND.index(next(p for p in SECOND if p[0] == n))], 1e-8, 1e-12,
                     f"jit(hessian({n}))")


def test_grad_of_jit_and_jit_of_grad() -> None:
    x = np.array([0.3, 1.7, 4.2])
    f = lambda v: (gss.gammaln(v) + gss.xlogy(v, v) + gss.log_ndtr(-v)).sum()  # noqa: E731
    jf = lambda v: (jss.gammaln(v) + jss.xlogy(v, v) + jss.log_ndtr(-v)).sum()  # noqa: E731
    want = jax_compiled(jax.grad(jf), x)(x)
    assert_close(gj.grad(gj.jit(f))(x), want, 1e-10, 0, "grad(jit)")
    assert_close(gj.jit(gj.grad(f))(x), want, 1e-10, 0, "jit(grad)")
    g = gj.make_graph(gj.grad(f))(x)
    gj.typecheck(g)


# -- the module layout and the refusals ----------------------------------------------------------


def test_module_layout() -> None:
    import graphjit.scipy.special as special_mod
    from graphjit.scipy.stats import norm
    assert special_mod is gj.scipy.special
    assert norm is gj.scipy.stats.norm
    assert sys.modules["graphjit.scipy.linalg"] is gj.scipy.linalg
    assert "scipy" in gj.__all__
    for name in gss.__all__:
        assert callable(getattr(gss, name)), name


@pytest.mark.parametrize("name", ["cholesky", "cho_factor", "cho_solve", "solve_triangular",
                                  "expm", "solve", "inv", "det", "lu", "qr", "svd", "eigh"])
def test_linalg_raises_naming_the_issue_and_the_line(name: str) -> None:
    with pytest.raises(UnsupportedError, match=r"issue 15.*test_scipy_special\.py:\d+"):
        getattr(gj.scipy.linalg, name)(np.eye(2), np.ones(2))


def test_linalg_block_diag() -> None:
    import jax.scipy.linalg as jsl
    a, b = np.arange(4.0).reshape(2, 2), np.array([[5.0, 6.0, 7.0]])
    assert_close(gj.scipy.linalg.block_diag(a, b, 3.0), jsl.block_diag(a, b, 3.0), 0, 0,
                 "block_diag")
    assert_close(gj.jit(gj.scipy.linalg.block_diag)(a, b), jsl.block_diag(a, b), 0, 0, "jit")


def test_log_ndtr_checks_series_order() -> None:
    with pytest.raises(ValueError):
        gss.log_ndtr(1.0, series_order=31)
    with pytest.raises(TypeError):
        gss.log_ndtr(1.0, series_order=2.0)
    x = np.array([-30.0, -45.0, 0.5])
    want = jax_compiled(lambda x: jss.log_ndtr(x, series_order=5), x)(x)
    assert_close(gss.log_ndtr(x, series_order=5), want, 1e-14, 0, "series_order=5")


def test_complex_is_refused() -> None:
    with pytest.raises(UnsupportedError, match="complex"):
        gss.erf(tnp.asarray([1j]))
