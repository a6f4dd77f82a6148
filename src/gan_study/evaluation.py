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

The real side is computed once: a :class:`gan_study.reference.Reference`
holds the real features and the floors of one data split, extractor, ``n``
and seed, built by :func:`gan_study.reference.build_reference` and passed in
(``reference=``, or a dict of them to :func:`evaluate_run` for a grid of
runs). Each metric family is a small block (:func:`fd_block`,
:func:`kid_block`, ...) that puts the generated images' value beside the
floor it reads from the reference; :func:`compose` assembles them into
``metrics.json``.

Memorisation results are proxies (distances and a three-sample test), not
membership-inference or privacy guarantees; the returned dictionary says so.

The held-out FD of the corruption ladder (:mod:`gan_study.ladder`) and the
learning curve of a run's snapshots (:mod:`gan_study.learning_curve`) use the
same protocol and the same inputs (:mod:`gan_study.evaluation_inputs`); they
are importable from here too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gan_study import classifier as classifier_mod
from gan_study import heldout, memorisation, metrics, model_card, store
from gan_study import reference as reference_mod
from gan_study.data import CLASS_NAMES
from gan_study.evaluation_inputs import CODE_MODULES as CODE_MODULES
from gan_study.evaluation_inputs import (
    extractor_id,
    json_ready,
    labels_like,
    read_cached,
    run_inputs,
)
from gan_study.ladder import LADDER_FILE as LADDER_FILE
from gan_study.ladder import corruption_references as corruption_references
from gan_study.learning_curve import CURVE_FILE as CURVE_FILE
from gan_study.learning_curve import learning_curve as learning_curve
from gan_study.reference import Reference, build_reference

#: Version of the metrics.json layout; a file with another version is recomputed.
SCHEMA_VERSION = 3
METRICS_FILE = "metrics.json"

PROXY_NOTE = (
    "Memorisation metrics (nearest-neighbour distance ratios, C_T, closest pairs) are "
    "proxies: they can reveal copying but cannot prove its absence, and they are not "
    "membership-inference or differential-privacy guarantees."
)


def _drop_arrays(d: dict, keys: tuple[str, ...]) -> dict:
    return {k: v for k, v in d.items() if k not in keys}


@dataclass(frozen=True, eq=False)
class Generated:
    """The generated sample one evaluation scores, with what the extractor sees in it.

    Attributes
    ----------
    images : ndarray, shape (N, S, S, 3), uint8
    labels : ndarray, shape (N,), or None
        The labels a conditional generator was asked for.
    features : ndarray, shape (N, d)
        The extractor's features of ``images``.
    predictions : ndarray, shape (N,)
        The extractor's predicted class of each image.
    """

    images: np.ndarray
    labels: np.ndarray | None
    features: np.ndarray
    predictions: np.ndarray


def generated_sample(fake_images, fake_labels, data, clf, *, n: int) -> Generated:
    """The first ``n`` generated images (and labels), checked, with their features.

    Raises
    ------
    ValueError
        The images are not uint8 ``(N, S, S, 3)`` of the real data's size,
        ``n`` is below 10, or there is not one label per image.
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
    return Generated(fake, fake_labels, clf.features(fake), clf.predict(fake))


# ------------------------------------- one block per metric family: value beside floor
def feature_extractor_block(gen: Generated, ref: Reference) -> dict:
    """The extractor's name, feature size and scores on the held-out test split."""
    scores = ref.classifier_scores
    return {
        "name": ref.extractor,
        "layer": "features (penultimate, ReLU)",
        "dim": int(gen.features.shape[1]),
        "test_accuracy": scores["accuracy"],
        "test_balanced_accuracy": scores["balanced_accuracy"],
        "test_macro_auc": scores["macro_auc"],
    }


def fd_block(gen: Generated, ref: Reference) -> dict:
    """Held-out FD of the generated features beside its floor (:mod:`gan_study.heldout`)."""
    floor = ref.floors["fd"]
    value = heldout.candidate_frechet(
        ref.features["classifier"].test,
        gen.features,
        floor["n"],
        repeats=floor["repeats"],
        seed=ref.seed,
    )
    return {
        "n": floor["n"],
        "value": value["mean"],
        "std": value["std"],
        "values": value["values"],
        "floor": floor["floor"]["mean"],
        "floor_std": floor["floor"]["std"],
        "floor_values": floor["floor"]["values"],
        "repeats": floor["repeats"],
        "definition": floor["definition"],
    }


