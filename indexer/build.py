"""Full and incremental builds: each run writes a new generation and switches `CURRENT` when it is whole.

An incremental run starts the new generation as hard links to the current one, deletes the documents of
changed and deleted files (by `path`), adds new and changed ones, commits, fsyncs and only then switches.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from analyzers import ANALYZER_VERSION
from indexer.errors import KavoshIndexError
from indexer.plan import Plan, plan
from indexer.progress import Progress
from indexer.run_options import RunOptions
from indexer.sources.loader import Doc, FileEntry, ReadOptions, Skip, parse_file
from indexer.sources.pages import PAGED_FORMATS, page_starts
from indexer.storage import generations as store
from indexer.storage.codec import KavoshCodec
from indexer.storage.schema import SCHEMA_VERSION, folder_of, make_schema
from indexer.storage.writer import KavoshMpWriter, KavoshWriter

log = logging.getLogger("kavosh.indexer")

# Below this much new text, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 4 * 1024 * 1024
WRITER_LIMIT_MB = 128
TICK_DOCS = 100  # progress ticks inside big .json/.jsonl files


class UsageError(store.KavoshIndexError):
    """The arguments cannot work (e.g. the folder does not exist)."""


@dataclass
class Summary:
    """What a run did. Document counts, except `skipped`, which counts skipped files and records."""

    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: Counter = field(default_factory=Counter)
    files: int = 0  # supported files found, including those skipped
    sources: int = 0  # files whose documents are in the live index after the run
    documents: int = 0  # documents in the live index after the run
    bytes_read: int = 0  # bytes of the files read and indexed in this run
    elapsed: float = 0.0
    generation: str | None = None
    rebuilt: bool = False
    changed: bool = False  # False when the index was already up to date (no new generation)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    @property
    def docs_per_s(self) -> float:
        return (self.added + self.updated) / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def mb_per_s(self) -> float:
        return self.bytes_read / 1e6 / self.elapsed if self.elapsed > 0 else 0.0

    def lines(self) -> list[str]:
        """The human summary printed at the end of `kavosh index`.

        Rates only when something was indexed (a run with nothing to do has none), and the documents
        counted from the files that hold them, not from every file found (some may be skipped)."""
        state = f"generation {self.generation}" if self.changed else f"already up to date ({self.generation})"
        out = [
            f"{state}: {self.documents} documents from {self.sources} files",
            f"added {self.added}, updated {self.updated}, deleted {self.deleted}, "
            f"unchanged {self.unchanged}, skipped {self.skipped_total}",
        ]
        if self.skipped:
            out.append("skipped by reason: " + ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items())))
        if self.added or self.updated:
            out.append(
                f"elapsed {self.elapsed:.2f} s, {self.docs_per_s:,.0f} docs/s, {self.mb_per_s:.2f} MB/s"
                f" ({self.bytes_read / 1e6:.1f} MB read)"
            )
        else:
            out.append(f"elapsed {self.elapsed:.2f} s, nothing new to index")
        return out


def _previous(index_dir: Path, rebuild: bool) -> tuple[store.Generation | None, dict]:
    """The live generation to build on (None for a full build) and its manifest."""
    if rebuild or store.current_name(index_dir) is None:
        return None, {}
    try:
        gen = store.open_generation(index_dir, check=False)
        store.check_versions(gen.meta, str(index_dir))
    except store.IndexVersionMismatch:
        log.warning("the index was built by another analyzer or schema version: rebuilding from scratch")
        return None, {}
    except store.IndexMissing as exc:
        log.warning("%s: rebuilding from scratch", exc)
        return None, {}
    return gen, gen.meta.get("files", {})


def index_folder(
    folder: str | os.PathLike,
    index_dir: str | os.PathLike,
    options: RunOptions | None = None,
    *,
    ocr: bool = False,
    **given: Any,
) -> Summary:
    """Bring the index in `index_dir` in step with `folder`; return what was done.

    `options` (indexer.run_options.RunOptions), or its fields given as keywords (`rebuild=True`), say how
    the run goes; `ocr` reads scans and images with Tesseract (files skipped earlier for want of it are read
    again). Raises UsageError, store.LockTimeout; bad files never raise: they are reported through
    `on_skip` and counted.
    """
    began = time.perf_counter()
    opts = RunOptions.of(options, given)
    folder, index_dir = Path(folder), Path(index_dir)
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder")
    if index_dir.exists() and not index_dir.is_dir():
        raise UsageError(f"{index_dir} exists and is not a folder")
    summary = Summary()
    skip = opts.skipper(summary)
    rebuild, max_size, procs = opts.rebuild, opts.max_size, opts.procs

    with store.writer_lock(index_dir, timeout=opts.lock_timeout, on_wait=opts.on_wait):
        store.clean_up(index_dir)
        current, old_files = _previous(index_dir, rebuild)
        summary.rebuilt = current is None
        summary.generation = current.name if current else None
        todo = plan(folder, old_files, max_size, skip, exclude=index_dir, ocr=ocr)
        summary.files, summary.unchanged = todo.files, todo.unchanged_docs
        up_to_date = not todo.to_index and not todo.gone and todo.unchanged == old_files
        if current is not None and up_to_date:
            return _kept(summary, current, began)
        run = _Run(folder, index_dir, max_size, procs, ocr, summary, skip, opts.progress or Progress())
        name = run.write(current, todo, old_files)
        if name is None:  # nothing changed after all (e.g. only files that are still bad)
            return _kept(summary, current, began)
        summary.generation = name
        summary.changed = True
    summary.elapsed = time.perf_counter() - began
    return summary


def _kept(summary: Summary, current: store.Generation, began: float) -> Summary:
    """The summary of a run that leaves the live generation as it is."""
    summary.documents = current.meta.get("documents", 0)
    summary.sources = _sources(current.meta.get("files", {}))
    summary.elapsed = time.perf_counter() - began
    return summary


@dataclass
class _Run:
    """What one run writes a new generation with."""

    folder: Path
    index_dir: Path
    max_size: int
    procs: int
    ocr: bool
    summary: Summary
    skip: Callable[[Skip], None]
    progress: Progress

    def write(self, current: store.Generation | None, todo: Plan, old_files: dict) -> str | None:
        """Write the next generation (a copy of `current` with `todo` applied) and make it live; return its
        name, or None when nothing changed and the live one stays (the new one is then removed)."""
        name = store.next_generation(self.index_dir)
        gen_path = self.index_dir / name
        try:
            ix = _open_next(gen_path, current)
            writer = _writer(ix, sum(e.size for e in todo.to_index), self.procs)
            options = ReadOptions(ocr=self.ocr, on_page=self.progress.ocr_page)
            try:
                manifest = _apply(
                    writer, todo, old_files, self.max_size, self.summary, self.skip, self.progress, options
                )
            except BaseException:
                writer.cancel()
                raise
            summary = self.summary
            if summary.added or summary.updated or summary.deleted:
                writer.commit()
                _forget_failed(getattr(writer, "failed", ()), manifest, old_files, summary, self.skip)
            else:
                writer.cancel()
                if current is not None and manifest == old_files:
                    shutil.rmtree(gen_path, ignore_errors=True)
                    return None
            with ix.reader() as reader:
                summary.documents = reader.doc_count()
            summary.sources = _sources(manifest)
            _write_meta(gen_path, name, self.folder, summary.documents, manifest)
        except BaseException:
            shutil.rmtree(gen_path, ignore_errors=True)
            raise
        finally:
            self.progress.close()
        store.switch_current(self.index_dir, name)
        store.clean_up(self.index_dir)
        return name


def _forget_failed(failed, manifest: dict, old_files: dict, summary: Summary, skip) -> None:
    """Documents a worker process could not index (`KavoshMpWriter.failed`) are skipped like a document
    that fails in this process: counted, reported, and left out of the manifest's ids (its file keeps the
    problem until it changes)."""
    for failure in failed:
        item = Skip(_record(failure.path, failure.id), "failed", f"could not be indexed ({failure.reason})")
        skip(item)
        for rel, meta in manifest.items():
            if failure.id in meta.get("ids", ()):
                meta["ids"] = [i for i in meta["ids"] if i != failure.id]
                meta.setdefault("skips", []).append([item.relpath, item.reason, item.detail])
                if failure.id in old_files.get(rel, {}).get("ids", ()):
                    summary.updated -= 1
                else:
                    summary.added -= 1
                break


def _open_next(gen_path: Path, current: store.Generation | None):
    """The new generation's Whoosh index: empty for a full build, else hard links to the live one."""
    if current is None:
        gen_path.mkdir(parents=True)
        return whoosh_index.create_in(str(gen_path), make_schema())
    store.seed_from(current.path, gen_path)
    return whoosh_index.open_dir(str(gen_path))


