"""The JSON API over the real engine and a real index: every endpoint, every error, and a live rebuild."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_web_corpus import (
    DOCUMENTS,
    FIXED,
    HOSTILE_PATH,
    HOSTILE_WORD,
    NOTES,
    PREFIX,
    RARE,
    RECORD_WORD,
    TYPO,
    build_index,
)

from indexer.build import index_folder
from indexer.storage.generations import current_name
from search_ui.commands.main import cli
from search_ui.engines.folder import SearchEngine
from search_ui.web.app import create_app

SEARCH_KEYS = {"query", "total", "took_ms", "suggestions", "hits", "page", "limit", "notices"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    return build_index(tmp_path_factory.mktemp("kavosh-api"))


@pytest.fixture(scope="module")
def client(built):
    return create_app(built[1]).test_client()


def _error(resp, status: int) -> str:
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["status"] == status and body["error"]
    return body["error"]


def test_search_is_the_engine_object(client, built):
    resp = client.get("/api/search", query_string={"q": "کتابخانه", "limit": 5, "page": 2})
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    body = resp.get_json()
    assert set(body) == SEARCH_KEYS
    direct = SearchEngine(built[1]).search("کتابخانه", page=2, limit=5)
    assert {k: v for k, v in body.items() if k != "took_ms"} == {
        k: v for k, v in direct.items() if k != "took_ms"
    }
    assert body["total"] == NOTES and len(body["hits"]) == 5 and body["page"] == 2 and body["limit"] == 5
    assert all("<mark>" in hit["snippet"] for hit in body["hits"])
    assert "کتابخانه" in resp.get_data(as_text=True)  # Persian is not \u-escaped


def test_search_is_the_same_object_as_kavosh_search_json(client, built):
    args = ["search", "--index", str(built[1]), "--json", "--page", "2", "--limit", "3", "کتابخانه قفسه"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    cli_body = json.loads(result.output)
    api_body = client.get(
        "/api/search", query_string={"q": "کتابخانه قفسه", "page": 2, "limit": 3}
    ).get_json()
    cli_body.pop("took_ms"), api_body.pop("took_ms")
    assert api_body == cli_body


def test_search_defaults_and_bounds_of_limit(client):
    assert len(client.get("/api/search?q=کتابخانه").get_json()["hits"]) == 10
    assert len(client.get("/api/search?q=کتابخانه&limit=100").get_json()["hits"]) == NOTES
    assert client.get("/api/search?q=کتابخانه&limit=1").get_json()["limit"] == 1


@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({}, "q"),
        ({"q": "  "}, "q"),
        ({"q": "کتاب", "page": "abc"}, "page"),
        ({"q": "کتاب", "page": "0"}, "page"),
        ({"q": "کتاب", "page": "2.5"}, "page"),
        ({"q": "کتاب", "limit": "0"}, "limit"),
        ({"q": "کتاب", "limit": "101"}, "limit"),
        ({"q": "کتاب", "limit": "ده"}, "limit"),
    ],
)
def test_bad_search_parameters_are_json_400(client, params, word):
    assert word in _error(client.get("/api/search", query_string=params), 400)


def test_a_refused_query_is_json_400_with_the_engines_message(client):
    resp = client.get("/api/search", query_string={"q": "ک*"})
    message = _error(resp, 400)
    assert resp.get_json()["refused"] is True and message


def test_did_you_mean_suggestions(client):
    """A word no document holds gets its correction offered, and searched (search_ui.ranking.rescue)."""
    body = client.get("/api/search", query_string={"q": TYPO}).get_json()
    fixed = client.get("/api/search", query_string={"q": FIXED}).get_json()
    assert body["suggestions"][0] == FIXED
    assert body["total"] == fixed["total"] > 0
    assert any(f"«{FIXED}» هم جستجو شد" in n for n in body["notices"])


def test_suggest_completes_the_last_word(client):
    body = client.get("/api/suggest", query_string={"q": "دیوان " + PREFIX}).get_json()
    assert body["query"] == "دیوان " + PREFIX
    assert body["suggestions"] and all(s.startswith(PREFIX) for s in body["suggestions"])
    assert FIXED in body["suggestions"]
    assert client.get("/api/suggest").get_json()["suggestions"] == []


def test_document_by_a_path_id_with_highlights(client):
    hits = client.get("/api/search", query_string={"q": RARE}).get_json()["hits"]
    assert len(hits) == 1
    doc_id = hits[0]["id"]
    body = client.get(f"/api/doc/{doc_id}", query_string={"q": RARE}).get_json()
    assert body["id"] == doc_id and body["html"].count("<mark>") == 2 and RARE in body["text"]
    hostile_id = client.get("/api/search", query_string={"q": HOSTILE_WORD}).get_json()["hits"][0]["id"]
    assert "/" in hostile_id and hostile_id.endswith(Path(HOSTILE_PATH).name)
    hostile = client.get(f"/api/doc/{hostile_id}").get_json()
    assert "<script>" in hostile["text"] and "<script>" not in hostile["html"]


def test_ids_with_hash_and_spaces_work_through_the_page_links(client):
    page = client.get("/", query_string={"q": RECORD_WORD}).get_data(as_text=True)
    links = [html.unescape(u) for u in re.findall(r'class="title" href="([^"]+)"', page)]
    assert len(links) == 2 and all("%23" in u for u in links)
    for link in links:
        doc = client.get(link.split("#")[0])
        assert doc.status_code == 200 and f'<mark id="first-match">{RECORD_WORD}</mark>' in doc.get_data(
            as_text=True
        )
    hit_id = client.get("/api/search", query_string={"q": RECORD_WORD}).get_json()["hits"][0]["id"]
    assert "#" in hit_id and " " in hit_id
    assert client.get("/api/doc/" + quote(hit_id)).get_json()["id"] == hit_id


@pytest.mark.parametrize("doc_id", ["missing.txt", "../../../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%00"])
def test_unknown_documents_are_json_404(client, doc_id):
    resp = client.get(f"/api/doc/{doc_id}")
    _error(resp, 404)
    assert "root:" not in resp.get_data(as_text=True)


def test_unknown_routes_and_methods_are_json(client):
    _error(client.get("/api/nothing"), 404)
    _error(client.post("/api/search?q=کتاب"), 405)
    assert client.get("/no-such-page").status_code == 404
    assert client.get("/no-such-page").mimetype == "text/html"


def test_healthz_reports_the_live_generation(client, built):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"loaded": True, "documents": DOCUMENTS, "generation": current_name(built[1])}


def test_headers_on_api_responses(client):
    resp = client.get("/api/search?q=کتابخانه")
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"


def test_a_rebuild_is_served_without_a_restart(tmp_path):
    folder, index_dir = build_index(tmp_path)
    client = create_app(index_dir).test_client()
    before = client.get("/healthz").get_json()
    assert client.get("/api/search", query_string={"q": "فانوس"}).get_json()["total"] == 0
    (folder / "تازه.txt").write_text("فانوس دریایی\n\nنور فانوس از دور پیدا بود.\n", encoding="utf-8")
    index_folder(folder, index_dir)
    after = client.get("/healthz").get_json()
    assert after["generation"] != before["generation"] and after["documents"] == before["documents"] + 1
    assert client.get("/api/search", query_string={"q": "فانوس"}).get_json()["total"] == 1


ODD_QUERIES = ['"', "«", "»", "(", ")", "AND", "OR NOT", "title:", "*", "-", "+", "«کتاب", "کتاب)",
               '"><script>alert(1)</script>', "\u202eکتاب", "\x00", "title:*", "کتاب^2", "{کتاب TO}",
               "کتاب~", "?", "\\", "NOT", "((((کتاب", "javascript:alert(1)"]  # fmt: skip


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_odd_queries_never_fail_with_500(client, query):
    resp = client.get("/api/search", query_string={"q": query})
    assert resp.status_code in (200, 400), resp.get_data(as_text=True)
    assert resp.get_json()
    assert client.get("/", query_string={"q": query}).status_code in (200, 400)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(st.characters(codec="utf-8"), max_size=30))
def test_any_text_is_answered_with_200_or_400(client, query):
    for url in ("/api/search", "/api/suggest", "/"):
        resp = client.get(url, query_string={"q": query})
        assert resp.status_code in (200, 400), (url, query, resp.get_data(as_text=True)[:300])


@pytest.mark.parametrize(
    ("query", "total"),
    [(f"«بوی {RARE}»", 1), (f'"بوی {RARE}"', 1), (f"«{RARE} بوی»", 0), (f"title:کتابخانه -{RARE}", NOTES)],
)
def test_phrases_in_both_quote_styles_and_fields(client, query, total):
    assert client.get("/api/search", query_string={"q": query}).get_json()["total"] == total
