"""Property tests (issue 6): the parser never raises on any string, and no query it leads to is unbounded."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import query as wq
from whoosh.filedb.filestore import RamStorage

from indexer.storage.schema import make_schema
from search_ui.query.parse import MAX_ATOMS, MAX_QUERY_CHARS, Phrase, Word, parse
from search_ui.ranking import compile as qcompile
from search_ui.ranking.bm25f import FieldsTerm
from search_ui.ranking.compile import Compiler, QueryRefused

PERSIAN = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیيكةۀأآئ\u064b\u064e\u0650\u0651\u0640\u200c۰۱۲۳"
SYNTAX = ' "«»“”()+-*:ANDORNOTtitle\t\n\x00'
query_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=PERSIAN + SYNTAX, max_size=300),
    st.lists(
        st.sampled_from(
            [
                "کتاب",
                "کت*",
                "ک*",
                "title:",
                "«",
                "»",
                "(",
                ")",
                "-",
                "+",
                "AND",
                "OR",
                "NOT",
                '"',
                "در",
                "از",
                "کتابخانه",
                "*",
                "کتب",
            ]
        ),
        max_size=40,
    ).map(" ".join),
)
CAP = 40


@pytest.fixture(scope="module")
def reader():
    """A small in-memory index where the prefix کت expands to more than CAP terms."""
    ix = RamStorage().create_index(make_schema())
    writer = ix.writer()
    words = [f"کت{a}{b}" for a in "ابپتثجچحخد" for b in "رزژسش"]  # 50 distinct words starting with کت
    for i in range(5):
        text = " ".join(words[i * 10 : i * 10 + 10]) + " کتاب در کتابخانه از دفتر"
        writer.add_document(id=str(i), path=f"{i}.txt", title="", body=text, content=text)
    writer.commit()
    with ix.reader() as r:
        yield r


def leaves(q: wq.Query) -> list[wq.Query]:
    if q.is_leaf():
        return [q]
    return [leaf for child in q.children() for leaf in leaves(child)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query_text)
def test_the_parser_never_raises_and_stays_bounded(text):
    parsed = parse(text)
    assert all(isinstance(n, str) and n for n in parsed.notices)
    found = parsed.atoms()
    assert len(found) <= MAX_ATOMS
    for _, atom in found:
        assert isinstance(atom, Word | Phrase)
        assert atom.text and atom.text == atom.text.strip()
        assert len(atom.text) <= MAX_QUERY_CHARS
        assert not any(ord(c) < 32 for c in atom.text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query_text)
def test_compiled_queries_have_no_unbounded_part(reader, monkeypatch, text):
    monkeypatch.setattr(qcompile, "PREFIX_CAP", CAP)
    parsed = parse(text)
    try:
        compiled = Compiler(reader).compile(parsed)
    except QueryRefused as err:
        assert str(err)
        assert any(isinstance(a, Word) and a.prefix for _, a in parsed.atoms())
        return
    if compiled.query is None:
        return
    found = leaves(compiled.query)
    # Only plain terms and exact phrases: no wildcard, prefix, fuzzy or regex query is ever built.
    allowed = wq.Term | wq.Phrase | wq.Every | FieldsTerm | wq.NullQuery.__class__
    assert all(isinstance(leaf, allowed) for leaf in found)
    words = len(parsed.atoms())
    assert len(found) <= words * (2 * CAP + 4) + words


def test_a_one_letter_prefix_and_a_runaway_prefix_are_refused(reader, monkeypatch):
    monkeypatch.setattr(qcompile, "PREFIX_CAP", CAP)
    with pytest.raises(QueryRefused, match="کوتاه"):
        Compiler(reader).compile(parse("ک*"))
    with pytest.raises(QueryRefused, match=f"{CAP:,}"):
        Compiler(reader).compile(parse("کت*"))
    compiled = Compiler(reader).compile(parse("کتا*"))
    assert "کتاب" in compiled.terms and not any(t.startswith("کت") and t[2] != "ا" for t in compiled.terms)
