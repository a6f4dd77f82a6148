"""``gan-study train`` under interruption, divergence and a second process.

Real subprocesses on tiny fixture data: Ctrl-C (SIGINT) and SIGKILL after the
first checkpoint, then the same command again, must reproduce the
uninterrupted ``history.csv`` and ``steps.csv`` exactly (``seconds`` aside;
bit-exact because it is the same machine and environment). A second process
on a run directory that is being trained must not train it too.

No timing race: each training subprocess is held at a named pipe in place of
one of its temporary files (:data:`GATE`), so it cannot finish before the
test's signal however slow the machine is.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("tensorflow")
pytestmark = pytest.mark.slow

from gan_study import cli, training  # noqa: E402
from gan_study.config import TrainConfig  # noqa: E402
from gan_study.data.fixtures import write_tiny_ham10000  # noqa: E402

EPOCHS = 5
CONFIG = dict(model="seed_baseline", epochs=EPOCHS, batch_size=16, seed=7, checkpoint_every=1)
ARGS = [
    "--model", "seed_baseline", "--epochs", str(EPOCHS), "--batch-size", "16", "--seed", "7",
    "--no-progress",
]  # fmt: skip


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny data root, its processed cache and one uninterrupted reference run."""
    base = tmp_path_factory.mktemp("interrupt")
    root = write_tiny_ham10000(base / "data")
    env = {"GAN_STUDY_CACHE_DIR": str(base / "cache"), "GAN_STUDY_RUNS_DIR": str(base / "runs")}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        reference = base / "reference"
        assert cli.main(["train", "--data-dir", str(root), *ARGS, "--run-dir", str(reference)]) == 0
    return {"root": root, "env": env, "reference": reference}


@pytest.fixture()
def env(tiny, monkeypatch):
    for k, v in tiny["env"].items():
        monkeypatch.setenv(k, v)
    return tiny


def _argv(tiny, run_dir):
    return ["train", "--data-dir", str(tiny["root"]), *ARGS, "--run-dir", str(run_dir)]


#: Where the training blocks: the temporary file of epoch 2's sample grid, written
#: after epoch 1's checkpoint. Made a named pipe, its open() waits for a reader
#: that never comes, so the run stops there for sure (no race with a run that
#: finishes before the signal) and a signal lands in the middle of a write.
#: The trainer's clean-up of leftover temporaries takes regular files only.
GATE = "samples/epoch_002.png.tmp{pid}"


