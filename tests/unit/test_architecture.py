"""``gan_study.architecture``: networks described layer by layer, the report's as printed."""

from __future__ import annotations

import pytest

from gan_study import architecture


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _conditional(keras):
    layers = keras.layers
    z = keras.Input((8,), name="z")
    label = keras.Input((), dtype="int32", name="label")
    e = layers.Embedding(7, 4, name="embed")(label)
    e = layers.Dense(16, name="embed_dense")(e)
    e = layers.Reshape((4, 4, 1), name="embed_map")(e)
    x = layers.Dense(4 * 4 * 2, name="project")(z)
    x = layers.Reshape((4, 4, 2), name="reshape")(x)
    x = layers.Concatenate(name="join")([x, e])
    x = layers.Conv2DTranspose(3, 3, strides=2, padding="same", name="up")(x)
    return keras.Model([z, label], x, name="tiny_cond")


def test_layer_graph_functional_branches(keras):
    graph = architecture.layer_graph(_conditional(keras))
    by_name = graph.set_index("name")
    assert by_name.loc["join", "parents"] == ("reshape", "embed_map")
    assert by_name.loc["up", "output_shape"] == (8, 8, 3)
    assert by_name.loc["embed", "parents"] == ("label",)
    assert by_name.loc["z", "parents"] == ()
    # parameters: Dense 8->32 = 8*32+32
    assert by_name.loc["project", "params"] == 8 * 32 + 32
    assert graph["params"].sum() == _conditional(keras).count_params()
    assert by_name.loc["up", "detail"] == "3x3 /2"
    assert by_name.loc["z", "detail"] == "z"
    assert by_name.loc["join", "detail"] == ""


def test_layer_detail(keras):
    layers = keras.layers
    assert (
        architecture.layer_detail(layers.Conv2D(4, 5, strides=2, activation="selu"))
        == "5x5 /2 selu"
    )
    assert architecture.layer_detail(layers.Dropout(0.4)) == "0.4"
    assert architecture.layer_detail(layers.LeakyReLU(0.2)) == "0.2"
    assert architecture.layer_detail(layers.Activation("tanh")) == "tanh"
    assert architecture.layer_detail(layers.Dense(3)) == ""
    assert architecture.layer_detail(layers.ReLU()) == ""


def test_layer_graph_sequential_gets_an_input_row(keras):
    model = keras.Sequential(
        [keras.Input((4, 4, 3)), keras.layers.Conv2D(2, 3, name="c"), keras.layers.Flatten()],
        name="seq",
    )
    graph = architecture.layer_graph(model)
    assert graph.loc[0, "type"] == "InputLayer"
    assert graph.loc[0, "output_shape"] == (4, 4, 3)
    assert graph.loc[1, "parents"] == (graph.loc[0, "name"],)
    assert graph.loc[2, "parents"] == ("c",)


def test_layer_graph_unbuilt_model_is_an_error(keras):
    model = keras.Sequential([keras.layers.Dense(2)], name="unbuilt")
    with pytest.raises(ValueError, match="not built"):
        architecture.layer_graph(model)


def test_layer_table_has_total_row(keras):
    model = _conditional(keras)
    table = architecture.layer_table(model)
    assert list(table.columns) == ["layer", "type", "settings", "output shape", "parameters"]
    assert table.iloc[-1]["layer"] == "total"
    assert table.iloc[-1]["parameters"] == model.count_params()
    assert "8 x 8 x 3" in set(table["output shape"])


def test_format_shape():
    assert architecture.format_shape((14, 14, 64)) == "14 x 14 x 64"
    assert architecture.format_shape(()) == "scalar"
    assert architecture.format_shape((None, 3)) == "? x 3"


def test_report_networks_cannot_be_chained_but_the_repaired_ones_can(keras):
    from gan_study import models

    generator, discriminator = architecture.report_networks_as_printed()
    assert generator.output_shape == (None, 28, 28, 1)
    assert discriminator.input_shape == (None, 32, 32, 3)
    error = architecture.chain_error(generator, discriminator)
    assert error is not None and "incompatible" in error
    repaired = models.build("seed_baseline", image_size=28)
    assert architecture.chain_error(repaired.generator, repaired.discriminator) is None


def test_layer_setting_reads_one_value_from_the_built_network():
    keras = pytest.importorskip("keras")

    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(3),
            keras.layers.Dropout(0.4),
            keras.layers.LeakyReLU(0.2),
            keras.layers.Dropout(0.4),
        ],
        name="toy",
    )
    assert architecture.layer_setting(model, "Dropout", "rate") == pytest.approx(0.4)
    assert architecture.layer_setting(model, "LeakyReLU", "negative_slope") == pytest.approx(0.2)
    with pytest.raises(ValueError, match="toy has no Embedding layer"):
        architecture.layer_setting(model, "Embedding", "output_dim")
    mixed = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dropout(0.4), keras.layers.Dropout(0.5)]
    )
    with pytest.raises(ValueError, match=r"differ in rate: \[0.4, 0.5\]"):
        architecture.layer_setting(mixed, "Dropout", "rate")


def test_the_settings_chapter_3_glues_have_one_value_each():
    pytest.importorskip("tensorflow")
    from gan_study import models

    baseline = models.build("seed_baseline", image_size=28)
    assert 0 < architecture.layer_setting(baseline.discriminator, "Dropout", "rate") < 1
    dcgan = models.build("dcgan", image_size=28)
    assert 0 < architecture.layer_setting(dcgan.discriminator, "LeakyReLU", "negative_slope") < 1
    cdcgan = models.build("cdcgan", image_size=28)
    assert architecture.layer_setting(cdcgan.generator, "Embedding", "output_dim") > 0
