"""The notebooks stay thin: no function or class is defined in a code cell, and no cell is long.

Logic lives in the package, where it is tested; a notebook calls it. A
``def`` or ``class`` in a chapter is code that no unit test sees. (A
one-expression ``lambda`` passed to pandas, such as ``.map(lambda k: ...)``,
is a call, not a definition, and stays allowed.)

One idea per cell: no code cell but the ``parameters`` cell has more than
:data:`MAX_CELL_LINES` non-blank lines. A longer cell does two things (split
it) or computes what a function of the chapter's module should return as a
finished table or figure.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.py"))
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
#: The most non-blank lines (comments included) a code cell may have, the parameters cell excepted.
MAX_CELL_LINES = 15


def definitions(source: str) -> list[str]:
    """``kind name (line)`` of every function or class defined in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, DEFINITIONS):
            found.append(f"{type(node).__name__} {node.name} (line {node.lineno})")
    return found


def test_definitions_are_found():
    assert definitions("def f():\n    pass\nclass C:\n    pass\n") == [
        "FunctionDef f (line 1)",
        "ClassDef C (line 3)",
    ]
    assert definitions("s.map(lambda k: k + 1)\n") == []
    assert definitions("import functools\nrun = functools.partial(print, end='')\n") == []


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_function_is_defined_in_a_notebook(notebook):
    nb = jupytext.read(notebook)
    found = [
        f"cell {i}: {d}"
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for d in definitions(cell.source)
    ]
    assert not found, f"{notebook.name} defines code; move it into gan_study: {found}"


def long_cells(nb) -> list[str]:
    """``cell i (n lines): first line`` of every code cell over :data:`MAX_CELL_LINES`.

    Lines are counted without blank ones; the cell tagged ``parameters`` is exempt.
    """
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
            continue
        lines = [line for line in cell.source.splitlines() if line.strip()]
        if len(lines) > MAX_CELL_LINES:
            found.append(f"cell {i} ({len(lines)} lines): {lines[0]}")
    return found


def test_long_cells_are_found():
    text = (
        '# %% tags=["parameters"]\n'
        + "p = 1\n" * 20
        + "\n# %% [markdown]\n"
        + "# text\n" * 20
        + "\n# %%\n"
        + "x = 1\n\n" * MAX_CELL_LINES
        + "\n# %%\n"
        + "# a comment counts\n"
        + "y = 2\n" * MAX_CELL_LINES
    )
    nb = jupytext.reads(text, fmt="py:percent")
    assert [c.cell_type for c in nb.cells] == ["code", "markdown", "code", "code"]
    assert long_cells(nb) == [f"cell 3 ({MAX_CELL_LINES + 1} lines): # a comment counts"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_code_cell_is_long(notebook):
    found = long_cells(jupytext.read(notebook))
    assert not found, (
        f"{notebook.name}: code cells over {MAX_CELL_LINES} non-blank lines; split them, or move "
        f"the computation into the chapter's module as a function: {found}"
    )
