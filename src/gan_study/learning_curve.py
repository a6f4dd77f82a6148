"""The learning curve of a run: FD and class agreement after each of its EMA snapshots.

:func:`learning_curve` scores every snapshot a run kept
(``snapshot_every``) with the held-out FD protocol of
:func:`gan_study.evaluation.evaluate_run` and the same feature extractor, so
the curve ends at the FD that ``metrics.json`` reports, and writes
``learning_curve.json`` into the run directory (reused while the snapshots,
the extractor, the data and the code are unchanged). Every snapshot shares
the real side: the features of both splits and the FD's floor.

Reference: FD, Heusel et al. (2017), "GANs trained by a two time-scale update
rule converge to a local Nash equilibrium", NeurIPS.
"""

from __future__ import annotations

import os
from pathlib import Path

from gan_study import classifier as classifier_mod
from gan_study import heldout, metrics, reference, store
from gan_study.classifier_config import ClassifierConfig
from gan_study.data import CLASS_NAMES
from gan_study.evaluation_inputs import (
    CODE_MODULES,
    extractor_id,
    json_ready,
    labels_like,
    read_cached,
    run_inputs,
)

CURVE_FILE = "learning_curve.json"


def learning_curve(
    run_dir: str | os.PathLike,
    *,
    n: int = 2000,
    seed: int = 0,
    data_dir: str | os.PathLike | None = None,
    clf=None,
    fd_repeats: int = heldout.REPEATS,
) -> dict:
    """FD (and class agreement) of a run's EMA generator after each of its snapshots.

    Every snapshot of :func:`gan_study.training.snapshots` is scored with the
    held-out FD protocol of :func:`gan_study.evaluation.evaluate_run`: ``n`` images drawn with
    ``seed`` (a conditional generator gets the labels of :func:`labels_like`),
    the same feature extractor and the same test and training subsets of
    :func:`gan_study.heldout.heldout_frechet`. The snapshot of the last epoch
    is the finished EMA generator, so the curve ends at the FD that
    ``metrics.json`` reports. Only FD and class agreement are computed; the
    other metrics of :func:`gan_study.evaluation.evaluate_images` are not.

    Parameters
    ----------
    run_dir : path-like
        A finished run trained with ``snapshot_every > 0``.
    n, seed, data_dir, clf
        As for :func:`gan_study.evaluation.evaluate_run` (use the same values to compare).
    fd_repeats : int, default 3
        As for :func:`gan_study.evaluation.evaluate_images`.

    Returns
    -------
    dict
        JSON-ready, also written to ``run_dir/learning_curve.json``: ``n``,
        ``seed``, ``model``, ``conditional``, ``floor_mean`` and ``points``, one
        record per snapshot with ``epoch``, ``d_updates``, ``g_updates``,
        ``fd_mean``, ``fd_std`` and ``agreement`` (a conditional model's
        balanced class agreement: the mean over classes of the share of its
        images of a class that the classifier assigns to that class; ``None``
        otherwise), and ``unavailable`` (each value that was not a finite
        number, stored as ``None``, with the reason). A stored file is reused
        only when its ``cache_key`` (code of :data:`CODE_MODULES`, every
        snapshot file, the feature extractor, the real arrays, ``n``, ``seed``,
        ``fd_repeats``) is the one computed now.

    Raises
    ------
    FileNotFoundError
        ``run_dir`` does not exist or is not finished.
    ValueError
        The run keeps no snapshots (train it with ``snapshot_every``), or the
        data under ``data_dir`` are not the data it was trained on.
    """
    from gan_study.models import DEFAULTS

    run_dir = Path(run_dir)
    kept = _snapshots(run_dir, n)
    config, data, _ = run_inputs(run_dir, data_dir)
    key = _curve_key(kept, data, clf, {"n": int(n), "seed": int(seed), "repeats": int(fd_repeats)})
    out_path = run_dir / CURVE_FILE
    cached = read_cached(out_path, key)
    if cached is not None:
        return cached

    if clf is None:
        clf = classifier_mod.load_or_train(data, ClassifierConfig())
    conditional = bool(DEFAULTS[config.model]["conditional"])
    points, floor, n_eff = _score_snapshots(
        run_dir, kept, data, clf, n=n, seed=seed, fd_repeats=fd_repeats, conditional=conditional
    )
    out = {"n": n_eff, "seed": int(seed), "model": config.model, "conditional": conditional}
    out.update(floor_mean=float(floor), points=points, cache_key=key)
    unavailable: dict = {}
    out = json_ready(out, unavailable)
    out["unavailable"] = unavailable  # non-finite values, stored as null, and why
    store.atomic_write_json(out_path, out)
    return out


def _curve_key(kept, data, clf, params: dict) -> str:
    """The cache key of a curve: code, every snapshot file, extractor, real arrays, ``params``."""
    return store.cache_key(
        code=store.code_version(*CODE_MODULES),
        inputs={
            "snapshots": [
                [int(e), store.file_digest(p)]
                for e, p in zip(kept["epoch"], kept["path"], strict=True)
            ],
            "feature_extractor": extractor_id(clf, data),
            "real": store.array_digest(
                data.train.images, data.train.labels, data.test.images, data.test.labels
            ),
        },
        params=params,
    )


def _snapshots(run_dir: Path, n: int):
    """The snapshots table of a finished run (:func:`gan_study.training.snapshots`), checked."""
    from gan_study import training

    if not run_dir.is_dir():
        raise FileNotFoundError(f"run directory {run_dir} does not exist; train it first")
    if not training.is_finished(run_dir):
        raise FileNotFoundError(
            f"the run in {run_dir} is not finished; train it with its configuration first"
        )
    if n < 10:
        raise ValueError(f"n must be >= 10, got {n}")
    kept = training.snapshots(run_dir)
    if kept.empty:
        raise ValueError(
            f"the run in {run_dir} keeps no generator snapshots, so it has no learning curve; "
            "train it with snapshot_every > 0 (e.g. gan-study train --snapshot-every 4)"
        )
    return kept


def _score_snapshots(run_dir, kept, data, clf, *, n, seed, fd_repeats, conditional):
    """One point per snapshot (held-out FD and class agreement), the FD's floor and n.

    Every snapshot shares the real side: the features of both splits, the
    floor, the labels asked for and the judge's predictions of the test images.
    """
    from gan_study import training

    real = reference.real_features(clf, data)
    n_eff = int(min(n, len(real.test), len(real.train)))
    floor = heldout.heldout_frechet(real.test, real.train, n_eff, repeats=fd_repeats, seed=seed)
    labels = labels_like(data.train.labels, n, seed) if conditional else None
    test_predictions = clf.predict(data.test.images) if conditional else None
    points = []
    for row in kept.itertuples():
        generator = training.load_generator(run_dir, epoch=int(row.epoch))
        fake = training.generate(generator, n, seed, labels=labels)[:n]  # as evaluate_images
        fd = heldout.candidate_frechet(
            real.test, clf.features(fake), floor["n"], repeats=fd_repeats, seed=seed
        )
        agreement = None
        if conditional:
            table = metrics.class_agreement(
                labels, clf.predict(fake), data.test.labels, test_predictions, CLASS_NAMES
            )
            agreement = float(table["agreement"].mean())
        points.append(
            {
                "epoch": int(row.epoch),
                "d_updates": int(row.d_updates),
                "g_updates": int(row.g_updates),
                "fd_mean": float(fd["mean"]),
                "fd_std": float(fd["std"]),
                "agreement": agreement,
            }
        )
    return points, floor["floor"]["mean"], n_eff