def _writer(ix, new_bytes: int, procs: int):
    """One writer for a small job, the multi-process writer (`procs`, 0: two on a machine that has them)
    for a large one; both Whoosh's writers with Kavosh's posting pool (indexer.storage.writer)."""
    nprocs = procs or (2 if new_bytes >= PARALLEL_MIN_BYTES and (os.cpu_count() or 1) > 1 else 1)
    options = {"limitmb": WRITER_LIMIT_MB, "codec": KavoshCodec()}
    if nprocs <= 1:
        return KavoshWriter(ix, **options)
    _warm_up(ix)
    return KavoshMpWriter(ix, procs=nprocs, **options)


def _write_meta(gen_path: Path, name: str, folder: Path, documents: int, manifest: dict) -> None:
    """The generation's `kavosh.json` (versions, the file manifest), then every file fsynced."""
    meta = {
        "analyzer_version": ANALYZER_VERSION,
        "schema_version": SCHEMA_VERSION,
        "generation": name,
        "created": time.time(),
        "folder": str(folder.resolve()),
        "documents": documents,
        "files": manifest,
    }
    store.write_json_durably(gen_path / store.META, meta)
    store.fsync_tree(gen_path)


def _sources(manifest: dict) -> int:
    """How many files of a manifest have documents in the index."""
    return sum(1 for meta in manifest.values() if meta.get("ids"))


