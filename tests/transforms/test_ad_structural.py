"""Derivatives of reductions, cumulative ops and shape primitives.

Rules live in ``transforms/ad_rules/structural.py``.  Table-driven: one row per
primitive (through ``tracer.lax``) and per user-level function built on them
(``tracer.numpy``, static indexing), each checked with ``check_grads``
(order 2, forward and reverse: central differences and the dot-product
identity, every derivative graph typechecked), plus gradients compared with
``jax`` and the conventions at kinks (ties, zeros) pinned down.
"""
from __future__ import annotations

import zlib
from typing import Any, Callable

import jax
import numpy as np
import pytest

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

import tracer.lax as lax  # noqa: E402
import tracer.numpy as tnp  # noqa: E402
from tests.transforms.gradcheck import check_grads  # noqa: E402
from tracer import make_graph, typecheck  # noqa: E402
from tracer import primitives as P  # noqa: E402
from transforms import grad, hessian, jvp, vjp  # noqa: E402
from transforms.jvp import jvp_rules  # noqa: E402
from transforms.vjp import vjp_rules  # noqa: E402

STRUCTURAL = [
    P.reduce_sum_p, P.reduce_prod_p, P.reduce_max_p, P.reduce_min_p, P.reduce_and_p,
    P.reduce_or_p, P.argmax_p, P.argmin_p, P.cumsum_p, P.cumprod_p, P.cummax_p, P.cummin_p,
    P.cumlogsumexp_p, P.broadcast_in_dim_p, P.reshape_p, P.transpose_p, P.squeeze_p,
    P.expand_dims_p, P.rev_p, P.concatenate_p, P.pad_p, P.slice_p, P.iota_p,
]


def _rng(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))   # stable across processes


def normal(*shape: int) -> Callable[[np.random.Generator, Any], np.ndarray]:
    """Standard normal inputs (distinct values: no ties)."""
    return lambda rng, dt: rng.standard_normal(shape).astype(dt)


def away_from_zero(*shape: int) -> Callable[[np.random.Generator, Any], np.ndarray]:
    """Values in +-[0.5, 1.5] (products stay well scaled)."""
    return lambda rng, dt: (rng.uniform(0.5, 1.5, shape)
                            * rng.choice([-1.0, 1.0], shape)).astype(dt)


def positive(*shape: int) -> Callable[[np.random.Generator, Any], np.ndarray]:
    return lambda rng, dt: rng.uniform(0.5, 2.0, shape).astype(dt)


def scalar(rng: np.random.Generator, dt: Any) -> np.ndarray:
    return np.asarray(rng.standard_normal(), dt)


N34, N234 = normal(3, 4), normal(2, 3, 4)

