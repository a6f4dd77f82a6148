"""``gan-study train`` on the real 28 px lesion split: artifacts and reproducibility."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from gan_study.cli import main

pytestmark = pytest.mark.integration


def _train(tmp_path, name, real_data_root, shared_cache_dir, monkeypatch, capsys):
    monkeypatch.setenv("GAN_STUDY_CACHE_DIR", str(shared_cache_dir))
    run_dir = tmp_path / name
    argv = [
        "train",
        "--model",
        "dcgan",
        "--epochs",
        "1",
        "--seed",
        "0",
        "--size",
        "28",
        "--run-dir",
        str(run_dir),
        "--data-dir",
        str(real_data_root),
        "--no-progress",
    ]
    assert main(argv) == 0
    assert capsys.readouterr().out.strip() == str(run_dir)
    return run_dir


def test_cli_trains_dcgan_on_real_data_reproducibly(
    tmp_path, real_data_root, shared_cache_dir, monkeypatch, capsys
):
    from gan_study import training

    a = _train(tmp_path, "a", real_data_root, shared_cache_dir, monkeypatch, capsys)
    for name in (
        "config.json",
        "history.csv",
        "samples/epoch_001.png",
        "samples/final_ema.png",
        "checkpoints/state.npz",
        "generator.keras",
        "generator_ema.keras",
    ):
        assert (a / name).is_file(), name
    meta = json.loads((a / "config.json").read_text())
    assert meta["data"]["source"] == "ham10000" and meta["data"]["split"] == "lesion"
    n_train = meta["data"]["n_train"]
    history = training.load_history(a)
    assert history.d_steps.tolist() == [n_train // 128]
    images = training.generate(training.load_generator(a), 16, seed=0)
    assert images.shape == (16, 28, 28, 3)

    # a finished run is reused at once, a second run with the same seed is identical
    assert (
        main(
            [
                "train",
                "--model",
                "dcgan",
                "--epochs",
                "1",
                "--run-dir",
                str(a),
                "--data-dir",
                str(real_data_root),
                "--no-progress",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.strip() == str(a)
    b = _train(tmp_path, "b", real_data_root, shared_cache_dir, monkeypatch, capsys)
    pd.testing.assert_frame_equal(
        pd.read_csv(a / "history.csv").drop(columns="seconds"),
        pd.read_csv(b / "history.csv").drop(columns="seconds"),
        check_exact=True,
    )
