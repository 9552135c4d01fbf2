"""User-facing autodiff: ``grad``, ``value_and_grad``, ``jacfwd``, ``jacrev``, ``hessian``.

Built on ``transforms.vjp.vjp`` (reverse) and ``transforms.jvp.linearize``
(forward); JAX's names, signatures and pytree conventions.  Jacobians are one
``vmap`` over a standard basis: ``jacfwd`` batches the linearized function over
basis tangents, ``jacrev`` batches the pullback over basis cotangents (the
function itself runs once, define-by-run; only the derivative walk is batched).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
from jax import tree_util

from tracer import dtypes
from tracer.ir import user_location
from tracer.tracing import api_boundary, wraps
from transforms.jvp import linearize
from transforms.util import aval
from transforms.vjp import vjp
from transforms.vmap import vmap


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

    @wraps(fun)
    @api_boundary
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nums_n = _normalize_nums(nums, len(args))
        dyn = [args[i] for i in nums_n]
        _check_inputs("grad", dyn, allow_int)

        def f_dyn(*d: Any) -> Any:
            full = list(args)
            for i, x in zip(nums_n, d, strict=True):
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

    @wraps(fun)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        (v, g) = vg(*args, **kwargs)
        if has_aux:
            return g, v[1]
        return g

    return wrapped


def _size(a: Any) -> int:
    return int(np.prod(a.shape, dtype=np.int64))


def _std_basis(avals: Sequence[Any]) -> list[Any]:
    """The standard basis of the space of ``avals`` (flattened, concatenated), one
    ``(N,) + a.shape`` array per aval (``N`` the total size) in that aval's dtype:
    row ``j`` is the ``j``-th unit vector.  Built once as ``eye(N)`` and split by
    columns, never by a Python loop over basis vectors."""
    import tracer.numpy as tnp
    sizes = [_size(a) for a in avals]
    n = sum(sizes)
    if len(avals) == 1:
        return [tnp.reshape(tnp.eye(n, dtype=avals[0].dtype), (n,) + tuple(avals[0].shape))]
    dt = np.result_type(*[a.dtype for a in avals])
    eye = tnp.eye(n, dtype=dt)
    out, start = [], 0
    for a, s in zip(avals, sizes, strict=True):
        block = eye[:, start:start + s]
        if block.dtype != a.dtype:
            block = tnp.astype(block, a.dtype)
        out.append(tnp.reshape(block, (n,) + tuple(a.shape)))
        start += s
    return out


def _split_axis(x: Any, axis: int, avals: Sequence[Any], other: tuple[int, ...],
                front: bool) -> list[Any]:
    """Split ``x``'s basis axis ``axis`` (of length the avals' total size) into one block
    per aval, reshaped to ``aval.shape + other`` if ``front`` else ``other + aval.shape``
    (``other``: the shape of the other side of the Jacobian block)."""
    sizes = [_size(a) for a in avals]
    if len(avals) == 1:
        blocks = [x]
    else:
        blocks, start = [], 0
        idx: list[Any] = [slice(None)] * len(x.shape)
        for s in sizes:
            idx[axis] = slice(start, start + s)
            blocks.append(x[tuple(idx)])
            start += s
    import tracer.numpy as tnp
    return [tnp.reshape(b, (tuple(a.shape) + other) if front else (other + tuple(a.shape)))
            for b, a in zip(blocks, avals, strict=True)]


def _zero_block(shape: tuple[int, ...], dtype: Any) -> Any:
    """A Jacobian block of zeros: for integer inputs or outputs (their dtype, as JAX) and
    empty bases."""
    import tracer.numpy as tnp
    return tnp.zeros(shape, dtype)


def jacrev(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           allow_int: bool = False) -> Callable:
    """Jacobian by reverse mode, like ``jax.jacrev``: the function runs once
    (define-by-run), then its pullback is ``vmap``-ed over the standard basis of the
    output cotangents (one batched backward pass, no Python loop over basis vectors).

    Output layout: ``out.shape + in.shape`` per (output leaf, input leaf), as a tree
    of the outputs' structure whose leaves are trees of the differentiated arguments'.

    >>> import tracer.numpy as tnp
    >>> jacrev(lambda x: tnp.sin(x) * 2.0)(tnp.zeros(2))
    Array([[2., 0.],
           [0., 2.]], dtype=float64)
    """
    nums, single = _argnums_tuple(argnums)

    @wraps(fun)
    @api_boundary
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nums_n = _normalize_nums(nums, len(args))
        dyn = [args[i] for i in nums_n]
        _check_inputs("jacrev", dyn, allow_int)

        def f_dyn(*d: Any) -> Any:
            full = list(args)
            for i, x in zip(nums_n, d, strict=True):
                full[i] = x
            return fun(*full, **kwargs)

        res = vjp(f_dyn, *dyn, has_aux=has_aux)
        out, pullback = res[0], res[1]
        out_leaves, out_tree = tree_util.tree_flatten(out)
        in_leaves, in_tree = tree_util.tree_flatten(tuple(dyn))
        out_avals = [aval(o).strip_weak() for o in out_leaves]
        in_avals = [aval(x).strip_weak() for x in in_leaves]
        for oa in out_avals:
            if not dtypes.is_inexact(oa.dtype):
                raise TypeError(
                    "jacrev requires real- or complex-valued outputs (a floating-point "
                    f"dtype), but got {oa.dtype.name} at {user_location()}; use vjp for "
                    "functions with integer outputs")
        active = [dtypes.is_inexact(a.dtype) for a in in_avals]
        m = sum(_size(a) for a in out_avals)

        def pull(*cts: Any) -> list[Any]:
            g = tree_util.tree_leaves(pullback(tree_util.tree_unflatten(out_tree, list(cts))))
            return [c for c, act in zip(g, active, strict=True) if act]

        # rows[i]: input leaf i's cotangents for every basis cotangent, shape (M,) + in
        act_avals = [a for a, act in zip(in_avals, active, strict=True) if act]
        if m and act_avals:
            act_rows = iter(vmap(pull)(*_std_basis(out_avals)))
        else:
            act_rows = iter([_zero_block((m,) + tuple(a.shape), a.dtype) for a in act_avals])
        rows = [next(act_rows) if act else None for act in active]
        per_in_blocks = []   # [input leaf][output leaf] -> out.shape + in.shape
        for r, a in zip(rows, in_avals, strict=True):
            if r is None:    # integer input (allow_int): zeros of its dtype, as JAX
                per_in_blocks.append([_zero_block(tuple(o.shape) + tuple(a.shape), a.dtype)
                                      for o in out_avals])
            else:
                per_in_blocks.append(_split_axis(r, 0, out_avals, tuple(a.shape), True))
        per_out = []
        for k in range(len(out_avals)):
            per_in = tree_util.tree_unflatten(in_tree, [b[k] for b in per_in_blocks])
            per_out.append(per_in[0] if single else per_in)
        j = tree_util.tree_unflatten(out_tree, per_out)
        return (j, res[2]) if has_aux else j

    return wrapped


def jacfwd(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """Jacobian by forward mode, like ``jax.jacfwd``: the function is linearized once
    (define-by-run), then the linear map is ``vmap``-ed over the standard basis of
    the input tangents (one batched tangent walk, no Python loop over basis vectors).

    Output layout: ``out.shape + in.shape`` per (output leaf, input leaf).

    >>> import tracer.numpy as tnp
    >>> jacfwd(lambda x: x ** 2)(tnp.ones(2))
    Array([[2., 0.],
           [0., 2.]], dtype=float64)
    """
    nums, single = _argnums_tuple(argnums)

    @wraps(fun)
    @api_boundary
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nums_n = _normalize_nums(nums, len(args))
        dyn = [args[i] for i in nums_n]
        _check_inputs("jacfwd", dyn, False)

        def f_dyn(*d: Any) -> Any:
            full = list(args)
            for i, x in zip(nums_n, d, strict=True):
                full[i] = x
            return fun(*full, **kwargs)

        res = linearize(f_dyn, *dyn, has_aux=has_aux)
        out, f_jvp = res[0], res[1]
        out_leaves, out_tree = tree_util.tree_flatten(out)
        in_leaves, in_tree = tree_util.tree_flatten(tuple(dyn))
        out_avals = [aval(o).strip_weak() for o in out_leaves]
        in_avals = [aval(x).strip_weak() for x in in_leaves]
        active = [dtypes.is_inexact(a.dtype) for a in out_avals]
        n = sum(_size(a) for a in in_avals)

        def push(*ts: Any) -> list[Any]:
            t_out = tree_util.tree_leaves(f_jvp(*tree_util.tree_unflatten(in_tree, list(ts))))
            return [t for t, act in zip(t_out, active, strict=True) if act]

        act_avals = [a for a, act in zip(out_avals, active, strict=True) if act]
        if n and act_avals:   # cols[k]: output leaf k's tangents, shape out + (N,)
            act_cols = iter(vmap(push, out_axes=-1)(*_std_basis(in_avals)))
        else:
            act_cols = iter([_zero_block(tuple(a.shape) + (n,), a.dtype) for a in act_avals])
        per_out = []
        for act, o in zip(active, out_avals, strict=True):
            if act:
                blocks = _split_axis(next(act_cols), len(o.shape), in_avals, tuple(o.shape),
                                     False)
            else:   # integer output: zeros of its dtype, as JAX
                blocks = [_zero_block(tuple(o.shape) + tuple(a.shape), o.dtype)
                          for a in in_avals]
            per_in = tree_util.tree_unflatten(in_tree, blocks)
            per_out.append(per_in[0] if single else per_in)
        j = tree_util.tree_unflatten(out_tree, per_out)
        if has_aux:
            return j, _closed_values(res[2])
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
