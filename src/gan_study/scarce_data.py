"""Chapter 6's scarce-data curve: the arms at several shares of the real training images.

Where synthetic images help a classifier at all, the literature finds it when
real data are scarce (Sagers et al. 2023). The curve repeats chapter 6's
comparison at shares of the real training images (10 %, 25 % and 100 % in the
standard profile). At each share the arms see only that nested subset
(:func:`gan_study.data.take_subset`), and the GAN that tops them up is
**retrained on the same subset** (:func:`gan_study.augmentation.scarce_gan_config`),
so no arm ever draws on a real image it may not see. At the full share the
study's reference cDCGAN runs (one per GAN seed) serve as they are.

:func:`reference_configs` picks the study's runs the chapter uses;
:func:`shares` says, for every share, how many real images it holds and which
conditional runs top it up (the one place that decides it, so the chapter and
the list of a profile's runs, :func:`gan_study.run_plan.profile_runs`, agree);
:func:`generators` trains or reuses those runs and wraps them for
:func:`gan_study.augmentation.run_arms`; :func:`curve` runs every share and
returns the scores and, per share, the paired effect of the GAN top-up against
oversampling (:mod:`gan_study.effects`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from gan_study import augmentation, effects

if TYPE_CHECKING:
    from gan_study.config import RunGrid, TrainConfig

#: The comparison the curve is about: GAN top-up against oversampling the same classes.
HEADLINE = ("real_gan", "oversample")
#: The model of the study's runs whose generators top up the arms (conditional: it
#: draws images of a requested class).
GAN_MODEL = "cdcgan"


def reference_configs(grid: RunGrid) -> list[TrainConfig]:
    """The study's runs of :data:`GAN_MODEL`, one per GAN seed, in the grid's seed order.

    Parameters
    ----------
    grid : gan_study.config.RunGrid
        The study's reference runs (chapters 3 and 4 train them).
    """
    return [grid.config(GAN_MODEL, s) for s in grid.seeds]


@dataclasses.dataclass(frozen=True)
class Share:
    """One point of the curve (:func:`shares`).

    Parameters
    ----------
    fraction : float
        The share of the real training images.
    n_real : int
        Its number of real images.
    configs : tuple of gan_study.config.TrainConfig
        The conditional runs that top its arms up, one per GAN seed.
    full : bool
        Whether it is the full share (all arms) or a smaller one (the scarce arms).
    """

    fraction: float
    n_real: int
    configs: tuple[TrainConfig, ...]
    full: bool


def generators(configs: Sequence, *, data_dir=None) -> dict:
    """Train (or reuse) each conditional run: ``{gan_seed: (synthesize, generator_id)}``.

    A run that another process is training (chapter 4 trains the reference
    runs of the later seeds while this chapter runs) is waited for, then reused.

    Parameters
    ----------
    configs : sequence of gan_study.config.TrainConfig
        Conditional runs with distinct seeds.
    data_dir : path-like, optional
    """
    from gan_study import training

    out = {}
    for config in configs:
        run = training.train(config, data_dir=data_dir, progress=False, wait=True)
        sampler = training.class_sampler(training.load_generator(run))
        out[int(config.seed)] = (sampler, training.generator_id(run))
    return out


def subset_sizes(n_real: int, fractions: Sequence[float]) -> dict[float, int]:
    """Share -> number of real training images (at least 1), in the order given."""
    out = {}
    for f in fractions:
        if isinstance(f, bool) or not isinstance(f, (int, float)) or not 0 < f <= 1:
            raise ValueError(f"fractions must lie in (0, 1], got {f!r}")
        out[float(f)] = max(1, round(float(f) * n_real))
    return out


def shares(
    reference_configs: Sequence[TrainConfig],
    fractions: Sequence[float],
    *,
    scarce_gan_seeds: Sequence[int],
    n_train: int,
    max_train_images: int | None = None,
) -> list[Share]:
    """Every share of the curve with the runs that top it up, the smallest share first.

    The full share uses the reference runs as they are; a smaller share that
    still holds every image the reference runs saw uses the reference runs of
    ``scarce_gan_seeds``; a share below that retrains them on its own images
    (:func:`gan_study.augmentation.scarce_gan_config`).

    Parameters
    ----------
    reference_configs : sequence of gan_study.config.TrainConfig
        The study's conditional runs, one per GAN seed (:func:`reference_configs`).
    fractions : sequence of float
        Shares of the real training images in (0, 1].
    scarce_gan_seeds : sequence of int
        The GAN seeds retrained at each smaller share (a subset of the reference seeds).
    n_train : int
        Images of the training split (``len(data.train.labels)``).
    max_train_images : int, optional
        The real images of the full share (default: the whole training split).

    Returns
    -------
    list of Share
        Sorted by fraction (the order :func:`curve` trains them: by the full
        share, chapter 4 has trained the reference runs of the later seeds).

    Raises
    ------
    ValueError
        When a reference run saw real images outside the full share's, or a
        scarce seed is not a reference seed.
    """
    from gan_study.data import subset_index

    by_seed = {int(c.seed): c for c in reference_configs}
    unknown = sorted(set(map(int, scarce_gan_seeds)) - set(by_seed))
    if unknown:
        raise ValueError(f"scarce_gan_seeds {unknown} are not among the reference runs' seeds")
    n_real = len(subset_index(n_train, max_train_images))  # what take_subset keeps
    for config in reference_configs:
        seen = config.max_train_images or n_train
        if seen > n_real:
            raise ValueError(
                f"the reference run {config.run_name()} saw {seen} real training images, more "
                f"than the {n_real} the arms may use: lower gan_max_train_images or raise "
                "arm_max_train_images"
            )
    full_images = min(c.max_train_images or n_train for c in reference_configs)
    out = []
    for fraction, n in sorted(subset_sizes(n_real, fractions).items()):
        if n >= n_real:
            configs = list(reference_configs)
        elif n >= full_images:  # the reference runs saw no more than this share
            configs = [by_seed[int(s)] for s in scarce_gan_seeds]
        else:
            configs = [
                augmentation.scarce_gan_config(by_seed[int(s)], n, full_images)
                for s in scarce_gan_seeds
            ]
        out.append(Share(fraction, n, tuple(configs), full=n >= n_real))
    return out


def curve(
    data,
    reference_configs: Sequence,
    fractions: Sequence[float],
    *,
    arms: Sequence[str] = augmentation.ARMS,
    scarce_arms: Sequence[str],
    scarce_gan_seeds: Sequence[int],
    seeds: Sequence[int],
    classifier_epochs: int,
    topup_target: int,
    max_train_images: int | None = None,
    n_boot: int = 1000,
    margin: float,
    data_dir=None,
    class_names: Sequence[str],
    progress: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Every share's arms, and the GAN top-up against oversampling at each share.

    Parameters
    ----------
    data : gan_study.data.LesionData
    reference_configs : sequence of gan_study.config.TrainConfig
        The study's conditional runs, one per GAN seed (the full share's
        generators, and the base of the retrained ones).
    fractions : sequence of float
        Shares of the real training images in (0, 1].
    arms : sequence of str, default :data:`gan_study.augmentation.ARMS`
        The arms at the full share (default: every arm).
    scarce_arms : sequence of str
        The arms at smaller shares (they must include both arms of :data:`HEADLINE`).
    scarce_gan_seeds : sequence of int
        The GAN seeds retrained at each smaller share (a subset of the reference seeds).
    seeds, classifier_epochs, topup_target
        As for :func:`gan_study.augmentation.run_arms`.
    max_train_images : int, optional
        The real images of the full share (default: the whole training split).
    n_boot, margin
        As for :func:`gan_study.effects.paired_difference` and :func:`~gan_study.effects.verdict`.
    data_dir : path-like, optional
    class_names : sequence of str
    progress : bool, default False

    Returns
    -------
    results : pandas.DataFrame
        :func:`~gan_study.augmentation.run_arms`'s rows with ``fraction`` and ``n_real``.
    effect : pandas.DataFrame
        One row per share: ``fraction``, ``n_real``, the keys of
        :func:`~gan_study.effects.paired_difference`, ``outcome``, ``verdict`` and ``mde``.
    predictions : dict
        Share -> :func:`~gan_study.augmentation.run_arms`'s predictions.

    Raises
    ------
    ValueError
        When a reference run saw real images outside the full share's, a scarce
        seed is not a reference seed, or the headline arms are missing.
    """
    missing = [a for a in HEADLINE if a not in scarce_arms or a not in arms]
    if missing:
        raise ValueError(f"arms and scarce_arms must both include {', '.join(missing)}")
    planned = shares(
        reference_configs,
        fractions,
        scarce_gan_seeds=scarce_gan_seeds,
        n_train=len(data.train.labels),
        max_train_images=max_train_images,
    )
    frames, rows, predictions = [], [], {}
    for share in planned:
        fraction, n = share.fraction, share.n_real
        gans = generators(list(share.configs), data_dir=data_dir)
        results, preds = augmentation.run_arms(
            data,
            gans,
            arms=arms if share.full else scarce_arms,
            seeds=seeds,
            classifier_epochs=classifier_epochs,
            topup_target=topup_target,
            max_train_images=n,
            class_names=class_names,
            progress=progress,
        )
        frames.append(results.assign(fraction=fraction, n_real=n))
        predictions[fraction] = preds
        diff = effects.paired_difference(
            preds, *HEADLINE, num_classes=len(class_names), n_boot=n_boot, seed=0
        )
        judged = effects.verdict(diff, margin)
        rows.append(
            {
                "fraction": fraction,
                "n_real": n,
                **diff,
                "outcome": judged["outcome"],
                "verdict": judged["text"],
                "mde": judged["mde"],
            }
        )
    return pd.concat(frames, ignore_index=True), pd.DataFrame(rows), predictions


