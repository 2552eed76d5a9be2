"""What the page says and how it writes it: Persian messages (Persian digits), error codes, and the small
display rules of the results page (the range shown, the query echoed in «», links that keep the filters) and
of the document view (a paged document shown page by page, "صفحهٔ ۱۲").

One place for the page's words, so that no English from Flask or Werkzeug reaches a Persian reader; the JSON
API gets the same Persian `message` beside a stable English `error` code.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

from flask import url_for

from indexer.sources.pages import split_pages
from search_ui.results.filters import Filters
from search_ui.results.jalali import format_number, persian_digits

MISSING_QUERY = "پرس‌وجو (پارامتر q) خالی است؛ چیزی برای جستجو بنویسید."
BAD_ENCODING = "نشانی این پرس‌وجو نویسه‌هایی دارد که UTF-8 نیستند؛ پرس‌وجو را دوباره بنویسید."

_STATUS = {
    400: ("bad-request", "درخواست نادرست است."),
    404: ("not-found", "چنین صفحه‌ای در کاوش نیست."),
    405: ("method-not-allowed", "این نشانی فقط با GET خوانده می‌شود."),
    500: ("internal-error", "خطایی در کاوش رخ داد؛ دوباره بکوشید."),
    503: ("index-unavailable", "نمایه در دسترس نیست؛ آن را با kavosh index … --rebuild دوباره بسازید."),
}
_PARAMETERS = {"page": "شماره‌ی صفحه (page)", "limit": "شمار نتیجه‌ها در هر صفحه (limit)"}
_PERSIAN_LETTER = re.compile("[\u0600-\u06ff]")
_TAG = re.compile(r"<[^>]+>")
_OPENING, _CLOSING = '«"“„', '»"”“'
_GROUPING = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_NUMERALS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_MARK_OPEN, _MARK_CLOSE = "<mark>", "</mark>"
EMPTY_PAGE = "این صفحه متنی ندارد."


def persian_digits_only(text: str) -> str:
    """ASCII digits as Persian ones, nothing else changed."""
    return text.translate(_NUMERALS)


def status_code(status: int) -> str:
    """The API's stable English `error` code for an HTTP status."""
    return _STATUS.get(status, ("error", ""))[0]


def status_message(status: int) -> str:
    """The page's Persian sentence for an HTTP status."""
    return _STATUS.get(status, ("", f"خطای {persian_digits(status)}"))[1]


def is_persian(text: str) -> bool:
    """True when a message is written in Persian (has Arabic-script letters), so it may be shown as is."""
    return bool(_PERSIAN_LETTER.search(text or ""))


def out_of_range(name: str, low: int, high: int) -> str:
    """The message for a number parameter that is not a whole number from `low` to `high`."""
    what = _PARAMETERS.get(name, name)
    return f"{what} باید عددی درست از {format_number(low)} تا {format_number(high)} باشد."


def shown_range(page: int, size: int, shown: int) -> str:
    """Which results a page shows, e.g. ۱۱–۱۹ ("" when it shows none); the page adds «از» and the total."""
    if not shown:
        return ""
    first = (page - 1) * size + 1
    return f"{format_number(first)}–{format_number(first + shown - 1)}"


def persian_numerals(text: Any) -> str:
    """A message with its digits (and the commas grouping them) in Persian, its punctuation untouched:
    «دست‌کم 2 حرف» -> «دست‌کم ۲ حرف», «1,000 نویسه» -> «۱٬۰۰۰ نویسه»."""
    return persian_digits_only(_GROUPING.sub("٬", str(text)))


def quoted(query: str) -> str:
    """The query for «…» in a sentence: a query that is itself a quoted phrase is not quoted twice."""
    query = query.strip()
    if query and (query[0] in _OPENING or query[-1] in _CLOSING):
        return query
    return f"«{query}»"


def input_dir(text: str) -> str:
    """The search box's direction: right to left unless the text starts with a left-to-right letter, so
    an empty box (placeholder, caret) is RTL and a Latin query still reads correctly."""
    for ch in text or "":
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "rtl"


def folder_name(folder: str) -> str:
    """How a folder is named in the facets: the top folder of the collection has no name of its own."""
    return folder or "پوشه‌ی اصلی"


def without_title_line(body_html: str, title: str, fmt: str = "") -> str:
    """The document's text without its first line when that line is only the title (the title of a .txt
    is its first line, and the page shows the title above the text already)."""
    want = " ".join((title or "").split())
    if not want:
        return body_html
    lines = body_html.split("\n")
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        if " ".join(html.unescape(_TAG.sub("", line)).split()) != want:
            return body_html
        rest = lines[i + 1 :]
        while rest and not rest[0].strip():
            rest = rest[1:]
        return "\n".join(rest) if rest else body_html
    return body_html


def page_url(q: str, filters: Filters | None, **change: Any) -> str:
    """The results URL for `q` with the current filters, changed by `change`: `page=`, `sort=`,
    `toggle_folder=` / `toggle_format=` (add or remove one), `clear=True` (no filters)."""
    f = filters or Filters()
    folders, formats = list(f.folders), list(f.formats)
    if "toggle_folder" in change:
        value = change.pop("toggle_folder")
        folders = [x for x in folders if x != value] if value in folders else [*folders, value]
    if "toggle_format" in change:
        value = change.pop("toggle_format")
        formats = [x for x in formats if x != value] if value in formats else [*formats, value]
    params: dict[str, Any] = {"q": q}
    if not change.pop("clear", False):
        params.update(folder=folders, format=formats, sort=f.sort if f.sort != "relevance" else None)
        params.update({"from": f.typed_from or None, "to": f.typed_to or None})
    params.update(change)
    return url_for("kavosh.search_page", **{k: v for k, v in params.items() if v not in (None, [], "")})


def page_label(number: int) -> str:
    """How the page names a page of a paged document (a PDF): «صفحهٔ ۱۲», on a hit and above each page of the
    document view."""
    return f"صفحهٔ {persian_digits(number)}"


def page_count(count: int) -> str:
    """The length of a paged document in the document view's details: «۱۲ صفحه»."""
    return f"{format_number(count)} صفحه"


def page_anchor(number: int) -> str:
    """The fragment that opens the document view at a page (`#page-12`): a hit's page link and the page's
    section share it."""
    return f"page-{int(number)}"


def marked_pages(body_html: str) -> list[str]:
    """The document view's HTML (escaped text, matches in <mark>) cut into its pages at the form feeds that
    separate them. A match running across a page break is closed at the end of its page and reopened on the
    next, so each page is well-formed on its own."""
    pages: list[str] = []
    inside = False
    for part in split_pages(body_html):
        if inside:
            part = _MARK_OPEN + part
        inside = part.rfind(_MARK_OPEN) > part.rfind(_MARK_CLOSE)
        if inside:
            part += _MARK_CLOSE
        pages.append(part.strip())
    return pages
