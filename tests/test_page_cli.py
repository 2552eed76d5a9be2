"""Every example in the README and in `--help` is run on samples/ and finds what its text promises (issue 14,
point 4); the command line's small promises: `--version`, the index summary, `--page` past the end.

The examples are read from README.md and from the commands' help, not copied here: an example added there
without a check here fails `test_every_example_has_a_check`.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzers import ANALYZER_VERSION
from indexer.storage.schema import SCHEMA_VERSION
from search_ui.commands.main import cli
from search_ui.engines.folder import SearchEngine
from search_ui.ranking.spelling import max_distance, persian_distance

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
README = (ROOT / "README.md").read_text(encoding="utf-8")
KAVOSH = Path(sys.executable).with_name("kavosh")


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    """samples/ indexed as a fresh clone would index it (file times as they are)."""
    target = tmp_path_factory.mktemp("readme") / "index"
    result = _run("index", str(SAMPLES), "--index", str(target))
    assert result.exit_code == 0, result.output
    return target


@pytest.fixture(scope="module")
def engine(index_dir) -> SearchEngine:
    return SearchEngine(index_dir)


# --- where the examples are ------------------------------------------------------------------------------


def readme_commands() -> list[str]:
    """The `kavosh …` lines of the README's command-line block, without their comments."""
    block = README.split("## The command line", 1)[1].split("\n\n", 2)[1]
    return [
        re.split(r"\s{3,}", line.strip())[0]
        for line in block.splitlines()
        if line.strip().startswith("kavosh")
    ]


def readme_table_queries() -> list[str]:
    """The queries of the README's "you type | it finds" table."""
    table = README.split("| you type | it finds |", 1)[1].split("\n\n", 1)[0]
    queries = []
    for row in table.splitlines()[2:]:
        first = row.split("|")[1]
        queries += re.findall(r"`([^`]+)`", first)
    return queries


def help_text(*command: str) -> str:
    result = _run(*command, "--help")
    assert result.exit_code == 0
    return result.output


def help_queries() -> list[str]:
    """The example queries of `kavosh search --help` (its query-language table)."""
    text = help_text("search").split("Query language", 1)[1].split("\n\n", 1)[0]
    out = []
    for line in text.splitlines()[1:]:
        out += [c for c in re.split(r"\s{2,}", line.strip())[:-1] if "…" not in c]
    return out


def help_commands() -> list[str]:
    lines = help_text().splitlines() + help_text("search").splitlines()
    return [re.split(r"\s{3,}", line.strip())[0] for line in lines if line.strip().startswith("kavosh ")]


# --- what each example promises ---------------------------------------------------------------------------


def _has(engine: SearchEngine, doc_id: str, word: str) -> bool:
    """Whether a document holds a word as the analyzer sees it (any spelling), in its text or its title."""
    doc = engine.document(doc_id, query=word)
    title_hit = engine.search(f"title:{word}", limit=100)
    return "<mark>" in doc["html"] or doc_id in {h["id"] for h in title_hit["hits"]}


def _ids(engine, query: str) -> list[str]:
    return [h["id"] for h in engine.search(query, limit=100)["hits"]]


def requires(*words):
    return lambda e, q, ids: all(_has(e, d, w) for d in ids for w in words)


def excludes(*words):
    return lambda e, q, ids: not any(_has(e, d, w) for d in ids for w in words)


def any_of(*words):
    return lambda e, q, ids: all(any(_has(e, d, w) for w in words) for d in ids)


def finds(doc_id):
    return lambda e, q, ids: doc_id in ids


def first(doc_id):
    return lambda e, q, ids: ids[:1] == [doc_id]


def same_as(other):
    return lambda e, q, ids: ids == _ids(e, other)


def titles_have(text):
    return lambda e, q, ids: all(text in (e.document(d)["title"] or "") for d in ids)


def text_has(prefix):
    return lambda e, q, ids: all(prefix in e.document(d)["text"] for d in ids)


