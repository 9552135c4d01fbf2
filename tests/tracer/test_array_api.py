"""Array API standard (2024.12) conformance of ``tnp``: regressions and the added names.

References: NumPy 2 (``numpy`` is an Array API namespace since 2.0) and
``jax.numpy``, never values computed by graphjit itself.
"""
from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import graphjit as gj
import tracer.numpy as tnp
from tests.util import assert_same
from tracer.errors import UnsupportedError

# -- Python bools with bool and int arrays ------------------------------------------

BOOL_OPS = {
    "and": lambda x, s: x & s, "rand": lambda x, s: s & x,
    "or": lambda x, s: x | s, "ror": lambda x, s: s | x,
    "xor": lambda x, s: x ^ s, "rxor": lambda x, s: s ^ x,
    "eq": lambda x, s: x == s, "ne": lambda x, s: x != s, "req": lambda x, s: s == x,
    "logical_and": lambda x, s: np.logical_and(x, s) if isinstance(x, np.ndarray)
    else tnp.logical_and(x, s),
    "logical_or": lambda x, s: np.logical_or(x, s) if isinstance(x, np.ndarray)
    else tnp.logical_or(x, s),
    "bitwise_and": lambda x, s: np.bitwise_and(x, s) if isinstance(x, np.ndarray)
    else tnp.bitwise_and(x, s),
    "bitwise_xor_r": lambda x, s: np.bitwise_xor(s, x) if isinstance(x, np.ndarray)
    else tnp.bitwise_xor(s, x),
    "add": lambda x, s: x + s, "mul": lambda x, s: s * x,
}


@pytest.mark.parametrize("dt", ["bool", "int32", "int64", "uint8"])
@pytest.mark.parametrize("op", list(BOOL_OPS))
@pytest.mark.parametrize("s", [True, False])
def test_python_bool_operand(dt, op, s):
    f = BOOL_OPS[op]
    x = np.array([True, False, True]).astype(dt)
    want = f(x, s)
    assert_same(f(tnp.asarray(x), s), want, what="eager")
    assert_same(gj.jit(lambda a: f(a, s))(x), want, what="jit, s static")
    assert_same(gj.jit(f)(x, s), want, what="jit, s traced")


# -- can_cast ----------------------------------------------------------------------------

CAST_FROM = [np.float32, np.float64, np.int8, np.uint16, np.bool_, np.dtype("int32"),
             np.dtype("float16"), "f4", "i8", "?"]
CAST_TO = [np.float64, np.float32, np.int16, np.dtype("uint8"), "c8", np.bool_]


@pytest.mark.parametrize("casting", ["safe", "same_kind", "unsafe", "no", "equiv"])
def test_can_cast_matches_numpy(casting):
    for f in CAST_FROM:
        for t in CAST_TO:
            assert tnp.can_cast(f, t, casting) == np.can_cast(f, t, casting), (f, t)


def test_can_cast_tnp_scalar_types_arrays_and_tracers():
    pairs = [(tnp.float32, tnp.float64), (tnp.float64, tnp.float32), (tnp.int8, np.int64),
             (np.uint8, tnp.int8), (tnp.bool_, tnp.int8), (tnp.bool, tnp.float16)]
    for f, t in pairs:
        want = np.can_cast(np.dtype(f), np.dtype(t))
        assert tnp.can_cast(f, t) == want, (f, t)
    x = np.arange(3, dtype=np.int16)
    for t in (np.int8, np.int32, np.float32, tnp.float16):
        want = np.can_cast(x, np.dtype(t))
        assert tnp.can_cast(tnp.asarray(x), t) == want
        assert gj.jit(lambda a: tnp.asarray(tnp.can_cast(a, t)))(x).item() == want
    with pytest.raises(TypeError):   # NumPy 2: a Python scalar's cast depends on its value
        tnp.can_cast(1.5, np.float32)


# -- floor_divide / remainder / divmod: IEEE special values ---------------------------------

