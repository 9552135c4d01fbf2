"""The graph IR: avals, variables, equations, graphs; printer and typecheck.

A ``Graph`` is a list of ``Equation``s in single-assignment form over ``Var``s,
with ``Literal``s inlined for scalars.  A ``ClosedGraph`` pairs a graph with
the values of its ``constvars`` (concrete arrays, or tracers of an enclosing
recorder after closure conversion).  Every equation carries a ``Source``: the
user's file/line/column/function, the name-scope stack and the *origin* (the
id of the equation it was derived from and the rewrite that derived it).
"""
from __future__ import annotations

import itertools
import os
import sys
import threading
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from tracer import dtypes
from tracer.errors import KeyArrayError, ShapeError

# ---------------------------------------------------------------------------
# Avals


class ShapedArray:
    """The abstract value of an array: shape, dtype and weak-typedness."""

    __slots__ = ("shape", "dtype", "weak_type", "_hash")

    def __init__(self, shape: Sequence[int], dtype: Any, weak_type: bool = False):
        shape = tuple(shape)
        for d in shape:
            if type(d) is not int:
                shape = tuple(int(d) for d in shape)
                break
        self.shape = shape
        self.dtype = dtype if type(dtype) is np.dtype or isinstance(dtype, np.dtype) \
            else dtypes.canonicalize(dtype)
        self.weak_type = bool(weak_type)
        self._hash = hash((shape, self.dtype, self.weak_type))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is ShapedArray
            and self.shape == other.shape
            and self.dtype == other.dtype
            and self.weak_type == other.weak_type
        )

    def __hash__(self) -> int:
        return self._hash

    def strip_weak(self) -> ShapedArray:
        return ShapedArray(self.shape, self.dtype) if self.weak_type else self

    def update(self, shape: Sequence[int] | None = None, dtype: Any = None,
               weak_type: bool | None = None) -> ShapedArray:
        return ShapedArray(
            self.shape if shape is None else shape,
            self.dtype if dtype is None else dtype,
            self.weak_type if weak_type is None else weak_type,
        )

    def str_short(self) -> str:
        name = dtype_short_name(self.dtype)
        return f"{name}[{','.join(map(str, self.shape))}]"

    def __repr__(self) -> str:
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapedArray({self.shape}, {self.dtype.name}{weak})"


_SHORT = {"float16": "f16", "float32": "f32", "float64": "f64", "bfloat16": "bf16",
          "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64",
          "uint8": "u8", "uint16": "u16", "uint32": "u32", "uint64": "u64",
          "bool": "bool", "complex64": "c64", "complex128": "c128"}


def dtype_short_name(dtype: np.dtype) -> str:
    return _SHORT.get(dtype.name, dtype.name)


_INTERNED: dict[tuple, ShapedArray] = {}


def strong_aval(shape: tuple[int, ...], dtype: np.dtype) -> ShapedArray:
    """``ShapedArray(shape, dtype)`` of a concrete array, interned (avals are
    immutable; the eager and forwarding paths ask for the same few many times)."""
    a = _INTERNED.get((shape, dtype))
    if a is None:
        if len(_INTERNED) > 4096:
            _INTERNED.clear()
        a = _INTERNED[(shape, dtype)] = ShapedArray(shape, dtype)
    return a


def aval_of_value(x: Any) -> ShapedArray:
    """The aval of a concrete value (Python scalars are weak)."""
    t = type(x)
    if t is float or t is int or t is bool or t is complex:
        return ShapedArray((), dtypes.python_scalar_dtype(x), True)
    aval = getattr(x, "aval", None)
    if isinstance(aval, ShapedArray):   # tracers, graphjit Arrays (not jax.Array's own)
        return aval
    x = host_array(x)
    return strong_aval(x.shape, x.dtype)


def host_array(x: Any) -> np.ndarray:
    """``np.asarray(x)``, with the fix named when ``x`` is a JAX typed key array.

    A ``jax.Array`` converts zero-copy where its buffer is in host memory; a typed
    PRNG key has no array of numbers to give.
    """
    try:
        return np.asarray(x)
    except TypeError as e:
        if "PRNGKey" not in str(e) and "key<" not in str(getattr(x, "dtype", "")):
            raise
        raise KeyArrayError(
            f"a JAX typed PRNG key array ({getattr(x, 'dtype', '?')}) was passed at "
            f"{user_location()}; graphjit takes its raw uint32 data: pass "
            "jax.random.key_data(key) (or make the key with jax.random.PRNGKey)") from None