def _start(tiny, run_dir) -> subprocess.Popen:
    """``python -m gan_study.cli train ...``, held at :data:`GATE` (the pid is known first)."""
    proc = subprocess.Popen(
        ["sh", "-c", 'read go && exec "$0" "$@"', sys.executable, "-m", "gan_study.cli"]
        + _argv(tiny, run_dir),
        env={**os.environ, **tiny["env"]},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Python turns SIGINT into KeyboardInterrupt only if it is not ignored at start
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    gate = run_dir / GATE.format(pid=proc.pid)  # exec keeps the pid
    gate.parent.mkdir(parents=True)
    os.mkfifo(gate)
    proc.stdin.write("go\n")
    proc.stdin.close()
    proc.stdin = None  # so that communicate() does not flush it
    proc.gate = gate
    return proc


def _wait_for(condition, proc, what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, f"the training ended before {what}: {proc.communicate()}"
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.02)


def _same_logs(a, b) -> None:
    ha = training.load_history(a).drop(columns="seconds")
    hb = training.load_history(b).drop(columns="seconds")
    assert len(ha) == EPOCHS
    pd.testing.assert_frame_equal(ha, hb, check_exact=True)
    pd.testing.assert_frame_equal(training.load_steps(a), training.load_steps(b), check_exact=True)
    for ema in (False, True):
        wa = training.load_generator(a, ema=ema).get_weights()
        wb = training.load_generator(b, ema=ema).get_weights()
        for x, y in zip(wa, wb, strict=True):
            np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_interrupted_cli_run_resumes_to_the_uninterrupted_logs(env, tmp_path, capsys, signum):
    run = tmp_path / "run"
    proc = _start(env, run)
    try:
        _wait_for((run / "checkpoints" / "state.npz").is_file, proc, "first checkpoint")
        proc.send_signal(signum)  # in epoch 2: the gate holds it there
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not training.is_finished(run)
    assert training.checkpoint_epoch(run) == 1  # epoch 2 cannot get past its gate
    # the gate is the test's (an interrupted write removes its own temporary file)
    proc.gate.unlink(missing_ok=True)
    if signum == signal.SIGINT:
        assert proc.returncode == 130, err
        assert (
            "gan-study train: interrupted; rerun the same command to resume from the last "
            "checkpoint (epoch 1)"
        ) in err
        assert "Traceback" not in err and "KeyboardInterrupt" not in err
    else:
        assert proc.returncode == -signal.SIGKILL
        # the killed process's lock is left behind, with its pid: it must not block
        assert (run / ".lock").read_text().strip() == str(proc.pid)
        # what a kill in the middle of a write leaves
        (run / "checkpoints" / f"state.npz.tmp{proc.pid}").write_bytes(b"half a checkpoint")
        (run / f"generator.tmp{proc.pid}.keras").write_bytes(b"half a model")

    assert cli.main(_argv(env, run)) == 0  # the same command again
    assert capsys.readouterr().out.strip() == str(run)
    _same_logs(run, env["reference"])
    assert not [p.name for p in run.rglob("*") if re.search(r"\.tmp\d+", p.name)]


def test_a_second_process_does_not_train_a_run_that_is_being_trained(env, tmp_path, capsys):
    run = tmp_path / "run"
    first = _start(env, run)  # holds the lock, and is held at its gate in epoch 2
    try:
        _wait_for((run / "checkpoints" / "state.npz").is_file, first, "first checkpoint")
        logs = [(run / name).read_bytes() for name in ("history.csv", "steps.csv")]
        assert cli.main(_argv(env, run)) == 1
        err = capsys.readouterr().err
        assert (
            f"gan-study train: error: run directory {run} is being trained by another process "
            f"(pid {first.pid}); wait for it"
        ) in err
        assert "or choose another run_dir" in err and "Traceback" not in err
        assert [(run / name).read_bytes() for name in ("history.csv", "steps.csv")] == logs

        # wait=True waits for the lock; once the first process lets go, it resumes the run
        result = {}

        def waiter():
            result["run"] = training.train(
                TrainConfig(**CONFIG), run_dir=run, data_dir=env["root"], progress=False, wait=True
            )

        thread = threading.Thread(target=waiter)
        thread.start()
        time.sleep(1.0)
        assert thread.is_alive(), "train(wait=True) did not wait for the lock"
        first.send_signal(signal.SIGINT)
        _, err = first.communicate(timeout=120)
        thread.join(timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 130, err
    assert not thread.is_alive() and result["run"] == run
    first.gate.unlink(missing_ok=True)
    _same_logs(run, env["reference"])  # the run finished once: exactly the uninterrupted one


def test_divergence_keeps_an_earlier_checkpoint(tmp_path, monkeypatch):
    import tensorflow as tf

    class Exploding(training._Trainer):
        """The real trainer whose losses turn NaN from the 13th step (epoch 3) on."""

        def __init__(self, config, strategy=None):
            super().__init__(config, strategy)
            step, calls = self.step, [0]

            def exploding(*args):
                calls[0] += 1
                out = step(*args)
                return dict(out, d_loss=tf.constant(np.nan)) if calls[0] > 12 else out

            self.step = exploding

    monkeypatch.setattr(training, "_Trainer", Exploding)
    images = np.random.default_rng(0).integers(0, 256, (96, 28, 28, 3), dtype=np.uint8)
    run = tmp_path / "r"
    with pytest.raises(training.TrainingDiverged) as info:  # 6 steps per epoch
        training.train(TrainConfig(**CONFIG), run_dir=run, images=images, progress=False)
    err = info.value
    assert isinstance(err, FloatingPointError)
    assert (err.epoch, err.checkpoint_epoch, err.removed) == (3, 2, None)
    assert f"{run} keeps its checkpoint of epoch 2" in str(err)
    assert training.checkpoint_epoch(run) == 2 and (run / "config.json").is_file()
    assert not training.is_finished(run)
