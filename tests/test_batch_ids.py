"""The ids of the batch path (`SearchEngine.ranked`): read from stored fields, then all at once from the `id`
field's term dictionary (`folder.every_id`), the same ids either way, across segments and deletions."""

from __future__ import annotations

import pytest

from indexer.build import index_folder
from search_ui.engines import folder as engines_folder
from search_ui.engines.folder import SearchEngine

BODY = "باغ انار و درخت‌های کهن در دامنه‌ی کوه، کنار رود و بازار شهر."


@pytest.fixture()
def index(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(12):
        (docs / f"n{i:02d}.txt").write_text(f"باغ {i}\n{BODY} شماره‌ی {i}", encoding="utf-8")
    index_folder(docs, tmp_path / "index", rebuild=True, procs=1)
    # an incremental run: changed files leave deleted documents in the old segment, new ones in another,
    # and a new file takes a docnum of its own
    for i in (2, 5):
        (docs / f"n{i:02d}.txt").write_text(f"انار {i}\n{BODY} دوباره {i}", encoding="utf-8")
    (docs / "n12.txt").write_text(f"کوه\n{BODY}", encoding="utf-8")
    index_folder(docs, tmp_path / "index")
    return tmp_path / "index"


def test_every_id_is_the_stored_id_of_each_document(index) -> None:
    engine = SearchEngine(index)
    engine.ranked("", limit=1)
    gen = engine._generation()
    searcher = gen.searcher(engine.weighting)
    assert not searcher.is_atomic()  # really several segments
    assert searcher.reader().has_deletions()  # and deleted documents among them
    ids = engines_folder.every_id(searcher)
    live = [d for d in range(searcher.doc_count_all()) if not searcher.reader().is_deleted(d)]
    assert len(live) == 13
    for docnum in live:
        assert ids[docnum] == searcher.stored_fields(docnum)["id"]


@pytest.mark.parametrize("after", [0, 10**9])  # never all at once; all at once after the first id
def test_ranked_gives_the_same_ids_read_either_way(index, monkeypatch, after: int) -> None:
    expected = SearchEngine(index).ranked("باغ انار کوه", limit=100)
    monkeypatch.setattr(engines_folder, "EVERY_ID_AFTER", after)
    engine = SearchEngine(index)
    assert engine.ranked("باغ انار کوه", limit=100) == expected
    assert len(expected) == 13
    assert engine._generation().every_id is bool(after)
