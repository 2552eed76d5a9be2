"""Issue 14 in headless Chromium, on the samples as `make demo` serves them (file times set per folder by
tests/test_page_corpus.py): the caret, the box's direction, Persian messages, filters in the URL, the README's
examples, the font; screenshots of the home page, a filtered search and a phone-width page in test-output/.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import pytest
from test_browser import _shot, browser, served  # noqa: F401 (a fixture)
from test_page_cli import readme_table_queries
from test_page_corpus import dated_samples

pytestmark = pytest.mark.browser

KAVOSH = Path(sys.executable).with_name("kavosh")
QUERY = "ایران"
LATIN_ALLOWED = {
    "page",
    "limit",
    "q",
    "UTF",
    "GET",
    "kavosh",
    "index",
    "rebuild",
    "txt",
    "md",
    "html",
    "json",
}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    """`kavosh serve --port 0` over the dated samples; stopped afterwards."""
    _, index_dir = dated_samples(tmp_path_factory.mktemp("page-browser"))
    yield from served(index_dir, 4)


@pytest.fixture
def page(browser):  # noqa: F811
    """A desktop-width page (1280 px) that records script and CSP errors (there must be none)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fa-IR")
    pg = context.new_page()
    pg.problems = []
    pg.on("pageerror", lambda err: pg.problems.append(str(err)))
    pg.on(
        "console", lambda m: m.type == "error" and "status of 4" not in m.text and pg.problems.append(m.text)
    )
    yield pg
    assert pg.problems == [], "the page had script or CSP errors"
    context.close()


def _url(base: str, query: str, **params: str) -> str:
    rest = "".join(f"&{k}={quote(v)}" for k, v in params.items())
    return f"{base}/?q={quote(query)}{rest}"


def _hits(pg) -> list[dict]:
    return pg.eval_on_selector_all(
        ".hit",
        """hs => hs.map(h => ({title: h.querySelector('a.title').innerText,
                              path: h.querySelector('.path').innerText.replace(/\\s/g, ''),
                              folder: (h.querySelector('a.folder') || {}).innerText,
                              date: (h.querySelector('time.date') || {}).innerText}))""",
    )


def _facet(pg, name: str) -> dict[str, str]:
    return dict(
        pg.eval_on_selector_all(
            f".facet-{name} .facet-value",
            "as => as.map(a => [a.dataset.value, a.querySelector('.n').innerText])",
        )
    )


def _persian_count(text: str) -> int:
    return int(text.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")).replace("٬", ""))


# --- 1. the caret, 2. the box's direction ------------------------------------------------------------------


def test_refining_a_query_types_after_it(page, base_url):
    page.goto(_url(base_url, QUERY))
    assert page.evaluate("document.activeElement.name") == "q"
    caret = page.evaluate("[document.activeElement.selectionStart, document.activeElement.value.length]")
    assert caret[0] == caret[1] == len(QUERY)
    page.keyboard.type(" فوتبال")
    assert page.input_value("form.search input[name=q]") == "ایران فوتبال"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("%D9%81%D9%88%D8%AA%D8%A8%D8%A7%D9%84"))
    assert page.locator(".hit").count() >= 1


def test_the_empty_box_is_right_to_left_and_a_latin_query_left_to_right(page, base_url):
    page.goto(base_url + "/")
    box = page.locator("form.search input[name=q]")
    assert box.get_attribute("dir") == "rtl"
    assert box.evaluate("b => getComputedStyle(b).direction") == "rtl"
    # The placeholder starts at the right edge of the box (RTL text is right-aligned).
    assert box.evaluate("b => getComputedStyle(b).textAlign") in ("start", "right")
    page.keyboard.type("Python")
    assert box.get_attribute("dir") == "ltr"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Python"))
    # ... and so does the page the server sends back (without JavaScript too).
    assert page.locator("form.search input[name=q]").get_attribute("dir") == "ltr"
    page.fill("form.search input[name=q]", "")
    page.keyboard.type("ک")
    page.keyboard.press("Backspace")
    assert page.locator("form.search input[name=q]").get_attribute("dir") == "rtl"


# --- 4. the README's examples ---


def test_every_readme_and_help_page_example_finds_documents_on_the_page(page, base_url):
    page.goto(base_url + "/help")
    examples = page.eval_on_selector_all("table.syntax code.q", "cs => cs.map(c => c.innerText)")
    assert len(examples) >= 10
    page.goto(base_url + "/")
    home = page.eval_on_selector_all(".welcome .hint a", "as => as.map(a => a.innerText)")
    assert len(home) == 3
    for query in dict.fromkeys(readme_table_queries() + examples + home):
        page.goto(_url(base_url, query))
        assert page.locator(".hit").count() >= 1, query
        assert page.locator(".did-you-mean").count() == 0, query


