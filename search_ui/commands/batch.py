"""Many queries in one process: the run file of `kavosh search --batch` and the input of `kavosh evaluate`."""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from search_ui.engines.choose import open_engine
from search_ui.engines.folder import SearchEngine
from search_ui.ranking.compile import QueryRefused


@dataclass
class BatchRun:
    """Ranked (doc id, score) lists per query id, plus the queries Kavosh refused (with why)."""

    results: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)

    def ranked_ids(self) -> dict[str, list[str]]:
        return {qid: [doc for doc, _ in hits] for qid, hits in self.results.items()}


def run_batch(
    engine: SearchEngine,
    queries: Iterable[dict],
    depth: int = 100,
    progress: Callable[[int], None] | None = None,
) -> BatchRun:
    """Answer every query (top `depth`); a refused query gets an empty list and is recorded."""
    out = BatchRun()
    for q in queries:
        try:
            out.results[q["_id"]] = engine.ranked(q["text"], limit=depth)
        except QueryRefused as err:
            out.results[q["_id"]] = []
            out.refused[q["_id"]] = str(err)
        if progress:
            progress(1)
    return out


_worker_engine: SearchEngine | None = None
PARALLEL_MIN = 200  # fewer queries than this are answered in-process (starting workers costs more)
CHUNK = 32


def _init_worker(index_dir: str, ranking) -> None:
    global _worker_engine
    _worker_engine = open_engine(index_dir, ranking)


def _answer_chunk(chunk: list[dict]) -> BatchRun:
    return run_batch(_worker_engine, chunk, depth=chunk[0]["_depth"]) if chunk else BatchRun()


def auto_workers(n_queries: int) -> int:
    """Two processes for a big batch on a machine with two or more cores, else one."""
    return min(2, os.cpu_count() or 1) if n_queries >= PARALLEL_MIN else 1


def run_parallel(
    engine: SearchEngine,
    queries: list[dict],
    depth: int = 100,
    workers: int = 0,
    progress: Callable[[int], None] | None = None,
) -> BatchRun:
    """`run_batch` over `workers` forked processes (0: choose), results in the order of the queries."""
    workers = workers or auto_workers(len(queries))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return run_batch(engine, queries, depth, progress)
    tagged = [{**q, "_depth": depth} for q in queries]
    chunks = [tagged[i : i + CHUNK] for i in range(0, len(tagged), CHUNK)]
    out = BatchRun()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(
        workers, initializer=_init_worker, initargs=(str(engine.index_dir), engine.ranking)
    ) as pool:
        for part in pool.imap(_answer_chunk, chunks):
            out.results.update(part.results)
            out.refused.update(part.refused)
            if progress:
                progress(len(part.results))
    return out


def write_run(run: BatchRun, path: str | Path, tag: str = "kavosh") -> int:
    """Write `qid<TAB>docid<TAB>rank<TAB>score` lines ('-' writes to stdout); return the lines written."""
    lines = 0
    fh = sys.stdout if str(path) == "-" else open(path, "w", encoding="utf-8")
    try:
        for qid, hits in run.results.items():
            fh.write(
                "".join(f"{qid}\t{doc}\t{rank}\t{score:.6f}\n" for rank, (doc, score) in enumerate(hits, 1))
            )
            lines += len(hits)
    finally:
        if fh is not sys.stdout:
            fh.close()
    return lines
