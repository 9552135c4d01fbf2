"""Tracers, recording contexts, ``bind``, ``make_graph`` and ``eval_graph``.

All computation goes through ``bind(prim, *args, **params)``, which hands it
to the current *context* (DESIGN.md section 3):

* the bottom context is **eager**: it runs the primitive at once on the
  backend that holds the data (``backends/`` registers the executor on first
  use, so this module never imports ``backends``);
* a ``Recorder`` appends an ``Equation`` and returns ``Tracer``s.  An
  *abstract* recorder (``make_graph``, ``jit``, ``vmap``) gives tracers with
  no value; a *forwarding* recorder (``grad``, ``jvp``, ``vjp``) also binds
  every op in its parent context, so its tracers carry the parent's value and
  Python control flow on them works (define-by-run).

A tracer of an enclosing recorder met by an inner recorder is lifted to a
constvar of the inner graph (closure conversion); the outer tracer becomes the
matching entry of ``ClosedGraph.consts`` and is passed back on replay, so
nested transforms never confuse their perturbations.  A tracer used after its
recorder closed raises ``EscapedTracerError`` naming where it was made.
"""
from __future__ import annotations

import functools
import gc
import os
import types
from contextlib import contextmanager
from typing import Any, Callable, Sequence

import numpy as np
from jax import tree_util

from tracer import dtypes
from tracer.errors import (ConcretizationError, EscapedTracerError, GraphjitError, ShapeError,
                           UnsupportedError)
from tracer.ir import (ClosedGraph, Equation, Graph, Literal, Params, ShapedArray, Source,
                       Var, aval_of_value, is_internal_file, strong_aval, user_location,
                       user_source)
from tracer.primitives import Primitive, convert_element_type_p

# ---------------------------------------------------------------------------
# Contexts


class Context:
    parent: Context | None = None
    depth = 0


class EagerContext(Context):
    """Runs primitives at once on the backend holding the data."""

    def bind(self, prim: Primitive, args: Sequence[Any], params: dict) -> Any:
        return eager_backend().bind(prim, args, params)

    def __repr__(self) -> str:
        return "EagerContext()"


EAGER = EagerContext()
_current: Context = EAGER

# -- the eager seam ---------------------------------------------------------------------
#
# The one place where tracer meets the code that runs primitives. A backend package
# registers an object with ``set_eager_backend``; nothing in ``tracer`` imports it. When
# no backend is registered yet, the first eager use loads the one installed under the
# ``graphjit.backends`` entry point (``pyproject.toml``: ``eager = "backends"``), the way
# pytest finds its plugins, so no import runs from ``tracer`` up to ``backends``.


class EagerBackend:
    """What a backend registers with :func:`set_eager_backend` (duck-typed).

    * ``bind(prim, args, params)``: run one primitive now (the eager context's bind);
    * ``binder(prim, nin, **params)``: a function equal to ``bind(prim, *operands,
      **params)`` for ``nin`` host arrays (or NumPy scalars beside one), or None: the
      eager shortcut ``tnp`` keeps per dtype, so a host op costs one call into the
      backend (the caller checked the shape rule; a failure raises ValueError,
      TypeError or IndexError for tnp's general path to explain);
    * ``array_types``: its concrete array types, the host type first (``tnp`` tests
      ``type(x) is array_types[0]`` to take the eager shortcut, then calls ``bind``);
    * ``wrap(value)``: a NumPy array the caller owns as a host array (no copy);
      ``wrap_view(value)``: a user's NumPy array as a read-only host array (no copy);
    * ``device_put(x, device)``, ``devices(platform)``, ``from_dlpack(x, copy)`` (a
      device buffer): placement, for the Array API (``tracer.numpy._array_api``).
    """

    array_types: tuple[type, ...] = ()

    def bind(self, prim: Primitive, args: Sequence[Any], params: dict) -> Any:
        raise NotImplementedError

    def binder(self, prim: Primitive, nin: int, **params: Any) -> Callable[..., Any] | None:
        return None

    def wrap(self, value: np.ndarray) -> Any:
        raise NotImplementedError

    def wrap_view(self, value: np.ndarray) -> Any:
        raise NotImplementedError

    def device_put(self, x: Any, device: Any) -> Any:
        raise NotImplementedError

    def devices(self, platform: str | None = None) -> list[Any]:
        raise NotImplementedError

    def from_dlpack(self, x: Any, copy: bool | None = None) -> Any:
        raise NotImplementedError


