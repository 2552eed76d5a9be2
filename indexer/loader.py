"""Walking a folder and turning its files into documents (txt, md, html, json, jsonl).

Nothing here raises on bad input: problems come back as `Skip` records (reason + one-line detail) so a run
goes on and can count them.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from indexer.encoding import DecodeError, decode_bytes

FORMATS = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
FORMATS |= {".json": "json", ".jsonl": "jsonl"}
TITLE_MAX = 200


@dataclass(frozen=True)
class FileEntry:
    """A candidate source file found by the walk."""

    relpath: str  # POSIX-style, relative to the folder: the document's `path`
    abspath: str
    format: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Skip:
    """Something that was not indexed, and why."""

    relpath: str
    reason: str  # short key used for counting: binary, undecodable, empty, too-large, ...
    detail: str  # one line for the user

    def __str__(self) -> str:
        return f"skipped {self.relpath}: {self.detail}"


@dataclass
class Doc:
    """One document ready for the index."""

    id: str
    path: str
    title: str
    body: str
    format: str
    date: float | None = None  # the document's own date (epoch seconds, UTC), if it gives one


def walk(folder: Path, exclude: Path | None = None) -> Iterator[FileEntry | Skip]:
    """Yield supported files under `folder` (sorted, recursive, following directory symlinks) and a Skip for
    each unreadable path or symlink loop. Hidden entries and `exclude` (the index folder) are ignored."""
    root = folder.resolve()
    excluded = exclude.resolve() if exclude is not None else None
    try:
        top = os.stat(root)
    except OSError as exc:
        yield Skip(".", "unreadable", f"cannot read the folder ({exc.strerror})")
        return
    yield from _walk_dir(root, "", {(top.st_dev, top.st_ino)}, excluded)


def _walk_dir(path: Path, rel: str, ancestors: set[tuple[int, int]], excluded: Path | None):
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError as exc:
        yield Skip(rel or ".", "unreadable", f"cannot list the folder ({exc.strerror})")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        relpath = f"{rel}/{entry.name}" if rel else entry.name
        try:
            relpath.encode("utf-8")
        except UnicodeEncodeError:  # undecodable bytes in the name, kept by Python as lone surrogates
            shown = relpath.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            yield Skip(shown, "bad-name", "the file name is not valid UTF-8; rename it")
            continue
        try:
            st = os.stat(entry.path)  # follows symlinks
        except OSError as exc:
            if entry.is_symlink():
                loop = exc.errno == 40  # ELOOP
                reason, detail = (
                    ("symlink-loop", "symlink loop") if loop else ("unreadable", "broken symlink")
                )
                yield Skip(relpath, reason, detail)
            else:
                yield Skip(relpath, "unreadable", f"cannot read ({exc.strerror})")
            continue
        if stat.S_ISDIR(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if key in ancestors:
                yield Skip(relpath, "symlink-loop", "symlink loop (points back to a folder above it)")
                continue
            if excluded is not None and Path(entry.path).resolve() == excluded:
                continue
            yield from _walk_dir(Path(entry.path), relpath, ancestors | {key}, excluded)
        elif stat.S_ISREG(st.st_mode):
            fmt = FORMATS.get(os.path.splitext(entry.name)[1].lower())
            if fmt is not None:
                yield FileEntry(relpath, entry.path, fmt, st.st_size, st.st_mtime_ns)


def first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line[:TITLE_MAX]
    return ""


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def markdown_title(text: str) -> str:
    m = _MD_HEADING.search(text)
    return m.group(1).strip()[:TITLE_MAX] if m else first_line(text)


class _HtmlText(HTMLParser):
    """Visible text of an HTML page (no scripts, styles or head), its <title> and first heading."""

    HIDDEN = frozenset("script style noscript template head svg iframe object".split())
    HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
    BLOCK = HEADINGS | frozenset(
        "p div br li tr td section article blockquote pre ul ol table header footer nav main hr dd dt".split()
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self.heading: list[str] = []
        self.hidden = 0
        self.in_title = False
        self.in_heading = False
        self.heading_done = False

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag == "title":
            self.in_title = True
        if tag in self.BLOCK:
            self.parts.append("\n")
        if tag in self.HEADINGS and not self.heading_done:
            self.in_heading = True

    def handle_startendtag(self, tag, attrs):
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag == "title":
            self.in_title = False
        if tag in self.HEADINGS and self.in_heading:
            self.in_heading = False
            self.heading_done = bool("".join(self.heading).strip())
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if self.in_title:
            self.title.append(data)
        elif not self.hidden:
            self.parts.append(data)
            if self.in_heading:
                self.heading.append(data)


_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANKS = re.compile(r"\n\s*\n+")


def html_to_text(markup: str) -> tuple[str, str]:
    """Return (title, visible text) of an HTML page."""
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    text = _SPACES.sub(" ", "".join(parser.parts))
    text = _BLANKS.sub("\n\n", "\n".join(line.strip() for line in text.split("\n"))).strip()
    title = " ".join("".join(parser.title).split()) or " ".join("".join(parser.heading).split())
    return (title or first_line(text))[:TITLE_MAX], text


def parse_file(entry: FileEntry, data: bytes) -> Iterator[Doc | Skip]:
    """Turn one file's bytes into documents; problems come back as Skips (never raised)."""
    if not data.strip():
        yield Skip(entry.relpath, "empty", "empty file")
        return
    try:
        text, _encoding = decode_bytes(data)
    except DecodeError as exc:
        yield Skip(entry.relpath, exc.reason, exc.detail)
        return
    if not text.strip():
        yield Skip(entry.relpath, "empty", "empty file (only whitespace)")
        return
    if entry.format in ("json", "jsonl"):
        yield from _parse_records(entry, text)
        return
    if entry.format == "html":
        try:
            title, body = html_to_text(text)
        except Exception as exc:  # html.parser is lenient; anything it still raises is bad input
            yield Skip(entry.relpath, "bad-html", f"unparseable HTML ({exc.__class__.__name__}: {exc})")
            return
        if not body.strip() and not title:
            yield Skip(entry.relpath, "empty", "HTML page without visible text")
            return
    elif entry.format == "md":
        title, body = markdown_title(text), text
    else:
        title, body = first_line(text), text
    yield Doc(id=entry.relpath, path=entry.relpath, title=title, body=body, format=entry.format)


