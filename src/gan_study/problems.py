"""The problems of GAN training (the original report's Table I), as small measurements.

The report lists five problems: non-convergence, mode collapse, instability,
vanishing gradients and sensitivity to hyperparameters. Each function here measures
one of them on our data with the study's own models and trainer:

* :func:`discriminator_sharpening_probe` — vanishing gradients. With the generator
  frozen, a fresh discriminator is trained to tell its images from real ones; at
  regular steps the norm of the generator's gradient is measured under the original
  *minimax* (saturating) loss and under the *non-saturating* loss of Goodfellow et
  al. (2014). As the discriminator wins, the minimax gradient vanishes and the
  non-saturating one does not; this is the experiment of Arjovsky & Bottou (2017,
  Fig. 2) on skin-lesion images.
* :func:`gan_study.collapse.collapse_scores` — mode collapse, seen as generated
  images that look too alike (mean pairwise SSIM) and that cover too little of the
  real data (recall in the classifier's feature space, and its outlier-robust
  cousin, coverage), and as predicted classes that pile up on few diagnoses; it has
  a module of its own (:mod:`gan_study.collapse`), with the verdict that reads these
  signs against a reference run.
* :func:`oscillation_summary` — non-convergence and instability, seen in how much the
  losses and discriminator outputs keep moving late in training, and how much they
  differ from seed to seed.
* :func:`hyperparameter_configs` — hyperparameter sensitivity: one configuration per
  (learning rate, batch size) pair, each scored by the Fréchet distance.

:func:`chapter_configs` builds every GAN run of chapter 5 from the chapter's
parameters, in one place, so that the chapter and the list of a profile's runs
(:func:`gan_study.run_plan.profile_runs`) cannot disagree.

References
----------
.. [1] Goodfellow I. et al. "Generative adversarial nets." NeurIPS 2014.
.. [2] Arjovsky M., Bottou L. "Towards principled methods for training generative
   adversarial networks." ICLR 2017.
.. [3] Kynkäänniemi T. et al. "Improved precision and recall metric for assessing
   generative models." NeurIPS 2019.
.. [4] Naeem M. F. et al. "Reliable fidelity and diversity metrics for generative
   models." ICML 2020.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from gan_study import heldout
from gan_study.config import TrainConfig
from gan_study.data import to_float

GENERATOR_LOSSES = ("minimax", "nonsaturating")


# ----------------------------------------------------------- vanishing gradients
def _call(model, x, labels, conditional: bool, training: bool = False):
    return model([x, labels], training=training) if conditional else model(x, training=training)


def generator_gradient_norms(
    generator, discriminator, z, labels=None, *, conditional: bool = False
) -> dict[str, float]:
    """Global L2 norm of the generator's gradient under each generator loss.

    Both networks run with ``training=True``, as in the trainer's generator step
    (BatchNorm uses the statistics of the batch), and the losses are those of
    :func:`gan_study.losses.generator_loss`.

    Parameters
    ----------
    generator, discriminator : keras.Model
        The discriminator returns logits. Conditional models take ``[x, labels]``.
    z : array_like, shape (B, latent_dim)
        Latent codes (kept fixed so that both losses see the same images).
    labels : array_like of int, shape (B,), optional
        Class labels for conditional models.
    conditional : bool, default False
        Whether the models take labels.

    Returns
    -------
    dict
        ``{"minimax": float, "nonsaturating": float}``.
    """
    import tensorflow as tf

    from gan_study.losses import generator_loss

    z = tf.convert_to_tensor(z, tf.float32)
    out = {}
    for kind in GENERATOR_LOSSES:
        with tf.GradientTape() as tape:
            fake = _call(generator, z, labels, conditional, training=True)
            d_fake = _call(discriminator, fake, labels, conditional, training=True)
            loss = generator_loss(d_fake, kind, "logit")
        grads = tape.gradient(loss, generator.trainable_variables)
        out[kind] = float(tf.linalg.global_norm([g for g in grads if g is not None]).numpy())
    return out


def discriminator_sharpening_probe(
    generator,
    discriminator,
    real_images: np.ndarray,
    real_labels: np.ndarray | None = None,
    *,
    latent_dim: int,
    conditional: bool = False,
    steps: int = 200,
    probe_every: int = 20,
    batch_size: int = 64,
    probe_size: int = 64,
    lr: float = 2e-4,
    seed: int = 0,
) -> pd.DataFrame:
    """Train a discriminator against a frozen generator and watch the generator's gradient.

    Parameters
    ----------
    generator : keras.Model
        The generator to probe; a copy is used, so neither its weights nor its
        BatchNorm statistics change.
    discriminator : keras.Model
        A freshly built discriminator that returns logits; it is trained in place.
    real_images : numpy.ndarray, uint8, shape (N, S, S, 3)
        Real training images.
    real_labels : numpy.ndarray of int, optional
        Their labels (conditional models only; fake images get the same labels).
    latent_dim : int
        Size of the latent code.
    conditional : bool, default False
        Whether the models take labels.
    steps : int, default 200
        Discriminator updates.
    probe_every : int, default 20
        Measure every this many updates (and before the first).
    batch_size : int, default 64
        Discriminator batch size (half real, half generated per update: ``batch_size`` each).
    probe_size : int, default 64
        Fixed latent codes used for every measurement.
    lr : float, default 2e-4
        Adam learning rate of the discriminator (beta_1 = 0.5).
    seed : int, default 0
        Seed of the batches, latent codes and TensorFlow.

    Returns
    -------
    pandas.DataFrame
        One row per measurement: ``step``, ``d_real`` and ``d_fake`` (mean
        ``sigmoid`` output on real and on generated images), ``d_accuracy`` (share
        classified correctly at threshold 0.5) and ``grad_norm_minimax``,
        ``grad_norm_nonsaturating``.
    """
    import keras
    import tensorflow as tf

    if steps < 1 or probe_every < 1:
        raise ValueError("steps and probe_every must be positive")
    if conditional and real_labels is None:
        raise ValueError("a conditional model needs real_labels")
    rng = np.random.default_rng(seed)
    tf.random.set_seed(seed)
    frozen = keras.models.clone_model(generator)
    frozen.set_weights(generator.get_weights())
    generator = frozen
    opt = keras.optimizers.Adam(learning_rate=lr, beta_1=0.5)
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    n = len(real_images)
    z_probe = rng.standard_normal((probe_size, latent_dim)).astype(np.float32)
    probe_idx = rng.choice(n, min(probe_size, n), replace=False)
    y_probe = None
    if conditional:
        y_probe = np.asarray(real_labels)[rng.choice(n, probe_size)].astype(np.int32)
    x_probe = to_float(real_images[probe_idx])
    y_probe_real = np.asarray(real_labels)[probe_idx].astype(np.int32) if conditional else None

    from gan_study.losses import generator_loss

    g_vars = generator.trainable_variables

    def inputs(x, y):
        return [x, y] if conditional else x

    @tf.function
    def measure_fn(z, y_fake, x, y_real):
        with tf.GradientTape(persistent=True) as tape:
            fake = generator(inputs(z, y_fake), training=True)
            logit_fake = discriminator(inputs(fake, y_fake), training=True)
            l_mm = generator_loss(logit_fake, "minimax", "logit")
            l_ns = generator_loss(logit_fake, "nonsaturating", "logit")
        n_mm = tf.linalg.global_norm(tape.gradient(l_mm, g_vars))
        n_ns = tf.linalg.global_norm(tape.gradient(l_ns, g_vars))
        del tape
        d_fake = tf.sigmoid(tf.reshape(logit_fake, [-1]))
        d_real = tf.sigmoid(tf.reshape(discriminator(inputs(x, y_real), training=True), [-1]))
        correct = tf.reduce_sum(tf.cast(d_real > 0.5, tf.float32)) + tf.reduce_sum(
            tf.cast(d_fake < 0.5, tf.float32)
        )
        total = tf.cast(tf.size(d_real) + tf.size(d_fake), tf.float32)
        return tf.reduce_mean(d_real), tf.reduce_mean(d_fake), correct / total, n_mm, n_ns

    @tf.function
    def d_step(x, y, z):
        fake = generator(inputs(z, y), training=True)
        with tf.GradientTape() as tape:
            lr_ = discriminator(inputs(x, y), training=True)
            lf_ = discriminator(inputs(fake, y), training=True)
            loss = bce(tf.ones_like(lr_), lr_) + bce(tf.zeros_like(lf_), lf_)
        grads = tape.gradient(loss, discriminator.trainable_variables)
        opt.apply_gradients(zip(grads, discriminator.trainable_variables, strict=True))

    def measure(step: int) -> dict:
        d_real, d_fake, acc, n_mm, n_ns = (
            float(v) for v in measure_fn(z_probe, y_probe, x_probe, y_probe_real)
        )
        return {
            "step": step,
            "d_real": d_real,
            "d_fake": d_fake,
            "d_accuracy": acc,
            "grad_norm_minimax": n_mm,
            "grad_norm_nonsaturating": n_ns,
        }

    rows = [measure(0)]
    for step in range(1, steps + 1):
        idx = rng.integers(0, n, batch_size)
        x = to_float(real_images[idx])
        y = np.asarray(real_labels)[idx].astype(np.int32) if conditional else None
        z = rng.standard_normal((batch_size, latent_dim)).astype(np.float32)
        d_step(x, y, z)
        if step % probe_every == 0 or step == steps:
            rows.append(measure(step))
    return pd.DataFrame(rows)


def probe_table(probes: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The last measurement of each probe, as chapter 5 shows it.

    Parameters
    ----------
    probes : mapping of str to pandas.DataFrame
        Generator name -> :func:`discriminator_sharpening_probe`'s measurements.

    Returns
    -------
    pandas.DataFrame
        One row per probe, in the mapping's order, of formatted text:
        ``generator``, ``D accuracy`` (a percentage), ``mean D(G(z))`` and the
        two gradient norms ``‖∇‖ minimax`` and ``‖∇‖ non-saturating`` (three
        significant digits).
    """
    last = {name: p.iloc[-1] for name, p in probes.items()}
    return pd.DataFrame(
        {
            "generator": list(last),
            "D accuracy": [f"{r.d_accuracy:.1%}" for r in last.values()],
            "mean D(G(z))": [f"{r.d_fake:.3g}" for r in last.values()],
            "‖∇‖ minimax": [f"{r.grad_norm_minimax:.3g}" for r in last.values()],
            "‖∇‖ non-saturating": [f"{r.grad_norm_nonsaturating:.3g}" for r in last.values()],
        }
    )


