"""One test per bad-input probe of the data layer (numbered as in the audit).

Each probe feeds the loader a damaged tiny HAM10000 folder, metadata table or
cache file and checks that it ends in a clear error naming the file, row or
parameter and the fix (or a warning and a rebuild, where that is recoverable),
and that nothing half-written is left in the cache folder.
"""

from __future__ import annotations

import os
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from gan_study import data
from gan_study.data import cache as cache_module
from gan_study.data import ham10000
from gan_study.data.fixtures import write_tiny_ham10000

N_IMAGES = 131
"""Rows of the default tiny metadata table."""


@pytest.fixture()
def root(tmp_path):
    return write_tiny_ham10000(tmp_path / "root")


@pytest.fixture()
def cache(tmp_path):
    return tmp_path / "cache"


def _metadata(root):
    return root / "HAM10000" / "HAM10000_metadata.csv"


def _image(root, k=0):
    return sorted((root / "HAM10000" / "images").iterdir())[k]


def _nothing_cached(cache):
    """No file at all in the cache folder: no .npz, no empty file, no temporary file."""
    return not cache.exists() or not any(cache.rglob("*"))


def _only_cache_file(cache, path):
    """The cache folder holds exactly ``path`` (no temporary or stale file beside it)."""
    return sorted(p.name for p in cache.iterdir()) == [path.name]


def _set_cell(root, row, column, text):
    """Write ``text`` verbatim into one cell of the metadata CSV."""
    table = pd.read_csv(_metadata(root), dtype=str)
    table.loc[row, column] = text
    table.to_csv(_metadata(root), index=False)
    return table.loc[row, "image_id"]


def _load_without_warnings(root, cache):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return data.load(data_dir=root, cache_dir=cache)


# 1. truncated and zero-byte JPEGs


