"""HAM10000 for the study: finding it, splitting it, resizing it, caching it.

The public names live here; the submodules hold one concern each:

=================  =========================================================
``types``          :class:`Split`, :class:`LesionData`, the class vocabulary
``ham10000``       the metadata table, finding and resizing the JPEGs
``splits``         the lesion-disjoint split and the official DermaMNIST one
``cache``          the processed-array cache (atomic ``.npz`` files)
``medmnist``       the official DermaMNIST ``.npz`` (downloaded with pooch)
``download``       HAM10000 from the Harvard Dataverse (resumable, MD5-checked)
``tensors``        scaling to [-1, 1] and shuffled training batches
``dataset``        :func:`load`, :func:`summarize`, :func:`format_summary`
=================  =========================================================

Examples
--------
>>> from gan_study import data
>>> d = data.load(image_size=28)                   # doctest: +SKIP
>>> d.train.images.shape, d.train.labels[:3]       # doctest: +SKIP
"""

from gan_study.data.dataset import (
    SOURCES,
    format_summary,
    ham10000_arrays,
    leaked_test_mask,
    lesion_overlap,
    load,
    summarize,
)
from gan_study.data.download import download_ham10000
from gan_study.data.ham10000 import load_metadata
from gan_study.data.splits import (
    SPLITS,
    dermamnist_split,
    duplicate_pairs,
    lesion_split,
    subset_index,
    take_subset,
)
from gan_study.data.tensors import epoch_batches, to_float, to_uint8
from gan_study.data.types import (
    CLASS_DESCRIPTIONS,
    CLASS_NAMES,
    META_COLUMNS,
    SUPPORTED_SIZES,
    DataError,
    LesionData,
    Split,
)

__all__ = [
    "CLASS_DESCRIPTIONS",
    "CLASS_NAMES",
    "META_COLUMNS",
    "SOURCES",
    "SPLITS",
    "SUPPORTED_SIZES",
    "DataError",
    "LesionData",
    "Split",
    "dermamnist_split",
    "download_ham10000",
    "duplicate_pairs",
    "format_summary",
    "ham10000_arrays",
    "leaked_test_mask",
    "lesion_overlap",
    "lesion_split",
    "load",
    "load_metadata",
    "epoch_batches",
    "subset_index",
    "take_subset",
    "summarize",
    "to_float",
    "to_uint8",
]
