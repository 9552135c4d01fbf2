"""The autodiff API's behaviour, against ``jax`` where JAX defines it.

``grad``/``value_and_grad`` (argnums, has_aux, pytrees, kwargs, allow_int),
``jvp``/``vjp``/``linearize`` (signatures, pytrees, has_aux, float0), the
errors users see (naming this file's lines), nesting (higher derivatives,
perturbation confusion), define-by-run Python control flow (eager) versus
``make_graph`` (ConcretizationError), ``stop_gradient``, and that every
derivative graph recorded with ``make_graph`` typechecks.
"""
from __future__ import annotations

import inspect
import os
from typing import Any, Callable, NamedTuple

import jax
import numpy as np
import pytest
from jax import tree_util

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

import tracer.lax as glax  # noqa: E402
import tracer.numpy as tnp  # noqa: E402
from backends import Array  # noqa: E402
from tracer import ConcretizationError, eval_graph, make_graph, typecheck  # noqa: E402
from transforms import (custom_jvp, grad, hessian, jacfwd, jacrev, jvp,  # noqa: E402
                        linearize, value_and_grad, vjp, vmap)

HERE = os.path.basename(__file__)
FLOAT0 = jax.dtypes.float0


def _this_line() -> int:
    """The line number of the caller's line."""
    frame = inspect.currentframe()
    assert frame is not None and frame.f_back is not None
    return frame.f_back.f_lineno


def close(ours: Any, theirs: Any, rtol: float = 1e-12, atol: float = 1e-14) -> None:
    """Same pytree structure, shapes and (non-float0) dtypes; values within tolerance."""
    o_leaves, o_tree = tree_util.tree_flatten(ours)
    t_leaves, t_tree = tree_util.tree_flatten(theirs)
    assert o_tree == t_tree, f"pytree structure {o_tree} != jax's {t_tree}"
    for o, t in zip(o_leaves, t_leaves):
        o_np, t_np = np.asarray(o), np.asarray(t)
        assert o_np.shape == t_np.shape, f"shape {o_np.shape} != jax's {t_np.shape}"
        if t_np.dtype == FLOAT0:
            assert o_np.dtype == FLOAT0, f"dtype {o_np.dtype}, jax has float0"
            continue
        assert o_np.dtype == t_np.dtype, f"dtype {o_np.dtype} != jax's {t_np.dtype}"
        np.testing.assert_allclose(o_np, t_np, rtol=rtol, atol=atol)


def all_arrays(tree: Any) -> bool:
    """Every leaf of an eager result is a graphjit ``backends.Array``."""
    return all(isinstance(x, Array) for x in tree_util.tree_leaves(tree))


X = np.array([0.3, -1.2, 2.0])
Y = np.array([1.5, 0.5, -0.7])


def f3(lib: Any, x: Any, y: Any, z: Any) -> Any:
    return lib.sum(lib.sin(x) * y) + z ** 2 * lib.sum(x)


# -- grad / value_and_grad: argnums, has_aux, pytrees, kwargs -------------------------


@pytest.mark.parametrize("argnums", [0, 1, 2, -1, -3, (0,), (0, 2), (2, 0), (-1, 1),
                                     (0, 1, 2)])
def test_grad_argnums(argnums: Any) -> None:
    args = (X, Y, 1.7)
    ours = grad(lambda *a: f3(tnp, *a), argnums=argnums)(*args)
    theirs = jax.grad(lambda *a: f3(jnp, *a), argnums=argnums)(*args)
    assert isinstance(ours, tuple) == isinstance(argnums, tuple)
    close(ours, theirs)
    assert all_arrays(ours)


@pytest.mark.parametrize("argnums", [0, -2, (1, 0)])
def test_value_and_grad_argnums(argnums: Any) -> None:
    args = (X, Y, 0.4)
    v, g = value_and_grad(lambda *a: f3(tnp, *a), argnums=argnums)(*args)
    vj, gj = jax.value_and_grad(lambda *a: f3(jnp, *a), argnums=argnums)(*args)
    close(v, vj)
    close(g, gj)
    assert isinstance(v, Array) and all_arrays(g)


