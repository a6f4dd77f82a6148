"""Every GAN run a book build needs, listed before the build: a grid any scheduler can fill.

``gan-study book`` trains its GAN runs inside the chapters, one chapter after
another. :func:`profile_runs` lists the same runs beforehand, each once, so that
they can be trained elsewhere -- side by side, on other machines, by any
scheduler -- with ``gan-study train`` (:func:`train_command`) into the runs
folder (:func:`gan_study.paths.runs_dir`); the build then finds them finished
and reuses them (equal configurations have equal run directories,
:meth:`gan_study.config.TrainConfig.run_name`).

The list cannot drift from the chapters, because it is made the way they make
their runs: the parameters are resolved as the build resolves them (the
profile, then the ``-p NAME VALUE`` overrides:
:func:`gan_study.parameters.resolve_parameters`), and each chapter's configurations
come from the functions the chapter itself calls (:data:`CHAPTERS`): the shared
reference runs (:class:`gan_study.config.RunGrid`; chapters 3, 4, 6 and 7),
chapter 5's experiments (:func:`gan_study.problems.chapter_configs`) and
chapter 6's scarce-data cDCGANs (:func:`gan_study.scarce_data.shares`). A chapter
that starts to train GANs needs an entry in :data:`CHAPTERS`; the book test that
compares this list with the runs the quick build made fails until it has one.

Chapter 6 retrains its cDCGAN on shares of the training split, so those runs'
``max_train_images`` depend on the split's size: listing them reads the data
(:func:`gan_study.data.load`, cheap once the arrays are cached) unless
``n_train`` is given.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import os
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from gan_study import parameters, problems, scarce_data
from gan_study.config import RunGrid, TrainConfig

#: ``(NAME, VALUE)`` strings as typed after ``-p``, or parsed :class:`gan_study.parameters.Override`.
Overrides = Iterable[Sequence[str] | parameters.Override]


@dataclasses.dataclass(frozen=True)
class PlannedRun:
    """One run of the plan (:func:`planned_runs`).

    Parameters
    ----------
    config : gan_study.config.TrainConfig
        What to train.
    chapters : tuple of str
        The notebooks (stems, in book order) that train or reuse it; the first
        trains it in a build that finds it missing.
    """

    config: TrainConfig
    chapters: tuple[str, ...]

    @property
    def name(self) -> str:
        """The run directory's name (:meth:`~gan_study.config.TrainConfig.run_name`)."""
        return self.config.run_name()


# ----------------------------------------------------------- each chapter
def _training(params: Mapping[str, Any], n_train: Callable[[], int]) -> list[TrainConfig]:
    """Chapter 3: the first seed's reference runs."""
    grid = RunGrid.from_parameters(params)
    return grid.configs(seeds=(grid.seeds[0],))


def _evaluation(params: Mapping[str, Any], n_train: Callable[[], int]) -> list[TrainConfig]:
    """Chapter 4: every reference run, the conditional model's first."""
    return RunGrid.from_parameters(params).configs(first=("cdcgan",))


def _problems(params: Mapping[str, Any], n_train: Callable[[], int]) -> list[TrainConfig]:
    """Chapter 5: its experiments, from the parameters :func:`problems.chapter_configs` names."""
    names = inspect.signature(problems.chapter_configs).parameters
    return problems.chapter_configs(**{name: params[name] for name in names}).configs()


def _synthetic(params: Mapping[str, Any], n_train: Callable[[], int]) -> list[TrainConfig]:
    """Chapter 6: the reference cDCGANs and the ones retrained on smaller shares."""
    references = scarce_data.reference_configs(RunGrid.from_parameters(params))
    shares = scarce_data.shares(
        references,
        params["fractions"],
        scarce_gan_seeds=params["scarce_gan_seeds"],
        n_train=n_train(),
        max_train_images=params["arm_max_train_images"],
    )
    return [references[0], *(config for share in shares for config in share.configs)]


def _classroom(params: Mapping[str, Any], n_train: Callable[[], int]) -> list[TrainConfig]:
    """Chapter 7: the reference run its quiz draws from."""
    return [RunGrid.from_parameters(params).config(params["gan_model"])]


#: Notebook stem -> the GAN configurations it trains or reuses, from its parameters
#: and (called only when needed) the size of the training split. Chapters not
#: listed train no GAN.
CHAPTERS: dict[str, Callable[[Mapping[str, Any], Callable[[], int]], list[TrainConfig]]] = {
    "03_training": _training,
    "04_evaluation": _evaluation,
    "05_gan_problems": _problems,
    "06_synthetic_data": _synthetic,
    "07_classroom": _classroom,
}


# ------------------------------------------------------------------- plan
def _split_size(
    params: Mapping[str, Any], n_train: int | None, data_dir: str | os.PathLike | None
) -> int:
    """``n_train``, else the images of the training split a chapter loads.

    The chapter's data: its ``source``, ``split`` and ``image_size``, read from
    ``data_dir``, else from its ``data_dir`` parameter.
    """
    if n_train is not None:
        return n_train
    from gan_study import data

    root = data_dir if data_dir is not None else params.get("data_dir")
    try:
        lesions = data.load(params["source"], params["split"], params["image_size"], root)
    except FileNotFoundError as exc:
        raise FileNotFoundError(
            f"{exc} (chapter 6's scarce-data runs are sized from the training split; "
            "without the data, give its size: n_train=N, gan-study runs --n-train N)"
        ) from None
    return len(lesions.train.labels)


