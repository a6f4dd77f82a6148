"""Unpack the downloaded HAM10000 archives into the layout the loader reads, atomically.

:func:`unpack` builds ``<root>/HAM10000`` from the files
:func:`gan_study.data.download.download_ham10000` fetched: every image of the
``.zip`` archives flat in ``HAM10000/images/``, the metadata CSV beside it. It
works in a temporary folder that is renamed into place only once every image
the metadata lists is there (:func:`complete_images`), so the loader sees the
whole dataset or none of it. Member names are checked before anything is
extracted (:func:`extract_images`): absolute paths and ``..`` are refused.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from gan_study import store
from gan_study.data.ham10000 import METADATA_FILE
from gan_study.data.types import DownloadError

IMAGES_FOLDER = "images"
"""Sub-folder of ``HAM10000/`` that receives the unpacked JPEGs."""
_IMAGE_SUFFIXES = (".jpg", ".jpeg")
_CHUNK = 1 << 20


def complete_images(folder: Path) -> int | None:
    """How many images ``folder`` holds, if it holds every one its metadata lists; else None.

    Parameters
    ----------
    folder : Path
        A ``HAM10000/`` folder (images in any sub-folders, as the loader reads them).

    Returns
    -------
    int or None
        The number of metadata rows when ``HAM10000_metadata.csv`` exists and
        an ``<image_id>.jpg`` exists below ``folder`` for each row; None when
        the folder, the metadata or any image is missing.
    """
    metadata = folder / METADATA_FILE
    if not metadata.is_file():
        return None
    try:
        with open(metadata, newline="", encoding="utf-8") as handle:
            ids = [row.get("image_id", "") for row in csv.DictReader(handle)]
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    stems = _image_stems(folder)
    if not ids or any(i not in stems for i in ids):
        return None
    return len(ids)


def unpack(fetched: Sequence[Path], target: Path) -> int:
    """Build ``target`` (``HAM10000/``) from the downloaded files, atomically.

    Every ``.zip`` is extracted, flat, into ``target/images``; any other file
    (the metadata CSV) is copied into ``target``. All of it happens in a
    temporary folder beside ``target`` that is renamed to ``target`` only when
    every image the metadata lists is there.

    Parameters
    ----------
    fetched : sequence of Path
        The checked downloads.
    target : Path
        The ``HAM10000/`` folder to create (absent, or an empty folder).

    Returns
    -------
    int
        The number of images the metadata lists.

    Raises
    ------
    DownloadError
        When an archive is damaged, has unsafe or too deeply nested member
        names, or two files of one name, or when images the metadata lists
        are missing; ``target`` is then left as it was.
    """
    with store.atomic_directory(target) as tmp:
        images = tmp / IMAGES_FOLDER
        images.mkdir()
        for path in fetched:
            if path.suffix.lower() == ".zip":
                print(f"unpacking {path.name} ...", flush=True)
                extract_images(path, images)
            else:
                shutil.copyfile(path, tmp / path.name)
        count = complete_images(tmp)
        if count is None:
            raise DownloadError(_incomplete(tmp, fetched))
    return count


def extract_images(archive: Path, folder: Path) -> int:
    """Extract the JPEGs of ``archive`` flat into ``folder``, refusing unsafe member names.

    The official archives hold ``ISIC_*.jpg`` at their top level; one leading
    folder (``HAM10000_images_part_1/ISIC_*.jpg``) is tolerated. Other files
    (folders, ``__MACOSX/`` and dot files) are skipped.

    Parameters
    ----------
    archive : Path
        A ``.zip`` file.
    folder : Path
        Existing destination folder.

    Returns
    -------
    int
        The number of images extracted.

    Raises
    ------
    DownloadError
        When a member name is absolute or contains ``..`` (checked for every
        member before anything is written), an image is nested more than one
        folder deep, an image name repeats, or the archive is damaged (bad
        CRC, not a zip).
    """
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = _image_members(archive, bundle.infolist())
            for member, name in members:
                dest = folder / name
                if dest.exists():
                    raise DownloadError(
                        f"{archive} holds {name} a second time ({member.filename}), or another "
                        f"archive already held it: the archives are not the official ones; "
                        f"delete {archive} and run again"
                    )
                with bundle.open(member) as source, open(dest, "wb") as out:
                    shutil.copyfileobj(source, out, _CHUNK)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise DownloadError(
            f"{archive} is damaged ({exc}): delete it and run again to download it afresh"
        ) from exc
    return len(members)


def _incomplete(tmp: Path, fetched: Sequence[Path]) -> str:
    metadata = tmp / METADATA_FILE
    if not metadata.is_file():
        return f"no {METADATA_FILE} among the downloads {[p.name for p in fetched]}"
    with open(metadata, newline="", encoding="utf-8") as handle:
        ids = [row.get("image_id", "") for row in csv.DictReader(handle)]
    stems = _image_stems(tmp)
    missing = [i for i in ids if i not in stems]
    return (
        f"the archives {[p.name for p in fetched if p.suffix == '.zip']} lack "
        f"{len(missing):,} of the {len(ids):,} images {METADATA_FILE} lists, e.g. "
        f"{missing[:3]}: they are not the official ones; delete them from "
        f"{fetched[0].parent} and run again"
    )


def _image_stems(folder: Path) -> set[str]:
    """Stems of every ``*.jpg`` / ``*.jpeg`` below ``folder`` (links to folders followed)."""
    stems: set[str] = set()
    for _, _, names in os.walk(folder, followlinks=True):
        for name in names:
            stem, ext = os.path.splitext(name)
            if ext.lower() in _IMAGE_SUFFIXES:
                stems.add(stem)
    return stems


def _image_members(
    archive: Path, members: list[zipfile.ZipInfo]
) -> list[tuple[zipfile.ZipInfo, str]]:
    """The image members of ``archive`` with their flat names; refuses unsafe names first."""
    for member in members:
        name = member.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts:
            raise DownloadError(
                f"{archive} holds the unsafe member {member.filename!r} (an absolute path or "
                f"'..'); nothing was extracted. It is not an official HAM10000 archive: "
                f"delete it and run again"
            )
    images = []
    for member in members:
        parts = PurePosixPath(member.filename.replace("\\", "/")).parts
        if member.is_dir() or not parts or parts[0] == "__MACOSX" or parts[-1].startswith("."):
            continue
        if not parts[-1].lower().endswith(_IMAGE_SUFFIXES):
            continue
        if len(parts) > 2:
            raise DownloadError(
                f"{archive} holds {member.filename!r}, nested {len(parts) - 1} folders deep "
                f"(at most one is expected): delete it and run again"
            )
        images.append((member, parts[-1]))
    return images
