"""The study's one distance protocol: every sample against held-out real images.

A generator is scored by how far its images are from real images it never
saw, the **test split**, never from its own training images: against those, a
generator that copies would look perfect. The real-versus-real **floor** is
defined on the same side: real images that are not held out (training
images) against the same held-out images. So a generated sample and the
floor differ only in what stands on the candidate side.

Both sides are resampled **disjointly**: the held-out images are split into
``repeats`` disjoint subsets of N, and so are the training images and every
candidate sample. Repeat ``r`` compares subset ``r`` of each with held-out
subset ``r``, so the spread over repeats comes from fresh images on both sides
(not from re-drawing 2,000 of the same 2,003 test images). N is therefore at
most a ``repeats``-th of the smallest sample: the chapters print it.

Chapters 4 and 5 and the learning curves use this protocol, under one name,
"held-out FD". References: FD, Heusel et al. (2017); the bias of FD at finite
N, Chong & Forsyth (2020).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping

import numpy as np

from gan_study import metrics

#: Disjoint repeats of the held-out protocol (3: N is a third of the smallest sample).
REPEATS = 3
#: What the protocol compares, in words, for tables and metrics.json.
DEFINITION = (
    "FD(candidate subset, held-out test subset), repeated over disjoint subsets of both; "
    "floor: FD(training subset, the same test subset)"
)


def sample_size(n: int, *sizes: int, repeats: int = REPEATS) -> int:
    """The N of the protocol: at most ``n``, and a ``repeats``-th of every sample.

    Parameters
    ----------
    n : int
        The candidate sample's size (e.g. the number of generated images).
    *sizes : int
        The sizes of the other samples (held-out and reference images).
    repeats : int
        Disjoint repeats.

    Raises
    ------
    ValueError
        When fewer than 2 images per subset remain.
    """
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or repeats < 1:
        raise ValueError(f"repeats must be a positive integer, got {repeats!r}")
    size = int(min(n, *sizes) // repeats)
    if size < 2:
        raise ValueError(
            f"the held-out protocol needs at least {2 * repeats} images in every sample "
            f"({repeats} disjoint subsets of 2 or more); got sizes {[n, *sizes]}"
        )
    return size


def disjoint_subsets(size: int, n: int, repeats: int, seed: int, name: str) -> np.ndarray:
    """``repeats`` disjoint random subsets of ``n`` indices into ``range(size)``.

    The draw depends only on ``size``, ``n``, ``repeats``, ``seed`` and the
    sample's ``name``, so the held-out and training subsets are the same
    for every generator scored with one seed.

    Returns
    -------
    ndarray of int, shape (repeats, n)
    """
    if n * repeats > size:
        raise ValueError(f"{repeats} disjoint subsets of {n} need {n * repeats} items, got {size}")
    rng = np.random.default_rng((int(seed), zlib.crc32(name.encode())))
    return rng.permutation(size)[: n * repeats].reshape(repeats, n)


def _summary(values: list[float]) -> dict:
    return {
        "mean": float(np.mean(values)),
        "std": float(np.std(values, ddof=1)) if len(values) > 1 else 0.0,
        "values": [float(v) for v in values],
    }


def heldout_frechet(
    heldout: np.ndarray,
    reference: np.ndarray,
    n: int,
    *,
    candidates: Mapping[str, np.ndarray] | None = None,
    aligned: Mapping[str, np.ndarray] | None = None,
    repeats: int = REPEATS,
    seed: int = 0,
) -> dict:
    """Fréchet distances to held-out real features, beside their floor.

    Parameters
    ----------
    heldout : ndarray, shape (H, d)
        Features of the held-out real images (the test split).
    reference : ndarray, shape (R, d)
        Features of real images that are not held out (the training split):
        the candidate of the floor.
    n : int
        Size of the candidate samples; N = :func:`sample_size` of ``n``, H
        and R.
    candidates : mapping of str to ndarray, optional
        Name -> features (at least ``repeats * N`` rows), e.g. generated
        images; each gets disjoint subsets of its own.
    aligned : mapping of str to ndarray, optional
        Name -> features with one row per row of ``reference`` (e.g. the
        same training images, corrupted); each repeat uses the floor's own
        training subset, so the difference from the floor is the
        transformation alone.
    repeats : int, default :data:`REPEATS`
    seed : int, default 0

    Returns
    -------
    dict
        ``n`` (N), ``repeats``, ``floor`` (``mean``, ``std``, ``values``) and
        ``candidates``: name -> ``mean``, ``std``, ``values`` (paired with the
        floor's values repeat by repeat).

    References
    ----------
    .. [1] Heusel, M. et al. (2017). GANs trained by a two time-scale update
       rule converge to a local Nash equilibrium. NeurIPS.
    .. [2] Chong, M. J. & Forsyth, D. (2020). Effectively unbiased FID and
       Inception score and where to find them. CVPR.
    """
    candidates = dict(candidates or {})
    aligned = dict(aligned or {})
    for name, feats in aligned.items():
        if len(feats) != len(reference):
            raise ValueError(
                f"aligned sample {name!r} has {len(feats)} rows, the reference {len(reference)}: "
                "it must hold one row per reference row"
            )
    size, held_idx, ref_idx = heldout_subsets(
        n, len(heldout), len(reference), repeats=repeats, seed=seed
    )
    for name, feats in candidates.items():
        if len(feats) < size * repeats:
            raise ValueError(
                f"candidate {name!r} has {len(feats)} rows; the protocol needs {size * repeats}"
            )
    held = [np.asarray(heldout)[i] for i in held_idx]
    floor = [metrics.frechet_distance(reference[i], h) for i, h in zip(ref_idx, held, strict=False)]
    out_candidates = {
        name: candidate_frechet(heldout, feats, size, name, repeats=repeats, seed=seed)
        for name, feats in candidates.items()
    }
    for name, feats in aligned.items():
        out_candidates[name] = _summary(
            [metrics.frechet_distance(feats[i], h) for i, h in zip(ref_idx, held, strict=False)]
        )
    return {
        "n": size,
        "repeats": int(repeats),
        "floor": _summary(floor),
        "candidates": out_candidates,
        "definition": DEFINITION,
    }


def heldout_subsets(n: int, n_heldout: int, n_reference: int, *, repeats=REPEATS, seed=0):
    """The subsets :func:`heldout_frechet` uses, for metrics computed beside it.

    Returns
    -------
    tuple
        ``(N, heldout_idx, reference_idx)``; the index arrays have shape (repeats, N).
    """
    size = sample_size(n, n_heldout, n_reference, repeats=repeats)
    return (
        size,
        disjoint_subsets(n_heldout, size, repeats, seed, "heldout"),
        disjoint_subsets(n_reference, size, repeats, seed, "reference"),
    )


def candidate_subsets(n_candidate: int, size: int, name: str, *, repeats=REPEATS, seed=0):
    """The disjoint subsets :func:`heldout_frechet` draws from the candidate ``name``."""
    return disjoint_subsets(n_candidate, size, repeats, seed, f"candidate:{name}")


def candidate_frechet(
    heldout: np.ndarray,
    candidate: np.ndarray,
    size: int,
    name: str = "generated",
    *,
    repeats: int = REPEATS,
    seed: int = 0,
) -> dict:
    """The FD of one candidate in :func:`heldout_frechet`, without computing the floor again.

    Parameters
    ----------
    heldout : ndarray, shape (H, d)
        Features of the held-out real images.
    candidate : ndarray, shape (M, d)
        The candidate's features (at least ``repeats * size`` rows).
    size : int
        N, the ``n`` of :func:`heldout_frechet`'s result (or of :func:`heldout_subsets`).
    name : str, default "generated"
        The candidate's name, which seeds its subsets.
    repeats, seed : int

    Returns
    -------
    dict
        ``mean``, ``std`` and ``values``, as under ``candidates[name]`` of
        :func:`heldout_frechet` with the same arguments.
    """
    if len(candidate) < size * repeats:
        raise ValueError(
            f"candidate {name!r} has {len(candidate)} rows; the protocol needs {size * repeats}"
        )
    held_idx = disjoint_subsets(len(heldout), size, repeats, seed, "heldout")
    idx = candidate_subsets(len(candidate), size, name, repeats=repeats, seed=seed)
    heldout = np.asarray(heldout)
    return _summary(
        [
            metrics.frechet_distance(candidate[i], heldout[h])
            for i, h in zip(idx, held_idx, strict=False)
        ]
    )
