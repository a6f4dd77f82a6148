"""Where the study reads its data and writes what it derives.

Every location can be set explicitly; otherwise an environment variable;
otherwise a folder relative to the current working directory (the repository
root when the study is run through ``make`` or ``gan-study``).

=====================  ==========================  =====================
what                   environment variable        default
=====================  ==========================  =====================
raw data root          ``GAN_STUDY_DATA_DIR``      ``data/raw``
processed-array cache  ``GAN_STUDY_CACHE_DIR``     ``data/processed``
run directories        ``GAN_STUDY_RUNS_DIR``      ``runs``
=====================  ==========================  =====================
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "GAN_STUDY_DATA_DIR"
CACHE_DIR_ENV = "GAN_STUDY_CACHE_DIR"
RUNS_DIR_ENV = "GAN_STUDY_RUNS_DIR"
#: Not a location: the report sets it to the stem of the notebook it executes
#: (its kernel inherits it), and a GAN run trained there records that chapter
#: as ``environment.notebook`` in its ``config.json``.
NOTEBOOK_ENV = "GAN_STUDY_NOTEBOOK"


def _resolve(explicit: str | os.PathLike | None, env: str, default: str) -> Path:
    if explicit is not None and str(explicit) != "":
        return Path(explicit).expanduser()
    value = os.environ.get(env, "")
    if value:
        return Path(value).expanduser()
    return Path(default)


def data_root(explicit: str | os.PathLike | None = None) -> Path:
    """Root folder that holds ``HAM10000/`` (and optionally ``splits/``)."""
    return _resolve(explicit, DATA_DIR_ENV, "data/raw")


def cache_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Folder for processed arrays and downloaded files."""
    return _resolve(explicit, CACHE_DIR_ENV, "data/processed")


def runs_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Folder that holds run directories (GANs and classifiers)."""
    return _resolve(explicit, RUNS_DIR_ENV, "runs")
