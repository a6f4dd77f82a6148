"""Memorisation and privacy proxies: distances to the training images, the C_T test, closest pairs.

They can reveal copying but cannot prove its absence; they are not
membership-inference or differential-privacy guarantees.
:func:`memorization_distances` compares generated and held-out images'
distances to the training set, :func:`data_copying_ct` is the three-sample
test of Meehan et al. (2020) over :func:`kmeans` cells, and
:func:`closest_pairs` finds the pairs to look at.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.stats
from scipy.cluster.vq import kmeans2

from gan_study.metrics._checks import _as_2d, _check_images
from gan_study.metrics.distances import nearest_neighbors


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
