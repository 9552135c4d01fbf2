"""``vmap`` of whole programs against ``jax.vmap`` (float64, x64 enabled).

Every program is written once against a library namespace ``L`` (``L.np``,
``L.lax``, ``L.vmap``, ``L.grad`` ...) and run with graphjit and with JAX, so
both sides run literally the same code.  Covered: per-example gradients
(``vmap(grad(loss), in_axes=(None, 0, 0))``) of an MLP, ``grad`` of a
``vmap``-ed loss, nested ``vmap`` with different ``in_axes``/``out_axes``, a
``scan`` RNN, ``cond``/``switch``/``while_loop`` with batched predicates,
matrix products with both operands batched on different axes, the vmap-based
``jacfwd``/``jacrev``/``hessian`` on pytree inputs, the ``in_axes`` forms (ints,
None, negative ints, pytree prefixes of dict arguments, keyword arguments
batched along axis 0) and the errors users see, each naming the line of this
file that called the batched function.  Every batched graph recorded with
``make_graph`` typechecks and evaluates to the same result on the NumPy
backend.
"""
from __future__ import annotations

import inspect
import os
from types import SimpleNamespace
from typing import Any, Callable

import jax
import numpy as np
import pytest
from jax import tree_util

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

import tracer.lax as glax  # noqa: E402
import tracer.numpy as tnp  # noqa: E402
from backends import Array  # noqa: E402
from tracer import eval_graph, make_graph, typecheck  # noqa: E402
from transforms import (grad, hessian, jacfwd, jacrev, linearize, value_and_grad,  # noqa: E402
                        vjp, vmap)
from transforms.vmap import BatchingError  # noqa: E402

GJ = SimpleNamespace(np=tnp, lax=glax, vmap=vmap, grad=grad, value_and_grad=value_and_grad,
                     jacfwd=jacfwd, jacrev=jacrev, hessian=hessian, vjp=vjp, linearize=linearize)
JX = SimpleNamespace(np=jnp, lax=jax.lax, vmap=jax.vmap, grad=jax.grad,
                     value_and_grad=jax.value_and_grad, jacfwd=jax.jacfwd,
                     jacrev=jax.jacrev, hessian=jax.hessian, vjp=jax.vjp,
                     linearize=jax.linearize)

HERE = os.path.basename(__file__)
RTOL, ATOL = 1e-10, 1e-12
RNG = np.random.default_rng(0)


def _this_line() -> int:
    """The line number of the caller's line."""
    frame = inspect.currentframe()
    assert frame is not None and frame.f_back is not None
    return frame.f_back.f_lineno


def _rand(*shape: int, scale: float = 1.0) -> np.ndarray:
    return RNG.standard_normal(shape) * scale


def assert_tree_close(ours: Any, theirs: Any, rtol: float = RTOL, atol: float = ATOL) -> None:
    """Same pytree structure, shapes and dtypes; values within tolerance."""
    o_leaves, o_tree = tree_util.tree_flatten(ours)
    t_leaves, t_tree = tree_util.tree_flatten(theirs)
    assert o_tree == t_tree, f"pytree structure {o_tree} != jax's {t_tree}"
    for o, t in zip(o_leaves, t_leaves):
        o_np, t_np = np.asarray(o), np.asarray(t)
        assert o_np.shape == t_np.shape, f"shape {o_np.shape} != jax's {t_np.shape}"
        assert o_np.dtype == t_np.dtype, f"dtype {o_np.dtype} != jax's {t_np.dtype}"
        np.testing.assert_allclose(o_np, t_np, rtol=rtol, atol=atol)


def check(program: Callable[[Any], Callable[..., Any]], *args: Any, rtol: float = RTOL,
          atol: float = ATOL, **kwargs: Any) -> Any:
    """``program(L)`` is a batched function: graphjit's equals JAX's eagerly, and its graph
    recorded with ``make_graph`` typechecks and evaluates to the same on the NumPy backend."""
    want = program(JX)(*args, **kwargs)
    got = program(GJ)(*args, **kwargs)
    assert all(isinstance(x, Array) for x in tree_util.tree_leaves(got)), got
    assert_tree_close(got, want, rtol, atol)
    cg = make_graph(program(GJ))(*args, **kwargs)
    typecheck(cg)
    for e in cg.graph.eqns:   # params stay hashable (DESIGN.md section 4)
        hash(e.params)
    outs = eval_graph(cg, *tree_util.tree_leaves((args, kwargs)))
    assert_tree_close(tree_util.tree_unflatten(cg.out_tree, outs), want, rtol, atol)
    return got


