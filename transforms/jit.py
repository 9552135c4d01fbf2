"""``jit``: record a function once per input signature, compile it with XLA, cache it.

The cached call path is the hot path (DESIGN.md section 10): flatten the
arguments, build the key (tree structure, one ``(shape, dtype, weak_type)``
per leaf, static argument values), look it up, ``device_put`` the inputs,
execute, unflatten.  No tracing or lowering happens on a hit.  On a miss the
function is traced and its graph handed to the runtime's one executable cache
(``backends.xla.runtime.executable_for``), which compiles only a module it has
not seen: a new function object with the same code (``jit(lambda ...)`` in a
loop), or the same graph met by another path, traces again but reuses the
executable.

Decisions:

* Python scalars are *weak*: ``f(1.0)`` then ``f(2.0)`` reuse one executable,
  ``f(np.float64(1.0))`` (a strong float64) compiles another, as in JAX.
* Every compile (a new signature: traced, then given an executable) is
  recorded in ``jitted.compile_log`` with its reasons (which argument, by
  pytree path, changed shape / dtype / weak type / static value, relative to
  the most recent compile) and where the executable came from (XLA, the
  disk cache, or the in-memory cache); ``GRAPHJIT_LOG_COMPILES=1`` or
  ``jit(..., log_compiles=True)`` logs one line per compile to the
  ``graphjit.jit`` logger; ``strict=True`` raises ``RecompileError`` instead
  of compiling a second signature.
* Under another transform (``grad``, ``vmap``, ``make_graph``, an outer
  ``jit``) nothing is compiled here: the function's graph is recorded and
  bound as one ``call`` equation (DESIGN.md section 3) holding it const-free
  (closed-over values, possibly outer tracers, become leading operands).
  This module registers ``call``'s rules: jvp (a ``call`` of the tangent
  graph), vjp (the backward pass over the held graph, recomputing the
  forward values it needs, as ``checkpoint`` does), batching (a ``call`` of
  the batched graph); the NumPy backend evaluates the graph, XLA lowers it
  to a ``func.call``.  Eagerly (the forward and backward passes of an eager
  ``grad(jit(f))``) a ``call`` with ``backend='xla'`` runs compiled
  (``backends.xla.calls``, through the same executable cache); the graphs
  are kept per signature (``_inline_cache``, and the memo of derived graphs
  for the tangent, backward and batched ones), so a loop finds their
  executables by identity and only executes.
* Results are ``backends.Array`` values that stay on the device until read:
  the call returns without waiting, an Array passed again reuses its device
  buffer (no copy in a training loop), and ``np.asarray`` of a CPU result is
  a zero-copy view.  On accelerators (or with
  ``backends.set_eager_device_execution("xla")``) they are ``DeviceArray``s,
  and eager ops on them run on their device.
* ``donate_argnums`` (positional arguments, every leaf of each) lets the
  executable reuse those inputs' buffers for outputs of the same shape and
  dtype (``tf.aliasing_output`` on ``@main``'s arguments, as JAX emits); a
  donated ``backends.Array`` is invalidated after the call, and using it
  raises ``DonatedArrayError`` naming the line (NumPy inputs are untouched).
* ``set_compilation_cache_dir(path)`` or ``GRAPHJIT_COMPILATION_CACHE_DIR``
  turns on the persistent compilation cache (``backends.xla.runtime``);
  ``jitted.disk_cache_hits`` counts executables loaded from it.
* ``backend='numpy'`` runs the recorded graph with the NumPy backend (the
  reference interpreter), with the same caching and compile accounting.
"""
from __future__ import annotations

import functools
import inspect
import logging
import os
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
from jax import tree_util

from backends.array import Array, DeviceArray, mark_donated, wrap
from tracer import dtypes
from tracer.errors import GraphjitError
from tracer.ir import ClosedGraph, user_location
from tracer import primitives as P
from tracer.errors import KeyArrayError
from tracer import tracing as _tracing
from tracer.graphs import DERIVED, hoist_consts, memoized
from tracer.ir import Graph
from tracer.tracing import (EAGER, Tracer, _abstractify, bind, eval_graph,
                            make_graph, update_wrapper)
