"""The PDF step's pure parts: print options, the print stylesheet, errors, the HTML's note.

The real print (Chromium, the quick book) is tests/book/test_book_pdf.py.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from gan_study import cli, pdf, report

ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------ print options
def test_print_options_are_a4_with_backgrounds_and_page_numbers():
    opts = pdf.print_options("GANs & <skin>")
    assert opts["paperWidth"] == pytest.approx(8.2677, abs=1e-3)
    assert opts["paperHeight"] == pytest.approx(11.6929, abs=1e-3)
    assert opts["printBackground"] is True
    assert opts["preferCSSPageSize"] is False
    assert opts["displayHeaderFooter"] is True
    assert 'class="pageNumber"' in opts["footerTemplate"]
    assert 'class="totalPages"' in opts["footerTemplate"]
    assert "GANs &amp; &lt;skin&gt;" in opts["headerTemplate"]  # escaped
    assert "font-size" in opts["headerTemplate"]  # Chromium's default is unreadably small
    for side in ("Top", "Bottom", "Left", "Right"):
        assert 0.3 <= opts[f"margin{side}"] <= 1.0


def test_print_options_without_page_numbers_have_no_header_or_footer():
    opts = pdf.print_options(page_numbers=False)
    assert opts["displayHeaderFooter"] is False
    assert "headerTemplate" not in opts and "footerTemplate" not in opts


def test_the_column_width_is_a4_less_the_side_margins():
    inches = 210 / 25.4 - pdf.MARGINS_INCHES["left"] - pdf.MARGINS_INCHES["right"]
    assert pdf.column_width_px() == round(inches * 96)


def test_chromium_runs_headless_with_its_profile_in_the_given_folder(tmp_path):
    args = pdf.chromium_arguments(tmp_path)
    assert "--headless=new" in args and "--no-sandbox" in args
    assert f"--user-data-dir={tmp_path / 'user-data'}" in args


# --------------------------------------------------------------- stylesheet
def test_the_prepare_script_injects_the_stylesheet_verbatim():
    css = 'a::after { content: "</style>\\n"; }\nfigure { break-inside: avoid; }'
    script = pdf.prepare_script(css)
    literal = re.search(r"style\.textContent = (\".*?(?<!\\)\");", script, re.S).group(1)
    assert json.loads(literal) == css
    assert "document.head.appendChild(style)" in script
    assert "details.sd-dropdown" in script and "open = true" in script


def test_the_print_stylesheet_keeps_figures_whole_and_starts_chapters_on_new_pages():
    css = pdf.PRINT_CSS
    keep = re.search(r"([^{}]*)\{\s*break-inside: avoid", css).group(1)
    for selector in ("figure", "table", ".math", ".cell_input"):
        assert selector in keep
    assert re.search(r'span\[id\^="document-"\] \+ section \{ break-before: page', css)
    assert ".bd-sidebar-primary" in css and "display: none" in css
    assert "table.gan-study-wide" in css and "gan-study-wide" in pdf.FIT_TABLES_SCRIPT


def test_the_ready_summary_must_show_every_image_and_equation():
    ok = {"images": 3, "equations": 2, "math_errors": 0, "broken": []}
    assert pdf.check_ready(ok) == ok
    with pytest.raises(pdf.PdfError, match="1 image"):
        pdf.check_ready({**ok, "broken": ["file:///x.png"]})
    with pytest.raises(pdf.PdfError, match="MathJax could not typeset 2"):
        pdf.check_ready({**ok, "math_errors": 2})
    with pytest.raises(pdf.PdfError, match="boom"):
        pdf.check_ready({"error": "boom"})
    with pytest.raises(pdf.PdfError, match="did not report"):
        pdf.check_ready(None)


# ------------------------------------------------------------------ errors
def _which(present: set[str]):
    return lambda name: f"/usr/bin/{name}" if name in present else None


def test_no_chromium_names_what_to_install(monkeypatch):
    monkeypatch.setattr(shutil, "which", _which(set()))
    with pytest.raises(pdf.PdfError) as err:
        pdf.find_browser()
    message = str(err.value)
    assert "chromium and chromedriver not found" in message
    assert "apt-get install chromium chromium-driver" in message


def test_only_the_missing_driver_is_named(monkeypatch):
    monkeypatch.setattr(shutil, "which", _which({"chromium"}))
    with pytest.raises(pdf.PdfError, match=r": chromedriver not found"):
        pdf.find_browser()


def test_chromium_browser_is_accepted(monkeypatch):
    monkeypatch.setattr(shutil, "which", _which({"chromium-browser", "chromedriver"}))
    browser = pdf.find_browser()
    assert browser.chromium == Path("/usr/bin/chromium-browser")
    assert browser.chromedriver == Path("/usr/bin/chromedriver")


def test_no_selenium_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "selenium", None)  # import selenium raises ImportError
    with pytest.raises(pdf.PdfError, match=r"selenium package: pip install -e '\.\[pdf\]'"):
        pdf.require_selenium()


# ------------------------------------------------------- the note in the HTML
@pytest.fixture()
def stage(tmp_path) -> Path:
    """A staged book folder with the real book's config and a one-chapter table of contents."""
    stage = tmp_path / "book"
    stage.mkdir()
    shutil.copy2(ROOT / "book" / "_config.yml", stage / "_config.yml")
    (stage / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    return stage


def _note_of(config: dict) -> str:
    return config["parse"]["myst_substitutions"][pdf.NOTE_KEY]


def _note(stage: Path) -> str:
    return _note_of(yaml.safe_load((stage / "_config.yml").read_text()))


def test_the_book_says_how_to_make_the_pdf_without_linking_it():
    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())
    note = config["parse"]["myst_substitutions"][pdf.NOTE_KEY]
    assert "make pdf" in note and "](" not in note  # no link to a file the build may lack
    assert "substitution" in config["parse"]["myst_enable_extensions"]
    assert "{{ pdf_download }}" in (ROOT / "book" / "intro.md").read_text()


