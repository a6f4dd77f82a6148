"""A small CNN trained on the real images: the study's feature extractor and judge.

ImageNet InceptionV3 weights cannot be downloaded where the study is built, and
FID on 28 px lesions upsampled to 299 px would be questionable anyway. So the
study trains its own classifier on the real training split and uses it twice:

* its penultimate layer (:meth:`Classifier.features`, 128-d) is the feature
  space of the distribution metrics in :mod:`gan_study.metrics`;
* its predictions judge conditional generators (class agreement) and are the
  downstream task of the synthetic-data chapter, which calls the array-based
  :func:`train_classifier` with GAN images added to the training set.

The network is a plain stack of four 3×3 convolutions (32, 64, 128, 192
filters, batch norm, ReLU, max pooling), global average pooling, a 128-unit
dense layer named ``features`` and a softmax over the seven classes: about
340k parameters, cheap enough to train on a laptop CPU. HAM10000 is imbalanced (67 % ``nv``), so the loss is
weighted per class; square-root-softened inverse-frequency weights
(``class_weighting="sqrt"``) trade a little accuracy for much better
balanced accuracy, while plain inverse weights (``"inverse"``) cost more
accuracy. By default every epoch sees each image randomly flipped and rotated
by a multiple of 90° (label-preserving for dermatoscopy); without it the
network overfits within ~10 epochs. The epoch with the best validation
balanced accuracy is kept.

:func:`load_or_train` caches the trained model under
``gan_study.paths.runs_dir()/classifier-...``: the directory name is derived
from this module's code, the data (source, split, size and a digest of the
training and validation arrays) and every training parameter, so a changed
recipe or parameter trains a new model and an equal one reuses the saved one.

:func:`evaluate` scores it on held-out images with accuracy, balanced
accuracy, macro-F1, per-class recall, one-vs-rest ROC AUC and the confusion
matrix, next to the majority-class baseline computed from the same labels.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.stats

from gan_study import distribute, paths, store

CLASS_WEIGHTINGS = ("none", "sqrt", "inverse")

#: Bumped when the meaning of a saved classifier changes. (Any edit of this
#: module already changes the cache key through its code version.)
CLASSIFIER_VERSION = 1

#: The training parameters of :func:`load_or_train` by default (its signature
#: repeats them; a unit test keeps the two equal).
DEFAULT_PARAMS = {
    "seed": 0,
    "epochs": 30,
    "class_weighting": "sqrt",
    "augment": True,
    "batch_size": 64,
    "learning_rate": 1e-3,
    "width": 32,
}

MODEL_FILE = "model.keras"
PARAMS_FILE = "params.json"
HISTORY_FILE = "history.csv"


# ------------------------------------------------------------------ scores
def roc_auc(y_true: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve of binary labels, by the Mann-Whitney formula.

    ``AUC = (R₁ - n₁(n₁+1)/2) / (n₁ n₀)`` where R₁ is the sum of the ranks of
    the positive samples' scores among all scores (ties get mid-ranks), n₁ and
    n₀ the numbers of positives and negatives. It is the probability that a
    random positive scores above a random negative (ties count one half).

    Parameters
    ----------
    y_true : ndarray, shape (N,)
        0/1 (or boolean) labels.
    scores : ndarray, shape (N,)

    Returns
    -------
    float
        NaN when only one class is present.

    References
    ----------
    .. [1] Hanley J. A., McNeil B. J., "The meaning and use of the area under a
       receiver operating characteristic (ROC) curve", Radiology 143, 1982.
    """
    y = np.asarray(y_true).astype(bool).ravel()
    s = np.asarray(scores, dtype=np.float64).ravel()
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = scipy.stats.rankdata(s)
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts ``C[i, j]`` of samples of true class i predicted as class j."""
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


def classification_scores(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    proba: np.ndarray | None = None,
    *,
    num_classes: int = 7,
) -> dict:
    """Accuracy, balanced accuracy, macro-F1, per-class recall and AUC.

    Parameters
    ----------
    y_true, y_pred : ndarray, shape (N,)
        True and predicted integer labels.
    proba : ndarray, shape (N, num_classes), optional
        Class scores for the one-vs-rest AUC; without them AUC is omitted.
    num_classes : int, default 7

    Returns
    -------
    dict
        ``n``, ``accuracy``; ``balanced_accuracy`` (mean recall over the
        classes present in ``y_true``); ``macro_f1`` (mean F1 over those
        classes, F1 = 0 where precision and recall are both 0);
        ``recall`` and ``f1`` (lists per class, NaN for absent classes);
        ``confusion_matrix`` (nested list, rows true, columns predicted);
        with ``proba`` also ``auc`` (per class, one-vs-rest) and
        ``macro_auc`` (mean over classes present).
    """
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError("y_true and y_pred must be non-empty and of one length")
    cm = confusion_matrix(y_true, y_pred, num_classes)
    support, predicted, tp = cm.sum(1), cm.sum(0), np.diag(cm)
    present = support > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(present, tp / np.maximum(support, 1), np.nan)
        precision = np.where(predicted > 0, tp / np.maximum(predicted, 1), 0.0)
        f1 = np.where(
            present,
            np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0),
            np.nan,
        )
    out = {
        "n": int(y_true.size),
        "accuracy": float(tp.sum() / y_true.size),
        "balanced_accuracy": float(np.nanmean(recall)),
        "macro_f1": float(np.nanmean(f1)),
        "recall": [float(v) for v in recall],
        "f1": [float(v) for v in f1],
        "support": [int(v) for v in support],
        "confusion_matrix": cm.tolist(),
    }
    if proba is not None:
        proba = np.asarray(proba, dtype=np.float64)
        if proba.shape != (y_true.size, num_classes):
            raise ValueError(f"proba must have shape ({y_true.size}, {num_classes})")
        auc = [roc_auc(y_true == c, proba[:, c]) for c in range(num_classes)]
        out["auc"] = [float(a) for a in auc]
        out["macro_auc"] = float(np.nanmean(auc))
    return out


def majority_baseline(y_true: np.ndarray, majority_class: int, *, num_classes: int = 7) -> dict:
    """Scores of a classifier that always answers ``majority_class``.

    Its scores are constant, so every one-vs-rest AUC is 0.5.
    """
    y_true = np.asarray(y_true).ravel()
    pred = np.full_like(y_true, majority_class)
    proba = np.zeros((y_true.size, num_classes))
    proba[:, majority_class] = 1.0
    out = classification_scores(y_true, pred, proba, num_classes=num_classes)
    out["majority_class"] = int(majority_class)
    return out


def class_weights(labels: np.ndarray, weighting: str, num_classes: int = 7) -> dict[int, float]:
    """Per-class loss weights.

    ``"none"``: all 1. ``"inverse"``: ``N / (K n_c)``. ``"sqrt"``: the square
    root of the inverse weights. Inverse and sqrt weights are rescaled so the
    mean weight over training samples is 1 (the loss keeps its scale).
    Classes absent from ``labels`` get weight 0.
    """
    if weighting not in CLASS_WEIGHTINGS:
        raise ValueError(f"class_weighting must be one of {CLASS_WEIGHTINGS}, got {weighting!r}")
    counts = np.bincount(np.asarray(labels).ravel(), minlength=num_classes).astype(float)
    if weighting == "none":
        w = np.ones(num_classes)
    else:
        with np.errstate(divide="ignore"):
            w = np.where(counts > 0, counts.sum() / (num_classes * counts), 0.0)
        if weighting == "sqrt":
            w = np.sqrt(w)
        w = w * counts.sum() / (w * counts).sum()
    return {c: float(w[c]) for c in range(num_classes)}


# ------------------------------------------------------------------- model
def build_model(image_size: int = 28, num_classes: int = 7, width: int = 32, dropout: float = 0.3):
    """The classifier network (inputs: float images in [-1, 1]).

    Four 3×3 convolutions with ``width``, ``2·width``, ``4·width`` and
    ``6·width`` filters, each followed by batch norm (momentum 0.9), ReLU and
    2×2 max pooling (none after the last), then global average pooling,
    dropout, a dense ``features`` layer of ``4·width`` ReLU units, dropout
    and a softmax ``probabilities`` layer. At ``width=32`` and 28 px: about
    340k parameters and 10M multiply-adds per image; most parameters sit in
    the last, 3×3-pixel convolution, which keeps training cheap on a CPU.
    """
    import keras
    from keras import layers

    inputs = keras.Input((image_size, image_size, 3), name="image")
    x = inputs
    filters = (width, 2 * width, 4 * width, 6 * width)
    for i, f in enumerate(filters):
        x = layers.Conv2D(f, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization(momentum=0.9)(x)
        x = layers.ReLU()(x)
        if i < len(filters) - 1:
            x = layers.MaxPooling2D()(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(dropout)(x)
    x = layers.Dense(4 * width, activation="relu", name="features")(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="lesion_classifier")


# -------------------------------------------------------------- Classifier
@dataclass
class Classifier:
    """A trained classifier with its parameters and training history.

    Attributes
    ----------
    model : keras.Model
        Float images in [-1, 1] → class probabilities.
    params : dict
        Everything it was trained with (seed, epochs, class weighting, ...),
        the training class counts and the best validation epoch.
    history : pandas.DataFrame
        Per-epoch loss and validation scores.
    path : pathlib.Path or None
        Cache directory it was loaded from or saved to.
    """

    model: object
    params: dict
    history: pd.DataFrame = field(default_factory=pd.DataFrame)
    path: Path | None = None
    _feature_model: object = field(default=None, repr=False)
    _outputs: dict = field(default_factory=dict, repr=False)

    @property
    def num_classes(self) -> int:
        return int(self.params["num_classes"])

    @property
    def name(self) -> str:
        """A short name for tables: the cache directory name, or ``classifier``."""
        return self.path.name if self.path is not None else "classifier"

    @property
    def majority_class(self) -> int:
        """The most frequent class of the training labels."""
        return int(np.argmax(self.params["train_class_counts"]))

    def _inputs(self, images: np.ndarray) -> np.ndarray:
        from gan_study.data import to_float

        images = np.asarray(images)
        size = int(self.params["image_size"])
        if images.ndim != 4 or images.shape[1:] != (size, size, 3):
            raise ValueError(f"images must have shape (N, {size}, {size}, 3), got {images.shape}")
        return to_float(images)

    def _run(self, model, images: np.ndarray, batch_size: int) -> np.ndarray:
        """``model`` over ``images`` in batches, remembered for the same images.

        An evaluation asks for the features of the same real splits once per
        generator; the last few results are kept, keyed by a hash of the image
        bytes, and a copy is returned. The classifier is never trained further
        once wrapped, so a remembered output stays valid.
        """
        images = np.asarray(images)
        digest = hashlib.blake2b(np.ascontiguousarray(images).data, digest_size=16).hexdigest()
        key = (id(model), batch_size, images.shape, str(images.dtype), digest)
        if key in self._outputs:
            return self._outputs[key].copy()
        x = self._inputs(images)
        if x.shape[0] == 0:
            raise ValueError("no images given")
        out = np.concatenate(
            [
                np.asarray(model(x[i : i + batch_size], training=False))
                for i in range(0, x.shape[0], batch_size)
            ]
        )
        while len(self._outputs) >= _REMEMBERED_OUTPUTS:
            self._outputs.pop(next(iter(self._outputs)))
        self._outputs[key] = out
        return out.copy()

    def predict_proba(self, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """Class probabilities, shape (N, num_classes), of uint8 images."""
        return self._run(self.model, images, batch_size)

    def predict(self, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """Predicted labels (argmax of :meth:`predict_proba`)."""
        return self.predict_proba(images, batch_size).argmax(1)

    def features(self, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
        """Penultimate-layer (``features``) activations, shape (N, 128), float64."""
        if self._feature_model is None:
            import keras

            self._feature_model = keras.Model(
                self.model.input, self.model.get_layer("features").output
            )
        return self._run(self._feature_model, images, batch_size).astype(np.float64)


_REMEMBERED_OUTPUTS = 8  # outputs each Classifier keeps (see Classifier._run)


# ---------------------------------------------------------------- training
def _stream(n: int, length: int, rng: np.random.Generator) -> np.ndarray:
    """``length`` indices into ``range(n)``: fresh permutations, one after another."""
    return np.concatenate([rng.permutation(n) for _ in range(-(-length // n))])[:length]


def _augment(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random horizontal flip and rotation by a multiple of 90° per image."""
    out = images.copy()
    flip = rng.random(len(out)) < 0.5
    out[flip] = out[flip, :, ::-1]
    k = rng.integers(0, 4, len(out))
    for r in (1, 2, 3):
        out[k == r] = np.rot90(out[k == r], r, axes=(1, 2))
    return out


