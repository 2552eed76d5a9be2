"""EPUB books: one document per book, its chapters in reading (spine) order, each read as HTML; title and
date from the book's Dublin Core metadata. Read with ebooklib."""

from __future__ import annotations

import io
import warnings

from indexer.sources import Extracted, SourceError, clean_title, first_line
from indexer.sources.dates import parse_date
from indexer.sources.encoding import DecodeError, decode_bytes
from indexer.sources.html import read_html
from indexer.sources.office import open_zip


def _metadata(book, name: str) -> str:
    values = book.get_metadata("DC", name)
    return str(values[0][0]) if values and values[0] and values[0][0] else ""


def _is_nav(item) -> bool:
    from ebooklib import epub

    return isinstance(item, epub.EpubNav) or "nav" in (getattr(item, "properties", None) or ())


def read_epub(data: bytes, options=None) -> Extracted:
    """The chapters' visible text in spine order, chapters separated by a blank line."""
    import ebooklib
    from ebooklib import epub

    open_zip(data, "epub").close()  # a clear message for a non-zip, and the zip-bomb cap, before ebooklib
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ebooklib warns about its own future defaults
        try:
            book = epub.read_epub(io.BytesIO(data), {"ignore_ncx": True})
        except (epub.EpubException, KeyError) as exc:
            raise SourceError("bad-epub", f"damaged or not an EPUB book ({exc})") from exc
    chapters: list[str] = []
    for idref, _linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT or _is_nav(item):
            continue  # the table of contents repeats the chapter titles: not text of the book
        try:
            markup, _encoding = decode_bytes(item.get_content())
        except DecodeError:
            continue  # a chapter that is not text; the others are still read
        text = read_html(markup).text
        if text:
            chapters.append(text)
    text = "\n\n".join(chapters)
    title = clean_title(_metadata(book, "title"))
    return Extracted(title=title or first_line(text), text=text, date=parse_date(_metadata(book, "date")))