def effect_table(effect: pd.DataFrame) -> pd.DataFrame:
    """:func:`curve`'s effects as a table for the chapter: one row per share."""
    return pd.DataFrame(
        {
            "real images": [f"{n:,}" for n in effect["n_real"]],
            "top-up minus oversampling": [f"{d:+.3f}" for d in effect["difference"]],
            f"{effects.CONFIDENCE:.0%} CI": [
                f"{lo:+.3f} to {hi:+.3f}"
                for lo, hi in zip(effect["low"], effect["high"], strict=True)
            ],
            "smallest detectable effect": [f"{m:.3f}" for m in effect["mde"]],
            "verdict": effect["outcome"],
        }
    )


def literature_comparison(effect: pd.DataFrame) -> str:
    """How the curve's verdicts stand to Sagers et al. (2023) and Bissoto et al. (2021).

    Sagers et al. found synthetic images (from a far larger generator) to help
    most where real images are scarce; Bissoto et al.'s review found the gains
    of GAN augmentation small and fragile with ample data. The sentence says,
    from the verdicts, whether this study's curve agrees with each.
    """
    ordered = effect.sort_values("n_real")
    scarce, full = ordered.iloc[0], ordered.iloc[-1]
    if scarce["outcome"] == "helps":
        first = (
            f"With {scarce['n_real']:,} real images the top-up helps, as Sagers et al. "
            "found for scarce data"
        )
    elif scarce["outcome"] == "hurts":
        first = (
            f"With {scarce['n_real']:,} real images the top-up hurts, where Sagers et al. "
            "found the largest gains with scarce data, from a far larger generator"
        )
    else:
        first = (
            f"Even with {scarce['n_real']:,} real images the top-up shows no gain over "
            f"oversampling (verdict: {scarce['outcome']}), where Sagers et al. found the "
            "largest gains with scarce data, from a far larger generator"
        )
    if full["outcome"] == "helps":
        second = (
            f"with all {full['n_real']:,} it helps, more than Bissoto et al.'s review of "
            "GAN augmentation would lead one to expect"
        )
    elif full["outcome"] == "hurts":
        second = f"with all {full['n_real']:,} it hurts"
    else:
        second = (
            f"with all {full['n_real']:,} it shows no gain either ({full['outcome']}), in "
            "line with Bissoto et al.'s review, which found such gains small and fragile"
        )
    return f"{first}; {second}"