def _warm_up(ix) -> None:
    """Load the analyzer's lazy data (lexicon, verbs) before Whoosh forks its workers, so they share it
    instead of each loading its own copy (measured: 28 s -> 13 s for 3,000 documents)."""
    list(ix.schema["body"].analyzer("کتاب‌ها را می‌خوانند", mode="index"))


def _apply(writer, todo: Plan, old_files, max_size, summary, skip, progress, options) -> dict:
    """Delete documents of changed/deleted files, add the new ones; return the new manifest."""
    to_index, gone = todo.to_index, todo.gone
    manifest = dict(todo.unchanged)
    seen: set[str] = {doc_id for meta in todo.unchanged.values() for doc_id in meta["ids"]}
    for rel in gone:
        writer.delete_by_term("path", rel)
    progress.start(len(to_index), sum(e.size for e in to_index))
    for entry in to_index:
        old_ids = set(old_files.get(entry.relpath, {}).get("ids", ()))
        file_skips: list[Skip] = []

        def record(item: Skip, file_skips=file_skips) -> None:
            file_skips.append(item)
            skip(item)

        ids, sha = _index_file(writer, entry, max_size, seen, record, progress, options)
        if sha is not None:  # the file was read: remember it (and its problems) until it changes
            manifest[entry.relpath] = {
                "size": entry.size,
                "mtime_ns": entry.mtime_ns,
                "sha256": sha,
                "format": entry.format,
                "ids": ids,
                "skips": [[s.relpath, s.reason, s.detail] for s in file_skips],
            }
        if not ids:
            progress.update(1, 0, 0)
            continue
        summary.bytes_read += entry.size
        summary.updated += len(old_ids.intersection(ids))
        summary.added += len(ids) - len(old_ids.intersection(ids))
        progress.update(1, len(ids), entry.size)
    for rel in gone:
        kept = set(manifest.get(rel, {}).get("ids", ()))
        summary.deleted += len(set(old_files[rel]["ids"]) - kept)
    return manifest


