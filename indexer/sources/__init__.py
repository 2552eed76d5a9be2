"""Readers of each file format: bytes or text in, an `Extracted` (title, visible text, date) out.

Each module has one job; `indexer.sources.loader` walks the folder and dispatches to them. A reader raises
`SourceError` (reason key + one line for the user) for a file it cannot read; the loader turns that into a
counted skip.
"""

from __future__ import annotations

from dataclasses import dataclass

TITLE_MAX = 200
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


def first_line(text: str) -> str:
    """The first non-empty line, as a title of last resort."""
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line[:TITLE_MAX]
    return ""


def clean_title(text: str | None) -> str:
    """A title on one line with single spaces, cut to TITLE_MAX."""
    return " ".join((text or "").split())[:TITLE_MAX]
