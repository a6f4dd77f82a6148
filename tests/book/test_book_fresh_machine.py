"""The quick book on a machine without data: download, verify, unpack, build.

The ``fresh_download`` and ``book`` fixtures (``tests/book/conftest.py``) run
``gan-study data --download`` against the loopback Dataverse and build the
quick book from the data root it made; these tests check what happened on
the way.
"""

from __future__ import annotations

import hashlib

from gan_study.data import download, fixtures, ham10000, split_list


def _sha256sums(root):
    sums = {}
    for line in (root / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        sums[name.removeprefix("./")] = digest
    return sums


def test_the_download_fetched_each_file_once_and_said_what_and_under_which_licence(
    fresh_download,
):
    paths = [path for path, _ in fresh_download.requests]
    ids = [spec.datafile_id for spec in fresh_download.files]
    served = [*ids, fresh_download.split_list_id]
    assert sorted(paths) == sorted(f"{fixtures.DATAVERSE_PREFIX}{i}" for i in served)
    out = fresh_download.output
    assert "CC BY-NC-SA 4.0" in out and "HAM10000 is ready in" in out
    for spec in fresh_download.files:
        assert spec.name in out  # the plan names every file before the first byte
    assert "10,015 images" in out


def test_the_downloaded_root_holds_the_source_files_byte_for_byte(fresh_download):
    root, sums = fresh_download.root, _sha256sums(fresh_download.source)
    wanted = {name: digest for name, digest in sums.items() if name.startswith("HAM10000/")}
    images = sorted((root / ham10000.DATASET_FOLDER / "images").glob("*.jpg"))
    assert len(images) == sum(name.endswith(".jpg") for name in wanted) == 10015
    for name, digest in wanted.items():
        assert hashlib.sha256((root / name).read_bytes()).hexdigest() == digest, name
    split = root / "splits" / "dermamnist_split_info.csv"
    assert hashlib.md5(split.read_bytes()).hexdigest() == split_list.SPLIT_LIST.md5
    assert not (root / download.DOWNLOADS_FOLDER).exists()  # archives removed after unpacking
