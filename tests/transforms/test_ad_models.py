"""Autodiff of small models against JAX itself (float64, rtol 1e-10).

Each model is written once against a library namespace ``L`` (``L.np``,
``L.lax``, ``L.nn``) and run twice: with ``tracer.numpy``/``tracer.lax``/
``tracer.nn`` and with ``jax.numpy``/``jax.lax``/``jax.nn``, so both sides run
literally the same program.  Gradients are taken with respect to a pytree of
parameters (a dict of arrays) and compared leaf by leaf; the small models also
compare ``jacfwd``, ``jacrev`` and ``hessian``.  Every graphjit gradient is
also recorded with ``make_graph``, typechecked and evaluated with
``eval_graph`` on the NumPy backend.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Callable

import jax
import numpy as np
import pytest
from jax import tree_util

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

import tracer.lax as glax  # noqa: E402
import tracer.nn as gnn  # noqa: E402
import tracer.numpy as tnp  # noqa: E402
from backends import Array  # noqa: E402
from tracer import eval_graph, make_graph, typecheck  # noqa: E402
from transforms import grad, hessian, jacfwd, jacrev, value_and_grad  # noqa: E402

GJ = SimpleNamespace(np=tnp, lax=glax, nn=gnn, grad=grad, value_and_grad=value_and_grad,
                     jacfwd=jacfwd, jacrev=jacrev, hessian=hessian)
JX = SimpleNamespace(np=jnp, lax=jax.lax, nn=jax.nn, grad=jax.grad,
                     value_and_grad=jax.value_and_grad, jacfwd=jax.jacfwd,
                     jacrev=jax.jacrev, hessian=jax.hessian)

RTOL, ATOL = 1e-10, 1e-12


def assert_tree_close(ours: Any, theirs: Any, rtol: float = RTOL, atol: float = ATOL) -> None:
    """Same pytree structure, same shapes and dtypes, values within tolerance."""
    o_leaves, o_tree = tree_util.tree_flatten(ours)
    t_leaves, t_tree = tree_util.tree_flatten(theirs)
    assert o_tree == t_tree, f"pytree structure {o_tree} != jax's {t_tree}"
    for o, t in zip(o_leaves, t_leaves):
        o_np, t_np = np.asarray(o), np.asarray(t)
        assert o_np.shape == t_np.shape, f"shape {o_np.shape} != jax's {t_np.shape}"
        assert o_np.dtype == t_np.dtype, f"dtype {o_np.dtype} != jax's {t_np.dtype}"
        np.testing.assert_allclose(o_np, t_np, rtol=rtol, atol=atol)


def _rand(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    return rng.standard_normal(shape) * scale


def _onehot(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    return np.eye(k)[rng.integers(0, k, size=n)]


# -- the models: L is GJ or JX ----------------------------------------------------


def mlp_out(L: Any, p: dict, x: Any) -> Any:
    """Three dense layers, tanh between."""
    h = L.np.tanh(x @ p["w1"] + p["b1"])
    h = L.np.tanh(h @ p["w2"] + p["b2"])
    return h @ p["w3"] + p["b3"]


def mlp_loss(L: Any, p: dict, x: Any, y: Any) -> Any:
    return L.np.mean((mlp_out(L, p, x) - y) ** 2)


def mlp_data(rng: np.random.Generator, din: int = 4, width: int = 5, dout: int = 3,
             batch: int = 6) -> tuple[dict, tuple]:
    p = {"w1": _rand(rng, din, width, scale=0.5), "b1": _rand(rng, width, scale=0.1),
         "w2": _rand(rng, width, width, scale=0.5), "b2": _rand(rng, width, scale=0.1),
         "w3": _rand(rng, width, dout, scale=0.5), "b3": _rand(rng, dout, scale=0.1)}
    return p, (_rand(rng, batch, din), _rand(rng, batch, dout))


def cnn_out(L: Any, p: dict, x: Any) -> Any:
    """conv (SAME) + bias + relu, 2x2 max-pool with reduce_window, dense."""
    h = L.lax.conv_general_dilated(x, p["k"], (1, 1), "SAME",
                                   dimension_numbers=("NCHW", "OIHW", "NCHW"))
    h = L.nn.relu(h + p["kb"][None, :, None, None])
    h = L.lax.reduce_window(h, -np.inf, L.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
    h = L.np.reshape(h, (h.shape[0], -1))
    return h @ p["w"] + p["b"]


def cnn_loss(L: Any, p: dict, x: Any, labels: Any) -> Any:
    logits = cnn_out(L, p, x)
    return -L.np.mean(L.np.sum(labels * L.nn.log_softmax(logits, axis=-1), axis=-1))


def cnn_data(rng: np.random.Generator) -> tuple[dict, tuple]:
    n, c, hw, f, k = 2, 2, 6, 3, 4
    p = {"k": _rand(rng, f, c, 3, 3, scale=0.4), "kb": _rand(rng, f, scale=0.1),
         "w": _rand(rng, f * (hw // 2) ** 2, k, scale=0.3), "b": _rand(rng, k, scale=0.1)}
    return p, (_rand(rng, n, c, hw, hw), _onehot(rng, n, k))


def rnn_loss(L: Any, p: dict, xs: Any, ys: Any) -> Any:
    """Elman RNN over time with lax.scan; loss on every step's output and the last state."""
    def step(h: Any, x: Any) -> tuple[Any, Any]:
        h = L.np.tanh(h @ p["wh"] + x @ p["wx"] + p["b"])
        return h, h @ p["wo"]
    h0 = L.np.zeros((xs.shape[1], p["wh"].shape[0]))
    h, outs = L.lax.scan(step, h0, xs)
    return L.np.mean((outs - ys) ** 2) + 0.1 * L.np.sum(h ** 2)