# ---------------------------------------------------------------------------
# Source locations and origins

_scope_state = threading.local()


@dataclass(frozen=True, slots=True)
class Source:
    """Where an equation came from: user code, name scopes and origin."""

    file: str
    line: int
    col: int
    function: str
    scopes: tuple[str, ...] = ()
    origin_id: int | None = None      # id of the equation this one derives from
    origin_rule: str | None = None    # the rewrite that derived it ("jvp", "vmap", ...)

    def __str__(self) -> str:
        return f"{self.file}:{self.line} ({self.function})"

    def short(self) -> str:
        return f"{os.path.basename(self.file)}:{self.line}"

    def derived(self, origin_id: int, rule: str) -> Source:
        return _derive_source(self, origin_id, rule)


UNKNOWN_SOURCE = Source("<unknown>", 0, 0, "<unknown>")

_derived_cache: dict = {}


def _derive_source(src: Source, origin_id: int, rule: str) -> Source:
    key = (src, origin_id, rule)
    s = _derived_cache.get(key)
    if s is None:
        s = Source(src.file, src.line, src.col, src.function, src.scopes, origin_id, rule)
        if len(_derived_cache) > 200_000:
            _derived_cache.clear()
        _derived_cache[key] = s
    return s


# Files that belong to graphjit itself: frames there are skipped when looking
# for the user's line.
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_INTERNAL_DIRS = tuple(
    os.path.join(_ROOT, d) + os.sep for d in ("tracer", "transforms", "backends")
) + (os.path.join(_ROOT, "graphjit.py"),)
_internal_cache: dict[str, bool] = {}


def is_internal_file(filename: str) -> bool:
    r = _internal_cache.get(filename)
    if r is None:
        r = filename.startswith(_INTERNAL_DIRS) or filename.startswith("<frozen ") or (
            os.sep + "contextlib.py" in filename) or (os.sep + "functools.py" in filename)
        _internal_cache[filename] = r
    return r


_source_cache: dict = {}


def current_scopes() -> tuple[str, ...]:
    return getattr(_scope_state, "scopes", ())


def user_frame(depth: int = 1):
    """The innermost frame that is not graphjit's own code (or None)."""
    f = sys._getframe(depth)
    cache = _internal_cache
    while f is not None:
        fn = f.f_code.co_filename
        r = cache.get(fn)
        if r is None:
            r = is_internal_file(fn)
        if not r:
            return f
        f = f.f_back
    return None


def user_source(depth: int = 2) -> Source:
    """The user's source location (interned per code object and instruction)."""
    f = user_frame(depth)
    if f is None:
        return UNKNOWN_SOURCE
    scopes = getattr(_scope_state, "scopes", ())
    key = (f.f_code, f.f_lasti, scopes)
    s = _source_cache.get(key)
    if s is None:
        code = f.f_code
        line, col = f.f_lineno, 0
        try:
            pos = list(itertools.islice(code.co_positions(), f.f_lasti // 2, f.f_lasti // 2 + 1))
            if pos and pos[0][0] is not None:
                line, col = pos[0][0], (pos[0][2] or 0) + 1
        except (AttributeError, ValueError):  # pragma: no cover
            pass
        s = Source(code.co_filename, line or 0, col, code.co_name, scopes)
        _source_cache[key] = s
    return s


def user_location() -> str:
    """``file:line (function)`` of the user's code, for error messages."""
    return str(user_source(3))


class named_scope:
    """``with named_scope("attention"):`` tags the equations recorded inside.

    Like ``jax.named_scope``; scopes nest and show in printed graphs.

    >>> with named_scope("layer1"):
    ...     pass
    """

    def __init__(self, name: str):
        if not isinstance(name, str):
            raise TypeError(f"named_scope expects a string, got {type(name).__name__}")
        self.name = name

    def __enter__(self) -> named_scope:
        self._prev = current_scopes()
        _scope_state.scopes = self._prev + (self.name,)
        return self

    def __exit__(self, *exc: Any) -> None:
        _scope_state.scopes = self._prev


# ---------------------------------------------------------------------------
# Variables, literals, equations, graphs

_var_ids = itertools.count()


class Var:
    """A graph variable: single assignment, identity-hashed."""

    __slots__ = ("aval", "id")

    def __init__(self, aval: ShapedArray):
        self.aval = aval
        self.id = next(_var_ids)

    def __repr__(self) -> str:
        return f"Var({self.id}:{self.aval.str_short()})"


class Literal:
    """A scalar constant inlined into an equation."""

    __slots__ = ("val", "aval")

    def __init__(self, val: Any, aval: ShapedArray):
        self.val = val
        self.aval = aval

    def __repr__(self) -> str:
        return f"Literal({self.val!r}:{self.aval.str_short()})"

    def __str__(self) -> str:
        v = self.val
        if isinstance(v, (np.ndarray, np.generic)):
            v = v.item()
        return f"{v!r}:{self.aval.str_short()}"

    def __eq__(self, other: object) -> bool:
        return (type(other) is Literal and self.aval == other.aval
                and _scalar_key(self.val) == _scalar_key(other.val))

    def __hash__(self) -> int:
        return hash((self.aval, _scalar_key(self.val)))


def _scalar_key(v: Any) -> Any:
    v = np.asarray(v)
    return (v.dtype.str, v.tobytes())


Atom = Var | Literal

_eqn_ids = itertools.count()


class Params(dict):
    """Equation parameters: a dict that is hashable (values must be hashable)."""

    __slots__ = ()

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items(), key=lambda kv: kv[0])))

    def _ro(self, *a: Any, **k: Any) -> None:
        raise TypeError("equation params are immutable")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _ro  # type: ignore


