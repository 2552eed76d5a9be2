"""Markdown files: the text a reader sees (no `#`, `**`, `-` or link targets), title and date.

The Markdown is rendered by markdown-it-py (CommonMark, with tables and strikethrough) and the result read
like any HTML page, so headings, emphasis, lists, link text, code and inline HTML come out as their visible
text (issue 14: raw Markdown showed in snippets). The stored text IS this visible text, so highlight offsets
follow it. markdown-it-py gave the same text as mistune on samples/ and every construct of the tests, at the
same speed within the noise (bench/formats.py). A front matter block (`---` lines at the top) gives `title:`
and `date:` and is not body text.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from indexer.sources import Extracted, clean_title
from indexer.sources.dates import parse_date
from indexer.sources.html import read_html

_FRONT_MATTER = re.compile(
    r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL | re.MULTILINE
)
_FIELD = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:[ \t]*(.*?)[ \t]*$", re.MULTILINE)
_RENDERER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """The `key: value` lines of a leading front matter block (quotes removed), and the text after it."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    fields = {}
    for key, value in _FIELD.findall(match.group(1)):
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        fields.setdefault(key.lower(), value)
    return fields, text[match.end() :]


def read_markdown(text: str) -> Extracted:
    """Title (front matter `title:`, else the first heading, else the first line), visible text, date."""
    fields, body = front_matter(text)
    page = read_html(_RENDERER.render(body))
    page.title = clean_title(fields.get("title")) or page.title
    page.date = parse_date(fields.get("date"))
    page.warning = None  # the check against the markup's rough text means nothing for rendered Markdown
    return page
