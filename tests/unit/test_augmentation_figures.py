"""Figure helpers of the synthetic-data chapter draw what they are given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from gan_study import plots  # noqa: E402


def test_interval_plot_draws_mean_interval_and_baseline():
    summary = pd.DataFrame(
        {
            "arm": ["real", "real_gan", "real", "real_gan"],
            "score": ["balanced_accuracy", "balanced_accuracy", "macro_f1", "macro_f1"],
            "mean": [0.5, 0.55, 0.4, 0.42],
            "low": [0.45, np.nan, 0.35, np.nan],
            "high": [0.55, np.nan, 0.45, np.nan],
        }
    )
    fig = plots.interval_plot(
        summary, order=["real", "real_gan"], baseline={"balanced_accuracy": 1 / 7}
    )
    ax = fig.axes[0]
    xs = [tuple(line.get_xdata()) for line in ax.lines]
    assert (0.45, 0.55) in xs  # the interval of "real"
    assert (1 / 7, 1 / 7) in xs  # the baseline
    assert len(fig.axes) == 2


def test_per_class_recall_bars_are_means_over_seeds():
    results = pd.DataFrame(
        {"arm": ["real", "real"], "recall_a": [0.2, 0.4], "recall_b": [1.0, 0.8]}
    )
    fig = plots.per_class_recall(results, ["a", "b"], order=["real"])
    heights = [p.get_height() for p in fig.axes[0].patches]
    np.testing.assert_allclose(heights, [0.3, 0.9])
