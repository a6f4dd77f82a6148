"""Tiny HAM10000-shaped folders for unit tests (random colours, not skin images).

Unit tests across the study need a :class:`~gan_study.data.LesionData` without
the real data. :func:`write_tiny_ham10000` writes a folder laid out exactly
like the HAM10000 distribution (metadata CSV, ``ISIC_*.jpg`` images, optional
DermaMNIST split table) but filled with small random-colour JPEGs, so the whole
loader runs on it in well under a second. Nothing it writes is real data.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

DEFAULT_LESIONS: dict[str, list[int]] = {
    # per class, the number of images of each lesion (most lesions have one image)
    "akiec": [3, 2] + [1] * 8,
    "bcc": [2] + [1] * 10,
    "bkl": [4, 2, 2] + [1] * 14,
    "df": [1] * 10,
    "mel": [3, 2] + [1] * 15,
    "nv": [6, 3, 2, 2] + [1] * 30,
    "vasc": [2] + [1] * 9,
}


def tiny_metadata(lesions: dict[str, list[int]] | None = None, seed: int = 0) -> pd.DataFrame:
    """A HAM10000-like metadata table (no files).

    Parameters
    ----------
    lesions : dict, optional
        Per ``dx``, the image count of each lesion (default :data:`DEFAULT_LESIONS`).
    seed : int
        Seed for ages, sex and localisation; some ages are NaN and some sex
        ``"unknown"``, as in HAM10000.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`~gan_study.data.types.META_COLUMNS`, in file order.
    """
    lesions = DEFAULT_LESIONS if lesions is None else lesions
    rng = np.random.default_rng(seed)
    rows, image_number, lesion_number = [], 24306, 0
    for dx, sizes in lesions.items():
        for n_images in sizes:
            lesion_id = f"HAM_{lesion_number:07d}"
            lesion_number += 1
            age = float(rng.choice([np.nan, 35.0, 50.0, 65.0, 80.0]))
            sex = str(rng.choice(["male", "female", "unknown"]))
            for _ in range(n_images):
                rows.append(
                    {
                        "lesion_id": lesion_id,
                        "image_id": f"ISIC_{image_number:07d}",
                        "dx": dx,
                        "dx_type": "histo",
                        "age": age,
                        "sex": sex,
                        "localization": str(rng.choice(["back", "face", "trunk"])),
                    }
                )
                image_number += 1
    table = pd.DataFrame(rows)
    return table[["lesion_id", "image_id", "dx", "dx_type", "age", "sex", "localization"]]


def write_tiny_ham10000(
    root: str | os.PathLike,
    lesions: dict[str, list[int]] | None = None,
    *,
    image_shape: tuple[int, int] = (40, 30),
    layout: str = "one",
    dermamnist_split: bool = True,
    seed: int = 0,
) -> Path:
    """Write a tiny HAM10000-shaped data root of random-colour JPEGs.

    Parameters
    ----------
    root : path-like
        Folder to create (the data root: it receives ``HAM10000/`` and ``splits/``).
    lesions : dict, optional
        Per ``dx``, the image count of each lesion (default :data:`DEFAULT_LESIONS`).
    image_shape : tuple of int
        ``(width, height)`` of the JPEGs (4:3 by default, like the originals).
    layout : {"one", "parts"}
        All images in ``HAM10000/images/``, or split over
        ``HAM10000_images_part_1/`` and ``HAM10000_images_part_2/``.
    dermamnist_split : bool
        Also write ``splits/dermamnist_split_info.csv`` (a 70/10/20 by row).
    seed : int
        Seed of colours and metadata.

    Returns
    -------
    Path
        ``root``.
    """
    root = Path(root)
    folder = root / "HAM10000"
    meta = tiny_metadata(lesions, seed)
    rng = np.random.default_rng(seed)
    width, height = image_shape
    for k, image_id in enumerate(meta["image_id"]):
        sub = "images" if layout == "one" else f"HAM10000_images_part_{1 + (k % 2)}"
        (folder / sub).mkdir(parents=True, exist_ok=True)
        base = rng.integers(0, 256, size=3)
        noise = rng.integers(-30, 31, size=(height, width, 3))
        pixels = np.clip(base + noise, 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(folder / sub / f"{image_id}.jpg", quality=90)
    meta.to_csv(folder / "HAM10000_metadata.csv", index=False)
    if dermamnist_split:
        (root / "splits").mkdir(parents=True, exist_ok=True)
        n = len(meta)
        side = np.where(
            np.arange(n) % 10 < 7, "train", np.where(np.arange(n) % 10 < 8, "val", "test")
        )
        order = rng.permutation(n)
        table = pd.DataFrame({"split": side[order], "image_id": meta["image_id"].to_numpy()[order]})
        table["index"] = table.groupby("split").cumcount()
        table[["split", "index", "image_id"]].to_csv(
            root / "splits" / "dermamnist_split_info.csv", index=False
        )
    return root
