"""``lax.Precision``, ``precision=`` on contractions/convolutions, and the shape-tuple helpers.

References are JAX (``jax.lax.Precision``, the ``precision`` param JAX stores
on its own jaxpr equations, ``jax.lax.*_shape_tuple``, ``jax.eval_shape``) and
NumPy; never graphjit's own output.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

import jax
import jax.lax as jlax
import jax.numpy as jnp
import numpy as np
import pytest

import graphjit as gj
from tests.util import assert_same, check_graph
from tracer import lax, make_graph, typecheck
from tracer import numpy as tnp
from tracer.ir import ClosedGraph, Graph
from transforms import grad, jacfwd, jit, jvp, vjp, vmap

jax.config.update("jax_enable_x64", True)

RNG = np.random.default_rng(2024)
P = lax.Precision
JP = jlax.Precision

# every spelling JAX's Precision(...) accepts, and some it refuses
PRECISION_STRINGS = ["default", "high", "highest", "bfloat16", "bfloat16_3x", "tensorfloat32",
                     "float32", "fastest"]
NOT_PRECISIONS = ["HIGHEST", "Highest", "float64", "", 3, -1, 1.5]


def f32(*shape: int) -> np.ndarray:
    return RNG.uniform(-2, 2, size=shape).astype(np.float32)


# ---------------------------------------------------------------------------
# The enum


def test_members_match_jax() -> None:
    assert [(m.name, m.value) for m in P] == [(m.name, m.value) for m in JP]
    for m, jm in zip(P, JP):
        assert str(m) == str(jm)
        assert repr(m) == repr(jm)
        assert P(m.value) is m
        assert P[m.name] is m
    assert gj.lax.Precision is P
    import graphjit.lax as gjlax
    assert gjlax.Precision is P and gjlax.Precision.HIGHEST.name == "HIGHEST"


@pytest.mark.parametrize("s", PRECISION_STRINGS + [None])
def test_strings_match_jax(s: Any) -> None:
    assert P(s).name == JP(s).name


@pytest.mark.parametrize("s", NOT_PRECISIONS)
def test_enum_refuses_what_jax_refuses(s: Any) -> None:
    with pytest.raises(ValueError):
        JP(s)
    with pytest.raises(ValueError):
        P(s)


# ---------------------------------------------------------------------------
# precision= arguments: canonicalized as JAX canonicalizes them

X2, Y2 = f32(3, 4), f32(4, 5)


def jax_param(precision: Any) -> Any:
    """The ``precision`` JAX stores on the dot_general equation of ``lax.dot``."""
    jaxpr = jax.make_jaxpr(lambda a, b: jlax.dot(a, b, precision=precision))(X2, Y2)
    (eqn,) = [e for e in jaxpr.eqns if e.primitive.name == "dot_general"]
    return eqn.params["precision"]


def names(p: Any) -> Any:
    return None if p is None else tuple(x.name for x in p)


ACCEPTED = ([None] + PRECISION_STRINGS + list(P)
            + [(P.HIGH, P.DEFAULT), (P.HIGHEST, P.HIGH), ("high", "float32"),
               ("bfloat16", "highest")])


def to_jax(p: Any) -> Any:
    """The same precision spelled with jax.lax.Precision members."""
    if isinstance(p, P):
        return JP[p.name]
    if isinstance(p, tuple):
        return tuple(to_jax(q) for q in p)
    return p


@pytest.mark.parametrize("precision", ACCEPTED, ids=repr)
def test_param_matches_jax(precision: Any) -> None:
    want = names(jax_param(to_jax(precision)))
    cg = make_graph(lambda a, b: lax.dot(a, b, precision=precision))(X2, Y2)
    typecheck(cg)
    (eqn,) = cg.graph.eqns
    hash(eqn.params)
    assert names(eqn.params["precision"]) == want
    got = eqn.params["precision"]
    assert got is None or all(type(q) is P for q in got)


def test_jax_members_and_lists_are_accepted() -> None:
    assert lax.canonicalize_precision(JP.HIGH) == (P.HIGH, P.HIGH)
    assert lax.canonicalize_precision((JP.HIGHEST, JP.DEFAULT)) == (P.HIGHEST, P.DEFAULT)
    # a list pair becomes a (hashable) tuple
    assert lax.canonicalize_precision([P.HIGH, P.DEFAULT]) == (P.HIGH, P.DEFAULT)


REJECTED = ["HIGHEST", "float64", 3, 1.5, ("high",), ("high", P.HIGH), (P.HIGH, "high"),
            (1, 2), ("a", "b"), (P.HIGH, P.HIGH, P.HIGH), {"lhs": "high"}]


@pytest.mark.parametrize("precision", REJECTED, ids=repr)
def test_bad_precision_is_a_clear_error(precision: Any) -> None:
    if not isinstance(precision, dict):   # JAX refuses the same values
        with pytest.raises(ValueError):
            jax_param(to_jax(precision))
    for f in (lambda: lax.dot(X2, Y2, precision=precision),
              lambda: lax.dot_general(X2, Y2, (((1,), (0,)), ((), ())), precision=precision),
              lambda: lax.conv(f32(1, 1, 4, 4), f32(1, 1, 2, 2), (1, 1), "VALID",
                               precision=precision),
              lambda: tnp.matmul(X2, Y2, precision=precision),
              lambda: tnp.einsum("ij,jk", X2, Y2, precision=precision),
              lambda: jit(lambda a: tnp.dot(a, Y2, precision=precision))(X2)):
        with pytest.raises(ValueError, match=r"precision must be.*test_precision\.py:\d+"):
            f()


# ---------------------------------------------------------------------------
# Every op that makes a dot_general / convolution stores the precision

CONV_X, CONV_W = f32(2, 3, 6, 5), f32(4, 3, 3, 2)


def our_precisions(cg: Any) -> list[Any]:
    """The ``precision`` param of every dot_general/conv equation, sub-graphs included."""
    out: list[Any] = []

    def walk(g: Graph) -> None:
        for e in g.eqns:
            if e.prim.name in ("dot_general", "conv_general_dilated"):
                out.append(names(e.params["precision"]))
            for v in e.params.values():
                for sub in (v if isinstance(v, tuple) else (v,)):
                    if isinstance(sub, ClosedGraph):
                        walk(sub.graph)
                    elif isinstance(sub, Graph):
                        walk(sub)
    walk(cg.graph)
    return out


def jax_precisions(closed: Any) -> list[Any]:
    out: list[Any] = []

    def walk(jaxpr: Any) -> None:
        for e in jaxpr.eqns:
            if e.primitive.name in ("dot_general", "conv_general_dilated"):
                out.append(names(e.params["precision"]))
            for v in e.params.values():
                for sub in (v if isinstance(v, tuple) else (v,)):
                    if hasattr(sub, "eqns"):                      # a Jaxpr
                        walk(sub)
                    elif hasattr(getattr(sub, "jaxpr", None), "eqns"):   # a ClosedJaxpr
                        walk(sub.jaxpr)
    walk(closed.jaxpr)
    return out


# (name, our function, JAX's function, args); both take a ``precision`` keyword
PRODUCERS: list[tuple[str, Callable, Callable, tuple]] = [
    ("lax.dot_general",
     lambda a, b, precision: lax.dot_general(a, b, (((2,), (1,)), ((0,), (0,))),
                                             precision=precision),
     lambda a, b, precision: jlax.dot_general(a, b, (((2,), (1,)), ((0,), (0,))),
                                              precision=precision),
     (f32(2, 3, 4), f32(2, 4, 5))),
    ("lax.dot", lambda a, b, precision: lax.dot(a, b, precision=precision),
     lambda a, b, precision: jlax.dot(a, b, precision=precision), (X2, Y2)),
    ("lax.conv_general_dilated",
     lambda a, b, precision: lax.conv_general_dilated(a, b, (2, 1), "SAME", (1, 1), (2, 1),
                                                      precision=precision),
     lambda a, b, precision: jlax.conv_general_dilated(a, b, (2, 1), "SAME", (1, 1), (2, 1),
                                                       precision=precision),
     (CONV_X, CONV_W)),
    ("lax.conv", lambda a, b, precision: lax.conv(a, b, (1, 1), "VALID", precision),
     lambda a, b, precision: jlax.conv(a, b, (1, 1), "VALID", precision), (CONV_X, CONV_W)),
    ("tnp.matmul", lambda a, b, precision: tnp.matmul(a, b, precision=precision),
     lambda a, b, precision: jnp.matmul(a, b, precision=precision), (X2, Y2)),
    ("tnp.matmul batched", lambda a, b, precision: tnp.matmul(a, b, precision=precision),
     lambda a, b, precision: jnp.matmul(a, b, precision=precision),
     (f32(2, 1, 3, 4), f32(5, 4, 2))),
    ("tnp.matmul same batch", lambda a, b, precision: tnp.matmul(a, b, precision=precision),
     lambda a, b, precision: jnp.matmul(a, b, precision=precision),
     (f32(2, 3, 4), f32(2, 4, 2))),
    ("tnp.dot", lambda a, b, precision: tnp.dot(a, b, precision=precision),
     lambda a, b, precision: jnp.dot(a, b, precision=precision), (f32(2, 3, 4), f32(5, 4, 2))),
    ("tnp.einsum", lambda a, b, precision: tnp.einsum("ij,jk->ik", a, b, precision=precision),
     lambda a, b, precision: jnp.einsum("ij,jk->ik", a, b, precision=precision), (X2, Y2)),
    ("tnp.einsum swapped", lambda a, b, precision: tnp.einsum("ij,jk->ki", a, b,
                                                             precision=precision),
     lambda a, b, precision: jnp.einsum("ij,jk->ki", a, b, precision=precision), (X2, Y2)),
    ("tnp.tensordot",
     lambda a, b, precision: tnp.tensordot(a, b, axes=1, precision=precision),
     lambda a, b, precision: jnp.tensordot(a, b, axes=1, precision=precision), (X2, Y2)),
    ("tnp.inner", lambda a, b, precision: tnp.inner(a, b, precision=precision),
     lambda a, b, precision: jnp.inner(a, b, precision=precision), (X2, f32(5, 4))),
    ("tnp.vdot", lambda a, b, precision: tnp.vdot(a, b, precision=precision),
     lambda a, b, precision: jnp.vdot(a, b, precision=precision), (X2, f32(4, 3))),
    ("Array.dot", lambda a, b, precision: tnp.asarray(a).dot(b, precision=precision),
     lambda a, b, precision: jnp.asarray(a).dot(b, precision=precision), (X2, Y2)),
    ("tnp.vecdot", lambda a, b, precision: tnp.vecdot(a, b, precision=precision),
     lambda a, b, precision: jnp.vecdot(a, b, precision=precision), (X2, f32(4))),
]
PRODUCER_IDS = [p[0] for p in PRODUCERS]
PRECISIONS = [None, "bfloat16", P.HIGH, "highest", (P.HIGHEST, P.DEFAULT), ("high", "bfloat16")]


@pytest.mark.parametrize("precision", PRECISIONS, ids=repr)
@pytest.mark.parametrize("name,ours,theirs,args", PRODUCERS, ids=PRODUCER_IDS)
def test_producers_store_precision(name: str, ours: Callable, theirs: Callable, args: tuple,
                                   precision: Any) -> None:
    cg = make_graph(lambda a, b: ours(a, b, precision=precision))(*args)
    typecheck(cg)
    got = our_precisions(cg)
    want = jax_precisions(jax.make_jaxpr(
        lambda a, b: theirs(a, b, precision=to_jax(precision)))(*args))
    assert len(got) == 1 and len(want) == 1
    assert got == want


@pytest.mark.parametrize("precision", [None, "highest", (P.HIGH, P.DEFAULT)], ids=repr)
@pytest.mark.parametrize("name,ours,theirs,args", PRODUCERS, ids=PRODUCER_IDS)
def test_values_match_reference(name: str, ours: Callable, theirs: Callable, args: tuple,
                                precision: Any) -> None:
    """CPUs compute float32 fully whatever precision says: eager, graph and jit agree with
    JAX evaluated in float64."""
    want = np.asarray(theirs(*(a.astype(np.float64) for a in args), precision=None))
    for got in (ours(*args, precision=precision),
                check_graph(lambda a, b: ours(a, b, precision=precision), *args),
                jit(lambda a, b: ours(a, b, precision=precision))(*args)):
        got = np.asarray(got)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5)


def test_einsum_many_operands_and_interleaved() -> None:
    a, b, c = f32(2, 3), f32(3, 4), f32(4, 5)
    cg = make_graph(lambda a, b, c: tnp.einsum("ij,jk,kl->il", a, b, c,
                                               precision="highest"))(a, b, c)
    assert our_precisions(cg) == [("HIGHEST", "HIGHEST")] * 2
    cg = make_graph(lambda a, b: tnp.einsum(a, [0, 1], b, [1, 2], [0, 2],
                                            precision="bfloat16"))(a, b)
    assert our_precisions(cg) == [("DEFAULT", "DEFAULT")]


# ---------------------------------------------------------------------------
# Derived dots and convolutions keep the precision (JAX's rules do the same)

PAIR = (P.HIGHEST, P.DEFAULT)


def dot_loss(L: Any, np_: Any) -> Callable:
    def f(a: Any, b: Any) -> Any:
        return np_.sum(np_.sin(L.dot_general(a, b, (((2,), (1,)), ((0,), (0,))),
                                             precision=PAIR if L is lax else to_jax(PAIR))))
    return f


def conv_loss(L: Any, np_: Any) -> Callable:
    def f(x: Any, w: Any) -> Any:
        y = L.conv_general_dilated(x, w, (2, 1), [(1, 0), (2, 1)], (1, 2), (2, 1),
                                   ("NHWC", "OIHW", "NCHW"), feature_group_count=1,
                                   precision=PAIR if L is lax else to_jax(PAIR))
        return np_.sum(np_.sin(y))
    return f


DOT_ARGS = (f32(2, 3, 4), f32(2, 4, 5))
CONV_ARGS = (f32(2, 6, 5, 3), f32(4, 3, 3, 2))


@pytest.mark.parametrize("loss,args", [(dot_loss, DOT_ARGS), (conv_loss, CONV_ARGS)],
                         ids=["dot", "conv"])
@pytest.mark.parametrize("transform", ["grad", "jacfwd", "grad_of_grad", "jvp", "vjp"])
def test_derivatives_keep_precision(loss: Callable, args: tuple, transform: str) -> None:
    def wrap(T: Any, f: Callable) -> Callable:
        if transform == "grad":
            return T.grad(f, argnums=(0, 1))
        if transform == "jacfwd":
            return T.jacfwd(f, argnums=(0, 1))
        if transform == "grad_of_grad":
            return T.grad(lambda a, b: T.grad(f)(a, b).sum(), argnums=1)
        if transform == "jvp":
            return lambda a, b: T.jvp(f, (a, b), (a, b))
        return lambda a, b: T.vjp(f, a, b)[1](np.float32(1.0))

    ours = wrap(gj, loss(lax, tnp))
    cg = make_graph(ours)(*args)
    typecheck(cg)
    got = our_precisions(cg)
    want = jax_precisions(jax.make_jaxpr(wrap(jax, loss(jlax, jnp)))(*args))
    assert len(got) >= 2 and len(want) >= 2
    assert set(got) == set(want) == {names(PAIR)}
    # and the derivative values are JAX's
    assert_same(ours(*args), wrap(jax, loss(jlax, jnp))(*args), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("in_axes", [(0, 0), (0, None), (None, 1), (2, 0)])
def test_vmap_of_dot_keeps_precision(in_axes: tuple) -> None:
    a, b = f32(3, 4), f32(4, 5)
    xa = a if in_axes[0] is None else np.stack([a, 2 * a], in_axes[0])
    xb = b if in_axes[1] is None else np.stack([b, -b], in_axes[1])
    f = vmap(lambda a, b: lax.dot(a, b, precision=PAIR), in_axes=in_axes)
    cg = make_graph(f)(xa, xb)
    typecheck(cg)
    assert our_precisions(cg) == [names(PAIR)]
    jf = jax.vmap(lambda a, b: jlax.dot(a, b, precision=to_jax(PAIR)), in_axes=in_axes)
    assert jax_precisions(jax.make_jaxpr(jf)(xa, xb)) == [names(PAIR)]
    np.testing.assert_allclose(np.asarray(f(xa, xb)), np.asarray(jf(xa, xb)), rtol=1e-5,
                               atol=1e-5)


@pytest.mark.parametrize("in_axes", [(0, 0), (0, None), (None, 0)])
def test_vmap_of_conv_and_grad_of_vmap_keep_precision(in_axes: tuple) -> None:
    x, w = CONV_X, CONV_W
    xb = x if in_axes[0] is None else np.stack([x, -x])
    wb = w if in_axes[1] is None else np.stack([w, 0.5 * w])

    def conv(x: Any, w: Any) -> Any:
        return lax.conv_general_dilated(x, w, (1, 2), "SAME", precision="tensorfloat32")
    f = vmap(conv, in_axes=in_axes)
    for g in (f, grad(lambda x, w: tnp.sum(f(x, w) ** 2), argnums=(0, 1))):
        cg = make_graph(g)(xb, wb)
        typecheck(cg)
        got = our_precisions(cg)
        assert got and set(got) == {("HIGH", "HIGH")}

    def jconv(x: Any, w: Any) -> Any:
        return jlax.conv_general_dilated(x, w, (1, 2), "SAME", precision="tensorfloat32")
    np.testing.assert_allclose(np.asarray(f(xb, wb)),
                               np.asarray(jax.vmap(jconv, in_axes=in_axes)(xb, wb)),
                               rtol=1e-4, atol=1e-4)


def test_jvp_vjp_functions_directly() -> None:
    a, b = X2, Y2
    f = lambda a, b: tnp.matmul(a, b, precision="high")   # noqa: E731
    _, t = jvp(f, (a, b), (a, b))
    _, pullback = vjp(f, a, b)
    ct = pullback(np.ones((3, 5), np.float32))
    np.testing.assert_allclose(np.asarray(t), 2 * a.astype(np.float64) @ b, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(ct[0]), np.ones((3, 5)) @ b.T.astype(np.float64),
                               rtol=1e-5)
    cg = make_graph(jacfwd(lambda a: f(a, b)))(a)
    assert set(our_precisions(cg)) == {("HIGH", "HIGH")}


# ---------------------------------------------------------------------------
# jax.numpy's keywords on tnp's contractions

CONTRACTIONS = ["matmul", "dot", "einsum", "tensordot", "inner", "vdot", "outer", "vecdot",
                "matvec", "vecmat", "kron", "cross"]


@pytest.mark.parametrize("name", CONTRACTIONS)
def test_keywords_follow_jax_numpy(name: str) -> None:
    ours = inspect.signature(getattr(tnp, name)).parameters
    theirs = inspect.signature(getattr(jnp, name)).parameters
    for kw in ("precision", "preferred_element_type"):
        assert (kw in ours) == (kw in theirs), (name, kw)
        if kw in ours:
            assert ours[kw].kind is inspect.Parameter.KEYWORD_ONLY
            assert ours[kw].default is None


PET_CASES = [
    ("matmul", lambda m, a, b, **k: m.matmul(a, b, **k)),
    ("dot", lambda m, a, b, **k: m.dot(a, b, **k)),
    ("einsum", lambda m, a, b, **k: m.einsum("ij,jk->ik", a, b, **k)),
    ("tensordot", lambda m, a, b, **k: m.tensordot(a, b, axes=1, **k)),
    ("inner", lambda m, a, b, **k: m.inner(a, b.T, **k)),
    ("vdot", lambda m, a, b, **k: m.vdot(a, b.T, **k)),
    ("vecdot", lambda m, a, b, **k: m.vecdot(a, b.T, **k)),
]


@pytest.mark.parametrize("in_dt,pet", [(np.int8, np.int32), (np.float16, np.float32),
                                       (np.float32, np.float64), (np.int32, np.float32)])
@pytest.mark.parametrize("name,fn", PET_CASES, ids=[c[0] for c in PET_CASES])
def test_preferred_element_type(name: str, fn: Callable, in_dt: Any, pet: Any) -> None:
    if np.dtype(in_dt).kind == "i":
        a = RNG.integers(60, 127, size=(3, 4)).astype(in_dt)   # products overflow int8
        b = RNG.integers(60, 127, size=(4, 3)).astype(in_dt)
    else:
        a, b = f32(3, 4).astype(in_dt), f32(4, 3).astype(in_dt)
    want = np.asarray(fn(jnp, a, b, preferred_element_type=pet))
    exact = np.asarray(fn(np, a.astype(np.float64), b.astype(np.float64)))
    for got in (fn(tnp, a, b, preferred_element_type=pet, precision="highest"),
                jit(lambda a, b: fn(tnp, a, b, preferred_element_type=pet))(a, b)):
        got = np.asarray(got)
        assert got.dtype == want.dtype == np.dtype(pet)
        tol = 1e-6 if np.dtype(pet) == np.float64 else 1e-3
        np.testing.assert_allclose(got.astype(np.float64), exact, rtol=tol)
        np.testing.assert_allclose(got, want, rtol=tol)


def test_preferred_element_type_gradient() -> None:
    a, b = f32(3, 4).astype(np.float16), f32(4, 2).astype(np.float16)
    g = grad(lambda a: tnp.sum(tnp.matmul(a, b, preferred_element_type=np.float32)))(a)
    jg = jax.grad(lambda a: jnp.sum(jnp.matmul(a, b, preferred_element_type=np.float32)))(a)
    assert np.asarray(g).dtype == np.asarray(jg).dtype == np.float16
    np.testing.assert_allclose(np.asarray(g, np.float32), np.asarray(jg, np.float32),
                               rtol=1e-3)


# ---------------------------------------------------------------------------
# conv_general_shape_tuple / reduce_window_shape_tuple

CONV_SHAPE_CASES = [
    # lhs, rhs, strides, padding, dimension_numbers (strings: JAX takes these)
    ((1, 3, 5, 5), (8, 3, 3, 3), (1, 1), "SAME", ("NCHW", "OIHW", "NCHW")),
    ((1, 3, 5, 5), (8, 3, 3, 3), (1, 1), "VALID", ("NCHW", "OIHW", "NCHW")),
    ((2, 7, 6, 3), (3, 2, 3, 8), (2, 3), "SAME", ("NHWC", "HWIO", "NHWC")),
    ((2, 7, 6, 3), (3, 2, 3, 8), (2, 3), "SAME_LOWER", ("NHWC", "HWIO", "NHWC")),
    ((2, 7, 6, 3), (3, 2, 3, 8), (2, 3), "VALID", ("NHWC", "HWIO", "NCHW")),
    ((2, 7, 6, 3), (3, 2, 3, 8), (1, 2), [(1, 2), (0, 3)], ("NHWC", "HWIO", "NHWC")),
    ((2, 7, 6, 3), (3, 2, 3, 8), (1, 1), [(-2, 0), (1, -1)], ("NHWC", "HWIO", "NHWC")),
    ((4, 9, 2), (5, 2, 3), (2,), "SAME", ("NWC", "OIW", "NCW")),
    ((4, 2, 9), (3, 5, 2), (4,), "VALID", ("NCW", "WOI", "NWC")),
    ((1, 2, 2, 3), (4, 3, 3, 3), (1, 1), "VALID", ("NHWC", "OHWI", "NHWC")),  # window > input
    ((2, 3, 5, 6, 7), (4, 3, 2, 3, 1), (1, 2, 3), "SAME", ("NCDHW", "OIDHW", "NDHWC")),
    ((2, 5, 6, 7, 3), (2, 3, 1, 3, 4), (2, 1, 2), [(0, 0), (1, 1), (2, 0)],
     ("NDWHC", "DWHIO", "NCDWH")),
]


@pytest.mark.parametrize("lhs,rhs,strides,padding,dn", CONV_SHAPE_CASES)
def test_conv_general_shape_tuple(lhs: tuple, rhs: tuple, strides: tuple, padding: Any,
                                  dn: tuple) -> None:
    want = tuple(int(d) for d in jlax.conv_general_shape_tuple(lhs, rhs, strides, padding, dn))
    got = lax.conv_general_shape_tuple(lhs, rhs, strides, padding, dn)
    assert got == want
    assert all(type(d) is int for d in got)
    # a ConvDimensionNumbers of axis indices (JAX's conv_dimension_numbers of the strings)
    jdn = jlax.conv_dimension_numbers(lhs, rhs, dn)
    cdn = lax.ConvDimensionNumbers(*(tuple(s) for s in jdn))
    assert lax.conv_general_shape_tuple(lhs, rhs, strides, padding, cdn) == want
    # and the shape an actual convolution has (when the features match)
    cropped = not isinstance(padding, str) and any(lo < 0 or hi < 0 for lo, hi in padding)
    if min(want) > 0 and not cropped:
        x = np.zeros(lhs, np.float32)
        w = np.zeros(rhs, np.float32)
        out = jax.eval_shape(lambda x, w: jlax.conv_general_dilated(
            x, w, strides, padding, dimension_numbers=dn), x, w)
        assert out.shape == want


def test_conv_general_shape_tuple_errors() -> None:
    with pytest.raises(ValueError):
        jlax.conv_general_shape_tuple((1, 1, 2), (1, 1, 1), (1,), [(-3, 0)],
                                      ("NCW", "OIW", "NCW"))
    with pytest.raises(ValueError, match=r"test_precision\.py:\d+"):
        lax.conv_general_shape_tuple((1, 1, 2), (1, 1, 1), (1,), [(-3, 0)],
                                     ("NCW", "OIW", "NCW"))
    with pytest.raises(TypeError, match=r"test_precision\.py:\d+"):
        lax.conv_general_shape_tuple((1, 1, 2), (1, 1, 1), (1,), "VALID",
                                     ("NCW", "OIW", "NXW"))


RW_CASES = [
    # operand, window, strides, padding, base_dilation, window_dilation
    ((8, 5), (2, 3), (2, 1), ((0, 0), (1, 1)), None, None),
    ((7,), (3,), (2,), ((0, 0),), None, None),
    ((7,), (9,), (1,), ((0, 0),), None, None),                 # window larger: 0
    ((7,), (3,), (1,), ((-2, 1),), None, None),
    ((2, 7, 6), (1, 3, 2), (1, 2, 3), ((0, 0), (2, 1), (0, 4)), (1, 2, 1), (1, 1, 2)),
    ((4, 5), (2, 2), (1, 1), ((1, 1), (0, 0)), (3, 2), None),
    ((4, 5), (3, 2), (2, 2), ((0, 0), (0, 0)), None, (2, 3)),
    ((0, 5), (1, 2), (1, 1), ((0, 0), (0, 0)), (2, 1), (1, 1)),  # empty dimension
    ((6, 6, 3), (2, 2, 1), (2, 2, 1), ((0, 0), (0, 0), (0, 0)), (1, 1, 1), (1, 1, 1)),
]


@pytest.mark.parametrize("shape,window,strides,padding,bdil,wdil", RW_CASES)
def test_reduce_window_shape_tuple(shape: tuple, window: tuple, strides: tuple, padding: Any,
                                   bdil: Any, wdil: Any) -> None:
    want = tuple(int(d) for d in jlax.reduce_window_shape_tuple(shape, window, strides, padding,
                                                                bdil, wdil))
    got = lax.reduce_window_shape_tuple(shape, window, strides, padding, bdil, wdil)
    assert got == want and all(type(d) is int for d in got)
    assert lax.reduce_window_shape_tuple(shape, window, strides, padding,
                                         base_dilation=bdil, window_dilation=wdil) == want


@pytest.mark.parametrize("padding", ["SAME", "SAME_LOWER", "VALID"])
@pytest.mark.parametrize("shape,window,strides,bdil,wdil", [
    ((8, 5), (2, 3), (2, 1), None, None),
    ((7, 9), (3, 4), (2, 3), (2, 1), (1, 2)),
    ((5,), (7,), (3,), None, None),
])
def test_reduce_window_shape_tuple_padding_strings(shape: tuple, window: tuple, strides: tuple,
                                                   bdil: Any, wdil: Any, padding: str) -> None:
    """Not in JAX's helper: a padding string resolves as ``jax.lax.reduce_window``'s does."""
    x = np.zeros(shape, np.float32)
    want = jax.eval_shape(lambda x: jlax.reduce_window(x, 0.0, jlax.add, window, strides,
                                                       padding, bdil, wdil), x).shape
    assert lax.reduce_window_shape_tuple(shape, window, strides, padding, bdil, wdil) == want
    assert lax.reduce_window(x, 0.0, lax.add, window, strides, padding, bdil,
                             wdil).shape == want
