# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The problems of Table I, measured
#
# The 2023 report lists, in its Table I, five problems met when training GANs:
# non-convergence, mode collapse, instability, vanishing gradients and
# sensitivity to hyperparameters {cite:p}`mukesh2023empowering`. It describes them
# in words and measures none of them. They are well known
# {cite:p}`goodfellow2016tutorial,salimans2016improved`, and each has a precise
# meaning that can be checked on our own data. This chapter does that, with one
# short, seeded experiment per row: the same DCGAN {cite:p}`radford2016dcgan` as
# in the training chapter, trained on a fixed subset of the lesion-disjoint
# training split so that each experiment takes minutes on a laptop CPU.
#
# Short runs on a subset do not make good generators, and they are not meant to:
# each experiment isolates one effect and compares two settings that differ in
# one thing. What a problem looks like after hours of training on a GPU is
# another question; the `full` profile of the book runs the same code longer.

# %% tags=["parameters"]
data_dir = None  # data root; None: $GAN_STUDY_DATA_DIR, else data/raw
image_size = 28  # side of the square images in pixels
seed = 0  # seed of the reference run, the probes and the evaluation samples
seeds = [0, 1, 2]  # seeds of the non-convergence runs
max_train_images = 1024  # every GAN run of this chapter trains on this many images
problem_epochs = 6  # epochs of every GAN run of this chapter
batch_size = 32  # batch size of the reference run
probe_steps = 200  # discriminator updates in the vanishing-gradient probe
probe_every = 20  # measure the generator gradient every this many updates
# 24 epochs (768 updates): after 6 epochs the reference run covered almost none
# of the test images (recall 0.002), so nothing could fall
collapse_epochs = 24  # epochs of the mode-collapse runs (recall needs a trained reference)
moderate_lr_g = 1e-3  # generator learning rate of the run that pushes gently towards collapse
collapse_lr_g = 5e-3  # generator learning rate of the run that pushes hard
collapse_lr_d = 2e-4  # its discriminator learning rate
strong_d_lr_d = 1e-3  # second provoking run: minimax loss, this discriminator learning rate
grid_learning_rates = [5e-5, 2e-4, 1e-3]  # rows of the sensitivity grid, the same for both networks
grid_batch_sizes = [32, 64]  # columns of the sensitivity grid
n_eval = 1000  # generated and real images per evaluation
classifier_epochs = 20  # epochs of the real-data classifier (its features score the runs)

# %%
import functools

import keras
import numpy as np
import pandas as pd

from gan_study import book, classifier, collapse, data, models, plots, problems, study, training

plots.set_style()
lesions = data.load(image_size=image_size, data_dir=data_dir)

# %%
planned = problems.chapter_configs(  # every GAN run of this chapter (`gan-study runs --list`)
    image_size=image_size,
    seed=seed,
    seeds=seeds,
    max_train_images=max_train_images,
    problem_epochs=problem_epochs,
    batch_size=batch_size,
    collapse_epochs=collapse_epochs,
    moderate_lr_g=moderate_lr_g,
    collapse_lr_g=collapse_lr_g,
    collapse_lr_d=collapse_lr_d,
    strong_d_lr_d=strong_d_lr_d,
    grid_learning_rates=grid_learning_rates,
    grid_batch_sizes=grid_batch_sizes,
)

# %%
# train (or reuse) a run of this chapter and return its directory
run = functools.partial(training.train, data_dir=data_dir, progress=False)
reference = run(planned.reference)
train_subset = data.take_subset(lesions.train.images, max_train_images)
book.glue_value("n_subset", len(train_subset), ",d")
book.glue_value("problem_epochs", problem_epochs)
book.glue_value("batch_size", batch_size)
book.glue_value("base_lr", planned.reference.resolved().lr_g, "g")
book.glue_value("n_classes", len(data.CLASS_NAMES), "d")

