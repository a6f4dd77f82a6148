"""The one style of every figure: Matplotlib settings, class colours, channel colours."""

from __future__ import annotations

import matplotlib.pyplot as plt
import seaborn as sns

#: One colour per class (DermaMNIST label order), used by every class figure.
CLASS_PALETTE = "colorblind"


CHANNEL_COLOURS = ("#d62728", "#2ca02c", "#1f77b4")


#: :func:`training_curves` draws gradient norms on a log axis when their
#: largest value is more than this many times their smallest.
LOG_SPAN = 20


def set_style(dpi: int = 110) -> None:
    """Apply the book's figure style (seaborn ``whitegrid``, readable font sizes)."""
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
    return sns.color_palette(CLASS_PALETTE, n)


def reference_lines(ax, references) -> None:
    """Dotted horizontal lines, one per ``(label, value)``, from dark to light grey."""
    references = list(references)
    for k, (label, value) in enumerate(references):
        grey = 0.1 + 0.6 * k / max(1, len(references) - 1)
        ax.axhline(value, color=f"{grey:.2f}", ls=":", lw=1.2, zorder=2, label=label)