@pytest.mark.parametrize("damage", ["half", "last-bytes", "zero-bytes"])
def test_probe01_truncated_or_empty_jpeg_names_the_file(root, cache, damage):
    path = _image(root, 7)
    raw = path.read_bytes()
    cut = {"half": len(raw) // 2, "last-bytes": len(raw) - 10, "zero-bytes": 0}[damage]
    path.write_bytes(raw[:cut])
    expected = "is empty \\(0 bytes\\)" if damage == "zero-bytes" else "corrupt or truncated"
    with pytest.raises(data.DataError, match=f"{path.name}.*{expected}.*replace it"):
        data.load(data_dir=root, cache_dir=cache)
    assert _nothing_cached(cache)


# 2. a PNG named ISIC_*.jpg: accepted, read by its content


def test_probe02_png_named_jpg_is_read_by_its_content(root, cache, tmp_path):
    path = _image(root, 4)
    pixels = np.random.default_rng(1).integers(0, 256, size=(30, 40, 3)).astype(np.uint8)
    Image.fromarray(pixels).save(path, format="PNG")
    reference = tmp_path / "reference.png"
    Image.fromarray(pixels).save(reference)
    with Image.open(path) as image:
        assert image.format == "PNG"
    d = data.load(data_dir=root, cache_dir=cache)
    for split in d.splits():
        hits = np.flatnonzero(split.meta["image_id"].to_numpy() == path.stem)
        if hits.size:
            np.testing.assert_array_equal(
                split.images[hits[0]], ham10000.resize_image(reference, 28)
            )
            break
    else:
        pytest.fail(f"{path.stem} is in no split")


# 3. repeated image_id rows


def test_probe03_duplicate_image_ids_are_named(root, cache):
    table = pd.read_csv(_metadata(root))
    pd.concat([table, table.iloc[[0, 9]]]).to_csv(_metadata(root), index=False)
    first, second = table["image_id"].iloc[0], table["image_id"].iloc[9]
    with pytest.raises(data.DataError, match=f"more than once.*{first}.*{second}") as caught:
        data.load(data_dir=root, cache_dir=cache)
    message = str(caught.value)
    assert "HAM10000_metadata.csv" in message and "keep one row per image_id" in message
    assert f"line(s) [2, 11, {N_IMAGES + 2}, {N_IMAGES + 3}]" in message
    assert _nothing_cached(cache)


# 4. a row without an image, an image without a row


def test_probe04_row_without_image_is_an_error_naming_it(root, cache):
    path = _image(root, 5)
    path.unlink()
    with pytest.raises(FileNotFoundError, match=f"1 image.*{path.stem}.jpg.*restore them"):
        data.load(data_dir=root, cache_dir=cache)
    assert _nothing_cached(cache)


def test_probe04_image_without_row_is_ignored_with_a_warning(root, cache):
    extra = root / "HAM10000" / "images" / "ISIC_9999999.jpg"
    Image.new("RGB", (40, 30)).save(extra)
    with pytest.warns(UserWarning, match="1 image.*not in HAM10000_metadata.csv.*ISIC_9999999"):
        d = data.load(data_dir=root, cache_dir=cache)
    ids = set(pd.concat([s.meta for s in d.splits()])["image_id"])
    assert len(ids) == N_IMAGES and "ISIC_9999999" not in ids


# 5. a read-only cache folder; a cache path under a regular file


def test_probe05_read_only_cache_folder(root, tmp_path, monkeypatch):
    cache = tmp_path / "ro"
    cache.mkdir(mode=0o500)

    def refused(*args, **kwargs):  # what a read-only folder does for a non-root user
        raise PermissionError(13, "Permission denied", str(cache))

    if os.geteuid() == 0:  # root writes anyway, so refuse as the kernel would
        monkeypatch.setattr(cache_module.tempfile, "NamedTemporaryFile", refused)
    try:
        with pytest.raises(PermissionError) as caught:
            data.load(data_dir=root, cache_dir=cache)
    finally:
        cache.chmod(0o700)
    message = str(caught.value)
    assert f"cache folder {cache} is not writable" in message
    assert "set GAN_STUDY_CACHE_DIR or pass cache_dir=" in message
    assert _nothing_cached(cache)


@pytest.mark.parametrize("below", ["", "sub", "sub/deeper"])
def test_probe05_cache_path_under_a_regular_file(root, tmp_path, below):
    blocker = tmp_path / "a-file"
    blocker.write_text("a file, not a folder")
    target = blocker / below if below else blocker
    with pytest.raises(PermissionError) as caught:
        data.load(data_dir=root, cache_dir=target)
    message = str(caught.value)
    assert f"cache folder {target} is not writable: {blocker} is a file, not a folder" in message
    assert "set GAN_STUDY_CACHE_DIR or pass cache_dir=" in message
    assert blocker.read_text() == "a file, not a folder"


# 6. a damaged or stale cache file is reported, rebuilt and replaced


def _damage(path, how):
    if how == "single-npy":  # a bare .npy array under the .npz name
        with open(path, "wb") as stream:
            np.save(stream, np.zeros((131, 28, 28, 3), np.uint8))
        return
    raw = bytearray(path.read_bytes())
    if how == "truncated":
        raw = raw[: len(raw) // 2]
    else:  # bad CRC: flip bytes inside the images array
        middle = len(raw) // 2
        raw[middle : middle + 16] = bytes(b ^ 0xFF for b in raw[middle : middle + 16])
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize(
    ("how", "reason"),
    [("truncated", "BadZipFile"), ("bad-crc", "Bad CRC-32"), ("single-npy", "not an .npz")],
)
def test_probe06_damaged_cache_is_rebuilt_and_replaced(root, cache, how, reason):
    a = data.load(data_dir=root, cache_dir=cache)
    _damage(a.cache_path, how)
    with pytest.warns(UserWarning, match=f"{a.cache_path.name} is unreadable.*{reason}.*rebuild"):
        b = data.load(data_dir=root, cache_dir=cache)
    assert b.cache_path == a.cache_path and _only_cache_file(cache, a.cache_path)
    for x, y in zip(a.splits(), b.splits(), strict=True):
        np.testing.assert_array_equal(x.images, y.images)
    _load_without_warnings(root, cache)  # the file was replaced: no warning next time


def _stale(ids, images):
    return {"images": images, "image_id": ids}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (lambda ids: _stale(ids, np.zeros((len(ids), 5, 5, 3), np.uint8)), r"\(131, 5, 5, 3\)"),
        (lambda ids: _stale(ids, np.zeros((len(ids), 28, 28, 3), np.float32)), "float32"),
        (lambda ids: _stale(ids[:-1], np.zeros((130, 28, 28, 3), np.uint8)), r"\(130, 28"),
        (lambda ids: {"image_id": ids}, "no 'images' array"),
        (lambda ids: _stale(ids[::-1], np.zeros((131, 28, 28, 3), np.uint8)), "image_id list"),
    ],
    ids=["5px-images", "float-images", "one-row-short", "no-images", "other-ids"],
)
def test_probe06_cache_with_wrong_arrays_is_stale_and_rebuilt(root, cache, content, reason):
    a = data.load(data_dir=root, cache_dir=cache)
    with np.load(a.cache_path) as archive:
        ids = archive["image_id"]
    np.savez(a.cache_path, **content(ids))
    with pytest.warns(UserWarning, match=f"{a.cache_path.name} is stale.*{reason}.*rebuild"):
        b = data.load(data_dir=root, cache_dir=cache)
    assert b.train.images.shape[1:] == (28, 28, 3)
    for x, y in zip(a.splits(), b.splits(), strict=True):
        np.testing.assert_array_equal(x.images, y.images)
    assert _only_cache_file(cache, a.cache_path)
    _load_without_warnings(root, cache)


# 7. a symlinked images folder (and a link loop inside it)


