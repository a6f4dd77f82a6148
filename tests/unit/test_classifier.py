"""Unit tests of gan_study.classifier: class weights, training, the cache and its names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gan_study import classifier
from gan_study.classifier_config import ClassifierConfig
from gan_study.data import LesionData, Split, to_float


# ----------------------------------------------------------------- weights
def test_class_weights():
    labels = np.array([0] * 90 + [1] * 10)
    none = classifier.class_weights(labels, "none", 2)
    inv = classifier.class_weights(labels, "inverse", 2)
    sq = classifier.class_weights(labels, "sqrt", 2)
    assert none == {0: 1.0, 1: 1.0}
    assert inv[1] / inv[0] == pytest.approx(9.0)
    assert sq[1] / sq[0] == pytest.approx(3.0)
    for w in (inv, sq):  # mean weight over samples is 1
        assert (90 * w[0] + 10 * w[1]) / 100 == pytest.approx(1.0)
    assert classifier.class_weights(np.array([0, 0]), "inverse", 2)[1] == 0.0
    with pytest.raises(ValueError, match="class_weighting"):
        classifier.class_weights(labels, "log", 2)


# ----------------------------------------------------------------- training
def _toy(n, seed, size=28):
    """Two easy classes: bright vs dark images with noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    base = np.where(labels[:, None, None, None] == 1, 180, 70)
    images = np.clip(base + rng.normal(0, 25, (n, size, size, 3)), 0, 255).astype(np.uint8)
    return images, labels


def _toy_data(n_train=96) -> LesionData:
    meta = lambda n: pd.DataFrame({"image_id": [f"x{i}" for i in range(n)]})  # noqa: E731
    parts = [
        Split(name, *_toy(n, seed), meta(n))
        for name, n, seed in (("train", n_train, 0), ("val", 32, 1), ("test", 32, 2))
    ]
    return LesionData(*parts, source="toy", split="toy", image_size=28, cache_path=None)


def test_train_classifier_learns_toy_task_and_is_deterministic():
    x, y = _toy(96, 0)
    xv, yv = _toy(32, 1)
    config = ClassifierConfig(seed=3, epochs=3, width=8, augment=True, batch_size=16)
    a = classifier.train_classifier(x, y, xv, yv, config, num_classes=2)
    b = classifier.train_classifier(x, y, xv, yv, config, num_classes=2)
    xt, yt = _toy(32, 2)
    np.testing.assert_array_equal(a.predict_proba(xt), b.predict_proba(xt))
    assert (a.predict(xt) == yt).mean() > 0.9
    assert a.features(xt).shape == (32, 32)  # 4 * width
    assert len(a.history) == 3 and 1 <= a.params["best_epoch"] <= 3
    assert a.params["train_class_counts"] == list(np.bincount(y))


def test_outputs_are_remembered_per_image_content():
    x, y = _toy(48, 0)
    clf = classifier.train_classifier(x, y, x[:16], y[:16], _SMALL, num_classes=2)
    calls = []
    model = clf.model
    clf.model = lambda batch, training: calls.append(len(batch)) or model(batch, training=training)
    first = clf.predict_proba(x)
    assert calls == [48]
    first[:] = -1.0  # the caller's copy: the remembered output is not touched
    expected = np.asarray(model(to_float(x), training=False))
    np.testing.assert_array_equal(clf.predict_proba(x.copy()), expected)
    assert calls == [48]  # same bytes: no second pass
    clf.predict_proba(x[::-1])
    assert calls == [48, 48]  # other images: computed


def test_default_network_has_about_300k_parameters():
    model = classifier.build_model(28, 7, 32)
    assert 250_000 < model.count_params() < 350_000
    assert model.get_layer("features").output.shape[-1] == 128


def test_train_classifier_rejects_bad_input():
    x, y = _toy(8, 0)
    config = ClassifierConfig(epochs=1)
    with pytest.raises(ValueError, match="uint8"):
        classifier.train_classifier(x.astype(float), y, x, y, config)
    with pytest.raises(ValueError, match="labels"):
        classifier.train_classifier(x, y[:5], x, y, config)
    with pytest.raises(ValueError, match=r"labels must be in"):
        classifier.train_classifier(x, y + 7, x, y, config)
    with pytest.raises(TypeError, match="ClassifierConfig"):
        classifier.train_classifier(x, y, x, y, {"epochs": 1})


