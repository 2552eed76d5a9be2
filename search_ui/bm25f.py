"""A term scored by real BM25F over several fields: weighted, length-normalized term frequencies are summed
across fields BEFORE saturation, with one idf per term.

Whoosh's BM25F scores each field separately and adds the scores, so a word found in a short title and in
the body counts twice at full strength, and a title's idf is inflated when few documents have titles.
Measured on qa-ir, that made every title weight above ~0.3 cost points. Summing before saturation lets the
title weigh more than the body (a title hit alone scores well) without double counting.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping

from whoosh import query as wq
from whoosh.matching import ListMatcher, NullMatcher


def _norms(reader, fieldname: str, b: float, avg: float) -> list[float]:
    """BM25 length normalizers of every document of a segment, computed once per reader (readers live as
    long as their generation) instead of one column lookup per posting."""
    cache = reader.__dict__.setdefault("_kavosh_norms", {})
    key = (fieldname, b, avg)
    norms = cache.get(key)
    if norms is None:
        length = reader.doc_field_length
        norms = [(1 - b) + b * length(d, fieldname, 1) / avg for d in range(reader.doc_count_all())]
        cache[key] = norms
    return norms


def _postings(m) -> Iterator[tuple[int, float]]:
    """(docnum, term frequency) of a posting list, a whole block at a time where Whoosh allows it."""
    bulk = hasattr(m, "_read_ids") and hasattr(m, "_read_weights") and hasattr(m, "_next_block")
    while m.is_active():
        if not bulk:
            yield m.id(), m.weight()
            m.next()
            continue
        if m._ids is None:
            m._read_ids()
        if m._weights is None:
            m._read_weights()
        yield from zip(m._ids[m._i :], m._weights[m._i :], strict=False)
        m._next_block()


class _ScoreList(ListMatcher):
    """Precomputed (docnum, score) postings."""

    def score(self) -> float:
        return self._weights[self._i]

    def supports_block_quality(self) -> bool:
        return False

    def max_quality(self) -> float:
        return max(self._weights)


class FieldsTerm(wq.Query):
    """One analyzed term searched in several fields at once and scored by BM25F."""

    def __init__(
        self,
        text: str,
        weights: Mapping[str, float],
        K1: float = 1.2,
        B: Mapping[str, float] | float = 0.75,
        boost: float = 1.0,
    ) -> None:
        self.text = text
        self.weights = dict(weights)
        self.K1 = K1
        self.B = B
        self.boost = boost

    def __repr__(self) -> str:
        return f"FieldsTerm({self.text!r}, {self.weights!r}, boost={self.boost})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldsTerm) and (self.text, self.weights, self.boost) == (
            other.text,
            other.weights,
            other.boost,
        )

    def __hash__(self) -> int:
        return hash((self.text, tuple(sorted(self.weights.items())), self.boost))

    def is_leaf(self) -> bool:
        return True

    def _words(self, fieldname=None, phrases=True):
        return [self.text]

    def terms(self, phrases=False):
        for f in self.weights:
            yield (f, self.text)

    def estimate_size(self, ixreader) -> int:
        return sum(ixreader.doc_frequency(f, self.text) for f in self.weights)

    def _b(self, fieldname: str) -> float:
        return self.B.get(fieldname, 0.75) if isinstance(self.B, Mapping) else self.B

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        parent = searcher.get_parent()
        n_docs = parent.doc_count_all()
        df = max((parent.doc_frequency(f, self.text) for f in self.weights), default=0)
        if not df:
            return NullMatcher()
        idf = math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
        acc: dict[int, float] = {}
        for fieldname, weight in self.weights.items():
            if (fieldname, self.text) not in reader:
                continue
            norms = _norms(reader, fieldname, self._b(fieldname), parent.avg_field_length(fieldname) or 1.0)
            for doc, tf in _postings(reader.postings(fieldname, self.text)):
                acc[doc] = acc.get(doc, 0.0) + weight * tf / norms[doc]
        if not acc:
            return NullMatcher()
        ids = sorted(acc)
        k1 = self.K1
        scale = idf * (k1 + 1) * self.boost
        scores = [scale * acc[d] / (k1 + acc[d]) for d in ids]
        return _ScoreList(ids, weights=scores, term=None)
