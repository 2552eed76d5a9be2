"""Filters, facets and sort over the documents a query matched: folder, format, a date range, by date.

They read the index's `folder`, `format` and `date` columns (indexer.storage.schema), which give a document's
value by its number without unpickling its stored text, so narrowing even thousands of matches costs little.
The page, the API and `kavosh search` share this one definition: the parameters (`folder`, `format`, `from`,
`to`, `sort`), how a typed date is read (Jalali or Gregorian), and what each facet counts.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from whoosh.reading import IndexReader

from indexer.sources.loader import FORMATS as _EXTENSIONS
from search_ui.results.jalali import jalali_to_gregorian, latin_digits

SORTS = ("relevance", "newest", "oldest")
FORMATS = tuple(dict.fromkeys(_EXTENSIONS.values()))  # what the loader writes in `format`: one source
MAX_VALUES = 20  # folders or formats in one request: more is not a person narrowing a search
JALALI_BEFORE = 1700  # a typed year below this is Jalali (1403), from it on Gregorian (2024)
_DATE = re.compile(r"^\s*(\d{3,4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*$")
_YEAR = re.compile(r"^\s*(\d{3,4})\s*$")
_DAY = 86400


class FilterError(ValueError):
    """A filter parameter that cannot be used: `code` is stable English, the message Persian."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Filters:
    """What to keep and in which order. Dates are epoch seconds: `start` inclusive, `end` exclusive."""

    folders: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    start: int | None = None
    end: int | None = None
    sort: str = "relevance"
    typed_from: str = ""  # the dates as typed, to show them back in the form and the URL
    typed_to: str = ""

    @property
    def active(self) -> bool:
        """True when something narrows or reorders the results."""
        return bool(self.folders or self.formats or self.start is not None or self.end is not None) or (
            self.sort != "relevance"
        )

    def as_dict(self) -> dict:
        """The filters in the API's JSON: the same names as the URL parameters."""
        return {
            "folder": list(self.folders),
            "format": list(self.formats),
            "from": self.typed_from,
            "to": self.typed_to,
            "sort": self.sort,
        }

    def keeps(self, folder: str, fmt: str, date: int, skip: str = "") -> bool:
        """Whether a document passes every filter (but the dimension named by `skip`, for its facet)."""
        if skip != "folder" and self.folders and not any(in_folder(folder, f) for f in self.folders):
            return False
        if skip != "format" and self.formats and fmt not in self.formats:
            return False
        if self.start is not None and date < self.start:
            return False
        return self.end is None or date < self.end


def in_folder(folder: str, wanted: str) -> bool:
    """A document in `a/b` is in folder `a/b` and in folder `a` (subfolders included)."""
    return folder == wanted or folder.startswith(wanted + "/")


def read_day(text: str) -> _dt.date:
    """A day typed as Jalali (۱۴۰۳/۰۱/۱۵, 1403-1-15) or Gregorian (2024-04-03), in any digits.

    A year alone means its first day. Raises FilterError with a Persian message."""
    plain = latin_digits(text.strip())
    only_year = _YEAR.match(plain)
    match = _DATE.match(plain)
    if only_year:
        y, m, d = int(only_year.group(1)), 1, 1
    elif match:
        y, m, d = (int(g) for g in match.groups())
    else:
        raise FilterError(
            "bad-date", f"تاریخ «{text.strip()[:40]}» خوانا نیست؛ مثلاً ۱۴۰۳/۰۱/۱۵ یا 2024-04-03 بنویسید."
        )
    try:
        return jalali_to_gregorian(y, m, d) if y < JALALI_BEFORE else _dt.date(y, m, d)
    except ValueError:
        raise FilterError("bad-date", f"روز «{text.strip()[:40]}» در تقویم نیست.") from None


def _epoch(day: _dt.date) -> int:
    """The start of `day` in the server's time zone, the zone the page shows dates in."""
    return int(_dt.datetime(day.year, day.month, day.day).timestamp())


