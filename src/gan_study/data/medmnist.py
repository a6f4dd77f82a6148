"""The official DermaMNIST arrays (MedMNIST v2), downloaded from Zenodo.

A second source for :func:`gan_study.data.load`, so a notebook can switch
between arrays made here from the HAM10000 JPEGs and the benchmark's own
pixels with one parameter. The ``medmnist`` package is not needed: the
``.npz`` is fetched with :mod:`pooch` (MD5-checked, with a progress bar) into
``<cache_dir>/downloads``; a file already there is checked and used offline.

The ``.npz`` holds images and labels only, so the metadata of this source has
``dx`` (from the label) and ``image_id`` / ``lesion_id`` etc. empty.

References
----------
Yang J. et al. MedMNIST v2 - A large-scale lightweight benchmark for 2D and 3D
biomedical image classification. Sci. Data 10, 41 (2023). Zenodo record 10519652.
Licence CC BY-NC 4.0.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np

from gan_study import paths
from gan_study.data.types import DataError

BASE_URL = "https://zenodo.org/records/10519652/files/"
"""Where the files are fetched from (``BASE_URL + name + "?download=1"``)."""

FILES: dict[int, tuple[str, str]] = {
    28: ("dermamnist.npz", "0744692d530f8e62ec473284d019b0c7"),
    64: ("dermamnist_64.npz", "b70a2f5635c6199aeaa28c31d7202e1f"),
    128: ("dermamnist_128.npz", "2defd784463fa5243564e855ed717de1"),
    224: ("dermamnist_224.npz", "8974907d8e169bef5f5b96bc506ae45d"),
}
"""Image side -> (file name, MD5) of the MedMNIST v2 DermaMNIST files."""


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(
    image_size: int = 28,
    cache_dir: str | os.PathLike | None = None,
    base_url: str | None = None,
    progress: bool = True,
) -> Path:
    """Path of the checked DermaMNIST ``.npz`` at ``image_size``, downloading it if needed.

    Parameters
    ----------
    image_size : int
        28, 64, 128 or 224.
    cache_dir : path-like, optional
        Cache root (default :func:`gan_study.paths.cache_dir`); the file goes
        to its ``downloads/`` folder.
    base_url : str, optional
        Override of :data:`BASE_URL` (a mirror, or a local test server).
    progress : bool
        Show a download progress bar.

    Returns
    -------
    Path

    Raises
    ------
    ValueError
        For a size MedMNIST does not publish.
    DataError
        When a local file or the download has the wrong MD5, or the download
        fails or is cut short; no partial file is left behind.
    """
    if image_size not in FILES:
        raise ValueError(
            f"DermaMNIST is published at sizes {sorted(FILES)}, not {image_size}; "
            "use source='ham10000' for other sizes"
        )
    name, md5 = FILES[image_size]
    folder = paths.cache_dir(cache_dir) / "downloads"
    path = folder / name
    if path.is_file():
        found = _md5(path)
        if found != md5:
            raise DataError(
                f"{path} has MD5 {found}, expected {md5}: delete it to download it again"
            )
        return path
    from gan_study.data.cache import ensure_writable

    ensure_writable(folder)
    import pooch
    import requests

    url = f"{base_url or BASE_URL}{name}?download=1"
    try:
        pooch.retrieve(
            url,
            known_hash=f"md5:{md5}",
            fname=name,
            path=folder,
            progressbar=progress,
        )
    except ValueError as exc:  # pooch's hash mismatch
        raise DataError(
            f"download of {url} failed its MD5 check ({exc}); nothing was kept"
        ) from exc
    except (requests.RequestException, OSError) as exc:
        raise DataError(
            f"download of {url} failed ({exc}); nothing was kept. Check the connection, or "
            f"place {name} (MD5 {md5}) in {folder} by hand"
        ) from exc
    return path


def read_npz(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Images and labels per split from a MedMNIST ``.npz``.

    Returns
    -------
    dict
        ``{"train"|"val"|"test": (images uint8 (N,S,S,3), labels int64 (N,))}``.
    """
    out = {}
    try:
        with np.load(path, allow_pickle=False) as archive:
            for side in ("train", "val", "test"):
                images = archive[f"{side}_images"]
                labels = archive[f"{side}_labels"].astype(np.int64).reshape(-1)
                if images.ndim == 3:  # grey-scale MedMNIST sets; DermaMNIST is RGB
                    images = np.repeat(images[..., None], 3, axis=-1)
                out[side] = (images.astype(np.uint8, copy=False), labels)
    except (KeyError, OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path} is not a MedMNIST .npz ({exc}); delete it and retry") from exc
    return out
