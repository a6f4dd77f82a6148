"""The report's profiles: the parameter values each profile gives each notebook.

A profile maps every chapter (by its file stem, e.g. ``"02_data"``) to the
parameters papermill injects into that notebook:

* ``standard`` -- the default report; at most about an hour on 2 CPU cores.
  Its values are *read from the chapters' parameters cells*
  (``notebooks/NN_name.py``, the cell tagged ``parameters``), so a notebook
  opened by hand in Jupyter behaves like the report, and a value is written
  once. They are read on first use of :data:`STANDARD` or :data:`PROFILES`
  (not when this module is imported), from the ``notebooks/`` folder of the
  checkout the package is installed from (:data:`ROOT`; ``pip install -e .``).
  A chapter without a parameters cell, or with one that is not
  ``name = literal`` lines, is an error that names the notebook and the fix.
* ``quick`` -- every notebook within about five minutes on 2 CPU cores; for CI
  and for class demonstrations.
* ``full`` -- for a machine with a GPU: more epochs and 64-pixel images.

This module holds only what is not in a parameters cell: how ``quick`` and
``full`` *change* the standard values (:data:`QUICK_CHANGES`,
:data:`FULL_CHANGES`), and the one section naming what several chapters share.

*Shared artefacts.* The study's reference GAN runs and its real-data
classifier are named once, in :data:`SHARED`, with their standard values and
the measurements behind them, and given to every chapter that uses them
(:data:`USES`); :data:`QUICK_SHARED_CHANGES` and :data:`FULL_SHARED_CHANGES`
change them for the other profiles. :data:`SHARED` is the source of those
values: each user's parameters cell repeats them (so that the chapter runs on
its own), and reading the standard profile checks that it holds exactly
:data:`SHARED`'s values, or raises an error naming the chapter, the parameter
and both values. An override of a shared parameter
(``gan-study book -p gan_epochs 16``) therefore changes every such chapter
together; one aimed at a single chapter (``-p 06_synthetic_data.gan_epochs 16``)
is refused, because that chapter would silently train runs of its own. The
order in which chapters may run follows from the same table
(:func:`prerequisites`, hence :data:`gan_study.execution.PREREQUISITES`).

:data:`PROFILES` holds the merged result that :mod:`gan_study.report` uses;
:func:`get_profile` returns a copy of one profile.

Where a value goes: a chapter's own standard value in its parameters cell
(with a comment that says why, when a measurement chose it); a shared one in
:data:`SHARED` and in the parameters cell of every chapter of :data:`USES`
that uses its group; a smaller or bigger value in :data:`QUICK_CHANGES` /
:data:`FULL_CHANGES` (or the ``*_SHARED_CHANGES``). A new chapter
``notebooks/NN_name.py`` needs nothing here unless it runs smaller or bigger
in ``quick`` or ``full``, or uses a shared group.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from gan_study.chapters import BuildError, discover_notebooks, notebook_parameters

#: The checkout whose ``notebooks/`` folder holds the chapters, and with them
#: the standard profile (the package is installed from it: ``src/gan_study``).
ROOT = Path(__file__).resolve().parents[2]

#: The standard profile: notebook stem -> {parameter: value}, each chapter's
#: own parameters (its parameters cell without the shared groups it uses).
#: Read from the notebooks on first use.
STANDARD: dict[str, dict[str, Any]]

#: Profile name -> notebook stem -> parameters. The one table the report reads.
#: Built on first use.
PROFILES: dict[str, dict[str, dict[str, Any]]]

DEFAULT_PROFILE = "standard"

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


#: Each profile's name and its changes to the chapters' and to the shared values.
CHANGES: tuple[
    tuple[str, Mapping[str, Mapping[str, Any]], Mapping[str, Mapping[str, Any]]], ...
] = (
    ("quick", QUICK_CHANGES, QUICK_SHARED_CHANGES),
    ("standard", {}, {}),
    ("full", FULL_CHANGES, FULL_SHARED_CHANGES),
)


def shared_group(notebook: str, parameter: str, uses=None, shared=None) -> str | None:
    """The shared group that gives ``notebook`` its ``parameter``, or ``None``."""
    uses = USES if uses is None else uses
    shared = SHARED if shared is None else shared
    for group in uses.get(notebook, ()):
        if parameter in shared[group]:
            return group
    return None


def chapter_notebooks(root: str | Path = ROOT) -> list[Path]:
    """The chapters ``root/notebooks/*.py`` whose parameters cells hold the standard profile.

    Raises
    ------
    BuildError
        If ``root`` has no ``notebooks/`` folder (the package was not installed
        from its checkout).
    """
    try:
        return discover_notebooks(root)
    except FileNotFoundError as exc:
        raise BuildError(
            f"the standard profile is read from the chapters' parameters cells, but "
            f"{Path(root) / 'notebooks'} does not exist: install gan-study from its "
            "checkout (pip install -e .)"
        ) from exc


def prerequisites(
    notebooks: Iterable[str] | None = None, uses: Mapping[str, Sequence[str]] | None = None
) -> dict[str, tuple[str, ...]]:
    """Which notebooks must finish before each one: the makers of what it reuses.

    The maker of a shared group is the first notebook (in file order) that
    uses it; every later user waits for it. A notebook that uses no group
    waits for nothing.

    Parameters
    ----------
    notebooks : iterable of str, optional
        Notebook stems (default: the chapters of :func:`chapter_notebooks`;
        only their file names are listed, none is read).
    uses : mapping, optional
        Notebook stem -> groups (default: :data:`USES`).

    Returns
    -------
    dict
        Notebook stem -> tuple of notebook stems, in file order.
    """
    uses = USES if uses is None else uses
    if notebooks is None:
        notebooks = [nb.stem for nb in chapter_notebooks()]
    stems = sorted(notebooks)
    maker: dict[str, str] = {}
    for stem in stems:
        for group in uses.get(stem, ()):
            maker.setdefault(group, stem)
    return {stem: tuple(sorted({maker[g] for g in uses.get(stem, ())} - {stem})) for stem in stems}


def cell_parameters(notebook: Path) -> dict[str, Any]:
    """The values of a chapter's parameters cell, which must exist and set something.

    Raises
    ------
    BuildError
        If the notebook has no parameters cell (or an empty one), or the cell
        is not ``name = literal`` lines; the message names the notebook.
    """
    params = notebook_parameters(notebook)
    if not params:
        raise BuildError(
            f"{notebook}: no parameters cell, but the standard profile is read from it: "
            'add a code cell tagged parameters (a line `# %% tags=["parameters"]`) that '
            "sets each parameter of the chapter to its standard value (`name = literal`)"
        )
    return params


def own_parameters(
    notebook: str,
    cell: Mapping[str, Any],
    shared: Mapping[str, Mapping[str, Any]] | None = None,
    uses: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """A chapter's parameters cell without the shared groups it uses, after checking them.

    Parameters
    ----------
    notebook : str
        The chapter's stem (``"04_evaluation"``).
    cell : mapping
        Its parameters cell (:func:`cell_parameters`).
    shared, uses : mapping, optional
        Default :data:`SHARED` and :data:`USES`.

    Returns
    -------
    dict
        The cell's other parameters, in the cell's order.

    Raises
    ------
    BuildError
        If the cell lacks a parameter of a group the chapter uses, or holds a
        value other than :data:`SHARED`'s (the chapter would run differently
        opened by hand than in the report).
    """
    shared = SHARED if shared is None else shared
    uses = USES if uses is None else uses
    taken: set[str] = set()
    for group in uses.get(notebook, ()):
        for name, value in shared[group].items():
            if name not in cell:
                raise BuildError(
                    f"notebooks/{notebook}.py uses the shared {group!r} but its parameters cell "
                    f"lacks {name}: add `{name} = {value!r}` (the value of "
                    "gan_study.profiles.SHARED) to the cell"
                )
            if cell[name] != value:
                raise BuildError(
                    f"notebooks/{notebook}.py sets {name} = {cell[name]!r} in its parameters "
                    f"cell, but the shared {group!r} (gan_study.profiles.SHARED) has {value!r}; "
                    "every chapter that uses it holds the same values: change the cell back, "
                    "or SHARED and the cells of all its users together"
                )
            taken.add(name)
    return {name: copy.deepcopy(value) for name, value in cell.items() if name not in taken}


def read_standard(root: str | Path = ROOT) -> dict[str, dict[str, Any]]:
    """Read the standard profile from the parameters cells of ``root/notebooks/*.py``.

    Returns
    -------
    dict
        Notebook stem -> its own parameters (:func:`own_parameters`), in file
        order: what :data:`STANDARD` holds.

    Raises
    ------
    BuildError
        From :func:`chapter_notebooks`, :func:`cell_parameters` and
        :func:`own_parameters`.
    """
    return {nb.stem: own_parameters(nb.stem, cell_parameters(nb)) for nb in chapter_notebooks(root)}


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


def build_profiles(
    standard: Mapping[str, Mapping[str, Any]],
) -> dict[str, dict[str, dict[str, Any]]]:
    """Every profile of :data:`CHANGES`, merged over ``standard`` and :data:`SHARED`.

    Parameters
    ----------
    standard : mapping
        Notebook stem -> its own standard parameters (:func:`read_standard`).

    Returns
    -------
    dict
        Profile name -> notebook stem -> parameters: what :data:`PROFILES` holds.
    """
    return {
        name: with_shared(merge_profile(standard, changes), merge_profile(SHARED, shared_changes))
        for name, changes, shared_changes in CHANGES
    }


def _loaded(name: str) -> Any:
    """:data:`STANDARD` or :data:`PROFILES`, read from the notebooks the first time.

    A value already set (read before, or replaced by a test) is kept.
    """
    table = globals()
    if name not in table:
        standard = read_standard()
        table.setdefault("STANDARD", standard)
        table.setdefault("PROFILES", build_profiles(standard))
    return table[name]


def __getattr__(name: str) -> Any:
    """Read :data:`STANDARD` and :data:`PROFILES` lazily (PEP 562)."""
    if name in ("STANDARD", "PROFILES"):
        return _loaded(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get_profile(name: str) -> dict[str, dict[str, Any]]:
    """Return a copy of the profile called ``name``.

    Raises
    ------
    ValueError
        If there is no such profile; the message lists the valid names.
    """
    profiles = _loaded("PROFILES")
    if name not in profiles:
        raise ValueError(f"unknown profile {name!r}; valid profiles: {', '.join(profiles)}")
    return copy.deepcopy(profiles[name])
