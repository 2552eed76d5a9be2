"""The analyzer Kavosh indexes and searches with."""

from __future__ import annotations

from whoosh.analysis import CompositeAnalyzer

from .stopwords import PersianStopMarker
from .tokenizer import PersianTokenizer

# Bump whenever the terms produced for some text change: indexes built by another version are refused.
ANALYZER_VERSION = "1.0"


def PersianAnalyzer() -> CompositeAnalyzer:
    """Persian analysis chain: tokens with folded, lemmatized terms; stopwords marked, not dropped."""
    return PersianTokenizer() | PersianStopMarker()
