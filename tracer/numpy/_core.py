"""Shared machinery of ``tracer.numpy``: conversion, promotion, ufunc wrapping.

Every public ``tnp`` function is written on primitives via ``bind``.  Dtype
results follow NumPy 2 exactly: each NumPy ufunc is asked, once per dtype
combination, which loop it would use (``ufunc.resolve_dtypes``, with Python
scalars as weak abstract types), and the operands are converted to that
loop's dtypes before the primitive is bound.

Under ``jit``/``make_graph`` a Python scalar argument is a weakly typed tracer,
and tnp treats it exactly as the Python scalar it stands for, so that a
function gives the same answers eagerly and under every transform: it
promotes weakly where NumPy takes the Python scalar weakly (ufuncs, ``where``,
``clip``), and ``asarray``/``convert`` make it strong as ``np.asarray`` does
(``outer(f32, 2.5)`` is float64); tnp functions never return weak values (NumPy
returns arrays and NumPy scalars), while Python's operators between such
scalars keep Python's semantics (``_methods``): ``s * 2`` stays weak.
"""
from __future__ import annotations

import builtins
import functools
from typing import Any, Callable, Sequence

import numpy as np

from tracer import dtypes
from tracer import primitives as P
from tracer.errors import ShapeError, UnsupportedError
from tracer.ir import host_array, user_location
from tracer import tracing as _tracing
from tracer.tracing import Tracer, bind

_PY_SCALARS = (bool, int, float, complex)
# The eager backend's array types, host type first (tracer.tracing's seam fills the
# list when a backend registers; the same list object, so closures see it).
_ARRAY = _tracing.ARRAY_TYPES


def is_arraylike(x: Any) -> bool:
    """Tracer, graphjit Array, NumPy array or scalar."""
    return type(x) is Tracer or hasattr(x, "__array__") or isinstance(
        x, (np.generic, *_PY_SCALARS))


def is_array(x: Any) -> bool:
    """A graphjit ``Array`` (host) or ``DeviceArray``."""
    t = type(x)
    return t is _ARRAY[0] or t is _ARRAY[1]


def _contains_traced(x: Any) -> bool:
    if type(x) is Tracer or is_array(x):
        return True
    if isinstance(x, (list, tuple)):
        return builtins.any(_contains_traced(e) for e in x)
    return False


def asarray(a: Any, dtype: Any = None, order: Any = None, *, copy: Any = None) -> Any:
    """Convert ``a`` to an array (a tracer stays a tracer), like ``np.asarray``.

    >>> asarray([1.0, 2.0]).dtype
    dtype('float64')
    """
    t = type(a)
    if t is Tracer:
        # A weakly typed tracer stands for a Python scalar, which np.asarray makes a strong
        # 0-d array: so must this, or jit(f)(x, 2.5) would promote unlike f(x, 2.5).
        weak = a._var.aval.weak_type
        if dtype is None:
            return convert(a, a.dtype) if weak else a
        dt = dtypes.canonicalize(dtype)
        if weak and a.dtype.kind == "c" and dt.kind != "c":
            raise TypeError(f"cannot convert a complex Python scalar to {dt} "
                            f"(at {user_location()})")
        return convert(a, dt)
    if t is _ARRAY[0] or t is _ARRAY[1]:
        if dtype is not None:
            dt = dtypes.canonicalize(dtype)
            if dt != a.dtype:
                return convert(a, dt)
        return a
    if isinstance(a, (list, tuple)) and _contains_traced(a):
        from tracer.numpy._shape import stack
        parts = [asarray(e) for e in a]
        dt = result_type(*parts) if dtype is None else dtypes.canonicalize(dtype)
        return stack([convert(p, dt) for p in parts])
    if dtype is not None:
        dtype = dtypes.canonicalize(dtype)
    try:
        v = np.asarray(a, dtype=dtype)   # a jax.Array: zero-copy where its buffer is on host
    except TypeError:
        if "key<" in str(getattr(a, "dtype", "")):
            host_array(a)   # a JAX typed PRNG key: raises KeyArrayError naming the fix
        raise
    if v.dtype == object:
        raise TypeError(f"cannot convert {type(a).__name__} to a numeric array "
                        f"(at {user_location()})")
    if not dtypes.X64 and v.dtype in dtypes.NARROW:   # 32-bit mode: JAX's canonical dtypes
        return _tracing.wrap_host(_narrow_converted(a, v))
    if isinstance(a, np.ndarray) and dtype is None:
        return _tracing.wrap_host(v, view=True)
    return _tracing.wrap_host(v.copy() if v is a else v)


