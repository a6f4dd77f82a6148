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
# # How good are the generated images?
#
# The 2023 report judged its GAN in three ways: it said that it measured the
# structural similarity index (SSIM) and a "pixel-wise accuracy" (and gave no
# numbers), that dermatologists had looked at the images (and gave no
# details), and it showed a bar chart of Fréchet Inception Distances "among
# different GANs" (its Fig. 11) without saying which GANs, how many images,
# which feature extractor, or how much the values vary
# {cite:p}`mukesh2023empowering`.
#
# A Fréchet distance means little without those details. It is a *sample
# statistic*: two sets of real images of the same kind do not have distance
# $0$, and the value grows as the number of images $N$ shrinks
# {cite:p}`heusel2017gans,chong2020fidinf`. It also depends entirely on the
# feature space, and a GAN trained with another seed can land elsewhere
# {cite:p}`lucic2018equal`. This chapter therefore compares the four models of
# chapter 3 on every metric of the study's toolkit with:
#
# * several **training seeds** per model, shown as dots with their mean and
#   spread;
# * a stated **feature extractor**, sample size $N$ and data split;
# * **held-out references**: every distribution metric compares generated
#   images with real images no GAN saw (the test split), never with the
#   training images, against which a model that copies would look perfect;
# * the **real-versus-real floor** on the same side: training images in
#   place of the generated ones, against the same test images. A model can
#   only be judged against this floor, never against zero.
#
# Then it looks at what the report's own metrics (SSIM and pixel accuracy to
# the nearest training image) can and cannot say, audits the models for
# copies of training images, compares colours per class, and asks whether the
# conditional model's images look like their class to a classifier.

# %% tags=["parameters"]
data_dir = None  # data root; None: $GAN_STUDY_DATA_DIR or data/raw
seed = 0  # seed of the evaluation samples and of the real-data classifier
n_eval = 2000  # generated images per run, and N of the distribution metrics
gallery_pairs = 8  # closest generated-training pairs shown per model
n_boot = 200  # bootstrap replicates of the paired model comparisons
dpi = 110  # resolution of the figures
# The study's reference GAN runs, shared with chapters 3, 6 and 7
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
# The study's real-data classifier, shared with chapters 2, 5 and 6:
classifier_epochs = 20  # its training epochs (its features score the runs)

# %%
import pandas as pd
from IPython.display import display

from gan_study import (
    book,
    classifier,
    data,
    evaluation,
    memorisation,
    metrics,
    plots,
    profiles,
    ranking,
    study,
)
from gan_study.config import RunGrid

# %%
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
models, seeds = list(grid.models), list(grid.seeds)
lesions = data.load(source=source, split=split, image_size=image_size, data_dir=data_dir)
gan_train = data.take_subset(lesions.train.images, gan_max_train_images)

# %% [markdown]
# ## The judge: a classifier trained on real images
#
# Fréchet distances are usually computed in the feature space of an
# ImageNet InceptionV3 network. Its weights cannot be downloaded on the
# machines this study is built on, and {glue:text}`image_size`-pixel skin lesions
# resized to {glue:text}`inception_size` pixels are far from ImageNet photographs anyway. The study instead trains
# its own convolutional classifier on the real training images (chapter 2's
# split, with model selection on the validation side) and uses its
# {glue:text}`feature_dim`-dimensional penultimate layer as the feature
# space. On the held-out test images it reaches a balanced accuracy of
# {glue:text}`clf_balanced_accuracy` (accuracy {glue:text}`clf_accuracy`,
# where always answering "nevus" would give {glue:text}`clf_majority`). The
# features therefore carry part of what separates the diagnoses, far from all
# of it: a generator can be close to the real images in this space and still
# miss what the classifier cannot see. Distances in this space are **not** FID
# values and cannot be compared with FIDs published elsewhere.

# %%
judge = classifier.load_or_train(lesions, seed=seed, epochs=classifier_epochs)
judge_scores = classifier.evaluate(judge, lesions.test)
book.glue_value("clf_balanced_accuracy", judge_scores["balanced_accuracy"], ".3f")
book.glue_value("clf_accuracy", judge_scores["accuracy"], ".3f")
book.glue_value("clf_majority", judge_scores["majority_baseline"]["accuracy"], ".3f")
book.glue_value("feature_dim", judge.features(lesions.test.images[:1]).shape[1], "d")
book.glue_value("image_size", image_size, "d")
book.glue_value("inception_size", metrics.INCEPTION_SIZE, "d")
book.glue_value("pixel_tolerance", metrics.PIXEL_TOLERANCE, ".0%")
book.glue_value("classifier_epochs", classifier_epochs, "d")

