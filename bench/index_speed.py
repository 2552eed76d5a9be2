"""`kavosh index` of this checkout against another git revision, interleaved, on the compare.py corpus.

    python bench/index_speed.py [--against REV] [--copies 8] [--rounds 3] [--procs 1,2]

The corpus is bench/compare.py's: the qa-ir passages replicated `--copies` times (8: 11,144 documents, 12 MB
of .jsonl). Each round builds a fresh index with each revision and each process count, one after the other,
as `python -m indexer.cli index FOLDER --index DIR --procs P` in a new process (start-up included). The other
revision's `analyzers/`, `indexer/` and `search_ui/` are extracted with `git archive` into a temporary folder
and put first on its PYTHONPATH. The machine may be shared: the table gives the best wall time and the CPU
seconds of that run (all its processes), and the load average.

It also checks that both revisions' indexes answer a sample of the qa-ir questions with the same documents
and scores (its SearchEngine), and prints the index sizes.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import dir_bytes, load_jsonl, print_table, replicated_docs, require_shared, write_jsonl_folder

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("analyzers", "indexer", "search_ui")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def extract_revision(rev: str, into: Path) -> Path:
    """The project's packages at `rev`, extracted into `into`; returns that folder."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, *PACKAGES], capture_output=True, check=True
    )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def replica_and_sources(
    work: Path, copies: int, against: str | None
) -> tuple[Path, int, int, dict[str, Path]]:
    """The replica (`copies` of the qa-ir passages) written under `work`, its documents and bytes, and the
    code to time by label: this checkout, and `against` extracted when given."""
    folder = work / "docs"
    docs, size = write_jsonl_folder(folder, replicated_docs(1393 * copies))
    sources = {"this checkout": ROOT}
    if against:
        sources[against] = extract_revision(against, work / "against")
    return folder, docs, size, sources


def run_kavosh(source: Path, args: list[str]) -> tuple[float, float]:
    """`python -m indexer.cli ARGS` run in `source` (`-m` puts the working folder first on the path, then
    PYTHONPATH): wall seconds and CPU seconds."""
    environ = dict(os.environ, PYTHONPATH=str(source))
    start, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.run(
        [sys.executable, "-m", "indexer.cli", *args], capture_output=True, text=True, env=environ, cwd=source
    )
    elapsed, used = time.perf_counter() - start, _children_cpu() - cpu
    if proc.returncode != 0:
        sys.exit(f"kavosh {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed, used


def answers(source: Path, index: Path, questions: list[str]) -> list:
    """Ids and scores of the top 10 for each question, from `source`'s SearchEngine."""
    code = (
        "import json, sys; from search_ui.engines.folder import SearchEngine; "
        "e = SearchEngine(sys.argv[1]); "
        "print(json.dumps([[(h['id'], h['score']) for h in e.search(q, limit=10)['hits']] "
        "for q in json.load(sys.stdin)]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(index)],
        input=json.dumps(questions),
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(source)),
        cwd=source,  # `python -c` puts the working folder first on the path
        check=True,
    )
    return json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--against", metavar="REV", help="also time `kavosh index` of this git revision")
    parser.add_argument("--copies", type=int, default=8, help="replicas of the 1,393 passages (default 8)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="builds of each kind, the best kept (default 3)"
    )
    parser.add_argument("--procs", default="1,2", help="process counts to time (default 1,2)")
    parser.add_argument("--questions", type=int, default=300, help="questions compared between revisions")
    args = parser.parse_args()
    shared = require_shared()
    procs = [int(p) for p in args.procs.split(",")]
    work = Path(tempfile.mkdtemp(prefix="kavosh-index-speed-"))
    try:
        folder, docs, size, sources = replica_and_sources(work, args.copies, args.against)
        names = {label: f"ix{i}" for i, label in enumerate(sources)}
        best: dict[tuple[str, int], tuple[float, float]] = {}
        for _ in range(args.rounds):
            for nprocs in procs:
                for label, source in sources.items():
                    index = work / f"{names[label]}-{nprocs}"
                    shutil.rmtree(index, ignore_errors=True)
                    cmd = ["--quiet", "index", str(folder), "--index", str(index), "--procs", str(nprocs)]
                    wall, cpu = run_kavosh(source, cmd)
                    key = (label, nprocs)
                    if key not in best or wall < best[key][0]:
                        best[key] = (wall, cpu)
        print(f"{docs:,} documents ({size / 1e6:.1f} MB of .jsonl), best of {args.rounds} rounds")
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
        rows = []
        for (label, nprocs), (wall, cpu) in sorted(best.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            index = work / f"{names[label]}-{nprocs}"
            rows.append([label, nprocs, f"{wall:.2f}", f"{cpu:.2f}", f"{dir_bytes(index) / 1e6:.1f}"])
        print_table(["revision", "procs", "wall s", "CPU s", "index MB"], rows)
        print(f"\nraw text: {size / 1e6:.1f} MB")
        if args.against and 1 not in procs:
            print(
                "answers not compared: two processes share out the documents as they come, so tied documents"
            )
            print("rank differently from one build to the next; compare with --procs 1")
        elif args.against:
            questions = [q["text"] for q in load_jsonl(shared / "queries.jsonl")[: args.questions]]
            nprocs = 1
            mine = answers(ROOT, work / f"ix0-{nprocs}", questions)
            theirs = answers(sources[args.against], work / f"ix1-{nprocs}", questions)
            same = sum(a == b for a, b in zip(mine, theirs, strict=True))
            print(f"same top-10 ids and scores for {same} of {len(questions)} questions ({nprocs} processes)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
