"""The benchmarks still run (tiny sizes; the real runs are `python -m benchmarks`)."""
from __future__ import annotations

from benchmarks import bench_autodiff, bench_jit, bench_tracing, bench_vmap


def test_tracing_benchmark_runs_small():
    text, results = bench_tracing.run(sizes=(20, 40))
    assert "make_graph" in text and set(results) == {20, 40}


def test_autodiff_benchmark_runs_small():
    text, results = bench_autodiff.run(depth=2, width=8, batch=4, seq=4, d_model=8,
                                       repeats=1, number=1)
    assert "eager grad" in text and "graph size" in text
    assert {"graphjit", "jax", "autograd"} <= set(results["eager_s"])
    assert all(v["graphjit"] > 0 and v["jax"] > 0 for v in results["graph_eqns"].values())


def test_vmap_benchmark_runs_small():
    text, results = bench_vmap.run(depth=2, width=8, batch=4, repeats=1, number=1)
    assert "vmap" in text and "hand-batched" in text
    assert set(results) == {"forward", "per-example grads"}
    assert all(r["ratio"] > 0 for r in results.values())


def test_jit_benchmark_runs_small():
    text, results = bench_jit.run(depth=2, width=8, batch=4, repeats=1, number=2,
                                  mlp_number=1, lower_number=1)
    assert "jax.jit" in text and "trace+lower" in text
    assert set(results) == {"call", "lower", "step"}
    assert all(r["ratio"] > 0 for r in results.values())
