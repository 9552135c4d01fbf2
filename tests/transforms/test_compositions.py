"""Every pair and triple of transforms, against JAX.

The transforms ``jit``, ``grad``, ``vmap``, ``jacfwd``, ``jacrev``, ``hessian``,
``custom_jvp``, ``custom_vjp`` and ``checkpoint`` are stacked in every order (each
pair, and each triple for one of the functions), applied to a few functions,
and the values and shapes compared with the same stack built from JAX's
transforms. Each transform is written once as a ``Stage`` that maps a function
``x -> array`` to another such function, so that any two compose:

* ``grad``: the gradient of ``sum(f(x))`` (``grad`` needs a scalar output);
* ``vmap``: ``f`` mapped over a batch of two points built from ``x``;
* ``jacfwd``/``jacrev``/``hessian``: as they are (the result gains axes);
* ``custom_jvp``/``custom_vjp``: ``f`` behind a custom rule that scales the true
  derivative by 1.5, so a test fails if the rule is skipped or the body is
  differentiated instead;
* ``jit`` and ``checkpoint``: as they are (``jax.jit`` in the oracle).

Forward mode of a ``custom_vjp`` function is an error in JAX; there graphjit
must raise too, or give the value JAX gives with the ``custom_vjp`` stages written
as ``custom_jvp`` (the same derivatives at every order). The regression that made this table
necessary: ``jit(T(g))`` for a jitted ``g`` copied ``g``'s state onto the new
``jit`` (``functools.update_wrapper``) and ran ``g`` itself.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Callable

import jax
import numpy as np
import pytest

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

import tracer.numpy as tnp  # noqa: E402
from tracer import nn  # noqa: E402
from transforms import (checkpoint, custom_jvp, custom_vjp, grad, hessian,  # noqa: E402
                        jacfwd, jacrev, jit, jvp, vjp, vmap)


@dataclass(frozen=True)
class Lib:
    """One library's transforms and NumPy module, so a stage is written once."""

    np: Any
    nn: Any
    jit: Callable
    grad: Callable
    vmap: Callable
    jacfwd: Callable
    jacrev: Callable
    hessian: Callable
    custom_jvp: Callable
    custom_vjp: Callable
    checkpoint: Callable
    jvp: Callable
    vjp: Callable


GJ = Lib(tnp, nn, jit, grad, vmap, jacfwd, jacrev, hessian, custom_jvp, custom_vjp,
         checkpoint, jvp, vjp)
JX = Lib(jnp, jax.nn, jax.jit, jax.grad, jax.vmap, jax.jacfwd, jax.jacrev, jax.hessian,
         jax.custom_jvp, jax.custom_vjp, jax.checkpoint, jax.jvp, jax.vjp)


def _grad(L: Lib, f: Callable) -> Callable:
    return L.grad(lambda x: L.np.sum(f(x)))


def _vmap(L: Lib, f: Callable) -> Callable:
    return lambda x: L.vmap(f)(L.np.stack([x, L.np.sin(x) + 0.5]))


def _custom_jvp(L: Lib, f: Callable) -> Callable:
    g = L.custom_jvp(lambda x: f(x))

    @g.defjvp
    def g_jvp(primals: tuple, tangents: tuple) -> tuple:
        y, y_dot = L.jvp(f, primals, tangents)
        return y, 1.5 * y_dot

    return g


def _custom_vjp(L: Lib, f: Callable) -> Callable:
    g = L.custom_vjp(lambda x: f(x))

    def fwd(x: Any) -> tuple:
        return f(x), x

    def bwd(x: Any, ct: Any) -> tuple:
        _, f_vjp = L.vjp(f, x)
        (x_ct,) = f_vjp(ct)
        return (1.5 * x_ct,)

    g.defvjp(fwd, bwd)
    return g


STAGES: dict[str, Callable[[Lib, Callable], Callable]] = {
    "jit": lambda L, f: L.jit(f),
    "grad": _grad,
    "vmap": _vmap,
    "jacfwd": lambda L, f: L.jacfwd(f),
    "jacrev": lambda L, f: L.jacrev(f),
    "hessian": lambda L, f: L.hessian(f),
    "custom_jvp": _custom_jvp,
    "custom_vjp": _custom_vjp,
    "checkpoint": lambda L, f: L.checkpoint(f),
}

def _f_elementwise(L: Lib, x: Any) -> Any:
    return L.np.sin(x) * x ** 2 + L.np.exp(-x)


def _f_mixing(L: Lib, x: Any) -> Any:
    w = L.np.asarray(np.array([[0.3, -1.2], [0.8, 0.5]]))
    return L.nn.softplus(w @ x) * L.np.cos(x[::-1])


def _f_reduce(L: Lib, x: Any) -> Any:
    return L.np.tanh(x) * L.nn.logsumexp(x) + L.np.prod(x)


FUNCTIONS: dict[str, Callable[[Lib, Any], Any]] = {
    "elementwise": _f_elementwise,
    "mixing": _f_mixing,
    "reduce": _f_reduce,
}
X = np.array([0.7, -0.4])


def build(L: Lib, stack: tuple[str, ...], fname: str) -> Callable:
    """``stack[0](stack[1](...(f)))``: the innermost stage is the last one."""
    base = FUNCTIONS[fname]
    def f(x):
        return base(L, x)
    for name in reversed(stack):
        f = STAGES[name](L, f)
    return f


