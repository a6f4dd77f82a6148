"""The whole report as one PDF, printed from the book's HTML by headless Chromium.

``gan-study book --pdf`` (``make pdf``) builds jupyter-book's ``singlehtml``
page from the staged book folder (every chapter, in order, on one page), opens
it in headless Chromium through Selenium, waits until MathJax has typeset the
equations and every image has loaded, adds a small print stylesheet (no
navigation, no buttons, figures and tables kept whole, each chapter on a new
page) and prints it with the DevTools command ``Page.printToPDF``.

Why Chromium and not LaTeX: jupyter-book's ``pdflatex`` builder needs a TeX
Live installation of several gigabytes, and its LaTeX renders the notebooks'
HTML outputs (the glued tables, the quiz) differently from the web book or not
at all. The book's HTML already shows the figures, the MathJax equations and
the tables as they are meant to look, and Chromium (about 400 MB installed,
``apt-get install chromium chromium-driver``) prints exactly that.

The PDF is written atomically to ``<build>/pdf/gan-study.pdf``. A build that
makes it also copies it into the staged book, and the HTML's introduction then
links it (the ``pdf_download`` MyST substitution, :func:`set_pdf_note`); a
build without ``--pdf`` keeps the default note, which says how to make it, so
that the HTML never links a file it does not have.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gan_study import report, store

#: File name of the PDF, in ``<build>/pdf/`` and in the staged book.
PDF_NAME = "gan-study.pdf"

#: What to install when Chromium or its driver is missing (Debian, Ubuntu).
INSTALL_HINT = "apt-get install chromium chromium-driver"

#: What to install when Selenium is missing.
SELENIUM_HINT = "pip install -e '.[pdf]' (the pdf extra; the dev extra has it too)"

#: Name of the MyST substitution in ``book/intro.md`` that mentions the PDF.
NOTE_KEY = "pdf_download"

#: The note in the printed PDF itself.
NOTE_IN_PDF = (
    "This PDF is the whole report, every chapter with its figures, tables and "
    "references, printed from the HTML book by `make pdf` (`gan-study book --pdf`)."
)

#: The note in an HTML book built with the PDF: a link to the copy in the stage
#: (MyST makes it a download link, which Sphinx copies into ``_downloads/``).
NOTE_WITH_LINK = (
    f"[Download the whole report as a PDF]({PDF_NAME}): every chapter with its figures, "
    "tables and references, printed by `make pdf` (`gan-study book --pdf`)."
)

#: A4 in inches (210 mm x 297 mm), as ``Page.printToPDF`` wants it.
A4_INCHES = (210 / 25.4, 297 / 25.4)

#: Page margins in inches: top and bottom leave room for the header and footer.
MARGINS_INCHES = {"top": 0.7, "bottom": 0.7, "left": 0.6, "right": 0.6}

#: Print stylesheet added to the single page before printing: the web book's
#: navigation, buttons and sidebars go, and so do the code and outputs that it
#: folds away and the quiz's clickable version; figures, tables and equations
#: are kept on one page each; every chapter (a document of the table of
#: contents) starts a new page, as does the text after the contents; links
#: print as text.
PRINT_CSS = """
@page { size: A4; }
html, body { background: #fff !important; }
.bd-header, .bd-header-article, .header-article, .bd-sidebar-primary,
.bd-sidebar-secondary, .bd-footer, .bd-footer-article, .bd-footer-content,
.prev-next-area, .footer-article, .skip-link, .search-button-field, #pst-back-to-top,
.headerlink, .copybtn, .toggle-button, .theme-switch-button, .bd-search,
.primary-toggle, .secondary-toggle, .article-header-buttons, .sidebar-toggle,
.bd-header-announcement, #pst-skip-link { display: none !important; }
.bd-container, .bd-container__inner, .bd-main, .bd-content, .bd-article-container,
.bd-article, .bd-page-width { display: block !important; max-width: none !important;
  width: auto !important; min-width: 0 !important; margin: 0 !important;
  padding: 0 !important; box-shadow: none !important; }
body { font-size: 10.5pt; }
h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; break-inside: avoid; }
figure, table, .figure, .math, mjx-container[display="true"], .admonition,
.cell_input, .cell_output img, .highlight, details, tr {
  break-inside: avoid; page-break-inside: avoid; }
