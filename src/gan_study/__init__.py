"""gan-study: a reproducible study of GANs on real dermatoscopic images (HAM10000).

The package holds everything the study's notebooks call: the data pipeline
(:mod:`gan_study.data`), the models (:mod:`gan_study.models`), the one trainer
(:mod:`gan_study.training`), the evaluation toolkit (:mod:`gan_study.metrics`,
:mod:`gan_study.classifier`, :mod:`gan_study.evaluation`), figure helpers
(:mod:`gan_study.plots`) and the report machinery (:mod:`gan_study.report`).

TensorFlow is imported lazily by the modules that need it, so that
``import gan_study`` and the data/report commands stay fast.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "load_generator"]


def load_generator(run_dir, ema: bool = True):
    """Load the trained generator of a run directory, or of an exported archive.

    Parameters
    ----------
    run_dir : str or pathlib.Path
        A run directory written by :func:`gan_study.training.train`, or a
        ``.tar.gz`` written by ``gan-study export`` (checked against its
        manifest first; it holds the EMA generator only).
    ema : bool, default True
        Load the exponential-moving-average generator (``generator_ema.keras``)
        rather than the raw one (``generator.keras``).

    Returns
    -------
    keras.Model
    """
    from pathlib import Path

    if Path(run_dir).is_file():
        if not ema:
            raise ValueError("an exported archive holds the EMA generator only: use ema=True")
        from gan_study.export import load_exported

        return load_exported(run_dir)
    from gan_study.training import load_generator as _load

    return _load(run_dir, ema=ema)
