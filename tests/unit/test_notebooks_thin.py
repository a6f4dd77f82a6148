"""The notebooks stay thin: no function or class is defined in a code cell.

Logic lives in the package, where it is tested; a notebook calls it. A
``def`` or ``class`` in a chapter is code that no unit test sees. (A
one-expression ``lambda`` passed to pandas, such as ``.map(lambda k: ...)``,
is a call, not a definition, and stays allowed.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.py"))
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


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