def _check_arrays(images, labels, name: str, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    images, labels = np.asarray(images), np.asarray(labels).ravel()
    if images.ndim != 4 or images.shape[-1] != 3 or images.shape[1] != images.shape[2]:
        raise ValueError(f"{name} images must have shape (N, S, S, 3), got {images.shape}")
    if images.dtype != np.uint8:
        raise ValueError(f"{name} images must be uint8, got {images.dtype}")
    if images.shape[0] != labels.shape[0] or images.shape[0] == 0:
        raise ValueError(f"{name}: {images.shape[0]} images but {labels.shape[0]} labels")
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f"{name} labels must be in [0, {num_classes - 1}]")
    return images, labels.astype(np.int64)


def train_classifier(
    train_images: np.ndarray,
    train_labels: np.ndarray,
    val_images: np.ndarray,
    val_labels: np.ndarray,
    *,
    seed: int,
    epochs: int,
    class_weighting: str = "sqrt",
    augment: bool = False,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    width: int = 32,
    num_classes: int = 7,
    steps_per_epoch: int | None = None,
    weight_labels: np.ndarray | None = None,
    progress: bool = False,
    devices: int = 1,
) -> Classifier:
    """Train the classifier on arrays (deterministic given ``seed``).

    Adam with a cosine-decayed learning rate, weighted sparse cross-entropy
    (:func:`class_weights`) and, with ``augment``, a random horizontal flip
    and rotation by a multiple of 90° of every image in every epoch (both
    preserve the label of a dermatoscopic image). After each epoch the
    validation balanced accuracy is measured; the weights of the best epoch
    are kept.

    Parameters
    ----------
    train_images, val_images : ndarray, shape (N, S, S, 3), uint8
    train_labels, val_labels : ndarray, shape (N,), int
    seed : int
        Seeds Python, NumPy and TensorFlow (``keras.utils.set_random_seed``);
        TensorFlow op determinism is switched on.
    epochs : int
    class_weighting : {"none", "sqrt", "inverse"}, default "sqrt"
    augment : bool, default False
    batch_size, learning_rate, width : training and size parameters
    num_classes : int, default 7
    steps_per_epoch : int, optional
        Optimiser steps per epoch. Default: one pass over the training
        images. When given, each epoch takes that many batches from a
        stream of fresh permutations of the training images, so that
        training sets of different sizes get the same number of updates and
        the same learning-rate schedule (chapter 6's arms).
    weight_labels : ndarray of int, optional
        The labels the class weights are computed from (default
        ``train_labels``); chapter 6 gives every arm the weights of the real
        training labels.
    progress : bool, default False
        Print one line per epoch.
    devices : int, default 1
        Replicas, as ``TrainConfig.devices`` (:func:`gan_study.distribute.strategy`):
        with more than one the model is built and compiled under that
        strategy's scope and Keras' ``fit`` splits each batch of
        ``batch_size`` (the global batch) between them; recorded in the
        classifier's parameters.

    Returns
    -------
    Classifier
        Not saved; :func:`load_or_train` saves.
    """
    import keras
    import tensorflow as tf

    if class_weighting not in CLASS_WEIGHTINGS:
        raise ValueError(
            f"class_weighting must be one of {CLASS_WEIGHTINGS}, got {class_weighting!r}"
        )
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    if steps_per_epoch is not None and (
        isinstance(steps_per_epoch, bool)
        or not isinstance(steps_per_epoch, (int, np.integer))
        or steps_per_epoch < 1
    ):
        raise ValueError(f"steps_per_epoch must be a positive integer, got {steps_per_epoch!r}")
    x_tr, y_tr = _check_arrays(train_images, train_labels, "train", num_classes)
    x_va, y_va = _check_arrays(val_images, val_labels, "val", num_classes)
    if x_tr.shape[1:] != x_va.shape[1:]:
        raise ValueError(f"train and val image shapes differ: {x_tr.shape[1:]} vs {x_va.shape[1:]}")
    image_size = int(x_tr.shape[1])

    strategy = distribute.strategy(devices)  # before TensorFlow starts (logical CPUs)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    rng = np.random.default_rng(seed)
    per_epoch = steps_per_epoch or int(np.ceil(len(x_tr) / batch_size))
    steps = epochs * per_epoch
    with contextlib.nullcontext() if strategy is None else strategy.scope():
        model = build_model(image_size, num_classes, width)
        schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps)
        model.compile(
            optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy"
        )
    if weight_labels is None:
        weights = class_weights(y_tr, class_weighting, num_classes)
    else:
        weights = class_weights(np.asarray(weight_labels).ravel(), class_weighting, num_classes)
    sample_w = np.array([weights[int(c)] for c in y_tr], dtype=np.float32)

    from gan_study.data import to_float

    xv = to_float(x_va)
    rows, best, best_weights = [], -1.0, None
    for epoch in range(epochs):
        x_epoch = _augment(x_tr, rng) if augment else x_tr
        if steps_per_epoch is None:
            order = rng.permutation(len(x_tr))
        else:
            order = _stream(len(x_tr), steps_per_epoch * batch_size, rng)
        hist = model.fit(
            to_float(x_epoch[order]),
            y_tr[order],
            sample_weight=sample_w[order],
            batch_size=batch_size,
            epochs=1,
            shuffle=False,
            verbose=0,
        )
        proba = np.concatenate(
            [np.asarray(model(xv[i : i + 512], training=False)) for i in range(0, len(xv), 512)]
        )
        scores = classification_scores(y_va, proba.argmax(1), proba, num_classes=num_classes)
        row = {
            "epoch": epoch + 1,
            "loss": float(hist.history["loss"][-1]),
            "val_accuracy": scores["accuracy"],
            "val_balanced_accuracy": scores["balanced_accuracy"],
            "val_macro_auc": scores["macro_auc"],
        }
        rows.append(row)
        if progress:
            print(
                f"epoch {epoch + 1}/{epochs}: loss {row['loss']:.4f}  val acc "
                f"{row['val_accuracy']:.3f}  bal-acc {row['val_balanced_accuracy']:.3f}  "
                f"AUC {row['val_macro_auc']:.3f}",
                flush=True,
            )
        if scores["balanced_accuracy"] > best:
            best, best_epoch = scores["balanced_accuracy"], epoch + 1
            best_weights = model.get_weights()
    model.set_weights(best_weights)
    params = {
        "version": CLASSIFIER_VERSION,
        **_settings(seed, epochs, class_weighting, augment, batch_size, learning_rate, width),
        "num_classes": int(num_classes),
        "image_size": image_size,
        "n_train": int(len(x_tr)),
        "n_val": int(len(x_va)),
        "train_class_counts": np.bincount(y_tr, minlength=num_classes).tolist(),
        "class_weights": [weights[c] for c in range(num_classes)],
        "best_epoch": int(best_epoch),
        "best_val_balanced_accuracy": float(best),
        "n_parameters": int(model.count_params()),
        "steps_per_epoch": int(per_epoch),
    }
    if devices != 1:
        params["devices"] = int(devices)
    return Classifier(model=model, params=params, history=pd.DataFrame(rows))


