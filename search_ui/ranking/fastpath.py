"""Term-at-a-time ranking for plain keyword queries (the common case, and every question of a batch).

It computes exactly the BM25F scores `search_ui.bm25f` gives inside Whoosh's machinery, but adds them up in
one dictionary instead of merging matchers document by document, which in pure Python is several times
faster on a large index. The proximity bonus (`proximity_bonus` per pair of neighbouring query terms found
within `prox_slop` positions) is then given to the best `PROX_CANDIDATES` documents, read from their
positions.
Queries with required or excluded parts, phrases, fields or prefixes take Whoosh's path.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections import Counter, defaultdict

from whoosh.searching import Searcher

from search_ui.ranking.bm25f import phrase_scores, term_scores, values_at
from search_ui.ranking.compile import Compiled, Ranking, proximity_bonus, proximity_pairs

PROX_CANDIDATES = 100


def _near(a: list[int], b: list[int], slop: int) -> bool:
    """Whether some position of `a` lies within `slop` of some position of `b` (both sorted)."""
    for p in a:
        i = bisect_left(b, p - slop)
        if i < len(b) and b[i] <= p + slop:
            return True
    return False


def _term_positions(searcher: Searcher, term: str, docs: list[int]) -> dict[int, list[int]]:
    """Global docnum -> body positions of `term`, for the given (sorted) documents only, segment by segment
    (a segment's own matcher skips through its blocks; the multi-segment wrapper costs twice as much)."""
    out: dict[int, list[int]] = {}
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        end = offset + reader.doc_count_all()
        local = [d - offset for d in docs if offset <= d < end]
        if not local or ("body", term) not in reader:
            continue
        decode = reader.schema["body"].format.decoder("positions")
        for doc, value in values_at(reader.postings("body", term), local):
            out[doc + offset] = decode(value)
    return out


def rank(
    searcher: Searcher, compiled: Compiled, ranking: Ranking, depth: int
) -> tuple[list[tuple[float, int]], int]:
    """(score, global docnum) best first, at least `depth` of them when there are, and the match count."""
    params = ranking.bm25f()
    budget = compiled.budget
    acc: dict[int, float] = defaultdict(float)
    words = Counter(compiled.words)  # a word typed twice is scored once and counts twice
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        for terms, times in words.items():
            if len(terms) == 1:
                scores = term_scores(reader, searcher, terms[0], **params, budget=budget)
            else:
                scores = phrase_scores(reader, searcher, list(terms), **params, budget=budget)
            for doc, score in scores.items():
                acc[doc + offset] += score if times == 1 else times * score
    total = len(acc)
    pairs = proximity_pairs(compiled.keywords, ranking.prox_window) if ranking.prox_boost > 0 else []
    if pairs:
        head = heapq.nlargest(max(depth, PROX_CANDIDATES), acc.items(), key=lambda kv: (kv[1], -kv[0]))
        docs = sorted(d for d, _ in head)
        where = {t: _term_positions(searcher, t, docs) for t in {t for pair in pairs for t in pair}}
        weight = {pair: proximity_bonus(searcher, *pair, ranking) for pair in pairs}
        budget.check_time()
        for doc in docs:
            bonus = sum(
                weight[(x, y)]
                for x, y in pairs
                if doc in where[x]
                and doc in where[y]
                and _near(where[x][doc], where[y][doc], ranking.prox_slop)
            )
            if bonus:
                acc[doc] += bonus
    best = heapq.nlargest(depth, acc.items(), key=lambda kv: (kv[1], -kv[0]))
    return [(score, doc) for doc, score in best], total
