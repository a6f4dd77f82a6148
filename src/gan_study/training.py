"""Training one GAN run: the loop around the one trainer, checkpoints, sampling.

:func:`train` turns a :class:`~gan_study.config.TrainConfig` into a run
directory (named after the configuration, see :meth:`TrainConfig.run_name`),
whose files, lock and loaders :class:`gan_study.rundir.RunDir` owns. The
loaders are re-exported here (``training.load_history``,
``training.load_generator``, ``training.snapshots``, ...), as the chapters
call them.

How one step works
------------------
Every model goes through the same :func:`tf.function` step of
:class:`gan_study.trainer.Trainer`. A fresh latent
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

Interruption, divergence and concurrency
----------------------------------------
Every file is written under a temporary name and renamed, and a process that
trains holds the run directory's lock (:mod:`gan_study.rundir`): a second
process on the same run directory fails with :class:`RunDirectoryBusy` (or
waits, ``wait=True``). Once the lock is held, temporary files left by a
killed writer are removed. An interrupted run (``KeyboardInterrupt``,
SIGKILL) resumes from its last checkpoint when trained again; Ctrl-C raises
:class:`TrainingInterrupted`, which names that checkpoint's epoch. A run
whose losses stop being finite raises :class:`TrainingDiverged`. When an
interrupted or failed call had not written a checkpoint yet, what it created
is removed again (the run directory itself if it created it), so nothing
half-written is left; a run with a checkpoint keeps it.

Progress
--------
One plain-text ``tqdm`` bar over epochs (not ``tqdm.auto``: a notebook
widget would be stored by papermill as an unreadable widget state). It
updates once per epoch with the latest losses, so an executed notebook keeps
a single short line.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np

from gan_study import distribute, model_card, run_record, rundir
from gan_study.config import TrainConfig
from gan_study.rundir import RunDir
from gan_study.trainer import Trainer as _Trainer  # the name tests patch
from gan_study.trainer import sync_batch_norm

# re-exported: the chapters, benches and tests call training.X
FINISHED_MARKER = rundir.FINISHED_MARKER
HISTORY_COLUMNS = rundir.HISTORY_COLUMNS
STEP_COLUMNS = rundir.STEP_COLUMNS
SNAPSHOT_DIR = rundir.SNAPSHOT_DIR
SNAPSHOT_NAME = rundir.SNAPSHOT_NAME
RunDirectoryBusy = rundir.RunDirectoryBusy
checkpoint_epoch = rundir.checkpoint_epoch
is_finished = rundir.is_finished
generator_id = rundir.generator_id
generator_path = rundir.generator_path
load_config = rundir.load_config
load_history = rundir.load_history
load_steps = rundir.load_steps
load_generator = rundir.load_generator
snapshots = rundir.snapshots
data_fingerprint = run_record.data_fingerprint
describe_device = run_record.describe_device

log = logging.getLogger(__name__)

SAMPLE_GRID = 64  # images per sample grid (8 x 8; 7 classes x 8 for cdcgan)


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


def class_sampler(generator):
    """``sample(labels, seed)``: images of the given classes from a conditional generator.

    The form :func:`gan_study.augmentation.run_arms` takes its synthetic
    images in: ``sample(labels, seed)`` is ``generate(generator, len(labels),
    seed, labels=labels)``.
    """
    if not _is_conditional(generator):
        raise ValueError("class_sampler needs a conditional generator (one that takes labels)")

    def sample(labels, seed: int) -> np.ndarray:
        return generate(generator, len(labels), seed=seed, labels=labels)

    return sample


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


@contextlib.contextmanager
def _dtype_policy(name: str):
    import keras

    previous = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


# ------------------------------------------------ interruption, divergence, locking
class TrainingDiverged(FloatingPointError):
    """The losses of an epoch were not finite.

    Attributes
    ----------
    run_dir : pathlib.Path
    epoch : int
        The epoch whose mean discriminator or generator loss was NaN or infinite.
    checkpoint_epoch : int or None
        The epoch of the run's last checkpoint, which is kept; None when the
        run had none (then what the call created was removed, see ``removed``).
    removed : str or None
        What was removed, in words (None when nothing was).
    """

    def __init__(self, run_dir, epoch, d_loss, g_loss, checkpoint_epoch, removed):
        self.run_dir, self.epoch, self.d_loss, self.g_loss = Path(run_dir), epoch, d_loss, g_loss
        self.checkpoint_epoch, self.removed = checkpoint_epoch, removed
        msg = (
            f"training diverged at epoch {epoch} (d_loss={d_loss}, g_loss={g_loss}); lower the "
            "learning rates (lr_g, lr_d) or change the loss"
        )
        if checkpoint_epoch is None:
            msg += "; no checkpoint had been written, so nothing was kept"
            msg += f" ({removed})" if removed else ""
        else:
            msg += (
                f"; {run_dir} keeps its checkpoint of epoch {checkpoint_epoch} (the same "
                f"configuration resumes from it and diverges again: change the configuration, "
                f"or delete {run_dir})"
            )
        super().__init__(msg)

    def __reduce__(self):
        args = (self.run_dir, self.epoch, self.d_loss, self.g_loss)
        return (type(self), (*args, self.checkpoint_epoch, self.removed))


class TrainingInterrupted(KeyboardInterrupt):
    """Training was interrupted (Ctrl-C): it resumes from ``checkpoint_epoch`` when run again.

    Attributes
    ----------
    run_dir : pathlib.Path
    checkpoint_epoch : int or None
        The epoch of the last checkpoint; None when there was none yet (then
        what the call created was removed and a new call starts afresh).
    removed : str or None
        What was removed, in words (None when nothing was).
    """

    def __init__(self, run_dir, checkpoint_epoch: int | None, removed: str | None):
        self.run_dir, self.checkpoint_epoch, self.removed = Path(run_dir), checkpoint_epoch, removed
        if checkpoint_epoch is None:
            msg = "training interrupted before its first checkpoint; nothing was kept"
            msg += f" ({removed})" if removed else ""
        else:
            msg = (
                "training interrupted; train again with the same configuration and run_dir to "
                f"resume from the last checkpoint (epoch {checkpoint_epoch})"
            )
        super().__init__(msg)

    def __reduce__(self):
        return (type(self), (self.run_dir, self.checkpoint_epoch, self.removed))


class _Diverged(Exception):
    """Raised by :func:`_run`; :func:`train` turns it into :class:`TrainingDiverged`."""

    def __init__(self, epoch, d_loss, g_loss):
        super().__init__(epoch, d_loss, g_loss)
        self.epoch, self.d_loss, self.g_loss = epoch, d_loss, g_loss


def train(
    config: TrainConfig,
    run_dir=None,
    data_dir=None,
    progress: bool = True,
    *,
    runs_dir=None,
    images: np.ndarray | None = None,
    labels: np.ndarray | None = None,
    wait: bool = False,
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
    wait : bool
        When another process is training the same run directory, wait for
        it to finish (and then reuse or resume its run) instead of raising
        :class:`RunDirectoryBusy`.

    Returns
    -------
    pathlib.Path
        The run directory. When it already holds the finished run, returned at once.

    Raises
    ------
    ValueError
        Bad configuration; ``run_dir`` not a directory, holding a different
        configuration or different data; in-memory data without ``run_dir``.
        Nothing is created then.
    FileNotFoundError
        Missing data (from :func:`gan_study.data.load`).
    RunDirectoryBusy
        Another process is training ``run_dir`` (and ``wait`` is false).
    RuntimeError
        ``config.devices > 1`` on a machine without GPUs, in a process whose
        TensorFlow has already started with too few CPU devices
        (:func:`gan_study.distribute.split_cpu`). Nothing is created then;
        ``ValueError`` likewise for too few GPUs or a ``TF_CONFIG`` cluster
        with another replica count.
    TrainingDiverged
        The losses became NaN or infinite (a ``FloatingPointError``).
    TrainingInterrupted
        ``KeyboardInterrupt`` during the training; it names the last checkpoint.

    Notes
    -----
    When the call fails or is interrupted before the run has a checkpoint,
    what the call created (the run directory, if it created it, else the
    files it added) is removed again; a run with a checkpoint keeps it, and
    training it again resumes from there.

    With ``config.devices > 1`` the run trains on that many replicas
    (:mod:`gan_study.distribute`); with ``TF_CONFIG`` set, a worker other than
    the chief writes into :func:`gan_study.distribute.worker_run_dir`.
    """
    import keras
    import tensorflow as tf

    config = config.validate()
    in_memory = images is not None
    if images is not None and run_dir is None:
        raise ValueError("training on in-memory images needs an explicit run_dir")
    if images is None and labels is not None:
        raise ValueError("labels given without images")
    run = RunDir(run_dir) if run_dir is not None else RunDir.for_config(config, runs_dir)
    run.check_path()
    stored = run.stored_meta(config)
    if stored is not None and run.is_finished() and not in_memory:
        return run.path

    images, labels = training_images(config, data_dir, images, labels)
    config.validate(n_train=len(images))
    fingerprint = data_fingerprint(images, labels)
    run.check_stored_data(stored, fingerprint)
    if run.is_finished():
        return run.path
    # before any TensorFlow work: logical CPU devices can only be made until then
    strategy = distribute.strategy(config.devices)
    run = RunDir(distribute.worker_run_dir(run.path))

    with run.lock(wait=wait) as lock:
        # another process may have started or finished the run before the lock was ours
        stored = run.stored_meta(config)
        run.check_stored_data(stored, fingerprint)
        if run.is_finished():
            return run.path
        run.remove_temp_files()
        before = set(os.listdir(run.path))
        try:
            keras.utils.set_random_seed(config.seed)
            tf.config.experimental.enable_op_determinism()
            env = run_record.environment(strategy)
            if progress:
                print(
                    f"gan-study train: {config.run_name()} on {env['device']} -> {run.path}",
                    file=sys.stderr,
                )
            log.info("training %s on %s into %s", config.run_name(), env["device"], run.path)
            if stored is None:
                run.write_config(
                    run_record.config_record(
                        config, labels, len(images), fingerprint, env, in_memory=in_memory
                    )
                )
            with _dtype_policy(config.mixed_precision):
                trainer = _Trainer(config, strategy)
                return _run(trainer, config, run, images, labels, progress)
        except BaseException as exc:
            kept = run.checkpoint_epoch()
            removed = run.remove_created(lock, before) if kept is None else None
            if isinstance(exc, _Diverged):
                raise TrainingDiverged(
                    run.path, exc.epoch, exc.d_loss, exc.g_loss, kept, removed
                ) from None
            if isinstance(exc, KeyboardInterrupt) and not isinstance(exc, TrainingInterrupted):
                raise TrainingInterrupted(run.path, kept, removed) from None
            raise


