"""Model cards and exported generators: written by a finished run, checked on load."""

from __future__ import annotations

import json
import tarfile

import numpy as np
import pytest

pytest.importorskip("tensorflow")

import gan_study  # noqa: E402
from gan_study import cli, export, model_card, training  # noqa: E402
from gan_study.config import TrainConfig  # noqa: E402


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (48, 28, 28, 3), dtype=np.uint8)
    labels = np.arange(48) % 7
    config = TrainConfig(model="cdcgan", epochs=1, batch_size=16, seed=3)
    run_dir = tmp_path_factory.mktemp("runs") / "cdcgan-run"
    return training.train(config, run_dir=run_dir, images=images, labels=labels, progress=False)


def test_a_finished_run_has_a_model_card(run):
    card = (run / model_card.CARD_FILE).read_text()
    assert card.startswith("# Model card: cdcgan-28px-seed3-")
    assert (
        "48 training images" in card and "akiec 7, bcc 7, bkl 7, df 7, mel 7, nv 7, vasc 6" in card
    )
    for heading in ("## Intended use", "## Out of scope", "## Known limits", "## Measured"):
        assert heading in card
    assert "clinical or diagnostic use" in card and "Not evaluated yet" in card
    assert "conditioned on the diagnosis" in card and "(3 discriminator updates)" in card


def test_the_card_reports_the_metrics_once_evaluated(run, tmp_path):
    copy = tmp_path / "run"
    copy.mkdir()
    for name in ("config.json", "history.csv"):
        (copy / name).write_text((run / name).read_text())
    metrics = {
        "n": 2000, "seed": 0,
        "fd": {"n": 666, "repeats": 3, "value": 3.1, "floor": 0.4, "floor_std": 0.05},
        "precision_recall": {"precision": 0.7, "recall": 0.3, "floor_precision": 0.8,
                             "floor_recall": 0.8},
        "class_agreement": [{"agreement": 0.5, "real_recall": 0.6},
                            {"agreement": None, "real_recall": 0.4}],
        "memorization": {"pixel": {"median_ratio": 1.02}},
        "data_copying": {"ct": None},
    }  # fmt: skip
    (copy / "metrics.json").write_text(json.dumps(metrics))
    card = model_card.model_card(copy)
    assert "Held-out FD (N = 666 per side, 3 disjoint repeats" in card
    assert "3.1; real-versus-real floor 0.4 ± 0.05" in card
    assert "Class agreement" in card and "0.5, against 0.5 for real test images" in card
    assert "ratio (pixels) 1.02" in card and "C_T n/a" in card
    with pytest.raises(FileNotFoundError, match="is not a training run directory"):
        model_card.model_card(tmp_path)


def test_an_exported_generator_loads_elsewhere_and_draws_the_same_images(run, tmp_path):
    archive = tmp_path / "out" / "gen.tar.gz"
    assert cli.main(["export", "--run-dir", str(run), "--out", str(archive)]) == 0
    with tarfile.open(archive) as tar:
        names = sorted(m.name.split("/", 1)[1] for m in tar.getmembers())
    assert names == sorted(["generator_ema.keras", "MODEL_CARD.md", "config.json", export.MANIFEST])
    moved = tmp_path / "elsewhere" / "gen.tar.gz"
    moved.parent.mkdir()
    moved.write_bytes(archive.read_bytes())
    labels = np.arange(14) % 7
    original = training.generate(training.load_generator(run), 14, seed=5, labels=labels)
    loaded = training.generate(gan_study.load_generator(moved), 14, seed=5, labels=labels)
    np.testing.assert_array_equal(loaded, original)
    unpacked = export.unpack(moved, tmp_path / "unpacked")
    assert (unpacked / "MODEL_CARD.md").read_text() == (run / "MODEL_CARD.md").read_text()
    with pytest.raises(ValueError, match="EMA generator only"):
        gan_study.load_generator(moved, ema=False)


def test_a_changed_archive_is_refused_naming_the_file(run, tmp_path):
    archive = export.export_run(run, tmp_path / "gen.tar.gz")
    with tarfile.open(archive) as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    name = next(n for n in files if n.endswith("config.json"))
    files[name] = files[name].replace(b'"seed": 3', b'"seed": 4')
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        for member, data in files.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, __import__("io").BytesIO(data))
    with pytest.raises(ValueError, match="config.json has SHA-256 [0-9a-f]{64}, the manifest says"):
        export.unpack(bad, tmp_path / "dest")
    assert not (tmp_path / "dest").exists() or not any((tmp_path / "dest").iterdir())
    with pytest.raises(FileNotFoundError, match="gan-study export wrote"):
        export.unpack(tmp_path / "missing.tar.gz", tmp_path / "dest")


def test_an_unfinished_run_cannot_be_exported(tmp_path):
    assert cli.main(["export", "--run-dir", str(tmp_path)]) == 2
    with pytest.raises(FileNotFoundError, match="no finished run"):
        export.export_run(tmp_path)
