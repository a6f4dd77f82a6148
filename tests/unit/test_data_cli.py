"""``gan-study data``: the JSON summary and clear errors."""

from __future__ import annotations

import json

from gan_study import cli
from gan_study.data.fixtures import write_tiny_ham10000


def test_data_json_summary(tmp_path, capsys):
    root = write_tiny_ham10000(tmp_path / "root")
    argv = ["data", "--data-dir", str(root), "--cache-dir", str(tmp_path / "c"), "--json"]
    assert cli.main(argv + ["--split", "dermamnist", "--size", "32"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["source"] == "ham10000" and summary["split"] == "dermamnist"
    assert summary["image_size"] == 32 and summary["images"] == 131
    assert set(summary["splits"]) == {"train", "val", "test"}
    assert summary["cache_path"].startswith(str(tmp_path / "c"))
    assert cli.main(argv) == 0
    lesion = json.loads(capsys.readouterr().out)
    assert lesion["split"] == "lesion" and lesion["lesion_overlap"]["lesions_train_test"] == 0


def test_data_text_summary(tmp_path, capsys):
    root = write_tiny_ham10000(tmp_path / "root")
    assert cli.main(["data", "--data-dir", str(root), "--cache-dir", str(tmp_path / "c")]) == 0
    assert "lesions shared: train-val 0" in capsys.readouterr().out


def test_data_errors_are_one_line(tmp_path, capsys):
    assert cli.main(["data", "--data-dir", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gan-study data: error:") and "GAN_STUDY_DATA_DIR" in err
    root = write_tiny_ham10000(tmp_path / "root")
    assert cli.main(["data", "--data-dir", str(root), "--size", "50"]) == 2
    assert "unsupported image_size 50" in capsys.readouterr().err
