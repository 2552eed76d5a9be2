"""Issue 15 on the page: a PDF hit shows its format and the page of its first match («صفحهٔ ۱۲»), linked to
the document view at that page (#page-12); the document view of a paged document shows it page by page,
every match highlighted and the first one anchored. On an index of a real PDF made at test time (fpdf2 with
HarfBuzz, tests/makedocs.py) and of a plain-text printout whose pages are separated by form feeds."""

from __future__ import annotations

import re
from pathlib import Path

import makedocs  # tests/makedocs.py: documents made with real tools
import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from indexer.build import index_folder
from indexer.sources.pages import split_pages
from search_ui.web import page_text
from search_ui.web.app import FIRST_MATCH_ID, SECURITY_HEADERS, create_app

PDF = "safar.pdf"
PRINTOUT = "chap.txt"
# Original text written for this test: a travelogue of twelve cities, one city a page. Each page is long
# enough to wrap to two lines (PDFium reads a one-line page of fpdf2's right-aligned text in pieces).
CITIES = [
    "بازار سرپوشیده‌ی تبریز در روزهای بارانی پر از رهگذرانی است که زیر طاق‌های آجری پناه می‌گیرند. "
    "فروشندگان خشکبار با صدای بلند نرخ گردو و کشمش را می‌گویند.",
    "در اردبیل چشمه‌های آب گرم مسافران خسته را از سرمای کوهستان نجات می‌دهند. "
    "شب‌ها بوی نان تازه از نانوایی‌های کوچک به خیابان می‌آید.",
    "باران رشت کمتر بند می‌آید و بوی برنج تازه از خانه‌های روستایی به کوچه می‌رسد. "
    "در بازار ماهی‌فروشان، صیادان از دریای خزر و تورهای پاره سخن می‌گویند.",
    "کاروانسراهای قزوین روزگاری جای آسودن بازرگانانی بود که از جاده‌ی شمال می‌آمدند. "
    "امروز در حیاط یکی از آن‌ها کلاس خوشنویسی برپاست.",
    "در همدان کتیبه‌های کوه الوند را به مسافران نشان می‌دهند و از شاعران قدیم سخن می‌گویند. "
    "غار علیصدر با قایق‌های کوچکش کودکان را شگفت‌زده می‌کند.",
    "نقش‌های سنگی طاق بستان در کرمانشاه زیر نور عصر رنگ دیگری پیدا می‌کنند. "
    "کنار استخر، خانواده‌ها چای می‌نوشند و به صدای آب گوش می‌دهند.",
    "پل‌های اصفهان شب‌ها میزبان جوانانی است که کنار رودخانه آواز می‌خوانند. "
    "در میدان بزرگ شهر، کاشی‌های آبی گنبدها زیر آفتاب می‌درخشند.",
    "گلاب‌گیری کاشان در اردیبهشت بوی گل محمدی را تا دوردست‌ها می‌برد. "
    "خانه‌های تاریخی شهر حیاط‌های گود و حوض‌های سنگی دارند.",
    "بادگیرهای یزد هوای خنک را به اتاق‌ها می‌رسانند و کوچه‌های گلی سایه‌ی خوبی دارند. "
    "شیرینی‌پزها باقلوا و قطاب را در سینی‌های مسی می‌چینند.",
    "در بازار کرمان فرش‌های دست‌باف با نقش‌های کهن کنار ادویه‌ها فروخته می‌شوند. "
    "باغ شاهزاده در دامنه‌ی کوه مانند نگینی سبز در دل بیابان است.",
    "باغ‌های شیراز در بهار پر از بوی بهارنارنج است و مردم کنار آرامگاه شاعر شعر می‌خوانند. "
    "دانشجویان در کتابفروشی‌های کهنه دنبال دیوان‌های چاپ سنگی می‌گردند.",
    "در مشهد کشاورزان زعفران را پیش از طلوع آفتاب از مزرعه می‌چینند و گلبرگ‌های بنفش را جدا می‌کنند. "
    "رشته‌های سرخ را روی پارچه‌ی سفید خشک می‌کنند تا عطرش بماند.",
]
# A line printer's report: pages separated by form feeds, one of them empty, a phrase running from the end of
# page 1 onto page 2, and markup that must show as text.
PRINTOUT_PAGES = [
    "چاپ قدیمی گزارش سالانه\nاین نوشته از چاپگر خط‌به‌خط اداره‌ی بندر بیرون آمده و برگه‌هایش با نویسه‌ی "
    "پایان صفحه از هم جدا شده‌اند. کشتی‌ها در فصل پاییز به سوی دریای",
    "خزر و بندرهای شمالی رفتند و بار چای و برنج را رساندند. نمونه‌ی متنی که نباید اجرا شود: "
    "<img src=x onerror=alert(1)> و <b>درشت</b>",
    "",
    "پایان گزارش: ناخدایان از آرامش دریا خشنود بودند.",
]
NOTE = "یادداشت خرید\nزعفران قائنات در بازار کرمان هم فروخته می‌شود.\n"
# query -> the page of its first match in the PDF
FIRST_PAGE = {"زعفران": 12, "صیادان": 3, "کاشی": 7, "بازار": 1}
FA = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def pdf_collection(root: Path) -> Path:
    """Write the PDF, the printout and a plain note under `root`, index them; return the index folder."""
    if not makedocs.FONT.exists():
        pytest.skip("fonts-dejavu-core missing: run `make fonts`")
    folder = root / "docs"
    folder.mkdir(parents=True)
    (folder / PDF).write_bytes(makedocs.shaped_pdf(CITIES))
    (folder / PRINTOUT).write_text("\f".join(PRINTOUT_PAGES) + "\n", encoding="utf-8")
    (folder / "note.txt").write_text(NOTE, encoding="utf-8")
    summary = index_folder(folder, root / "index", rebuild=True)
    assert summary.added == 3 and summary.skipped_total == 0, summary.skipped
    return root / "index"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    return create_app(pdf_collection(tmp_path_factory.mktemp("page-pdf"))).test_client()