# %% [markdown]
# Every run in this chapter trains the DCGAN for {glue:text}`problem_epochs`
# epochs on the same {glue:text}`n_subset` training images (batch size
# {glue:text}`batch_size` unless the experiment varies it), with the
# non-saturating loss and Adam (learning rate {glue:text}`base_lr`, $\beta_1 = 0.5$) of the
# DCGAN paper unless the experiment changes them. Equal settings give the same
# run directory, so the runs are trained once and shared between the sections.
#
# ## Vanishing gradients
#
# In the original formulation of the game {cite:p}`goodfellow2014gan` the
# generator minimises $\log(1 - D(G(z)))$. When the discriminator rejects the
# generated images confidently, $D(G(z)) \to 0$ and this loss is flat: its
# gradient with respect to the discriminator's logit $\ell$ is
# $-\sigma(\ell)$, which vanishes as $\ell \to -\infty$. The *non-saturating*
# loss, $-\log D(G(z))$, has the gradient $-(1 - \sigma(\ell))$, which is largest
# exactly then. Arjovsky and Bottou {cite:p}`arjovsky2017principled` showed the
# effect by freezing a generator, training a discriminator against it and
# watching the generator's gradient. We repeat their experiment on skin lesions,
# for an untrained generator and for the generator of the reference run.


# %%
keras.utils.set_random_seed(seed)
untrained = models.build("dcgan", image_size=image_size)
settings = dict(latent_dim=untrained.latent_dim, steps=probe_steps, probe_every=probe_every)
probes = {}  # each probe trains a fresh discriminator against the frozen generator
for name, generator in [
    ("untrained generator", untrained.generator),
    (f"after {problem_epochs} epochs", training.load_generator(reference, ema=False)),
]:
    fresh = models.build("dcgan", image_size=image_size).discriminator
    probes[name] = problems.discriminator_sharpening_probe(
        generator, fresh, train_subset, seed=seed, **settings
    )
book.glue_figure("fig-problems-probe", plots.gradient_probe(probes))

# %%
trained = probes[f"after {problem_epochs} epochs"].iloc[-1]
book.glue_value("probe_steps", probe_steps)
book.glue_value("probe_d_fake", trained.d_fake, ".3f")
book.glue_value("probe_d_acc", trained.d_accuracy, ".1%")
book.glue_value(
    "probe_ratio",
    trained.grad_norm_nonsaturating / max(trained.grad_norm_minimax, 1e-30),
    ",.0f",
)
book.show_markdown(book.markdown_table(problems.probe_table(probes)))

# %% [markdown]
# ```{glue:figure} fig-problems-probe
# :alt: Two panels against discriminator updates. Left, the discriminator's mean output on real images rises towards one and on generated images falls towards zero. Right, on a log scale, the generator's gradient norm under the minimax loss falls by orders of magnitude while under the non-saturating loss it stays high or grows.
# :name: fig-problems-probe
#
# A discriminator trained against a frozen generator. Left: its mean output on
# real images, $D(x)$, and on generated images, $D(G(z))$. Right: the norm of the
# generator's gradient under the minimax loss (solid) and the non-saturating loss
# (dashed), on the same images. Line colours distinguish the two generators.
# ```
#
# After {glue:text}`probe_steps` updates the discriminator classifies
# {glue:text}`probe_d_acc` of the images correctly and gives the trained
# generator's images a mean $D(G(z))$ of {glue:text}`probe_d_fake`. By then the
# non-saturating gradient is {glue:text}`probe_ratio` times larger than the
# minimax gradient: a generator trained with the minimax loss would hardly move.
#
# Does this matter in an actual training run, where the discriminator is not
# trained to the end between generator steps? The next figure trains the same
# model twice, once with each loss, and follows the generator's gradient norm
# and the discriminator's outputs epoch by epoch.