from transforms.jvp import jvp_rules, live_output_rules
from transforms.remat import rematerialize, tangent_graph
from transforms.vjp import backward_pass, vjp_rules
from transforms.vmap import batch_graph, batch_rules

logger = logging.getLogger("graphjit.jit")

# Python scalar type -> dtype in the current mode (dtypes updates this dict in place)
_PY_SCALARS = dtypes.PY_SCALAR_DTYPES

Sig = tuple[tuple[int, ...], np.dtype, bool]

_flatten, _unflatten = tree_util.tree_flatten, tree_util.tree_unflatten


class RecompileError(GraphjitError):
    """A ``jit(..., strict=True)`` function was called with a new input signature."""


@dataclass(frozen=True)
class CompileRecord:
    """One compile of a jitted function: why, for which inputs, and how long it took."""

    reasons: tuple[str, ...]
    signature: str
    seconds: float
    #: where the executable came from: ``"compiled"`` (by XLA), ``"disk"`` (the
    #: persistent cache), ``"memory"`` (an equal graph compiled before in this
    #: process, by any path), ``"numpy"`` (``backend='numpy'``: none)
    executable: str = "compiled"


_buf_of = Array.__dict__["_buf"].__get__   # the slot itself (no ``__getattr__``)


def _leaf_sig(x: Any) -> Sig:
    """``(shape, dtype, weak_type)`` of one argument leaf, cheaply."""
    t = type(x)
    if t is Array or t is DeviceArray:
        try:   # the device buffer first: a device-resident result has no host value yet
            b = _buf_of(x, Array)
        except AttributeError:
            v = x._value   # (a donated Array raises DonatedArrayError here)
            return (v.shape, v.dtype, False)
        return (b.shape, b.dtype, False)
    if t is np.ndarray:
        return (x.shape, x.dtype, False)
    dt = _PY_SCALARS.get(t)
    if dt is not None:
        return ((), dt, True)
    if isinstance(x, np.generic):
        return ((), x.dtype, False)
    try:
        a = _abstractify(x)
    except KeyArrayError:
        raise
    except (TypeError, ValueError):
        a = None
    if a is None or a.dtype.kind == "O":
        raise TypeError(
            f"jit: an argument of type {type(x).__name__} is not an array (nor a pytree of "
            f"arrays); pass it through static_argnums/static_argnames if it is a "
            f"configuration value (at {user_location()})")
    return (a.shape, a.dtype, a.weak_type)


def _buffered_sig(x: Any) -> Sig | None:
    """``_leaf_sig`` of an ``Array`` whose device buffer is kept; None for anything else."""
    t = type(x)
    if t is Array or t is DeviceArray:
        try:
            b = _buf_of(x, Array)
        except AttributeError:
            return None
        return (b.shape, b.dtype, False)
    return None


@functools.lru_cache(maxsize=64)
def _flat_tree(n: int, single: bool = False) -> Any:
    """The pytree structure of ``(args, {})`` for ``n`` array leaves (or of one leaf)."""
    return _flatten(0 if single else (tuple(range(n)), {}))[1]


def _fmt_sig(s: Sig) -> str:
    dims = ",".join(map(str, s[0]))
    return f"{'weak ' if s[2] else ''}{s[1].name}[{dims}]"


@dataclass
class _Entry:
    """One compiled signature: how to run it on flat leaves."""

    run: Callable[[Sequence[Any]], list[Any]]
    out_tree: Any
    graph: ClosedGraph
    executable: Any = None   # backends.xla.runtime.Executable (None: backend='numpy')

    @classmethod
    def of(cls, exe: Any, cg: ClosedGraph, donated: Sequence[int], name: str) -> _Entry:
        """The entry running ``exe`` (a ``runtime.Executable`` of ``cg``)."""
        return cls(_donating(exe.runner(), donated, name), cg.out_tree, cg, exe)

    @property
    def text(self) -> str:
        return "" if self.executable is None else self.executable.text

    def __call__(self, leaves: Sequence[Any]) -> Any:
        return tree_util.tree_unflatten(self.out_tree, self.run(leaves))

    @functools.cached_property
    def single_out(self) -> bool:
        """The function returns one array (not a container of them)."""
        return self.out_tree == _flat_tree(1, single=True)


