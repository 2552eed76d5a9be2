"""Readers of each file format: bytes or text in, an `Extracted` (title, visible text, date) out.

Each module has one job; `indexer.sources.loader` walks the folder and dispatches to them. A reader raises
`SourceError` (reason key + one line for the user) for a file it cannot read; the loader turns that into a
counted skip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TITLE_MAX = 200  # a title the document gives itself
# A document without one is titled by its first line, cut at a word's end to about a headline's length (a
# word cut in two would be a term that matches nothing). Measured on qa-ir, whose passages have no titles
# (MRR@10 all / ParsiNLU, the first line cut at N characters): 200 0.8562 / 0.7375, 150 0.8568 / 0.7380,
# 120 0.8573 / 0.7385, 100 0.8574 / 0.7387, 80 0.8566 / 0.7381, 60 0.8553 / 0.7373; at a word's end, 120:
# 0.8573 / 0.7387. A paragraph-long lead in the title field weighs the body's first sentence twice over.
FIRST_LINE_TITLE_MAX = 120
# Pages of a paged document (PDF) are separated by a form feed in its text: the text itself says where each
# page starts, so offsets of matches map to page numbers (`indexer.sources.pages`).
PAGE_BREAK = "\f"


@dataclass
class Extracted:
    """What a reader found in one file."""

    title: str
    text: str
    date: float | None = None
    warning: str | None = None  # the text was indexed, but something about it should be reported
    warning_reason: str = "partial-text"  # the counted key of that report


class SourceError(Exception):
    """A file that cannot be turned into text; `reason` is the counted key, `detail` the line shown."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


_TEXT_START = re.compile(r"\S")
_LINE_BREAK = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")  # where str.splitlines cuts


def first_line(text: str) -> str:
    """The first non-empty line, as a title of last resort: at most FIRST_LINE_TITLE_MAX characters, cut
    after a whole word (a line with no space in its first characters is cut where the limit falls). Found
    without splitting the whole text into lines (a long text's lines are all but one thrown away)."""
    found = _TEXT_START.search(text)
    if found is None:
        return ""
    end = _LINE_BREAK.search(text, found.start())
    line = text[found.start() : end.start() if end else len(text)].rstrip()
    if len(line) > FIRST_LINE_TITLE_MAX:
        cut = line[: FIRST_LINE_TITLE_MAX + 1].rsplit(None, 1)[0]
        return cut if len(cut) <= FIRST_LINE_TITLE_MAX else line[:FIRST_LINE_TITLE_MAX]
    return line


def clean_title(text: str | None) -> str:
    """A title on one line with single spaces, cut to TITLE_MAX."""
    return " ".join((text or "").split())[:TITLE_MAX]
