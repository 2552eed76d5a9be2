"""Phrase search on posting lists long enough to span many blocks, and totals that count every match.

Phrases are matched candidate-first (the rarest word's documents, the other words' lists skipped through to
them); these tests hold that to an oracle built from the generated texts, with the common words of the
phrase in every document so their lists span several blocks of postings.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from indexer.build import index_folder
from search_ui.engines.folder import SearchEngine

FILLER = "در این شهر مردم به بازار می‌روند و از آنجا میوه و نان می‌خرند."
PHRASE = "باغ انار در دامنه کوه"
SCRAMBLED = "دامنه کوه در باغ انار"  # the same words, another order: not the phrase
HALF = "باغ انار در کنار رود"  # the phrase's first words, then others
N_DOCS = 700  # "در" and "و" then have 700 postings: six blocks of 128


def _corpus(seed: int = 5) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Documents, and which of them hold the phrase, its scrambled words, or the word کوه at all."""
    rng = random.Random(seed)
    docs: dict[str, str] = {}
    truth: dict[str, set[str]] = {"phrase": set(), "scrambled": set(), "kuh": set()}
    for i in range(N_DOCS):
        name = f"d{i:03d}.txt"
        kind = rng.random()
        lines = [f"یادداشت شماره {i}", FILLER * rng.randint(1, 3)]
        if kind < 0.06:
            lines.insert(rng.randint(1, 2), f"در روستا {PHRASE} است.")
            truth["phrase"].add(name)
            truth["kuh"].add(name)
        elif kind < 0.12:
            lines.append(f"گفتند {SCRAMBLED} بود.")
            truth["scrambled"].add(name)
            truth["kuh"].add(name)
        elif kind < 0.20:
            lines.append(f"دیروز {HALF} نشستیم.")
        elif kind < 0.24:
            lines.append("برف روی کوه نشسته است.")
            truth["kuh"].add(name)
        docs[name] = "\n".join(lines)
    return docs, truth


@pytest.fixture(scope="module", params=[1, 2], ids=["one-segment", "two-segments"])
def corpus(request, tmp_path_factory) -> tuple[SearchEngine, dict[str, set[str]]]:
    docs, truth = _corpus()
    root = tmp_path_factory.mktemp(f"phrases{request.param}")
    for name, text in docs.items():
        (root / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "docs" / name).write_text(text, encoding="utf-8")
    index_folder(root / "docs", root / "index", rebuild=True, procs=request.param)
    engine = SearchEngine(root / "index")
    searcher = engine._generation().searcher(engine.weighting)
    segments = 1 if searcher.is_atomic() else len(searcher.subsearchers)
    assert segments == request.param  # the layout under test: one segment, or two written in parallel
    return engine, truth


def _all_ids(engine: SearchEngine, query: str) -> set[str]:
    return {doc for doc, _ in engine.ranked(query, limit=100)}


def test_the_common_words_span_many_blocks(corpus) -> None:
    engine, _ = corpus
    reader = engine._generation().searcher(engine.weighting).reader()
    assert reader.doc_frequency("body", "در") == N_DOCS


def test_a_phrase_finds_exactly_the_documents_holding_it(corpus) -> None:
    engine, truth = corpus
    assert 20 < len(truth["phrase"]) < 100 and truth["scrambled"]
    for query in (f"«{PHRASE}»", f'"{PHRASE}"', "«باغ‌انار در دامنه‌ی كوه»"):
        result = engine.search(query, limit=100)
        assert result["total"] == len(truth["phrase"]), query
        assert _all_ids(engine, query) == truth["phrase"], query


def test_the_words_in_another_order_are_not_the_phrase(corpus) -> None:
    engine, truth = corpus
    assert _all_ids(engine, f"«{SCRAMBLED}»") == truth["scrambled"]
    assert not _all_ids(engine, "«انار باغ»")


def test_totals_count_every_match_of_compound_queries(corpus) -> None:
    """The total is every matching document, not only those that could still reach the first page."""
    engine, truth = corpus
    phrase_or_kuh = engine.search(f"«{PHRASE}» OR کوه", limit=10)
    assert phrase_or_kuh["total"] == len(truth["kuh"])
    assert [h["id"] for h in phrase_or_kuh["hits"][:5]] == sorted(
        [h["id"] for h in phrase_or_kuh["hits"][:5]], key=lambda d: d not in truth["phrase"]
    )
    only_kuh = engine.search(f"کوه -«{PHRASE}»", limit=10)
    assert only_kuh["total"] == len(truth["kuh"] - truth["phrase"])
    assert engine.search(f"«{PHRASE}»", limit=3)["total"] == len(truth["phrase"])


def test_paging_through_a_phrase_gives_every_hit_once(corpus) -> None:
    engine, truth = corpus
    seen: list[str] = []
    page = 1
    while True:
        hits = engine.search(f"«{PHRASE}»", page=page, limit=7)["hits"]
        if not hits:
            break
        seen.extend(h["id"] for h in hits)
        page += 1
    assert sorted(seen) == sorted(truth["phrase"])


def test_an_index_without_the_rare_word_answers_nothing(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text(FILLER, encoding="utf-8")
    index_folder(tmp_path / "docs", tmp_path / "index")
    engine = SearchEngine(tmp_path / "index")
    assert engine.search(f"«{PHRASE}»")["total"] == 0
    assert engine.search("«مردم به بازار»")["total"] == 1
