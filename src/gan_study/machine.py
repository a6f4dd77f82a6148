"""What machine and which checkout computed something: CPU model and git state.

A run's ``config.json`` (:mod:`gan_study.run_record`) and the book's
environment appendix (:func:`gan_study.report.environment`) both say where
their numbers come from; they ask here. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path


def cpu_model(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> str:
    """The CPU's model name (Linux ``/proc/cpuinfo``), else what :mod:`platform` knows."""
    try:
        for line in Path(cpuinfo).read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def git(*args: str, cwd: str | os.PathLike = ".") -> str | None:
    """The output of ``git ARGS`` in ``cwd``; ``None`` without git or outside a checkout."""
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def git_commit(cwd: str | os.PathLike | None = None) -> str | None:
    """The commit checked out at ``cwd`` (default: this package's checkout), or ``None``."""
    return (
        git("rev-parse", "HEAD", cwd=Path(__file__).resolve().parent if cwd is None else cwd)
        or None
    )
