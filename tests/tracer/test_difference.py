"""``tnp.diff``, ``tnp.ediff1d`` and ``tnp.gradient`` against NumPy (values, dtypes,
errors) and JAX (derivatives): eagerly, recorded, under ``jit`` (XLA) and ``vmap``."""
from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
import pytest

jax.config.update("jax_enable_x64", True)

import tracer.numpy as tnp  # noqa: E402
from tests.util import assert_same, check_against_numpy, check_everywhere, rand  # noqa: E402
from transforms import grad, jit, vmap  # noqa: E402

RNG = np.random.default_rng(7)
X1 = rand((6,), rng=RNG)
X2 = rand((3, 5), rng=RNG)
X3 = rand((2, 3, 4), rng=RNG)
I1 = np.array([3, -1, 4, 1, -5, 9], np.int64)
I32 = np.array([[3, 1, 4], [1, 5, 9]], np.int32)
U8 = np.array([5, 3, 250, 1], np.uint8)
B1 = np.array([True, False, False, True, True])
F32 = X2.astype(np.float32)
F16 = X1.astype(np.float16)
C1 = X1 + 1j * X1[::-1]
EMPTY = np.zeros((0,))
EMPTY2 = np.zeros((2, 0))

# name, (args traced), static kwargs
DIFF_ROWS: list[tuple[str, tuple, dict]] = [
    ("f64", (X1,), {}),
    ("n2", (X1,), {"n": 2}),
    ("n0", (X1,), {"n": 0}),
    ("n_equals_len", (X1,), {"n": 6}),
    ("n_beyond_len", (X1,), {"n": 9}),
    ("2d_last", (X2,), {}),
    ("2d_axis0", (X2,), {"axis": 0}),
    ("2d_axis_neg2_n2", (X2,), {"axis": -2, "n": 2}),
    ("3d_axis1", (X3,), {"axis": 1, "n": 2}),
    ("int64", (I1,), {"n": 3}),
    ("int32_axis0", (I32,), {"axis": 0}),
    ("uint8_wraps", (U8,), {}),
    ("bool_xor", (B1,), {}),
    ("bool_n2", (B1,), {"n": 2}),
    ("bool_2d", (X2 > 0,), {"axis": 0}),
    ("float32", (F32,), {}),
    ("float16", (F16,), {"n": 2}),
    ("complex", (C1,), {}),
    ("empty", (EMPTY,), {}),
    ("empty_n3", (EMPTY,), {"n": 3}),
    ("empty_2d_axis1", (EMPTY2,), {}),
    ("empty_2d_axis0", (EMPTY2,), {"axis": 0}),
    ("length1", (np.array([4.0]),), {}),
    ("prepend_scalar", (X1,), {"prepend": 0.0}),
    ("append_scalar", (X1,), {"append": 10}),
    ("prepend_append", (X2,), {"prepend": -1.0, "append": 2.0, "axis": 0}),
    ("prepend_array", (X2,), {"prepend": np.ones((3, 2)), "n": 2}),
    ("append_array_axis0", (X2,), {"append": np.zeros((1, 5)), "axis": 0}),
    ("f32_prepend_py_float", (F32,), {"prepend": 0.0}),     # NumPy: float64 result
    ("int_append_float", (I1,), {"append": 0.5}),
    ("bool_prepend_bool", (B1,), {"prepend": True}),
    ("int_prepend_bool", (I1,), {"prepend": True}),
]


@pytest.mark.parametrize("name,args,kw", DIFF_ROWS, ids=[r[0] for r in DIFF_ROWS])
def test_diff_matches_numpy(name: str, args: tuple, kw: dict) -> None:
    check_against_numpy(tnp.diff, np.diff, *args, **kw)
    with np.errstate(all="ignore"):
        want = np.diff(*args, **kw)
    assert_same(jit(lambda *a: tnp.diff(*a, **kw))(*args), want, what="jit(xla)")


def test_diff_traced_prepend_follows_numpy_promotion() -> None:
    """A Python-float prepend under jit becomes a strong float64, as np.asanyarray makes it."""
    want = np.diff(F32[0], prepend=0.0, append=1.5)
    got = jit(lambda x, p, q: tnp.diff(x, prepend=p, append=q))(F32[0], 0.0, 1.5)
    assert_same(got, want, what="jit")
    assert got.dtype == np.float64


