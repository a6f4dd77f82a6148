"""SIGTERM or Ctrl-C (SIGINT) to a report build stops it, with one job or two.

A real ``gan-study book`` subprocess executes notebooks that sleep. After the
signal the build exits with 128 + the signal and a one-line message that
names the stopped notebooks; every kernel (and, with two jobs, every worker)
has ended and removed its connection file; nothing is stamped, and the
partial output is kept as ``NAME.failed.ipynb``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _write_notebook(folder: Path, name: str, code: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.py").write_text(f"# %% [markdown]\n# # {name}\n\n# %%\n{code}\n")


SLEEPER = (
    "import os, time\n"
    "open('started_{name}.tmp', 'w').write(f'{{os.getpid()}} {{os.getppid()}}')\n"
    "os.replace('started_{name}.tmp', 'started_{name}')\n"
    "time.sleep(120)\n"
    "open('finished_{name}', 'w').close()"
)


def _gone(pid: int) -> bool:
    """The process has ended (a zombie counts as ended: only its parent can reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


@pytest.mark.parametrize(
    "jobs, signum",
    [(2, "SIGTERM"), (2, "SIGINT"), (1, "SIGTERM"), (1, "SIGINT")],
)
def test_interrupted_build_stops_workers_and_kernels_and_stamps_nothing(tmp_path, jobs, signum):
    signum = getattr(signal, signum)
    names = ["01_a", "02_b"][:jobs]
    for name in names:
        _write_notebook(tmp_path / "notebooks", name, SLEEPER.format(name=name))
    script = (
        "from gan_study import cli, execution\n"
        f"execution.PREREQUISITES = {{n: () for n in {names!r}}}\n"
        f"raise SystemExit(cli.main(['book', '--no-html', '-j', '{jobs}']))\n"
    )
    env = dict(
        os.environ,
        GAN_STUDY_RUNS_DIR=str(tmp_path / "runs"),
        GAN_STUDY_CACHE_DIR=str(tmp_path / "cache"),
        GAN_STUDY_DATA_DIR=str(tmp_path / "data"),
        TMPDIR=str(tmp_path / "tmp"),  # where the kernels' connection files go
    )
    (tmp_path / "tmp").mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 180
        while not all((tmp_path / f"started_{n}").is_file() for n in names):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the notebooks did not start within 180 s"
            time.sleep(0.1)
        pids = [int(p) for n in names for p in (tmp_path / f"started_{n}").read_text().split()]
        assert len(list((tmp_path / "tmp").glob("tmp*.json"))) == len(names)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + signum, (out, err)
    assert f"gan-study book: interrupted ({signal.Signals(signum).name})" in err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    for name in names:
        assert name in err.rsplit("interrupted", 1)[1]  # named as stopped
    kernels_and_workers = [p for p in pids if p != proc.pid]  # jobs=1: the kernel's parent
    deadline = time.monotonic() + 15
    while not all(_gone(p) for p in kernels_and_workers):
        assert time.monotonic() < deadline, f"still running: {kernels_and_workers}"
        time.sleep(0.1)
    # the kernels were stopped by their owner, which removed their connection files too
    assert not list((tmp_path / "tmp").glob("tmp*.json"))
    executed = tmp_path / "_build" / "executed"
    for name in names:
        assert not (tmp_path / f"finished_{name}").exists()
        assert not (executed / f"{name}.stamp.json").exists()
        assert not (executed / f"{name}.ipynb").exists()
        assert not (executed / f".{name}.running.ipynb").exists()
        assert (executed / f"{name}.failed.ipynb").is_file()  # the partial output
