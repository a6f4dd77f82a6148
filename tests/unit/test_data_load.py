"""``load()`` on tiny HAM10000-shaped folders: layouts, resizing, alignment, the cache."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from gan_study import data
from gan_study.data import ham10000
from gan_study.data.fixtures import write_tiny_ham10000


@pytest.fixture()
def root(tmp_path):
    return write_tiny_ham10000(tmp_path / "root")


def _cache_files(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_load_lesion_split_shapes_labels_and_meta(root, tmp_path):
    d = data.load(data_dir=root, cache_dir=tmp_path / "cache")
    assert (d.source, d.split, d.image_size) == ("ham10000", "lesion", 28)
    meta = pd.read_csv(root / "HAM10000" / "HAM10000_metadata.csv")
    assert sum(len(s) for s in d.splits()) == len(meta)
    for s in d.splits():
        assert s.images.shape == (len(s), 28, 28, 3) and s.images.dtype == np.uint8
        assert s.labels.dtype == np.int64
        assert list(s.meta.columns) == list(data.META_COLUMNS)
        assert [data.CLASS_NAMES[k] for k in s.labels] == s.meta["dx"].tolist()
    # NaN ages and 'unknown' sex are kept as data
    all_meta = pd.concat([s.meta for s in d.splits()])
    assert all_meta["age"].isna().any() and (all_meta["sex"] == "unknown").any()
    train, test = set(d.train.meta["lesion_id"]), set(d.test.meta["lesion_id"])
    assert not train & test


def test_images_are_aligned_with_their_rows(root, tmp_path):
    d = data.load(data_dir=root, cache_dir=tmp_path / "cache", image_size=32)
    for s in (d.train, d.test):
        for i in (0, len(s) - 1):
            path = root / "HAM10000" / "images" / f"{s.meta['image_id'].iloc[i]}.jpg"
            np.testing.assert_array_equal(s.images[i], ham10000.resize_image(path, 32))


def test_resize_is_an_area_average_of_the_whole_frame(tmp_path):
    # 112 x 84 (4:3) -> 28 x 28: each output pixel averages a 4 x 3 block.
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(84, 112, 3)).astype(np.uint8)
    path = tmp_path / "x.png"  # lossless, so the expected average is exact
    Image.fromarray(pixels).save(path)
    out = ham10000.resize_image(path, 28).astype(float)
    expected = pixels.reshape(28, 3, 28, 4, 3).mean(axis=(1, 3))
    # PIL resamples in two passes with 8-bit rounding between them: within one level
    assert np.abs(out - expected).max() <= 1.0
    assert np.abs(out - expected).mean() < 0.3


def test_distribution_layout_in_two_parts(tmp_path):
    one = write_tiny_ham10000(tmp_path / "one", layout="one")
    parts = write_tiny_ham10000(tmp_path / "parts", layout="parts")
    assert (parts / "HAM10000" / "HAM10000_images_part_2").is_dir()
    a = data.load(data_dir=one, cache_dir=tmp_path / "c1")
    b = data.load(data_dir=parts, cache_dir=tmp_path / "c2")
    for x, y in zip(a.splits(), b.splits(), strict=True):
        np.testing.assert_array_equal(x.images, y.images)


def test_row_order_of_the_metadata_does_not_matter(root, tmp_path):
    a = data.load(data_dir=root, cache_dir=tmp_path / "c1")
    csv = root / "HAM10000" / "HAM10000_metadata.csv"
    pd.read_csv(csv).sample(frac=1.0, random_state=3).to_csv(csv, index=False)
    b = data.load(data_dir=root, cache_dir=tmp_path / "c2")
    for x, y in zip(a.splits(), b.splits(), strict=True):
        pd.testing.assert_frame_equal(x.meta, y.meta)
        np.testing.assert_array_equal(x.images, y.images)


def test_dermamnist_split_follows_the_official_order(root, tmp_path):
    d = data.load(split="dermamnist", data_dir=root, cache_dir=tmp_path / "cache")
    assert (d.source, d.split) == ("ham10000", "dermamnist")
    table = pd.read_csv(root / "splits" / "dermamnist_split_info.csv")
    for s in d.splits():
        expected = table[table["split"] == s.name].sort_values("index")["image_id"].tolist()
        assert s.meta["image_id"].tolist() == expected


def test_summary_and_text(root, tmp_path):
    summary = data.summarize(split="dermamnist", data_dir=root, cache_dir=tmp_path / "cache")
    assert summary["source"] == "ham10000" and summary["images"] == 131
    assert sum(summary["class_counts"].values()) == 131
    assert set(summary["lesion_overlap"]) >= {"images_val_in_train", "lesions_train_test"}
    text = data.format_summary(summary)
    assert "train" in text and "akiec" in text and "lesions shared" in text


def test_cache_is_reused(root, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    a = data.load(data_dir=root, cache_dir=cache)
    assert a.cache_path.parent == cache and _cache_files(cache) == [a.cache_path.name]

    def must_not_build(*args, **kwargs):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(ham10000, "build_images", must_not_build)
    b = data.load(data_dir=root, cache_dir=cache)
    assert b.cache_path == a.cache_path
    np.testing.assert_array_equal(a.train.images, b.train.images)
    # another split reuses the same arrays
    data.load(split="dermamnist", data_dir=root, cache_dir=cache)


def test_changed_image_invalidates_the_cache(root, tmp_path):
    cache = tmp_path / "cache"
    a = data.load(data_dir=root, cache_dir=cache)
    image_id = a.train.meta["image_id"].iloc[0]
    path = root / "HAM10000" / "images" / f"{image_id}.jpg"
    Image.new("RGB", (40, 30), (255, 0, 0)).save(path)
    b = data.load(data_dir=root, cache_dir=cache)
    assert b.cache_path != a.cache_path
    assert np.abs(b.train.images[0].astype(int) - [255, 0, 0]).max() <= 2
    assert not np.array_equal(a.train.images[0], b.train.images[0])


def test_touched_image_or_changed_metadata_invalidates_the_cache(root, tmp_path):
    cache = tmp_path / "cache"
    a = data.load(data_dir=root, cache_dir=cache)
    path = next((root / "HAM10000" / "images").iterdir())
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    b = data.load(data_dir=root, cache_dir=cache)
    assert b.cache_path != a.cache_path
    csv = root / "HAM10000" / "HAM10000_metadata.csv"
    table = pd.read_csv(csv)
    table.loc[0, "age"] = 99.0
    table.to_csv(csv, index=False)
    c = data.load(data_dir=root, cache_dir=cache)
    assert c.cache_path not in (a.cache_path, b.cache_path)


def test_sizes_give_separate_caches(root, tmp_path):
    cache = tmp_path / "cache"
    paths = {data.load(image_size=s, data_dir=root, cache_dir=cache).cache_path for s in (28, 64)}
    assert len(paths) == 2


def test_interrupted_write_leaves_no_cache(root, tmp_path, monkeypatch):
    cache = tmp_path / "cache"

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", killed)
    with pytest.raises(KeyboardInterrupt):
        data.load(data_dir=root, cache_dir=cache)
    assert _cache_files(cache) == []
    monkeypatch.undo()
    d = data.load(data_dir=root, cache_dir=cache)
    assert _cache_files(cache) == [d.cache_path.name]


def test_unreadable_cache_file_is_rebuilt(root, tmp_path):
    cache = tmp_path / "cache"
    a = data.load(data_dir=root, cache_dir=cache)
    a.cache_path.write_bytes(b"not an npz")
    with pytest.warns(UserWarning, match="rebuilding"):
        b = data.load(data_dir=root, cache_dir=cache)
    np.testing.assert_array_equal(a.train.images, b.train.images)


def test_data_dir_from_the_environment(root, tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_STUDY_DATA_DIR", str(root))
    monkeypatch.setenv("GAN_STUDY_CACHE_DIR", str(tmp_path / "env-cache"))
    d = data.load()
    assert d.cache_path.parent == tmp_path / "env-cache"
    assert len(data.load_metadata()) == 131


_KILLED_BUILD = """
import os, signal, sys
import numpy as np
from gan_study import data

