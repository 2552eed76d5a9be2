"""Kavosh's posting pool and writers (indexer.storage.pool, indexer.storage.writer) write what Whoosh's writer
writes: the same segment bytes with or without spilled runs, the same answers from every kind of build.

The documents are drawn by a seeded random generator from a word list written here; some bodies are long
enough that positions pass 255 and posting lists pass a block (128 documents).
"""

from __future__ import annotations

import json
import random
import threading
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.filedb.filestore import FileStorage

import indexer.build
import indexer.storage.pool
import indexer.storage.pooling
from analyzers import PersianAnalyzer, native
from indexer.build import index_folder
from indexer.errors import WriteFailed
from indexer.sources import first_line
from indexer.storage.codec import KavoshCodec
from indexer.storage.generations import open_generation
from indexer.storage.pool import OutOfOrderPosting, PostingPool
from indexer.storage.schema import CompactPositions, make_schema
from indexer.storage.writer import KavoshWriter
from search_ui.engines.folder import SearchEngine

WORDS = (
    "کوهستان رودخانه آبشار چشمه دره جاده روستا کشاورز گندمزار شالیزار باغبان انگور خرما پسته زعفران "
    "قالی سفال کاشی مسجد کاروانسرا آب‌انبار قنات بادگیر حمام بازارچه نانوایی قهوه‌خانه کتابفروشی "
    "دانشجو استاد کلاس آزمایشگاه میکروسکوپ ستاره‌شناس تلسکوپ سیاره ماهواره موشک فضانورد "
    "می‌رود می‌آید نوشت خواند ساختند دیدیم شنیدند بزرگ کوچک قدیمی تازه زیبا گرم سرد"
).split()
QUERIES = ["کوهستان", "قنات بادگیر", '"دره جاده"', "ستاره‌شناس تلسکوپ", "کاشی -مسجد", "روستا*"]


def _draw(rng: random.Random, n: int) -> str:
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(WORDS))]
    return " ".join(rng.choices(WORDS, weights=weights, k=n))


def _records(n: int, seed: int = 1404, prefix: str = "r") -> list[dict]:
    rng = random.Random(seed)
    return [
        {
            "id": f"{prefix}{i:04d}",
            "title": _draw(rng, rng.randint(1, 4)),
            "text": _draw(rng, rng.choice((8, 40, 120, 400))),
        }
        for i in range(n)
    ]


def _fields(record: dict, n: int) -> dict:
    return {
        "id": record["id"],
        "path": f"part{n % 3}/docs.jsonl",
        "title": record["title"],
        "body": record["text"],
        "content": record["text"],
        "mtime": 1_700_000_000.0,
        "format": "jsonl",
        "folder": f"part{n % 3}",
        "date": 1_700_000_000 + n % 5,
    }


def _term(word: str) -> str:
    (token,) = PersianAnalyzer()(word, mode="index")
    return token.text


def _segment_files(path: Path) -> dict[str, bytes]:
    """Every file of the index's one segment by its kind (inside the compound file)."""
    ix = whoosh_index.open_dir(str(path))
    (segment,) = ix._segments()
    storage = segment.open_compound_file(ix.storage) if segment.is_compound() else ix.storage
    files = {}
    for name in storage.list():
        handle = storage.open_file(name)
        files[name.split(".", 1)[1]] = handle.read()
        handle.close()
    return files


def _write(path: Path, make_writer, docs: list[dict], schema=make_schema) -> int:
    """Write the documents (their fields) into a new index of `schema()` with a writer of `make_writer(ix)`;
    return the runs its pool spilled."""
    path.mkdir()
    ix = whoosh_index.create_in(str(path), schema())
    writer = make_writer(ix)
    for doc in docs:
        writer.add_document(**doc)
    runs = len(getattr(writer.pool, "runs", ()))
    writer.commit()
    return runs