def planned_runs(
    profile: str,
    overrides: Overrides = (),
    *,
    n_train: int | None = None,
    data_dir: str | os.PathLike | None = None,
    root: str | os.PathLike = ".",
) -> list[PlannedRun]:
    """Every GAN run a book build of ``profile`` trains or reuses, once each.

    Parameters
    ----------
    profile : str
        ``quick``, ``standard`` or ``full`` (:data:`gan_study.profiles.PROFILES`).
    overrides : iterable
        ``(NAME, VALUE)`` pairs as ``gan-study book -p NAME VALUE`` takes them
        (or :class:`gan_study.parameters.Override` objects), applied the same way.
    n_train : int, optional
        Images of the training split; default: counted from the data the
        chapter loads (only chapter 6's scarce-data runs need it).
    data_dir : path-like, optional
        Data root to count them in (default: the chapter's ``data_dir``
        parameter, else ``$GAN_STUDY_DATA_DIR``, else ``data/raw``).
    root : path-like
        The repository root (holds ``notebooks/``), as for :func:`gan_study.report.build`.

    Returns
    -------
    list of PlannedRun
        In book order: by the chapter that first needs a run, then in the
        order that chapter trains them.

    Raises
    ------
    ValueError
        An unknown profile, a bad override (as ``gan-study book`` would say),
        or parameters a chapter would refuse.
    FileNotFoundError
        No ``notebooks/`` under ``root``, or (``n_train`` not given) no data.
    """
    parsed = [
        o if isinstance(o, parameters.Override) else parameters.parse_overrides([o])[0]
        for o in overrides
    ]
    notebooks = parameters.discover_notebooks(root)
    params = parameters.resolve_parameters(notebooks, profile, parsed)
    chapters: dict[str, list[str]] = {}
    configs: dict[str, TrainConfig] = {}
    for stem in sorted(params):
        if stem not in CHAPTERS:
            continue
        split_size = functools.partial(_split_size, params[stem], n_train, data_dir)
        for config in CHAPTERS[stem](params[stem], split_size):
            name = config.run_name()
            configs.setdefault(name, config)
            if stem not in chapters.setdefault(name, []):
                chapters[name].append(stem)
    return [PlannedRun(configs[name], tuple(chapters[name])) for name in configs]


def profile_runs(profile: str, overrides: Overrides = (), **kwargs: Any) -> list[TrainConfig]:
    """The configurations of :func:`planned_runs` (same arguments), in the same order."""
    return [run.config for run in planned_runs(profile, overrides, **kwargs)]


# ---------------------------------------------------------------- command
def _option_text(value: Any) -> str:
    """How ``gan-study train`` spells a value (floats as their shortest exact repr)."""
    if value is None:
        return "none"
    return repr(value) if isinstance(value, float) else str(value)


def train_command(config: TrainConfig, *, data_dir: str | os.PathLike | None = None) -> list[str]:
    """The ``gan-study train`` command of ``config``: an option per field off its default.

    Parameters
    ----------
    config : gan_study.config.TrainConfig
    data_dir : path-like, optional
        Passed on as ``--data-dir`` (default: none; ``gan-study train``'s own default).

    Returns
    -------
    list of str
        ``["gan-study", "train", ...]``; :func:`shlex.join` makes it one shell line.

    Raises
    ------
    ValueError
        When the command would train another run: a float field holding an
        int (``1`` rather than ``1.0``) reads back as a float, whose run name differs.
    """
    from gan_study import cli

    argv = ["gan-study", "train"]
    if data_dir is not None:
        argv += ["--data-dir", str(data_dir)]
    defaults = TrainConfig()
    for field in dataclasses.fields(TrainConfig):
        value, default = getattr(config, field.name), getattr(defaults, field.name)
        if value == default and type(value) is type(default):
            continue
        flag = "--" + field.name.replace("_", "-")
        if isinstance(value, bool):
            argv.append(flag if value else "--no-" + flag[2:])
        else:
            argv += [flag, _option_text(value)]
    parsed = cli.config_from_args(cli.build_parser().parse_args(argv[1:]))
    if json.dumps(parsed.to_dict()) != json.dumps(config.to_dict()):
        wrong = [
            f"{k} = {v!r}"
            for k, v in config.to_dict().items()
            if repr(getattr(parsed, k)) != repr(v)
        ]
        raise ValueError(
            f"gan-study train cannot give {config.run_name()} exactly: {', '.join(wrong)} reads "
            "back as another value (an int in a float field?); give the value as a float, "
            "e.g. -p NAME 1.0"
        )
    return argv


def plan_line(run: PlannedRun, *, data_dir: str | os.PathLike | None = None) -> str:
    """One run as a line of JSON: ``name``, ``chapters``, ``config`` and ``command``.

    ``config`` is :meth:`~gan_study.config.TrainConfig.to_dict` (every field;
    :meth:`~gan_study.config.TrainConfig.from_dict` reads it back), ``command``
    the shell line of :func:`train_command`.
    """
    line = {
        "name": run.name,
        "chapters": list(run.chapters),
        "config": run.config.to_dict(),
        "command": shlex.join(train_command(run.config, data_dir=data_dir)),
    }
    return json.dumps(line)