def _dom(resp) -> HTMLParser:
    assert resp.status_code == 200, resp.status_code
    return HTMLParser(resp.get_data(as_text=True))


def _hits(dom: HTMLParser) -> dict[str, dict]:
    """Each hit by its path: its format, its page link's text and href, its title link's href."""
    out = {}
    for hit in dom.css("li.hit"):
        page = hit.css_first("a.doc-page")
        out[hit.css_first(".path").text(strip=True)] = {
            "format": hit.css_first(".format").text(strip=True),
            "page": page.text(strip=True) if page else None,
            "page_href": page.attributes["href"] if page else None,
            "title_href": hit.css_first("a.title").attributes["href"],
        }
    return out


def _words(text: str) -> str:
    return " ".join(text.split())


def test_a_pdf_hit_shows_its_format_and_the_page_of_its_first_match(client):
    hits = _hits(_dom(client.get("/?q=زعفران")))
    pdf, note = hits[PDF], hits["note.txt"]
    assert pdf["format"] == "pdf" and pdf["page"] == "صفحهٔ ۱۲"
    assert pdf["page_href"].startswith(f"/doc/{PDF}?q=") and pdf["page_href"].endswith("#page-12")
    assert pdf["title_href"].endswith(f"#{FIRST_MATCH_ID}")
    # A document without pages has its format and no page.
    assert note["format"] == "txt" and note["page"] is None and note["page_href"] is None


@pytest.mark.parametrize(("query", "page"), sorted(FIRST_PAGE.items()))
def test_the_page_link_opens_the_page_that_holds_the_first_match(client, query, page):
    api = client.get("/api/search", query_string={"q": query}).get_json()
    [hit] = [h for h in api["hits"] if h["id"] == PDF]
    assert hit["format"] == "pdf" and hit["doc_page"] == page  # the engine's page, as the page shows it
    shown = _hits(_dom(client.get("/", query_string={"q": query})))[PDF]
    assert shown["page"] == "صفحهٔ " + str(page).translate(FA)
    url, anchor = shown["page_href"].split("#")
    view = _dom(client.get(url))
    target = view.css_first(f"section#{anchor}")
    assert target is not None and target.css_first(f"mark#{FIRST_MATCH_ID}") is not None
    assert len(view.css(f"#{FIRST_MATCH_ID}")) == 1
    # ... and that page is the one whose text holds the word.
    assert query in _words(target.css_first(".body").text()).replace("\u200c", "")


