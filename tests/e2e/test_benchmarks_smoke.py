"""The benchmarks still run (tiny sizes; the real runs are `python -m benchmarks`)."""
from __future__ import annotations

from benchmarks import bench_tracing


def test_tracing_benchmark_runs_small():
    text, results = bench_tracing.run(sizes=(20, 40))
    assert "make_graph" in text and set(results) == {20, 40}
