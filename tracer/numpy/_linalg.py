"""Products and contractions of ``tnp``: dot, matmul, einsum, tensordot, norms ...

Every contraction here becomes **one** ``dot_general`` equation per pair of
operands (with batch and contracting dimensions), plus the transposes,
reshapes, diagonal slices and ``reduce_sum``\\ s needed around it; nothing
computes on values with raw NumPy (NumPy only does static shape arithmetic).

Decisions (where NumPy leaves room):

* All products go through one labelled-contraction core, ``_contract``:
  ``matmul``, ``vecdot``, ``matvec`` and ``vecmat`` are einsums with ellipsis
  batch labels.  Broadcast batch dimensions are **never materialized**: a
  size-1 batch dimension is reshaped away on its side and the other side's
  dimension becomes a free dimension of the ``dot_general``, so
  ``(B, T, n) @ (n, m)`` is a single ``dot_general`` with no batch dims and no
  ``broadcast_in_dim``.
* ``einsum`` parses its subscripts itself (``...`` ellipsis, implicit output,
  repeated labels, the interleaved operand/sub-list form).  A label repeated in
  one operand takes the diagonal with a strided ``slice`` of the flattened
  repeated axes (exact, O(n), differentiable by the usual slice rule); a label
  present in one operand only and absent from the output is summed at once.
  More than two operands are contracted pairwise, greedily: the next pair is
  the one sharing a label whose result is smallest (ties: leftmost), as
  ``opt_einsum``'s greedy path does.  ``optimize=`` is accepted and ignored.
* Result dtypes are NumPy's (``result_type`` of the operands: int stays int,
  bool products are bool).  Shape mismatches raise ``ShapeError`` naming the
  user's line; bad arguments raise ``ValueError``/``AxisError`` as NumPy does.
* ``linalg.norm`` supports every vector order and the matrix orders
  ``None``/``'fro'``/``1``/``-1``/``inf``/``-inf``; ``2``, ``-2`` and
  ``'nuc'`` need singular values and raise ``UnsupportedError`` until the
  decompositions land.
* ``dot``, ``vdot``, ``inner``, ``tensordot``, ``matmul``, ``vecdot`` and
  ``einsum`` take jax.numpy's keywords ``precision`` (stored on every
  ``dot_general`` they make, see ``tracer.lax``; a pair applies to each
  ``dot_general``'s (lhs, rhs) as in jax.numpy, even where the contraction
  order swaps the operands) and
  ``preferred_element_type`` (the result's dtype: the operands are widened to
  hold it, the product accumulates in the wider type, then is cast to it).
* ``cross`` keeps NumPy 2's deprecated 2-vector forms (z taken as 0) but does
  not emit NumPy's ``DeprecationWarning``.
"""
from __future__ import annotations

import math
from typing import Any, Hashable, Sequence

import numpy as np

from tracer import dtypes
from tracer import primitives as P
from tracer.errors import ShapeError, UnsupportedError
from tracer.ir import user_location
from tracer.numpy._core import (asarray, convert, host_binder, is_array, is_host,
                               normalize_axis, promote_types, reshape_raw, result_type)
from tracer.tracing import Tracer, bind

__all__ = [
    "dot", "vdot", "matmul", "inner", "outer", "tensordot", "einsum", "kron", "cross",
    "vecdot", "matvec", "vecmat",
]

Label = Hashable


# ---------------------------------------------------------------------------
# Small structural helpers (bind only)


def _transpose(x: Any, perm: Sequence[int]) -> Any:
    perm = tuple(perm)
    if perm == tuple(range(len(perm))):
        return x
    return bind(P.transpose_p, x, permutation=perm)


def _sum(x: Any, axes: Sequence[int]) -> Any:
    axes = tuple(sorted(axes))
    if not axes:
        return x
    return bind(P.reduce_sum_p, x, axes=axes)


def _promote(*xs: Any, dtype: Any = None) -> list[Any]:
    """Operands as arrays of one dtype: NumPy's result type (or ``dtype``)."""
    if dtype is None and len(xs) == 2:   # the common case: two strong arrays of one dtype
        a, b = xs
        if (type(a) is Tracer or is_array(a)) and (type(b) is Tracer or is_array(b)) \
                and not a.weak_type and not b.weak_type and a.dtype == b.dtype:
            return [a, b]
    # NumPy's contractions take ``asarray`` of their operands: a Python scalar (or the weak
    # tracer standing for one under jit) promotes as a strong array (dot(f16, 3) is float64)
    xs = tuple(asarray(x) for x in xs)
    dt = result_type(*xs) if dtype is None else dtypes.canonicalize(dtype)
    return [convert(x, dt) for x in xs]


def _keep_shape(shape: Sequence[int], axes: Sequence[int]) -> tuple[int, ...]:
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def _component(x: Any, i: int) -> Any:
    """``x[..., i]`` (static ``i``) via slice + reshape."""
    n = x.ndim
    start = (0,) * (n - 1) + (i,)
    limit = tuple(x.shape[:-1]) + (i + 1,)
    s = bind(P.slice_p, x, start_indices=start, limit_indices=limit, strides=None)
    return reshape_raw(s, x.shape[:-1])


def _moveaxis_last(x: Any, axis: int) -> Any:
    perm = [i for i in range(x.ndim) if i != axis] + [axis]
    return _transpose(x, perm)


# ---------------------------------------------------------------------------
# The labelled-contraction core


