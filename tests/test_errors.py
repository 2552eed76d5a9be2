"""Errors by kind: a bad request and a refused query are 400 (exit 2), a missing or damaged index 503 (exit 2)
with a log line, and a bug (any other exception) 500 with its traceback in the log (exit 3), never reported
as a missing index. The same kinds from the folder engine and the OpenSearch engine."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer import errors
from indexer.build import index_folder
from indexer.opensearch.client import ClusterUnavailable
from indexer.storage import generations as store
from indexer.storage.blockstore import BlockStoreError
from indexer.storage.termdict import CorruptTermDict
from search_ui.commands.main import cli
from search_ui.engines import cluster as opensearch_engine
from search_ui.engines import folder as engine_module
from search_ui.engines.cluster import OpenSearchEngine
from search_ui.engines.folder import SearchEngine
from search_ui.ranking import bm25f
from search_ui.ranking.compile import BadRequest, QueryRefused, QueryTooExpensive
from search_ui.results.filters import make_filters
from search_ui.web.app import create_app

DOCS = {
    "a.txt": "باغ ایرانی\nباغ‌های ایرانی با جوی آب و درختان سرو شناخته می‌شوند.",
    "b.txt": "فرش\nفرش دستباف کاشان در جهان نامدار است و نقش باغ دارد.",
}


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    """A fresh index of its own for each test (some of them damage it)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    index_folder(docs, tmp_path / "index")
    return tmp_path / "index"


def _live(index_dir: Path) -> Path:
    return index_dir / store.current_name(index_dir)