def _settings(seed, epochs, class_weighting, augment, batch_size, learning_rate, width) -> dict:
    """The training settings that define a classifier: stored with it and part of its cache key."""
    return {
        "seed": int(seed),
        "epochs": int(epochs),
        "class_weighting": class_weighting,
        "augment": bool(augment),
        "batch_size": int(batch_size),
        "learning_rate": float(learning_rate),
        "width": int(width),
    }


# ------------------------------------------------------------------- cache
def cache_name(data, **train_params) -> str:
    """The cache directory name for ``data`` and the training parameters.

    Readable fields (source, split, size, seed, epochs, weighting,
    augmentation) followed by a :func:`gan_study.store.cache_key` of the
    code of this module, a digest of the training and validation arrays and
    *all* parameters: a changed recipe, other data or other settings give
    another directory, never a stale model.
    """
    h = store.cache_key(
        code=store.code_version("classifier"),
        inputs={
            "data": store.array_digest(
                data.train.images, data.train.labels, data.val.images, data.val.labels
            )
        },
        params={
            "version": CLASSIFIER_VERSION,
            "source": data.source,
            "split": data.split,
            "image_size": int(data.image_size),
            **train_params,
        },
    )[:8]
    aug = "aug" if train_params["augment"] else "noaug"
    return (
        f"classifier-{data.source}-{data.split}-{data.image_size}px-seed{train_params['seed']}"
        f"-e{train_params['epochs']}-{train_params['class_weighting']}-{aug}-{h}"
    )


