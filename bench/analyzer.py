"""Analyzer speed and memory, side by side in one run on the same text (../shared/data/qa-ir/docs.jsonl).

Prints words/s (whitespace words of the input per CPU second, so every analyzer is measured on the same
count) for Kavosh's PersianAnalyzer, Whoosh's StandardAnalyzer and hazm's Normalizer + word_tokenize +
Stemmer, with ratios, and the peak RSS of a fresh process that has loaded the analyzer.

    python bench/analyzer.py [--against REV] [--rounds N]

`--against REV` also times the analyzer of another git revision (say f0075af) in the same process: its
`analyzers/` is extracted with `git archive` into a temporary folder and imported under another module
name, and both are timed on the same texts in interleaved rounds, so a speed change is measured against
the same machine load. Times are CPU seconds of this process (the machine is shared), best of the rounds.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT.parent / "shared" / "data" / "qa-ir" / "docs.jsonl"
ROUNDS = 5

_RSS_PROBE = """
import sys
sys.path.insert(0, {root!r})
from analyzers import PersianAnalyzer
a = PersianAnalyzer()
sum(1 for _ in a("کتاب‌های دانشجویان را در کتابخانه می‌خوانیم و به محیط‌زیست فکر می‌کنیم " * 50))
with open("/proc/self/status") as fh:
    rss = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
print(rss / 1024, "hazm" in sys.modules)
"""


def _timed(run: Callable[[str], int], texts: list[str]) -> float:
    start = time.process_time()
    for text in texts:
        run(text)
    return time.process_time() - start


def _indexing(analyzer: Callable[..., Iterable[object]]) -> Callable[[str], int]:
    """Analyze a text as indexing does (positions and offsets, index mode) and count its tokens."""

    def run(text: str) -> int:
        return sum(1 for _ in analyzer(text, positions=True, chars=True, mode="index"))

    return run


def load_revision(rev: str, into: Path) -> ModuleType:
    """The `analyzers` package of git revision `rev`, extracted under `into` and imported as a package of
    another name (its imports are relative), so it runs beside the checkout's own."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "analyzers"], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    name = f"analyzers_at_{rev.replace('-', '_').replace('.', '_').replace('/', '_')}"
    spec = importlib.util.spec_from_file_location(
        name, into / "analyzers" / "__init__.py", submodule_search_locations=[str(into / "analyzers")]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def interleaved(
    runs: dict[str, Callable[[str], int]], texts: list[str], rounds: int
) -> dict[str, list[float]]:
    """CPU seconds of each run over all texts, `rounds` times, the order reversed every other round so that
    neither side always runs first (a warmer CPU cache, a quieter neighbour)."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for i in range(rounds):
        for name in names if i % 2 == 0 else reversed(names):
            times[name].append(_timed(runs[name], texts))
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", metavar="REV", help="also time the analyzer of this git revision")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"timed rounds (default {ROUNDS})")
    args = parser.parse_args(argv)
    if not DOCS.exists():
        print(f"skipped: {DOCS} is missing (the shared qa-ir data set sits beside the checkout)")
        return 0
    sys.path.insert(0, str(ROOT))
    from whoosh.analysis import StandardAnalyzer

    from analyzers import PersianAnalyzer

    with open(DOCS, encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh]
    words = sum(len(t.split()) for t in texts)
    runs = {"persian": _indexing(PersianAnalyzer()), "standard": _indexing(StandardAnalyzer())}
    cold = {"persian": _timed(runs["persian"], texts)}  # first pass: lexicon load, every word analyzed once
    with tempfile.TemporaryDirectory(prefix="kavosh-bench-") as tmp:
        if args.against:
            reference = load_revision(args.against, Path(tmp))
            runs["reference"] = _indexing(reference.PersianAnalyzer())
            cold["reference"] = _timed(runs["reference"], texts)
        times = interleaved(runs, texts, args.rounds)
    best = {name: words / min(seconds) for name, seconds in times.items()}
    rows = [
        ("Kavosh PersianAnalyzer (warm caches)", best["persian"]),
        ("Kavosh PersianAnalyzer (first pass)", words / cold["persian"]),
    ]
    if args.against:
        rows += [
            (f"Kavosh at {args.against} (warm caches)", best["reference"]),
            (f"Kavosh at {args.against} (first pass)", words / cold["reference"]),
        ]
    rows.append(("Whoosh StandardAnalyzer", best["standard"]))
    note = ""
    try:
        import hazm

        normalizer, stemmer = hazm.Normalizer(), hazm.Stemmer()

        def run_hazm(text: str) -> int:
            return len([stemmer.stem(w) for w in hazm.word_tokenize(normalizer.normalize(text))])

        sample = texts[:200]
        rows.append(
            (
                "hazm Normalizer+word_tokenize+Stemmer",
                sum(len(t.split()) for t in sample) / _timed(run_hazm, sample),
            )
        )
        note = "; hazm: first 200 passages, one run"
    except ImportError:
        note = "; hazm is not installed, its row is left out"

    print(f"{len(texts)} passages, {words:,} words; CPU time, best of {args.rounds} interleaved runs{note}")
    print(f"{'analyzer':<42}{'words/s':>12}{'Kavosh (warm) is':>20}")
    base = rows[0][1]
    for name, rate in rows:
        print(f"{name:<42}{rate:>12,.0f}{base / rate:>19.2f}x")
    if args.against:
        per_round = [ref / cur for cur, ref in zip(times["persian"], times["reference"], strict=True)]
        ratio = best["persian"] / best["reference"]
        print(
            f"warm speed of this checkout / {args.against}: {ratio:.3f} (best runs),"
            f" {statistics.median(per_round):.3f} (median of the {args.rounds} rounds' ratios,"
            f" {min(per_round):.3f}-{max(per_round):.3f})"
        )
    probe = subprocess.run(
        [sys.executable, "-c", _RSS_PROBE.format(root=str(ROOT))], capture_output=True, text=True, check=True
    )
    rss, hazm_loaded = probe.stdout.split()
    print(f"peak RSS of a fresh process that loaded the analyzer: {float(rss):.1f} MB", end="")
    print(f" (hazm imported: {hazm_loaded})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
