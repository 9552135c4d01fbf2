"""Random programs, graphjit against JAX: values, gradients and JVPs (issue 11).

A hypothesis strategy builds small straight-line programs (1-4 operations)
over one or two float64 inputs of broadcast-compatible shapes (``()``,
``(3,)``, ``(2, 3)``, ``(2, 1)``, ``(1, 3)``) from a table of operations that
mean the same in graphjit and in JAX:

* ``np_like``:  ``tracer.numpy`` / ``jax.numpy`` (elementwise, binary with
  broadcasting and Python-scalar constants, ``where``, ``clip``, ``power``,
  reductions with ``axis``/``keepdims``, cumulative ops, ``sort``);
* ``nn_like``:  ``tracer.nn`` / ``jax.nn`` (activations, ``softmax``,
  ``logsumexp``, ``standardize``);
* ``lax_like``: ``tracer.lax`` / ``jax.lax`` (``clamp``, ``cummax``,
  ``top_k``, ``integer_pow``, ...).

A program is Python source, compiled once per namespace, so what a failure
prints (``note()``: the source, the inputs, the cotangent or tangents) is what
ran, and pastes into a shell.  Inputs mix random floats with special points:
0, -0.0, +-1, ties (both inputs equal, or few distinct values, so ``max``,
``sort``, ``maximum`` and ``logaddexp`` see ties), the kinks of the table (0,
+-1, +-3, 6), large (+-700, 710, 1e300) and tiny (1e-300, 5e-324) numbers, and
``inf``/``nan`` (for values; derivatives are checked at finite inputs).

Checks: the value (same dtype and shape, NaN at the same places, infinities of
the same sign, finite values within 1e-6 relative), ``grad`` of the sum of the
value's finite elements with respect to each input against ``jax.grad``, ``jvp``
against ``jax.jvp`` (a second property), and on one example in four ``jit``
of the value and of the gradient against eager graphjit.  JAX runs op by op
(no ``jax.jit``), and graphjit's ``jit`` only on that fraction, which keeps the
file under 20 s.  The CI variants are derandomized (the same programs every
run, so CI is deterministic); the ``slow`` variants (``pytest -m slow``) run
3000 new examples each, every run.

What is not a disagreement, and how the test tells (``_judge``, element by
element, in this order):

* XLA on CPU flushes subnormals to zero (JAX reads 5e-324 as 0 and computes
  exp(-740) as 0, inconsistently across fusions); graphjit's eager NumPy
  backend keeps them.  Where a subnormal appears, graphjit's XLA result, or
  either side run on flushed inputs, agreeing with JAX explains it.
* NumPy and JAX define a few values differently (``power(-inf, 0.5)`` is nan
  in NumPy, inf in JAX; ``median`` of a 0-d array with keepdims); graphjit
  follows NumPy eagerly.  NumPy's own result equal to graphjit's, with
  graphjit's XLA result equal to JAX's, explains it.
* IEEE 754-2008 leaves ``min(-0.0, 0.0)`` open: XLA (JAX, graphjit's jit)
  orders -0.0 < 0.0, NumPy (graphjit eager) returns ``minimum``'s second
  operand, and in ``fmin``/``nanmin``/``min`` the one its SIMD lane saw first;
  where the sign of such a zero decides the sign of an infinity, agreeing on
  inputs without -0.0 explains it.
* Rounding in ill-conditioned programs (``tan(sinh(40))``, ``x / x`` at
  1e-31): a bound from the Jacobian of JAX's quantity (1e3 ulp of the
  inputs), JAX's own spread under 16-ulp scalings of the inputs, and, last,
  replaying the program a line at a time on JAX's values of each line's
  inputs: if every line agrees, the difference is rounding amplified by later
  lines; if one does not, the failure names that line and its inputs, the
  minimal reproduction.
* Derivatives where JAX is wrong: where the function is differentiable at the
  point (one-sided difference quotients agree at two step sizes) and
  graphjit's derivative equals the central difference, graphjit is right (e.g.
  the gradient of ``hypot`` at 1e200, where JAX gives 1.06 for 0.707).  At
  kinks and ties there is no such derivative, and JAX's convention decides.
  d/dx x ** y at y == 0 is corrected in the reference itself (``_power_rule``).
* A derivative where the value is NaN or infinite means nothing (graphjit and
  JAX route it differently through ``relu`` or ``cummax`` of a NaN):
  gradients are of the sum of the finite elements, and tangents where the
  primal is not finite read 0.
"""
from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import jax
import jax.numpy as jnp
from jax.custom_derivatives import SymbolicZero
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import note as _hypothesis_note
from hypothesis.errors import InvalidArgument
from hypothesis import strategies as st

import tracer.lax as glax
import tracer.numpy as tnp
from tracer import nn as gnn
from transforms import grad, jit, jvp, vjp

jax.config.update("jax_enable_x64", True)


# ---------------------------------------------------------------------------
# Where JAX itself is wrong, the reference is JAX corrected, so that the
# test holds graphjit to the right value.  Each correction says why.


def _power_rule(power: Callable) -> Callable:
    """``power`` with d/dx x ** y = 0 where y == 0: JAX's rule gives
    0 * x ** -1 = nan at x == 0, but x ** 0 == 1 for every x (finite
    differences agree; JAX's own reverse mode gives 0 for d/dy there)."""
    @jax.custom_jvp
    def f(x: Any, y: Any) -> Any:
        return power(x, y)

    def f_jvp(primals: Any, tangents: Any) -> Any:
        x, y = primals
        x_dot, y_dot = tangents
        out = power(x, y)
        t = jnp.zeros(jnp.shape(out), jnp.result_type(out))
        if not isinstance(x_dot, SymbolicZero):
            # JAX's y * x ** (y - 1), but 0 where y == 0 (y_safe: no nan in the
            # branch where() drops); the factor multiplies, as JAX's does, so a
            # nan cotangent still gives nan
            zero = jnp.asarray(y) == 0
            y_safe = jnp.where(zero, 1.0, y)
            jac = jnp.where(zero, 0.0, y_safe * power(x, y_safe - 1))
            t = t + x_dot * jac
        if not isinstance(y_dot, SymbolicZero):  # (an instantiated zero would give 0 * nan)
            t = t + jax.jvp(lambda y: power(x, y), (y,), (y_dot,))[1]
        return out, t

    f.defjvp(f_jvp, symbolic_zeros=True)
    return f


