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
# # Training four GANs on HAM10000
#
# The 2023 report trained one deep convolutional GAN on dermatoscopic images
# and showed a picture of its architecture (its Fig. 3), a diagram of the
# training loop (Fig. 4), the Keras code of the two networks (Fig. 8) and a
# grid of generated images (Fig. 9) {cite:p}`mukesh2023empowering`. It showed
# no loss curve, no training time and no setting beyond the code.
#
# This chapter trains four GANs on the same images with one trainer and shows
# everything the report left out:
#
# * **`seed_baseline`**: the report's own networks (Fig. 8), repaired so that
#   they can be trained at all;
# * **`dcgan`**: the DCGAN of {cite:t}`radford2016dcgan`, with its published
#   settings;
# * **`cdcgan`**: a class-conditional DCGAN {cite:p}`mirza2014cgan` with a
#   projection discriminator {cite:p}`miyato2018projection`, which can be asked
#   for a lesion of a given diagnosis;
# * **`wgan_gp`**: the DCGAN networks trained as a Wasserstein GAN with
#   gradient penalty {cite:p}`gulrajani2017wgangp`.
#
# For each model you will see the architecture drawn from the Keras model
# itself, a table of its layers, its source code, its training curves, how its
# samples change over the epochs, and its final samples. Chapter 4 measures
# them.
#
# ```{admonition} Reusing runs
# :class: tip
# Every run is stored in a *run directory* named after its full
# configuration. Running this chapter again with the same parameters reuses
# the finished runs and takes seconds; changing any parameter (say `gan_epochs`)
# trains new runs and leaves the old ones alone. An interrupted run resumes
# from its last checkpoint. The parameters whose names start with `gan_`
# (with `image_size`, `source` and `split`) define the study's reference runs
# for chapters 3, 4, 6 and 7 at once: `gan-study book -p gan_epochs 16`
# changes them in every one of those chapters.
# ```

# %% tags=["parameters"]
data_dir = None  # data root; None: $GAN_STUDY_DATA_DIR or data/raw
samples_per_class = 8  # generated images per class in the final figures
dpi = 110  # resolution of the figures
# The study's reference GAN runs, shared with chapters 4, 6 and 7
# (gan_study.profiles.SHARED; override them for every chapter at once):
gan_models = ["seed_baseline", "dcgan", "cdcgan", "wgan_gp"]  # each trained with every seed
gan_seeds = [0, 1]  # training seeds (chapter 3 shows the first seed's runs)
gan_epochs = 14  # passes over the training images
gan_batch_size = 32  # real images per discriminator update
image_size = 28  # image side in pixels (28, 32 or 64)
source = "ham10000"  # data source: ham10000 or dermamnist
split = "lesion"  # lesion-disjoint split (or dermamnist, the official one)
gan_max_train_images = None  # train on this many images only (None: all)
gan_snapshot_every = 2  # keep the EMA generator every this many epochs (0: never)
# other TrainConfig fields: for every model, or under a model's name for it alone
# ({}: each paper's defaults); the cDCGAN sees every class equally often
# and its generator's batch norms are class-conditional
gan_recipe = {"cdcgan": {"class_balance": 1.0, "conditional_bn": True}}

# %%
import numpy as np
import pandas as pd
from IPython.display import display
from myst_nb import glue

from gan_study import architecture, book, data, models, plots, problems, profiles, study, training
from gan_study.config import RunGrid

plots.set_style(dpi=dpi)

# %%
grid = RunGrid(
    models=gan_models,
    seeds=gan_seeds,
    epochs=gan_epochs,
    batch_size=gan_batch_size,
    image_size=image_size,
    source=source,
    split=split,
    max_train_images=gan_max_train_images,
    snapshot_every=gan_snapshot_every,
    recipe=gan_recipe,
)
MODELS, seed = grid.models, grid.seeds[0]  # this chapter trains the first seed's runs

# %% [markdown]
# ## The training images
#
# All four models learn from the training side of the lesion-disjoint split
# described in chapter 2: no lesion in it has an image in the validation or
# test side, so chapter 4 can check generated images against real images the
# GANs never saw. The GANs see {glue:text}`n_gan_train` training images of
# {glue:text}`image_px` pixels, scaled to $[-1, 1]$ to match the generators'
# `tanh` output, in batches of {glue:text}`batch_size` for
# {glue:text}`epochs` epochs.

