"""Finite differences: ``diff``, ``ediff1d`` and ``gradient``, on primitives.

Each is NumPy 2's algorithm step for step (the same slices, the same
arithmetic in the same order, the same result dtypes), written with static
``slice`` primitives, ``concatenate`` and tnp's ufuncs, so it runs eagerly and
under every transform, and differentiates like ``jax.numpy``'s.

Decisions where NumPy has no exact counterpart:

* ``diff``'s ``prepend``/``append`` default to ``None``, meaning "absent" (as in
  ``jax.numpy``; NumPy's default is a private sentinel, and ``None`` there is an
  object array).  ``n`` must be a static integer.  ``n=0`` returns
  ``asarray(a)`` (NumPy returns ``a`` itself, even a list).
* ``gradient`` with coordinate arrays: NumPy uses the uniform-spacing formula
  when the coordinates are evenly spaced, a test on their values.  graphjit does
  the same for concrete coordinates (NumPy arrays, graphjit Arrays eagerly);
  traced coordinates (``jit`` or ``grad`` arguments) always take the non-uniform
  formula, as ``jax.numpy.gradient`` does: the values agree to rounding, and
  derivatives with respect to the coordinates are JAX's.  Coordinates shorter
  than 2 raise NumPy's "too small" ``ValueError`` (NumPy: ``IndexError``).
  The result for 0-d ``f`` is ``()`` as in NumPy (JAX: ``[]``).
"""
from __future__ import annotations

import operator
from typing import Any, Sequence

import numpy as np

from tracer import dtypes
from tracer import primitives as P
from tracer.ir import user_location
from tracer.numpy._core import asarray, convert, normalize_axes, normalize_axis
from tracer.numpy._elementwise import not_equal, subtract
from tracer.numpy._shape import broadcast_to, concatenate, ravel, reshape
from tracer.tracing import Tracer, bind

__all__ = ["diff", "ediff1d", "gradient"]


def _at() -> str:
    return f" (at {user_location()})"


def _static_int(x: Any, what: str, fn: str) -> int:
    try:
        return operator.index(x)
    except TypeError:
        raise TypeError(f"tnp.{fn}: {what} must be a static integer, got "
                        f"{type(x).__name__}{_at()}") from None


def _sl(x: Any, axis: int, start: int | None, stop: int | None) -> Any:
    """``x[..., start:stop, ...]`` along ``axis``, with Python's slice semantics."""
    n = x.shape[axis]
    lo, hi, _ = slice(start, stop).indices(n)
    hi = max(lo, hi)
    if lo == 0 and hi == n:
        return x
    starts = [0] * x.ndim
    limits = list(x.shape)
    starts[axis], limits[axis] = lo, hi
    return bind(P.slice_p, x, start_indices=tuple(starts), limit_indices=tuple(limits),
                strides=(1,) * x.ndim)


def diff(a: Any, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Any:
    """Like ``numpy.diff``: the ``n``-th discrete difference along ``axis``.

    Booleans differ by ``not_equal`` (NumPy's rule), integers stay integers
    (wrapping as NumPy does).  ``prepend``/``append`` of ``None`` mean absent,
    as in ``jax.numpy.diff``; ``n=0`` returns ``asarray(a)``.

    >>> import tracer.numpy as tnp
    >>> tnp.diff(tnp.asarray([1, 4, 9, 16])).tolist()
    [3, 5, 7]
    """
    n = _static_int(n, "n (the order)", "diff")
    if n == 0:
        return asarray(a)
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}{_at()}")
    x = asarray(a)
    nd = x.ndim
    if nd == 0:
        raise ValueError(f"diff requires input that is at least one dimensional{_at()}")
    ax = normalize_axis(axis, nd)
    combined = []
    for extra, first in ((prepend, True), (append, False)):
        if extra is None:
            continue
        extra = asarray(extra)
        if extra.ndim == 0:
            shape = list(x.shape)
            shape[ax] = 1
            extra = broadcast_to(extra, tuple(shape))
        combined.append((first, extra))
    if combined:
        parts = [e for first, e in combined if first] + [x] \
            + [e for first, e in combined if not first]
        x = concatenate(parts, axis=ax)
    op = not_equal if x.dtype == dtypes.bool_ else subtract
    for _ in range(n):
        x = op(_sl(x, ax, 1, None), _sl(x, ax, None, -1))
        if x.shape[ax] == 0:   # further differences are empty too, of the same dtype
            break
    return x


def _end(value: Any, dtype_req: np.dtype, which: str) -> Any:
    v = asarray(value)
    if not np.can_cast(v.dtype, dtype_req, casting="same_kind"):
        raise TypeError(f"dtype of `{which}` must be compatible with input `ary` under the "
                        f"`same_kind` rule.{_at()}")
    return convert(ravel(v), dtype_req)


def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Any:
    """Like ``numpy.ediff1d``: differences of the flattened array, with optional ends.

    The result has ``ary``'s dtype; ``to_begin``/``to_end`` must cast to it under
    the ``same_kind`` rule (else ``TypeError``, as NumPy).  Booleans raise
    ``TypeError`` (NumPy's ``subtract`` does not take them).

    >>> import tracer.numpy as tnp
    >>> tnp.ediff1d(tnp.asarray([1, 2, 4, 7]), to_begin=-99).tolist()
    [-99, 1, 2, 3]
    """
    x = ravel(asarray(ary))
    dtype_req = x.dtype
    d = subtract(_sl(x, 0, 1, None), _sl(x, 0, None, -1))
    if to_begin is None and to_end is None:
        return d
    parts = []
    if to_begin is not None:
        parts.append(_end(to_begin, dtype_req, "to_begin"))
    parts.append(convert(d, dtype_req))
    if to_end is not None:
        parts.append(_end(to_end, dtype_req, "to_end"))
    return concatenate(parts, axis=0)