def make_filters(
    folders: Iterable[str] = (),
    formats: Iterable[str] = (),
    date_from: str = "",
    date_to: str = "",
    sort: str = "",
) -> Filters:
    """Filters from the values of the URL parameters or command-line options (empty ones ignored).

    Raises FilterError for an unknown sort or format, an unreadable date or a range that ends before it
    starts."""
    folder_list = tuple(dict.fromkeys(f.strip().strip("/") for f in folders if f and f.strip().strip("/")))
    format_list = tuple(dict.fromkeys(f.strip().lower().lstrip(".") for f in formats if f and f.strip()))
    if len(folder_list) > MAX_VALUES or len(format_list) > MAX_VALUES:
        raise FilterError("too-many-filters", f"حداکثر {MAX_VALUES} پوشه یا قالب را می‌توان برگزید.")
    for fmt in format_list:
        if fmt not in FORMATS:
            raise FilterError("bad-format", f"قالب «{fmt[:20]}» شناخته نیست؛ یکی از {'، '.join(FORMATS)}.")
    sort = (sort or "relevance").strip().lower()
    if sort not in SORTS:
        raise FilterError("bad-sort", f"ترتیب «{sort[:20]}» شناخته نیست؛ مرتبط‌ترین، تازه‌ترین یا قدیمی‌ترین.")
    start = _epoch(read_day(date_from)) if date_from and date_from.strip() else None
    end = _epoch(read_day(date_to)) + _DAY if date_to and date_to.strip() else None
    if start is not None and end is not None and end <= start:
        raise FilterError("bad-date-range", "تاریخ پایان بازه پیش از تاریخ آغاز آن است.")
    return Filters(
        folder_list,
        format_list,
        start,
        end,
        sort,
        (date_from or "").strip() if start is not None else "",
        (date_to or "").strip() if end is not None else "",
    )


@dataclass
class Narrowed:
    """The matches that passed, in the order asked for, and the facets to narrow them further."""

    ranked: list[tuple[float, int]]
    facets: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.ranked)


def _column(reader: IndexReader, name: str, default):
    """docnum -> value for one column; a constant when an index has no such column."""
    if reader.has_column(name):
        return reader.column_reader(name)
    return _Constant(default)


class _Constant:
    def __init__(self, value) -> None:
        self.value = value

    def __getitem__(self, docnum: int):
        return self.value


def narrow(reader: IndexReader, ranked: list[tuple[float, int]], filters: Filters) -> Narrowed:
    """Keep the (score, docnum) pairs that pass `filters`, sort them, and count the facets.

    A facet counts the documents that pass every other filter, so choosing a folder still shows how many
    documents the other folders would add (choices within one facet combine with OR, facets with AND)."""
    folder_col = _column(reader, "folder", "")
    format_col = _column(reader, "format", "")
    date_col = _column(reader, "date", 0)
    kept: list[tuple[float, int, int]] = []
    folders: Counter = Counter()
    formats: Counter = Counter()
    dates: list[int] = []
    for score, docnum in ranked:
        folder, fmt, date = folder_col[docnum] or "", format_col[docnum] or "", int(date_col[docnum] or 0)
        if filters.keeps(folder, fmt, date, skip="folder"):
            folders[folder] += 1
        if filters.keeps(folder, fmt, date, skip="format"):
            formats[fmt] += 1
        if filters.keeps(folder, fmt, date):
            kept.append((score, docnum, date))
            dates.append(date)
    if filters.sort == "newest":
        kept.sort(key=lambda k: -k[2])  # stable: equal dates keep their relevance order
    elif filters.sort == "oldest":
        kept.sort(key=lambda k: k[2])
    for chosen in filters.folders:  # a chosen folder stays listed (with 0) so it can be unchosen
        folders.setdefault(chosen, 0)
    for chosen in filters.formats:
        formats.setdefault(chosen, 0)
    facets = {
        "folder": [
            {"value": k, "count": v} for k, v in sorted(folders.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "format": [
            {"value": k, "count": v} for k, v in sorted(formats.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "date": {"min": min(dates), "max": max(dates)} if dates else {"min": None, "max": None},
    }
    return Narrowed([(score, docnum) for score, docnum, _ in kept], facets)
