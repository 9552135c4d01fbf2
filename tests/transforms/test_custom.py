"""``custom_jvp`` and ``custom_vjp``: against ``jax.custom_jvp``/``jax.custom_vjp`` on
the same functions, under every autodiff transform and their compositions, plus
the graph representation (one ``custom_*_call`` equation) and the errors."""
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
from tracer import eval_graph, make_graph, typecheck  # noqa: E402
from transforms import (custom_jvp, custom_vjp, grad, hessian, jacfwd, jacrev,  # noqa: E402
                        jvp, value_and_grad, vjp)


def close(ours: Any, theirs: Any, rtol: float = 1e-10, atol: float = 1e-12) -> None:
    o_leaves, o_tree = tree_util.tree_flatten(ours)
    t_leaves, t_tree = tree_util.tree_flatten(theirs)
    assert o_tree == t_tree, f"{o_tree} != {t_tree}"
    for o, t in zip(o_leaves, t_leaves):
        o, t = np.asarray(o), np.asarray(t)
        assert o.shape == t.shape, (o.shape, t.shape)
        np.testing.assert_allclose(o, t, rtol=rtol, atol=atol)


def prims(cg: Any) -> list[str]:
    return [e.prim.name for e in cg.graph.eqns]


# ---------------------------------------------------------------------------
# custom_jvp: a numerically safe log(1 + e^x) (the JAX docs' example), both libraries


def make_log1pexp(np_mod: Any, deco: Any) -> Any:
    @deco
    def log1pexp(x):
        return np_mod.log1p(np_mod.exp(x))

    @log1pexp.defjvp
    def log1pexp_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        ans = log1pexp(x)
        return ans, t * (1.0 - 1.0 / (1.0 + np_mod.exp(x)))

    return log1pexp


log1pexp = make_log1pexp(tnp, custom_jvp)
j_log1pexp = make_log1pexp(jnp, jax.custom_jvp)
XS = np.array([-3.0, -0.5, 0.0, 0.7, 2.0, 10.0])


def test_custom_jvp_eager_call_runs_fun():
    y = log1pexp(XS)
    assert isinstance(y, Array)
    close(y, np.log1p(np.exp(XS)))


def test_custom_jvp_grad_uses_rule_and_is_nan_free():
    with np.errstate(over="ignore"):
        g = grad(log1pexp)(1000.0)
    assert float(g) == 1.0                        # the naive derivative is inf/inf = nan
    for x in XS:
        close(grad(log1pexp)(x), jax.grad(j_log1pexp)(x))


@pytest.mark.parametrize("transform", ["jvp", "grad", "jacfwd", "jacrev", "hessian",
                                       "grad_grad", "jacfwd_jacfwd", "jacrev_jacrev",
                                       "jacrev_jacfwd", "value_and_grad"])
def test_custom_jvp_under_transforms_matches_jax(transform: str):
    vec = lambda f: (lambda x: f(x))  # noqa: E731
    total = {"t": lambda f: (lambda x: tnp.sum(f(x))), "j": lambda f: (lambda x: jnp.sum(f(x)))}
    x = XS[:4]
    if transform == "jvp":
        t = np.linspace(0.5, 2.0, 4)
        close(jvp(log1pexp, (x,), (t,)), jax.jvp(j_log1pexp, (x,), (t,)))
    elif transform == "grad":
        close(grad(total["t"](log1pexp))(x), jax.grad(total["j"](j_log1pexp))(x))
    elif transform == "value_and_grad":
        close(value_and_grad(total["t"](log1pexp))(x),
              jax.value_and_grad(total["j"](j_log1pexp))(x))
    elif transform == "jacfwd":
        close(jacfwd(vec(log1pexp))(x), jax.jacfwd(j_log1pexp)(x))
    elif transform == "jacrev":
        close(jacrev(vec(log1pexp))(x), jax.jacrev(j_log1pexp)(x))
    elif transform == "hessian":
        close(hessian(total["t"](log1pexp))(x), jax.hessian(total["j"](j_log1pexp))(x))
    elif transform == "grad_grad":
        close(grad(grad(log1pexp))(0.3), jax.grad(jax.grad(j_log1pexp))(0.3))
        close(grad(grad(grad(log1pexp)))(0.3),
              jax.grad(jax.grad(jax.grad(j_log1pexp)))(0.3))
    elif transform == "jacfwd_jacfwd":
        close(jacfwd(jacfwd(log1pexp))(x), jax.jacfwd(jax.jacfwd(j_log1pexp))(x))
    elif transform == "jacrev_jacrev":
        close(jacrev(jacrev(log1pexp))(x), jax.jacrev(jax.jacrev(j_log1pexp))(x))
    elif transform == "jacrev_jacfwd":
        close(jacrev(jacfwd(log1pexp))(x), jax.jacrev(jax.jacfwd(j_log1pexp))(x))


