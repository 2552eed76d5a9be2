"""`kavosh index`: help, summary lines and exit codes (0 success, 1 partial, 2 usage error)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import cli
from indexer.storage import generations as store


@pytest.fixture(autouse=True)
def _restore_logging():
    yield
    logging.getLogger("kavosh").handlers[:] = []
    logging.getLogger("kavosh").propagate = True


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_help_explains_the_commands() -> None:
    top = run("--help")
    assert top.exit_code == 0 and "index" in top.output and "--quiet" in top.output
    helptext = run("index", "--help").output
    for expected in (
        "--index",
        "--rebuild",
        "--max-size",
        "--lock-timeout",
        "--procs",
        "Windows-1256",
        "Exit",
    ):
        assert expected in helptext


def test_clean_folder_exits_0_with_a_summary(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("سلام\nدنیا", encoding="utf-8")
    (src / "b.jsonl").write_text('{"id": "1", "text": "یک"}\n{"id": "2", "text": "دو"}\n', encoding="utf-8")
    result = run("index", str(src), "--index", str(tmp_path / "idx"))
    assert result.exit_code == 0, result.output
    assert "added 3, updated 0, deleted 0, unchanged 0, skipped 0" in result.output
    assert "docs/s" in result.output and "MB/s" in result.output
    again = run("index", str(src), "--index", str(tmp_path / "idx"))
    assert again.exit_code == 0 and "already up to date" in again.output and "unchanged 3" in again.output


def test_skipped_files_exit_1_and_are_named(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("سلام", encoding="utf-8")
    (src / "zero.txt").write_bytes(b"")
    (src / "big.md").write_text("# بزرگ\n" + "متن " * 500, encoding="utf-8")
    result = run("index", str(src), "--index", str(tmp_path / "idx"), "--max-size", "1KB")
    assert result.exit_code == 1
    assert "skipped zero.txt: empty file" in result.output
    assert "skipped big.md: too large" in result.output
    assert "skipped by reason: empty 1, too-large 1" in result.output
    assert store.open_generation(tmp_path / "idx").index.doc_count() == 1
    # still skipped, and still said so, on the next run
    assert run("index", str(src), "--index", str(tmp_path / "idx"), "--max-size", "1KB").exit_code == 1


def test_quiet_prints_nothing(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "zero.txt").write_bytes(b"")
    result = run("--quiet", "index", str(src), "--index", str(tmp_path / "idx"))
    assert result.exit_code == 1 and result.output == ""


@pytest.mark.parametrize(
    "args",
    [
        ["index", "{tmp}/missing", "--index", "{tmp}/idx"],
        ["index", "{tmp}", "--index", "{tmp}/file.txt"],
        ["index", "{tmp}"],
        ["index", "{tmp}", "--index", "{tmp}/idx", "--max-size", "lots"],
        ["index", "{tmp}", "--index", "{tmp}/idx", "--lock-timeout", "-1"],
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "file.txt").write_text("x")
    result = CliRunner().invoke(cli, [a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "Error" in result.output


def test_max_size_units(tmp_path: Path) -> None:
    from indexer.cli import SizeType

    size = SizeType()
    assert [size.convert(v, None, None) for v in ("10", "2KB", "1.5M", "1GB")] == [10, 2048, 1572864, 1 << 30]


def test_unwritable_index_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("سلام", encoding="utf-8")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("indexer.storage.generations.write_json_durably", full_disk)
    result = CliRunner().invoke(cli, ["index", str(src), "--index", str(tmp_path / "idx")])
    assert result.exit_code == 2
    assert "No space left on device" in result.output and "previous index is unchanged" in result.output
    assert store.current_name(tmp_path / "idx") is None
    assert not list((tmp_path / "idx").glob("gen-*"))  # the half-written generation was removed
