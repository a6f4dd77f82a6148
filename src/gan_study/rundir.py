"""The run directory of one GAN run: its path rule, its files, its lock and its loaders.

A run directory is the contract between the trainer (:mod:`gan_study.training`),
which writes it, and everything that reads a trained run: the evaluation, the
grid runner, the chapters, the export. :class:`RunDir` holds that contract in
one place. Its path is ``<runs root>/<TrainConfig.run_name()>``
(:meth:`RunDir.for_config`), and it holds::

    config.json            every parameter + versions, git commit, device, data fingerprint
    history.csv            one row per epoch (see HISTORY_COLUMNS)
    steps.csv              one row per discriminator update (see STEP_COLUMNS)
    samples/epoch_001.png  a fixed latent batch through the generator, one grid per epoch
    samples/final_ema.png  the same latent batch through the EMA generator
    checkpoints/state.npz  everything needed to resume (weights, optimisers, RNG, both logs)
    generator.keras        the final generator
    generator_ema.keras    the final EMA generator -- written LAST: its presence marks
                           a finished run (FINISHED_MARKER)
    .lock                  the lock a training process holds (its pid inside, for messages)
    snapshots/epoch_NNN.npz  EMA generator weights every ``snapshot_every`` epochs (if set)

Writing, interruption and concurrency
-------------------------------------
Every file is written through :mod:`gan_study.store` under the temporary name
``NAME.tmp<PID>`` (``STEM.tmp<PID>.keras`` for a Keras model) and renamed, so
a killed process never leaves a half-written file under a real name, and its
leftovers are recognised by name (:meth:`RunDir.remove_temp_files`). A
process that trains holds an exclusive lock (``fcntl.flock``) on ``.lock``
for the whole training (:meth:`RunDir.lock`): a second process on the same
run directory fails with :class:`RunDirectoryBusy` (or waits). The kernel
releases the lock when its holder dies, so a killed run leaves no stale lock.
"""

from __future__ import annotations

import fcntl
import io
import json
import logging
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from gan_study import paths, store
from gan_study.config import TrainConfig

log = logging.getLogger(__name__)

HISTORY_COLUMNS = (
    "epoch",
    "d_loss",
    "g_loss",
    "gp",
    "d_real",
    "d_fake",
    "grad_norm_d",
    "grad_norm_g",
    "d_steps",
    "g_steps",
    "seconds",
)
"""Columns of ``history.csv``. Per epoch: mean discriminator/critic loss (with
the penalty), mean generator loss, mean gradient penalty (0 unless wgan-gp),
mean D(x) and D(G(z)) (probabilities for the cross-entropy losses, raw
critic scores for wgan-gp), mean global gradient norms of D and G, the number
of D and G updates, and wall-clock seconds (the only non-reproducible column)."""

STEP_COLUMNS = ("step", *HISTORY_COLUMNS[: HISTORY_COLUMNS.index("grad_norm_g") + 1])
"""Columns of ``steps.csv``: the same quantities as :data:`HISTORY_COLUMNS`, for
every discriminator update (``step`` counts them from 1 over the whole run).
``grad_norm_g`` is empty (NaN) on steps without a generator update (all but
every ``n_critic``-th step). A short run has only a handful of epochs, so its
training curves are drawn from this file."""

FINISHED_MARKER = "generator_ema.keras"
CHECKPOINT = "checkpoints/state.npz"
SNAPSHOT_DIR = "snapshots"
SNAPSHOT_NAME = "epoch_{epoch:03d}.npz"
"""EMA generator snapshots (``TrainConfig.snapshot_every``): ``snapshots/epoch_NNN.npz``."""
LOCK_FILE = ".lock"
TEMP_NAME = re.compile(r"\.tmp\d+(\.keras)?$")
"""Temporary names of a run directory's writers (:func:`temp_path`)."""


def temp_path(path: Path, model: bool = False) -> Path:
    """The temporary file this process writes ``path`` through.

    ``NAME.tmp<PID>``, or ``STEM.tmp<PID>.keras`` for a Keras model (whose
    writer wants the suffix), both matched by :data:`TEMP_NAME`.
    """
    if model:
        return path.with_name(f"{path.stem}.tmp{os.getpid()}.keras")
    return path.with_name(f"{path.name}.tmp{os.getpid()}")