# -- the programs: L is GJ or JX -----------------------------------------------------------


def mlp_out(L: Any, p: dict, x: Any) -> Any:
    """Three dense layers, tanh between; ``x`` is one example or a batch."""
    h = L.np.tanh(x @ p["w1"] + p["b1"])
    h = L.np.tanh(h @ p["w2"] + p["b2"])
    return h @ p["w3"] + p["b3"]


def mlp_loss(L: Any, p: dict, x: Any, y: Any) -> Any:
    return L.np.mean((mlp_out(L, p, x) - y) ** 2)


def mlp_params(din: int = 4, width: int = 5, dout: int = 3) -> dict:
    return {"w1": _rand(din, width, scale=0.5), "b1": _rand(width, scale=0.1),
            "w2": _rand(width, width, scale=0.5), "b2": _rand(width, scale=0.1),
            "w3": _rand(width, dout, scale=0.5), "b3": _rand(dout, scale=0.1)}


P_MLP = mlp_params()
XS, YS = _rand(6, 4), _rand(6, 3)


def rnn_loss(L: Any, p: dict, h0: Any, xs: Any) -> Any:
    """Elman RNN over time (one example): ``xs`` is (time, features)."""
    def step(h: Any, x: Any) -> tuple[Any, Any]:
        h = L.np.tanh(h @ p["wh"] + x @ p["wx"] + p["b"])
        return h, L.np.sum(h * p["wo"])
    h, outs = L.lax.scan(step, h0, xs)
    return L.np.sum(outs ** 2) + 0.1 * L.np.sum(h ** 2)


P_RNN = {"wh": _rand(4, 4, scale=0.5), "wx": _rand(2, 4, scale=0.5), "b": _rand(4, scale=0.1),
         "wo": _rand(4, scale=0.5)}


def cond_prog(L: Any, x: Any, w: Any) -> Any:
    """A cond whose predicate depends on the (batched) data."""
    return L.lax.cond(L.np.sum(x * w) > 0,
                      lambda x: L.np.sin(x) * w,
                      lambda x: L.np.cos(x) - w ** 2, x)


def switch_prog(L: Any, i: Any, x: Any) -> Any:
    return L.lax.switch(i, [lambda x: x + 1.0, lambda x: L.np.sin(x), lambda x: x * x], x)


def while_prog(L: Any, x: Any) -> tuple[Any, Any]:
    """Grow ``x`` until its norm passes 10: the trip count differs per example."""
    def body(c: tuple) -> tuple:
        n, v = c
        return n + 1, v * 1.5 + 0.25
    return L.lax.while_loop(lambda c: L.np.sum(c[1] ** 2) < 100.0, body, (0, x))


# -- per-example gradients, grad of vmap --------------------------------------------------


def test_per_example_gradients_of_mlp() -> None:
    g = check(lambda L: L.vmap(L.grad(lambda p, x, y: mlp_loss(L, p, x, y)),
                               in_axes=(None, 0, 0)), P_MLP, XS, YS)
    assert set(g) == set(P_MLP) and g["w1"].shape == (6, 4, 5)
    # the per-example gradients average to the full-batch gradient (mean loss)
    full = grad(lambda p: tnp.mean(vmap(lambda x, y: mlp_loss(GJ, p, x, y))(XS, YS)))(P_MLP)
    for k in P_MLP:
        np.testing.assert_allclose(np.mean(np.asarray(g[k]), axis=0), np.asarray(full[k]),
                                   rtol=1e-12, atol=1e-14)


def test_per_example_value_and_grad_wrt_inputs() -> None:
    check(lambda L: L.vmap(L.value_and_grad(lambda p, x, y: mlp_loss(L, p, x, y),
                                            argnums=(0, 1)), in_axes=(None, 0, 0)),
          P_MLP, XS, YS)


def test_grad_of_vmapped_loss() -> None:
    def program(L: Any) -> Callable:
        def loss(p: dict, xs: Any, ys: Any) -> Any:
            per = L.vmap(lambda x, y: mlp_loss(L, p, x, y))(xs, ys)
            return L.np.mean(per)
        return L.grad(loss)
    check(program, P_MLP, XS, YS)


def test_grad_of_vmap_over_params_axis() -> None:
    """vmap over an ensemble of parameter sets (axis 0 of every leaf), then grad."""
    ens = {k: np.stack([v, 0.5 * v + 0.1]) for k, v in P_MLP.items()}

    def program(L: Any) -> Callable:
        def loss(ps: dict, x: Any, y: Any) -> Any:
            return L.np.sum(L.vmap(lambda p: mlp_loss(L, p, x, y))(ps))
        return L.grad(loss)
    check(program, ens, XS, YS)