# No subnormals: XLA CPU flushes them to zero (as jax.jit does).
SPECIAL = np.array([np.inf, -np.inf, 0.0, -0.0, np.nan, 1.0, -1.0, 2.0, -2.0, 5.5, -5.5,
                    0.75, 1e300, -1e-300, 3.0])


def _table(dt):
    with np.errstate(over="ignore"):   # (1e300 is inf in float32)
        v = SPECIAL.astype(dt)
    a, b = np.meshgrid(v, v, indexing="ij")
    return a.ravel(), b.ravel()


def _identical(got, want, what):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, what
    same = (got == want) | (np.isnan(got) & np.isnan(want)) if want.dtype.kind in "fc" \
        else got == want
    if want.dtype.kind == "f":
        same &= (np.signbit(got) == np.signbit(want)) | np.isnan(want)   # (NaN: any sign)
    assert same.all(), f"{what}: {list(zip(*(v[~same] for v in (got, want))))[:6]}"


DIVS = {
    "floor_divide": (tnp.floor_divide, np.floor_divide),
    "remainder": (tnp.remainder, np.remainder),
    "fmod": (tnp.fmod, np.fmod),
    "//": (lambda x, y: x // y, lambda x, y: x // y),
    "%": (lambda x, y: x % y, lambda x, y: x % y),
    "divmod": (lambda x, y: divmod(x, y), lambda x, y: divmod(x, y)),
}


@pytest.mark.parametrize("name", list(DIVS))
@pytest.mark.parametrize("dt", ["float64", "float32"])
def test_division_special_values_match_numpy(name, dt):
    f, ref = DIVS[name]
    a, b = _table(dt)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = ref(a, b)
        runs = {"eager": f(tnp.asarray(a), tnp.asarray(b)),
                "jit(xla)": gj.jit(f)(a, b),
                "jit(numpy backend)": gj.jit(f, backend="numpy")(a, b)}
    for what, got in runs.items():
        for g, w in zip(*(v if isinstance(v, tuple) else (v,) for v in (got, want))):
            _identical(g, w, f"{name} {dt} {what}")


@pytest.mark.parametrize("name", list(DIVS))
@pytest.mark.parametrize("dt", ["int32", "int64", "int8", "uint8"])
def test_integer_division_by_zero_and_negative_divisors_match_numpy(name, dt):
    f, ref = DIVS[name]
    info = np.iinfo(dt)
    vals = np.unique(np.array([0, 1, 2, 7, -1, -2, -7, info.min, info.max],
                              dtype=np.int64).astype(dt))
    a, b = (v.ravel() for v in np.meshgrid(vals, vals, indexing="ij"))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = ref(a, b)
        runs = {"eager": f(tnp.asarray(a), tnp.asarray(b)), "jit(xla)": gj.jit(f)(a, b),
                "jit(numpy backend)": gj.jit(f, backend="numpy")(a, b)}
    for what, got in runs.items():
        for g, w in zip(*(v if isinstance(v, tuple) else (v,) for v in (got, want))):
            _identical(g, w, f"{name} {dt} {what}")


@pytest.mark.parametrize("scalar", [np.inf, -np.inf, 0.0, -0.0, 2.0, -2.0])
def test_division_with_python_scalars_matches_numpy(scalar):
    x = SPECIAL
    with np.errstate(all="ignore"):
        for f, ref in (DIVS["//"], DIVS["%"]):
            _identical(f(tnp.asarray(x), scalar), ref(x, scalar), f"x op {scalar}")
            _identical(f(scalar, tnp.asarray(x)), ref(scalar, x), f"{scalar} op x")
            _identical(gj.jit(lambda v: f(v, scalar))(x), ref(x, scalar), "jit")


# -- complex inputs: vecdot and norms ----------------------------------------------------


@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # (ord=-1 of a vector with a 0)
def test_norms_of_complex_input_are_real_and_correct():
    v = np.array([3 + 4j, 0, -1j, 2 - 2j])
    m = np.array([[1 + 1j, 2], [3, 4j], [-1, 0.5 - 0.5j]])
    for dt in (np.complex128, np.complex64):
        for ord_ in (2, 1, np.inf, -np.inf, 0, 3, -1):
            assert_same(tnp.linalg.vector_norm(v.astype(dt), ord=ord_),
                        np.linalg.vector_norm(v.astype(dt), ord=ord_), what=f"vector {ord_}")
            assert_same(tnp.linalg.norm(v.astype(dt), ord_), np.linalg.norm(v.astype(dt), ord_))
        for ord_ in ("fro", 1, -1, np.inf, -np.inf):
            assert_same(tnp.linalg.matrix_norm(m.astype(dt), ord=ord_),
                        np.linalg.matrix_norm(m.astype(dt), ord=ord_), what=f"matrix {ord_}")
        assert_same(tnp.linalg.norm(m.astype(dt)), np.linalg.norm(m.astype(dt)))
        assert_same(tnp.linalg.norm(m.astype(dt), axis=1, keepdims=True),
                    np.linalg.norm(m.astype(dt), axis=1, keepdims=True))
    assert float(tnp.linalg.vector_norm(np.array([3 + 4j, 0]))) == 5.0
    assert_same(gj.jit(tnp.linalg.vector_norm)(v), np.linalg.vector_norm(v))


def test_vecdot_conjugates_or_refuses():
    x = np.array([[3 + 4j, 1j], [2, -1 - 1j]])
    # (a real first operand needs no conjugate: the product is exact)
    r = np.array([1.5, -2.0])
    assert_same(tnp.vecdot(r, x), np.vecdot(r, x))
    assert_same(tnp.linalg.vecdot(r, x), np.linalg.vecdot(r, x))
    # a complex first operand must be conjugated (NumPy and the standard); graphjit has no
    # conjugate yet, so it refuses instead of returning sum(x1 * x2)
    for f in (tnp.vecdot, tnp.linalg.vecdot, tnp.vdot):
        with pytest.raises(UnsupportedError, match="conjugate"):
            f(x, x) if f is not tnp.vdot else f(x[0], x[0])


# -- the namespace: version, inspection, bool, __array_namespace__ ---------------------------


def test_namespace_version_and_bool():
    assert tnp.__array_api_version__ == "2024.12"
    assert tnp.bool == np.bool_ and np.dtype(tnp.bool) == np.dtype(np.bool)
    assert tnp.asarray([1, 0]).astype(tnp.bool).dtype == np.bool_
    assert tnp.zeros(2, dtype=tnp.bool).dtype == np.bool_
    assert gj.numpy is tnp


def test_array_namespace_info():
    info, ref = tnp.__array_namespace_info__(), np.__array_namespace_info__()
    caps = info.capabilities()
    assert set(caps) == set(ref.capabilities())
    # what also holds under jit (as jax.numpy's answers)
    jax_caps = jnp.__array_namespace_info__().capabilities()
    assert caps["boolean indexing"] == jax_caps["boolean indexing"]
    assert caps["data-dependent shapes"] == jax_caps["data-dependent shapes"]
    assert info.default_device() in info.devices()
    assert tnp.zeros(1).device == info.default_device()
    for d in info.devices():
        assert tnp.zeros(2, device=d).device == d
    assert info.default_dtypes() == ref.default_dtypes()   # NumPy's float64/int64 defaults
    assert info.default_dtypes()["real floating"] == tnp.zeros(1).dtype
    assert info.default_dtypes()["integral"] == tnp.arange(2).dtype
    for kind in ("bool", "signed integer", "unsigned integer", "integral", "real floating",
                 "numeric", ("bool", "real floating"), None):
        got = info.dtypes(kind=kind)
        want = {k: v for k, v in ref.dtypes(kind=kind).items() if np.dtype(v).kind != "c"}
        assert got == want, kind
    assert info.dtypes(kind="complex floating") == {}   # no complex primitives yet
    with pytest.raises(ValueError):
        info.dtypes(kind="floats")
    with pytest.raises(TypeError, match="device"):
        info.dtypes(device="tpu9")


def test_array_namespace_method():
    x = tnp.arange(3.0)
    assert x.__array_namespace__() is tnp
    assert x.__array_namespace__(api_version="2023.12") is tnp
    with pytest.raises(ValueError, match="version"):
        x.__array_namespace__(api_version="2099.01")
    seen = []
    gj.jit(lambda a: seen.append(a.__array_namespace__()) or a)(np.ones(2))
    assert seen == [tnp]


# -- devices ------------------------------------------------------------------------------

CREATORS = {
    "zeros": lambda d: tnp.zeros((2, 3), device=d),
    "ones": lambda d: tnp.ones(3, dtype="int32", device=d),
    "empty": lambda d: tnp.empty(2, device=d),
    "full": lambda d: tnp.full((2,), 7.5, device=d),
    "arange": lambda d: tnp.arange(1, 7, 2, device=d),
    "linspace": lambda d: tnp.linspace(0, 1, 5, device=d),
    "eye": lambda d: tnp.eye(3, k=1, device=d),
    "asarray": lambda d: tnp.asarray([1.0, 2.0], device=d),
    "zeros_like": lambda d: tnp.zeros_like(np.ones((2, 2), "f4"), device=d),
    "ones_like": lambda d: tnp.ones_like(np.ones(2), device=d),
    "empty_like": lambda d: tnp.empty_like(np.ones(2), device=d),
    "full_like": lambda d: tnp.full_like(np.ones(2, "i4"), 3, device=d),
    "astype": lambda d: tnp.astype(tnp.arange(3), tnp.float32, device=d),
    "astype method": lambda d: tnp.arange(3).astype("f4", device=d),
}
NP_CREATORS = {
    "zeros": lambda: np.zeros((2, 3)), "ones": lambda: np.ones(3, dtype="int32"),
    "empty": lambda: np.zeros(2), "full": lambda: np.full((2,), 7.5),
    "arange": lambda: np.arange(1, 7, 2), "linspace": lambda: np.linspace(0, 1, 5),
    "eye": lambda: np.eye(3, k=1), "asarray": lambda: np.asarray([1.0, 2.0]),
    "zeros_like": lambda: np.zeros((2, 2), "f4"), "ones_like": lambda: np.ones(2),
    "empty_like": lambda: np.zeros(2), "full_like": lambda: np.full(2, 3, "i4"),
    "astype": lambda: np.arange(3).astype("f4"),
    "astype method": lambda: np.arange(3.0, dtype="f4"),
}


@pytest.mark.parametrize("name", list(CREATORS))
def test_creation_device_keyword(name):
    dev = gj.devices()[0]
    name_of = f"{dev.platform}:{dev.id}"
    want = NP_CREATORS[name]()
    for d, where in ((None, "cpu:numpy"), ("cpu:numpy", "cpu:numpy"), (dev, name_of),
                     (name_of, name_of)):
        out = CREATORS[name](d)
        assert_same(out, want, what=f"{name} device={d}")
        assert out.device == where, (name, d)
        assert out.to_device(out.device).device == out.device
    for bad in ("gpu7:0", 3, "cpu"):
        with pytest.raises(TypeError, match="device"):
            CREATORS[name](bad)
    # under jit, device= is checked and the placement is jit's
    assert_same(gj.jit(lambda: CREATORS[name](None))(), want)
    with pytest.raises(TypeError, match="device"):
        gj.jit(lambda: CREATORS[name]("nowhere"))()


def test_to_device_and_device_property():
    x = tnp.arange(4.0)
    assert x.device == "cpu:numpy"
    dev = gj.devices()[0]
    y = x.to_device(dev)
    assert y.device == f"{dev.platform}:{dev.id}"
    np.testing.assert_array_equal(np.asarray(y), np.arange(4.0))
    z = y.to_device("cpu:numpy")
    assert z.device == "cpu:numpy"
    np.testing.assert_array_equal(np.asarray(z), np.arange(4.0))
    with pytest.raises(ValueError, match="stream"):
        x.to_device(dev, stream=1)
    with pytest.raises(TypeError, match="device"):
        x.to_device("moon:0")
    seen = []

    def f(a):
        seen.append(a.device)   # a traced value has no device: placement is jit's
        return a.to_device(a.device) * 2
    np.testing.assert_array_equal(np.asarray(gj.jit(f)(np.arange(3.0))), np.arange(3.0) * 2)
    assert seen == [None]


# -- sort/argsort descending ---------------------------------------------------------------


@pytest.mark.parametrize("dt", ["float64", "float32", "int32", "uint8", "bool"])
@pytest.mark.parametrize("axis", [-1, 0, None])
def test_sort_argsort_descending_match_jax(dt, axis):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 4, (5, 6)).astype(dt)   # many ties: stability matters
    if dt.startswith("float"):
        x[1, 2] = x[3, 0] = np.nan
        x[0, 0], x[0, 1] = -0.0, 0.0
    xj = x.ravel() if axis is None else x
    ax = -1 if axis is None else axis
    with jax.enable_x64(True):
        want_sort = np.asarray(jnp.sort(xj, axis=ax, descending=True))
        want_arg = np.asarray(jnp.argsort(xj, axis=ax, descending=True, stable=True))
    runs = {"eager": lambda f: f(x), "jit(xla)": lambda f: gj.jit(f)(x),
            "jit(numpy backend)": lambda f: gj.jit(f, backend="numpy")(x)}
    for what, run in runs.items():
        assert_same(run(lambda a: tnp.sort(a, axis=axis, descending=True)),
                    want_sort.astype(dt), what=what)
        assert_same(run(lambda a: tnp.argsort(a, axis=axis, descending=True)),
                    want_arg.astype(np.int64), what=what)


