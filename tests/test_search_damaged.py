"""A damaged index file is reported as such (rebuild it), never as an unexplained crash."""

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
