"""Stored fields in compressed blocks: exact round trips, random access, a smaller column, clear errors on
damage, and a real Whoosh index (search, stored fields, merges) written through a throwaway codec."""

from __future__ import annotations

import pickle
import random
import threading
import tracemalloc

import pytest
from whoosh import columns
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import STORED_COLUMN, W3PerDocReader, W3PerDocWriter
from whoosh.filedb.filestore import RamStorage
from whoosh.qparser import QueryParser
from whoosh.query import Term

from indexer.storage.blockstore import (
    BLOCK_STORED_NAME,
    BlockStoredColumn,
    BlockStoredReader,
    BlockStoreError,
)
from indexer.storage.codec import CachedLengthsPerDocReader, CompactPerDocWriter, KavoshCodec
from indexer.storage.schema import make_schema

# What the codec wrote before the block column: each document pickled and zlib-compressed alone.
STORED_COLUMN_9 = columns.PickleColumn(columns.CompressedBytesColumn(level=9))
SENTENCES = [
    "باران پاییزی روی شیشه‌های کتابخانه می‌بارید و بچه‌ها کنار بخاری درس می‌خواندند.",
    "کاروان از کنار کویر گذشت و شب را در کاروانسرای کهنه‌ای به صبح رساند.",
    "مادربزرگ هر بهار گل‌های شمعدانی را در گلدان‌های سفالی حیاط می‌کاشت.",
    "دانشجویان رشته‌ی زمین‌شناسی برای نمونه‌برداری به دامنه‌ی کوه رفتند.",
    "نانوایی سر کوچه از سحر نان سنگک داغ می‌پخت و صف مشتری‌ها دراز بود.",
    "در موزه‌ی فرش، نقشه‌های قدیمی کاشان و تبریز کنار هم به نمایش درآمده بود.",
    "قطار شبانه با تأخیر به ایستگاه رسید و مسافران خسته پیاده شدند.",
    "معلم ریاضی مسئله‌ای تازه روی تخته نوشت و گفت فردا جوابش را می‌خواهد.",
]
UNICODE_EDGES = [
    "",
    "\u200c",  # a lone ZWNJ
    "کِتابِ عَرَبیِ مُشَکَّل",  # harakat
    "١٢٣ ۴۵۶ 789",  # Arabic-Indic, Persian and ASCII digits
    "\u200f\u202bجمله‌ی راست‌به‌چپ\u202c",  # bidi marks
    "emoji 🌙✨ and astral 𝔘𝔫𝔦",
    "nul\x00inside",
    "surrogate \ud800 alone",  # not valid UTF-8: pickle must still carry it
    "ـــکشیده‌ـــ",  # tatweel
]


def persian_text(rng: random.Random, sentences: int) -> str:
    return " ".join(rng.choice(SENTENCES) for _ in range(sentences))


def sample_docs(n: int, seed: int = 5) -> list[dict | None]:
    """Stored dicts like the indexer's, with empty ones, Latin, unicode edges and varied lengths."""
    rng = random.Random(seed)
    docs: list[dict | None] = []
    for i in range(n):
        kind = i % 7
        if kind == 3:
            docs.append(None if i % 2 else {})
            continue
        text = persian_text(rng, rng.randint(1, 12))
        if kind == 5:
            text = f"Plain Latin text number {i}: the quick brown fox. " * rng.randint(1, 5)
        if kind == 6:
            text = UNICODE_EDGES[i % len(UNICODE_EDGES)] + text
        docs.append(
            {
                "id": f"doc-{i}",
                "path": f"folder/part-{i // 50:04d}.jsonl",
                "title": text[:30],
                "content": text,
                "mtime": 1_700_000_000.25 + i,
                "format": "jsonl",
            }
        )
    return docs


def expected(doc: dict | None) -> dict:
    return dict(doc) if doc else {}