def fd_inf_block(gen: Generated, ref: Reference) -> dict:
    """FD∞ against all test features, beside the training features' FD∞."""
    value = reference_mod.fd_inf(gen.features, ref.features["classifier"].test, seed=ref.seed)
    floor = ref.floors["fd_inf"]
    return {
        "value": value["fd_inf"],
        "floor": floor["fd_inf"],
        "ns": value["ns"],
        "fd_at_n": value["fd_at_n"],
        "floor_ns": floor["ns"],
        "floor_fd_at_n": floor["fd_at_n"],
        "definition": (
            "intercept of FD(N) against 1/N (Chong & Forsyth 2020), vs all test features; "
            "floor: the training features"
        ),
    }


def kid_block(gen: Generated, ref: Reference) -> dict:
    """KID(generated, test) beside KID(training, test)."""
    value = reference_mod.kid(
        gen.features,
        ref.features["classifier"].test,
        n_eff=ref.n_eff,
        subsets=ref.settings["kid_subsets"],
        seed=ref.seed,
    )
    floor = ref.floors["kid"]
    return {
        **value,
        "floor": floor["mean"],
        "floor_std": floor["std"],
        "definition": "KID(generated, test); floor: KID(training, test)",
    }


def neighbourhood_blocks(gen: Generated, ref: Reference) -> tuple[dict, dict]:
    """Precision/recall and density/coverage against the FD's test subsets, beside their floors."""
    size, test_idx, _ = ref.subsets
    repeats = ref.settings["fd_repeats"]
    fake_idx = heldout.candidate_subsets(
        len(gen.features), size, "generated", repeats=repeats, seed=ref.seed
    )
    pr, dc = reference_mod.neighbourhood(
        gen.features, ref.features["classifier"].test, test_idx, fake_idx
    )
    pr_floor, dc_floor = ref.floors["precision_recall"], ref.floors["density_coverage"]
    common = {
        "n": size,
        "repeats": int(repeats),
        "definition": "against the held-out test subsets of the FD; mean over repeats",
    }
    return (
        {
            **pr,
            "floor_precision": pr_floor["precision"],
            "floor_recall": pr_floor["recall"],
            **common,
        },
        {
            **dc,
            "floor_density": dc_floor["density"],
            "floor_coverage": dc_floor["coverage"],
            **common,
        },
    )


def class_agreement_block(gen: Generated, ref: Reference) -> list[dict] | None:
    """A conditional generator's class agreement, per class (``None`` when unconditional)."""
    if gen.labels is None:
        return None
    table = metrics.class_agreement(
        gen.labels, gen.predictions, ref.data.test.labels, ref.test_predictions, CLASS_NAMES
    )
    return table.to_dict(orient="records")


def nearest_real_block(gen: Generated, ref: Reference, nearest: np.ndarray) -> dict:
    """The report's SSIM and pixel accuracy to the nearest training image, beside the
    same for held-out images; ``nearest`` is each image's nearest training image."""
    near = reference_mod.nearest_real(gen.images, ref.train_images, nearest_index=nearest)
    floor = ref.floors["nearest_real"]
    return {
        **_drop_arrays(near, ("ssim", "pixel_accuracy", "nearest_index")),
        "floor_ssim_mean": floor["ssim_mean"],
        "floor_pixel_accuracy_mean": floor["pixel_accuracy_mean"],
        "floor_n": floor["n"],
    }


def diversity_block(gen: Generated, ref: Reference) -> dict:
    """Mean pairwise SSIM of the generated images beside that of the training images."""
    fake = reference_mod.diversity(gen.images, pairs=ref.settings["diversity_pairs"], seed=ref.seed)
    real = ref.floors["diversity"]
    return {
        "fake_ssim_mean": fake["mean"],
        "fake_ssim_std": fake["std"],
        "real_ssim_mean": real["mean"],
        "real_ssim_std": real["std"],
        "n_pairs": fake["n_pairs"],
        "definition": "mean SSIM over random pairs of distinct images; higher = less diverse",
    }


def _ct(train: np.ndarray, test: np.ndarray, fake: np.ndarray, cells: int, seed: int) -> dict:
    """C_T, or why it is unavailable (too few generated images per cell: said, not guessed)."""
    try:
        return metrics.data_copying_ct(train, test, fake, n_cells=cells, seed=seed)
    except ValueError as exc:
        return {"ct": None, "n_cells": cells, "unavailable": str(exc)}


