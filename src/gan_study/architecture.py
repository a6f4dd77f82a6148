"""Keras networks described layer by layer, and the 2023 report's networks as printed.

Chapter 3 draws each model's generator and discriminator as a graph of
layers (:func:`layer_graph`, drawn by :func:`gan_study.plots.architecture`),
lists them as tables (:func:`layer_table`), reads single settings off them
for the prose (:func:`layer_setting`), and shows that the networks the 2023
report prints cannot be chained (:func:`report_networks_as_printed`,
:func:`chain_error`). Nothing here trains or evaluates a model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd


# ----------------------------------------------------------------- layers
def layer_graph(model) -> pd.DataFrame:
    """Describe a Keras model as a table of layers and their connections.

    Parameters
    ----------
    model : keras.Model
        A built functional or sequential model.

    Returns
    -------
    pandas.DataFrame
        One row per layer in the model's order, with columns ``name``,
        ``type`` (class name), ``detail`` (the settings that matter for
        reading the architecture, e.g. ``"5x5 /2"`` for a strided convolution,
        ``"tanh"`` for an activation, the name of an input; may be empty),
        ``output_shape`` (tuple without the batch axis), ``params`` (int) and
        ``parents`` (tuple of the names of the layers that feed it, empty for
        inputs). A sequential model gets an
        explicit ``InputLayer`` row first so every graph starts at its input.

    Raises
    ------
    ValueError
        If the model has not been built (its layers have no output shapes).
    """
    layers = list(model.layers)
    names = {layer.name for layer in layers}
    rows = []
    inputs = list(getattr(model, "inputs", None) or [])
    if not any(type(layer).__name__ == "InputLayer" for layer in layers):
        if not inputs:
            raise ValueError(
                f"model {model.name!r} is not built: build it (call it on an input or give it "
                "an Input layer) before describing its layers"
            )
        # Sequential models hide their input layer: add one row per input.
        for i, tensor in enumerate(inputs):
            name = f"{model.name}_input_{i}"
            rows.append(_row(name, "InputLayer", "", tensor.shape, 0, ()))
            names.add(name)
        default_parents = tuple(row["name"] for row in rows)
    else:
        default_parents = ()
    for layer in layers:
        try:
            shape = layer.output.shape
        except (AttributeError, ValueError) as exc:
            raise ValueError(
                f"layer {layer.name!r} of model {model.name!r} has no output shape; "
                "build the model before describing it"
            ) from exc
        parents = _parents(layer, names)
        if not parents and type(layer).__name__ != "InputLayer":
            parents = default_parents
        kind = type(layer).__name__
        rows.append(
            _row(layer.name, kind, layer_detail(layer), shape, layer.count_params(), parents)
        )
    return pd.DataFrame(
        rows, columns=["name", "type", "detail", "output_shape", "params", "parents"]
    )


def layer_detail(layer) -> str:
    """A short description of a layer's settings: kernel and stride, activation, rate.

    Examples: ``"5x5 /2 selu"`` (Conv2DTranspose, kernel 5, stride 2, SELU),
    ``"0.2"`` (LeakyReLU slope or Dropout rate), ``"tanh"`` (Activation),
    ``"z"`` (an input called z).
    """
    config = layer.get_config()
    kind = type(layer).__name__
    parts = []
    if kind == "InputLayer":
        return layer.name
    if "kernel_size" in config:
        k = config["kernel_size"]
        parts.append("x".join(str(v) for v in k))
        strides = tuple(config.get("strides", (1,)))
        if any(s != 1 for s in strides):
            parts.append("/" + "x".join(str(s) for s in sorted(set(strides))))
    for key in ("rate", "negative_slope"):
        if config.get(key):  # a ReLU's slope of 0 says nothing
            parts.append(f"{config[key]:g}")
    activation = config.get("activation")
    if isinstance(activation, str) and activation != "linear":
        parts.append(activation)
    return " ".join(parts)


def layer_setting(model, kind: str, key: str):
    """The one value of setting ``key`` that every layer of type ``kind`` in ``model`` has.

    For the prose: the dropout rate (``"Dropout"``, ``"rate"``), the LeakyReLU
    slope (``"LeakyReLU"``, ``"negative_slope"``) or the size of a label
    embedding (``"Embedding"``, ``"output_dim"``), read from the built network
    rather than typed by hand.

    Parameters
    ----------
    model : keras.Model
    kind : str
        A layer class name.
    key : str
        A key of the layers' ``get_config()``.

    Raises
    ------
    ValueError
        When ``model`` has no such layer, or its layers of that type differ in
        ``key`` (the prose could not give one value).
    """
    values = {layer.get_config()[key] for layer in model.layers if type(layer).__name__ == kind}
    if not values:
        raise ValueError(f"{model.name} has no {kind} layer")
    if len(values) > 1:
        raise ValueError(f"the {kind} layers of {model.name} differ in {key}: {sorted(values)}")
    return values.pop()


def _row(name, kind, detail, shape, params, parents) -> dict:
    dims = tuple(int(d) if d is not None else None for d in tuple(shape)[1:])
    return {
        "name": name,
        "type": kind,
        "detail": detail,
        "output_shape": dims,
        "params": int(params),
        "parents": tuple(parents),
    }


def _parents(layer, names: set[str]) -> tuple[str, ...]:
    # A layer can be called in several graphs; keep the call whose inputs are in this model.
    for node in getattr(layer, "_inbound_nodes", []):
        parents = tuple(p.operation.name for p in node.parent_nodes)
        if all(p in names for p in parents):
            return parents
    return ()


def layer_table(model) -> pd.DataFrame:
    """The layer table shown beside each architecture figure.

    Parameters
    ----------
    model : keras.Model
        A built model.

    Returns
    -------
    pandas.DataFrame
        Columns ``layer``, ``type``, ``settings``, ``output shape`` (e.g. ``"14 x 14 x 64"``)
        and ``parameters``, plus a final ``total`` row with the parameter sum.
    """
    graph = layer_graph(model)
    table = pd.DataFrame(
        {
            "layer": graph["name"],
            "type": graph["type"],
            "settings": graph["detail"],
            "output shape": graph["output_shape"].map(format_shape),
            "parameters": graph["params"],
        }
    )
    total = pd.DataFrame(
        [
            {
                "layer": "total",
                "type": "",
                "settings": "",
                "output shape": "",
                "parameters": graph["params"].sum(),
            }
        ]
    )
    return pd.concat([table, total], ignore_index=True)


def format_shape(shape: Sequence[int | None]) -> str:
    """``(14, 14, 64)`` -> ``"14 x 14 x 64"``; ``()`` -> ``"scalar"``."""
    if len(shape) == 0:
        return "scalar"
    return " x ".join("?" if d is None else str(d) for d in shape)


# ------------------------------------------------------- the report's code
def report_networks_as_printed(latent_dim: int = 100):
    """The generator and discriminator exactly as the 2023 report prints them (its Fig. 8).

    Only the deprecated ``input_shape=`` arguments are written as
    ``keras.Input`` layers; sizes, activations and order are the report's.
    The generator ends in **one** channel (28 x 28 x 1 images) while the
    discriminator expects 32 x 32 x 3, so the two cannot be chained: see
    :func:`gan_study.models.seed_baseline` for the repaired pair.

    Returns
    -------
    generator, discriminator : keras.Sequential
    """
    import keras
    from keras import layers

    generator = keras.Sequential(
        [
            keras.Input((latent_dim,)),
            layers.Dense(7 * 7 * 128),
            layers.Reshape([7, 7, 128]),
            layers.BatchNormalization(),
            layers.Conv2DTranspose(64, kernel_size=5, strides=2, padding="same", activation="selu"),
            layers.BatchNormalization(),
            layers.Conv2DTranspose(1, kernel_size=5, strides=2, padding="same", activation="tanh"),
        ],
        name="report_generator",
    )
    discriminator = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            layers.Conv2D(64, kernel_size=5, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Dropout(0.4),
            layers.Conv2D(128, kernel_size=5, strides=2, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Dropout(0.4),
            layers.Flatten(),
            layers.Dense(1, activation="sigmoid"),
        ],
        name="report_discriminator",
    )
    return generator, discriminator


def chain_error(generator, discriminator) -> str | None:
    """Try to chain ``generator`` into ``discriminator`` as the report does; the error, if any.

    Returns
    -------
    str or None
        The line of Keras' error message that says what is wrong, or ``None`` when the two
        networks fit together.
    """
    import keras

    try:
        keras.Sequential([generator, discriminator]).build((None, *generator.inputs[0].shape[1:]))
    except ValueError as exc:
        text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))  # Keras colours its messages
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        lines = [line for line in lines if not line.startswith("Exception encountered")]
        return lines[0] if lines else type(exc).__name__
    return None
