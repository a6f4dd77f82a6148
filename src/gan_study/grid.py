"""Run the study's grid: several GANs over several seeds, trained once, evaluated once.

The training and evaluation chapters compare four models (``seed_baseline``,
``dcgan``, ``cdcgan``, ``wgan_gp``) over a few seeds. This module turns "these
models, these seeds, these settings" into run directories and their results:

* :func:`train_grid` trains every (model, seed) pair through
  :func:`gan_study.training.train`. Equal parameters give the same run
  directory, so a finished run is reused and an interrupted one resumes.
* :func:`evaluate_grid` evaluates every run through
  :func:`gan_study.evaluation.evaluate_run`; :func:`learning_curves` reads
  every run's snapshots the same way (:mod:`gan_study.tidy` makes tables of
  both).
* :func:`generated_sample`, :func:`generated_images`, :func:`sample_grids` and
  :func:`real_examples` draw the images the chapters show and compare.

Nothing here knows about notebooks or figures.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from gan_study import data as data_mod
from gan_study import evaluation, evaluation_inputs, learning_curve
from gan_study.rundir import RunDir


def sample_epochs(n_epochs: int, k: int = 4) -> list[int]:
    """``k`` epochs spread evenly from the first to the last (fewer if there are fewer epochs).

    >>> sample_epochs(30, 4)
    [1, 11, 20, 30]
    """
    if n_epochs < 1 or k < 1:
        raise ValueError(f"need n_epochs >= 1 and k >= 1, got {n_epochs}, {k}")
    if k == 1:
        return [n_epochs]
    picks = {round(1 + i * (n_epochs - 1) / (k - 1)) for i in range(k)}
    return sorted(picks)


def sample_grids(run_dir, k: int = 4) -> list[tuple[str, np.ndarray]]:
    """The fixed-latent sample grids of ``k`` epochs of a run, and its final EMA grid.

    Parameters
    ----------
    run_dir : path-like
        A finished run directory (``samples/epoch_XXX.png``, ``samples/final_ema.png``).
    k : int
        How many epochs to show (:func:`sample_epochs`).

    Returns
    -------
    list of (str, numpy.ndarray)
        ``("epoch 1", image), ..., ("final, EMA", image)``; images are uint8 RGB.

    Raises
    ------
    FileNotFoundError
        When the run has no sample grids (not trained yet).
    """
    samples = Path(run_dir) / "samples"
    epochs = sorted(int(p.stem.split("_")[1]) for p in samples.glob("epoch_*.png"))
    if not epochs:
        raise FileNotFoundError(f"no samples/epoch_*.png in {run_dir}: train the run first")
    chosen = [epochs[i - 1] for i in sample_epochs(len(epochs), k)]
    out = []
    for epoch in chosen:
        with Image.open(samples / f"epoch_{epoch:03d}.png") as im:
            out.append((f"epoch {epoch}", np.asarray(im.convert("RGB"))))
    final = samples / "final_ema.png"
    if final.is_file():
        with Image.open(final) as im:
            out.append(("final, EMA generator", np.asarray(im.convert("RGB"))))
    return out


def real_examples(split, k: int, *, seed: int = 0, num_classes: int = 7) -> list[np.ndarray]:
    """``k`` random real images of each class, for showing beside generated ones.

    Parameters
    ----------
    split : gan_study.data.Split
        Anything with ``images`` (N, S, S, 3) uint8 and ``labels`` (N,).
    k : int
        Images per class.
    seed : int
        Seed of the random choice (without replacement).
    num_classes : int
        Classes 0 .. num_classes - 1, in label order.

    Returns
    -------
    list of numpy.ndarray
        One ``(k, S, S, 3)`` uint8 array per class; a class with fewer than
        ``k`` images is padded with white images (never repeated, so no image
        appears twice).
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    rng = np.random.default_rng(seed)
    images, labels = np.asarray(split.images), np.asarray(split.labels)
    out = []
    for c in range(num_classes):
        idx = np.flatnonzero(labels == c)
        pick = np.sort(rng.choice(idx, size=min(k, idx.size), replace=False))
        block = np.full((k, *images.shape[1:]), 255, dtype=images.dtype)
        block[: pick.size] = images[pick]
        out.append(block)
    return out


def run_device(run_dir) -> str:
    """The device a run was trained on, as its ``config.json`` records it.

    Raises
    ------
    FileNotFoundError
        When ``run_dir`` has no ``config.json``.
    ValueError
        When the file records no device.
    """
    path = Path(run_dir) / "config.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: {run_dir} is not a training run directory")
    device = json.loads(path.read_text()).get("environment", {}).get("device")
    if not device:
        raise ValueError(f"{path} records no device (environment.device)")
    return str(device)


def train_grid(
    configs: Sequence,
    *,
    data_dir=None,
    runs_dir=None,
    progress: bool = True,
) -> pd.DataFrame:
    """Train every run, reusing finished runs and resuming interrupted ones.

    Parameters
    ----------
    configs : sequence of TrainConfig
        The runs, in order (normally :meth:`gan_study.config.RunGrid.configs`).
        Every configuration is validated before the first run starts, so a
        typo fails at once rather than after an hour.
    data_dir, runs_dir : path-like, optional
        Passed to :func:`gan_study.training.train`.
    progress : bool
        Show the trainer's per-epoch progress bar.

    Returns
    -------
    pandas.DataFrame
        One row per run: ``model``, ``seed``, ``run_dir`` (Path),
        ``d_updates`` and ``g_updates`` (discriminator and generator updates
        in all, from ``history.csv``), ``train_seconds`` (sum of the per-epoch wall-clock seconds recorded in
        ``history.csv``, i.e. the cost of the original training, also for a
        reused run) and ``reused`` (whether the run was already finished).
    """
    from gan_study import training

    configs = list(configs)
    for config in configs:
        config.validate()
    rows = []
    for config in configs:
        reused = RunDir.for_config(config, runs_dir).is_finished()
        run_dir = training.train(config, data_dir=data_dir, progress=progress, runs_dir=runs_dir)
        history = training.load_history(run_dir)
        rows.append(
            {
                "model": config.model,
                "seed": config.seed,
                "run_dir": Path(run_dir),
                "d_updates": int(history["d_steps"].sum()),
                "g_updates": int(history["g_steps"].sum()),
                "train_seconds": float(history["seconds"].sum()),
                "reused": bool(reused),
            }
        )
    columns = ["model", "seed", "run_dir", "d_updates", "g_updates", "train_seconds", "reused"]
    return pd.DataFrame(rows, columns=columns)