def _rem_rule(rem: Callable, quotient: Callable) -> Callable:
    """``rem`` (``fmod``: ``quotient`` = trunc, or ``mod``: floor) with JAX's own
    derivatives, d/dx = 1 and d/dy = -quotient(x / y), but with x / y divided
    exactly: XLA divides by a broadcast operand as a multiplication by its
    reciprocal, so x / y = 0.9999999999999999 for x = y = 1e-300 of shapes
    (2, 3) and (3,), and JAX's rule takes trunc(x / y) = 0 where it is 1 (at
    x = y = 3 it takes 1).  Here the operands are broadcast first (op by op,
    so the division sees equal shapes and is exact)."""
    @jax.custom_jvp
    def f(x: Any, y: Any) -> Any:
        return rem(x, y)

    def f_jvp(primals: Any, tangents: Any) -> Any:
        x, y = primals
        x_dot, y_dot = tangents
        out = rem(x, y)
        t = jnp.zeros(jnp.shape(out), jnp.result_type(out))
        if not isinstance(x_dot, SymbolicZero):
            t = t + x_dot
        if not isinstance(y_dot, SymbolicZero):
            xb, yb = jnp.broadcast_arrays(x, y)
            t = t - y_dot * quotient(jnp.divide(xb, yb))
        return out, t

    f.defjvp(f_jvp, symbolic_zeros=True)
    return f


class _Corrected:
    """A module with some functions replaced."""

    def __init__(self, module: Any, **replaced: Callable) -> None:
        self._module, self._replaced = module, replaced

    def __getattr__(self, name: str) -> Any:
        return self._replaced.get(name) or getattr(self._module, name)


GJ = {"np_like": tnp, "nn_like": gnn, "lax_like": glax}
JX = {"np_like": _Corrected(jnp, power=_power_rule(jnp.power),
                            float_power=_power_rule(jnp.float_power),
                            fmod=_rem_rule(jnp.fmod, jnp.trunc),
                            mod=_rem_rule(jnp.mod, jnp.floor)),
      "nn_like": jax.nn, "lax_like": jax.lax}

# Every pair of these shapes broadcasts, and so does every shape the programs
# make from them (ndim <= 2, last axis 1 or 3, the one before it 1 or 2).
SHAPES = [(), (3,), (2, 3), (2, 1), (1, 3)]


def _compatible(shape: tuple[int, ...]) -> bool:
    return (len(shape) <= 2 and (not shape or shape[-1] in (1, 3))
            and (len(shape) < 2 or shape[-2] in (1, 2)))


