"""Did an arm help? A paired difference, its interval, the effect this design could see.

Chapter 6 compares classifiers trained on different data ("arms") with the
same seeds and scores them on one test split. A difference of scores has two
sources of noise: the training seed and the finite test set (a class with 23
test images moves balanced accuracy by a lot). :func:`paired_difference`
resamples both, in two levels (Davison & Hinkley 1997, ch. 3.8): each
replicate draws the seeds with replacement, the same seeds for both arms,
and the test images with replacement, the same images for both arms, and
takes the mean over the drawn seeds of the difference of balanced accuracies.

An interval that covers zero is not evidence of no effect. :func:`verdict`
therefore has the outcomes "helps" and "hurts" (the interval excludes zero)
and "no effect larger than the margin" only when a two one-sided test (TOST;
Schuirmann 1987) shows equivalence: the ``1 - 2 alpha`` interval lies inside
``(-margin, margin)``. Anything else is "inconclusive", with
:func:`minimum_detectable_effect` saying how large an effect this design
could have found.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import stats

#: Confidence level of the two-sided intervals (alpha = 0.05).
CONFIDENCE = 0.95
#: Power at which :func:`minimum_detectable_effect` is quoted.
POWER = 0.8


def balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> float:
    """Mean over the classes present in ``y_true`` of their recall."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    totals = np.bincount(y_true, minlength=num_classes)
    hits = np.bincount(y_true[y_true == y_pred], minlength=num_classes)
    present = totals > 0
    return float((hits[present] / totals[present]).mean())


def check_n_boot(n_boot) -> None:
    """Refuse a number of bootstrap replicates that is not an integer of at least 10."""
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 10:
        raise ValueError(f"n_boot must be an integer of at least 10, got {n_boot!r}")


def paired_seeds(keys, a: str, b: str, kind: str, what: str) -> list[int]:
    """The seeds of ``a`` among ``(name, seed)`` keys, which must be those of ``b``.

    Raises
    ------
    ValueError
        Naming both seed lists, when they differ or are empty (the comparison is
        paired by seed).
    """
    seeds = sorted(s for name, s in keys if name == a)
    other = sorted(s for name, s in keys if name == b)
    if not seeds or seeds != other:
        raise ValueError(
            f"{kind} {a!r} and {b!r} must have {what} for the same seeds, got {seeds} and {other}"
        )
    return seeds


def paired_difference(
    predictions: Mapping[tuple[str, int], tuple[np.ndarray, np.ndarray]],
    arm: str,
    reference: str,
    *,
    num_classes: int,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict:
    """Balanced accuracy of ``arm`` minus ``reference``, paired by seed and test image.

    Parameters
    ----------
    predictions : mapping
        ``(arm, seed) -> (y_true, y_pred)`` on one test split
        (:func:`gan_study.augmentation.run_arms`).
    arm, reference : str
        The arms compared; both need the same seeds.
    num_classes : int
    n_boot : int, default 1000
        Bootstrap replicates.
    seed : int, default 0

    Returns
    -------
    dict
        ``difference`` (mean over seeds on the whole test split), ``low`` and
        ``high`` (:data:`CONFIDENCE` percentile interval), ``low_tost`` and
        ``high_tost`` (the ``1 - 2 alpha`` interval of the TOST), ``se`` (the
        replicates' standard deviation), ``n_seeds``, ``n_test``, ``n_boot``.

    References
    ----------
    .. [1] Davison, A. C. & Hinkley, D. V. (1997). Bootstrap Methods and their
       Application. Cambridge University Press (resampling in two levels).
    """
    check_n_boot(n_boot)
    seeds = paired_seeds(predictions, arm, reference, "arms", "predictions")
    y_true = np.asarray(predictions[(arm, seeds[0])][0])
    for key in [(a, s) for a in (arm, reference) for s in seeds]:
        if not np.array_equal(np.asarray(predictions[key][0]), y_true):
            raise ValueError(
                f"{key} was scored on other test labels: the pairing needs one test split"
            )
    pred = {(a, s): np.asarray(predictions[(a, s)][1]) for a in (arm, reference) for s in seeds}

    def diff(chosen_seeds, idx):
        return np.mean(
            [
                balanced_accuracy(y_true[idx], pred[(arm, s)][idx], num_classes)
                - balanced_accuracy(y_true[idx], pred[(reference, s)][idx], num_classes)
                for s in chosen_seeds
            ]
        )

    rng = np.random.default_rng(seed)
    n = len(y_true)
    replicates = np.array(
        [diff(rng.choice(seeds, len(seeds)), rng.integers(0, n, n)) for _ in range(n_boot)]
    )
    alpha = 1 - CONFIDENCE
    low, high = np.percentile(replicates, [50 * alpha, 100 - 50 * alpha])
    low_tost, high_tost = np.percentile(replicates, [100 * alpha, 100 - 100 * alpha])
    return {
        "difference": float(diff(seeds, np.arange(n))),
        "low": float(low),
        "high": float(high),
        "low_tost": float(low_tost),
        "high_tost": float(high_tost),
        "se": float(replicates.std(ddof=1)),
        "n_seeds": len(seeds),
        "n_test": int(n),
        "n_boot": int(n_boot),
    }


def minimum_detectable_effect(se: float, *, power: float = POWER) -> float:
    """The smallest true difference a two-sided test at :data:`CONFIDENCE` finds with ``power``.

    ``(z_{1 - alpha/2} + z_{power}) * se`` for a difference whose standard error is ``se``.
    """
    if not (np.isfinite(se) and se >= 0):
        raise ValueError(f"se must be a non-negative number, got {se!r}")
    alpha = 1 - CONFIDENCE
    return float((stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)) * se)


def verdict(result: Mapping, margin: float) -> dict:
    """Helps, hurts, no effect larger than ``margin`` (TOST), or inconclusive.

    Parameters
    ----------
    result : mapping
        :func:`paired_difference`'s result.
    margin : float
        The equivalence margin, in units of the score (balanced accuracy).

    Returns
    -------
    dict
        ``outcome`` (``"helps"``, ``"hurts"``, ``"equivalent"`` or
        ``"inconclusive"``), ``text`` (a sentence) and ``mde``.

    References
    ----------
    .. [1] Schuirmann, D. J. (1987). A comparison of the two one-sided tests
       procedure and the power approach for assessing the equivalence of
       average bioavailability. J. Pharmacokinet. Biopharm. 15, 657-680.
    """
    if not (np.isfinite(margin) and margin > 0):
        raise ValueError(f"margin must be a positive number, got {margin!r}")
    mde = minimum_detectable_effect(result["se"])
    ci = f"{CONFIDENCE:.0%} CI {result['low']:+.3f} to {result['high']:+.3f}"
    if result["low"] > 0:
        return {"outcome": "helps", "mde": mde, "text": f"it helps ({ci})"}
    if result["high"] < 0:
        return {"outcome": "hurts", "mde": mde, "text": f"it hurts ({ci})"}
    if -margin < result["low_tost"] and result["high_tost"] < margin:
        return {
            "outcome": "equivalent",
            "mde": mde,
            "text": f"no effect larger than {margin:.3f} (equivalence test passed; {ci})",
        }
    return {
        "outcome": "inconclusive",
        "mde": mde,
        "text": (
            f"inconclusive: the interval covers zero but reaches beyond the equivalence "
            f"margin of ±{margin:.3f} ({ci}), so neither an effect nor its absence is shown; "
            f"this design detects, with {POWER:.0%} power, only effects of about "
            f"{mde:.3f} or more"
        ),
    }
