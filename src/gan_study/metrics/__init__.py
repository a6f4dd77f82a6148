"""Metrics for synthetic images: pure functions over arrays.

Everything here takes NumPy arrays (images or feature vectors) and returns
numbers, dictionaries or data frames. Nothing reads files, trains models or
plots; :mod:`gan_study.evaluation` wires these functions to run directories.

The study's feature space is the penultimate layer of a small CNN trained on
the real training split (:mod:`gan_study.classifier`), not ImageNet's
InceptionV3: its weights cannot be downloaded on the machines the study is
built on, and FID on 28 px images upsampled to 299 px is questionable anyway.
Inception-based FID/KID are computed only when the weights are already on the
machine (:func:`inception_weights_status`).

Every distribution metric is a *sample* statistic: it depends on the sample
size N and has a spread. So the functions here return N beside the value and
:mod:`gan_study.heldout` measures the real-versus-real floor (two real samples of
the same N), without which an FD cannot be read.

Groups (a module each; every name is importable from here)
------------------------------------------------------------
* Distribution distances in feature space (:mod:`~gan_study.metrics.distances`): :func:`frechet_distance`,
  :func:`frechet_distance_infinity`, :func:`kid` (their held-out protocol and
  floor: :mod:`gan_study.heldout`).
* Fidelity and coverage (also :mod:`~gan_study.metrics.distances`): :func:`precision_recall`, :func:`density_coverage`,
  :func:`class_agreement`.
* The original report's image metrics (:mod:`~gan_study.metrics.images`): :func:`ssim`, :func:`pixel_accuracy`,
  :func:`nearest_real_similarity`, :func:`ssim_diversity`.
* Memorisation and privacy proxies (:mod:`~gan_study.metrics.copying`):
  :func:`memorization_distances`, :func:`data_copying_ct`, :func:`closest_pairs`,
  over :func:`nearest_neighbors`.
* Colour (:mod:`~gan_study.metrics.images`): :func:`rgb_stats`, :func:`rgb_histograms`.
* Scores of a classifier's predictions (:mod:`~gan_study.metrics.classification`):
  :func:`classification_scores` (accuracy, balanced accuracy, macro-F1, recall,
  :func:`confusion_matrix`, one-vs-rest :func:`roc_auc`), :func:`majority_baseline`.
* Inception, only with local weights (:mod:`~gan_study.metrics.inception`): :func:`inception_weights_status`,
  :func:`inception_features`.
"""

from __future__ import annotations

from gan_study.metrics.classification import (
    classification_scores,
    confusion_matrix,
    majority_baseline,
    roc_auc,
)
from gan_study.metrics.copying import (
    closest_pairs,
    data_copying_ct,
    kmeans,
    mann_whitney_z,
    memorization_distances,
)
from gan_study.metrics.distances import (
    FD_EPS,
    class_agreement,
    density_coverage,
    frechet_distance,
    frechet_distance_from_stats,
    frechet_distance_infinity,
    kid,
    nearest_neighbors,
    precision_recall,
)
from gan_study.metrics.images import (
    PIXEL_TOLERANCE,
    gaussian_blur,
    nearest_real_similarity,
    pixel_accuracy,
    rgb_histograms,
    rgb_stats,
    ssim,
    ssim_diversity,
)
from gan_study.metrics.inception import (
    INCEPTION_SIZE,
    INCEPTION_WEIGHTS_FILE,
    inception_features,
    inception_weights_status,
)

__all__ = [
    "FD_EPS",
    "INCEPTION_SIZE",
    "INCEPTION_WEIGHTS_FILE",
    "PIXEL_TOLERANCE",
    "class_agreement",
    "classification_scores",
    "closest_pairs",
    "confusion_matrix",
    "data_copying_ct",
    "density_coverage",
    "frechet_distance",
    "frechet_distance_from_stats",
    "frechet_distance_infinity",
    "gaussian_blur",
    "inception_features",
    "inception_weights_status",
    "kid",
    "kmeans",
    "majority_baseline",
    "mann_whitney_z",
    "memorization_distances",
    "nearest_neighbors",
    "nearest_real_similarity",
    "pixel_accuracy",
    "precision_recall",
    "rgb_histograms",
    "rgb_stats",
    "roc_auc",
    "ssim",
    "ssim_diversity",
]
