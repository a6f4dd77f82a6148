"""What every evaluation of one data split compares against: the real side.

A generator's metrics (:func:`gan_study.evaluation.evaluate_images`) are
read against their **real-versus-real floors**: the same metric with real
training images in the generated images' place, against the same held-out
test images (:mod:`gan_study.heldout`). Those floors, and the real images'
features they and the generated side need, depend on the data, the feature
extractor, the sample size, the seed and the repetitions, never on the
generator. A :class:`Reference` holds them; :func:`build_reference` computes
them once, and whoever scores several generators against the same data
passes the same :class:`Reference` to each. Nothing is remembered behind the
caller's back.

The floor of each metric family is computed by the same function as its
generated-image value (:func:`fd_inf`, :func:`kid`, :func:`neighbourhood`,
:func:`nearest_real`, :func:`diversity`), with the real candidate in place
of the generated one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from gan_study import classifier as classifier_mod
from gan_study import heldout, metrics

#: Repetitions of the sampled metrics, with the defaults of
#: :func:`gan_study.evaluation.evaluate_images`.
DEFAULT_SETTINGS = {"fd_repeats": heldout.REPEATS, "kid_subsets": 50, "diversity_pairs": 500}


@dataclass(frozen=True, eq=False)
class RealFeatures:
    """One feature extractor's features of the real images.

    Attributes
    ----------
    train : ndarray, shape (R, d)
        The training split (the candidate of every floor).
    test : ndarray, shape (H, d)
        The held-out test split.
    gan_train : ndarray, shape (G, d)
        The images the generator was trained on (the reference of
        memorisation); ``train`` itself unless the run used a subset.
    """

    train: np.ndarray
    test: np.ndarray
    gan_train: np.ndarray


def real_features(clf, data, train_images: np.ndarray | None = None) -> RealFeatures:
    """The classifier features of the training and test splits of ``data``.

    Parameters
    ----------
    clf : gan_study.classifier.Classifier
        The feature extractor.
    data : gan_study.data.LesionData
    train_images : ndarray, optional
        The generator's training images, when they are not ``data.train.images``.
    """
    train = clf.features(data.train.images)
    gan_train = train if train_images is None else clf.features(train_images)
    return RealFeatures(train=train, test=clf.features(data.test.images), gan_train=gan_train)


@dataclass(frozen=True, eq=False)
class Reference:
    """The real side of every evaluation of one data split with one extractor.

    Built by :func:`build_reference`; pass the same object to every
    evaluation that shares data, extractor, ``n``, ``seed`` and settings.

    Attributes
    ----------
    data : gan_study.data.LesionData
        The real data (``test`` is the held-out side).
    train_images : ndarray
        The generator's training images (memorisation, nearest-image and
        diversity floors, colour statistics).
    extractor : str
        The feature extractor's name.
    n, seed : int
        The number of generated images it is built for, and the seed of every subsample.
    settings : mapping
        ``fd_repeats``, ``kid_subsets`` and ``diversity_pairs``.
    n_eff : int
        ``n`` capped by the sizes of both real splits.
    subsets : tuple
        ``(N, test_idx, train_idx)`` of :func:`gan_study.heldout.heldout_subsets`.
    features : mapping
        Extractor (``"classifier"``, and ``"inception"`` with local weights)
        -> :class:`RealFeatures`.
    classifier_scores : dict
        :func:`gan_study.classifier.evaluate` of the extractor on the test split.
    test_predictions : ndarray
        The extractor's predicted class of each test image.
    floors : mapping
        Metric family -> its real-versus-real value.
    inception : dict
        ``available``, ``reason`` and ``path`` of the local Inception weights.
    """

    data: object
    train_images: np.ndarray
    extractor: str
    n: int
    seed: int
    settings: Mapping[str, int]
    n_eff: int
    subsets: tuple
    features: Mapping[str, RealFeatures]
    classifier_scores: dict
    test_predictions: np.ndarray
    floors: Mapping[str, object] = field(default_factory=dict)
    inception: dict = field(default_factory=dict)

    def check(self, *, n: int, seed: int, extractor: str, **settings: int) -> None:
        """Raise ``ValueError`` unless this reference was built for these values."""
        wanted = {"n": n, "seed": seed, "extractor": extractor, **settings}
        found = {"n": self.n, "seed": self.seed, "extractor": self.extractor, **self.settings}
        wrong = {k: (found.get(k), v) for k, v in wanted.items() if found.get(k) != v}
        if wrong:
            raise ValueError(
                "the reference was built for other values (built, asked): "
                + ", ".join(f"{k}={a!r}, {b!r}" for k, (a, b) in wrong.items())
            )


# ------------------------------------------------- one function per metric family
def fd_inf(candidate: np.ndarray, test: np.ndarray, *, seed: int) -> dict:
    """FD∞ of a candidate's features against all test features."""
    return metrics.frechet_distance_infinity(candidate, test, seed=seed)


def kid(candidate: np.ndarray, test: np.ndarray, *, n_eff: int, subsets: int, seed: int) -> dict:
    """KID of a candidate's features against the test features (subsets of at most 1000)."""
    return metrics.kid(candidate, test, n_subsets=subsets, subset_size=min(1000, n_eff), seed=seed)


def neighbourhood(
    candidate: np.ndarray, test: np.ndarray, test_idx: np.ndarray, candidate_idx: np.ndarray
) -> tuple[dict, dict]:
    """Precision/recall (k=3) and density/coverage (k=5), mean over the repeats.

    Repeat ``r`` compares ``candidate[candidate_idx[r]]`` with ``test[test_idx[r]]``,
    the held-out subsets of the FD.
    """
    rows = [
        (
            metrics.precision_recall(test[t], candidate[c], k=3),
            metrics.density_coverage(test[t], candidate[c], k=5),
        )
        for t, c in zip(test_idx, candidate_idx, strict=False)
    ]
    return tuple(_mean_records(rows))


