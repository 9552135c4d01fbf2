"""``tnp.float32``, ``tnp.int64``, ...: dtype objects that also convert traced values.

NumPy's scalar types (``np.float64``) are dtypes *and* constructors, but as
constructors they make a NumPy scalar, so ``np.float64(x)`` on a tracer
concretizes it: under ``grad`` the value loses its derivative, under
``jit``/``make_graph`` it raises.  ``tnp``'s scalar types are instead, as
``jax.numpy``'s (``_ScalarMeta``), classes whose call is
``tnp.asarray(x, dtype)``: a 0-d (or n-d) graphjit array, a recorded
``convert_element_type`` on a tracer (none when the dtype already matches),
so ``grad(lambda x: tnp.float64(x) * 2.)(1.5)`` is ``2.0``.

Everywhere NumPy accepts a dtype they work as the NumPy scalar type they
stand for: ``np.dtype(tnp.float32)`` (through the ``dtype`` attribute and the
``__numpy_dtype__`` protocol), ``dtype=tnp.int32``, ``x.astype(tnp.float32)``,
``np.issubdtype``, ``tnp.finfo``, ``x.dtype == tnp.float32`` and
``tnp.float32 == np.float32`` (equal, with equal hashes, so they are the same
dictionary key), ``isinstance(np.float32(1), tnp.float32)``.

Decision: eagerly the call returns a graphjit ``Array`` (as JAX returns a
``jax.Array``), not a NumPy scalar; ``tnp.float64()`` with no argument is
``0`` of that dtype, as NumPy's.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from tracer.numpy._core import asarray


class _ScalarMeta(type):
    """The metaclass of ``tnp``'s scalar types: a dtype that converts when called."""

    dtype: np.dtype

    @property
    def __numpy_dtype__(cls) -> np.dtype:
        # NumPy >= 2.4's protocol for "this object stands for a dtype"
        return cls.dtype

    def __hash__(cls) -> int:
        return hash(cls.dtype.type)

    def __eq__(cls, other: Any) -> bool:
        return cls is other or cls.dtype.type == other

    def __ne__(cls, other: Any) -> bool:
        return not cls == other

    def __call__(cls, x: Any = 0) -> Any:
        return asarray(x, dtype=cls.dtype)

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, cls.dtype.type)

    def __repr__(cls) -> str:
        return f"<class 'tracer.numpy.{cls.__name__}'>"


def make_scalar_type(np_type: Any) -> _ScalarMeta:
    """The ``tnp`` scalar type standing for NumPy's ``np_type``.

    >>> f32 = make_scalar_type(np.float32)
    >>> np.dtype(f32), f32 == np.float32, f32(1.5).dtype
    (dtype('float32'), True, dtype('float32'))
    """
    dt = np.dtype(np_type)
    name = dt.type.__name__
    doc = (f"The scalar type {name}: a dtype, and a constructor like ``jax.numpy.{name}``: "
           f"``{name}(x)`` is ``tnp.asarray(x, dtype={name})`` (a tracer stays traced).")
    cls = _ScalarMeta(name, (object,), {"dtype": dt, "__doc__": doc})
    cls.__module__ = "tracer.numpy"
    return cls
