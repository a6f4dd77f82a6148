"""Unit tests of gan_study.evaluation on tiny synthetic data with an untrained classifier."""

from __future__ import annotations

import json
import types

import numpy as np
import pytest

from gan_study import classifier, evaluation, evaluation_inputs
from gan_study.data.fixtures import toy_lesion_data, toy_split


@pytest.fixture(scope="module")
def toy():
    data = toy_lesion_data()
    model = classifier.build_model(28, 7, width=4)
    params = {
        "num_classes": 7,
        "image_size": 28,
        "train_class_counts": np.bincount(data.train.labels, minlength=7).tolist(),
    }
    return data, classifier.Classifier(model=model, params=params)


def test_labels_like_follows_training_distribution():
    train = np.array([5] * 70 + [0] * 20 + [3] * 10)
    labels = evaluation.labels_like(train, 50, seed=1)
    assert np.bincount(labels, minlength=7).tolist() == [10, 0, 0, 5, 0, 35, 0]
    assert not np.array_equal(labels, np.sort(labels))  # shuffled
    np.testing.assert_array_equal(labels, evaluation.labels_like(train, 50, seed=1))
    assert len(evaluation.labels_like(train, 7, seed=0)) == 7


def test_evaluate_images_copies_vs_fresh(toy):
    data, clf = toy
    copies = data.train.images[:100]
    fresh = toy_split("fresh", 100, 9).images
    kw = dict(n=100, seed=0, fd_repeats=2, kid_subsets=5, diversity_pairs=20, ct_cells=2)
    res_copy = evaluation.evaluate_images(copies, data.train.labels[:100], data, clf, **kw)
    res_fresh = evaluation.evaluate_images(fresh, None, data, clf, **kw)

    json.dumps(res_copy, allow_nan=False)  # JSON-ready, no NaN
    for key in (
        "fd",
        "fd_inf",
        "kid",
        "precision_recall",
        "nearest_real",
        "memorization",
        "data_copying",
        "diversity",
        "feature_extractor",
        "inception",
        "rgb",
    ):
        assert key in res_copy
    # held-out protocol: 100 generated images in fd_repeats = 2 disjoint subsets of 50
    assert res_copy["fd"]["n"] == 50 and res_copy["n"] == 100 and res_copy["seed"] == 0
    assert "floor" in res_copy["fd"] and "floor" in res_copy["kid"]
    assert len(res_copy["fd"]["values"]) == len(res_copy["fd"]["floor_values"]) == 2
    # against held-out test images, copies of training images are no better than
    # training images themselves: the floor (scoring against the training images
    # rewarded copying)
    assert res_copy["fd"]["value"] > 0.3 * res_copy["fd"]["floor"]
    dc = res_copy["density_coverage"]
    assert 0 <= dc["coverage"] <= 1 and 0 <= dc["floor_coverage"] <= 1 and dc["n"] == 50
    assert res_copy["feature_extractor"]["dim"] == 16
    # copies: perfect nearest-image similarity, tiny distances, strongly negative C_T
    assert res_copy["nearest_real"]["ssim_mean"] == pytest.approx(1.0)
    assert res_copy["memorization"]["pixel"]["median_ratio"] == 0.0
    assert res_copy["data_copying"]["ct"] < -3
    assert res_copy["closest_pairs"][0]["distance"] == 0.0
    # fresh images from the same process look like held-out data
    assert 0.8 < res_fresh["memorization"]["pixel"]["median_ratio"] < 1.2
    assert res_fresh["class_agreement"] is None
    assert len(res_copy["class_agreement"]) == 7
    assert "proxies" in res_copy["notes"]


def test_a_shared_reference_gives_the_results_of_a_fresh_one(toy, monkeypatch):
    data, clf = toy
    a, b = toy_split("a", 100, 11).images, toy_split("b", 100, 12).images
    kw = dict(n=100, seed=0, fd_repeats=2, kid_subsets=5, diversity_pairs=20, ct_cells=2)
    fresh = evaluation.evaluate_images(b, None, data, clf, **kw)
    settings = dict(fd_repeats=2, kid_subsets=5, diversity_pairs=20)
    ref = evaluation.build_reference(data, clf, n=100, seed=0, **settings)
    calls = []
    kid = evaluation.metrics.kid
    monkeypatch.setattr(evaluation.metrics, "kid", lambda *a, **k: calls.append(1) or kid(*a, **k))
    assert evaluation.evaluate_images(b, None, data, clf, reference=ref, **kw) == fresh
    evaluation.evaluate_images(a, None, data, clf, reference=ref, **kw)
    assert len(calls) == 2  # the floor comes from the reference: only the generated images' KID
    evaluation.evaluate_images(a, None, data, clf, **{**kw, "seed": 1})
    assert len(calls) == 4  # no reference given: one is built, floor included
    with pytest.raises(ValueError, match="seed=0, 1"):
        evaluation.evaluate_images(a, None, data, clf, reference=ref, **{**kw, "seed": 1})


