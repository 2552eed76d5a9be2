"""The search engine on a small hand-written Persian corpus: every query form, ranking, paging, suggestions,
documents, generations and bad arguments."""

from __future__ import annotations

import json
import re
import threading

import pytest

from indexer.build import index_folder
from indexer.errors import IndexMissing
from search_ui.engines.folder import QueryRefused, SearchEngine

MARK = re.compile(r"<mark>(.*?)</mark>", re.S)

DOCS = {
    "siasat.txt": "سیاست خارجی ایران\nسیاست خارجی ایران در دهه‌ی گذشته دگرگون شد و روابط گسترش یافت.",
    "dakheli.txt": "سیاست داخلی\nبحث‌های سیاست داخلی و اقتصاد در مجلس ادامه دارد. روابط خارجی موضوع نیست.",
    "dur.txt": "گزارش\nخارجی‌ها در بازار بودند. سخن از هنر و ادبیات رفت و سرانجام از سیاست هم گفتند.",
    "ketab.txt": "کتابخانه‌ی ملی\nکتابخانه ملی بزرگ‌ترین گنجینه‌ی کتاب‌های خطی کشور است.",
    "tarikh.md": "# تاریخ ایران باستان\n\nهخامنشیان و ساسانیان دو دودمان بزرگ ایران باستان بودند.",
    "varzesh.txt": "ورزش\nتیم ملی فوتبال در جام جهانی بازی کرد و هواداران شاد شدند.",
}


@pytest.fixture(scope="module")
def index_dir(build_index):
    many = [
        {"id": f"n{i:02d}", "title": f"خبر {i}", "text": f"خبر شماره {i} درباره‌ی آب و هوای شهر"}
        for i in range(25)
    ]
    news = "\n".join(json.dumps(r, ensure_ascii=False) for r in many)
    return build_index({**DOCS, "news.jsonl": news}, "search")


@pytest.fixture(scope="module")
def engine(index_dir):
    return SearchEngine(index_dir)


def ids(result: dict) -> list[str]:
    return [h["id"] for h in result["hits"]]


def test_result_shape_and_health(engine):
    result = engine.search("سیاست خارجی")
    assert set(result) == {"query", "total", "took_ms", "suggestions", "hits", "page", "limit", "notices"}
    assert set(result["hits"][0]) == {"id", "path", "title", "score", "snippet", "folder", "date", "format"}
    assert result["took_ms"] >= 0 and result["page"] == 1 and result["limit"] == 10
    assert engine.health() == {"loaded": True, "documents": 31, "generation": "gen-000001"}


def test_keywords_rank_documents_with_more_terms_close_together_first(engine):
    result = engine.search("سیاست خارجی")
    order = ids(result)
    assert order[0] == "siasat.txt"
    # both words but far apart, or one word only, rank below the adjacent pair
    assert set(order) == {"siasat.txt", "dakheli.txt", "dur.txt"}
    scores = [h["score"] for h in result["hits"]]
    assert scores == sorted(scores, reverse=True)
    assert MARK.findall(result["hits"][0]["snippet"])[:2] == ["سیاست", "خارجی"]


@pytest.mark.parametrize("query", ['"سیاست خارجی"', "«سیاست خارجی»", "“سیاست خارجی”"])
def test_phrases_need_the_words_in_order(engine, query):
    result = engine.search(query)
    assert ids(result) == ["siasat.txt"]
    assert "سیاست خارجی" in MARK.findall(result["hits"][0]["snippet"])


def test_a_phrase_matches_every_spelling_variant(engine):
    # Arabic kaf and a lost ZWNJ in the query; ZWNJ and Persian letters in the text
    assert ids(engine.search("«كتابهای خطی»")) == ["ketab.txt"]


def test_required_excluded_and_or(engine):
    assert set(ids(engine.search("+سیاست +داخلی"))) == {"dakheli.txt"}
    assert set(ids(engine.search("سیاست AND اقتصاد"))) == {"dakheli.txt"}
    assert set(ids(engine.search("سیاست -داخلی"))) == {"siasat.txt", "dur.txt"}
    assert set(ids(engine.search("سیاست NOT داخلی"))) == {"siasat.txt", "dur.txt"}
    assert set(ids(engine.search("فوتبال OR هخامنشیان"))) == {"varzesh.txt", "tarikh.md"}
    assert set(ids(engine.search("سیاست -(داخلی OR هنر)"))) == {"siasat.txt"}


