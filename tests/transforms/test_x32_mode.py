"""32-bit mode (``gj.config.update("jax_enable_x64", False)``): JAX's default dtypes.

The report: graphjit keeps NumPy's dtypes, so ported JAX code (``jnp.zeros((B, H))``,
``jnp.array([1.])``, ``jnp.where(c, -1., 1.)``, ``mean`` of bools) silently ran in
float64, 1.5-3x slower, and failed with float32 data on tangent and conv dtypes.
The reference here is ``jax.numpy`` with x64 off, on the same expressions.
"""
from __future__ import annotations

import os
import subprocess
import sys
import warnings
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import graphjit as gj
import tracer.numpy as tnp
from tracer import dtypes
from tracer.ir import ClosedGraph, Graph

F64 = np.arange(6.0).reshape(2, 3) / 7
I64 = np.arange(6).reshape(2, 3)
I32 = I64.astype(np.int32)
B = np.array([True, False, True])
F32 = F64.astype(np.float32)
F16 = F64.astype(np.float16)
C128 = np.array([1 + 2j, -0.5j])

# name -> expression over a NumPy-like module (tnp or jax.numpy)
CASES: dict[str, Callable[[Any], Any]] = {
    # creation functions and their defaults
    "zeros": lambda m: m.zeros((2, 3)),
    "ones_int": lambda m: m.ones(3, dtype=int),
    "zeros_requested_f64": lambda m: m.zeros(3, dtype=np.float64),
    "full_float": lambda m: m.full(3, 1.5),
    "full_int": lambda m: m.full(3, 2),
    "eye": lambda m: m.eye(3),
    "identity": lambda m: m.identity(2),
    "tri": lambda m: m.tri(3),
    "zeros_like_i64": lambda m: m.zeros_like(I64),
    "ones_like_f64": lambda m: m.ones_like(F64),
    "full_like_i32_float": lambda m: m.full_like(I32, 2.5),
    # literals and conversions
    "array_float_list": lambda m: m.array([1.0, 2.0]),
    "array_int_list": lambda m: m.array([1, 2]),
    "array_bool_list": lambda m: m.array([True]),
    "array_complex_list": lambda m: m.array([1j]),
    "asarray_f64": lambda m: m.asarray(F64),
    "asarray_i64": lambda m: m.asarray(I64),
    "asarray_c128": lambda m: m.asarray(C128),
    "asarray_py_float": lambda m: m.asarray(3.0),
    "asarray_py_int": lambda m: m.asarray(3),
    "astype_f64": lambda m: m.asarray(F32).astype(np.float64),
    "astype_int": lambda m: m.asarray(F64).astype(int),
    "scalar_type_f32": lambda m: m.float32(2.0) * 3.0,
    "scalar_type_i64": lambda m: m.int64(3) + 1,
    # arange / linspace
    "arange_int": lambda m: m.arange(5),
    "arange_float": lambda m: m.arange(0.0, 1.0, 0.25),
    "arange_mixed": lambda m: m.arange(0, 2, 0.5),
    "linspace": lambda m: m.linspace(0, 1, 5),
    "linspace_int": lambda m: m.linspace(0, 10, 5, dtype=int),
    "logspace": lambda m: m.logspace(0, 2, 3),
    # mixed Python scalars
    "add_py_floats": lambda m: m.add(1.0, 2.0),
    "add_py_ints": lambda m: m.add(1, 2),
    "mul_py_int_float": lambda m: m.multiply(2, 1.5),
    "i32_plus_py_float": lambda m: m.asarray(I32) + 1.5,
    "i32_times_py_int": lambda m: m.asarray(I32) * 3,
    "f32_plus_f64": lambda m: m.asarray(F32) + m.asarray(F64),
    "f16_times_py_float": lambda m: m.asarray(F16) * 2.0,
    "i32_true_divide": lambda m: m.asarray(I32) / 2,
    "i32_floor_divide": lambda m: m.asarray(I32) // 2,
    "sqrt_int": lambda m: m.sqrt(I32),
    "sin_f64": lambda m: m.sin(F64),
    "power_int_float": lambda m: m.power(I32, 0.5),
    "logaddexp": lambda m: m.logaddexp(F64, 1.0),
    "hypot_int": lambda m: m.hypot(I32, I32),
    "complex_times_int": lambda m: m.asarray(C128) * 2,
    # reductions of ints and bools
    "sum_i64": lambda m: m.sum(I64),
    "sum_i32": lambda m: m.sum(I32),
    "sum_bool": lambda m: m.sum(B),
    "mean_bool": lambda m: m.mean(B),
    "mean_int": lambda m: m.mean(I64),
    "mean_f64": lambda m: m.mean(F64),
    "prod_i32": lambda m: m.prod(I32),
    "cumsum_bool": lambda m: m.cumsum(B),
    "cumsum_i32": lambda m: m.cumsum(I32),
    "cumprod": lambda m: m.cumprod(F64),
    "var_int": lambda m: m.var(I32),
    "std": lambda m: m.std(F64),
    "max_i64": lambda m: m.max(I64),
    "median_int": lambda m: m.median(I32),
    "percentile": lambda m: m.percentile(F64, 50),
    "argmax": lambda m: m.argmax(F64),
    "argmin_axis": lambda m: m.argmin(F64, axis=0),
    "argsort": lambda m: m.argsort(F64[0]),
    "count_nonzero": lambda m: m.count_nonzero(B),
    "nonzero": lambda m: m.nonzero(B)[0],
    "searchsorted": lambda m: m.searchsorted(F64[0], 0.3),
    "unique": lambda m: m.unique(I64),
    "trace_int": lambda m: m.trace(I64[:, :2]),
    "norm": lambda m: m.linalg.norm(F64),
    # where
    "where_py_floats": lambda m: m.where(B, -1.0, 1.0),
    "where_py_ints": lambda m: m.where(B, -1, 1),
    "where_i32_py_float": lambda m: m.where(B, I32[0], 1.5),
    "where_f32_py_float": lambda m: m.where(B, F32[0], 0.0),
    # contractions and structure
    "matmul_f64": lambda m: m.matmul(F64, F64.T),
    "matmul_int": lambda m: m.matmul(I64, I64.T),
    "dot_f32_f64": lambda m: m.dot(F32, F64.T),
    "einsum": lambda m: m.einsum("ij,kj->ik", F64, F64),
    "outer_py_float": lambda m: m.outer(F64[0], 2.5),
    "concat_i32_f32": lambda m: m.concatenate([I32[0], F32[0]]),
    "stack": lambda m: m.stack([F64[0], F64[1]]),
    "clip": lambda m: m.clip(F64, 0.1, 0.5),
    "round": lambda m: m.round(F64, 2),
    "abs_i64": lambda m: m.abs(I64),
    "sign_i64": lambda m: m.sign(I64),
    "isnan": lambda m: m.isnan(F64),
    "take": lambda m: m.take(F64, np.array([0, 2])),
    "diag": lambda m: m.diag(F64[0]),
    # the same on arrays of the library (tnp's eager shortcuts skip the dispatch)
    "array_argmax": lambda m: m.argmax(m.asarray(F64[0])),
    "array_argmin_int": lambda m: m.argmin(m.asarray(I64[0])),
    "array_sum_int": lambda m: m.sum(m.asarray(I64)),
    "array_cumsum_int": lambda m: m.cumsum(m.asarray(I64[0])),
    "array_mean_int": lambda m: m.mean(m.asarray(I64)),
    "array_max": lambda m: m.max(m.asarray(F64)),
    "array_reshape": lambda m: m.reshape(m.asarray(I64), (3, 2)),
    "array_concat": lambda m: m.concatenate([m.asarray(F64), m.asarray(F64)]),
    "array_dot": lambda m: m.dot(m.asarray(F64[0]), m.asarray(F64[1])),
    "array_where": lambda m: m.where(m.asarray(B), m.asarray(F64[0]), 0.0),
    "array_py_scalar_ops": lambda m: (m.asarray(I64[0]) * 2 + 1) / 3,
}


