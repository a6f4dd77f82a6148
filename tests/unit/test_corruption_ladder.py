"""Corrupted real images as reference lines for the held-out FD: the corruptions, the
protocol, the cache."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest

from gan_study import classifier, corruptions, evaluation, heldout, ladder, metrics, plots, store
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


@pytest.mark.parametrize("kind, levels", [("jpeg", (90, 30, 5)), ("noise", (0.02, 0.05, 0.2))])
def test_stronger_corruptions_change_the_images_more(kind, levels):
    images = np.random.default_rng(1).integers(0, 256, (3, 16, 16, 3), dtype=np.uint8)
    smooth = metrics.gaussian_blur(images, 2.0)  # JPEG keeps smooth images nearly intact
    errors = [
        np.abs(corruptions.corrupt(smooth, kind, level).astype(int) - smooth).mean()
        for level in levels
    ]
    assert 0 < errors[0] < errors[1] < errors[2]
    out = corruptions.corrupt(smooth, kind, levels[1], seed=4)
    assert out.shape == smooth.shape and out.dtype == np.uint8
    np.testing.assert_array_equal(out, corruptions.corrupt(smooth, kind, levels[1], seed=4))


@pytest.mark.parametrize(
    "kind, level, message",
    [
        ("sharpen", 1.0, "unknown corruption 'sharpen'; valid: blur, jpeg, noise"),
        ("jpeg", 0, "JPEG quality must be between 1 and 95"),
        ("jpeg", 100, "JPEG quality must be between 1 and 95"),
        ("noise", -0.1, "noise level must be a positive number"),
        ("noise", float("inf"), "noise level must be a positive number"),
        ("blur", "1", "the level of blur must be a number"),
        ("blur", 0.0, "sigma must be a positive number"),
    ],
)
def test_corrupt_rejects_bad_input(kind, level, message):
    with pytest.raises(ValueError, match=message):
        corruptions.corrupt(np.zeros((1, 8, 8, 3), np.uint8), kind, level)


# -------------------------------------------------------------- the references
LADDER = (("blur", 0.5), ("blur", 3.0), ("noise", 0.3))


def test_references_climb_above_the_floor(toy, tmp_path):
    data, clf = toy
    got = ladder.corruption_references(
        data, clf, n=80, seed=3, ladder=LADDER, fd_repeats=2, cache_dir=tmp_path
    )
    json.dumps(got, allow_nan=False)
    assert got["n"] == 40 and got["repeats"] == 2  # 80 candidate images in 2 disjoint halves
    assert [r["label"] for r in got["references"]] == ["blur 0.5 px", "blur 3 px", "noise 0.3"]
    weak, strong, noise = got["references"]
    assert strong["mean"] > weak["mean"] > 0 and len(strong["values"]) == 2
    assert strong["mean"] > 2 * got["floor"]["mean"] and noise["mean"] > got["floor"]["mean"]
    assert got["monotone"] == {"blur": True, "noise": True}


def test_monotone_reads_jpeg_quality_downwards():
    refs = [
        {"kind": "jpeg", "level": 30.0, "mean": 5.0},
        {"kind": "jpeg", "level": 80.0, "mean": 2.0},
        {"kind": "blur", "level": 1.0, "mean": 1.0},
        {"kind": "blur", "level": 0.5, "mean": 3.0},
    ]
    assert ladder._monotone(1.5, refs) == {"jpeg": True, "blur": False}


def test_the_references_share_the_held_out_subsets_of_the_generated_images(
    toy, tmp_path, monkeypatch
):
    """The same held-out protocol as evaluate_images: the same test and training
    subsets (so the same floor); each rung corrupts the floor's own training images."""
    data, clf = toy
    calls = []
    real = heldout.heldout_frechet

    def recording(held, reference, n, **kw):
        calls.append((held, reference, n, kw))
        return real(held, reference, n, **kw)

    monkeypatch.setattr(heldout, "heldout_frechet", recording)
    got = ladder.corruption_references(
        data, clf, n=80, seed=3, ladder=(("blur", 1.0),), fd_repeats=2, cache_dir=tmp_path
    )
    result = evaluation.evaluate_images(
        data.test.images[:80], None, data, clf, n=80, seed=3, fd_repeats=2, kid_subsets=3,
        diversity_pairs=10, ct_cells=2,
    )  # fmt: skip
    (held_l, ref_l, n_l, kw_l), (held_e, ref_e, n_e, kw_e) = calls
    assert (
        (n_l, kw_l["repeats"], kw_l["seed"]) == (n_e, kw_e["repeats"], kw_e["seed"]) == (80, 2, 3)
    )
    np.testing.assert_allclose(held_l, held_e, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ref_l, ref_e, rtol=1e-5, atol=1e-6)
    blurred = clf.features(metrics.gaussian_blur(data.train.images, 1.0))
    np.testing.assert_allclose(kw_l["aligned"]["blur 1 px"], blurred, rtol=1e-5, atol=1e-6)
    assert got["floor"]["values"] == pytest.approx(result["fd"]["floor_values"], rel=1e-6)