def test_argsort_descending_is_stable():
    x = np.array([2, 1, 2, 3, 1, 2, 3])
    want = sorted(range(len(x)), key=lambda i: -x[i])   # Python's sort is stable
    assert tnp.argsort(x, descending=True).tolist() == want
    assert tnp.argsort(x, descending=True, stable=True).tolist() == want
    assert tnp.argsort(np.asarray(2.5), descending=True).tolist() == [0]


# -- DLPack ----------------------------------------------------------------------------------


def test_dlpack_export():
    x = tnp.arange(6.0).reshape(2, 3)
    v = np.from_dlpack(x)
    np.testing.assert_array_equal(v, np.arange(6.0).reshape(2, 3))
    assert np.shares_memory(v, np.asarray(x))   # zero-copy, read-only
    assert not v.flags.writeable
    assert x.__dlpack_device__() == np.asarray(x).__dlpack_device__()
    assert x.__dlpack__(stream=None) is not None
    # the pre-1.0 protocol cannot flag read-only: a copy (jax.numpy's importer uses it)
    with jax.enable_x64(True):
        j = jnp.from_dlpack(x)
    np.testing.assert_array_equal(np.asarray(j), np.asarray(x))
    assert j.dtype == np.float64
    with pytest.raises(BufferError):
        x.__dlpack__(copy=False)
    d = gj.device_put(np.arange(3.0))
    np.testing.assert_array_equal(np.from_dlpack(d), np.arange(3.0))


