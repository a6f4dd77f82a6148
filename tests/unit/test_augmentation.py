"""Scores, intervals and arm construction of the synthetic-data protocol (tiny arrays)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from gan_study import augmentation as aug

NAMES = ("a", "b", "c")


def test_flat_scores_by_hand():
    y_true = [0, 0, 0, 0, 1, 1, 2, 2]
    y_pred = [0, 0, 0, 1, 1, 0, 2, 2]
    s = aug.flat_scores(y_true, y_pred, NAMES)
    assert s["recall_a"] == pytest.approx(0.75)
    assert s["recall_b"] == pytest.approx(0.5)
    assert s["recall_c"] == pytest.approx(1.0)
    assert s["balanced_accuracy"] == pytest.approx((0.75 + 0.5 + 1.0) / 3)
    # class a: precision 3/4, recall 3/4 -> 0.75; b: p 1/2, r 1/2 -> 0.5; c: 1
    assert s["macro_f1"] == pytest.approx((0.75 + 0.5 + 1.0) / 3)
    assert s["accuracy"] == pytest.approx(6 / 8)


def test_flat_scores_leave_out_absent_classes():
    s = aug.flat_scores([0, 0, 1], [0, 0, 1], NAMES)
    assert np.isnan(s["recall_c"])
    assert s["balanced_accuracy"] == 1.0
    assert s["macro_f1"] == 1.0


def test_majority_scores_is_one_over_k_balanced_accuracy():
    train = [2, 2, 2, 0, 1]
    test = [0, 1, 2, 2]
    s = aug.majority_scores(train, test, NAMES)
    assert s["majority_class"] == "c"
    assert s["balanced_accuracy"] == pytest.approx(1 / 3)
    assert s["recall_c"] == 1.0 and s["recall_a"] == 0.0
    with pytest.raises(ValueError):
        aug.majority_scores([], test, NAMES)


def test_t_interval_matches_formula_and_contains_mean():
    x = [0.50, 0.55, 0.53, 0.58]
    mean, lo, hi = aug.t_interval(x)
    half = stats.t.ppf(0.975, 3) * np.std(x, ddof=1) / 2
    assert mean == pytest.approx(np.mean(x))
    assert lo == pytest.approx(mean - half) and hi == pytest.approx(mean + half)
    # wider at 99%
    _, lo99, hi99 = aug.t_interval(x, 0.99)
    assert lo99 < lo and hi99 > hi


def test_t_interval_coverage_is_about_95_percent():
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(2000):
        _, lo, hi = aug.t_interval(rng.normal(1.0, 2.0, size=3))
        hits += lo <= 1.0 <= hi
    assert 0.93 < hits / 2000 < 0.97


def test_t_interval_single_value_and_bad_input():
    mean, lo, hi = aug.t_interval([0.4])
    assert mean == 0.4 and np.isnan(lo) and np.isnan(hi)
    with pytest.raises(ValueError):
        aug.t_interval([])
    with pytest.raises(ValueError):
        aug.t_interval([0.1, np.nan])
    with pytest.raises(ValueError):
        aug.t_interval([0.1, 0.2], confidence=1.5)


def test_bootstrap_interval_brackets_the_score_and_shrinks_with_n():
    rng = np.random.default_rng(1)

    def acc(t, p):
        return float(np.mean(t == p))

    widths = []
    for n in (100, 1600):
        y = rng.integers(0, 3, n)
        p = np.where(rng.random(n) < 0.7, y, (y + 1) % 3)
        point, lo, hi = aug.bootstrap_interval(y, p, acc, n_boot=300, seed=0)
        assert lo <= point <= hi
        widths.append(hi - lo)
    assert widths[1] < widths[0] / 2
    # deterministic for a fixed seed
    a = aug.bootstrap_interval(y, p, acc, n_boot=50, seed=3)
    b = aug.bootstrap_interval(y, p, acc, n_boot=50, seed=3)
    assert a == b


def test_top_up_and_label_plans():
    np.testing.assert_array_equal(aug.top_up_counts([10, 3, 0], 5), [0, 2, 5])
    labels = np.array([0] * 10 + [1] * 3 + [2])
    assert aug.arm_label_plan("real", labels, 4, 5).size == 0
    for arm in ("real_gan", "oversample"):  # the same top-up, of other content; class 3
        # has no real image to copy, so neither arm tops it up
        np.testing.assert_array_equal(aug.arm_label_plan(arm, labels, 4, 5), [1, 1, 2, 2, 2, 2])
    tstr = aug.arm_label_plan("synthetic_only", labels, 4, 5)
    np.testing.assert_array_equal(np.bincount(tstr, minlength=4), [10, 3, 1, 0])
    with pytest.raises(ValueError, match="unknown arm"):
        aug.arm_label_plan("gan", labels, 3, 5)
    with pytest.raises(ValueError):
        aug.top_up_counts([1], -1)


def _fake_synth(labels, seed):
    # image pixel value encodes its label so we can check pairing after shuffling
    out = np.zeros((len(labels), 4, 4, 3), np.uint8)
    out[...] = (100 + np.asarray(labels))[:, None, None, None]
    return out


def test_build_arm_keeps_images_and_labels_paired():
    imgs = np.zeros((13, 4, 4, 3), np.uint8)
    labels = np.array([0] * 10 + [1] * 3)
    imgs[...] = labels[:, None, None, None]
    x, y, augment = aug.build_arm(
        "real_gan", imgs, labels, _fake_synth, topup_target=5, num_classes=3, seed=0
    )
    assert augment  # the top-up arm keeps classical augmentation
    assert len(x) == 13 + 2  # class 2 has no real image: not topped up
    np.testing.assert_array_equal(np.bincount(y, minlength=3), [10, 5, 0])
    np.testing.assert_array_equal(x[:, 0, 0, 0] % 100, y)
    assert (x[:, 0, 0, 0] >= 100).sum() == 2

    x, y, augment = aug.build_arm(
        "synthetic_only", imgs, labels, _fake_synth, topup_target=5, num_classes=3, seed=0
    )
    assert (x[:, 0, 0, 0] >= 100).all() and len(y) == 13

    x, y, augment = aug.build_arm(
        "real_classical", imgs, labels, None, topup_target=5, num_classes=3, seed=0
    )
    assert augment and x is imgs


def test_oversampling_tops_up_with_copies_of_the_class_s_own_real_images():
    labels = np.array([0] * 10 + [1] * 3 + [2] * 1)
    imgs = np.zeros((14, 4, 4, 3), np.uint8)
    imgs[:, 0, 0, 0] = np.arange(14)  # every real image is distinct
    x, y, augment = aug.build_arm(
        "oversample", imgs, labels, None, topup_target=5, num_classes=3, seed=0
    )
    assert augment and len(x) == 14 + 2 + 4
    np.testing.assert_array_equal(np.bincount(y, minlength=3), [10, 5, 5])
    ids = x[:, 0, 0, 0]
    assert set(ids) == set(range(14))  # copies only, no new content
    np.testing.assert_array_equal(labels[ids], y)  # each copy keeps its class
    assert (ids == 13).sum() == 5  # the single image of class 2, five times
    again = aug.build_arm("oversample", imgs, labels, None, topup_target=5, num_classes=3, seed=0)
    np.testing.assert_array_equal(again[0], x)


def test_classifier_seeds_are_paired_with_gan_seeds_in_turn():
    assert aug.gan_seed_for([0, 1, 2, 3, 4], [0, 1]) == {0: 0, 1: 1, 2: 0, 3: 1, 4: 0}
    assert aug.gan_seed_for([7], [3]) == {7: 3}
    with pytest.raises(ValueError, match="gan_seeds is empty"):
        aug.gan_seed_for([0], [])


def test_a_scarce_gan_sees_the_arms_subset_for_the_reference_updates():
    from gan_study.config import TrainConfig

    base = TrainConfig(model="cdcgan", epochs=16, batch_size=32, snapshot_every=4, seed=1)
    scarce = aug.scarce_gan_config(base, 701, 7011)
    assert (scarce.max_train_images, scarce.epochs, scarce.snapshot_every) == (701, 160, 0)
    assert (scarce.model, scarce.seed, scarce.batch_size) == ("cdcgan", 1, 32)
    from gan_study.data import take_subset

    train = np.arange(7011)
    gan_sees = take_subset(train, scarce.max_train_images)
    assert set(gan_sees) <= set(take_subset(train, 701)) <= set(take_subset(train, 1753))
    with pytest.raises(ValueError, match="n_images must be between 1 and 7011"):
        aug.scarce_gan_config(base, 0, 7011)


def test_build_arm_needs_generator_and_checks_its_output():
    imgs = np.zeros((3, 4, 4, 3), np.uint8)
    labels = np.array([0, 0, 1])
    with pytest.raises(ValueError, match="needs a generator"):
        aug.build_arm("real_gan", imgs, labels, None, topup_target=5, num_classes=2, seed=0)

    def bad(labels, seed):
        return np.zeros((len(labels), 4, 4, 3), np.float32)

    with pytest.raises(ValueError, match="expected uint8"):
        aug.build_arm("real_gan", imgs, labels, bad, topup_target=5, num_classes=2, seed=0)


def test_summarize_arms_uses_t_interval_for_seeds_and_bootstrap_for_one():
    results = pd.DataFrame(
        {
            "arm": ["real", "real", "real", "real_gan"],
            "seed": [0, 1, 2, 0],
            "balanced_accuracy": [0.5, 0.6, 0.55, 0.7],
            "macro_f1": [0.4, 0.5, 0.45, 0.6],
        }
    )
    y = np.array([0, 1, 2] * 20)
    preds = {("real_gan", 0): (y, y.copy())}
    out = aug.summarize_arms(results, predictions=preds, class_names=NAMES, n_boot=50)
    real = out[(out.arm == "real") & (out.score == "balanced_accuracy")].iloc[0]
    assert real.ci_method == "t-interval over seeds" and real.n_seeds == 3
    assert real["mean"] == pytest.approx(0.55)
    gan = out[(out.arm == "real_gan") & (out.score == "macro_f1")].iloc[0]
    assert gan.ci_method == "bootstrap over test images"
    assert gan["mean"] == 1.0 and gan.low == 1.0
    with pytest.raises(ValueError, match="single seed"):
        aug.summarize_arms(results)


def test_result_key_is_stable_and_sensitive():
    inputs = {"train": "d1", "generator": ""}
    a = aug.result_key({"arm": "real", "seed": 0}, inputs)
    assert a == aug.result_key({"seed": 0, "arm": "real"}, dict(inputs))
    assert a != aug.result_key({"arm": "real", "seed": 1}, inputs)
    assert a != aug.result_key({"arm": "real", "seed": 0}, {**inputs, "train": "d2"})


class _FakeClassifier:
    """Predicts the label encoded in the first pixel (a 'perfect' classifier)."""

    def predict_proba(self, images):
        labels = images[:, 0, 0, 0].astype(int) % 100
        return np.eye(3)[labels]


def _fake_data():
    from types import SimpleNamespace

    def split(labels):
        labels = np.asarray(labels)
        imgs = np.zeros((len(labels), 4, 4, 3), np.uint8)
        imgs[...] = labels[:, None, None, None]
        return SimpleNamespace(images=imgs, labels=labels)

    return SimpleNamespace(
        source="toy",
        split="lesion",
        image_size=4,
        train=split([0] * 10 + [1] * 3),
        val=split([0, 1, 2]),
        test=split([0, 0, 1, 2, 2]),
    )


def test_run_arms_trains_once_per_arm_and_seed_then_reuses(tmp_path, monkeypatch):
    from gan_study import classifier

    calls = []

    def train_classifier(x, y, xv, yv, config, **kw):
        c = config
        calls.append((len(y), c.seed, c.epochs, c.augment, c.steps_per_epoch, kw["weight_labels"]))
        return _FakeClassifier()

    monkeypatch.setattr(classifier, "train_classifier", train_classifier)

    kw = dict(
        arms=aug.ARMS,
        seeds=(0, 1),
        classifier_epochs=2,
        topup_target=5,
        runs_dir=tmp_path,
        class_names=NAMES,
        progress=False,
    )
    gans = {0: (_fake_synth, "cdcgan-run-0"), 1: (_fake_synth, "cdcgan-run-1")}
    results, preds = aug.run_arms(_fake_data(), gans, **kw)
    assert len(calls) == 10 and len(results) == 10
    by_arm = results.groupby("arm").first()
    assert by_arm.loc["real", "n_synthetic"] == 0
    # class 1 is topped up from 3 to 5; class 2 has no real image, so neither arm adds it
    assert by_arm.loc["oversample", "n_synthetic"] == 0
    assert by_arm.loc["oversample", "n_train"] == by_arm.loc["real_gan", "n_train"] == 15
    assert by_arm.loc["real_gan", "n_synthetic"] == 2
    assert by_arm.loc["synthetic_only", "n_train"] == 13
    # every arm: the same steps (one pass over the 13 real images at batch 64) and
    # the class weights of the real labels; classical augmentation in three arms
    assert {c[4] for c in calls} == {1}
    assert all(np.array_equal(c[5], _fake_data().train.labels) for c in calls)
    assert [c[3] for c in calls].count(True) == 6
    gan_rows = results[results.arm.isin(aug.GAN_ARMS)]
    assert list(gan_rows.gan_seed) == [0, 1, 0, 1] and results.gan_seed.isna().sum() == 6
    assert (results.balanced_accuracy == 1.0).all()
    np.testing.assert_array_equal(preds[("real", 0)][1], [0, 0, 1, 2, 2])

    again, _ = aug.run_arms(_fake_data(), gans, **kw)
    assert len(calls) == 10  # all read back from the cache
    pd.testing.assert_frame_equal(results, again)

    aug.run_arms(_fake_data(), gans, **{**kw, "classifier_epochs": 3, "arms": ["real"]})
    assert len(calls) == 12  # new budget, new runs

    sub, _ = aug.run_arms(
        _fake_data(), gans, **{**kw, "arms": ["real", "real_gan"], "max_train_images": 6}
    )
    assert len(calls) == 16  # a training subset is a new setting
    assert (sub[sub.arm == "real"].n_train == 6).all()
    assert calls[-4][0] == 6 and calls[-1][0] > 6  # real_gan tops the subset up

    # other real images of the same counts are other data, not a cached result
    changed = _fake_data()
    changed.test.images[0] += 1
    aug.run_arms(changed, gans, **{**kw, "arms": ["real"], "seeds": (0,)})
    assert len(calls) == 17
    # another generator for GAN seed 1 changes only the GAN arms of classifier seed 1
    other = {**gans, 1: (_fake_synth, "cdcgan-run-1:other")}
    aug.run_arms(_fake_data(), other, **kw)
    assert len(calls) == 19
    # an edit of the code that trains or scores the arms recomputes them
    real_version = aug.store.code_version
    monkeypatch.setattr(aug.store, "code_version", lambda *m: "edited-" + real_version(*m))
    aug.run_arms(_fake_data(), gans, **{**kw, "arms": ["real"], "seeds": (0,)})
    assert len(calls) == 20


def test_a_damaged_arm_result_is_recomputed(tmp_path, monkeypatch):
    from gan_study import classifier

    calls = []
    monkeypatch.setattr(
        classifier, "train_classifier", lambda *a, **k: calls.append(1) or _FakeClassifier()
    )
    kw = dict(arms=["real"], seeds=(0,), classifier_epochs=1, topup_target=5, runs_dir=tmp_path,
              class_names=NAMES, progress=False)  # fmt: skip
    first, _ = aug.run_arms(_fake_data(), None, **kw)
    (path,) = (tmp_path / "augmentation").glob("real_s0_*.json")
    path.write_text("{truncated")
    again, _ = aug.run_arms(_fake_data(), None, **kw)
    assert len(calls) == 2 and again.equals(first)


def test_run_arms_rejects_missing_generator(tmp_path):
    with pytest.raises(ValueError, match="need generators"):
        aug.run_arms(
            _fake_data(),
            None,
            arms=["real_gan"],
            seeds=(0,),
            classifier_epochs=1,
            topup_target=5,
            runs_dir=tmp_path,
            class_names=NAMES,
            progress=False,
        )
    with pytest.raises(ValueError, match="unknown arm"):
        aug.run_arms(
            _fake_data(),
            None,
            arms=["bogus"],
            seeds=(0,),
            classifier_epochs=1,
            topup_target=5,
            runs_dir=tmp_path,
            class_names=NAMES,
            progress=False,
        )
