"""Figures of the data: image grids, class counts, colour and metadata by class, the timeline.

The data chapter's figures (and the image grids and panels every chapter
shows): what HAM10000 holds, class by class, and how the splits divide it.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from gan_study.plots.style import (
    CHANNEL_COLOURS,
    CLASS_PALETTE,
    class_colours,
)


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


def metadata_by_class(meta: pd.DataFrame, class_names: Sequence[str]) -> matplotlib.figure.Figure:
    """Four panels: age per class, and the shares of sex, dx_type and localization per class."""
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