def test_custom_jvp_true_rule_passes_check_grads():
    check_grads(log1pexp, (np.array([-1.0, 0.2, 1.5]),), order=2)
    check_grads(lambda x: tnp.sin(log1pexp(x * x)), (np.array([0.3, -0.7]),), order=2)


def test_custom_jvp_rule_is_used_not_the_body():
    """A deliberately 'wrong' (clipped) derivative shows up in every mode, like JAX."""
    def make(np_mod: Any, deco: Any) -> Any:
        @deco
        def f(x):
            return np_mod.sin(x) * 3.0

        @f.defjvp
        def f_jvp(primals, tangents):
            (x,), (t,) = primals, tangents
            return f(x), np_mod.clip(3.0 * np_mod.cos(x), -1.0, 1.0) * t
        return f

    f, jf = make(tnp, custom_jvp), make(jnp, jax.custom_jvp)
    x = np.array([0.1, 1.4, 2.0])
    close(jacrev(f)(x), jax.jacrev(jf)(x))
    close(jacfwd(f)(x), jax.jacfwd(jf)(x))
    close(np.diag(np.asarray(jacrev(f)(x))), np.clip(3 * np.cos(x), -1, 1))
    close(hessian(lambda x: tnp.sum(f(x)))(x), jax.hessian(lambda x: jnp.sum(jf(x)))(x))


def test_custom_jvp_pytrees_in_and_out():
    def make(np_mod: Any, deco: Any) -> Any:
        @deco
        def f(p, x):
            return {"y": p["a"] * np_mod.sin(x), "z": (p["b"] * x, np_mod.sum(x))}

        @f.defjvp
        def f_jvp(primals, tangents):
            (p, x), (tp, tx) = primals, tangents
            out = f(p, x)
            t = {"y": tp["a"] * np_mod.sin(x) + p["a"] * np_mod.cos(x) * tx,
                 "z": (tp["b"] * x + p["b"] * tx, np_mod.sum(tx))}
            return out, t
        return f

    f, jf = make(tnp, custom_jvp), make(jnp, jax.custom_jvp)
    p = {"a": np.array(1.5), "b": np.array([0.5, -2.0])}
    x = np.array([0.3, 0.9])
    close(f(p, x), jf(p, x))
    close(jacrev(f, argnums=(0, 1))(p, x), jax.jacrev(jf, argnums=(0, 1))(p, x))
    close(jacfwd(f, argnums=(0, 1))(p, x), jax.jacfwd(jf, argnums=(0, 1))(p, x))
    loss = lambda p, x: tnp.sum(f(p, x)["y"]) + f(p, x)["z"][1]  # noqa: E731
    jloss = lambda p, x: jnp.sum(jf(p, x)["y"]) + jf(p, x)["z"][1]  # noqa: E731
    close(grad(loss, argnums=(0, 1))(p, x), jax.grad(jloss, argnums=(0, 1))(p, x))
    check_grads(lambda a, x: f({"a": a, "b": p["b"]}, x)["y"], (np.array(1.5), x), order=2)


