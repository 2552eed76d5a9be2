"""Scale: a 100,000-document index built from the qa-ir passages varied to that size.

Reports indexing time, peak memory of the whole `kavosh index` process tree, index size on disk against the
raw text, the time to reopen the index, and keyword and phrase latency (p50/p95/p99) over 500 questions.
Keyword queries are the questions; phrase queries are the questions' answer spans in «…» (they occur in the
passages, so phrases really match).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import (
    dir_bytes,
    load_jsonl,
    percentile,
    print_table,
    replicated_docs,
    require_shared,
    search_latencies_ms,
    write_jsonl_folder,
)

KAVOSH = Path(sys.executable).with_name("kavosh")


def tree_rss_mb(root_pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total / 1e6


def index_with_peak(folder: Path, index_dir: Path) -> tuple[float, float]:
    """Run `kavosh index`, sampling the process tree's RSS; return (seconds, peak MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(KAVOSH), "--quiet", "index", str(folder), "--index", str(index_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, tree_rss_mb(proc.pid))
        time.sleep(0.2)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"kavosh index failed ({proc.returncode}): {proc.stderr.read()[-2000:]}")
    return elapsed, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--keep", type=Path, help="build under this folder and keep it")
    args = parser.parse_args()
    shared = require_shared()
    from indexer.storage.generations import current_name, open_generation
    from search_ui.engines.folder import SearchEngine

    work = args.keep or Path(tempfile.mkdtemp(prefix="kavosh-scale-"))
    try:
        folder, index_dir = work / "docs", work / "index"
        n_docs, raw = write_jsonl_folder(folder, replicated_docs(args.docs, vary=True))
        seconds, peak = index_with_peak(folder, index_dir)
        on_disk = dir_bytes(index_dir / current_name(index_dir))

        start = time.perf_counter()
        gen = open_generation(index_dir)
        with gen.index.searcher() as searcher:
            searcher.doc_count()
        reopen = time.perf_counter() - start

        questions = load_jsonl(shared / "queries.jsonl")[: args.queries]
        keyword = [q["text"] for q in questions]
        phrases = [f"«{a}»" for q in questions for a in q.get("answers", [])[:1] if len(a.split()) >= 2]
        engine = SearchEngine(index_dir)
        engine.search(keyword[0])  # warm the engine once, as a running server would be
        kw, ph = search_latencies_ms(engine, keyword), search_latencies_ms(engine, phrases)

        print(f"{n_docs:,} documents, {raw / 1e6:.1f} MB of raw text\n")
        print_table(
            ["measure", "value"],
            [
                ["index time (s)", f"{seconds:.1f}"],
                ["docs/s", f"{n_docs / seconds:,.0f}"],
                ["peak RSS, index process tree (MB)", f"{peak:,.0f}"],
                ["index size on disk (MB)", f"{on_disk / 1e6:.1f}"],
                ["index size / raw text", f"{on_disk / raw:.2f}x"],
                ["reopen (open generation + searcher) (s)", f"{reopen:.3f}"],
            ],
        )
        print()
        rows = []
        for name, lat in (("keyword", kw), ("phrase", ph)):
            p50, p95, p99 = (percentile(lat, q) for q in (50, 95, 99))
            rows.append([name, len(lat), f"{p50:.1f}", f"{p95:.1f}", f"{p99:.1f}"])
        print_table(["query", "n", "p50 ms", "p95 ms", "p99 ms"], rows)
        print("\ntargets: peak RSS < 2 GB, size <= 1.5x raw text, reopen < 1 s")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
