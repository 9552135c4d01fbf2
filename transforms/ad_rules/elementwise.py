"""JVP and VJP rules of elementwise primitives (the maths beside each rule).

Elementwise primitives broadcast NumPy-style, so every cotangent is summed
back to its operand's shape with ``unbroadcast`` and every tangent is
broadcast to the output's shape by the arithmetic itself.
"""
from __future__ import annotations

from typing import Any

from tracer import primitives as P
from tracer.tracing import bind
from transforms.jvp import defjvp
from transforms.util import unbroadcast
from transforms.vjp import defvjp


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(getattr(x, "shape", ()))


def _bcast(t: Any, out: Any) -> Any:
    """A tangent broadcast to the output's shape (if an operand was broadcast)."""
    if _shape(t) == _shape(out):
        return t
    return bind(P.broadcast_in_dim_p, t, shape=_shape(out),
                broadcast_dimensions=tuple(range(len(_shape(out)) - len(_shape(t)),
                                                 len(_shape(out)))))


# add: d(x + y) = dx + dy
defjvp(P.add_p, lambda t, x, y, out: _bcast(t, out), lambda t, x, y, out: _bcast(t, out))
defvjp(P.add_p, lambda ct, x, y, out: unbroadcast(ct, _shape(x)),
       lambda ct, x, y, out: unbroadcast(ct, _shape(y)))

# mul: d(x * y) = dx * y + x * dy
defjvp(P.mul_p, lambda t, x, y, out: _bcast(bind(P.mul_p, t, y), out),
       lambda t, x, y, out: _bcast(bind(P.mul_p, x, t), out))
defvjp(P.mul_p, lambda ct, x, y, out: unbroadcast(bind(P.mul_p, ct, y), _shape(x)),
       lambda ct, x, y, out: unbroadcast(bind(P.mul_p, x, ct), _shape(y)))

# sin: d sin x = cos x dx
defjvp(P.sin_p, lambda t, x, out: bind(P.mul_p, t, bind(P.cos_p, x)))
defvjp(P.sin_p, lambda ct, x, out: bind(P.mul_p, ct, bind(P.cos_p, x)))
