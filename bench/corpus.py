"""Benchmark corpora built at run time from ../shared/data/qa-ir (never copied into the project), and the
plain-Whoosh baseline every comparison is measured against."""

from __future__ import annotations

import json
import random
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import StandardAnalyzer
from whoosh.fields import ID, TEXT, Schema

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "qa-ir"
_SENTENCE_END = re.compile(r"(?<=[.!؟?])\s+")


def require_shared() -> Path:
    """Return the qa-ir folder, or exit cleanly (status 0) when ../shared is absent (a user's machine)."""
    if not (SHARED / "docs.jsonl").is_file():
        print(f"skipped: {SHARED} not found (the benchmark corpus lives beside the checkout)")
        sys.exit(0)
    return SHARED


def load_jsonl(path: Path) -> list[dict]:
    """Read a JSON-lines file into a list of objects."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def replicated_docs(n_docs: int, vary: bool = False, seed: int = 7) -> Iterator[dict]:
    """Yield `n_docs` records from the passages, cycling through them with fresh ids.

    With `vary`, each copy after the first shuffles the passage's sentences and drops one, so that a large
    corpus is not a pile of identical documents (posting lists and phrase positions differ per copy).
    """
    docs = load_jsonl(require_shared() / "docs.jsonl")
    rng = random.Random(seed)
    for i in range(n_docs):
        src = docs[i % len(docs)]
        copy = i // len(docs)
        text = src["text"]
        if vary and copy:
            sentences = _SENTENCE_END.split(text)
            rng.shuffle(sentences)
            if len(sentences) > 2:
                sentences.pop(rng.randrange(len(sentences)))
            text = " ".join(sentences)
        yield {"id": f"{src['_id']}-{copy}", "title": src.get("title", ""), "text": text}


def write_jsonl_folder(folder: Path, docs: Iterator[dict], per_file: int = 2000) -> tuple[int, int]:
    """Write records as `part-NNNN.jsonl` files; return (documents, bytes of text)."""
    folder.mkdir(parents=True, exist_ok=True)
    count = size = 0
    out = None
    for doc in docs:
        if count % per_file == 0:
            if out:
                out.close()
            out = (folder / f"part-{count // per_file:04d}.jsonl").open("w", encoding="utf-8")
        out.write(json.dumps(doc, ensure_ascii=False) + "\n")
        count += 1
        size += len(doc["text"].encode("utf-8")) + len(doc["title"].encode("utf-8"))
    if out:
        out.close()
    return count, size


def plain_whoosh_index(folder: Path, index_dir: Path, procs: int = 1) -> None:
    """Index a jsonl folder with plain Whoosh and its StandardAnalyzer: the baseline of the benchmarks."""
    schema = Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=StandardAnalyzer(), stored=True),
        body=TEXT(analyzer=StandardAnalyzer(), stored=True),
    )
    index_dir.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(index_dir), schema)
    writer = ix.writer(procs=procs, multisegment=True) if procs > 1 else ix.writer()
    for part in sorted(folder.glob("*.jsonl")):
        for rec in load_jsonl(part):
            writer.add_document(id=rec["id"], title=rec["title"], body=rec["text"])
    writer.commit()


def dir_bytes(path: Path) -> int:
    """Bytes of all files below a folder."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def search_latencies_ms(engine, queries: list[str], limit: int = 10) -> list[float]:
    """Milliseconds of each `engine.search` call, one after another on this thread."""
    out = []
    for q in queries:
        start = time.perf_counter()
        engine.search(q, limit=limit)
        out.append((time.perf_counter() - start) * 1000)
    return out


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def print_table(headers: list[str], rows: list[list[object]]) -> None:
    """Print a plain aligned table."""
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for j, row in enumerate(cells):
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
        if j == 0:
            print("  ".join("-" * w for w in widths))
