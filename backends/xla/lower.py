"""Graph -> StableHLO text, one lowering rule per primitive (the table ``lowerings``).

Ops are emitted in MLIR's *generic* syntax (``%0 = "stablehlo.sine"(%a) :
(tensor<4xf32>) -> tensor<4xf32>``): one uniform form for every op, so each
rule only says the op name, its attributes and regions.  Every op carries a
``loc("file":line:col)`` from its equation's source, so XLA's HLO metadata and
profiles point at user code.  Sub-graphs (control flow, calls) become private
functions reached with ``func.call``.

A rule is ``rule(ctx, eqn, ins) -> list of result values``: ``ins`` are the
operands' SSA names, ``eqn`` gives the primitive's params and the operands' and
results' avals (``eqn.inputs[i].aval``, ``eqn.outputs[j].aval``); the rule
emits ops with ``ctx.op`` and returns one SSA name per output.  Elementwise
primitives broadcast NumPy-style in graphjit; ``ctx.broadcast`` inserts the
explicit ``broadcast_in_dim`` StableHLO needs.
"""
from __future__ import annotations

import itertools
from typing import Any, Callable, Sequence

import numpy as np

from tracer import dtypes
from tracer import primitives as P
from tracer.errors import MissingRuleError
from tracer.graphs import hoist_consts
from tracer.ir import ClosedGraph, Equation, Graph, Literal, ShapedArray, Source

lowerings: dict[P.Primitive, Callable[..., list[str]]] = {}

_ELEM = {
    "float16": "f16", "float32": "f32", "float64": "f64", "bfloat16": "bf16",
    "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64",
    "uint8": "ui8", "uint16": "ui16", "uint32": "ui32", "uint64": "ui64", "bool": "i1",
    "complex64": "complex<f32>", "complex128": "complex<f64>",
}


def elem_type(dtype: np.dtype) -> str:
    return _ELEM[np.dtype(dtype).name]


def tensor_type(a: ShapedArray) -> str:
    """``tensor<2x3xf32>`` (``tensor<f32>`` for scalars)."""
    dims = "".join(f"{d}x" for d in a.shape)
    return f"tensor<{dims}{elem_type(a.dtype)}>"


def i64_array(xs: Sequence[int]) -> str:
    """A dense i64 array attribute: ``array<i64: 1, 2>``."""
    xs = [int(x) for x in xs]
    return f"array<i64{': ' + ', '.join(map(str, xs)) if xs else ''}>"


def dense_literal(value: Any, a: ShapedArray) -> str:
    """``dense<...> : tensor<...>`` for a scalar (splat) constant."""
    v = np.asarray(value, dtype=a.dtype)
    if a.dtype.kind == "c":   # dense<(re, im)>, each part as a float literal
        part = ShapedArray((), np.float32 if a.dtype == np.complex64 else np.float64)
        re, im = (dense_literal(p, part).split("<", 1)[1].split(">", 1)[0]
                  for p in (v.real, v.imag))
        return f"dense<({re}, {im})> : {tensor_type(a)}"
    if a.dtype == np.bool_:
        s = "true" if bool(v) else "false"
    elif a.dtype.kind == "f" or a.dtype == dtypes.bfloat16:
        s = float_literal(v)
    else:
        s = str(int(v))
    return f"dense<{s}> : {tensor_type(a)}"


def float_literal(v: np.generic) -> str:
    """A float scalar as an MLIR float literal that parses back to the same bits.

    MLIR's decimal form needs a ``.`` before the exponent (``1e-06`` is rejected,
    ``1.0e-06`` is not), so finite IEEE values print in scientific notation with
    the shortest digits that round-trip in their own dtype; NaN, infinities and
    the dtypes NumPy cannot format (bfloat16, float8) print as their bit pattern
    in hex, which MLIR reads as the exact bits.
    """
    dt = v.dtype
    if dt in (np.float16, np.float32, np.float64) and np.isfinite(v):
        s = np.format_float_scientific(v, unique=True, trim="0")
        if dt.type(float(s)).tobytes() == v.tobytes():
            return s
    bits = v.view(np.dtype(f"u{dt.itemsize}"))
    return f"0x{int(bits):0{2 * dt.itemsize}X}"


def _loc(src: Source | None) -> str:
    if src is None or src.line == 0:
        return ""
    f = src.file.replace("\\", "\\\\").replace('"', '\\"')
    return f' loc("{f}":{src.line}:{max(src.col, 1)})'


