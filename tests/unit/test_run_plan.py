"""gan-study runs: the list of a profile's GAN runs is the list its chapters train.

The split size is given (``n_train``) except in the one test that counts it in
a tiny data root, so these tests need no real data and train nothing.
"""

from __future__ import annotations

import inspect
import json
import shlex
from pathlib import Path

import pytest

from gan_study import cli, problems, profiles, run_plan, scarce_data
from gan_study.config import RunGrid, TrainConfig

ROOT = Path(__file__).resolve().parents[2]
#: Images of the lesion split's training side (chapter 2; profiles.SHARED's comment).
N_TRAIN = 7011


def _plan(profile, overrides=(), **kw):
    kw.setdefault("n_train", N_TRAIN)
    return run_plan.planned_runs(profile, overrides, root=ROOT, **kw)


def _chapter_5_parameters() -> set[str]:
    return set(inspect.signature(problems.chapter_configs).parameters)


def _grid(profile, **changes):
    params = {**profiles.get_profile(profile)["04_evaluation"], **changes}
    return RunGrid.from_parameters(params)


@pytest.mark.parametrize("profile", sorted(profiles.PROFILES))
def test_every_shared_run_is_listed_exactly_once(profile):
    names = [run.name for run in _plan(profile)]
    assert len(names) == len(set(names)), "a run is listed twice"
    grid = _grid(profile)
    shared = [c.run_name() for c in grid.configs()]
    assert len(shared) == len(grid.models) * len(grid.seeds)
    assert all(names.count(name) == 1 for name in shared)
    assert names[: len(grid.models)] == [grid.config(m).run_name() for m in grid.models]


def test_profile_runs_are_the_plans_configurations():
    plan = _plan("quick")
    configs = run_plan.profile_runs("quick", n_train=N_TRAIN, root=ROOT)
    assert [c.run_name() for c in configs] == [run.name for run in plan]
    assert all(isinstance(c, TrainConfig) for c in configs)


def test_each_run_names_the_chapters_that_use_it_maker_first():
    by_name = {run.name: run.chapters for run in _plan("quick")}
    grid = _grid("quick")
    assert by_name[grid.config("dcgan").run_name()] == (
        "03_training",
        "04_evaluation",
        "07_classroom",
    )
    assert by_name[grid.config("cdcgan").run_name()] == (
        "03_training",
        "04_evaluation",
        "06_synthetic_data",
    )


def test_an_override_changes_the_shared_runs_as_it_changes_the_book():
    before = {run.name for run in _plan("quick")}
    after = {run.name for run in _plan("quick", [("gan_epochs", "3")])}
    old = {c.run_name() for c in _grid("quick").configs()}
    new = {c.run_name() for c in _grid("quick", gan_epochs=3).configs()}
    assert old <= before and not old & after
    assert new <= after and not new & before
    # chapter 5's runs do not use the shared grid
    assert {r.name for r in _plan("quick") if r.chapters == ("05_gan_problems",)} <= after


def test_an_override_the_book_refuses_is_refused():
    with pytest.raises(ValueError, match="shared 'gan_runs'"):
        _plan("quick", [("06_synthetic_data.gan_epochs", "3")])
    with pytest.raises(ValueError, match="no notebook has a parameter"):
        _plan("quick", [("gan_epoch", "3")])
    with pytest.raises(ValueError, match="unknown profile"):
        _plan("quickest")


@pytest.mark.parametrize("profile", sorted(profiles.PROFILES))
def test_chapter_5s_collapse_and_grid_runs_are_listed(profile):
    p = profiles.get_profile(profile)["05_gan_problems"]
    listed = {run.name: run.chapters for run in _plan(profile)}
    base = dict(
        model="dcgan",
        batch_size=p["batch_size"],
        seed=p["seed"],
        image_size=p["image_size"],
        max_train_images=p["max_train_images"],
    )
    longer = TrainConfig(**base, epochs=p["collapse_epochs"])
    collapse = [
        longer,
        TrainConfig(
            **base, epochs=p["collapse_epochs"], lr_g=p["collapse_lr_g"], lr_d=p["collapse_lr_d"]
        ),
        TrainConfig(**base, epochs=p["collapse_epochs"], loss="minimax", lr_d=p["strong_d_lr_d"]),
    ]
    grid = [
        TrainConfig(**{**base, "batch_size": bs}, epochs=p["problem_epochs"], lr_g=lr, lr_d=lr)
        for lr in p["grid_learning_rates"]
        for bs in p["grid_batch_sizes"]
    ]
    for config in collapse + grid:
        assert "05_gan_problems" in listed[config.run_name()], config
    chapter = problems.chapter_configs(**{k: p[k] for k in _chapter_5_parameters()})
    assert {c.run_name() for c in chapter.configs()} <= set(listed)
    assert len(chapter.collapse) == 4 and len(chapter.grid) == len(grid)


