"""Curves over training: losses and discriminator outputs per step, learning curves, probes.

How a run moved while it trained (:func:`training_curves`,
:func:`history_overlay`), how its FD and class agreement moved over its
snapshots (:func:`learning_curves`), and chapter 5's experiments
(:func:`gradient_probe`, :func:`collapse_comparison`, :func:`metric_heatmap`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from gan_study.plots.style import (
    LOG_SPAN,
    class_colours,
    reference_lines,
)
from gan_study.verdicts import AGREEMENT_TARGET

_HISTORY_PANELS = (
    ("losses", (("d_loss", "D loss"), ("g_loss", "G loss"), ("gp", "gradient penalty"))),
    ("D outputs", (("d_real", "D(x), real"), ("d_fake", "D(G(z)), generated"))),
    ("gradient norms", (("grad_norm_d", "D"), ("grad_norm_g", "G"))),
)


def smoothing_window(n: int) -> int:
    """Moving-average window for a curve of ``n`` points: about 1/20 of it, odd, at least 1.

    Used by :func:`training_curves` and :func:`history_overlay`, so that a
    caption can state the window it was drawn with.
    """
    window = max(1, n // 20)
    return window + 1 - window % 2


def _step_axis(history: pd.DataFrame) -> str:
    """``"step"`` for a per-step log (``steps.csv``), ``"epoch"`` for ``history.csv``."""
    return "step" if "step" in history.columns else "epoch"


def _plot_curve(ax, x, y, label, *, marker=None):
    """Draw ``y`` against ``x``: a per-step series faint with its moving average on top.

    NaN points (e.g. the generator norm on critic-only steps) are dropped first.
    """
    keep = np.isfinite(y)
    x, y = np.asarray(x)[keep], np.asarray(y)[keep]
    window = smoothing_window(len(y))
    if window == 1:
        return ax.plot(x, y, marker=marker, ms=3, label=label)[0]
    raw = ax.plot(x, y, lw=0.6, alpha=0.3)[0]
    smooth = pd.Series(y).rolling(window, center=True, min_periods=1).mean().to_numpy()
    return ax.plot(x, smooth, color=raw.get_color(), lw=1.5, label=label)[0]


def training_curves(histories, *, probability_models=()):
    """Training curves of several runs: one row per run, three panels each.

    Panels: the losses (with the gradient penalty where it is not zero), the
    mean discriminator outputs on real and generated batches, and the global
    gradient norms of D and G (log scale where they span more than a factor
    :data:`LOG_SPAN`).
    A per-step log (``steps.csv``) is drawn faintly step by step, with a
    centred moving average of :func:`smoothing_window` steps on top; a
    per-epoch log (``history.csv``) as points joined by lines.

    Parameters
    ----------
    histories : mapping of str to pandas.DataFrame
        Run label -> its log: :func:`gan_study.training.load_steps` (columns
        :data:`gan_study.training.STEP_COLUMNS`) or
        :func:`gan_study.training.load_history`.
    probability_models : collection of str
        Labels whose D outputs are probabilities (drawn on a 0-1 axis with the
        0.5 line of a discriminator that cannot tell); the others are critic
        scores or logits on a free axis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    histories = dict(histories)
    if not histories:
        raise ValueError("training_curves() needs at least one history")
    fig, axes = plt.subplots(
        len(histories), 3, figsize=(11, 2.5 * len(histories) + 0.3), squeeze=False
    )
    for r, (label, history) in enumerate(histories.items()):
        missing = {c for _, cols in _HISTORY_PANELS for c, _ in cols} - set(history.columns)
        if missing:
            raise ValueError(f"history of {label!r} lacks column(s) {sorted(missing)}")
        xname = _step_axis(history)
        x = history[xname].to_numpy()
        marker = "o" if len(x) < 15 else None
        for c, (panel, columns) in enumerate(_HISTORY_PANELS):
            ax = axes[r, c]
            for column, name in columns:
                y = history[column].to_numpy(dtype=float)
                if column == "gp" and not np.any(np.nan_to_num(y)):
                    continue
                _plot_curve(ax, x, y, name, marker=marker)
            if panel == "D outputs" and label in probability_models:
                ax.axhline(0.5, color="0.5", lw=0.8, ls="--")
                ax.set_ylim(0, 1)
            norms = history[["grad_norm_d", "grad_norm_g"]].to_numpy(dtype=float)
            norms = norms[np.isfinite(norms) & (norms > 0)]
            if panel == "gradient norms" and norms.size and norms.max() / norms.min() > LOG_SPAN:
                ax.set_yscale("log")  # only where the norms span more than a decade or so
            ax.set_title(f"{label}: {panel}", fontsize="small")
            ax.legend(fontsize="x-small")
            if r == len(histories) - 1:
                ax.set_xlabel(xname)
            if len(x) <= 12:
                ax.set_xticks(x)
            else:
                ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=5, integer=True))
    fig.tight_layout()
    return fig


