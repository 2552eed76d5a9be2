"""The compiled scan (analyzers/_scan.c) gives exactly what its Python reference gives: the terms of a text
and the count of its beginning's, on generated and real text, with warm, cold and overflowing caches; it
passes errors on, and keeps no reference it should not."""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzers import native, tokenizer

ROOT = Path(__file__).resolve().parent.parent
QA_DOCS = ROOT.parent / "shared" / "data" / "qa-ir" / "docs.jsonl"
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NATIVE = tokenizer._NATIVE

pytestmark = pytest.mark.skipif(native.pure_python(), reason=f"{native.PURE_PYTHON_ENV} asks for Python only")


def test_the_extension_is_built() -> None:
    """`make install` builds it; a missing build would leave every other test here on the reference alone."""
    assert NATIVE is not None, "analyzers._scan is not built: run `make install` (it needs a C compiler)"


def _reference(text: str, lead_end: int) -> tuple[list[str], int | None]:
    for terms, _starts, _ends, _stops, lead in tokenizer._scan(text, spans=False, lead_end=lead_end):
        return terms, lead
    return [], 0


def _both(text: str, lead_end: int = tokenizer._NO_LEAD) -> None:
    assert NATIVE is not None
    compiled = NATIVE.terms_and_lead(text, lead_end)
    assert compiled == _reference(text, lead_end), (text, lead_end)


# Words that take every branch of the loop: plain words, compound first parts and their second parts (the
# windows and next-word memories), preverbs and verbs, detached prefixes and suffixes, function words, a
# ligature, colloquial contractions, Latin, URLs, e-mail addresses, hosts and numbers of three scripts.
WORDS = [
    *"کتاب خانه دانش آموز آموزان روزنامه ها های ترین تر ی ای می نمی".split(),
    *"در باز بر آید میآید گردند گفت و گو".split(),
    *"پس از به عنوان بین المللی محیط زیست سفر ماه ماهی ایران یکشنبه شنبه میز میزند را که این آن".split(),
    *"كتاب يكي مسئول هیئت اونم بازم خیلییییی ﷺ ﻻ کتاب‌ها می‌خوانند تازه‌ای".split(),
    *"book Running www.example.com https://x.ir/a/ب?q=1 ali@mail.ir 3.14 ۱۴۰۲ ٣٫٥ 12,345 é".split(),
]
# Words written apart that join (or almost do): compounds, detached affixes, spaced preverbs.
PHRASES = [
    "دانش آموز",
    "دانش آموزان",
    "کتاب خانه ها",
    "گفت و گو",
    "روزنامه ها",
    "بزرگ ترین",
    "می نویسم",
    "نمی دانند",
    "در می آید",
    "باز میگردند",
    "در می زند",
    "خانه ی",
    "حرفه ای",
    "پس از",
    "به عنوان",
    "آن ها یشان",
]
SEPARATORS = [" ", " ", " ", "  ", "\t", "\u00a0", "_", "\u200c", "", "\n", "، ", ". ", "«", "»", " - "]


@st.composite
def sentences(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(WORDS) | st.sampled_from(PHRASES), max_size=14))
    out = []
    for word in words:
        out.append(word)
        out.append(draw(st.sampled_from(SEPARATORS)))
    return "".join(out)


ANY_TEXT = st.text(max_size=60)


@SETTINGS
@given(st.one_of(sentences(), ANY_TEXT), st.integers(-1, 120))
def test_the_same_terms_and_lead_as_the_reference(text: str, cut: int) -> None:
    _both(text, min(max(cut, 0), len(text)))
    _both(text)