def _parse_records(entry: FileEntry, text: str) -> Iterator[Doc | Skip]:
    if entry.format == "json":
        try:
            data = json.loads(text)
        except RecursionError:
            yield Skip(entry.relpath, "bad-json", "invalid JSON (nested too deeply)")
            return
        except ValueError as exc:
            yield Skip(entry.relpath, "bad-json", f"invalid JSON ({exc})")
            return
        records = data if isinstance(data, list) else [data]
        for n, record in enumerate(records, 1):
            yield _record_doc(entry, record, n, f"record {n}")
        return
    n = 0
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        n += 1
        try:
            record = json.loads(line)
        except RecursionError:
            yield Skip(f"{entry.relpath}:{lineno}", "bad-json", "invalid JSON line (nested too deeply)")
            continue
        except ValueError as exc:
            yield Skip(f"{entry.relpath}:{lineno}", "bad-json", f"invalid JSON line ({exc})")
            continue
        yield _record_doc(entry, record, n, f"line {lineno}")


def _as_text(value: object) -> str | None:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _record_doc(entry: FileEntry, record: object, n: int, where: str) -> Doc | Skip:
    """One JSON record as a document: id (`id`/`_id`, else `<relpath>#<n>`), title, text or body."""
    label = f"{entry.relpath} ({where})"
    if not isinstance(record, dict):
        return Skip(label, "bad-record", f"a record must be a JSON object, not {type(record).__name__}")
    raw_id = record.get("id", record.get("_id"))
    doc_id = _as_text(raw_id)
    if doc_id is None or (raw_id is not None and not doc_id.strip()):
        return Skip(label, "bad-record", "the record's id must be a non-empty string or number")
    title = _as_text(record.get("title"))
    body = _as_text(record.get("text", record.get("body")))
    if title is None or body is None:
        return Skip(label, "bad-record", "the record's title and text must be strings")
    if not body.strip() and not title.strip():
        return Skip(label, "empty", "record without title or text")
    doc_id = doc_id.strip() or f"{entry.relpath}#{n}"
    title = " ".join(title.split())[:TITLE_MAX] or first_line(body)
    return Doc(id=doc_id, path=entry.relpath, title=title, body=body, format=entry.format)
