"""Scores of a classifier's predictions: ROC AUC, confusion matrix, balanced accuracy.

:func:`classification_scores` is what the study reports for every classifier
(the feature classifier of :mod:`gan_study.classifier`, chapter 6's arms):
accuracy, balanced accuracy, macro-F1, per-class recall and F1, the confusion
matrix and, with class scores, the one-vs-rest :func:`roc_auc` per class.
:func:`majority_baseline` gives the same scores for always answering one class.
"""

from __future__ import annotations

import numpy as np
import scipy.stats


def roc_auc(y_true: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve of binary labels, by the Mann-Whitney formula.

    ``AUC = (R₁ - n₁(n₁+1)/2) / (n₁ n₀)`` where R₁ is the sum of the ranks of
    the positive samples' scores among all scores (ties get mid-ranks), n₁ and
    n₀ the numbers of positives and negatives. It is the probability that a
    random positive scores above a random negative (ties count one half).

    Parameters
    ----------
    y_true : ndarray, shape (N,)
        0/1 (or boolean) labels.
    scores : ndarray, shape (N,)

    Returns
    -------
    float
        NaN when only one class is present.

    References
    ----------
    .. [1] Hanley J. A., McNeil B. J., "The meaning and use of the area under a
       receiver operating characteristic (ROC) curve", Radiology 143, 1982.
    """
    y = np.asarray(y_true).astype(bool).ravel()
    s = np.asarray(scores, dtype=np.float64).ravel()
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = scipy.stats.rankdata(s)
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts ``C[i, j]`` of samples of true class i predicted as class j."""
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


def classification_scores(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    proba: np.ndarray | None = None,
    *,
    num_classes: int = 7,
) -> dict:
    """Accuracy, balanced accuracy, macro-F1, per-class recall and AUC.

    Parameters
    ----------
    y_true, y_pred : ndarray, shape (N,)
        True and predicted integer labels.
    proba : ndarray, shape (N, num_classes), optional
        Class scores for the one-vs-rest AUC; without them AUC is omitted.
    num_classes : int, default 7

    Returns
    -------
    dict
        ``n``, ``accuracy``; ``balanced_accuracy`` (mean recall over the
        classes present in ``y_true``); ``macro_f1`` (mean F1 over those
        classes, F1 = 0 where precision and recall are both 0);
        ``recall`` and ``f1`` (lists per class, NaN for absent classes);
        ``confusion_matrix`` (nested list, rows true, columns predicted);
        with ``proba`` also ``auc`` (per class, one-vs-rest) and
        ``macro_auc`` (mean over classes present).
    """
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError("y_true and y_pred must be non-empty and of one length")
    cm = confusion_matrix(y_true, y_pred, num_classes)
    support, predicted, tp = cm.sum(1), cm.sum(0), np.diag(cm)
    present = support > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(present, tp / np.maximum(support, 1), np.nan)
        precision = np.where(predicted > 0, tp / np.maximum(predicted, 1), 0.0)
        f1 = np.where(
            present,
            np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0),
            np.nan,
        )
    out = {
        "n": int(y_true.size),
        "accuracy": float(tp.sum() / y_true.size),
        "balanced_accuracy": float(np.nanmean(recall)),
        "macro_f1": float(np.nanmean(f1)),
        "recall": [float(v) for v in recall],
        "f1": [float(v) for v in f1],
        "support": [int(v) for v in support],
        "confusion_matrix": cm.tolist(),
    }
    if proba is not None:
        proba = np.asarray(proba, dtype=np.float64)
        if proba.shape != (y_true.size, num_classes):
            raise ValueError(f"proba must have shape ({y_true.size}, {num_classes})")
        auc = [roc_auc(y_true == c, proba[:, c]) for c in range(num_classes)]
        out["auc"] = [float(a) for a in auc]
        out["macro_auc"] = float(np.nanmean(auc))
    return out


def majority_baseline(y_true: np.ndarray, majority_class: int, *, num_classes: int = 7) -> dict:
    """Scores of a classifier that always answers ``majority_class``.

    Its scores are constant, so every one-vs-rest AUC is 0.5.
    """
    y_true = np.asarray(y_true).ravel()
    pred = np.full_like(y_true, majority_class)
    proba = np.zeros((y_true.size, num_classes))
    proba[:, majority_class] = 1.0
    out = classification_scores(y_true, pred, proba, num_classes=num_classes)
    out["majority_class"] = int(majority_class)
    return out
