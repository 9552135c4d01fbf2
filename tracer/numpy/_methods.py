"""``ArrayMethods``: operators, methods, ``.at[]`` and the NumPy protocols.

Shared by ``Tracer`` (installed onto it when ``tracer.numpy`` loads) and by
``backends.Array`` (a subclass), so a function behaves the same eagerly and
under every transform.  Every method calls a public ``tnp`` function.
"""
from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from tracer import dtypes
from tracer.errors import UnsupportedError
from tracer.ir import user_location
from tracer.numpy import _core

tnp: Any = None  # the tracer.numpy package, set when it finishes loading
_BF16 = dtypes.bfloat16


def _swap(f: Any) -> Any:
    return lambda self, other: f(other, self)


class ArrayMethods:
    """Mixin: NumPy's array interface written on ``tracer.numpy`` functions."""

    __slots__ = ()
    __array_priority__ = 100

    # -- operators (bound to tnp functions at package load, see _install) ---
    def __matmul__(self, other: Any) -> Any:
        return tnp.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Any:
        return tnp.matmul(other, self)

    def __divmod__(self, other: Any) -> Any:
        return tnp.divmod(self, other)

    def __rdivmod__(self, other: Any) -> Any:
        return tnp.divmod(other, self)

    def __neg__(self) -> Any:
        return tnp.negative(self)

    def __pos__(self) -> Any:
        return tnp.positive(self)

    def __abs__(self) -> Any:
        return tnp.abs(self)

    def __invert__(self) -> Any:
        return tnp.invert(self)

    def __pow__(self, other: Any) -> Any:
        # ndarray.__pow__'s fast paths (NumPy's fast_scalar_power), which decide dtypes
        # and edge values: an exact Python-int exponent 2 squares (``bool_array ** 2``
        # is int8, where ``np.power(bool_array, 2)`` is int64); on inexact arrays -1
        # takes the reciprocal and a Python-float 0.5 the square root (``-inf ** 0.5``
        # is nan).
        t = type(other)
        if t is int and other == 2:
            return tnp.square(self)
        if (t is int and other == -1) or (t is float and other == 0.5):
            if self.dtype.kind in "fc" or self.dtype == _BF16:
                return tnp.reciprocal(self) if t is int else tnp.sqrt(self)
        return tnp.power(self, other)

    def __rpow__(self, other: Any) -> Any:
        return tnp.power(other, self)

    # -- indexing ---------------------------------------------------------------
    def __getitem__(self, idx: Any) -> Any:
        return tnp._indexing.getitem(self, idx)

    def __iter__(self) -> Iterator[Any]:
        if not self.shape:
            raise TypeError("iteration over a 0-d array")
        for i in range(self.shape[0]):
            yield self[i]

    @property
    def at(self) -> Any:
        """Functional updates: ``x.at[idx].set(v)``, ``.add``, ``.multiply``, ``.min``, ``.max``."""
        return tnp._indexing.IndexUpdateHelper(self)

    # -- properties ---------------------------------------------------------------
    @property
    def T(self) -> Any:
        return tnp.transpose(self)

    @property
    def mT(self) -> Any:
        return tnp.matrix_transpose(self)

    @property
    def real(self) -> Any:
        return tnp.real(self)

    @property
    def device(self) -> Any:
        """Where the values live (see ``tracer.numpy._array_api``): None for a traced
        value, whose placement the transformation decides; ``backends.Array``
        overrides it."""
        return None

    # -- the Array API standard ---------------------------------------------------
    def __array_namespace__(self, /, *, api_version: str | None = None) -> Any:
        """The Array API namespace of this array: ``tracer.numpy``."""
        if api_version is not None and api_version not in _API_VERSIONS:
            raise ValueError(f"unsupported Array API version {api_version!r}; graphjit "
                             f"implements {tnp.__array_api_version__} (and accepts "
                             f"{', '.join(_API_VERSIONS)})")
        return tnp

    def to_device(self, device: Any, /, *, stream: Any = None) -> Any:
        """This array on ``device`` (an array's ``.device`` or one of
        ``graphjit.devices()``); a traced value stays as it is."""
        return tnp._array_api.to_device(self, device, stream=stream)

    @property
    def imag(self) -> Any:
        return tnp.imag(self)

    # -- methods --------------------------------------------------------------------
    def reshape(self, *shape: Any, order: str = "C") -> Any:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return tnp.reshape(self, shape, order=order)

    def astype(self, dtype: Any, copy: bool = True, *, device: Any = None) -> Any:
        return tnp.astype(self, dtype, device=device)

    def transpose(self, *axes: Any) -> Any:
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return tnp.transpose(self, axes or None)

    def ravel(self, order: str = "C") -> Any:
        return tnp.ravel(self, order)

    def flatten(self, order: str = "C") -> Any:
        return tnp.ravel(self, order)

    def squeeze(self, axis: Any = None) -> Any:
        return tnp.squeeze(self, axis)

    def swapaxes(self, a: int, b: int) -> Any:
        return tnp.swapaxes(self, a, b)

    def repeat(self, repeats: Any, axis: Any = None) -> Any:
        return tnp.repeat(self, repeats, axis)

    def take(self, indices: Any, axis: Any = None, mode: Any = None) -> Any:
        return tnp.take(self, indices, axis=axis, mode=mode)

    def diagonal(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
        return tnp.diagonal(self, offset, axis1, axis2)

    def trace(self, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None) -> Any:
        return tnp.trace(self, offset, axis1, axis2, dtype)

    def dot(self, other: Any, *, precision: Any = None,
            preferred_element_type: Any = None) -> Any:
        return tnp.dot(self, other, precision=precision,
                       preferred_element_type=preferred_element_type)

    def clip(self, min: Any = None, max: Any = None) -> Any:  # noqa: A002
        return tnp.clip(self, min, max)

    def round(self, decimals: int = 0) -> Any:
        return tnp.round(self, decimals)

    def conj(self) -> Any:
        return tnp.conj(self)

    def conjugate(self) -> Any:
        return tnp.conj(self)

    def copy(self) -> Any:
        return tnp.copy(self)

    def nonzero(self) -> Any:
        return tnp.nonzero(self)

    def sort(self, axis: int = -1, kind: Any = None, order: Any = None) -> Any:
        return tnp.sort(self, axis)

    def argsort(self, axis: int = -1, kind: Any = None, order: Any = None) -> Any:
        return tnp.argsort(self, axis)

    def sum(self, axis: Any = None, dtype: Any = None, out: Any = None,
            keepdims: bool = False, **kw: Any) -> Any:
        return tnp.sum(self, axis=axis, dtype=dtype, keepdims=keepdims, **kw)

    def prod(self, axis: Any = None, dtype: Any = None, out: Any = None,
             keepdims: bool = False, **kw: Any) -> Any:
        return tnp.prod(self, axis=axis, dtype=dtype, keepdims=keepdims, **kw)

    def mean(self, axis: Any = None, dtype: Any = None, out: Any = None,
             keepdims: bool = False, **kw: Any) -> Any:
        return tnp.mean(self, axis=axis, dtype=dtype, keepdims=keepdims, **kw)

    def var(self, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0,
            keepdims: bool = False, **kw: Any) -> Any:
        return tnp.var(self, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims, **kw)

    def std(self, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0,
            keepdims: bool = False, **kw: Any) -> Any:
        return tnp.std(self, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims, **kw)

    def max(self, axis: Any = None, out: Any = None, keepdims: bool = False, **kw: Any) -> Any:
        return tnp.max(self, axis=axis, keepdims=keepdims, **kw)

    def min(self, axis: Any = None, out: Any = None, keepdims: bool = False, **kw: Any) -> Any:
        return tnp.min(self, axis=axis, keepdims=keepdims, **kw)

    def ptp(self, axis: Any = None, keepdims: bool = False) -> Any:
        return tnp.ptp(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:
        return tnp.argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:
        return tnp.argmin(self, axis=axis, keepdims=keepdims)

    def any(self, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:
        return tnp.any(self, axis=axis, keepdims=keepdims)

    def all(self, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:
        return tnp.all(self, axis=axis, keepdims=keepdims)

    def cumsum(self, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
        return tnp.cumsum(self, axis=axis, dtype=dtype)

    def cumprod(self, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
        return tnp.cumprod(self, axis=axis, dtype=dtype)

    # -- NumPy protocols (NEP 13 / NEP 18) -----------------------------------------
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if kwargs.get("out") is not None:
            raise TypeError(f"numpy.{ufunc.__name__}(..., out=...) is not supported on "
                            f"graphjit arrays (at {user_location()}): they are immutable")
        kwargs.pop("out", None)
        name = _UFUNC_ALIASES.get(ufunc.__name__, ufunc.__name__)
        if method == "__call__":
            fn = getattr(tnp, name, None)
            if fn is not None:
                return fn(*inputs, **kwargs)
        elif method in ("reduce", "accumulate"):
            red = (_REDUCE if method == "reduce" else _ACCUMULATE).get(name)
            if red is not None:
                kwargs.setdefault("axis", 0)
                return getattr(tnp, red)(*inputs, **kwargs)
        raise UnsupportedError(
            f"numpy.{ufunc.__name__}{'' if method == '__call__' else '.' + method} is not "
            f"supported on graphjit arrays (called at {user_location()})")

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        mod = getattr(func, "__module__", "numpy") or "numpy"
        ns: Any = tnp
        for part in mod.split(".")[1:]:
            ns = getattr(ns, part, None)
            if ns is None:
                break
        fn = getattr(ns, func.__name__, None) if ns is not None else None
        if fn is None or getattr(fn, "_unsupported", False):
            raise UnsupportedError(
                f"{mod}.{func.__name__} is not supported by graphjit (called at "
                f"{user_location()}); use a graphjit.numpy function or compute it "
                "outside the transformed function")
        return fn(*args, **kwargs)


_API_VERSIONS = ("2021.12", "2022.12", "2023.12", "2024.12")
_UFUNC_ALIASES = {"absolute": "abs", "conjugate": "conj", "power": "power"}
_REDUCE = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min",
           "logical_and": "all", "logical_or": "any"}
_ACCUMULATE = {"add": "cumsum", "multiply": "cumprod"}

_BINOPS = {
    "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "true_divide",
    "floordiv": "floor_divide", "mod": "remainder", "and": "bitwise_and",
    "or": "bitwise_or", "xor": "bitwise_xor", "lshift": "left_shift",
    "rshift": "right_shift",
}
_CMPOPS = {"eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal",
           "gt": "greater", "ge": "greater_equal"}


# Python's arithmetic on bools is integer arithmetic (True + True == 2, -True == -1),
# except for the bitwise operators and comparisons.
_BOOL_AS_INT = {"add", "subtract", "multiply", "true_divide", "floor_divide", "remainder",
                "power", "left_shift", "right_shift", "divmod", "negative", "positive",
                "abs", "invert"}


# Python scalars have no order among complex numbers
_ORDERING = {"less": "<", "less_equal": "<=", "greater": ">", "greater_equal": ">="}
_PY_NAMES = {"b": "bool", "i": "int", "u": "int", "f": "float", "c": "complex"}


def _pythonic(method: Any, name: str, reflected: bool = False) -> Any:
    """``method``, an operator of ``Tracer``, keeping Python's semantics for Python scalars.

    Under ``jit``/``make_graph`` a Python scalar argument is a weakly typed tracer,
    and an operator between such stand-ins (and Python scalars) must compute what
    Python computes on the scalars eagerly: a Python scalar (a *weak* result, which
    later promotes weakly), with bools as ints for arithmetic.  Any other operands
    take ``method``, NumPy's semantics, as on arrays.
    """
    as_int = name in _BOOL_AS_INT
    ordering = _ORDERING.get(name)
    is_weak, weaken = _core.is_weak, _core.weaken

    def scalar_op(*xs: Any) -> Any:
        if ordering and any(dtypes.dtype_and_weak(x)[0].kind == "c" for x in xs):
            kinds = " and ".join(repr(_PY_NAMES[dtypes.dtype_and_weak(x)[0].kind])
                                 for x in xs)
            raise TypeError(f"'{ordering}' not supported between instances of {kinds} "
                            f"(at {user_location()})")
        if as_int:
            xs = tuple(_core.bool_as_int(x) for x in xs)
        out = getattr(tnp, name)(*xs)
        return tuple(map(weaken, out)) if isinstance(out, tuple) else weaken(out)

    if name in ("negative", "positive", "abs", "invert"):
        def unary(self: Any) -> Any:
            return scalar_op(self) if self._var.aval.weak_type else method(self)
        return unary

    def op(self: Any, other: Any) -> Any:
        if self._var.aval.weak_type and is_weak(other):
            return scalar_op(other, self) if reflected else scalar_op(self, other)
        return method(self, other)
    return op


def _install_pythonic(cls: type) -> None:
    """Give ``Tracer`` its operators with Python's semantics on weak (scalar) operands."""
    for op, fname in (*_BINOPS.items(), ("pow", "power"), ("divmod", "divmod")):
        setattr(cls, f"__{op}__", _pythonic(getattr(ArrayMethods, f"__{op}__"), fname))
        setattr(cls, f"__r{op}__", _pythonic(getattr(ArrayMethods, f"__r{op}__"), fname,
                                             reflected=True))
    for op, fname in _CMPOPS.items():
        setattr(cls, f"__{op}__", _pythonic(getattr(ArrayMethods, f"__{op}__"), fname))
    for op, fname in (("neg", "negative"), ("pos", "positive"), ("abs", "abs"),
                      ("invert", "invert")):
        setattr(cls, f"__{op}__", _pythonic(getattr(ArrayMethods, f"__{op}__"), fname))


def install(package: Any, cls: type) -> None:
    """Bind the operators of ``cls`` straight to ``package``'s functions."""
    global tnp
    tnp = package
    for op, fname in _BINOPS.items():
        f = getattr(package, fname)
        setattr(cls, f"__{op}__", f)   # a plain function: ``a + b`` calls ``add(a, b)``
        setattr(cls, f"__r{op}__", (lambda f: lambda self, other: f(other, self))(f))
    for op, fname in _CMPOPS.items():
        setattr(cls, f"__{op}__", getattr(package, fname))
    cls.__hash__ = None  # type: ignore[assignment]


def install_all(package: Any, tracer_cls: type) -> None:
    """Give ``Tracer`` every ArrayMethods member (it cannot subclass: import order)."""
    install(package, ArrayMethods)
    for name, member in list(vars(ArrayMethods).items()):
        if name.startswith("__") and name not in _DUNDERS_TO_COPY and not (
                name.startswith("__r") or name[2:-2] in _BINOPS or name[2:-2] in _CMPOPS):
            continue
        if name in ("__slots__", "__dict__", "__weakref__", "__module__", "__doc__",
                    "__qualname__", "__firstlineno__", "__static_attributes__", "__hash__",
                    "__array_priority__"):
            continue
        setattr(tracer_cls, name, member)
    _install_pythonic(tracer_cls)


_DUNDERS_TO_COPY = {"__matmul__", "__rmatmul__", "__divmod__", "__rdivmod__", "__neg__",
                    "__pos__", "__abs__", "__invert__", "__pow__", "__rpow__", "__getitem__",
                    "__iter__", "__array_ufunc__", "__array_function__",
                    "__array_namespace__"}
