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
# # Synthetic data for a classifier
#
# The report's second case study says that its synthetic images served to develop
# and benchmark skin-lesion classifiers {cite:p}`mukesh2023empowering`, and its
# usage examples add that they illustrated rare conditions. Neither claim comes
# with a number. The question behind them is a fair one: can images from a
# class-conditional GAN help a classifier where real images are scarce? In
# HAM10000 they are scarce for dermatofibroma (`df`), vascular lesions (`vasc`)
# and actinic keratoses (`akiec`).
#
# Bissoto et al. {cite:p}`bissoto2021gan` reviewed GAN-based augmentation for
# skin-lesion analysis and found the evidence thin: gains were small, often
# within the noise of a single run, and easily erased by a well-tuned baseline
# with classical augmentation. They asked for several runs, a held-out test set
# and a fair baseline. This chapter follows that advice on a small scale: one
# classifier, one training budget, four ways of filling its training set, several
# seeds, and a lesion-disjoint test set that no arm has seen.
#
# | arm | training images |
# |---|---|
# | real only | the real training split |
# | real + classical augmentation | the same, randomly flipped and turned by a multiple of a quarter turn in every epoch |
# | real + cDCGAN top-up | the real split plus conditional-GAN images that raise every class below {glue:text}`topup_target` images to that number |
# | synthetic only (TSTR) | conditional-GAN images only, with the class counts of the real split: *train on synthetic, test on real* {cite:p}`esteban2017rcgan` |

# %% tags=["parameters"]
data_dir = None  # data root; None: $GAN_STUDY_DATA_DIR, else data/raw
seeds = [0, 1, 2]  # classifier seeds of every arm (and seeds of the synthetic draws)
arm_epochs = 8  # training epochs of the classifier of every arm (one budget for all arms)
arm_max_train_images = None  # train every arm on this many real images (None: the whole split)
topup_target = 500  # real_gan arm: classes with fewer real images are topped up to this
n_boot = 1000  # bootstrap resamples (the top-up effect; an arm's interval with one seed)
equivalence_margin = 0.02  # balanced accuracy: smaller effects count as "no effect"
interpolation_steps = 9  # images along each interpolation path
interpolation_rows = 4  # latent codes shown for the label interpolation
# The study's reference GAN runs, shared with chapters 3, 4 and 7; this chapter
# takes the first seed's cdcgan
# (gan_study.profiles.SHARED; override them for every chapter at once):
gan_models = ["seed_baseline", "dcgan", "cdcgan", "wgan_gp"]  # each trained with every seed
gan_seeds = [0, 1]  # training seeds (chapter 3 shows the first seed's runs)
gan_epochs = 16  # passes over the training images
gan_batch_size = 32  # real images per discriminator update
image_size = 28  # image side in pixels (28, 32 or 64)
source = "ham10000"  # data source: ham10000 or dermamnist
split = "lesion"  # lesion-disjoint split (or dermamnist, the official one)
gan_max_train_images = None  # train on this many images only (None: all)
gan_snapshot_every = 4  # keep the EMA generator every this many epochs (0: never)
# other TrainConfig fields: for every model, or under a model's name for it alone
# ({}: each paper's defaults); the cDCGAN sees every class equally often
gan_recipe = {"cdcgan": {"class_balance": 1.0}}
# The study's real-data classifier, shared with chapters 2, 4 and 5:
classifier_epochs = 20  # its training epochs (it judges the interpolation)

# %%
import numpy as np
import pandas as pd

from gan_study import augmentation, classifier, data, effects, interpolation, plots, training
from gan_study.config import RunGrid

