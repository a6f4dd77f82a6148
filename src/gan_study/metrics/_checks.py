"""Argument checks shared by the metrics: feature matrices and image batches."""

from __future__ import annotations

import numpy as np


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