def load(path: str | os.PathLike) -> Classifier:
    """Load a classifier saved by :func:`load_or_train`.

    Raises
    ------
    FileNotFoundError
        When ``path`` lacks ``model.keras`` or ``params.json``.
    """
    import keras

    path = Path(path)
    for name in (MODEL_FILE, PARAMS_FILE):
        if not (path / name).is_file():
            raise FileNotFoundError(
                f"{path / name} is missing: not a saved classifier; delete {path} and rerun "
                "load_or_train to retrain it"
            )
    params = json.loads((path / PARAMS_FILE).read_text())
    history = (
        pd.read_csv(path / HISTORY_FILE) if (path / HISTORY_FILE).is_file() else pd.DataFrame()
    )
    model = keras.models.load_model(path / MODEL_FILE, compile=False)
    return Classifier(model=model, params=params, history=history, path=path)


def save(clf: Classifier, path: str | os.PathLike) -> Path:
    """Save atomically: write a temporary sibling folder, then rename it to ``path``.

    When ``path`` appears meanwhile (another process finished the same
    training), the existing one is kept.
    """
    path = Path(path)
    with store.atomic_directory(path) as tmp:
        clf.model.save(tmp / MODEL_FILE)
        (tmp / PARAMS_FILE).write_text(json.dumps(clf.params, indent=2, sort_keys=True))
        clf.history.to_csv(tmp / HISTORY_FILE, index=False)
    clf.path = path
    return path


