"""Mode collapse, measured: how alike a GAN's images are, how much of the real data they cover, and a verdict.

Chapter 5 (the original report's Table I) looks for mode collapse in three
signs: generated images that look too alike (mean pairwise SSIM), that cover
too little of the real data (recall and coverage in the classifier's feature
space, Kynkäänniemi et al. 2019, Naeem et al. 2020), and predicted classes
that pile up on few diagnoses (:func:`predicted_class_spread`).
:func:`collapse_scores` measures them for one set of images,
:func:`collapse_table` for several runs, and :func:`collapse_verdict` reads
them against a reference run, counting a sign only beyond its margin
(:data:`COLLAPSE_MARGINS`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from gan_study import metrics


def predicted_class_spread(probabilities: np.ndarray) -> dict[str, float]:
    """How the classifier's predicted classes spread over a set of images.

    Parameters
    ----------
    probabilities : numpy.ndarray, shape (N, K)
        Class probabilities of each image.

    Returns
    -------
    dict
        ``effective_classes``: ``exp`` of the entropy (in nats) of the histogram of
        predicted classes, between 1 (every image gets one class) and K (uniform);
        ``top_class_share``: share of images in the most frequent predicted class.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or len(p) == 0:
        raise ValueError(f"probabilities must be a non-empty (N, K) array, got shape {p.shape}")
    hist = np.bincount(p.argmax(axis=1), minlength=p.shape[1]) / len(p)
    nz = hist[hist > 0]
    return {
        "effective_classes": float(np.exp(-np.sum(nz * np.log(nz)))),
        "top_class_share": float(hist.max()),
    }


def collapse_scores(
    fake: np.ndarray,
    real: np.ndarray,
    classifier,
    *,
    n_pairs: int = 300,
    k: int = 3,
    coverage_k: int = 5,
    seed: int = 0,
) -> dict[str, float]:
    """Diversity and coverage of generated images next to real ones.

    Parameters
    ----------
    fake, real : numpy.ndarray, uint8, shape (N, S, S, 3)
        Generated and real images (the same number is fairest for recall).
    classifier : gan_study.classifier.Classifier
        Provides ``features`` and ``predict_proba``.
    n_pairs : int, default 300
        Random pairs for the mean pairwise SSIM.
    k : int, default 3
        Neighbourhood size of precision and recall (Kynkäänniemi et al. 2019).
    coverage_k : int, default 5
        Neighbourhood size of coverage (Naeem et al. 2020).
    seed : int, default 0
        Seed of the pair draw.

    Returns
    -------
    dict
        ``ssim_fake`` and ``ssim_real`` (mean pairwise SSIM; higher is less diverse),
        ``precision``, ``recall``, ``coverage`` (:func:`gan_study.metrics.density_coverage`),
        and the :func:`predicted_class_spread` of the generated images
        (``effective_classes``, ``top_class_share``).
    """
    real_features, fake_features = classifier.features(real), classifier.features(fake)
    pr = metrics.precision_recall(real_features, fake_features, k=k)
    dc = metrics.density_coverage(real_features, fake_features, k=coverage_k)
    out = {
        "ssim_fake": metrics.ssim_diversity(fake, n_pairs=n_pairs, seed=seed)["mean"],
        "ssim_real": metrics.ssim_diversity(real, n_pairs=n_pairs, seed=seed)["mean"],
        "precision": float(pr["precision"]),
        "recall": float(pr["recall"]),
        "coverage": float(dc["coverage"]),
    }
    out.update(predicted_class_spread(classifier.predict_proba(fake)))
    return out


def collapse_table(run_dirs, real: np.ndarray, classifier, *, seed: int = 0) -> pd.DataFrame:
    """:func:`collapse_scores` of several finished runs, a row each.

    Each run's *raw* generator (not its weight average, which can hide a
    generator that hops between narrow sets of images) draws as many images as
    ``real`` holds, from latent codes seeded by ``seed``.

    Parameters
    ----------
    run_dirs : mapping
        ``{label: run directory}`` of finished :func:`gan_study.training.train` runs.
    real : numpy.ndarray, uint8, shape (N, S, S, 3)
        Real held-out images.
    classifier : gan_study.classifier.Classifier
    seed : int, default 0
        Seed of the latent codes and of the SSIM pairs.

    Returns
    -------
    pandas.DataFrame
        Indexed by label (index name ``run``), the columns of :func:`collapse_scores`.
    """
    from gan_study import training

    rows = {
        label: collapse_scores(
            training.generate(training.load_generator(r, ema=False), len(real), seed=seed),
            real,
            classifier,
            seed=seed,
        )
        for label, r in run_dirs.items()
    }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "run"
    return out


_NUMBER_WORDS = {2: "two", 3: "three", 4: "four"}


