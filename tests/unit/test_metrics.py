"""Unit tests of gan_study.metrics: properties and reference computations on tiny arrays."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import scipy.stats

from gan_study import metrics


@pytest.fixture
def feats():
    rng = np.random.default_rng(0)
    cov = np.diag(np.linspace(0.5, 2.0, 8))
    a = rng.multivariate_normal(np.zeros(8), cov, size=600)
    b = rng.multivariate_normal(np.zeros(8), cov, size=600)
    return a, b


def _images(n, seed, size=28):
    rng = np.random.default_rng(seed)
    # smooth-ish random images so SSIM is meaningful
    base = rng.integers(0, 256, size=(n, size // 4, size // 4, 3))
    return np.repeat(np.repeat(base, 4, axis=1), 4, axis=2).astype(np.uint8)


# ---------------------------------------------------------------- FD
def test_fd_of_identical_sample_is_zero(feats):
    a, _ = feats
    assert metrics.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_fd_matches_direct_scipy(feats):
    a, b = feats
    b = b + 0.3
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    ref = ((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * np.real(scipy.linalg.sqrtm(s1 @ s2)))
    assert metrics.frechet_distance(a, b) == pytest.approx(ref, rel=1e-8)


def test_fd_of_shifted_gaussians_equals_squared_shift():
    # Same covariance: FD reduces to |mu1 - mu2|^2 (exactly, from the moments).
    mu1, mu2 = np.zeros(4), np.array([1.0, 2.0, 0.0, 0.0])
    sig = np.diag([1.0, 2.0, 3.0, 4.0])
    assert metrics.frechet_distance_from_stats(mu1, sig, mu2, sig) == pytest.approx(5.0)


def test_fd_grows_monotonically_with_noise(feats):
    a, b = feats
    rng = np.random.default_rng(1)
    noise = rng.standard_normal(b.shape)
    values = [metrics.frechet_distance(a, b + s * noise) for s in (0.0, 0.5, 1.0, 2.0, 4.0)]
    assert all(x < y for x, y in zip(values, values[1:], strict=False)), values


def test_fd_handles_singular_covariance():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((5, 16))  # N < d: singular covariance
    b = rng.standard_normal((5, 16))
    value = metrics.frechet_distance(a, b)
    assert np.isfinite(value) and value >= 0


def test_fd_rejects_bad_input(feats):
    a, _ = feats
    with pytest.raises(ValueError, match="dimensions differ"):
        metrics.frechet_distance(a, a[:, :3])
    bad = a.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        metrics.frechet_distance(a, bad)
    with pytest.raises(ValueError, match="empty"):
        metrics.frechet_distance(a[:0], a)


def test_fd_infinity_recovers_large_sample_value(feats):
    a, b = feats
    rng = np.random.default_rng(3)
    d = 32
    big_real = rng.standard_normal((50000, d))
    fake = rng.standard_normal((2000, d)) + 0.25
    res = metrics.frechet_distance_infinity(fake, big_real, ns=(200, 400, 1000, 2000), seed=0)
    # true FD between the generating Gaussians is 32 * 0.25**2 = 2.0; at N = 200 FD is ~2x that
    assert res["fd_inf"] == pytest.approx(2.0, abs=0.25)
    assert res["fd_at_n"][0] > 3.0
    # finite-N values are biased upwards and the fit has a positive slope
    assert res["slope"] > 0
    assert min(res["fd_at_n"]) > res["fd_inf"]
    assert len(res["ns"]) >= 2
    with pytest.raises(ValueError, match="sample sizes"):
        metrics.frechet_distance_infinity(fake, big_real, ns=(10, 10**6))


# ---------------------------------------------------------------- KID
def test_kid_near_zero_for_one_distribution(feats):
    a, b = feats
    res = metrics.kid(a, b, n_subsets=20, subset_size=300, seed=0)
    assert abs(res["mean"]) <= 3 * res["std"] / np.sqrt(res["n_subsets"]) + 1e-3
    assert res["subset_size"] == 300


def test_kid_positive_for_shifted_distribution(feats):
    a, b = feats
    res = metrics.kid(a, b + 1.0, n_subsets=20, subset_size=300, seed=0)
    assert res["mean"] > 10 * res["std"]


def test_kid_matches_direct_loop():
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((6, 3)), rng.standard_normal((5, 3)) + 0.5
    k = lambda u, v: (u @ v / 3 + 1) ** 3  # noqa: E731
    xx = sum(k(x[i], x[j]) for i in range(6) for j in range(6) if i != j) / 30
    yy = sum(k(y[i], y[j]) for i in range(5) for j in range(5) if i != j) / 20
    xy = sum(k(x[i], y[j]) for i in range(6) for j in range(5)) / 30
    assert metrics.distances._mmd2_unbiased_poly(x, y) == pytest.approx(xx + yy - 2 * xy)


# --------------------------------------------------- precision / recall
def test_precision_recall_identical_sets_are_one(feats):
    a, _ = feats
    res = metrics.precision_recall(a, a.copy(), k=3)
    assert res["precision"] == 1.0 and res["recall"] == 1.0


def test_precision_recall_far_apart_are_zero(feats):
    a, b = feats
    res = metrics.precision_recall(a, b + 100.0, k=3)
    assert res["precision"] == 0.0 and res["recall"] == 0.0


def test_precision_recall_detects_mode_collapse(feats):
    a, b = feats
    collapsed = b[np.linalg.norm(b, axis=1) < 2.0]  # only the centre of the distribution
    res = metrics.precision_recall(a, collapsed, k=3)
    assert res["precision"] > 0.9
    assert res["recall"] < 0.5


def test_density_coverage_matches_brute_force():
    rng = np.random.default_rng(8)
    real, fake = rng.standard_normal((40, 3)), rng.standard_normal((25, 3)) + 0.5
    k = 4
    d_rr = np.linalg.norm(real[:, None] - real[None], axis=-1)
    radii = np.sort(d_rr, axis=1)[:, k]  # column 0 is the point itself
    inside = np.linalg.norm(fake[:, None] - real[None], axis=-1) <= radii[None, :]
    res = metrics.density_coverage(real, fake, k=k)
    assert res["coverage"] == pytest.approx(inside.any(0).mean())
    assert res["density"] == pytest.approx(inside.sum() / (k * len(fake)))
    assert (res["k"], res["n_real"], res["n_fake"]) == (4, 40, 25)


def test_density_coverage_same_distribution_and_far_apart(feats):
    a, b = feats
    same = metrics.density_coverage(a, b, k=5)
    assert same["coverage"] > 0.9 and 0.7 < same["density"] < 1.3
    far = metrics.density_coverage(a, b + 100.0, k=5)
    assert far["coverage"] == 0.0 and far["density"] == 0.0


def test_coverage_sees_collapse_that_outliers_hide_from_recall(feats):
    a, b = feats
    # one mode plus a few far-flung outliers: the outliers' huge k-NN balls
    # swallow the real data, so recall looks perfect; coverage does not
    collapsed = np.concatenate([np.repeat(b[:1], 200, axis=0), b[1:5] * 50.0])
    recall = metrics.precision_recall(a, collapsed, k=3)["recall"]
    coverage = metrics.density_coverage(a, collapsed, k=5)["coverage"]
    assert recall > 0.9
    assert coverage < 0.1


def test_density_coverage_needs_enough_samples(feats):
    a, b = feats
    with pytest.raises(ValueError, match="k=5"):
        metrics.density_coverage(a[:5], b, k=5)


def test_nearest_neighbors_matches_brute_force():
    rng = np.random.default_rng(6)
    q, r = rng.standard_normal((37, 5)), rng.standard_normal((50, 5))
    d, i = metrics.nearest_neighbors(q, r, k=3, chunk=8)
    full = np.linalg.norm(q[:, None] - r[None], axis=-1)
    np.testing.assert_array_equal(i, np.argsort(full, axis=1)[:, :3])
    np.testing.assert_allclose(d, np.sort(full, axis=1)[:, :3], atol=1e-9)
    d_self, i_self = metrics.nearest_neighbors(r, r, k=1, exclude_self=True, chunk=7)
    assert (i_self[:, 0] != np.arange(50)).all()


# ---------------------------------------------------- class agreement
def test_class_agreement_counts():
    df = metrics.class_agreement(
        fake_labels=[0, 0, 1, 1],
        fake_predicted=[0, 1, 1, 1],
        real_labels=[0, 1, 2],
        real_predicted=[0, 0, 2],
        class_names=("a", "b", "c"),
    )
    assert list(df["agreement"][:2]) == [0.5, 1.0]
    assert np.isnan(df["agreement"][2])
    assert list(df["real_recall"]) == [1.0, 0.0, 1.0]
    assert list(df["class"]) == ["a", "b", "c"]


# --------------------------------------------------- SSIM / pixel accuracy
def test_ssim_identical_is_one_and_noise_lowers_it():
    img = _images(1, 0)[0]
    assert metrics.ssim(img, img) == pytest.approx(1.0)
    noisy = np.clip(img.astype(int) + np.random.default_rng(0).integers(-60, 60, img.shape), 0, 255)
    assert metrics.ssim(img, noisy.astype(np.uint8)) < 0.9
    with pytest.raises(ValueError, match="win_size"):
        metrics.ssim(img, img, win_size=29)
    with pytest.raises(ValueError, match="uint8"):
        metrics.ssim(img.astype(float), img.astype(float))


def test_pixel_accuracy_hand_case():
    a = np.zeros((1, 2, 3), np.uint8)
    b = a.copy()
    b[0, 0, 1] = 26  # 26/255 = 0.102 > 0.1: this pixel fails
    b[0, 1, 2] = 25  # 0.098: within tolerance
    assert metrics.pixel_accuracy(a, b) == 0.5
    assert metrics.pixel_accuracy(a, a) == 1.0


def test_nearest_real_similarity_of_copies_is_perfect():
    train = _images(30, 1)
    res = metrics.nearest_real_similarity(train[[3, 7, 11]], train)
    assert res["ssim_mean"] == pytest.approx(1.0)
    assert res["pixel_accuracy_mean"] == 1.0
    assert list(res["nearest_index"]) == [3, 7, 11]


def test_ssim_diversity_higher_for_collapsed_set():
    varied = _images(40, 2)
    collapsed = np.repeat(varied[:1], 40, axis=0)
    collapsed[1::2] = np.clip(collapsed[1::2].astype(int) + 3, 0, 255).astype(np.uint8)
    assert (
        metrics.ssim_diversity(collapsed, n_pairs=50)["mean"]
        > metrics.ssim_diversity(varied, n_pairs=50)["mean"] + 0.5
    )


# ----------------------------------------------------------- memorisation
def test_memorization_ratio_copies_vs_heldout():
    rng = np.random.default_rng(7)
    train = rng.standard_normal((500, 10))
    heldout = rng.standard_normal((200, 10))
    copies = train[:200] + 0.01 * rng.standard_normal((200, 10))
    fresh = rng.standard_normal((200, 10))
    assert metrics.memorization_distances(copies, train, heldout)["median_ratio"] < 0.1
    ratio = metrics.memorization_distances(fresh, train, heldout)["median_ratio"]
    assert 0.85 < ratio < 1.15


def test_ct_strongly_negative_for_copies_and_near_zero_for_fresh():
    rng = np.random.default_rng(8)
    train = rng.standard_normal((1000, 6))
    heldout = rng.standard_normal((300, 6))
    copies = train[rng.choice(1000, 300, replace=False)] + 0.01 * rng.standard_normal((300, 6))
    fresh = rng.standard_normal((300, 6))
    res_copy = metrics.data_copying_ct(train, heldout, copies, n_cells=3, seed=0)
    res_fresh = metrics.data_copying_ct(train, heldout, fresh, n_cells=3, seed=0)
    assert res_copy["ct"] < -10
    assert abs(res_fresh["ct"]) < 3
    assert res_copy["cells_used"] >= 1
    single = metrics.data_copying_ct(train, heldout, copies, n_cells=1)
    assert single["ct"] < -10


def test_ct_z_matches_scipy_normal_approximation():
    rng = np.random.default_rng(9)
    x, y = rng.random(40), rng.random(30) + 0.1
    z = metrics.mann_whitney_z(x, y)
    p = scipy.stats.mannwhitneyu(
        x, y, alternative="less", method="asymptotic", use_continuity=False
    ).pvalue
    assert scipy.stats.norm.cdf(z) == pytest.approx(p, rel=1e-6)


def test_ct_errors_when_no_cell_is_usable():
    rng = np.random.default_rng(10)
    with pytest.raises(ValueError, match="no cell"):
        metrics.data_copying_ct(
            rng.standard_normal((50, 2)), rng.standard_normal((20, 2)), rng.standard_normal((5, 2))
        )


def test_closest_pairs_finds_the_copy():
    train = _images(20, 3)
    fake = _images(10, 4)
    fake[6] = train[13]
    pairs = metrics.closest_pairs(fake, train, n=3)
    assert pairs.loc[0, "fake_index"] == 6 and pairs.loc[0, "train_index"] == 13
    assert pairs.loc[0, "distance"] == 0.0
    assert pairs["distance"].is_monotonic_increasing


# ------------------------------------------------------------------ colour
def test_rgb_stats_per_class():
    imgs = np.zeros((4, 2, 2, 3), np.uint8)
    imgs[2:, ..., 0] = 255
    df = metrics.rgb_stats(imgs, labels=np.array([0, 0, 1, 1]), class_names=("x", "y"))
    red = df[df.channel == "R"].set_index("group")["mean"]
    assert red["all"] == 0.5 and red["x"] == 0.0 and red["y"] == 1.0
    assert set(df.group) == {"all", "x", "y"}
    hist = metrics.rgb_histograms(imgs, bins=4)
    sums = hist.groupby(["group", "channel"])["density"].sum()
    np.testing.assert_allclose(sums.values, 1.0)


# --------------------------------------------------------------- Inception
def test_inception_unavailable_reports_reason_without_download(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    status = metrics.inception_weights_status()
    assert status["available"] is False
    assert metrics.INCEPTION_WEIGHTS_FILE in status["reason"]
    assert "never downloaded" in status["reason"]

    def no_download(*args, **kwargs):  # pragma: no cover - must not be called
        raise AssertionError("a download was attempted")

    import keras

    monkeypatch.setattr(keras.utils, "get_file", no_download)
    with pytest.raises(FileNotFoundError, match="not found"):
        metrics.inception_features(_images(2, 0), tmp_path / "missing.h5")
    assert not list(tmp_path.rglob("*.h5"))  # nothing fetched into the Keras cache


def test_inception_status_finds_explicit_file(tmp_path):
    f = tmp_path / "w.h5"
    f.write_bytes(b"x")
    status = metrics.inception_weights_status(f)
    assert status["available"] and status["path"] == str(f)


def test_precomputed_nearest_gives_the_same_results():
    train = _images(25, 5)
    fake = _images(6, 6)
    mem = metrics.memorization_distances(fake / 255.0, train / 255.0, train[:3] / 255.0)
    pre = metrics.closest_pairs(
        fake, train, n=4, nearest=(mem["fake_distances"], mem["fake_nearest"])
    )
    pd_testing = __import__("pandas").testing
    pd_testing.assert_frame_equal(pre, metrics.closest_pairs(fake, train, n=4))
    a = metrics.nearest_real_similarity(fake, train, nearest_index=mem["fake_nearest"])
    b = metrics.nearest_real_similarity(fake, train)
    assert a["ssim_mean"] == b["ssim_mean"]
    with pytest.raises(ValueError, match="one entry"):
        metrics.nearest_real_similarity(fake, train, nearest_index=[0])


def test_nearest_neighbors_measures_copies_and_near_copies_exactly():
    # On a 0-255 scale the matrix-product expansion |a|^2 - 2ab + |b|^2 loses about
    # 1e-8 of |a|^2 ~ 1e8 to cancellation: a copy would come out near 1e-4, and
    # whether it is 0 depends on the BLAS kernel. The re-measured distances are exact.
    rng = np.random.default_rng(11)
    reference = rng.uniform(0, 255, (40, 28 * 28 * 3))
    queries = reference[[5, 17, 33]] + np.array([0.0, 0.0, 1e-3])[:, None]
    d, i = metrics.nearest_neighbors(queries, reference, k=2, chunk=2)
    assert list(i[:, 0]) == [5, 17, 33]
    assert d[0, 0] == 0.0 and d[1, 0] == 0.0  # x - x is exactly 0 in floating point
    brute = np.sqrt(((queries[:, None, :] - reference[None]) ** 2).sum(-1))
    np.testing.assert_allclose(d, np.sort(brute, axis=1)[:, :2], rtol=1e-12, atol=0)


def test_nearest_neighbors_breaks_ties_by_reference_index():
    reference = np.repeat(np.eye(3), 2, axis=0)  # rows 0/1, 2/3, 4/5 are identical
    d, i = metrics.nearest_neighbors(np.eye(3), reference, k=2)
    assert i.tolist() == [[0, 1], [2, 3], [4, 5]]
    assert (d == 0.0).all()
    _, i_self = metrics.nearest_neighbors(reference, reference, k=1, exclude_self=True)
    assert i_self[:, 0].tolist() == [1, 0, 3, 2, 5, 4]
