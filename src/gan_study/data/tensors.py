"""From uint8 arrays to what a GAN trains on: floats in [-1, 1] and ``tf.data``.

Generators end in ``tanh``, so real images are scaled to the same range:
``x = u / 127.5 - 1`` for a uint8 value ``u``. TensorFlow is imported inside
:func:`make_tf_dataset` only, so that reading data stays fast without it.
"""

from __future__ import annotations

import numpy as np


def to_float(images: np.ndarray) -> np.ndarray:
    """Scale uint8 images to float32 in [-1, 1].

    Parameters
    ----------
    images : np.ndarray
        uint8 array of any shape.

    Returns
    -------
    np.ndarray
        float32, ``images / 127.5 - 1``.

    Raises
    ------
    TypeError
        When ``images`` is not uint8 (scaling floats twice is a silent bug).
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(f"to_float expects uint8 images, got {images.dtype}")
    return images.astype(np.float32) / np.float32(127.5) - np.float32(1.0)


def to_uint8(x: np.ndarray) -> np.ndarray:
    """Map floats in [-1, 1] back to uint8 (values outside are clipped).

    The inverse of :func:`to_float`: ``to_uint8(to_float(u)) == u`` exactly.

    Parameters
    ----------
    x : array-like
        Floats, nominally in [-1, 1] (e.g. a generator's ``tanh`` output).

    Returns
    -------
    np.ndarray
        uint8, ``round((clip(x, -1, 1) + 1) * 127.5)``.
    """
    x = np.clip(np.asarray(x, dtype=np.float32), -1.0, 1.0)
    return np.rint((x + 1.0) * 127.5).astype(np.uint8)


def make_tf_dataset(
    images: np.ndarray,
    labels: np.ndarray | None = None,
    *,
    batch_size: int,
    seed: int,
    shuffle: bool = True,
    drop_remainder: bool = True,
):
    """A batched, shuffled, prefetched ``tf.data.Dataset`` of images in [-1, 1].

    Parameters
    ----------
    images : np.ndarray
        ``(N, S, S, 3)`` uint8.
    labels : np.ndarray, optional
        ``(N,)`` integer labels; when given, elements are ``(images, labels)``.
    batch_size : int
        Images per batch.
    seed : int
        Shuffle seed: the same seed gives the same order of batches in each
        epoch sequence (the order changes from epoch to epoch).
    shuffle : bool
        Shuffle over the whole array (buffer of size ``N``).
    drop_remainder : bool
        Drop a last, smaller batch.

    Returns
    -------
    tf.data.Dataset
        float32 image batches ``(B, S, S, 3)`` in [-1, 1] (and int64 labels).
    """
    import tensorflow as tf

    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4:
        raise TypeError(f"images must be (N, S, S, C) uint8, got {images.dtype} {images.shape}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if labels is not None:
        labels = np.asarray(labels).astype(np.int64).reshape(-1)
        if labels.shape[0] != images.shape[0]:
            raise ValueError(f"{images.shape[0]} images but {labels.shape[0]} labels")
        ds = tf.data.Dataset.from_tensor_slices((images, labels))
    else:
        ds = tf.data.Dataset.from_tensor_slices(images)
    if shuffle:
        ds = ds.shuffle(images.shape[0], seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)

    def scale(x):
        return tf.cast(x, tf.float32) / 127.5 - 1.0

    if labels is not None:
        ds = ds.map(lambda x, y: (scale(x), y), num_parallel_calls=tf.data.AUTOTUNE)
    else:
        ds = ds.map(scale, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)
