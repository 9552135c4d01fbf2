"""``tnp.r_``, ``c_``, ``mgrid``, ``ogrid``, ``s_``, ``index_exp`` against NumPy's (values,
dtypes, shapes), eagerly and recorded, and with traced elements under ``jit``, ``grad``
(against ``jax.numpy.r_``/``c_``) and ``vmap``."""
from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
import pytest

jax.config.update("jax_enable_x64", True)

import tracer.numpy as tnp  # noqa: E402
from tests.util import assert_same, check_graph, rand  # noqa: E402
from tracer import ConcretizationError  # noqa: E402
from transforms import grad, jit, vmap  # noqa: E402

A3 = np.array([1.5, -2.0, 0.25])
I2 = np.array([4, 5], np.int8)
M22 = np.array([[1.0, 2.0], [3.0, 4.0]])
F32 = np.array([0.5, 1.5], np.float32)

# fn(xp) -> array or tuple of arrays; every operand static
STATIC_ROWS: list[tuple[str, Callable[[Any], Any]]] = [
    ("r_range_scalar_array", lambda xp: xp.r_[1:5, 7, A3]),
    ("r_range_only", lambda xp: xp.r_[0:10:3]),
    ("r_negative_step", lambda xp: xp.r_[5:0:-2]),
    ("r_float_step", lambda xp: xp.r_[0:1:0.25]),
    ("r_linspace", lambda xp: xp.r_[0:1:5j]),
    ("r_linspace_one", lambda xp: xp.r_[2:3:1j]),
    ("r_linspace_f32", lambda xp: xp.r_[np.float32(0):1:3j]),
    ("r_scalars", lambda xp: xp.r_[-1, 2, 3]),
    ("r_bool_int", lambda xp: xp.r_[True, 2]),
    ("r_bools", lambda xp: xp.r_[True, np.array([False])]),
    ("r_py_int_keeps_int8", lambda xp: xp.r_[3, I2]),
    ("r_np_int32_promotes_int8", lambda xp: xp.r_[np.int32(3), I2]),
    ("r_py_float_keeps_f32", lambda xp: xp.r_[2.5, F32]),
    ("r_f64_scalar_promotes_f32", lambda xp: xp.r_[np.float64(2.5), F32]),
    ("r_int_range_with_f32", lambda xp: xp.r_[0:2, F32]),
    ("r_lists", lambda xp: xp.r_[[1, 2], [3.5]]),
    ("r_complex", lambda xp: xp.r_[1j, A3]),
    ("r_2d_rows", lambda xp: xp.r_[M22, M22]),
    ("r_axis_directive", lambda xp: xp.r_["1", M22, M22]),
    ("r_neg_axis_directive", lambda xp: xp.r_["-1", [[1, 2]], [[3]]]),
    ("r_0_2", lambda xp: xp.r_["0,2", [1, 2], [3, 4]]),
    ("r_0_2_0", lambda xp: xp.r_["0,2,0", [1, 2], [3, 4]]),
    ("r_1_2_0", lambda xp: xp.r_["1,2,0", [1, 2], [3, 4]]),
    ("r_0_3_1", lambda xp: xp.r_["0,3,1", A3, A3]),
    ("r_0_2_range", lambda xp: xp.r_["0,2", 0:3, A3]),
    ("r_1_2_0_range", lambda xp: xp.r_["1,2,0", 0:3, A3]),
    ("r_scalar_ndmin2", lambda xp: xp.r_["0,2", 7, [[1]]]),
    ("r_empty_range", lambda xp: xp.r_[3:3, A3]),
    ("c_vectors", lambda xp: xp.c_[np.array([1, 2, 3]), np.array([4, 5, 6])]),
    ("c_lists", lambda xp: xp.c_[[1, 2, 3], [4, 5, 6]]),
    ("c_range_list", lambda xp: xp.c_[1:3, [5, 6]]),
    ("c_matrix_and_column", lambda xp: xp.c_[M22, 3:5]),
    ("c_scalars_matrix", lambda xp: xp.c_[M22, M22, np.zeros((2, 1))]),
    ("c_row_vectors", lambda xp: xp.c_[np.array([[1, 2, 3]]), 0, 0, np.array([[4, 5, 6]])]),
    ("c_linspace", lambda xp: xp.c_[0:1:3j, A3]),
    ("mgrid_2d", lambda xp: xp.mgrid[0:5, 0:3]),
    ("mgrid_3d_steps", lambda xp: xp.mgrid[0:4:2, 1:3, -1:2:3]),
    ("mgrid_complex", lambda xp: xp.mgrid[0:1:3j, 0:2:4j]),
    ("mgrid_mixed_float", lambda xp: xp.mgrid[0:3, 0:2.5]),
    ("mgrid_f32_start", lambda xp: xp.mgrid[np.float32(0):3:1, 0:2]),
    ("mgrid_1d", lambda xp: xp.mgrid[0:5:0.5]),
    ("mgrid_1d_complex", lambda xp: xp.mgrid[-1:1:5j]),
    ("mgrid_1d_complex_one", lambda xp: xp.mgrid[-1:1:1j]),
    ("mgrid_empty_axis", lambda xp: xp.mgrid[0:0, 0:2]),
    ("mgrid_no_slices", lambda xp: xp.mgrid[()]),
    ("ogrid_2d", lambda xp: xp.ogrid[0:5, 0:3]),
    ("ogrid_complex", lambda xp: xp.ogrid[0:1:3j, 0:2:3j]),
    ("ogrid_f32", lambda xp: xp.ogrid[np.float32(0):3:1, 0:2]),
    ("ogrid_1d", lambda xp: xp.ogrid[0:4]),
    ("ogrid_1d_float", lambda xp: xp.ogrid[2:0:-0.5]),
]


