"""SIGTERM or Ctrl-C to a report build stops it: workers and kernels end, nothing is stamped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

pytestmark = pytest.mark.slow

BUILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from gan_study import report
    root = Path(sys.argv[1])
    report.PACKAGE_DIR = root / "fake_pkg"
    report.PREREQUISITES = {"01_sleep": (), "02_free": ()}
    try:
        report.build("standard", root=root, html=False, profiles={"standard": {}}, jobs=2)
    except report.BuildInterrupted as exc:
        print(exc, file=sys.stderr)
        sys.exit(130)
    """
)
SLEEP = (
    "import os, time\n"
    "open('kernel.pid', 'w').write(str(os.getpid()))\n"
    "time.sleep(90)\n"
    "open('finished', 'w').write('yes')\n"
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("signum", [signal.SIGTERM])
def test_a_signal_stops_the_build_its_workers_and_kernels(tmp_path, signum):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    (tmp_path / "fake_pkg").mkdir()
    (tmp_path / "fake_pkg" / "mod.py").write_text("VALUE = 1\n")
    (nbs / "01_sleep.py").write_text("# %% [markdown]\n# # sleep\n\n# %%\n" + SLEEP)
    (nbs / "02_free.py").write_text("# %% [markdown]\n# # free\n\n# %%\nprint(1)\n")
    proc = subprocess.Popen(
        [sys.executable, "-c", BUILD, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    pid_file = tmp_path / "kernel.pid"
    deadline = time.monotonic() + 240
    while not pid_file.is_file() or not pid_file.read_text():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the notebook's kernel did not start"
        time.sleep(0.1)
    kernel = int(pid_file.read_text())
    proc.send_signal(signum)
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err, err
    deadline = time.monotonic() + 30
    while _alive(kernel) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(kernel), "the kernel of the interrupted notebook was left running"
    assert not (tmp_path / "finished").exists()
    assert not list(tmp_path.rglob("01_sleep.stamp.json")), "an interrupted notebook was stamped"
