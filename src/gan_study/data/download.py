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
  same call (a few attempts) or by the next one. A server that ignores
  ``Range`` (answers 200, not 206) makes the file start again from byte 0.
  :mod:`pooch`, used for the MedMNIST files (:mod:`gan_study.data.medmnist`),
  cannot resume, so the transfer here is a small :mod:`urllib` loop with a
  :mod:`tqdm` progress bar.
* **Checked.** A file whose MD5 differs from the table is deleted and the
  error names the file and both hashes. Zip members with absolute paths or
  ``..`` are refused before anything is extracted.
* **Idempotent.** When ``<root>/HAM10000`` already holds every image its
  metadata lists, nothing is downloaded (and it says so).

Environment
-----------
``GAN_STUDY_DATA_URL``
    Base URL that replaces :data:`BASE_URL` (a mirror, or a local test
    server). A file is requested as ``<base>/<datafile id><query>``, e.g.
    ``<base>/4338392?format=original``, so a mirror serves each file under
    its Dataverse datafile id.

Licences
--------
HAM10000 (images and metadata) is licensed CC BY-NC-SA 4.0: Tschandl P.,
Rosendahl C., Kittler H., Sci. Data 5, 180161 (2018), doi:10.1038/sdata.2018.161.
The DermaMNIST split list (MedMNIST v2, Yang J. et al., Sci. Data 10, 41 (2023))
is CC BY-NC 4.0; it is not in the Dataverse archives, so
:func:`download_split_list` fetches it from where Abhishek et al. (2025)
publish it, at a fixed commit, MD5-checked (:data:`SPLIT_LIST`;
``$GAN_STUDY_SPLIT_URL`` overrides its address).
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gan_study import paths
from gan_study.data.ham10000 import DATASET_FOLDER, METADATA_FILE
from gan_study.data.medmnist import _md5 as file_md5
from gan_study.data.splits import DERMAMNIST_SPLIT_FILE
from gan_study.data.types import DownloadError
from gan_study.data.unpack import complete_images, unpack

BASE_URL = "https://dataverse.harvard.edu/api/access/datafile/"
"""The Harvard Dataverse access API; a file is ``BASE_URL + id + query``."""

URL_ENV = "GAN_STUDY_DATA_URL"
"""Environment variable that overrides :data:`BASE_URL`."""

DATASET_PAGE = "https://doi.org/10.7910/DVN/DBW86T"
"""The dataset's landing page, for downloading by hand."""

SPLIT_SOURCE = "https://github.com/kakumarabhishek/Corrected-Skin-Image-Datasets"
"""Where the official DermaMNIST split list is published (Abhishek et al. 2025)."""

DOWNLOADS_FOLDER = "downloads"
"""Sub-folder of the data root that holds the downloaded files (and ``.part`` files)."""

PART_SUFFIX = ".part"
TIMEOUT_S = 60.0
"""Seconds a connection may stay silent before the attempt counts as failed."""
RETRY_WAIT_S = 2.0
"""Seconds before the first retry of an interrupted transfer (doubled on each further one)."""
_CHUNK = 1 << 20
_USER_AGENT = "gan-study (HAM10000 download; +https://github.com/gan-study/gan-study)"

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


class _Transient(Exception):
    """A transfer stopped for a reason that another attempt may not meet (kept ``.part``)."""


class _RangeRefused(Exception):
    """The server answered 416 to a Range request (the ``.part`` file is of no use)."""


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
    folder = _writable(root / DOWNLOADS_FOLDER)
    print(download_plan(files, folder, base))
    print(LICENCE_NOTICE, flush=True)
    _check_space(folder, files)
    try:
        fetched = [
            fetch(spec, folder, base_url=base, progress=progress, attempts=attempts)
            for spec in files
        ]
    except BaseException:
        _remove_if_empty(folder)
        raise
    count = unpack(fetched, target)
    print(f"HAM10000 is ready in {target} ({count:,} images).")
    if not keep_archives:
        _remove_downloads(fetched, folder)
    download_split_list(root, progress=progress, attempts=attempts)
    print(split_list_notice(root), flush=True)
    return target


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
    folder = _writable(root / DOWNLOADS_FOLDER)
    print(f"Downloading the DermaMNIST split list from {address}", flush=True)
    try:
        got = fetch(remote, folder, base_url="", progress=progress, attempts=attempts, url=address)
    except DownloadError as exc:
        _remove_if_empty(folder)
        raise DownloadError(f"{exc}; or save it by hand as {dest}") from None
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(got, dest)
    _remove_if_empty(folder)
    return dest


def resolve_base_url(base_url: str | None = None) -> str:
    """``base_url``, else ``$GAN_STUDY_DATA_URL``, else :data:`BASE_URL`."""
    if base_url:
        return base_url
    return os.environ.get(URL_ENV, "") or BASE_URL


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
        part = _part_path(done)
        if done.is_file():
            note, left = "already downloaded, will be checked", 0
        elif part.is_file() and part.stat().st_size < spec.size:
            have = part.stat().st_size
            note, left = f"resuming at {_human(have)}", spec.size - have
        else:
            note, left = "", spec.size
        remaining += left
        lines.append(f"  {spec.name:<28} {_human(spec.size):>9}  {note}".rstrip())
    total = sum(spec.size for spec in files)
    lines.append(
        f"  total {_human(total)} ({total:,} bytes), {_human(remaining)} still to download; "
        f"unpacking needs about {_human(total)} more"
    )
    return "\n".join(lines)


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
    part = _part_path(dest)
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
def _part_path(dest: Path) -> Path:
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


def _writable(folder: Path) -> Path:
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


def _check_space(folder: Path, files: Sequence[RemoteFile]) -> None:
    """Raise DownloadError when ``folder``'s disk cannot hold the downloads and the unpacked copy."""
    needed = 0
    for spec in files:
        done = folder / spec.name
        part = _part_path(done)
        have = done.stat().st_size if done.is_file() else 0
        have = have or (part.stat().st_size if part.is_file() else 0)
        needed += max(spec.size - have, 0) + spec.size  # the rest of the download, then unpacked
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise DownloadError(
            f"{folder} has {_human(free)} free, the download and the unpacked images need about "
            f"{_human(needed)}: free some space or choose another data root with --data-dir or "
            f"${paths.DATA_DIR_ENV}"
        )


def _remove_downloads(fetched: Sequence[Path], folder: Path) -> None:
    """Delete the downloaded files (they are unpacked) and ``folder`` if it is then empty."""
    freed = 0
    for path in fetched:
        freed += path.stat().st_size
        path.unlink()
    _remove_if_empty(folder)
    print(f"removed the downloaded files ({_human(freed)}) from {folder}.")


def _remove_if_empty(folder: Path) -> None:
    """Remove ``folder`` if it is empty; leave it (and say nothing) otherwise."""
    try:
        folder.rmdir()
    except OSError:
        pass


def _human(nbytes: int) -> str:
    """``nbytes`` in decimal units (``1.37 GB``)."""
    if nbytes < 1000:
        return f"{nbytes} B"
    value = nbytes / 1000
    for unit in ("kB", "MB"):
        if value < 1000:
            return f"{value:.2f} {unit}"
        value /= 1000
    return f"{value:.2f} GB"
