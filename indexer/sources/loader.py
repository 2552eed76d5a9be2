"""Walking a folder and turning its files into documents; the readers of each format are in `indexer.sources`.

Nothing here raises on bad input: problems come back as `Skip` records (reason + one-line detail) so a run
goes on and can count them.
"""

from __future__ import annotations

import importlib
import json
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.sources import Extracted, SourceError, clean_title, first_line
from indexer.sources.dates import parse_date
from indexer.sources.encoding import DecodeError, decode_bytes

# Files read as text (decoded by indexer.sources.encoding) and files read from their bytes by a reader.
FORMATS = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
FORMATS |= {".json": "json", ".jsonl": "jsonl"}
FORMATS |= {".pdf": "pdf", ".docx": "docx", ".odt": "odt", ".epub": "epub", ".rtf": "rtf"}
FORMATS |= {".png": "image", ".jpg": "image", ".jpeg": "image", ".tif": "image", ".tiff": "image"}
# Formats of the same families that no installed reader understands: reported, never silently ignored.
UNSUPPORTED = {
    ".doc": "Word 97-2003 (.doc) is not read; save it as .docx",
    ".ppt": "PowerPoint 97-2003 (.ppt) is not read; save it as .pptx or PDF",
    ".pptx": "PowerPoint (.pptx) is not read; save it as PDF",
    ".xls": "Excel 97-2003 (.xls) is not read",
    ".xlsx": "Excel (.xlsx) is not read",
    ".odp": "OpenDocument presentations (.odp) are not read; save it as PDF",
    ".ods": "OpenDocument spreadsheets (.ods) are not read",
    ".mobi": "Kindle books (.mobi) are not read; convert it to EPUB",
    ".djvu": "DjVu files are not read; convert it to PDF",
}
# Readers of the formats read from bytes: format -> (module, function), imported on first use so that the
# search commands do not pay for PDF and office libraries they never call.
_BYTE_READERS = {
    "pdf": ("indexer.sources.pdf", "read_pdf"),
    "docx": ("indexer.sources.office", "read_docx"),
    "odt": ("indexer.sources.office", "read_odt"),
    "epub": ("indexer.sources.epub", "read_epub"),
    "rtf": ("indexer.sources.rtf", "read_rtf"),
    "image": ("indexer.sources.ocr", "read_image"),
}


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


@dataclass(frozen=True)
class ReadOptions:
    """How files are read: `ocr` runs Tesseract on scans and images (slow), else they are skipped."""

    ocr: bool = False
    on_page: Callable[[int, int], None] | None = None  # OCR progress: (page just read, pages in the file)


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
            ext = os.path.splitext(entry.name)[1].lower()
            fmt = FORMATS.get(ext)
            if fmt is not None:
                yield FileEntry(relpath, entry.path, fmt, st.st_size, st.st_mtime_ns)
            elif ext in UNSUPPORTED:
                yield Skip(relpath, "unsupported-format", UNSUPPORTED[ext])


def parse_file(entry: FileEntry, data: bytes, options: ReadOptions | None = None) -> Iterator[Doc | Skip]:
    """Turn one file's bytes into documents; problems come back as Skips (never raised)."""
    if not data.strip():
        yield Skip(entry.relpath, "empty", "empty file")
        return
    if entry.format in _BYTE_READERS:
        yield from _read_bytes(entry, data, options or ReadOptions())
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
    if entry.format in ("html", "md"):
        from indexer.sources.html import read_html
        from indexer.sources.markdown import read_markdown

        try:
            found = read_html(text) if entry.format == "html" else read_markdown(text)
        except Exception as exc:  # the parsers are lenient; anything they still raise is bad input
            yield Skip(entry.relpath, f"bad-{entry.format}", f"unparseable ({exc.__class__.__name__}: {exc})")
            return
    else:
        found = Extracted(title=first_line(text), text=text)
    yield from _document(entry, found)


def _read_bytes(entry: FileEntry, data: bytes, options: ReadOptions) -> Iterator[Doc | Skip]:
    module_name, function = _BYTE_READERS[entry.format]
    try:
        reader = getattr(importlib.import_module(module_name), function)
        found = reader(data, options)
    except SourceError as exc:
        yield Skip(entry.relpath, exc.reason, exc.detail)
        return
    except ImportError as exc:
        yield Skip(
            entry.relpath, "missing-reader", f"the {entry.format} reader is not installed ({exc.name})"
        )
        return
    except MemoryError:
        yield Skip(entry.relpath, "too-large", "too large to read into memory")
        return
    except Exception as exc:  # a damaged file the library chokes on: report it, keep going
        name = exc.__class__.__name__
        yield Skip(
            entry.relpath, f"bad-{entry.format}", f"damaged or unreadable {entry.format} ({name}: {exc})"
        )
        return
    yield from _document(entry, found)


def _document(entry: FileEntry, found: Extracted) -> Iterator[Doc | Skip]:
    if not found.text.strip() and not found.title:
        yield Skip(entry.relpath, "empty", f"{entry.format} file without visible text")
        return
    if found.warning:
        yield Skip(entry.relpath, found.warning_reason, f"indexed, but {found.warning}")
    title = clean_title(found.title) or first_line(found.text)
    yield Doc(entry.relpath, entry.relpath, title, found.text, entry.format, found.date)


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
    title = clean_title(title) or first_line(body)
    date = parse_date(record.get("date"))
    return Doc(id=doc_id, path=entry.relpath, title=title, body=body, format=entry.format, date=date)
