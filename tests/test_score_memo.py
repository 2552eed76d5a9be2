"""What a reader remembers across queries (`bm25f._Memo`: term scores, close pairs, whole posting lists):
the same answers as without it, bounded, and never carried into the next generation of the index."""

from __future__ import annotations

import pytest

from indexer.build import index_folder
from search_ui.engines.folder import SearchEngine
from search_ui.ranking import bm25f

DOCS = {
    "a.txt": "کتاب\nکتاب‌های تازه‌ی کتابخانه را دانشجویان امانت گرفتند و کتاب خواندند.",
    "b.txt": "باغ\nدر باغ شهر کتاب‌فروشی کوچکی هست که کتاب کودک می‌فروشد.",
    "c.txt": "دانشگاه\nدانشجویان دانشگاه تهران در کتابخانه‌ی مرکزی درس می‌خوانند.",
    "d.txt": "سفر\nسفر به شمال ایران در بهار دل‌انگیز است و جاده‌ها سبزند.",
    "e.txt": "ایران\nکتاب تاریخ ایران را دانشجویان در کلاس خواندند.",
}
QUERIES = ["کتاب", "دانشجویان کتاب", "کتاب دانشجویان ایران", "«کتاب خواندند»", "+کتاب -باغ", "ایران سفر"]


def answers(engine: SearchEngine) -> list[list[tuple[str, float]]]:
    return [[(h["id"], h["score"]) for h in engine.search(q, limit=10)["hits"]] for q in QUERIES]


@pytest.fixture()
def folder(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    index_folder(docs, tmp_path / "index", rebuild=True)
    return docs


def test_remembered_scores_change_no_answer(folder, monkeypatch):
    engine = SearchEngine(folder.parent / "index")
    first = answers(engine)
    again = answers(engine)  # now from what the reader remembers
    monkeypatch.setattr(bm25f, "_remembered_scores", lambda reader: None)
    monkeypatch.setattr(bm25f, "_remembered_lists", lambda reader: None)
    fresh = answers(SearchEngine(folder.parent / "index"))
    assert first == again == fresh
    assert all(first)


@pytest.mark.parametrize("memory", ["_remembered_scores", "_remembered_lists"])
def test_the_memory_is_used_and_bounded(folder, monkeypatch, memory):
    kept: list[bm25f._Memo] = []
    remember = getattr(bm25f, memory)

    def spy(reader):
        memo = remember(reader)
        if memo is not None and memo not in kept:
            kept.append(memo)
        return memo

    monkeypatch.setattr(bm25f, memory, spy)
    monkeypatch.setattr(bm25f, "MEMO_POSTINGS", 8)
    monkeypatch.setattr(bm25f, "MEMO_LISTS", 8)
    engine = SearchEngine(folder.parent / "index")
    answers(engine)
    answers(engine)
    assert kept and any(memo.entries for memo in kept)
    assert all(memo.size <= 8 for memo in kept)
    # each entry is counted by the postings it holds: the scores of a term or the pair's documents, or the
    # ids of a posting list (kept with its frequencies and values, one each)
    for memo in kept:
        sizes = [len(value[0] if isinstance(value, tuple) else value) for value, _ in memo.entries.values()]
        assert memo.size == sum(sizes)
        if memory == "_remembered_lists":
            assert all(len(ids) == len(tfs) == len(values) for (ids, tfs, values), _ in memo.entries.values())


def test_a_new_generation_is_not_answered_from_the_old_ones_memory(folder):
    engine = SearchEngine(folder.parent / "index")
    before = {h["id"] for h in engine.search("سفر")["hits"]}
    (folder / "f.txt").write_text("قطار\nسفر با قطار از تهران تا مشهد یک شب طول می‌کشد.", encoding="utf-8")
    index_folder(folder, folder.parent / "index")
    after = {h["id"] for h in engine.search("سفر")["hits"]}
    assert before == {"d.txt"}
    assert after == {"d.txt", "f.txt"}
