"""jit: values vs eager and jax.jit, compile caching and its accounting, AOT, composition."""
from __future__ import annotations

import logging
from typing import Any, Iterator

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import graphjit as gj
import tracer.numpy as tnp
from backends import Array
from tests.util import assert_same, rand
from tracer import lax, make_graph, typecheck
from transforms import grad, jit, vmap
from transforms.jit import RecompileError



@pytest.fixture(autouse=True)
def _x64() -> Iterator[None]:
    """JAX computes in float64 here (NumPy's default), as graphjit does."""
    with jax.enable_x64(True):
        yield


def mlp_loss(params: Any, x: Any, y: Any) -> Any:
    h = tnp.tanh(x @ params["w1"] + params["b1"])
    out = h @ params["w2"] + params["b2"]
    return tnp.mean((out - y) ** 2)


def jax_mlp_loss(params: Any, x: Any, y: Any) -> Any:
    h = jnp.tanh(x @ params["w1"] + params["b1"])
    out = h @ params["w2"] + params["b2"]
    return jnp.mean((out - y) ** 2)


def _params() -> dict[str, np.ndarray]:
    return {"w1": rand((3, 4)), "b1": rand((4,)), "w2": rand((4, 2)), "b2": rand((2,))}


def scan_prog(c: Any, xs: Any) -> Any:
    return lax.scan(lambda c, x: (tnp.sin(c) * x, c * 2.0), c, xs)


def jax_scan_prog(c: Any, xs: Any) -> Any:
    return jax.lax.scan(lambda c, x: (jnp.sin(c) * x, c * 2.0), c, xs)


# -- values --------------------------------------------------------------------


def test_mlp_loss_matches_eager_and_jax() -> None:
    p, x, y = _params(), rand((5, 3)), rand((5, 2))
    got = jit(mlp_loss)(p, x, y)
    assert isinstance(got, Array)
    assert_same(got, mlp_loss(p, x, y))
    assert_same(got, np.asarray(jax.jit(jax_mlp_loss)(p, x, y)))


def test_scan_matches_jax() -> None:
    c, xs = rand((2,)), rand((6, 2))
    got = jit(scan_prog)(c, xs)
    assert_same(got, [np.asarray(v) for v in jax.jit(jax_scan_prog)(c, xs)])


def test_decorator_forms() -> None:
    @jit
    def f(x: Any) -> Any:
        return x * 2.0

    @jit(static_argnums=1)
    def g(x: Any, n: int) -> Any:
        return x * float(n)

    h = jit(static_argnames="n")(lambda x, n: x + n)
    assert f.__name__ == "f"
    assert_same(f(np.ones(2)), np.full(2, 2.0))
    assert_same(g(np.ones(2), 3), np.full(2, 3.0))
    assert_same(h(np.ones(2), n=4.0), np.full(2, 5.0))
    assert gj.jit is jit


def test_pytree_outputs_and_kwargs() -> None:
    f = jit(lambda x, *, scale: {"a": x * scale, "b": (tnp.sin(x), x)})
    out = f(np.arange(3.0), scale=2.0)
    assert_same(out, {"a": np.arange(3.0) * 2, "b": (np.sin(np.arange(3.0)), np.arange(3.0))})


def test_numpy_backend() -> None:
    p, x, y = _params(), rand((5, 3)), rand((5, 2))
    f = jit(mlp_loss, backend="numpy")
    assert_same(f(p, x, y), mlp_loss(p, x, y))
    f(p, x, y)
    assert f.num_compiles == 1


# -- caching and its accounting --------------------------------------------------


def test_repeated_calls_compile_once() -> None:
    f = jit(lambda x, y: tnp.sin(x) * y)
    for _ in range(3):
        f(np.ones(3), np.ones(3))
    assert f.num_compiles == 1
    assert f.compile_log[0].reasons == ("first call",)


def test_new_shape_dtype_and_paths() -> None:
    def loss(params: Any, x: Any) -> Any:
        return tnp.sum(params["w"] * x)

    f = jit(loss)
    f({"w": np.ones(3)}, np.ones(3))
    f({"w": np.ones(4)}, np.ones(4))
    assert f.num_compiles == 2
    assert f.compile_log[1].reasons == ("params['w'] changed shape from (3,) to (4,)",
                                        "x changed shape from (3,) to (4,)")
    f({"w": np.ones(4, np.float32)}, np.ones(4))
    assert f.num_compiles == 3
    assert f.compile_log[2].reasons == ("params['w'] changed dtype from float64 to float32",)
    f({"w": np.ones(3)}, np.ones(3))       # seen before: cached
    assert f.num_compiles == 3


def test_weak_python_scalars() -> None:
    f = jit(lambda x: x * 2)
    assert_same(f(1.0), np.float64(2.0))
    f(2.0)
    assert f.num_compiles == 1
    f(np.float64(1.0))
    assert f.num_compiles == 2
    assert "weakly typed Python scalar" in f.compile_log[1].reasons[0]
    assert f.compile_log[1].reasons[0].startswith("x changed")


def test_static_values() -> None:
    f = jit(lambda x, n: x * n, static_argnums=(1,))
    f(np.ones(2), 2)
    f(np.ones(2), 2)
    assert f.num_compiles == 1
    assert_same(f(np.ones(2), 3), np.full(2, 3.0))
    assert f.num_compiles == 2
    assert f.compile_log[1].reasons == ("static argument 1 ('n') changed from 2 to 3",)


def test_unhashable_static_argument_names_the_line() -> None:
    f = jit(lambda x, shape: x.reshape(shape), static_argnums=1)
    with pytest.raises(TypeError, match=r"unhashable type list.*test_jit\.py:\d+"):
        f(np.ones(4), [2, 2])


