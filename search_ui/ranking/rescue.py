"""A keyword the index does not hold at all is read once more, so a word a reader typed never silently
vanishes from the search (issue 10).

A word with no document is what a reader's typing produced, not what the documents say: a lost space
(وعراق، ازکی، چقدراست), an indefinite ی after a question word (چه نمازی، چه طریقی), a typo (وزرش، لغب),
or a compound the documents write as separate words (گوش درد). Each reading is tried in that order and the
first whose terms the index holds is searched beside the word; a word made only of function words
(ازکی، ودر) is dropped like one. Only words with no document at all are read again: a word the index
holds is never widened, so no two different words meet (بیماری never finds بیمار, میز never میزند).
Measured alone and together on qa-ir in the closing note of issue 10; weighting the readings below a
typed word measured worse (a word with no document scores nothing of its own).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from analyzers import fold_key
from search_ui.query.analysis import analyze_query
from search_ui.query.parse import Word
from search_ui.ranking.spelling import Speller, surface, texts_to_correct, typed_form

# Function words typed without the space before the next word (و عراق -> وعراق), and the copula after it.
GLUED_BEFORE = ("و", "از", "در", "به", "با", "بر", "که", "تا", "چه")
GLUED_AFTER = ("است", "ست")
_PARTS = re.compile(r"[\s\u200c]+")


@dataclass(frozen=True)
class Reading:
    """How an unknown word was read: the term sequences then searched, each a word of its own; none when
    the word was only function words."""

    sequences: tuple[tuple[str, ...], ...]


def _content(text: str) -> tuple[str, ...]:
    return tuple(t.term for t in analyze_query(text) if not t.stopped)


def reread(word: Word, known: Callable[[Sequence[str]], bool], speller: Speller, reader) -> Reading | None:
    """Another reading of `word`, which has no document in the index (`known` says whether terms do);
    None when nothing better is found."""
    shown = typed_form(word)
    typed = fold_key(shown)
    return (
        _parts(shown, known)
        or _glued(typed, known)
        or _indefinite(typed, known)
        or _typo(word, known, speller, reader)
    )


def _parts(text: str, known) -> Reading | None:
    """A compound typed with a space or ZWNJ that the documents only write as separate words: each part
    searched as a word of its own."""
    parts = [p for p in _PARTS.split(text) if p]
    if len(parts) < 2:
        return None
    found = tuple(terms for terms in map(_content, parts) if terms and known(terms))
    return Reading(found) if found else None


def _glued(typed: str, known) -> Reading | None:
    """A function word glued to its neighbour: the rest searched (nothing, when the rest is a function
    word too)."""
    rests = [typed[len(w) :] for w in GLUED_BEFORE if typed.startswith(w)]
    rests += [typed[: -len(w)] for w in GLUED_AFTER if typed.endswith(w)]
    for rest in rests:
        if len(rest) < 2:
            continue
        terms = _content(rest)
        if not terms:
            return Reading(())
        if known(terms):
            return Reading((terms,))
    return None


def _indefinite(typed: str, known) -> Reading | None:
    """An indefinite or adjectival ی (چه نمازی، چه دارویی) on a word the index holds without it."""
    if len(typed) < 4 or not typed.endswith("ی"):
        return None
    for base in (typed[:-1], typed[:-2] if typed.endswith("یی") else ""):
        terms = _content(base) if base else ()
        if terms and known(terms):
            return Reading((terms,))
    return None


def _typo(word: Word, known, speller: Speller, reader) -> Reading | None:
    """The nearest indexed term to the word as typed (وزرش -> ورزش), else to one of its terms."""
    for text in texts_to_correct(word):
        for fix in speller.closest(reader, text, 1):
            terms = _content(fix)
            if terms and known(terms):
                return Reading((terms,))
    return None


def notice(typed: str, reading: Reading) -> str | None:
    """What the page says about a word read again (nothing when it was dropped as function words)."""
    if not reading.sequences:
        return None
    shown = "، ".join(f"«{' '.join(surface(t) for t in seq)}»" for seq in reading.sequences)
    return f"«{typed}» در هیچ سندی نیامده است؛ به جای آن {shown} هم جستجو شد."
