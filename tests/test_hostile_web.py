"""Hostile and careless requests to the page and API: document ids no path rule may rewrite, redirects that
stay on the site whatever the Host header says, no caching of private answers, and a damaged new index
generation that neither takes search down nor leaks its path or the exception to the user."""

from __future__ import annotations

import json
import logging
import re
import shutil
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from indexer.storage import generations as store
from search_ui.engines.folder import SearchEngine
from search_ui.web.app import INDEX_UNAVAILABLE, create_app

WORD = "خرمالو"  # in every record, so one search lists them all
IDS = [
    "/etc/passwd",
    "..",
    ".",
    "a/../b",
    "a//b",
    "./c",
    "x\\y",
    "~2F",
    "سند#۱?بخش=۲",
    "دو  فاصله",
    "%2F",
    "صد%",
]


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    from indexer.build import index_folder

    root = tmp_path_factory.mktemp("hostile-web")
    (root / "docs").mkdir()
    lines = [
        json.dumps({"id": doc_id, "title": f"برگه {n}", "text": f"{WORD} در باغ شماره‌ی {n} رسیده است."})
        for n, doc_id in enumerate(IDS)
    ]
    (root / "docs" / "records.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    index_folder(root / "docs", root / "index", rebuild=True)
    return root / "index"


@pytest.fixture(scope="module")
def client(index):
    return create_app(index).test_client()


def browser_path(link: str) -> str:
    """The path and query a browser requests for a link on the page (dot segments resolved, RFC 3986)."""
    parts = urlsplit(urljoin("http://127.0.0.1/", link))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_every_id_opens_its_document_from_the_results_page(client):
    page = client.get("/", query_string={"q": WORD}).get_data(as_text=True)
    links = [unescape(h) for h in re.findall(r'<a class="title" href="([^"]+)"', page)]
    assert len(links) == 10  # the first page of results
    page2 = client.get("/", query_string={"q": WORD, "page": 2}).get_data(as_text=True)
    links += [unescape(h) for h in re.findall(r'<a class="title" href="([^"]+)"', page2)]
    assert len(links) == len(IDS)
    opened = set()
    for link in links:
        resp = client.get(browser_path(link.split("#")[0]))
        assert resp.status_code == 200, link
        text = resp.get_data(as_text=True)
        number = re.search(r"باغ شماره‌ی (\d+)", text)
        opened.add(IDS[int(number.group(1))])
    assert opened == set(IDS)


def test_every_id_opens_through_the_api(client):
    from flask import url_for

    with client.application.test_request_context():
        urls = {doc_id: url_for("kavosh.api_document", doc_id=doc_id) for doc_id in IDS}
    for doc_id, url in urls.items():
        assert "/" not in url.removeprefix("/api/doc/"), url  # one segment: nothing to merge or resolve
        resp = client.get(browser_path(url))
        assert resp.status_code == 200 and resp.get_json()["id"] == doc_id, url


def test_plain_slash_links_still_open(client, index):
    assert client.get("/api/doc/a/../b").status_code == 200  # a client that does not resolve dots


def test_redirects_stay_relative_whatever_the_host_header(client):
    resp = client.get("/api//search?q=باغ", headers={"Host": "evil.example"})
    assert resp.status_code in (301, 302, 307, 308)  # Werkzeug merges the double slash by redirecting
    location = resp.headers["Location"]
    assert location.startswith("/api/search?") and "evil" not in location
    assert client.get(location).status_code == 200


def test_a_double_slash_id_link_opens_without_a_redirect(client):
    resp = client.get("/doc//etc/passwd", headers={"Host": "evil.example"})
    assert resp.status_code == 200 and "باغ شماره‌ی 0 " in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/", f"/?q={WORD}", "/api/search?q=باغ", "/api/suggest?q=با", "/healthz", "/help", "/nowhere"]
)
def test_answers_are_never_cached(client, path):
    assert client.get(path).headers.get("Cache-Control") == "no-store"


def test_documents_are_never_cached(client):
    for path in ["/doc/~2Fetc~2Fpasswd", "/api/doc/~2Fetc~2Fpasswd"]:
        resp = client.get(path)
        assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"


def _damage_a_new_generation(index_dir: Path) -> Path:
    """A copy of the live generation whose table of contents is empty, made live: what a disk error or a
    careless copy leaves behind. Returns the index folder."""
    live = store.current_name(index_dir)
    new = store.gen_name(store.gen_number(live) + 1)
    shutil.copytree(index_dir / live, index_dir / new)
    for toc in (index_dir / new).glob("*.toc"):
        toc.write_bytes(b"")
    (index_dir / "CURRENT.tmp").write_text(new + "\n", encoding="ascii")
    (index_dir / "CURRENT.tmp").replace(index_dir / "CURRENT")
    return index_dir


def test_a_damaged_new_generation_leaves_the_last_good_one_serving(index, tmp_path, caplog):
    copy = tmp_path / "index"
    shutil.copytree(index, copy)
    engine = SearchEngine(copy)
    client = create_app(copy, engine=engine).test_client()
    before = client.get("/api/search", query_string={"q": WORD, "limit": 50}).get_json()
    good = engine.health()["generation"]

    _damage_a_new_generation(copy)
    with caplog.at_level(logging.ERROR):
        after = client.get("/api/search", query_string={"q": WORD, "limit": 50})
        again = client.get("/api/search", query_string={"q": WORD, "limit": 50})
    assert after.status_code == again.status_code == 200
    assert after.get_json()["hits"] == before["hits"] and after.get_json()["total"] == len(IDS)
    assert engine.health() == {"loaded": True, "documents": len(IDS), "generation": good}
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(logged) == 1 and store.current_name(copy) in logged[0]  # the details go to the log, once


def test_an_unreadable_index_is_reported_without_its_path_or_the_exception(index, tmp_path, caplog):
    copy = tmp_path / "index"
    shutil.copytree(index, copy)
    _damage_a_new_generation(copy)
    client = create_app(copy).test_client()  # a fresh server: no good generation to fall back on
    with caplog.at_level(logging.ERROR):
        api = client.get("/api/search", query_string={"q": WORD})
        page = client.get("/", query_string={"q": WORD})
    assert api.status_code == page.status_code == 503
    answer = api.get_json()
    assert answer["error"] == "index-unavailable" and answer["status"] == 503
    assert answer["detail"] == INDEX_UNAVAILABLE and "--rebuild" in answer["message"]
    (logged, *_) = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    exception = re.search(r"\((.+)\)", logged).group(1)  # the log has the details: path and exception
    assert store.current_name(copy) in logged and exception
    for body in (api.get_data(as_text=True), page.get_data(as_text=True)):
        assert str(tmp_path) not in body and "gen-" not in body and exception not in body
        assert "rebuild" in body  # the page's Persian message names `kavosh index … --rebuild`
