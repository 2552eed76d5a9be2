"""The title is weighted above the body: the same word matched once in a short title outranks it matched once
in a body of the same length, whatever form the query takes."""

from __future__ import annotations

import json

import pytest

from indexer.build import index_folder
from search_ui.engines.folder import Ranking, SearchEngine

RECORDS = [
    {"id": "in-title", "title": "زعفران", "text": "کشاورزان خراسان هر پاییز گلبرگ بنفش را می‌چینند"},
    {"id": "in-body", "title": "بازار", "text": "کشاورزان خراسان هر پاییز زعفران خود را می‌فروشند"},
    {"id": "rose", "title": "گلاب", "text": "باغبانان کاشان هر بهار گلبرگ سرخ را می‌جوشانند"},
    {"id": "water", "title": "آب‌انبار", "text": "مردم یزد هر تابستان آب انبار را پاکیزه می‌کنند"},
    # a title with no word in it: the document has no title terms at all (and must not break the norms)
    {"id": "no-words", "title": "!!!", "text": "بوی زعفران و گلاب در خانه‌ی مادربزرگ خوشبو است"},
]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("title")
    (root / "docs").mkdir()
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in RECORDS)
    (root / "docs" / "records.jsonl").write_text(lines, encoding="utf-8")
    index_folder(root / "docs", root / "index", rebuild=True)
    return root / "index"


def order(engine: SearchEngine, query: str) -> list[tuple[str, float]]:
    return [(h["id"], h["score"]) for h in engine.search(query)["hits"]]


def test_the_two_bodies_are_the_same_length(index_dir):
    """The comparison below is fair only if body length plays no part."""
    engine = SearchEngine(index_dir)
    reader = engine._generation().searcher(engine.weighting).reader()
    with_id = {reader.stored_fields(d)["id"]: d for d in range(reader.doc_count_all())}
    assert reader.doc_field_length(with_id["in-title"], "body") == reader.doc_field_length(
        with_id["in-body"], "body"
    )


@pytest.mark.parametrize("query", ["زعفران", "+زعفران", "زعفر*"])
def test_a_title_match_outranks_the_same_body_match(index_dir, query):
    hits = dict(order(SearchEngine(index_dir), query))
    assert hits["in-title"] > hits["in-body"] > 0


@pytest.mark.parametrize("query", ["+زعفران", "زعفر*", "(زعفران)"])
def test_a_word_scores_the_same_whatever_form_it_is_asked_in(index_dir, query):
    """Optional, required, a prefix matching only it or inside a group, one word gives the same documents
    the same scores: the query's shape decides which documents match, never how one is scored."""
    engine = SearchEngine(index_dir)
    assert order(engine, query) == order(engine, "زعفران")


def test_a_title_weighted_like_the_body_would_not_do_it(index_dir):
    """The ranking above comes from the title weight, not from the corpus: a nearly unweighted title (the
    old default, 0.01) puts the body match first."""
    hits = dict(order(SearchEngine(index_dir, Ranking(title_boost=0.01)), "زعفران"))
    assert hits["in-body"] > hits["in-title"]


def test_a_title_without_words_is_no_title(index_dir):
    engine = SearchEngine(index_dir)
    assert [d for d, _ in order(engine, "خوشبو")] == ["no-words"]
    assert "no-words" in dict(order(engine, "زعفران"))
