"""A "real or synthetic?" quiz: mix real and generated images by a seed, keep the key.

The classroom chapter shows a grid of images, half of them real HAM10000 images and
half of them drawn from a trained generator, in an order fixed by a seed. The answer
key is computed here, never typed, so the page and its key cannot disagree.
:func:`interactive_html` turns a quiz into a self-contained HTML fragment (inline
images, style and script; nothing loaded from elsewhere) in which the reader
answers each image, submits, and only then sees the score and the key.

A quiz like this is a teaching device. It is not a perceptual study: one reader, no
blinding protocol, no clinicians and a handful of images measure nothing about
clinical realism.
"""

from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from PIL import Image


@dataclass(frozen=True)
class Quiz:
    """Images in quiz order and, for each position, where it came from.

    Attributes
    ----------
    images : numpy.ndarray, uint8, shape (n, S, S, 3)
        The images in the order they are shown.
    is_real : numpy.ndarray of bool, shape (n,)
        True where the image at that position is a real photograph.
    source_index : numpy.ndarray of int, shape (n,)
        Index of the image in the array it was taken from (real or synthetic).
    """

    images: np.ndarray
    is_real: np.ndarray
    source_index: np.ndarray

    def answer_key(self, columns: int = 4) -> pd.DataFrame:
        """The key as a table: position (1-based), row, column and answer."""
        n = len(self.is_real)
        pos = np.arange(n)
        return pd.DataFrame(
            {
                "position": pos + 1,
                "row": pos // columns + 1,
                "column": pos % columns + 1,
                "answer": np.where(self.is_real, "real", "synthetic"),
            }
        )


def make_quiz(real: np.ndarray, synthetic: np.ndarray, *, n: int = 16, seed: int = 0) -> Quiz:
    """Draw ``n // 2`` real and ``n - n // 2`` synthetic images and shuffle them.

    Parameters
    ----------
    real, synthetic : numpy.ndarray, uint8, shape (M, S, S, 3)
        Pools to draw from without replacement; same image shape.
    n : int, default 16
        Number of images in the quiz (at least 2).
    seed : int, default 0
        Seed of the draw and of the order.

    Returns
    -------
    Quiz

    Raises
    ------
    ValueError
        If a pool is too small, the shapes differ or ``n < 2``.
    """
    if n < 2:
        raise ValueError(f"a quiz needs at least 2 images, got n={n}")
    real = np.asarray(real)
    synthetic = np.asarray(synthetic)
    if real.shape[1:] != synthetic.shape[1:]:
        raise ValueError(
            f"real and synthetic images differ in shape: {real.shape[1:]} vs {synthetic.shape[1:]}"
        )
    n_real = n // 2
    n_fake = n - n_real
    if len(real) < n_real or len(synthetic) < n_fake:
        raise ValueError(
            f"need {n_real} real and {n_fake} synthetic images, got {len(real)} and {len(synthetic)}"
        )
    rng = np.random.default_rng(seed)
    real_idx = rng.choice(len(real), n_real, replace=False)
    fake_idx = rng.choice(len(synthetic), n_fake, replace=False)
    images = np.concatenate([real[real_idx], synthetic[fake_idx]])
    is_real = np.concatenate([np.ones(n_real, bool), np.zeros(n_fake, bool)])
    source = np.concatenate([real_idx, fake_idx])
    order = rng.permutation(n)
    return Quiz(images=images[order], is_real=is_real[order], source_index=source[order])


#: Key bytes are XOR-ed with this per-position mask (see :func:`encode_key`); the page's
#: script computes the same mask.
_MASK_MUL, _MASK_ADD = 73, 41