def test_evaluate_images_rejects_wrong_size(toy):
    data, clf = toy
    with pytest.raises(ValueError, match="image_size"):
        evaluation.evaluate_images(
            np.zeros((20, 32, 32, 3), np.uint8), None, data, clf, n=20, seed=0
        )


def test_evaluate_run_writes_and_reuses_metrics(toy, tmp_path, monkeypatch):
    data, clf = toy
    calls = {"generate": 0}

    class FakeGenerator:
        inputs = [object(), object()]  # conditional

    def generate(generator, n, seed, labels=None):
        calls["generate"] += 1
        assert labels is not None and len(labels) == n
        return toy_split("g", n, 100 + seed).images

    config = types.SimpleNamespace(
        source="toy", split="toy", image_size=28, model="cdcgan", max_train_images=None
    )
    from gan_study import training as real_training

    fake_training = types.SimpleNamespace(
        load_config=lambda run_dir: config,
        load_generator=lambda run_dir, ema=True: FakeGenerator(),
        generate=generate,
        training_images=lambda config, data_dir, images, labels: (images, labels),
        data_fingerprint=real_training.data_fingerprint,
        generator_path=real_training.generator_path,
    )
    import gan_study
    import gan_study.data

    monkeypatch.setitem(__import__("sys").modules, "gan_study.training", fake_training)
    monkeypatch.setattr(gan_study, "training", fake_training, raising=False)
    monkeypatch.setattr(gan_study.data, "load", lambda **kw: data)

    run = tmp_path / "run"
    run.mkdir()
    fingerprint = real_training.data_fingerprint(data.train.images, data.train.labels)
    from gan_study.config import TrainConfig

    stored = TrainConfig(model="cdcgan").resolved().to_dict()
    (run / "config.json").write_text(
        json.dumps({"config": stored, "data": {"fingerprint": fingerprint, "n_train": 100}})
    )
    (run / "generator_ema.keras").write_bytes(b"weights v1")
    res = evaluation.evaluate_run(run, n=60, seed=1, clf=clf)
    assert (run / "metrics.json").is_file()
    card = (run / "MODEL_CARD.md").read_text()  # rewritten with the measured metrics
    assert "Held-out FD (N = 20 per side, 3 disjoint repeats" in card
    on_disk = json.loads((run / "metrics.json").read_text())
    assert on_disk["n"] == 60 and on_disk["seed"] == 1 and on_disk["model"] == "cdcgan"
    assert on_disk == json.loads(json.dumps(res))
    assert not [p for p in run.iterdir() if p.name.startswith(".")]

    evaluation.evaluate_run(run, n=60, seed=1, clf=clf)
    assert calls["generate"] == 1  # reused
    evaluation.evaluate_run(run, n=60, seed=2, clf=clf)
    assert calls["generate"] == 2  # another seed is recomputed
    (run / "metrics.json").write_text("{broken")
    evaluation.evaluate_run(run, n=60, seed=2, clf=clf)
    assert calls["generate"] == 3  # a damaged file is replaced
    # another feature extractor is another evaluation
    other = classifier.Classifier(model=clf.model, params=clf.params, path=tmp_path / "clf-b")
    evaluation.evaluate_run(run, n=60, seed=2, clf=other)
    assert calls["generate"] == 4
    assert json.loads((run / "metrics.json").read_text())["feature_extractor"]["name"] == "clf-b"
    evaluation.evaluate_run(run, n=60, seed=2, clf=other)
    assert calls["generate"] == 4  # reused
    # the code that computes the metrics changed: recomputed, never the old numbers
    real_version = evaluation.store.code_version
    monkeypatch.setattr(evaluation.store, "code_version", lambda *m: "edited-" + real_version(*m))
    evaluation.evaluate_run(run, n=60, seed=2, clf=other)
    assert calls["generate"] == 5
    monkeypatch.setattr(evaluation.store, "code_version", real_version)
    # a retrained generator (another file) is another evaluation
    evaluation.evaluate_run(run, n=60, seed=2, clf=other)
    assert calls["generate"] == 6
    (run / "generator_ema.keras").write_bytes(b"weights v2")
    evaluation.evaluate_run(run, n=60, seed=2, clf=other)
    assert calls["generate"] == 7
    # the classifier's weights define an unsaved feature extractor
    evaluation.evaluate_run(run, n=60, seed=2, clf=clf)
    assert calls["generate"] == 8
    changed = classifier.Classifier(model=classifier.build_model(28, 7, width=4), params=clf.params)
    evaluation.evaluate_run(run, n=60, seed=2, clf=changed)
    assert calls["generate"] == 9
    # runs that share data, extractor, n and seed share one reference when given a dict
    shared: dict = {}
    (run / "generator_ema.keras").write_bytes(b"weights v3")
    alone = evaluation.evaluate_run(run, n=60, seed=2, clf=clf)
    (run / "generator_ema.keras").write_bytes(b"weights v4")
    first = evaluation.evaluate_run(run, n=60, seed=2, clf=clf, references=shared)
    (run / "generator_ema.keras").write_bytes(b"weights v5")
    second = evaluation.evaluate_run(run, n=60, seed=2, clf=clf, references=shared)
    assert calls["generate"] == 12 and len(shared) == 1
    assert list(shared.values())[0].seed == 2
    for res in (first, second):
        assert {k: v for k, v in res.items() if k != "cache_key"} == {
            k: v for k, v in alone.items() if k != "cache_key"
        }
    # by default the cached default classifier is used
    used = {}

    def fake_load_or_train(d, **params):
        used.update(params)
        return clf

    monkeypatch.setattr(classifier, "load_or_train", fake_load_or_train)
    evaluation.evaluate_run(run, n=60, seed=3)
    assert used == classifier.DEFAULT_PARAMS
    json.loads((run / "metrics.json").read_text())