def test_vmap_of_mlp_forward_matches_batched_forward() -> None:
    got = check(lambda L: L.vmap(lambda x: mlp_out(L, P_MLP, x)), XS)
    np.testing.assert_allclose(np.asarray(got), np.asarray(mlp_out(GJ, P_MLP, XS)),
                               rtol=1e-13, atol=1e-14)


# -- nested vmap, in_axes / out_axes ---------------------------------------------------------


def _outer(L: Any, a: Any, b: Any) -> Any:
    return L.np.sin(a) * b + L.np.sum(a)


@pytest.mark.parametrize("inner_in,inner_out,outer_in,outer_out", [
    ((0, None), 0, (None, 0), 0),
    ((0, 0), 1, (1, 0), -1),
    ((None, 1), 0, (0, -1), 1),
    ((-1, 0), -1, (0, 2), 0),
])
def test_nested_vmap(inner_in: tuple, inner_out: int, outer_in: tuple, outer_out: int) -> None:
    shapes = {  # (a, b) shapes with the inner and outer batch axes inserted
        ((0, None), (None, 0)): ((3, 2), (4, 2)),
        ((0, 0), (1, 0)): ((3, 4, 2), (4, 3, 2)),
        ((None, 1), (0, -1)): ((4, 2), (2, 3, 4)),
        ((-1, 0), (0, 2)): ((4, 2, 3), (3, 2, 4)),
    }[(inner_in, outer_in)]
    a, b = _rand(*shapes[0]), _rand(*shapes[1])
    check(lambda L: L.vmap(L.vmap(lambda a, b: _outer(L, a, b), in_axes=inner_in,
                                  out_axes=inner_out), in_axes=outer_in, out_axes=outer_out),
          a, b)


def test_triple_nested_vmap_of_grad() -> None:
    x = _rand(2, 3, 4, 5)
    check(lambda L: L.vmap(L.vmap(L.vmap(L.grad(lambda v: L.np.sum(L.np.sin(v) * v))),
                                  in_axes=1, out_axes=1), in_axes=2, out_axes=0), x)


def test_in_axes_ints_none_and_negative() -> None:
    a, b, c = _rand(5, 3), _rand(3), _rand(3, 5)
    check(lambda L: L.vmap(lambda a, b, c: a * b + c, in_axes=(0, None, -1)), a, b, c)
    check(lambda L: L.vmap(lambda a, c: a - c, in_axes=-1, out_axes=-1), a.T, c)
    check(lambda L: L.vmap(lambda a, b, c: L.np.dot(a, b) + c[0], in_axes=[0, None, 1]),
          a, b, c)


def test_in_axes_pytree_prefix_of_dict_arguments() -> None:
    p = {"w": _rand(3, 2), "b": _rand(4, 2)}      # b batched, w shared
    x = _rand(4, 3)

    def f(L: Any, p: dict, x: Any) -> Any:
        return {"y": L.np.tanh(x @ p["w"] + p["b"]), "n": L.np.sum(x)}
    check(lambda L: L.vmap(lambda p, x: f(L, p, x), in_axes=({"w": None, "b": 0}, 0)), p, x)
    check(lambda L: L.vmap(lambda p, x: f(L, p, x), in_axes=({"w": None, "b": 0}, 0),
                           out_axes={"y": 1, "n": 0}), p, x)
    # a tuple argument batched as a whole by one int
    check(lambda L: L.vmap(lambda t, w: t[0] @ w + t[1], in_axes=(0, None)),
          (x, _rand(4, 2)), p["w"])


def test_kwargs_batched_along_axis_0() -> None:
    x, s = _rand(4, 3), _rand(4)

    def program(L: Any) -> Callable:
        return L.vmap(lambda x, scale=1.0: L.np.sin(x) * scale, in_axes=0)
    check(program, x, scale=s)
    w = _rand(3)
    check(lambda L: L.vmap(lambda x, *, w: x @ w + 1.0, in_axes=(0,)), x, w=_rand(4, 3))
    _ = w


def test_axis_size_with_nothing_batched() -> None:
    check(lambda L: L.vmap(lambda x: L.np.cos(x) * 2.0, in_axes=None, axis_size=3), _rand(2))


