"""Does ``mixed_bfloat16`` change the study's GANs beyond the spread between seeds?

Why: on a CPU that computes in bfloat16 natively (AVX-512 BF16, AMX) Keras's
``mixed_bfloat16`` policy makes a GAN update 1.3 to 1.6 times faster
(``bench/train_throughput.py --precision``). The study may only use it if
the runs it gives are as good as the ``float32`` runs after the same number
of updates, within the spread between training seeds.

It trains the study's reference runs (the ``gan_runs`` group of
:data:`gan_study.profiles.SHARED`, standard profile, ``--epochs`` to change
the length) for each ``--models`` x ``--seeds`` in both policies through
:func:`gan_study.training.train`, so runs a report already trained are
reused when ``$GAN_STUDY_RUNS_DIR`` points at its runs. Each run is scored by
:func:`gan_study.evaluation.evaluate_run` with chapter 4's classifier and
held-out protocol (``--n`` images, seed 0): FD, KID, precision, recall and,
for the conditional model, balanced class agreement as a share of the
classifier's balanced accuracy on the test images. It prints one row per run
(with its training seconds, as recorded in ``history.csv``) and, per model,
the ``float32`` seeds' range beside the ``mixed_bfloat16`` values.

Run it on a quiet machine; the figures are printed, never asserted::

    GAN_STUDY_DATA_DIR=... GAN_STUDY_RUNS_DIR=runs python bench/precision_check.py \\
        --models dcgan,cdcgan --seeds 0
"""

from __future__ import annotations

import argparse
import os
import sys

POLICIES = ("float32", "mixed_bfloat16")


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="dcgan,cdcgan", help="comma-separated models")
    parser.add_argument("--seeds", default="0", help="comma-separated training seeds")
    parser.add_argument(
        "--float32-seeds", default="0,1", help="seeds of the float32 runs (the spread)"
    )
    parser.add_argument("--epochs", type=int, default=None, help="default: the standard profile's")
    parser.add_argument("--n", type=int, default=2000, help="generated images per evaluation")
    parser.add_argument("--data-dir", default=None, help="data root ($GAN_STUDY_DATA_DIR)")
    args = parser.parse_args(argv)
    try:
        args.seeds = [int(s) for s in args.seeds.split(",")]
        args.float32_seeds = [int(s) for s in args.float32_seeds.split(",")]
    except ValueError:
        parser.error("--seeds and --float32-seeds take integers, comma-separated")
    args.models = args.models.split(",")
    return args


def _balanced_agreement(result) -> float | None:
    """Mean over classes of the class agreement, as chapter 4 averages it; None if unconditional."""
    from gan_study import study

    table = study.class_agreement_table([result])
    return None if table is None else float(table["agreement"].mean())


def main(argv=None) -> int:
    args = _parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from gan_study import classifier, data, evaluation, profiles, training
    from gan_study.config import RunGrid

    params = profiles.get_profile("standard")["04_evaluation"]
    epochs = args.epochs or params["gan_epochs"]
    lesions = data.load(
        source=params["source"],
        split=params["split"],
        image_size=params["image_size"],
        data_dir=args.data_dir,
    )
    judge = classifier.load_or_train(lesions, seed=0, epochs=params["classifier_epochs"])
    accuracy = classifier.evaluate(judge, lesions.test)["balanced_accuracy"]
    print(f"classifier: balanced accuracy {accuracy:.3f} on {len(lesions.test.labels)} test images")
    print(f"runs: {epochs} epochs at batch {params['gan_batch_size']}, N = {args.n}")
    header = f"{'model':8} {'policy':15} {'seed':>4} {'FD':>7} {'KID':>7} {'prec':>6} {'rec':>6}"
    print(header + f" {'agree/acc':>9} {'train s':>8}")
    scores: dict[tuple[str, str], list[float]] = {}
    for model in args.models:
        for policy in POLICIES:
            seeds = args.float32_seeds if policy == "float32" else args.seeds
            recipe = {**params["gan_recipe"], "mixed_precision": policy}
            grid = RunGrid.from_parameters(
                params, models=[model], seeds=seeds, epochs=epochs, recipe=recipe
            )
            for config in grid.configs():
                run_dir = training.train(config, data_dir=args.data_dir, progress=False)
                result = evaluation.evaluate_run(
                    run_dir, n=args.n, seed=0, data_dir=args.data_dir, clf=judge
                )
                seconds = float(training.load_history(run_dir)["seconds"].sum())
                agreement = _balanced_agreement(result)
                share = "" if agreement is None else f"{agreement / accuracy:.2f}x"
                fd = result["fd"]["value"]
                scores.setdefault((model, policy), []).append(fd)
                print(
                    f"{model:8} {policy:15} {config.seed:>4} {fd:7.2f} "
                    f"{result['kid']['mean']:7.3f} "
                    f"{result['precision_recall']['precision']:6.3f} "
                    f"{result['precision_recall']['recall']:6.3f} {share:>9} {seconds:8.0f}",
                    flush=True,
                )
    print("\nFD per model: float32 seeds' range against mixed_bfloat16")
    for model in args.models:
        f32, bf16 = scores[(model, "float32")], scores[(model, "mixed_bfloat16")]
        outside = [v for v in bf16 if not min(f32) <= v <= max(f32)]
        print(
            f"{model:8} float32 {min(f32):.2f} to {max(f32):.2f}; mixed_bfloat16 "
            f"{', '.join(f'{v:.2f}' for v in bf16)}"
            f" ({len(outside)} of {len(bf16)} outside the float32 range)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
