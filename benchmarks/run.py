"""Run every benchmark and print one table (``python -m benchmarks``).

Absolute times vary from machine to machine: read the ratios, which are
measured against peers in the same run, round-robin, keeping minimums.
"""
from __future__ import annotations

import argparse
import sys

from benchmarks import bench_autodiff, bench_eager, bench_jit, bench_tracing, bench_vmap
from benchmarks.common import loadavg

BENCHES = {"tracing": bench_tracing.run, "eager": bench_eager.run,
           "autodiff": bench_autodiff.run, "vmap": bench_vmap.run, "jit": bench_jit.run}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("names", nargs="*", help=f"subset of {sorted(BENCHES)}")
    args = p.parse_args(argv)
    names = args.names or list(BENCHES)
    print(loadavg())
    for name in names:
        text, _ = BENCHES[name]()
        print(text)
        sys.stdout.flush()
    print("\n" + loadavg())
    return 0


if __name__ == "__main__":
    sys.exit(main())
