"""JVP and VJP rules of elementwise primitives (the maths beside each rule).

Elementwise primitives broadcast NumPy-style, so every cotangent is summed
back to its operand's shape with ``unbroadcast`` and every tangent is
broadcast to the output's shape (by the arithmetic itself, or ``_bcast``).

Conventions, JAX's where a choice exists:

* ``abs'(x) = 1 if x >= 0 else -1`` (so ``abs'(0) = 1``, as ``jax.lax.abs``);
* ``max``/``min`` at ties split the derivative 0.5/0.5 (``jnp.maximum``); in
  forward mode the losing operand's tangent is dropped by a select (an infinite
  one leaves no NaN), in reverse mode the cotangent is multiplied, as JAX does;
* ``sqrt'(0) = inf``, ``cbrt'(0) = inf``, ``rsqrt'(0) = -inf`` (JAX's formulas);
* ``d/dy x**y = log(x) x**y`` uses ``log(1) = 0`` where ``x == 0``, and
  ``d/dx x**y = 0`` where ``y == 0`` (JAX does this for integer ``y`` only;
  here it holds for every ``y``, so ``d/dx x**0.0`` is 0, not NaN, at 0);
* piecewise-constant and non-float primitives (sign, floor, ceil, round,
  comparisons, bitwise ops, ``nextafter``, ``stop_gradient``) have zero
  derivative.

Complex inputs: rules of holomorphic functions are written without
conjugation, as in JAX (``ct * f'(x)``); ``convert_element_type`` between real
and complex converts tangents and cotangents as JAX does (the real part one
way, a zero imaginary part the other); ``abs`` of a complex array raises
(its derivative needs ``real``/``conj`` primitives, which graphjit lacks).
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from tracer import dtypes
from tracer import primitives as P
from tracer.tracing import bind
from transforms.jvp import defjvp, defjvp_linear, defjvp_zero, jvp_rules
from transforms.util import aval, unbroadcast
from transforms.vjp import defvjp, defvjp_zero, vjp_rules

# -- helpers (all bind primitives, so rules differentiate again) ------------------------


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(getattr(x, "shape", ()))


def _bcast(t: Any, out: Any) -> Any:
    """A tangent broadcast to the output's shape (if an operand was broadcast)."""
    if _shape(t) == _shape(out):
        return t
    return bind(P.broadcast_in_dim_p, t, shape=_shape(out),
                broadcast_dimensions=tuple(range(len(_shape(out)) - len(_shape(t)),
                                                 len(_shape(out)))))


def _c(x: Any, value: float) -> Any:
    """A scalar constant of ``x``'s dtype (a literal in graphs)."""
    return np.asarray(value, dtype=aval(x).dtype)[()]


def _mul(x: Any, y: Any) -> Any:
    return bind(P.mul_p, x, y)


def _div(x: Any, y: Any) -> Any:
    return bind(P.div_p, x, y)


def _add(x: Any, y: Any) -> Any:
    return bind(P.add_p, x, y)


def _sub(x: Any, y: Any) -> Any:
    return bind(P.sub_p, x, y)


def _neg(x: Any) -> Any:
    return bind(P.neg_p, x)


def _square(x: Any) -> Any:
    return bind(P.integer_pow_p, x, y=2)


def _where(pred: Any, on_true: Any, on_false: Any) -> Any:
    return bind(P.select_n_p, pred, on_false, on_true)


def _ct(ct: Any, x: Any) -> Any:
    """A cotangent summed back to operand ``x``'s shape."""
    return unbroadcast(ct, _shape(x))


def _inexact(x: Any) -> bool:
    return dtypes.is_inexact(aval(x).dtype)


def defunary(prim: P.Primitive, deriv: Callable[[Any, Any], Any]) -> None:
    """Both rules of a unary primitive from its derivative ``deriv(x, out) = f'(x)``:
    ``t -> t f'(x)`` forward, ``ct -> ct f'(x)`` backward (no conjugation, as JAX)."""
    defjvp(prim, lambda t, x, out, **_: _mul(t, deriv(x, out)))
    defvjp(prim, lambda ct, x, out, **_: _mul(ct, deriv(x, out)))