def rnn_data(rng: np.random.Generator) -> tuple[dict, tuple]:
    t, b, d, hid, o = 5, 3, 2, 4, 2
    p = {"wh": _rand(rng, hid, hid, scale=0.5), "wx": _rand(rng, d, hid, scale=0.5),
         "b": _rand(rng, hid, scale=0.1), "wo": _rand(rng, hid, o, scale=0.5)}
    return p, (_rand(rng, t, b, d), _rand(rng, t, b, o))


def xent_out(L: Any, p: dict, x: Any) -> Any:
    return L.nn.softmax(x @ p["w"] + p["b"], axis=-1)


def xent_loss(L: Any, p: dict, x: Any, labels: Any) -> Any:
    """Softmax cross-entropy written out: log of softmax, and log_softmax, averaged."""
    logits = x @ p["w"] + p["b"]
    a = -L.np.mean(L.np.sum(labels * L.np.log(L.nn.softmax(logits, axis=-1)), axis=-1))
    b = -L.np.mean(L.np.sum(labels * L.nn.log_softmax(logits, axis=-1), axis=-1))
    return 0.5 * (a + b)


def xent_data(rng: np.random.Generator) -> tuple[dict, tuple]:
    p = {"w": _rand(rng, 3, 4), "b": _rand(rng, 4, scale=0.1)}
    return p, (_rand(rng, 5, 3), _onehot(rng, 5, 4))


def layernorm_out(L: Any, p: dict, x: Any) -> Any:
    mu = L.np.mean(x, axis=-1, keepdims=True)
    var = L.np.mean((x - mu) ** 2, axis=-1, keepdims=True)
    return (x - mu) / L.np.sqrt(var + 1e-5) * p["gamma"] + p["beta"]


def layernorm_loss(L: Any, p: dict, x: Any, t: Any) -> Any:
    return L.np.sum(L.np.sin(layernorm_out(L, p, x)) * t)


def layernorm_data(rng: np.random.Generator) -> tuple[dict, tuple]:
    p = {"gamma": 1.0 + _rand(rng, 5, scale=0.1), "beta": _rand(rng, 5, scale=0.1)}
    return p, (_rand(rng, 3, 5), _rand(rng, 3, 5))


def attention_out(L: Any, p: dict, x: Any) -> Any:
    """Single-head causal self-attention: softmax(Q K^T / sqrt(d)) V."""
    q, k, v = x @ p["wq"], x @ p["wk"], x @ p["wv"]
    d = q.shape[-1]
    s = q @ L.np.swapaxes(k, -1, -2) / np.sqrt(d)
    n = x.shape[0]
    mask = L.np.tril(L.np.ones((n, n), dtype=bool))
    s = L.np.where(mask, s, -1e9)
    return L.nn.softmax(s, axis=-1) @ v


