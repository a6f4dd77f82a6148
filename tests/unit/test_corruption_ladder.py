"""Blurred real images as reference lines for the FD: the blur, the protocol, the cache."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest

from gan_study import classifier, evaluation, metrics, plots, store
from gan_study.data import LesionData, Split

matplotlib.use("Agg")


def _split(name, n, seed, high=256):
    rng = np.random.default_rng(seed)
    images = np.repeat(np.repeat(rng.integers(0, high, (n, 7, 7, 3)), 4, 1), 4, 2).astype(np.uint8)
    return Split(name, images, rng.integers(0, 7, n), pd.DataFrame({"image_id": range(n)}))


@pytest.fixture(scope="module")
def toy():
    data = LesionData(
        _split("train", 240, 0),
        _split("val", 20, 1),
        _split("test", 100, 2),
        source="toy",
        split="toy",
        image_size=28,
        cache_path=None,
    )
    params = {"num_classes": 7, "image_size": 28, "train_class_counts": [1] * 7}
    clf = classifier.Classifier(model=classifier.build_model(28, 7, width=4), params=params)
    return data, clf


# ------------------------------------------------------------------ the blur
def test_blur_keeps_a_constant_image_and_the_shape_and_smooths_the_rest():
    flat = np.full((2, 9, 9, 3), 77, np.uint8)
    np.testing.assert_array_equal(metrics.gaussian_blur(flat, 1.0), flat)
    noisy = np.random.default_rng(0).integers(0, 256, (4, 16, 16, 3), dtype=np.uint8)
    spreads = [noisy.std(axis=(1, 2)).mean()]
    for sigma in (0.5, 1.0, 2.0):
        out = metrics.gaussian_blur(noisy, sigma)
        assert out.shape == noisy.shape and out.dtype == np.uint8
        spreads.append(out.std(axis=(1, 2)).mean())
    assert spreads == sorted(spreads, reverse=True) and spreads[-1] < 0.5 * spreads[0]
    # spatial only: one channel's edge does not leak into another
    edge = np.zeros((1, 8, 8, 3), np.uint8)
    edge[:, 4:, :, 0] = 255  # rows 4 and below of channel 0
    out = metrics.gaussian_blur(edge, 1.0)
    assert out[..., 1:].max() == 0 and 0 < out[0, 3, 0, 0] < 255


@pytest.mark.parametrize(
    "images, sigma, message",
    [
        (np.zeros((2, 8, 8, 3), np.float32), 1.0, "uint8 images of shape"),
        (np.zeros((8, 8, 3), np.uint8), 1.0, "uint8 images of shape"),
        (np.zeros((1, 8, 8, 3), np.uint8), 0.0, "sigma must be a positive number"),
        (np.zeros((1, 8, 8, 3), np.uint8), float("nan"), "sigma must be a positive number"),
        (np.zeros((1, 8, 8, 3), np.uint8), True, "sigma must be a positive number"),
        (np.zeros((1, 8, 8, 3), np.uint8), "1", "sigma must be a positive number"),
    ],
)
def test_blur_rejects_bad_input(images, sigma, message):
    with pytest.raises(ValueError, match=message):
        metrics.gaussian_blur(images, sigma)


# -------------------------------------------------------------- the references
def test_references_use_the_fd_protocol_of_the_generated_images(toy, tmp_path):
    data, clf = toy
    got = evaluation.blurred_references(
        data, clf, n=80, seed=3, sigmas=(0.5, 3.0), fd_repeats=2, cache_dir=tmp_path
    )
    json.dumps(got, allow_nan=False)
    assert got["n"] == 80 and [r["sigma"] for r in got["references"]] == [0.5, 3.0]
    weak, strong = got["references"]
    assert strong["fd_mean"] > weak["fd_mean"] > 0
    assert strong["fd_mean"] > 2 * got["floor_mean"]


def test_the_fd_is_computed_as_for_the_generated_images(toy, tmp_path, monkeypatch):
    """The same call of metrics.frechet_floor as evaluate_images makes for generated
    images: the same training and test features, N, repeats and seed (so the same
    training subsets); only the candidate differs (the blurred test images)."""
    data, clf = toy
    calls = []
    real = metrics.frechet_floor

    def recording(reference, heldout, n, **kw):
        calls.append((reference, heldout, n, kw["repeats"], kw["seed"], kw["candidate"]))
        return real(reference, heldout, n, **kw)

    monkeypatch.setattr(metrics, "frechet_floor", recording)
    got = evaluation.blurred_references(
        data, clf, n=80, seed=3, sigmas=(1.0,), fd_repeats=2, cache_dir=tmp_path
    )
    evaluation.evaluate_images(
        data.test.images, None, data, clf, n=80, seed=3, fd_repeats=2, kid_subsets=3,
        diversity_pairs=10, ct_cells=2,
    )  # fmt: skip
    (ref_b, held_b, n_b, rep_b, seed_b, cand_b), (ref_e, held_e, n_e, rep_e, seed_e, _) = calls
    assert (n_b, rep_b, seed_b) == (n_e, rep_e, seed_e) == (80, 2, 3) and got["n"] == 80
    np.testing.assert_allclose(ref_b, ref_e, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(held_b, held_e, rtol=1e-5, atol=1e-6)
    blurred = clf.features(metrics.gaussian_blur(data.test.images, 1.0))
    np.testing.assert_allclose(cand_b, blurred, rtol=1e-5, atol=1e-6)


def test_references_are_cached_and_recomputed_for_other_code(toy, tmp_path, monkeypatch):
    data, clf = toy
    kw = dict(n=50, seed=0, sigmas=(1.0,), fd_repeats=2, cache_dir=tmp_path)
    first = evaluation.blurred_references(data, clf, **kw)
    (path,) = tmp_path.glob("blurred_references-*.json")
    calls = []
    features = clf.features
    monkeypatch.setattr(clf, "features", lambda x: calls.append(len(x)) or features(x))
    assert evaluation.blurred_references(data, clf, **kw) == first and calls == []
    other = evaluation.blurred_references(data, clf, **{**kw, "seed": 1})
    assert calls and other["cache_key"] != first["cache_key"]
    calls.clear()
    real_version = store.code_version
    monkeypatch.setattr(store, "code_version", lambda *m: "changed" + real_version(*m))
    again = evaluation.blurred_references(data, clf, **kw)
    assert calls, "a change of the code must recompute the references"
    assert again["cache_key"] != first["cache_key"]
    monkeypatch.setattr(store, "code_version", real_version)
    for damaged in ("{not json", "[1, 2]"):  # unreadable, or JSON of another shape
        path.write_text(damaged)
        calls.clear()
        assert evaluation.blurred_references(data, clf, **kw)["cache_key"] == first["cache_key"]
        assert calls, "a damaged file must be recomputed, not trusted"
        assert json.loads(path.read_text())["cache_key"] == first["cache_key"]


def test_bad_arguments_are_refused(toy, tmp_path):
    data, clf = toy
    with pytest.raises(ValueError, match="sigmas is empty"):
        evaluation.blurred_references(data, clf, n=50, seed=0, sigmas=(), cache_dir=tmp_path)
    with pytest.raises(ValueError, match="n must be >= 10"):
        evaluation.blurred_references(data, clf, n=5, seed=0, cache_dir=tmp_path)
    assert not list(tmp_path.iterdir())


def test_the_metric_panel_draws_the_reference_lines():
    tidy = pd.DataFrame(
        {
            "model": ["a", "a", "b"],
            "seed": [0, 1, 0],
            "metric": ["fd.value"] * 3,
            "value": [3.0, 4.0, 5.0],
        }
    )
    refs = {"fd.value": [("test blurred 0.5 px", 1.5), ("test blurred 1 px", 6.0)]}
    fig = plots.metric_comparison(
        tidy, {"fd.value": "FD"}, floors={"fd.value": (0.1, 0.01)}, references=refs
    )
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert "test blurred 0.5 px" in labels and "test blurred 1 px" in labels
    y = {line.get_label(): line.get_ydata()[0] for line in ax.get_lines()}
    assert y["test blurred 1 px"] == pytest.approx(6.0)
    assert [t.get_text() for t in ax.get_legend().get_texts()][-2:] == [
        lab for lab, _ in refs["fd.value"]
    ]
