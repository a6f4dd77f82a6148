"""The quick-profile book, built once per session for every test under tests/book.

Needs the real data (``real_data_root``) and ``book/_mathjax`` (``make
book/_mathjax/tex-chtml.js``). Sphinx warnings fail the build (``strict``).
"""

from __future__ import annotations

import os
import shutil
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


def _require_browser(purpose: str, modules: dict[str, str]) -> None:
    """Skip unless headless Chromium, its driver and ``modules`` are here.

    ``modules`` maps an importable package to the extra that installs it. With
    ``GAN_STUDY_REQUIRE_BROWSER=1`` (``.ci/run`` sets it once Chromium is
    installed) a missing piece fails the test instead, so CI cannot pass by
    skipping it.
    """
    missing = [
        name
        for name, found in (
            ("chromium", shutil.which("chromium") or shutil.which("chromium-browser")),
            ("chromedriver", shutil.which("chromedriver")),
        )
        if not found
    ]
    for module, extra in modules.items():
        try:
            __import__(module)
        except ImportError:
            missing.append(f"the {module} package (pip install -e '.[{extra}]')")
    if not missing:
        return
    why = (
        f"{purpose}: {', '.join(missing)} not found "
        "(Debian: apt-get install chromium chromium-driver)"
    )
    if os.environ.get("GAN_STUDY_REQUIRE_BROWSER", "") == "1":
        pytest.fail(why + " (GAN_STUDY_REQUIRE_BROWSER=1 demands it)")
    pytest.skip(why)


@pytest.fixture(scope="session")
def require_browser():
    """:func:`_require_browser`, for the tests that drive headless Chromium."""
    return _require_browser
