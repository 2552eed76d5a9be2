"""The pooling step alone: a document's body terms (one a position) into the posting pool, three ways.

    python bench/pooling_speed.py [--copies 8] [--repeat 5]

On one worker's half of the compare.py replica (every other document of the qa-ir passages replicated
`--copies` times; 8 gives the 11,144-document replica), analyzed once beforehand, it times:

- `tuples`: what the writer did before indexer.storage.pooling: `CompactPositions.term_values` (a
  (term, frequency, weight, value) tuple per distinct term) then `PostingPool.add_terms` of the tuples;
- `fused Python`: `PostingPool.add_terms` of a `TermList` with the Python reference (`pool_positions_py`);
- `C`: the same with the C twin (`indexer.storage._pooling`), when it is built.

CPU seconds of one process with the garbage collector off (as in a build's workers: writer._Worker), the
best of `--repeat` runs each, a fresh pool each run. It checks that the
three pools hold the same postings and the same size estimate, and says so under the table.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import indexer.storage.pooling as pooling
from analyzers import PersianAnalyzer
from corpus import print_table, replicated_docs
from indexer.storage.pool import PostingPool
from indexer.storage.pooling import TermList
from indexer.storage.schema import make_schema


def _tuples(fmt, term_lists: list[list[str]]) -> PostingPool:
    pool = PostingPool(None, 1 << 20)
    for docnum, terms in enumerate(term_lists):
        pool.add_terms("body", docnum, fmt.term_values(terms), 1.0)
    return pool


def _term_lists(fmt, term_lists: list[list[str]]) -> PostingPool:
    pool = PostingPool(None, 1 << 20)
    for docnum, terms in enumerate(term_lists):
        pool.add_terms("body", docnum, TermList(terms, 0, fmt), 1.0)
    return pool


def _best(run, repeat: int) -> tuple[float, PostingPool]:
    best = float("inf")
    pool = None
    for _ in range(repeat):
        start = time.process_time()
        pool = run()
        best = min(best, time.process_time() - start)
    return best, pool


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    docs = list(replicated_docs(1393 * args.copies))[::2]
    analyzer = PersianAnalyzer()
    term_lists = [analyzer.terms(doc["text"]) for doc in docs]
    fmt = make_schema()["body"].format
    compiled = pooling._native
    gc.disable()
    results = {"tuples": _best(lambda: _tuples(fmt, term_lists), args.repeat)}
    pooling._native = None  # the Python reference, whatever is built
    results["fused Python"] = _best(lambda: _term_lists(fmt, term_lists), args.repeat)
    pooling._native = compiled
    if compiled is not None:
        results["C"] = _best(lambda: _term_lists(fmt, term_lists), args.repeat)
    before = results["tuples"][0]
    rows = [[label, f"{seconds:.3f}", f"{before / seconds:.2f}x"] for label, (seconds, _) in results.items()]
    positions = sum(map(len, term_lists))
    print(f"{len(docs)} documents, {positions} positions, one process")
    print_table(["pooling", "CPU s (best)", "vs tuples"], rows)
    if compiled is None:
        print("C: not built (make install) or KAVOSH_PURE_PYTHON set")
    reference = results["tuples"][1]
    alike = all(
        pool._fields == reference._fields and pool.size == reference.size for _, pool in results.values()
    )
    print("same postings and size estimate:", "yes" if alike else "NO")


if __name__ == "__main__":
    main()
