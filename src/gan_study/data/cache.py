"""The processed-array cache: one ``.npz`` per source fingerprint and image size.

A cache file's name carries a key derived from everything its contents depend
on (the image listing with byte sizes and modification times, the metadata's
SHA-256, the image size and the resize method), so a changed source is simply
a different file and the stale one is never read. Files are written to a
temporary name in the same folder and renamed into place (``os.replace``), so
an interrupted build leaves no half-written cache behind. Files are created
with the usual umask-respecting mode (``0o666 & ~umask``, normally ``0o644``),
so a shared cache folder is readable by whoever may read the folder. A cache
file that cannot be read (cut short, bad CRC) or does not hold the arrays
expected of it is reported with a warning and rebuilt, never trusted.
"""

from __future__ import annotations

import io
import tempfile
import time
import warnings
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np

CACHE_FORMAT = 1
"""Bumped when the layout of a cache file changes. (An edit of the code that
makes the arrays already changes every key, through :data:`CODE_MODULES`.)"""

CODE_MODULES = ("data.ham10000", "data.cache")
"""The modules whose code makes the cached arrays (part of every key)."""

_HOW_TO_FIX = "set GAN_STUDY_CACHE_DIR or pass cache_dir= to a writable folder"
STALE_SECONDS = 3600
"""Temporary files of a write this old are left over from a killed build and removed."""


def cache_key(**parts) -> str:
    """The key of a cache file: :func:`gan_study.store.cache_key` of the code of
    :data:`CODE_MODULES` and of ``parts`` (the inputs' fingerprints and every
    parameter), 16 hex characters."""
    from gan_study import store

    return store.cache_key(
        code=store.code_version(*CODE_MODULES),
        inputs={},
        params={"format": CACHE_FORMAT, **parts},
    )


def ensure_writable(folder: Path) -> Path:
    """Create ``folder`` if needed and check that files can be written in it.

    Raises
    ------
    PermissionError
        When the folder cannot be created or written (read-only, or a part of
        its path is a regular file), naming it and the fix.
    """
    blocker = _file_in_path(folder)
    if blocker is not None:
        raise PermissionError(
            f"cache folder {folder} is not writable: {blocker} is a file, not a folder; "
            f"{_HOW_TO_FIX}"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise PermissionError(
            f"cache folder {folder} is not writable ({exc}); {_HOW_TO_FIX}"
        ) from exc
    return folder


def _file_in_path(folder: Path) -> Path | None:
    """The nearest existing one of ``folder`` and its parents, if it is not a folder."""
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            return None if candidate.is_dir() else candidate
    return None


def _remove_stale_temporaries(folder: Path) -> None:
    """Delete temporary files of writes killed more than :data:`STALE_SECONDS` ago."""
    for stale in folder.glob(".*.tmp"):
        try:
            if time.time() - stale.stat().st_mtime > STALE_SECONDS:
                stale.unlink()
        except OSError:
            pass


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> Path:
    """Write ``arrays`` to ``path`` atomically (:func:`gan_study.store.atomic_write_bytes`).

    The file gets mode ``0o666 & ~umask`` (normally ``0o644``); an existing
    file at ``path`` (a stale or damaged cache) is replaced.

    Raises
    ------
    PermissionError
        When the folder is not writable.
    """
    from gan_study import store

    ensure_writable(path.parent)
    _remove_stale_temporaries(path.parent)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return store.atomic_write_bytes(path, buffer.getbuffer())


ArraySpec = tuple[tuple[int, ...], "np.dtype | type | None"]
"""Expected ``(shape, dtype)`` of one stored array; a dtype of None accepts any."""

_UNREADABLE = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error)
"""What reading a damaged ``.npz`` raises (``BadZipFile`` for a bad CRC or a cut file)."""


def load_npz(
    path: Path, expected: Mapping[str, ArraySpec] | None = None
) -> dict[str, np.ndarray] | None:
    """Read a cache file fully, or return None when it is absent, unreadable or stale.

    Parameters
    ----------
    path : Path
        The ``.npz`` file.
    expected : mapping, optional
        Per array name, the ``(shape, dtype)`` it must have; a missing array
        or another shape or dtype makes the file stale.

    Returns
    -------
    dict or None
        Every array of the file, or None (the caller rebuilds and replaces it).

    Warns
    -----
    UserWarning
        When the file exists but cannot be read (truncated, bad CRC, not an
        ``.npz``) or does not match ``expected``, naming the file.
    """
    if not path.is_file():
        return None
    try:
        arrays = _read_all(path)
    except _UNREADABLE as exc:
        warnings.warn(
            f"cache file {path} is unreadable ({type(exc).__name__}: {exc}); rebuilding it",
            stacklevel=3,
        )
        return None
    problem = _mismatch(arrays, expected or {})
    if problem:
        warnings.warn(f"cache file {path} is stale ({problem}); rebuilding it", stacklevel=3)
        return None
    return arrays


def _read_all(path: Path) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` at ``path``, read in full (so every CRC is checked).

    The file is opened here, not by :func:`numpy.load`, so it is closed even
    when numpy fails on a damaged archive.
    """
    with open(path, "rb") as stream:
        archive = np.load(stream, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError("it holds a single .npy array, not an .npz archive")
        with archive:
            return {name: archive[name] for name in archive.files}


def _mismatch(arrays: dict[str, np.ndarray], expected: Mapping[str, ArraySpec]) -> str:
    """How ``arrays`` differ from ``expected``: a phrase, empty when they match."""
    for name, (shape, dtype) in expected.items():
        if name not in arrays:
            return f"it has no {name!r} array"
        array = arrays[name]
        wrong_dtype = dtype is not None and array.dtype != np.dtype(dtype)
        if tuple(array.shape) != tuple(shape) or wrong_dtype:
            want = f"{tuple(shape)} {'' if dtype is None else np.dtype(dtype)}".rstrip()
            return f"{name!r} is {array.shape} {array.dtype}, expected {want}"
    return ""