#: Default margins of :func:`collapse_verdict`: the smallest differences from the
#: reference that count as a sign of collapse.
COLLAPSE_MARGINS = {"ssim": 0.05, "coverage": 0.05, "classes": 0.5}


@dataclasses.dataclass(frozen=True)
class CollapseVerdict:
    """The signs of mode collapse in one run, judged against a reference run.

    Attributes
    ----------
    signs : dict
        ``{sign: True | False | None}`` in a fixed order; ``None`` when the
        reference leaves no room for the sign to show (see :func:`collapse_verdict`).
    collapsed : bool
        Every testable sign is present, and at least two could be tested.
    """

    signs: dict[str, bool | None]
    collapsed: bool

    @property
    def testable(self) -> list[str]:
        """The signs that could be tested."""
        return [k for k, v in self.signs.items() if v is not None]

    @property
    def present(self) -> list[str]:
        """The signs that are present."""
        return [k for k, v in self.signs.items() if v]

    @property
    def text(self) -> str:
        """One clause for the report, e.g. "all four signs of collapse (...)"."""
        testable, present, n = self.testable, self.present, len(self.signs)
        untested = [k for k, v in self.signs.items() if v is None]
        note = f"; {' and '.join(untested)} could not be tested" if untested else ""
        if len(testable) < 2:
            return f"too few testable signs to tell ({len(testable)} of {n}{note})"
        if self.collapsed:
            count = _NUMBER_WORDS.get(len(present), str(len(present)))
            kind = "signs" if len(present) == n else "testable signs"
            what = f"both {kind}" if len(present) == 2 else f"all {count} {kind}"
            return f"{what} of collapse ({', '.join(present)}{note})"
        of = f"{len(testable)} testable signs" if untested else f"{n} signs"
        if present:
            return f"{len(present)} of the {of} ({', '.join(present)}{note}): not a clear collapse"
        return f"none of the {of}{note}: no collapse here"


def collapse_verdict(
    run: dict[str, float] | pd.Series,
    reference: dict[str, float] | pd.Series,
    *,
    ssim_margin: float = COLLAPSE_MARGINS["ssim"],
    coverage_margin: float = COLLAPSE_MARGINS["coverage"],
    classes_margin: float = COLLAPSE_MARGINS["classes"],
) -> CollapseVerdict:
    """Does a run show mode collapse, next to a reference run?

    Four signs, each read from :func:`collapse_scores` and counted only when
    the difference is larger than a margin, so that the sampling noise of a few
    hundred SSIM pairs or a thousand images does not count as a sign:

    * *a higher mean pairwise SSIM*: ``ssim_fake`` at least ``ssim_margin``
      above the reference's (the images look more alike);
    * *a lower recall* and *a lower coverage*: each at least
      ``coverage_margin`` below the reference's (less of the real data is
      covered);
    * *fewer effective classes*: ``effective_classes`` at least
      ``classes_margin`` below the reference's.

    A sign the reference leaves no room for is not tested (``None``) rather
    than counted as absent: recall or coverage cannot fall by
    ``coverage_margin`` when the reference's is already below it, nor the class
    count when the reference's is within ``classes_margin`` of one. An
    undertrained reference with a recall near zero would otherwise hide any
    collapse.

    Parameters
    ----------
    run, reference : mapping
        Scores of the run and of the reference, with ``ssim_fake``, ``recall``,
        ``coverage`` and ``effective_classes``.
    ssim_margin, coverage_margin, classes_margin : float
        Smallest differences that count as a sign.

    Returns
    -------
    CollapseVerdict
        ``collapsed`` when every testable sign is present and at least two are
        testable.
    """
    for name, value in (
        ("ssim_margin", ssim_margin),
        ("coverage_margin", coverage_margin),
        ("classes_margin", classes_margin),
    ):
        if not value >= 0:
            raise ValueError(f"{name} must be non-negative, got {value}")
    needed = ("ssim_fake", "recall", "coverage", "effective_classes")
    for label, scores in (("run", run), ("reference", reference)):
        missing = [k for k in needed if k not in scores]
        if missing:
            raise ValueError(f"{label} scores lack {missing}; pass collapse_scores(...) output")

    def lower(key: str, margin: float, room: float) -> bool | None:
        if reference[key] < room:
            return None
        return bool(run[key] <= reference[key] - margin)

    signs: dict[str, bool | None] = {
        "a higher mean pairwise SSIM": bool(
            run["ssim_fake"] >= reference["ssim_fake"] + ssim_margin
        ),
        "a lower recall": lower("recall", coverage_margin, coverage_margin),
        "a lower coverage": lower("coverage", coverage_margin, coverage_margin),
        "fewer effective classes": lower("effective_classes", classes_margin, 1 + classes_margin),
    }
    testable = [v for v in signs.values() if v is not None]
    return CollapseVerdict(signs, collapsed=len(testable) >= 2 and all(testable))
