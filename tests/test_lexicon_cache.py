"""The folded lexicon is cached on disk and read back only when it is current."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analyzers import lexicon as lexicon_module
from analyzers.lexicon import _load, cache_dir, load_cached


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A private copy of hazm's data files (a test may change them)."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("words.dat", "verbs.dat", "stopwords.dat"):
        shutil.copy(lexicon_module.data_dir() / name, folder / name)
    return folder


@pytest.fixture
def cache(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("KAVOSH_CACHE_DIR", str(folder))
    return folder


def test_the_cache_is_written_once_and_read_back_equal(data: Path, cache: Path) -> None:
    fresh = _load(data)
    first = load_cached(data)
    files = list(cache.iterdir())
    assert len(files) == 1 and files[0].name.startswith("lexicon-")
    written = files[0].stat().st_mtime_ns
    second = load_cached(data)
    assert first == fresh and second == fresh
    assert "کتاب" in second.forms and second.is_word("کتاب")
    assert files[0].stat().st_mtime_ns == written  # read, not rewritten


def test_a_changed_data_file_is_not_served_from_a_stale_cache(data: Path, cache: Path) -> None:
    load_cached(data)
    words = (data / "words.dat").read_text(encoding="utf-8")
    (data / "words.dat").write_text(words.rstrip("\n") + "\nواژه‌نوساخته\t7\tN\n", encoding="utf-8")
    changed = load_cached(data)
    assert "واژهنوساخته" in changed.forms
    assert len(list(cache.iterdir())) == 2


def test_a_damaged_cache_is_refolded_and_replaced(data: Path, cache: Path) -> None:
    load_cached(data)
    (path,) = cache.iterdir()
    fresh = _load(data)
    path.write_bytes(b"\x00not a lexicon")
    assert load_cached(data) == fresh
    assert load_cached(data) == fresh  # the rewritten file reads back
    path.write_bytes(path.read_bytes()[:1000])  # truncated
    assert load_cached(data) == fresh


def test_an_unwritable_cache_place_is_not_an_error(data: Path, tmp_path: Path, monkeypatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("KAVOSH_CACHE_DIR", str(blocker / "cache"))  # a folder inside a file: never creatable
    assert load_cached(data) == _load(data)


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KAVOSH_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "kavosh"
    monkeypatch.setenv("KAVOSH_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"