def _diagonal(x: Any, labels: list[Label]) -> tuple[Any, list[Label]]:
    """Collapse labels repeated within one operand to their diagonal."""
    while True:
        rep = next((lab for lab in labels if labels.count(lab) > 1), None)
        if rep is None:
            return x, labels
        pos = [i for i, lab in enumerate(labels) if lab == rep]
        n = x.shape[pos[0]]  # equal sizes: checked by _contract
        k = len(pos)
        rest = [i for i in range(x.ndim) if i not in pos]
        x = _transpose(x, rest + pos)
        lead = [x.shape[i] for i in range(len(rest))]
        x = reshape_raw(x, lead + [n ** k])
        # Element (j, j, ..., j) of the flattened axes sits at j * (1 + n + ... + n^(k-1)).
        stride = sum(n ** j for j in range(k))
        x = bind(P.slice_p, x, start_indices=(0,) * (len(lead) + 1),
                 limit_indices=tuple(lead) + (n ** k,), strides=(1,) * len(lead) + (stride,))
        labels = [labels[i] for i in rest] + [rep]


def _pair(a: Any, la: list[Label], b: Any, lb: list[Label], keep: set[Label],
          out_order: Sequence[Label] | None, precision: Any = None) -> tuple[Any, list[Label]]:
    """Contract two operands with one ``dot_general``; returns (result, labels).

    ``keep``: labels needed later (output or other operands).  ``out_order``
    (the final output, for the last pair) orders the batch labels and picks
    the operand order that makes the result need no transpose, when possible.
    """
    only_a = [i for i, lab in enumerate(la) if lab not in lb and lab not in keep]
    if only_a:
        a = _sum(a, only_a)
        la = [lab for i, lab in enumerate(la) if i not in only_a]
    only_b = [i for i, lab in enumerate(lb) if lab not in la and lab not in keep]
    if only_b:
        b = _sum(b, only_b)
        lb = [lab for i, lab in enumerate(lb) if i not in only_b]
    batch = [lab for lab in la if lab in lb and lab in keep]
    contract = [lab for lab in la if lab in lb and lab not in keep]
    if out_order is not None:
        batch.sort(key=list(out_order).index)
        free_a = [lab for lab in la if lab not in lb]
        free_b = [lab for lab in lb if lab not in la]
        if list(out_order) == batch + free_b + free_a and free_a and free_b:
            a, la, b, lb = b, lb, a, la
    dn = ((tuple(la.index(lab) for lab in contract), tuple(lb.index(lab) for lab in contract)),
          (tuple(la.index(lab) for lab in batch), tuple(lb.index(lab) for lab in batch)))
    out = bind(P.dot_general_p, a, b, dimension_numbers=dn, precision=precision,
               preferred_element_type=None)
    labels = batch + [lab for lab in la if lab not in lb] + [lab for lab in lb if lab not in la]
    return out, labels


def _label_str(lab: Label) -> str:
    if isinstance(lab, tuple):
        return "..."
    return str(lab)


def _contract(operands: Sequence[Any], in_labels: Sequence[Sequence[Label]],
              out_labels: Sequence[Label], name: str = "einsum", precision: Any = None) -> Any:
    """Contract ``operands`` (one dtype) labelled ``in_labels`` into ``out_labels``.

    Labels are hashables; a label of size 1 broadcasts against the same label
    of another size (NumPy's einsum/matmul broadcasting).
    """
    ops = list(operands)
    labs = [list(ls) for ls in in_labels]
    out_labels = list(out_labels)
    for x, ls in zip(ops, labs):
        if len(ls) != x.ndim:
            raise ShapeError(f"{name}: operand has {x.ndim} dimensions but {len(ls)} "
                             f"subscripts (at {user_location()})")
    for k, (x, ls) in enumerate(zip(ops, labs)):
        for lab in set(ls):
            pos = [i for i, m in enumerate(ls) if m == lab]
            if len({x.shape[i] for i in pos}) > 1:
                raise ShapeError(
                    f"{name}: dimensions in operand {k} for collapsing index "
                    f"'{_label_str(lab)}' don't match "
                    f"({' != '.join(str(x.shape[i]) for i in pos)}) (at {user_location()})")
    # Sizes of every label, broadcasting size-1 dimensions.
    size: dict[Label, int] = {}
    for x, ls in zip(ops, labs):
        for d, lab in zip(x.shape, ls):
            s = size.get(lab)
            if s is None or s == 1:
                size[lab] = d
            elif d != 1 and d != s:
                shapes = ", ".join(str(tuple(o.shape)) for o in ops)
                raise ShapeError(
                    f"{name}: operands could not be broadcast together: size {d} and size "
                    f"{s} for subscript '{_label_str(lab)}' (operand shapes {shapes}) "
                    f"(at {user_location()})")
    for lab in out_labels:
        if lab not in size:
            raise ValueError(f"{name}: output subscript '{_label_str(lab)}' appears in no "
                             f"input (at {user_location()})")
    # Diagonals, then reshape away size-1 dimensions that broadcast.
    for k in range(len(ops)):
        ops[k], labs[k] = _diagonal(ops[k], labs[k])
        x, ls = ops[k], labs[k]
        drop = [i for i, lab in enumerate(ls) if x.shape[i] == 1 and size[lab] != 1]
        if drop:
            ops[k] = reshape_raw(x, [d for i, d in enumerate(x.shape) if i not in drop])
            labs[k] = [lab for i, lab in enumerate(ls) if i not in drop]
    # Sum labels that no other operand and not the output needs.
    out_set = set(out_labels)
    for k in range(len(ops)):
        others = set().union(*(set(ls) for j, ls in enumerate(labs) if j != k))
        axes = [i for i, lab in enumerate(labs[k]) if lab not in out_set and lab not in others]
        if axes:
            ops[k] = _sum(ops[k], axes)
            labs[k] = [lab for i, lab in enumerate(labs[k]) if i not in axes]
    # Pairwise contraction, greedily.
    while len(ops) > 1:
        if len(ops) == 2:
            i, j = 0, 1
        else:
            best = None
            for i0 in range(len(ops)):
                for j0 in range(i0 + 1, len(ops)):
                    shared = bool(set(labs[i0]) & set(labs[j0]))
                    keep0 = out_set.union(*(set(ls) for m, ls in enumerate(labs)
                                            if m not in (i0, j0)))
                    res = (set(labs[i0]) | set(labs[j0])) & keep0
                    cost = math.prod(size[lab] for lab in res)
                    key = (not shared, cost, i0, j0)
                    if best is None or key < best:
                        best = key
            i, j = best[2], best[3]
        keep = out_set.union(*(set(ls) for m, ls in enumerate(labs) if m not in (i, j)))
        last = len(ops) == 2
        r, rl = _pair(ops[i], labs[i], ops[j], labs[j], keep, out_labels if last else None,
                      precision)
        ops = [o for m, o in enumerate(ops) if m not in (i, j)] + [r]
        labs = [ls for m, ls in enumerate(labs) if m not in (i, j)] + [rl]
    x, ls = ops[0], labs[0]
    extra = [i for i, lab in enumerate(ls) if lab not in out_set]
    if extra:
        x = _sum(x, extra)
        ls = [lab for i, lab in enumerate(ls) if i not in extra]
    return _transpose(x, [ls.index(lab) for lab in out_labels])


