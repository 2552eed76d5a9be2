"""The page's and the API's words over the real samples index: Persian messages with Persian digits, stable
English error codes, one rule for long queries, the display rules of search_ui.web.page_text."""

from __future__ import annotations

import re

import pytest
from test_page_corpus import samples_index  # noqa: F401 (a fixture)

from search_ui.web import page_text
from search_ui.web.app import create_app

PERSIAN = re.compile("[\u0600-\u06ff]")


@pytest.fixture(scope="module")
def client(samples_index):  # noqa: F811
    return create_app(samples_index).test_client()


def _main(resp) -> str:
    text = resp.get_data(as_text=True).split("<main>", 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/search", 400, "missing-q"),
        ("/api/search?q=کتاب&page=-1", 400, "bad-page"),
        ("/api/search?q=کتاب&page=abc", 400, "bad-page"),
        ("/api/search?q=کتاب&limit=101", 400, "bad-limit"),
        ("/api/search?q=%ff%fe", 400, "bad-encoding"),
        ("/api/search?q=ک*", 400, "refused"),
        ("/api/doc/nothing-here", 404, "unknown-document"),
    ],
)
def test_api_errors_have_a_code_and_a_persian_message(client, url, status, code):
    resp = client.get(url)
    body = resp.get_json()
    assert resp.status_code == status and body["status"] == status and body["error"] == code
    assert PERSIAN.search(body["message"]) and "detail" not in body


def test_werkzeug_errors_keep_their_english_as_detail_only(client):
    body = client.post("/api/search?q=کتاب").get_json()
    assert body["error"] == "method-not-allowed" and PERSIAN.search(body["message"])
    assert "method" in body["detail"].lower()
    missing = client.get("/api/nothing").get_json()
    assert missing["error"] == "not-found" and PERSIAN.search(missing["message"]) and missing["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/?q=کتاب&page=-1",
        "/?q=کتاب&page=abc",
        "/?q=کتاب&page=100000",
        "/?q=%ff%fe",
        "/nothing",
        "/doc/nothing",
    ],
)
def test_page_errors_are_persian_with_persian_digits(client, url):
    resp = client.get(url)
    assert resp.status_code in (400, 404)
    main = _main(resp)
    assert PERSIAN.search(main) and not re.search(r"[0-9]", main), main
    assert not re.search(r"\b(must|between|whole number|not found|requested URL)\b", main, re.I), main


def test_a_long_query_is_cut_with_a_notice_not_refused(client):
    long_query = "ایران " * 400  # 2,400 characters
    api = client.get("/api/search", query_string={"q": long_query})
    assert api.status_code == 200 and api.get_json()["total"] > 0
    assert any("1,000" in n for n in api.get_json()["notices"])  # the API keeps the parser's text
    page = client.get("/", query_string={"q": long_query})
    assert page.status_code == 200 and "۱٬۰۰۰" in _main(page) and "1,000" not in _main(page)


def test_the_refused_prefix_message_has_persian_digits(client):
    resp = client.get("/", query_string={"q": "ک*"})
    assert resp.status_code == 400 and "۲" in _main(resp) and not re.search(r"[0-9]", _main(resp))


def test_the_search_box_direction_follows_the_query(client):
    box = re.compile(r'<input type="search" name="q" value="[^"]*" dir="(\w+)"')
    assert box.search(client.get("/").get_data(as_text=True)).group(1) == "rtl"
    assert box.search(client.get("/?q=Python").get_data(as_text=True)).group(1) == "ltr"
    assert box.search(client.get("/?q=«ایران» Python").get_data(as_text=True)).group(1) == "rtl"
    assert 'maxlength="1000"' not in client.get("/").get_data(as_text=True)  # cut with a notice instead


def test_links_keep_the_filters(client):
    html = client.get("/?q=ایران&folder=sport&format=txt&sort=newest").get_data(as_text=True)
    paging_and_facets = re.findall(r'href="(/\?q=[^"]+)"', html)
    assert paging_and_facets
    assert all("sort=newest" in link for link in paging_and_facets if "folder=" in link)


@pytest.mark.parametrize(
    ("query", "echo"),
    [("«جام جهانی»", "«جام جهانی»"), ('"جام جهانی"', '"جام جهانی"'), ("جام جهانی", "«جام جهانی»")],
)
def test_quoted_never_doubles_quotes(query, echo):
    assert page_text.quoted(query) == echo


def test_shown_range_and_persian_numerals():
    assert page_text.shown_range(2, 10, 9) == "۱۱–۱۹"
    assert page_text.shown_range(3, 10, 0) == ""
    assert (
        page_text.persian_numerals("فقط 64 واژه. بیش از 1,000 نویسه.") == "فقط ۶۴ واژه. بیش از ۱٬۰۰۰ نویسه."
    )


def test_without_title_line_drops_only_a_repeated_title():
    assert page_text.without_title_line("عنوان\n\nمتن <mark>اصلی</mark>", "عنوان") == "متن <mark>اصلی</mark>"
    assert page_text.without_title_line("<mark>عنوان</mark>\nمتن", "عنوان") == "متن"
    assert page_text.without_title_line("سطر دیگر\nمتن", "عنوان") == "سطر دیگر\nمتن"
    assert page_text.without_title_line("عنوان", "عنوان") == "عنوان"  # nothing else: keep it


def test_a_document_opened_with_a_refused_query_says_so_in_persian_digits(client):
    main = _main(client.get("/doc/sport/football.txt", query_string={"q": "ک*"}))
    assert "۲ حرف" in main and "بدون برجسته" in main and not re.search(r"[0-9]", main.split("تیم ملی")[0])


def test_the_date_span_of_the_matches_is_shown_in_jalali(client):
    main = _main(client.get("/", query_string={"q": "ایران", "format": "txt"}))
    assert "سندهای یافته از ۱۱ خرداد ۱۴۰۲ تا ۱۱ خرداد ۱۴۰۴" in main
