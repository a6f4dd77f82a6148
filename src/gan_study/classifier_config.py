"""The one definition of a feature classifier's settings: :class:`ClassifierConfig`.

The classifier of :mod:`gan_study.classifier` is trained on arrays by
:func:`~gan_study.classifier.train_classifier` and cached by
:func:`~gan_study.classifier.load_or_train`. Every setting that changes what
it learns is a field here, validated when the configuration is made (the
error names the field and its valid values). The dataclass defaults are the
study's classifier (``ClassifierConfig()``).

A cached classifier's directory name (:meth:`ClassifierConfig.run_name`) and
its key (:meth:`ClassifierConfig.hash`) hash :meth:`ClassifierConfig.settings`
with the data and the code version that trained it. ``steps_per_epoch`` and
``devices`` are left out of them while at their defaults, so the names are
those of the classifiers trained before these settings were fields.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass, fields

import numpy as np

from gan_study import store

CLASS_WEIGHTINGS = ("none", "sqrt", "inverse")

#: Bumped when the meaning of a saved classifier changes. (Any edit of the
#: classifier's modules already changes its key through their code version.)
CLASSIFIER_VERSION = 1

#: Settings hashed only when they differ from these defaults (see :meth:`ClassifierConfig.settings`).
OPTIONAL_SETTINGS = {"steps_per_epoch": None, "devices": 1}


@dataclass(frozen=True)
class ClassifierConfig:
    """Every training setting of one feature classifier.

    Parameters
    ----------
    seed : int, default 0
        Seeds Python, NumPy and TensorFlow; non-negative.
    epochs : int, default 30
        Passes (or ``steps_per_epoch`` batches) of training; the epoch with the
        best validation balanced accuracy is kept.
    class_weighting : {"none", "sqrt", "inverse"}, default "sqrt"
        Per-class loss weights (:func:`gan_study.classifier.class_weights`).
    augment : bool, default True
        A random horizontal flip and rotation by a multiple of 90° of every
        image in every epoch.
    batch_size : int, default 64
        The global batch.
    learning_rate : float, default 1e-3
        Adam's initial learning rate, cosine-decayed to 0.
    width : int, default 32
        Filters of the first convolution (:func:`gan_study.classifier.build_model`).
    steps_per_epoch : int, optional
        Optimiser steps per epoch; default one pass over the training images.
        Chapter 6 fixes it so that training sets of different sizes get the
        same updates.
    devices : int, default 1
        Replicas (:func:`gan_study.distribute.strategy`), as ``TrainConfig.devices``.

    Raises
    ------
    ValueError
        When a field is invalid, naming it and its valid values.
    """

    seed: int = 0
    epochs: int = 30
    class_weighting: str = "sqrt"
    augment: bool = True
    batch_size: int = 64
    learning_rate: float = 1e-3
    width: int = 32
    steps_per_epoch: int | None = None
    devices: int = 1

    def __post_init__(self) -> None:
        if self.class_weighting not in CLASS_WEIGHTINGS:
            raise ValueError(
                f"class_weighting must be one of {CLASS_WEIGHTINGS}, got {self.class_weighting!r}"
            )
        if not _is_bool(self.augment):
            raise ValueError(f"augment must be True or False, got {self.augment!r}")
        if not _is_int(self.seed) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        for name in ("epochs", "batch_size", "width", "devices"):
            _check_positive_int(name, getattr(self, name))
        if self.steps_per_epoch is not None:
            _check_positive_int("steps_per_epoch", self.steps_per_epoch)
        lr = self.learning_rate
        if not _is_number(lr) or not math.isfinite(lr) or lr <= 0:
            raise ValueError(f"learning_rate must be a positive finite number, got {lr!r}")
        for f in fields(self):  # plain Python types, as JSON writes them
            value = getattr(self, f.name)
            if value is not None and f.name != "class_weighting":
                kind = {"augment": bool, "learning_rate": float}.get(f.name, int)
                object.__setattr__(self, f.name, kind(value))

    @classmethod
    def with_settings(cls, config: ClassifierConfig | None = None, **settings) -> ClassifierConfig:
        """``config`` (default ``ClassifierConfig()``) with the keyword ``settings`` replaced.

        Raises
        ------
        TypeError
            When ``config`` is not a :class:`ClassifierConfig` or a setting is not a field.
        """
        if config is not None and not isinstance(config, cls):
            raise TypeError(f"config must be a ClassifierConfig, got {type(config).__name__}")
        return dataclasses.replace(config or cls(), **settings)

    def replace(self, **changes) -> ClassifierConfig:
        """A copy with ``changes`` (validated again)."""
        return dataclasses.replace(self, **changes)

    def settings(self) -> dict:
        """The settings stored with a classifier and hashed into its key.

        Every field, except ``steps_per_epoch`` and ``devices`` at their
        defaults (:data:`OPTIONAL_SETTINGS`).
        """
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if not (
                f.name in OPTIONAL_SETTINGS and getattr(self, f.name) == OPTIONAL_SETTINGS[f.name]
            )
        }

    def hash(self, data, code: str) -> str:
        """The classifier's cache key for ``data`` and the code version ``code``.

        Parameters
        ----------
        data : gan_study.data.LesionData
            Its source, split, image size and a digest of the training and
            validation arrays are hashed.
        code : str
            :func:`gan_study.store.code_version` of the modules that train it.

        Returns
        -------
        str
            :func:`gan_study.store.cache_key` (16 hex characters).
        """
        digest = store.array_digest(
            data.train.images, data.train.labels, data.val.images, data.val.labels
        )
        params = {
            "version": CLASSIFIER_VERSION,
            "source": data.source,
            "split": data.split,
            "image_size": int(data.image_size),
            **self.settings(),
        }
        return store.cache_key(code=code, inputs={"data": digest}, params=params)

    def run_name(self, data, code: str) -> str:
        """The cache directory name: readable fields and 8 characters of :meth:`hash`.

        For example ``classifier-ham10000-lesion-28px-seed0-e20-sqrt-aug-c7682915``.
        """
        aug = "aug" if self.augment else "noaug"
        return (
            f"classifier-{data.source}-{data.split}-{data.image_size}px-seed{self.seed}"
            f"-e{self.epochs}-{self.class_weighting}-{aug}-{self.hash(data, code)[:8]}"
        )


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not _is_bool(value)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not _is_bool(value)


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


def _check_positive_int(name: str, value) -> None:
    if not _is_int(value) or value < 1:
        raise ValueError(f"{name} must be a positive integer (1 or more), got {value!r}")
