"""Array API conformance: the data-apis ``array-api-tests`` suite on graphjit and NumPy.

Not a timing benchmark and not part of ``python -m benchmarks`` or of pytest's
default run: it runs the conformance suite (minutes) once per namespace, on the
same settings, and prints passed/failed/skipped counts side by side, then the
tests that fail on graphjit but pass on NumPy, grouped by suite file::

    git clone --recursive https://github.com/data-apis/array-api-tests /tmp/aat
    pip install hypothesis ndindex
    python -m benchmarks.array_api_conformance --suite /tmp/aat

Decisions:

* Both namespaces run with the same flags (``--max-examples``, a fixed
  hypothesis seed, the same disabled extensions and skipped dtypes), so the
  counts are comparable; NumPy's failures are the suite's own strictness
  (NumPy is not fully conformant either).
* Complex dtypes are tested (graphjit has no real/imag/conj primitives yet, so
  its complex tests mostly fail): the suite cannot skip them, its
  ``dtype_helpers`` needs at least one complex dtype.
* The ``fft`` extension is disabled by default (graphjit has no FFT);
  ``--extensions`` chooses.
* The counts come from pytest's JUnit XML report (no plugin needed).
* ``--fast`` checks the harness only (report parsing and the table, on a
  built-in sample); it needs neither the suite nor the network.
"""
from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_MODULES = ("tracer.numpy", "numpy")
API_VERSION = "2024.12"


@dataclass
class Outcome:
    """One namespace's results: counts, and the node ids of failed tests."""

    module: str
    counts: collections.Counter = field(default_factory=collections.Counter)
    failed: set[str] = field(default_factory=set)
    seconds: float = 0.0


def parse_junit(xml_text: str, module: str) -> Outcome:
    """Counts (passed/failed/error/skipped) and failed test ids from a JUnit XML report.

    >>> o = parse_junit(SAMPLE_XML, "numpy")
    >>> dict(o.counts), sorted(o.failed)
    ({'passed': 1, 'failed': 1, 'skipped': 1}, ['array_api_tests/test_a.py::test_y'])
    """
    out = Outcome(module)
    root = ET.fromstring(xml_text)
    for suite in root.iter("testsuite"):
        out.seconds += float(suite.get("time", 0) or 0)
    for case in root.iter("testcase"):
        cls = case.get("classname", "")
        path = cls.replace(".", "/") + ".py" if cls else ""
        test_id = f"{path}::{case.get('name')}"
        kinds = {child.tag for child in case}
        if "failure" in kinds:
            out.counts["failed"] += 1
            out.failed.add(test_id)
        elif "error" in kinds:
            out.counts["error"] += 1
            out.failed.add(test_id)
        elif "skipped" in kinds:
            out.counts["skipped"] += 1
        else:
            out.counts["passed"] += 1
    return out


def run_suite(suite: Path, module: str, *, max_examples: int, seed: int,
              extensions: tuple[str, ...], workdir: Path,
              extra: tuple[str, ...] = ()) -> Outcome:
    """Run the suite on ``module`` in a subprocess and parse its report."""
    report = workdir / f"{module.replace('.', '_')}.xml"
    env = dict(os.environ, ARRAY_API_TESTS_MODULE=module, ARRAY_API_TESTS_VERSION=API_VERSION)
    cmd = [sys.executable, "-m", "pytest", "array_api_tests", "-q", "-p", "no:cacheprovider",
           "--max-examples", str(max_examples), f"--hypothesis-seed={seed}",
           "--disable-deadline", "--continue-on-collection-errors", f"--junitxml={report}",
           "-o", "junit_family=xunit2"]
    for ext in ("fft", "linalg"):
        if ext not in extensions:
            cmd += ["--disable-extension", ext]
    cmd += list(extra)
    subprocess.run(cmd, cwd=suite, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    if not report.exists():
        raise RuntimeError(f"the suite produced no report for {module}: run `cd {suite} && "
                           f"ARRAY_API_TESTS_MODULE={module} {' '.join(cmd)}` to see why")
    return parse_junit(report.read_text(), module)


def table(outcomes: list[Outcome]) -> str:
    """The counts side by side, and graphjit's failures that NumPy passes, by suite file.

    >>> a, b = parse_junit(SAMPLE_XML, "tracer.numpy"), parse_junit(SAMPLE_XML, "numpy")
    >>> "passed" in table([a, b])
    True
    """
    kinds = ("passed", "failed", "error", "skipped")
    width = max(12, *(len(o.module) for o in outcomes))
    lines = [f"Array API {API_VERSION} conformance (array-api-tests)", "",
             f"{'':10}" + "".join(f"{o.module:>{width + 2}}" for o in outcomes)]
    for k in kinds:
        lines.append(f"{k:10}" + "".join(f"{o.counts[k]:>{width + 2}}" for o in outcomes))
    lines.append(f"{'seconds':10}" + "".join(f"{o.seconds:>{width + 2}.0f}" for o in outcomes))
    if len(outcomes) >= 2:
        ours, ref = outcomes[0], outcomes[1]
        only = sorted(ours.failed - ref.failed)
        by_file: dict[str, list[str]] = collections.defaultdict(list)
        for t in only:
            path, _, name = t.partition("::")
            by_file[Path(path).name].append(name)
        lines += ["", f"failing on {ours.module} but not on {ref.module}: {len(only)}"]
        for fname, names in sorted(by_file.items()):
            lines.append(f"  {fname} ({len(names)}): {', '.join(names)}")
    return "\n".join(lines)


SAMPLE_XML = """<?xml version="1.0"?><testsuites><testsuite time="1.5">
<testcase classname="array_api_tests.test_a" name="test_x"/>
<testcase classname="array_api_tests.test_a" name="test_y"><failure message="m"/></testcase>
<testcase classname="array_api_tests.test_b" name="test_z"><skipped message="s"/></testcase>
</testsuite></testsuites>"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--suite", default=os.environ.get("ARRAY_API_TESTS_DIR"),
                   help="checkout of data-apis/array-api-tests, with its array-api submodule "
                        "(default: $ARRAY_API_TESTS_DIR)")
    p.add_argument("--modules", nargs="+", default=list(DEFAULT_MODULES))
    p.add_argument("--max-examples", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--extensions", nargs="*", default=["linalg"],
                   help="extensions to test (default: linalg; fft is disabled)")
    p.add_argument("--fast", action="store_true",
                   help="check the harness on a built-in sample (no suite, no network)")
    p.add_argument("--report-dir", help="keep the JUnit XML reports here (default: a "
                   "temporary directory)")
    p.add_argument("pytest_args", nargs="*", help="passed on to pytest (after --)")
    args = p.parse_args(argv)
    if args.fast:
        print(table([parse_junit(SAMPLE_XML, m) for m in args.modules]))
        return 0
    suite = Path(args.suite) if args.suite else None
    if suite is None or not (suite / "array_api_tests").is_dir():
        print("array-api-tests not found: clone it with\n  git clone --recursive "
              "https://github.com/data-apis/array-api-tests\nand pass --suite DIR",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(args.report_dir or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        outcomes = [run_suite(suite, m, max_examples=args.max_examples, seed=args.seed,
                              extensions=tuple(args.extensions), workdir=workdir,
                              extra=tuple(args.pytest_args))
                    for m in args.modules]
    print(table(outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