@pytest.mark.parametrize("name,fn", STATIC_ROWS, ids=[r[0] for r in STATIC_ROWS])
def test_static_against_numpy(name: str, fn: Callable[[Any], Any]) -> None:
    want = fn(np)
    got = fn(tnp)
    assert type(got) is tuple if isinstance(want, tuple) else not isinstance(got, tuple)
    assert_same(got, want, what="eager")
    assert_same(check_graph(lambda: fn(tnp)), want, what="graph")
    assert_same(jit(lambda: fn(tnp))(), want, what="jit(xla)")


# fn(xp, *arrays): traced elements
TRACED_ROWS: list[tuple[str, Callable[..., Any], tuple]] = [
    ("r_elements", lambda xp, x, y: xp.r_[x, 0:2, y, 7.5], (A3, M22[0])),
    ("r_int_and_float", lambda xp, x, y: xp.r_[x, y], (I2, A3)),
    ("r_0d_element", lambda xp, x, y: xp.r_[x[0], y], (A3, F32)),
    ("r_rows", lambda xp, x, y: xp.r_["0,2", x, y], (A3, A3 * 2)),
    ("r_axis1", lambda xp, x, y: xp.r_["1", x, y], (M22, M22.T)),
    ("c_columns", lambda xp, x, y: xp.c_[x, y, 1:4], (A3, A3 ** 2)),
    ("c_matrix", lambda xp, x, y: xp.c_[x, y], (M22, M22[:, :1])),
]


@pytest.mark.parametrize("name,fn,args", TRACED_ROWS, ids=[r[0] for r in TRACED_ROWS])
def test_traced_elements(name: str, fn: Callable[..., Any], args: tuple) -> None:
    want = fn(np, *args)
    assert_same(fn(tnp, *args), want, what="eager")
    assert_same(check_graph(lambda *a: fn(tnp, *a), *args), want, what="graph")
    assert_same(jit(lambda *a: fn(tnp, *a))(*args), want, what="jit(xla)")
    # vmap over a batch of the first operand
    batch = np.stack([args[0], args[0] * -3])
    got = vmap(lambda b: fn(tnp, b, *args[1:]))(batch)
    assert_same(got, np.stack([fn(np, b, *args[1:]) for b in batch]), what="vmap")


def test_python_scalar_argument_promotes_weakly_under_jit() -> None:
    """A Python float traced by jit is a weak scalar, as the Python float is for NumPy."""
    want = np.r_[F32, 2.5]
    got = jit(lambda x, s: tnp.r_[x, s])(F32, 2.5)
    assert want.dtype == np.float32
    assert_same(got, want)
    got = jit(lambda x, s: tnp.c_[x, x * 0, s * 0 + x])(F32, 2.0)
    assert_same(got, np.c_[F32, F32 * 0, 2.0 * 0 + F32])