# %% [markdown]
# ## Training every model with several seeds
#
# Each model is trained with {glue:text}`n_seeds` seeds ({glue:text}`seed_list`)
# and otherwise the settings of chapter 3 ({glue:text}`epochs` epochs). The
# first seed's runs are the runs of chapter 3 and are reused, not trained again. The
# {glue:text}`n_runs` runs took {glue:text}`train_minutes_total` minutes of
# training in all, as recorded when each was trained.

# %%
# the conditional model first: chapter 6, running beside this one, needs its runs
runs = study.train_grid(grid.configs(first=["cdcgan"]), data_dir=data_dir, progress=False)
book.glue_value("n_seeds", len(seeds), "d")
book.glue_value("seed_list", ", ".join(map(str, seeds)))
book.glue_value("epochs", gan_epochs, "d")
book.glue_value("d_updates", study.update_budget(runs), "")
book.glue_value("n_runs", len(runs), "d")
book.glue_value("train_minutes_total", runs["train_seconds"].sum() / 60, ".0f")
display(runs.drop(columns="run_dir"))

# %% [markdown]
# Each run then generates {glue:text}`n_eval` images (with a conditional
# model, labels in the proportions of the training classes), and every metric
# is computed for them and for the held-out real test images. This takes a
# while the first time; the results are stored beside each run
# (`metrics.json`) and reused.

# %%
results = study.evaluate_grid(runs, n=n_eval, seed=seed, data_dir=data_dir, clf=judge)
tidy = study.tidy_metrics((row.model, row.seed, results[row.run_dir]) for row in runs.itertuples())
first = results[runs.iloc[0]["run_dir"]]
book.glue_value("n_eval", n_eval, ",d")
book.glue_value("n_fd", first["fd"]["n"], ",d")
book.glue_value("fd_repeats", first["fd"]["repeats"], "d")
book.glue_value("n_test", first["n_heldout"], ",d")
book.glue_value("n_train", first["n_train"], ",d")
book.glue_value("split_name", f"{source} / {split}")

# %% [markdown]
# ## Distribution metrics against the real-versus-real floor
#
# {numref}`fig-metric-comparison` is the report's "comparison of FID scores
# among different GANs" done so that it can be read:
#
# * **Held-out Fréchet distance (FD)** between the Gaussians fitted to the
#   features of {glue:text}`n_fd` generated and {glue:text}`n_fd` real test
#   images {cite:p}`heusel2017gans`, averaged over {glue:text}`fd_repeats`
#   repeats that each draw fresh, disjoint subsets of both sides (so $N$ is a
#   fraction of the {glue:text}`n_test` test images). Lower is better.
#   Chapter 5 and the learning curves below use the same protocol.
# * **FD$_\infty$**: the FD extrapolated to infinitely many images, which
#   removes the bias that depends on $N$ {cite:p}`chong2020fidinf`.
# * **KID**: the kernel inception distance, an unbiased estimate of a squared
#   maximum mean discrepancy with a polynomial kernel; it has no $N$-bias and
#   its floor is near zero {cite:p}`binkowski2018kid`.
# * **Precision** and **recall** of {cite:t}`kynkaanniemi2019improved`: the
#   share of generated images that fall inside the real images' feature
#   manifold (fidelity), and the share of real images inside the generated
#   images' manifold (coverage). Higher is better for both; a mode-collapsed
#   generator can have high precision and low recall.
# * **Density** and **coverage** {cite:p}`naeem2020reliable`: the same
#   questions asked from the real side only, and so less fooled by outliers.
#
# The shaded band is the floor: the same metric computed with
# {glue:text}`n_fd` real training images in place of the generated ones,
# against the same test images; for FD its mean ± one standard deviation over
# the repeats.

# %%
floors = study.floors(results.values())
ladder = evaluation.corruption_references(lesions, judge, n=n_eval, seed=seed)
ladder_lines = [(r["label"], r["mean"]) for r in ladder["references"]]
references = {"fd.value": ladder_lines}
fig = plots.metric_comparison(
    tidy, study.METRIC_TITLES, floors=floors, references=references, order=models
)
book.glue_figure("fig-metric-comparison", fig)

