"""Metrics for synthetic images: pure functions over arrays.

Everything here takes NumPy arrays (images or feature vectors) and returns
numbers, dictionaries or data frames. Nothing reads files, trains models or
plots; :mod:`gan_study.evaluation` wires these functions to run directories.

The study's feature space is the penultimate layer of a small CNN trained on
the real training split (:mod:`gan_study.classifier`), not ImageNet's
InceptionV3: its weights cannot be downloaded on the machines the study is
built on, and FID on 28 px images upsampled to 299 px is questionable anyway.
Inception-based FID/KID are computed only when the weights are already on the
machine (:func:`inception_weights_status`).

Every distribution metric is a *sample* statistic: it depends on the sample
size N and has a spread. So the functions here return N beside the value and
:mod:`gan_study.heldout` measures the real-versus-real floor (two real samples of
the same N), without which an FD cannot be read.

Groups
------
* Distribution distances in feature space: :func:`frechet_distance`,
  :func:`frechet_distance_infinity`, :func:`kid` (their held-out protocol and
  floor: :mod:`gan_study.heldout`).
* Fidelity and coverage: :func:`precision_recall`, :func:`density_coverage`,
  :func:`class_agreement`.
* The original report's image metrics: :func:`ssim`, :func:`pixel_accuracy`,
  :func:`nearest_real_similarity`, :func:`ssim_diversity`.
* Memorisation and privacy proxies: :func:`nearest_neighbors`,
  :func:`memorization_distances`, :func:`data_copying_ct`, :func:`closest_pairs`.
* Colour: :func:`rgb_stats`, :func:`rgb_histograms`.
* Inception (only with local weights): :func:`inception_weights_status`,
  :func:`inception_features`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.linalg
import scipy.stats

#: Added to the covariance diagonals when their product is near-singular
#: (the same remedy as the reference TTUR implementation of FID).
FD_EPS = 1e-6

#: Tolerance of :func:`pixel_accuracy` on a 0-1 intensity scale.
PIXEL_TOLERANCE = 0.1
#: Side in pixels of InceptionV3's input: :func:`inception_features` resizes to it.
INCEPTION_SIZE = 299

#: File name of the ImageNet InceptionV3 weights (no top) in the Keras cache.
INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"


# ------------------------------------------------------------------ helpers
def _as_2d(x: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"{name} must have shape (N, ...), got {x.shape}")
    if x.shape[0] == 0:
        raise ValueError(f"{name} is empty")
    return x.reshape(x.shape[0], -1).astype(np.float64)


def _check_features(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = _as_2d(a, "features_a")
    b = _as_2d(b, "features_b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"feature dimensions differ: {a.shape[1]} vs {b.shape[1]}")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("features contain NaN or infinite values")
    return a, b


def _check_images(images: np.ndarray, name: str) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"{name} must have shape (N, H, W, 3), got {images.shape}")
    if images.dtype != np.uint8:
        raise ValueError(f"{name} must be uint8 (0-255), got {images.dtype}")
    if images.shape[0] == 0:
        raise ValueError(f"{name} is empty")
    return images


# ------------------------------------------------------ Fréchet distance
def _trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """``Tr((sigma1 sigma2)^{1/2})`` for symmetric positive semi-definite matrices.

    ``sigma1 sigma2`` has the eigenvalues of the symmetric matrix
    ``R sigma2 R`` with ``R = sigma1^{1/2}``, so the trace of its square root is
    the sum of the square roots of those eigenvalues: two symmetric
    eigen-decompositions instead of a general matrix square root (about ten
    times faster at d = 128, and real by construction). Eigenvalues that
    round-off makes slightly negative are set to 0.
    """
    w, v = np.linalg.eigh((sigma1 + sigma1.T) / 2)
    root = (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T
    m = root @ sigma2 @ root
    return float(np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0.0, None)).sum())


def frechet_distance_from_stats(
    mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray, eps: float = FD_EPS
) -> float:
    """Fréchet distance between two Gaussians given their moments.

    Parameters
    ----------
    mu1, mu2 : ndarray, shape (d,)
        Means.
    sigma1, sigma2 : ndarray, shape (d, d)
        Covariances (symmetric, positive semi-definite).
    eps : float, default :data:`FD_EPS`
        When the trace of the square root of ``sigma1 @ sigma2`` is not finite,
        ``eps`` is added to both diagonals and it is taken again.

    Returns
    -------
    float
        ``||mu1 - mu2||² + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^{1/2})``,
        clipped at 0 from below. The trace of the square root is computed from
        eigenvalues (:func:`_trace_sqrt_product`), which equals the real part
        of ``scipy.linalg.sqrtm``'s trace up to round-off.
    """
    mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)
    sigma1, sigma2 = np.atleast_2d(sigma1), np.atleast_2d(sigma2)
    diff = mu1 - mu2
    trace_root = _trace_sqrt_product(sigma1, sigma2)
    if not np.isfinite(trace_root):
        offset = np.eye(sigma1.shape[0]) * eps
        trace_root = _trace_sqrt_product(sigma1 + offset, sigma2 + offset)
    value = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_root
    return float(max(value, 0.0))


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray, eps: float = FD_EPS) -> float:
    """Fréchet distance between two feature samples (the "FID" formula).

    Each sample is summarised by a Gaussian (mean and covariance, ``ddof=1``)
    and the Fréchet (2-Wasserstein) distance between the two Gaussians is
    returned. With Inception-v3 pool features this is the FID; here it is
    usually computed in the study's own classifier features.

    The value is biased upwards for finite N and depends on N, so only values
    at the same N (or extrapolated, :func:`frechet_distance_infinity`) compare.

    Parameters
    ----------
    features_a, features_b : ndarray, shape (N, d) and (M, d)
        Feature vectors (any trailing shape is flattened).
    eps : float, default :data:`FD_EPS`
        Regulariser for near-singular covariances, see
        :func:`frechet_distance_from_stats`.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        On empty inputs, differing dimensions or non-finite values.

    References
    ----------
    .. [1] Heusel M., Ramsauer H., Unterthiner T., Nessler B., Hochreiter S.,
       "GANs trained by a two time-scale update rule converge to a local Nash
       equilibrium", NeurIPS 2017.
    """
    a, b = _check_features(features_a, features_b)
    if a.shape[0] < 2 or b.shape[0] < 2:
        raise ValueError("the Fréchet distance needs at least 2 samples on each side")
    return frechet_distance_from_stats(
        a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False), eps
    )


def frechet_distance_infinity(
    features_fake: np.ndarray,
    features_real: np.ndarray,
    ns: tuple[int, ...] | None = None,
    *,
    repeats: int = 3,
    seed: int = 0,
) -> dict:
    """Fréchet distance extrapolated to an infinite sample (FD∞).

    For each N in ``ns``, ``repeats`` random subsets of N fake features are
    compared with *all* real features; FD(N) is fitted by least squares as
    ``FD∞ + slope / N`` and the intercept FD∞ is reported. FD's bias is
    (to first order) linear in 1/N, so FD∞ removes the dependence on N.

    Parameters
    ----------
    features_fake : ndarray, shape (M, d)
        Generated-image features (the side that is subsampled).
    features_real : ndarray, shape (R, d)
        Reference features (used in full).
    ns : tuple of int, optional
        Sample sizes; default five sizes evenly spaced in 1/N between
        ``M // 4`` and ``M``. Each must be in ``[2, M]``.
    repeats : int, default 3
        Random subsets per N (averaged before fitting).
    seed : int, default 0

    Returns
    -------
    dict
        ``fd_inf`` (intercept), ``slope``, ``ns`` (list), ``fd_at_n`` (mean
        FD per N), ``repeats``.

    References
    ----------
    .. [1] Chong M. J., Forsyth D., "Effectively unbiased FID and Inception
       Score and where to find them", CVPR 2020.
    """
    fake, real = _check_features(features_fake, features_real)
    m = fake.shape[0]
    if ns is None:
        lo = max(m // 4, 2)
        inv = np.linspace(1.0 / lo, 1.0 / m, 5)
        ns = tuple(sorted({int(round(1.0 / v)) for v in inv}))
    ns = tuple(int(n) for n in ns)
    if len(ns) < 2:
        raise ValueError("frechet_distance_infinity needs at least two sample sizes")
    if min(ns) < 2 or max(ns) > m:
        raise ValueError(f"sample sizes must be in [2, {m}], got {ns}")
    rng = np.random.default_rng(seed)
    mu_r, sig_r = real.mean(0), np.cov(real, rowvar=False)
    fds = []
    for n in ns:
        vals = []
        for _ in range(repeats):
            sub = fake[rng.choice(m, n, replace=False)]
            vals.append(
                frechet_distance_from_stats(sub.mean(0), np.cov(sub, rowvar=False), mu_r, sig_r)
            )
        fds.append(float(np.mean(vals)))
    slope, intercept = np.polyfit(1.0 / np.asarray(ns, dtype=float), np.asarray(fds), 1)
    return {
        "fd_inf": float(intercept),
        "slope": float(slope),
        "ns": list(ns),
        "fd_at_n": fds,
        "repeats": int(repeats),
    }


# ----------------------------------------------------------------- KID
def _mmd2_unbiased_poly(x: np.ndarray, y: np.ndarray) -> float:
    d = x.shape[1]
    kxx = (x @ x.T / d + 1.0) ** 3
    kyy = (y @ y.T / d + 1.0) ** 3
    kxy = (x @ y.T / d + 1.0) ** 3
    m, n = x.shape[0], y.shape[0]
    sxx = (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
    syy = (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
    return float(sxx + syy - 2.0 * kxy.mean())


def kid(
    features_a: np.ndarray,
    features_b: np.ndarray,
    *,
    n_subsets: int = 50,
    subset_size: int = 1000,
    seed: int = 0,
) -> dict:
    """Kernel Inception Distance: unbiased MMD² with a cubic polynomial kernel.

    ``k(x, y) = (xᵀy / d + 1)³``. For each of ``n_subsets`` random subsets
    (``subset_size`` from each side, capped at the smaller sample) the
    unbiased estimator of MMD² is computed; mean and standard deviation over
    subsets are returned. Unlike FD, its expectation does not depend on the
    sample size, and it can be slightly negative when the two distributions
    are equal.

    Parameters
    ----------
    features_a, features_b : ndarray, shape (N, d) and (M, d)
    n_subsets : int, default 50
    subset_size : int, default 1000
    seed : int, default 0

    Returns
    -------
    dict
        ``mean``, ``std``, ``n_subsets``, ``subset_size`` (the size used).

    References
    ----------
    .. [1] Bińkowski M., Sutherland D. J., Arbel M., Gretton A.,
       "Demystifying MMD GANs", ICLR 2018.
    """
    a, b = _check_features(features_a, features_b)
    size = int(min(subset_size, a.shape[0], b.shape[0]))
    if size < 2:
        raise ValueError("KID needs at least 2 samples on each side")
    if n_subsets < 1:
        raise ValueError(f"n_subsets must be >= 1, got {n_subsets}")
    rng = np.random.default_rng(seed)
    vals = [
        _mmd2_unbiased_poly(
            a[rng.choice(a.shape[0], size, replace=False)],
            b[rng.choice(b.shape[0], size, replace=False)],
        )
        for _ in range(n_subsets)
    ]
    return {
        "mean": float(np.mean(vals)),
        "std": float(np.std(vals, ddof=1)) if n_subsets > 1 else 0.0,
        "n_subsets": int(n_subsets),
        "subset_size": size,
    }


# -------------------------------------------------------- degradations
def gaussian_blur(images: np.ndarray, sigma: float) -> np.ndarray:
    """Blur each image with a spatial Gaussian of standard deviation ``sigma`` pixels.

    A reference degradation for distribution metrics: real images blurred by
    ``sigma`` show how large a distance a known, mild loss of detail causes
    in a given feature space, so a generator's distance can be read as "as
    far from the real images as real images blurred by sigma pixels".

    Parameters
    ----------
    images : ndarray, shape (N, H, W, C), uint8
        Images on the 0-255 scale.
    sigma : float
        Standard deviation of the Gaussian in pixels (> 0). Each channel is
        filtered separately along height and width only; the kernel is
        truncated at 4 sigma and the border is mirrored (``mode="reflect"``).

    Returns
    -------
    ndarray, shape (N, H, W, C), uint8
        The blurred images, rounded to the nearest integer.

    References
    ----------
    .. [1] Heusel, M. et al. (2017). GANs trained by a two time-scale update
       rule converge to a local Nash equilibrium. NeurIPS (their disturbance
       experiments: the FID grows with the strength of a Gaussian blur).
    """
    import scipy.ndimage

    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4:
        raise ValueError(
            f"gaussian_blur needs uint8 images of shape (N, H, W, C), got {images.dtype} "
            f"{images.shape}"
        )
    if (
        isinstance(sigma, bool)
        or not isinstance(sigma, (int, float, np.integer, np.floating))
        or not np.isfinite(sigma)
        or sigma <= 0
    ):
        raise ValueError(f"sigma must be a positive number of pixels, got {sigma!r}")
    blurred = scipy.ndimage.gaussian_filter(
        images.astype(np.float32), sigma=(0, float(sigma), float(sigma), 0), mode="reflect"
    )
    return np.clip(np.rint(blurred), 0, 255).astype(np.uint8)


# ------------------------------------------------------ nearest neighbours
def _sq_dists(a: np.ndarray, b: np.ndarray, b_sq: np.ndarray) -> np.ndarray:
    d = (a * a).sum(1)[:, None] - 2.0 * a @ b.T + b_sq[None, :]
    return np.maximum(d, 0.0)


_NN_MARGIN = 16
"""Extra candidates per query whose distances :func:`nearest_neighbors` recomputes exactly."""


def nearest_neighbors(
    queries: np.ndarray,
    reference: np.ndarray,
    *,
    k: int = 1,
    chunk: int = 1024,
    exclude_self: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours by Euclidean (L2) distance.

    Candidates come from chunked matrix products (``|a|² - 2 a·b + |b|²``),
    so memory stays at ``chunk × len(reference)`` floats. That expansion
    loses digits to cancellation: an exact copy can come out at about 5e-7
    instead of 0, and which one depends on the BLAS kernel the CPU selects.
    The ``k`` + 16 best candidates of each query are therefore measured again
    as ``sqrt(sum((a - b)²))``, which is 0 for a copy on every machine, and
    ranked by that distance (ties by reference index). Images are flattened;
    pass them on the scale you want distances in (e.g. 0-1 floats).

    Parameters
    ----------
    queries : ndarray, shape (N, ...)
    reference : ndarray, shape (R, ...)
    k : int, default 1
    chunk : int, default 1024
        Queries per matrix product.
    exclude_self : bool, default False
        ``queries`` *is* ``reference``: skip each point's own index.

    Returns
    -------
    distances : ndarray, shape (N, k), float64, sorted ascending
    indices : ndarray, shape (N, k), int64, indices into ``reference``
    """
    q = _as_2d(queries, "queries")
    r = _as_2d(reference, "reference")
    if q.shape[1] != r.shape[1]:
        raise ValueError(f"dimensions differ: {q.shape[1]} vs {r.shape[1]}")
    kk = k + 1 if exclude_self else k
    if k < 1 or kk > r.shape[0]:
        raise ValueError(f"k={k} is out of range for a reference set of {r.shape[0]}")
    n_cand = min(r.shape[0], kk + _NN_MARGIN)
    r_sq = (r * r).sum(1)
    dists = np.empty((q.shape[0], k))
    idx = np.empty((q.shape[0], k), dtype=np.int64)
    for start in range(0, q.shape[0], chunk):
        qc = q[start : start + chunk]
        d = _sq_dists(qc, r, r_sq)
        rows = np.arange(d.shape[0])
        if exclude_self:
            d[rows, rows + start] = np.inf
        cand = np.argpartition(d, n_cand - 1, axis=1)[:, :n_cand]
        exact = np.empty(cand.shape)
        for j in range(n_cand):  # one candidate column at a time: chunk x dim floats
            exact[:, j] = np.sqrt(((qc - r[cand[:, j]]) ** 2).sum(1))
        if exclude_self:
            exact[cand == (rows + start)[:, None]] = np.inf
        order = np.lexsort((cand, exact), axis=1)[:, :k]
        idx[start : start + chunk] = np.take_along_axis(cand, order, 1)
        dists[start : start + chunk] = np.take_along_axis(exact, order, 1)
    return dists, idx