#: The look of the interactive quiz; theme colours where the book's theme defines them.
_CSS = """
.gsq{--gsq-right:#1a7f37;--gsq-wrong:#b3261e;--gsq-line:var(--pst-color-border,#c8c8c8);
 --gsq-accent:var(--pst-color-primary,#0a5fb4);margin:1.5em 0}
.gsq figure{margin:0}
.gsq figcaption{margin:0 0 .75em;text-align:left}
.gsq-grid{display:grid;gap:.6em;list-style:none;margin:0;padding:0;max-width:40em}
.gsq-item{border:2px solid var(--gsq-line);border-radius:6px;padding:.35em;margin:0;
 text-align:center}
.gsq-item img{display:block;width:100%;height:auto;image-rendering:pixelated;margin:0 0 .35em}
.gsq-pos{font-size:.8em;display:block}
.gsq-buttons{display:flex;gap:.25em;justify-content:center;flex-wrap:wrap}
.gsq button{font:inherit;font-size:.8em;padding:.15em .45em;border:1px solid var(--gsq-line);
 border-radius:4px;background:transparent;color:inherit;cursor:pointer}
.gsq button[aria-pressed=true]{background:var(--gsq-accent);border-color:var(--gsq-accent);
 color:#fff}
.gsq button:disabled{cursor:default;opacity:.75}
.gsq button:focus-visible{outline:2px solid var(--gsq-accent);outline-offset:2px}
.gsq-truth{font-size:.8em;font-weight:bold;margin:.3em 0 0}
.gsq-item[data-quiz-result=right]{border-color:var(--gsq-right)}
.gsq-item[data-quiz-result=right] .gsq-truth{color:var(--gsq-right)}
.gsq-item[data-quiz-result=wrong],.gsq-item[data-quiz-result=unanswered]{
 border-color:var(--gsq-wrong)}
.gsq-item[data-quiz-result=wrong] .gsq-truth,.gsq-item[data-quiz-result=unanswered] .gsq-truth{
 color:var(--gsq-wrong)}
.gsq-controls{display:flex;gap:.75em;align-items:center;flex-wrap:wrap;margin-top:.75em}
.gsq-controls button{font-size:1em;padding:.3em .9em}
.gsq-score{font-weight:bold}
.gsq-score:empty,.gsq-progress:empty{display:none}
"""

#: The quiz's behaviour; ``__ROOT__`` is replaced by the root element's id.
_SCRIPT = """
(function () {
  "use strict";
  var root = document.getElementById("__ROOT__");
  if (!root || root.getAttribute("data-quiz-ready")) { return; }
  root.setAttribute("data-quiz-ready", "1");
  var raw = atob(root.getAttribute("data-quiz-key"));
  var key = [];
  for (var k = 0; k < raw.length; k++) {
    var bit = raw.charCodeAt(k) ^ ((k * __MUL__ + __ADD__) & 255);
    key.push(bit === 1 ? "real" : "synthetic");
  }
  var items = root.querySelectorAll("[data-quiz-item]");
  var submit = document.getElementById("__ROOT__-submit");
  var reset = document.getElementById("__ROOT__-reset");
  var score = document.getElementById("__ROOT__-score");
  var progress = document.getElementById("__ROOT__-progress");
  var VERDICT = {
    right: "\\u2713 right: ", wrong: "\\u2717 wrong, it is ", unanswered: "\\u2717 no answer, it is "
  };
  var answers = {};
  var done = false;
  function answered() { return Object.keys(answers).length; }
  function showProgress() {
    progress.textContent = answered() + " of " + items.length + " answered";
  }
  function choose(item, button) {
    if (done) { return; }
    answers[item.getAttribute("data-quiz-item")] = button.getAttribute("data-answer");
    item.querySelectorAll("button[data-answer]").forEach(function (b) {
      b.setAttribute("aria-pressed", b === button ? "true" : "false");
    });
    showProgress();
  }
  items.forEach(function (item) {
    item.querySelectorAll("button[data-answer]").forEach(function (b) {
      b.addEventListener("click", function () { choose(item, b); });
    });
  });
  submit.addEventListener("click", function () {
    if (done) { return; }
    done = true;
    var right = 0;
    items.forEach(function (item) {
      var pos = item.getAttribute("data-quiz-item");
      var truth = key[Number(pos) - 1];
      var given = answers[pos];
      var result = given === undefined ? "unanswered" : (given === truth ? "right" : "wrong");
      if (result === "right") { right += 1; }
      item.setAttribute("data-quiz-result", result);
      var label = item.querySelector("[data-quiz-truth]");
      label.textContent = VERDICT[result] + truth;
      label.hidden = false;
      item.querySelectorAll("button[data-answer]").forEach(function (b) { b.disabled = true; });
    });
    root.setAttribute("data-quiz-state", "submitted");
    score.setAttribute("data-score", String(right));
    score.textContent = "You got " + right + " of " + items.length +
      " right. Guessing gets about half of them right.";
    submit.hidden = true;
    reset.hidden = false;
    reset.focus();
  });
  reset.addEventListener("click", function () {
    done = false;
    answers = {};
    items.forEach(function (item) {
      item.removeAttribute("data-quiz-result");
      var label = item.querySelector("[data-quiz-truth]");
      label.textContent = "";
      label.hidden = true;
      item.querySelectorAll("button[data-answer]").forEach(function (b) {
        b.disabled = false;
        b.setAttribute("aria-pressed", "false");
      });
    });
    root.setAttribute("data-quiz-state", "open");
    score.removeAttribute("data-score");
    score.textContent = "";
    progress.textContent = "";
    reset.hidden = true;
    submit.hidden = false;
    submit.focus();
  });
})();
"""


