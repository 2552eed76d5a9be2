"""The bundled samples/ folder: the demo corpus indexes cleanly and covers every format and encoding."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from whoosh.query import Term

from indexer.build import index_folder
from indexer.sources.encoding import decode_bytes
from indexer.sources.loader import walk
from indexer.storage import generations as store

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.fixture(scope="module")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index_dir = tmp_path_factory.mktemp("samples") / "idx"
    summary = index_folder(SAMPLES, index_dir)
    assert summary.skipped_total == 0, summary.skipped
    return index_dir


def test_samples_cover_every_format_and_encoding() -> None:
    entries = [e for e in walk(SAMPLES) if not hasattr(e, "reason")]
    formats = Counter(e.format for e in entries)
    assert set(formats) == {"txt", "md", "html", "json", "jsonl"}
    encodings = Counter(decode_bytes(Path(e.abspath).read_bytes())[1] for e in entries)
    assert set(encodings) == {"utf-8", "utf-8-sig", "utf-16", "cp1256"}
    assert sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file()) < 300_000


def test_samples_are_deliberately_messy() -> None:
    text = "".join(decode_bytes(p.read_bytes())[0] for p in SAMPLES.rglob("*") if p.is_file())
    for pattern in ("ي", "ك", "ـ", "\u064f|\u0650|\u064e", "«", "[۰-۹]", "[٠-٩]", "[0-9]", "میشود", "Python"):
        assert re.search(pattern, text), pattern


def test_samples_index_into_at_least_40_documents(sample_index: Path) -> None:
    gen = store.open_generation(sample_index)
    with gen.index.searcher() as searcher:
        docs = list(searcher.all_stored_fields())
        assert len(docs) >= 40
        assert all(d["title"] for d in docs)
        by_id = {d["id"]: d for d in docs}
        assert by_id["travel/kish.htm"]["title"] == "جزيره کيش"  # Windows-1256 HTML
        assert by_id["collections/maghale-ha.json#6"]["title"] == "موسیقی سنتی ایرانی"
        # shared words give several ranked hits, enough to page through
        assert len(searcher.search(Term("body", "کتاب"), limit=None)) >= 3
