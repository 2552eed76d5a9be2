"""The compact term dictionary (.tdx) answers every TermsReader question exactly as W3's .trm does."""

from __future__ import annotations

import random
from bisect import bisect_left
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec, W3TermInfo, W3TermsReader
from whoosh.fields import KEYWORD, NUMERIC
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.query import Term
from whoosh.reading import TermNotFound
from whoosh.system import pack_ushort

from indexer.build import index_folder
from indexer.cli import cli
from indexer.errors import IndexDamaged
from indexer.storage import generations as store
from indexer.storage.codec import KavoshCodec
from indexer.storage.schema import make_schema
from indexer.storage.termdict import (
    CorruptTermDict,
    TermDictReader,
    TermDictTermsReader,
    TermDictWriter,
    decode_terminfo,
    encode_terminfo,
    term_doc_frequency,
    term_weight,
)
from search_ui.engines.folder import SearchEngine

# Original sentences; "کاوش" is in every document, "زرافه" in one, Latin words, digits and ids among them.
SENTENCES = [
    "کتابخانهٔ مرکزی تبریز هر روز از ساعت هشت صبح باز است و کاوش در قفسه‌هایش آزاد است.",
    "باران پاییزی کوچه‌های قدیمی یزد را خیس کرد؛ بوی خاک و کاوش کودکان در گودال‌ها.",
    "دانشجویان زمین‌شناسی برای کاوش و نمونه‌برداری به کویر لوت رفتند و 42 سنگ آوردند.",
    "نسخهٔ 3.2 نرم‌افزار Kavosh در سال ۱۴۰۲ منتشر شد و کاوش متن فارسی را سریع‌تر کرد.",
    "در باغ وحش یک زرافه دیدیم که سرش از دیوار بلندتر بود؛ کاوش ما همان‌جا تمام شد.",
    "کاوش کاوش کاوش: این سند واژه‌ای را بارها تکرار می‌کند تا وزن آن بزرگ شود، ایران ایران.",
    "ایران سرزمین کوه و کویر است؛ کاوش در تاریخ ایران هیچ‌گاه پایان نمی‌یابد. Search engine",
    "برنامه‌نویسان با Python و Whoosh نمایه می‌سازند؛ کاوش در نمایه با BM25 امتیاز می‌گیرد.",
]
TAGS = ["تاریخ جغرافیا", "", "زمین سنگ سنگ", "نرم‌افزار python", "", "تکرار تکرار تکرار", "تاریخ", ""]


def _schema():
    """Kavosh's schema plus a field with fractional weights and a numeric field (many byte terms)."""
    schema = make_schema()
    schema.add("tags", KEYWORD(field_boost=0.3, scorable=True))
    schema.add("year", NUMERIC(int))
    return schema


def _docs() -> list[dict]:
    docs = []
    for i, text in enumerate(SENTENCES):
        doc = {"id": f"doc-{i:02d}", "path": f"متن/{i}.txt", "title": text.split("؛")[0][:40], "body": text}
        doc["year"] = 1390 + i
        if TAGS[i]:  # a field with no terms in some documents
            doc["tags"] = TAGS[i]
        docs.append(doc)
    return docs


class TrmCodec(KavoshCodec):
    """Kavosh's postings with W3's `.trm` hash table instead of the `.tdx`, written and read: the layout
    before the term dictionary, to compare against (Kavosh's own codec calls a segment without `.tdx`
    damaged)."""

    field_writer = W3Codec.field_writer
    terms_reader = W3Codec.terms_reader


