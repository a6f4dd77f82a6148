"""Render the study: execute the notebooks with papermill, then build the book.

What :func:`build` does, in order:

1. **Discover** the chapters: every ``notebooks/*.py`` (jupytext py:percent),
   sorted by file name. A chapter is a file; nothing else has to list it.
2. **Resolve parameters** (:mod:`gan_study.parameters`): the profile's values for the notebook
   (:data:`gan_study.profiles.PROFILES`), then the command-line overrides.
   ``name=value`` applies to every notebook whose ``parameters`` cell has
   ``name``; ``02_data.name=value`` to that notebook only. Values are read as
   Python literals (``3``, ``0.5``, ``None``, ``"x"``, ``[1, 2]``), then as
   JSON (``true``, ``null``); anything else is taken as a plain string
   (``-p source dermamnist``). An unknown name is an error that lists the
   valid ones; so is a value whose type does not match the default.
3. **Execute** (:mod:`gan_study.execution`) each notebook headless with papermill (kernel ``python3`` of
   the current environment, working directory = the repository root,
   ``PYTHONUNBUFFERED=1``) into ``_build/executed/NAME.ipynb``.
   With ``jobs > 1`` (``gan-study book`` uses 2) notebooks run side by side
   in separate processes; a chapter starts only once the chapters whose runs
   it reuses have finished (:data:`PREREQUISITES`).
   *Interruption*: Ctrl-C (SIGINT) or SIGTERM stops the build: the
   notebooks being executed are stopped with their processes and kernels,
   none of them gets a stamp (the partial output is kept as
   ``NAME.failed.ipynb``), and :class:`BuildInterrupted` is raised. A worker
   whose parent dies stops itself the same way.
   *Reuse*: beside each executed notebook, ``NAME.stamp.json`` records a
   SHA-256 of (the notebook source, its parameters, every file of the
   ``gan_study`` package, the ``GAN_STUDY_*`` location variables, the
   Python version). When the fingerprint is unchanged the notebook is not
   executed again; ``force=True`` (``gan-study book --force``) re-executes.
   The stamp is deleted before execution and written only after success, so
   a failed notebook never looks fresh; its partial output is kept as
   ``NAME.failed.ipynb`` for inspection. TensorFlow's native start-up and
   info notices are removed from the executed copy (:data:`NATIVE_LOG_NOISE`).
4. **Stage** the book source in ``_build/book/``: ``book/`` (config, intro,
   bibliography), ``references.bib`` from the package, MathJax from
   ``book/_mathjax`` (served locally, no CDN), the executed notebooks and a
   generated ``_toc.yml`` (chapters ``01``-``89`` form the study,
   ``9x`` the appendix).
5. **Build the HTML** with jupyter-book 1.x (``execute_notebooks: off``, the
   notebooks are already executed) and move it to ``_build/html``.

A failing notebook stops the build with :class:`NotebookFailed`, whose
message names the notebook, the cell and the error.
"""

from __future__ import annotations

import datetime
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from gan_study import machine
from gan_study import profiles as _profiles

# the names below are re-exported: the CLI, run_plan, pdf and the tests reach them here
from gan_study.execution import FINGERPRINT_ENV, BuildError, Executed, execute_all
from gan_study.execution import PREREQUISITES as PREREQUISITES
from gan_study.execution import BuildInterrupted as BuildInterrupted
from gan_study.execution import NotebookFailed as NotebookFailed
from gan_study.execution import execute_notebook as execute_notebook
from gan_study.execution import is_fresh as is_fresh
from gan_study.execution import prerequisites as prerequisites
from gan_study.parameters import Override, discover_notebooks, parse_overrides, resolve_parameters
from gan_study.parameters import notebook_parameters as notebook_parameters
from gan_study.parameters import parse_value as parse_value

BOOK_DIR = "book"
BUILD_DIR = "_build"
#: Notebooks whose stem starts with this go to the appendix part of the toc.
APPENDIX_PREFIX = "9"
REFERENCES_BIB = Path(__file__).parent / "resources" / "literature" / "references.bib"


