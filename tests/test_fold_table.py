"""One fold table: the snippets' pre-filter folds every letter as the analyzer does, so no chunk of a long
document that holds a match is skipped (the highlight would silently go missing)."""

from __future__ import annotations

import pytest

from analyzers import FOLD_TABLE, fold_key
from search_ui.query.analysis import analyze_query
from search_ui.results.snippets import find_marks, fold

# Letters from other keyboards and old code pages, ligatures, number signs, presentation forms, hamza by
# context: each word as typed, for the analyzer and the snippets to fold alike.
WORDS = [
    "ہمارے",  # heh goal, yeh barree (Urdu)
    "ګل",  # Pashto gaf
    "ڳل",  # Sindhi gueh
    "میں",  # noon ghunna
    "ۄاژه",  # Kashmiri waw
    "ٵب",
    "ﻛﺘﺎﺏ",  # Arabic presentation forms
    "①②",  # circled numbers
    "⒕",
    "مسئول",  # hamza on ya before waw
    "هیئت",  # after ya
    "رئیس",
    "کتاب‌ها",  # ZWNJ: parts joined
    "KAVOSH",
    "كِتابِ",  # Arabic kaf, diacritics
    "\ufdfd",
]


@pytest.mark.parametrize("char", sorted(map(chr, FOLD_TABLE)))
def test_every_letter_of_the_analyzer_table_folds_the_same_in_snippets(char: str) -> None:
    word = f"ب{char}ب"
    assert fold(word) == fold_key(word)


@pytest.mark.parametrize("word", WORDS)
def test_words_fold_the_same_in_snippets(word: str) -> None:
    assert fold(word) == fold_key(word)
    assert fold(f"در {word} و") == f"در {fold_key(word)} و"


@pytest.mark.parametrize("word", ["ہمارے", "ګلها", "ﻛﺘﺎﺏ", "مسئول", "ڳل"])
def test_a_match_in_a_long_document_is_marked_with_the_pre_filter_on(word: str) -> None:
    filler = "متن ساده‌ای درباره‌ی باغ و درخت و آب. " * 400  # well over the pre-filter's threshold
    text = filler + f" این {word} است. " + filler
    terms = {t.term for t in analyze_query(word)}
    unfiltered = find_marks(text, terms, fold_over=len(text) + 1, chunk_size=4096)
    filtered = find_marks(text, terms, fold_over=0, chunk_size=4096)
    assert unfiltered, "the analyzer itself must find the word"
    assert filtered == unfiltered
    assert [text[s:e] for s, e in filtered] == [word]


def test_a_whole_text_folds_word_by_word_as_the_analyzer_does() -> None:
    text = " ".join(WORDS) + "\n«کتاب‌های» مسئولان، ⑤ ﺑﺎﻍ"
    assert fold(text) == "\n".join(
        " ".join(fold_key(word) for word in line.split(" ")) for line in text.split("\n")
    )


@pytest.mark.parametrize("text", ["مسئول", "مسئول و رئیس", "هیئت‌رئیسه\tپائیز\nسئوال", "  ئ  ", "ﻛﺘﺎﺏ مسئول"])
def test_words_with_hamza_on_ya_fold_by_their_neighbours_wherever_they_stand(text: str) -> None:
    words = text.split()
    folded = fold(text)
    assert folded.split() == [fold_key(word) for word in words]
    assert [c for c in folded if c.isspace()] == [c for c in text if c.isspace()]  # separators kept