# %%
lesions = data.load(source=source, split=split, image_size=image_size, data_dir=data_dir)
n_train = len(lesions.train.images)
n_gan_train = min(n_train, gan_max_train_images or n_train)
book.glue_value("n_gan_train", n_gan_train, ",d")
book.glue_value("image_px", f"{image_size} x {image_size}")
book.glue_value("batch_size", gan_batch_size, "d")
book.glue_value("epochs", gan_epochs, "d")
book.glue_value("seed", seed, "d")
gan_labels = data.take_subset(lesions.train.labels, gan_max_train_images)
for k, name in enumerate(data.CLASS_NAMES):
    book.glue_value(f"n_{name}_train", int((gan_labels == k).sum()), ",d")

# %% [markdown]
# ## Four models, one trainer
#
# The four models differ in their networks and in the defaults that their
# papers prescribe; the table lists those defaults as the trainer applies
# them. Everything else (data, epochs, batch size, seed, the exponential
# moving average of the generator weights that produces the final samples) is
# the same for all four, except what the recipe column lists. In the standard
# profile that is the conditional model, with two changes. First, it sees its
# real images class-balanced (`class_balance` $1$). Each epoch draws as
# many images as the training side holds, each class equally often (a
# dermatofibroma, one of {glue:text}`n_df_train`, as often as a nevus, one of
# {glue:text}`n_nv_train`), so that it learns the rare diagnoses it is asked
# for. With the plain shuffle its images carried their class clearly less
# often than real images do in chapter 4's test (the measurement is in
# `bench/class_balance.py` and the README). Second, its generator's batch
# norms are class-conditional (`conditional_bn`, described with the model
# below): with them its images were closer to the test images in both
# training seeds, and carried their class a little more often on average.
#
# The last column is the arithmetic: {glue:text}`arithmetic`. Keras's
# `mixed_bfloat16` policy (weights in `float32`, most products in `bfloat16`)
# makes a GAN update clearly faster on a CPU that computes in `bfloat16`
# natively, but on the machine that times the standard report it left the
# DCGAN's and the cDCGAN's distances to the test images worse than those of
# every `float32` seed after the same updates (the measurement is in
# `bench/precision_check.py` and the README), so the study does not use it.

# %%
configs = grid.configs(seeds=[seed])
book.glue_value("arithmetic", ", ".join(sorted({c.mixed_precision for c in configs})))
display(study.defaults_table(configs))

# %% [markdown]
# Training all four (or finding them already trained):

# %%
runs = study.train_grid(configs, data_dir=data_dir)
runs = runs.set_index("model")
for model, row in runs.iterrows():
    book.glue_value(f"train_minutes_{model}", row["train_seconds"] / 60, ".1f")
book.glue_value("train_device", study.run_device(runs.iloc[0]["run_dir"]))
display(runs[["seed", "d_updates", "g_updates", "train_seconds", "reused"]])

# %% [markdown]
# Training time, as recorded epoch by epoch in each run's `history.csv` when
# the run was trained (on {glue:text}`train_device`):
# {glue:text}`train_minutes_seed_baseline` minutes for `seed_baseline`,
# {glue:text}`train_minutes_dcgan` for `dcgan`, {glue:text}`train_minutes_cdcgan`
# for `cdcgan` and {glue:text}`train_minutes_wgan_gp` for `wgan_gp`. An epoch is
# one pass of the discriminator over the training images for every model;
# `wgan_gp` updates its generator only after every fifth critic update, and
# every critic update also computes the gradient penalty. On a machine shared
# with other work these times vary a lot from run to run.

# %%
gans = {name: models.from_config(grid.config(name, seed)) for name in MODELS}

baseline_d, dcgan_d = gans["seed_baseline"].discriminator, gans["dcgan"].discriminator
book.glue_value("baseline_dropout", architecture.layer_setting(baseline_d, "Dropout", "rate"), "g")
book.glue_value(
    "dcgan_slope", architecture.layer_setting(dcgan_d, "LeakyReLU", "negative_slope"), "g"
)
embedding = architecture.layer_setting(gans["cdcgan"].generator, "Embedding", "output_dim")
book.glue_value("cdcgan_embedding", embedding, "d")
book.glue_value("log_span", plots.LOG_SPAN, "d")