# (id, function, input generators)
PRIM_ROWS: list[tuple[str, Callable[..., Any], list[Callable]]] = [
    ("reduce_sum", lambda x: lax.reduce_sum(x, (0, 2)), [N234]),
    ("reduce_sum_none", lambda x: lax.reduce_sum(x, ()), [N34]),
    ("reduce_prod", lambda x: lax.reduce_prod(x, (1,)), [away_from_zero(3, 4)]),
    ("reduce_prod_axes02", lambda x: lax.reduce_prod(x, (0, 2)), [away_from_zero(2, 3, 4)]),
    ("reduce_prod_all", lambda x: lax.reduce_prod(x, (0, 1)), [away_from_zero(2, 3)]),
    ("reduce_max", lambda x: lax.reduce_max(x, (1,)), [N34]),
    ("reduce_max_axes02", lambda x: lax.reduce_max(x, (0, 2)), [N234]),
    ("reduce_min", lambda x: lax.reduce_min(x, (0,)), [N34]),
    ("reduce_and", lambda x: x * lax.convert_element_type(
        lax.reduce_and(x > -10.0, (0,)), x.dtype), [N34]),
    ("reduce_or", lambda x: x * lax.convert_element_type(
        lax.reduce_or(x > 0.0, (1,)), x.dtype)[:, None], [N34]),
    ("argmax", lambda x: x * lax.argmax(x, 0, np.int64), [N34]),
    ("argmin", lambda x: x * lax.argmin(x, 1, np.int64)[:, None], [N34]),
    ("iota", lambda x: x * lax.broadcasted_iota(x.dtype, x.shape, 1), [N34]),
    ("cumsum", lambda x: lax.cumsum(x, 1), [N34]),
    ("cumsum_rev", lambda x: lax.cumsum(x, 0, reverse=True), [N34]),
    ("cumprod", lambda x: lax.cumprod(x, 1), [away_from_zero(3, 5)]),
    ("cumprod_rev", lambda x: lax.cumprod(x, 0, reverse=True), [away_from_zero(4, 3)]),
    ("cummax", lambda x: lax.cummax(x, 1), [normal(3, 6)]),
    ("cummax_rev", lambda x: lax.cummax(x, 0, reverse=True), [normal(5, 2)]),
    ("cummin", lambda x: lax.cummin(x, 0), [normal(7, 2)]),
    ("cummin_rev", lambda x: lax.cummin(x, 1, reverse=True), [normal(2, 6)]),
    ("cumlogsumexp", lambda x: lax.cumlogsumexp(x, 1), [normal(3, 5)]),
    ("cumlogsumexp_rev", lambda x: lax.cumlogsumexp(x, 0, reverse=True), [normal(6, 2)]),
    ("broadcast_in_dim", lambda x: lax.broadcast_in_dim(x, (2, 3, 4), (1, 2)), [normal(3, 1)]),
    ("broadcast_in_dim_scalar", lambda x: lax.broadcast_in_dim(x, (2, 3), ()), [scalar]),
    ("reshape", lambda x: lax.reshape(x, (6, 4)), [N234]),
    ("transpose", lambda x: lax.transpose(x, (2, 0, 1)), [N234]),
    ("squeeze", lambda x: lax.squeeze(x, (1,)), [normal(3, 1, 4)]),
    ("expand_dims", lambda x: lax.expand_dims(x, (0, 2)), [N34]),
    ("rev", lambda x: lax.rev(x, (0, 1)), [N34]),
    ("concatenate", lambda x, y: lax.concatenate([x, y, x], 1), [N34, normal(3, 2)]),
    ("pad", lambda x, v: lax.pad(x, v, [(1, 2, 1), (0, 3, 0)]), [N34, scalar]),
    ("pad_negative", lambda x, v: lax.pad(x, v, [(-1, 2, 2), (2, -3, 1)]), [N34, scalar]),
    ("pad_crop_only", lambda x: lax.pad(x, 0.0, [(-1, -1, 0), (0, -2, 0)]), [N34]),
    ("slice", lambda x: lax.slice(x, (1, 0), (3, 4)), [N34]),
    ("slice_strided", lambda x: lax.slice(x, (0, 1), (3, 4), (2, 2)), [N34]),
]