@pytest.fixture
def x32():
    """graphjit and JAX both in 32-bit mode for the test."""
    with gj.enable_x64(False), jax.enable_x64(False), warnings.catch_warnings():
        warnings.simplefilter("ignore")   # JAX warns when a requested float64 is truncated
        yield


def _close(got: Any, want: Any) -> None:
    assert np.dtype(got.dtype) == np.dtype(want.dtype), (got.dtype, want.dtype)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_dtype_table_against_jax_x64_off(name: str, x32: None) -> None:
    fn = CASES[name]
    want = fn(jnp)
    _close(fn(tnp), want)                          # eagerly
    _close(gj.jit(lambda: fn(tnp))(), want)        # compiled (NumPy data as constants)


def _avals(g: Graph) -> list:
    out = [v.aval for v in g.invars]
    for e in g.eqns:
        out += [v.aval for v in e.outputs]
        for p in e.params.values():
            sub = p.graph if isinstance(p, ClosedGraph) else p if isinstance(p, Graph) else None
            if sub is not None:
                out += _avals(sub)
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_64_bit_value_in_any_graph(name: str, x32: None) -> None:
    cg = gj.make_graph(lambda: CASES[name](tnp))()
    wide = [a for a in _avals(cg.graph) if a.dtype in dtypes.NARROW]
    assert not wide, wide