def _narrow_converted(a: Any, v: np.ndarray) -> np.ndarray:
    """32-bit mode: ``v = np.asarray(a)`` as its 32-bit dtype. Python ints that do not
    fit raise (as in JAX); NumPy arrays wrap around, as ``astype`` (and JAX) do."""
    dt = dtypes.NARROW[v.dtype]
    if dt.kind in "iu" and not isinstance(a, (np.ndarray, np.generic)) and v.size:
        info = np.iinfo(dt)
        lo, hi = v.min(), v.max()
        if lo < info.min or hi > info.max:
            bad = lo if lo < info.min else hi
            raise OverflowError(f"Python int {int(bad)} too large to convert to {dt} (32-bit "
                                f"mode: jax_enable_x64 is False) at {user_location()}")
    return v.astype(dt)


def array(a: Any, dtype: Any = None, copy: bool = True, ndmin: int = 0) -> Any:
    """Like ``np.array`` (graphjit arrays are immutable, so no copy is needed)."""
    out = asarray(a, dtype)
    if ndmin and out.ndim < ndmin:
        out = reshape_raw(out, (1,) * (ndmin - out.ndim) + out.shape)
    return out


def result_type(*args: Any) -> np.dtype:
    """``np.result_type`` (NEP 50) over arrays, tracers, dtypes and scalars."""
    return dtypes.result_type(*args)


def promote_types(a: Any, b: Any) -> np.dtype:
    return dtypes.promote_types(a, b)


def convert(x: Any, dtype: np.dtype) -> Any:
    """A strong value of ``dtype`` (binds convert_element_type only when needed).

    A Python scalar becomes a NumPy scalar, and a weakly typed tracer (the
    stand-in for a Python scalar under ``jit``) a strong tracer, alike.
    """
    t = type(x)
    if t in _PY_SCALARS:
        return np.asarray(x, dtype=dtype)[()] if dtype.kind != "V" else x
    if isinstance(x, np.generic):
        return x if x.dtype == dtype else np.asarray(x).astype(dtype)[()]
    if t is Tracer:
        a = x._var.aval
        if a.dtype == dtype and not a.weak_type:
            return x
    else:
        if not (t is _ARRAY[0] or t is _ARRAY[1]):
            x = asarray(x)
        if x.dtype == dtype:
            return x
    return bind(P.convert_element_type_p, x, new_dtype=dtype, weak_type=False)


def is_weak(x: Any) -> bool:
    """``x`` promotes like a Python scalar (NEP 50): a Python scalar, or a weakly
    typed tracer, which is what a Python scalar argument becomes under ``jit`` or
    ``make_graph``.  tnp treats the two alike, so that ``jit(f)(x, 2.5)`` computes
    what ``f(x, 2.5)`` does.

    >>> is_weak(2.5), is_weak(np.float64(2.5))
    (True, False)
    """
    t = type(x)
    return t in _PY_SCALARS or (t is Tracer and x._var.aval.weak_type)


def _dtype_key(x: Any) -> Any:
    """What ``ufunc.resolve_dtypes`` needs: a dtype, or a Python type if weak."""
    t = type(x)
    if t in _PY_SCALARS:
        # (NumPy promotes a Python bool as numpy.bool_, its only dtype of that kind)
        return dtypes.bool_ if t is bool else t
    if t is Tracer:
        a = x._var.aval
        if a.weak_type:
            return {"b": dtypes.bool_, "i": int, "u": int, "f": float,
                    "c": complex}[a.dtype.kind]
        return a.dtype
    dt = getattr(x, "dtype", None)
    if dt is not None:
        return dt
    return np.asarray(x).dtype