def _broadcast(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(np.broadcast_shapes(*shapes))


# ---------------------------------------------------------------------------
# The table of operations.  Each entry renders one line of a program from
# operands (names of earlier values, with their shapes) and returns the
# result's shape.


@dataclass(frozen=True)
class Value:
    name: str
    shape: tuple[int, ...]


CONSTS = [0.0, 1.0, -1.0, 0.5, 2.0, -2.5, 3.0, 6.0, 1e-3, 1e-05, 1e20]
INT_EXPONENTS = [0, 1, 2, 3, -1, -2]
FLOAT_EXPONENTS = [0.5, 1.5, -0.5, 2.0, 3.0, 0.0]

UNARY = [f"np_like.{n}" for n in [
    "sin", "cos", "tan", "tanh", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
    "sqrt", "cbrt", "abs", "fabs", "square", "negative", "positive", "sign", "reciprocal",
    "arctan", "arcsin", "arccos", "arcsinh", "arccosh", "arctanh", "sinh", "cosh",
    "deg2rad", "rad2deg", "floor", "ceil", "trunc", "rint", "round", "sinc",
    "nan_to_num",
]] + [f"nn_like.{n}" for n in [
    "relu", "relu6", "leaky_relu", "elu", "celu", "selu", "gelu", "sigmoid", "log_sigmoid",
    "softplus", "soft_sign", "silu", "hard_tanh", "hard_sigmoid", "hard_silu",
]] + [f"lax_like.{n}" for n in ["erf", "logistic", "rsqrt", "cbrt", "square"]] + [
    "nn_like.gelu({}, approximate=False)", "nn_like.leaky_relu({}, 0.3)",
    "nn_like.elu({}, 0.5)", "nn_like.celu({}, 2.0)", "(-{})", "abs({})",
]

BINARY = [f"np_like.{n}" for n in [
    "add", "subtract", "multiply", "divide", "maximum", "minimum", "fmax", "fmin", "power",
    "float_power", "arctan2", "hypot", "logaddexp", "logaddexp2", "copysign", "fmod",
    "mod", "heaviside",
]] + ["({} + {})", "({} - {})", "({} * {})", "({} / {})"]

COMPARISONS = [">", ">=", "<", "<=", "==", "!="]

# reductions that take axis= and keepdims=
REDUCTIONS = [f"np_like.{n}" for n in [
    "sum", "mean", "max", "min", "prod", "var", "std", "ptp", "median", "nansum", "nanmax",
    "nanmin", "nanmean",
]] + ["nn_like.logsumexp"]

# shape-preserving operations along one axis (ndim >= 1)
AXIS_OPS = [
    "np_like.cumsum({x}, axis={a})", "np_like.cumprod({x}, axis={a})",
    "np_like.sort({x}, axis={a})", "nn_like.softmax({x}, axis={a})",
    "nn_like.log_softmax({x}, axis={a})", "nn_like.standardize({x}, axis={a})",
    "lax_like.cummax({x}, axis={a})", "lax_like.cummin({x}, axis={a})",
    "lax_like.cumlogsumexp({x}, axis={a})", "lax_like.sort({x}, dimension={a})",
]


@st.composite
def _operand(draw: Any, pool: Sequence[Value], ok: Callable[[Value], bool] = lambda v: True
             ) -> Value:
    """An earlier value, the most recent first (hypothesis shrinks toward it)."""
    return draw(st.sampled_from([v for v in reversed(pool) if ok(v)]))


@st.composite
def _operand_or_const(draw: Any, pool: Sequence[Value]) -> Value:
    if draw(st.integers(0, 3)) == 3:
        return Value(repr(draw(st.sampled_from(CONSTS))), ())
    return draw(_operand(pool))


@st.composite
def _step(draw: Any, pool: Sequence[Value]) -> tuple[str, tuple[int, ...]]:
    """One operation on earlier values: (expression text, result shape)."""
    kinds = ["unary"] * 4 + ["binary"] * 3 + ["where", "clip", "power_k", "reduce"]
    if any(v.shape for v in pool):
        kinds += ["axis", "axis", "top_k"]
    kind = draw(st.sampled_from(kinds))
    x = draw(_operand(pool))
    if kind == "unary":
        f = draw(st.sampled_from(UNARY))
        return (f.format(x.name) if "{}" in f else f"{f}({x.name})"), x.shape
    if kind == "binary":
        f = draw(st.sampled_from(BINARY))
        y = draw(_operand_or_const(pool))
        a, b = (x, y) if draw(st.booleans()) else (y, x)
        text = f.format(a.name, b.name) if "{}" in f else f"{f}({a.name}, {b.name})"
        return text, _broadcast(a.shape, b.shape)
    if kind == "where":
        y, a, b = (draw(_operand_or_const(pool)) for _ in range(3))
        op = draw(st.sampled_from(COMPARISONS))
        text = f"np_like.where({x.name} {op} {y.name}, {a.name}, {b.name})"
        return text, _broadcast(x.shape, y.shape, a.shape, b.shape)
    if kind == "clip":
        lo, hi = sorted(draw(st.lists(st.sampled_from(CONSTS), min_size=2, max_size=2)))
        f = draw(st.sampled_from(["np_like.clip({x}, {lo}, {hi})",
                                  "lax_like.clamp({lo}, {x}, {hi})"]))
        return f.format(x=x.name, lo=lo, hi=hi), x.shape
    if kind == "power_k":
        k = draw(st.sampled_from(INT_EXPONENTS + FLOAT_EXPONENTS))
        f = draw(st.sampled_from(["np_like.power({x}, {k})", "({x} ** {k})"]
                                 + (["lax_like.integer_pow({x}, {k})"] if isinstance(k, int)
                                    else [])))
        return f.format(x=x.name, k=k), x.shape
    if kind == "reduce":
        # jnp.median(0-d, keepdims=True) has shape (1,), NumPy's (and graphjit's) ()
        f = draw(st.sampled_from([r for r in REDUCTIONS if x.shape or "median" not in r]))
        axes = [None] + list(range(-len(x.shape), len(x.shape)))
        axis = draw(st.sampled_from(axes))
        keep = draw(st.booleans())
        out = _reduced(x.shape, axis, keep)
        if not _compatible(out):
            keep, out = True, _reduced(x.shape, axis, True)
        return f"{f}({x.name}, axis={axis}, keepdims={keep})", out
    x = draw(_operand(pool, lambda v: bool(v.shape)))
    axis = draw(st.sampled_from(list(range(-len(x.shape), len(x.shape)))))
    if kind == "axis":
        f = draw(st.sampled_from(AXIS_OPS))
        if f.startswith("lax_like"):
            axis %= len(x.shape)  # jax.lax takes no negative axes
        return f.format(x=x.name, a=axis), x.shape
    k = draw(st.sampled_from(sorted({1, x.shape[-1]})))  # top_k along the last axis
    return f"lax_like.top_k({x.name}, {k})[0]", x.shape[:-1] + (k,)


def _reduced(shape: tuple[int, ...], axis: int | None, keep: bool) -> tuple[int, ...]:
    axes = range(len(shape)) if axis is None else [axis % len(shape)]
    return tuple(1 if i in axes else d for i, d in enumerate(shape) if keep or i not in axes)


@dataclass(frozen=True)
class Program:
    """A straight-line program: source text, compiled once per namespace."""
    shapes: tuple[tuple[int, ...], ...]
    lines: tuple[str, ...]
    out: str
    names: tuple[str, ...] = ()  # the parameters' names (default x, y)

    @property
    def params(self) -> tuple[str, ...]:
        return self.names or ("x", "y")[:len(self.shapes)]

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(line.split(" = ")[0] for line in self.lines)

    @property
    def source(self) -> str:
        body = "".join(f"    {line}\n" for line in self.lines)
        return f"def f({', '.join(self.params)}):\n{body}    return {self.out}\n"

    def build(self, namespace: dict[str, Any], trace: bool = False, probes: bool = False
              ) -> Callable:
        """The program as a function.  ``trace``: it returns every parameter and
        intermediate; ``probes``: it takes one more argument per line, subtracted
        from the line's result (pass zeros: the gradient with respect to it is
        minus the line's cotangent; ``x - 0.0`` keeps -0.0, ``x + 0.0`` would not)."""
        params, lines = list(self.params), list(self.lines)
        if probes:
            params += [f"probe_{t}" for t in self.targets]
            lines = [f"{t} = ({line.split(' = ', 1)[1]}) - probe_{t}"
                     for t, line in zip(self.targets, lines)]
        ret = f"({', '.join(self.params + self.targets)},)" if trace else self.out
        body = "".join(f"    {line}\n" for line in lines)
        scope = dict(namespace)
        exec(f"def f({', '.join(params)}):\n{body}    return {ret}\n", scope)  # noqa: S102
        return scope["f"]

    def line_programs(self, values: dict[str, Any]) -> list[tuple[Program, tuple[Any, ...]]]:
        """Each line on its own, as a program of the names it reads, with those
        names' ``values``."""
        out = []
        for target, line in zip(self.targets, self.lines):
            used = set(re.findall(r"\b(?:x|y|t\d+)\b", line.split(" = ", 1)[1]))
            names = tuple(n for n in self.params + self.targets if n in used)
            args = tuple(np.asarray(values[n], dtype=np.float64) for n in names)
            out.append((Program(tuple(np.shape(a) for a in args), (line,), target, names),
                        args))
        return out

    def __repr__(self) -> str:
        return "\n" + self.source


@st.composite
def programs(draw: Any, max_steps: int = 4) -> Program:
    shapes = tuple(draw(st.sampled_from(SHAPES)) for _ in range(draw(st.integers(1, 2))))
    pool = [Value(n, s) for n, s in zip(("x", "y"), shapes)]
    lines = []
    for i in range(draw(st.integers(1, max_steps))):
        text, shape = draw(_step(pool))
        assert _compatible(shape), (text, shape)
        lines.append(f"t{i} = {text}")
        pool.append(Value(f"t{i}", shape))
    return Program(shapes, tuple(lines), pool[-1].name)


# ---------------------------------------------------------------------------
# Inputs: random floats and special points


SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 3.0, -3.0, 6.0, -6.0, 1e-8, -1e-8,
           20.0, -20.0, 40.0, 700.0, -700.0, 710.0, -745.0, 1e300, -1e300, 1e-300, -1e-300,
           5e-324, -5e-324]
NONFINITE = [math.inf, -math.inf, math.nan]


def _elements(nonfinite: bool) -> st.SearchStrategy[float]:
    parts = [st.sampled_from(SPECIAL), st.floats(-8, 8), st.floats(-8, 8),
             st.floats(-1e4, 1e4)]
    if nonfinite:
        parts.append(st.sampled_from(NONFINITE))
    return st.one_of(*parts)


@st.composite
def _array(draw: Any, shape: tuple[int, ...], palette: Sequence[float] | None,
           nonfinite: bool) -> np.ndarray:
    n = math.prod(shape)
    if palette is not None:  # few distinct values: ties inside the array and across inputs
        vals = [draw(st.sampled_from(palette)) for _ in range(n)]
    else:
        vals = [draw(_elements(nonfinite)) for _ in range(n)]
    a = np.array(vals, dtype=np.float64).reshape(shape)
    if shape == () and draw(st.booleans()):
        return np.float64(a)
    return a


@st.composite
def inputs(draw: Any, shapes: Sequence[tuple[int, ...]], nonfinite: bool = False
           ) -> tuple[np.ndarray, ...]:
    mode = draw(st.sampled_from(["free", "palette", "same"]))
    if mode == "same" and len(shapes) == 2 and shapes[0] == shapes[1]:
        x = draw(_array(shapes[0], None, nonfinite))
        return x, x.copy()
    palette = None
    if mode != "free":
        palette = draw(st.lists(_elements(nonfinite), min_size=1, max_size=3))
    return tuple(draw(_array(s, palette, nonfinite)) for s in shapes)


