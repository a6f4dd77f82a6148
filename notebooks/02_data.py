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
# # The data: HAM10000 as the study sees it
#
# The 2023 report trained its GAN on the Kaggle copy of "Skin Cancer MNIST:
# HAM10000" and showed the data in three figures: a glimpse of images, the
# class categories and the mean RGB values. This chapter redraws those figures
# from the real images, with the numbers, and adds what the report left out:
# who the patients are, how the diagnoses were confirmed, and how many images
# show the *same* lesion, which decides how the data must be split.
#
# HAM10000 {cite:p}`tschandl2018ham10000` holds dermatoscopic images of
# pigmented skin lesions in seven diagnostic classes, labelled in the
# alphabetical order DermaMNIST uses {cite:p}`yang2023medmnist`.

# %% tags=["parameters"]
source = "ham10000"  # "ham10000" (arrays made from the JPEGs) or "dermamnist" (official npz)
split = "lesion"  # "lesion" (lesion-disjoint) or "dermamnist" (the official split)
image_size = 64  # side of the square images in pixels: 28, 32 or 64
data_dir = None  # data root; None: $GAN_STUDY_DATA_DIR, else data/raw
seed = 0  # which images the glimpse grid shows
images_per_class = 8  # images per class in the glimpse grid
classifier_image_size = 28  # image size of the two classifiers that measure the leak
classifier_epochs = 20  # their training epochs (the recipe of the evaluation chapter)

# %%
import numpy as np
import pandas as pd

from gan_study import book, classifier, data, plots

plots.set_style()
lesions = data.load(source=source, split=split, image_size=image_size, data_dir=data_dir)
images = np.concatenate([s.images for s in lesions.splits()])
labels = np.concatenate([s.labels for s in lesions.splits()])
meta = data.load_metadata(data_dir)
book.glue_value("n_images", len(images), ",d")
book.glue_value("image_size", image_size)
book.glue_value("n_lesions", meta["lesion_id"].nunique(), ",d")

# %% [markdown]
# ## A first look
#
# The study uses all {glue:text}`n_images` images, resized to
# {glue:text}`image_size` x {glue:text}`image_size` pixels (the whole frame
# squashed to a square, as DermaMNIST does). Each row of
# {numref}`fig-data-glimpse` shows randomly chosen images of one class, with
# the class size in brackets.

# %%
fig = plots.class_image_grid(images, labels, data.CLASS_NAMES, images_per_class, seed=seed)
book.glue_figure("fig-data-glimpse", fig)

# %% [markdown]
# ```{glue:figure} fig-data-glimpse
# :alt: Grid of small dermatoscopic images, one row per class (akiec, bcc, bkl, df, mel, nv, vasc), mostly brown or pink lesions on skin-coloured background.
# :name: fig-data-glimpse
#
# Randomly chosen images of each class (the report's Fig. 5, redrawn from the
# real data). Row labels give the class and its number of images.
# ```
#
# ## Seven classes, very unequal
#
# The classes are far from balanced. Melanocytic nevi (`nv`) make up
# {glue:text}`share_nv` of the images; the rarest class, dermatofibroma (`df`),
# has {glue:text}`n_df` images, {glue:text}`imbalance` times fewer than `nv`.
# Any classifier, and any class-conditional GAN, has to be judged per class.

# %%
counts = pd.Series(np.bincount(labels, minlength=len(data.CLASS_NAMES)), index=data.CLASS_NAMES)
book.glue_value("share_nv", counts["nv"] / counts.sum(), ".1%")
book.glue_value("n_df", int(counts.min()), ",d")
book.glue_value("imbalance", counts.max() / counts.min(), ".0f")
book.glue_figure("fig-data-classes", plots.class_counts(counts))
table = pd.DataFrame(
    {
        "class": counts.index,
        "meaning": [data.CLASS_DESCRIPTIONS[c] for c in counts.index],
        "images": counts.map("{:,}".format).to_numpy(),
        "share": (counts / counts.sum()).map("{:.1%}".format).to_numpy(),
    }
)
book.show_markdown(book.markdown_table(table))

# %% [markdown]
# ```{glue:figure} fig-data-classes
# :alt: Horizontal bar chart of images per class; nv is by far the longest bar, df and vasc the shortest.
# :name: fig-data-classes
#
# Images per class with their share of the data set (the report's Fig. 7,
# with the numbers it did not give).
# ```
#
# ## Colour
#
# Dermatoscopic images are mostly skin tones: red is the strongest channel in
# {glue:text}`n_red_top` of the {glue:text}`n_classes` classes and green the weakest in
# {glue:text}`n_green_low`. {numref}`fig-data-rgb` shows the mean of
# each channel per class and how pixel values are spread. Over all images the
# mean colour is ({glue:text}`mean_r`, {glue:text}`mean_g`, {glue:text}`mean_b`)
# (full intensity is one). These statistics are also a first check for generated
# images: a GAN that gets the colours wrong is visible here before any metric.

