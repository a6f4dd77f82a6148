"""The trainer on tiny in-memory data: every model and loss, artifacts, reuse, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("tensorflow")

from gan_study import training  # noqa: E402
from gan_study.config import TrainConfig  # noqa: E402
from gan_study.rundir import RunDir  # noqa: E402


@pytest.fixture(scope="module")
def tiny():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (64, 28, 28, 3), dtype=np.uint8)
    labels = rng.integers(0, 7, 64)
    return images, labels


def _cfg(**kw):
    return TrainConfig(**{"epochs": 1, "batch_size": 16, **kw})


@pytest.mark.parametrize(
    "model, loss",
    [
        ("seed_baseline", "nonsaturating"),
        ("seed_baseline", "minimax"),
        ("dcgan", "nonsaturating"),
        ("dcgan", "minimax"),
        ("dcgan", "wgan-gp"),
        ("cdcgan", "nonsaturating"),
        ("wgan_gp", "wgan-gp"),
        ("wgan_gp", "nonsaturating"),
    ],
)
def test_one_epoch_every_model_and_loss(tmp_path, tiny, model, loss):
    config = _cfg(model=model, loss=loss, n_critic=2 if loss == "wgan-gp" else None)
    run = training.train(
        config, run_dir=tmp_path / "run", images=tiny[0], labels=tiny[1], progress=False
    )
    for name in (
        "config.json",
        "history.csv",
        "samples/epoch_001.png",
        "samples/final_ema.png",
        "checkpoints/state.npz",
        "generator.keras",
        "generator_ema.keras",
    ):
        assert (run / name).is_file(), name
    history = training.load_history(run)
    assert list(history.columns) == list(training.HISTORY_COLUMNS)
    assert len(history) == 1
    row = history.iloc[0]
    assert row.d_steps == 4 and row.g_steps == (2 if loss == "wgan-gp" else 4)
    assert np.isfinite(
        row[["d_loss", "g_loss", "d_real", "d_fake", "grad_norm_d", "grad_norm_g"]].astype(float)
    ).all()
    assert (row.gp > 0) == (loss == "wgan-gp")
    if loss != "wgan-gp":
        assert 0 <= row.d_real <= 1 and 0 <= row.d_fake <= 1
    steps = training.load_steps(run)
    assert list(steps.columns) == list(training.STEP_COLUMNS)
    assert steps.step.tolist() == [1, 2, 3, 4] and (steps.epoch == 1).all()
    # the epoch row is the mean of its steps; G's norm only on steps that updated G
    np.testing.assert_allclose(steps.d_loss.mean(), row.d_loss, rtol=1e-6)
    assert steps.grad_norm_g.notna().sum() == row.g_steps
    np.testing.assert_allclose(steps.grad_norm_g.mean(), row.grad_norm_g, rtol=1e-6)
    assert training.load_config(run) == config.validate()
    meta = json.loads((run / "config.json").read_text())
    assert {"gan_study", "tensorflow", "keras", "device", "git_commit"} <= set(meta["environment"])
    assert meta["data"]["n_train"] == 64
    g = training.load_generator(run)
    labels = 4 if model == "cdcgan" else None
    x = training.generate(g, 5, seed=1, labels=labels, batch_size=2)
    assert x.shape == (5, 28, 28, 3) and x.dtype == np.uint8
    np.testing.assert_array_equal(x, training.generate(g, 5, seed=1, labels=labels))


def test_conditional_sample_grid_has_a_row_per_class(tmp_path, tiny):
    from PIL import Image

    run = training.train(
        _cfg(model="cdcgan"), run_dir=tmp_path / "c", images=tiny[0], labels=tiny[1], progress=False
    )
    grid = Image.open(run / "samples" / "epoch_001.png")
    scale = 2  # 28 px tiles are drawn twice as large
    assert grid.size == (scale * (8 * 30 + 2), scale * (7 * 30 + 2))


def test_finished_run_is_reused_and_other_configs_rejected(tmp_path, tiny):
    config = _cfg(model="dcgan", label_smoothing=0.1)
    run = training.train(config, run_dir=tmp_path / "r", images=tiny[0], progress=False)
    marker = run / training.FINISHED_MARKER
    stamp = marker.stat().st_mtime_ns
    assert training.train(config, run_dir=run, images=tiny[0], progress=False) == run
    assert marker.stat().st_mtime_ns == stamp
    with pytest.raises(ValueError, match="different configuration"):
        training.train(_cfg(model="dcgan", seed=1), run_dir=run, images=tiny[0], progress=False)
    with pytest.raises(ValueError, match="different data"):
        training.train(config, run_dir=run, images=tiny[0][::-1].copy(), progress=False)


def test_config_json_names_the_chapter_that_trained_the_run(tmp_path, tiny, monkeypatch):
    from gan_study import paths

    monkeypatch.setenv(paths.NOTEBOOK_ENV, "04_evaluation")
    run = training.train(
        _cfg(model="seed_baseline"), run_dir=tmp_path / "a", images=tiny[0], progress=False
    )
    assert json.loads((run / "config.json").read_text())["environment"]["notebook"] == (
        "04_evaluation"
    )
    monkeypatch.delenv(paths.NOTEBOOK_ENV)
    run = training.train(
        _cfg(model="seed_baseline"), run_dir=tmp_path / "b", images=tiny[0], progress=False
    )
    assert json.loads((run / "config.json").read_text())["environment"]["notebook"] is None


def test_ema_generator(tmp_path, tiny):
    import keras

    run = training.train(
        _cfg(model="dcgan", ema_decay=0.0), run_dir=tmp_path / "e0", images=tiny[0], progress=False
    )
    g, e = training.load_generator(run, ema=False), training.load_generator(run, ema=True)
    for a, b in zip(g.get_weights(), e.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    run = training.train(
        _cfg(model="dcgan", ema_decay=0.999),
        run_dir=tmp_path / "e1",
        images=tiny[0],
        progress=False,
    )
    g, e = training.load_generator(run, ema=False), training.load_generator(run, ema=True)
    assert any(
        not np.array_equal(a, b) for a, b in zip(g.get_weights(), e.get_weights(), strict=True)
    )
    assert isinstance(e, keras.Model)


def test_bad_input_is_rejected_before_work(tmp_path, tiny):
    with pytest.raises(ValueError, match="explicit run_dir"):
        training.train(_cfg(), images=tiny[0], progress=False)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        training.train(_cfg(epochs=0), run_dir=tmp_path / "x", images=tiny[0], progress=False)
    with pytest.raises(ValueError, match=r"valid values: 1 to 64"):
        training.train(_cfg(batch_size=65), run_dir=tmp_path / "x", images=tiny[0], progress=False)
    with pytest.raises(ValueError, match=r"shape \(N, 32, 32, 3\)"):
        training.train(_cfg(image_size=32), run_dir=tmp_path / "x", images=tiny[0], progress=False)
    with pytest.raises(ValueError, match="labels"):
        training.train(
            _cfg(), run_dir=tmp_path / "x", images=tiny[0], labels=tiny[1][:3], progress=False
        )
    assert not (tmp_path / "x").exists()


def test_unfinished_run_has_no_generator(tmp_path):
    with pytest.raises(FileNotFoundError, match="not finished"):
        training.load_generator(tmp_path)
    with pytest.raises(FileNotFoundError, match="history.csv"):
        training.load_history(tmp_path)


def test_generate_checks_labels(tiny):
    from gan_study import models

    g = models.build("cdcgan").generator
    with pytest.raises(ValueError, match="conditional: pass labels"):
        training.generate(g, 2, seed=0)
    with pytest.raises(ValueError, match="0 to 6"):
        training.generate(g, 2, seed=0, labels=7)
    with pytest.raises(ValueError, match="unconditional"):
        training.generate(models.build("dcgan").generator, 2, seed=0, labels=1)


def test_max_train_images_uses_a_nested_subset(tmp_path, tiny):
    run = training.train(
        _cfg(max_train_images=32), run_dir=tmp_path / "m", images=tiny[0], progress=False
    )
    assert json.loads((run / "config.json").read_text())["data"]["n_train"] == 32
    assert training.load_history(run).d_steps.tolist() == [2]


def test_cli_reports_bad_parameters(capsys):
    from gan_study.cli import main

    assert main(["train", "--model", "stylegan", "--epochs", "1"]) == 2
    assert "valid models: seed_baseline, dcgan, cdcgan, wgan_gp" in capsys.readouterr().err
    assert main(["train", "--epochs", "0"]) == 2
    assert "epochs must be a positive integer" in capsys.readouterr().err


def test_history_frame_columns_when_empty(tmp_path):
    RunDir(tmp_path).write_logs([], [])
    assert list(pd.read_csv(tmp_path / "history.csv").columns) == list(training.HISTORY_COLUMNS)
    assert list(pd.read_csv(tmp_path / "steps.csv").columns) == list(training.STEP_COLUMNS)


def test_load_steps_names_the_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="steps.csv"):
        training.load_steps(tmp_path)


@pytest.mark.parametrize("precision", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_trains_and_restores_the_policy(tmp_path, tiny, precision):
    import keras

    before = keras.mixed_precision.global_policy().name
    run = training.train(
        _cfg(mixed_precision=precision, max_train_images=32),
        run_dir=tmp_path / precision,
        images=tiny[0],
        progress=False,
    )
    assert keras.mixed_precision.global_policy().name == before
    history = training.load_history(run)
    assert np.isfinite(history[["d_loss", "g_loss", "grad_norm_d", "grad_norm_g"]]).all().all()
    x = training.generate(training.load_generator(run), 3, seed=0)
    assert x.shape == (3, 28, 28, 3) and x.dtype == np.uint8


def test_class_sampler_draws_images_of_the_given_classes():
    from gan_study import models

    conditional = models.build("cdcgan", image_size=28).generator
    sample = training.class_sampler(conditional)
    labels = np.array([0, 3, 3, 6])
    images = sample(labels, 5)
    assert images.shape == (4, 28, 28, 3) and images.dtype == np.uint8
    np.testing.assert_array_equal(images, training.generate(conditional, 4, seed=5, labels=labels))
    with pytest.raises(ValueError, match="conditional generator"):
        training.class_sampler(models.build("dcgan", image_size=28).generator)
