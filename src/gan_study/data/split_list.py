"""The DermaMNIST split list: where it is published, its checked download, and its absence.

The official DermaMNIST assignment of the HAM10000 images (MedMNIST v2, Yang
J. et al., Sci. Data 10, 41 (2023), CC BY-NC 4.0) is not in the Dataverse
archives and cannot be derived from them, so :func:`download_split_list`
fetches it from where Abhishek et al. (2025) publish it, at a fixed commit,
size- and MD5-checked (:data:`SPLIT_LIST`; ``$GAN_STUDY_SPLIT_URL`` overrides
its address), and :func:`split_list_notice` says what its absence means.
:func:`gan_study.data.download.download_ham10000` calls both after the images.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gan_study import paths
from gan_study.data.splits import DERMAMNIST_SPLIT_FILE
from gan_study.data.transfer import (
    DOWNLOADS_FOLDER,
    RemoteFile,
    fetch,
    remove_if_empty,
    writable_folder,
)
from gan_study.data.types import DownloadError

SPLIT_SOURCE = "https://github.com/kakumarabhishek/Corrected-Skin-Image-Datasets"
"""Where the official DermaMNIST split list is published (Abhishek et al. 2025)."""


@dataclass(frozen=True)
class SplitListFile:
    """The DermaMNIST split list: where it is published, and what its bytes must be.

    Attributes
    ----------
    url : str
        Its address (overridden by ``$GAN_STUDY_SPLIT_URL``).
    size : int
        Size in bytes.
    md5 : str
        Hex MD5 of the file's bytes.
    name : str
        File name, under ``<root>/splits/``.
    """

    url: str
    size: int
    md5: str
    name: str = PurePosixPath(DERMAMNIST_SPLIT_FILE).name


SPLIT_URL_ENV = "GAN_STUDY_SPLIT_URL"
"""Environment variable that overrides the address of :data:`SPLIT_LIST`."""

SPLIT_LIST: SplitListFile | None = SplitListFile(
    "https://raw.githubusercontent.com/kakumarabhishek/Corrected-Skin-Image-Datasets/"
    "d15d70dc445c7f5960d8376f89512ea9079c4222/DermaMNIST/DermaMNIST_Analysis/"
    "dermamnist_split_info.csv",
    243_056,
    "de620804ae7c2159c625a70351839fa9",
)
"""The official DermaMNIST assignment of the HAM10000 images (``split, index, image_id``),
as published with Abhishek, Jain & Hamarneh (2025) at a fixed commit; size and MD5 are
those of the copy the study was developed with. ``None`` skips it."""


def download_split_list(
    root: str | os.PathLike | None = None, *, progress: bool = True, attempts: int = 3
) -> Path | None:
    """Fetch the DermaMNIST split list into ``<root>/splits/`` unless it is there.

    The file (:data:`SPLIT_LIST`, from ``$GAN_STUDY_SPLIT_URL`` when set) is
    downloaded into ``<root>/downloads/``, checked against its size and MD5,
    and only then moved into place.

    Parameters
    ----------
    root : path-like, optional
        Data root; default :func:`gan_study.paths.data_root`.
    progress : bool
        Show a progress bar.
    attempts : int
        Transfers before giving up when the connection keeps breaking.

    Returns
    -------
    Path or None
        The split list's path, or None when :data:`SPLIT_LIST` is None.

    Raises
    ------
    DownloadError
        As :func:`fetch`; the message names the address and how to place the
        file by hand.
    """
    spec = SPLIT_LIST
    root = paths.data_root(root)
    dest = root / DERMAMNIST_SPLIT_FILE
    if spec is None or dest.is_file():
        return dest if dest.is_file() else None
    remote = RemoteFile(spec.name, 0, spec.size, spec.md5)
    address = os.environ.get(SPLIT_URL_ENV, "") or spec.url
    folder = writable_folder(root / DOWNLOADS_FOLDER)
    print(f"Downloading the DermaMNIST split list from {address}", flush=True)
    try:
        got = fetch(remote, folder, base_url="", progress=progress, attempts=attempts, url=address)
    except DownloadError as exc:
        remove_if_empty(folder)
        raise DownloadError(f"{exc}; or save it by hand as {dest}") from None
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(got, dest)
    remove_if_empty(folder)
    return dest


def split_list_notice(root: Path) -> str:
    """Whether the DermaMNIST split list is under ``root``, and what its absence means.

    Parameters
    ----------
    root : Path
        The data root.

    Returns
    -------
    str
        One paragraph to print.
    """
    path = root / DERMAMNIST_SPLIT_FILE
    if path.is_file():
        return f"DermaMNIST split list: {path} is present (split='dermamnist' can be used)."
    return (
        f"DermaMNIST split list: {path} is ABSENT.\n"
        "  It is not part of the HAM10000 archives and cannot be derived from them, so it is not\n"
        "  made up here. Without it the study trains and evaluates on its own lesion-disjoint\n"
        "  split (split='lesion', the default), and source='dermamnist' (the official .npz\n"
        "  arrays) works too. What needs it is split='dermamnist' for source='ham10000' (the\n"
        "  official DermaMNIST assignment of the JPEGs), which stops with an error without it,\n"
        "  and so does the data chapter of the book (notebooks/02_data.py compares the two\n"
        "  splits). To add it, save dermamnist_split_info.csv (columns split, index, image_id)\n"
        f"  from {SPLIT_SOURCE}\n"
        f"  (Abhishek et al. 2025; the split is MedMNIST v2's, CC BY-NC 4.0) as {path}."
    )
