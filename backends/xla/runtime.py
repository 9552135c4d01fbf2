"""Compile StableHLO with the PJRT client in jaxlib and run it.

Every use of jaxlib below its public API lives in this file (DESIGN.md
section 7), so an upgrade touches one place.  Verified with jax/jaxlib 0.10.2:
``client.compile_and_load(module_text, DeviceList, CompileOptions)`` and
``executable.execute_sharded(buffers).disassemble_into_single_device_arrays()``.

It also holds the process's one executable cache: ``executable_for(graph, device)``
is the only path from a graph to something that runs on XLA (``jit`` calls and AOT
``.lower().compile()``, eager ``call`` equations, eager ops on device arrays).

* A graph object is looked up by identity first (held weakly; the key adds the
  device and the donated inputs), so an eager loop that binds the same graph
  (``grad(jit(f))``) only executes.
* Otherwise it is lowered, and the module is looked up by the hash of its text
  (the ``module @name`` line left out) and the device.  The text fixes
  everything the executable depends on: every equation, shape and dtype, the
  donation attributes, constants of sub-graphs, and the ``loc()`` source
  metadata.  So two graphs that differ in any of these never share an
  executable, and the same function traced twice (a fresh ``jit`` object, the
  same graph reached by ``jit`` and by an eager ``call``) shares one; its name
  is only a label.  Top-level consts are arguments, not part of the module:
  graphs that close over different values share the executable, each with
  its own runner.  At most ``MAX_EXECUTABLES`` modules are kept (least
  recently used go first; executables a ``jit`` cache entry holds live on).
* A module seen by neither is compiled, or loaded from the persistent disk
  cache (``set_compilation_cache_dir``).  ``cache_stats()`` counts all of it.
"""
from __future__ import annotations

import functools
import hashlib
import os
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np


@functools.lru_cache(maxsize=None)
def client(platform: str | None = None) -> Any:
    """The PJRT client of ``platform`` (default: the best available, GPU first)."""
    from jax.extend import backend as jeb
    if platform is None:
        for p in ("cuda", "rocm", "tpu", "cpu"):
            try:
                return jeb.get_backend(p)
            except RuntimeError:
                continue
    return jeb.get_backend(platform)


def devices(platform: str | None = None) -> list[Any]:
    return list(client(platform).devices())


def compile(module_text: str, device: Any = None, platform: str | None = None) -> Any:
    """Compile a StableHLO module for one device; returns the loaded executable.

    With a persistent compilation cache configured (``set_compilation_cache_dir``
    or ``GRAPHJIT_COMPILATION_CACHE_DIR``), an executable compiled before, by
    this or another process, is loaded from disk instead of compiled; a
    missing, unreadable or corrupted entry falls back to compiling (and the
    fresh executable is written back).  ``cache_stats()`` counts both.  This
    is the uncached step under ``executable_for``, which graphs go through.
    """
    return _compile(module_text, device, platform)[0]


def _compile(module_text: str, device: Any = None, platform: str | None = None
             ) -> tuple[Any, str]:
    """``compile``, and where the executable came from: ``"compiled"`` or ``"disk"``."""
    from jax._src.lib import xla_client as xc
    c = client(platform) if device is None else device.client
    dev = device if device is not None else c.devices()[0]
    devs = xc.DeviceList((dev,))
    options = xc.CompileOptions()
    # one replica, one partition, on ``dev`` (without it XLA assigns the first device)
    options.device_assignment = xc.DeviceAssignment.create(np.array([[dev.id]]))
    cache_dir = compilation_cache_dir()
    if cache_dir is None:
        _stats["compiles"] += 1
        return c.compile_and_load(module_text, devs, options), "compiled"
    path = os.path.join(cache_dir, _cache_key(module_text, c, dev, options) + ".gjx")
    exe = _load(path, c, devs, options)
    if exe is not None:
        _stats["disk_hits"] += 1
        return exe, "disk"
    _stats["disk_misses"] += 1
    _stats["compiles"] += 1
    exe = c.compile_and_load(module_text, devs, options)
    _store(path, c, exe)
    return exe, "compiled"


