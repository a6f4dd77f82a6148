"""gan-study train: every TrainConfig field is an option, and bad values end in one line."""

from __future__ import annotations

import dataclasses

import pytest

from gan_study import cli
from gan_study.config import TrainConfig
from gan_study.data.fixtures import write_tiny_ham10000

#: A value different from the default for every field, as the command line spells it.
OPTION_VALUES = {
    "model": ("cdcgan", "cdcgan"),
    "epochs": ("3", 3),
    "batch_size": ("16", 16),
    "seed": ("4", 4),
    "image_size": ("32", 32),
    "latent_dim": ("64", 64),
    "loss": ("hinge", "hinge"),
    "optimizer": ("rmsprop", "rmsprop"),
    "lr_g": ("0.001", 0.001),
    "lr_d": ("0.0004", 0.0004),
    "beta_1": ("0.1", 0.1),
    "beta_2": ("0.99", 0.99),
    "n_critic": ("2", 2),
    "gp_weight": ("5", 5.0),
    "label_smoothing": ("0.1", 0.1),
    "ema_decay": ("0.99", 0.99),
    "checkpoint_every": ("2", 2),
    "source": ("dermamnist", "dermamnist"),
    "split": ("dermamnist", "dermamnist"),
    "max_train_images": ("100", 100),
    "mixed_precision": ("mixed_bfloat16", "mixed_bfloat16"),
    "ema_start": ("10", 10),
    "diffaugment": ("color,cutout", "color,cutout"),
    "spectral_norm": (None, True),
    "r1_weight": ("1.5", 1.5),
    "lr_warmup": ("100", 100),
}


def test_every_trainconfig_field_is_settable_from_gan_study_train():
    names = [f.name for f in dataclasses.fields(TrainConfig)]
    assert sorted(OPTION_VALUES) == sorted(names), "a TrainConfig field has no test value here"
    argv = ["train"]
    for name, (text, _) in OPTION_VALUES.items():
        flag = "--" + name.replace("_", "-")
        argv += [flag] if text is None else [flag, text]
    args = cli.build_parser().parse_args(argv)
    config = cli.config_from_args(args)
    for name, (_, value) in OPTION_VALUES.items():
        assert getattr(config, name) == value, name
    # nothing given: exactly TrainConfig's defaults, none written twice
    assert cli.config_from_args(cli.build_parser().parse_args(["train"])) == TrainConfig()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--epochs", "0"], "epochs must be a positive integer"),
        (["--epochs", "-1"], "epochs must be a positive integer"),
        (["--batch-size", "0"], "batch_size must be a positive integer"),
        (["--batch-size", "100000"], "is larger than the training set"),
        (["--lr-g", "abc"], "--lr-g"),
    ],
)
def test_bad_values_are_one_line_and_create_nothing(tmp_path, monkeypatch, capsys, argv, message):
    root = write_tiny_ham10000(tmp_path / "root")
    monkeypatch.setenv("GAN_STUDY_DATA_DIR", str(root))
    monkeypatch.setenv("GAN_STUDY_CACHE_DIR", str(tmp_path / "cache"))
    runs = tmp_path / "runs"
    monkeypatch.setenv("GAN_STUDY_RUNS_DIR", str(runs))
    try:
        code = cli.main(["train", *argv])
    except SystemExit as exc:  # argparse rejects a value that is not a number
        code = exc.code
    assert code != 0
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not runs.exists() or not any(runs.iterdir())


def test_run_dir_that_is_a_file_and_a_diverging_run(tmp_path, monkeypatch, capsys):
    root = write_tiny_ham10000(tmp_path / "root")
    monkeypatch.setenv("GAN_STUDY_DATA_DIR", str(root))
    monkeypatch.setenv("GAN_STUDY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GAN_STUDY_RUNS_DIR", str(tmp_path / "runs"))
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    assert cli.main(["train", "--epochs", "1", "--run-dir", str(a_file)]) != 0
    assert "is not a directory" in capsys.readouterr().err and a_file.read_text() == "x"

    diverging = ["train", "--epochs", "2", "--batch-size", "16", "--lr-g", "1e30", "--lr-d", "1e30"]
    assert cli.main([*diverging, "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "training diverged" in err and "lower the learning rates" in err
    assert "nothing was kept" in err
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