def _cli(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _logged(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= level]


def test_the_kinds_form_one_hierarchy() -> None:
    assert issubclass(BadRequest, ValueError)  # callers that caught the engine's ValueError still do
    assert issubclass(QueryTooExpensive, QueryRefused)
    # no usable index: `kavosh index` starts afresh
    assert issubclass(errors.IndexDamaged, errors.IndexMissing)
    # the storage formats' own errors are that one kind (a flipped byte is damage, whoever reads it)
    assert issubclass(CorruptTermDict, errors.IndexDamaged) and issubclass(
        BlockStoreError, errors.IndexDamaged
    )
    assert issubclass(ClusterUnavailable, errors.KavoshIndexError)
    assert issubclass(errors.IndexMissing, errors.KavoshIndexError)
    assert not issubclass(TypeError, errors.KavoshIndexError)
    assert not issubclass(QueryRefused, errors.KavoshIndexError) and not issubclass(BadRequest, QueryRefused)


# --- bad request: 400 ------------------------------------------------------------------------------------


def test_a_bad_page_or_limit_is_a_bad_request_from_the_engine(index_dir: Path) -> None:
    engine = SearchEngine(index_dir)
    with pytest.raises(BadRequest) as page:
        engine.search("باغ", page=0)
    with pytest.raises(BadRequest) as limit:
        engine.search("باغ", limit=101)
    assert (page.value.code, limit.value.code) == ("bad-page", "bad-limit")


def test_a_bad_parameter_is_400_with_its_code(index_dir: Path) -> None:
    client = create_app(index_dir).test_client()
    for url, code in [
        ("/api/search?q=باغ&page=0", "bad-page"),
        ("/api/search?q=باغ&limit=500", "bad-limit"),
        ("/api/search", "missing-q"),
        ("/api/search?q=%ff%fe", "bad-encoding"),
    ]:
        response = client.get(url)
        assert response.status_code == 400, url
        assert response.get_json()["error"] == code, url


# --- refused query: 400 ----------------------------------------------------------------------------------


def test_a_refused_query_is_400_refused(index_dir: Path) -> None:
    with pytest.raises(QueryRefused):
        SearchEngine(index_dir).search("ب*")
    response = create_app(index_dir).test_client().get("/api/search?q=ب*")
    assert response.status_code == 400
    assert response.get_json()["refused"] is True and response.get_json()["error"] == "refused"
    result = _cli("search", "ب*", "--index", str(index_dir))
    assert result.exit_code == 2 and "error:" in result.output


# --- index missing and index damaged: 503 with a log line ------------------------------------------------


def test_a_missing_index_is_503_with_a_log_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(errors.IndexMissing) as err:
        SearchEngine(tmp_path / "none").search("باغ")
    assert not isinstance(err.value, errors.IndexDamaged)
    caplog.set_level(logging.INFO)
    response = create_app(tmp_path / "none").test_client().get("/api/search?q=باغ")
    assert response.status_code == 503 and response.get_json()["error"] == "index-unavailable"
    assert any("index unavailable (IndexMissing)" in m for m in _logged(caplog, logging.ERROR))
    result = _cli("search", "باغ", "--index", str(tmp_path / "none"))
    assert result.exit_code == 2 and "error: no Kavosh index" in result.output


def test_an_unreadable_generation_is_a_damaged_index(
    index_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (_live(index_dir) / store.META).write_text("{not json", encoding="utf-8")
    engine = SearchEngine(index_dir)
    with pytest.raises(errors.IndexDamaged, match="rebuild"):
        engine.search("باغ")
    assert engine.health() == {"loaded": False, "documents": 0, "generation": store.current_name(index_dir)}
    caplog.set_level(logging.INFO)
    response = create_app(index_dir).test_client().get("/api/search?q=باغ")
    assert response.status_code == 503
    assert str(index_dir) not in response.get_data(as_text=True)  # the path goes to the log only
    assert any("index unavailable (IndexDamaged)" in m for m in _logged(caplog, logging.ERROR))
    result = _cli("search", "باغ", "--index", str(index_dir))
    assert result.exit_code == 2 and "unreadable" in result.output and "Traceback" not in result.output


def test_a_generation_whoosh_cannot_open_is_a_damaged_index(index_dir: Path) -> None:
    for toc in _live(index_dir).glob("*.toc"):
        toc.unlink()
    with pytest.raises(errors.IndexDamaged):
        SearchEngine(index_dir).search("باغ")


def test_whooshs_own_type_error_on_an_empty_file_is_a_damaged_index(index_dir: Path) -> None:
    """Whoosh reading an empty table of contents fails with a TypeError (`ord()` of an empty read): that is
    a damaged file, not a bug of ours."""
    for toc in _live(index_dir).glob("*.toc"):
        toc.write_bytes(b"")
    with pytest.raises(errors.IndexDamaged) as err:
        SearchEngine(index_dir).search("باغ")
    assert isinstance(err.value.__cause__, TypeError)
    assert errors.is_bug(TypeError("raised by our own code"))


def test_a_truncated_segment_is_a_damaged_index_not_a_missing_one(index_dir: Path) -> None:
    (segment,) = _live(index_dir).glob("*.seg")
    segment.write_bytes(segment.read_bytes()[:200])
    with pytest.raises(errors.KavoshIndexError) as err:
        SearchEngine(index_dir).search("باغ")
    assert type(err.value) is not errors.IndexMissing  # a damaged kind (IndexDamaged, or the codec's own)


# --- a bug: 500 with a log line, never 503 ---------------------------------------------------------------


def _inject_type_error(*args, **kwargs):
    raise TypeError("an injected bug")


def test_a_bug_while_opening_the_index_is_500_not_503(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(bm25f, "warm", _inject_type_error)  # runs inside the engine's opening of the index
    with pytest.raises(TypeError, match="injected"):
        SearchEngine(index_dir).search("باغ")
    caplog.set_level(logging.INFO)
    client = create_app(index_dir).test_client()
    api, page = client.get("/api/search?q=باغ"), client.get("/?q=باغ")
    assert api.status_code == page.status_code == 500
    assert api.get_json()["error"] == "internal-error"
    for response in (api, page):
        body = response.get_data(as_text=True)
        assert "TypeError" not in body and "injected" not in body and "Traceback" not in body
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("internal error" in r.getMessage() and "TypeError" in r.getMessage() for r in logged)
    assert any(r.exc_info and r.exc_info[0] is TypeError for r in logged)  # the traceback is in the log
    assert not any("index unavailable" in r.getMessage() for r in logged)


def test_a_bug_in_whoosh_opening_is_not_a_damaged_index(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store.whoosh_index, "open_dir", _inject_type_error)
    with pytest.raises(TypeError, match="injected"):
        store.open_generation(index_dir)


def test_a_value_error_bug_in_the_engine_is_500_not_a_bad_parameter(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_parse(query: str):
        raise ValueError("an injected bug")

    monkeypatch.setattr(engine_module, "parse", broken_parse)
    response = create_app(index_dir).test_client().get("/api/search?q=باغ")
    assert response.status_code == 500 and response.get_json()["error"] == "internal-error"


def test_a_bug_in_health_is_500_not_an_unloaded_index(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bm25f, "warm", _inject_type_error)
    assert create_app(index_dir).test_client().get("/healthz").status_code == 500


def test_a_bug_on_the_command_line_is_one_line_and_exit_3(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bm25f, "warm", _inject_type_error)
    for args in (["search", "باغ"], ["--verbose", "search", "باغ"]):
        result = _cli(*args, "--index", str(index_dir))
        assert result.exit_code == 3
        assert "internal error (TypeError: an injected bug)" in result.output
        assert "no Kavosh index" not in result.output and "rebuild" not in result.output


# --- kavosh serve at start-up: the index's own message, or a bug called a bug ------------------------------

SERVE = ("serve", "--port", "0", "--host", "127.0.0.1")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_refuses_a_damaged_index_with_the_rebuild_message(index_dir: Path, workers: str) -> None:
    (segment,) = _live(index_dir).glob("*.seg")
    segment.write_bytes(segment.read_bytes()[:200])
    result = _cli(*SERVE, "--workers", workers, "--index", str(index_dir))
    assert result.exit_code == 2
    assert "rebuild" in result.output and "internal error" not in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_refuses_a_missing_index_with_the_build_message(tmp_path: Path, workers: str) -> None:
    result = _cli(*SERVE, "--workers", workers, "--index", str(tmp_path / "none"))
    assert result.exit_code == 2 and "error: no Kavosh index" in result.output


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_bug_at_serve_start_up_is_an_internal_error_with_its_traceback_logged(
    index_dir: Path, workers: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not "rebuild the index": a programming error while opening it is exit 3, its traceback in the log."""
    monkeypatch.setattr(bm25f, "warm", _inject_type_error)  # the in-process server's engine opening
    monkeypatch.setattr(store, "open_generation", _inject_type_error)  # the forking server's early check
    result = _cli(*SERVE, "--workers", workers, "--index", str(index_dir))
    assert result.exit_code == 3
    assert "internal error (TypeError: an injected bug)" in result.output
    assert "rebuild" not in result.output and "no Kavosh index" not in result.output
    # the log (kavosh's handler on stderr, without --verbose) holds the traceback, down to the injected bug
    assert "Traceback (most recent call last)" in result.output and "_inject_type_error" in result.output


# --- the OpenSearch engine raises the same kinds ---------------------------------------------------------


def test_the_opensearch_engine_raises_the_same_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(opensearch_engine, "SEARCH_RETRY_FOR", 0.0)
    engine = OpenSearchEngine("http://127.0.0.1:9/kavosh")  # the discard port: nothing listens there
    with pytest.raises(BadRequest):
        engine.search("باغ", page=0)
    with pytest.raises(BadRequest):
        engine.search("باغ", limit=0)
    with pytest.raises(ClusterUnavailable):
        engine.search("باغ")
    with pytest.raises(ClusterUnavailable):  # filters are the cluster's too: the same kind of error
        engine.search("باغ", filters=make_filters(["sport"], [], "", "", ""))
    with pytest.raises(errors.KavoshIndexError):
        OpenSearchEngine("http://127.0.0.1:9/Bad Name").search("باغ")
    response = create_app("unused", engine=engine).test_client().get("/api/search?q=باغ")
    assert response.status_code == 503