# %%
for name in MODELS:
    graphs = [
        architecture.layer_graph(gans[name].generator),
        architecture.layer_graph(gans[name].discriminator),
    ]
    fig = plots.architecture(graphs, titles=["generator", "discriminator"])
    book.glue_figure(f"fig-arch-{name}", fig)
    for part in ("generator", "discriminator"):
        n_params = getattr(gans[name], part).count_params()
        book.glue_value(f"params_{part}_{name}", n_params, ",d")

# %% [markdown]
# ## The report's GAN, repaired: `seed_baseline`
#
# The report's Fig. 8 builds a generator that turns
# {glue:text}`report_latent_dim` random numbers into a
# $7 \times 7 \times 128$ block, then doubles its size twice with transposed
# convolutions. Its last layer has **one** output channel, so it makes
# $28 \times 28 \times 1$ grey images. The discriminator it is chained to
# expects $32 \times 32 \times 3$ colour images. The two shapes do not match:
# Keras refuses to chain the two networks, so the code as printed cannot have
# produced the colour images of the report's Fig. 9. Building the two networks
# exactly as printed and chaining them, as the report's
# `keras.models.Sequential([generator, discriminator])` does, fails:

# %%
report_g, report_d = architecture.report_networks_as_printed()
report_error = architecture.chain_error(report_g, report_d)
book.glue_value("report_latent_dim", report_g.inputs[0].shape[-1], "d")
print(f"report's generator output: {report_g.output_shape}")
print(f"report's discriminator input: {report_d.input_shape}")
print(f"chaining them: {report_error}")
repaired = gans["seed_baseline"]
assert report_error is not None
assert architecture.chain_error(repaired.generator, repaired.discriminator) is None

# %% [markdown]
# `seed_baseline` keeps everything else of Fig. 8 (the layer sizes, the SELU
# and LeakyReLU activations, dropout {glue:text}`baseline_dropout`, the sigmoid output, binary
# cross-entropy and RMSprop with Keras' default settings) and makes both
# networks work on $S \times S \times 3$ images, $28 \times 28 \times 3$ at the
# report's size. The generator has {glue:text}`params_generator_seed_baseline`
# parameters, the discriminator {glue:text}`params_discriminator_seed_baseline`.
#
# ```{glue:figure} fig-arch-seed_baseline
# :alt: Two stacks of coloured blocks, one per layer, for the seed_baseline generator (input of 100 numbers, dense, reshape, batch norm, two transposed convolutions, tanh) and discriminator (two strided convolutions with LeakyReLU and dropout, flatten, dense, sigmoid); each block gives the layer type, its settings, output shape and parameter count.
# :name: fig-arch-seed_baseline
#
# The report's networks (its Fig. 8) with the output fixed to three colour
# channels, drawn from the Keras models. Each block is one layer: its type and
# settings (kernel size, stride `/2`, activation or rate), the shape of its
# output (without the batch axis) and its number of trainable and
# non-trainable parameters.
# ```
#
# The layer table and the code that builds the two networks, as the package
# defines them:

# %% tags=["hide-output"]
display(architecture.layer_table(gans["seed_baseline"].generator))

# %% tags=["hide-output"]
display(architecture.layer_table(gans["seed_baseline"].discriminator))

# %% tags=["hide-output"]
book.show_source(models.seed_baseline)

# %% [markdown]
# ## DCGAN: `dcgan`
#
# {cite:t}`radford2016dcgan` found a set of rules that made convolutional GANs
# train reliably: strided convolutions instead of pooling, batch normalisation
# in both networks (except the generator's output and the discriminator's
# input), ReLU in the generator and LeakyReLU (slope {glue:text}`dcgan_slope`) in the
# discriminator, no fully connected hidden layers, weights drawn from
# $\mathcal{N}(0, 0.02)$, and Adam with learning rate $2 \cdot 10^{-4}$ and
# $\beta_1 = 0.5$. `dcgan` follows them at our small image size; its
# discriminator returns an unbounded logit and the loss is computed from it,
# which is numerically safer than taking the logarithm of a sigmoid output.
# The generator is wider than the report's: {glue:text}`params_generator_dcgan`
# parameters, against {glue:text}`params_discriminator_dcgan` in the
# discriminator.
#
# ```{glue:figure} fig-arch-dcgan
# :alt: Layer blocks of the DCGAN generator (dense projection, reshape, batch norm and ReLU, then strided transposed convolutions to a tanh RGB image) and discriminator (strided convolutions with LeakyReLU and batch norm, flatten, one dense logit).
# :name: fig-arch-dcgan
#
# The DCGAN of {cite:t}`radford2016dcgan` at {glue:text}`image_px` pixels, drawn
# from the Keras models (block contents as in {numref}`fig-arch-seed_baseline`).
# ```

