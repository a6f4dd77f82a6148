"""One file from the Harvard Dataverse (or any address): resumable, size- and MD5-checked.

:func:`fetch` streams a file to ``<name>.part`` in a downloads folder, resumes
an interrupted transfer with an HTTP ``Range`` request (a server that ignores
``Range`` makes it start again from byte 0), retries a broken connection a few
times, checks the size and MD5, and only then renames the file to ``<name>``.
A file of the wrong MD5 is deleted; every error names the file, its address
and how to place it by hand. :mod:`gan_study.data.download` fetches the
HAM10000 distribution with it, :mod:`gan_study.data.split_list` the DermaMNIST
split list. Why not :mod:`pooch` (as :mod:`gan_study.data.medmnist` uses): it
cannot resume, and the archives are 1.4 GB each.

Environment
-----------
``GAN_STUDY_DATA_URL``
    Base URL that replaces :data:`BASE_URL` (a mirror, or a local test
    server). A file is requested as ``<base>/<datafile id><query>``, e.g.
    ``<base>/4338392?format=original``, so a mirror serves each file under
    its Dataverse datafile id.
"""

from __future__ import annotations

import http.client
import os
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from gan_study import paths
from gan_study.data.medmnist import _md5 as file_md5
from gan_study.data.types import DownloadError

BASE_URL = "https://dataverse.harvard.edu/api/access/datafile/"
"""The Harvard Dataverse access API; a file is ``BASE_URL + id + query``."""

URL_ENV = "GAN_STUDY_DATA_URL"
"""Environment variable that overrides :data:`BASE_URL`."""

DATASET_PAGE = "https://doi.org/10.7910/DVN/DBW86T"
"""The dataset's landing page, for downloading by hand."""

DOWNLOADS_FOLDER = "downloads"
"""Sub-folder of the data root that holds the downloaded files (and ``.part`` files)."""

PART_SUFFIX = ".part"
TIMEOUT_S = 60.0
"""Seconds a connection may stay silent before the attempt counts as failed."""
RETRY_WAIT_S = 2.0
"""Seconds before the first retry of an interrupted transfer (doubled on each further one)."""
_CHUNK = 1 << 20
_USER_AGENT = "gan-study (HAM10000 download; +https://github.com/gan-study/gan-study)"


@dataclass(frozen=True)
class RemoteFile:
    """One file of the distribution on the Dataverse.

    Attributes
    ----------
    name : str
        File name (``.zip``: an image archive; otherwise copied into ``HAM10000/``).
    datafile_id : int
        Dataverse datafile id.
    size : int
        Size in bytes.
    md5 : str
        Hex MD5 of the file's bytes.
    query : str
        Appended to the URL (``"?format=original"`` for the metadata, whose
        ingested default view is tab-separated).
    """

    name: str
    datafile_id: int
    size: int
    md5: str
    query: str = ""

    def url(self, base_url: str) -> str:
        """The file's URL under ``base_url``."""
        return f"{base_url.rstrip('/')}/{self.datafile_id}{self.query}"


class _Transient(Exception):
    """A transfer stopped for a reason that another attempt may not meet (kept ``.part``)."""


class _RangeRefused(Exception):
    """The server answered 416 to a Range request (the ``.part`` file is of no use)."""


def resolve_base_url(base_url: str | None = None) -> str:
    """``base_url``, else ``$GAN_STUDY_DATA_URL``, else :data:`BASE_URL`."""
    if base_url:
        return base_url
    return os.environ.get(URL_ENV, "") or BASE_URL


def fetch(
    spec: RemoteFile,
    folder: Path,
    *,
    base_url: str,
    progress: bool = True,
    attempts: int = 3,
    url: str | None = None,
) -> Path:
    """Download one file into ``folder`` (resuming a ``.part``), check it, and return its path.

    A finished file already in ``folder`` (downloaded earlier or put there by
    hand) is only checked.

    Parameters
    ----------
    spec : RemoteFile
    folder : Path
        Destination folder.
    base_url : str
    progress : bool
        Show a progress bar.
    attempts : int
        Transfers before giving up when the connection keeps breaking.
    url : str, optional
        The file's full address, instead of ``spec.url(base_url)``.

    Returns
    -------
    Path
        ``folder / spec.name``, with the expected size and MD5.

    Raises
    ------
    DownloadError
        On an HTTP error, an unreachable server, a connection that broke
        ``attempts`` times (the ``.part`` file is kept for the next call), or a
        wrong size or MD5 (the file is deleted).
    """
    dest = folder / spec.name
    url = url or spec.url(base_url)
    if dest.is_file():
        _verify(dest, spec, url)
        return dest
    part = part_path(dest)
    for attempt in range(1, attempts + 1):
        try:
            _transfer(url, part, spec, progress=progress)
            break
        except _Transient as exc:
            if attempt == attempts:
                raise DownloadError(_gave_up(url, part, spec, attempts, exc)) from exc
            wait = RETRY_WAIT_S * 2 ** (attempt - 1)
            print(
                f"{spec.name}: {exc}; trying again in {wait:g} s, from where it stopped "
                f"(attempt {attempt + 1} of {attempts})",
                flush=True,
            )
            time.sleep(wait)
    _verify(part, spec, url)
    os.replace(part, dest)
    return dest