# %%
mean_rgb = images.reshape(-1, 3).mean(axis=0) / 255.0
class_means = np.array([images[labels == k].mean(axis=(0, 1, 2)) for k in range(7)])
book.glue_value("n_red_top", int((class_means.argmax(axis=1) == 0).sum()))
book.glue_value("n_green_low", int((class_means.argmin(axis=1) == 1).sum()))
for name, value in zip(("mean_r", "mean_g", "mean_b"), mean_rgb, strict=True):
    book.glue_value(name, float(value), ".3f")
book.glue_figure("fig-data-rgb", plots.rgb_by_class(images, labels, data.CLASS_NAMES))
book.show_markdown(
    book.markdown_table(plots.class_rgb_table(images, labels, data.CLASS_NAMES), index=True)
)

# %% [markdown]
# ```{glue:figure} fig-data-rgb
# :alt: Left, grouped bars of mean red, green and blue values per class, red highest everywhere; right, three density curves of pixel values, red shifted towards bright values.
# :name: fig-data-rgb
#
# Mean value of each RGB channel per class (left) and the distribution of
# pixel values of each channel over all images (right); the report's Fig. 10.
# ```
#
# ## Patients, body sites and how the diagnosis was made
#
# The metadata describe each image: the patient's age and sex, the body site
# (`localization`) and how the diagnosis was confirmed (`dx_type`: histopathology,
# follow-up examination, expert consensus or confocal microscopy).
# {glue:text}`share_histo` of the images have a histopathological diagnosis;
# for `nv`, {glue:text}`nv_follow_up` were confirmed by follow-up instead. Classes differ in age and
# body site, so a model can pick up cues that are not the lesion itself.

# %%
book.glue_value("share_histo", (meta["dx_type"] == "histo").mean(), ".0%")
book.glue_value(
    "nv_follow_up", (meta.loc[meta["dx"] == "nv", "dx_type"] == "follow_up").mean(), ".0%"
)
book.glue_figure("fig-data-meta", plots.metadata_by_class(meta, data.CLASS_NAMES))

# %%
summary = (
    meta.groupby("dx")
    .agg(
        images=("image_id", "size"),
        lesions=("lesion_id", "nunique"),
        median_age=("age", "median"),
        male=("sex", lambda s: f"{(s == 'male').mean():.0%}"),
        histopathology=("dx_type", lambda s: f"{(s == 'histo').mean():.0%}"),
    )
    .reindex(data.CLASS_NAMES)
)
book.show_markdown(book.markdown_table(summary, index=True))

# %% [markdown]
# ```{glue:figure} fig-data-meta
# :alt: Four panels per class: box plots of age, stacked bars of sex and of diagnosis type, and a heat map of body sites.
# :name: fig-data-meta
#
# Metadata per class: age (top left), sex (top right), how the diagnosis was
# confirmed (bottom left) and the share of each body site (bottom right).
# ```
#
# ## Several images of one lesion
#
# The {glue:text}`n_images_meta` images show only {glue:text}`n_lesions`
# distinct lesions: {glue:text}`n_multi` lesions were photographed more than
# once, up to {glue:text}`max_per_lesion` times. Two images of the same lesion
# are near-duplicates, so they must never end up on both sides of a split.

# %%
per_lesion = meta.groupby("lesion_id").size()
book.glue_value("n_images_meta", len(meta), ",d")
book.glue_value("n_multi", int((per_lesion > 1).sum()), ",d")
book.glue_value("max_per_lesion", int(per_lesion.max()))
book.glue_figure("fig-data-per-lesion", plots.images_per_lesion(meta))

# %% [markdown]
# ```{glue:figure} fig-data-per-lesion
# :alt: Bar chart on a log scale of how many lesions have one, two, up to six images; most lesions have one image.
# :name: fig-data-per-lesion
#
# Number of lesions by how many images they have.
# ```
#
# ## Splits: why lesions must not leak
#
# The study splits the data by lesion: about {glue:text}`share_train` of the
# lesions for training, {glue:text}`share_val` for validation and
# {glue:text}`share_test` for testing, stratified by class, with all images
# of a lesion (and the {glue:text}`n_duplicate_pairs` known duplicate pairs
# {cite:p}`abhishek2025dermamnist`)
# on one side. The official DermaMNIST split assigns *images* instead. Its
# validation set has {glue:text}`leak_val` images and its test set
# {glue:text}`leak_test` images whose lesion is also in the training set
# {cite:p}`abhishek2025dermamnist`. A classifier or a memorisation test
# evaluated there partly sees its training data again. In the lesion split
# the same counts are {glue:text}`leak_lesion`.