img { max-width: 100% !important; height: auto; }
table { max-width: 100% !important; font-size: 8pt; }
th, td { overflow-wrap: break-word; padding: 0.15rem 0.3rem !important; }
.pst-scrollable-table-container, .output, .cell_output, .highlight, .table-wrapper,
div.output_area { overflow: visible !important; max-height: none !important; }
details.hide.above-input, details.hide.below-input { display: none !important; }
/* the classroom quiz's clickable version; the chapter prints a numbered copy too */
div.cell:has([data-quiz-key]), [data-quiz-key] { display: none !important; }
figure img { max-height: 16cm; width: auto; object-fit: contain; }
figcaption, .caption { break-before: avoid; page-break-before: avoid; }
span[id^="document-"] + section { break-before: page; page-break-before: always; }
#jb-print-docs-body { break-after: page; page-break-after: always; }
a, a:visited { color: inherit; text-decoration: none; }
pre { white-space: pre-wrap; word-break: break-word; }
table.gan-study-wide { font-size: 7pt; }
table.gan-study-wide th, table.gan-study-wide td { overflow-wrap: anywhere; }
"""

#: Selenium script that marks the tables wider than their column (long
#: numbers that do not wrap) with the class ``gan-study-wide``, which
#: :data:`PRINT_CSS` prints smaller and lets wrap anywhere, so that no table
#: is cut at the page's edge. Run with the viewport as wide as the printed
#: column. Returns how many tables it marked.
FIT_TABLES_SCRIPT = """
let wide = 0;
for (const table of document.querySelectorAll("article table")) {
  const column = table.parentElement.getBoundingClientRect().width;
  if (table.getBoundingClientRect().width > column + 1) {
    table.classList.add("gan-study-wide");
    wide += 1;
  }
}
return wide;
"""

#: Selenium script (``execute_async_script``) that waits until the page is
#: ready to print: MathJax has typeset every equation, every image has loaded
#: (lazy ones are made eager), and the web fonts are in. Returns a summary.
READY_SCRIPT = """
const done = arguments[arguments.length - 1];
(async () => {
  for (const img of document.images) { img.loading = "eager"; }
  const mj = window.MathJax;
  if (mj && mj.startup && mj.startup.promise) {
    await mj.startup.promise;
    if (mj.typesetPromise) { await mj.typesetPromise(); }
  }
  await Promise.all(Array.from(document.images).map(img => img.complete ? null :
    new Promise(resolve => { img.addEventListener("load", resolve);
                             img.addEventListener("error", resolve); })));
  if (document.fonts && document.fonts.ready) { await document.fonts.ready; }
  done({
    mathjax: Boolean(mj && mj.startup),
    equations: document.querySelectorAll("mjx-container").length,
    math_errors: document.querySelectorAll("mjx-merror").length,
    images: document.images.length,
    broken: Array.from(document.images).filter(i => !i.naturalWidth).map(i => i.src),
  });
})().catch(error => done({error: String(error)}));
"""


class PdfError(RuntimeError):
    """The PDF could not be made (a missing browser, a failed build or print)."""


@dataclass(frozen=True)
class Browser:
    """The Chromium binary and the chromedriver that drives it."""

    chromium: Path
    chromedriver: Path


# ------------------------------------------------------------- requirements
def find_browser() -> Browser:
    """Find ``chromium`` (or ``chromium-browser``) and ``chromedriver`` on ``PATH``.

    Returns
    -------
    Browser

    Raises
    ------
    PdfError
        Naming what is missing and how to install it.
    """
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    missing = [
        name for name, found in (("chromium", chromium), ("chromedriver", driver)) if not found
    ]
    if missing:
        raise PdfError(
            f"the PDF needs headless Chromium: {' and '.join(missing)} not found on PATH "
            f"(Debian/Ubuntu: {INSTALL_HINT})"
        )
    return Browser(Path(chromium), Path(driver))


def require_selenium() -> None:
    """Raise :class:`PdfError` naming the extra to install when Selenium is missing."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        raise PdfError(f"the PDF needs the selenium package: {SELENIUM_HINT}") from None


