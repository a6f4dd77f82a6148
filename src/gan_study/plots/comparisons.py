"""Figures that compare models, or arms, against their references.

Metrics per model beside their real-versus-real floors
(:func:`metric_comparison`), the distance distributions and nearest pairs of
the memorisation proxies, colour and class agreement against the real
images, and chapter 6's arms with their intervals (:func:`interval_plot`,
:func:`per_class_recall`, :func:`scarce_data_curve`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from gan_study.plots.style import (
    CHANNEL_COLOURS,
    class_colours,
    reference_lines,
)


def metric_comparison(tidy, metrics, *, floors=None, references=None, order=None, ncols: int = 3):
    """Compare models on several metrics over seeds, with the real-versus-real floor.

    Each panel is one metric: a small dot per seed, the mean with a bar of
    ± one sample standard deviation over seeds (no bar for a single seed),
    and, where given, the real-versus-real reference drawn as a shaded band
    (its mean ± spread) with a dashed line at its mean.

    Parameters
    ----------
    tidy : pandas.DataFrame
        Columns ``model``, ``seed``, ``metric``, ``value``
        (:func:`gan_study.study.tidy_metrics`).
    metrics : mapping of str to str
        Metric key -> panel title (with its direction, e.g. "FD (lower is better)").
    floors : mapping of str to (float, float), optional
        Metric key -> (mean, spread) of the real-versus-real reference.
    references : mapping of str to sequence of (str, float), optional
        Metric key -> further reference values, each drawn as a dotted line
        with its label (for example FD of real images blurred by 1 px).
    order : sequence of str, optional
        Models in plotting order (default: order of appearance).
    ncols : int
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    metrics = dict(metrics)
    floors = dict(floors or {})
    references = dict(references or {})
    if not metrics:
        raise ValueError("metric_comparison() needs at least one metric")
    absent = [m for m in metrics if m not in set(tidy["metric"])]
    if absent:
        raise ValueError(
            f"no values for metric(s) {absent}; available: {sorted(set(tidy['metric']))}"
        )
    order = list(order) if order is not None else list(dict.fromkeys(tidy["model"]))
    colours = dict(zip(order, class_colours(len(order)), strict=True))
    ncols = min(ncols, len(metrics))
    nrows = -(-len(metrics) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.7 * ncols, 3.1 * nrows), squeeze=False)
    for ax, (metric, title) in zip(axes.flat, metrics.items(), strict=False):
        sub = tidy[tidy["metric"] == metric]
        for i, model in enumerate(order):
            values = sub.loc[sub["model"] == model, "value"].to_numpy(dtype=float)
            if values.size == 0:
                continue
            jitter = np.linspace(-0.12, 0.12, values.size) if values.size > 1 else np.zeros(1)
            ax.scatter(i + jitter, values, s=12, color=colours[model], alpha=0.6, zorder=3)
            spread = values.std(ddof=1) if values.size > 1 else None
            ax.errorbar(
                i + 0.28,
                values.mean(),
                yerr=spread,
                fmt="D",
                ms=5,
                color="black",
                capsize=3,
                zorder=4,
            )
        if metric in floors:
            mean, spread = floors[metric]
            spread = 0.0 if spread is None or not np.isfinite(spread) else spread
            ax.axhspan(mean - spread, mean + spread, color="0.8", alpha=0.6, zorder=1, lw=0)
            ax.axhline(mean, color="0.35", ls="--", lw=1, zorder=2, label="real vs real")
        reference_lines(ax, references.get(metric, ()))
        if metric in floors or references.get(metric):
            ax.legend(fontsize="x-small", loc="best")
        ax.set_xticks(range(len(order)), order, rotation=20, fontsize="small")
        ax.set_xlim(-0.6, len(order) - 0.3)
        ax.set_title(title, fontsize="small")
    for ax in list(axes.flat)[len(metrics) :]:
        ax.set_axis_off()
    fig.tight_layout()
    return fig


