"""The pooling of a document's term list (indexer.storage.pooling): the C twin (`indexer.storage._pooling`)
gives what the Python reference gives — pool contents, size estimate, field length, errors — and what the
writer did before it (CompactPositions.term_values, then PostingPool.add_terms of the tuples); a document
that fails midway is taken back whole; and the C path leaks no reference.

The C tests fail when the extension is not built (build it with `make install`), unless
KAVOSH_PURE_PYTHON=1 asks for the Python references only: then they are skipped.
"""

from __future__ import annotations

import copy
import gc
import json
import sys
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index

import indexer.storage.pooling as pooling
from analyzers import PersianAnalyzer, native
from indexer.storage.codec import KavoshCodec
from indexer.storage.pool import PostingPool
from indexer.storage.pooling import TermList, pool_positions_py
from indexer.storage.schema import ONE_POSITION, CompactPositions, make_schema
from indexer.storage.writer import KavoshWriter

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
QA = Path(__file__).resolve().parents[2] / "shared" / "data" / "qa-ir"
COMPILED = native.load("indexer.storage._pooling")


def _compiled():
    """The C twin; a failure when it is missing, unless pure Python is asked for (then a skip)."""
    if native.pure_python():
        pytest.skip(f"{native.PURE_PYTHON_ENV} is set: the Python reference only")
    if COMPILED is None:
        pytest.fail("indexer.storage._pooling is not built: build it with `make install`")
    return COMPILED


def test_the_compiled_twin_is_built_and_used() -> None:
    compiled = _compiled()
    assert pooling._native is compiled


# A vocabulary with the cases the encodings differ on: ASCII, Persian (2-byte UTF-8), 3-byte, astral
# (4-byte), a zero-width non-joiner inside a word, and unpaired surrogates, alone and inside a word.
VOCABULARY = ["a", "ab", "کتاب", "می‌رود", "€", "漢字", "𝔸", "x𝔸y", "\ud800", "q\udfffz", "", "کتاب "]
SAFE = [term for term in VOCABULARY if not any(0xD800 <= ord(c) <= 0xDFFF for c in term)]


def _outcome(function, held: dict, *args) -> tuple:
    """What a pooling function returned or raised, and the dict it pooled into."""
    try:
        result = function(held, *args)
    except Exception as exc:
        return ("raised", type(exc), str(exc)), held
    return ("returned", result), held


def _both(held: dict, fieldname: str, docnum: int, terms: list[str], start: int, fboost: float, boost: float):
    compiled = _compiled()
    args = (fieldname, docnum, terms, start, fboost, boost, ONE_POSITION)
    python = _outcome(pool_positions_py, copy.deepcopy(held), *args)
    c = _outcome(compiled.pool_positions, copy.deepcopy(held), *args)
    return python, c


def _fresh_copies(terms: list[str]) -> list[str]:
    """The same terms as new str objects (a dict compares them by value, the C by hash and value)."""
    return [term.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass") for term in terms]


term_lists = st.lists(st.sampled_from(VOCABULARY), max_size=400)
starts = st.sampled_from([0, 1, 200, 255, 256, 65_000, 65_535, 65_536, 70_000, 2**31, 2**32 - 500])
boosts = st.sampled_from([1.0, 2.0, 0.5, 1.1, 3.0000001])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    earlier=st.lists(st.sampled_from(SAFE), max_size=6),
    terms=term_lists,
    start=starts,
    fboost=boosts,
    boost=boosts,
    fresh=st.booleans(),
)
def test_c_and_python_pool_the_same(earlier, terms, start, fboost, boost, fresh) -> None:
    """Same return value or same error (type and message), and the same dict after, terms already held
    by earlier documents or not."""
    held: dict = {}
    pool_positions_py(held, "body", 0, earlier, 0, 1.0, 1.0, ONE_POSITION)
    if fresh:
        terms = _fresh_copies(terms)
    python, c = _both(held, "body", 7, terms, start, fboost, boost)
    assert c == python


def test_repeats_far_apart_and_many_positions_are_encoded_alike() -> None:
    """The 1-, 2- and 4-byte delta encodings, and a term at more than 65535 positions."""
    spread = ["e"] + ["c"] * 299 + ["e"] + ["c"] * 70_000 + ["a"]
    python, c = _both({}, "body", 0, spread, 0, 1.0, 1.0)
    assert c == python
    assert python[0] == ("returned", (3, 3, 3))
    values = {term: postings[2] for term, postings in python[1].items()}
    assert values["e"][0] == 1 and len(values["e"]) == 5  # deltas 0 and 300
    assert values["c"][0] == 0 and len(values["c"]) == 1 + 70_299
    assert values["a"] == b"\x02" + (70_301).to_bytes(4, sys.byteorder)
    assert python[1]["c"][1] == 70_299.0


