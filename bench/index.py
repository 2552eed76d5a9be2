"""Indexing speed and index size: `kavosh index` beside plain Whoosh (StandardAnalyzer), in one run.

The corpus is ../shared/data/qa-ir/docs.jsonl replicated (fresh ids, shuffled sentences) to --docs documents
(default 20,000) in jsonl files. Kavosh runs as a user runs it (`kavosh index`, a separate process, start-up
included); plain Whoosh indexes the same records in this process with a similar schema (id, title, body
stored).
Also measured: a second `kavosh index` with nothing changed, and the time to reopen the index.

The machine may be shared: the table gives each run's CPU seconds (all its processes) beside the wall time,
and the load average is printed before and after. On busy cores a two-process run cannot beat a one-process
run by much, so compare CPU seconds as well as the wall-clock ratios.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from corpus import (
    dir_bytes,
    plain_whoosh_index,
    print_table,
    replicated_docs,
    require_shared,
    write_jsonl_folder,
)

KAVOSH = Path(sys.executable).with_name("kavosh")


def cpu_seconds() -> float:
    """User + system CPU time of this process and of its finished children (kavosh, Whoosh's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def dir_mb(path: Path) -> float:
    return dir_bytes(path) / 1e6


def plain_whoosh(folder: Path, index_dir: Path, procs: int) -> tuple[float, float]:
    """Index the jsonl folder with plain Whoosh; return wall and CPU seconds."""
    start, cpu = time.perf_counter(), cpu_seconds()
    plain_whoosh_index(folder, index_dir, procs)
    return time.perf_counter() - start, cpu_seconds() - cpu


def kavosh(folder: Path, index_dir: Path, *extra: str) -> tuple[float, float]:
    """Run `kavosh index`; return wall and CPU seconds (fails loudly on an error)."""
    start, cpu = time.perf_counter(), cpu_seconds()
    run = subprocess.run(
        [str(KAVOSH), "--quiet", "index", str(folder), "--index", str(index_dir), *extra],
        capture_output=True,
        text=True,
    )
    elapsed, used = time.perf_counter() - start, cpu_seconds() - cpu
    if run.returncode != 0:
        sys.exit(f"kavosh index failed ({run.returncode}): {run.stderr[-2000:]}")
    return elapsed, used


def reopen_seconds(index_dir: Path) -> float:
    """Time to open the live generation and get a searcher, as a fresh search process would."""
    code = (
        "import time; t = time.perf_counter(); from indexer.storage.generations import open_generation; "
        f"g = open_generation({str(index_dir)!r}); s = g.index.searcher(); s.doc_count(); "
        "print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000, help="documents in the corpus (default 20000)")
    parser.add_argument("--single", action="store_true", help="also time `kavosh index --procs 1`")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    require_shared()

    work = Path(tempfile.mkdtemp(prefix="kavosh-bench-index-"))
    try:
        folder = work / "corpus"
        n_docs, text_bytes = write_jsonl_folder(folder, replicated_docs(args.docs, vary=True))
        mb = text_bytes / 1e6
        print(f"corpus: {n_docs} documents, {mb:.1f} MB of text in {len(list(folder.glob('*.jsonl')))} files")

        print(f"load average before: {load_average()} on {os.cpu_count()} cores")
        results: list[tuple[str, tuple[float, float], Path | None]] = []
        plain_dir = work / "plain"
        plain_dir.mkdir()
        results.append(("plain Whoosh, StandardAnalyzer", plain_whoosh(folder, plain_dir, 1), plain_dir))
        plain2_dir = work / "plain2"
        plain2_dir.mkdir()
        results.append(
            ("plain Whoosh, procs=2 multisegment", plain_whoosh(folder, plain2_dir, 2), plain2_dir)
        )
        results.append(
            ("kavosh index (procs chosen: 2 from 4 MB)", kavosh(folder, work / "kavosh"), work / "kavosh")
        )
        if args.single:
            results.append(
                ("kavosh index --procs 1", kavosh(folder, work / "k1", "--procs", "1"), work / "k1")
            )
        results.append(("kavosh index again, unchanged", kavosh(folder, work / "kavosh"), None))

        print(f"load average after: {load_average()}")
        base = results[0][1][0]
        rows = []
        for name, (seconds, cpu), index_dir in results:
            size = dir_mb(index_dir) if index_dir else 0.0
            rows.append(
                [
                    name,
                    n_docs,
                    f"{mb:.1f}",
                    f"{seconds:.1f}",
                    f"{cpu:.1f}",
                    f"{n_docs / seconds:,.0f}",
                    f"{mb / seconds:.2f}",
                    f"{base / seconds:.2f}x",
                    f"{size:.1f}" if index_dir else "-",
                    f"{size / mb:.2f}" if index_dir else "-",
                ]
            )
        print_table(
            [
                "indexer",
                "docs",
                "MB",
                "seconds",
                "CPU s",
                "docs/s",
                "MB/s",
                "speed vs plain",
                "index MB",
                "index/text",
            ],
            rows,
        )
        print(f"reopen the kavosh index in a fresh process: {reopen_seconds(work / 'kavosh') * 1000:.0f} ms")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