def test_set_pdf_note_changes_only_the_note(stage):
    before = yaml.safe_load((stage / "_config.yml").read_text())
    pdf.set_pdf_note(stage, pdf.NOTE_WITH_LINK)
    after = yaml.safe_load((stage / "_config.yml").read_text())
    assert _note(stage) == pdf.NOTE_WITH_LINK
    after["parse"]["myst_substitutions"][pdf.NOTE_KEY] = _note_of(before)
    assert after == before
    assert pdf.book_title(stage) == before["title"]
    assert pdf.root_document(stage) == "intro"


def test_offer_download_copies_the_pdf_and_links_it(stage, tmp_path):
    made = tmp_path / "pdf" / pdf.PDF_NAME
    made.parent.mkdir()
    made.write_bytes(b"%PDF-1.4 test")
    copy = pdf.offer_download(stage, made)
    assert copy == stage / pdf.PDF_NAME and copy.read_bytes() == b"%PDF-1.4 test"
    assert f"]({pdf.PDF_NAME})" in _note(stage)


def test_make_pdf_without_chromium_fails_before_building_anything(stage, tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", _which(set()))
    config = (stage / "_config.yml").read_bytes()
    with pytest.raises(pdf.PdfError, match="apt-get install chromium chromium-driver"):
        pdf.make_pdf(stage, tmp_path / "out.pdf", log=lambda _: None)
    assert not (stage / "_build").exists() and not (tmp_path / "out.pdf").exists()
    assert (stage / "_config.yml").read_bytes() == config


def test_make_pdf_builds_the_page_with_its_own_note_and_restores_the_config(
    stage, tmp_path, monkeypatch
):
    monkeypatch.setattr(pdf, "find_browser", lambda: pdf.Browser(Path("c"), Path("d")))
    monkeypatch.setattr(pdf, "require_selenium", lambda: None)
    seen = {}

    def singlehtml(stage, *, strict):
        seen["note"], seen["strict"] = _note(stage), strict
        return stage / "page.html"

    monkeypatch.setattr(pdf, "build_singlehtml", singlehtml)
    monkeypatch.setattr(pdf, "render_pdf", lambda page, **kw: b"%PDF-1.4 fake")
    config = (stage / "_config.yml").read_bytes()
    out = pdf.make_pdf(stage, tmp_path / "pdf" / "x.pdf", strict=True, log=lambda _: None)
    assert out.read_bytes() == b"%PDF-1.4 fake"
    assert seen == {"note": pdf.NOTE_IN_PDF, "strict": True}
    assert (stage / "_config.yml").read_bytes() == config

    def failing(stage, *, strict):
        raise pdf.PdfError("sphinx said no")

    monkeypatch.setattr(pdf, "build_singlehtml", failing)
    with pytest.raises(pdf.PdfError, match="sphinx said no"):
        pdf.make_pdf(stage, tmp_path / "pdf" / "y.pdf", log=lambda _: None)
    assert (stage / "_config.yml").read_bytes() == config
    assert not (tmp_path / "pdf" / "y.pdf").exists()


def test_something_that_is_not_a_pdf_is_not_written(stage, tmp_path, monkeypatch):
    monkeypatch.setattr(pdf, "find_browser", lambda: pdf.Browser(Path("c"), Path("d")))
    monkeypatch.setattr(pdf, "require_selenium", lambda: None)
    monkeypatch.setattr(pdf, "build_singlehtml", lambda stage, strict: stage / "page.html")
    monkeypatch.setattr(pdf, "render_pdf", lambda page, **kw: b"<html>")
    with pytest.raises(pdf.PdfError, match="not a PDF"):
        pdf.make_pdf(stage, tmp_path / "z.pdf", log=lambda _: None)
    assert not (tmp_path / "z.pdf").exists()


# ------------------------------------------------------- report.build, the CLI
@pytest.fixture()
def fake_build(tmp_path, monkeypatch):
    """report.build with no notebooks: stage_book and build_html only record what they see."""
    calls = {}

    def stage_book(root, stage, executed):
        stage.mkdir(parents=True)
        shutil.copy2(ROOT / "book" / "_config.yml", stage / "_config.yml")
        (stage / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
        return stage

    def build_html(stage, html_dir, *, strict=False):
        calls["note"] = _note(stage)
        calls["pdf_in_stage"] = (stage / pdf.PDF_NAME).is_file()
        html_dir.mkdir(parents=True)
        (html_dir / "index.html").write_text("<html></html>")
        return html_dir

    monkeypatch.setattr(report, "discover_notebooks", lambda root: [])
    monkeypatch.setattr(report, "resolve_parameters", lambda *a, **k: {})
    monkeypatch.setattr(report, "execute_all", lambda *a, **k: [])
    monkeypatch.setattr(report, "stage_book", stage_book)
    monkeypatch.setattr(report, "build_html", build_html)
    return calls


def test_build_with_pdf_links_it_from_the_html(fake_build, tmp_path, monkeypatch):
    def make_pdf(stage, pdf_path, *, strict=False, log=print):
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        pdf_path.write_bytes(b"%PDF-1.4 fake")
        return pdf_path

    monkeypatch.setattr(pdf, "make_pdf", make_pdf)
    result = report.build("quick", build_dir=tmp_path / "b", pdf=True, log=lambda _: None)
    assert result.pdf == tmp_path / "b" / "pdf" / pdf.PDF_NAME
    assert fake_build == {"note": pdf.NOTE_WITH_LINK, "pdf_in_stage": True}


def test_build_without_chromium_builds_the_html_anyway(fake_build, tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", _which(set()))
    with pytest.raises(report.BuildError) as err:
        report.build("quick", build_dir=tmp_path / "b", pdf=True, log=lambda _: None)
    message = str(err.value)
    assert "apt-get install chromium chromium-driver" in message
    assert "HTML report was built anyway" in message
    assert (tmp_path / "b" / "html" / "index.html").is_file()
    assert "make pdf" in fake_build["note"] and not fake_build["pdf_in_stage"]


def test_build_without_pdf_keeps_the_note(fake_build, tmp_path):
    result = report.build("quick", build_dir=tmp_path / "b", log=lambda _: None)
    assert result.pdf is None
    assert fake_build["note"] == _note_of(
        yaml.safe_load((ROOT / "book" / "_config.yml").read_text())
    )


def test_pdf_needs_the_html():
    with pytest.raises(ValueError, match="pdf=True needs html=True"):
        report.build("quick", html=False, pdf=True)


def test_cli_passes_pdf_on(monkeypatch, tmp_path):
    seen = {}

    def build(profile, overrides, **kw):
        seen.update(kw)
        return report.BuildResult(tmp_path, [], 0.0)

    monkeypatch.setattr(report, "build", build)
    assert cli.main(["book", "--profile", "quick", "--pdf"]) == 0
    assert seen["pdf"] is True and seen["html"] is True
    assert cli.main(["book", "--profile", "quick"]) == 0
    assert seen["pdf"] is False


def test_cli_rejects_pdf_without_html(capsys):
    assert cli.main(["book", "--pdf", "--no-html"]) == 2
    assert "--pdf" in capsys.readouterr().err


def test_cli_reports_a_missing_browser_as_a_build_error(monkeypatch, capsys):
    def build(profile, overrides, **kw):
        raise report.BuildError("no PDF: ... The HTML report was built anyway: x")

    monkeypatch.setattr(report, "build", build)
    assert cli.main(["book", "--pdf"]) == 1
    assert "built anyway" in capsys.readouterr().err