def test_evaluate_run_refuses_data_the_run_was_not_trained_on(toy, tmp_path, monkeypatch):
    from gan_study import training

    data, clf = toy
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text(
        json.dumps({"data": {"fingerprint": "0123abcd", "source": "ham10000", "n_train": 7011}})
    )
    config = types.SimpleNamespace(
        source="toy", split="toy", image_size=28, model="dcgan", max_train_images=None
    )
    monkeypatch.setattr(training, "load_config", lambda run_dir: config)
    monkeypatch.setattr(training, "training_images", lambda c, d, images, labels: (images, labels))
    import gan_study.data

    monkeypatch.setattr(gan_study.data, "load", lambda **kw: data)
    with pytest.raises(ValueError, match=r"trained on data with fingerprint 0123abcd.*--data-dir"):
        evaluation.evaluate_run(run, n=60, seed=1, clf=clf, data_dir=tmp_path / "other-data")
    assert not (run / "metrics.json").exists()


def test_unavailable_values_are_listed_not_dropped():
    out: dict = {}
    ready = evaluation_inputs.json_ready({"a": {"b": float("nan"), "c": 1.5}, "d": [np.inf]}, out)
    assert ready == {"a": {"b": None, "c": 1.5}, "d": [None]}
    assert set(out) == {"a.b", "d[0]"} and "not a finite number" in out["a.b"]


def test_evaluate_run_missing_dir(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        evaluation.evaluate_run(tmp_path / "nope")


# --------------------------------------------------------------------- CLI
def test_cli_evaluate_missing_run_dir(tmp_path, capsys):
    from gan_study import cli

    assert cli.main(["evaluate", "--run-dir", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "gan-study evaluate: error:" in err and "does not exist" in err


def test_cli_evaluate_prints_json_and_summary(toy, tmp_path, monkeypatch, capsys):
    from gan_study import cli

    data, clf = toy
    res = evaluation.evaluate_images(
        data.test.images[:40],
        None,
        data,
        clf,
        n=40,
        seed=0,
        fd_repeats=2,
        kid_subsets=3,
        diversity_pairs=10,
        ct_cells=1,
    )
    seen = {}

    def fake_run(run_dir, *, n, seed, data_dir):
        seen.update(run_dir=run_dir, n=n, seed=seed, data_dir=data_dir)
        return res

    monkeypatch.setattr(evaluation, "evaluate_run", fake_run)
    argv = ["evaluate", "--run-dir", str(tmp_path), "--n", "40", "--seed", "3", "--json"]
    assert cli.main(argv) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 40
    assert seen == {"run_dir": str(tmp_path), "n": 40, "seed": 3, "data_dir": None}
    assert cli.main(["evaluate", "--run-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "floor" in out and "held-out FD at N=20 x 2" in out
    assert cli.main(["evaluate", "--run-dir", str(tmp_path), "--n", "3"]) == 2


def test_inception_scores_use_the_held_out_protocol_when_weights_are_there(toy, monkeypatch):
    """Without weights on this machine the path cannot run for real; a stand-in
    extractor (mean colour and its square) checks the wiring: held-out FID beside
    its floor, on the subsets of the study's own FD."""
    data, clf = toy
    monkeypatch.setattr(
        evaluation.metrics,
        "inception_weights_status",
        lambda path=None: {"available": True, "reason": "", "path": "stand-in.h5"},
    )

    def stand_in(images, path):
        x = np.asarray(images, np.float64).mean(axis=(1, 2)) / 255.0
        return np.concatenate([x, x**2], axis=1)

    monkeypatch.setattr(evaluation.metrics, "inception_features", stand_in)
    far = np.clip(data.test.images.astype(int) + 60, 0, 255).astype(np.uint8)
    kw = dict(n=100, seed=0, fd_repeats=2, kid_subsets=5, diversity_pairs=20, ct_cells=2)
    near = evaluation.evaluate_images(data.train.images[:100], None, data, clf, **kw)
    shifted = evaluation.evaluate_images(far[:100], None, data, clf, **kw)
    for result in (near, shifted):
        inc = result["inception"]
        assert inc["available"] and inc["n"] == result["fd"]["n"] == 50
        assert inc["fid_floor"] == pytest.approx(near["inception"]["fid_floor"])
    assert shifted["inception"]["fid"] > 10 * near["inception"]["fid"]
