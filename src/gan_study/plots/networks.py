"""Networks drawn as layer graphs: one box per layer, coloured by kind, with its output shape.

:func:`architecture` draws the graphs of :mod:`gan_study.architecture`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch

from gan_study.architecture import format_shape

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