def nearest_pairs(pairs, *, cell_inches: float = 0.95):
    """The closest generated-training pairs of each model: generated above, training below.

    Parameters
    ----------
    pairs : mapping of str to (numpy.ndarray, numpy.ndarray, sequence of float)
        Model -> (generated images (k, S, S, 3) uint8, their nearest training
        images (k, S, S, 3) uint8, the k distances).

    Returns
    -------
    matplotlib.figure.Figure
    """
    pairs = dict(pairs)
    if not pairs:
        raise ValueError("nearest_pairs() needs at least one model")
    k = max(len(p[0]) for p in pairs.values())
    fig, axes = plt.subplots(
        2 * len(pairs),
        k,
        figsize=(k * cell_inches + 1.4, 2 * len(pairs) * cell_inches + 0.5),
        squeeze=False,
    )
    for m, (model, (fake, real, dist)) in enumerate(pairs.items()):
        for j in range(k):
            top, bottom = axes[2 * m, j], axes[2 * m + 1, j]
            for ax in (top, bottom):
                ax.set_xticks([])
                ax.set_yticks([])
            if j >= len(fake):
                top.set_axis_off()
                bottom.set_axis_off()
                continue
            top.imshow(fake[j], interpolation="nearest")
            bottom.imshow(real[j], interpolation="nearest")
            top.set_title(f"{dist[j]:.2f}", fontsize="x-small")
        axes[2 * m, 0].set_ylabel(
            f"{model}\ngenerated", rotation=0, ha="right", va="center", fontsize="small"
        )
        axes[2 * m + 1, 0].set_ylabel(
            "nearest\ntraining", rotation=0, ha="right", va="center", fontsize="small"
        )
    fig.subplots_adjust(wspace=0.05, hspace=0.45)
    return fig


