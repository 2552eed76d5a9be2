"""Detached affixes in queries: می/نمی typed apart from the verb and ها/ترین typed apart from the noun find
the same documents as the joined and ZWNJ spellings, in keyword and in phrase search."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.build import index_folder
from search_ui.engines.folder import SearchEngine
from search_ui.query.analysis import join_affixes
from search_ui.query.parse import MUST, NOT, SHOULD, Word, parse
from search_ui.ranking.compile import Compiler

DOCS = {
    "nameh.txt": "نامه\nمن هر شب برای مادرم نامه می‌نویسم و از روزهای دانشگاه می‌گویم.",
    "daftar.txt": "دفتر\nهر روز چند خط در دفترم مینویسم تا فراموش نکنم.",
    "dastan.txt": "داستان\nمن داستان کوتاه می نویسم و گاهی برای دوستانم می خوانم.",
    "baran.txt": "باران\nروزنامه‌ها امروز از باران سخن گفتند.",
    "dakeh.txt": "دکه\nدر دکه‌ی سر کوچه روزنامهها را مرتب چیده بودند.",
    "sobh.txt": "صبح\nپدرم هر صبح روزنامه ها را ورق می زند.",
    "shiraz.txt": "شیراز\nنویسنده‌ی این کتاب در شیراز زندگی کرد و نوشته‌هایش ماندگار شد.",
    "bagh.txt": "باغ\nآن ها دیروز به باغ رفتند و میوه‌ها را چیدند.",
}

WRITE = ["می‌نویسم", "مینویسم", "می نویسم", "می  نویسم"]
PAPERS = ["روزنامه‌ها", "روزنامهها", "روزنامه ها"]


@pytest.fixture(scope="module")
def engine(build_index):
    return SearchEngine(build_index(DOCS, "affixes"))


def found(engine: SearchEngine, query: str) -> set[str]:
    result = engine.search(query, limit=100)
    assert result["total"] == len(result["hits"])
    return {h["id"] for h in result["hits"]}


@pytest.mark.parametrize(
    ("spellings", "expected"),
    [(WRITE, {"nameh.txt", "daftar.txt", "dastan.txt"}), (PAPERS, {"baran.txt", "dakeh.txt", "sobh.txt"})],
)
@pytest.mark.parametrize("quote", ["{}", '"{}"', "«{}»"], ids=["keyword", "phrase", "guillemets"])
def test_every_spelling_finds_the_same_documents(engine, spellings, expected, quote):
    for spelling in spellings:
        assert found(engine, quote.format(spelling)) == expected, spelling


@pytest.mark.parametrize("spellings", [WRITE, PAPERS])
def test_every_spelling_compiles_to_the_same_terms(engine, spellings):
    searcher = engine._generation().searcher(engine.weighting)
    compiled = [Compiler(searcher.reader()).compile(parse(s)) for s in spellings]
    assert len({frozenset(c.terms) for c in compiled}) == 1
    assert len({tuple(c.keywords) for c in compiled}) == 1


def test_spaced_affix_marks_the_whole_word(engine):
    snippet = engine.search("می نویسم")["hits"]
    marked = {h["id"]: h["snippet"] for h in snippet}
    assert "<mark>می نویسم</mark>" in marked["dastan.txt"]
    assert "<mark>مینویسم</mark>" in marked["daftar.txt"]


def test_spaced_affix_with_another_word(engine):
    assert found(engine, "+روزنامه ها +پدرم") == {"sobh.txt"}
    assert found(engine, "دفترم می نویسم") == {"nameh.txt", "daftar.txt", "dastan.txt"}
    assert engine.search("دفترم می نویسم")["hits"][0]["id"] == "daftar.txt"


def words(query: str) -> list[tuple[str, str]]:
    return [(c.occur, c.node.text) for c in join_affixes(parse(query).clauses) if isinstance(c.node, Word)]


def test_join_affixes_rules():
    assert words("می نویسم") == [(SHOULD, "می نویسم")]
    assert words("روزنامه ها خبر") == [(SHOULD, "روزنامه ها"), (SHOULD, "خبر")]
    assert words("+می نویسم") == [(MUST, "می نویسم")]
    assert words("روزنامه +ها") == [(MUST, "روزنامه ها")]
    # an exclusion is never mixed into a joined word; a prefix search keeps its own word
    assert words("-می نویسم") == [(NOT, "می"), (SHOULD, "نویسم")]
    assert words("می نویس*") == [(SHOULD, "می"), (SHOULD, "نویس")]
    # nothing to join with: the affix stays as typed (and is dropped later as a stopword)
    assert words("ها") == [(SHOULD, "ها")]
    assert words("می") == [(SHOULD, "می")]
    # the first of two prefixes does not swallow the second; the second joins the verb
    assert words("می می نویسم") == [(SHOULD, "می"), (SHOULD, "می نویسم")]
    # inside parentheses too, and a field given to the host covers a suffix typed after it
    group = join_affixes(parse("(روزنامه ها)").clauses)[0].node
    assert [c.node.text for c in group.clauses] == ["روزنامه ها"]
    assert join_affixes(parse("title:روزنامه ها").clauses)[0].node == Word("روزنامه ها", "title")


SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="samples/ not found")
def test_the_reported_queries_on_the_samples(tmp_path):
    """Issue 4's follow-up: `kavosh search "می خوانند"` found nothing on samples/ though خواندن is there."""
    index_folder(SAMPLES, tmp_path / "index", rebuild=True)
    engine = SearchEngine(tmp_path / "index")
    for spellings in (["می خوانند", "می‌خوانند", "میخوانند"], PAPERS):
        results = [found(engine, s) for s in spellings]
        assert results[0], spellings[0]
        assert all(r == results[0] for r in results), spellings


def test_a_query_meets_the_analyzer_once(tmp_path, monkeypatch):
    """After `analyze_parsed`, compiling reads the tokens in the tree: the analyzer is not called again (a
    prefix is the exception: expanding it analyzes the lexicon words that continue it)."""
    from whoosh.filedb.filestore import RamStorage

    from indexer.storage.schema import make_schema
    from search_ui.query import analysis
    from search_ui.query.analysis import analyze_parsed
    from search_ui.ranking import scoring

    ix = RamStorage().create_index(make_schema())
    with ix.writer() as w:
        w.add_document(id="1", path="1.txt", title="", body="دانش‌آموزان کتاب‌ها را می‌خوانند")
    parsed = analyze_parsed(parse("دانش آموزان «کتاب ها» می خوانند title:کتاب -روزنامه"))
    assert all(a.tokens is not None for _, a in parsed.atoms())

    def refuse(*_args, **_kwargs):
        raise AssertionError("the analyzer was called after analyze_parsed")

    monkeypatch.setattr(analysis, "analyze_query", refuse)
    monkeypatch.setattr(analysis, "analyzer", refuse)
    with ix.searcher() as s:
        compiled = Compiler(s.reader()).compile(parsed)
        assert compiled.query is not None
        assert {"کتاب", "خواند"} <= compiled.terms
        ranked, total = scoring.rank(s, compiled, 10)
        assert total == 1 and len(ranked) == 1
    assert [c.node.text for c in parsed.clauses][:3] == ["دانش آموزان", "کتاب ها", "می خوانند"]
