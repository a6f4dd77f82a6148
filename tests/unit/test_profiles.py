"""The profiles: one table, each notebook's parameters cell equals its standard entry, and
the shared reference runs and classifier are defined once for every chapter that uses them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from gan_study import profiles, report
from gan_study.config import GRID_PARAMETERS, RunGrid

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = report.discover_notebooks(ROOT)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_parameters_cell_equals_the_standard_profile(notebook):
    declared = report.notebook_parameters(notebook)
    assert notebook.stem in profiles.STANDARD, (
        f"add {notebook.stem!r} to gan_study.profiles.STANDARD with the values of its "
        f"parameters cell: {declared}"
    )
    assert profiles.PROFILES["standard"][notebook.stem] == declared


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
    assert report.PREREQUISITES["04_evaluation"] == ("02_data", "03_training")
    assert report.PREREQUISITES["05_gan_problems"] == ("02_data",)