# ------------------------------------------------- non-convergence / instability
def oscillation_summary(
    histories: dict[int, pd.DataFrame],
    columns: Sequence[str],
    *,
    last_fraction: float = 0.5,
) -> pd.DataFrame:
    """How much each logged quantity still moves late in training, per seed.

    Parameters
    ----------
    histories : dict
        ``{seed: history}``; each history has one row per logged point (in order)
        and the given columns.
    columns : sequence of str
        Quantities to summarise (e.g. discriminator loss, mean ``D(G(z))``).
    last_fraction : float, default 0.5
        Share of the logged points, at the end, that counts as "late".

    Returns
    -------
    pandas.DataFrame
        One row per (seed, column): ``final`` (last value), ``late_std`` (standard
        deviation over the late points), ``late_mean_abs_change`` (mean absolute
        change between consecutive late points) and ``late_trend`` (least-squares
        slope per logged point over the late window). A converged quantity has a
        small spread and change; an oscillating one keeps a large change with
        little trend.

    Raises
    ------
    ValueError
        If a column is missing or a history has fewer than two late points.
    """
    if not 0 < last_fraction <= 1:
        raise ValueError(f"last_fraction must be in (0, 1], got {last_fraction}")
    rows = []
    for seed, hist in histories.items():
        for col in columns:
            if col not in hist.columns:
                raise ValueError(
                    f"history of seed {seed} has no column {col!r}; it has {list(hist.columns)}"
                )
            values = hist[col].to_numpy(dtype=np.float64)
            k = max(int(np.ceil(len(values) * last_fraction)), 2)
            late = values[-k:]
            if len(late) < 2:
                raise ValueError(
                    f"history of seed {seed} has {len(values)} points; need at least 2"
                )
            slope = float(np.polyfit(np.arange(len(late)), late, 1)[0])
            rows.append(
                {
                    "seed": seed,
                    "column": col,
                    "final": float(values[-1]),
                    "late_std": float(late.std(ddof=1)),
                    "late_mean_abs_change": float(np.mean(np.abs(np.diff(late)))),
                    "late_trend": slope,
                }
            )
    return pd.DataFrame(rows)


