"""The training and evaluation chapters' names in one place: the grid, its tables, its verdicts.

The chapters call ``study.x``; what they call lives in three modules, by what
it holds:

* :mod:`gan_study.grid` trains, evaluates and samples the grid of runs
  (models x seeds);
* :mod:`gan_study.tidy` turns the runs' results into tidy tables and the
  tables the chapters show;
* :mod:`gan_study.verdicts` decides the sentences the chapters may state.

This module only re-exports them, so that a chapter needs one import.
"""

from __future__ import annotations

from gan_study.grid import (
    evaluate_grid,
    generated_images,
    generated_sample,
    learning_curves,
    real_examples,
    run_device,
    sample_epochs,
    sample_grids,
    train_grid,
)
from gan_study.tidy import (
    FLOOR_KEYS,
    MEMORISATION_METRICS,
    METRIC_NAMES,
    METRIC_TITLES,
    SUMMARY_VALUES,
    TIDY_COLUMNS,
    class_agreement_table,
    class_memorisation,
    defaults_table,
    flatten_metrics,
    floors,
    ladder_table,
    mean_spread,
    metric_table,
    rgb_table,
    summarize,
    tidy_metrics,
    unavailable_note,
)
from gan_study.verdicts import (
    AGREEMENT_TARGET,
    best_model_claim,
    curve_verdict,
    fd_differences,
    flat_image_similarity,
    floor_verdict,
    format_mean_spread,
    ladder_monotone_text,
    ladder_verdict,
    ordinals,
    ranking_agreement_text,
    recipe_text,
    second_extractor_ranking,
    update_budget,
)

__all__ = [
    "AGREEMENT_TARGET",
    "FLOOR_KEYS",
    "MEMORISATION_METRICS",
    "METRIC_NAMES",
    "METRIC_TITLES",
    "SUMMARY_VALUES",
    "TIDY_COLUMNS",
    "best_model_claim",
    "class_agreement_table",
    "class_memorisation",
    "curve_verdict",
    "defaults_table",
    "evaluate_grid",
    "fd_differences",
    "flat_image_similarity",
    "flatten_metrics",
    "floor_verdict",
    "floors",
    "format_mean_spread",
    "generated_images",
    "generated_sample",
    "ladder_monotone_text",
    "ladder_table",
    "ladder_verdict",
    "learning_curves",
    "mean_spread",
    "metric_table",
    "ordinals",
    "ranking_agreement_text",
    "real_examples",
    "recipe_text",
    "rgb_table",
    "run_device",
    "sample_epochs",
    "sample_grids",
    "second_extractor_ranking",
    "summarize",
    "tidy_metrics",
    "train_grid",
    "unavailable_note",
    "update_budget",
]
