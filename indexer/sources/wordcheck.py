"""Is this a Persian word? The analyzer's lexicon (hazm's word and verb lists) answers, for repairing text
pulled out of PDFs and measuring its quality.

The only place in `indexer.sources` that reaches into the analyzer's internals (`analyzers.lexicon`,
`analyzers.morphology`, `analyzers.normalize`): if those move, this module follows.
"""

from __future__ import annotations

import math
import re

from analyzers.lexicon import lexicon
from analyzers.morphology import analyze_key
from analyzers.normalize import fold_key

ZWNJ = "\u200c"
# A run of Arabic-script letters (with ZWNJ and marks inside it), i.e. one Persian word as written.
PERSIAN_WORD = re.compile(r"[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff\u200c]+")
_LETTER = re.compile(r"[\u0621-\u064a\u066e-\u06d3\u06fa-\u06ff\ufb50-\ufdff\ufe70-\ufefc]")
# Short words are known by chance when reversed (رد/در, وا/او): they do not count as evidence.
MIN_EVIDENCE_LETTERS = 3


def how(word: str) -> str:
    """How the analyzer reads a word: 'word', 'verb', 'strip', 'compound', 'form', 'split' or 'unknown'."""
    key = fold_key(word)
    return analyze_key(key)[1] if key else "unknown"


def is_known(word: str) -> bool:
    """A lexicon word, an inflection of one, a verb form or a compound: anything but 'unknown' or a guess
    that splits it into two words."""
    return how(word) not in ("unknown", "split")


def persian_words(text: str) -> list[str]:
    """Persian words of a text with at least MIN_EVIDENCE_LETTERS letters."""
    return [w for w in PERSIAN_WORD.findall(text) if len(_LETTER.findall(w)) >= MIN_EVIDENCE_LETTERS]


def known_share(text: str) -> tuple[int, int]:
    """(known, counted): the Persian words of `text` the lexicon knows, out of those counted."""
    words = persian_words(text)
    return sum(1 for w in words if is_known(w)), len(words)


def written_form(word: str) -> str | None:
    """The lexicon's usual spelling of a word where it differs only by ZWNJ (خانهها -> خانه‌ها), else None."""
    usual = lexicon().written.get(fold_key(word))
    if usual and usual != word and usual.replace(ZWNJ, "") == word.replace(ZWNJ, ""):
        return usual
    return None


GLUED_MAX_LETTERS = 60  # longer runs are not split (the search is quadratic in the length)
# A glued run is split into the fewest words the lexicon knows; among splits into as many words, the one whose
# words score highest: a headword scores the log of its frequency in hazm's corpus, a stopword as a very
# frequent word, a verb form or compound a little less; an inflected or listed form scores low (hazm's form
# list also holds fragments such as لی or هران).
STOPWORD_SCORE = math.log(1e8)
FORM_SCORE = math.log(1e3)
FORM_MIN_LETTERS = 4  # shorter forms are as often fragments (یان، لی) as words


def _piece_score(piece: str) -> float | None:
    key = fold_key(piece)
    lex = lexicon()
    if key in lex.flags:
        return math.log(lex.freq.get(key, 0) + 1)
    if key in _stopwords():
        return STOPWORD_SCORE
    reading = analyze_key(key)[1] if key else "unknown"
    if reading in ("verb", "compound"):
        return STOPWORD_SCORE / 2
    if reading in ("strip", "form") and len(key) >= FORM_MIN_LETTERS:
        return FORM_SCORE
    return None


_STOPWORDS: frozenset[str] | None = None


def _stopwords() -> frozenset[str]:
    global _STOPWORDS
    if _STOPWORDS is None:
        _STOPWORDS = frozenset(fold_key(w) for w in lexicon().stopwords)
    return _STOPWORDS


def glued_parts(word: str) -> list[str] | None:
    """The words an unknown run of letters is glued from (کتابخانهملیایران -> کتابخانه، ملی، ایران): the
    best-scoring split into words the lexicon knows, or None when there is none."""
    n = len(word)
    if n > GLUED_MAX_LETTERS or n < 4 or ZWNJ in word:
        return None
    scores: dict[tuple[int, int], float | None] = {}
    # best[i]: (pieces, -score, start of the last piece) of the best split of word[:i]
    best: list[tuple[int, float, int] | None] = [None] * (n + 1)
    best[0] = (0, 0.0, 0)
    for end in range(2, n + 1):
        for start in range(0, end - 1):
            before = best[start]
            if before is None:
                continue
            piece = scores.setdefault((start, end), _piece_score(word[start:end]))
            if piece is None:
                continue
            candidate = (before[0] + 1, before[1] - piece, start)
            if best[end] is None or candidate[:2] < best[end][:2]:
                best[end] = candidate
    if best[n] is None:
        return None
    parts, end = [], n
    while end > 0:
        start = best[end][2]
        parts.append(word[start:end])
        end = start
    return parts[::-1] if len(parts) >= 2 else None
