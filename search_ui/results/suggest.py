"""Did-you-mean for query words the index does not know, and completions of the word being typed.

The corrections are the indexed terms nearest the typed word (`search_ui.ranking.spelling`, the one
definition of a near word, which the rereading of unknown words uses too).
"""

from __future__ import annotations

import re

from whoosh.reading import IndexReader

from search_ui.query.analysis import analyze_query
from search_ui.query.prefixes import completions
from search_ui.ranking import spelling
from search_ui.ranking.compile import FIELDS, Compiled
from search_ui.ranking.spelling import surface, texts_to_correct, typed_form

MAX_SUGGESTIONS = 3
COMPLETION_SCAN = 2000

_LAST_WORD = re.compile(r"[^\s«»\"“”()+\-:*]*$")


class Speller(spelling.Speller):
    """Did-you-mean for one generation: the nearest indexed terms (`search_ui.ranking.spelling`), shown as
    readers write them."""

    def __init__(self) -> None:
        super().__init__(FIELDS)

    def corrections(self, reader: IndexReader, term: str, limit: int = MAX_SUGGESTIONS) -> list[str]:
        """The indexed terms closest to `term` within `max_distance(term)`, best first, as written."""
        return [surface(c) for c in self.closest(reader, term, limit)]

    def suggest(self, reader: IndexReader, query: str, compiled: Compiled) -> list[str]:
        """Corrected query strings: every unknown word replaced by its best correction, then the
        alternatives for the first unknown word."""
        choices: list[tuple[str, list[str]]] = []
        for word in compiled.unknown:  # corrected as the rereading corrects it (the typed word first)
            fixes = next(filter(None, (self.corrections(reader, t) for t in texts_to_correct(word))), [])
            if fixes:
                choices.append((typed_form(word), fixes))
        if not choices:
            return []
        out = []
        best = query
        for typed, fixes in choices:
            best = best.replace(typed, fixes[0], 1)
        out.append(best)
        typed, fixes = choices[0]
        for alt in fixes[1:]:
            candidate = out[0].replace(fixes[0], alt, 1)
            if candidate not in out:
                out.append(candidate)
        return out[:MAX_SUGGESTIONS]


def complete(reader: IndexReader, text: str, limit: int = 8) -> list[str]:
    """Indexed words that continue the last word of `text` as typed, most widely used first: each starts
    with the letters typed, so choosing one completes the word instead of replacing it."""
    word = _LAST_WORD.search(text or "").group(0)
    if not word or not analyze_query(word):
        return []
    found = completions(reader, word, list(FIELDS), COMPLETION_SCAN)
    ranked = sorted(found, key=lambda item: (-item[1], len(item[0]), item[0]))
    useful = (w for w, _ in ranked if not all(q.stopped for q in analyze_query(w)))
    return list(useful)[:limit]