TNP_ROWS: list[Any] = [
    ("sum", lambda x: tnp.sum(x), [N34]),
    ("sum_axis_keepdims", lambda x: tnp.sum(x, axis=1, keepdims=True), [N234]),
    ("prod", lambda x: tnp.prod(x, axis=0), [away_from_zero(3, 4)]),
    ("mean", lambda x: tnp.mean(x, axis=(0, 2)), [N234]),
    ("var", lambda x: tnp.var(x, axis=1), [N34]),
    ("std", lambda x: tnp.std(x, ddof=1), [N34]),
    ("max", lambda x: tnp.max(x, axis=0), [N34]),
    ("min", lambda x: tnp.min(x), [N34]),
    ("amax", lambda x: tnp.amax(x, axis=-1, keepdims=True), [N34]),
    ("ptp", lambda x: tnp.ptp(x, axis=1), [N34]),
    ("cumsum", lambda x: tnp.cumsum(x, axis=0), [N34]),
    ("cumsum_flat", lambda x: tnp.cumsum(x), [N34]),
    ("cumprod", lambda x: tnp.cumprod(x, axis=1), [away_from_zero(3, 4)]),
    ("nansum", lambda x: tnp.nansum(x, axis=0), [N34]),
    ("nansum_nan", lambda x: tnp.nansum(x, axis=0),
     [lambda rng, dt: np.where(np.eye(3, 4) > 0, np.nan, rng.standard_normal((3, 4))).astype(dt)]),
    ("nanmean", lambda x: tnp.nanmean(x, axis=1), [N34]),
    pytest.param("median", lambda x: tnp.median(x, axis=1), [normal(3, 5)],
                 marks=pytest.mark.skipif(P.sort_p not in jvp_rules or P.sort_p not in vjp_rules,
                                          reason="median sorts: needs the sort rules")),
    ("average", lambda x, w: tnp.average(x, axis=1, weights=w), [N34, positive(3, 4)]),
    ("reshape", lambda x: tnp.reshape(x, (4, -1)), [N234]),
    ("transpose", lambda x: tnp.transpose(x), [N234]),
    ("swapaxes", lambda x: tnp.swapaxes(x, 0, 2), [N234]),
    ("moveaxis", lambda x: tnp.moveaxis(x, 0, -1), [N234]),
    ("squeeze", lambda x: tnp.squeeze(x), [normal(1, 3, 1)]),
    ("expand_dims", lambda x: tnp.expand_dims(x, (0, -1)), [N34]),
    ("broadcast_to", lambda x: tnp.broadcast_to(x, (2, 3, 4)), [normal(1, 4)]),
    ("concatenate", lambda x, y: tnp.concatenate([x, y], axis=0), [N34, normal(2, 4)]),
    ("stack", lambda x, y: tnp.stack([x, y], axis=1), [N34, N34]),
    ("split", lambda x: tnp.split(x, [1, 3], axis=1), [normal(3, 5)]),
    ("tile", lambda x: tnp.tile(x, (2, 1, 3)), [N34]),
    ("repeat", lambda x: tnp.repeat(x, 3, axis=0), [N34]),
    ("flip", lambda x: tnp.flip(x, axis=1), [N34]),
    ("roll", lambda x: tnp.roll(x, 2, axis=1), [N34]),
    ("roll_flat", lambda x: tnp.roll(x, -5), [N34]),
    ("rot90", lambda x: tnp.rot90(x, k=3), [N34]),
    ("pad_constant", lambda x: tnp.pad(x, ((1, 2), (0, 1)), constant_values=2.0), [N34]),
    ("pad_reflect", lambda x: tnp.pad(x, 2, mode="reflect"), [N34]),
    ("pad_edge", lambda x: tnp.pad(x, ((0, 2), (1, 1)), mode="edge"), [N34]),
    ("diagonal", lambda x: tnp.diagonal(x, offset=1), [N34]),
    ("diagonal_3d", lambda x: tnp.diagonal(x, axis1=1, axis2=2), [N234]),
    ("trace", lambda x: tnp.trace(x, offset=-1), [N34]),
    ("tril", lambda x: tnp.tril(x), [N34]),
    ("triu", lambda x: tnp.triu(x, k=1), [N34]),
    ("diag_vector", lambda x: tnp.diag(x, k=1), [normal(3)]),
    ("diag_matrix", lambda x: tnp.diag(x), [N34]),
    ("index_slices", lambda x: x[1:3, ::2], [normal(4, 5)]),
    ("index_reverse", lambda x: x[::-1], [N34]),
    ("index_newaxis", lambda x: x[None], [N34]),
    ("index_int_ellipsis", lambda x: x[..., 1], [N234]),
    ("index_negative_step", lambda x: x[-1:0:-2, 1:], [normal(5, 3)]),
]

F32_ROWS: list[tuple[str, Callable[..., Any], list[Callable]]] = [
    ("sum", lambda x: tnp.sum(x, axis=0), [N34]),
    ("prod", lambda x: tnp.prod(x), [away_from_zero(2, 3)]),
    ("max", lambda x: tnp.max(x, axis=1), [N34]),
    ("var", lambda x: tnp.var(x, axis=0), [N34]),
    ("cumprod", lambda x: lax.cumprod(x, 1), [away_from_zero(2, 4)]),
    ("cumlogsumexp", lambda x: lax.cumlogsumexp(x, 0), [normal(4, 2)]),
    ("cummax", lambda x: lax.cummax(x, 1), [normal(2, 5)]),
    ("pad", lambda x, v: lax.pad(x, v, [(1, -1, 1), (2, 0, 0)]), [N34, scalar]),
    ("slice_strided", lambda x: lax.slice(x, (0, 1), (3, 4), (2, 2)), [N34]),
]


def _args(name: str, gens: list[Callable], dtype: Any) -> list[np.ndarray]:
    rng = _rng(name)
    return [g(rng, dtype) for g in gens]


