"""The real page in headless Chromium: `kavosh serve` over a real index, driven as a person would use it.

Needs Debian's chromium at /usr/bin/chromium (`make test` installs it); without it these tests fail with a
message, unless KAVOSH_SKIP_BROWSER=1. Screenshots go to test-output/.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_web_corpus import FIXED, HOSTILE_WORD, NOTES, PREFIX, RARE, TYPO, build_index

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
SHOTS = Path(__file__).resolve().parents[1] / "test-output"
KAVOSH = Path(sys.executable).with_name("kavosh")


def served(index_dir: Path, threads: int = 4) -> Iterator[str]:
    """`kavosh serve --port 0` over `index_dir`: yields its URL, stops it afterwards (a fixture's body)."""
    proc = subprocess.Popen(
        [str(KAVOSH), "serve", "--index", str(index_dir), "--port", "0", "--threads", str(threads)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        proc.kill()
        pytest.fail(f"kavosh serve did not start: {line!r} {proc.stderr.read()[-2000:]}")
    yield f"http://127.0.0.1:{match.group(1)}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    """The page over a fresh index of the test corpus."""
    _, index_dir = build_index(tmp_path_factory.mktemp("kavosh-browser"))
    yield from served(index_dir)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("KAVOSH_SKIP_BROWSER") == "1":
            pytest.skip("KAVOSH_SKIP_BROWSER=1 and no /usr/bin/chromium")
        pytest.fail("Chromium is missing at /usr/bin/chromium: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page that records dialogs (none may ever open) and CSP or script errors."""
    context = browser.new_context(viewport={"width": 1100, "height": 800}, locale="fa-IR")
    pg = context.new_page()
    pg.dialogs, pg.problems = [], []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.on("pageerror", lambda err: pg.problems.append(str(err)))
    pg.on("console", lambda m: m.type == "error" and pg.problems.append(m.text))
    yield pg
    assert pg.dialogs == [], "a script from a document or a query ran"
    assert pg.problems == [], "the page had script or CSP errors"
    context.close()


def _shot(pg, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(SHOTS / name), full_page=True)


def _in_viewport(pg, selector: str) -> bool:
    return pg.eval_on_selector(
        selector,
        "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }",
    )


def test_type_a_query_see_results_and_page_through(page, base_url):
    page.goto(base_url + "/")
    assert page.get_attribute("html", "dir") == "rtl" and page.get_attribute("html", "lang") == "fa"
    assert page.evaluate("document.activeElement.name") == "q"  # autofocus
    page.keyboard.type("کتابخانه")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?q="))
    assert page.locator(".hit").count() == 10
    assert page.locator(".hit .snippet mark").count() >= 10
    assert page.locator(".stats .count").inner_text() == "۲۴"  # Persian digits
    assert page.input_value("input[name=q]") == "کتابخانه"
    _shot(page, "results.png")
    page.click("a[rel=next]")
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator(".paging .current").inner_text() == "۲"
    assert page.locator(".hit").count() == 10
    page.click("a[rel=next]")
    page.wait_for_url(re.compile(r"page=3"))
    assert page.locator(".hit").count() == NOTES - 20
    assert page.locator("a[rel=next]").count() == 0


def test_did_you_mean_link_leads_to_results(page, base_url):
    page.goto(base_url + "/")
    page.fill("input[name=q]", TYPO)
    page.press("input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"\?q="))
    link = page.locator("a.suggestion").first
    assert link.inner_text() == FIXED
    link.click()
    page.wait_for_load_state()
    assert page.locator(".hit").count() > 0 and page.locator(".hit mark").count() > 0


def test_open_a_document_scrolled_to_the_first_match(page, base_url):
    page.goto(base_url + "/?q=" + RARE)
    page.click(".hit a.title")
    page.wait_for_url(re.compile(r"/doc/"))
    assert page.locator(".document .body mark").count() == 2
    assert page.locator("#first-match").inner_text() == RARE
    assert _in_viewport(page, "#first-match")
    assert page.evaluate("scrollY") > 500  # the match is far down the travelogue
    page.screenshot(path=str(SHOTS / "document.png"))
    # Without the #first-match fragment the small script scrolls there.
    page.goto(page.url.split("#")[0])
    page.wait_for_function("() => scrollY > 500")
    assert _in_viewport(page, "#first-match")


def test_hostile_documents_and_queries_render_as_text(page, base_url):
    page.goto(base_url + "/")
    page.fill("input[name=q]", HOSTILE_WORD + ' "><img src=x onerror=alert(1)>')
    page.press("input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"\?q="))
    assert page.locator("img").count() == 0 and "onerror" in page.input_value("input[name=q]")
    page.goto(base_url + "/?q=" + HOSTILE_WORD)
    assert page.locator(".hit").count() == 1
    assert page.locator("img").count() == 0
    assert page.locator("script").count() == 1  # only /static/app.js
    assert page.locator("a[href^='javascript']").count() == 0
    assert "<script>" in page.locator(".hit a.title").inner_text()
    _shot(page, "hostile.png")
    page.click(".hit a.title")
    page.wait_for_url(re.compile(r"/doc/"))
    body = page.locator(".document .body").inner_text()
    assert "<script>alert('xss-text')</script>" in body and "onerror" in body and "javascript:alert" in body
    assert "[U+202E]" in body and "\u202e" not in body
    assert page.locator("img").count() == 0 and page.locator("a[href^='javascript']").count() == 0


def test_suggestions_while_typing(page, base_url):
    page.goto(base_url + "/")
    page.keyboard.type(PREFIX, delay=30)
    page.locator("#suggestions option").first.wait_for(state="attached")
    values = page.eval_on_selector_all("#suggestions option", "os => os.map(o => o.value)")
    assert FIXED in values


def test_phone_layout_and_help(page, base_url):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(base_url + "/?q=کتابخانه")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")  # nothing overflows sideways
    _shot(page, "results-phone.png")
    page.goto(base_url + "/help")
    assert page.locator("table.syntax").count() == 1 and "title:" in page.inner_text("table.syntax")


def test_search_and_document_work_without_javascript(browser, base_url):
    context = browser.new_context(viewport={"width": 1100, "height": 800}, java_script_enabled=False)
    pg = context.new_page()
    try:
        pg.goto(base_url + "/")
        pg.fill("input[name=q]", RARE)
        pg.press("input[name=q]", "Enter")  # a plain GET form
        pg.wait_for_url(re.compile(r"\?q="))
        assert pg.locator(".hit mark").count() >= 1
        pg.click(".hit a.title")  # the link carries #first-match: the browser itself scrolls there
        pg.wait_for_url(re.compile(r"/doc/"))
        assert _in_viewport(pg, "#first-match") and pg.evaluate("scrollY") > 500
    finally:
        context.close()