def _mask(n: int) -> np.ndarray:
    """The per-position bytes that :func:`encode_key` XORs the key with."""
    return ((np.arange(n) * _MASK_MUL + _MASK_ADD) & 255).astype(np.uint8)


def encode_key(is_real: np.ndarray) -> str:
    """Encode a quiz key for the page: one masked byte per position, in base64.

    Parameters
    ----------
    is_real : numpy.ndarray of bool, shape (n,)
        True where the image at that position is real.

    Returns
    -------
    str
        ASCII text; :func:`decode_key` and the page's script invert it.

    Notes
    -----
    This hides the key from a glance at the page source, nothing more: anyone who
    reads the script can decode it.
    """
    bits = np.asarray(is_real, bool).astype(np.uint8)
    return base64.b64encode((bits ^ _mask(len(bits))).tobytes()).decode("ascii")


def decode_key(text: str) -> np.ndarray:
    """Invert :func:`encode_key`: the ``is_real`` array of the quiz.

    Parameters
    ----------
    text : str
        What :func:`encode_key` returned (the page's ``data-quiz-key``).

    Returns
    -------
    numpy.ndarray of bool, shape (n,)

    Raises
    ------
    ValueError
        If ``text`` is not a key that :func:`encode_key` could have made.
    """
    raw = np.frombuffer(base64.b64decode(text, validate=True), np.uint8)
    bits = raw ^ _mask(len(raw))
    if not np.isin(bits, (0, 1)).all():
        raise ValueError("not a quiz key")
    return bits.astype(bool)


def png_data_uri(image: np.ndarray) -> str:
    """A ``data:image/png;base64,...`` URI of one ``uint8`` image.

    Parameters
    ----------
    image : numpy.ndarray, uint8, shape (S, S, 3)

    Returns
    -------
    str
    """
    buf = io.BytesIO()
    Image.fromarray(np.asarray(image, np.uint8), "RGB").save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _item_html(position: int, n: int, image: np.ndarray, display_px: int) -> str:
    """One quiz cell: the numbered image, its two answer buttons and the hidden verdict.

    The image's ``dark-light`` class keeps the book theme's dark mode from dimming it.
    """
    alt = f"Quiz image {position} of {n}: a real photograph or a generated image?"
    buttons = "".join(
        f'<button type="button" data-answer="{answer}" aria-pressed="false">{answer}</button>'
        for answer in ("real", "synthetic")
    )
    return (
        f'<li class="gsq-item" data-quiz-item="{position}" role="group" '
        f'aria-label="Image {position}">'
        f'<img class="dark-light" src="{png_data_uri(image)}" alt="{html.escape(alt)}" '
        f'width="{display_px}" height="{display_px}">'
        f'<span class="gsq-pos">{position}</span>'
        f'<div class="gsq-buttons">{buttons}</div>'
        '<p class="gsq-truth" data-quiz-truth aria-live="polite" hidden></p></li>'
    )