# %% tags=["hide-output"]
display(architecture.layer_table(gans["dcgan"].generator))

# %% tags=["hide-output"]
book.show_source(models.dcgan)

# %% [markdown]
# ## Conditional DCGAN: `cdcgan`
#
# A conditional GAN gives both networks the class label
# {cite:p}`mirza2014cgan`, so the generator can be asked for "a melanoma" or
# "a vascular lesion". In `cdcgan` the generator concatenates a learned
# embedding of the label ({glue:text}`cdcgan_embedding` numbers) with the random
# code. With `conditional_bn` (the study's recipe) the label also sets the
# scale and shift of every batch norm of the generator, a learned pair per
# class and channel {cite:p}`devries2017modulating`, as in the generator that
# {cite:t}`miyato2018projection` pair with their discriminator; so the class
# reaches every layer, not only the first. The discriminator is
# a *projection discriminator* {cite:p}`miyato2018projection`: its logit is an
# unconditional term plus the inner product of the image features with a
# learned embedding of the label. That adds few weights and gives rare
# classes a direct gradient signal: the GANs' training images include only
# {glue:text}`n_df_train` dermatofibromas (`df`) and {glue:text}`n_vasc_train`
# vascular lesions (`vasc`).
#
# ```{glue:figure} fig-arch-cdcgan
# :alt: Layer blocks of the conditional generator, where a label input passes through an embedding and is concatenated with the random code before the DCGAN generator body, whose batch norms also take the label, and of the projection discriminator, where the convolutional features feed both a dense logit and a projection with the label embedding, added at the end.
# :name: fig-arch-cdcgan
#
# The class-conditional DCGAN: label embedding and, in the study's recipe,
# class-conditional batch norms (`ClassAffine`) in the generator, projection
# discriminator (`_Projection` computes the inner product of the features
# with the label's embedding).
# ```

# %% tags=["hide-output"]
book.show_source(models.cdcgan)

# %% [markdown]
# ## Wasserstein GAN with gradient penalty: `wgan_gp`
#
# The WGAN-GP keeps the DCGAN networks but changes what the discriminator
# learns: instead of a probability of "real" it outputs a score (it is then
# called a *critic*), and the loss estimates the Wasserstein distance between
# the real and the generated distribution {cite:p}`arjovsky2017wgan`. The
# critic must be $1$-Lipschitz; the gradient penalty enforces it softly
# {cite:p}`gulrajani2017wgangp`. The paper's settings are five critic updates
# per generator update, Adam with $\beta_1 = 0$, $\beta_2 = 0.9$, and no batch
# normalisation in the critic, since the penalty is computed per sample.
#
# ```{glue:figure} fig-arch-wgan_gp
# :alt: Layer blocks of the WGAN-GP generator (as in DCGAN) and critic (strided convolutions with LeakyReLU and layer normalisation instead of batch normalisation, ending in one unbounded score).
# :name: fig-arch-wgan_gp
#
# The WGAN-GP generator and critic.
# ```

# %% tags=["hide-output"]
book.show_source(models.wgan_gp)

