"""Figure helpers with one consistent style for every chapter of the book.

Every helper returns a :class:`matplotlib.figure.Figure` and computes nothing
beyond simple counts and means of what it is given. A chapter hands a figure
to the book with :func:`gan_study.book.glue_figure` and a ``{glue:figure}``
directive that carries its caption and alt text.

Figures live in one module per subject: :mod:`~gan_study.plots.style` (the
style and colours), :mod:`~gan_study.plots.dataset` (the data and image
grids), :mod:`~gan_study.plots.networks` (layer graphs),
:mod:`~gan_study.plots.curves` (training, learning curves and chapter 5's
experiments) and :mod:`~gan_study.plots.comparisons` (models and arms against
their references). Every figure is importable from here (``plots.image_grid``).
"""

from __future__ import annotations

from gan_study.plots.comparisons import (
    class_agreement,
    distance_distributions,
    interval_plot,
    metric_comparison,
    nearest_pairs,
    per_class_recall,
    rgb_comparison,
    scarce_data_curve,
)
from gan_study.plots.curves import (
    collapse_comparison,
    gradient_probe,
    history_overlay,
    learning_curves,
    metric_heatmap,
    smoothing_window,
    training_curves,
)
from gan_study.plots.dataset import (
    class_counts,
    class_image_grid,
    class_rgb_table,
    class_split_table,
    image_grid,
    image_panels,
    images_per_lesion,
    metadata_by_class,
    rgb_by_class,
    timeline,
)
from gan_study.plots.networks import (
    architecture,
)
from gan_study.plots.style import (
    CHANNEL_COLOURS,
    CLASS_PALETTE,
    LOG_SPAN,
    class_colours,
    reference_lines,
    set_style,
)

__all__ = [
    "CHANNEL_COLOURS",
    "CLASS_PALETTE",
    "LOG_SPAN",
    "architecture",
    "class_agreement",
    "class_colours",
    "class_counts",
    "class_image_grid",
    "class_rgb_table",
    "class_split_table",
    "collapse_comparison",
    "distance_distributions",
    "gradient_probe",
    "history_overlay",
    "image_grid",
    "image_panels",
    "images_per_lesion",
    "interval_plot",
    "learning_curves",
    "metadata_by_class",
    "metric_comparison",
    "metric_heatmap",
    "nearest_pairs",
    "per_class_recall",
    "reference_lines",
    "rgb_by_class",
    "rgb_comparison",
    "scarce_data_curve",
    "set_style",
    "smoothing_window",
    "timeline",
    "training_curves",
]
