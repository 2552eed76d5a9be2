"""One ranking path, proved on a corpus large enough to cross every cut-off: hundreds of matching documents,
more than the deepest page (MAX_LIMIT) and more than the 100 candidates the proximity bonus once stopped at.

The documents are drawn by a seeded random generator from a word list written here (common words are drawn
more often, so common queries match most documents). Two things are checked:
- a plain query's score of EVERY matching document is the sum of its words' own scores plus the proximity
  bonus wherever the pair stands close in the body (positions read from the analyzer here, not the index),
  and its pages, each ranked to its own depth, list them in the same order (on main before the one ranking
  path, documents past the first 100 candidates lost their bonus, and these tests failed);
- the batch path (`ranked`), the paged answer (`search`, page after page) and the filtered answer (every
  match ranked, then narrowed) give the same documents in the same order with the same scores, for every
  query form (required, excluded, grouped, phrase, prefix).
"""

from __future__ import annotations

import json
import random

import pytest

from analyzers import PersianAnalyzer
from indexer.build import index_folder
from search_ui.engines.folder import MAX_LIMIT, SearchEngine
from search_ui.query.analysis import analyze_query
from search_ui.ranking.bm25f import _near
from search_ui.ranking.compile import Ranking, proximity_bonus
from search_ui.results.filters import Filters

WORDS = (
    "باغ درخت رود کوه دریا شهر خانه کتاب نان سیب انار برف باران ابر آسمان ستاره خورشید جنگل دشت کشتی "
    "قایق پل کوچه بازار مدرسه معلم شاگرد دفتر قلم نقشه سفر کاروان شتر اسب گندم برنج چای فرش پنجره دیوار "
    "چراغ آتش سنگ پرنده کبوتر عقاب پلنگ گوزن"
).split()
DOCS = 700
OLD_CUTOFF = 100  # the fast path gave the proximity bonus to this many candidates only


def _draw(rng: random.Random, n: int) -> list[str]:
    weights = [1 / (rank + 1) ** 0.7 for rank in range(len(WORDS))]
    return rng.choices(WORDS, weights=weights, k=n)


def _records() -> list[dict]:
    rng = random.Random(20261130)
    return [
        {
            "id": f"d{i:04d}",
            "title": " ".join(_draw(rng, rng.randint(1, 3))),
            "text": " ".join(_draw(rng, rng.randint(15, 60))),
        }
        for i in range(DOCS)
    ]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("ranking")
    (root / "docs").mkdir()
    records = _records()
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in records)
    (root / "docs" / "generated.jsonl").write_text(lines, encoding="utf-8")
    index_folder(root / "docs", root / "index", rebuild=True)
    return SearchEngine(root / "index"), {r["id"]: r for r in records}


def _term(word: str) -> str:
    (token,) = analyze_query(word)
    return token.term


def _body_positions(text: str) -> dict[str, list[int]]:
    where: dict[str, list[int]] = {}
    for token in PersianAnalyzer()(text, positions=True):
        where.setdefault(token.text, []).append(token.pos)
    return where


def _paged(engine: SearchEngine, query: str, filters: Filters | None = None) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    page = 1
    while True:
        answer = engine.search(query, page=page, limit=MAX_LIMIT, filters=filters)
        out += [(h["id"], h["score"]) for h in answer["hits"]]
        if page * MAX_LIMIT >= answer["total"]:
            return out
        page += 1


@pytest.mark.parametrize(("a", "b"), [("باغ", "درخت"), ("رود", "کوه"), ("کتاب", "شهر")])
def test_every_match_scores_its_words_plus_the_bonus_where_they_stand_close(corpus, a, b):
    engine, records = corpus
    query = f"{a} {b}"
    both = dict(engine.ranked(query, limit=DOCS))
    # page after page, each ranked to its own depth (100, 200, ...), the same documents in the same order
    assert [doc for doc, _ in _paged(engine, query)] == list(both)
    alone_a, alone_b = dict(engine.ranked(a, limit=DOCS)), dict(engine.ranked(b, limit=DOCS))
    ta, tb = _term(a), _term(b)
    reader = engine._generation().searcher(engine.weighting)
    bonus = proximity_bonus(reader, ta, tb, Ranking())
    assert bonus > 0
    assert set(both) == set(alone_a) | set(alone_b)
    assert len(both) > max(OLD_CUTOFF, MAX_LIMIT) * 2  # the test crosses every cut-off
    order = list(both)
    close_below_cutoff = 0
    for rank, doc in enumerate(order):
        where = _body_positions(records[doc]["text"])
        near = ta in where and tb in where and _near(where[ta], where[tb], Ranking().prox_slop)
        expected = alone_a.get(doc, 0.0) + alone_b.get(doc, 0.0) + (bonus if near else 0.0)
        assert both[doc] == pytest.approx(expected, rel=1e-9), (doc, rank)
        close_below_cutoff += near and rank >= OLD_CUTOFF
    assert close_below_cutoff > 10  # documents the old top-100 cut-off left without their bonus


@pytest.mark.parametrize(
    "query",
    [
        "باغ درخت",
        "باغ درخت رود کوه",
        "+باغ درخت",
        "باغ درخت -کوه",
        "(باغ کوه) دریا",
        '"باغ درخت" رود',
        "با* درخت",
    ],
)
def test_the_batch_the_pages_and_the_filtered_answer_rank_alike(corpus, query):
    engine, _ = corpus
    batch = [(doc, round(score, 4)) for doc, score in engine.ranked(query, limit=DOCS)]
    assert len(batch) > MAX_LIMIT  # more than one page
    assert _paged(engine, query) == batch
    assert _paged(engine, query, Filters()) == batch
    assert engine.search(query, limit=1)["total"] == len(batch)
