"""How near an indexed term is to a word as typed: the one definition both did-you-mean
(`search_ui.results.suggest`) and the rereading of unknown words (`search_ui.ranking.rescue`) use.

Candidates come from the index's own terms (already normalized by the analyzer: letters folded, diacritics
and tatweel gone) sharing the first letter, within `max_distance` of the typed word, then ranked by a
Persian-aware edit distance (confusable letters such as س/ص/ث or ز/ذ/ض/ظ cost half) and by how many
documents hold them.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Sequence

from rapidfuzz import process
from rapidfuzz.distance import OSA

from analyzers import fold_key
from analyzers.lexicon import lexicon
from search_ui.query.analysis import analyze_query
from search_ui.query.parse import Word

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
_EDGE = re.compile(r"^\W+|\W+$")  # the punctuation a word was typed with (تیمه؟)
_MERGED = str.maketrans({ch: group[0] for group in _CONFUSABLE for ch in group[1:]})


def surface(term: str) -> str:
    """A readable written form of an indexed term: the most frequent spelling in hazm's word list (آیین
    for ایین), or the term itself."""
    return lexicon().written.get(term, term)


def typed_form(word: Word) -> str:
    """The word as typed, without the punctuation around it."""
    return _EDGE.sub("", word.text)


def texts_to_correct(word: Word) -> list[str]:
    """What a correction of `word` is sought for, in order: the word as typed (its stem can hide the typo:
    وزرش -> وزر, nowhere near ورزش), then each of its terms."""
    typed = fold_key(typed_form(word))
    texts = [typed] if " " not in typed else []
    return texts + [t.term for t in word.tokens or () if not t.stopped and t.term != typed]


def _sub_cost(a: str, b: str) -> float:
    if a == b:
        return 0.0
    ga, gb = _GROUP.get(a), _GROUP.get(b)
    return 0.5 if ga is not None and ga == gb else 1.0


def persian_distance(a: str, b: str, limit: float = math.inf) -> float:
    """Damerau-Levenshtein distance where swapping letters Persian writers confuse costs 0.5; once every
    way through is past `limit`, some value above it (the exact distance is not needed to reject)."""
    prev2: list[float] = []
    prev = [float(j) for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        cur = [float(i)] + [0.0] * len(b)
        for j in range(1, len(b) + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + _sub_cost(a[i - 1], b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit and (i < 2 or min(prev) > limit):  # a transposition reads two rows back
            return min(cur)
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


class Speller:
    """The indexed terms nearest a typed word, for one generation (one instance per generation: it keeps
    that generation's terms). `reader` is a Whoosh reader or the cluster's vocabulary.

    Candidates are the indexed terms sharing the unknown word's first letter. Scanning the term dictionary
    and computing an edit distance in Python for each of them took up to 1.8 s for a four-word query on
    30,000 documents; the terms of each first letter are therefore read once per generation (on first use)
    and filtered by length and a plain edit distance in C before the Persian one is computed."""

    def __init__(self, fields: Sequence[str]) -> None:
        self.fields = tuple(fields)
        self._lock = threading.Lock()
        self._by_first: dict[str, dict[int, tuple[list[str], list[str]]]] = {}

    def _terms_from(self, reader, first: str) -> dict[int, tuple[list[str], list[str]]]:
        """The indexed terms starting with `first`, by length: each group as written, and with confusables
        merged."""
        terms = self._by_first.get(first)
        if terms is None:
            with self._lock:
                terms = self._by_first.get(first)
                if terms is None:
                    found: set[str] = set()
                    for f in self.fields:
                        found.update(b.decode("utf-8") for b in reader.expand_prefix(f, first))
                    terms = {}
                    for term in sorted(found):
                        written, merged = terms.setdefault(len(term), ([], []))
                        written.append(term)
                        merged.append(term.translate(_MERGED))
                    self._by_first[first] = terms
        return terms

    def doc_frequency(self, reader, term: str) -> int:
        """Documents holding `term` in any searched field (a document in two fields counts twice)."""
        return sum(reader.doc_frequency(f, term) for f in self.fields)

    def closest(self, reader, term: str, limit: int) -> list[str]:
        """The indexed terms within `max_distance(term)` of `term`, nearest and then most widely used first.
        A stopword is never what a user meant by a rare word (ایرن -> ایران, not این)."""
        if len(term) < 2:
            return []
        maxdist = max_distance(term)
        reach = math.ceil(maxdist)
        by_length = self._terms_from(reader, term[0])
        # With every confusable letter written as its group's first, a plain edit distance (in C) is never
        # more than the Persian one: it rules out the rest before that is computed in Python (0.30 -> 0.02 s
        # for the 317 unknown words of qa-ir's 2,942 questions).
        merged = term.translate(_MERGED)
        found = []
        for n in range(len(term) - reach, len(term) + reach + 1):
            written, merged_group = by_length.get(n, ((), ()))
            for _, _, i in process.extract(
                merged, merged_group, scorer=OSA.distance, score_cutoff=int(maxdist), limit=None
            ):
                c = written[i]
                if c != term and (d := persian_distance(term, c, maxdist)) <= maxdist:
                    found.append((d, c))
        found = [(d, c) for d, c in found if not any(t.stopped for t in analyze_query(c))]
        ranked = sorted((d, -self.doc_frequency(reader, c), c) for d, c in found)
        return [c for _, _, c in ranked[:limit]]