class LoweringContext:
    """Emits the ops of one function body and collects the module's functions."""

    def __init__(self, module: ModuleBuilder, indent: str = "    "):
        self.module = module
        self.lines: list[str] = []
        self.indent = indent
        self.source: Source | None = None

    def fresh(self) -> str:
        return f"%{next(self.module.counter)}"

    def op(self, name: str, operands: Sequence[str], in_avals: Sequence[ShapedArray],
           out_avals: Sequence[ShapedArray], attrs: str = "",
           regions: Sequence[str] = ()) -> list[str]:
        """Emit one op in generic syntax; returns its result names."""
        res = self.fresh()
        n = len(out_avals)
        lhs = (f"{res}:{n} = " if n > 1 else f"{res} = ") if n else ""
        regs = f" ({', '.join(regions)})" if regions else ""
        attr = f" {{{attrs}}}" if attrs else ""
        ins = ", ".join(tensor_type(a) for a in in_avals)
        outs = ", ".join(tensor_type(a) for a in out_avals)
        outs = f"({outs})" if n != 1 else outs
        self.lines.append(f'{self.indent}{lhs}"{name}"({", ".join(operands)}){regs}{attr} : '
                          f"({ins}) -> {outs}{_loc(self.source)}")
        if n == 1:
            return [res]
        return [f"{res}#{i}" for i in range(n)]

    def constant(self, value: Any, a: ShapedArray) -> str:
        """A scalar constant broadcast to ``a`` (splat)."""
        v = np.asarray(value)
        if v.ndim and v.size:
            return self.array_constant(v.astype(a.dtype))
        return self.op("stablehlo.constant", [], [], [a],
                       attrs=f"value = {dense_literal(v, a)}")[0]

    def array_constant(self, v: np.ndarray) -> str:
        a = ShapedArray(v.shape, v.dtype)
        if v.size and np.all(v == v.flat[0]) and not (v.dtype.kind == "f" and np.isnan(v).any()):
            return self.op("stablehlo.constant", [], [], [a],
                           attrs=f"value = {dense_literal(v.flat[0], a)}")[0]
        raw = np.ascontiguousarray(v.astype(v.dtype.newbyteorder("<")))
        if v.dtype == np.bool_:
            raw = raw.astype(np.uint8)
        hexs = "0x" + raw.tobytes().hex().upper()
        return self.op("stablehlo.constant", [], [], [a],
                       attrs=f'value = dense<"{hexs}"> : {tensor_type(a)}')[0]

    def broadcast(self, x: str, a: ShapedArray, shape: Sequence[int]) -> str:
        """NumPy-style broadcast of ``x`` (aval ``a``) to ``shape``."""
        shape = tuple(shape)
        if a.shape == shape:
            return x
        nd = len(shape) - len(a.shape)
        return self.op("stablehlo.broadcast_in_dim", [x], [a], [a.update(shape=shape)],
                       attrs=f"broadcast_dimensions = {i64_array(range(nd, len(shape)))}")[0]

    def convert(self, x: str, a: ShapedArray, dtype: np.dtype) -> str:
        if a.dtype == dtype:
            return x
        return self.op("stablehlo.convert", [x], [a], [a.update(dtype=dtype)])[0]

    def call(self, closed: ClosedGraph, ins: Sequence[str],
             in_avals: Sequence[ShapedArray]) -> list[str]:
        """Call a sub-graph (lowered once per ClosedGraph as a private function)."""
        fname = self.module.function_for(closed)
        outs = [a.strip_weak() for a in closed.out_avals]
        return self.op("func.call", list(ins), list(in_avals), outs,
                       attrs=f"callee = @{fname}")

    def region(self, closed: ClosedGraph, arg_avals: Sequence[ShapedArray],
               ret: str = "stablehlo.return") -> str:
        """A region ``{ ^bb0(args): <graph>; return }`` whose body calls the sub-graph."""
        sub = LoweringContext(self.module, self.indent + "    ")
        sub.source = self.source
        args = [sub.fresh() for _ in arg_avals]
        # (an empty graph is called too: its outputs may be its inputs or literals)
        outs = sub.call(closed, args, arg_avals)
        out_avals = [a.strip_weak() for a in closed.out_avals]
        types = ", ".join(tensor_type(a) for a in out_avals)
        sub.lines.append(f'{sub.indent}"{ret}"({", ".join(outs)}) : ({types}) -> ()')
        head = ", ".join(f"{n}: {tensor_type(a)}" for n, a in zip(args, arg_avals))
        return "{\n" + f"{self.indent}  ^bb0({head}):\n" + "\n".join(sub.lines) + \
            f"\n{self.indent}}}"

    def lower_graph(self, graph: Graph, consts: Sequence[str], args: Sequence[str]) -> list[str]:
        """Emit the equations of ``graph``; returns the output names."""
        env: dict[int, str] = {}
        for v, c in zip(graph.constvars, consts):
            env[id(v)] = c
        for v, a in zip(graph.invars, args):
            env[id(v)] = a

        def read(x: Any) -> str:
            if type(x) is Literal:
                return self.constant(x.val, x.aval.strip_weak())
            return env[id(x)]

        for e in graph.eqns:
            rule = lowerings.get(e.prim)
            if rule is None:
                raise MissingRuleError(
                    f"XLA lowering: no rule for primitive '{e.prim.name}' "
                    f"(backends.xla.lower.lowerings); it comes from {e.source}")
            self.source = e.source
            outs = rule(self, e, [read(x) for x in e.inputs])
            for v, o in zip(e.outputs, outs):
                env[id(v)] = o
        return [read(x) for x in graph.outvars]


