"""Test documents made at test time with real tools, from original Persian text written for Kavosh.

Shared by the tests of each format (tests/test_sources_*.py) and bench/formats.py. Every maker returns bytes;
the makers import their libraries (fpdf2, python-docx, odfpy, ebooklib, Pillow ...) only when called.
"""

from __future__ import annotations

import io
from pathlib import Path

# Debian's fonts-dejavu-core (installed by `make ocr`): DejaVu Sans has the Arabic block, the Persian letters
# and the presentation forms; the PDFs are written with it.
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
# Debian's fonts-farsiweb (installed by `make ocr`): Nazli, a Persian book face, for the pictures of text that
# are read by OCR (Tesseract's Persian model dropped whole lines drawn in DejaVu Sans, and none in Nazli).
IMAGE_FONT = Path("/usr/share/fonts/truetype/farsiweb/nazli.ttf")

TITLE = "گزارش سفر به یزد"
# Original text (each paragraph a page of the PDFs). Words chosen to exercise ZWNJ (می‌روند، کتاب‌ها),
# the lam-alef ligature (تالار، کلاس، بلال), «quotes», digits and a Latin word.
PAGES = [
    "شهر یزد در میان دو کویر بزرگ ساخته شده است. بادگیرهای بلند خانه‌ها هوای خنک را به تالار پایین "
    "می‌برند و مردم تابستان را در زیرزمین‌ها می‌گذرانند.",
    "کتابخانه‌ی وزیری بیش از ۱۵۰۰۰ نسخه‌ی خطی دارد. پژوهشگران از شهرهای دور می‌آیند تا «دیوان» شاعران "
    "گمنام را بخوانند و از آن‌ها یادداشت بردارند.",
    "در بازار قدیمی، صدای چکش مسگران از کلاس درس کودکان هم شنیده می‌شود. فروشندگان پارچه‌های ترمه را با "
    "حوصله به مسافران نشان می‌دهند و قیمت را آرام می‌گویند.",
]
BODY = "\n\n".join(PAGES)


def _pdf(font_size: int = 13):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("dejavu", fname=str(FONT))
    pdf.set_font("dejavu", size=font_size)
    pdf.set_title(TITLE)
    return pdf


def shaped_pdf(pages: list[str] = PAGES) -> bytes:
    """A correct PDF: fpdf2 shapes the text with HarfBuzz (uharfbuzz), in logical order."""
    import datetime as dt

    pdf = _pdf()
    pdf.set_text_shaping(True)
    pdf.set_creation_date(dt.datetime(2024, 3, 5, 10, 20, tzinfo=dt.UTC))
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 9, text, align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def visual_pdf(pages: list[str] = PAGES) -> bytes:
    """The way many old Persian PDFs were made: letters reshaped to presentation forms (arabic-reshaper) and
    each line laid out in visual order (python-bidi), written as plain left-to-right text."""
    import arabic_reshaper
    from bidi.algorithm import get_display

    pdf = _pdf()
    for text in pages:
        pdf.add_page()
        for line in _wrap(text, 60):
            pdf.cell(
                0, 9, get_display(arabic_reshaper.reshape(line)), align="R", new_x="LMARGIN", new_y="NEXT"
            )
    return bytes(pdf.output())


GLUED_LINE = "کتابخانه ملی ایران در تهران است"
BROKEN_WORD = ("کتا", "بخانه")  # کتابخانه in two pieces


def positioned_pdf() -> bytes:
    """A PDF whose writer placed every word itself, with no space characters between them (its text comes
    out glued), and drew a word in two pieces with a gap between them (its text comes out broken)."""
    pdf = _pdf()
    pdf.set_text_shaping(True)
    pdf.add_page()
    for y, pieces, gap in ((30, GLUED_LINE.split(), 0.0), (50, list(BROKEN_WORD), 2.5)):
        x = 180.0
        for piece in pieces:  # right to left
            width = pdf.get_string_width(piece)
            x -= width
            pdf.set_xy(x, y)
            pdf.cell(width, 10, piece)
            x -= gap
    return bytes(pdf.output())


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines


def text_image(text: str = PAGES[0], width: int = 1400) -> object:
    """A Pillow image of Persian text, shaped by Pillow's Raqm layout when present, else reshaped + bidi."""
    from PIL import Image, ImageDraw, ImageFont, features

    font = ImageFont.truetype(str(IMAGE_FONT), 40)
    lines = _wrap(text, 45)
    image = Image.new("L", (width, 90 + 70 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(lines):
        if features.check("raqm"):
            shown = line
            kwargs = {"direction": "rtl", "language": "fa"}
        else:
            import arabic_reshaper
            from bidi.algorithm import get_display

            shown, kwargs = get_display(arabic_reshaper.reshape(line)), {}
        right = width - 50
        left = right - draw.textlength(shown, font=font, **kwargs)
        draw.text((left, 40 + 70 * n), shown, font=font, fill=0, **kwargs)
    return image


def image_bytes(fmt: str = "PNG", text: str = PAGES[0]) -> bytes:
    out = io.BytesIO()
    text_image(text).save(out, format=fmt)
    return out.getvalue()


def multipage_tiff(pages: list[str] = PAGES[::2]) -> bytes:
    """A fax-style TIFF, one frame per page (Pillow writes it)."""
    images = [text_image(text) for text in pages]
    out = io.BytesIO()
    images[0].save(out, format="TIFF", save_all=True, append_images=images[1:])
    return out.getvalue()


def scanned_pdf(pages: list[str] = PAGES[:1]) -> bytes:
    """A PDF with no text layer: each page is only an image of the text (Pillow writes it)."""
    images = [text_image(text).convert("RGB") for text in pages]
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=150)
    return out.getvalue()


# --- Office documents and books ---

DOC_TITLE = "دفترچه‌ی «آشپزی» خانواده"
HEADING = "خوراک‌های پاییزی"
PARAGRAPH = "مادربزرگ می‌گفت آش رشته را باید با حوصله پخت؛ «عجله» مزه‌اش را می‌برد."
TABLE = [["خوراک", "زمان پخت"], ["کشک‌بادمجان", "۴۰ دقیقه"], ["میرزاقاسمی", "۳۰ دقیقه"]]
FOOTNOTE = "این دستور از دفترچه‌ی دست‌نویس عمه‌جان برداشته شده است."
CHAPTERS = [
    ("فصل یکم: کوچه‌ی باغ", "پسرک هر صبح از کنار دیوار کاهگلی می‌گذشت و بوی نان‌های تازه را می‌شنید."),
    ("فصل دوم: نامه", "نامه‌ای رسید که روی پاکتش نوشته بودند «فقط برای دختر همسایه»."),
]


def docx_file(date: str = "2023-05-06T07:08:09Z") -> bytes:
    """A Word file written by python-docx: title property, a heading, a paragraph with ZWNJ and «…», a table,
    and a footnote (python-docx has no footnote API: the footnotes part is added through its package API)."""
    import datetime as dt

    from docx import Document
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml

    doc = Document()
    doc.core_properties.title = DOC_TITLE
    doc.core_properties.created = dt.datetime.fromisoformat(date.replace("Z", "+00:00")).replace(tzinfo=None)
    doc.add_heading(HEADING, level=1)
    paragraph = doc.add_paragraph(PARAGRAPH)
    table = doc.add_table(rows=len(TABLE), cols=2)
    for r, row in enumerate(TABLE):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    paragraph._p.append(parse_xml(f'<w:r {ns}><w:footnoteReference w:id="1"/></w:r>'))
    notes = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes {ns}>'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        f'<w:footnote w:id="1"><w:p><w:r><w:t>{FOOTNOTE}</w:t></w:r></w:p></w:footnote></w:footnotes>'
    )
    content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
    part = Part(PackURI("/word/footnotes.xml"), content_type, notes.encode(), doc.part.package)
    doc.part.relate_to(part, RT.FOOTNOTES)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def odt_file() -> bytes:
    """An OpenDocument text written by odfpy: title and date in meta.xml, a heading, a paragraph with a
    footnote, and a table."""
    from odf import dc, meta, table, text
    from odf.opendocument import OpenDocumentText

    doc = OpenDocumentText()
    doc.meta.addElement(dc.Title(text=DOC_TITLE))
    doc.meta.addElement(meta.CreationDate(text="2023-05-06T07:08:09"))
    doc.text.addElement(text.H(outlinelevel=1, text=HEADING))
    paragraph = text.P(text=PARAGRAPH)
    note = text.Note(id="ftn1", noteclass="footnote")
    note.addElement(text.NoteCitation(text="1"))
    body = text.NoteBody()
    body.addElement(text.P(text=FOOTNOTE))
    note.addElement(body)
    paragraph.addElement(note)
    doc.text.addElement(paragraph)
    grid = table.Table(name="خوراک‌ها")
    grid.addElement(table.TableColumn(numbercolumnsrepeated=2))
    for row in TABLE:
        tr = table.TableRow()
        for value in row:
            cell = table.TableCell()
            cell.addElement(text.P(text=value))
            tr.addElement(cell)
        grid.addElement(tr)
    doc.text.addElement(grid)
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()