# ------------------------------------------------------------- the single page
def root_document(stage: Path) -> str:
    """The root document of the staged book (``root`` in ``_toc.yml``), e.g. ``intro``."""
    import yaml

    toc = yaml.safe_load((stage / "_toc.yml").read_text(encoding="utf-8"))
    return str(toc["root"])


def set_pdf_note(stage: Path, note: str) -> None:
    """Set the ``pdf_download`` substitution of the staged book's ``_config.yml`` to ``note``.

    ``book/_config.yml`` holds the default (how to make the PDF); the PDF
    step sets :data:`NOTE_IN_PDF` before it builds the single page and
    :data:`NOTE_WITH_LINK` before the HTML build, once the PDF is in the
    stage. Only the staged copy is changed.

    Parameters
    ----------
    stage : pathlib.Path
        The staged jupyter-book folder.
    note : str
        MyST inline markup.
    """
    import yaml

    path = stage / "_config.yml"
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    parse = config.setdefault("parse", {})
    parse.setdefault("myst_substitutions", {})[NOTE_KEY] = note
    store.atomic_write_text(path, yaml.safe_dump(config, sort_keys=False, allow_unicode=True))


def build_singlehtml(stage: Path, *, strict: bool = False) -> Path:
    """Build jupyter-book's ``singlehtml`` page of ``stage``; return the page.

    The notebooks in the stage are executed already (execution is off in the
    book's configuration), so this only renders them, every chapter in the
    order of ``_toc.yml``.

    Parameters
    ----------
    stage : pathlib.Path
        The staged jupyter-book folder (``<build>/book``).
    strict : bool
        Sphinx warnings fail the build.

    Returns
    -------
    pathlib.Path
        ``stage/_build/singlehtml/<root>.html``.

    Raises
    ------
    PdfError
        jupyter-book failed.
    """
    try:
        report.run_jupyter_book(stage, builder="singlehtml", strict=strict)
    except report.BuildError as exc:
        raise PdfError(str(exc)) from None
    page = stage / "_build" / "singlehtml" / f"{root_document(stage)}.html"
    if not page.is_file():
        raise PdfError(f"jupyter-book's singlehtml build wrote no {page}")
    return page


# ------------------------------------------------------------------ printing
def print_options(title: str = "", *, page_numbers: bool = True) -> dict[str, Any]:
    """Parameters of the DevTools command ``Page.printToPDF``.

    A4 with the backgrounds (figure and table shading) printed, the page
    size of these options rather than the page's CSS, and, with
    ``page_numbers``, ``title`` in the header and "page / pages" in the footer.

    Parameters
    ----------
    title : str
        Header text (HTML-escaped here).
    page_numbers : bool
        Print the header and footer.

    Returns
    -------
    dict
    """
    from html import escape

    width, height = A4_INCHES
    options: dict[str, Any] = {
        "paperWidth": round(width, 4),
        "paperHeight": round(height, 4),
        "marginTop": MARGINS_INCHES["top"],
        "marginBottom": MARGINS_INCHES["bottom"],
        "marginLeft": MARGINS_INCHES["left"],
        "marginRight": MARGINS_INCHES["right"],
        "printBackground": True,
        "preferCSSPageSize": False,
        "displayHeaderFooter": page_numbers,
        # no bookmarks: Chromium's outline repeats the words of a heading that a
        # page-break rule moved to the next page ("3.4. 3.4. DCGAN: DCGAN: dcgan")
        "generateDocumentOutline": False,
        "transferMode": "ReturnAsBase64",
    }
    if page_numbers:
        style = "font-size:8px;width:100%;margin:0 0.6in;color:#555;font-family:sans-serif;"
        options["headerTemplate"] = f'<div style="{style}">{escape(title)}</div>'
        options["footerTemplate"] = (
            f'<div style="{style}text-align:center;">'
            '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
        )
    return options


