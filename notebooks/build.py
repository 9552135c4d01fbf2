"""Build each ``notebooks/NN_name.ipynb`` from its ``name.py`` source.

The ``.py`` files (cells separated by ``# %%`` markers) are the source of
truth; ``tests/e2e/test_notebooks.py`` checks the notebooks are up to date
and executes them.  Run ``python notebooks/build.py`` after editing a source.
"""
from __future__ import annotations

import pathlib
import sys

import nbformat

HERE = pathlib.Path(__file__).resolve().parent
NOTEBOOKS = {"01_quickstart.ipynb": "quickstart.py"}


def cells_of(source: str) -> list[tuple[str, str]]:
    cells: list[tuple[str, str]] = []
    kind, lines = None, []
    for line in source.splitlines():
        if line.startswith("# %%"):
            if kind is not None:
                cells.append((kind, "\n".join(lines).strip("\n")))
            kind = "markdown" if "[markdown]" in line else "code"
            lines = []
        else:
            lines.append(line[2:] if kind == "markdown" and line.startswith("# ") else
                         ("" if kind == "markdown" and line == "#" else line))
    if kind is not None:
        cells.append((kind, "\n".join(lines).strip("\n")))
    return cells


def build(src: pathlib.Path) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    for kind, text in cells_of(src.read_text()):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        nb.cells.append(make(text))
    for i, cell in enumerate(nb.cells):  # stable ids keep the files diff-friendly
        cell["id"] = f"cell-{i}"
    return nb


def main() -> int:
    for name, src in NOTEBOOKS.items():
        nbformat.write(build(HERE / src), HERE / name)
        print("wrote", HERE / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