@SETTINGS
@given(st.lists(sentences(), min_size=1, max_size=6))
def test_the_same_with_the_caches_cold_and_overflowing(texts: list[str]) -> None:
    """The loop reads caches that the reference fills (words, windows, next words): compared cold, warm, and
    with the caches emptied again and again as they overflow."""
    _empty_caches()
    for text in texts:
        _both(text)
    for text in texts:
        _both(text, len(text) // 2)


def test_the_same_when_the_caches_are_emptied_mid_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokenizer, "_CACHE_LIMIT", 3)
    monkeypatch.setattr(tokenizer, "_WINDOWS_LIMIT", 2)
    _empty_caches()
    text = " ".join(WORDS) * 3
    _both(text)
    _both(text, 100)
    assert len(tokenizer._WORD_CACHE) <= 3


def _qa_texts() -> Iterator[str]:
    with open(QA_DOCS, encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)["text"]


@pytest.mark.skipif(not QA_DOCS.exists(), reason="the shared qa-ir set sits beside the checkout")
def test_the_same_on_every_qa_ir_passage() -> None:
    _empty_caches()
    for number, text in enumerate(_qa_texts()):
        _both(text, (number * 37) % (len(text) + 1))


def test_the_same_on_the_samples() -> None:
    texts = [
        p.read_text(encoding="utf-8", errors="replace") for p in sorted((ROOT / "samples").rglob("*.txt"))
    ]
    assert texts
    for text in texts:
        _both(text)
        _both(text, 40)


def test_a_text_without_terms() -> None:
    assert NATIVE is not None
    for text in ("", "   ", "!!! ، «»"):
        assert (
            NATIVE.terms_and_lead(text, tokenizer._NO_LEAD) == ([], 0) == _reference(text, tokenizer._NO_LEAD)
        )
        assert NATIVE.terms_and_lead(text, 1) == _reference(text, 1)


def test_bad_arguments_raise() -> None:
    assert NATIVE is not None
    with pytest.raises(TypeError):
        NATIVE.terms_and_lead(b"bytes", 0)
    with pytest.raises(TypeError):
        NATIVE.terms_and_lead("text")
    with pytest.raises(TypeError):
        NATIVE.terms_and_lead("text", "0")


def test_a_helper_that_fails_fails_the_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """An error in a Python helper (here the analysis of a word not yet cached) comes out of the call as it
    is, and the next call works."""
    assert NATIVE is not None

    def failing(raw: str) -> tokenizer.Entry:
        raise RuntimeError(f"cannot analyze {raw}")

    _configure(remember=failing)
    try:
        _empty_caches()
        with pytest.raises(RuntimeError, match="cannot analyze"):
            NATIVE.terms_and_lead("کتاب تازه", tokenizer._NO_LEAD)
    finally:
        _configure()
    _both("کتاب تازه")


def test_no_reference_is_kept_or_lost() -> None:
    """Reference counts of the cached entries and terms, and of the text, are the same after a thousand
    calls: the C gives back every reference it takes (a leak or a missing one would show here)."""
    assert NATIVE is not None
    text = "دانش آموزان کتاب‌ها را در می آیند و روزنامه ها www.example.com ۱۴۰۲ " * 5
    NATIVE.terms_and_lead(text, 30)  # fills the caches
    entries = [tokenizer._WORD_CACHE[w] for w in ("کتاب‌ها", "دانش", "را") if w in tokenizer._WORD_CACHE]
    assert len(entries) == 3
    watched = [text, *entries, *(e[0] for e in entries if e[0] is not None)]
    gc.collect()
    before = [sys.getrefcount(obj) for obj in watched]
    for _ in range(1000):
        NATIVE.terms_and_lead(text, 30)
        NATIVE.terms_and_lead(text, tokenizer._NO_LEAD)
    gc.collect()
    assert [sys.getrefcount(obj) for obj in watched] == before


def _empty_caches() -> None:
    tokenizer._forget()
    tokenizer._OTHER_CACHE.clear()
    tokenizer._FOLDED.clear()


def _configure(remember=None) -> None:
    """Configure the extension as analyzers.tokenizer does, with another word analysis when given."""
    assert NATIVE is not None
    arguments = list(tokenizer._native_arguments())
    if remember is not None:
        arguments[arguments.index(tokenizer._remember)] = remember
    NATIVE.configure(*arguments)
