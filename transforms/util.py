"""Small helpers shared by the transforms: avals, zeros, sums of (co)tangents,
un-broadcasting.

Length-checked zips are the builtin ``zip(..., strict=True)`` (graph plumbing lives in
``tracer.graphs``).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from tracer import dtypes
from tracer import primitives as P
from tracer.ir import ShapedArray, host_array
from tracer.tracing import bind


def aval(x: Any) -> ShapedArray:
    """The aval of ``x`` as a transform sees it (in 32-bit mode: canonicalized, as
    ``Recorder.new_arg`` and ``bind`` make 64-bit inputs 32-bit)."""
    a = getattr(x, "aval", None)
    if not isinstance(a, ShapedArray):   # (tracers and graphjit Arrays have one)
        if type(x) in (bool, int, float, complex):
            return ShapedArray((), dtypes.python_scalar_dtype(x), True)
        x = host_array(x)
        a = ShapedArray(x.shape, x.dtype)
    if not dtypes.X64 and a.dtype in dtypes.NARROW:
        return ShapedArray(a.shape, dtypes.NARROW[a.dtype], a.weak_type)
    return a


def zeros(a: ShapedArray) -> Any:
    """Zeros of an aval, as a broadcast of a scalar literal (cheap in graphs)."""
    return bind(P.broadcast_in_dim_p, np.zeros((), a.dtype)[()], shape=tuple(a.shape),
                broadcast_dimensions=())


def instantiate(t: Any, a: ShapedArray) -> Any:
    """A symbolic zero (None) becomes real zeros; anything else is returned."""
    return zeros(a) if t is None else t


def add_any(x: Any, y: Any) -> Any:
    """Sum of two tangents/cotangents of one aval; None is zero."""
    if x is None:
        return y
    if y is None:
        return x
    return bind(P.add_p, x, y)


def unbroadcast(ct: Any, shape: Sequence[int]) -> Any:
    """Sum ``ct`` down to ``shape`` (the transpose of NumPy broadcasting)."""
    shape = tuple(shape)
    cshape = tuple(ct.shape)
    if cshape == shape:
        return ct
    lead = len(cshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, d in enumerate(shape) if d == 1 and cshape[lead + i] != 1)
    out = bind(P.reduce_sum_p, ct, axes=axes) if axes else ct
    if tuple(out.shape) != shape:
        out = bind(P.reshape_p, out, new_sizes=shape)
    return out


def float0_zeros(a: ShapedArray) -> np.ndarray:
    """JAX's float0 zeros: the cotangent/tangent type of integer and bool inputs."""
    from jax import dtypes as jdt
    return np.zeros(a.shape, dtype=jdt.float0)


def is_float0(x: Any) -> bool:
    dt = getattr(x, "dtype", None)
    if dt is None:
        return False
    from jax import dtypes as jdt
    return np.dtype(dt) == jdt.float0