# -------------------------------------------------------------------- staging
def write_toc(stage: Path, executed: Sequence[Executed], root_doc: str = "intro") -> Path:
    """Write ``_toc.yml``: the intro, the chapters, then the appendix and bibliography."""
    chapters = [{"file": f"notebooks/{e.name}"} for e in executed]
    study = [
        c for c, e in zip(chapters, executed, strict=True) if not e.name.startswith(APPENDIX_PREFIX)
    ]
    appendix = [
        c for c, e in zip(chapters, executed, strict=True) if e.name.startswith(APPENDIX_PREFIX)
    ]
    appendix.append({"file": "bibliography"})
    parts = []
    if study:
        parts.append({"caption": "The study", "numbered": True, "chapters": study})
    parts.append({"caption": "Appendix", "chapters": appendix})
    toc = {"format": "jb-book", "root": root_doc, "parts": parts}
    path = stage / "_toc.yml"
    path.write_text(
        "# Generated by gan_study.report from notebooks/*.py; do not edit.\n"
        + yaml.safe_dump(toc, sort_keys=False)
    )
    return path


def stage_book(root: Path, stage: Path, executed: Sequence[Executed]) -> Path:
    """Assemble the jupyter-book source folder ``stage`` from ``book/`` and the executed notebooks."""
    book = root / BOOK_DIR
    if not (book / "_config.yml").is_file():
        raise FileNotFoundError(f"{book / '_config.yml'} is missing; the book needs its config")
    mathjax = book / "_mathjax" / "tex-chtml.js"
    if not mathjax.is_file():
        raise FileNotFoundError(
            f"{mathjax} is missing (MathJax is served locally so equations render offline); "
            "run `make book/_mathjax/tex-chtml.js`"
        )
    if stage.exists():
        shutil.rmtree(stage)
    ignore = shutil.ignore_patterns("_build", "_mathjax", "notebooks", ".*")
    shutil.copytree(book, stage, ignore=ignore)
    shutil.copytree(book / "_mathjax", stage / "_static_mathjax" / "mathjax")
    shutil.copy2(REFERENCES_BIB, stage / "references.bib")
    (stage / "notebooks").mkdir()
    for e in executed:
        shutil.copy2(e.path, stage / "notebooks" / e.path.name)
    write_toc(stage, executed)
    return stage


def run_jupyter_book(stage: Path, *, builder: str | None = None, strict: bool = False) -> None:
    """Run ``jupyter-book build --all`` on ``stage`` (into ``stage/_build/<builder>``).

    ``builder`` is jupyter-book's (default: its HTML); ``strict`` turns Sphinx
    warnings into errors (``--warningiserror --keep-going``).

    Raises
    ------
    BuildError
        jupyter-book failed; the message ends with the last 40 lines of its output.
    """
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe) if exe.exists() else "jupyter-book", "build", str(stage), "--all"]
    if builder:
        cmd += ["--builder", builder]
    if strict:
        cmd += ["--warningiserror", "--keep-going"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-40:])
        what = f"jupyter-book's {builder} build" if builder else "jupyter-book build"
        raise BuildError(f"{what} failed (exit {proc.returncode}):\n{tail}")


def build_html(stage: Path, html_dir: Path, *, strict: bool = False) -> Path:
    """Run ``jupyter-book build`` on ``stage`` and move the HTML to ``html_dir``.

    ``strict`` turns Sphinx warnings into errors (``--warningiserror
    --keep-going``), as CI and the tests do.
    """
    run_jupyter_book(stage, strict=strict)
    built = stage / "_build" / "html"
    point_launch_links_at_sources(built)
    if html_dir.exists():
        shutil.rmtree(html_dir)
    html_dir.parent.mkdir(parents=True, exist_ok=True)
    os.replace(built, html_dir)
    return html_dir


