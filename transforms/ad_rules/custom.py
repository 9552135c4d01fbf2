"""JVP and VJP rules of ``custom_jvp_call``, ``custom_vjp_call`` and ``checkpoint``.

The user-facing wrappers and the design notes are in ``transforms/custom.py``
and ``transforms/remat.py``.  Operands of the custom calls are
``(*closed-over values, *array leaves of the user's arguments)``; ``spec``
(a ``transforms.custom.CallSpec``) rebuilds the user's arguments.

* ``custom_jvp_call``, forward: ``tangent_out = jvp_fn(*nondiff, primals,
  tangents)[1]`` with zero tangents instantiated (float0 for integers).
* ``custom_jvp_call``, reverse: ``t -> jvp_fn(primals, t)[1]`` is linear, so
  its VJP (taken with ``transforms.vjp.vjp`` at ``t = 0``) is the transpose
  ``ct -> J^T ct``.
* ``custom_vjp_call``, reverse: ``bwd(*nondiff, fwd(*args)[1], ct)`` (the
  residuals are recomputed at pullback time); forward mode raises.
* ``checkpoint``, reverse: recompute the sub-graph's values
  (``transforms.remat.rematerialize``), then ``backward_pass`` over it; forward: the
  tangent graph bound as a new ``checkpoint`` equation.
"""
from __future__ import annotations

from typing import Any, Sequence

from jax import tree_util

from tracer import dtypes
from tracer import primitives as P
from tracer.graphs import merge_lists
from tracer.ir import ShapedArray
from transforms.custom import CallSpec
from transforms.jvp import jvp_rules, live_output_rules
from transforms.remat import bind_checkpoint, rematerialize, tangent_graph
from transforms.util import aval, float0_zeros, is_float0, zeros
from transforms.vjp import backward_pass, vjp, vjp_rules

_PY_SCALARS = (bool, int, float, complex)


def _inexact(a: ShapedArray) -> bool:
    return dtypes.is_inexact(a.dtype)


def _closure_error(kind: str, spec: CallSpec) -> TypeError:
    return TypeError(
        f"Detected differentiation of a {kind} function ({spec.name}) with respect to a "
        "closed-over value. That isn't supported because the custom rule only specifies how "
        f"to differentiate the {kind} function with respect to its explicit arguments. Pass "
        f"the closed-over value into the {kind} function as an argument, and adapt the rule.")


def _zero_tangent(x: Any) -> Any:
    a = aval(x).strip_weak()
    return zeros(a) if _inexact(a) else float0_zeros(a)


def _cast(x: Any, dtype: Any) -> Any:
    from tracer import lax
    return lax.convert_element_type(x, dtype)


def _diff_operands(spec: CallSpec) -> set[int]:
    return {k for ks in spec.diff_operands() for k in ks if k is not None}


# -- custom_jvp_call --------------------------------------------------------------------


def _jvp_tangents_out(res: Any, spec: CallSpec, jvp_fn: Any, out: Sequence[Any]) -> list:
    """Check the user's ``(primal_out, tangent_out)``; the tangent leaves (None: zero)."""
    rule = getattr(jvp_fn, "__name__", "jvp")
    if not isinstance(res, (tuple, list)) or len(res) != 2:
        raise TypeError(f"Custom JVP rule {rule} for function {spec.name} must produce a pair "
                        "(list or tuple of length two) representing primal and tangent "
                        f"outputs, but got {res!r}.")
    p_out, t_out = res
    p_leaves, p_tree = tree_util.tree_flatten(p_out)
    if p_tree != spec.out_tree:
        raise TypeError(f"Custom JVP rule {rule} for function {spec.name} must produce a "
                        "primal output with the structure of the function's output "
                        f"{spec.out_tree}, but got {p_tree}.")
    t_leaves, t_tree = tree_util.tree_flatten(t_out)
    if t_tree != p_tree:
        raise TypeError(f"Custom JVP rule {rule} for function {spec.name} must produce "
                        "primal and tangent outputs with equal container (pytree) "
                        f"structures, but got {p_tree} and {t_tree} respectively.")
    result = []
    for p, o, t in zip(p_leaves, out, t_leaves, strict=True):
        oa = aval(o)
        if aval(p).shape != oa.shape:
            raise TypeError(f"Custom JVP rule {rule} for function {spec.name}: primal output "
                            f"{aval(p).str_short()} differs from the function's output "
                            f"{oa.str_short()}.")
        if not _inexact(oa) or is_float0(t):
            result.append(None)
            continue
        ta = aval(t)
        if ta.shape != oa.shape or (ta.dtype != oa.dtype and not ta.weak_type
                                    and type(t) not in _PY_SCALARS):
            raise TypeError("Custom JVP rule must produce primal and tangent outputs with "
                            f"corresponding shapes and dtypes. Expected {oa.str_short()} "
                            f"(tangent type of {oa.str_short()}) but got {ta.str_short()} "
                            f"(rule {rule} for function {spec.name}).")
        result.append(t if ta.dtype == oa.dtype and type(t) not in _PY_SCALARS
                      else _cast(t, oa.dtype))
    return result


