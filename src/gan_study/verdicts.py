"""The sentences the training and evaluation chapters may state, decided from their tables.

A chapter's prose claims only what its numbers support: whether a model was
still improving (:func:`curve_verdict`), where a distance lies on the
corruption ladder (:func:`ladder_verdict`) or against its floor
(:func:`floor_verdict`), which model is best (:func:`best_model_claim`, from
the seed-paired differences of :func:`fd_differences`), and whether a second
feature extractor agrees (:func:`ranking_agreement_text`). The small prose
helpers (:func:`format_mean_spread`, :func:`ordinals`, :func:`recipe_text`)
write the numbers the way every chapter does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from gan_study import heldout, metrics, ranking
from gan_study.config import RECIPE_FIELDS

#: The study's target for a conditional model: its balanced class agreement
#: at least this share of the classifier's balanced accuracy on real images.
AGREEMENT_TARGET = 0.9


def format_mean_spread(mean: float, spread: float, fmt: str = ".1f") -> str:
    """``"12.3 ± 0.4"``; ``"12.3 (a single value, no spread)"`` when the spread is NaN."""
    if spread is None or not math.isfinite(spread):
        return f"{mean:{fmt}} (a single value, no spread)"
    return f"{mean:{fmt}} ± {spread:{fmt}}"


def curve_verdict(curves: pd.DataFrame, model: str, column: str = "fd") -> dict:
    """Whether a model was still improving at the end of its learning curve.

    Compares the last two snapshots of ``model``, averaged over its seeds: the
    model counts as still improving when its mean ``column`` moved in the
    better direction (lower FD, higher agreement) by more than the seeds'
    spread, the larger sample standard deviation of the two snapshots. With a
    single seed there is no spread and any move in the better direction
    counts.

    Parameters
    ----------
    curves : pandas.DataFrame
        :func:`gan_study.grid.learning_curves`' table.
    model : str
    column : {"fd", "agreement"}

    Returns
    -------
    dict
        ``before`` and ``after`` (the two means), ``from_updates`` and
        ``to_updates`` (discriminator updates), ``change`` (``after /
        before - 1``), ``spread``, ``improving`` (bool) and ``text``, for
        example ``"still improving: from 1,752 to 2,628 updates its mean FD
        fell by 21% (5.1 to 4.0), more than the seeds' spread (0.3)"``.

    Raises
    ------
    ValueError
        An unknown column, or fewer than two snapshots of ``model``.
    """
    if column not in ("fd", "agreement"):
        raise ValueError(f"column must be 'fd' or 'agreement', got {column!r}")
    sub = curves[curves["model"] == model]
    if sub.empty:
        raise ValueError(f"no learning curve for {model!r}; models: {sorted(set(curves['model']))}")
    by = sub.groupby("d_updates")[column].agg(["mean", "std", "count"]).sort_index()
    if len(by) < 2:
        raise ValueError(
            f"{model!r} has {len(by)} snapshot(s); a verdict needs two (train with a smaller "
            "snapshot_every)"
        )
    (u0, r0), (u1, r1) = list(by.iloc[-2:].iterrows())
    before, after = float(r0["mean"]), float(r1["mean"])
    spread = float(np.nanmax([r0["std"], r1["std"]])) if r0["count"] > 1 else 0.0
    gain = before - after if column == "fd" else after - before
    improving = bool(np.isfinite(gain) and gain > spread)
    change = after / before - 1 if before else float("nan")
    name = "FD" if column == "fd" else "class agreement"
    verb = ("fell" if after < before else "rose") if after != before else "stayed"
    fmt = ".2f" if column == "agreement" else ".1f"
    text = (
        f"from {int(u0):,} to {int(u1):,} updates its mean {name} {verb} by "
        f"{abs(change):.0%} ({before:{fmt}} to {after:{fmt}})"
    )
    if spread:
        compare = "more" if abs(gain) > spread else "less"
        text += f", {compare} than the seeds' spread ({spread:{fmt}})"
    if improving:
        status = "still improving"
    elif np.isfinite(gain) and gain > 0:
        status = "no longer clearly improving"
    else:
        status = "not improving"
    text = f"{status}: {text}"
    return {
        "before": before,
        "after": after,
        "from_updates": int(u0),
        "to_updates": int(u1),
        "change": change,
        "spread": spread,
        "improving": improving,
        "text": text,
    }


def update_budget(runs: pd.DataFrame) -> str:
    """The discriminator updates per run of a grid, for the prose: ``"1,752"``, or a range.

    Parameters
    ----------
    runs : pandas.DataFrame
        :func:`gan_study.grid.train_grid`'s table (column ``d_updates``).
    """
    low, high = int(runs["d_updates"].min()), int(runs["d_updates"].max())
    return f"{low:,}" if low == high else f"{low:,} to {high:,}"


def ladder_verdict(value: float, references: Mapping[str, float]) -> str:
    """Where an FD lies among the FDs of corrupted real images, in words.

    Parameters
    ----------
    value : float
        A generator's held-out FD.
    references : mapping of str to float
        Corruption label (:func:`gan_study.corruptions.label`) -> held-out FD
        of real images so corrupted
        (:func:`gan_study.ladder.corruption_references`).

    Returns
    -------
    str
        For example ``"closer to the test images than real images with blur
        0.5 px"`` or ``"between real images with blur 0.5 px and with
        noise 0.05"``.
    """
    if not references:
        raise ValueError("references is empty: no corrupted reference to compare with")
    if not np.isfinite(value):
        return "not comparable (its FD is unavailable)"
    ordered = sorted(references.items(), key=lambda kv: kv[1])
    if value <= ordered[0][1]:
        return f"closer to the test images than real images with {ordered[0][0]}"
    for (low, f_low), (high, f_high) in zip(ordered, ordered[1:], strict=False):
        if f_low < value <= f_high:
            return f"between real images with {low} and with {high}"
    return f"further from the test images than real images with {ordered[-1][0]}"


def floor_verdict(value: float, floor: float, floor_spread: float) -> str:
    """Say in words where a metric value lies relative to its real-versus-real floor.

    For a lower-is-better distance: ``"within two standard deviations of the
    floor"``, ``"below the floor"``, ``"about 40 times the floor"`` or
    ``"3.2 above the floor"``.
    """
    if math.isfinite(floor_spread) and abs(value - floor) <= 2 * floor_spread:
        return "within two standard deviations of the floor"
    if value < floor:
        return "below the floor"
    if floor > 0 and value / floor >= 2:
        return f"about {value / floor:.0f} times the floor"
    return f"{value - floor:.1f} above the floor"


def flat_image_similarity(train_images: np.ndarray) -> dict:
    """SSIM and pixel accuracy of a flat image of the mean training colour to its nearest
    training image: what the report's metrics give an image with no lesion in it.

    Returns
    -------
    dict
        ``ssim_mean``, ``pixel_accuracy_mean`` and ``colour`` (the RGB value, 0-255).
    """
    train = np.asarray(train_images)
    colour = np.round(train.reshape(-1, 3).mean(axis=0)).astype(np.uint8)
    flat = np.broadcast_to(colour, (1, *train.shape[1:])).copy()
    near = metrics.nearest_real_similarity(flat, train)
    return {
        "ssim_mean": near["ssim_mean"],
        "pixel_accuracy_mean": near["pixel_accuracy_mean"],
        "colour": tuple(int(c) for c in colour),
    }


def ladder_monotone_text(ladder: Mapping) -> str:
    """Whether every kind of corruption scores monotonically, in words."""
    monotone = ladder["monotone"]
    broken = [kind for kind, ok in monotone.items() if not ok]
    if not broken:
        return (
            "every rung scores above the floor, and within each kind of corruption the "
            "stronger rung scores higher"
        )
    return (
        f"the ladder is not monotone for {', '.join(broken)}: in these features a stronger "
        "corruption of that kind does not always score further from the test images"
    )


def fd_differences(
    images: Mapping, data, clf, order: Sequence[str], *, n: int, n_boot: int, seed: int
) -> pd.DataFrame:
    """The best model against every other, paired by seed, with bootstrap intervals.

    Parameters
    ----------
    images : mapping
        :func:`gan_study.grid.generated_images`'s result.
    data, clf
        The real data and the feature extractor.
    order : sequence of str
        The models from the lowest mean held-out FD to the highest; the first
        is compared with each of the others, in this order.
    n, n_boot, seed
        Images per side, bootstrap replicates and seed of
        :func:`gan_study.ranking.paired_fd_differences`.

    Returns
    -------
    pandas.DataFrame
        Its rows, with a ``statement`` column (:func:`gan_study.ranking.rank_statement`).
    """
    features = {key: clf.features(value) for key, value in images.items()}
    pairs = [(order[0], other) for other in order[1:]]
    out = ranking.paired_fd_differences(
        features, clf.features(data.test.images), pairs, n=n, n_boot=n_boot, seed=seed
    )
    out["statement"] = [ranking.rank_statement(row) for row in out.to_dict(orient="records")]
    return out


def best_model_claim(differences: pd.DataFrame) -> str:
    """What may be said about the best model: an order only where every interval excludes 0."""
    if differences.empty:
        return "only one model was compared, so there is no ranking to claim"
    best = differences["a"].iloc[0]
    tied = list(differences.loc[differences["high"] >= 0, "b"])
    if not tied:
        return (
            f"`{best}` has the lowest held-out FD, and the paired intervals separate it "
            "from every other model"
        )
    return (
        f"`{best}` has the lowest mean held-out FD, but the paired intervals do not "
        f"separate it from {', '.join(f'`{m}`' for m in tied)}: at this budget and with "
        "these seeds the data cannot rank them"
    )


def second_extractor_ranking(
    images: Mapping, data, first, second, *, n: int, seed: int
) -> pd.DataFrame:
    """The models' mean held-out FD in two feature spaces, and their ranks in each.

    Parameters
    ----------
    images : mapping
        :func:`gan_study.grid.generated_images`'s result.
    data : gan_study.data.LesionData
    first, second : gan_study.classifier.Classifier
        The study's feature extractor and a second one (e.g. trained with
        another seed).
    n, seed : int
        As for :func:`gan_study.heldout.heldout_frechet`.

    Returns
    -------
    pandas.DataFrame
        Index: model; columns ``FD (first)``, ``FD (second)``, ``rank (first)``,
        ``rank (second)``.
    """
    columns = {}
    for name, clf in (("first", first), ("second", second)):
        out = heldout.heldout_frechet(
            clf.features(data.test.images),
            clf.features(data.train.images),
            n,
            candidates={f"{m}/{s}": clf.features(x) for (m, s), x in images.items()},
            seed=seed,
        )
        per_run = pd.Series({key: value["mean"] for key, value in out["candidates"].items()})
        columns[f"FD ({name})"] = per_run.groupby(per_run.index.str.split("/").str[0]).mean()
    table = pd.DataFrame(columns)
    for name in ("first", "second"):
        table[f"rank ({name})"] = table[f"FD ({name})"].rank(method="min").astype(int)
    table.index.name = "model"
    return table.sort_values("rank (first)")


def ranking_agreement_text(table: pd.DataFrame) -> str:
    """Whether :func:`second_extractor_ranking`'s two orders agree, in words."""
    if (table["rank (first)"] == table["rank (second)"]).all():
        return "the order of the models is the same in both feature spaces"
    moved = [
        m for m in table.index if table.loc[m, "rank (first)"] != table.loc[m, "rank (second)"]
    ]
    return (
        f"the order changes in the second feature space ({', '.join(f'`{m}`' for m in moved)} "
        "move), so the ranking depends on the feature extractor"
    )


def ordinals(numbers: Sequence[int]) -> str:
    """``(1, 5)`` -> ``"1st and 5th"``; for prose that names percentiles."""
    words = []
    for k in numbers:
        k = int(k)
        suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
        words.append(f"{k}{suffix}")
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def recipe_text(config) -> str:
    """The recipe options a run changes from their defaults, in words (``"none"`` if none).

    The EMA snapshots (``snapshot_every``) are left out: they record the run
    without changing it.
    """
    changed = [
        f"{name} {getattr(config, name)}"
        for name, default in RECIPE_FIELDS.items()
        if name != "snapshot_every" and getattr(config, name) != default
    ]
    return ", ".join(changed) or "none"
