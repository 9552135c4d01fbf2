"""``vmap``: automatic batching as a graph rewrite, and the table ``batch_rules``.

``vmap(f)`` records ``f`` abstractly on one example (the arguments with their
batch axis removed), then walks the recorded graph with ``batch_rules``,
binding each batched equation in the current context (DESIGN.md section 3):
eagerly that runs the batched computation, under ``make_graph``/``jit`` it
records the batched graph, under ``grad`` it is differentiated.  Equations
whose inputs are all unbatched are replayed unchanged.

A rule is ``rule(axis_size, vals, dims, **params) -> (out, out_dim)``: ``vals``
are the operands, ``dims[i]`` the batch axis of operand ``i`` (``None`` when
it is not batched; at least one is batched), ``axis_size`` the batch size.
It returns the output and its batch axis (lists of both for multiple-result
primitives).  Rules move the batch axis only where needed: elementwise
operands that share a batch axis stay where they are.  Rules are written with
primitives, never a Python loop over the batch.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from jax import tree_util

from tracer import primitives as P
from tracer.errors import GraphjitError, MissingRuleError
from tracer.graphs import walk
from tracer.ir import ClosedGraph, Equation, Graph, Literal, ShapedArray, user_location
from tracer.tracing import api_boundary, bind, make_graph, wraps
from transforms.util import aval

batch_rules: dict[P.Primitive, Callable[..., Any]] = {}


class BatchingError(GraphjitError, ValueError):
    """Bad ``in_axes``/``out_axes``, inconsistent batch sizes, missing axis size."""


# -- helpers for rules ------------------------------------------------------------


def moveaxis(x: Any, src: int, dst: int) -> Any:
    """Move axis ``src`` of ``x`` to position ``dst`` (one transpose, or nothing)."""
    nd = len(aval(x).shape)
    src, dst = src % nd, dst % nd
    if src == dst:
        return x
    perm = [i for i in range(nd) if i != src]
    perm.insert(dst, src)
    return bind(P.transpose_p, x, permutation=tuple(perm))


def broadcast_batch(x: Any, size: int, dim: int = 0) -> Any:
    """An unbatched ``x`` with a new batch axis of ``size`` at ``dim``."""
    shape = list(aval(x).shape)
    dim = dim % (len(shape) + 1)
    new_shape = shape[:dim] + [size] + shape[dim:]
    bdims = tuple(i for i in range(len(new_shape)) if i != dim)
    return bind(P.broadcast_in_dim_p, x, shape=tuple(new_shape), broadcast_dimensions=bdims)


def bdim_at(x: Any, d: int | None, size: int, dst: int = 0) -> Any:
    """``x`` with its batch axis at ``dst`` (broadcast if it has none)."""
    if d is None:
        return broadcast_batch(x, size, dst)
    return moveaxis(x, d, dst)


def defbroadcasting(prim: P.Primitive) -> None:
    """Batching rule of an n-ary elementwise primitive with NumPy broadcasting.

    Operands broadcast from the right, so what matters is how many example axes
    follow an operand's batch axis (its *tail*).  The output's batch axis gets the
    tail that most operands already have: batched operands with that tail need
    nothing (whatever their rank), unbatched ones need nothing when they fit in
    the tail, else one reshape inserts a size-1 axis at the batch position;
    batched operands with another tail get one transpose (plus a reshape when
    they are shorter than the tail).
    """
    def rule(axis_size: int, vals: Sequence[Any], dims: Sequence[int | None],
             **params: Any) -> tuple[Any, int]:
        # The common case first: batched operands all at axis 0 with one example rank,
        # unbatched ones no longer than it -- nothing moves, the output is batched at 0.
        rank = -1
        for v, d in zip(vals, dims, strict=True):
            if d is not None:
                r = v.ndim - 1
                if d != 0 or (rank >= 0 and r != rank):
                    break
                rank = r
        else:
            if all(d is not None or getattr(v, "ndim", 0) <= rank
                   for v, d in zip(vals, dims, strict=True)):
                return bind(prim, *vals, **params), 0
        shapes = [tuple(aval(v).shape) for v in vals]
        # per-example rank and tail of every operand (tail None: unbatched)
        ranks = [len(s) - (d is not None) for s, d in zip(shapes, dims, strict=True)]
        tails = [None if d is None else r - d for r, d in zip(ranks, dims, strict=True)]
        out_rank = max(ranks)

        def cost(t: int) -> int:
            c = 0
            for r, d, tl in zip(ranks, dims, tails, strict=True):
                if tl is None:
                    c += r > t                       # reshape: a size-1 batch axis
                elif tl != t:
                    c += 1 if t <= r else (d != 0) + 1   # transpose (+ reshape)
            return c

        # fewest moves; on a tie the batch axis further left
        cands = sorted({t for t in tails if t is not None}, reverse=True)
        tail = min(cands, key=cost)
        new_vals = []
        for v, s, r, d, tl in zip(vals, shapes, ranks, dims, tails, strict=True):
            if tl == tail or (tl is None and r <= tail):
                new_vals.append(v)
            elif tl is None:     # unbatched, reaching past the batch axis
                k = r - tail
                new_vals.append(bind(P.reshape_p, v, new_sizes=s[:k] + (1,) + s[k:]))
            elif tail <= r:
                new_vals.append(moveaxis(v, d, r - tail))
            else:                # shorter than the tail: size-1 axes after the batch axis
                v = moveaxis(v, d, 0)
                new_vals.append(bind(P.reshape_p, v, new_sizes=(axis_size,) + (1,) * (tail - r)
                                     + tuple(aval(v).shape[1:])))
        return bind(prim, *new_vals, **params), out_rank - tail
    batch_rules[prim] = rule


# -- in_axes / out_axes ---------------------------------------------------------------


def _flatten_axes(what: str, tree: Any, axes: Any) -> list[int | None]:
    """Broadcast an axes prefix-tree over ``tree``'s leaves."""
    if isinstance(axes, (int, type(None))):
        return [axes] * len(tree_util.tree_leaves(tree))
    ax_leaves, ax_def = tree_util.tree_flatten(axes, is_leaf=lambda x: x is None)
    for a in ax_leaves:
        if a is not None and not isinstance(a, int):
            raise BatchingError(f"vmap {what} must be ints or None, got {a!r} "
                                f"(at {user_location()})")
    try:
        subtrees = ax_def.flatten_up_to(tree)
    except (ValueError, TypeError) as e:
        raise BatchingError(
            f"vmap {what} specification {axes!r} does not match the structure of the "
            f"{'arguments' if what == 'in_axes' else 'outputs'} "
            f"({tree_util.tree_structure(tree)}): {e} (at {user_location()})") from None
    out: list[int | None] = []
    for a, sub in zip(ax_leaves, subtrees, strict=True):
        out.extend([a] * len(tree_util.tree_leaves(sub)))
    return out


