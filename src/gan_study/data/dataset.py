"""``load()``: the one call that gives a notebook its train / val / test arrays.

For ``source="ham10000"`` the JPEGs are decoded and resized once per image size
(both CPU cores, a few seconds) and cached as one ``.npz`` of all images in
``image_id`` order; the split is applied on every load (milliseconds), so
switching splits never rebuilds. For ``source="dermamnist"`` the official
MedMNIST v2 arrays are read (downloaded once).
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from gan_study import paths
from gan_study.data import cache, ham10000, medmnist, splits
from gan_study.data.types import (
    CLASS_NAMES,
    META_COLUMNS,
    SPLIT_NAMES,
    SUPPORTED_SIZES,
    LesionData,
    Split,
)

SOURCES: tuple[str, ...] = ("ham10000", "dermamnist")
RESIZE_METHOD = "PIL BOX (area average), whole frame squashed to a square"


def _check_choice(kind: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"unknown {kind} {value!r}; choose one of {list(allowed)}")
    return value


def ham10000_arrays(
    image_size: int = 28,
    data_dir: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> tuple[np.ndarray, pd.DataFrame, Path]:
    """All HAM10000 images at ``image_size``, built once and then read from the cache.

    Parameters
    ----------
    image_size : int
        One of :data:`SUPPORTED_SIZES`.
    data_dir, cache_dir : path-like, optional
        Data root and cache folder (defaults from :mod:`gan_study.paths`).

    Returns
    -------
    images : np.ndarray
        ``(N, S, S, 3)`` uint8, rows aligned with ``meta``.
    meta : pandas.DataFrame
        :func:`~gan_study.data.ham10000.load_metadata` (sorted by ``image_id``).
    path : Path
        The cache file.

    Warns
    -----
    UserWarning
        When the cache file is unreadable (cut short, bad CRC) or stale (other
        images, shape or dtype than expected); it is rebuilt and replaced.
    """
    size = ham10000.check_size(image_size)
    meta_file = ham10000.metadata_path(data_dir)
    meta = ham10000.load_metadata(data_dir)
    listing = ham10000.list_images(meta_file.parent, meta["image_id"].tolist())
    key = cache.cache_key(
        images=listing.fingerprint,
        metadata=ham10000.file_sha256(meta_file),
        image_size=size,
        resize=RESIZE_METHOD,
    )
    path = paths.cache_dir(cache_dir) / f"ham10000_{size}px_{key}.npz"
    images = _cached_images(path, meta["image_id"].to_numpy(str), size)
    if images is not None:
        return images, meta, path
    cache.ensure_writable(path.parent)  # fail before spending the decoding time
    images = ham10000.build_images(listing.files, size)
    cache.save_npz(path, {"images": images, "image_id": meta["image_id"].to_numpy(str)})
    return images, meta, path


def _cached_images(path: Path, image_ids: np.ndarray, size: int) -> np.ndarray | None:
    """The cached ``(N, S, S, 3)`` uint8 images of ``image_ids``, or None to rebuild.

    A file that cannot be read, lacks an array, has another shape or dtype
    (e.g. 5 x 5 images under a 28 px name) or lists other ids is reported
    with a warning naming it and not used.
    """
    n = len(image_ids)
    stored = cache.load_npz(
        path, expected={"images": ((n, size, size, 3), np.uint8), "image_id": ((n,), None)}
    )
    if stored is None:
        return None
    if not np.array_equal(stored["image_id"], image_ids):
        warnings.warn(
            f"cache file {path} is stale (its image_id list differs from the metadata's); "
            "rebuilding it",
            stacklevel=3,
        )
        return None
    return stored["images"]


def _split_from_rows(name: str, images: np.ndarray, meta: pd.DataFrame) -> Split:
    labels = meta["dx"].map({n: i for i, n in enumerate(CLASS_NAMES)}).to_numpy(np.int64)
    return Split(
        name=name,
        images=np.ascontiguousarray(images),
        labels=labels,
        meta=meta[list(META_COLUMNS)].reset_index(drop=True),
    )


def load(
    source: str = "ham10000",
    split: str | None = None,
    image_size: int = 28,
    data_dir: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    *,
    split_seed: int = 0,
    base_url: str | None = None,
) -> LesionData:
    """Train, validation and test arrays of one source, split and size.

    Parameters
    ----------
    source : {"ham10000", "dermamnist"}
        ``"ham10000"``: arrays made here from the HAM10000 JPEGs under the data
        root. ``"dermamnist"``: the official MedMNIST v2 ``.npz`` (downloaded
        once into ``<cache_dir>/downloads``); its metadata has ``dx`` only.
    split : {"lesion", "dermamnist"}, optional
        ``"lesion"``: lesion-disjoint, stratified about 70/10/20 (see
        :func:`gan_study.data.splits.lesion_split`). ``"dermamnist"``: the
        official DermaMNIST assignment (it leaks lesions between sides).
        Default: ``"lesion"`` for HAM10000, ``"dermamnist"`` for the official
        arrays (the only split they have).
    image_size : int
        Side of the square images: 28, 32 or 64 for HAM10000; 28, 64, 128 or
        224 for DermaMNIST.
    data_dir : path-like, optional
        Data root; default ``$GAN_STUDY_DATA_DIR``, else ``data/raw``.
    cache_dir : path-like, optional
        Processed-array cache; default ``$GAN_STUDY_CACHE_DIR``, else ``data/processed``.
    split_seed : int
        Seed of the lesion split (which lesions go where).
    base_url : str, optional
        Download location of the DermaMNIST files (default Zenodo).

    Returns
    -------
    LesionData
        Within each side, rows are in ``image_id`` order (lesion split) or in
        the official DermaMNIST order (dermamnist split), so index ``i`` of
        ``train`` here is index ``i`` of ``train_images`` in ``dermamnist.npz``.

    Raises
    ------
    ValueError
        Unknown source or split, unsupported size; bad metadata or a bad image
        (``DataError``: empty, corrupt, truncated or over PIL's pixel limit).
    FileNotFoundError
        Missing data root, metadata, image or split table.
    PermissionError
        The cache folder cannot be written (read-only, or under a regular file).

    Warns
    -----
    UserWarning
        Images on disk that the metadata does not list (ignored), or a cache
        file that is unreadable or stale (rebuilt and replaced).
    """
    _check_choice("source", source, SOURCES)
    if split is None:
        split = "lesion" if source == "ham10000" else "dermamnist"
    _check_choice("split", split, splits.SPLITS)
    if source == "dermamnist":
        if split != "dermamnist":
            raise ValueError(
                "the official DermaMNIST arrays carry no lesion ids, so only split='dermamnist' "
                "exists for source='dermamnist'; use source='ham10000' for the lesion split"
            )
        path = medmnist.fetch(image_size, cache_dir=cache_dir, base_url=base_url)
        parts = []
        for side, (images, labels) in medmnist.read_npz(path).items():
            meta = pd.DataFrame(
                {c: pd.Series([None] * len(labels), dtype=object) for c in META_COLUMNS}
            )
            meta["dx"] = np.array(CLASS_NAMES)[labels]
            meta["age"] = np.nan
            parts.append(Split(name=side, images=images, labels=labels, meta=meta))
        return LesionData(
            *parts, source=source, split=split, image_size=image_size, cache_path=path
        )

    images, meta, path = ham10000_arrays(image_size, data_dir, cache_dir)
    if split == "lesion":
        side = splits.lesion_split(meta, seed=split_seed).to_numpy()
        order = np.arange(len(meta))
    else:
        side_s, index = splits.dermamnist_split(meta, paths.data_root(data_dir))
        side = side_s.to_numpy()
        order = np.lexsort((index.to_numpy(),))
    parts = []
    for name in SPLIT_NAMES:
        rows = order[side[order] == name]
        parts.append(_split_from_rows(name, images[rows], meta.iloc[rows]))
    return LesionData(
        *parts, source=source, split=split, image_size=int(image_size), cache_path=path
    )


def lesion_overlap(data: LesionData) -> dict[str, int] | None:
    """Lesions shared by two sides, and images of val/test whose lesion is in train.

    Returns
    -------
    dict or None
        ``lesions_train_val``, ``lesions_train_test``, ``lesions_val_test``
        (lesion counts) and ``images_val_in_train``, ``images_test_in_train``;
        None when the source carries no lesion ids.
    """
    if data.train.meta["lesion_id"].isna().all():
        return None
    lesions = {s.name: set(s.meta["lesion_id"]) for s in data.splits()}
    return {
        "lesions_train_val": len(lesions["train"] & lesions["val"]),
        "lesions_train_test": len(lesions["train"] & lesions["test"]),
        "lesions_val_test": len(lesions["val"] & lesions["test"]),
        "images_val_in_train": int(data.val.meta["lesion_id"].isin(lesions["train"]).sum()),
        "images_test_in_train": int(data.test.meta["lesion_id"].isin(lesions["train"]).sum()),
    }


def leaked_test_mask(data: LesionData) -> np.ndarray:
    """Which test images show a lesion that is also in the training split.

    Parameters
    ----------
    data : LesionData
        A split with lesion ids (``meta["lesion_id"]``).

    Returns
    -------
    numpy.ndarray of bool, shape (len(data.test),)
        True where the image's lesion has an image in ``data.train``.

    Raises
    ------
    ValueError
        If the source carries no lesion ids (the official ``dermamnist.npz``).
    """
    if data.train.meta["lesion_id"].isna().all():
        raise ValueError(
            f"{data.source!r} carries no lesion ids; load source='ham10000' to find leaked images"
        )
    train_lesions = set(data.train.meta["lesion_id"])
    return data.test.meta["lesion_id"].isin(train_lesions).to_numpy()


def summarize(
    source: str = "ham10000",
    split: str | None = None,
    image_size: int = 28,
    data_dir: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> dict:
    """Load (building the cache if needed) and describe the result.

    Returns
    -------
    dict
        ``source, split, image_size, cache_path, seconds``, ``splits`` (per
        side: ``images``, ``lesions``, ``class_counts``), ``class_counts``
        (all sides) and ``lesion_overlap`` (see :func:`lesion_overlap`).
    """
    start = time.perf_counter()
    data = load(source, split, image_size, data_dir, cache_dir)
    seconds = time.perf_counter() - start
    sides = {}
    for s in data.splits():
        has_lesions = not s.meta["lesion_id"].isna().all()
        sides[s.name] = {
            "images": len(s),
            "lesions": int(s.meta["lesion_id"].nunique()) if has_lesions else None,
            "class_counts": s.class_counts(),
        }
    total = {c: sum(sides[n]["class_counts"][c] for n in SPLIT_NAMES) for c in CLASS_NAMES}
    return {
        "source": data.source,
        "split": data.split,
        "image_size": data.image_size,
        "images": sum(v["images"] for v in sides.values()),
        "class_counts": total,
        "splits": sides,
        "lesion_overlap": lesion_overlap(data),
        "cache_path": str(data.cache_path) if data.cache_path else None,
        "seconds": round(seconds, 3),
    }


def format_summary(summary: dict) -> str:
    """A plain-text table of :func:`summarize`'s result."""
    lines = [
        f"source {summary['source']}, split {summary['split']}, "
        f"{summary['image_size']} px, {summary['images']} images "
        f"({summary['seconds']:.2f} s; cache {summary['cache_path']})",
        f"{'':<6}{'images':>8}{'lesions':>9}  " + "".join(f"{c:>7}" for c in CLASS_NAMES),
    ]
    for name, side in summary["splits"].items():
        lesions = "-" if side["lesions"] is None else str(side["lesions"])
        counts = "".join(f"{side['class_counts'][c]:>7}" for c in CLASS_NAMES)
        lines.append(f"{name:<6}{side['images']:>8}{lesions:>9}  {counts}")
    overlap = summary["lesion_overlap"]
    if overlap is None:
        lines.append("lesion overlap: unknown (this source has no lesion ids)")
    else:
        lines.append(
            "lesions shared: train-val {lesions_train_val}, train-test {lesions_train_test}, "
            "val-test {lesions_val_test}; images whose lesion is in train: val "
            "{images_val_in_train}, test {images_test_in_train}".format(**overlap)
        )
    return "\n".join(lines)


__all__ = [
    "SOURCES",
    "SUPPORTED_SIZES",
    "format_summary",
    "ham10000_arrays",
    "lesion_overlap",
    "load",
    "summarize",
]
