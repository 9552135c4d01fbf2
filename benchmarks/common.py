"""Timing helpers: round-robin, keep each variant's minimum (DESIGN.md section 10)."""
from __future__ import annotations

import os
import time
from typing import Callable


def round_robin(variants: dict[str, Callable[[], object]], repeats: int = 7,
                number: int = 1) -> dict[str, float]:
    """Seconds per call of each variant: the minimum over ``repeats`` rounds,
    the variants timed in turn (A, B, A, B, ...) so load hits all alike."""
    best = {k: float("inf") for k in variants}
    for fn in variants.values():  # warm up
        fn()
    for _ in range(repeats):
        for name, fn in variants.items():
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            best[name] = min(best[name], (time.perf_counter() - t0) / number)
    return best


def loadavg() -> str:
    try:
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "load average: n/a"


def table(title: str, header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    out = [f"\n== {title} ==", line, "-" * len(line)]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(out)
