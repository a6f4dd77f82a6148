"""The quick-profile report end to end, checked several ways (``book``: tests/book/conftest.py)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from gan_study import report

pytestmark = [pytest.mark.book, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def pages(html_dir: Path) -> list[Path]:
    return [p for p in html_dir.rglob("*.html") if "_static" not in p.parts]


class _Images(HTMLParser):
    """Collect <img> tags with their alt text and whether they sit in a captioned figure."""

    def __init__(self):
        super().__init__()
        self.images, self.stack, self.scripts, self.links = [], [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "figure":
            self.stack.append({"caption": False, "imgs": []})
        elif tag == "figcaption" and self.stack:
            self.stack[-1]["caption"] = True
        elif tag == "img":
            img = {"src": a.get("src", ""), "alt": a.get("alt", ""), "in_figure": bool(self.stack)}
            self.images.append(img)
            if self.stack:
                self.stack[-1]["imgs"].append(img)
        elif tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        elif tag == "link" and a.get("rel") in ("stylesheet", "preload"):
            self.links.append(a.get("href", ""))

    def handle_endtag(self, tag):
        if tag == "figure" and self.stack:
            fig = self.stack.pop()
            for img in fig["imgs"]:
                img["captioned"] = fig["caption"]


def parse(page: Path) -> _Images:
    p = _Images()
    p.feed(page.read_text(encoding="utf-8"))
    return p


def test_every_chapter_has_a_page(book):
    for nb in report.discover_notebooks(ROOT):
        page = book.html_dir / "notebooks" / f"{nb.stem}.html"
        assert page.is_file(), f"no page for {nb.name}"
    assert (book.html_dir / "intro.html").is_file()
    assert (book.html_dir / "bibliography.html").is_file()


def test_every_referenced_image_exists(book):
    for page in pages(book.html_dir):
        for img in parse(page).images:
            src = img["src"]
            if src.startswith(("http:", "https:", "data:")):
                continue
            assert (page.parent / src.split("#")[0]).resolve().is_file(), f"{page.name}: {src}"


def test_chapter_figures_have_alt_text_and_a_caption(book):
    n = 0
    for page in (book.html_dir / "notebooks").glob("*.html"):
        for img in parse(page).images:
            if img["src"].startswith("../_static/"):
                continue  # theme logos
            n += 1
            assert img["alt"] and not img["alt"].endswith(".png"), f"{page.name}: {img['src']}"
            assert img.get("captioned"), f"{page.name}: figure without caption {img['src']}"
    assert n >= 6


def test_no_error_output_in_any_page(book):
    for page in pages(book.html_dir):
        text = page.read_text(encoding="utf-8")
        assert "Traceback (most recent call last)" not in text, page.name
        assert 'class="output traceback' not in text, page.name
        assert "PapermillExecutionError" not in text, page.name
        assert not re.search(r'class="output stderr".{0,400}Error', text, re.S), page.name


def test_mathjax_is_local_and_nothing_loads_from_a_cdn(book):
    lit = (book.html_dir / "notebooks" / "01_literature.html").read_text(encoding="utf-8")
    assert "_static/mathjax/tex-chtml.js" in lit, "the equation page must load the local MathJax"
    assert (book.html_dir / "_static" / "mathjax" / "tex-chtml.js").is_file()
    for page in pages(book.html_dir):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"cdn\.jsdelivr|cdnjs|mathjax@|polyfill\.io", text), page.name
        parsed = parse(page)
        remote = [
            s for s in parsed.scripts + parsed.links if s.startswith(("http:", "https:", "//"))
        ]
        assert not remote, f"{page.name} loads {remote}"


def test_glued_numbers_reach_the_prose(book):
    text = (book.html_dir / "notebooks" / "02_data.html").read_text(encoding="utf-8")
    # the data chapter glues the total image count into its first paragraph
    assert re.search(r"uses all\s+(<[^>]+>\s*)*10,015", text)


def test_every_notebook_left_a_fresh_stamp(book):
    stamps = {p.name for p in (book.html_dir.parent / "executed").glob("*.stamp.json")}
    assert stamps == {f"{nb.stem}.stamp.json" for nb in report.discover_notebooks(ROOT)}


def test_each_reference_run_is_trained_once_by_the_chapter_that_makes_it(book):
    """Chapter 3 trains the first seed's runs, chapter 4 the other seeds; 6 trains only
    its scarce-data cDCGANs and 7 none.

    Every run records the chapter whose kernel trained it (``environment.notebook``
    in ``config.json``). A chapter that trained a variant of the shared runs
    of its own (another run name) would show up here, and so would a run
    trained by a chapter that should only reuse it.
    """
    import json

    from gan_study import paths, profiles
    from gan_study.config import RunGrid

    grid = RunGrid.from_parameters(profiles.PROFILES["quick"]["04_evaluation"])
    made = {}
    for path in paths.runs_dir().glob("*/config.json"):
        made[path.parent.name] = json.loads(path.read_text())["environment"].get("notebook")
    expected = {
        c.run_name(): "03_training" if c.seed == grid.seeds[0] else "04_evaluation"
        for c in grid.configs()
    }
    assert {name: made.get(name) for name in expected} == expected
    others = {name: nb for name, nb in made.items() if name not in expected}
    # chapter 5 trains runs of its own (its small experiments), chapter 6 its
    # scarce-data cDCGANs on fewer images than the reference runs
    assert set(others.values()) <= {"05_gan_problems", "06_synthetic_data"}, others
    assert "05_gan_problems" in others.values(), "is the runs folder the book's?"
    scarce = [n for n, nb in others.items() if nb == "06_synthetic_data"]
    assert scarce and all(n.startswith("cdcgan-") for n in scarce), others
    for name in scarce:
        config = json.loads((paths.runs_dir() / name / "config.json").read_text())["config"]
        assert config["max_train_images"] < (grid.max_train_images or 10**9)


def test_the_run_plan_lists_exactly_the_runs_the_quick_book_trains(book, real_data_root):
    """``gan-study runs --profile quick --list`` names every GAN run the build made, no other.

    The fixture builds the quick profile without overrides from ``real_data_root``;
    the plan is made the same way. A run the build trained carries its chapter
    in ``config.json`` (``environment.notebook``); the runs folder is the
    session's own, so every run a chapter needs was trained by the build.
    """
    import json

    from gan_study import paths, run_plan

    made = set()
    for path in paths.runs_dir().glob("*/config.json"):
        meta = json.loads(path.read_text())
        if "config" in meta and meta.get("environment", {}).get("notebook"):
            made.add(path.parent.name)
    plan = run_plan.planned_runs("quick", root=ROOT, data_dir=real_data_root)
    listed = {run.name for run in plan}
    assert len(listed) == len(plan)
    assert made == listed, {
        "trained by the book, not listed": sorted(made - listed),
        "listed, not trained by the book": sorted(listed - made),
    }