def test_the_document_view_shows_every_page_under_its_heading_with_every_match(client):
    doc = client.get(f"/api/doc/{PDF}", query_string={"q": "بازار"}).get_json()
    texts = split_pages(doc["text"])
    assert len(doc["pages"]) == len(texts) == len(CITIES)
    view = _dom(client.get(f"/doc/{PDF}", query_string={"q": "بازار"}))
    sections = view.css(".document section.doc-page")
    assert [s.attributes["id"] for s in sections] == [f"page-{n}" for n in range(1, 13)]
    headings = [s.css_first("h2.page-number").text(strip=True) for s in sections]
    assert headings == [page_text.page_label(n) for n in range(1, 13)]
    assert headings[2] == "صفحهٔ ۳" and headings[11] == "صفحهٔ ۱۲"
    assert not re.search("[0-9]", "".join(headings))
    assert view.css_first(".page-count").text(strip=True) == "۱۲ صفحه"
    # Each page shows exactly its own text, and the matches stay where they were: on pages 1, 3 and 10.
    for section, text in zip(sections, texts, strict=True):
        assert _words(section.css_first(".body").text()) == _words(text)
    marked = {n for n, s in enumerate(sections, 1) if s.css("mark")}
    assert marked == {1, 3, 10}
    assert sum(len(s.css("mark")) for s in sections) == doc["html"].count("<mark>") == 3
    assert sections[0].css_first("mark").attributes.get("id") == FIRST_MATCH_ID


def test_a_match_across_a_page_break_is_marked_on_both_pages(client):
    view = _dom(client.get(f"/doc/{PRINTOUT}", query_string={"q": "«دریای خزر»"}))
    sections = view.css("section.doc-page")
    assert len(sections) == len(PRINTOUT_PAGES)
    first, second = (s.css_first(".body").html for s in sections[:2])
    assert first.endswith(f'<mark id="{FIRST_MATCH_ID}">دریای</mark></div>')
    assert second.startswith('<div class="body" dir="auto"><mark>خزر</mark>')
    for section in sections:  # every page is well-formed on its own
        html = section.html
        assert html.count("<mark") == html.count("</mark>")
    assert "\f" not in view.html
    assert _words(view.css_first(".back a").text()) == "بازگشت به نتایج «دریای خزر»"  # one pair of quotes


def test_an_empty_page_says_so_and_markup_in_a_page_is_text(client):
    resp = client.get(f"/doc/{PRINTOUT}", query_string={"q": "ناخدایان"})
    view = _dom(resp)
    sections = view.css("section.doc-page")
    assert sections[2].css_first(".empty-page").text(strip=True) == page_text.EMPTY_PAGE
    assert sections[3].css_first(f"mark#{FIRST_MATCH_ID}").text() == "ناخدایان"
    assert view.css("img") == [] and view.css(".body b") == []
    body = resp.get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in body and "&lt;b&gt;درشت&lt;/b&gt;" in body
    # A printout's hit shows its page too (any document with pages, not only PDFs).
    hit = _hits(_dom(client.get("/?q=ناخدایان")))[PRINTOUT]
    assert hit["format"] == "txt" and hit["page"] == "صفحهٔ ۴" and hit["page_href"].endswith("#page-4")


def test_a_snippet_across_a_page_break_keeps_the_words_apart(client):
    dom = _dom(client.get("/", query_string={"q": "«دریای خزر»"}))
    snippet = dom.css_first("li.hit .snippet")
    assert "\f" not in snippet.html and "دریای\nخزر" in snippet.text()


def test_the_document_view_without_a_query_is_paged_and_has_no_marks(client):
    view = _dom(client.get(f"/doc/{PDF}"))
    assert len(view.css("section.doc-page")) == 12 and view.css("mark") == []


def test_the_pages_need_no_inline_script_or_style(client):
    for url in ("/?q=زعفران", f"/doc/{PDF}?q=زعفران", f"/doc/{PRINTOUT}?q=«دریای خزر»"):
        resp = client.get(url)
        assert resp.headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]
        dom = _dom(resp)
        assert all(s.attributes.get("src") for s in dom.css("script")), url
        assert dom.css("style") == [] and dom.css("[style]") == [], url
        assert not any(a.startswith("on") for n in dom.css("*") for a in n.attributes), url


def test_marked_pages_closes_and_reopens_a_mark_cut_by_a_page_break():
    html = "الف <mark>ب\fپ</mark> ت\f\f<mark>ث</mark>\n"
    assert page_text.marked_pages(html) == ["الف <mark>ب</mark>", "<mark>پ</mark> ت", "", "<mark>ث</mark>"]
    assert page_text.marked_pages("بی صفحه") == ["بی صفحه"]
    assert page_text.page_anchor(12) == "page-12" and page_text.page_label(12) == "صفحهٔ ۱۲"