def _call_user_jvp(jvp_fn: Any, spec: CallSpec, ops: Sequence[Any],
                   tans: Sequence[Any]) -> Any:
    nondiff, p_args = spec.split(spec.args(ops))
    _, t_args = spec.split(spec.args(tans))
    return jvp_fn(*nondiff, tuple(p_args), tuple(t_args))


def _custom_jvp_call_jvp(primals: Sequence[Any], tangents: Sequence[Any], out: Sequence[Any],
                         *, call: Any, jvp: Any, num_consts: int, spec: CallSpec) -> list:
    nc = num_consts
    if any(t is not None for t in tangents[:nc]):
        raise _closure_error("custom_jvp", spec)
    ops = list(primals[nc:])
    diff = _diff_operands(spec)
    if not any(tangents[nc + k] is not None for k in diff):
        return [None] * len(out)
    tans = [(tangents[nc + k] if tangents[nc + k] is not None else _zero_tangent(x))
            if k in diff else None for k, x in enumerate(ops)]
    res = _call_user_jvp(jvp, spec, ops, tans)
    return _jvp_tangents_out(res, spec, jvp, out)


def _custom_jvp_call_vjp(cts: Sequence[Any], primals: Sequence[Any], out: Sequence[Any],
                         needs: Sequence[bool], *, call: Any, jvp: Any, num_consts: int,
                         spec: CallSpec) -> list:
    nc = num_consts
    if any(needs[:nc]):
        raise _closure_error("custom_jvp", spec)
    ops = list(primals[nc:])
    diff = _diff_operands(spec)
    active = [k for k in sorted(diff) if needs[nc + k]]
    outs = [j for j, o in enumerate(out) if cts[j] is not None and _inexact(aval(o))]
    result: list[Any] = [None] * len(primals)
    if not active or not outs:
        return result

    def lin(*t_active: Any) -> list[Any]:
        tans = [_zero_tangent(x) if k in diff else None for k, x in enumerate(ops)]
        for k, t in zip(active, t_active, strict=True):
            tans[k] = t
        t_out = _jvp_tangents_out(_call_user_jvp(jvp, spec, ops, tans), spec, jvp, out)
        return [zeros(aval(out[j]).strip_weak()) if t_out[j] is None else t_out[j]
                for j in outs]

    # The rule is linear in the tangents: its VJP at t = 0 is its transpose.
    _, pullback = vjp(lin, *[zeros(aval(ops[k]).strip_weak()) for k in active])
    for k, c in zip(active, pullback([cts[j] for j in outs]), strict=True):
        result[nc + k] = c
    return result


jvp_rules[P.custom_jvp_call_p] = _custom_jvp_call_jvp
vjp_rules[P.custom_jvp_call_p] = _custom_jvp_call_vjp


# -- custom_vjp_call --------------------------------------------------------------------


def _custom_vjp_call_jvp(primals: Sequence[Any], tangents: Sequence[Any], out: Sequence[Any],
                         *, call: Any, fwd: Any, bwd: Any, num_consts: int,
                         spec: CallSpec) -> list:
    nc = num_consts
    if any(t is not None for t in tangents[:nc]):
        raise _closure_error("custom_vjp", spec)
    if any(tangents[nc + k] is not None for k in _diff_operands(spec)):
        raise TypeError(f"can't apply forward-mode autodiff (jvp) to a custom_vjp function "
                        f"({spec.name}); use reverse mode (grad, vjp, jacrev), or define the "
                        "function with custom_jvp instead.")
    return [None] * len(out)


