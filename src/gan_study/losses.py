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
=================  ====================================  ==================================

References
----------
.. [1] I. Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014
   (minimax and the non-saturating variant, section 3).
.. [2] T. Salimans et al., "Improved Techniques for Training GANs", NeurIPS
   2016 (one-sided label smoothing, section 3.4).
.. [3] I. Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS
   2017 (gradient penalty, Algorithm 1).
"""

from __future__ import annotations

import tensorflow as tf

_EPS = 1e-7


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
    loss : {"minimax", "nonsaturating", "wgan-gp"}
    output : {"logit", "probability"}
    label_smoothing : float
        One-sided: the real target is ``1 - label_smoothing`` (fake stays 0).

    Returns
    -------
    tf.Tensor
        Scalar float32: the sum of the real and fake cross-entropy means
        (``minimax``/``nonsaturating``) or ``mean C(G(z)) - mean C(x)``.
    """
    if loss == "wgan-gp":
        return tf.reduce_mean(tf.cast(d_fake, tf.float32)) - tf.reduce_mean(
            tf.cast(d_real, tf.float32)
        )
    if loss not in ("minimax", "nonsaturating"):
        raise ValueError(f"unknown loss {loss!r}; valid: minimax, nonsaturating, wgan-gp")
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
    loss : {"minimax", "nonsaturating", "wgan-gp"}
    output : {"logit", "probability"}

    Returns
    -------
    tf.Tensor
        Scalar float32.
    """
    if loss == "wgan-gp":
        return -tf.reduce_mean(tf.cast(d_fake, tf.float32))
    log_d, log_1md = _log_sigmoid_terms(d_fake, output)
    if loss == "minimax":
        return tf.reduce_mean(log_1md)
    if loss == "nonsaturating":
        return tf.reduce_mean(-log_d)
    raise ValueError(f"unknown loss {loss!r}; valid: minimax, nonsaturating, wgan-gp")


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