POLICY = "history/siasat-khareji.txt"
# Each query of the README and of `--help`, with what its text says it finds.
PROMISES = {
    "سیاست خارجی": [first(POLICY), any_of("سیاست", "خارجی")],
    "«سیاست خارجی»": [finds(POLICY), requires("سیاست", "خارجی")],
    '"سیاست خارجی"': [same_as("«سیاست خارجی»")],
    "“سیاست خارجی”": [same_as("«سیاست خارجی»")],
    "+ایران عراق": [requires("ایران"), finds(POLICY)],
    "ایران AND عراق": [requires("ایران", "عراق")],
    "کتاب -فیلم": [requires("کتاب"), excludes("فیلم")],
    "کتاب NOT فیلم": [same_as("کتاب -فیلم")],
    "فوتبال OR والیبال": [
        any_of("فوتبال", "والیبال"),
        finds("sport/football.txt"),
        finds("sport/volleyball.txt"),
    ],
    "ایران -(عراق OR ترکیه)": [requires("ایران"), excludes("عراق", "ترکیه")],
    "title:تاریخ": [titles_have("تاریخ")],
    "عنوان:«جنگ جهانی»": [titles_have("جنگ جهانی"), finds(POLICY)],
    "هخامن*": [text_has("هخامن")],
    "کتابخ*": [text_has("کتاب"), finds("misc/ketabkhani.txt")],
    "تهران۲*": [finds("misc/kalamat-ashofte.txt"), text_has("تهران۲")],
    "+ایران -عراق": [requires("ایران"), excludes("عراق")],
    "کتاب*": [text_has("کتاب")],
    "کتاب‌های تاریخی": [any_of("کتاب", "تاریخی")],
    "ایران": [requires("ایران")],
}
# Sentences of the README about queries: «سفر به ماه» does not match «سفر از ماه»; affixes typed apart.
SENTENCES = [
    ("«سفر به ماه»", [finds("science/safar-be-mah.txt")]),
    ("«سفر از ماه»", [lambda e, q, ids: "science/safar-be-mah.txt" not in ids]),
    ("می خوانند", [same_as("می‌خوانند"), same_as("میخوانند"), finds(POLICY)]),
    ("روزنامه ها", [same_as("روزنامه‌ها"), same_as("روزنامهها"), finds(POLICY)]),
]


def test_every_example_has_a_check():
    queries = set(readme_table_queries()) | set(help_queries())
    for line in readme_commands() + help_commands():
        words = shlex.split(line)
        if words[1] == "search" and not words[2].startswith("-"):
            queries.add(words[2])
    assert len(queries) >= 15
    assert queries <= set(PROMISES), queries - set(PROMISES)
    assert "«سفر به ماه»" in README and "می خوانند" in README and "روزنامه ها" in README


@pytest.mark.parametrize("query", sorted(PROMISES))
def test_each_example_query_finds_what_it_promises(engine, query):
    ids = _ids(engine, query)
    assert ids, f"{query!r} finds nothing on samples/"
    for check in PROMISES[query]:
        assert check(engine, query, ids), (query, ids)


@pytest.mark.parametrize(("query", "checks"), SENTENCES, ids=[q for q, _ in SENTENCES])
def test_the_readme_sentences_about_queries_hold(engine, query, checks):
    ids = _ids(engine, query)
    for check in checks:
        assert check(engine, query, ids), (query, ids)


def _prepare(line: str, index_dir: Path, workdir: Path) -> list[str]:
    """A README/--help command line with its placeholders made real: the samples folder, a scratch index."""
    args = shlex.split(line.replace("~/.kavosh-index", str(index_dir)).replace("~/docs", str(SAMPLES)))
    return args[1:]


@pytest.fixture
def questions(tmp_path, monkeypatch) -> Path:
    """questions.jsonl and qrels.tsv in the working folder, as the README's batch/evaluate lines name them."""
    monkeypatch.chdir(tmp_path)
    lines = [
        {"_id": "q1", "text": "سیاست خارجی ایران", "source": "samples"},
        {"_id": "q2", "text": "چای و قهوه", "source": "samples"},
    ]
    (tmp_path / "questions.jsonl").write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n"
    )
    qrels = (
        "query-id\tcorpus-id\tscore\nq1\thistory/siasat-khareji.txt\t1\nq2\tcooking/chai-o-ghahve.txt\t1\n"
    )
    (tmp_path / "qrels.tsv").write_text(qrels)
    return tmp_path