def test_out_axes_none_for_unbatched_output() -> None:
    check(lambda L: L.vmap(lambda x, w: (x * w, L.np.sum(w)), in_axes=(0, None),
                           out_axes=(0, None)), _rand(4, 3), _rand(3))


# -- control flow ---------------------------------------------------------------------------


def test_vmap_of_scan_rnn() -> None:
    h0, xs = _rand(3, 4, scale=0.3), _rand(5, 3, 2)   # xs: (time, batch, features)
    check(lambda L: L.vmap(lambda h, x: rnn_loss(L, P_RNN, h, x), in_axes=(0, 1)), h0, xs)


def test_per_example_gradients_of_scan_rnn() -> None:
    h0, xs = _rand(4, scale=0.3), _rand(3, 5, 2)
    check(lambda L: L.vmap(L.grad(lambda p, h, x: rnn_loss(L, p, h, x)),
                           in_axes=(None, None, 0)), P_RNN, h0, xs)


def test_vmap_of_cond_with_batched_predicate() -> None:
    x, w = _rand(6, 3), _rand(3)
    preds = np.sum(x * w, axis=1) > 0
    assert preds.any() and not preds.all()   # both branches are taken
    check(lambda L: L.vmap(lambda x: cond_prog(L, x, w)), x)
    check(lambda L: L.vmap(lambda x, w: cond_prog(L, x, w), in_axes=(None, 0)), x[0],
          _rand(5, 3))


def test_vmap_of_cond_with_unbatched_predicate() -> None:
    w = np.array([1.0, 2.0, 3.0])
    check(lambda L: L.vmap(lambda x, w: cond_prog(L, x, w), in_axes=(0, None)),
          np.abs(_rand(4, 3)), w)


def test_vmap_of_switch_with_batched_index() -> None:
    i, x = np.array([0, 2, 1, 5, -1]), _rand(5, 3)
    check(lambda L: L.vmap(lambda i, x: switch_prog(L, i, x)), i, x)


def test_grad_under_vmap_of_cond() -> None:
    x, w = _rand(6, 3), _rand(3)
    check(lambda L: L.vmap(L.grad(lambda x: L.np.sum(cond_prog(L, x, w)))), x)


def test_vmap_of_while_loop_with_batched_predicate() -> None:
    x = np.array([[0.1, 0.2], [3.0, 4.0], [-1.0, 0.5], [20.0, 0.0]])
    n, _ = check(lambda L: L.vmap(lambda x: while_prog(L, x)), x)
    assert len(set(np.asarray(n).tolist())) > 1    # different trip counts per example


def test_vmap_of_fori_loop_with_batched_bound() -> None:
    ns, x = np.array([1, 3, 0, 5]), _rand(4, 2)
    check(lambda L: L.vmap(lambda n, x: L.lax.fori_loop(0, n, lambda i, v: v * 0.5 + i, x)),
          ns, x)


# -- batched matrix products ------------------------------------------------------------------


@pytest.mark.parametrize("in_axes,out_axes,sa,sb", [
    ((0, 2), 0, (5, 2, 3), (3, 4, 5)),
    ((1, 0), 1, (2, 5, 3), (5, 3, 4)),
    ((-1, 1), -1, (2, 3, 5), (3, 5, 4)),
    ((2, None), 0, (2, 3, 5), (3, 4)),
    ((None, 0), 2, (2, 3), (5, 3, 4)),
])
def test_batched_matmul_operands_on_different_axes(in_axes: tuple, out_axes: int,
                                                   sa: tuple, sb: tuple) -> None:
    a, b = _rand(*sa), _rand(*sb)
    check(lambda L: L.vmap(lambda a, b: a @ b, in_axes=in_axes, out_axes=out_axes), a, b)
    check(lambda L: L.vmap(lambda a, b: L.np.einsum("ij,jk->ki", a, b), in_axes=in_axes,
                           out_axes=out_axes), a, b)


def test_batched_matvec_and_dot_products() -> None:
    m, v = _rand(3, 4, 5), _rand(5, 3)
    check(lambda L: L.vmap(lambda m, v: m @ v, in_axes=(0, 1)), m, v)
    check(lambda L: L.vmap(lambda u, v: L.np.dot(u, v), in_axes=(1, 0)), v, _rand(3, 5))


# -- vmap-based jacobians -------------------------------------------------------------------


