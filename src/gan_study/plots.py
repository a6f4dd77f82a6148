"""Figure helpers with one consistent style for every chapter of the book.

Every helper returns a :class:`matplotlib.figure.Figure` and computes nothing
beyond simple counts and means of what it is given. A chapter hands a figure
to the book with :func:`gan_study.book.glue_figure` and a ``{glue:figure}``
directive that carries its caption and alt text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

#: One colour per class (DermaMNIST label order), used by every class figure.
CLASS_PALETTE = "colorblind"
CHANNEL_COLOURS = ("#d62728", "#2ca02c", "#1f77b4")
#: :func:`training_curves` draws gradient norms on a log axis when their
#: largest value is more than this many times their smallest.
LOG_SPAN = 20


def set_style(dpi: int = 110) -> None:
    """Apply the book's figure style (seaborn ``whitegrid``, readable font sizes)."""
    import seaborn as sns

    sns.set_theme(context="notebook", style="whitegrid", palette=CLASS_PALETTE)
    plt.rcParams.update(
        {
            "figure.dpi": dpi,
            "savefig.dpi": dpi,
            "savefig.bbox": "tight",
            "axes.titlesize": "medium",
            "figure.autolayout": False,
        }
    )


def class_colours(n: int) -> list:
    """``n`` colours of the class palette."""
    import seaborn as sns

    return sns.color_palette(CLASS_PALETTE, n)


