"""Run the study's grid: several GANs over several seeds, trained once, evaluated once.

The training and evaluation chapters compare four models (``seed_baseline``,
``dcgan``, ``cdcgan``, ``wgan_gp``) over a few seeds. This module holds the
small amount of glue that turns "these models, these seeds, these settings"
into run directories and a tidy table of metrics:

* :func:`train_grid` trains every (model, seed) pair through
  :func:`gan_study.training.train`. Equal parameters give the same run
  directory, so a finished run is reused and an interrupted one resumes.
* :func:`evaluate_grid` evaluates every run through
  :func:`gan_study.evaluation.evaluate_run` and returns one row per
  (model, seed, metric): a *tidy* table, ready for grouping and plotting.
* :func:`summarize` reduces the tidy table to mean, spread and count per
  model and metric.

Nothing here knows about notebooks or figures.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from gan_study import paths

#: The study's target for a conditional model: its balanced class agreement
#: at least this share of the classifier's balanced accuracy on real images.
AGREEMENT_TARGET = 0.9

TIDY_COLUMNS = ("model", "seed", "metric", "value", "note")


# ------------------------------------------------------------------ metrics
def flatten_metrics(metrics: Mapping, prefix: str = "") -> dict[str, float]:
    """Flatten a nested metrics mapping to ``{"a.b": float}``, keeping numbers only.

    Parameters
    ----------
    metrics : Mapping
        For example the dict written to ``metrics.json``. Nested mappings are
        joined with dots; booleans, strings, lists and ``None`` are dropped
        (they are settings or per-item details, not scalar metrics).
    prefix : str, optional
        Prepended to every key.

    Returns
    -------
    dict of str to float
    """
    flat: dict[str, float] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten_metrics(value, prefix=f"{name}."))
        elif isinstance(value, numbers.Real) and not isinstance(value, bool):
            flat[name] = float(value)
    return flat


def tidy_metrics(records: Iterable[tuple[str, int, Mapping]]) -> pd.DataFrame:
    """Build the tidy metric table from ``(model, seed, metrics)`` records.

    A value that a record lists under ``unavailable`` (as ``metrics.json``
    does, see :func:`gan_study.evaluation.evaluate_images`) becomes a row with
    ``value`` NaN and the reason in ``note``, so that it is counted as
    missing, never silently left out.

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``seed``, ``metric``, ``value``, ``note``; one row
        per scalar metric of each record (see :func:`flatten_metrics`).
    """
    rows = []
    for model, seed, metrics in records:
        flat = flatten_metrics(metrics)
        rows += [
            {"model": model, "seed": int(seed), "metric": m, "value": v, "note": ""}
            for m, v in flat.items()
        ]
        rows += [
            {"model": model, "seed": int(seed), "metric": m, "value": math.nan, "note": why}
            for m, why in (metrics.get("unavailable") or {}).items()
            if m not in flat
        ]
    return pd.DataFrame(rows, columns=list(TIDY_COLUMNS))


def summarize(tidy: pd.DataFrame, by: Sequence[str] = ("model", "metric")) -> pd.DataFrame:
    """Mean, sample standard deviation and counts of ``value`` per group.

    Parameters
    ----------
    tidy : pandas.DataFrame
        A table with a ``value`` column and the columns named in ``by``
        (optionally ``seed`` and ``note``, as from :func:`tidy_metrics`).
    by : sequence of str
        Grouping columns.

    Returns
    -------
    pandas.DataFrame
        Columns ``*by``, ``mean``, ``std`` (``NaN`` for a single value, never
        a made-up zero), ``n`` (the values averaged), ``n_total`` (the rows of
        the group, missing ones included) and ``unavailable`` (which seeds
        are missing and why; empty when ``n == n_total``). Groups keep the
        order in which they first appear in ``tidy``.

    Raises
    ------
    ValueError
        If a grouping column or ``value`` is missing.
    """
    missing = [c for c in (*by, "value") if c not in tidy.columns]
    if missing:
        raise ValueError(f"table has no column(s) {missing}; it has {list(tidy.columns)}")
    grouped = tidy.groupby(list(by), sort=False)
    out = grouped["value"].agg(mean="mean", std="std", n="count", n_total="size").reset_index()

    def absent(group: pd.DataFrame) -> str:
        gone = group[group["value"].isna()]
        return "; ".join(
            f"seed {r.get('seed', '?')}: {r.get('note') or 'no value'}" for _, r in gone.iterrows()
        )

    notes = [absent(group) for _, group in grouped]
    out["unavailable"] = notes
    return out


def unavailable_note(summary: pd.DataFrame) -> str:
    """One sentence on how many values each mean of :func:`summarize` averages.

    Returns
    -------
    str
        "Every mean averages all N seeds." when nothing is missing; otherwise
        one clause per incomplete group naming the seeds left out and why.
    """
    short = summary[summary["n"] < summary["n_total"]]
    if short.empty:
        totals = sorted(set(summary["n_total"]))
        if totals == [1]:
            return "Every value is from a single seed."
        return f"Every mean averages all {' or '.join(map(str, totals))} seeds."
    keys = [c for c in summary.columns if c not in SUMMARY_VALUES]
    parts = [
        f"{' / '.join(str(r[k]) for k in keys)}: mean of {r['n']} of {r['n_total']} seeds "
        f"({r['unavailable']})"
        for _, r in short.iterrows()
    ]
    return "Means over fewer seeds: " + "; ".join(parts) + "."


SUMMARY_VALUES = ("mean", "std", "n", "n_total", "unavailable")
"""The value columns of :func:`summarize` (the others are its grouping keys)."""


def mean_spread(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (``NaN`` spread for fewer than 2 values)."""
    values = [float(v) for v in values]
    if not values:
        raise ValueError("mean_spread needs at least one value")
    mean = math.fsum(values) / len(values)
    if len(values) < 2:
        return mean, math.nan
    var = math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return mean, math.sqrt(var)


