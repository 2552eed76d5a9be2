"""The analyzer's speed caches never change a term: what a word gives does not depend on what was analyzed
before it, in which order, or on the caches being emptied half-way (their memory bound).

The tokenizer remembers verdicts keyed on the text around a word (the characters after a compound's first
part, the next word it stood alone before, a compound's rest, a suffix); a key that did not hold all that
decided a verdict would hand one text's verdict to another. Analyzing the same texts cold, warm, backwards
and with tiny cache limits must give the same tokens.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzers import PersianAnalyzer, tokenizer

QA_DOCS = Path(__file__).resolve().parents[2] / "shared" / "data" / "qa-ir" / "docs.jsonl"

# Compound first parts, preverbs and detached suffixes before every kind of separator and neighbour.
TEXTS = [
    "دانش آموزان کتاب خانه را دوست دارند و گفت و گو می کنند.",
    "پس از جنگ، او به عنوان نماینده در می آید و باز می گردد.",
    "در می زند؛ در را باز کن. درمی‌آید، در می‌آید، در نمی آید.",
    "کتاب\tخانه، کتاب\u00a0خانه، کتاب_خانه، کتاب  خانه، کتاب   خانه، کتاب    خانه.",
    "این کتاب ها بزرگ ترین ها هستند و کتاب ها یشان را آوردند.",
    "دانش آموز دانش آموزان دانش‌آموزان دانش.",
    "به دست آوردن، به دست آمد، به‌دست",
    "سال ها پس از آن، سال نو، سال‌نو، سال",
    "بر نمی گردیم؛ برمی گردیم؛ بر می گردند؛ بر",
    "محیط زیست و محیط‌زیست و محیطزیست؛ گفتگو و گفت‌وگو",
    "زمین شناسی و زمین‌شناسی؛ زمین شناس؛ زمین",
    "کتاب خانهٔ ملی و کتاب‌خانه‌های ملی و کتابخانه ها",
    # The same characters after a first part, with different words after them: only what decides a verdict
    # may key it (two spaces, a tab then a space, و then a word).
    "کتاب  خیلی خوب است و کتاب  خانه بزرگ است؛ کتاب\t خیلی و کتاب\t خانه؛ کتاب \tخیلی و کتاب \tخانه.",
    "کتاب\t خوب و کتاب\t خانه؛ کتاب  خوب و کتاب  خانه.",
    "گفت و خوب، گفت و گو، گفت و شنید، گفت و گوی ما.",
]


def _tokens(text: str) -> list[tuple[str, int, int, int, bool]]:
    analyzer = PersianAnalyzer()
    toks = analyzer(text, positions=True, chars=True, mode="query", removestops=False)
    return [(t.text, t.pos, t.startchar, t.endchar, t.stopped) for t in toks]


def _empty_caches() -> None:
    tokenizer._forget()
    for cache in (tokenizer._COMPOUND_TERMS, tokenizer._SUFFIXED, tokenizer._FOLDED, tokenizer._OTHER_CACHE):
        cache.clear()


def test_tokens_do_not_depend_on_what_was_analyzed_before() -> None:
    _empty_caches()
    cold = [_tokens(text) for text in TEXTS]
    warm = [_tokens(text) for text in TEXTS]
    _empty_caches()
    backwards = [_tokens(text) for text in reversed(TEXTS)][::-1]
    assert warm == cold
    assert backwards == cold
    for text, expected in zip(TEXTS, cold, strict=True):
        _empty_caches()
        assert _tokens(text) == expected, text
    # The caches were used: a spaced compound joined, a first part remembered what followed it.
    assert any(len(tokens) < len(text.split()) for text, tokens in zip(TEXTS, cold, strict=True))
    assert any(entry[1] for entry in tokenizer._WORD_CACHE.values() if entry[1] is not None)


def test_tokens_are_the_same_when_the_caches_are_emptied_half_way(monkeypatch: pytest.MonkeyPatch) -> None:
    _empty_caches()
    expected = [_tokens(text) for text in TEXTS]
    _empty_caches()
    monkeypatch.setattr(tokenizer, "_WINDOWS_LIMIT", 3)
    monkeypatch.setattr(tokenizer, "_CACHE_LIMIT", 7)
    assert [_tokens(text) for text in TEXTS] == expected
    assert len(tokenizer._WORD_CACHE) <= 7
    assert tokenizer._windows <= 3


@pytest.mark.skipif(not QA_DOCS.exists(), reason="the shared qa-ir set sits beside the checkout")
def test_qa_ir_passages_give_the_same_tokens_forwards_and_backwards() -> None:
    with open(QA_DOCS, encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh][:400]
    _empty_caches()
    forwards = [_tokens(text) for text in texts]
    _empty_caches()
    backwards = [_tokens(text) for text in reversed(texts)][::-1]
    assert backwards == forwards
    _empty_caches()