# ---------------------------------------------------------------------------
# dot, vdot, inner, outer, tensordot


def _dg(a: Any, b: Any, lc: Sequence[int], rc: Sequence[int], precision: Any = None) -> Any:
    return bind(P.dot_general_p, a, b, dimension_numbers=((tuple(lc), tuple(rc)), ((), ())),
                precision=precision, preferred_element_type=None)


def _pet(preferred_element_type: Any) -> np.dtype | None:
    return None if preferred_element_type is None else dtypes.canonicalize(
        preferred_element_type)


def _widen(xs: Sequence[Any], pet: np.dtype | None) -> list[Any]:
    """Operands of one dtype, widened to hold ``preferred_element_type`` (jax.numpy's
    keyword): the product accumulates in the wider of the two, then ``_narrow`` casts."""
    if pet is None:
        return list(xs)
    cdt = promote_types(xs[0].dtype, pet)
    return [convert(x, cdt) for x in xs]


def _narrow(r: Any, pet: np.dtype | None) -> Any:
    return r if pet is None or r.dtype == pet else convert(r, pet)


def _multiply(a: Any, b: Any) -> Any:
    from tracer.numpy._elementwise import multiply
    return multiply(a, b)


# dot_general's dimension numbers of ``dot(a, b)`` for ``a.ndim - 1``, ``b`` 1-d or 2-d
_DOT_DN = [(((i,), (0,)), ((), ())) for i in range(32)]
_DOT_SHORT: dict = {}   # the eager backend's binders of dot's shortcut (host_binder)


def dot(a: Any, b: Any, out: Any = None, *, precision: Any = None,
        preferred_element_type: Any = None) -> Any:
    """Like ``numpy.dot``: sum product over the last axis of ``a`` and the
    second-to-last of ``b`` (the last, if ``b`` is 1-D); scalars multiply.

    >>> import tracer.numpy as tnp
    >>> tnp.dot(tnp.ones((2, 3)), tnp.ones(3)).tolist()
    [3.0, 3.0]
    """
    prec, pet = P.canonicalize_precision(precision), _pet(preferred_element_type)
    if is_host(a) and type(b) is type(a) and out is None and pet is None:
        # the eager shortcut: same-dtype arrays, ``b`` 1-d or 2-d (misaligned shapes make
        # the primitive raise, and the general path below explains it)
        nb, na = b.ndim, a.ndim
        if (nb == 1 or nb == 2) and na and a.dtype == b.dtype:
            key = (na, prec)
            f = _DOT_SHORT.get(key) or host_binder(
                _DOT_SHORT, key, P.dot_general_p, 2, preferred_element_type=None,
                dimension_numbers=_DOT_DN[na - 1], precision=prec)
            if f:
                try:
                    return f(a, b)
                except (ValueError, TypeError, IndexError):
                    pass
    _no_out("dot", out)
    a, b = _widen(_promote(a, b), pet)
    if a.ndim == 0 or b.ndim == 0:
        return _narrow(_multiply(a, b), pet)
    lc, rc = a.ndim - 1, max(b.ndim - 2, 0)
    if a.shape[lc] != b.shape[rc]:
        raise ShapeError(f"dot: shapes {tuple(a.shape)} and {tuple(b.shape)} not aligned: "
                         f"{a.shape[lc]} (dim {lc}) != {b.shape[rc]} (dim {rc}) "
                         f"(at {user_location()})")
    return _narrow(_dg(a, b, (lc,), (rc,), prec), pet)


def _no_conj(name: str, x1: Any, dtype: Any = None) -> None:
    """``name`` conjugates its first operand: refuse a complex one (no silent
    ``sum(x1 * x2)``) until graphjit has real/imag/conj primitives."""
    dt = result_type(x1) if dtype is None else dtypes.canonicalize(dtype)
    if dt.kind == "c":
        raise UnsupportedError(
            f"{name}: complex operands need the conjugate of the first one, and graphjit "
            f"has no complex conjugate yet (at {user_location()}); for real data pass "
            f"real arrays")


def vdot(a: Any, b: Any, *, precision: Any = None, preferred_element_type: Any = None) -> Any:
    """Like ``numpy.vdot``: the dot product of the flattened arrays (real only).

    >>> import tracer.numpy as tnp
    >>> float(tnp.vdot(tnp.ones((2, 2)), tnp.ones(4)))
    4.0
    """
    _no_conj("vdot", a)
    prec, pet = P.canonicalize_precision(precision), _pet(preferred_element_type)
    a, b = _widen(_promote(a, b), pet)
    if a.size != b.size:
        raise ShapeError(f"vdot: vectors have different sizes {a.size} and {b.size} "
                         f"(shapes {tuple(a.shape)}, {tuple(b.shape)}) (at {user_location()})")
    return _narrow(_dg(reshape_raw(a, (a.size,)), reshape_raw(b, (b.size,)), (0,), (0,), prec),
                   pet)


