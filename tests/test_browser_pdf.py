"""Issue 15 in headless Chromium: a PDF hit with its format and «صفحهٔ ۱۲», its page link opening the
document view at that page, the view page by page with the first match scrolled into view; on `kavosh serve`
over the real PDF of tests/test_page_pdf.py. Screenshots: test-output/pdf-results.png, pdf-document.png
(the view opened by a hit's page link) and pdf-document-phone.png (390 px).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from test_browser import SHOTS, _shot, browser, served  # noqa: F401 (a fixture)
from test_page_pdf import PDF, PRINTOUT, pdf_collection

pytestmark = pytest.mark.browser

KAVOSH = Path(sys.executable).with_name("kavosh")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    """`kavosh serve --port 0` over the PDF collection; stopped afterwards."""
    index_dir = pdf_collection(tmp_path_factory.mktemp("pdf-browser"))
    yield from served(index_dir, 2)


@pytest.fixture
def page(browser):  # noqa: F811
    """A desktop-width page recording dialogs (none may open) and script or CSP errors (none allowed)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="fa-IR")
    pg = context.new_page()
    pg.dialogs, pg.problems = [], []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.on("pageerror", lambda err: pg.problems.append(str(err)))
    pg.on("console", lambda m: m.type == "error" and pg.problems.append(m.text))
    yield pg
    assert pg.dialogs == [], "a script from a document ran"
    assert pg.problems == [], "the page had script or CSP errors"
    context.close()


def _search(pg, base: str, query: str) -> None:
    pg.goto(f"{base}/?q={quote(query)}")
    pg.evaluate("document.fonts.ready")


def _in_view(pg, selector: str) -> bool:
    """Whether the element is (at least partly) inside the visible part of the window."""
    return pg.eval_on_selector(
        selector, "e => { const r = e.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; }"
    )


def _pdf_hit(pg):
    return pg.locator("li.hit", has=pg.locator(".path", has_text=PDF))


def test_a_pdf_hit_opens_the_document_at_its_page(page, base_url):
    _search(page, base_url, "زعفران")
    hit = _pdf_hit(page)
    assert hit.locator(".format").inner_text() == "pdf"
    assert hit.locator("a.doc-page").inner_text() == "صفحهٔ ۱۲"
    assert (
        page.locator("li.hit", has=page.locator(".path", has_text="note.txt")).locator("a.doc-page").count()
        == 0
    )
    _shot(page, "pdf-results.png")
    hit.locator("a.doc-page").click()
    page.wait_for_url(re.compile(r"/doc/.*#page-12$"))
    page.evaluate("document.fonts.ready")
    # The twelfth page is in view, under its heading, with the match highlighted on it.
    assert page.evaluate("scrollY") > 0
    assert _in_view(page, "#page-12 .page-number") and _in_view(page, "#page-12 mark")
    assert page.inner_text("#page-12 .page-number") == "صفحهٔ ۱۲"
    assert page.eval_on_selector("#page-12 mark", "m => m.id") == "first-match"
    assert page.eval_on_selector("#page-12", "s => s.matches(':target')")
    assert not _in_view(page, "#page-1")
    page.screenshot(path=str(SHOTS / "pdf-document.png"))  # the window as the reader sees it, at page 12


def test_the_title_link_and_a_plain_link_scroll_to_the_first_match(page, base_url):
    _search(page, base_url, "کاشی")  # on page 7 only
    assert _pdf_hit(page).locator("a.doc-page").inner_text() == "صفحهٔ ۷"
    _pdf_hit(page).locator("a.title").click()
    page.wait_for_url(re.compile("#first-match$"))
    assert _in_view(page, "#page-7 mark#first-match") and page.evaluate("scrollY") > 0
    # Without a fragment in the URL, the page's script scrolls to the first match (page 12 here).
    page.goto(f"{base_url}/doc/{PDF}?q={quote('زعفران')}")
    page.wait_for_function("scrollY > 0")
    assert _in_view(page, "#page-12 mark#first-match")


def test_every_page_is_shown_under_its_heading_and_every_match_marked(page, base_url):
    page.goto(f"{base_url}/doc/{PDF}?q={quote('بازار')}")
    headings = page.eval_on_selector_all(".doc-page .page-number", "hs => hs.map(h => h.innerText)")
    assert len(headings) == 12 and headings[0] == "صفحهٔ ۱" and headings[9] == "صفحهٔ ۱۰"
    marked = page.eval_on_selector_all(
        ".doc-page", "ss => ss.filter(s => s.querySelector('mark')).map(s => s.id)"
    )
    assert marked == ["page-1", "page-3", "page-10"]
    # Each page is its own block, one below the other, in order.
    tops = page.eval_on_selector_all(".doc-page", "ss => ss.map(s => s.getBoundingClientRect().top)")
    assert tops == sorted(tops) and len(set(tops)) == 12


def test_a_printout_with_markup_and_an_empty_page_at_phone_width(page, base_url):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base_url}/doc/{PRINTOUT}?q={quote('«دریای خزر»')}")
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")  # nothing overflows sideways
    assert page.inner_text("#page-1 mark") == "دریای" and page.inner_text("#page-2 mark") == "خزر"
    assert "<img src=x onerror=alert(1)>" in page.inner_text("#page-2 .body")
    assert page.locator(".document img").count() == 0
    assert page.inner_text("#page-3 .empty-page") == "این صفحه متنی ندارد."
    _shot(page, "pdf-document-phone.png")