def test_title_field(engine):
    assert ids(engine.search("title:تاریخ")) == ["tarikh.md"]
    assert ids(engine.search("title:اقتصاد")) == []  # only in a body


def test_prefix_expands_and_is_bounded(engine):
    assert set(ids(engine.search("هخامن*"))) == {"tarikh.md"}
    with pytest.raises(QueryRefused, match="کوتاه"):
        engine.search("ک*")


def test_stopwords_are_dropped_unless_nothing_else_is_left(engine):
    with_stops = engine.search("سیاست در از به")
    assert ids(with_stops) == ids(engine.search("سیاست"))
    only = engine.search("در از")
    assert only["total"] > 0 and only["notices"]


@pytest.mark.parametrize(
    "query",
    [
        '"سیاست خارجی',
        "(سیاست خارجی",
        "سیاست) OR",
        "AND -",
        "سیاست\x00\x1b خارجی",
        "؟!،",
        "*",
        "()",
        "واژه " * 1000,
    ],
)
def test_malformed_queries_never_fail_and_explain(engine, query):
    result = engine.search(query)
    assert isinstance(result["hits"], list)
    assert result["notices"], "every one of these inputs was changed and must say so"


def test_paging_is_consistent(engine):
    full = engine.search("خبر", limit=30)
    assert full["total"] == 25 and len(full["hits"]) == 25
    pages = [engine.search("خبر", page=p, limit=10) for p in (1, 2, 3, 4)]
    assert [len(p["hits"]) for p in pages] == [10, 10, 5, 0]
    assert [i for p in pages for i in ids(p)] == ids(full)
    assert all(p["total"] == 25 for p in pages)


@pytest.mark.parametrize(("page", "limit"), [(0, 10), (1, 0), (1, 101), (-1, 5)])
def test_bad_paging_arguments_raise_value_error(engine, page, limit):
    with pytest.raises(ValueError):
        engine.search("خبر", page=page, limit=limit)


def test_did_you_mean_for_unknown_words(engine):
    result = engine.search("هخامنشیاان")
    assert result["suggestions"] and "هخامنشیان" in result["suggestions"][0]
    # no document holds it, so its correction is searched too (search_ui.ranking.rescue)
    assert {h["id"] for h in result["hits"]} == {h["id"] for h in engine.search("هخامنشیان")["hits"]} != set()
    assert engine.search("هخامنشیان")["suggestions"] == []


def test_completions_of_the_last_word(engine):
    assert engine.suggest("تاریخ هخام")[0] == "هخامنشیان"
    assert engine.suggest("") == []
    assert len(engine.suggest("خبر", limit=3)) <= 3


def test_document_marks_every_match_of_the_query(engine):
    doc = engine.document("ketab.txt", query="کتاب")
    assert doc["text"] == DOCS["ketab.txt"]
    assert doc["format"] == "txt" and doc["path"] == "ketab.txt"
    assert "کتاب‌های" in MARK.findall(doc["html"])
    assert engine.document("ketab.txt")["html"].count("<mark>") == 0
    assert engine.document("no-such-id") is None


def test_a_missing_index_is_reported_not_crashed(tmp_path):
    engine = SearchEngine(tmp_path / "nothing")
    assert engine.health() == {"loaded": False, "documents": 0, "generation": None}
    with pytest.raises(IndexMissing):
        engine.search("کتاب")


def test_a_new_generation_is_picked_up_and_threads_share_the_engine(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("نخستین\nسیب سرخ", encoding="utf-8")
    index_folder(folder, tmp_path / "ix")
    engine = SearchEngine(tmp_path / "ix")
    assert ids(engine.search("سیب")) == ["a.txt"]
    (folder / "b.txt").write_text("دومین\nسیب زرد", encoding="utf-8")
    index_folder(folder, tmp_path / "ix")
    assert set(ids(engine.search("سیب"))) == {"a.txt", "b.txt"}
    errors: list[BaseException] = []

    def worker():
        try:
            for _ in range(20):
                assert engine.search("سیب")["total"] == 2
        except BaseException as err:  # reported by the main thread
            errors.append(err)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


@pytest.mark.parametrize(
    "query", ["سیاست خارجی", "کتابخانه ملی", "سیاست هنر ادبیات", "خبر شهر", "ایران باستان"]
)
def test_the_batch_path_ranks_exactly_like_the_page(engine, query):
    batch = engine.ranked(query, limit=50)
    page = engine.search(query, limit=50)["hits"]
    assert [d for d, _ in batch] == [h["id"] for h in page]
    assert [round(s, 4) for _, s in batch] == [h["score"] for h in page]
