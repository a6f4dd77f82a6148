"""Render the study: execute the notebooks with papermill, then build the book.

What :func:`build` does, in order:

1. **Discover** the chapters: every ``notebooks/*.py`` (jupytext py:percent),
   sorted by file name. A chapter is a file; nothing else has to list it.
2. **Resolve parameters**: the profile's values for the notebook
   (:data:`gan_study.profiles.PROFILES`), then the command-line overrides.
   ``name=value`` applies to every notebook whose ``parameters`` cell has
   ``name``; ``02_data.name=value`` to that notebook only. Values are read as
   Python literals (``3``, ``0.5``, ``None``, ``"x"``, ``[1, 2]``), then as
   JSON (``true``, ``null``); anything else is taken as a plain string
   (``-p source dermamnist``). An unknown name is an error that lists the
   valid ones; so is a value whose type does not match the default.
3. **Execute** each notebook headless with papermill (kernel ``python3`` of
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

import ast
import contextlib
import copy
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gan_study
from gan_study import machine, paths
from gan_study import profiles as _profiles

NOTEBOOK_DIR = "notebooks"
BOOK_DIR = "book"
BUILD_DIR = "_build"
KERNEL_NAME = "python3"
#: Environment variables whose values change what a notebook computes.
FINGERPRINT_ENV = ("GAN_STUDY_DATA_DIR", "GAN_STUDY_CACHE_DIR", "GAN_STUDY_RUNS_DIR")
#: Notebooks whose stem starts with this go to the appendix part of the toc.
APPENDIX_PREFIX = "9"
REFERENCES_BIB = Path(__file__).parent / "resources" / "literature" / "references.bib"
#: The package whose files are part of every notebook's fingerprint.
PACKAGE_DIR = Path(gan_study.__file__).parent

#: Which chapters reuse what others make, derived from the shared groups of
#: :mod:`gan_study.profiles` (:func:`~gan_study.profiles.prerequisites`). With
#: ``jobs > 1`` a chapter starts only after the chapters it reuses have finished
#: (so that a GAN or classifier is trained once, by its maker, and never by two
#: processes at the same time). A chapter not listed here waits for every
#: chapter before it.
PREREQUISITES: dict[str, tuple[str, ...]] = _profiles.prerequisites()


class BuildError(Exception):
    """The report could not be built (bad configuration, jupyter-book failure)."""


class BuildInterrupted(BuildError):
    """The build was interrupted (SIGINT or SIGTERM); the notebooks it stopped are not stamped.

    Attributes
    ----------
    signum : int
        The signal (``signal.SIGINT`` or ``signal.SIGTERM``).
    stopped : list of str
        The notebooks whose execution was stopped.
    """

    def __init__(self, signum: int, stopped: Sequence[str]):
        self.signum, self.stopped = int(signum), list(stopped)
        name = signal.Signals(signum).name
        if stopped:
            what = (
                f"stopped {', '.join(stopped)} before they finished (not stamped: they are "
                "executed again next time; the partial output is in NAME.failed.ipynb)"
            )
        else:
            what = "no notebook was being executed"
        super().__init__(f"interrupted ({name}): {what}; notebooks that finished are kept")

    def __reduce__(self):
        return (type(self), (self.signum, self.stopped))


class NotebookFailed(BuildError):
    """A notebook raised an error while it was executed.

    Attributes
    ----------
    notebook : str
        The notebook's stem, e.g. ``"02_data"``.
    cell : int or None
        1-based number of the failing cell in the source notebook
        (``# %%`` cells of ``notebooks/NAME.py``).
    ename, evalue : str
        Exception name and message raised in the cell.
    """

    def __init__(self, message: str, notebook: str, cell: int | None, ename: str, evalue: str):
        super().__init__(message)
        self.notebook = notebook
        self.cell = cell
        self.ename = ename
        self.evalue = evalue

    def __reduce__(self):  # crosses the process boundary of a parallel build intact
        return (type(self), (str(self), self.notebook, self.cell, self.ename, self.evalue))


# ------------------------------------------------------------------ discovery
def discover_notebooks(root: str | os.PathLike = ".") -> list[Path]:
    """Return the chapter notebooks ``root/notebooks/*.py``, sorted by name.

    Files whose name starts with ``_`` or ``.`` are ignored (helpers, drafts).

    Raises
    ------
    FileNotFoundError
        If ``root/notebooks`` does not exist (run from the repository root).
    """
    folder = Path(root) / NOTEBOOK_DIR
    if not folder.is_dir():
        raise FileNotFoundError(
            f"no {NOTEBOOK_DIR}/ folder under {Path(root).resolve()}; "
            "run gan-study book from the repository root"
        )
    return sorted(p for p in folder.glob("*.py") if not p.name.startswith(("_", ".")))


def _read_notebook(path: Path):
    import jupytext

    try:
        return jupytext.read(path, fmt="py:percent")
    except Exception as exc:  # jupytext raises several types on malformed files
        raise BuildError(f"cannot read notebook {path}: {exc}") from exc


def notebook_parameters(path: str | os.PathLike) -> dict[str, Any]:
    """Read the defaults of a notebook's ``parameters`` cell.

    The cell is the one tagged ``parameters`` (``# %% tags=["parameters"]``);
    it may hold only assignments of literals (``name = 3``), with comments.

    Parameters
    ----------
    path : str or os.PathLike
        A jupytext py:percent notebook.

    Returns
    -------
    dict
        Parameter name -> default value, in the cell's order; empty when the
        notebook has no parameters cell.

    Raises
    ------
    BuildError
        If there are several parameters cells, or the cell holds something
        other than literal assignments.
    """
    path = Path(path)
    nb = _read_notebook(path)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells:
        return {}
    if len(cells) > 1:
        raise BuildError(f"{path}: {len(cells)} cells are tagged 'parameters'; keep one")
    try:
        tree = ast.parse(cells[0].source)
    except SyntaxError as exc:
        raise BuildError(f"{path}: the parameters cell is not valid Python: {exc}") from exc
    params: dict[str, Any] = {}
    for node in tree.body:
        target = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        if not isinstance(target, ast.Name):
            raise BuildError(
                f"{path}: line {node.lineno} of the parameters cell is not `name = literal`"
            )
        try:
            params[target.id] = ast.literal_eval(value)
        except ValueError as exc:
            raise BuildError(
                f"{path}: parameter {target.id!r} must be a literal (number, string, "
                f"None, list, dict...), got {ast.unparse(value)!r}"
            ) from exc
    return params


# ----------------------------------------------------------------- parameters
@dataclass(frozen=True)
class Override:
    """One ``-p NAME VALUE`` from the command line.

    ``notebook`` is None for a bare name (applies to every notebook that has
    the parameter).
    """

    notebook: str | None
    name: str
    value: Any
    text: str | None = None  # the VALUE as typed, for messages

    @property
    def label(self) -> str:
        return f"{self.notebook}.{self.name}" if self.notebook else self.name


def parse_value(text: str) -> Any:
    """Read a command-line value: a Python literal, else JSON, else the plain string.

    Examples
    --------
    >>> parse_value("3"), parse_value("None"), parse_value("true"), parse_value("ham10000")
    (3, None, True, 'ham10000')
    """
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        pass
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_overrides(pairs: Iterable[Sequence[str]]) -> list[Override]:
    """Turn ``[(NAME, VALUE), ...]`` into :class:`Override` objects.

    ``NAME`` is ``param`` or ``NOTEBOOK.param`` (``NOTEBOOK`` is a stem such as
    ``02_data``).
    """
    out = []
    for pair in pairs:
        if len(pair) != 2:
            raise ValueError(f"an override is NAME VALUE, got {list(pair)!r}")
        key, text = pair
        notebook, _, name = key.rpartition(".")
        if not name.isidentifier():
            raise ValueError(f"override name {key!r} is not NAME or NOTEBOOK.NAME")
        out.append(Override(notebook or None, name, parse_value(text), text))
    return out


#: How a message names the type of a parameter, and what to pass instead.
_TYPE_WORDS = {
    bool: ("a bool", "True or False"),
    int: ("an int", "an integer"),
    float: ("a float", "a number"),
    str: ("a str", "a string"),
    list: ("a list", "a list such as [1, 2]"),
    tuple: ("a tuple", "a list such as [1, 2]"),
    dict: ("a dict", "a dict such as {'a': 1}"),
}


def _type_words(value: Any) -> tuple[str, str]:
    kind = type(value)
    return _TYPE_WORDS.get(kind, (f"a {kind.__name__}", f"a {kind.__name__}"))


def _type_ok(default: Any, value: Any) -> bool:
    if default is None or value is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    if isinstance(default, (list, tuple)):
        return isinstance(value, (list, tuple))
    return isinstance(value, type(default))


def resolve_parameters(
    notebooks: Sequence[Path],
    profile: str = _profiles.DEFAULT_PROFILE,
    overrides: Sequence[Override] = (),
    profiles: Mapping[str, Mapping[str, Mapping[str, Any]]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Parameters for each notebook: its profile entry, then the overrides.

    Parameters
    ----------
    notebooks : sequence of Path
        The notebooks of the build (``notebooks/*.py``).
    profile : str
        ``quick``, ``standard`` or ``full``.
    overrides : sequence of Override
        From :func:`parse_overrides`, applied in order.
    profiles : mapping, optional
        Profile table to use instead of :data:`gan_study.profiles.PROFILES`.

    Returns
    -------
    dict
        Notebook stem -> parameter dict to inject.

    Raises
    ------
    ValueError
        Unknown profile; a notebook without a profile entry; a profile entry
        or an override naming a parameter the notebook's ``parameters`` cell
        lacks (the message lists the valid names); a value of the wrong type.
    """
    table = profiles if profiles is not None else _profiles.PROFILES
    if profile not in table:
        raise ValueError(f"unknown profile {profile!r}; valid profiles: {', '.join(table)}")
    entries = table[profile]
    declared = {nb.stem: notebook_parameters(nb) for nb in notebooks}
    resolved: dict[str, dict[str, Any]] = {}
    for stem, defaults in declared.items():
        if stem not in entries:
            if defaults:
                raise ValueError(
                    f"notebook {stem} has no entry in profile {profile!r}; add "
                    f'"{stem}": {{...}} to gan_study/profiles.py (STANDARD, and QUICK_CHANGES / '
                    "FULL_CHANGES where it should differ)"
                )
            resolved[stem] = {}
            continue
        unknown = sorted(set(entries[stem]) - set(defaults))
        if unknown:
            raise ValueError(
                f"profile {profile!r} sets {', '.join(unknown)} for notebook {stem}, whose "
                f"parameters cell has: {', '.join(defaults) or '(none)'}"
            )
        resolved[stem] = copy.deepcopy(dict(entries[stem]))

    for ov in overrides:
        if ov.notebook is not None:
            if ov.notebook not in declared:
                raise ValueError(
                    f"-p {ov.label}: no notebook {ov.notebook!r}; notebooks: {', '.join(declared)}"
                )
            targets = [ov.notebook]
            if ov.name not in declared[ov.notebook]:
                raise ValueError(
                    f"-p {ov.label}: notebook {ov.notebook} has no parameter {ov.name!r}; "
                    f"valid: {', '.join(declared[ov.notebook]) or '(none)'}"
                )
            group = _profiles.shared_group(ov.notebook, ov.name)
            if group is not None:
                users = [n for n, g in _profiles.USES.items() if group in g]
                raise ValueError(
                    f"-p {ov.label}: {ov.name} belongs to the shared {group!r} of chapters "
                    f"{', '.join(users)}, which must agree (a chapter of its own would train "
                    f"or reuse other runs without a word); set it for all with -p {ov.name} ..."
                )
        else:
            targets = [stem for stem, d in declared.items() if ov.name in d]
            if not targets:
                valid = sorted({n for d in declared.values() for n in d})
                raise ValueError(
                    f"-p {ov.name}: no notebook has a parameter {ov.name!r}; "
                    f"valid parameters: {', '.join(valid)}"
                )
        for stem in targets:
            default = declared[stem][ov.name]
            if not _type_ok(default, ov.value):
                kind, wanted = _type_words(default)
                got = ov.text if ov.text is not None else repr(ov.value)
                raise ValueError(
                    f"-p {ov.label} {got}: parameter {stem}.{ov.name} is {kind} (its default "
                    f"is {default!r}), but {got} reads as {ov.value!r}, {_type_words(ov.value)[0]}; "
                    f"pass {wanted}, e.g. -p {ov.label} {default!r}"
                )
            resolved[stem][ov.name] = copy.deepcopy(ov.value)
    return resolved


# ---------------------------------------------------------------- fingerprint
def _package_files() -> list[Path]:
    return sorted(
        p
        for p in PACKAGE_DIR.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in {".pyc", ".pyo"}
    )


def fingerprint(notebook: Path, params: Mapping[str, Any]) -> str:
    """SHA-256 of everything that decides what an executed notebook contains.

    That is: the notebook's source, its parameters, every file of the
    ``gan_study`` package (code and resources), the ``GAN_STUDY_*`` location
    variables and the Python version. Data files and run directories are
    *not* read: they are named by the location variables and derived from the
    parameters.
    """
    h = hashlib.sha256()
    h.update(b"notebook\0" + Path(notebook).read_bytes())
    h.update(b"params\0" + json.dumps(params, sort_keys=True, default=repr).encode())
    for f in _package_files():
        h.update(b"file\0" + str(f.relative_to(PACKAGE_DIR)).encode() + b"\0" + f.read_bytes())
    for var in FINGERPRINT_ENV:
        h.update(f"env\0{var}={os.environ.get(var, '')}".encode())
    h.update(f"python\0{sys.version}".encode())
    return h.hexdigest()


# ------------------------------------------------------------------ execution
@dataclass
class Executed:
    """What happened to one notebook."""

    name: str
    path: Path
    reused: bool
    seconds: float
    parameters: dict[str, Any] = field(default_factory=dict)


def _stamp_path(out_dir: Path, name: str) -> Path:
    return out_dir / f"{name}.stamp.json"


def is_fresh(notebook: Path, params: Mapping[str, Any], out_dir: Path) -> bool:
    """True when ``out_dir`` holds an executed copy made with the same fingerprint."""
    stamp, executed = _stamp_path(out_dir, notebook.stem), out_dir / f"{notebook.stem}.ipynb"
    if not (stamp.is_file() and executed.is_file()):
        return False
    try:
        recorded = json.loads(stamp.read_text())["fingerprint"]
    except (ValueError, KeyError):
        return False
    return recorded == fingerprint(notebook, params)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _source_cell_number(nb, source: str) -> int | None:
    for i, cell in enumerate(nb.cells, start=1):
        if cell.source == source:
            return i
    return None


def execute_notebook(
    notebook: str | os.PathLike,
    params: Mapping[str, Any],
    out_dir: str | os.PathLike,
    *,
    cwd: str | os.PathLike = ".",
    force: bool = False,
    kernel_name: str = KERNEL_NAME,
) -> Executed:
    """Execute one jupytext notebook with papermill, or reuse its executed copy.

    Parameters
    ----------
    notebook : path
        ``notebooks/NAME.py`` (py:percent).
    params : mapping
        Values injected after the ``parameters`` cell.
    out_dir : path
        Receives ``NAME.ipynb`` and ``NAME.stamp.json``.
    cwd : path
        Working directory of the kernel (the repository root).
    force : bool
        Execute even when the executed copy is fresh.
    kernel_name : str
        Jupyter kernel; ``python3`` is the current environment's ipykernel.

    Returns
    -------
    Executed

    Raises
    ------
    NotebookFailed
        A cell raised; the message names the notebook, the cell and the error.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    notebook, out_dir = Path(notebook), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = notebook.stem
    params = dict(params)
    target = out_dir / f"{name}.ipynb"
    if not force and is_fresh(notebook, params, out_dir):
        return Executed(name, target, reused=True, seconds=0.0, parameters=params)

    stamp = _stamp_path(out_dir, name)
    stamp.unlink(missing_ok=True)  # from here on, nothing here counts as fresh
    target.unlink(missing_ok=True)
    failed = out_dir / f"{name}.failed.ipynb"
    failed.unlink(missing_ok=True)
    running = out_dir / f".{name}.running.ipynb"

    digest = fingerprint(notebook, params)
    nb = _read_notebook(notebook)
    nb.metadata["kernelspec"] = {
        "name": kernel_name,
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata.setdefault("language_info", {"name": "python"})
    source_nb = copy.deepcopy(nb)
    os.environ["PYTHONUNBUFFERED"] = "1"  # the kernel inherits the environment
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ log out of pages
    # the chapter that trains a GAN run is recorded in its config.json (training._environment);
    # set for the kernel this call starts, and unset again below
    previous_notebook = os.environ.get(paths.NOTEBOOK_ENV)
    os.environ[paths.NOTEBOOK_ENV] = name
    start = time.perf_counter()
    _ACTIVE.update(running=running, failed=failed, kernels=[])
    try:
        papermill.execute_notebook(
            nb,
            str(running),
            parameters=params,
            kernel_name=kernel_name,
            cwd=str(cwd),
            progress_bar=False,
            request_save_on_cell_execute=True,
            kernel_manager_class=_tracked_kernel_manager_class(),
        )
    except PapermillExecutionError as exc:
        if running.exists():
            os.replace(running, failed)
        cell = _source_cell_number(source_nb, exc.source)
        where = f"cell {cell}" if cell else f"cell index {exc.cell_index}"
        first = next((ln for ln in exc.source.splitlines() if ln.strip()), "")
        raise NotebookFailed(
            f"notebook {notebook} failed in {where} (In [{exc.exec_count}]: {first!r}): "
            f"{exc.ename}: {exc.evalue}\n"
            f"the executed copy with the traceback: {failed}",
            notebook=name,
            cell=cell,
            ename=exc.ename,
            evalue=exc.evalue,
        ) from None
    except BaseException:
        _stop_kernels()  # an interrupt may leave the kernel running
        if running.exists():
            os.replace(running, failed)
        raise
    finally:
        _ACTIVE.update(running=None, failed=None, kernels=[])
        if previous_notebook is None:
            os.environ.pop(paths.NOTEBOOK_ENV, None)
        else:
            os.environ[paths.NOTEBOOK_ENV] = previous_notebook
    seconds = time.perf_counter() - start
    # papermill wrote the notebook; validate it reads back before marking it fresh
    executed_nb = nbformat.read(running, as_version=4)
    _fold_injected_parameters(executed_nb)
    _drop_native_log_noise(executed_nb)
    nbformat.write(executed_nb, running)
    os.replace(running, target)
    _write_atomic(
        stamp,
        json.dumps(
            {"fingerprint": digest, "parameters": params, "seconds": round(seconds, 2)},
            indent=2,
            sort_keys=True,
            default=repr,
        ),
    )
    return Executed(name, target, reused=False, seconds=seconds, parameters=params)


def _fold_injected_parameters(nb) -> None:
    """Fold the cell papermill injects (the profile's values) behind a "show" toggle.

    The report shows each notebook's own ``parameters`` cell, with a comment per
    value; the injected cell below it holds the values this build used and stays
    one click away (myst-nb tag ``hide-input``) instead of repeating the list.
    """
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags and "hide-input" not in tags:
            cell.metadata["tags"] = [*tags, "hide-input"]


#: Lines of TensorFlow's C++ (absl) log that the kernel's stderr carries into a
#: page without telling a reader anything: the start-up preamble, info and
#: warning notices (oneDNN, CPU features), and the per-epoch complaint of a
#: tf.data graph built by a newer TensorFlow than the runtime. Error and fatal
#: lines of any other kind stay.
NATIVE_LOG_NOISE = (
    re.compile(r"^WARNING: All log messages before absl::InitializeLog\(\) is called"),
    re.compile(r"^[IW]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [\w.]+:\d+\] "),
    re.compile(r"^E\d{4} .*node_def_util\.cc:\d+\] NodeDef mentions attribute \w+ which is not"),
)


def _drop_native_log_noise(nb) -> None:
    """Remove :data:`NATIVE_LOG_NOISE` lines from the notebook's stderr outputs.

    Everything else on stderr (Python warnings, tracebacks, other native
    errors) is kept; an output left empty is removed.
    """
    for cell in nb.cells:
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = out.get("text", "")
                text = "".join(text) if isinstance(text, list) else text
                lines = [
                    ln
                    for ln in text.splitlines(keepends=True)
                    if not any(p.match(ln) for p in NATIVE_LOG_NOISE)
                ]
                if not "".join(lines).strip():
                    continue
                out["text"] = "".join(lines)
            kept.append(out)
        if "outputs" in cell:
            cell["outputs"] = kept


# -------------------------------------------------------------------- staging
def write_toc(stage: Path, executed: Sequence[Executed], root_doc: str = "intro") -> Path:
    """Write ``_toc.yml``: the intro, the chapters, then the appendix and bibliography."""
    import yaml

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


def prerequisites(notebook: Path, notebooks: Sequence[Path]) -> list[Path]:
    """The notebooks of ``notebooks`` that must finish before ``notebook`` starts.

    From :data:`PREREQUISITES`; a chapter it does not list waits for every
    notebook before it. Prerequisites outside ``notebooks`` (not selected with
    ``only``) are taken as done.
    """
    earlier = [nb for nb in notebooks if nb.stem < notebook.stem]
    names = PREREQUISITES.get(notebook.stem)
    if names is None:
        return earlier
    return [nb for nb in earlier if nb.stem in names]


#: What this process is executing (set by :func:`execute_notebook`): the
#: running and failed paths of the notebook and the kernel managers it started,
#: so that an interrupt can stop the kernels and keep the partial output.
_ACTIVE: dict[str, Any] = {"running": None, "failed": None, "kernels": []}
_KERNEL_MANAGER_CLASS: type | None = None


def _tracked_kernel_manager_class() -> type:
    """An ``AsyncKernelManager`` (nbclient's default) that records its kernels in ``_ACTIVE``."""
    global _KERNEL_MANAGER_CLASS
    if _KERNEL_MANAGER_CLASS is None:
        from jupyter_client import AsyncKernelManager

        class TrackedKernelManager(AsyncKernelManager):
            async def start_kernel(self, **kw):
                _ACTIVE["kernels"].append(self)
                return await super().start_kernel(**kw)

        _KERNEL_MANAGER_CLASS = TrackedKernelManager
    return _KERNEL_MANAGER_CLASS


def _stop_kernels() -> None:
    """Kill the kernels of ``_ACTIVE`` with their process groups; remove their connection files.

    SIGKILL at once: a kernel stopped with SIGTERM shuts down its sockets
    and prints a traceback about the reply it can no longer send, and the
    output of an interrupted cell is not wanted. Each kernel is a session
    leader, so its group holds what the notebook started. Kernels that
    already ended (nbclient shut them down) are skipped.
    """
    for km in list(_ACTIVE["kernels"]):
        provisioner = km.provisioner
        process = getattr(provisioner, "process", None)  # LocalProvisioner's Popen
        pgid = getattr(provisioner, "pgid", None)
        try:
            if pgid:
                os.killpg(pgid, signal.SIGKILL)
            elif process is not None and process.poll() is None:
                process.kill()
        except (ProcessLookupError, PermissionError):
            pass
        if process is not None:
            process.wait()
        if km.connection_file:
            Path(km.connection_file).unlink(missing_ok=True)
    _ACTIVE["kernels"] = []


class _Interrupt(KeyboardInterrupt):
    """SIGINT or SIGTERM while a build executes notebooks (raised like Ctrl-C)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _interrupt(signum, frame):
    # kill this process's kernel first: if nbclient got to shut it down while
    # unwinding, the kernel would print a traceback about a closed socket
    _stop_kernels()
    raise _Interrupt(signum)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _interrupts_stop_kernels():
    """While executing notebooks, SIGINT and SIGTERM kill the running kernel and raise
    :class:`_Interrupt` (main thread only; a SIGINT set to be ignored stays ignored)."""
    if not _in_main_thread():
        yield
        return
    previous = {signal.SIGTERM: signal.signal(signal.SIGTERM, _interrupt)}
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, _interrupt)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextlib.contextmanager
def _interrupts_ignored():
    """No second SIGINT/SIGTERM while the first one is being handled (main thread only)."""
    if not _in_main_thread():
        yield
        return
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _ignore_signal(signum, frame) -> None:
    """SIGINT in a worker: the parent got the same Ctrl-C and stops the workers itself."""


def _worker_stop(signum, frame) -> None:
    """SIGTERM in a worker: stop the kernel, keep the partial output, exit at once (no stamp)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _stop_kernels()
    running, failed = _ACTIVE["running"], _ACTIVE["failed"]
    if running is not None and running.exists():
        os.replace(running, failed)
    os._exit(128 + signum)


def _watch_parent(ppid: int) -> None:
    """Stop this worker (as SIGTERM does) once its parent has died."""
    while True:
        time.sleep(1.0)
        if os.getppid() != ppid:
            os.kill(os.getpid(), signal.SIGTERM)
            return


def _worker(conn, notebook: Path, params, out_dir: Path, cwd: Path, force: bool) -> None:
    """Execute one notebook in a worker process; send ``("ok", Executed)`` or ``("error", exc)``."""
    signal.signal(signal.SIGINT, _ignore_signal)
    signal.signal(signal.SIGTERM, _worker_stop)
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    try:
        message = ("ok", execute_notebook(notebook, params, out_dir, cwd=cwd, force=force))
    except BaseException as exc:
        message = ("error", exc)
    try:
        conn.send(message)
    except Exception:  # an exception that does not pickle: send its text
        exc = message[1]
        conn.send(("error", BuildError(f"notebook {notebook}: {type(exc).__name__}: {exc}")))
    finally:
        conn.close()


def _stop_workers(running: dict) -> list[str]:
    """Terminate the worker processes of ``running`` (each stops its kernel); return their notebooks.

    A worker that does not exit within 30 s is killed. Notebooks whose
    worker had already sent a result are not counted as stopped.
    """
    stopped = []
    with _interrupts_ignored():
        for proc, _ in running.values():
            if proc.is_alive():
                proc.terminate()
        for nb, (proc, conn) in running.items():
            proc.join(30)
            if proc.is_alive():
                proc.kill()
                proc.join()
            done = False
            if conn.poll():
                try:
                    done = conn.recv()[0] == "ok"
                except (EOFError, OSError):
                    done = False
            conn.close()
            if not done:
                stopped.append(nb.stem)
    running.clear()
    return stopped


def _execute_all(notebooks, params, out_dir: Path, *, root: Path, force: bool, jobs: int, log):
    """Execute ``notebooks``, up to ``jobs`` at a time in separate processes.

    Raises
    ------
    BuildInterrupted
        On SIGINT or SIGTERM: the notebooks being executed are stopped first
        (their processes and kernels), unstamped.
    """

    def started(nb):
        log(f"[{nb.stem}] {'executing' if force else 'executing (unless fresh)'} ...")

    def finished(nb, result):
        log(
            f"[{nb.stem}] "
            + ("reused (unchanged)" if result.reused else f"executed in {result.seconds:.1f} s")
        )

    results: dict[Path, Executed] = {}
    with _interrupts_stop_kernels():
        if jobs == 1:
            for nb in notebooks:
                try:
                    started(nb)
                    results[nb] = execute_notebook(
                        nb, params[nb.stem], out_dir, cwd=root, force=force
                    )
                except KeyboardInterrupt as exc:  # execute_notebook stopped its kernel
                    signum = getattr(exc, "signum", signal.SIGINT)
                    raise BuildInterrupted(signum, [nb.stem]) from None
                finished(nb, results[nb])
        else:
            _execute_parallel(
                notebooks, params, out_dir, root, force, jobs, log, results, started, finished
            )
    return [results[nb] for nb in notebooks]


def _execute_parallel(
    notebooks, params, out_dir, root, force, jobs, log, results, started, finished
):
    from multiprocessing import connection, get_context

    ctx = get_context("spawn")
    # two TensorFlow processes on one GPU must not each reserve all of its memory
    os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
    pending, running = list(notebooks), {}  # running: notebook -> (process, connection)

    def collect(ready, raise_errors: bool):
        for nb in [nb for nb, (_, c) in running.items() if c in ready]:
            proc, conn = running.pop(nb)
            try:
                status, payload = conn.recv()
            except EOFError:
                status, payload = "died", None
            conn.close()
            proc.join()
            if status == "ok":
                results[nb] = payload
                finished(nb, payload)
            elif not raise_errors:
                log(f"[{nb.stem}] failed too")
            elif status == "error":
                raise payload
            else:
                raise BuildError(
                    f"the process executing notebook {nb.stem} ended without a result "
                    f"(exit code {proc.exitcode})"
                )

    try:
        try:
            while pending or running:
                for nb in list(pending):
                    if len(running) >= jobs:
                        break
                    if all(p in results for p in prerequisites(nb, notebooks)):
                        started(nb)
                        recv, send = ctx.Pipe(duplex=False)
                        args = (send, nb, params[nb.stem], out_dir, root, force)
                        proc = ctx.Process(target=_worker, args=args, name=f"book-{nb.stem}")
                        proc.start()
                        send.close()
                        running[nb] = (proc, recv)
                        pending.remove(nb)
                collect(connection.wait([c for _, c in running.values()]), raise_errors=True)
        except KeyboardInterrupt:
            raise
        except BaseException:
            if running:  # let the others finish: their executed copies stay reusable
                log(f"waiting for {', '.join(nb.stem for nb in running)} to stop ...")
                while running:
                    collect(connection.wait([c for _, c in running.values()]), raise_errors=False)
            raise
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        raise BuildInterrupted(signum, _stop_workers(running)) from None


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
    executed = _execute_all(
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
    import datetime
    import platform
    from importlib import metadata

    import pandas as pd

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