def test_references_are_cached_and_recomputed_for_other_code(toy, tmp_path, monkeypatch):
    data, clf = toy
    kw = dict(n=50, seed=0, ladder=(("blur", 1.0),), fd_repeats=2, cache_dir=tmp_path)
    first = ladder.corruption_references(data, clf, **kw)
    (path,) = tmp_path.glob("corruption_ladder-*.json")
    calls = []
    features = clf.features
    monkeypatch.setattr(clf, "features", lambda x: calls.append(len(x)) or features(x))
    assert ladder.corruption_references(data, clf, **kw) == first and calls == []
    other = ladder.corruption_references(data, clf, **{**kw, "seed": 1})
    assert calls and other["cache_key"] != first["cache_key"]
    calls.clear()
    real_version = store.code_version
    monkeypatch.setattr(store, "code_version", lambda *m: "changed" + real_version(*m))
    again = ladder.corruption_references(data, clf, **kw)
    assert calls, "a change of the code must recompute the references"
    assert again["cache_key"] != first["cache_key"]
    monkeypatch.setattr(store, "code_version", real_version)
    for damaged in ("{not json", "[1, 2]"):  # unreadable, or JSON of another shape
        path.write_text(damaged)
        calls.clear()
        assert ladder.corruption_references(data, clf, **kw)["cache_key"] == first["cache_key"]
        assert calls, "a damaged file must be recomputed, not trusted"
        assert json.loads(path.read_text())["cache_key"] == first["cache_key"]


def test_bad_arguments_are_refused(toy, tmp_path):
    data, clf = toy
    with pytest.raises(ValueError, match="ladder is empty"):
        ladder.corruption_references(data, clf, n=50, seed=0, ladder=(), cache_dir=tmp_path)
    with pytest.raises(ValueError, match="n must be >= 10"):
        ladder.corruption_references(data, clf, n=5, seed=0, cache_dir=tmp_path)
    with pytest.raises(ValueError, match="unknown corruption"):
        ladder.corruption_references(
            data, clf, n=50, seed=0, ladder=(("melt", 1),), cache_dir=tmp_path
        )
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
    refs = {"fd.value": [("blur 0.5 px", 1.5), ("blur 1 px", 6.0)]}
    fig = plots.metric_comparison(
        tidy, {"fd.value": "FD"}, floors={"fd.value": (0.1, 0.01)}, references=refs
    )
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert "blur 0.5 px" in labels and "blur 1 px" in labels
    y = {line.get_label(): line.get_ydata()[0] for line in ax.get_lines()}
    assert y["blur 1 px"] == pytest.approx(6.0)
    assert [t.get_text() for t in ax.get_legend().get_texts()][-2:] == [
        lab for lab, _ in refs["fd.value"]
    ]