def load_or_train(
    data,
    *,
    seed: int = 0,
    epochs: int = 30,
    class_weighting: str = "sqrt",
    augment: bool = True,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    width: int = 32,
    runs_dir: str | os.PathLike | None = None,
    progress: bool = False,
) -> Classifier:
    """The classifier for ``data`` (a :class:`gan_study.data.LesionData`), cached.

    Trained on ``data.train`` with model selection on ``data.val`` by
    :func:`train_classifier`, saved under
    ``runs_dir/<cache_name(...)>`` (default :func:`gan_study.paths.runs_dir`)
    and loaded from there when it exists. ``data.test`` is never used here.

    Parameters
    ----------
    data : LesionData
    seed, epochs, class_weighting, augment, batch_size, learning_rate, width
        See :func:`train_classifier`; each one is part of the cache key.
    runs_dir : path-like, optional
    progress : bool, default False

    Returns
    -------
    Classifier
    """
    train_params = _settings(
        seed, epochs, class_weighting, augment, batch_size, learning_rate, width
    )
    if class_weighting not in CLASS_WEIGHTINGS:
        raise ValueError(
            f"class_weighting must be one of {CLASS_WEIGHTINGS}, got {class_weighting!r}"
        )
    path = paths.runs_dir(runs_dir) / cache_name(data, **train_params)
    if (path / MODEL_FILE).is_file():
        return load(path)
    clf = train_classifier(
        data.train.images,
        data.train.labels,
        data.val.images,
        data.val.labels,
        progress=progress,
        **train_params,
    )
    clf.params.update(source=data.source, split=data.split)
    save(clf, path)
    return clf