# ----------------------------------------------------- precision / recall
def _radii(x: np.ndarray, k: int) -> np.ndarray:
    d, _ = nearest_neighbors(x, x, k=k, exclude_self=True)
    return d[:, -1]


def _coverage(queries: np.ndarray, ref: np.ndarray, radii: np.ndarray, chunk: int = 1024) -> float:
    r_sq = (ref * ref).sum(1)
    inside = np.zeros(queries.shape[0], dtype=bool)
    for start in range(0, queries.shape[0], chunk):
        d = np.sqrt(_sq_dists(queries[start : start + chunk], ref, r_sq))
        inside[start : start + chunk] = (d <= radii[None, :]).any(1)
    return float(inside.mean())


def precision_recall(features_real: np.ndarray, features_fake: np.ndarray, *, k: int = 3) -> dict:
    """Improved precision and recall of the sample manifolds.

    Each sample's manifold is the union of balls around its points, with radius
    the distance to the point's k-th nearest neighbour in the same sample.
    *Precision* is the share of fake points inside the real manifold (fidelity);
    *recall* is the share of real points inside the fake manifold (coverage).

    Parameters
    ----------
    features_real : ndarray, shape (N, d)
    features_fake : ndarray, shape (M, d)
    k : int, default 3

    Returns
    -------
    dict
        ``precision``, ``recall``, ``k``, ``n_real``, ``n_fake``.

    References
    ----------
    .. [1] Kynkäänniemi T., Karras T., Laine S., Lehtinen J., Aila T.,
       "Improved precision and recall metric for assessing generative
       models", NeurIPS 2019.
    """
    real, fake = _check_features(features_real, features_fake)
    if min(real.shape[0], fake.shape[0]) <= k:
        raise ValueError(f"precision_recall needs more than k={k} samples on each side")
    precision = _coverage(fake, real, _radii(real, k))
    recall = _coverage(real, fake, _radii(fake, k))
    return {
        "precision": precision,
        "recall": recall,
        "k": int(k),
        "n_real": int(real.shape[0]),
        "n_fake": int(fake.shape[0]),
    }