def test_diff_n0_returns_the_array() -> None:
    out = tnp.diff([1, 5, 2], n=0)
    np.testing.assert_array_equal(np.asarray(out), [1, 5, 2])
    assert out.dtype == np.asarray([1, 5, 2]).dtype
    # n=0 of a 0-d input is not an error (NumPy returns before the check)
    assert np.asarray(tnp.diff(3.0, n=0)) == np.diff(3.0, n=0)


@pytest.mark.parametrize("call,exc", [
    (lambda xp: xp.diff(np.float64(2.0)), ValueError),        # 0-d
    (lambda xp: xp.diff(X1, n=-1), ValueError),
    (lambda xp: xp.diff(X1, axis=1), np.exceptions.AxisError),
    (lambda xp: xp.diff(X2, prepend=np.ones((2, 5))), ValueError),   # wrong shape
])
def test_diff_errors_like_numpy(call: Callable[[Any], Any], exc: type) -> None:
    with pytest.raises(exc):
        call(np)
    with pytest.raises(exc):
        call(tnp)


def test_diff_zero_d_error_names_the_line() -> None:
    with pytest.raises(ValueError, match="at least one dimensional") as e:
        jit(lambda x: tnp.diff(x))(2.0)
    assert "test_difference.py" in str(e.value)


def test_diff_under_vmap() -> None:
    batch = rand((4, 3, 5), rng=RNG)
    got = vmap(lambda x: tnp.diff(x, n=2, axis=0, append=0.5))(batch)
    want = np.stack([np.diff(b, n=2, axis=0, append=0.5) for b in batch])
    assert_same(got, want)
    got = jit(vmap(lambda x: tnp.diff(x > 0)))(batch)
    assert_same(got, np.stack([np.diff(b > 0) for b in batch]))


# ---------------------------------------------------------------------------
# ediff1d

EDIFF_ROWS: list[tuple[str, tuple, dict]] = [
    ("f64", (X1,), {}),
    ("2d_ravel", (X2,), {}),
    ("int", (I1,), {}),
    ("uint8_wraps", (U8,), {}),
    ("float32", (F32,), {}),
    ("to_begin_scalar", (I1,), {"to_begin": -99}),
    ("to_end_list", (X1,), {"to_end": [1.0, 2.0]}),
    ("both", (I32,), {"to_begin": np.array([[7, 8]]), "to_end": 100}),
    ("f32_to_begin_f64", (F32,), {"to_begin": 0.5}),     # cast to float32
    ("f64_to_end_int", (X1,), {"to_end": np.int64(3)}),
    ("empty", (EMPTY,), {}),
    ("empty_with_ends", (EMPTY,), {"to_begin": 1.0, "to_end": [2.0, 3.0]}),
    ("one_element", (np.array([5]),), {"to_end": 0}),
    ("zero_d", (np.float64(2.0),), {}),
    ("complex", (C1,), {"to_begin": 1j}),
]


@pytest.mark.parametrize("name,args,kw", EDIFF_ROWS, ids=[r[0] for r in EDIFF_ROWS])
def test_ediff1d_matches_numpy(name: str, args: tuple, kw: dict) -> None:
    check_against_numpy(tnp.ediff1d, np.ediff1d, *args, **kw)
    with np.errstate(all="ignore"):
        want = np.ediff1d(*args, **kw)
    assert_same(jit(lambda *a: tnp.ediff1d(*a, **kw))(*args), want, what="jit(xla)")


@pytest.mark.parametrize("call", [
    lambda xp: xp.ediff1d(I1, to_begin=0.5),          # float into int: not same_kind
    lambda xp: xp.ediff1d(I1, to_end=[1j]),
    lambda xp: xp.ediff1d(B1),                          # subtract does not take bools
])
def test_ediff1d_type_errors_like_numpy(call: Callable[[Any], Any]) -> None:
    with pytest.raises(TypeError):
        call(np)
    with pytest.raises(TypeError):
        call(tnp)


def test_ediff1d_traced_ends() -> None:
    got = jit(lambda x, b, e: tnp.ediff1d(x, to_end=e, to_begin=b))(X1, np.array([1.0, 2.0]),
                                                                      3.0)
    assert_same(got, np.ediff1d(X1, to_end=3.0, to_begin=[1.0, 2.0]))


# ---------------------------------------------------------------------------
# gradient