def _mean_records(rows) -> list[dict]:
    """Column-wise means of tuples of dicts: one dict per position, numbers averaged."""
    rows = list(rows)
    return [
        {
            key: float(np.mean([row[i][key] for row in rows]))
            if isinstance(rows[0][i][key], (float, np.floating))
            else rows[0][i][key]
            for key in rows[0][i]
        }
        for i in range(len(rows[0]))
    ]


def nearest_real(images: np.ndarray, train: np.ndarray, nearest_index=None) -> dict:
    """SSIM and pixel accuracy of each image to its nearest training image."""
    return metrics.nearest_real_similarity(images, train, nearest_index=nearest_index)


def diversity(images: np.ndarray, *, pairs: int, seed: int) -> dict:
    """Mean SSIM over random pairs of distinct images (higher = less diverse)."""
    return metrics.ssim_diversity(images, n_pairs=pairs, seed=seed)


# ------------------------------------------------------------------ the reference
def build_reference(
    data,
    clf,
    *,
    n: int,
    seed: int,
    train_images: np.ndarray | None = None,
    fd_repeats: int = DEFAULT_SETTINGS["fd_repeats"],
    kid_subsets: int = DEFAULT_SETTINGS["kid_subsets"],
    diversity_pairs: int = DEFAULT_SETTINGS["diversity_pairs"],
    inception_weights: str | os.PathLike | None = None,
) -> Reference:
    """The real features and real-versus-real floors of one evaluation setting.

    Parameters
    ----------
    data : gan_study.data.LesionData
        The real data (``test`` the held-out side, ``train`` the floors' candidate).
    clf : gan_study.classifier.Classifier
        Feature extractor and judge, trained on ``data.train``.
    n : int
        Generated images each evaluation scores (at least 10).
    seed : int
        Seeds every subsample.
    train_images : ndarray, optional
        The images the generator was trained on (default ``data.train.images``).
    fd_repeats, kid_subsets, diversity_pairs
        Repetitions of the sampled metrics.
    inception_weights : path, optional
        Local ImageNet InceptionV3 weights; default: the Keras cache. Never downloaded.

    Returns
    -------
    Reference
    """
    if n < 10:
        raise ValueError(f"n must be >= 10, got {n}")
    train = data.train.images if train_images is None else np.asarray(train_images)
    feats = real_features(clf, data, None if train_images is None else train)
    n_eff = int(min(n, len(feats.test), len(feats.train)))
    subsets = heldout.heldout_subsets(
        n_eff, len(feats.test), len(feats.train), repeats=fd_repeats, seed=seed
    )
    settings = {
        "fd_repeats": int(fd_repeats),
        "kid_subsets": int(kid_subsets),
        "diversity_pairs": int(diversity_pairs),
    }
    floors = _classifier_floors(feats, n_eff, subsets, seed, settings)
    floors.update(_image_floors(data.test.images, train, n_eff, seed, settings))
    features = {"classifier": feats}
    status = metrics.inception_weights_status(inception_weights)
    if status["available"]:
        features["inception"], floors["inception"] = _inception_side(
            data, status["path"], n_eff, subsets, seed, fd_repeats
        )
    return Reference(
        data=data,
        train_images=train,
        extractor=clf.name,
        n=int(n),
        seed=int(seed),
        settings=settings,
        n_eff=n_eff,
        subsets=subsets,
        features=features,
        classifier_scores=classifier_mod.evaluate(clf, data.test),
        test_predictions=clf.predict(data.test.images),
        floors=floors,
        inception=status,
    )


def _classifier_floors(feats: RealFeatures, n_eff: int, subsets, seed: int, settings) -> dict:
    """The floors in the classifier's feature space: training features as the candidate."""
    size, test_idx, train_idx = subsets
    fd = heldout.heldout_frechet(
        feats.test, feats.train, n_eff, repeats=settings["fd_repeats"], seed=seed
    )
    pr, dc = neighbourhood(feats.train, feats.test, test_idx, train_idx)
    return {
        "fd": fd,
        "fd_inf": fd_inf(feats.train, feats.test, seed=seed),
        "kid": kid(
            feats.train, feats.test, n_eff=n_eff, subsets=settings["kid_subsets"], seed=seed
        ),
        "precision_recall": pr,
        "density_coverage": dc,
    }


def _image_floors(test: np.ndarray, train: np.ndarray, n_eff: int, seed: int, settings) -> dict:
    """The floors in pixel space: held-out images to the generator's training images."""
    test_sub = test[np.random.default_rng(seed).choice(len(test), n_eff, replace=False)]
    return {
        "nearest_real": nearest_real(test_sub, train),
        "diversity": diversity(train, pairs=settings["diversity_pairs"], seed=seed),
        "rgb": metrics.rgb_stats(train).to_dict(orient="records"),
    }


def _inception_side(data, path: str, n_eff: int, subsets, seed: int, repeats: int):
    """Inception features of the test images and of the FD's training subsets, and their floors."""
    _, _, train_idx = subsets
    i_train = metrics.inception_features(data.train.images[train_idx.ravel()], path)
    i_test = metrics.inception_features(data.test.images, path)
    fid = heldout.heldout_frechet(i_test, i_train, n_eff, repeats=repeats, seed=seed)
    floor = {
        "fid": fid,
        "kid": metrics.kid(i_train, i_test, subset_size=min(1000, n_eff), seed=seed),
    }
    return RealFeatures(train=i_train, test=i_test, gan_train=i_train), floor
