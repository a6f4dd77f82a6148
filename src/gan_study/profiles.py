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

What several chapters share -- the study's reference GAN runs and its
real-data classifier -- is named once, in :data:`SHARED`, and given to every
chapter that uses it (:data:`USES`). An override of a shared parameter
(``gan-study book -p gan_epochs 16``) therefore changes every such chapter
together; one aimed at a single chapter (``-p 06_synthetic_data.gan_epochs 16``)
is refused, because that chapter would silently train runs of its own. The
order in which chapters may run follows from the same table
(:func:`prerequisites`).

``quick`` and ``full`` are written as *changes* to ``standard``
(:data:`QUICK_CHANGES`, :data:`FULL_CHANGES`, and :data:`QUICK_SHARED_CHANGES`,
:data:`FULL_SHARED_CHANGES` for the shared groups); :data:`PROFILES` holds the
merged result that :mod:`gan_study.report` uses.

Adding a chapter ``notebooks/NN_name.py`` means adding one entry
``"NN_name": {...}`` to :data:`STANDARD` (the same values as the notebook's
``parameters`` cell) and, where the chapter should run smaller or bigger,
entries to :data:`QUICK_CHANGES` and :data:`FULL_CHANGES`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
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
    },
    "99_environment": {
        "check_tensorflow": True,
    },
    # 03/04/06/07: the reference GAN runs and the classifier come from SHARED.
    "03_training": {
        "data_dir": None,
        "samples_per_class": 8,
        "dpi": 110,
    },
    "04_evaluation": {
        "data_dir": None,
        "seed": 0,
        "n_eval": 2000,
        "gallery_pairs": 8,
        "n_boot": 200,
        "dpi": 110,
    },
    # 05-07. 05's collapse runs train 24 epochs (768
    # updates): after 6 epochs the reference covered almost none of the test images
    # (recall 0.002), so nothing could fall. 06's arms train 3 passes over the real
    # images each (5 arms x 5 seeds at the full share, 3 arms x 5 seeds at a tenth,
    # one cDCGAN retrained on the tenth for the reference runs' 3,066 updates): the
    # seeds and arms the comparison needs, at a budget that fits beside chapter 4
    # (with 3-epoch arms the earlier real-only arm reached a balanced accuracy of 0.52
    # against 0.57 for the 20-epoch classifier). The share of a quarter, a second
    # retrained cDCGAN, is in the full profile only: in the float32 standard build
    # on machine C it took 15 of chapter 6's 47 min (README, "Measured figures").
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
    },
    "06_synthetic_data": {
        "data_dir": None,
        "seeds": [0, 1, 2, 3, 4],
        "arm_epochs": 3,
        "arm_max_train_images": None,
        "topup_target": 500,
        "fractions": [0.1, 1.0],
        "scarce_arms": ["real_classical", "oversample", "real_gan"],
        "scarce_gan_seeds": [0],
        "n_boot": 1000,
        "equivalence_margin": 0.02,
        "interpolation_steps": 9,
        "interpolation_rows": 4,
    },
    "07_classroom": {
        "data_dir": None,
        "seed": 0,
        "quiz_images": 16,
        "gan_model": "dcgan",
    },
}

#: How ``quick`` differs from ``standard`` (at most ~5 minutes per notebook on 2 CPU cores).
QUICK_CHANGES: dict[str, dict[str, Any]] = {
    "02_data": {"image_size": 28, "images_per_class": 6},
    "03_training": {"samples_per_class": 6},
    "04_evaluation": {"n_eval": 400, "n_boot": 20},
    "05_gan_problems": {
        "seeds": [0, 1],
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
    # 06 trains 5 arms x 1 seed x 1 epoch on a 1,000-image subset of the real
    # training split, topped up to 100 per class, and 3 arms on a quarter of it.
    "06_synthetic_data": {
        "seeds": [0],
        "arm_epochs": 1,
        "arm_max_train_images": 1000,
        "topup_target": 100,
        "fractions": [0.25, 1.0],
        "n_boot": 200,
        "interpolation_steps": 7,
        "interpolation_rows": 2,
    },
}

#: How ``full`` differs from ``standard`` (meant for a GPU machine).
FULL_CHANGES: dict[str, dict[str, Any]] = {
    "02_data": {"image_size": 64, "images_per_class": 10},
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
    },
    "06_synthetic_data": {
        "seeds": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        "arm_epochs": 30,
        "fractions": [0.1, 0.25, 1.0],
        "scarce_gan_seeds": [0, 1],
    },
}