def _normalize(axis: int | None, ndim: int, what: str) -> int | None:
    if axis is None:
        return None
    if not -ndim <= axis < ndim:
        raise BatchingError(
            f"vmap {what}={axis} is out of range for an argument of rank {ndim} "
            f"(at {user_location()})")
    return axis % ndim


# -- the interpreter ----------------------------------------------------------------


def batch_walk(graph: Graph, consts: Sequence[Any], args: Sequence[Any],
               dims: Sequence[int | None], axis_size: int) -> tuple[list, list]:
    """Evaluate ``graph`` on batched ``args``: (outputs, their batch axes)."""
    env: dict[int, tuple[Any, int | None]] = {}
    for v, c in zip(graph.constvars, consts, strict=True):
        env[id(v)] = (c, None)
    for v, x, d in zip(graph.invars, args, dims, strict=True):
        env[id(v)] = (x, d)

    def step(e: Equation, ins: list) -> list:
        vals, ds = zip(*ins, strict=True) if ins else ((), ())
        multi = e.prim.multiple_results
        if ds.count(None) == len(ds):   # nothing batched: replayed unchanged
            out = bind(e.prim, *vals, **e.params)
            return [(o, None) for o in out] if multi else [(out, None)]
        rule = batch_rules.get(e.prim)
        if rule is None:
            raise MissingRuleError(
                f"vmap: no batching rule for primitive '{e.prim.name}' "
                f"(transforms.vmap.batch_rules); it comes from {e.source}")
        out, od = rule(axis_size, list(vals), list(ds), **e.params)
        if not multi:
            return [(out, od)]
        if len(out) != len(e.outputs) or len(od) != len(out):
            raise BatchingError(f"vmap: the rule of {e.prim.name} returned "
                                f"{len(out)} outputs for {len(e.outputs)}")
        return list(zip(out, od, strict=True))

    walk(graph.eqns, step, env, _vmap_rule, literal=_unbatched_literal)
    res = [_unbatched_literal(a) if type(a) is Literal else env[id(a)] for a in graph.outvars]
    return [r[0] for r in res], [r[1] for r in res]


def _vmap_rule(ins: list) -> str | None:
    """The rewrite an equation gets: "vmap" when an input is batched, else None (it is
    replayed unchanged, keeping its own source)."""
    for x in ins:
        if x[1] is not None:
            return "vmap"
    return None


def _unbatched_literal(a: Literal) -> tuple[Any, None]:
    return a.val, None


