"""The quick-profile book, built once per session for every test under tests/book,
from data that ``gan-study data --download`` fetched as on a machine without data.

``make book PROFILE=quick`` on a fresh machine runs ``gan-study data
--download`` (``make data``) and then ``gan-study book``. The fixtures here do
the same in this process, with :class:`gan_study.data.fixtures.LoopbackDataverse`
in place of the Harvard Dataverse and GitHub (which cannot be reached here):
it serves the real images re-packed as the Dataverse distributes them
(:func:`gan_study.data.fixtures.pack_distribution`: the metadata CSV and two
ZIP archives, checked against their sizes and MD5s) and the DermaMNIST split
list (checked against the MD5 the study pins). The book is built from the
data root that the download made.

Needs the real data (``real_data_root``) and ``book/_mathjax`` (``make
book/_mathjax/tex-chtml.js``). Sphinx warnings fail the build (``strict``).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from gan_study import cli, report
from gan_study.data import download, fixtures, split_list

ROOT = Path(__file__).resolve().parents[2]

#: Datafile id under which the loopback server serves the DermaMNIST split list.
SPLIT_LIST_ID = 99


@dataclass
class FreshDownload:
    """What ``gan-study data --download`` did on a machine without data."""

    root: Path
    source: Path
    output: str
    requests: list[tuple[str, dict[str, str]]]
    files: tuple
    split_list_id: int = SPLIT_LIST_ID


@pytest.fixture(scope="session")
def fresh_download(real_data_root, tmp_path_factory) -> FreshDownload:
    """A data root made by ``gan-study data --download`` from the loopback Dataverse."""
    blobs, files = fixtures.pack_distribution(real_data_root)
    blobs[SPLIT_LIST_ID] = (real_data_root / "splits" / "dermamnist_split_info.csv").read_bytes()
    root = tmp_path_factory.mktemp("fresh-machine") / "data"
    output = io.StringIO()
    with (
        fixtures.LoopbackDataverse(blobs=blobs) as server,
        pytest.MonkeyPatch.context() as patch,
        contextlib.redirect_stdout(output),
    ):
        patch.setattr(download, "HAM10000_FILES", files)
        patch.setenv(download.URL_ENV, server.url)
        patch.setenv(split_list.SPLIT_URL_ENV, f"{server.url}{SPLIT_LIST_ID}")
        status = cli.main(["data", "--download", "--data-dir", str(root)])
    if status != 0:
        pytest.fail(f"gan-study data --download failed (status {status}):\n{output.getvalue()}")
    return FreshDownload(root, real_data_root, output.getvalue(), list(server.requests), files)


@pytest.fixture(scope="session")
def book(fresh_download, shared_cache_dir, tmp_path_factory):
    """Build the quick profile once from the downloaded data; yields the BuildResult."""
    saved = {k: os.environ.get(k) for k in ("GAN_STUDY_DATA_DIR", "GAN_STUDY_CACHE_DIR")}
    os.environ["GAN_STUDY_DATA_DIR"] = str(fresh_download.root)
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
