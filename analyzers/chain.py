"""The analyzer Kavosh indexes and searches with."""

from __future__ import annotations

from .tokenizer import PersianTokenizer

# Bump whenever the terms produced for some text change: indexes built by another version are refused.
ANALYZER_VERSION = "2.2"


def PersianAnalyzer() -> PersianTokenizer:
    """Persian analysis chain: tokens with folded, lemmatized terms; stopwords marked, not dropped.

    One Whoosh tokenizer does the whole chain (folding, affixes, lemmas, stop marks): a filter per step cost
    a generator layer per token and made it slower than Whoosh's StandardAnalyzer.
    """
    return PersianTokenizer()