@pytest.mark.parametrize("name,fn,gens", PRIM_ROWS, ids=[r[0] for r in PRIM_ROWS])
def test_lax_grads(name: str, fn: Callable, gens: list[Callable]) -> None:
    check_grads(fn, _args(name, gens, np.float64), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name,fn,gens", TNP_ROWS,
                         ids=[r.values[0] if hasattr(r, "values") else r[0] for r in TNP_ROWS])
def test_tnp_grads(name: str, fn: Callable, gens: list[Callable]) -> None:
    check_grads(fn, _args(name, gens, np.float64), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name,fn,gens", F32_ROWS, ids=[r[0] for r in F32_ROWS])
def test_float32_grads(name: str, fn: Callable, gens: list[Callable]) -> None:
    args = _args(name, gens, np.float32)
    check_grads(fn, args, order=2, modes=("fwd", "rev"), eps=1e-2, rtol=5e-2, atol=5e-2)
    out, pullback = vjp(fn, *args)
    cts = pullback(out)
    assert all(np.asarray(c).dtype == np.float32 for c in cts)


def test_every_structural_primitive_has_both_rules() -> None:
    missing = [p.name for p in STRUCTURAL if p not in jvp_rules or p not in vjp_rules]
    assert not missing


# -- against JAX ------------------------------------------------------------------------

X34 = np.random.default_rng(7).standard_normal((3, 4))
ZEROS = np.array([[2.0, 0.0, 3.0, 0.0, 5.0],     # two zeros
                  [1.5, -2.0, 0.0, 4.0, 0.5],    # one zero
                  [1.0, 2.0, -3.0, 0.5, 2.0]])   # none
TIES = np.array([[1.0, 3.0, 3.0, 2.0, 0.5],
                 [2.0, 2.0, 1.0, 1.0, 2.0],
                 [-1.0, 0.0, 0.0, 0.0, -1.0]])

# (id, ours, jax's, input): gradients of sum(f(x) * c) must agree
JAX_ROWS: list[tuple[str, Callable, Callable, np.ndarray]] = [
    ("prod_zeros", lambda x: tnp.prod(x, axis=1), lambda x: jnp.prod(x, axis=1), ZEROS),
    ("prod_all_zeros", lambda x: tnp.prod(x), lambda x: jnp.prod(x), ZEROS[1:]),
    ("cumprod_zeros", lambda x: tnp.cumprod(x, axis=1), lambda x: jnp.cumprod(x, axis=1),
     ZEROS),
    ("cumprod_rev_zeros", lambda x: lax.cumprod(x, 1, reverse=True),
     lambda x: jax.lax.cumprod(x, 1, reverse=True), ZEROS),
    ("max_ties", lambda x: tnp.max(x, axis=1), lambda x: jnp.max(x, axis=1), TIES),
    ("min_ties", lambda x: tnp.min(x, axis=0), lambda x: jnp.min(x, axis=0), TIES),
    ("max_all_ties", lambda x: tnp.max(x), lambda x: jnp.max(x), TIES),
    ("cummax", lambda x: lax.cummax(x, 1), lambda x: jax.lax.cummax(x, 1), X34),
    ("cummin_rev", lambda x: lax.cummin(x, 0, reverse=True),
     lambda x: jax.lax.cummin(x, 0, reverse=True), X34),
    ("cumlogsumexp", lambda x: lax.cumlogsumexp(x, 1),
     lambda x: jax.lax.cumlogsumexp(x, 1), X34),
    ("cumlogsumexp_wide", lambda x: lax.cumlogsumexp(x, 1),
     lambda x: jax.lax.cumlogsumexp(x, 1), np.array([[-1000.0, 0.0, 5.0, -800.0]])),
    ("cumlogsumexp_leading_ninf", lambda x: lax.cumlogsumexp(x, 1),
     lambda x: jax.lax.cumlogsumexp(x, 1), np.array([[-np.inf, 0.0, 1.0], [0.5, -np.inf, 2.0]])),
    ("var", lambda x: tnp.var(x, axis=0), lambda x: jnp.var(x, axis=0), X34),
    ("pad", lambda x: lax.pad(x, 1.5, [(-1, 2, 1), (2, -3, 2)]),
     lambda x: jax.lax.pad(x, 1.5, [(-1, 2, 1), (2, -3, 2)]), X34),
    ("slice", lambda x: lax.slice(x, (1, 0), (3, 4), (1, 3)),
     lambda x: jax.lax.slice(x, (1, 0), (3, 4), (1, 3)), X34),
    ("broadcast_in_dim", lambda x: lax.broadcast_in_dim(x[:, :1], (2, 3, 5), (1, 2)),
     lambda x: jax.lax.broadcast_in_dim(x[:, :1], (2, 3, 5), (1, 2)), X34),
    ("rot90_roll", lambda x: tnp.roll(tnp.rot90(x), 3), lambda x: jnp.roll(jnp.rot90(x), 3),
     X34),
    ("diagonal_trace", lambda x: tnp.diagonal(x, 1) * tnp.trace(x),
     lambda x: jnp.diagonal(x, 1) * jnp.trace(x), X34),
]


@pytest.mark.parametrize("name,ours,theirs,x", JAX_ROWS, ids=[r[0] for r in JAX_ROWS])
def test_grad_matches_jax(name: str, ours: Callable, theirs: Callable, x: np.ndarray) -> None:
    c = np.random.default_rng(3).standard_normal(jax.eval_shape(theirs, x).shape)
    g = grad(lambda x: tnp.sum(ours(x) * c))(x)
    want = jax.jit(jax.grad(lambda x: jnp.sum(theirs(x) * c)))(x)   # jit: one compile
    np.testing.assert_allclose(np.asarray(g), want, rtol=1e-12, atol=1e-12)
    t = np.random.default_rng(4).standard_normal(x.shape)
    np.testing.assert_allclose(np.asarray(jvp(ours, (x,), (t,))[1]),
                               jax.jit(lambda x, t: jax.jvp(theirs, (x,), (t,))[1])(x, t),
                               rtol=1e-12, atol=1e-12)


HESS_ROWS: list[tuple[str, Callable, Callable, np.ndarray]] = [
    ("prod_zeros", lambda x: tnp.prod(x), lambda x: jnp.prod(x), ZEROS[0]),
    ("prod_one_zero", lambda x: tnp.prod(x), lambda x: jnp.prod(x), ZEROS[1]),
    ("cumprod_zeros", lambda x: tnp.sum(tnp.cumprod(x) * tnp.arange(5.0)),
     lambda x: jnp.sum(jnp.cumprod(x) * jnp.arange(5.0)), ZEROS[0]),
    ("cumlogsumexp", lambda x: tnp.sum(lax.cumlogsumexp(x, 0) * tnp.arange(4.0)),
     lambda x: jnp.sum(jax.lax.cumlogsumexp(x, 0) * jnp.arange(4.0)), X34[0]),
    ("std", lambda x: tnp.std(x), lambda x: jnp.std(x), X34),
]


@pytest.mark.parametrize("name,ours,theirs,x", HESS_ROWS, ids=[r[0] for r in HESS_ROWS])
def test_hessian_matches_jax(name: str, ours: Callable, theirs: Callable,
                             x: np.ndarray) -> None:
    np.testing.assert_allclose(np.asarray(hessian(ours)(x)), jax.jit(jax.hessian(theirs))(x),
                               rtol=1e-10, atol=1e-10)
    gg = grad(lambda x: tnp.sum(grad(ours)(x) * tnp.arange(float(x.size)).reshape(x.shape)))
    want = jax.grad(lambda x: jnp.sum(jax.grad(theirs)(x)
                                      * jnp.arange(float(x.size)).reshape(x.shape)))
    np.testing.assert_allclose(np.asarray(gg(x)), jax.jit(want)(x), rtol=1e-10, atol=1e-10)


# -- conventions at kinks ---------------------------------------------------------------


def test_reduce_max_splits_ties_equally() -> None:
    x = np.array([1.0, 3.0, 3.0, 3.0, 2.0])
    np.testing.assert_allclose(np.asarray(grad(tnp.max)(x)), [0, 1 / 3, 1 / 3, 1 / 3, 0])
    np.testing.assert_allclose(np.asarray(jvp(tnp.min, (x,), (np.arange(5.0),))[1]), 0.0)


def test_reduce_prod_exact_with_zeros() -> None:
    x = np.array([2.0, 0.0, 3.0, 4.0])
    np.testing.assert_array_equal(np.asarray(grad(tnp.prod)(x)), [0.0, 24.0, 0.0, 0.0])
    np.testing.assert_array_equal(np.asarray(grad(tnp.prod)(np.array([0.0, 5.0, 0.0]))), 0.0)
    # no zero: exactly the product of the others (no division)
    x = np.array([3.0, 7.0, 11.0])
    np.testing.assert_array_equal(np.asarray(grad(tnp.prod)(x)), [77.0, 33.0, 21.0])


def test_cummax_ties_sequential_convention() -> None:
    # y_i = max(y_{i-1}, x_i) with lax.max's half/half split at each tie.
    x = np.array([1.0, 1.0, 1.0])
    _, dy = jvp(lambda x: lax.cummax(x, 0), (x,), (np.array([1.0, 2.0, 3.0]),))
    np.testing.assert_allclose(np.asarray(dy), [1.0, 1.5, 2.25])
    # away from ties the derivative goes to where the running maximum came from
    x = np.array([0.0, 2.0, 1.0, 3.0, -1.0])
    jac = np.stack([np.asarray(jvp(lambda x: lax.cummax(x, 0), (x,), (e,))[1])
                    for e in np.eye(5)], axis=1)
    src = [0, 1, 1, 3, 3]
    np.testing.assert_array_equal(jac, np.eye(5)[src])


def test_cumlogsumexp_all_ninf_prefix_is_a_tie() -> None:
    # logaddexp(-inf, -inf): JAX gives NaN; here half/half like logaddexp(a, a), so the
    # weights of each output still sum to 1 and nothing is NaN.
    x = np.array([-np.inf, -np.inf, 2.0])
    jac = np.stack([np.asarray(jvp(lambda x: lax.cumlogsumexp(x, 0), (x,), (e,))[1])
                    for e in np.eye(3)], axis=1)
    np.testing.assert_allclose(jac, [[1, 0, 0], [0.5, 0.5, 0], [0, 0, 1]])
    g = grad(lambda x: tnp.sum(lax.cumlogsumexp(x, 0) * tnp.arange(1.0, 4.0)))(x)
    np.testing.assert_allclose(np.asarray(g), [2.0, 1.0, 3.0])


def test_pad_value_cotangent_counts_padded_positions() -> None:
    x = np.ones((2, 3))
    config = [(1, -1, 1), (2, 1, 0)]
    out, pullback = vjp(lambda x, v: lax.pad(x, v, config), x, 0.0)
    ct = np.ones(np.shape(out))
    ct_x, ct_v = pullback(ct)
    # rows: [pad, x_0, pad(interior), x_1] with hi=-1 cropping x_1; columns 2 + 3 + 1 = 6.
    # So out is 3x6, x_0 lands in it and x_1 does not; v fills the other 18 - 3 positions.
    np.testing.assert_array_equal(np.asarray(ct_x), [[1, 1, 1], [0, 0, 0]])
    assert float(ct_v) == np.size(out) - 3


def test_derivative_graphs_typecheck_and_replay() -> None:
    x = away_from_zero(3, 5)(np.random.default_rng(0), np.float64)

    def f(x: Any) -> Any:
        return tnp.sum(lax.cumprod(x, 1) * lax.cummax(x, 0)) + tnp.max(lax.pad(
            x, 0.0, [(1, 1, 1), (0, -1, 0)]))
    g = make_graph(grad(f))(x)
    typecheck(g)
    from tracer import eval_graph
    np.testing.assert_allclose(np.asarray(eval_graph(g, x)[0]), np.asarray(grad(f)(x)),
                               rtol=1e-13)


def test_empty_and_length_one_axes() -> None:
    for f in (lambda x: lax.cumprod(x, 1), lambda x: lax.cummax(x, 1),
              lambda x: lax.cumlogsumexp(x, 1), lambda x: lax.reduce_prod(x, (1,))):
        for shape in ((2, 0), (2, 1)):
            x = np.ones(shape)
            out, pullback = vjp(f, x)
            (ct,) = pullback(np.ones(np.shape(out)))
            assert np.shape(ct) == shape
            _, t = jvp(f, (x,), (np.ones(shape),))
            assert np.shape(t) == np.shape(out)