# ---------------------------------------------------------------------------
# Comparison
#
# Two effects are not disagreements, and are told apart from real ones:
#
# * XLA on CPU flushes subnormal numbers to zero: JAX (and graphjit's jit)
#   reads 5e-324 as 0 and computes exp(-740) as 0, where graphjit's eager
#   NumPy backend keeps them.  When a subnormal appears (in the inputs, the
#   program's intermediates or the results) and graphjit's XLA path agrees
#   with JAX, the difference is the flush.
# * JAX is not always right where the derivative is unique (e.g.
#   d/dx x ** 0.0 at 0 is nan in JAX).  Where the function is differentiable
#   at the point (left and right difference quotients agree, at two step
#   sizes) and graphjit's derivative equals the central difference, graphjit
#   is right.  At kinks, ties and jumps the quotients disagree, and JAX's
#   convention decides.

RTOL, ATOL = 1e-6, 0.0  # no absolute slack: rounding is explained, not tolerated (_judge)
TINY = np.finfo(np.float64).tiny
EPS = np.finfo(np.float64).eps


def _bad(got: np.ndarray, want: np.ndarray, rtol: float = RTOL, atol: float = ATOL
         ) -> np.ndarray:
    """Elementwise: NaN at different places, different infinities, or not allclose."""
    gn, wn, gi, wi = np.isnan(got), np.isnan(want), np.isinf(got), np.isinf(want)
    bad = (gn != wn) | (gi != wi) | (gi & wi & (np.sign(got) != np.sign(want)))
    with np.errstate(all="ignore"):
        close = np.abs(got - want) <= atol + rtol * np.abs(want)
    return np.array(bad | (~(gn | wn | gi | wi) & ~close))


def _mismatch(got: Any, want: Any, what: str) -> str | None:
    """Why ``got`` (graphjit) differs from ``want`` (the reference), or None."""
    g, w = np.asarray(got), np.asarray(want)
    if g.dtype != w.dtype or g.shape != w.shape:
        return f"{what}: {g.dtype}{list(g.shape)} != {w.dtype}{list(w.shape)}"
    if _bad(g, w).any():
        return f"{what}:\n  graphjit {g!r}\n  jax      {w!r}"
    return None


def _subnormal(*trees: Any) -> bool:
    """Whether a subnormal may be involved: a nonzero value below 1e-290, as a
    library function's own intermediate (x / 2 inside celu(x, 2) at 2.2e-308)
    can be subnormal where no value the program sees is."""
    for leaf in jax.tree.leaves(trees):
        a = np.asarray(leaf)
        if a.dtype.kind == "f" and bool(np.any((a != 0) & (np.abs(a) < 1e-290))):
            return True
    return False


def _quiet(fn: Callable, *args: Any) -> Any:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return jax.tree.map(np.asarray, fn(*args))