# %% [markdown]
# ## Watching them train
#
# The report drew the training loop as a diagram (its Fig. 4) but showed no
# measurement of it. At every discriminator update the trainer records the
# losses, the mean discriminator output on the real batch, $D(x)$, and on the
# generated one, $D(G(z))$, and the size of the gradients of both networks
# (`steps.csv` in the run directory; `history.csv` holds the means per epoch),
# drawn in {numref}`fig-training-curves`.
#
# How to read them:
#
# * For the three cross-entropy models, $D(x)$ and $D(G(z))$ are
#   probabilities. A discriminator that wins outright drives $D(x) \to 1$ and
#   $D(G(z)) \to 0$; the generator's gradient then vanishes under the
#   original loss {cite:p}`goodfellow2014gan,arjovsky2017principled`. Curves
#   that stay apart but do not separate completely show a contest that is
#   still going on. Losses of a GAN do **not** fall to zero as in supervised
#   learning; they are a two-player game's running score.
# * For `wgan_gp` the critic's outputs are unbounded scores; the difference
#   $D(x) - D(G(z))$ is its running estimate of the Wasserstein distance and
#   should shrink as the generator improves.
# * Exploding gradient norms are a sign of instability; collapsing ones of a
#   saturated discriminator.

# %%
steps = {name: training.load_steps(runs.loc[name, "run_dir"]) for name in MODELS}
probability = [n for n in MODELS if models.DEFAULTS[n]["loss"] != "wgan-gp"]
fig = plots.training_curves(steps, probability_models=probability)
book.glue_figure("fig-training-curves", fig)
book.glue_value("n_steps", len(steps["dcgan"]), ",d")
book.glue_value("smoothing", plots.smoothing_window(len(steps["dcgan"])))
histories = {name: training.load_history(runs.loc[name, "run_dir"]) for name in MODELS}
last = pd.DataFrame({n: h.iloc[-1] for n, h in histories.items()}).T
for name in MODELS:
    book.glue_value(f"d_real_{name}", last.loc[name, "d_real"], ".2f")
    book.glue_value(f"d_fake_{name}", last.loc[name, "d_fake"], ".2f")

# %% [markdown]
# ```{glue:figure} fig-training-curves
# :alt: A grid with one row per model and three panels per row: the discriminator and generator losses, the mean discriminator outputs on real and on generated images, and the gradient norms of both networks, each against the discriminator update.
# :name: fig-training-curves
#
# Training curves, one row per model, against the discriminator update
# ({glue:text}`n_steps` for `dcgan`): faint lines show every update, solid
# lines a centred moving average over {glue:text}`smoothing` updates. Left: losses (with the gradient penalty for `wgan_gp`).
# Middle: mean discriminator output on real, $D(x)$, and generated images,
# $D(G(z))$; probabilities with a dashed line at one half, the output of a
# discriminator that cannot tell them apart, raw critic scores for `wgan_gp`.
# Right: global gradient norms of D and G (log scale where they span more than
# a factor {glue:text}`log_span`).
# ```
#
# Averaged over the last epoch, the `dcgan` discriminator gave real images a mean
# probability of {glue:text}`d_real_dcgan` and generated ones
# {glue:text}`d_fake_dcgan`; for the report's networks the two values were
# {glue:text}`d_real_seed_baseline` and {glue:text}`d_fake_seed_baseline`, for
# `cdcgan` {glue:text}`d_real_cdcgan` and {glue:text}`d_fake_cdcgan`.

# %% [markdown]
# ## Samples over the epochs
#
# After every epoch the trainer passes one fixed batch of random codes
# through the generator and saves the images, so the grids below differ only
# in the generator's weights. (For `cdcgan` each row is one class, in the order
# akiec, bcc, bkl, df, mel, nv, vasc, and each column keeps one random code
# across the classes.) The last panel uses the exponential moving average of
# the generator weights, which the study uses for all final samples: it
# averages out the epoch-to-epoch jitter of GAN training
# {cite:p}`yazici2019ema`.

# %%
for name in MODELS:
    grids = study.sample_grids(runs.loc[name, "run_dir"], k=4)
    fig = plots.image_panels([g for _, g in grids], [t for t, _ in grids])
    book.glue_figure(f"fig-evolution-{name}", fig)

