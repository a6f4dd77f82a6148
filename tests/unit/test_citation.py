"""CITATION.cff: the fields a citation needs, and the data sets as references.bib cites them.

The full schema check is ``cffconvert --validate`` (CFF 1.2.0), which is not a
dependency of the study; this test keeps the file consistent with the package.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_citation_file_has_what_a_citation_needs_and_matches_the_bibliography():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors", "license", "version"):
        assert cff[key], key
    assert cff["license"] == "MIT"
    project = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)
    assert str(cff["version"]) == project.group(1)
    bib = (ROOT / "src/gan_study/resources/literature/references.bib").read_text()
    dois = {ref["doi"]: ref["license"] for ref in cff["references"]}
    assert dois == {
        "10.1038/sdata.2018.161": "CC-BY-NC-SA-4.0",  # HAM10000
        "10.1038/s41597-022-01721-8": "CC-BY-NC-4.0",  # MedMNIST v2 / DermaMNIST
    }
    for doi in dois:
        assert f"doi     = {{{doi}}}" in bib, doi