EMPTY_PARAMS = Params()


class Equation:
    """One primitive application: ``outputs = prim(*inputs, **params)``.

    Frozen: attributes cannot be reassigned.  ``id`` is unique and stable
    across rewrites (a derived equation records its origin's id in ``source``).
    """

    __slots__ = ("prim", "inputs", "outputs", "params", "source", "id")

    def __init__(self, prim: Any, inputs: Sequence[Atom], outputs: Sequence[Var],
                 params: Params, source: Source = UNKNOWN_SOURCE, id: int | None = None):
        s = object.__setattr__
        s(self, "prim", prim)
        s(self, "inputs", tuple(inputs))
        s(self, "outputs", tuple(outputs))
        s(self, "params", params if type(params) is Params else Params(params))
        s(self, "source", source)
        s(self, "id", next(_eqn_ids) if id is None else id)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Equation is frozen")

    def replace(self, **kw: Any) -> Equation:
        d = dict(prim=self.prim, inputs=self.inputs, outputs=self.outputs,
                 params=self.params, source=self.source, id=self.id)
        d.update(kw)
        return Equation(**d)

    def __repr__(self) -> str:
        return f"Equation({self.prim.name}, id={self.id})"


@dataclass(frozen=True, eq=False)
class Graph:
    """``{ lambda constvars ; invars . eqns ; in outvars }``."""

    invars: tuple[Var, ...]
    eqns: tuple[Equation, ...]
    outvars: tuple[Atom, ...]
    constvars: tuple[Var, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "invars", tuple(self.invars))
        object.__setattr__(self, "eqns", tuple(self.eqns))
        object.__setattr__(self, "outvars", tuple(self.outvars))
        object.__setattr__(self, "constvars", tuple(self.constvars))

    @property
    def in_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.invars]

    @property
    def out_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.outvars]

    def __str__(self) -> str:
        return pp_graph(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # IPython
        p.text(str(self))


@dataclass(frozen=True, eq=False)
class ClosedGraph:
    """A graph plus the values of its constvars."""

    graph: Graph
    consts: tuple = ()
    in_tree: Any = field(default=None, compare=False)
    out_tree: Any = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "consts", tuple(self.consts))
        if len(self.consts) != len(self.graph.constvars):
            raise ValueError(
                f"ClosedGraph: {len(self.consts)} consts for "
                f"{len(self.graph.constvars)} constvars")

    @property
    def eqns(self) -> tuple[Equation, ...]:
        return self.graph.eqns

    @property
    def in_avals(self) -> list[ShapedArray]:
        return self.graph.in_avals

    @property
    def out_avals(self) -> list[ShapedArray]:
        return self.graph.out_avals

    def __str__(self) -> str:
        return pp_graph(self.graph)

    def __repr__(self) -> str:
        return pp_graph(self.graph)

    def __hash__(self) -> int:
        return id(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))


# ---------------------------------------------------------------------------
# Printer


class _Namer:
    def __init__(self) -> None:
        self.names: dict[int, str] = {}

    def __call__(self, v: Atom) -> str:
        if isinstance(v, Literal):
            return str(v)
        n = self.names.get(id(v))
        if n is None:
            n = _name_for(len(self.names))
            self.names[id(v)] = n
        return n