def test_from_dlpack():
    a = np.arange(5.0)
    x = tnp.from_dlpack(a)
    assert isinstance(x, gj.Array) and x.device == "cpu:numpy"
    assert np.shares_memory(np.asarray(x), a)   # zero-copy
    assert not np.shares_memory(np.asarray(tnp.from_dlpack(a, copy=True)), a)
    assert tnp.from_dlpack(x) is x
    with jax.enable_x64(True):
        j = jnp.arange(4, dtype=jnp.int64)
    y = tnp.from_dlpack(j)
    assert isinstance(y, gj.Array)
    assert_same(y, np.arange(4, dtype=np.int64))
    assert_same(y + 1, np.arange(4) + 1)
    dev = gj.devices()[0]
    assert tnp.from_dlpack(a, device=dev).device == f"{dev.platform}:{dev.id}"
    with pytest.raises(TypeError, match="__dlpack__"):
        tnp.from_dlpack([1, 2])


# -- linalg: the Array API's last-two-axes functions ---------------------------------------


@pytest.mark.parametrize("offset", [0, 1, -1, 3, -5])
def test_linalg_diagonal_trace(offset):
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    assert_same(tnp.linalg.diagonal(x, offset=offset), np.linalg.diagonal(x, offset=offset))
    assert_same(tnp.linalg.trace(x, offset=offset), np.linalg.trace(x, offset=offset))
    xi = x.astype(np.uint8)
    assert_same(tnp.linalg.trace(xi, offset=offset), np.linalg.trace(xi, offset=offset))
    assert_same(tnp.linalg.trace(xi, offset=offset, dtype=np.float64),
                np.linalg.trace(xi, offset=offset, dtype=np.float64))
    assert_same(gj.jit(lambda a: tnp.linalg.trace(a, offset=offset))(x),
                np.linalg.trace(x, offset=offset))
    with pytest.raises(ValueError):
        tnp.linalg.diagonal(np.ones(3))


