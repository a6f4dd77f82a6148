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
from PIL import Image, JpegImagePlugin, UnidentifiedImageError

from gan_study import paths
from gan_study.data.types import CLASS_NAMES, META_COLUMNS, SUPPORTED_SIZES, DataError

DATASET_FOLDER = "HAM10000"
METADATA_FILE = "HAM10000_metadata.csv"
_HOW_TO_FIX = (
    "download HAM10000 (see data/README.md) and set GAN_STUDY_DATA_DIR or pass "
    "--data-dir / data_dir= to the folder that holds HAM10000/"
)
_RESTORE = f"restore {METADATA_FILE} from the HAM10000 download (see data/README.md)"
_OTHER_DELIMITERS = {";": "semicolon", "\t": "tab"}
_SHOWN = 5
"""How many offending rows an error message lists."""

AGE_RANGE: tuple[int, int] = (0, 120)
"""Valid ages in years (inclusive); an empty age means unknown and is valid too."""


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
        When the file cannot be parsed, is not comma-separated, lacks columns
        or has no rows, an ``image_id`` repeats, an id is empty, a ``dx`` is
        not one of :data:`CLASS_NAMES`, or an age is not a number from
        :data:`AGE_RANGE` (an empty age is valid: unknown). Every message names
        the file and the offending lines, ids and values.
    """
    path = metadata_path(data_dir)
    table = _read_table(path)
    _check_columns(path, table)
    if table.empty:
        raise DataError(
            f"{path} has no rows, only a header; {_RESTORE}, which has one row per image"
        )
    table = table[list(META_COLUMNS)].copy()
    _check_ids(path, table)
    _check_dx(path, table)
    table["age"] = _parse_ages(path, table)
    for column in ("dx_type", "sex", "localization"):
        table[column] = table[column].fillna("unknown")
    table["label"] = table["dx"].map({n: i for i, n in enumerate(CLASS_NAMES)}).astype("int64")
    return table.sort_values("image_id", kind="stable").reset_index(drop=True)


def _read_table(path: Path) -> pd.DataFrame:
    """The CSV with every column as text (NaN where a cell is empty)."""
    try:
        return pd.read_csv(path, dtype=str)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot parse {path}: {exc}; {_RESTORE}") from exc


def _check_columns(path: Path, table: pd.DataFrame) -> None:
    """Raise DataError naming the missing columns (and a wrong delimiter, if it looks like one)."""
    missing = [c for c in META_COLUMNS if c not in table.columns]
    if not missing:
        return
    if len(table.columns) == 1:
        for delimiter, name in _OTHER_DELIMITERS.items():
            if delimiter in str(table.columns[0]):
                raise DataError(
                    f"{path} looks {name}-separated; {METADATA_FILE} must be "
                    f"comma-separated (its header reads as one column, "
                    f"{str(table.columns[0])[:80]!r}): re-save it with ',' between "
                    f"fields or {_RESTORE}"
                )
    raise DataError(
        f"{path} lacks the column(s) {missing}; expected the HAM10000 metadata "
        f"columns {list(META_COLUMNS)}: {_RESTORE}"
    )


def _where(table: pd.DataFrame, mask: pd.Series, column: str | None = None) -> str:
    """``line 4 (ISIC_0024308, age 'abc'), ...`` for the first rows where ``mask`` holds.

    Line numbers count the header as line 1; with ``column`` each row also
    shows that column's value.
    """
    rows = np.flatnonzero(mask.to_numpy())
    ids = table["image_id"].to_numpy()
    values = table[column].to_numpy() if column is not None else None
    items = [
        f"line {r + 2} ({ids[r]}" + ("" if values is None else f", {column} {values[r]!r}") + ")"
        for r in rows[:_SHOWN]
    ]
    more = f" and {len(rows) - _SHOWN} more" if len(rows) > _SHOWN else ""
    return ", ".join(items) + more


def _check_ids(path: Path, table: pd.DataFrame) -> None:
    """Raise DataError on an empty ``image_id``/``lesion_id``/``dx`` or a repeated ``image_id``."""
    for column in ("image_id", "lesion_id", "dx"):
        empty = table[column].isna() | (table[column].str.strip() == "")
        if empty.any():
            rows = (np.flatnonzero(empty.to_numpy()) + 2).tolist()[:_SHOWN]
            raise DataError(f"{path}: empty {column} on line(s) {rows}; fill them in or {_RESTORE}")
    repeated = table["image_id"].duplicated(keep=False)
    if repeated.any():
        ids = table["image_id"][repeated].unique().tolist()
        raise DataError(
            f"{path}: image_id listed more than once: {ids[:_SHOWN]} on "
            f"line(s) {(np.flatnonzero(repeated.to_numpy()) + 2).tolist()[: 2 * _SHOWN]}; "
            f"keep one row per image_id or {_RESTORE}"
        )


def _check_dx(path: Path, table: pd.DataFrame) -> None:
    """Raise DataError naming the ``dx`` labels outside :data:`CLASS_NAMES` and their rows."""
    unknown = sorted(set(table["dx"]) - set(CLASS_NAMES))
    if unknown:
        where = _where(table, ~table["dx"].isin(CLASS_NAMES), "dx")
        raise DataError(
            f"{path}: unknown dx label(s) {unknown} on {where}; expected one of "
            f"{list(CLASS_NAMES)}: correct those rows or {_RESTORE}"
        )


def _parse_ages(path: Path, table: pd.DataFrame) -> pd.Series:
    """The ``age`` column as float64 years (NaN where empty), checked to be in range.

    Raises
    ------
    DataError
        When an age is not a number, or is outside :data:`AGE_RANGE`.
    """
    text = table["age"].str.strip()
    ages = pd.to_numeric(text, errors="coerce").astype("float64")
    low, high = AGE_RANGE
    fix = (
        f"an age is empty (unknown) or a number of years from {low} to {high}: "
        f"correct those cells or {_RESTORE}"
    )
    not_numbers = text.notna() & (text != "") & ages.isna()
    if not_numbers.any():
        raise DataError(
            f"{path}: age is not a number on {_where(table, not_numbers, 'age')}; {fix}"
        )
    outside = ages.notna() & ~ages.between(low, high)
    if outside.any():
        raise DataError(f"{path}: age out of range on {_where(table, outside, 'age')}; {fix}")
    return ages


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


def _find_images(folder: Path) -> dict[str, Path]:
    """Every ``*.jpg`` / ``*.jpeg`` below ``folder`` by stem, following folder links.

    Each real folder is read once (tracked by its resolved path), so a link
    back to a parent, or two links to one folder, neither loops nor counts
    an image twice.

    Raises
    ------
    DataError
        When one stem has two files in different folders.
    """
    found: dict[str, Path] = {}
    visited: set[str] = set()
    for directory, subdirs, names in os.walk(folder, followlinks=True):
        real = os.path.realpath(directory)
        if real in visited:
            subdirs[:] = []
            continue
        visited.add(real)
        subdirs.sort()
        for name in sorted(names):
            stem, ext = os.path.splitext(name)
            if ext.lower() not in (".jpg", ".jpeg"):
                continue
            path = Path(directory, name)
            if stem in found:
                raise DataError(f"image {stem} exists twice: {found[stem]} and {path}; remove one")
            found[stem] = path
    return found


def list_images(folder: Path, image_ids: list[str]) -> ImageListing:
    """Find the JPEG of every ``image_id`` anywhere below ``folder``.

    Symbolic links to folders are followed (``HAM10000/images`` may be a link
    to a copy elsewhere), each real folder once, so a link loop ends.

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
    found = _find_images(folder)
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
    """Decode one image and squash the whole frame to ``image_size`` squared.

    The resize is PIL's ``BOX`` filter, an exact area average: every output
    pixel is the mean of the source pixels it covers (fractionally weighted
    at the edges). The 4:3 frame is not cropped, as in DermaMNIST.

    The file is read by its content, not its name: a PNG (or any other format
    PIL decodes) named ``ISIC_*.jpg`` is accepted and gives the same pixels as
    a JPEG of that picture would. PIL's decompression-bomb protection stays
    on: an image of more than ``PIL.Image.MAX_IMAGE_PIXELS`` pixels (about
    89 million; HAM10000's are 600 x 450) is rejected before it is decoded.

    Parameters
    ----------
    path : Path
        An image file (any size, any PIL mode; converted to RGB).
    image_size : int
        Output side ``S``.

    Returns
    -------
    np.ndarray
        ``(S, S, 3)`` uint8.

    Raises
    ------
    DataError
        When the file is empty, not a readable image, truncated, or larger
        than PIL's pixel limit; the message names the file.
    """
    small = _decode_rgb(path).resize((image_size, image_size), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.uint8)