def prepare_script(css: str = PRINT_CSS) -> str:
    """JavaScript that readies the single page for print.

    It appends ``css`` to the page's ``<head>`` as a ``<style>`` and opens
    every dropdown (``sphinx-design``'s, e.g. the exercises' solutions and
    the quiz's answer key), which paper cannot open; the code cells and
    outputs that the web book folds away (``hide-input``, ``hide-output``)
    stay out, by ``css``.

    Parameters
    ----------
    css : str

    Returns
    -------
    str
        A script for Selenium's ``execute_script``.
    """
    return (
        "const style = document.createElement('style');"
        "style.setAttribute('data-gan-study', 'print');"
        f"style.textContent = {json.dumps(css)};"
        "document.head.appendChild(style);"
        "for (const d of document.querySelectorAll('details.sd-dropdown')) { d.open = true; }"
    )


def column_width_px() -> int:
    """Width of the printed column (A4 less the side margins) in CSS pixels (96 per inch)."""
    return round((A4_INCHES[0] - MARGINS_INCHES["left"] - MARGINS_INCHES["right"]) * 96)


def chromium_arguments(profile_dir: Path) -> list[str]:
    """Command-line switches for headless Chromium with its profile in ``profile_dir``."""
    return [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--window-size=1000,1400",
        f"--user-data-dir={profile_dir / 'user-data'}",
        f"--disk-cache-dir={profile_dir / 'cache'}",
        f"--crash-dumps-dir={profile_dir / 'crashes'}",
        # file:// pages may load the images and fonts beside them
        "--allow-file-access-from-files",
    ]


def check_ready(summary: Mapping[str, Any] | None) -> dict[str, Any]:
    """Check the page summary of :data:`READY_SCRIPT`; raise :class:`PdfError` when not printable.

    Not printable: the script failed, an image did not load, or an equation
    is a MathJax error.
    """
    if not isinstance(summary, Mapping):
        raise PdfError(f"the page did not report whether it is ready: {summary!r}")
    if summary.get("error"):
        raise PdfError(f"waiting for MathJax and the images failed: {summary['error']}")
    broken = list(summary.get("broken") or [])
    if broken:
        shown = ", ".join(broken[:5]) + (" ..." if len(broken) > 5 else "")
        raise PdfError(f"{len(broken)} image(s) of the single page did not load: {shown}")
    if summary.get("math_errors"):
        raise PdfError(f"MathJax could not typeset {summary['math_errors']} equation(s)")
    return dict(summary)


def render_pdf(
    page: Path,
    *,
    browser: Browser | None = None,
    title: str = "",
    timeout: float = 180.0,
    log: Callable[[str], None] = print,
) -> bytes:
    """Open ``page`` in headless Chromium, wait until it is typeset, print it to PDF.

    Parameters
    ----------
    page : pathlib.Path
        An HTML file (opened from ``file://``, no server).
    browser : Browser, optional
        Default: :func:`find_browser`.
    title : str
        Header text of every page.
    timeout : float
        Seconds allowed to load the page and to typeset it, each.
    log : callable
        Receives one line about what the page holds.

    Returns
    -------
    bytes
        The PDF.

    Raises
    ------
    PdfError
        No browser or Selenium, or the page could not be loaded or printed.
    """
    browser = browser or find_browser()
    require_selenium()
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="gan-study-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = str(browser.chromium)
        for arg in chromium_arguments(Path(profile)):
            options.add_argument(arg)
        # an explicit driver path: Selenium Manager never tries to download one
        service = Service(executable_path=str(browser.chromedriver), log_output=os.devnull)
        try:
            driver = webdriver.Chrome(options=options, service=service)
        except WebDriverException as exc:
            raise PdfError(f"headless Chromium did not start: {exc.msg or exc}") from None
        try:
            driver.set_page_load_timeout(timeout)
            driver.set_script_timeout(timeout)
            # lay the page out as it will be printed: print media, one column wide
            driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
            driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {
                    "width": column_width_px(),
                    "height": 1200,
                    "deviceScaleFactor": 1,
                    "mobile": False,
                },
            )
            driver.get(page.resolve().as_uri())
            driver.execute_script(prepare_script())
            summary = check_ready(driver.execute_async_script(READY_SCRIPT))
            wide = driver.execute_script(FIT_TABLES_SCRIPT)
            log(
                f"the single page: {summary['images']} images, "
                f"{summary['equations']} MathJax equations, {wide} wide table(s) set smaller"
            )
            result = driver.execute_cdp_cmd("Page.printToPDF", print_options(title))
        except WebDriverException as exc:
            raise PdfError(
                f"printing {page} with headless Chromium failed: {exc.msg or exc}"
            ) from None
        finally:
            driver.quit()
    return base64.b64decode(result["data"])


