"""The adversarial losses, written out so a reader can check them against the papers.

``d_real`` and ``d_fake`` are the discriminator outputs on a real and a
generated batch. For models with ``output == "logit"`` they are unbounded
logits and cross-entropies are computed from logits (``softplus``), which
never takes the log of a rounded-off probability. For ``output ==
"probability"`` (the report's sigmoid discriminator) they are probabilities
and the cross-entropy is computed on them after clipping to
``[1e-7, 1 - 1e-7]``, exactly what Keras' ``binary_crossentropy`` did in the
report.

=================  ====================================  ==================================
loss               discriminator minimises               generator minimises
=================  ====================================  ==================================
``minimax``        -log D(x) - log(1 - D(G(z)))          log(1 - D(G(z)))   (saturating)
``nonsaturating``  same                                  -log D(G(z))
``wgan-gp``        C(G(z)) - C(x) + lambda * GP          -C(G(z))
``hinge``          relu(1 - D(x)) + relu(1 + D(G(z)))    -D(G(z))
=================  ====================================  ==================================

(each term is a mean over the batch). The hinge loss is defined on the raw
discriminator output and needs ``output == "logit"``.

:func:`r1_penalty` is the R1 regulariser of Mescheder et al. (2018): the
squared norm of the discriminator's input gradient at the real images, which
the trainer adds to the cross-entropy or hinge discriminator loss as
``gamma / 2 * R1``.

References
----------
.. [1] I. Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014
   (minimax and the non-saturating variant, section 3).
.. [2] T. Salimans et al., "Improved Techniques for Training GANs", NeurIPS
   2016 (one-sided label smoothing, section 3.4).
.. [3] I. Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS
   2017 (gradient penalty, Algorithm 1).
.. [4] J. H. Lim, J. C. Ye, "Geometric GAN", arXiv:1705.02894 (2017) (the
   hinge loss); T. Miyato et al., "Spectral Normalization for Generative
   Adversarial Networks", ICLR 2018, arXiv:1802.05957 (used it with
   spectral normalisation).
.. [5] L. Mescheder, A. Geiger, S. Nowozin, "Which Training Methods for GANs
   do actually Converge?", ICML 2018, arXiv:1801.04406 (R1).
"""

from __future__ import annotations

import tensorflow as tf

_EPS = 1e-7
_VALID = "minimax, nonsaturating, wgan-gp, hinge"


def _log_sigmoid_terms(out, output: str):
    """``(log D, log(1 - D))`` elementwise, from logits or probabilities."""
    out = tf.cast(out, tf.float32)
    if output == "logit":
        return -tf.nn.softplus(-out), -tf.nn.softplus(out)
    if output == "probability":
        p = tf.clip_by_value(out, _EPS, 1.0 - _EPS)
        return tf.math.log(p), tf.math.log(1.0 - p)
    raise ValueError(f"unknown discriminator output {output!r}; valid: logit, probability")


def discriminator_loss(
    d_real, d_fake, loss: str, output: str = "logit", label_smoothing: float = 0.0
):
    """Discriminator (critic) loss without the gradient penalty.

    Parameters
    ----------
    d_real, d_fake : tf.Tensor
        Discriminator outputs, shape ``(batch, 1)``.
    loss : {"minimax", "nonsaturating", "wgan-gp", "hinge"}
    output : {"logit", "probability"}
        ``hinge`` needs ``"logit"``.
    label_smoothing : float
        One-sided: the real target is ``1 - label_smoothing`` (fake stays 0).
        Cross-entropy losses only.

    Returns
    -------
    tf.Tensor
        Scalar float32: the sum of the real and fake cross-entropy means
        (``minimax``/``nonsaturating``), ``mean C(G(z)) - mean C(x)``
        (``wgan-gp``) or ``mean relu(1 - D(x)) + mean relu(1 + D(G(z)))``
        (``hinge``).
    """
    if loss == "wgan-gp":
        return tf.reduce_mean(tf.cast(d_fake, tf.float32)) - tf.reduce_mean(
            tf.cast(d_real, tf.float32)
        )
    if loss == "hinge":
        _logit_only(loss, output)
        return tf.reduce_mean(tf.nn.relu(1.0 - tf.cast(d_real, tf.float32))) + tf.reduce_mean(
            tf.nn.relu(1.0 + tf.cast(d_fake, tf.float32))
        )
    if loss not in ("minimax", "nonsaturating"):
        raise ValueError(f"unknown loss {loss!r}; valid: {_VALID}")
    target = 1.0 - label_smoothing
    log_d, log_1md = _log_sigmoid_terms(d_real, output)
    real = -(target * log_d + (1.0 - target) * log_1md)
    _, log_1md_fake = _log_sigmoid_terms(d_fake, output)
    return tf.reduce_mean(real) + tf.reduce_mean(-log_1md_fake)