def write_column(column, docs: list, doccount: int | None = None, docnums: list[int] | None = None):
    """Write docs into a RAM file with `column`; return (storage, file name, doccount)."""
    storage = RamStorage()
    f = storage.create_file("col")
    writer = column.writer(f)
    docnums = list(range(len(docs))) if docnums is None else docnums
    for docnum, doc in zip(docnums, docs, strict=True):
        if doc is not None or column is not STORED_COLUMN_9:
            writer.add(docnum, doc)
    count = len(docs) if doccount is None else doccount
    writer.finish(count)
    f.close()
    return storage, "col", count


def open_column(column, storage, name: str, doccount: int):
    return column.reader(storage.open_file(name), 0, storage.file_length(name), doccount)


def build(column: BlockStoredColumn, docs: list, **kw) -> BlockStoredReader:
    storage, name, count = write_column(column, docs, **kw)
    return open_column(column, storage, name, count)


def test_round_trip_in_order_and_in_random_order_across_blocks() -> None:
    docs = sample_docs(300)
    reader = build(BlockStoredColumn(block_docs=5, cache_blocks=2), docs)
    assert len(reader._firsts) > 40  # many blocks, so the random reads cross boundaries
    assert list(reader) == [expected(d) for d in docs]
    order = list(range(len(docs)))
    random.Random(1).shuffle(order)
    for docnum in order:
        assert reader.stored_fields(docnum) == expected(docs[docnum]), docnum


@pytest.mark.parametrize("block_docs", [1, 2, 16, 1000])
def test_every_block_size_gives_the_same_documents(block_docs: int) -> None:
    docs = sample_docs(120, seed=block_docs)
    reader = build(BlockStoredColumn(block_docs=block_docs, block_bytes=4096), docs)
    assert [reader[i] for i in reversed(range(len(docs)))] == [expected(d) for d in reversed(docs)]


def test_unicode_edge_cases_and_value_types_survive() -> None:
    docs = [
        {"content": s, "title": s[::-1], "n": i, "f": i / 3, "b": s.encode("utf-8", "surrogatepass")}
        for i, s in enumerate(UNICODE_EDGES)
    ]
    reader = build(BlockStoredColumn(block_docs=4), docs)
    assert [reader[i] for i in range(len(docs))] == docs
    assert reader[7]["content"] == "surrogate \ud800 alone"


def test_documents_without_stored_fields_and_trailing_gaps_read_as_empty() -> None:
    docs = [{"id": "a"}, {"id": "b"}, {"id": "c"}]
    reader = build(BlockStoredColumn(block_docs=2), docs, doccount=10, docnums=[1, 4, 5])
    assert [reader[i] for i in range(10)] == [
        {},
        {"id": "a"},
        {},
        {},
        {"id": "b"},
        {"id": "c"},
        {},
        {},
        {},
        {},
    ]


def test_docnums_out_of_range_raise_index_error_like_the_stock_reader() -> None:
    reader = build(BlockStoredColumn(), sample_docs(10))
    with pytest.raises(IndexError):
        reader[10]
    with pytest.raises(IndexError):
        reader[-1]  # the stock array would wrap around; a negative docnum is a caller's bug
    assert build(BlockStoredColumn(), [], doccount=0)._doccount == 0


def test_docnums_must_arrive_in_order() -> None:
    storage = RamStorage()
    writer = BlockStoredColumn().writer(storage.create_file("col"))
    writer.add(3, {"id": "x"})
    with pytest.raises(ValueError, match="after docnum 3"):
        writer.add(2, {"id": "y"})


