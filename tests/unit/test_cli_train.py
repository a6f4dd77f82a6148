"""gan-study train: every TrainConfig field is an option, and bad values end in one line."""

from __future__ import annotations

import dataclasses

import pytest

from gan_study import cli
from gan_study.config import TrainConfig
from gan_study.data.fixtures import write_tiny_ham10000

TINY = ["--model", "seed_baseline", "--batch-size", "16", "--epochs", "2", "--no-progress"]

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
    "snapshot_every": ("4", 4),
    "class_balance": ("0.5", 0.5),
    "conditional_bn": (None, True),
    "devices": ("2", 2),
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


# ------------------------------------------- more on the generated options and bad input
def _parse(*argv):
    return cli.config_from_args(cli.build_parser().parse_args(["train", *argv]))


def test_unset_options_keep_trainconfigs_defaults_and_old_names_still_work():
    assert _parse() == TrainConfig()  # no default is written twice
    config = _parse("--size", "32", "--model", "wgan_gp", "--epochs", "4", "--lr-g", "1e-3")
    assert (config.image_size, config.model, config.epochs, config.lr_g) == (32, "wgan_gp", 4, 1e-3)
    assert _parse("--image-size", "64").image_size == 64
    assert _parse("--max-train-images", "10", "--max-train-images", "none").max_train_images is None
    assert _parse("--spectral-norm").spectral_norm is True
    assert _parse("--no-spectral-norm").spectral_norm is False


def test_help_comes_from_the_trainconfig_docstring(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--latent-dim LATENT_DIM Length of the latent code (100 in the report" in out
    assert "Architecture (gan_study.models.build)" in out and "default: dcgan" in out
    assert "--size IMAGE_SIZE" in out and "--wait" in out


def test_a_bad_option_value_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as info:
        cli.build_parser().parse_args(["train", "--epochs", "1.5"])
    assert info.value.code == 2
    assert "gan-study train: error: argument --epochs: invalid int value: '1.5'" in (
        capsys.readouterr().err
    )


def test_new_fields_of_a_config_class_appear_automatically():
    @dataclasses.dataclass(frozen=True)
    class Config:
        """Two fields.

        Parameters
        ----------
        rate, width : float
            A shared entry (``50%`` off).
        flag : bool, optional
            A switch.

        Notes
        -----
        flag : not a parameter
            Not read.
        """

        rate: float = 0.5
        width: float = 2.0
        flag: bool | None = None

    import argparse

    parser = argparse.ArgumentParser()
    cli.add_config_options(parser, Config)
    made = cli.config_from_args(parser.parse_args(["--width", "3", "--flag"]), Config)
    assert made == Config(rate=0.5, width=3.0, flag=True)
    assert "A shared entry (50% off)" in " ".join(parser.format_help().split())

    @dataclasses.dataclass
    class Undocumented:
        """Parameters
        ----------
        a : int
        """

        a: int = 1
        b: int = 2

    with pytest.raises(ValueError, match="Undocumented.b has no entry in the 'Parameters'"):
        cli.add_config_options(argparse.ArgumentParser(), Undocumented)


@pytest.fixture()
def tiny_env(tmp_path, monkeypatch):
    root = write_tiny_ham10000(tmp_path / "data")
    monkeypatch.setenv("GAN_STUDY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GAN_STUDY_RUNS_DIR", str(tmp_path / "runs"))
    return root


def test_run_dir_that_is_or_lies_below_a_file_is_a_clear_error(tiny_env, tmp_path, capsys):
    pytest.importorskip("tensorflow")
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    base = ["train", "--data-dir", str(tiny_env), *TINY, "--run-dir"]
    assert cli.main([*base, str(afile)]) == 2
    err = capsys.readouterr().err
    assert f"gan-study train: error: run directory {afile} exists and is not a directory" in err
    assert "--run-dir" in err
    assert cli.main([*base, str(afile / "sub")]) == 2
    err = capsys.readouterr().err
    assert f"cannot create run directory {afile / 'sub'}: {afile} is not a directory" in err
    assert afile.read_text() == "keep me"


def test_divergence_removes_what_it_created_and_only_that(tiny_env, tmp_path, capsys):
    pytest.importorskip("tensorflow")
    run = tmp_path / "runs" / "diverging"
    argv = ["train", "--data-dir", str(tiny_env), *TINY, "--lr-g", "1e30", "--run-dir", str(run)]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("gan-study train: error: training diverged at epoch 1")
    assert "lower the learning rates" in err and f"nothing was kept (removed {run})" in err
    assert "Traceback" not in err
    assert not run.exists()

    run.mkdir(parents=True)  # a directory this call did not create stays, emptied of its files
    (run / "notes.txt").write_text("mine")
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert "nothing was kept (removed config.json, history.csv" in err
    assert f".lock from {run})" in err
    assert sorted(p.name for p in run.iterdir()) == ["notes.txt"]
