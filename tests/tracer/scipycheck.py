"""Checking ``graphjit.scipy`` against ``jax.scipy`` (x64 enabled): values, dtypes, derivatives.

One ``Row`` per function: the graphjit function, its JAX counterpart, random
inputs (a generator per argument) and special points (tuples of argument
values).  Every row evaluates one vector of ``L`` points per argument (the
special points, then random ones):

* ``check_values``: the eager result (NumPy backend) == JAX's in float64; in
  float32 (dtype in == dtype out) == graphjit's own float64 result on the same
  inputs, to ``rtol32`` (JAX's float32 kernels are no better reference);
* ``check_jit``: ``jit`` on the XLA backend == JAX's;
* ``check_grads``: ``grad`` (in every argument at once) == JAX's, NaN and
  infinity patterns at the special points included; ``jvp`` at the random
  points == that gradient times the tangent (the functions are elementwise,
  so their Jacobians are diagonal).

JAX's references for a row come from one ``jax.jit`` (JAX's eager mode
compiles each primitive per shape on first use, and dominated the run time).
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Sequence

import jax
import numpy as np

import graphjit as gj

Gen = Callable[[np.random.Generator, int], np.ndarray]
L = 160     # points per check


def normal(scale: float = 1.0, loc: float = 0.0) -> Gen:
    return lambda rng, n: rng.normal(loc, scale, n)


def unif(lo: float, hi: float) -> Gen:
    return lambda rng, n: rng.uniform(lo, hi, n)


def pick(*vals: float) -> Gen:
    return lambda rng, n: rng.choice(np.array(vals, np.float64), n)


@dataclasses.dataclass
class Row:
    name: str
    fn: Callable[..., Any]
    ref: Callable[..., Any]
    gens: Sequence[Gen]
    special: Sequence[tuple[float, ...]] = ()
    rtol: float = 1e-12          # float64 values against JAX
    atol: float = 1e-300
    rtol32: float = 2e-6         # float32 values against JAX (at float32)
    atol32: float = 1e-30
    grad_rtol: float = 1e-9
    grad_atol: float = 1e-300
    xla_rtol: float | None = None   # jit(backend xla) against JAX (default: rtol)
    grad: bool = True            # differentiable in every argument
    grad_special: bool = True    # derivatives at the special points too

    def __repr__(self) -> str:
        return self.name

    def args(self, seed: int, dtype: Any = np.float64, special: bool = True) -> list[np.ndarray]:
        """``L`` points per argument: the special points (if asked), then random ones."""
        rng = np.random.default_rng(seed)
        sp = list(zip(*self.special)) if special and self.special else [()] * len(self.gens)
        assert len(sp[0]) <= L, self.name
        return [np.concatenate([np.asarray(s, np.float64), g(rng, L - len(s))]).astype(dtype)
                for s, g in zip(sp, self.gens)]


_REFS: dict[str, dict[str, Any]] = {}
# XLA compiles the references twice as fast without its backend optimizations (the
# compile, not the run, is what the table spends its time on)
_FAST_COMPILE = {"xla_backend_optimization_level": 0, "xla_llvm_disable_expensive_passes": True}


def jax_compiled(fn: Callable[..., Any], *args: Any) -> Callable[..., Any]:
    """``jax.jit(fn)`` compiled for ``args`` with the quick compiler settings."""
    return jax.jit(fn).lower(*args).compile(compiler_options=_FAST_COMPILE)


def refs(row: Row) -> dict[str, Any]:
    """The row's points and JAX's values and gradient there (cached per row)."""
    if row.name not in _REFS:
        argnums = tuple(range(len(row.gens)))
        pts = row.args(0)

        def values_and_grad(p: list[Any]) -> dict[str, Any]:
            out = dict(f64=row.ref(*p))
            if row.grad:
                out["grad"] = jax.grad(_sum_of(row.ref), argnums=argnums)(*p)
            return out

        with np.errstate(all="ignore"):
            out = jax.tree.map(np.asarray, jax_compiled(values_and_grad, pts)(pts))
        _REFS[row.name] = dict(points=pts, **out)
    return _REFS[row.name]


def assert_close(got: Any, want: Any, rtol: float, atol: float, what: str) -> None:
    got_l, want_l = jax.tree.leaves(got), jax.tree.leaves(want)
    assert len(got_l) == len(want_l), what
    for g, w in zip(got_l, want_l):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape, f"{what}: shape {g.shape} != {w.shape}"
        np.testing.assert_allclose(g.astype(np.float64), w.astype(np.float64), rtol=rtol,
                                   atol=atol, equal_nan=True, err_msg=what)


def check_values(row: Row) -> None:
    r = refs(row)
    args = r["points"]
    with np.errstate(all="ignore"):
        got = row.fn(*args)
    assert got.dtype == np.float64, f"{row.name}: float64 in, {got.dtype} out"
    assert_close(got, r["f64"], row.rtol, row.atol, f"{row.name} float64")
    n = len(row.special)
    args32 = [a[n:].astype(np.float32) for a in args]
    with np.errstate(all="ignore"):
        got = row.fn(*args32)
        want = row.fn(*(a.astype(np.float64) for a in args32))
    assert got.dtype == np.float32, f"{row.name}: float32 in, {got.dtype} out"
    assert_close(got, want, row.rtol32, row.atol32, f"{row.name} float32")


def check_jit(row: Row) -> None:
    r = refs(row)
    got = gj.jit(row.fn, backend="xla")(*r["points"])
    assert got.dtype == np.float64
    rtol = row.xla_rtol if row.xla_rtol is not None else row.rtol
    assert_close(got, r["f64"], rtol, row.atol, f"{row.name} jit(xla)")


def _sum_of(fn: Callable[..., Any]) -> Callable[..., Any]:
    return lambda *a: fn(*a).sum()


def check_grads(row: Row) -> None:
    r = refs(row)
    argnums = tuple(range(len(row.gens)))
    args = r["points"]
    with np.errstate(all="ignore"):
        got = gj.grad(_sum_of(row.fn), argnums=argnums)(*args)
    n = 0 if row.grad_special else len(row.special)
    assert_close([g[n:] for g in got], [w[n:] for w in r["grad"]], row.grad_rtol,
                 row.grad_atol, f"{row.name} grad")
    m = len(row.special)
    primals = tuple(a[m:] for a in args)
    tangents = tuple(row.args(4, special=False)[i][m:] for i in argnums)
    with np.errstate(all="ignore"):
        out, t_out = gj.jvp(row.fn, primals, tangents)
    want = sum(w[m:] * t for w, t in zip(r["grad"], tangents))
    assert_close(out, r["f64"][m:], row.rtol, row.atol, f"{row.name} jvp primal")
    # where JAX's value or gradient is not finite, its JVP and VJP may differ (a select's
    # zero cotangent times a NaN branch derivative): compare the finite part
    ok = np.isfinite(want) & np.isfinite(r["f64"][m:])
    assert_close(np.asarray(t_out)[ok], want[ok], row.grad_rtol, row.grad_atol,
                 f"{row.name} jvp")