def test_vmap_of_pullback_and_of_linearized_jvp() -> None:
    """What jacrev/jacfwd are built on: the pullback (a backward walk of a recorded graph
    whose rules bind) and the linearized jvp, batched over cotangents/tangents."""
    cts, ts = _rand(5, 2), _rand(4, 3)

    def pullbacks(L: Any) -> Callable:
        _, pb = L.vjp(lambda p, x: jac_fn(L, p, x)["v"], P_JAC, X_JAC)
        return L.vmap(pb)
    check(pullbacks, cts)

    def pushes(L: Any) -> Callable:
        _, f_jvp = L.linearize(lambda x: jac_fn(L, P_JAC, x), X_JAC)
        return L.vmap(f_jvp, in_axes=1, out_axes=-1)
    check(pushes, ts.T)


def jac_fn(L: Any, p: dict, x: Any) -> dict:
    """A pytree input (dict) and a pytree output (dict of a vector and a scalar)."""
    h = L.np.tanh(p["w"] @ x + p["b"])
    return {"v": h * L.np.sin(x[:2]), "s": L.np.sum(h ** 2) + p["b"][0] * x[1]}


def scalar_fn(L: Any, p: dict, x: Any) -> Any:
    h = L.np.tanh(p["w"] @ x + p["b"])
    return L.np.sum(L.np.sin(h) * x[:2]) + p["b"][1] ** 3


P_JAC = {"w": _rand(2, 3), "b": _rand(2)}
X_JAC = _rand(3)


@pytest.mark.parametrize("jac", ["jacfwd", "jacrev"])
@pytest.mark.parametrize("argnums", [0, 1, (0, 1), (1, 0)])
def test_jacobians_of_pytrees_match_jax(jac: str, argnums: Any) -> None:
    check(lambda L: getattr(L, jac)(lambda p, x: jac_fn(L, p, x), argnums=argnums),
          P_JAC, X_JAC)


@pytest.mark.parametrize("argnums", [0, (0, 1)])
def test_hessian_of_pytrees_matches_jax(argnums: Any) -> None:
    check(lambda L: L.hessian(lambda p, x: scalar_fn(L, p, x), argnums=argnums), P_JAC, X_JAC,
          rtol=1e-9, atol=1e-11)


def test_jacobian_compositions_match_jax() -> None:
    check(lambda L: L.jacfwd(L.jacrev(lambda x: scalar_fn(L, P_JAC, x))), X_JAC)
    check(lambda L: L.jacrev(L.jacfwd(lambda x: scalar_fn(L, P_JAC, x))), X_JAC)
    check(lambda L: L.jacrev(L.jacrev(lambda x: jac_fn(L, P_JAC, x))), X_JAC)


def test_jacobians_under_vmap_match_jax() -> None:
    xs = _rand(4, 3)
    check(lambda L: L.vmap(L.jacfwd(lambda x: jac_fn(L, P_JAC, x))), xs)
    check(lambda L: L.vmap(L.jacrev(lambda p, x: jac_fn(L, p, x)), in_axes=(None, 0)),
          P_JAC, xs)
    check(lambda L: L.vmap(L.hessian(lambda x: scalar_fn(L, P_JAC, x))), xs,
          rtol=1e-9, atol=1e-11)


def test_jacobians_of_scalars_and_empty_arrays() -> None:
    check(lambda L: L.jacfwd(lambda x: L.np.sin(x) * x), 0.7)
    check(lambda L: L.jacrev(lambda x: L.np.sin(x) * x), 0.7)
    check(lambda L: L.jacrev(lambda x: x[:0] * L.np.sum(x)), X_JAC)
    check(lambda L: L.jacfwd(lambda x: L.np.sum(x) * x), X_JAC[:0])


def test_jacobians_with_integer_inputs_and_outputs_match_jax() -> None:
    n = np.arange(3)
    check(lambda L: L.jacrev(lambda x, n: x * n, (0, 1), allow_int=True), X_JAC, n)
    check(lambda L: L.jacfwd(lambda x: (x * 2.0, L.np.argmax(x))), X_JAC)
    with pytest.raises(TypeError, match="jacrev requires real"):
        jacrev(lambda x: (x * 2.0, tnp.argmax(x)))(X_JAC)


@pytest.mark.parametrize("jac", [jacfwd, jacrev, lambda f: hessian(lambda x: tnp.sum(f(x)))],
                         ids=["jacfwd", "jacrev", "hessian"])
def test_jacobian_graphs_do_not_grow_with_the_basis(jac: Callable) -> None:
    """One batched derivative walk, not a Python loop over basis vectors: the recorded
    graph has as many equations for 3 inputs as for 30."""
    def f(x: Any) -> Any:
        return tnp.sin(x) * tnp.cumsum(x) + tnp.sum(x ** 2)
    n3 = len(make_graph(jac(f))(_rand(3)).graph.eqns)
    n30 = len(make_graph(jac(f))(_rand(30)).graph.eqns)
    assert n3 == n30, (n3, n30)


