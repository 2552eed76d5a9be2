"""Full and incremental builds through the programmatic API (`indexer.build.index_folder`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from whoosh.query import Term

from indexer import errors
from indexer.build import UsageError, index_folder
from indexer.storage import generations as store
from indexer.storage.schema import decode_text


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def stored_docs(index_dir: Path) -> dict[str, dict]:
    gen = store.open_generation(index_dir)
    with gen.index.searcher() as searcher:
        return {fields["id"]: fields for fields in searcher.all_stored_fields()}


def ids_for(index_dir: Path, field: str, word: str) -> set[str]:
    gen = store.open_generation(index_dir)
    with gen.index.searcher() as searcher:
        return {hit["id"] for hit in searcher.search(Term(field, word), limit=None)}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    write(src / "tarikh.txt", "تاریخ ایران\nکوروش بزرگ پادشاه هخامنشی بود.\n")
    write(src / "ashpazi" / "ghorme.md", "مقدمه\n# قورمه سبزی\nسبزی را سرخ کنید.\n")
    write(
        src / "safar.json", json.dumps([{"id": "s1", "title": "سفر شیراز", "text": "حافظیه در شیراز است."}])
    )
    return src


def test_full_build_stores_every_field(folder: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "idx"
    summary = index_folder(folder, index_dir)
    assert (summary.added, summary.updated, summary.deleted, summary.skipped_total) == (3, 0, 0, 0)
    assert summary.documents == 3 and summary.changed and summary.generation == "gen-000001"
    assert store.current_name(index_dir) == "gen-000001"
    docs = stored_docs(index_dir)
    assert set(docs) == {"tarikh.txt", "ashpazi/ghorme.md", "s1"}
    md = docs["ashpazi/ghorme.md"]
    assert (md["path"], md["title"], md["format"]) == ("ashpazi/ghorme.md", "قورمه سبزی", "md")
    assert (
        decode_text(md) == "مقدمه\n\nقورمه سبزی\n\nسبزی را سرخ کنید."
    )  # Markdown stored as its visible text
    assert md["mtime"] == pytest.approx(os.stat(folder / "ashpazi" / "ghorme.md").st_mtime)
    assert "body" not in md
    assert docs["s1"]["path"] == "safar.json" and docs["s1"]["title"] == "سفر شیراز"
    assert ids_for(index_dir, "body", "شیراز") == {"s1"}


def test_incremental_add_change_delete_unchanged(folder: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "idx"
    index_folder(folder, index_dir)
    again = index_folder(folder, index_dir)
    assert not again.changed and again.unchanged == 3 and again.generation == "gen-000001"

    write(folder / "tarikh.txt", "تاریخ ایران\nداریوش کبیر تخت جمشید را ساخت.\n")
    (folder / "ashpazi" / "ghorme.md").unlink()
    write(folder / "varzesh.txt", "فوتبال\nتیم ملی برد.\n")
    summary = index_folder(folder, index_dir)
    assert (summary.added, summary.updated, summary.deleted, summary.unchanged) == (1, 1, 1, 1)
    assert summary.documents == 3 and summary.generation == "gen-000002"
    assert set(stored_docs(index_dir)) == {"tarikh.txt", "varzesh.txt", "s1"}
    assert ids_for(index_dir, "body", "داریوش") == {"tarikh.txt"}
    assert ids_for(index_dir, "body", "کوروش") == set()


def test_touched_file_with_same_content_is_unchanged(folder: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "idx"
    index_folder(folder, index_dir)
    path = folder / "tarikh.txt"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5_000_000_000))
    summary = index_folder(folder, index_dir)
    assert (summary.added, summary.updated, summary.deleted, summary.unchanged) == (0, 0, 0, 3)
    assert summary.bytes_read == 0
    assert index_folder(folder, index_dir).changed is False  # the refreshed mtime was remembered


def test_rebuild_starts_from_scratch(folder: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "idx"
    index_folder(folder, index_dir)
    summary = index_folder(folder, index_dir, rebuild=True)
    assert summary.rebuilt and (summary.added, summary.unchanged) == (3, 0)
    assert summary.generation == "gen-000002" and summary.documents == 3


def test_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is not a folder"):
        index_folder(tmp_path / "nope", tmp_path / "idx")


def test_open_generation_without_index(tmp_path: Path) -> None:
    with pytest.raises(errors.IndexMissing, match="no Kavosh index"):
        store.open_generation(tmp_path)
    assert store.current_name(tmp_path) is None


def test_two_writer_processes_give_the_same_index(folder: Path, tmp_path: Path) -> None:
    for i in range(60):
        write(folder / "many" / f"n{i:03d}.txt", f"یادداشت {i}\nمتن شماره {i} درباره‌ی شیراز و کتاب\n")
    one, two = tmp_path / "one", tmp_path / "two"
    index_folder(folder, one, procs=1)
    summary = index_folder(folder, two, procs=2)
    assert summary.added == 63 and summary.documents == 63
    assert stored_docs(one).keys() == stored_docs(two).keys()
    assert ids_for(one, "body", "شیراز") == ids_for(two, "body", "شیراز")
    (folder / "many" / "n000.txt").unlink()
    write(folder / "many" / "n001.txt", "تغییر\nبدون آن واژه\n")
    again = index_folder(folder, two, procs=2)
    assert (again.updated, again.deleted, again.documents) == (1, 1, 62)
    assert len(ids_for(two, "body", "شیراز")) == len(ids_for(one, "body", "شیراز")) - 2


def test_many_small_updates_merge_segments_without_losing_documents(tmp_path: Path) -> None:
    src, index_dir = tmp_path / "src", tmp_path / "idx"
    src.mkdir()
    counts = []
    for i in range(8):
        write(src / f"f{i}.txt", f"سند {i}\nمتن کوتاه شماره {i} دربارهٔ باران\n")
        summary = index_folder(src, index_dir)
        counts.append(len(store.open_generation(index_dir).index._segments()))
        assert summary.documents == i + 1
    assert max(counts) > 1 and counts[-1] < max(counts)  # Whoosh merged the small segments on the way
    assert set(stored_docs(index_dir)) == {f"f{i}.txt" for i in range(8)}
    assert len(ids_for(index_dir, "body", "باران")) == 8
