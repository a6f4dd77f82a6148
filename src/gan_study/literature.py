"""The literature behind the study, kept as data: the source report's tables and references.

The 2023 report the study starts from (Mukesh, Joshi & Saraf, key
``mukesh2023empowering``) has two tables, a survey of nine papers and a list
of 17 references. Their facts live in YAML files under
``gan_study/resources/literature/`` with BibTeX keys into ``references.bib``
(the book's bibliography), so the literature chapter renders them and a test
checks that every key resolves:

====================  ==========================================================
``problems.yaml``     Table I, the five problems of GAN training
``variants.yaml``     Table II, the eleven GAN variants, with years and papers
``survey.yaml``       section 2.5, which paper each paragraph really describes
``report_references`` the report's numbered reference list
``references.bib``    every work the book cites
====================  ==========================================================
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

RESOURCES = Path(__file__).parent / "resources" / "literature"
BIB_PATH = RESOURCES / "references.bib"
REPORT_KEY = "mukesh2023empowering"


def _load_yaml(name: str) -> dict:
    path = RESOURCES / name
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@cache
def bib_entries() -> dict[str, dict[str, str]]:
    """Parse ``references.bib`` into ``{key: {"type": ..., field: value}}``.

    Uses pybtex (installed with sphinxcontrib-bibtex), the parser the book uses.

    Raises
    ------
    ValueError
        On a duplicate key or a syntax error in the file.
    """
    from pybtex.database import parse_file

    try:
        db = parse_file(str(BIB_PATH), bib_format="bibtex")
    except Exception as exc:  # pybtex raises its own error types
        raise ValueError(f"{BIB_PATH}: {exc}") from exc
    out = {}
    for key, entry in db.entries.items():
        fields = {k.lower(): str(v) for k, v in entry.fields.items()}
        fields["type"] = entry.type
        fields["author"] = " and ".join(str(p) for p in entry.persons.get("author", []))
        out[key] = fields
    return out


def problems() -> pd.DataFrame:
    """Table I of the report: ``name``, ``summary``, ``cite`` (list of keys)."""
    return pd.DataFrame(_load_yaml("problems.yaml")["problems"])


def variants() -> pd.DataFrame:
    """Table II of the report with ``year``, ``arxiv_year``, ``cite``, ``family``, corrections."""
    df = pd.DataFrame(_load_yaml("variants.yaml")["variants"])
    for col in ("note", "correction", "correction_cite"):
        if col not in df:
            df[col] = None
    return df


def survey() -> pd.DataFrame:
    """Section 2.5: ``heading``, ``attributed``, ``describes``, ``topic``, ``correction``."""
    df = pd.DataFrame(_load_yaml("survey.yaml")["papers"])
    for col in ("correction", "correction_cite"):
        if col not in df:
            df[col] = None
    df["misattributed"] = df["attributed"] != df["describes"]
    return df


def report_references() -> pd.DataFrame:
    """The report's reference list: ``number``, ``key``, ``note``."""
    df = pd.DataFrame(_load_yaml("report_references.yaml")["references"])
    if "note" not in df:
        df["note"] = None
    return df


def cited_keys() -> set[str]:
    """Every BibTeX key the literature data files use."""
    keys: set[str] = {REPORT_KEY}
    for df, cols in (
        (problems(), ["cite"]),
        (variants(), ["cite", "correction_cite"]),
        (survey(), ["attributed", "describes", "correction_cite"]),
        (report_references(), ["key"]),
    ):
        for col in cols:
            for value in df[col].dropna():
                keys.update([value] if isinstance(value, str) else value)
    return keys


def short_citation(key: str) -> str:
    """``"Goodfellow et al. 2014"`` style text for a key (no markup)."""
    entry = bib_entries()[key]
    surnames = re.findall(r"(?:^| and )([^,]+),", entry["author"])
    if not surnames:
        surnames = [entry["author"].split(" and ")[0]]
    who = (
        surnames[0]
        if len(surnames) == 1
        else (f"{surnames[0]} & {surnames[1]}" if len(surnames) == 2 else f"{surnames[0]} et al.")
    )
    return f"{who} {entry.get('year', 'n.d.')}"


def cite(keys, style: str = "p") -> str:
    """A MyST citation role for ``keys`` (str or list): ``{cite:p}`a,b```."""
    keys = [keys] if isinstance(keys, str) else list(keys)
    return f"{{cite:{style}}}`{','.join(keys)}`" if keys else ""