# -------------------------------------------------------------- the grid
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
    from PIL import Image

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
        expected = paths.runs_dir(runs_dir) / config.run_name()
        reused = training.is_finished(expected)
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


# -------------------------------------------------------------- evaluation
#: Metric key (as in :func:`flatten_metrics` of ``metrics.json``) -> the keys of its
#: real-versus-real reference value and, where the evaluation reports one, its spread.
FLOOR_KEYS: dict[str, tuple[str, str | None]] = {
    "fd.value": ("fd.floor", "fd.floor_std"),
    "fd_inf.value": ("fd_inf.floor", None),
    "kid.mean": ("kid.floor", "kid.floor_std"),
    "precision_recall.precision": ("precision_recall.floor_precision", None),
    "precision_recall.recall": ("precision_recall.floor_recall", None),
    "density_coverage.density": ("density_coverage.floor_density", None),
    "density_coverage.coverage": ("density_coverage.floor_coverage", None),
    "diversity.fake_ssim_mean": ("diversity.real_ssim_mean", None),
    "nearest_real.ssim_mean": ("nearest_real.floor_ssim_mean", None),
    "nearest_real.pixel_accuracy_mean": ("nearest_real.floor_pixel_accuracy_mean", None),
}


#: Chapter 4's distribution metrics (keys of :func:`flatten_metrics`), with the
#: title of each one's panel in the comparison figure.
METRIC_TITLES: dict[str, str] = {
    "fd.value": "FD (lower is better)",
    "fd_inf.value": "FD$_\\infty$ (lower is better)",
    "kid.mean": "KID (lower is better)",
    "precision_recall.precision": "precision (higher is better)",
    "precision_recall.recall": "recall (higher is better)",
    "density_coverage.density": "density (near 1 is best)",
    "density_coverage.coverage": "coverage (higher is better)",
    "diversity.fake_ssim_mean": "pairwise SSIM (lower = more diverse)",
}
#: The same metrics' short names, the columns of :func:`metric_table`.
METRIC_NAMES: dict[str, str] = {
    "fd.value": "FD",
    "fd_inf.value": "FD-inf",
    "kid.mean": "KID",
    "precision_recall.precision": "precision",
    "precision_recall.recall": "recall",
    "density_coverage.density": "density",
    "density_coverage.coverage": "coverage",
    "diversity.fake_ssim_mean": "pairwise SSIM",
}
#: Chapter 4's copying proxies: the median distance ratios in pixel and feature
#: space and the data-copying statistic C_T in feature and pixel space.
MEMORISATION_METRICS = (
    "memorization.pixel.median_ratio",
    "memorization.features.median_ratio",
    "data_copying.ct",
    "data_copying_pixel.ct",
)