plots.set_style()
lesions = data.load(source, split, image_size, data_dir)
names = list(data.CLASS_NAMES)
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
gan_config = grid.config("cdcgan")  # the first seed's run, trained in chapter 3
gan_run = training.train(gan_config, data_dir=data_dir, progress=False)
generator = training.load_generator(gan_run)
synthesize = training.class_sampler(generator)  # images of given classes (EMA generator)
arm_labels = data.take_subset(lesions.train.labels, arm_max_train_images)
counts = np.bincount(arm_labels, minlength=len(names))
gan_images, _ = training.training_images(gan_config, images=lesions.train.images)
plots.glue_value("n_gan_train", len(gan_images), ",d")
added = augmentation.top_up_counts(counts, topup_target)
plots.glue_value("topup_target", topup_target, ",d")
plots.glue_value("n_seeds", len(seeds))
plots.glue_value("arm_epochs", arm_epochs)
plots.glue_value("gan_epochs", gan_epochs)
plots.glue_value("gan_image_size", image_size, "d")
plots.glue_value("ci_level", augmentation.CONFIDENCE, ".0%")
plots.glue_value("n_added", int(added.sum()), ",d")
plots.glue_value("n_train_real", len(arm_labels), ",d")
plots.glue_value("n_test", len(lesions.test.labels), ",d")
plots.show_markdown(
    plots.markdown_table(
        pd.DataFrame(
            {
                "class": names,
                "real training images": [f"{c:,}" for c in counts],
                "cDCGAN images added (top-up arm)": [f"{a:,}" for a in added],
                "test images": [
                    f"{c:,}" for c in np.bincount(lesions.test.labels, minlength=len(names))
                ],
            }
        )
    )
)

# %% [markdown]
# The table gives the class counts of the real training images of every arm, the number of
# generated images the top-up arm adds ({glue:text}`n_added` in all, to
# {glue:text}`n_train_real` real ones) and the test images per class. The rare
# classes have only a few dozen test images each, so their recalls are uncertain
# whatever the arm.
#
# The generator is the class-conditional DCGAN of the training chapter
# ({glue:text}`gan_epochs` epochs on {glue:text}`n_gan_train` real training
# images), reused as it is:
# it was not tuned for this task. Every arm trains the study's classifier for
# {glue:text}`arm_epochs` epochs with the same square-root class weighting
# (computed from the arm's own training labels) and keeps the epoch with the best
# balanced accuracy on the real validation split. Each arm is repeated with
# {glue:text}`n_seeds` seeds; a seed fixes the classifier's initialisation, its
# data order and the synthetic images drawn.

# %%
results, predictions = augmentation.run_arms(
    lesions,
    synthesize,
    arms=augmentation.ARMS,
    seeds=seeds,
    classifier_epochs=arm_epochs,
    topup_target=topup_target,
    generator_id=training.generator_id(gan_run),
    max_train_images=arm_max_train_images,
    class_names=names,
)
summary = augmentation.summarize_arms(
    results, predictions=predictions, class_names=names, n_boot=n_boot
)
majority = augmentation.majority_scores(lesions.train.labels, lesions.test.labels, names)
plots.glue_figure(
    "fig-synthetic-arms",
    plots.interval_plot(
        summary,
        order=augmentation.ARMS,
        labels=augmentation.ARM_LABELS,
        baseline={k: majority[k] for k in augmentation.SCORE_COLUMNS},
        points=results,
    ),
)
plots.glue_figure(
    "fig-synthetic-recall",
    plots.per_class_recall(results, names, order=augmentation.ARMS, labels=augmentation.ARM_LABELS),
)
table = summary.assign(
    arm=summary.arm.map(augmentation.ARM_LABELS),
    score=summary.score.str.replace("_", " "),
    **{
        "mean [95% CI]": [
            f"{m:.3f} [{lo:.3f}, {hi:.3f}]"
            for m, lo, hi in zip(summary["mean"], summary.low, summary.high, strict=True)
        ]
    },
)[["arm", "score", "n_seeds", "mean [95% CI]", "ci_method"]]
plots.show_markdown(plots.markdown_table(table))

# %% [markdown]
# ```{glue:figure} fig-synthetic-arms
# :alt: Two dot-and-interval charts, balanced accuracy and macro-F1, with one row per arm (real only, real plus classical augmentation, real plus cDCGAN top-up, synthetic only); small grey dots show individual seeds and a dashed red line the majority-class baseline.
# :name: fig-synthetic-arms
#
# Balanced accuracy and macro-F1 on the lesion-disjoint test split
# ({glue:text}`n_test` images): mean over seeds (black dot), {glue:text}`ci_level` confidence
# interval (black bar; method in the table) and each seed (grey dots). The dashed
# line is a classifier that always answers `nv`.
# ```

