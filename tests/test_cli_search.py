"""`kavosh search` and `kavosh evaluate` as a user runs them (click's runner, real index)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from search_ui.commands.main import cli

DOCS = {
    "a.txt": "باغ ایرانی\nباغ‌های ایرانی با جوی آب و درختان سرو شناخته می‌شوند.",
    "b.txt": "فرش\nفرش دستباف کاشان در جهان نامدار است و نقش باغ دارد.",
    "c.txt": "شعر\nحافظ و سعدی دو شاعر بزرگ شیرازند.",
}


@pytest.fixture(scope="module")
def index_dir(build_index):
    return str(build_index(DOCS, "cli"))


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_json_output_has_the_contract_keys(index_dir):
    result = run("search", "باغ ایرانی", "--index", index_dir, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"query", "total", "took_ms", "suggestions", "hits"} <= set(data)
    assert data["hits"][0]["id"] == "a.txt"
    assert "<mark>باغ‌های</mark>" in data["hits"][0]["snippet"]


def test_readable_output_is_plain_text_off_a_terminal(index_dir):
    result = run("search", "باغ", "--index", index_dir, "--limit", "1")
    assert result.exit_code == 0
    assert "1-1 of 2 results" in result.output
    assert "<mark>" not in result.output and "\x1b[" not in result.output
    assert "باغ" in result.output


def test_paging_and_no_results(index_dir):
    second = json.loads(
        run("search", "باغ", "--index", index_dir, "--json", "--limit", "1", "--page", "2").output
    )
    assert second["page"] == 2 and len(second["hits"]) == 1
    none = run("search", "کهکشان", "--index", index_dir)
    assert none.exit_code == 1 and "0 results" in none.output


def test_errors_are_one_line_and_exit_2(index_dir, tmp_path):
    missing = run("search", "باغ", "--index", str(tmp_path / "none"))
    assert missing.exit_code == 2 and "error: no Kavosh index" in missing.output
    refused = run("search", "ب*", "--index", index_dir)
    assert refused.exit_code == 2 and "error:" in refused.output
    assert run("search", "--index", index_dir).exit_code == 2  # no query at all
    assert run("search", "باغ", "--index", index_dir, "--limit", "0").exit_code == 2


def test_batch_writes_a_run_file_and_counts_bad_lines(index_dir, tmp_path):
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"_id": "1", "text": "باغ"}\n{"_id": "2", "text": "حافظ"}\nbroken\n{"_id": "3", "text": "ب*"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "run.tsv"
    result = run("search", "--index", index_dir, "--batch", str(queries), "--run", str(out))
    assert result.exit_code == 1  # a bad line and a refused query were reported
    assert "line 3" in result.output and "refused query 3" in result.output
    rows = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r[:3] for r in rows] == [["1", "a.txt", "1"], ["1", "b.txt", "2"], ["2", "c.txt", "1"]]
    assert float(rows[0][3]) >= float(rows[1][3])


def test_evaluate_prints_the_measures(index_dir, tmp_path):
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"_id": "1", "text": "فرش کاشان", "source": "x-dev"}\n{"_id": "2", "text": "شاعر", "source": "y"}\n',
        encoding="utf-8",
    )
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("query-id\tcorpus-id\tscore\n1\tb.txt\t1\n2\tc.txt\t1\n", encoding="utf-8")
    result = run("evaluate", "--index", index_dir, "--queries", str(queries), "--qrels", str(qrels), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.splitlines()[-1])
    assert data["rows"]["all"]["MRR@10"] == 1.0
    assert set(data["rows"]) == {"all", "x", "x-dev", "y"}
    table = run("evaluate", "--index", index_dir, "--queries", str(queries), "--qrels", str(qrels))
    assert "MRR@10" in table.output and "x-dev" in table.output


def test_batch_in_two_processes_writes_the_same_run(index_dir, tmp_path):
    queries = tmp_path / "q.jsonl"
    words = ["باغ", "فرش", "حافظ", "کاشان", "سرو", "شاعر"] * 12
    queries.write_text("".join(f'{{"_id": "q{i}", "text": "{w}"}}\n' for i, w in enumerate(words)), "utf-8")
    runs = []
    for workers in ("1", "2"):
        out = tmp_path / f"run{workers}.tsv"
        args = [
            "search",
            "--index",
            index_dir,
            "--batch",
            str(queries),
            "--run",
            str(out),
            "--workers",
            workers,
        ]
        assert run(*args).exit_code == 0
        runs.append(out.read_text(encoding="utf-8"))
    assert runs[0] == runs[1] and runs[0].count("\n") >= len(words)
