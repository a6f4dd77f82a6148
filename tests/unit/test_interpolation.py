"""Latent and label paths through the conditional generator."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from gan_study import interpolation as itp  # noqa: E402
from gan_study import models  # noqa: E402
from gan_study.data import to_uint8  # noqa: E402


def _generator(conditional_bn: bool):
    keras.utils.set_random_seed(0)
    generator = models.build("cdcgan", 28, latent_dim=8, conditional_bn=conditional_bn).generator
    if conditional_bn:  # per-class gains and biases away from their start (1 and 0)
        rng = np.random.default_rng(3)
        for layer in generator.layers:
            if isinstance(layer, models.ClassAffine):
                layer.gain.assign(1 + 0.5 * rng.standard_normal(layer.gain.shape))
                layer.bias.assign(0.5 * rng.standard_normal(layer.bias.shape))
    return generator


@pytest.fixture(scope="module", params=[False, True], ids=["embedding", "conditional_bn"])
def generator(request):
    return _generator(request.param)


def test_one_hot_class_weights_reproduce_the_generator(generator):
    rng = np.random.default_rng(0)
    z = rng.standard_normal((5, 8)).astype(np.float32)
    labels = np.array([0, 3, 4, 5, 6])
    direct = to_uint8(np.asarray(generator([z, labels], training=False)))
    via = itp.generate_from_class_weights(generator, z, np.eye(7)[labels])
    assert via.dtype == np.uint8 and via.shape == (5, 28, 28, 3)
    assert np.abs(direct.astype(int) - via.astype(int)).max() <= 1


def test_label_path_ends_at_the_two_classes(generator):
    z = np.random.default_rng(1).standard_normal(8).astype(np.float32)
    path = itp.label_path(generator, z, 5, 4, steps=5)
    ends = to_uint8(np.asarray(generator([np.stack([z, z]), np.array([5, 4])], training=False)))
    assert path.shape == (5, 28, 28, 3)
    assert np.abs(path[[0, -1]].astype(int) - ends.astype(int)).max() <= 1
    assert not np.array_equal(path[1], path[3])


def test_class_mixture_moves_the_weight_from_one_class_to_the_other():
    w = itp.class_mixture(5, 4, np.array([0.0, 0.25, 1.0]), 7)
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    np.testing.assert_allclose(w[:, [5, 4]], [[1.0, 0.0], [0.75, 0.25], [0.0, 1.0]])
    assert not w[:, [0, 1, 2, 3, 6]].any()


def test_midpoint_mixes_the_batch_norm_gains_of_the_two_classes():
    """With conditional batch norm the class reaches every layer, not only the embedding."""
    generator = _generator(True)
    z = np.zeros((1, 8), np.float32)
    mid = itp.class_mixture(0, 1, [0.5], 7)
    only_embedding = _generator(True)
    for layer in only_embedding.layers:  # the same network with class-free batch norms
        if isinstance(layer, models.ClassAffine):
            layer.gain.assign(np.ones(layer.gain.shape))
            layer.bias.assign(np.zeros(layer.bias.shape))
    a = itp.generate_from_class_weights(generator, z, mid)
    b = itp.generate_from_class_weights(only_embedding, z, mid)
    assert np.abs(a.astype(int) - b.astype(int)).max() > 1


def test_latent_path_and_slerp(generator):
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((2, 8))
    s = itp.slerp(a, b, np.array([0.0, 0.5, 1.0]))
    np.testing.assert_allclose(s[0], a, atol=1e-9)
    np.testing.assert_allclose(s[-1], b, atol=1e-9)
    # the midpoint of a slerp between equal-norm vectors keeps that norm
    b2 = b / np.linalg.norm(b) * np.linalg.norm(a)
    mid = itp.slerp(a, b2, np.array([0.5]))[0]
    assert np.linalg.norm(mid) == pytest.approx(np.linalg.norm(a))
    np.testing.assert_allclose(itp.slerp(a, a, np.array([0.3]))[0], a)
    path = itp.latent_path(generator, a, b, label=4, steps=4)
    assert path.shape == (4, 28, 28, 3)
    direct = to_uint8(
        np.asarray(generator([np.stack([a, b]).astype(np.float32), np.array([4, 4])]))
    )
    assert np.abs(path[[0, -1]].astype(int) - direct.astype(int)).max() <= 1


def test_rejects_unconditional_generator_bad_shapes_and_bad_steps(generator):
    g = models.build("dcgan", image_size=28, latent_dim=8).generator
    with pytest.raises(ValueError, match="not a label-embedding conditional generator"):
        itp.label_path(g, np.zeros(8), 0, 1, steps=3)
    with pytest.raises(ValueError, match=r"weights \(N, 7\)"):
        itp.generate_from_class_weights(generator, np.zeros((2, 8)), np.zeros((2, 6)))
    with pytest.raises(ValueError, match="steps"):
        itp.label_path(generator, np.zeros(8), 0, 1, steps=1)