def test_custom_jvp_nondiff_argnums_static_function():
    """A function-valued argument (JAX docs' ``app`` example)."""
    def make(deco: Any, np_mod: Any) -> Any:
        @functools.partial(deco, nondiff_argnums=(0,))
        def app(f, x):
            return f(x)

        @app.defjvp
        def app_jvp(f, primals, tangents):
            (x,), (t,) = primals, tangents
            return app(f, x), 2.0 * t * np_mod.cos(x)   # not f's true derivative
        return app

    app, japp = make(custom_jvp, tnp), make(jax.custom_jvp, jnp)
    close(app(tnp.sin, 0.4), japp(jnp.sin, 0.4))
    close(grad(lambda x: app(tnp.sin, x))(0.4), jax.grad(lambda x: japp(jnp.sin, x))(0.4))
    close(grad(grad(lambda x: app(tnp.sin, x)))(0.4),
          jax.grad(jax.grad(lambda x: japp(jnp.sin, x)))(0.4))
    cg = make_graph(lambda x: app(tnp.sin, x))(0.4)
    assert prims(cg) == ["custom_jvp_call"]


def test_custom_jvp_nondiff_argnums_arrays():
    """Array-valued nondiff arguments: concrete or traced, they get no tangent."""
    def make(deco: Any, np_mod: Any) -> Any:
        @functools.partial(deco, nondiff_argnums=(1,))
        def scaled(x, s):
            return np_mod.sin(x) * s

        @scaled.defjvp
        def scaled_jvp(s, primals, tangents):
            (x,), (t,) = primals, tangents
            return scaled(x, s), np_mod.cos(x) * s * t
        return scaled

    f, jf = make(custom_jvp, tnp), make(jax.custom_jvp, jnp)
    s = np.array([2.0, -1.0])
    x = np.array([0.3, 1.1])
    close(jacrev(lambda x: f(x, s))(x), jax.jacrev(lambda x: jf(x, s))(x))
    close(jacfwd(lambda x: f(x, s))(x), jax.jacfwd(lambda x: jf(x, s))(x))
    # a traced nondiff argument: treated as stop_gradient'ed, as in JAX
    g = lambda x: tnp.sum(f(x, x * 2.0))  # noqa: E731
    jg = lambda x: jnp.sum(jf(x, x * 2.0))  # noqa: E731
    close(grad(g)(x), jax.grad(jg)(x))
    close(jvp(g, (x,), (np.ones(2),)), jax.jvp(jg, (x,), (jnp.ones(2),)))
    close(hessian(g)(x), jax.hessian(jg)(x))


def test_custom_jvp_defjvps():
    def make(deco: Any, np_mod: Any) -> Any:
        f = deco(lambda x, y: np_mod.sin(x) * y)
        f.defjvps(lambda t, ans, x, y: np_mod.cos(x) * t * y,
                  lambda t, ans, x, y: np_mod.sin(x) * t)
        return f

    f, jf = make(custom_jvp, tnp), make(jax.custom_jvp, jnp)
    close(grad(f, argnums=(0, 1))(0.5, 3.0), jax.grad(jf, argnums=(0, 1))(0.5, 3.0))
    close(jacfwd(f, argnums=(0, 1))(0.5, 3.0), jax.jacfwd(jf, argnums=(0, 1))(0.5, 3.0))
    check_grads(f, (0.5, 3.0), order=2)


def test_custom_jvp_integer_argument_gets_float0_tangent():
    seen = []

    @custom_jvp
    def f(x, n):
        return x ** 2 * n

    @f.defjvp
    def f_jvp(primals, tangents):
        (x, n), (tx, tn) = primals, tangents
        seen.append(np.asarray(tn).dtype)
        return f(x, n), 2.0 * x * tx * n

    assert float(grad(f)(3.0, 2)) == 12.0
    assert float(jvp(lambda x: f(x, 2), (3.0,), (1.0,))[1]) == 12.0
    assert all(d == jax.dtypes.float0 for d in seen)


def test_custom_jvp_make_graph_has_one_equation():
    cg = make_graph(log1pexp)(XS)
    assert prims(cg) == ["custom_jvp_call"]
    typecheck(cg)
    close(eval_graph(cg, XS)[0], np.log1p(np.exp(XS)))
    hash(cg.graph.eqns[0].params)
    inner = cg.graph.eqns[0].params["call"]
    assert [e.prim.name for e in inner.eqns] == ["exp", "log1p"]
    for f in (grad(lambda x: tnp.sum(log1pexp(x))), jacfwd(log1pexp),
              hessian(lambda x: tnp.sum(log1pexp(x)))):
        typecheck(make_graph(f)(XS[:3]))


