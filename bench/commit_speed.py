"""The commit of a segment alone (`KavoshWriter._finalize_segment`), this checkout against another revision.

    python bench/commit_speed.py [--against REV] [--copies 8] [--rounds 3] [--repeat 5]

`kavosh index` spends its last second or so writing each segment's postings and term dictionary while the
parent process waits (issue 12). Each round builds the compare.py corpus (the qa-ir passages replicated
`--copies` times) with one process, in a fresh Python process per revision (the other revision's packages
extracted with `git archive`, as bench/index_speed.py does), and times inside it:

- `finalize`: the whole `_finalize_segment` (stored fields, lengths, columns, postings, term dictionary);
- `add_pooled`: the postings and term dictionary alone (`TermDictFieldWriter.add_pooled` and `close`),
  written `--repeat` more times from the same pooled terms into throwaway segments, best run kept
  (`--profile N` adds one more write under cProfile and prints its top N functions).

Wall and CPU seconds of one process; the best of the rounds for each. The throwaway segments of a build are
compared byte for byte (a revision that writes differently from one write to the next stops here), and the
table ends saying whether every build of every revision wrote the same postings and term dictionary.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from index_speed import replica_and_sources

from corpus import print_table, require_shared


def _timed(call) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def measure(folder: Path, index: Path, repeat: int, profile: int = 0) -> dict:
    """Build `folder` into `index` with one process, timing the commit; what was measured, as a dict."""
    from whoosh.filedb.filestore import FileStorage

    from indexer.build import index_folder
    from indexer.storage.termdict import TermDictFieldWriter
    from indexer.storage.writer import KavoshWriter

    found: dict = {"add_pooled": []}
    real_add_pooled = TermDictFieldWriter.add_pooled
    real_finalize = KavoshWriter._finalize_segment
    scratch = Path(tempfile.mkdtemp(prefix="kavosh-commit-"))

    def write_once(codec, schema, lengths, terms, name: str) -> dict[str, bytes]:
        storage = FileStorage(str(scratch))
        segment = codec.new_segment(storage, name)
        writer = TermDictFieldWriter(codec, storage, segment)
        wall, cpu, _ = _timed(lambda: (real_add_pooled(writer, schema, lengths, terms), writer.close()))
        found["add_pooled"].append((wall, cpu))
        return {ext: (scratch / segment.make_filename(ext)).read_bytes() for ext in (".tdx", ".pst")}

    def write_scratch(codec, schema, lengths, terms) -> None:
        first = write_once(codec, schema, lengths, terms, "scratch0")
        for n in range(1, repeat):
            if write_once(codec, schema, lengths, terms, f"scratch{n}") != first:
                sys.exit("two writes of the same terms differ")
        found["bytes"] = {ext: len(data) for ext, data in first.items()}
        found["sha256"] = hashlib.sha256(first[".pst"] + first[".tdx"]).hexdigest()
        if profile:  # (its own segment: the profiler's time is not among the timings kept)
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(write_once, codec, schema, lengths, terms, "profiled")
            found["add_pooled"].pop()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(profile)

    def add_pooled(self, schema, lengths, terms) -> None:
        terms = list(terms)
        found["terms"] = len(terms)
        found["postings"] = sum(len(postings) // 3 for _, _, postings in terms)
        found["scratch"] = _timed(lambda: write_scratch(self._codec, schema, lengths, terms))[:2]
        real_add_pooled(self, schema, lengths, terms)

    def finalize(self):
        wall, cpu, segment = _timed(lambda: real_finalize(self))
        found["finalize"] = (wall - found["scratch"][0], cpu - found["scratch"][1])  # without the scratch
        return segment

    TermDictFieldWriter.add_pooled = add_pooled
    KavoshWriter._finalize_segment = finalize
    try:
        index_folder(folder, index, procs=1)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return found


def _run_child(source: Path, folder: Path, index: Path, repeat: int, profile: int) -> dict:
    shutil.rmtree(index, ignore_errors=True)
    options = ["--repeat", str(repeat), "--profile", str(profile)]
    proc = subprocess.run(
        [sys.executable, __file__, "--measure", str(folder), str(index), *options],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(source)),
        cwd=source,
    )
    if proc.returncode != 0:
        sys.exit(f"the measurement in {source} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    if profile:
        print(f"{source}:\n{proc.stderr}", file=sys.stderr)
    return json.loads(proc.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--against", metavar="REV", help="also time the commit of this git revision")
    parser.add_argument("--copies", type=int, default=8, help="replicas of the 1,393 passages (default 8)")
    parser.add_argument("--rounds", type=int, default=3, help="builds of each revision (default 3)")
    parser.add_argument("--repeat", type=int, default=5, help="writes of the postings per build (default 5)")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="also print cProfile's top N of one more write"
    )
    parser.add_argument("--measure", nargs=2, metavar=("FOLDER", "INDEX"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:  # the child: one build, its timings as JSON on the last line
        print(json.dumps(measure(Path(args.measure[0]), Path(args.measure[1]), args.repeat, args.profile)))
        return
    require_shared()
    work = Path(tempfile.mkdtemp(prefix="kavosh-commit-speed-"))
    try:
        folder, docs, size, sources = replica_and_sources(work, args.copies, args.against)
        results: dict[str, list[dict]] = {label: [] for label in sources}
        for _ in range(args.rounds):
            for label, source in sources.items():
                results[label].append(_run_child(source, folder, work / "ix", args.repeat, args.profile))
        print(f"{docs:,} documents ({size / 1e6:.1f} MB of text), one process, best of {args.rounds} rounds")
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
        rows = []
        for label, runs in results.items():
            finalize = min(run["finalize"] for run in runs)
            pooled = min(min(run["add_pooled"]) for run in runs)
            terms = runs[0]["terms"]
            rows.append(
                [
                    label,
                    f"{terms:,}",
                    f"{runs[0]['postings']:,}",
                    f"{finalize[0]:.3f} / {finalize[1]:.3f}",
                    f"{pooled[0]:.3f} / {pooled[1]:.3f}",
                    f"{pooled[1] / terms * 1e6:.1f}",
                    f"{runs[0]['bytes']['.pst']:,} / {runs[0]['bytes']['.tdx']:,}",
                ]
            )
        headers = ["revision", "terms", "postings", "finalize wall/CPU s", "add_pooled wall/CPU s"]
        print_table([*headers, "µs CPU a term", ".pst / .tdx bytes"], rows)
        digests = {run["sha256"] for runs in results.values() for run in runs}
        print(f"\n.pst and .tdx {'the same bytes' if len(digests) == 1 else 'DIFFER'} in every build")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