def _written_alike(tmp_path: Path, docs: list[dict], schema, limitmb: float) -> tuple[int, dict[str, bytes]]:
    """Write the documents with Whoosh's writer (its pickling pool, a posting at a time), Kavosh's in memory
    and Kavosh's spilling past `limitmb`, and check the last two wrote Whoosh's segment byte for byte;
    return the runs the spilling one wrote and Whoosh's segment files."""
    _write(tmp_path / "whoosh", lambda ix: ix.writer(codec=KavoshCodec()), docs, schema)
    assert _write(tmp_path / "memory", lambda ix: KavoshWriter(ix, codec=KavoshCodec()), docs, schema) == 0
    spilled = _write(
        tmp_path / "spilled", lambda ix: KavoshWriter(ix, codec=KavoshCodec(), limitmb=limitmb), docs, schema
    )
    reference = _segment_files(tmp_path / "whoosh")
    for name in ("memory", "spilled"):
        assert _segment_files(tmp_path / name) == reference, name
    return spilled, reference


@pytest.fixture(params=["c", "python"])
def pooling_way(request, monkeypatch) -> str:
    """A text field's term list pooled by the C twin or by the Python reference (indexer.storage.pooling):
    the segments below are written alike either way. (tests/test_pooling.py fails when the C is not built.)"""
    if request.param == "python":
        monkeypatch.setattr(indexer.storage.pooling, "_native", None)
    elif indexer.storage.pooling._native is None:
        pytest.skip("the C twin is not built" + (" (pure Python asked for)" if native.pure_python() else ""))
    return request.param


def _documents(records: list[dict]) -> list[dict]:
    return [_fields(record, n) for n, record in enumerate(records)]


def test_a_build_that_spills_writes_the_bytes_of_whooshs_own_writer(tmp_path: Path, pooling_way) -> None:
    """Whoosh's SegmentWriter, Kavosh's writer in memory and Kavosh's writer spilling a run every few
    documents write byte for byte the same segment."""
    spilled, reference = _written_alike(tmp_path, _documents(_records(300)), make_schema, limitmb=0.2)
    assert spilled >= 5
    assert {"pst", "tdx", "_stored_blk.col", "_body_len.col", "date.col"} <= set(reference)
    assert not list((tmp_path / "spilled").glob("*.tmp")), "the runs' temporary folder is left behind"


# Posting-list lengths around the limits of the codec: inlined (1-4), the first in a block (5), one block
# short of full, full and one over (127-129), two full blocks and a partial third (256, 300).
COUNTS = (1, 2, 3, 4, 5, 6, 127, 128, 129, 256, 300)


def test_a_title_read_from_its_body_is_written_as_whoosh_writes_it_analyzed_alone(
    tmp_path: Path, pooling_way
) -> None:
    """A title that opens its body (the first line standing in for a missing title, cut at a word's end,
    or a title the text repeats) is read from the body's analysis (writer.LEADS): the segment is byte for
    byte what Whoosh's writer writes analyzing the title on its own, also where the title's last word is
    joined in the body to the next (دانش | آموزان، روزنامه | ها, می | خوانند) or cut inside a word."""
    records = _records(200, seed=11)
    openers = ["دانش آموزان", "روزنامه ها", "کتاب خانه", "می خوانند", "اینکار", "قنات"]
    for n, record in enumerate(records):
        body = record["text"]
        if n % 4 == 0:
            record["title"] = first_line(body)
        elif n % 4 == 1:
            lead = f"{openers[n % len(openers)]} {body}"
            record["text"] = f"  \n{lead}"
            record["title"] = lead[: len(openers[n % len(openers)]) - 3]  # a cut inside the last word
        elif n % 4 == 2:
            record["text"] = f"{openers[n % len(openers)]} {body}"
            record["title"] = openers[n % len(openers)].split()[0]  # before the word it joins
    _write(tmp_path / "whoosh", lambda ix: ix.writer(codec=KavoshCodec()), _documents(records))
    _write(tmp_path / "kavosh", lambda ix: KavoshWriter(ix, codec=KavoshCodec()), _documents(records))
    assert _segment_files(tmp_path / "kavosh") == _segment_files(tmp_path / "whoosh")