def test_argnums_out_of_range_raises() -> None:
    with pytest.raises((TypeError, ValueError)):
        grad(lambda x, y: tnp.sum(x * y), argnums=2)(X, Y)


def test_grad_has_aux() -> None:
    def f(lib: Any, x: Any) -> Any:
        y = lib.sin(x)
        return lib.sum(y ** 2), {"y": y, "n": 3}
    g, aux = grad(lambda x: f(tnp, x), has_aux=True)(X)
    gj, auxj = jax.grad(lambda x: f(jnp, x), has_aux=True)(X)
    close(g, gj)
    assert aux["n"] == 3 and isinstance(aux["y"], Array)
    np.testing.assert_allclose(np.asarray(aux["y"]), np.asarray(auxj["y"]), rtol=1e-15)
    (v, aux2), g2 = value_and_grad(lambda x: f(tnp, x), has_aux=True)(X)
    (vj, _), gj2 = jax.value_and_grad(lambda x: f(jnp, x), has_aux=True)(X)
    close(v, vj)
    close(g2, gj2)
    assert isinstance(aux2["y"], Array)


class Params(NamedTuple):
    w: Any
    b: Any


@tree_util.register_pytree_node_class
class Layer:
    """A user class registered with jax.tree_util (as equinox/flax modules are)."""

    def __init__(self, w: Any, scale: float):
        self.w, self.scale = w, scale

    def tree_flatten(self) -> tuple[tuple, float]:
        return (self.w,), self.scale

    @classmethod
    def tree_unflatten(cls, scale: float, children: tuple) -> Layer:
        return cls(children[0], scale)


def test_grad_pytree_inputs() -> None:
    """dicts, tuples, lists, NamedTuples and registered classes come back unchanged."""
    def f(lib: Any, tree: Any) -> Any:
        d, (a, b), lst, nt, layer = tree
        return (lib.sum(lib.sin(d["u"]) * d["v"]) + a * b + lib.sum(lst[0] ** 2)
                + lib.sum(lib.tanh(nt.w) * nt.b) + layer.scale * lib.sum(layer.w ** 3))
    tree = ({"u": X, "v": Y}, (0.5, np.array(2.0)), [Y], Params(X, Y), Layer(Y, 2.5))
    ours = grad(lambda t: f(tnp, t))(tree)
    theirs = jax.grad(lambda t: f(jnp, t))(tree)
    assert isinstance(ours[3], Params) and isinstance(ours[4], Layer)
    assert ours[4].scale == 2.5
    close(ours, theirs)
    assert all_arrays(ours)


def test_grad_kwargs_are_not_differentiated() -> None:
    def f(lib: Any, x: Any, scale: float = 1.0, shift: Any = 0.0) -> Any:
        return lib.sum(lib.sin(x * scale) + shift * x)
    ours = grad(lambda x, **kw: f(tnp, x, **kw))(X, scale=3.0, shift=Y)
    theirs = jax.grad(lambda x, **kw: f(jnp, x, **kw))(X, scale=3.0, shift=Y)
    close(ours, theirs)
    assert all_arrays(ours)


def test_grad_of_python_scalar_and_numpy_scalar() -> None:
    close(grad(tnp.sin)(0.5), jax.grad(jnp.sin)(0.5))
    close(grad(tnp.sin)(np.float64(0.5)), jax.grad(jnp.sin)(np.float64(0.5)))
    assert isinstance(grad(tnp.sin)(0.5), Array)


def test_grad_float32_stays_float32() -> None:
    x = X.astype(np.float32)
    g = grad(lambda x: tnp.sum(tnp.sin(x) ** 2))(x)
    assert g.dtype == np.float32
    close(g, jax.grad(lambda x: jnp.sum(jnp.sin(x) ** 2))(x), rtol=1e-6, atol=1e-7)


