"""Unit tests for the training and evaluation figures in gan_study.plots."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from gan_study import plots


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _graph(rows):
    return pd.DataFrame(
        rows, columns=["name", "type", "detail", "output_shape", "params", "parents"]
    )


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_architecture_draws_a_block_per_layer_with_shape_and_params():
    graph = _graph(
        [
            ("z", "InputLayer", "z", (100,), 0, ()),
            ("d", "Dense", "", (6272,), 633472, ("z",)),
            ("r", "Reshape", "", (7, 7, 128), 0, ("d",)),
            ("up", "Conv2DTranspose", "5x5 /2", (14, 14, 64), 204864, ("r",)),
        ]
    )
    fig = plots.architecture([graph], titles=["generator"])
    texts = _texts(fig)
    assert "Conv2DTranspose  5x5 /2" in texts
    assert any("14 x 14 x 64" in t and "204,864 params" in t for t in texts)
    assert any(t == "7 x 7 x 128" for t in texts)  # no parameter count for a 0-param layer
    assert len(fig.axes[0].patches) == 4
    assert fig.axes[0].get_title() == "generator"


def test_architecture_places_branches_side_by_side():
    graph = _graph(
        [
            ("z", "InputLayer", "z", (8,), 0, ()),
            ("y", "InputLayer", "label", (), 0, ()),
            ("e", "Embedding", "", (4,), 28, ("y",)),
            ("join", "Concatenate", "", (12,), 0, ("z", "e")),
        ]
    )
    pos = plots.networks._layer_positions(graph)
    assert pos["z"][1] == pos["y"][1] == 0
    assert pos["z"][0] != pos["y"][0]
    assert pos["e"][0] == pos["y"][0]  # a layer stays in its parent's column
    assert pos["join"] == ((pos["z"][0] + pos["e"][0]) / 2, 2)


def test_architecture_rejects_bad_input():
    with pytest.raises(ValueError, match="at least one"):
        plots.architecture([])
    graph = _graph([("z", "InputLayer", "z", (8,), 0, ())])
    with pytest.raises(ValueError, match="titles"):
        plots.architecture([graph], titles=["a", "b"])


def _history(epochs=3, gp=0.0):
    e = np.arange(1, epochs + 1)
    return pd.DataFrame(
        {
            "epoch": e,
            "d_loss": 1.2 - 0.1 * e,
            "g_loss": 0.8 + 0.1 * e,
            "gp": gp,
            "d_real": 0.6 + 0.0 * e,
            "d_fake": 0.4 + 0.0 * e,
            "grad_norm_d": 1.0 * e,
            "grad_norm_g": 2.0 * e,
            "d_steps": 10,
            "g_steps": 10,
            "seconds": 1.0,
        }
    )


def test_training_curves_panels_and_penalty_only_when_used():
    fig = plots.training_curves(
        {"dcgan": _history(), "wgan_gp": _history(gp=0.5)}, probability_models={"dcgan"}
    )
    assert len(fig.axes) == 6
    labels = [[line.get_label() for line in ax.get_lines()] for ax in fig.axes]
    assert "gradient penalty" not in labels[0]
    assert "gradient penalty" in labels[3]
    assert fig.axes[1].get_ylim() == (0.0, 1.0)  # probabilities on a 0-1 axis
    assert fig.axes[2].get_yscale() == "linear"  # norms within a factor 20: linear axis
    wide = _history()
    wide["grad_norm_g"] = [1.0, 100.0, 1000.0]
    fig = plots.training_curves({"x": wide})
    assert fig.axes[2].get_yscale() == "log"
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), [1.1, 1.0, 0.9])


def test_training_curves_missing_column():
    with pytest.raises(ValueError, match="lacks column"):
        plots.training_curves({"x": _history().drop(columns=["d_fake"])})


def test_image_panels():
    img = np.zeros((10, 12, 3), np.uint8)
    fig = plots.image_panels([img, img], ["epoch 1", "epoch 2"])
    assert [ax.get_title() for ax in fig.axes] == ["epoch 1", "epoch 2"]
    with pytest.raises(ValueError):
        plots.image_panels([img], ["a", "b"])


def _tidy():
    return pd.DataFrame(
        {
            "model": ["a", "a", "a", "b"],
            "seed": [0, 1, 2, 0],
            "metric": ["fd"] * 4,
            "value": [10.0, 12.0, 14.0, 5.0],
        }
    )


def test_metric_comparison_error_bars_and_floor_band():
    fig = plots.metric_comparison(_tidy(), {"fd": "FD"}, floors={"fd": (3.0, 1.0)})
    ax = fig.axes[0]
    # the floor band spans mean +- spread
    band = [p for p in ax.patches if p.get_facecolor()[:3] == pytest.approx((0.8, 0.8, 0.8))]
    assert len(band) == 1
    ys = band[0].get_path().vertices[:, 1] if hasattr(band[0], "get_path") else None
    transformed = band[0].get_transform().transform(band[0].get_path().vertices)
    data_y = ax.transData.inverted().transform(transformed)[:, 1]
    assert ys is not None
    assert min(data_y) == pytest.approx(2.0)
    assert max(data_y) == pytest.approx(4.0)
    # model a: mean 12 with a bar of one sample sd (2); model b: a single seed, no bar
    containers = ax.containers
    assert len(containers) == 2
    a_line = containers[0].lines[0].get_ydata()
    assert a_line[0] == pytest.approx(12.0)
    a_bar = containers[0].lines[2][0].get_segments()[0]
    assert [p[1] for p in a_bar] == pytest.approx([10.0, 14.0])
    assert not containers[1].has_yerr


def test_metric_comparison_unknown_metric():
    with pytest.raises(ValueError, match="no values"):
        plots.metric_comparison(_tidy(), {"kid": "KID"})


def test_nearest_pairs_and_distance_distributions():
    fake = np.zeros((3, 4, 4, 3), np.uint8)
    fig = plots.nearest_pairs({"dcgan": (fake, fake, [0.1, 0.2, 0.3])})
    assert [fig.axes[j].get_title() for j in range(3)] == ["0.10", "0.20", "0.30"]
    rng = np.random.default_rng(0)
    fig = plots.distance_distributions(
        {"dcgan": rng.random(50), "wgan_gp": rng.random(50)}, rng.random(40)
    )
    assert len(fig.axes) == 2
    with pytest.raises(ValueError):
        plots.distance_distributions({}, rng.random(5))


def test_rgb_comparison_and_class_agreement():
    table = pd.DataFrame(
        [
            {"source": s, "group": g, "channel": c, "mean": 0.5, "image_mean_std": 0.1}
            for s in ("real", "cdcgan")
            for g in ("all", "nv")
            for c in "RGB"
        ]
    )
    fig = plots.rgb_comparison(table)
    assert [ax.get_title() for ax in fig.axes] == ["R channel", "G channel", "B channel"]
    agreement = pd.DataFrame(
        {
            "class": ["akiec", "nv"],
            "agreement": [0.5, 0.9],
            "real_recall": [0.3, 0.95],
            "n_fake": [10, 10],
            "n_real": [5, 50],
        }
    )
    fig = plots.class_agreement(agreement)
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert heights == pytest.approx([0.3, 0.95, 0.5, 0.9])
