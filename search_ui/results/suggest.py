"""Did-you-mean for query words the index does not know, and completions of the word being typed.

Candidates come from the index's own terms (already normalized by the analyzer: letters folded, diacritics
and tatweel gone) sharing the first letter, within `max_distance` of the typed word, then ranked
by a Persian-aware edit distance (confusable letters such as س/ص/ث or ز/ذ/ض/ظ cost half) and by how many
documents hold them.
"""

from __future__ import annotations

import math
import re
import threading

from whoosh.reading import IndexReader

from analyzers.lexicon import lexicon
from search_ui.query.analysis import analyze_query
from search_ui.query.prefixes import completions
from search_ui.ranking.compile import FIELDS, Compiled

MAX_SUGGESTIONS = 3
COMPLETION_SCAN = 2000

_CONFUSABLE = [
    "سصث",
    "زذضظ",
    "تط",
    "حه",
    "قغ",
    "اآع",
    "یئ",
    "کگ",
    "وؤ",
]
_GROUP = {ch: i for i, group in enumerate(_CONFUSABLE) for ch in group}
_LAST_WORD = re.compile(r"[^\s«»\"“”()+\-:*]*$")


def surface(term: str) -> str:
    """A readable written form of an indexed term: the most frequent spelling in hazm's word list (آیین
    for ایین), or the term itself."""
    return lexicon().written.get(term, term)


def _sub_cost(a: str, b: str) -> float:
    if a == b:
        return 0.0
    ga, gb = _GROUP.get(a), _GROUP.get(b)
    return 0.5 if ga is not None and ga == gb else 1.0


def persian_distance(a: str, b: str) -> float:
    """Damerau-Levenshtein distance where swapping letters Persian writers confuse costs 0.5."""
    prev2: list[float] = []
    prev = [float(j) for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        cur = [float(i)] + [0.0] * len(b)
        for j in range(1, len(b) + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + _sub_cost(a[i - 1], b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def max_distance(term: str) -> float:
    """How far a correction may be from a typed word before a reader takes it for another word.

    Two edits on a five-letter word leave less than half of it (سیاست -> ساخت، ساعت، سایت), which readers
    take for noise; one edit is a typo. So: a confusable letter only (0.5) up to three letters, one edit
    up to six, two edits for longer words."""
    if len(term) <= 3:
        return 0.5
    return 1.0 if len(term) <= 6 else 2.0


def _doc_freq(reader: IndexReader, term: str) -> int:
    return sum(reader.doc_frequency(f, term) for f in FIELDS)


def _near(term: str, candidate: str, maxdist: int) -> bool:
    """A cheap necessary condition for an edit distance of at most `maxdist`: the lengths differ by at most
    that, and each edit changes the set of letters by at most two (a transposition not at all)."""
    return abs(len(candidate) - len(term)) <= maxdist and len(set(term) ^ set(candidate)) <= 2 * maxdist


class Speller:
    """Did-you-mean for one generation (one instance per generation: it keeps that generation's terms).

    Candidates are the indexed terms sharing the unknown word's first letter. Scanning the term dictionary
    and computing an edit distance in Python for each of them took up to 1.8 s for a four-word query on
    30,000 documents; the terms of each first letter are therefore read once per generation (on first use)
    and filtered by length and letters before any distance is computed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_first: dict[str, tuple[str, ...]] = {}

    def _terms_from(self, reader: IndexReader, first: str) -> tuple[str, ...]:
        terms = self._by_first.get(first)
        if terms is None:
            with self._lock:
                terms = self._by_first.get(first)
                if terms is None:
                    found: set[str] = set()
                    for f in FIELDS:
                        found.update(b.decode("utf-8") for b in reader.expand_prefix(f, first))
                    terms = self._by_first[first] = tuple(sorted(found))
        return terms

    def corrections(self, reader: IndexReader, term: str, limit: int = MAX_SUGGESTIONS) -> list[str]:
        """The indexed terms closest to `term` within `max_distance(term)`, best first."""
        if len(term) < 2:
            return []
        maxdist = max_distance(term)
        reach = math.ceil(maxdist)
        found = [
            c
            for c in self._terms_from(reader, term[0])
            if c != term and _near(term, c, reach) and persian_distance(term, c) <= maxdist
        ]
        # A stopword is never what a user meant by a rare word (ایرن -> ایران, not این).
        found = [c for c in found if not any(t.stopped for t in analyze_query(c))]
        ranked = sorted((persian_distance(term, c), -_doc_freq(reader, c), c) for c in found)
        return [surface(c) for _, _, c in ranked[:limit]]

    def suggest(self, reader: IndexReader, query: str, compiled: Compiled) -> list[str]:
        """Corrected query strings: every unknown word replaced by its best correction, then the
        alternatives for the first unknown word."""
        choices: list[tuple[str, list[str]]] = []
        for word in compiled.unknown:
            toks = word.tokens or ()
            if len(toks) != 1:
                continue
            fixes = self.corrections(reader, toks[0].term)
            if fixes:
                choices.append((word.text, fixes))
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
