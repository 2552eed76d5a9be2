"""Compounds that also read as two words (همزمان / هم زمان, ذره‌بین / ذره بین, بی‌رنگ / بی رنگ): the index
keeps what was typed, and a query finds every spelling, in keywords and in phrases, while the second word
alone still finds only itself."""

from __future__ import annotations

import re

import pytest

from search_ui.engines.folder import SearchEngine
from search_ui.query.analysis import analyze_parsed, respellings
from search_ui.query.parse import parse

DOCS = {
    "joined.txt": "ساعت\nدو ساعت همزمان زنگ زدند و همه از خواب پریدند.",
    "zwnj.txt": "رادیو\nپخش هم‌زمان مسابقه از رادیو و تلویزیون آغاز شد.",
    "spaced.txt": "کلاس\nدو کلاس هم زمان برگزار شد و سالن کوچک بود.",
    "time.txt": "فرصت\nزمان زیادی برای تمرین نمانده است.",
    "lens-joined.txt": "آزمایشگاه\nبا ذره‌بین خط‌های برگ را نگاه کردیم.",
    "lens-spaced.txt": "کارگاه\nساعت‌ساز ذره بین را روی چشمش گذاشت.",
    "between.txt": "مرز\nاین جاده بین دو روستا کشیده شده است.",
    "colourless.txt": "آب\nآب مایعی بی رنگ و بی بو است.",
    "colourless-joined.txt": "گاز\nاین گاز بی‌رنگ است و بوی تندی ندارد.",
}


@pytest.fixture(scope="module")
def engine(build_index):
    return SearchEngine(build_index(DOCS, "spellings"))


def ids(result: dict) -> set[str]:
    return {h["id"] for h in result["hits"]}


SIMULTANEOUS = {"joined.txt", "zwnj.txt", "spaced.txt"}
LENS = {"lens-joined.txt", "lens-spaced.txt"}
COLOURLESS = {"colourless.txt", "colourless-joined.txt"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("همزمان", SIMULTANEOUS),
        ("هم‌زمان", SIMULTANEOUS),
        ("هم زمان", SIMULTANEOUS | {"time.txt"}),  # typed apart: زمان is also searched on its own
        ("«هم زمان»", SIMULTANEOUS),
        ("«پخش همزمان»", {"zwnj.txt"}),
        ("«کلاس هم‌زمان»", {"spaced.txt"}),
        ("ذره‌بین", LENS),
        ("ذرهبین", LENS),
        ("ذره بین", LENS),
        ("«ذره بین را»", {"lens-spaced.txt"}),
        ("بی‌رنگ", COLOURLESS),
        ("بی رنگ", COLOURLESS),
        ("«بیرنگ و بی بو»", {"colourless.txt"}),
    ],
)
def test_every_spelling_finds_every_other(engine, query, expected):
    assert ids(engine.search(query, limit=20)) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("زمان", {"time.txt", "spaced.txt"}),  # the word alone: never the joined compound
        ("بین", {"between.txt", "lens-spaced.txt"}),
        ("ذره", {"lens-spaced.txt"}),
    ],
)
def test_a_part_alone_never_finds_the_joined_compound(engine, query, expected):
    assert ids(engine.search(query, limit=20)) == expected


def test_both_spellings_are_marked(engine):
    snippets = {h["id"]: h["snippet"] for h in engine.search("همزمان", limit=20)["hits"]}
    assert "<mark>همزمان</mark>" in snippets["joined.txt"]
    assert "<mark>هم‌زمان</mark>" in snippets["zwnj.txt"]
    assert re.search(r"<mark>هم زمان</mark>", snippets["spaced.txt"])


def test_spellings_are_found_once_per_query_word():
    parsed = analyze_parsed(parse("پخش هم زمان ذره‌بین «بی رنگ»"))
    found = {c.node.text: c.node.spellings for c in parsed.clauses}
    assert found == {
        "پخش": (),
        "هم زمان": (("همزمان",),),
        "ذره‌بین": (("ذره", "بین"),),
        "بی رنگ": (("بیرنگ",),),
    }
    assert respellings("کتاب", ("کتاب",)) == ()  # an ordinary word has no other spelling to search
    assert respellings("یک شنبه", ("یکشنبه",)) == ()  # joined by the analyzer already: one term either way