def density_coverage(features_real: np.ndarray, features_fake: np.ndarray, *, k: int = 5) -> dict:
    """Density and coverage: fidelity and diversity measured from the real side.

    Both use only the balls around *real* points (radius: the distance to the
    point's k-th nearest real neighbour), so a few outlying generated images
    cannot inflate them as they inflate recall's fake-side balls.
    *Coverage* is the share of real points whose ball holds at least one
    generated point: a collapsed generator covers few real neighbourhoods
    however spread its outliers are. *Density* counts how many real balls hold
    each generated point, divided by ``k``: about 1 when the two samples come
    from the same distribution, above 1 when generated points crowd the dense
    regions of the real data.

    Parameters
    ----------
    features_real : ndarray, shape (N, d)
    features_fake : ndarray, shape (M, d)
    k : int, default 5
        Neighbourhood size (the paper's recommendation).

    Returns
    -------
    dict
        ``density``, ``coverage``, ``k``, ``n_real``, ``n_fake``.

    References
    ----------
    .. [1] Naeem M. F., Oh S. J., Uh Y., Choi Y., Yoo J., "Reliable fidelity and
       diversity metrics for generative models", ICML 2020.
    """
    real, fake = _check_features(features_real, features_fake)
    if real.shape[0] <= k or fake.shape[0] < 1:
        raise ValueError(f"density_coverage needs more than k={k} real samples and one fake")
    radii = _radii(real, k)
    r_sq = (real * real).sum(1)
    inside_count = np.zeros(fake.shape[0], dtype=np.int64)
    covered = np.zeros(real.shape[0], dtype=bool)
    for start in range(0, fake.shape[0], 1024):
        d = np.sqrt(_sq_dists(fake[start : start + 1024], real, r_sq))
        inside = d <= radii[None, :]
        inside_count[start : start + 1024] = inside.sum(1)
        covered |= inside.any(0)
    return {
        "density": float(inside_count.sum() / (k * fake.shape[0])),
        "coverage": float(covered.mean()),
        "k": int(k),
        "n_real": int(real.shape[0]),
        "n_fake": int(fake.shape[0]),
    }