def _bwd_cts(cts_in: Any, spec: CallSpec, diff_args: Sequence[Any], bwd: Any) -> list:
    """Per differentiable argument, its leaves' cotangents (None: zero)."""
    rule = getattr(bwd, "__name__", "bwd")
    if isinstance(cts_in, list):
        cts_in = tuple(cts_in)
    if not isinstance(cts_in, tuple) or len(cts_in) != len(diff_args):
        raise TypeError(f"Custom VJP bwd rule {rule} for function {spec.name} must produce "
                        "a tuple with one cotangent (or None) per differentiable argument "
                        f"({len(diff_args)}), but got {cts_in!r}.")
    per_arg = []
    for i, (c, a) in enumerate(zip(cts_in, diff_args, strict=True)):
        a_tree = tree_util.tree_structure(a)
        if c is None:
            per_arg.append([None] * a_tree.num_leaves)
            continue
        leaves, tree = tree_util.tree_flatten(c, is_leaf=lambda x: x is None)
        if tree != a_tree:
            leaves, tree = tree_util.tree_flatten(c)
        if tree != a_tree:
            raise TypeError(f"Custom VJP bwd rule {rule} for function {spec.name} must "
                            "produce an output with the same container (pytree) structure "
                            f"as the arguments; at argument {i} got {tree} for {a_tree}.")
        per_arg.append(leaves)
    return per_arg


def _custom_vjp_call_vjp(cts: Sequence[Any], primals: Sequence[Any], out: Sequence[Any],
                         needs: Sequence[bool], *, call: Any, fwd: Any, bwd: Any,
                         num_consts: int, spec: CallSpec) -> list:
    nc = num_consts
    if any(needs[:nc]):
        raise _closure_error("custom_vjp", spec)
    result: list[Any] = [None] * len(primals)
    if not any(needs[nc + k] for k in _diff_operands(spec)):
        return result
    ops = list(primals[nc:])
    args = spec.args(ops)
    pair = fwd(*args)   # recomputed at pullback time: only its residuals are used
    fname = getattr(fwd, "__name__", "fwd")
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise TypeError(f"Custom VJP fwd rule {fname} for function {spec.name} must produce "
                        "a pair (list or tuple of length two) where the first element is "
                        "the primal output and the second the residuals, but got "
                        f"{pair!r}.")
    if tree_util.tree_structure(pair[0]) != spec.out_tree:
        raise TypeError(f"Custom VJP fwd rule {fname} for function {spec.name} must produce "
                        "a primal output with the structure of the function's output "
                        f"{spec.out_tree}, but got {tree_util.tree_structure(pair[0])}.")
    residuals = pair[1]
    ct_leaves = [c if c is not None else _zero_tangent(o) for c, o in zip(cts, out, strict=True)]
    ct = tree_util.tree_unflatten(spec.out_tree, ct_leaves)
    nondiff, diff_args = spec.split(args)
    per_arg = _bwd_cts(bwd(*nondiff, residuals, ct), spec, diff_args, bwd)
    for i, (ks, leaves) in enumerate(zip(spec.diff_operands(), per_arg, strict=True)):
        for k, c in zip(ks, leaves, strict=True):
            if k is None or c is None or not needs[nc + k] or is_float0(c):
                continue
            xa, ca = aval(ops[k]), aval(c)
            if ca.shape != xa.shape:
                raise ValueError(
                    f"Custom VJP bwd rule {getattr(bwd, '__name__', 'bwd')} for function "
                    f"{spec.name} must produce cotangents with the shapes of the arguments, "
                    f"but for argument {i} it produced {ca.str_short()} for an input of "
                    f"type {xa.str_short()}.")
            if ca.dtype != xa.dtype or type(c) in _PY_SCALARS:
                c = _cast(c, xa.strip_weak().dtype)
            result[nc + k] = c
    return result


jvp_rules[P.custom_vjp_call_p] = _custom_vjp_call_jvp
vjp_rules[P.custom_vjp_call_p] = _custom_vjp_call_vjp


# -- checkpoint ------------------------------------------------------------------------


def _checkpoint_jvp(primals: Sequence[Any], tangents: Sequence[Any], out: Sequence[Any],
                    *, graph: Any, policy: Any, prevent_cse: bool, num_res: int,
                    live_outputs: Sequence[bool] | None = None) -> list:
    nonzeros = [t is not None for t in tangents]
    tg, consts, out_nz = tangent_graph(graph, nonzeros, live_outputs)
    t_outs = bind_checkpoint(tg, [*consts, *primals, *[t for t in tangents if t is not None]],
                             policy, prevent_cse)
    return merge_lists(out_nz, t_outs)


def _checkpoint_vjp(cts: Sequence[Any], primals: Sequence[Any], out: Sequence[Any],
                    needs: Sequence[bool], *, graph: Any, policy: Any, prevent_cse: bool,
                    num_res: int) -> list:
    g = graph.graph
    value_of = rematerialize(g, primals, out, cts, needs)
    return backward_pass(g, value_of, cts, needs)


jvp_rules[P.checkpoint_p] = _checkpoint_jvp
live_output_rules.add(P.checkpoint_p)
vjp_rules[P.checkpoint_p] = _checkpoint_vjp
