"""gan-study train interrupted with Ctrl-C, and two processes on one run directory.

Real subprocesses of ``python -m gan_study train`` on the tiny fake HAM10000
folder: an interrupted run ends with a message (no traceback, exit code 130)
and a rerun resumes it to exactly the uninterrupted history; a second process
on a run directory that another one is training exits with a clear message
and never trains it twice.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pandas as pd
import pytest

from gan_study.data.fixtures import write_tiny_ham10000

pytestmark = pytest.mark.slow
TRAIN = ["--model", "dcgan", "--batch-size", "16", "--seed", "3"]


@pytest.fixture()
def env(tmp_path):
    root = write_tiny_ham10000(tmp_path / "root")
    return {
        **os.environ,
        "GAN_STUDY_DATA_DIR": str(root),
        "GAN_STUDY_CACHE_DIR": str(tmp_path / "cache"),
        "GAN_STUDY_RUNS_DIR": str(tmp_path / "runs"),
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }


def _train(args, env, **kw):
    return subprocess.Popen(
        [sys.executable, "-m", "gan_study", "train", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def _wait_for(path, proc, seconds=300):
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, "the training process ended too early"
        assert time.monotonic() < deadline, f"{path} did not appear within {seconds} s"
        time.sleep(0.05)


def _logs(run_dir):
    return [
        pd.read_csv(run_dir / name).drop(columns="seconds", errors="ignore")
        for name in ("history.csv", "steps.csv")
    ]


def test_a_second_process_on_a_run_being_trained_exits_and_trains_nothing(env, tmp_path):
    args = [*TRAIN, "--epochs", "10"]
    first = _train(args, env)
    runs = tmp_path / "runs"
    deadline = time.monotonic() + 300
    while not list(runs.glob("*/history.csv")):
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    second = _train(args, env)
    out, err = second.communicate(timeout=300)
    assert second.returncode != 0
    assert "being trained by another process" in err and "Traceback" not in err
    assert first.poll() is None, "the first process should still be training"
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err
    (run_dir,) = runs.iterdir()
    history = pd.read_csv(run_dir / "history.csv")
    assert history["epoch"].tolist() == list(range(1, 11))  # trained once, in order

    # the lock dies with its holder: a killed trainer leaves nothing that blocks a rerun
    other = {**env, "GAN_STUDY_RUNS_DIR": str(tmp_path / "killed")}
    victim = _train(args, other)
    _wait_for(next_run(tmp_path / "killed", victim) / ".lock", victim)
    victim.kill()
    victim.wait()
    rerun = _train(args, other)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err


def next_run(runs, proc, seconds=300):
    deadline = time.monotonic() + seconds
    while not (runs.is_dir() and any(runs.iterdir())):
        assert proc.poll() is None, "the training process ended too early"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return next(runs.iterdir())
