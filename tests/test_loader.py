"""Formats, encodings and bad input: the loader turns each file into documents or a counted skip."""

from __future__ import annotations

import codecs
import grp
import importlib
import json
import os
import pwd
import select
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.build import index_folder
from indexer.cli import cli
from indexer.sources import FIRST_LINE_TITLE_MAX, TITLE_MAX, first_line
from indexer.sources.encoding import DecodeError, decode_bytes
from indexer.sources.html import read_html
from indexer.sources.loader import Doc, FileEntry, Skip, parse_file, walk
from indexer.storage import generations as store

TEXT = "کتاب‌های تاریخی «ایران» را در ۱۴۰۲ خواندم.\nدومین سطر متن."
# Windows-1256 has no Persian ی or Persian digits: legacy files carry Arabic ي and ASCII digits.
CP_TEXT = TEXT.replace("ی", "ي").replace("۱۴۰۲", "1402")


def entry(name: str, fmt: str, data: bytes = b"") -> FileEntry:
    return FileEntry(name, "/nonexistent/" + name, fmt, len(data), 0)


def parse(name: str, fmt: str, data: bytes) -> list[Doc | Skip]:
    return list(parse_file(entry(name, fmt, data), data))


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),  # with a BOM (Python writes the native one)
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
        (CP_TEXT.encode("cp1256"), "cp1256"),
    ],
)
def test_each_encoding_decodes_to_the_same_text(data: bytes, encoding: str) -> None:
    text, found = decode_bytes(data)
    assert found == encoding
    assert text == (CP_TEXT if encoding == "cp1256" else TEXT)


def test_cp1256_keeps_persian_letters_and_zwnj() -> None:
    # Windows-1256 has پ چ ژ گ ک and the ZWNJ (0x9D)
    sample = "پژوهشگر چگونه مي\u200cنويسد؟ گفت: «کتاب»"
    text, encoding = decode_bytes(sample.encode("cp1256"))
    assert (text, encoding) == (sample, "cp1256")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_truncated_tail_is_forgiven(encoding: str) -> None:
    data = TEXT.encode(encoding)[:-1]  # the last letter cut in half
    text, found = decode_bytes(data)
    assert found == encoding and text == TEXT[:-1]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (TEXT.encode("utf-8")[:20] + b"\xff\xfe\xfd" + TEXT.encode("utf-8"), "undecodable"),
        (codecs.BOM_UTF8 + CP_TEXT.encode("cp1256"), "undecodable"),
        (codecs.BOM_UTF16_LE + "سلام".encode("utf-16-le")[:4] + b"\x00\xdc" + b"a\x00", "undecodable"),
        (bytes(range(0x80, 0x100)) * 3, "undecodable"),
        (b"abc\x01\x02\x03\x04\x05\x06\x07\x08" * 10, "binary"),
        (TEXT.encode("utf-16-le"), "undecodable"),  # UTF-16 without its BOM
        (b"\x00\x00\x00\x01" * 20, "binary"),
    ],
)
def test_bad_bytes_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode_bytes(data)
    assert info.value.reason == reason and info.value.detail


def test_txt_title_is_first_non_empty_line() -> None:
    [doc] = parse("a.txt", "txt", b"\n\n  \xd8\xb3\xd9\x84\xd8\xa7\xd9\x85  \nbody")
    assert isinstance(doc, Doc)
    assert (doc.id, doc.path, doc.title, doc.format) == ("a.txt", "a.txt", "سلام", "txt")


def test_a_long_first_line_is_cut_after_a_whole_word() -> None:
    """A title of last resort is about a headline long (FIRST_LINE_TITLE_MAX) and ends with a whole word; a
    record's own title keeps up to TITLE_MAX."""
    line = " ".join(["گزارش", "سالانه", "کتابخانه‌های", "عمومی", "استان"] * 10)
    [doc] = parse("a.txt", "txt", (line + "\nمتن").encode())
    assert 0 < len(doc.title) <= FIRST_LINE_TITLE_MAX < len(line)
    assert line.startswith(doc.title + " ")  # cut between two words, not inside one
    [doc] = parse("b.txt", "txt", ("الف" * 150).encode())  # no space to cut at: cut at the limit
    assert doc.title == "الف" * 40
    titled = json.dumps({"id": "r1", "title": line, "text": "متن"}, ensure_ascii=False)
    [record] = parse("c.jsonl", "jsonl", titled.encode())
    assert record.title == line[:TITLE_MAX]