def test_an_empty_list_and_a_term_utf8_cannot_hold_fail_alike() -> None:
    nothing = (("returned", (0, 0, 0)), {})
    assert _both({}, "body", 0, [], 0, 1.0, 1.0) == (nothing, nothing)
    python, c = _both({"a": [0, 1.0, b"\x00\x00"]}, "title", 3, ["a", "b", "x\udc80", "c"], 0, 1.0, 1.0)
    assert c == python
    assert python[0] == ("raised", ValueError, "field 'title' holds an unpaired surrogate (U+DC80)")
    assert set(python[1]) == {"a", "b"}, "the terms before the failing one stay, for the take-back"


def test_bad_arguments_are_refused_by_the_c_not_crashed_on() -> None:
    compiled = _compiled()
    with pytest.raises(TypeError, match="holds str, not int"):
        compiled.pool_positions({}, "body", 0, ["a", 5], 0, 1.0, 1.0, ONE_POSITION)
    with pytest.raises(TypeError):
        compiled.pool_positions({}, "body", 0, ("a",), 0, 1.0, 1.0, ONE_POSITION)
    with pytest.raises(TypeError, match="a pool's postings are a list"):
        compiled.pool_positions({"a": (0, 1.0, b"")}, "body", 1, ["a"], 0, 1.0, 1.0, ONE_POSITION)
    with pytest.raises(OverflowError):
        compiled.pool_positions({}, "body", 0, ["a"], -1, 1.0, 1.0, ONE_POSITION)
    with pytest.raises(OverflowError):
        compiled.pool_positions({}, "body", 0, ["a", "b"], 2**32 - 1, 1.0, 1.0, ONE_POSITION)


def _sample_texts() -> list[str]:
    """The project's UTF-8 text and Markdown samples (some samples are in other encodings on purpose)."""
    texts = []
    for path in sorted([*SAMPLES.rglob("*.txt"), *SAMPLES.rglob("*.md")]):
        try:
            texts.append(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            continue
    assert len(texts) >= 5
    return [*texts, "\n".join(texts)]  # and all of them as one, for positions past 255


def _pools(
    term_lists: list[list[str]], fmt: CompactPositions, boost: float = 1.0, start: int = 0
) -> dict[str, tuple]:
    """The pool each way gives for the same documents: its postings, size estimate and field lengths."""
    ways = {}
    compiled = pooling._native
    for label, native_twin in (("python", None), ("c", compiled)):
        pooling._native = native_twin
        try:
            pool = PostingPool(None, 1024)
            lengths = [
                pool.add_terms("body", n, TermList(t, start, fmt), boost) for n, t in enumerate(term_lists)
            ]
        finally:
            pooling._native = compiled
        ways[label] = (pool._fields, pool.size, lengths)
    pool = PostingPool(None, 1024)
    lengths = [pool.add_terms("body", n, fmt.term_values(t, start), boost) for n, t in enumerate(term_lists)]
    ways["tuples"] = (pool._fields, pool.size, lengths)
    return ways


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    term_lists=st.lists(st.lists(st.sampled_from(SAFE), max_size=300), max_size=5),
    start=starts,
    fboost=boosts,
    boost=boosts,
)
def test_a_pool_given_term_lists_holds_what_it_held_given_tuples(term_lists, start, fboost, boost) -> None:
    """Through PostingPool.add_terms, several documents: a TermList pooled in C or in Python gives what the
    writer's former tuples gave (CompactPositions.term_values), with field boosts and document boosts."""
    _compiled()
    ways = _pools(term_lists, CompactPositions(field_boost=fboost), boost, start)
    assert ways["c"] == ways["python"] == ways["tuples"]


@pytest.mark.parametrize("boost", [1.0, 1.5])
def test_real_persian_text_pools_alike_every_way(boost: float) -> None:
    """The project's sample documents analyzed by PersianAnalyzer: the C, the Python reference and the
    writer's former tuples give the same postings, size estimate and lengths."""
    _compiled()
    analyzer = PersianAnalyzer()
    term_lists = [analyzer.terms(text) for text in _sample_texts()]
    assert max(map(len, term_lists)) > 256
    ways = _pools(term_lists, make_schema()["body"].format, boost)
    assert ways["c"] == ways["python"] == ways["tuples"]
    assert ways["c"][1] > 0 and sum(ways["c"][2]) == sum(map(len, term_lists))


def test_the_qa_ir_passages_pool_alike_every_way() -> None:
    """The real retrieval set's passages (../shared; skipped without it), the replica's text."""
    _compiled()
    if not (QA / "docs.jsonl").is_file():
        pytest.skip(f"{QA} not found")
    with (QA / "docs.jsonl").open(encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for line in lines if line.strip()]
    analyzer = PersianAnalyzer()
    term_lists = [analyzer.terms(text) for text in texts]
    ways = _pools(term_lists, make_schema()["body"].format)
    assert ways["c"] == ways["python"] == ways["tuples"]
    assert len(ways["c"][0]["body"]) > 1000