def test_non_array_argument_is_a_clear_error() -> None:
    class Model:
        def apply(self, x: Any) -> Any:
            return x * 2.0

    with pytest.raises(TypeError, match=r"type Model is not an array.*test_jit\.py:\d+"):
        jit(Model.apply)(Model(), np.ones(2))
    assert_same(jit(Model.apply, static_argnums=0)(Model(), np.ones(2)), np.full(2, 2.0))


def test_strict_raises_instead_of_recompiling() -> None:
    f = jit(lambda x: x + 1.0, strict=True)
    f(np.ones(2))
    f(np.zeros(2))
    with pytest.raises(RecompileError, match=r"x changed shape from \(2,\) to \(3,\)"):
        f(np.ones(3))
    assert f.num_compiles == 1


def test_log_compiles(caplog: pytest.LogCaptureFixture,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    with caplog.at_level(logging.WARNING, logger="graphjit.jit"):
        f = jit(lambda x: x + 1.0, log_compiles=True)
        f(np.ones(2))
        f(np.ones(3))
        quiet = jit(lambda x: x + 1.0)
        quiet(np.ones(2))
        monkeypatch.setenv("GRAPHJIT_LOG_COMPILES", "1")
        by_env = jit(lambda x: x + 1.0)
        by_env(np.ones(2))
    msgs = [r.getMessage() for r in caplog.records]
    assert len(msgs) == 3
    assert "changed shape" in msgs[1]


def test_cached_call_does_not_trace(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def f(x: Any) -> Any:
        calls.append(1)
        return x * 3.0

    jf = jit(f)
    jf(np.ones(2))
    jf(np.ones(2))
    assert len(calls) == 1


# -- ahead of time -------------------------------------------------------------------


def test_aot_trace_lower_compile() -> None:
    f = jit(lambda x, y: tnp.sin(x) * y)
    x = np.ones(4, np.float32)
    traced = f.trace(x, np.float32(2))
    typecheck(traced.graph)
    assert [e.prim.name for e in traced.graph.eqns] == ["sin", "mul"]
    lowered = f.lower(x, np.float32(2))
    assert "stablehlo.sine" in lowered.as_text()
    compiled = lowered.compile()
    assert_same(compiled(x, np.float32(2)), np.sin(x) * np.float32(2))
    assert compiled.cost_analysis()["flops"] > 0
    assert compiled.memory_analysis().argument_size_in_bytes == 20
    assert "sine" in compiled.as_hlo_text()
    with pytest.raises(TypeError, match="another signature"):
        compiled(np.ones(5, np.float32), np.float32(2))
    assert f.num_compiles == 0


# -- composition ---------------------------------------------------------------------


def f_scalar(x: Any) -> Any:
    return tnp.sum(tnp.sin(x) * x ** 2)


def jf_scalar(x: Any) -> Any:
    return jnp.sum(jnp.sin(x) * x ** 2)


def test_compositions_agree_with_jax() -> None:
    x = rand((4,))
    xs = rand((3, 4))
    assert_same(jit(jit(f_scalar))(x), np.asarray(jax.jit(jax.jit(jf_scalar))(x)))
    assert_same(jit(grad(f_scalar))(x), np.asarray(jax.jit(jax.grad(jf_scalar))(x)))
    assert_same(grad(jit(f_scalar))(x), np.asarray(jax.grad(jax.jit(jf_scalar))(x)))
    assert_same(vmap(jit(f_scalar))(xs), np.asarray(jax.vmap(jax.jit(jf_scalar))(xs)))
    assert_same(jit(vmap(grad(f_scalar)))(xs),
                np.asarray(jax.jit(jax.vmap(jax.grad(jf_scalar)))(xs)))


def test_grad_of_jit_mlp_and_inner_jit_is_not_compiled() -> None:
    p, x, y = _params(), rand((5, 3)), rand((5, 2))
    inner = jit(mlp_loss)
    before = inner.num_compiles   # the compile log is mlp_loss's, shared by every jit
    got = grad(inner)(p, x, y)
    want = jax.grad(jax_mlp_loss)(p, x, y)
    assert_same(got, jax.tree_util.tree_map(np.asarray, want))
    assert inner.num_compiles == before
    (eqn,) = make_graph(inner)(p, x, y).graph.eqns
    assert eqn.prim.name == "call"
    assert "tanh" in [e.prim.name for e in eqn.params["graph"].graph.eqns]


def test_jit_closure_over_outer_tracer() -> None:
    def outer(a: Any) -> Any:
        return jit(lambda x: x * a)(np.ones(3)).sum()
    assert_same(grad(outer)(2.0), np.float64(3.0))


def test_jit_under_a_transform_is_one_call_equation() -> None:
    x, xs = rand((4,)), rand((3, 4))
    cg = make_graph(jit(f_scalar))(x)
    typecheck(cg)
    assert [e.prim.name for e in cg.graph.eqns] == ["call"]
    for g in [make_graph(vmap(jit(f_scalar)))(xs), make_graph(grad(jit(f_scalar)))(x),
              make_graph(jit(jit(f_scalar)))(x)]:
        typecheck(g)
    assert_same(gj.jvp(jit(f_scalar), (x,), (np.ones(4),)),
                tuple(np.asarray(v) for v in jax.jvp(jf_scalar, (x,), (np.ones(4),))))
    assert_same(jit(lambda x: grad(grad(jit(lambda y: tnp.sin(y) * y)))(x))(1.5),
                np.asarray(jax.grad(jax.grad(lambda y: jnp.sin(y) * y))(1.5)))


def test_call_lowers_to_xla() -> None:
    from tests.backends.xlacheck import check_xla
    w = rand((4,))
    check_xla(lambda x: jit(lambda y: tnp.sin(y) * w)(x) + 1.0, rand((4,)))