def test_custom_jvp_closure_over_constant_and_outer_tracer():
    c = np.array([1.0, 2.0])

    @custom_jvp
    def f(x):
        return tnp.sin(x) * c            # closes over a constant: fine

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), tnp.cos(x) * c * t

    x = np.array([0.2, 0.4])
    close(jacrev(f)(x), np.diag(np.cos(x) * c))
    cg = make_graph(f)(x)
    assert cg.graph.eqns[0].params["num_consts"] == 1

    def outer(w):
        @custom_jvp
        def g(x):
            return x * w                  # closes over the differentiated w

        g.defjvp(lambda p, t: (g(*p), t[0] * w))
        return g(2.0)

    with pytest.raises(TypeError, match="closed-over value"):
        grad(outer)(3.0)
    with pytest.raises(TypeError, match="closed-over value"):
        jvp(outer, (3.0,), (1.0,))


def test_custom_jvp_errors():
    f = custom_jvp(lambda x: x * 2.0)
    with pytest.raises(AttributeError, match="No JVP defined"):
        f(1.0)
    f.defjvp(lambda p, t: f(*p))                        # not a pair
    with pytest.raises(TypeError, match="must produce a pair"):
        grad(f)(1.0)
    f.defjvp(lambda p, t: (f(*p), (t[0], t[0])))          # tangent tree differs
    with pytest.raises(TypeError, match="equal container"):
        jvp(f, (1.0,), (1.0,))
    f.defjvp(lambda p, t: (f(*p), tnp.ones(3)))           # tangent shape differs
    with pytest.raises(TypeError, match="corresponding shapes"):
        jvp(f, (1.0,), (1.0,))


def test_custom_jvp_kwargs_and_methods():
    f = custom_jvp(lambda x, y=2.0: x * y)
    f.defjvp(lambda p, t: (f(*p), t[0] * p[1] + p[0] * t[1]))
    assert float(grad(lambda x: f(x, y=4.0))(1.0)) == 4.0

    class Model:
        def __init__(self, k: float):
            self.k = k

        @functools.partial(custom_jvp, nondiff_argnums=(0,))
        def __call__(self, x):
            return tnp.sin(x) * self.k

        @__call__.defjvp
        def _jvp(self, primals, tangents):
            (x,), (t,) = primals, tangents
            return self(x), self.k * tnp.cos(x) * t

    m = Model(3.0)
    close(grad(m)(0.5), 3.0 * np.cos(0.5))


# ---------------------------------------------------------------------------
# custom_vjp


def make_clip(np_mod: Any, deco: Any) -> Any:
    """Gradient clipping (the JAX docs' example): identity forward, clipped backward."""
    @deco
    def clip_gradient(lo, hi, x):
        return x

    def fwd(lo, hi, x):
        return x, (lo, hi)

    def bwd(res, g):
        lo, hi = res
        return (None, None, np_mod.clip(g, lo, hi))

    clip_gradient.defvjp(fwd, bwd)
    return clip_gradient


clip_gradient = make_clip(tnp, custom_vjp)
j_clip_gradient = make_clip(jnp, jax.custom_vjp)


def test_custom_vjp_gradient_clipping():
    f = lambda x: clip_gradient(-0.75, 0.75, tnp.sin(x) * 3.0)  # noqa: E731
    jf = lambda x: j_clip_gradient(-0.75, 0.75, jnp.sin(x) * 3.0)  # noqa: E731
    for x in (0.1, 1.0, 2.0, 3.0):
        close(f(x), jf(x))
        close(grad(f)(x), jax.grad(jf)(x))
    x = np.array([0.1, 1.3, 2.9])
    close(jacrev(f)(x), jax.jacrev(jf)(x))
    assert isinstance(clip_gradient(-1.0, 1.0, np.ones(2)), np.ndarray)  # eager: runs fun


