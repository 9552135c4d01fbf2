"""``checkpoint``/``remat``: values and derivatives equal the unchecked function's and
``jax.checkpoint``'s, and the recorded backward graph really recomputes the forward
(counted equation by equation), as the policy says."""
from __future__ import annotations

import functools
from typing import Any

import jax
import numpy as np
import pytest
from jax import tree_util

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

import tracer.numpy as tnp  # noqa: E402
from backends import Array  # noqa: E402
from tests.transforms.gradcheck import check_grads  # noqa: E402
from tracer import eval_graph, lax, make_graph, typecheck  # noqa: E402
from tracer.ir import ClosedGraph  # noqa: E402
from transforms import (checkpoint, checkpoint_policies, custom_jvp, grad, hessian,  # noqa: E402
                        jacfwd, jacrev, jvp, remat, value_and_grad, vjp)

CP = checkpoint_policies
JCP = jax.checkpoint_policies
POLICIES = {"default": (None, None), "nothing": (CP.nothing_saveable, JCP.nothing_saveable),
            "everything": (CP.everything_saveable, JCP.everything_saveable),
            "dots": (CP.dots_saveable, JCP.dots_saveable),
            "dots_no_batch": (CP.dots_with_no_batch_dims_saveable,
                              JCP.dots_with_no_batch_dims_saveable)}


def close(ours: Any, theirs: Any, rtol: float = 1e-10, atol: float = 1e-12) -> None:
    o_leaves, o_tree = tree_util.tree_flatten(ours)
    t_leaves, t_tree = tree_util.tree_flatten(theirs)
    assert o_tree == t_tree, f"{o_tree} != {t_tree}"
    for o, t in zip(o_leaves, t_leaves):
        o, t = np.asarray(o), np.asarray(t)
        assert o.shape == t.shape, (o.shape, t.shape)
        np.testing.assert_allclose(o, t, rtol=rtol, atol=atol)


def count(cg: Any, name: str) -> int:
    """Equations named ``name`` in a graph, sub-graphs (checkpoint bodies) included."""
    graph = cg.graph if isinstance(cg, ClosedGraph) else cg
    n = 0
    for e in graph.eqns:
        n += e.prim.name == name
        for p in e.params.values():
            for sub in (p if isinstance(p, tuple) else (p,)):
                if isinstance(sub, ClosedGraph):
                    n += count(sub, name)
    return n


def ckpt(f: Any, policy: str, ours: bool = True) -> Any:
    p = POLICIES[policy][0 if ours else 1]
    if ours:
        return checkpoint(f) if p is None else checkpoint(f, policy=p)
    return jax.checkpoint(f) if p is None else jax.checkpoint(f, policy=p)


def sin3(x):
    return tnp.sum(tnp.sin(tnp.sin(tnp.sin(x))))


def j_sin3(x):
    return jnp.sum(jnp.sin(jnp.sin(jnp.sin(x))))


def mlp(w1, w2, x):
    """Two dense layers: the dots are worth saving, the tanh are cheap to recompute."""
    return tnp.sum(tnp.tanh(w2 @ tnp.tanh(w1 @ x)))


def j_mlp(w1, w2, x):
    return jnp.sum(jnp.tanh(w2 @ jnp.tanh(w1 @ x)))


RNG = np.random.default_rng(0)
W1, W2, X = RNG.normal(size=(4, 3)), RNG.normal(size=(2, 4)), RNG.normal(size=(3,))
XV = np.array([0.3, -1.1, 2.0, 0.5])


# ---------------------------------------------------------------------------
# values and the graph representation


def test_eager_call_is_plain_call():
    y = checkpoint(sin3)(XV)
    assert isinstance(y, Array)
    close(y, sin3(XV))
    assert remat is checkpoint