def test_augment_preserves_content():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (20, 6, 6, 3)).astype(np.uint8)
    out = classifier._augment(x, rng)
    assert out.shape == x.shape
    np.testing.assert_array_equal(np.sort(out.reshape(20, -1), 1), np.sort(x.reshape(20, -1), 1))


def test_load_or_train_caches_and_keys_on_parameters(tmp_path, monkeypatch):
    data = _toy_data()
    clf = classifier.load_or_train(data, seed=0, epochs=1, width=8, runs_dir=tmp_path)
    assert clf.path.parent == tmp_path and clf.path.name.startswith(
        "classifier-toy-toy-28px-seed0-e1"
    )
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp leftovers

    def boom(*a, **k):
        raise AssertionError("retrained although cached")

    monkeypatch.setattr(classifier, "train_classifier", boom)
    again = classifier.load_or_train(data, ClassifierConfig(epochs=1, width=8), runs_dir=tmp_path)
    assert again.path == clf.path
    np.testing.assert_allclose(
        again.predict_proba(data.test.images), clf.predict_proba(data.test.images), atol=1e-6
    )
    with pytest.raises(AssertionError, match="retrained"):
        classifier.load_or_train(data, seed=0, epochs=1, width=8, augment=False, runs_dir=tmp_path)
    # a different training set is a different cache entry too
    other = _toy_data(n_train=64)
    assert classifier.cache_name(other, _SMALL) != classifier.cache_name(data, _SMALL)
    # as is an edit of the classifier's code: the old model is not reused
    real_version = classifier.store.code_version
    monkeypatch.setattr(classifier.store, "code_version", lambda *m: "edited-" + real_version(*m))
    with pytest.raises(AssertionError, match="retrained"):
        classifier.load_or_train(data, seed=0, epochs=1, width=8, runs_dir=tmp_path)
    monkeypatch.setattr(classifier.store, "code_version", real_version)

    scores = classifier.evaluate(again, data.test)
    assert scores["majority_baseline"]["majority_class"] == again.majority_class
    assert 0 <= scores["balanced_accuracy"] <= 1 and len(scores["auc"]) == 7
    with pytest.raises(ValueError, match="labels"):
        classifier.evaluate(again, data.test.images)


_SMALL = ClassifierConfig(epochs=1, width=8, batch_size=16, augment=False)


@pytest.mark.parametrize(
    ("config", "name"),
    [
        (ClassifierConfig(), "classifier-toy-toy-28px-seed0-e30-sqrt-aug-4bf15a14"),
        (
            ClassifierConfig(class_weighting="inverse", augment=False),
            "classifier-toy-toy-28px-seed0-e30-inverse-noaug-95314d05",
        ),
        (ClassifierConfig(devices=2), "classifier-toy-toy-28px-seed0-e30-sqrt-aug-26620282"),
    ],
)
def test_cache_names_are_those_of_earlier_builds(monkeypatch, config, name):
    """The names computed, with the code version held fixed, by the keyword-argument
    ``cache_name`` before :class:`ClassifierConfig` existed: classifiers cached by
    earlier builds of the same code are found."""
    monkeypatch.setattr(classifier.store, "code_version", lambda *modules: "0" * 16)
    assert classifier.cache_name(_toy_data(), config) == name
    assert classifier.cache_name(_toy_data(), **config.settings()) == name
    assert classifier.cache_name(_toy_data(), config.replace(seed=1)) != name


def test_load_reports_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="model.keras"):
        classifier.load(tmp_path)


def test_default_params_are_the_config_defaults():
    assert classifier.DEFAULT_PARAMS == ClassifierConfig().settings()
    assert classifier.cache_name(_toy_data()) == classifier.cache_name(
        _toy_data(), **classifier.DEFAULT_PARAMS
    )


