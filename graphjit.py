"""graphjit: the one-import facade (``import graphjit as gj``).

Re-exports only; the code lives in ``tracer``, ``transforms`` and ``backends``.
"""
from __future__ import annotations

import backends
import tracer.numpy as numpy
from backends import Array
from tracer import (ClosedGraph, ConcretizationError, EscapedTracerError, Graph,
                    ShapedArray, ShapeError, UnsupportedError, eval_graph, lax, make_graph,
                    named_scope, nn, typecheck)

__version__ = "0.1.0"

__all__ = [
    "Array", "ClosedGraph", "ConcretizationError", "EscapedTracerError", "Graph",
    "ShapeError", "ShapedArray", "UnsupportedError", "backends", "eval_graph", "lax",
    "make_graph", "named_scope", "nn", "numpy", "typecheck",
]