def point_launch_links_at_sources(html_dir: Path) -> int:
    """Make the Binder buttons open ``notebooks/NAME.py``, the file the repository has.

    The book is built from executed ``.ipynb`` copies, so the theme links to
    ``notebooks/NAME.ipynb``, which is not committed; with jupytext (a
    dependency) JupyterLab opens the ``.py`` file as a notebook. Colab cannot
    open ``.py`` files from GitHub, so the book offers no Colab button.

    Returns
    -------
    int
        Number of links rewritten.
    """
    pattern = re.compile(r"(urlpath=lab/tree/notebooks/[\w.-]+?)\.ipynb")
    count = 0
    for page in (html_dir / "notebooks").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        new, n = pattern.subn(r"\1.py", text)
        if n:
            page.write_text(new, encoding="utf-8")
            count += n
    return count


# ---------------------------------------------------------------------- build
@dataclass
class BuildResult:
    """Where the book landed and what was executed."""

    html_dir: Path
    executed: list[Executed]
    seconds: float
    pdf: Path | None = None  # the whole book as one PDF, when built with pdf=True

    @property
    def index(self) -> Path:
        return self.html_dir / "index.html"


def _select(notebooks: list[Path], only: Sequence[str] | None) -> list[Path]:
    if not only:
        return notebooks
    chosen = []
    for key in only:
        key = Path(key).stem  # accept 02_data, 02_data.py, notebooks/02_data.py
        hits = [nb for nb in notebooks if nb.stem == key or nb.stem.split("_", 1)[0] == key]
        if not hits:
            raise ValueError(
                f"--only {key}: no such notebook; notebooks: "
                f"{', '.join(nb.stem for nb in notebooks)}"
            )
        chosen += [h for h in hits if h not in chosen]
    return sorted(chosen)