# %%
minimax = run(planned.minimax)
runs_by_loss = {"non-saturating": reference, "minimax": minimax}
book.glue_figure(
    "fig-problems-loss-curves",
    plots.history_overlay(
        {k: training.load_steps(r) for k, r in runs_by_loss.items()},
        ["grad_norm_g", "d_real", "d_fake"],
    ),
)
curves = {k: training.load_history(r) for k, r in runs_by_loss.items()}
book.glue_value("mm_grad_last", curves["minimax"].grad_norm_g.iloc[-1], ".3g")
book.glue_value("ns_grad_last", curves["non-saturating"].grad_norm_g.iloc[-1], ".3g")
book.glue_value("mm_dfake_last", curves["minimax"].d_fake.iloc[-1], ".3f")
book.glue_value("ns_dfake_last", curves["non-saturating"].d_fake.iloc[-1], ".3f")

# %%
samples = np.concatenate(
    [training.generate(training.load_generator(r), 8, seed=seed) for r in (reference, minimax)]
)
book.glue_figure(
    "fig-problems-loss-samples",
    plots.image_grid(samples, 8, row_labels=["non-saturating", "minimax"]),
)

# %% [markdown]
# ```{glue:figure} fig-problems-loss-curves
# :alt: Three line charts against the training step comparing a run with the non-saturating loss and one with the minimax loss: the generator's gradient norm, the mean discriminator output on real images and on generated images.
# :name: fig-problems-loss-curves
#
# The same DCGAN, data and seed trained with the non-saturating and with the
# minimax generator loss: the generator's gradient norm and the
# discriminator's mean outputs at every update (faint) and as a centred moving
# average (solid).
# ```
#
# ```{glue:figure} fig-problems-loss-samples
# :alt: Two rows of eight small generated images, the top row from the non-saturating run and the bottom row from the minimax run.
# :name: fig-problems-loss-samples
#
# Images of the two runs after the last epoch (EMA generators, the same latent
# codes in each column).
# ```
#
# Averaged over the last epoch, the generator's gradient norm is {glue:text}`mm_grad_last`
# with the minimax loss and {glue:text}`ns_grad_last` with the non-saturating one;
# the discriminator's mean output on generated images is
# {glue:text}`mm_dfake_last` and {glue:text}`ns_dfake_last`. The curves, not these
# two numbers, carry the finding: read them for whether the minimax run's
# gradient shrinks while the discriminator wins.
#
# ## Mode collapse
#
# A collapsed generator maps many latent codes to a few images: it can fool the
# current discriminator with a narrow set of outputs
# {cite:p}`goodfellow2016tutorial,metz2017unrolled`. Three kinds of measurement
# make it visible without looking at pictures. The *mean pairwise SSIM* of
# generated images rises above that of real images when the images are too
# alike. *Recall* {cite:p}`kynkaanniemi2019improved` (the share of real images
# that fall inside the neighbourhood, in the classifier's feature space, of some
# generated image) and *coverage* {cite:p}`naeem2020reliable` (the share of real
# images whose own neighbourhood contains a generated image; a few outlying
# generated images cannot inflate it) fall when the generated images cover only
# part of the data. And the real-data classifier's predictions spread the
# generated images over the seven diagnoses, counted as an effective number of
# classes between one and {glue:text}`n_classes`.
#
# Recall and coverage can only fall if the reference run has some to lose. After
# the {glue:text}`problem_epochs` epochs of the other experiments the reference
# covers almost none of the test images, so the runs of this section train for
# {glue:text}`collapse_epochs` epochs ({glue:text}`collapse_updates`
# discriminator updates).
#
# We push towards collapse in two ways. Two runs give the generator a larger
# learning rate than the discriminator, {glue:text}`moderate_ratio` and
# {glue:text}`collapse_ratio` times as large ({glue:text}`moderate_lr_g` and
# {glue:text}`collapse_lr_g` against {glue:text}`collapse_lr_d`): each generator
# step then moves far towards whatever the current discriminator accepts, and
# the discriminator cannot catch up. The last run uses the minimax loss with a
# discriminator learning rate of {glue:text}`strong_d_lr_d`: a discriminator
# that wins early leaves the generator almost no gradient (the previous
# section), so it stays wherever it was when the discriminator won. All runs are
# judged by their raw generators, not the weight averages used elsewhere in the
# study: averaging can hide a generator that hops from one narrow set of images
# to another.

