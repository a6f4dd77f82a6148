"""The scarce-data curve: which generator each share gets, and what may be said."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from gan_study import augmentation, scarce_data
from gan_study.config import TrainConfig

NAMES = ["a", "b", "c"]


def _data(n_train=40):
    def split(labels):
        labels = np.asarray(labels)
        images = np.zeros((len(labels), 4, 4, 3), np.uint8)
        images[...] = labels[:, None, None, None]
        return SimpleNamespace(images=images, labels=labels)

    labels = np.resize([0, 0, 0, 0, 1, 2], n_train)
    return SimpleNamespace(source="toy", split="lesion", image_size=4, train=split(labels),
                           val=split([0, 1, 2]), test=split([0, 0, 1, 2, 2]))  # fmt: skip


class _Perfect:
    def predict_proba(self, images):
        return np.eye(3)[images[:, 0, 0, 0].astype(int) % 100]


def _synth(labels, seed):
    out = np.zeros((len(labels), 4, 4, 3), np.uint8)
    out[...] = (100 + np.asarray(labels))[:, None, None, None]
    return out


@pytest.fixture
def recorded(monkeypatch):
    from gan_study import classifier

    trained, gans = [], []
    monkeypatch.setattr(
        classifier, "train_classifier", lambda x, y, *a, **k: trained.append(len(y)) or _Perfect()
    )

    def generators(configs, data_dir=None):
        gans.append([(c.seed, c.max_train_images, c.epochs) for c in configs])
        return {c.seed: (_synth, f"gan-{c.seed}-{c.max_train_images}") for c in configs}

    monkeypatch.setattr(scarce_data, "generators", generators)
    return trained, gans


def _refs(seeds=(0, 1), max_train_images=None):
    return [
        TrainConfig(
            model="cdcgan", seed=s, epochs=4, batch_size=8, max_train_images=max_train_images
        )
        for s in seeds
    ]


def test_each_share_gets_a_generator_that_saw_only_its_images(recorded, tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_STUDY_RUNS_DIR", str(tmp_path))
    trained, gans = recorded
    results, effect, preds = scarce_data.curve(
        _data(), _refs(), [1.0, 0.25], arms=augmentation.ARMS,
        scarce_arms=["oversample", "real_gan"], scarce_gan_seeds=[1], seeds=[0, 1, 2],
        classifier_epochs=1, topup_target=30, n_boot=20, margin=0.02, class_names=NAMES,
    )  # fmt: skip
    # the smaller share first: the seed-1 GAN retrained on its 10 images, for the
    # reference's updates (4 epochs of 40 images = 40 of 10); then both reference runs
    assert gans == [[(1, 10, 16)], [(0, None, 4), (1, None, 4)]]
    assert sorted(results.fraction.unique()) == [0.25, 1.0]
    assert set(results[results.fraction == 0.25].arm) == {"oversample", "real_gan"}
    assert set(results[results.fraction == 1.0].arm) == set(augmentation.ARMS)
    assert (results[results.fraction == 0.25].n_real == 10).all()
    assert list(effect.fraction) == [0.25, 1.0] and list(effect.n_real) == [10, 40]
    assert {"difference", "low", "high", "verdict", "outcome", "mde"} <= set(effect.columns)
    assert set(preds) == {0.25, 1.0}
    table = scarce_data.effect_table(effect)
    assert list(table["real images"]) == ["10", "40"] and "verdict" in table


def test_the_full_share_trains_every_arm_by_default(recorded, tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_STUDY_RUNS_DIR", str(tmp_path))
    results, effect, _ = scarce_data.curve(
        _data(), _refs(), [1.0], scarce_arms=["oversample", "real_gan"], scarce_gan_seeds=[0],
        seeds=[0, 1], classifier_epochs=1, topup_target=30, n_boot=20, margin=0.02,
        class_names=NAMES,
    )  # fmt: skip
    assert set(results.arm) == set(augmentation.ARMS)
    assert list(effect.fraction) == [1.0]


def test_bad_curves_are_refused(recorded):
    kw = dict(arms=augmentation.ARMS, scarce_arms=["oversample", "real_gan"], scarce_gan_seeds=[0],
              seeds=[0], classifier_epochs=1, topup_target=30, margin=0.02, class_names=NAMES)  # fmt: skip
    with pytest.raises(ValueError, match="saw 40 real training images, more than the 20"):
        scarce_data.curve(_data(), _refs(), [1.0], max_train_images=20, **kw)
    with pytest.raises(ValueError, match="scarce_gan_seeds \\[5\\] are not among"):
        scarce_data.curve(_data(), _refs(), [1.0], **{**kw, "scarce_gan_seeds": [5]})
    with pytest.raises(ValueError, match="must both include oversample"):
        scarce_data.curve(_data(), _refs(), [1.0], **{**kw, "scarce_arms": ["real_gan"]})
    with pytest.raises(ValueError, match="fractions must lie in \\(0, 1\\]"):
        scarce_data.subset_sizes(100, [0.0])
    assert scarce_data.subset_sizes(7011, [0.1, 0.25, 1.0]) == {0.1: 701, 0.25: 1753, 1.0: 7011}


@pytest.mark.parametrize(
    "scarce, full, words",
    [
        ("helps", "inconclusive", ["helps, as Sagers et al.", "in line with Bissoto"]),
        ("inconclusive", "helps", ["shows no gain over oversampling", "more than Bissoto"]),
        ("hurts", "hurts", ["the top-up hurts, where Sagers", "with all 7,011 it hurts"]),
    ],
)
def test_the_literature_sentence_follows_the_verdicts(scarce, full, words):
    effect = pd.DataFrame({"n_real": [7011, 701], "outcome": [full, scarce]})
    text = scarce_data.literature_comparison(effect)
    assert text.startswith("With 701") or text.startswith("Even with 701")
    assert all(w in text for w in words), text
