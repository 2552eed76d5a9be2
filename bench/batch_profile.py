"""Where the time of `kavosh search --batch` goes, step by step, in one process (CPU seconds, best of N).

Builds the qa-ir passages replicated 8x (the set `bench/compare.py` uses) into a temporary index, then
answers the 2,942 questions the way the batch path does (`SearchEngine.ranked`), timing each step apart:
parsing, the query's meeting with the analyzer, compiling, ranking (scoring every matching document and
keeping the top 100), and reading the ids of the hits; then writing the run file. Each repeat opens the
index afresh (a new engine, the query-word and length-norm caches emptied: nothing remembered from the last
repeat but the analyzer's lexicon, which a process loads once). Prints a table, and the SHA-256 of
the run file, so a change that should not move a single score can be checked against the last one.

    python bench/batch_profile.py [--copies 8] [--repeat 3] [--index DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from search_ui.commands.batch import BatchRun, write_run
from search_ui.engines.folder import SearchEngine
from search_ui.query.analysis import analyze_parsed, analyze_query
from search_ui.query.parse import parse
from search_ui.ranking import bm25f, scoring
from search_ui.ranking.compile import Budget, Compiler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import load_jsonl, print_table, replicated_docs, require_shared, write_jsonl_folder

KAVOSH = Path(sys.executable).with_name("kavosh")
STEPS = ("open", "parse", "analyze", "compile", "rank", "ids", "write run")


def one_pass(index: Path, queries: list[dict], depth: int, run_path: Path) -> dict[str, float]:
    """CPU seconds of each step for every query, on a freshly opened engine."""
    clock = time.process_time
    spent = dict.fromkeys(STEPS, 0.0)
    analyze_query.cache_clear()  # what a fresh process would not have: the words and the norms of last pass
    bm25f._CACHE.clear()
    began = clock()
    engine = SearchEngine(index)
    engine.ranked("", limit=1)  # opens the generation, warms the norms, loads the lexicon
    gen = engine._generation()
    searcher = gen.searcher(engine.weighting)
    spent["open"] = clock() - began
    run = BatchRun()
    for q in queries:
        t0 = clock()
        parsed = parse(q["text"])
        t1 = clock()
        parsed = analyze_parsed(parsed)
        t2 = clock()
        compiled = Compiler(searcher.reader(), engine.ranking, Budget(engine.limits)).compile(parsed)
        t3 = clock()
        ranked = scoring.rank(searcher, compiled, depth)[0] if compiled.query is not None else []
        t4 = clock()
        run.results[q["_id"]] = [(gen.doc_id(searcher, doc), score) for score, doc in ranked]
        t5 = clock()
        for step, took in zip(STEPS[1:], (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=False):
            spent[step] += took
    t0 = clock()
    write_run(run, run_path)
    spent["write run"] = clock() - t0
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=8, help="replicas of the 1,393 passages (default 8)")
    parser.add_argument("--repeat", type=int, default=3, help="passes; each step's best is shown")
    parser.add_argument("--index", type=Path, help="an index built before (default: built here)")
    parser.add_argument("--depth", type=int, default=100, help="hits per question (default 100)")
    args = parser.parse_args()
    shared = require_shared()
    queries = load_jsonl(shared / "queries.jsonl")
    work = Path(tempfile.mkdtemp(prefix="kavosh-batch-profile-"))
    try:
        index = args.index
        if index is None:
            folder = work / "docs"
            write_jsonl_folder(folder, replicated_docs(1393 * args.copies))
            index = work / "index"
            cmd = [str(KAVOSH), "--quiet", "index", str(folder), "--index", str(index)]
            subprocess.run(cmd, check=True)
        run_path = work / "run.tsv"
        passes = [one_pass(index, queries, args.depth, run_path) for _ in range(max(1, args.repeat))]
        best = {step: min(p[step] for p in passes) for step in STEPS}
        total = sum(best.values())
        rows = [[step, f"{best[step]:.3f}", f"{100 * best[step] / total:.0f}%"] for step in STEPS]
        rows.append(["total", f"{total:.3f}", f"{len(queries) / total:,.0f} queries/s"])
        print(
            f"{len(queries):,} questions, top {args.depth}, index {index}; "
            f"CPU seconds, best of {len(passes)}\n"
        )
        print_table(["step", "CPU s", "share"], rows)
        print(f"\nrun file sha256 {hashlib.sha256(run_path.read_bytes()).hexdigest()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