# %%
settings = {label: run(config) for label, config in planned.collapse.items()}
judge = classifier.load_or_train(lesions, seed=0, epochs=classifier_epochs)
pick = np.random.default_rng(seed).permutation(len(lesions.test.images))[:n_eval]
real_eval = lesions.test.images[np.sort(pick)]
scores = collapse.collapse_table(settings, real_eval, judge, seed=seed)
book.glue_figure("fig-problems-collapse", plots.collapse_comparison(scores))
book.show_markdown(book.markdown_table(scores.round(3), index=True))

# %%
ref = scores.iloc[0]
for key, row in zip(("ref", "mod", "prov", "strong"), scores.itertuples(), strict=True):
    book.glue_value(f"{key}_ssim", row.ssim_fake, ".3f")
    book.glue_value(f"{key}_recall", row.recall, ".3f")
    book.glue_value(f"{key}_coverage", row.coverage, ".3f")
    book.glue_value(f"{key}_classes", row.effective_classes, ".2f")
    book.glue_value(f"{key}_verdict", collapse.collapse_verdict(scores.loc[row.Index], ref).text)
book.glue_value("real_ssim", ref.ssim_real, ".3f")

# %%
book.glue_value("moderate_lr_g", moderate_lr_g, "g")
book.glue_value("moderate_ratio", moderate_lr_g / collapse_lr_d, "g")
book.glue_value("collapse_lr_g", collapse_lr_g, "g")
book.glue_value("collapse_lr_d", collapse_lr_d, "g")
book.glue_value("collapse_ratio", collapse_lr_g / collapse_lr_d, "g")
book.glue_value("strong_d_lr_d", strong_d_lr_d, "g")
book.glue_value("collapse_epochs", collapse_epochs)
for name, margin in collapse.COLLAPSE_MARGINS.items():
    book.glue_value(f"margin_{name}", margin, "g")
book.glue_value("collapse_updates", len(training.load_steps(settings[scores.index[0]])), ",d")

# %%
grid = np.concatenate(
    [
        training.generate(training.load_generator(r, ema=False), 16, seed=seed + 1)
        for r in settings.values()
    ]
)
book.glue_figure(
    "fig-problems-collapse-samples",
    plots.image_grid(grid, 16, row_labels=["reference", "faster G", "much faster G", "strong D"]),
)