# ------------------------------------------------------------ shared artefacts
#: What several chapters share, named once: group -> {parameter: standard value}.
#: Every notebook that uses a group (:data:`USES`) gets all of its parameters,
#: with the same values; the first such notebook in the book's order makes
#: the artefact and the later ones reuse it (:func:`prerequisites`).
#:
#: ``gan_runs`` -- the study's reference GAN runs (:class:`gan_study.config.RunGrid`):
#: every model of ``gan_models`` trained with every seed of ``gan_seeds``.
#: Chapter 3 trains and shows the first seed's runs, chapter 4 adds the other
#: seeds, chapters 6 and 7 take the first seed's cdcgan and dcgan.
#: Standard: the full lesion-split training side (7,011 images), 14 epochs at
#: batch 32 = 3,066 discriminator updates per run, two seeds, with an EMA
#: snapshot every 2 epochs for chapter 4's learning curves. (Until the
#: learning curves of bench/learning_curves.py showed the DCGAN's FD still
#: falling steeply after 3,000 updates, the standard profile trained three
#: seeds for 8 epochs, 1,752 updates; 20 epochs, 4,380 updates, took the
#: standard report to 66.9 min on machine A, over its hour; 16 epochs took
#: 54.8 min there. On machine C, about 1.6 times slower per update at batch 32,
#: 16 epochs with chapter 4's and 6's later additions took 84 min; 14 epochs
#: and chapter 6's scarce curve without the quarter share took 56.4 min.
#: In that build the cDCGAN's class agreement was the same after 2,628 updates
#: as after 3,504 (0.513 and 0.515, 0.544 and 0.544 for seeds 0 and 1), and the
#: DCGAN's FD was 8.98 and 5.92 after 2,628 against 5.65 and 5.88 after 3,504.
#: After 3,066 updates, in the 56.4-min build: best FD 0.36x the 1 px blur, and
#: the cDCGAN's agreement 0.89x the classifier's balanced accuracy, against
#: 0.91x after 3,504: either side of the 0.9x target by less than the seeds'
#: spread, and no longer rising.)
#: On 2 CPU cores the budget is counted in updates: after the same wall time batch 32 gave clearly formed
#: lesions where batch 128 gave blurred blobs. Measured on the 2-core AMD EPYC
#: with AVX-512 (quiet, 28 px, batch 32, seconds per epoch): seed_baseline 6.4,
#: dcgan 10.4, cdcgan 11.2, wgan_gp 9.8, so ~38 s per epoch for the four models
#: (on a busier day of the same machine cdcgan took 20 s per epoch).
#: The conditional model draws each epoch's real images class-balanced
#: (``class_balance`` 1: every diagnosis equally often). With the plain
#: permutation its balanced class agreement stayed at 0.79x the classifier's
#: balanced accuracy (standard report, 16 epochs, two seeds); with
#: class_balance 1 it reached 0.91x and 0.92x (seeds 0 and 1), with 0.5
#: 0.82x (seed 0): bench/class_balance.py.
#: Its generator's batch norms are class-conditional (``conditional_bn``).
#: At 14 epochs with class_balance 1 (machine C, bench/class_balance.py,
#: seeds 0 and 1), FD 8.37 and 10.39 against 9.91 and 11.12 without, class
#: agreement 0.559 and 0.513 against 0.508 and 0.538: 0.92x the classifier's
#: balanced accuracy on average against 0.89x, a gain smaller than the seeds'
#: spread, while the distance fell in both seeds.
#:
#: ``classifier`` -- the real-data classifier whose features and predictions
#: score the GANs (02 trains it, 04, 05 and 06 reuse it).
SHARED: dict[str, dict[str, Any]] = {
    "gan_runs": {
        "gan_models": ["seed_baseline", "dcgan", "cdcgan", "wgan_gp"],
        "gan_seeds": [0, 1],
        "gan_epochs": 14,
        "gan_batch_size": 32,
        "image_size": 28,
        "source": "ham10000",
        "split": "lesion",
        "gan_max_train_images": None,
        "gan_snapshot_every": 2,
        "gan_recipe": {"cdcgan": {"class_balance": 1.0, "conditional_bn": True}},
    },
    "classifier": {
        "classifier_epochs": 20,
    },
}