def test_linalg_products_and_transpose():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(2, 4, 3)), rng.normal(size=(4, 3))
    assert_same(tnp.linalg.matrix_transpose(a), np.linalg.matrix_transpose(a))
    assert_same(tnp.linalg.cross(a, b), np.linalg.cross(a, b))
    assert_same(tnp.linalg.cross(a[:, :3], b[:3], axis=-2),
                np.linalg.cross(a[:, :3], b[:3], axis=-2))
    with pytest.raises(ValueError):
        tnp.linalg.cross(a[..., :2], b[..., :2])   # no 2-vectors in linalg.cross
    assert_same(tnp.linalg.vecdot(a, b), np.linalg.vecdot(a, b))
    assert_same(tnp.linalg.vecdot(a, b[:, :1], axis=-2),
                np.linalg.vecdot(a, b[:, :1], axis=-2))
    assert_same(tnp.linalg.matmul(a, b.T), np.linalg.matmul(a, b.T))
    assert_same(tnp.linalg.tensordot(a, b, axes=2), np.linalg.tensordot(a, b, axes=2))
    assert_same(tnp.linalg.outer(b[0], b[1]), np.linalg.outer(b[0], b[1]))


@pytest.mark.parametrize("name", ["eigvalsh", "svdvals", "matrix_rank", "cholesky", "qr",
                                  "svd"])
def test_linalg_decompositions_refuse_clearly(name):
    with pytest.raises(UnsupportedError, match="not support"):
        getattr(tnp.linalg, name)(np.eye(2))


# -- isin -------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape,n", [((5,), 3), ((40, 30), 200), ((), 4), ((0,), 3),
                                     ((3,), 0)])
@pytest.mark.parametrize("invert", [False, True])
def test_isin(shape, n, invert):
    rng = np.random.default_rng(3)
    x = rng.integers(0, 50, shape).astype(float)
    t = rng.integers(0, 50, n)
    if x.size:
        x.flat[0] = np.nan
    want = np.isin(x, t, invert=invert)
    assert_same(tnp.isin(x, t, invert=invert), want)
    assert_same(gj.jit(lambda a, b: tnp.isin(a, b, invert=invert))(x, t), want)
    assert_same(np.isin(tnp.asarray(x), t, invert=invert), want)   # NEP 18 dispatch
