"""Figure helpers of the Table I chapter draw what they are given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from gan_study import plots  # noqa: E402


def _probe():
    return pd.DataFrame(
        {
            "step": [0, 10, 20],
            "d_real": [0.5, 0.8, 0.95],
            "d_fake": [0.5, 0.2, 0.01],
            "d_accuracy": [0.5, 0.9, 1.0],
            "grad_norm_minimax": [1.0, 0.1, 0.001],
            "grad_norm_nonsaturating": [1.0, 2.0, 5.0],
        }
    )


def test_gradient_probe_uses_log_scale_and_one_line_per_series():
    fig = plots.gradient_probe({"a": _probe(), "b": _probe()})
    ax_d, ax_g = fig.axes
    assert ax_g.get_yscale() == "log"
    assert len(ax_g.lines) == 4 and len(ax_d.lines) == 4
    np.testing.assert_allclose(ax_g.lines[0].get_ydata(), [1.0, 0.1, 0.001])


def test_history_overlay_and_heatmap_and_collapse_bars():
    h = pd.DataFrame({"epoch": [1, 2], "d_loss": [1.0, 0.8], "g_loss": [2.0, 2.5]})
    fig = plots.history_overlay({"x": h, "y": h}, ["d_loss", "g_loss"])
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 2
    table = pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], index=[1e-4, 2e-4], columns=[32, 64])
    table.index.name, table.columns.name = "learning rate", "batch size"
    fig = plots.metric_heatmap(table, label="FD")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["1.0", "2.0", "3.0", "4.0"]
    scores = pd.DataFrame(
        {
            "ssim_fake": [0.3, 0.9],
            "ssim_real": [0.28, 0.28],
            "precision": [0.6, 0.7],
            "recall": [0.5, 0.05],
            "coverage": [0.4, 0.01],
            "effective_classes": [4.0, 1.2],
            "top_class_share": [0.5, 0.95],
        },
        index=["ok", "collapsed"],
    )
    fig = plots.collapse_comparison(scores)
    assert [p.get_height() for p in fig.axes[0].patches] == pytest.approx([0.3, 0.9])
    bars = [p.get_height() for p in fig.axes[1].patches]  # precision, recall, coverage
    assert bars == pytest.approx([0.6, 0.7, 0.5, 0.05, 0.4, 0.01])