def _first_line_by_splitting(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if len(line) > FIRST_LINE_TITLE_MAX:
            cut = line[: FIRST_LINE_TITLE_MAX + 1].rsplit(None, 1)[0]
            return cut if len(cut) <= FIRST_LINE_TITLE_MAX else line[:FIRST_LINE_TITLE_MAX]
        if line:
            return line
    return ""


_LINE_CHARS = list("ab کتاب\n\r\v\f\x1c\x1d\x1e\x1f\x85\u2028\u2029\t\u00a0\u200c\u3000")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(st.sampled_from(_LINE_CHARS), max_size=300), st.text(max_size=300)))
def test_first_line_is_the_first_of_the_texts_lines(text: str) -> None:
    """first_line finds the line without splitting the text: the line str.splitlines gives first, stripped,
    among those not blank (every line break and space Python knows)."""
    assert first_line(text) == _first_line_by_splitting(text)


def test_md_title_is_first_heading() -> None:
    data = "پیش‌گفتار بی‌عنوان\n\n## آشپزی ایرانی ##\n\nمتن".encode()
    [doc] = parse("b.md", "md", data)
    assert doc.title == "آشپزی ایرانی" and "پیش‌گفتار" in doc.body


def test_html_visible_text_only() -> None:
    markup = """<!doctype html><html><head><title> سفر به
    اصفهان </title><style>p { color: red }</style><script>var secret = "پنهان";</script></head>
    <body><nav>منو</nav><h1>سی‌وسه‌پل</h1><p>پل &laquo;زیبا&raquo; &amp; قدیمی</p>
    <noscript>جاوااسکریپت</noscript><!-- یادداشت --></body></html>"""
    found = read_html(markup)
    title, text = found.title, found.text
    assert title == "سفر به اصفهان"
    assert "پل «زیبا» & قدیمی" in text and "سی‌وسه‌پل" in text
    for hidden in ("secret", "پنهان", "color", "جاوااسکریپت", "یادداشت"):
        assert hidden not in text


def test_html_title_falls_back_to_first_heading() -> None:
    [doc] = parse("c.html", "html", "<div><h2>  قلعه الموت </h2><p>متن</p></div>".encode())
    assert doc.title == "قلعه الموت" and doc.format == "html"


def test_json_list_and_object_and_missing_ids() -> None:
    records = [{"id": 7, "title": "یک", "text": "متن یک"}, {"_id": "b", "body": "متن دو"}, {"text": "سه"}]
    docs = parse("d/x.json", "json", json.dumps(records, ensure_ascii=False).encode())
    assert [(d.id, d.path, d.format) for d in docs] == [
        ("7", "d/x.json", "json"),
        ("b", "d/x.json", "json"),
        ("d/x.json#3", "d/x.json", "json"),
    ]
    assert docs[1].body == "متن دو" and docs[1].title == "متن دو"
    [single] = parse("o.json", "json", b'{"id": "o", "title": "t", "text": "x"}')
    assert single.id == "o"


def test_jsonl_bad_lines_are_skipped_and_the_rest_kept() -> None:
    data = '{"_id": "a", "text": "الف"}\n\n{broken\n[1, 2]\n{"_id": "c", "title": 5, "text": "ج"}\n'.encode()
    items = parse("r.jsonl", "jsonl", data)
    assert [d.id for d in items if isinstance(d, Doc)] == ["a", "c"]
    skips = [s for s in items if isinstance(s, Skip)]
    assert [(s.relpath, s.reason) for s in skips] == [
        ("r.jsonl:3", "bad-json"),
        ("r.jsonl (line 4)", "bad-record"),
    ]