# %% [markdown]
# ```{glue:figure} fig-problems-collapse-samples
# :alt: Four rows of sixteen generated images: the reference run, the runs with a faster and a much faster generator, and the minimax run with a strong discriminator.
# :name: fig-problems-collapse-samples
#
# Sixteen images from each run (raw generators, the same latent codes).
# ```
#
# ```{glue:figure} fig-problems-collapse
# :alt: Bar charts comparing the reference and the three provoked runs: mean pairwise SSIM of generated images next to the value for real images, precision, recall and coverage, and the effective number of predicted classes.
# :name: fig-problems-collapse
#
# Diversity and coverage of {glue:text}`n_eval_text` generated images against as
# many real test images. The dashed line is the mean pairwise SSIM of the real
# images: bars above it mean generated images that look more alike than real
# lesions do.
# ```
#
# Real test images have a mean pairwise SSIM of {glue:text}`real_ssim`. The
# reference run's images reach {glue:text}`ref_ssim`, with recall
# {glue:text}`ref_recall`, coverage {glue:text}`ref_coverage` and
# {glue:text}`ref_classes` effective classes.
#
# | run | mean pairwise SSIM | recall | coverage | effective classes | verdict |
# |---|---|---|---|---|---|
# | faster G | {glue:text}`mod_ssim` | {glue:text}`mod_recall` | {glue:text}`mod_coverage` | {glue:text}`mod_classes` | {glue:text}`mod_verdict` |
# | much faster G | {glue:text}`prov_ssim` | {glue:text}`prov_recall` | {glue:text}`prov_coverage` | {glue:text}`prov_classes` | {glue:text}`prov_verdict` |
# | minimax, strong D | {glue:text}`strong_ssim` | {glue:text}`strong_recall` | {glue:text}`strong_coverage` | {glue:text}`strong_classes` | {glue:text}`strong_verdict` |
#
# Collapse is rarely all or nothing {cite:p}`goodfellow2016tutorial`. A
# generator can drop part of the data, with lower recall and coverage and fewer
# classes, while each of its images still differs from the next; or it can map
# every latent code to almost the same output. The rows of samples show which
# kind each run is. An output that repeats in every column and does not look
# like a lesion is a generator stuck on one point that the discriminator once
# accepted, not a generator that has learnt one kind of lesion.
#
# The verdicts come from `collapse.collapse_verdict`. It counts a sign only when
# the difference from the reference exceeds a margin ({glue:text}`margin_ssim`
# in SSIM, {glue:text}`margin_coverage` in recall and coverage,
# {glue:text}`margin_classes` in the class count), and it leaves a sign untested
# when the reference has no room to show it, such as a recall already below the
# margin. A collapse needs every testable sign at once; one alone is not enough.
# Pixel noise, for instance, *lowers* the mean pairwise SSIM without adding any
# diversity a dermatologist would recognise, which is why recall and coverage,
# measured in the classifier's feature space, and the samples themselves must be
# read with it.
#
# ## Non-convergence and instability
#
# A GAN has no loss that goes down when the model gets better: the two losses
# measure a game, and gradient descent on a game need not settle
# {cite:p}`mescheder2018converge`. Here the reference setting is trained with
# several seeds and everything else fixed; the figure shows how the losses and
# the discriminator's outputs move from epoch to epoch, and the table how much
# they still move in the second half of training.

# %%
seed_runs = {s: run(config) for s, config in planned.seeds.items()}
histories = {s: training.load_history(r) for s, r in seed_runs.items()}
book.glue_figure(
    "fig-problems-seeds",
    plots.history_overlay(
        {f"seed {s}": training.load_steps(r) for s, r in seed_runs.items()},
        ["d_loss", "g_loss", "d_real", "d_fake"],
    ),
)

# %%
osc = problems.oscillation_summary(histories, ["d_loss", "g_loss", "d_fake"])
book.show_markdown(book.markdown_table(osc.round(4)))
final_g = osc[osc.column == "g_loss"].final
book.glue_value("n_seeds", len(seeds))
book.glue_value("g_loss_final_min", final_g.min(), ".3f")
book.glue_value("g_loss_final_max", final_g.max(), ".3f")
late_change = osc[osc.column == "g_loss"].late_mean_abs_change
late_trend = osc[osc.column == "g_loss"].late_trend.abs()
book.glue_value("g_change_median", late_change.median(), ".3f")
book.glue_value("g_trend_median", late_trend.median(), ".3f")

