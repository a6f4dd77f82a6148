"""The held-out protocol: disjoint subsets of both sides, the floor on the same side."""

from __future__ import annotations

import numpy as np
import pytest

from gan_study import heldout, metrics


def _gauss(n, shift=0.0, seed=0, d=4):
    return np.random.default_rng(seed).normal(shift, 1.0, (n, d))


def test_subsets_are_disjoint_and_depend_only_on_name_and_seed():
    a = heldout.disjoint_subsets(100, 30, 3, seed=5, name="heldout")
    assert a.shape == (3, 30) and len(set(a.ravel())) == 90 and a.max() < 100
    np.testing.assert_array_equal(a, heldout.disjoint_subsets(100, 30, 3, seed=5, name="heldout"))
    assert not np.array_equal(a, heldout.disjoint_subsets(100, 30, 3, seed=5, name="reference"))
    assert not np.array_equal(a, heldout.disjoint_subsets(100, 30, 3, seed=6, name="heldout"))
    with pytest.raises(ValueError, match="3 disjoint subsets of 40 need 120 items, got 100"):
        heldout.disjoint_subsets(100, 40, 3, seed=0, name="x")


def test_sample_size_is_a_repeats_th_of_the_smallest_sample():
    assert heldout.sample_size(2000, 2003, 7011) == 666
    assert heldout.sample_size(2000, 2003, 7011, repeats=2) == 1000
    with pytest.raises(ValueError, match="at least 6 images in every sample"):
        heldout.sample_size(5, 100, 100)
    with pytest.raises(ValueError, match="repeats must be a positive integer"):
        heldout.sample_size(100, 100, 100, repeats=0)


def test_the_floor_is_on_the_held_out_side_and_candidates_are_paired_with_it():
    test, train = _gauss(300, seed=1), _gauss(900, seed=2)
    far, near = _gauss(300, shift=1.0, seed=3), _gauss(300, seed=4)
    out = heldout.heldout_frechet(test, train, 300, candidates={"far": far, "near": near})
    assert out["n"] == 100 and out["repeats"] == 3
    assert out["candidates"]["far"]["mean"] > 10 * out["floor"]["mean"]
    assert out["candidates"]["near"]["mean"] < 3 * out["floor"]["mean"]
    # repeat r of the floor is FD(training subset r, test subset r), by hand
    n, test_idx, train_idx = heldout.heldout_subsets(300, 300, 900)
    by_hand = [
        metrics.frechet_distance(train[r], test[t])
        for t, r in zip(test_idx, train_idx, strict=False)
    ]
    assert out["floor"]["values"] == pytest.approx(by_hand, rel=1e-9)
    # the floor does not depend on which candidates are scored beside it
    alone = heldout.heldout_frechet(test, train, 300)
    assert alone["floor"]["values"] == out["floor"]["values"] and alone["candidates"] == {}


def test_an_aligned_sample_uses_the_floors_own_training_subsets():
    test, train = _gauss(300, seed=1), _gauss(900, seed=2)
    out = heldout.heldout_frechet(test, train, 300, aligned={"same": train.copy()})
    assert out["candidates"]["same"]["values"] == pytest.approx(out["floor"]["values"], rel=1e-9)
    shifted = heldout.heldout_frechet(test, train, 300, aligned={"shift": train + 0.5})
    assert shifted["candidates"]["shift"]["mean"] > out["floor"]["mean"]


def test_bad_samples_are_refused():
    test, train = _gauss(300, seed=1), _gauss(900, seed=2)
    with pytest.raises(ValueError, match="aligned sample 'x' has 10 rows, the reference 900"):
        heldout.heldout_frechet(test, train, 300, aligned={"x": train[:10]})
    with pytest.raises(ValueError, match="candidate 'g' has 30 rows; the protocol needs 300"):
        heldout.heldout_frechet(test, train, 300, candidates={"g": train[:30]})


def test_candidate_frechet_is_the_candidate_of_heldout_frechet():
    rng = np.random.default_rng(0)
    held, ref, cand = rng.normal(size=(60, 4)), rng.normal(size=(70, 4)), rng.normal(1, 1, (50, 4))
    full = heldout.heldout_frechet(held, ref, 40, candidates={"g": cand}, repeats=2, seed=3)
    alone = heldout.candidate_frechet(held, cand, full["n"], "g", repeats=2, seed=3)
    assert alone == full["candidates"]["g"]
    with pytest.raises(ValueError, match="needs 40"):
        heldout.candidate_frechet(held, cand[:30], 20, "g", repeats=2, seed=3)
