"""Walks through a conditional generator's inputs: latent codes and class embeddings.

The original report shows a "simulation of melanoma progression" made of generated
images. A GAN trained on single photographs of different lesions knows nothing
about time or about how a lesion changes: HAM10000 has no follow-up series of one
lesion turning into melanoma. What such a sequence can honestly show is a path
through the model's *input space*:

* a **latent interpolation** keeps the class fixed and moves the latent code ``z``
  along a great circle (spherical interpolation, which keeps the norm typical of a
  Gaussian code; White 2016);
* a **label interpolation** keeps ``z`` fixed and moves the generator's class
  input linearly from one class (e.g. ``nv``) to another (e.g. ``mel``). The
  intermediate mixtures belong to no class; the images in between are whatever
  the network makes of them.

Both are pictures of the model, not of a disease.

The conditional generator of :func:`gan_study.models.cdcgan` takes its class
through learned per-class parameters that are linear in a one-hot label: the
rows of an ``Embedding`` layer (joined to ``z``) and, with ``conditional_bn``,
the per-class gains and biases of its :class:`~gan_study.models.ClassAffine`
layers. :func:`generate_from_class_weights` runs the generator for any mixture
of classes ``w`` (a row of class weights summing to one), replacing each of
those per-class parameters by its ``w``-weighted mean; for a one-hot ``w`` it
reproduces the generator (a unit test checks it).

References
----------
.. [1] White T. "Sampling generative networks." arXiv:1609.04468, 2016.
"""

from __future__ import annotations

import numpy as np

from gan_study.data import to_uint8


def _chain(generator):
    """The generator's ``Embedding`` layer and the layers after its ``Concatenate``."""
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


def class_mixture(label_a: int, label_b: int, t, num_classes: int) -> np.ndarray:
    """Class weights ``(1 - t) * onehot(label_a) + t * onehot(label_b)``, shape (T, K)."""
    t = np.asarray(t, dtype=np.float32).reshape(-1, 1)
    eye = np.eye(num_classes, dtype=np.float32)
    return (1 - t) * eye[label_a] + t * eye[label_b]


def generate_from_class_weights(generator, z, weights) -> np.ndarray:
    """Run the conditional generator for ``z`` and a mixture of classes per image.

    Parameters
    ----------
    generator : keras.Model
        A conditional generator built by :func:`gan_study.models.cdcgan`.
    z : array_like, shape (N, latent_dim)
    weights : array_like, shape (N, num_classes)
        Class weights of each image (one-hot for a class; e.g.
        :func:`class_mixture` for a path between two). Every per-class
        parameter of the generator (embedding rows, batch-norm gains and
        biases) is replaced by its weighted mean.

    Returns
    -------
    numpy.ndarray, uint8, shape (N, S, S, 3)

    Raises
    ------
    ValueError
        For a generator that is not a label-embedding conditional one, or
        arrays of the wrong shapes.
    """
    import keras

    from gan_study.data import to_uint8
    from gan_study.models import ClassAffine

    embedding, chain = _chain(generator)
    z = np.asarray(z, dtype=np.float32)
    w = np.asarray(weights, dtype=np.float32)
    if z.ndim != 2 or w.ndim != 2 or len(z) != len(w) or w.shape[1] != embedding.input_dim:
        raise ValueError(
            f"z must be (N, d) and weights (N, {embedding.input_dim}) with equal N, "
            f"got {z.shape} and {w.shape}"
        )
    x = keras.ops.concatenate([z, w @ np.asarray(embedding.embeddings)], axis=-1)
    for layer in chain:
        if isinstance(layer, ClassAffine):
            gain = (w @ np.asarray(layer.gain))[:, None, None, :]
            x = x * gain + (w @ np.asarray(layer.bias))[:, None, None, :]
        elif isinstance(layer, keras.layers.BatchNormalization | keras.layers.Dropout):
            x = layer(x, training=False)
        else:
            x = layer(x)
    return to_uint8(np.asarray(x))


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
    """Images along a straight line between two classes, for one fixed ``z``.

    The class weights move in equal steps from ``label_a`` to ``label_b``
    (:func:`class_mixture`, :func:`generate_from_class_weights`).

    Returns
    -------
    numpy.ndarray, uint8, shape (steps, S, S, 3)
    """
    if steps < 2:
        raise ValueError(f"steps must be at least 2, got {steps}")
    embedding, _ = _chain(generator)
    weights = class_mixture(label_a, label_b, np.linspace(0.0, 1.0, steps), embedding.input_dim)
    zz = np.repeat(np.asarray(z, dtype=np.float32).reshape(1, -1), steps, axis=0)
    return generate_from_class_weights(generator, zz, weights)


def latent_path(generator, z_a, z_b, label: int, steps: int) -> np.ndarray:
    """Images along a spherical path between two latent codes, for one fixed class.

    Returns
    -------
    numpy.ndarray, uint8, shape (steps, S, S, 3)
    """
    if steps < 2:
        raise ValueError(f"steps must be at least 2, got {steps}")
    _chain(generator)  # a conditional generator, or a clear error
    zz = slerp(z_a, z_b, np.linspace(0.0, 1.0, steps)).astype(np.float32)
    labels = np.full(steps, label, dtype=np.int32)
    return to_uint8(np.asarray(generator([zz, labels], training=False)))
