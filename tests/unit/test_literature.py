"""The literature data files: complete, consistent, and every citation resolves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gan_study import literature

ROOT = Path(__file__).resolve().parents[2]
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")


def test_every_key_the_data_files_use_is_in_references_bib():
    missing = literature.cited_keys() - set(literature.bib_entries())
    assert not missing


def test_no_duplicate_keys_in_references_bib():
    keys = re.findall(r"^@\w+\{([^,]+),", literature.BIB_PATH.read_text(), re.M)
    assert len(keys) == len(set(keys))


def test_every_citation_in_the_book_resolves():
    sources = [*ROOT.glob("notebooks/*.py"), *ROOT.glob("book/*.md")]
    used = {k.strip() for f in sources for m in CITE.findall(f.read_text()) for k in m.split(",")}
    assert used, "no citations found at all"
    assert not used - set(literature.bib_entries())


def test_table_one_has_the_five_problems_with_citations():
    df = literature.problems()
    assert list(df["name"]) == [
        "Non-convergence",
        "Mode collapse",
        "Instability",
        "Vanishing gradients",
        "Sensitivity to hyperparameters",
    ]
    assert all(len(c) > 0 for c in df["cite"])


def test_table_two_entries_have_a_year_and_a_citation():
    df = literature.variants()
    assert len(df) == 11
    bib = literature.bib_entries()
    for _, row in df.iterrows():
        assert isinstance(row["year"], int) and 2014 <= row["year"] <= 2020, row["name"]
        assert row["arxiv_year"] <= row["year"], row["name"]
        assert row["cite"], row["name"]
        assert int(bib[row["cite"][0]]["year"]) == row["year"], row["name"]


def test_ct_gan_correction_cites_all_three_works():
    row = literature.variants().set_index("name").loc["CT-GAN"]
    assert set(row["correction_cite"]) == {"mirsky2019ctgan", "xu2019ctgan", "wolterink2017mr2ct"}


def test_survey_has_nine_papers_and_the_three_rotated_paragraphs():
    df = literature.survey()
    assert len(df) == 9
    wrong = df[df["misattributed"]].set_index("attributed")["describes"].to_dict()
    assert wrong == {
        "foomani2022wound": "esmaeili2023anomaly",
        "tripathi2022drug": "foomani2022wound",
        "esmaeili2023anomaly": "tripathi2022drug",
    }
    assert df[df["misattributed"]]["correction"].notna().all()
    refs = set(literature.report_references()["key"])
    assert set(df["attributed"]) <= refs and set(df["describes"]) <= refs


def test_report_reference_list_is_numbered_one_to_seventeen():
    df = literature.report_references()
    assert list(df["number"]) == list(range(1, 18))
    assert df["key"].is_unique


@pytest.mark.parametrize(
    "key, expected",
    [("goodfellow2014gan", "Goodfellow et al. 2014"), ("mirza2014cgan", "Mirza & Osindero 2014")],
)
def test_short_citation(key, expected):
    assert literature.short_citation(key) == expected


def test_cite_role():
    assert literature.cite(["a", "b"]) == "{cite:p}`a,b`"
    assert literature.cite("a", "t") == "{cite:t}`a`"