def floors(results: Iterable[Mapping]) -> dict[str, tuple[float, float]]:
    """The real-versus-real reference of each metric, over a set of evaluations.

    Parameters
    ----------
    results : iterable of mapping
        ``metrics.json`` contents (:func:`gan_study.evaluation.evaluate_run`).

    Returns
    -------
    dict
        Metric key -> ``(mean, spread)``: the mean of the reference values over
        the evaluations and the mean of their reported spread (for example the
        standard deviation of the FD floor over its repeats); ``NaN`` spread
        where the evaluation reports none. Metrics whose reference is missing
        from every result are left out.
    """
    flat = [flatten_metrics(r) for r in results]
    out = {}
    for metric, (mean_key, spread_key) in FLOOR_KEYS.items():
        means = [f[mean_key] for f in flat if mean_key in f]
        if not means:
            continue
        spreads = [f[spread_key] for f in flat if spread_key is not None and spread_key in f]
        spread = math.fsum(spreads) / len(spreads) if spreads else math.nan
        out[metric] = (math.fsum(means) / len(means), spread)
    return out


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
    from gan_study import evaluation

    extra = {} if clf is None else {"clf": clf}
    return {
        Path(run_dir): evaluation.evaluate_run(run_dir, n=n, seed=seed, data_dir=data_dir, **extra)
        for run_dir in runs["run_dir"]
    }


