"""Pseudo-relevance feedback (RM3-style): expand a keyword query with terms of its own top documents.

The first pass ranks; the top `docs` documents' texts are analyzed (cached by text, so a passage is analyzed
once per process however often it comes back) and each term gets the weight sum over those documents of
P(term | doc) x the document's share of the top scores. The best `terms` new terms are added as optional,
down-weighted clauses on the body. Blind expansion is reported to add 7-11% on Persian newswire (Dolamic &
Savoy 2009); on qa-ir it is measured in the closing note of issue 4.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, OrderedDict

from whoosh import query as wq

from search_ui.analysis import analyzer

CACHE_SIZE = 20_000


class _TermCache:
    """Non-stopword term counts per text (LRU, thread-safe)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self.items: OrderedDict[int, tuple[Counter, int]] = OrderedDict()
        self.lock = threading.Lock()

    def counts(self, text: str) -> tuple[Counter, int]:
        key = hash(text)
        with self.lock:
            hit = self.items.get(key)
            if hit is not None:
                self.items.move_to_end(key)
                return hit
        counts: Counter = Counter()
        total = 0
        for t in analyzer()(text, mode="index", removestops=False):
            total += 1
            if not getattr(t, "stopped", False) and len(t.text) > 1 and not t.text.isdigit():
                counts[t.text] += 1
        value = (counts, max(total, 1))
        with self.lock:
            self.items[key] = value
            if len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


_cache = _TermCache()


def expansion(
    texts_scores: list[tuple[str, float]], exclude: set[str], n_terms: int, doc_freq, n_docs: int
) -> list[tuple[str, float]]:
    """The `n_terms` best expansion terms with weights normalized to sum to 1."""
    total_score = sum(max(s, 0.0) for _, s in texts_scores) or 1.0
    weights: Counter = Counter()
    for text, score in texts_scores:
        counts, length = _cache.counts(text)
        share = max(score, 0.0) / total_score
        for term, tf in counts.items():
            if term not in exclude:
                weights[term] += tf / length * share
    if not weights:
        return []
    # Terms found in most documents say nothing about this query: weigh by idf.
    scored = []
    for term, w in weights.most_common(n_terms * 4):
        df = doc_freq(term)
        if df <= 1:
            continue
        scored.append((term, w * math.log(1 + n_docs / df)))
    scored.sort(key=lambda x: -x[1])
    best = scored[:n_terms]
    norm = sum(w for _, w in best) or 1.0
    return [(t, w / norm) for t, w in best]


def expanded_query(original: wq.Query, terms: list[tuple[str, float]], weight: float) -> wq.Query:
    """The original query plus optional body clauses for the expansion terms (they never widen the set of
    matching documents: only the original query decides what matches)."""
    if not terms:
        return original
    extra = [wq.Term("body", t, boost=weight * w) for t, w in terms]
    return wq.AndMaybe(original, wq.Or(extra))
