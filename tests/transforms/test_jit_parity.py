"""``jit`` must not change answers: eager versus ``jit``, over the whole ``tnp`` table.

For every public ``tnp`` function, ``jit(f)(*args)`` gives the values and dtypes
that ``f(*args)`` gives eagerly, and eager gives NumPy's (or raises the
exception type NumPy raises, and then so does ``jit``).  The arguments mix
arrays of float16/float32/float64/int8/int32/bool with Python scalars (bool,
int, float, complex): under ``jit`` a Python scalar is a weakly typed tracer,
which must behave exactly as the Python scalar does eagerly.  Weakness itself
is checked too: a recorded result is weakly typed exactly where the eager
result is a Python scalar.

To stay fast, each row (one function, many argument combinations) is traced
once: the combinations NumPy accepts are computed by one jitted function with
one output per combination.  The NumPy backend runs every combination; XLA
(one compile per row, ~10 ms per combination) runs a few per row, those with
Python scalars first (``_xla_subset``).  Rows: every NumPy ufunc tnp has (found
by name), every other public function (``ROWS``), and Python's operators
(``OPERATOR_ROWS``); ``test_every_tnp_function_has_a_row`` makes a new public
``tnp`` function fail until it is given a row (or an exemption with its reason).

Inherent limits (not tested): a value that decides a dtype or an error eagerly
cannot under ``jit``, where it is unknown: ``bool_array ** n`` is int8 for
``n == 2`` (NumPy squares) and int64 otherwise; ``int8_array + 300`` raises
``OverflowError`` eagerly; ``geomspace(0, 1)`` raises ``ValueError``.
"""
from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import pytest
from jax import tree_util

import tracer.numpy as tnp
from tests.util import assert_same
from tracer import make_graph
from tracer.errors import UnsupportedError
from transforms import jit

# -- argument pools --------------------------------------------------------------------

DATA = {
    "f16": np.array([-1.5, 0.0, 0.5, 2.0], np.float16),
    "f32": np.array([-1.25, 0.0, 0.75, 3.0], np.float32),
    "f64": np.array([-2.5, 0.0, 1.5, 4.0], np.float64),
    "i8": np.array([-2, 0, 1, 3], np.int8),
    "i32": np.array([-3, 0, 2, 5], np.int32),
    "bool": np.array([True, False, True, False]),
}
# for functions whose integer results depend on the sign (negative integer powers raise)
NONNEG = {k: (np.abs(v) if v.dtype != np.bool_ else v) for k, v in DATA.items()}
# NumPy's integer reciprocal of 0 is a float-to-int cast of inf: undefined behaviour
NONZERO = {k: (np.where(v == 0, 1, v).astype(v.dtype)) for k, v in DATA.items()}
SCALARS = {"bool": True, "int": 3, "float": 2.5, "complex": 1.5 - 0.5j}
ARRAY_PAIRS = [("f16", "f32"), ("i8", "i32"), ("bool", "i8"), ("i8", "f16"), ("i32", "f32"),
               ("bool", "f64"), ("f32", "f64")]


@dataclass
class Row:
    """One function: ``fn(xp, *args)`` on each argument tuple (arrays and scalars are
    the traced arguments; anything static is closed over in ``fn``)."""

    name: str
    fn: Callable[..., Any]
    argsets: Sequence[tuple]
    numpy_fn: Callable[..., Any] | None = None   # when NumPy's spelling differs
    covers: tuple[str, ...] = field(default=())   # more tnp names this row exercises
    xla_cases: int = 4     # how many argument tuples XLA runs (see _xla_subset)

    def __post_init__(self) -> None:
        self.argsets = list(self.argsets)


def _ufunc_argsets(nin: int, data: dict[str, np.ndarray]) -> list[tuple]:
    arrays = list(data.values())
    scalars = list(SCALARS.values())
    if nin == 1:
        return [(a,) for a in arrays] + [(s,) for s in scalars]
    out = []
    for a in arrays:
        for s in scalars:
            out += [(a, s), (s, a)]
    out += [(s, t) for s in scalars for t in scalars]
    out += [(data[a], data[b]) for a, b in ARRAY_PAIRS]
    out += [(a, a) for a in arrays]
    return out


# tnp functions that are NumPy ufuncs, found by name (new ones are covered automatically)
UFUNCS = sorted(n for n in dir(tnp) if not n.startswith("_")
                and isinstance(getattr(np, n, None), np.ufunc) and callable(getattr(tnp, n)))
_UFUNC_DATA = {"power": NONNEG, "pow": NONNEG, "float_power": NONNEG, "left_shift": NONNEG,
               "right_shift": NONNEG, "bitwise_left_shift": NONNEG,
               "bitwise_right_shift": NONNEG, "ldexp": NONNEG, "reciprocal": NONZERO}

UFUNC_ROWS = [
    Row(n, (lambda n: lambda xp, *a: getattr(xp, n)(*a))(n),
        _ufunc_argsets(getattr(np, n).nin, _UFUNC_DATA.get(n, DATA)), xla_cases=8)
    for n in UFUNCS
]


# -- every other function ----------------------------------------------------------------