def memorisation_blocks(gen: Generated, ref: Reference, distances: dict, ct_cells: int) -> dict:
    """The memorisation proxies: distance ratios, C_T and their class-by-class view.

    ``distances`` holds :func:`gan_study.metrics.memorization_distances` in
    pixels (0-1) and in features, as ``pixel`` and ``features``.
    """
    train, test, fake = ref.train_images, ref.data.test.images, gen.images
    feats = ref.features["classifier"]
    flat = [x.reshape(len(x), -1) / 255.0 for x in (train, test, fake)]
    ct = _ct(feats.gan_train, feats.test, gen.features, ct_cells, ref.seed)
    ct_pixel = _ct(*flat, ct_cells, ref.seed)
    # requested classes, or the judge's for an unconditional generator
    classes = gen.labels if gen.labels is not None else gen.predictions
    by_class = {
        space: memorisation.per_class_memorisation(
            mem["fake_distances"],
            classes,
            mem["heldout_distances"],
            ref.data.test.labels,
            CLASS_NAMES,
        ).to_dict(orient="records")
        for space, mem in distances.items()
    }
    arrays = ("fake_distances", "fake_nearest", "heldout_distances")
    return {
        "memorization": {
            **{space: _drop_arrays(mem, arrays) for space, mem in distances.items()},
            "definition": (
                "median L2 distance of generated images to their nearest training image, "
                "divided by the same for held-out test images; << 1 suggests copying"
            ),
        },
        "data_copying": {**ct, "space": "classifier features"},
        "data_copying_pixel": {**ct_pixel, "space": "pixels (0-1)"},
        "memorization_by_class": {
            **by_class,
            "classes": "requested" if gen.labels is not None else "predicted by the classifier",
            "definition": (
                "per class: median nearest-training distance of generated over held-out images; "
                "shares closer than the 1st/5th percentile of all held-out distances; "
                "single-cell Z_U (Meehan et al. 2020)"
            ),
        },
    }


def inception_block(gen: Generated, ref: Reference) -> dict:
    """Held-out FID and KID in Inception features beside their floors, only with local weights."""
    status = ref.inception
    out = {"available": status["available"], "reason": status["reason"]}
    if not status["available"]:
        return out
    i_fake = metrics.inception_features(gen.images, status["path"])
    i_test = ref.features["inception"].test
    floor = ref.floors["inception"]
    fid = heldout.candidate_frechet(
        i_test, i_fake, floor["fid"]["n"], repeats=floor["fid"]["repeats"], seed=ref.seed
    )
    out.update(
        n=floor["fid"]["n"],
        fid=fid["mean"],
        fid_floor=floor["fid"]["floor"]["mean"],
        kid=metrics.kid(i_fake, i_test, subset_size=min(1000, ref.n_eff), seed=ref.seed),
        kid_floor=floor["kid"],
        weights=status["path"],
    )
    return out


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
    reference: Reference | None = None,
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
    reference : gan_study.reference.Reference, optional
        The real features and floors, from :func:`gan_study.reference.build_reference`
        with the same ``data``, ``clf``, ``train_images``, settings, ``seed`` and
        number of images; pass one to score several generators against it.
        Default: built here (and then ``train_images`` and
        ``inception_weights`` are used).

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
    gen = generated_sample(fake_images, fake_labels, data, clf, n=n)
    settings = {"fd_repeats": fd_repeats, "kid_subsets": kid_subsets}
    settings["diversity_pairs"] = diversity_pairs
    if reference is None:
        reference = build_reference(
            data,
            clf,
            n=len(gen.images),
            seed=seed,
            train_images=train_images,
            inception_weights=inception_weights,
            **settings,
        )
    reference.check(n=len(gen.images), seed=seed, extractor=clf.name, **settings)
    return compose(gen, reference, n=n, ct_cells=ct_cells)