#: Notebook stem -> the shared groups it uses.
USES: dict[str, tuple[str, ...]] = {
    "02_data": ("classifier",),
    "03_training": ("gan_runs",),
    "04_evaluation": ("gan_runs", "classifier"),
    "05_gan_problems": ("classifier",),
    "06_synthetic_data": ("gan_runs", "classifier"),
    "07_classroom": ("gan_runs",),
}

#: How ``quick`` changes the shared groups: one seed, two epochs of 256 images
#: (16 updates at batch 32) per model with a snapshot after each, a 1-epoch
#: classifier.
QUICK_SHARED_CHANGES: dict[str, dict[str, Any]] = {
    "gan_runs": {
        "gan_seeds": [0],
        "gan_epochs": 2,
        "gan_max_train_images": 256,
        "gan_snapshot_every": 1,
    },
    "classifier": {"classifier_epochs": 1},
}

#: How ``full`` changes them: on a GPU, 64 px, 50 epochs at batch 128 (~2,700
#: generator updates), five seeds, a 30-epoch classifier.
FULL_SHARED_CHANGES: dict[str, dict[str, Any]] = {
    "gan_runs": {
        "gan_seeds": [0, 1, 2, 3, 4],
        "gan_epochs": 50,
        "gan_snapshot_every": 10,
        "gan_batch_size": 128,
        "image_size": 64,
    },
    "classifier": {"classifier_epochs": 30},
}


def shared_group(notebook: str, parameter: str, uses=None, shared=None) -> str | None:
    """The shared group that gives ``notebook`` its ``parameter``, or ``None``."""
    uses = USES if uses is None else uses
    shared = SHARED if shared is None else shared
    for group in uses.get(notebook, ()):
        if parameter in shared[group]:
            return group
    return None


def prerequisites(notebooks=None, uses=None) -> dict[str, tuple[str, ...]]:
    """Which notebooks must finish before each one: the makers of what it reuses.

    The maker of a shared group is the first notebook (in file order) that
    uses it; every later user waits for it. A notebook that uses no group
    waits for nothing.

    Parameters
    ----------
    notebooks : iterable of str, optional
        Notebook stems (default: those of :data:`STANDARD`).
    uses : mapping, optional
        Notebook stem -> groups (default: :data:`USES`).

    Returns
    -------
    dict
        Notebook stem -> tuple of notebook stems, in file order.
    """
    uses = USES if uses is None else uses
    stems = sorted(STANDARD if notebooks is None else notebooks)
    maker = {}
    for stem in stems:
        for group in uses.get(stem, ()):
            maker.setdefault(group, stem)
    return {stem: tuple(sorted({maker[g] for g in uses.get(stem, ())} - {stem})) for stem in stems}


def with_shared(
    notebooks: Mapping[str, Mapping[str, Any]],
    shared: Mapping[str, Mapping[str, Any]],
    uses: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Give every notebook the parameters of the shared groups it uses.

    Raises
    ------
    ValueError
        When a notebook's own entry sets a shared parameter (it would make
        that chapter's artefact differ from the others' without a word).
    """
    uses = USES if uses is None else uses
    out = copy.deepcopy({name: dict(params) for name, params in notebooks.items()})
    for name, groups in uses.items():
        if name not in out:
            continue
        for group in groups:
            clash = sorted(set(out[name]) & set(shared[group]))
            if clash:
                raise ValueError(
                    f"notebook {name} sets {', '.join(clash)} itself, but the shared group "
                    f"{group!r} defines it for every chapter: change it in SHARED"
                )
            out[name].update(copy.deepcopy(dict(shared[group])))
    return out


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
    name: with_shared(merge_profile(STANDARD, changes), merge_profile(SHARED, shared_changes))
    for name, changes, shared_changes in (
        ("quick", QUICK_CHANGES, QUICK_SHARED_CHANGES),
        ("standard", {}, {}),
        ("full", FULL_CHANGES, FULL_SHARED_CHANGES),
    )
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