COORD = np.array([0.0, 0.5, 1.5, 1.75, 3.0, 4.5])
EVEN = np.array([1.0, 1.5, 2.0, 2.5, 3.0, 3.5])
ICOORD = np.array([0, 2, 3, 7, 8, 12])

GRAD_ROWS: list[tuple[str, tuple, tuple, dict]] = [   # name, f, spacings, kwargs
    ("1d", (X1,), (), {}),
    ("1d_edge2", (X1,), (), {"edge_order": 2}),
    ("1d_scalar_dx", (X1,), (0.3,), {}),
    ("1d_scalar_dx_edge2", (X1,), (np.float64(0.3),), {"edge_order": 2}),
    ("1d_coords", (X1,), (COORD,), {}),
    ("1d_coords_edge2", (X1,), (COORD,), {"edge_order": 2}),
    ("1d_even_coords", (X1,), (EVEN,), {}),
    ("1d_int_coords", (X1,), (ICOORD,), {"edge_order": 2}),
    ("2d_all_axes", (X2,), (), {}),
    ("2d_one_scalar_both_axes", (X2,), (2.0,), {"edge_order": 2}),
    ("2d_per_axis", (X2,), (2.0, COORD[:5]), {}),
    ("2d_axis0", (X2,), (), {"axis": 0}),
    ("2d_axis_neg1_coords", (X2,), (COORD[:5],), {"axis": -1, "edge_order": 2}),
    ("2d_axes_tuple", (X2,), (COORD[:5], 0.5), {"axis": (1, 0)}),
    ("3d", (X3,), (), {}),
    ("3d_edge2_axes12", (X3,), (), {"edge_order": 2, "axis": (1, 2)}),
    ("int_to_float64", (I1,), (), {}),
    ("int32_2d", (I32,), (), {"axis": 1}),
    ("float32_stays", (F32,), (), {}),
    ("float32_with_f64_coords", (F32,), (COORD[:5],), {"axis": 1}),
    ("float32_f64_scalar_dx", (F32,), (np.float64(0.1),), {"axis": 0}),
    ("float16", (F16,), (), {}),
    ("complex", (C1,), (COORD,), {}),
    ("two_points", (np.array([1.0, 4.0]),), (), {}),
    ("three_points_edge2", (np.array([1.0, 4.0, 2.0]),), (), {"edge_order": 2}),
]


@pytest.mark.parametrize("name,f,sp,kw", GRAD_ROWS, ids=[r[0] for r in GRAD_ROWS])
def test_gradient_matches_numpy(name: str, f: tuple, sp: tuple, kw: dict) -> None:
    # spacings static (NumPy's even-spacing test applies)
    check_against_numpy(lambda a: tnp.gradient(a, *sp, **kw),
                        lambda a: np.gradient(a, *sp, **kw), *f)
    # spacings traced too: non-uniform formula for coordinates, values equal to rounding
    check_everywhere(lambda a, *s: tnp.gradient(a, *s, **kw),
                     lambda a, *s: np.gradient(a, *s, **kw), *f, *sp,
                     rtol=1e-3 if f[0].dtype == np.float16 else
                     (1e-5 if f[0].dtype == np.float32 else 1e-12))


def test_gradient_zero_d_is_empty_tuple() -> None:
    assert np.gradient(np.float64(2.0)) == ()
    assert tnp.gradient(np.float64(2.0)) == ()


@pytest.mark.parametrize("call,exc", [
    (lambda xp: xp.gradient(np.array([1.0])), ValueError),                  # too small
    (lambda xp: xp.gradient(np.array([1.0, 2.0]), edge_order=2), ValueError),
    (lambda xp: xp.gradient(EMPTY), ValueError),
    (lambda xp: xp.gradient(X1, edge_order=3), ValueError),
    (lambda xp: xp.gradient(X2, 1.0, 2.0, 3.0), TypeError),                 # arg count
    (lambda xp: xp.gradient(X1, np.ones((6, 1))), ValueError),              # 2-d spacing
    (lambda xp: xp.gradient(X1, np.arange(5.0)), ValueError),               # wrong length
    (lambda xp: xp.gradient(B1), TypeError),
    (lambda xp: xp.gradient(X2, axis=2), np.exceptions.AxisError),
])
def test_gradient_errors_like_numpy(call: Callable[[Any], Any], exc: type) -> None:
    with pytest.raises(exc):
        call(np)
    with pytest.raises(exc):
        call(tnp)