# ------------------------------------------------------------------ images
def image_grid(
    images: np.ndarray,
    ncols: int,
    *,
    row_labels: Sequence[str] | None = None,
    titles: Sequence[str] | None = None,
    cell_inches: float = 0.9,
) -> matplotlib.figure.Figure:
    """Show uint8 images (N, S, S, 3) in a grid of ``ncols`` columns.

    Parameters
    ----------
    images : numpy.ndarray
        ``uint8`` images, shape ``(N, S, S, 3)``; shown at their own pixels
        (nearest-neighbour, no smoothing).
    ncols : int
        Images per row; ``N`` need not be a multiple (the rest stays blank).
    row_labels : sequence of str, optional
        A label left of each row (e.g. class names).
    titles : sequence of str, optional
        A title above each image.
    cell_inches : float
        Size of one image in inches.

    Returns
    -------
    matplotlib.figure.Figure
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images must be (N, S, S, 3), got shape {images.shape}")
    n = len(images)
    nrows = max(1, int(np.ceil(n / ncols)))
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(ncols * cell_inches + (1.0 if row_labels else 0), nrows * cell_inches),
        squeeze=False,
    )
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        if i < n:
            ax.imshow(images[i], interpolation="nearest")
            if titles is not None:
                ax.set_title(titles[i], fontsize="small")
        else:
            ax.axis("off")
    if row_labels is not None:
        for r, label in enumerate(row_labels[:nrows]):
            axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize="medium")
    fig.subplots_adjust(wspace=0.05, hspace=0.05 if titles is None else 0.35)
    return fig


def class_image_grid(
    images: np.ndarray,
    labels: np.ndarray,
    class_names: Sequence[str],
    per_class: int,
    seed: int = 0,
) -> matplotlib.figure.Figure:
    """A row of ``per_class`` randomly chosen images for each class (Fig. 5 of the report)."""
    rng = np.random.default_rng(seed)
    rows, row_labels = [], []
    for k, name in enumerate(class_names):
        idx = np.flatnonzero(labels == k)
        if len(idx) == 0:
            continue
        pick = rng.choice(idx, size=min(per_class, len(idx)), replace=False)
        row = np.zeros((per_class, *images.shape[1:]), dtype=images.dtype) + 255
        row[: len(pick)] = images[np.sort(pick)]
        rows.append(row)
        row_labels.append(f"{name} ({len(idx):,})")
    return image_grid(np.concatenate(rows), per_class, row_labels=row_labels)


# ---------------------------------------------------------------- classes
def class_counts(counts: pd.Series, title: str | None = None) -> matplotlib.figure.Figure:
    """Horizontal bars of images per class, annotated with count and share (Fig. 7)."""
    total = counts.sum()
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(counts) + 1))
    ax.barh(counts.index.astype(str), counts.to_numpy(), color=class_colours(len(counts)))
    ax.invert_yaxis()
    for y, v in enumerate(counts.to_numpy()):
        ax.text(v, y, f"  {v:,} ({v / total:.1%})", va="center", fontsize="small")
    ax.set_xlim(0, counts.max() * 1.3)
    ax.set_xlabel("images")
    if title:
        ax.set_title(title)
    return fig


def rgb_by_class(
    images: np.ndarray, labels: np.ndarray, class_names: Sequence[str]
) -> matplotlib.figure.Figure:
    """Per-class mean of each RGB channel (left) and channel value distributions (right).

    Means are over all pixels of all images of a class, on a 0-1 scale
    (Fig. 10 of the report, with the numbers shown).
    """
    x = np.asarray(images, dtype=np.float32) / 255.0
    present = [k for k in range(len(class_names)) if np.any(labels == k)]
    means = np.array([x[labels == k].mean(axis=(0, 1, 2)) for k in present])
    names = [class_names[k] for k in present]
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [1.1, 1]})
    width = 0.27
    pos = np.arange(len(present))
    for c, (channel, colour) in enumerate(zip("RGB", CHANNEL_COLOURS, strict=True)):
        ax0.bar(pos + (c - 1) * width, means[:, c], width, color=colour, label=channel)
    ax0.set_xticks(pos, names)
    ax0.set_ylim(0, 1)
    ax0.set_ylabel("mean value (0-1)")
    ax0.set_title("mean of each channel, per class")
    ax0.legend(ncol=3, loc="upper right", fontsize="small")
    bins = np.linspace(0, 1, 52)
    for c, (channel, colour) in enumerate(zip("RGB", CHANNEL_COLOURS, strict=True)):
        hist, _ = np.histogram(x[..., c], bins=bins, density=True)
        ax1.plot((bins[:-1] + bins[1:]) / 2, hist, color=colour, label=channel)
    ax1.set_xlabel("pixel value (0-1), all classes")
    ax1.set_ylabel("density")
    ax1.set_title("distribution of each channel")
    ax1.legend(fontsize="small")
    fig.tight_layout()
    return fig


def class_rgb_table(
    images: np.ndarray, labels: np.ndarray, class_names: Sequence[str]
) -> pd.DataFrame:
    """Per-class mean and standard deviation of R, G and B on a 0-1 scale."""
    x = np.asarray(images, dtype=np.float32) / 255.0
    rows = {}
    for k, name in enumerate(class_names):
        sel = x[labels == k]
        if len(sel) == 0:
            continue
        m, s = sel.mean(axis=(0, 1, 2)), sel.std(axis=(0, 1, 2))
        rows[name] = {
            "R mean": m[0],
            "G mean": m[1],
            "B mean": m[2],
            "R sd": s[0],
            "G sd": s[1],
            "B sd": s[2],
        }
    return pd.DataFrame.from_dict(rows, orient="index").round(3)


# --------------------------------------------------------------- metadata
def metadata_by_class(meta: pd.DataFrame, class_names: Sequence[str]) -> matplotlib.figure.Figure:
    """Four panels: age per class, and the shares of sex, dx_type and localization per class."""
    import seaborn as sns

    order = [c for c in class_names if c in set(meta["dx"])]
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5))
    sns.boxplot(
        data=meta,
        x="dx",
        y="age",
        order=order,
        ax=axes[0, 0],
        hue="dx",
        hue_order=order,
        palette=CLASS_PALETTE,
        legend=False,
        fliersize=2,
    )
    axes[0, 0].set_title("age (years) per class")
    axes[0, 0].set_xlabel("")
    for ax, col in ((axes[0, 1], "sex"), (axes[1, 0], "dx_type")):
        share = pd.crosstab(meta["dx"], meta[col].fillna("missing"), normalize="index").loc[order]
        share.plot.bar(stacked=True, ax=ax, width=0.8, colormap="tab20c", rot=0)
        ax.set_ylabel("share of the class's images")
        ax.set_xlabel("")
        ax.set_title(f"{col} per class")
        ax.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    loc = pd.crosstab(meta["localization"].fillna("missing"), meta["dx"], normalize="columns")
    loc = loc[order].loc[loc.sum(axis=1).sort_values(ascending=False).index]
    sns.heatmap(
        loc,
        ax=axes[1, 1],
        cmap="rocket_r",
        cbar_kws={"label": "share of class"},
        annot=False,
        linewidths=0.3,
    )
    axes[1, 1].set_title("body site (localization) per class")
    axes[1, 1].set_xlabel("")
    axes[1, 1].set_ylabel("")
    axes[1, 1].tick_params(axis="y", labelsize="x-small")
    fig.tight_layout()
    return fig


def images_per_lesion(meta: pd.DataFrame) -> matplotlib.figure.Figure:
    """Bars of how many lesions have 1, 2, ... images."""
    per = meta.groupby("lesion_id").size().value_counts().sort_index()
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.bar(per.index.astype(str), per.to_numpy(), color="#4c72b0")
    for x, v in zip(per.index.astype(str), per.to_numpy(), strict=True):
        ax.text(x, v, f"{v:,}", ha="center", va="bottom", fontsize="small")
    ax.set_yscale("log")
    ax.set_xlabel("images of the same lesion")
    ax.set_ylabel("lesions (log scale)")
    return fig


# --------------------------------------------------------------- literature
def timeline(variants: pd.DataFrame, *, width: float = 9.0) -> matplotlib.figure.Figure:
    """The GAN variants of Table II on a time line by publication year.

    ``variants`` needs the columns ``name``, ``year`` and ``family`` (one
    colour per family). Each variant gets its own row, oldest at the top, so
    labels never overlap.
    """
    df = variants.sort_values(["year", "name"]).reset_index(drop=True)
    families = list(dict.fromkeys(df["family"]))
    colours = dict(zip(families, class_colours(len(families)), strict=True))
    fig, ax = plt.subplots(figsize=(width, 0.32 * len(df) + 1.4))
    first = int(df["year"].min())
    for y, row in df.iterrows():
        ax.hlines(y, first - 0.5, row["year"], color="0.85", lw=1, zorder=1)
        ax.scatter([row["year"]], [y], s=55, color=colours[row["family"]], zorder=2)
        ax.annotate(
            row["name"],
            (row["year"], y),
            xytext=(8, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
        )
    years = list(range(first, int(df["year"].max()) + 1))
    ax.set_xticks(years)
    ax.set_xlim(first - 0.5, years[-1] + 1.6)
    ax.set_ylim(len(df) - 0.4, -0.6)
    ax.set_yticks([])
    ax.grid(axis="y", visible=False)
    handles = [plt.Line2D([], [], marker="o", ls="", color=colours[f], label=f) for f in families]
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize="small",
        title="kind",
        title_fontsize="small",
        frameon=False,
    )
    ax.set_xlabel("year of the peer-reviewed publication")
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def class_split_table(data, class_names: Sequence[str]) -> pd.DataFrame:
    """Images per class in each side of a :class:`~gan_study.data.LesionData` split."""
    table = pd.DataFrame(
        {s.name: np.bincount(s.labels, minlength=len(class_names)) for s in data.splits()},
        index=list(class_names),
    )
    table.loc["images"] = table.sum()
    table.loc["lesions"] = [s.meta["lesion_id"].nunique() for s in data.splits()]
    return table


# --- training and evaluation figures ------------------------------------------
# Figures of the training (03) and evaluation (04) chapters. Each takes plain
# tables or arrays (see gan_study.study for the tables) and returns a Figure.

_LAYER_COLOURS = {
    "input": "#d9d9d9",
    "dense": "#9ecae1",
    "conv": "#fdae6b",
    "norm": "#c7e9c0",
    "activation": "#fee391",
    "regularize": "#dadaeb",
    "shape": "#f2f2f2",
    "embedding": "#fcbba1",
}


def _layer_kind(layer_type: str) -> str:
    t = layer_type.lower()
    if t == "inputlayer":
        return "input"
    if "embedding" in t:
        return "embedding"
    if "conv" in t:
        return "conv"
    if "dense" in t:
        return "dense"
    if "normalization" in t:
        return "norm"
    if "dropout" in t or "noise" in t:
        return "regularize"
    if t in {"relu", "leakyrelu", "activation", "prelu", "elu", "softmax"}:
        return "activation"
    return "shape"


def _layer_positions(graph) -> dict[str, tuple[float, int]]:
    """(column, row) per layer: row = longest path from an input; a layer stays in
    its parent's column, a merge sits between its parents' columns."""
    positions: dict[str, tuple[float, int]] = {}
    taken: set[tuple[float, int]] = set()
    next_input = 0
    for name, parents in zip(graph["name"], graph["parents"], strict=True):
        known = [positions[p] for p in parents if p in positions]
        if known:
            row = 1 + max(r for _, r in known)
            col = sum(c for c, _ in known) / len(known)
        else:
            row, col = 0, float(next_input)
            next_input += 1
        while any(r == row and abs(c - col) < 1.0 for c, r in taken):
            col += 1.0
        positions[name] = (col, row)
        taken.add((col, row))
    return positions


def architecture(graphs, *, titles=None, box_width: float = 2.6):
    """Draw Keras models as stacks of layer blocks (type, output shape, parameters).

    Parameters
    ----------
    graphs : sequence of pandas.DataFrame
        Tables from :func:`gan_study.architecture.layer_graph`, one per model, drawn
        side by side (for example a generator and its discriminator).
    titles : sequence of str, optional
        A title per panel.
    box_width : float
        Width of a block in data units (columns are ``box_width + 0.4`` apart).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    from gan_study.architecture import format_shape

    graphs = list(graphs)
    if not graphs:
        raise ValueError("architecture() needs at least one layer graph")
    titles = list(titles) if titles is not None else [""] * len(graphs)
    if len(titles) != len(graphs):
        raise ValueError(f"got {len(titles)} titles for {len(graphs)} graphs")
    layouts = [_layer_positions(g) for g in graphs]
    rows = max(max(r for _, r in lay.values()) + 1 for lay in layouts)
    widths = [
        max(c for c, _ in lay.values()) - min(c for c, _ in lay.values()) + 1 for lay in layouts
    ]
    fig, axes = plt.subplots(
        1,
        len(graphs),
        figsize=(sum(3.1 * w for w in widths) + 0.3, 0.62 * rows + 0.6),
        gridspec_kw={"width_ratios": widths},
        squeeze=False,
    )
    step = box_width + 0.4
    for ax, graph, layout, title in zip(axes[0], graphs, layouts, titles, strict=True):
        for row in graph.itertuples(index=False):
            col, depth = layout[row.name]
            x, y = col * step, -depth
            kind = _layer_kind(row.type)
            ax.add_patch(
                FancyBboxPatch(
                    (x - box_width / 2, y - 0.36),
                    box_width,
                    0.72,
                    boxstyle="round,pad=0.02,rounding_size=0.1",
                    facecolor=_LAYER_COLOURS[kind],
                    edgecolor="#555555",
                    linewidth=0.8,
                )
            )
            params = f"  ·  {row.params:,} params" if row.params else ""
            head = f"{row.type}  {row.detail}" if row.detail else row.type
            ax.text(x, y + 0.12, head, ha="center", va="center", fontsize=8, weight="bold")
            ax.text(
                x,
                y - 0.17,
                format_shape(row.output_shape) + params,
                ha="center",
                va="center",
                fontsize=7,
            )
            for parent in row.parents:
                if parent not in layout:
                    continue
                pc, pd_ = layout[parent]
                ax.annotate(
                    "",
                    xy=(x, y + 0.36),
                    xytext=(pc * step, -pd_ - 0.36),
                    arrowprops={"arrowstyle": "->", "color": "#555555", "lw": 0.8},
                )
        cols = [c for c, _ in layout.values()]
        ax.set_xlim(min(cols) * step - step / 2, max(cols) * step + step / 2)
        ax.set_ylim(-rows + 0.45, 0.55)
        ax.set_axis_off()
        if title:
            ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


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


