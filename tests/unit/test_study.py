"""Unit tests for gan_study.study: the grid runner, the tidy metric table and the chapters' helpers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from gan_study import study
from gan_study.config import RunGrid


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def test_flatten_metrics_keeps_numbers_only():
    flat = study.flatten_metrics(
        {"fd": 12.5, "kid": {"mean": 0.1, "std": 0.01}, "n": 500, "ok": True, "note": "x"}
    )
    assert flat == {"fd": 12.5, "kid.mean": 0.1, "kid.std": 0.01, "n": 500.0}


def test_tidy_and_summarize():
    tidy = study.tidy_metrics(
        [("dcgan", 0, {"fd": 10.0}), ("dcgan", 1, {"fd": 14.0}), ("wgan_gp", 0, {"fd": 8.0})]
    )
    assert list(tidy.columns) == ["model", "seed", "metric", "value", "note"]
    summary = study.summarize(tidy)
    dc = summary[summary.model == "dcgan"].iloc[0]
    assert dc["mean"] == pytest.approx(12.0)
    assert dc["std"] == pytest.approx(math.sqrt(8.0))
    assert dc["n"] == 2
    wg = summary[summary.model == "wgan_gp"].iloc[0]
    assert math.isnan(wg["std"])  # one seed: no spread, not zero


def test_a_missing_value_is_counted_and_named_not_dropped():
    records = [
        ("cdcgan", 0, {"data_copying": {"ct": 1.0}}),
        (
            "cdcgan",
            1,
            {"data_copying": {"ct": None}, "unavailable": {"data_copying.ct": "too few"}},
        ),
        ("cdcgan", 2, {"data_copying": {"ct": 3.0}}),
        ("dcgan", 0, {"data_copying": {"ct": 2.0}}),
    ]
    tidy = study.tidy_metrics(records)
    gone = tidy[tidy.value.isna()].iloc[0]
    assert (gone.model, gone.seed, gone.metric, gone.note) == (
        "cdcgan",
        1,
        "data_copying.ct",
        "too few",
    )
    summary = study.summarize(tidy).set_index("model")
    assert summary.loc["cdcgan", "mean"] == pytest.approx(2.0)
    assert (summary.loc["cdcgan", "n"], summary.loc["cdcgan", "n_total"]) == (2, 3)
    assert summary.loc["cdcgan", "unavailable"] == "seed 1: too few"
    assert summary.loc["dcgan", "unavailable"] == ""
    note = study.unavailable_note(summary.reset_index())
    assert note == (
        "Means over fewer seeds: cdcgan / data_copying.ct: mean of 2 of 3 seeds (seed 1: too few)."
    )
    complete = study.summarize(tidy[tidy.model == "dcgan"])
    assert study.unavailable_note(complete) == "Every value is from a single seed."
    assert study.unavailable_note(study.summarize(tidy[tidy.seed != 1])) == (
        "Every mean averages all 1 or 2 seeds."
    )


def test_generated_sample_reads_the_labels_from_the_given_data_dir(tmp_path, monkeypatch):
    import types

    from gan_study import data, training

    class Conditional:
        inputs = [object(), object()]

    seen = {}
    config = types.SimpleNamespace(source="ham10000", split="lesion", image_size=28)
    monkeypatch.setattr(training, "load_config", lambda run_dir: config)
    monkeypatch.setattr(training, "load_generator", lambda run_dir: Conditional())
    monkeypatch.setattr(training, "generate", lambda g, n, seed, labels: np.zeros((n, 28, 28, 3)))

    def load(**kw):
        seen.update(kw)
        return types.SimpleNamespace(train=types.SimpleNamespace(labels=np.array([0, 1, 1])))

    monkeypatch.setattr(data, "load", load)
    _, labels = study.generated_sample(tmp_path, 6, data_dir=tmp_path / "elsewhere")
    assert seen["data_dir"] == tmp_path / "elsewhere"
    assert np.bincount(labels).tolist() == [2, 4]


def test_summarize_missing_column():
    with pytest.raises(ValueError, match="no column"):
        study.summarize(pd.DataFrame({"model": ["a"], "value": [1.0]}))


def test_mean_spread():
    assert study.mean_spread([1.0, 3.0]) == (2.0, pytest.approx(math.sqrt(2.0)))
    mean, spread = study.mean_spread([5.0])
    assert mean == 5.0 and math.isnan(spread)
    with pytest.raises(ValueError):
        study.mean_spread([])


def test_real_examples_per_class_and_padding():
    from types import SimpleNamespace

    labels = np.array([0, 0, 0, 1, 2, 2])
    images = (np.arange(6, dtype=np.uint8)[:, None, None, None] * np.ones((1, 2, 2, 3))).astype(
        np.uint8
    )
    blocks = study.real_examples(SimpleNamespace(images=images, labels=labels), 2, num_classes=4)
    assert [b.shape for b in blocks] == [(2, 2, 2, 3)] * 4
    assert set(blocks[0][:, 0, 0, 0]) <= {0, 1, 2}
    assert len(set(blocks[0][:, 0, 0, 0])) == 2  # no image twice
    assert blocks[1][0, 0, 0, 0] == 3 and (blocks[1][1] == 255).all()  # padded
    assert (blocks[3] == 255).all()  # a class without images: all padding
    with pytest.raises(ValueError):
        study.real_examples(SimpleNamespace(images=images, labels=labels), 0)


def test_sample_epochs():
    assert study.sample_epochs(30, 4) == [1, 11, 20, 30]
    assert study.sample_epochs(1, 4) == [1]
    assert study.sample_epochs(3, 4) == [1, 2, 3]
    assert study.sample_epochs(5, 1) == [5]
    with pytest.raises(ValueError):
        study.sample_epochs(0, 3)


def test_sample_grids(tmp_path):
    from PIL import Image

    samples = tmp_path / "samples"
    samples.mkdir()
    for epoch in range(1, 6):
        Image.fromarray(np.full((4, 4, 3), epoch, np.uint8)).save(
            samples / f"epoch_{epoch:03d}.png"
        )
    Image.fromarray(np.full((4, 4, 3), 99, np.uint8)).save(samples / "final_ema.png")
    grids = study.sample_grids(tmp_path, k=3)
    assert [title for title, _ in grids] == [
        "epoch 1",
        "epoch 3",
        "epoch 5",
        "final, EMA generator",
    ]
    assert grids[1][1][0, 0, 0] == 3
    assert grids[-1][1].dtype == np.uint8
    with pytest.raises(FileNotFoundError, match="train the run first"):
        study.sample_grids(tmp_path / "nothing")


@pytest.mark.slow
def test_train_grid_trains_once_then_reuses(tmp_path, monkeypatch):
    from gan_study.data.fixtures import write_tiny_ham10000

    data_root = write_tiny_ham10000(tmp_path / "data")
    monkeypatch.setenv("GAN_STUDY_CACHE_DIR", str(tmp_path / "cache"))
    grid = RunGrid(models=["seed_baseline"], seeds=[0, 1], epochs=1, batch_size=8)
    runs_dir = tmp_path / "runs"
    first = study.train_grid(grid.configs(), data_dir=data_root, runs_dir=runs_dir, progress=False)
    assert list(first["seed"]) == [0, 1]
    assert not first["reused"].any()
    from gan_study import training

    history = training.load_history(first["run_dir"].iloc[0])
    assert first["d_updates"].iloc[0] == history["d_steps"].sum() > 0
    assert first["g_updates"].iloc[0] == history["g_steps"].sum() > 0
    assert first["run_dir"].nunique() == 2
    assert all((d / "generator_ema.keras").is_file() for d in first["run_dir"])
    assert (first["train_seconds"] > 0).all()
    again = study.train_grid(grid.configs(), data_dir=data_root, runs_dir=runs_dir, progress=False)
    assert again["reused"].all()
    assert list(again["run_dir"]) == list(first["run_dir"])
    assert list(again["train_seconds"]) == list(first["train_seconds"])


def _result(fd, floor, floor_std, agreement=None):
    return {
        "fd": {"value": fd, "floor": floor, "floor_std": floor_std, "n": 100},
        "precision_recall": {"precision": 0.5, "floor_precision": 0.7},
        "class_agreement": agreement,
    }


def test_floors_mean_and_spread():
    out = study.floors([_result(10.0, 2.0, 0.5), _result(12.0, 4.0, 1.5)])
    assert out["fd.value"] == (3.0, 1.0)
    mean, spread = out["precision_recall.precision"]
    assert mean == 0.7 and math.isnan(spread)  # no spread reported: NaN, not 0
    assert "kid.mean" not in out  # absent from every result


def test_class_agreement_table():
    def records(a0, a1):
        return [
            {
                "label": 0,
                "class": "akiec",
                "n_fake": 10,
                "agreement": a0,
                "n_real": 5,
                "real_recall": 0.4,
            },
            {
                "label": 1,
                "class": "bcc",
                "n_fake": 20,
                "agreement": a1,
                "n_real": 8,
                "real_recall": 0.6,
            },
        ]

    table = study.class_agreement_table(
        [_result(1, 1, 1, records(0.2, 0.5)), _result(1, 1, 1, records(0.4, 0.7)), _result(1, 1, 1)]
    )
    assert list(table["class"]) == ["akiec", "bcc"]
    assert table["agreement"].tolist() == pytest.approx([0.3, 0.6])
    assert table["agreement_std"].iloc[0] == pytest.approx(math.sqrt(0.02))
    assert table["real_recall"].tolist() == pytest.approx([0.4, 0.6])
    assert table["runs"].iloc[0] == 2
    assert study.class_agreement_table([_result(1, 1, 1)]) is None


def test_rgb_table_per_class_only_with_labels():
    real = np.zeros((4, 2, 2, 3), np.uint8)
    real[..., 0] = 255
    labels = np.array([0, 0, 1, 1])
    fake = np.full((3, 2, 2, 3), 51, np.uint8)
    table = study.rgb_table(
        real,
        labels,
        {"dcgan": (fake, None), "cdcgan": (fake, np.array([0, 1, 1]))},
        class_names=("a", "b"),
    )
    assert list(dict.fromkeys(table["source"])) == ["real", "dcgan", "cdcgan"]
    assert set(table[table.source == "dcgan"]["group"]) == {"all"}
    assert set(table[table.source == "cdcgan"]["group"]) == {"all", "a", "b"}
    red = table[(table.source == "real") & (table.channel == "R") & (table.group == "a")]
    assert red["mean"].iloc[0] == pytest.approx(1.0)
    assert table[(table.source == "dcgan") & (table.channel == "G")]["mean"].iloc[0] == (
        pytest.approx(0.2)
    )


def test_run_device(tmp_path):
    import json

    (tmp_path / "config.json").write_text(json.dumps({"environment": {"device": "CPU: x"}}))
    assert study.run_device(tmp_path) == "CPU: x"
    (tmp_path / "config.json").write_text(json.dumps({"environment": {}}))
    with pytest.raises(ValueError, match="no device"):
        study.run_device(tmp_path)
    with pytest.raises(FileNotFoundError):
        study.run_device(tmp_path / "missing")


def test_format_mean_spread_and_floor_verdict():
    assert study.format_mean_spread(12.34, 0.46) == "12.3 ± 0.5"
    assert "no spread" in study.format_mean_spread(12.34, math.nan)
    assert study.floor_verdict(1.0, 0.9, 0.1) == "within two standard deviations of the floor"
    assert study.floor_verdict(0.2, 0.9, 0.1) == "below the floor"
    assert study.floor_verdict(40.0, 1.0, 0.1) == "about 40 times the floor"
    assert study.floor_verdict(3.0, 2.0, 0.1) == "1.0 above the floor"
    assert study.floor_verdict(3.0, 2.0, math.nan) == "1.0 above the floor"


def test_flat_image_similarity():
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, (20, 8, 8, 3)).astype(np.uint8)
    train[0] = 128  # one training image is (nearly) the flat mean colour
    out = study.flat_image_similarity(train)
    assert set(out) == {"ssim_mean", "pixel_accuracy_mean", "colour"}
    assert 0.0 <= out["pixel_accuracy_mean"] <= 1.0
    flat_train = np.full((5, 8, 8, 3), 200, np.uint8)
    same = study.flat_image_similarity(flat_train)
    assert same["pixel_accuracy_mean"] == 1.0 and same["colour"] == (200, 200, 200)


def test_ladder_verdict_places_an_fd_among_the_corrupted_references():
    refs = {"blur 1 px": 6.0, "blur 0.5 px": 2.0}
    assert study.ladder_verdict(1.0, refs) == (
        "closer to the test images than real images with blur 0.5 px"
    )
    assert (
        study.ladder_verdict(3.0, refs) == "between real images with blur 0.5 px and with blur 1 px"
    )
    assert study.ladder_verdict(9.0, refs) == (
        "further from the test images than real images with blur 1 px"
    )
    assert "unavailable" in study.ladder_verdict(float("nan"), refs)
    with pytest.raises(ValueError, match="references is empty"):
        study.ladder_verdict(1.0, {})


def test_update_budget_is_one_number_or_a_range():
    assert study.update_budget(pd.DataFrame({"d_updates": [1752, 1752]})) == "1,752"
    assert study.update_budget(pd.DataFrame({"d_updates": [8, 1752]})) == "8 to 1,752"


def test_ordinals():
    assert study.ordinals([1, 5]) == "1st and 5th"
    assert study.ordinals([2, 3, 11, 22]) == "2nd, 3rd, 11th and 22nd"
    assert study.ordinals([13]) == "13th"


def test_recipe_text_names_what_a_run_changes():
    from gan_study.config import TrainConfig

    assert study.recipe_text(TrainConfig(model="dcgan", snapshot_every=4)) == "none"
    balanced = TrainConfig(model="cdcgan", class_balance=1.0, lr_warmup=10)
    assert study.recipe_text(balanced) == "lr_warmup 10, class_balance 1.0"


def test_defaults_table_shows_each_run_resolved_with_its_recipe(keras):
    from gan_study.config import TrainConfig

    configs = [
        TrainConfig(model="seed_baseline"),
        TrainConfig(model="wgan_gp", lr_g=5e-4),
        TrainConfig(model="cdcgan", class_balance=1.0, mixed_precision="mixed_bfloat16"),
    ]
    table = study.defaults_table(configs).set_index("model")
    assert list(table["arithmetic"]) == ["float32", "float32", "mixed_bfloat16"]
    assert list(table.index) == ["seed_baseline", "wgan_gp", "cdcgan"]
    assert table.loc["seed_baseline", "optimizer"] == "rmsprop"
    assert table.loc["seed_baseline", "Adam betas"] == ""  # not an Adam run
    assert table.loc["wgan_gp", "lr (G / D)"].startswith("0.0005 / ")
    assert table.loc["wgan_gp", "D steps per G step"] == 5
    assert table.loc["wgan_gp", "loss"] == "wgan-gp"
    assert table.loc["cdcgan", "Adam betas"] == "0.5, 0.999"
    assert bool(table.loc["cdcgan", "conditional"]) and not table.loc["wgan_gp", "conditional"]
    assert table.loc["cdcgan", "recipe"] == "class_balance 1.0"
    assert table.loc["seed_baseline", "recipe"] == "none"
    assert "Radford" not in table.loc["seed_baseline", "defaults from"]


def test_metric_table_rows_models_then_floor_then_ladder():
    summary = pd.DataFrame(
        {
            "model": ["a", "a", "b", "b"],
            "metric": ["fd.value", "kid.mean", "fd.value", "kid.mean"],
            "mean": [10.0, 0.5, 20.0, 0.7],
        }
    )
    floors = {"fd.value": (1.0, 0.1), "kid.mean": (0.01, 0.0), "nearest_real.ssim_mean": (0.4, 0)}
    names = {"kid.mean": "KID", "fd.value": "FD"}
    ladder = [("blur 0.5 px", 2.0), ("blur 1 px", 3.0)]
    table = study.metric_table(summary, floors, ladder, order=("b", "a"), names=names)
    assert list(table.index) == ["b", "a", "real vs real (floor)", "blur 0.5 px", "blur 1 px"]
    assert list(table.columns) == ["KID", "FD"]
    assert table.loc["b", "FD"] == 20.0 and table.loc["a", "KID"] == 0.5
    assert table.loc["real vs real (floor)", "FD"] == 1.0
    assert table.loc["real vs real (floor)", "KID"] == 0.01
    assert table.loc["blur 1 px", "FD"] == 3.0 and np.isnan(table.loc["blur 1 px", "KID"])


def test_chapter_4_metric_lists_agree_with_the_floors():
    assert study.METRIC_TITLES.keys() == study.METRIC_NAMES.keys()
    assert set(study.METRIC_TITLES) <= set(study.FLOOR_KEYS)
    assert not set(study.MEMORISATION_METRICS) & set(study.METRIC_TITLES)


def test_class_memorisation_keeps_the_computed_column_order_after_a_json_round_trip():
    """metrics.json stores rows with sorted keys; the table must not depend on that."""
    import json

    from gan_study import memorisation

    rng = np.random.default_rng(0)
    names = ["a", "b"]
    fresh = memorisation.per_class_memorisation(
        rng.random(40), rng.integers(0, 2, 40), rng.random(40), rng.integers(0, 2, 40), names
    )
    rows = fresh.to_dict(orient="records")
    stored = json.loads(json.dumps(rows, sort_keys=True, default=float))
    runs = pd.DataFrame({"model": ["m", "m"], "run_dir": ["r0", "r1"]})
    results = {
        "r0": {"memorization_by_class": {"pixel": rows}},
        "r1": {"memorization_by_class": {"pixel": stored}},
    }
    from_fresh = study.class_memorisation({"r0": results["r0"]}, runs.iloc[:1], "m", "pixel")
    from_stored = study.class_memorisation({"r1": results["r1"]}, runs.iloc[1:], "m", "pixel")
    assert list(from_stored.columns) == list(from_fresh.columns)
    assert list(from_fresh.columns) == [c for c in fresh.columns if c not in ("class", "note")]