def test_gradient_under_vmap() -> None:
    batch = rand((4, 6), rng=RNG)
    got = vmap(lambda f: tnp.gradient(f, COORD, edge_order=2))(batch)
    assert_same(got, np.stack([np.gradient(b, COORD, edge_order=2) for b in batch]))
    coords = np.sort(rand((4, 6), rng=RNG), axis=1)
    got = jit(vmap(lambda f, x: tnp.gradient(f, x)))(batch, coords)
    assert_same(got, np.stack([np.gradient(b, c) for b, c in zip(batch, coords)]))


# ---------------------------------------------------------------------------
# derivatives: against JAX, and (gradient is linear in f) against NumPy's own Jacobian

W6 = rand((6,), rng=RNG)


def _loss(xp: Any, fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda x: xp.sum(xp.sin(fn(xp, x)) * xp.arange(1.0, 1.0 + fn(np, X1).size))


DERIV_ROWS: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("diff", lambda xp, x: xp.diff(x)),
    ("diff_n3", lambda xp, x: xp.diff(x, n=3)),
    ("diff_prepend_append", lambda xp, x: xp.diff(x * x, prepend=1.5, append=x[:2])),
    ("ediff1d", lambda xp, x: xp.ediff1d(x)),
    ("ediff1d_ends", lambda xp, x: xp.ediff1d(x ** 2, to_begin=x[0], to_end=np.array([2.0, 3.0]))),
    ("gradient", lambda xp, x: xp.gradient(x)),
    ("gradient_scalar_dx", lambda xp, x: xp.gradient(x ** 3, 0.25)),
    ("gradient_coords", lambda xp, x: xp.gradient(x, COORD)),
    ("gradient_wrt_coords", lambda xp, x: xp.gradient(W6, xp.cumsum(x * x + 0.5))),
]


@pytest.mark.parametrize("name,fn", DERIV_ROWS, ids=[r[0] for r in DERIV_ROWS])
def test_derivatives_match_jax(name: str, fn: Callable[[Any, Any], Any]) -> None:
    want = np.asarray(jax.grad(_loss(jnp, fn))(jnp.asarray(X1)))
    for how, g in [("grad", grad(_loss(tnp, fn))), ("jit(grad)", jit(grad(_loss(tnp, fn)))),
                   ("grad(jit)", grad(jit(_loss(tnp, fn))))]:
        assert_same(g(X1), want, rtol=1e-11, atol=1e-12, what=how)
    # second order: a Hessian-vector product
    def hvp(xp: Any, g: Callable) -> Callable[[Any], Any]:
        return g(lambda y: xp.vdot(g(_loss(xp, fn))(y), W6))

    want2 = np.asarray(hvp(jnp, jax.grad)(jnp.asarray(X1)))
    assert_same(hvp(tnp, grad)(X1), want2, rtol=1e-10, atol=1e-11, what="hvp")


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("spacing", [(), (0.7,), (COORD,), (EVEN,)], ids=str)
def test_gradient_vjp_is_numpys_jacobian_transposed(edge_order: int, spacing: tuple) -> None:
    """gradient is linear in f: grad of <c, gradient(f)> is J^T c with J from np.gradient."""
    n = 6
    jac = np.stack([np.gradient(np.eye(n)[j], *spacing, edge_order=edge_order)
                    for j in range(n)], axis=1)
    c = rand((n,), rng=RNG)
    got = grad(lambda f: tnp.vdot(c, tnp.gradient(f, *spacing, edge_order=edge_order)))(X1)
    np.testing.assert_allclose(np.asarray(got), jac.T @ c, rtol=1e-12, atol=1e-12)
    got = jit(vmap(grad(lambda f: tnp.sum(tnp.gradient(f, *spacing,
                                                        edge_order=edge_order)))))(
        np.stack([X1, W6]))
    np.testing.assert_allclose(np.asarray(got), np.stack([jac.T.sum(1)] * 2),
                               rtol=1e-12, atol=1e-12)


def test_numpy_functions_dispatch_on_tracers() -> None:
    """np.diff / np.gradient / np.ediff1d on tracers reach tnp (NEP 18)."""
    got = jit(lambda x: np.diff(x, n=2) + np.gradient(x)[1:-1] + np.ediff1d(x)[:-1])(X1)
    assert_same(got, np.diff(X1, n=2) + np.gradient(X1)[1:-1] + np.ediff1d(X1)[:-1])