def test_did_you_mean_offers_only_near_words(page, base_url):
    page.goto(_url(base_url, "سیاصت"))  # ص for س: a typo a reader makes
    assert page.locator("a.suggestion").first.inner_text() == "سیاست"
    page.goto(_url(base_url, "سیاستمدار"))  # not a typo of anything here: no noise
    offered = page.eval_on_selector_all("a.suggestion", "as => as.map(a => a.innerText)")
    assert not any(w in " ".join(offered) for w in ("ساخت", "ساعت", "سایت"))


def test_no_markdown_marks_in_any_snippet_of_the_samples(page, base_url):
    for query in (
        "ferdowsi",
        "فردوسی",
        "زلزله",
        "کوه",
        "جاده ابریشم",
        "شله زرد",
        "قورمه سبزی",
        "شیراز",
        "پایتون",
    ):
        page.goto(_url(base_url, query, format="md"))
        snippets = page.eval_on_selector_all(".hit .snippet", "ss => ss.map(s => s.innerText)")
        for text in snippets:
            assert "#" not in text and "**" not in text, (query, text)


# --- 5. every message Persian, with Persian digits ---------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/?q=کتاب&page=-1", 400),
        ("/?q=کتاب&page=abc", 400),
        ("/?q=%ff%fe", 400),
        ("/?q=کتاب&from=1403/13/01", 400),
        ("/?q=کتاب&sort=random", 400),
        ("/no/such/page", 404),
        ("/doc/no-such-document", 404),
        ("/?q=ک*", 400),
        ("/?q=" + quote("واژه " * 300), 200),
        ("/?q=" + quote(" ".join(f"کتاب{i}" for i in range(80))), 200),
    ],
)
def test_every_message_is_persian_with_persian_digits(page, base_url, path, status):
    response = page.goto(base_url + path)
    assert response.status == status
    main = page.inner_text("main .message, main .error, main .refused") if status != 200 else ""
    if status == 200:
        main = " ".join(page.eval_on_selector_all(".message.notice", "ns => ns.map(n => n.innerText)"))
        assert main, "a long query gets a notice"
    assert re.search("[\u0600-\u06ff]", main), main
    assert not re.search(r"[0-9]", main), main
    latin = set(re.findall(r"[A-Za-z]+", main)) - LATIN_ALLOWED - set(re.findall(r"[A-Za-z]+", path))
    assert not latin, (main, latin)
    if status != 200:  # a results page's title is the query itself, digits as typed
        assert not re.search(r"[0-9]", page.title())


def test_the_long_query_notice_uses_persian_digits(page, base_url):
    page.goto(base_url + "/?q=" + quote("واژه " * 300))
    assert "۱٬۰۰۰" in page.inner_text(".message.notice")
    page.goto(base_url + "/?q=" + quote(" ".join(f"کتاب{i}" for i in range(80))))
    assert "۶۴" in page.inner_text("main")


def test_a_method_other_than_get_is_a_persian_page(page, base_url):
    response = page.request.post(base_url + "/")
    assert response.status == 405 and "GET" in response.text() and "خوانده می‌شود" in response.text()


# --- 7. small things ---------------------------------------------------------------------------------------


def test_page_two_says_which_results_it_shows(page, base_url):
    page.goto(_url(base_url, QUERY))
    total = _persian_count(page.inner_text(".stats .count"))
    assert total > 10
    page.click("a[rel=next]")
    page.wait_for_url(re.compile(r"page=2"))
    last = min(20, total)
    expected = f"۱۱–{str(last).translate(str.maketrans('0123456789', '۰۱۲۳۴۵۶۷۸۹'))} از "
    assert page.inner_text(".stats").startswith(expected)


def test_a_phrase_query_is_echoed_with_one_pair_of_quotes(page, base_url):
    page.goto(_url(base_url, "«جام جهانی»"))
    stats = page.inner_text(".stats")
    assert "«جام جهانی»" in stats and "««" not in stats and "»»" not in stats
    page.goto(_url(base_url, "جام جهانی"))
    assert "«جام جهانی»" in page.inner_text(".stats")


def test_a_txt_document_shows_its_title_once(page, base_url):
    page.goto(base_url + "/doc/sport/football.txt")
    title = page.inner_text(".document h1")
    body = page.inner_text(".document .body")
    assert title and title not in body.splitlines()[0] and body.strip()