def book_title(stage: Path) -> str:
    """The ``title`` of the staged book's ``_config.yml`` (empty when none)."""
    import yaml

    config = yaml.safe_load((stage / "_config.yml").read_text(encoding="utf-8")) or {}
    return str(config.get("title", ""))


def make_pdf(
    stage: Path,
    pdf_path: Path,
    *,
    strict: bool = False,
    log: Callable[[str], None] = print,
) -> Path:
    """Print the staged book to one PDF at ``pdf_path`` (written atomically).

    Checks for Chromium, chromedriver and Selenium first, then builds the
    single page (:func:`build_singlehtml`) with the PDF's own note in the
    introduction and prints it (:func:`render_pdf`). The stage's
    ``_config.yml`` is left as it was; :func:`offer_download` then makes the
    HTML link the PDF.

    Parameters
    ----------
    stage : pathlib.Path
        The staged jupyter-book folder whose notebooks are executed
        (``<build>/book``, kept by :func:`gan_study.report.build`).
    pdf_path : pathlib.Path
        Where the PDF goes, e.g. ``<build>/pdf/gan-study.pdf``.
    strict : bool
        Sphinx warnings fail the single page's build.
    log : callable
        Receives one line per step.

    Returns
    -------
    pathlib.Path
        ``pdf_path``.

    Raises
    ------
    PdfError
        A missing browser, driver or package (named, with how to install
        it), or a failed build or print.
    """
    stage, pdf_path = Path(stage), Path(pdf_path)
    browser = find_browser()
    require_selenium()
    start = time.perf_counter()
    config = stage / "_config.yml"
    original = config.read_bytes()
    set_pdf_note(stage, NOTE_IN_PDF)
    try:
        page = build_singlehtml(stage, strict=strict)
    finally:  # the stage's HTML build keeps the book's own note
        store.atomic_write_bytes(config, original)
    log(f"built the single page in {time.perf_counter() - start:.0f} s; printing it ...")
    data = render_pdf(page, browser=browser, title=book_title(stage), log=log)
    if not data.startswith(b"%PDF-"):
        raise PdfError("headless Chromium returned something that is not a PDF")
    store.atomic_write_bytes(pdf_path, data)
    log(f"the PDF ({len(data) / 1e6:.1f} MB) in {time.perf_counter() - start:.0f} s: {pdf_path}")
    return pdf_path


def offer_download(stage: Path, pdf_path: Path) -> Path:
    """Copy the PDF into ``stage`` and make the introduction link it.

    The HTML build that follows then has the file, which MyST links as a
    download (Sphinx copies it into ``_downloads/``), so the strict build
    finds its target.

    Returns
    -------
    pathlib.Path
        The copy in the stage.
    """
    copy = Path(stage) / PDF_NAME
    store.atomic_write_bytes(copy, Path(pdf_path).read_bytes())
    set_pdf_note(stage, NOTE_WITH_LINK)
    return copy