def generated_sample(
    run_dir, n: int, *, seed: int = 0, data_dir=None
) -> tuple[np.ndarray, np.ndarray | None]:
    """The ``n`` images (and labels) that the evaluation draws from a run's EMA generator.

    The same draw as :func:`gan_study.evaluation.evaluate_run` with the same
    ``n`` and ``seed``: a conditional generator gets labels in the training
    class proportions (:func:`gan_study.evaluation.labels_like`).

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
    from gan_study import data, evaluation, training

    config = training.load_config(run_dir)
    generator = training.load_generator(run_dir)
    labels = None
    if len(generator.inputs) == 2:
        lesions = data.load(
            source=config.source,
            split=config.split,
            image_size=config.image_size,
            data_dir=data_dir,
        )
        labels = evaluation.labels_like(lesions.train.labels, n, seed)
    return training.generate(generator, n, seed, labels=labels), labels


def rgb_table(
    real_images: np.ndarray,
    real_labels: np.ndarray,
    generated: Mapping[str, tuple[np.ndarray, np.ndarray | None]],
    *,
    class_names: Sequence[str],
) -> pd.DataFrame:
    """Per-channel colour statistics of real and generated images in one long table.

    Parameters
    ----------
    real_images, real_labels : numpy.ndarray
        Real images (uint8) and their class labels: overall and per class.
    generated : mapping of str to (numpy.ndarray, numpy.ndarray or None)
        Source name -> (images, labels). With labels (a conditional model),
        per-class rows are added; without, only the overall ``"all"`` rows.
    class_names : sequence of str

    Returns
    -------
    pandas.DataFrame
        :func:`gan_study.metrics.rgb_stats` rows with a ``source`` column
        (``"real"`` first, then the generated sources in order).
    """
    from gan_study import metrics

    names = tuple(class_names)
    frames = [metrics.rgb_stats(real_images, real_labels, names).assign(source="real")]
    for source, (images, labels) in generated.items():
        frames.append(metrics.rgb_stats(images, labels, names).assign(source=source))
    return pd.concat(frames, ignore_index=True)


def class_agreement_table(results: Sequence[Mapping]) -> pd.DataFrame | None:
    """Class agreement of a conditional model, averaged over its evaluated seeds.

    Parameters
    ----------
    results : sequence of mapping
        Evaluations of runs of one conditional model (``class_agreement``
        holds one record per class).

    Returns
    -------
    pandas.DataFrame or None
        One row per class: ``class``, ``agreement`` (mean over runs),
        ``agreement_std`` (sample s.d., NaN for one run), ``real_recall``,
        ``n_fake`` (per run), ``n_real``, ``runs``; ``None`` when no result
        has a class agreement (no conditional model).
    """
    tables = [pd.DataFrame(r["class_agreement"]) for r in results if r.get("class_agreement")]
    if not tables:
        return None
    stacked = pd.concat(tables, ignore_index=True)
    grouped = stacked.groupby(["label", "class"], sort=True)
    out = grouped.agg(
        agreement=("agreement", "mean"),
        agreement_std=("agreement", "std"),
        real_recall=("real_recall", "mean"),
        n_fake=("n_fake", "mean"),
        n_real=("n_real", "first"),
    ).reset_index()
    out["n_fake"] = out["n_fake"].round().astype(int)
    out["runs"] = len(tables)
    return out.drop(columns="label")


# -------------------------------------------------------------- prose helpers
def format_mean_spread(mean: float, spread: float, fmt: str = ".1f") -> str:
    """``"12.3 ± 0.4"``; ``"12.3 (a single value, no spread)"`` when the spread is NaN."""
    if spread is None or not math.isfinite(spread):
        return f"{mean:{fmt}} (a single value, no spread)"
    return f"{mean:{fmt}} ± {spread:{fmt}}"


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
    from gan_study import evaluation

    extra = {} if clf is None else {"clf": clf}
    rows = []
    for run in runs.itertuples():
        curve = evaluation.learning_curve(run.run_dir, n=n, seed=seed, data_dir=data_dir, **extra)
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


def curve_verdict(curves: pd.DataFrame, model: str, column: str = "fd") -> dict:
    """Whether a model was still improving at the end of its learning curve.

    Compares the last two snapshots of ``model``, averaged over its seeds: the
    model counts as still improving when its mean ``column`` moved in the
    better direction (lower FD, higher agreement) by more than the seeds'
    spread, the larger sample standard deviation of the two snapshots. With a
    single seed there is no spread and any move in the better direction
    counts.

    Parameters
    ----------
    curves : pandas.DataFrame
        :func:`learning_curves`' table.
    model : str
    column : {"fd", "agreement"}

    Returns
    -------
    dict
        ``before`` and ``after`` (the two means), ``from_updates`` and
        ``to_updates`` (discriminator updates), ``change`` (``after /
        before - 1``), ``spread``, ``improving`` (bool) and ``text``, for
        example ``"still improving: from 1,752 to 2,628 updates its mean FD
        fell by 21% (5.1 to 4.0), more than the seeds' spread (0.3)"``.

    Raises
    ------
    ValueError
        An unknown column, or fewer than two snapshots of ``model``.
    """
    if column not in ("fd", "agreement"):
        raise ValueError(f"column must be 'fd' or 'agreement', got {column!r}")
    sub = curves[curves["model"] == model]
    if sub.empty:
        raise ValueError(f"no learning curve for {model!r}; models: {sorted(set(curves['model']))}")
    by = sub.groupby("d_updates")[column].agg(["mean", "std", "count"]).sort_index()
    if len(by) < 2:
        raise ValueError(
            f"{model!r} has {len(by)} snapshot(s); a verdict needs two (train with a smaller "
            "snapshot_every)"
        )
    (u0, r0), (u1, r1) = list(by.iloc[-2:].iterrows())
    before, after = float(r0["mean"]), float(r1["mean"])
    spread = float(np.nanmax([r0["std"], r1["std"]])) if r0["count"] > 1 else 0.0
    gain = before - after if column == "fd" else after - before
    improving = bool(np.isfinite(gain) and gain > spread)
    change = after / before - 1 if before else float("nan")
    name = "FD" if column == "fd" else "class agreement"
    verb = ("fell" if after < before else "rose") if after != before else "stayed"
    fmt = ".2f" if column == "agreement" else ".1f"
    text = (
        f"from {int(u0):,} to {int(u1):,} updates its mean {name} {verb} by "
        f"{abs(change):.0%} ({before:{fmt}} to {after:{fmt}})"
    )
    if spread:
        compare = "more" if abs(gain) > spread else "less"
        text += f", {compare} than the seeds' spread ({spread:{fmt}})"
    if improving:
        status = "still improving"
    elif np.isfinite(gain) and gain > 0:
        status = "no longer clearly improving"
    else:
        status = "not improving"
    text = f"{status}: {text}"
    return {
        "before": before,
        "after": after,
        "from_updates": int(u0),
        "to_updates": int(u1),
        "change": change,
        "spread": spread,
        "improving": improving,
        "text": text,
    }


def update_budget(runs: pd.DataFrame) -> str:
    """The discriminator updates per run of a grid, for the prose: ``"1,752"``, or a range.

    Parameters
    ----------
    runs : pandas.DataFrame
        :func:`train_grid`'s table (column ``d_updates``).
    """
    low, high = int(runs["d_updates"].min()), int(runs["d_updates"].max())
    return f"{low:,}" if low == high else f"{low:,} to {high:,}"


def ladder_verdict(value: float, references: Mapping[str, float]) -> str:
    """Where an FD lies among the FDs of corrupted real images, in words.

    Parameters
    ----------
    value : float
        A generator's held-out FD.
    references : mapping of str to float
        Corruption label (:func:`gan_study.corruptions.label`) -> held-out FD
        of real images so corrupted
        (:func:`gan_study.evaluation.corruption_references`).

    Returns
    -------
    str
        For example ``"closer to the test images than real images with blur
        0.5 px"`` or ``"between real images with blur 0.5 px and with
        noise 0.05"``.
    """
    if not references:
        raise ValueError("references is empty: no corrupted reference to compare with")
    if not np.isfinite(value):
        return "not comparable (its FD is unavailable)"
    ordered = sorted(references.items(), key=lambda kv: kv[1])
    if value <= ordered[0][1]:
        return f"closer to the test images than real images with {ordered[0][0]}"
    for (low, f_low), (high, f_high) in zip(ordered, ordered[1:], strict=False):
        if f_low < value <= f_high:
            return f"between real images with {low} and with {high}"
    return f"further from the test images than real images with {ordered[-1][0]}"


def floor_verdict(value: float, floor: float, floor_spread: float) -> str:
    """Say in words where a metric value lies relative to its real-versus-real floor.

    For a lower-is-better distance: ``"within two standard deviations of the
    floor"``, ``"below the floor"``, ``"about 40 times the floor"`` or
    ``"3.2 above the floor"``.
    """
    if math.isfinite(floor_spread) and abs(value - floor) <= 2 * floor_spread:
        return "within two standard deviations of the floor"
    if value < floor:
        return "below the floor"
    if floor > 0 and value / floor >= 2:
        return f"about {value / floor:.0f} times the floor"
    return f"{value - floor:.1f} above the floor"


def flat_image_similarity(train_images: np.ndarray) -> dict:
    """SSIM and pixel accuracy of a flat image of the mean training colour to its nearest
    training image: what the report's metrics give an image with no lesion in it.

    Returns
    -------
    dict
        ``ssim_mean``, ``pixel_accuracy_mean`` and ``colour`` (the RGB value, 0-255).
    """
    from gan_study import metrics

    train = np.asarray(train_images)
    colour = np.round(train.reshape(-1, 3).mean(axis=0)).astype(np.uint8)
    flat = np.broadcast_to(colour, (1, *train.shape[1:])).copy()
    near = metrics.nearest_real_similarity(flat, train)
    return {
        "ssim_mean": near["ssim_mean"],
        "pixel_accuracy_mean": near["pixel_accuracy_mean"],
        "colour": tuple(int(c) for c in colour),
    }


def ladder_table(ladder: Mapping) -> pd.DataFrame:
    """The corruption ladder as a table: the floor, then each rung with its held-out FD.

    Parameters
    ----------
    ladder : mapping
        :func:`gan_study.evaluation.corruption_references`'s result.

    Returns
    -------
    pandas.DataFrame
        Index: ``"none (floor)"`` and each rung's label; columns ``FD`` (mean
        over the repeats), ``s.d.`` and ``x floor``.
    """
    rows = {"none (floor)": (ladder["floor"]["mean"], ladder["floor"]["std"])}
    rows.update({r["label"]: (r["mean"], r["std"]) for r in ladder["references"]})
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["FD", "s.d."])
    table["x floor"] = table["FD"] / ladder["floor"]["mean"]
    table.index.name = "corruption of the training images"
    return table


def ladder_monotone_text(ladder: Mapping) -> str:
    """Whether every kind of corruption scores monotonically, in words."""
    monotone = ladder["monotone"]
    broken = [kind for kind, ok in monotone.items() if not ok]
    if not broken:
        return (
            "every rung scores above the floor, and within each kind of corruption the "
            "stronger rung scores higher"
        )
    return (
        f"the ladder is not monotone for {', '.join(broken)}: in these features a stronger "
        "corruption of that kind does not always score further from the test images"
    )


# ------------------------------------------------------------------ ranking
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
    from gan_study import evaluation

    return {
        (row.model, int(row.seed)): evaluation.generated_images(row.run_dir, data, n=n, seed=seed)[
            0
        ]
        for row in runs.itertuples()
    }


def fd_differences(
    images: Mapping, data, clf, order: Sequence[str], *, n: int, n_boot: int, seed: int
) -> pd.DataFrame:
    """The best model against every other, paired by seed, with bootstrap intervals.

    Parameters
    ----------
    images : mapping
        :func:`generated_images`'s result.
    data, clf
        The real data and the feature extractor.
    order : sequence of str
        The models from the lowest mean held-out FD to the highest; the first
        is compared with each of the others, in this order.
    n, n_boot, seed
        Images per side, bootstrap replicates and seed of
        :func:`gan_study.ranking.paired_fd_differences`.

    Returns
    -------
    pandas.DataFrame
        Its rows, with a ``statement`` column (:func:`gan_study.ranking.rank_statement`).
    """
    from gan_study import ranking

    features = {key: clf.features(value) for key, value in images.items()}
    pairs = [(order[0], other) for other in order[1:]]
    out = ranking.paired_fd_differences(
        features, clf.features(data.test.images), pairs, n=n, n_boot=n_boot, seed=seed
    )
    out["statement"] = [ranking.rank_statement(row) for row in out.to_dict(orient="records")]
    return out


def best_model_claim(differences: pd.DataFrame) -> str:
    """What may be said about the best model: an order only where every interval excludes 0."""
    if differences.empty:
        return "only one model was compared, so there is no ranking to claim"
    best = differences["a"].iloc[0]
    tied = list(differences.loc[differences["high"] >= 0, "b"])
    if not tied:
        return (
            f"`{best}` has the lowest held-out FD, and the paired intervals separate it "
            "from every other model"
        )
    return (
        f"`{best}` has the lowest mean held-out FD, but the paired intervals do not "
        f"separate it from {', '.join(f'`{m}`' for m in tied)}: at this budget and with "
        "these seeds the data cannot rank them"
    )


def second_extractor_ranking(
    images: Mapping, data, first, second, *, n: int, seed: int
) -> pd.DataFrame:
    """The models' mean held-out FD in two feature spaces, and their ranks in each.

    Parameters
    ----------
    images : mapping
        :func:`generated_images`'s result.
    data : gan_study.data.LesionData
    first, second : gan_study.classifier.Classifier
        The study's feature extractor and a second one (e.g. trained with
        another seed).
    n, seed : int
        As for :func:`gan_study.heldout.heldout_frechet`.

    Returns
    -------
    pandas.DataFrame
        Index: model; columns ``FD (first)``, ``FD (second)``, ``rank (first)``,
        ``rank (second)``.
    """
    from gan_study import heldout

    columns = {}
    for name, clf in (("first", first), ("second", second)):
        out = heldout.heldout_frechet(
            clf.features(data.test.images),
            clf.features(data.train.images),
            n,
            candidates={f"{m}/{s}": clf.features(x) for (m, s), x in images.items()},
            seed=seed,
        )
        per_run = pd.Series({key: value["mean"] for key, value in out["candidates"].items()})
        columns[f"FD ({name})"] = per_run.groupby(per_run.index.str.split("/").str[0]).mean()
    table = pd.DataFrame(columns)
    for name in ("first", "second"):
        table[f"rank ({name})"] = table[f"FD ({name})"].rank(method="min").astype(int)
    table.index.name = "model"
    return table.sort_values("rank (first)")


def ranking_agreement_text(table: pd.DataFrame) -> str:
    """Whether :func:`second_extractor_ranking`'s two orders agree, in words."""
    if (table["rank (first)"] == table["rank (second)"]).all():
        return "the order of the models is the same in both feature spaces"
    moved = [
        m for m in table.index if table.loc[m, "rank (first)"] != table.loc[m, "rank (second)"]
    ]
    return (
        f"the order changes in the second feature space ({', '.join(f'`{m}`' for m in moved)} "
        "move), so the ranking depends on the feature extractor"
    )