# %%
mean = summary.pivot(index="arm", columns="score", values="mean")
low = summary.pivot(index="arm", columns="score", values="low")
high = summary.pivot(index="arm", columns="score", values="high")
for arm in augmentation.ARMS:
    plots.glue_value(f"ba_{arm}", mean.loc[arm, "balanced_accuracy"], ".3f")
    plots.glue_value(
        f"ba_{arm}_ci",
        f"{low.loc[arm, 'balanced_accuracy']:.3f} to {high.loc[arm, 'balanced_accuracy']:.3f}",
    )
    plots.glue_value(f"f1_{arm}", mean.loc[arm, "macro_f1"], ".3f")
plots.glue_value("ba_majority", majority["balanced_accuracy"], ".3f")
plots.glue_value("f1_majority", majority["macro_f1"], ".3f")
plots.glue_value("ci_method", summary.ci_method.iloc[0])
effect = effects.paired_difference(
    predictions, "real_gan", "real", num_classes=len(names), n_boot=n_boot, seed=0
)
judgement = effects.verdict(effect, equivalence_margin)
plots.glue_value("gain_mean", effect["difference"], "+.3f")
plots.glue_value("gain_ci", f"{effect['low']:+.3f} to {effect['high']:+.3f}")
plots.glue_value("gain_verdict", judgement["text"])
plots.glue_value("gain_mde", judgement["mde"], ".3f")
plots.glue_value("margin", equivalence_margin, ".3f")
plots.glue_value("power", effects.POWER, ".0%")

# %% [markdown]
# ## What the arms show
#
# With real images only the classifier reaches a balanced accuracy of
# {glue:text}`ba_real` ({glue:text}`ci_level` interval {glue:text}`ba_real_ci`); the majority-class
# baseline scores {glue:text}`ba_majority`. Classical augmentation gives
# {glue:text}`ba_real_classical` ({glue:text}`ba_real_classical_ci`), the cDCGAN
# top-up {glue:text}`ba_real_gan` ({glue:text}`ba_real_gan_ci`), and training on
# generated images alone {glue:text}`ba_synthetic_only`
# ({glue:text}`ba_synthetic_only_ci`). Macro-F1 follows: {glue:text}`f1_real`,
# {glue:text}`f1_real_classical`, {glue:text}`f1_real_gan` and
# {glue:text}`f1_synthetic_only` against {glue:text}`f1_majority` for the
# baseline. Intervals: {glue:text}`ci_method`.
#
# Because every seed trains all arms and every arm is scored on the same test
# images, the effect of the top-up can be measured pair by pair: the balanced
# accuracy of real + cDCGAN minus that of real only is {glue:text}`gain_mean`
# on average. Its {glue:text}`ci_level` interval, {glue:text}`gain_ci`, comes
# from a two-level bootstrap that resamples the seeds and the test images
# (the same ones for both arms), so it holds both the training noise and the
# noise of a test split with a few dozen images in its rare classes. An
# interval that covers zero is not evidence of no effect: that needs an
# equivalence test, here two one-sided tests against a margin of
# ±{glue:text}`margin` balanced accuracy. The verdict: {glue:text}`gain_verdict`.
# With this many seeds and test images the smallest effect the comparison
# would find with {glue:text}`power` power is {glue:text}`gain_mde`.
#
# ```{glue:figure} fig-synthetic-recall
# :alt: Grouped bar chart of recall per class (akiec, bcc, bkl, df, mel, nv, vasc), one bar per arm, with whiskers from the lowest to the highest seed.
# :name: fig-synthetic-recall
#
# Recall per class on the test split: mean over seeds, whiskers from the worst to
# the best seed. The top-up arm adds generated images to the classes on the left
# of the table above; a gain, if any, should appear there.
# ```
#
# How to read this. The synthetic-only arm says how much of what the classifier
# needs the generator has captured; a score far below the real-only arm is the
# usual result for GANs of this size and says that its images are not a
# substitute for the data. The top-up arm asks the report's question. Whatever
# its outcome here, it holds for this generator ({glue:text}`gan_image_size`-pixel
# images, {glue:text}`gan_epochs` epochs on a CPU), this classifier and this budget; Bissoto et al.
# {cite:p}`bissoto2021gan` saw the same pattern across far larger models, where
# small improvements appeared in some protocols and vanished in others.
# Anonymisation, the other use they reviewed, is not tested here; the
# memorisation checks of the evaluation chapter are a first step towards it.
#
# ## "Melanoma progression", done honestly
#
# Among its usage examples the report describes a sequence of generated images
# that shows melanoma developing over time. A GAN trained on single photographs
# of different lesions cannot show that: HAM10000 contains no series of one
# lesion followed over time, and nothing in the training objective refers to
# time or to disease stages. What a conditional generator *can* show is a path
# through its own inputs. The figure below holds the latent code fixed and moves
# the generator's class embedding in a straight line from `nv` (melanocytic
# nevus) to `mel` (melanoma); each row is a different latent code. Above each
# image is the probability of `mel` that the study's real-data classifier assigns
# to it.