def compose(gen: Generated, ref: Reference, *, n: int, ct_cells: int) -> dict:
    """The ``metrics.json`` dictionary of :func:`evaluate_images`, block by block."""
    train, test = ref.train_images, ref.data.test.images
    distances = {
        "pixel": metrics.memorization_distances(gen.images / 255.0, train / 255.0, test / 255.0),
        "features": metrics.memorization_distances(
            gen.features, ref.features["classifier"].gan_train, ref.features["classifier"].test
        ),
    }
    nearest = distances["pixel"]["fake_nearest"]
    pr, dc = neighbourhood_blocks(gen, ref)
    mem = memorisation_blocks(gen, ref, distances, ct_cells)
    pairs = metrics.closest_pairs(
        gen.images, train, n=8, nearest=(distances["pixel"]["fake_distances"], nearest)
    )
    result = {
        "schema": SCHEMA_VERSION,
        "n": int(n),
        "seed": int(ref.seed),
        "source": ref.data.source,
        "split": ref.data.split,
        "image_size": int(ref.data.image_size),
        "n_fake": int(len(gen.images)),
        "n_train": int(len(train)),
        "n_heldout": int(len(test)),
        "heldout": "test split (real images never used for training)",
        "feature_extractor": feature_extractor_block(gen, ref),
        "fd": fd_block(gen, ref),
        "fd_inf": fd_inf_block(gen, ref),
        "kid": kid_block(gen, ref),
        "precision_recall": pr,
        "density_coverage": dc,
        "class_agreement": class_agreement_block(gen, ref),
        "nearest_real": nearest_real_block(gen, ref, nearest),
        "diversity": diversity_block(gen, ref),
        **mem,
        "closest_pairs": pairs.to_dict(orient="records"),
        "rgb": {
            "fake": metrics.rgb_stats(gen.images, gen.labels, CLASS_NAMES).to_dict(
                orient="records"
            ),
            "real_train": ref.floors["rgb"],
        },
        "inception": inception_block(gen, ref),
        "notes": PROXY_NOTE,
    }
    unavailable: dict[str, str] = {}
    for name in ("data_copying", "data_copying_pixel"):
        if result[name].get("ct") is None:
            unavailable[f"{name}.ct"] = result[name].get("unavailable", "not computed")
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
    references: dict | None = None,
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
    n, seed : int, default 2000 and 0
    data_dir : path-like, optional
        Data root (default ``$GAN_STUDY_DATA_DIR``).
    ema : bool, default True
        Evaluate the EMA generator (``generator_ema.keras``).
    clf : gan_study.classifier.Classifier, optional
        The feature extractor and judge (e.g. one trained with the notebook's
        ``classifier_epochs``; default: :func:`load_or_train` with its defaults).
        A stored ``metrics.json`` is reused only for a classifier of the same name.
    references : dict, optional
        :class:`gan_study.reference.Reference` objects by what they were built
        for; the one this run needs is taken from it, or built and added. Pass
        one dict to the runs of a grid to share the real side (default: none).

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
    run_dir = Path(run_dir)
    config, data, gan_train = run_inputs(run_dir, data_dir)
    generator_name = "generator_ema.keras" if ema else "generator.keras"
    inputs = _run_key_inputs(run_dir, data, gan_train, clf, ema)
    params = {"schema": SCHEMA_VERSION, "n": n, "seed": seed, "generator": generator_name}
    key = store.cache_key(code=store.code_version(*CODE_MODULES), inputs=inputs, params=params)
    cached = _stored_metrics(run_dir, key)
    if cached is not None:
        return cached

    fake, labels = generated_images(run_dir, data, n=n, seed=seed, ema=ema)
    if clf is None:
        clf = classifier_mod.load_or_train(data, **classifier_mod.DEFAULT_PARAMS)
    subset = None if len(gan_train) == len(data.train.images) else gan_train
    reference = _shared_reference(references, inputs, data, clf, min(n, len(fake)), seed, subset)
    result = evaluate_images(
        fake, labels, data, clf, n=n, seed=seed, train_images=subset, reference=reference
    )
    result.update(run_dir=str(run_dir), model=config.model, conditional=labels is not None)
    result.update(generator=generator_name, cache_key=key)
    store.atomic_write_json(run_dir / METRICS_FILE, result)
    model_card.write_model_card(run_dir)  # now with the measured metrics
    return result


def _stored_metrics(run_dir: Path, key: str) -> dict | None:
    """The run's ``metrics.json`` if its ``cache_key`` is ``key`` (a missing model
    card is written again); ``None`` otherwise, also for a damaged file."""
    cached = read_cached(run_dir / METRICS_FILE, key)
    if cached is not None and not (run_dir / model_card.CARD_FILE).is_file():
        model_card.write_model_card(run_dir)
    return cached


def _run_key_inputs(run_dir: Path, data, gan_train: np.ndarray, clf, ema: bool) -> dict:
    """The inputs of a run's ``metrics.json`` key: generator file, extractor, real arrays."""
    from gan_study import training

    return {
        "generator": store.file_digest(training.generator_path(run_dir, ema=ema)),
        "feature_extractor": extractor_id(clf, data),
        "real": store.array_digest(
            data.train.images, data.train.labels, data.test.images, data.test.labels
        ),
        "gan_train": store.array_digest(gan_train),
    }


def _shared_reference(
    references: dict | None, inputs: dict, data, clf, n: int, seed: int, train_images
) -> Reference | None:
    """The reference of ``references`` for these inputs, built and added when missing;
    ``None`` without ``references`` (:func:`evaluate_images` then builds its own)."""
    if references is None:
        return None
    key = (inputs["feature_extractor"], inputs["real"], inputs["gan_train"], n, seed)
    if key not in references:
        references[key] = build_reference(data, clf, n=n, seed=seed, train_images=train_images)
    return references[key]


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
