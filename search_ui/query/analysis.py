"""The Persian analyzer as the search side uses it: a parsed query to terms, and text to offsets.

Queries and documents go through the same `analyzers.PersianAnalyzer`, so a query typed with any spelling
variant of a word meets the terms the index holds. `analyze_parsed` is the one step where a query meets
the analyzer: a detached affix typed as a word of its own (می خوانند، روزنامه ها) and the words of a
spaced compound (دانش آموز، گفت و گو) are joined with their neighbours, as the analyzer joins them in a
text, and every word and phrase gets its tokens once; compiling, ranking, highlighting and
did-you-mean read them from the tree.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache
from itertools import pairwise
from typing import NamedTuple

from analyzers import PersianAnalyzer, fold_key, joins_neighbour, two_reading_compounds
from search_ui.query.parse import MUST, NOT, Clause, Group, ParsedQuery, QueryToken, Word

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


def _words_occur(first: Clause, *rest: Clause) -> str | None:
    """How word clauses typed apart occur as one word, or None when they cannot be one (a phrase, a
    prefix, another field, an exclusion beside an inclusion)."""
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
    return occur


def _join(first: Clause, *rest: Clause) -> Clause | None:
    """The word clauses as one word when the analyzer joins them into other terms than it gives apart."""
    occur = _words_occur(first, *rest)
    if occur is None:
        return None
    a = first.node
    words = [c.node.text for c in (first, *rest)]
    text = " ".join(words)
    joined = [t.term for t in analyze_query(text)]
    apart = [t.term for word in words for t in analyze_query(word)]
    if joined == apart:
        return None
    return Clause(occur, Word(text, a.field))


def _is_and(clause: Clause) -> bool:
    return isinstance(clause.node, Word) and clause.node.text == "و"


MAX_SPELLINGS = 8  # other spellings searched for one word or phrase
_EDGE = re.compile(r"^\W+|\W+$")


@lru_cache(maxsize=1)
def _apart() -> dict[tuple[str, str], str]:
    """The two words -> the compound, for the compounds that also read as two words."""
    return {parts: key for key, parts in two_reading_compounds().items()}


@lru_cache(maxsize=65536)
def _key(word: str) -> str:
    """A typed word as the compound tables are keyed (folded, without edge punctuation); remembered, as
    the words of a batch or a server's visitors come back."""
    return fold_key(_EDGE.sub("", word))


def _two_words(first: Clause, second: Clause) -> Clause | None:
    """Two words typed apart that are also one compound (هم زمان، تشکیل شده): one clause, searched as
    typed or joined (its `spellings`)."""
    occur = _words_occur(first, second)
    a, b = first.node, second.node
    if occur is None or a.field != b.field or (_key(a.text), _key(b.text)) not in _apart():
        return None
    return Clause(occur, Word(f"{a.text} {b.text}", a.field))


def respellings(text: str, typed: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """The terms of the other spellings of a word or phrase whose own terms are `typed`: each compound that
    also reads as two words (همزمان) written apart, each such pair of words (هم زمان) written joined; at
    most MAX_SPELLINGS. Each spelling is a text the analyzer reads, so it gives the terms the index holds
    for that spelling."""
    joined, apart = two_reading_compounds(), _apart()
    words = text.split()
    keys = [_key(w) for w in words]
    if not any(k in joined for k in keys) and not any(p in apart for p in pairwise(keys)):
        return ()
    options: list[list[str]] = []
    i = 0
    while i < len(words):
        pair = tuple(keys[i : i + 2])
        if len(pair) == 2 and pair in apart:
            options.append([f"{words[i]} {words[i + 1]}", apart[pair]])
            i += 2
            continue
        options.append([words[i], " ".join(joined[keys[i]])] if keys[i] in joined else [words[i]])
        i += 1
    texts = [""]
    for choice in options:
        texts = [f"{t} {c}".strip() for t in texts for c in choice][: MAX_SPELLINGS + 1]
    out: list[tuple[str, ...]] = []
    for variant in texts[1:]:
        terms = tuple(t.term for t in analyze_query(variant))
        if terms and terms != typed and terms not in out:
            out.append(terms)
    return tuple(out[:MAX_SPELLINGS])


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
        pair = _two_words(clause, clauses[i + 1]) if i + 1 < len(clauses) else None
        if pair is not None:
            out.append(pair)
            i += 2
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
            tokens = analyze_query(node.text)
            typed = tuple(t.term for t in tokens)
            spellings = () if getattr(node, "prefix", False) else respellings(node.text, typed)
            node = replace(node, tokens=tokens, spellings=spellings)
        out.append(Clause(clause.occur, node))
    return tuple(out)


def analyze_parsed(parsed: ParsedQuery) -> ParsedQuery:
    """The query tree with detached affixes and spaced compounds joined and every word and phrase carrying
    its tokens (done once; an analyzed tree is returned as it is)."""
    if parsed.analyzed:
        return parsed
    return ParsedQuery(_with_tokens(join_affixes(parsed.clauses)), parsed.notices, analyzed=True)
