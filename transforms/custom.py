"""Custom derivative rules: ``custom_jvp`` and ``custom_vjp`` (``jax.custom_jvp``'s API).

A function decorated with ``custom_jvp``/``custom_vjp`` behaves exactly like
the function itself, except under differentiation, where the user's rule
replaces the derivative of its body::

    @custom_jvp
    def log1pexp(x):                      # log(1 + e^x), its naive derivative
        return tnp.log1p(tnp.exp(x))      # overflows to nan for large x

    @log1pexp.defjvp
    def log1pexp_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return log1pexp(x), t * (1.0 - 1.0 / (1.0 + tnp.exp(x)))

How it is represented (DESIGN.md sections 3 and 5):

* Eagerly, with no transformation active, calling the function just runs
  ``fun`` (no tracing at all).
* Under any recorder (``grad``/``jvp``/``vjp``'s forwarding recorders,
  ``make_graph``, ``jit``) ``fun`` is traced once, abstractly, into a
  const-free ``ClosedGraph`` (closed-over values become leading operands, as
  in ``tracer/lax.py``), and one equation ``custom_jvp_call`` /
  ``custom_vjp_call`` is bound.  Its params hold that graph (``call``), the
  user's rule functions (``jvp`` or ``fwd``/``bwd``), ``num_consts`` and a
  ``CallSpec`` (how the flat operands map back to the user's pytree
  arguments, the static ``nondiff_argnums`` values and the output tree).
  The NumPy backend evaluates ``call``.
* The derivative rules live in ``transforms/ad_rules/custom.py``:

  - ``custom_jvp_call`` forward mode calls the user's ``jvp_fn``; reverse
    mode is the VJP of ``t -> jvp_fn(primals, t)[1]`` (the rule is linear in
    the tangents, so its VJP is its transpose): no extra user code needed.
  - ``custom_vjp_call`` reverse mode calls ``fwd(*args)`` **at pullback
    time** to get the residuals (the forward is recomputed: our forwarding
    recorder already computed the output with ``fun``, and re-running
    ``fwd`` keeps the equation a plain function of its operands), then
    ``bwd(*nondiff, residuals, ct)``.  Forward mode raises, like JAX.

  The rules bind ordinary primitives in the context current when they run,
  so eagerly they compute, under ``make_graph`` they record, and under an
  outer ``grad``/``jacfwd`` they are differentiated again: ``grad(grad(f))``
  differentiates the user's ``bwd`` (which must then be differentiable).

Decisions and limits:

* ``nondiff_argnums`` arguments may be Python values (static: closed over by
  the trace, passed unchanged to the rules) or arrays (traced or not: they
  become operands that never receive a tangent or cotangent: traced ones are
  passed through ``stop_gradient`` at the call, as JAX does for custom_jvp,
  so no derivative of any order flows through them; the rules receive their
  values).  JAX
  refuses tracers there for ``custom_vjp``; accepting them is a superset.
* ``fun`` is traced abstractly, so Python control flow on traced values
  inside ``fun`` needs ``lax.cond``/``tnp.where`` (as in JAX).  The rules run
  on the values of the context they run in: eagerly they see concrete arrays.
* Differentiating with respect to a value ``fun`` closes over (rather than
  takes as an argument) raises, as in JAX: the rule cannot know about it.
* The rules run when the derivative is taken (pullback time for reverse
  mode), so they must not close over tracers of a transformation that has
  finished by then.
* ``symbolic_zeros=True`` is not supported: rules always receive
  instantiated zeros (float0 for integer inputs, as in JAX).
"""
from __future__ import annotations

import dataclasses
import functools
import inspect
from typing import Any, Callable, Sequence

import numpy as np
from jax import tree_util

from tracer import primitives as P
from tracer.ir import ShapedArray, aval_of_value
from tracer.graphs import lead_invars, trace_to_graph
from tracer.lax import stop_gradient
from tracer.tracing import (EAGER, Tracer, api_boundary, bind, current_context,
                            update_wrapper)

__all__ = ["custom_jvp", "custom_vjp", "CallSpec"]

_PY_SCALARS = (bool, int, float, complex)


def _is_array(x: Any) -> bool:
    """Arrays (host, device, traced, NumPy scalars) become operands; other leaves are static."""
    return (type(x) is Tracer or isinstance(x, (np.ndarray, np.generic))
            or hasattr(x, "aval")
            or (hasattr(x, "__array__") and hasattr(x, "shape") and hasattr(x, "dtype")))


def _aval(x: Any) -> ShapedArray:
    return x.aval if type(x) is Tracer else aval_of_value(x)


def _name(fun: Callable) -> str:
    return getattr(fun, "__name__", type(fun).__name__)