def defzero(*prims: P.Primitive) -> None:
    """Rows for primitives with zero derivative in both tables."""
    for p in prims:
        defjvp_zero(p)
        defvjp_zero(p)


# -- zero derivative: piecewise constant, boolean, integer, bit-level ------------------

defzero(P.sign_p, P.floor_p, P.ceil_p, P.round_p, P.is_finite_p, P.signbit_p, P.not_p,
        P.stop_gradient_p, P.nextafter_p, P.and_p, P.or_p, P.xor_p, P.shift_left_p,
        P.shift_right_arithmetic_p, P.shift_right_logical_p, P.eq_p, P.ne_p, P.lt_p,
        P.le_p, P.gt_p, P.ge_p)

# -- linear ---------------------------------------------------------------------------

# neg: d(-x) = -dx
defjvp_linear(P.neg_p)
defvjp(P.neg_p, lambda ct, x, out: _neg(ct))


def _add_jvp(primals: Sequence[Any], tangents: Sequence[Any], out: Any) -> Any:
    # d(x + y) = dx + dy (one broadcasting add when both are nonzero)
    tx, ty = tangents
    if tx is None and ty is None:
        return None
    if tx is None:
        return _bcast(ty, out)
    if ty is None:
        return _bcast(tx, out)
    return _bcast(_add(tx, ty), out)


def _sub_jvp(primals: Sequence[Any], tangents: Sequence[Any], out: Any) -> Any:
    # d(x - y) = dx - dy
    tx, ty = tangents
    if tx is None and ty is None:
        return None
    if tx is None:
        return _bcast(_neg(ty), out)
    if ty is None:
        return _bcast(tx, out)
    return _bcast(_sub(tx, ty), out)


jvp_rules[P.add_p] = _add_jvp
defvjp(P.add_p, lambda ct, x, y, out: _ct(ct, x), lambda ct, x, y, out: _ct(ct, y))
jvp_rules[P.sub_p] = _sub_jvp
defvjp(P.sub_p, lambda ct, x, y, out: _ct(ct, x), lambda ct, x, y, out: _ct(_neg(ct), y))

# mul: d(x * y) = dx * y + x * dy
defjvp(P.mul_p, lambda t, x, y, out: _bcast(_mul(t, y), out),
       lambda t, x, y, out: _bcast(_mul(x, t), out))
defvjp(P.mul_p, lambda ct, x, y, out: _ct(_mul(ct, y), x),
       lambda ct, x, y, out: _ct(_mul(x, ct), y))



def _div_dy(x: Any, y: Any, out: Any) -> Any:
    # d(x / y)/dy = -x / y^2, computed as (-(x / y)) / y: neither x * ct nor y^2 is formed,
    # which overflow (or underflow) where the derivative itself is finite (hypot's
    # reverse pass at 1e300 gave NaN; JAX's -x * y^-2 has the same problem at 1e-300).
    # The negation sits between the divisions on purpose: XLA rewrites (a / b) / c
    # into a / (b * c), which would bring y^2 back.
    return _div(_neg(out), y)


# div: d(x / y) = dx / y - (x / y) dy / y
defjvp(P.div_p, lambda t, x, y, out: _bcast(_div(t, y), out),
       lambda t, x, y, out: _bcast(_mul(t, _div_dy(x, y, out)), out))
defvjp(P.div_p, lambda ct, x, y, out: _ct(_div(ct, y), x),
       lambda ct, x, y, out: _ct(_mul(ct, _div_dy(x, y, out)), y))


def _trunc_div(x: Any, y: Any) -> Any:
    # trunc(x / y) = sign(x / y) floor(|x / y|)   (piecewise constant)
    q = _div(x, y)
    return _mul(bind(P.sign_p, q), bind(P.floor_p, bind(P.abs_p, q)))