def test_make_graph_has_one_checkpoint_equation():
    cg = make_graph(checkpoint(sin3))(XV)
    assert [e.prim.name for e in cg.graph.eqns] == ["checkpoint"]
    typecheck(cg)
    close(eval_graph(cg, XV)[0], sin3(XV))
    e = cg.graph.eqns[0]
    assert e.params["num_res"] == 0 and e.params["prevent_cse"] is True
    assert count(cg, "sin") == 3
    # a saving policy adds the saved intermediates as trailing outputs
    cg = make_graph(checkpoint(mlp, policy=CP.dots_saveable))(W1, W2, X)
    e = cg.graph.eqns[0]
    assert e.params["num_res"] == 2 and len(e.outputs) == 3 and len(cg.graph.outvars) == 1
    typecheck(cg)


# ---------------------------------------------------------------------------
# the backward pass recomputes the forward, as the policy says


@pytest.mark.parametrize("policy,sins", [("default", 6), ("nothing", 6), ("everything", 3),
                                         ("dots", 6)])
def test_backward_recomputes_elementwise_forward(policy: str, sins: int):
    plain = make_graph(grad(sin3))(XV)
    assert count(plain, "sin") == 3                  # forward once, backward uses cos
    cg = make_graph(grad(ckpt(sin3, policy)))(XV)
    typecheck(cg)
    assert count(cg, "sin") == sins                  # 6: the forward, recomputed
    top = [e for e in cg.graph.eqns if e.prim.name == "sin"]
    assert len(top) == sins - 3
    assert all(e.source.origin_rule == "remat" for e in top)   # tagged as recomputation
    assert all(e.source.file == __file__ for e in top)          # and naming the user's line
    hash(cg.graph.eqns[0].params)
    assert count(cg, "cos") == count(plain, "cos") == 3
    close(eval_graph(cg, XV)[0], jax.grad(ckpt(j_sin3, policy, ours=False))(XV))


@pytest.mark.parametrize("policy,tanh,dots", [("nothing", 4, 7), ("default", 4, 7),
                                              ("everything", 2, 5), ("dots", 4, 5),
                                              ("dots_no_batch", 4, 5)])
def test_dots_saveable_recomputes_elementwise_not_dots(policy: str, tanh: int, dots: int):
    g = grad(mlp, argnums=(0, 1))
    plain = make_graph(g)(W1, W2, X)
    # forward: 2 dots + 2 tanh; backward: 3 dots (ct of w2, of the hidden layer, of w1)
    assert (count(plain, "tanh"), count(plain, "dot_general")) == (2, 5)
    cg = make_graph(grad(ckpt(mlp, policy), argnums=(0, 1)))(W1, W2, X)
    typecheck(cg)
    assert count(cg, "tanh") == tanh
    assert count(cg, "dot_general") == dots
    ours = eval_graph(cg, W1, W2, X)
    theirs = jax.grad(ckpt(j_mlp, policy, ours=False), argnums=(0, 1))(W1, W2, X)
    close(ours, list(theirs))


def test_dots_with_no_batch_dims_recomputes_batched_dots():
    def f(a, b):
        return tnp.sum(tnp.sin(tnp.einsum("bij,bjk->bik", a, b)))

    a, b = RNG.normal(size=(2, 3, 4)), RNG.normal(size=(2, 4, 2))
    n_plain = count(make_graph(grad(f))(a, b), "dot_general")
    n_dots = count(make_graph(grad(checkpoint(f, policy=CP.dots_saveable)))(a, b),
                   "dot_general")
    n_nobatch = count(make_graph(grad(checkpoint(
        f, policy=CP.dots_with_no_batch_dims_saveable)))(a, b), "dot_general")
    assert n_dots == n_plain and n_nobatch == n_plain + 1
    close(grad(checkpoint(f, policy=CP.dots_with_no_batch_dims_saveable))(a, b),
          grad(f)(a, b))


def test_custom_policy_function():
    only_sin = lambda prim, *avals, **params: prim.name == "sin"  # noqa: E731

    def f(x):
        return tnp.sum(tnp.exp(tnp.sin(tnp.exp(x))))

    cg = make_graph(grad(checkpoint(f, policy=only_sin)))(XV)
    plain = make_graph(grad(f))(XV)
    assert count(cg, "sin") == count(plain, "sin")      # saved
    assert count(cg, "exp") > count(plain, "exp")        # recomputed
    both = CP.save_from_both_policies(only_sin, CP.dots_saveable)
    close(grad(checkpoint(f, policy=both))(XV), grad(f)(XV))