def inner(a: Any, b: Any, *, precision: Any = None, preferred_element_type: Any = None) -> Any:
    """Like ``numpy.inner``: sum product over the last axes of ``a`` and ``b``.

    >>> import tracer.numpy as tnp
    >>> tnp.inner(tnp.ones((2, 3)), tnp.ones((4, 3))).shape
    (2, 4)
    """
    prec, pet = P.canonicalize_precision(precision), _pet(preferred_element_type)
    a, b = _widen(_promote(a, b), pet)
    if a.ndim == 0 or b.ndim == 0:
        return _narrow(_multiply(a, b), pet)
    if a.shape[-1] != b.shape[-1]:
        raise ShapeError(f"inner: shapes {tuple(a.shape)} and {tuple(b.shape)} not aligned: "
                         f"last dimensions {a.shape[-1]} != {b.shape[-1]} "
                         f"(at {user_location()})")
    return _narrow(_dg(a, b, (a.ndim - 1,), (b.ndim - 1,), prec), pet)


def outer(a: Any, b: Any, out: Any = None) -> Any:
    """Like ``numpy.outer``: ``out[i, j] = a.ravel()[i] * b.ravel()[j]``.

    >>> import tracer.numpy as tnp
    >>> tnp.outer(tnp.ones(2), tnp.ones((3, 1))).shape
    (2, 3)
    """
    _no_out("outer", out)
    a, b = asarray(a), asarray(b)
    return _multiply(reshape_raw(a, (a.size, 1)), reshape_raw(b, (1, b.size)))


def _axis_list(ax: Any) -> list[int]:
    if isinstance(ax, (list, tuple)):
        return [int(i) for i in ax]
    return [int(ax)]


def tensordot(a: Any, b: Any, axes: int | Sequence[Any] = 2, *, precision: Any = None,
              preferred_element_type: Any = None) -> Any:
    """Like ``numpy.tensordot``: contract ``axes`` (an int N: the last N axes of
    ``a`` with the first N of ``b``; or a pair of axis sequences).

    >>> import tracer.numpy as tnp
    >>> tnp.tensordot(tnp.ones((2, 3, 4)), tnp.ones((3, 4, 5)), axes=2).shape
    (2, 5)
    """
    prec, pet = P.canonicalize_precision(precision), _pet(preferred_element_type)
    a, b = _widen(_promote(a, b), pet)
    if isinstance(axes, (list, tuple)):
        if len(axes) != 2:
            raise ValueError(f"tensordot: axes must be an integer or a pair of sequences, "
                             f"got {axes!r} (at {user_location()})")
        ax_a, ax_b = _axis_list(axes[0]), _axis_list(axes[1])
    else:
        n = int(axes)
        if n < 0 or n > a.ndim or n > b.ndim:
            raise ValueError(f"tensordot: axes={n} is out of range for operands of rank "
                             f"{a.ndim} and {b.ndim} (at {user_location()})")
        ax_a, ax_b = list(range(a.ndim - n, a.ndim)), list(range(n))
    if len(ax_a) != len(ax_b):
        raise ShapeError(f"tensordot: shape-mismatch for sum: {len(ax_a)} axes of a but "
                         f"{len(ax_b)} of b (at {user_location()})")
    ax_a = [normalize_axis(i, a.ndim) for i in ax_a]
    ax_b = [normalize_axis(i, b.ndim) for i in ax_b]
    if len(set(ax_a)) != len(ax_a) or len(set(ax_b)) != len(ax_b):
        raise ValueError(f"tensordot: repeated axis in {ax_a}, {ax_b} (at {user_location()})")
    for i, j in zip(ax_a, ax_b):
        if a.shape[i] != b.shape[j]:
            raise ShapeError(f"tensordot: shape-mismatch for sum: a.shape[{i}]={a.shape[i]} "
                             f"!= b.shape[{j}]={b.shape[j]} (shapes {tuple(a.shape)}, "
                             f"{tuple(b.shape)}) (at {user_location()})")
    return _narrow(_dg(a, b, ax_a, ax_b, prec), pet)


# ---------------------------------------------------------------------------
# matmul and the gufunc family (vecdot, matvec, vecmat)


_MATMUL_SIG = "(n?,k),(k,m?)->(n?,m?)"


def _ell(n: int) -> list[Label]:
    """Right-aligned ellipsis labels for ``n`` broadcast dimensions."""
    return [("...", i) for i in range(-n, 0)]


def _check_batch(name: str, a: Any, b: Any, na: int, nb: int) -> list[Label]:
    """Check the leading (batch) dims broadcast; return the output batch labels."""
    sa, sb = tuple(a.shape[:na]), tuple(b.shape[:nb])
    try:
        P.broadcast_shapes(sa, sb)
    except ShapeError:
        raise ShapeError(f"{name}: batch dimensions {sa} and {sb} of operands with shapes "
                         f"{tuple(a.shape)} and {tuple(b.shape)} cannot be broadcast "
                         f"together (at {user_location()})") from None
    return _ell(max(na, nb))