# rem: rem(x, y) = x - y trunc(x / y);  d/dx = 1, d/dy = -trunc(x / y)
defjvp(P.rem_p, lambda t, x, y, out: _bcast(t, out),
       lambda t, x, y, out: _bcast(_mul(_neg(t), _trunc_div(x, y)), out))
defvjp(P.rem_p, lambda ct, x, y, out: _ct(ct, x),
       lambda ct, x, y, out: _ct(_mul(_neg(ct), _trunc_div(x, y)), y))


def _pow_dx(x: Any, y: Any, out: Any) -> Any:
    # d/dx x^y = y x^(y-1), and 0 where y == 0 (x^0 is constant, even at x = 0)
    jac = _mul(y, bind(P.pow_p, x, _sub(y, _c(y, 1))))
    return _where(bind(P.eq_p, y, _c(y, 0)), _c(jac, 0), jac)


def _pow_dy(x: Any, y: Any, out: Any) -> Any:
    # d/dy x^y = log(x) x^y, with log(1) = 0 in place of log(0) (JAX's convention)
    safe_x = _where(bind(P.eq_p, x, _c(x, 0)), _c(x, 1), x)
    return _mul(bind(P.log_p, safe_x), out)


defjvp(P.pow_p, lambda t, x, y, out: _bcast(_mul(t, _pow_dx(x, y, out)), out),
       lambda t, x, y, out: _bcast(_mul(t, _pow_dy(x, y, out)), out))
defvjp(P.pow_p, lambda ct, x, y, out: _ct(_mul(ct, _pow_dx(x, y, out)), x),
       lambda ct, x, y, out: _ct(_mul(ct, _pow_dy(x, y, out)), y))


def _balanced_eq(x: Any, out: Any, y: Any) -> Any:
    # d max(x, y)/dx = [x == out] / (1 + [y == out]): ties split 0.5 / 0.5 (JAX)
    num = bind(P.select_n_p, bind(P.eq_p, x, out), _c(out, 0), _c(out, 1))
    den = bind(P.select_n_p, bind(P.eq_p, y, out), _c(out, 1), _c(out, 2))
    return _div(num, den)


def _chosen(t: Any, x: Any, out: Any, y: Any) -> Any:
    # Forward mode: t * w_x as a select, not a product: where x loses, its tangent may be
    # inf (sqrt'(0) = inf) while max does not depend on x there, and 0 * inf would put a
    # NaN in the derivative (as jnp.maximum's does; JAX's jitted jnp.max selects).
    # Reverse mode keeps the product (_balanced_eq, JAX's): an infinite cotangent there is
    # an overflow downstream, and NaN says so where a select would give a silent 0.
    tie = _where(bind(P.eq_p, y, out), _mul(t, _c(out, 0.5)), t)
    return _where(bind(P.eq_p, x, out), tie, _c(out, 0))


for _p in (P.max_p, P.min_p):
    defjvp(_p, lambda t, x, y, out: _bcast(_chosen(t, x, out, y), out),
           lambda t, x, y, out: _bcast(_chosen(t, y, out, x), out))
    defvjp(_p, lambda ct, x, y, out: _ct(_mul(ct, _balanced_eq(x, out, y)), x),
           lambda ct, x, y, out: _ct(_mul(ct, _balanced_eq(y, out, x)), y))


def _atan2_dx(x: Any, y: Any) -> Any:
    # d/dx atan2(x, y) = y / (x^2 + y^2)
    return _div(y, _add(_square(x), _square(y)))


def _atan2_dy(x: Any, y: Any) -> Any:
    # d/dy atan2(x, y) = -x / (x^2 + y^2)
    return _div(_neg(x), _add(_square(x), _square(y)))


defjvp(P.atan2_p, lambda t, x, y, out: _bcast(_mul(t, _atan2_dx(x, y)), out),
       lambda t, x, y, out: _bcast(_mul(t, _atan2_dy(x, y)), out))
defvjp(P.atan2_p, lambda ct, x, y, out: _ct(_mul(ct, _atan2_dx(x, y)), x),
       lambda ct, x, y, out: _ct(_mul(ct, _atan2_dy(x, y)), y))


