"""The losses against hand-computed values (Goodfellow 2014, Gulrajani 2017, Lim & Ye 2017,
Mescheder et al. 2018)."""

from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from gan_study import losses  # noqa: E402

LOGITS_REAL = np.array([[2.0], [-1.0], [0.5]], np.float32)
LOGITS_FAKE = np.array([[-3.0], [0.0], [1.5]], np.float32)


def _sig(x):
    return 1 / (1 + np.exp(-x.astype(np.float64)))


def test_discriminator_cross_entropy_from_logits_and_probabilities():
    pr, pf = _sig(LOGITS_REAL), _sig(LOGITS_FAKE)
    expected = np.mean(-np.log(pr)) + np.mean(-np.log(1 - pf))
    got = losses.discriminator_loss(LOGITS_REAL, LOGITS_FAKE, "minimax", "logit")
    assert float(got) == pytest.approx(expected, rel=1e-5)
    got_p = losses.discriminator_loss(
        pr.astype(np.float32), pf.astype(np.float32), "minimax", "probability"
    )
    assert float(got_p) == pytest.approx(expected, rel=1e-5)


def test_one_sided_label_smoothing_only_changes_real_targets():
    pr, pf = _sig(LOGITS_REAL), _sig(LOGITS_FAKE)
    t = 0.9
    expected = np.mean(-(t * np.log(pr) + (1 - t) * np.log(1 - pr))) + np.mean(-np.log(1 - pf))
    got = losses.discriminator_loss(LOGITS_REAL, LOGITS_FAKE, "nonsaturating", "logit", 0.1)
    assert float(got) == pytest.approx(expected, rel=1e-5)


def test_generator_losses():
    pf = _sig(LOGITS_FAKE)
    minimax = losses.generator_loss(LOGITS_FAKE, "minimax", "logit")
    nonsat = losses.generator_loss(LOGITS_FAKE, "nonsaturating", "logit")
    assert float(minimax) == pytest.approx(np.mean(np.log(1 - pf)), rel=1e-5)
    assert float(nonsat) == pytest.approx(np.mean(-np.log(pf)), rel=1e-5)
    assert float(losses.generator_loss(LOGITS_FAKE, "wgan-gp")) == pytest.approx(
        -LOGITS_FAKE.mean()
    )


def test_logit_losses_stay_finite_where_probabilities_saturate():
    big = np.array([[200.0]], np.float32)
    assert np.isfinite(float(losses.generator_loss(-big, "nonsaturating", "logit")))
    assert float(losses.generator_loss(-big, "nonsaturating", "logit")) == pytest.approx(200.0)


def test_wasserstein_critic_loss():
    got = losses.discriminator_loss(LOGITS_REAL, LOGITS_FAKE, "wgan-gp")
    assert float(got) == pytest.approx(LOGITS_FAKE.mean() - LOGITS_REAL.mean())


def test_gradient_penalty_of_a_linear_critic():
    w = tf.constant(np.full((1, 4, 4, 3), 0.5, np.float32))  # ||w|| = 0.5 * sqrt(48)

    def critic(x):
        return tf.reduce_sum(x * w, axis=[1, 2, 3])[:, None]

    real = tf.random.normal((5, 4, 4, 3), seed=1)
    fake = tf.random.normal((5, 4, 4, 3), seed=2)
    eps = tf.random.uniform((5, 1, 1, 1), seed=3)
    gp = losses.gradient_penalty(critic, real, fake, eps)
    assert float(gp) == pytest.approx((0.5 * np.sqrt(48) - 1) ** 2, rel=1e-5)


def test_hinge_losses_on_hand_computed_logits():
    # D: mean(relu(1 - [2, -1, 0.5])) + mean(relu(1 + [-3, 0, 1.5]))
    #  = mean([0, 2, 0.5]) + mean([0, 1, 2.5]) = 2.5 / 3 + 3.5 / 3 = 2
    got = losses.discriminator_loss(LOGITS_REAL, LOGITS_FAKE, "hinge")
    assert float(got) == pytest.approx(2.0, rel=1e-6)
    # G: -mean([-3, 0, 1.5]) = 0.5
    assert float(losses.generator_loss(LOGITS_FAKE, "hinge")) == pytest.approx(0.5, rel=1e-6)
    # beyond the margins the discriminator loss is exactly flat
    far = losses.discriminator_loss(np.full((2, 1), 5.0, np.float32), -LOGITS_REAL - 5, "hinge")
    assert float(far) == pytest.approx(0.0, abs=1e-7)


def test_hinge_needs_logits():
    with pytest.raises(ValueError, match="output 'logit'"):
        losses.discriminator_loss(LOGITS_REAL, LOGITS_FAKE, "hinge", "probability")
    with pytest.raises(ValueError, match="output 'logit'"):
        losses.generator_loss(LOGITS_FAKE, "hinge", "probability")


def test_r1_penalty_is_zero_for_a_critic_that_ignores_its_input():
    real = tf.random.normal((4, 4, 4, 3), seed=1)

    def constant(x):
        return tf.ones((tf.shape(x)[0], 1)) * 3.0

    penalty, scores = losses.r1_penalty(constant, real)
    assert float(penalty) == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(scores.numpy(), 3.0)


def test_r1_penalty_of_a_linear_and_a_nonlinear_critic():
    w = tf.constant(np.full((1, 4, 4, 3), 0.5, np.float32))  # ||w||^2 = 0.25 * 48 = 12
    real = tf.random.normal((5, 4, 4, 3), seed=2)

    def linear(x):
        return tf.reduce_sum(x * w, axis=[1, 2, 3])[:, None]

    penalty, scores = losses.r1_penalty(linear, real)
    assert float(penalty) == pytest.approx(12.0, rel=1e-5)
    np.testing.assert_allclose(scores.numpy(), linear(real).numpy(), rtol=1e-6)

    def quadratic(x):  # grad = 2x: penalty = 4 mean ||x||^2
        return tf.reduce_sum(tf.square(x), axis=[1, 2, 3])[:, None]

    penalty, _ = losses.r1_penalty(quadratic, real)
    expected = 4 * np.mean(np.sum(real.numpy() ** 2, axis=(1, 2, 3)))
    assert float(penalty) == pytest.approx(expected, rel=1e-5) and float(penalty) > 0


def test_r1_penalty_is_differentiable_in_the_critic_weights():
    v = tf.Variable(np.full((1, 4, 4, 3), 0.5, np.float32))
    real = tf.random.normal((3, 4, 4, 3), seed=3)
    with tf.GradientTape() as tape:
        penalty, _ = losses.r1_penalty(
            lambda x: tf.reduce_sum(x * v, axis=[1, 2, 3])[:, None], real
        )
    grad = tape.gradient(penalty, v)  # d ||v||^2 / dv = 2v
    np.testing.assert_allclose(grad.numpy(), 2 * v.numpy(), rtol=1e-5)


def test_unknown_loss():
    with pytest.raises(ValueError, match="minimax, nonsaturating, wgan-gp, hinge"):
        losses.generator_loss(LOGITS_FAKE, "lsgan")
    with pytest.raises(ValueError, match="minimax, nonsaturating, wgan-gp, hinge"):
        losses.discriminator_loss(LOGITS_REAL, LOGITS_FAKE, "lsgan")
