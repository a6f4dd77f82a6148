"""The real side of an evaluation (gan_study.reference) and the blocks that read it.

Tiny synthetic data and an untrained classifier: the floors must be the
metric functions applied to real candidates, a reference must be reusable
and refuse other settings, and each block of gan_study.evaluation must put
its generated-image value beside the floor it takes from the reference.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from gan_study import classifier, evaluation, heldout, reference  # noqa: E402
from gan_study.data.fixtures import toy_lesion_data, toy_split  # noqa: E402

SETTINGS = dict(fd_repeats=2, kid_subsets=4, diversity_pairs=15)


@pytest.fixture(scope="module")
def toy():
    data = toy_lesion_data(sizes=(160, 20, 90), seeds=(20, 21, 22))
    model = classifier.build_model(28, 7, width=4)
    params = {
        "num_classes": 7,
        "image_size": 28,
        "train_class_counts": np.bincount(data.train.labels, minlength=7).tolist(),
    }
    clf = classifier.Classifier(model=model, params=params)
    return data, clf, reference.build_reference(data, clf, n=60, seed=4, **SETTINGS)


def test_reference_holds_the_real_features_and_the_protocol_subsets(toy):
    data, clf, ref = toy
    feats = ref.features["classifier"]
    assert feats.train.shape == (160, 16) and feats.test.shape == (90, 16)
    assert feats.gan_train is feats.train  # the generator trained on every training image
    assert ref.n == 60 and ref.n_eff == 60 and ref.seed == 4 and ref.extractor == clf.name
    size, test_idx, train_idx = ref.subsets
    assert size == 30 and test_idx.shape == train_idx.shape == (2, 30)
    assert ref.test_predictions.shape == (90,)
    assert set(ref.floors) >= {"fd", "fd_inf", "kid", "precision_recall", "nearest_real"}
    assert "inception" not in ref.features or ref.inception["available"]
    with pytest.raises(AttributeError):
        ref.n = 10  # frozen: every evaluation reads the same real side


def test_floors_are_the_metric_functions_with_real_candidates(toy):
    data, clf, ref = toy
    feats = ref.features["classifier"]
    kid = reference.kid(feats.train, feats.test, n_eff=60, subsets=4, seed=4)
    assert ref.floors["kid"] == kid
    fd = heldout.heldout_frechet(feats.test, feats.train, 60, repeats=2, seed=4)
    assert ref.floors["fd"]["floor"] == fd["floor"]
    _, test_idx, train_idx = ref.subsets
    pr, dc = reference.neighbourhood(feats.train, feats.test, test_idx, train_idx)
    assert ref.floors["precision_recall"] == pr and ref.floors["density_coverage"] == dc
    assert ref.floors["diversity"] == reference.diversity(data.train.images, pairs=15, seed=4)


def test_a_generator_subset_changes_memorisation_side_only(toy):
    data, clf, ref = toy
    subset = data.train.images[:70]
    sub = reference.build_reference(data, clf, n=60, seed=4, train_images=subset, **SETTINGS)
    assert sub.features["classifier"].gan_train.shape == (70, 16)
    np.testing.assert_array_equal(
        sub.features["classifier"].train, ref.features["classifier"].train
    )
    assert sub.floors["fd"] == ref.floors["fd"]  # the floor's candidate is the whole split
    assert sub.train_images is subset


def test_reference_check_names_what_differs(toy):
    _, clf, ref = toy
    ref.check(n=60, seed=4, extractor=clf.name, **SETTINGS)
    with pytest.raises(ValueError, match=r"n=60, 50.*kid_subsets=4, 9"):
        ref.check(n=50, seed=4, extractor=clf.name, **{**SETTINGS, "kid_subsets": 9})
    with pytest.raises(ValueError, match="n must be >= 10"):
        reference.build_reference(toy[0], clf, n=5, seed=0)


@pytest.fixture(scope="module")
def generated(toy):
    data, clf, _ = toy
    images = toy_split("gen", 60, 23).images
    labels = np.arange(60) % 7
    return evaluation.generated_sample(images, labels, data, clf, n=60)


def test_blocks_put_the_generated_value_beside_the_reference_floor(toy, generated):
    _, _, ref = toy
    fd = evaluation.fd_block(generated, ref)
    assert fd["floor_values"] == ref.floors["fd"]["floor"]["values"]
    assert fd["n"] == 30 and len(fd["values"]) == 2 and fd["value"] > 0
    kid = evaluation.kid_block(generated, ref)
    assert kid["floor"] == ref.floors["kid"]["mean"] and "mean" in kid
    fd_inf = evaluation.fd_inf_block(generated, ref)
    assert fd_inf["floor"] == ref.floors["fd_inf"]["fd_inf"]
    pr, dc = evaluation.neighbourhood_blocks(generated, ref)
    assert (
        0 <= pr["precision"] <= 1 and pr["floor_recall"] == ref.floors["precision_recall"]["recall"]
    )
    assert (
        dc["n"] == pr["n"] == 30
        and dc["floor_coverage"] == ref.floors["density_coverage"]["coverage"]
    )
    div = evaluation.diversity_block(generated, ref)
    assert div["real_ssim_mean"] == ref.floors["diversity"]["mean"] and div["n_pairs"] == 15
    agreement = evaluation.class_agreement_block(generated, ref)
    assert len(agreement) == 7
    assert evaluation.inception_block(generated, ref)["available"] == ref.inception["available"]


def test_copies_of_training_images_show_in_the_memorisation_blocks(toy):
    data, clf, ref = toy
    copies = evaluation.generated_sample(data.train.images[:60], None, data, clf, n=60)
    result = evaluation.compose(copies, ref, n=60, ct_cells=2)
    assert result["memorization"]["pixel"]["median_ratio"] == 0.0
    assert result["nearest_real"]["ssim_mean"] == pytest.approx(1.0)
    assert result["nearest_real"]["floor_ssim_mean"] < 1.0
    assert result["class_agreement"] is None
    assert result["memorization_by_class"]["classes"] == "predicted by the classifier"
    assert evaluation.class_agreement_block(copies, ref) is None


def test_generated_sample_refuses_bad_input(toy):
    data, clf, _ = toy
    images = toy_split("gen", 30, 24).images
    with pytest.raises(ValueError, match="one entry per generated image"):
        evaluation.generated_sample(images, np.zeros(5, int), data, clf, n=30)
    with pytest.raises(ValueError, match="n must be >= 10"):
        evaluation.generated_sample(images, None, data, clf, n=5)
    with pytest.raises(ValueError, match="uint8"):
        evaluation.generated_sample(images.astype(float), None, data, clf, n=30)
