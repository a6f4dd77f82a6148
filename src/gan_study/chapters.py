"""The chapter notebooks as files: where they are, how one is read, its ``parameters`` cell.

Every chapter is a ``notebooks/*.py`` file (jupytext py:percent,
:func:`discover_notebooks`) whose ``parameters`` cell declares its parameters
with their standard values (:func:`notebook_parameters`). This module imports
no other module of the package, so that :mod:`gan_study.profiles` (which reads
the standard profile from those cells), :mod:`gan_study.parameters` and
:mod:`gan_study.execution` can all stand on it. :class:`BuildError`, the error
of every step of a build, lives here because reading a chapter is the first.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any

import jupytext

NOTEBOOK_DIR = "notebooks"


class BuildError(Exception):
    """The report could not be built (bad configuration, jupyter-book failure)."""


def read_notebook(path: str | os.PathLike):
    """Read a jupytext py:percent notebook.

    Raises
    ------
    BuildError
        If jupytext cannot read it (the message names the file).
    """
    try:
        return jupytext.read(path, fmt="py:percent")
    except Exception as exc:  # jupytext raises several types on malformed files
        raise BuildError(f"cannot read notebook {path}: {exc}") from exc


def discover_notebooks(root: str | os.PathLike = ".") -> list[Path]:
    """Return the chapter notebooks ``root/notebooks/*.py``, sorted by name.

    Files whose name starts with ``_`` or ``.`` are ignored (helpers, drafts).

    Raises
    ------
    FileNotFoundError
        If ``root/notebooks`` does not exist (run from the repository root).
    """
    folder = Path(root) / NOTEBOOK_DIR
    if not folder.is_dir():
        raise FileNotFoundError(
            f"no {NOTEBOOK_DIR}/ folder under {Path(root).resolve()}; "
            "run gan-study book from the repository root"
        )
    return sorted(p for p in folder.glob("*.py") if not p.name.startswith(("_", ".")))


def notebook_parameters(path: str | os.PathLike) -> dict[str, Any]:
    """Read the defaults of a notebook's ``parameters`` cell.

    The cell is the one tagged ``parameters`` (``# %% tags=["parameters"]``);
    it may hold only assignments of literals (``name = 3``), with comments.

    Parameters
    ----------
    path : str or os.PathLike
        A jupytext py:percent notebook.

    Returns
    -------
    dict
        Parameter name -> default value, in the cell's order; empty when the
        notebook has no parameters cell.

    Raises
    ------
    BuildError
        If there are several parameters cells, or the cell holds something
        other than literal assignments.
    """
    path = Path(path)
    nb = read_notebook(path)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        return {}
    if len(cells) > 1:
        raise BuildError(f"{path}: {len(cells)} cells are tagged 'parameters'; keep one")
    try:
        tree = ast.parse(cells[0].source)
    except SyntaxError as exc:
        raise BuildError(f"{path}: the parameters cell is not valid Python: {exc}") from exc
    params: dict[str, Any] = {}
    for node in tree.body:
        target = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        if not isinstance(target, ast.Name):
            raise BuildError(
                f"{path}: line {node.lineno} of the parameters cell is not `name = literal`"
            )
        try:
            params[target.id] = ast.literal_eval(value)
        except ValueError as exc:
            raise BuildError(
                f"{path}: parameter {target.id!r} must be a literal (number, string, "
                f"None, list, dict...), got {ast.unparse(value)!r}"
            ) from exc
    return params