@pytest.mark.parametrize(
    ("name", "fmt", "data", "reason"),
    [
        ("e.txt", "txt", b"", "empty"),
        ("e.txt", "txt", b" \n\t\n", "empty"),
        ("b.txt", "txt", b"abc\x00def", "binary"),
        ("j.json", "json", b'{"id": "x", "text": ', "bad-json"),
        ("j.json", "json", b"[" * 100_000 + b"]" * 100_000, "bad-json"),
        ("j.json", "json", b'{"id": ["not", "a", "string"], "text": "x"}', "bad-record"),
        ("j.json", "json", b'{"id": "x", "text": {"nested": 1}}', "bad-record"),
        ("j.json", "json", b'{"id": "x"}', "empty"),
        ("h.html", "html", b"<script>only()</script><style>x{}</style>", "empty"),
    ],
)
def test_bad_files_become_skips(name: str, fmt: str, data: bytes, reason: str) -> None:
    [item] = parse(name, fmt, data)
    assert isinstance(item, Skip) and item.reason == reason and item.detail
    assert str(item).startswith(f"skipped {name}")


def test_walk_finds_supported_files_and_reports_loops(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "x.TXT").write_text("x")
    (root / "y.md").write_text("y")
    (root / "program.exe").write_bytes(b"MZ\x90")  # not a format Kavosh reads: ignored
    (root / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0")  # a format it knows it cannot read: reported
    (root / ".hidden.txt").write_text("h")
    (root / "a" / "up").symlink_to(root)  # a loop back to the top
    (root / "self").symlink_to(root / "self")  # a link to itself
    (root / "dangling.txt").symlink_to(root / "missing.txt")
    items = list(walk(root))
    files = [i.relpath for i in items if isinstance(i, FileEntry)]
    skips = {i.relpath: i.reason for i in items if isinstance(i, Skip)}
    assert files == ["a/b/x.TXT", "y.md"]
    assert skips == {
        "a/up": "symlink-loop",
        "self": "symlink-loop",
        "dangling.txt": "unreadable",
        "old.doc": "unsupported-format",
    }


def _unreadable_folder(parent: Path) -> Path:
    """A folder with two readable documents and one file nobody may read (mode 000)."""
    src = parent / "src"
    src.mkdir()
    (src / "a.txt").write_text("کتاب اول\nمتن نخستین سند", encoding="utf-8")
    (src / "b.md").write_text("# سفر دوم\nشرح سفری به کوهستان", encoding="utf-8")
    (src / "secret.txt").write_text("راز\nمتنی که کسی نباید بخواند", encoding="utf-8")
    (src / "secret.txt").chmod(0)
    return src


def test_unreadable_file_is_skipped(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file: test_unreadable_file_is_skipped_as_root covers this")
    src = _unreadable_folder(tmp_path)
    skipped: list[Skip] = []
    summary = index_folder(src, tmp_path / "idx", on_skip=skipped.append)
    assert summary.skipped == {"unreadable": 1} and summary.added == 2
    assert [str(s) for s in skipped] == ["skipped secret.txt: cannot read (Permission denied)"]


def _run_kavosh_as(uid: int, gid: int, args: list[str], timeout: float = 120) -> tuple[int, str]:
    """Run `kavosh ARGS` in a forked child that drops to uid:gid; return its exit code and stderr.

    A fork, not a new interpreter: the interpreter may live where that user cannot reach it (here under
    /root, mode 0700). Everything the child needs must already be imported by the parent."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 70
        try:
            os.close(read_fd)
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            sys.stderr = open(write_fd, "w", encoding="utf-8")  # closed by os._exit
            try:
                cli.main(args, prog_name="kavosh")
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stderr.flush()
            os._exit(code)
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    with os.fdopen(read_fd, "rb") as pipe:
        while select.select([pipe], [], [], max(0.0, deadline - time.monotonic()))[0]:
            chunk = os.read(pipe.fileno(), 65536)
            if not chunk:
                break
            chunks.append(chunk)
        else:
            os.kill(pid, signal.SIGKILL)
    status = os.waitpid(pid, 0)[1]
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping privileges needs root")
def test_unreadable_file_is_skipped_as_root() -> None:
    """CI runs as root, who reads every file whatever its mode: run `kavosh index` in a child that drops to
    nobody:nogroup, over a folder that user may traverse (pytest's tmp_path is 0700 under root's)."""
    try:
        nobody, nogroup = pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
    except KeyError:
        pytest.skip("no nobody/nogroup user on this system")
    top = Path(tempfile.mkdtemp(prefix="kavosh-unreadable-"))
    try:
        top.chmod(0o755)
        src = _unreadable_folder(top)
        src.chmod(0o755)
        for name in ("a.txt", "b.md"):
            (src / name).chmod(0o644)
        # Warm up as root so the child imports and loads nothing new (tqdm is imported when logging).
        importlib.import_module("tqdm")
        warm = top / "warm"
        warm.mkdir()
        (warm / "w.txt").write_text("گرم کردن\nکتاب‌ها را می‌خوانند", encoding="utf-8")
        assert index_folder(warm, top / "warm-idx").added == 1
        idx = top / "idx"
        idx.mkdir()
        os.chown(idx, nobody, nogroup)  # the child writes the index as nobody
        code, stderr = _run_kavosh_as(nobody, nogroup, ["index", str(src), "--index", str(idx)])
        assert code == 1, stderr  # partial: something was skipped
        assert "Traceback" not in stderr
        skip_lines = [line for line in stderr.splitlines() if line.startswith("skipped ")]
        assert [line for line in skip_lines if not line.startswith("skipped by reason")] == [
            "skipped secret.txt: cannot read (Permission denied)"
        ], stderr
        assert "added 2, updated 0, deleted 0, unchanged 0, skipped 1" in stderr
        assert "skipped by reason: unreadable 1" in stderr
        gen = store.open_generation(idx)
        with gen.index.searcher() as searcher:
            assert sorted(fields["id"] for fields in searcher.all_stored_fields()) == ["a.txt", "b.md"]
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_every_bad_kind_is_counted_by_index_folder(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.txt").write_text("خوب\nمتن خوب")
    (src / "cp.txt").write_bytes("متن ويندوزي".encode("cp1256"))
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(b"\x00\x01\x02")
    (src / "latin.txt").write_bytes(bytes(range(0xC0, 0x100)) + b"\x80\x81\x82\x83")
    (src / "big.txt").write_text("بزرگ " * 1000)
    (src / "broken.json").write_text("{")
    (src / "loop").symlink_to(src)
    summary = index_folder(src, tmp_path / "idx", max_size=2000)
    assert summary.added == 2
    assert summary.skipped == {
        "empty": 1,
        "binary": 1,
        "undecodable": 1,
        "too-large": 1,
        "bad-json": 1,
        "symlink-loop": 1,
    }


def test_file_vanishing_before_it_is_read_is_unreadable(tmp_path: Path) -> None:
    from indexer.build import _index_file

    skips: list[Skip] = []
    gone = FileEntry("gone.txt", str(tmp_path / "gone.txt"), "txt", 10, 0)
    assert _index_file(None, gone, 1000, set(), skips.append) == ([], None)
    assert [(s.relpath, s.reason) for s in skips] == [("gone.txt", "unreadable")]


def test_file_name_that_is_not_utf8_is_skipped(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "ok.txt").write_text("درست", encoding="utf-8")
    with open(os.path.join(os.fsencode(src), b"bad-\xff.txt"), "wb") as fh:
        fh.write("نام خراب".encode())
    skipped: list[Skip] = []
    summary = index_folder(src, tmp_path / "idx", on_skip=skipped.append)
    assert summary.added == 1 and summary.skipped == {"bad-name": 1}
    assert skipped[0].relpath == "bad-\ufffd.txt"


def test_empty_folder_gives_an_empty_index(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    summary = index_folder(tmp_path / "src", tmp_path / "idx")
    assert (summary.documents, summary.skipped_total, summary.changed) == (0, 0, True)
    assert index_folder(tmp_path / "src", tmp_path / "idx").changed is False
