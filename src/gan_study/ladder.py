"""The held-out FD of the corruption ladder: what a distance means, in blur and JPEG steps.

A GAN's Fréchet distance is read against known damage: the training images
blurred, compressed or noised (:data:`gan_study.corruptions.LADDER`) take the
generated images' place in the study's held-out protocol
(:func:`gan_study.heldout.heldout_frechet`). :func:`corruption_references`
computes every rung once per feature extractor and data (cached under
:func:`gan_study.store.cache_key`), and says whether each kind of corruption
scores monotonically above the real-versus-real floor, as a fit feature
space must.
"""

from __future__ import annotations

import os

from gan_study import corruptions, heldout, paths, reference, store
from gan_study.evaluation_inputs import CODE_MODULES, classifier_id, read_cached

#: File name of a cached :func:`corruption_references` result.
LADDER_FILE = "corruption_ladder-{key}.json"


def corruption_references(
    data,
    clf,
    *,
    n: int,
    seed: int,
    ladder=corruptions.LADDER,
    fd_repeats: int = heldout.REPEATS,
    cache_dir: str | os.PathLike | None = None,
) -> dict:
    """The held-out FD of corrupted real images: reference lines for the GANs' FD.

    Real training images, corrupted by each rung of ``ladder``
    (:func:`gan_study.corruptions.corrupt`), take the place of generated
    images in exactly the protocol of :func:`gan_study.evaluation.evaluate_images`: the same
    feature extractor, the same N, seed and held-out test subsets. Each rung
    corrupts the very training subsets of the floor, so its distance from
    the floor is the corruption alone. A generator with a lower FD is closer
    to the real images than real images so corrupted; a feature space fit
    for the purpose scores every rung above the floor, and a stronger rung of
    one kind above a milder one (``monotone``).

    Parameters
    ----------
    data : gan_study.data.LesionData
        The real data (``test`` the held-out side, ``train`` the images corrupted).
    clf : gan_study.classifier.Classifier
        The feature extractor.
    n, seed, fd_repeats
        As for :func:`gan_study.evaluation.evaluate_images` (use the same values to compare).
    ladder : sequence of (kind, level)
        Default :data:`gan_study.corruptions.LADDER`.
    cache_dir : path-like, optional
        Where the result is kept (default :func:`gan_study.paths.cache_dir`),
        as ``corruption_ladder-KEY.json``; KEY is a
        :func:`gan_study.store.cache_key` of the code of :data:`CODE_MODULES`,
        the feature extractor, the real arrays and the parameters, so a stored
        result is reused only when all of them are the same.

    Returns
    -------
    dict
        ``n``, ``seed``, ``repeats``, ``floor`` (``mean``, ``std``, ``values``),
        ``references``: one record per rung with ``kind``, ``level``,
        ``label``, ``mean``, ``std``, ``values``; ``monotone``: kind -> whether
        the floor and that kind's rungs increase strictly with the level
        (JPEG: with falling quality).
    """
    ladder = [(str(kind), float(level)) for kind, level in ladder]
    if not ladder:
        raise ValueError("ladder is empty: give at least one (kind, level) corruption")
    if n < 10:
        raise ValueError(f"n must be >= 10, got {n}")
    params = {"n": int(n), "seed": int(seed), "ladder": ladder, "repeats": int(fd_repeats)}
    key = _ladder_key(data, clf, params)
    path = paths.cache_dir(cache_dir) / LADDER_FILE.format(key=key[:16])
    cached = read_cached(path, key)
    if cached is not None:
        return cached
    real = reference.real_features(clf, data)
    n_eff = int(min(n, len(real.test), len(real.train)))
    labels = [corruptions.label(kind, level) for kind, level in ladder]
    aligned = {
        label: clf.features(corruptions.corrupt(data.train.images, kind, level, seed=seed))
        for label, (kind, level) in zip(labels, ladder, strict=False)
    }
    fd = heldout.heldout_frechet(
        real.test, real.train, n_eff, aligned=aligned, repeats=fd_repeats, seed=seed
    )
    references = [
        {"kind": kind, "level": level, "label": label, **fd["candidates"][label]}
        for label, (kind, level) in zip(labels, ladder, strict=False)
    ]
    out = {"n": fd["n"], "seed": int(seed), "repeats": fd["repeats"], "floor": fd["floor"]}
    out.update(references=references, monotone=_monotone(fd["floor"]["mean"], references))
    out["cache_key"] = key
    store.atomic_write_json(path, out)
    return out


def _ladder_key(data, clf, params: dict) -> str:
    """The cache key of a ladder: code, feature extractor, real arrays and ``params``."""
    return store.cache_key(
        code=store.code_version(*CODE_MODULES),
        inputs={
            "feature_extractor": classifier_id(clf),
            "real": store.array_digest(data.train.images, data.test.images),
        },
        params=params,
    )


def _monotone(floor: float, references: list[dict]) -> dict[str, bool]:
    """Kind -> whether the floor, then that kind's rungs by strength, increase strictly."""
    out = {}
    for kind in dict.fromkeys(r["kind"] for r in references):
        rungs = sorted(
            (r for r in references if r["kind"] == kind),
            key=lambda r: -r["level"] if kind == "jpeg" else r["level"],
        )
        values = [floor, *(r["mean"] for r in rungs)]
        out[kind] = bool(all(a < b for a, b in zip(values, values[1:], strict=False)))
    return out