def learning_curves(curves, *, references=None, accuracy=None, target=None, order=None):
    """FD against discriminator updates for every model; class agreement beside it.

    Left: the FD of each snapshot (thin lines, one per seed; thick line with
    markers, the mean over seeds) on a logarithmic axis, with the
    real-versus-real floor (dashed) and further references (dotted). Right,
    when some model is conditional: its balanced class agreement against the
    same updates, with the classifier's balanced accuracy on real images
    (dashed) and ``target`` times it (dotted).

    Parameters
    ----------
    curves : pandas.DataFrame
        :func:`gan_study.study.learning_curves`' table.
    references : sequence of (str, float), optional
        Further FD references, e.g. ``[("blur 1 px", 11.6)]``.
    accuracy : float, optional
        The classifier's balanced accuracy on real test images.
    target : float, optional
        The share of ``accuracy`` drawn as the target line (default
        :data:`gan_study.verdicts.AGREEMENT_TARGET`).
    order : sequence of str, optional
        Models in legend order (default: order of appearance).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if curves.empty:
        raise ValueError("learning_curves() got no snapshots to draw")
    if target is None:
        target = AGREEMENT_TARGET
    order = list(order) if order is not None else list(dict.fromkeys(curves["model"]))
    colours = dict(zip(order, class_colours(len(order)), strict=True))
    conditional = curves.dropna(subset=["agreement"])
    ncols = 2 if not conditional.empty else 1
    fig, axes = plt.subplots(1, ncols, figsize=(4.6 * ncols, 3.5), squeeze=False)
    panels = [(axes[0, 0], curves, "fd")]
    if ncols == 2:
        panels.append((axes[0, 1], conditional, "agreement"))
    for ax, frame, column in panels:
        for model in order:
            sub = frame[frame["model"] == model]
            if sub.empty:
                continue
            for _, run in sub.groupby("seed"):
                run = run.sort_values("d_updates")
                ax.plot(run["d_updates"], run[column], color=colours[model], lw=0.7, alpha=0.45)
            mean = sub.groupby("d_updates")[column].mean()
            ax.plot(
                mean.index, mean.to_numpy(), "o-", color=colours[model], lw=1.8, ms=3.5, label=model
            )
        ax.set_xlabel("discriminator updates")
    ax_fd = axes[0, 0]
    ax_fd.set_yscale("log")
    ax_fd.axhline(float(curves["floor"].mean()), color="0.35", ls="--", lw=1, label="real vs real")
    reference_lines(ax_fd, references or ())
    ax_fd.set_ylabel("FD (lower is better)")
    ax_fd.legend(fontsize="x-small", loc="best")
    if ncols == 2:
        ax = axes[0, 1]
        if accuracy is not None:
            ax.axhline(accuracy, color="0.35", ls="--", lw=1, label="balanced accuracy, real")
            ax.axhline(target * accuracy, color="0.35", ls=":", lw=1.2, label=f"{target:g} x that")
        ax.set_ylim(0, 1)
        ax.set_ylabel("balanced class agreement")
        ax.legend(fontsize="x-small", loc="lower right")
    fig.tight_layout()
    return fig


def gradient_probe(probes: Mapping[str, pd.DataFrame]) -> matplotlib.figure.Figure:
    """Discriminator outputs and generator gradient norms during a probe.

    Parameters
    ----------
    probes : mapping of str to pandas.DataFrame
        Label -> the table of :func:`gan_study.problems.discriminator_sharpening_probe`.

    Returns
    -------
    matplotlib.figure.Figure
        Left: mean ``D(x)`` (solid) and ``D(G(z))`` (dotted) per discriminator update.
        Right: generator gradient norms, minimax (solid) and non-saturating (dashed),
        on a log scale. One colour per probe.
    """
    fig, (ax_d, ax_g) = plt.subplots(1, 2, figsize=(10, 3.8))
    colours = class_colours(max(len(probes), 3))
    for colour, (label, p) in zip(colours, probes.items(), strict=False):
        ax_d.plot(p.step, p.d_real, color=colour, label=f"{label}: D(x)")
        ax_d.plot(p.step, p.d_fake, color=colour, ls=":", label=f"{label}: D(G(z))")
        ax_g.plot(p.step, p.grad_norm_minimax, color=colour, label=f"{label}: minimax")
        ax_g.plot(
            p.step,
            p.grad_norm_nonsaturating,
            color=colour,
            ls="--",
            label=f"{label}: non-saturating",
        )
    ax_d.set(xlabel="discriminator updates", ylabel="mean discriminator output", ylim=(-0.02, 1.02))
    ax_g.set(xlabel="discriminator updates", ylabel="generator gradient norm", yscale="log")
    ax_d.legend(fontsize="x-small")
    ax_g.legend(fontsize="x-small")
    fig.tight_layout()
    return fig


def history_overlay(
    histories: Mapping[str, pd.DataFrame],
    columns: Sequence[str],
    *,
    x: str | None = None,
) -> matplotlib.figure.Figure:
    """One panel per logged quantity, one line per run.

    Parameters
    ----------
    histories : mapping of str to pandas.DataFrame
        Run label -> its log (:func:`gan_study.training.load_steps` or
        :func:`gan_study.training.load_history`).
    columns : sequence of str
        Columns to plot, one panel each (e.g. ``d_loss``, ``grad_norm_g``).
    x : str, optional
        Column on the horizontal axis; default ``"step"`` for per-step logs
        (drawn faintly with a moving average of :func:`smoothing_window`
        steps on top) and ``"epoch"`` for per-epoch ones.

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = {
        "d_loss": "discriminator loss",
        "g_loss": "generator loss",
        "d_real": "mean D(x)",
        "d_fake": "mean D(G(z))",
        "grad_norm_g": "generator gradient norm",
        "grad_norm_d": "discriminator gradient norm",
    }
    fig, axes = plt.subplots(1, len(columns), figsize=(3.3 * len(columns), 3.2), squeeze=False)
    for ax, col in zip(axes[0], columns, strict=True):
        xname = x
        for label, h in histories.items():
            xname = x or _step_axis(h)
            _plot_curve(ax, h[xname], h[col].to_numpy(dtype=float), label, marker="o")
        ax.set(xlabel=xname, title=names.get(col, col))
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=4, integer=True))
    axes[0, -1].legend(fontsize="x-small")
    fig.tight_layout()
    return fig