# -- the executable cache --------------------------------------------------------

#: how many modules the in-memory executable cache keeps (least recently used go first)
MAX_EXECUTABLES = 4096

# graph object (weakly) -> {(device, donated): Executable}
_BY_GRAPH: weakref.WeakKeyDictionary[Any, dict[tuple, Executable]] = \
    weakref.WeakKeyDictionary()
# (device, sha256 of the module text without its name) -> loaded executable
_MODULES: OrderedDict[tuple[Any, bytes], Any] = OrderedDict()


@dataclass(eq=False)
class Executable:
    """A graph compiled for one device, with what it takes to run it on leaves.

    ``loaded`` is jaxlib's loaded executable (shared by every graph whose module
    has the same text); ``text`` is this graph's module; ``origin`` says how the
    graph's first request got it: ``"compiled"`` (XLA compiled it), ``"disk"``
    (the persistent cache), ``"memory"`` (an equal module compiled before in
    this process).  ``device`` is as requested (None: the default device);
    ``consts`` are the graph's const values, passed ahead of the arguments.
    It holds no reference to the graph (the identity memo is weak on it).
    """

    loaded: Any
    text: str
    origin: str
    device: Any
    consts: tuple
    in_avals: tuple
    out_avals: tuple
    _runners: dict = field(default_factory=dict, repr=False)

    def runner(self, committed: bool | None = None) -> Callable[[Sequence[Any]], list]:
        """Leaves in, ``Array`` results out (see ``_array_runner``); made once per
        ``committed`` (results as ``DeviceArray``s: None decides by the device)."""
        run = self._runners.get(committed)
        if run is None:
            run = self._runners[committed] = _array_runner(self, committed)
        return run


def executable_for(graph: Any, device: Any = None, *, donated: Sequence[int] = (),
                   name: str = "main", module: str | None = None) -> Executable:
    """The executable of ``graph`` (a ``ClosedGraph``) on ``device``: cached, else
    lowered and compiled (or loaded from the disk cache).

    ``donated`` lists input positions whose buffers the executable may reuse;
    ``name`` labels the module (``module @name``); ``module`` is the lowered text
    when the caller has it already (AOT ``.lower().compile()``).

    >>> import numpy as np
    >>> from tracer import make_graph
    >>> exe = executable_for(make_graph(lambda x: x * 2.0)(np.ones(3)))
    >>> np.asarray(exe.runner()([np.arange(3.0)])[0])
    array([0., 2., 4.])
    """
    memo = _BY_GRAPH.get(graph)
    if memo is None:
        memo = _BY_GRAPH[graph] = {}
    key = (device, tuple(donated))
    exe = memo.get(key)
    if exe is not None:
        return exe
    _stats["lookups"] += 1
    if module is None:
        from backends.xla.lower import lower
        module = lower(graph, name=_clean_name(name), donated=key[1])
    head, _, body = module.partition("\n")
    if not head.startswith("module @"):
        body = module
    dev = device if device is not None else client().devices()[0]
    mkey = (dev, hashlib.sha256(body.encode()).digest())
    loaded = _MODULES.get(mkey)
    if loaded is not None:
        _MODULES.move_to_end(mkey)
        _stats["memory_hits"] += 1
        origin = "memory"
    else:
        loaded, origin = _compile(module, device)
        _MODULES[mkey] = loaded
        while len(_MODULES) > MAX_EXECUTABLES:
            _MODULES.popitem(last=False)
    g = graph.graph
    exe = memo[key] = Executable(loaded, module, origin, device, tuple(graph.consts),
                                 tuple(g.in_avals), tuple(g.out_avals))
    return exe


