"""Size: how big a Kavosh index is against its raw text (issue 6 asks for at most 1.5x), file by file, and
what storing the documents' fields in compressed blocks (indexer/storage/blockstore.py) saves and costs.

For the qa-ir passages and for copies varied to ~11k and 20k documents it builds an index with
`indexer.build.index_folder` and prints, per corpus: the raw text, the generation folder (kavosh.json left
out), their ratio and each kind of file inside the segments (terms, postings, stored fields, field lengths).

Then it takes the stored fields of every document of that index and writes them side by side as Whoosh's
per-document zlib column (what the codec writes today, level 9) and as block columns of several sizes, and
measures each one in the same run: bytes, the time to open a reader, and the time per `stored_fields` call
for random documents (a result page reads 10, the batch path up to 100 ids, a document page one) and in
docnum order (a merge). Timings are the best of a few interleaved rounds (the machine is shared).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from whoosh import columns
from whoosh.filedb.filestore import RamStorage

from corpus import dir_bytes, print_table, replicated_docs, require_shared, write_jsonl_folder
from indexer.build import index_folder
from indexer.storage.blockstore import DEFAULT_BLOCK_BYTES, DEFAULT_BLOCK_DOCS, BlockStoredColumn
from indexer.storage.generations import META, open_generation

# What the codec wrote before the block column: each document pickled and zlib-compressed alone.
STORED_COLUMN_9 = columns.PickleColumn(columns.CompressedBytesColumn(level=9))

KINDS = (
    ("terms", (".trm", ".tdx")),
    ("postings", (".pst",)),
    ("stored", ("._stored.col", "._stored_blk.col")),
    ("lengths", ("_len.col",)),
)
BLOCK_SIZES = (1, 2, 4, 8, 16, 32)
ROUNDS = 7  # short interleaved rounds, best of each: robust to bursts of load from other processes
MB = 1e6


def kind_of(name: str) -> str:
    for kind, suffixes in KINDS:
        if name.endswith(suffixes):
            return kind
    return "other"


def segment_file_sizes(ix) -> Counter:
    """Bytes of each kind of file in all segments, looking inside compound segment files."""
    sizes: Counter = Counter()
    storage = ix.storage
    for segment in ix._segments():
        if segment.is_compound():
            compound = segment.open_compound_file(storage)
            files = [(name, compound.file_length(name)) for name in compound.list()]
            compound.close()
        else:
            prefix = segment.make_filename("")
            files = [(n, storage.file_length(n)) for n in storage.list() if n.startswith(prefix)]
        for name, length in files:
            sizes[kind_of(name)] += length
    return sizes


def build_corpus(work: Path, n_docs: int | None) -> tuple[str, int, int, Path]:
    """Write a corpus (None: the qa-ir passages as they are) and index it; return (label, docs, text bytes,
    index folder)."""
    label = "qa-ir" if n_docs is None else f"{n_docs:,}"
    folder = work / f"docs-{label}"
    if n_docs is None:
        n_docs = sum(1 for line in (require_shared() / "docs.jsonl").open(encoding="utf-8") if line.strip())
        docs = replicated_docs(n_docs)
    else:
        docs = replicated_docs(n_docs, vary=True)
    count, text_bytes = write_jsonl_folder(folder, docs)
    index_dir = work / f"index-{label}"
    start = time.perf_counter()
    index_folder(folder, index_dir, rebuild=True)
    print(f"indexed {label}: {count} documents in {time.perf_counter() - start:.1f} s", flush=True)
    return label, count, text_bytes, index_dir


def write_column(column, values: list[dict]) -> tuple[RamStorage, int]:
    storage = RamStorage()
    f = storage.create_file("col")
    writer = column.writer(f)
    for docnum, value in enumerate(values):
        if value:
            writer.add(docnum, value)
    writer.finish(len(values))
    f.close()
    return storage, storage.file_length("col")


def open_reader(column, storage: RamStorage, doccount: int):
    return column.reader(storage.open_file("col"), 0, storage.file_length("col"), doccount)


def time_reads(reader, docnums: list[int]) -> float:
    """Seconds per call of reading these documents, one after another."""
    start = time.perf_counter()
    for docnum in docnums:
        reader[docnum]
    return (time.perf_counter() - start) / len(docnums)


def compare_stored(values: list[dict]) -> list[list[object]]:
    """Rows of the stored-column table: stock per-document zlib against block columns."""
    n = len(values)
    layouts = [("per-doc zlib 9 (stock)", STORED_COLUMN_9)]
    layouts += [
        (f"blocks of {k}{' (default)' if k == DEFAULT_BLOCK_DOCS else ''}", BlockStoredColumn(block_docs=k))
        for k in BLOCK_SIZES
    ]
    written = [(label, column, *write_column(column, values)) for label, column in layouts]
    for _label, column, storage, _ in written:  # every layout must give back the same documents
        reader = open_reader(column, storage, n)
        for docnum in random.Random(1).sample(range(n), min(n, 200)):
            if (reader[docnum] or {}) != (values[docnum] or {}):
                raise SystemExit(f"{_label}: document {docnum} reads back different")
    rng = random.Random(3)
    random_docs = [rng.randrange(n) for _ in range(600)]
    best: dict[str, list[float]] = {label: [float("inf")] * 3 for label, *_ in written}
    for _round in range(ROUNDS):
        for label, column, storage, _ in written:
            start = time.perf_counter()
            reader = open_reader(column, storage, n)
            opened = time.perf_counter() - start
            rand = time_reads(reader, random_docs)
            seq = time_reads(open_reader(column, storage, n), list(range(n)))
            best[label] = [min(a, b) for a, b in zip(best[label], (opened, rand, seq), strict=True)]
    stock_bytes = written[0][3]
    rows = []
    for label, _column, _storage, size in written:
        opened, rand, seq = best[label]
        rows.append(
            [
                label,
                f"{size / MB:.3f}",
                f"{size / stock_bytes:.2f}",
                f"{opened * 1000:.2f}",
                f"{rand * 1e6:.0f}",
                f"{rand * 10 * 1000:.2f}",
                f"{rand * 100 * 1000:.1f}",
                f"{seq * 1e6:.0f}",
            ]
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--docs", type=int, nargs="*", default=[11_000, 20_000], help="replicated corpus sizes"
    )
    parser.add_argument("--keep", type=Path, help="build under this folder and keep it")
    args = parser.parse_args()
    require_shared()
    work = args.keep or Path(tempfile.mkdtemp(prefix="kavosh-size-"))
    try:
        size_rows, stored_tables = [], []
        for n_docs in [None, *args.docs]:
            label, count, text_bytes, index_dir = build_corpus(work, n_docs)
            gen = open_generation(index_dir)
            index_bytes = dir_bytes(index_dir / gen.name) - (index_dir / gen.name / META).stat().st_size
            files = segment_file_sizes(gen.index)
            with gen.index.searcher() as searcher:
                reader = searcher.reader()
                values = [reader.stored_fields(d) for d in range(reader.doc_count_all())]
            gen.index.close()
            stored_rows = compare_stored(values)
            block_bytes = next(float(r[1]) for r in stored_rows if "(default)" in r[0]) * MB
            with_blocks = index_bytes - files["stored"] + block_bytes
            size_rows.append(
                [
                    label,
                    count,
                    f"{text_bytes / MB:.2f}",
                    f"{index_bytes / MB:.2f}",
                    f"{index_bytes / text_bytes:.2f}",
                    *(f"{files[kind] / MB:.3f}" for kind, _ in KINDS),
                    f"{files['other'] / MB:.3f}",
                    f"{with_blocks / MB:.2f}",
                    f"{with_blocks / text_bytes:.2f}",
                ]
            )
            stored_tables.append((label, stored_rows))
        print()
        print("Index size against the raw text (MB; 'with blocks' = the index with its stored fields written")
        print(f"in blocks of {DEFAULT_BLOCK_DOCS} documents / {DEFAULT_BLOCK_BYTES // 1024} KiB instead):")
        print_table(
            [
                "corpus",
                "docs",
                "text",
                "index",
                "ratio",
                *(k for k, _ in KINDS),
                "other",
                "with blocks",
                "ratio",
            ],
            size_rows,
        )
        for label, rows in stored_tables:
            print()
            print(
                f"Stored fields of {label}, one column per layout, measured side by side (best of {ROUNDS}):"
            )
            print_table(
                [
                    "layout",
                    "MB",
                    "vs stock",
                    "open ms",
                    "µs/random",
                    "ms/page 10",
                    "ms/100 ids",
                    "µs/in order",
                ],
                rows,
            )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