def test_a_field_held_as_bytes_takes_a_term_list_as_its_tuples() -> None:
    """A field whose first postings came from a merged segment, its keys bytes, encodes a TermList's terms."""
    fmt = make_schema()["body"].format
    by_list, by_tuples = PostingPool(None), PostingPool(None)
    for pool in (by_list, by_tuples):
        pool.add(("body", "کتاب".encode(), 0, 1.0, b"\x00\x00"))
    terms = ["کتاب", "قلم", "کتاب"]
    assert by_list.add_terms("body", 1, TermList(terms, 0, fmt), 1.0) == 3
    assert by_tuples.add_terms("body", 1, fmt.term_values(terms), 1.0) == 3
    assert list(by_list.iter_terms()) == list(by_tuples.iter_terms())
    assert by_list.size == by_tuples.size
    assert [term for _, term, _ in by_list.iter_terms()] == ["قلم".encode(), "کتاب".encode()]


@pytest.mark.parametrize("pure", [True, False])
def test_a_term_list_failing_midway_is_taken_back_whole(pure: bool, monkeypatch) -> None:
    """A surrogate after terms already pooled (new ones and ones of earlier documents): remove_document of
    the same TermList leaves the pool's postings as they were."""
    if pure:
        monkeypatch.setattr(pooling, "_native", None)
    else:
        _compiled()
    fmt = make_schema()["body"].format
    pool = PostingPool(None)
    pool.add_terms("body", 0, TermList(["کتاب", "قلم", "کتاب"], 0, fmt), 1.0)
    before = copy.deepcopy(pool._fields)
    failing = TermList(["قلم", "دفتر", "قلم", "a\ud800", "کتاب"], 0, fmt)
    with pytest.raises(ValueError, match=r"field 'body' holds an unpaired surrogate \(U\+D800\)"):
        pool.add_terms("body", 1, failing, 1.0)
    assert pool._fields["body"]["دفتر"] == [1, 1.0, ONE_POSITION[1]], "pooled before the failure"
    pool.remove_document("body", 1, failing)
    assert pool._fields == before
    assert pool.add_terms("body", 1, TermList(["دفتر"], 0, fmt), 1.0) == 1


def test_the_writer_takes_back_a_term_list_when_a_later_field_fails(tmp_path: Path) -> None:
    """The body is pooled from its TermList, then the id fails on a surrogate (the analyzer drops them, so
    a text field never holds one): the body's postings are taken back, and the index holds only the
    documents that succeeded."""
    path = tmp_path / "ix"
    path.mkdir()
    ix = whoosh_index.create_in(str(path), make_schema())
    writer = KavoshWriter(ix, codec=KavoshCodec())
    writer.add_document(id="a", path="a.txt", title="چشمه", body="آبشار بلند")
    held = copy.deepcopy(writer.pool._fields)
    with pytest.raises(ValueError, match="unpaired surrogate"):
        writer.add_document(id="b\ud800", path="b.txt", title="زرافه", body="آبشار زرافه در دشت")
    assert writer.pool._fields == held
    writer.add_document(id="c", path="c.txt", title="قنات", body="آبشار کوچک")
    writer.commit()
    with whoosh_index.open_dir(str(path)).searcher() as searcher:
        reader = searcher.reader()
        assert searcher.doc_count() == 2
        term = PersianAnalyzer().terms
        assert not reader.doc_frequency("body", term("زرافه")[0].encode())
        assert reader.doc_frequency("body", term("آبشار")[0].encode()) == 2


def test_the_c_path_leaks_no_reference() -> None:
    """Pooling into a dict that is then dropped, again and again, on success and on failure: every object
    it touched has its reference count back, and traced memory does not grow with the repeats."""
    compiled = _compiled()
    analyzer = PersianAnalyzer()
    terms = analyzer.terms(_sample_texts()[-1])[:2000]  # positions past 255: every encoding
    failing = [*terms[:50], "a\ud800", *terms[50:100]]
    docnum, field = 10**12, "bo" + "dy"  # objects of our own, not cached small ints
    watched = [*dict.fromkeys(terms), failing[50], docnum, field, *ONE_POSITION]

    def rounds(n: int) -> None:
        for _ in range(n):
            held: dict = {}
            compiled.pool_positions(held, field, docnum, terms, 0, 1.0, 1.5, ONE_POSITION)
            compiled.pool_positions(held, field, docnum + 1, terms, 300, 1.0, 1.0, ONE_POSITION)
            with pytest.raises(ValueError):
                compiled.pool_positions(held, field, docnum + 2, failing, 0, 1.0, 1.0, ONE_POSITION)
            del held

    rounds(5)
    gc.collect()
    counts = [sys.getrefcount(obj) for obj in watched]
    tracemalloc.start()
    try:
        rounds(50)
        gc.collect()
        after_few, _ = tracemalloc.get_traced_memory()
        rounds(200)
        gc.collect()
        after_many, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [sys.getrefcount(obj) for obj in watched] == counts
    assert after_many - after_few < 4096, f"traced memory grew by {after_many - after_few} bytes"