# -- unary ------------------------------------------------------------------------------

# exp' = exp;  exp2' = exp2 log 2;  expm1' = expm1 + 1
defunary(P.exp_p, lambda x, out: out)
defunary(P.exp2_p, lambda x, out: _mul(out, _c(out, math.log(2))))
defunary(P.expm1_p, lambda x, out: _add(out, _c(out, 1)))
# log' = 1/x;  log1p' = 1/(1 + x)
defjvp(P.log_p, lambda t, x, out: _div(t, x))
defvjp(P.log_p, lambda ct, x, out: _div(ct, x))
defjvp(P.log1p_p, lambda t, x, out: _div(t, _add(x, _c(x, 1))))
defvjp(P.log1p_p, lambda ct, x, out: _div(ct, _add(x, _c(x, 1))))
# sin' = cos;  cos' = -sin;  tan' = 1 + tan^2
defunary(P.sin_p, lambda x, out: bind(P.cos_p, x))
defunary(P.cos_p, lambda x, out: _neg(bind(P.sin_p, x)))
defunary(P.tan_p, lambda x, out: _add(_c(out, 1), _square(out)))
# asin' = 1/sqrt(1 - x^2);  acos' = -1/sqrt(1 - x^2);  atan' = 1/(1 + x^2)
defunary(P.asin_p, lambda x, out: bind(P.rsqrt_p, _sub(_c(x, 1), _square(x))))
defunary(P.acos_p, lambda x, out: _neg(bind(P.rsqrt_p, _sub(_c(x, 1), _square(x)))))
defjvp(P.atan_p, lambda t, x, out: _div(t, _add(_c(x, 1), _square(x))))
defvjp(P.atan_p, lambda ct, x, out: _div(ct, _add(_c(x, 1), _square(x))))
# sinh' = cosh;  cosh' = sinh;  tanh' = 1 - tanh^2
defunary(P.sinh_p, lambda x, out: bind(P.cosh_p, x))
defunary(P.cosh_p, lambda x, out: bind(P.sinh_p, x))
defunary(P.tanh_p, lambda x, out: _sub(_c(out, 1), _square(out)))
# asinh' = 1/sqrt(x^2 + 1);  acosh' = 1/sqrt(x^2 - 1);  atanh' = 1/((1 + x)(1 - x))
defunary(P.asinh_p, lambda x, out: bind(P.rsqrt_p, _add(_square(x), _c(x, 1))))
defunary(P.acosh_p, lambda x, out: bind(P.rsqrt_p, _sub(_square(x), _c(x, 1))))
defjvp(P.atanh_p, lambda t, x, out: _div(_div(t, _sub(_c(x, 1), x)), _add(_c(x, 1), x)))
defvjp(P.atanh_p, lambda ct, x, out: _div(_div(ct, _sub(_c(x, 1), x)), _add(_c(x, 1), x)))
# sqrt' = 0.5 / sqrt(x) (inf at 0, like JAX);  rsqrt' = -0.5 rsqrt(x) / x;
# cbrt' = (1/3) cbrt(x)^-2
defunary(P.sqrt_p, lambda x, out: _div(_c(out, 0.5), out))
defunary(P.rsqrt_p, lambda x, out: _mul(_c(out, -0.5), _div(out, x)))
defunary(P.cbrt_p, lambda x, out: _mul(_c(out, 1 / 3), bind(P.integer_pow_p, out, y=-2)))
# logistic' = s (1 - s);  erf' = 2/sqrt(pi) exp(-x^2)
defunary(P.logistic_p, lambda x, out: _mul(out, _sub(_c(out, 1), out)))
defunary(P.erf_p, lambda x, out: _mul(_c(x, 2 / math.sqrt(math.pi)),
                                      bind(P.exp_p, _neg(_square(x)))))


