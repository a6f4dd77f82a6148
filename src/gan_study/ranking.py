"""Can two GANs be ranked? Seed-paired differences with bootstrap confidence intervals.

A table of mean FDs ranks any two models, however small the gap. Whether the
gap is larger than what another training seed, other generated images or
other test images would give is a separate question, and the one a
"model A is better than model B" claim must answer. :func:`paired_fd_differences`
answers it with a two-level bootstrap (Efron & Tibshirani 1993): each
replicate resamples the training seeds (the same seeds for both models, so
the comparison stays paired by seed), and within each seed the generated
images of each model and the held-out test images (the same test images for
both models) with replacement; the difference of the two models' mean FDs
over the resampled seeds is one replicate. The percentile interval of the
replicates is the confidence interval; :func:`rank_statement` turns it into a
sentence that claims an order only when the interval excludes zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from gan_study import effects, metrics

#: Confidence level of the intervals (the study's one level, :data:`gan_study.effects.CONFIDENCE`).
CONFIDENCE = effects.CONFIDENCE


def paired_fd_differences(
    generated: Mapping[tuple[str, int], np.ndarray],
    heldout: np.ndarray,
    pairs: Sequence[tuple[str, str]],
    *,
    n: int,
    n_boot: int = 200,
    seed: int = 0,
) -> pd.DataFrame:
    """Bootstrap confidence intervals for FD(model a) - FD(model b), paired by seed.

    Parameters
    ----------
    generated : mapping of (model, seed) to ndarray, shape (M, d)
        Features of each run's generated images. Both models of a pair must
        have the same seeds.
    heldout : ndarray, shape (H, d)
        Features of the held-out real test images.
    pairs : sequence of (str, str)
        The model pairs to compare.
    n : int
        Images drawn per side and seed in each replicate (at most M and H).
    n_boot : int, default 200
        Bootstrap replicates.
    seed : int, default 0

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``a``, ``b``, ``difference`` (mean over seeds of
        FD(a) - FD(b), each FD on the first ``n`` images of each side),
        ``low`` and ``high`` (the :data:`CONFIDENCE` percentile interval),
        ``n_seeds``, ``n`` and ``n_boot``.

    References
    ----------
    .. [1] Efron, B. & Tibshirani, R. J. (1993). An Introduction to the
       Bootstrap. Chapman & Hall (percentile intervals; resampling in levels).
    """
    heldout = np.asarray(heldout)
    effects.check_n_boot(n_boot)
    rows = []
    for a, b in pairs:
        seeds = effects.paired_seeds(generated, a, b, "models", "generated features")
        size = int(min(n, len(heldout), *(len(generated[(m, s)]) for m in (a, b) for s in seeds)))
        if size < 2:
            raise ValueError(f"n must leave at least 2 images per side, got {size}")
        point = np.mean(
            [
                metrics.frechet_distance(generated[(a, s)][:size], heldout[:size])
                - metrics.frechet_distance(generated[(b, s)][:size], heldout[:size])
                for s in seeds
            ]
        )
        rng = np.random.default_rng((seed, len(rows)))
        replicates = []
        for _ in range(n_boot):
            diffs = []
            for s in rng.choice(seeds, len(seeds), replace=True):
                held = heldout[rng.integers(0, len(heldout), size)]
                fa, fb = generated[(a, s)], generated[(b, s)]
                diffs.append(
                    metrics.frechet_distance(fa[rng.integers(0, len(fa), size)], held)
                    - metrics.frechet_distance(fb[rng.integers(0, len(fb), size)], held)
                )
            replicates.append(np.mean(diffs))
        tail = (1 - CONFIDENCE) / 2 * 100
        low, high = np.percentile(replicates, [tail, 100 - tail])
        rows.append(
            {
                "a": a,
                "b": b,
                "difference": float(point),
                "low": float(low),
                "high": float(high),
                "n_seeds": len(seeds),
                "n": size,
                "n_boot": int(n_boot),
            }
        )
    return pd.DataFrame(rows)


def rank_statement(row: Mapping) -> str:
    """One sentence on a pair of :func:`paired_fd_differences`, claiming an order only
    when the interval excludes zero."""
    a, b = f"`{row['a']}`", f"`{row['b']}`"
    ci = (
        f"difference {row['difference']:.2f}, {CONFIDENCE:.0%} CI {row['low']:.2f} "
        f"to {row['high']:.2f}"
    )
    if row["high"] < 0:
        return f"{a} has a lower held-out FD than {b} ({ci})"
    if row["low"] > 0:
        return f"{a} has a higher held-out FD than {b} ({ci})"
    return f"{a} and {b} cannot be ranked: the interval covers zero ({ci})"