def distance_distributions(distances, reference, *, reference_label="held-out real", xlabel=""):
    """Nearest-training-neighbour distances of each model against held-out real images.

    One panel per model: the histogram (density) of the model's distances
    and, as a line, that of the reference (real images the GAN never saw).
    A model copying its training set has its mass left of the reference.

    Parameters
    ----------
    distances : mapping of str to numpy.ndarray
        Model -> distances of its generated images to their nearest training image.
    reference : numpy.ndarray
        The same distances for held-out real images.
    reference_label : str
    xlabel : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    distances = dict(distances)
    if not distances:
        raise ValueError("distance_distributions() needs at least one model")
    reference = np.asarray(reference, dtype=float)
    everything = np.concatenate([reference, *[np.asarray(d, float) for d in distances.values()]])
    bins = np.linspace(0.0, np.quantile(everything, 0.995) * 1.02, 41)
    colours = class_colours(len(distances))
    fig, axes = plt.subplots(
        1,
        len(distances),
        figsize=(3.2 * len(distances), 2.9),
        sharex=True,
        sharey=True,
        squeeze=False,
    )
    for ax, colour, (model, d) in zip(axes[0], colours, distances.items(), strict=True):
        ax.hist(
            np.asarray(d, float),
            bins=bins,
            density=True,
            color=colour,
            alpha=0.7,
            label=f"{model} (median {np.median(d):.2f})",
        )
        ax.hist(
            reference,
            bins=bins,
            density=True,
            histtype="step",
            color="black",
            lw=1.2,
            label=f"{reference_label} (median {np.median(reference):.2f})",
        )
        ax.set_title(model, fontsize="small")
        ax.legend(fontsize="xx-small", loc="upper right")
    axes[0, 0].set_ylabel("density")
    if xlabel:
        fig.supxlabel(xlabel, fontsize="small")
    fig.tight_layout()
    return fig


def rgb_comparison(table, *, order=None):
    """Mean of each RGB channel per group, real against synthetic sources.

    Parameters
    ----------
    table : pandas.DataFrame
        Long format with columns ``source`` (e.g. "real", "dcgan"), ``group``
        (class name or "all"), ``channel`` (R, G, B), ``mean`` and
        ``image_mean_std`` (spread of the per-image channel means, drawn as
        the bar), as :func:`gan_study.metrics.rgb_stats` gives plus ``source``.
    order : sequence of str, optional
        Groups in plotting order.

    Returns
    -------
    matplotlib.figure.Figure
    """
    sources = list(dict.fromkeys(table["source"]))
    groups = list(order) if order is not None else list(dict.fromkeys(table["group"]))
    markers = dict(zip(sources, "osD^v<>P", strict=False))
    colours = dict(zip(sources, ["black", *class_colours(max(1, len(sources) - 1))], strict=False))
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), sharey=True)
    width = 0.7 / max(1, len(sources))
    for ax, channel, shade in zip(axes, "RGB", CHANNEL_COLOURS, strict=True):
        sub = table[table["channel"] == channel]
        for s, source in enumerate(sources):
            rows = sub[sub["source"] == source].set_index("group").reindex(groups)
            x = np.arange(len(groups)) + (s - (len(sources) - 1) / 2) * width
            ax.errorbar(
                x,
                rows["mean"],
                yerr=rows["image_mean_std"],
                fmt=markers[source],
                color=colours[source],
                ms=4,
                capsize=2,
                lw=0.8,
                label=source,
            )
        ax.set_xticks(range(len(groups)), groups, fontsize="small")
        ax.set_title(f"{channel} channel", color=shade, fontsize="small")
        ax.set_ylim(0, 1)
    axes[0].set_ylabel("mean value (0-1)")
    axes[-1].legend(fontsize="x-small", loc="lower right")
    fig.tight_layout()
    return fig


def class_agreement(table):
    """Share of conditional samples classified as their class, beside the real recall.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`gan_study.metrics.class_agreement` output (``class``,
        ``agreement``, ``real_recall``, ``n_fake``, ``n_real``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    x = np.arange(len(table))
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    ax.bar(x - 0.2, table["real_recall"], 0.4, color="0.6", label="classifier recall, real images")
    ax.bar(x + 0.2, table["agreement"], 0.4, color="#4c72b0", label="agreement, generated images")
    labels = [
        f"{c}\n(n={r:,}/{f:,})"
        for c, r, f in zip(table["class"], table["n_real"], table["n_fake"], strict=True)
    ]
    ax.set_xticks(x, labels, fontsize="x-small")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share predicted as the class")
    ax.legend(fontsize="x-small", loc="upper left")
    fig.tight_layout()
    return fig


def interval_plot(
    summary: pd.DataFrame,
    *,
    order: Sequence[str],
    labels: Mapping[str, str] | None = None,
    baseline: Mapping[str, float] | None = None,
    points: pd.DataFrame | None = None,
) -> matplotlib.figure.Figure:
    """Mean and confidence interval of each score for each arm (one panel per score).

    Parameters
    ----------
    summary : pandas.DataFrame
        Rows of :func:`gan_study.augmentation.summarize_arms` (``arm``, ``score``,
        ``mean``, ``low``, ``high``).
    order : sequence of str
        Arms from top to bottom.
    labels : mapping, optional
        Arm -> display label.
    baseline : mapping, optional
        Score -> value of the majority-class baseline (dashed line).
    points : pandas.DataFrame, optional
        Per-seed results (``arm`` and the score columns), drawn as small dots.

    Returns
    -------
    matplotlib.figure.Figure
    """
    scores = list(dict.fromkeys(summary.score))
    fig, axes = plt.subplots(
        1,
        len(scores),
        figsize=(4.6 * len(scores), 0.55 * len(order) + 1.4),
        sharey=True,
        squeeze=False,
    )
    ypos = {arm: i for i, arm in enumerate(order)}
    for ax, score in zip(axes[0], scores, strict=True):
        rows = summary[summary.score == score].set_index("arm")
        for arm in order:
            if arm not in rows.index:
                continue
            r = rows.loc[arm]
            y = ypos[arm]
            if np.isfinite(r.low) and np.isfinite(r.high):
                ax.plot([r.low, r.high], [y, y], color="k", lw=2)
            ax.plot(r["mean"], y, "o", color="k", ms=7)
            if points is not None:
                vals = points.loc[points.arm == arm, score]
                ax.plot(vals, np.full(len(vals), y + 0.18), ".", color="#888888", ms=5)
        if baseline is not None and score in baseline:
            ax.axvline(baseline[score], color="#c44e52", ls="--", lw=1, label="majority class")
            ax.legend(fontsize="x-small", loc="lower right")
        ax.set(xlabel=score.replace("_", " "))
    axes[0, 0].set_yticks(range(len(order)), [labels.get(a, a) if labels else a for a in order])
    axes[0, 0].invert_yaxis()
    fig.tight_layout()
    return fig


def per_class_recall(
    results: pd.DataFrame,
    class_names: Sequence[str],
    *,
    order: Sequence[str],
    labels: Mapping[str, str] | None = None,
) -> matplotlib.figure.Figure:
    """Grouped bars of per-class recall by arm (mean over seeds, min-max whiskers).

    Parameters
    ----------
    results : pandas.DataFrame
        Per-seed rows with ``arm`` and ``recall_<class>`` columns.
    class_names : sequence of str
    order : sequence of str
        Arms, in bar order within each class.
    labels : mapping, optional
        Arm -> display label.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(10, 3.6))
    k = len(order)
    w = 0.8 / k
    x = np.arange(len(class_names))
    for i, arm in enumerate(order):
        sub = results[results.arm == arm]
        if sub.empty:
            continue
        cols = [f"recall_{c}" for c in class_names]
        mean = sub[cols].mean().to_numpy()
        lo = mean - sub[cols].min().to_numpy()
        hi = sub[cols].max().to_numpy() - mean
        ax.bar(
            x + (i - (k - 1) / 2) * w,
            mean,
            w,
            yerr=[lo, hi],
            capsize=2,
            label=labels.get(arm, arm) if labels else arm,
        )
    ax.set_xticks(x, class_names)
    ax.set(ylabel="recall on the test split", ylim=(0, 1.05))
    ax.legend(fontsize="x-small", ncols=2)
    fig.tight_layout()
    return fig


def scarce_data_curve(
    results: pd.DataFrame,
    *,
    order: Sequence[str],
    labels: Mapping[str, str] | None = None,
    score: str = "balanced_accuracy",
) -> matplotlib.figure.Figure:
    """A score against the number of real training images, one line per arm.

    Parameters
    ----------
    results : pandas.DataFrame
        Per-seed rows with ``arm``, ``n_real`` and ``score``
        (:func:`gan_study.scarce_data.curve`).
    order : sequence of str
        Arms, in legend order; arms absent from ``results`` are skipped.
    labels : mapping, optional
        Arm -> display label.
    score : str, default "balanced_accuracy"

    Returns
    -------
    matplotlib.figure.Figure
        Mean over seeds with a bar of one sample standard deviation (none for one seed),
        on a logarithmic axis of real images.
    """
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for arm in order:
        sub = results[results.arm == arm]
        if sub.empty:
            continue
        stats = sub.groupby("n_real")[score].agg(["mean", "std", "count"])
        spread = stats["std"].where(stats["count"] > 1, 0.0)
        ax.errorbar(
            stats.index,
            stats["mean"],
            yerr=spread,
            marker="o",
            capsize=3,
            label=labels.get(arm, arm) if labels else arm,
        )
    ax.set_xscale("log")
    ax.set(xlabel="real training images", ylabel=score.replace("_", " ") + " on the test split")
    ax.legend(fontsize="x-small")
    fig.tight_layout()
    return fig
