"""vmap of the elementwise primitives and of the lax/tnp/nn functions built on them.

Every row runs under every configuration of its arity with ``check_vmap``
(vmap against a Python loop over the batch, eagerly and through a
typechecked graph).  The configurations cover operands whose batch axes line
up, unbatched operands (``in_axes`` None) inside and past the batch axis,
batch axes that disagree, negative axes, per-example scalars and a size-1
batch.  ``test_elementwise_chain_adds_no_equations`` checks that batching an
elementwise graph whose axes line up adds no equation.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import tracer.numpy as tnp
from tests.transforms.vmapcheck import batched_eqn_count, check_vmap
from tracer import lax, make_graph, nn
from tracer import primitives as P
from tracer.tracing import bind
from transforms import vmap
from transforms.vmap_rules.elementwise import NARY, UNARY

RNG = np.random.default_rng(7)


def data(kind: str, shape: tuple[int, ...]) -> np.ndarray:
    """Test data of one kind: a dtype and a domain where the function is interesting."""
    if kind == "nan":   # specials included: nan, +-inf, -0.0
        x = RNG.uniform(-3, 3, shape)
        specials = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0])
        mask = RNG.random(shape) < 0.3
        return np.where(mask, specials[RNG.integers(0, 5, shape)], x)
    lo_hi = {"f": (-3, 3), "f32": (-3, 3), "pos": (0.1, 3), "unit": (-0.9, 0.9),
             "ge1": (1.1, 4)}
    if kind in lo_hi:
        x = RNG.uniform(*lo_hi[kind], shape)
        return x.astype(np.float32) if kind == "f32" else x
    ints = {"i": (-6, 6, np.int32), "u": (0, 12, np.uint32), "sh": (-2, 40, np.int32),
            "sel3": (0, 3, np.int32), "small": (0, 4, np.int32), "i64": (-6, 6, np.int64)}
    if kind in ints:
        lo, hi, dt = ints[kind]
        return RNG.integers(lo, hi, shape).astype(dt)
    assert kind == "b", kind
    return RNG.random(shape) < 0.5


def prim(p: P.Primitive, **params: Any) -> Callable[..., Any]:
    """The bare primitive, bound directly."""
    def f(*xs: Any) -> Any:
        return bind(p, *xs, **params)
    f.__name__ = p.name
    return f


# -- configurations: (per-example shapes, in_axes, out_axes, batch size) ---------------

CONFIGS: dict[int, list[tuple]] = {
    1: [
        (((3, 4),), (0,), 0, 5),
        (((3, 4),), (1,), -1, 2),
        (((3, 4),), (-1,), 1, 3),
        (((),), (0,), 0, 1),                          # per-example scalar, size-1 batch
        (((2, 3, 2),), (2,), -2, 2),
    ],
    2: [
        (((3, 4), (3, 4)), (0, 0), 0, 5),             # batch axes line up
        (((3, 4), (3, 4)), (1, 1), -1, 2),
        (((3, 4), (4,)), (0, None), 1, 3),            # unbatched inside the tail
        (((3, 4), (4,)), (-1, None), 0, 3),           # unbatched reaches past the batch axis
        (((4,), (3, 4)), (None, 0), -1, 1),           # size-1 batch
        (((3, 4), (4,)), (1, 0), 0, 2),               # same tail, different ranks
        (((3, 4), (3, 4)), (0, -1), 2, 2),            # batch axes disagree: a move
        (((), (2, 3)), (0, -1), 0, 3),                # batched scalar against a matrix
        (((3, 1), (3, 4)), (-1, None), -1, 2),        # size-1 axes broadcast
        (((), (3, 4)), (0, 0), 0, 2),                 # the scalar gets size-1 axes
    ],
    3: [
        (((3, 4), (3, 4), (3, 4)), (0, 0, 0), 0, 4),
        (((3, 4), (4,), (3, 1)), (1, None, 0), -1, 2),
        (((4,), (3, 4), (3, 4)), (None, -1, None), 0, 1),
        (((), (3, 4), (4,)), (0, None, 0), 1, 3),
        (((3, 4), (3, 4), (3, 4)), (None, 1, 0), 0, 2),
        (((4,), (3, 4), (3, 4)), (1, 0, 0), 0, 2),    # the short one moves and grows
    ],
    4: [
        (((3, 4),) * 4, (0, 0, 0, 0), 0, 3),
        (((4,), (3, 4), (3, 4), ()), (0, None, 1, None), -1, 2),
        (((3, 4), (3, 4), (4,), (3, 4)), (None, None, -1, None), 0, 1),
    ],
}


def _batched(kind: str, shape: tuple[int, ...], axis: int | None, size: int) -> np.ndarray:
    if axis is None:
        return data(kind, shape)
    s = list(shape)
    s.insert(axis % (len(shape) + 1), size)
    return data(kind, tuple(s))


def _run(f: Callable, kinds: tuple[str, ...], config: tuple, **tol: Any) -> None:
    shapes, in_axes, out_axes, size = config
    args = [_batched(k, s, a, size) for k, s, a in zip(kinds, shapes, in_axes)]
    run_checked(f, args, in_axes, out_axes, **tol)


def run_checked(f: Callable, args: list, in_axes: tuple, out_axes: Any, **tol: Any) -> None:
    """``check_vmap`` with NumPy's floating-point warnings off (edge values are intended)."""
    with np.errstate(all="ignore"):
        check_vmap(f, args, in_axes, out_axes, **tol)


