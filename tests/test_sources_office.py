"""Word, OpenDocument, EPUB and RTF files written at test time by their own libraries (python-docx, odfpy,
ebooklib; RTF as Word writes it), with headings, tables, footnotes, ZWNJ and «…» (issue 15)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import makedocs  # tests/makedocs.py: documents made with real tools
import pytest

from indexer.build import index_folder
from indexer.sources.loader import Doc, FileEntry, Skip, parse_file
from search_ui.engines.folder import SearchEngine

FILES = {
    "notes.docx": makedocs.docx_file,
    "notes.odt": makedocs.odt_file,
    "book.epub": makedocs.epub_file,
    "notes.rtf": makedocs.rtf_file,
    "legacy.rtf": lambda: makedocs.rtf_file(codepage=True),
}


def parse(name: str, data: bytes) -> list[Doc | Skip]:
    fmt = name.rsplit(".", 1)[1]
    return list(parse_file(FileEntry(name, "/nonexistent/" + name, fmt, len(data), 0), data))


@pytest.mark.parametrize("name", ["notes.docx", "notes.odt"])
def test_office_text_title_date_table_and_footnote(name: str) -> None:
    [doc] = parse(name, FILES[name]())
    assert doc.title == makedocs.DOC_TITLE and doc.format == name.rsplit(".", 1)[1]
    assert doc.date == 1683356889.0  # 2023-05-06 07:08:09 UTC
    lines = doc.body.split("\n")
    assert lines[:2] == [makedocs.HEADING, makedocs.PARAGRAPH]  # ZWNJ and «…» kept as typed
    assert [cell for row in makedocs.TABLE for cell in row] == lines[2:8]  # the table, cell by cell
    assert lines[-1] == makedocs.FOOTNOTE  # footnotes after the body


def test_epub_chapters_in_reading_order_without_the_table_of_contents() -> None:
    [doc] = parse("book.epub", makedocs.epub_file())
    assert doc.title == "داستان‌های کوچه" and doc.date == 1663891200.0  # 1401/07/01 = 2022-09-23
    expected = [part for chapter in makedocs.CHAPTERS for part in chapter]
    assert [line for line in doc.body.split("\n") if line] == expected


@pytest.mark.parametrize("codepage", [False, True])
def test_rtf_in_unicode_escapes_and_in_the_windows_1256_code_page(codepage: bool) -> None:
    [doc] = parse("n.rtf", makedocs.rtf_file(codepage=codepage))
    legacy = str.maketrans({"ی": "ي", "۴": "4", "۰": "0"}) if codepage else {}
    assert doc.title == makedocs.DOC_TITLE.translate(legacy)
    assert doc.body.split("\n") == [
        makedocs.HEADING.translate(legacy),
        makedocs.PARAGRAPH.translate(legacy),
        " \t".join(makedocs.TABLE[1]).translate(legacy),
        makedocs.FOOTNOTE.translate(legacy),
    ]


@pytest.fixture(scope="module")
def office_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("office")
    (root / "docs").mkdir()
    for name, make in FILES.items():
        (root / "docs" / name).write_bytes(make())
    summary = index_folder(root / "docs", root / "idx")
    assert summary.added == len(FILES) and summary.skipped_total == 0, summary.skipped
    return root / "idx"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("مادربزرگ", {"notes.docx", "notes.odt", "notes.rtf", "legacy.rtf"}),
        ("«آش رشته»", {"notes.docx", "notes.odt", "notes.rtf", "legacy.rtf"}),
        ("کشک‌بادمجان", {"notes.docx", "notes.odt", "notes.rtf", "legacy.rtf"}),  # in a table
        ("«دست‌نویس عمه‌جان»", {"notes.docx", "notes.odt", "notes.rtf", "legacy.rtf"}),  # in the footnote
        ("دستنویس", {"notes.docx", "notes.odt", "notes.rtf", "legacy.rtf"}),  # typed without ZWNJ
        ("«دختر همسایه»", {"book.epub"}),
        ("کاهگلی", {"book.epub"}),
    ],
)
def test_found_by_keyword_and_phrase_with_highlights(
    office_index: Path, query: str, expected: set[str]
) -> None:
    hits = SearchEngine(office_index).search(query, limit=20)["hits"]
    assert {h["id"] for h in hits} == expected
    words = {w.replace("\u200c", "") for w in re.findall(r"[^\s«»]+", query)}
    for hit in hits:
        marked = re.findall(r"<mark>(.*?)</mark>", hit["snippet"])
        assert marked and {w.replace("\u200c", "") for m in marked for w in m.split()} <= words | {
            w.replace("ی", "ي") for w in words
        }


def _zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("photos.docx", _zip_of({"a.jpg": b"\xff\xd8\xff"}), "bad-docx"),  # a zip that is not a DOCX
        ("cut.docx", makedocs.docx_file()[:3000], "bad-docx"),  # truncated
        ("plain.docx", "متن ساده در قالب اشتباه".encode(), "bad-docx"),
        ("bad.odt", _zip_of({"content.xml": b"<office:document-content"}), "bad-odt"),
        ("sheet.odt", _zip_of({"content.xml": b"<a/>"}), "bad-odt"),
        ("cut.epub", makedocs.epub_file()[:2000], "bad-epub"),
        ("letter.rtf", "نامه".encode(), "bad-rtf"),
    ],
)
def test_broken_files_are_skipped_with_a_reason(name: str, data: bytes, reason: str) -> None:
    [item] = parse(name, data)
    assert isinstance(item, Skip) and item.reason == reason and item.detail and "\n" not in item.detail


def test_zip_bomb_is_refused_not_unpacked() -> None:
    data = _zip_of({"word/document.xml": b" " * (300 * 1024 * 1024)})
    [item] = parse("bomb.docx", data)
    assert isinstance(item, Skip) and item.reason == "too-large"


def test_broken_files_never_lose_what_was_indexed(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "notes.docx").write_bytes(makedocs.docx_file())
    (folder / "book.epub").write_bytes(makedocs.epub_file())
    assert index_folder(folder, tmp_path / "idx").added == 2
    (folder / "notes.docx").write_bytes(b"PK\x03\x04 damaged")  # the file is damaged in place
    (folder / "other.odt").write_bytes(b"not a zip")
    summary = index_folder(folder, tmp_path / "idx")
    assert summary.skipped == {"bad-docx": 1, "bad-odt": 1}
    # a damaged file's old documents are removed with it (it changed), and the run still completes
    assert summary.deleted == 1 and summary.changed
    assert [h["id"] for h in SearchEngine(tmp_path / "idx").search("کاهگلی")["hits"]] == ["book.epub"]
    (folder / "notes.docx").write_bytes(makedocs.docx_file())
    assert index_folder(folder, tmp_path / "idx").added == 1
    assert [h["id"] for h in SearchEngine(tmp_path / "idx").search("مادربزرگ")["hits"]] == ["notes.docx"]