def test_hessian_has_aux_and_vmap() -> None:
    def program(L: Any) -> Callable:
        def f(x: Any) -> tuple:
            return L.np.sum(L.np.sin(x) * x), {"c": L.np.cos(x)}
        return L.vmap(L.hessian(f, has_aux=True))
    check(program, _rand(2, 3), rtol=1e-9, atol=1e-11)


# -- errors name the user's line ------------------------------------------------------------


def test_error_inconsistent_batch_sizes() -> None:
    here = _this_line()
    with pytest.raises(BatchingError) as ei:
        vmap(lambda a, b: a + b)(_rand(3, 2), _rand(4, 2))
    msg = str(ei.value)
    assert "inconsistent sizes" in msg and "(3, 2)" in msg and "(4, 2)" in msg, msg
    assert f"{HERE}:{here + 2}" in msg, msg


def test_error_in_axes_tree_does_not_match_arguments() -> None:
    here = _this_line()
    with pytest.raises(BatchingError) as ei:
        vmap(lambda a, b: a + b, in_axes=(0, 0, 0))(_rand(3), _rand(3))
    assert "3 entries" in str(ei.value) and f"{HERE}:{here + 2}" in str(ei.value), ei.value
    here = _this_line()
    with pytest.raises(BatchingError) as ei:
        vmap(lambda p: p["a"], in_axes=({"a": 0, "c": 0},))({"a": _rand(3), "b": _rand(3)})
    assert "in_axes" in str(ei.value) and f"{HERE}:{here + 2}" in str(ei.value), ei.value
    here = _this_line()
    with pytest.raises(BatchingError) as ei:
        vmap(lambda a: a, in_axes=("0",))(_rand(3))
    assert "ints or None" in str(ei.value) and f"{HERE}:{here + 2}" in str(ei.value)


def test_error_axis_out_of_range() -> None:
    here = _this_line()
    with pytest.raises(BatchingError) as ei:
        vmap(tnp.sin, in_axes=2)(_rand(3, 2))
    assert "in_axes=2" in str(ei.value) and "rank 2" in str(ei.value)
    assert f"{HERE}:{here + 2}" in str(ei.value), ei.value
    here = _this_line()
    with pytest.raises(BatchingError) as ei:
        vmap(tnp.sin, in_axes=-3)(_rand(3, 2))
    assert f"{HERE}:{here + 2}" in str(ei.value), ei.value
    here = _this_line()
    with pytest.raises(BatchingError) as ei:
        vmap(tnp.sin, out_axes=3)(_rand(3, 2))
    assert "out_axes=3" in str(ei.value) and f"{HERE}:{here + 2}" in str(ei.value), ei.value


def test_error_axis_size_missing_when_nothing_is_batched() -> None:
    here = _this_line()
    with pytest.raises(BatchingError) as ei:
        vmap(tnp.sin, in_axes=None)(_rand(3))
    assert "axis_size" in str(ei.value) and f"{HERE}:{here + 2}" in str(ei.value), ei.value
    here = _this_line()
    with pytest.raises(BatchingError) as ei:
        vmap(tnp.sin, axis_size=4)(_rand(3))
    assert "axis_size=4" in str(ei.value) and f"{HERE}:{here + 2}" in str(ei.value)


def test_error_out_axes_none_for_batched_output() -> None:
    here = _this_line()
    with pytest.raises(BatchingError) as ei:
        vmap(lambda x: tnp.sin(x), out_axes=None)(_rand(3, 2))
    assert "out_axes=None" in str(ei.value) and f"{HERE}:{here + 2}" in str(ei.value)


def test_errors_also_under_make_graph_and_grad() -> None:
    """The same errors from inside other transforms still name the user's line."""
    here = _this_line()
    with pytest.raises(BatchingError) as ei:
        make_graph(lambda a, b: vmap(lambda a, b: a * b)(a, b))(_rand(3), _rand(2))
    assert f"{HERE}:{here + 2}" in str(ei.value), ei.value
    here = _this_line()
    with pytest.raises(BatchingError) as ei:
        grad(lambda a: tnp.sum(vmap(tnp.sin, in_axes=1)(a)))(_rand(3))
    assert f"{HERE}:{here + 2}" in str(ei.value), ei.value
