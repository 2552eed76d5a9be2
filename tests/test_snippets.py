"""Exact highlights: every <mark> lies exactly on the original characters of a matched word."""

from __future__ import annotations

import re
from html import unescape

import pytest

from search_ui.query.analysis import analyze_query
from search_ui.results import snippets
from search_ui.results.snippets import find_marks, highlight_all, render, snippet

MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def terms_of(*words: str) -> set[str]:
    return {t.term for w in words for t in analyze_query(w)}


def marked(text: str, *words: str) -> list[str]:
    return [text[s:e] for s, e in find_marks(text, terms_of(*words))]


@pytest.mark.parametrize(
    ("text", "query", "expected"),
    [
        # diacritics stay inside the mark, the neighbours stay outside
        ("او کِتابِ تازه‌ای خرید.", "کتاب", ["کِتابِ"]),
        # tatweel (kashida) inside the word
        ("این کتـــاب خواندنی است", "کتاب", ["کتـــاب"]),
        # Arabic kaf and yeh in the text, Persian letters in the query
        ("كتاب علي را ديدم", "کتاب", ["كتاب"]),
        # and the other way round
        ("کتاب را دیدم", "كتاب", ["کتاب"]),
        # lost ZWNJ, written ZWNJ and a space before the plural: the whole written word is marked
        ("کتابها و کتاب‌ها و کتاب ها", "کتاب", ["کتابها", "کتاب‌ها", "کتاب ها"]),
        # Persian digits in the text, ASCII in the query
        ("در سال ۱۴۰۲ و ۱۴۰۳", "1402", ["۱۴۰۲"]),
    ],
)
def test_marks_are_exact_original_spans(text, query, expected):
    assert marked(text, query) == expected


def test_a_phrase_is_marked_as_one_span_and_html_is_escaped():
    text = "<b>دیدار</b> سیاست خارجی & سیاست داخلی"
    terms = terms_of("سیاست خارجی")
    seqs = {tuple(t.term for t in analyze_query("سیاست خارجی"))}
    html = render(text, find_marks(text, terms, seqs))
    assert MARK.findall(html) == ["سیاست خارجی", "سیاست"]
    assert "&lt;b&gt;" in html and "&amp;" in html and "<b>" not in html
    assert unescape(MARK.sub(r"\1", html)) == text


def test_a_split_compound_is_marked_whole():
    text = "به کتابخانه رفتیم"
    terms = terms_of("کتابخانه")
    seqs = {tuple(t.term for t in analyze_query("کتابخانه"))}
    assert [text[s:e] for s, e in find_marks(text, terms, seqs)] == ["کتابخانه"]


def test_highlight_all_keeps_every_character():
    text = "سطر یکم: کتاب\nسطر دوم <کتاب> «کتاب‌ها»"
    html = highlight_all(text, terms_of("کتاب"))
    assert MARK.findall(html) == ["کتاب", "کتاب", "کتاب‌ها"]
    assert unescape(MARK.sub(r"\1", html)) == text


def test_snippet_without_a_match_shows_the_beginning():
    text = "آغاز متن " * 100
    html = snippet(text, terms_of("ناموجود"))
    assert "<mark>" not in html and html.startswith("آغاز متن") and html.endswith("…")


def test_fragments_come_from_far_into_a_long_document(monkeypatch):
    analyzed: list[int] = []
    real = snippets.spans
    monkeypatch.setattr(
        snippets, "spans", lambda chunk, base: analyzed.append(len(chunk)) or real(chunk, base)
    )
    filler = "واژه‌ای بی‌ربط در این‌جا. " * 4000  # ~100K characters, far beyond 32K
    text = filler + "اینجا سیاست خارجی آمده است. " + filler
    html = snippet(text, terms_of("سیاست", "خارجی"))
    assert MARK.findall(html) == ["سیاست", "خارجی"]
    assert html.startswith("… ") and html.endswith(" …")
    assert len(unescape(MARK.sub(r"\1", html))) < 400
    assert sum(analyzed) < 2 * snippets.SNIPPET_CHUNK  # only the chunk holding the match was analyzed


def test_each_snippet_fragment_is_a_verbatim_slice_of_the_text():
    text = ("مقدمه‌ای کوتاه. " * 30) + "کِتاب اول. " + ("میانه‌ی متن. " * 30) + "كتاب دوم و پایان."
    html = snippet(text, terms_of("کتاب"))
    assert MARK.findall(html) == ["کِتاب", "كتاب"]
    for fragment in unescape(MARK.sub(r"\1", html)).split("…"):
        if fragment.strip():
            assert fragment.strip() in text


def test_a_page_break_is_a_line_break_in_a_snippet() -> None:
    text = "صفحه‌ی نخست درباره‌ی باران است\fو صفحه‌ی دوم درباره‌ی برف"
    assert "\f" not in snippet(text, {"باران", "برف"}) and "\n" in snippet(text, {"باران", "برف"})
