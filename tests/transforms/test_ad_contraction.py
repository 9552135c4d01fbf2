"""Derivatives of contractions, convolutions and window reductions, and what is built on them.

Rules live in ``transforms/ad_rules/contraction.py``: ``dot_general``,
``conv_general_dilated``, ``reduce_window_sum``/``max``/``min``.  Table-driven:
one row per primitive configuration (through ``tracer.lax``: batch and
unordered contracting dims; conv strides, padding, dilations, feature and
batch groups, layouts; windows with strides, padding, dilations) and per
user-level function (``matmul``, ``dot``, ``einsum``, ``tensordot``, ``inner``,
``outer``, ``kron``, ``cross``, ``linalg.norm``, max/average pooling), each
checked with ``check_grads`` (order 2, forward and reverse, every derivative
graph typechecked); then cotangents compared with ``jax.vjp`` and the
max-pool tie rule (first maximum of the window, as XLA) pinned down.
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
from transforms import grad, jvp, vjp  # noqa: E402
from transforms.jvp import jvp_rules  # noqa: E402
from transforms.vjp import vjp_rules  # noqa: E402

CONTRACTION = [P.dot_general_p, P.conv_general_dilated_p, P.reduce_window_sum_p,
               P.reduce_window_max_p, P.reduce_window_min_p]


def _rng(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))


def normal(*shape: int) -> Callable[[np.random.Generator, Any], np.ndarray]:
    """Standard normal inputs (distinct values: no ties)."""
    return lambda rng, dt: rng.standard_normal(shape).astype(dt)


def away_from_zero(*shape: int) -> Callable[[np.random.Generator, Any], np.ndarray]:
    """Values in +-[0.5, 1.5] (norms and powers stay away from their kinks)."""
    return lambda rng, dt: (rng.uniform(0.5, 1.5, shape)
                            * rng.choice([-1.0, 1.0], shape)).astype(dt)


def spaced(*shape: int) -> Callable[[np.random.Generator, Any], np.ndarray]:
    """Distinct values at least 0.05 apart (finite differences never cross a max's kink)."""
    n = int(np.prod(shape))
    return lambda rng, dt: (rng.permutation(n).reshape(shape) * (4.0 / n) - 2.0
                            + rng.uniform(0, 0.01, shape)).astype(dt)


def _dg(dn: Any) -> Callable:
    return lambda x, y: lax.dot_general(x, y, dn)


def _conv(**kw: Any) -> Callable:
    return lambda x, w: lax.conv_general_dilated(x, w, **kw)


def _window(op: str, **kw: Any) -> Callable:
    init = {"max": -np.inf, "min": np.inf, "add": 0.0}[op]
    return lambda x: lax.reduce_window(x, init, getattr(lax, op), **kw)


def max_pool(x: Any) -> Any:
    """2x2 max pooling, stride 2, NCHW."""
    return lax.reduce_window(x, -np.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")


def avg_pool(x: Any) -> Any:
    """3x3 average pooling, stride 2, SAME padding (zeros counted), NHWC."""
    return lax.div(lax.reduce_window(x, 0.0, lax.add, (1, 3, 3, 1), (1, 2, 2, 1), "SAME"), 9.0)


# window configurations shared by max, min and sum
WINDOWS: list[tuple[str, dict, tuple]] = [
    ("pool2x2", dict(window_dimensions=(1, 1, 2, 2), window_strides=(1, 1, 2, 2),
                     padding="VALID"), (2, 2, 4, 6)),
    ("tiled_remainder", dict(window_dimensions=(2, 3), window_strides=(2, 3),
                             padding="VALID"), (5, 7)),
    ("overlap_same", dict(window_dimensions=(1, 1, 3, 3), window_strides=(1, 1, 2, 1),
                          padding="SAME"), (2, 2, 5, 4)),
    ("explicit_pad", dict(window_dimensions=(2, 3), window_strides=(1, 2),
                          padding=((1, 1), (2, 0))), (5, 6)),
    ("negative_pad", dict(window_dimensions=(2, 3), window_strides=(1, 2),
                          padding=((-1, 1), (1, -1))), (5, 6)),
    ("base_dilation", dict(window_dimensions=(2, 3), window_strides=(1, 1),
                           padding=((1, 1), (0, 1)), base_dilation=(2, 1)), (4, 5)),
    ("window_dilation", dict(window_dimensions=(2, 3), window_strides=(2, 1),
                             padding="VALID", window_dilation=(2, 2)), (7, 8)),
    ("everything", dict(window_dimensions=(2, 2), window_strides=(2, 3),
                        padding=((1, 0), (1, 1)), base_dilation=(2, 1),
                        window_dilation=(1, 2)), (5, 8)),
    ("global", dict(window_dimensions=(1, 7), window_strides=(1, 1), padding="VALID"),
     (3, 7)),
    ("stride_only", dict(window_dimensions=(1, 1), window_strides=(2, 1), padding="VALID"),
     (5, 3)),
    ("1d", dict(window_dimensions=(3,), window_strides=(2,), padding="SAME"), (9,)),
]

LAX_ROWS: list[tuple[str, Callable, list]] = [
    # dot_general
    ("dot_general_matmul", _dg((((1,), (0,)), ((), ()))), [normal(3, 4), normal(4, 5)]),
    ("dot_general_batch", _dg((((2,), (1,)), ((0,), (0,)))), [normal(2, 3, 4),
                                                                normal(2, 4, 5)]),
    ("dot_general_batch_not_leading", _dg((((0,), (2,)), ((2,), (0,)))),
     [normal(4, 3, 2), normal(2, 5, 4)]),
    ("dot_general_two_contract_unordered", _dg((((0, 2), (2, 0)), ((), ()))),
     [normal(3, 4, 5), normal(5, 2, 3)]),
    ("dot_general_outer", _dg((((), ()), ((), ()))), [normal(3), normal(2, 2)]),
    ("dot_general_vector", _dg((((0,), (0,)), ((), ()))), [normal(4), normal(4)]),
    ("lax_dot", lambda x, y: lax.dot(x, y), [normal(3, 4), normal(4)]),
    # conv_general_dilated
    ("conv_valid", _conv(window_strides=(1, 1), padding="VALID"),
     [normal(2, 3, 5, 4), normal(4, 3, 3, 2)]),
    ("conv_strided_same", _conv(window_strides=(2, 3), padding="SAME"),
     [normal(2, 3, 7, 6), normal(4, 3, 3, 2)]),
    ("conv_explicit_pad", _conv(window_strides=(2, 1), padding=((1, 2), (0, 1))),
     [normal(1, 2, 6, 5), normal(3, 2, 3, 2)]),
    ("conv_negative_pad", _conv(window_strides=(1, 1), padding=((-1, 2), (1, -1))),
     [normal(1, 2, 6, 5), normal(2, 2, 2, 2)]),
    ("conv_dilations", _conv(window_strides=(2, 1), padding=((1, 1), (2, 0)),
                             lhs_dilation=(1, 2), rhs_dilation=(2, 1)),
     [normal(1, 2, 7, 5), normal(3, 2, 3, 2)]),
    ("conv_feature_groups", _conv(window_strides=(1, 2), padding="SAME",
                                  feature_group_count=2),
     [normal(2, 4, 5, 6), normal(4, 2, 3, 2)]),
    ("conv_depthwise", _conv(window_strides=(1, 1), padding="SAME", feature_group_count=3),
     [normal(1, 3, 5, 5), normal(6, 1, 3, 3)]),
    ("conv_batch_groups", _conv(window_strides=(1, 1), padding="VALID", batch_group_count=2),
     [normal(4, 3, 5, 4), normal(4, 3, 3, 2)]),
    ("conv_nhwc", _conv(window_strides=(2, 1), padding="SAME",
                        dimension_numbers=("NHWC", "HWIO", "NHWC")),
     [normal(2, 6, 5, 3), normal(3, 2, 3, 4)]),
    ("conv_nhwc_groups", _conv(window_strides=(1, 1), padding="SAME",
                               dimension_numbers=("NHWC", "HWIO", "NHWC"),
                               feature_group_count=2),
     [normal(1, 5, 4, 4), normal(2, 2, 2, 6)]),
    ("conv_1d", _conv(window_strides=(2,), padding=((1, 1),), rhs_dilation=(2,)),
     [normal(2, 3, 9), normal(4, 3, 3)]),
    ("conv_3d", _conv(window_strides=(1, 2, 1), padding="SAME"),
     [normal(1, 2, 4, 4, 3), normal(2, 2, 2, 2, 2)]),
    ("lax_conv", lambda x, w: lax.conv(x, w, (1, 1), "SAME"),
     [normal(1, 2, 4, 4), normal(2, 2, 3, 3)]),
] + [
    (f"reduce_window_{op}_{name}", _window(op, **kw),
     [normal(*shape) if op == "add" else spaced(*shape)])
    for op in ("max", "min", "add") for name, kw, shape in WINDOWS
]

TNP_ROWS: list[tuple[str, Callable, list]] = [
    ("matmul", lambda x, y: tnp.matmul(x, y), [normal(3, 4), normal(4, 2)]),
    ("matmul_batched_broadcast", lambda x, y: tnp.matmul(x, y), [normal(2, 3, 4),
                                                               normal(4, 5)]),
    ("matmul_vector_matrix", lambda x, y: tnp.matmul(x, y), [normal(4), normal(3, 4, 2)]),
    ("matmul_operator", lambda x, y: tnp.asarray(x) @ y, [normal(3, 4), normal(4)]),
    ("dot", lambda x, y: tnp.dot(x, y), [normal(2, 3, 4), normal(5, 4, 2)]),
    ("vdot", lambda x, y: tnp.vdot(x, y), [normal(3, 2), normal(3, 2)]),
    ("einsum_matmul", lambda x, y: tnp.einsum("ij,jk->ik", x, y), [normal(3, 4),
                                                                   normal(4, 2)]),
    ("einsum_batched", lambda x, y: tnp.einsum("bij,bjk->bki", x, y),
     [normal(2, 3, 4), normal(2, 4, 5)]),
    ("einsum_trace_diag", lambda x: tnp.einsum("ii->i", x) + tnp.einsum("ii", x),
     [normal(4, 4)]),
    ("einsum_three_operands", lambda x, y, z: tnp.einsum("ij,jk,kl->il", x, y, z),
     [normal(2, 3), normal(3, 4), normal(4, 2)]),
    ("einsum_ellipsis_sum", lambda x, y: tnp.einsum("...i,...i->...", x, y),
     [normal(3, 4), normal(3, 4)]),
    ("einsum_outer", lambda x, y: tnp.einsum("i,j->ij", x, y), [normal(3), normal(2)]),
    ("tensordot_int", lambda x, y: tnp.tensordot(x, y, 2), [normal(2, 3, 4),
                                                            normal(3, 4, 5)]),
    ("tensordot_pairs", lambda x, y: tnp.tensordot(x, y, axes=([0, 2], [2, 0])),
     [normal(3, 4, 5), normal(5, 2, 3)]),
    ("inner", lambda x, y: tnp.inner(x, y), [normal(2, 4), normal(3, 4)]),
    ("outer", lambda x, y: tnp.outer(x, y), [normal(3), normal(2, 2)]),
    ("kron", lambda x, y: tnp.kron(x, y), [normal(2, 3), normal(2, 2)]),
    ("cross", lambda x, y: tnp.cross(x, y), [normal(4, 3), normal(4, 3)]),
    ("cross_2d_vectors", lambda x, y: tnp.cross(x, y, axisa=0, axisb=0), [normal(3, 2),
                                                                          normal(3, 2)]),
    ("norm_2", lambda x: tnp.linalg.norm(x), [away_from_zero(5)]),
    ("norm_1", lambda x: tnp.linalg.norm(x, 1), [away_from_zero(5)]),
    ("norm_inf", lambda x: tnp.linalg.norm(x, np.inf), [normal(5)]),
    ("norm_neg_inf", lambda x: tnp.linalg.norm(x, -np.inf), [normal(5)]),
    ("norm_3", lambda x: tnp.linalg.norm(x, 3), [away_from_zero(5)]),
    ("norm_axis", lambda x: tnp.linalg.norm(x, axis=1, keepdims=True), [away_from_zero(3, 4)]),
    ("norm_fro", lambda x: tnp.linalg.norm(x, "fro"), [away_from_zero(3, 4)]),
    ("norm_matrix_default", lambda x: tnp.linalg.norm(x), [away_from_zero(3, 4)]),
    ("max_pool", max_pool, [spaced(2, 3, 6, 4)]),
    ("avg_pool", avg_pool, [normal(2, 5, 6, 3)]),
    ("conv_relu_maxpool", lambda x, w: tnp.sum(max_pool(tnp.tanh(lax.conv(x, w, (1, 1),
                                                                          "SAME")))),
     [normal(1, 2, 4, 4), normal(3, 2, 3, 3)]),
]

ROWS = LAX_ROWS + TNP_ROWS
F32_ROWS = ["dot_general_batch", "conv_strided_same", "conv_feature_groups",
            "conv_batch_groups", "reduce_window_max_overlap_same",
            "reduce_window_add_everything", "matmul", "einsum_batched", "norm_2", "max_pool",
            "avg_pool"]


def _args(name: str, makers: list, dtype: Any) -> list[np.ndarray]:
    rng = _rng(name)
    return [np.asarray(m(rng, dtype)) for m in makers]


@pytest.mark.parametrize("name,fn,makers", ROWS, ids=[r[0] for r in ROWS])
def test_grads_float64(name: str, fn: Callable, makers: list) -> None:
    check_grads(fn, _args(name, makers, np.float64), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name", F32_ROWS)
def test_grads_float32(name: str) -> None:
    _, fn, makers = next(r for r in ROWS if r[0] == name)
    check_grads(fn, _args(name, makers, np.float32), order=2, modes=("fwd", "rev"),
                rtol=5e-2, atol=5e-2)


def test_rules_registered_in_both_tables() -> None:
    for p in CONTRACTION:
        assert p in jvp_rules, p
        assert p in vjp_rules, p


# -- against JAX -------------------------------------------------------------------------------

def _jconv(**kw: Any) -> Callable:
    return lambda x, w: jax.lax.conv_general_dilated(x, w, **kw)


def _jwindow(op: str, **kw: Any) -> Callable:
    init = {"max": -np.inf, "min": np.inf, "add": 0.0}[op]
    return lambda x: jax.lax.reduce_window(x, init, getattr(jax.lax, op), **kw)


def _same(name: str) -> tuple[Callable, list]:
    _, fn, makers = next(r for r in ROWS if r[0] == name)
    return fn, makers


_CONV_KW = {
    "conv_strided_same": dict(window_strides=(2, 3), padding="SAME"),
    "conv_dilations": dict(window_strides=(2, 1), padding=((1, 1), (2, 0)),
                           lhs_dilation=(1, 2), rhs_dilation=(2, 1)),
    "conv_feature_groups": dict(window_strides=(1, 2), padding="SAME", feature_group_count=2),
    "conv_batch_groups": dict(window_strides=(1, 1), padding="VALID", batch_group_count=2),
    "conv_nhwc_groups": dict(window_strides=(1, 1), padding="SAME",
                             dimension_numbers=("NHWC", "HWIO", "NHWC"),
                             feature_group_count=2),
    "conv_3d": dict(window_strides=(1, 2, 1), padding="SAME"),
}
# JAX's max-pool VJP does not support window dilation; negative padding fails in JAX.
_JAX_WINDOWS = ["pool2x2", "tiled_remainder", "overlap_same", "explicit_pad", "base_dilation",
                "global", "1d"]

JAX_ROWS: list[tuple[str, Callable, Callable, list]] = [
    ("dot_general_batch_not_leading", _same("dot_general_batch_not_leading")[0],
     lambda x, y: jax.lax.dot_general(x, y, (((0,), (2,)), ((2,), (0,)))),
     _same("dot_general_batch_not_leading")[1]),
    ("dot_general_two_contract_unordered", _same("dot_general_two_contract_unordered")[0],
     lambda x, y: jax.lax.dot_general(x, y, (((0, 2), (2, 0)), ((), ()))),
     _same("dot_general_two_contract_unordered")[1]),
] + [
    (name, _same(name)[0], _jconv(**kw), _same(name)[1]) for name, kw in _CONV_KW.items()
] + [
    (f"reduce_window_{op}_{name}", _same(f"reduce_window_{op}_{name}")[0],
     _jwindow(op, **kw), _same(f"reduce_window_{op}_{name}")[1])
    for op in ("max", "min", "add") for name, kw, _ in WINDOWS if name in _JAX_WINDOWS
] + [
    ("matmul_batched_broadcast", _same("matmul_batched_broadcast")[0], jnp.matmul,
     _same("matmul_batched_broadcast")[1]),
    ("einsum_batched", _same("einsum_batched")[0],
     lambda x, y: jnp.einsum("bij,bjk->bki", x, y), _same("einsum_batched")[1]),
    ("einsum_trace_diag", _same("einsum_trace_diag")[0],
     lambda x: jnp.einsum("ii->i", x) + jnp.einsum("ii", x), _same("einsum_trace_diag")[1]),
    ("tensordot_pairs", _same("tensordot_pairs")[0],
     lambda x, y: jnp.tensordot(x, y, axes=([0, 2], [2, 0])), _same("tensordot_pairs")[1]),
    ("inner", _same("inner")[0], jnp.inner, _same("inner")[1]),
    ("outer", _same("outer")[0], jnp.outer, _same("outer")[1]),
    ("kron", _same("kron")[0], jnp.kron, _same("kron")[1]),
    ("cross", _same("cross")[0], jnp.cross, _same("cross")[1]),
    ("norm_3", _same("norm_3")[0], lambda x: jnp.linalg.norm(x, 3), _same("norm_3")[1]),
    ("norm_inf", _same("norm_inf")[0], lambda x: jnp.linalg.norm(x, np.inf),
     _same("norm_inf")[1]),
    ("norm_fro", _same("norm_fro")[0], lambda x: jnp.linalg.norm(x, "fro"),
     _same("norm_fro")[1]),
    ("max_pool", max_pool,
     lambda x: jax.lax.reduce_window(x, -np.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2),
                                     "VALID"), _same("max_pool")[1]),
    ("avg_pool", avg_pool,
     lambda x: jax.lax.reduce_window(x, 0.0, jax.lax.add, (1, 3, 3, 1), (1, 2, 2, 1),
                                     "SAME") / 9.0, _same("avg_pool")[1]),
]


def _compare(name: str, f: Callable, fj: Callable, args: list[np.ndarray],
             check_jvp: bool = True) -> None:
    rng = _rng(name + "/ct")
    out, pullback = vjp(f, *args)
    out_j, pullback_j = jax.vjp(fj, *args)
    np.testing.assert_allclose(np.asarray(out), np.asarray(out_j), rtol=1e-10, atol=1e-12)
    ct = rng.standard_normal(np.shape(out_j))
    for g, gj in zip(pullback(ct), pullback_j(ct)):
        np.testing.assert_allclose(np.asarray(g), np.asarray(gj), rtol=1e-10, atol=1e-12)
    if check_jvp:
        ts = [rng.standard_normal(np.shape(x)) for x in args]
        _, t_out = jvp(f, tuple(args), tuple(ts))
        _, t_out_j = jax.jvp(fj, tuple(args), tuple(ts))
        np.testing.assert_allclose(np.asarray(t_out), np.asarray(t_out_j), rtol=1e-10,
                                   atol=1e-12)


@pytest.mark.parametrize("name,f,fj,makers", JAX_ROWS, ids=[r[0] for r in JAX_ROWS])
def test_against_jax(name: str, f: Callable, fj: Callable, makers: list) -> None:
    _compare(name, f, fj, _args(name, makers, np.float64))


def test_grad_of_conv_net_against_jax() -> None:
    rng = _rng("net")
    x, w1, w2 = (rng.standard_normal(s) for s in [(2, 6, 6, 3), (3, 3, 3, 4), (4, 5)])

    def net(w1: Any, w2: Any, np_: Any, lx: Any) -> Any:
        h = lx.conv_general_dilated(x, w1, (1, 1), "SAME",
                                    dimension_numbers=("NHWC", "HWIO", "NHWC"))
        h = lx.reduce_window(np_.tanh(h), -np.inf, lx.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
        return np_.sum(np_.sin(np_.einsum("nhwc,cd->nd", h, w2)))

    g = grad(lambda a, b: net(a, b, tnp, lax), argnums=(0, 1))(w1, w2)
    gj = jax.grad(lambda a, b: net(a, b, jnp, jax.lax), argnums=(0, 1))(w1, w2)
    for r, rj in zip(g, gj):
        np.testing.assert_allclose(np.asarray(r), np.asarray(rj), rtol=1e-10, atol=1e-12)


# -- conventions -------------------------------------------------------------------------------

@pytest.mark.parametrize("op", ["max", "min"])
def test_window_ties_go_to_the_first_extremum(op: str) -> None:
    """Max/min pooling sends the cotangent to the first extremal element (XLA's
    select-and-scatter), and the JVP reads the same element."""
    x = np.array([[1.0, 1.0, 0.0, 1.0, 1.0, 1.0]])
    if op == "min":
        x = -x
    f = _window(op, window_dimensions=(1, 3), window_strides=(1, 1), padding="VALID")
    fj = _jwindow(op, window_dimensions=(1, 3), window_strides=(1, 1), padding="VALID")
    ct = np.array([[1.0, 10.0, 100.0, 1000.0]])
    g = vjp(f, x)[1](ct)[0]
    np.testing.assert_array_equal(np.asarray(g), [[1.0, 10.0, 0.0, 1100.0, 0.0, 0.0]])
    np.testing.assert_array_equal(np.asarray(g), np.asarray(jax.vjp(fj, x)[1](ct)[0]))
    _, t = jvp(f, (x,), (np.arange(6.0)[None],))
    np.testing.assert_array_equal(np.asarray(t), [[0.0, 1.0, 3.0, 3.0]])


def test_max_pool_ties_match_jax_vjp() -> None:
    rng = _rng("ties")
    x = np.round(rng.standard_normal((2, 2, 6, 6)))        # many ties
    kw = dict(window_dimensions=(1, 1, 3, 3), window_strides=(1, 1, 1, 2), padding="SAME")
    ct = rng.standard_normal((2, 2, 6, 3))
    g = vjp(_window("max", **kw), x)[1](ct)[0]
    gj = jax.vjp(_jwindow("max", **kw), x)[1](ct)[0]
    np.testing.assert_allclose(np.asarray(g), np.asarray(gj), rtol=1e-12)


def test_dot_general_preferred_element_type() -> None:
    """A float32 product accumulated in float64: float32 cotangents, computed in float64."""
    x = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    y = np.ones((3, 2), np.float32)
    f = lambda x, y: lax.dot_general(x, y, (((1,), (0,)), ((), ())),  # noqa: E731
                                     preferred_element_type=np.float64)
    out, pullback = vjp(f, x, y)
    assert out.dtype == np.float64
    gx, gy = pullback(np.ones((2, 2)))
    assert gx.dtype == np.float32 and gy.dtype == np.float32
    np.testing.assert_allclose(np.asarray(gx), np.full((2, 3), 2.0))
    np.testing.assert_allclose(np.asarray(gy), [[3.0, 3.0], [5.0, 5.0], [7.0, 7.0]])
    _, t = jvp(f, (x, y), (np.ones_like(x), np.zeros_like(y)))
    assert t.dtype == np.float64


def test_empty_contraction_and_window() -> None:
    x, y = np.zeros((3, 0)), np.zeros((0, 2))
    gx, gy = vjp(lambda x, y: tnp.matmul(x, y), x, y)[1](np.ones((3, 2)))
    assert gx.shape == (3, 0) and gy.shape == (0, 2)
    g = vjp(_window("max", window_dimensions=(3,), window_strides=(1,), padding="VALID"),
            np.ones(2))[1](np.zeros(0))[0]
    np.testing.assert_array_equal(np.asarray(g), [0.0, 0.0])


def test_backward_graph_records_and_typechecks() -> None:
    """Under make_graph the reverse pass is recorded (transposed conv, pooling mask)."""
    def f(x: Any, w: Any) -> Any:
        return tnp.sum(max_pool(lax.conv(x, w, (1, 1), "SAME")) ** 2)

    g = make_graph(grad(f, argnums=(0, 1)))(np.ones((1, 2, 4, 4)), np.ones((3, 2, 3, 3)))
    typecheck(g)
    names = {e.prim.name for e in g.graph.eqns}
    assert {"conv_general_dilated", "argmax", "select_n"} <= names, names