ARR = list(DATA.values())
SCA = list(SCALARS.values())
REAL = [True, 3, 2.5]                        # the real Python scalars
NPS = [np.float32(2.5), np.int8(3)]          # NumPy scalars are strong, eagerly and in jit
MAT = {k: np.resize(v, (3, 4)) for k, v in DATA.items()}
SQ = {k: (np.resize(v, (3, 3)) + (np.eye(3, dtype=v.dtype) * 4 if k != "bool" else 0)
          ).astype(v.dtype) for k, v in DATA.items()}
FLOATS = [DATA["f16"], DATA["f32"], DATA["f64"]]
IDX = np.array([2, 0, 3], np.int32)


def _one(*pools: Sequence[Any]) -> list[tuple]:
    """One-argument tuples from the pools."""
    return [(a,) for pool in pools for a in pool]


def _pairs(xs: Sequence[Any], ys: Sequence[Any], both: bool = True) -> list[tuple]:
    out = [(x, y) for x in xs for y in ys]
    return out + [(y, x) for x in xs for y in ys] if both else out


def _f(name: str, *args: Any, **kw: Any) -> Callable[..., Any]:
    """``xp.<name>(*traced, *args, **kw)`` (``name`` may be dotted: ``linalg.norm``)."""
    def fn(xp: Any, *a: Any) -> Any:
        f = xp
        for part in name.split("."):
            f = getattr(f, part)
        return f(*a, *args, **kw)
    return fn


def _red(name: str, **kw: Any) -> Callable[..., Any]:
    """A reduction over everything, and over the last axis when there is one."""
    def fn(xp: Any, a: Any, *rest: Any) -> Any:
        f = getattr(xp, name)
        out = [f(a, *rest, **kw)]
        if xp.ndim(a):
            out.append(f(a, *rest, axis=-1, **kw))
        return out
    return fn


def _np_put(xp: Any, a: Any, v: Any) -> Any:
    b = np.array(a)
    np.put(b, [0, 2], v)
    return b


def _np_put_along(xp: Any, a: Any, v: Any) -> Any:
    b = np.array(a)
    np.put_along_axis(b, np.array([[1], [0], [2]]), v, axis=1)
    return b


def _uniq(n: str) -> Row:
    data = np.array([3, 1, 3, 0], np.int32)
    return Row(n, lambda xp, a: getattr(xp, n)(a, size=3), _one([data, data.astype(np.float32)]),
               numpy_fn=lambda xp, a: getattr(np, n)(a))


_REDUCTIONS = ["sum", "prod", "max", "min", "amax", "amin", "ptp", "all", "any",
               "count_nonzero", "mean", "var", "std", "median", "nansum", "nanprod", "nanmax",
               "nanmin", "nanmean", "nanvar", "nanstd", "nanmedian", "average", "argmax",
               "argmin", "nanargmax", "nanargmin"]
_CUMULATIVE = ["cumsum", "cumprod", "nancumsum", "nancumprod"]

