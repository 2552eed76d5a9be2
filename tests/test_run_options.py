"""What a run of `kavosh index` is given (`indexer.run_options.RunOptions`), one list for both writers: given
whole or as keywords, never both, an unknown option refused, skipped files counted and reported."""

from __future__ import annotations

import inspect
from collections import Counter

import pytest

from indexer.build import Summary, index_folder
from indexer.opensearch.writer import index_to_cluster
from indexer.run_options import DEFAULT_MAX_SIZE, RunOptions
from indexer.sources.loader import Skip


def test_keywords_or_options_not_both_and_no_unknown_one() -> None:
    assert RunOptions.of(None, {"rebuild": True, "procs": 1}) == RunOptions(rebuild=True, procs=1)
    given = RunOptions(max_size=10)
    assert RunOptions.of(given, {}) is given
    with pytest.raises(TypeError, match="not both"):
        RunOptions.of(given, {"rebuild": True})
    with pytest.raises(TypeError, match="must be a RunOptions"):
        RunOptions.of(True, {})  # a rebuild flag given by position, as the old signature allowed
    with pytest.raises(TypeError, match="rebuilt"):
        RunOptions.of(None, {"rebuilt": True})  # a misspelt option fails, it is not ignored
    assert RunOptions().max_size == DEFAULT_MAX_SIZE
    assert RunOptions(procs=2).keywords()["procs"] == 2


def test_both_writers_take_the_options_and_nothing_else_in_common() -> None:
    for write in (index_folder, index_to_cluster):
        params = inspect.signature(write).parameters
        assert params["options"].annotation in ("RunOptions | None", RunOptions | None)
        assert not set(params) & {"rebuild", "max_size", "lock_timeout", "procs", "on_skip", "on_wait"}


def test_a_skipped_file_is_counted_and_reported(caplog) -> None:
    reported: list[Skip] = []
    counts = Summary()
    skip = RunOptions(on_skip=reported.append).skipper(counts)
    first = Skip("a.doc", "unsupported", "save it as .docx")
    second = Skip("b.txt", "empty", "no text")
    skip(first)
    skip(second)
    skip(first)
    assert counts.skipped == Counter({"unsupported": 2, "empty": 1})
    assert reported == [first, second, first]
    logged = Summary()
    RunOptions().skipper(logged)(second)  # without on_skip: a warning
    assert logged.skipped["empty"] == 1
    assert "b.txt" in caplog.text


def test_index_folder_reads_the_same_with_options_as_with_keywords(tmp_path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("باغ\nدرخت‌های انار در باغ", encoding="utf-8")
    (docs / "big.txt").write_text("کوه\n" + "سنگ " * 400, encoding="utf-8")
    seen: list[Skip] = []
    by_options = index_folder(
        docs, tmp_path / "one", RunOptions(rebuild=True, max_size=1000, on_skip=seen.append)
    )
    by_keywords = index_folder(docs, tmp_path / "two", rebuild=True, max_size=1000)
    assert by_options.documents == by_keywords.documents == 1
    assert by_options.skipped == by_keywords.skipped == Counter({seen[0].reason: 1})
    assert [item.relpath for item in seen] == ["big.txt"]
