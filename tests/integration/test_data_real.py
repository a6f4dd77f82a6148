"""The data pipeline on the real HAM10000 copy (``GAN_STUDY_DATA_DIR``)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from gan_study import data

pytestmark = pytest.mark.integration

CLASS_COUNTS = [327, 514, 1099, 115, 1113, 6705, 142]
DERMAMNIST_COUNTS = {
    "train": [228, 359, 769, 80, 779, 4693, 99],
    "val": [33, 52, 110, 12, 111, 671, 14],
    "test": [66, 103, 220, 23, 223, 1341, 29],
}


@pytest.fixture(scope="module")
def lesion(real_data_root, shared_cache_dir):
    return data.load(split="lesion", data_dir=real_data_root, cache_dir=shared_cache_dir)


@pytest.fixture(scope="module")
def dermamnist(real_data_root, shared_cache_dir):
    return data.load(split="dermamnist", data_dir=real_data_root, cache_dir=shared_cache_dir)


def _counts(d):
    return {s.name: list(s.class_counts().values()) for s in d.splits()}


def test_metadata_has_all_images_and_classes(real_data_root):
    meta = data.load_metadata(real_data_root)
    assert len(meta) == 10015 and meta["lesion_id"].nunique() == 7470
    counts = meta["dx"].value_counts().reindex(list(data.CLASS_NAMES)).tolist()
    assert counts == CLASS_COUNTS


def test_dermamnist_split_reproduces_the_published_counts(dermamnist):
    assert dermamnist.source == "ham10000" and dermamnist.split == "dermamnist"
    assert _counts(dermamnist) == DERMAMNIST_COUNTS


def test_dermamnist_split_leaks_lesions(dermamnist):
    overlap = data.lesion_overlap(dermamnist)
    assert overlap["images_val_in_train"] == 348
    assert overlap["images_test_in_train"] == 693
    assert int(data.leaked_test_mask(dermamnist).sum()) == 693


def test_lesion_split_is_lesion_disjoint_and_keeps_duplicates_together(lesion):
    overlap = data.lesion_overlap(lesion)
    assert overlap == {k: 0 for k in overlap}
    side = pd.concat([s.meta.assign(side=s.name) for s in lesion.splits()])
    side = side.set_index("image_id")["side"]
    pairs = data.duplicate_pairs()
    assert (side[pairs["from_img"]].to_numpy() == side[pairs["to_img"]].to_numpy()).all()


def test_lesion_split_proportions_per_class(lesion):
    counts = _counts(lesion)
    for k, n in enumerate(CLASS_COUNTS):
        for name, fraction in (("train", 0.7), ("val", 0.1), ("test", 0.2)):
            assert abs(counts[name][k] - fraction * n) <= 1, (data.CLASS_NAMES[k], name)


def test_arrays_are_real_images(lesion):
    images = np.concatenate([s.images for s in lesion.splits()])
    assert images.shape == (10015, 28, 28, 3) and images.dtype == np.uint8
    # HAM10000 facts (data README): mean RGB about (0.763, 0.546, 0.571); no blank image
    mean = images.reshape(-1, 3).mean(axis=0) / 255
    np.testing.assert_allclose(mean, [0.763, 0.546, 0.571], atol=0.01)
    assert images.reshape(len(images), -1).std(axis=1).min() > 5


def test_cli_json(real_data_root, shared_cache_dir, lesion):
    cmd = [sys.executable, "-m", "gan_study", "data", "--json", "--split", "dermamnist"]
    cmd += ["--data-dir", str(real_data_root), "--cache-dir", str(shared_cache_dir)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=True).stdout
    summary = json.loads(out)
    assert summary["images"] == 10015
    assert summary["lesion_overlap"]["images_test_in_train"] == 693
    assert summary["splits"]["train"]["class_counts"]["nv"] == 4693
