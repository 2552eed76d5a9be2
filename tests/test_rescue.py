"""A keyword no document holds is read again (search_ui.ranking.rescue): a lost space, an indefinite ی, a
typo or a compound the documents write apart still finds what the reader meant, with a notice saying what
was searched; a word the index holds is never widened, and phrases and excluded words are never read again."""

from __future__ import annotations

import pytest

from search_ui.engines.folder import SearchEngine

DOCS = {
    "sport.txt": "ورزش\nورزش صبحگاهی از امسال در همه‌ی مدرسه‌های شهر اجباری شد.",
    "iraq.txt": "مرز\nمرز ایران و عراق از کنار اروندرود می‌گذرد و نخلستان‌های بسیار دارد.",
    "prayer.txt": "مسجد\nنماز جماعت ظهر در مسجد محله برگزار شد.",
    "ear.txt": "پزشک\nدرد گوش کودک پس از دو روز دارو آرام گرفت.",
    "patient.txt": "آمبولانس\nبیمار را با آمبولانس به درمانگاه رساندند.",
    "disease.txt": "قند\nبیماری قند در سال‌های اخیر بیشتر شده است.",
    "table.txt": "اتاق\nمیز چوبی را کنار پنجره گذاشتیم.",
}


@pytest.fixture(scope="module")
def engine(build_index):
    return SearchEngine(build_index(DOCS, "rescue"))


def ids(result: dict) -> set[str]:
    return {h["id"] for h in result["hits"]}


@pytest.mark.parametrize(
    ("query", "expected", "searched"),
    [
        ("وزرش", {"sport.txt"}, "«ورزش»"),  # a typo: its stem (وزر) would hide it, the typed word does not
        ("وعراق", {"iraq.txt"}, "«عراق»"),  # و glued to the next word
        ("اروندرودست", {"iraq.txt"}, "«اروندرود»"),  # است glued to the word before
        ("چه نمازی", {"prayer.txt"}, "«نماز»"),  # the indefinite ی after a question word
        ("گوش درد", {"ear.txt"}, "«گوش»، «درد»"),  # a compound the documents write as separate words
    ],
)
def test_a_word_no_document_holds_is_read_again(engine, query, expected, searched):
    result = engine.search(query)
    assert ids(result) == expected
    assert any(searched in n and "هم جستجو شد" in n for n in result["notices"]), result["notices"]


def test_a_word_read_again_still_gets_its_suggestion(engine):
    result = engine.search("وزرش")
    assert result["suggestions"] and result["suggestions"][0] == "ورزش"


def test_function_words_glued_together_are_dropped_like_them(engine):
    result = engine.search("ازکی وزرش")
    assert ids(result) == {"sport.txt"}
    assert not any("ازکی" in n for n in result["notices"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("بیماری", {"disease.txt"}),  # held by the index: never widened to بیمار
        ("بیمار", {"patient.txt"}),
        ("میز", {"table.txt"}),
    ],
)
def test_a_word_the_index_holds_is_never_widened(engine, query, expected):
    result = engine.search(query)
    assert ids(result) == expected
    assert not any("هم جستجو شد" in n for n in result["notices"])


def test_a_phrase_is_never_read_again(engine):
    assert engine.search("«وزرش صبحگاهی»")["total"] == 0


def test_an_excluded_word_is_never_read_again(engine):
    """-وزرش excludes what was typed (nothing), not its correction."""
    assert ids(engine.search("ورزش -وزرش")) == {"sport.txt"}


def test_a_word_too_far_from_every_term_is_left_alone(engine):
    result = engine.search("زیردریایی")
    assert result["total"] == 0
    assert not any("هم جستجو شد" in n for n in result["notices"])