@pytest.mark.parametrize("line", readme_commands() + help_commands())
def test_each_example_command_line_works_on_the_samples(line, tmp_path, questions):
    words = shlex.split(line)
    scratch = tmp_path / "index"
    assert _run("index", str(SAMPLES), "--index", str(scratch)).exit_code == 0
    args = _prepare(line, scratch, questions)
    if words[1] == "serve":  # the README's port may be taken: serve on a free one, check it answers, stop it
        proc = subprocess.Popen([str(KAVOSH), *args, "--port", "0"], stdout=subprocess.PIPE, text=True)
        try:
            announced = proc.stdout.readline()
            assert re.search(r"http://127\.0\.0\.1:\d+/", announced), announced
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        return
    result = _run(*args)
    assert result.exit_code == 0, (line, result.output)
    if words[1] == "search" and "--batch" not in words:
        if "--json" in words:
            body = json.loads(result.output)
            assert body["hits"] and body["page"] == int(words[words.index("--page") + 1])
        else:
            assert re.search(r"\d+-\d+ of [\d,]+ results", result.output), result.output
        if "--folder" in words:
            chosen = {words[i + 1] for i, w in enumerate(words) if w == "--folder"}
            paths = re.findall(r"^   ([\w.#-]+/[\w.#/-]+)(?:  |$)", result.output, re.M)  # ids
            assert paths and all(p.split("/")[0] in chosen for p in paths), paths
    if words[1] == "search" and "--batch" in words:
        run = (questions / "run.tsv").read_text().splitlines()
        assert "q1\thistory/siasat-khareji.txt\t1\t" in "\n".join(run)
    if words[1] == "evaluate":
        assert "MRR@10" in result.output and "1.0000" in result.output


def test_version_names_the_package_analyzer_and_schema():
    result = _run("--version")
    assert result.exit_code == 0
    assert re.fullmatch(
        rf"kavosh \d+\.\d+\.\d+ \(analyzer {re.escape(ANALYZER_VERSION)}, index schema {SCHEMA_VERSION}\)\n",
        result.output,
    )


def test_the_index_summary_reads_right_when_there_is_nothing_to_do(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("عنوان یک\nمتنی کوتاه درباره‌ی کتاب.", encoding="utf-8")
    (folder / "b.txt").write_text("عنوان دو\nمتنی دیگر.", encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")  # found, but skipped: not a file with documents
    first = _run("index", str(folder), "--index", str(tmp_path / "ix"))
    assert first.exit_code == 1  # something was skipped
    assert "generation gen-000001: 2 documents from 2 files" in first.output
    assert "docs/s" in first.output and "MB/s" in first.output
    again = _run("index", str(folder), "--index", str(tmp_path / "ix"))
    assert "already up to date (gen-000001): 2 documents from 2 files" in again.output
    assert "into already" not in again.output
    assert "docs/s" not in again.output and "MB/s" not in again.output
    assert "nothing new to index" in again.output


def test_a_page_past_the_end_says_so_and_exits_1(index_dir):
    total = SearchEngine(index_dir).search("ایران")["total"]
    last = -(-total // 10)
    result = CliRunner().invoke(cli, ["search", "ایران", "--index", str(index_dir), "--page", str(last + 1)])
    assert result.exit_code == 1
    assert f"page {last + 1} is past the last page ({last}) of {total} results" in result.output


def test_help_and_readme_name_the_same_index_folder():
    named = set(re.findall(r"--index (~\S+)", help_text() + help_text("search")))
    assert named == {"~/.kavosh-index"}
    assert "~/.kavosh-index" in README and "~/.kavosh " not in README


def test_did_you_mean_offers_no_word_a_reader_would_take_for_another(tmp_path):
    """The issue's case: without the foreign-policy sample, «سیاست خارجی» suggested ساخت، ساعت، سایت."""
    folder = tmp_path / "samples"
    shutil.copytree(SAMPLES, folder)
    (folder / POLICY).unlink()
    assert _run("index", str(folder), "--index", str(tmp_path / "ix")).exit_code == 0
    engine = SearchEngine(tmp_path / "ix")
    result = engine.search("سیاست خارجی")
    offered = " ".join(result["suggestions"])
    assert not any(word in offered for word in ("ساخت", "ساعت", "سایت")), offered
    assert persian_distance("سیاست", "ساخت") > max_distance("سیاست")
    assert engine.search("آرژانتبن")["suggestions"][:1] == ["آرژانتین"]  # a long word: offered
    assert engine.search("قهوع")["suggestions"][:1] == ["قهوه"]  # one edit on a four-letter word


def test_serve_announces_only_once_it_listens_and_never_on_a_busy_port(index_dir):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run(
            [str(KAVOSH), "serve", "--index", str(index_dir), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode != 0 and "serving" not in proc.stdout and "cannot listen" in proc.stderr
    demo = (ROOT / "Makefile").read_text().split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    assert "serving" not in demo and "kavosh serve" in demo  # the server itself announces, after binding