def _count_schema() -> Schema:
    body = TEXT(analyzer=PersianAnalyzer(), phrase=True)
    body.format = CompactPositions(field_boost=body.format.field_boost)
    return Schema(
        id=ID(stored=True, unique=True),  # one posting a term: inlined, no values
        kind=ID(),  # no values, no lengths: 5, 128 and 167 postings
        tags=KEYWORD(scorable=True),  # Frequency: values of a fixed size, joined in a block
        body=body,  # positions, weights from frequencies and boosts
        num=NUMERIC(numtype=int, bits=32, signed=False, stored=True),  # several terms a value
    )


def _count_documents() -> list[dict]:
    """300 documents where the word or tag numbered k is in the first k of them (more than once in some),
    a tenth boosted by 0.1 (weights no 32-bit float holds exactly) and a tenth by 1.5."""
    docs = []
    for n in range(300):
        held = [k for k in COUNTS if n < k]
        doc = {
            "id": f"d{n:03d}",
            "kind": "a" if n < 5 else "b" if n < 133 else "c",
            "tags": " ".join(f"t{k}" for k in held),
            "body": " ".join(" ".join([WORDS[i]] * (1 + (n + i) % 3)) for i in range(len(held))),
            "num": n * 7919,
        }
        if n % 10 == 3:
            doc["_boost"] = 0.1
        elif n % 10 == 7:
            doc["_boost"] = 1.5
        docs.append(doc)
    return docs


def _term_statistics(path: Path) -> dict[str, list[tuple[int, float, bool]]]:
    """(documents, total weight, inlined?) of every term, by field."""
    ix = whoosh_index.open_dir(str(path))
    found: dict[str, list[tuple[int, float, bool]]] = {}
    with ix.reader() as reader:
        for fieldname, text in reader.all_terms():
            info = reader.term_info(fieldname, text)
            found.setdefault(fieldname, []).append((info.doc_frequency(), info.weight(), info.is_inlined()))
    return found


def test_every_kind_of_posting_list_is_written_as_whooshs_writer_writes_it(
    tmp_path: Path, pooling_way
) -> None:
    """Terms with 1 to 4 postings (inlined), exactly 5, one block, one block and one posting, several
    blocks; whole and fractional weights; fields without values (ID, NUMERIC), with values of one size
    (KEYWORD) and of any size (positions); with and without field lengths: Whoosh's writer (a posting at a
    time), Kavosh's in memory and Kavosh's spilling runs write the same bytes."""
    spilled, _reference = _written_alike(tmp_path, _count_documents(), _count_schema, limitmb=0.02)
    assert spilled >= 3

    terms = _term_statistics(tmp_path / "memory")
    for fieldname in ("tags", "body"):
        counts = {df for df, _, _ in terms[fieldname]}
        assert set(COUNTS) <= counts, fieldname
    assert {df for df, _, _ in terms["kind"]} == {5, 128, 167}
    assert any(inlined for _, _, inlined in terms["id"]) and len(terms["id"]) == 300
    assert len(terms["num"]) > 300  # a NUMERIC value is indexed at several precisions
    assert any(not float(weight).is_integer() for _, weight, _ in terms["body"])


def test_long_posting_lists_and_far_positions_are_in_the_sample() -> None:
    """The comparison above crosses a block of postings and one-byte positions (else it proves less)."""
    records = _records(300)
    assert max(len(r["text"].split()) for r in records) > 256
    assert sum(WORDS[0] in r["text"].split() for r in records) > 128


def test_a_document_that_fails_leaves_nothing_behind(tmp_path: Path) -> None:
    """A field that cannot be indexed fails its document before any of its postings is pooled: the next
    document does not inherit them (Whoosh's writer pooled the fields before the failing one)."""
    path = tmp_path / "ix"
    path.mkdir()
    ix = whoosh_index.create_in(str(path), make_schema())
    writer = KavoshWriter(ix, codec=KavoshCodec())
    writer.add_document(id="a", path="a.txt", title="چشمه", body="آبشار بلند")
    with pytest.raises(ValueError):  # `title` is sorted after `body`: the body was analyzed already
        writer.add_document(id="b", path="b.txt", body="زرافه در دشت", title=42)
    writer.add_document(id="c", path="c.txt", title="قنات", body="آبشار کوچک")
    writer.commit()
    with whoosh_index.open_dir(str(path)).searcher() as searcher:
        assert searcher.doc_count() == 2
        assert not searcher.reader().doc_frequency("body", _term("زرافه"))
        assert searcher.reader().doc_frequency("body", _term("آبشار")) == 2
        assert [searcher.stored_fields(n)["id"] for n in range(2)] == ["a", "c"]


