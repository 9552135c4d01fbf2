"""graphjit: the one-import facade (``import graphjit as gj``).

Re-exports only; the code lives in ``tracer``, ``transforms`` and ``backends``.
"""
from __future__ import annotations

import sys as _sys

from jax import tree, tree_util

import backends
import tracer.numpy as numpy
from backends import (Array, DeviceArray, default_backend, device_put, devices,
                      set_eager_device_execution)
from tracer import (ClosedGraph, ConcretizationError, EscapedTracerError, Graph,
                    ShapedArray, ShapeError, UnsupportedError, config, enable_x64, eval_graph,
                    lax, make_graph, make_jaxpr, named_scope, nn, typecheck)
from transforms import (checkpoint, checkpoint_policies, custom_jvp, custom_vjp, grad,
                        hessian, jacfwd, jacobian, jacrev, jit, jvp, linearize, remat, test_util,
                        value_and_grad, vjp, vmap)

__version__ = "0.1.0"

# `import graphjit.numpy as tnp` (and .lax, .nn) work like jax.numpy / jax.lax.
# Pytrees are JAX's own: gj.tree_util and gj.tree are jax.tree_util and jax.tree.
for _name, _mod in (("numpy", numpy), ("lax", lax), ("nn", nn), ("test_util", test_util),
                    ("tree_util", tree_util), ("tree", tree)):
    _sys.modules[f"{__name__}.{_name}"] = _mod

__all__ = [
    "Array", "DeviceArray", "default_backend", "device_put", "devices",
    "set_eager_device_execution",
    "ClosedGraph", "ConcretizationError", "EscapedTracerError", "Graph",
    "ShapeError", "ShapedArray", "UnsupportedError", "backends", "config", "enable_x64",
    "eval_graph", "lax",
    "make_graph", "make_jaxpr", "named_scope", "nn", "numpy", "test_util", "tree",
    "tree_util", "typecheck",
    "checkpoint", "checkpoint_policies", "custom_jvp", "custom_vjp", "grad", "hessian",
    "jacfwd", "jacobian", "jacrev", "jit", "jvp", "linearize", "remat", "value_and_grad", "vjp",
    "vmap",
]

# gj.scipy is jax.scipy's counterpart, with its layout: `import graphjit.scipy.special`,
# `from graphjit.scipy.stats import norm` and `gj.scipy.stats.norm.logpdf` all work.
import tracer.scipy as scipy  # noqa: E402

for _name, _mod in list(_sys.modules.items()):
    if (_name == "tracer.scipy" or _name.startswith("tracer.scipy.")) and "._" not in _name:
        _sys.modules[__name__ + _name[len("tracer"):]] = _mod
__all__ += ["scipy"]