@dataclasses.dataclass(frozen=True, eq=False)
class CallSpec:
    """How a custom call's flat operands map back to the user's positional arguments.

    ``arg_trees[i]`` is the pytree structure of argument ``i``; its leaves are
    consecutive in ``kinds``/``statics``.  ``kinds[j]`` is the operand index
    of leaf ``j`` (after the ``num_consts`` closed-over operands), or ``None``
    for a static leaf whose value is ``statics[j]``.  Hashed by identity: it
    lives in equation params.

    >>> from tracer import make_graph
    >>> f = custom_jvp(lambda s, x: x * s, nondiff_argnums=(0,))
    >>> _ = f.defjvp(lambda s, p, t: (f(s, *p), t[0] * s))
    >>> spec = make_graph(lambda x: f(2.0, x))(1.0).eqns[0].params["spec"]
    >>> spec.kinds, spec.statics, spec.args(["x"])
    ((None, 0), (2.0, None), [2.0, 'x'])
    """

    name: str
    arg_trees: tuple
    kinds: tuple
    statics: tuple
    nondiff_argnums: tuple
    out_tree: Any = None

    def __repr__(self) -> str:
        return f"CallSpec({self.name}, nondiff_argnums={self.nondiff_argnums})"

    def args(self, operands: Sequence[Any]) -> list[Any]:
        """The user's positional arguments rebuilt from operand values."""
        out, j = [], 0
        for tree in self.arg_trees:
            n = tree.num_leaves
            leaves = [self.statics[k] if self.kinds[k] is None else operands[self.kinds[k]]
                      for k in range(j, j + n)]
            out.append(tree_util.tree_unflatten(tree, leaves))
            j += n
        return out

    def diff_operands(self) -> list[list[int]]:
        """Per differentiable argument, the operand indices of its leaves (in leaf order)."""
        res, j = [], 0
        for i, tree in enumerate(self.arg_trees):
            n = tree.num_leaves
            if i not in self.nondiff_argnums:
                res.append([self.kinds[k] for k in range(j, j + n)])
            j += n
        return res

    def split(self, args: Sequence[Any]) -> tuple[list[Any], list[Any]]:
        """``(nondiff args, differentiable args)``, each in argument order."""
        nd = [a for i, a in enumerate(args) if i in self.nondiff_argnums]
        d = [a for i, a in enumerate(args) if i not in self.nondiff_argnums]
        return nd, d


def _resolve_kwargs(fun: Callable, args: tuple, kwargs: dict, kind: str) -> tuple:
    if not kwargs:
        return args
    try:
        ba = inspect.signature(fun).bind(*args, **kwargs)
        ba.apply_defaults()
    except (TypeError, ValueError) as e:
        raise TypeError(f"The input arguments to the {kind}-decorated function {_name(fun)} "
                        f"could not be resolved to positional arguments: {e}") from None
    if ba.kwargs:
        raise TypeError(f"{kind} function {_name(fun)}: keyword-only arguments are not "
                        f"supported ({sorted(ba.kwargs)})")
    return tuple(ba.args)


def _normalize_argnums(nums: Sequence[int], n: int, kind: str, fun: Callable) -> tuple:
    out = []
    for i in nums:
        if not -n <= i < n:
            raise TypeError(f"{kind} function {_name(fun)}: nondiff_argnums={tuple(nums)} "
                            f"but it was called with {n} positional arguments")
        out.append(i % n)
    return tuple(sorted(set(out)))


def _bind_custom(prim: P.Primitive, kind: str, fun: Callable, nondiff_argnums: tuple,
                 args: tuple, rule_params: dict) -> Any:
    """Trace ``fun`` on ``args`` into a const-free graph and bind one ``prim`` equation."""
    nd = _normalize_argnums(nondiff_argnums, len(args), kind, fun)
    arg_trees, kinds, statics, operands = [], [], [], []
    for i, a in enumerate(args):
        leaves, tree = tree_util.tree_flatten(a)
        arg_trees.append(tree)
        for leaf in leaves:
            if _is_array(leaf) or (i not in nd and type(leaf) in _PY_SCALARS):
                if i in nd and type(leaf) is Tracer:
                    leaf = stop_gradient(leaf)   # no derivative at any order (as in JAX)
                kinds.append(len(operands))
                statics.append(None)
                operands.append(leaf)
            elif i in nd:
                kinds.append(None)
                statics.append(leaf)
            else:
                raise TypeError(
                    f"{kind} function {_name(fun)}: argument {i} contains a "
                    f"{type(leaf).__name__}, which is not an array; pass non-array values "
                    "in positions listed in nondiff_argnums")
    spec = CallSpec(_name(fun), tuple(arg_trees), tuple(kinds), tuple(statics), nd)

    def flat_fun(*ops: Any) -> Any:
        return fun(*spec.args(ops))

    traced = trace_to_graph(flat_fun, tuple(_aval(x) for x in operands), f"{kind} function "
                            f"{_name(fun)}")
    call = lead_invars(traced.graph, traced.graph.constvars)
    spec = dataclasses.replace(spec, out_tree=traced.out_tree)
    outs = bind(prim, *traced.consts, *operands, call=call, num_consts=len(traced.consts),
                spec=spec, **rule_params)
    return tree_util.tree_unflatten(traced.out_tree, outs)


