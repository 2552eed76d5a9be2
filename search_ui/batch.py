"""Many queries in one process: the run file of `kavosh search --batch` and the input of `kavosh evaluate`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from search_ui.compile import QueryRefused
from search_ui.engine import SearchEngine


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


def write_run(run: BatchRun, path: str | Path, tag: str = "kavosh") -> int:
    """Write `qid<TAB>docid<TAB>rank<TAB>score` lines ('-' writes to stdout); return the lines written."""
    lines = 0
    fh = sys.stdout if str(path) == "-" else open(path, "w", encoding="utf-8")
    try:
        for qid, hits in run.results.items():
            for rank, (doc, score) in enumerate(hits, 1):
                fh.write(f"{qid}\t{doc}\t{rank}\t{score:.6f}\n")
                lines += 1
    finally:
        if fh is not sys.stdout:
            fh.close()
    return lines
