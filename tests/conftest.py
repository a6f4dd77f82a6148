"""Shared test configuration.

Integration tests read the real HAM10000 data from ``GAN_STUDY_DATA_DIR``.
On a user's machine without the data they skip; with
``GAN_STUDY_REQUIRE_DATA=1`` (set by ``.ci/run``) a missing data folder is a
failure instead, so CI can never pass by skipping them.

The tests leave the workspace alone: for the whole session
``GAN_STUDY_RUNS_DIR`` points into pytest's temporary folders, and so does
``GAN_STUDY_CACHE_DIR`` unless it names a cache explicitly (to share the
processed arrays between sessions). Runs, classifiers, caches and books that
the tests make, the quick book's notebooks included, never land in the
repository's ``runs/`` or ``data/processed/``, where a later ``make book``
would find them.

The header of a test session names the BLAS library, its kernel and thread
count (``make test`` runs the unit tests a second time under another kernel
family and one thread, so that a test which depends on either fails here
too).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pytest_report_header(config) -> list[str]:
    import numpy  # noqa: F401  (loads its BLAS, so threadpoolctl can see it)

    try:
        import threadpoolctl
    except ImportError:
        return ["BLAS: unknown (threadpoolctl is not installed)"]
    return [
        f"BLAS: {i.get('internal_api')} {i.get('version')}, kernel {i.get('architecture')}, "
        f"{i.get('num_threads')} thread(s)"
        for i in threadpoolctl.threadpool_info()
        if i.get("user_api") == "blas"
    ]


ROOT = Path(__file__).resolve().parents[1]


def _workspace() -> set[str] | None:
    """The ignored files of the repository (``git status --porcelain --ignored``, the
    ``!!`` lines), less Python's bytecode caches: where runs, caches and builds land."""
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain", "--ignored"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return {
        line
        for line in out.stdout.splitlines()
        if line.startswith("!! ")
        and "__pycache__/" not in line
        and not line.endswith((".pyc", ".pyo"))
    }


def pytest_sessionstart(session) -> None:
    session.config._workspace_before = _workspace()


def pytest_sessionfinish(session, exitstatus) -> None:
    """Fail the session when the tests left files in the repository (runs, caches, builds)."""
    before = getattr(session.config, "_workspace_before", None)
    after = _workspace()
    if before is None or after is None or hasattr(session.config, "workerinput"):
        return
    new = sorted(after - before)
    if new:
        print("\nthe tests left these files in the repository (they must write under tmp_path):")
        print("\n".join(f"  {line}" for line in new))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session", autouse=True)
def _workspace_left_alone(tmp_path_factory):
    """Point the run and cache locations into pytest's temporary folders."""
    saved = {k: os.environ.get(k) for k in ("GAN_STUDY_RUNS_DIR", "GAN_STUDY_CACHE_DIR")}
    os.environ["GAN_STUDY_RUNS_DIR"] = str(tmp_path_factory.mktemp("runs"))
    if not os.environ.get("GAN_STUDY_CACHE_DIR"):
        os.environ["GAN_STUDY_CACHE_DIR"] = str(tmp_path_factory.mktemp("processed"))
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _real_data_root() -> Path | None:
    value = os.environ.get("GAN_STUDY_DATA_DIR", "")
    if not value:
        return None
    root = Path(value)
    if (root / "HAM10000" / "HAM10000_metadata.csv").is_file():
        return root
    return None


@pytest.fixture(scope="session")
def real_data_root() -> Path:
    """The real data root; skips (or fails under GAN_STUDY_REQUIRE_DATA=1) when absent."""
    root = _real_data_root()
    if root is None:
        msg = (
            "real HAM10000 data not found: set GAN_STUDY_DATA_DIR to a folder holding "
            "HAM10000/HAM10000_metadata.csv and the ISIC_*.jpg images"
        )
        if os.environ.get("GAN_STUDY_REQUIRE_DATA", "") == "1":
            pytest.fail(msg + " (GAN_STUDY_REQUIRE_DATA=1 demands it)")
        pytest.skip(msg)
    return root


@pytest.fixture(scope="session")
def shared_cache_dir(_workspace_left_alone) -> Path:
    """One processed-array cache for the whole session, so integration tests build once."""
    return Path(os.environ["GAN_STUDY_CACHE_DIR"])