# -------------------------------------------------------------- evaluation
def evaluate(clf: Classifier, images, labels: np.ndarray | None = None) -> dict:
    """Score ``clf`` on held-out images, next to the majority-class baseline.

    Parameters
    ----------
    clf : Classifier
    images : ndarray (N, S, S, 3) uint8, or a :class:`gan_study.data.Split`
        With a ``Split``, its images and labels are used.
    labels : ndarray, shape (N,), optional
        Required with an image array.

    Returns
    -------
    dict
        :func:`classification_scores` of the classifier (``accuracy``,
        ``balanced_accuracy``, ``macro_f1``, ``recall``, ``f1``, ``auc``,
        ``macro_auc``, ``confusion_matrix``, ...), plus ``class_names``,
        ``classifier`` (its name) and ``majority_baseline`` (the same scores
        for always answering the most frequent *training* class).
    """
    from gan_study.data import CLASS_NAMES

    if labels is None:
        if not hasattr(images, "images"):
            raise ValueError("evaluate needs labels with an image array (or pass a Split)")
        images, labels = images.images, images.labels
    labels = np.asarray(labels).ravel()
    proba = clf.predict_proba(images)
    if proba.shape[0] != labels.shape[0]:
        raise ValueError(f"{proba.shape[0]} images but {labels.shape[0]} labels")
    out = classification_scores(labels, proba.argmax(1), proba, num_classes=clf.num_classes)
    out["class_names"] = list(CLASS_NAMES[: clf.num_classes])
    out["classifier"] = clf.name
    out["majority_baseline"] = majority_baseline(
        labels, clf.majority_class, num_classes=clf.num_classes
    )
    return out


