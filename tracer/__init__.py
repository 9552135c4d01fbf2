"""tracer: the graph IR and how Python code becomes IR.

``make_graph`` records a function into a ``ClosedGraph``; ``eval_graph``
evaluates one in the current context.  ``tracer.numpy`` is the NumPy API,
``tracer.lax`` the low-level ops and structured control flow, ``tracer.nn``
the neural-network helpers.  Nothing here imports ``transforms`` or
``backends`` at module level (DESIGN.md section 2).
"""
from __future__ import annotations

from tracer.errors import (ConcretizationError, DataDependentShapeError, EscapedTracerError,
                           GraphjitError, MissingRuleError, ShapeError, UnsupportedError)
from tracer.ir import (ClosedGraph, Equation, Graph, Literal, ShapedArray, Source, Var,
                       named_scope, pp_graph, typecheck)
from tracer.primitives import Primitive, all_primitives
from tracer.tracing import Tracer, bind, eval_graph, make_graph, make_jaxpr
from tracer.config import config, enable_x64
from tracer import numpy  # noqa: F401  (installs the array methods on Tracer)
from tracer import lax, nn  # noqa: F401

__all__ = [
    "ClosedGraph", "ConcretizationError", "DataDependentShapeError", "Equation",
    "EscapedTracerError", "Graph", "GraphjitError", "Literal", "MissingRuleError",
    "Primitive", "ShapeError", "ShapedArray", "Source", "Tracer", "UnsupportedError", "Var",
    "all_primitives", "bind", "config", "enable_x64", "eval_graph", "lax", "make_graph",
    "make_jaxpr", "named_scope", "nn", "numpy", "pp_graph", "typecheck",
]