# -- jvp / vjp / linearize -------------------------------------------------------------


def _pair(lib: Any, d: dict, s: Any) -> tuple:
    return {"a": lib.sin(d["x"]) * s, "b": lib.sum(d["y"] * d["x"])}, lib.cos(s) * 2.0


def test_jvp_pytrees() -> None:
    primals = ({"x": X, "y": Y}, 0.7)
    tangents = ({"x": Y, "y": X}, 1.5)
    out, t = jvp(lambda d, s: _pair(tnp, d, s), primals, tangents)
    outj, tj = jax.jvp(lambda d, s: _pair(jnp, d, s), primals, tangents)
    close(out, outj)
    close(t, tj)
    assert all_arrays((out, t))


def test_jvp_has_aux() -> None:
    def f(lib: Any, x: Any) -> tuple:
        return lib.sin(x) * x, {"c": lib.cos(x)}
    out, t, aux = jvp(lambda x: f(tnp, x), (X,), (Y,), has_aux=True)
    outj, tj, auxj = jax.jvp(lambda x: f(jnp, x), (X,), (Y,), has_aux=True)
    close((out, t, aux), (outj, tj, auxj))
    assert all_arrays((out, t, aux))


def test_jvp_argument_errors() -> None:
    with pytest.raises(TypeError):
        jvp(tnp.sin, X, Y)                              # not tuples
    with pytest.raises(TypeError):
        jvp(lambda a, b: a * b, (X, Y), (X,))           # tree mismatch
    with pytest.raises(ValueError):
        jvp(tnp.sin, (X,), (np.ones(2),))               # shape mismatch
    with pytest.raises(TypeError):
        jvp(tnp.sin, (X,), (X.astype(np.float32),))     # dtype mismatch


def test_vjp_pytrees() -> None:
    primals = ({"x": X, "y": Y}, 0.7)
    out, pb = vjp(lambda d, s: _pair(tnp, d, s), *primals)
    outj, pbj = jax.vjp(lambda d, s: _pair(jnp, d, s), *primals)
    close(out, outj)
    ct = ({"a": Y, "b": 2.0}, np.float64(-1.0))
    cts = pb(ct)
    assert isinstance(cts, tuple) and len(cts) == 2
    close(cts, pbj(ct))
    assert all_arrays(cts)
    close(pb(ct), cts)  # the pullback can be called again


def test_vjp_has_aux() -> None:
    def f(lib: Any, x: Any) -> tuple:
        return lib.sin(x) * x, {"c": lib.cos(x)}
    out, pb, aux = vjp(lambda x: f(tnp, x), X, has_aux=True)
    outj, pbj, auxj = jax.vjp(lambda x: f(jnp, x), X, has_aux=True)
    close((out, aux), (outj, auxj))
    close(pb(Y), pbj(Y))
    assert all_arrays((out, aux, pb(Y)))


def test_vjp_pullback_errors() -> None:
    _, pb = vjp(lambda x: (tnp.sin(x), x * 2.0), X)
    with pytest.raises(TypeError):
        pb(Y)                                           # structure mismatch
    with pytest.raises(ValueError):
        pb((np.ones(2), np.ones(3)))                    # shape mismatch


def test_linearize() -> None:
    def f(lib: Any, x: Any, y: Any) -> Any:
        return lib.sin(x) * lib.exp(y)
    out, f_jvp = linearize(lambda x, y: f(tnp, x, y), X, Y)
    outj, f_jvpj = jax.linearize(lambda x, y: f(jnp, x, y), X, Y)
    close(out, outj)
    for tx, ty in [(Y, X), (np.ones(3), np.zeros(3))]:
        close(f_jvp(tx, ty), f_jvpj(tx, ty))
        assert isinstance(f_jvp(tx, ty), Array)
    with pytest.raises(TypeError):
        f_jvp(Y)


