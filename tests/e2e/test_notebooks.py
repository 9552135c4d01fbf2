"""Notebooks are built from their .py sources and execute cleanly."""
from __future__ import annotations

import pathlib
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "notebooks"))
import build  # noqa: E402


@pytest.mark.parametrize("name,src", sorted(build.NOTEBOOKS.items()))
def test_notebook_matches_its_source(name, src):
    on_disk = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    fresh = build.build(ROOT / "notebooks" / src)
    assert [c.source for c in on_disk.cells] == [c.source for c in fresh.cells], (
        f"{name} is stale: run python notebooks/build.py")


@pytest.mark.parametrize("name", sorted(build.NOTEBOOKS))
def test_notebook_executes(name):
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                      for o in c.get("outputs", []))
    assert "Error" not in outputs.replace("ConcretizationError", "")


def test_quickstart_script_runs():
    out = subprocess.run([sys.executable, "notebooks/quickstart.py"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    assert "eager loss:" in out and "loss from graph:" in out
    assert "{ lambda" in out