def _run(trainer: _Trainer, config: TrainConfig, run: RunDir, images, labels, progress: bool):
    import tensorflow as tf
    from tqdm import tqdm

    from gan_study.data import epoch_batches

    ckpt = run.checkpoint_file
    start, history, steps = 0, [], []
    if ckpt.is_file():
        start, history, steps = trainer.restore(ckpt)
    run.write_logs(history, steps)

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
                class_balance=config.class_balance,
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
                raise _Diverged(epoch, row["d_loss"], row["g_loss"])
            rundir.write_file(run.sample_path(f"epoch_{epoch:03d}"), sample(trainer.G))
            if config.snapshot_every and epoch % config.snapshot_every == 0:
                trainer.save_snapshot(run.snapshot_path(epoch))
            row["seconds"] = round(time.perf_counter() - t0, 3)
            history.append(row)
            steps.extend(rows)
            run.write_logs(history, steps)
            if epoch % config.checkpoint_every == 0 or epoch == config.epochs:
                trainer.save(ckpt, epoch, history, steps)
            bar.set_postfix(d_loss=f"{row['d_loss']:.3f}", g_loss=f"{row['g_loss']:.3f}")
            bar.update(1)
    rundir.write_file(run.sample_path("final_ema"), sample(trainer.G_ema))
    sync_batch_norm(trainer.G, False)  # the saved generator is the same on any number of devices
    run.save_model(trainer.G, ema=False)
    model_card.write_model_card(run.path)  # rewritten with the metrics once evaluated
    run.save_model(trainer.G_ema, ema=True)  # last: marks the run finished
    return run.path
