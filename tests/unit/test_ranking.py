"""Seed-paired model comparisons with bootstrap intervals, and what may be claimed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gan_study import ranking, study


def _features(shift, seed, n=120, d=3):
    return np.random.default_rng(seed).normal(shift, 1.0, (n, d))


def _grid(shifts, seeds=(0, 1)):
    return {
        (m, s): _features(shift, 10 * i + s)
        for i, (m, shift) in enumerate(shifts.items())
        for s in seeds
    }


def test_a_clear_gap_is_ranked_and_a_tie_is_not():
    generated = _grid({"good": 0.0, "twin": 0.0, "bad": 1.5})
    test = _features(0.0, 99, n=200)
    out = ranking.paired_fd_differences(
        generated, test, [("good", "bad"), ("good", "twin")], n=100, n_boot=50, seed=0
    )
    gap, tie = out.to_dict(orient="records")
    assert gap["difference"] < 0 and gap["high"] < 0
    assert tie["low"] < 0 < tie["high"]
    assert (gap["n_seeds"], gap["n"], gap["n_boot"]) == (2, 100, 50)
    assert ranking.rank_statement(gap).startswith("`good` has a lower held-out FD than `bad`")
    assert "cannot be ranked" in ranking.rank_statement(tie)
    again = ranking.paired_fd_differences(
        generated, test, [("good", "bad"), ("good", "twin")], n=100, n_boot=50, seed=0
    )
    pd.testing.assert_frame_equal(out, again)  # a seed fixes the bootstrap


def test_the_statement_reads_the_interval():
    row = {"a": "x", "b": "y", "difference": 0.5, "low": 0.1, "high": 0.9}
    assert ranking.rank_statement(row).startswith("`x` has a higher held-out FD than `y`")
    assert "95% CI 0.10 to 0.90" in ranking.rank_statement(row)


def test_bad_comparisons_are_refused():
    generated = _grid({"a": 0.0}) | {("b", 0): _features(0.0, 5)}
    test = _features(0.0, 99)
    with pytest.raises(ValueError, match="same seeds, got \\[0, 1\\] and \\[0\\]"):
        ranking.paired_fd_differences(generated, test, [("a", "b")], n=50)
    with pytest.raises(ValueError, match="n_boot must be an integer of at least 10"):
        ranking.paired_fd_differences(generated, test, [("a", "a")], n=50, n_boot=5)


def test_the_best_model_is_claimed_only_when_every_interval_excludes_zero():
    rows = pd.DataFrame(
        {"a": ["m1", "m1"], "b": ["m2", "m3"], "low": [-2.0, -3.0], "high": [-0.1, -1.0]}
    )
    assert "separate it from every other model" in study.best_model_claim(rows)
    rows.loc[0, "high"] = 0.2
    claim = study.best_model_claim(rows)
    assert "do not separate it from `m2`" in claim and "m3" not in claim


class _Shift:
    """A stand-in feature extractor: the mean colour, shifted per extractor."""

    def __init__(self, scale):
        self.scale = scale

    def features(self, images):
        x = np.asarray(images, np.float64).mean(axis=(1, 2)) / 255.0
        return np.concatenate([x, self.scale * x**2], axis=1)


def test_the_second_extractor_ranking_compares_orders():
    from gan_study.data import LesionData, Split

    rng = np.random.default_rng(0)

    def split(name, n, mean):
        images = rng.normal(mean, 30, (n, 4, 4, 3)).clip(0, 255).astype(np.uint8)
        return Split(name, images, rng.integers(0, 7, n), pd.DataFrame({"image_id": range(n)}))

    data = LesionData(
        split("train", 300, 120), split("val", 10, 120), split("test", 150, 120),
        source="toy", split="toy", image_size=4, cache_path=None,
    )  # fmt: skip
    images = {
        (m, s): split("g", 150, mean).images
        for m, mean in (("near", 125), ("far", 170))
        for s in (0, 1)
    }
    table = study.second_extractor_ranking(images, data, _Shift(1.0), _Shift(3.0), n=150, seed=0)
    assert list(table.index) == ["near", "far"]
    assert list(table["rank (first)"]) == list(table["rank (second)"]) == [1, 2]
    assert study.ranking_agreement_text(table).startswith("the order of the models is the same")
    table.loc["near", "rank (second)"] = 2
    table.loc["far", "rank (second)"] = 1
    assert "`near`, `far` move" in study.ranking_agreement_text(table)


def test_the_ladder_table_and_its_verdict():
    ladder = {
        "floor": {"mean": 0.5, "std": 0.1},
        "references": [{"label": "blur 1 px", "mean": 5.0, "std": 0.5}],
        "monotone": {"blur": True},
    }
    table = study.ladder_table(ladder)
    assert list(table.index) == ["none (floor)", "blur 1 px"]
    assert table.loc["blur 1 px", "x floor"] == pytest.approx(10.0)
    assert study.ladder_monotone_text(ladder).startswith("every rung scores above the floor")
    ladder["monotone"]["noise"] = False
    assert "not monotone for noise" in study.ladder_monotone_text(ladder)