# %% [markdown]
# ```{glue:figure} fig-metric-comparison
# :alt: Eight panels, one per metric (FD, FD-infinity, KID, precision, recall, density, coverage, pairwise SSIM); in each, the four models on the horizontal axis with one dot per training seed and a black diamond with an error bar for the mean, and a grey horizontal band for the real-versus-real reference.
# :name: fig-metric-comparison
#
# The four models on the distribution metrics: one small dot per training
# seed ({glue:text}`seed_list`), the black diamond and bar are their mean ±
# one sample standard deviation. Grey band and dashed line: real training
# images against the same test images (mean ± s.d.), the best a generator
# can be expected to reach. Dotted lines (FD only): the same training images
# corrupted by a known amount (the ladder of the next section).
# Features: the penultimate layer of the study's
# real-data classifier (not InceptionV3); N = {glue:text}`n_fd` images per
# side; data: {glue:text}`split_name` split at {glue:text}`image_px` pixels;
# {glue:text}`epochs` training epochs per run ({glue:text}`d_updates`
# discriminator updates each).
# ```

# %%
summary = study.summarize(tidy[tidy["metric"].isin(study.METRIC_TITLES)])
display(study.metric_table(summary, floors, ladder_lines, order=models).round(3))
book.show_markdown(study.unavailable_note(summary))

# %%
fd = summary[summary.metric == "fd.value"].set_index("model")
best = fd["mean"].idxmin()
fd_floor, fd_floor_sd = floors["fd.value"]
book.glue_value("image_px", f"{image_size} x {image_size}")
book.glue_value("best_fd_model", best)
best_fd = study.format_mean_spread(fd.loc[best, "mean"], fd.loc[best, "std"])
if fd.loc[best, "n"] > 1:
    best_fd += f" (mean ± s.d. over {fd.loc[best, 'n']} seeds)"
book.glue_value("best_fd", best_fd)
book.glue_value("fd_floor", study.format_mean_spread(fd_floor, fd_floor_sd, ".2g"))
book.glue_value("fd_verdict", study.floor_verdict(fd.loc[best, "mean"], fd_floor, fd_floor_sd))
book.glue_values({f"fd_{model}": fd.loc[model, "mean"] for model in models}, ".1f")

# %%
fd_ladder = dict(ladder_lines)
book.glue_value("fd_blur_half", fd_ladder["blur 0.5 px"], ".2f")
book.glue_value("fd_blur_one", fd_ladder["blur 1 px"], ".2f")
book.glue_value("best_fd_over_blur", fd.loc[best, "mean"] / fd_ladder["blur 1 px"], ".2f")
book.glue_value("ladder_verdict", study.ladder_verdict(fd.loc[best, "mean"], fd_ladder))

# %% [markdown]
# The lowest mean held-out FD is {glue:text}`best_fd_model`'s,
# {glue:text}`best_fd`, against a real-versus-real
# floor of {glue:text}`fd_floor`; the best model's FD is
# {glue:text}`fd_verdict`. Real images blurred by a Gaussian of σ = $0.5$ px have a
# held-out FD of {glue:text}`fd_blur_half`, by σ = $1$ px {glue:text}`fd_blur_one`: the
# best model's FD is {glue:text}`best_fd_over_blur` times the second, so its images
# are, in these features, {glue:text}`ladder_verdict`. Every model had the same
# budget, {glue:text}`d_updates` discriminator updates per run. (Means per model:
# `seed_baseline` {glue:text}`fd_seed_baseline`, `dcgan` {glue:text}`fd_dcgan`,
# `cdcgan` {glue:text}`fd_cdcgan`, `wgan_gp` {glue:text}`fd_wgan_gp`.)
#
# ## Can the models be ranked?
#
# A lower mean is not yet a better model: another seed, other generated
# images or other test images could reverse a small gap, and a single run per
# model, as in the report's figure, ranks any two models anyway. The table
# below compares the model with the lowest mean with each other model,
# paired by training seed, with {glue:text}`rank_confidence` intervals from a
# two-level bootstrap ({glue:text}`n_boot` replicates, each resampling the
# seeds and, within each seed, the generated and the test images; $N$ =
# {glue:text}`n_fd` per side). A difference is claimed only where its
# interval excludes zero.