def clear_executable_cache() -> None:
    """Forget every cached executable (``jit`` entries that hold one keep it)."""
    _BY_GRAPH.clear()
    _MODULES.clear()


def _clean_name(name: str) -> str:
    """``name`` as an MLIR symbol (letters, digits, underscores)."""
    return "".join(c if c.isalnum() or c == "_" else "_" for c in name) or "main"


# -- the persistent compilation cache ------------------------------------------

_MAGIC = b"graphjit-xla-executable-v1\n"
_UNSET = object()
_cache_dir_setting: Any = _UNSET
_stats = {"lookups": 0, "memory_hits": 0, "compiles": 0, "disk_hits": 0,
          "disk_misses": 0, "disk_writes": 0, "disk_errors": 0}


def set_compilation_cache_dir(path: str | os.PathLike | None) -> None:
    """Store compiled executables under ``path`` and reuse them across processes.

    ``None`` turns the cache off (overriding ``GRAPHJIT_COMPILATION_CACHE_DIR``).
    """
    global _cache_dir_setting
    _cache_dir_setting = None if path is None else os.fspath(path)


def compilation_cache_dir() -> str | None:
    """The persistent cache directory in effect (the setting, else the env var), or None."""
    if _cache_dir_setting is not _UNSET:
        return _cache_dir_setting
    return os.environ.get("GRAPHJIT_COMPILATION_CACHE_DIR") or None


def cache_stats() -> dict[str, int]:
    """Counters of this process.

    ``lookups``: graphs that ``executable_for`` lowered and looked up by module
    (a graph object seen before is not counted again), each then a
    ``memory_hits`` (an equal module was compiled before in this process), a
    ``disk_hits`` or a ``compiles``; ``compiles``: XLA compiles (``compile``
    called directly included); ``disk_hits`` (loaded instead of compiled),
    ``disk_misses``, ``disk_writes``, ``disk_errors`` (entries that could not
    be read or written; those fall back to compiling).
    """
    return dict(_stats)


def _cache_key(module_text: str, c: Any, dev: Any, options: Any) -> str:
    """Hash of everything the executable depends on: module, platform, device, options."""
    import jaxlib
    h = hashlib.sha256()
    for part in (module_text, c.platform, c.platform_version, dev.device_kind, str(dev.id),
                 getattr(jaxlib, "__version__", ""), os.environ.get("XLA_FLAGS", "")):
        h.update(part.encode())
        h.update(b"\0")
    h.update(options.SerializeAsString())
    return h.hexdigest()


def _load(path: str, c: Any, devs: Any, options: Any) -> Any:
    """The executable stored at ``path``, or None (absent, corrupted, not loadable)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    n = len(_MAGIC)
    payload = data[n + 32:]
    if data[:n] != _MAGIC or hashlib.sha256(payload).digest() != data[n:n + 32]:
        _stats["disk_errors"] += 1  # truncated or corrupted: never hand it to XLA
        return None
    try:
        return c.deserialize_executable(payload, devs, options)
    except Exception:  # noqa: BLE001  (an entry XLA rejects: recompile)
        _stats["disk_errors"] += 1
        return None


def _store(path: str, c: Any, exe: Any) -> None:
    """Write ``exe`` to ``path`` atomically (best effort: a failure only costs a compile)."""
    try:
        payload = bytes(c.serialize_executable(exe))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(_MAGIC + hashlib.sha256(payload).digest() + payload)
        os.replace(tmp, path)
        _stats["disk_writes"] += 1
    except Exception:  # noqa: BLE001  (read-only dir, unserializable executable ...)
        _stats["disk_errors"] += 1


def device_put(x: Any, device: Any = None) -> Any:
    """A device buffer (jaxlib array) holding ``x``, dtype unchanged (float64 stays)."""
    import jax
    with jax.enable_x64(True):
        return jax.device_put(np.asarray(x), device)


def device_put_buffer(buf: Any, device: Any = None) -> Any:
    """A device buffer moved (or copied) to ``device`` without a host round trip."""
    import jax
    return jax.device_put(buf, device if device is not None else client().devices()[0])


def execute(executable: Any, buffers: Sequence[Any]) -> list[Any]:
    """Run on device buffers; returns the output device buffers."""
    res = executable.execute_sharded(list(buffers))
    return [outs[0] for outs in res.disassemble_into_single_device_arrays()]


def run_numpy(executable: Any, args: Sequence[Any], device: Any = None) -> list[np.ndarray]:
    """Convenience for tests: NumPy in, NumPy out."""
    bufs = [device_put(a, device) for a in args]
    return [np.asarray(b) for b in execute(executable, bufs)]


def cost_analysis(executable: Any) -> dict[str, float]:
    """XLA's cost estimate of a compiled executable (``flops``, ``bytes accessed`` ...)."""
    return dict(executable.cost_analysis())


