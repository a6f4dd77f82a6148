"""Reading the HAM10000 distribution: the metadata table and the JPEG images.

The data root holds ``HAM10000/`` with ``HAM10000_metadata.csv`` and the
``ISIC_*.jpg`` images in any sub-folders (one folder, or the distribution's
``HAM10000_images_part_1/`` and ``HAM10000_images_part_2/``). Each image is
squashed, whole 4:3 frame, to an ``S x S`` square with an area (box) filter,
as DermaMNIST does; nothing is cropped.

References
----------
Tschandl P., Rosendahl C., Kittler H. The HAM10000 dataset, a large collection
of multi-source dermatoscopic images of common pigmented skin lesions.
Sci. Data 5, 180161 (2018). doi:10.1038/sdata.2018.161
"""

from __future__ import annotations

import hashlib
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, UnidentifiedImageError

from gan_study import paths
from gan_study.data.types import CLASS_NAMES, META_COLUMNS, SUPPORTED_SIZES, DataError

DATASET_FOLDER = "HAM10000"
METADATA_FILE = "HAM10000_metadata.csv"
_HOW_TO_FIX = (
    "download HAM10000 (see data/README.md) and set GAN_STUDY_DATA_DIR or pass "
    "--data-dir / data_dir= to the folder that holds HAM10000/"
)


def dataset_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """The ``HAM10000/`` folder under the data root, checked to exist.

    Parameters
    ----------
    data_dir : path-like, optional
        Data root; default ``$GAN_STUDY_DATA_DIR``, else ``data/raw``.

    Returns
    -------
    Path
        ``<root>/HAM10000``.

    Raises
    ------
    FileNotFoundError
        When the root or its ``HAM10000/`` folder does not exist.
    """
    root = paths.data_root(data_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"data root {root} does not exist: {_HOW_TO_FIX}")
    folder = root / DATASET_FOLDER
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} does not exist: {_HOW_TO_FIX}")
    return folder


def metadata_path(data_dir: str | os.PathLike | None = None) -> Path:
    """Path of ``HAM10000_metadata.csv``, checked to exist."""
    path = dataset_dir(data_dir) / METADATA_FILE
    if not path.is_file():
        raise FileNotFoundError(f"metadata file {path} not found: {_HOW_TO_FIX}")
    return path


