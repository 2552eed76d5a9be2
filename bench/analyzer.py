"""Analyzer speed and memory, side by side in one run on the same text (../shared/data/qa-ir/docs.jsonl).

Prints words/s (whitespace words of the input per second, so every analyzer is measured on the same
count) for Kavosh's PersianAnalyzer, Whoosh's StandardAnalyzer and hazm's Normalizer + word_tokenize +
Stemmer, with ratios, and the peak RSS of a fresh process that has loaded the analyzer.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

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
    start = time.perf_counter()
    for text in texts:
        run(text)
    return time.perf_counter() - start


def main() -> int:
    if not DOCS.exists():
        print(f"skipped: {DOCS} is missing (the shared qa-ir data set sits beside the checkout)")
        return 0
    sys.path.insert(0, str(ROOT))
    from whoosh.analysis import StandardAnalyzer

    from analyzers import PersianAnalyzer

    with open(DOCS, encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh]
    words = sum(len(t.split()) for t in texts)
    persian, standard = PersianAnalyzer(), StandardAnalyzer()

    def run_persian(text: str) -> int:
        return sum(1 for _ in persian(text, positions=True, chars=True, mode="index"))

    def run_standard(text: str) -> int:
        return sum(1 for _ in standard(text, positions=True, chars=True, mode="index"))

    cold = _timed(run_persian, texts)  # first pass: lexicon load and every word analyzed once
    runs: dict[str, float] = {"persian": float("inf"), "standard": float("inf")}
    for _ in range(ROUNDS):  # interleaved, best of ROUNDS: the machine is shared
        runs["persian"] = min(runs["persian"], _timed(run_persian, texts))
        runs["standard"] = min(runs["standard"], _timed(run_standard, texts))
    rows = [
        ("Kavosh PersianAnalyzer (warm caches)", words / runs["persian"]),
        ("Kavosh PersianAnalyzer (first pass)", words / cold),
        ("Whoosh StandardAnalyzer", words / runs["standard"]),
    ]
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

    print(f"{len(texts)} passages, {words:,} words; best of {ROUNDS} interleaved runs{note}")
    print(f"{'analyzer':<42}{'words/s':>12}{'Kavosh (warm) is':>20}")
    base = rows[0][1]
    for name, rate in rows:
        print(f"{name:<42}{rate:>12,.0f}{base / rate:>19.2f}x")
    probe = subprocess.run(
        [sys.executable, "-c", _RSS_PROBE.format(root=str(ROOT))], capture_output=True, text=True, check=True
    )
    rss, hazm_loaded = probe.stdout.split()
    print(f"peak RSS of a fresh process that loaded the analyzer: {float(rss):.1f} MB", end="")
    print(f" (hazm imported: {hazm_loaded})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