# %%
order = list(fd["mean"].sort_values().index)
images = study.generated_images(runs, lesions, n=n_eval, seed=seed)
differences = study.fd_differences(
    images, lesions, judge, order, n=first["fd"]["n"], n_boot=n_boot, seed=seed
)
display(differences.drop(columns="statement").round(3))
book.show_markdown("\n".join(f"* {s}." for s in differences["statement"]))
book.glue_value("best_model_claim", study.best_model_claim(differences))
book.glue_value("rank_confidence", ranking.CONFIDENCE, ".0%")
book.glue_value("n_boot", n_boot, ",d")

# %% [markdown]
# So {glue:text}`best_model_claim`. With {glue:text}`n_seeds` seeds per model
# the seed level of the bootstrap has few values to draw from, so these
# intervals are, if anything, too narrow; the `full` profile trains more
# seeds.
#
# **A second feature extractor.** The distances above live in one feature
# space, that of the study's classifier. The same held-out FD in the
# features of a second classifier, the same network trained with another
# seed, checks whether the order is a property of the images or of one
# extractor: {glue:text}`ranking_agreement`.

# %%
judge_2 = classifier.load_or_train(lesions, seed=seed + 1, epochs=classifier_epochs)
second = study.second_extractor_ranking(images, lesions, judge, judge_2, n=n_eval, seed=seed)
display(second.round(2))
book.glue_value("ranking_agreement", study.ranking_agreement_text(second))

# %% [markdown]
# ## Is the feature space fit for the purpose?
#
# A distance is worth reading only if it grows with a known loss of quality.
# The ladder below corrupts the floor's own training images by known amounts
# (Gaussian blur, JPEG compression, Gaussian noise on the $0$–$1$ scale) and
# scores them with exactly the protocol of the generated images, in the
# spirit of the disturbance experiments of {cite:t}`heusel2017gans`. In the
# study's features {glue:text}`ladder_monotone`.

# %%
display(study.ladder_table(ladder).round(3))
book.glue_value("ladder_monotone", study.ladder_monotone_text(ladder))

# %% [markdown]
# ## Where each model stands on its learning curve
#
# A comparison at one budget says nothing about whether the budget was
# enough. Every run therefore keeps its weight-averaged (EMA) generator every
# {glue:text}`snapshot_every` epochs, and each of these snapshots is scored
# with exactly the held-out FD protocol above: the same {glue:text}`n_fd`
# images per side, the same seed, features, test and training subsets. The last snapshot is
# the finished generator, so each curve ends at the FD of the table above.
# For the conditional model the right panel follows its balanced class
# agreement (the next-but-one section explains it) against the same updates.

# %%
curves = study.learning_curves(runs, n=n_eval, seed=seed, data_dir=data_dir, clf=judge)
accuracy = judge_scores["balanced_accuracy"]
target = study.AGREEMENT_TARGET
fig = plots.learning_curves(
    curves, references=ladder_lines[:2], accuracy=accuracy, target=target, order=models
)
book.glue_figure("fig-learning-curves", fig)
display(curves.pivot_table(index="model", columns="d_updates", values="fd").loc[models].round(2))
verdicts = {model: study.curve_verdict(curves, model) for model in models}
book.show_markdown("\n".join(f"* `{m}`: {v['text']}." for m, v in verdicts.items()))
book.glue_value("snapshot_every", gan_snapshot_every, "d")
book.glue_value("n_improving", sum(v["improving"] for v in verdicts.values()), "d")
book.glue_value("n_models", len(models), "d")
book.glue_value("agreement_target", target, "g")
book.glue_value("full_image_size", profiles.PROFILES["full"]["04_evaluation"]["image_size"], "d")

# %% [markdown]
# ```{glue:figure} fig-learning-curves
# :alt: Left, held-out FD on a logarithmic axis against discriminator updates, one coloured line per model with thin lines for the single seeds, above a dashed floor line and dotted lines for blurred real images; right, the conditional model's balanced class agreement against the same updates, below a dashed line at the classifier's balanced accuracy.
# :name: fig-learning-curves
#
# Learning curves of the study's runs. Left: FD of each EMA snapshot (thin
# lines: single seeds; thick: their mean), with the real-versus-real floor
# (dashed) and the blurred training images (dotted). Right: the conditional
# model's balanced class agreement, with the classifier's balanced accuracy
# on real test images (dashed) and {glue:text}`agreement_target` times it (dotted).
# ```
#
# The table gives the mean FD over seeds after each snapshot (columns:
# discriminator updates). Below it, each model's last step is read against
# the spread of its seeds: {glue:text}`n_improving` of the
# {glue:text}`n_models` models were still improving by more than that spread
# when training stopped, so for them the comparison above measures a budget
# as much as a model.

