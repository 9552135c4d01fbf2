"""Eager ``call`` equations, compiled.

``jit(f)`` under ``grad``/``jvp``/``vmap`` binds one ``call`` equation holding
``f``'s graph (and the rules bind ``call`` equations of the derived tangent,
backward and batched graphs).  When such an equation reaches the eager context
with ``backend="xla"``, it runs here: the held graph is lowered and compiled once
(executables are kept per graph object, which ``jit`` and the rules reuse per
input signature) and executed like a cached ``jit`` call.  So ``grad(jit(f))``
runs a compiled forward and a compiled backward (DESIGN.md section 3).
"""
from __future__ import annotations

import weakref
from typing import Any, Callable, Sequence

from tracer.ir import ClosedGraph

_RUNNERS: weakref.WeakKeyDictionary[ClosedGraph, dict] = weakref.WeakKeyDictionary()
_stats = {"compiles": 0}


def _module_name(name: str) -> str:
    clean = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return f"call_{clean or 'fun'}"


def _runner(graph: ClosedGraph, name: str, device: Any) -> Callable[[Sequence[Any]], list]:
    per_device = _RUNNERS.get(graph)
    if per_device is None:
        per_device = _RUNNERS[graph] = {}
    run = per_device.get(device)
    if run is None:
        from backends.xla import runtime
        from backends.xla.lower import lower
        exe = runtime.compile(lower(graph, name=_module_name(name)), device)
        _stats["compiles"] += 1
        run = per_device[device] = runtime.array_runner(exe, graph, device)
    return run


def run_call(args: Sequence[Any], params: dict) -> list:
    """Run a ``call`` equation's graph compiled: ``Array`` results (device-resident)."""
    return _runner(params["graph"], params.get("name", "fun"), params.get("device"))(args)


def compile_count() -> int:
    """How many ``call`` graphs were compiled for eager execution (for tests)."""
    return _stats["compiles"]


__all__ = ["compile_count", "run_call"]
