"""Distances between distributions in a feature space, and fidelity and coverage.

Fréchet distance (:func:`frechet_distance`, and its N-free extrapolation
:func:`frechet_distance_infinity`), kernel inception distance (:func:`kid`),
nearest neighbours (:func:`nearest_neighbors`), precision and recall
(:func:`precision_recall`), density and coverage (:func:`density_coverage`)
and a conditional model's class agreement (:func:`class_agreement`). Each is
a sample statistic: its held-out protocol and real-versus-real floor are
:mod:`gan_study.heldout`'s.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gan_study.metrics._checks import _as_2d, _check_features

#: Added to the covariance diagonals when their product is near-singular
#: (the same remedy as the reference TTUR implementation of FID).
FD_EPS = 1e-6


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
