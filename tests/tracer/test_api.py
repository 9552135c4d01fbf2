"""The public API the core issue promises exists, on tnp, lax, nn and on tracers/Arrays."""
from __future__ import annotations

import numpy as np
import pytest

import backends
import graphjit as gj
import tracer.numpy as tnp
from tracer import lax, make_graph, nn

TNP = """array asarray zeros ones full empty zeros_like ones_like full_like arange linspace
logspace eye identity tri tril triu diag meshgrid copy add subtract multiply divide
true_divide floor_divide mod remainder fmod power float_power negative positive abs absolute
sign sqrt cbrt square reciprocal exp exp2 expm1 log log2 log10 log1p logaddexp logaddexp2 sin
cos tan arcsin arccos arctan arctan2 sinh cosh tanh arcsinh arccosh arctanh hypot deg2rad
rad2deg floor ceil trunc rint round clip maximum minimum fmax fmin heaviside sinc isfinite
isinf isnan nan_to_num signbit copysign equal not_equal less less_equal greater greater_equal
logical_and logical_or logical_not logical_xor bitwise_and bitwise_or bitwise_xor invert
left_shift right_shift isclose allclose array_equal where select all any sum prod mean var
std max min amax amin argmax argmin ptp cumsum cumprod nansum nanmean nanmax nanmin median
average count_nonzero reshape ravel transpose swapaxes moveaxis expand_dims squeeze
broadcast_to broadcast_arrays atleast_1d atleast_2d atleast_3d concatenate stack vstack
hstack dstack column_stack split array_split tile repeat flip fliplr flipud roll rot90 pad
take take_along_axis diagonal trace sort argsort searchsorted dot vdot matmul inner outer
tensordot einsum kron cross astype result_type promote_types finfo iinfo issubdtype nonzero
unique float32 float64 int32 int64 bool_ uint8 float16""".split()
LAX = """cond switch while_loop fori_loop scan map stop_gradient dot_general
conv_general_dilated reduce_window dynamic_slice dynamic_update_slice select clamp
top_k""".split()
NN = "relu gelu sigmoid softplus silu softmax log_softmax logsumexp one_hot standardize".split()


@pytest.mark.parametrize("name", TNP)
def test_tnp_has(name):
    assert callable(getattr(tnp, name)), name


def test_lax_nn_linalg_have():
    assert [n for n in LAX if not callable(getattr(lax, n, None))] == []
    assert [n for n in NN if not callable(getattr(nn, n, None))] == []
    assert callable(tnp.linalg.norm)


def test_facade_reaches_everything():
    assert gj.numpy is tnp and gj.lax is lax and gj.nn is nn
    assert gj.make_graph is make_graph and gj.Array is backends.Array
    import transforms
    for name in ("grad", "value_and_grad", "jvp", "vjp", "linearize", "jacfwd", "jacrev",
                 "hessian", "custom_jvp", "custom_vjp", "checkpoint", "remat", "vmap", "jit"):
        assert getattr(gj, name) is getattr(transforms, name), name


METHODS = [
    (lambda x: x.T, lambda x: x.T), (lambda x: x.mT, lambda x: np.swapaxes(x, -1, -2)),
    (lambda x: x.reshape(6, 2), lambda x: x.reshape(6, 2)),
    (lambda x: x.reshape((3, 4)), lambda x: x.reshape((3, 4))),
    (lambda x: x.astype(np.float32), lambda x: x.astype(np.float32)),
    (lambda x: x.sum(), lambda x: x.sum()), (lambda x: x.sum(axis=1), lambda x: x.sum(axis=1)),
    (lambda x: x.mean(0), lambda x: x.mean(0)), (lambda x: x.max(), lambda x: x.max()),
    (lambda x: x.min(axis=-1), lambda x: x.min(axis=-1)),
    (lambda x: x.argmax(), lambda x: x.argmax()),
    (lambda x: x.transpose(1, 0, 2), lambda x: x.transpose(1, 0, 2)),
    (lambda x: x[:1].squeeze(0), lambda x: x[:1].squeeze(0)),
    (lambda x: x.ravel(), lambda x: x.ravel()), (lambda x: x.flatten(), lambda x: x.flatten()),
    (lambda x: x[0].dot(x[1].T), lambda x: x[0].dot(x[1].T)),
    (lambda x: x.clip(-1, 1), lambda x: x.clip(-1, 1)),
    (lambda x: x.round(1), lambda x: x.round(1)),
    (lambda x: x[..., None, 1:3], lambda x: x[..., None, 1:3]),
    (lambda x: x[[1, 0], :, -1], lambda x: x[[1, 0], :, -1]),
    (lambda x: x.at[0, 1].set(5.0), lambda x: _set(x, (0, 1), 5.0)),
    (lambda x: x @ x.mT, lambda x: x @ np.swapaxes(x, -1, -2)),
    (lambda x: (x.shape, x.dtype, x.ndim, x.size) and x, lambda x: x),
]


