"""The containers every part of the study passes around, and the class vocabulary.

Labels follow DermaMNIST (MedMNIST v2): the seven HAM10000 diagnoses in
alphabetical order, so label ``k`` means the same thing whether the arrays were
made here from the HAM10000 JPEGs or read from the official ``dermamnist.npz``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

CLASS_NAMES: tuple[str, ...] = ("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc")
"""Diagnosis codes in DermaMNIST label order (label ``k`` is ``CLASS_NAMES[k]``)."""

CLASS_DESCRIPTIONS: dict[str, str] = {
    "akiec": "actinic keratosis / intraepithelial carcinoma (Bowen's disease)",
    "bcc": "basal cell carcinoma",
    "bkl": "benign keratosis-like lesion (solar lentigo, seborrhoeic keratosis, lichen planus-like keratosis)",
    "df": "dermatofibroma",
    "mel": "melanoma",
    "nv": "melanocytic nevus",
    "vasc": "vascular lesion (angioma, angiokeratoma, pyogenic granuloma, haemorrhage)",
}
"""Long names of the diagnoses, as described by Tschandl et al. (2018)."""

SUPPORTED_SIZES: tuple[int, ...] = (28, 32, 64)
"""Square image sides (pixels) the HAM10000 arrays can be built at."""

META_COLUMNS: tuple[str, ...] = (
    "image_id",
    "lesion_id",
    "dx",
    "dx_type",
    "age",
    "sex",
    "localization",
)
"""Columns of :attr:`Split.meta`, in this order."""

SPLIT_NAMES: tuple[str, ...] = ("train", "val", "test")


class DataError(ValueError):
    """The data on disk (or downloaded) is not what the study expects.

    A subclass of :class:`ValueError`, so the command line prints it as a
    one-line error without a traceback.
    """


@dataclass(frozen=True)
class Split:
    """One side of a split: images, labels and the metadata row of each image.

    Attributes
    ----------
    name : str
        ``"train"``, ``"val"`` or ``"test"``.
    images : np.ndarray
        ``(N, S, S, 3)`` uint8 RGB images.
    labels : np.ndarray
        ``(N,)`` int64 labels in DermaMNIST order (see :data:`CLASS_NAMES`).
    meta : pandas.DataFrame
        ``N`` rows aligned with ``images``, columns :data:`META_COLUMNS`.
    """

    name: str
    images: np.ndarray
    labels: np.ndarray
    meta: pd.DataFrame

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def class_counts(self) -> dict[str, int]:
        """Number of images per class, in label order (zeros included)."""
        counts = np.bincount(self.labels, minlength=len(CLASS_NAMES))
        return {name: int(c) for name, c in zip(CLASS_NAMES, counts, strict=True)}


@dataclass(frozen=True)
class LesionData:
    """Train, validation and test splits of one data source at one image size.

    Attributes
    ----------
    train, val, test : Split
        The three sides of the split.
    source : str
        ``"ham10000"`` (arrays made here from the HAM10000 JPEGs) or
        ``"dermamnist"`` (the official MedMNIST v2 ``.npz``).
    split : str
        ``"lesion"`` (lesion-disjoint, this study's) or ``"dermamnist"``
        (the official DermaMNIST assignment).
    image_size : int
        Side ``S`` of the square images.
    cache_path : Path or None
        The file the arrays were read from (processed cache or download).
    """

    train: Split
    val: Split
    test: Split
    source: str
    split: str
    image_size: int
    cache_path: Path | None

    def splits(self) -> tuple[Split, Split, Split]:
        """The three splits in the order train, val, test."""
        return (self.train, self.val, self.test)


class DownloadError(DataError):
    """A download failed, or what was downloaded is not what the study expects.

    A :class:`~gan_study.data.types.DataError` (so a :class:`ValueError`); the
    message names the file or URL and what to do.
    """