def test_a_term_utf8_cannot_hold_fails_its_document_and_is_taken_back_with_it() -> None:
    """A document holding an unpaired surrogate fails as its terms are pooled, with a message that says
    why, and taking it back leaves the pool as before, also in a field whose terms are held as bytes (one
    whose first postings came from a merged segment)."""
    pool = PostingPool(None)
    pool.add(("body", "کتاب".encode(), 0, 1.0, b""))
    items = [("قلم", 1, 1.0, b"x"), ("a\ud800", 1, 1.0, b"y")]
    with pytest.raises(ValueError, match=r"field 'body' holds an unpaired surrogate \(U\+D800\)"):
        pool.add_terms("body", 1, items, 1.0)
    pool.remove_document("body", 1, items)
    assert [(term, postings) for _field, term, postings in pool.iter_terms()] == [
        ("کتاب".encode(), [0, 1.0, b""])
    ]


def test_remove_document_takes_back_only_that_document(tmp_path: Path) -> None:
    pool = PostingPool(None)
    pool.add_terms("body", 0, [(b"x", 1, 1.0, b"\x00\x01"), (b"y", 2, 2.0, b"\x00\x01\x02")], 1.0)
    items = [("x", 1, 1.0, b"\x00\x05"), ("z", 1, 1.0, b"\x00\x03")]  # str terms are encoded
    pool.add_terms("body", 1, items, 1.0)
    pool.remove_document("body", 1, items)
    assert list(pool.iter_postings()) == [
        ("body", b"x", 0, 1.0, b"\x00\x01"),
        ("body", b"y", 0, 2.0, b"\x00\x01\x02"),
    ]


@pytest.mark.parametrize("batch", [1, 2, 65536])
def test_a_pool_that_spills_gives_the_terms_of_one_that_does_not(tmp_path: Path, monkeypatch, batch) -> None:
    """Runs written in batches of `batch` postings (one term a batch at 1), merged with what is still held:
    every term once, in (field, term) order, its postings from every run joined in document order."""
    monkeypatch.setattr(indexer.storage.pool, "RUN_BATCH_POSTINGS", batch)
    rng = random.Random(batch)
    held, spilled = PostingPool(None), PostingPool(FileStorage(str(tmp_path)))
    for docnum in range(120):
        for fieldname in ("body", "title", "tags"):
            words = sorted({rng.choice(WORDS[:30]) for _ in range(rng.randint(1, 6))})
            items = [(w, 1, float(rng.randint(1, 3)), bytes((0, docnum % 256))) for w in words]
            held.add_terms(fieldname, docnum, items, 1.0)
            spilled.add_terms(fieldname, docnum, items, 1.0)
        if docnum % 25 == 24:
            spilled.spill()
    assert len(spilled.runs) == 4
    expected = list(held.iter_terms())
    assert list(spilled.iter_terms()) == expected
    # terms held by the first run and by memory (so by the runs between)
    assert any(postings[0] < 25 and postings[-3] >= 100 for _, _, postings in expected)
    assert list(spilled.iter_terms()) == expected, "the runs can be read again"


def test_postings_out_of_document_order_are_refused() -> None:
    """A term's list must stay in document order (the pool never sorts postings): one out of order is an
    error, never a silently wrong index."""
    pool = PostingPool(None)
    pool.add(("body", b"x", 5, 1.0, b""))
    pool.add(("body", b"x", 7, 1.0, b""))
    pool.add(("body", b"y", 2, 1.0, b""))
    with pytest.raises(OutOfOrderPosting):
        pool.add(("body", b"x", 6, 1.0, b""))


def _answers(index: Path) -> dict[str, dict[str, float]]:
    engine = SearchEngine(index)
    out = {}
    for query in QUERIES:
        result = engine.search(query, limit=100)
        assert result["total"] <= 100, "a query must match few enough documents to compare every hit"
        out[query] = {hit["id"]: hit["score"] for hit in result["hits"]}
    return out


