"""Fuzzing the loader (issue 6): mutated files are each indexed or skipped with a reason; nothing crashes."""

from __future__ import annotations

import codecs
import json
import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.build import index_folder
from indexer.sources.loader import FORMATS, Doc, FileEntry, Skip, parse_file
from indexer.storage import generations as store

PERSIAN = "دانشجویان کتاب‌های «تاریخ» را می‌خوانند؛ ۱۲۳ نفر در ١٤٠٢ آمدند. كتاب يك Python ـ"

SEEDS = {
    "txt": PERSIAN + "\n" + PERSIAN,
    "md": "# عنوان\n\n" + PERSIAN + "\n\n* فهرست\n",
    "html": f"<html><head><title>برگه</title><script>x=1</script></head><body><p>{PERSIAN}</p></body></html>",
    "json": json.dumps([{"id": "a", "title": "یک", "text": PERSIAN}, {"text": PERSIAN}], ensure_ascii=False),
    "jsonl": "\n".join(json.dumps({"_id": str(i), "text": PERSIAN}, ensure_ascii=False) for i in range(3)),
}
BOMS = [codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b""]


def encode(text: str, rng: random.Random) -> bytes:
    choice = rng.randrange(4)
    if choice == 0:
        return text.encode("utf-8")
    if choice == 1:
        return codecs.BOM_UTF8 + text.encode("utf-8")
    if choice == 2:
        return text.encode("utf-16")
    return text.replace("ی", "ي").encode("cp1256", errors="replace")


def mutate(data: bytes, fmt: str, rng: random.Random) -> bytes:
    kind = rng.randrange(9)
    if kind == 0:  # truncated anywhere (often mid-character)
        return data[: rng.randrange(len(data) + 1)]
    if kind == 1:  # a wrong BOM in front
        return rng.choice(BOMS) + data.removeprefix(codecs.BOM_UTF8)
    if kind == 2:  # NUL bytes sprinkled in
        out = bytearray(data)
        for _ in range(rng.randint(1, 5)):
            out.insert(rng.randrange(len(out) + 1), 0)
        return bytes(out)
    if kind == 3:  # deep JSON nesting
        depth = rng.choice([50, 5_000, 200_000])
        return b'{"id": "deep", "text": ' + b"[" * depth + b"1" + b"]" * depth + b"}"
    if kind == 4:  # HTML soup
        tags = [
            "<p>",
            "</div>",
            "<script>",
            "<style",
            "<!--",
            "&#x0;",
            "&amp",
            "<title>",
            "<h1",
            "]]>",
            "<?x",
        ]
        return "".join(rng.choice(tags) + PERSIAN[: rng.randrange(20)] for _ in range(60)).encode()
    if kind == 5:  # random bytes
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
    if kind == 6:  # flipped bytes
        out = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            if out:
                out[rng.randrange(len(out))] = rng.randrange(256)
        return bytes(out)
    if kind == 7:  # a structurally odd JSON value
        return rng.choice([b"null", b"42", b'"str"', b"[[]]", b'{"id": null}', b'[{"id": {}}]', b"{}"])
    return data


def test_mutated_folder_every_file_indexed_or_skipped(tmp_path: Path) -> None:
    rng = random.Random(20240601)
    src = tmp_path / "src"
    src.mkdir()
    names = []
    for i in range(160):
        fmt = rng.choice(sorted(SEEDS))
        ext = next(e for e, f in FORMATS.items() if f == fmt)
        data = mutate(encode(SEEDS[fmt], rng), fmt, rng)
        name = f"f{i:03d}{ext}"
        (src / name).write_bytes(data)
        names.append(name)

    reported: list[Skip] = []
    summary = index_folder(src, tmp_path / "idx", on_skip=reported.append, max_size=1 << 20)
    manifest = store.open_generation(tmp_path / "idx").meta["files"]
    assert summary.files == len(names)
    for name in names:
        indexed = bool(manifest.get(name, {}).get("ids"))
        skipped = [s for s in reported if s.relpath.startswith(name)]
        assert indexed or skipped, f"{name} was neither indexed nor skipped"
        assert all(s.reason and s.detail and "\n" not in s.detail for s in skipped)
    assert "failed" not in summary.skipped  # no internal error was hit
    assert summary.skipped_total == len(reported)
    assert summary.added == store.open_generation(tmp_path / "idx").index.doc_count()
    assert summary.added > 0 and summary.skipped_total > 0  # the mutations produced both outcomes


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=600), fmt=st.sampled_from(sorted(set(FORMATS.values()))))
def test_parse_file_never_raises_on_arbitrary_bytes(data: bytes, fmt: str) -> None:
    items = list(parse_file(FileEntry("x", "/x", fmt, len(data), 0), data))
    assert items and all(isinstance(i, Doc | Skip) for i in items)
    for doc in (i for i in items if isinstance(i, Doc)):
        assert isinstance(doc.body, str) and isinstance(doc.title, str) and doc.id


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300), fmt=st.sampled_from(["txt", "md", "html", "json", "jsonl"]))
def test_parse_file_never_raises_on_arbitrary_text(text: str, fmt: str) -> None:
    data = text.encode("utf-8", errors="surrogatepass")
    items = list(parse_file(FileEntry("x", "/x", fmt, len(data), 0), data))
    assert items and all(isinstance(i, Doc | Skip) for i in items)
