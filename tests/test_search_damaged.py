"""Index states a search must survive: a damaged file (reported: rebuild it), and a word whose documents
were all deleted by an update (its postings are empty from the start)."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer import store
from indexer.build import index_folder
from search_ui.engine import SearchEngine
from search_ui.web import create_app


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_a_truncated_segment_is_a_clear_index_error(tmp_path: Path, keep: float) -> None:
    (tmp_path / "docs").mkdir()
    for i in range(30):
        text = f"یادداشت {i} درباره‌ی باغ و کتاب و دریا"
        (tmp_path / "docs" / f"{i}.txt").write_text(text, encoding="utf-8")
    index_folder(tmp_path / "docs", tmp_path / "index")
    gen = tmp_path / "index" / store.current_name(tmp_path / "index")
    (segment,) = gen.glob("*.seg")
    data = segment.read_bytes()
    segment.write_bytes(data[: int(len(data) * keep)])

    engine = SearchEngine(tmp_path / "index")
    with pytest.raises(store.KavoshIndexError, match="rebuild"):
        engine.search("کتاب")
    assert engine.health()["loaded"] is False
    response = create_app(tmp_path / "index").test_client().get("/api/search?q=کتاب")
    assert response.status_code == 503 and "rebuild" in response.get_json()["error"]


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
