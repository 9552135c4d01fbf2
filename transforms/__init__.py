"""transforms: Graph -> Graph rewrites and the user-facing wrappers.

Autodiff: ``jvp``, ``linearize`` (forward, ``transforms.jvp``), ``vjp``
(reverse, ``transforms.vjp``), ``grad``, ``value_and_grad``, ``jacfwd``,
``jacrev``, ``hessian`` (``transforms.autodiff``).  ``vmap``; ``jit`` (``transforms.jit``).
"""
from __future__ import annotations

from transforms import ad_rules  # noqa: F401  (fills the rule tables)
from transforms.autodiff import grad, hessian, jacfwd, jacrev, value_and_grad
from transforms.custom import custom_jvp, custom_vjp
from transforms.jit import jit
from transforms.jvp import jvp, jvp_rules, linearize
from transforms.remat import checkpoint, checkpoint_policies, remat
from transforms.vjp import vjp, vjp_rules
from transforms import vmap_rules as _vmap_rules  # noqa: F401  (fills batch_rules)
from transforms.vmap import batch_rules, vmap
from transforms import test_util  # noqa: F401  (check_grads, as jax.test_util)

jacobian = jacrev   # as jax.jacobian

# tracer code with derivative rules (tracer.scipy) finds custom_jvp through this seam
from tracer import tracing as _tracing  # noqa: E402
_tracing.set_custom_jvp_maker(custom_jvp)

__all__ = ["jit", "checkpoint", "checkpoint_policies", "custom_jvp", "custom_vjp", "remat",
           "grad", "hessian", "jacfwd", "jacobian", "jacrev", "jvp", "jvp_rules", "linearize",
           "value_and_grad", "vjp", "vjp_rules", "vmap", "batch_rules"]