def matmul(x1: Any, x2: Any, /, out: Any = None, *, dtype: Any = None, precision: Any = None,
           preferred_element_type: Any = None) -> Any:
    """Like ``numpy.matmul`` (the ``@`` operator), with NumPy's 1-D and
    broadcast-batch rules; one ``dot_general`` (plus at most one transpose).

    >>> import tracer.numpy as tnp
    >>> (tnp.ones((5, 2, 3)) @ tnp.ones((3, 4))).shape
    (5, 2, 4)
    """
    _no_out("matmul", out)
    prec, pet = P.canonicalize_precision(precision), _pet(preferred_element_type)
    if pet is not None:
        return _narrow(matmul(*_widen(_promote(x1, x2, dtype=dtype), pet), precision=prec), pet)
    a, b = _promote(x1, x2, dtype=dtype)
    for i, x in enumerate((a, b)):
        if x.ndim == 0:
            raise ValueError(f"matmul: Input operand {i} does not have enough dimensions "
                             f"(has 0, gufunc core with signature {_MATMUL_SIG} requires 1) "
                             f"(at {user_location()})")
    ka, kb = a.shape[-1], b.shape[-2] if b.ndim > 1 else b.shape[0]
    if ka != kb:
        raise ShapeError(f"matmul: Input operand 1 has a mismatch in its core dimension 0, "
                         f"with gufunc signature {_MATMUL_SIG} (size {kb} is different from "
                         f"{ka}); shapes {tuple(a.shape)} @ {tuple(b.shape)} "
                         f"(at {user_location()})")
    # Fast paths (the hot eager cases), each one dot_general in NumPy's output order.
    if b.ndim <= 2:  # (..., n, k) @ (k, m): batch dims only on the left
        return _dg(a, b, (a.ndim - 1,), (0,), prec)
    if a.ndim == b.ndim and a.shape[:-2] == b.shape[:-2]:  # equal batch dims
        nbat = a.ndim - 2
        return bind(P.dot_general_p, a, b, dimension_numbers=(
            ((a.ndim - 1,), (b.ndim - 2,)), (tuple(range(nbat)), tuple(range(nbat)))),
            precision=prec, preferred_element_type=None)
    na, nb = max(a.ndim - 2, 0), max(b.ndim - 2, 0)
    batch = _check_batch("matmul", a, b, na, nb)
    la = _ell(na) + (["n"] if a.ndim > 1 else []) + ["k"]
    lb = _ell(nb) + ["k"] + (["m"] if b.ndim > 1 else [])
    lo = batch + (["n"] if a.ndim > 1 else []) + (["m"] if b.ndim > 1 else [])
    return _contract([a, b], [la, lb], lo, "matmul", prec)


def vecdot(x1: Any, x2: Any, /, out: Any = None, *, axis: int = -1, dtype: Any = None,
           precision: Any = None, preferred_element_type: Any = None) -> Any:
    """Like ``numpy.vecdot`` and the Array API's ``vecdot``: ``sum(conj(x1) * x2)``
    over ``axis``, broadcasting the other dimensions.  A complex ``x1`` raises
    ``UnsupportedError`` until graphjit has a ``conj`` primitive (real ``x1`` needs
    no conjugation).

    >>> import tracer.numpy as tnp
    >>> tnp.vecdot(tnp.ones((4, 3)), tnp.ones(3)).shape
    (4,)
    """
    _no_out("vecdot", out)
    prec, pet = P.canonicalize_precision(precision), _pet(preferred_element_type)
    a, b = _widen(_promote(x1, x2, dtype=dtype), pet)
    for i, x in enumerate((a, b)):
        if x.ndim == 0:
            raise ValueError(f"vecdot: Input operand {i} does not have enough dimensions "
                             f"(has 0, gufunc core with signature (n),(n)->() requires 1) "
                             f"(at {user_location()})")
    _no_conj("vecdot", x1, dtype)
    a = _moveaxis_last(a, normalize_axis(axis, a.ndim))
    b = _moveaxis_last(b, normalize_axis(axis, b.ndim))
    if a.shape[-1] != b.shape[-1]:
        raise ShapeError(f"vecdot: Input operand 1 has a mismatch in its core dimension 0, "
                         f"with gufunc signature (n),(n)->() (size {b.shape[-1]} is "
                         f"different from {a.shape[-1]}) (at {user_location()})")
    batch = _check_batch("vecdot", a, b, a.ndim - 1, b.ndim - 1)
    return _narrow(_contract([a, b], [_ell(a.ndim - 1) + ["n"], _ell(b.ndim - 1) + ["n"]],
                             batch, "vecdot", prec), pet)


def matvec(x1: Any, x2: Any, /, out: Any = None, *, dtype: Any = None) -> Any:
    """Like ``numpy.matvec``: matrix-vector products ``(..., m, n), (..., n) -> (..., m)``.

    >>> import tracer.numpy as tnp
    >>> tnp.matvec(tnp.ones((2, 4, 3)), tnp.ones(3)).shape
    (2, 4)
    """
    _no_out("matvec", out)
    a, b = _promote(x1, x2, dtype=dtype)
    if a.ndim < 2 or b.ndim < 1:
        i, need = (0, 2) if a.ndim < 2 else (1, 1)
        raise ValueError(f"matvec: Input operand {i} does not have enough dimensions "
                         f"(gufunc core with signature (m,n),(n)->(m) requires {need}) "
                         f"(at {user_location()})")
    if a.shape[-1] != b.shape[-1]:
        raise ShapeError(f"matvec: Input operand 1 has a mismatch in its core dimension 0, "
                         f"with gufunc signature (m,n),(n)->(m) (size {b.shape[-1]} is "
                         f"different from {a.shape[-1]}) (at {user_location()})")
    batch = _check_batch("matvec", a, b, a.ndim - 2, b.ndim - 1)
    return _contract([a, b], [_ell(a.ndim - 2) + ["m", "n"], _ell(b.ndim - 1) + ["n"]],
                     batch + ["m"], "matvec")


