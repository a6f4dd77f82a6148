"""Every architecture at every size: shapes, output ranges, conditioning, bad input,
spectral normalisation."""

from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from gan_study import models  # noqa: E402


@pytest.mark.parametrize("size", models.SUPPORTED_SIZES)
@pytest.mark.parametrize("name", models.ARCHITECTURES)
def test_shapes_and_ranges(name, size):
    gan = models.build(name, image_size=size)
    assert gan.name == name and gan.latent_dim == 100 and gan.image_size == size
    z = tf.random.normal((3, 100), seed=1)
    y = tf.constant([0, 3, 6], tf.int32)
    x = gan.generator([z, y] if gan.conditional else z, training=False)
    assert tuple(x.shape) == (3, size, size, 3)
    assert x.dtype == tf.float32
    pixels = x.numpy()
    assert np.all(pixels >= -1) and np.all(pixels <= 1) and np.isfinite(pixels).all()
    d = gan.discriminator([x, y] if gan.conditional else x, training=False).numpy()
    assert d.shape == (3, 1) and np.isfinite(d).all()
    if gan.output == "probability":
        assert np.all((d >= 0) & (d <= 1))


def test_seed_baseline_is_the_report_network():
    """Fig. 8 of the report, with the 28x28x3 fix: layer types and widths."""
    g, d = models.seed_baseline(28)
    kinds = [type(layer).__name__ for layer in g.layers]
    assert kinds[:3] == ["Dense", "Reshape", "BatchNormalization"]
    convs = [layer for layer in g.layers if type(layer).__name__ == "Conv2DTranspose"]
    assert [c.filters for c in convs] == [64, 3] and convs[0].get_config()["activation"] == "selu"
    assert g.layers[0].units == 7 * 7 * 128
    dropouts = [layer.rate for layer in d.layers if type(layer).__name__ == "Dropout"]
    assert dropouts == [0.4, 0.4]
    assert tuple(d.inputs[0].shape) == (None, 28, 28, 3)
    assert tuple(g.outputs[0].shape) == (None, 28, 28, 3)
    assert d.layers[-1].get_config()["activation"] == "sigmoid"
    assert models.DEFAULTS["seed_baseline"]["optimizer"] == "rmsprop"


def test_wgan_critic_has_no_batchnorm():
    _, critic = models.wgan_gp(28)
    assert not any(type(layer).__name__ == "BatchNormalization" for layer in critic.layers)
    assert any(type(layer).__name__ == "LayerNormalization" for layer in critic.layers)


def test_conditional_generator_depends_on_label():
    gan = models.build("cdcgan", 28)
    z = tf.random.normal((2, 100), seed=2)
    z = tf.concat([z[:1], z[:1]], axis=0)
    x = gan.generator([z, tf.constant([3, 4], tf.int32)], training=False).numpy()
    assert not np.allclose(x[0], x[1])
    real = tf.zeros((2, 28, 28, 3))
    d = gan.discriminator([real, tf.constant([3, 4], tf.int32)], training=False).numpy()
    assert d.shape == (2, 1)


def test_conditional_batch_norm_gives_each_class_its_own_gain_and_bias():
    plain = models.build("cdcgan", 28)
    gan = models.build("cdcgan", 28, conditional_bn=True)
    affine = [layer for layer in gan.generator.layers if isinstance(layer, models.ClassAffine)]
    plain_bn = [layer for layer in plain.generator.layers if "BatchNorm" in type(layer).__name__]
    assert len(affine) == len(plain_bn) == 2  # every batch norm of G, none in D
    assert not any(isinstance(layer, models.ClassAffine) for layer in gan.discriminator.layers)
    for layer in affine:
        assert layer.gain.shape == (7, layer.input[0].shape[-1])
    # untrained: gain 1 and bias 0 for every class, so the label acts through z only
    x = tf.random.normal((2, 4, 4, 3), seed=3)
    layer = models.ClassAffine(7)
    same = layer([x, tf.constant([1, 5])]).numpy()
    np.testing.assert_allclose(same, x.numpy(), rtol=1e-6)
    layer.gain.assign(tf.reshape(tf.range(21, dtype=tf.float32), (7, 3)))
    layer.bias.assign(tf.fill((7, 3), -1.0))
    out = layer([x, tf.constant([1, 5])]).numpy()
    np.testing.assert_allclose(out[0], x.numpy()[0] * [3, 4, 5] - 1, rtol=1e-5)
    np.testing.assert_allclose(out[1], x.numpy()[1] * [15, 16, 17] - 1, rtol=1e-5)
    with pytest.raises(ValueError, match="needs a conditional model"):
        models.build("dcgan", 28, conditional_bn=True)


