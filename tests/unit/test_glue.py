"""Unit tests for gan_study.book: what the chapters store for the prose."""

from __future__ import annotations

import pytest

from gan_study import book

myst_nb = pytest.importorskip("myst_nb")


@pytest.fixture
def glued(monkeypatch):
    """The ``(name, value, display)`` of every ``myst_nb.glue`` call, in order."""
    calls = []
    monkeypatch.setattr(
        myst_nb, "glue", lambda name, value, display=True: calls.append((name, value, display))
    )
    return calls


def test_glue_value_formats_and_hides(glued):
    book.glue_value("n", 1234, ",d")
    book.glue_value("name", "dcgan")
    assert glued == [("n", "1,234", False), ("name", "dcgan", False)]


def test_glue_values_glues_each_in_order_with_one_format(glued):
    book.glue_values({"b": 0.125, "a": 2.0}, ".2f")
    book.glue_values({"raw": 3})
    book.glue_values({})
    assert glued == [("b", "0.12", False), ("a", "2.00", False), ("raw", 3, False)]