def vecmat(x1: Any, x2: Any, /, out: Any = None, *, dtype: Any = None) -> Any:
    """Like ``numpy.vecmat``: vector-matrix products ``(..., n), (..., n, m) -> (..., m)``.

    >>> import tracer.numpy as tnp
    >>> tnp.vecmat(tnp.ones(3), tnp.ones((2, 3, 4))).shape
    (2, 4)
    """
    _no_out("vecmat", out)
    a, b = _promote(x1, x2, dtype=dtype)
    if a.ndim < 1 or b.ndim < 2:
        i, need = (0, 1) if a.ndim < 1 else (1, 2)
        raise ValueError(f"vecmat: Input operand {i} does not have enough dimensions "
                         f"(gufunc core with signature (n),(n,m)->(m) requires {need}) "
                         f"(at {user_location()})")
    if a.shape[-1] != b.shape[-2]:
        raise ShapeError(f"vecmat: Input operand 1 has a mismatch in its core dimension 0, "
                         f"with gufunc signature (n),(n,m)->(m) (size {b.shape[-2]} is "
                         f"different from {a.shape[-1]}) (at {user_location()})")
    batch = _check_batch("vecmat", a, b, a.ndim - 1, b.ndim - 2)
    return _contract([a, b], [_ell(a.ndim - 1) + ["n"], _ell(b.ndim - 2) + ["n", "m"]],
                     batch + ["m"], "vecmat")


def _no_out(name: str, out: Any) -> None:
    if out is not None:
        raise TypeError(f"{name}: out= is not supported (graphjit arrays are immutable); "
                        f"use the return value (at {user_location()})")


# ---------------------------------------------------------------------------
# einsum


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _sublist_to_str(sub: Sequence[Any]) -> str:
    out = []
    for s in sub:
        if s is Ellipsis:
            out.append("...")
        else:
            i = int(s)
            if not 0 <= i < len(_LETTERS):
                raise ValueError(f"einsum: subscript {i} out of range [0, 52) "
                                 f"(at {user_location()})")
            out.append(_LETTERS[i])
    return "".join(out)


def _split_spec(spec: str, ndim: int | None, which: str) -> tuple[list[str], int | None]:
    """Letters before and after an optional '...'; returns (letters with '.' marker, ell_rank)."""
    if spec.count("...") > 1 or spec.replace("...", "").count(".") > 0:
        raise ValueError(f"einsum: invalid ellipsis in {which} subscripts '{spec}' "
                         f"(at {user_location()})")
    for ch in spec.replace("...", ""):
        if ch not in _LETTERS:
            raise ValueError(f"einsum: invalid subscript '{ch}' in {which} subscripts "
                             f"'{spec}': only letters a-z and A-Z are allowed "
                             f"(at {user_location()})")
    if "..." in spec:
        head, tail = spec.split("...")
        ell = None if ndim is None else ndim - len(head) - len(tail)
        if ell is not None and ell < 0:
            raise ShapeError(f"einsum: {which} subscripts '{spec}' have more labels than the "
                             f"operand's {ndim} dimensions (at {user_location()})")
        return list(head) + ["."] + list(tail), ell
    if ndim is not None and len(spec) != ndim:
        raise ShapeError(f"einsum: {which} subscripts '{spec}' give {len(spec)} labels for "
                         f"an operand of {ndim} dimensions (at {user_location()})")
    return list(spec), 0


def _parse_einsum(subscripts: str, shapes: Sequence[tuple[int, ...]]
                  ) -> tuple[list[list[Label]], list[Label]]:
    s = subscripts.replace(" ", "")
    if s.count("->") > 1 or ("-" in s.replace("->", "")) or (">" in s.replace("->", "")):
        raise ValueError(f"einsum: invalid subscripts '{subscripts}' (at {user_location()})")
    explicit = "->" in s
    ins, out = s.split("->") if explicit else (s, "")
    specs = ins.split(",")
    if len(specs) != len(shapes):
        raise ValueError(f"einsum: subscripts '{subscripts}' name {len(specs)} operands but "
                         f"{len(shapes)} were given (at {user_location()})")
    in_labels: list[list[Label]] = []
    n_ell = 0
    counts: dict[str, int] = {}
    for k, (spec, shape) in enumerate(zip(specs, shapes)):
        parts, ell = _split_spec(spec, len(shape), f"operand {k}")
        labels: list[Label] = []
        for p in parts:
            if p == ".":
                labels.extend(_ell(ell))
                n_ell = max(n_ell, ell)
            else:
                labels.append(p)
                counts[p] = counts.get(p, 0) + 1
        in_labels.append(labels)
    if explicit:
        parts, _ = _split_spec(out, None, "output")
        seen = [p for p in parts if p != "."]
        if len(set(seen)) != len(seen):
            raise ValueError(f"einsum: output subscripts '{out}' contain a repeated label "
                             f"(at {user_location()})")
        for p in seen:
            if p not in counts:
                raise ValueError(f"einsum: output subscript '{p}' does not appear in the "
                                 f"input subscripts (at {user_location()})")
        if "." not in parts and n_ell:
            raise ValueError("einsum: output has more dimensions than subscripts given in "
                             "einstein sum, but no '...' ellipsis provided to broadcast the "
                             f"extra dimensions (at {user_location()})")
        out_labels: list[Label] = []
        for p in parts:
            out_labels.extend(_ell(n_ell) if p == "." else [p])
    else:
        out_labels = _ell(n_ell) + sorted(p for p, c in counts.items() if c == 1)
    return in_labels, out_labels