_eager_backend: EagerBackend | None = None
#: the registered backend's array types, host type first ([None, None] until one
#: registers); a list updated in place, so ``tnp``'s hot paths can hold it
ARRAY_TYPES: list[Any] = [None, None]


def set_eager_backend(backend: EagerBackend) -> None:
    """Install ``backend`` as what the eager context runs primitives with."""
    global _eager_backend
    _eager_backend = backend
    ARRAY_TYPES[:] = list(backend.array_types) + [None] * (2 - len(backend.array_types))
    EAGER.bind = backend.bind  # type: ignore[method-assign]  # skip one call on the hot path


def eager_backend() -> EagerBackend:
    """The registered eager backend, loaded through its entry point on first use."""
    if _eager_backend is None:
        _load_eager()
    return _eager_backend  # type: ignore[return-value]


def _load_eager() -> None:
    from importlib.metadata import entry_points
    for ep in entry_points(group="graphjit.backends", name="eager"):
        ep.load()   # importing the package registers it (set_eager_backend)
        if _eager_backend is not None:
            return
    raise RuntimeError(
        "graphjit has no eager backend: none is registered and no 'graphjit.backends' "
        "entry point named 'eager' is installed (install the project: pip install -e .)")


# ``custom_jvp`` is a transform (``transforms.custom``); tracer code that defines functions
# with derivative rules (``tracer.scipy``) gets it through this registration, which
# ``transforms`` makes when it loads, instead of importing it.
_custom_jvp_maker: Callable[..., Any] | None = None


def set_custom_jvp_maker(make: Callable[..., Any]) -> None:
    """Installed by ``transforms``: ``make(fun, nondiff_argnums=...)`` -> a custom_jvp."""
    global _custom_jvp_maker
    _custom_jvp_maker = make


def custom_jvp_maker() -> Callable[..., Any] | None:
    """The registered ``custom_jvp`` (None until ``transforms`` is loaded: then nothing
    can differentiate, and a function with a rule runs as its plain definition)."""
    return _custom_jvp_maker


def is_concrete_array(x: Any) -> bool:
    """``x`` is one of the eager backend's arrays (host or device)."""
    t = type(x)
    return t is ARRAY_TYPES[0] or t is ARRAY_TYPES[1]


def wrap_host(value: np.ndarray, view: bool = False) -> Any:
    """``value`` as the eager backend's host array (``view``: a user's array, kept
    read-only and shared; else an array the caller owns, taken as it is)."""
    be = eager_backend()
    return be.wrap_view(value) if view else be.wrap(value)


def current_context() -> Context:
    return _current


@contextmanager
def use_context(ctx: Context):
    """Make ``ctx`` the current context for the duration of the block."""
    global _current
    prev = _current
    _current = ctx
    try:
        yield ctx
    finally:
        _current = prev


# The source the next recorded equations get, when a rewrite replays a graph:
# set by ``eval_graph`` and by transforms (``derived_source``).
_source_override: Source | None = None


@contextmanager
def source_override(src: Source | None):
    global _source_override
    prev = _source_override
    _source_override = src
    try:
        yield
    finally:
        _source_override = prev


def bind(prim: Primitive, *args: Any, **params: Any) -> Any:
    """Apply ``prim`` to ``args`` in the current context."""
    if not dtypes.X64:   # 32-bit mode: NumPy operands and dtype params canonicalized
        args, params = dtypes.narrow_call(args, params)
    return _current.bind(prim, args, params)


def bind_params(prim: Primitive, args: Sequence[Any], params: dict) -> Any:
    if not dtypes.X64:
        args, params = dtypes.narrow_call(tuple(args), params)
    return _current.bind(prim, args, params)