def batch_graph(closed: ClosedGraph, dims: Sequence[int | None], axis_size: int,
                out_dims: Sequence[int | None] | None = None) -> tuple[ClosedGraph, list]:
    """The batched version of a (sub-)graph, for the rules of higher-order primitives.

    Inputs keep the given batch axes; outputs get ``out_dims`` (default: batch axis
    0 for every output that is batched, unbatched ones stay unbatched).  Returns
    the new graph and the output batch axes.
    """
    in_avals = []
    for a, d in zip(closed.in_avals, dims, strict=True):
        if d is None:
            in_avals.append(a)
        else:
            shape = list(a.shape)
            shape.insert(d, axis_size)
            in_avals.append(ShapedArray(shape, a.dtype, a.weak_type))
    final_dims: list[int | None] = []

    def f(*args: Any) -> list[Any]:
        outs, ods = batch_walk(closed.graph, closed.consts, args, dims, axis_size)
        res = []
        final_dims.clear()
        for i, (o, d) in enumerate(zip(outs, ods, strict=True)):
            want = out_dims[i] if out_dims is not None else (None if d is None else 0)
            if want is None:
                if d is not None:
                    raise BatchingError("batch_graph: a batched output was asked unbatched")
                res.append(o)
            else:
                res.append(bdim_at(o, d, axis_size, want))
            final_dims.append(want)
        return res

    g = make_graph(f)(*in_avals)
    return ClosedGraph(g.graph, g.consts), list(final_dims)


# -- the public transform ----------------------------------------------------------


def vmap(fun: Callable, in_axes: Any = 0, out_axes: Any = 0, axis_size: int | None = None,
         axis_name: str | None = None) -> Callable:
    """Vectorize ``fun`` over a batch axis of its arguments, like ``jax.vmap``.

    ``in_axes``/``out_axes``: an int, None, or a pytree prefix of the positional
    arguments / outputs; keyword arguments are batched along axis 0.

    >>> import tracer.numpy as tnp
    >>> vmap(lambda x, y: tnp.dot(x, y), in_axes=(0, None))(tnp.ones((3, 2)), tnp.ones(2))
    Array([2., 2., 2.], dtype=float64)
    """
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)

    @wraps(fun)
    @api_boundary
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if isinstance(in_axes, tuple) and len(in_axes) != len(args):
            raise BatchingError(
                f"vmap in_axes has {len(in_axes)} entries but the function got "
                f"{len(args)} positional arguments (at {user_location()})")
        arg_dims = _flatten_axes("in_axes", args, in_axes)
        kw_leaves = tree_util.tree_leaves(kwargs)
        leaves, in_tree = tree_util.tree_flatten((args, kwargs))
        dims = arg_dims + [0] * len(kw_leaves)
        dims = [_normalize(d, aval(x).ndim, "in_axes") for x, d in zip(leaves, dims, strict=True)]
        sizes = {aval(x).shape[d] for x, d in zip(leaves, dims, strict=True) if d is not None}
        if len(sizes) > 1:
            desc = ", ".join(f"{aval(x).shape} (axis {d})"
                             for x, d in zip(leaves, dims, strict=True) if d is not None)
            raise BatchingError(f"vmap got inconsistent sizes for the mapped axis: {desc} "
                                f"(at {user_location()})")
        if not sizes:
            if axis_size is None:
                raise BatchingError("vmap must have at least one non-None value in in_axes, "
                                    f"or be given axis_size= (at {user_location()})")
            size = int(axis_size)
        else:
            size = sizes.pop()
            if axis_size is not None and int(axis_size) != size:
                raise BatchingError(f"vmap axis_size={axis_size} but the mapped axis has "
                                    f"size {size} (at {user_location()})")
        ex_avals = []
        for x, d in zip(leaves, dims, strict=True):
            a = aval(x)
            if d is None:
                ex_avals.append(a)
            else:
                ex_avals.append(ShapedArray(a.shape[:d] + a.shape[d + 1:], a.dtype,
                                            a.weak_type))
        ex_args, ex_kwargs = tree_util.tree_unflatten(in_tree, ex_avals)
        closed = make_graph(fun)(*ex_args, **ex_kwargs)
        outs, ods = batch_walk(closed.graph, closed.consts, leaves, dims, size)
        out_tree_val = tree_util.tree_unflatten(closed.out_tree, outs)
        o_axes = _flatten_axes("out_axes", out_tree_val, out_axes)
        final = []
        for o, d, want in zip(outs, ods, o_axes, strict=True):
            if want is None:
                if d is not None:
                    raise BatchingError(
                        "vmap out_axes=None for an output that depends on the mapped "
                        f"inputs (at {user_location()})")
                final.append(o)
                continue
            nd = len(aval(o).shape) + (d is None)
            want_n = _normalize(want, nd, "out_axes")
            final.append(bdim_at(o, d, size, want_n))
        return tree_util.tree_unflatten(closed.out_tree, final)

    return wrapped


__all__ = ["BatchingError", "batch_graph", "batch_rules", "batch_walk", "bdim_at",
           "broadcast_batch", "defbroadcasting", "moveaxis", "vmap"]
