"""Kavosh against its peers, side by side in one run on the same documents and questions: plain Whoosh
(StandardAnalyzer), Lucene 8.7 (PersianAnalyzer, BM25) and `kavosh`.

The qa-ir passages replicated to about 11,000 documents; its 2,942 questions as OR queries, top 100.
`kavosh index` and `kavosh search --batch` run as the user runs them (separate processes, start-up included,
their default processes), and once more with one process each (`--pure-python`: and once more without the
compiled speed-ups). Lucene runs through our small runner
(`bench/lucene/LuceneRun.java`, compiled here into `bench/out/lucene/`): one thread, an in-memory index,
the classic query parser over title and body with the question escaped; its times are measured inside the
JVM (its ~0.5 s start-up left out). Needs `make lucene` (Debian's liblucene8-java) and a JDK; without them
the Lucene row says why it is missing.

MRR@10 of every run is scored with `search_ui.evaluate` against the qa-ir qrels: each copy of a passage
counts as the passage, and only its first copy keeps a rank (so the figure compares with the 1,393-passage
anchors in ../shared/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.qparser import MultifieldParser, OrGroup

from analyzers.native import PURE_PYTHON_ENV
from search_ui.commands.evaluate import evaluate, read_qrels

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
HERE = Path(__file__).resolve().parent
LUCENE_SOURCE = HERE / "lucene" / "LuceneRun.java"
LUCENE_BUILD = HERE / "out" / "lucene"
LUCENE_JARS = [
    Path("/usr/share/java") / f"lucene-{name}-8.7.0.jar"
    for name in ("core", "analyzers-common", "queryparser")
]
TOP = 100


class Missing(Exception):
    """A peer that cannot run on this machine (the message says what to install)."""


def plain_whoosh_search(index_dir: Path, queries: list[dict]) -> dict[str, list[str]]:
    """Answer every question as an OR query over title and body, top 100; the ranked ids per question."""
    ix = whoosh_index.open_dir(str(index_dir))
    parser = MultifieldParser(["title", "body"], ix.schema, group=OrGroup)
    run = {}
    with ix.searcher() as searcher:
        for q in queries:
            results = searcher.search(parser.parse(q["text"]), limit=TOP)
            run[q["_id"]] = [hit["id"] for hit in results]
    return run


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    """Run a command (with `env` added to the environment), fail loudly if it fails, return its wall time."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, **(env or {})))
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed


def read_run(path: Path) -> dict[str, list[str]]:
    """A run file (`qid<TAB>docid<TAB>rank<TAB>score`) as the ranked ids per question."""
    run: dict[str, list[tuple[int, str]]] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            qid, doc, rank, _score = line.rstrip("\n").split("\t")
            run.setdefault(qid, []).append((int(rank), doc))
    return {qid: [doc for _, doc in sorted(hits)] for qid, hits in run.items()}


def passages(ranked: Iterable[str]) -> list[str]:
    """Replica ids (`<passage>-<copy>`) as passage ids, each passage kept at its first rank only."""
    seen: dict[str, None] = {}
    for doc in ranked:
        seen.setdefault(doc.rsplit("-", 1)[0], None)
    return list(seen)


def mrr10(run: dict[str, list[str]], qrels: dict, queries: list[dict]) -> float:
    """MRR@10 over all questions, replicas folded to their passage."""
    report = evaluate({qid: passages(ids) for qid, ids in run.items()}, qrels, queries)
    return report.rows["all"]["MRR@10"]


def _tsv_field(text: str) -> str:
    return " ".join(str(text).split())


def write_lucene_inputs(folder: Path, queries: list[dict], work: Path) -> tuple[Path, Path]:
    """The same documents and questions as TSV for the Java runner (tabs and newlines become spaces)."""
    docs_tsv, queries_tsv = work / "lucene-docs.tsv", work / "lucene-queries.tsv"
    with docs_tsv.open("w", encoding="utf-8") as out:
        for part in sorted(folder.glob("*.jsonl")):
            for rec in load_jsonl(part):
                out.write(f"{rec['id']}\t{_tsv_field(rec['title'])}\t{_tsv_field(rec['text'])}\n")
    with queries_tsv.open("w", encoding="utf-8") as out:
        for q in queries:
            out.write(f"{q['_id']}\t{_tsv_field(q['text'])}\n")
    return docs_tsv, queries_tsv


def compile_lucene_runner() -> str:
    """Compile LuceneRun.java when it changed; return the class path. Raises Missing without jars or JDK."""
    missing = [str(jar) for jar in LUCENE_JARS if not jar.is_file()]
    if missing:
        raise Missing(f"no {missing[0]} (run `make lucene`: Debian's liblucene8-java)")
    javac, java = shutil.which("javac"), shutil.which("java")
    if not javac or not java:
        raise Missing("no javac/java on PATH (a JDK is needed)")
    classpath = ":".join([*map(str, LUCENE_JARS), str(LUCENE_BUILD)])
    built = LUCENE_BUILD / "LuceneRun.class"
    if not built.is_file() or built.stat().st_mtime < LUCENE_SOURCE.stat().st_mtime:
        LUCENE_BUILD.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [javac, "-d", str(LUCENE_BUILD), "-cp", classpath, str(LUCENE_SOURCE)],
            capture_output=True,
            text=True,
        )
        if proc.returncode:
            raise Missing(f"javac failed:\n{proc.stderr[-2000:]}")
    return classpath