def across_seed_spread(histories: dict[int, pd.DataFrame], column: str) -> pd.DataFrame:
    """Mean, minimum and maximum of a column over seeds at each logged point.

    Returns
    -------
    pandas.DataFrame
        Indexed by logged point (row position, cut to the shortest history) with
        ``mean``, ``min``, ``max`` and ``range``.
    """
    if not histories:
        raise ValueError("across_seed_spread needs at least one history")
    n = min(len(h) for h in histories.values())
    stack = np.stack([h[column].to_numpy(dtype=np.float64)[:n] for h in histories.values()])
    return pd.DataFrame(
        {
            "mean": stack.mean(axis=0),
            "min": stack.min(axis=0),
            "max": stack.max(axis=0),
            "range": stack.max(axis=0) - stack.min(axis=0),
        }
    )


# ------------------------------------------------- hyperparameter sensitivity
def hyperparameter_configs(
    base, learning_rates: Iterable[float], batch_sizes: Iterable[int]
) -> list:
    """One configuration per (learning rate, batch size), all else equal to ``base``.

    The learning rate is set for both networks (``lr_g = lr_d = lr``).

    Parameters
    ----------
    base : gan_study.config.TrainConfig
        The configuration to vary.
    learning_rates : iterable of float
    batch_sizes : iterable of int

    Returns
    -------
    list of TrainConfig
        In row-major order: learning rates outer, batch sizes inner. Each is validated.
    """
    out = []
    for lr in learning_rates:
        for bs in batch_sizes:
            cfg = dataclasses.replace(base, lr_g=float(lr), lr_d=float(lr), batch_size=int(bs))
            cfg.validate()
            out.append(cfg)
    return out