class custom_jvp:
    """A function with a user-defined forward-mode derivative (like ``jax.custom_jvp``).

    ``jvp_fn(*nondiff_args, primals, tangents) -> (primal_out, tangent_out)``,
    with ``primals``/``tangents`` tuples of the differentiable arguments.
    Reverse mode (``grad``, ``vjp``, ``jacrev``) transposes the rule, so only
    the JVP is needed.  Usable as a decorator; ``defjvp`` returns its argument.

    >>> import tracer.numpy as tnp
    >>> from transforms import grad
    >>> @custom_jvp
    ... def f(x):
    ...     return tnp.sin(x)
    >>> @f.defjvp
    ... def f_jvp(primals, tangents):
    ...     (x,), (t,) = primals, tangents
    ...     return f(x), 2.0 * t          # a deliberately "wrong" derivative
    >>> float(grad(f)(0.3))
    2.0
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.jvp: Callable | None = None

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        return functools.partial(self, instance)

    def defjvp(self, jvp: Callable, symbolic_zeros: bool = False) -> Callable:
        """Set the JVP rule ``jvp(*nondiff_args, primals, tangents)``; returns ``jvp``.

        >>> import tracer.numpy as tnp
        >>> f = custom_jvp(tnp.exp)
        >>> _ = f.defjvp(lambda p, t: (f(*p), f(*p) * t[0]))
        """
        if symbolic_zeros:
            raise NotImplementedError("custom_jvp.defjvp(symbolic_zeros=True) is not "
                                      "supported: rules receive instantiated zeros")
        self.jvp = jvp
        return jvp

    def defjvps(self, *jvps: Callable | None) -> None:
        """One rule per argument, ``jvp_i(t_i, primal_out, *primals) -> contribution``
        (``None``: no dependence); the contributions are summed.

        >>> import tracer.numpy as tnp
        >>> f = custom_jvp(lambda x, y: x * y)
        >>> f.defjvps(lambda t, ans, x, y: t * y, lambda t, ans, x, y: x * t)
        """
        if self.nondiff_argnums:
            raise TypeError("Can't use ``defjvps`` with ``nondiff_argnums``.")

        def jvp(primals: tuple, tangents: tuple) -> tuple:
            primal_out = self(*primals)
            acc = None
            for f, t in zip(jvps, tangents, strict=True):
                if f is None:
                    continue
                contrib = f(t, primal_out, *primals)
                acc = contrib if acc is None else tree_util.tree_map(
                    lambda a, b: a + b, acc, contrib)
            if acc is None:
                import tracer.numpy as tnp
                acc = tree_util.tree_map(tnp.zeros_like, primal_out)
            return primal_out, acc

        self.defjvp(jvp)

    @api_boundary
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.jvp is None:
            raise AttributeError(f"No JVP defined for custom_jvp function {_name(self.fun)} "
                                 "using defjvp.")
        args = _resolve_kwargs(self.fun, args, kwargs, "custom_jvp")
        if current_context() is EAGER:
            return self.fun(*args)
        return _bind_custom(P.custom_jvp_call_p, "custom_jvp", self.fun, self.nondiff_argnums,
                            args, {"jvp": self.jvp})


class custom_vjp:
    """A function with a user-defined reverse-mode derivative (like ``jax.custom_vjp``).

    ``fwd(*args) -> (out, residuals)`` and
    ``bwd(*nondiff_args, residuals, ct) -> tuple`` with one cotangent (a
    pytree like the argument, or ``None`` for zero) per differentiable
    argument.  ``fwd`` runs when the pullback is applied (the forward is
    recomputed).  Forward mode (``jvp``, ``jacfwd``) raises, as in JAX.

    >>> import tracer.numpy as tnp
    >>> from transforms import grad
    >>> @custom_vjp
    ... def clip_gradient(x):
    ...     return x
    >>> def fwd(x):
    ...     return x, None
    >>> def bwd(_, g):
    ...     return (tnp.clip(g, -1.0, 1.0),)
    >>> clip_gradient.defvjp(fwd, bwd)
    >>> float(grad(lambda x: 5.0 * clip_gradient(x))(2.0))
    1.0
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        return functools.partial(self, instance)

    def defvjp(self, fwd: Callable, bwd: Callable, symbolic_zeros: bool = False,
               optimize_remat: bool = False) -> None:
        """Set the rule: ``fwd(*args) -> (out, res)``, ``bwd(*nondiff, res, ct) -> cts``.

        >>> f = custom_vjp(lambda x: 3.0 * x)
        >>> f.defvjp(lambda x: (f(x), None), lambda res, g: (3.0 * g,))
        """
        if symbolic_zeros:
            raise NotImplementedError("custom_vjp.defvjp(symbolic_zeros=True) is not "
                                      "supported: bwd receives instantiated zeros")
        self.fwd, self.bwd = fwd, bwd

    @api_boundary
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.fwd is None or self.bwd is None:
            raise AttributeError(f"No VJP defined for custom_vjp function {_name(self.fun)} "
                                 "using defvjp.")
        args = _resolve_kwargs(self.fun, args, kwargs, "custom_vjp")
        if current_context() is EAGER:
            return self.fun(*args)
        return _bind_custom(P.custom_vjp_call_p, "custom_vjp", self.fun, self.nondiff_argnums,
                            args, {"fwd": self.fwd, "bwd": self.bwd})