def evaluate_grid(runs: pd.DataFrame, *, n: int, seed: int = 0, data_dir=None, clf=None) -> dict:
    """Evaluate every run of a grid (reusing each run's ``metrics.json``).

    Parameters
    ----------
    runs : pandas.DataFrame
        From :func:`train_grid` (needs ``run_dir``).
    n : int
        Generated images per run and sample size of the distribution metrics.
    seed : int
        Seed of the generated sample and of every subsample.
    data_dir : path-like, optional
    clf : gan_study.classifier.Classifier, optional
        The feature extractor and judge; default: the evaluation's own default.

    Returns
    -------
    dict
        ``run_dir`` (Path) -> the evaluation dict.
    """
    extra = {} if clf is None else {"clf": clf}
    references: dict = {}  # the real side, built once for the runs that share it
    return {
        Path(run_dir): evaluation.evaluate_run(
            run_dir, n=n, seed=seed, data_dir=data_dir, references=references, **extra
        )
        for run_dir in runs["run_dir"]
    }


def generated_sample(
    run_dir, n: int, *, seed: int = 0, data_dir=None
) -> tuple[np.ndarray, np.ndarray | None]:
    """The ``n`` images (and labels) that the evaluation draws from a run's EMA generator.

    The same draw as :func:`gan_study.evaluation.evaluate_run` with the same
    ``n`` and ``seed``: a conditional generator gets labels in the training
    class proportions (:func:`gan_study.evaluation_inputs.labels_like`).

    Parameters
    ----------
    run_dir : path-like
        A finished run.
    n, seed : int
        Number of images and the seed of their latent codes (and labels).
    data_dir : path-like, optional
        Data root whose training labels give a conditional generator's class
        proportions (default ``$GAN_STUDY_DATA_DIR``); unused otherwise.

    Returns
    -------
    images : numpy.ndarray
        uint8 ``(n, S, S, 3)``.
    labels : numpy.ndarray or None
        The conditioning labels, ``None`` for an unconditional generator.
    """
    from gan_study import training

    config = training.load_config(run_dir)
    generator = training.load_generator(run_dir)
    labels = None
    if len(generator.inputs) == 2:
        lesions = data_mod.load(
            source=config.source,
            split=config.split,
            image_size=config.image_size,
            data_dir=data_dir,
        )
        labels = evaluation_inputs.labels_like(lesions.train.labels, n, seed)
    return training.generate(generator, n, seed, labels=labels), labels


def learning_curves(
    runs: pd.DataFrame, *, n: int, seed: int = 0, data_dir=None, clf=None
) -> pd.DataFrame:
    """The learning curve of every run of a grid, as one tidy table.

    Parameters
    ----------
    runs : pandas.DataFrame
        From :func:`train_grid` (columns ``model``, ``seed``, ``run_dir``); the
        runs must keep snapshots (``snapshot_every``).
    n, seed, data_dir, clf
        As for :func:`evaluate_grid` (use the same values, so that each curve
        ends at the FD of the chapter's table).

    Returns
    -------
    pandas.DataFrame
        One row per run and snapshot: ``model``, ``seed``, ``epoch``,
        ``d_updates``, ``g_updates``, ``fd`` (mean over the FD repeats),
        ``agreement`` (NaN for unconditional models) and ``floor``.
    """
    extra = {} if clf is None else {"clf": clf}
    rows = []
    for run in runs.itertuples():
        curve = learning_curve.learning_curve(
            run.run_dir, n=n, seed=seed, data_dir=data_dir, **extra
        )
        for point in curve["points"]:
            rows.append(
                {
                    "model": run.model,
                    "seed": int(run.seed),
                    "epoch": point["epoch"],
                    "d_updates": point["d_updates"],
                    "g_updates": point["g_updates"],
                    "fd": np.nan if point["fd_mean"] is None else point["fd_mean"],
                    "agreement": np.nan if point["agreement"] is None else point["agreement"],
                    "floor": curve["floor_mean"],
                }
            )
    return pd.DataFrame(
        rows,
        columns=["model", "seed", "epoch", "d_updates", "g_updates", "fd", "agreement", "floor"],
    )


def generated_images(runs: pd.DataFrame, data, *, n: int, seed: int) -> dict:
    """Every run's ``n`` generated images, as its ``metrics.json`` scored them.

    Parameters
    ----------
    runs : pandas.DataFrame
        :func:`train_grid`'s table (``model``, ``seed``, ``run_dir``).
    data : gan_study.data.LesionData
    n, seed : int
        As given to :func:`evaluate_grid`.

    Returns
    -------
    dict
        ``(model, seed)`` -> uint8 images (:func:`gan_study.evaluation.generated_images`).
    """
    return {
        (row.model, int(row.seed)): evaluation.generated_images(row.run_dir, data, n=n, seed=seed)[
            0
        ]
        for row in runs.itertuples()
    }
