"""The page and its error handling, against a small in-memory engine that keeps the engine's contract.

These tests pin what the web layer itself does (templates, escaping, paging, headers, status codes);
tests/test_api.py and tests/test_browser.py run the same app over the real engine and a real index.
"""

from __future__ import annotations

import html
import re

import pytest
from markupsafe import escape

from search_ui.engines.folder import QueryRefused
from search_ui.web.app import create_app, show_path

HOSTILE_TITLE = "<script>alert('t')</script>"
HOSTILE_TEXT = 'متن "><img src=x onerror=alert(1)> و [پیوند](javascript:alert(2)) و \u202eمعکوس\u202c تمام'


class FakeEngine:
    """The engine's contract over a list of documents: substring matching, `<mark>`ed escaped snippets."""

    def __init__(self, docs: list[dict]) -> None:
        self.docs = docs
        self.calls: list[tuple] = []

    def _mark(self, text: str, query: str) -> str:
        out = str(escape(text))
        for word in query.split():
            out = out.replace(str(escape(word)), f"<mark>{escape(word)}</mark>")
        return out

    def search(self, query: str, page: int = 1, limit: int = 10, filters=None) -> dict:
        self.calls.append(("search", query, page, limit))
        if query.endswith("*") and len(query) <= 2:
            raise QueryRefused("پیشوند باید دست‌کم دو حرف باشد.")
        if query == "boom":
            raise RuntimeError("an engine bug")
        words = [w for w in query.split() if w]
        found = [d for d in self.docs if all(w in d["title"] + " " + d["text"] for w in words)]
        hits = [
            {
                "id": d["id"],
                "path": d["path"],
                "title": d["title"],
                "score": 1.0,
                "snippet": self._mark(d["text"], query),
            }
            for d in found[(page - 1) * limit : page * limit]
        ]
        suggestions = ["کتاب"] if query == "کتب" else []
        return {"query": query, "total": len(found), "took_ms": 3.4, "suggestions": suggestions, "hits": hits,
                "page": page, "limit": limit, "notices": []}  # fmt: skip

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        last = prefix.split()[-1] if prefix.split() else ""
        words = {w for d in self.docs for w in d["text"].split() if w.startswith(last)}
        return sorted(words)[:limit]

    def document(self, doc_id: str, query: str = "") -> dict | None:
        self.calls.append(("document", doc_id, query))
        if query.endswith("*") and len(query) <= 2:
            raise QueryRefused("پیشوند باید دست‌کم دو حرف باشد.")
        for d in self.docs:
            if d["id"] == doc_id:
                return {**d, "format": "txt", "mtime": 1710882000.0, "html": self._mark(d["text"], query)}
        return None

    def health(self) -> dict:
        return {"loaded": True, "documents": len(self.docs), "generation": "gen-000001"}


def _docs() -> list[dict]:
    docs = [
        {"id": f"نامه/{i:02d}.txt", "path": f"نامه/{i:02d}.txt", "title": f"نامه‌ی شماره {i}",
         "text": f"این نامه درباره‌ی کتاب و باغ است. شماره {i}"}
        for i in range(1, 26)
    ]  # fmt: skip
    docs.append({"id": "bad.txt", "path": "bad\u202etxt.exe", "title": HOSTILE_TITLE, "text": HOSTILE_TEXT})
    return docs


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine(_docs())


@pytest.fixture
def client(engine, tmp_path):
    return create_app(tmp_path, engine=engine).test_client()


def _text(resp) -> str:
    return resp.get_data(as_text=True)


def _outside_input(page: str) -> str:
    """The page without the search box, whose value is the user's own query as typed."""
    return re.sub(r"<input[^>]*>", "", page)


def test_debug_is_off(engine, tmp_path):
    app = create_app(tmp_path, engine=engine)
    assert app.debug is False and app.testing is False


def test_landing_page_is_persian_rtl_with_autofocus_and_headers(client):
    resp = client.get("/")
    page = _text(resp)
    assert resp.status_code == 200
    assert '<html lang="fa" dir="rtl">' in page
    assert "autofocus" in page
    assert "۲۶ سند" in page  # the document count in Persian digits
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"


def test_results_keep_the_query_and_show_count_time_marks_and_links(client):
    page = _text(client.get("/", query_string={"q": "کتاب"}))
    assert 'value="کتاب"' in page
    assert "۲۵</span> نتیجه" in page
    assert "۳٫۴</span> میلی‌ثانیه" in page
    assert page.count('class="hit"') == 10
    assert "<mark>کتاب</mark>" in page
    # Each result links to its document view, query kept, with the anchor of the first match.
    first = html.unescape(re.search(r'class="title" href="([^"]+)"', page).group(1))
    assert first.startswith("/doc/") and first.endswith("#first-match") and "q=" in first


def test_paging_links_move_through_the_results(client, engine):
    page1 = _text(client.get("/?q=کتاب"))
    assert 'rel="next"' in page1 and 'rel="prev"' not in page1
    assert 'aria-current="page">۱<' in page1
    next_url = html.unescape(re.search(r'rel="next" href="([^"]+)"', page1).group(1))
    page2 = _text(client.get(next_url))
    assert 'aria-current="page">۲<' in page2 and 'start="11"' in page2
    assert engine.calls[-1] == ("search", "کتاب", 2, 10)
    page3 = _text(client.get("/?q=کتاب&page=3"))
    assert page3.count('class="hit"') == 5 and 'rel="next"' not in page3