def fsync(fd):  # killed after the bytes are written, before the rename
    os.kill(os.getpid(), signal.SIGKILL)

os.fsync = fsync
data.load(data_dir=sys.argv[1], cache_dir=sys.argv[2])
"""


def test_killed_build_leaves_no_cache_and_its_leftover_is_cleaned(root, tmp_path):
    import subprocess
    import sys

    cache = tmp_path / "cache"
    run = subprocess.run([sys.executable, "-c", _KILLED_BUILD, str(root), str(cache)])
    assert run.returncode != 0
    assert not list(cache.glob("*.npz"))
    leftovers = list(cache.glob(".*.tmp"))
    assert len(leftovers) == 1
    d = data.load(data_dir=root, cache_dir=cache)  # a fresh leftover is not touched...
    assert leftovers[0].exists() and d.cache_path.is_file()
    os.utime(leftovers[0], (1, 1))  # ...one from long ago is removed at the next write
    data.load(image_size=32, data_dir=root, cache_dir=cache)
    assert not leftovers[0].exists()


def test_leaked_test_mask_marks_test_images_whose_lesion_is_in_train(root, tmp_path):
    for split in ("dermamnist", "lesion"):
        d = data.load(split=split, data_dir=root, cache_dir=tmp_path / "cache")
        mask = data.leaked_test_mask(d)
        train_lesions = set(d.train.meta["lesion_id"])
        expected = [lesion in train_lesions for lesion in d.test.meta["lesion_id"]]
        assert mask.dtype == bool and mask.tolist() == expected
        assert int(mask.sum()) == data.lesion_overlap(d)["images_test_in_train"]
    assert not mask.any()  # the lesion split leaks nothing
