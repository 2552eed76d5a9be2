"""Issue 6: the index stores the text once and stays within 1.5x the raw text on a realistic corpus."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from indexer.build import index_folder
from indexer.sources.encoding import decode_bytes
from indexer.storage import generations as store

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def persian_vocabulary() -> list[str]:
    """The distinct words of the bundled samples, most frequent first."""
    counts: dict[str, int] = {}
    for path in sorted(SAMPLES.rglob("*")):
        if path.is_file():
            for word in re.findall(r"[\u0600-\u06ff\u200c]+", decode_bytes(path.read_bytes())[0]):
                counts[word] = counts.get(word, 0) + 1
    return sorted(counts, key=lambda w: -counts[w])


@pytest.mark.parametrize("procs", [1, 2])
def test_index_is_within_1_5x_the_raw_text(tmp_path: Path, procs: int) -> None:
    vocab = persian_vocabulary()
    assert len(vocab) > 1500
    rng = random.Random(11)
    weights = [1 / (rank + 1) for rank in range(len(vocab))]  # Zipf's law, as in real text
    src = tmp_path / "src"
    src.mkdir()
    raw = 0
    with (src / "corpus.jsonl").open("w", encoding="utf-8") as out:
        for i in range(300):
            # Real documents are bursty: a few topic words recur within one document.
            topic = rng.sample(vocab[50:], 12)
            sentences = []
            for _ in range(20):
                words = [
                    *rng.choices(vocab, weights, k=rng.randint(4, 12)),
                    *rng.choices(topic, k=rng.randint(1, 5)),
                ]
                rng.shuffle(words)
                sentences.append(" ".join(words) + ".")
            record = {"id": f"d{i}", "title": " ".join(topic[:4]), "text": " ".join(sentences)}
            raw += len(record["title"].encode()) + len(record["text"].encode())
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    summary = index_folder(src, tmp_path / "idx", procs=procs)
    assert summary.added == 300
    gen = tmp_path / "idx" / store.current_name(tmp_path / "idx")
    size = sum(p.stat().st_size for p in gen.iterdir() if p.name != store.META)
    print(f"procs={procs}: index {size} bytes for {raw} bytes of text ({size / raw:.2f}x)")
    assert size <= 1.5 * raw, f"index {size} bytes for {raw} bytes of text ({size / raw:.2f}x)"
