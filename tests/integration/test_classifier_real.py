"""The study's classifier on the real HAM10000 copy: the targets it must reach.

Uses :func:`gan_study.classifier.load_or_train` with its default parameters, so
the model trained here is the cached one the book and the metrics reuse (and a
cached one is reused here). Training it from scratch takes tens of minutes on a
shared 2-core CPU, hence ``slow``.
"""

from __future__ import annotations

import pytest

from gan_study import classifier, data

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def lesion(real_data_root, shared_cache_dir):
    return data.load(split="lesion", data_dir=real_data_root, cache_dir=shared_cache_dir)


@pytest.fixture(scope="module")
def lesion_scores(lesion):
    clf = classifier.load_or_train(lesion)
    return clf, classifier.evaluate(clf, lesion.test)


def test_lesion_split_targets(lesion_scores, lesion):
    clf, s = lesion_scores
    base = s["majority_baseline"]
    assert base["accuracy"] == pytest.approx(0.67, abs=0.01)  # computed from the labels
    assert base["balanced_accuracy"] == pytest.approx(1 / 7)
    assert s["macro_auc"] >= 0.91, s["macro_auc"]
    assert s["balanced_accuracy"] >= 0.55, s["balanced_accuracy"]
    assert s["accuracy"] > base["accuracy"], (s["accuracy"], base["accuracy"])
    assert sum(map(sum, s["confusion_matrix"])) == len(lesion.test)


def test_classifier_features_are_128_d_and_deterministic(lesion_scores, lesion):
    clf, _ = lesion_scores
    f1 = clf.features(lesion.test.images[:64])
    f2 = clf.features(lesion.test.images[:64])
    assert f1.shape == (64, 128)
    assert (f1 == f2).all()
    assert clf.path is not None and (clf.path / classifier.MODEL_FILE).is_file()
