"""Is this a Persian word? The analyzer's lexicon (hazm's word and verb lists) answers, for repairing text
pulled out of PDFs and measuring its quality.

The only place in `indexer.sources` that reaches into the analyzer's internals (`analyzers.lexicon`,
`analyzers.morphology`, `analyzers.normalize`): if those move, this module follows.
"""

from __future__ import annotations

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


GLUED_MIN_PART = 3  # letters of each part of a glued word: shorter "parts" are usually affixes or chance


def glued_parts(word: str) -> list[str] | None:
    """The words an unknown word is glued from (کتابخانهملی -> کتابخانه، ملی), when the analyzer splits it
    into parts of at least GLUED_MIN_PART letters; else None."""
    key = fold_key(word)
    if key != word:  # offsets of the analysis index the folded key: only split words written plainly
        return None
    segments, reading = analyze_key(key)
    if reading != "split" or any(end - start < GLUED_MIN_PART for _, start, end in segments):
        return None
    return [word[start:end] for _, start, end in segments]
