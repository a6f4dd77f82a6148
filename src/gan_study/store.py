"""One store for what the study writes and reuses: atomic writes, digests, cache keys.

Everything the study computes once and reads back later — processed arrays,
trained classifiers, ``metrics.json``, chapter 6's arm results — is found
under a *cache key*. A key that names only the parameters goes stale as soon
as the code that computed a value or the data it was computed from changes,
and the old number would then be shown as if it were new. So every key here
is made of three parts (:func:`cache_key`):

``code``
    :func:`code_version` of the package modules that compute the value: a
    SHA-256 of their source files. Editing any of them changes the key.
``inputs``
    digests of the input arrays or files (:func:`array_digest`,
    :func:`file_digest`), never only their lengths or names.
``params``
    every parameter, as JSON.

Files are written to a temporary sibling and renamed into place
(``os.replace``), so a reader sees either the old file or the new one, never
half of one, and a killed writer leaves at most a temporary file behind.
Written files get the usual permissions (``0o666`` less the umask), not the
``0o600`` of :func:`tempfile.mkstemp`, so a cache can be shared.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import numpy as np

_PACKAGE = "gan_study"
_DIGEST_CHARS = 16


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ------------------------------------------------------------------ writing
def atomic_write_bytes(
    path: str | os.PathLike, data: bytes, *, temp: str | os.PathLike | None = None
) -> Path:
    """Write ``data`` to ``path`` atomically.

    The bytes go to a temporary file in the same folder, are flushed to disk
    and renamed over ``path``; on any error (or interruption) the temporary
    file is removed and ``path`` is left as it was.

    Parameters
    ----------
    path : path-like
        Destination; its folder is created if needed.
    data : bytes
    temp : path-like, optional
        The temporary file, in ``path``'s folder, for a caller that must
        recognise its writers' leftovers by name (a run directory,
        :mod:`gan_study.rundir`). Default: a fresh ``.NAME.XXXXXXXX.tmp``.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = None
    if temp is None:
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    else:
        tmp = Path(temp)
    try:
        if handle is None:  # inside the try: an interrupted open removes the file too
            handle = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(
    path: str | os.PathLike, text: str, *, temp: str | os.PathLike | None = None
) -> Path:
    """:func:`atomic_write_bytes` of UTF-8 text (``temp`` as there)."""
    return atomic_write_bytes(path, text.encode("utf-8"), temp=temp)


def atomic_write_json(path: str | os.PathLike, obj) -> Path:
    """:func:`atomic_write_bytes` of ``obj`` as indented JSON (sorted keys)."""
    return atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str))


def atomic_save(
    path: str | os.PathLike,
    write: Callable[[Path], object],
    *,
    temp: str | os.PathLike | None = None,
) -> Path:
    """Let ``write(tmp_path)`` create a file, then rename it to ``path``.

    For writers that insist on a file name of their own, such as
    ``keras.Model.save`` (which needs the ``.keras`` suffix): the temporary
    name keeps the suffix of ``path``. ``temp`` names it instead, as in
    :func:`atomic_write_bytes`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = (
        Path(temp)
        if temp is not None
        else path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    )
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike) -> Iterator[Path]:
    """Build a directory under a temporary sibling name; rename it to ``path`` at the end.

    Yields the temporary folder. If the block raises, the folder is removed
    and ``path`` is untouched. If ``path`` appeared meanwhile (another
    process finished the same work first), the existing one is kept and the
    new one discarded.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())
        try:
            os.replace(tmp, path)
        except OSError:
            if not path.is_dir():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


# ------------------------------------------------------------------ digests
def array_digest(*arrays: np.ndarray) -> str:
    """SHA-256 of the shapes, dtypes and bytes of ``arrays`` (16 hex characters).

    Two arrays with equal values but different shapes or dtypes have
    different digests.
    """
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(repr((a.shape, a.dtype.str)).encode())
        h.update(a.data)
    return h.hexdigest()[:_DIGEST_CHARS]


def file_digest(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes (16 hex characters).

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    """
    h = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:_DIGEST_CHARS]


_ROOT = Path(__file__).resolve().parent  # the package's folder


def _source_files(module: str) -> list[Path]:
    name = module.removeprefix(f"{_PACKAGE}.") if module != _PACKAGE else ""
    base = _ROOT.joinpath(*name.split(".")) if name else _ROOT
    if base.is_dir():  # a package: all of its source files
        return sorted(base.rglob("*.py"))
    if base.with_suffix(".py").is_file():
        return [base.with_suffix(".py")]
    raise ValueError(f"no module {module!r} in {_ROOT}; check the name")


@functools.cache
def code_version(*modules: str) -> str:
    """SHA-256 of the source files of ``modules`` of the package (16 hex characters).

    Parameters
    ----------
    *modules : str
        Module names relative to the package (``"metrics"``,
        ``"data.ham10000"``); a package name (``"data"``) covers all its
        files. None: the whole package.

    Returns
    -------
    str
        Changes whenever any of those files changes (remembered per process:
        the code does not change while it runs).
    """
    files = sorted({f for m in (modules or (_PACKAGE,)) for f in _source_files(m)})
    h = hashlib.sha256()
    for f in files:
        h.update(str(f.relative_to(_ROOT)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:_DIGEST_CHARS]


def cache_key(*, code: str, inputs: Mapping[str, str], params: Mapping) -> str:
    """The key of a cached result: code version, input digests and parameters.

    Parameters
    ----------
    code : str
        :func:`code_version` of the modules that compute the result.
    inputs : mapping of str to str
        A digest per input (:func:`array_digest`, :func:`file_digest`, or the
        key of a cached input).
    params : mapping
        Every parameter, JSON-serialisable.

    Returns
    -------
    str
        16 hex characters; equal exactly when all three parts are equal.
    """
    blob = json.dumps(
        {"code": code, "inputs": dict(inputs), "params": dict(params)},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:_DIGEST_CHARS]
