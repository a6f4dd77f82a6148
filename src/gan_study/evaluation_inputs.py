"""What every evaluation of a run reads, and how it keeps its result.

:mod:`gan_study.evaluation` (``metrics.json``), :mod:`gan_study.ladder` (the
corruption ladder) and :mod:`gan_study.learning_curve` (``learning_curve.json``)
read the same things: a finished run's configuration and the data it was
trained on (refused when the data root holds other data,
:func:`run_inputs`), the identity of the feature extractor
(:func:`classifier_id`, :func:`extractor_id`), and the labels a conditional
generator is given (:func:`labels_like`). Each keeps its result as JSON
under a :func:`gan_study.store.cache_key` of the code of
:data:`CODE_MODULES` and its inputs (:func:`read_cached`), with non-finite
numbers made ``None`` and named (:func:`json_ready`).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from gan_study import classifier as classifier_mod
from gan_study import data as data_mod
from gan_study import store

#: The package modules whose code computes ``metrics.json`` (part of its cache key).
CODE_MODULES = (
    "evaluation",
    "evaluation_inputs",
    "reference",
    "ladder",
    "learning_curve",
    "heldout",
    "corruptions",
    "memorisation",
    "metrics",
    "classifier",
    "training",
)


def labels_like(train_labels: np.ndarray, n: int, seed: int, num_classes: int = 7) -> np.ndarray:
    """``n`` labels whose class counts follow the training distribution.

    Counts are allocated by largest remainder (so they match the training
    proportions as closely as integers allow), then shuffled with ``seed``.
    """
    counts = np.bincount(np.asarray(train_labels).ravel(), minlength=num_classes)
    share = counts / counts.sum() * n
    alloc = np.floor(share).astype(int)
    order = np.argsort(-(share - alloc), kind="stable")
    alloc[order[: n - alloc.sum()]] += 1
    labels = np.repeat(np.arange(num_classes), alloc)
    return np.random.default_rng(seed).permutation(labels).astype(np.int64)


def json_ready(obj, unavailable: dict | None = None, path: str = ""):
    """``obj`` with numpy types made plain and non-finite floats made ``None``.

    JSON has no NaN; each value replaced by ``None`` is recorded in
    ``unavailable`` (dotted path -> reason), so that no number goes missing
    unannounced.
    """
    if isinstance(obj, dict):
        return {
            str(k): json_ready(v, unavailable, f"{path}.{k}" if path else str(k))
            for k, v in obj.items()
        }
    if isinstance(obj, (list, tuple)):
        return [json_ready(v, unavailable, f"{path}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, np.ndarray):
        return json_ready(obj.tolist(), unavailable, path)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        obj = float(obj)
    if isinstance(obj, float) and not np.isfinite(obj):
        if unavailable is not None:
            unavailable.setdefault(path, f"computed as {obj} (not a finite number)")
        return None
    return obj


def classifier_id(clf) -> str:
    """What identifies a feature extractor: its cache name (which holds its code
    version, settings and data digest), else a digest of its weights."""
    if clf.path is not None:
        return clf.name
    return "weights-" + store.array_digest(*clf.model.get_weights())


def check_trained_on(run_dir: Path, config, images, labels, data_dir) -> None:
    """Refuse to score a run against data other than the data it was trained on."""
    from gan_study import training

    stored = json.loads((run_dir / "config.json").read_text()).get("data", {})
    found = training.data_fingerprint(images, labels)
    if stored.get("fingerprint") != found:
        raise ValueError(
            f"run {run_dir} was trained on data with fingerprint {stored.get('fingerprint')} "
            f"({stored.get('source')}, {stored.get('n_train')} images), but the data under "
            f"{data_dir or '$GAN_STUDY_DATA_DIR'} give {found} ({config.source}, "
            f"{len(images)} images): evaluate it with the data root it was trained on "
            "(--data-dir / GAN_STUDY_DATA_DIR)"
        )


def run_inputs(run_dir: Path, data_dir):
    """A finished run's configuration, its real data, and the images it was trained on.

    Raises ``FileNotFoundError`` for a missing run directory and
    ``ValueError`` when the data under ``data_dir`` are not the run's.
    """
    from gan_study import training

    if not run_dir.is_dir():
        raise FileNotFoundError(f"run directory {run_dir} does not exist; train it first")
    config = training.load_config(run_dir)
    data = data_mod.load(
        source=config.source,
        split=config.split,
        image_size=config.image_size,
        data_dir=data_dir,
    )
    gan_train, gan_labels = training.training_images(
        config, data_dir, data.train.images, data.train.labels
    )
    check_trained_on(run_dir, config, gan_train, gan_labels, data_dir)
    return config, data, gan_train


def extractor_id(clf, data) -> str:
    """:func:`classifier_id` of ``clf``; for ``None`` the name of the default classifier
    of ``data`` (without loading or training it)."""
    if clf is None:
        return classifier_mod.cache_name(data, **classifier_mod.DEFAULT_PARAMS)
    return classifier_id(clf)


def read_cached(path: Path, key: str) -> dict | None:
    """The JSON object stored at ``path`` if its ``cache_key`` is ``key``; else ``None``
    (also for a missing or unreadable file, which is then computed again)."""
    if not path.is_file():
        return None
    try:
        cached = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return cached if isinstance(cached, dict) and cached.get("cache_key") == key else None
