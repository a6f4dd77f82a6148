"""Train / validation / test assignments of HAM10000 images.

HAM10000 has 10,015 images of 7,470 lesions (up to six images per lesion), so
a split that puts images of one lesion on two sides leaks: a model is then
tested on near-copies of its training images. Two splits are offered:

``lesion`` (this study's default)
    Lesion-disjoint and stratified by diagnosis, about 70/10/20 per class.
    Lesions shown to be the same by Abhishek et al. (2025) although they carry
    different ``lesion_id``s are joined first (union-find), so they stay
    together too. The assignment depends only on the set of rows and the
    seed, never on the row order of the metadata file.
``dermamnist``
    The official DermaMNIST (MedMNIST v2) assignment, for comparison with the
    MedMNIST benchmark. It is *not* lesion-disjoint.

References
----------
Abhishek K., Jain A., Hamarneh G. Investigating the Quality of DermaMNIST and
Fitzpatrick17k Dermatological Image Datasets. Sci. Data 12, 196 (2025).
arXiv:2401.14497

Yang J. et al. MedMNIST v2 - A large-scale lightweight benchmark for 2D and 3D
biomedical image classification. Sci. Data 10, 41 (2023).
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from gan_study.data.types import SPLIT_NAMES, DataError

SPLITS: tuple[str, ...] = ("lesion", "dermamnist")
FRACTIONS: tuple[float, float, float] = (0.7, 0.1, 0.2)
"""Target share of each class's images in train, val and test (``lesion`` split)."""

DERMAMNIST_SPLIT_FILE = "splits/dermamnist_split_info.csv"


def duplicate_pairs() -> pd.DataFrame:
    """The 18 image pairs confirmed to show the same lesion (shipped with the package).

    Returns
    -------
    pandas.DataFrame
        Columns ``similarity, from_img, to_img``; image ids without ``.jpg``.

    References
    ----------
    Abhishek, Jain, Hamarneh (2025), file ``newly_discovered_duplicates.csv`` of
    github.com/kakumarabhishek/Corrected-Skin-Image-Datasets.
    """
    source = resources.files("gan_study") / "resources/duplicates/newly_discovered_duplicates.csv"
    with source.open("r") as handle:
        table = pd.read_csv(handle)
    for column in ("from_img", "to_img"):
        table[column] = table[column].str.replace(r"\.jpg$", "", regex=True)
    return table


def lesion_groups(meta: pd.DataFrame, pairs: pd.DataFrame | None = None) -> pd.Series:
    """Group id of every row: lesions joined when a duplicate pair links them.

    Parameters
    ----------
    meta : pandas.DataFrame
        Columns ``image_id`` and ``lesion_id``.
    pairs : pandas.DataFrame, optional
        Columns ``from_img`` and ``to_img`` (image ids); default
        :func:`duplicate_pairs`. Pairs naming images not in ``meta`` are ignored.

    Returns
    -------
    pandas.Series
        Aligned with ``meta``: the smallest ``lesion_id`` of each connected
        group (so the group id does not depend on row order).
    """
    pairs = duplicate_pairs() if pairs is None else pairs
    lesion_of = dict(zip(meta["image_id"], meta["lesion_id"], strict=True))
    parent = {lesion: lesion for lesion in meta["lesion_id"].unique()}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(pairs["from_img"], pairs["to_img"], strict=True):
        if a in lesion_of and b in lesion_of:
            ra, rb = find(lesion_of[a]), find(lesion_of[b])
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return meta["lesion_id"].map(find).rename("group")


def _rank(seed: int, key: str) -> int:
    """A pseudo-random but reproducible order key for ``key`` under ``seed``."""
    return int.from_bytes(hashlib.sha256(f"{seed}\0{key}".encode()).digest()[:8], "big")