def test_did_you_mean_links_to_the_corrected_query(client):
    page = _text(client.get("/?q=کتب"))
    link = re.search(r'class="suggestion" href="([^"]+)">([^<]+)<', page)
    assert link.group(2) == "کتاب"
    assert "کتاب" in _text(client.get(html.unescape(link.group(1))))


def test_empty_state_and_refused_query(client):
    empty = _text(client.get("/?q=ناموجود"))
    assert "هیچ سندی برای" in empty and 'class="hit"' not in empty
    refused = client.get("/?q=ک*")
    assert refused.status_code == 400
    assert "این پرس‌وجو اجرا نشد" in _text(refused) and "دو حرف" in _text(refused)
    assert 'value="ک*"' in _text(refused)


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "100000"])
def test_bad_page_numbers_give_a_400_page_not_a_traceback(client, page):
    resp = client.get("/", query_string={"q": "کتاب", "page": page})
    assert resp.status_code == 400
    assert "page" in _text(resp) and "Traceback" not in _text(resp)


def test_hostile_documents_render_as_text(client):
    page = _text(client.get("/?q=تمام"))
    assert "<script>alert" not in page and "<img" not in page
    assert "&lt;script&gt;alert" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert 'href="javascript:' not in page
    # Bidi overrides in a path or a text are shown as code points instead of reordering the page.
    assert "\u202e" not in page and "bad[U+202E]txt.exe" in page and "[U+202E]معکوس[U+202C]" in page
    doc = _text(client.get("/doc/bad.txt?q=تمام"))
    assert "<script>alert" not in doc and "<img" not in doc and "\u202e" not in doc
    assert "<title>&lt;script&gt;" in doc


def test_hostile_queries_render_as_text(client):
    query = '"><script>alert(3)</script> \u202eکتاب'
    page = _text(client.get("/", query_string={"q": query}))
    assert "<script>alert(3)" not in page
    assert 'value="&#34;&gt;&lt;script&gt;' in page or 'value="&quot;&gt;&lt;script&gt;' in page
    assert "\u202e" not in _outside_input(page)


def test_pages_carry_no_inline_script_or_handlers(client):
    for url in ("/", "/?q=کتاب", "/help", "/doc/bad.txt?q=تمام", "/nope"):
        page = _text(client.get(url))
        scripts = re.findall(r"<script[^>]*>", page)
        assert scripts == ['<script src="/static/app.js" defer>'], url
        assert not re.search(r"<[^>]+\son\w+\s*=", page), url
        assert "style=" not in page, url


def test_document_view_highlights_all_and_anchors_the_first(client):
    resp = client.get("/doc/نامه/03.txt", query_string={"q": "کتاب باغ"})
    page = _text(resp)
    assert resp.status_code == 200
    assert page.count('<mark id="first-match">') == 1
    assert page.count("<mark") == 2
    assert "autofocus" not in page  # focusing the box would scroll away from the match
    assert "۲۹ اسفند ۱۴۰۲" in page or "۱ فروردین ۱۴۰۳" in page  # 2024-03-19 21:00 UTC, in the local zone
    assert "نامه‌ی شماره 3" in page


def test_document_view_with_a_refused_query_still_shows_the_text(client):
    page = _text(client.get("/doc/نامه/03.txt?q=ک*"))
    assert "دو حرف" in page and "این نامه درباره" in page


def test_unknown_documents_and_routes_are_404_pages(client):
    for url in (
        "/doc/missing.txt",
        "/doc/../../etc/passwd",
        "/nowhere",
        "/static/../web.py",
        "/static/web.py",
    ):
        resp = client.get(url)
        assert resp.status_code == 404, url
        assert "root:" not in _text(resp) and "create_app" not in _text(resp)


def test_help_page_explains_the_syntax(client):
    page = _text(client.get("/help"))
    for item in ("«", '"', "+", "-", "AND", "OR", "NOT", "(", "title:", "*"):
        assert item in page, item


def test_static_assets_are_served_with_nosniff(client):
    css = client.get("/static/style.css")
    assert css.status_code == 200 and "Vazirmatn" in _text(css).split("font-family:")[1].split(",")[0]
    js = client.get("/static/app.js")
    assert js.status_code == 200 and "form.dataset.suggest" in _text(js)  # the URL comes from the page
    assert js.headers["X-Content-Type-Options"] == "nosniff"


def test_an_engine_bug_is_a_plain_500_without_internals(client):
    page = client.get("/?q=boom")
    api = client.get("/api/search?q=boom")
    assert page.status_code == api.status_code == 500
    assert api.get_json()["status"] == 500
    assert "RuntimeError" not in _text(page) + _text(api)


def test_paths_keep_their_order_in_their_own_direction():
    assert show_path("docs/a.txt") == '<bdi dir="ltr" class="path"><bdi>docs</bdi>/<bdi>a.txt</bdi></bdi>'
    assert show_path("نامه‌ها/۱.txt").startswith('<bdi dir="rtl" class="path"><bdi>نامه‌ها</bdi>/')
    assert (
        show_path('<x>/"\u202e')
        == '<bdi dir="ltr" class="path"><bdi>&lt;x&gt;</bdi>/<bdi>&#34;[U+202E]</bdi></bdi>'
    )
