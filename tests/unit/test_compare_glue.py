"""bench/compare_glue.py on tiny hand-made executed notebooks."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
from nbformat import v4  # noqa: E402

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "compare_glue.py"
PREFIX = "application/papermill.record/"


@pytest.fixture(scope="module")
def compare_glue():
    spec = importlib.util.spec_from_file_location("compare_glue", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _glue(name, text=None, png=None):
    """A glue output as myst-nb writes it (``display=False``)."""
    data = {}
    if png is not None:
        data[PREFIX + "image/png"] = png
    if text is not None:
        data[PREFIX + "text/plain"] = text
    meta = {"scrapbook": {"mime_prefix": PREFIX, "name": name}}
    return v4.new_output("display_data", data=data, metadata=meta)


def _write(folder: Path, stem: str, *outputs) -> Path:
    """A notebook with one code cell holding ``outputs`` (and some outputs that are not glue)."""
    noise = [
        v4.new_output("stream", name="stdout", text="training...\n"),
        v4.new_output("display_data", data={"text/markdown": "| a |", "text/plain": "<md>"}),
    ]
    cell = v4.new_code_cell("book.glue_value(...)", outputs=[*noise, *outputs])
    nb = v4.new_notebook(cells=[v4.new_markdown_cell("# chapter"), cell])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.ipynb"
    nbformat.write(nb, str(path))
    return path


def _builds(tmp_path, old_outputs, new_outputs):
    old, new = tmp_path / "old" / "executed", tmp_path / "new" / "executed"
    _write(old, "04_evaluation", *old_outputs)
    _write(new, "04_evaluation", *new_outputs)
    return old, new


def test_glued_values_reads_text_and_figures_and_ignores_other_outputs(compare_glue, tmp_path):
    path = _write(
        tmp_path,
        "02_data",
        _glue("n_images", "'10,015'"),
        _glue("fig-data-rgb", "<Figure size 640x480 with 2 Axes>", png="iVBOR"),
        _glue("n_images", "'7,011'"),
    )
    assert compare_glue.glued_values(path) == {
        "n_images": ["'10,015'", "'7,011'"],
        "fig-data-rgb": [compare_glue.FIGURE],
    }


def test_identical_builds_exit_zero(compare_glue, tmp_path, capsys):
    outputs = [_glue("best_fd", "'3.1 ± 0.2'"), _glue("fig-rgb", "<Figure>", png="AAAA")]
    old, new = _builds(tmp_path, outputs, outputs)
    assert compare_glue.main([str(old), str(new)]) == 0
    assert "2 glued names in both builds; all identical" in capsys.readouterr().out


def test_a_changed_value_is_printed_and_exits_one(compare_glue, tmp_path, capsys):
    old, new = _builds(
        tmp_path,
        [_glue("best_fd", "'3.1'"), _glue("n_seeds", "'2'")],
        [_glue("best_fd", "'3.2'"), _glue("n_seeds", "'2'")],
    )
    assert compare_glue.main([str(old), str(new)]) == 1
    out = capsys.readouterr().out
    assert "04_evaluation: best_fd: '3.1' -> '3.2'" in out
    assert "n_seeds" not in out
    assert "2 glued names in both builds; 1 differ" in out


def test_figures_count_by_presence_only(compare_glue, tmp_path):
    same, redrawn = _builds(
        tmp_path / "a",
        [_glue("fig-rgb", "<Figure size 640x480>", png="AAAA")],
        [_glue("fig-rgb", "<Figure size 700x480>", png="BBBB")],
    )
    assert compare_glue.compare(same, redrawn) == ([], 1, [])
    old, new = _builds(
        tmp_path / "b",
        [_glue("fig-rgb", "<Figure>", png="AAAA")],
        [_glue("fig-rgb", "'not a figure'")],
    )
    assert compare_glue.compare(old, new)[0] == [
        "04_evaluation: fig-rgb: <figure> -> 'not a figure'"
    ]


def test_names_and_notebooks_on_one_side_only_differ(compare_glue, tmp_path, capsys):
    old, new = _builds(tmp_path, [_glue("gone", "'1'")], [_glue("added", "'2'")])
    differences, compared, skipped = compare_glue.compare(old, new)
    assert compared == 0 and skipped == []
    assert differences == [
        "04_evaluation: added: only in the new build ('2')",
        "04_evaluation: gone: only in the old build ('1')",
    ]


def test_a_notebook_one_build_lacks_is_listed_but_not_compared(compare_glue, tmp_path, capsys):
    same = [_glue("best_fd", "'3.1'")]
    old, new = _builds(tmp_path, same, same)
    _write(old, "05_gan_problems", _glue("probe_ratio", "'12'"))  # the new build skipped 05
    assert compare_glue.compare(old, new) == (
        [],
        1,
        ["05_gan_problems: only in the old build, not compared"],
    )
    # a build folder stands for its executed/ folder
    assert compare_glue.main([str(old.parent), str(new.parent)]) == 0
    out = capsys.readouterr().out
    assert "05_gan_problems: only in the old build, not compared" in out
    assert "1 glued names in both builds; all identical" in out
    # --only leaves the other chapters out
    assert compare_glue.compare(old, new, only=["05", "06"]) == (
        [],
        0,
        ["05_gan_problems: only in the old build, not compared"],
    )
    assert compare_glue.compare(old, new, only=["99"]) == ([], 0, [])


def test_a_folder_without_notebooks_is_an_error(compare_glue, tmp_path, capsys):
    old, _ = _builds(tmp_path, [_glue("x", "'1'")], [_glue("x", "'1'")])
    assert compare_glue.main([str(old), str(tmp_path / "empty")]) == 2
    assert "no executed notebook" in capsys.readouterr().err