def einsum(subscripts: Any, *operands: Any, out: Any = None, dtype: Any = None,
           order: str = "K", casting: str = "safe", optimize: Any = False,
           precision: Any = None, preferred_element_type: Any = None) -> Any:
    """Like ``numpy.einsum``: Einstein summation, pairwise ``dot_general``\\ s.

    Supports ``'...'``, implicit output, repeated labels (diagonals, traces),
    any number of operands and the interleaved form
    ``einsum(a, [0, 1], b, [1, 2], [0, 2])``.  ``optimize`` is ignored: the
    contraction order is always greedy (see the module docstring).

    >>> import tracer.numpy as tnp
    >>> tnp.einsum("bij,bjk->bik", tnp.ones((2, 3, 4)), tnp.ones((2, 4, 5))).shape
    (2, 3, 5)
    """
    _no_out("einsum", out)
    if not isinstance(subscripts, str):
        # Interleaved form: op, sublist, op, sublist, ..., [output sublist]
        args = (subscripts,) + operands
        ops = list(args[0::2])
        subs = list(args[1::2])
        out_sub = None
        if len(args) % 2 == 1:
            out_sub = ops.pop()
        if len(ops) != len(subs):
            raise ValueError(f"einsum: the interleaved form needs an operand/sublist pair "
                             f"per operand (at {user_location()})")
        spec = ",".join(_sublist_to_str(s) for s in subs)
        if out_sub is not None:
            spec += "->" + _sublist_to_str(out_sub)
        return einsum(spec, *ops, dtype=dtype, casting=casting, optimize=optimize,
                      precision=precision, preferred_element_type=preferred_element_type)
    if not operands:
        raise ValueError(f"einsum: no operands given (at {user_location()})")
    arrs = [asarray(x) for x in operands]
    if dtype is not None:
        dt = dtypes.canonicalize(dtype)
        for x in arrs:
            if not np.can_cast(x.dtype, dt, casting):
                raise TypeError(f"einsum: cannot cast operand of dtype {x.dtype} to {dt} "
                                f"with casting rule {casting!r} (at {user_location()})")
    prec, pet = P.canonicalize_precision(precision), _pet(preferred_element_type)
    arrs = _widen(_promote(*arrs, dtype=dtype), pet)
    in_labels, out_labels = _parse_einsum(subscripts, [tuple(x.shape) for x in arrs])
    return _narrow(_contract(arrs, in_labels, out_labels, "einsum", prec), pet)


# ---------------------------------------------------------------------------
# kron, cross


def kron(a: Any, b: Any) -> Any:
    """Like ``numpy.kron``: the Kronecker product (block ``a[i] * b``).

    >>> import tracer.numpy as tnp
    >>> tnp.kron(tnp.ones((2, 2)), tnp.ones((3, 1))).shape
    (6, 2)
    """
    a, b = asarray(a), asarray(b)
    nd = max(a.ndim, b.ndim)
    sa = (1,) * (nd - a.ndim) + tuple(a.shape)
    sb = (1,) * (nd - b.ndim) + tuple(b.shape)
    # a -> (a0, 1, a1, 1, ...), b -> (1, b0, 1, b1, ...); the product interleaves them.
    ia = reshape_raw(a, [d for x in sa for d in (x, 1)])
    ib = reshape_raw(b, [d for x in sb for d in (1, x)])
    prod = _multiply(ia, ib)
    return reshape_raw(prod, [x * y for x, y in zip(sa, sb)])


