"""The metrics on the real HAM10000 copy: floors, noise, copies.

Feature-space tests use the cached default classifier (see
``test_classifier_real.py``), so they are ``slow`` when it is not cached yet.
Pixel-space tests need only the arrays.
"""

from __future__ import annotations

import numpy as np
import pytest

from gan_study import classifier, data, evaluation, heldout, metrics

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def lesion(real_data_root, shared_cache_dir):
    return data.load(split="lesion", data_dir=real_data_root, cache_dir=shared_cache_dir)


def _noisy(images, sigma, seed=0):
    rng = np.random.default_rng(seed)
    x = images / 255.0 + rng.normal(0.0, sigma, images.shape)
    return np.clip(np.rint(x * 255), 0, 255).astype(np.uint8)


@pytest.mark.slow
def test_held_out_floor_is_clearly_below_noisy_images(lesion):
    clf = classifier.load_or_train(lesion)
    f_train = clf.features(lesion.train.images)
    f_test = clf.features(lesion.test.images)
    noisy = {"noise": clf.features(_noisy(lesion.train.images, 0.2))}
    res = heldout.heldout_frechet(f_test, f_train, 2000, aligned=noisy, seed=0)
    assert res["n"] == 2000 // 3 and res["repeats"] == 3  # a third of n, the smaller side
    # the noisy images are far above the real-vs-real floor, beyond both spreads
    floor, fd = res["floor"], res["candidates"]["noise"]
    assert fd["mean"] - floor["mean"] > 10 * (floor["std"] + fd["std"]), res
    assert fd["mean"] > 3 * floor["mean"], res


@pytest.mark.slow
def test_the_corruption_ladder_is_monotone_in_the_studys_features(lesion, tmp_path):
    """Issue: every rung of the ladder must score above the floor, and a stronger
    rung of a kind above a milder one, in the feature space that scores the GANs."""
    clf = classifier.load_or_train(lesion)
    ladder = evaluation.corruption_references(lesion, clf, n=2000, seed=0, cache_dir=tmp_path)
    assert ladder["monotone"] == {"blur": True, "jpeg": True, "noise": True}, ladder


def test_memorization_ratio_on_real_images(lesion):
    train, test = lesion.train.images / 255.0, lesion.test.images / 255.0
    # held-out real images (val) behave like held-out real images (test)
    ratio_val = metrics.memorization_distances(lesion.val.images / 255.0, train, test)
    assert 0.85 < ratio_val["median_ratio"] < 1.15
    # exact copies of training images are at distance 0
    copies = lesion.train.images[::10] / 255.0
    assert metrics.memorization_distances(copies, train, test)["median_ratio"] < 1e-3


def test_ct_strongly_negative_for_slightly_perturbed_copies(lesion):
    rng = np.random.default_rng(0)
    train = lesion.train.images.reshape(len(lesion.train.images), -1) / 255.0
    test = lesion.test.images.reshape(len(lesion.test.images), -1) / 255.0
    copies = train[rng.choice(len(train), 1000, replace=False)]
    copies = copies + rng.normal(0, 0.01, copies.shape)
    fresh = lesion.val.images.reshape(len(lesion.val.images), -1) / 255.0
    assert metrics.data_copying_ct(train, test, copies, n_cells=5, seed=0)["ct"] < -10
    assert abs(metrics.data_copying_ct(train, test, fresh, n_cells=5, seed=0)["ct"]) < 3


def test_real_images_nearest_ssim_and_diversity(lesion):
    near = metrics.nearest_real_similarity(lesion.test.images[:200], lesion.train.images)
    assert 0 < near["ssim_mean"] < 1  # real held-out images are not copies
    div = metrics.ssim_diversity(lesion.train.images, n_pairs=200)
    assert div["mean"] < near["ssim_mean"]  # a random pair is less alike than a nearest pair