# ------------------------------------------------------------------ transfer
def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + PART_SUFFIX)


def _transfer(url: str, part: Path, spec: RemoteFile, *, progress: bool) -> None:
    """Bring ``part`` to ``spec.size`` bytes, resuming from its current length.

    Raises
    ------
    _Transient
        When the connection fails or closes early (``part`` keeps what arrived).
    DownloadError
        On an HTTP error other than a server error, or a wrong length.
    """
    offset = part.stat().st_size if part.is_file() else 0
    if offset > spec.size:
        part.unlink()
        offset = 0
    if offset == spec.size:
        return
    try:
        response = _open(url, spec, part.parent, offset)
    except _RangeRefused:
        print(f"{spec.name}: the server refused to resume; starting again", flush=True)
        part.unlink(missing_ok=True)
        offset = 0
        response = _open(url, spec, part.parent, offset)
    with response:
        offset = _start_at(response, url, part, offset)
        _check_length(response, url, part, spec, offset)
        _stream(response, part, spec, offset, progress=progress)
    received = part.stat().st_size
    if received < spec.size:
        raise _Transient(f"the connection closed after {received:,} of {spec.size:,} bytes")
    if received > spec.size:
        part.unlink()
        raise DownloadError(
            f"{url} sent {received:,} bytes for {spec.name}, expected {spec.size:,}; "
            f"the file was deleted. {_by_hand(spec, part.parent)}"
        )


def _open(url: str, spec: RemoteFile, folder: Path, offset: int) -> http.client.HTTPResponse:
    """The response to a GET of ``url`` from byte ``offset`` (a Range request when > 0).

    Raises
    ------
    _RangeRefused
        On ``416 Range Not Satisfiable`` to a Range request.
    _Transient
        When the server cannot be reached or answers with a server error.
    DownloadError
        On any other HTTP error (404, 403, ...).
    """
    headers = {"User-Agent": _USER_AGENT}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    request = urllib.request.Request(url, headers=headers)
    try:
        return urllib.request.urlopen(request, timeout=TIMEOUT_S)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 416 and offset:
            raise _RangeRefused(url) from exc
        if exc.code >= 500 or exc.code == 429:
            raise _Transient(f"{url} answered HTTP {exc.code} {exc.reason}") from exc
        raise DownloadError(_http_error(url, exc, spec, folder)) from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        raise _Transient(f"cannot reach {url} ({reason})") from exc


def _start_at(response: http.client.HTTPResponse, url: str, part: Path, offset: int) -> int:
    """Where the body of ``response`` starts: ``offset`` for a matching 206, 0 for a 200."""
    if response.status == 206:
        start = _range_start(response.headers.get("Content-Range", ""))
        if start == offset:
            return offset
        part.unlink(missing_ok=True)
        raise _Transient(
            f"{url} answered with bytes from {start} where {offset} were asked for; "
            "starting again from the beginning"
        )
    if offset:
        print(
            f"{part.name}: the server ignored the resume request (HTTP {response.status}, "
            "not 206); starting again from the beginning",
            flush=True,
        )
    return 0


def _range_start(content_range: str) -> int | None:
    """The first byte of a ``Content-Range: bytes START-END/TOTAL`` header, or None."""
    match = re.match(r"\s*bytes\s+(\d+)-", content_range)
    return int(match.group(1)) if match else None