def _name_for(i: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = letters[r] + s
    return s


def _pp_param(v: Any, indent: int, namer: _Namer) -> str:
    if isinstance(v, ClosedGraph):
        inner = pp_graph(v.graph, indent + 4, _Namer()).rstrip()
        return "\n" + inner
    if isinstance(v, Graph):
        return "\n" + pp_graph(v, indent + 4, _Namer()).rstrip()
    if isinstance(v, tuple) and v and all(isinstance(x, ClosedGraph) for x in v):
        return "(" + ",".join(_pp_param(x, indent, namer) for x in v) + ")"
    if isinstance(v, np.dtype):
        return v.name
    if isinstance(v, type) and issubclass(v, np.generic):
        return np.dtype(v).name
    return str(v)


def pp_graph(graph: Graph, indent: int = 0, namer: _Namer | None = None,
             source: bool = False) -> str:
    """Readable, jaxpr-like text form of a graph."""
    namer = namer or _Namer()
    pad = " " * indent

    def binder(v: Var) -> str:
        return f"{namer(v)}:{v.aval.str_short()}"

    consts = " ".join(binder(v) for v in graph.constvars)
    ins = " ".join(binder(v) for v in graph.invars)
    head = f"{pad}{{ lambda {consts + ' ' if consts else ''}; {ins}. let"
    lines = [head]
    for e in graph.eqns:
        outs = " ".join(binder(v) for v in e.outputs)
        params = " ".join(
            f"{k}={_pp_param(v, indent + 4, namer)}" for k, v in sorted(e.params.items()))
        args = " ".join(namer(a) for a in e.inputs)
        body = f"{e.prim.name}[{params}]" if params else e.prim.name
        line = f"{pad}    {outs} = {body} {args}".rstrip()
        if source and e.source is not UNKNOWN_SOURCE:
            line += f"    # {e.source.short()}"
        lines.append(line)
    outs = ", ".join(namer(v) for v in graph.outvars)
    lines.append(f"{pad}  in ({outs}{',' if len(graph.outvars) == 1 else ''}) }}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Typecheck


class GraphTypeError(Exception):
    """A graph violates single assignment, binding or a shape rule."""


def typecheck(graph: Graph | ClosedGraph) -> None:
    """Check single assignment, no unbound variables, and each equation's avals.

    Sub-graphs in params (control flow) are checked recursively.
    """
    if isinstance(graph, ClosedGraph):
        for v, c in zip(graph.graph.constvars, graph.consts):
            a = aval_of_value(c)
            if a.shape != v.aval.shape or a.dtype != v.aval.dtype:
                raise GraphTypeError(f"const for {v} has aval {a}")
        graph = graph.graph
    env: set[int] = set()

    def bind(v: Var, where: str) -> None:
        if not isinstance(v, Var):
            raise GraphTypeError(f"{where}: binder {v!r} is not a Var")
        if id(v) in env:
            raise GraphTypeError(f"{where}: variable {v} assigned twice")
        env.add(id(v))

    def read(a: Atom, where: str) -> None:
        if isinstance(a, Literal):
            if np.shape(a.val) != a.aval.shape and np.ndim(a.val) != 0:
                raise GraphTypeError(f"{where}: literal {a} has wrong shape")
            return
        if id(a) not in env:
            raise GraphTypeError(f"{where}: variable {a} is unbound")

    for v in graph.constvars:
        bind(v, "constvars")
    for v in graph.invars:
        bind(v, "invars")
    for e in graph.eqns:
        where = f"equation {e.prim.name} (id {e.id}, {e.source})"
        for a in e.inputs:
            read(a, where)
        for p in e.params.values():
            for sub in (p if isinstance(p, tuple) else (p,)):
                if isinstance(sub, (Graph, ClosedGraph)):
                    typecheck(sub)
        try:
            expected = e.prim.abstract_eval(*[a.aval for a in e.inputs], **e.params)
        except ShapeError as err:
            raise GraphTypeError(f"{where}: shape rule failed: {err}") from err
        if not e.prim.multiple_results:
            expected = [expected]
        if len(expected) != len(e.outputs):
            raise GraphTypeError(
                f"{where}: {len(e.outputs)} outputs, shape rule gives {len(expected)}")
        for v, want in zip(e.outputs, expected):
            got = v.aval
            if got.shape != want.shape or got.dtype != want.dtype:
                raise GraphTypeError(
                    f"{where}: output {got.str_short()} but shape rule gives "
                    f"{want.str_short()}")
            bind(v, where)
    for a in graph.outvars:
        read(a, "outvars")
