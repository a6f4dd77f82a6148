"""Compare every glued value of two builds' executed notebooks.

Why: a change that only moves code (a cell split, a computation moved into
the package) must leave the report's numbers as they were. Each chapter
stores the numbers and texts of its prose with ``myst_nb.glue`` (through
``book.glue_value`` and ``book.glue_figure``); in an executed notebook a
glued value is a ``display_data`` output whose metadata carry
``{"scrapbook": {"name": ..., "mime_prefix": "application/papermill.record/"}}``
and whose data hold the value under that prefix (``.../text/plain``, and
``.../image/png`` for a figure). This script reads them from the ``*.ipynb``
of two ``<build>/executed/`` folders (a build folder with an ``executed/``
folder inside works too) and compares them by notebook and name: the
``text/plain`` of a value exactly, a figure only by its presence (its pixels
may differ with the fonts or the machine). A name glued several times is
compared as the list of its values.

It compares the notebooks that both folders hold (a build of a few chapters,
``gan-study book --only 02 05``, is compared on those; the others are listed
as not compared), prints one line per difference (a value changed, a name
glued on one side only) and exits 1 if there is any, 0 if every glued value
of the notebooks compared is identical::

    python bench/compare_glue.py _build_old/executed _build/executed
    python bench/compare_glue.py OLD NEW --only 02 05   # those chapters only

Values that depend on the machine or the clock (training times, for
instance) differ legitimately between builds that trained anew; a build that
reused the same runs and caches reproduces them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

#: Where myst-nb stores a glued value's data, unless its metadata say otherwise.
GLUE_PREFIX = "application/papermill.record/"
#: What stands for a glued figure: only its presence is compared.
FIGURE = "<figure>"


def glued_values(path: str | Path) -> dict[str, list[str]]:
    """Every value glued in one executed notebook.

    Parameters
    ----------
    path : path-like
        An executed ``.ipynb``.

    Returns
    -------
    dict
        Glue name -> its values in the order they were glued: the
        ``text/plain`` of each, or :data:`FIGURE` for an output with an image
        (a value with neither is shown by its MIME types).
    """
    nb = nbformat.read(str(path), as_version=4)
    values: dict[str, list[str]] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            record = output.get("metadata", {}).get("scrapbook")
            if not isinstance(record, dict) or "name" not in record:
                continue
            prefix = record.get("mime_prefix", GLUE_PREFIX)
            data = {
                mime.removeprefix(prefix): value for mime, value in output.get("data", {}).items()
            }
            if any(mime.startswith("image/") for mime in data):
                value = FIGURE
            elif "text/plain" in data:
                text = data["text/plain"]
                value = "".join(text) if isinstance(text, list) else str(text)
            else:
                value = f"<{', '.join(sorted(data))}>"
            values.setdefault(record["name"], []).append(value)
    return values


def executed_folder(folder: str | Path) -> Path:
    """``folder``, or its ``executed/`` folder when it holds no notebook itself but that one does."""
    folder = Path(folder)
    inner = folder / "executed"
    if not any(folder.glob("*.ipynb")) and any(inner.glob("*.ipynb")):
        return inner
    return folder


def _shown(values: list[str]) -> str:
    return values[0] if len(values) == 1 else "[" + ", ".join(values) + "]"


def compare(old_dir: str | Path, new_dir: str | Path, only=()) -> tuple[list[str], int, list[str]]:
    """The differences between the glued values of two folders of executed notebooks.

    Parameters
    ----------
    old_dir, new_dir : path-like
        Folders of executed notebooks (``<build>/executed``).
    only : sequence of str, optional
        Compare only the notebooks whose name starts with one of these
        (``["02", "05"]``); empty: every notebook of either folder.

    Returns
    -------
    differences : list of str
        One line per difference in the notebooks both folders hold:
        ``notebook: name: old -> new`` for a changed value, or a line saying
        which side lacks a glued name.
    compared : int
        The glued names found in both builds.
    skipped : list of str
        One line per notebook that only one folder holds (not compared).
    """
    old_dir, new_dir = executed_folder(old_dir), executed_folder(new_dir)
    names = {p.stem for d in (old_dir, new_dir) for p in d.glob("*.ipynb")}
    if only:
        names = {n for n in names if n.startswith(tuple(only))}
    differences, compared, skipped = [], 0, []
    for notebook in sorted(names):
        old_path, new_path = old_dir / f"{notebook}.ipynb", new_dir / f"{notebook}.ipynb"
        if not (old_path.is_file() and new_path.is_file()):
            side = "old" if old_path.is_file() else "new"
            skipped.append(f"{notebook}: only in the {side} build, not compared")
            continue
        old, new = glued_values(old_path), glued_values(new_path)
        for name in sorted(old.keys() | new.keys()):
            if name not in new:
                differences.append(
                    f"{notebook}: {name}: only in the old build ({_shown(old[name])})"
                )
            elif name not in old:
                differences.append(
                    f"{notebook}: {name}: only in the new build ({_shown(new[name])})"
                )
            else:
                compared += 1
                if old[name] != new[name]:
                    differences.append(
                        f"{notebook}: {name}: {_shown(old[name])} -> {_shown(new[name])}"
                    )
    return differences, compared, skipped


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("old", help="executed notebooks of the earlier build (<build>/executed)")
    parser.add_argument("new", help="executed notebooks of the later build")
    parser.add_argument(
        "--only", nargs="+", default=(), metavar="PREFIX", help="notebooks starting with these"
    )
    args = parser.parse_args(argv)
    for folder in (args.old, args.new):
        if not any(executed_folder(folder).glob("*.ipynb")):
            print(f"compare_glue: error: no executed notebook in {folder}", file=sys.stderr)
            return 2
    differences, compared, skipped = compare(args.old, args.new, args.only)
    for line in [*skipped, *differences]:
        print(line)
    verdict = f"{len(differences)} differ" if differences else "all identical"
    print(f"{compared} glued names in both builds; {verdict}")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
