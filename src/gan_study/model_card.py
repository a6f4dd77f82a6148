"""A model card for every finished GAN run: what it is, what it may be used for, its limits.

A trained generator that leaves its run directory without a description is
easy to misuse: a 28-pixel lesion generator trained on a CPU is a teaching and
research object, not a source of clinical images. Following Mitchell et al.
(2019), :func:`model_card` writes down, from the run directory alone, what was
trained on which data (split, image count, classes and their licence), the
measured metrics beside their real-versus-real floors once the run has been
evaluated (``metrics.json``), the intended uses and the uses that are out of
scope, and the known limits. The trainer writes the card when a run finishes
and :func:`gan_study.evaluation.evaluate_run` rewrites it with the metrics.

References
----------
.. [1] Mitchell, M. et al. (2019). Model cards for model reporting. FAT* '19.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

CARD_FILE = "MODEL_CARD.md"
DATA_LICENCES = {
    "ham10000": "CC BY-NC-SA 4.0 (HAM10000, Tschandl et al. 2018, doi:10.1038/sdata.2018.161)",
    "dermamnist": (
        "CC BY-NC-SA 4.0 (the HAM10000 images) and CC BY-NC 4.0 (the DermaMNIST split, "
        "MedMNIST v2, Yang et al. 2023)"
    ),
}
CLASS_NAMES = ("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc")


def model_card(run_dir) -> str:
    """The model card of a finished run, as Markdown.

    Parameters
    ----------
    run_dir : path-like
        A run directory with ``config.json`` and ``history.csv``; ``metrics.json``
        is used when present.

    Raises
    ------
    FileNotFoundError
        When ``run_dir`` holds no ``config.json``.
    """
    run_dir = Path(run_dir)
    path = run_dir / "config.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: {run_dir} is not a training run directory")
    meta = json.loads(path.read_text())
    config, data, env = meta["config"], meta.get("data", {}), meta.get("environment", {})
    history = run_dir / "history.csv"
    frame = pd.read_csv(history) if history.is_file() else pd.DataFrame()
    d_updates = int(frame["d_steps"].sum()) if "d_steps" in frame else None
    metrics_path = run_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else None
    lines = [
        f"# Model card: {meta.get('run_name', run_dir.name)}",
        "",
        "## What it is",
        "",
        f"* A `{config['model']}` generator of {config['image_size']} x {config['image_size']} "
        "RGB dermatoscopic lesion images"
        + (", conditioned on the diagnosis" if config["model"] == "cdcgan" else "")
        + ", trained with the gan-study trainer.",
        f"* Training: {config['epochs']} epochs at batch {config['batch_size']}"
        + (f" ({d_updates:,} discriminator updates)" if d_updates is not None else "")
        + f", seed {config['seed']}, loss `{config['loss']}`, learning rates "
        f"{config['lr_g']:g} (G) / {config['lr_d']:g} (D); the weights here are the "
        "exponential moving average of the generator's (`generator_ema.keras`).",
        f"* Trained on: {_data_text(data)}.",
        f"* Data licence: {DATA_LICENCES.get(data.get('source'), 'see the data source')}. "
        "Generated images derive from these data and carry the same non-commercial terms.",
        f"* Software: gan-study {env.get('gan_study', '?')}, TensorFlow "
        f"{env.get('tensorflow', '?')}, trained on {env.get('device', '?')}.",
        "",
        "## Intended use",
        "",
        "* Teaching: how GANs are trained, evaluated and how they fail.",
        "* Method research on small data: comparing training recipes, metrics and "
        "memorisation audits against this reference.",
        "",
        "## Out of scope",
        "",
        "* Any clinical or diagnostic use, and any claim about a patient or a lesion.",
        "* Training or validating a diagnostic classifier without checks like those of "
        "the study's chapter 6 (a paired comparison against oversampling the same classes).",
        "* Commercial use (the data licence forbids it).",
        "* Claims of privacy: the memorisation checks below are proxies, not guarantees.",
        "",
        "## Measured",
        "",
        *(_metrics_lines(metrics) if metrics else ["Not evaluated yet: run `gan-study evaluate`."]),
        "",
        "## Known limits",
        "",
        f"* Resolution: {config['image_size']} x {config['image_size']} pixels; fine "
        "dermatoscopic structures (pigment networks, vessels) are below it.",
        "* The distances are measured in the features of a small classifier trained on "
        "the same data, not ImageNet InceptionV3; they are not comparable with published FIDs.",
        "* A single run: other seeds of the same configuration land elsewhere "
        "(the study reports the spread).",
        "",
    ]
    return "\n".join(lines)


def _data_text(data: dict) -> str:
    text = f"{data.get('n_train', '?'):,} training images" if data.get("n_train") else "?"
    text += f" of the `{data.get('source')}` source, `{data.get('split')}` split"
    counts = data.get("class_counts")
    if counts:
        text += " (" + ", ".join(f"{n} {c:,}" for n, c in zip(CLASS_NAMES, counts, strict=True))
        text += ")"
    else:
        text += " (class counts not recorded by this run)"
    return text


def _metrics_lines(m: dict) -> list[str]:
    fd, dc = m["fd"], m["data_copying"]
    lines = [
        f"* Held-out FD (N = {fd['n']} per side, {fd['repeats']} disjoint repeats, the study's "
        f"classifier features): {_num(fd['value'])}; real-versus-real floor "
        f"{_num(fd['floor'])} ± {_num(fd['floor_std'])}.",
        f"* Precision / recall: {_num(m['precision_recall']['precision'])} / "
        f"{_num(m['precision_recall']['recall'])} (floor "
        f"{_num(m['precision_recall']['floor_precision'])} / "
        f"{_num(m['precision_recall']['floor_recall'])}).",
    ]
    if m.get("class_agreement"):
        rows = [r for r in m["class_agreement"] if r["agreement"] is not None]
        mean = sum(r["agreement"] for r in rows) / len(rows) if rows else None
        recalls = [r["real_recall"] for r in m["class_agreement"] if r["real_recall"] is not None]
        recall = sum(recalls) / len(recalls) if recalls else None
        lines.append(
            f"* Class agreement (share of images of a class that the study's classifier "
            f"assigns to it, mean over classes): {_num(mean)}, against {_num(recall)} for "
            "real test images."
        )
    ratio = m["memorization"]["pixel"]["median_ratio"]
    lines.append(
        f"* Memorisation audit: nearest-training distance ratio (pixels) {_num(ratio)} "
        f"(well below 1 would suggest copying); data-copying C_T {_num(dc.get('ct'))} "
        "(strongly negative would suggest copying)."
    )
    lines.append(f"* Evaluated with n = {m['n']} generated images, seed {m['seed']}.")
    return lines


def _num(value) -> str:
    return "n/a" if value is None else f"{value:.3g}"


def write_model_card(run_dir) -> Path:
    """Write (or rewrite) ``MODEL_CARD.md`` in ``run_dir``, atomically."""
    from gan_study import store

    return store.atomic_write_text(Path(run_dir) / CARD_FILE, model_card(run_dir))
