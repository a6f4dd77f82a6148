"""A small CNN trained on the real images: the study's feature extractor and judge.

ImageNet InceptionV3 weights cannot be downloaded where the study is built, and
FID on 28 px lesions upsampled to 299 px would be questionable anyway. So the
study trains its own classifier on the real training split and uses it twice:

* its penultimate layer (:meth:`Classifier.features`, 128-d) is the feature
  space of the distribution metrics in :mod:`gan_study.metrics`;
* its predictions judge conditional generators (class agreement) and are the
  downstream task of the synthetic-data chapter, which calls the array-based
  :func:`train_classifier` with GAN images added to the training set.

Its settings are one :class:`gan_study.classifier_config.ClassifierConfig`
(the defaults are the study's classifier).

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
``gan_study.paths.runs_dir()/classifier-...``: the directory name
(:meth:`ClassifierConfig.run_name`) is derived from the code that trains it
(:data:`CODE_MODULES`), the data (source, split, size and a digest of the
training and validation arrays) and every training setting, so a changed
recipe or setting trains a new model and an equal one reuses the saved one.

:func:`evaluate` scores it on held-out images with
:func:`gan_study.metrics.classification_scores` (accuracy, balanced accuracy,
macro-F1, per-class recall, one-vs-rest ROC AUC and the confusion matrix),
next to the majority-class baseline computed from the same labels.
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

from gan_study import distribute, paths, store
from gan_study.classifier_config import CLASS_WEIGHTINGS, CLASSIFIER_VERSION, ClassifierConfig
from gan_study.data import CLASS_NAMES, to_float
from gan_study.metrics.classification import classification_scores, majority_baseline

#: The modules whose code a cached classifier's key holds (:func:`cache_name`).
CODE_MODULES = ("classifier", "classifier_config", "metrics.classification")

#: The default settings as keywords, derived from :class:`ClassifierConfig`; still
#: read by :mod:`gan_study.evaluation` and :mod:`gan_study.evaluation_inputs`
#: (``ClassifierConfig()`` is the one place of the defaults).
DEFAULT_PARAMS = ClassifierConfig().settings()

MODEL_FILE = "model.keras"
PARAMS_FILE = "params.json"
HISTORY_FILE = "history.csv"


# ----------------------------------------------------------------- weights
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
    config: ClassifierConfig,
    *,
    num_classes: int = 7,
    weight_labels: np.ndarray | None = None,
    progress: bool = False,
) -> Classifier:
    """Train the classifier on arrays (deterministic given ``config.seed``).

    Adam with a cosine-decayed learning rate, weighted sparse cross-entropy
    (:func:`class_weights`) and, with ``config.augment``, a random flip and
    rotation by a multiple of 90° of every image in every epoch. The weights
    of the epoch with the best validation balanced accuracy are kept.

    Parameters
    ----------
    train_images, val_images : ndarray, shape (N, S, S, 3), uint8
    train_labels, val_labels : ndarray, shape (N,), int
    config : ClassifierConfig
        Every training setting. ``seed`` seeds Python, NumPy and TensorFlow,
        with op determinism on; with ``steps_per_epoch`` each epoch takes that
        many batches from a stream of fresh permutations of the training
        images (chapter 6's arms get equal updates); with ``devices`` above 1
        Keras' ``fit`` splits each global batch between the replicas.
    num_classes : int, default 7
    weight_labels : ndarray of int, optional
        The labels of the class weights (default ``train_labels``; chapter 6:
        the real training labels for every arm).
    progress : bool, default False
        Print one line per epoch.

    Returns
    -------
    Classifier
        Not saved (:func:`load_or_train` saves); ``params`` hold
        ``config.settings()``, the steps per epoch, class counts and weights.
    """
    import keras
    import tensorflow as tf

    if not isinstance(config, ClassifierConfig):
        raise TypeError(f"config must be a ClassifierConfig, got {type(config).__name__}")
    x_tr, y_tr = _check_arrays(train_images, train_labels, "train", num_classes)
    x_va, y_va = _check_arrays(val_images, val_labels, "val", num_classes)
    if x_tr.shape[1:] != x_va.shape[1:]:
        raise ValueError(f"train and val image shapes differ: {x_tr.shape[1:]} vs {x_va.shape[1:]}")

    strategy = distribute.strategy(config.devices)  # before TensorFlow starts (logical CPUs)
    keras.utils.set_random_seed(config.seed)
    tf.config.experimental.enable_op_determinism()
    rng = np.random.default_rng(config.seed)
    per_epoch = config.steps_per_epoch or int(np.ceil(len(x_tr) / config.batch_size))
    model = _compiled_model(config, int(x_tr.shape[1]), num_classes, per_epoch, strategy)
    weight_source = y_tr if weight_labels is None else np.asarray(weight_labels).ravel()
    weights = class_weights(weight_source, config.class_weighting, num_classes)
    sample_w = np.array([weights[int(c)] for c in y_tr], dtype=np.float32)
    history, best_epoch, best = _train_epochs(
        model, config, (x_tr, y_tr, sample_w), (x_va, y_va), rng, progress
    )
    params = {
        "version": CLASSIFIER_VERSION,
        **config.settings(),
        "num_classes": int(num_classes),
        "image_size": int(x_tr.shape[1]),
        "n_train": int(len(x_tr)),
        "n_val": int(len(x_va)),
        "train_class_counts": np.bincount(y_tr, minlength=num_classes).tolist(),
        "class_weights": [weights[c] for c in range(num_classes)],
        "best_epoch": int(best_epoch),
        "best_val_balanced_accuracy": float(best),
        "n_parameters": int(model.count_params()),
        "steps_per_epoch": int(per_epoch),
    }
    return Classifier(model=model, params=params, history=history)


def _compiled_model(
    config: ClassifierConfig, image_size: int, num_classes: int, per_epoch: int, strategy
):
    """:func:`build_model`, compiled with Adam on a cosine decay over every step.

    Built under ``strategy``'s scope when there is one (several devices).
    """
    import keras

    with contextlib.nullcontext() if strategy is None else strategy.scope():
        model = build_model(image_size, num_classes, config.width)
        schedule = keras.optimizers.schedules.CosineDecay(
            config.learning_rate, config.epochs * per_epoch
        )
        model.compile(
            optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy"
        )
    return model


def _train_epochs(
    model, config: ClassifierConfig, train: tuple, val: tuple, rng, progress: bool
) -> tuple[pd.DataFrame, int, float]:
    """Train ``config.epochs`` epochs; keep the weights of the best validation epoch.

    Parameters
    ----------
    model : keras.Model
        Compiled.
    config : ClassifierConfig
    train : tuple
        Training images, labels and per-sample loss weights.
    val : tuple
        Validation images and labels.
    rng : numpy.random.Generator
        Draws the augmentation and the order of the images.
    progress : bool
        Print one line per epoch.

    Returns
    -------
    history : pandas.DataFrame
        Per epoch: loss and validation accuracy, balanced accuracy, macro AUC.
    best_epoch : int
    best : float
        The best epoch's validation balanced accuracy.
    """
    x_va, y_va = val
    xv = to_float(x_va)
    num_classes = int(model.output.shape[-1])
    rows, best, best_epoch, best_weights = [], -1.0, 0, None
    for epoch in range(config.epochs):
        loss = _fit_epoch(model, config, train, rng)
        proba = np.concatenate(
            [np.asarray(model(xv[i : i + 512], training=False)) for i in range(0, len(xv), 512)]
        )
        scores = classification_scores(y_va, proba.argmax(1), proba, num_classes=num_classes)
        rows.append(
            {
                "epoch": epoch + 1,
                "loss": loss,
                "val_accuracy": scores["accuracy"],
                "val_balanced_accuracy": scores["balanced_accuracy"],
                "val_macro_auc": scores["macro_auc"],
            }
        )
        if progress:
            _print_epoch(rows[-1], config.epochs)
        if scores["balanced_accuracy"] > best:
            best, best_epoch = scores["balanced_accuracy"], epoch + 1
            best_weights = model.get_weights()
    model.set_weights(best_weights)
    return pd.DataFrame(rows), best_epoch, best


def _fit_epoch(model, config: ClassifierConfig, train: tuple, rng) -> float:
    """One epoch of ``model.fit`` on (augmented) training images; its loss."""
    x_tr, y_tr, sample_w = train
    x_epoch = _augment(x_tr, rng) if config.augment else x_tr
    if config.steps_per_epoch is None:
        order = rng.permutation(len(x_tr))
    else:
        order = _stream(len(x_tr), config.steps_per_epoch * config.batch_size, rng)
    hist = model.fit(
        to_float(x_epoch[order]),
        y_tr[order],
        sample_weight=sample_w[order],
        batch_size=config.batch_size,
        epochs=1,
        shuffle=False,
        verbose=0,
    )
    return float(hist.history["loss"][-1])


def _print_epoch(row: dict, epochs: int) -> None:
    """The progress line of one epoch."""
    print(
        f"epoch {row['epoch']}/{epochs}: loss {row['loss']:.4f}  val acc "
        f"{row['val_accuracy']:.3f}  bal-acc {row['val_balanced_accuracy']:.3f}  "
        f"AUC {row['val_macro_auc']:.3f}",
        flush=True,
    )


# ------------------------------------------------------------------- cache
def cache_name(data, config: ClassifierConfig | None = None, **settings) -> str:
    """The cache directory name of the classifier of ``config`` trained on ``data``.

    :meth:`ClassifierConfig.run_name` under the code version of
    :data:`CODE_MODULES`: readable fields (source, split, size, seed, epochs,
    weighting, augmentation) followed by a :func:`gan_study.store.cache_key`
    of that code, a digest of the training and validation arrays and *all*
    settings: a changed recipe, other data or other settings give another
    directory, never a stale model.

    Parameters
    ----------
    data : LesionData
    config : ClassifierConfig, optional
        Default ``ClassifierConfig()``.
    **settings
        Fields of :class:`ClassifierConfig` that replace those of ``config``.
    """
    return ClassifierConfig.with_settings(config, **settings).run_name(
        data, store.code_version(*CODE_MODULES)
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
    config: ClassifierConfig | None = None,
    *,
    runs_dir: str | os.PathLike | None = None,
    progress: bool = False,
    **settings,
) -> Classifier:
    """The classifier for ``data`` (a :class:`gan_study.data.LesionData`), cached.

    Trained on ``data.train`` with model selection on ``data.val`` by
    :func:`train_classifier`, saved under
    ``runs_dir/<cache_name(...)>`` (default :func:`gan_study.paths.runs_dir`)
    and loaded from there when it exists. ``data.test`` is never used here.

    Parameters
    ----------
    data : LesionData
    config : ClassifierConfig, optional
        Every training setting, each one part of the cache key; default
        ``ClassifierConfig()``.
    runs_dir : path-like, optional
    progress : bool, default False
    **settings
        Fields of :class:`ClassifierConfig` that replace those of ``config``
        (``load_or_train(data, seed=0, epochs=20)``, as the chapters call it).

    Returns
    -------
    Classifier
    """
    config = ClassifierConfig.with_settings(config, **settings)
    path = paths.runs_dir(runs_dir) / cache_name(data, config)
    if (path / MODEL_FILE).is_file():
        return load(path)
    clf = train_classifier(
        data.train.images,
        data.train.labels,
        data.val.images,
        data.val.labels,
        config,
        progress=progress,
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
