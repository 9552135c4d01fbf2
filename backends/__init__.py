"""Backends: things that run graphs.

* ``numpy_backend``: the reference interpreter and eager engine for host data.
* ``xla``: lowering to StableHLO and the PJRT runtime (a later issue).

Importing this package registers the eager executor with ``tracer``.
"""
from __future__ import annotations

from tracer import tracing as _tracing

from backends.array import Array
from backends import numpy_backend
from backends.numpy_backend import impls

_tracing.set_eager_handler(numpy_backend.eager_bind)


def _register_with_tnp() -> None:
    import sys

    from tracer.numpy import _core
    _core._backend = sys.modules[__name__]
    _core._ARRAY[0] = Array
    _core._IMPLS.update(impls)


_register_with_tnp()

__all__ = ["Array", "impls", "numpy_backend"]