# --------------------------------------------------------- class agreement
def class_agreement(
    fake_labels: np.ndarray,
    fake_predicted: np.ndarray,
    real_labels: np.ndarray,
    real_predicted: np.ndarray,
    class_names: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Share of generated class-c images that the classifier assigns to c.

    For a conditional generator, ``agreement`` for class c is the share of
    images generated with label c that the real-data classifier predicts as c.
    It is shown beside the classifier's recall on *real* class-c images: an
    agreement near that recall means the class is as recognisable as in real
    data; far above it can mean exaggerated, stereotyped class features.

    Parameters
    ----------
    fake_labels, fake_predicted : ndarray, shape (M,)
        Conditioning labels and classifier predictions of generated images.
    real_labels, real_predicted : ndarray, shape (N,)
        True labels and predictions of real (held-out) images.
    class_names : tuple of str, optional
        Names in label order; default ``"0"``, ``"1"``, ...

    Returns
    -------
    pandas.DataFrame
        One row per class: ``label``, ``class``, ``n_fake``, ``agreement``,
        ``n_real``, ``real_recall`` (NaN where a class has no images).
    """
    fl, fp = np.asarray(fake_labels).ravel(), np.asarray(fake_predicted).ravel()
    rl, rp = np.asarray(real_labels).ravel(), np.asarray(real_predicted).ravel()
    if fl.shape != fp.shape or rl.shape != rp.shape:
        raise ValueError("labels and predictions must have the same length")
    n_classes = int(
        max(fl.max(initial=-1), fp.max(initial=-1), rl.max(initial=-1), rp.max(initial=-1)) + 1
    )
    if class_names is not None:
        n_classes = max(n_classes, len(class_names))
    rows = []
    for c in range(n_classes):
        nf, nr = int((fl == c).sum()), int((rl == c).sum())
        rows.append(
            {
                "label": c,
                "class": class_names[c] if class_names is not None else str(c),
                "n_fake": nf,
                "agreement": float((fp[fl == c] == c).mean()) if nf else float("nan"),
                "n_real": nr,
                "real_recall": float((rp[rl == c] == c).mean()) if nr else float("nan"),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------- the report's metrics
def ssim(image_a: np.ndarray, image_b: np.ndarray, *, win_size: int = 7) -> float:
    """Structural similarity of two uint8 RGB images.

    Computed by :func:`skimage.metrics.structural_similarity` with
    ``channel_axis=-1`` (mean over the three channels), ``data_range=255`` and
    a ``win_size``×``win_size`` uniform window (7 by default: the window must
    fit in the image, and 28 px images cannot take larger odd windows
    comfortably).

    Parameters
    ----------
    image_a, image_b : ndarray, shape (H, W, 3), uint8
    win_size : int, default 7
        Odd, at most min(H, W).

    Returns
    -------
    float
        1.0 for identical images; lower means less similar.

    References
    ----------
    .. [1] Wang Z., Bovik A. C., Sheikh H. R., Simoncelli E. P., "Image
       quality assessment: from error visibility to structural similarity",
       IEEE Trans. Image Process. 13(4), 2004.
    """
    from skimage.metrics import structural_similarity

    a, b = np.asarray(image_a), np.asarray(image_b)
    if a.shape != b.shape or a.ndim != 3 or a.shape[-1] != 3:
        raise ValueError(f"ssim needs two (H, W, 3) images of one shape, got {a.shape}, {b.shape}")
    if a.dtype != np.uint8 or b.dtype != np.uint8:
        raise ValueError("ssim needs uint8 images (0-255)")
    if win_size % 2 == 0 or win_size > min(a.shape[:2]):
        raise ValueError(f"win_size must be odd and <= {min(a.shape[:2])}, got {win_size}")
    return float(structural_similarity(a, b, channel_axis=-1, data_range=255, win_size=win_size))


def pixel_accuracy(
    image_a: np.ndarray, image_b: np.ndarray, *, tolerance: float = PIXEL_TOLERANCE
) -> float:
    """Share of pixels whose colour matches within a tolerance.

    A pixel counts as matching when all three channels differ by at most
    ``tolerance`` on a 0-1 intensity scale (uint8 values divided by 255). The
    original student report used "pixel-wise accuracy" without a definition;
    this is the definition the study uses.

    Parameters
    ----------
    image_a, image_b : ndarray, shape (..., H, W, 3), uint8
    tolerance : float, default 0.1

    Returns
    -------
    float
        In [0, 1]; 1.0 for identical images.
    """
    a, b = np.asarray(image_a), np.asarray(image_b)
    if a.shape != b.shape or a.shape[-1] != 3:
        raise ValueError(
            f"pixel_accuracy needs images of one (..., 3) shape, got {a.shape}, {b.shape}"
        )
    if a.dtype != np.uint8 or b.dtype != np.uint8:
        raise ValueError("pixel_accuracy needs uint8 images (0-255)")
    diff = np.abs(a.astype(np.float64) - b.astype(np.float64)) / 255.0
    return float((diff.max(-1) <= tolerance + 1e-12).mean())


def nearest_real_similarity(
    fake_images: np.ndarray,
    train_images: np.ndarray,
    *,
    win_size: int = 7,
    tolerance: float = PIXEL_TOLERANCE,
    nearest_index: np.ndarray | None = None,
) -> dict:
    """SSIM and pixel accuracy of each generated image to its nearest real image.

    The nearest training image is found by L2 distance in pixel space (0-1
    scale, all channels); SSIM (:func:`ssim`) and pixel accuracy
    (:func:`pixel_accuracy`) are then computed for that pair. High values mean
    close to *some* training image: realistic, or copied. Read them together
    with :func:`memorization_distances`.

    Parameters
    ----------
    fake_images : ndarray, shape (M, H, W, 3), uint8
    train_images : ndarray, shape (N, H, W, 3), uint8
    win_size : int, default 7
    tolerance : float, default 0.1
    nearest_index : ndarray, shape (M,), optional
        Precomputed index of each generated image's nearest training image
        (e.g. ``fake_nearest`` of :func:`memorization_distances` in pixel
        space), to skip the search.

    Returns
    -------
    dict
        ``ssim_mean``, ``ssim_std``, ``pixel_accuracy_mean``,
        ``pixel_accuracy_std``, ``n``, ``win_size``, ``tolerance``,
        ``nearest_by`` (a description), and the per-image arrays ``ssim``,
        ``pixel_accuracy``, ``nearest_index``.
    """
    fake = _check_images(fake_images, "fake_images")
    train = _check_images(train_images, "train_images")
    if nearest_index is None:
        _, idx = nearest_neighbors(fake / 255.0, train / 255.0, k=1)
        idx = idx[:, 0]
    else:
        idx = np.asarray(nearest_index, dtype=np.int64).ravel()
        if idx.shape[0] != fake.shape[0]:
            raise ValueError("nearest_index must have one entry per generated image")
    s = np.array([ssim(f, train[i], win_size=win_size) for f, i in zip(fake, idx, strict=True)])
    p = np.array(
        [pixel_accuracy(f, train[i], tolerance=tolerance) for f, i in zip(fake, idx, strict=True)]
    )
    return {
        "ssim_mean": float(s.mean()),
        "ssim_std": float(s.std()),
        "pixel_accuracy_mean": float(p.mean()),
        "pixel_accuracy_std": float(p.std()),
        "n": int(fake.shape[0]),
        "win_size": int(win_size),
        "tolerance": float(tolerance),
        "nearest_by": "L2 in pixel space (0-1 scale) over the training split",
        "ssim": s,
        "pixel_accuracy": p,
        "nearest_index": idx,
    }


def ssim_diversity(
    images: np.ndarray, *, n_pairs: int = 500, seed: int = 0, win_size: int = 7
) -> dict:
    """Mean SSIM over random pairs of distinct images of one set.

    Compare the value for generated images with the same for real images:
    mode collapse shows as higher similarity (less diversity) than real data.

    Parameters
    ----------
    images : ndarray, shape (N, H, W, 3), uint8
    n_pairs : int, default 500
    seed : int, default 0
    win_size : int, default 7

    Returns
    -------
    dict
        ``mean``, ``std``, ``n_pairs``.
    """
    images = _check_images(images, "images")
    n = images.shape[0]
    if n < 2:
        raise ValueError("ssim_diversity needs at least 2 images")
    rng = np.random.default_rng(seed)
    i = rng.integers(0, n, n_pairs)
    j = (i + rng.integers(1, n, n_pairs)) % n  # j != i
    vals = np.array(
        [ssim(images[a], images[b], win_size=win_size) for a, b in zip(i, j, strict=True)]
    )
    return {"mean": float(vals.mean()), "std": float(vals.std()), "n_pairs": int(n_pairs)}


# -------------------------------------------------------- memorisation
def memorization_distances(
    fake: np.ndarray, train: np.ndarray, heldout: np.ndarray, *, chunk: int = 1024
) -> dict:
    """Nearest-training-neighbour distances of generated vs held-out real data.

    For each generated sample, its L2 distance to the nearest training sample;
    the same for each held-out real sample (never seen in training). If the
    generator copies training images, its distances are much smaller than the
    held-out ones, so ``median_ratio`` (median fake distance / median held-out
    distance) falls well below 1; a generator that generalises like fresh
    real data gives a ratio near 1.

    This is a *proxy*: a ratio near 1 does not prove that no training image
    was memorised, nor is it a membership-inference guarantee.

    Parameters
    ----------
    fake, train, heldout : ndarray, shape (N, ...)
        Samples in one space (pixels on a 0-1 scale, or features).
    chunk : int, default 1024

    Returns
    -------
    dict
        ``fake_distances``, ``fake_nearest`` (training indices),
        ``heldout_distances`` (arrays), ``median_fake``, ``median_heldout``,
        ``median_ratio``, ``n_fake``, ``n_heldout``, ``n_train``.
    """
    d_fake, i_fake = nearest_neighbors(fake, train, k=1, chunk=chunk)
    d_held, _ = nearest_neighbors(heldout, train, k=1, chunk=chunk)
    med_f, med_h = float(np.median(d_fake)), float(np.median(d_held))
    return {
        "fake_distances": d_fake[:, 0],
        "fake_nearest": i_fake[:, 0],
        "heldout_distances": d_held[:, 0],
        "median_fake": med_f,
        "median_heldout": med_h,
        "median_ratio": med_f / med_h if med_h > 0 else float("nan"),
        "n_fake": int(d_fake.shape[0]),
        "n_heldout": int(d_held.shape[0]),
        "n_train": int(np.asarray(train).shape[0]),
    }


def kmeans(
    x: np.ndarray, k: int, *, seed: int = 0, iterations: int = 50
) -> tuple[np.ndarray, np.ndarray]:
    """Lloyd's k-means with k-means++ initialisation (deterministic given ``seed``).

    Returns
    -------
    centroids : ndarray, shape (k, d)
    labels : ndarray, shape (N,)
    """
    from scipy.cluster.vq import kmeans2

    x = _as_2d(x, "x")
    if not 1 <= k <= x.shape[0]:
        raise ValueError(f"k must be in [1, {x.shape[0]}], got {k}")
    centroids, labels = kmeans2(x, k, iter=iterations, minit="++", seed=np.random.default_rng(seed))
    return centroids, labels.astype(np.int64)


def _assign(x: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    _, idx = nearest_neighbors(x, centroids, k=1)
    return idx[:, 0]


def mann_whitney_z(d_fake: np.ndarray, d_held: np.ndarray) -> float:
    """Standardised Mann-Whitney U of two distance samples: ``Z_U`` of Meehan et al. (2020).

    U counts the pairs where the generated distance exceeds the held-out one;
    ``Z_U = (U - mn/2) / sqrt(mn(m + n + 1)/12)``. Strongly negative: the
    generated samples lie closer to the training set than held-out ones.
    """
    m, n = d_fake.size, d_held.size
    u = scipy.stats.mannwhitneyu(d_fake, d_held, alternative="two-sided").statistic
    return float((u - m * n / 2.0) / np.sqrt(m * n * (m + n + 1) / 12.0))


def data_copying_ct(
    train: np.ndarray,
    heldout: np.ndarray,
    fake: np.ndarray,
    *,
    n_cells: int = 5,
    min_fake_per_cell: int = 20,
    seed: int = 0,
) -> dict:
    """Three-sample data-copying test statistic C_T of Meehan et al. (2020).

    The space is partitioned into ``n_cells`` cells by k-means on the training
    samples; every sample goes to the cell of its nearest centroid. In each
    cell π the distances of held-out real samples (P_n) and of generated
    samples (Q_m) to their nearest *training* sample in π are compared with
    the Mann-Whitney U statistic (U counts pairs where the generated distance
    exceeds the held-out one) and standardised:
    ``Z_U(π) = (U - mn/2) / sqrt(mn(m + n + 1)/12)``.
    ``C_T = Σ_π P_n(π) Z_U(π) / Σ_π P_n(π)`` over the cells that hold at least
    ``min_fake_per_cell`` generated samples (and at least one held-out one),
    where P_n(π) is the share of held-out samples in π.

    ``C_T ≪ 0`` means the generated samples are closer to the training set
    than fresh real data are (data copying); ``C_T ≫ 0`` means they are
    further (underfitting); ≈ 0 is what an ideal generator gives. Like every
    test here it is a proxy, not a membership-inference or privacy guarantee.

    Parameters
    ----------
    train : ndarray, shape (T, d)
        Training samples (features or flattened pixels).
    heldout : ndarray, shape (n, d)
        Real samples not used for training.
    fake : ndarray, shape (m, d)
        Generated samples.
    n_cells : int, default 5
        Number of k-means cells (1 gives the single-cell Z_U test).
    min_fake_per_cell : int, default 20
        Cells with fewer generated samples are left out (τ = 20/m in the paper).
    seed : int, default 0
        Seed of the k-means initialisation.

    Returns
    -------
    dict
        ``ct``, ``n_cells``, ``cells_used``, ``cell_z`` (list, NaN for unused
        cells), ``cell_heldout_share``, ``cell_fake_counts``, ``n_train``,
        ``n_heldout``, ``n_fake``.

    References
    ----------
    .. [1] Meehan C., Chaudhuri K., Dasgupta S., "A non-parametric test to
       detect data-copying in generative models", AISTATS 2020.
    """
    t = _as_2d(train, "train")
    p = _as_2d(heldout, "heldout")
    q = _as_2d(fake, "fake")
    if not (t.shape[1] == p.shape[1] == q.shape[1]):
        raise ValueError("train, heldout and fake must have one dimension")
    centroids, t_cells = kmeans(t, n_cells, seed=seed) if n_cells > 1 else (None, None)
    if n_cells == 1:
        t_cells = np.zeros(t.shape[0], dtype=np.int64)
        p_cells = np.zeros(p.shape[0], dtype=np.int64)
        q_cells = np.zeros(q.shape[0], dtype=np.int64)
    else:
        p_cells, q_cells = _assign(p, centroids), _assign(q, centroids)
    zs, shares, counts = [], [], []
    for c in range(n_cells):
        tc, pc, qc = t[t_cells == c], p[p_cells == c], q[q_cells == c]
        shares.append(pc.shape[0] / p.shape[0])
        counts.append(int(qc.shape[0]))
        if qc.shape[0] >= min_fake_per_cell and pc.shape[0] > 0 and tc.shape[0] > 0:
            d_q, _ = nearest_neighbors(qc, tc, k=1)
            d_p, _ = nearest_neighbors(pc, tc, k=1)
            zs.append(mann_whitney_z(d_q[:, 0], d_p[:, 0]))
        else:
            zs.append(float("nan"))
    zs_a, sh_a = np.asarray(zs), np.asarray(shares)
    used = ~np.isnan(zs_a)
    if not used.any():
        raise ValueError(
            f"no cell holds >= {min_fake_per_cell} generated and >= 1 held-out samples; "
            "use fewer cells or more generated samples"
        )
    ct = float((sh_a[used] * zs_a[used]).sum() / sh_a[used].sum())
    return {
        "ct": ct,
        "n_cells": int(n_cells),
        "cells_used": int(used.sum()),
        "cell_z": [float(z) for z in zs_a],
        "cell_heldout_share": [float(s) for s in sh_a],
        "cell_fake_counts": counts,
        "n_train": int(t.shape[0]),
        "n_heldout": int(p.shape[0]),
        "n_fake": int(q.shape[0]),
    }


def closest_pairs(
    fake_images: np.ndarray,
    train_images: np.ndarray,
    *,
    n: int = 8,
    nearest: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """The generated images closest to a training image, for a gallery.

    Distances are L2 in pixel space on a 0-1 scale. Showing the closest pairs
    side by side is the honest visual check for copying; a gallery without
    near-duplicates is evidence, not proof, that nothing was memorised.

    Parameters
    ----------
    fake_images : ndarray, shape (M, H, W, 3), uint8
    train_images : ndarray, shape (N, H, W, 3), uint8
    n : int, default 8
    nearest : (distances, indices), optional
        Precomputed pixel-space (0-1 scale) nearest-training distance and index
        of each generated image (``fake_distances`` and ``fake_nearest`` of
        :func:`memorization_distances`), to skip the search.

    Returns
    -------
    pandas.DataFrame
        ``n`` rows sorted by ``distance``: ``fake_index``, ``train_index``,
        ``distance``.
    """
    fake = _check_images(fake_images, "fake_images")
    train = _check_images(train_images, "train_images")
    if nearest is None:
        d, idx = nearest_neighbors(fake / 255.0, train / 255.0, k=1)
    else:
        d, idx = (np.asarray(a).reshape(fake.shape[0], -1)[:, :1] for a in nearest)
    order = np.argsort(d[:, 0], kind="stable")[:n]
    return pd.DataFrame(
        {"fake_index": order, "train_index": idx[order, 0], "distance": d[order, 0]}
    ).reset_index(drop=True)


# ------------------------------------------------------------------ colour
_CHANNELS = ("R", "G", "B")


def _groups(images: np.ndarray, labels, class_names):
    yield "all", images
    if labels is not None:
        labels = np.asarray(labels).ravel()
        if labels.shape[0] != images.shape[0]:
            raise ValueError("labels must have one entry per image")
        for c in np.unique(labels):
            name = class_names[int(c)] if class_names is not None else str(int(c))
            yield name, images[labels == c]


def rgb_stats(
    images: np.ndarray, labels: np.ndarray | None = None, class_names: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Per-channel RGB statistics, overall and per class.

    Parameters
    ----------
    images : ndarray, shape (N, H, W, 3), uint8
    labels : ndarray, shape (N,), optional
        With labels, one group per class follows the ``"all"`` group.
    class_names : tuple of str, optional
        Names in label order for the ``group`` column.

    Returns
    -------
    pandas.DataFrame
        Long format, one row per (group, channel): ``group``, ``channel``
        (R, G, B), ``n_images``, ``mean``, ``std`` (over all pixels of the
        group) and ``image_mean_std`` (spread of per-image channel means),
        all on a 0-1 scale.
    """
    images = _check_images(images, "images")
    rows = []
    for group, imgs in _groups(images, labels, class_names):
        x = imgs.astype(np.float64) / 255.0
        per_image = x.mean(axis=(1, 2))
        for ch, name in enumerate(_CHANNELS):
            rows.append(
                {
                    "group": group,
                    "channel": name,
                    "n_images": int(imgs.shape[0]),
                    "mean": float(x[..., ch].mean()),
                    "std": float(x[..., ch].std()),
                    "image_mean_std": float(per_image[:, ch].std()),
                }
            )
    return pd.DataFrame(rows)


def rgb_histograms(
    images: np.ndarray,
    labels: np.ndarray | None = None,
    class_names: tuple[str, ...] | None = None,
    *,
    bins: int = 32,
) -> pd.DataFrame:
    """Per-channel intensity histograms (densities), overall and per class.

    Returns
    -------
    pandas.DataFrame
        Long format: ``group``, ``channel``, ``bin_left``, ``bin_right``
        (0-1 scale) and ``density`` (sums to 1 over a group's channel).
    """
    images = _check_images(images, "images")
    edges = np.linspace(0.0, 1.0, bins + 1)
    frames = []
    for group, imgs in _groups(images, labels, class_names):
        for ch, name in enumerate(_CHANNELS):
            counts, _ = np.histogram(imgs[..., ch] / 255.0, bins=edges)
            frames.append(
                pd.DataFrame(
                    {
                        "group": group,
                        "channel": name,
                        "bin_left": edges[:-1],
                        "bin_right": edges[1:],
                        "density": counts / counts.sum(),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------- Inception
def inception_weights_status(weights_path: str | os.PathLike | None = None) -> dict:
    """Whether ImageNet InceptionV3 weights are on this machine (never downloads).

    Looks at ``weights_path`` when given, otherwise in the Keras cache
    (``$KERAS_HOME/models`` or ``~/.keras/models``) for
    :data:`INCEPTION_WEIGHTS_FILE`.

    Returns
    -------
    dict
        ``available`` (bool), ``path`` (str or None) and ``reason`` (why not,
        or None).
    """
    if weights_path is not None:
        path = Path(weights_path).expanduser()
    else:
        keras_home = os.environ.get("KERAS_HOME", "")
        base = Path(keras_home) if keras_home else Path.home() / ".keras"
        path = base / "models" / INCEPTION_WEIGHTS_FILE
    if path.is_file() and path.stat().st_size > 0:
        return {"available": True, "path": str(path), "reason": None}
    return {
        "available": False,
        "path": None,
        "reason": (
            f"ImageNet InceptionV3 weights not found at {path}; they are never downloaded "
            "by the study. Place the file there (or pass its path) to get Inception FID/KID."
        ),
    }


def inception_features(
    images: np.ndarray, weights_path: str | os.PathLike, *, batch_size: int = 64
) -> np.ndarray:
    """2048-d InceptionV3 pool features of uint8 images, from local weights only.

    Images are resized bilinearly to 299×299 and scaled to [-1, 1]
    (InceptionV3's preprocessing). Note that 28 px images upsampled to 299 px
    are far from the ImageNet images the network was trained on.

    Parameters
    ----------
    images : ndarray, shape (N, H, W, 3), uint8
    weights_path : path
        An existing weights file (see :func:`inception_weights_status`).
    batch_size : int, default 64

    Returns
    -------
    ndarray, shape (N, 2048), float64
    """
    images = _check_images(images, "images")
    status = inception_weights_status(weights_path)
    if not status["available"]:
        raise FileNotFoundError(status["reason"])
    import keras
    import tensorflow as tf

    model = keras.applications.InceptionV3(
        include_top=False,
        weights=status["path"],
        pooling="avg",
        input_shape=(INCEPTION_SIZE, INCEPTION_SIZE, 3),
    )
    out = []
    for start in range(0, images.shape[0], batch_size):
        x = tf.image.resize(
            images[start : start + batch_size].astype("float32"), (INCEPTION_SIZE, INCEPTION_SIZE)
        )
        x = x / 127.5 - 1.0
        out.append(np.asarray(model(x, training=False), dtype=np.float64))
    return np.concatenate(out)