def test_chapter_5_gets_its_configurations_from_its_own_parameters():
    assert _chapter_5_parameters() <= set(profiles.STANDARD["05_gan_problems"])


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        # 0.25 of the 1,000-image arm subset = 250 images, fewer than the 256 the
        # reference saw: retrained for the reference's updates, round(2 * 256 / 250) = 2
        ("quick", {(250, 2)}),
        # 701 of 7,011 images: 14 epochs * 7011 / 701
        ("standard", {(701, 140)}),
    ],
)
def test_chapter_6s_scarce_data_runs_are_listed(profile, expected):
    scarce = [run.config for run in _plan(profile) if run.chapters == ("06_synthetic_data",)]
    assert {(c.max_train_images, c.epochs) for c in scarce} == expected
    assert all(c.model == "cdcgan" and c.snapshot_every == 0 for c in scarce)


def test_the_split_size_is_counted_in_the_data_when_not_given(tmp_path):
    from gan_study import data
    from gan_study.data.fixtures import write_tiny_ham10000

    root = write_tiny_ham10000(tmp_path / "root")
    # the tiny split is smaller than the quick book's 256 GAN images: train on all of it
    overrides = [("gan_max_train_images", "None"), ("arm_max_train_images", "None")]
    plan = run_plan.planned_runs("quick", overrides, data_dir=root, root=ROOT)
    n = len(data.load("ham10000", "lesion", 28, root).train.labels)
    retrained = [r.config for r in plan if r.chapters == ("06_synthetic_data",)]
    assert [c.max_train_images for c in retrained] == [scarce_data.subset_sizes(n, [0.25])[0.25]]
    with pytest.raises(FileNotFoundError, match="--n-train"):
        run_plan.planned_runs("quick", data_dir=tmp_path / "nothing", root=ROOT)


def _parsed(command: str) -> TrainConfig:
    argv = shlex.split(command)
    assert argv[:2] == ["gan-study", "train"]
    return cli.config_from_args(cli.build_parser().parse_args(argv[1:]))


def test_the_command_trains_the_same_run():
    config = TrainConfig(
        model="cdcgan",
        epochs=5,
        lr_g=5e-05,
        split="lesion",
        spectral_norm=True,
        diffaugment="color,translation",
        class_balance=1.0,
    )
    argv = run_plan.train_command(config, data_dir="/data with space")
    assert argv[:4] == ["gan-study", "train", "--data-dir", "/data with space"]
    assert "--spectral-norm" in argv and "--lr-g" in argv and "--gp-weight" not in argv
    assert _parsed(shlex.join(argv)).to_dict() == config.to_dict()
    assert run_plan.train_command(TrainConfig()) == ["gan-study", "train"]


def test_a_value_the_command_cannot_give_exactly_is_refused():
    with pytest.raises(ValueError, match="lr_d = 1 reads back"):
        run_plan.train_command(TrainConfig(lr_d=1))


def test_gan_study_runs_list_prints_one_json_per_run(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert cli.main(["runs", "--profile", "quick", "--list", "--n-train", str(N_TRAIN)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["name"] for line in lines] == [r.name for r in _plan("quick")]
    for line in lines:
        entry = json.loads(line)
        assert set(entry) == {"name", "chapters", "config", "command"}
        config = TrainConfig.from_dict(entry["config"])
        assert config.run_name() == entry["name"]
        assert _parsed(entry["command"]).run_name() == entry["name"]


def test_gan_study_runs_commands_and_overrides(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    argv = ["runs", "--profile", "quick", "--n-train", str(N_TRAIN), "-p", "gan_epochs", "3"]
    assert cli.main([*argv, "--commands"]) == 0
    commands = capsys.readouterr().out.splitlines()
    assert cli.main([*argv, "--list"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert commands == [entry["command"] for entry in listed]
    new = {c.run_name() for c in _grid("quick", gan_epochs=3).configs()}
    assert new <= {_parsed(c).run_name() for c in commands}


def test_gan_study_runs_bad_input_is_one_line(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    bad = ["runs", "--list", "--n-train", "10", "-p", "06_synthetic_data.gan_epochs", "3"]
    assert cli.main(bad) == 2
    err = capsys.readouterr().err
    assert err.startswith("gan-study runs: error:") and "Traceback" not in err
    assert cli.main(["runs", "--list", "--n-train", "0"]) == 2
    with pytest.raises(SystemExit):
        cli.main(["runs", "--profile", "quick"])  # neither --list nor --commands


def test_every_chapter_that_trains_a_gan_is_planned():
    jupytext = pytest.importorskip("jupytext")
    for path in sorted((ROOT / "notebooks").glob("*.py")):
        code = "\n".join(c.source for c in jupytext.read(path).cells if c.cell_type == "code")
        if "training.train" in code or "train_grid(" in code:
            assert path.stem in run_plan.CHAPTERS, f"{path.name} trains GANs run_plan does not list"