def _check_length(
    response: http.client.HTTPResponse, url: str, part: Path, spec: RemoteFile, offset: int
) -> None:
    """Raise DownloadError (deleting ``part``) when the announced length is not the one expected."""
    announced = response.headers.get("Content-Length")
    if announced is None or not announced.strip().isdigit():
        return
    if int(announced) != spec.size - offset:
        part.unlink(missing_ok=True)
        raise DownloadError(
            f"{url} announces {int(announced) + offset:,} bytes for {spec.name}, expected "
            f"{spec.size:,}: the server offers another file (a wrong {URL_ENV} or base_url? "
            f"for the metadata, the Dataverse's tab-separated view instead of the original "
            f"CSV?); nothing was kept. {_by_hand(spec, part.parent)}"
        )


def _stream(
    response: http.client.HTTPResponse, part: Path, spec: RemoteFile, offset: int, *, progress: bool
) -> None:
    """Append the body of ``response`` to ``part`` (truncated first when ``offset`` is 0)."""
    from tqdm import tqdm

    with (
        open(part, "ab" if offset else "wb") as out,
        tqdm(
            total=spec.size,
            initial=offset,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc=spec.name,
            disable=not progress,
        ) as bar,
    ):
        while True:
            try:
                block = response.read(_CHUNK)
            except (OSError, http.client.HTTPException) as exc:
                raise _Transient(f"the connection broke ({exc!r})") from exc
            if not block:
                return
            out.write(block)
            bar.update(len(block))


def _verify(path: Path, spec: RemoteFile, url: str) -> None:
    """Raise DownloadError, deleting ``path``, when its size or MD5 is not the expected one."""
    size = path.stat().st_size
    if size != spec.size:
        path.unlink()
        raise DownloadError(
            f"{path} has {size:,} bytes, expected {spec.size:,} for {spec.name}; it was "
            f"deleted: run again to download it from {url}"
        )
    found = file_md5(path)
    if found != spec.md5:
        path.unlink()
        raise DownloadError(
            f"{spec.name} ({path}, from {url}) has MD5 {found}, expected {spec.md5}; the file "
            f"was deleted: run again to download it afresh. {_by_hand(spec, path.parent)}"
        )


# ------------------------------------------------------------------ messages
def _by_hand(spec: RemoteFile, folder: Path) -> str:
    return (
        f"To download it by hand, save {spec.name} (MD5 {spec.md5}) from {DATASET_PAGE} "
        f"into {folder} and run again"
    )


def _http_error(url: str, exc: urllib.error.HTTPError, spec: RemoteFile, folder: Path) -> str:
    hint = {
        404: f"the file is not at that address (check base_url / ${URL_ENV})",
    }.get(
        exc.code,
        "the server refused the request (it may want a login, a guestbook or the dataset's "
        "terms accepted in a browser)",
    )
    return f"{url} answered HTTP {exc.code} {exc.reason}: {hint}. {_by_hand(spec, folder)}"


def _gave_up(url: str, part: Path, spec: RemoteFile, attempts: int, exc: Exception) -> str:
    kept = part.stat().st_size if part.is_file() else 0
    where = (
        f"{part} keeps the {kept:,} bytes received and the next run resumes from there"
        if kept
        else "nothing was kept"
    )
    return (
        f"download of {spec.name} from {url} failed after {attempts} attempt(s): {exc}. "
        f"Check the internet connection (a proxy is taken from $https_proxy) and run the same "
        f"command again; {where}. {_by_hand(spec, part.parent)}"
    )


# ------------------------------------------------------------------ folders
def writable_folder(folder: Path) -> Path:
    """Create ``folder``; a PermissionError naming it and the fix when that fails."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PermissionError(
            f"cannot create the download folder {folder} ({exc}); choose a writable data root "
            f"with --data-dir or ${paths.DATA_DIR_ENV}"
        ) from exc
    if not os.access(folder, os.W_OK):
        raise PermissionError(
            f"the download folder {folder} is not writable; choose a writable data root with "
            f"--data-dir or ${paths.DATA_DIR_ENV}"
        )
    return folder


def remove_if_empty(folder: Path) -> None:
    """Remove ``folder`` if it is empty; leave it (and say nothing) otherwise."""
    try:
        folder.rmdir()
    except OSError:
        pass


def human_size(nbytes: int) -> str:
    """``nbytes`` in decimal units (``1.37 GB``)."""
    if nbytes < 1000:
        return f"{nbytes} B"
    value = nbytes / 1000
    for unit in ("kB", "MB"):
        if value < 1000:
            return f"{value:.2f} {unit}"
        value /= 1000
    return f"{value:.2f} GB"
