"""A paired difference of arms: its two-level interval, the MDE and the verdict."""

from __future__ import annotations

import numpy as np
import pytest

from gan_study import effects


def _predictions(accuracy_by_arm, seeds=(0, 1, 2), n=600, k=3):
    """Arms whose classifiers are right with the given probability per test image."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, k, n)
    out = {}
    for arm, acc in accuracy_by_arm.items():
        for s in seeds:
            right = rng.random(n) < acc
            out[(arm, s)] = (y, np.where(right, y, (y + 1) % k))
    return out


def test_balanced_accuracy_is_the_mean_recall_of_present_classes():
    y = np.array([0, 0, 0, 1, 2, 2])
    p = np.array([0, 0, 1, 1, 0, 2])
    assert effects.balanced_accuracy(y, p, 4) == pytest.approx((2 / 3 + 1 + 1 / 2) / 3)


@pytest.mark.parametrize(
    "better, outcome", [(0.75, "helps"), (0.45, "hurts"), (0.6, "inconclusive")]
)
def test_the_verdict_follows_the_interval(better, outcome):
    preds = _predictions({"gan": better, "real": 0.6})
    result = effects.paired_difference(preds, "gan", "real", num_classes=3, n_boot=200)
    assert result["low"] <= result["low_tost"] <= result["high_tost"] <= result["high"]
    assert (result["n_seeds"], result["n_test"], result["n_boot"]) == (3, 600, 200)
    judged = effects.verdict(result, margin=0.005)
    assert judged["outcome"] == outcome, result
    assert judged["mde"] == pytest.approx(effects.minimum_detectable_effect(result["se"]))


def test_equivalence_needs_the_narrow_interval_inside_the_margin():
    result = {"difference": 0.001, "low": -0.012, "high": 0.014, "low_tost": -0.009,
              "high_tost": 0.011, "se": 0.006}  # fmt: skip
    assert effects.verdict(result, margin=0.02)["outcome"] == "equivalent"
    assert "no effect larger than 0.020" in effects.verdict(result, margin=0.02)["text"]
    narrow = effects.verdict(result, margin=0.01)
    assert (
        narrow["outcome"] == "inconclusive"
        and "neither an effect nor its absence" in narrow["text"]
    )


def test_mde_scales_with_the_standard_error():
    assert effects.minimum_detectable_effect(0.01) == pytest.approx(0.028, abs=5e-4)  # 2.80 se
    assert effects.minimum_detectable_effect(0.0) == 0.0
    with pytest.raises(ValueError, match="se must be a non-negative number"):
        effects.minimum_detectable_effect(float("nan"))


def test_bad_comparisons_are_refused():
    preds = _predictions({"gan": 0.6, "real": 0.6})
    with pytest.raises(ValueError, match="same seeds, got \\[\\] and \\[0, 1, 2\\]"):
        effects.paired_difference(preds, "oops", "real", num_classes=3)
    with pytest.raises(ValueError, match="n_boot must be an integer of at least 10"):
        effects.paired_difference(preds, "gan", "real", num_classes=3, n_boot=3)
    y, p = preds[("gan", 1)]
    preds[("gan", 1)] = (y[::-1], p)
    with pytest.raises(ValueError, match="other test labels"):
        effects.paired_difference(preds, "gan", "real", num_classes=3)
    with pytest.raises(ValueError, match="margin must be a positive number"):
        effects.verdict({"low": 0, "high": 0, "se": 0.1}, margin=0)