def test_linearize_pytree() -> None:
    out, f_jvp = linearize(lambda d: _pair(tnp, d, 0.3), {"x": X, "y": Y})
    outj, f_jvpj = jax.linearize(lambda d: _pair(jnp, d, 0.3), {"x": X, "y": Y})
    close(out, outj)
    close(f_jvp({"x": Y, "y": X}), f_jvpj({"x": Y, "y": X}))


# -- integer and boolean inputs, non-scalar outputs: errors name the user's line --------


def test_grad_of_integer_input_raises_naming_line() -> None:
    here = _this_line()
    with pytest.raises(TypeError) as ei:
        grad(lambda n: tnp.sum(n * 2.0))(np.arange(3))
    msg = str(ei.value)
    assert "int64" in msg and f"{HERE}:{here + 2}" in msg, msg
    with pytest.raises(TypeError):
        jax.grad(lambda n: jnp.sum(n * 2.0))(np.arange(3))


def test_grad_of_bool_input_raises_naming_line() -> None:
    here = _this_line()
    with pytest.raises(TypeError) as ei:
        grad(lambda x, b: tnp.sum(tnp.where(b, x, 0.0)), argnums=1)(X, X > 0)
    assert "bool" in str(ei.value) and f"{HERE}:{here + 2}" in str(ei.value)


def test_grad_of_python_int_raises() -> None:
    with pytest.raises(TypeError):
        grad(lambda x: x * 2.0)(3)


def test_grad_allow_int_gives_float0() -> None:
    def f(lib: Any, x: Any, n: Any, b: Any) -> Any:
        return lib.sum(x * n) + lib.sum(lib.where(b, x, 0.0))
    args = (X, np.arange(3), X > 0)
    ours = grad(lambda *a: f(tnp, *a), argnums=(0, 1, 2), allow_int=True)(*args)
    theirs = jax.grad(lambda *a: f(jnp, *a), argnums=(0, 1, 2), allow_int=True)(*args)
    close(ours, theirs)
    assert np.asarray(ours[1]).dtype == FLOAT0 and np.shape(ours[1]) == (3,)
    assert np.asarray(ours[2]).dtype == FLOAT0


def test_vjp_integer_and_bool_inputs_get_float0() -> None:
    def f(lib: Any, x: Any, n: Any, b: Any) -> Any:
        return lib.where(b, x * n, -x)
    args = (X, np.arange(3), X > 0)
    out, pb = vjp(lambda *a: f(tnp, *a), *args)
    outj, pbj = jax.vjp(lambda *a: f(jnp, *a), *args)
    close(out, outj)
    cts, ctsj = pb(Y), pbj(Y)
    close(cts, ctsj)
    assert [np.asarray(c).dtype for c in cts[1:]] == [FLOAT0, FLOAT0]


def test_jvp_with_integer_input_and_float0_tangent() -> None:
    primals = (X, np.arange(3))
    tangents = (Y, np.zeros(3, FLOAT0))
    out, t = jvp(lambda x, n: tnp.sin(x) * n, primals, tangents)
    outj, tj = jax.jvp(lambda x, n: jnp.sin(x) * n, primals, tangents)
    close((out, t), (outj, tj))


def test_grad_of_nonscalar_output_raises_naming_line() -> None:
    here = _this_line()
    with pytest.raises(TypeError) as ei:
        grad(tnp.sin)(X)
    msg = str(ei.value)
    assert "scalar" in msg and f"{HERE}:{here + 2}" in msg, msg


def test_grad_of_integer_output_raises() -> None:
    with pytest.raises(TypeError):
        grad(lambda x: tnp.sum(x > 0))(X)


def test_jacrev_has_aux() -> None:
    def f(lib: Any, x: Any) -> tuple:
        return lib.sin(x) * x, {"c": lib.cos(x)}
    j, aux = jacrev(lambda x: f(tnp, x), has_aux=True)(X)
    close((j, aux), jax.jacrev(lambda x: f(jnp, x), has_aux=True)(X))
    assert all_arrays((j, aux))