def class_memorisation(
    results: Mapping, runs: pd.DataFrame, model: str, space: str
) -> pd.DataFrame:
    """A model's per-class copying proxies, averaged over its seeds.

    Parameters
    ----------
    results : mapping
        Run directory -> ``metrics.json`` (:func:`evaluate_grid`).
    runs : pandas.DataFrame
        :func:`train_grid`'s table.
    model : str
    space : {"pixel", "features"}

    Returns
    -------
    pandas.DataFrame
        Index: class; the numeric columns of
        :func:`gan_study.memorisation.per_class_memorisation`, averaged over
        the seeds that have a value (``n_fake`` per seed).
    """
    frames = [
        pd.DataFrame(results[row.run_dir]["memorization_by_class"][space])
        for row in runs.itertuples()
        if row.model == model
    ]
    if not frames:
        raise ValueError(f"no run of {model!r} in the grid")
    table = pd.concat(frames).drop(columns="note").set_index("class")
    table = table.apply(pd.to_numeric, errors="coerce")
    table = table[sorted(table.columns, key=_memorisation_column_rank)]
    return table.groupby(level=0, sort=False).mean()


def _memorisation_column_rank(column: str) -> tuple:
    """Sort key: counts, the ratio, each percentile's shares (generated first), then Z_U.

    ``metrics.json`` stores rows with sorted keys, so a table built from a
    stored file must be put back in the order the computation gives.
    """
    fixed = {"n_fake": 0, "n_heldout": 1, "median_ratio": 2}
    if column in fixed:
        return (fixed[column], 0.0, 0, column)
    for side, name in enumerate(("fake_below_p", "heldout_below_p")):
        if column.startswith(name):
            try:
                return (3, float(column[len(name) :]), side, column)
            except ValueError:
                break
    return (4 if column == "z_u" else 5, 0.0, 0, column)


