"""Unit tests of gan_study.rundir: the run directory's path rule, files, lock and loaders.

Hand-made run directories, no training: what a reader finds (or is told when
something is missing), and the names a trainer writes under, which earlier
builds wrote too and so must not change.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

from gan_study import paths, rundir, training
from gan_study.config import TrainConfig
from gan_study.rundir import RunDir, RunDirectoryBusy


def _config(**kw) -> TrainConfig:
    return TrainConfig(**{"model": "dcgan", "epochs": 2, "batch_size": 16, "seed": 0, **kw})


def _started(tmp_path, config=None) -> RunDir:
    """A run directory with config.json and two epochs of logs."""
    config = config or _config()
    run = RunDir(tmp_path / "run")
    record = {"config": config.to_dict(), "run_name": config.run_name(), "data": {}}
    run.write_config(record)
    history = [
        {"epoch": e, "d_steps": 4, "g_steps": 4, **dict.fromkeys(("d_loss", "g_loss"), 0.5)}
        for e in (1, 2)
    ]
    steps = [{"step": s, "epoch": 1 + (s - 1) // 4, "d_loss": 0.5} for s in range(1, 9)]
    run.write_logs(history, steps)
    return run


def test_path_rule_is_the_runs_root_and_the_run_name(tmp_path, monkeypatch):
    config = _config()
    assert RunDir.for_config(config, tmp_path).path == tmp_path / config.run_name()
    monkeypatch.setenv(paths.RUNS_DIR_ENV, str(tmp_path / "env"))
    assert RunDir.for_config(config).path == tmp_path / "env" / config.run_name()
    assert os.fspath(RunDir(tmp_path / "x")) == str(tmp_path / "x")
    assert RunDir(RunDir(tmp_path / "x")) == RunDir(tmp_path / "x")


def test_file_names_are_those_earlier_builds_wrote(tmp_path):
    run = RunDir(tmp_path)
    names = {
        run.config_file: "config.json",
        run.history_file: "history.csv",
        run.steps_file: "steps.csv",
        run.checkpoint_file: "checkpoints/state.npz",
        run.sample_path("epoch_003"): "samples/epoch_003.png",
        run.snapshot_path(7): "snapshots/epoch_007.npz",
        run.generator_path(ema=False): "generator.keras",
        run.generator_path(ema=True): "generator_ema.keras",
    }
    for path, name in names.items():
        assert path.relative_to(tmp_path).as_posix() == name
    assert rundir.temp_path(run.history_file).name == f"history.csv.tmp{os.getpid()}"
    model_temp = rundir.temp_path(run.generator_path(), model=True)
    assert model_temp.name == f"generator_ema.tmp{os.getpid()}.keras"


def test_finished_marker_and_checkpoint_epoch(tmp_path):
    run = _started(tmp_path)
    assert not run.is_finished() and run.checkpoint_epoch() is None
    rundir.write_npz(run.checkpoint_file, {"epoch": np.asarray(2)})
    assert run.checkpoint_epoch() == 2
    (run.path / "generator.keras").write_bytes(b"raw")
    assert not run.is_finished()  # only the EMA generator, written last, marks it
    run.generator_path(ema=True).write_bytes(b"ema")
    assert run.is_finished() and training.is_finished(run.path)
    assert run.generator_id() == f"run:{rundir.store.file_digest(run.generator_path())}"


def test_loaders_read_what_the_writers_wrote(tmp_path):
    config = _config(snapshot_every=1)
    run = _started(tmp_path, config)
    assert run.load_config() == config
    assert training.load_config(run.path) == config
    assert json.loads(run.config_file.read_text())["run_name"] == config.run_name()
    history = run.load_history()
    assert list(history.columns) == list(rundir.HISTORY_COLUMNS) and len(history) == 2
    assert list(run.load_steps()["step"]) == list(range(1, 9))
    assert run.snapshots().empty
    for epoch in (1, 2, 3):  # epoch 3 is not in history.csv: a redone epoch's leftover
        rundir.write_npz(run.snapshot_path(epoch), {"w0000": np.zeros(2)})
    (run.path / "snapshots" / f"epoch_002.npz.tmp{os.getpid()}").write_bytes(b"half")
    kept = run.snapshots()
    assert list(kept["epoch"]) == [1, 2] and list(kept["d_updates"]) == [4, 8]
    pd.testing.assert_frame_equal(training.snapshots(run.path), kept)


def test_writes_leave_no_temporary_file_and_leftovers_are_removed(tmp_path):
    run = _started(tmp_path)
    assert not [p for p in run.path.rglob("*") if rundir.TEMP_NAME.search(p.name)]
    leftovers = [
        run.path / "checkpoints" / "state.npz.tmp99999",
        run.path / "generator.tmp99999.keras",
        run.path / "samples" / "epoch_003.png.tmp99999",
    ]
    for path in leftovers:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"half")
    assert sorted(run.remove_temp_files()) == sorted(leftovers)
    assert run.history_file.is_file() and run.config_file.is_file()


@pytest.mark.parametrize(
    "read, missing, fix",
    [
        (RunDir.load_config, "config.json", "is not a training run directory"),
        (RunDir.load_history, "history.csv", "train the run first"),
        (RunDir.load_steps, "steps.csv", "deleted and trained again"),
        (RunDir.snapshots, "history.csv", "train the run first"),
    ],
)
def test_a_partial_directory_names_the_missing_file_and_the_fix(tmp_path, read, missing, fix):
    with pytest.raises(FileNotFoundError) as err:
        read(RunDir(tmp_path))
    assert str(tmp_path / missing) in str(err.value) and fix in str(err.value)


def test_an_unfinished_run_has_no_generator(tmp_path):
    pytest.importorskip("keras")
    run = _started(tmp_path)
    with pytest.raises(FileNotFoundError, match="is not finished.*gan-study train"):
        run.load_generator()
    with pytest.raises(FileNotFoundError, match="is not finished"):
        run.generator_id()


def test_a_different_or_unreadable_configuration_is_refused(tmp_path):
    run = _started(tmp_path)
    assert run.stored_meta(_config())["run_name"] == _config().run_name()
    with pytest.raises(ValueError, match=r"different configuration.*'seed': \(0, 1\).*delete it"):
        run.stored_meta(_config(seed=1))
    run.write_config({"config": {"no_such_field": 1}})
    with pytest.raises(ValueError, match="cannot read.*choose another run_dir or delete it"):
        run.stored_meta(_config())
    with pytest.raises(ValueError, match="different data"):
        run.check_stored_data({"data": {"fingerprint": "a"}}, "b")
    assert RunDir(tmp_path / "empty").stored_meta(_config()) is None


def test_a_file_in_the_way_is_named(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="exists and is not a directory"):
        RunDir(tmp_path / "file").check_path()
    with pytest.raises(ValueError, match=f"{tmp_path / 'file'} is not a directory"):
        RunDir(tmp_path / "file" / "run").check_path()
    RunDir(tmp_path / "new" / "run").check_path()  # does not exist yet: fine


def test_the_lock_refuses_a_second_holder_and_removes_what_it_created(tmp_path):
    run = RunDir(tmp_path / "run")
    with run.lock() as lock:
        assert lock.created_dir and lock.created_file
        assert (run.path / ".lock").read_text().strip() == str(os.getpid())
        with pytest.raises(RunDirectoryBusy, match=f"pid {os.getpid()}"), run.lock():
            pass
        (run.path / "history.csv").write_text("x")
        assert run.remove_created(lock, set()) == f"removed {run.path}"
    assert not run.path.exists()
    run.path.mkdir()
    (run.path / "kept").write_text("x")
    with run.lock() as lock:
        (run.path / "new").write_text("x")
        removed = run.remove_created(lock, {"kept"})
    assert removed == f"removed new, .lock from {run.path}"
    assert sorted(os.listdir(run.path)) == ["kept"]
