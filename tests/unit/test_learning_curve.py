"""Learning curves: EMA generator snapshots, their FD and class agreement, the verdict.

A tiny cDCGAN trains on synthetic 28 px images with a snapshot every epoch.
The snapshots must load as the EMA generator was after that epoch (the last
one is the finished EMA generator), survive an interruption unchanged, and
their curve must end at the FD that ``metrics.json`` reports for the same
``n`` and seed.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("tensorflow")

from gan_study import classifier, evaluation, plots, study, training  # noqa: E402
from gan_study.config import TrainConfig  # noqa: E402
from gan_study.data import LesionData, Split  # noqa: E402

CONFIG = TrainConfig(
    model="cdcgan", epochs=3, batch_size=16, seed=3, checkpoint_every=1, snapshot_every=1
)


def _split(name, n, seed):
    rng = np.random.default_rng(seed)
    labels = rng.choice(7, n, p=[0.1, 0.1, 0.15, 0.05, 0.15, 0.4, 0.05])
    base = rng.integers(0, 256, (n, 7, 7, 3))
    images = np.repeat(np.repeat(base, 4, 1), 4, 2).astype(np.uint8)
    return Split(name, images, labels, pd.DataFrame({"image_id": range(n)}))


@pytest.fixture(scope="module")
def toy():
    data = LesionData(
        _split("train", 96, 0),
        _split("val", 30, 1),
        _split("test", 80, 2),
        source="ham10000",
        split="lesion",
        image_size=28,
        cache_path=None,
    )
    model = classifier.build_model(28, 7, width=4)
    params = {
        "num_classes": 7,
        "image_size": 28,
        "train_class_counts": np.bincount(data.train.labels, minlength=7).tolist(),
    }
    return data, classifier.Classifier(model=model, params=params)


@pytest.fixture(scope="module")
def run(toy, tmp_path_factory):
    data, _ = toy
    run_dir = tmp_path_factory.mktemp("curve") / "run"
    return training.train(
        CONFIG, run_dir=run_dir, images=data.train.images, labels=data.train.labels, progress=False
    )


def _weights(generator):
    return generator.get_weights()


def _equal(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_a_snapshot_every_epoch_with_its_update_counts(run):
    kept = training.snapshots(run)
    assert kept["epoch"].tolist() == [1, 2, 3]
    history = training.load_history(run)
    assert kept["d_updates"].tolist() == history["d_steps"].cumsum().tolist()
    assert kept["g_updates"].tolist() == history["g_steps"].cumsum().tolist()
    assert all(p.is_file() for p in kept["path"])


def test_the_last_snapshot_is_the_finished_ema_generator(run):
    final = _weights(training.load_generator(run))
    assert _equal(_weights(training.load_generator(run, epoch=3)), final)
    assert not _equal(_weights(training.load_generator(run, epoch=1)), final)


def test_missing_snapshots_are_named(run):
    with pytest.raises(FileNotFoundError, match=r"no snapshot of epoch 7 \(snapshots: 1, 2, 3\)"):
        training.load_generator(run, epoch=7)
    with pytest.raises(ValueError, match="EMA generator only"):
        training.load_generator(run, ema=False, epoch=1)


def test_snapshot_every_two_epochs_and_name(toy, tmp_path):
    data, _ = toy
    config = dataclasses.replace(CONFIG, model="seed_baseline", snapshot_every=2)
    run_dir = training.train(
        config, run_dir=tmp_path / "r", images=data.train.images, progress=False
    )
    assert training.snapshots(run_dir)["epoch"].tolist() == [2]
    # snapshots are part of the run's identity; without them the name is the old one
    off = dataclasses.replace(config, snapshot_every=0)
    assert config.run_name() != off.run_name()
    assert off.run_name() == TrainConfig(**{**off.to_dict(), "snapshot_every": 0}).run_name()


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2"])
def test_snapshot_every_must_be_a_non_negative_integer(bad):
    with pytest.raises(ValueError, match="snapshot_every"):
        dataclasses.replace(CONFIG, snapshot_every=bad).validate()


def test_interrupted_run_keeps_the_same_snapshots(toy, tmp_path, monkeypatch):
    data, _ = toy
    config = dataclasses.replace(CONFIG, model="seed_baseline", epochs=4)
    whole = training.train(
        config, run_dir=tmp_path / "whole", images=data.train.images, progress=False
    )
    save = training._Trainer.save

    def save_then_stop(self, path, epoch, history, steps):
        save(self, path, epoch, history, steps)
        if epoch == 2:
            # what a kill after the next snapshot, before its checkpoint, leaves behind
            self.save_snapshot(path.parent.parent / "snapshots" / "epoch_003.npz")
            raise KeyboardInterrupt

    monkeypatch.setattr(training._Trainer, "save", save_then_stop)
    cut = tmp_path / "cut"
    with pytest.raises(training.TrainingInterrupted):
        training.train(config, run_dir=cut, images=data.train.images, progress=False)
    assert training.snapshots(cut)["epoch"].tolist() == [1, 2]  # epoch 3 is not done yet
    monkeypatch.setattr(training._Trainer, "save", save)
    training.train(config, run_dir=cut, images=data.train.images, progress=False)
    a, b = training.snapshots(whole), training.snapshots(cut)
    assert a["epoch"].tolist() == b["epoch"].tolist() == [1, 2, 3, 4]
    for pa, pb in zip(a["path"], b["path"], strict=True):
        with np.load(pa) as fa, np.load(pb) as fb:
            assert sorted(fa.files) == sorted(fb.files)
            assert all(np.array_equal(fa[k], fb[k]) for k in fa.files), pa.name


@pytest.fixture
def on_toy_data(toy, monkeypatch):
    """Every ``gan_study.data.load`` returns the toy data the run was trained on."""
    import gan_study.data

    data, clf = toy
    monkeypatch.setattr(gan_study.data, "load", lambda **kw: data)
    return data, clf


def test_curve_ends_at_the_fd_of_metrics_json(run, on_toy_data):
    _, clf = on_toy_data
    curve = evaluation.learning_curve(run, n=60, seed=1, clf=clf)
    metrics = evaluation.evaluate_run(run, n=60, seed=1, clf=clf)
    points = curve["points"]
    assert [p["epoch"] for p in points] == [1, 2, 3]
    assert curve["conditional"] is True and curve["model"] == "cdcgan"
    assert points[-1]["fd_mean"] == pytest.approx(metrics["fd"]["value"], rel=1e-6)
    assert curve["floor_mean"] == pytest.approx(metrics["fd"]["floor"], rel=1e-6)
    assert all(0.0 <= p["agreement"] <= 1.0 for p in points)
    assert len({round(p["fd_mean"], 6) for p in points}) == 3  # three different generators
    assert (run / evaluation.CURVE_FILE).is_file()


def test_curve_is_reused_until_a_snapshot_changes(run, on_toy_data, monkeypatch):
    _, clf = on_toy_data
    first = evaluation.learning_curve(run, n=50, seed=2, clf=clf)
    calls = []
    real_generate = training.generate
    monkeypatch.setattr(
        training, "generate", lambda *a, **k: calls.append(1) or real_generate(*a, **k)
    )
    assert evaluation.learning_curve(run, n=50, seed=2, clf=clf) == first
    assert not calls
    path = training.snapshots(run)["path"].iloc[0]
    original = path.read_bytes()
    try:
        path.write_bytes(training.snapshots(run)["path"].iloc[1].read_bytes())
        again = evaluation.learning_curve(run, n=50, seed=2, clf=clf)
        assert len(calls) == 3  # every snapshot is scored again
        assert again["points"][0]["fd_mean"] == pytest.approx(again["points"][1]["fd_mean"])
    finally:
        path.write_bytes(original)


def test_a_run_without_snapshots_has_no_curve(toy, on_toy_data, tmp_path):
    data, clf = on_toy_data
    config = dataclasses.replace(CONFIG, model="seed_baseline", epochs=1, snapshot_every=0)
    run_dir = training.train(
        config, run_dir=tmp_path / "r", images=data.train.images, progress=False
    )
    with pytest.raises(ValueError, match="snapshot_every > 0"):
        evaluation.learning_curve(run_dir, n=50, seed=0, clf=clf)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        evaluation.learning_curve(tmp_path / "nowhere", n=50, clf=clf)


def _curves(fd_by_seed, agreement=None):
    rows = []
    for seed, values in fd_by_seed.items():
        for k, value in enumerate(values):
            rows.append(
                {
                    "model": "m",
                    "seed": seed,
                    "epoch": 4 * (k + 1),
                    "d_updates": 876 * (k + 1),
                    "g_updates": 876 * (k + 1),
                    "fd": value,
                    "agreement": np.nan if agreement is None else agreement[seed][k],
                    "floor": 0.1,
                }
            )
    return pd.DataFrame(rows)


def test_verdict_still_improving_beyond_the_seed_spread():
    v = study.curve_verdict(_curves({0: [9.0, 5.0, 4.0], 1: [9.4, 5.2, 4.2]}), "m")
    assert v["improving"] and v["from_updates"] == 1752 and v["to_updates"] == 2628
    assert v["before"] == pytest.approx(5.1) and v["after"] == pytest.approx(4.1)
    assert v["text"].startswith("still improving: from 1,752 to 2,628 updates its mean FD fell")


def test_verdict_not_improving_within_the_seed_spread():
    v = study.curve_verdict(_curves({0: [9.0, 5.0, 4.8], 1: [9.4, 6.0, 6.0]}), "m")
    assert not v["improving"]
    assert v["text"].startswith("no longer clearly improving: ")
    assert "less than the seeds' spread" in v["text"]
    rising = study.curve_verdict(_curves({0: [9.0, 5.0, 7.0]}), "m")
    assert not rising["improving"] and rising["text"].startswith("not improving: ")
    assert "rose by 40%" in rising["text"]


def test_verdict_on_agreement_counts_a_rise_as_improvement():
    agreement = {0: [0.2, 0.3, 0.5], 1: [0.2, 0.32, 0.52]}
    v = study.curve_verdict(_curves({0: [1, 1, 1], 1: [1, 1, 1]}, agreement), "m", "agreement")
    assert v["improving"] and "class agreement rose" in v["text"]


def test_verdict_refuses_what_it_cannot_judge():
    with pytest.raises(ValueError, match="needs two"):
        study.curve_verdict(_curves({0: [4.0]}), "m")
    with pytest.raises(ValueError, match="no learning curve for 'x'"):
        study.curve_verdict(_curves({0: [4.0, 3.0]}), "x")
    with pytest.raises(ValueError, match="column"):
        study.curve_verdict(_curves({0: [4.0, 3.0]}), "m", "kid")


def test_learning_curves_figure():
    plain = _curves({0: [9.0, 5.0, 4.0], 1: [9.4, 5.2, 4.2]})
    fig = plots.learning_curves(plain, references=[("blurred 1 px", 11.0)])
    assert len(fig.axes) == 1 and fig.axes[0].get_yscale() == "log"
    conditional = _curves({0: [9.0, 5.0, 4.0]}, {0: [0.2, 0.3, 0.4]})
    fig = plots.learning_curves(pd.concat([plain, conditional]), accuracy=0.57)
    assert len(fig.axes) == 2
    assert fig.axes[1].get_ylabel() == "balanced class agreement"
    with pytest.raises(ValueError, match="no snapshots"):
        plots.learning_curves(plain.iloc[:0])
