"""Pages of a paged document (PDF): its text holds a form feed between pages, and the index stores where
each page starts, so a match's character offset tells its page ("page ۱۲" on a hit).

`page_starts(text)` is what the indexer stores (None for a text without pages); `page_of(starts, offset)` is
what the search side calls with a match's offset in the stored text.
"""

from __future__ import annotations

from bisect import bisect_right

from indexer.sources import PAGE_BREAK

# Formats whose documents always have pages, even just one (a one-page PDF's hits are on page 1).
PAGED_FORMATS = frozenset({"pdf"})


def page_starts(text: str, paged: bool = False) -> list[int] | None:
    """Offsets where pages 1, 2, ... start (page 1 at 0); None when the text has no page breaks, unless it
    is `paged` (a format that always has pages)."""
    if PAGE_BREAK not in text:
        return [0] if paged else None
    starts = [0]
    at = text.find(PAGE_BREAK)
    while at != -1:
        starts.append(at + 1)
        at = text.find(PAGE_BREAK, at + 1)
    return starts


def page_of(starts: list[int] | None, offset: int) -> int | None:
    """The 1-based page number holding character `offset` of the stored text; None for unpaged texts."""
    if not starts:
        return None
    return max(1, bisect_right(starts, offset))


def split_pages(text: str) -> list[str]:
    """The text of each page, in order (the document view shows them one by one)."""
    return text.split(PAGE_BREAK)