@functools.lru_cache(maxsize=8192)
def _resolve(ufunc: np.ufunc, keys: tuple) -> tuple[np.dtype, ...]:
    return ufunc.resolve_dtypes(keys + (None,) * ufunc.nout)


def resolve(ufunc: np.ufunc, args: Sequence[Any]) -> tuple[np.dtype, ...]:
    """NumPy's loop dtypes for ``ufunc`` on ``args``: inputs then outputs."""
    keys = tuple(_dtype_key(a) for a in args)
    if builtins.all(isinstance(k, type) for k in keys):
        # Only weak operands (Python scalars, weak tracers): NumPy computes on their
        # default dtypes; resolve_dtypes would pick the object loop for (int, int).
        keys = tuple(dtypes.canonicalize(k) for k in keys)
    try:
        dts = _resolve(ufunc, keys)
    except TypeError as e:
        names = ", ".join(k.__name__ if isinstance(k, type) else str(k) for k in keys)
        raise TypeError(f"{ufunc.__name__} is not supported for inputs of type "
                        f"({names}): {e} (at {user_location()})") from None
    if not dtypes.X64:
        return tuple(dtypes.canonical(d) for d in dts)
    return dts


def ufunc(np_ufunc: np.ufunc, impl: Callable[..., Any], name: str | None = None,
          doc: str | None = None) -> Callable[..., Any]:
    """A ``tnp`` function matching ``np_ufunc``'s dtypes, computed by ``impl``.

    ``impl`` receives the operands already converted to NumPy's loop dtypes.
    The common case (graphjit operands whose dtype is already the loop's) is
    a dictionary lookup away from ``bind``: this is the eager hot path.
    """
    nin = np_ufunc.nin
    keeps: dict[tuple, bool] = {}   # dtypes -> "the loop keeps these dtypes"
    prim = getattr(impl, "_prim", None)
    # dtype kinds on which ``impl`` is ``prim`` alone (the eager shortcut's condition)
    fast_kinds = getattr(impl, "_fast_kinds", None)
    ctx = _tracing

    def general(args: tuple, out: Any, where: Any, dtype: Any) -> Any:
        if len(args) != nin:
            raise TypeError(f"{fn.__name__}() takes {nin} positional arguments but "
                            f"{len(args)} were given")
        if out is not None:
            raise TypeError(f"{fn.__name__}: out= is not supported (graphjit arrays are "
                            "immutable); use the return value")
        if where is not True:
            raise TypeError(f"{fn.__name__}: where= is not supported; use tnp.where")
        if dtype is not None:
            dt = dtypes.canonicalize(dtype)
            args = tuple(convert(asarray(a), dt) for a in args)
        dts = resolve(np_ufunc, args)
        conv = [convert(a, d) for a, d in zip(args, dts)]
        if not builtins.any(type(c) is Tracer or is_array(c) for c in conv):
            conv[0] = asarray(conv[0])
        return impl(*conv)

    def _keeps(key: tuple) -> bool:
        k = keeps.get(key)
        if k is None:
            try:
                dts = _resolve(np_ufunc, key)
                k = builtins.all(d == kk for d, kk in zip(dts, key))
            except TypeError:
                k = False
            keeps[key] = k
        return k

    # The eager shortcut, per dtype: where ``impl`` is ``prim`` alone and the loop keeps the
    # dtype, the eager backend's binder for ``prim`` (``tracing.EagerBackend.binder``: what
    # ``bind`` does there, minus the dispatch); False: take the general path.
    fast: dict[Any, Any] = {}

    def _fast(dt: Any) -> Any:
        f = False
        if prim is not None and (fast_kinds is None or dt.kind in fast_kinds) \
                and _keeps((dt,) * nin):
            f = _tracing.eager_backend().binder(prim, nin) or False
        fast[dt] = f
        return f

    EAGER = ctx.EAGER
    H = _ARRAY   # [host array type, device array type]

    if nin == 1:
        def fn(x: Any, /, out: Any = None, *, where: Any = True, dtype: Any = None) -> Any:
            t = type(x)
            if out is None and dtype is None and where is True:
                if t is H[0] and ctx._current is EAGER:
                    dt = x.dtype
                    f = fast.get(dt)
                    if f is None:
                        f = _fast(dt)
                    if f:
                        return f(x)
                elif t is Tracer and not x._var.aval.weak_type and _keeps((x.dtype,)):
                    return impl(x)
            return general((x,), out, where, dtype)
    elif nin == 2:
        def fn(x: Any, y: Any, /, out: Any = None, *, where: Any = True,
               dtype: Any = None) -> Any:
            tx, ty = type(x), type(y)
            if out is None and dtype is None and where is True:
                A = H[0]
                if tx is A and ctx._current is EAGER:
                    dx = x.dtype
                    if ty is A:
                        vy = y if y.dtype == dx else None
                    elif (ty is float or ty is int) and dx.kind == "f":
                        vy = dx.type(y)   # NEP 50: a Python scalar takes the array's dtype
                    else:
                        vy = None
                    if vy is not None:
                        f = fast.get(dx)
                        if f is None:
                            f = _fast(dx)
                        if f:
                            try:
                                return f(x, vy)
                            except (ValueError, TypeError):
                                return general((x, y), out, where, dtype)  # explains it
                elif ty is A and (tx is float or tx is int) and ctx._current is EAGER:
                    dy = y.dtype
                    if dy.kind == "f":
                        f = fast.get(dy)
                        if f is None:
                            f = _fast(dy)
                        if f:
                            return f(dy.type(x), y)
                if tx is Tracer or ty is Tracer:
                    r = _traced2(x, y, tx, ty)
                    if r is not None:
                        return r
            return general((x, y), out, where, dtype)

        def _traced2(x: Any, y: Any, tx: type, ty: type) -> Any:
            """Tracer operands whose dtypes the loop keeps: straight to ``impl``."""
            if tx is ty:
                ax, ay = x._var.aval, y._var.aval
                if not ax.weak_type and not ay.weak_type and ax.dtype == ay.dtype \
                        and _keeps((ax.dtype, ax.dtype)):
                    return impl(x, y)
            elif tx is Tracer and (ty is _ARRAY[0] or ty is _ARRAY[1]):   # traced (op) const
                ax = x._var.aval
                if not ax.weak_type and ax.dtype == y.dtype and _keeps((ax.dtype, ax.dtype)):
                    return impl(x, y)
            elif ty is Tracer and (tx is _ARRAY[0] or tx is _ARRAY[1]):
                ay = y._var.aval
                if not ay.weak_type and ay.dtype == x.dtype and _keeps((ay.dtype, ay.dtype)):
                    return impl(x, y)
            elif (ty is float or ty is int) and tx is Tracer:
                ax = x._var.aval
                if not ax.weak_type and ax.dtype.kind == "f" and _keeps((ax.dtype,) * 2):
                    return impl(x, ax.dtype.type(y))
            elif (tx is float or tx is int) and ty is Tracer:
                ay = y._var.aval
                if not ay.weak_type and ay.dtype.kind == "f" and _keeps((ay.dtype,) * 2):
                    return impl(ay.dtype.type(x), y)
            return None
    else:  # pragma: no cover - NumPy's ufuncs used here take one or two inputs
        def fn(*args: Any, out: Any = None, where: Any = True, dtype: Any = None) -> Any:
            return general(args, out, where, dtype)

    fn.__name__ = name or np_ufunc.__name__
    fn.__qualname__ = fn.__name__
    fn.__doc__ = doc or f"Like ``numpy.{np_ufunc.__name__}``, written on graphjit primitives."
    fn.np_ufunc = np_ufunc  # type: ignore[attr-defined]
    return fn