def ordinals(numbers: Sequence[int]) -> str:
    """``(1, 5)`` -> ``"1st and 5th"``; for prose that names percentiles."""
    words = []
    for k in numbers:
        k = int(k)
        suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
        words.append(f"{k}{suffix}")
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def recipe_text(config) -> str:
    """The recipe options a run changes from their defaults, in words (``"none"`` if none).

    The EMA snapshots (``snapshot_every``) are left out: they record the run
    without changing it.
    """
    from gan_study.config import RECIPE_FIELDS

    changed = [
        f"{name} {getattr(config, name)}"
        for name, default in RECIPE_FIELDS.items()
        if name != "snapshot_every" and getattr(config, name) != default
    ]
    return ", ".join(changed) or "none"


def defaults_table(configs: Iterable) -> pd.DataFrame:
    """Chapter 3's table of the settings each model trains with, one row per run.

    Parameters
    ----------
    configs : iterable of gan_study.config.TrainConfig
        The runs to describe; each is resolved first, so the table shows the
        defaults of the model's paper as the trainer applies them.

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``conditional``, ``loss``, ``optimizer``,
        ``lr (G / D)``, ``Adam betas`` (empty for another optimiser),
        ``D steps per G step``, ``defaults from`` (the paper), ``recipe``
        (what the run changes, :func:`recipe_text`) and ``arithmetic`` (its
        Keras dtype policy, ``mixed_precision``).
    """
    from gan_study.models import DEFAULTS

    return pd.DataFrame(
        [
            {
                "model": c.model,
                "conditional": DEFAULTS[c.model]["conditional"],
                "loss": c.loss,
                "optimizer": c.optimizer,
                "lr (G / D)": f"{c.lr_g:g} / {c.lr_d:g}",
                "Adam betas": f"{c.beta_1:g}, {c.beta_2:g}" if c.optimizer == "adam" else "",
                "D steps per G step": c.n_critic,
                "defaults from": DEFAULTS[c.model]["reference"],
                "recipe": recipe_text(c),
                "arithmetic": c.mixed_precision,
            }
            for c in (config.resolved() for config in configs)
        ]
    )


