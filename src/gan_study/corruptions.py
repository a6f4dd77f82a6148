"""Graded corruptions of real images: a ladder that a fit feature space must climb.

A distance between image sets means something only if it grows with a known
loss of quality. Real images blurred, JPEG-compressed or noised by a known
amount are such a ladder (the "disturbance" experiments of Heusel et al.
2017): scored in the study's held-out protocol they must score above the
real-versus-real floor, and more strongly corrupted images further away.
Chapter 4 draws them as reference lines beside the generators' distances.

:func:`corrupt` applies one rung; :data:`LADDER` is the study's ladder.
"""

from __future__ import annotations

import io

import numpy as np

from gan_study import metrics

#: The study's ladder: (kind, level), mildest first within each kind.
#: blur: Gaussian sigma in pixels; jpeg: quality (lower is stronger);
#: noise: Gaussian standard deviation on the 0-1 intensity scale.
LADDER: tuple[tuple[str, float], ...] = (
    ("blur", 0.5),
    ("blur", 1.0),
    ("jpeg", 30),
    ("noise", 0.05),
    ("noise", 0.1),
)
KINDS = ("blur", "jpeg", "noise")


def label(kind: str, level: float) -> str:
    """A rung in words: ``"blur 1 px"``, ``"JPEG quality 30"``, ``"noise 0.05"``."""
    return {"blur": f"blur {level:g} px", "jpeg": f"JPEG quality {level:g}"}.get(
        kind, f"noise {level:g}"
    )


def corrupt(images: np.ndarray, kind: str, level: float, *, seed: int = 0) -> np.ndarray:
    """Corrupt uint8 images by one rung of the ladder.

    Parameters
    ----------
    images : ndarray, shape (N, H, W, 3), uint8
    kind : {"blur", "jpeg", "noise"}
        ``blur``: :func:`gan_study.metrics.gaussian_blur` with sigma ``level``
        pixels; ``jpeg``: encode and decode each image with Pillow at quality
        ``level`` (1-95); ``noise``: add Gaussian noise of standard deviation
        ``level`` on the 0-1 scale, then clip and round.
    level : float
    seed : int, default 0
        Seeds the noise (the other kinds are deterministic).

    Returns
    -------
    ndarray, shape (N, H, W, 3), uint8

    References
    ----------
    .. [1] Heusel, M. et al. (2017). GANs trained by a two time-scale update
       rule converge to a local Nash equilibrium. NeurIPS.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4:
        raise ValueError(
            f"corrupt needs uint8 images of shape (N, H, W, C), got {images.dtype} {images.shape}"
        )
    if kind not in KINDS:
        raise ValueError(f"unknown corruption {kind!r}; valid: {', '.join(KINDS)}")
    if isinstance(level, bool) or not isinstance(level, (int, float, np.integer, np.floating)):
        raise ValueError(f"the level of {kind} must be a number, got {level!r}")
    if kind == "blur":
        return metrics.gaussian_blur(images, float(level))
    if kind == "jpeg":
        if not 1 <= level <= 95:
            raise ValueError(f"JPEG quality must be between 1 and 95, got {level!r}")
        return np.stack([_jpeg(image, int(level)) for image in images])
    if not (np.isfinite(level) and level > 0):
        raise ValueError(f"noise level must be a positive number (0-1 scale), got {level!r}")
    noise = np.random.default_rng(seed).normal(0.0, float(level) * 255.0, images.shape)
    return np.clip(np.rint(images + noise), 0, 255).astype(np.uint8)


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return np.asarray(decoded.convert("RGB"))
