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
# # In the classroom
#
# The report's first case study describes synthetic lesion images used to teach
# medical students and residents, with teachers finding them a useful addition
# {cite:p}`mukesh2023empowering`. We cannot test that: it would need a class, a
# curriculum and an outcome measure. What this chapter offers instead is material
# for teaching *about* GANs with this study: exercises that reuse the package and
# its chapters, a small "real or synthetic?" quiz, and a note on what a study of
# clinical realism would need.
#
# Every exercise runs on a laptop CPU in a few minutes with the `quick` profile
# settings. Solutions are folded away; each one shows code and the *kind* of
# result to expect, not numbers, because your numbers will depend on your seed,
# your machine and your settings.

# %% tags=["parameters"]
# the chapter generates 64 images from a finished run: well under a minute
data_dir = None  # data root; None: $GAN_STUDY_DATA_DIR, else data/raw
seed = 0  # seed of the quiz (which images, in which order)
quiz_images = 16  # images in the quiz grid (half real, half generated)
gan_model = "dcgan"  # the run of the training chapter (first seed) that the quiz draws from
# The study's reference GAN runs, shared with chapters 3, 4 and 6
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

from gan_study import book, data, plots, quiz, training
from gan_study.config import RunGrid

plots.set_style()
lesions = data.load(source, split, image_size, data_dir)

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
gan_config = grid.config(gan_model)  # the first seed's run, trained in chapter 3

# %%
gan_run = training.train(gan_config, data_dir=data_dir, progress=False)
generator = training.load_generator(gan_run)
book.glue_value("gan_model", gan_model)
book.glue_value("gan_epochs", gan_epochs)
book.glue_value("quiz_image_size", image_size, "d")

# %% [markdown]
# ## Exercises
#
# ### 1. Change the loss
#
# Train the DCGAN of the training chapter for a few epochs on a subset with the
# three losses the trainer knows (`minimax`, `nonsaturating`, `wgan-gp`, the last
# with the `wgan_gp` model) and compare the generator's gradient norm and the
# discriminator's outputs in `history.csv`. Which loss gives the generator a
# gradient when the discriminator wins? Relate your answer to the
# vanishing-gradient section of the chapter on Table I.
#
# :::{dropdown} Solution
# ```python
# import dataclasses
# from gan_study import plots, training
# from gan_study.config import TrainConfig
#
# base = TrainConfig(model="dcgan", epochs=5, max_train_images=1024, batch_size=64)
# runs = {
#     "non-saturating": base,
#     "minimax": dataclasses.replace(base, loss="minimax"),
#     "wgan-gp": dataclasses.replace(base, model="wgan_gp"),
# }
# histories = {k: training.load_history(training.train(c)) for k, c in runs.items()}
# plots.training_curves(histories, probability_models=["non-saturating", "minimax"])
# ```
# What to expect: with the minimax loss, the generator's gradient norm is small
# whenever `d_fake` (the mean of $D(G(z))$) is near zero, and the samples improve
# more slowly; with the non-saturating loss the gradient stays large in that
# situation. The WGAN-GP critic's outputs are scores, not probabilities, so its
# `d_real` and `d_fake` columns are on another scale and cannot be compared with
# the other two runs directly; compare samples and the Fréchet distance instead.
# It also makes five critic updates per generator update, so it is slower per
# epoch.
# :::
#
# ### 2. Watch a GAN memorise
#
# Train on a tiny training set (`max_train_images=64`) for many epochs and compare
# each generated image with its nearest training image. When does the generator
# start to copy? Use the nearest-neighbour tools of the evaluation chapter.
#
# :::{dropdown} Solution
# ```python
# from gan_study import data, metrics, problems, training
# from gan_study.config import TrainConfig
#
# cfg = TrainConfig(model="dcgan", epochs=100, max_train_images=64, batch_size=16)
# run = training.train(cfg)
# fake = training.generate(training.load_generator(run), 256, seed=0)
# lesions = data.load(image_size=28)
# subset = data.take_subset(lesions.train.images, 64)  # the images the GAN saw
# pairs = metrics.closest_pairs(fake, subset, n=8)  # the 8 closest generated/training pairs
# ```
# What to expect: with so few training images the generator can reproduce many of
# them almost pixel for pixel after enough epochs. The distance from each
# generated image to its nearest *training* image becomes much smaller than the
# distance from a held-out real image to its nearest training image, which is
# the signature of copying; with the full training split the two distributions of
# distances stay close. A gallery of the closest pairs makes it visible at a
# glance.
# :::
#
# ### 3. Tune the learning rate
#
# Keep everything else fixed and train with learning rates from $10^{-5}$ to
# $10^{-2}$ (the same for both networks). Score each run with the Fréchet distance
# in the classifier's feature space, and repeat the best two settings with two
# more seeds. Is the best learning rate better than the second best once seeds
# are taken into account?
#
# :::{dropdown} Solution
# ```python
# from gan_study import classifier, data, metrics, problems, training
# from gan_study.config import TrainConfig
#
# lesions = data.load(image_size=28)
# judge = classifier.load_or_train(lesions, seed=0, epochs=30)
# real = judge.features(lesions.test.images[:1000])
# base = TrainConfig(model="dcgan", epochs=5, max_train_images=2048, batch_size=64)
# for cfg in problems.hyperparameter_configs(base, [1e-5, 1e-4, 2e-4, 1e-3, 1e-2], [64]):
#     fake = training.generate(training.load_generator(training.train(cfg)), 1000, seed=0)
#     print(cfg.lr_g, metrics.frechet_distance(real, judge.features(fake)))
# ```
# What to expect: a U shape. Very small learning rates leave the generator
# close to noise after a few epochs; very large ones make training unstable or
# collapse it. In between there is a broad range of similar values, and the
# difference between neighbouring settings is often smaller than the spread
# across seeds, which is why a single run per setting can mislead
# {cite:p}`lucic2018equal`.
# :::
#
# ### 4. Measure it yourself
#
# The chapter on synthetic data reports a confidence interval for each arm. Run it
# with one seed and then with three (`gan-study book --only 06 -p 06_synthetic_data.seeds "[0, 1, 2]"`
# or the equivalent papermill parameters). How does the interval's method change,
# and why is an interval from one seed narrower than it should be?
#
# :::{dropdown} Solution
# With one seed the chapter falls back to a bootstrap over test images: it
# measures how much the score depends on which test images were drawn, but not
# how much it depends on the classifier's random initialisation and data order.
# With several seeds it uses a t-interval over seeds, which contains both
# sources of variation that matter when comparing training sets. Seed-to-seed
# variation of a small CNN on imbalanced data is often as large as the
# differences between arms, so the one-seed interval understates the
# uncertainty of a comparison.
# :::
#
# ## Real or synthetic?
#
# The grid below mixes {glue:text}`n_real` real test images with
# {glue:text}`n_fake` images of the {glue:text}`gan_model` generator of the
# training chapter ({glue:text}`gan_epochs` epochs), in an order fixed by the
# seed {glue:text}`quiz_seed`. Click *real* or *synthetic* under each image and
# submit: the page counts your right answers and only then shows where each image
# came from. It runs in your browser and sends nothing anywhere.

