"""The profiles: one table, and each notebook's parameters cell equals its standard entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from gan_study import profiles, report

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = report.discover_notebooks(ROOT)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_parameters_cell_equals_the_standard_profile(notebook):
    declared = report.notebook_parameters(notebook)
    assert notebook.stem in profiles.STANDARD, (
        f"add {notebook.stem!r} to gan_study.profiles.STANDARD with the values of its "
        f"parameters cell: {declared}"
    )
    assert profiles.STANDARD[notebook.stem] == declared


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
