"""Metrics over the images themselves: the original report's SSIM and pixel accuracy, blur, colour.

:func:`ssim`, :func:`pixel_accuracy`, :func:`nearest_real_similarity` and
:func:`ssim_diversity` are the 2023 report's image metrics; :func:`gaussian_blur`
makes the blur rungs of the corruption ladder; :func:`rgb_stats` and
:func:`rgb_histograms` compare colour, overall and per class.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.ndimage
from skimage.metrics import structural_similarity

from gan_study.metrics._checks import _check_images
from gan_study.metrics.distances import nearest_neighbors

#: Tolerance of :func:`pixel_accuracy` on a 0-1 intensity scale.
PIXEL_TOLERANCE = 0.1


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
    with :func:`gan_study.metrics.copying.memorization_distances`.

    Parameters
    ----------
    fake_images : ndarray, shape (M, H, W, 3), uint8
    train_images : ndarray, shape (N, H, W, 3), uint8
    win_size : int, default 7
    tolerance : float, default 0.1
    nearest_index : ndarray, shape (M,), optional
        Precomputed index of each generated image's nearest training image
        (e.g. ``fake_nearest`` of :func:`gan_study.metrics.copying.memorization_distances` in pixel
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