def make_sin(np_mod: Any, deco: Any) -> Any:
    """sin with a hand-written, differentiable backward (saves cos x as residual)."""
    @deco
    def f(x):
        return np_mod.sin(x)

    def fwd(x):
        return f(x), np_mod.cos(x)

    def bwd(cos_x, g):
        return (g * cos_x,)

    f.defvjp(fwd, bwd)
    return f


vsin = make_sin(tnp, custom_vjp)
j_vsin = make_sin(jnp, jax.custom_vjp)


def test_custom_vjp_higher_order_differentiates_bwd():
    x = 0.7
    close(grad(vsin)(x), jax.grad(j_vsin)(x))
    close(grad(grad(vsin))(x), jax.grad(jax.grad(j_vsin))(x))
    close(grad(grad(grad(vsin)))(x), jax.grad(jax.grad(jax.grad(j_vsin)))(x))
    close(grad(grad(vsin))(x), -np.sin(x))
    xs = np.array([0.1, 0.5, 2.0])
    close(jacrev(jacrev(lambda v: vsin(v) * v))(xs),
          jax.jacrev(jax.jacrev(lambda v: j_vsin(v) * v))(xs))


def test_custom_vjp_reverse_over_reverse_hessian_matches_jax():
    f = lambda x: tnp.sum(vsin(x) ** 2 * x)  # noqa: E731
    jf = lambda x: jnp.sum(j_vsin(x) ** 2 * x)  # noqa: E731
    x = np.array([0.3, -1.2, 0.8])
    close(jacrev(jacrev(f))(x), jax.jacrev(jax.jacrev(jf))(x))
    close(vjp(f, x)[1](1.0), jax.vjp(jf, x)[1](1.0))


def test_custom_vjp_pytrees_and_none_cotangents():
    def make(np_mod: Any, deco: Any) -> Any:
        @deco
        def f(p, x):
            return (p["w"] * x, {"s": np_mod.sum(p["b"] * x)})

        def fwd(p, x):
            return f(p, x), (p, x)

        def bwd(res, ct):
            (p, x), (cy, cd) = res, ct
            cs = cd["s"]
            return ({"w": np_mod.sum(cy * x), "b": cs * x},
                    cy * p["w"] + cs * p["b"])

        f.defvjp(fwd, bwd)
        return f

    f, jf = make(tnp, custom_vjp), make(jnp, jax.custom_vjp)
    p = {"w": np.array(1.5), "b": np.array([0.5, -1.0])}
    x = np.array([2.0, 3.0])
    loss = lambda p, x: tnp.sum(f(p, x)[0] ** 2) + f(p, x)[1]["s"]  # noqa: E731
    jloss = lambda p, x: jnp.sum(jf(p, x)[0] ** 2) + jf(p, x)[1]["s"]  # noqa: E731
    close(grad(loss, argnums=(0, 1))(p, x), jax.grad(jloss, argnums=(0, 1))(p, x))
    close(jacrev(f)(p, x), jax.jacrev(jf)(p, x))

    # bwd returns None for a whole argument and a list instead of a tuple
    @custom_vjp
    def h(x, y):
        return x * y

    h.defvjp(lambda x, y: (h(x, y), y), lambda y, g: [g * y, None])
    close(grad(h, argnums=(0, 1))(2.0, 5.0), (5.0, 0.0))


def test_custom_vjp_nondiff_argnums():
    def make(deco: Any, np_mod: Any) -> Any:
        @functools.partial(deco, nondiff_argnums=(0, 2))
        def f(fn, x, k):
            return fn(x) * k

        def fwd(fn, x, k):
            return f(fn, x, k), x

        def bwd(fn, k, x, g):
            return (g * k * 10.0,)          # deliberately not fn's derivative
        f.defvjp(fwd, bwd)
        return f

    f, jf = make(custom_vjp, tnp), make(jax.custom_vjp, jnp)
    k = np.array([1.0, 2.0])
    x = np.array([0.3, 0.6])
    loss = lambda x: tnp.sum(f(tnp.sin, x, k))  # noqa: E731
    jloss = lambda x: jnp.sum(jf(jnp.sin, x, k))  # noqa: E731
    close(loss(x), jloss(x))
    close(grad(loss)(x), jax.grad(jloss)(x))
    close(grad(loss)(x), 10.0 * k)
    # a Python number as the static argument
    close(grad(lambda x: tnp.sum(f(tnp.sin, x, 3.0)))(x), np.full(2, 30.0))
    # a traced nondiff array (JAX refuses tracers there; here it is stop_gradient'ed)
    close(grad(lambda x: tnp.sum(f(tnp.sin, x, x)))(x), 10.0 * x)