def test_the_cache_serves_repeats_and_never_returns_another_blocks_bytes() -> None:
    docs = [{"id": str(i), "content": persian_text(random.Random(i), 3)} for i in range(400)]
    reader = build(BlockStoredColumn(block_docs=4, cache_blocks=2), docs)
    reader[0]
    reader[1]  # same block: served from the cache
    assert reader.blocks_decoded == 1
    rng = random.Random(9)
    for _ in range(500):  # blocks come and go through a two-block cache
        docnum = rng.randrange(len(docs))
        assert reader[docnum] == docs[docnum]
    assert len(reader._cache) <= 2
    assert reader.blocks_decoded > 100  # evictions happened, yet no answer came from a wrong block
    # Two readers of different files with the same block numbers keep separate caches.
    other_docs = [{"id": f"other-{i}"} for i in range(64)]
    other = build(BlockStoredColumn(block_docs=4, cache_blocks=2), other_docs)
    for docnum in (0, 5, 0, 63):
        assert other[docnum] == other_docs[docnum] and reader[docnum] == docs[docnum]


@pytest.mark.parametrize("where", [0, 100, 200])
def test_a_huge_document_gets_its_own_block_and_is_not_cached(where: int) -> None:
    huge = {"id": "huge", "content": "ب" * 3_000_000}  # 6 MB of UTF-8
    rng = random.Random(where)
    docs = [{"id": str(i), "content": persian_text(rng, 3)} for i in range(200)]  # ~60 KB: a dictionary
    docs.insert(where, huge)
    column = BlockStoredColumn(block_docs=4, block_bytes=64 * 1024, cache_bytes=1024 * 1024)
    reader = build(column, docs)
    small = [d for d in (where - 1, where + 1, len(docs) - 1) if 0 <= d < len(docs) and d != where]
    tracemalloc.start()
    try:
        for docnum in small:
            assert reader[docnum] == docs[docnum]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, "reading a small document inflated the huge one"
    before = reader.blocks_decoded
    assert reader[where] == huge
    assert reader[where] == huge
    assert reader.blocks_decoded == before + 2  # bigger than cache_bytes: decoded each time, never kept
    assert [reader[i] for i in range(len(docs))] == docs


def test_blocks_are_much_smaller_than_per_document_zlib_on_the_same_data() -> None:
    docs = [d for d in sample_docs(400, seed=11) if d]
    stock_storage, name, _ = write_column(STORED_COLUMN_9, docs)
    block_storage, _, _ = write_column(BlockStoredColumn(), docs)
    stock, blocks = stock_storage.file_length(name), block_storage.file_length(name)
    # Measured 0.10 here (eight sentences repeat across documents; real text shares less: ~0.55 on qa-ir).
    assert blocks / stock < 0.2, (blocks, stock)
    stock_reader = open_column(STORED_COLUMN_9, stock_storage, name, len(docs))
    assert [stock_reader[i] for i in range(len(docs))] == [
        open_column(BlockStoredColumn(), block_storage, name, len(docs))[i] for i in range(len(docs))
    ]


def damaged(data: bytes) -> BlockStoredReader:
    storage = RamStorage()
    with storage.create_file("col") as f:
        f.write(data)
    return open_column(BlockStoredColumn(), storage, "col", 200)


@pytest.fixture(scope="module")
def good_bytes() -> bytes:
    storage, name, _ = write_column(BlockStoredColumn(block_docs=8), sample_docs(200))
    return storage.open_file(name).read()