def _index_file(
    writer,
    entry: FileEntry,
    max_size: int,
    seen: set[str],
    skip,
    progress: Progress | None = None,
    options: ReadOptions | None = None,
) -> tuple[list[str], str | None]:
    """Add one file's documents; return their ids and the file's sha256 (None when it could not be read)."""
    if entry.size > max_size:
        limit = f"{max_size / 1e6:g} MB"
        skip(Skip(entry.relpath, "too-large", f"too large ({entry.size / 1e6:.1f} MB > --max-size {limit})"))
        return [], None
    try:
        with open(entry.abspath, "rb") as fh:
            data = fh.read(max_size + 1)
    except OSError as exc:
        skip(Skip(entry.relpath, "unreadable", f"cannot read ({exc.strerror})"))
        return [], None
    if len(data) > max_size:
        skip(Skip(entry.relpath, "too-large", "too large (grew past --max-size while being read)"))
        return [], None
    sha = hashlib.sha256(data).hexdigest()
    ids: list[str] = []
    mtime = entry.mtime_ns / 1e9
    try:
        for item in parse_file(entry, data, options):
            if isinstance(item, Skip):
                skip(item)
                continue
            if item.id in seen:
                skip(Skip(_record(entry.relpath, item.id), "duplicate-id", "duplicate id, already indexed"))
                continue
            try:
                _add(writer, item, mtime)
            except KavoshIndexError:  # the index itself cannot take more (a writer stopped, a cluster gone)
                raise
            except Exception as exc:  # this document only (the writer kept nothing of it): the file goes on
                log.debug("failure on %s", _record(entry.relpath, item.id), exc_info=True)
                reason = f"could not be indexed ({exc.__class__.__name__}: {exc})"
                skip(Skip(_record(entry.relpath, item.id), "failed", reason))
                continue
            seen.add(item.id)
            ids.append(item.id)
            if progress is not None and len(ids) % TICK_DOCS == 0:
                progress.tick(len(ids))
    except KavoshIndexError:
        raise
    except Exception as exc:  # a bug in a reader on odd input: report it, keep going with the other files
        log.debug("failure on %s", entry.relpath, exc_info=True)
        skip(Skip(entry.relpath, "failed", f"could not be indexed ({exc.__class__.__name__}: {exc})"))
    return ids, sha


def _record(path: str | None, doc_id: str | None) -> str:
    """How a record of a file is named in reports and the manifest: its id written so that any terminal
    and JSON file can hold it (an unpaired surrogate, which a JSON record may carry, as its escape)."""
    shown = str(doc_id).encode("utf-8", "backslashreplace").decode("utf-8")
    return f"{path} (id {shown})"


def _add(writer, doc: Doc, mtime: float) -> None:
    """Add one document; its date is the one it gives itself, else its file's modification time."""
    writer.add_document(
        id=doc.id,
        path=doc.path,
        title=doc.title,
        body=doc.body,
        content=doc.body,
        mtime=mtime,
        format=doc.format,
        folder=folder_of(doc.path),
        date=_date_of(doc, mtime),
        pages=page_starts(doc.body, doc.format in PAGED_FORMATS),
    )


def _date_of(doc: Doc, mtime: float) -> int:
    """The document's own date when it gives a usable one, else the file's time (whole epoch seconds)."""
    given = doc.date
    if isinstance(given, int | float) and math.isfinite(given) and abs(given) < 1e12:
        return int(given)
    return int(mtime)