def jax_value(stack: tuple[str, ...], fname: str, x: np.ndarray) -> np.ndarray:
    # one jax.jit around the stack: JAX's values are the same, and op-by-op JAX
    # would compile every primitive of a third derivative separately
    return np.asarray(jax.jit(build(JX, stack, fname))(x))


def check(stack: tuple[str, ...], fname: str) -> None:
    x = X.copy()
    what = " ∘ ".join(stack) + f" ({fname})"
    try:
        want = jax_value(stack, fname, x)
    except TypeError as e:
        # Forward mode (jacfwd, hessian, a custom_jvp rule's jvp) of a custom_vjp
        # function: JAX refuses. graphjit refuses too, or differentiates what JAX
        # would with the custom_vjp stages written as custom_jvp (both scale every
        # derivative order by the same 1.5, so the values are the same).
        assert "custom_vjp" in str(e), e
        as_jvp = tuple("custom_jvp" if s == "custom_vjp" else s for s in stack)
        try:
            got = np.asarray(build(GJ, stack, fname)(x))
        except TypeError as ours:
            assert "custom_vjp" in str(ours), ours
            return
        want = jax_value(as_jvp, fname, x)
    else:
        got = np.asarray(build(GJ, stack, fname)(x))
    assert got.shape == want.shape, f"{what}: shape {got.shape} != JAX's {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} != JAX's {want.dtype}"
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-11, err_msg=what)


NAMES = tuple(STAGES)
PAIRS = list(itertools.product(NAMES, repeat=2))
TRIPLES = list(itertools.product(NAMES, repeat=3))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("fname", FUNCTIONS)
def test_single(name: str, fname: str) -> None:
    check((name,), fname)


@pytest.mark.parametrize("stack", PAIRS, ids=["-".join(p) for p in PAIRS])
@pytest.mark.parametrize("fname", FUNCTIONS)
def test_pair(stack: tuple[str, ...], fname: str) -> None:
    check(stack, fname)


# Forward mode of a custom_vjp function whose tangent is only ever transposed:
# a custom_jvp rule that takes the jvp of a custom_vjp function, under reverse
# mode. JAX defers its refusal (its ``custom_lin`` is transposed with ``bwd``,
# never run); graphjit refuses at once. A refusal, not a wrong answer; strict, so
# that the fix shows up here.
DEFERRED_FORWARD_MODE = pytest.mark.xfail(
    raises=TypeError, strict=True,
    reason="forward mode of custom_vjp under a later transposition is refused "
           "eagerly (JAX defers it with custom_lin)")
FORWARD_OVER_CUSTOM_VJP = {
    ("grad", "custom_jvp", "custom_vjp"), ("jacrev", "custom_jvp", "custom_vjp"),
    ("hessian", "custom_jvp", "custom_vjp"),
}


@pytest.mark.parametrize("stack", [
    pytest.param(t, marks=DEFERRED_FORWARD_MODE) if t in FORWARD_OVER_CUSTOM_VJP else t
    for t in TRIPLES], ids=["-".join(t) for t in TRIPLES])
def test_triple(stack: tuple[str, ...]) -> None:
    check(stack, "mixing")


# ---------------------------------------------------------------------------
# The reports, as the users wrote them


def test_jit_grad_jit_grad_is_the_third_derivative() -> None:
    def f(x):
        return tnp.sin(x) * x ** 3
    def fj(x):
        return jnp.sin(x) * x ** 3
    got = grad(jit(grad(jit(grad(f)))))(1.0)
    want = jax.grad(jax.grad(jax.grad(fj)))(1.0)
    np.testing.assert_allclose(float(got), float(want), rtol=1e-12)


def test_jit_of_grad_of_custom_jvp_runs_the_derivative() -> None:
    @custom_jvp
    def log1pexp(x: Any) -> Any:
        return tnp.log1p(tnp.exp(x))

    @log1pexp.defjvp
    def _(primals: tuple, tangents: tuple) -> tuple:
        (x,), (t,) = primals, tangents
        return log1pexp(x), t * (1.0 - 1.0 / (1.0 + tnp.exp(x)))

    got = jit(grad(log1pexp))(3.0)
    np.testing.assert_allclose(float(got), 1.0 / (1.0 + np.exp(-3.0)), rtol=1e-12)


def test_jit_vmap_grad_jit_shape() -> None:
    def f(x):
        return tnp.sin(x) * x ** 3
    def fj(x):
        return jnp.sin(x) * x ** 3
    xs = np.arange(3.0)
    got = jit(vmap(grad(jit(f))))(xs)
    want = jax.jit(jax.vmap(jax.grad(jax.jit(fj))))(xs)
    assert got.shape == want.shape
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-12)


def test_wrappers_keep_identity_not_state() -> None:
    """A transform's wrapper carries the function's name and docstring, never the
    wrapped object's own attributes (a Jitted's function and caches)."""
    def loss(x: Any) -> Any:
        """The loss."""
        return tnp.sum(x ** 2)

    inner = jit(loss)
    outer = jit(grad(inner))
    assert outer.__name__ == "loss" and outer.__doc__ == "The loss."
    assert outer.fun is not inner.fun
    assert outer._cache is not inner._cache
    for t in (grad, vmap, jacfwd, jacrev, hessian, checkpoint):
        w = t(inner)
        assert "_cache" not in vars(w) and "fun" not in vars(w), t.__name__