def collapse_comparison(scores: pd.DataFrame) -> matplotlib.figure.Figure:
    """Diversity, precision/recall and predicted-class spread of several runs.

    Parameters
    ----------
    scores : pandas.DataFrame
        One row per run (index: its label) with the columns of
        :func:`gan_study.collapse.collapse_scores`.

    Returns
    -------
    matplotlib.figure.Figure
        Three panels: mean pairwise SSIM (dashed line: real images); precision,
        recall and coverage; effective number of predicted classes.
    """
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    labels = [str(i) for i in scores.index]
    pos = np.arange(len(labels))
    colours = class_colours(max(len(labels), 3))[: len(labels)]
    axes[0].bar(pos, scores.ssim_fake, color=colours)
    axes[0].axhline(float(scores.ssim_real.iloc[0]), color="k", ls="--", lw=1, label="real images")
    axes[0].set(title="mean pairwise SSIM (lower = more diverse)", ylim=(0, 1))
    axes[0].legend(fontsize="x-small")
    w = 0.27
    for i, (name, grey) in enumerate(
        (("precision", "#bbbbbb"), ("recall", "#777777"), ("coverage", "#333333"))
    ):
        axes[1].bar(pos + (i - 1) * w, scores[name], w, label=name, color=grey)
    axes[1].set(title="precision, recall, coverage", ylim=(0, 1))
    axes[1].legend(fontsize="x-small")
    axes[2].bar(pos, scores.effective_classes, color=colours)
    axes[2].set(title="effective number of predicted classes", ylim=(0, 7.2))
    for ax in axes:
        ax.set_xticks(pos, labels, rotation=15, ha="right", fontsize="small")
    fig.tight_layout()
    return fig


def metric_heatmap(
    table: pd.DataFrame, *, label: str, fmt: str = ".1f", cmap: str = "viridis_r"
) -> matplotlib.figure.Figure:
    """A heat map of a metric over a two-way grid, each cell annotated.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows and columns are the two grid parameters (their ``name`` labels the axes).
    label : str
        Name of the metric (colour-bar label).
    fmt : str, default ".1f"
        Format of the cell annotations.
    cmap : str, default "viridis_r"
        Colour map (reversed: dark is low).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(1.4 * table.shape[1] + 2.5, 0.8 * table.shape[0] + 1.6))
    shown = table.copy()
    shown.index = [f"{v:g}" if isinstance(v, float) else str(v) for v in shown.index]
    sns.heatmap(shown, annot=True, fmt=fmt, cmap=cmap, cbar_kws={"label": label}, ax=ax)
    ax.set(xlabel=table.columns.name or "", ylabel=table.index.name or "")
    fig.tight_layout()
    return fig
