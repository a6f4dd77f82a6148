"""gan_study.store: atomic writes, digests and cache keys that cannot go stale."""

from __future__ import annotations

import os
import shutil
import stat

import numpy as np
import pytest

from gan_study import store


def test_atomic_write_replaces_whole_files_with_shareable_permissions(tmp_path):
    path = store.atomic_write_text(tmp_path / "sub" / "a.txt", "one")
    store.atomic_write_json(path, {"b": 2})
    assert path.read_text().strip().startswith("{") and '"b": 2' in path.read_text()
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600
    assert [p.name for p in path.parent.iterdir()] == ["a.txt"]


def test_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = store.atomic_write_text(tmp_path / "a.txt", "old")

    def fail(tmp):
        tmp.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.atomic_save(path, fail)
    with pytest.raises(TypeError):
        store.atomic_write_bytes(path, "not bytes")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_atomic_directory_appears_whole_or_not_at_all(tmp_path):
    target = tmp_path / "model"
    with pytest.raises(RuntimeError), store.atomic_directory(target) as tmp:
        (tmp / "part").write_text("x")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []
    with store.atomic_directory(target) as tmp:
        (tmp / "whole").write_text("x")
    assert [p.name for p in target.iterdir()] == ["whole"]
    with store.atomic_directory(target) as tmp:  # finished meanwhile elsewhere: kept
        (tmp / "second").write_text("y")
    assert [p.name for p in target.iterdir()] == ["whole"]
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_array_digest_sees_values_shape_and_dtype():
    a = np.arange(12, dtype=np.uint8)
    assert store.array_digest(a) == store.array_digest(a.copy())
    assert store.array_digest(a) != store.array_digest(a.reshape(3, 4))
    assert store.array_digest(a) != store.array_digest(a.astype(np.int64))
    b = a.copy()
    b[5] += 1
    assert store.array_digest(a) != store.array_digest(b)
    assert store.array_digest(a, b) != store.array_digest(b, a)


def test_file_digest(tmp_path):
    (tmp_path / "f").write_bytes(b"abc")
    first = store.file_digest(tmp_path / "f")
    (tmp_path / "f").write_bytes(b"abd")
    assert store.file_digest(tmp_path / "f") != first
    with pytest.raises(FileNotFoundError):
        store.file_digest(tmp_path / "missing")


def test_code_version_changes_when_a_module_is_edited(tmp_path, monkeypatch):
    copy = tmp_path / "gan_study"
    shutil.copytree(store._ROOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(store, "_ROOT", copy)
    store.code_version.cache_clear()
    try:
        metrics_v1 = store.code_version("metrics")
        data_v1 = store.code_version("data")
        whole_v1 = store.code_version()
        with open(copy / "metrics" / "distances.py", "a") as f:
            f.write("\n# a fix to a metric\n")
        store.code_version.cache_clear()
        assert store.code_version("metrics") != metrics_v1
        assert store.code_version("data") == data_v1  # another module: unchanged
        assert store.code_version() != whole_v1
        with open(copy / "data" / "ham10000.py", "a") as f:
            f.write("\n# a change to reading the images\n")
        store.code_version.cache_clear()
        assert store.code_version("data") != data_v1
        assert store.code_version("data.ham10000") != store.code_version("data.cache")
        with pytest.raises(ValueError, match="no module 'nonexistent'"):
            store.code_version("nonexistent")
    finally:
        store.code_version.cache_clear()


def test_cache_key_changes_with_each_part():
    base = dict(code="c1", inputs={"x": "d1"}, params={"n": 1})
    key = store.cache_key(**base)
    assert key == store.cache_key(**base)
    assert store.cache_key(**{**base, "code": "c2"}) != key
    assert store.cache_key(**{**base, "inputs": {"x": "d2"}}) != key
    assert store.cache_key(**{**base, "params": {"n": 2}}) != key


def test_processed_arrays_are_rebuilt_when_the_code_that_makes_them_changes(tmp_path, monkeypatch):
    from gan_study import data
    from gan_study.data import ham10000
    from gan_study.data.fixtures import write_tiny_ham10000

    root = write_tiny_ham10000(tmp_path / "root")
    cache = tmp_path / "cache"
    first = data.load(data_dir=root, cache_dir=cache)
    builds = []
    real_build = ham10000.build_images
    monkeypatch.setattr(ham10000, "build_images", lambda *a: builds.append(1) or real_build(*a))
    data.load(data_dir=root, cache_dir=cache)
    assert builds == []  # same code, same files: read back
    real_version = store.code_version
    monkeypatch.setattr(store, "code_version", lambda *m: "edited-" + real_version(*m))
    again = data.load(data_dir=root, cache_dir=cache)
    assert builds == [1]  # rebuilt, not the old arrays
    assert again.cache_path != first.cache_path
    np.testing.assert_array_equal(again.train.images, first.train.images)
