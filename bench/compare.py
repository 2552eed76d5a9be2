"""Kavosh against plain Whoosh (StandardAnalyzer), side by side in one run on the same documents and queries.

The qa-ir passages replicated to about 11,000 documents; its 2,942 questions as OR queries, top 100.
`kavosh index` and `kavosh search --batch` run as the user runs them (separate processes, start-up included).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.qparser import MultifieldParser, OrGroup

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import (
    load_jsonl,
    plain_whoosh_index,
    print_table,
    replicated_docs,
    require_shared,
    write_jsonl_folder,
)

KAVOSH = Path(sys.executable).with_name("kavosh")


def timed_plain_index(folder: Path, index_dir: Path) -> float:
    """Index the jsonl folder with plain Whoosh (one writer, as users run it); return seconds."""
    start = time.perf_counter()
    plain_whoosh_index(folder, index_dir)
    return time.perf_counter() - start


def plain_whoosh_search(index_dir: Path, queries: list[dict]) -> float:
    """Answer every question as an OR query over title and body, top 100; return seconds."""
    start = time.perf_counter()
    ix = whoosh_index.open_dir(str(index_dir))
    parser = MultifieldParser(["title", "body"], ix.schema, group=OrGroup)
    with ix.searcher() as searcher:
        for q in queries:
            results = searcher.search(parser.parse(q["text"]), limit=100)
            [hit["id"] for hit in results]
    return time.perf_counter() - start


def timed(cmd: list[str]) -> float:
    """Run a command, fail loudly if it fails, return its wall time."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed


def _row(step: str, count: int, plain: float, kavosh: float) -> list[str]:
    return [
        step,
        f"{plain:.1f}",
        f"{kavosh:.1f}",
        f"{count / plain:,.1f}",
        f"{count / kavosh:,.1f}",
        f"{plain / kavosh:.2f}x",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=8, help="replicas of the 1,393 passages (default 8)")
    parser.add_argument("--queries", type=int, default=0, help="use only the first N questions (0: all)")
    args = parser.parse_args()
    shared = require_shared()
    n_docs = 1393 * args.copies
    queries = load_jsonl(shared / "queries.jsonl")
    if args.queries:
        queries = queries[: args.queries]
    work = Path(tempfile.mkdtemp(prefix="kavosh-compare-"))
    try:
        folder = work / "docs"
        docs, size = write_jsonl_folder(folder, replicated_docs(n_docs))
        qfile = work / "queries.jsonl"
        qfile.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in queries), encoding="utf-8")
        t_plain_ix = timed_plain_index(folder, work / "plain")
        t_kavosh_ix = timed([str(KAVOSH), "--quiet", "index", str(folder), "--index", str(work / "kavosh")])
        t_plain_q = plain_whoosh_search(work / "plain", queries)
        batch = ["--batch", str(qfile), "--run", str(work / "run.tsv")]
        t_kavosh_q = timed([str(KAVOSH), "--quiet", "search", "--index", str(work / "kavosh"), *batch])
        mb = size / 1e6
        print(f"{docs:,} documents ({mb:.1f} MB of text), {len(queries):,} questions, top 100\n")
        print_table(
            ["step", "plain Whoosh s", "Kavosh s", "plain per s", "Kavosh per s", "Kavosh speed-up"],
            [
                _row("index (docs)", docs, t_plain_ix, t_kavosh_ix),
                _row("search (queries)", len(queries), t_plain_q, t_kavosh_q),
            ],
        )
        print("\ntargets: index >= 1.5x, search --batch >= 3x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