def test_custom_vjp_forward_mode_raises_but_forward_over_reverse_works():
    with pytest.raises(TypeError, match="can't apply forward-mode autodiff \\(jvp\\) to a "
                       "custom_vjp function"):
        jvp(vsin, (0.3,), (1.0,))
    with pytest.raises(TypeError, match="forward-mode"):
        jacfwd(vsin)(np.array([0.3, 0.4]))
    # Forward over reverse differentiates fwd and bwd only, never the call whose
    # output the gradient does not read. (JAX refuses this one, because fwd calls
    # the custom_vjp function itself; graphjit skips the dead primal output.)
    xs = np.array([0.3, 0.4])
    close(hessian(lambda x: tnp.sum(vsin(x)))(xs), np.diag(-np.sin(xs)))
    # a tangent only on a nondiff argument is not forward-mode differentiation of it
    close(jvp(lambda x: clip_gradient(-1.0, 1.0, 2.0) * x, (1.0,), (1.0,)), (2.0, 2.0))


def test_custom_vjp_make_graph_has_one_equation():
    cg = make_graph(vsin)(0.3)
    assert prims(cg) == ["custom_vjp_call"]
    typecheck(cg)
    close(eval_graph(cg, 0.3)[0], np.sin(0.3))
    g = make_graph(grad(vsin))(0.3)
    typecheck(g)
    names = prims(g)
    assert "custom_vjp_call" in names and "cos" in names   # fwd's residual, then bwd
    close(eval_graph(g, 0.3)[0], np.cos(0.3))
    typecheck(make_graph(grad(grad(vsin)))(0.3))


def test_custom_vjp_errors():
    f = custom_vjp(lambda x: x * 2.0)
    with pytest.raises(AttributeError, match="No VJP defined"):
        f(1.0)
    f.defvjp(lambda x: f(x), lambda r, g: (g,))              # fwd is not a pair
    with pytest.raises(TypeError, match="fwd rule"):
        grad(f)(1.0)
    f.defvjp(lambda x: ((f(x),), None), lambda r, g: (g,))   # fwd's output tree differs
    with pytest.raises(TypeError, match="structure of the function's output"):
        grad(f)(1.0)
    f.defvjp(lambda x: (f(x), None), lambda r, g: (g, g))    # too many cotangents
    with pytest.raises(TypeError, match="one cotangent"):
        grad(f)(1.0)
    f.defvjp(lambda x: (f(x), None), lambda r, g: (tnp.ones(3),))
    with pytest.raises(ValueError, match="shapes of the arguments"):
        grad(f)(1.0)

    def outer(w):
        g = custom_vjp(lambda x: x * w)
        g.defvjp(lambda x: (g(x), None), lambda r, ct: (ct * w,))
        return g(2.0)

    with pytest.raises(TypeError, match="closed-over value"):
        grad(outer)(3.0)


def test_custom_calls_compose_with_each_other():
    """custom_vjp inside a custom_jvp body and vice versa, under nested reverse mode."""
    @custom_jvp
    def outer(x):
        return vsin(x) * 2.0

    outer.defjvp(lambda p, t: (outer(*p), 2.0 * tnp.cos(p[0]) * t[0]))
    close(grad(outer)(0.4), 2.0 * np.cos(0.4))
    close(grad(grad(outer))(0.4), -2.0 * np.sin(0.4))
    close(grad(lambda x: vsin(log1pexp(x)))(0.4),
          jax.grad(lambda x: j_vsin(j_log1pexp(x)))(0.4))
    close(grad(grad(lambda x: vsin(log1pexp(x))))(0.4),
          jax.grad(jax.grad(lambda x: j_vsin(j_log1pexp(x))))(0.4))
