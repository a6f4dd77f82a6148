"""The report's profiles: the parameter values each profile gives each notebook.

This module is the single place that says how big a report run is. A profile
maps every notebook (by its file stem, e.g. ``"02_data"``) to the parameters
papermill injects into that notebook:

* ``standard`` -- the default report; at most about an hour on 2 CPU cores.
  Each notebook's ``parameters`` cell holds exactly these values, so a notebook
  opened by hand in Jupyter behaves like the report (a unit test checks it).
* ``quick`` -- every notebook within about five minutes on 2 CPU cores; for CI
  and for class demonstrations.
* ``full`` -- for a machine with a GPU: more epochs and 64-pixel images.

``quick`` and ``full`` are written as *changes* to ``standard``
(:data:`QUICK_CHANGES`, :data:`FULL_CHANGES`); :data:`PROFILES` holds the
merged result that :mod:`gan_study.report` uses.

Adding a chapter ``notebooks/NN_name.py`` means adding one entry
``"NN_name": {...}`` to :data:`STANDARD` (the same values as the notebook's
``parameters`` cell) and, where the chapter should run smaller or bigger,
entries to :data:`QUICK_CHANGES` and :data:`FULL_CHANGES`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

#: The standard profile: notebook stem -> {parameter: value}. Each notebook's
#: ``parameters`` cell must hold exactly these values.
STANDARD: dict[str, dict[str, Any]] = {
    "01_literature": {
        "figure_width": 9.0,
        "dpi": 110,
    },
    "02_data": {
        "source": "ham10000",
        "split": "lesion",
        "image_size": 64,
        "data_dir": None,
        "seed": 0,
        "images_per_class": 8,
        "classifier_image_size": 28,
        "classifier_epochs": 20,
    },
    "99_environment": {
        "check_tensorflow": True,
    },
    # 03/04: four GANs (seed_baseline, dcgan, cdcgan, wgan_gp) on the full lesion-split
    # training side (7,011 images), 8 epochs at batch 32 = 1,752 discriminator updates
    # each. On 2 CPU cores the budget is counted in updates: a step costs time in
    # proportion to the batch, and after the same wall time batch 32 gave clearly formed
    # lesions where batch 128 gave blurred blobs. Measured on the 2-core AMD EPYC with
    # AVX-512 (quiet, 28 px, batch 32, seconds per epoch): seed_baseline 6.4, dcgan 10.4,
    # cdcgan 11.2, wgan_gp 9.8, so ~38 s per epoch for the four models: 03 trains them
    # once (~5 min), 04 twice more (~10 min). On the slower 2-core AVX2-only machine of
    # earlier measurements every step took ~4x as long, and 2 epochs was the most that
    # fitted the hour there.
    # 06/07 reuse the seed-0 cdcgan/dcgan runs (gan_epochs, gan_batch_size).
    "03_training": {
        "seed": 0,
        "epochs": 8,
        "image_size": 28,
        "batch_size": 32,
        "source": "ham10000",
        "split": "lesion",
        "data_dir": None,
        "max_train_images": None,
        "samples_per_class": 8,
        "dpi": 110,
    },
    "04_evaluation": {
        "models": ["seed_baseline", "dcgan", "cdcgan", "wgan_gp"],
        "seeds": [0, 1, 2],
        "epochs": 8,
        "image_size": 28,
        "batch_size": 32,
        "source": "ham10000",
        "split": "lesion",
        "data_dir": None,
        "max_train_images": None,
        "seed": 0,
        "n_eval": 2000,
        "classifier_epochs": 20,
        "gallery_pairs": 8,
        "dpi": 110,
    },
    # 05-07. 06/07 reuse 03's cdcgan/dcgan runs and 05/06 04's classifier (same
    # parameters, so nothing is retrained). 05's collapse runs train 24 epochs (768
    # updates): after 6 epochs the reference covered almost none of the test images
    # (recall 0.002), so nothing could fall. 06's arms train 8 epochs each (4 arms x 3
    # seeds); with 3-epoch arms the real-only arm reached a balanced accuracy of 0.52
    # against 0.57 for the 20-epoch classifier. Times: README, "Measured figures".
    # 07: generates 64 images from a finished run, well under a minute.
    "05_gan_problems": {
        "data_dir": None,
        "image_size": 28,
        "seed": 0,
        "seeds": [0, 1, 2],
        "max_train_images": 1024,
        "problem_epochs": 6,
        "batch_size": 32,
        "probe_steps": 200,
        "probe_every": 20,
        "collapse_epochs": 24,
        "moderate_lr_g": 1e-3,
        "collapse_lr_g": 5e-3,
        "collapse_lr_d": 2e-4,
        "strong_d_lr_d": 1e-3,
        "grid_learning_rates": [5e-5, 2e-4, 1e-3],
        "grid_batch_sizes": [32, 64],
        "n_eval": 1000,
        "classifier_epochs": 20,
    },
    "06_synthetic_data": {
        "data_dir": None,
        "image_size": 28,
        "seeds": [0, 1, 2],
        "classifier_epochs": 20,
        "arm_epochs": 8,
        "arm_max_train_images": None,
        "topup_target": 500,
        "gan_epochs": 8,
        "gan_batch_size": 32,
        "gan_seed": 0,
        "gan_max_train_images": None,
        "n_boot": 1000,
        "interpolation_steps": 9,
        "interpolation_rows": 4,
    },
    "07_classroom": {
        "data_dir": None,
        "image_size": 28,
        "seed": 0,
        "quiz_images": 16,
        "gan_model": "dcgan",
        "gan_epochs": 8,
        "gan_batch_size": 32,
        "gan_seed": 0,
        "gan_max_train_images": None,
    },
}

#: How ``quick`` differs from ``standard`` (at most ~5 minutes per notebook on 2 CPU cores).
QUICK_CHANGES: dict[str, dict[str, Any]] = {
    "02_data": {"image_size": 28, "images_per_class": 6, "classifier_epochs": 1},
    # 03/04: one epoch of 256 images (8 updates at batch 32) per model, one seed, 400
    # evaluation images; a 1-epoch classifier shared by 04, 05 and 06.
    "03_training": {"epochs": 1, "max_train_images": 256, "samples_per_class": 6},
    "04_evaluation": {
        "seeds": [0],
        "epochs": 1,
        "max_train_images": 256,
        "n_eval": 400,
        "classifier_epochs": 1,
    },
    "05_gan_problems": {
        "seeds": [0, 1],
        "classifier_epochs": 1,
        "batch_size": 64,
        "max_train_images": 256,
        "problem_epochs": 2,
        "collapse_epochs": 2,
        "probe_steps": 10,
        "probe_every": 5,
        "grid_learning_rates": [2e-4, 1e-3],
        "grid_batch_sizes": [64],
        "n_eval": 300,
    },
    # 06/07 reuse 03's quick cdcgan/dcgan runs; 06 trains 4 arms x 1 seed x 1 epoch on a
    # 1,000-image subset of the real training split, topped up to 100 per class.
    "06_synthetic_data": {
        "seeds": [0],
        "classifier_epochs": 1,
        "arm_epochs": 1,
        "arm_max_train_images": 1000,
        "topup_target": 100,
        "gan_epochs": 1,
        "gan_max_train_images": 256,
        "n_boot": 200,
        "interpolation_steps": 7,
        "interpolation_rows": 2,
    },
    "07_classroom": {"gan_epochs": 1, "gan_max_train_images": 256},
}

#: How ``full`` differs from ``standard`` (meant for a GPU machine).
FULL_CHANGES: dict[str, dict[str, Any]] = {
    "02_data": {"image_size": 64, "images_per_class": 10, "classifier_epochs": 30},
    "05_gan_problems": {
        "seeds": [0, 1, 2, 3, 4],
        "max_train_images": 4096,
        "problem_epochs": 20,
        "collapse_epochs": 20,
        "probe_steps": 500,
        "grid_learning_rates": [2e-5, 5e-5, 2e-4, 5e-4, 1e-3, 2e-3],
        "grid_batch_sizes": [32, 64, 128],
        "n_eval": 2000,
        "image_size": 64,
        "classifier_epochs": 30,
    },
    "06_synthetic_data": {
        "seeds": [0, 1, 2, 3, 4],
        "image_size": 64,
        "gan_epochs": 50,
        "gan_batch_size": 128,
        "arm_epochs": 30,
        "classifier_epochs": 30,
    },
    "07_classroom": {"image_size": 64, "gan_epochs": 50, "gan_batch_size": 128},
    # 03/04 on a GPU: 64 px, 50 epochs at batch 128 (~2,700 generator updates), five seeds.
    "03_training": {"epochs": 50, "batch_size": 128, "image_size": 64},
    "04_evaluation": {
        "seeds": [0, 1, 2, 3, 4],
        "classifier_epochs": 30,
        "epochs": 50,
        "batch_size": 128,
        "image_size": 64,
    },
}

DEFAULT_PROFILE = "standard"


def merge_profile(
    base: Mapping[str, Mapping[str, Any]], changes: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Return ``base`` with ``changes`` applied notebook by notebook.

    Parameters
    ----------
    base : mapping of str to mapping
        Notebook stem -> parameter values (normally :data:`STANDARD`).
    changes : mapping of str to mapping
        Notebook stem -> the parameter values that differ from ``base``.

    Returns
    -------
    dict
        A new dict; ``base`` and ``changes`` are not modified.

    Raises
    ------
    ValueError
        If ``changes`` names a notebook or a parameter that ``base`` lacks
        (a typo there would otherwise be silently ignored).
    """
    merged = copy.deepcopy({name: dict(params) for name, params in base.items()})
    for name, params in changes.items():
        if name not in merged:
            raise ValueError(
                f"profile change for unknown notebook {name!r}; "
                f"notebooks in the base profile: {', '.join(sorted(merged))}"
            )
        unknown = sorted(set(params) - set(merged[name]))
        if unknown:
            raise ValueError(
                f"profile change for {name!r} sets unknown parameter(s) {', '.join(unknown)}; "
                f"valid: {', '.join(sorted(merged[name]))}"
            )
        merged[name].update(copy.deepcopy(dict(params)))
    return merged


#: Profile name -> notebook stem -> parameters. The one table the report reads.
PROFILES: dict[str, dict[str, dict[str, Any]]] = {
    "quick": merge_profile(STANDARD, QUICK_CHANGES),
    "standard": merge_profile(STANDARD, {}),
    "full": merge_profile(STANDARD, FULL_CHANGES),
}


def get_profile(name: str) -> dict[str, dict[str, Any]]:
    """Return a copy of the profile called ``name``.

    Raises
    ------
    ValueError
        If there is no such profile; the message lists the valid names.
    """
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; valid profiles: {', '.join(PROFILES)}")
    return copy.deepcopy(PROFILES[name])
