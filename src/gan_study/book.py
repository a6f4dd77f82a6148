"""What a chapter hands to the book: glued values and figures, Markdown output, source code.

The chapters' prose never types a number: each one is computed in a code cell
and stored under a name with :func:`glue_value` (or :func:`glue_values`), then
shown in the Markdown with ``{glue:text}`name```. A figure is stored with
:func:`glue_figure` and shown by a ``{glue:figure}`` directive in the Markdown
cell that follows, which carries its caption and alt text:

.. code-block:: markdown

    ```{glue:figure} fig-class-counts
    :alt: Bar chart of the number of images per class; nv dominates.
    :name: fig-class-counts

    Images per class in HAM10000.
    ```

That way each figure has a caption, alt text and a label to reference
(``{numref}`fig-class-counts```), and the notebook stays the single source.
Tables go to the page as Markdown (:func:`markdown_table`,
:func:`show_markdown`), so MyST roles inside them stay live. The figures
themselves are drawn by :mod:`gan_study.plots`.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.figure
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


def glue_figure(name: str, fig: matplotlib.figure.Figure) -> None:
    """Store ``fig`` for a ``{glue:figure}`` directive and keep it out of the cell output.

    Parameters
    ----------
    name : str
        Glue key; use it in ``{glue:figure} name`` (with ``:alt:`` and a caption).
    fig : matplotlib.figure.Figure

    Returns
    -------
    None
        Nothing, so that a call at the end of a cell displays nothing; the
        figure is closed so that Jupyter does not show it a second time.
    """
    from myst_nb import glue

    glue(name, fig, display=False)
    plt.close(fig)


def glue_value(name: str, value, fmt: str | None = None) -> None:
    """Store a number or text for ``{glue:text}`` in the prose.

    ``fmt`` (e.g. ``",d"`` or ``".1%"``) formats it first, so the prose shows
    exactly the computed value, rounded the same way everywhere. Returns
    nothing, so a call at the end of a cell displays nothing.
    """
    from myst_nb import glue

    glue(name, format(value, fmt) if fmt else value, display=False)


def glue_values(values: Mapping[str, object], fmt: str | None = None) -> None:
    """Store several numbers or texts for ``{glue:text}``, all formatted alike.

    Parameters
    ----------
    values : mapping of str to object
        Glue key -> value, glued in the mapping's order with :func:`glue_value`.
    fmt : str, optional
        Format of every value (e.g. ``".3f"``); ``None`` glues them as they are.

    Returns
    -------
    None
        Nothing, so a call at the end of a cell displays nothing.
    """
    for name, value in values.items():
        glue_value(name, value, fmt)


def markdown_table(df: pd.DataFrame, index: bool = False) -> str:
    """A pipe table of ``df`` as Markdown (MyST roles in cells stay live in the book)."""
    frame = df.reset_index() if index else df
    cols = [str(c) for c in frame.columns]

    def cell(v) -> str:
        text = "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join(lines)


def show_markdown(text: str) -> None:
    """Display Markdown as cell output (rendered as MyST in the book)."""
    from IPython.display import Markdown, display

    display(Markdown(text))


def show_source(function) -> None:
    """Display the source code of ``function`` as a Python code block."""
    import inspect

    show_markdown("```python\n" + inspect.getsource(function) + "```")
