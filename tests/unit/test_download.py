"""``gan_study.data.download``: HAM10000 on first use, against a loopback HTTP server.

The server (:class:`gan_study.data.fixtures.LoopbackDataverse`: ``http.server``
in a thread on 127.0.0.1, port 0) serves a tiny
HAM10000-shaped distribution made here: a metadata CSV and two zips of small
PIL JPEGs, under Dataverse-style paths ``/<datafile id>``. It supports Range
requests and can cut a connection, ignore Range, or serve corrupted bytes, so
resuming, restarting and checking are exercised over real HTTP. Everything is
written under pytest's ``tmp_path``.
"""

from __future__ import annotations

import hashlib
import io
import socket
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from gan_study import cli
from gan_study.data import download, ham10000, split_list, transfer
from gan_study.data.download import DownloadError
from gan_study.data.fixtures import (
    DATAVERSE_PREFIX,
    LoopbackDataverse,
    remote_file,
    tiny_metadata,
)
from gan_study.data.transfer import RemoteFile

LESIONS = {"nv": [2, 1], "mel": [1], "bkl": [1, 1]}
"""Six images: three in each archive."""

PREFIX = DATAVERSE_PREFIX
"""Path of the files on the test server, as on the Dataverse: ``PREFIX + datafile id``."""


