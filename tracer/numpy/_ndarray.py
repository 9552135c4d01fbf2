"""``tnp.ndarray``: the array type for ``isinstance`` checks and annotations.

As ``jax.numpy.ndarray`` is ``jax.Array``, an abstract base class that JAX's
concrete arrays and its tracers are registered with, ``tnp.ndarray`` is an
abstract base class with graphjit's concrete arrays (``backends.Array`` and
``DeviceArray``, through their base ``ArrayMethods``) and ``Tracer`` registered:
a function checks ``isinstance(x, tnp.ndarray)`` and gets the same answer
eagerly and under every transform.  Registration keeps ``tracer/`` free of
``backends`` imports (DESIGN.md section 2).
"""
from __future__ import annotations

import abc
from typing import Any

from tracer.numpy._methods import ArrayMethods
from tracer.tracing import Tracer

__all__ = ["ndarray"]


class ndarray(abc.ABC):  # noqa: B024 - a virtual base: types are registered, as jax.Array
    """The type of graphjit arrays: ``isinstance(x, tnp.ndarray)`` is True for
    graphjit Arrays (host and device) and for tracers; usable in annotations.

    Unlike ``numpy.ndarray``, and as ``jax.numpy.ndarray`` (``jax.Array``):

    * NumPy arrays are *not* instances (``isinstance(np.zeros(3), tnp.ndarray)``
      is False, as in JAX, which ported code relies on to tell its own arrays
      from host data); nor are ``jax.Array`` values (convert them with
      ``tnp.asarray``).
    * It cannot be called to make an array: use ``tnp.asarray``, ``tnp.zeros`` ...

    >>> import numpy as np
    >>> import tracer.numpy as tnp
    >>> isinstance(tnp.zeros(3), tnp.ndarray), isinstance(np.zeros(3), tnp.ndarray)
    (True, False)
    """

    __slots__ = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("tnp.ndarray cannot be instantiated: make arrays with tnp.asarray, "
                        "tnp.zeros, tnp.empty ... (as with jax.numpy.ndarray)")


ndarray.register(ArrayMethods)
ndarray.register(Tracer)
ndarray.__module__ = "tracer.numpy"