# %%
pool = training.generate(generator, 4 * quiz_images, seed=seed)
q = quiz.make_quiz(lesions.test.images, pool, n=quiz_images, seed=seed)
cols = int(np.ceil(np.sqrt(quiz_images)))
book.glue_figure(
    "fig-classroom-quiz",
    plots.image_grid(
        q.images, cols, titles=[str(i + 1) for i in range(quiz_images)], cell_inches=1.3
    ),
)
key = q.answer_key(columns=cols)
book.glue_value("n_real", int(q.is_real.sum()))
book.glue_value("n_fake", int((~q.is_real).sum()))
book.glue_value("quiz_seed", seed)
book.glue_value("real_positions", ", ".join(str(p) for p in key.position[q.is_real]))
book.glue_value("fake_positions", ", ".join(str(p) for p in key.position[~q.is_real]))

# %%
from IPython.display import HTML

HTML(quiz.interactive_html(q, columns=cols))

# %% [markdown]
# The same images, numbered as in the quiz, for a printed copy: write down for each
# position whether you think the image is real, then open the answer key.
#
# ```{glue:figure} fig-classroom-quiz
# :alt: A four by four grid of small numbered dermatoscopic images, some real photographs from the test split and some generated by the DCGAN, in shuffled order.
# :name: fig-classroom-quiz
#
# Real or synthetic? Numbered left to right, top to bottom.
# ```
#
# :::{dropdown} Answer key
# Real test images: positions {glue:text}`real_positions`.
#
# Generated images: positions {glue:text}`fake_positions`.
# :::
#
# At {glue:text}`quiz_image_size` pixels many real lesions are featureless blobs too, so a reader who scores
# well here has learned to spot this generator's artefacts (colour noise,
# checkerboard textures, frames), not to judge clinical realism.
#
# ## What a study of clinical realism would need
#
# The report says that dermatologists validated its synthetic images and that
# their feedback guided the model {cite:p}`mukesh2023empowering`; it reports no
# readers, no protocol and no numbers. This study claims no clinical validation
# of any kind: no dermatologist has looked at its images. A claim that generated
# images are clinically realistic would need, at the least:
#
# * **Readers who are the intended users**: several board-certified
#   dermatologists (and, for a teaching claim, the trainees), recruited
#   independently of the authors, with their experience recorded.
# * **Blinding and randomisation**: real and generated images presented in random
#   order, at the same resolution and with the same processing, so that
#   artefacts of size or compression do not give the answer away; the readers
#   not told the proportion of generated images.
# * **A pre-registered question and analysis**: for example, the readers'
#   accuracy at telling real from generated (chance is the null hypothesis), and
#   whether they assign the generated images the diagnosis the generator was
#   conditioned on. Perceptual tests of GANs with human judges follow such a
#   protocol {cite:p}`zhou2019hype`.
# * **Enough images and readers for the intended precision**: a power
#   calculation before the study, with real and generated images drawn from
#   every class, the rare ones included; a handful of hand-picked images shows
#   nothing.
# * **Agreement between readers**: Cohen's or Fleiss' $\kappa$
#   {cite:p}`cohen1960kappa,fleiss1971kappa`, reported next to accuracy, since
#   dermatologists often disagree on real images too.
# * **Ethics and data governance**: approval for the use of patient images and
#   for the reader study, and a check that no generated image reproduces a
#   patient's lesion (the memorisation analysis of the evaluation chapter is a
#   first screen, not a guarantee).
#
# Until such a study exists, the right statement about the images in this book
# is the one the measurements support: how close their statistics are to the
# real data's in the chosen feature spaces, and nothing about what a
# dermatologist would see.
