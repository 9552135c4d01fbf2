# %% [markdown]
# # graphjit quickstart
#
# graphjit records ordinary NumPy-style Python into a graph IR, which
# transformations rewrite and backends run. This notebook shows the core:
# eager arrays, a recorded graph, the same numbers computed from the graph,
# structured control flow, plain NumPy code being traced, and an error that
# points at your line.

# %%
import numpy as np

import graphjit as gj
import graphjit.numpy as tnp  # NumPy's API, written on graphjit primitives

rng = np.random.default_rng(0)
w = rng.normal(size=(3, 2))
b = np.zeros(2)
x = rng.normal(size=(5, 3))
y = rng.normal(size=(5, 2))


def predict(w, b, x):
    return tnp.tanh(x @ w + b)


def loss(w, b, x, y):
    return tnp.mean((predict(w, b, x) - y) ** 2)


# %% [markdown]
# Outside any transformation, `tnp` computes at once (on the NumPy backend) and
# returns an immutable `gj.Array`, with the same dtypes NumPy would give.

# %%
eager = loss(w, b, x, y)
print("eager loss:     ", eager)
print("NumPy says:     ", np.mean((np.tanh(x @ w + b) - y) ** 2))

# %% [markdown]
# `make_graph` records the function abstractly into a graph (like
# `jax.make_jaxpr`); every equation remembers the line of user code it came from.

# %%
graph = gj.make_graph(loss)(w, b, x, y)
print(graph)
print("first equation came from", graph.eqns[0].source)

# %% [markdown]
# The graph is a value: run it on the NumPy reference backend.

# %%
(from_graph,) = gj.eval_graph(graph, w, b, x, y)
print("loss from graph:", from_graph)
assert np.allclose(from_graph, eager)

# %% [markdown]
# Derivatives: `gj.grad` runs the function once under a forwarding recorder
# (so Python `if`/`while` on values work, as in PyTorch), then walks the
# recorded graph backwards. It nests, and under `make_graph` it records the
# backward graph instead of running it.

# %%
grads = gj.grad(loss, argnums=(0, 1))(w, b, x, y)
print("d loss / d b:", grads[1])
print("second derivative of sin at 0.5:", gj.grad(gj.grad(tnp.sin))(0.5), "=", -np.sin(0.5))
backward = gj.make_graph(gj.grad(loss))(w, b, x, y)
print("the gradient as a graph has", len(backward.eqns), "equations")

# %% [markdown]
# `vmap` batches by rewriting the graph (per-example gradients here), and `jit`
# lowers the graph to StableHLO and compiles it with XLA.

# %%
per_example = gj.vmap(gj.grad(loss, argnums=1), in_axes=(None, None, 0, 0))(w, b, x, y)
print("per-example d loss / d b, shape", per_example.shape)

fast_loss = gj.jit(loss)
print("jit:", fast_loss(w, b, x, y), "compiled", fast_loss.num_compiles, "time(s)")
print(fast_loss.lower(w, b, x, y).as_text().splitlines()[1][:100], "...")

# %% [markdown]
# Structured control flow records a single equation whose body is a sub-graph.

# %%
def iterate(c):
    return gj.lax.fori_loop(0, 10, lambda i, c: 0.5 * c + tnp.sin(c), c)


print(gj.make_graph(iterate)(1.0))
print("value:", iterate(1.0))

# %% [markdown]
# Plain NumPy code traces too: `np.sin` on a traced value records `sin`.

# %%
def numpy_code(v):
    return np.sum(np.sin(v) ** 2, axis=0)


print(gj.make_graph(numpy_code)(np.arange(3.0)))

# %% [markdown]
# Errors name your line, not graphjit's internals.

# %%
def branchy(v):
    return v if v > 0 else -v


try:
    gj.make_graph(branchy)(1.0)
except gj.ConcretizationError as err:
    print(type(err).__name__ + ":", str(err).splitlines()[0])
