"""Evaluate generated images, or a trained run, with every metric of the study.

:func:`evaluate_images` takes generated images (arrays) and the real data and
returns one JSON-ready dictionary; :func:`evaluate_run` draws the images from a
run directory's generator, calls it and writes ``metrics.json`` into the run
directory (reused when it exists for the same ``n`` and ``seed``).

Every number comes with what it needs to be read:

* its **sample size** N and the **seed**;
* the **feature extractor** (the study's own classifier,
  :mod:`gan_study.classifier`) with its balanced accuracy on the held-out
  test split;
* the **held-out protocol** (:mod:`gan_study.heldout`): every distribution
  metric compares the generated images with real **test** images, which no
  generator saw, and its **real-versus-real floor** puts training images in
  the generated images' place against the same test images. A generator can
  only be judged against that floor, never against 0. Memorisation, by its
  nature, is measured against the training images.

Memorisation results are proxies (distances and a three-sample test), not
membership-inference or privacy guarantees; the returned dictionary says so.

The held-out FD of the corruption ladder (:mod:`gan_study.ladder`) and the
learning curve of a run's snapshots (:mod:`gan_study.learning_curve`) use the
same protocol and the same inputs (:mod:`gan_study.evaluation_inputs`); they
are importable from here too.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from gan_study import classifier as classifier_mod
from gan_study import heldout, memorisation, metrics, model_card, store
from gan_study.data import CLASS_NAMES
from gan_study.evaluation_inputs import CODE_MODULES as CODE_MODULES
from gan_study.evaluation_inputs import extractor_id, json_ready, labels_like, run_inputs
from gan_study.ladder import LADDER_FILE as LADDER_FILE
from gan_study.ladder import corruption_references as corruption_references
from gan_study.learning_curve import CURVE_FILE as CURVE_FILE
from gan_study.learning_curve import learning_curve as learning_curve

#: Version of the metrics.json layout; a file with another version is recomputed.
SCHEMA_VERSION = 3
METRICS_FILE = "metrics.json"

PROXY_NOTE = (
    "Memorisation metrics (nearest-neighbour distance ratios, C_T, closest pairs) are "
    "proxies: they can reveal copying but cannot prove its absence, and they are not "
    "membership-inference or differential-privacy guarantees."
)


_REAL_SIDE: dict = {}  # real-versus-real values, shared by the runs of one evaluation grid
_REAL_SIDE_SIZE = 32


def _real_side(key: tuple, compute):
    """``compute()``, remembered under ``key`` for later runs in this process.

    The floors of :func:`evaluate_images` compare real images with real images;
    they depend on the data, the classifier, the sample size and the seed, not
    on the generator, so a grid of runs computes each of them once.
    """
    if key not in _REAL_SIDE:
        while len(_REAL_SIDE) >= _REAL_SIDE_SIZE:
            _REAL_SIDE.pop(next(iter(_REAL_SIDE)))
        _REAL_SIDE[key] = compute()
    return _REAL_SIDE[key]


def _drop_arrays(d: dict, keys: tuple[str, ...]) -> dict:
    return {k: v for k, v in d.items() if k not in keys}


def _mean_records(rows) -> list[dict]:
    """Column-wise means of tuples of dicts: one dict per position, numbers averaged."""
    rows = list(rows)
    return [
        {
            key: float(np.mean([row[i][key] for row in rows]))
            if isinstance(rows[0][i][key], (float, np.floating))
            else rows[0][i][key]
            for key in rows[0][i]
        }
        for i in range(len(rows[0]))
    ]


def evaluate_images(
    fake_images: np.ndarray,
    fake_labels: np.ndarray | None,
    data,
    clf,
    *,
    n: int,
    seed: int,
    train_images: np.ndarray | None = None,
    fd_repeats: int = heldout.REPEATS,
    kid_subsets: int = 50,
    diversity_pairs: int = 500,
    ct_cells: int = 5,
    inception_weights: str | os.PathLike | None = None,
) -> dict:
    """Every metric of the study for one set of generated images.

    Parameters
    ----------
    fake_images : ndarray, shape (M, S, S, 3), uint8
        Generated images; the first ``n`` are used.
    fake_labels : ndarray, shape (M,), or None
        Conditioning labels of a conditional generator (None otherwise).
    data : gan_study.data.LesionData
        The real data (``test`` is the held-out side of every distribution
        metric, ``train`` the candidate of its floor and the reference of
        memorisation).
    clf : gan_study.classifier.Classifier
        Feature extractor and judge, trained on ``data.train``.
    n : int
        Generated images used. FD, precision/recall and density/coverage use
        ``fd_repeats`` disjoint subsets of N = :func:`gan_study.heldout.sample_size`
        (a ``fd_repeats``-th of the smallest sample) on every side.
    seed : int
        Seeds every subsample.
    train_images : ndarray, optional
        The images the *generator* was trained on (default ``data.train.images``);
        memorisation is measured against these.
    fd_repeats, kid_subsets, diversity_pairs, ct_cells
        Repetitions of the sampled metrics.
    inception_weights : path, optional
        Local ImageNet InceptionV3 weights; default: the Keras cache. Never
        downloaded; without them ``inception`` says why it is unavailable.

    Returns
    -------
    dict
        JSON-ready. Top-level keys: ``schema``, ``n``, ``seed``, ``source``,
        ``split``, ``image_size``, ``n_fake``, ``n_train``, ``n_heldout``,
        ``heldout``, ``feature_extractor``, ``fd``, ``fd_inf``, ``kid``,
        ``precision_recall``, ``class_agreement``, ``nearest_real``,
        ``diversity``, ``memorization``, ``data_copying``, ``closest_pairs``,
        ``rgb``, ``inception``, ``notes``. Each metric holds its generated-image
        value next to its real-versus-real ``floor`` (held-out test images in
        place of generated ones).
    """
    fake = np.asarray(fake_images)
    if fake.ndim != 4 or fake.dtype != np.uint8:
        raise ValueError(f"fake_images must be uint8 (N, S, S, 3), got {fake.dtype} {fake.shape}")
    if fake.shape[1:] != data.train.images.shape[1:]:
        raise ValueError(
            f"generated images are {fake.shape[1:]} but the real data are "
            f"{data.train.images.shape[1:]}: evaluate with the run's image_size"
        )
    if n < 10:
        raise ValueError(f"n must be >= 10, got {n}")
    fake = fake[:n]
    if fake_labels is not None:
        fake_labels = np.asarray(fake_labels).ravel()[:n]
        if fake_labels.shape[0] != fake.shape[0]:
            raise ValueError("fake_labels must have one entry per generated image")
    train = data.train.images if train_images is None else np.asarray(train_images)
    test, test_labels = data.test.images, data.test.labels
    rng = np.random.default_rng(seed)

    clf_scores = classifier_mod.evaluate(clf, data.test)
    f_fake = clf.features(fake)
    f_train = clf.features(data.train.images)
    f_gan_train = f_train if train_images is None else clf.features(train)
    f_test = clf.features(test)
    n_eff = int(min(n, len(fake), len(test), len(f_train)))
    train_digest = hashlib.blake2b(np.ascontiguousarray(train).data, digest_size=16).hexdigest()
    real_key = (id(clf), clf.name, data.source, data.split, data.image_size, len(test))
    real_key += (train.shape, train_digest, len(fake), n_eff, seed)

    # --- distribution distances to the held-out test images, beside the floor
    # (training images against the same test images): gan_study.heldout
    fd = heldout.heldout_frechet(
        f_test, f_train, n_eff, candidates={"generated": f_fake}, repeats=fd_repeats, seed=seed
    )
    size, test_idx, train_idx = heldout.heldout_subsets(
        n_eff, len(f_test), len(f_train), repeats=fd_repeats, seed=seed
    )
    fake_idx = heldout.candidate_subsets(
        len(f_fake), size, "generated", repeats=fd_repeats, seed=seed
    )
    fd_inf = metrics.frechet_distance_infinity(f_fake, f_test, seed=seed)
    fd_inf_floor = _real_side(
        real_key + ("fd_inf",),
        lambda: metrics.frechet_distance_infinity(f_train, f_test, seed=seed),
    )
    kid = metrics.kid(
        f_fake, f_test, n_subsets=kid_subsets, subset_size=min(1000, n_eff), seed=seed
    )
    kid_floor = _real_side(
        real_key + ("kid", kid_subsets),
        lambda: metrics.kid(
            f_train, f_test, n_subsets=kid_subsets, subset_size=min(1000, n_eff), seed=seed
        ),
    )
    # precision/recall and density/coverage per repeat, against the same test subsets
    pr, pr_floor, dc, dc_floor = _mean_records(
        (
            metrics.precision_recall(f_test[t], f_fake[f], k=3),
            metrics.precision_recall(f_test[t], f_train[r], k=3),
            metrics.density_coverage(f_test[t], f_fake[f], k=5),
            metrics.density_coverage(f_test[t], f_train[r], k=5),
        )
        for t, f, r in zip(test_idx, fake_idx, train_idx, strict=False)
    )

    # --- conditional models: does the classifier see the intended class?
    agreement = None
    if fake_labels is not None:
        table = metrics.class_agreement(
            fake_labels, clf.predict(fake), test_labels, clf.predict(test), CLASS_NAMES
        )
        agreement = table.to_dict(orient="records")

    # --- memorisation proxies, in pixel space (0-1) and in classifier features
    mem_pix = metrics.memorization_distances(fake / 255.0, train / 255.0, test / 255.0)
    mem_feat = metrics.memorization_distances(f_fake, f_gan_train, f_test)
    mem_arrays = ("fake_distances", "fake_nearest", "heldout_distances")
    try:
        ct = metrics.data_copying_ct(f_gan_train, f_test, f_fake, n_cells=ct_cells, seed=seed)
    except ValueError as exc:  # too few generated images per cell: say so, do not guess
        ct = {"ct": None, "n_cells": ct_cells, "unavailable": str(exc)}
    # --- memorisation class by class (requested classes, or the judge's for an
    # unconditional generator), in pixels and in features; C_T in both spaces
    fake_classes = fake_labels if fake_labels is not None else clf.predict(fake)
    by_class = {
        space: memorisation.per_class_memorisation(
            mem["fake_distances"], fake_classes, mem["heldout_distances"], test_labels, CLASS_NAMES
        ).to_dict(orient="records")
        for space, mem in (("pixel", mem_pix), ("features", mem_feat))
    }
    try:
        ct_pixel = metrics.data_copying_ct(
            train.reshape(len(train), -1) / 255.0,
            test.reshape(len(test), -1) / 255.0,
            fake.reshape(len(fake), -1) / 255.0,
            n_cells=ct_cells,
            seed=seed,
        )
    except ValueError as exc:
        ct_pixel = {"ct": None, "n_cells": ct_cells, "unavailable": str(exc)}
    pairs = metrics.closest_pairs(
        fake, train, n=8, nearest=(mem_pix["fake_distances"], mem_pix["fake_nearest"])
    )

    # --- the original report's image metrics, against the GAN's training images
    test_sub_idx = rng.choice(len(test), n_eff, replace=False)
    test_sub = test[test_sub_idx]
    near = metrics.nearest_real_similarity(fake, train, nearest_index=mem_pix["fake_nearest"])
    near_floor = _real_side(
        real_key + ("nearest_real",),
        lambda: metrics.nearest_real_similarity(test_sub, train),
    )
    arrays = ("ssim", "pixel_accuracy", "nearest_index")
    div_fake = metrics.ssim_diversity(fake, n_pairs=diversity_pairs, seed=seed)
    div_real = _real_side(
        real_key + ("diversity", diversity_pairs),
        lambda: metrics.ssim_diversity(train, n_pairs=diversity_pairs, seed=seed),
    )

    # --- colour
    rgb = {
        "fake": metrics.rgb_stats(fake, fake_labels, CLASS_NAMES).to_dict(orient="records"),
        "real_train": metrics.rgb_stats(train).to_dict(orient="records"),
    }

    # --- Inception, only with weights already on the machine
    status = metrics.inception_weights_status(inception_weights)
    inception = {"available": status["available"], "reason": status["reason"]}
    if status["available"]:
        # the held-out protocol, on the training images its subsets use
        i_fake = metrics.inception_features(fake, status["path"])
        i_train = metrics.inception_features(data.train.images[train_idx.ravel()], status["path"])
        i_test = metrics.inception_features(test, status["path"])
        fid = heldout.heldout_frechet(
            i_test, i_train, n_eff, candidates={"generated": i_fake}, repeats=fd_repeats, seed=seed
        )
        inception.update(
            n=fid["n"],
            fid=fid["candidates"]["generated"]["mean"],
            fid_floor=fid["floor"]["mean"],
            kid=metrics.kid(i_fake, i_test, subset_size=min(1000, n_eff), seed=seed),
            kid_floor=metrics.kid(i_train, i_test, subset_size=min(1000, n_eff), seed=seed),
            weights=status["path"],
        )

    result = {
        "schema": SCHEMA_VERSION,
        "n": int(n),
        "seed": int(seed),
        "source": data.source,
        "split": data.split,
        "image_size": int(data.image_size),
        "n_fake": int(len(fake)),
        "n_train": int(len(train)),
        "n_heldout": int(len(test)),
        "heldout": "test split (real images never used for training)",
        "feature_extractor": {
            "name": clf.name,
            "layer": "features (penultimate, ReLU)",
            "dim": int(f_fake.shape[1]),
            "test_accuracy": clf_scores["accuracy"],
            "test_balanced_accuracy": clf_scores["balanced_accuracy"],
            "test_macro_auc": clf_scores["macro_auc"],
        },
        "fd": {
            "n": fd["n"],
            "value": fd["candidates"]["generated"]["mean"],
            "std": fd["candidates"]["generated"]["std"],
            "values": fd["candidates"]["generated"]["values"],
            "floor": fd["floor"]["mean"],
            "floor_std": fd["floor"]["std"],
            "floor_values": fd["floor"]["values"],
            "repeats": fd["repeats"],
            "definition": fd["definition"],
        },
        "fd_inf": {
            "value": fd_inf["fd_inf"],
            "floor": fd_inf_floor["fd_inf"],
            "ns": fd_inf["ns"],
            "fd_at_n": fd_inf["fd_at_n"],
            "floor_ns": fd_inf_floor["ns"],
            "floor_fd_at_n": fd_inf_floor["fd_at_n"],
            "definition": (
                "intercept of FD(N) against 1/N (Chong & Forsyth 2020), vs all test features; "
                "floor: the training features"
            ),
        },
        "kid": {
            **kid,
            "floor": kid_floor["mean"],
            "floor_std": kid_floor["std"],
            "definition": "KID(generated, test); floor: KID(training, test)",
        },
        "precision_recall": {
            **pr,
            "floor_precision": pr_floor["precision"],
            "floor_recall": pr_floor["recall"],
            "n": size,
            "repeats": int(fd_repeats),
            "definition": "against the held-out test subsets of the FD; mean over repeats",
        },
        "density_coverage": {
            **dc,
            "floor_density": dc_floor["density"],
            "floor_coverage": dc_floor["coverage"],
            "n": size,
            "repeats": int(fd_repeats),
            "definition": "against the held-out test subsets of the FD; mean over repeats",
        },
        "class_agreement": agreement,
        "nearest_real": {
            **_drop_arrays(near, arrays),
            "floor_ssim_mean": near_floor["ssim_mean"],
            "floor_pixel_accuracy_mean": near_floor["pixel_accuracy_mean"],
            "floor_n": near_floor["n"],
        },
        "diversity": {
            "fake_ssim_mean": div_fake["mean"],
            "fake_ssim_std": div_fake["std"],
            "real_ssim_mean": div_real["mean"],
            "real_ssim_std": div_real["std"],
            "n_pairs": div_fake["n_pairs"],
            "definition": "mean SSIM over random pairs of distinct images; higher = less diverse",
        },
        "memorization": {
            "pixel": _drop_arrays(mem_pix, mem_arrays),
            "features": _drop_arrays(mem_feat, mem_arrays),
            "definition": (
                "median L2 distance of generated images to their nearest training image, "
                "divided by the same for held-out test images; << 1 suggests copying"
            ),
        },
        "data_copying": {**ct, "space": "classifier features"},
        "data_copying_pixel": {**ct_pixel, "space": "pixels (0-1)"},
        "memorization_by_class": {
            **by_class,
            "classes": "requested" if fake_labels is not None else "predicted by the classifier",
            "definition": (
                "per class: median nearest-training distance of generated over held-out images; "
                "shares closer than the 1st/5th percentile of all held-out distances; "
                "single-cell Z_U (Meehan et al. 2020)"
            ),
        },
        "closest_pairs": pairs.to_dict(orient="records"),
        "rgb": rgb,
        "inception": inception,
        "notes": PROXY_NOTE,
    }
    unavailable: dict[str, str] = {}
    if ct.get("ct") is None:
        unavailable["data_copying.ct"] = ct.get("unavailable", "not computed")
    if ct_pixel.get("ct") is None:
        unavailable["data_copying_pixel.ct"] = ct_pixel.get("unavailable", "not computed")
    result = json_ready(result, unavailable)
    result["unavailable"] = unavailable
    return result


def format_summary(result: dict) -> str:
    """A few lines for the terminal: each headline metric beside its real-vs-real floor."""
    fe = result["feature_extractor"]
    fd, kid, pr = result["fd"], result["kid"], result["precision_recall"]
    mem, ct = result["memorization"]["pixel"], result["data_copying"]
    lines = [
        f"{result.get('run_dir', 'generated images')}: n={result['n']} seed={result['seed']} "
        f"({result['source']}, {result['split']} split, {result['image_size']} px)",
        f"features: {fe['name']} (test balanced accuracy {fe['test_balanced_accuracy']:.3f})",
        f"held-out FD at N={fd['n']} x {fd['repeats']}: {fd['value']:.2f} ± {fd['std']:.2f}   "
        f"real-vs-real floor {fd['floor']:.2f} ± {fd['floor_std']:.2f}",
        f"FD∞: {result['fd_inf']['value']:.2f}   floor {result['fd_inf']['floor']:.2f}",
        f"KID: {kid['mean']:.4f} ± {kid['std']:.4f}   floor {kid['floor']:.4f}",
        f"precision {pr['precision']:.3f} recall {pr['recall']:.3f}   "
        f"floor {pr['floor_precision']:.3f} / {pr['floor_recall']:.3f}",
        f"nearest-training distance ratio (pixels): {mem['median_ratio']:.3f}   "
        f"C_T: {'n/a' if ct['ct'] is None else format(ct['ct'], '.2f')}",
        "inception: "
        + ("available" if result["inception"]["available"] else "unavailable (no local weights)"),
    ]
    return "\n".join(lines)


def evaluate_run(
    run_dir: str | os.PathLike,
    *,
    n: int = 2000,
    seed: int = 0,
    data_dir: str | os.PathLike | None = None,
    ema: bool = True,
    clf=None,
) -> dict:
    """Evaluate a finished training run and write ``run_dir/metrics.json``.

    Loads the run's configuration and generator, draws ``n`` images with
    ``seed`` (a conditional generator gets labels that follow the training
    class distribution, :func:`labels_like`), loads the same real data and
    the cached classifier (:func:`gan_study.classifier.load_or_train`
    with its defaults) and calls :func:`evaluate_images`. When the run trained
    on a subset (``max_train_images``), memorisation is measured against that
    subset.

    Parameters
    ----------
    run_dir : path-like
    n : int, default 2000
    seed : int, default 0
    data_dir : path-like, optional
        Data root (default ``$GAN_STUDY_DATA_DIR``).
    ema : bool, default True
        Evaluate the EMA generator (``generator_ema.keras``).
    clf : gan_study.classifier.Classifier, optional
        The feature extractor and judge (for example one trained with the
        notebook's ``classifier_epochs``); default: :func:`load_or_train`
        with its defaults. A stored ``metrics.json`` is reused only if it
        was computed with a classifier of the same name.

    Returns
    -------
    dict
        The content of ``metrics.json`` (see :func:`evaluate_images`), plus
        ``run_dir``, ``model``, ``conditional``, ``generator`` and
        ``cache_key``. An existing ``metrics.json`` is returned without
        recomputation only when its ``cache_key`` is the one computed now
        (:func:`gan_study.store.cache_key`): the same code of
        :data:`CODE_MODULES`, the same generator file, feature extractor and
        real arrays (by digest), and the same ``n``, ``seed`` and schema.
        Anything else recomputes it.

    Raises
    ------
    FileNotFoundError
        ``run_dir`` does not exist, has no ``config.json`` or is not finished.
    ValueError
        The data under ``data_dir`` are not the data the run was trained on
        (their fingerprint differs from the one in ``config.json``).
    """
    from gan_study import training

    run_dir = Path(run_dir)
    config, data, gan_train = run_inputs(run_dir, data_dir)
    generator_name = "generator_ema.keras" if ema else "generator.keras"
    key = store.cache_key(
        code=store.code_version(*CODE_MODULES),
        inputs={
            "generator": store.file_digest(training.generator_path(run_dir, ema=ema)),
            "feature_extractor": extractor_id(clf, data),
            "real": store.array_digest(
                data.train.images, data.train.labels, data.test.images, data.test.labels
            ),
            "gan_train": store.array_digest(gan_train),
        },
        params={"schema": SCHEMA_VERSION, "n": n, "seed": seed, "generator": generator_name},
    )
    out_path = run_dir / METRICS_FILE
    if out_path.is_file():
        try:
            cached = json.loads(out_path.read_text())
        except json.JSONDecodeError:
            cached = None  # a damaged file is recomputed and replaced
        if isinstance(cached, dict) and cached.get("cache_key") == key:
            if not (run_dir / model_card.CARD_FILE).is_file():
                model_card.write_model_card(run_dir)
            return cached

    fake, labels = generated_images(run_dir, data, n=n, seed=seed, ema=ema)
    conditional = labels is not None
    if clf is None:
        clf = classifier_mod.load_or_train(data, **classifier_mod.DEFAULT_PARAMS)
    result = evaluate_images(
        fake,
        labels,
        data,
        clf,
        n=n,
        seed=seed,
        train_images=None if len(gan_train) == len(data.train.images) else gan_train,
    )
    result.update(
        run_dir=str(run_dir),
        model=config.model,
        conditional=conditional,
        generator=generator_name,
        cache_key=key,
    )
    store.atomic_write_json(out_path, result)
    model_card.write_model_card(run_dir)  # now with the measured metrics
    return result


def generated_images(run_dir, data, *, n: int, seed: int, ema: bool = True):
    """The ``n`` images a run's generator draws with ``seed``, as :func:`evaluate_run`
    scores them: a conditional generator is asked for the classes of
    :func:`labels_like` (the training proportions).

    Returns
    -------
    tuple
        ``(images, labels)``: uint8 images and, for a conditional generator,
        the labels asked for (``None`` otherwise).
    """
    from gan_study import training

    generator = training.load_generator(run_dir, ema=ema)
    conditional = len(generator.inputs) == 2
    labels = labels_like(data.train.labels, n, seed) if conditional else None
    return training.generate(generator, n, seed, labels=labels), labels