# %% [markdown]
# ```{glue:figure} fig-problems-seeds
# :alt: Four line charts against the training step, one line per seed: discriminator loss, generator loss, mean D(x) and mean D(G(z)).
# :name: fig-problems-seeds
#
# The reference setting trained with {glue:text}`n_seeds` seeds: losses and mean
# discriminator outputs at every update (faint) and as a centred moving average
# (solid). The numbers below use the per-epoch means.
# ```
#
# With only the seed changed, the generator loss ends between
# {glue:text}`g_loss_final_min` and {glue:text}`g_loss_final_max`. In the second
# half of training it still changes by {glue:text}`g_change_median` per epoch
# (median over seeds), against a drift of {glue:text}`g_trend_median` per epoch:
# when the change is much larger than the drift, the loss is moving without
# going anywhere. None of this says whether the images got better; that is what
# the evaluation chapter measures. A falling or flat generator loss is not a
# sign of convergence, and a rising one is not a sign of failure.
#
# ## Sensitivity to hyperparameters
#
# Lucic et al. {cite:p}`lucic2018equal` found that differences between GAN
# variants shrink once every variant gets the same search budget, while the
# spread *within* one variant across hyperparameters is large. The last
# experiment trains the reference model on a small grid of learning rates (the
# same for both networks) and batch sizes and scores each run by the held-out
# Fréchet distance {cite:p}`heusel2017gans` of chapter 4: generated against
# real test images in the feature space of the study's classifier. Lower is
# better; training images in place of the generated ones give the floor.

# %%
grid_runs = {key: run(config) for key, config in planned.grid.items()}
scored = problems.grid_heldout_fd(grid_runs, lesions, judge, n=n_eval, seed=seed)
fd, floor = scored["fd"], scored["floor"]
fd_table = fd.unstack()
fd_table.index.name, fd_table.columns.name = "learning rate", "batch size"
book.glue_value("fd_floor", study.format_mean_spread(floor["mean"], floor["std"], ".2g"))
book.glue_value("n_fd_grid", scored["n"], ",d")
book.glue_figure("fig-problems-grid", plots.metric_heatmap(fd_table, label="held-out FD"))
best, worst = fd.idxmin(), fd.idxmax()
book.glue_value("fd_best", fd.min(), ".1f")
book.glue_value("fd_worst", fd.max(), ".1f")
book.glue_value("fd_best_setting", f"learning rate {best[0]:g}, batch size {best[1]}")
book.glue_value("fd_worst_setting", f"learning rate {worst[0]:g}, batch size {worst[1]}")
book.glue_value("fd_ratio", fd.max() / fd.min(), ".1f")
book.glue_value("n_eval_text", len(real_eval), ",d")

# %% [markdown]
# ```{glue:figure} fig-problems-grid
# :alt: Heat map of the Fréchet distance for each combination of learning rate (rows) and batch size (columns), with the value written in each cell.
# :name: fig-problems-grid
#
# Held-out FD in the classifier's feature space (the protocol of chapter 4:
# {glue:text}`n_fd_grid` generated against as many real test images, averaged over
# disjoint subsets of both) after
# {glue:text}`problem_epochs` epochs, for each learning rate and batch size.
# Every cell is one seed; an epoch is a fixed number of images, so a smaller
# batch also means more updates.
# ```
#
# The best cell ({glue:text}`fd_best_setting`) reaches {glue:text}`fd_best`, the
# worst ({glue:text}`fd_worst_setting`) {glue:text}`fd_worst`: a factor of
# {glue:text}`fd_ratio` from two knobs the report does not mention. The floor,
# training images in place of the generated ones against the same test images,
# is {glue:text}`fd_floor` (mean ± s.d. over the disjoint subsets). A grid of one seed per cell cannot separate a
# hyperparameter's effect from seed-to-seed noise (see the previous section);
# the `full` profile adds seeds.
#
# ## What Table I looks like on our data
#
# | Table I row | measured here | where |
# |---|---|---|
# | Vanishing gradients | generator gradient norm under both losses, with the discriminator trained against a frozen generator and in training | {numref}`fig-problems-probe`, {numref}`fig-problems-loss-curves` |
# | Mode collapse | mean pairwise SSIM, recall, coverage and predicted-class spread of three provoked runs next to the reference | {numref}`fig-problems-collapse` |
# | Non-convergence, instability | losses and discriminator outputs over epochs and seeds | {numref}`fig-problems-seeds` |
# | Sensitivity to hyperparameters | Fréchet distance over a learning-rate by batch-size grid | {numref}`fig-problems-grid` |