# %% [markdown]
# ## What SSIM and pixel accuracy can say
#
# The report named two image-to-image similarity measures: SSIM
# {cite:p}`wang2004ssim`, which compares local means, contrasts and
# correlations of two images, and a "pixel-wise accuracy", which the study
# defines as the share of pixels whose colour is within {glue:text}`pixel_tolerance` of the other
# image's. Both need a *pair* of images, but a generated image has no
# partner: it is not a reconstruction of any particular real image. The only
# pairing that makes sense is with the **nearest training image**, and then
# the numbers measure how close a sample is to something the GAN has seen.
#
# That is a problem for reading them as quality. A generator that outputs
# exact copies of training images scores SSIM $1$ and a pixel accuracy of
# $100\%$, the best possible values, while being useless and, with patient images, a
# privacy leak. The reference point is again the held-out real images: how
# close is a *new* real lesion to its nearest training image? A generator far
# below that is not realistic; one clearly above it is suspiciously close to
# its training data.

# %%
near = study.summarize(
    tidy[tidy.metric.isin(["nearest_real.ssim_mean", "nearest_real.pixel_accuracy_mean"])]
)
near_floor = {m: floors[f"nearest_real.{m}"][0] for m in ("ssim_mean", "pixel_accuracy_mean")}
near_table = near.pivot(index="model", columns="metric", values="mean").loc[models]
near_table.columns = [c.split(".")[1] for c in near_table.columns]
near_table.loc["held-out real (test vs train)"] = pd.Series(near_floor)
flat = study.flat_image_similarity(gan_train)
near_table.loc["flat image of the mean colour"] = pd.Series(flat)
near_labels = {"ssim_mean": "SSIM", "pixel_accuracy_mean": "pixel accuracy"}
display(near_table.rename(columns=near_labels).round(3))

# %%
book.glue_value("ssim_flat", flat["ssim_mean"], ".3f")
book.glue_value("pixacc_flat", flat["pixel_accuracy_mean"], ".1%")
book.glue_value("ssim_floor", near_floor["ssim_mean"], ".3f")
book.glue_value("pixacc_floor", near_floor["pixel_accuracy_mean"], ".1%")
for model in models:
    book.glue_value(f"ssim_{model}", near_table.loc[model, "ssim_mean"], ".3f")
    book.glue_value(f"pixacc_{model}", near_table.loc[model, "pixel_accuracy_mean"], ".1%")

# %% [markdown]
# A held-out real image has a mean SSIM of {glue:text}`ssim_floor` and a pixel
# accuracy of {glue:text}`pixacc_floor` to its nearest training image. The
# models: `seed_baseline` {glue:text}`ssim_seed_baseline` /
# {glue:text}`pixacc_seed_baseline`, `dcgan` {glue:text}`ssim_dcgan` /
# {glue:text}`pixacc_dcgan`, `cdcgan` {glue:text}`ssim_cdcgan` /
# {glue:text}`pixacc_cdcgan`, `wgan_gp` {glue:text}`ssim_wgan_gp` /
# {glue:text}`pixacc_wgan_gp` (means over seeds).
#
# The last row of the table is a "generator" that knows nothing about
# lesions: every image is one flat colour, the mean colour of the training
# images. It scores an SSIM of {glue:text}`ssim_flat` and a pixel accuracy of
# {glue:text}`pixacc_flat` to its nearest training image. Pixel accuracy
# rewards smooth images of average skin colour, because most of a
# dermatoscopic image is skin; SSIM rewards matching local structure. Neither
# measures whether an image looks like a lesion, and neither can tell a
# realistic sample from a copy, which is why the next section looks at the
# closest pairs directly.

# %% [markdown]
# ## Does any model copy its training images?
#
# Three checks, each a proxy rather than a proof:
#
# 1. the **distance ratio**: the median distance of generated images to their
#    nearest training image, divided by the same median for held-out real
#    images; well below $1$ would mean the samples sit closer to the training
#    set than new real data do;
# 2. the three-sample **data-copying test** $C_T$ of
#    {cite:t}`meehan2020datacopying`, which compares those two distance
#    distributions cell by cell, in feature space and in pixel space:
#    strongly negative means copying, strongly positive means the samples are
#    further from the training data than real data (underfitting), near $0$ is
#    ideal;
# 3. a **gallery** of the closest generated-training pairs, because a copy is
#    easiest to see.