def run_lucene(classpath: str, docs_tsv: Path, queries_tsv: Path, run_tsv: Path) -> tuple[float, float]:
    """Index and answer in one JVM; return (index seconds, search seconds) as the runner measured them."""
    cmd = ["java", "-cp", classpath, "LuceneRun", str(docs_tsv), str(queries_tsv), str(run_tsv)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise Missing(f"LuceneRun failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    fields = dict(item.split("=", 1) for item in proc.stdout.split())
    if int(fields["unparsed"]):
        print(f"note: Lucene's parser refused {fields['unparsed']} questions (they count as unanswered)")
    return float(fields["index_s"]), float(fields["search_s"])


def best_of(repeat: int, run: Callable[[], tuple[float, float]]) -> tuple[float, float]:
    """Each of the two times at its smallest over `repeat` runs (other work on the machine only adds)."""
    results = [run() for _ in range(max(1, repeat))]
    return min(r[0] for r in results), min(r[1] for r in results)


def _row(
    engine: str, docs: int, queries: int, t_index: float, t_search: float, mrr: float, lucene: tuple | None
) -> list[str]:
    ratio_ix = f"{t_index / lucene[0]:.1f}x" if lucene else "-"
    ratio_q = f"{t_search / lucene[1]:.1f}x" if lucene else "-"
    return [
        engine,
        f"{t_index:.1f}",
        f"{docs / t_index:,.0f}",
        ratio_ix,
        f"{t_search:.1f}",
        f"{queries / t_search:,.0f}",
        ratio_q,
        f"{mrr:.4f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=8, help="replicas of the 1,393 passages (default 8)")
    parser.add_argument("--queries", type=int, default=0, help="use only the first N questions (0: all)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run Lucene and kavosh N times and keep each step's best time (plain Whoosh runs once)",
    )
    parser.add_argument(
        "--skip-plain",
        action="store_true",
        help="leave out plain Whoosh (its search takes ~100 s on 11k docs)",
    )
    parser.add_argument(
        "--pure-python",
        action="store_true",
        help=f"also run kavosh without its compiled speed-ups ({PURE_PYTHON_ENV}=1, analyzers.native)",
    )
    args = parser.parse_args()
    shared = require_shared()
    n_docs = 1393 * args.copies
    queries = load_jsonl(shared / "queries.jsonl")
    if args.queries:
        queries = queries[: args.queries]
    qrels = read_qrels(shared / "qrels.tsv")
    work = Path(tempfile.mkdtemp(prefix="kavosh-compare-"))
    rows = []
    try:
        folder = work / "docs"
        docs, size = write_jsonl_folder(folder, replicated_docs(n_docs))
        qfile = work / "queries.jsonl"
        qfile.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in queries), encoding="utf-8")
        n = len(queries)

        lucene = None
        try:
            classpath = compile_lucene_runner()
            docs_tsv, queries_tsv = write_lucene_inputs(folder, queries, work)
            lucene = best_of(
                args.repeat, lambda: run_lucene(classpath, docs_tsv, queries_tsv, work / "lucene.tsv")
            )
            rows.append(
                _row(
                    "Lucene 8.7",
                    docs,
                    n,
                    *lucene,
                    mrr10(read_run(work / "lucene.tsv"), qrels, queries),
                    lucene,
                )
            )
        except Missing as exc:
            print(f"Lucene left out: {exc}\n")

        if not args.skip_plain:
            start = time.perf_counter()
            plain_whoosh_index(folder, work / "plain")
            t_ix = time.perf_counter() - start
            start = time.perf_counter()
            plain_run = plain_whoosh_search(work / "plain", queries)
            t_q = time.perf_counter() - start  # once only, even with --repeat: it takes ~100 s
            rows.append(_row("plain Whoosh", docs, n, t_ix, t_q, mrr10(plain_run, qrels, queries), lucene))

        kavoshes = [("kavosh", [], {}), ("kavosh, 1 process", ["--procs", "1"], {})]
        if args.pure_python:
            kavoshes.append(("kavosh, pure Python", [], {PURE_PYTHON_ENV: "1"}))
        for number, (label, procs, env) in enumerate(kavoshes):
            index = work / f"kavosh{number}"
            run_tsv = work / f"kavosh{number}.tsv"
            workers = ["--workers", "1"] if procs else []
            batch = ["--batch", str(qfile), "--run", str(run_tsv), *workers]

            def kavosh_run(index=index, procs=procs, batch=batch, env=env) -> tuple[float, float]:
                shutil.rmtree(index, ignore_errors=True)  # each repeat indexes from scratch
                ix = ["--quiet", "index", str(folder), "--index", str(index), *procs]
                t_ix = timed([str(KAVOSH), *ix], env)
                return t_ix, timed([str(KAVOSH), "--quiet", "search", "--index", str(index), *batch], env)

            t_ix, t_q = best_of(args.repeat, kavosh_run)
            rows.append(_row(label, docs, n, t_ix, t_q, mrr10(read_run(run_tsv), qrels, queries), lucene))

        print(f"{docs:,} documents ({size / 1e6:.1f} MB of text), {n:,} questions, top {TOP}")
        print(
            f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
            "(wall times grow with it)\n"
        )
        print_table(
            ["engine", "index s", "docs/s", "vs Lucene", "search s", "queries/s", "vs Lucene", "MRR@10"], rows
        )
        print("\ntargets (issue 12): kavosh search --batch within 1.5x Lucene's time, kavosh index within 3x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