ROWS = [
    # differences (NumPy's own algorithms, written on tnp)
    Row("diff", lambda xp, a: [xp.diff(a), xp.diff(a, n=2), xp.diff(a, prepend=0)],
        _one(ARR)),
    Row("ediff1d", _f("ediff1d"), _one([a for k, a in DATA.items() if k != "bool"])),
    Row("gradient", lambda xp, a: xp.gradient(a, 0.5), _one(FLOATS + [DATA["i8"]])),
    Row("isin", lambda xp, a, b: xp.isin(a, b), _pairs(ARR[:5], [IDX, DATA["f32"]], False)),
    *[Row(f"linalg.{n}", _f(f"linalg.{n}"), _one(MAT.values()))
      for n in ("diagonal", "matrix_transpose", "trace")],
    *[Row(n, _red(n), _one(ARR, SCA, NPS)) for n in _REDUCTIONS],
    *[Row(n, _f(n), _one(ARR, REAL, NPS)) for n in _CUMULATIVE],
    *[Row(n, _f(n, axis=-1), _one(ARR)) for n in ("cumulative_sum", "cumulative_prod")],
    Row("sum_initial", lambda xp, a, i: xp.sum(a, initial=i), _pairs(ARR, REAL, False),
        covers=("sum",)),
    Row("average_weights", lambda xp, a, w: xp.average(a, weights=w),
        _pairs(FLOATS, [DATA["f32"], DATA["i8"]], False), covers=("average",)),
    *[Row(n, _f(n), _pairs(ARR[:5], [0.25, 1, True, np.float32(0.5)], False)
          + [(0.5, 0.25)]) for n in ("quantile", "nanquantile")],
    *[Row(n, _f(n), _pairs(ARR[:5], [25.0, 50, True, np.float32(30.0)], False)
          + [(0.5, 25.0)]) for n in ("percentile", "nanpercentile")],
    # elementwise functions that are not ufuncs
    *[Row(n, _f(n), _one(ARR, REAL, NPS)) for n in ("around", "round", "fix", "sinc",
                                                  "isneginf", "isposinf", "nan_to_num")],
    # (complex: tnp has no real/imag of complex values yet)
    *[Row(n, _f(n), _one(ARR, REAL, NPS)) for n in ("real", "imag")],
    Row("round_decimals", lambda xp, a: [xp.round(a, 1), xp.round(a, -1)],
        _one(ARR[:5], REAL[1:], NPS), covers=("round",)),
    Row("clip", lambda xp, a, lo, hi: xp.clip(a, lo, hi),
        [(a, lo, hi) for a in ARR for lo, hi in [(0, 2), (-0.5, 2.5), (False, True)]]
        + [(2.5, 0, 1), (3, 0.5, 2), (DATA["f32"], np.float64(0), 1)]),
    Row("clip_one_side", lambda xp, a, lo: [xp.clip(a, lo, None), xp.clip(a, None, lo)],
        _pairs(ARR, REAL, False), covers=("clip",)),
    *[Row(n, _f(n), _pairs(ARR, REAL) + [(2.5, 3), (DATA["f32"], DATA["f64"])])
      for n in ("isclose", "allclose", "array_equal", "array_equiv")],
    Row("where", lambda xp, c, x, y: xp.where(c, x, y),
        [(DATA["bool"], x, y) for x, y in _pairs(ARR, SCA)]
        + [(c, x, y) for c in (True, DATA["bool"]) for x, y in [(2.5, 3), (True, 3), (1j, 2)]]
        + [(DATA["i8"], DATA["f16"], 2.5), (True, DATA["i8"], False)]),
    Row("select", lambda xp, c, x, d: xp.select([c, ~c], [x, x], d),
        [(DATA["bool"], x, d) for x in ARR for d in REAL]),
    # creation
    *[Row(n, (lambda n: lambda xp: [getattr(xp, n)((2, 3)), getattr(xp, n)(3, np.int8),
                                    getattr(xp, n)((), bool)])(n), [()],
          numpy_fn=(lambda n: lambda xp: [np.zeros((2, 3)), np.zeros(3, np.int8),
                                          np.zeros((), bool)])(n) if n == "empty" else None)
      for n in ("zeros", "ones", "empty")],
    Row("full", lambda xp, v: [xp.full((2, 3), v), xp.full(3, v, dtype=np.float32)],
        _one(REAL, NPS, [DATA["i8"][:3], 1j])),
    *[Row(n, (lambda n: lambda xp, a: [getattr(xp, n)(a), getattr(xp, n)(a, dtype=np.int8)])(n),
          _one(ARR, SCA, NPS), numpy_fn=(lambda xp, a: [np.zeros_like(a),
                                                         np.zeros_like(a, dtype=np.int8)])
          if n == "empty_like" else None)
      for n in ("zeros_like", "ones_like", "empty_like")],
    Row("full_like", lambda xp, a, v: xp.full_like(a, v), _pairs(ARR, REAL, False)
        + [(2.5, 3), (3, 2.5), (True, 2)]),
    Row("eye", lambda xp: [xp.eye(3), xp.eye(2, 4, 1, dtype=np.int8)], [()],
        covers=("identity", "tri")),
    Row("identity", lambda xp: [xp.identity(3, bool), xp.tri(3, 2, -1)], [()],
        covers=("tri",)),
    Row("arange", lambda xp: [xp.arange(5), xp.arange(0.5, 3), xp.arange(1, 2, 0.25, np.float32),
                              xp.arange(np.int8(4)), xp.arange(True, 3)], [()]),
    *[Row(n, (lambda n: lambda xp, a, b: [getattr(xp, n)(a, b, 5),
                                           getattr(xp, n)(a, b, 4, endpoint=False)])(n),
          [(0, 1), (1, 2.5), (True, 3), (0.5, 2), (np.float32(1), 2), (np.float16(1), 2.5),
           (1, np.float16(4)), (DATA["f32"][2:], 4), (2.5, DATA["i8"][2:]),
           (np.float16(0.1), np.float16(0.7))])
      for n in ("linspace", "logspace")],
    Row("geomspace", lambda xp, a, b: [xp.geomspace(a, b, 5),
                                       xp.geomspace(a, b, 4, endpoint=False)],
        [(1, 2), (1, 2.5), (True, 3), (0.5, 2), (np.float32(1), 2), (np.float16(1), 2.5),
         (1, np.float16(4)), (DATA["f32"][2:], 4), (2.5, DATA["i8"][2:])]),
    Row("linspace_retstep", lambda xp, a, b: xp.linspace(a, b, 7, retstep=True),
        [(0, 1), (0.5, 2.5), (np.float32(0), 3)], covers=("linspace",)),
    Row("indices", lambda xp: [xp.indices((2, 3)), xp.indices((3,), dtype=np.int8)], [()]),
    Row("fromfunction", lambda xp: xp.fromfunction(lambda i, j: i * 2 + j, (2, 3)), [()]),
    Row("meshgrid", _f("meshgrid"), [(DATA["f32"], DATA["i8"]), (2.5, DATA["f16"]),
                                     (3, 2.5)]),
    Row("diag", lambda xp, a: [xp.diag(a), xp.diag(a, 1)], _one(ARR, MAT.values())),
    Row("diagflat", _f("diagflat"), _one(ARR, REAL)),
    *[Row(n, (lambda n: lambda xp, m: [getattr(xp, n)(m), getattr(xp, n)(m, -1)])(n),
          _one(MAT.values())) for n in ("tril", "triu")],
    Row("array", lambda xp, a: [xp.array(a), xp.array(a, dtype=np.float32), xp.array(a, ndmin=2)],
        _one(ARR, SCA, NPS)),
    Row("asarray", lambda xp, a: [xp.asarray(a), xp.asarray(a, np.int32)], _one(ARR, REAL, NPS)),
    Row("asarray_list", lambda xp, a, b: xp.asarray([a, b]),
        [(2.5, 3), (True, 3), (DATA["f32"][0], 2.5), (np.float32(1), 2.5)],
        covers=("asarray",)),
    Row("copy", _f("copy"), _one(ARR, SCA)),
    Row("astype", lambda xp, a: [xp.astype(a, np.float16), xp.astype(a, np.int32)],
        _one(ARR, NPS)),
    # shapes
    Row("reshape", lambda xp, a: xp.reshape(a, (1, -1)), _one(ARR, SCA)),
    Row("ravel", _f("ravel"), _one(MAT.values(), SCA)),
    Row("transpose", _f("transpose"), _one(MAT.values(), REAL)),
    Row("permute_dims", lambda xp, a: xp.permute_dims(a, (1, 0)), _one(MAT.values())),
    Row("matrix_transpose", _f("matrix_transpose"), _one(MAT.values())),
    Row("swapaxes", lambda xp, a: xp.swapaxes(a, 0, 1), _one(MAT.values())),
    Row("moveaxis", lambda xp, a: xp.moveaxis(a, 0, -1), _one(MAT.values())),
    Row("rollaxis", lambda xp, a: xp.rollaxis(a, 1), _one(MAT.values())),
    Row("expand_dims", lambda xp, a: xp.expand_dims(a, 0), _one(ARR, SCA)),
    Row("squeeze", _f("squeeze"), _one([v[:1] for v in ARR], SCA)),
    Row("broadcast_to", lambda xp, a: xp.broadcast_to(a, (2, 4)), _one(ARR, SCA)),
    Row("broadcast_arrays", _f("broadcast_arrays"), _pairs(ARR, REAL, False)),
    *[Row(n, _f(n), _one(ARR, SCA) + _pairs(ARR[:2], [2.5, True], False))
      for n in ("atleast_1d", "atleast_2d", "atleast_3d")],
    *[Row(n, lambda xp, a, b, n=n: getattr(xp, n)([a, b]),
          [(DATA[x], DATA[y]) for x, y in ARRAY_PAIRS])
      for n in ("concatenate", "concat", "stack", "vstack", "hstack", "dstack", "column_stack",
                "row_stack")],
    *[Row(n + "_scalars", lambda xp, a, b, n=n: getattr(xp, n)([a, b]),
          _pairs([2.5, 3, True], [DATA["f32"][0], np.float32(1)]) + [(2.5, 3), (True, 1j)],
          covers=(n,))
      for n in ("stack", "hstack", "vstack", "column_stack")],
    Row("append", _f("append"), _pairs(ARR, REAL, False) + [(DATA["i8"], DATA["f16"])]),
    Row("unstack", _f("unstack"), _one(MAT.values())),
    *[Row(n, lambda xp, a, n=n: getattr(xp, n)(a, 2), _one(MAT.values()))
      for n in ("split", "array_split", "hsplit")],
    Row("vsplit", lambda xp, a: xp.vsplit(a, 3), _one(MAT.values())),
    Row("dsplit", lambda xp, a: xp.dsplit(a, 2), _one(v.reshape(1, 2, 2) for v in ARR)),
    Row("flip", lambda xp, a: [xp.flip(a), xp.flip(a, axis=())], _one(MAT.values(), REAL)),
    Row("fliplr", _f("fliplr"), _one(MAT.values())),
    Row("flipud", _f("flipud"), _one(MAT.values())),
    Row("roll", lambda xp, a: [xp.roll(a, 1), xp.roll(a, -1, axis=0)], _one(MAT.values())),
    Row("rot90", _f("rot90"), _one(MAT.values())),
    Row("tile", lambda xp, a: xp.tile(a, 2), _one(ARR, REAL)),
    Row("repeat", lambda xp, a: xp.repeat(a, 2), _one(ARR, REAL)),
    Row("pad", lambda xp, a, v: xp.pad(a, 1, constant_values=v), _pairs(ARR, REAL, False)),
    Row("pad_modes", lambda xp, a: [xp.pad(a, 2, mode=m) for m in ("edge", "reflect", "wrap")],
        _one(ARR), covers=("pad",)),
    Row("diagonal", _f("diagonal"), _one(MAT.values())),
    Row("trace", _f("trace"), _one(MAT.values())),
    # indexing
    Row("take", lambda xp, a, i: xp.take(a, i), _pairs(ARR, [IDX, 2, True], False)),
    Row("take_along_axis", lambda xp, a: xp.take_along_axis(a, np.array([[1], [0], [2]]), 1),
        _one(MAT.values())),
    Row("put", lambda xp, a, v: xp.put(a, [0, 2], v, inplace=False),
        _pairs(ARR, REAL, False), numpy_fn=_np_put),
    Row("put_along_axis", lambda xp, a, v: xp.put_along_axis(
        a, np.array([[1], [0], [2]]), v, 1, inplace=False),
        _pairs(MAT.values(), REAL, False), numpy_fn=_np_put_along),
    Row("choose", lambda xp, i, a, b: xp.choose(i, [a, b]),
        [(np.array([0, 1, 1, 0]), DATA[x], y) for x in DATA for y in (2.5, 3)]),
    Row("compress", lambda xp, a: xp.compress([True, False, True, True], a), _one(ARR)),
    Row("extract", lambda xp, a: xp.extract(np.array([True, False, True, True]), a), _one(ARR)),
    Row("diag_indices", lambda xp: xp.diag_indices(3), [()]),
    Row("diag_indices_from", _f("diag_indices_from"), _one([SQ["f32"]])),
    *[Row(n, lambda xp, n=n: [getattr(xp, n)(3), getattr(xp, n)(3, 1, 4)], [()])
      for n in ("tril_indices", "triu_indices")],
    *[Row(n, _f(n), _one([MAT["f32"]])) for n in ("tril_indices_from", "triu_indices_from")],
    Row("ix_", _f("ix_"), [(IDX, np.array([1, 0], np.int8))]),
    Row("ravel_multi_index", lambda xp, i, j: xp.ravel_multi_index((i, j), (4, 5)),
        [(IDX, np.array([1, 0, 4])), (2, 3), (True, IDX)]),
    Row("unravel_index", lambda xp, i: xp.unravel_index(i, (3, 4)),
        _one([IDX, np.int32(7)], [5, True])),
    *[Row(n, lambda xp, a, n=n: getattr(xp, n)(a, size=4),
          _one([np.array([1, 0, 3, 0], np.int8), DATA["f32"]]),
          numpy_fn=lambda xp, a, n=n: _pad_nonzero(n, a))
      for n in ("nonzero", "argwhere", "flatnonzero")],
    *[_uniq(n) for n in ("unique", "unique_values", "unique_counts", "unique_inverse",
                         "unique_all")],
    # sorting and searching
    Row("sort", lambda xp, a: [xp.sort(a), xp.sort(a, axis=None)],
        _one(ARR, MAT.values(), [np.array(2.5)])),
    Row("argsort", lambda xp, a: [xp.argsort(a, stable=True), xp.argsort(a, axis=None)],
        _one(ARR, MAT.values(), [np.array(2.5)]),
        numpy_fn=lambda xp, a: [np.argsort(a, stable=True),
                                np.argsort(a, axis=None, stable=True)]),
    Row("partition", lambda xp, a: xp.sort(xp.partition(a, 1)), _one(ARR)),
    Row("argpartition", lambda xp, a: xp.take(a, xp.argpartition(a, 1))[1], _one(ARR)),
    Row("lexsort", lambda xp, a, b: xp.lexsort((a, b)), [(DATA["i8"], DATA["f32"])]),
    Row("searchsorted", lambda xp, a, v: [xp.searchsorted(a, v), xp.searchsorted(a, v, "right")],
        [(np.sort(DATA[k]), v) for k in DATA for v in (*REAL, DATA["f16"])]),
    Row("digitize", lambda xp, x, b: xp.digitize(x, b),
        [(x, np.array([-1.0, 0.5, 2.0])) for x in (*ARR, *REAL)]),
    # linear algebra
    Row("dot", _f("dot"), _pairs(ARR, REAL) + [(DATA[a], DATA[b]) for a, b in ARRAY_PAIRS]),
    Row("vdot", _f("vdot"), [(DATA[a], DATA[b]) for a, b in ARRAY_PAIRS]),
    Row("inner", _f("inner"), _pairs(ARR, REAL) + [(DATA[a], DATA[b]) for a, b in ARRAY_PAIRS]),
    Row("outer", _f("outer"), _pairs(ARR, SCA) + [(DATA[a], DATA[b]) for a, b in ARRAY_PAIRS]),
    Row("kron", _f("kron"), _pairs(ARR, REAL) + [(DATA[a], DATA[b]) for a, b in ARRAY_PAIRS]),
    Row("tensordot", lambda xp, a, b: xp.tensordot(a, b, 1),
        [(MAT[a], DATA[b]) for a, b in ARRAY_PAIRS]),
    Row("einsum", lambda xp, a, b: xp.einsum("ij,j->i", a, b),
        [(MAT[a], DATA[b]) for a, b in ARRAY_PAIRS]),
    Row("cross", _f("cross"), [(DATA[a][:3], DATA[b][:3]) for a, b in ARRAY_PAIRS[1:]]),
    Row("linalg.cross", _f("linalg.cross"), [(DATA[a][:3], DATA[b][:3])
                                             for a, b in ARRAY_PAIRS[1:]]),
    Row("linalg.matmul", _f("linalg.matmul"), [(MAT[a], DATA[b]) for a, b in ARRAY_PAIRS]),
    Row("linalg.outer", _f("linalg.outer"), [(DATA[a], DATA[b]) for a, b in ARRAY_PAIRS]),
    Row("linalg.tensordot", lambda xp, a, b: xp.linalg.tensordot(a, b, axes=1),
        [(MAT[a], DATA[b]) for a, b in ARRAY_PAIRS]),
    Row("linalg.vecdot", _f("linalg.vecdot"), [(DATA[a], DATA[b]) for a, b in ARRAY_PAIRS]),
    Row("linalg.norm", lambda xp, a: [xp.linalg.norm(a), xp.linalg.norm(a, 1)],
        _one(ARR, MAT.values())),
    Row("linalg.vector_norm", lambda xp, a: [xp.linalg.vector_norm(a),
                                             xp.linalg.vector_norm(a, ord=np.inf)],
        _one(ARR)),
    Row("linalg.matrix_norm", _f("linalg.matrix_norm"), _one(MAT.values())),
    # queries and dtype functions
    Row("shape_ndim_size", lambda xp, a: [xp.asarray(xp.shape(a)), xp.ndim(a), xp.size(a)],
        _one(ARR, SCA, NPS), covers=("shape", "ndim", "size")),
    Row("isscalar", lambda xp, a: xp.isscalar(a), _one(ARR, SCA, NPS, [np.array(2.5)]),
        numpy_fn=lambda xp, a: np.isscalar(a) or np.ndim(a) == 0),
    Row("result_type", lambda xp, a, b: xp.zeros(1, xp.result_type(a, b)),
        _pairs(ARR, SCA) + [(DATA[a], DATA[b]) for a, b in ARRAY_PAIRS] + [(2.5, 3), (True, 3)],
        covers=("promote_types", "can_cast")),
]


