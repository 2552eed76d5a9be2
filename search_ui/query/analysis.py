"""The Persian analyzer as the search side uses it: query words to terms (cached) and text to offsets.

Queries and documents go through the same `analyzers.PersianAnalyzer`, so a query typed with any spelling
variant of a word meets the terms the index holds.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

from analyzers import PersianAnalyzer

_lock = threading.Lock()
_analyzer = None


class QueryToken(NamedTuple):
    term: str
    stopped: bool


class Span(NamedTuple):
    term: str
    start: int  # offsets into the ORIGINAL text
    end: int


def analyzer():
    """The shared analyzer instance (built once)."""
    global _analyzer
    if _analyzer is None:
        with _lock:
            if _analyzer is None:
                _analyzer = PersianAnalyzer()
    return _analyzer


@lru_cache(maxsize=65536)
def analyze_query(text: str) -> tuple[QueryToken, ...]:
    """The terms of a query word or phrase, stopwords marked (never dropped)."""
    return tuple(
        QueryToken(t.text, bool(getattr(t, "stopped", False)))
        for t in analyzer()(text, mode="query", removestops=False)
        if t.text
    )


def spans(text: str, start_char: int = 0) -> Iterator[Span]:
    """Every token of `text` with its original character span (shifted by `start_char`)."""
    for t in analyzer()(text, mode="index", positions=True, chars=True, removestops=False):
        if t.text and 0 <= t.startchar < t.endchar <= len(text):
            yield Span(t.text, t.startchar + start_char, t.endchar + start_char)
