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
    },
    "99_environment": {
        "check_tensorflow": True,
    },
    # 03/04: four GANs (seed_baseline, dcgan, cdcgan, wgan_gp) on the full lesion-split
    # training side: an epoch is 54 steps of batch 128 at 28 px. At the ~240 ms/step of a
    # DCGAN step on 2 quiet cores that is ~13 s per epoch; 04 trains 4 models x 3 seeds =
    # 12 runs (the 4 seed-0 runs are 03's, reused): 12 x 5 epochs x ~15 s ~ 15 min, plus
    # 12 evaluations of n_eval images and the shared classifier. 5 epochs also matches the
    # GAN runs that 06/07 reuse (gan_epochs). Measured on the 2-core AMD EPYC build machine
    # while it was shared (load average 10-12, so ~10-20x slower than quiet): one full-data
    # epoch took 122 s (seed_baseline), 324 s (dcgan), 204 s (cdcgan), 202 s (wgan_gp);
    # the quick profile's 16-step epochs 41, 85, 66 and 69 s.
    "03_training": {
        "seed": 0,
        "epochs": 5,
        "image_size": 28,
        "batch_size": 128,
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
        "epochs": 5,
        "image_size": 28,
        "batch_size": 128,
        "source": "ham10000",
        "split": "lesion",
        "data_dir": None,
        "max_train_images": None,
        "seed": 0,
        "n_eval": 2000,
        "classifier_epochs": 30,
        "gallery_pairs": 8,
        "dpi": 110,
    },
    # 05-07 (budget ~25 min of the hour). 06/07 reuse 03's cdcgan/dcgan runs and 05/06 04's
    # classifier (same parameters, so nothing is retrained). Arithmetic, from ~240 ms per
    # DCGAN step at batch 128 on 2 quiet cores (~130 ms at batch 64):
    # 05: 11 new GAN runs (reference, minimax, 2 provoked, seeds 1-2, 5 new grid cells) of
    #     2,048 images x 8 epochs = 256 steps at batch 64 (512 at 32) -> ~35-45 s each, ~7 min;
    #     plus 2 probes of 300 discriminator updates and 1,000-image evaluations -> ~8 min.
    # 06: 4 arms x 3 seeds = 12 classifier runs of arm_epochs = 10 over ~7-8k images. No quiet
    #     timing was possible (shared machine, load ~15): there, one classifier epoch took
    #     ~65 s; at an assumed (unmeasured) ~5-10 s on quiet cores -> 12 x 10 x 8 s ~ 16 min.
    # 07: generates 64 images from a finished run -> well under a minute.
    # Measured on the shared 2-core machine (load average 11-18): quick 05 331 s, quick 06
    # 778 s (with arm_epochs=2 and a 2-epoch judge trained in the chapter), quick 07 46 s.
    "05_gan_problems": {
        "data_dir": None,
        "image_size": 28,
        "seed": 0,
        "seeds": [0, 1, 2],
        "max_train_images": 2048,
        "problem_epochs": 8,
        "batch_size": 64,
        "probe_steps": 300,
        "probe_every": 25,
        "collapse_lr_g": 5e-3,
        "collapse_lr_d": 2e-4,
        "strong_d_lr_d": 1e-3,
        "grid_learning_rates": [5e-5, 2e-4, 1e-3],
        "grid_batch_sizes": [32, 64],
        "n_eval": 1000,
        "classifier_epochs": 30,
    },
    "06_synthetic_data": {
        "data_dir": None,
        "image_size": 28,
        "seeds": [0, 1, 2],
        "classifier_epochs": 30,
        "arm_epochs": 10,
        "topup_target": 500,
        "gan_epochs": 5,
        "gan_batch_size": 128,
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
        "gan_epochs": 5,
        "gan_batch_size": 128,
        "gan_seed": 0,
        "gan_max_train_images": None,
    },
}

#: How ``quick`` differs from ``standard`` (at most ~5 minutes per notebook on 2 CPU cores).
QUICK_CHANGES: dict[str, dict[str, Any]] = {
    "02_data": {"image_size": 28, "images_per_class": 6},
    # 03/04: one epoch of 2,048 images (16 steps) per model, one seed, 500 evaluation images.
    "03_training": {"epochs": 1, "max_train_images": 2048, "samples_per_class": 6},
    # classifier_epochs as in 06's quick profile, so the two chapters share one classifier.
    "04_evaluation": {
        "seeds": [0],
        "epochs": 1,
        "max_train_images": 2048,
        "n_eval": 500,
        "classifier_epochs": 2,
    },
    "05_gan_problems": {
        "seeds": [0, 1],
        "classifier_epochs": 2,
        "max_train_images": 256,
        "problem_epochs": 2,
        "probe_steps": 40,
        "probe_every": 10,
        "grid_learning_rates": [2e-4, 1e-3],
        "grid_batch_sizes": [64],
        "n_eval": 300,
    },
    # 05/06 use the classifier of 04 (classifier_epochs as in 04's quick entry), 06/07 the
    # cdcgan/dcgan runs of 03 (1 epoch on 2,048 images); 06 trains 4 arms x 1 seed x 1 epoch.
    "06_synthetic_data": {
        "seeds": [0],
        "classifier_epochs": 2,
        "arm_epochs": 1,
        "gan_epochs": 1,
        "gan_max_train_images": 2048,
        "n_boot": 200,
        "interpolation_steps": 7,
        "interpolation_rows": 2,
    },
    "07_classroom": {"gan_epochs": 1, "gan_max_train_images": 2048},
}

#: How ``full`` differs from ``standard`` (meant for a GPU machine).
FULL_CHANGES: dict[str, dict[str, Any]] = {
    "02_data": {"image_size": 64, "images_per_class": 10},
    "05_gan_problems": {
        "seeds": [0, 1, 2, 3, 4],
        "max_train_images": 4096,
        "problem_epochs": 20,
        "probe_steps": 500,
        "grid_learning_rates": [2e-5, 5e-5, 2e-4, 5e-4, 1e-3, 2e-3],
        "grid_batch_sizes": [32, 64, 128],
        "n_eval": 2000,
        "image_size": 64,
    },
    "06_synthetic_data": {
        "seeds": [0, 1, 2, 3, 4],
        "image_size": 64,
        "gan_epochs": 50,
        "arm_epochs": 30,
    },
    "07_classroom": {"image_size": 64, "gan_epochs": 50},
    # 03/04 on a GPU: 64 px, 50 epochs (~2,700 generator updates), five seeds.
    "03_training": {"epochs": 50, "image_size": 64},
    "04_evaluation": {"seeds": [0, 1, 2, 3, 4], "epochs": 50, "image_size": 64},
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