def _params(rows: list[tuple], arity: int) -> list:
    return [pytest.param(f, kinds, c, id=f"{name}-{i}")
            for name, f, kinds in rows if len(kinds) == arity
            for i, c in enumerate(CONFIGS[arity])]


# -- rows: (id, function, kinds of its operands) --------------------------------------

_F = ("f",)
PRIM_ROWS: list[tuple] = [
    ("neg", prim(P.neg_p), _F), ("neg_int", prim(P.neg_p), ("i",)),
    ("sign", prim(P.sign_p), ("nan",)), ("sign_int", prim(P.sign_p), ("i",)),
    ("floor", prim(P.floor_p), _F), ("ceil", prim(P.ceil_p), _F),
    ("round_away", prim(P.round_p, rounding_method=0), _F),
    ("round_even", prim(P.round_p, rounding_method=1), _F),
    ("is_finite", prim(P.is_finite_p), ("nan",)), ("signbit", prim(P.signbit_p), ("nan",)),
    ("exp", prim(P.exp_p), _F), ("exp2", prim(P.exp2_p), _F), ("expm1", prim(P.expm1_p), _F),
    ("log", prim(P.log_p), ("pos",)), ("log1p", prim(P.log1p_p), ("pos",)),
    ("sin", prim(P.sin_p), _F), ("cos", prim(P.cos_p), ("f32",)), ("tan", prim(P.tan_p), _F),
    ("asin", prim(P.asin_p), ("unit",)), ("acos", prim(P.acos_p), ("unit",)),
    ("atan", prim(P.atan_p), _F), ("sinh", prim(P.sinh_p), _F), ("cosh", prim(P.cosh_p), _F),
    ("tanh", prim(P.tanh_p), _F), ("asinh", prim(P.asinh_p), _F),
    ("acosh", prim(P.acosh_p), ("ge1",)), ("atanh", prim(P.atanh_p), ("unit",)),
    ("sqrt", prim(P.sqrt_p), ("pos",)), ("rsqrt", prim(P.rsqrt_p), ("pos",)),
    ("cbrt", prim(P.cbrt_p), _F), ("logistic", prim(P.logistic_p), _F),
    ("erf", prim(P.erf_p), _F), ("abs", prim(P.abs_p), _F), ("abs_int", prim(P.abs_p), ("i",)),
    ("not_bool", prim(P.not_p), ("b",)), ("not_int", prim(P.not_p), ("i",)),
    ("stop_gradient", prim(P.stop_gradient_p), _F),
    ("integer_pow3", prim(P.integer_pow_p, y=3), _F),
    ("integer_pow-2", prim(P.integer_pow_p, y=-2), ("pos",)),
    ("integer_pow_int", prim(P.integer_pow_p, y=2), ("i",)),
    ("convert_f2i", prim(P.convert_element_type_p, new_dtype=np.dtype(np.int32)), _F),
    ("convert_i2f32", prim(P.convert_element_type_p, new_dtype=np.dtype(np.float32)), ("i",)),
    ("convert_b2f", prim(P.convert_element_type_p, new_dtype=np.dtype(np.float64),
                          weak_type=True), ("b",)),
    # n-ary
    ("add", prim(P.add_p), ("f", "f")), ("add_bool", prim(P.add_p), ("b", "b")),
    ("sub", prim(P.sub_p), ("f", "f")), ("mul", prim(P.mul_p), ("i", "i")),
    ("div", prim(P.div_p), ("f", "f")), ("div_int", prim(P.div_p), ("i", "i")),
    ("rem", prim(P.rem_p), ("f", "f")), ("rem_int", prim(P.rem_p), ("i", "i")),
    ("pow", prim(P.pow_p), ("pos", "f")), ("max", prim(P.max_p), ("nan", "f")),
    ("min", prim(P.min_p), ("i", "i")), ("atan2", prim(P.atan2_p), ("f", "f")),
    ("nextafter", prim(P.nextafter_p), ("f", "f")),
    ("and", prim(P.and_p), ("i", "i")), ("and_bool", prim(P.and_p), ("b", "b")),
    ("or", prim(P.or_p), ("b", "b")), ("xor", prim(P.xor_p), ("i", "i")),
    ("shift_left", prim(P.shift_left_p), ("i", "sh")),
    ("shift_right_arithmetic", prim(P.shift_right_arithmetic_p), ("i", "sh")),
    ("shift_right_logical", prim(P.shift_right_logical_p), ("i", "sh")),
    ("eq", prim(P.eq_p), ("i", "i")), ("ne", prim(P.ne_p), ("nan", "f")),
    ("lt", prim(P.lt_p), ("f", "f")), ("le", prim(P.le_p), ("i", "i")),
    ("gt", prim(P.gt_p), ("f", "f")), ("ge", prim(P.ge_p), ("b", "b")),
    ("select_n_one_case", prim(P.select_n_p), ("b", "f")),
    ("select_n_bool", prim(P.select_n_p), ("b", "f", "f")),
    ("select_n_int", prim(P.select_n_p), ("sel3", "f", "f", "f")),
]

