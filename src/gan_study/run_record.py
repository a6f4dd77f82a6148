"""What a run's ``config.json`` records besides its configuration: data, software, machine.

A run directory (:class:`gan_study.rundir.RunDir`) stores, with the
:class:`~gan_study.config.TrainConfig`, where its numbers come from: a digest
of the training data (so that a run is never scored against data it did not
see, nor resumed on other data), the versions and git commit of the code, the
device and ``tf.distribute`` strategy, and the report's chapter that trained
it. The trainer builds that record here once, when it creates a run.
"""

from __future__ import annotations

import hashlib
import os
import platform

import numpy as np

from gan_study import distribute, machine, paths
from gan_study.config import TrainConfig


def data_fingerprint(images: np.ndarray, labels: np.ndarray) -> str:
    """The digest of a run's training images and labels kept in ``config.json``.

    The evaluation compares it with the data it is given, so a run is never
    scored against data it did not see.
    """
    h = hashlib.sha256()
    h.update(str(images.shape).encode())
    h.update(np.ascontiguousarray(images).tobytes())
    h.update(np.ascontiguousarray(labels, dtype=np.int64).tobytes())
    return h.hexdigest()[:16]


def describe_device() -> str:
    """The device TensorFlow trains on: GPU name(s), else the CPU model and core count."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        names = []
        for gpu in gpus:
            try:
                names.append(tf.config.experimental.get_device_details(gpu).get("device_name"))
            except Exception:  # pragma: no cover - depends on the driver
                names.append(gpu.name)
        return "GPU: " + ", ".join(str(n) for n in names)
    model = machine.cpu_model()
    return f"CPU: {model} ({os.cpu_count()} logical cores)"


def environment(strategy=None) -> dict:
    """What ``config.json`` records of the software and machine that train a run.

    Versions, git commit, device, the ``tf.distribute`` strategy, and the
    report's chapter whose kernel trains the run (None outside the report).
    """
    import keras
    import tensorflow as tf

    import gan_study

    return {
        "gan_study": gan_study.__version__,
        "git_commit": machine.git_commit(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "python": platform.python_version(),
        "device": describe_device(),
        "distribution": distribute.describe(strategy),
        # the report's chapter whose kernel trained the run (None outside the report)
        "notebook": os.environ.get(paths.NOTEBOOK_ENV),
    }


def config_record(
    config: TrainConfig,
    labels: np.ndarray | None,
    n_train: int,
    fingerprint: str,
    env: dict,
    in_memory: bool,
) -> dict:
    """The content of a new run's ``config.json``.

    Parameters
    ----------
    config : TrainConfig
    labels : numpy.ndarray or None
        The training labels (their class counts are kept), None for none.
    n_train : int
        The number of training images.
    fingerprint : str
        :func:`data_fingerprint` of the training data.
    env : dict
        :func:`environment`.
    in_memory : bool
        Whether the run trains on in-memory arrays rather than ``config.source``.
    """
    class_counts = None
    if labels is not None:
        class_counts = np.bincount(np.asarray(labels).ravel(), minlength=7).tolist()
    return {
        "config": config.to_dict(),
        "run_name": config.run_name(),
        "data": {
            "source": "in-memory arrays" if in_memory else config.source,
            "split": None if in_memory else config.split,
            "n_train": int(n_train),
            "class_counts": class_counts,
            "fingerprint": fingerprint,
        },
        "environment": env,
    }
