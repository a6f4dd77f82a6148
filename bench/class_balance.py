"""Does class-balanced sampling make the conditional DCGAN's images carry their class?

Why: in the standard report the cDCGAN's balanced class agreement (the mean
over the seven classes of the share of its images of a class that the study's
classifier assigns to that class) stays well below the classifier's balanced
accuracy on real images, the most it can be expected to reach. The rare
classes are few: 80 dermatofibromas and 100 vascular lesions among the
7,011 training images of the lesion split, against 4,694 nevi.
``TrainConfig.class_balance`` draws each epoch's real images with probability
``n_c ** -a``; this bench measures what that does to agreement and FD.

It trains the study's reference ``cdcgan`` run (the ``gan_runs`` group of
:data:`gan_study.profiles.SHARED`, standard profile: 16 epochs at batch 32,
a snapshot every 4 epochs) once per ``--balance`` value and seed through
:func:`gan_study.training.train`, so a run already trained by the report
(``class_balance = 0``) is reused when ``$GAN_STUDY_RUNS_DIR`` points at its
runs. Every snapshot is scored by :func:`gan_study.evaluation.learning_curve`
with chapter 4's classifier and protocol (N = ``--n`` images, seed 0). It
prints one row per run and snapshot, and per balance value the final FD and
agreement, and agreement as a share of the classifier's balanced accuracy.

Run it on a quiet machine; the figures are printed, never asserted::

    GAN_STUDY_DATA_DIR=... GAN_STUDY_RUNS_DIR=runs python bench/class_balance.py \\
        --balance 0,1 --seeds 0
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--balance", default="0,1", help="comma-separated exponents in [0, 1]")
    parser.add_argument(
        "--conditional-bn",
        default="0",
        help="comma-separated 0/1: the generator's batch norms conditioned on the class",
    )
    parser.add_argument("--seeds", default="0", help="comma-separated training seeds")
    parser.add_argument("--epochs", type=int, default=None, help="default: the standard profile's")
    parser.add_argument("--n", type=int, default=2000, help="generated images per evaluation")
    parser.add_argument("--data-dir", default=None, help="data root ($GAN_STUDY_DATA_DIR)")
    args = parser.parse_args(argv)
    try:
        args.balance = [float(b) for b in args.balance.split(",")]
        args.seeds = [int(s) for s in args.seeds.split(",")]
        args.conditional_bn = [bool(int(b)) for b in args.conditional_bn.split(",")]
    except ValueError:
        parser.error(
            "--balance takes numbers, --seeds integers and --conditional-bn 0 or 1, comma-separated"
        )
    return args


def main(argv=None) -> int:
    args = _parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from gan_study import classifier, data, evaluation, profiles, training
    from gan_study.config import RunGrid

    shared = profiles.SHARED["gan_runs"]
    epochs = args.epochs or shared["gan_epochs"]
    print(f"machine: {training.describe_device()}")
    try:
        lesions = data.load(
            source=shared["source"],
            split=shared["split"],
            image_size=shared["image_size"],
            data_dir=args.data_dir,
        )
    except FileNotFoundError as exc:
        print(f"class_balance: error: {exc}; set GAN_STUDY_DATA_DIR", file=sys.stderr)
        return 2
    clf_epochs = profiles.SHARED["classifier"]["classifier_epochs"]
    judge = classifier.load_or_train(lesions, seed=0, epochs=clf_epochs)
    accuracy = classifier.evaluate(judge, lesions.test)["balanced_accuracy"]
    print(f"classifier: {clf_epochs} epochs, balanced accuracy on test {accuracy:.3f}")
    print("balance  cbn  seed  updates      FD  agreement  agreement/accuracy")
    final: dict[tuple[float, bool], list[tuple[float, float]]] = {}
    variants = [(b, cbn) for b in args.balance for cbn in args.conditional_bn]
    for balance, cbn in variants:
        recipe = {"class_balance": balance, **({"conditional_bn": True} if cbn else {})}
        grid = RunGrid.from_parameters(
            shared,
            models=["cdcgan"],
            seeds=args.seeds,
            epochs=epochs,
            recipe={
                **shared["gan_recipe"],
                "cdcgan": {**shared["gan_recipe"].get("cdcgan", {}), **recipe},
            },
        )
        for seed in args.seeds:
            t0 = time.perf_counter()
            run = training.train(
                grid.config("cdcgan", seed), data_dir=args.data_dir, progress=False
            )
            trained = time.perf_counter() - t0
            curve = evaluation.learning_curve(
                run, n=args.n, seed=0, data_dir=args.data_dir, clf=judge
            )
            for p in curve["points"]:
                print(
                    f"{balance:7g}  {cbn:3d}  {seed:4d}  {p['d_updates']:7,d}  {p['fd_mean']:6.2f}  "
                    f"{p['agreement']:9.3f}  {p['agreement'] / accuracy:18.2f}"
                )
            last = curve["points"][-1]
            final.setdefault((balance, cbn), []).append((last["fd_mean"], last["agreement"]))
            print(f"         ({run.name}: {trained / 60:.1f} min to train or reuse)", flush=True)
    print("per variant, last snapshot (median over seeds):")
    for (balance, cbn), values in final.items():
        fd = statistics.median(v[0] for v in values)
        agreement = statistics.median(v[1] for v in values)
        print(
            f"  class_balance {balance:g}, conditional_bn {cbn}: FD {fd:.2f}, agreement {agreement:.3f} "
            f"= {agreement / accuracy:.2f}x balanced accuracy ({len(values)} seed(s))"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
