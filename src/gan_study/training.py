"""The one GAN trainer: train step, EMA generator, checkpoints, run directory.

:func:`train` turns a :class:`~gan_study.config.TrainConfig` into a run
directory (named after the configuration, see :meth:`TrainConfig.run_name`)::

    config.json            every parameter + versions, git commit, device, data fingerprint
    history.csv            one row per epoch (see HISTORY_COLUMNS)
    steps.csv              one row per discriminator update (see STEP_COLUMNS)
    samples/epoch_001.png  a fixed latent batch through the generator, one grid per epoch
    samples/final_ema.png  the same latent batch through the EMA generator
    checkpoints/state.npz  everything needed to resume (weights, optimisers, RNG, both logs)
    generator.keras        the final generator
    generator_ema.keras    the final EMA generator -- written LAST: its presence marks
                           a finished run

How one step works
------------------
Every model goes through the same :func:`tf.function` step. A fresh latent
batch is drawn from a seeded ``tf.random.Generator`` (whose state is
checkpointed); ``G(z)`` is computed once and the discriminator sees the real
and the generated batch. The discriminator gradient (plus the gradient
penalty for ``wgan-gp``) is applied every step; the generator gradient, from
the same forward pass, is applied every ``n_critic``-th step. This is the
simultaneous update of the TensorFlow DCGAN tutorial; it differs from
strict alternation only in that G's step sees D from before D's update of
the same step. After each generator update the EMA generator moves towards
the generator with decay ``min(ema_decay, (1 + t) / (10 + t))`` (``t`` =
generator updates so far; the warm-up rule of
``tf.train.ExponentialMovingAverage``), so that early EMA weights are not
dominated by the random initialisation; BatchNorm statistics are copied.

Reproducibility
---------------
:func:`train` calls ``keras.utils.set_random_seed(seed)`` and
``tf.config.experimental.enable_op_determinism()`` (process-wide: later
TensorFlow work in the same process stays deterministic too). Epoch ``e``
draws its batches from :func:`gan_study.data.epoch_batches` with
permutation seed ``seed * 100003 + e``, so the data order depends on the epoch number
only and a resumed run sees the same batches as an uninterrupted one. Same
seed, same machine: identical weights and history (``seconds`` aside).

Progress
--------
One plain-text ``tqdm`` bar over epochs (not ``tqdm.auto``: a notebook
widget would be stored by papermill as an unreadable widget state). It
updates once per epoch with the latest losses, so an executed notebook keeps
a single short line.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from gan_study import losses, paths
from gan_study.config import TrainConfig

log = logging.getLogger(__name__)

HISTORY_COLUMNS = (
    "epoch",
    "d_loss",
    "g_loss",
    "gp",
    "d_real",
    "d_fake",
    "grad_norm_d",
    "grad_norm_g",
    "d_steps",
    "g_steps",
    "seconds",
)
"""Columns of ``history.csv``. Per epoch: mean discriminator/critic loss (with
the penalty), mean generator loss, mean gradient penalty (0 unless wgan-gp),
mean D(x) and D(G(z)) (probabilities for the cross-entropy losses, raw
critic scores for wgan-gp), mean global gradient norms of D and G, the number
of D and G updates, and wall-clock seconds (the only non-reproducible column)."""

STEP_COLUMNS = ("step", *HISTORY_COLUMNS[: HISTORY_COLUMNS.index("grad_norm_g") + 1])
"""Columns of ``steps.csv``: the same quantities as :data:`HISTORY_COLUMNS`, for
every discriminator update (``step`` counts them from 1 over the whole run).
``grad_norm_g`` is empty (NaN) on steps without a generator update (all but
every ``n_critic``-th step). A short run has only a handful of epochs, so its
training curves are drawn from this file."""

SAMPLE_GRID = 64  # images per sample grid (8 x 8; 7 classes x 8 for cdcgan)
FINISHED_MARKER = "generator_ema.keras"
_CHECKPOINT = "checkpoints/state.npz"


# ------------------------------------------------------------------ helpers
def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _atomic_write_text(path: Path, text: str) -> None:
    _atomic_write_bytes(path, text.encode())


def _save_model_atomic(model, path: Path) -> None:
    tmp = path.with_name(path.stem + f".tmp{os.getpid()}.keras")
    model.save(tmp)
    os.replace(tmp, path)


def _fingerprint(images: np.ndarray, labels: np.ndarray) -> str:
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
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"CPU: {model} ({os.cpu_count()} logical cores)"


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def is_finished(run_dir) -> bool:
    """Whether ``run_dir`` holds a finished run (its last file, the EMA generator, exists)."""
    return (Path(run_dir) / FINISHED_MARKER).is_file()


def load_config(run_dir) -> TrainConfig:
    """The :class:`TrainConfig` stored in ``run_dir/config.json``.

    Raises
    ------
    FileNotFoundError
        When the run directory has no ``config.json``.
    """
    path = Path(run_dir) / "config.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: {run_dir} is not a training run directory")
    return TrainConfig.from_dict(json.loads(path.read_text())["config"])


def load_history(run_dir) -> pd.DataFrame:
    """``history.csv`` of a run as a DataFrame (one row per finished epoch).

    Raises
    ------
    FileNotFoundError
        When the run has no ``history.csv`` (not started or not a run directory).
    """
    path = Path(run_dir) / "history.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: train the run first (gan-study train ...)")
    return pd.read_csv(path)


def load_steps(run_dir) -> pd.DataFrame:
    """``steps.csv`` of a run as a DataFrame (one row per discriminator update).

    Raises
    ------
    FileNotFoundError
        When the run has no ``steps.csv`` (not started, not a run directory,
        or trained before per-step logging existed).
    """
    path = Path(run_dir) / "steps.csv"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: train the run first (gan-study train ...); a run trained "
            "without per-step logging must be deleted and trained again"
        )
    return pd.read_csv(path)


def load_generator(run_dir, ema: bool = True):
    """Load the final generator of a finished run.

    Parameters
    ----------
    run_dir : path-like
    ema : bool
        ``generator_ema.keras`` (default) or ``generator.keras``.

    Returns
    -------
    keras.Model

    Raises
    ------
    FileNotFoundError
        When the run is not finished.
    """
    import keras

    path = Path(run_dir) / ("generator_ema.keras" if ema else "generator.keras")
    if not is_finished(run_dir) or not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: the run in {run_dir} is not finished; "
            "run gan_study.training.train (or gan-study train) with its configuration"
        )
    return keras.models.load_model(path, compile=False)


def _is_conditional(generator) -> bool:
    return len(generator.inputs) == 2


def generate(generator, n: int, seed: int, labels=None, batch_size: int = 256) -> np.ndarray:
    """Draw ``n`` images from a generator, reproducibly.

    Parameters
    ----------
    generator : keras.Model
        A generator from :mod:`gan_study.models` or :func:`load_generator`.
    n : int
        Number of images.
    seed : int
        Seeds the latent codes (``numpy.random.default_rng(seed)``, standard normal).
    labels : int or array-like of int, optional
        Class index (or one per image) for a conditional generator; required
        by conditional generators, refused by unconditional ones.
    batch_size : int
        Images per forward pass.

    Returns
    -------
    np.ndarray
        uint8 ``(n, S, S, 3)``, computed with ``training=False``.

    Raises
    ------
    ValueError
        Bad ``n``/``batch_size``, or labels missing / unexpected / out of range.
    """
    import tensorflow as tf

    from gan_study.data import CLASS_NAMES, to_uint8

    if n < 0 or batch_size < 1:
        raise ValueError(f"n must be >= 0 and batch_size >= 1, got n={n}, batch_size={batch_size}")
    conditional = _is_conditional(generator)
    latent_dim = int(generator.inputs[0].shape[-1])
    size = generator.outputs[0].shape[1:]
    if conditional:
        if labels is None:
            raise ValueError(
                "this generator is conditional: pass labels (class indices 0-6: "
                + ", ".join(f"{i}={c}" for i, c in enumerate(CLASS_NAMES))
                + ")"
            )
        labels = np.broadcast_to(np.asarray(labels, dtype=np.int32), (n,))
        if labels.size and (labels.min() < 0 or labels.max() >= len(CLASS_NAMES)):
            raise ValueError(f"labels must be class indices 0 to {len(CLASS_NAMES) - 1}")
    elif labels is not None:
        raise ValueError("this generator is unconditional: labels must be None")
    z = np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32)
    out = np.empty((n, *size), dtype=np.uint8)
    for i in range(0, n, batch_size):
        zb = tf.constant(z[i : i + batch_size])
        inputs = [zb, tf.constant(labels[i : i + batch_size])] if conditional else zb
        out[i : i + batch_size] = to_uint8(np.asarray(generator(inputs, training=False)))
    return out


def _grid_png(images: np.ndarray, cols: int) -> bytes:
    """A PNG of uint8 images in a grid with a 2-pixel white border, upscaled to >= 56 px tiles."""
    from PIL import Image

    n, s = images.shape[0], images.shape[1]
    scale = max(1, 64 // s)
    rows = -(-n // cols)
    pad = 2
    canvas = np.full((rows * (s + pad) + pad, cols * (s + pad) + pad, 3), 255, np.uint8)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        y, x = pad + r * (s + pad), pad + c * (s + pad)
        canvas[y : y + s, x : x + s] = img
    im = Image.fromarray(canvas)
    if scale > 1:
        im = im.resize((im.width * scale, im.height * scale), Image.NEAREST)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


# ------------------------------------------------------------ the trainer
class _Trainer:
    """Models, optimisers, EMA generator, RNG and the one train step."""

    def __init__(self, config: TrainConfig):
        import keras
        import tensorflow as tf

        from gan_study import models

        self.config = c = config
        self.gan = gan = models.build(c.model, c.image_size, c.latent_dim)
        self.G, self.D = gan.generator, gan.discriminator
        self.G_ema = keras.models.clone_model(self.G)
        self.G_ema.set_weights(self.G.get_weights())
        self.opt_g = self._optimizer(c.lr_g)
        self.opt_d = self._optimizer(c.lr_d)
        self.opt_g.build(self.G.trainable_variables)
        self.opt_d.build(self.D.trainable_variables)
        self.rng = tf.random.Generator.from_seed(c.seed)
        self.step = tf.function(self._step)

    def _optimizer(self, lr):
        import keras

        c = self.config
        if c.optimizer == "adam":
            opt = keras.optimizers.Adam(lr, beta_1=c.beta_1, beta_2=c.beta_2)
        else:
            opt = keras.optimizers.RMSprop(lr)
        if c.mixed_precision == "mixed_float16":
            opt = keras.optimizers.LossScaleOptimizer(opt)
        return opt

    # variables that make up the resumable state, in a fixed order
    def state_variables(self) -> dict[str, list]:
        return {
            "g": list(self.G.variables),
            "d": list(self.D.variables),
            "ema": list(self.G_ema.variables),
            "opt_g": list(self.opt_g.variables),
            "opt_d": list(self.opt_d.variables),
            "rng": [self.rng.state],
        }

    def _inputs(self, x, labels):
        return [x, labels] if self.gan.conditional else x

    def _step(self, real, labels, update_g: bool):
        import tensorflow as tf

        c, gan = self.config, self.gan
        batch = tf.shape(real)[0]
        labels = tf.cast(labels, tf.int32)
        z = self.rng.normal((batch, c.latent_dim))
        with (
            tf.GradientTape() as d_tape,
            tf.GradientTape(watch_accessed_variables=update_g) as g_tape,
        ):
            fake = self.G(self._inputs(z, labels), training=True)
            d_real = self.D(self._inputs(real, labels), training=True)
            d_fake = self.D(self._inputs(fake, labels), training=True)
            d_loss = losses.discriminator_loss(
                d_real, d_fake, c.loss, gan.output, c.label_smoothing
            )
            gp = tf.constant(0.0)
            if c.loss == "wgan-gp":
                eps = self.rng.uniform((batch, 1, 1, 1))
                gp = losses.gradient_penalty(
                    lambda x: self.D(self._inputs(x, labels), training=True),
                    real,
                    tf.stop_gradient(fake),
                    eps,
                )
                d_loss = d_loss + c.gp_weight * gp
            g_loss = losses.generator_loss(d_fake, c.loss, gan.output)
            d_scaled = self._scale(self.opt_d, d_loss)
            g_scaled = self._scale(self.opt_g, g_loss)
        # LossScaleOptimizer.apply unscales the gradients itself; the norms are unscaled here
        d_grads = d_tape.gradient(d_scaled, self.D.trainable_variables)
        d_norm = self._norm(self.opt_d, d_grads)
        self.opt_d.apply(d_grads, self.D.trainable_variables)
        g_norm = tf.constant(0.0)
        if update_g:
            g_grads = g_tape.gradient(g_scaled, self.G.trainable_variables)
            g_norm = self._norm(self.opt_g, g_grads)
            self.opt_g.apply(g_grads, self.G.trainable_variables)
            self._update_ema()
        if gan.output == "logit" and c.loss != "wgan-gp":
            d_real, d_fake = tf.sigmoid(d_real), tf.sigmoid(d_fake)
        return {
            "d_loss": d_loss,
            "g_loss": g_loss,
            "gp": gp,
            "d_real": tf.reduce_mean(tf.cast(d_real, tf.float32)),
            "d_fake": tf.reduce_mean(tf.cast(d_fake, tf.float32)),
            "grad_norm_d": d_norm,
            "grad_norm_g": g_norm,
        }

    def _scale(self, opt, loss):
        return opt.scale_loss(loss) if self.config.mixed_precision == "mixed_float16" else loss

    def _norm(self, opt, grads):
        """Global gradient norm, without the loss scale of mixed_float16."""
        import tensorflow as tf

        norm = tf.linalg.global_norm(grads)
        if self.config.mixed_precision == "mixed_float16":
            norm = norm / tf.cast(opt.dynamic_scale, norm.dtype)
        return norm

    def _update_ema(self) -> None:
        import tensorflow as tf

        t = tf.cast(self.opt_g.iterations, tf.float32)
        decay = tf.minimum(self.config.ema_decay, (1.0 + t) / (10.0 + t))
        for e, v in zip(self.G_ema.trainable_variables, self.G.trainable_variables, strict=True):
            e.assign(decay * e + (1.0 - decay) * tf.cast(v, e.dtype))
        for e, v in zip(
            self.G_ema.non_trainable_variables, self.G.non_trainable_variables, strict=True
        ):
            e.assign(v)

    # -------------------------------------------------------- checkpoints
    def save(self, path: Path, epoch: int, history: list[dict], steps: list[dict]) -> None:
        arrays = {}
        for group, variables in self.state_variables().items():
            for i, v in enumerate(variables):
                arrays[f"{group}/{i:04d}"] = np.asarray(v.numpy())
        arrays["epoch"] = np.asarray(epoch)
        arrays["history"] = np.asarray(json.dumps(history))
        arrays["steps"] = np.asarray(json.dumps(steps))
        arrays["config"] = np.asarray(json.dumps(self.config.to_dict(), sort_keys=True))
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        _atomic_write_bytes(path, buf.getvalue())

    def restore(self, path: Path) -> tuple[int, list[dict], list[dict]]:
        with np.load(path, allow_pickle=False) as f:
            if "steps" not in f:
                raise ValueError(
                    f"checkpoint {path} has no per-step log (written by an older version); "
                    "delete the run directory to train it again"
                )
            stored = json.loads(str(f["config"]))
            if stored != json.loads(json.dumps(self.config.to_dict(), sort_keys=True)):
                raise ValueError(f"checkpoint {path} belongs to a different configuration")
            for group, variables in self.state_variables().items():
                for i, v in enumerate(variables):
                    key = f"{group}/{i:04d}"
                    if key not in f or f[key].shape != tuple(v.shape):
                        raise ValueError(
                            f"checkpoint {path} does not match the model ({key}); "
                            "delete the run directory to start again"
                        )
                    v.assign(f[key])
            return int(f["epoch"]), json.loads(str(f["history"])), json.loads(str(f["steps"]))


# ------------------------------------------------------------ the run
def training_images(config: TrainConfig, data_dir=None, images=None, labels=None):
    """The images and labels a run with ``config`` trains on.

    Loads the configured source and split (unless ``images`` are given), checks
    their shape against ``config.image_size`` and applies ``max_train_images``
    (the first N of a fixed seed-0 permutation, so smaller subsets are nested in
    larger ones). The evaluation uses it to compare a run with exactly the
    images it saw.

    Returns
    -------
    images : numpy.ndarray
        uint8, shape (N, S, S, 3).
    labels : numpy.ndarray
        int64, shape (N,).
    """
    if images is None:
        from gan_study import data

        split = data.load(
            source=config.source,
            split=config.split,
            image_size=config.image_size,
            data_dir=data_dir,
        ).train
        images, labels = split.images, split.labels
    images = np.asarray(images)
    if (
        images.dtype != np.uint8
        or images.ndim != 4
        or images.shape[1:]
        != (
            config.image_size,
            config.image_size,
            3,
        )
    ):
        raise ValueError(
            f"images must be uint8 of shape (N, {config.image_size}, {config.image_size}, 3) "
            f"for image_size={config.image_size}, got {images.dtype} {images.shape}"
        )
    labels = (
        np.zeros(len(images), np.int64) if labels is None else np.asarray(labels, dtype=np.int64)
    )
    if labels.shape != (len(images),):
        raise ValueError(f"{len(images)} images but labels of shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() > 6):
        raise ValueError("labels must be class indices 0 to 6 (gan_study.data.CLASS_NAMES)")
    from gan_study.data import take_subset

    return take_subset(images, config.max_train_images), take_subset(
        labels, config.max_train_images
    )


def _environment() -> dict:
    import keras
    import tensorflow as tf

    import gan_study

    return {
        "gan_study": gan_study.__version__,
        "git_commit": _git_commit(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "python": platform.python_version(),
        "device": describe_device(),
    }


@contextlib.contextmanager
def _dtype_policy(name: str):
    import keras

    previous = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def train(
    config: TrainConfig,
    run_dir=None,
    data_dir=None,
    progress: bool = True,
    *,
    runs_dir=None,
    images: np.ndarray | None = None,
    labels: np.ndarray | None = None,
) -> Path:
    """Train a GAN into its run directory; reuse or resume what is there.

    Parameters
    ----------
    config : TrainConfig
        Validated here before any work (bad values raise ``ValueError``).
    run_dir : path-like, optional
        The run directory itself. Default: ``<runs_dir>/<config.run_name()>``.
    data_dir : path-like, optional
        Data root for :func:`gan_study.data.load` (default ``$GAN_STUDY_DATA_DIR``).
    progress : bool
        Print the device and a per-epoch progress bar (stderr).
    runs_dir : path-like, optional
        Parent of the default run directory (default ``$GAN_STUDY_RUNS_DIR`` or ``runs``).
    images, labels : np.ndarray, optional
        Train on these in-memory arrays (uint8 ``(N, S, S, 3)``, int labels
        ``(N,)``, labels optional for unconditional models) instead of loading
        ``config.source``. Needs an explicit ``run_dir``, since the
        configuration alone does not identify the data.

    Returns
    -------
    pathlib.Path
        The run directory. When it already holds the finished run, returned at once.

    Raises
    ------
    ValueError
        Bad configuration; ``run_dir`` holding a different configuration or
        different data; in-memory data without ``run_dir``.
    FileNotFoundError
        Missing data (from :func:`gan_study.data.load`).
    """
    import keras
    import tensorflow as tf

    config = config.validate()
    in_memory = images is not None
    if images is not None and run_dir is None:
        raise ValueError("training on in-memory images needs an explicit run_dir")
    if images is None and labels is not None:
        raise ValueError("labels given without images")
    run_dir = Path(run_dir) if run_dir is not None else paths.runs_dir(runs_dir) / config.run_name()
    config_path = run_dir / "config.json"
    stored = None
    if config_path.is_file():
        stored = json.loads(config_path.read_text())
        if stored.get("config") != config.to_dict():
            diff = {
                k: (stored.get("config", {}).get(k), v)
                for k, v in config.to_dict().items()
                if stored.get("config", {}).get(k) != v
            }
            raise ValueError(
                f"run directory {run_dir} holds a different configuration "
                f"(field: (stored, requested) = {diff}); choose another run_dir or delete it"
            )
        if is_finished(run_dir) and not in_memory:
            return run_dir

    images, labels = training_images(config, data_dir, images, labels)
    config.validate(n_train=len(images))
    fingerprint = _fingerprint(images, labels)
    if stored is not None and stored.get("data", {}).get("fingerprint") != fingerprint:
        raise ValueError(
            f"run directory {run_dir} was trained on different data "
            f"({stored.get('data')}); choose another run_dir or delete it"
        )
    if is_finished(run_dir):
        return run_dir

    keras.utils.set_random_seed(config.seed)
    tf.config.experimental.enable_op_determinism()
    env = _environment()
    if progress:
        print(
            f"gan-study train: {config.run_name()} on {env['device']} -> {run_dir}", file=sys.stderr
        )
    log.info("training %s on %s into %s", config.run_name(), env["device"], run_dir)
    if stored is None:
        run_dir.mkdir(parents=True, exist_ok=True)
        meta = {
            "config": config.to_dict(),
            "run_name": config.run_name(),
            "data": {
                "source": "in-memory arrays" if in_memory else config.source,
                "split": None if in_memory else config.split,
                "n_train": int(len(images)),
                "fingerprint": fingerprint,
            },
            "environment": env,
        }
        _atomic_write_text(config_path, json.dumps(meta, indent=2, default=str))

    with _dtype_policy(config.mixed_precision):
        trainer = _Trainer(config)
        return _run(trainer, config, run_dir, images, labels, progress)


def _run(trainer: _Trainer, config: TrainConfig, run_dir: Path, images, labels, progress: bool):
    import tensorflow as tf
    from tqdm import tqdm

    from gan_study.data import epoch_batches

    ckpt = run_dir / _CHECKPOINT
    start, history, steps = 0, [], []
    if ckpt.is_file():
        start, history, steps = trainer.restore(ckpt)
    _write_history(run_dir, history, steps)

    # the fixed latent batch of the sample grids (7 class rows x 8 for cdcgan)
    cols = 8
    rows = trainer.gan.num_classes if trainer.gan.conditional else SAMPLE_GRID // cols
    z_cols = np.random.default_rng(config.seed).standard_normal((rows * cols, config.latent_dim))
    z_fixed = tf.constant(z_cols.astype(np.float32))
    y_fixed = tf.constant(np.repeat(np.arange(rows), cols).astype(np.int32))
    if trainer.gan.conditional:  # the same z in every row: columns share a latent code
        z_fixed = tf.constant(np.tile(z_cols[:cols], (rows, 1)).astype(np.float32))

    def sample(generator) -> bytes:
        inputs = [z_fixed, y_fixed] if trainer.gan.conditional else z_fixed
        from gan_study.data import to_uint8

        return _grid_png(to_uint8(np.asarray(generator(inputs, training=False))), cols)

    bar = tqdm(
        total=config.epochs,
        initial=start,
        desc=config.run_name(),
        unit="epoch",
        ascii=True,
        ncols=110,
        mininterval=1.0,
        file=sys.stderr,
        disable=not progress,
    )
    n_critic = config.n_critic
    step = sum(int(row["d_steps"]) for row in history)  # D updates so far, over all epochs
    with bar:
        for epoch in range(start + 1, config.epochs + 1):
            t0 = time.perf_counter()
            batches = epoch_batches(
                images,
                labels,
                batch_size=config.batch_size,
                seed=config.seed * 100003 + epoch,
            )
            outs, d_steps, g_steps = [], 0, 0
            g_flags = []
            for real, y in batches:
                step += 1
                update_g = step % n_critic == 0
                outs.append(trainer.step(tf.constant(real), tf.constant(y), update_g))
                g_flags.append(update_g)
                d_steps += 1
                g_steps += int(update_g)
            rows = [
                {"step": step - d_steps + i + 1, "epoch": epoch}
                | {k: float(o[k].numpy()) for k in STEP_COLUMNS[2:]}
                for i, o in enumerate(outs)
            ]
            for r, f in zip(rows, g_flags, strict=True):
                if not f:
                    r["grad_norm_g"] = float("nan")
            row = {"epoch": epoch}
            for key in ("d_loss", "g_loss", "gp", "d_real", "d_fake", "grad_norm_d"):
                row[key] = float(np.mean([r[key] for r in rows]))
            g_norms = [r["grad_norm_g"] for r, f in zip(rows, g_flags, strict=True) if f]
            row["grad_norm_g"] = float(np.mean(g_norms)) if g_norms else float("nan")
            row["d_steps"], row["g_steps"] = d_steps, g_steps
            if not np.isfinite(row["d_loss"]) or not np.isfinite(row["g_loss"]):
                raise FloatingPointError(
                    f"training diverged at epoch {epoch} (d_loss={row['d_loss']}, "
                    f"g_loss={row['g_loss']}); lower the learning rates or change the loss"
                )
            _atomic_write_bytes(run_dir / "samples" / f"epoch_{epoch:03d}.png", sample(trainer.G))
            row["seconds"] = round(time.perf_counter() - t0, 3)
            history.append(row)
            steps.extend(rows)
            _write_history(run_dir, history, steps)
            if epoch % config.checkpoint_every == 0 or epoch == config.epochs:
                trainer.save(ckpt, epoch, history, steps)
            bar.set_postfix(d_loss=f"{row['d_loss']:.3f}", g_loss=f"{row['g_loss']:.3f}")
            bar.update(1)
    _atomic_write_bytes(run_dir / "samples" / "final_ema.png", sample(trainer.G_ema))
    _save_model_atomic(trainer.G, run_dir / "generator.keras")
    _save_model_atomic(trainer.G_ema, run_dir / FINISHED_MARKER)  # last: marks the run finished
    return run_dir


def _write_history(run_dir: Path, history: list[dict], steps: list[dict]) -> None:
    frame = pd.DataFrame(history, columns=list(HISTORY_COLUMNS))
    _atomic_write_text(run_dir / "history.csv", frame.to_csv(index=False))
    frame = pd.DataFrame(steps, columns=list(STEP_COLUMNS))
    _atomic_write_text(run_dir / "steps.csv", frame.to_csv(index=False))