# ---------------------------------------------------------------------------
# Tracers


class Tracer:
    """A value inside a recorder: a graph variable (and, when forwarding, its value)."""

    __slots__ = ("_rec", "_var", "_val", "_src", "__weakref__")
    __array_priority__ = 1000
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, rec: Recorder, var: Var, val: Any = None, src: Source | None = None):
        self._rec = rec
        self._var = var
        self._val = val
        self._src = src

    @property
    def aval(self) -> ShapedArray:
        return self._var.aval

    @property
    def shape(self) -> tuple[int, ...]:
        return self._var.aval.shape

    @property
    def dtype(self) -> np.dtype:
        return self._var.aval.dtype

    @property
    def ndim(self) -> int:
        return len(self._var.aval.shape)

    @property
    def size(self) -> int:
        return self._var.aval.size

    @property
    def weak_type(self) -> bool:
        return self._var.aval.weak_type

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of unsized object (a 0-d traced array)")
        return self.shape[0]

    def __repr__(self) -> str:
        a = self.aval.str_short()
        if self._rec.forwarding:
            return f"Tracer<{a}>(value={self._concrete()!r})"
        return f"Tracer<{a}>"

    # -- concretization ----------------------------------------------------
    def _concrete(self) -> Any:
        """The concrete value behind a forwarding tracer (through all levels)."""
        v = self._val
        while type(v) is Tracer:
            if not v._rec.forwarding:
                return None
            v = v._val
        return v

    def _concretize(self, what: str) -> Any:
        if self._rec.forwarding:
            v = self._concrete()
            if v is not None:
                return np.asarray(v)
        raise ConcretizationError(
            f"{what} of an abstract traced value {self.aval.str_short()} at "
            f"{user_location()}.\nThe function is being recorded abstractly "
            "(make_graph/jit/vmap), so its values are unknown here. Use lax.cond / "
            "lax.while_loop or tnp.where for value-dependent control flow, or mark the "
            "argument static with static_argnums.")

    def __bool__(self) -> bool:
        return bool(self._concretize("Python bool()"))

    def __int__(self) -> int:
        return int(self._concretize("Python int()"))

    def __float__(self) -> float:
        return float(self._concretize("Python float()"))

    def __complex__(self) -> complex:
        return complex(self._concretize("Python complex()"))

    def __index__(self) -> int:
        v = self._concretize("Using as an index (__index__)")
        if v.dtype.kind not in "iub":
            raise TypeError(f"only integer arrays can be used as an index, got {v.dtype}")
        return int(v)

    def item(self) -> Any:
        return self._concretize("item()").item()

    def tolist(self) -> Any:
        return self._concretize("tolist()").tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        v = self._concretize("Converting to a NumPy array (np.asarray)")
        return v.astype(dtype) if dtype is not None else v


def _escaped(t: Tracer, where: str = "") -> EscapedTracerError:
    made = f" It was created at {t._src}." if t._src is not None else ""
    return EscapedTracerError(
        f"A tracer {t.aval.str_short()} was used at {user_location()} after the "
        f"transformation that created it had finished{where}.{made}\nTracers must "
        "not leave the function being transformed (e.g. via a global or a "
        "closure); return the value instead.")


# ---------------------------------------------------------------------------
# Recorders


_SCALAR_TYPES = (float, int, bool, complex)


