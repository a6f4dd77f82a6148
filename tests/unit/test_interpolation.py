"""Latent and label paths through the conditional generator."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from gan_study import interpolation as itp  # noqa: E402
from gan_study import models  # noqa: E402
from gan_study.data import to_uint8  # noqa: E402


@pytest.fixture(scope="module")
def generator():
    keras.utils.set_random_seed(0)
    return models.build("cdcgan", image_size=28, latent_dim=8).generator


def test_embedding_path_reproduces_the_generator_for_integer_labels(generator):
    rng = np.random.default_rng(0)
    z = rng.standard_normal((5, 8)).astype(np.float32)
    labels = np.array([0, 3, 4, 5, 6])
    direct = to_uint8(np.asarray(generator([z, labels], training=False)))
    via = itp.generate_from_embedding(generator, z, itp.label_embedding(generator, labels))
    assert via.dtype == np.uint8 and via.shape == (5, 28, 28, 3)
    assert np.abs(direct.astype(int) - via.astype(int)).max() <= 1


def test_label_path_ends_at_the_two_classes(generator):
    z = np.random.default_rng(1).standard_normal(8).astype(np.float32)
    path = itp.label_path(generator, z, 5, 4, steps=5)
    ends = to_uint8(np.asarray(generator([np.stack([z, z]), np.array([5, 4])], training=False)))
    assert path.shape == (5, 28, 28, 3)
    assert np.abs(path[[0, -1]].astype(int) - ends.astype(int)).max() <= 1
    assert not np.array_equal(path[1], path[3])


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


def test_rejects_unconditional_generator_and_bad_steps(generator):
    g = models.build("dcgan", image_size=28, latent_dim=8).generator
    with pytest.raises(ValueError, match="not a label-embedding conditional generator"):
        itp.label_embedding(g, [0])
    with pytest.raises(ValueError, match="steps"):
        itp.label_path(generator, np.zeros(8), 0, 1, steps=1)
