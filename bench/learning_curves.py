"""Learning curves of training recipes: Fréchet distance against D updates and seconds.

Why: the study's GANs get about 1,750 discriminator updates on 7,011 images,
which is too few for the plain DCGAN recipe. This bench measures how fast
each candidate recipe brings the generator towards the held-out images, so
the study can pick one on evidence. It trains the 28 px DCGAN on the real
lesion-split training images, recipe by recipe and seed by seed, and every
``--every`` discriminator updates (and at the end) scores the **EMA
generator**:

* ``N`` images from a fixed latent batch (:func:`gan_study.training.generate`,
  seed 12345) and the first ``N`` test images of a fixed permutation
  (:func:`gan_study.data.take_subset`) go through the study's classifier
  (:func:`gan_study.classifier.load_or_train` with its defaults, or with
  ``--classifier-epochs``); the Fréchet distance of their penultimate-layer
  features (:func:`gan_study.metrics.frechet_distance`) is the score. The FD
  of ``N`` *training* images against the same test images is printed as the
  floor a perfect generator of the training distribution would reach.

The recipes (:data:`RECIPES`) differ from ``baseline`` -- today's ``dcgan``
defaults (Radford et al. 2015: non-saturating loss, Adam 2e-4 / beta_1 0.5)
at batch 32 -- only in the fields they name (see
:class:`gan_study.config.TrainConfig`): DiffAugment (Zhao et al. 2020), the
hinge loss (Lim & Ye 2017) with spectral normalisation (Miyato et al.
2018), the R1 penalty (Mescheder et al. 2018).

The bench drives :class:`gan_study.trainer.Trainer` directly (seeded and
deterministic like :func:`gan_study.training.train`, with the same batch
order: :func:`gan_study.data.epoch_batches` with seed ``seed * 100003 +
epoch``), so that it can evaluate the generator between epochs without a
run directory. It writes only under ``--out`` (default: a new temporary
folder): ``learning_curves.csv`` (one row per evaluation: recipe, seed,
updates, seconds of training so far -- evaluation excluded --, FD, the last
losses) and ``summary.csv`` (per recipe: median ms per update, final FD per
seed). The classifier and the processed-array cache go to
``$GAN_STUDY_RUNS_DIR`` / ``$GAN_STUDY_CACHE_DIR`` when set, else under
``--out``.

Run the real experiment on a quiet machine; a smoke test::

    python bench/learning_curves.py --data-dir /path/to/data --seeds 0 \\
        --updates 40 --every 20 --n 200 --classifier-epochs 1

References
----------
.. [1] S. Zhao et al., "Differentiable Augmentation for Data-Efficient GAN
   Training", NeurIPS 2020, arXiv:2006.10738.
.. [2] T. Miyato et al., "Spectral Normalization for Generative Adversarial
   Networks", ICLR 2018, arXiv:1802.05957.
.. [3] J. H. Lim, J. C. Ye, "Geometric GAN", arXiv:1705.02894 (2017).
.. [4] L. Mescheder, A. Geiger, S. Nowozin, "Which Training Methods for GANs
   do actually Converge?", ICML 2018, arXiv:1801.04406.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

POLICY = "color,translation,cutout"  # gan_study.diffaugment.DEFAULT_POLICY, the paper's
BASE = {"model": "dcgan", "image_size": 28, "batch_size": 32}
RECIPES: dict[str, dict] = {
    "baseline": {},
    "diffaug": {"diffaugment": POLICY},
    "hinge_sn_diffaug": {"loss": "hinge", "spectral_norm": True, "diffaugment": POLICY},
    "r1_diffaug": {"r1_weight": 1.0, "diffaugment": POLICY},
    "hinge_sn_r1_diffaug": {
        "loss": "hinge",
        "spectral_norm": True,
        "r1_weight": 1.0,
        "diffaugment": POLICY,
    },
}
"""TrainConfig fields of each recipe on top of :data:`BASE`."""

LATENT_SEED = 12345  # the fixed latent batch every evaluation draws
TIMING_WARMUP = 5  # first updates of a run left out of the ms/update median (tracing)
COLUMNS = ("recipe", "seed", "updates", "seconds", "fd", "d_loss", "g_loss")


def _default_classifier_epochs() -> int:
    from gan_study.classifier_config import ClassifierConfig

    return ClassifierConfig().epochs


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--recipes",
        default=",".join(RECIPES),
        help=f"comma-separated, from {', '.join(RECIPES)} (default: all)",
    )
    parser.add_argument("--seeds", default="0,1", help="comma-separated seeds (default 0,1)")
    parser.add_argument("--updates", type=int, default=3000, help="D updates per run")
    parser.add_argument("--every", type=int, default=250, help="evaluate every K D updates")
    parser.add_argument("--n", type=int, default=2000, help="generated and test images per FD")
    parser.add_argument("--out", default=None, help="output folder (default: a new temp dir)")
    parser.add_argument("--data-dir", default=None, help="data root ($GAN_STUDY_DATA_DIR)")
    parser.add_argument(
        "--classifier-epochs",
        type=int,
        default=None,
        help="epochs of the feature classifier (default: the package default)",
    )
    args = parser.parse_args(argv)
    args.recipes = args.recipes.split(",")
    unknown = [r for r in args.recipes if r not in RECIPES]
    if unknown:
        parser.error(f"unknown recipe(s) {', '.join(unknown)}; valid: {', '.join(RECIPES)}")
    try:
        args.seeds = [int(s) for s in args.seeds.split(",")]
    except ValueError:
        parser.error(f"--seeds must be comma-separated integers, got {args.seeds!r}")
    for name in ("updates", "every", "n"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be a positive integer")
    if args.n < 2:
        parser.error("--n must be at least 2 (a covariance needs two samples)")
    return args


def _load_data(data_dir, cache_dir):
    from gan_study import data

    return data.load(
        source="ham10000", split="lesion", image_size=28, data_dir=data_dir, cache_dir=cache_dir
    )


def _feature_classifier(lesions, epochs, runs_dir):
    from gan_study import classifier

    kwargs = {} if epochs is None else {"epochs": epochs}
    return classifier.load_or_train(lesions, runs_dir=runs_dir, **kwargs)


def _config(recipe: str, seed: int):
    from gan_study.config import TrainConfig

    return TrainConfig(**BASE, seed=seed, **RECIPES[recipe])


def _make_trainer(config):
    """A :class:`Trainer` seeded exactly as :func:`gan_study.training.train` seeds it."""
    import keras
    import tensorflow as tf

    from gan_study.trainer import Trainer

    keras.utils.set_random_seed(config.seed)
    tf.config.experimental.enable_op_determinism()
    return Trainer(config)


def _batches(images, labels, batch_size: int, seed: int):
    """Endless ``(epoch, real, labels)`` in the order :func:`gan_study.training.train` uses."""
    import tensorflow as tf

    from gan_study.data import epoch_batches

    epoch = 0
    while True:
        epoch += 1
        for real, y in epoch_batches(
            images, labels, batch_size=batch_size, seed=seed * 100003 + epoch
        ):
            yield tf.constant(real), tf.constant(y)


def _fd(clf, generator, test_features, n: int) -> float:
    from gan_study import metrics
    from gan_study.training import generate

    fake = generate(generator, n, seed=LATENT_SEED)
    return metrics.frechet_distance(clf.features(fake), test_features)


def _train_and_evaluate(recipe, seed, lesions, clf, test_features, args, log):
    """One run: rows of :data:`COLUMNS` and the per-update seconds."""
    config = _config(recipe, seed).validate(n_train=len(lesions.train.images))
    trainer = _make_trainer(config)
    batches = _batches(lesions.train.images, lesions.train.labels, config.batch_size, seed)
    rows, times, trained = [], [], 0.0
    d_loss = g_loss = float("nan")
    for update in range(1, args.updates + 1):
        real, y = next(batches)
        t0 = time.perf_counter()
        out = trainer.step(real, y, update % config.n_critic == 0)
        d_loss, g_loss = float(out["d_loss"].numpy()), float(out["g_loss"].numpy())
        times.append(time.perf_counter() - t0)
        trained += times[-1]
        diverged = not (np.isfinite(d_loss) and np.isfinite(g_loss))
        if update % args.every == 0 or update == args.updates or diverged:
            fd = float("nan") if diverged else _fd(clf, trainer.G_ema, test_features, args.n)
            row = dict(
                zip(COLUMNS, (recipe, seed, update, trained, fd, d_loss, g_loss), strict=True)
            )
            rows.append(row)
            log(_format_row(row))
        if diverged:
            log(f"{recipe} seed {seed}: diverged at update {update}")
            break
    return rows, times


def _format_row(row) -> str:
    return (
        f"{row['recipe']:>20s} {row['seed']:4d} {row['updates']:7d} {row['seconds']:9.1f} "
        f"{row['fd']:9.3f} {row['d_loss']:8.3f} {row['g_loss']:8.3f}"
    )


def _header() -> str:
    return (
        f"{'recipe':>20s} {'seed':>4s} {'updates':>7s} {'seconds':>9s} {'FD':>9s} "
        f"{'d_loss':>8s} {'g_loss':>8s}"
    )


def _summary(rows, times_by_recipe):
    """Per recipe: median ms per update (timed updates of all seeds), final FD per seed."""
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    out = []
    for recipe, timed in times_by_recipe.items():
        final = frame[frame.recipe == recipe].groupby("seed").tail(1)
        out.append(
            {
                "recipe": recipe,
                "ms_per_update": 1e3 * statistics.median(timed),
                "final_fd_median": float(final.fd.median()),
                "final_fd_by_seed": " ".join(
                    f"{s}:{f:.3f}" for s, f in zip(final.seed, final.fd, strict=True)
                ),
            }
        )
    return frame, pd.DataFrame(out)


def _dirs(args):
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="learning_curves_"))
    out.mkdir(parents=True, exist_ok=True)
    cache = os.environ.get("GAN_STUDY_CACHE_DIR") or out / "cache"
    runs = os.environ.get("GAN_STUDY_RUNS_DIR") or out / "classifier"
    return out, cache, runs


def main(argv=None) -> int:
    args = _parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    from gan_study import metrics
    from gan_study.data import take_subset
    from gan_study.training import describe_device

    out, cache_dir, runs_dir = _dirs(args)

    def log(line: str) -> None:
        print(line, flush=True)

    t_start = time.perf_counter()
    try:
        lesions = _load_data(args.data_dir, cache_dir)
    except FileNotFoundError as exc:
        print(
            f"learning_curves: error: real data not found ({exc}); set GAN_STUDY_DATA_DIR "
            "or pass --data-dir",
            file=sys.stderr,
        )
        return 2
    n = min(args.n, len(lesions.test.images), len(lesions.train.images))
    if n < args.n:
        log(f"--n {args.n} is more than the test split holds: using n = {n}")
    args.n = n
    epochs = args.classifier_epochs or _default_classifier_epochs()
    log(f"machine: {describe_device()}; TensorFlow {tf.__version__}, Keras {keras.__version__}")
    log(
        f"data: HAM10000 lesion split, 28 px, {len(lesions.train.images)} train / "
        f"{len(lesions.test.images)} test images; FD on n = {n}; classifier epochs {epochs}; "
        f"output {out}"
    )
    t0 = time.perf_counter()
    clf = _feature_classifier(lesions, args.classifier_epochs, runs_dir)
    test_features = clf.features(take_subset(lesions.test.images, n))
    floor = metrics.frechet_distance(
        clf.features(take_subset(lesions.train.images, n)), test_features
    )
    log(
        f"classifier ready in {time.perf_counter() - t0:.1f} s; FD(train vs test, n={n}) = {floor:.3f}"
    )
    log(_header())
    rows, times_by_recipe = [], {}
    for recipe in args.recipes:
        times_by_recipe[recipe] = []
        for seed in args.seeds:
            run_rows, times = _train_and_evaluate(
                recipe, seed, lesions, clf, test_features, args, log
            )
            rows.extend(run_rows)
            times_by_recipe[recipe].extend(times[TIMING_WARMUP:] or times)
    frame, summary = _summary(rows, times_by_recipe)
    frame.to_csv(out / "learning_curves.csv", index=False)
    summary.to_csv(out / "summary.csv", index=False)
    log("")
    log(summary.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    log(f"FD floor (train vs test, n={n}): {floor:.3f}")
    log(f"wrote {out / 'learning_curves.csv'} and {out / 'summary.csv'}")
    log(f"total {time.perf_counter() - t_start:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
