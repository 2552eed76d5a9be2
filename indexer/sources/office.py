"""Word (.docx) and OpenDocument (.odt) files: the text of the body in reading order (paragraphs, headings,
tables cell by cell), then footnotes and endnotes; title and date from the document's properties.

Both formats are zip files of XML; the XML is read directly with the standard library (python-docx offers no
footnotes, odfpy builds a much larger object tree for the same text), with a cap on how much a zip may unpack
to so that a zip bomb is refused, not unpacked.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

from indexer.sources import Extracted, SourceError, clean_title, first_line
from indexer.sources.dates import parse_date

MAX_UNPACKED = 256 * 1024 * 1024  # bytes a document's XML parts may unpack to

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DC = "{http://purl.org/dc/elements/1.1/}"
DCTERMS = "{http://purl.org/dc/terms/}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"


def open_zip(data: bytes, kind: str) -> zipfile.ZipFile:
    """The file as a zip archive, or SourceError saying it is not a `kind` file."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SourceError(f"bad-{kind}", f"damaged or not a {kind} file (not a zip archive: {exc})") from exc
    if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
        raise SourceError("too-large", f"unpacks to more than {MAX_UNPACKED // 2**20} MB")
    return archive


def read_xml(archive: zipfile.ZipFile, name: str, kind: str, required: bool = True) -> ET.Element | None:
    """One XML part of the archive (None when absent and not required)."""
    try:
        data = archive.read(name)
    except KeyError as exc:
        if not required:
            return None
        raise SourceError(f"bad-{kind}", f"not a {kind} file (no {name} inside the zip)") from exc
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:  # a damaged or encrypted member
        raise SourceError(f"bad-{kind}", f"damaged {kind} file ({exc})") from exc
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise SourceError(f"bad-{kind}", f"damaged {kind} file ({name}: {exc})") from exc


def _join(blocks: list[str]) -> str:
    return "\n".join(block.strip() for block in blocks if block.strip())


# --- DOCX --------------------------------------------------------------------------------------------------


def _docx_paragraph(p: ET.Element) -> str:
    parts = []
    for node in p.iter():
        tag = node.tag
        if tag == W + "t":
            parts.append(node.text or "")
        elif tag in (W + "tab", W + "ptab"):
            parts.append("\t")
        elif tag in (W + "br", W + "cr"):
            parts.append("\n")
        elif tag == W + "noBreakHyphen":
            parts.append("-")
    return "".join(parts)


def _docx_blocks(root: ET.Element) -> tuple[list[str], str]:
    """Paragraph texts in reading order (table cells included), and the first heading's text."""
    blocks, heading = [], ""
    for p in root.iter(W + "p"):
        text = _docx_paragraph(p)
        blocks.append(text)
        style = p.find(f"{W}pPr/{W}pStyle")
        name = (style.get(W + "val") or "").lower() if style is not None else ""
        if not heading and text.strip() and (name.startswith("heading") or name == "title"):
            heading = text
    return blocks, heading


def _core_properties(archive: zipfile.ZipFile, kind: str) -> tuple[str, float | None]:
    core = read_xml(archive, "docProps/core.xml", kind, required=False)
    if core is None:
        return "", None
    title = core.findtext(DC + "title") or ""
    date = parse_date(core.findtext(DCTERMS + "created")) or parse_date(core.findtext(DCTERMS + "modified"))
    return title, date


def read_docx(data: bytes, options=None) -> Extracted:
    """Body paragraphs and tables in order, then footnotes and endnotes; title from the properties, else the
    first heading, else the first line."""
    with open_zip(data, "docx") as archive:
        body = read_xml(archive, "word/document.xml", "docx")
        blocks, heading = _docx_blocks(body)
        for part in ("word/footnotes.xml", "word/endnotes.xml"):
            notes = read_xml(archive, part, "docx", required=False)
            if notes is not None:
                for note in notes.iter(W + "footnote" if "foot" in part else W + "endnote"):
                    if note.get(W + "type") in (None, "normal"):  # not the separator "notes"
                        blocks.extend(_docx_paragraph(p) for p in note.iter(W + "p"))
        title, date = _core_properties(archive, "docx")
    text = _join(blocks)
    return Extracted(
        title=clean_title(title) or clean_title(heading) or first_line(text), text=text, date=date
    )


# --- ODT ---------------------------------------------------------------------------------------------------


def _odt_text(node: ET.Element, out: list[str]) -> None:
    """The text of a paragraph or heading, with text:s (spaces), tabs and line breaks; notes left out (they
    are read after the body)."""
    if node.text:
        out.append(node.text)
    for child in node:
        tag = child.tag
        if tag == TEXT + "s":
            out.append(" " * int(child.get(TEXT + "c", "1") or 1))
        elif tag == TEXT + "tab":
            out.append("\t")
        elif tag == TEXT + "line-break":
            out.append("\n")
        elif tag != TEXT + "note":
            _odt_text(child, out)
        if child.tail:
            out.append(child.tail)


def _odt_blocks(node: ET.Element, blocks: list[str], notes: list[str], heading: list[str]) -> None:
    for child in node:
        if child.tag in (TEXT + "p", TEXT + "h"):
            out: list[str] = []
            _odt_text(child, out)
            blocks.append("".join(out))
            if child.tag == TEXT + "h" and not heading and "".join(out).strip():
                heading.append("".join(out))
            for note in child.iter(TEXT + "note-body"):
                _odt_blocks(note, notes, [], [])
        else:
            _odt_blocks(child, blocks, notes, heading)


def read_odt(data: bytes, options=None) -> Extracted:
    """Paragraphs, headings, lists and tables in order, then the notes; title from meta.xml, else the first
    heading, else the first line."""
    with open_zip(data, "odt") as archive:
        content = read_xml(archive, "content.xml", "odt")
        meta = read_xml(archive, "meta.xml", "odt", required=False)
    body = content.find(f"{OFFICE}body/{OFFICE}text")
    if body is None:
        raise SourceError("bad-odt", "not a text document (no office:text in content.xml)")
    blocks: list[str] = []
    notes: list[str] = []
    heading: list[str] = []
    _odt_blocks(body, blocks, notes, heading)
    text = _join(blocks + notes)
    title, date = "", None
    if meta is not None:
        info = meta.find(OFFICE + "meta")
        if info is not None:
            title = info.findtext(DC + "title") or ""
            date = parse_date(info.findtext(META + "creation-date")) or parse_date(info.findtext(DC + "date"))
    heading_text = heading[0] if heading else ""
    return Extracted(
        title=clean_title(title) or clean_title(heading_text) or first_line(text), text=text, date=date
    )
