"""The quick-profile book, built once per session for every test under tests/book.

Needs the real data (``real_data_root``) and ``book/_mathjax`` (``make
book/_mathjax/tex-chtml.js``). Sphinx warnings fail the build (``strict``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gan_study import report

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def book(real_data_root, shared_cache_dir, tmp_path_factory):
    """Build the quick profile once; yields the BuildResult."""
    saved = {k: os.environ.get(k) for k in ("GAN_STUDY_DATA_DIR", "GAN_STUDY_CACHE_DIR")}
    os.environ["GAN_STUDY_DATA_DIR"] = str(real_data_root)
    os.environ["GAN_STUDY_CACHE_DIR"] = str(shared_cache_dir)
    try:
        result = report.build(
            "quick", root=ROOT, build_dir=tmp_path_factory.mktemp("book"), strict=True, jobs=2
        )
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    yield result
