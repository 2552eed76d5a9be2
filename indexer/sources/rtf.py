"""RTF files: their plain text, read with striprtf.

RTF carries non-ASCII text as `\\uN?` escapes (Unicode) or `\\'hh` bytes in the document's code page
(`\\ansicpg1256` for Persian Windows); the code page is read from the header so both decode right.
"""

from __future__ import annotations

import codecs
import re

from indexer.sources import Extracted, SourceError, clean_title, first_line

_CODEPAGE = re.compile(rb"\\ansicpg(\d+)")
_INFO_TITLE = re.compile(r"\{\\title\s?([^{}]*)\}")


def read_rtf(data: bytes, options=None) -> Extracted:
    """The visible text; title from the info block's \\title, else the first line."""
    from striprtf.striprtf import rtf_to_text

    if not data.lstrip().startswith(b"{\\rtf"):
        raise SourceError("bad-rtf", "not an RTF file (it does not start with {\\rtf)")
    page = _CODEPAGE.search(data[:4096])
    encoding = f"cp{int(page.group(1))}" if page else "cp1252"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "cp1252"
    source = data.decode("latin-1")  # RTF itself is 7-bit; stray 8-bit bytes are kept, not fatal
    text = rtf_to_text(source, encoding=encoding, errors="replace")
    text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()
    found = _INFO_TITLE.search(source)
    title = ""
    if found:  # the title is RTF too (escapes and all): read it the same way
        title = clean_title(
            rtf_to_text("{\\rtf1 " + found.group(1) + "}", encoding=encoding, errors="replace")
        )
    return Extracted(title=title or first_line(text), text=text)
