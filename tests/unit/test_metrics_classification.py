"""Unit tests of gan_study.metrics.classification: hand-checkable classification scores."""

from __future__ import annotations

import numpy as np
import pytest

from gan_study import metrics


def test_roc_auc_hand_cases():
    assert metrics.roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert metrics.roc_auc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4]) == 0.0
    # pairs (pos, neg): (0.35 > 0.1), (0.35 < 0.4), (0.8 > both) -> 3/4
    assert metrics.roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    # ties count one half
    assert metrics.roc_auc([0, 1], [0.5, 0.5]) == 0.5
    assert np.isnan(metrics.roc_auc([1, 1], [0.2, 0.3]))


def test_roc_auc_matches_pairwise_definition():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 60)
    s = rng.integers(0, 5, 60).astype(float)  # many ties
    pos, neg = s[y == 1], s[y == 0]
    pairs = (pos[:, None] > neg[None]).mean() + 0.5 * (pos[:, None] == neg[None]).mean()
    assert metrics.roc_auc(y, s) == pytest.approx(pairs)


def test_classification_scores_hand_case():
    y_true = np.array([0, 0, 0, 1, 1, 2])
    y_pred = np.array([0, 0, 1, 1, 0, 0])
    s = metrics.classification_scores(y_true, y_pred, num_classes=3)
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
    s = metrics.classification_scores(y_true, proba.argmax(1), proba, num_classes=3)
    assert s["balanced_accuracy"] == 1.0
    assert np.isnan(s["recall"][2])
    assert s["auc"][:2] == [1.0, 1.0] and np.isnan(s["auc"][2])
    assert s["macro_auc"] == 1.0


def test_majority_baseline_is_computed():
    y = np.array([5] * 67 + [0] * 10 + [1] * 23)
    b = metrics.majority_baseline(y, 5, num_classes=7)
    assert b["accuracy"] == pytest.approx(0.67)
    assert b["balanced_accuracy"] == pytest.approx(1 / 3)  # 3 classes present
    assert b["macro_auc"] == 0.5
