"""Reproducibility: same seed, same run; a killed run resumes to the same end.

The resume test starts a real training in a subprocess, kills it (SIGKILL)
once its first checkpoint is on disk, resumes it in this process and compares
everything with an uninterrupted run: history (``seconds`` aside), final
generator, EMA generator and the sample grids.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("tensorflow")

from gan_study import training  # noqa: E402
from gan_study.config import TrainConfig  # noqa: E402

# seed_baseline has Dropout (its RNG state must be restored too), BatchNorm and RMSprop
CONFIG = dict(model="seed_baseline", epochs=5, batch_size=16, seed=7, checkpoint_every=1)


def _data():
    rng = np.random.default_rng(42)
    return rng.integers(0, 256, (96, 28, 28, 3), dtype=np.uint8)


def _same_run(a, b):
    ha = training.load_history(a).drop(columns="seconds")
    hb = training.load_history(b).drop(columns="seconds")
    pd.testing.assert_frame_equal(ha, hb, check_exact=True)
    pd.testing.assert_frame_equal(training.load_steps(a), training.load_steps(b), check_exact=True)
    for ema in (False, True):
        wa = training.load_generator(a, ema=ema).get_weights()
        wb = training.load_generator(b, ema=ema).get_weights()
        for x, y in zip(wa, wb, strict=True):
            np.testing.assert_array_equal(x, y)
    for png in sorted((a / "samples").glob("*.png")):
        assert png.read_bytes() == (b / "samples" / png.name).read_bytes(), png.name


def test_same_seed_same_run_other_seed_other_run(tmp_path):
    images = _data()
    config = TrainConfig(**{**CONFIG, "epochs": 2})
    a = training.train(config, run_dir=tmp_path / "a", images=images, progress=False)
    b = training.train(config, run_dir=tmp_path / "b", images=images, progress=False)
    _same_run(a, b)
    c = training.train(
        TrainConfig(**{**CONFIG, "epochs": 2, "seed": 8}),
        run_dir=tmp_path / "c",
        images=images,
        progress=False,
    )
    with pytest.raises(AssertionError):
        _same_run(a, c)


def test_killed_run_resumes_exactly(tmp_path):
    images = _data()
    config = TrainConfig(**CONFIG)
    killed = tmp_path / "killed"
    script = tmp_path / "train_tiny.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import numpy as np
            from gan_study import training
            from gan_study.config import TrainConfig
            images = np.random.default_rng(42).integers(0, 256, (96, 28, 28, 3), dtype=np.uint8)
            training.train(TrainConfig(**{CONFIG!r}), run_dir={str(killed)!r}, images=images,
                           progress=False)
            """
        )
    )
    proc = subprocess.Popen([sys.executable, str(script)])
    checkpoint = killed / "checkpoints" / "state.npz"
    try:
        deadline = time.monotonic() + 600
        while not checkpoint.is_file():
            assert proc.poll() is None, "the training subprocess ended before its first checkpoint"
            assert time.monotonic() < deadline, "no checkpoint within 600 s"
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait()
    assert not training.is_finished(killed), "the run finished before it could be killed"
    done_before = len(training.load_history(killed))
    assert done_before < CONFIG["epochs"]
    # what a write killed half-way leaves behind (SIGKILL during a checkpoint or model save)
    leftovers = [
        killed / "checkpoints" / "state.npz.tmp99999",
        killed / "generator.tmp99999.keras",
        killed / "samples" / "epoch_003.png.tmp99999",
    ]
    for path in leftovers:
        path.write_bytes(b"half a file")
    (killed / "notes.txt").write_text("kept")

    training.train(config, run_dir=killed, images=images, progress=False)
    assert not [p for p in leftovers if p.exists()], "leftover temporaries were not removed"
    assert (killed / "notes.txt").read_text() == "kept"
    whole = training.train(config, run_dir=tmp_path / "whole", images=images, progress=False)
    assert len(training.load_history(killed)) == CONFIG["epochs"]
    _same_run(killed, whole)