def _build(folder: Path, docs: list[dict], codec, schema=None, batches: int = 1) -> whoosh_index.Index:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), schema or _schema())
    step = -(-len(docs) // batches)
    for start in range(0, len(docs), step):
        writer = ix.writer(codec=codec)
        for doc in docs[start : start + step]:
            writer.add_document(**doc)
        writer.commit(merge=False)
    return ix


def _stats(ti) -> tuple:
    return (ti.weight(), ti.doc_frequency(), ti.min_length(), ti.max_length(), ti.max_weight(), ti.min_id())


def _postings(reader, fieldname: str, tbytes: bytes) -> list[tuple]:
    m = reader.postings(fieldname, tbytes)
    out = []
    while m.is_active():
        # Inlined postings of value-less fields give b"" where W3's blocks give None (the postings writer's
        # choice, so that segments merge): both mean "no value".
        out.append((m.id(), m.weight(), m.value() or None))
        m.next()
    return out


def _segment_file_sizes(folder: Path) -> dict[str, int]:
    """The summed size of each kind of file inside the index's (compound) segments."""
    sizes: dict[str, int] = {}
    fs = FileStorage(str(folder))
    for seg in folder.glob("*.seg"):
        inner = CompoundStorage(fs.open_file(seg.name))
        for name in inner.list():
            ext = name.split(".", 1)[1]
            sizes[ext] = sizes.get(ext, 0) + inner.file_length(name)
        inner.close()
    return sizes


def _assert_same_answers(stock, ours) -> None:
    """Every TermsReader answer of `ours` (a .tdx reader) equals the stock W3 reader's."""
    assert isinstance(ours._terms, TermDictTermsReader)
    assert isinstance(stock._terms, W3TermsReader)
    terms = list(stock.all_terms())
    assert terms == list(ours.all_terms())
    assert len(terms) > 100
    assert sorted(stock.indexed_field_names()) == sorted(ours.indexed_field_names())
    for (term, a), (term2, b) in zip(stock, ours, strict=True):
        assert term == term2
        assert _stats(a) == _stats(b), term
        assert a.max_id() == b.max_id(), term
        assert stock.doc_frequency(*term) == ours.doc_frequency(*term)
        assert stock.frequency(*term) == ours.frequency(*term)
        assert _stats(stock.term_info(*term)) == _stats(ours.term_info(*term))
        assert term in ours._terms
        assert _postings(stock, *term) == _postings(ours, *term), term
    fields = sorted({f for f, _ in terms})
    for fieldname in fields:
        assert list(stock.lexicon(fieldname)) == list(ours.lexicon(fieldname))
        assert stock.most_frequent_terms(fieldname, 7, b"") == ours.most_frequent_terms(fieldname, 7, b"")
        probes = [b"", b"\x00", b"\xff\xff", "کا".encode(), "ک".encode(), "ایران".encode(), b"K", b"2"]
        for probe in probes:
            assert list(stock.expand_prefix(fieldname, probe)) == list(ours.expand_prefix(fieldname, probe))
            a = [(t, _stats(i)) for t, i in stock.iter_from(fieldname, probe)]
            assert a == [(t, _stats(i)) for t, i in ours.iter_from(fieldname, probe)]
            assert list(stock.terms_from(fieldname, probe)) == list(ours.terms_from(fieldname, probe))
        _assert_same_cursor(stock, ours, fieldname, probes)
    for missing in [("body", "ناموجود"), ("title", "زرافه‌ها"), ("id", "doc-99"), ("body", "")]:
        assert (missing in stock) == (missing in ours) is False
        assert stock.doc_frequency(*missing) == ours.doc_frequency(*missing) == 0
        assert stock.frequency(*missing) == ours.frequency(*missing) == 0
        for reader in (stock, ours):
            with pytest.raises(TermNotFound):
                reader.term_info(*missing)
            with pytest.raises(TermNotFound):
                reader.postings(*missing)
    for terms_reader in (stock._terms, ours._terms):
        assert ("nofield", b"x") not in terms_reader
        assert list(terms_reader.terms_from("nofield", b"")) == []
        with pytest.raises(TermNotFound):
            terms_reader.term_info("nofield", b"x")
        with pytest.raises(KeyError):
            terms_reader.doc_frequency("body", b"\xff\xfe")


def _assert_same_cursor(stock, ours, fieldname: str, probes: list[bytes]) -> None:
    a, b = stock.cursor(fieldname), ours.cursor(fieldname)
    walked = 0
    while a.is_valid():
        assert b.is_valid()
        assert a.text() == b.text()
        assert _stats(a.term_info()) == _stats(b.term_info())
        assert a.next() == b.next()
        walked += 1
    assert not b.is_valid() and b.text() is None and b.term_info() is None
    assert b.next() is None
    assert walked == len(list(stock.lexicon(fieldname)))
    assert a.first() == b.first()
    for probe in probes:
        assert a.find(probe) == b.find(probe), probe
        assert a.is_valid() == b.is_valid()
        if a.is_valid():
            assert a.next() == b.next()


def test_every_reader_method_answers_like_the_stock_terms_file(tmp_path: Path) -> None:
    docs = _docs()
    stock = _build(tmp_path / "stock", docs, W3Codec()).reader()
    ours = _build(tmp_path / "ours", docs, KavoshCodec()).reader()
    assert ours.frequency("tags", "تکرار") == pytest.approx(0.9)  # a fractional weight is really there
    assert ours.doc_frequency("body", "کاوش") == len(docs)
    _assert_same_answers(stock, ours)
    stock.close()
    ours.close()


def test_term_infos_equal_those_of_the_previous_trm_file(tmp_path: Path) -> None:
    """Same postings writer, .trm against .tdx: every term info, extents and inlined postings included."""
    docs = _docs()
    ours = _build(tmp_path / "ours", docs, KavoshCodec()).reader()
    old = _build(tmp_path / "old", docs, TrmCodec()).reader()
    assert isinstance(old._terms, W3TermsReader)
    pairs = list(zip(old, ours, strict=True))
    inlined = [a.is_inlined() for (_, a), _ in pairs]
    assert any(inlined) and not all(inlined)
    for (term, a), (term2, b) in pairs:
        assert term == term2
        assert _stats(a) == _stats(b) and a.max_id() == b.max_id()
        assert a.is_inlined() == b.is_inlined()
        if a.is_inlined():
            assert a.inlined_postings() == b.inlined_postings()
        else:
            assert a.extent()[0] == b.extent()[0]
    sizes_old = _segment_file_sizes(tmp_path / "old")
    sizes_new = _segment_file_sizes(tmp_path / "ours")
    assert "trm" in sizes_old and "tdx" not in sizes_old
    assert "tdx" in sizes_new and "trm" not in sizes_new


# Term infos of every shape W3TermInfo can hold.
_weights = st.one_of(st.integers(0, 10**6).map(float), st.floats(0.01, 1e6, allow_nan=False))


@st.composite
def _terminfos(draw) -> W3TermInfo:
    ti = W3TermInfo()
    ti._weight = draw(_weights)
    ti._df = draw(st.integers(0, 2**32 - 1))
    ti._minlength = draw(st.one_of(st.none(), st.integers(0, 10**6)))
    ti._maxlength = draw(st.integers(0, 10**6))
    ti._maxweight = draw(_weights)
    ti._minid = draw(st.one_of(st.none(), st.integers(0, 2**32 - 2)))
    ti._maxid = draw(st.one_of(st.none(), st.integers(0, 2**32 - 2)))
    if draw(st.booleans()):
        ids = sorted(draw(st.sets(st.integers(0, 10**7), min_size=1, max_size=4)))
        weights = draw(
            st.lists(st.one_of(st.integers(1, 300), _weights), min_size=len(ids), max_size=len(ids))
        )
        values = draw(
            st.one_of(
                st.lists(st.binary(max_size=40), min_size=len(ids), max_size=len(ids)),
                st.just([None] * len(ids)),
            )
        )
        if draw(st.booleans()):  # as the postings writer sets them
            ti._df, ti._weight, ti._maxweight = len(ids), sum(weights), max(weights)
            ti._minid, ti._maxid = ids[0], ids[-1]
        ti.set_inlined(ids, weights, values)
    else:
        ti.set_extent(draw(st.integers(0, 2**40)), draw(st.integers(0, 2**31 - 1)))
    return ti


@settings(max_examples=300, deadline=None)
@given(_terminfos())
def test_term_info_round_trip_matches_the_stock_encoding(ti: W3TermInfo) -> None:
    stock = W3TermInfo.from_bytes(ti.to_bytes())  # W3 keeps weights as 32-bit floats: so must we
    data = encode_terminfo(ti)
    ours = decode_terminfo(data)
    assert _stats(ours) == _stats(stock)
    assert term_doc_frequency(data) == stock.doc_frequency()
    assert term_weight(data) == stock.weight()
    assert ours.max_id() == stock.max_id()
    assert ours.is_inlined() == ti.is_inlined()
    if ti.is_inlined():
        assert ours.inlined_postings() == ti.inlined_postings()
    else:
        assert ours.extent() == ti.extent()


def _syllable_words(count: int, seed: int) -> list[str]:
    """Distinct made-up words from Persian syllables; many are prefixes of others (کتا, کتاب, کتابدا)."""
    rng = random.Random(seed)
    syllables = "کتا ب دا نش گا ه ری مه سا زی رو شن پا یی ز با غ ست ار ه".split()
    words: set[str] = set()
    while len(words) < count:
        word = "".join(rng.choices(syllables, k=rng.randint(1, 5)))
        words.add(word)
        if rng.random() < 0.2:
            words.add(word[:-1] or word)
    return sorted(words)


@pytest.mark.parametrize("block_size", [1, 7, 64])
def test_lookups_across_many_blocks(block_size: int) -> None:
    words = [w.encode() for w in _syllable_words(3000, seed=block_size)]
    # Keys differing only in the field number, an empty term, one key longer than 255 bytes (prefix cap).
    keys = sorted(
        {pack_ushort(f) + w for f in (0, 1, 3) for w in words}
        | {pack_ushort(1), pack_ushort(1) + b"\xd8" * 300, pack_ushort(1) + b"\xd8" * 301 + b"x"}
    )
    storage = RamStorage()
    writer = TermDictWriter(storage.create_file("t.tdx"), {"a": 0, "b": 1, "c": 3}, block_size=block_size)
    for n, key in enumerate(keys):
        writer.add(key, n.to_bytes(3, "big"))
    writer.close()
    reader = TermDictReader(storage.open_file("t.tdx"), storage.file_length("t.tdx"))
    assert reader.term_count == len(keys)
    assert reader.fieldnames[3] == "c"
    assert [key for key, _, _ in reader.scan()] == keys
    assert [key for key, _, _ in reader.scan(len(keys) - 5)] == keys[-5:]
    for n, key in enumerate(keys):
        assert reader.lookup(key) == n.to_bytes(3, "big")
    rng = random.Random(5)
    probes = [b"", b"\x00", b"\xff\xff\xff", keys[0], keys[-1], keys[-1] + b"\x00"]
    probes += [rng.choice(keys)[: rng.randint(0, 12)] + bytes([rng.randint(0, 255)]) for _ in range(500)]
    for probe in probes:
        expected = bisect_left(keys, probe)
        assert reader.lower_bound(probe) == expected, probe
        if expected < len(keys) and keys[expected] == probe:
            assert reader.lookup(probe) is not None
        else:
            assert reader.lookup(probe) is None
    with pytest.raises(ValueError, match="must rise"):
        bad = TermDictWriter(storage.create_file("bad.tdx"), {})
        bad.add(b"\x00\x00b", b"")
        bad.add(b"\x00\x00a", b"")


def test_empty_and_damaged_dictionaries() -> None:
    storage = RamStorage()
    TermDictWriter(storage.create_file("empty.tdx"), {}).close()
    empty = TermDictReader(storage.open_file("empty.tdx"), storage.file_length("empty.tdx"))
    assert empty.term_count == 0 and empty.lookup(b"\x00\x00a") is None and list(empty.scan()) == []
    writer = TermDictWriter(storage.create_file("t.tdx"), {"body": 0}, block_size=4)
    for word in _syllable_words(50, seed=1):
        writer.add(b"\x00\x00" + word.encode(), b"\x01")
    writer.close()
    good = storage.open_file("t.tdx").read()
    index_start = int.from_bytes(good[-24:-16], "little")
    damaged = {
        "magic": b"XXXX" + good[4:],
        "cut": good[:-5],
        "index": good[: index_start + 2] + bytes(3) + good[index_start + 5 :],
        "tiny": good[:10],
    }
    for name, data in damaged.items():
        with storage.create_file(name) as out:
            out.write(data)
        with pytest.raises(CorruptTermDict):
            TermDictReader(storage.open_file(name), storage.file_length(name))


def test_many_terms_in_an_index_answer_like_stock(tmp_path: Path) -> None:
    words = _syllable_words(2500, seed=9)
    rng = random.Random(2)
    docs = []
    for i in range(120):
        tags = " ".join(rng.sample(words, 40))
        docs.append({"id": f"d{i}", "path": "p", "title": rng.choice(words), "body": tags, "tags": tags})
    stock = _build(tmp_path / "stock", docs, W3Codec()).reader()
    ours = _build(tmp_path / "ours", docs, KavoshCodec()).reader()
    assert sum(1 for f, _ in ours.all_terms() if f == "tags") > 2000  # dozens of blocks
    _assert_same_answers(stock, ours)


def _hits(ix, fieldname: str, word: str) -> list[str]:
    with ix.searcher() as searcher:
        return sorted(hit["id"] for hit in searcher.search(Term(fieldname, word), limit=None))


def test_segments_merge_and_optimize(tmp_path: Path) -> None:
    docs = _docs()
    stock = _build(tmp_path / "stock", docs, W3Codec())
    # Three segments: the first written with a .trm, the others with .tdx; then merged into one.
    (tmp_path / "ours").mkdir()
    ix = whoosh_index.create_in(str(tmp_path / "ours"), _schema())
    writer = ix.writer(codec=TrmCodec())
    for doc in docs[:3]:
        writer.add_document(**doc)
    writer.commit()
    for batch in (docs[3:6], docs[6:]):
        writer = ix.writer(codec=KavoshCodec())
        for doc in batch:
            writer.add_document(**doc)
        writer.commit(merge=False)
    with ix.reader() as reader:
        kinds = [type(sub._terms).__name__ for sub, _ in reader.leaf_readers()]
    assert kinds == ["W3TermsReader", "TermDictTermsReader", "TermDictTermsReader"]
    for word in ["کاوش", "ایران", "زرافه", "42", "kavosh"]:
        assert _hits(ix, "body", word) == _hits(stock, "body", word), word
    ix.writer(codec=KavoshCodec()).commit(optimize=True)  # ix.optimize() would write with stock W3Codec
    with ix.reader() as reader:
        assert [type(sub._terms).__name__ for sub, _ in reader.leaf_readers()] == ["TermDictTermsReader"]
        with stock.reader() as stock_reader:
            _assert_same_answers(stock_reader, reader)


def test_incremental_update_through_index_folder(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for i, text in enumerate(SENTENCES[:5]):
        (src / f"{i}.txt").write_text(text, encoding="utf-8")
    index_folder(src, tmp_path / "idx", procs=1)
    (src / "0.txt").unlink()
    (src / "1.txt").write_text("سنجاب‌های جنگل گیلان گردو پنهان می‌کنند و کاوش ادامه دارد.", encoding="utf-8")
    (src / "extra.txt").write_text(SENTENCES[6], encoding="utf-8")
    summary = index_folder(src, tmp_path / "idx", procs=1)
    assert (summary.added, summary.updated, summary.deleted) == (1, 1, 1)
    for round_ in range(3):  # several small updates: Whoosh merges the small segments as they pile up
        (src / f"round{round_}.txt").write_text(f"دور {round_} به‌روزرسانی زرافه", encoding="utf-8")
        summary = index_folder(src, tmp_path / "idx", procs=1)
        assert summary.added == 1
    ix = store.open_generation(tmp_path / "idx").index

    def paths(word: str) -> list[str]:
        with ix.searcher() as searcher:
            return sorted(hit["path"] for hit in searcher.search(Term("body", word), limit=None))

    assert paths("سنجاب") == ["1.txt"]
    assert paths("کتابخانه") == []  # only in the deleted 0.txt
    assert paths("زرافه") == ["4.txt", "round0.txt", "round1.txt", "round2.txt"]
    assert paths("کاوش") == ["1.txt", "2.txt", "3.txt", "4.txt", "extra.txt"]
    with ix.reader() as reader:
        assert all(isinstance(sub._terms, TermDictTermsReader) for sub, _ in reader.leaf_readers())


def test_a_segment_without_its_term_dictionary_is_damaged(tmp_path: Path, monkeypatch) -> None:
    """Kavosh's codec reads only the `.tdx` (an index from before it is refused by its schema version): a
    segment whose `.tdx` is missing is reported as damage by search and `kavosh check`, never read another
    way or called a missing index."""
    src = tmp_path / "src"
    src.mkdir()
    for i, text in enumerate(SENTENCES):
        (src / f"{i}.txt").write_text(text, encoding="utf-8")
    with monkeypatch.context() as patch:
        patch.setattr(KavoshCodec, "field_writer", W3Codec.field_writer)  # writes a .trm, no .tdx,
        patch.setattr(KavoshCodec, "terms_reader", W3Codec.terms_reader)  # and reads it while building
        index_folder(src, tmp_path / "idx", procs=1)
    gen = tmp_path / "idx" / store.current_name(tmp_path / "idx")
    assert "trm" in _segment_file_sizes(gen) and "tdx" not in _segment_file_sizes(gen)
    with pytest.raises(IndexDamaged, match=r"term dictionary .* is missing"):
        SearchEngine(tmp_path / "idx").search("زرافه")
    result = CliRunner().invoke(cli, ["check", "--index", str(tmp_path / "idx")])
    assert result.exit_code == 2
    assert "the term dictionary is missing" in result.output and "damaged" in result.output


def test_term_dictionary_is_a_third_of_the_trm_file(tmp_path: Path, monkeypatch) -> None:
    """The same documents and postings: .tdx against the previous codec's .trm (issue 6)."""
    words = _syllable_words(4000, seed=4)
    rng = random.Random(8)
    docs = []
    for i in range(150):
        body = " ".join(rng.choices(words[:300], k=60) + rng.sample(words, 25))
        docs.append(
            {"id": f"d{i}", "path": f"{i}.txt", "title": " ".join(rng.sample(words, 3)), "body": body}
        )
    _build(tmp_path / "new", docs, KavoshCodec(), schema=make_schema())
    monkeypatch.setattr(KavoshCodec, "field_writer", W3Codec.field_writer)
    _build(tmp_path / "old", docs, KavoshCodec(), schema=make_schema())
    new, old = _segment_file_sizes(tmp_path / "new"), _segment_file_sizes(tmp_path / "old")
    assert new["pst"] == old["pst"]
    assert new["tdx"] * 3 <= old["trm"], f".tdx {new['tdx']} bytes against .trm {old['trm']}"
