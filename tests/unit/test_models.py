"""Every architecture at every size: shapes, output ranges, conditioning, bad input."""

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


@pytest.mark.parametrize("size", [0, 16, 30, 128])
def test_bad_size_lists_valid_values(size):
    with pytest.raises(ValueError, match="28, 32, 64"):
        models.build("dcgan", image_size=size)


def test_unknown_model_lists_valid_models():
    with pytest.raises(ValueError, match="seed_baseline, dcgan, cdcgan, wgan_gp"):
        models.build("stylegan")
