"""The names a JAX user reaches for first, each against its JAX counterpart."""
from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import jax.test_util
import numpy as np
import pytest

jax.config.update("jax_enable_x64", True)

import graphjit as gj  # noqa: E402
import graphjit.numpy as tnp  # noqa: E402
from graphjit.test_util import check_grads  # noqa: E402


class Params(NamedTuple):
    w: Any
    b: Any


def test_tree_util_is_jaxs() -> None:
    import graphjit.tree_util as gtu
    assert gj.tree_util is jax.tree_util and gtu is jax.tree_util and gj.tree is jax.tree
    p = Params(np.ones(2), np.zeros(()))
    doubled = gj.tree_util.tree_map(lambda x: x * 2, p)
    assert isinstance(doubled, Params)
    assert gj.tree.leaves(p)[0] is p.w


def test_jacobian_is_jacrev() -> None:
    x = np.array([0.3, -0.7])
    got = gj.jacobian(lambda v: tnp.sin(v) * v[::-1])(x)
    want = jax.jacobian(lambda v: jnp.sin(v) * v[::-1])(x)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-13)


def test_make_jaxpr_signature_and_return_shape() -> None:
    def f(x, n):
        return {"s": tnp.sum(x) * n, "x": x[:2]}

    cg, shape = gj.make_jaxpr(f, static_argnums=1, return_shape=True)(np.ones(3), 4)
    _, j_shape = jax.make_jaxpr(lambda x, n: {"s": jnp.sum(x) * n, "x": x[:2]},
                                static_argnums=1, return_shape=True)(np.ones(3), 4)
    assert shape == j_shape
    assert [e.prim.name for e in cg.graph.eqns][:1] == ["reduce_sum"]
    assert isinstance(gj.make_jaxpr(f, static_argnums=1)(np.ones(3), 4), gj.ClosedGraph)


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("modes", [("fwd",), ("rev",), ("fwd", "rev")])
def test_check_grads_passes_true_derivatives(order: int, modes: tuple) -> None:
    x, w = np.array([0.3, -0.7, 1.1]), np.array([[0.5, 1.0, -2.0]])
    check_grads(lambda x, w: tnp.tanh(w @ x) * tnp.sum(x ** 2), (x, w), order=order,
                modes=modes)
    jax.test_util.check_grads(lambda x, w: jnp.tanh(w @ x) * jnp.sum(x ** 2), (x, w),
                              order=order, modes=modes)


@pytest.mark.parametrize("modes", [("fwd",), ("rev",)])
def test_check_grads_catches_a_wrong_rule(modes: tuple) -> None:
    @gj.custom_jvp
    def f(x):
        return tnp.sin(x)

    f.defjvp(lambda p, t: (f(p[0]), 2.0 * t[0]))   # wrong: the derivative is cos
    with pytest.raises(AssertionError, match="JVP" if modes == ("fwd",) else "VJP"):
        check_grads(f, (0.3,), order=1, modes=modes)


def test_check_grads_second_order_catches_a_wrong_second_derivative() -> None:
    @gj.custom_jvp
    def f(x):
        return tnp.sin(x)

    # right first derivative, wrong second one (the tangent rule is not differentiated
    # into -sin: stop_gradient hides it)
    f.defjvp(lambda p, t: (f(p[0]), gj.lax.stop_gradient(tnp.cos(p[0])) * t[0]))
    check_grads(f, (0.3,), order=1)
    with pytest.raises(AssertionError):
        check_grads(f, (0.3,), order=2, modes=("rev",))


def test_check_grads_rejects_unknown_modes() -> None:
    with pytest.raises(ValueError, match="modes"):
        check_grads(tnp.sin, (0.3,), order=1, modes=("forward",))