def test_probe07_symlinked_images_folder_is_followed(root, cache, tmp_path):
    images = root / "HAM10000" / "images"
    elsewhere = tmp_path / "elsewhere"
    shutil.move(images, elsewhere)
    images.symlink_to(elsewhere, target_is_directory=True)
    (elsewhere / "loop").symlink_to(elsewhere, target_is_directory=True)
    (root / "HAM10000" / "again").symlink_to(elsewhere, target_is_directory=True)
    d = _load_without_warnings(root, cache)
    assert sum(len(s) for s in d.splits()) == N_IMAGES
    plain = write_tiny_ham10000(tmp_path / "plain")
    e = data.load(data_dir=plain, cache_dir=tmp_path / "plain-cache")
    for x, y in zip(d.splits(), e.splits(), strict=True):
        np.testing.assert_array_equal(x.images, y.images)


# 8. a metadata file with a header and no rows


def test_probe08_header_only_metadata_has_no_rows(root, cache):
    pd.read_csv(_metadata(root)).iloc[:0].to_csv(_metadata(root), index=False)
    with pytest.raises(data.DataError, match="HAM10000_metadata.csv has no rows.*restore"):
        data.load(data_dir=root, cache_dir=cache)
    assert _nothing_cached(cache)


# 9. a huge image (PIL's decompression-bomb limits stay on)


def _claim_size(path, width, height):
    """Rewrite a baseline JPEG's frame header (SOF0) to declare another size."""
    raw = bytearray(path.read_bytes())
    sof = raw.index(b"\xff\xc0")
    raw[sof + 5 : sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    path.write_bytes(bytes(raw))


def test_probe09_huge_jpeg_is_rejected_naming_its_size(root, cache):
    limit = Image.MAX_IMAGE_PIXELS
    path = _image(root, 3)
    _claim_size(path, 20000, 10000)  # 200 Mpx: over twice the limit, PIL refuses to open it
    with pytest.raises(data.DataError, match=f"{path.name} \\(20000 x 10000 pixels\\).*too large"):
        data.load(data_dir=root, cache_dir=cache)
    assert Image.MAX_IMAGE_PIXELS == limit
    assert _nothing_cached(cache)


def test_probe09_image_over_the_warning_limit_is_rejected_before_decoding(root, cache, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # the 40 x 30 images now exceed it
    path = _image(root, 0)
    with (
        pytest.warns(Image.DecompressionBombWarning),
        pytest.raises(data.DataError, match=f"{path.name} is 40 x 30 pixels.*over PIL's"),
    ):
        data.load(data_dir=root, cache_dir=cache)
    assert _nothing_cached(cache)


# 10. cache files get the usual umask-respecting mode


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_probe10_cache_file_mode_follows_the_umask(root, cache, umask, mode):
    old = os.umask(umask)
    try:
        d = data.load(data_dir=root, cache_dir=cache)
    finally:
        os.umask(old)
    assert d.cache_path.stat().st_mode & 0o777 == mode
    assert _only_cache_file(cache, d.cache_path)


# 11. ages: empty or 0..120, anything else names the row, the id and the value


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("abc", "not a number"),
        ("-5", "out of range"),
        ("1e9", "out of range"),
        ("inf", "out of range"),
        ("120.5", "out of range"),
    ],
)
def test_probe11_bad_age_names_line_id_and_value(root, cache, text, problem):
    image_id = _set_cell(root, 2, "age", text)
    pattern = f"age is {problem}|age {problem}"
    with pytest.raises(data.DataError, match=pattern) as caught:
        data.load(data_dir=root, cache_dir=cache)
    assert f"line 4 ({image_id}, age '{text}')" in str(caught.value)
    assert "HAM10000_metadata.csv" in str(caught.value) and "from 0 to 120" in str(caught.value)
    assert _nothing_cached(cache)


def test_probe11_edge_and_empty_ages_are_valid(root):
    for row, text in ((0, "0"), (1, "120"), (2, ""), (3, " 45.5 ")):
        _set_cell(root, row, "age", text)
    meta = data.load_metadata(root).set_index("image_id")
    table = pd.read_csv(_metadata(root), dtype=str)
    ages = meta.loc[table["image_id"].iloc[:4], "age"].to_numpy()
    assert ages[0] == 0 and ages[1] == 120 and np.isnan(ages[2])
    assert abs(ages[3] - 45.5) < 1e-9


# 12. a semicolon- (or tab-) separated metadata file


@pytest.mark.parametrize(("sep", "name"), [(";", "semicolon"), ("\t", "tab")])
def test_probe12_wrong_delimiter_is_named(root, cache, sep, name):
    pd.read_csv(_metadata(root)).to_csv(_metadata(root), index=False, sep=sep)
    expected = f"looks {name}-separated; HAM10000_metadata.csv must be comma-separated"
    with pytest.raises(data.DataError, match=expected):
        data.load(data_dir=root, cache_dir=cache)
    assert _nothing_cached(cache)