def grid_heldout_fd(run_dirs: dict, data, classifier, *, n: int, seed: int = 0) -> dict:
    """The held-out FD of every run of a hyper-parameter grid, beside its floor.

    Each run's EMA generator draws ``n`` images with ``seed``; they are scored
    with the study's held-out protocol (:func:`gan_study.heldout.heldout_frechet`:
    against disjoint subsets of the real test images, the floor putting
    training images in their place), the protocol of chapter 4.

    Parameters
    ----------
    run_dirs : dict
        Grid cell (for example ``(learning_rate, batch_size)``) -> finished run directory.
    data : gan_study.data.LesionData
        The real data the runs were trained on.
    classifier : gan_study.classifier.Classifier
        The feature extractor.
    n : int
        Generated images per run.
    seed : int, default 0

    Returns
    -------
    dict
        ``fd`` (pandas.Series: cell -> mean FD over the repeats), ``floor``
        (``mean``, ``std``, ``values``) and ``n`` (N per subset).
    """
    from gan_study import training

    generated = {
        str(key): classifier.features(
            training.generate(training.load_generator(run_dir), n, seed=seed)
        )
        for key, run_dir in run_dirs.items()
    }
    out = heldout.heldout_frechet(
        classifier.features(data.test.images),
        classifier.features(data.train.images),
        n,
        candidates=generated,
        seed=seed,
    )
    fd = pd.Series({key: out["candidates"][str(key)]["mean"] for key in run_dirs})
    return {"fd": fd, "floor": out["floor"], "n": out["n"]}


