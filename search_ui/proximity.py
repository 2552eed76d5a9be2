"""Term proximity for reranking (after Büttcher, Clarke & Lushman 2006, "BM25TP").

For the top documents of the first pass, the positions of the query's content terms are read from the body
postings. Walking them in order, every pair of neighbouring occurrences of two DIFFERENT query terms at
distance d adds idf(other) / d² to each term's accumulator; a document's proximity score is the saturated
sum of those accumulators. Documents where the query's words stand close together (the question's phrasing
in the passage) rise; a document holding each word once, far apart, gains almost nothing.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable

from whoosh.reading import IndexReader

FIELD = "body"


def idf(reader: IndexReader, term: str) -> float:
    n = reader.doc_count_all()
    df = reader.doc_frequency(FIELD, term)
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _positions(reader: IndexReader, terms: Iterable[str], docnums: list[int]) -> dict[int, list]:
    """docnum -> sorted [(position, term)] for the given terms in the given documents."""
    wanted = sorted(set(docnums))
    found: dict[int, list] = defaultdict(list)
    for term in terms:
        if (FIELD, term) not in reader:
            continue
        m = reader.postings(FIELD, term)
        for doc in wanted:
            if not m.is_active():
                break
            if m.id() < doc:
                m.skip_to(doc)
                if not m.is_active():
                    break
            if m.id() == doc:
                found[doc].extend((p, term) for p in m.value_as("positions"))
    for occ in found.values():
        occ.sort()
    return found


def proximity_scores(
    reader: IndexReader, terms: list[str], docnums: list[int], k1: float = 1.2
) -> dict[int, float]:
    """BM25TP-style proximity score per document (0 for documents without two query terms near)."""
    distinct = list(dict.fromkeys(terms))
    if len(distinct) < 2 or not docnums:
        return {}
    weights = {t: idf(reader, t) for t in distinct}
    scores: dict[int, float] = {}
    for doc, occ in _positions(reader, distinct, docnums).items():
        acc: dict[str, float] = defaultdict(float)
        for (p1, t1), (p2, t2) in itertools.pairwise(occ):
            if t1 != t2 and p2 > p1:
                d2 = float((p2 - p1) ** 2)
                acc[t1] += weights[t2] / d2
                acc[t2] += weights[t1] / d2
        scores[doc] = sum(min(1.0, weights[t]) * a * (k1 + 1) / (a + k1) for t, a in acc.items())
    return scores
