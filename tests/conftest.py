"""Shared test configuration.

Integration tests read the real HAM10000 data from ``GAN_STUDY_DATA_DIR``.
On a user's machine without the data they skip; with
``GAN_STUDY_REQUIRE_DATA=1`` (set by ``.ci/run``) a missing data folder is a
failure instead, so CI can never pass by skipping them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


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
def shared_cache_dir(tmp_path_factory) -> Path:
    """One processed-array cache for the whole session, so integration tests build once."""
    value = os.environ.get("GAN_STUDY_CACHE_DIR", "")
    if value:
        return Path(value)
    return tmp_path_factory.mktemp("processed")
