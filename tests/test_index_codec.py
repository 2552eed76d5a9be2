"""The compact codec and position format answer exactly like stock Whoosh, in a smaller index."""

from __future__ import annotations

import random
from array import array
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader
from whoosh.query import And, Or, Phrase, Term

from indexer.storage.codec import CachedLengthsPerDocReader, KavoshCodec
from indexer.storage.schema import CompactPositions, make_schema

VOCAB = (
    "ایران تاریخ کتاب دانش شهر سفر آب کوه دریا باران خورشید ماه ستاره درخت باغ گل نان چای "
    "مدرسه دانشگاه پژوهش زبان شعر موسیقی فرش کاشی بازار کاروان جاده پل رود دشت کویر جنگل"
).split()


def rare(i: int) -> str:
    """A word only document i has (letters only, so every analyzer keeps it whole)."""
    return "نادر" + "".join("بپتثجچحخدذ"[int(d)] for d in str(i))


def corpus(n: int, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    weights = [1 / (rank + 1) for rank in range(len(VOCAB))]  # Zipf-like: a few words are everywhere
    docs = []
    for i in range(n):
        words = [*rng.choices(VOCAB, weights, k=rng.randint(3, 100)), rare(i)]
        docs.append({"id": str(i), "title": " ".join(words[:3]), "body": " ".join(words)})
    return docs


def build(folder: Path, docs: list[dict], codec) -> whoosh_index.Index:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), make_schema())
    writer = ix.writer(codec=codec)
    for d in docs:
        writer.add_document(id=d["id"], path="p", title=d["title"], body=d["body"], content=d["body"])
    writer.commit()
    return ix


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir())


def test_compact_codec_gives_identical_results_and_is_smaller(tmp_path: Path) -> None:
    docs = corpus(300)
    stock = build(tmp_path / "stock", docs, W3Codec())
    compact = build(tmp_path / "compact", docs, KavoshCodec())
    queries = [Term("body", w) for w in VOCAB[:12]] + [Term("body", rare(7)), Term("title", VOCAB[0])]
    queries += [Phrase("body", [VOCAB[0], VOCAB[1]]), Phrase("body", [VOCAB[2], VOCAB[0], VOCAB[1]])]
    queries += [
        And([Term("body", VOCAB[3]), Term("body", VOCAB[9])]),
        Or([Term("body", rare(1)), Term("body", "x")]),
    ]
    with stock.searcher() as a, compact.searcher() as b:
        for q in queries:
            ra = [(h["id"], round(h.score, 6)) for h in a.search(q, limit=None)]
            rb = [(h["id"], round(h.score, 6)) for h in b.search(q, limit=None)]
            assert ra == rb, q
        assert any(len(a.search(q, limit=None)) > 130 for q in queries)  # long lists span several blocks
        assert a.doc_frequency("body", rare(5)) == b.doc_frequency("body", rare(5)) == 1
    assert folder_size(tmp_path / "compact") < 0.8 * folder_size(tmp_path / "stock")


def test_compact_positions_round_trip() -> None:
    fmt = CompactPositions()
    # The layout read by every existing index: a width code, then the deltas as native unsigned ints.
    assert fmt.encode([3, 4, 9]) == b"\x00\x03\x01\x05"
    assert fmt.encode([1, 300]) == b"\x01" + array("H", [1, 299]).tobytes()
    assert fmt.encode([0, 70_000]) == b"\x02" + array("I", [0, 70_000]).tobytes()
    assert fmt.encode([]) == b"\x00"
    for positions in ([0], [3, 4, 9], [1, 300, 70_000, 70_001], list(range(0, 5000, 7))):
        value = fmt.encode(positions)
        assert fmt.decode_positions(value) == positions
        assert fmt.decode_frequency(value) == len(positions)
        assert fmt.decode_position_boosts(value) == [(p, 1) for p in positions]


def test_segments_written_by_the_codec_merge(tmp_path: Path) -> None:
    docs = corpus(90)
    ix = build(tmp_path / "ix", docs[:30], KavoshCodec())
    for chunk in (docs[30:60], docs[60:]):
        writer = ix.writer(codec=KavoshCodec())
        for d in chunk:
            writer.add_document(id=d["id"], path="p", title=d["title"], body=d["body"], content=d["body"])
        writer.commit(merge=False)
    assert len(ix._segments()) == 3
    with ix.searcher() as searcher:
        before = sorted(h["id"] for h in searcher.search(Term("body", VOCAB[4]), limit=None))
    writer = ix.writer(codec=KavoshCodec())
    writer.delete_by_term("id", "5")
    writer.commit(optimize=True)  # merges every segment, reading inlined ID postings back
    assert len(ix._segments()) == 1
    with ix.searcher() as searcher:
        assert sorted(h["id"] for h in searcher.search(Term("body", VOCAB[4]), limit=None)) == [
            i for i in before if i != "5"
        ]
        assert searcher.document(id="40")["id"] == "40"
        assert searcher.document(id="5") is None


def test_cached_field_lengths_answer_like_the_stock_reader(tmp_path: Path) -> None:
    docs = corpus(120)
    for d in docs[::7]:
        d["title"] = ""  # documents without a title: no length byte, the stock reader answers None
    ix = build(tmp_path / "ix", docs, KavoshCodec())
    with ix.reader() as reader:
        cached = reader._perdoc  # the segment reader opens the segment's (compound) files with our codec
        stock = W3PerDocReader(reader._storage, reader.segment())
        assert isinstance(cached, CachedLengthsPerDocReader)
        lengths = {}
        for fieldname in ("title", "body", "nonexistent"):
            lengths[fieldname] = [stock.doc_field_length(n, fieldname) for n in range(len(docs) + 1)]
            assert [cached.doc_field_length(n, fieldname) for n in range(len(docs) + 1)] == lengths[fieldname]
        stock.close()
    assert all(length > 3 for length in lengths["body"][:-1])  # the real lengths were compared
    assert lengths["title"][0] is None and lengths["title"][1] == 3
    assert set(lengths["nonexistent"]) == {0}
