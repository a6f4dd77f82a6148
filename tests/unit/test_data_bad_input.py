"""Every kind of bad input gets a clear error (or warning) and leaves no cache behind."""

from __future__ import annotations

import pandas as pd
import pytest
from PIL import Image

from gan_study import data
from gan_study.data.fixtures import write_tiny_ham10000


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


def _no_cache(cache):
    """Nothing at all in the cache folder: no .npz, no empty file, no temporary file."""
    return not cache.exists() or not any(cache.rglob("*"))


def test_missing_root(tmp_path, cache):
    with pytest.raises(FileNotFoundError, match="GAN_STUDY_DATA_DIR or pass --data-dir"):
        data.load(data_dir=tmp_path / "nowhere", cache_dir=cache)
    assert _no_cache(cache)


def test_root_without_ham10000_folder(tmp_path, cache):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"empty/HAM10000 does not exist"):
        data.load(data_dir=tmp_path / "empty", cache_dir=cache)


def test_missing_metadata(root, cache):
    _metadata(root).unlink()
    with pytest.raises(FileNotFoundError, match="HAM10000_metadata.csv not found"):
        data.load(data_dir=root, cache_dir=cache)
    assert _no_cache(cache)


def test_metadata_without_expected_columns(root, cache):
    pd.read_csv(_metadata(root)).drop(columns=["lesion_id", "sex"]).to_csv(
        _metadata(root), index=False
    )
    with pytest.raises(data.DataError, match=r"lacks the column\(s\) \['lesion_id', 'sex'\]"):
        data.load(data_dir=root, cache_dir=cache)
    assert _no_cache(cache)


def test_empty_metadata_file(root, cache):
    _metadata(root).write_text("")
    with pytest.raises(data.DataError, match="cannot parse"):
        data.load_metadata(root)


def test_repeated_image_id(root):
    table = pd.read_csv(_metadata(root))
    pd.concat([table, table.iloc[:1]]).to_csv(_metadata(root), index=False)
    with pytest.raises(data.DataError, match="more than once"):
        data.load_metadata(root)


def test_unknown_dx_label(root, cache):
    table = pd.read_csv(_metadata(root))
    table.loc[3, "dx"] = "scc"
    table.to_csv(_metadata(root), index=False)
    with pytest.raises(data.DataError, match=r"unknown dx label\(s\) \['scc'\]"):
        data.load(data_dir=root, cache_dir=cache)
    assert _no_cache(cache)


def test_nan_age_and_unknown_sex_are_valid(root):
    table = pd.read_csv(_metadata(root))
    table["age"] = float("nan")
    table["sex"] = "unknown"
    table.to_csv(_metadata(root), index=False)
    meta = data.load_metadata(root)
    assert meta["age"].isna().all() and (meta["sex"] == "unknown").all()


def test_listed_image_missing(root, cache):
    path = _image(root, 5)
    path.unlink()
    with pytest.raises(FileNotFoundError, match=f"{path.stem}.jpg.*restore them"):
        data.load(data_dir=root, cache_dir=cache)
    assert _no_cache(cache)


def test_image_not_in_metadata_is_ignored_with_a_warning(root, cache):
    extra = root / "HAM10000" / "images" / "ISIC_9999999.jpg"
    Image.new("RGB", (40, 30)).save(extra)
    with pytest.warns(UserWarning, match="ISIC_9999999.jpg"):
        d = data.load(data_dir=root, cache_dir=cache)
    assert sum(len(s) for s in d.splits()) == len(pd.read_csv(_metadata(root)))


def test_same_image_twice(root, cache):
    path = _image(root, 2)
    (root / "HAM10000" / "copy").mkdir()
    (root / "HAM10000" / "copy" / path.name).write_bytes(path.read_bytes())
    with pytest.raises(data.DataError, match="exists twice"):
        data.load(data_dir=root, cache_dir=cache)


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_corrupt_or_truncated_jpeg(root, cache, damage):
    path = _image(root, 7)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2] if damage == "truncated" else b"not a jpeg" * 50)
    with pytest.raises(data.DataError, match=f"cannot decode image .*{path.name}.*replace it"):
        data.load(data_dir=root, cache_dir=cache)
    assert _no_cache(cache)


@pytest.mark.parametrize("size", [0, 27, 128, 28.5])
def test_unsupported_size(root, cache, size):
    with pytest.raises(ValueError, match=r"image_size"):
        data.load(image_size=size, data_dir=root, cache_dir=cache)
    assert _no_cache(cache)


def test_unknown_source_and_split(root, cache):
    with pytest.raises(ValueError, match="unknown source 'isic'"):
        data.load(source="isic", data_dir=root, cache_dir=cache)
    with pytest.raises(ValueError, match="unknown split 'random'"):
        data.load(split="random", data_dir=root, cache_dir=cache)
    with pytest.raises(ValueError, match="only split='dermamnist'"):
        data.load(source="dermamnist", split="lesion", cache_dir=cache)


def test_unwritable_cache_folder(root, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("a file, not a folder")
    with pytest.raises(
        PermissionError,
        match="a-file/cache is not writable: .*a-file is a file.*GAN_STUDY_CACHE_DIR",
    ):
        data.load(data_dir=root, cache_dir=blocker / "cache")


def test_read_only_cache_folder(root, tmp_path):
    import os

    if os.geteuid() == 0:
        pytest.skip("root ignores folder permissions")
    cache = tmp_path / "ro"
    cache.mkdir(mode=0o500)
    try:
        with pytest.raises(PermissionError, match="not writable"):
            data.load(data_dir=root, cache_dir=cache)
    finally:
        cache.chmod(0o700)