def test_numpy_differs_from_jax_on_small_int_ufuncs(x32: None) -> None:
    """The one dtype rule 32-bit mode does not take from JAX: NumPy's ufunc loops for
    bool/int8 (``exp(bool)`` is float16 in NumPy, float32 in JAX); only widths change."""
    assert tnp.exp(B).dtype == np.exp(B).dtype == np.float16
    assert jnp.exp(B).dtype == np.float32


# -- transforms ----------------------------------------------------------------------

def _loss(m: Any) -> Callable[[Any], Any]:
    w = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])   # float64 NumPy constant

    def f(x: Any) -> Any:
        return m.sum(m.tanh(w @ x) ** 2) + 0.5 * m.mean(x)
    return f


X = np.array([0.3, -1.2, 0.7])   # float64 NumPy input


@pytest.mark.parametrize("transform", ["grad", "jit_grad", "hessian", "jacfwd", "vmap",
                                       "jvp", "vjp", "value_and_grad"])
def test_transforms_canonicalize_inputs(transform: str, x32: None) -> None:
    def run(api: Any, m: Any) -> Any:
        f = _loss(m)
        if transform == "grad":
            return api.grad(f)(X)
        if transform == "jit_grad":
            return api.jit(api.grad(f))(X)
        if transform == "hessian":
            return api.hessian(f)(X)
        if transform == "jacfwd":
            return api.jacfwd(lambda x: m.sin(x) * 2.0)(X)
        if transform == "vmap":
            return api.vmap(f)(np.stack([X, 2 * X]))
        if transform == "jvp":
            return api.jvp(f, (X,), (np.ones(3),))[1]
        if transform == "vjp":
            out, pull = api.vjp(lambda x: m.cos(x), X)
            return pull(np.ones(3))[0]   # a float64 cotangent, canonicalized
        return api.value_and_grad(f)(X)[1]
    _close(run(gj, tnp), run(jax, jnp))


def _init(m: Any, seed: int = 0) -> dict:
    r = np.random.default_rng(seed)   # float64 NumPy draws, as many JAX ports do
    return {"w1": m.asarray(r.normal(size=(4, 8)) * 0.5), "b1": m.zeros(8),
            "w2": m.asarray(r.normal(size=(8, 1)) * 0.5), "b2": m.zeros(1),
            "k": m.asarray(r.normal(size=(2, 1, 3, 3)) * 0.3)}


def _step(api: Any, m: Any, lax: Any) -> Callable:
    def loss(p: dict, img: Any, y: Any) -> Any:
        h = lax.conv(img, p["k"], (1, 1), "SAME")               # float32 data, conv
        feats = m.mean(h, axis=(2, 3)) @ m.ones((2, 4))         # default-dtype ones
        z = m.tanh(feats @ p["w1"] + p["b1"])
        pred = z @ p["w2"] + p["b2"]
        return m.mean((pred[:, 0] - y) ** 2)

    @api.jit
    def step(p: dict, img: Any, y: Any) -> tuple:
        value, g = api.value_and_grad(loss)(p, img, y)
        return {k: p[k] - 0.1 * g[k] for k in p}, value
    return step


def test_jitted_training_step_stays_float32(x32: None) -> None:
    r = np.random.default_rng(1)
    img = r.normal(size=(5, 1, 6, 6)).astype(np.float32)
    y = r.normal(size=5)                                 # float64 targets, canonicalized
    step_gj, step_jax = _step(gj, tnp, gj.lax), _step(jax, jnp, jax.lax)
    p_gj, p_jax = _init(tnp), _init(jnp)
    for k in p_gj:
        assert p_gj[k].dtype == np.float32, k
    losses_gj, losses_jax = [], []
    for _ in range(4):
        p_gj, l_gj = step_gj(p_gj, img, y)
        p_jax, l_jax = step_jax(p_jax, img, y)
        losses_gj.append(l_gj)
        losses_jax.append(l_jax)
    assert all(v.dtype == np.float32 for v in p_gj.values())
    assert all(v.dtype == np.float32 for v in losses_gj)
    np.testing.assert_allclose(np.array(losses_gj), np.array(losses_jax), rtol=2e-5)
    assert step_gj.num_compiles == 1
    graph = step_gj.trace(p_gj, img, y).graph.graph
    assert not [a for a in _avals(graph) if a.dtype in dtypes.NARROW]


