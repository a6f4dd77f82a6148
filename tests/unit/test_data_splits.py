"""Invariants of the lesion-disjoint split and checks of the DermaMNIST split table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gan_study.data import DataError, dermamnist_split, duplicate_pairs, lesion_split
from gan_study.data.fixtures import tiny_metadata, write_tiny_ham10000
from gan_study.data.splits import FRACTIONS, lesion_groups

NO_PAIRS = pd.DataFrame({"from_img": [], "to_img": []})


def _many_lesions(seed: int = 1) -> pd.DataFrame:
    """Lesions of 1-6 images in every class, the classes of very different sizes."""
    rng = np.random.default_rng(seed)
    lesions = {}
    for dx, n_lesions in zip(
        ("akiec", "bcc", "mel", "nv", "vasc"), (12, 30, 45, 200, 9), strict=True
    ):
        sizes = rng.choice([1, 1, 1, 1, 1, 2, 2, 3, 4, 6], size=n_lesions)
        lesions[dx] = sorted(sizes.tolist(), reverse=True)
    return tiny_metadata(lesions, seed)


def _pairs_across_lesions(meta: pd.DataFrame) -> pd.DataFrame:
    """Duplicate pairs linking images of different lesions of one class (a chain of 3)."""
    nv = meta[meta["dx"] == "nv"].drop_duplicates("lesion_id")["image_id"].tolist()
    mel = meta[meta["dx"] == "mel"].drop_duplicates("lesion_id")["image_id"].tolist()
    return pd.DataFrame({"from_img": [nv[0], nv[1], mel[3]], "to_img": [nv[1], nv[5], mel[10]]})


def test_no_lesion_on_two_sides():
    meta = _many_lesions()
    side = lesion_split(meta, pairs=NO_PAIRS)
    assert side.groupby(meta["lesion_id"]).nunique().max() == 1
    assert set(side) == {"train", "val", "test"}


def test_duplicate_pairs_are_kept_together():
    meta = _many_lesions()
    pairs = _pairs_across_lesions(meta)
    groups = lesion_groups(meta, pairs)
    linked = meta.set_index("image_id").loc[pairs["from_img"], "lesion_id"].tolist()
    # the chain nv0 - nv1 - nv5 forms one group of three lesions
    assert groups[meta["lesion_id"].isin(linked[:2])].nunique() == 1
    for seed in range(5):
        side = pd.Series(
            lesion_split(meta, seed=seed, pairs=pairs).to_numpy(), index=meta["image_id"]
        )
        for a, b in zip(pairs["from_img"], pairs["to_img"], strict=True):
            assert side[a] == side[b]
        assert side.groupby(groups.to_numpy()).nunique().max() == 1


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_per_class_proportions_within_one_image(seed):
    meta = _many_lesions(seed + 10)
    side = lesion_split(meta, seed=seed, pairs=_pairs_across_lesions(meta))
    for dx, rows in meta.groupby("dx"):
        n = len(rows)
        counts = side[rows.index].value_counts()
        for name, fraction in zip(("train", "val", "test"), FRACTIONS, strict=True):
            assert abs(counts.get(name, 0) - fraction * n) <= 1, (dx, name, counts.to_dict(), n)


def test_same_split_for_shuffled_rows():
    meta = _many_lesions()
    pairs = _pairs_across_lesions(meta)
    side = pd.Series(lesion_split(meta, pairs=pairs).to_numpy(), index=meta["image_id"])
    for seed in range(3):
        shuffled = meta.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        again = pd.Series(
            lesion_split(shuffled, pairs=pairs).to_numpy(), index=shuffled["image_id"]
        )
        pd.testing.assert_series_equal(again.sort_index(), side.sort_index())


def test_seed_changes_assignment_not_proportions():
    meta = _many_lesions()
    a, b = lesion_split(meta, seed=0, pairs=NO_PAIRS), lesion_split(meta, seed=1, pairs=NO_PAIRS)
    assert (a != b).any()
    assert a.value_counts().to_dict() == b.value_counts().to_dict()


def test_bad_fractions_are_refused():
    with pytest.raises(ValueError, match="fractions"):
        lesion_split(_many_lesions(), fractions=(0.5, 0.1, 0.1))


def test_shipped_duplicate_table_has_the_18_pairs():
    pairs = duplicate_pairs()
    assert len(pairs) == 18
    assert pairs["from_img"].str.match(r"^ISIC_\d{7}$").all()
    assert pairs["to_img"].str.match(r"^ISIC_\d{7}$").all()


def test_dermamnist_split_reads_the_table(tmp_path):
    root = write_tiny_ham10000(tmp_path / "root")
    meta = pd.read_csv(root / "HAM10000" / "HAM10000_metadata.csv")
    side, index = dermamnist_split(meta, root)
    table = pd.read_csv(root / "splits" / "dermamnist_split_info.csv").set_index("image_id")
    assert (side.to_numpy() == table.loc[meta["image_id"], "split"].to_numpy()).all()
    assert (index.to_numpy() == table.loc[meta["image_id"], "index"].to_numpy()).all()


def test_dermamnist_split_missing_or_incomplete_table(tmp_path):
    root = write_tiny_ham10000(tmp_path / "root")
    meta = pd.read_csv(root / "HAM10000" / "HAM10000_metadata.csv")
    table_path = root / "splits" / "dermamnist_split_info.csv"
    table = pd.read_csv(table_path)
    table.iloc[:-1].to_csv(table_path, index=False)
    with pytest.raises(DataError, match="exactly once"):
        dermamnist_split(meta, root)
    table_path.unlink()
    with pytest.raises(FileNotFoundError, match="dermamnist_split_info.csv.*split='lesion'"):
        dermamnist_split(meta, root)


def test_subset_index_is_nested_sorted_and_checked():
    from gan_study.data import subset_index

    small, large = subset_index(100, 10), subset_index(100, 40)
    assert len(small) == 10 and np.all(np.diff(small) > 0)
    assert set(small) <= set(large)
    np.testing.assert_array_equal(subset_index(100, None), np.arange(100))
    np.testing.assert_array_equal(subset_index(5, 9), np.arange(5))
    with pytest.raises(ValueError, match="max_items"):
        subset_index(100, 0)


def test_take_subset_is_the_trainers_subset_and_copies_nothing_uncut():
    from gan_study import training
    from gan_study.config import TrainConfig
    from gan_study.data import take_subset

    images = np.zeros((50, 28, 28, 3), np.uint8)
    images[:, 0, 0, 0] = np.arange(50)
    labels = np.arange(50) % 7
    cfg = TrainConfig(model="dcgan", max_train_images=12)
    seen, seen_labels = training.training_images(cfg, None, images, labels)
    np.testing.assert_array_equal(take_subset(images, 12), seen)
    np.testing.assert_array_equal(take_subset(labels, 12), seen_labels)
    np.testing.assert_array_equal(seen[:, 0, 0, 0] % 7, seen_labels)  # still aligned
    assert take_subset(images, None) is images
    assert take_subset(images, 80) is images
    with pytest.raises(ValueError, match="max_items"):
        take_subset(images, 0)