# %%
mem = study.summarize(tidy[tidy.metric.isin(study.MEMORISATION_METRICS)])
mem_table = mem.pivot(index="model", columns="metric", values="mean").loc[models]
display(mem_table.round(3))
book.show_markdown(study.unavailable_note(mem))
ratios, cts = mem_table["memorization.pixel.median_ratio"], mem_table["data_copying.ct"]
book.glue_values({f"ratio_{model}": ratios[model] for model in models}, ".2f")
book.glue_values({f"ct_{model}": cts[model] for model in models}, ".1f")

# %% [markdown]
# Median distance ratios in pixel space: `seed_baseline`
# {glue:text}`ratio_seed_baseline`, `dcgan` {glue:text}`ratio_dcgan`,
# `cdcgan` {glue:text}`ratio_cdcgan`, `wgan_gp` {glue:text}`ratio_wgan_gp`;
# $C_T$: {glue:text}`ct_seed_baseline`, {glue:text}`ct_dcgan`,
# {glue:text}`ct_cdcgan`, {glue:text}`ct_wgan_gp` (same order, means over
# seeds). {numref}`fig-distances` shows the whole distributions for the
# seed-{glue:text}`gallery_seed` run of each model and {numref}`fig-closest-pairs`
# the closest pairs.

# %%
seed0 = runs[runs.seed == seeds[0]].set_index("model")
book.glue_value("gallery_seed", seeds[0], "d")
samples = {
    m: study.generated_sample(seed0.loc[m, "run_dir"], n_eval, seed=seed, data_dir=data_dir)
    for m in models
}

# %%
distances = {}
for model, (images, _) in samples.items():
    d = metrics.memorization_distances(
        images / 255.0, gan_train / 255.0, lesions.test.images / 255.0
    )
    distances[model] = d["fake_distances"]
fig = plots.distance_distributions(
    distances, d["heldout_distances"], xlabel="L2 distance to nearest training image (0-1 pixels)"
)
book.glue_figure("fig-distances", fig)

# %% [markdown]
# ```{glue:figure} fig-distances
# :alt: One histogram panel per model of the distances from generated images to their nearest training image, each with the outline of the same histogram for held-out real test images.
# :name: fig-distances
#
# Distance of each generated image (filled) and of each held-out real test
# image (outline) to its nearest training image, in pixel space (RGB values
# scaled to $[0, 1]$, Euclidean distance over all pixels); {glue:text}`n_eval` generated images of
# the seed-{glue:text}`gallery_seed` run per model. Mass far left of the outline would
# mean near-copies of training images.
# ```

# %%
pairs = {}
for model, (images, _) in samples.items():
    closest = metrics.closest_pairs(images, gan_train, n=gallery_pairs)
    pairs[model] = (
        images[closest.fake_index],
        gan_train[closest.train_index],
        closest.distance.to_numpy(),
    )
book.glue_figure("fig-closest-pairs", plots.nearest_pairs(pairs))
book.glue_value("gallery_pairs", gallery_pairs, "d")

# %% [markdown]
# ```{glue:figure} fig-closest-pairs
# :alt: For each model two rows of small images, generated images on top and below each one the training image closest to it, with the distance printed above each pair.
# :name: fig-closest-pairs
#
# The {glue:text}`gallery_pairs` generated images (upper row of each model)
# that are closest to any training image, with that training image below and
# their pixel-space Euclidean distance above. Near-identical pairs would be direct
# evidence of memorisation; their absence is evidence, not proof, that
# nothing was copied.
# ```

# %% [markdown]
# **Class by class.** Copying is likeliest where a generator has seen
# fewest images: the rare diagnoses. The table repeats the proxies within
# each class the conditional model was asked for (means over its seeds, in
# the classifier's features): the distance ratio, the share of its images
# closer to a training image than the {glue:text}`mem_percentiles` percentile of the held-out
# images' distances (beside the share of the class's own held-out images,
# which is what no copying gives), and the single-cell $Z_U$ of
# {cite:t}`meehan2020datacopying` within the class. The lowest ratio is
# {glue:text}`class_ratio_min`.

