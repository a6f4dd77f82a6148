"""Memorisation class by class: where copying is likeliest, the rare classes.

A generator that copies tends to copy where it has seen few images: a GAN
asked for one of the 80 dermatofibromas of the training split has far fewer
images to draw from than one asked for a nevus. Averages over all generated
images hide that, so :func:`per_class_memorisation` repeats the study's
copying proxies within each class:

* the **distance ratio**: the median distance of the class's generated
  images to their nearest training image, over the same for the class's
  held-out test images (well below 1 suggests copying);
* the share of generated images **closer to a training image than the 1st
  and 5th percentile** of the held-out images' nearest-neighbour distances
  (of all classes, so the thresholds are stable): a generator that does not
  copy puts about 1 % and 5 % there, as the held-out images of the class
  itself do;
* the **single-cell** data-copying statistic ``Z_U`` of Meehan et al. (2020),
  i.e. C_T with one cell, computed within the class (strongly negative:
  copying).

Like every memorisation number of the study these are proxies: they can
reveal copying, not prove its absence, and are no privacy guarantee.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from gan_study.metrics import mann_whitney_z

#: Percentiles of the held-out nearest-neighbour distances used as "very close" thresholds.
PERCENTILES = (1, 5)
#: Fewest generated images of a class for its Z_U (the paper's tau of 20 per cell).
MIN_FAKE = 20


def per_class_memorisation(
    fake_distances: np.ndarray,
    fake_classes: np.ndarray,
    heldout_distances: np.ndarray,
    heldout_classes: np.ndarray,
    class_names: Sequence[str],
    *,
    percentiles: Sequence[float] = PERCENTILES,
    min_fake: int = MIN_FAKE,
) -> pd.DataFrame:
    """Copying proxies within each class.

    Parameters
    ----------
    fake_distances : ndarray, shape (M,)
        Distance of each generated image to its nearest training image.
    fake_classes : ndarray of int, shape (M,)
        Each generated image's class (requested from a conditional generator,
        or predicted by a classifier).
    heldout_distances : ndarray, shape (H,)
        Distance of each held-out real image to its nearest training image.
    heldout_classes : ndarray of int, shape (H,)
    class_names : sequence of str
    percentiles : sequence of float, default :data:`PERCENTILES`
    min_fake : int, default :data:`MIN_FAKE`
        Classes with fewer generated images get no ``z_u`` (``NaN``, with the
        reason in ``note``).

    Returns
    -------
    pandas.DataFrame
        One row per class: ``class``, ``n_fake``, ``n_heldout``,
        ``median_ratio``, for each percentile p ``fake_below_p{p}`` and
        ``heldout_below_p{p}`` (shares), ``z_u`` and ``note``.

    References
    ----------
    .. [1] Meehan, C., Chaudhuri, K. & Dasgupta, S. (2020). A non-parametric
       test to detect data-copying in generative models. AISTATS.
    """
    d_fake, d_held = np.asarray(fake_distances, float), np.asarray(heldout_distances, float)
    c_fake, c_held = np.asarray(fake_classes), np.asarray(heldout_classes)
    if d_fake.shape != c_fake.shape or d_held.shape != c_held.shape:
        raise ValueError("every distance needs its class: the arrays must have equal lengths")
    if d_held.size == 0:
        raise ValueError("no held-out distances: the thresholds need held-out images")
    thresholds = {p: float(np.percentile(d_held, p)) for p in percentiles}
    rows = []
    for c, name in enumerate(class_names):
        f, h = d_fake[c_fake == c], d_held[c_held == c]
        row = {"class": name, "n_fake": int(f.size), "n_heldout": int(h.size)}
        med_h = float(np.median(h)) if h.size else float("nan")
        row["median_ratio"] = float(np.median(f)) / med_h if f.size and med_h > 0 else np.nan
        for p, t in thresholds.items():
            row[f"fake_below_p{p:g}"] = float((f < t).mean()) if f.size else np.nan
            row[f"heldout_below_p{p:g}"] = float((h < t).mean()) if h.size else np.nan
        row["z_u"], row["note"] = np.nan, ""
        if f.size < min_fake or h.size == 0:
            row["note"] = (
                f"z_u needs >= {min_fake} generated and >= 1 held-out images of the class "
                f"(has {f.size} and {h.size})"
            )
        else:
            row["z_u"] = mann_whitney_z(f, h)
        rows.append(row)
    return pd.DataFrame(rows)
