"""Synthetic data for a classifier: the arms protocol and its confidence intervals.

The original report's second case study says that GAN images helped to develop and
test skin-lesion classifiers. This module turns that claim into a measurement. The
same classifier, trained with the same budget on the same real validation split, is
trained in four *arms* that differ only in their training images:

``real``
    the real training split, as it is;
``real_classical``
    the same images with classical augmentation (random flips and 90-degree rotations,
    which is what :func:`gan_study.classifier.train_classifier` does with ``augment=True``);
``real_gan``
    the real images plus images of a conditional GAN that top up every class with
    fewer than ``topup_target`` training images to that number;
``synthetic_only``
    only GAN images, with the class counts of the real training split
    ("train on synthetic, test on real", TSTR).

Every arm is scored on the lesion-disjoint real test split with balanced accuracy,
macro-F1 and per-class recall, repeated over several seeds. The uncertainty of an
arm's mean is a Student-t interval over seeds (training randomness); with a single
seed it is a percentile bootstrap over test images (test-sample randomness only).
Which one was used is recorded next to each interval.

The scores are those of :func:`gan_study.classifier.classification_scores`; the
majority-class baseline says what a classifier that always answers ``nv`` would score.

References
----------
.. [1] Bissoto A., Valle E., Avila S. "GAN-based data augmentation and anonymization
   for skin-lesion analysis: a critical review." CVPR Workshops, 2021.
.. [2] Esteban C., Hyland S. L., Rätsch G. "Real-valued (medical) time series
   generation with recurrent conditional GANs." arXiv:1706.02633, 2017 (TSTR).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from gan_study import store

ARMS = ("real", "real_classical", "real_gan", "synthetic_only")
ARM_LABELS = {
    "real": "real only",
    "real_classical": "real + classical augmentation",
    "real_gan": "real + cDCGAN top-up",
    "synthetic_only": "synthetic only (TSTR)",
}
SCORE_COLUMNS = ("balanced_accuracy", "macro_f1")
#: Confidence level of every interval of chapter 6.
CONFIDENCE = 0.95


# ------------------------------------------------------------------ scores
def flat_scores(y_true, y_pred, class_names: Sequence[str]) -> dict[str, float]:
    """Balanced accuracy, macro-F1, accuracy and ``recall_<class>`` as one flat dict.

    The scores are those of :func:`gan_study.classifier.classification_scores` (classes
    absent from ``y_true`` are left out of the balanced accuracy and macro-F1; their
    recall is NaN); this only lays them out as table columns.

    Parameters
    ----------
    y_true, y_pred : array_like of int, shape (N,)
        True and predicted class indices.
    class_names : sequence of str
        Name of each class, in label order.

    Returns
    -------
    dict
    """
    from gan_study.classifier import classification_scores

    s = classification_scores(np.asarray(y_true), np.asarray(y_pred), num_classes=len(class_names))
    out = {k: float(s[k]) for k in ("balanced_accuracy", "macro_f1", "accuracy")}
    for name, r in zip(class_names, s["recall"], strict=True):
        out[f"recall_{name}"] = float(r)
    return out


def majority_scores(train_labels, test_labels, class_names: Sequence[str]) -> dict:
    """:func:`flat_scores` of always answering the most frequent training class.

    Returns
    -------
    dict
        The scores plus ``majority_class`` (its name).
    """
    train_labels = np.asarray(train_labels).astype(np.int64)
    test_labels = np.asarray(test_labels).astype(np.int64)
    if train_labels.size == 0:
        raise ValueError("majority_scores needs at least one training label")
    majority = int(np.bincount(train_labels, minlength=len(class_names)).argmax())
    out = flat_scores(test_labels, np.full_like(test_labels, majority), class_names)
    out["majority_class"] = class_names[majority]
    return out


# ------------------------------------------------------- confidence intervals
def t_interval(values, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval of independent repeats (e.g. seeds).

    Parameters
    ----------
    values : array_like of float
        One value per repeat. NaNs are not allowed.
    confidence : float, default 0.95
        Coverage of the interval, in (0, 1).

    Returns
    -------
    (mean, low, high) : tuple of float
        ``mean ± t_{(1+c)/2, n-1} · s / sqrt(n)``; ``low`` and ``high`` are NaN when
        there is a single value (no spread to estimate).

    Raises
    ------
    ValueError
        On an empty input, NaNs, or a confidence outside (0, 1).
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size == 0:
        raise ValueError("t_interval needs at least one value")
    if np.isnan(x).any():
        raise ValueError("t_interval got NaN values")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    mean = float(x.mean())
    if x.size < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf((1 + confidence) / 2, df=x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    return mean, mean - half, mean + half


def bootstrap_interval(
    y_true,
    y_pred,
    score: Callable[[np.ndarray, np.ndarray], float],
    *,
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = CONFIDENCE,
) -> tuple[float, float, float]:
    """Score and percentile-bootstrap interval over test images.

    The test set is resampled with replacement ``n_boot`` times; the interval holds
    the central ``confidence`` share of the resampled scores. It measures how much
    the score depends on which test images were drawn, not on training randomness.

    Parameters
    ----------
    y_true, y_pred : array_like of int, shape (N,)
        True and predicted labels.
    score : callable
        ``score(y_true, y_pred) -> float``.
    n_boot : int, default 1000
        Number of resamples (at least 10).
    seed : int, default 0
        Seed of the resampling.
    confidence : float, default 0.95
        Coverage of the interval, in (0, 1).

    Returns
    -------
    (point, low, high) : tuple of float
        The score on the full test set and the interval bounds.

    References
    ----------
    .. [1] Efron B., Tibshirani R. J. "An Introduction to the Bootstrap." 1993.
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.size == 0 or y_true.shape != y_pred.shape:
        raise ValueError("bootstrap_interval needs two non-empty label vectors of equal length")
    if n_boot < 10:
        raise ValueError(f"n_boot must be at least 10, got {n_boot}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    rng = np.random.default_rng(seed)
    n = y_true.size
    boots = np.empty(n_boot)
    for b in range(n_boot):
        idx = rng.integers(0, n, size=n)
        boots[b] = score(y_true[idx], y_pred[idx])
    alpha = (1 - confidence) / 2
    low, high = np.nanquantile(boots, [alpha, 1 - alpha])
    return float(score(y_true, y_pred)), float(low), float(high)


# ------------------------------------------------------------------- arms
def top_up_counts(class_counts, target: int) -> np.ndarray:
    """How many synthetic images bring each class up to ``target``.

    Parameters
    ----------
    class_counts : array_like of int, shape (K,)
        Real training images per class.
    target : int
        Classes with fewer images get ``target - count``; the others get none.

    Returns
    -------
    numpy.ndarray of int64, shape (K,)
    """
    counts = np.asarray(class_counts, dtype=np.int64)
    if target < 0:
        raise ValueError(f"topup_target must be >= 0, got {target}")
    return np.maximum(int(target) - counts, 0)


def arm_label_plan(arm: str, train_labels, num_classes: int, topup_target: int) -> np.ndarray:
    """Class labels of the synthetic images an arm adds (shuffling is the caller's).

    Parameters
    ----------
    arm : str
        One of :data:`ARMS`.
    train_labels : array_like of int
        Labels of the real training split.
    num_classes : int
        Number of classes.
    topup_target : int
        Target count per class for the ``real_gan`` arm.

    Returns
    -------
    numpy.ndarray of int64
        Empty for ``real`` and ``real_classical``; the top-up labels for
        ``real_gan``; the real label vector's class counts for ``synthetic_only``.
    """
    check_arm(arm)
    counts = np.bincount(np.asarray(train_labels, dtype=np.int64), minlength=num_classes)
    if arm in ("real", "real_classical"):
        per_class = np.zeros(num_classes, dtype=np.int64)
    elif arm == "real_gan":
        per_class = top_up_counts(counts, topup_target)
    else:
        per_class = counts
    return np.repeat(np.arange(num_classes, dtype=np.int64), per_class)


def check_arm(arm: str) -> None:
    """Raise ``ValueError`` naming the valid arms when ``arm`` is not one of them."""
    if arm not in ARMS:
        raise ValueError(f"unknown arm {arm!r}; choose one of {', '.join(ARMS)}")


def build_arm(
    arm: str,
    train_images: np.ndarray,
    train_labels: np.ndarray,
    synthesize: Callable[[np.ndarray, int], np.ndarray] | None,
    *,
    topup_target: int,
    num_classes: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Training images, labels and the classical-augmentation switch of one arm.

    Parameters
    ----------
    arm : str
        One of :data:`ARMS`.
    train_images : numpy.ndarray, uint8, shape (N, S, S, 3)
        Real training images.
    train_labels : numpy.ndarray of int, shape (N,)
        Their labels.
    synthesize : callable or None
        ``synthesize(labels, seed) -> uint8 images`` of the given classes (a
        conditional generator). Needed by ``real_gan`` and ``synthetic_only``.
    topup_target : int
        Target count per class for ``real_gan``.
    num_classes : int
        Number of classes.
    seed : int
        Seed of the synthetic images and of their shuffling into the real ones.

    Returns
    -------
    images : numpy.ndarray, uint8
    labels : numpy.ndarray, int64
    augment : bool
        True only for ``real_classical``.
    """
    labels_new = arm_label_plan(arm, train_labels, num_classes, topup_target)
    train_labels = np.asarray(train_labels, dtype=np.int64)
    if labels_new.size == 0:
        return train_images, train_labels, arm == "real_classical"
    if synthesize is None:
        raise ValueError(f"arm {arm!r} needs a generator (synthesize=None was given)")
    fake = np.asarray(synthesize(labels_new, seed))
    if fake.shape != (labels_new.size, *train_images.shape[1:]) or fake.dtype != np.uint8:
        raise ValueError(
            f"synthesize returned {fake.dtype} {fake.shape}; expected uint8 "
            f"{(labels_new.size, *train_images.shape[1:])}"
        )
    if arm == "synthetic_only":
        images, labels = fake, labels_new
    else:
        images = np.concatenate([train_images, fake])
        labels = np.concatenate([train_labels, labels_new])
    order = np.random.default_rng(seed).permutation(labels.size)
    return images[order], labels[order], False


# ---------------------------------------------------------------- summaries
def summarize_arms(
    results: pd.DataFrame,
    *,
    columns: Sequence[str] = SCORE_COLUMNS,
    confidence: float = CONFIDENCE,
    predictions: dict | None = None,
    class_names: Sequence[str] | None = None,
    n_boot: int = 1000,
) -> pd.DataFrame:
    """Mean and 95% interval of each score for each arm.

    Parameters
    ----------
    results : pandas.DataFrame
        One row per (arm, seed) with the score columns (as returned by :func:`run_arms`).
    columns : sequence of str
        Score columns to summarise.
    confidence : float, default 0.95
        Interval coverage.
    predictions : dict, optional
        ``{(arm, seed): (y_true, y_pred)}``; needed when an arm has a single seed,
        for the bootstrap over test images.
    class_names : sequence of str, optional
        Needed with ``predictions`` to recompute the scores on resamples.
    n_boot : int, default 1000
        Bootstrap resamples.

    Returns
    -------
    pandas.DataFrame
        One row per (arm, score) with ``n_seeds``, ``mean``, ``low``, ``high`` and
        ``ci_method`` ("t-interval over seeds" or "bootstrap over test images").
    """
    rows = []
    for arm, group in results.groupby("arm", sort=False):
        for col in columns:
            values = group[col].to_numpy(dtype=np.float64)
            if len(values) >= 2:
                mean, low, high = t_interval(values, confidence)
                method = "t-interval over seeds"
            else:
                if predictions is None or class_names is None:
                    raise ValueError(
                        "a single seed needs predictions and class_names for the bootstrap"
                    )
                seed = int(group["seed"].iloc[0])
                y_true, y_pred = predictions[(arm, seed)]
                names = list(class_names)

                def score(t, p, col=col, names=names):
                    return flat_scores(t, p, names)[col]

                mean, low, high = bootstrap_interval(
                    y_true, y_pred, score, n_boot=n_boot, seed=seed, confidence=confidence
                )
                method = "bootstrap over test images"
            rows.append(
                {
                    "arm": arm,
                    "score": col,
                    "n_seeds": len(values),
                    "mean": mean,
                    "low": low,
                    "high": high,
                    "ci_method": method,
                }
            )
    return pd.DataFrame(rows)


# -------------------------------------------------------------------- cache
#: The package modules whose code computes an arm's result (part of its cache key).
CODE_MODULES = ("augmentation", "classifier")


def result_key(params: dict, inputs: dict[str, str]) -> str:
    """The cache key of one (arm, seed): code version, input digests and parameters."""
    return store.cache_key(code=store.code_version(*CODE_MODULES), inputs=inputs, params=params)


# -------------------------------------------------------------------- the runs
def run_arms(
    data,
    synthesize: Callable[[np.ndarray, int], np.ndarray] | None,
    *,
    arms: Sequence[str] = ARMS,
    seeds: Sequence[int] = (0, 1, 2),
    classifier_epochs: int,
    topup_target: int,
    generator_id: str | None = None,
    max_train_images: int | None = None,
    runs_dir: str | os.PathLike | None = None,
    class_names: Sequence[str] | None = None,
    progress: bool = True,
) -> tuple[pd.DataFrame, dict]:
    """Train and score the classifier in every (arm, seed); reuse finished ones.

    Every arm uses :func:`gan_study.classifier.train_classifier` with the same
    epochs, class weighting and real validation split, and is scored on the real
    test split. A finished (arm, seed) is stored as a small JSON file under
    ``<runs_dir>/augmentation/`` named by a hash of everything it depends on
    (:func:`result_key`: the code of :data:`CODE_MODULES`, digests of the
    real arrays and the generator, every parameter), and is read back instead
    of retrained.

    Parameters
    ----------
    data : gan_study.data.LesionData
        The real splits (lesion-disjoint in the study).
    synthesize : callable or None
        ``synthesize(labels, seed) -> uint8 images``; needed by the GAN arms.
    arms : sequence of str
        Arms to run, from :data:`ARMS`.
    seeds : sequence of int
        Seeds of each arm (classifier initialisation, data order, synthetic draw).
    classifier_epochs : int
        Training epochs of every classifier.
    topup_target : int
        Target count per class of the ``real_gan`` arm.
    generator_id : str, optional
        Identifies the generator's weights in the cache key (for example
        :func:`gan_study.training.generator_id` of its run directory, which
        holds a digest of the generator file); required when a GAN arm is run.
    max_train_images : int, optional
        Train every arm on this nested subset of the real training images
        (:func:`gan_study.data.subset_index`) instead of all of them; for the
        quick profile. Validation and test splits stay whole.
    runs_dir : path, optional
        Where run directories live (:func:`gan_study.paths.runs_dir`).
    class_names : sequence of str, optional
        Defaults to :data:`gan_study.data.CLASS_NAMES`.
    progress : bool, default True
        Print one line per (arm, seed).

    Returns
    -------
    results : pandas.DataFrame
        One row per (arm, seed): scores of :func:`flat_scores`,
        ``n_train`` and ``n_synthetic``.
    predictions : dict
        ``{(arm, seed): (y_true, y_pred)}`` on the test split.
    """
    from gan_study import classifier as clf_mod
    from gan_study import paths

    if class_names is None:
        from gan_study.data import CLASS_NAMES as class_names
    for arm in arms:
        check_arm(arm)
    if not seeds:
        raise ValueError("run_arms needs at least one seed")
    needs_gan = any(a in ("real_gan", "synthetic_only") for a in arms)
    if needs_gan and (synthesize is None or not generator_id):
        raise ValueError("the real_gan and synthetic_only arms need synthesize and generator_id")
    from gan_study.data import take_subset

    out_dir = paths.runs_dir(runs_dir) / "augmentation"
    k = len(class_names)
    train_x = take_subset(data.train.images, max_train_images)
    train_y = take_subset(data.train.labels, max_train_images)
    real = {
        "train": store.array_digest(train_x, train_y),
        "val": store.array_digest(data.val.images, data.val.labels),
        "test": store.array_digest(data.test.images, data.test.labels),
    }
    rows, predictions = [], {}
    for arm in arms:
        for seed in seeds:
            uses_gan = arm in ("real_gan", "synthetic_only")
            params = {
                "arm": arm,
                "seed": int(seed),
                "classifier_epochs": int(classifier_epochs),
                "topup_target": int(topup_target) if arm == "real_gan" else None,
                "data": [data.source, data.split, data.image_size],
            }
            inputs = {**real, "generator": generator_id if uses_gan else ""}
            path = out_dir / f"{arm}_s{seed}_{result_key(params, inputs)}.json"
            if path.is_file():
                record = json.loads(path.read_text())
            else:
                x, y, augment = build_arm(
                    arm,
                    train_x,
                    train_y,
                    synthesize,
                    topup_target=topup_target,
                    num_classes=k,
                    seed=int(seed),
                )
                model = clf_mod.train_classifier(
                    x,
                    y,
                    data.val.images,
                    data.val.labels,
                    seed=int(seed),
                    epochs=int(classifier_epochs),
                    augment=augment,
                )
                y_pred = np.asarray(model.predict_proba(data.test.images)).argmax(axis=1)
                record = {
                    "params": params,
                    "n_train": int(len(y)),
                    "n_synthetic": int(len(y) - len(train_y))
                    if arm != "synthetic_only"
                    else int(len(y)),
                    "y_pred": y_pred.astype(int).tolist(),
                }
                store.atomic_write_json(path, record)
            y_pred = np.asarray(record["y_pred"], dtype=np.int64)
            predictions[(arm, int(seed))] = (np.asarray(data.test.labels), y_pred)
            row = {
                "arm": arm,
                "seed": int(seed),
                "n_train": record["n_train"],
                "n_synthetic": record["n_synthetic"],
                **flat_scores(data.test.labels, y_pred, class_names),
            }
            rows.append(row)
            if progress:
                print(
                    f"{arm:>15s} seed {seed}: balanced accuracy "
                    f"{row['balanced_accuracy']:.3f}, macro-F1 {row['macro_f1']:.3f}"
                )
    return pd.DataFrame(rows), predictions
