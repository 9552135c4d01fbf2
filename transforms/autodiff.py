"""User-facing autodiff: ``grad``, ``value_and_grad``, ``jacfwd``, ``jacrev``, ``hessian``.

Built on ``transforms.vjp.vjp`` (reverse) and ``transforms.jvp.linearize``
(forward); JAX's names, signatures and pytree conventions.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

import numpy as np
from jax import tree_util

from tracer import dtypes
from tracer.ir import user_location
from tracer.tracing import api_boundary
from transforms.jvp import linearize
from transforms.util import aval
from transforms.vjp import vjp


def _argnums_tuple(argnums: int | Sequence[int]) -> tuple[tuple[int, ...], bool]:
    if isinstance(argnums, int):
        return (argnums,), True
    nums = tuple(argnums)
    if not nums:
        raise ValueError("argnums must name at least one argument")
    if len(set(nums)) != len(nums):
        raise ValueError(f"argnums {nums} contains duplicates")
    return nums, False


def _normalize_nums(nums: tuple[int, ...], nargs: int) -> tuple[int, ...]:
    for i in nums:
        if not -nargs <= i < nargs:
            raise TypeError(f"argnums={nums} but the function got {nargs} positional "
                            f"arguments (at {user_location()})")
    out = tuple(i % nargs for i in nums)
    if len(set(out)) != len(out):
        raise ValueError(f"argnums {nums} name the same argument twice")
    return out


def _check_inputs(name: str, dyn: Sequence[Any], allow_int: bool) -> None:
    for leaf in tree_util.tree_leaves(dyn):
        a = aval(leaf)
        if not dtypes.is_inexact(a.dtype) and not allow_int:
            raise TypeError(
                f"{name} requires real- or complex-valued inputs (a floating-point dtype), "
                f"but got {a.dtype.name} at {user_location()}. Use floats, or pass "
                "allow_int=True to get float0 zeros for integer/bool inputs.")


def value_and_grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
                   allow_int: bool = False) -> Callable:
    """``(fun(*args), gradient)`` like ``jax.value_and_grad``.

    >>> import tracer.numpy as tnp
    >>> v, g = value_and_grad(lambda x: tnp.sum(x ** 2))(tnp.ones(3))
    >>> g
    Array([2., 2., 2.], dtype=float64)
    """
    nums, single = _argnums_tuple(argnums)

    @functools.wraps(fun)
    @api_boundary
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nums_n = _normalize_nums(nums, len(args))
        dyn = [args[i] for i in nums_n]
        _check_inputs("grad", dyn, allow_int)

        def f_dyn(*d: Any) -> Any:
            full = list(args)
            for i, x in zip(nums_n, d):
                full[i] = x
            return fun(*full, **kwargs)

        res = vjp(f_dyn, *dyn, has_aux=has_aux)
        out, pullback = res[0], res[1]
        oa = aval(out) if not isinstance(out, (tuple, list, dict)) else None
        if oa is None or oa.shape != ():
            raise TypeError(
                "grad requires a scalar output (shape ()), got "
                f"{'a pytree' if oa is None else oa.str_short()} at {user_location()}; "
                "use jacrev/vjp for non-scalar outputs")
        if not dtypes.is_inexact(oa.dtype):
            raise TypeError(f"grad requires a real-valued output, got {oa.dtype.name}")
        g = pullback(np.ones((), oa.dtype)[()])
        g = g[0] if single else tuple(g)
        if has_aux:
            return (out, res[2]), g
        return out, g

    return wrapped


def grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
         allow_int: bool = False) -> Callable:
    """The gradient of a scalar function, like ``jax.grad``.

    Works eagerly with Python control flow on values (define-by-run), and
    nests: ``grad(grad(f))``.

    >>> import tracer.numpy as tnp
    >>> float(grad(tnp.sin)(0.0))
    1.0
    """
    vg = value_and_grad(fun, argnums, has_aux, allow_int)

    @functools.wraps(fun)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        (v, g) = vg(*args, **kwargs)
        if has_aux:
            return g, v[1]
        return g

    return wrapped


def _std_basis(a: Any) -> Any:
    import tracer.numpy as tnp
    n = int(np.prod(a.shape, dtype=np.int64))
    return tnp.reshape(tnp.eye(n, dtype=a.dtype), (n,) + tuple(a.shape))


def jacrev(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           allow_int: bool = False) -> Callable:
    """Jacobian by reverse mode (one pullback per output element), like ``jax.jacrev``.

    Output shape: ``out.shape + in.shape`` per (output leaf, input leaf).
    """
    import tracer.numpy as tnp
    nums, single = _argnums_tuple(argnums)

    @functools.wraps(fun)
    @api_boundary
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nums_n = _normalize_nums(nums, len(args))
        dyn = [args[i] for i in nums_n]
        _check_inputs("jacrev", dyn, allow_int)

        def f_dyn(*d: Any) -> Any:
            full = list(args)
            for i, x in zip(nums_n, d):
                full[i] = x
            return fun(*full, **kwargs)

        res = vjp(f_dyn, *dyn, has_aux=has_aux)
        out, pullback = res[0], res[1]
        out_leaves, out_tree = tree_util.tree_flatten(out)
        in_leaves, in_tree = tree_util.tree_flatten(tuple(dyn))
        per_out = []
        for k, o in enumerate(out_leaves):
            oa = aval(o)
            n = int(np.prod(oa.shape, dtype=np.int64))
            rows = []
            for j in range(n):
                cts = [tnp.zeros(aval(q).shape, aval(q).dtype) for q in out_leaves]
                cts[k] = tnp.reshape(tnp.zeros(n, oa.dtype).at[j].set(1), oa.shape)
                rows.append(tree_util.tree_leaves(pullback(
                    tree_util.tree_unflatten(out_tree, cts))))
            jac = []
            for i, x in enumerate(in_leaves):
                xa = aval(x)
                if rows:
                    m = tnp.stack([r[i] for r in rows])
                else:
                    m = tnp.zeros((0,) + xa.shape, xa.dtype)
                jac.append(tnp.reshape(m, oa.shape + xa.shape))
            per_in = tree_util.tree_unflatten(in_tree, jac)
            per_out.append(per_in[0] if single else per_in)
        j = tree_util.tree_unflatten(out_tree, per_out)
        return (j, res[2]) if has_aux else j

    return wrapped


def jacfwd(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """Jacobian by forward mode (one tangent walk per input element), like ``jax.jacfwd``."""
    import tracer.numpy as tnp
    nums, single = _argnums_tuple(argnums)

    @functools.wraps(fun)
    @api_boundary
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nums_n = _normalize_nums(nums, len(args))
        dyn = [args[i] for i in nums_n]
        _check_inputs("jacfwd", dyn, False)

        aux_box = []

        def f_dyn(*d: Any) -> Any:
            full = list(args)
            for i, x in zip(nums_n, d):
                full[i] = x
            r = fun(*full, **kwargs)
            if has_aux:
                aux_box.append(r[1])
                return r[0]
            return r

        out, f_jvp = linearize(f_dyn, *dyn)
        out_leaves, out_tree = tree_util.tree_flatten(out)
        in_leaves, in_tree = tree_util.tree_flatten(tuple(dyn))
        cols_per_in = []
        for i, x in enumerate(in_leaves):
            xa = aval(x)
            n = int(np.prod(xa.shape, dtype=np.int64))
            cols = []
            for j in range(n):
                ts = [tnp.zeros(aval(q).shape, aval(q).dtype) for q in in_leaves]
                ts[i] = tnp.reshape(tnp.zeros(n, xa.dtype).at[j].set(1), xa.shape)
                cols.append(tree_util.tree_leaves(f_jvp(*tree_util.tree_unflatten(in_tree,
                                                                                   ts))))
            cols_per_in.append(cols)
        per_out = []
        for k, o in enumerate(out_leaves):
            oa = aval(o)
            jac = []
            for i, x in enumerate(in_leaves):
                xa = aval(x)
                cols = cols_per_in[i]
                m = tnp.stack([c[k] for c in cols], axis=-1) if cols else \
                    tnp.zeros(oa.shape + (0,), oa.dtype)
                jac.append(tnp.reshape(m, oa.shape + xa.shape))
            per_in = tree_util.tree_unflatten(in_tree, jac)
            per_out.append(per_in[0] if single else per_in)
        j = tree_util.tree_unflatten(out_tree, per_out)
        if has_aux:
            return j, _closed_values(aux_box[0]) if aux_box else None
        return j

    return wrapped


def _closed_values(tree: Any) -> Any:
    """Tracers of finished forwarding recorders replaced by their values (aux outputs)."""
    from tracer.tracing import Tracer

    def v(x: Any) -> Any:
        while type(x) is Tracer and not x._rec.open and x._rec.forwarding:
            x = x._val
        return x
    return tree_util.tree_map(v, tree)


def hessian(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """``jacfwd(jacrev(fun))``, like ``jax.hessian``."""
    return jacfwd(jacrev(fun, argnums, has_aux=has_aux), argnums, has_aux=has_aux)
