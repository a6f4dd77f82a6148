"""A "real or synthetic?" quiz: mix real and generated images by a seed, keep the key.

The classroom chapter shows a grid of images, half of them real HAM10000 images and
half of them drawn from a trained generator, in an order fixed by a seed. The answer
key is computed here, never typed, so the page and its key cannot disagree.

A quiz like this is a teaching device. It is not a perceptual study: one reader, no
blinding protocol, no clinicians and a handful of images measure nothing about
clinical realism.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Quiz:
    """Images in quiz order and, for each position, where it came from.

    Attributes
    ----------
    images : numpy.ndarray, uint8, shape (n, S, S, 3)
        The images in the order they are shown.
    is_real : numpy.ndarray of bool, shape (n,)
        True where the image at that position is a real photograph.
    source_index : numpy.ndarray of int, shape (n,)
        Index of the image in the array it was taken from (real or synthetic).
    """

    images: np.ndarray
    is_real: np.ndarray
    source_index: np.ndarray

    def answer_key(self, columns: int = 4) -> pd.DataFrame:
        """The key as a table: position (1-based), row, column and answer."""
        n = len(self.is_real)
        pos = np.arange(n)
        return pd.DataFrame(
            {
                "position": pos + 1,
                "row": pos // columns + 1,
                "column": pos % columns + 1,
                "answer": np.where(self.is_real, "real", "synthetic"),
            }
        )


def make_quiz(real: np.ndarray, synthetic: np.ndarray, *, n: int = 16, seed: int = 0) -> Quiz:
    """Draw ``n // 2`` real and ``n - n // 2`` synthetic images and shuffle them.

    Parameters
    ----------
    real, synthetic : numpy.ndarray, uint8, shape (M, S, S, 3)
        Pools to draw from without replacement; same image shape.
    n : int, default 16
        Number of images in the quiz (at least 2).
    seed : int, default 0
        Seed of the draw and of the order.

    Returns
    -------
    Quiz

    Raises
    ------
    ValueError
        If a pool is too small, the shapes differ or ``n < 2``.
    """
    if n < 2:
        raise ValueError(f"a quiz needs at least 2 images, got n={n}")
    real = np.asarray(real)
    synthetic = np.asarray(synthetic)
    if real.shape[1:] != synthetic.shape[1:]:
        raise ValueError(
            f"real and synthetic images differ in shape: {real.shape[1:]} vs {synthetic.shape[1:]}"
        )
    n_real = n // 2
    n_fake = n - n_real
    if len(real) < n_real or len(synthetic) < n_fake:
        raise ValueError(
            f"need {n_real} real and {n_fake} synthetic images, got {len(real)} and {len(synthetic)}"
        )
    rng = np.random.default_rng(seed)
    real_idx = rng.choice(len(real), n_real, replace=False)
    fake_idx = rng.choice(len(synthetic), n_fake, replace=False)
    images = np.concatenate([real[real_idx], synthetic[fake_idx]])
    is_real = np.concatenate([np.ones(n_real, bool), np.zeros(n_fake, bool)])
    source = np.concatenate([real_idx, fake_idx])
    order = rng.permutation(n)
    return Quiz(images=images[order], is_real=is_real[order], source_index=source[order])
