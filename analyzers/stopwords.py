"""Stopwords: hazm's list (curated) as analyzed terms. Stopwords are marked, never dropped: the index keeps
them so phrases stay exact, and keyword queries leave them out.
"""

from __future__ import annotations

from collections.abc import Iterator

from whoosh.analysis import STOP_WORDS, Filter, Token

ENGLISH_STOPWORDS = frozenset(STOP_WORDS)
# Entries of hazm's list that carry meaning in a query (سال‌های → سال, year).
_KEEP = frozenset("سال‌های وگو بزرگ کوچک جدید خطر رشد متر نشست روش دسته پخش بخش خوب عالی".split())
_STOP_TERMS: frozenset[str] | None = None


def stop_terms() -> frozenset[str]:
    """The analyzed terms of every stopword (so می‌شود, شود and شد are all marked), built once."""
    global _STOP_TERMS
    if _STOP_TERMS is None:
        from .lexicon import lexicon
        from .tokenizer import segments

        terms = set(ENGLISH_STOPWORDS)
        for word in lexicon().stopwords:
            if word in _KEEP:
                continue
            found = [term for term, _s, _e in segments(word)]
            if len(found) == 1:
                terms.add(found[0])
        terms.update(("می", "نمی", "ها", "های", "ای", "ی"))
        _STOP_TERMS = frozenset(terms)
    return _STOP_TERMS


class PersianStopMarker(Filter):
    """Marks stopword tokens `stopped = True` (and the rest False); never removes a token."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        stops = stop_terms()
        for t in tokens:
            # Whoosh's indexing (mode="index" with removestops left True) discards stopped tokens: there the
            # marks are left off so the index keeps stopwords for exact phrases.
            t.stopped = t.text in stops and not (t.removestops and t.mode == "index")
            yield t
