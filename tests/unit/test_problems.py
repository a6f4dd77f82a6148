"""Table I measurements: generator losses, gradient probe, oscillation summaries, grids."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gan_study import collapse, problems

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")


def _toy_pair(bias: float, latent_dim: int = 4):
    keras.utils.set_random_seed(0)
    z = keras.Input((latent_dim,))
    x = keras.layers.Dense(2 * 2 * 3, activation="tanh")(z)
    g = keras.Model(z, keras.layers.Reshape((2, 2, 3))(x))
    img = keras.Input((2, 2, 3))
    flat = keras.layers.Flatten()(img)
    dense = keras.layers.Dense(1)
    d = keras.Model(img, dense(flat))
    dense.set_weights([np.full((12, 1), 1e-4, np.float32), np.array([bias], np.float32)])
    return g, d


@pytest.mark.parametrize("bias", [-4.0, 0.0, 2.0])
def test_gradient_norm_ratio_is_exp_logit(bias):
    # d/dl of the minimax loss is -sigmoid(l), of the non-saturating one -(1 - sigmoid(l)):
    # with every logit ~= b, the gradient norms differ by the factor exp(b).
    g, d = _toy_pair(bias)
    z = np.random.default_rng(0).standard_normal((16, 4)).astype(np.float32)
    norms = problems.generator_gradient_norms(g, d, z)
    assert norms["minimax"] / norms["nonsaturating"] == pytest.approx(np.exp(bias), rel=1e-2)


def test_probe_sees_minimax_gradient_vanish_as_discriminator_wins():
    g, _ = _toy_pair(0.0)
    img = keras.Input((2, 2, 3))
    d = keras.Model(
        img, keras.layers.Dense(1)(keras.layers.Dense(16, "relu")(keras.layers.Flatten()(img)))
    )
    real = np.full((64, 2, 2, 3), 250, np.uint8)  # bright images; the generator's are mid-grey
    out = problems.discriminator_sharpening_probe(
        g, d, real, latent_dim=4, steps=60, probe_every=20, batch_size=32, lr=5e-3, seed=0
    )
    assert list(out.step) == [0, 20, 40, 60]
    assert set(out.columns) >= {
        "d_real",
        "d_fake",
        "d_accuracy",
        "grad_norm_minimax",
        "grad_norm_nonsaturating",
    }
    first, last = out.iloc[0], out.iloc[-1]
    assert last.d_accuracy == 1.0 and last.d_fake < first.d_fake - 0.3
    ratio_first = first.grad_norm_minimax / first.grad_norm_nonsaturating
    ratio_last = last.grad_norm_minimax / last.grad_norm_nonsaturating
    assert ratio_last < ratio_first / 5


def test_probe_checks_its_arguments():
    g, d = _toy_pair(0.0)
    real = np.zeros((8, 2, 2, 3), np.uint8)
    with pytest.raises(ValueError, match="positive"):
        problems.discriminator_sharpening_probe(g, d, real, latent_dim=4, steps=0)
    with pytest.raises(ValueError, match="real_labels"):
        problems.discriminator_sharpening_probe(g, d, real, latent_dim=4, conditional=True)


def test_predicted_class_spread():
    collapsed = np.tile([0.1, 0.8, 0.1], (10, 1))
    assert collapse.predicted_class_spread(collapsed) == {
        "effective_classes": pytest.approx(1.0),
        "top_class_share": 1.0,
    }
    uniform = np.eye(3)[np.arange(30) % 3]
    assert collapse.predicted_class_spread(uniform)["effective_classes"] == pytest.approx(3.0)
    with pytest.raises(ValueError):
        collapse.predicted_class_spread(np.zeros((0, 3)))


def _hist(values):
    return pd.DataFrame({"d_loss": values, "epoch": np.arange(len(values))})


def test_oscillation_summary_separates_settled_and_oscillating():
    settled = _hist([3.0, 2.0, 1.5, 1.2, 1.21, 1.2, 1.21, 1.2])
    wobbly = _hist([3.0, 2.0, 1.5, 1.2, 0.4, 1.6, 0.3, 1.7])
    out = problems.oscillation_summary({0: settled, 1: wobbly}, ["d_loss"])
    s, w = out.set_index("seed").loc[0], out.set_index("seed").loc[1]
    assert w.late_std > 10 * s.late_std
    assert w.late_mean_abs_change > 10 * s.late_mean_abs_change
    assert s.final == 1.2
    with pytest.raises(ValueError, match="no column"):
        problems.oscillation_summary({0: settled}, ["g_loss"])
    with pytest.raises(ValueError, match="last_fraction"):
        problems.oscillation_summary({0: settled}, ["d_loss"], last_fraction=0)


def test_across_seed_spread_cuts_to_shortest():
    out = problems.across_seed_spread({0: _hist([1.0, 2.0, 3.0]), 1: _hist([3.0, 2.0])}, "d_loss")
    assert len(out) == 2
    np.testing.assert_allclose(out["range"], [2.0, 0.0])
    np.testing.assert_allclose(out["mean"], [2.0, 2.0])


def test_hyperparameter_configs_vary_only_lr_and_batch():
    from gan_study.config import TrainConfig

    base = TrainConfig(model="dcgan", epochs=1, max_train_images=256, seed=3)
    grid = problems.hyperparameter_configs(base, [1e-4, 2e-4], [32, 64, 128])
    assert len(grid) == 6
    assert [(c.lr_g, c.batch_size) for c in grid[:3]] == [(1e-4, 32), (1e-4, 64), (1e-4, 128)]
    assert all(c.lr_d == c.lr_g and c.seed == 3 and c.epochs == 1 for c in grid)
    assert len({c.run_name() for c in grid}) == 6
    with pytest.raises(ValueError):
        problems.hyperparameter_configs(base, [1e-4], [0])


def test_probe_runs_a_conditional_model_and_leaves_the_generator_alone():
    from gan_study import models

    keras.utils.set_random_seed(0)
    gan = models.build("cdcgan", image_size=28, latent_dim=8)
    before = [w.copy() for w in gan.generator.get_weights()]
    real = np.random.default_rng(0).integers(0, 255, (16, 28, 28, 3), dtype=np.uint8)
    labels = np.arange(16) % 7
    out = problems.discriminator_sharpening_probe(
        gan.generator,
        gan.discriminator,
        real,
        labels,
        latent_dim=8,
        conditional=True,
        steps=2,
        probe_every=1,
        batch_size=8,
        probe_size=8,
    )
    assert list(out.step) == [0, 1, 2]
    assert (out.grad_norm_minimax > 0).all() and (out.grad_norm_nonsaturating > 0).all()
    for a, b in zip(before, gan.generator.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def _scores(ssim, recall, classes, coverage=None):
    coverage = recall if coverage is None else coverage
    return {"ssim_fake": ssim, "recall": recall, "coverage": coverage, "effective_classes": classes}


def test_collapse_verdict_all_four_signs():
    v = collapse.collapse_verdict(_scores(0.95, 0.02, 1.2), _scores(0.55, 0.30, 3.0))
    assert v.collapsed and len(v.present) == 4
    assert v.text.startswith("all four signs of collapse (a higher mean pairwise SSIM, ")


def test_collapse_verdict_differences_within_the_margins_are_no_sign():
    v = collapse.collapse_verdict(_scores(0.58, 0.28, 2.8), _scores(0.55, 0.30, 3.0))
    assert not v.collapsed and v.present == []
    assert v.text == "none of the 4 signs: no collapse here"


def test_collapse_verdict_one_sign_is_not_a_collapse():
    v = collapse.collapse_verdict(_scores(0.95, 0.29, 3.0), _scores(0.55, 0.30, 3.0))
    assert not v.collapsed
    assert v.text == "1 of the 4 signs (a higher mean pairwise SSIM): not a clear collapse"


def test_collapse_verdict_reference_without_recall_leaves_recall_untested():
    # an undertrained reference: recall 0.0, coverage 0.03 (no room to fall by 0.05)
    ref = _scores(0.567, 0.0, 3.0, coverage=0.03)
    v = collapse.collapse_verdict(_scores(0.988, 0.0, 1.1, coverage=0.0), ref)
    assert v.signs["a lower recall"] is None and v.signs["a lower coverage"] is None
    assert v.collapsed  # the two testable signs agree
    assert v.text.startswith("both testable signs of collapse")
    assert "a lower recall and a lower coverage could not be tested" in v.text
    v = collapse.collapse_verdict(_scores(0.988, 0.0, 3.0), ref)
    assert not v.collapsed
    assert v.text.startswith("1 of the 2 testable signs (a higher mean pairwise SSIM; ")


def test_collapse_verdict_needs_two_testable_signs():
    v = collapse.collapse_verdict(_scores(0.95, 0.0, 1.0), _scores(0.55, 0.0, 1.2))
    assert not v.collapsed
    assert v.text.startswith("too few testable signs to tell (1 of 4; ")


def test_collapse_verdict_checks_its_input():
    with pytest.raises(ValueError, match="recall"):
        collapse.collapse_verdict({"ssim_fake": 0.5}, _scores(0.5, 0.3, 3.0))
    with pytest.raises(ValueError, match="ssim_margin"):
        collapse.collapse_verdict(_scores(0.5, 0.3, 3), _scores(0.5, 0.3, 3), ssim_margin=-1)


class _MeanColourClassifier:
    """Features: the mean colour; probabilities: a softmax of it over 3 classes."""

    def features(self, images):
        return images.reshape(len(images), -1, 3).mean(axis=1) / 255.0

    def predict_proba(self, images):
        f = self.features(images)
        e = np.exp(5 * f)
        return e / e.sum(axis=1, keepdims=True)


def test_collapse_table_scores_the_raw_generator_of_each_run(tmp_path):
    from gan_study import training
    from gan_study.config import TrainConfig

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (32, 28, 28, 3), dtype=np.uint8)
    cfg = TrainConfig(model="dcgan", epochs=1, batch_size=16)
    runs = {
        "a": training.train(cfg, run_dir=tmp_path / "a", images=images, progress=False),
        "b": training.train(
            TrainConfig(model="dcgan", epochs=1, batch_size=16, seed=1),
            run_dir=tmp_path / "b",
            images=images,
            progress=False,
        ),
    }
    real = rng.integers(0, 256, (24, 28, 28, 3), dtype=np.uint8)
    clf = _MeanColourClassifier()
    table = collapse.collapse_table(runs, real, clf, seed=3)
    assert list(table.index) == ["a", "b"] and table.index.name == "run"
    fake = training.generate(training.load_generator(runs["b"], ema=False), len(real), seed=3)
    expected = collapse.collapse_scores(fake, real, clf, seed=3)
    assert table.loc["b"].to_dict() == pytest.approx(expected)
    assert set(table.columns) >= {"ssim_fake", "recall", "coverage", "effective_classes"}


def test_probe_table_formats_the_last_measurement_of_each_probe():
    def probe(acc, fake, mm, ns):
        first = {"step": 0, "d_real": 0.5, "d_fake": 0.5, "d_accuracy": 0.5}
        first |= {"grad_norm_minimax": 1.0, "grad_norm_nonsaturating": 1.0}
        last = {"step": 200, "d_real": 0.9, "d_fake": fake, "d_accuracy": acc}
        last |= {"grad_norm_minimax": mm, "grad_norm_nonsaturating": ns}
        return pd.DataFrame([first, last])

    table = problems.probe_table(
        {"untrained": probe(0.5, 0.25, 2.0, 3.0), "trained": probe(0.995, 1.23456e-4, 1e-5, 7.5)}
    )
    assert list(table["generator"]) == ["untrained", "trained"]
    assert list(table.columns[1:]) == [
        "D accuracy",
        "mean D(G(z))",
        "‖∇‖ minimax",
        "‖∇‖ non-saturating",
    ]
    assert table.iloc[1].tolist() == ["trained", "99.5%", "0.000123", "1e-05", "7.5"]
    assert table.iloc[0, 1] == "50.0%"
