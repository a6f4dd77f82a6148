"""Parameters, overrides, reuse and failures of the report machinery, on throwaway notebooks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gan_study import cli, execution, profiles, report

HEADER = "# %% [markdown]\n# # {title}\n\n"
PARAMS = '# %% tags=["parameters"]\n{body}\n\n'


def write_notebook(folder: Path, name: str, params: str, code: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    text = HEADER.format(title=name) + (PARAMS.format(body=params) if params else "")
    path.write_text(text + "# %%\n" + code + "\n")
    return path


@pytest.fixture(autouse=True)
def fake_package(tmp_path, monkeypatch):
    """Fingerprint a stand-in package, so edits elsewhere in src/ do not disturb the tests."""
    pkg = tmp_path / "fake_pkg"
    pkg.mkdir()
    (pkg / "mod.py").write_text("VALUE = 1\n")
    monkeypatch.setattr(execution, "PACKAGE_DIR", pkg)
    return pkg


@pytest.fixture()
def repo(tmp_path):
    """A tiny repository: notebooks/a.py (x, label) and notebooks/b.py (x, size)."""
    nbs = tmp_path / "notebooks"
    write_notebook(
        nbs,
        "a",
        'x = 1\nlabel = "a"',
        "from pathlib import Path\n"
        "with open('a_runs.txt', 'a') as fh:\n    fh.write(f'{x} {label}\\n')",
    )
    write_notebook(nbs, "b", "x = 2\nsize = 0.5", "print(x * size)")
    table = {
        "standard": {"a": {"x": 1, "label": "a"}, "b": {"x": 2, "size": 0.5}},
        "quick": {"a": {"x": 0, "label": "a"}, "b": {"x": 0, "size": 0.25}},
    }
    return tmp_path, table


def test_parameters_cell_is_read_as_literals(repo):
    root, _ = repo
    assert report.notebook_parameters(root / "notebooks" / "a.py") == {"x": 1, "label": "a"}


def test_parameters_cell_must_hold_literals(tmp_path):
    nb = write_notebook(tmp_path, "bad", "x = len([1])", "pass")
    with pytest.raises(report.BuildError, match="'x' must be a literal"):
        report.notebook_parameters(nb)


@pytest.mark.parametrize(
    "text, value",
    [("3", 3), ("0.5", 0.5), ("None", None), ("true", True), ("[1, 2]", [1, 2]), ("nv", "nv")],
)
def test_parse_value(text, value):
    assert report.parse_value(text) == value


def test_profile_values_and_overrides(repo):
    root, table = repo
    nbs = report.discover_notebooks(root)
    assert [nb.stem for nb in nbs] == ["a", "b"]
    assert report.resolve_parameters(nbs, "quick", profiles=table) == table["quick"]
    ovs = report.parse_overrides([("x", "7"), ("b.size", "2.0")])
    got = report.resolve_parameters(nbs, "standard", ovs, profiles=table)
    assert got == {"a": {"x": 7, "label": "a"}, "b": {"x": 7, "size": 2.0}}
    assert table["standard"]["a"]["x"] == 1  # the table itself is untouched


def test_unknown_override_lists_the_valid_names(repo):
    root, table = repo
    nbs = report.discover_notebooks(root)
    with pytest.raises(ValueError, match=r"no notebook has a parameter 'seed'.*label, size, x"):
        report.resolve_parameters(nbs, "standard", report.parse_overrides([("seed", "1")]), table)
    with pytest.raises(ValueError, match=r"notebook a has no parameter 'size'; valid: x, label"):
        report.resolve_parameters(nbs, "standard", report.parse_overrides([("a.size", "1")]), table)
    with pytest.raises(ValueError, match=r"no notebook 'c'; notebooks: a, b"):
        report.resolve_parameters(nbs, "standard", report.parse_overrides([("c.x", "1")]), table)


def test_override_of_the_wrong_type_is_rejected(repo):
    root, table = repo
    nbs = report.discover_notebooks(root)
    with pytest.raises(ValueError, match=r"-p x big: parameter a\.x is an int .*'big', a str"):
        report.resolve_parameters(nbs, "standard", report.parse_overrides([("x", "big")]), table)
    # an int is a valid float; a float is not a valid int
    got = report.resolve_parameters(
        nbs, "standard", report.parse_overrides([("b.size", "2")]), table
    )
    assert got["b"]["size"] == 2


@pytest.mark.parametrize("value, reads", [("abc", "'abc', a str"), ("1.5", "1.5, a float")])
def test_cli_names_the_parameter_its_type_and_the_bad_value(
    repo, monkeypatch, capsys, value, reads
):
    root, table = repo
    monkeypatch.chdir(root)
    monkeypatch.setattr(profiles, "PROFILES", table)
    code = cli.main(["book", "--no-html", "-p", "a.x", value])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"gan-study book: error: -p a.x {value}: parameter a.x is an int")
    assert f"reads as {reads}; pass an integer, e.g. -p a.x 1" in err
    assert "Traceback" not in err
    assert not (root / "_build").exists()  # rejected before anything was executed


def test_profile_errors(repo):
    root, table = repo
    nbs = report.discover_notebooks(root)
    with pytest.raises(ValueError, match="valid profiles: standard, quick"):
        report.resolve_parameters(nbs, "full", profiles=table)
    with pytest.raises(ValueError, match="notebook b has no entry in profile"):
        report.resolve_parameters(nbs, "standard", profiles={"standard": {"a": {"x": 1}}})
    bad = {"standard": {"a": {"x": 1, "zzz": 2}, "b": {}}}
    with pytest.raises(ValueError, match="sets zzz for notebook a"):
        report.resolve_parameters(nbs, "standard", profiles=bad)


def test_reuse_when_unchanged_and_rerun_when_source_or_parameters_change(repo):
    root, _ = repo
    nb, out = root / "notebooks" / "a.py", root / "_build" / "executed"
    runs = root / "a_runs.txt"

    first = report.execute_notebook(nb, {"x": 1, "label": "a"}, out, cwd=root)
    assert not first.reused and first.path.is_file()
    stamp = json.loads((out / "a.stamp.json").read_text())
    assert stamp["parameters"] == {"x": 1, "label": "a"}

    cells = json.loads(first.path.read_text())["cells"]
    injected = [c for c in cells if "injected-parameters" in c["metadata"].get("tags", [])]
    assert len(injected) == 1 and "hide-input" in injected[0]["metadata"]["tags"]

    again = report.execute_notebook(nb, {"x": 1, "label": "a"}, out, cwd=root)
    assert again.reused
    assert runs.read_text().splitlines() == ["1 a"]  # cwd is the root; ran once

    report.execute_notebook(nb, {"x": 2, "label": "a"}, out, cwd=root)
    nb.write_text(nb.read_text() + "\n# %%\nprint('changed')\n")
    changed = report.execute_notebook(nb, {"x": 2, "label": "a"}, out, cwd=root)
    assert not changed.reused
    assert runs.read_text().splitlines() == ["1 a", "2 a", "2 a"]
    assert report.is_fresh(nb, {"x": 2, "label": "a"}, out)
    assert not report.is_fresh(nb, {"x": 3, "label": "a"}, out)


def test_rerun_when_the_package_or_a_location_variable_changes(repo, fake_package, monkeypatch):
    root, _ = repo
    nb, out = root / "notebooks" / "b.py", root / "executed"
    monkeypatch.delenv("GAN_STUDY_DATA_DIR", raising=False)
    report.execute_notebook(nb, {"x": 2, "size": 0.5}, out, cwd=root)
    assert report.is_fresh(nb, {"x": 2, "size": 0.5}, out)
    (fake_package / "mod.py").write_text("VALUE = 2\n")
    assert not report.is_fresh(nb, {"x": 2, "size": 0.5}, out)
    (fake_package / "mod.py").write_text("VALUE = 1\n")
    assert report.is_fresh(nb, {"x": 2, "size": 0.5}, out)
    monkeypatch.setenv("GAN_STUDY_DATA_DIR", "/elsewhere")
    assert not report.is_fresh(nb, {"x": 2, "size": 0.5}, out)


def test_failing_notebook_names_itself_and_the_cell_and_is_not_fresh(tmp_path):
    nbs = tmp_path / "notebooks"
    nb = write_notebook(
        nbs, "03_broken", "n = 1", "y = n + 1\n\n# %%\nraise KeyError('no such run')"
    )
    out = tmp_path / "executed"
    with pytest.raises(report.NotebookFailed) as info:
        report.execute_notebook(nb, {"n": 1}, out, cwd=tmp_path)
    err = info.value
    assert err.notebook == "03_broken" and err.cell == 4 and err.ename == "KeyError"
    message = str(err)
    assert "03_broken.py" in message and "cell 4" in message and "no such run" in message
    assert not (out / "03_broken.stamp.json").exists()
    assert not (out / "03_broken.ipynb").exists()
    assert (out / "03_broken.failed.ipynb").is_file()
    assert not report.is_fresh(nb, {"n": 1}, out)


def test_build_stops_at_the_failing_notebook(tmp_path):
    nbs = tmp_path / "notebooks"
    write_notebook(nbs, "01_ok", "", "print('fine')")
    write_notebook(nbs, "02_bad", "", "1 / 0")
    write_notebook(nbs, "03_later", "", "open('later_ran', 'w').close()")
    with pytest.raises(report.NotebookFailed, match="02_bad.*ZeroDivisionError"):
        report.build(
            "standard", root=tmp_path, html=False, profiles={"standard": {}}, log=lambda s: None
        )
    assert not (tmp_path / "later_ran").exists()


def test_prerequisites_come_from_the_table_or_are_every_earlier_notebook(monkeypatch):
    nbs = [Path(f"notebooks/{n}.py") for n in ("01_a", "02_b", "03_c", "04_d")]
    monkeypatch.setattr(execution, "PREREQUISITES", {"01_a": (), "03_c": ("01_a",)})
    assert report.prerequisites(nbs[0], nbs) == []
    assert [p.stem for p in report.prerequisites(nbs[2], nbs)] == ["01_a"]
    assert [p.stem for p in report.prerequisites(nbs[3], nbs)] == ["01_a", "02_b", "03_c"]
    assert report.prerequisites(nbs[2], nbs[1:]) == []  # not selected: taken as done


def test_every_chapter_states_its_prerequisites():
    chapters = {nb.stem for nb in report.discover_notebooks(Path(__file__).parents[2])}
    assert chapters <= set(report.PREREQUISITES)
    for name, before in report.PREREQUISITES.items():
        assert all(b < name for b in before), name


def test_parallel_build_overlaps_free_notebooks_and_waits_for_prerequisites(tmp_path, monkeypatch):
    nbs = tmp_path / "notebooks"
    stamp = "import time\nopen('{0}', 'w').write(repr(time.time()))"
    write_notebook(nbs, "01_slow", "", "import time\ntime.sleep(6)\n" + stamp.format("slow_end"))
    write_notebook(nbs, "02_free", "", stamp.format("free_start"))
    write_notebook(nbs, "03_after", "", stamp.format("after_start"))
    monkeypatch.setattr(
        execution, "PREREQUISITES", {"01_slow": (), "02_free": (), "03_after": ("01_slow",)}
    )
    lines = []
    result = report.build(
        "standard", root=tmp_path, html=False, profiles={"standard": {}}, log=lines.append, jobs=2
    )
    read = lambda name: float((tmp_path / name).read_text())  # noqa: E731
    assert read("free_start") < read("slow_end") <= read("after_start")
    assert [e.name for e in result.executed] == ["01_slow", "02_free", "03_after"]
    assert lines.index("[03_after] executing (unless fresh) ...") > lines.index(
        next(line for line in lines if line.startswith("[01_slow] executed in"))
    )


def test_parallel_build_reports_the_failing_notebook(tmp_path):
    nbs = tmp_path / "notebooks"
    write_notebook(nbs, "01_ok", "", "print('fine')")
    write_notebook(nbs, "02_bad", "", "1 / 0")
    with pytest.raises(report.NotebookFailed, match="02_bad.*ZeroDivisionError") as info:
        report.build(
            "standard", root=tmp_path, html=False, profiles={"standard": {}}, log=print, jobs=2
        )
    assert info.value.notebook == "02_bad" and info.value.ename == "ZeroDivisionError"
    with pytest.raises(ValueError, match="jobs must be a positive integer"):
        report.build("standard", root=tmp_path, html=False, profiles={"standard": {}}, jobs=0)


def test_only_selects_by_stem_or_number(repo):
    root, table = repo
    write_notebook(root / "notebooks", "02_data", "", "pass")
    nbs = report.discover_notebooks(root)
    assert [p.stem for p in report._select(nbs, ["02"])] == ["02_data"]
    assert [p.stem for p in report._select(nbs, ["notebooks/a.py", "b"])] == ["a", "b"]
    with pytest.raises(ValueError, match="--only zz: no such notebook"):
        report._select(nbs, ["zz"])


def test_toc_puts_9x_notebooks_in_the_appendix(tmp_path):
    ex = [
        report.Executed(n, tmp_path / f"{n}.ipynb", False, 0.0) for n in ("01_a", "02_b", "99_env")
    ]
    toc = report.write_toc(tmp_path, ex).read_text()
    assert toc.index("notebooks/02_b") < toc.index("Appendix") < toc.index("notebooks/99_env")
    assert "bibliography" in toc


def test_missing_notebooks_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="run gan-study book from the repository root"):
        report.discover_notebooks(tmp_path)


def test_cli_rejects_an_unknown_parameter_with_the_valid_list(repo, monkeypatch, capsys):
    root, table = repo
    monkeypatch.chdir(root)
    monkeypatch.setattr(profiles, "PROFILES", table)
    code = cli.main(["book", "--profile", "quick", "-p", "epochs", "3", "--no-html"])
    assert code == 2
    err = capsys.readouterr().err
    assert "gan-study book: error:" in err and "valid parameters: label, size, x" in err


def test_cli_reports_a_failing_notebook(tmp_path, monkeypatch, capsys):
    write_notebook(tmp_path / "notebooks", "01_bad", "", "raise RuntimeError('kaput')")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(profiles, "PROFILES", {"quick": {}})
    assert cli.main(["book", "--profile", "quick", "--no-html"]) == 1
    err = capsys.readouterr().err
    assert "01_bad" in err and "cell 2" in err and "RuntimeError: kaput" in err


def test_binder_links_point_at_the_committed_py_files(tmp_path):
    (tmp_path / "notebooks").mkdir()
    page = tmp_path / "notebooks" / "02_data.html"
    page.write_text(
        '<a href="https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/notebooks/02_data.ipynb">'
    )
    assert report.point_launch_links_at_sources(tmp_path) == 1
    assert "notebooks/02_data.py" in page.read_text() and ".ipynb" not in page.read_text()


def test_native_log_noise_is_dropped_and_everything_else_kept():
    import nbformat

    noise = (
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1796219710.993422   11157 port.cc:153] oneDNN custom operations are on.\n"
        "E0000 00:00:1796219714.148498   11157 node_def_util.cc:682] NodeDef mentions attribute "
        "use_unbounded_threadpool which is not in the op definition: Op<name=MapDataset>\n"
    )
    real_error = "E0000 00:00:1796219714.1   11157 cuda_dnn.cc:1] could not create handle\n"
    warning = "/x/y.py:3: UserWarning: something a reader should see\n"
    cell = nbformat.v4.new_code_cell("pass")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text=noise),
        nbformat.v4.new_output("stream", name="stderr", text=noise + warning + real_error),
        nbformat.v4.new_output("stream", name="stdout", text="I0000 00:00:1.0 1 a.cc:1] kept\n"),
    ]
    nb = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_markdown_cell("text")])
    execution._drop_native_log_noise(nb)
    outs = nb.cells[0].outputs
    assert [o["name"] for o in outs] == ["stderr", "stdout"]  # the all-noise output is gone
    assert outs[0]["text"] == warning + real_error
    assert outs[1]["text"].startswith("I0000")  # stdout is never touched