def image_panels(images, titles, *, panel_inches: float = 2.6):
    """Show a few ready-made images (e.g. the sample grids of several epochs) side by side.

    Parameters
    ----------
    images : sequence of numpy.ndarray
        RGB images (H, W, 3), uint8 or float in [0, 1].
    titles : sequence of str
        One title per image.

    Returns
    -------
    matplotlib.figure.Figure
    """
    images = list(images)
    if not images or len(images) != len(titles):
        raise ValueError(f"got {len(images)} images and {len(titles)} titles; need equal, >= 1")
    fig, axes = plt.subplots(
        1, len(images), figsize=(panel_inches * len(images), panel_inches + 0.35), squeeze=False
    )
    for ax, image, title in zip(axes[0], images, titles, strict=True):
        ax.imshow(image, interpolation="nearest")
        ax.set_title(title, fontsize="small")
        ax.set_axis_off()
    fig.tight_layout()
    return fig


def _reference_lines(ax, references) -> None:
    """Dotted horizontal lines, one per ``(label, value)``, from dark to light grey."""
    references = list(references)
    for k, (label, value) in enumerate(references):
        grey = 0.1 + 0.6 * k / max(1, len(references) - 1)
        ax.axhline(value, color=f"{grey:.2f}", ls=":", lw=1.2, zorder=2, label=label)


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
        _reference_lines(ax, references.get(metric, ()))
        if metric in floors or references.get(metric):
            ax.legend(fontsize="x-small", loc="best")
        ax.set_xticks(range(len(order)), order, rotation=20, fontsize="small")
        ax.set_xlim(-0.6, len(order) - 0.3)
        ax.set_title(title, fontsize="small")
    for ax in list(axes.flat)[len(metrics) :]:
        ax.set_axis_off()
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
        from gan_study.verdicts import AGREEMENT_TARGET as target
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
    _reference_lines(ax_fd, references or ())
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


# --- problems, augmentation and classroom figures
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
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(1.4 * table.shape[1] + 2.5, 0.8 * table.shape[0] + 1.6))
    shown = table.copy()
    shown.index = [f"{v:g}" if isinstance(v, float) else str(v) for v in shown.index]
    sns.heatmap(shown, annot=True, fmt=fmt, cmap=cmap, cbar_kws={"label": label}, ax=ax)
    ax.set(xlabel=table.columns.name or "", ylabel=table.index.name or "")
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
