"""The whole quick book printed to one PDF by headless Chromium, and read back.

Prints the session's quick book (the ``book`` fixture builds its HTML; this
module builds the single page from the same staged folder and prints it, about
15 s on 2 CPU cores), then reads the PDF with pypdf: every chapter starts a
page with its title, the bibliography is there, every figure caption is, and
MathJax typeset the equations before the print.

Needs ``chromium`` and ``chromedriver`` on ``PATH`` (Debian: ``apt-get install
chromium chromium-driver``), ``selenium`` (the ``pdf`` or ``dev`` extra) and
``pypdf`` (``dev``). Without them the test skips; with
``GAN_STUDY_REQUIRE_BROWSER=1`` (``.ci/run`` sets it once it has Chromium) it
fails instead, as tests/book/test_quiz_browser.py does.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from gan_study import pdf

pytestmark = [pytest.mark.book, pytest.mark.slow]


def _plain(text: str) -> str:
    """Text without ligatures (NFKC) and with single spaces."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def _title(page: Path) -> str:
    """The ``<h1>`` of a built HTML page, as a reader sees it."""
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page.read_text(encoding="utf-8"), re.S)
    assert h1, f"{page} has no <h1>"
    text = re.sub(r"<a class=\"headerlink\".*?</a>", "", h1.group(1), flags=re.S)
    return _plain(re.sub(r"<[^>]+>", "", text))


@pytest.fixture(scope="module")
def printed(book, tmp_path_factory, require_browser):
    """The session book printed once: (pdf path, log lines, reader, plain text of each page)."""
    require_browser("cannot print the book to PDF", {"selenium": "pdf", "pypdf": "dev"})
    from pypdf import PdfReader

    stage = book.html_dir.parent / "book"  # report.build keeps the staged source there
    lines: list[str] = []
    path = pdf.make_pdf(
        stage, tmp_path_factory.mktemp("pdf") / pdf.PDF_NAME, strict=True, log=lines.append
    )
    reader = PdfReader(path)
    header = pdf.book_title(stage)

    def body(page) -> str:  # the page's text top to bottom, without the running header
        text = page.extract_text(extraction_mode="layout") or ""
        rows = [row.strip() for row in text.splitlines() if row.strip()]
        return _plain(" ".join(rows[1:] if rows and rows[0] == header else rows))

    return path, lines, reader, [body(page) for page in reader.pages]


def test_the_pdf_is_a4_with_numbered_pages(printed):
    path, _, reader, pages = printed
    assert path.read_bytes().startswith(b"%PDF-")
    assert len(reader.pages) > 30
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((595.9, 841.9), abs=1)
    assert f"2 / {len(pages)}" in pages[1]


def test_every_chapter_starts_a_page_with_its_title(printed, book):
    *_, pages = printed
    titles = [_title(book.html_dir / "notebooks" / f"{e.name}.html") for e in book.executed]
    titles.append(_title(book.html_dir / "bibliography.html"))
    assert "References" in titles
    for title in titles:  # the PDF numbers the study's chapters: "1. What the literature ..."
        starts = re.compile(r"(\d+\. )?" + re.escape(title))
        assert any(starts.match(text) for text in pages[1:]), f"no page starts with {title!r}"
    assert "This PDF is the whole report" in " ".join(pages)  # the PDF's own note


def test_every_figure_is_printed_with_its_caption(printed, book):
    _, _, reader, pages = printed
    html = "".join(
        p.read_text(encoding="utf-8") for p in (book.html_dir / "notebooks").glob("*.html")
    )
    captions = re.findall(r'<span class="caption-number">(Fig\. [\d.]+)', html)
    assert captions, "the quick book has no numbered figures"
    text = " ".join(pages)
    missing = [c for c in captions if c.strip() + " " not in text]
    assert not missing, f"captions not in the PDF: {missing}"
    images = sum(len(p.images) for p in reader.pages)
    assert images >= len(captions) // 2


def test_mathjax_typeset_the_equations_before_the_print(printed):
    _, lines, _, pages = printed
    summary = next(line for line in lines if "MathJax equations" in line)
    equations = int(re.search(r"(\d+) MathJax equations", summary).group(1))
    assert equations > 0
    text = " ".join(pages)
    assert "\\log" not in text and "\\mathbb" not in text  # no TeX source left untypeset


def test_the_stage_is_left_for_the_html(printed, book):
    stage = book.html_dir.parent / "book"
    assert "make pdf" in (stage / "_config.yml").read_text()
    assert pdf.NOTE_IN_PDF not in (stage / "_config.yml").read_text()
