"""Eager ``call`` equations, compiled.

``jit(f)`` under ``grad``/``jvp``/``vmap`` binds one ``call`` equation holding
``f``'s graph (and the rules bind ``call`` equations of the derived tangent,
backward and batched graphs).  When such an equation reaches the eager context
with ``backend="xla"``, it runs here, through the runtime's one executable cache
(``runtime.executable_for``): ``jit`` and the rules bind the same graph objects
per input signature, so after the first call the graph is found by identity and
only executed, like a cached ``jit`` call; a graph equal to one compiled before
(``jit(f)``'s own forward graph, say) reuses that executable.  So
``grad(jit(f))`` runs a compiled forward and a compiled backward (DESIGN.md
section 3).
"""
from __future__ import annotations

from typing import Any, Sequence

from backends.xla import runtime


def run_call(args: Sequence[Any], params: dict) -> list:
    """Run a ``call`` equation's graph compiled: ``Array`` results (device-resident)."""
    exe = runtime.executable_for(params["graph"], params.get("device"),
                                 name=f"call_{params.get('name', 'fun')}")
    return exe.runner()(args)


__all__ = ["run_call"]