@pytest.mark.parametrize("policy,runs", [(None, 3), ("nothing", 6), ("everything", 3)])
def test_eager_grad_runs_the_recomputation(monkeypatch: Any, policy: str | None, runs: int):
    """Eagerly the backward pass runs the forward again (counted at the NumPy backend)."""
    import backends
    from tracer import primitives as P
    calls = []
    impl = backends.impls[P.sin_p]
    monkeypatch.setitem(backends.impls, P.sin_p, lambda x: calls.append(1) or impl(x))
    g = grad(sin3 if policy is None else ckpt(sin3, policy))(XV)
    assert len(calls) == runs
    close(g, jax.grad(j_sin3)(XV))


def test_eager_grad_matches_jax_for_every_policy():
    for name in POLICIES:
        ours = grad(ckpt(mlp, name), argnums=(0, 1, 2))(W1, W2, X)
        theirs = jax.grad(ckpt(j_mlp, name, ours=False), argnums=(0, 1, 2))(W1, W2, X)
        close(ours, theirs)
        close(ours, grad(mlp, argnums=(0, 1, 2))(W1, W2, X))


# ---------------------------------------------------------------------------
# derivatives in every mode and composition


@pytest.mark.parametrize("policy", list(POLICIES))
def test_derivatives_match_unchecked_and_jax(policy: str):
    f, jf = ckpt(sin3, policy), ckpt(j_sin3, policy, ours=False)
    close(value_and_grad(f)(XV), jax.value_and_grad(jf)(XV))
    close(jvp(f, (XV,), (np.ones(4),)), jax.jvp(jf, (XV,), (jnp.ones(4),)))
    close(grad(grad(lambda x: f(x * 1.0)))(0.7), jax.grad(jax.grad(jf))(0.7))
    close(hessian(f)(XV), jax.hessian(jf)(XV))
    close(jacrev(jacfwd(f))(XV), jax.jacrev(jax.jacfwd(jf))(XV))
    close(jacrev(jacrev(f))(XV), jax.jacrev(jax.jacrev(jf))(XV))
    m, jm = ckpt(mlp, policy), ckpt(j_mlp, policy, ours=False)
    close(hessian(m, argnums=2)(W1, W2, X), jax.hessian(jm, argnums=2)(W1, W2, X))
    close(grad(lambda w: m(W1, w, X) ** 2)(W2), jax.grad(lambda w: jm(W1, w, X) ** 2)(W2))


@pytest.mark.parametrize("policy", ["nothing", "dots", "everything"])
def test_check_grads(policy: str):
    check_grads(ckpt(lambda w1, w2, x: tnp.tanh(w2 @ tnp.sin(w1 @ x)), policy),
                (W1, W2, X), order=2)
    check_grads(ckpt(lambda x: tnp.exp(tnp.sin(x)) * x, policy), (XV,), order=2)


def test_reverse_over_forward_rematerializes():
    """The JVP rule binds a checkpoint of the tangent graph, so jacrev(jacfwd(.)) still
    recomputes the forward in its backward pass."""
    f = lambda x: tnp.sum(tnp.sin(tnp.sin(x)))  # noqa: E731
    g = lambda x: jvp(checkpoint(f), (x,), (np.ones(4),))[1]  # noqa: E731
    cg = make_graph(g)(XV)
    assert [e.prim.name for e in cg.graph.eqns].count("checkpoint") == 2
    typecheck(cg)
    plain = make_graph(grad(lambda x: jvp(f, (x,), (np.ones(4),))[1]))(XV)
    rg = make_graph(grad(g))(XV)
    typecheck(rg)
    assert count(rg, "sin") > count(plain, "sin")
    close(eval_graph(rg, XV)[0], grad(lambda x: jvp(f, (x,), (np.ones(4),))[1])(XV))