def _same_answers(got: dict, expected: dict) -> None:
    assert got.keys() == expected.keys()
    for query, hits in expected.items():
        assert got[query].keys() == hits.keys(), query
        for doc_id, score in hits.items():  # shown to 4 places: sums over segments may round apart
            assert got[query][doc_id] == pytest.approx(score, abs=1.5e-4), (query, doc_id)


def _folder(root: Path, records: list[dict], files: int = 4) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for k in range(files):
        part = records[k::files]
        lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part)
        (root / f"part{k}.jsonl").write_text(lines, encoding="utf-8")
    return root


@pytest.mark.parametrize("procs", [1, 2])
def test_builds_that_spill_answer_as_one_that_does_not(tmp_path: Path, monkeypatch, procs: int) -> None:
    """`kavosh index` with a tiny writer limit (every worker spilling runs), one and two processes, a full
    build then an incremental one, answers every query with the same documents and scores as the same
    builds held in memory."""
    folder = _folder(tmp_path / "docs", _records(90, seed=7))

    def build(name: str, limit: float, nprocs: int):
        monkeypatch.setattr(indexer.build, "WRITER_LIMIT_MB", limit)
        return index_folder(folder, tmp_path / name, procs=nprocs)

    spills = []
    real_spill = PostingPool.spill
    monkeypatch.setattr(PostingPool, "spill", lambda pool: spills.append(1) or real_spill(pool))
    build("memory", 128, 1)
    assert not spills
    build("spilled", 0.05, procs)
    if procs == 1:  # (two processes spill in the workers, out of sight here)
        assert len(spills) >= 3
    expected = _answers(tmp_path / "memory")
    assert all(expected.values()), "every query should match something"
    _same_answers(_answers(tmp_path / "spilled"), expected)

    changed = _records(30, seed=8, prefix="s")
    (folder / "part1.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in changed), encoding="utf-8"
    )
    build("memory", 128, 1)
    summary = build("spilled", 0.05, procs)
    assert summary.added and summary.deleted and not summary.rebuilt
    _same_answers(_answers(tmp_path / "spilled"), _answers(tmp_path / "memory"))


def _break_analysis(monkeypatch, marker: str, reason: str) -> None:
    """Make the analysis of a body holding `marker` fail, whichever way the writer reads it (on its own,
    or with a title that opens it)."""
    real_terms, real_together = KavoshWriter._terms, KavoshWriter._read_with_lead

    def terms(self, name, field, value):
        if name == "body" and marker in value:
            raise RuntimeError(reason)
        return real_terms(self, name, field, value)

    def together(self, schema, fields):
        if marker in (fields.get("body") or ""):
            raise RuntimeError(reason)
        return real_together(self, schema, fields)

    monkeypatch.setattr(KavoshWriter, "_terms", terms)
    monkeypatch.setattr(KavoshWriter, "_read_with_lead", together)


def test_a_document_failing_in_a_worker_loses_only_itself(tmp_path: Path, monkeypatch, caplog) -> None:
    """Two processes: a document whose analysis fails inside a worker is logged with its id and file, and
    every other document of that worker's segment is indexed (Whoosh's worker died with the exception and
    its segment was lost without a word)."""
    _break_analysis(monkeypatch, "ناشدنی", "the analyzer broke")  # the workers are forked: they inherit it
    records = _records(400, seed=3)
    records[123]["text"] += " ناشدنی"
    folder = _folder(tmp_path / "docs", records)
    skipped = []
    with caplog.at_level("WARNING", logger="kavosh.indexer"):
        summary = index_folder(folder, tmp_path / "ix", procs=2, on_skip=skipped.append)
    assert "document 'r0123' of 'part3.jsonl' could not be indexed (RuntimeError: the analyzer broke)" in (
        caplog.text
    )
    engine = SearchEngine(tmp_path / "ix")
    assert engine.health()["documents"] == len(records) - 1
    # counted and reported like a document failing in this process, and not in the manifest's ids
    assert summary.skipped == {"failed": 1} and summary.added == len(records) - 1
    assert [s.relpath for s in skipped] == ["part3.jsonl (id r0123)"]
    files = open_generation(tmp_path / "ix").meta["files"]
    assert "r0123" not in files["part3.jsonl"]["ids"]
    assert files["part3.jsonl"]["skips"] == [["part3.jsonl (id r0123)", "failed", skipped[0].detail]]


