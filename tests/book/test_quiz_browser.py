"""The classroom chapter's quiz, clicked through in a real browser.

Headless Chromium, driven by Selenium, opens the built chapter-7 page from
``file://`` (no server), answers the images in a fixed pattern, submits, and
checks the score against the key that the same page prints in its answer-key
dropdown (glued from Python, independent of the page's script). The verdicts
must stay hidden until the reader submits and clear again on *try again*.

Needs ``chromium`` and ``chromedriver`` on ``PATH`` (Debian: ``apt-get install
chromium chromium-driver``; ``.ci/run`` installs them) and the ``selenium``
package (the ``dev`` extra). Without them the test skips; with
``GAN_STUDY_REQUIRE_BROWSER=1`` (set by ``.ci/run`` once it has Chromium) it
fails instead, so CI cannot pass by skipping it.

The page comes from the session's quick book (the ``book`` fixture). To check
an HTML folder that is already built instead, e.g. one chapter's::

    gan-study book --profile quick --only 07 --build-dir /tmp/quizbuild
    GAN_STUDY_BOOK_HTML_DIR=/tmp/quizbuild/html pytest tests/book/test_quiz_browser.py
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

pytestmark = [pytest.mark.book, pytest.mark.slow]

PAGE = Path("notebooks") / "07_classroom.html"


@pytest.fixture(scope="module")
def browser(tmp_path_factory, require_browser):
    """Headless Chromium via Selenium; skips (fails with GAN_STUDY_REQUIRE_BROWSER=1) without."""
    require_browser("no headless browser for the quiz test", {"selenium": "dev"})
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tmp_path_factory.mktemp("chromium")  # Chromium writes nothing into the repo
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1200,1600",
        f"--user-data-dir={profile / 'user-data'}",
        f"--disk-cache-dir={profile / 'cache'}",
        f"--crash-dumps-dir={profile / 'crashes'}",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # an explicit driver path: Selenium Manager never tries to download one
    service = Service(executable_path=shutil.which("chromedriver"), log_output=os.devnull)
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def quiz_page(request, browser) -> Path:
    """The built chapter-7 page: $GAN_STUDY_BOOK_HTML_DIR's, else the session book's."""
    given = os.environ.get("GAN_STUDY_BOOK_HTML_DIR", "")
    html_dir = Path(given) if given else request.getfixturevalue("book").html_dir
    page = html_dir / PAGE
    assert page.is_file(), f"no chapter-7 page at {page}"
    return page


def _printed_key(page_text: str) -> dict[int, str]:
    """position -> "real"/"synthetic", read from the answer-key dropdown's glued text."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page_text))
    found = {}
    for label, answer in (("Real test images", "real"), ("Generated images", "synthetic")):
        match = re.search(label + r": positions ([\d ,]+)", text)
        assert match, f"the answer-key dropdown has no '{label}' line"
        found.update({int(p): answer for p in re.findall(r"\d+", match.group(1))})
    return found


def _state(driver) -> list[dict]:
    """Each item's pressed buttons, visible verdict and result attribute, in page order."""
    return driver.execute_script(
        """
        return Array.from(document.querySelectorAll("#quiz [data-quiz-item]")).map(item => {
          const truth = item.querySelector("[data-quiz-truth]");
          return {
            pos: Number(item.dataset.quizItem),
            pressed: Array.from(item.querySelectorAll("button[aria-pressed=true]"))
              .map(b => b.dataset.answer),
            truth: truth.offsetParent === null ? null : truth.textContent,
            result: item.getAttribute("data-quiz-result"),
          };
        });
        """
    )


def _quiz_errors(driver, page_text: str) -> list[str]:
    """The browser's errors from the quiz's lines of the page (the theme's own are not ours)."""
    lines = page_text.splitlines()
    first = next(i for i, line in enumerate(lines, 1) if 'id="quiz"' in line)
    last = next(i for i, line in enumerate(lines, 1) if i > first and "</script></div>" in line)
    here = re.compile(re.escape(driver.current_url) + r" (\d+):\d+ ")
    errors = []
    for entry in driver.get_log("browser"):
        where = here.match(entry["message"])
        if entry["level"] == "SEVERE" and where and first <= int(where[1]) <= last:
            errors.append(entry["message"])
    return errors


def test_quiz_scores_the_clicked_answers_and_reveals_the_key_only_after_submit(browser, quiz_page):
    from selenium.webdriver.common.by import By

    page_text = quiz_page.read_text(encoding="utf-8")
    key = _printed_key(page_text)
    n = len(key)
    assert sorted(key) == list(range(1, n + 1)) and n >= 2
    browser.get(quiz_page.as_uri())
    assert browser.find_element(By.ID, "quiz").get_attribute("data-quiz-ready") == "1"

    # before submitting: nothing pressed, no verdict shown, no score
    before = _state(browser)
    assert [s["pos"] for s in before] == list(range(1, n + 1))
    assert all(s["pressed"] == [] and s["truth"] is None and s["result"] is None for s in before)
    assert browser.find_element(By.ID, "quiz-score").text == ""
    assert not browser.find_element(By.ID, "quiz-reset").is_displayed()
    for img in browser.find_elements(By.CSS_SELECTOR, "#quiz [data-quiz-item] img"):
        assert img.get_attribute("alt")
        assert browser.execute_script("return arguments[0].naturalWidth", img) > 0  # decoded

    # a fixed pattern: every third image "real", the others "synthetic", the last one
    # left unanswered; the first one changed its mind once
    chosen = {p: ("real" if p % 3 == 0 else "synthetic") for p in range(1, n)}

    def click(pos: int, answer: str) -> None:
        browser.find_element(
            By.CSS_SELECTOR, f'#quiz [data-quiz-item="{pos}"] button[data-answer="{answer}"]'
        ).click()

    click(1, "real")
    for pos, answer in chosen.items():
        click(pos, answer)
    pressed = {s["pos"]: s["pressed"] for s in _state(browser)}
    assert pressed == {**{p: [a] for p, a in chosen.items()}, n: []}
    assert browser.find_element(By.ID, "quiz-progress").text == f"{n - 1} of {n} answered"
    assert all(s["truth"] is None for s in _state(browser)), "the key shows before submitting"

    browser.find_element(By.ID, "quiz-submit").click()
    expected = sum(chosen[p] == key[p] for p in chosen)
    score = browser.find_element(By.ID, "quiz-score")
    assert score.get_attribute("data-score") == str(expected)
    assert f"You got {expected} of {n} right" in score.text
    after = _state(browser)
    for s in after:
        truth = key[s["pos"]]
        result = (
            "unanswered"
            if s["pos"] not in chosen
            else ("right" if chosen[s["pos"]] == truth else "wrong")
        )
        assert s["result"] == result, s
        assert s["truth"] is not None and s["truth"].split()[-1] == truth, s
        mark, words = {"right": ("\u2713", "right"), "wrong": ("\u2717", "wrong")}.get(
            result, ("\u2717", "no answer")
        )
        assert s["truth"].startswith(f"{mark} {words}"), s
    assert not browser.find_element(By.ID, "quiz-submit").is_displayed()
    assert browser.find_elements(By.CSS_SELECTOR, "#quiz button[data-answer]:enabled") == []

    # try again: everything cleared, the key hidden again
    browser.find_element(By.ID, "quiz-reset").click()
    again = _state(browser)
    assert all(s["pressed"] == [] and s["truth"] is None and s["result"] is None for s in again)
    assert browser.find_element(By.ID, "quiz-score").text == ""
    assert browser.find_element(By.ID, "quiz-submit").is_displayed()
    assert _quiz_errors(browser, page_text) == []