def write_file(path: Path, data: bytes) -> None:
    """Write a file of a run directory atomically, through :func:`temp_path`."""
    store.atomic_write_bytes(path, data, temp=temp_path(path))


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` as an uncompressed ``.npz`` (a checkpoint, a snapshot)."""
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    write_file(path, buf.getvalue())


class RunDirectoryBusy(RuntimeError):
    """Another process holds the lock of the run directory: it is training that run.

    Attributes
    ----------
    run_dir : pathlib.Path
    pid : int or None
        The holder's process id as it wrote it into ``run_dir/.lock`` (None if unreadable).
    """

    def __init__(self, run_dir, pid: int | None):
        self.run_dir, self.pid = Path(run_dir), pid
        who = f"pid {pid}" if pid is not None else "pid unknown"
        super().__init__(
            f"run directory {run_dir} is being trained by another process ({who}); wait for "
            "it (train(..., wait=True), gan-study train --wait) or choose another run_dir"
        )

    def __reduce__(self):
        return (type(self), (self.run_dir, self.pid))


@dataclass(frozen=True)
class RunDir:
    """One run directory (which need not exist yet).

    Parameters
    ----------
    path : path-like
        The directory itself; a :class:`RunDir` is path-like too.
    """

    path: Path

    def __init__(self, path):
        object.__setattr__(self, "path", Path(path))

    def __fspath__(self) -> str:
        return os.fspath(self.path)

    @classmethod
    def for_config(cls, config: TrainConfig, runs_dir=None) -> RunDir:
        """The run directory of ``config``: ``<runs_dir>/<config.run_name()>``.

        ``runs_dir`` defaults to ``$GAN_STUDY_RUNS_DIR`` or ``runs``
        (:func:`gan_study.paths.runs_dir`).
        """
        return cls(paths.runs_dir(runs_dir) / config.run_name())

    # ------------------------------------------------------------ paths
    @property
    def name(self) -> str:
        """The run's name (the directory's)."""
        return self.path.name

    @property
    def config_file(self) -> Path:
        return self.path / "config.json"

    @property
    def history_file(self) -> Path:
        return self.path / "history.csv"

    @property
    def steps_file(self) -> Path:
        return self.path / "steps.csv"

    @property
    def checkpoint_file(self) -> Path:
        return self.path / CHECKPOINT

    def sample_path(self, name: str) -> Path:
        """``samples/NAME.png`` (``epoch_001``, ``final_ema``)."""
        return self.path / "samples" / f"{name}.png"

    def snapshot_path(self, epoch: int) -> Path:
        """``snapshots/epoch_NNN.npz``, the EMA generator after ``epoch``."""
        return self.path / SNAPSHOT_DIR / SNAPSHOT_NAME.format(epoch=epoch)

    def generator_path(self, ema: bool = True) -> Path:
        """The file of the final generator (EMA or raw), whether or not it exists yet."""
        return self.path / (FINISHED_MARKER if ema else "generator.keras")

    # ------------------------------------------------------------ state
    def is_finished(self) -> bool:
        """Whether it holds a finished run (its last file, the EMA generator, exists)."""
        return (self.path / FINISHED_MARKER).is_file()

    def checkpoint_epoch(self) -> int | None:
        """The epoch of the last checkpoint (None when it has none).

        Reads only the ``epoch`` entry of ``checkpoints/state.npz``.
        """
        if not self.checkpoint_file.is_file():
            return None
        with np.load(self.checkpoint_file, allow_pickle=False) as f:
            return int(f["epoch"])

    def generator_id(self, ema: bool = True) -> str:
        """The run's name and a digest of its generator file: what identifies its weights.

        Raises
        ------
        FileNotFoundError
            When the run has no such generator (it is not finished).
        """
        path = self.generator_path(ema)
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found: the run in {self.path} is not finished")
        return f"{self.name}:{store.file_digest(path)}"

    # ------------------------------------------------------------ loaders
    def load_config(self) -> TrainConfig:
        """The :class:`TrainConfig` stored in ``config.json``.

        Raises
        ------
        FileNotFoundError
            When the run directory has no ``config.json``.
        """
        path = self.config_file
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} not found: {self.path} is not a training run directory"
            )
        return TrainConfig.from_dict(json.loads(path.read_text())["config"])

    def load_history(self) -> pd.DataFrame:
        """``history.csv`` as a DataFrame (one row per finished epoch).

        Raises
        ------
        FileNotFoundError
            When the run has no ``history.csv`` (not started or not a run directory).
        """
        path = self.history_file
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found: train the run first (gan-study train ...)")
        return pd.read_csv(path)

    def load_steps(self) -> pd.DataFrame:
        """``steps.csv`` as a DataFrame (one row per discriminator update).

        Raises
        ------
        FileNotFoundError
            When the run has no ``steps.csv`` (not started, not a run
            directory, or trained before per-step logging existed).
        """
        path = self.steps_file
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} not found: train the run first (gan-study train ...); a run trained "
                "without per-step logging must be deleted and trained again"
            )
        return pd.read_csv(path)

    def snapshots(self) -> pd.DataFrame:
        """The EMA generator snapshots, oldest first.

        A run trained with ``snapshot_every = k`` keeps the EMA generator's
        weights after every ``k``-th epoch (the last one included when ``k``
        divides ``epochs``). Together with the finished generator they give
        the run's learning curve (:mod:`gan_study.learning_curve`).

        Returns
        -------
        pandas.DataFrame
            One row per snapshot: ``epoch``, ``d_updates`` and ``g_updates``
            (the discriminator and generator updates up to and including that
            epoch, from ``history.csv``) and ``path``. Empty when the run
            keeps none.

        Raises
        ------
        FileNotFoundError
            When there is no ``history.csv`` (not a started run).
        """
        done = self.load_history().set_index("epoch")[["d_steps", "g_steps"]].cumsum()
        rows = []
        folder = self.path / SNAPSHOT_DIR
        for path in sorted(folder.glob("epoch_*.npz")) if folder.is_dir() else []:
            match = re.fullmatch(r"epoch_(\d+)\.npz", path.name)
            if match is None or int(match.group(1)) not in done.index:
                continue  # a temporary file, or a snapshot of an epoch being redone
            epoch = int(match.group(1))
            rows.append(
                {
                    "epoch": epoch,
                    "d_updates": int(done.loc[epoch, "d_steps"]),
                    "g_updates": int(done.loc[epoch, "g_steps"]),
                    "path": path,
                }
            )
        return pd.DataFrame(rows, columns=["epoch", "d_updates", "g_updates", "path"])

    def load_generator(self, ema: bool = True, epoch: int | None = None):
        """The final generator of a finished run, or its EMA snapshot of one epoch.

        Parameters
        ----------
        ema : bool
            ``generator_ema.keras`` (default) or ``generator.keras``.
        epoch : int, optional
            The EMA generator as it was after this epoch (a snapshot of
            :meth:`snapshots`; needs ``ema=True``). Its weights go into a copy
            of the finished EMA generator, so the run must be finished.

        Returns
        -------
        keras.Model

        Raises
        ------
        FileNotFoundError
            When the run is not finished, or has no snapshot of ``epoch`` (the
            message lists those it has).
        ValueError
            ``epoch`` with ``ema=False`` (only the EMA generator is kept), or
            a snapshot whose weights do not fit the generator.
        """
        import keras

        from gan_study import custom_layers  # noqa: F401  (registers the study's layers)

        path = self.generator_path(ema)
        if not self.is_finished() or not path.is_file():
            raise FileNotFoundError(
                f"{path} not found: the run in {self.path} is not finished; "
                "run gan_study.training.train (or gan-study train) with its configuration"
            )
        if epoch is not None and not ema:
            raise ValueError("snapshots keep the EMA generator only: pass ema=True with epoch")
        generator = keras.models.load_model(path, compile=False)
        if epoch is not None:
            self._load_snapshot(generator, int(epoch))
        return generator

    def _load_snapshot(self, generator, epoch: int) -> None:
        """Put the weights of the snapshot of ``epoch`` into ``generator``."""
        kept = self.snapshots()
        if epoch not in set(kept["epoch"]):
            have = ", ".join(str(e) for e in kept["epoch"]) or "none"
            raise FileNotFoundError(
                f"{self.path} has no snapshot of epoch {epoch} (snapshots: {have}); train the "
                "run with snapshot_every set to keep them"
            )
        snapshot = kept.loc[kept["epoch"] == epoch, "path"].iloc[0]
        with np.load(snapshot, allow_pickle=False) as f:
            weights = [f[f"w{i:04d}"] for i in range(len(f.files))]
        try:
            generator.set_weights(weights)
        except ValueError as exc:
            raise ValueError(
                f"{snapshot} does not fit the generator of {self.path}: {exc}"
            ) from exc

    # ------------------------------------------------------------ writers
    def write_config(self, meta: dict) -> None:
        """Write ``config.json`` (``meta`` as indented JSON, in its own key order)."""
        write_file(self.config_file, json.dumps(meta, indent=2, default=str).encode())

    def write_logs(self, history: list[dict], steps: list[dict]) -> None:
        """Write ``history.csv`` and ``steps.csv`` (their columns even when empty)."""
        for path, rows, columns in (
            (self.history_file, history, HISTORY_COLUMNS),
            (self.steps_file, steps, STEP_COLUMNS),
        ):
            write_file(path, pd.DataFrame(rows, columns=list(columns)).to_csv(index=False).encode())

    def save_model(self, model, ema: bool) -> None:
        """Save the final generator (``ema``: the EMA one, which marks the run finished)."""
        path = self.generator_path(ema)
        store.atomic_save(path, model.save, temp=temp_path(path, model=True))

    # ------------------------------------------------------------ checks
    def check_path(self) -> None:
        """Refuse a path that is, or lies below, something other than a directory.

        Raises
        ------
        ValueError
            Naming the file in the way and what to do.
        """
        for p in (self.path, *self.path.parents):
            if p.is_symlink() or p.exists():
                if p.is_dir():
                    return
                if p == self.path:
                    raise ValueError(
                        f"run directory {self.path} exists and is not a directory; choose "
                        "another run_dir (gan-study train --run-dir DIR) or move the file away"
                    )
                raise ValueError(
                    f"cannot create run directory {self.path}: {p} is not a directory; choose "
                    "another run_dir (gan-study train --run-dir DIR)"
                )

    def stored_meta(self, config: TrainConfig) -> dict | None:
        """``config.json`` (None if absent), checked against ``config``.

        Raises
        ------
        ValueError
            When it holds a configuration this version cannot read, or a
            different one (the message lists the fields that differ).
        """
        if not self.config_file.is_file():
            return None
        stored = json.loads(self.config_file.read_text())
        try:  # through from_dict: a run written before a field existed has its default
            recorded = TrainConfig.from_dict(stored.get("config", {})).to_dict()
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"run directory {self.path} holds a configuration this version cannot read "
                f"({exc}); choose another run_dir or delete it"
            ) from None
        if recorded != config.to_dict():
            diff = {
                k: (recorded.get(k), v) for k, v in config.to_dict().items() if recorded.get(k) != v
            }
            raise ValueError(
                f"run directory {self.path} holds a different configuration "
                f"(field: (stored, requested) = {diff}); choose another run_dir or delete it"
            )
        return stored

    def check_stored_data(self, stored: dict | None, fingerprint: str) -> None:
        """Refuse a run whose stored data fingerprint is not ``fingerprint``."""
        if stored is not None and stored.get("data", {}).get("fingerprint") != fingerprint:
            raise ValueError(
                f"run directory {self.path} was trained on different data "
                f"({stored.get('data')}); choose another run_dir or delete it"
            )

    # ------------------------------------------------------------ lock, clean-up
    def lock(self, wait: bool = False) -> RunLock:
        """The run's lock, to be entered (``with run.lock(wait) as lock:``)."""
        return RunLock(self.path, wait)

    def remove_temp_files(self) -> list[Path]:
        """Remove the temporary files (:data:`TEMP_NAME`) of writers that died here.

        Called with the run's lock held: no live process writes there then,
        so every such file is left over from a killed one.
        """
        removed = []
        for folder in ("", "checkpoints", "samples", SNAPSHOT_DIR):
            removed += _remove_matching(self.path / folder)
        if removed:
            log.info("removed %d leftover temporary file(s) in %s", len(removed), self.path)
        return removed

    def remove_created(self, lock: RunLock, before: set[str]) -> str | None:
        """Remove what this call created (all of it if it created the directory).

        Parameters
        ----------
        lock : RunLock
            The entered lock, which knows whether it created the directory
            and the lock file.
        before : set of str
            The names in the directory when the work began.

        Returns
        -------
        str or None
            What was removed, in words.
        """
        if lock.created_dir:
            shutil.rmtree(self.path)
            return f"removed {self.path}"
        names = sorted(set(os.listdir(self.path)) - before - {LOCK_FILE})
        if lock.created_file:
            names.append(LOCK_FILE)
        for name in names:
            path = self.path / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        return f"removed {', '.join(names)} from {self.path}" if names else None


def _remove_matching(folder: Path) -> list[Path]:
    """Remove the regular files in ``folder`` whose names match :data:`TEMP_NAME`."""
    if not folder.is_dir():
        return []
    removed = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and TEMP_NAME.search(path.name):
            path.unlink()
            removed.append(path)
    return removed


def _read_pid(fd: int) -> int | None:
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 64).decode(errors="replace").strip()
    return int(text) if text.isdigit() else None


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    own = os.fstat(fd)
    return (own.st_dev, own.st_ino) == (st.st_dev, st.st_ino)


class RunLock:
    """The exclusive ``flock`` on ``run_dir/.lock``, held while this process trains there.

    Entering creates ``run_dir`` if needed (``created_dir`` tells) and the
    lock file (``created_file``), takes the lock (waiting for it if ``wait``,
    else raising :class:`RunDirectoryBusy`) and writes this process's pid
    into the file, for the message of a second process only: the lock itself
    is the kernel's, released when the holder exits or dies. A holder may
    remove the file (or the whole directory) before it lets go; a waiter
    that then holds the lock of a removed file starts again.
    """

    def __init__(self, run_dir: Path, wait: bool):
        self.run_dir, self.wait = Path(run_dir), wait
        self.path = self.run_dir / LOCK_FILE
        self.fd: int | None = None
        self.created_dir = False
        self.created_file = False

    def _open(self) -> tuple[int, bool] | None:
        """Create the directory if needed and open the lock file: (fd, created), or None."""
        self.run_dir.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.run_dir.mkdir()
            self.created_dir = True
        except FileExistsError:
            RunDir(self.run_dir).check_path()
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666), True
        except FileExistsError:
            try:
                return os.open(self.path, os.O_RDWR), False
            except FileNotFoundError:  # removed in between: start again
                return None

    def __enter__(self) -> RunLock:
        while True:
            opened = self._open()
            if opened is None:
                continue
            fd, created_file = opened
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
            except BlockingIOError:
                pid = _read_pid(fd)
                os.close(fd)
                raise RunDirectoryBusy(self.run_dir, pid) from None
            except BaseException:
                os.close(fd)
                raise
            if not _same_file(fd, self.path):  # the previous holder removed it
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            self.fd, self.created_file = fd, created_file
            return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)  # releases the lock
            self.fd = None


# ------------------------------------------------ the path-taking forms
def is_finished(run_dir) -> bool:
    """:meth:`RunDir.is_finished` of ``run_dir``."""
    return RunDir(run_dir).is_finished()


def checkpoint_epoch(run_dir) -> int | None:
    """:meth:`RunDir.checkpoint_epoch` of ``run_dir``."""
    return RunDir(run_dir).checkpoint_epoch()


def generator_path(run_dir, ema: bool = True) -> Path:
    """:meth:`RunDir.generator_path` of ``run_dir``."""
    return RunDir(run_dir).generator_path(ema)


def generator_id(run_dir, ema: bool = True) -> str:
    """:meth:`RunDir.generator_id` of ``run_dir``."""
    return RunDir(run_dir).generator_id(ema)


def load_config(run_dir) -> TrainConfig:
    """:meth:`RunDir.load_config` of ``run_dir``."""
    return RunDir(run_dir).load_config()


def load_history(run_dir) -> pd.DataFrame:
    """:meth:`RunDir.load_history` of ``run_dir``."""
    return RunDir(run_dir).load_history()


def load_steps(run_dir) -> pd.DataFrame:
    """:meth:`RunDir.load_steps` of ``run_dir``."""
    return RunDir(run_dir).load_steps()


def snapshots(run_dir) -> pd.DataFrame:
    """:meth:`RunDir.snapshots` of ``run_dir``."""
    return RunDir(run_dir).snapshots()


def load_generator(run_dir, ema: bool = True, epoch: int | None = None):
    """:meth:`RunDir.load_generator` of ``run_dir``."""
    return RunDir(run_dir).load_generator(ema, epoch)
