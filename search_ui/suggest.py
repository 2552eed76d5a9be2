"""Did-you-mean for query words the index does not know, and completions of the word being typed.

Candidates come from the index's own terms (already normalized by the analyzer: letters folded, diacritics
and tatweel gone), found with Whoosh's term automaton within two edits sharing the first letter, then ranked
by a Persian-aware edit distance (confusable letters such as س/ص/ث or ز/ذ/ض/ظ cost half) and by how many
documents hold them.
"""

from __future__ import annotations

import re
import threading
from itertools import islice

from whoosh.reading import IndexReader

from search_ui.analysis import analyze_query
from search_ui.compile import FIELDS, Compiled

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


_surface_lock = threading.Lock()
_surfaces: dict[str, str] | None = None


def _load_surfaces() -> dict[str, str]:
    """Folded form -> its most frequent written form in hazm's word list (آیین for ایین). Best effort: an
    analyzer without that list leaves terms as they are."""
    table: dict[str, tuple[int, str]] = {}
    try:
        from analyzers.lexicon import data_dir
        from analyzers.normalize import fold_key

        with open(data_dir() / "words.dat", encoding="utf-8") as fh:
            for line in fh:
                cols = line.rstrip("\n").split("\t")
                word = cols[0].strip()
                freq = int(cols[1]) if len(cols) > 1 and cols[1].isdigit() else 0
                key = fold_key(word) if word else ""
                if key and (key not in table or freq > table[key][0]):
                    table[key] = (freq, word)
    except (ImportError, OSError, RuntimeError):
        return {}
    return {key: word for key, (_, word) in table.items()}


def surface(term: str) -> str:
    """A readable written form of an indexed term."""
    global _surfaces
    if _surfaces is None:
        with _surface_lock:
            if _surfaces is None:
                _surfaces = _load_surfaces()
    return _surfaces.get(term, term)


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


def _doc_freq(reader: IndexReader, term: str) -> int:
    return sum(reader.doc_frequency(f, term) for f in FIELDS)


def corrections(reader: IndexReader, term: str, limit: int = MAX_SUGGESTIONS) -> list[str]:
    """The indexed terms closest to `term`, best first."""
    if len(term) < 2:
        return []
    maxdist = 1 if len(term) <= 4 else 2
    found: set[str] = set()
    for f in FIELDS:
        found.update(islice(reader.terms_within(f, term, maxdist, prefix=1), 500))
    found.discard(term)
    # A stopword is never what a user meant by a rare word (ایرن -> ایران, not این).
    found = {c for c in found if not any(t.stopped for t in analyze_query(c))}
    ranked = sorted(
        ((persian_distance(term, c), -_doc_freq(reader, c), c) for c in found),
        key=lambda x: (x[0], x[1], x[2]),
    )
    return [surface(c) for _, _, c in ranked[:limit]]


class Speller:
    """Did-you-mean for one generation."""

    def suggest(self, reader: IndexReader, query: str, compiled: Compiled) -> list[str]:
        """Corrected query strings: every unknown word replaced by its best correction, then the
        alternatives for the first unknown word."""
        choices: list[tuple[str, list[str]]] = []
        for word in compiled.unknown:
            toks = analyze_query(word.text)
            if len(toks) != 1:
                continue
            fixes = corrections(reader, toks[0].term)
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
    """Indexed words that continue the last word of `text`, most widely used first."""
    word = _LAST_WORD.search(text or "").group(0)
    toks = analyze_query(word) if word else ()
    if not toks:
        return []
    stem = toks[-1].term
    seen: set[str] = set()
    for f in FIELDS:
        seen.update(b.decode("utf-8") for b in islice(reader.expand_prefix(f, stem), COMPLETION_SCAN))
    ranked = sorted(seen, key=lambda t: (-_doc_freq(reader, t), len(t), t))
    useful = (surface(t) for t in ranked if not any(q.stopped for q in analyze_query(t)))
    return list(dict.fromkeys(useful))[:limit]
