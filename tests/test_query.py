"""The query language parser: every form, and every kind of malformed input degrading with a notice."""

from __future__ import annotations

import pytest

from search_ui.query.parse import (
    MAX_ATOMS,
    MAX_QUERY_CHARS,
    MUST,
    NOT,
    SHOULD,
    Clause,
    Group,
    Phrase,
    Word,
    parse,
    unparse,
)


def atoms(text: str) -> list[tuple[str, object]]:
    return parse(text).atoms()


def test_keywords_are_optional_words():
    parsed = parse("سیاست خارجی")
    assert parsed.clauses == (Clause(SHOULD, Word("سیاست")), Clause(SHOULD, Word("خارجی")))
    assert parsed.notices == []


@pytest.mark.parametrize(
    "text",
    ['"سیاست خارجی"', "«سیاست خارجی»", "“سیاست خارجی”", '“سیاست خارجی"'],
)
def test_every_quote_style_makes_a_phrase(text):
    parsed = parse(text)
    assert parsed.clauses == (Clause(SHOULD, Phrase("سیاست خارجی")),)
    assert parsed.notices == []


def test_plus_minus_and_not():
    assert atoms("+ایران -عراق NOT ترکیه مصر") == [
        (MUST, Word("ایران")),
        (NOT, Word("عراق")),
        (NOT, Word("ترکیه")),
        (SHOULD, Word("مصر")),
    ]


def test_and_makes_both_sides_required_and_or_keeps_them_optional():
    assert [o for o, _ in atoms("کتاب AND قلم")] == [MUST, MUST]
    assert [o for o, _ in atoms("کتاب OR قلم")] == [SHOULD, SHOULD]
    # Lower-case and Persian conjunctions are ordinary words (و / یا are far too common to be operators).
    assert [a.text for _, a in atoms("کتاب and قلم یا دفتر")] == ["کتاب", "and", "قلم", "یا", "دفتر"]


def test_parentheses_group_and_negate():
    parsed = parse("ایران -(عراق OR ترکیه)")
    assert parsed.clauses[0] == Clause(SHOULD, Word("ایران"))
    group = parsed.clauses[1]
    assert group.occur == NOT and isinstance(group.node, Group)
    assert [c.node.text for c in group.node.clauses] == ["عراق", "ترکیه"]
    assert [o for o, _ in parsed.atoms()] == [SHOULD, NOT, NOT]


def test_title_field_on_words_phrases_and_groups():
    assert atoms("title:تاریخ") == [(SHOULD, Word("تاریخ", field="title"))]
    assert atoms("عنوان:«جنگ جهانی»") == [(SHOULD, Phrase("جنگ جهانی", field="title"))]
    assert atoms("title:(ایران روم)") == [
        (SHOULD, Word("ایران", field="title")),
        (SHOULD, Word("روم", field="title")),
    ]
    # An unknown name before a colon is just text (a time, a ratio, a word).
    assert atoms("ساعت:۱۰") == [(SHOULD, Word("ساعت:۱۰"))]


def test_trailing_star_is_a_prefix():
    assert atoms("کتاب*") == [(SHOULD, Word("کتاب", prefix=True))]
    assert atoms("+title:تاری*") == [(MUST, Word("تاری", field="title", prefix=True))]


