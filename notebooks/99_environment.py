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
# # The environment this book was built with
#
# Numbers in this book depend on the software and the machine that computed
# them. This page is computed by the same build as the chapters, so it
# describes the environment that produced them. The report of 2023 showed its
# libraries as a screenshot of import statements; here are the versions.

# %% tags=["parameters"]
check_tensorflow = True  # import TensorFlow to report its version and devices

# %%
from gan_study import book, report

env = report.environment(check_tensorflow=check_tensorflow)

# %% [markdown]
# ## Machine, code version and build

# %%
book.show_markdown(book.markdown_table(env["machine"]))

# %% [markdown]
# ## Libraries
#
# The versions of the Python packages the study imports, as installed in the
# environment that executed the notebooks.

# %%
book.show_markdown(book.markdown_table(env["packages"]))
