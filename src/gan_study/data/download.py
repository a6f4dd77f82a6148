"""Data on first use: download HAM10000 from the Harvard Dataverse and unpack it.

:func:`download_ham10000` fetches the three files of the official
distribution (doi:10.7910/DVN/DBW86T, :data:`HAM10000_FILES`) and lays them
out the way :mod:`gan_study.data.ham10000` reads them::

    <root>/HAM10000/HAM10000_metadata.csv
    <root>/HAM10000/images/ISIC_*.jpg

``<root>`` defaults to the study's data root (:func:`gan_study.paths.data_root`:
``$GAN_STUDY_DATA_DIR``, else ``data/raw``). Why it is written the way it is:

* **Nothing half-written is kept.** A file is streamed to ``<name>.part`` in
  ``<root>/downloads/``, its size and MD5 are checked, and only then is it
  renamed to ``<name>``. The images are unpacked into a temporary folder beside
  ``<root>/HAM10000`` that is renamed into place only once every image the
  metadata lists is there, so the loader sees the whole dataset or none of it.
* **Resumable.** The archives are 1.4 GB each. An interrupted transfer keeps
  its ``.part`` file and is resumed with an HTTP ``Range`` request, within the
  same call (a few attempts) or by the next one
  (:func:`gan_study.data.transfer.fetch`).
* **Checked.** A file whose MD5 differs from the table is deleted and the
  error names the file and both hashes. Zip members with absolute paths or
  ``..`` are refused before anything is extracted.
* **Idempotent.** When ``<root>/HAM10000`` already holds every image its
  metadata lists, nothing is downloaded (and it says so).

Environment
-----------
``GAN_STUDY_DATA_URL`` replaces the Dataverse's address (a mirror, or a
local test server; :mod:`gan_study.data.transfer`).

Licences
--------
HAM10000 (images and metadata) is licensed CC BY-NC-SA 4.0: Tschandl P.,
Rosendahl C., Kittler H., Sci. Data 5, 180161 (2018), doi:10.1038/sdata.2018.161.
The DermaMNIST split list (MedMNIST v2, Yang J. et al., Sci. Data 10, 41 (2023))
is CC BY-NC 4.0; it is not in the Dataverse archives, so
:func:`gan_study.data.split_list.download_split_list` fetches it after the
images, MD5-checked.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from gan_study import paths
from gan_study.data.ham10000 import DATASET_FOLDER, METADATA_FILE
from gan_study.data.split_list import download_split_list, split_list_notice
from gan_study.data.transfer import BASE_URL as BASE_URL
from gan_study.data.transfer import (
    DATASET_PAGE,
    DOWNLOADS_FOLDER,
    RemoteFile,
    fetch,
    human_size,
    part_path,
    remove_if_empty,
    resolve_base_url,
    writable_folder,
)
from gan_study.data.transfer import URL_ENV as URL_ENV
from gan_study.data.types import DownloadError as DownloadError
from gan_study.data.unpack import complete_images as complete_images
from gan_study.data.unpack import unpack

LICENCE_NOTICE = (
    "Licences:\n"
    "  HAM10000 images and metadata: CC BY-NC-SA 4.0 (attribution, non-commercial use only,\n"
    "    share-alike: everything derived from the images carries the same licence).\n"
    "    Tschandl P., Rosendahl C., Kittler H., Sci. Data 5, 180161 (2018),\n"
    "    doi:10.1038/sdata.2018.161; Harvard Dataverse doi:10.7910/DVN/DBW86T.\n"
    "  DermaMNIST split list (splits/dermamnist_split_info.csv, fetched from GitHub after the\n"
    "    images): CC BY-NC 4.0, MedMNIST v2, Yang J. et al., Sci. Data 10, 41 (2023).\n"
    "By downloading you accept these terms."
)

HAM10000_FILES: tuple[RemoteFile, ...] = (
    RemoteFile(
        METADATA_FILE, 4338392, 690_218, "8f85fb1aa29d80a2797247e434deb79d", "?format=original"
    ),
    RemoteFile(
        "HAM10000_images_part_1.zip", 3172585, 1_366_522_108, "4639bfa73ab251610530a97c898e6e46"
    ),
    RemoteFile(
        "HAM10000_images_part_2.zip", 3172584, 1_403_566_547, "da43d6cc50f6613013be07e8986b384b"
    ),
)
"""The HAM10000 distribution on the Harvard Dataverse (doi:10.7910/DVN/DBW86T)."""


# ------------------------------------------------------------------ public API
def download_ham10000(
    root: str | os.PathLike | None = None,
    *,
    base_url: str | None = None,
    files: Sequence[RemoteFile] | None = None,
    progress: bool = True,
    attempts: int = 3,
    keep_archives: bool = False,
) -> Path:
    """Download HAM10000 into ``<root>/HAM10000`` unless it is already complete there.

    Prints what it will download (names, sizes, total) and the licences
    before the first byte, then a progress bar per file; at the end, whether
    the DermaMNIST split list is present (it is not part of the download).

    Parameters
    ----------
    root : path-like, optional
        Data root; default :func:`gan_study.paths.data_root`
        (``$GAN_STUDY_DATA_DIR``, else ``data/raw``).
    base_url : str, optional
        Where to download from; default ``$GAN_STUDY_DATA_URL``, else
        :data:`BASE_URL`.
    files : sequence of RemoteFile, optional
        The files to fetch (default :data:`HAM10000_FILES`, read at call
        time): the metadata CSV and the image ``.zip`` archives.
    progress : bool
        Show a progress bar per file.
    attempts : int
        Transfers per file before giving up on a connection that keeps
        breaking; each resumes where the last one stopped.
    keep_archives : bool
        Keep the downloaded files in ``<root>/downloads`` after unpacking
        (default: delete them, about 2.8 GB for the real data).

    Returns
    -------
    Path
        ``<root>/HAM10000``.

    Raises
    ------
    DownloadError
        When the server answers with an error, cannot be reached, keeps cutting
        the connection, or sends a file of the wrong size or MD5; when an
        archive is damaged, holds unsafe member names or lacks images the
        metadata lists; when ``<root>/HAM10000`` exists but is incomplete.
        Every message names the file or URL and the fix.
    PermissionError
        When the data root cannot be written.
    """
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts}")
    files = HAM10000_FILES if files is None else tuple(files)
    root = paths.data_root(root)
    target = root / DATASET_FOLDER
    found = complete_images(target)
    if found is not None:
        print(f"HAM10000 is already complete in {target} ({found:,} images): nothing to download.")
        download_split_list(root, progress=progress, attempts=attempts)
        print(split_list_notice(root))
        return target
    _check_replaceable(target)
    base = resolve_base_url(base_url)
    folder = writable_folder(root / DOWNLOADS_FOLDER)
    print(download_plan(files, folder, base))
    print(LICENCE_NOTICE, flush=True)
    _check_space(folder, files)
    try:
        fetched = [
            fetch(spec, folder, base_url=base, progress=progress, attempts=attempts)
            for spec in files
        ]
    except BaseException:
        remove_if_empty(folder)
        raise
    count = unpack(fetched, target)
    print(f"HAM10000 is ready in {target} ({count:,} images).")
    if not keep_archives:
        _remove_downloads(fetched, folder)
    download_split_list(root, progress=progress, attempts=attempts)
    print(split_list_notice(root), flush=True)
    return target


def download_plan(files: Sequence[RemoteFile], folder: Path, base_url: str) -> str:
    """What will be downloaded: one line per file (size, what is already there) and the total.

    Parameters
    ----------
    files : sequence of RemoteFile
    folder : Path
        The downloads folder (a finished file there is reused, a ``.part`` resumed).
    base_url : str

    Returns
    -------
    str
    """
    lines = [f"Downloading HAM10000 from {base_url} into {folder}:"]
    remaining = 0
    for spec in files:
        done = folder / spec.name
        part = part_path(done)
        if done.is_file():
            note, left = "already downloaded, will be checked", 0
        elif part.is_file() and part.stat().st_size < spec.size:
            have = part.stat().st_size
            note, left = f"resuming at {human_size(have)}", spec.size - have
        else:
            note, left = "", spec.size
        remaining += left
        lines.append(f"  {spec.name:<28} {human_size(spec.size):>9}  {note}".rstrip())
    total = sum(spec.size for spec in files)
    lines.append(
        f"  total {human_size(total)} ({total:,} bytes), {human_size(remaining)} still to download; "
        f"unpacking needs about {human_size(total)} more"
    )
    return "\n".join(lines)


# ------------------------------------------------------------------ helpers
def _check_replaceable(target: Path) -> None:
    """Raise DownloadError when ``target`` exists with content (an incomplete copy)."""
    if target.is_dir() and not any(target.iterdir()):
        return
    if target.exists():
        raise DownloadError(
            f"{target} exists but is not a complete HAM10000 (its {METADATA_FILE} or some of "
            f"the images it lists are missing); it is left alone. Move it aside (or delete it) "
            f"and run again to download a complete copy, or complete it by hand from "
            f"{DATASET_PAGE}"
        )


def _check_space(folder: Path, files: Sequence[RemoteFile]) -> None:
    """Raise DownloadError when ``folder``'s disk cannot hold the downloads and the unpacked copy."""
    needed = 0
    for spec in files:
        done = folder / spec.name
        part = part_path(done)
        have = done.stat().st_size if done.is_file() else 0
        have = have or (part.stat().st_size if part.is_file() else 0)
        needed += max(spec.size - have, 0) + spec.size  # the rest of the download, then unpacked
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise DownloadError(
            f"{folder} has {human_size(free)} free, the download and the unpacked images need about "
            f"{human_size(needed)}: free some space or choose another data root with --data-dir or "
            f"${paths.DATA_DIR_ENV}"
        )


def _remove_downloads(fetched: Sequence[Path], folder: Path) -> None:
    """Delete the downloaded files (they are unpacked) and ``folder`` if it is then empty."""
    freed = 0
    for path in fetched:
        freed += path.stat().st_size
        path.unlink()
    remove_if_empty(folder)
    print(f"removed the downloaded files ({human_size(freed)}) from {folder}.")