# ------------------------------------------------------------------ the data
def _jpeg(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (40 * seed % 256, 90, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return buffer.getvalue()


@dataclass
class Distribution:
    """The files of a tiny HAM10000 as served, and their table."""

    image_ids: list[str]
    blobs: dict[int, bytes]
    specs: tuple[RemoteFile, ...]


def make_distribution(part_2_extra: dict[str, bytes] | None = None) -> Distribution:
    """Metadata CSV (id 11), part 1 with images at top level (id 12), part 2 in a folder (id 13).

    Part 2 also holds a folder entry and ``__MACOSX`` junk, as archives made
    on a Mac do; ``part_2_extra`` adds members to it.
    """
    meta = tiny_metadata(LESIONS)
    ids = meta["image_id"].tolist()
    csv_bytes = meta.to_csv(index=False).encode()
    part_1 = _zip({f"{i}.jpg": _jpeg(k) for k, i in enumerate(ids[:3])})
    members = {"HAM10000_images_part_2/": b""}
    members |= {f"HAM10000_images_part_2/{i}.jpg": _jpeg(k + 3) for k, i in enumerate(ids[3:])}
    members["__MACOSX/HAM10000_images_part_2/._x.jpg"] = b"junk"
    members |= part_2_extra or {}
    part_2 = _zip(members)
    blobs = {11: csv_bytes, 12: part_1, 13: part_2}
    specs = (
        remote_file(ham10000.METADATA_FILE, 11, csv_bytes, "?format=original"),
        remote_file("HAM10000_images_part_1.zip", 12, part_1),
        remote_file("HAM10000_images_part_2.zip", 13, part_2),
    )
    return Distribution(ids, blobs, specs)


# ------------------------------------------------------------------ the server
Server = LoopbackDataverse


@pytest.fixture
def server():
    with LoopbackDataverse() as state:
        yield state


@pytest.fixture(autouse=True)
def no_retry_wait(monkeypatch):
    monkeypatch.setattr(transfer, "RETRY_WAIT_S", 0.0)


@pytest.fixture(autouse=True)
def no_split_list(monkeypatch):
    """No test reaches GitHub: the split list is off unless a test serves its own."""
    monkeypatch.setattr(split_list, "SPLIT_LIST", None)
    monkeypatch.delenv(split_list.SPLIT_URL_ENV, raising=False)


SPLIT_CSV = b"split,index,image_id\r\ntrain,0,ISIC_0000001\r\ntest,0,ISIC_0000002\r\n"


def _serve_split_list(server: Server, monkeypatch, data: bytes = SPLIT_CSV) -> None:
    server.blobs[99] = data
    spec = split_list.SplitListFile(
        f"{server.url}99", len(SPLIT_CSV), hashlib.md5(SPLIT_CSV).hexdigest()
    )
    monkeypatch.setattr(split_list, "SPLIT_LIST", spec)


def _fetch(root: Path, server: Server, dist: Distribution, **kwargs) -> Path:
    return download.download_ham10000(
        root, base_url=server.url, files=dist.specs, progress=False, **kwargs
    )


def _assert_nothing_half_written(root: Path) -> None:
    """No HAM10000 folder, no temporary unpack folder beside it, no finished download."""
    assert not (root / "HAM10000").exists()
    assert not [p for p in root.iterdir() if p.name.startswith(".HAM10000")]


# ------------------------------------------------------------------ tests
def test_the_table_is_the_dataverse_distribution():
    by_name = {f.name: f for f in download.HAM10000_FILES}
    assert by_name["HAM10000_metadata.csv"] == RemoteFile(
        "HAM10000_metadata.csv",
        4338392,
        690_218,
        "8f85fb1aa29d80a2797247e434deb79d",
        "?format=original",
    )
    assert by_name["HAM10000_images_part_1.zip"].datafile_id == 3172585
    assert by_name["HAM10000_images_part_1.zip"].size == 1_366_522_108
    assert by_name["HAM10000_images_part_1.zip"].md5 == "4639bfa73ab251610530a97c898e6e46"
    assert by_name["HAM10000_images_part_2.zip"].datafile_id == 3172584
    assert by_name["HAM10000_images_part_2.zip"].size == 1_403_566_547
    assert by_name["HAM10000_images_part_2.zip"].md5 == "da43d6cc50f6613013be07e8986b384b"
    assert (
        by_name["HAM10000_metadata.csv"].url(download.BASE_URL)
        == "https://dataverse.harvard.edu/api/access/datafile/4338392?format=original"
    )


def test_download_unpacks_into_the_layout_the_loader_reads(tmp_path, server, capsys):
    dist = make_distribution()
    server.blobs = dist.blobs
    root = tmp_path / "root"
    target = _fetch(root, server, dist)

    assert target == root / "HAM10000"
    assert (target / "HAM10000_metadata.csv").read_bytes() == dist.blobs[11]
    assert sorted(p.name for p in (target / "images").iterdir()) == sorted(
        f"{i}.jpg" for i in dist.image_ids
    )
    assert sorted(p.name for p in root.iterdir()) == ["HAM10000"]  # downloads removed, no temp
    meta = ham10000.load_metadata(root)
    listing = ham10000.list_images(ham10000.dataset_dir(root), meta["image_id"].tolist())
    assert [p.parent for p in listing.files] == [target / "images"] * len(dist.image_ids)

    out = capsys.readouterr().out
    total = sum(s.size for s in dist.specs)
    assert f"({total:,} bytes)" in out
    for spec in dist.specs:
        assert spec.name in out
    assert out.index("CC BY-NC-SA 4.0") < out.index("ready in")  # licences before the work
    assert "CC BY-NC 4.0" in out and "doi:10.1038/sdata.2018.161" in out
    assert "dermamnist_split_info.csv is ABSENT" in out and split_list.SPLIT_SOURCE in out
    assert [len(server.asked(i)) for i in (11, 12, 13)] == [1, 1, 1]
    assert server.asked(11)[0].get("Range") is None


def test_second_call_is_a_no_op(tmp_path, server, capsys):
    dist = make_distribution()
    server.blobs = dist.blobs
    root = tmp_path / "root"
    _fetch(root, server, dist)
    before = {p: p.stat().st_mtime_ns for p in (root / "HAM10000").rglob("*")}
    server.requests.clear()
    capsys.readouterr()

    assert _fetch(root, server, dist) == root / "HAM10000"
    assert server.requests == []
    assert {p: p.stat().st_mtime_ns for p in (root / "HAM10000").rglob("*")} == before
    out = capsys.readouterr().out
    assert "already complete" in out and "nothing to download" in out
    assert "Downloading" not in out


def test_interrupted_download_resumes_with_range_on_the_next_call(tmp_path, server):
    dist = make_distribution()
    server.blobs = dist.blobs
    server.cut_once[12] = 1000
    root = tmp_path / "root"
    part = root / "downloads" / "HAM10000_images_part_1.zip.part"

    with pytest.raises(DownloadError) as info:
        _fetch(root, server, dist, attempts=1)
    message = str(info.value)
    assert "HAM10000_images_part_1.zip" in message and f"{server.url}12" in message
    assert str(part) in message and "run the same command again" in message
    assert part.stat().st_size == 1000
    assert not (root / "downloads" / "HAM10000_images_part_1.zip").exists()
    _assert_nothing_half_written(root)

    server.requests.clear()
    _fetch(root, server, dist, attempts=1)
    (resumed,) = server.asked(12)
    assert resumed.get("Range") == "bytes=1000-"
    assert server.asked(11) == []  # the finished metadata was reused, not fetched again
    assert len(list((root / "HAM10000" / "images").glob("ISIC_*.jpg"))) == len(dist.image_ids)
    assert not part.exists()


def test_a_broken_connection_is_resumed_within_one_call(tmp_path, server, capsys):
    dist = make_distribution()
    server.blobs = dist.blobs
    server.cut_once[13] = 777
    _fetch(tmp_path / "root", server, dist)
    first, second = server.asked(13)
    assert first.get("Range") is None and second.get("Range") == "bytes=777-"
    assert "attempt 2 of 3" in capsys.readouterr().out


def test_a_server_that_ignores_range_restarts_the_file_cleanly(tmp_path, server, capsys):
    dist = make_distribution()
    server.blobs = dist.blobs
    server.ignore_range = True
    root = tmp_path / "root"
    (root / "downloads").mkdir(parents=True)
    # A .part whose bytes are not the file's: appending to it would fail the MD5 check.
    (root / "downloads" / "HAM10000_images_part_1.zip.part").write_bytes(b"\0" * 500)

    _fetch(root, server, dist)
    (request,) = server.asked(12)
    assert request.get("Range") == "bytes=500-"
    assert "ignored the resume request" in capsys.readouterr().out
    assert len(list((root / "HAM10000" / "images").glob("ISIC_*.jpg"))) == len(dist.image_ids)


def test_a_corrupted_file_fails_its_md5_and_is_deleted(tmp_path, server):
    dist = make_distribution()
    good = dist.blobs[12]
    bad = good[:100] + bytes([good[100] ^ 0xFF]) + good[101:]
    server.blobs = {**dist.blobs, 12: bad}
    root = tmp_path / "root"

    with pytest.raises(DownloadError) as info:
        _fetch(root, server, dist)
    message = str(info.value)
    assert "HAM10000_images_part_1.zip" in message
    assert hashlib.md5(good).hexdigest() in message and hashlib.md5(bad).hexdigest() in message
    assert "deleted" in message
    assert [p.name for p in (root / "downloads").iterdir()] == ["HAM10000_metadata.csv"]
    _assert_nothing_half_written(root)


def test_http_404_names_the_url_and_what_to_do(tmp_path, server):
    dist = make_distribution()
    server.blobs = {11: dist.blobs[11], 13: dist.blobs[13]}  # part 1 is missing
    root = tmp_path / "root"

    with pytest.raises(DownloadError) as info:
        _fetch(root, server, dist)
    message = str(info.value)
    assert f"{server.url}12" in message and "404" in message
    assert "by hand" in message and str(root / "downloads") in message
    assert "HAM10000_images_part_1.zip" in message
    assert len(server.asked(12)) == 1  # a 404 is not retried
    assert not list((root / "downloads").glob("*.part"))
    _assert_nothing_half_written(root)


def test_an_unreachable_server_gives_a_clear_error(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dist = make_distribution()
    url = f"http://127.0.0.1:{port}/"

    with pytest.raises(DownloadError) as info:
        download.download_ham10000(
            tmp_path / "root", base_url=url, files=dist.specs, progress=False, attempts=2
        )
    message = str(info.value)
    assert f"{url}11?format=original" in message and "2 attempt(s)" in message
    assert "internet connection" in message and "by hand" in message
    assert not (tmp_path / "root" / "downloads").exists()  # nothing left behind


@pytest.mark.parametrize("evil", ["../evil.jpg", "/abs/evil.jpg", "a/../../evil.jpg"])
def test_an_archive_with_an_unsafe_member_is_refused(tmp_path, server, evil):
    dist = make_distribution(part_2_extra={evil: _jpeg(9)})
    with zipfile.ZipFile(io.BytesIO(dist.blobs[13])) as bundle:
        assert evil in bundle.namelist()  # the archive really holds that name
    server.blobs = dist.blobs
    root = tmp_path / "data" / "root"

    with pytest.raises(DownloadError) as info:
        _fetch(root, server, dist)
    message = str(info.value)
    assert repr(evil) in message and "HAM10000_images_part_2.zip" in message
    assert "nothing was extracted" in message
    assert not list(tmp_path.rglob("evil.jpg"))
    _assert_nothing_half_written(root)


def test_an_incomplete_existing_copy_is_left_alone(tmp_path, server):
    dist = make_distribution()
    server.blobs = dist.blobs
    root = tmp_path / "root"
    (root / "HAM10000").mkdir(parents=True)
    (root / "HAM10000" / "HAM10000_metadata.csv").write_bytes(dist.blobs[11])

    with pytest.raises(DownloadError, match="exists but is not a complete HAM10000"):
        _fetch(root, server, dist)
    assert server.requests == []
    assert sorted(p.name for p in (root / "HAM10000").iterdir()) == ["HAM10000_metadata.csv"]


def test_cli_downloads_from_the_url_in_the_environment(tmp_path, server, monkeypatch, capsys):
    dist = make_distribution()
    server.blobs = dist.blobs
    monkeypatch.setattr(download, "HAM10000_FILES", dist.specs)
    monkeypatch.setenv(download.URL_ENV, server.url)
    root = tmp_path / "root"

    assert cli.main(["data", "--download", "--data-dir", str(root)]) == 0
    assert len(list((root / "HAM10000" / "images").glob("ISIC_*.jpg"))) == len(dist.image_ids)
    assert [len(server.asked(i)) for i in (11, 12, 13)] == [1, 1, 1]
    assert "ready in" in capsys.readouterr().out


def test_cli_download_failure_is_one_line_with_status_1(tmp_path, server, monkeypatch, capsys):
    dist = make_distribution()
    monkeypatch.setattr(download, "HAM10000_FILES", dist.specs)
    monkeypatch.setenv(download.URL_ENV, server.url)  # serves nothing: 404

    assert cli.main(["data", "--download", "--data-dir", str(tmp_path / "root")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("gan-study data: error:") and err.count("\n") == 1
    assert f"{server.url}11?format=original" in err and "404" in err


def test_cli_data_without_data_points_at_download(tmp_path, capsys):
    assert cli.main(["data", "--data-dir", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert "GAN_STUDY_DATA_DIR" in err and "gan-study data --download" in err


def test_the_split_list_is_fetched_checked_and_placed(tmp_path, server, monkeypatch, capsys):
    dist = make_distribution()
    server.blobs = dict(dist.blobs)
    _serve_split_list(server, monkeypatch)
    root = tmp_path / "root"

    _fetch(root, server, dist)
    assert (root / "splits" / "dermamnist_split_info.csv").read_bytes() == SPLIT_CSV
    assert "dermamnist_split_info.csv is present" in capsys.readouterr().out
    assert not (root / "downloads").exists()
    _fetch(root, server, dist)  # complete now: nothing is asked again
    assert len(server.asked(99)) == 1


def test_a_corrupted_split_list_is_refused_and_not_placed(tmp_path, server, monkeypatch):
    dist = make_distribution()
    server.blobs = dict(dist.blobs)
    _serve_split_list(server, monkeypatch, data=SPLIT_CSV.replace(b"test", b"tEst"))
    root = tmp_path / "root"

    with pytest.raises(DownloadError) as info:
        _fetch(root, server, dist)
    message = str(info.value)
    assert "dermamnist_split_info.csv" in message and "save it by hand" in message
    assert not (root / "splits").exists()
    assert not list(root.rglob("*.part"))
    assert (root / "HAM10000" / "images").is_dir()  # the images are kept: a rerun fetches the rest


def test_the_split_list_address_can_be_overridden(tmp_path, server, monkeypatch):
    dist = make_distribution()
    server.blobs = dict(dist.blobs)
    _serve_split_list(server, monkeypatch)
    server.blobs[98] = server.blobs.pop(99)
    monkeypatch.setenv(split_list.SPLIT_URL_ENV, f"{server.url}98")

    split_list.download_split_list(tmp_path / "root", progress=False)
    assert (tmp_path / "root" / "splits" / "dermamnist_split_info.csv").read_bytes() == SPLIT_CSV