class Recorder(Context):
    """Records equations into a graph; optionally forwards each op to its parent."""

    def __init__(self, parent: Context, forwarding: bool = False):
        self.parent = parent
        self.depth = parent.depth + 1
        self.forwarding = forwarding
        self.open = True
        self.eqns: list[Equation] = []
        self.invars: list[Var] = []
        self.constvars: list[Var] = []
        self.consts: list[Any] = []
        self._const_ids: dict[int, Var] = {}
        # Forwarding only: the parent-context value of every variable, by id(var).
        # Reverse-mode autodiff reads its residuals here (the tape).
        self.values: dict[int, Any] = {}

    def __repr__(self) -> str:
        kind = "forwarding" if self.forwarding else "abstract"
        return f"Recorder({kind}, depth={self.depth}, {len(self.eqns)} eqns)"

    def new_arg(self, aval: ShapedArray, val: Any = None) -> Tracer:
        if not dtypes.X64:   # 32-bit mode: 64-bit inputs are canonicalized (as in JAX)
            if aval.dtype in dtypes.NARROW:
                aval = ShapedArray(aval.shape, dtypes.NARROW[aval.dtype], aval.weak_type)
            if type(val) is not Tracer and getattr(val, "dtype", None) in dtypes.NARROW:
                val = _narrow_input(val, dtypes.NARROW[val.dtype])
        v = Var(aval)
        self.invars.append(v)
        if self.forwarding:
            self.values[id(v)] = val
        return Tracer(self, v, val, user_source(2))

    def value_of(self, a: Any) -> Any:
        """Parent-context value of an atom of this (forwarding) recorder's graph."""
        if type(a) is Literal:
            return a.val
        return self.values[id(a)]

    def _lift(self, t: Tracer) -> tuple[Var, Any]:
        rec = t._rec
        if not rec.open:
            raise _escaped(t)
        ctx: Context | None = self.parent
        while ctx is not None and ctx is not rec:
            ctx = ctx.parent
        if ctx is None:
            raise _escaped(t, " (it belongs to a transformation that is not active here)")
        v = self._const_ids.get(id(t))
        if v is None:
            v = Var(t.aval)
            self._const_ids[id(t)] = v
            self.constvars.append(v)
            self.consts.append(t)
            if self.forwarding:
                self.values[id(v)] = t
        return v, t

    def const_atom(self, x: Any) -> tuple[Any, Any]:
        """The atom standing for a non-tracer value ``x`` (and x itself)."""
        t = type(x)
        if t in _SCALAR_TYPES:
            return Literal(x, ShapedArray((), dtypes.python_scalar_dtype(x), True)), x
        if isinstance(x, np.generic):
            return Literal(x, ShapedArray((), x.dtype)), x
        v = self._const_ids.get(id(x))
        if v is None:
            aval = aval_of_value(x)
            if aval.shape == () and not aval.weak_type:  # 0-d arrays inline as literals
                v = np.asarray(x)[()]
                return Literal(v, ShapedArray((), v.dtype)), x
            v = Var(aval.strip_weak())
            self._const_ids[id(x)] = v
            self.constvars.append(v)
            self.consts.append(x)
            if self.forwarding:
                self.values[id(v)] = x
        return v, x

    def atom(self, x: Any) -> Any:
        if type(x) is Tracer:
            if x._rec is self:
                return x._var
            return self._lift(x)[0]
        return self.const_atom(x)[0]

    def bind(self, prim: Primitive, args: Sequence[Any], params: dict) -> Any:
        global _current
        if not self.open:
            raise RuntimeError("recorder is closed")
        atoms = []
        pvals = []
        for a in args:
            if type(a) is Tracer:
                if a._rec is self:
                    atoms.append(a._var)
                    pvals.append(a._val)
                    continue
                v, pv = self._lift(a)
            else:
                v, pv = self.const_atom(a)
            atoms.append(v)
            pvals.append(pv)
        src = _source_override or user_source(2)
        multi = prim.multiple_results
        if self.forwarding:
            # Run the op in the parent first: its values give the output avals (the
            # parent checked shapes: the eager backend explains failures with the
            # shape rule, an enclosing recorder runs the rule), so the shape rule is
            # not evaluated twice on the hot path of define-by-run autodiff.
            prev = _current
            _current = self.parent
            try:
                vals = self.parent.bind(prim, pvals, params)
            finally:
                _current = prev
            if not multi:
                vals = (vals,)
            outvars = [Var(_value_aval(x)) for x in vals]
            values = self.values
            for v, x in zip(outvars, vals):
                values[id(v)] = x
        else:
            try:
                out = prim.abstract_eval(*[a.aval for a in atoms], **params)
            except ShapeError as e:
                raise ShapeError(f"{e}\n  (in {prim.name} at {user_location()})") from None
            outvars = [Var(a) for a in (out if multi else (out,))]
            vals = (None,) * len(outvars)
        self.eqns.append(Equation(prim, atoms, outvars, Params(params), src))
        tracers = [Tracer(self, v, x, src) for v, x in zip(outvars, vals)]
        return tracers if multi else tracers[0]

    def to_graph(self, outs: Sequence[Any]) -> ClosedGraph:
        outvars = [self.atom(o) for o in outs]
        g = Graph(self.invars, self.eqns, outvars, self.constvars)
        return ClosedGraph(g, self.consts)


