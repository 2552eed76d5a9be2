"""How a typed prefix (`کتابخ*`, `تهران۲*`, `ab1*`) becomes index terms, for prefix queries and completions.

A prefix matches every word that starts with the letters typed, in every script. The analyzer cannot be run
on the prefix alone and its terms expanded: it splits and stems whole words, so `کتابخ` (no word) stays one
term that nothing starts with, a stem may differ from its word's letters, and `تهران۲` splits into تهران + 2.
Instead, a word starting with the typed letters is indexed as one of these term sequences, each looked up in
the index:
- the typed word itself, analyzed (a prefix includes the whole word: `کتاب‌ها*` finds کتاب‌ها);
- an index term starting with the typed letters, folded as the analyzer folds them (ي/ی، ۲/2, no ZWNJ);
- when the analyzer splits the typed letters into parts (a compound, letters then digits), the parts before
  the last, followed by an index term starting with the last part's letters (`تهران۲*`: تهران, then 2, 20…);
- each word of hazm's lexicon starting with the typed letters, analyzed as the index analyzed it
  (`کتابخ*`: کتابخانه, کتابخوان, each one term), when the lexicon has few enough of them.
The lexicon here is `analyzers`' own (read, never changed); nothing of the analyzer is reimplemented.
"""

from __future__ import annotations

import functools
from bisect import bisect_left
from collections.abc import Iterable
from itertools import islice

from whoosh.reading import IndexReader

from analyzers.lexicon import lexicon
from analyzers.normalize import fold_key
from search_ui.query.analysis import analyze_query, spans

LEXICON_SCAN = 200  # lexicon words a prefix may stand for; more means a short prefix the index covers anyway


class TooManyTerms(Exception):
    """The prefix stands for more term sequences than the room left in the query's budget."""


def typed_key(text: str) -> str:
    """The typed letters folded as the analyzer folds a word (letters, digits, case; ZWNJ and marks gone)."""
    return fold_key(text)


@functools.cache
def lexicon_words() -> tuple[str, ...]:
    """Every word and compound of the analyzer's lexicon, sorted (folded keys), built once per process."""
    lex = lexicon()
    return tuple(sorted(set(lex.flags) | set(lex.compounds)))


def lexicon_completions(key: str, limit: int = LEXICON_SCAN) -> list[str]:
    """The lexicon words starting with `key`; none when more than `limit` do (the prefix is too short for
    them to add anything the index's own terms do not)."""
    words = lexicon_words()
    found: list[str] = []
    for word in islice(words, bisect_left(words, key), None):
        if not word.startswith(key):
            break
        found.append(word)
        if len(found) > limit:
            return []
    return found


def _indexed(reader: IndexReader, fields: Iterable[str], seq: tuple[str, ...]) -> bool:
    return all(any(reader.doc_frequency(f, t) for f in fields) for t in seq)


def sequences(reader: IndexReader, text: str, fields: list[str], room: int) -> list[tuple[str, ...]]:
    """The term sequences (one term, or several that must stand adjacent) of the indexed words starting with
    the letters of `text`, each present in the index. Raises TooManyTerms past `room` of them."""
    found: dict[tuple[str, ...], None] = {}

    def add(seq: tuple[str, ...]) -> None:
        if seq and seq not in found:
            found[seq] = None
            if len(found) > room:
                raise TooManyTerms

    key = typed_key(text)
    typed = tuple(t.term for t in analyze_query(text))
    if typed and _indexed(reader, fields, typed):
        add(typed)
    starts: list[tuple[tuple[str, ...], str]] = [((), key)]
    parts = list(spans(text))
    if len(parts) > 1:  # the parts before the last as they are, then the last one's letters as a prefix
        starts.append((tuple(p.term for p in parts[:-1]), typed_key(text[parts[-1].start :])))
    for head, rest in starts:
        if not rest or (head and not _indexed(reader, fields, head)):
            continue
        for f in fields:
            for raw in islice(reader.expand_prefix(f, rest), room + 1):
                add((*head, raw.decode("utf-8")))
    for word in lexicon_completions(key):
        seq = tuple(t.term for t in analyze_query(word))
        # A sequence whose first term starts with the letters adds no document to that term's (found above).
        if seq and not seq[0].startswith(key) and _indexed(reader, fields, seq):
            add(seq)
    return list(found)


def completions(reader: IndexReader, text: str, fields: list[str], scan: int) -> list[tuple[str, int]]:
    """(written word, documents) for the indexed words starting with the letters of `text`: index terms in
    their usual written form, and lexicon words whose terms the index holds (their documents counted as
    those of their rarest term). Every word starts with what was typed."""
    key = typed_key(text)
    written = lexicon().written
    out: dict[str, int] = {}

    def df(term: str) -> int:
        return sum(reader.doc_frequency(f, term) for f in fields)

    for f in fields:
        for raw in islice(reader.expand_prefix(f, key), scan):
            term = raw.decode("utf-8")
            shown = written.get(term, term)
            out[shown if typed_key(shown).startswith(key) else term] = df(term)
    for word in lexicon_completions(key):
        seq = tuple(t.term for t in analyze_query(word))
        if seq and _indexed(reader, fields, seq):
            shown = written.get(word, word)
            out.setdefault(shown if typed_key(shown).startswith(key) else word, min(df(t) for t in seq))
    return list(out.items())
