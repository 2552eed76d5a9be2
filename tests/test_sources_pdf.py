"""Persian PDFs made at test time with real tools (issue 15): a correctly shaped one (fpdf2 + HarfBuzz), one
written the old way (presentation forms in visual order: arabic-reshaper + python-bidi) and a scan (an image
made by Pillow). Each is found by its words, in keyword and phrase search, with the highlights on the words
and the page of each match known."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import makedocs  # tests/makedocs.py: documents made with real tools
import pytest
from bidi.algorithm import get_display
from click.testing import CliRunner

from indexer.build import index_folder
from indexer.cli import cli
from indexer.progress import Progress
from indexer.sources import ocr
from indexer.sources.loader import Doc, FileEntry, ReadOptions, Skip, parse_file
from indexer.sources.pages import page_of
from indexer.sources.pdf_repair import (
    fold_presentation_forms,
    in_logical_order,
    repair_page,
    repair_words,
    reverse_line,
    text_quality,
    unmirror_pairs,
)
from indexer.storage import generations as store
from search_ui.engines.folder import SearchEngine

needs_font = pytest.mark.skipif(
    not makedocs.FONT.exists(), reason="fonts-dejavu-core missing: run `make fonts`"
)
needs_ocr = pytest.mark.skipif(
    ocr.available() is not None or not makedocs.IMAGE_FONT.exists(),
    reason=f"{ocr.available() or 'fonts-farsiweb is missing'}: run `make ocr`",
)


def parse(name: str, data: bytes, use_ocr: bool = False) -> list[Doc | Skip]:
    entry = FileEntry(name, "/nonexistent/" + name, "pdf", len(data), 0)
    return list(parse_file(entry, data, ReadOptions(ocr=use_ocr)))


def marks(snippet: str) -> set[str]:
    """The words inside <mark>s (a phrase may be marked as one span), compared without ZWNJ: PDFium drops
    it, and the analyzer finds the word either way."""
    return {w.replace("\u200c", "") for m in re.findall(r"<mark>(.*?)</mark>", snippet) for w in m.split()}


@pytest.fixture(scope="module")
def pdf_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not makedocs.FONT.exists():
        pytest.skip("fonts-dejavu-core missing: run `make fonts`")
    root = tmp_path_factory.mktemp("pdfs")
    folder = root / "docs"
    folder.mkdir()
    (folder / "shaped.pdf").write_bytes(makedocs.shaped_pdf())
    (folder / "visual.pdf").write_bytes(makedocs.visual_pdf())
    summary = index_folder(folder, root / "idx")
    assert summary.added == 2 and summary.skipped_total == 0, summary.skipped
    return root / "idx"


@pytest.mark.parametrize("name", ["shaped.pdf", "visual.pdf"])
@pytest.mark.parametrize(
    ("query", "words", "page"),
    [
        ("بادگیرهای", {"بادگیرهای"}, 1),
        ("تالار", {"تالار"}, 1),  # the lam-alef ligature
        ("«نسخه‌ی خطی»", {"نسخه‌ی", "خطی"}, 2),
        ("مسگران", {"مسگران"}, 3),
        ("«صدای چکش مسگران»", {"صدای", "چکش", "مسگران"}, 3),
    ],
)
def test_pdf_is_found_by_its_words_with_highlights_and_pages(
    pdf_index: Path, name: str, query: str, words: set[str], page: int
) -> None:
    engine = SearchEngine(pdf_index)
    hits = {h["id"]: h for h in engine.search(query)["hits"]}
    assert name in hits, (query, list(hits))
    wanted = {w.replace("\u200c", "") for w in words}
    assert marks(hits[name]["snippet"]) == wanted
    assert hits[name]["format"] == "pdf" and hits[name]["doc_page"] == page  # what the page shows: "page N"
    document = engine.document(name, query)
    assert marks(document["html"]) == wanted
    # the page of the first highlighted word, from the page starts stored with the document
    with store.open_generation(pdf_index).index.searcher() as searcher:
        stored = searcher.document(id=name)
    first = re.sub(r"<mark>.*", "", document["html"], flags=re.DOTALL)
    offset = len(re.sub(r"&[a-z#0-9]+;", "x", re.sub(r"</?mark>", "", first)))
    assert stored["pages"] == [0, *[m.start() + 1 for m in re.finditer("\f", document["text"])]]
    assert document["pages"] == stored["pages"]
    assert page_of(stored["pages"], offset) == page


def test_pdf_title_and_date_come_from_its_metadata() -> None:
    if not makedocs.FONT.exists():
        pytest.skip("fonts-dejavu-core missing")
    [doc] = parse("shaped.pdf", makedocs.shaped_pdf())
    assert doc.title == makedocs.TITLE and doc.format == "pdf"
    assert doc.date == 1709634000.0  # 2024-03-05 10:20 UTC
    assert doc.body.count("\f") == len(makedocs.PAGES) - 1
    assert "«دیوان»" in doc.body  # the quotes HarfBuzz mirrored for display are the right way round again
    assert "بردارند" in doc.body  # a verb the lexicon lacks is not taken for glued words in a good text


@needs_font
def test_visual_order_repair_raises_quality_and_found_words() -> None:
    import pypdfium2 as pdfium

    from analyzers import PersianAnalyzer

    raw_pages = []
    pdf = pdfium.PdfDocument(makedocs.visual_pdf())
    for n in range(len(pdf)):
        raw_pages.append(pdf[n].get_textpage().get_text_range())
    # PDFium puts the visual-order lines back itself; a reader that does not (the common case) sees each
    # line reversed: reversing the lines of PDFium's text gives that text, and repair must undo it.
    visual = ["\n".join(line[::-1] for line in page.split("\r\n")) for page in raw_pages]
    before = text_quality(fold_presentation_forms("\n".join(visual)))
    repaired = [repair_page(page) for page in visual]
    assert all(was_reversed for _, was_reversed in repaired)
    after = text_quality("\n".join(text for text, _ in repaired))
    assert before is not None and after is not None and before < 0.4 and after > 0.9

    analyzer = PersianAnalyzer()

    def terms(text: str) -> set[str]:
        return {t.text for t in analyzer(text)}

    wanted = terms(makedocs.BODY)
    found_before = len(wanted & terms("\n".join(visual))) / len(wanted)
    found_after = len(wanted & terms("\n".join(text for text, _ in repaired))) / len(wanted)
    assert found_before < 0.3 and found_after > 0.9


def test_repair_pieces() -> None:
    assert fold_presentation_forms("ﺗﺎﻻﺭ ﮐﺘﺎﺏ") == "تالار کتاب"
    for line in ["کتاب «ایران» در ۱۴۰۲ با Python 3.11 (نسخه نو)", "سال 1402 و ۱۵۰۰۰ نسخه", "گفت: «بیا»"]:
        assert reverse_line(get_display(line)) == line  # python-bidi lays the line out in visual order
    # (no ZWNJ in these lines: python-bidi drops it)
    persian = ["شهر یزد در میان دو کویر بزرگ ساخته شده است", "بادگیرهای بلند هوای خنک را به تالار پایین"]
    page = "\n".join([get_display(persian[0]), "Yazd, Iran (2024)", get_display(persian[1])])
    assert in_logical_order(page) == ("\n".join([persian[0], "Yazd, Iran (2024)", persian[1]]), True)
    assert in_logical_order("\n".join(persian)) == ("\n".join(persian), False)  # already logical: kept
    assert unmirror_pairs("تا »دیوان« و )۱۴۰۲( German »Zitat«") == "تا «دیوان» و (۱۴۰۲) German »Zitat«"
    assert repair_words("به تاالر رفتیم") == "به تالار رفتیم"  # a lam-alef given back reversed
    assert repair_words("خانهها را میبرند") == "خانه‌ها را می‌برند"  # ZWNJ put back
    assert repair_words("کتا بخانه") == "کتابخانه"  # a word broken by glyph positioning
    assert repair_words("کتابخانهملی") == "کتابخانه ملی"  # glued words
    assert repair_words("سیاستخارجیایراندرقرنبیستم") == "سیاست خارجی ایران در قرن بیستم"
    assert repair_words("شجریان و کیارستمی") == "شجریان و کیارستمی"  # names the lexicon lacks stay whole
    assert repair_words("دانش گاه میز") == "دانش گاه میز"  # two real words stay apart; میز is no verb


@needs_font
def test_words_glued_or_broken_by_positioning_are_put_right() -> None:
    import pypdfium2 as pdfium

    data = makedocs.positioned_pdf()
    raw = pdfium.PdfDocument(data)[0].get_textpage().get_text_range()
    assert makedocs.GLUED_LINE.replace(" ", "") in raw and " ".join(makedocs.BROKEN_WORD) in raw  # as written
    [doc] = parse("positioned.pdf", data)
    assert doc.body.split("\n") == [makedocs.GLUED_LINE, "".join(makedocs.BROKEN_WORD)]


def test_scan_without_ocr_is_skipped_with_the_reason() -> None:
    [item] = parse("scan.pdf", makedocs.scanned_pdf())
    assert isinstance(item, Skip) and item.reason == "no-text-layer"
    assert item.detail == "no text layer (use --ocr)"


@needs_ocr
def test_scan_with_ocr_is_found_by_its_words(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "scan.pdf").write_bytes(makedocs.scanned_pdf())
    (folder / "photo.png").write_bytes(makedocs.image_bytes("PNG", makedocs.PAGES[1]))
    (folder / "fax.tif").write_bytes(makedocs.multipage_tiff())  # pages 1 and 3 of the text, as two frames
    first = index_folder(folder, tmp_path / "idx")
    assert first.skipped == {"no-text-layer": 3} and first.added == 0

    class PageCount(Progress):
        def __init__(self) -> None:
            self.pages: list[tuple[int, int]] = []

        def ocr_page(self, page: int, pages: int) -> None:
            self.pages.append((page, pages))

    counted = PageCount()
    # unchanged files, skipped before for want of OCR, are read again with it, page by page
    summary = index_folder(folder, tmp_path / "idx", ocr=True, progress=counted)
    assert summary.added == 3 and summary.skipped_total == 0, summary.skipped
    assert sorted(counted.pages) == [(1, 1), (1, 1), (1, 2), (2, 2)]
    engine = SearchEngine(tmp_path / "idx")
    for query, name, page in [
        ("زیرزمین‌ها", "scan.pdf", 1),
        ("«کویر بزرگ»", "scan.pdf", 1),
        ("پژوهشگران", "photo.png", None),
        ("«مردم تابستان»", "fax.tif", 1),
        ("فروشندگان", "fax.tif", 2),
    ]:
        hits = {h["id"]: h for h in engine.search(query)["hits"]}
        assert name in hits and marks(hits[name]["snippet"]), query
        assert hits[name].get("doc_page") == page


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _encrypted(data: bytes) -> bytes:
    import io

    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(data))
    writer.encrypt("گذرواژه")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@needs_font
def test_broken_pdfs_are_skipped_and_what_was_indexed_stays(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    good = makedocs.shaped_pdf()
    (folder / "good.pdf").write_bytes(good)
    assert index_folder(folder, tmp_path / "idx").added == 1
    (folder / "truncated.pdf").write_bytes(_truncated(good))
    (folder / "locked.pdf").write_bytes(_encrypted(good))
    (folder / "fake.pdf").write_bytes("این یک PDF نیست".encode())
    (folder / "huge.pdf").write_bytes(good + b"%" + b"x" * 300_000)  # over --max-size below
    reported: list[Skip] = []
    summary = index_folder(folder, tmp_path / "idx", max_size=200_000, on_skip=reported.append)
    reasons = {s.relpath: s.reason for s in reported}
    assert reasons == {
        "fake.pdf": "bad-pdf",
        "huge.pdf": "too-large",
        "locked.pdf": "encrypted",
        "truncated.pdf": reasons["truncated.pdf"],
    }
    assert reasons["truncated.pdf"] in ("bad-pdf", "partial-text")
    assert all(s.detail and "\n" not in s.detail for s in reported)
    assert summary.unchanged == 1
    assert [h["id"] for h in SearchEngine(tmp_path / "idx").search("بادگیرهای")["hits"]] == ["good.pdf"]


@needs_ocr
def test_cli_says_to_use_ocr_and_reads_the_scan_with_it(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "scan.pdf").write_bytes(makedocs.scanned_pdf())
    args = ["index", str(folder), "--index", str(tmp_path / "idx")]
    assert "--ocr" in CliRunner().invoke(cli, ["index", "--help"]).output
    try:
        without = CliRunner().invoke(cli, args)
        assert without.exit_code == 1 and "skipped scan.pdf: no text layer (use --ocr)" in without.output
        with_ocr = CliRunner().invoke(cli, [*args, "--ocr"])
        assert with_ocr.exit_code == 0 and "added 1" in with_ocr.output, with_ocr.output
    finally:
        logging.getLogger("kavosh").handlers[:] = []  # the command set up its own handler
        logging.getLogger("kavosh").propagate = True
