"""Scores do not depend on how the documents fell into segments (a 2-process build, incremental updates)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from indexer.build import index_folder
from search_ui.engines.folder import SearchEngine

WORDS = (
    "کتاب دانش باغ انار کوه رود شهر بازار نان میوه دریا ماهی کشتی باران برف آفتاب درخت جنگل پرنده آواز "
    "مدرسه دانشجو استاد پژوهش تاریخ ایران شیراز اصفهان تبریز مشهد"
).split()
STOP = "در از به که و این با را".split()
QUERIES = [
    "کتاب تاریخ ایران",  # plain keywords: the term-at-a-time path
    "«باغ انار»",  # a phrase
    "title:شیراز",  # one field
    "+دریا ماهی -برف",  # required and excluded words: Whoosh's matchers
    "پژوه*",  # a prefix
]


def _write(folder: Path, seed: int = 3) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for i in range(240):
        title = " ".join(rng.sample(WORDS, rng.randint(0, 3)))  # some documents have no title line
        body = " ".join(rng.choice(WORDS + STOP) for _ in range(rng.randint(15, 120)))
        if i % 7 == 0:
            body += " باغ انار در کوه"
        text = f"{title}\n\n{body}" if title else body
        (folder / f"n{i:03d}.md").write_text(f"# {title}\n\n{body}" if title else text, encoding="utf-8")


@pytest.fixture(scope="module")
def engines(tmp_path_factory) -> tuple[SearchEngine, SearchEngine]:
    root = tmp_path_factory.mktemp("segments")
    _write(root / "docs")
    index_folder(root / "docs", root / "one", rebuild=True, procs=1)
    index_folder(root / "docs", root / "two", rebuild=True, procs=2)
    one, two = SearchEngine(root / "one"), SearchEngine(root / "two")
    searcher = two._generation().searcher(two.weighting)
    assert not searcher.is_atomic() and len(searcher.subsearchers) == 2  # really two segments
    return one, two


@pytest.mark.parametrize("query", QUERIES)
def test_one_segment_and_two_give_the_same_scores(engines, query: str) -> None:
    one, two = engines
    a, b = (
        dict(one.ranked(query, limit=1000)),
        dict(two.ranked(query, limit=1000)),
    )  # every match: no ties cut
    assert a, query
    assert a.keys() == b.keys(), query
    for doc, score in a.items():
        assert b[doc] == pytest.approx(score, rel=1e-9), (query, doc)
