"""Analyzer precision audit: how often a whole word is cut into several terms, and how often a word a reader
types vanishes from a keyword query (every term it gives is a stopword, though the word itself is no
function word).

Measured over hazm's lexicon (`words.dat`: every tagged single word, and the frequent ones, frequency >= 1000)
and over the running words of a corpus (the qa-ir passages in ../shared, when present). Prints the shares and
examples of each. The precision bounds the analyzer is held to: lexicon words split <= 0.2%, lexicon words
that vanish <= 0.1%.

    python bench/analyzer_audit.py [--corpus docs.jsonl] [--examples 15]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analyzers import PersianAnalyzer  # noqa: E402
from analyzers.lexicon import data_dir  # noqa: E402
from analyzers.stopwords import is_function_word  # noqa: E402

DOCS = ROOT.parent / "shared" / "data" / "qa-ir" / "docs.jsonl"
FREQUENT = 1000
SPLIT_BOUND = 0.002
VANISH_BOUND = 0.001
_WORD = re.compile(r"[\u0621-\u06ff\u200c\ufb50-\ufdff\ufe70-\ufefc]+")


def verdict(word: str, analyzer=None) -> tuple[bool, bool, list[str]]:
    """(split, vanished, terms) for one word as a query would see it."""
    analyzer = analyzer or PersianAnalyzer()
    toks = [(t.text, t.stopped) for t in analyzer(word, mode="query", removestops=False)]
    terms = [text for text, _ in toks]
    split = len(toks) > 1
    vanished = bool(toks) and all(stopped for _, stopped in toks) and not is_function_word(word)
    return split, vanished, terms


def lexicon_words(min_freq: int = 0) -> list[str]:
    """Tagged single words of hazm's words.dat (no spaces), at least `min_freq` frequent."""
    out = []
    with open(data_dir() / "words.dat", encoding="utf-8") as fh:
        for line in fh:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 3 or cols[2] == "0" or " " in cols[0].strip() or not cols[0].strip():
                continue
            if (int(cols[1]) if cols[1].isdigit() else 0) >= min_freq:
                out.append(cols[0].strip())
    return out


def corpus_words(path: Path) -> Counter[str]:
    """Running Persian words of a JSON-lines corpus (`text` and `title`), counted."""
    counts: Counter[str] = Counter()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            for field in ("title", "text"):
                counts.update(_WORD.findall(str(rec.get(field) or "")))
    return counts


def audit(words: Iterable[str], weights: Counter[str] | None = None) -> dict:
    """Shares of split and vanished words (weighted by `weights` when given), with examples by weight."""
    analyzer = PersianAnalyzer()
    total = split_n = vanish_n = 0
    splits: list[tuple[int, str, list[str]]] = []
    vanishes: list[tuple[int, str, list[str]]] = []
    for word in words:
        weight = weights[word] if weights is not None else 1
        split, vanished, terms = verdict(word, analyzer)
        total += weight
        if split:
            split_n += weight
            splits.append((weight, word, terms))
        if vanished:
            vanish_n += weight
            vanishes.append((weight, word, terms))
    splits.sort(key=lambda item: -item[0])
    vanishes.sort(key=lambda item: -item[0])
    return {"total": total, "split": split_n, "vanish": vanish_n, "splits": splits, "vanishes": vanishes}


def _row(name: str, result: dict) -> str:
    total = max(result["total"], 1)
    return (
        f"| {name} | {result['total']:,} | {result['split']:,} ({result['split'] / total:.2%}) "
        f"| {result['vanish']:,} ({result['vanish'] / total:.2%}) |"
    )


def _examples(title: str, items: list[tuple[int, str, list[str]]], n: int) -> list[str]:
    if not items:
        return [f"{title}: none"]
    shown = ", ".join(f"{word} → {' + '.join(terms)}" for _, word, terms in items[:n])
    return [f"{title} ({len(items):,} distinct): {shown}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DOCS)
    parser.add_argument("--examples", type=int, default=15)
    args = parser.parse_args()

    every = audit(dict.fromkeys(lexicon_words()))
    frequent = audit(dict.fromkeys(lexicon_words(FREQUENT)))
    lines = [
        "| words | count | split into 2+ terms | vanish from a keyword query |",
        "|---|---|---|---|",
        _row("lexicon, every tagged word", every),
        _row(f"lexicon, frequency >= {FREQUENT:,}", frequent),
    ]
    corpus = None
    if args.corpus.is_file():
        counts = corpus_words(args.corpus)
        corpus = audit(counts, counts)
        lines.append(_row(f"corpus running words ({args.corpus.parent.name})", corpus))
    else:
        lines.append(f"(corpus {args.corpus} not found: skipped)")
    print("\n".join(lines))
    print()
    for name, result in (("frequent lexicon", frequent), ("corpus", corpus)):
        if result is not None:
            print("\n".join(_examples(f"{name}, split", result["splits"], args.examples)))
            print("\n".join(_examples(f"{name}, vanish", result["vanishes"], args.examples)))
    ok = (
        frequent["split"] <= SPLIT_BOUND * frequent["total"]
        and frequent["vanish"] <= VANISH_BOUND * frequent["total"]
    )
    print()
    bounds = f"split <= {SPLIT_BOUND:.1%}, vanish <= {VANISH_BOUND:.1%}"
    print(f"precision bounds (frequent lexicon words: {bounds}):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