# abs: |x|' = 1 if x >= 0 else -1 (JAX's lax.abs: abs'(0) = 1)
def _abs_rule(t: Any, x: Any, out: Any) -> Any:
    if aval(x).dtype.kind == "c":
        # |z|' = re(conj(z) dz) / |z| needs real/conj primitives, which graphjit lacks
        raise NotImplementedError("the derivative of abs of a complex array is not "
                                  "supported (graphjit has no real/conj primitives)")
    return _where(bind(P.ge_p, x, _c(x, 0)), t, _neg(t))


defjvp(P.abs_p, lambda t, x, out: _abs_rule(t, x, out))
defvjp(P.abs_p, lambda ct, x, out: _abs_rule(ct, x, out))


def _integer_pow_deriv(x: Any, out: Any, y: int) -> Any:
    # d x^n = n x^(n-1) dx
    if y == 1:
        return None
    if y == 2:
        return _mul(_c(x, 2), x)
    return _mul(_c(x, y), bind(P.integer_pow_p, x, y=y - 1))


def _integer_pow_jvp(primals: Sequence[Any], tangents: Sequence[Any], out: Any, *,
                     y: int) -> Any:
    (t,) = tangents
    if t is None or y == 0:
        return None
    d = _integer_pow_deriv(primals[0], out, y)
    return t if d is None else _mul(t, d)


def _integer_pow_vjp(ct: Any, primals: Sequence[Any], out: Any, needs: Sequence[bool], *,
                     y: int) -> list[Any]:
    if ct is None or y == 0 or not needs[0]:
        return [None]
    d = _integer_pow_deriv(primals[0], out, y)
    return [ct if d is None else _mul(ct, d)]


jvp_rules[P.integer_pow_p] = _integer_pow_jvp
vjp_rules[P.integer_pow_p] = _integer_pow_vjp


# -- select_n and convert_element_type --------------------------------------------------


def _select_n_jvp(primals: Sequence[Any], tangents: Sequence[Any], out: Any) -> Any:
    # select_n(w, *cases)' = select_n(w, *cases')  (the selector gets no tangent)
    which, ts = primals[0], tangents[1:]
    if all(t is None for t in ts):
        return None
    zero = _c(out, 0)
    return _bcast(bind(P.select_n_p, which, *[zero if t is None else t for t in ts]), out)


def _select_n_vjp(ct: Any, primals: Sequence[Any], out: Any, needs: Sequence[bool]) -> list[Any]:
    # case i gets ct where w == i and 0 elsewhere, summed to its shape
    if ct is None:
        return [None] * len(primals)
    which, cases = primals[0], primals[1:]
    zero = _c(ct, 0)
    res: list[Any] = [None]
    for i, (case, need) in enumerate(zip(cases, needs[1:], strict=True)):
        if not need:
            res.append(None)
            continue
        masked = bind(P.select_n_p, which,
                      *[ct if j == i else zero for j in range(len(cases))])
        res.append(_ct(_bcast(masked, ct), case))
    return res


jvp_rules[P.select_n_p] = _select_n_jvp
vjp_rules[P.select_n_p] = _select_n_vjp


def _convert_jvp(primals: Sequence[Any], tangents: Sequence[Any], out: Any, *,
                 new_dtype: np.dtype, weak_type: bool = False) -> Any:
    # float -> float: the tangent is converted too; anything with int/bool: zero
    (t,) = tangents
    if t is None or not (_inexact(primals[0]) and dtypes.is_inexact(new_dtype)):
        return None
    return bind(P.convert_element_type_p, t, new_dtype=new_dtype, weak_type=weak_type)


def _convert_vjp(ct: Any, primals: Sequence[Any], out: Any, needs: Sequence[bool], *,
                 new_dtype: np.dtype, weak_type: bool = False) -> list[Any]:
    # the transpose of a float -> float conversion converts back to the input dtype
    (x,) = primals
    if ct is None or not needs[0] or not (_inexact(x) and dtypes.is_inexact(new_dtype)):
        return [None]
    xa = aval(x)
    return [bind(P.convert_element_type_p, ct, new_dtype=xa.dtype, weak_type=xa.weak_type)]


jvp_rules[P.convert_element_type_p] = _convert_jvp
vjp_rules[P.convert_element_type_p] = _convert_vjp
