"""The Persian analyzer as the search side uses it: a parsed query to terms, and text to offsets.

Queries and documents go through the same `analyzers.PersianAnalyzer`, so a query typed with any spelling
variant of a word meets the terms the index holds. `analyze_parsed` is the one step where a query meets
the analyzer: a detached affix typed as a word of its own (می خوانند، روزنامه ها) and the words of a
spaced compound (دانش آموز، گفت و گو) are joined with their neighbours, as the analyzer joins them in a
text, and every word and phrase gets its tokens once; compiling, the fast path, highlighting and
did-you-mean read them from the tree.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache
from typing import NamedTuple

from analyzers import PersianAnalyzer, joins_neighbour
from search_ui.query import MUST, NOT, Clause, Group, ParsedQuery, QueryToken, Word

_lock = threading.Lock()
_analyzer = None


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
    """The terms of a query word or phrase, stopwords marked (never dropped). Cached across queries: the
    same words come back (a batch, a page of results, did-you-mean)."""
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


def _joined_occur(a: str, b: str) -> str | None:
    """How a word joined from two clauses occurs: the stronger of the two, never mixing in an exclusion."""
    if a == b:
        return a
    if NOT in (a, b):
        return None
    return MUST


def _join(first: Clause, *rest: Clause) -> Clause | None:
    """The word clauses as one word when the analyzer joins them into other terms than it gives apart."""
    a = first.node
    if not isinstance(a, Word) or a.prefix:
        return None
    occur: str | None = first.occur
    for clause in rest:
        b = clause.node
        if not isinstance(b, Word) or b.prefix:
            return None
        if b.field not in (None, a.field):  # `title:روزنامه ها` is one title word; `می title:خوانند` is not
            return None
        occur = _joined_occur(occur, clause.occur)
        if occur is None:
            return None
    words = [c.node.text for c in (first, *rest)]
    text = " ".join(words)
    joined = [t.term for t in analyze_query(text)]
    apart = [t.term for word in words for t in analyze_query(word)]
    if joined == apart:
        return None
    return Clause(occur, Word(text, a.field))


def _is_and(clause: Clause) -> bool:
    return isinstance(clause.node, Word) and clause.node.text == "و"


def join_affixes(clauses: tuple[Clause, ...]) -> tuple[Clause, ...]:
    """Clauses with every detached prefix (می، نمی) joined to the next word, every detached suffix (ها،
    ترین، ی) to the previous one and the words of a spaced compound (دانش آموز، گفت و گو) to each other, at
    every level, so keywords match whatever spelling the user typed."""
    out: list[Clause] = []
    i = 0
    while i < len(clauses):
        clause = clauses[i]
        node = clause.node
        if isinstance(node, Group):
            out.append(Clause(clause.occur, Group(join_affixes(node.clauses))))
            i += 1
            continue
        side = joins_neighbour(node.text) if isinstance(node, Word) else None
        if side == "next" and i + 1 < len(clauses):
            merged, used = _join(clause, clauses[i + 1]), 2
            if merged is None and i + 2 < len(clauses) and _is_and(clauses[i + 1]):  # گفت و گو
                merged, used = _join(clause, clauses[i + 1], clauses[i + 2]), 3
            if merged is not None:
                out.append(merged)
                i += used
                continue
        if side == "previous" and out:
            merged = _join(out[-1], clause)
            if merged is not None:
                out[-1] = merged
                i += 1
                continue
        out.append(clause)
        i += 1
    return tuple(out)


def _with_tokens(clauses: tuple[Clause, ...]) -> tuple[Clause, ...]:
    out = []
    for clause in clauses:
        node = clause.node
        if isinstance(node, Group):
            node = Group(_with_tokens(node.clauses))
        elif node.tokens is None:
            node = replace(node, tokens=analyze_query(node.text))
        out.append(Clause(clause.occur, node))
    return tuple(out)


def analyze_parsed(parsed: ParsedQuery) -> ParsedQuery:
    """The query tree with detached affixes and spaced compounds joined and every word and phrase carrying
    its tokens (done once; an analyzed tree is returned as it is)."""
    if parsed.analyzed:
        return parsed
    return ParsedQuery(_with_tokens(join_affixes(parsed.clauses)), parsed.notices, analyzed=True)
