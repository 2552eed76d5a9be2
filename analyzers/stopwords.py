"""Stopwords: hazm's list (curated) as analyzed terms. The tokenizer marks them `stopped`, never drops them:
the index keeps them so phrases stay exact, and keyword queries leave them out.
"""

from __future__ import annotations

from whoosh.analysis import STOP_WORDS

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
