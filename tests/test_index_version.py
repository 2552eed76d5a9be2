"""An index written by schema version 5, before the pickled classes moved into `indexer.storage`: its
pickles name `indexer.schema.CompactPositions` and `indexer.codec.KavoshCodec`, which no longer exist.
Search refuses it by its version (never a crash while unpickling), `kavosh index` rebuilds it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh import index as whoosh_index

import indexer.build
from indexer import errors
from indexer.build import index_folder
from indexer.storage import codec, schema
from indexer.storage import generations as store
from search_ui.commands.main import cli
from search_ui.engines.folder import SearchEngine

OLD_NAMES = {"indexer.schema": schema, "indexer.codec": codec}


def build_version_5(src: Path, idx: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Index `src` as schema version 5 wrote it: same bytes, old module names in the pickles, version 5."""
    with monkeypatch.context() as m:
        for name, module in OLD_NAMES.items():
            m.setitem(sys.modules, name, module)
        m.setattr(schema.CompactPositions, "__module__", "indexer.schema")
        m.setattr(codec.KavoshCodec, "__module__", "indexer.codec")
        m.setattr(indexer.build, "SCHEMA_VERSION", 5)
        index_folder(src, idx)
    return idx / store.current_name(idx)


@pytest.fixture
def old_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    src, idx = tmp_path / "src", tmp_path / "idx"
    src.mkdir()
    (src / "a.txt").write_text("کتابخانهٔ ملی\nکتاب‌های تاریخی ایران در این کتابخانه است.", encoding="utf-8")
    (src / "b.txt").write_text("باغ ارم\nباغی در شیراز با درختان سرو.", encoding="utf-8")
    gen = build_version_5(src, idx, monkeypatch)
    return src, idx, gen


def test_the_old_index_names_the_old_modules(old_index) -> None:
    _, _, gen = old_index
    assert json.loads((gen / store.META).read_text())["schema_version"] == 5
    toc = b"".join(p.read_bytes() for p in gen.glob("*.toc"))
    assert b"indexer.schema" in toc and b"indexer.codec" in toc
    assert b"indexer.storage" not in toc
    with pytest.raises(ImportError):  # what a reader would meet without the version check
        whoosh_index.open_dir(str(gen))


def test_search_refuses_a_version_5_index_with_the_rebuild_message(old_index) -> None:
    _, idx, _ = old_index
    with pytest.raises(errors.IndexVersionMismatch, match=r"schema 5.*schema 6.*--rebuild"):
        store.open_generation(idx)
    engine = SearchEngine(idx)
    with pytest.raises(errors.IndexVersionMismatch, match="--rebuild"):
        engine.search("کتاب")
    assert engine.health()["loaded"] is False
    result = CliRunner().invoke(cli, ["search", "کتاب", "--index", str(idx)])
    assert result.exit_code == 2
    assert "rebuild" in result.output


def test_kavosh_index_rebuilds_a_version_5_index(old_index) -> None:
    src, idx, _ = old_index
    result = CliRunner().invoke(cli, ["index", str(src), "--index", str(idx)])
    assert result.exit_code == 0, result.output
    assert "another analyzer or schema version: rebuilding from scratch" in result.output
    assert "cannot open" not in result.output
    gen = store.open_generation(idx)
    assert gen.meta["schema_version"] == schema.SCHEMA_VERSION == 6
    hits = SearchEngine(idx).search("کتابخانه")["hits"]
    assert [h["path"] for h in hits] == ["a.txt"]
