"""The coverage matrix and the import direction (DESIGN.md sections 2 and 5)."""
from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import backends
import backends.xla.lower as xla_lower
import transforms
from tracer import primitives as P

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Tables every primitive must have a row in, and exemptions with their reasons.
TABLES = {
    "shape rule": lambda p: p.abstract_eval.__name__ != "rule" or
    p.abstract_eval.__qualname__.split(".")[0] != "_no_rule",
    "numpy impl": lambda p: p in backends.impls,
    "jvp rule": lambda p: p in transforms.jvp_rules,
    "vjp rule": lambda p: p in transforms.vjp_rules,
    "batch rule": lambda p: p in transforms.batch_rules,
    "xla lowering": lambda p: p in xla_lower.lowerings,
}
EXEMPT: dict[tuple[str, str], str] = {}


def test_coverage_matrix():
    """Every primitive has a row in every table (or a listed exemption)."""
    missing = []
    for name, prim in sorted(P.all_primitives.items()):
        for table, has in TABLES.items():
            if not has(prim) and (name, table) not in EXEMPT:
                missing.append(f"{name}: no {table}")
    assert not missing, "\n".join(missing)


def test_every_primitive_has_a_real_shape_rule():
    for name, prim in P.all_primitives.items():
        assert "_no_rule" not in prim.abstract_eval.__qualname__, name


def test_tracer_has_no_module_level_import_of_transforms_or_backends():
    bad = []
    for path in (ROOT / "tracer").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:  # module level only: imports inside functions are lazy
            mods = []
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                mods = [node.module]
            for m in mods:
                if m.split(".")[0] in ("transforms", "backends", "graphjit"):
                    bad.append(f"{path.relative_to(ROOT)}: import {m}")
    assert not bad, bad


def test_tracer_imports_without_backends():
    code = ("import sys, tracer, tracer.numpy, tracer.lax;"
            "assert 'backends' not in sys.modules, 'backends imported';"
            "assert 'transforms' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_backends_do_not_import_transforms():
    for path in (ROOT / "backends").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("transforms"), path


def test_ruff_clean():
    import shutil

    import pytest
    ruff = shutil.which("ruff")
    if ruff is None:  # pragma: no cover - ruff is in the test extra
        pytest.fail("ruff is not installed (it is part of the [test] extra)")
    r = subprocess.run([ruff, "check", "--output-format", "concise", "."], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
