"""InceptionV3 features, only where the ImageNet weights are already on the machine.

The study's feature space is its own classifier's (:mod:`gan_study.classifier`);
Inception-based FID and KID are computed in addition when the weights are in
the Keras cache (:func:`inception_weights_status`), never downloaded.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from gan_study.metrics._checks import _check_images

#: Side in pixels of InceptionV3's input: :func:`inception_features` resizes to it.
INCEPTION_SIZE = 299


#: File name of the ImageNet InceptionV3 weights (no top) in the Keras cache.
INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"


def inception_weights_status(weights_path: str | os.PathLike | None = None) -> dict:
    """Whether ImageNet InceptionV3 weights are on this machine (never downloads).

    Looks at ``weights_path`` when given, otherwise in the Keras cache
    (``$KERAS_HOME/models`` or ``~/.keras/models``) for
    :data:`INCEPTION_WEIGHTS_FILE`.

    Returns
    -------
    dict
        ``available`` (bool), ``path`` (str or None) and ``reason`` (why not,
        or None).
    """
    if weights_path is not None:
        path = Path(weights_path).expanduser()
    else:
        keras_home = os.environ.get("KERAS_HOME", "")
        base = Path(keras_home) if keras_home else Path.home() / ".keras"
        path = base / "models" / INCEPTION_WEIGHTS_FILE
    if path.is_file() and path.stat().st_size > 0:
        return {"available": True, "path": str(path), "reason": None}
    return {
        "available": False,
        "path": None,
        "reason": (
            f"ImageNet InceptionV3 weights not found at {path}; they are never downloaded "
            "by the study. Place the file there (or pass its path) to get Inception FID/KID."
        ),
    }


def inception_features(
    images: np.ndarray, weights_path: str | os.PathLike, *, batch_size: int = 64
) -> np.ndarray:
    """2048-d InceptionV3 pool features of uint8 images, from local weights only.

    Images are resized bilinearly to 299×299 and scaled to [-1, 1]
    (InceptionV3's preprocessing). Note that 28 px images upsampled to 299 px
    are far from the ImageNet images the network was trained on.

    Parameters
    ----------
    images : ndarray, shape (N, H, W, 3), uint8
    weights_path : path
        An existing weights file (see :func:`inception_weights_status`).
    batch_size : int, default 64

    Returns
    -------
    ndarray, shape (N, 2048), float64
    """
    images = _check_images(images, "images")
    status = inception_weights_status(weights_path)
    if not status["available"]:
        raise FileNotFoundError(status["reason"])
    import keras
    import tensorflow as tf

    model = keras.applications.InceptionV3(
        include_top=False,
        weights=status["path"],
        pooling="avg",
        input_shape=(INCEPTION_SIZE, INCEPTION_SIZE, 3),
    )
    out = []
    for start in range(0, images.shape[0], batch_size):
        x = tf.image.resize(
            images[start : start + batch_size].astype("float32"), (INCEPTION_SIZE, INCEPTION_SIZE)
        )
        x = x / 127.5 - 1.0
        out.append(np.asarray(model(x, training=False), dtype=np.float64))
    return np.concatenate(out)