# -- the switch ------------------------------------------------------------------------

def test_config_update_read_and_scoped_switch() -> None:
    assert gj.config.jax_enable_x64 is True          # the default stays 64-bit
    assert tnp.zeros(1).dtype == np.float64
    try:
        gj.config.update("jax_enable_x64", False)
        assert gj.config.jax_enable_x64 is False and gj.config.read("jax_enable_x64") is False
        assert tnp.zeros(1).dtype == np.float32
        with gj.enable_x64(True):
            assert tnp.zeros(1).dtype == np.float64
            assert tnp.arange(2).dtype == np.int64
        assert tnp.arange(2).dtype == np.int32
    finally:
        gj.config.update("jax_enable_x64", True)
    assert tnp.arange(2).dtype == np.int64


def test_scoped_switch_restores_on_error() -> None:
    with pytest.raises(RuntimeError, match="inside"):
        with gj.enable_x64(False):
            raise RuntimeError("inside")
    assert gj.config.jax_enable_x64 is True


def test_bad_config_values_are_refused() -> None:
    with pytest.raises(TypeError, match="True or False"):
        gj.config.update("jax_enable_x64", "no")
    with pytest.raises(AttributeError, match="Unrecognized config option: 'jax_nonsense'"):
        gj.config.update("jax_nonsense", 1)
    assert gj.config.jax_enable_x64 is True


def test_environment_variable_sets_the_mode() -> None:
    code = ("import graphjit as gj; import tracer.numpy as tnp; "
            "print(gj.config.jax_enable_x64, tnp.zeros(1).dtype, tnp.arange(2).dtype)")
    env = dict(os.environ, GRAPHJIT_ENABLE_X64="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["False", "float32", "int32"]


def test_jit_keeps_one_cache_per_mode() -> None:
    f = gj.jit(lambda x: x * 2.0)
    x = np.arange(3.0)
    assert f(x).dtype == np.float64
    with gj.enable_x64(False):
        assert f(x).dtype == np.float32
        assert f(2.0).dtype == np.float32 and f(x).dtype == np.float32
        n32 = f.num_compiles
    assert f(x).dtype == np.float64
    assert f.num_compiles == 1                     # the 64-bit executable was kept
    with gj.enable_x64(False):
        assert f(x).dtype == np.float32 and f.num_compiles == n32
    g = gj.jit(lambda: tnp.zeros(2))                # no arguments: the mode alone decides
    assert g().dtype == np.float64
    with gj.enable_x64(False):
        assert g().dtype == np.float32


def test_python_scalar_argument_is_weak_float32(x32: None) -> None:
    f = gj.jit(lambda x, s: x * s)
    assert f(np.ones(2, np.float16), 2.0).dtype == jax.jit(lambda x, s: x * s)(
        np.ones(2, np.float16), 2.0).dtype == np.float16
    assert f(np.ones(2), 2.0).dtype == np.float32


def test_arrays_made_in_64_bit_mode_are_canonicalized_by_transforms() -> None:
    a = tnp.arange(3.0)
    assert a.dtype == np.float64
    with gj.enable_x64(False):
        assert (a + 1).dtype == np.float64        # eagerly an array keeps its dtype
        assert gj.jit(lambda x: x + 1)(a).dtype == np.float32
        assert gj.grad(lambda x: tnp.sum(x * x))(a).dtype == np.float32


@pytest.mark.parametrize("make", [lambda: tnp.asarray(2**40), lambda: tnp.array([1, 2**40]),
                                  lambda: tnp.ones(2, tnp.int32) + 2**40])
def test_python_int_too_large_for_int32_raises(make: Callable, x32: None) -> None:
    with pytest.raises(OverflowError, match="1099511627776"):
        make()


def test_numpy_int64_arrays_wrap_as_in_jax(x32: None) -> None:
    big = np.array([2**40 + 5])
    assert np.asarray(tnp.asarray(big)).tolist() == np.asarray(jnp.asarray(big)).tolist()