def prim1(p: P.Primitive) -> Callable[[Any], Any]:
    f = lambda x: bind(p, x)  # noqa: E731
    f._prim = p  # type: ignore[attr-defined]  # lets ufunc() take the eager shortcut
    return f


def prim2(p: P.Primitive) -> Callable[[Any, Any], Any]:
    f = lambda x, y: bind(p, x, y)  # noqa: E731
    f._prim = p  # type: ignore[attr-defined]
    return f


def host_binder(cache: dict, key: Any, prim: P.Primitive, nin: int, **params: Any) -> Any:
    """The eager backend's binder of ``prim`` with ``params`` (see ``ufunc``'s shortcut),
    kept in ``cache`` under the caller's cheap ``key``; False where there is none.

    A tnp shortcut calls it after ``is_host`` and its own shape checks; a binder raising
    ``ValueError``/``TypeError``/``IndexError`` means "take the general path"."""
    f = cache.get(key)
    if f is None:
        f = cache[key] = _tracing.eager_backend().binder(prim, nin, **params) or False
    return f


def is_host(x: Any) -> bool:
    """``x`` is a host array of the eager backend and the context is the eager one: a
    tnp function may then bind its primitive directly, skipping its general path."""
    return type(x) is _ARRAY[0] and _tracing._current is _tracing.EAGER


