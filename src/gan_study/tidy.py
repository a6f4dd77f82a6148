"""Tidy tables of the study's metrics: one row per (model, seed, metric), and the tables built from it.

The evaluation writes one nested ``metrics.json`` per run. The training and
evaluation chapters compare models over seeds, so :func:`tidy_metrics` flattens
every run's results into one long table (:data:`TIDY_COLUMNS`),
:func:`summarize` reduces it to mean, spread and count per model and metric, and
the other functions shape it (with each metric's real-versus-real floor,
:data:`FLOOR_KEYS`) into the tables the chapters show. Pure pandas: nothing here
trains, evaluates or draws.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from gan_study.metrics import rgb_stats
from gan_study.verdicts import recipe_text

TIDY_COLUMNS = ("model", "seed", "metric", "value", "note")


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
    names = tuple(class_names)
    frames = [rgb_stats(real_images, real_labels, names).assign(source="real")]
    for source, (images, labels) in generated.items():
        frames.append(rgb_stats(images, labels, names).assign(source=source))
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


def ladder_table(ladder: Mapping) -> pd.DataFrame:
    """The corruption ladder as a table: the floor, then each rung with its held-out FD.

    Parameters
    ----------
    ladder : mapping
        :func:`gan_study.ladder.corruption_references`'s result.

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


def class_memorisation(
    results: Mapping, runs: pd.DataFrame, model: str, space: str
) -> pd.DataFrame:
    """A model's per-class copying proxies, averaged over its seeds.

    Parameters
    ----------
    results : mapping
        Run directory -> ``metrics.json`` (:func:`gan_study.grid.evaluate_grid`).
    runs : pandas.DataFrame
        :func:`gan_study.grid.train_grid`'s table.
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