def attention_loss(L: Any, p: dict, x: Any) -> Any:
    return L.np.mean(L.np.tanh(attention_out(L, p, x)) ** 2)


def attention_data(rng: np.random.Generator) -> tuple[dict, tuple]:
    n, dm, d = 4, 3, 2
    p = {"wq": _rand(rng, dm, d), "wk": _rand(rng, dm, d), "wv": _rand(rng, dm, d)}
    return p, (_rand(rng, n, dm),)


def cond_scan_loss(L: Any, p: dict, xs: Any) -> Any:
    """A lax.cond inside a lax.scan body, both branches closing over parameters."""
    def step(c: Any, x: Any) -> tuple[Any, Any]:
        c = L.lax.cond(x > 0,
                       lambda c, x: c * L.np.sin(x * p["a"]) + p["b"],
                       lambda c, x: c + L.np.cos(x) * p["b"] ** 2,
                       c, x)
        return c, c ** 2
    c, ys = L.lax.scan(step, p["c0"], xs)
    return c + L.np.sum(ys)


def cond_scan_data(rng: np.random.Generator) -> tuple[dict, tuple]:
    p = {"a": np.array(0.7), "b": np.array(-0.3), "c0": np.array(1.2)}
    return p, (np.array([0.5, -1.0, 2.0, -0.2, 1.5]),)


@dataclass(frozen=True)
class Model:
    """A test model: a scalar loss, optionally a non-scalar output, and its data."""

    name: str
    loss: Callable[..., Any]
    data: Callable[[np.random.Generator], tuple[dict, tuple]]
    out: Callable[..., Any] | None = None   # for jacfwd/jacrev of a non-scalar function
    small: bool = False                      # small enough for jacobians and hessians


MODELS = [
    Model("mlp", mlp_loss, mlp_data, mlp_out, small=True),
    Model("cnn", cnn_loss, cnn_data, cnn_out),
    Model("rnn_scan", rnn_loss, rnn_data, small=True),
    Model("softmax_xent", xent_loss, xent_data, xent_out, small=True),
    Model("layernorm", layernorm_loss, layernorm_data, layernorm_out, small=True),
    Model("attention", attention_loss, attention_data, attention_out, small=True),
    Model("cond_in_scan", cond_scan_loss, cond_scan_data, small=True),
]
SMALL = [m for m in MODELS if m.small]
WITH_OUT = [m for m in MODELS if m.small and m.out is not None]


def _ids(models: list[Model]) -> list[str]:
    return [m.name for m in models]


def _setup(model: Model) -> tuple[dict, tuple]:
    return model.data(np.random.default_rng(0))


def _bound(L: Any, fn: Callable[..., Any]) -> Callable[..., Any]:
    return lambda p, *data: fn(L, p, *data)


_JAX_CACHE: dict[tuple[str, str], Any] = {}


def jax_ref(model: Model, what: str) -> Any:
    """JAX's answer for ``what`` (a jax transform name, ``grad01``, ``*_out``), jitted
    and computed once per model: eager JAX compiles every op, which dominates run time."""
    key = (model.name, what)
    if key not in _JAX_CACHE:
        p, data = _setup(model)
        if what == "grad01":
            fn = JX.grad(_bound(JX, model.loss), argnums=(0, 1))
        elif what.endswith("_out"):
            fn = getattr(JX, what[:-4])(_bound(JX, model.out))
            data = data[:1]
        else:
            fn = getattr(JX, what)(_bound(JX, model.loss))
        _JAX_CACHE[key] = jax.jit(fn)(p, *data)
    return _JAX_CACHE[key]


# -- tests ---------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS, ids=_ids(MODELS))
def test_forward_matches_jax(model: Model) -> None:
    p, data = _setup(model)
    assert_tree_close(_bound(GJ, model.loss)(p, *data), _bound(JX, model.loss)(p, *data))


@pytest.mark.parametrize("model", MODELS, ids=_ids(MODELS))
def test_grad_matches_jax(model: Model) -> None:
    p, data = _setup(model)
    ours = GJ.grad(_bound(GJ, model.loss))(p, *data)
    theirs = jax_ref(model, "grad")
    assert isinstance(ours, dict)
    assert all(isinstance(v, Array) for v in ours.values())
    assert_tree_close(ours, theirs)


