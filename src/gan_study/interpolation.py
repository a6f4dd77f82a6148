"""Walks through a conditional generator's inputs: latent codes and class embeddings.

The original report shows a "simulation of melanoma progression" made of generated
images. A GAN trained on single photographs of different lesions knows nothing
about time or about how a lesion changes: HAM10000 has no follow-up series of one
lesion turning into melanoma. What such a sequence can honestly show is a path
through the model's *input space*:

* a **latent interpolation** keeps the class fixed and moves the latent code ``z``
  along a great circle (spherical interpolation, which keeps the norm typical of a
  Gaussian code; White 2016);
* a **label interpolation** keeps ``z`` fixed and moves the generator's learned class
  embedding linearly from one class (e.g. ``nv``) to another (e.g. ``mel``). The
  intermediate embeddings belong to no class; the images in between are whatever
  the network makes of them.

Both are pictures of the model, not of a disease.

The conditional generator of :func:`gan_study.models.cdcgan` embeds the label with
an ``Embedding`` layer, concatenates it with ``z`` and runs a chain of layers. The
functions here reach that embedding, so that fractional "labels" can be fed to the
rest of the chain; :func:`generate_from_embedding` reproduces the generator exactly
for the embedding of an integer label (a unit test checks it).

References
----------
.. [1] White T. "Sampling generative networks." arXiv:1609.04468, 2016.
"""

from __future__ import annotations

import numpy as np


def _parts(generator):
    import keras

    layers = list(generator.layers)
    emb = [i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.Embedding)]
    cat = [i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.Concatenate)]
    if len(emb) != 1 or len(cat) != 1 or cat[0] < emb[0]:
        raise ValueError(
            f"{generator.name} is not a label-embedding conditional generator "
            "(expected one Embedding and one Concatenate layer, as in models.cdcgan)"
        )
    return layers[emb[0]], layers[cat[0] + 1 :]


def label_embedding(generator, labels) -> np.ndarray:
    """The generator's learned embedding of integer class labels, shape (N, e)."""
    emb, _ = _parts(generator)
    return np.asarray(emb(np.asarray(labels, dtype=np.int32)))


def generate_from_embedding(generator, z, embeddings) -> np.ndarray:
    """Run the conditional generator from ``z`` and arbitrary class embeddings.

    Parameters
    ----------
    generator : keras.Model
        A conditional generator built by :func:`gan_study.models.cdcgan`.
    z : array_like, shape (N, latent_dim)
    embeddings : array_like, shape (N, e)
        Class embeddings (e.g. mixtures of two rows of :func:`label_embedding`).

    Returns
    -------
    numpy.ndarray, uint8, shape (N, S, S, 3)
    """
    import keras

    from gan_study.data import to_uint8

    _, chain = _parts(generator)
    z = np.asarray(z, dtype=np.float32)
    e = np.asarray(embeddings, dtype=np.float32)
    if z.ndim != 2 or e.ndim != 2 or len(z) != len(e):
        raise ValueError(
            f"z and embeddings must be (N, d) arrays of equal N, got {z.shape}, {e.shape}"
        )
    x = keras.ops.concatenate([z, e], axis=-1)
    for layer in chain:
        x = layer(x, training=False) if _takes_training(layer) else layer(x)
    return to_uint8(np.asarray(x))


def _takes_training(layer) -> bool:
    import keras

    return isinstance(layer, keras.layers.BatchNormalization | keras.layers.Dropout)


def slerp(a, b, t) -> np.ndarray:
    """Spherical interpolation between two vectors at fractions ``t``.

    Parameters
    ----------
    a, b : array_like, shape (d,)
    t : array_like of float, shape (T,)
        Fractions in [0, 1]; 0 gives ``a``, 1 gives ``b``.

    Returns
    -------
    numpy.ndarray, shape (T, d)
        Falls back to linear interpolation when ``a`` and ``b`` are (anti)parallel.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)[:, None]
    cos = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if np.sin(omega) < 1e-6:
        return (1 - t) * a + t * b
    return (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)


def label_path(generator, z, label_a: int, label_b: int, steps: int) -> np.ndarray:
    """Images along a straight line between two class embeddings, for one fixed ``z``.

    Returns
    -------
    numpy.ndarray, uint8, shape (steps, S, S, 3)
    """
    if steps < 2:
        raise ValueError(f"steps must be at least 2, got {steps}")
    ea, eb = label_embedding(generator, [label_a, label_b])
    t = np.linspace(0.0, 1.0, steps)[:, None]
    emb = (1 - t) * ea + t * eb
    zz = np.repeat(np.asarray(z, dtype=np.float32).reshape(1, -1), steps, axis=0)
    return generate_from_embedding(generator, zz, emb)


def latent_path(generator, z_a, z_b, label: int, steps: int) -> np.ndarray:
    """Images along a spherical path between two latent codes, for one fixed class.

    Returns
    -------
    numpy.ndarray, uint8, shape (steps, S, S, 3)
    """
    if steps < 2:
        raise ValueError(f"steps must be at least 2, got {steps}")
    zz = slerp(z_a, z_b, np.linspace(0.0, 1.0, steps)).astype(np.float32)
    emb = np.repeat(label_embedding(generator, [label]), steps, axis=0)
    return generate_from_embedding(generator, zz, emb)