def test_pytrees_kwargs_and_static_argnums():
    def layer(params, x, *, scale):
        return {"h": tnp.tanh(params["w"] @ x) * scale, "aux": (x * 2.0,)}

    def loss(params, x):
        out = checkpoint(layer)(params, x, scale=3.0)
        return tnp.sum(out["h"] ** 2) + tnp.sum(out["aux"][0])

    def jloss(params, x):
        out = jax.checkpoint(lambda p, x: {"h": jnp.tanh(p["w"] @ x) * 3.0,
                                           "aux": (x * 2.0,)})(params, x)
        return jnp.sum(out["h"] ** 2) + jnp.sum(out["aux"][0])

    params = {"w": W1}
    close(grad(loss, argnums=(0, 1))(params, X), jax.grad(jloss, argnums=(0, 1))(params, X))

    @functools.partial(checkpoint, static_argnums=(1,))
    def repeat(x, n):
        for _ in range(n):                 # Python control flow on a static argument
            x = tnp.sin(x)
        return tnp.sum(x)

    cg = make_graph(grad(repeat), static_argnums=1)(XV, 3)
    assert count(cg, "sin") == 6
    close(grad(repeat)(XV, 3), jax.grad(j_sin3)(XV))


def test_closure_and_nesting():
    def outer(w):
        # the checkpointed function closes over the differentiated w: a leading operand
        f = checkpoint(lambda x: tnp.sin(x * w) * w)
        return tnp.sum(f(XV))

    def j_outer(w):
        return jnp.sum(jax.checkpoint(lambda x: jnp.sin(x * w) * w)(XV))

    close(grad(outer)(0.7), jax.grad(j_outer)(0.7))
    close(grad(grad(outer))(0.7), jax.grad(jax.grad(j_outer))(0.7))

    inner = checkpoint(lambda x: tnp.sin(tnp.sin(x)))
    nested = checkpoint(lambda x: tnp.sum(inner(tnp.cos(x)) * x))
    j_inner = jax.checkpoint(lambda x: jnp.sin(jnp.sin(x)))
    j_nested = jax.checkpoint(lambda x: jnp.sum(j_inner(jnp.cos(x)) * x))
    close(grad(nested)(XV), jax.grad(j_nested)(XV))
    close(hessian(nested)(XV), jax.hessian(j_nested)(XV))
    typecheck(make_graph(grad(grad(lambda x: nested(x * 1.0))))(0.4))


def test_checkpoint_of_control_flow_and_custom_jvp():
    @custom_jvp
    def softplus(x):
        return tnp.log1p(tnp.exp(x))

    softplus.defjvp(lambda p, t: (softplus(*p), t[0] / (1.0 + tnp.exp(-p[0]))))

    def f(x):
        y = lax.cond(tnp.sum(x) > 0, lambda v: tnp.sin(v), lambda v: tnp.cos(v), x)
        return tnp.sum(softplus(y) * x)

    def jf(x):
        y = jax.lax.cond(jnp.sum(x) > 0, jnp.sin, jnp.cos, x)
        return jnp.sum(jax.nn.softplus(y) * x)

    for policy in POLICIES:
        close(grad(ckpt(f, policy))(XV), jax.grad(jf)(XV))
    typecheck(make_graph(grad(checkpoint(f)))(XV))


def test_vjp_with_integer_and_unused_inputs():
    def f(x, n, unused):
        return tnp.sin(x) * n

    out, pb = vjp(checkpoint(f), XV, 3, XV)
    ct = pb(np.ones(4))
    close(ct[0], 3 * np.cos(XV))
    assert np.asarray(ct[1]).dtype == jax.dtypes.float0
    close(ct[2], np.zeros(4))


def test_errors():
    with pytest.raises(ValueError, match="static_argnums"):
        grad(checkpoint(lambda x: x * 2.0, static_argnums=(3,)))(1.0)
    with pytest.raises(TypeError, match="static_argnums"):
        grad(lambda x: checkpoint(lambda x, s: x * len(s))(x, "abc"))(1.0)