@dataclass
class _Call:
    """A call's arguments split into static and dynamic parts, with its cache key."""

    dyn_args: tuple
    dyn_kwargs: dict
    statics: tuple
    leaves: list
    tree: Any
    key: tuple
    nums: tuple[int, ...] = field(default=())


class Jitted:
    """The function ``jit`` returns: call it, or use ``.trace``/``.lower`` ahead of time."""

    def __init__(self, fun: Callable, static_argnums: Sequence[int], static_argnames:
                 Sequence[str], donate_argnums: Sequence[int], backend: str | None,
                 device: Any, log_compiles: bool | None, strict: bool):
        if not callable(fun):
            raise TypeError(f"jit: expected a function, got {type(fun).__name__}")
        if backend not in (None, "xla", "numpy"):
            raise ValueError(f"jit: backend must be 'xla' or 'numpy', got {backend!r}")
        self.fun = fun
        self.backend = backend or "xla"
        self.device = device
        self.strict = strict
        self.log_compiles = (os.environ.get("GRAPHJIT_LOG_COMPILES", "") not in ("", "0")
                             if log_compiles is None else log_compiles)
        self.donate_argnums = tuple(_ints(donate_argnums, "donate_argnums"))
        nums = set(_ints(static_argnums, "static_argnums"))
        names = set((static_argnames,) if isinstance(static_argnames, str)
                    else static_argnames)
        self._params: list[str] = []
        try:
            sig = inspect.signature(fun)
            self._params = [p.name for p in sig.parameters.values()
                            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        except (TypeError, ValueError):
            pass
        # static_argnums and static_argnames name the same parameters (as in JAX).
        for i in list(nums):
            if 0 <= i < len(self._params):
                names.add(self._params[i])
        for n in list(names):
            if n in self._params:
                nums.add(self._params.index(n))
        self.static_argnums = tuple(sorted(nums))
        self.static_argnames = tuple(sorted(names))
        self._no_statics = not nums and not names
        self.__name__ = _fun_name(fun)
        update_wrapper(self, fun)
        # The caches belong to the function, not to this object: ``jit(f)(x)`` written
        # inline in a loop compiles once (as in JAX). Per (function, options):
        #   _cache: entries per call key; _flat_cache: the same entries for calls of
        #   positional device-buffered Arrays only, keyed by their signatures alone (no
        #   pytree flattening on the hottest path); _inline_cache: graphs bound as
        #   ``call`` equations under other transforms; compile_log: every compile.
        # ... and per dtype mode (64-bit or JAX's 32-bit: ``dtypes.X64``), since a trace
        # depends on it.
        self._options = (self.static_argnums, self.static_argnames, self.donate_argnums,
                         self.backend, _hashable(device))
        self._mode_caches: dict[bool, tuple] = {}
        self._x64 = not dtypes.X64
        self._sync_mode()
        self._last_key: tuple | None = None
        self._last_paths: list[str] = []

    # -- the call path ---------------------------------------------------------

    #: executables loaded from the persistent compilation cache instead of compiled
    disk_cache_hits: int = 0

    @property
    def num_compiles(self) -> int:
        """How many signatures this function has been compiled for."""
        return len(self.compile_log)

    def _sync_mode(self) -> None:
        """Use the caches of the current dtype mode (``jax_enable_x64``)."""
        m = self._x64 = dtypes.X64
        caches = self._mode_caches.get(m)
        if caches is None:
            caches = self._mode_caches[m] = _function_caches(self.fun, self._options + (m,))
        self._cache, self._flat_cache, self._inline_cache, self.compile_log = caches
        self._last_key = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        m = dtypes.X64
        if m is not self._x64:
            self._sync_mode()
        if not m:   # 32-bit mode: 64-bit inputs canonicalized, as JAX's jit does
            args, kwargs = _narrow_tree((args, kwargs))
        if _tracing._current is not EAGER:
            return self._inline(args, kwargs)
        if self._no_statics:
            if not kwargs:
                entry = self._flat_cache.get(tuple(map(_buffered_sig, args)))
                if entry is not None:
                    out = entry.run(args)
                    return out[0] if entry.single_out else _unflatten(entry.out_tree, out)
            leaves, tree = _flatten((args, kwargs))
            sigs = tuple(map(_leaf_sig, leaves))
            entry = self._cache.get((tree, sigs))
            if entry is not None:
                if not kwargs and len(leaves) == len(args) and None not in map(
                        _buffered_sig, args) and tree == _flat_tree(len(args)):
                    self._flat_cache[sigs] = entry
                return _unflatten(entry.out_tree, entry.run(leaves))
        call = self._split(args, kwargs)
        entry = self._cache.get(call.key)
        if entry is None:
            entry = self._compile(call, args, kwargs)
        return entry(call.leaves)

    def _split(self, args: tuple, kwargs: dict) -> _Call:
        n = len(args)
        nums = tuple(i for i in self.static_argnums if i < n)
        for i in self.static_argnums:
            if i >= n and not (i < len(self._params) and self._params[i] in kwargs):
                raise ValueError(f"jit({self.__name__}): static_argnums={i} but the "
                                 f"function got only {n} positional arguments "
                                 f"(at {user_location()})")
        statics = tuple((i, args[i]) for i in nums) + tuple(
            (k, kwargs[k]) for k in self.static_argnames if k in kwargs)
        for where, v in statics:
            what = self._name_of(where)
            if type(v) is Tracer:
                raise TypeError(
                    f"jit({self.__name__}): static argument {what} is a traced value (an "
                    f"array under a transform); static arguments must be concrete Python "
                    f"values (at {user_location()})")
            try:
                hash(v)
            except TypeError:
                raise TypeError(
                    f"jit({self.__name__}): static argument {what} has unhashable type "
                    f"{type(v).__name__}; static arguments must be hashable (use a tuple "
                    f"instead of a list, or make it a dynamic argument) "
                    f"(at {user_location()})") from None
        dyn_args = tuple(a for i, a in enumerate(args) if i not in nums)
        dyn_kwargs = {k: v for k, v in kwargs.items() if k not in self.static_argnames}
        leaves, tree = tree_util.tree_flatten((dyn_args, dyn_kwargs))
        key = (tree, tuple([_leaf_sig(x) for x in leaves]))
        if statics:
            key = key + (statics,)
        return _Call(dyn_args, dyn_kwargs, statics, leaves, tree, key, nums)

    def _name_of(self, where: int | str) -> str:
        if isinstance(where, str):
            return repr(where)
        if where < len(self._params):
            return f"{where} ({self._params[where]!r})"
        return str(where)

    def _inline(self, args: tuple, kwargs: dict) -> Any:
        """Under another transform: record the graph and bind one ``call`` equation.

        The graph is kept per input signature (as the compiled executables are), so
        an eager ``grad(jit(f))`` loop traces ``f`` once and its ``call`` runs a cached
        executable; graphs that captured an outer transform's tracers are not kept.
        """
        call = self._split(args, kwargs)

        def make() -> tuple:
            cg = make_graph(self.fun, call.nums, self.static_argnames)(*args, **kwargs)
            return (*hoist_consts(cg), cg.out_tree)

        g, consts, out_tree = memoized(self._inline_cache, call.key, make)
        outs = bind(P.call_p, *consts, *call.leaves, graph=g, name=self.__name__,
                    backend=self.backend, device=self.device)
        return tree_util.tree_unflatten(out_tree, outs)

    # -- compiling -----------------------------------------------------------

    def _trace(self, call: _Call, args: tuple, kwargs: dict) -> ClosedGraph:
        return make_graph(self.fun, call.nums, self.static_argnames)(*args, **kwargs)

    def _build(self, cg: ClosedGraph, donated: Sequence[int] = ()) -> _Entry:
        if self.backend == "numpy":
            def run_numpy(leaves: Sequence[Any]) -> list[Any]:
                return [o if isinstance(o, Array) else wrap(np.asarray(o))
                        for o in eval_graph(cg, *leaves)]
            return _Entry(run_numpy, cg.out_tree, cg)
        from backends.xla import runtime
        exe = runtime.executable_for(cg, self.device, donated=donated,
                                     name=_module_name(self.__name__))
        if exe.origin == "disk":
            self.disk_cache_hits += 1
        return _Entry.of(exe, cg, donated, self.__name__)

    def _compile(self, call: _Call, args: tuple, kwargs: dict) -> _Entry:
        paths = self._paths(call)
        reasons = self._reasons(call, paths)
        if self.strict and self._cache:
            raise RecompileError(
                f"jit({self.__name__}, strict=True) would recompile (compile number "
                f"{self.num_compiles + 1}) because " + "; ".join(reasons)
                + f" (at {user_location()})")
        t0 = time.perf_counter()
        entry = self._build(self._trace(call, args, kwargs), self._donated_leaves(call))
        dt = time.perf_counter() - t0
        sig = ", ".join(f"{p}: {_fmt_sig(s)}" for p, s in zip(paths, call.key[1], strict=True))
        if call.statics:
            sig += "".join(f", static {self._name_of(w)}={v!r}" for w, v in call.statics)
        origin = entry.executable.origin if entry.executable is not None else "numpy"
        self.compile_log.append(CompileRecord(tuple(reasons), sig, dt, origin))
        if self.log_compiles:
            logger.warning("graphjit.jit: compiled %s (compile #%d, %.3fs, executable: %s) "
                           "because %s", self.__name__, self.num_compiles, dt, origin,
                           "; ".join(reasons))
        self._cache[call.key] = entry
        self._last_key, self._last_paths = call.key, paths
        return entry

    def _donated_leaves(self, call: _Call) -> tuple[int, ...]:
        """Indices into ``call.leaves`` of the leaves of positional ``donate_argnums``."""
        if not self.donate_argnums:
            return ()
        out, start = [], 0
        dyn_pos = [i for i in range(len(call.dyn_args) + len(call.nums)) if i not in call.nums]
        for i, a in zip(dyn_pos, call.dyn_args, strict=True):
            n = len(tree_util.tree_leaves(a))
            if i in self.donate_argnums:
                out.extend(range(start, start + n))
            start += n
        return tuple(out)

    def _paths(self, call: _Call) -> list[str]:
        dyn_pos = [i for i in range(len(call.dyn_args) + len(call.nums)) if i not in call.nums]
        out = []
        for path, _ in tree_util.tree_flatten_with_path((call.dyn_args, call.dyn_kwargs))[0]:
            head, rest = path[1], path[2:]
            if path[0].idx == 0:
                i = dyn_pos[head.idx]
                name = self._params[i] if i < len(self._params) else f"args[{i}]"
            else:
                name = str(head.key)
            out.append(name + tree_util.keystr(tuple(rest)))
        return out

    def _reasons(self, call: _Call, paths: list[str]) -> list[str]:
        old = self._last_key
        if old is None:
            return ["first call"]
        if old[0] != call.key[0]:
            return [f"the argument structure changed from {old[0]} to {call.key[0]}"]
        reasons = []
        for p, a, b in zip(paths, old[1], call.key[1], strict=True):
            if a[0] != b[0]:
                reasons.append(f"{p} changed shape from {a[0]} to {b[0]}")
            if a[1] != b[1]:
                reasons.append(f"{p} changed dtype from {a[1].name} to {b[1].name}")
            if a[2] != b[2]:
                kinds = ("a strong (NumPy) value", "a weakly typed Python scalar")
                reasons.append(f"{p} changed from {kinds[a[2]]} to {kinds[b[2]]}")
        old_st = dict(old[2]) if len(old) > 2 else {}
        new_st = dict(call.statics)
        for w in sorted(set(old_st) | set(new_st), key=str):
            if w not in old_st or w not in new_st or old_st[w] != new_st[w] or \
                    type(old_st[w]) is not type(new_st[w]):
                reasons.append(f"static argument {self._name_of(w)} changed from "
                               f"{old_st.get(w, '<absent>')!r} to "
                               f"{new_st.get(w, '<absent>')!r}")
        return reasons or ["a signature seen before was evicted"]

    # -- ahead of time ---------------------------------------------------------

    def trace(self, *args: Any, **kwargs: Any) -> Traced:
        """Record for these arguments (abstract values such as ``ShapedArray`` work too).

        >>> import tracer.numpy as tnp
        >>> print(jit(lambda x: tnp.sin(x)).trace(np.ones(2)).graph)  # doctest: +ELLIPSIS
        { lambda ...
        """
        if dtypes.X64 is not self._x64:
            self._sync_mode()
        if not dtypes.X64:
            args, kwargs = _narrow_tree((args, kwargs))
        call = self._split(args, kwargs)
        return Traced(self, self._trace(call, args, kwargs), call)

    def lower(self, *args: Any, **kwargs: Any) -> Lowered:
        """``trace(...).lower()``: the StableHLO module for these arguments."""
        return self.trace(*args, **kwargs).lower()

    def clear_cache(self) -> None:
        """Forget this function's traces and entries, of both dtype modes (the compile
        log stays); a later call traces again, and finds the executable in the runtime's
        cache unless that evicted it (``backends.xla.runtime.clear_executable_cache``)."""
        for cache, flat, inline, _ in self._mode_caches.values():
            cache.clear()
            flat.clear()
            inline.clear()
        self._last_key = None

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        return self if obj is None else functools.partial(self, obj)

    def __repr__(self) -> str:
        return f"<jit({self.__name__})>"


@dataclass
class Traced:
    """The graph ``jit`` records for one input signature."""

    jitted: Jitted
    graph: ClosedGraph
    _call: _Call

    def lower(self) -> Lowered:
        from backends.xla.lower import lower
        text = lower(self.graph, name=_module_name(self.jitted.__name__),
                     donated=self.jitted._donated_leaves(self._call))
        return Lowered(self.jitted, self.graph, self._call, text)


@dataclass
class Lowered:
    """The StableHLO module of one signature; ``.compile()`` it."""

    jitted: Jitted
    graph: ClosedGraph
    _call: _Call
    text: str

    def as_text(self) -> str:
        """The StableHLO module (MLIR text)."""
        return self.text

    def compile(self) -> Compiled:
        """The executable (from the runtime's cache when an equal module was compiled)."""
        from backends.xla import runtime
        j = self.jitted
        donated = j._donated_leaves(self._call)
        exe = runtime.executable_for(self.graph, j.device, donated=donated, module=self.text)
        return Compiled(j, _Entry.of(exe, self.graph, donated, j.__name__), self._call)


@dataclass
class Compiled:
    """A compiled executable for one signature; call it with arguments of that signature."""

    jitted: Jitted
    _entry: _Entry
    _call: _Call

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not dtypes.X64:
            args, kwargs = _narrow_tree((args, kwargs))
        call = self.jitted._split(args, kwargs)
        if call.key != self._call.key:
            raise TypeError(
                f"compiled {self.jitted.__name__}: called with arguments of another "
                f"signature than it was compiled for; use the jitted function, which "
                f"compiles per signature (at {user_location()})")
        return self._entry(call.leaves)

    def as_text(self) -> str:
        """The StableHLO module this was compiled from."""
        return self._entry.text

    def as_hlo_text(self) -> str:
        """XLA's optimized HLO."""
        from backends.xla import runtime
        return runtime.hlo_text(self._entry.executable.loaded)

    def cost_analysis(self) -> dict[str, float]:
        """XLA's cost estimate (``flops``, ``transcendentals``, ``bytes accessed`` ...)."""
        from backends.xla import runtime
        return runtime.cost_analysis(self._entry.executable.loaded)

    def memory_analysis(self) -> Any:
        """XLA's memory statistics (argument, output, temp sizes in bytes)."""
        from backends.xla import runtime
        return runtime.memory_analysis(self._entry.executable.loaded)


def _donating(run: Callable[[Sequence[Any]], list], donated: Sequence[int],
              name: str) -> Callable[[Sequence[Any]], list]:
    """``run``, then invalidate the donated ``Array`` leaves (their buffers were given away)."""
    if not donated:
        return run

    def run_donating(leaves: Sequence[Any]) -> list[Any]:
        outs = run(leaves)
        where = None
        for i in donated:
            x = leaves[i]
            if isinstance(x, Array):
                where = where or f"jit({name}) at {user_location()}"
                mark_donated(x, where)
        return outs
    return run_donating


def set_compilation_cache_dir(path: str | os.PathLike | None) -> None:
    """Turn on (``None``: off) the persistent compilation cache: executables are stored
    under ``path`` and later processes load them instead of compiling.  Same as setting
    ``GRAPHJIT_COMPILATION_CACHE_DIR``."""
    from backends.xla import runtime
    runtime.set_compilation_cache_dir(path)


def compilation_cache_stats() -> dict[str, int]:
    """This process's executable-cache counters (``backends.xla.runtime.cache_stats``):
    ``lookups`` of new graphs, each a ``memory_hits``, ``disk_hits`` or XLA ``compiles``."""
    from backends.xla import runtime
    return runtime.cache_stats()


_FUNCTION_CACHES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _function_caches(fun: Callable, options: tuple) -> tuple[dict, dict, dict, list]:
    """The caches of ``fun`` jitted with ``options``, shared by every ``jit(fun, ...)``.

    Held weakly by the function (they go when it goes). A callable that cannot be
    weakly referenced or hashed gets caches of its own, as does a bound method (a
    new object at every attribute access).
    """
    fresh: tuple[dict, dict, dict, list] = ({}, {}, {}, [])
    try:
        per_fun = _FUNCTION_CACHES.get(fun)
        if per_fun is None:
            per_fun = _FUNCTION_CACHES[fun] = {}
    except TypeError:
        return fresh
    return per_fun.setdefault(options, fresh)


def _narrow_leaf(x: Any) -> Any:
    t = type(x)
    if t is Array or t is DeviceArray:
        if x.dtype in dtypes.NARROW:
            with _tracing.use_context(EAGER):
                return bind(P.convert_element_type_p, x, new_dtype=dtypes.NARROW[x.dtype],
                            weak_type=False)
        return x
    return dtypes.narrow_value(x)


def _narrow_tree(tree: Any) -> Any:
    """32-bit mode: the 64-bit array leaves of ``tree`` as 32-bit ones."""
    return tree_util.tree_map(_narrow_leaf, tree)


def _hashable(x: Any) -> Any:
    try:
        hash(x)
    except TypeError:
        return ("id", id(x))
    return x


def _fun_name(fun: Callable) -> str:
    """A name for any callable: ``functools.partial``s name their function."""
    while isinstance(fun, functools.partial):
        fun = fun.func
    name = getattr(fun, "__name__", None)
    return name if isinstance(name, str) else type(fun).__name__


def _ints(xs: int | Sequence[int], what: str) -> list[int]:
    xs = (xs,) if isinstance(xs, int) else tuple(xs)
    for x in xs:
        if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
            raise TypeError(f"jit: {what} must be ints, got {x!r}")
    return [int(x) for x in xs]


def _module_name(name: str) -> str:
    clean = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return f"jit_{clean or 'fun'}"


def jit(fun: Callable | None = None, *, static_argnums: int | Sequence[int] = (),
        static_argnames: str | Sequence[str] = (), donate_argnums: int | Sequence[int] = (),
        backend: str | None = None, device: Any = None, log_compiles: bool | None = None,
        strict: bool = False) -> Any:
    """Compile ``fun`` with XLA, once per input signature, like ``jax.jit``.

    Usable as ``@jit``, ``@jit(static_argnums=1)`` or ``jit(f, ...)``.
    ``backend='numpy'`` runs the recorded graph on the NumPy backend instead.
    ``jitted.num_compiles`` and ``jitted.compile_log`` say how often and why
    it compiled; ``strict=True`` raises ``RecompileError`` rather than compile
    a second signature.

    >>> import tracer.numpy as tnp
    >>> f = jit(lambda x, y: tnp.sin(x) * y)
    >>> f(np.zeros(3), 2.0)
    Array([0., 0., 0.], dtype=float64)
    >>> f(np.ones(3), 3.0).shape, f.num_compiles
    ((3,), 1)
    """
    def make(f: Callable) -> Jitted:
        nums = (static_argnums,) if isinstance(static_argnums, int) else static_argnums
        return Jitted(f, nums, static_argnames, donate_argnums, backend, device,
                      log_compiles, strict)

    if fun is None:
        return make
    return make(fun)


# ---------------------------------------------------------------------------
# The ``call`` primitive's rules (one module registers into every table, DESIGN.md 5).


def _derived(graph: ClosedGraph, key: tuple, make: Callable[[], tuple]) -> tuple:
    """A graph derived from a held graph, kept per (graph, key) in the toolkit's memo, so
    that an eager loop binds the same graph objects, whose executables are kept."""
    return DERIVED.get(graph, key, make)


def _call_jvp(primals: Sequence[Any], tangents: Sequence[Any], out: Sequence[Any], *,
              graph: ClosedGraph, name: str, backend: str = "xla", device: Any = None,
              live_outputs: Sequence[bool] | None = None) -> list:
    # tangents of the live outputs only: forward mode of what feeds only dead ones
    # (a custom_vjp call whose primal the caller's gradient never reads) may not exist
    nonzeros = [t is not None for t in tangents]
    tg, consts, out_nz = tangent_graph(graph, nonzeros, live_outputs)   # const-free
    t_outs = iter(bind(P.call_p, *consts, *primals,
                       *[t for t in tangents if t is not None], graph=tg, name=f"jvp({name})",
                       backend=backend, device=device))
    return [next(t_outs) if nz else None for nz in out_nz]


def _call_vjp(cts: Sequence[Any], primals: Sequence[Any], out: Sequence[Any],
              needs: Sequence[bool], *, graph: ClosedGraph, name: str, backend: str = "xla",
              device: Any = None) -> list:
    """The backward pass of the held graph as one ``call`` of its backward graph
    ``(*primals, *outs, *nonzero cts) -> nonzero input cotangents`` (compiled when
    run eagerly with the XLA backend; recorded as one equation under a recorder)."""
    g = graph.graph
    ct_avals = tuple(None if c is None else _abstractify(c) for c in cts)
    needs = tuple(bool(n) for n in needs)

    def make() -> tuple:
        n_in, n_out = len(g.invars), len(g.outvars)
        mask: list[bool] = []

        def bwd(*xs: Any) -> list:
            ps, os_, rest = xs[:n_in], xs[n_in:n_in + n_out], iter(xs[n_in + n_out:])
            cs = [None if a is None else next(rest) for a in ct_avals]
            res = backward_pass(g, rematerialize(g, ps, os_, cs, needs), cs, needs)
            mask[:] = [r is not None for r in res]
            return [r for r in res if r is not None]

        avals = [*g.in_avals, *g.out_avals, *[a for a in ct_avals if a is not None]]
        bg, consts = hoist_consts(make_graph(bwd)(*avals))
        # Only the inputs the backward graph reads are passed: no buffers moved for
        # nothing, and no false dependence of the backward call on forward outputs
        # (forward mode over it would otherwise ask for their tangents).
        b = bg.graph
        read = {id(a) for e in b.eqns for a in e.inputs} | {id(v) for v in b.outvars}
        keep = tuple(id(v) in read for v in b.invars)
        nc = len(consts)
        bg = ClosedGraph(Graph(tuple(v for v, k in zip(b.invars, keep, strict=True) if k), b.eqns,
                               b.outvars), ())
        consts = [c for c, k in zip(consts, keep[:nc], strict=True) if k]
        return bg, consts, tuple(mask), keep[nc:]

    bg, consts, mask, keep = _derived(graph, ("vjp", needs, ct_avals), make)
    args = [*primals, *out, *[c for c in cts if c is not None]]
    res = iter(bind(P.call_p, *consts, *[a for a, k in zip(args, keep, strict=True) if k],
                    graph=bg, name=f"transpose({name})", backend=backend, device=device))
    return [next(res) if m else None for m in mask]


def _call_batch(axis_size: int, vals: Sequence[Any], dims: Sequence[int | None], *,
                graph: ClosedGraph, name: str, backend: str = "xla", device: Any = None
                ) -> tuple[list[Any], list[int | None]]:
    def make() -> tuple:
        bg, out_dims = batch_graph(graph, list(dims), axis_size)
        g, consts = hoist_consts(bg)
        return g, consts, tuple(out_dims)

    g, consts, out_dims = _derived(graph, ("vmap", tuple(dims), axis_size), make)
    outs = bind(P.call_p, *consts, *vals, graph=g, name=f"vmap({name})", backend=backend,
                device=device)
    return list(outs), list(out_dims)


jvp_rules[P.call_p] = _call_jvp
live_output_rules.add(P.call_p)
vjp_rules[P.call_p] = _call_vjp
batch_rules[P.call_p] = _call_batch
