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
# # What the literature says, and what the 2023 report got wrong
#
# The study starts from a 2023 student project report
# {cite:p}`mukesh2023empowering`. Its literature chapter has two tables (the
# problems of GAN training and a list of GAN variants), a survey of nine papers
# and seventeen references. This chapter keeps those facts as data files
# (`src/gan_study/resources/literature/`), ties each one to the primary paper
# in the bibliography, and marks where the report is wrong.
#
# Everything below is rendered from those files; the tables are not typed
# into this page.

# %% tags=["parameters"]
figure_width = 9.0  # width of the timeline figure, inches
dpi = 110  # resolution of the figures

# %%
import pandas as pd
from myst_nb import glue

from gan_study import book, literature, plots

plots.set_style(dpi=dpi)

# %% [markdown]
# ## The problems of GAN training (the report's Table I)
#
# A GAN trains two networks against each other: a generator that turns random
# noise into samples and a discriminator that tells real samples from generated
# ones {cite:p}`goodfellow2014gan`. In the original formulation the two play
# the minimax game
#
# $$
# \min_G \max_D \; \mathbb{E}_{x \sim p_\text{data}}\left[\log D(x)\right]
#   + \mathbb{E}_{z \sim p_z}\left[\log\left(1 - D(G(z))\right)\right],
# $$
#
# where $D(x)$ is the probability the discriminator gives to $x$ being real and
# $G(z)$ is the image the generator makes from the noise vector $z$.
# The report lists five ways this goes wrong.
# The table restates each in our words with the papers that analyse it;
# the chapter on GAN problems measures them on our data.

# %%
problems = literature.problems()
problems["papers"] = problems["cite"].map(literature.cite)
book.show_markdown(
    book.markdown_table(
        problems.rename(columns={"name": "problem", "summary": "what happens"})[
            ["problem", "what happens", "papers"]
        ]
    )
)

# %% [markdown]
# ## Eleven GAN variants (the report's Table II)
#
# The report's second table lists {glue:text}`n_variants` kinds of GAN without
# dates or sources. Here each has its primary paper and the year of its
# peer-reviewed publication (the preprint often appeared a year earlier).

# %%
variants = literature.variants()
glue("n_variants", len(variants), display=False)
table = variants.assign(
    paper=variants["cite"].map(lambda k: literature.cite(k, "t")),
    preprint=variants["arxiv_year"],
)[["name", "year", "preprint", "paper", "summary"]]
book.show_markdown(book.markdown_table(table))

# %%
fig = plots.timeline(variants, width=figure_width)
book.glue_figure("fig-gan-timeline", fig)

# %% [markdown]
# ```{glue:figure} fig-gan-timeline
# :alt: Time line from 2014 to 2019 with one row and one dot per GAN variant of Table II, coloured by kind; the vanilla and conditional GAN in 2014, DCGAN in 2016, CycleGAN and pix2pix in 2017, Progressive GAN and GANomaly in 2018, StyleGAN, BigGAN, CT-GAN and AudioGAN (dated by WaveGAN) in 2019.
# :name: fig-gan-timeline
#
# The GAN variants of the report's Table II by year of peer-reviewed
# publication. All eleven appeared within six years of the first GAN.
# ```
#
# The report's descriptions are mostly right in outline. Three are not, and
# two entries need a note:

# %%
fixes = variants[variants["correction"].notna() | variants["note"].notna()]
for _, row in fixes.iterrows():
    text = row["correction"] if isinstance(row["correction"], str) else row["note"]
    keys = row["correction_cite"] if isinstance(row["correction_cite"], list) else row["cite"]
    kind = "**Correction**" if isinstance(row["correction"], str) else "Note"
    book.show_markdown(f"- {kind}, *{row['report_name']}*: {text} {literature.cite(keys)}")

# %% [markdown]
# The CT-GAN entry is the most misleading one for a medical reader: the name
# belongs to an *attack* that inserts or removes tumours in CT scans
# {cite:p}`mirsky2019ctgan`, the near-identical CTGAN synthesises tabular data
# {cite:p}`xu2019ctgan`, and producing CT images from MRI is an image
# translation task, solved for example with a CycleGAN trained on unpaired
# scans {cite:p}`wolterink2017mr2ct`.
#
# ## The survey of nine papers (the report's section 2.5)
#
# Section 2.5 summarises nine papers, one paragraph each, headed by the first
# author and year. Read against the report's own reference list,
# {glue:text}`n_misattributed` of the paragraphs summarise a different paper
# than the one named in their heading: the three names are rotated.
# The table gives, for each paragraph, the paper its heading names and the paper
# it actually describes.

# %%
survey = literature.survey()
glue("n_misattributed", int(survey["misattributed"].sum()), display=False)
table = pd.DataFrame(
    {
        "paragraph headed": survey["heading"],
        "names": survey["attributed"].map(lambda k: literature.cite(k, "t")),
        "actually describes": survey["describes"].map(lambda k: literature.cite(k, "t")),
        "topic of the paper described": survey["topic"],
        "correct?": survey["misattributed"].map({True: "**no**", False: "yes"}),
    }
)
book.show_markdown(book.markdown_table(table))

# %% [markdown]
# The corrections, one per paragraph:

# %%
for _, row in survey[survey["correction"].notna()].iterrows():
    book.show_markdown(
        f"- *{row['heading']}*: {row['correction']} {literature.cite(row['correction_cite'])}"
    )

# %% [markdown]
# ## The report's references
#
# The report lists {glue:text}`n_report_refs` references. They are all in this
# book's bibliography; the table keeps the report's numbering so that its text
# can be followed.

# %%
refs = literature.report_references()
glue("n_report_refs", len(refs), display=False)
table = pd.DataFrame(
    {
        "no.": refs["number"],
        "reference": refs["key"].map(lambda k: literature.cite(k, "t")),
        "note": refs["note"].fillna(""),
    }
)
book.show_markdown(book.markdown_table(table))

# %% [markdown]
# ## What the rest of the book takes from this
#
# The report's own experiment is a DCGAN {cite:p}`radford2016dcgan` on the
# HAM10000 images, judged by SSIM, "pixel-wise accuracy" and FID, with no
# numbers given. The following chapters rebuild that experiment on the real
# data, measure what the report only names, and put the problems of Table I
# to the test: mode collapse, instability and sensitivity to hyperparameters
# are things we can count. The Wasserstein GAN with gradient penalty
# {cite:p}`arjovsky2017wgan,gulrajani2017wgangp` is the variant we add because
# it was designed against the vanishing gradients and instability of the
# original loss.