def gradient(f: Any, *varargs: Any, axis: int | Sequence[int] | None = None,
             edge_order: int = 1) -> Any:
    """Like ``numpy.gradient``: second-order central differences inside, first- or
    second-order (``edge_order``) one-sided differences at the boundaries.

    ``varargs`` are the spacings as in NumPy: none (unit spacing), one scalar for
    every axis, or one scalar or 1-d coordinate array per axis.  One array is
    returned for one axis, else a tuple.  Integer input gives float64, floats
    keep their dtype.  Traced coordinate arrays always use the non-uniform
    formula (see the module docstring).

    >>> import tracer.numpy as tnp
    >>> tnp.gradient(tnp.asarray([1.0, 2.0, 4.0, 7.0])).tolist()
    [1.0, 1.5, 2.5, 3.0]
    """
    f = asarray(f)
    N = f.ndim
    axes = normalize_axes(axis, N)
    len_axes = len(axes)
    n = len(varargs)
    dx: list[Any]
    if n == 0:
        dx = [1.0] * len_axes
    elif n == 1 and asarray(varargs[0]).ndim == 0:
        dx = list(varargs) * len_axes
    elif n == len_axes:
        dx = list(varargs)
        for i, distances in enumerate(dx):
            d = asarray(distances)
            if d.ndim == 0:
                continue
            if d.ndim != 1:
                raise ValueError(f"distances must be either scalars or 1d{_at()}")
            if d.shape[0] != f.shape[axes[i]]:
                raise ValueError("when 1d, distances must match the length of the "
                                 f"corresponding dimension{_at()}")
            if d.shape[0] < 2:
                raise ValueError("Shape of array too small to calculate a numerical "
                                 "gradient, at least (edge_order + 1) elements are "
                                 f"required.{_at()}")
            fdt = dtypes.canonicalize(dtypes.float64)
            if type(d) is not Tracer:
                # concrete coordinates: NumPy's own steps, and its even-spacing test
                dv = np.asarray(d)
                if dtypes.is_integer(dv.dtype):   # NumPy: no modular arithmetic in diff
                    dv = dv.astype(fdt)
                dv = np.diff(dv)
                dx[i] = dv[0] if (dv == dv[0]).all() else asarray(dv)
                continue
            if dtypes.is_integer(d.dtype):
                d = convert(d, fdt)
            dx[i] = diff(d)
    else:
        raise TypeError(f"invalid number of arguments{_at()}")
    edge_order = _static_int(edge_order, "edge_order", "gradient")
    if edge_order > 2:
        raise ValueError(f"'edge_order' greater than 2 not supported{_at()}")

    otype = f.dtype
    if otype.kind == "b":
        raise TypeError(f"tnp.gradient: boolean input is not supported (NumPy's subtract "
                        f"does not take booleans); convert it with astype first{_at()}")
    if not dtypes.is_inexact(otype):
        otype = dtypes.canonicalize(dtypes.float64)
        f = convert(f, otype)

    outvals = []
    for ax, ax_dx in zip(axes, dx):
        if f.shape[ax] < edge_order + 1:
            raise ValueError("Shape of array too small to calculate a numerical gradient, "
                             f"at least (edge_order + 1) elements are required.{_at()}")
        uniform = getattr(ax_dx, "ndim", 0) == 0

        def s(lo: int | None, hi: int | None, ax: int = ax) -> Any:
            return _sl(f, ax, lo, hi)

        # interior: second-order central differences
        if uniform:
            inner = (s(2, None) - s(None, -2)) / (2. * ax_dx)
        else:
            dx1 = ax_dx[0:-1]
            dx2 = ax_dx[1:]
            a = -(dx2) / (dx1 * (dx1 + dx2))
            b = (dx2 - dx1) / (dx1 * dx2)
            c = dx1 / (dx2 * (dx1 + dx2))
            shape = [1] * N
            shape[ax] = -1
            a, b, c = (reshape(v, tuple(shape)) for v in (a, b, c))
            inner = a * s(None, -2) + b * s(1, -1) + c * s(2, None)
        # edges
        if edge_order == 1:
            dx_0 = ax_dx if uniform else ax_dx[0]
            first = (s(1, 2) - s(0, 1)) / dx_0
            dx_n = ax_dx if uniform else ax_dx[-1]
            last = (s(-1, None) - s(-2, -1)) / dx_n
        else:
            if uniform:
                a, b, c = -1.5 / ax_dx, 2. / ax_dx, -0.5 / ax_dx
            else:
                dx1, dx2 = ax_dx[0], ax_dx[1]
                a = -(2. * dx1 + dx2) / (dx1 * (dx1 + dx2))
                b = (dx1 + dx2) / (dx1 * dx2)
                c = - dx1 / (dx2 * (dx1 + dx2))
            first = a * s(0, 1) + b * s(1, 2) + c * s(2, 3)
            if uniform:
                a, b, c = 0.5 / ax_dx, -2. / ax_dx, 1.5 / ax_dx
            else:
                dx1, dx2 = ax_dx[-2], ax_dx[-1]
                a = (dx2) / (dx1 * (dx1 + dx2))
                b = - (dx2 + dx1) / (dx1 * dx2)
                c = (2. * dx2 + dx1) / (dx2 * (dx1 + dx2))
            last = a * s(-3, -2) + b * s(-2, -1) + c * s(-1, None)
        # NumPy assigns each piece into an array of dtype otype: cast each alike
        pieces = [convert(asarray(p), otype) for p in (first, inner, last)]
        outvals.append(concatenate(pieces, axis=ax))
    if len_axes == 1:
        return outvals[0]
    return tuple(outvals)