def test_evaluate_subsets_scores_each_mask_like_evaluate():
    x, y = _toy(48, 0)
    clf = classifier.train_classifier(x, y, x[:16], y[:16], _SMALL, num_classes=2)
    test = _toy_data().test
    first = np.arange(len(test.labels)) < 10
    table, per_class = classifier.evaluate_subsets(
        clf, test, {"all": ~np.zeros(32, bool), "first": first}
    )
    assert list(table.index) == ["all", "first"]
    assert table.loc["all", "n"] == 32 and table.loc["first", "n"] == 10
    whole = classifier.evaluate(clf, test)
    assert table.loc["all", "accuracy"] == whole["accuracy"]
    assert table.loc["all", "macro_auc"] == whole["macro_auc"]
    part = classifier.evaluate(clf, test.images[:10], test.labels[:10])
    assert table.loc["first", "balanced_accuracy"] == part["balanced_accuracy"]
    assert table.loc["first", "majority_accuracy"] == part["majority_baseline"]["accuracy"]
    assert list(per_class.columns) == ["all n", "all recall", "first n", "first recall"]
    assert per_class["first n"].tolist() == part["support"]
    np.testing.assert_array_equal(per_class["first recall"], part["recall"])  # NaN: no images
    assert per_class.index[0] == "akiec" and len(per_class) == 2  # the toy task has 2 classes
    with pytest.raises(ValueError, match="'short'.*32 images"):
        classifier.evaluate_subsets(clf, test, {"short": first[:5]})
    with pytest.raises(ValueError, match="'none' selects no image"):
        classifier.evaluate_subsets(clf, test, {"none": np.zeros(32, bool)})


def test_leak_scores_scores_each_split_and_the_seen_and_unseen_groups(tmp_path):
    from gan_study import data
    from gan_study.data.fixtures import write_tiny_ham10000

    root = write_tiny_ham10000(tmp_path / "root")
    kw = dict(data_dir=root, cache_dir=tmp_path / "cache")
    lesion = data.load(split="lesion", **kw)
    dermamnist = data.load(split="dermamnist", **kw)
    table, per_class = classifier.leak_scores(
        lesion, dermamnist, epochs=1, runs_dir=tmp_path / "runs"
    )
    assert list(table.index) == [
        "lesion split, all",
        "DermaMNIST, all",
        "DermaMNIST, lesion seen",
        "DermaMNIST, lesion unseen",
    ]
    seen = int(data.leaked_test_mask(dermamnist).sum())
    assert 0 < seen < len(dermamnist.test.labels)  # the fixture leaks, partly
    assert table["n"].tolist() == [
        len(lesion.test.labels),
        len(dermamnist.test.labels),
        seen,
        len(dermamnist.test.labels) - seen,
    ]
    assert len(list((tmp_path / "runs").iterdir())) == 2  # one cached classifier per split
    assert per_class["DermaMNIST, lesion seen n"].sum() == seen
    assert list(per_class.columns)[1] == "DermaMNIST, lesion unseen n"
    with pytest.raises(ValueError, match="'lesion' and the 'dermamnist' split"):
        classifier.leak_scores(dermamnist, lesion, epochs=1, runs_dir=tmp_path / "runs")


def test_steps_per_epoch_and_weight_labels_fix_the_budget_and_the_weights(monkeypatch):
    """Chapter 6's arms: a larger training set gets the same updates, and the class
    weights of another label vector."""
    import keras

    x, y = _toy(48, 0)
    seen = []
    fit = keras.Model.fit

    def recording(self, xs, ys, **kw):
        seen.append(len(ys))
        return fit(self, xs, ys, **kw)

    monkeypatch.setattr(keras.Model, "fit", recording)
    config = ClassifierConfig(epochs=2, width=8, batch_size=16)
    default = classifier.train_classifier(x, y, x[:16], y[:16], config, num_classes=2)
    assert seen == [48, 48] and default.params["steps_per_epoch"] == 3
    seen.clear()
    fixed = classifier.train_classifier(
        x,
        y,
        x[:16],
        y[:16],
        config.replace(steps_per_epoch=5),
        weight_labels=np.array([0] * 9 + [1]),
        num_classes=2,
    )
    assert seen == [80, 80] and fixed.params["steps_per_epoch"] == 5  # 5 batches of 16
    weights = fixed.params["class_weights"]
    assert weights[1] > 2 * weights[0]  # from the 9:1 labels, not the balanced toy labels
    assert fixed.params["seed"] == 0 and "devices" not in fixed.params


def test_a_stream_is_fresh_permutations_one_after_another():
    order = classifier._stream(5, 12, np.random.default_rng(0))
    assert len(order) == 12
    assert sorted(order[:5]) == sorted(order[5:10]) == list(range(5))