def epub_file() -> bytes:
    """A book written by ebooklib: title, date, two chapters in spine order."""
    import tempfile
    import warnings

    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("kavosh-test-book")
    book.set_title("داستان‌های کوچه")
    book.set_language("fa")
    book.add_metadata("DC", "date", "1401/07/01")
    chapters = []
    for n, (heading, body) in enumerate(CHAPTERS, 1):
        chapter = epub.EpubHtml(title=heading, file_name=f"c{n}.xhtml", lang="fa")
        chapter.content = f"<html><body><h1>{heading}</h1><p>{body}</p></body></html>"
        book.add_item(chapter)
        chapters.append(chapter)
    book.toc = chapters
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *chapters]
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = Path(tmp) / "book.epub"
        epub.write_epub(str(path), book)
        return path.read_bytes()


def _rtf_unicode(text: str) -> str:
    """Text as Word writes it in RTF: ASCII as is, every other character as \\uN? (N signed 16-bit)."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in "\\{}":
            out.append("\\" + ch)
        elif code < 128:
            out.append(ch)
        else:
            out.append(f"\\u{code - 65536 if code > 32767 else code}?")
    return "".join(out)


def rtf_file(codepage: bool = False) -> bytes:
    """An RTF file the two ways Persian RTF is written: Unicode escapes (Word, WordPad), or bytes of the
    Windows-1256 code page (`codepage=True`, older editors). No Python library writes RTF with Unicode
    escapes, so the file is assembled here from the RTF 1.9 syntax."""

    def body(text: str) -> str:
        if not codepage:
            return _rtf_unicode(text)
        # Windows-1256 has only the Arabic yeh, and no Persian digits
        legacy = text.replace("ی", "ي").translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
        return "".join(ch if ord(ch) < 128 else f"\\'{ch.encode('cp1256')[0]:02x}" for ch in legacy)

    header = "{\\rtf1\\ansi\\ansicpg1256\\deff0{\\fonttbl{\\f0\\fnil\\fcharset178 Tahoma;}}"
    info = "{\\info{\\title " + body(DOC_TITLE) + "}}"
    paragraphs = [body(HEADING), body(PARAGRAPH), " \\tab ".join(map(body, TABLE[1])), body(FOOTNOTE)]
    lines = "".join("{\\rtlpar\\f0 " + p + "\\par}\n" for p in paragraphs)
    return (header + info + "\n" + lines + "}").encode("ascii")