# -- Python's operators -----------------------------------------------------------------
# Between Python scalars (and the weak tracers standing for them under jit) an operator
# computes what Python does: a Python scalar, bools as ints; with an array, NumPy's ufunc.

def _op_arg(xp: Any, x: Any) -> Any:
    """A NumPy array as ``xp``'s array (tnp's eagerly); scalars stay what they are."""
    return xp.asarray(x) if isinstance(x, np.ndarray) else x


_BINARY_OPERATORS = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "//": lambda a, b: a // b, "%": lambda a, b: a % b,
    "**": lambda a, b: a ** b, "&": lambda a, b: a & b, "|": lambda a, b: a | b,
    "^": lambda a, b: a ^ b, "<<": lambda a, b: a << b, ">>": lambda a, b: a >> b,
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
    "divmod": divmod,
}
_UNARY_OPERATORS = {"neg": lambda a: -a, "pos": lambda a: +a, "abs": abs, "~": lambda a: ~a}
_OP_ARRAYS = [DATA["f16"], DATA["f32"], NONNEG["i8"], DATA["bool"]]

OPERATOR_ROWS = [
    *[Row(f"operator {name}", (lambda op: lambda xp, a, b: op(_op_arg(xp, a), _op_arg(xp, b)))(op),
          _pairs(_OP_ARRAYS, SCA) + [(x, y) for x in SCA for y in SCA]
          + [(DATA["i8"], NONNEG["i32"]), (DATA["bool"], DATA["f32"])], xla_cases=8)
      for name, op in _BINARY_OPERATORS.items()],
    *[Row(f"operator {name}", (lambda op: lambda xp, a: op(_op_arg(xp, a)))(op),
          _one(ARR, SCA), xla_cases=8) for name, op in _UNARY_OPERATORS.items()],
    # scalars combined before they meet an array: weak all the way (f32 stays f32)
    Row("operator chain", lambda xp, a, s, t: _op_arg(xp, a) * (s * 2 + t) - (s < t),
        [(a, s, t) for a in _OP_ARRAYS[:3] for s, t in [(2.5, 3), (True, 1), (3, True)]]),
    # ndarray.__pow__'s fast paths (a static exponent: NumPy's dtype depends on its value)
    Row("operator ** fast", lambda xp, a: [_op_arg(xp, a) ** 2, _op_arg(xp, a) ** 2.0,
                                           _op_arg(xp, a) ** 1]
        + ([_op_arg(xp, a) ** -1, _op_arg(xp, a) ** 0.5] if a.dtype.kind == "f" else []),
        _one(ARR[:3], [NONNEG["i8"], DATA["bool"]], [np.array([-np.inf, -0.0, 4.0])])),
]


