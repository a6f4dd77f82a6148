"""Command line: ``gan-study data | train | evaluate | export | book | runs``.

Each subcommand is a thin wrapper: it parses arguments, calls one function of
the package and prints the result. All logic lives in the modules. The
options of ``train`` are generated from :class:`~gan_study.config.TrainConfig`
(:func:`add_config_options`), so every field is settable and none has a
default here.

Errors are one line, ``gan-study COMMAND: error: ...``, without a traceback.
Exit status: 0 success; 1 a failed run (a diverged training, a run directory
busy with another process, a failing notebook); 2 bad input; 130 (or 128 +
the signal) interrupted -- ``train`` then says from which checkpoint the same
command resumes.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import re
import sys
import types
import typing
from collections.abc import Sequence


class UserError(Exception):
    """An error caused by bad input; printed without a traceback.

    Parameters
    ----------
    message : str
        What went wrong and how to fix it.
    code : int
        The exit status (default 2).
    """

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


class Interrupted(UserError):
    """The command was interrupted; printed without "error:", exit status 130 by default."""

    def __init__(self, message: str, code: int = 130):
        super().__init__(message, code)


def _print_json(obj) -> None:
    print(json.dumps(obj, indent=2, sort_keys=True, default=str))


# --------------------------------------------------------------------- data
def _add_data(sub) -> None:
    p = sub.add_parser("data", help="build (or reuse) the processed arrays and summarise them")
    p.add_argument("--source", default="ham10000", help="ham10000 (default) or dermamnist")
    p.add_argument(
        "--split",
        default=None,
        help="lesion (default for ham10000) or dermamnist (the official split; the only one "
        "of --source dermamnist)",
    )
    p.add_argument("--size", type=int, default=28, help="image side in pixels (28, 32 or 64)")
    p.add_argument(
        "--data-dir", default=None, help="data root (default: $GAN_STUDY_DATA_DIR or data/raw)"
    )
    p.add_argument(
        "--cache-dir",
        default=None,
        help="processed-array cache (default: $GAN_STUDY_CACHE_DIR or data/processed)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument(
        "--download",
        action="store_true",
        help="download HAM10000 (Harvard Dataverse, or $GAN_STUDY_DATA_URL) into the data root "
        "and unpack it, then stop; resumable, MD5-checked, a no-op when the data is complete",
    )
    p.set_defaults(func=_run_data)


def _run_data(args) -> int:
    from gan_study import data

    if args.download:
        return _run_download(args.data_dir)
    try:
        summary = data.summarize(
            source=args.source,
            split=args.split,
            image_size=args.size,
            data_dir=args.data_dir,
            cache_dir=args.cache_dir,
        )
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"{exc}{_download_hint(args)}") from None
    if args.json:
        _print_json(summary)
    else:
        print(data.format_summary(summary))
    return 0


def _run_download(data_dir: str | None) -> int:
    from gan_study import paths
    from gan_study.data import download

    try:
        download.download_ham10000(data_dir)
    except download.DownloadError as exc:
        raise UserError(str(exc), code=1) from None
    except KeyboardInterrupt:
        folder = paths.data_root(data_dir) / download.DOWNLOADS_FOLDER
        raise Interrupted(
            f"interrupted; what was received is kept as .part files in {folder}: "
            "run the same command again to resume"
        ) from None
    return 0


def _download_hint(args) -> str:
    """``; gan-study data --download ...`` when HAM10000 is what is missing, else ``""``."""
    from gan_study import paths
    from gan_study.data import download, ham10000

    if args.source != "ham10000":
        return ""
    folder = paths.data_root(args.data_dir) / ham10000.DATASET_FOLDER
    if download.complete_images(folder) is not None:
        return ""
    if args.data_dir:
        return f"; or run `gan-study data --download --data-dir {args.data_dir}` to download it"
    return "; or run `gan-study data --download` (or `make data`) to download it"


# -------------------------------------------------------------------- train
#: Option strings of TrainConfig fields besides the generated ``--field-name``.
TRAIN_ALIASES: dict[str, tuple[str, ...]] = {"image_size": ("--size",)}
_CONFIG_DEST = "config__"  # namespace prefix of the generated options
_ROLE = re.compile(r":(?:\w+:)+`~?([^`]+)`")


class _ExplicitNone:
    """What ``--field none`` parses to for an optional field (None means "not given")."""

    def __repr__(self) -> str:
        return "None"


_EXPLICIT_NONE = _ExplicitNone()


def numpydoc_parameters(doc: str | None) -> dict[str, tuple[str, str]]:
    """The entries of the "Parameters" section of a numpydoc docstring.

    Parameters
    ----------
    doc : str
        A docstring (indented as written or cleaned).

    Returns
    -------
    dict
        Parameter name -> (type specification, description on one line). An
        entry naming several parameters (``lr_g, lr_d : float``) gives each
        of them the same pair.

    Raises
    ------
    ValueError
        When ``doc`` has no "Parameters" section.
    """
    lines = inspect.cleandoc(doc or "").splitlines()
    starts = [
        i
        for i in range(len(lines) - 1)
        if lines[i].strip() == "Parameters" and set(lines[i + 1].strip()) == {"-"}
    ]
    if not starts:
        raise ValueError("the docstring has no numpydoc 'Parameters' section")
    entries: dict[str, tuple[str, str]] = {}
    names: list[str] = []
    spec, text = "", []

    def flush():
        for name in names:
            entries[name] = (spec, " ".join(" ".join(text).split()))

    body = lines[starts[0] + 2 :]
    for i, line in enumerate(body):
        if not line.strip():
            continue
        if line[:1].isspace():
            text.append(line.strip())
            continue
        if i + 1 < len(body) and set(body[i + 1].strip()) == {"-"}:
            break  # the next section
        flush()
        head, _, spec = line.partition(":")
        names = [n.strip() for n in head.split(",") if n.strip()]
        spec, text = spec.strip(), []
    flush()
    return entries


def _plain(text: str) -> str:
    """reST to plain help text: roles and literals lose their markup; ``%`` is escaped."""
    text = _ROLE.sub(lambda m: m.group(1), text)
    return text.replace("``", "").replace("%", "%%")


def _option_kind(cls, name: str, hint) -> tuple[type, bool]:
    """``(base type, optional)`` of a field annotation such as ``int`` or ``float | None``."""
    args = typing.get_args(hint)
    optional = typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args
    base = [a for a in args if a is not type(None)] if optional else [hint]
    if len(base) != 1 or base[0] not in (int, float, str, bool):
        raise TypeError(
            f"{cls.__name__}.{name} is annotated {hint!r}, which has no command-line form; "
            "use int, float, str or bool (optionally '| None'), or extend gan_study.cli"
        )
    return base[0], optional


def _converter(base: type, optional: bool):
    if not optional:
        return base

    def convert(text: str):
        return _EXPLICIT_NONE if text.strip().lower() == "none" else base(text)

    convert.__name__ = base.__name__  # argparse names it in "invalid int value: ..."
    return convert


def add_config_options(parser, cls=None, aliases: dict[str, tuple[str, ...]] | None = None):
    """Add one ``--field-name`` option per field of a configuration dataclass.

    The type comes from the field's annotation (``int``, ``float``, ``str``,
    ``bool`` -- the latter as ``--flag/--no-flag`` -- each optionally
    ``| None``, whose option then also takes ``none``), the help from the
    field's entry in the "Parameters" section of the class's numpydoc
    docstring, the default shown from the dataclass. Every option defaults
    to None, meaning "the dataclass's default", so no default is written
    twice. :func:`config_from_args` builds the instance.

    Parameters
    ----------
    parser : argparse.ArgumentParser
    cls : type, optional
        A dataclass; default :class:`gan_study.config.TrainConfig`.
    aliases : dict, optional
        Field name -> extra option strings (default :data:`TRAIN_ALIASES`
        for ``TrainConfig``, else none).

    Raises
    ------
    ValueError
        A field without an entry in the docstring's "Parameters" section.
    TypeError
        A field whose annotation has no command-line form.
    """
    from gan_study.config import TrainConfig

    if cls is None:
        cls = TrainConfig
    if aliases is None:
        aliases = TRAIN_ALIASES if cls is TrainConfig else {}
    docs = numpydoc_parameters(cls.__doc__)
    hints = typing.get_type_hints(cls)
    group = parser.add_argument_group(
        f"{cls.__name__} fields", f"every field of {cls.__name__}; unset ones keep its defaults"
    )
    for f in dataclasses.fields(cls):
        if f.name not in docs:
            raise ValueError(
                f"{cls.__name__}.{f.name} has no entry in the 'Parameters' section of "
                f"{cls.__name__}'s docstring; document it there (its --option help comes from it)"
            )
        base, optional = _option_kind(cls, f.name, hints[f.name])
        spec, description = docs[f.name]
        default = f.default if f.default is not dataclasses.MISSING else None
        if f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        notes = [_plain(spec)] if spec else []
        if default is not None:
            notes.append(f"default: {_plain(str(default))}")
        if optional and base is not bool:
            notes.append("'none' for None")
        help_text = _plain(description) + (f" [{'; '.join(notes)}]" if notes else "")
        flags = ["--" + f.name.replace("_", "-"), *aliases.get(f.name, ())]
        dest = _CONFIG_DEST + f.name
        if base is bool:
            group.add_argument(
                *flags,
                dest=dest,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=help_text,
            )
        else:
            group.add_argument(
                *flags,
                dest=dest,
                type=_converter(base, optional),
                default=None,
                metavar=f.name.upper(),
                help=help_text,
            )


def config_from_args(args, cls=None):
    """The configuration the options of :func:`add_config_options` describe.

    Fields whose option was not given keep the dataclass's default.

    Parameters
    ----------
    args : argparse.Namespace
    cls : type, optional
        The dataclass (default :class:`gan_study.config.TrainConfig`).
    """
    from gan_study.config import TrainConfig

    cls = TrainConfig if cls is None else cls
    given = {}
    for f in dataclasses.fields(cls):
        value = getattr(args, _CONFIG_DEST + f.name)
        if value is not None:
            given[f.name] = None if value is _EXPLICIT_NONE else value
    return cls(**given)


def _add_train(sub) -> None:
    p = sub.add_parser(
        "train",
        help="train a GAN into a run directory (reused when finished)",
        description=(
            "Train a GAN into its run directory, reuse it when finished, resume it from its "
            "last checkpoint when interrupted. Every TrainConfig field is an option; unset "
            "ones keep TrainConfig's defaults (None: the model paper's default)."
        ),
    )
    p.add_argument("--run-dir", default=None, help="run directory (default: runs/<run name>)")
    p.add_argument("--runs-dir", default=None, help="parent of the default run directory")
    p.add_argument("--data-dir", default=None, help="data root (default: $GAN_STUDY_DATA_DIR)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--wait",
        action="store_true",
        help="when another process trains the same run directory, wait for it instead of failing",
    )
    add_config_options(p)
    p.set_defaults(func=_run_train)


def _run_train(args) -> int:
    from gan_study import training

    config = config_from_args(args)
    try:
        run_dir = training.train(
            config,
            run_dir=args.run_dir,
            data_dir=args.data_dir,
            progress=not args.no_progress,
            runs_dir=args.runs_dir,
            wait=args.wait,
        )
    except training.TrainingInterrupted as exc:
        if exc.checkpoint_epoch is None:
            kept = f" ({exc.removed})" if exc.removed else ""
            raise Interrupted(
                f"interrupted before the first checkpoint; nothing was kept{kept}; "
                "rerun the same command to start again"
            ) from None
        raise Interrupted(
            "interrupted; rerun the same command to resume from the last checkpoint "
            f"(epoch {exc.checkpoint_epoch})"
        ) from None
    except (training.TrainingDiverged, training.RunDirectoryBusy) as exc:
        raise UserError(str(exc), code=1) from None
    print(run_dir)
    return 0


# ----------------------------------------------------------------- evaluate
def _add_evaluate(sub) -> None:
    p = sub.add_parser("evaluate", help="evaluate a trained run and write metrics.json")
    p.add_argument("--run-dir", required=True, help="a finished run directory (gan-study train)")
    p.add_argument(
        "--n", type=int, default=2000, help="generated images to evaluate (default 2000)"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the latent codes and subsamples")
    p.add_argument(
        "--data-dir", default=None, help="data root (default: $GAN_STUDY_DATA_DIR or data/raw)"
    )
    p.add_argument("--json", action="store_true", help="print the whole metrics.json")
    p.set_defaults(func=_run_evaluate)


def _run_evaluate(args) -> int:
    from gan_study import evaluation

    if args.n < 10:
        raise UserError(f"--n must be at least 10, got {args.n}")
    result = evaluation.evaluate_run(args.run_dir, n=args.n, seed=args.seed, data_dir=args.data_dir)
    if args.json:
        _print_json(result)
    else:
        print(evaluation.format_summary(result))
    return 0


# ------------------------------------------------------------------- export
def _add_export(sub) -> None:
    p = sub.add_parser(
        "export",
        help="pack a finished run's generator, model card and SHA-256 manifest into one archive",
    )
    p.add_argument("--run-dir", required=True, help="a finished run directory (gan-study train)")
    p.add_argument("--out", default=None, help="the archive (default: <run-dir>.tar.gz)")
    p.set_defaults(func=_run_export)


def _run_export(args) -> int:
    from gan_study import export

    print(export.export_run(args.run_dir, args.out))
    return 0


# --------------------------------------------------------------------- book
def _add_book(sub) -> None:
    p = sub.add_parser(
        "book",
        help="execute the notebooks (papermill) and render the report (jupyter-book)",
        description=(
            "Execute every notebooks/*.py with the parameters of a profile, reusing "
            "notebooks whose source, parameters and package code are unchanged, then "
            "build the HTML report into _build/html."
        ),
    )
    _add_profile_options(
        p,
        "override a parameter: NAME (every notebook that has it) or NOTEBOOK.NAME; "
        "VALUE is read as a Python/JSON literal, else as a string (repeatable)",
    )
    p.add_argument(
        "--only",
        nargs="+",
        metavar="NOTEBOOK",
        default=None,
        help="execute and render only these notebooks (stem like 02_data, or its number 02)",
    )
    p.add_argument("--force", action="store_true", help="re-execute even unchanged notebooks")
    p.add_argument(
        "--strict", action="store_true", help="Sphinx warnings fail the build (as in CI)"
    )
    p.add_argument("--no-html", action="store_true", help="execute the notebooks only")
    p.add_argument(
        "--pdf",
        action="store_true",
        help="also print the whole book to one PDF, BUILD_DIR/pdf/gan-study.pdf, which the "
        "HTML then links; needs headless Chromium (apt-get install chromium chromium-driver) "
        "and the pdf extra (selenium)",
    )
    p.add_argument("--build-dir", default=None, help="build folder (default: _build)")
    p.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=2,
        help="notebooks executed at the same time, each in its own process (default 2; "
        "a chapter waits for the chapters whose runs it reuses)",
    )
    p.set_defaults(func=_run_book)


def _run_book(args) -> int:
    from gan_study import report

    if args.pdf and args.no_html:
        raise UserError("--pdf is printed from the HTML: it cannot go with --no-html")
    try:
        result = report.build(
            args.profile,
            args.parameter,
            only=args.only,
            build_dir=args.build_dir,
            strict=args.strict,
            force=args.force,
            html=not args.no_html,
            jobs=args.jobs,
            pdf=args.pdf,
        )
    except report.BuildInterrupted as exc:
        raise Interrupted(str(exc), code=128 + exc.signum) from None
    except report.BuildError as exc:
        print(f"gan-study book: error: {exc}", file=sys.stderr)
        return 1
    print(f"done in {result.seconds:.0f} s")
    return 0


def _add_profile_options(p, parameter_help: str) -> None:
    """``--profile`` and the repeatable ``-p NAME VALUE`` of ``book`` and ``runs``."""
    p.add_argument("--profile", default="standard", help="quick, standard (default) or full")
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help=parameter_help,
    )


# --------------------------------------------------------------------- runs
def _add_runs(sub) -> None:
    p = sub.add_parser(
        "runs",
        help="list every GAN run a book build of a profile trains, with its gan-study train line",
        description=(
            "List every GAN run that `gan-study book --profile P -p NAME VALUE ...` trains or "
            "reuses, once each, in book order, so that a scheduler can train them beforehand "
            "with gan-study train (the build then reuses them). --list prints one JSON object "
            'per line: {"name": run directory name, "chapters": notebooks that use it, '
            '"config": every TrainConfig field, "command": the gan-study train line}; '
            "--commands prints only the command lines."
        ),
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--list", action="store_true", help="one JSON object per run and line")
    what.add_argument(
        "--commands", action="store_true", help="one gan-study train command per run and line"
    )
    _add_profile_options(p, "override a parameter as gan-study book -p does (repeatable)")
    p.add_argument(
        "--data-dir",
        default=None,
        help="data root, passed on to every command; chapter 6's scarce-data runs are sized "
        "from its training split (default: $GAN_STUDY_DATA_DIR or data/raw)",
    )
    p.add_argument(
        "--n-train",
        type=int,
        default=None,
        metavar="N",
        help="images of the training split, instead of counting them in the data",
    )
    p.set_defaults(func=_run_runs)


def _run_runs(args) -> int:
    import shlex

    from gan_study import run_plan

    if args.n_train is not None and args.n_train < 1:
        raise UserError(f"--n-train must be a positive integer, got {args.n_train}")
    runs = run_plan.planned_runs(
        args.profile, args.parameter, n_train=args.n_train, data_dir=args.data_dir
    )
    if args.list:
        lines = [run_plan.plan_line(run, data_dir=args.data_dir) for run in runs]
    else:
        lines = [shlex.join(run_plan.train_command(r.config, data_dir=args.data_dir)) for r in runs]
    print("\n".join(lines))  # all or nothing: a run without a command line fails first
    return 0


# --------------------------------------------------------------------- main
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gan-study",
        description="A reproducible study of GANs on HAM10000 dermatoscopic images.",
    )
    from gan_study import __version__

    parser.add_argument("--version", action="version", version=f"gan-study {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (_add_data, _add_train, _add_evaluate, _add_export, _add_book, _add_runs):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except Interrupted as exc:
        print(f"gan-study {args.command}: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(f"gan-study {args.command}: interrupted", file=sys.stderr)
        return 130
    except (UserError, ValueError, FileNotFoundError, PermissionError) as exc:
        print(f"gan-study {args.command}: error: {exc}", file=sys.stderr)
        return exc.code if isinstance(exc, UserError) else 2


if __name__ == "__main__":
    raise SystemExit(main())
