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


_UP = ("transforms", "backends", "graphjit")


def _imports_anywhere(tree: ast.AST) -> list[str]:
    """Every module an AST imports, in any form: ``import``/``from`` at any depth, and
    ``importlib.import_module("...")`` / ``__import__("...")`` with a literal name."""
    mods = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            mods.append(node.module)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name in ("import_module", "__import__"):
                mods.append(node.args[0].value)
    return mods


def test_tracer_never_imports_transforms_or_backends():
    """No import of the upper layers inside tracer/, in any form (functions included):
    the eager backend is found through the seam (``tracing.set_eager_backend``, loaded
    by the ``graphjit.backends`` entry point), custom_jvp through
    ``tracing.set_custom_jvp_maker``."""
    bad = []
    for path in (ROOT / "tracer").rglob("*.py"):
        for m in _imports_anywhere(ast.parse(path.read_text())):
            if m.split(".")[0] in _UP:
                bad.append(f"{path.relative_to(ROOT)}: imports {m}")
    assert not bad, bad


def _package_of(path: pathlib.Path) -> str:
    rel = path.relative_to(ROOT)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def test_no_package_writes_another_packages_private_names():
    """``mod._name = ...``, ``mod._name[i] = ...`` or ``mod._name.update(...)`` where
    ``mod`` comes from another package (as backends once filled tnp's dispatch tables)."""
    bad = []
    files = [ROOT / "graphjit.py"] + [p for d in ("tracer", "transforms", "backends")
                                      for p in (ROOT / d).rglob("*.py")]
    for path in files:
        own = _package_of(path)
        tree = ast.parse(path.read_text())
        foreign: set[str] = set()   # local names bound to other packages' modules
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.split(".")[0] != own and a.name.split(".")[0] in (
                            "tracer", "transforms", "backends"):
                        foreign.add(a.asname or a.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                if node.module.split(".")[0] != own and node.module.split(".")[0] in (
                        "tracer", "transforms", "backends"):
                    foreign.update(a.asname or a.name for a in node.names)

        def private_of_foreign(t: ast.AST) -> bool:
            while isinstance(t, ast.Subscript):
                t = t.value
            return (isinstance(t, ast.Attribute) and t.attr.startswith("_")
                    and not t.attr.startswith("__") and isinstance(t.value, ast.Name)
                    and t.value.id in foreign)

        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.func.attr in ("update", "append", "extend", "clear", "pop",
                                       "setdefault", "__setitem__"):
                targets = [node.func.value]
            for t in targets:
                if private_of_foreign(t):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
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