def load_metadata(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Read and check the HAM10000 metadata table.

    Parameters
    ----------
    data_dir : path-like, optional
        Data root; default ``$GAN_STUDY_DATA_DIR``, else ``data/raw``.

    Returns
    -------
    pandas.DataFrame
        One row per image, columns ``image_id, lesion_id, dx, dx_type, age,
        sex, localization`` plus ``label`` (int64, DermaMNIST order), sorted by
        ``image_id`` so that the row order of the file never matters.
        Missing ages are NaN; ``sex`` may be ``"unknown"``: both are valid.

    Raises
    ------
    FileNotFoundError
        When the root, ``HAM10000/`` or the CSV is missing.
    DataError
        When columns are missing, an ``image_id`` repeats, an id is empty or a
        ``dx`` is not one of :data:`CLASS_NAMES`.
    """
    path = metadata_path(data_dir)
    try:
        table = pd.read_csv(path, dtype={c: str for c in META_COLUMNS if c != "age"})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot parse {path}: {exc}") from exc
    missing = [c for c in META_COLUMNS if c not in table.columns]
    if missing:
        raise DataError(
            f"{path} lacks the column(s) {missing}; expected the HAM10000 metadata "
            f"columns {list(META_COLUMNS)}"
        )
    table = table[list(META_COLUMNS)].copy()
    for column in ("image_id", "lesion_id", "dx"):
        empty = table[column].isna() | (table[column].str.strip() == "")
        if empty.any():
            rows = (np.flatnonzero(empty.to_numpy()) + 2).tolist()[:5]
            raise DataError(f"{path}: empty {column} on line(s) {rows}")
    repeated = table["image_id"][table["image_id"].duplicated()].unique().tolist()
    if repeated:
        raise DataError(f"{path}: image_id listed more than once: {repeated[:5]}")
    unknown = sorted(set(table["dx"]) - set(CLASS_NAMES))
    if unknown:
        raise DataError(
            f"{path}: unknown dx label(s) {unknown}; expected one of {list(CLASS_NAMES)}"
        )
    table["age"] = pd.to_numeric(table["age"], errors="coerce").astype("float64")
    for column in ("dx_type", "sex", "localization"):
        table[column] = table[column].fillna("unknown")
    table["label"] = table["dx"].map({n: i for i, n in enumerate(CLASS_NAMES)}).astype("int64")
    return table.sort_values("image_id", kind="stable").reset_index(drop=True)


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class ImageListing:
    """The images found under ``HAM10000/`` for the metadata's ``image_id``s.

    Attributes
    ----------
    files : list of Path
        One file per metadata row, in the metadata's (``image_id``) order.
    fingerprint : str
        SHA-256 over the relative paths, byte sizes and modification times
        of those files: any change to the source changes it.
    """

    files: list[Path]
    fingerprint: str


def list_images(folder: Path, image_ids: list[str]) -> ImageListing:
    """Find the JPEG of every ``image_id`` anywhere below ``folder``.

    Parameters
    ----------
    folder : Path
        The ``HAM10000/`` folder.
    image_ids : list of str
        The ids the metadata lists.

    Returns
    -------
    ImageListing

    Raises
    ------
    FileNotFoundError
        When an image the metadata lists is not on disk.
    DataError
        When one ``image_id`` has two files in different sub-folders.

    Warns
    -----
    UserWarning
        When images on disk are not in the metadata (they are ignored).
    """
    found: dict[str, Path] = {}
    for directory, subdirs, names in os.walk(folder):
        subdirs.sort()
        for name in sorted(names):
            stem, ext = os.path.splitext(name)
            if ext.lower() not in (".jpg", ".jpeg"):
                continue
            path = Path(directory, name)
            if stem in found:
                raise DataError(f"image {stem} exists twice: {found[stem]} and {path}; remove one")
            found[stem] = path
    wanted = set(image_ids)
    absent = [i for i in image_ids if i not in found]
    if absent:
        raise FileNotFoundError(
            f"{len(absent)} image(s) listed in {folder / METADATA_FILE} are missing under "
            f"{folder}, e.g. {absent[0]}.jpg ({', '.join(absent[:5])}); restore them from "
            "the HAM10000 download (both image parts) or point GAN_STUDY_DATA_DIR / "
            "--data-dir at a complete copy"
        )
    extra = sorted(set(found) - wanted)
    if extra:
        warnings.warn(
            f"{len(extra)} image(s) under {folder} are not in {METADATA_FILE} and are "
            f"ignored, e.g. {found[extra[0]]}",
            UserWarning,
            stacklevel=3,
        )
    files = [found[i] for i in image_ids]
    digest = hashlib.sha256()
    prefix = len(str(folder)) + 1
    for path in files:
        stat = os.stat(path)
        digest.update(f"{str(path)[prefix:]}\t{stat.st_size}\t{stat.st_mtime_ns}\n".encode())
    return ImageListing(files=files, fingerprint=digest.hexdigest())


def check_size(image_size: int, supported: tuple[int, ...] = SUPPORTED_SIZES) -> int:
    """Return ``image_size`` as int, or raise ValueError naming the supported sizes."""
    if isinstance(image_size, bool) or int(image_size) != image_size:
        raise ValueError(f"image_size must be an integer, got {image_size!r}")
    if int(image_size) not in supported:
        raise ValueError(f"unsupported image_size {image_size}; choose one of {list(supported)}")
    return int(image_size)


def resize_image(path: Path, image_size: int) -> np.ndarray:
    """Decode one JPEG and squash the whole frame to ``image_size`` squared.

    The resize is PIL's ``BOX`` filter, an exact area average: every output
    pixel is the mean of the source pixels it covers (fractionally weighted
    at the edges). The 4:3 frame is not cropped, as in DermaMNIST.

    Parameters
    ----------
    path : Path
        A JPEG (any size, any PIL mode; converted to RGB).
    image_size : int
        Output side ``S``.

    Returns
    -------
    np.ndarray
        ``(S, S, 3)`` uint8.

    Raises
    ------
    DataError
        When the file is not a readable image or is truncated.
    """
    try:
        with Image.open(path) as image:
            image.load()
            rgb = image.convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise DataError(
            f"cannot decode image {path}: {exc}; the file is corrupt or truncated, "
            "replace it with a fresh copy from the HAM10000 download"
        ) from exc
    small = rgb.resize((image_size, image_size), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.uint8)


def build_images(files: list[Path], image_size: int, workers: int | None = None) -> np.ndarray:
    """Decode and resize many JPEGs in parallel threads (PIL frees the GIL).

    Parameters
    ----------
    files : list of Path
        JPEG files, in output order.
    image_size : int
        Output side ``S``.
    workers : int, optional
        Threads; default the number of CPU cores.

    Returns
    -------
    np.ndarray
        ``(len(files), S, S, 3)`` uint8.
    """
    out = np.empty((len(files), image_size, image_size, 3), dtype=np.uint8)
    workers = workers or os.cpu_count() or 1

    def work(index: int) -> None:
        out[index] = resize_image(files[index], image_size)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in pool.map(work, range(len(files))):
            pass
    return out