def generator_loss(d_fake, loss: str, output: str = "logit"):
    """Generator loss from the discriminator's output on generated images.

    Parameters
    ----------
    d_fake : tf.Tensor
        Discriminator outputs on ``G(z)``, shape ``(batch, 1)``.
    loss : {"minimax", "nonsaturating", "wgan-gp", "hinge"}
    output : {"logit", "probability"}

    Returns
    -------
    tf.Tensor
        Scalar float32.
    """
    if loss == "wgan-gp":
        return -tf.reduce_mean(tf.cast(d_fake, tf.float32))
    if loss == "hinge":
        _logit_only(loss, output)
        return -tf.reduce_mean(tf.cast(d_fake, tf.float32))
    log_d, log_1md = _log_sigmoid_terms(d_fake, output)
    if loss == "minimax":
        return tf.reduce_mean(log_1md)
    if loss == "nonsaturating":
        return tf.reduce_mean(-log_d)
    raise ValueError(f"unknown loss {loss!r}; valid: {_VALID}")


def _logit_only(loss: str, output: str) -> None:
    if output != "logit":
        raise ValueError(f"loss {loss!r} needs a discriminator with output 'logit', got {output!r}")


def gradient_penalty(critic, real, fake, eps):
    """``mean((||grad_x C(x_hat)||_2 - 1)^2)`` at ``x_hat = eps*real + (1-eps)*fake``.

    Parameters
    ----------
    critic : callable
        Maps an image batch to critic scores (conditional critics: wrap the label in).
    real, fake : tf.Tensor
        ``(batch, S, S, 3)`` float32.
    eps : tf.Tensor
        ``(batch, 1, 1, 1)`` uniform in [0, 1].

    Returns
    -------
    tf.Tensor
        Scalar float32.
    """
    x_hat = eps * real + (1.0 - eps) * fake
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        score = tf.cast(critic(x_hat), tf.float32)
    grad = tf.cast(tape.gradient(score, x_hat), tf.float32)
    norm = tf.sqrt(tf.reduce_sum(tf.square(grad), axis=[1, 2, 3]) + 1e-12)
    return tf.reduce_mean(tf.square(norm - 1.0))


def r1_penalty(critic, real):
    """R1: ``mean ||grad_x D(x)||_2^2`` at the real images (Mescheder et al. 2018).

    The discriminator is evaluated once, under a tape that watches ``real``;
    its scores are returned too, so the caller can use this one forward pass
    for its loss as well. Called inside the caller's own ``GradientTape``, the
    penalty is differentiable with respect to the discriminator's weights
    (double back-propagation). A batch-dependent discriminator (BatchNorm in
    training mode) makes each score depend on the whole batch; the gradient
    of the summed scores then includes those cross terms (the paper's
    discriminators have no BatchNorm).

    Parameters
    ----------
    critic : callable
        Maps an image batch to scores (logits), shape ``(batch, 1)``; it may
        augment its input (DiffAugment), the gradient is then taken through
        the augmentation, with respect to the un-augmented images.
    real : tf.Tensor
        ``(batch, S, S, C)`` float32.

    Returns
    -------
    penalty : tf.Tensor
        Scalar float32, the batch mean of the squared gradient norms (0 when
        the scores do not depend on the images). The trainer adds
        ``r1_weight / 2 * penalty`` (``gamma / 2`` in the paper).
    scores : tf.Tensor
        ``critic(real)``.
    """
    with tf.GradientTape() as tape:
        tape.watch(real)
        scores = critic(real)
        total = tf.reduce_sum(tf.cast(scores, tf.float32))
    grad = tape.gradient(total, real, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    grad = tf.cast(grad, tf.float32)
    penalty = tf.reduce_mean(tf.reduce_sum(tf.square(grad), axis=[1, 2, 3]))
    return penalty, scores
