"""Analyzer precision as a searcher meets it: a whole word never matches its look-alike parts, and a
content word is never thrown away as a "common word"."""

from __future__ import annotations

import pytest

from search_ui.engines.folder import SearchEngine

DOCS = {
    "yekshanbeh.txt": "جلسه\nجلسه‌ی بعدی یکشنبه ساعت ده برگزار می‌شود.",
    "shanbeh.txt": "بازار\nبازار شنبه شلوغ‌ترین روز هفته است.",
    "film.txt": "فیلم\nاین فیلم را دیروز در سینما دیدیم.",
    "filmnameh.txt": "نویسنده\nاو فیلم‌نامه‌ی تازه‌اش را به کارگردان داد.",
    "emkanat.txt": "روستا\nامکانات بهداشتی روستا کم است.",
    "behsazi.txt": "جاده\nبهسازی جاده تا پاییز تمام می‌شود.",
    "goftogoo.txt": "دیدار\nدو وزیر درباره‌ی آب گفت و گو کردند.",
    "jang.txt": "تاریخ\nجنگ جهانی دوم در سال ۱۹۳۹ آغاز شد.",
}


@pytest.fixture(scope="module")
def engine(build_index):
    return SearchEngine(build_index(DOCS, "precision"))


def ids(result: dict) -> set[str]:
    return {h["id"] for h in result["hits"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("یکشنبه", {"yekshanbeh.txt"}),
        ("یک‌شنبه", {"yekshanbeh.txt"}),
        ("شنبه", {"shanbeh.txt"}),  # Saturday is not Sunday
        ("فیلم", {"film.txt"}),
        ("فیلمنامه", {"filmnameh.txt"}),
        ("«فیلم نامه»", {"filmnameh.txt"}),
        ("گفتگو", {"goftogoo.txt"}),
        ("گفت‌وگو", {"goftogoo.txt"}),
        ("«گفت و گو کردند»", {"goftogoo.txt"}),
    ],
)
def test_a_whole_word_finds_only_itself(engine, query: str, expected: set[str]) -> None:
    assert ids(engine.search(query)) == expected


@pytest.mark.parametrize("query", ["امکانات", "بهسازی", "دوم", "سال"])
def test_a_content_word_is_never_only_common_words(engine, query: str) -> None:
    result = engine.search(query)
    assert result["hits"], query
    assert not any("پرکاربرد" in notice for notice in result["notices"]), result["notices"]


def test_an_ordinal_is_searched(engine) -> None:
    assert ids(engine.search("جنگ جهانی دوم")) == {"jang.txt"}
    assert ids(engine.search("+دوم")) == {"jang.txt"}