def test_many_documents_failing_in_workers_are_all_counted(tmp_path: Path, monkeypatch) -> None:
    """More failures than a pipe holds (~64 KB: 600 reports of ~300 bytes): the workers still end, and every
    failing document is counted once (a worker blocked on a full pipe while the parent waited for it to
    end would hang the run)."""
    _break_analysis(monkeypatch, "ناشدنی", "the analyzer broke on this document " * 8)
    records = _records(900, seed=5)
    for record in records[::3][:300] + records[1::3][:300]:
        record["text"] += " ناشدنی"
    failing_ids = {r["id"] for r in records if "ناشدنی" in r["text"]}
    folder = _folder(tmp_path / "docs", records)
    result: list = []
    run = threading.Thread(target=lambda: result.append(index_folder(folder, tmp_path / "ix", procs=2)))
    run.start()
    run.join(timeout=120)
    assert not run.is_alive(), "the build hung on the workers' failure reports"
    (summary,) = result
    assert len(failing_ids) == 600
    assert summary.skipped == {"failed": 600} and summary.added == len(records) - 600
    assert SearchEngine(tmp_path / "ix").health()["documents"] == len(records) - 600


@pytest.mark.parametrize("procs", [1, 2])
def test_a_record_that_cannot_be_written_is_skipped_alone(tmp_path: Path, procs: int) -> None:
    """A record whose id holds an unpaired surrogate (JSON lets one be written, "\\ud800"; UTF-8 has no form
    for it) fails before anything of it is added: that record is counted and left out, the records after
    it in the same file are indexed (one bad record used to end its file, and left the writer's columns a
    document ahead, which crashed the run at its end)."""
    records = _records(240, seed=8)
    records[41]["id"] = "r\ud800"
    folder = tmp_path / "docs"
    folder.mkdir()
    for k in range(2):
        lines = "".join(json.dumps(r) + "\n" for r in records[k::2])  # ASCII JSON: the surrogate escaped
        (folder / f"part{k}.jsonl").write_text(lines, encoding="utf-8")
    skipped = []
    summary = index_folder(folder, tmp_path / "ix", procs=procs, on_skip=skipped.append)
    assert summary.added == len(records) - 1 and summary.skipped == {"failed": 1}
    assert [s.relpath for s in skipped] == ["part1.jsonl (id r\\ud800)"]
    assert "unpaired surrogate (U+D800)" in skipped[0].detail
    engine = SearchEngine(tmp_path / "ix")
    assert engine.health()["documents"] == len(records) - 1
    files = open_generation(tmp_path / "ix").meta["files"]
    assert records[43]["id"] in files["part1.jsonl"]["ids"]  # a record after the bad one in its file


def test_a_worker_that_fails_writing_its_segment_fails_the_run(tmp_path: Path, monkeypatch) -> None:
    """Whoosh's multi-process commit goes on without a segment that never came; a worker that fails
    writing its segment (a full disk, say) now fails the run: nothing of it is kept, the live index is as
    it was, and the message says so."""
    folder = _folder(tmp_path / "docs", _records(300, seed=9))
    first = index_folder(folder, tmp_path / "ix", procs=2)
    before = open_generation(tmp_path / "ix")
    (folder / "part0.jsonl").write_text(
        json.dumps({"id": "new", "title": "", "text": "قنات بادگیر"}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )

    def full_disk(self):  # the workers are forked: they inherit this
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(KavoshWriter, "_finalize_segment", full_disk)
    with pytest.raises(WriteFailed, match="index worker processes failed"):
        index_folder(folder, tmp_path / "ix", procs=2, rebuild=True)
    after = open_generation(tmp_path / "ix")
    assert after.name == before.name and after.meta["documents"] == first.documents
    assert SearchEngine(tmp_path / "ix").health()["documents"] == first.documents
