"""jit(donate_argnums=...): donated inputs alias outputs; a donated Array cannot be reused."""
from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tracer.numpy as tnp
from backends import Array
from backends.array import DonatedArrayError, is_donated
from transforms import jit

HERE = __file__.rsplit("/", 1)[-1]


def step(w, g, lr):
    return w - lr * g, tnp.sum(g * g)


def line_of(marker: str) -> int:
    """The line number of this file holding ``marker`` (a comment on the line)."""
    with open(__file__) as f:
        return next(i for i, line in enumerate(f, 1) if marker in line and "line_of" not in line)


def test_lowered_text_marks_aliasing_like_jax() -> None:
    w, g = np.ones(4), np.full(4, 0.5)
    text = jit(step, donate_argnums=0).lower(w, g, 0.1).as_text()
    main = next(line for line in text.splitlines() if "@main(" in line)
    assert "tf.aliasing_output = 0 : i32" in main
    assert main.count("tf.aliasing_output") == 1  # only the donated argument
    with jax.enable_x64(True):
        ref = jax.jit(lambda w, g: (w - 0.1 * g, jnp.sum(g * g)), donate_argnums=0)
        jtext = ref.lower(jnp.asarray(w), jnp.asarray(g)).as_text()
    assert "tf.aliasing_output = 0 : i32" in jtext  # the same attribute JAX emits
    plain = jit(step).lower(w, g, 0.1).as_text()
    assert "aliasing_output" not in plain and "buffer_donor" not in plain


def test_alias_pairs_by_shape_and_dtype() -> None:
    def f(a, b, c):
        return tnp.sum(a), b * 2.0, c + 1

    a, b, c = np.ones(3), np.ones((2, 2)), np.arange(3)
    text = jit(f, donate_argnums=(0, 1, 2)).lower(a, b, c).as_text()
    main = next(line for line in text.splitlines() if "@main(" in line)
    args = re.findall(r"%\w+: tensor<[^>]*>(?: \{[^}]*\})?", main)
    assert "jax.buffer_donor = true" in args[0]  # no float64[3] output: a donor only
    assert "tf.aliasing_output = 1 : i32" in args[1]
    assert "tf.aliasing_output = 2 : i32" in args[2]


def test_donated_results_are_correct_and_reuse_raises() -> None:
    f = jit(step, donate_argnums=0)
    w, g = Array(np.arange(4.0)), Array(np.full(4, 0.5))
    w2, loss = f(w, g, 0.1)
    np.testing.assert_allclose(np.asarray(w2), np.arange(4.0) - 0.05)
    np.testing.assert_allclose(float(loss), 1.0)
    assert is_donated(w) and not is_donated(g)
    np.testing.assert_array_equal(np.asarray(g), np.full(4, 0.5))  # untouched
    with pytest.raises(DonatedArrayError) as e:
        w + 1  # REUSE-LINE
    msg = str(e.value)
    assert f"{HERE}:{line_of('REUSE-LINE')}" in msg
    assert "jit(step)" in msg and "donate" in msg
    with pytest.raises(DonatedArrayError, match=HERE):
        f(w, g, 0.1)  # passing it again is a use too
    with pytest.raises(DonatedArrayError):
        np.asarray(w)


def test_donation_loop_feeds_results_back() -> None:
    f = jit(lambda w, g, lr: step(w, g, lr), donate_argnums=0)   # a fresh compile log
    w, g = Array(np.zeros(3)), Array(np.ones(3))
    for _ in range(5):
        w, _ = f(w, g, 0.5)
    np.testing.assert_allclose(np.asarray(w), -2.5)
    assert f.num_compiles == 1


def test_numpy_inputs_and_non_donated_args_untouched() -> None:
    f = jit(step, donate_argnums=0)
    w, g = np.arange(3.0), np.ones(3)
    w2, _ = f(w, g, 1.0)
    np.testing.assert_array_equal(w, np.arange(3.0))  # a NumPy array is never invalidated
    np.testing.assert_allclose(np.asarray(w2), np.arange(3.0) - 1)
    w3, _ = f(w, g, 1.0)
    np.testing.assert_allclose(np.asarray(w3), np.arange(3.0) - 1)


def test_pytree_argument_donates_every_leaf() -> None:
    def upd(params, g):
        return {k: v - g for k, v in params.items()}

    f = jit(upd, donate_argnums=0)
    params = {"a": Array(np.ones(2)), "b": Array(np.zeros(2))}
    g = Array(np.ones(2))
    text = f.lower(params, g).as_text()
    assert text.count("tf.aliasing_output") == 2
    out = f(params, g)
    np.testing.assert_allclose(np.asarray(out["a"]), 0.0)
    np.testing.assert_allclose(np.asarray(out["b"]), -1.0)
    assert is_donated(params["a"]) and is_donated(params["b"]) and not is_donated(g)


def test_static_args_shift_positions_and_aot_compile_donates() -> None:
    def f(n, x, y):
        return x * n, y

    jf = jit(f, static_argnums=0, donate_argnums=1)
    x, y = Array(np.ones(2)), Array(np.ones(2))
    text = jf.lower(3, x, y).as_text()
    main = next(line for line in text.splitlines() if "@main(" in line)
    assert main.count("tf.aliasing_output") == 1
    assert re.search(r"@main\(%\w+: tensor<2xf64> \{tf.aliasing_output = 0", main)
    compiled = jf.lower(3, x, y).compile()
    assert "input_output_alias" in compiled.as_hlo_text()  # XLA took the aliasing
    out = compiled(3, x, y)
    np.testing.assert_allclose(np.asarray(out[0]), 3.0)
    assert is_donated(x) and not is_donated(y)