def test_the_persian_font_is_served_and_used_for_example_queries(page, base_url):
    page.goto(base_url + "/help")
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.fonts.check('16px Vazirmatn', 'کاوش')")
    loaded = page.evaluate("[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
    assert any("Vazirmatn" in f for f in loaded)
    family = page.eval_on_selector("table.syntax code.q", "c => getComputedStyle(c).fontFamily")
    assert family.startswith("Vazirmatn"), family
    assert page.request.get(base_url + "/static/Vazirmatn-OFL.txt").ok


# --- filters and sort ---


def test_folder_facets_narrow_combine_and_live_in_the_url(page, base_url, browser):  # noqa: F811
    page.goto(_url(base_url, QUERY))
    total = _persian_count(page.inner_text(".stats .count"))
    folders = _facet(page, "folder")
    assert {"sport", "history"} <= set(folders)
    assert sum(_persian_count(n) for n in folders.values()) == total
    page.click(".facet-folder .facet-value[data-value='sport']")
    page.wait_for_url(re.compile(r"folder=sport"))
    sport = _persian_count(folders["sport"])
    assert _persian_count(page.inner_text(".stats .count")) == sport
    assert {h["folder"] for h in _hits(page)} == {"sport"}
    assert page.locator(".facet-folder .chosen").count() == 1
    page.click(".facet-folder .facet-value[data-value='history']")
    page.wait_for_url(re.compile(r"folder=history"))
    both = _persian_count(page.inner_text(".stats .count"))
    assert both == sport + _persian_count(folders["history"])
    assert {h["folder"] for h in _hits(page)} == {"sport", "history"}
    page.click(".facet-format .facet-value[data-value='txt']")
    page.wait_for_url(re.compile(r"format=txt"))
    narrowed = _hits(page)
    assert narrowed and all(h["path"].endswith(".txt") for h in narrowed)
    assert _persian_count(page.inner_text(".stats .count")) < both
    params = parse_qs(urlparse(page.url).query)
    assert params["folder"] == ["sport", "history"] and params["format"] == ["txt"]
    _shot(page, "page-filtered.png")
    # The URL alone reproduces the filtered search, in a fresh browser context.
    other = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        fresh = other.new_page()
        fresh.goto(page.url)
        assert _hits(fresh) == narrowed
    finally:
        other.close()
    # Clicking a chosen value again removes it; «حذف همه‌ی پالایه‌ها» removes them all.
    page.click(".facet-folder .facet-value[data-value='sport']")
    page.wait_for_url(lambda url: "folder=sport" not in url)
    assert {h["folder"] for h in _hits(page)} == {"history"}
    page.click("a.clear-filters")
    page.wait_for_url(lambda url: "folder=" not in url and "format=" not in url)
    assert _persian_count(page.inner_text(".stats .count")) == total


def test_a_date_range_typed_in_either_calendar_and_sort_by_date(page, base_url):
    page.goto(_url(base_url, QUERY, format="txt"))
    page.fill(".refine input[name=from]", "۱۴۰۲/۰۱/۰۱")
    page.fill(".refine input[name=to]", "۱۴۰۲/۱۲/۲۹")
    page.click(".refine button[type=submit]")
    page.wait_for_url(re.compile(r"from="))
    jalali = _hits(page)
    assert jalali and {h["folder"] for h in jalali} == {"sport"}
    assert all("۱۴۰۲" in h["date"] for h in jalali)
    assert page.input_value(".refine input[name=from]") == "۱۴۰۲/۰۱/۰۱"  # kept in the form and the URL
    page.goto(_url(base_url, QUERY, format="txt", **{"from": "2023-03-21", "to": "2024-03-19"}))
    assert _hits(page) == jalali
    page.goto(_url(base_url, QUERY, format="txt"))
    page.select_option(".refine select[name=sort]", "newest")  # applies at once
    page.wait_for_url(re.compile(r"sort=newest"))
    years = [h["date"].split()[-1] for h in _hits(page)]
    assert years == sorted(years, reverse=True) and len(set(years)) >= 2
    page.select_option(".refine select[name=sort]", "oldest")
    page.wait_for_url(re.compile(r"sort=oldest"))
    oldest = [h["date"].split()[-1] for h in _hits(page)]
    assert oldest == sorted(oldest) and oldest[0] == "۱۴۰۲" and years[0] == "۱۴۰۴"


def test_each_result_shows_its_jalali_date_and_folder(page, base_url):
    page.goto(_url(base_url, "فوتبال"))
    hit = next(h for h in _hits(page) if h["path"] == "sport/football.txt")
    assert hit["folder"] == "sport" and hit["date"] == "۱۱ خرداد ۱۴۰۲"


# --- screenshots ---


def test_screenshots_of_the_home_page_and_a_phone_width_page(page, base_url):
    page.goto(base_url + "/")
    page.evaluate("document.fonts.ready")
    _shot(page, "page-home.png")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(_url(base_url, QUERY, folder="sport"))
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")  # nothing overflows sideways
    assert page.locator(".facets").is_visible() and page.locator(".hit").count() >= 1
    _shot(page, "page-phone.png")