@pytest.mark.parametrize(
    ("text", "expected", "notice_part"),
    [
        ('"سیاست خارجی', ["سیاست", "خارجی"], "گیومه"),  # unclosed quote: its words as keywords
        ("«سیاست خارجی", ["سیاست", "خارجی"], "گیومه"),
        ("سیاست خارجی»", ["سیاست", "خارجی"], "گیومه‌ی بسته‌ای"),  # a closing quote that closes nothing
        ("سیاست خارجی”", ["سیاست", "خارجی"], "گیومه‌ی بسته‌ای"),
        ("(سیاست خارجی", ["سیاست", "خارجی"], "پرانتز بسته‌نشده"),
        ("سیاست) خارجی", ["سیاست", "خارجی"], "پرانتز بسته‌ی اضافی"),
        ("AND سیاست", ["سیاست"], "AND"),
        ("سیاست OR", ["سیاست"], "عملگری در پایان"),
        ("سیاست NOT", ["سیاست"], "عملگری در پایان"),
        ("سیاست - خارجی", ["سیاست", "خارجی"], "نشانه‌ی -"),
        ("سیاست + خارجی", ["سیاست", "خارجی"], "نشانه‌ی +"),
        ("سیا*ست", ["سیا ست"], "ستاره"),
        ("* سیاست", ["سیاست"], "ستاره‌ی تنها"),
        ("() سیاست", ["سیاست"], "پرانتز خالی"),
        ('"" سیاست', ["سیاست"], "گیومه‌ی خالی"),
        ("title: سیاست", ["سیاست"], "فیلد"),
        ("سیا\x00ست\x07", ["سیا", "ست"], "کنترلی"),
    ],
)
def test_malformed_input_degrades_and_says_so(text, expected, notice_part):
    parsed = parse(text)
    assert [a.text for _, a in parsed.atoms()] == expected
    assert any(notice_part in n for n in parsed.notices), parsed.notices


def test_a_stray_closing_quote_is_dropped_with_a_notice_like_a_stray_opening_one():
    closing, opening = parse("ایران»"), parse("«ایران")
    assert closing.atoms() == opening.atoms() == [(SHOULD, Word("ایران"))]
    assert len(closing.notices) == 1 and "گیومه" in closing.notices[0]
    assert closing.notices != opening.notices  # each says which quote was wrong
    # A stray closer still separates words, keeps a glued + or - on the word, and leaves pairs alone.
    assert [a.text for _, a in atoms("ایران»عراق")] == ["ایران", "عراق"]
    assert atoms("-»عراق") == [(NOT, Word("عراق"))]
    parsed = parse("«جنگ جهانی» دوم»")
    assert parsed.atoms() == [(SHOULD, Phrase("جنگ جهانی")), (SHOULD, Word("دوم"))]
    assert len(parsed.notices) == 1
    for paired in ("«جنگ جهانی»", "“جنگ جهانی”", "„جنگ جهانی“", '"جنگ جهانی"'):
        assert parse(paired).notices == []


def test_a_5000_character_query_is_cut_with_a_notice():
    parsed = parse("واژه " * 1000)
    assert len(parsed.atoms()) == MAX_ATOMS
    assert any(f"{MAX_QUERY_CHARS:,}" in n for n in parsed.notices)
    assert any(str(MAX_ATOMS) in n for n in parsed.notices)


def test_deep_parentheses_are_flattened_not_recursed():
    parsed = parse("(" * 300 + "کتاب" + ")" * 300)
    assert [a.text for _, a in parsed.atoms()] == ["کتاب"]
    assert parsed.notices


def test_zwnj_stays_inside_words_but_bidi_marks_go_silently():
    assert atoms("کتاب\u200cها") == [(SHOULD, Word("کتاب\u200cها"))]
    parsed = parse("\u200fکتاب\u202b")
    assert parsed.atoms() == [(SHOULD, Word("کتاب"))]
    assert parsed.notices == []


@pytest.mark.parametrize("text", ["", "   ", "؟!،.", "\t\n"])
def test_empty_and_punctuation_only_queries_parse_to_nothing_or_words(text):
    parsed = parse(text)
    for _, atom in parsed.atoms():  # punctuation survives as words; the compiler finds no terms in them
        assert atom.text.strip()


def test_unparse_round_trips_the_tree():
    for text in ["سیاست خارجی", "+ایران -عراق «جنگ جهانی»", "title:تاریخ کتاب*", "(الف OR ب) -ج"]:
        parsed = parse(text)
        assert parse(unparse(parsed.clauses)).clauses == parsed.clauses
