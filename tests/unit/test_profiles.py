"""The profiles: the standard one is read from the notebooks' parameters cells, quick and
full change it, and the shared reference runs and classifier are defined once for every
chapter that uses them."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gan_study import profiles, report
from gan_study.config import GRID_PARAMETERS, RunGrid

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = report.discover_notebooks(ROOT)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_parameters_cell_equals_the_standard_profile(notebook):
    declared = report.notebook_parameters(notebook)
    assert declared, f"{notebook.name} needs a parameters cell"
    assert profiles.PROFILES["standard"][notebook.stem] == declared
    shared = {k for g in profiles.USES.get(notebook.stem, ()) for k in profiles.SHARED[g]}
    assert profiles.STANDARD[notebook.stem] == {
        k: v for k, v in declared.items() if k not in shared
    }


def test_the_profiles_are_read_from_the_checkout_the_package_comes_from():
    assert profiles.ROOT == ROOT
    assert list(profiles.STANDARD) == [nb.stem for nb in NOTEBOOKS]


def test_the_notebooks_are_read_on_first_use_not_on_import():
    code = (
        "import gan_study.profiles as p, gan_study.report\n"
        "assert 'STANDARD' not in vars(p) and 'PROFILES' not in vars(p), 'read on import'\n"
        "assert p.PROFILES['standard']['01_literature'] == p.STANDARD['01_literature']\n"
        "assert 'STANDARD' in vars(p) and 'PROFILES' in vars(p)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _checkout(tmp_path: Path, edits: dict[str, tuple[str, str]] | None = None) -> Path:
    """A copy of the chapters under ``tmp_path/notebooks``, with ``stem: (old, new)`` edits."""
    folder = tmp_path / "notebooks"
    folder.mkdir(parents=True)
    for nb in NOTEBOOKS:
        shutil.copy(nb, folder / nb.name)
    for stem, (old, new) in (edits or {}).items():
        path = folder / f"{stem}.py"
        text = path.read_text()
        assert text.count(old) == 1, (stem, old)
        path.write_text(text.replace(old, new))
    return tmp_path


def test_the_copied_chapters_give_the_same_profiles(tmp_path):
    standard = profiles.read_standard(_checkout(tmp_path))
    assert standard == profiles.STANDARD
    assert profiles.build_profiles(standard) == profiles.PROFILES


def test_a_changed_parameters_cell_changes_the_standard_profile(tmp_path):
    root = _checkout(
        tmp_path,
        {
            "02_data": ("\nimage_size = 64  #", "\nimage_size = 32  #"),
            "04_evaluation": ("\nn_eval = 2000  #", "\nn_eval = 1500  #"),
        },
    )
    standard = profiles.read_standard(root)
    assert standard["02_data"]["image_size"] == 32
    assert standard["04_evaluation"]["n_eval"] == 1500
    table = profiles.build_profiles(standard)
    assert table["standard"]["02_data"]["image_size"] == 32
    assert table["full"]["02_data"]["image_size"] == 64  # the changes still apply
    assert table["quick"]["04_evaluation"]["n_eval"] == 400
    assert table["full"]["04_evaluation"]["n_eval"] == 1500  # full does not change it
    assert profiles.PROFILES["standard"]["02_data"]["image_size"] == 64  # the checkout's


def test_a_notebook_without_a_parameters_cell_is_a_clear_error(tmp_path):
    root = _checkout(tmp_path, {"99_environment": ('# %% tags=["parameters"]', "# %%")})
    with pytest.raises(report.BuildError) as info:
        profiles.read_standard(root)
    message = str(info.value)
    assert "99_environment.py: no parameters cell" in message
    assert 'tags=["parameters"]' in message and "name = literal" in message


def test_an_unparsable_parameters_cell_names_the_notebook(tmp_path):
    root = _checkout(tmp_path, {"01_literature": ("\ndpi = 110", "\ndpi = int('110')")})
    with pytest.raises(report.BuildError, match=r"01_literature\.py: parameter 'dpi' must be"):
        profiles.read_standard(root)


def test_a_cell_that_strays_from_the_shared_values_is_a_clear_error(tmp_path):
    root = _checkout(tmp_path, {"06_synthetic_data": ("\ngan_epochs = 14", "\ngan_epochs = 12")})
    with pytest.raises(
        report.BuildError,
        match=r"06_synthetic_data\.py sets gan_epochs = 12 .*'gan_runs'.* has 14",
    ):
        profiles.read_standard(root)
    root = _checkout(
        tmp_path / "b", {"05_gan_problems": ("\nclassifier_epochs = 20", "\nepochs_seen = 20")}
    )
    with pytest.raises(report.BuildError, match="05_gan_problems.py .* lacks classifier_epochs"):
        profiles.read_standard(root)


def test_a_missing_notebooks_folder_names_the_fix(tmp_path):
    with pytest.raises(report.BuildError, match=r"install gan-study from its checkout"):
        profiles.read_standard(tmp_path)


@pytest.mark.parametrize("name", ["quick", "full"])
def test_every_profile_resolves_for_every_notebook(name):
    params = report.resolve_parameters(NOTEBOOKS, name)
    assert set(params) == {nb.stem for nb in NOTEBOOKS}


def test_quick_is_smaller_than_standard_for_the_data_chapter():
    assert profiles.PROFILES["quick"]["02_data"]["image_size"] == 28
    assert profiles.PROFILES["standard"]["02_data"]["image_size"] == 64


def test_changes_must_name_known_notebooks_and_parameters():
    base = {"a": {"x": 1}}
    assert profiles.merge_profile(base, {"a": {"x": 2}}) == {"a": {"x": 2}}
    assert base == {"a": {"x": 1}}  # not modified
    with pytest.raises(ValueError, match="unknown notebook 'b'"):
        profiles.merge_profile(base, {"b": {"x": 2}})
    with pytest.raises(ValueError, match="unknown parameter.*y.*valid: x"):
        profiles.merge_profile(base, {"a": {"y": 2}})


def test_unknown_profile_lists_the_valid_ones():
    with pytest.raises(ValueError, match="quick, standard, full"):
        profiles.get_profile("huge")
    copy = profiles.get_profile("quick")
    copy["02_data"]["image_size"] = 999
    assert profiles.PROFILES["quick"]["02_data"]["image_size"] == 28


# ------------------------------------------------------------ shared runs
GAN_USERS = ["03_training", "04_evaluation", "06_synthetic_data", "07_classroom"]


def _grid_call(notebook: Path) -> dict[str, str]:
    """The ``RunGrid(...)`` call of a notebook: keyword -> the parameter it passes."""
    calls = [
        node
        for node in ast.walk(ast.parse(notebook.read_text()))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "RunGrid"
    ]
    assert len(calls) == 1, f"{notebook.name} should build its runs with one RunGrid(...) call"
    return {kw.arg: kw.value.id for kw in calls[0].keywords}


def _grids(params) -> dict[str, RunGrid]:
    by_name = {nb.stem: nb for nb in NOTEBOOKS}
    out = {}
    for stem in GAN_USERS:
        call = _grid_call(by_name[stem])
        out[stem] = RunGrid(**{kw: params[stem][name] for kw, name in call.items()})
    return out


def test_the_chapters_that_use_gans_are_exactly_the_users_of_the_shared_runs():
    users = [stem for stem, groups in profiles.USES.items() if "gan_runs" in groups]
    assert users == GAN_USERS
    for nb in NOTEBOOKS:
        source = nb.read_text()
        if nb.stem not in GAN_USERS:  # chapter 5 trains its own small experiments, on purpose
            assert "RunGrid" not in source
    for stem in GAN_USERS:  # every field of the grid comes from the shared parameters
        call = _grid_call(next(nb for nb in NOTEBOOKS if nb.stem == stem))
        assert set(call.values()) == set(profiles.SHARED["gan_runs"]), stem
        assert call == GRID_PARAMETERS, stem  # the mapping RunGrid.from_parameters uses


@pytest.mark.parametrize("name", ["quick", "standard", "full"])
def test_every_chapter_gets_the_same_shared_values_in_every_profile(name):
    table = profiles.PROFILES[name]
    for group, defaults in profiles.SHARED.items():
        users = [stem for stem, groups in profiles.USES.items() if group in groups]
        values = [{k: table[stem][k] for k in defaults} for stem in users]
        assert all(v == values[0] for v in values), (group, users)
    grids = _grids(report.resolve_parameters(NOTEBOOKS, name))
    assert len(set(map(repr, grids.values()))) == 1  # one definition of the runs


def test_one_override_reaches_every_chapter_and_no_run_is_made_twice():
    overrides = report.parse_overrides(
        [
            ("gan_epochs", "3"),
            ("gan_models", "['dcgan', 'cdcgan']"),
            ("gan_recipe", "{'lr_warmup': 50}"),
        ]
    )
    params = report.resolve_parameters(NOTEBOOKS, "standard", overrides)
    grids = _grids(params)
    for grid in grids.values():
        assert (grid.epochs, grid.models, grid.recipe) == (
            3,
            ("dcgan", "cdcgan"),
            {"lr_warmup": 50},
        )
    assert [s for s in params if "gan_epochs" in params[s]] == GAN_USERS
    # what each chapter trains or reuses: 03 the first seed, 04 every seed, 06 the
    # first seed's cdcgan, 07 the first seed's gan_model -- all of them runs of 04's grid
    grid = grids["04_evaluation"]
    made = [c.run_name() for c in grid.configs()]
    assert len(set(made)) == len(made)
    assert {c.run_name() for c in grids["03_training"].configs(seeds=grid.seeds[:1])} <= set(made)
    assert grids["06_synthetic_data"].config("cdcgan").run_name() in made
    assert grids["07_classroom"].config(params["07_classroom"]["gan_model"]).run_name() in made
    # and a chapter that reuses runs waits for the chapter that makes them
    for stem in ("04_evaluation", "06_synthetic_data", "07_classroom"):
        assert "03_training" in report.PREREQUISITES[stem]


def test_an_override_of_a_shared_parameter_for_one_chapter_is_refused():
    for key in (
        "06_synthetic_data.gan_epochs",
        "03_training.image_size",
        "05_gan_problems.classifier_epochs",
    ):
        with pytest.raises(ValueError) as info:
            report.resolve_parameters(NOTEBOOKS, "standard", report.parse_overrides([(key, "3")]))
        name = key.split(".")[1]
        assert f"{name} belongs to the shared" in str(info.value)
        assert f"set it for all with -p {name}" in str(info.value)
    # chapter 5's own parameters stay its own
    got = report.resolve_parameters(
        NOTEBOOKS, "standard", report.parse_overrides([("05_gan_problems.image_size", "32")])
    )
    assert got["05_gan_problems"]["image_size"] == 32 and got["04_evaluation"]["image_size"] == 28


def test_a_notebook_entry_may_not_set_a_shared_parameter():
    shared = {"runs": {"n": 1}}
    uses = {"a": ("runs",), "b": ("runs",), "c": ()}
    got = profiles.with_shared({"a": {"x": 1}, "b": {}, "c": {"n": 5}}, shared, uses)
    assert got == {"a": {"x": 1, "n": 1}, "b": {"n": 1}, "c": {"n": 5}}
    with pytest.raises(ValueError, match="notebook b sets n itself.*'runs'.*change it in SHARED"):
        profiles.with_shared({"a": {}, "b": {"n": 2}}, shared, uses)


def test_prerequisites_follow_from_who_uses_what():
    uses = {"1_a": ("x",), "2_b": ("y",), "3_c": ("x", "y"), "4_d": ()}
    assert profiles.prerequisites(["4_d", "3_c", "2_b", "1_a"], uses) == {
        "1_a": (),
        "2_b": (),
        "3_c": ("1_a", "2_b"),
        "4_d": (),
    }
    assert report.PREREQUISITES == profiles.prerequisites()
    assert list(report.PREREQUISITES) == [nb.stem for nb in NOTEBOOKS]
    assert report.PREREQUISITES["04_evaluation"] == ("02_data", "03_training")
    assert report.PREREQUISITES["05_gan_problems"] == ("02_data",)