# %%
by_class = study.class_memorisation(results, runs, "cdcgan", "features")
display(by_class.round(3))
lowest = by_class["median_ratio"].idxmin()
book.glue_value("mem_percentiles", study.ordinals(memorisation.PERCENTILES))
book.glue_value("class_ratio_min", f"{by_class.loc[lowest, 'median_ratio']:.2f} ({lowest})")

# %% [markdown]
# ## Colour, per class
#
# The report's Fig. 10 showed mean RGB values without saying of which
# images. Here the real training images are compared with generated ones:
# per class for the conditional model (it was asked for each class) and
# overall for the unconditional models (which were not). The bars are the
# spread of the per-image channel means, which is large: lesions differ in
# colour more than the class means do.

# %%
rgb = study.rgb_table(
    lesions.train.images,
    lesions.train.labels,
    {model: samples[model] for model in models},
    class_names=data.CLASS_NAMES,
)
fig = plots.rgb_comparison(rgb, order=["all", *data.CLASS_NAMES])
book.glue_figure("fig-rgb", fig)

# %% [markdown]
# ```{glue:figure} fig-rgb
# :alt: Three panels for the red, green and blue channels; on the horizontal axis all images and then each class; markers for real training images and for each model's generated images, with bars for the spread of per-image means.
# :name: fig-rgb
#
# Mean of each colour channel (scaled to $[0, 1]$) of real training images and of
# generated images (seed-{glue:text}`gallery_seed` runs, {glue:text}`n_eval` images
# each): all images, then per class for the real images and the conditional
# model. Bars: standard deviation of the per-image means.
# ```

# %% [markdown]
# ## Does a conditional sample look like its class?
#
# The conditional model was asked for images of each diagnosis. The
# classifier trained on real images is a rough judge of whether it delivered:
# for each class, the share of generated images of that class that the
# classifier assigns to it ("agreement"), shown next to the classifier's
# recall on real test images of the class. Agreement near the real recall is
# what a faithful generator gives; far above it can mean caricatured class
# features that the classifier finds easy, far below it that the class did
# not come through.

# %%
agreement = study.class_agreement_table(
    [results[row.run_dir] for row in runs.itertuples() if row.model == "cdcgan"]
)
if agreement is not None:
    book.glue_figure("fig-class-agreement", plots.class_agreement(agreement))
    display(agreement.round(3))
    book.glue_value("agreement_mean", agreement["agreement"].mean(), ".2f")
    book.glue_value("recall_mean", agreement["real_recall"].mean(), ".2f")
    ratio = agreement["agreement"].mean() / agreement["real_recall"].mean()
    book.glue_value("agreement_ratio", ratio, ".2f")
    book.glue_value("agreement_curve", study.curve_verdict(curves, "cdcgan", "agreement")["text"])

# %% [markdown]
# ```{glue:figure} fig-class-agreement
# :alt: Grouped bars for the seven classes: the classifier's recall on real test images of each class in grey and the share of conditional samples of each class that it assigns to that class in blue.
# :name: fig-class-agreement
#
# Class agreement of the conditional model's samples (mean over its training
# seeds) next to the classifier's recall on real test images of each class;
# below each class: the number of real test images and of generated images
# per seed. Averaged over classes: agreement {glue:text}`agreement_mean`,
# real recall {glue:text}`recall_mean`.
# ```
#
# The mean real recall over the seven classes is the classifier's balanced
# accuracy on real test images, the most that class agreement can be expected
# to reach with this judge. The conditional model's balanced agreement is
# {glue:text}`agreement_ratio` times it; a model whose samples carried their
# class as clearly as real images do would be near $1$ (the study's target is
# at least {glue:text}`agreement_target`). Along its learning curve ({numref}`fig-learning-curves`,
# right) the agreement was {glue:text}`agreement_curve`.
#
# ## What this chapter shows
#
# With its feature extractor, sample size, seeds and floor stated, a
# comparison of GANs becomes something that can be checked and repeated. Here,
# {glue:text}`best_model_claim`; in a second feature space
# {glue:text}`ranking_agreement`; and in the study's own features
# {glue:text}`ladder_monotone`, so a larger distance does mean a larger loss of
# quality of the kinds tested. The
# numbers above are for {glue:text}`d_updates` discriminator updates per run
# at {glue:text}`image_px` pixels (chapter 3 gives the settings), and the
# learning curves say which models would still gain from more; the `full`
# profile trains longer at {glue:text}`full_image_size` pixels on a GPU. Chapter 6
# asks the question that matters for a medical application: do these
# synthetic images help a classifier?
