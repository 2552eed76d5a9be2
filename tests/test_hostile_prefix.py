"""A prefix matches the words its typed letters start, in every script, and a completion continues the word
as typed: `کتابخ*` finds کتابخانه (a word of the lexicon), `تهران۲*` finds تهران۲۰ (تهران + 20), `ab1*`
finds ab12, and the completions of `کتابخان` all start with کتابخان."""

from __future__ import annotations

import pytest

from analyzers.normalize import fold_key
from search_ui.engines.folder import QueryRefused, SearchEngine

DOCS = {
    "library.txt": "کتابخانه‌ی شهر ما هر روز تا غروب باز است.",
    "reader.txt": "همسایه‌ی ما کتابخوان پرشوری است و هر هفته رمانی تازه می‌خرد.",
    "house.txt": "خانه‌ی مادربزرگ حیاطی پر از گل دارد.",
    "apart.txt": "کتاب را دیروز در خانه خواندم و به دوستم دادم.",
    "train.txt": "قطار تهران۲۰ ساعت هشت صبح از ایستگاه حرکت می‌کند.",
    "capital.txt": "تهران پایتخت است و ۲۰ میلیون نفر در استان آن زندگی می‌کنند.",
    "travel.txt": "سفرنامه2 را در شماره‌ی بعدی مجله بخوانید.",
    "model.txt": "مدل ab12 کوچک بود اما مدل cd3 بزرگ‌تر است.",
}


@pytest.fixture(scope="module")
def engine(build_index) -> SearchEngine:
    return SearchEngine(build_index(DOCS, "prefix"))


def found(engine: SearchEngine, query: str) -> set[str]:
    return {h["id"] for h in engine.search(query, limit=100)["hits"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("کتابخ*", {"library.txt", "reader.txt"}),
        ("کتابخا*", {"library.txt"}),
        ("کتابخان*", {"library.txt"}),  # not apart.txt: کتاب and خانه are not one word there
        ("كتابخا*", {"library.txt"}),  # Arabic kaf
        ("کتاب‌خا*", {"library.txt"}),  # with a ZWNJ
        ("تهران۲*", {"train.txt"}),  # Persian digits; capital.txt has تهران and ۲۰ apart
        ("تهران2*", {"train.txt"}),
        ("تهران٢*", {"train.txt"}),  # Arabic-Indic digits
        ("سفرنامه2*", {"travel.txt"}),
        ("ab1*", {"model.txt"}),
        ("AB1*", {"model.txt"}),
    ],
)
def test_a_prefix_finds_the_words_its_letters_start(engine, query, expected):
    assert found(engine, query) == expected


def test_the_match_is_highlighted_as_one_word(engine):
    (hit,) = engine.search("کتابخا*")["hits"]
    assert "<mark>کتابخانه‌ی</mark>" in hit["snippet"] or "<mark>کتابخانه</mark>" in hit["snippet"]


def test_one_letter_is_still_refused(engine):
    for query in ["ک*", "2*", "a*"]:
        with pytest.raises(QueryRefused):
            engine.search(query)


@pytest.mark.parametrize("typed", ["کتابخان", "در کتابخا", "کتابخ", "تهر", "خان"])
def test_completions_continue_the_word_as_typed(engine, typed):
    last = typed.split()[-1]
    suggestions = engine.suggest(typed)
    assert suggestions
    for word in suggestions:
        assert fold_key(word).startswith(fold_key(last)), (typed, word)


def test_completing_a_compound_offers_the_compound(engine):
    assert "کتابخانه" in engine.suggest("کتابخان")
    assert {"کتابخانه", "کتابخوان"} <= {fold_key(w) for w in engine.suggest("کتابخ")}  # کتاب‌خوان