def build(
    profile: str = _profiles.DEFAULT_PROFILE,
    overrides: Sequence[Override] | Iterable[Sequence[str]] = (),
    *,
    only: Sequence[str] | None = None,
    root: str | os.PathLike = ".",
    build_dir: str | os.PathLike | None = None,
    strict: bool = False,
    force: bool = False,
    html: bool = True,
    profiles: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
    log: Callable[[str], None] = print,
    jobs: int = 1,
    pdf: bool = False,
) -> BuildResult:
    """Execute the notebooks for ``profile`` and render the book.

    Parameters
    ----------
    profile : str
        ``quick``, ``standard`` (default) or ``full``.
    overrides : sequence
        :class:`Override` objects or ``(NAME, VALUE)`` string pairs.
    only : sequence of str, optional
        Notebook stems or number prefixes (``02``); the book then holds only
        these chapters.
    root : path
        The repository root (holds ``notebooks/`` and ``book/``).
    build_dir : path, optional
        Default ``root/_build``: ``executed/``, ``book/`` (staged source) and
        ``html/`` (the report; open ``html/index.html``).
    strict : bool
        Sphinx warnings fail the build.
    force : bool
        Re-execute notebooks even when their executed copy is fresh.
    html : bool
        Build the HTML (False: execute only).
    profiles : mapping, optional
        Profile table (tests pass their own).
    log : callable
        Receives one line per step.
    jobs : int, default 1
        Notebooks executed at the same time, each in its own process, in the
        order :data:`PREREQUISITES` allows. Much of a small run is Python
        overhead (imports, tracing, saving) that a second core can overlap;
        the executed notebooks are the same as with ``jobs=1``.
    pdf : bool
        Also print the whole book to one PDF, ``build_dir/pdf/gan-study.pdf``
        (:mod:`gan_study.pdf`: jupyter-book's single page, printed by
        headless Chromium), which the HTML's introduction then links. Needs
        ``html``.

    Returns
    -------
    BuildResult

    Raises
    ------
    NotebookFailed
        A notebook raised (the others running at the time finish first).
    BuildError
        Also when ``pdf`` and the PDF could not be made (no Chromium, say);
        the HTML is built all the same, without the link.
    BuildInterrupted
        SIGINT or SIGTERM: the notebooks being executed are stopped with
        their worker processes and kernels, without stamps.
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer, got {jobs!r}")
    if pdf and not html:
        raise ValueError("pdf=True needs html=True: the PDF is printed from the book's HTML")
    start = time.perf_counter()
    root = Path(root).resolve()
    build_dir = Path(build_dir) if build_dir is not None else root / BUILD_DIR
    ovs = [o if isinstance(o, Override) else parse_overrides([o])[0] for o in overrides]
    notebooks = _select(discover_notebooks(root), only)
    params = resolve_parameters(notebooks, profile, ovs, profiles=profiles)
    executed = execute_all(
        notebooks, params, build_dir / "executed", root=root, force=force, jobs=jobs, log=log
    )
    html_dir = build_dir / "html"
    pdf_path, pdf_error = None, None
    if html:
        stage = stage_book(root, build_dir / "book", executed)
        if pdf:  # first, so that the HTML can link the PDF (gan_study.pdf)
            from gan_study import pdf as _pdf

            log("printing the whole book to one PDF (single page, headless Chromium) ...")
            try:
                pdf_path = _pdf.make_pdf(
                    stage, build_dir / "pdf" / _pdf.PDF_NAME, strict=strict, log=log
                )
                _pdf.offer_download(stage, pdf_path)
            except _pdf.PdfError as exc:  # the HTML keeps the note on how to make it
                pdf_error = exc
        log("building the HTML with jupyter-book ...")
        build_html(stage, html_dir, strict=strict)
        log(f"the report: {html_dir / 'index.html'}")
    if pdf_error is not None:
        raise BuildError(
            f"no PDF: {pdf_error}\nThe HTML report was built anyway: {html_dir / 'index.html'}"
        ) from pdf_error
    return BuildResult(html_dir, executed, time.perf_counter() - start, pdf=pdf_path)


# ---------------------------------------------------------------- environment
#: Distributions whose versions the appendix reports.
REPORTED_PACKAGES = (
    "gan-study",
    "tensorflow",
    "tensorflow-cpu",
    "keras",
    "numpy",
    "pandas",
    "scipy",
    "scikit-image",
    "pillow",
    "matplotlib",
    "seaborn",
    "pyyaml",
    "jupyter-book",
    "myst-nb",
    "sphinx",
    "sphinxcontrib-bibtex",
    "jupytext",
    "papermill",
    "ipykernel",
    "nbclient",
)


def environment(check_tensorflow: bool = True, cwd: str | os.PathLike = ".") -> dict:
    """Describe the machine, the code version and the package versions.

    Parameters
    ----------
    check_tensorflow : bool
        Import TensorFlow to report its version and visible GPUs (slow-ish).
    cwd : path
        The repository checkout whose git commit is reported.

    Returns
    -------
    dict
        ``machine``: a two-column DataFrame (item, value);
        ``packages``: a DataFrame (package, version), "not installed" where absent.
    """
    commit = machine.git("rev-parse", "HEAD", cwd=cwd) or "unavailable (no git checkout)"
    dirty = machine.git("status", "--porcelain", "--untracked-files=no", cwd=cwd)
    if not commit.startswith("unavailable"):
        commit += " (with uncommitted changes)" if dirty else " (clean)"
    rows = [
        ("built (UTC)", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")),
        ("git commit", commit),
        ("python", platform.python_version()),
        ("platform", platform.platform()),
        ("CPU", machine.cpu_model()),
        ("CPU cores visible", str(os.cpu_count())),
    ]
    if check_tensorflow:
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        rows.append(
            ("TensorFlow devices", ", ".join(d.name for d in tf.config.list_physical_devices()))
        )
        rows.append(("GPU", ", ".join(g.name for g in gpus) if gpus else "none (CPU only)"))
    for var in FINGERPRINT_ENV:
        rows.append((var, "set" if os.environ.get(var) else "not set (default location)"))
    packages = []
    for name in REPORTED_PACKAGES:
        try:
            packages.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            packages.append((name, "not installed"))
    return {
        "machine": pd.DataFrame(rows, columns=["item", "value"]),
        "packages": pd.DataFrame(packages, columns=["package", "version"]),
    }