@pytest.mark.parametrize("name,fn", [
    ("r_", lambda xp, x: xp.sum(xp.sin(xp.r_[x, x[:2] * 3.0, 0:1:3j]) * xp.arange(8.0))),
    ("c_", lambda xp, x: xp.sum(xp.c_[x, x ** 2] @ xp.array([1.5, -0.5]))),
    ("r_rows", lambda xp, x: xp.sum(xp.r_["0,2", x, 2 * x] ** 3)),
])
def test_grad_against_jax(name: str, fn: Callable[[Any, Any], Any]) -> None:
    want = np.asarray(jax.grad(lambda x: fn(jnp, x))(jnp.asarray(A3)))
    assert_same(grad(lambda x: fn(tnp, x))(A3), want, what="grad")
    assert_same(jit(grad(lambda x: fn(tnp, x)))(A3), want, what="jit(grad)")


def test_complex_step_slices_take_traced_bounds() -> None:
    got = jit(lambda a, b: tnp.r_[a:b:5j])(0.5, 2.5)
    assert_same(got, np.r_[0.5:2.5:5j])
    got = jit(lambda a, b: tnp.mgrid[a:b:3j, 0:2])(1.0, 2.0)
    assert_same(got, np.mgrid[1.0:2.0:3j, 0:2])
    got = jit(lambda b: tnp.ogrid[0:b:4j])(3.0)
    assert_same(got, np.ogrid[0:3.0:4j])
    # and differentiate like a linspace: d/db sum(r_[a:b:5j]) = sum(i / 4) = 2.5
    g = grad(lambda b: tnp.sum(tnp.r_[0.0:b:5j]))(2.0)
    assert float(g) == pytest.approx(2.5, rel=1e-15)


@pytest.mark.parametrize("fn", [
    lambda n: tnp.r_[0:n],
    lambda n: tnp.r_[1, 0:5:n],
    lambda n: tnp.c_[0:n, 0:3],
    lambda n: tnp.mgrid[0:n, 0:2],
    lambda n: tnp.ogrid[0:n],
])
def test_traced_slice_bounds_raise_a_clear_error(fn: Callable[[Any], Any]) -> None:
    with pytest.raises(ConcretizationError, match="concrete") as e:
        jit(fn)(3)
    assert "test_index_tricks.py" in str(e.value)
    assert "static" in str(e.value) or "complex step" in str(e.value)


def test_concrete_traced_bounds_work_under_grad() -> None:
    """Under grad, values are concrete: a traced bound that is not differentiated works."""
    g = grad(lambda x, n: tnp.sum(tnp.r_[x, 0:n] * 2.0))(A3, 3)
    assert_same(g, np.full(3, 2.0))


@pytest.mark.parametrize("key,exc,match", [
    ("r", NotImplementedError, "matrix"),
    ("c", NotImplementedError, "matrix"),
    ("1 2; 3 4", NotImplementedError, "matrix"),
    ("x,y", ValueError, "directive"),
    ("bogus", ValueError, "directive"),
])
def test_directive_errors(key: str, exc: type, match: str) -> None:
    args = key if " " in key else (key, [1, 2])
    with pytest.raises(exc, match=match):
        tnp.r_[args]
    if exc is ValueError:     # NumPy agrees these are errors
        with pytest.raises(ValueError):
            np.r_[args]


def test_directive_must_come_first() -> None:
    with pytest.raises(ValueError):
        np.r_[[1, 2], "0,2"]
    with pytest.raises(ValueError, match="first"):
        tnp.r_[[1, 2], "0,2"]


def test_nothing_to_concatenate_errors_like_numpy() -> None:
    with pytest.raises(ValueError):
        np.r_[()]
    with pytest.raises(ValueError):
        tnp.r_[()]


def test_len_is_zero_like_numpy() -> None:
    assert len(tnp.r_) == len(np.r_) == 0 and len(tnp.c_) == len(np.c_) == 0


def test_s_and_index_exp() -> None:
    assert tnp.s_[1:5:2, ..., None] == np.s_[1:5:2, ..., None]
    assert tnp.s_[3] == 3 and tnp.index_exp[3] == (3,)
    x = rand((4, 5))
    idx = tnp.s_[1:, ::2]
    assert_same(jit(lambda a: a[idx])(x), x[idx])
    assert_same(jit(lambda a: a[tnp.index_exp[2]])(x), x[np.index_exp[2]])


def test_numpy_scalar_operands_are_scalars() -> None:
    """np.float32 scalars count as scalars (NumPy's ScalarType), not as 1-d arrays first."""
    x = rand((3,), rng=np.random.default_rng(3))
    assert_same(tnp.r_[np.float32(1.0), x], np.r_[np.float32(1.0), x])
    assert_same(tnp.r_["1,2", np.int32(1), I2], np.r_["1,2", np.int32(1), I2])
    assert_same(tnp.r_["1,2", 1, I2], np.r_["1,2", 1, I2])
