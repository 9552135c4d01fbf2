"""NumPy's index tricks: ``r_``, ``c_``, ``mgrid``, ``ogrid``, ``s_``, ``index_exp``.

``r_``/``c_`` and ``mgrid``/``ogrid`` are NumPy's algorithms (``numpy.lib.
_index_tricks_impl``) written on tnp (``arange``, ``linspace``, ``indices``,
``concatenate``), so they work eagerly and under every transform, and traced
array elements (``r_[x, 0.0]`` inside ``jit``) are recorded like any other
operand.  ``s_`` and ``index_exp`` only build index tuples: they are NumPy's own.

Decisions where NumPy has no exact counterpart:

* A slice's length is the result's shape, so ``start:stop:step`` bounds must be
  concrete; a traced bound raises ``ConcretizationError`` naming the user's
  line.  With a complex step (``start:stop:5j``, a ``linspace``) the length is
  the static step, and ``start``/``stop`` may be traced.
* The matrix directives (``r_['r', ...]``, ``r_['c', ...]``) and the string
  matrix builder (``r_['1 2; 3 4']``) make ``numpy.matrix`` objects, which
  graphjit does not have: they raise ``NotImplementedError``.
* A weakly typed tracer (what a Python scalar argument becomes under ``jit``)
  counts as a Python scalar for dtype promotion, as everywhere in tnp, so
  ``jit(lambda s: r_[x32, s])(2.5)`` is float32 like ``r_[x32, 2.5]``.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from tracer.errors import ConcretizationError
from tracer.ir import user_location
from tracer.numpy._core import array, convert, is_weak, result_type
from tracer.numpy._creation import arange, indices, linspace
from tracer.numpy._shape import broadcast_to, concatenate, stack, swapaxes, transpose

__all__ = ["r_", "c_", "mgrid", "ogrid", "s_", "index_exp"]

s_ = np.s_
index_exp = np.index_exp

# Python and NumPy scalar types (NumPy's ``ScalarType``): taken weakly or as NumPy
# scalars by result_type, not made 1-d arrays first
_SCALAR_TYPES = frozenset(np.ScalarType)


def _at() -> str:
    return f" (at {user_location()})"


def _is_complex_step(step: Any) -> bool:
    return isinstance(step, (complex, np.complexfloating))


def _static_range(fn: str, start: Any, stop: Any, step: Any) -> Any:
    """``arange(start, stop, step)``, with an error naming ``fn`` for traced bounds."""
    try:
        return arange(start, stop, step)
    except ConcretizationError:
        raise ConcretizationError(
            f"tnp.{fn}: the bounds of a slice {start}:{stop}:{step} must be concrete (the "
            f"result's length depends on them), but one is an abstract traced value at "
            f"{user_location()}. Pass them as Python numbers or static arguments "
            "(static_argnums), or give a complex step (start:stop:5j, a linspace of static "
            "length whose start and stop may be traced).") from None


class AxisConcatenator:
    """Translates ``[...]`` of slices, scalars and arrays into a concatenation.

    ``r_`` and ``c_`` are its instances; see ``numpy.r_`` for the full syntax.
    """

    __slots__ = ("axis", "ndmin", "trans1d", "name")

    def __init__(self, axis: int = 0, ndmin: int = 1, trans1d: int = -1,
                 name: str = "r_") -> None:
        self.axis = axis
        self.ndmin = ndmin
        self.trans1d = trans1d
        self.name = name

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            raise NotImplementedError(
                f"tnp.{self.name}[{key!r}]: the string matrix builder makes a numpy.matrix, "
                f"which graphjit does not have{_at()}")
        if not isinstance(key, tuple):
            key = (key,)
        trans1d, ndmin, axis = self.trans1d, self.ndmin, self.axis
        objs: list[Any] = []
        # dtypes, or the scalars themselves so that Python scalars promote weakly
        type_objs: list[Any] = []
        for k, item in enumerate(key):
            scalar = False
            if isinstance(item, slice):
                start = 0 if item.start is None else item.start
                step = 1 if item.step is None else item.step
                if _is_complex_step(step):
                    newobj = linspace(start, item.stop, num=int(abs(step)))
                else:
                    newobj = _static_range(self.name, start, item.stop, step)
                if ndmin > 1:
                    newobj = array(newobj, ndmin=ndmin)
                    if trans1d != -1:
                        newobj = swapaxes(newobj, -1, trans1d)
            elif isinstance(item, str):
                if k != 0:
                    raise ValueError(f"special directives must be the first entry.{_at()}")
                if item in ("r", "c"):
                    raise NotImplementedError(
                        f"tnp.{self.name}[{item!r}, ...]: the matrix directives make a "
                        f"numpy.matrix, which graphjit does not have; use '0,2' (rows) or "
                        f"'1,2,0' (columns) for 2-d arrays{_at()}")
                if "," in item:
                    vec = item.split(",")
                    try:
                        axis, ndmin = (int(x) for x in vec[:2])
                        if len(vec) == 3:
                            trans1d = int(vec[2])
                        continue
                    except Exception:
                        raise ValueError(f"unknown special directive {item!r}{_at()}") from None
                try:
                    axis = int(item)
                    continue
                except (ValueError, TypeError):
                    raise ValueError(f"unknown special directive {item!r}{_at()}") from None
            elif type(item) in _SCALAR_TYPES or is_weak(item):
                scalar = True
                newobj = item
            else:
                item_ndim = array(item).ndim
                newobj = array(item, ndmin=ndmin)
                if trans1d != -1 and item_ndim < ndmin:
                    k2 = ndmin - item_ndim
                    k1 = trans1d
                    if k1 < 0:
                        k1 += k2 + 1
                    defaxes = list(range(ndmin))
                    axes = defaxes[:k1] + defaxes[k2:] + defaxes[k1:k2]
                    newobj = transpose(newobj, axes)
            objs.append(newobj)
            type_objs.append(item if scalar else newobj.dtype)
        if type_objs:
            final_dtype = result_type(*type_objs)
            objs = [array(obj, dtype=final_dtype, ndmin=ndmin) for obj in objs]
        return concatenate(tuple(objs), axis=axis)

    def __len__(self) -> int:
        return 0


class RClass(AxisConcatenator):
    """Like ``numpy.r_``: concatenation along the first axis of slices (``arange``,
    or ``linspace`` for a complex step), scalars and arrays; a leading string
    ``'axis[,ndmin[,trans1d]]'`` changes how.  The matrix directives ``'r'``/``'c'``
    raise ``NotImplementedError``; slice bounds must be concrete (except the
    start/stop of a complex-step slice).

    >>> import tracer.numpy as tnp
    >>> tnp.r_[1:4, 7, tnp.asarray([8.5])].tolist()
    [1.0, 2.0, 3.0, 7.0, 8.5]
    """

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(0, name="r_")


class CClass(AxisConcatenator):
    """Like ``numpy.c_``: ``r_['-1,2,0', ...]``, 1-d operands become columns.

    >>> import tracer.numpy as tnp
    >>> tnp.c_[tnp.asarray([1, 2]), tnp.asarray([3, 4])].tolist()
    [[1, 3], [2, 4]]
    """

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(-1, ndmin=2, trans1d=0, name="c_")


r_ = RClass()
c_ = CClass()


def _slice_length(fn: str, start: Any, stop: Any, step: Any) -> int:
    try:
        return math.ceil((stop - start) / step)
    except ConcretizationError:
        raise ConcretizationError(
            f"tnp.{fn}: the bounds of a slice {start}:{stop}:{step} must be concrete (the "
            f"grid's shape depends on them), but one is an abstract traced value at "
            f"{user_location()}. Pass Python numbers, or give a complex step "
            "(start:stop:5j) whose start and stop may be traced.") from None


class _Grid:
    """NumPy's ``nd_grid``: ``mgrid`` (dense) and ``ogrid`` (open) instances."""

    __slots__ = ("sparse", "name")

    def __init__(self, sparse: bool, name: str) -> None:
        self.sparse = sparse
        self.name = name

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice):
            return self._one(key)
        if not isinstance(key, tuple) or not all(isinstance(k, slice) for k in key):
            raise TypeError(f"tnp.{self.name}[...] takes slices, got {key!r}{_at()}")
        size: list[int] = []
        num_list: list[Any] = [0]
        for kk in key:
            start = 0 if kk.start is None else kk.start
            step = 1 if kk.step is None else kk.step
            if kk.stop is None:
                raise TypeError(f"tnp.{self.name}: every slice needs a stop{_at()}")
            if _is_complex_step(step):
                step = abs(step)
                size.append(int(step))
            else:
                size.append(_slice_length(self.name, start, kk.stop, step))
            num_list += [start, kk.stop, step]
        typ = result_type(*num_list)
        nn = list(indices(size, typ, sparse=True))
        for k, kk in enumerate(key):
            start = 0 if kk.start is None else kk.start
            step = 1 if kk.step is None else kk.step
            if _is_complex_step(step):
                step = int(abs(step))
                if step != 1:
                    step = (kk.stop - start) / float(step - 1)
            nn[k] = nn[k] * step + start
        if self.sparse:
            return tuple(nn)
        # NumPy fills one array of dtype ``typ``: each row is cast to it
        if not nn:
            return indices((), typ)
        return stack([convert(broadcast_to(v, tuple(size)), typ) for v in nn])

    def _one(self, key: slice) -> Any:
        start = 0 if key.start is None else key.start
        step = key.step
        if _is_complex_step(step):
            step_float = abs(step)
            step = length = int(step_float)
            if step != 1:
                step = (key.stop - start) / float(step - 1)
            typ = result_type(start, key.stop, step_float)
            return arange(0, length, 1, dtype=typ) * step + start
        return _static_range(self.name, start, key.stop, 1 if step is None else step)


class MGridClass(_Grid):
    """Like ``numpy.mgrid``: a dense grid, ``mgrid[0:2, 0:3]`` has shape ``(2, 2, 3)``;
    a complex step ``5j`` is a number of points with the stop included.

    >>> import tracer.numpy as tnp
    >>> tnp.mgrid[0:2, 0:3].shape
    (2, 2, 3)
    """

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(False, "mgrid")


class OGridClass(_Grid):
    """Like ``numpy.ogrid``: an open grid, one array per slice, broadcastable together.

    >>> import tracer.numpy as tnp
    >>> [g.shape for g in tnp.ogrid[0:2, 0:3]]
    [(2, 1), (1, 3)]
    """

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(True, "ogrid")


mgrid = MGridClass()
ogrid = OGridClass()