# %%
rng = np.random.default_rng(gan_config.seed)
z = rng.standard_normal((interpolation_rows, gan_config.latent_dim)).astype(np.float32)
nv, mel = names.index("nv"), names.index("mel")
paths = np.concatenate(
    [interpolation.label_path(generator, zi, nv, mel, interpolation_steps) for zi in z]
)
judge = classifier.load_or_train(lesions, seed=0, epochs=classifier_epochs)
p_mel = judge.predict_proba(paths)[:, mel]
plots.glue_figure(
    "fig-synthetic-label-path",
    plots.image_grid(
        paths,
        interpolation_steps,
        titles=[f"p={p:.2f}" for p in p_mel],
        row_labels=[f"z{i + 1}" for i in range(interpolation_rows)],
    ),
)
latent = interpolation.latent_path(generator, z[0], z[1], mel, interpolation_steps)
plots.glue_figure("fig-synthetic-latent-path", plots.image_grid(latent, interpolation_steps))
p_start, p_end = p_mel.reshape(interpolation_rows, -1)[:, [0, -1]].mean(axis=0)
plots.glue_value("p_mel_start", p_start, ".2f")
plots.glue_value("p_mel_end", p_end, ".2f")
plots.glue_value("interpolation_rows", interpolation_rows)

# %% [markdown]
# ```{glue:figure} fig-synthetic-label-path
# :alt: A grid of generated lesion images; in each row the latent code is fixed and the class embedding moves from nevus on the left to melanoma on the right. Each image is labelled with its interpolation fraction t and the classifier's melanoma probability p.
# :name: fig-synthetic-label-path
#
# Label interpolation in the conditional generator: from left to right the class
# embedding moves in equal steps from that of `nv` (first column) to that of `mel`
# (last column); the images in between come from embeddings of no class. $p$ is
# the real-data classifier's probability of `mel`. This is an
# interpolation in the model's input space, not a picture of a lesion over time.
# ```
#
# ```{glue:figure} fig-synthetic-latent-path
# :alt: One row of generated melanoma-class images that change smoothly from left to right as the latent code moves between two random codes.
# :name: fig-synthetic-latent-path
#
# Latent interpolation with the class fixed to `mel`: a spherical path between
# two latent codes {cite:p}`white2016sampling`. Every image is a `mel`-conditioned
# sample; the path shows how smoothly the generator maps nearby codes.
# ```
#
# Averaged over the {glue:text}`interpolation_rows` rows, the classifier gives the
# first image of each row a melanoma probability of {glue:text}`p_mel_start` and
# the last {glue:text}`p_mel_end`. That the images change smoothly says that the
# generator's input space is smooth; that the classifier's probability changes
# along the path says that the class embedding steers features the classifier
# associates with melanoma. Neither says anything about how a nevus changes, or
# whether it turns into a melanoma at all: most melanomas arise *de novo*, not
# from a pre-existing nevus {cite:p}`pampena2017nevus`, and a morph between the
# two classes would teach the wrong picture. A figure like this needs exactly that caption.