def _narrow_input(x: Any, dtype: np.dtype) -> Any:
    """A concrete transform input converted to ``dtype`` (32-bit mode)."""
    if isinstance(x, (np.ndarray, np.generic)):
        return x.astype(dtype)
    with use_context(EAGER):
        return bind(convert_element_type_p, x, new_dtype=dtype, weak_type=False)


def _value_aval(x: Any) -> ShapedArray:
    """The aval of a value a parent context returned (tracer or concrete array)."""
    if type(x) is Tracer:
        return x._var.aval
    if getattr(type(x), "on_device", False):   # backends.DeviceArray: no host read
        return x.aval
    v = getattr(x, "_value", None)   # backends.Array: read the NumPy buffer directly
    if v is not None:
        return strong_aval(v.shape, v.dtype)
    return aval_of_value(x)


# Allocations between young-generation collections while an outermost recorder is
# open.  Recording allocates several long-lived objects per equation and makes no
# cyclic garbage, so CPython's default (700) spends its passes rescanning the graph
# being built: with it, a 30,000-op trace costs 1.35x per op what a 1,000-op one does.
_GC_YOUNG_WHILE_RECORDING = 20_000


@contextmanager
def new_recorder(forwarding: bool = False):
    """Open a recorder under the current context; it is closed on exit."""
    global _current
    rec = Recorder(_current, forwarding)
    prev = _current
    threshold = None
    if prev is EAGER and gc.isenabled():
        threshold = gc.get_threshold()
        if threshold[0] < _GC_YOUNG_WHILE_RECORDING:
            gc.set_threshold(_GC_YOUNG_WHILE_RECORDING, *threshold[1:])
        else:
            threshold = None   # (already relaxed: by the user, or another thread's trace)
    _current = rec
    try:
        yield rec
    finally:
        _current = prev
        rec.open = False
        if threshold is not None:
            gc.set_threshold(*threshold)


# ---------------------------------------------------------------------------
# make_graph / eval_graph


def _abstractify(x: Any) -> ShapedArray:
    if isinstance(x, ShapedArray):
        return x
    if type(x) is Tracer:
        return x.aval
    if type(x) in _SCALAR_TYPES:
        return ShapedArray((), dtypes.python_scalar_dtype(x), True)
    shape, dtype = getattr(x, "shape", None), getattr(x, "dtype", None)
    if shape is not None and dtype is not None and not isinstance(x, np.ndarray) \
            and not hasattr(x, "__array__"):
        return ShapedArray(shape, dtype)   # e.g. jax.ShapeDtypeStruct
    return aval_of_value(x)


_FILTER_TRACEBACKS = os.environ.get("GRAPHJIT_TRACEBACK_FILTERING", "on") != "off"


def _filter_traceback(tb: types.TracebackType | None) -> types.TracebackType | None:
    """The traceback without graphjit's own frames (the user's frames stay)."""
    frames = []
    while tb is not None:
        if not is_internal_file(tb.tb_frame.f_code.co_filename):
            frames.append((tb.tb_frame, tb.tb_lasti, tb.tb_lineno))
        tb = tb.tb_next
    new = None
    for frame, lasti, lineno in reversed(frames):
        new = types.TracebackType(new, frame, lasti, lineno)
    return new