@pytest.mark.parametrize("model", MODELS, ids=_ids(MODELS))
def test_value_and_grad_matches_jax(model: Model) -> None:
    p, data = _setup(model)
    ours = GJ.value_and_grad(_bound(GJ, model.loss))(p, *data)
    theirs = jax_ref(model, "value_and_grad")
    assert_tree_close(ours, theirs)


@pytest.mark.parametrize("model", MODELS, ids=_ids(MODELS))
def test_grad_graph_typechecks_and_evaluates(model: Model) -> None:
    """The derivative recorded by make_graph is well typed and computes the gradient."""
    p, data = _setup(model)
    g = GJ.grad(_bound(GJ, model.loss))
    cg = make_graph(g)(p, *data)
    typecheck(cg)
    assert len(cg.graph.eqns) > 0
    outs = eval_graph(cg, *tree_util.tree_leaves(((p, *data), {})))
    ours = tree_util.tree_unflatten(cg.out_tree, outs)
    assert_tree_close(ours, jax_ref(model, "grad"))


@pytest.mark.parametrize("model", SMALL, ids=_ids(SMALL))
def test_grad_wrt_params_and_inputs(model: Model) -> None:
    """argnums=(0, 1): gradients with respect to the parameters and the first data array."""
    p, data = _setup(model)
    ours = GJ.grad(_bound(GJ, model.loss), argnums=(0, 1))(p, *data)
    theirs = jax_ref(model, "grad01")
    assert_tree_close(ours, theirs)


@pytest.mark.parametrize("model", SMALL, ids=_ids(SMALL))
@pytest.mark.parametrize("jac", ["jacfwd", "jacrev"])
def test_jacobian_of_loss_matches_jax(model: Model, jac: str) -> None:
    p, data = _setup(model)
    ours = getattr(GJ, jac)(_bound(GJ, model.loss))(p, *data)
    theirs = jax_ref(model, jac)
    assert_tree_close(ours, theirs)


@pytest.mark.parametrize("model", WITH_OUT, ids=_ids(WITH_OUT))
@pytest.mark.parametrize("jac", ["jacfwd", "jacrev"])
def test_jacobian_of_outputs_matches_jax(model: Model, jac: str) -> None:
    """Jacobians of non-scalar model outputs: out.shape + param.shape per leaf."""
    p, data = _setup(model)
    ours = getattr(GJ, jac)(_bound(GJ, model.out))(p, *data[:1])
    theirs = jax_ref(model, jac + "_out")
    assert_tree_close(ours, theirs)


@pytest.mark.parametrize("model", SMALL, ids=_ids(SMALL))
def test_hessian_matches_jax(model: Model) -> None:
    p, data = _setup(model)
    ours = GJ.hessian(_bound(GJ, model.loss))(p, *data)
    theirs = jax_ref(model, "hessian")
    assert_tree_close(ours, theirs, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("model", [m for m in SMALL if m.name in ("mlp", "attention",
                                                                  "cond_in_scan")],
                         ids=["mlp", "attention", "cond_in_scan"])
def test_hessian_graph_typechecks_and_evaluates(model: Model) -> None:
    p, data = _setup(model)
    cg = make_graph(GJ.hessian(_bound(GJ, model.loss)))(p, *data)
    typecheck(cg)
    outs = eval_graph(cg, *tree_util.tree_leaves(((p, *data), {})))
    ours = tree_util.tree_unflatten(cg.out_tree, outs)
    assert_tree_close(ours, jax_ref(model, "hessian"),
                      rtol=1e-9, atol=1e-11)


def test_mlp_float32_grad_keeps_dtype() -> None:
    """float32 in, float32 gradients out (no silent upcast), close to JAX's float32."""
    p, (x, y) = mlp_data(np.random.default_rng(1))
    p32 = {k: v.astype(np.float32) for k, v in p.items()}
    x32, y32 = x.astype(np.float32), y.astype(np.float32)
    ours = GJ.grad(_bound(GJ, mlp_loss))(p32, x32, y32)
    theirs = jax.jit(JX.grad(_bound(JX, mlp_loss)))(p32, x32, y32)
    assert_tree_close(ours, theirs, rtol=1e-4, atol=1e-6)
