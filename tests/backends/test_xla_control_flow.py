"""XLA lowerings of cond / while / scan / custom calls / checkpoint vs the NumPy backend."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracer.numpy as tnp
from tests.backends.xlacheck import check_xla
from tests.util import rand
from tracer import lax
from transforms import checkpoint, custom_jvp, custom_vjp


def test_switch_clamps_the_index() -> None:
    fs = [tnp.sin, tnp.cos, lambda x: x * 2.0]
    x = rand((3,))
    for i in [-5, 0, 1, 2, 7]:
        check_xla(lambda i, x: lax.switch(i, fs, x), np.int32(i), x)
        check_xla(lambda i, x: lax.switch(i, fs, x), np.int64(i), x)


def test_cond_index_clamped_by_the_lowering_itself() -> None:
    """A raw cond equation with an out-of-range index: the lowering clamps like NumPy."""
    def f(i: Any, x: Any) -> Any:
        from tracer.lax import _bind_cond
        return _bind_cond(i, (tnp.sin, tnp.cos), ("a", "b"), (x,), "test")
    for i in [-3, 0, 1, 9]:
        check_xla(f, np.int32(i), rand((2,)))


def test_cond_with_closure_and_several_outputs() -> None:
    w = rand((3,))

    def f(i: Any, x: Any) -> Any:
        return lax.switch(i, [lambda x: (x * w, tnp.sin(x)), lambda x: (x + w, x * x)], x)
    check_xla(f, np.int32(0), rand((3,)))
    check_xla(f, np.int32(1), rand((3,)))


def test_nested_cond_in_scan() -> None:
    def step(c: Any, x: Any) -> Any:
        i, acc = c
        acc = lax.switch(i, [lambda a: a * x, lambda a: tnp.sin(a) + x,
                             lambda a: lax.switch(i - i, [tnp.cos, tnp.sin], a)], acc)
        return (tnp.minimum(i + 1, 2), acc), acc * 2.0

    check_xla(lambda c, xs: lax.scan(step, (np.int32(0), c), xs), rand((2,)), rand((5, 2)))


def test_while_data_dependent_trip_count() -> None:
    def f(x: Any, limit: Any) -> Any:
        return lax.while_loop(lambda c: c[0] < limit, lambda c: (c[0] * 2.0, c[1] + c[0]),
                              (x, x * 0.0))
    for lim in [0.5, 3.0, 100.0, 1e6]:
        check_xla(f, np.float64(1.5), np.float64(lim))


def test_while_max_iterations() -> None:
    def f(x: Any) -> Any:
        return lax.while_loop(lambda c: c < 1e9, lambda c: c * 2.0, x, max_iterations=4)
    check_xla(f, np.float32(1.0))
    check_xla(lambda x: lax.while_loop(lambda c: c < 3.0, lambda c: c + 1.0, x,
                                       max_iterations=100), np.float64(0.0))
    check_xla(lambda x: lax.while_loop(lambda c: c < 3.0, lambda c: c + 1.0, x,
                                       max_iterations=0), np.float64(0.0))


def test_scan_pytree_carry_and_outputs() -> None:
    w = rand((3,))

    def step(c: Any, x: Any) -> Any:
        a, (b, k) = c
        return (a * x + b, (tnp.sin(b) * w, k + 1)), {"y": a * w, "z": tnp.cos(x)}

    init = (rand((3,)), (rand((3,)), np.int32(0)))
    check_xla(lambda init, xs: lax.scan(step, init, xs), init, rand((4, 3)))


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_reverse_and_multi_dim_xs(reverse: bool) -> None:
    def step(c: Any, xs: Any) -> Any:
        x, m = xs
        return c * 0.5 + tnp.sin(x), (c * x, m * x)

    check_xla(lambda c, xs: lax.scan(step, c, xs, reverse=reverse),
              rand((2,), np.float32), (rand((6, 2), np.float32), rand((6, 3, 2), np.float32)))


def test_scan_length_only_and_empty() -> None:
    check_xla(lambda c: lax.scan(lambda c, _: (c * 2.0, c), c, None, length=5), rand((2,)))
    check_xla(lambda c, xs: lax.scan(lambda c, x: (c + x, c * x), c, xs),
              rand((2,)), rand((0, 2)))


def test_fori_loop() -> None:
    check_xla(lambda x: lax.fori_loop(0, 7, lambda i, c: tnp.sin(c) + c, x), rand((3,)))


def test_custom_jvp_vjp_and_checkpoint_lower_the_primal() -> None:
    @custom_jvp
    def f(x: Any) -> Any:
        return tnp.sin(x) * x

    @f.defjvp
    def f_jvp(primals: Any, tangents: Any) -> Any:
        (x,), (t,) = primals, tangents
        return f(x), t * 2.0

    @custom_vjp
    def g(x: Any) -> Any:
        return tnp.cos(x) + x

    g.defvjp(lambda x: (g(x), x), lambda r, ct: (ct * r,))

    h = checkpoint(lambda x: tnp.sin(tnp.sin(x)) * x)
    check_xla(lambda x: h(g(f(x))) * 3.0, rand((4,)))