def wraps(fun: Callable) -> Callable[[Any], Any]:
    """``functools.wraps`` that copies a function's identity and nothing of its state.

    The name, qualname, module, docstring and annotations are copied and
    ``__wrapped__`` is set; ``fun.__dict__`` is *not* merged in. A transformed
    function's wrapper must never carry the wrapped object's own attributes: a
    ``Jitted`` keeps its function and caches in its ``__dict__``, and copying them
    onto ``jit(grad(jitted))`` made the outer ``jit`` run the inner function.
    """
    return functools.wraps(fun, updated=())


def update_wrapper(wrapper: Any, fun: Callable) -> Any:
    """:func:`wraps` for an object that is built around ``fun`` (``Jitted``, ``custom_jvp``)."""
    return functools.update_wrapper(wrapper, fun, updated=())


def api_boundary(fn: Callable) -> Callable:
    """Hide graphjit's internal frames from tracebacks of the errors users see
    (set GRAPHJIT_TRACEBACK_FILTERING=off to keep them)."""
    @wraps(fn)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True  # noqa: F841  (pytest)
        try:
            return fn(*args, **kwargs)
        except GraphjitError as e:
            if not _FILTER_TRACEBACKS:
                raise
            raise e.with_traceback(_filter_traceback(e.__traceback__)) from e.__cause__
    return wrapped


def _split_static(args: tuple, kwargs: dict, static_argnums: Sequence[int],
                  static_argnames: Sequence[str]):
    n = len(args)
    static_argnums = tuple(i % n if -n <= i < 0 else i for i in static_argnums)
    for i in static_argnums:
        if i >= n:
            raise ValueError(f"static_argnums={i} but the function got only {n} "
                             "positional arguments")
    dyn_args = tuple(a for i, a in enumerate(args) if i not in static_argnums)
    dyn_kwargs = {k: v for k, v in kwargs.items() if k not in static_argnames}
    return static_argnums, dyn_args, dyn_kwargs


def make_graph(fun: Callable, static_argnums: int | Sequence[int] = (),
               static_argnames: str | Sequence[str] = ()) -> Callable[..., ClosedGraph]:
    """Record ``fun`` abstractly into a ``ClosedGraph`` (like ``jax.make_jaxpr``).

    >>> import tracer.numpy as tnp
    >>> cg = make_graph(lambda x: tnp.sin(x) * 2.0)(tnp.ones(3))
    >>> [e.prim.name for e in cg.graph.eqns]
    ['sin', 'mul']
    """
    if isinstance(static_argnums, int):
        static_argnums = (static_argnums,)
    if isinstance(static_argnames, str):
        static_argnames = (static_argnames,)

    def make(*args: Any, **kwargs: Any) -> ClosedGraph:
        nums, dyn_args, dyn_kwargs = _split_static(args, kwargs, static_argnums,
                                                   static_argnames)
        leaves, in_tree = tree_util.tree_flatten((dyn_args, dyn_kwargs))
        with new_recorder(forwarding=False) as rec:
            tracers = [rec.new_arg(_abstractify(x)) for x in leaves]
            d_args, d_kwargs = tree_util.tree_unflatten(in_tree, tracers)
            it = iter(d_args)
            full = [args[i] if i in nums else next(it) for i in range(len(args))]
            full_kwargs = {**kwargs, **d_kwargs}
            out = fun(*full, **full_kwargs)
            out_leaves, out_tree = tree_util.tree_flatten(out)
            _check_outputs(out_leaves)
            cg = rec.to_graph(out_leaves)
        return ClosedGraph(cg.graph, cg.consts, in_tree, out_tree)

    make.__name__ = f"make_graph({getattr(fun, '__name__', 'fun')})"
    return api_boundary(make)


