"""The real-or-synthetic quiz keeps its answer key in step with its images.

The interactive page (:func:`gan_study.quiz.interactive_html`) is checked here as
text: its items, its inline images and its embedded key. A real browser drives it
in ``tests/book/test_quiz_browser.py``.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import re
from html.parser import HTMLParser

import numpy as np
import pytest
from PIL import Image

from gan_study.quiz import decode_key, encode_key, interactive_html, make_quiz


def _pools():
    real = np.zeros((20, 4, 4, 3), np.uint8)
    real[:, 0, 0, 0] = np.arange(20)  # 0..19 marks real
    fake = np.zeros((30, 4, 4, 3), np.uint8)
    fake[:, 0, 0, 0] = 100 + np.arange(30)  # >= 100 marks synthetic
    return real, fake


def test_key_matches_images_and_halves():
    real, fake = _pools()
    q = make_quiz(real, fake, n=16, seed=4)
    marks = q.images[:, 0, 0, 0]
    np.testing.assert_array_equal(marks < 100, q.is_real)
    assert q.is_real.sum() == 8
    np.testing.assert_array_equal(np.where(q.is_real, marks, marks - 100), q.source_index)
    assert len(set(marks.tolist())) == 16  # drawn without replacement
    key = q.answer_key()
    assert list(key.answer[q.is_real].unique()) == ["real"]
    assert key.row.max() == 4 and key.column.max() == 4


def test_seed_fixes_the_order_and_changes_it():
    real, fake = _pools()
    a = make_quiz(real, fake, seed=1)
    b = make_quiz(real, fake, seed=1)
    c = make_quiz(real, fake, seed=2)
    np.testing.assert_array_equal(a.images, b.images)
    assert not np.array_equal(a.is_real, c.is_real) or not np.array_equal(a.images, c.images)


def test_bad_input():
    real, fake = _pools()
    with pytest.raises(ValueError, match="need 8 real"):
        make_quiz(real[:3], fake)
    with pytest.raises(ValueError, match="differ in shape"):
        make_quiz(real, np.zeros((20, 5, 5, 3), np.uint8))
    with pytest.raises(ValueError, match="at least 2"):
        make_quiz(real, fake, n=1)


class _Page(HTMLParser):
    """Start tags of the fragment, in order, as (tag, attributes)."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.figures_open = 0
        self.imgs_outside_figure = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "figure":
            self.figures_open += 1
        elif tag == "img" and not self.figures_open:
            self.imgs_outside_figure += 1

    def handle_endtag(self, tag):
        if tag == "figure":
            self.figures_open -= 1

    def find(self, tag: str, attr: str | None = None) -> list[dict]:
        return [a for t, a in self.tags if t == tag and (attr is None or attr in a)]


def _quiz(size: int = 5, seed: int = 3):
    rng = np.random.default_rng(0)
    real = rng.integers(0, 256, (20, size, size, 3), dtype=np.uint8)
    fake = rng.integers(0, 256, (30, size, size, 3), dtype=np.uint8)
    return make_quiz(real, fake, n=16, seed=seed)


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


def test_interactive_page_has_an_item_and_two_buttons_per_image():
    q = _quiz()
    page = _parse(interactive_html(q))
    items = page.find("li", "data-quiz-item")
    assert [a["data-quiz-item"] for a in items] == [str(i) for i in range(1, 17)]
    answers = page.find("button", "data-answer")
    assert [a["data-answer"] for a in answers] == ["real", "synthetic"] * 16
    assert all(a["aria-pressed"] == "false" and a["type"] == "button" for a in answers)
    ids = {a["id"] for _, a in page.tags if "id" in a}
    assert {"quiz", "quiz-submit", "quiz-reset", "quiz-score", "quiz-progress"} <= ids
    assert "hidden" in next(a for a in page.find("button") if a.get("id") == "quiz-reset")
    assert len(page.find("script")) == 1
    # the verdicts are empty and hidden until the reader submits
    truths = page.find("p", "data-quiz-truth")
    assert len(truths) == 16 and all("hidden" in a for a in truths)
    # the book's own check: every image has alt text and sits in a captioned figure
    imgs = page.find("img")
    assert len(imgs) == 16 and all(a["alt"] and not a["alt"].endswith(".png") for a in imgs)
    assert page.imgs_outside_figure == 0 and len(page.find("figcaption")) == 1


def test_interactive_page_loads_nothing_from_outside():
    text = interactive_html(_quiz())
    assert re.findall(r'\bsrc="([a-z]+:)', text) == ["data:"] * 16
    # base64 may hold "//": drop the data URIs and the key, then no URL may be left
    rest = re.sub(r'data:image/png;base64,[A-Za-z0-9+/=]+|data-quiz-key="[^"]*"', "", text)
    assert "//" not in rest and not re.search(r"https?:|ftp:|www\.", rest)
    assert "<link" not in rest and "@import" not in rest and "url(" not in rest
    assert len(re.findall(r"\bsrc=", text)) == 16  # the images only: no script src


def test_interactive_page_embeds_the_images_as_pngs_of_their_own_size():
    q = _quiz(size=5)
    srcs = [a["src"] for a in _parse(interactive_html(q)).find("img")]
    for src, image in zip(srcs, q.images, strict=True):
        prefix = "data:image/png;base64,"
        assert src.startswith(prefix)
        png = base64.b64decode(src[len(prefix) :], validate=True)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(io.BytesIO(png)) as im:
            assert im.format == "PNG" and im.size == (5, 5) and im.mode == "RGB"
            np.testing.assert_array_equal(np.asarray(im), image)  # lossless, same order


def test_interactive_page_embeds_the_key_but_not_in_plain_text():
    q = _quiz()
    text = interactive_html(q)
    (root,) = [a for a in _parse(text).find("div", "data-quiz-key")]
    np.testing.assert_array_equal(decode_key(root["data-quiz-key"]), q.is_real)
    # the only words "real"/"synthetic" outside the script are the 32 buttons' labels
    # and their data-answer attributes, identical for every image
    html_only = re.sub(r"<script>.*?</script>", "", text, flags=re.S)
    assert html_only.count(">real<") == 16 and html_only.count(">synthetic<") == 16


def test_key_round_trips_and_rejects_garbage():
    for bits in ([True, False], [False] * 7, np.random.default_rng(1).random(300) < 0.5):
        np.testing.assert_array_equal(decode_key(encode_key(np.asarray(bits))), bits)
    with pytest.raises(ValueError, match="not a quiz key"):
        decode_key(base64.b64encode(bytes([7, 7, 7])).decode())


def test_interactive_page_ids_follow_the_name_and_bad_input_fails():
    q = _quiz()
    text = interactive_html(q, name="quiz-b", columns=8)
    assert 'id="quiz-b-submit"' in text and 'getElementById("quiz-b")' in text
    assert "repeat(8," in text
    with pytest.raises(ValueError, match="plain HTML id"):
        interactive_html(q, name='x" onclick="alert(1)')
    with pytest.raises(ValueError, match="positive"):
        interactive_html(q, columns=0)
    bad = dataclasses.replace(q, images=q.images.astype(np.float32))
    with pytest.raises(ValueError, match="uint8"):
        interactive_html(bad)