def test_jacfwd_has_aux() -> None:
    def f(lib: Any, x: Any) -> tuple:
        return lib.sin(x) * x, {"c": lib.cos(x)}
    j, aux = jacfwd(lambda x: f(tnp, x), has_aux=True)(X)
    close((j, aux), jax.jacfwd(lambda x: f(jnp, x), has_aux=True)(X))
    assert all_arrays((j, aux))


def test_hessian_has_aux() -> None:
    def f(lib: Any, x: Any) -> tuple:
        return lib.sum(lib.sin(x) * x), {"c": lib.cos(x)}
    h, aux = hessian(lambda x: f(tnp, x), has_aux=True)(X)
    close((h, aux), jax.hessian(lambda x: f(jnp, x), has_aux=True)(X))
    assert all_arrays((h, aux))


def test_jvp_integer_output_has_float0_tangent() -> None:
    out, t = jvp(lambda x: (x * 2.0, tnp.argmax(x)), (X,), (Y,))
    outj, tj = jax.jvp(lambda x: (x * 2.0, jnp.argmax(x)), (X,), (Y,))
    close((out, t), (outj, tj))


def test_vjp_integer_output_takes_float0_cotangent() -> None:
    ct = (Y, np.zeros((), FLOAT0))
    _, pb = vjp(lambda x: (x * 2.0, tnp.argmax(x)), X)
    _, pbj = jax.vjp(lambda x: (x * 2.0, jnp.argmax(x)), X)
    close(pb(ct), pbj(ct))


def test_grad_of_constant_and_independent_functions_is_zero() -> None:
    close(grad(lambda x: 1.0)(2.0), jax.grad(lambda x: 1.0)(2.0))
    close(grad(lambda x: tnp.sum(tnp.ones(3)))(X), jax.grad(lambda x: jnp.sum(jnp.ones(3)))(X))
    close(grad(lambda x, y: tnp.sum(tnp.sin(y)), argnums=0)(X, Y),
          jax.grad(lambda x, y: jnp.sum(jnp.sin(y)), argnums=0)(X, Y))


# -- nesting -----------------------------------------------------------------------------