def _set(x, idx, v):
    y = x.copy()
    y[idx] = v
    return y


@pytest.mark.parametrize("i", range(len(METHODS)))
def test_methods_eager_and_traced(i):
    from tests.util import check_against_numpy
    ours, ref = METHODS[i]
    x = np.random.default_rng(i).normal(size=(2, 3, 2))
    check_against_numpy(lambda a: ours(tnp.asarray(a)), ref, x)


# -- scalar types: dtypes that convert traced values when called (issue 11) ---------------

SCALAR_TYPES = ["bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                "uint64", "float16", "float32", "float64", "complex64", "complex128",
                "double", "single", "half", "intp", "uintp", "int_", "bfloat16"]


@pytest.mark.parametrize("name", SCALAR_TYPES)
def test_scalar_types_are_numpy_dtypes(name):
    t = getattr(tnp, name)
    want = np.dtype(getattr(np, name) if hasattr(np, name) else t.dtype)
    assert np.dtype(t) == want and tnp.dtype(t) == want and t.dtype == want
    assert t == want.type and want.type == t and hash(t) == hash(want.type)
    assert {want.type: name}[t] == name                      # the same dictionary key
    assert np.zeros(2, t).dtype == want and np.asarray([1], dtype=t).dtype == want
    assert tnp.zeros(3, t).dtype == want and tnp.asarray([1], dtype=t).dtype == want
    assert tnp.ones(2).astype(t).dtype == want and tnp.astype(tnp.ones(2), t).dtype == want
    assert tnp.asarray(np.ones(2, want)).dtype == t          # x.dtype == tnp.float32
    assert isinstance(np.zeros((), want)[()], t)
    assert np.issubdtype(t, np.generic) and tnp.result_type(t) == want
    kind = want.kind
    if kind == "f" and name != "bfloat16":
        assert np.issubdtype(t, np.floating) and tnp.finfo(t).dtype == want
    if kind in "iu":
        assert tnp.issubdtype(t, tnp.integer) and tnp.iinfo(t).dtype == want


@pytest.mark.parametrize("name", ["bool_", "int32", "uint8", "float16", "float32", "float64",
                                  "complex128"])
def test_scalar_types_convert(name):
    t = getattr(tnp, name)
    want = np.dtype(getattr(np, name))
    x = np.array([0.0, 1.5, 2.0])
    eager = t(x)                      # a graphjit Array, as jnp.float32(x) is a jax.Array
    assert isinstance(eager, backends.Array) and eager.dtype == want
    np.testing.assert_array_equal(np.asarray(eager), x.astype(want))
    assert t(2).dtype == want and t(2).shape == () and t().dtype == want
    graph = make_graph(t)(x)          # records a convert instead of concretizing
    converts = [] if want == x.dtype else ["convert_element_type"]
    assert [str(e.prim) for e in graph.graph.eqns] == converts
    assert graph.out_avals[0].dtype == want
    assert gj.jit(t)(x).dtype == want


def test_scalar_types_keep_the_derivative():
    assert float(gj.grad(lambda x: tnp.float64(x) * 2.0)(1.5)) == 2.0
    assert float(gj.grad(lambda x: tnp.double(x) * 2.0)(1.5)) == 2.0
    assert float(gj.grad(lambda x: tnp.float32(x) * 2.0)(1.5)) == 2.0
    assert float(gj.grad(lambda x: tnp.float16(x) * 2.0)(1.5)) == 2.0
    assert float(gj.grad(lambda x: tnp.int32(x) * 2.0)(1.5)) == 0.0   # integers: no tangent
    g = gj.jit(gj.grad(lambda x: tnp.sum(tnp.float32(x) ** 2)))(np.array([1.0, 2.0]))
    assert g.dtype == np.float64 and np.asarray(g).tolist() == [2.0, 4.0]
    t = gj.jvp(lambda x: tnp.float32(x), (np.float64(1.5),), (np.float64(1.0),))[1]
    assert t.dtype == np.float32 and float(t) == 1.0
    x = tnp.asarray(np.float32(1.0))
    assert tnp.float64(x).dtype == np.float64 and tnp.float32(x) is x