def interactive_html(
    q: Quiz,
    *,
    columns: int = 4,
    name: str = "quiz",
    caption: str = (
        "Real or synthetic? Click real or synthetic under each image, then submit to see "
        "your score and the key."
    ),
    display_px: int = 112,
) -> str:
    """The quiz as a self-contained HTML fragment that scores the reader's answers.

    Each image gets a *real* and a *synthetic* button; a submit button scores the
    answers and only then reveals, for each image, where it came from and whether
    the answer was right; *try again* clears everything. Everything is inline:
    the images are PNG ``data:`` URIs, the style and a plain JavaScript script
    are part of the fragment, so it loads nothing from a server or a CDN and
    works from ``file://``. Show it in a notebook with ``IPython.display.HTML``.

    The key is in the page, in the root's ``data-quiz-key`` attribute, encoded by
    :func:`encode_key` so that it is not readable in the page source or in any
    label before submitting. That hides it from a glance, not from a reader of
    the script: the quiz is a teaching device, not an exam.

    Parameters
    ----------
    q : Quiz
        The images and their key, e.g. from :func:`make_quiz`.
    columns : int, default 4
        Images per row (the same as the static figure's and the key's).
    name : str, default "quiz"
        Id of the root element and prefix of the others' ids (``{name}-submit``,
        ``{name}-reset``, ``{name}-score``, ``{name}-progress``); unique in a page.
    caption : str
        Instructions shown above the images (plain text, escaped).
    display_px : int, default 112
        Width and height at which the images are shown, in CSS pixels; they are
        scaled up without smoothing, so their pixels stay visible.

    Returns
    -------
    str
        HTML: a ``<div id="{name}">`` holding a ``<figure>`` (caption, a list of
        items with ``data-quiz-item="1"`` .. ``"n"``, each with
        ``<button data-answer="real|synthetic" aria-pressed>`` and a hidden
        ``[data-quiz-truth]`` verdict), the controls, and the ``<script>``. After
        submitting, ``#{name}-score`` holds the number right in ``data-score``
        and each item its ``data-quiz-result`` (right, wrong or unanswered).

    Raises
    ------
    ValueError
        If ``name`` is not a plain identifier, ``columns`` or ``display_px`` is
        not positive, or the images are not ``uint8`` ``(n, S, S, 3)``.
    """
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", name):
        raise ValueError(f"name must be a plain HTML id, got {name!r}")
    if columns < 1 or display_px < 1:
        raise ValueError(f"columns and display_px must be positive, got {columns}, {display_px}")
    images = np.asarray(q.images)
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images must be uint8 (n, S, S, 3), got {images.dtype} {images.shape}")
    n = len(images)
    items = "".join(_item_html(i + 1, n, images[i], display_px) for i in range(n))
    script = (
        _SCRIPT.replace("__ROOT__", name)
        .replace("__MUL__", str(_MASK_MUL))
        .replace("__ADD__", str(_MASK_ADD))
    )
    grid_style = f"grid-template-columns:repeat({columns},minmax(0,{display_px}px))"
    return (
        f'<div class="gsq" id="{name}" data-quiz-key="{encode_key(q.is_real)}" '
        f'data-quiz-state="open">'
        f"<style>{_CSS}</style>"
        f"<figure><figcaption>{html.escape(caption)}</figcaption>"
        f'<ol class="gsq-grid" style="{grid_style}">{items}</ol></figure>'
        '<div class="gsq-controls">'
        f'<button type="button" id="{name}-submit">Submit answers</button>'
        f'<button type="button" id="{name}-reset" hidden>Try again</button>'
        f'<span class="gsq-progress" id="{name}-progress" aria-live="polite"></span>'
        f'<p class="gsq-score" id="{name}-score" role="status" aria-live="polite"></p>'
        "</div>"
        "<noscript><p>This quiz needs JavaScript to score your answers.</p></noscript>"
        f"<script>{script}</script></div>"
    )
