"""No number is typed into the report's prose: each one is glued from the code that computes it.

A number written by hand in a markdown cell drifts when a profile, a model or
the data change, while the code cells compute something else. This test
fails on a digit in any markdown cell of ``notebooks/*.py`` outside

* a MyST role (``{glue:text}`...```, ``{numref}`...```, ``{cite:p}`...```);
* inline code and fenced blocks (commands, directive options);
* mathematics (``$...$``, ``$$...$$``);
* the short allow-list :data:`ALLOWED`: years, names that contain digits,
  the figure, table and section numbers of the 2023 report, chapter numbers,
  and the numbers of numbered lists and exercises.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.py"))

#: What may stay in the prose, with why.
ALLOWED = {
    "year": r"\b(19|20)\d\d\b",
    "names with digits": r"\b(HAM10000|InceptionV3|ResNet-18|MedMNIST v2|F1)\b",
    "the 2023 report's figures, tables and sections": (
        r"\b(Figs?\.|Table|[Ss]ection) (\d+(\.\d+)?|[IVX]+)(( and |[-–])\d+)?\b"
    ),
    "chapter numbers": r"\b[Cc]hapters? \d(( and |, | or | to )\d)*\b",
    "list and exercise numbers": r"^\s*(#+\s+)?\d+\.\s",
}

_STRIP = (  # (pattern, flags), removed in this order
    (r"^```(?!\{)[^\n]*\n.*?^```", re.M | re.S),  # code blocks (not directives)
    (r"^\s*(```|~~~).*$", re.M),  # fences of directives and code blocks
    (r"^\s*:[a-z-]+:.*$", re.M),  # directive options (:name:, :alt:, ...)
    (r"\$\$.*?\$\$", re.S),  # display maths
    (r"\$[^$\n]+\$", 0),  # inline maths
    (r"\{[a-z:-]+\}`[^`]*`", 0),  # MyST roles: glue, numref, cite, ref, doc
    (r"`[^`\n]*`", 0),  # inline code
    (r"\]\([^)]*\)", 0),  # link targets
    (r"<!--.*?-->", re.S),  # comments
)


def prose_digits(markdown: str) -> list[str]:
    """The lines of ``markdown`` that still hold a digit once the allowed parts are removed."""
    text = markdown
    for pattern, flags in _STRIP:
        text = re.sub(pattern, " ", text, flags=flags)
    for pattern in ALLOWED.values():
        text = re.sub(pattern, " ", text, flags=re.M)
    return [line.strip() for line in text.splitlines() if re.search(r"\d", line)]


def test_prose_digits_finds_typed_numbers_and_skips_glued_ones():
    assert prose_digits("about 70 % of the lesions") == ["about 70 % of the lesions"]
    assert prose_digits("trained {glue:text}`epochs` epochs, see {numref}`fig-3`") == []
    assert prose_digits("in 2023 the report's Fig. 9 and Table I; chapter 4") == []
    assert prose_digits("$$x_1 + 2$$ and `-p epochs 16` and $\\sigma = 1$") == []
    assert prose_digits("### 2. Watch a GAN memorise\n1. the distance ratio") == []
    assert prose_digits("HAM10000 holds 10,015 images") == ["holds 10,015 images"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_number_is_typed_into_the_prose(notebook):
    nb = jupytext.read(notebook)
    found = [
        line
        for cell in nb.cells
        if cell.cell_type == "markdown"
        for line in prose_digits(cell.source)
    ]
    assert not found, (
        f"{notebook.name}: numbers typed into the prose (glue them from the code that computes "
        "them with book.glue_value, or write them in words when they are not data):\n  "
        + "\n  ".join(found)
    )
