"""Tiny HAM10000-shaped folders, and a loopback Dataverse, for tests.

Unit tests across the study need a :class:`~gan_study.data.LesionData` without
the real data. :func:`toy_lesion_data` makes one in memory (random 28 px
images of 7 x 7 colour blocks), for tests of what reads arrays only;
:func:`write_tiny_ham10000` writes a folder laid out exactly
like the HAM10000 distribution (metadata CSV, ``ISIC_*.jpg`` images, optional
DermaMNIST split table) but filled with small random-colour JPEGs, so the whole
loader runs on it in well under a second. Nothing it writes is real data.

The download (:mod:`gan_study.data.download`) is tested without the internet:
:class:`LoopbackDataverse` serves files over HTTP on 127.0.0.1 under the
Dataverse's access paths, with Range requests, and can cut a connection,
ignore Range or be asked what it was asked; :func:`pack_distribution` packs
a data root into the files the Dataverse distributes (the metadata CSV and
two image archives) with their table of sizes and MD5s.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from gan_study.data.ham10000 import METADATA_FILE
from gan_study.data.transfer import RemoteFile
from gan_study.data.types import LesionData, Split

#: Class shares of :func:`toy_split`, roughly HAM10000's (``nv`` the most frequent).
TOY_CLASS_SHARES = (0.05, 0.05, 0.1, 0.02, 0.1, 0.65, 0.03)


def toy_split(name: str, n: int, seed: int, class_shares=TOY_CLASS_SHARES) -> Split:
    """``n`` random uint8 28 px images of 7 x 7 colour blocks, with random labels.

    Parameters
    ----------
    name : str
        The split's name.
    n, seed : int
        Number of images and the seed of their pixels and labels.
    class_shares : sequence of 7 floats
        The probability of each class label.
    """
    rng = np.random.default_rng(seed)
    labels = rng.choice(7, n, p=list(class_shares))
    base = rng.integers(0, 256, (n, 7, 7, 3))
    images = np.repeat(np.repeat(base, 4, 1), 4, 2).astype(np.uint8)
    return Split(name, images, labels, pd.DataFrame({"image_id": range(n)}))


def toy_lesion_data(
    sizes: tuple[int, int, int] = (300, 40, 120),
    seeds: tuple[int, int, int] = (0, 1, 2),
    class_shares=TOY_CLASS_SHARES,
) -> LesionData:
    """A 28 px :class:`~gan_study.data.LesionData` of :func:`toy_split` train, val and test
    splits with these sizes and seeds (``source`` and ``split`` are ``"toy"``)."""
    train, val, test = (
        toy_split(name, n, seed, class_shares)
        for name, n, seed in zip(("train", "val", "test"), sizes, seeds, strict=True)
    )
    return LesionData(train, val, test, source="toy", split="toy", image_size=28, cache_path=None)


DEFAULT_LESIONS: dict[str, list[int]] = {
    # per class, the number of images of each lesion (most lesions have one image)
    "akiec": [3, 2] + [1] * 8,
    "bcc": [2] + [1] * 10,
    "bkl": [4, 2, 2] + [1] * 14,
    "df": [1] * 10,
    "mel": [3, 2] + [1] * 15,
    "nv": [6, 3, 2, 2] + [1] * 30,
    "vasc": [2] + [1] * 9,
}


def tiny_metadata(lesions: dict[str, list[int]] | None = None, seed: int = 0) -> pd.DataFrame:
    """A HAM10000-like metadata table (no files).

    Parameters
    ----------
    lesions : dict, optional
        Per ``dx``, the image count of each lesion (default :data:`DEFAULT_LESIONS`).
    seed : int
        Seed for ages, sex and localisation; some ages are NaN and some sex
        ``"unknown"``, as in HAM10000.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`~gan_study.data.types.META_COLUMNS`, in file order.
    """
    lesions = DEFAULT_LESIONS if lesions is None else lesions
    rng = np.random.default_rng(seed)
    rows, image_number, lesion_number = [], 24306, 0
    for dx, sizes in lesions.items():
        for n_images in sizes:
            lesion_id = f"HAM_{lesion_number:07d}"
            lesion_number += 1
            age = float(rng.choice([np.nan, 35.0, 50.0, 65.0, 80.0]))
            sex = str(rng.choice(["male", "female", "unknown"]))
            for _ in range(n_images):
                rows.append(
                    {
                        "lesion_id": lesion_id,
                        "image_id": f"ISIC_{image_number:07d}",
                        "dx": dx,
                        "dx_type": "histo",
                        "age": age,
                        "sex": sex,
                        "localization": str(rng.choice(["back", "face", "trunk"])),
                    }
                )
                image_number += 1
    table = pd.DataFrame(rows)
    return table[["lesion_id", "image_id", "dx", "dx_type", "age", "sex", "localization"]]


def write_tiny_ham10000(
    root: str | os.PathLike,
    lesions: dict[str, list[int]] | None = None,
    *,
    image_shape: tuple[int, int] = (40, 30),
    layout: str = "one",
    dermamnist_split: bool = True,
    seed: int = 0,
) -> Path:
    """Write a tiny HAM10000-shaped data root of random-colour JPEGs.

    Parameters
    ----------
    root : path-like
        Folder to create (the data root: it receives ``HAM10000/`` and ``splits/``).
    lesions : dict, optional
        Per ``dx``, the image count of each lesion (default :data:`DEFAULT_LESIONS`).
    image_shape : tuple of int
        ``(width, height)`` of the JPEGs (4:3 by default, like the originals).
    layout : {"one", "parts"}
        All images in ``HAM10000/images/``, or split over
        ``HAM10000_images_part_1/`` and ``HAM10000_images_part_2/``.
    dermamnist_split : bool
        Also write ``splits/dermamnist_split_info.csv`` (a 70/10/20 by row).
    seed : int
        Seed of colours and metadata.

    Returns
    -------
    Path
        ``root``.
    """
    root = Path(root)
    folder = root / "HAM10000"
    meta = tiny_metadata(lesions, seed)
    rng = np.random.default_rng(seed)
    width, height = image_shape
    for k, image_id in enumerate(meta["image_id"]):
        sub = "images" if layout == "one" else f"HAM10000_images_part_{1 + (k % 2)}"
        (folder / sub).mkdir(parents=True, exist_ok=True)
        base = rng.integers(0, 256, size=3)
        noise = rng.integers(-30, 31, size=(height, width, 3))
        pixels = np.clip(base + noise, 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(folder / sub / f"{image_id}.jpg", quality=90)
    meta.to_csv(folder / "HAM10000_metadata.csv", index=False)
    if dermamnist_split:
        (root / "splits").mkdir(parents=True, exist_ok=True)
        n = len(meta)
        side = np.where(
            np.arange(n) % 10 < 7, "train", np.where(np.arange(n) % 10 < 8, "val", "test")
        )
        order = rng.permutation(n)
        table = pd.DataFrame({"split": side[order], "image_id": meta["image_id"].to_numpy()[order]})
        table["index"] = table.groupby("split").cumcount()
        table[["split", "index", "image_id"]].to_csv(
            root / "splits" / "dermamnist_split_info.csv", index=False
        )
    return root


# ------------------------------------------------------- the loopback Dataverse
#: Path of the files on :class:`LoopbackDataverse`, as on the Dataverse: ``PREFIX + id``.
DATAVERSE_PREFIX = "/api/access/datafile/"


@dataclass
class LoopbackDataverse:
    """An HTTP server on 127.0.0.1 that serves ``blobs`` as the Dataverse access API does.

    Use it as a context manager: inside, :attr:`url` is the base URL to give
    :func:`gan_study.data.download.download_ham10000` (or
    ``$GAN_STUDY_DATA_URL``), and ``url + str(id)`` the address of one file.

    Attributes
    ----------
    blobs : dict of int to bytes
        Datafile id -> the file's bytes; another path answers 404.
    cut_once : dict of int to int
        Datafile id -> bytes sent before the connection is cut, the first time only.
    ignore_range : bool
        Answer a Range request with the whole file (status 200).
    requests : list of (str, dict)
        Path and headers of every request, in order.
    """

    blobs: dict[int, bytes] = field(default_factory=dict)
    cut_once: dict[int, int] = field(default_factory=dict)
    ignore_range: bool = False
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    url: str = ""

    def asked(self, datafile_id: int) -> list[dict[str, str]]:
        """Headers of each request for ``datafile_id``."""
        return [h for path, h in self.requests if path == f"{DATAVERSE_PREFIX}{datafile_id}"]

    def __enter__(self) -> LoopbackDataverse:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}{DATAVERSE_PREFIX}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def _handler(state: LoopbackDataverse) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep the test output clean
            pass

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            state.requests.append((path, dict(self.headers.items())))
            try:
                datafile_id = int(path.removeprefix(DATAVERSE_PREFIX))
                body = state.blobs[datafile_id]
            except (ValueError, KeyError):
                self.send_error(404, "Not Found")
                return
            start = 0
            header = self.headers.get("Range", "")
            if header.startswith("bytes=") and not state.ignore_range:
                start = int(header[len("bytes=") :].split("-")[0])
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(len(body) - start))
            self.end_headers()
            cut = state.cut_once.pop(datafile_id, None)
            self.wfile.write(body[start:] if cut is None else body[start:cut])
            self.wfile.flush()
            self.close_connection = True

    return Handler


def pack_distribution(root: str | os.PathLike, first_id: int = 11):
    """Pack a data root into the files of the HAM10000 distribution, with their table.

    The metadata CSV as it is; the images (``HAM10000/images/*.jpg``) in two
    ZIP archives laid out as the Dataverse's are: the first half at the top
    level of ``HAM10000_images_part_1.zip``, the second half in a
    ``HAM10000_images_part_2/`` folder of ``HAM10000_images_part_2.zip``
    (stored, not compressed: JPEGs do not shrink).

    Parameters
    ----------
    root : path-like
        A data root as the loader reads it (``HAM10000/HAM10000_metadata.csv``
        and ``HAM10000/images/``).
    first_id : int
        Datafile id of the metadata; the archives take the next two.

    Returns
    -------
    blobs : dict of int to bytes
        Datafile id -> bytes, for :class:`LoopbackDataverse`.
    files : tuple of gan_study.data.transfer.RemoteFile
        Their table, in the order of :data:`gan_study.data.download.HAM10000_FILES`.
    """
    folder = Path(root) / "HAM10000"
    images = sorted((folder / "images").glob("*.jpg"))
    if not images:
        raise FileNotFoundError(f"no images in {folder / 'images'} to pack")
    half = len(images) // 2
    parts = []
    for k, (chunk, inner) in enumerate(
        ((images[:half], ""), (images[half:], "HAM10000_images_part_2/")), start=1
    ):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as bundle:
            for image in chunk:
                bundle.write(image, inner + image.name)
        parts.append((f"HAM10000_images_part_{k}.zip", buffer.getvalue()))
    named = [
        (METADATA_FILE, (folder / METADATA_FILE).read_bytes(), "?format=original"),
        *[(name, data, "") for name, data in parts],
    ]
    blobs, files = {}, []
    for offset, (name, data, query) in enumerate(named):
        blobs[first_id + offset] = data
        files.append(remote_file(name, first_id + offset, data, query))
    return blobs, tuple(files)


def remote_file(name: str, datafile_id: int, data: bytes, query: str = "") -> RemoteFile:
    """The table entry of ``data`` served as ``name`` under ``datafile_id``: its size and MD5."""
    return RemoteFile(name, datafile_id, len(data), hashlib.md5(data).hexdigest(), query)