def metric_table(
    summary: pd.DataFrame,
    floors: Mapping[str, tuple[float, float]],
    ladder: Iterable[tuple[str, float]],
    *,
    order: Sequence[str],
    names: Mapping[str, str] = METRIC_NAMES,
) -> pd.DataFrame:
    """Chapter 4's table of the distribution metrics: each model's mean, the floor and the ladder.

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`summarize` of the tidy metrics (columns ``model``, ``metric``, ``mean``).
    floors : mapping
        :func:`floors`: metric key -> ``(mean, spread)`` of its real-versus-real reference.
    ladder : iterable of (str, float)
        The corruption ladder's held-out FD: ``(label, mean FD)`` per corruption.
    order : sequence of str
        The models, in the order of the rows.
    names : mapping of str to str, default :data:`METRIC_NAMES`
        Metric key -> column name; the table has these columns, in this order.

    Returns
    -------
    pandas.DataFrame
        One row per model (its mean over seeds), then ``real vs real (floor)``
        and one row per rung of the ladder (its FD only; the other columns NaN).
    """
    table = summary.assign(metric=summary["metric"].map(names))
    table = table.pivot(index="model", columns="metric", values="mean").loc[list(order)]
    table.loc["real vs real (floor)"] = {names[k]: v[0] for k, v in floors.items() if k in names}
    for label, value in ladder:
        table.loc[label, names["fd.value"]] = value
    return table[list(names.values())]
