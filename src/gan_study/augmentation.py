"""Synthetic data for a classifier: the arms protocol and its confidence intervals.

The original report's second case study says that GAN images helped to develop and
test skin-lesion classifiers. This module turns that claim into a measurement. The
same classifier, trained with the same budget on the same real validation split, is
trained in five *arms* that differ only in their training images:

``real``
    the real training split, as it is;
``real_classical``
    the same images with classical augmentation (random flips and 90-degree rotations,
    which is what :func:`gan_study.classifier.train_classifier` does with ``ClassifierConfig.augment``);
``oversample``
    classical augmentation, and every class with fewer than ``topup_target`` real
    images topped up to that number with *copies of its own real images*, drawn
    with replacement: rebalancing without any new content;
``real_gan``
    classical augmentation, and the same classes topped up to the same numbers with
    images of a conditional GAN. Against ``oversample`` this isolates what the
    synthetic *content* adds, beyond rebalancing;
``synthetic_only``
    only GAN images, with the class counts of the real training split
    ("train on synthetic, test on real", TSTR).

Every arm takes the same number of optimiser steps with the same learning-rate
schedule (one pass over the *real* images per epoch, whatever the arm adds) and the
same class weights (those of the real training labels), so that no arm wins by
extra updates or by reweighting. The classifier seeds are paired with the GAN seeds
(:func:`gan_seed_for`), so GAN-to-GAN variance enters the comparison. Every arm is
scored on the lesion-disjoint real test split with balanced accuracy, macro-F1 and
per-class recall, repeated over several seeds; :mod:`gan_study.effects` compares two
arms paired by seed and test image.

The scores are those of :func:`gan_study.metrics.classification_scores`; the
majority-class baseline says what a classifier that always answers ``nv`` would score.

References
----------
.. [1] Bissoto A., Valle E., Avila S. "GAN-based data augmentation and anonymization
   for skin-lesion analysis: a critical review." CVPR Workshops, 2021.
.. [2] Esteban C., Hyland S. L., Rätsch G. "Real-valued (medical) time series
   generation with recurrent conditional GANs." arXiv:1706.02633, 2017 (TSTR).
.. [3] Sagers L. W. et al. "Augmenting medical image classifiers with synthetic data
   from latent diffusion models." arXiv:2308.12453, 2023 (gains largest with scarce
   real data).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from gan_study import store
from gan_study.classifier_config import ClassifierConfig
from gan_study.metrics.classification import classification_scores

ARMS = ("real", "real_classical", "oversample", "real_gan", "synthetic_only")
ARM_LABELS = {
    "real": "real only",
    "real_classical": "real + classical augmentation",
    "oversample": "real + classical + oversampled rare classes",
    "real_gan": "real + classical + cDCGAN top-up",
    "synthetic_only": "synthetic only (TSTR)",
}
#: Arms that need a generator.
GAN_ARMS = ("real_gan", "synthetic_only")
SCORE_COLUMNS = ("balanced_accuracy", "macro_f1")
#: Confidence level of every interval of chapter 6.
CONFIDENCE = 0.95


# ------------------------------------------------------------------ scores
def flat_scores(y_true, y_pred, class_names: Sequence[str]) -> dict[str, float]:
    """Balanced accuracy, macro-F1, accuracy and ``recall_<class>`` as one flat dict.

    The scores are those of :func:`gan_study.metrics.classification_scores` (classes
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
        ``oversample`` (real copies) and ``real_gan`` (generated), for the classes
        that have at least one real image; the real label vector's class counts
        for ``synthetic_only``.
    """
    check_arm(arm)
    counts = np.bincount(np.asarray(train_labels, dtype=np.int64), minlength=num_classes)
    if arm in ("real", "real_classical"):
        per_class = np.zeros(num_classes, dtype=np.int64)
    elif arm in ("oversample", "real_gan"):
        # a class without real images cannot be oversampled, so neither arm tops it up
        per_class = np.where(counts > 0, top_up_counts(counts, topup_target), 0)
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
        Classical augmentation: on for ``real_classical``, ``oversample`` and ``real_gan``.
    """
    labels_new = arm_label_plan(arm, train_labels, num_classes, topup_target)
    train_labels = np.asarray(train_labels, dtype=np.int64)
    augment = arm in ("real_classical", "oversample", "real_gan")
    if labels_new.size == 0:
        return train_images, train_labels, augment
    rng = np.random.default_rng(seed)
    if arm == "oversample":
        copies = np.concatenate(
            [rng.choice(np.flatnonzero(train_labels == c), (labels_new == c).sum()) for c in
             np.unique(labels_new)]
        )  # fmt: skip
        images = np.concatenate([train_images, train_images[copies]])
        labels = np.concatenate([train_labels, train_labels[copies]])
        order = rng.permutation(labels.size)
        return images[order], labels[order], augment
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
    order = rng.permutation(labels.size)
    return images[order], labels[order], augment


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


def summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """:func:`summarize_arms`'s rows as a table for the chapter: labels, ``mean [CI]``."""
    return summary.assign(
        arm=summary.arm.map(ARM_LABELS),
        score=summary.score.str.replace("_", " "),
        **{
            f"mean [{CONFIDENCE:.0%} CI]": [
                f"{m:.3f} [{lo:.3f}, {hi:.3f}]"
                for m, lo, hi in zip(summary["mean"], summary.low, summary.high, strict=True)
            ]
        },
    )[["arm", "score", "n_seeds", f"mean [{CONFIDENCE:.0%} CI]", "ci_method"]]


# -------------------------------------------------------------------- cache
#: The package modules whose code computes an arm's result (part of its cache key).
CODE_MODULES = ("augmentation", "classifier", "classifier_config", "metrics.classification")


def result_key(params: dict, inputs: dict[str, str]) -> str:
    """The cache key of one (arm, seed): code version, input digests and parameters."""
    return store.cache_key(code=store.code_version(*CODE_MODULES), inputs=inputs, params=params)


# -------------------------------------------------------------------- the runs
def gan_seed_for(seeds: Sequence[int], gan_seeds: Sequence[int]) -> dict[int, int]:
    """Pair each classifier seed with a GAN seed, in turn: ``{seed: gan_seed}``.

    With classifier seeds 0-4 and GAN seeds 0 and 1 the pairs are 0-0, 1-1, 2-0,
    3-1 and 4-0, so a resampling of classifier seeds also resamples generators.
    """
    if not gan_seeds:
        raise ValueError("gan_seeds is empty: the GAN arms need at least one generator")
    return {int(s): int(gan_seeds[i % len(gan_seeds)]) for i, s in enumerate(seeds)}


def scarce_gan_config(base, n_images: int, full_images: int):
    """The reference GAN run, retrained on the first ``n_images`` real training images.

    The scarce-data arms may only use a GAN that saw no real image they may not
    see; ``max_train_images`` takes the same nested subset
    (:func:`gan_study.data.take_subset`) that :func:`run_arms` gives the arms.
    The epochs grow by ``full_images / n_images`` so the run gets the
    discriminator updates of the reference run trained on ``full_images``
    images; no EMA snapshots are kept.

    Parameters
    ----------
    base : gan_study.config.TrainConfig
        The reference run (for example ``RunGrid.config("cdcgan", seed)``).
    n_images, full_images : int
        The subset's size and the number of images the reference run saw.
    """
    import dataclasses

    if not 1 <= n_images <= full_images:
        raise ValueError(f"n_images must be between 1 and {full_images}, got {n_images}")
    epochs = max(1, round(base.epochs * full_images / n_images))
    return dataclasses.replace(
        base, max_train_images=int(n_images), epochs=epochs, snapshot_every=0
    )


def run_arms(
    data,
    generators: Mapping[int, tuple[Callable[[np.ndarray, int], np.ndarray], str]] | None,
    *,
    arms: Sequence[str] = ARMS,
    seeds: Sequence[int] = (0, 1, 2),
    classifier_epochs: int,
    topup_target: int,
    max_train_images: int | None = None,
    batch_size: int = 64,
    runs_dir: str | os.PathLike | None = None,
    class_names: Sequence[str] | None = None,
    progress: bool = True,
) -> tuple[pd.DataFrame, dict]:
    """Train and score the classifier in every (arm, seed); reuse finished ones.

    Every arm uses :func:`gan_study.classifier.train_classifier` with the same
    epochs, the same optimiser steps per epoch (one pass over the real training
    images at ``batch_size``), the class weights of the real training labels and
    the real validation split, and is scored on the real test split. A finished
    (arm, seed) is stored as a small JSON file under ``<runs_dir>/augmentation/``
    named by a hash of everything it depends on (:func:`result_key`: the code of
    :data:`CODE_MODULES`, digests of the real arrays and of the paired generator,
    every parameter), and is read back instead of retrained.

    Parameters
    ----------
    data : gan_study.data.LesionData
        The real splits (lesion-disjoint in the study).
    generators : mapping or None
        GAN seed -> ``(synthesize, generator_id)``: ``synthesize(labels, seed) ->
        uint8 images`` of the given classes, and an identifier of the generator's
        weights for the cache key (:func:`gan_study.training.generator_id`).
        Classifier seeds are paired with these GAN seeds by :func:`gan_seed_for`.
        Needed by the arms of :data:`GAN_ARMS`. The generators must not have seen
        a real image outside the arms' training images.
    arms : sequence of str
        Arms to run, from :data:`ARMS`.
    seeds : sequence of int
        Classifier seeds of each arm (initialisation, data order, synthetic draw).
    classifier_epochs : int
        Training epochs of every classifier (each one pass over the real images).
    topup_target : int
        Target count per class of the ``oversample`` and ``real_gan`` arms.
    max_train_images : int, optional
        Train every arm on this nested subset of the real training images
        (:func:`gan_study.data.take_subset`) instead of all of them: the scarce-data
        curve, and the quick profile. Validation and test splits stay whole.
    batch_size : int, default 64
    runs_dir : path, optional
        Where run directories live (:func:`gan_study.paths.runs_dir`).
    class_names : sequence of str, optional
        Defaults to :data:`gan_study.data.CLASS_NAMES`.
    progress : bool, default True
        Print one line per (arm, seed).

    Returns
    -------
    results : pandas.DataFrame
        One row per (arm, seed): ``gan_seed`` (the paired generator, or ``None``),
        scores of :func:`flat_scores`, ``n_train`` and ``n_synthetic``.
    predictions : dict
        ``{(arm, seed): (y_true, y_pred)}`` on the test split.
    """
    from gan_study import classifier as clf_mod
    from gan_study import paths
    from gan_study.data import take_subset

    if class_names is None:
        from gan_study.data import CLASS_NAMES as class_names
    for arm in arms:
        check_arm(arm)
    if not seeds:
        raise ValueError("run_arms needs at least one seed")
    needs_gan = any(a in GAN_ARMS for a in arms)
    if needs_gan and not generators:
        raise ValueError("the real_gan and synthetic_only arms need generators")
    pairing = gan_seed_for(seeds, sorted(generators)) if generators else {}

    out_dir = paths.runs_dir(runs_dir) / "augmentation"
    k = len(class_names)
    train_x = take_subset(data.train.images, max_train_images)
    train_y = take_subset(data.train.labels, max_train_images)
    steps_per_epoch = int(np.ceil(len(train_y) / batch_size))
    real = {
        "train": store.array_digest(train_x, train_y),
        "val": store.array_digest(data.val.images, data.val.labels),
        "test": store.array_digest(data.test.images, data.test.labels),
    }
    rows, predictions = [], {}
    for arm in arms:
        for seed in seeds:
            gan_seed = pairing[int(seed)] if arm in GAN_ARMS else None
            synthesize, generator_id = generators[gan_seed] if gan_seed is not None else (None, "")
            params = {
                "arm": arm,
                "seed": int(seed),
                "classifier_epochs": int(classifier_epochs),
                "steps_per_epoch": steps_per_epoch,
                "batch_size": int(batch_size),
                "class_weights": "sqrt, of the real training labels",
                "topup_target": int(topup_target) if arm in ("oversample", "real_gan") else None,
                "data": [data.source, data.split, data.image_size],
            }
            inputs = {**real, "generator": generator_id}
            path = out_dir / f"{arm}_s{seed}_{result_key(params, inputs)}.json"
            record = _read_record(path)
            if record is None:
                x, y, augment = build_arm(
                    arm,
                    train_x,
                    train_y,
                    synthesize,
                    topup_target=topup_target,
                    num_classes=k,
                    seed=int(seed),
                )
                config = ClassifierConfig(
                    seed=int(seed),
                    epochs=int(classifier_epochs),
                    augment=augment,
                    batch_size=batch_size,
                    steps_per_epoch=steps_per_epoch,
                )
                model = clf_mod.train_classifier(
                    x, y, data.val.images, data.val.labels, config, weight_labels=train_y
                )
                y_pred = np.asarray(model.predict_proba(data.test.images)).argmax(axis=1)
                record = {
                    "params": params,
                    "n_train": int(len(y)),
                    "n_synthetic": {
                        "real_gan": len(y) - len(train_y),
                        "synthetic_only": len(y),
                    }.get(arm, 0),
                    "y_pred": y_pred.astype(int).tolist(),
                }
                store.atomic_write_json(path, record)
            y_pred = np.asarray(record["y_pred"], dtype=np.int64)
            predictions[(arm, int(seed))] = (np.asarray(data.test.labels), y_pred)
            row = {
                "arm": arm,
                "seed": int(seed),
                "gan_seed": gan_seed,
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


def _read_record(path) -> dict | None:
    """A stored arm result, or ``None`` when missing or unreadable (then recomputed)."""
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and "y_pred" in record else None
