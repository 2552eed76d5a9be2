"""Which files a run must (re)index: the folder's files split against the live generation's manifest.

One plan for every writer (the folder index, `indexer.build`, and the cluster, `indexer.opensearch.writer`):
a file with the size and modification time it had is unchanged and never read; one whose time changed but
whose content did not (same SHA-256) is unchanged too, its manifest entry refreshed; every other file is
read; a file of the manifest no longer unchanged is gone (its documents are deleted before the new ones are
added). A file still bad is reported again from the manifest, without reading it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from indexer.sources.loader import FileEntry, Skip, walk

# Skip reasons that --ocr cures: such files are read again by a run with --ocr even when unchanged.
OCR_REASONS = frozenset({"no-text-layer"})


@dataclass
class Plan:
    to_index: list[FileEntry]  # new and changed files, to read
    gone: list[str]  # relpaths of the manifest whose documents go (deleted or changed files)
    unchanged: dict[str, dict]  # relpath -> manifest entry kept (its time refreshed)
    files: int  # supported files found, including those skipped

    @property
    def unchanged_docs(self) -> int:
        return sum(len(meta["ids"]) for meta in self.unchanged.values())


def sha256_of(path: str) -> str:
    """The SHA-256 of a file, read a megabyte at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def plan(
    folder: Path,
    old_files: dict,
    max_size: int,
    skip: Callable[[Skip], None],
    exclude: Path | None = None,
    ocr: bool = False,
) -> Plan:
    """Split `folder`'s files (not those under `exclude`) against the manifest `old_files`. With `ocr`, a
    file skipped for want of OCR is read again even when unchanged."""

    def known(relpath: str) -> dict | None:
        old = old_files.get(relpath)
        if old and ocr and any(recorded[1] in OCR_REASONS for recorded in old.get("skips", ())):
            return None  # skipped or partly read for want of --ocr: read it again, now with OCR
        return old

    def keep(relpath: str, meta: dict) -> None:
        unchanged[relpath] = meta
        for recorded in meta.get("skips", ()):
            skip(Skip(*recorded))  # still bad: report it again, without reading the file

    unchanged: dict[str, dict] = {}
    to_index: list[FileEntry] = []
    files = 0
    for item in walk(folder, exclude=exclude):
        if isinstance(item, Skip):
            skip(item)
            continue
        files += 1
        old = known(item.relpath)
        if old and old["size"] == item.size and old["mtime_ns"] == item.mtime_ns:
            keep(item.relpath, old)
        elif old and old["size"] == item.size and item.size <= max_size and _same_content(item, old):
            keep(item.relpath, dict(old, mtime_ns=item.mtime_ns))
        else:
            to_index.append(item)
    gone = [rel for rel in old_files if rel not in unchanged]
    return Plan(to_index, gone, unchanged, files)


def _same_content(entry: FileEntry, old: dict) -> bool:
    try:
        return sha256_of(entry.abspath) == old["sha256"]
    except OSError:
        return False  # reported when the file is read