@pytest.mark.parametrize("size", [0, 16, 30, 128])
def test_bad_size_lists_valid_values(size):
    with pytest.raises(ValueError, match="28, 32, 64"):
        models.build("dcgan", image_size=size)


def test_unknown_model_lists_valid_models():
    with pytest.raises(ValueError, match="seed_baseline, dcgan, cdcgan, wgan_gp"):
        models.build("stylegan")


def _kinds(model):
    return [type(layer).__name__ for layer in model.layers]


@pytest.mark.parametrize("name", models.ARCHITECTURES)
def test_spectral_norm_wraps_every_discriminator_kernel_only(name):
    plain = models.build(name, 28)
    sn = models.build(name, 28, spectral_norm=True)
    assert _kinds(sn.generator) == _kinds(plain.generator)
    assert "SpectralNorm" not in _kinds(plain.discriminator)
    inner = [
        type(layer.layer).__name__
        for layer in sn.discriminator.layers
        if isinstance(layer, models.SpectralNorm)
    ]
    bare = [k for k in _kinds(sn.discriminator) if k in ("Conv2D", "Dense")]
    assert not bare and inner == [
        k for k in _kinds(plain.discriminator) if k in ("Conv2D", "Dense")
    ]
    # the architecture's normalisation layers stay (BatchNorm in the DCGAN-style ones)
    norms = ("BatchNormalization", "LayerNormalization")
    assert [k for k in _kinds(sn.discriminator) if k in norms] == [
        k for k in _kinds(plain.discriminator) if k in norms
    ]
    # the power-iteration vectors are (non-trainable) model variables: checkpointed
    u = [v for v in sn.discriminator.non_trainable_variables if "power_iteration_u" in v.path]
    assert len(u) == len(inner)
    assert len(sn.discriminator.trainable_variables) == len(plain.discriminator.trainable_variables)


def test_spectral_norm_brings_the_largest_singular_value_to_one():
    # the power-iteration vector starts random: fix its start, and iterate long
    # enough for any start (after 20 iterations some starts left 1.02)
    tf.keras.utils.set_random_seed(0)
    layer = models.SpectralNorm(
        tf.keras.layers.Conv2D(
            16, 3, kernel_initializer=tf.keras.initializers.RandomNormal(0, 1.0, seed=4)
        )
    )
    x = tf.random.normal((2, 8, 8, 4), seed=5)
    layer(x, training=True)
    raw = np.linalg.svd(layer.layer.kernel.numpy().reshape(-1, 16), compute_uv=False)[0]
    assert raw > 3  # far from 1 before normalisation
    step = tf.function(lambda x: layer(x, training=True))
    for _ in range(100):
        step(x)
    kernel = layer.normalized_kernel().numpy().reshape(-1, 16)
    assert np.linalg.svd(kernel, compute_uv=False)[0] == pytest.approx(1.0, abs=1e-2)
    assert float(layer.sigma()) == pytest.approx(raw, rel=1e-2)
    # inference mode uses the stored u and does not change it
    u = layer.u.numpy().copy()
    layer(x, training=False)
    np.testing.assert_array_equal(layer.u.numpy(), u)


def test_spectral_norm_output_equals_the_layer_with_the_normalised_kernel():
    dense = tf.keras.layers.Dense(5)
    layer = models.SpectralNorm(dense)
    x = tf.random.normal((3, 7), seed=6)
    y = layer(x, training=False).numpy()
    expected = x.numpy() @ layer.normalized_kernel().numpy() + dense.bias.numpy()
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)
    with tf.GradientTape() as tape:
        out = tf.reduce_sum(layer(x, training=True))
    grads = tape.gradient(out, layer.trainable_variables)
    assert all(g is not None and np.any(g.numpy()) for g in grads)


def test_spectral_norm_refuses_other_layers():
    with pytest.raises(TypeError, match="Conv2D or Dense"):
        models.SpectralNorm(tf.keras.layers.BatchNormalization())
