"""Index states a search must survive: a damaged file (reported: rebuild it), and a word whose documents
were all deleted by an update (its postings are empty from the start)."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import FileStorage

from indexer import errors
from indexer.build import index_folder
from indexer.storage import generations as store
from indexer.storage.blockstore import BLOCK_STORED_NAME
from search_ui.engines.folder import SearchEngine
from search_ui.web.app import create_app


def _indexed_segment(tmp_path: Path, texts: list[str]) -> Path:
    """Index one note per text under tmp_path/index; return the live generation's segment file."""
    (tmp_path / "docs").mkdir()
    for i, text in enumerate(texts):
        (tmp_path / "docs" / f"{i}.txt").write_text(text, encoding="utf-8")
    index_folder(tmp_path / "docs", tmp_path / "index")
    (segment,) = (tmp_path / "index" / store.current_name(tmp_path / "index")).glob("*.seg")
    return segment


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_a_truncated_segment_is_a_clear_index_error(tmp_path: Path, keep: float) -> None:
    segment = _indexed_segment(tmp_path, [f"یادداشت {i} درباره‌ی باغ و کتاب و دریا" for i in range(30)])
    data = segment.read_bytes()
    segment.write_bytes(data[: int(len(data) * keep)])

    engine = SearchEngine(tmp_path / "index")
    with pytest.raises(errors.KavoshIndexError, match="rebuild"):
        engine.search("کتاب")
    assert engine.health()["loaded"] is False
    response = create_app(tmp_path / "index").test_client().get("/api/search?q=کتاب")
    assert response.status_code == 503 and "rebuild" in response.get_json()["detail"]


def test_a_word_whose_only_documents_were_deleted_is_searchable(tmp_path: Path) -> None:
    """After an update removes a word's only document, that segment still lists the word but its postings
    (deleted documents filtered out) are empty from the start: every query path must cope."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(20):
        (docs / f"{i}.txt").write_text(f"سند {i} درباره‌ی باغ و کتاب و دریا", encoding="utf-8")
    (docs / "a.txt").write_text("واژه‌ی یگانه اینجا در باغ است", encoding="utf-8")
    index_folder(docs, tmp_path / "index")
    (docs / "a.txt").write_text("اینجا در باغ است", encoding="utf-8")
    index_folder(docs, tmp_path / "index")
    engine = SearchEngine(tmp_path / "index")
    reader = engine._generation().searcher(engine.weighting).reader()
    assert reader.has_deletions() and ("body", "یگانه") in reader  # the layout under test

    assert engine.search("یگانه")["total"] == 0
    assert engine.search("یگانه باغ")["total"] == 21  # keywords with the proximity bonus
    assert engine.search("«یگانه اینجا»")["total"] == 0
    assert engine.search("«اینجا در باغ»")["total"] == 1
    assert engine.search("+باغ یگانه -دریا")["total"] == 1


def test_a_damaged_stored_text_block_is_a_clear_index_error(tmp_path: Path) -> None:
    """A flipped byte inside the compressed document texts (found by its checksum when read)."""
    texts = [f"یادداشت {i}: باغ و کتاب و دریا، و سخنی دیگر درباره‌ی شهر شماره‌ی {i * 7}." for i in range(40)]
    segment = _indexed_segment(tmp_path, texts)
    compound = CompoundStorage(FileStorage(str(segment.parent)).open_file(segment.name), use_mmap=False)
    (name,) = [n for n in compound.list() if n.endswith(f"{BLOCK_STORED_NAME}.col")]
    where = compound._dir[name]
    compound.close()  # closes the segment file too
    data = bytearray(segment.read_bytes())
    middle = where["offset"] + where["length"] // 2
    data[middle] ^= 0xFF
    segment.write_bytes(bytes(data))

    engine = SearchEngine(tmp_path / "index")
    with pytest.raises(errors.KavoshIndexError, match="damaged"):
        for page in (1, 2, 3, 4):  # every hit's text is read: one of them lies in the damaged block
            engine.search("کتاب", page=page, limit=10)
    client = create_app(tmp_path / "index").test_client()
    statuses = [client.get(f"/api/search?q=کتاب&page={page}") for page in (1, 2, 3, 4)]
    assert {r.status_code for r in statuses} <= {200, 503}
    assert any(r.status_code == 503 and "rebuild" in r.get_json()["detail"] for r in statuses)