def lesion_split(
    meta: pd.DataFrame,
    seed: int = 0,
    fractions: tuple[float, float, float] = FRACTIONS,
    pairs: pd.DataFrame | None = None,
) -> pd.Series:
    """Assign every image to train / val / test, lesion-disjoint and stratified.

    Images are grouped by lesion (and duplicate pairs, see
    :func:`lesion_groups`); each group takes the most common diagnosis of its
    images. Per diagnosis the image targets are ``round(f_val * n)`` for val,
    ``round(f_test * n)`` for test and the rest for train. Groups are placed
    largest first (ties in a seeded hash order of the group id), each on the
    side proportionally furthest below its target among the sides that still
    have room for the whole group (else the side with the largest gap). Small
    lesions (most have one image) come last and fill the targets exactly, so
    every side is within one image of ``fraction * n`` whenever a class has
    enough single-image lesions left at the end (all HAM10000 classes do).

    Parameters
    ----------
    meta : pandas.DataFrame
        Columns ``image_id``, ``lesion_id``, ``dx``.
    seed : int
        Changes which lesions go where, not the proportions.
    fractions : tuple of float
        Train, val, test shares; must sum to 1.
    pairs : pandas.DataFrame, optional
        Duplicate pairs (default: the shipped table).

    Returns
    -------
    pandas.Series
        Aligned with ``meta``: ``"train"``, ``"val"`` or ``"test"``.
    """
    if len(fractions) != 3 or min(fractions) < 0 or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(
            f"fractions must be three non-negative shares summing to 1, got {fractions}"
        )
    groups = lesion_groups(meta, pairs)
    frame = pd.DataFrame({"group": groups.to_numpy(), "dx": meta["dx"].to_numpy()})
    # A group's class: its most common dx (ties: alphabetically first).
    counts = frame.groupby(["group", "dx"]).size().reset_index(name="n")
    counts = counts.sort_values(["group", "n", "dx"], ascending=[True, False, True])
    group_dx = counts.drop_duplicates("group").set_index("group")["dx"]
    group_size = frame.groupby("group").size().to_dict()

    side_of_group: dict[str, int] = {}
    for dx in sorted(group_dx.unique()):
        members = group_dx.index[group_dx.to_numpy() == dx].tolist()
        n = sum(group_size[g] for g in members)
        val, test = round(fractions[1] * n), round(fractions[2] * n)
        target = np.array([n - val - test, val, test], dtype=float)
        filled = np.zeros(3)
        order = sorted(members, key=lambda g: (-int(group_size[g]), _rank(seed, g), g))
        for g in order:
            size = int(group_size[g])
            gap = target - filled
            room = gap >= size
            if room.any():
                share = np.where(room & (target > 0), gap / np.maximum(target, 1), -np.inf)
                side = int(np.argmax(share)) if np.isfinite(share).any() else int(np.argmax(gap))
            else:
                side = int(np.argmax(gap))
            side_of_group[g] = side
            filled[side] += size
    names = np.array(SPLIT_NAMES)
    return pd.Series(names[groups.map(side_of_group).to_numpy()], index=meta.index, name="side")


def dermamnist_split(meta: pd.DataFrame, root: Path) -> tuple[pd.Series, pd.Series]:
    """The official DermaMNIST assignment of every image.

    Parameters
    ----------
    meta : pandas.DataFrame
        Column ``image_id``.
    root : Path
        Data root holding ``splits/dermamnist_split_info.csv`` (columns
        ``split, index, image_id``).

    Returns
    -------
    side : pandas.Series
        Aligned with ``meta``: ``"train"``, ``"val"`` or ``"test"``.
    index : pandas.Series
        The image's position within its split in the official ``.npz``.

    Raises
    ------
    FileNotFoundError
        When the split file is missing.
    DataError
        When it does not assign every metadata image exactly once.
    """
    path = root / DERMAMNIST_SPLIT_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: the dermamnist split needs the official DermaMNIST split "
            "table (see data/README.md), or use split='lesion'"
        )
    table = pd.read_csv(path)
    if not {"split", "index", "image_id"} <= set(table.columns):
        raise DataError(f"{path} must have the columns split, index, image_id")
    table["image_id"] = table["image_id"].astype(str).str.replace(r"\.jpg$", "", regex=True)
    if table["image_id"].duplicated().any() or set(table["image_id"]) != set(meta["image_id"]):
        raise DataError(
            f"{path} does not assign each of the {len(meta)} metadata images exactly once "
            f"({len(table)} rows, {table['image_id'].nunique()} distinct ids)"
        )
    bad = sorted(set(table["split"]) - set(SPLIT_NAMES))
    if bad:
        raise DataError(f"{path}: unknown split name(s) {bad}")
    by_id = table.set_index("image_id")
    side = meta["image_id"].map(by_id["split"]).rename("side")
    index = meta["image_id"].map(by_id["index"]).astype("int64").rename("index")
    return side, index


def subset_index(n: int, max_items: int | None) -> np.ndarray:
    """Positions of the training subset that a ``max_train_images`` setting selects.

    The first ``max_items`` positions of one fixed permutation (seed 0) of
    ``range(n)``, sorted, so smaller subsets are nested in larger ones and every
    part of the study that trains on "the first 2,048 images" sees the same
    images. All positions when ``max_items`` is None or at least ``n``.

    Parameters
    ----------
    n : int
        Number of images in the split.
    max_items : int or None
        Size of the subset.

    Returns
    -------
    numpy.ndarray of int64
        Sorted positions into the split.

    Raises
    ------
    ValueError
        If ``max_items`` is not a positive integer.
    """
    if max_items is None or max_items >= n:
        return np.arange(n, dtype=np.int64)
    if int(max_items) != max_items or max_items < 1:
        raise ValueError(f"max_items must be a positive integer or None, got {max_items!r}")
    return np.sort(np.random.default_rng(0).permutation(n)[: int(max_items)]).astype(np.int64)


def take_subset(array: np.ndarray, max_items: int | None) -> np.ndarray:
    """The rows of ``array`` that a ``max_train_images`` setting keeps.

    Rows :func:`subset_index` selects; ``array`` itself, not a copy, when
    nothing is cut (``max_items`` None or at least ``len(array)``). Images and
    labels cut with the same ``max_items`` stay aligned.

    Parameters
    ----------
    array : numpy.ndarray
        Any array indexed by image along its first axis.
    max_items : int or None
        Size of the subset.

    Returns
    -------
    numpy.ndarray
        The kept rows, in their original order.
    """
    if max_items is None or max_items >= len(array):
        return array
    return array[subset_index(len(array), max_items)]