# %% [markdown]
# ```{glue:figure} fig-evolution-seed_baseline
# :alt: Grids of generated images from the report's repaired networks after several epochs and from the averaged generator at the end.
# :name: fig-evolution-seed_baseline
#
# `seed_baseline`: the same random codes after several epochs, and through
# the averaged (EMA) generator at the end.
# ```
#
# ```{glue:figure} fig-evolution-dcgan
# :alt: Grids of DCGAN samples from one fixed batch of random codes after several epochs and from the averaged generator at the end.
# :name: fig-evolution-dcgan
#
# `dcgan`: samples from the same random codes over the epochs.
# ```
#
# ```{glue:figure} fig-evolution-cdcgan
# :alt: Grids of conditional DCGAN samples, one row per class, after several epochs and from the averaged generator at the end.
# :name: fig-evolution-cdcgan
#
# `cdcgan`: one row per class (akiec, bcc, bkl, df, mel, nv, vasc from top to
# bottom), one random code per column, over the epochs.
# ```
#
# ```{glue:figure} fig-evolution-wgan_gp
# :alt: Grids of WGAN-GP samples from one fixed batch of random codes after several epochs and from the averaged generator at the end.
# :name: fig-evolution-wgan_gp
#
# `wgan_gp`: samples from the same random codes over the epochs.
# ```

# %% [markdown]
# ## Final samples
#
# The report's Fig. 9 showed "final generated images" without saying which
# diagnosis they were meant to be. Here the three unconditional models each
# draw {glue:text}`samples_per_class` images from fresh random codes (seed
# {glue:text}`seed`), and the conditional model draws
# {glue:text}`samples_per_class` images of each class, next to real training
# images of the same class.

# %%
generators = {name: training.load_generator(runs.loc[name, "run_dir"]) for name in MODELS}
book.glue_value("samples_per_class", samples_per_class, "d")
unconditional = [n for n in MODELS if not models.DEFAULTS[n]["conditional"]]
rows = [training.generate(generators[n], samples_per_class, seed=seed) for n in unconditional]
fig = plots.image_grid(np.concatenate(rows), samples_per_class, row_labels=unconditional)
book.glue_figure("fig-final-unconditional", fig)
for name in MODELS:
    book.glue_value(f"g_updates_{name}", int(histories[name].g_steps.sum()), ",d")
    book.glue_value(f"d_updates_{name}", int(histories[name].d_steps.sum()), ",d")
book.glue_value("full_epochs", profiles.PROFILES["full"]["03_training"]["gan_epochs"], "d")

# %% [markdown]
# ```{glue:figure} fig-final-unconditional
# :alt: Three rows of generated lesion images, one row per unconditional model (seed_baseline, dcgan, wgan_gp).
# :name: fig-final-unconditional
#
# Final samples of the unconditional models (EMA generators, fresh random
# codes), {glue:text}`samples_per_class` per model, at their own
# {glue:text}`image_px` pixels.
# ```

# %%
class_names = list(data.CLASS_NAMES)
labels = np.repeat(np.arange(len(class_names)), samples_per_class)
fake = training.generate(generators["cdcgan"], len(labels), seed=seed, labels=labels)
real = study.real_examples(lesions.train, samples_per_class, seed=seed)
gap = np.full((1, *fake.shape[1:]), 255, np.uint8)  # a white column between the two halves
rows = [
    np.concatenate([f, gap, r]) for f, r in zip(np.split(fake, len(class_names)), real, strict=True)
]
fig = plots.image_grid(np.concatenate(rows), 2 * samples_per_class + 1, row_labels=class_names)
book.glue_figure("fig-final-cdcgan", fig)

# %% [markdown]
# ```{glue:figure} fig-final-cdcgan
# :alt: Seven rows, one per diagnosis; in each row generated images of that class on the left and real training images of the same class on the right.
# :name: fig-final-cdcgan
#
# The conditional model asked for each class: in every row the left
# {glue:text}`samples_per_class` images are generated (EMA generator), the
# right {glue:text}`samples_per_class` are real training images of the same
# class, drawn at random. The report's Fig. 9, with the class that each image
# is meant to show.
# ```
#
# All four models had the same budget of discriminator updates
# ({glue:text}`d_updates_dcgan`), but not of generator updates: `wgan_gp`
# updates its generator once every five critic steps, as its paper prescribes
# {cite:p}`gulrajani2017wgangp`, so its generator had
# {glue:text}`g_updates_wgan_gp` updates against {glue:text}`g_updates_dcgan` for
# `dcgan`. A short run therefore shows where each model stands after the same
# compute, not how good it can get; the `full` profile trains for
# {glue:text}`full_epochs` epochs.
#
# Whether the conditional samples really look like their class to a
# classifier trained on real images, how close any sample is to a training
# image, and how the four models compare on distribution metrics is the
# subject of the next chapter.