def reshape_raw(x: Any, shape: Sequence[int]) -> Any:
    shape = tuple(int(d) for d in shape)
    if tuple(x.shape) == shape:
        return x
    return bind(P.reshape_p, x, new_sizes=shape)


def broadcast_to_raw(x: Any, shape: Sequence[int]) -> Any:
    shape = tuple(shape)
    if tuple(x.shape) == shape:
        return x
    nd = len(shape) - x.ndim
    if nd < 0:
        raise ShapeError(f"cannot broadcast shape {x.shape} to {shape} (at {user_location()})")
    for a, b in zip(x.shape, shape[nd:]):
        if a != 1 and a != b:
            raise ShapeError(f"cannot broadcast shape {x.shape} to {shape} "
                             f"(at {user_location()})")
    return bind(P.broadcast_in_dim_p, x, shape=shape,
                broadcast_dimensions=tuple(range(nd, len(shape))))


def normalize_axis(axis: int, ndim: int, name: str = "axis") -> int:
    a = int(axis)
    if not -ndim <= a < ndim:
        raise np.exceptions.AxisError(
            f"{name} {a} is out of bounds for array of dimension {ndim} "
            f"(at {user_location()})")
    return a % ndim if ndim else 0


def normalize_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        axes = tuple(normalize_axis(a, ndim) for a in axis)
        if len(set(axes)) != len(axes):
            raise ValueError(f"duplicate value in 'axis' (at {user_location()})")
        return axes
    return (normalize_axis(axis, ndim),)


def unsupported(name: str) -> Callable[..., Any]:
    def fn(*args: Any, **kwargs: Any) -> Any:
        raise UnsupportedError(
            f"graphjit.numpy does not support {name} yet (called at {user_location()})")
    fn.__name__ = name.rsplit(".", 1)[-1]
    fn._unsupported = True  # type: ignore[attr-defined]
    return fn


def weaken(x: Any) -> Any:
    """``x`` as a weakly typed value: what a Python scalar's arithmetic gives under
    ``jit`` (a tracer marked weak; other values are returned as they are)."""
    if type(x) is Tracer and not x._var.aval.weak_type:
        return bind(P.convert_element_type_p, x, new_dtype=x.dtype, weak_type=True)
    return x


def bool_as_int(x: Any) -> Any:
    """A weak bool as the weak int Python's arithmetic makes of it (``True + True == 2``)."""
    if type(x) is bool:
        return int(x)
    if type(x) is Tracer and x.dtype == dtypes.bool_:
        return bind(P.convert_element_type_p, x, new_dtype=dtypes.int64, weak_type=True)
    return x
