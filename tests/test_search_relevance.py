"""Relevance on the real Persian retrieval set ../shared/data/qa-ir (skipped when it is absent).

All 2,942 questions against the 1,393 passages (about 20 s: indexing ~10 s, questions ~3 ms each), asserting
issue 4's targets: MRR@10 above 0.83 overall and above 0.71 on parsinlu-rc (Lucene 8.7's PersianAnalyzer
with BM25: 0.827 and 0.700). Measured when written: 0.8332 and 0.7201; with spaced affixes joined and the
title weighted above the body: 0.8410 and 0.7207. KAVOSH_QUICK_RELEVANCE=1 asks every third question only,
against bounds measured on that sample less a margin.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from indexer.build import index_folder
from indexer.storage import generations as store
from search_ui.commands.batch import run_batch
from search_ui.commands.evaluate import evaluate, read_qrels, read_queries
from search_ui.engines.folder import SearchEngine

QA = Path(__file__).resolve().parents[2] / "shared" / "data" / "qa-ir"
FULL = os.environ.get("KAVOSH_QUICK_RELEVANCE") != "1"
# (overall, parsinlu-rc) lower bounds: the targets for the full set; for the every-third sample, the
# values measured on it (0.834 / 0.713; now 0.838 / 0.711) less a margin.
TARGETS = (0.83, 0.71) if FULL else (0.82, 0.70)

pytestmark = pytest.mark.skipif(not (QA / "docs.jsonl").is_file(), reason=f"{QA} not found")


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("qa-ir")
    (root / "docs").mkdir()
    shutil.copy(QA / "docs.jsonl", root / "docs" / "docs.jsonl")
    index_folder(root / "docs", root / "index", rebuild=True)
    return root / "index"


@pytest.fixture(scope="module")
def report(index_dir: Path):
    queries = read_queries(QA / "queries.jsonl").queries
    if not FULL:
        queries = queries[::3]
    run = run_batch(SearchEngine(index_dir), queries, depth=100)
    assert not run.refused
    return evaluate(run.ranked_ids(), read_qrels(QA / "qrels.tsv"), queries)


def test_mrr_beats_the_lucene_baseline(report):
    overall, rc = report.rows["all"]["MRR@10"], report.rows["parsinlu-rc"]["MRR@10"]
    print(f"\nqa-ir MRR@10: all {overall:.4f}, parsinlu-rc {rc:.4f} ({report.counts['all']} questions)")
    assert overall > TARGETS[0]
    assert rc > TARGETS[1]


def test_recall_at_100_is_high(report):
    assert report.rows["all"]["R@100"] > 0.97


def test_the_real_passages_index_within_1_5x_their_text(index_dir: Path) -> None:
    """Issue 6 on a real corpus, where a small collection's term dictionary once made it 2.46x (now 1.13x)."""
    raw = sum(len(r.get("title", "").encode()) + len(r["text"].encode()) for r in _records(QA / "docs.jsonl"))
    gen = index_dir / store.current_name(index_dir)
    size = sum(p.stat().st_size for p in gen.iterdir() if p.name != store.META)
    print(f"\nqa-ir index {size:,} bytes for {raw:,} bytes of text ({size / raw:.2f}x)")
    assert size <= 1.5 * raw


def _records(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
