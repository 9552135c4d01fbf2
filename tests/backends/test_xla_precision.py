"""The XLA lowering emits each dot_general/convolution's ``precision`` as its precision_config.

The reference is JAX's own lowering of the same function (``jax.jit(...).lower``):
for every precision but None the StableHLO ops carry the same per-operand
precisions.  None is graphjit's decision (documented in ``tracer.lax``): HIGHEST
on both operands, where JAX leaves DEFAULT.
"""
from __future__ import annotations

import re
from typing import Any, Callable

import jax
import jax.lax as jlax
import jax.numpy as jnp
import numpy as np
import pytest

import graphjit as gj
from tests.backends.xlacheck import check_xla

jax.config.update("jax_enable_x64", True)

RNG = np.random.default_rng(11)
P = gj.lax.Precision

# graphjit's generic form and JAX's pretty form of the same attribute
OURS = re.compile(r"precision_config = \[#stablehlo<precision (\w+)>, "
                  r"#stablehlo<precision (\w+)>\]")
JAXS = re.compile(r"precision = \[(\w+), (\w+)\]|precision_config = "
                  r"\[#stablehlo<precision (\w+)>, #stablehlo<precision (\w+)>\]")
CONTRACTING_OPS = re.compile(r"stablehlo\.(dot_general|convolution)\b")


def f32(*shape: int) -> np.ndarray:
    return RNG.uniform(-2, 2, size=shape).astype(np.float32)


def ours_configs(text: str) -> list[tuple[str, str]]:
    configs = OURS.findall(text)
    assert len(configs) == len(CONTRACTING_OPS.findall(text)), text
    return configs


def jax_configs(text: str) -> list[tuple[str, str]]:
    return [tuple(x for x in m if x) for m in JAXS.findall(text)]


def to_jax(p: Any) -> Any:
    if isinstance(p, P):
        return jlax.Precision[p.name]
    if isinstance(p, tuple):
        return tuple(to_jax(q) for q in p)
    return p


X, Y = f32(3, 4), f32(4, 5)
CX, CW = f32(2, 3, 7, 6), f32(4, 3, 3, 2)

# name, f(module-of-numpy, module-of-lax, precision) -> function of two arrays, args
FUNCS: list[tuple[str, Callable, tuple]] = [
    ("lax.dot", lambda np_, L, p: lambda a, b: L.dot(a, b, precision=p), (X, Y)),
    ("lax.dot_general", lambda np_, L, p: lambda a, b: L.dot_general(
        a, b, (((1,), (0,)), ((), ())), precision=p), (X, Y)),
    ("matmul", lambda np_, L, p: lambda a, b: np_.matmul(a, b, precision=p), (X, Y)),
    ("dot", lambda np_, L, p: lambda a, b: np_.dot(a, b, precision=p), (X, Y)),
    ("einsum", lambda np_, L, p: lambda a, b: np_.einsum("ij,jk->ik", a, b, precision=p),
     (X, Y)),
    ("conv", lambda np_, L, p: lambda x, w: L.conv(x, w, (1, 2), "SAME", precision=p),
     (CX, CW)),
    ("conv_general_dilated", lambda np_, L, p: lambda x, w: L.conv_general_dilated(
        x, w, (2, 1), [(1, 1), (0, 2)], (1, 1), (2, 1), precision=p), (CX, CW)),
]
PRECISIONS = [None, "default", "high", "highest", "bfloat16", "tensorfloat32", "float32",
              P.HIGH, (P.HIGH, P.DEFAULT), (P.DEFAULT, P.HIGHEST), ("highest", "fastest")]


@pytest.mark.parametrize("precision", PRECISIONS, ids=repr)
@pytest.mark.parametrize("name,make,args", FUNCS, ids=[f[0] for f in FUNCS])
def test_lowered_precision_config(name: str, make: Callable, args: tuple,
                                  precision: Any) -> None:
    f = gj.jit(make(gj.numpy, gj.lax, precision))
    got = ours_configs(f.lower(*args).as_text())
    assert len(got) == 1
    if precision is None:
        assert got == [("HIGHEST", "HIGHEST")]
    else:
        jf = jax.jit(make(jnp, jlax, to_jax(precision)))
        want = jax_configs(jf.lower(*args).as_text())
        assert got == want
    # compiled, the value is the NumPy backend's (CPUs compute float32 fully anyway)
    check_xla(make(gj.numpy, gj.lax, precision), *args, rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(np.asarray(f(*args)),
                               np.asarray(make(jnp, jlax, None)(*(a.astype(np.float64)
                                                                   for a in args))),
                               rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("precision", [None, "high", (P.HIGHEST, P.DEFAULT)], ids=repr)
@pytest.mark.parametrize("name,make,args", [FUNCS[1], FUNCS[6]], ids=["dot", "conv"])
def test_backward_pass_lowers_the_same_precision(name: str, make: Callable, args: tuple,
                                                 precision: Any) -> None:
    def loss(np_: Any, L: Any, p: Any) -> Callable:
        f = make(np_, L, p)
        return lambda a, b: np_.sum(np_.sin(f(a, b)))

    g = gj.jit(gj.grad(loss(gj.numpy, gj.lax, precision), argnums=(0, 1)))
    got = ours_configs(g.lower(*args).as_text())
    assert len(got) == 3      # the forward op and one per operand's cotangent
    if precision is None:
        assert set(got) == {("HIGHEST", "HIGHEST")}
    else:
        jg = jax.jit(jax.grad(loss(jnp, jlax, to_jax(precision)), argnums=(0, 1)))
        want = jax_configs(jg.lower(*args).as_text())
        assert sorted(got) == sorted(want)
    want_vals = jax.grad(loss(jnp, jlax, None), argnums=(0, 1))(
        *(a.astype(np.float64) for a in args))
    for gv, wv in zip(g(*args), want_vals):
        np.testing.assert_allclose(np.asarray(gv), np.asarray(wv), rtol=1e-4, atol=1e-4)