class ModuleBuilder:
    """Collects the functions of one StableHLO module."""

    def __init__(self) -> None:
        self.counter = itertools.count()
        self.functions: list[str] = []
        self._names: dict[int, str] = {}
        self._keep: list[Any] = []

    def function_for(self, closed: ClosedGraph) -> str:
        name = self._names.get(id(closed))
        if name is None:
            name = f"sub{len(self._names)}"
            self._names[id(closed)] = name
            self._keep.append(closed)
            self.functions.append(self._function(name, closed, public=False))
        return name

    def _function(self, name: str, closed: ClosedGraph, public: bool,
                  arg_attrs: Sequence[str] = ()) -> str:
        g = closed.graph
        if closed.consts and not public:
            consts = [np.asarray(c) for c in closed.consts]
        else:
            consts = []
        ctx = LoweringContext(self)
        params = [ctx.fresh() for _ in g.invars]
        const_names = [ctx.array_constant(c) for c in consts]
        outs = ctx.lower_graph(g, const_names, params)
        out_avals = [a.strip_weak() for a in closed.out_avals]
        attrs = list(arg_attrs) + [""] * (len(params) - len(arg_attrs))
        sig = ", ".join(f"{p}: {tensor_type(v.aval.strip_weak())}{a}"
                        for p, v, a in zip(params, g.invars, attrs))
        rets = ", ".join(tensor_type(a) for a in out_avals)
        vis = "public" if public else "private"
        body = "\n".join(ctx.lines)
        return (f"  func.func {vis} @{name}({sig}) -> ({rets}) {{\n{body}\n"
                f'    "func.return"({", ".join(outs)}) : ({rets}) -> ()\n  }}')


def lower(closed: ClosedGraph, name: str = "main_module",
          donated: Sequence[int] = ()) -> str:
    """The StableHLO module (text) computing ``closed``.

    The entry function ``@main`` takes the graph's consts first, then its
    inputs; consts are passed as arguments (not baked in) so that large
    weights do not bloat the module.  ``donated`` lists input positions
    (indices into ``closed.graph.invars``) whose buffers the executable may
    reuse: each is paired with the first unclaimed output of the same shape
    and dtype (``tf.aliasing_output = k``, as ``jax.jit(donate_argnums=...)``
    emits), or else marked ``jax.buffer_donor`` for XLA to use as scratch.
    """
    mb = ModuleBuilder()
    g = closed.graph
    flat, _ = hoist_consts(closed)
    attrs = donation_attrs(closed, donated) if donated else []
    main = mb._function("main", flat, public=True,
                        arg_attrs=[""] * len(g.constvars) + attrs)
    return f"module @{name} {{\n" + "\n".join([main] + mb.functions) + "\n}\n"


def donation_attrs(closed: ClosedGraph, donated: Sequence[int]) -> list[str]:
    """The ``@main`` argument attributes (one per graph input) for donated inputs."""
    g = closed.graph
    outs = [(a.shape, a.strip_weak().dtype) for a in closed.out_avals]
    claimed: set[int] = set()
    attrs = [""] * len(g.invars)
    for i in sorted(set(donated)):
        a = g.invars[i].aval
        sig = (a.shape, a.strip_weak().dtype)
        k = next((k for k, o in enumerate(outs) if o == sig and k not in claimed), None)
        if k is None:
            attrs[i] = " {jax.buffer_donor = true}"
        else:
            claimed.add(k)
            attrs[i] = f" {{tf.aliasing_output = {k} : i32}}"
    return attrs


def eqn_avals(e: Equation) -> tuple[list[ShapedArray], list[ShapedArray]]:
    return ([a.aval.strip_weak() for a in e.inputs], [o.aval.strip_weak() for o in e.outputs])


# ---------------------------------------------------------------------------
# Rules: templates for the families (the rest live in lower_*.py modules).


def elementwise(opname: str) -> Callable[..., list[str]]:
    """An elementwise op: operands broadcast to the output shape first."""
    def rule(ctx: LoweringContext, e: Equation, ins: list[str]) -> list[str]:
        in_avals, (out,) = eqn_avals(e)
        args = [ctx.broadcast(x, a, out.shape) for x, a in zip(ins, in_avals)]
        b_avals = [a.update(shape=out.shape) for a in in_avals]
        return ctx.op(opname, args, b_avals, [out])
    return rule


for _p, _name in [(P.add_p, "stablehlo.add"), (P.mul_p, "stablehlo.multiply"),
                  (P.sin_p, "stablehlo.sine"), (P.cos_p, "stablehlo.cosine")]:
    lowerings[_p] = elementwise(_name)
from backends.xla import lower_control_flow  # noqa: E402,F401  (registers its rules)
from backends.xla import lower_elementwise  # noqa: E402,F401  (registers its rules)
from backends.xla import lower_structural  # noqa: E402,F401  (registers its rules)
