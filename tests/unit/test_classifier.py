"""Unit tests of gan_study.classifier: hand-checkable scores, weights, training and the cache."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gan_study import classifier
from gan_study.data import LesionData, Split, to_float


# ------------------------------------------------------------------ scores
def test_roc_auc_hand_cases():
    assert classifier.roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert classifier.roc_auc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4]) == 0.0
    # pairs (pos, neg): (0.35 > 0.1), (0.35 < 0.4), (0.8 > both) -> 3/4
    assert classifier.roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    # ties count one half
    assert classifier.roc_auc([0, 1], [0.5, 0.5]) == 0.5
    assert np.isnan(classifier.roc_auc([1, 1], [0.2, 0.3]))


def test_roc_auc_matches_pairwise_definition():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 60)
    s = rng.integers(0, 5, 60).astype(float)  # many ties
    pos, neg = s[y == 1], s[y == 0]
    pairs = (pos[:, None] > neg[None]).mean() + 0.5 * (pos[:, None] == neg[None]).mean()
    assert classifier.roc_auc(y, s) == pytest.approx(pairs)


def test_classification_scores_hand_case():
    y_true = np.array([0, 0, 0, 1, 1, 2])
    y_pred = np.array([0, 0, 1, 1, 0, 0])
    s = classifier.classification_scores(y_true, y_pred, num_classes=3)
    assert s["accuracy"] == pytest.approx(3 / 6)
    assert s["recall"] == pytest.approx([2 / 3, 1 / 2, 0.0])
    assert s["balanced_accuracy"] == pytest.approx((2 / 3 + 1 / 2 + 0) / 3)
    # precision: class 0 = 2/4, class 1 = 1/2, class 2 = 0 (never predicted)
    f1_0 = 2 * 0.5 * (2 / 3) / (0.5 + 2 / 3)
    f1_1 = 0.5
    assert s["f1"] == pytest.approx([f1_0, f1_1, 0.0])
    assert s["macro_f1"] == pytest.approx((f1_0 + f1_1) / 3)
    assert s["confusion_matrix"] == [[2, 1, 0], [1, 1, 0], [1, 0, 0]]


def test_classification_scores_skips_absent_classes_and_gives_auc():
    y_true = np.array([0, 0, 1, 1])
    proba = np.array([[0.9, 0.1, 0], [0.6, 0.4, 0], [0.3, 0.7, 0], [0.2, 0.8, 0]])
    s = classifier.classification_scores(y_true, proba.argmax(1), proba, num_classes=3)
    assert s["balanced_accuracy"] == 1.0
    assert np.isnan(s["recall"][2])
    assert s["auc"][:2] == [1.0, 1.0] and np.isnan(s["auc"][2])
    assert s["macro_auc"] == 1.0


def test_majority_baseline_is_computed():
    y = np.array([5] * 67 + [0] * 10 + [1] * 23)
    b = classifier.majority_baseline(y, 5, num_classes=7)
    assert b["accuracy"] == pytest.approx(0.67)
    assert b["balanced_accuracy"] == pytest.approx(1 / 3)  # 3 classes present
    assert b["macro_auc"] == 0.5


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
    kw = dict(seed=3, epochs=3, width=8, augment=True, batch_size=16, num_classes=2)
    a = classifier.train_classifier(x, y, xv, yv, **kw)
    b = classifier.train_classifier(x, y, xv, yv, **kw)
    xt, yt = _toy(32, 2)
    np.testing.assert_array_equal(a.predict_proba(xt), b.predict_proba(xt))
    assert (a.predict(xt) == yt).mean() > 0.9
    assert a.features(xt).shape == (32, 32)  # 4 * width
    assert len(a.history) == 3 and 1 <= a.params["best_epoch"] <= 3
    assert a.params["train_class_counts"] == list(np.bincount(y))


def test_outputs_are_remembered_per_image_content():
    x, y = _toy(48, 0)
    clf = classifier.train_classifier(
        x, y, x[:16], y[:16], seed=0, epochs=1, width=8, batch_size=16, num_classes=2
    )
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
    with pytest.raises(ValueError, match="uint8"):
        classifier.train_classifier(x.astype(float), y, x, y, seed=0, epochs=1)
    with pytest.raises(ValueError, match="labels"):
        classifier.train_classifier(x, y[:5], x, y, seed=0, epochs=1)
    with pytest.raises(ValueError, match="class_weighting"):
        classifier.train_classifier(x, y, x, y, seed=0, epochs=1, class_weighting="x")
    with pytest.raises(ValueError, match=r"labels must be in"):
        classifier.train_classifier(x, y + 7, x, y, seed=0, epochs=1)


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
    again = classifier.load_or_train(data, seed=0, epochs=1, width=8, runs_dir=tmp_path)
    assert again.path == clf.path
    np.testing.assert_allclose(
        again.predict_proba(data.test.images), clf.predict_proba(data.test.images), atol=1e-6
    )
    with pytest.raises(AssertionError, match="retrained"):
        classifier.load_or_train(data, seed=0, epochs=1, width=8, augment=False, runs_dir=tmp_path)
    # a different training set is a different cache entry too
    other = _toy_data(n_train=64)
    assert classifier.cache_name(other, **_params()) != classifier.cache_name(data, **_params())
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


def _params():
    return dict(
        seed=0,
        epochs=1,
        class_weighting="sqrt",
        augment=False,
        batch_size=64,
        learning_rate=1e-3,
        width=8,
    )


def test_load_reports_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="model.keras"):
        classifier.load(tmp_path)


def test_default_params_match_load_or_train_signature():
    import inspect

    sig = inspect.signature(classifier.load_or_train).parameters
    for name, value in classifier.DEFAULT_PARAMS.items():
        assert sig[name].default == value, name


def test_evaluate_subsets_scores_each_mask_like_evaluate():
    x, y = _toy(48, 0)
    clf = classifier.train_classifier(
        x, y, x[:16], y[:16], seed=0, epochs=1, width=8, batch_size=16, num_classes=2
    )
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
    kw = dict(seed=0, epochs=2, width=8, batch_size=16, num_classes=2)
    default = classifier.train_classifier(x, y, x[:16], y[:16], **kw)
    assert seen == [48, 48] and default.params["steps_per_epoch"] == 3
    seen.clear()
    fixed = classifier.train_classifier(
        x, y, x[:16], y[:16], steps_per_epoch=5, weight_labels=np.array([0] * 9 + [1]), **kw
    )
    assert seen == [80, 80] and fixed.params["steps_per_epoch"] == 5  # 5 batches of 16
    weights = fixed.params["class_weights"]
    assert weights[1] > 2 * weights[0]  # from the 9:1 labels, not the balanced toy labels
    with pytest.raises(ValueError, match="steps_per_epoch must be a positive integer"):
        classifier.train_classifier(x, y, x, y, steps_per_epoch=0, **kw)


def test_a_stream_is_fresh_permutations_one_after_another():
    order = classifier._stream(5, 12, np.random.default_rng(0))
    assert len(order) == 12
    assert sorted(order[:5]) == sorted(order[5:10]) == list(range(5))
