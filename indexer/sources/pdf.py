"""PDF files: the text of each page (pages separated by a form feed), title and date, repaired for Persian.

Read with PDFium (pypdfium2): among pypdfium2, pypdf and pdfminer.six it gave the most usable Persian text
once repaired and was the fastest (bench/formats.py; figures in the closing note of issue 15). Each page is
repaired (indexer.sources.pdf_repair) and its text quality measured; a page with no usable text layer that
shows an image is a scan: read by OCR with `--ocr`, else reported.
"""

from __future__ import annotations

import re

from indexer.sources import PAGE_BREAK, Extracted, SourceError, clean_title, first_line, ocr
from indexer.sources.dates import parse_date
from indexer.sources.pdf_repair import repair_page, text_quality

# Below this share of known Persian words a page's text layer is treated as unusable (measured: correct and
# repaired test PDFs score 0.9-1.0; reversed text before repair about 0.3; OCR of clean scans about 0.9).
MIN_QUALITY = 0.5
MIN_PAGE_LETTERS = 8  # a page with fewer letters has no text layer worth the name
OCR_DPI = 300
MAX_PAGES = 20_000
# PDFium marks a hyphen that breaks a word at a line end as U+FFFE (the word is joined again); other control
# characters (glyphs without a Unicode mapping come out as such) are dropped.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffe\uffff]")


class _PdfText:
    """One opened PDF."""

    def __init__(self, data: bytes) -> None:
        import pypdfium2 as pdfium

        try:
            self.doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise SourceError("encrypted", "encrypted PDF (needs a password to open)") from exc
            raise SourceError("bad-pdf", f"damaged or not a PDF ({exc})") from exc

    def page_count(self) -> int:
        return len(self.doc)

    def text(self, n: int) -> str:
        page = self.doc[n]
        textpage = page.get_textpage()
        try:
            text = textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
            return _CONTROL.sub("", text.replace("\ufffe\n", "").replace("\ufffe", ""))
        finally:
            textpage.close()
            page.close()

    def has_image(self, n: int) -> bool:
        import pypdfium2.raw as pdfium_c

        page = self.doc[n]
        try:
            return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))
        finally:
            page.close()

    def png(self, n: int) -> bytes:
        """The page as a picture for OCR: a scanned page's own image at its own resolution when the page is
        one image (measured: Tesseract dropped lines of a 150 dpi scan rendered at 300 dpi), else the page
        rendered at OCR_DPI."""
        import pypdfium2.raw as pdfium_c

        page = self.doc[n]
        try:
            images = list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))
            if len(images) == 1:
                try:
                    return ocr.image_to_png(images[0].get_bitmap(render=False).to_pil())
                except Exception:  # an image format PDFium cannot hand out raw: render the page instead
                    pass
            image = page.render(scale=OCR_DPI / 72, grayscale=True).to_pil()
        finally:
            page.close()
        return ocr.image_to_png(image)

    def metadata(self) -> dict[str, str]:
        try:
            return self.doc.get_metadata_dict(skip_empty=True)
        except Exception:  # damaged metadata never costs the text
            return {}

    def close(self) -> None:
        self.doc.close()


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def read_pdf(data: bytes, options) -> Extracted:
    """Every page's repaired text, its title (metadata, else the first line) and date (metadata)."""
    pdf = _PdfText(data)
    try:
        count = pdf.page_count()
        if count == 0:
            raise SourceError("empty", "PDF without pages")
        if count > MAX_PAGES:
            raise SourceError("too-large", f"too many pages ({count} > {MAX_PAGES})")
        pages: list[str] = []
        scans: list[int] = []
        for n in range(count):
            text, _reversed = repair_page(pdf.text(n))
            quality = text_quality(text)
            usable = _letters(text) >= MIN_PAGE_LETTERS and (quality is None or quality >= MIN_QUALITY)
            if not usable and (pdf.has_image(n) or _letters(text) >= MIN_PAGE_LETTERS):
                scans.append(n)
                if options.ocr:
                    text = repair_page(ocr.ocr_png(pdf.png(n)))[0]
                    if options.on_page:
                        options.on_page(n + 1, count)
                else:
                    text = ""
            pages.append(text.replace(PAGE_BREAK, "\n").strip())
        meta = pdf.metadata()
    finally:
        pdf.close()
    body = PAGE_BREAK.join(pages)
    if scans and not options.ocr and not body.strip():
        raise SourceError("no-text-layer", ocr.NO_TEXT_LAYER)
    found = Extracted(title=_title(meta.get("Title"), body), text=body)
    found.date = parse_date(meta.get("CreationDate")) or parse_date(meta.get("ModDate"))
    if scans and not options.ocr:
        shown = ", ".join(str(n + 1) for n in scans[:10]) + (" ..." if len(scans) > 10 else "")
        found.warning = f"page(s) {shown} of {count} have no usable text layer (use --ocr)"
        found.warning_reason = "no-text-layer"
    return found


def _title(meta_title: str | None, body: str) -> str:
    """The metadata title unless it is empty or a leftover file name (e.g. "Microsoft Word - x.doc")."""
    title = clean_title(meta_title)
    if title and not title.lower().endswith((".doc", ".docx", ".pdf", ".odt", ".tex", ".rtf")):
        return title
    return first_line(body.replace(PAGE_BREAK, "\n"))