# ------------------------------------------------------- the chapter's runs
@dataclasses.dataclass(frozen=True)
class ChapterConfigs:
    """Every GAN run chapter 5 trains, by experiment (:func:`chapter_configs`).

    Parameters
    ----------
    reference : gan_study.config.TrainConfig
        The DCGAN every experiment starts from (non-saturating loss).
    minimax : gan_study.config.TrainConfig
        The reference with the minimax generator loss (vanishing gradients).
    collapse : dict
        Row label -> configuration of the mode-collapse runs, the reference
        trained longer first, then the three provoking runs.
    seeds : dict
        Seed -> the reference trained with that seed (non-convergence).
    grid : dict
        ``(learning rate, batch size)`` -> configuration of the sensitivity grid
        (:func:`hyperparameter_configs`).
    """

    reference: TrainConfig
    minimax: TrainConfig
    collapse: dict[str, TrainConfig]
    seeds: dict[int, TrainConfig]
    grid: dict[tuple[float, int], TrainConfig]

    def configs(self) -> list[TrainConfig]:
        """Every configuration in the order the chapter trains it (repeats included)."""
        return [
            self.reference,
            self.minimax,
            *self.collapse.values(),
            *self.seeds.values(),
            *self.grid.values(),
        ]


def chapter_configs(
    *,
    image_size: int,
    seed: int,
    seeds: Sequence[int],
    max_train_images: int | None,
    problem_epochs: int,
    batch_size: int,
    collapse_epochs: int,
    moderate_lr_g: float,
    collapse_lr_g: float,
    collapse_lr_d: float,
    strong_d_lr_d: float,
    grid_learning_rates: Iterable[float],
    grid_batch_sizes: Iterable[int],
) -> ChapterConfigs:
    """The runs of chapter 5's experiments, from the chapter's parameters.

    The chapter trains exactly these configurations, and
    :func:`gan_study.run_plan.profile_runs` lists them; the keyword names are
    those of the chapter's ``parameters`` cell.

    Parameters
    ----------
    image_size, seed, max_train_images, batch_size
        The reference run's :class:`~gan_study.config.TrainConfig` fields
        (a DCGAN with the paper's loss and optimiser).
    seeds : sequence of int
        Seeds of the non-convergence runs.
    problem_epochs : int
        Epochs of every run except the mode-collapse ones.
    collapse_epochs : int
        Epochs of the mode-collapse runs.
    moderate_lr_g, collapse_lr_g : float
        Generator learning rates of the two runs with a faster generator.
    collapse_lr_d : float
        Their discriminator learning rate.
    strong_d_lr_d : float
        Discriminator learning rate of the minimax run with a strong discriminator.
    grid_learning_rates, grid_batch_sizes : iterable
        Rows and columns of the sensitivity grid.

    Returns
    -------
    ChapterConfigs
    """
    base = TrainConfig(
        model="dcgan",
        epochs=problem_epochs,
        batch_size=batch_size,
        seed=seed,
        image_size=image_size,
        max_train_images=max_train_images,
    )
    longer = dataclasses.replace(base, epochs=collapse_epochs)
    collapse = {
        f"reference (lr_g = {base.resolved().lr_g:g})": longer,
        f"faster G (lr_g = {moderate_lr_g:g})": dataclasses.replace(
            longer, lr_g=moderate_lr_g, lr_d=collapse_lr_d
        ),
        f"much faster G (lr_g = {collapse_lr_g:g})": dataclasses.replace(
            longer, lr_g=collapse_lr_g, lr_d=collapse_lr_d
        ),
        f"minimax, strong D (lr_d = {strong_d_lr_d:g})": dataclasses.replace(
            longer, loss="minimax", lr_d=strong_d_lr_d
        ),
    }
    grid = hyperparameter_configs(base, grid_learning_rates, grid_batch_sizes)
    return ChapterConfigs(
        reference=base,
        minimax=dataclasses.replace(base, loss="minimax"),
        collapse=collapse,
        seeds={s: dataclasses.replace(base, seed=s) for s in seeds},
        grid={(c.lr_g, c.batch_size): c for c in grid},
    )