# %%
splits = {
    name: data.load("ham10000", name, image_size, data_dir) for name in ("lesion", "dermamnist")
}
overlap = {name: data.lesion_overlap(d) for name, d in splits.items()}
for side, share in zip(("train", "val", "test"), data.splits.FRACTIONS, strict=True):
    book.glue_value(f"share_{side}", share, ".0%")
book.glue_value("n_duplicate_pairs", len(data.duplicate_pairs()), "d")
book.glue_value("n_classes", len(data.CLASS_NAMES), "d")
book.glue_value("leak_val", overlap["dermamnist"]["images_val_in_train"], ",d")
book.glue_value("leak_test", overlap["dermamnist"]["images_test_in_train"], ",d")
book.glue_value(
    "leak_lesion",
    overlap["lesion"]["images_val_in_train"] + overlap["lesion"]["images_test_in_train"],
    ",d",
)

# %% [markdown]
# Images per class on each side of the lesion-disjoint split:

# %%
book.show_markdown(
    book.markdown_table(plots.class_split_table(splits["lesion"], data.CLASS_NAMES), index=True)
)

# %% [markdown]
# and of the official DermaMNIST split:

# %%
book.show_markdown(
    book.markdown_table(plots.class_split_table(splits["dermamnist"], data.CLASS_NAMES), index=True)
)

# %% [markdown]
# Lesions shared between sides, and images of validation or test whose lesion
# is in training, for both splits:

# %%
book.show_markdown(book.markdown_table(pd.DataFrame(overlap).rename_axis("count"), index=True))

# %% [markdown]
# ## What the leak does to a classifier
#
# Counting leaked images says nothing yet about how much they matter. So the
# study's classifier (the small CNN of the evaluation chapter, trained for
# {glue:text}`classifier_epochs` epochs on {glue:text}`classifier_px` images with
# the same recipe) is trained once on each split and scored on that split's
# test set. On the DermaMNIST split the test images whose lesion the classifier
# has seen in training are scored apart from the others.

# %%
at_size = {
    name: data.load("ham10000", name, classifier_image_size, data_dir)
    for name in ("lesion", "dermamnist")
}
leak, leak_by_class = classifier.leak_scores(
    at_size["lesion"], at_size["dermamnist"], epochs=classifier_epochs
)
book.show_markdown(book.markdown_table(leak.round(3), index=True))
book.glue_value("classifier_epochs", classifier_epochs)
book.glue_value("classifier_px", f"{classifier_image_size} x {classifier_image_size}")

# %%
for key in ("seen", "unseen"):
    row = leak.loc[f"DermaMNIST, lesion {key}"]
    book.glue_value(f"acc_{key}", row.accuracy, ".3f")
    book.glue_value(f"bal_{key}", row.balanced_accuracy, ".3f")
    book.glue_value(f"major_{key}", row.majority_accuracy, ".3f")
book.glue_value("acc_dm_all", leak.loc["DermaMNIST, all", "accuracy"], ".3f")
book.glue_value("acc_lesion_all", leak.loc["lesion split, all", "accuracy"], ".3f")

# %% [markdown]
# The two groups do not have the same class mix, so the same scores class by
# class (recall: the share of a class's images classified correctly):

# %%
book.show_markdown(book.markdown_table(leak_by_class.round(3), index=True))
both = leak_by_class.dropna()
higher = both["DermaMNIST, lesion seen recall"] > both["DermaMNIST, lesion unseen recall"]
book.glue_value("n_classes_higher", int(higher.sum()))
book.glue_value("n_classes_both", len(both))

# %% [markdown]
# On the test images whose lesion it saw in training, the DermaMNIST-trained
# classifier reaches accuracy {glue:text}`acc_seen` (balanced accuracy
# {glue:text}`bal_seen`); on the others {glue:text}`acc_unseen`
# ({glue:text}`bal_unseen`). Always answering the most frequent class would
# score {glue:text}`major_seen` and {glue:text}`major_unseen` on the two groups:
# lesions photographed several times are more often not nevi. Class by class,
# the seen images are recognised more often in {glue:text}`n_classes_higher` of
# the {glue:text}`n_classes_both` classes. Over its whole test set the
# DermaMNIST classifier reaches accuracy {glue:text}`acc_dm_all`, the
# lesion-split classifier {glue:text}`acc_lesion_all` on its own test set.
#
# Whatever the size of the effect for this small classifier, a test set that
# shares lesions with the training set cannot tell a model that recognises a
# diagnosis from one that recognises a lesion it has seen, and a memorisation
# test run on it would count a second photograph of a training lesion as a
# copy.
#
# The rest of the study uses the lesion-disjoint split unless a chapter says
# otherwise. Results computed on arrays made here from the images are close to,
# but not identical with, those on the official `dermamnist.npz`
# {cite:p}`yang2023medmnist`, which was resized from the full-resolution originals.
