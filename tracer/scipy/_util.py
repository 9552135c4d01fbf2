"""Helpers shared by ``tracer.scipy``: promotion, custom derivatives, clear refusals."""
from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import numpy as np

from tracer import dtypes
from tracer import tracing as _tracing
from tracer.errors import UnsupportedError
from tracer.ir import user_location
from tracer.numpy._core import asarray

Array = Any
ArrayLike = Any
F = TypeVar("F", bound=Callable[..., Any])


def quiet(fn: F) -> F:
    """Run ``fn`` with NumPy's floating-point warnings off.

    The functions of ``tracer.scipy`` evaluate both sides of their selects, and
    their special points (``log(0)`` in ``xlogy(0, 0)``) are part of their
    definition, as in SciPy, which does not warn there either.
    """
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


def promote_inexact(name: str, *args: ArrayLike) -> list[Array]:
    """The arguments as arrays of one floating dtype, by NumPy's rules (NEP 50).

    Python scalars are weak (``float32`` stays ``float32``), integers and bools
    become ``float64`` (NumPy's default float, where JAX would pick float32);
    complex arguments are refused (the special functions here are real).

    >>> [a.dtype.name for a in promote_inexact("f", 1, asarray([1], "float32"))]
    ['float32', 'float32']
    """
    dt = dtypes.result_type(*args)
    if dt.kind == "c":
        raise UnsupportedError(f"graphjit.scipy: {name} does not support complex "
                               f"arguments (called at {user_location()})")
    if not dtypes.is_inexact(dt):
        dt = dtypes.float64
    return [asarray(a, dtype=dt) for a in args]


def const(x: Any, value: float) -> Any:
    """A strong scalar of ``x``'s dtype (for selects whose branches are all constants)."""
    return np.asarray(value, dtype=x.dtype)[()]


def custom_jvp(fun: Callable[..., Any], jvp: Callable[..., Any],
               nondiff_argnums: tuple[int, ...] = ()) -> Callable[..., Any]:
    """``fun`` with ``jvp`` as its derivative rule (``transforms.custom_jvp``'s semantics).

    ``tracer`` never imports ``transforms`` (DESIGN.md section 2): the rule is attached
    on the first call after ``transforms`` has registered ``custom_jvp`` with the
    tracer (``tracing.set_custom_jvp_maker``, when it loads); before that nothing can
    differentiate, and the plain definition runs.  Where a JAX function has a custom
    JVP (``xlogy``, ``logit``, ``log_ndtr``...) this gives the same derivatives at the
    special points (``xlogy'(0, 0)``).
    """
    built: list[Callable[..., Any]] = []

    @functools.wraps(fun)
    def call(*args: Any) -> Any:
        if not built:
            make = _tracing.custom_jvp_maker()
            if make is None:
                return fun(*args)
            f = make(fun, nondiff_argnums=nondiff_argnums)
            f.defjvp(jvp)
            built.append(f)
        return built[0](*args)
    return call


def unsupported(name: str, needs: str) -> Callable[..., Any]:
    """A function that raises ``UnsupportedError`` naming what it needs and the user's line."""
    def fn(*args: Any, **kwargs: Any) -> Any:
        raise UnsupportedError(f"graphjit.scipy: {name} {needs} (called at {user_location()})")
    fn.__name__ = fn.__qualname__ = name.rsplit(".", 1)[-1]
    fn.__doc__ = f"Not available yet: ``{name}`` {needs}."
    fn._unsupported = True  # type: ignore[attr-defined]
    return fn