def memory_analysis(executable: Any) -> Any:
    """XLA's memory statistics (argument/output/temp sizes in bytes)."""
    return executable.get_compiled_memory_stats()


def hlo_text(executable: Any) -> str:
    """The optimized HLO of a compiled executable, as text."""
    return "\n\n".join(m.to_string() for m in executable.hlo_modules())


def device_put_many(xs: Sequence[Any], device: Any = None) -> list[Any]:
    """``device_put`` of several values under one x64 scope."""
    import jax
    with jax.enable_x64(True):
        return [jax.device_put(np.asarray(x), device) for x in xs]


def single_putters(avals: Sequence[tuple[tuple[int, ...], np.dtype]],
                   device: Any = None) -> list[Callable[[Any], Any]]:
    """One fast ``device_put`` per input of a fixed signature (the jit call path).

    ``jax.device_put`` spends ~100 us per call on generic dispatch; with the
    aval and sharding precomputed, ``xla_client.batched_device_put`` is a few
    microseconds.  Values must already have the signature's dtypes.
    """
    from jax._src import core
    from jax._src.lib import xla_client as xc
    from jax.sharding import SingleDeviceSharding
    dev = device if device is not None else client().devices()[0]
    sharding = SingleDeviceSharding(dev)
    devs = [dev]
    put = xc.batched_device_put
    asarray = np.asarray

    def putter(shape: tuple[int, ...], dtype: Any) -> Callable[[Any], Any]:
        aval, dt = core.ShapedArray(tuple(shape), np.dtype(dtype)), np.dtype(dtype)
        return lambda x: put(aval, sharding, [asarray(x, dt)], devs, True, enable_x64=True)
    return [putter(s, d) for s, d in avals]


def executor(executable: Any, out_avals: Sequence[tuple[tuple[int, ...], np.dtype]] = None,
             device: Any = None) -> Callable[[list[Any]], list[Any]]:
    """``execute`` bound to one executable: device buffers in, device buffers out.

    With the outputs' ``(shape, dtype)`` known, results are made by jaxlib's C++
    result handlers (``consume_with_handlers``), about 2 us faster per call than
    ``disassemble_into_single_device_arrays``, which builds each output's sharding
    in Python.
    """
    run = executable.execute_sharded
    if out_avals is None or not all(np.dtype(d).kind in "biufc" for _, d in out_avals):
        def call(buffers: list[Any]) -> list[Any]:
            return [outs[0] for outs in run(buffers).disassemble_into_single_device_arrays()]
        return call
    from jax._src import core
    from jax._src.lib import xla_client as xc
    from jax.sharding import SingleDeviceSharding
    sharding = SingleDeviceSharding(device if device is not None else client().devices()[0])
    handlers = [xc.array_result_handler(core.ShapedArray(tuple(s), np.dtype(d)), sharding,
                                        committed=True, _skip_checks=True)
                for s, d in out_avals]

    def call_fast(buffers: list[Any]) -> list[Any]:
        return run(buffers).consume_with_handlers(handlers)
    call_fast.parts = (run, handlers)  # type: ignore[attr-defined]  # to inline the call
    return call_fast


