"""Kavosh on a local 3-node OpenSearch cluster beside the embedded Whoosh index, on the same corpus.

100,000 documents (`bench/scale.py`'s corpus: the qa-ir passages varied to that size) indexed into both,
one run each: documents/s; then the same 500 questions as keyword queries and their answer spans as «…»
phrase queries against both engines: p50/p95/p99 of `engine.search` (top 10 with snippets), one query at a
time; and the index size (the cluster's primaries after a force-merge, so without replicas). The cluster
is three JVMs on this machine (512 MB heap each, 3 shards, 1 replica), started from the
Maven jars (`make opensearch-jars`) and stopped at the end. Needs ../shared (skips cleanly without it).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from opensearch_cluster import LocalCluster, tooling_missing  # noqa: E402

from corpus import (  # noqa: E402
    dir_bytes,
    load_jsonl,
    percentile,
    print_table,
    replicated_docs,
    require_shared,
    search_latencies_ms,
    write_jsonl_folder,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--procs", type=int, default=2, help="indexing processes, both engines")
    args = parser.parse_args()
    shared = require_shared()
    why = tooling_missing()
    if why:
        sys.exit(f"cannot start the cluster: {why}")
    from indexer.build import index_folder
    from indexer.opensearch.writer import index_to_cluster
    from search_ui.engines.cluster import OpenSearchEngine
    from search_ui.engines.folder import SearchEngine

    work = Path(tempfile.mkdtemp(prefix="kavosh-opensearch-"))
    cluster = LocalCluster(work / "cluster", nodes=3, heap_mb=512, name="kavosh-bench")
    try:
        folder = work / "docs"
        n_docs, raw = write_jsonl_folder(folder, replicated_docs(args.docs, vary=True))
        print(f"{n_docs:,} documents, {raw / 1e6:.1f} MB of raw text; cluster starting …", flush=True)
        cluster.start()
        url = cluster.index_url("bench")

        began = time.perf_counter()
        index_folder(folder, work / "whoosh", rebuild=True, procs=args.procs)
        whoosh_s = time.perf_counter() - began
        print(f"whoosh indexed in {whoosh_s:.1f} s", flush=True)
        began = time.perf_counter()
        summary = index_to_cluster(folder, url, rebuild=True, procs=args.procs, shards=3, replicas=1)
        cluster_s = time.perf_counter() - began
        print(f"opensearch indexed in {cluster_s:.1f} s (green, 3 shards x 2 copies)", flush=True)
        assert summary.documents == n_docs, summary.documents

        questions = load_jsonl(shared / "queries.jsonl")[: args.queries]
        keyword = [q["text"] for q in questions]
        phrases = [f"«{a}»" for q in questions for a in q.get("answers", [])[:1] if len(a.split()) >= 2]
        engines = {"whoosh": SearchEngine(work / "whoosh"), "opensearch": OpenSearchEngine(url)}
        rows = []
        for name, engine in engines.items():
            engine.search(keyword[0])  # warm once, as a running server would be
            for kind, queries in (("keyword", keyword), ("phrase", phrases)):
                lat = search_latencies_ms(engine, queries)
                p50, p95, p99 = (percentile(lat, q) for q in (50, 95, 99))
                rows.append([name, kind, len(lat), f"{p50:.1f}", f"{p95:.1f}", f"{p99:.1f}"])
        # sizes last: a force-merged index would answer the queries above faster than a live one
        from indexer.storage.generations import current_name

        whoosh_bytes = dir_bytes(work / "whoosh" / current_name(work / "whoosh"))
        cluster.request("POST", "/bench/_forcemerge?max_num_segments=1", timeout=600)
        stats = cluster.request("GET", "/bench/_stats/store")["_all"]
        primary_bytes = stats["primaries"]["store"]["size_in_bytes"]
        print()
        print_table(
            ["engine", "index s", "docs/s", "size MB", "size / text"],
            [
                [
                    "whoosh (folder)",
                    f"{whoosh_s:.1f}",
                    f"{n_docs / whoosh_s:,.0f}",
                    f"{whoosh_bytes / 1e6:.1f}",
                    f"{whoosh_bytes / raw:.2f}x",
                ],
                [
                    "opensearch (primaries, merged)",
                    f"{cluster_s:.1f}",
                    f"{n_docs / cluster_s:,.0f}",
                    f"{primary_bytes / 1e6:.1f}",
                    f"{primary_bytes / raw:.2f}x",
                ],
            ],
        )
        print()
        print_table(["engine", "query", "n", "p50 ms", "p95 ms", "p99 ms"], rows)
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