def cross(a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: int | None = None) -> Any:
    """Like ``numpy.cross``: cross products of 3-vectors (2-vectors: z = 0;
    two 2-vectors give the scalar z component).

    >>> import tracer.numpy as tnp
    >>> tnp.cross(tnp.asarray([1.0, 0.0, 0.0]), tnp.asarray([0.0, 1.0, 0.0])).tolist()
    [0.0, 0.0, 1.0]
    """
    from tracer.numpy._elementwise import negative, subtract
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = _promote(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"cross: inputs must be at least 1-D (at {user_location()})")
    a = _moveaxis_last(a, normalize_axis(axisa, a.ndim, "axisa"))
    b = _moveaxis_last(b, normalize_axis(axisb, b.ndim, "axisb"))
    na, nb = a.shape[-1], b.shape[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(f"cross: incompatible dimensions for cross product (dimension must "
                         f"be 2 or 3), got {na} and {nb} (at {user_location()})")
    try:
        bshape = P.broadcast_shapes(tuple(a.shape[:-1]), tuple(b.shape[:-1]))
    except ShapeError:
        raise ShapeError(f"cross: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be "
                         f"broadcast together (at {user_location()})") from None
    ac = [_component(a, i) for i in range(na)] + [None] * (3 - na)
    bc = [_component(b, i) for i in range(nb)] + [None] * (3 - nb)

    def mul(x: Any, y: Any) -> Any:
        return None if x is None or y is None else _multiply(x, y)

    def sub(x: Any, y: Any) -> Any:
        if y is None:
            return x
        return negative(y) if x is None else subtract(x, y)

    cz = sub(mul(ac[0], bc[1]), mul(ac[1], bc[0]))
    if na == 2 and nb == 2:
        return _broadcast(cz, bshape)
    cx = sub(mul(ac[1], bc[2]), mul(ac[2], bc[1]))
    cy = sub(mul(ac[2], bc[0]), mul(ac[0], bc[2]))
    parts = [reshape_raw(_broadcast(c, bshape), bshape + (1,)) for c in (cx, cy, cz)]
    c = bind(P.concatenate_p, *parts, dimension=len(bshape))
    nd = c.ndim
    axc = normalize_axis(axisc, nd, "axisc")
    perm = list(range(nd - 1))
    perm.insert(axc, nd - 1)
    return _transpose(c, perm)


def _broadcast(x: Any, shape: tuple[int, ...]) -> Any:
    from tracer.numpy._core import broadcast_to_raw
    return broadcast_to_raw(x, shape)


# ---------------------------------------------------------------------------
# linalg.norm


def _abs(x: Any) -> Any:
    return bind(P.abs_p, x)


def _reduce(p: P.Primitive, x: Any, axes: Sequence[int], name: str) -> Any:
    axes = tuple(sorted(axes))
    if p is P.reduce_min_p and any(x.shape[i] == 0 for i in axes):
        raise ValueError(f"norm: zero-size array to reduction operation minimum which has "
                         f"no identity (at {user_location()})")
    r = bind(p, x, axes=axes)
    if p is P.reduce_max_p:  # NumPy uses initial=0 for these maxima of absolute values
        r = bind(P.max_p, r, np.zeros((), x.dtype)[()])
    return r


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A002
    """Like ``numpy.linalg.norm``: vector norms (any ``ord``) and the matrix
    norms ``None``/``'fro'``, ``1``, ``-1``, ``inf``, ``-inf``.

    ``ord=2``/``-2``/``'nuc'`` on matrices need singular values and raise
    ``UnsupportedError`` for now.

    >>> import tracer.numpy as tnp
    >>> float(tnp.linalg.norm(tnp.asarray([3.0, 4.0])))
    5.0
    """
    x = asarray(x)
    if x.dtype.kind == "c":
        # every norm here is a function of the moduli |x_ij|: take them (real dtype), so
        # that the result is real, as NumPy's (sqrt(sum(x * x)) would be complex)
        x = _abs(x)
    if not dtypes.is_inexact(x.dtype):
        x = convert(x, dtypes.float64)
    nd = x.ndim
    if axis is None:
        if ord is None or (isinstance(ord, str) and ord in ("f", "fro") and nd == 2) or (
                not isinstance(ord, str) and ord == 2 and nd == 1):
            r = bind(P.sqrt_p, _sum(bind(P.mul_p, x, x), range(nd)))
            return reshape_raw(r, (1,) * nd) if keepdims else r
        axes = tuple(range(nd))
    elif isinstance(axis, tuple):
        axes = axis
    else:
        try:
            axes = (int(axis),)
        except Exception as e:
            raise TypeError("'axis' must be None, an integer or a tuple of integers") from e
    if len(axes) == 1:
        ax = normalize_axis(axes[0], nd)
        r = _vector_norm(x, ord, ax)
        return reshape_raw(r, _keep_shape(x.shape, (ax,))) if keepdims else r
    if len(axes) == 2:
        row, col = normalize_axis(axes[0], nd), normalize_axis(axes[1], nd)
        if row == col:
            raise ValueError(f"Duplicate axes given. (at {user_location()})")
        r = _matrix_norm(x, ord, row, col)
        return reshape_raw(r, _keep_shape(x.shape, (row, col))) if keepdims else r
    raise ValueError(f"Improper number of dimensions to norm. (at {user_location()})")


def _vector_norm(x: Any, ord: Any, ax: int) -> Any:  # noqa: A002
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors (at {user_location()})")
    if ord is None or ord == 2:
        return bind(P.sqrt_p, _sum(bind(P.mul_p, x, x), (ax,)))
    if ord == np.inf:
        return _reduce(P.reduce_max_p, _abs(x), (ax,), "norm")
    if ord == -np.inf:
        return _reduce(P.reduce_min_p, _abs(x), (ax,), "norm")
    if ord == 0:
        nz = bind(P.ne_p, x, np.zeros((), x.dtype)[()])
        return _sum(convert(nz, x.dtype), (ax,))
    if ord == 1:
        return _sum(_abs(x), (ax,))
    p = np.asarray(ord, x.dtype)[()]
    s = _sum(bind(P.pow_p, _abs(x), p), (ax,))
    return bind(P.pow_p, s, np.reciprocal(np.asarray(ord, x.dtype))[()])


def _matrix_norm(x: Any, ord: Any, row: int, col: int) -> Any:  # noqa: A002
    if ord is None or (isinstance(ord, str) and ord in ("fro", "f")):
        return bind(P.sqrt_p, _sum(bind(P.mul_p, x, x), (row, col)))
    if isinstance(ord, str) and ord == "nuc" or (not isinstance(ord, str) and ord in (2, -2)):
        raise UnsupportedError(
            f"norm: the matrix norm ord={ord!r} needs singular values (SVD), which graphjit "
            f"does not support yet (at {user_location()}); use ord='fro', 1, -1, inf or -inf")
    if isinstance(ord, str) or ord not in (1, -1, np.inf, -np.inf):
        raise ValueError(f"Invalid norm order {ord!r} for matrices. (at {user_location()})")
    red = P.reduce_max_p if ord in (1, np.inf) else P.reduce_min_p
    if ord in (1, -1):
        s = _sum(_abs(x), (row,))
        return _reduce(red, s, (col - 1 if col > row else col,), "norm")
    s = _sum(_abs(x), (col,))
    return _reduce(red, s, (row - 1 if row > col else row,), "norm")


def vector_norm(x: Any, /, *, axis: Any = None, keepdims: bool = False,
                ord: Any = 2) -> Any:  # noqa: A002
    """Like ``numpy.linalg.vector_norm``: a vector norm over ``axis`` (None: all
    elements; a tuple: those axes taken together as one vector).

    >>> import tracer.numpy as tnp
    >>> from tracer.numpy._linalg import vector_norm
    >>> float(vector_norm(tnp.ones((2, 2)), ord=1))
    4.0
    """
    x = asarray(x)
    shape = list(x.shape)
    if axis is None:
        y, ax = reshape_raw(x, (x.size,)), 0
        axes = tuple(range(x.ndim))
    elif isinstance(axis, tuple):
        axes = tuple(normalize_axis(a, x.ndim) for a in axis)
        if len(set(axes)) != len(axes):
            raise ValueError(f"repeated axis in vector_norm axis {axis} (at {user_location()})")
        rest = [i for i in range(x.ndim) if i not in axes]
        y = _transpose(x, list(axes) + rest)
        y = reshape_raw(y, (math.prod(shape[i] for i in axes),) + tuple(shape[i] for i in rest))
        ax = 0
    else:
        ax = normalize_axis(axis, x.ndim)
        y, axes = x, (ax,)
    r = norm(y, ord=ord, axis=ax)
    return reshape_raw(r, _keep_shape(shape, axes)) if keepdims else r


def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Any:  # noqa: A002
    """Like ``numpy.linalg.matrix_norm``: the matrix norm of the last two axes.

    >>> import tracer.numpy as tnp
    >>> from tracer.numpy._linalg import matrix_norm
    >>> float(matrix_norm(tnp.ones((2, 2)), ord=1))
    2.0
    """
    return norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)