def _pad_nonzero(name: str, a: np.ndarray) -> Any:
    """NumPy's nonzero/argwhere/flatnonzero padded to ``size=4`` as tnp pads (with 0s)."""
    if name == "nonzero":
        return tuple(np.pad(i, (0, 4 - len(i))) for i in np.nonzero(a))
    if name == "argwhere":
        w = np.argwhere(a)
        return np.pad(w, ((0, 4 - len(w)), (0, 0)))
    f = np.flatnonzero(a)
    return np.pad(f, (0, 4 - len(f)))


# Public tnp functions without a row, and why.
EXEMPT = {
    "broadcast_shapes": "takes shapes, returns a shape: no arrays",
    "isdtype": "takes dtypes", "issubdtype": "takes dtypes",
    "unsupported": "the factory of not-yet-supported functions",
    "linalg.unsupported": "the same factory",
    "from_dlpack": "imports a DLPack producer's buffer (a concrete array): no traced input",
}


# -- the check ---------------------------------------------------------------------------


def _leaves(x: Any) -> list:
    return tree_util.tree_leaves(x)


def _run_numpy(row: Row, args: tuple) -> Any:
    fn = row.numpy_fn or row.fn
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(np, *args)


def _eager(row: Row, args: tuple) -> Any:
    """The row on graphjit Arrays (eager tnp's own values, its fast paths included)."""
    args = tuple(tnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return row.fn(tnp, *args)


def _split(row: Row) -> tuple[list[tuple], list[Any], list[tuple[tuple, type]]]:
    """The argument tuples NumPy accepts (with eager's results), and those it rejects."""
    ok, eager, raising = [], [], []
    for args in row.argsets:
        try:
            want = _run_numpy(row, args)
        except Exception as e:  # noqa: BLE001 - the type is what we compare
            raising.append((args, _public_type(e)))
            continue
        what = f"{row.name}{tuple(_describe(a) for a in args)}"
        try:
            got = _eager(row, args)
        except UnsupportedError:   # not implemented yet: jit must say so too
            raising.append((args, UnsupportedError))
            continue
        except Exception as e:  # noqa: BLE001
            raise AssertionError(f"{what}: eager raised {e!r}, NumPy gave {want!r}") from e
        assert_same(got, want, what=f"eager vs NumPy: {what}")
        ok.append(args)
        eager.append(got)
    return ok, eager, raising


def _public_type(e: Exception) -> type:
    """The exception's type, or the public one it derives from (NumPy raises private
    subclasses such as ``UFuncTypeError`` of ``TypeError``)."""
    for t in type(e).__mro__:
        if t.__module__ == "builtins" or t.__module__ == "numpy.exceptions":
            return t
    return type(e)  # pragma: no cover


def _describe(a: Any) -> str:
    if isinstance(a, np.ndarray):
        return f"{a.dtype}{list(a.shape)}"
    return f"{type(a).__name__} {a!r}"


def _batched(row: Row, argsets: list[tuple]) -> tuple[Callable[..., Any], list]:
    """One function of all argument tuples' leaves returning every tuple's result."""
    counts = [len(a) for a in argsets]
    flat = [x for a in argsets for x in a]

    def all_rows(*xs: Any) -> list:
        out, i = [], 0
        for n in counts:
            out.append(row.fn(tnp, *xs[i:i + n]))
            i += n
        return out
    all_rows.__name__ = row.name
    return all_rows, flat


def _raises(exc: type, f: Callable[[], Any], what: str) -> None:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            got = f()
        except exc:
            return
        except Exception as e:  # noqa: BLE001
            raise AssertionError(f"{what}: raised {e!r}, NumPy raises {exc.__name__}") from e
    raise AssertionError(f"{what}: gave {got!r}, NumPy raises {exc.__name__}")


def _is_python_scalar(x: Any) -> bool:
    return type(x) in (bool, int, float, complex)


def _xla_subset(argsets: list[tuple], results: list, k: int) -> tuple[list, list]:
    """At most ``k`` argument tuples for XLA (its compiles cost ~10 ms per case): those
    with a Python scalar first (the dtype-sensitive ones), spread over the table.

    Complex values are left to the NumPy backend: the XLA lowering does not yet give
    NumPy's answers for all of them (``rint`` does not lower, ordering comparisons and
    ``maximum``/``minimum``/``fmax``/``fmin`` are not lexicographic, ``0 ** c`` is nan).
    """
    keep = [i for i, a in enumerate(argsets) if not any(
        np.iscomplexobj(x) for x in _leaves(a)) and not any(
        np.iscomplexobj(x) for x in _leaves(results[i]))]
    argsets, results = [argsets[i] for i in keep], [results[i] for i in keep]
    idx = list(range(len(argsets)))
    if len(idx) <= k:
        return argsets, results
    scalar = [i for i in idx if any(_is_python_scalar(a) for a in argsets[i])]
    rest = [i for i in idx if i not in scalar]
    pick = scalar[::max(1, -(-len(scalar) // k))][:k]
    pick += rest[::max(1, -(-len(rest) // max(1, k - len(pick))))][:k - len(pick)]
    pick.sort()
    return [argsets[i] for i in pick], [results[i] for i in pick]


def _tolerance(args: tuple) -> float | None:
    """XLA's float arithmetic differs from NumPy's in the last place (it divides by a
    constant with a multiply by its reciprocal): compare at the precision of the
    lowest-precision float input, which bounds the result's."""
    tol = None
    for a in args:
        dt = getattr(a, "dtype", None)
        if dt == np.float16:
            tol = 1e-3
        elif dt in (np.float32, np.complex64) and tol is None:
            tol = 1e-5
    return tol


def check_row(row: Row, backend: str) -> None:
    ok, eager, raising = _split(row)
    if backend == "xla":
        ok, eager = _xla_subset(ok, eager, row.xla_cases)
    if backend == "numpy":
        for args, exc in raising:   # NumPy raises: eager and jit raise the same type
            what = f"{row.name}{tuple(_describe(a) for a in args)}"
            _raises(exc, lambda: _eager(row, args), f"eager {what}")
            _raises(exc, lambda: jit(lambda *a: row.fn(tnp, *a), backend="numpy")(*args),
                    f"jit {what}")
    if not ok:
        return
    fn, flat = _batched(row, ok)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if backend == "numpy":
            # weak types: a recorded result is weak exactly where eager's is a Python scalar
            cg = make_graph(fn)(*flat)
            weak = [v.aval.weak_type for v in cg.graph.outvars]
            python = [_is_python_scalar(x) for x in _leaves(eager)]
            for args, w, p in zip(_expand(ok, eager), weak, python):
                assert w == p, (f"{row.name}{tuple(_describe(a) for a in args)}: "
                                f"weak_type {w} under jit, but eager gives "
                                f"{'a Python scalar' if p else 'an array'}")
        got = jit(fn, backend=backend)(*flat)
    for args, g, e in zip(ok, got, eager):
        tol = _tolerance(args) if backend == "xla" else None
        assert_same(g, e, rtol=tol, atol=tol, what=f"jit({backend}) vs eager: "
                    f"{row.name}{tuple(_describe(a) for a in args)}")


def _expand(argsets: list[tuple], results: list) -> list[tuple]:
    """Each result leaf's argument tuple."""
    return [a for a, r in zip(argsets, results) for _ in _leaves(r)]


@pytest.mark.parametrize("backend", ["numpy", "xla"])
@pytest.mark.parametrize("row", UFUNC_ROWS, ids=lambda r: r.name)
def test_ufunc_parity(row: Row, backend: str) -> None:
    check_row(row, backend)


@pytest.mark.parametrize("backend", ["numpy", "xla"])
@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name)
def test_function_parity(row: Row, backend: str) -> None:
    check_row(row, backend)


@pytest.mark.parametrize("backend", ["numpy", "xla"])
@pytest.mark.parametrize("row", OPERATOR_ROWS, ids=lambda r: r.name)
def test_operator_parity(row: Row, backend: str) -> None:
    check_row(row, backend)


def _public_functions() -> list[str]:
    names = []
    for ns, prefix in ((tnp, ""), (tnp.linalg, "linalg.")):
        for n in dir(ns):
            f = getattr(ns, n)
            if n.startswith("_") or not callable(f) or isinstance(f, type) \
                    or inspect.ismodule(f) or getattr(f, "_unsupported", False):
                continue
            names.append(prefix + n)
    return names


def test_every_tnp_function_has_a_row() -> None:
    covered = {r.name for r in UFUNC_ROWS + ROWS}
    covered |= {c for r in ROWS for c in r.covers}
    missing = [n for n in _public_functions() if n not in covered and n not in EXEMPT]
    assert not missing, f"tnp functions without a parity row: {missing}"


# -- the examples that started this (issue 11, part 3) ----------------------------------


@pytest.mark.parametrize("backend", ["numpy", "xla"])
def test_python_scalar_arguments_behave_as_eagerly(backend: str) -> None:
    f32 = np.arange(1, 4, dtype=np.float32)
    cases = [
        (tnp.outer, np.outer, (f32, 2.5)),                       # float64, as NumPy
        (tnp.percentile, np.percentile, (f32, 2.5)),             # float32, as NumPy
        (lambda a, b: tnp.linspace(a, b, 7), lambda a, b: np.linspace(a, b, 7),
         (np.float16(0.1), np.float16(0.7))),
        (lambda a, b: tnp.linspace(a, b, 7), lambda a, b: np.linspace(a, b, 7),
         (np.float16(0.1), 0.7)),
        (lambda x, s: x * (s * 2 + 1), lambda x, s: x * (s * 2 + 1), (f32, 2.5)),  # weak
        (lambda x, s: x * tnp.sin(s), lambda x, s: x * np.sin(s), (f32, 2.5)),     # strong
        (lambda x, s: x * tnp.asarray(s), lambda x, s: x * np.asarray(s), (f32, 2.5)),
        (lambda x, s: x + (s + s), lambda x, s: x + (s + s), (np.int8([1, 2]), True)),
    ]
    for f, g, args in cases:
        want = g(*args)
        assert_same(f(*args), want, rtol=1e-3, atol=1e-3, what="eager")
        assert_same(jit(f, backend=backend)(*args), want, rtol=1e-3, atol=1e-3,
                    what=f"jit({backend})")


@pytest.mark.parametrize("x", [2.5, 3, True, np.float32(2.5), np.array(2.5), np.ones(2)])
def test_isscalar_is_the_same_eagerly_and_under_jit(x: Any) -> None:
    """Every 0-d value is a scalar (as in jax.numpy): a NumPy scalar argument and a 0-d
    array are both 0-d tracers under jit, and tnp returns 0-d arrays for NumPy scalars."""
    want = np.ndim(x) == 0
    assert tnp.isscalar(x) is want
    assert bool(jit(lambda v: tnp.asarray(tnp.isscalar(v)))(x)) is want
    assert tnp.isscalar(tnp.sum(np.ones(3))) and not tnp.isscalar([1.0])


def test_weak_python_scalar_arithmetic_is_python_arithmetic() -> None:
    """Between Python scalars an operator computes what Python does, bools as ints."""
    def ops(a: Any, b: Any) -> tuple:
        return a + b, a - b, -a, a * b, a // b, a % b, a ** b, a < b, abs(a)

    for a, b in [(True, True), (True, False), (3, True), (2.5, 2), (-7, 2)]:
        if b is False:
            continue
        assert_same(jit(ops, backend="numpy")(a, b), [np.asarray(w) for w in ops(a, b)])
    f = jit(lambda a, b: (a & b, a | b, a ^ b, ~a), backend="numpy")
    assert_same(f(True, False), [np.asarray(w) for w in (False, True, True, -2)])
    with pytest.raises(TypeError):   # Python has no order among complex numbers
        jit(lambda a, b: a < b)(1j, 2.0)