@pytest.mark.parametrize("x", [-2.0, -0.4, 0.0, 0.9, 3.0])
def test_higher_derivatives_of_sin(x: float) -> None:
    d1, d2, d3 = grad(tnp.sin), grad(grad(tnp.sin)), grad(grad(grad(tnp.sin)))
    np.testing.assert_allclose(float(d1(x)), np.cos(x), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(float(d2(x)), -np.sin(x), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(float(d3(x)), -np.cos(x), rtol=1e-14, atol=1e-15)
    assert isinstance(d3(x), Array)


def test_grad_of_grad_of_multivariate_matches_jax() -> None:
    def f(lib: Any, x: Any) -> Any:
        return lib.sum(lib.sin(x) * lib.exp(x * 0.5)) ** 2
    ours = grad(lambda x: tnp.sum(grad(lambda y: f(tnp, y))(x) ** 2))(X)
    theirs = jax.grad(lambda x: jnp.sum(jax.grad(lambda y: f(jnp, y))(x) ** 2))(X)
    close(ours, theirs, rtol=1e-11)


def test_jacfwd_of_jacrev_matches_jax_hessian() -> None:
    def f(lib: Any, x: Any) -> Any:
        return lib.sum(lib.sin(x) * lib.tanh(x[::-1]) + x ** 3)
    ours = jacfwd(jacrev(lambda x: f(tnp, x)))(X)
    close(ours, jax.hessian(lambda x: f(jnp, x))(X), rtol=1e-11)
    close(hessian(lambda x: f(tnp, x))(X), ours, rtol=1e-12)
    close(jacrev(jacfwd(lambda x: f(tnp, x)))(X), ours, rtol=1e-11)
    assert isinstance(ours, Array)


def test_jacobians_of_vector_function() -> None:
    def f(lib: Any, x: Any, y: Any) -> Any:
        return {"s": lib.sin(x) * y, "p": lib.cumsum(x * y)}
    for argnums in (0, (0, 1)):
        for ours_fn, jax_fn in ((jacfwd, jax.jacfwd), (jacrev, jax.jacrev)):
            ours = ours_fn(lambda x, y: f(tnp, x, y), argnums=argnums)(X, Y)
            close(ours, jax_fn(lambda x, y: f(jnp, x, y), argnums=argnums)(X, Y))


def test_perturbation_confusion() -> None:
    """d/dx [x * d/dy (x * y)] = d/dx x**2 = 2x: the inner derivative must not
    mix up the outer perturbation (closure conversion, DESIGN.md section 3)."""
    ours = grad(lambda x: x * grad(lambda y: x * y)(2.0))(3.0)
    theirs = jax.grad(lambda x: x * jax.grad(lambda y: x * y)(2.0))(3.0)
    assert float(theirs) == 6.0
    assert float(ours) == float(theirs)
    # Siskind & Pearlmutter: d/dx [x * (d/dy (x + y) at y=1)] = 1, not 2.
    ours2 = grad(lambda x: x * grad(lambda y: x + y)(1.0))(3.0)
    theirs2 = jax.grad(lambda x: x * jax.grad(lambda y: x + y)(1.0))(3.0)
    assert float(ours2) == float(theirs2) == 1.0


def test_perturbation_confusion_forward_and_mixed() -> None:
    def inner_jvp(x: Any) -> Any:
        return x * jvp(lambda y: x * y, (2.0,), (1.0,))[1]
    assert float(grad(inner_jvp)(3.0)) == 6.0
    out, t = jvp(lambda x: x * grad(lambda y: x * y)(2.0), (3.0,), (1.0,))
    assert float(out) == 9.0 and float(t) == 6.0


def test_value_and_grad_under_make_graph() -> None:
    def f(x: Any, y: Any) -> Any:
        return tnp.sum(tnp.sin(x) * y) ** 2
    cg = make_graph(value_and_grad(f, argnums=(0, 1)))(X, Y)
    typecheck(cg)
    v, g = tree_util.tree_unflatten(cg.out_tree, eval_graph(cg, X, Y))
    v_e, g_e = value_and_grad(f, argnums=(0, 1))(X, Y)
    close((v, g), (v_e, g_e), rtol=1e-14)
    vj, gj = jax.value_and_grad(lambda x, y: jnp.sum(jnp.sin(x) * y) ** 2, (0, 1))(X, Y)
    close((v, g), (vj, gj))


# -- define-by-run Python control flow --------------------------------------------------


def piecewise(x: Any) -> Any:
    if x > 0.5:  # PIECEWISE_IF_LINE: named by the ConcretizationError under make_graph
        return x ** 2 * tnp.sin(x)
    elif x > -1.0:
        return tnp.exp(x) * 3.0
    return tnp.cos(x) * x


PIECEWISE_IF_LINE = piecewise.__code__.co_firstlineno + 1


def piecewise_jax(x: Any) -> Any:
    if x > 0.5:
        return x ** 2 * jnp.sin(x)
    elif x > -1.0:
        return jnp.exp(x) * 3.0
    return jnp.cos(x) * x


def power_loop(x: Any) -> Any:
    """x ** (floor(x) + 1) by a loop whose trip count depends on x's value."""
    y = x
    for _ in range(int(x)):  # POWER_LOOP_LINE
        y = y * x
    return y


POWER_LOOP_LINE = power_loop.__code__.co_firstlineno + 3


def newton_sqrt(a: Any) -> Any:
    """sqrt(a) by Newton's method: a while loop on values."""
    y = a
    while abs(y * y - a) > 1e-12 * a:  # NEWTON_LINE
        y = 0.5 * (y + a / y)
    return y


NEWTON_LINE = newton_sqrt.__code__.co_firstlineno + 3


@pytest.mark.parametrize("x", [-2.5, -0.3, 0.2, 0.9, 2.0])
def test_python_if_in_grad(x: float) -> None:
    close(grad(piecewise)(x), jax.grad(piecewise_jax)(x))
    close(value_and_grad(piecewise)(x), jax.value_and_grad(piecewise_jax)(x))


@pytest.mark.parametrize("x", [0.5, 1.3, 2.7, 3.5])
def test_python_for_with_value_dependent_trip_count(x: float) -> None:
    n = int(x)
    close(grad(power_loop)(x), (n + 1) * x ** n)
    close(grad(power_loop)(x), jax.grad(power_loop)(x))
    close(grad(grad(power_loop))(x), jax.grad(jax.grad(power_loop))(x))


@pytest.mark.parametrize("a", [0.5, 2.0, 9.0])
def test_python_while_in_grad(a: float) -> None:
    np.testing.assert_allclose(float(grad(newton_sqrt)(a)), 0.5 / np.sqrt(a), rtol=1e-10)
    close(grad(newton_sqrt)(a), jax.grad(newton_sqrt)(a))


@pytest.mark.parametrize("fn, line", [(piecewise, PIECEWISE_IF_LINE),
                                      (power_loop, POWER_LOOP_LINE),
                                      (newton_sqrt, NEWTON_LINE)],
                         ids=["if", "for", "while"])
def test_python_control_flow_under_make_graph_raises(fn: Callable, line: int) -> None:
    with pytest.raises(ConcretizationError) as ei:
        make_graph(grad(fn))(1.5)
    assert f"{HERE}:{line}" in str(ei.value), str(ei.value)
    with pytest.raises(ConcretizationError) as ei:
        make_graph(fn)(1.5)
    assert f"{HERE}:{line}" in str(ei.value)


def test_source_lines_recorded_eagerly_match_lax_version() -> None:
    """The same piecewise function with tnp.where records under make_graph and agrees."""
    def smooth(x: Any) -> Any:
        return tnp.where(x > 0.5, x ** 2 * tnp.sin(x),
                         tnp.where(x > -1.0, tnp.exp(x) * 3.0, tnp.cos(x) * x))
    cg = make_graph(grad(smooth))(1.5)
    typecheck(cg)
    for x in (-2.5, -0.3, 0.9, 2.0):
        close(eval_graph(cg, x)[0], jax.grad(piecewise_jax)(x))


# -- stop_gradient -------------------------------------------------------------------------


def test_stop_gradient_blocks_gradients() -> None:
    def f(lib: Any, lx: Any, x: Any) -> Any:
        return lib.sum(x * lx.stop_gradient(lib.sin(x)) + lx.stop_gradient(x) ** 2)
    close(grad(lambda x: f(tnp, glax, x))(X), jax.grad(lambda x: f(jnp, jax.lax, x))(X))
    np.testing.assert_allclose(np.asarray(grad(lambda x: f(tnp, glax, x))(X)), np.sin(X),
                               rtol=1e-15)


def test_stop_gradient_pytree_and_forward_mode() -> None:
    def f(lib: Any, lx: Any, d: dict) -> Any:
        s = lx.stop_gradient(d)
        return lib.sum(d["a"] * s["b"] + s["a"] * d["b"] ** 2)
    d = {"a": X, "b": Y}
    close(grad(lambda d: f(tnp, glax, d))(d), jax.grad(lambda d: f(jnp, jax.lax, d))(d))
    t = {"a": Y, "b": X}
    close(jvp(lambda d: f(tnp, glax, d), (d,), (t,)),
          jax.jvp(lambda d: f(jnp, jax.lax, d), (d,), (t,)))


def test_stop_gradient_in_second_order() -> None:
    def f(lib: Any, lx: Any, x: Any) -> Any:
        return x ** 3 * lx.stop_gradient(x)
    for x in (0.5, 2.0):
        close(grad(grad(lambda x: f(tnp, glax, x)))(x),
              jax.grad(jax.grad(lambda x: f(jnp, jax.lax, x)))(x))


# -- every derivative graph recorded with make_graph typechecks ------------------------------


def _g(x: Any) -> Any:
    return tnp.sum(tnp.sin(x) * tnp.exp(-x) + x ** 2)


def _v(x: Any) -> Any:
    return tnp.sin(x) * tnp.cumsum(x)


GRAPHS: list[tuple[str, Callable[[Any], Any]]] = [
    ("grad", grad(_g)),
    ("value_and_grad", value_and_grad(_g)),
    ("grad_grad", grad(lambda x: tnp.sum(grad(_g)(x) ** 2))),
    ("jvp", lambda x: jvp(_v, (x,), (tnp.ones_like(x),))),
    ("vjp", lambda x: vjp(_v, x)[1](tnp.ones_like(x))),
    ("linearize", lambda x: linearize(_v, x)[1](x)),
    ("jacfwd", jacfwd(_v)),
    ("jacrev", jacrev(_v)),
    ("hessian", hessian(_g)),
    ("jacfwd_jacrev", jacfwd(jacrev(_g))),
    ("allow_int", lambda x: grad(lambda x, n: tnp.sum(x * n), (0, 1), allow_int=True)(
        x, np.arange(3))[0]),
    ("stop_gradient", grad(lambda x: tnp.sum(x * glax.stop_gradient(x)))),
    ("perturbation", lambda x: grad(lambda x: x * grad(lambda y: x * y)(2.0))(x[0])),
]


@pytest.mark.parametrize("fn", [f for _, f in GRAPHS], ids=[n for n, _ in GRAPHS])
def test_derivative_graphs_typecheck_and_match_eager(fn: Callable[[Any], Any]) -> None:
    cg = make_graph(fn)(X)
    typecheck(cg)
    eager = fn(X)
    recorded = tree_util.tree_unflatten(cg.out_tree, eval_graph(cg, X))
    eager_leaves = tree_util.tree_leaves(eager)
    assert all(isinstance(e, Array) or np.asarray(e).dtype == FLOAT0 for e in eager_leaves)
    close(recorded, eager, rtol=1e-13)


def test_vjp_checks_the_cotangent_dtype() -> None:
    """The report: under vmap a float32 cotangent for a float64 output surfaced as an
    internal "mul requires operands of equal dtype"; JAX raises a ValueError."""
    _, pullback = vjp(tnp.sin, np.ones(3))
    with pytest.raises(ValueError, match="cotangent's dtype float32 is not the output's float64"):
        pullback(np.ones(3, np.float32))
    with pytest.raises(ValueError, match="test_ad_api.py"):
        vmap(pullback)(np.ones((2, 3), np.float32))
    _, j_pullback = jax.vjp(jnp.sin, np.ones(3))
    with pytest.raises(ValueError):   # JAX refuses it too
        j_pullback(np.ones(3, np.float32))
    # a Python scalar cotangent takes the output's dtype, as in JAX
    _, pullback32 = vjp(tnp.sin, np.float32(1.0))
    (c,) = pullback32(2.0)
    assert c.dtype == np.float32
    np.testing.assert_allclose(float(c), 2 * np.cos(1.0), rtol=1e-6)


def test_custom_jvp_rule_with_python_if_under_eager_grad() -> None:
    @custom_jvp
    def f(x):
        return tnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        if x > 0:
            return f(x), tnp.cos(x) * t
        return f(x), -t

    assert float(grad(f)(1.0)) == pytest.approx(np.cos(1.0))
    assert float(grad(f)(-1.0)) == -1.0