USER_ROWS: list[tuple] = [
    # lax
    ("lax.neg", lax.neg, _F), ("lax.sign", lax.sign, _F), ("lax.floor", lax.floor, _F),
    ("lax.round", lax.round, _F), ("lax.is_finite", lax.is_finite, ("nan",)),
    ("lax.exp", lax.exp, _F), ("lax.log", lax.log, ("pos",)), ("lax.tanh", lax.tanh, _F),
    ("lax.logistic", lax.logistic, _F), ("lax.erf", lax.erf, _F),
    ("lax.rsqrt", lax.rsqrt, ("pos",)), ("lax.bitwise_not", lax.bitwise_not, ("i",)),
    ("lax.integer_pow", lambda x: lax.integer_pow(x, 4), _F),
    ("lax.square", lax.square, _F), ("lax.reciprocal", lax.reciprocal, ("pos",)),
    ("lax.convert_element_type", lambda x: lax.convert_element_type(x, np.int64), _F),
    ("lax.stop_gradient", lax.stop_gradient, _F),
    ("lax.add", lax.add, ("f", "f")), ("lax.sub", lax.sub, ("i", "i")),
    ("lax.div", lax.div, ("i", "i")), ("lax.rem", lax.rem, ("f", "f")),
    ("lax.pow", lax.pow, ("pos", "f")), ("lax.max", lax.max, ("f", "f")),
    ("lax.atan2", lax.atan2, ("f", "f")), ("lax.nextafter", lax.nextafter, ("f", "f")),
    ("lax.bitwise_xor", lax.bitwise_xor, ("b", "b")),
    ("lax.shift_right_logical", lax.shift_right_logical, ("i", "sh")),
    ("lax.ge", lax.ge, ("f", "f")),
    ("lax.select", lax.select, ("b", "f", "f")), ("lax.clamp", lax.clamp, ("f", "f", "f")),
    ("lax.select_n", lax.select_n, ("sel3", "i", "i", "i")),
    # tnp, unary
    ("tnp.negative", tnp.negative, ("i",)), ("tnp.positive", tnp.positive, _F),
    ("tnp.sign", tnp.sign, ("nan",)), ("tnp.floor", tnp.floor, _F),
    ("tnp.ceil", tnp.ceil, _F), ("tnp.trunc", tnp.trunc, _F), ("tnp.rint", tnp.rint, _F),
    ("tnp.round", lambda x: tnp.round(x, 1), _F), ("tnp.isfinite", tnp.isfinite, ("nan",)),
    ("tnp.isinf", tnp.isinf, ("nan",)), ("tnp.isnan", tnp.isnan, ("nan",)),
    ("tnp.isposinf", tnp.isposinf, ("nan",)), ("tnp.signbit", tnp.signbit, ("nan",)),
    ("tnp.nan_to_num", tnp.nan_to_num, ("nan",)),
    ("tnp.exp", tnp.exp, ("f32",)), ("tnp.exp2", tnp.exp2, _F), ("tnp.expm1", tnp.expm1, _F),
    ("tnp.log", tnp.log, ("pos",)), ("tnp.log2", tnp.log2, ("pos",)),
    ("tnp.log10", tnp.log10, ("pos",)), ("tnp.log1p", tnp.log1p, ("pos",)),
    ("tnp.sin", tnp.sin, ("i",)), ("tnp.cos", tnp.cos, _F), ("tnp.tan", tnp.tan, _F),
    ("tnp.arcsin", tnp.arcsin, ("unit",)), ("tnp.arccos", tnp.arccos, ("unit",)),
    ("tnp.arctan", tnp.arctan, _F), ("tnp.sinh", tnp.sinh, _F), ("tnp.cosh", tnp.cosh, _F),
    ("tnp.tanh", tnp.tanh, _F), ("tnp.arcsinh", tnp.arcsinh, _F),
    ("tnp.arccosh", tnp.arccosh, ("ge1",)), ("tnp.arctanh", tnp.arctanh, ("unit",)),
    ("tnp.sqrt", tnp.sqrt, ("pos",)), ("tnp.cbrt", tnp.cbrt, _F),
    ("tnp.square", tnp.square, ("i",)), ("tnp.reciprocal", tnp.reciprocal, ("pos",)),
    ("tnp.abs", tnp.abs, _F), ("tnp.fabs", tnp.fabs, ("i",)),
    ("tnp.deg2rad", tnp.deg2rad, _F), ("tnp.sinc", tnp.sinc, _F),
    ("tnp.logical_not", tnp.logical_not, ("i",)), ("tnp.invert", tnp.invert, ("u",)),
    ("tnp.astype", lambda x: tnp.astype(x, np.float32), ("i",)),
    ("tnp.real", tnp.real, _F),
    ("method.astype", lambda x: x.astype(np.int32), _F),
    ("operator.neg_pow", lambda x: -x ** 2 + abs(x), _F),
    # tnp, n-ary
    ("tnp.add", tnp.add, ("f", "i")), ("tnp.subtract", tnp.subtract, ("f32", "f")),
    ("tnp.multiply", tnp.multiply, ("b", "i")), ("tnp.divide", tnp.divide, ("i", "i")),
    ("tnp.floor_divide", tnp.floor_divide, ("f", "f")),
    ("tnp.floor_divide_int", tnp.floor_divide, ("i", "i")),
    ("tnp.remainder", tnp.remainder, ("f", "f")), ("tnp.mod_int", tnp.mod, ("i", "i")),
    ("tnp.fmod", tnp.fmod, ("f", "f")), ("tnp.divmod", tnp.divmod, ("f", "f")),
    ("tnp.power", tnp.power, ("pos", "f")), ("tnp.power_int", tnp.power, ("i", "small")),
    ("tnp.maximum", tnp.maximum, ("nan", "f")), ("tnp.minimum", tnp.minimum, ("i", "f")),
    ("tnp.fmax", tnp.fmax, ("nan", "nan")), ("tnp.fmin", tnp.fmin, ("nan", "f")),
    ("tnp.arctan2", tnp.arctan2, ("f", "f")), ("tnp.hypot", tnp.hypot, ("f", "f")),
    ("tnp.nextafter", tnp.nextafter, ("f", "f")), ("tnp.logaddexp", tnp.logaddexp, ("f", "f")),
    ("tnp.logaddexp2", tnp.logaddexp2, ("nan", "f")),
    ("tnp.copysign", tnp.copysign, ("f", "nan")), ("tnp.heaviside", tnp.heaviside, ("nan", "f")),
    ("tnp.bitwise_and", tnp.bitwise_and, ("i", "i")), ("tnp.bitwise_or", tnp.bitwise_or,
                                                        ("u", "u")),
    ("tnp.bitwise_xor", tnp.bitwise_xor, ("b", "b")),
    ("tnp.left_shift", tnp.left_shift, ("i", "sh")),
    ("tnp.right_shift", tnp.right_shift, ("i", "small")),
    ("tnp.right_shift_unsigned", tnp.right_shift, ("u", "u")),
    ("tnp.equal", tnp.equal, ("i", "i")), ("tnp.not_equal", tnp.not_equal, ("nan", "nan")),
    ("tnp.less", tnp.less, ("f", "i")), ("tnp.less_equal", tnp.less_equal, ("i", "i")),
    ("tnp.greater", tnp.greater, ("f", "f")), ("tnp.greater_equal", tnp.greater_equal,
                                                ("f", "f")),
    ("tnp.logical_and", tnp.logical_and, ("i", "b")), ("tnp.logical_or", tnp.logical_or,
                                                        ("b", "b")),
    ("tnp.logical_xor", tnp.logical_xor, ("f", "b")),
    ("tnp.isclose", tnp.isclose, ("f", "f")),
    ("tnp.isclose_near", lambda x, y: tnp.isclose(x, x + 1e-9 * y, equal_nan=True),
     ("nan", "f")),
    ("operators", lambda x, y: (x + y) * 2 - y / (1 + abs(x)) > x, ("f", "f")),
    ("operators_int", lambda x, y: (x // 3) % (y | 1) ^ (x << 1), ("i", "i")),
    ("tnp.where", tnp.where, ("b", "f", "i")),
    ("tnp.where_int_cond", tnp.where, ("i", "f", "f")),
    ("tnp.where_scalar", lambda c, x: tnp.where(c > 0, x, 0.5), ("f", "f")),
    ("tnp.clip", tnp.clip, ("f", "f", "f")),
    ("tnp.clip_scalars", lambda x: tnp.clip(x, -1, 1.5), _F),
    ("tnp.select", lambda a, x, y: tnp.select([a > 1, a < -1], [x, y], 0.5), ("f", "f", "f")),
    # nn (elementwise activations)
    ("nn.relu", nn.relu, _F), ("nn.gelu", nn.gelu, _F),
    ("nn.gelu_exact", lambda x: nn.gelu(x, approximate=False), _F),
    ("nn.sigmoid", nn.sigmoid, _F), ("nn.softplus", nn.softplus, _F),
    ("nn.silu", nn.silu, ("f32",)), ("nn.elu", nn.elu, _F), ("nn.selu", nn.selu, _F),
    ("nn.leaky_relu", nn.leaky_relu, ("i",)), ("nn.hard_tanh", nn.hard_tanh, _F),
    ("nn.log_sigmoid", nn.log_sigmoid, _F), ("nn.celu", nn.celu, _F),
]

ROWS = PRIM_ROWS + USER_ROWS


def test_every_elementwise_primitive_has_a_row() -> None:
    covered = {f.__name__ for _, f, _ in PRIM_ROWS}
    assert not [p.name for p in UNARY + NARY if p.name not in covered]


@pytest.mark.parametrize("f, kinds, config", _params(ROWS, 1))
def test_unary(f: Callable, kinds: tuple[str, ...], config: tuple) -> None:
    _run(f, kinds, config)


@pytest.mark.parametrize("f, kinds, config", _params(ROWS, 2))
def test_binary(f: Callable, kinds: tuple[str, ...], config: tuple) -> None:
    _run(f, kinds, config)


@pytest.mark.parametrize("f, kinds, config", _params(ROWS, 3) + _params(ROWS, 4))
def test_ternary_and_more(f: Callable, kinds: tuple[str, ...], config: tuple) -> None:
    _run(f, kinds, config)


def test_unbatched_python_scalar_and_axis_size() -> None:
    """A literal operand is never batched; in_axes None everywhere needs axis_size."""
    run_checked(lambda x: lax.add(x, 2.0) * 3, [data("f", (2, 3))], (1,), 0)
    run_checked(lambda x, y: lax.select_n(True, x, y), [data("f", (3,)), data("f", (2, 3))],
                (None, 0), 0)


# -- batching adds no equations when the batch axes line up -------------------------


def _chain(x: Any, y: Any) -> Any:
    z = tnp.tanh(x * y + tnp.sin(x)) - y / 2.0
    z = tnp.where(z > 0.1, tnp.exp(-z), lax.integer_pow(z, 2))
    return tnp.maximum(tnp.sqrt(tnp.abs(z)), y) * (x < y)


EQN_CASES = [
    pytest.param((3, 4), (3, 4), (0, 0), id="axis0"),
    pytest.param((3, 4), (3, 4), (1, 1), id="axis1"),
    pytest.param((3, 4), (3, 4), (-1, -1), id="axis-1"),
    pytest.param((3, 4), (4,), (0, None), id="unbatched-y"),
    pytest.param((3, 4), (4,), (1, None), id="unbatched-y-in-tail"),
    pytest.param((4,), (3, 4), (None, 0), id="unbatched-x"),
    pytest.param((3, 4), (4,), (1, 0), id="same-tail-different-rank"),
    pytest.param((), (3,), (0, 1), id="scalar-example"),
]


@pytest.mark.parametrize("xs, ys, in_axes", EQN_CASES)
def test_elementwise_chain_adds_no_equations(xs: tuple, ys: tuple, in_axes: tuple) -> None:
    args = [_batched("f", s, a, 3) for s, a in zip((xs, ys), in_axes)]
    # the batch axis stays where it is (the same number of example axes after it) ...
    shape, axis = next((s, a) for s, a in zip((xs, ys), in_axes) if a is not None)
    tail = len(shape) - axis % (len(shape) + 1)
    out_axis = max(len(xs), len(ys)) - tail
    # ... so out_axes=0 costs at most the one final transpose
    n0, n1 = batched_eqn_count(_chain, args, in_axes)
    assert n1 <= n0 + (out_axis != 0), (n0, n1)
    # and out_axes where the batch axis already is costs nothing
    g = make_graph(vmap(_chain, in_axes=in_axes, out_axes=out_axis))(*args)
    assert len(g.graph.eqns) <= n0, str(g)
    run_checked(_chain, args, in_axes, out_axis)


def test_mismatched_axes_cost_one_move() -> None:
    """Operands batched on different axes: a transpose where the misaligned ``x`` meets
    ``y`` (three uses), none downstream, where the results line up."""
    args = [data("f", (3, 4, 2)), data("f", (2, 3, 4))]
    n0, n1 = batched_eqn_count(_chain, args, (2, 0))
    assert n1 <= n0 + 3, (n0, n1)
    run_checked(_chain, args, (2, 0), 0)
