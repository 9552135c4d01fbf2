"""vmap of reductions, arg-reductions and cumulative primitives, and of the
lax/tnp/nn functions built on them (sums, means, variances, extrema, medians,
softmax ...).

Every row runs under every configuration of its arity with ``check_vmap``
(vmap against a Python loop, eagerly and through a typechecked graph): the
batch axis in front of, between and after the reduced axes, negative axes,
unbatched operands and a size-1 batch.  The rules never move the batch axis:
``test_reductions_add_no_equations`` checks it.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import tracer.numpy as tnp
from tests.transforms.test_vmap_elementwise import data, prim, run_checked
from tests.transforms.vmapcheck import batched_eqn_count
from tracer import lax, make_graph, nn
from tracer import primitives as P
from transforms import grad, vmap
from transforms.vmap_rules.reductions import ARG_REDUCTIONS, CUMULATIVE, REDUCTIONS

# per-example operands have shape (3, 4, 2); (in_axes, out_axes, batch size)
CONFIGS: dict[int, list[tuple]] = {
    1: [((0,), 0, 4), ((1,), -1, 2), ((-1,), 0, 3), ((2,), -1, 1), ((-2,), 0, 2)],
    2: [((0, 0), 0, 3), ((1, None), -1, 2), ((None, -1), 0, 2), ((3, 1), 0, 1),
        ((-2, 2), -1, 2)],
}
SHAPE = (3, 4, 2)


def _batched(kind: str, axis: int | None, size: int) -> np.ndarray:
    if axis is None:
        return data(kind, SHAPE)
    s = list(SHAPE)
    s.insert(axis % (len(SHAPE) + 1), size)
    return data(kind, tuple(s))


def _params(rows: list[tuple], arity: int) -> list:
    return [pytest.param(f, kinds, c, id=f"{name}-{i}")
            for name, f, kinds in rows if len(kinds) == arity
            for i, c in enumerate(CONFIGS[arity])]


def _run(f: Callable, kinds: tuple[str, ...], config: tuple) -> None:
    in_axes, out_axes, size = config
    args = [_batched(k, a, size) for k, a in zip(kinds, in_axes)]
    run_checked(f, args, in_axes, out_axes, rtol=1e-10, atol=1e-12)


_I32, _I64 = np.dtype(np.int32), np.dtype(np.int64)

PRIM_ROWS: list[tuple] = [
    ("reduce_sum_0", prim(P.reduce_sum_p, axes=(0,)), ("f",)),
    ("reduce_sum_1", prim(P.reduce_sum_p, axes=(1,)), ("i",)),
    ("reduce_sum_2", prim(P.reduce_sum_p, axes=(2,)), ("f",)),
    ("reduce_sum_02", prim(P.reduce_sum_p, axes=(0, 2)), ("f",)),
    ("reduce_sum_all", prim(P.reduce_sum_p, axes=(2, 0, 1)), ("f",)),
    ("reduce_sum_none", prim(P.reduce_sum_p, axes=()), ("f",)),
    ("reduce_sum_bool", prim(P.reduce_sum_p, axes=(1,)), ("b",)),
    ("reduce_prod_1", prim(P.reduce_prod_p, axes=(1,)), ("f",)),
    ("reduce_prod_02", prim(P.reduce_prod_p, axes=(0, 2)), ("i",)),
    ("reduce_max_0", prim(P.reduce_max_p, axes=(0,)), ("nan",)),
    ("reduce_max_12", prim(P.reduce_max_p, axes=(1, 2)), ("i",)),
    ("reduce_min_2", prim(P.reduce_min_p, axes=(2,)), ("f",)),
    ("reduce_min_all", prim(P.reduce_min_p, axes=(0, 1, 2)), ("nan",)),
    ("reduce_and_1", prim(P.reduce_and_p, axes=(1,)), ("b",)),
    ("reduce_and_02", prim(P.reduce_and_p, axes=(0, 2)), ("i",)),
    ("reduce_or_0", prim(P.reduce_or_p, axes=(0,)), ("b",)),
    ("reduce_or_2", prim(P.reduce_or_p, axes=(2,)), ("u",)),
    ("argmax_0", prim(P.argmax_p, axis=0, index_dtype=_I64), ("small",)),
    ("argmax_1", prim(P.argmax_p, axis=1, index_dtype=_I32), ("nan",)),
    ("argmax_2", prim(P.argmax_p, axis=2, index_dtype=_I64), ("f",)),
    ("argmin_1", prim(P.argmin_p, axis=1, index_dtype=_I64), ("small",)),
    ("argmin_2", prim(P.argmin_p, axis=2, index_dtype=_I32), ("f",)),
    ("cumsum_0", prim(P.cumsum_p, axis=0), ("f",)),
    ("cumsum_1_rev", prim(P.cumsum_p, axis=1, reverse=True), ("i",)),
    ("cumsum_2_bool", prim(P.cumsum_p, axis=2), ("b",)),
    ("cumprod_1", prim(P.cumprod_p, axis=1), ("f",)),
    ("cumprod_2_rev", prim(P.cumprod_p, axis=2, reverse=True), ("i",)),
    ("cummax_1", prim(P.cummax_p, axis=1), ("nan",)),
    ("cummax_0_rev", prim(P.cummax_p, axis=0, reverse=True), ("i",)),
    ("cummin_2", prim(P.cummin_p, axis=2), ("f",)),
    ("cummin_1_rev", prim(P.cummin_p, axis=1, reverse=True), ("f",)),
    ("cumlogsumexp_1", prim(P.cumlogsumexp_p, axis=1), ("f",)),
    ("cumlogsumexp_0_rev", prim(P.cumlogsumexp_p, axis=0, reverse=True), ("f32",)),
]

USER_ROWS: list[tuple] = [
    # lax
    ("lax.reduce_sum", lambda x: lax.reduce_sum(x, (0, 2)), ("f",)),
    ("lax.reduce_max", lambda x: lax.reduce_max(x, (1,)), ("f",)),
    ("lax.reduce_or", lambda x: lax.reduce_or(x, (2,)), ("b",)),
    ("lax.reduce", lambda x: lax.reduce(x, 0.0, lax.add, (1,)), ("f",)),
    ("lax.argmax", lambda x: lax.argmax(x, 1, np.int32), ("f",)),
    ("lax.argmin", lambda x: lax.argmin(x, 0, np.int64), ("i",)),
    ("lax.cumsum", lambda x: lax.cumsum(x, axis=2, reverse=True), ("f",)),
    ("lax.cummax", lambda x: lax.cummax(x, axis=0), ("i",)),
    ("lax.cumlogsumexp", lambda x: lax.cumlogsumexp(x, axis=1), ("f",)),
    # tnp sums, means, extrema
    ("tnp.sum", lambda x: tnp.sum(x, axis=1), ("f",)),
    ("tnp.sum_all", tnp.sum, ("i",)),
    ("tnp.sum_keepdims", lambda x: tnp.sum(x, axis=(0, 2), keepdims=True), ("f",)),
    ("tnp.sum_dtype_initial", lambda x: tnp.sum(x, axis=-1, dtype=np.float32, initial=1.0),
     ("i",)),
    ("tnp.prod", lambda x: tnp.prod(x, axis=0), ("f",)),
    ("tnp.mean", lambda x: tnp.mean(x, axis=0), ("f",)),
    ("tnp.mean_all", tnp.mean, ("i",)),
    ("tnp.var", lambda x: tnp.var(x, axis=1, ddof=1), ("f",)),
    ("tnp.std", lambda x: tnp.std(x, axis=(0, 2)), ("f",)),
    ("tnp.max", lambda x: tnp.max(x, axis=2), ("nan",)),
    ("tnp.min_keepdims", lambda x: tnp.min(x, axis=1, keepdims=True), ("i",)),
    ("tnp.amax", tnp.amax, ("f",)),
    ("tnp.ptp", lambda x: tnp.ptp(x, axis=0), ("f",)),
    ("tnp.all", lambda x: tnp.all(x, axis=1), ("b",)),
    ("tnp.any", lambda x: tnp.any(x > 1, axis=(0, 1)), ("f",)),
    ("tnp.count_nonzero", lambda x: tnp.count_nonzero(x, axis=2), ("small",)),
    ("tnp.argmax", lambda x: tnp.argmax(x, axis=1), ("small",)),
    ("tnp.argmax_flat", tnp.argmax, ("f",)),
    ("tnp.argmin_keepdims", lambda x: tnp.argmin(x, axis=-1, keepdims=True), ("f",)),
    ("tnp.cumsum", lambda x: tnp.cumsum(x, axis=1), ("i",)),
    ("tnp.cumsum_flat", tnp.cumsum, ("f",)),
    ("tnp.cumprod", lambda x: tnp.cumprod(x, axis=-1), ("f",)),
    ("tnp.cumulative_sum", lambda x: tnp.cumulative_sum(x, axis=0, include_initial=True),
     ("f",)),
    ("tnp.nansum", lambda x: tnp.nansum(x, axis=0), ("nan",)),
    ("tnp.nanmean", lambda x: tnp.nanmean(x, axis=2), ("nan",)),
    ("tnp.nanmax", lambda x: tnp.nanmax(x, axis=1), ("nan",)),
    ("tnp.nanargmin", lambda x: tnp.nanargmin(x, axis=1), ("f",)),
    ("tnp.nanvar", lambda x: tnp.nanvar(x, axis=0), ("nan",)),
    ("tnp.nancumsum", lambda x: tnp.nancumsum(x, axis=2), ("nan",)),
    ("tnp.median", lambda x: tnp.median(x, axis=0), ("f",)),
    ("tnp.median_all", tnp.median, ("f",)),
    ("tnp.quantile", lambda x: tnp.quantile(x, 0.3, axis=1), ("f",)),
    ("tnp.percentile", lambda x: tnp.percentile(x, [10.0, 90.0], axis=-1), ("f",)),
    ("tnp.average", lambda x: tnp.average(x, axis=1), ("f",)),
    ("tnp.allclose", lambda x: tnp.allclose(x, x * (1 + 1e-9)), ("f",)),
    ("method.sum", lambda x: x.sum(axis=0), ("f",)),
    ("method.mean", lambda x: x.mean(axis=(1, 2)), ("f",)),
    ("method.max", lambda x: x.max(axis=1), ("f",)),
    ("method.argmax", lambda x: x.argmax(axis=2), ("f",)),
    ("method.cumsum", lambda x: x.cumsum(axis=0), ("f",)),
    ("method.std", lambda x: x.std(), ("f",)),
    # nn
    ("nn.softmax", nn.softmax, ("f",)),
    ("nn.softmax_axes", lambda x: nn.softmax(x, axis=(0, 1)), ("f",)),
    ("nn.log_softmax", lambda x: nn.log_softmax(x, axis=0), ("f",)),
    ("nn.logsumexp", lambda x: nn.logsumexp(x, axis=1), ("f",)),
    ("nn.logsumexp_all_keepdims", lambda x: nn.logsumexp(x, keepdims=True), ("nan",)),
    ("nn.standardize", nn.standardize, ("f",)),
    ("nn.standardize_axis0", lambda x: nn.standardize(x, axis=0), ("f32",)),
    ("nn.one_hot", lambda x: nn.one_hot(x, 5), ("small",)),
    ("nn.one_hot_argmax", lambda x: nn.one_hot(tnp.argmax(x, axis=1), 4, axis=0), ("f",)),
    # two operands
    ("tnp.average_weights", lambda x, w: tnp.average(x, axis=(0, 2), weights=w), ("f", "pos")),
    ("tnp.sum_of_product", lambda x, y: tnp.sum(x * y, axis=1), ("f", "f")),
    ("tnp.argmax_of_sum", lambda x, y: tnp.argmax(x + y, axis=0), ("f", "f")),
    ("tnp.cumsum_where", lambda x, y: tnp.cumsum(tnp.where(y > 0, x, 0), axis=2), ("f", "f")),
    ("nn.softmax_where", lambda x, m: nn.softmax(x, axis=1, where=m), ("f", "b")),
    ("nn.logsumexp_b", lambda x, b: nn.logsumexp(x, axis=2, b=b), ("f", "pos")),
]

ROWS = PRIM_ROWS + USER_ROWS


def test_every_reduction_primitive_has_a_row() -> None:
    covered = {f.__name__ for _, f, _ in PRIM_ROWS}
    assert not [p.name for p in REDUCTIONS + ARG_REDUCTIONS + CUMULATIVE
                if p.name not in covered]


@pytest.mark.parametrize("f, kinds, config", _params(ROWS, 1))
def test_one_operand(f: Callable, kinds: tuple[str, ...], config: tuple) -> None:
    _run(f, kinds, config)


@pytest.mark.parametrize("f, kinds, config", _params(ROWS, 2))
def test_two_operands(f: Callable, kinds: tuple[str, ...], config: tuple) -> None:
    _run(f, kinds, config)


@pytest.mark.parametrize("p", [P.reduce_sum_p, P.reduce_max_p, P.reduce_min_p,
                               P.reduce_prod_p, P.cumsum_p])
@pytest.mark.parametrize("in_axis", [0, 2])
def test_empty_reduced_axis(p: P.Primitive, in_axis: int) -> None:
    """A zero-size example axis reduces to the identity; the batch axis is not it."""
    x = data("f", (3, 0, 2)[:in_axis] + (2,) + (3, 0, 2)[in_axis:])
    f = prim(p, axis=1) if p is P.cumsum_p else prim(p, axes=(1,))
    run_checked(f, [x], (in_axis,), 0)


# -- the rules only shift params: no moves -------------------------------------------


def _reductions_chain(x: Any) -> Any:
    s = tnp.sum(x, axis=1) + tnp.max(x, axis=1)
    return s, lax.argmax(x, 2, np.int32), tnp.cumsum(x, axis=0), tnp.all(x > 0, axis=(0, 2))


def _out_axes(in_axis: int) -> tuple[int, ...]:
    """Where the outputs of ``_reductions_chain`` on a (3, 4, 2) example batched at
    ``in_axis`` keep the batch axis: it moves left past each reduced axis before it."""
    b = in_axis % 4
    return (b - (b > 1), b - (b > 2), b, b - (b > 0) - (b > 2))


@pytest.mark.parametrize("in_axis", [0, 1, 2, -1])
def test_reductions_add_no_equations(in_axis: int) -> None:
    x = _batched("f", in_axis, 3)
    n0 = len(make_graph(_reductions_chain)(np.take(x, 0, axis=in_axis)).graph.eqns)
    out_axes = _out_axes(in_axis)
    g = make_graph(vmap(_reductions_chain, in_axes=in_axis, out_axes=out_axes))(x)
    assert len(g.graph.eqns) <= n0, str(g)
    _, n1 = batched_eqn_count(_reductions_chain, [x], (in_axis,))
    assert n1 <= n0 + sum(a != 0 for a in out_axes)   # only the final moves to out_axes=0
    run_checked(_reductions_chain, [x], (in_axis,), 0)


# -- compositions -----------------------------------------------------------------------


def _loss(r: Any) -> Any:
    return nn.logsumexp(r) * tnp.max(r) + tnp.sum(tnp.cumsum(tnp.tanh(r)) ** 2)


@pytest.mark.parametrize("in_axis", [0, -1])
def test_nested_vmap_and_grad(in_axis: int) -> None:
    """vmap of vmap, vmap of grad and grad of vmap agree with loops."""
    x = data("f", (3, 4, 2))
    run_checked(vmap(nn.softmax, in_axes=1), [x], (in_axis,), -1)
    run_checked(vmap(lambda r, s: tnp.argmax(r * s, axis=0), in_axes=(1, None)),
                [x, data("f", np.take(x, 0, axis=in_axis)[:, 0].shape)], (in_axis, None), 0)
    run_checked(grad(_loss), [x[0]], (in_axis,), in_axis)
    m = x[0]
    g = grad(lambda m: tnp.sum(vmap(_loss, in_axes=in_axis)(m)))(m)
    want = np.stack([np.asarray(grad(_loss)(np.take(m, i, axis=in_axis)))
                     for i in range(m.shape[in_axis])], axis=in_axis)
    np.testing.assert_allclose(np.asarray(g), want, rtol=1e-12, atol=1e-12)
