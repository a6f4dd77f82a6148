"""Execute the chapters: papermill in worker processes, reuse of unchanged ones, clean interruption.

:func:`execute_all` runs the notebooks of a build, up to ``jobs`` at a time in
separate processes; a chapter starts only once the chapters whose runs it
reuses have finished (:data:`PREREQUISITES`, :func:`prerequisites`).
:func:`execute_notebook` executes one headless with papermill (kernel
``python3`` of the current environment, ``PYTHONUNBUFFERED=1``) into
``<out>/NAME.ipynb``.

*Reuse*: beside each executed notebook, ``NAME.stamp.json`` records a
SHA-256 (:func:`fingerprint`) of the notebook source, its parameters, every
file of the ``gan_study`` package, the ``GAN_STUDY_*`` location variables and
the Python version; while it is unchanged the notebook is not executed again
(:func:`is_fresh`). The stamp is deleted before execution and written only
after success, so a failed notebook never looks fresh; its partial output is
kept as ``NAME.failed.ipynb``. TensorFlow's native start-up and info notices
are removed from the executed copy (:data:`NATIVE_LOG_NOISE`).

*Interruption*: Ctrl-C (SIGINT) or SIGTERM stops the notebooks being
executed with their processes and kernels, stamps none of them, and raises
:class:`BuildInterrupted`. A worker whose parent dies stops itself the same
way.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing import connection, get_context
from pathlib import Path
from typing import Any

import nbformat
import papermill
from jupyter_client import AsyncKernelManager
from papermill.exceptions import PapermillExecutionError

import gan_study
from gan_study import paths
from gan_study import profiles as _profiles
from gan_study.chapters import BuildError as BuildError
from gan_study.chapters import read_notebook

KERNEL_NAME = "python3"


#: Environment variables whose values change what a notebook computes.
FINGERPRINT_ENV = ("GAN_STUDY_DATA_DIR", "GAN_STUDY_CACHE_DIR", "GAN_STUDY_RUNS_DIR")


#: The package whose files are part of every notebook's fingerprint.
PACKAGE_DIR = Path(gan_study.__file__).parent


#: Which chapters reuse what others make, derived from the shared groups of
#: :mod:`gan_study.profiles` (:func:`~gan_study.profiles.prerequisites`). With
#: ``jobs > 1`` a chapter starts only after the chapters it reuses have finished
#: (so that a GAN or classifier is trained once, by its maker, and never by two
#: processes at the same time). A chapter not listed here waits for every
#: chapter before it.
PREREQUISITES: dict[str, tuple[str, ...]] = _profiles.prerequisites()


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
    nb = read_notebook(notebook)
    nb.metadata["kernelspec"] = {
        "name": kernel_name,
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata.setdefault("language_info", {"name": "python"})
    source_nb = copy.deepcopy(nb)
    os.environ["PYTHONUNBUFFERED"] = "1"  # the kernel inherits the environment
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ log out of pages
    # the chapter that trains a GAN run is recorded in its config.json (run_record.environment);
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


def execute_all(notebooks, params, out_dir: Path, *, root: Path, force: bool, jobs: int, log):
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