def _array_runner(exe: Executable, committed: bool | None = None
                  ) -> Callable[[Sequence[Any]], list]:
    """Leaves in, ``Array`` results out: the hot path of a cached ``jit`` call (and of
    an eager ``call`` equation or device op).

    An ``Array`` argument is put on the device once: its buffer is kept on it
    (``Array._buf``, default device only), and results keep the buffer they
    view (``np.asarray`` of a CPU buffer is zero-copy), so feeding results back
    in (a training loop) copies nothing.
    """
    from jax.errors import JaxRuntimeError

    from backends.array import Array, DeviceArray
    from backends.xla.eager import committed as _committed
    _buf_of = Array.__dict__["_buf"].__get__   # the slot itself (no ``__getattr__``)
    # results: DeviceArrays (eager ops follow them to the device), or host Arrays
    device = exe.device
    out_type = DeviceArray if (_committed(device) if committed is None else committed) \
        else Array
    consts = device_put_many(exe.consts, device)
    avals = [(a.shape, np.dtype(a.dtype)) for a in exe.in_avals]
    puts = single_putters(avals, device)
    execute = executor(exe.loaded, [(a.shape, a.dtype) for a in exe.out_avals], device)
    parts = getattr(execute, "parts", None)   # (execute_sharded, C++ result handlers)
    asarray, new = np.asarray, object.__new__
    keep = device is None
    # positions where an Array's own buffer can be used as is (same dtype as the input)
    reuse: list[bool] | None = None

    def run(leaves: Sequence[Any]) -> list[Any]:
        nonlocal reuse
        if reuse is None:
            reuse = [keep and _leaf_dtype(x) == dt for x, (_, dt) in zip(leaves, avals)]
        bufs = [*consts]
        for x, put, r in zip(leaves, puts, reuse):
            t = type(x)
            if t is DeviceArray:
                try:
                    bufs.append(_buf_of(x, Array))   # on its device (checked by XLA)
                except AttributeError:
                    x._value   # noqa: B018  (a donated DeviceArray: raises DonatedArrayError)
                    raise
            elif t is not Array:
                bufs.append(put(x))
            elif r:
                try:   # (a donated Array has lost its buffer: ``x._value`` raises)
                    bufs.append(_buf_of(x, Array))
                except AttributeError:
                    b = x._buf = put(x._value)
                    bufs.append(b)
            else:
                bufs.append(put(x._value))
        res = []
        try:
            outs = execute(bufs) if parts is None \
                else parts[0](bufs).consume_with_handlers(parts[1])
        except JaxRuntimeError as e:
            if "is on device" not in str(e):
                raise
            raise _device_mismatch(e, device) from None
        if keep or out_type is DeviceArray:
            # device-resident results: the call returns without waiting for them
            for o in outs:
                a = new(out_type)
                a._buf = o
                res.append(a)
        else:
            for o in outs:
                a = new(Array)
                a._value = asarray(o)
                res.append(a)
        return res
    return run


def _device_mismatch(err: Exception, device: Any) -> Exception:
    from backends.xla.eager import DeviceMismatchError
    from tracer.ir import user_location
    dev = device if device is not None else client().devices()[0]
    return DeviceMismatchError(
        f"an argument is a DeviceArray on another device than the one this executable "
        f"runs on ({dev.platform}:{dev.id}) (at {user_location()}); move it with "
        f"backends.device_put(x, device), or pass device= to jit. ({err})")


def _leaf_dtype(x: Any) -> Any:
    """A leaf's dtype without reading a device-resident Array back to the host."""
    buf = getattr(x, "_buf", None)
    if buf is not None:
        return np.dtype(buf.dtype)
    try:
        return x.dtype
    except AttributeError:   # a Python scalar
        return np.asarray(x).dtype