def evaluate_subsets(
    clf: Classifier, split, masks: dict[str, np.ndarray]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`evaluate` on named subsets of one split.

    Parameters
    ----------
    clf : Classifier
    split : gan_study.data.Split
        Held-out images with labels.
    masks : dict
        ``{name: boolean mask over the split}``; an all-True mask scores the
        whole split.

    Returns
    -------
    summary : pandas.DataFrame
        A row per subset: ``n``, ``accuracy``, ``balanced_accuracy``,
        ``macro_auc`` and ``majority_accuracy`` (always answering the most
        frequent training class, on the same images).
    per_class : pandas.DataFrame
        A row per class (index: class name): ``<subset> n`` (images of the
        class in the subset) and ``<subset> recall`` (share of them classified
        correctly; NaN without images). Comparing subsets class by class
        removes the effect of a different class mix.
    """
    from gan_study.data import CLASS_NAMES

    rows, per_class = {}, {}
    for name, mask in masks.items():
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != (len(split.labels),):
            raise ValueError(
                f"mask {name!r} has shape {mask.shape}; the split has {len(split.labels)} images"
            )
        if not mask.any():
            raise ValueError(f"mask {name!r} selects no image")
        scores = evaluate(clf, split.images[mask], split.labels[mask])
        rows[name] = {
            "n": scores["n"],
            "accuracy": scores["accuracy"],
            "balanced_accuracy": scores["balanced_accuracy"],
            "macro_auc": scores["macro_auc"],
            "majority_accuracy": scores["majority_baseline"]["accuracy"],
        }
        per_class[f"{name} n"] = scores["support"]
        per_class[f"{name} recall"] = scores["recall"]
    classes = pd.Index(list(CLASS_NAMES[: clf.num_classes]), name="class")
    return pd.DataFrame.from_dict(rows, orient="index"), pd.DataFrame(per_class, index=classes)


def leak_scores(
    lesion,
    dermamnist,
    *,
    epochs: int,
    seed: int = 0,
    runs_dir: str | os.PathLike | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the DermaMNIST split's lesion leak does to the study's classifier.

    One classifier per split (:func:`load_or_train`, so the lesion-split one is
    the evaluation chapter's when the settings match), each scored on its own
    split's test set; the DermaMNIST test set also in two groups, the images
    whose lesion is in its training split
    (:func:`gan_study.data.leaked_test_mask`) and the others.

    Parameters
    ----------
    lesion, dermamnist : LesionData
        The same images under the lesion-disjoint and the DermaMNIST split.
    epochs, seed : int
        Training settings of both classifiers.
    runs_dir : path-like, optional
        Where the classifiers are cached.

    Returns
    -------
    summary : pandas.DataFrame
        :func:`evaluate_subsets` rows ``lesion split, all``, ``DermaMNIST, all``,
        ``DermaMNIST, lesion seen`` and ``DermaMNIST, lesion unseen``.
    per_class : pandas.DataFrame
        Per class, the number of seen and unseen DermaMNIST test images and the
        DermaMNIST classifier's recall on each group.
    """
    from gan_study.data import leaked_test_mask

    if (lesion.split, dermamnist.split) != ("lesion", "dermamnist"):
        raise ValueError(
            "leak_scores needs the 'lesion' and the 'dermamnist' split, got "
            f"{lesion.split!r} and {dermamnist.split!r}"
        )
    seen = leaked_test_mask(dermamnist)
    tables, per_class = [], None
    for d, masks in (
        (lesion, {"lesion split, all": np.ones(len(lesion.test.labels), bool)}),
        (
            dermamnist,
            {
                "DermaMNIST, all": np.ones(len(seen), bool),
                "DermaMNIST, lesion seen": seen,
                "DermaMNIST, lesion unseen": ~seen,
            },
        ),
    ):
        clf = load_or_train(d, seed=seed, epochs=epochs, runs_dir=runs_dir)
        summary, per_class = evaluate_subsets(clf, d.test, masks)
        tables.append(summary)
    out = pd.concat(tables)
    out.index.name = "test images"
    seen_unseen = [
        f"DermaMNIST, lesion {g} {c}" for c in ("n", "recall") for g in ("seen", "unseen")
    ]
    return out, per_class[seen_unseen]
