"""Command line: ``gan-study data | train | evaluate | book``.

Each subcommand is a thin wrapper: it parses arguments, calls one function of
the package and prints the result. All logic lives in the modules.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence


class UserError(Exception):
    """An error caused by bad input; printed without a traceback."""


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
    p.set_defaults(func=_run_data)


def _run_data(args) -> int:
    from gan_study import data

    summary = data.summarize(
        source=args.source,
        split=args.split,
        image_size=args.size,
        data_dir=args.data_dir,
        cache_dir=args.cache_dir,
    )
    if args.json:
        _print_json(summary)
    else:
        print(data.format_summary(summary))
    return 0


# -------------------------------------------------------------------- train
def _add_train(sub) -> None:
    from gan_study.config import LOSSES, PRECISIONS  # no TensorFlow import

    p = sub.add_parser("train", help="train a GAN into a run directory (reused when finished)")
    p.add_argument(
        "--model", default="dcgan", help="seed_baseline, dcgan (default), cdcgan or wgan_gp"
    )
    p.add_argument("--epochs", type=int, default=30, help="passes over the training images")
    p.add_argument("--seed", type=int, default=0, help="seed of weights, latents and data order")
    p.add_argument("--size", type=int, default=28, help="image side in pixels (28, 32 or 64)")
    p.add_argument("--batch-size", type=int, default=128, help="real images per D update")
    p.add_argument("--loss", default=None, choices=LOSSES, help="default: the model's paper")
    p.add_argument("--lr-g", type=float, default=None, help="generator learning rate")
    p.add_argument("--lr-d", type=float, default=None, help="discriminator learning rate")
    p.add_argument("--n-critic", type=int, default=None, help="D updates per G update")
    p.add_argument("--label-smoothing", type=float, default=0.0, help="one-sided, e.g. 0.1")
    p.add_argument("--ema-decay", type=float, default=0.999, help="EMA generator decay")
    p.add_argument("--checkpoint-every", type=int, default=1, help="epochs between checkpoints")
    p.add_argument("--max-train-images", type=int, default=None, help="train on a subset")
    p.add_argument("--mixed-precision", default="float32", choices=PRECISIONS)
    p.add_argument("--source", default="ham10000", help="ham10000 (default) or dermamnist")
    p.add_argument("--split", default=None, help="lesion or dermamnist (default: per source)")
    p.add_argument("--run-dir", default=None, help="run directory (default: runs/<run name>)")
    p.add_argument("--runs-dir", default=None, help="parent of the default run directory")
    p.add_argument("--data-dir", default=None, help="data root (default: $GAN_STUDY_DATA_DIR)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_run_train)


def _run_train(args) -> int:
    from gan_study import training
    from gan_study.config import TrainConfig

    config = TrainConfig(
        model=args.model,
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        image_size=args.size,
        loss=args.loss,
        lr_g=args.lr_g,
        lr_d=args.lr_d,
        n_critic=args.n_critic,
        label_smoothing=args.label_smoothing,
        ema_decay=args.ema_decay,
        checkpoint_every=args.checkpoint_every,
        max_train_images=args.max_train_images,
        mixed_precision=args.mixed_precision,
        source=args.source,
        split=args.split,
    )
    run_dir = training.train(
        config,
        run_dir=args.run_dir,
        data_dir=args.data_dir,
        progress=not args.no_progress,
        runs_dir=args.runs_dir,
    )
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
    p.add_argument("--profile", default="standard", help="quick, standard (default) or full")
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="override a parameter: NAME (every notebook that has it) or NOTEBOOK.NAME; "
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
        )
    except report.BuildError as exc:
        print(f"gan-study book: error: {exc}", file=sys.stderr)
        return 1
    print(f"done in {result.seconds:.0f} s")
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
    for add in (_add_data, _add_train, _add_evaluate, _add_book):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (UserError, ValueError, FileNotFoundError, PermissionError) as exc:
        print(f"gan-study {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