def _decode_rgb(path: Path) -> Image.Image:
    """The whole image at ``path`` as RGB, or a DataError naming the file and the fix."""
    replace = "replace it with a fresh copy from the HAM10000 download"
    if path.stat().st_size == 0:
        raise DataError(f"image {path} is empty (0 bytes); {replace}")
    try:
        with Image.open(path) as image:
            _check_pixels(path, image.size)
            image.load()
            return image.convert("RGB")
    except Image.DecompressionBombError as exc:
        raise DataError(
            f"image {path}{_declared_size(path)} is too large to decode safely ({exc}); "
            f"HAM10000 images are 600 x 450 pixels: {replace}"
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise DataError(
            f"cannot decode image {path}: {exc}; the file is corrupt or truncated, {replace}"
        ) from exc


def _check_pixels(path: Path, size: tuple[int, int]) -> None:
    """Raise DataError when ``size`` exceeds PIL's ``MAX_IMAGE_PIXELS`` (before decoding)."""
    limit = Image.MAX_IMAGE_PIXELS
    width, height = size
    if limit is not None and width * height > limit:
        raise DataError(
            f"image {path} is {width} x {height} pixels ({width * height} pixels), over "
            f"PIL's decompression-bomb limit of {limit} pixels; HAM10000 images are "
            "600 x 450 pixels: replace it with a fresh copy from the HAM10000 download"
        )


def _declared_size(path: Path) -> str:
    """`` (W x H pixels)`` as a JPEG's header declares it, read without decoding.

    ``Image.open`` refuses to return an image over twice PIL's pixel limit, so
    the header is read with the JPEG plugin directly; for other formats the
    size is only in PIL's own message (returned: an empty string).
    """
    try:
        with JpegImagePlugin.JpegImageFile(path) as header:
            width, height = header.size
    except (OSError, SyntaxError):
        return ""
    return f" ({width} x {height} pixels)"


def build_images(files: list[Path], image_size: int, workers: int | None = None) -> np.ndarray:
    """Decode and resize many JPEGs in parallel threads (PIL frees the GIL).

    Parameters
    ----------
    files : list of Path
        Image files, in output order.
    image_size : int
        Output side ``S``.
    workers : int, optional
        Threads; default the number of CPU cores.

    Returns
    -------
    np.ndarray
        ``(len(files), S, S, 3)`` uint8.

    Raises
    ------
    DataError
        For the first file that cannot be decoded (see :func:`resize_image`).
    """
    out = np.empty((len(files), image_size, image_size, 3), dtype=np.uint8)
    workers = workers or os.cpu_count() or 1

    def work(index: int) -> None:
        out[index] = resize_image(files[index], image_size)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        try:
            for _ in pool.map(work, range(len(files))):
                pass
        except BaseException:
            pool.shutdown(cancel_futures=True)  # the first bad file ends the build
            raise
    return out