def test_truncated_or_foreign_files_give_a_clear_error(good_bytes: bytes) -> None:
    for data in (
        good_bytes[:-1],
        good_bytes[: len(good_bytes) // 2],
        b"",
        b"KBS1",
        pickle.dumps({"x": 1}) * 9,
    ):
        with pytest.raises(BlockStoreError, match=r"damaged.*rebuild the index"):
            damaged(data)


def test_a_damaged_index_or_block_gives_a_clear_error(good_bytes: bytes) -> None:
    reader = damaged(good_bytes)
    index_pos = reader._offsets[-1]
    bad_index = bytearray(good_bytes)
    bad_index[index_pos + 3] ^= 0xFF
    with pytest.raises(BlockStoreError, match="checksum"):
        damaged(bytes(bad_index))
    bad_block = bytearray(good_bytes)
    bad_block[reader._offsets[2] + 20] ^= 0xFF  # inside block 2's compressed bytes
    reader = damaged(bytes(bad_block))
    assert reader[0] == expected(sample_docs(200)[0])  # other blocks still read
    with pytest.raises(BlockStoreError, match="block 2"):
        for docnum in range(reader._firsts[2], reader._firsts[3]):
            reader[docnum]


def test_a_segment_with_another_document_count_is_refused(good_bytes: bytes) -> None:
    storage = RamStorage()
    with storage.create_file("col") as f:
        f.write(good_bytes)
    with pytest.raises(BlockStoreError, match="holds 200 documents, the segment 201"):
        open_column(BlockStoredColumn(), storage, "col", 201)


# A throwaway codec wiring the block column into Kavosh's codec, as indexer/storage/codec.py would.


class BlockPerDocWriter(CompactPerDocWriter):
    def _create_column(self, fieldname, column):
        if fieldname == "_stored" and column is STORED_COLUMN:
            self._colwriters["_stored"] = BlockStoredColumn().writer(
                self._cols.create_file(BLOCK_STORED_NAME)
            )
            return
        super()._create_column(fieldname, column)


class BlockPerDocReader(CachedLengthsPerDocReader):
    def stored_fields(self, docnum):
        reader = self._cached_reader(BLOCK_STORED_NAME, BlockStoredColumn())
        if reader is None:  # a segment written before the block column (Kavosh's codec calls that damage)
            return W3PerDocReader.stored_fields(self, docnum)
        return reader[docnum]


class OldPerDocWriter(CompactPerDocWriter):
    """Writes the per-document `_stored` column whatever indexer.storage.codec does now: an index from
    before."""

    def _create_column(self, fieldname, column):
        if fieldname == "_stored" and column is STORED_COLUMN:
            column = STORED_COLUMN_9
        W3PerDocWriter._create_column(self, fieldname, column)


class OldCodec(KavoshCodec):
    def per_document_writer(self, storage, segment):
        return OldPerDocWriter(self, storage, segment)

    def per_document_reader(self, storage, segment):
        return BlockPerDocReader(storage, segment)


class BlockCodec(KavoshCodec):
    def per_document_writer(self, storage, segment):
        return BlockPerDocWriter(self, storage, segment)

    def per_document_reader(self, storage, segment):
        return BlockPerDocReader(storage, segment)


def add_docs(writer, docs: list[dict]) -> None:
    for d in docs:
        writer.add_document(**d)


def index_docs(start: int, n: int) -> list[dict]:
    rng = random.Random(start)
    out = []
    for i in range(start, start + n):
        text = persian_text(rng, rng.randint(2, 8)) + f" شناسه{i}"
        out.append(
            {
                "id": f"d{i}",
                "path": f"p/{i}.txt",
                "title": SENTENCES[i % 8][:20],
                "body": text,
                "content": text,
                "mtime": float(i),
                "format": "txt",
            }
        )
    return out


def stored_of(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "body"}


def test_a_whoosh_index_written_with_blocks_searches_and_merges(tmp_path) -> None:
    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    first, second = index_docs(0, 40), index_docs(40, 30)
    for docs in (first, second):
        writer = ix.writer(codec=BlockCodec())
        add_docs(writer, docs)
        writer.commit(merge=False)
    everything = {d["id"]: d for d in first + second}
    with ix.searcher() as searcher:
        assert len(ix._segments()) == 2
        for reader, _ in searcher.reader().leaf_readers():
            assert reader._perdoc.has_column(BLOCK_STORED_NAME) and not reader._perdoc.has_column("_stored")
        hits = searcher.search(QueryParser("body", ix.schema).parse("شناسه55"))
        assert [h["id"] for h in hits] == ["d55"]
        assert hits[0].fields() == stored_of(everything["d55"])
        assert {f["id"]: f for f in searcher.documents()} == {k: stored_of(v) for k, v in everything.items()}
    writer = ix.writer(codec=BlockCodec())
    writer.delete_by_term("id", "d3")
    writer.commit(optimize=True)  # merges both segments into one, dropping the deleted document
    del everything["d3"]
    with ix.searcher() as searcher:
        assert len(ix._segments()) == 1
        assert searcher.doc_count_all() == len(everything)
        assert {f["id"]: f for f in searcher.documents()} == {k: stored_of(v) for k, v in everything.items()}
        hits = searcher.search(QueryParser("body", ix.schema).parse("شناسه61"))
        assert hits[0].fields() == stored_of(everything["d61"])
        assert len(hits) == 1 and not list(searcher.search(Term("id", "d3")))


def test_segments_written_before_the_block_column_still_read(tmp_path) -> None:
    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    old, new = index_docs(0, 12), index_docs(12, 12)
    writer = ix.writer(codec=OldCodec())
    add_docs(writer, old)
    writer.commit()
    writer = ix.writer(codec=BlockCodec())
    add_docs(writer, new)
    writer.commit(merge=False)
    # Read every segment through the block reader, as an upgraded codec would.
    layouts = []
    for segment in ix._segments():
        storage = segment.open_compound_file(ix.storage) if segment.is_compound() else ix.storage
        perdoc = BlockPerDocReader(storage, segment)
        layouts.append((perdoc.has_column("_stored"), perdoc.has_column(BLOCK_STORED_NAME)))
        ids = {perdoc.stored_fields(n)["id"] for n in range(segment.doc_count_all())}
        assert ids in ({d["id"] for d in old}, {d["id"] for d in new})
        perdoc.close()
    assert sorted(layouts) == [(False, True), (True, False)]  # one old segment, one with blocks


def test_old_and_new_segments_merge_into_one_block_segment(tmp_path) -> None:
    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    old, new = index_docs(0, 15), index_docs(15, 15)
    writer = ix.writer(codec=OldCodec())
    add_docs(writer, old)
    writer.commit()
    writer = ix.writer(codec=BlockCodec())
    add_docs(writer, new)
    writer.commit(optimize=True)
    (segment,) = ix._segments()
    storage = segment.open_compound_file(ix.storage) if segment.is_compound() else ix.storage
    perdoc = BlockPerDocReader(storage, segment)
    assert perdoc.has_column(BLOCK_STORED_NAME) and not perdoc.has_column("_stored")
    merged = {f["id"]: f for f in (perdoc.stored_fields(n) for n in range(segment.doc_count_all()))}
    assert merged == {d["id"]: stored_of(d) for d in old + new}
    perdoc.close()


@pytest.mark.parametrize("level", [0, 9])
def test_incompressible_blocks_are_stored_raw_and_read_back(level: int) -> None:
    rng = random.Random(level)
    docs = [{"id": str(i), "blob": rng.randbytes(rng.randint(1, 3000))} for i in range(120)]
    column = BlockStoredColumn(level=level)
    storage, name, count = write_column(column, docs)
    reader = open_column(column, storage, name, count)
    assert [reader[i] for i in reversed(range(count))] == docs[::-1]
    # Random bytes do not compress: the file is the pickles plus a small index, not zlib's overhead on top.
    assert storage.file_length(name) < sum(len(pickle.dumps(d, 3)) for d in docs) + 2000


def test_threads_sharing_one_reader_get_their_own_documents() -> None:
    docs = sample_docs(400, seed=21)
    reader = build(BlockStoredColumn(cache_blocks=2), docs)
    wrong: list[int] = []

    def read(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(400):
            docnum = rng.randrange(len(docs))
            if reader[docnum] != expected(docs[docnum]):
                wrong.append(docnum)

    threads = [threading.Thread(target=read, args=(seed,)) for seed in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []
