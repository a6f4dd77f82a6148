"""The processed-array cache: one ``.npz`` per source fingerprint and image size.

A cache file's name carries a key derived from everything its contents depend
on (the image listing with byte sizes and modification times, the metadata's
SHA-256, the image size and the resize method), so a changed source is simply
a different file and the stale one is never read. Files are written to a
temporary name in the same folder and renamed into place (``os.replace``), so
an interrupted build leaves no half-written cache behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

CACHE_FORMAT = 1
"""Bumped whenever the way arrays are made changes, so old caches are not reused."""

_HOW_TO_FIX = "set GAN_STUDY_CACHE_DIR or pass cache_dir= to a writable folder"
STALE_SECONDS = 3600
"""Temporary files of a write this old are left over from a killed build and removed."""


def cache_key(**parts) -> str:
    """Short hex digest of the JSON of ``parts`` (sorted keys)."""
    text = json.dumps({"format": CACHE_FORMAT, **parts}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def ensure_writable(folder: Path) -> Path:
    """Create ``folder`` if needed and check that files can be written in it.

    Raises
    ------
    PermissionError
        When the folder cannot be created or written, naming it and the fix.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise PermissionError(
            f"cache folder {folder} is not writable ({exc}); {_HOW_TO_FIX}"
        ) from exc
    return folder


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> Path:
    """Write ``arrays`` to ``path`` atomically (temporary file, then rename).

    Raises
    ------
    PermissionError
        When the folder is not writable.
    """
    ensure_writable(path.parent)
    for stale in path.parent.glob(".*.tmp"):
        try:
            if time.time() - stale.stat().st_mtime > STALE_SECONDS:
                stale.unlink()
        except OSError:
            pass
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, **arrays)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_npz(path: Path) -> dict[str, np.ndarray] | None:
    """Read a cache file fully, or return None when it is absent or unreadable.

    Warns
    -----
    UserWarning
        When the file exists but cannot be read (it is then rebuilt).
    """
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (OSError, ValueError, EOFError) as exc:
        warnings.warn(f"cache file {path} is unreadable ({exc}); rebuilding it", stacklevel=3)
        return None