def _derivative(fn: Callable, args: Sequence[Any], i: int, j: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """d fn / d args[i].flat[j] by central differences of fn's eager values, for
    every output element: (estimate, error bound, where fn is differentiable).
    A kink shows as one-sided quotients whose difference does not shrink with
    the step; a jump as quotients that grow like 1 / step."""
    def at(v: float) -> np.ndarray:
        a = [np.array(x, dtype=np.float64) for x in args]
        a[i].flat[j] = v
        return np.asarray(_quiet(fn, *a), dtype=np.float64)

    x = float(np.asarray(args[i]).flat[j])
    with np.errstate(all="ignore"):
        f0 = at(x)
        est, err = np.zeros_like(f0), np.zeros_like(f0)
        ok = np.zeros(f0.shape, dtype=bool)
        if not np.isfinite(x):
            return est, err, ok
        scales = {abs(x), 1.0} | {abs(float(v)) for a in args for v in np.ravel(a)
                                  if v != 0 and np.isfinite(v)}
        scales.discard(0.0)
        # the input's own magnitude first, then the nearest others
        for s in sorted(scales, key=lambda s: abs(math.log(s) - math.log(abs(x) or 1.0))):
            steps = []
            constant = ~ok
            for rel in (1e-3, 1e-5):
                h = s * rel
                fp, fm = at(x + h), at(x - h)
                constant = constant & (fp == f0) & (fm == f0)  # (inf == inf, so an
                # output that stays inf, as logsumexp with an inf element, has 0 here)
                noise = 1e3 * EPS * np.maximum(np.abs(f0), np.maximum(np.abs(fp), np.abs(fm))) / h
                steps.append(((fp - fm) / (2 * h), np.abs((fp - f0) - (f0 - fm)) / h, noise))
            est[constant], err[constant] = 0.0, 0.0
            ok |= constant
            (c1, d1, n1), (c2, d2, n2) = steps
            good = (np.isfinite(c1) & np.isfinite(c2) & np.isfinite(d1) & np.isfinite(d2)
                    & (d2 <= 0.05 * d1 + 10 * n2 + 1e-9 * np.abs(c2))          # no kink
                    & (np.abs(c1 - c2) <= 1e-2 * np.abs(c2) + 10 * (n1 + n2))   # no jump
                    & np.isfinite(f0) & ~ok)
            est[good], err[good] = c2[good], (np.abs(c1 - c2) + n1 + n2)[good]
            ok |= good
            if ok.all():
                break
    return est, err, ok


def _directional(fn: Callable, args: Sequence[Any], direction: Sequence[Any],
                 agreed: Callable[[int, int], tuple[np.ndarray, np.ndarray]]
                 ) -> Callable[[tuple[int, ...]], tuple[float, float] | None]:
    """``k -> (sum_ij J[k, ij] direction[ij], tolerance)``, or None, from the
    columns of fn's Jacobian: by differences where fn is differentiable, else
    the column where graphjit and JAX agree (``agreed(i, j)``: graphjit's
    column and where it equals JAX's).  So a disagreement at a kink stays one,
    and JAX's nan where graphjit is right (by differences) is overruled.  The
    tolerance scales with sum_ij |J[k, ij] direction[ij]| (the terms cancel in
    floating point too) and with the differences' own error."""
    cols: dict[tuple[int, int], Any] = {}
    same: dict[tuple[int, int], Any] = {}

    def estimate(k: tuple[int, ...]) -> tuple[float, float] | None:
        est = mag = err = 0.0
        for i, d in enumerate(direction):
            for j, dj in enumerate(np.ravel(d)):
                if dj == 0:
                    continue
                if (i, j) not in cols:
                    cols[i, j] = _derivative(fn, args, i, j)
                c, e, ok = (np.broadcast_to(a, np.shape(cols[i, j][0]))[k] for a in cols[i, j])
                c, e = float(c), float(e)
                if not ok:
                    if (i, j) not in same:
                        same[i, j] = agreed(i, j)
                    c, ok = (np.broadcast_to(a, np.shape(cols[i, j][0]))[k]
                             for a in same[i, j])
                    if not ok or not np.isfinite(c):
                        return None
                    c = float(c)
                    e = 1e-6 * abs(c)
                dj = float(dj)
                with np.errstate(all="ignore"):
                    est, mag, err = est + dj * c, mag + abs(dj * c), err + abs(dj) * e
        if math.isnan(est):  # 0 * inf: no derivative
            return None
        return est, 1e-4 * mag + 10 * err + 1e-12

    return estimate


def _rounding(got: np.ndarray, want: np.ndarray, jx_at: Callable[[float], Any]) -> np.ndarray:
    """Where the difference is within the computation's own rounding: scaling every
    input by 1 +- 8 or 16 ulp (which keeps ties, zeros and signs) moves JAX's
    result at least half as much.  (Only JAX's: graphjit's result moving off a
    point where it alone is wrong would excuse it.  Scaling can also step over a
    kink at a nonzero constant, so the caller limits this to small differences
    or to points where the function is differentiable.)"""
    fin = np.array(np.isfinite(got) & np.isfinite(want))
    if not fin.any():
        return fin
    spread = np.zeros(got.shape)
    for ulps in (8, -8, 16, -16):
        w2 = np.asarray(jx_at(1 + ulps * EPS))
        if w2.shape != want.shape:
            return np.zeros(got.shape, dtype=bool)
        with np.errstate(all="ignore"):
            spread = np.fmax(spread, np.abs(w2 - want))
    with np.errstate(all="ignore"):
        return np.array(fin & (np.abs(got - want) <= 2 * spread))


@dataclass(frozen=True)
class Quantity:
    """One quantity (a value, a gradient, a tangent) as a function of the inputs,
    computed three ways: graphjit eager, graphjit's XLA path (jit), and JAX."""
    name: str
    gj: Callable[[Sequence[Any]], np.ndarray]
    xla: Callable[[Sequence[Any]], np.ndarray]
    jx: Callable[[Sequence[Any]], np.ndarray]


def _flushed(args: Sequence[Any]) -> list[np.ndarray]:
    """Subnormals replaced by zeros of the same sign, as XLA on CPU reads them."""
    return [np.where(np.abs(a) < TINY, np.copysign(0.0, a), a) for a in map(np.asarray, args)]


def _unsigned(args: Sequence[Any]) -> list[np.ndarray]:
    """-0.0 replaced by 0.0."""
    return [np.asarray(a) + 0.0 for a in args]


def _scaled(args: Sequence[Any], c: float) -> list[np.ndarray]:
    return [np.asarray(a) * c for a in args]


def _same(got: Any, want: Any) -> np.ndarray:
    g, w = np.asarray(got), np.asarray(want)
    if g.shape != w.shape:
        return np.zeros(np.broadcast_shapes(g.shape, w.shape), dtype=bool)
    return ~_bad(g, w)


def _condition(f_jx: Callable, args: Sequence[Any]) -> np.ndarray:
    """How far rounding can move each element of the quantity f (a value or a
    derivative, computed by JAX): 1e3 ulp of the inputs carried by its Jacobian,
    sum_i |df/dx_i| |x_i| 1e3 eps.  sin(exp(40)) has no reliable digits; floor
    at an integer, or a derivative at a kink, whose derivative is 0, gets none."""
    jac = _quiet(jax.jacfwd(f_jx, argnums=tuple(range(len(args)))), *args)
    bound = 0.0
    for j, a in zip(jac, args):
        a = np.abs(np.asarray(a, dtype=np.float64))
        axes = tuple(range(j.ndim - a.ndim, j.ndim))
        with np.errstate(all="ignore"):
            term = np.abs(j) * a
        bound = bound + np.sum(np.where(np.isfinite(term), term, 0.0), axis=axes)
    return 1e3 * EPS * np.asarray(bound)


def _judge(q: Quantity, args: Sequence[Any], got: Any, want: Any, *, subnormal: bool,
           numpy: Callable[[], Any] | None = None,
           condition: Callable[[], np.ndarray] | None = None,
           fd: Callable[[tuple[int, ...]], tuple[float, float] | None] | None = None,
           undefined_where: str | None = None,
           scale: Callable[[], np.ndarray] | None = None, via_xla: bool = True,
           degenerate: Callable[[], np.ndarray] | None = None) -> None:
    """Fail unless graphjit's ``got`` matches JAX's ``want`` at every element, or the
    difference there is explained:

    * by the flush of subnormals (``subnormal``: one appears in the inputs,
      intermediates or results): graphjit's XLA result agrees with JAX, or
      graphjit, or both, run on flushed inputs agree (XLA flushes
      inconsistently, depending on fusion);
    * by NumPy's definition: ``numpy()`` (NumPy's own result) equals graphjit's
      eager one while graphjit's XLA result agrees with JAX;
    * by the sign of a zero deciding the sign of an infinity (IEEE leaves
      min/max(-0.0, 0.0) open; NumPy and XLA choose differently): opposite
      infinities that agree when the inputs' -0.0 are 0.0;
    * by rounding in an ill-conditioned computation: within ``condition()`` (a
      bound from the Jacobian of JAX's quantity, see ``_condition``), or by
      ``_rounding`` for differences under 1e-3 relative or where ``fd`` finds
      f differentiable;
    * by ``fd`` (an output index -> the derivative by differences and its
      tolerance, or None where f is not differentiable) showing graphjit right;
    * for a single operation (a one-line program), by the same formula computed
      with NumPy's elementary functions instead of XLA's: graphjit's XLA
      result agrees with JAX, and its eager one is within 64 ulp of the
      operation's scale (``scale()``: its inputs' magnitude, times the
      cotangent's or tangent's for a derivative).  A formula's cancellation
      turns an ulp of tanh into an absolute error, as 1 + tanh(z) in gelu(-6)
      ~ -8.4e-11, whose NumPy and XLA values differ by 4e-16 (4e-6 relative);
      a worse formula than JAX's (1 + erf(x) where JAX uses erfc(-x)) still
      fails, as graphjit's XLA result does not agree.  For derivatives, whose
      rules factor differently (1 - tanh^2 against JAX's (1 - tanh)(1 + tanh)),
      and for jit against eager, the 64 ulp alone (``via_xla=False``);
    * for a derivative that is not finite on one side, by ``degenerate()``:
      0 / 0 or x / 0 depends on exact rounding, which NumPy and XLA do
      differently (the mean of three equal numbers is exact in one, not in
      the other, so the derivative of std is nan or inf); where graphjit's
      XLA result agrees with JAX (or, for jit against eager, JAX agrees with
      either), graphjit's rules are JAX's;
    * for a derivative where f is not differentiable (``fd`` gives None), by
      JAX's nan (``undefined_where="want"``: nan says "no derivative here",
      which graphjit may say otherwise), or by graphjit's XLA result agreeing
      with JAX (the derivative of std of a constant array is 0 / 0 or finite
      as NumPy's or XLA's mean rounds), or either side's nan (``"either"``,
      for graphjit's two backends).
    """
    why = _mismatch(got, want, q.name)
    if why is None:
        return
    g, w = np.asarray(got), np.asarray(want)
    if g.shape != w.shape or g.dtype != w.dtype:
        note(why)
        raise AssertionError(why)
    todo = _bad(g, w)
    explanations: list[Callable[[], np.ndarray]] = []
    if subnormal:
        flushed = _flushed(args)
        explanations += [lambda: _same(q.xla(args), w), lambda: _same(q.gj(flushed), w),
                         lambda: _same(q.gj(flushed), q.jx(flushed))]
    elif numpy is not None:
        def numpy_rule() -> np.ndarray:
            ref = numpy()
            if ref is None:
                return np.zeros(g.shape, dtype=bool)
            return _same(g, ref) & _same(q.xla(args), w)
        explanations.append(numpy_rule)

    def signed_zero() -> np.ndarray:
        flip = np.isinf(g) & np.isinf(w) & (np.sign(g) != np.sign(w))
        if not flip.any():
            return flip
        unsigned = _unsigned(args)
        return flip & _same(q.gj(unsigned), q.jx(unsigned))
    explanations.append(signed_zero)

    estimates: dict[tuple[int, ...], Any] = {}

    def estimate(k: tuple[int, ...]) -> Any:
        if k not in estimates:
            estimates[k] = fd(k) if fd is not None else None
        return estimates[k]

    def conditioned() -> np.ndarray:
        bound = condition()
        with np.errstate(all="ignore"):
            return np.array(np.isfinite(g) & np.isfinite(w) & (np.abs(g - w) <= bound))

    def rounding() -> np.ndarray:
        ok = _rounding(g, w, lambda c: q.jx(_scaled(args, c)))
        with np.errstate(all="ignore"):
            small = np.abs(g - w) <= 1e-3 * np.maximum(np.abs(g), np.abs(w))
        for k in np.ndindex(g.shape):
            if ok[k] and not small[k] and (fd is None or estimate(k) is None):
                ok[k] = False
        return ok
    if condition is not None:
        explanations.append(conditioned)
    if scale is not None:
        def absolute() -> np.ndarray:
            ref = np.asarray(q.xla(args)) if via_xla else w
            if ref.shape != g.shape:
                return np.zeros(g.shape, dtype=bool)
            with np.errstate(all="ignore"):
                near = np.isfinite(g) & np.isfinite(ref) & (np.abs(g - ref) <= 64 * EPS * scale())
            return np.array(near & _same(ref, w)) if via_xla else np.array(near)
        explanations.append(absolute)
    explanations.append(rounding)

    def by_differences() -> np.ndarray:
        ok = np.zeros(g.shape, dtype=bool)
        for k in np.ndindex(g.shape):
            if todo[k]:
                e = estimate(k)
                if e is None:
                    continue
                if not np.isfinite(e[0]):  # an infinite cotangent or tangent times a
                    ok[k] = g[k] == e[0]  # nonzero derivative: met exactly
                elif np.isfinite(g[k]) and not np.isfinite(w[k]):
                    ok[k] = True  # JAX overflowed (x / x at 1e-300) or lost the
                    # derivative to 0 * inf where a finite one exists: graphjit is nearer
                else:
                    ok[k] = bool(abs(g[k] - e[0]) <= e[1])
        return ok

    def undefined() -> np.ndarray:
        ok = np.zeros(g.shape, dtype=bool)
        xla_same: list[np.ndarray] = []
        for k in np.ndindex(g.shape):
            if not todo[k] or estimate(k) is not None:
                continue
            nan = np.isnan(w[k]) or (undefined_where == "either" and np.isnan(g[k]))
            if not nan and undefined_where == "want":
                if not xla_same:
                    xla_same.append(_same(q.xla(args), w))
                nan = bool(xla_same[0][k])
            ok[k] = bool(nan)
        return ok
    if fd is not None:
        explanations.append(by_differences)
        if undefined_where is not None:
            explanations.append(undefined)

    if degenerate is not None:
        explanations.append(lambda: np.array((~np.isfinite(g) | ~np.isfinite(w)) & degenerate()))
    for explain in explanations:
        todo &= ~explain()
        if not todo.any():
            return
    note(why)
    raise AssertionError(why)


def note(text: str) -> None:
    """hypothesis' ``note`` (printed with a failing example); nothing outside a test."""
    try:
        _hypothesis_note(text)
    except InvalidArgument:
        pass


def _numpy_value(prog: Program, args: Sequence[Any]) -> np.ndarray | None:
    """The program run by NumPy itself, if it only uses ``np_like``."""
    if any(n in line for line in prog.lines for n in ("nn_like", "lax_like")):
        return None
    try:
        return np.asarray(_quiet(prog.build({"np_like": np}), *(np.asarray(a) for a in args)))
    except Exception:  # noqa: BLE001 - NumPy refusing is no evidence either way
        return None


def _describe(prog: Program, args: Sequence[Any]) -> None:
    note(prog.source)
    for name, a in zip(prog.params, args):
        note(f"{name} = np.{np.asarray(a)!r}" if isinstance(a, np.ndarray)
             else f"{name} = np.float64({float(a)!r})")


def _total(f: Callable, np_like: Any) -> Callable:
    """The sum of f's finite elements."""
    def total(*args: Any) -> Any:
        out = f(*args)
        return np_like.sum(np_like.where(np_like.isfinite(out), out, 0.0))
    return total


def _unit(args: Sequence[Any], i: int, j: int) -> tuple[np.ndarray, ...]:
    """The direction of args[i].flat[j]."""
    d = [np.zeros(np.shape(a)) for a in args]
    d[i].flat[j] = 1.0
    return tuple(d)


def _columns(f_gj: Callable, f_jx: Callable, args: Sequence[Any]
             ) -> Callable[[int, int], tuple[np.ndarray, np.ndarray]]:
    """``(i, j) ->`` (graphjit's Jacobian column for args[i].flat[j] by jvp, and where
    it equals JAX's by jvp or by reverse mode: where the two modes of JAX differ,
    JAX has no one convention to hold graphjit to)."""
    jac_rev: dict[int, np.ndarray] = {}

    def agreed(i: int, j: int) -> tuple[np.ndarray, np.ndarray]:
        t = _unit(args, i, j)
        got = _quiet(lambda *a: jvp(f_gj, a, t), *args)[1]
        fwd = _quiet(lambda *a: jax.jvp(f_jx, a, t), *args)[1]
        if i not in jac_rev:
            jac_rev[i] = _quiet(jax.jacrev(f_jx, argnums=i), *args)
        rev = jac_rev[i].reshape(np.shape(got) + (-1,))[..., j]
        return got, ~_bad(got, fwd) | ~_bad(got, rev)
    return agreed


def _replay(prog: Program, err: AssertionError, values: dict[str, Any],
            check_line: Callable[[Program, tuple[Any, ...], str], None]) -> None:
    """A disagreement of the whole program is real if one of its lines disagrees
    with JAX on JAX's own values of that line's inputs (``check_line(line
    program, its inputs, its target)`` raises); then that line is the minimal
    reproduction.  If every line agrees, the program's difference is rounding
    that the later lines amplified (tan(sinh(40)), 1 / gelu(-6)), not a bug."""
    if len(prog.lines) < 2:
        raise err
    for sub, sub_args in prog.line_programs(values):
        try:
            check_line(sub, sub_args, sub.out)
        except AssertionError as line_err:
            msg = (f"{err}\n\nThe line that disagrees, given JAX's values of its inputs:\n"
                   f"{sub.source}" + "".join(f"{n} = np.{np.asarray(a)!r}\n"
                                             for n, a in zip(sub.params, sub_args))
                   + f"{line_err}")
            note(msg)
            raise AssertionError(msg) from None


def _line_scale(prog: Program, args: Sequence[Any], shape: tuple[int, ...]) -> np.ndarray:
    """The magnitude of a one-line program's inputs, element by element where they
    broadcast to the result's ``shape`` (elementwise), else their largest."""
    mags = [np.where(np.isfinite(a), np.abs(a), 0.0) for a in map(np.asarray, args)]
    try:
        return np.max(np.stack([np.broadcast_to(m, shape) for m in mags]), axis=0)
    except ValueError:
        return np.asarray(max(float(np.max(m, initial=0.0)) for m in mags))


def _jax_values(prog: Program, args: Sequence[Any]) -> dict[str, np.ndarray]:
    """JAX's value of every parameter and intermediate of ``prog``."""
    return dict(zip(prog.params + prog.targets, _quiet(prog.build(JX, trace=True), *args)))


def check_value(prog: Program, args: Sequence[Any], use_jit: bool = False) -> None:
    """graphjit's value against JAX's; with ``use_jit``, jit(f) against eager f."""
    f_gj, f_jx = prog.build(GJ), prog.build(JX)
    value = Quantity("value", lambda a: _quiet(f_gj, *a), lambda a: _quiet(jit(f_gj), *a),
                     lambda a: _quiet(f_jx, *a))
    got, want = value.gj(args), value.jx(args)
    sub = _subnormal(args, _quiet(prog.build(GJ, trace=True), *args), got, want)
    scale = ((lambda: _line_scale(prog, args, np.shape(want))) if len(prog.lines) == 1
             else None)
    try:
        _judge(value, args, got, want, subnormal=sub,
               numpy=lambda: _numpy_value(prog, args),
               condition=lambda: _condition(f_jx, args), scale=scale)
    except AssertionError as err:
        _replay(prog, err, _jax_values(prog, args), lambda p, a, _: check_value(p, a))
    if use_jit and not sub:
        try:
            _judge(Quantity("jit(f) against eager f", value.xla, value.xla, value.gj), args,
                   value.xla(args), got, subnormal=False, scale=scale, via_xla=False)
        except AssertionError as err:  # a line at a time, on graphjit's own values
            values = dict(zip(prog.params + prog.targets,
                              _quiet(prog.build(GJ, trace=True), *args)))
            _replay(prog, err, values, lambda p, a, _: check_value(p, a, use_jit=True))


def check_grad(prog: Program, args: Sequence[Any], use_jit: bool = False,
               ct: np.ndarray | None = None) -> None:
    """graphjit's vjp (reverse mode) against JAX's, with cotangent ``ct``; by
    default 1 where the value is finite and 0 where it is not: the gradient of
    the sum of the finite elements (a derivative where the value is NaN or has
    overflowed means nothing, and graphjit and JAX route it differently, as
    through ``relu`` or ``cummax`` of a NaN).  With ``use_jit``, jit(vjp)
    against eager vjp."""
    f_gj, f_jx = prog.build(GJ), prog.build(JX)
    value = _quiet(f_jx, *args)
    argnums = tuple(range(len(args)))
    if ct is None:  # grad of the sum of the non-NaN elements
        ct = np.where(np.isfinite(value), 1.0, 0.0)
        vjp_gj = grad(_total(f_gj, tnp), argnums=argnums)
        vjp_jx = jax.grad(_total(f_jx, jnp), argnums=argnums)
        kind = "grad"
    else:
        ct = np.asarray(ct, dtype=np.float64)
        note(f"cotangent = np.{ct!r}")
        vjp_gj = lambda *a: vjp(f_gj, *a)[1](ct)  # noqa: E731
        vjp_jx = lambda *a: jax.vjp(f_jx, *a)[1](ct)  # noqa: E731
        kind = "vjp"
    vjp_xla = jit(vjp_gj)
    want_g, got_g = _quiet(vjp_jx, *args), _quiet(vjp_gj, *args)
    sub = _subnormal(args, _quiet(prog.build(GJ, trace=True), *args), value, want_g, got_g)
    agreed = _columns(f_gj, f_jx, args)

    def fd(i: int) -> Callable[[tuple[int, ...]], tuple[float, float] | None]:
        # <ct, d f / d args[i][k]> from f's derivative along e_ik, element by element
        def at(k: tuple[int, ...]) -> tuple[float, float] | None:
            j = int(np.ravel_multi_index(k, np.shape(args[i])))
            col = _directional(f_gj, args, _unit(args, i, j), agreed)
            est = tol = 0.0
            for m in np.ndindex(np.shape(value)):
                if ct[m] == 0:
                    continue
                e = col(m)
                if e is None:
                    return None
                with np.errstate(all="ignore"):
                    est, tol = est + ct[m] * e[0], tol + abs(ct[m]) * e[1]
            return None if np.isnan(est) else (est, tol)  # (0 * inf: no derivative)
        return at

    def line_cts() -> dict[str, np.ndarray]:
        # JAX's cotangent of every intermediate: minus the gradient with respect
        # to a zero subtracted from it
        values = _jax_values(prog, args)
        zeros = [np.zeros(np.shape(values[t])) for t in prog.targets]
        cts = _quiet(lambda *a: jax.vjp(prog.build(JX, probes=True), *a)[1](ct),
                     *args, *zeros)[len(args):]
        return {t: -c for t, c in zip(prog.targets, cts)}

    def check_line(p: Program, a: tuple[Any, ...], target: str, cts: dict[str, Any],
                   line_jit: bool) -> None:
        if np.any(cts[target] != 0):  # a line whose result is not used checks nothing
            check_grad(p, a, use_jit=line_jit, ct=cts[target])

    one_line = len(prog.lines) == 1

    def dscale(i: int) -> Callable[[], np.ndarray] | None:
        if not one_line:
            return None
        return lambda: (_line_scale(prog, args, np.shape(args[i]))
                        * float(np.max(np.where(np.isfinite(ct), np.abs(ct), 0.0), initial=0.0)))

    for i, name in enumerate(prog.params):
        q = Quantity(f"{kind} wrt {name}", lambda a, i=i: _quiet(vjp_gj, *a)[i],
                     lambda a, i=i: _quiet(vjp_xla, *a)[i], lambda a, i=i: _quiet(vjp_jx, *a)[i])
        try:
            _judge(q, args, got_g[i], want_g[i], subnormal=sub, fd=fd(i),
                   condition=lambda i=i: _condition(lambda *a: vjp_jx(*a)[i], args),
                   undefined_where="want", scale=dscale(i), via_xla=False,
                   degenerate=lambda q=q, i=i: _same(q.xla(args), want_g[i]))
        except AssertionError as err:
            cts = line_cts()
            _replay(prog, err, _jax_values(prog, args),
                    lambda p, a, t: check_line(p, a, t, cts, False))
        if use_jit and not sub:
            try:
                _judge(Quantity(f"jit({kind}) wrt {name} against eager", q.xla, q.xla, q.gj),
                       args, q.xla(args), got_g[i], subnormal=False, fd=fd(i),
                       undefined_where="either", scale=dscale(i), via_xla=False,
                       degenerate=lambda q=q, i=i: (_same(want_g[i], got_g[i])
                                                    | _same(want_g[i], q.xla(args))))
            except AssertionError as err:
                cts = line_cts()
                _replay(prog, err, _jax_values(prog, args),
                        lambda p, a, t: check_line(p, a, t, cts, True))


def check_value_and_grad(prog: Program, args: Sequence[Any], use_jit: bool) -> None:
    """Value (and jit), then, at finite inputs, the gradient (and jit of it)."""
    _describe(prog, args)
    check_value(prog, args, use_jit)
    if all(np.isfinite(a).all() for a in args):
        check_grad(prog, args, use_jit)


def _masked_jvp(fn: Callable, part: int) -> Callable[[Sequence[Any]], np.ndarray]:
    """The primal (part 0) or tangent (part 1) of ``fn(*args)``, a jvp; a tangent
    where the primal is not finite means nothing, and reads 0."""
    def run(a: Sequence[Any]) -> np.ndarray:
        primal, tangent = _quiet(fn, *a)
        if part == 0:
            return primal
        return np.where(np.isfinite(primal), tangent, np.zeros_like(tangent))
    return run


def check_jvp(prog: Program, args: Sequence[Any], tangents: Sequence[Any]) -> None:
    """Forward mode, graphjit's jvp against jax.jvp."""
    _describe(prog, args)
    note(f"tangents = {tangents!r}")
    f_gj, f_jx = prog.build(GJ), prog.build(JX)
    tangents = tuple(np.asarray(t, dtype=np.float64) for t in tangents)
    jvp_gj = lambda *a: jvp(f_gj, a, tangents)  # noqa: E731
    jvp_xla = jit(jvp_gj)
    jvp_jx = lambda *a: jax.jvp(f_jx, a, tangents)  # noqa: E731
    primal, tangent = (Quantity(name, _masked_jvp(jvp_gj, part), _masked_jvp(jvp_xla, part),
                                _masked_jvp(jvp_jx, part))
                       for part, name in enumerate(["jvp primal", "jvp tangent"]))
    got_p, want_p, got_t, want_t = (q.gj(args) if k == 0 else q.jx(args)
                                    for q in (primal, tangent) for k in (0, 1))
    sub = _subnormal(args, _quiet(prog.build(GJ, trace=True), *args), got_p, want_p,
                     got_t, want_t)

    def tangent_jx(*a: Any) -> Any:
        p, t = jvp_jx(*a)
        return jnp.where(jnp.isfinite(p), t, jnp.zeros_like(t))

    def check_line(p: Program, a: tuple[Any, ...], _: str) -> None:
        # each line with JAX's values and tangents of its inputs
        t = tuple(dot[n] for n in p.params)
        if any(np.any(ti != 0) for ti in t):
            check_jvp(p, a, t)

    try:
        _judge(primal, args, got_p, want_p, subnormal=sub,
               numpy=lambda: _numpy_value(prog, args),
               condition=lambda: _condition(f_jx, args),
               scale=((lambda: _line_scale(prog, args, np.shape(want_p)))
                      if len(prog.lines) == 1 else None))
        _judge(tangent, args, got_t, want_t, subnormal=sub,
               condition=lambda: _condition(tangent_jx, args),
               fd=_directional(f_gj, args, tangents, _columns(f_gj, f_jx, args)),
               undefined_where="want",
               scale=((lambda: _line_scale(prog, args, np.shape(want_t))
                       * _line_scale(prog, tangents, np.shape(want_t)))
                      if len(prog.lines) == 1 else None), via_xla=False,
               degenerate=lambda: _same(tangent.xla(args), want_t))
    except AssertionError as err:
        values, dots = _quiet(lambda *a: jax.jvp(prog.build(JX, trace=True), a, tangents),
                              *args)
        names = prog.params + prog.targets
        dot = dict(zip(names, dots))
        _replay(prog, err, dict(zip(names, values)), check_line)


# ---------------------------------------------------------------------------
# The properties


@st.composite
def cases(draw: Any, nonfinite: bool = True) -> tuple[Program, tuple[Any, ...], bool]:
    prog = draw(programs())
    args = draw(inputs(prog.shapes, nonfinite=nonfinite and draw(st.integers(0, 3)) == 0))
    use_jit = draw(st.sampled_from([False, False, False, True]))
    return prog, args, use_jit


@st.composite
def jvp_cases(draw: Any) -> tuple[Program, tuple[Any, ...], tuple[Any, ...]]:
    prog = draw(programs())
    args = draw(inputs(prog.shapes))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    tangents = tuple(np.asarray(rng.standard_normal(np.shape(a))) for a in args)
    return prog, args, tangents


# The CI run is derandomized (the same 60 programs every run): a property test that
# finds a new disagreement by chance must not fail an unrelated change's CI.  The
# slow variants (``pytest -m slow``) keep looking, with new programs every run; what
# they found is fixed with a regression test as a user would write it
# (test_ad_fuzz_regressions.py: selections that leaked 0 * inf = NaN from unselected
# elements, exact gelu's left tail in test_nn.py), or is open there as a strict xfail
# (logaddexp with an infinite tangent gives inf - inf = NaN where JAX gives inf, until
# tnp.logaddexp routes the larger operand's tangent through exp(b - B), B its
# stop_gradient).
FAST = settings(max_examples=60, deadline=None, derandomize=True, print_blob=True,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(FAST, max_examples=3000, derandomize=False)


def _value_and_grad(case: tuple[Program, tuple[Any, ...], bool]) -> None:
    check_value_and_grad(*case)


def _jvp(case: tuple[Program, tuple[Any, ...], tuple[Any, ...]]) -> None:
    check_jvp(*case)


@FAST
@given(cases())
def test_value_and_grad_match_jax(case):
    _value_and_grad(case)


@FAST
@given(jvp_cases())
def test_jvp_matches_jax(case):
    _jvp(case)


@pytest.mark.slow
@SLOW
@given(cases())
def test_value_and_grad_match_jax_slow(case):
    _value_and_grad(case)


@pytest.mark.slow
@SLOW
@given(jvp_cases())
def test_jvp_matches_jax_slow(case):
    _jvp(case)