def make_jaxpr(fun: Callable, static_argnums: int | Sequence[int] = (), axis_env: Any = None,
               return_shape: bool = False, abstracted_axes: Any = None
               ) -> Callable[..., Any]:
    """``jax.make_jaxpr``'s signature over :func:`make_graph`.

    ``return_shape=True`` also returns the output's pytree of
    ``jax.ShapeDtypeStruct``. Named axes (``axis_env``) and ``abstracted_axes``
    are not supported.

    >>> import tracer.numpy as tnp
    >>> cg, shape = make_jaxpr(lambda x: tnp.sum(x), return_shape=True)(tnp.ones(3))
    >>> shape
    ShapeDtypeStruct(shape=(), dtype=float64)
    """
    if axis_env or abstracted_axes is not None:
        raise UnsupportedError("make_jaxpr: axis_env and abstracted_axes are not supported "
                               f"(at {user_location()})")
    make = make_graph(fun, static_argnums)

    @wraps(fun)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        cg = make(*args, **kwargs)
        if not return_shape:
            return cg
        import jax
        shapes = [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in cg.graph.out_avals]
        return cg, tree_util.tree_unflatten(cg.out_tree, shapes)
    return wrapped


def _check_outputs(leaves: Sequence[Any]) -> None:
    for x in leaves:
        if type(x) is Tracer or type(x) in _SCALAR_TYPES or isinstance(
                x, (np.ndarray, np.generic)) or hasattr(x, "aval"):
            continue
        raise TypeError(f"a transformed function returned a {type(x).__name__}, "
                        "which is not an array; return arrays (or pytrees of arrays)")


def eval_graph(closed: ClosedGraph | Graph, *args: Any,
               consts: Sequence[Any] | None = None) -> list:
    """Evaluate a graph in the current context; returns the list of outputs.

    Eagerly this runs it on the NumPy backend; under a recorder it re-records
    it (each equation keeps its source).
    """
    if isinstance(closed, ClosedGraph):
        graph, consts = closed.graph, closed.consts
    else:
        graph, consts = closed, consts or ()
    if len(args) != len(graph.invars):
        raise TypeError(f"eval_graph: graph takes {len(graph.invars)} arguments, "
                        f"got {len(args)}")
    env: dict[int, Any] = {}
    for v, x in zip(graph.constvars, consts):
        env[id(v)] = x
    for v, x in zip(graph.invars, args):
        env[id(v)] = x

    def read(a: Any) -> Any:
        if type(a) is Literal:
            return a.val
        return env[id(a)]

    global _source_override
    prev = _source_override
    try:
        for e in graph.eqns:
            _source_override = e.source
            out = _current.bind(e.prim, [read(a) for a in e.inputs], e.params)
            if e.prim.multiple_results:
                for v, x in zip(e.outputs, out):
                    env[id(v)] = x
            else:
                env[id(e.outputs[0])] = out
    finally:
        _source_override = prev
    return [read(a) for a in graph.outvars]


def record_forward(fun: Callable, *args: Any, **kwargs: Any) -> tuple[Any, ClosedGraph]:
    """Run ``fun`` under a *forwarding* recorder: ``(outputs, graph of this call)``.

    Every op is recorded and also bound in the enclosing context, so tracers
    carry values and Python control flow on them works; the graph is the
    dynamic (define-by-run) graph of this call.  (Autodiff opens its forwarding
    recorder itself, ``transforms.jvp.record``; this is the tracer-level form, for
    inspecting what a call records.)

    >>> import tracer.numpy as tnp
    >>> out, cg = record_forward(lambda x: tnp.sin(x) if x > 0 else tnp.cos(x), 1.0)
    >>> [e.prim.name for e in cg.graph.eqns]
    ['gt', 'sin']
    """
    leaves, in_tree = tree_util.tree_flatten((args, kwargs))
    with new_recorder(forwarding=True) as rec:
        tracers = [rec.new_arg(_abstractify(x).strip_weak() if type(x) is not Tracer
                               else x.aval, x) for x in leaves]
        a, k = tree_util.tree_unflatten(in_tree, tracers)
        out = fun(*a, **k)
        out_leaves, out_tree = tree_util.tree_flatten(out)
        _check_outputs(out_leaves)
        cg = rec.to_graph(out_leaves)
        values = [o._val if type(o) is Tracer and o._rec is rec else o for o in out_leaves]
    return (tree_util.tree_unflatten(out_tree, values),
            ClosedGraph(cg.graph, cg.consts, in_tree, out_tree))
