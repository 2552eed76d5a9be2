"""Putting Persian text pulled out of a PDF back into the text its author typed.

Persian PDFs give their text back in several broken ways (measured in bench/formats.py):
- letters as Arabic presentation forms (U+FB50-U+FEFF), one code point per glyph shape: folded to letters;
- lines in visual order (the letters of each line reversed), from PDFs written by tools that shaped and
  reversed the text themselves: each page is read both ways and kept the way the lexicon knows more words;
- the lam-alef ligature given back reversed (تالار -> تاالر): swapped back where that makes a known word;
- words broken where the PDF set glyphs apart: rejoined where the halves are not both words and the whole is;
- ZWNJ dropped (خانهها, میبرند): put back where the lexicon writes the word with it;
- quotes and brackets given back mirrored (»دیوان«): turned the right way round;
- words glued together where spaces were lost (کتابخانهملیایران): split into the fewest lexicon words.
`text_quality` is the share of Persian words the lexicon knows: it decides whether a text layer is usable.
"""

from __future__ import annotations

import re
import unicodedata

from indexer.sources import wordcheck
from indexer.sources.wordcheck import PERSIAN_WORD, ZWNJ, is_known

_PRESENTATION = re.compile(r"[\ufb50-\ufdff\ufe70-\ufefe]")
# Runs kept left-to-right when a visual-order line is reversed: a number, or Latin words with the words and
# numbers that follow them (the bidi algorithm makes a number after a Latin word part of its run).
_DIGIT = "0-9\u06f0-\u06f9\u0660-\u0669"
_NUMBER = f"[{_DIGIT}](?:[{_DIGIT}.,:/%]*[{_DIGIT}])?"
_LATIN = f"[A-Za-z](?:[A-Za-z{_DIGIT}.,:/%@_+-]*[A-Za-z{_DIGIT}])?"
_LTR_RUN = re.compile(f"{_LATIN}(?: +(?:{_LATIN}|{_NUMBER}))*|{_NUMBER}")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u0671-\u06d3\ufb50-\ufdff\ufe70-\ufefc]")
_MIRROR = str.maketrans("()[]{}<>«»", ")(][}{><»«")
# Reading a page reversed must know this many more words (as a share of those counted) to win.
REVERSE_MARGIN = 0.15
# Glued runs: unknown words at least this long are split anywhere; shorter ones (down to GLUE_MIN_LETTERS)
# only in a text whose quality is below GLUED_TEXT_QUALITY.
GLUE_ALWAYS_LETTERS = 10
GLUE_MIN_LETTERS = 6
GLUED_TEXT_QUALITY = 0.8
_PREFIX_VERB = re.compile(r"^(ن?می)([\u0600-\u06ff]{2,})$")


def fold_presentation_forms(text: str) -> str:
    """Presentation forms (one per glyph shape, e.g. ﺗﺎﻻﺭ) to the letters they show (تالار)."""
    return _PRESENTATION.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def reverse_line(line: str) -> str:
    """A visual-order line in logical order: characters reversed, mirrored pairs swapped, and runs of digits
    and Latin letters turned back to read left to right."""
    pieces, at = [], 0
    for run in _LTR_RUN.finditer(line):  # found in the visual line, where they read left to right
        pieces += [line[at : run.start()][::-1].translate(_MIRROR), run.group()]
        at = run.end()
    pieces.append(line[at:][::-1].translate(_MIRROR))
    return "".join(reversed(pieces))


def text_quality(text: str) -> float | None:
    """Share of the Persian words of `text` that the lexicon knows; None when there are too few to say."""
    known, counted = wordcheck.known_share(text)
    return known / counted if counted >= 3 else None


def in_logical_order(page: str) -> tuple[str, bool]:
    """The page in logical order, and whether it had to be reversed (it read as visual-order lines)."""
    known, counted = wordcheck.known_share(page)
    if counted < 3:
        return page, False
    lines = page.split("\n")  # lines without Persian letters (English, numbers) are never turned around
    flipped = "\n".join(reverse_line(line) if _ARABIC_LETTER.search(line) else line for line in lines)
    known_flipped, _ = wordcheck.known_share(flipped)
    if known_flipped - known > REVERSE_MARGIN * counted:
        return flipped, True
    return page, False


def _fix_word(word: str) -> str:
    reading = wordcheck.how(word)
    if reading in ("unknown", "split") and "ال" in word:  # a lam-alef ligature given back as alef-lam
        for at in [m.start() for m in re.finditer("ال", word)]:
            candidate = word[:at] + "لا" + word[at + 2 :]
            if is_known(candidate):
                word, reading = candidate, wordcheck.how(candidate)
                break
    prefixed = _PREFIX_VERB.match(word)
    if prefixed and reading == "verb":
        return prefixed.group(1) + ZWNJ + prefixed.group(2)
    return wordcheck.written_form(word) or word


def _unglue(word: str, anywhere: bool) -> str:
    if len(word) < (GLUE_MIN_LETTERS if anywhere else GLUE_ALWAYS_LETTERS) or is_known(word):
        return word
    parts = wordcheck.glued_parts(word)
    return " ".join(parts) if parts else word


def repair_words(text: str) -> str:
    """Fix words one by one (ligatures, ZWNJ), rejoin words broken apart by glyph positioning, then split runs
    of glued words: long unknown runs always, shorter ones only where the text reads badly (a real word the
    lexicon lacks, such as بردارند, must not be cut in a text that is otherwise fine)."""
    fixed = _rejoin(PERSIAN_WORD.sub(lambda m: _fix_word(m.group()), text))
    quality = text_quality(fixed)
    anywhere = quality is not None and quality < GLUED_TEXT_QUALITY
    return PERSIAN_WORD.sub(lambda m: _unglue(m.group(), anywhere), fixed)


_PAIR = re.compile(r"([\u0600-\u06ff\u200c]+) ([\u0600-\u06ff\u200c]+)")


def _rejoin(text: str) -> str:
    """Join `A B` into `AB` when A or B alone is not a word, AB is, and A ends in a letter that joins."""

    def join(m: re.Match[str]) -> str:
        first, second = m.group(1), m.group(2)
        if is_known(first) and is_known(second):
            return m.group()
        whole = first + second
        return whole if is_known(whole) else m.group()

    # Overlapping pairs: run twice so that a word broken in three comes back whole.
    for _ in range(2):
        text = _PAIR.sub(join, text)
    return text


# A pair of quotes or brackets the wrong way round around Persian text (»دیوان«, )نسخه(): the glyphs a PDF
# writer mirrored for right-to-left display, given back as they look.
_MIRRORED_PAIR = re.compile(r"([»)\]])([^«»()\[\]\n]{0,200}?[\u0600-\u06ff][^«»()\[\]\n]{0,200}?)([«(\[])")
_UNMIRROR = {"»": "«", ")": "(", "]": "["}


def unmirror_pairs(text: str) -> str:
    """»دیوان« -> «دیوان», )نسخه( -> (نسخه): pairs closed before they are opened, around Persian text."""

    def swap(m: re.Match[str]) -> str:
        closing, inner, opening = m.groups()
        if _UNMIRROR[closing] != opening:
            return m.group()  # not one pair: )…« and the like
        return opening + inner + closing

    return _MIRRORED_PAIR.sub(swap, text)


def repair_page(page: str) -> tuple[str, bool]:
    """A page's text repaired for Persian; also whether it was in visual order."""
    page = fold_presentation_forms(page)
    page, reversed_ = in_logical_order(page)
    return unmirror_pairs(repair_words(page)), reversed_
