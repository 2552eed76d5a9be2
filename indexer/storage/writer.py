"""Whoosh's segment writers with Kavosh's posting pool: the index they write is the same Whoosh index.

`KavoshWriter` is Whoosh's `SegmentWriter` with `indexer.storage.pool.PostingPool` in place of Whoosh's
pickling pool, and a commit that hands the codec each term's postings as one list
(`TermDictFieldWriter.add_pooled`) instead of one call per posting. `KavoshMpWriter` is Whoosh's
multi-process writer (one segment per worker) whose workers are `KavoshWriter`s. What is written is what
Whoosh's writers write for the same documents (`tests/test_pool.py` compares the postings, the stored
fields and search results).

A document's fields are all analyzed before anything of it is added, so a document whose analysis fails
leaves nothing behind (Whoosh's writer kept the postings of the fields analyzed before the failure, which
the next document then inherited).
"""

from __future__ import annotations

import gc
import logging
import pickle
import threading
from dataclasses import dataclass
from multiprocessing import Queue

from whoosh.fields import FieldType

from analyzers import indexed_terms, indexed_terms_and_lead
from indexer.errors import WriteFailed
from indexer.storage.pool import PostingPool
from indexer.storage.pooling import TermList
from indexer.storage.schema import CompactPositions
from indexer.storage.termdict import TermDictFieldWriter
from indexer.storage.whoosh_private import MpWriter, SegmentWriter, SubWriterTask

log = logging.getLogger("kavosh.indexer")


class UnsupportedSchema(ValueError):
    """A schema with fields the fast writer does not write (term vectors, separate spelling words)."""


def _check_schema(schema) -> None:
    for name, field in schema.items():
        if field.vector or field.separate_spelling():
            raise UnsupportedSchema(f"field {name!r} has term vectors or spelling words: not written here")


def _install_pool(writer) -> None:
    """Replace the pool SegmentWriter.__init__ made (it holds nothing yet) with Kavosh's."""
    _check_schema(writer.schema)
    writer.pool = PostingPool(writer.temp_storage(), writer.limitmb)
    writer._last_terms = {}


# (lead, whole): fields whose first is often the beginning of the second, read from one analysis when it is.
LEADS = (("title", "body"),)


class WriterBroken(WriteFailed):
    """A document was half written to a segment: nothing more can be added to it, nor can it be committed."""

    def __str__(self) -> str:
        return f"the index writer stopped: {self.args[0]}; nothing of this run was kept"


class KavoshWriter(SegmentWriter):
    """SegmentWriter with an in-memory posting pool and a commit that writes a term's postings at once."""

    broken: str | None = None  # why the writer stopped taking documents (see add_document)

    def __init__(self, ix, limitmb: float = 128, **kwargs) -> None:
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.limitmb = limitmb
        _install_pool(self)

    def add_document(self, **fields) -> None:
        """Add one document (as Whoosh's writer does). Everything that can fail on a document's content is
        done before anything of it is written for good: its fields analyzed and their column values computed,
        then its postings pooled (taken back if that fails: a term UTF-8 cannot hold fails there), and only
        then its stored fields, lengths and columns written, which cannot be taken back: a failure there
        leaves the writer `broken`, and it refuses every later document and its commit (the run fails, the
        live index stays as it was) instead of writing a segment whose columns are out of step with its
        documents."""
        self._check_state()
        if self.broken:
            raise WriterBroken(self.broken)
        schema = self.schema
        docboost = self._doc_boost(fields)
        names = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, names)
        together = self._read_with_lead(schema, fields)
        analyzed = []
        for name in names:
            value = fields[name]
            if value is None:
                continue
            field = schema[name]
            items = None
            if field.indexed:
                items = together.get(name) if together else None
                if items is None:
                    items = self._terms(name, field, value)
            shown = fields.get(f"_stored_{name}", value)
            column = field.to_column_value(shown) if field.column_type and shown is not None else None
            analyzed.append((name, field, shown, items, column))
        docnum = self.docnum
        perdoc = self.perdocwriter
        pool = self.pool
        perdoc.start_doc(docnum)
        lengths = {}
        added = []
        try:
            for name, field, _shown, items, _column in analyzed:
                if items is not None:
                    added.append((name, items))
                    length = pool.add_terms(name, docnum, items, self._field_boost(fields, name, docboost))
                    lengths[name] = length if field.scorable else 0
        except Exception:
            perdoc.cancel_doc()
            for name, items in added:
                pool.remove_document(name, docnum, items)
            raise
        try:
            for name, field, shown, _items, column in analyzed:
                perdoc.add_field(name, field, shown if field.stored else None, lengths.get(name, 0))
                if column is not None:
                    perdoc.add_column_value(name, field.column_type, column)
            perdoc.finish_doc()
        except BaseException as exc:
            self.broken = f"document {fields.get('id')!r} was half written ({exc.__class__.__name__}: {exc})"
            raise
        self._added = True
        self.docnum += 1
        pool.spill_if_full()

    def commit(self, *args, **kwargs) -> None:
        if self.broken:
            self.cancel()
            raise WriterBroken(self.broken)
        super().commit(*args, **kwargs)

    def _read_with_lead(self, schema, fields: dict) -> dict[str, TermList] | None:
        """The items of a field that opens another (LEADS: a title that is the body's first line, as
        `indexer.sources.first_line` gives a document without one) and of that other field, from one
        analysis of the latter: the lead's terms are those of the body's first words, exactly what analyzing
        it alone gives, unless a word joins across its end (the analyzer says so, and it is then analyzed on
        its own). None when no field here opens another."""
        for lead, whole in LEADS:
            lead_value, whole_value = fields.get(lead), fields.get(whole)
            if not (isinstance(lead_value, str) and lead_value and isinstance(whole_value, str)):
                continue
            if lead not in schema or whole not in schema:
                continue
            lead_field, whole_field = schema[lead], schema[whole]
            fmt = whole_field.format
            if not (
                lead_field.indexed
                and whole_field.indexed
                and lead_field.analyzer == whole_field.analyzer
                and isinstance(fmt, CompactPositions)
                and isinstance(lead_field.format, CompactPositions)
            ):
                continue
            start = len(whole_value) - len(whole_value.lstrip())
            if not whole_value.startswith(lead_value, start):
                continue
            found = indexed_terms_and_lead(whole_field.analyzer, whole_value, start + len(lead_value))
            if found is None:
                continue
            terms, count = found
            items = {whole: TermList(terms, 0, fmt)}
            if count is not None:
                items[lead] = TermList(terms[:count], 0, lead_field.format)
            return items
        return None

    def _terms(self, name: str, field, value) -> list[tuple] | TermList:
        """A field's `(term, frequency, weight, value)` for the pool, the term as str or bytes, or for a
        CompactPositions field analyzed by Kavosh's analyzer its TermList (a term a position), which the
        pool groups and encodes itself (indexer.storage.pooling).

        A field indexed by `FieldType.index` (TEXT, ID) gets its format's `word_values` directly: the pool
        encodes each term itself, saving Whoosh's generator around it. An unscored field (ID, NUMERIC: path,
        folder, format, date) is often the same for every document of a file, so its last value's terms are
        reused (the terms are a function of the value)."""
        if not field.scorable:
            memo = self._last_terms.get(name)
            if memo is not None and type(memo[0]) is type(value) and memo[0] == value:
                return memo[1]
        if type(field).index is FieldType.index:
            if not isinstance(value, str | list | tuple):
                raise ValueError(f"{value!r} is not unicode or sequence")  # as FieldType.index says
            fmt = field.format
            if isinstance(fmt, CompactPositions) and isinstance(value, str):
                terms = indexed_terms(field.analyzer, value, "index")
                if terms is not None:
                    return self._remember(name, field, value, TermList(terms, 0, fmt))
            items = fmt.word_values(value, field.analyzer, mode="index")
            if type(items) is not list:  # Whoosh's formats yield; CompactPositions gives a list
                items = list(items)
        else:
            items = list(field.index(value))
        return self._remember(name, field, value, items)

    def _remember(self, name: str, field, value, items: list[tuple] | TermList) -> list[tuple] | TermList:
        """`items`, kept as an unscored field's last value's (see _terms)."""
        if not field.scorable:
            self._last_terms[name] = (value, items)
        return items

    def _flush_segment(self) -> None:
        """Write the pooled postings through the codec's field writer: Kavosh's a term at a time, another
        (a test's codec writing W3's layout) a posting at a time, as Whoosh's commit does."""
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        try:
            fieldwriter = self.fieldwriter
            if isinstance(fieldwriter, TermDictFieldWriter):
                fieldwriter.add_pooled(self.schema, lengths, self.pool.iter_terms())
            else:
                fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
            fieldwriter.close()
        finally:
            if lengths is not None:
                lengths.close()


@dataclass(frozen=True)
class FailedDocument:
    """A document a worker process could not index (the others of its segment are kept)."""

    path: str | None
    id: str | None
    reason: str

    def __str__(self) -> str:
        return f"document {self.id!r} of {self.path!r} could not be indexed ({self.reason})"


class _Worker(SubWriterTask):
    """A worker process of KavoshMpWriter: Whoosh's, writing its documents with a KavoshWriter.

    A document that fails is reported on `failures` and the worker goes on: Whoosh's worker died with the
    exception, and its whole segment, every document it had written, was lost without a word."""

    failures: Queue

    def run(self) -> None:
        # Nothing a worker holds forms reference cycles (postings are lists of numbers and bytes; a failing
        # document's exception is the one cycle, and the worker ends soon after), while the collector
        # walks the growing pool again and again: measured 0.16 s of a worker's ~3 s on the replica.
        gc.disable()
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = KavoshWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            job = self.jobqueue.get()
            if job is None:
                break
            self._process_file(*job)
        if not self.running:
            writer.cancel()
            return
        if writer.broken:  # ends this process with an error: the parent fails the run (KavoshMpWriter.commit)
            writer.cancel()
            raise WriterBroken(writer.broken)
        fieldnames = writer.pool.fieldnames
        segment = writer._finalize_segment()  # its own segment: the parent only lists it
        self.resultqueue.put((None, fieldnames, segment), timeout=5)

    def _process_file(self, filename: str, doc_count: int) -> None:
        """Add the documents of a job file (the parent's `(0, fields)` pickles), then delete it."""
        storage = self.writer.temp_storage()
        with storage.open_file(filename).raw_file() as jobs:
            for _ in range(doc_count):
                _code, fields = pickle.load(jobs)
                try:
                    self.writer.add_document(**fields)
                except Exception as exc:  # the writer took nothing of it: report it and go on
                    reason = f"{exc.__class__.__name__}: {exc}"
                    self.failures.put(FailedDocument(fields.get("path"), fields.get("id"), reason))
        storage.delete_file(filename)


class WorkerFailed(WriteFailed):
    """A worker process of a multi-process build ended with an error: its segment may be missing."""


class KavoshMpWriter(MpWriter, KavoshWriter):
    """Whoosh's multi-process writer, one segment per worker, the workers and the parent KavoshWriters.

    After `commit`, `failed` lists the documents the workers could not index (each also logged). Their
    reports are read as they come, by a thread of the parent: a worker ends only once its reports are in
    the pipe, and a pipe holds ~64 KB, so a parent reading them only after the workers ended would wait
    forever for a worker with many failures (`tests/test_pool.py`)."""

    def __init__(self, ix, procs: int, limitmb: float = 128, **kwargs) -> None:
        if not kwargs.pop("multisegment", True):
            raise ValueError("KavoshMpWriter writes one segment per worker (multisegment) only")
        super().__init__(ix, procs=procs, multisegment=True, limitmb=limitmb, **kwargs)
        self.limitmb = limitmb
        _install_pool(self)  # the parent's own segment (segments merged into it) uses the pool too
        self.failures: Queue = Queue()
        self.failed: list[FailedDocument] = []
        self._reader = threading.Thread(
            target=self._read_failures, name="kavosh-worker-failures", daemon=True
        )
        self._reader.start()

    def _new_task(self):
        task = _Worker(
            self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, self.multisegment
        )
        task.failures = self.failures
        self.tasks.append(task)
        task.start()
        return task

    def _read_failures(self) -> None:
        """Take the workers' reports until the parent's own end mark (None), sent once they have ended."""
        while True:
            try:
                failure = self.failures.get()
            except (
                EOFError,
                OSError,
                ValueError,
                pickle.UnpicklingError,
            ):  # a cancelled worker's half report
                return
            if failure is None:
                return
            log.warning("%s", failure)
            self.failed.append(failure)

    def _stop_reading(self) -> None:
        """Wait for every report: the workers have ended, so the end mark comes after all of theirs."""
        if self._reader.is_alive():
            self.failures.put(None)
            self._reader.join()

    def commit(self, *args, **kwargs) -> None:
        """Whoosh's commit, then a check that every worker ended well: Whoosh lists the segments the workers
        sent and goes on without one that never came (a worker that failed writing its segment, say on a
        full disk), which would make a generation quietly missing those documents."""
        try:
            super().commit(*args, **kwargs)
        finally:
            self._stop_reading()
        failed = [task.exitcode for task in self.tasks if task.exitcode != 0]
        if failed:
            raise WorkerFailed(
                f"{len(failed)} of {len(self.tasks)} index worker processes failed (exit code "
                f"{', '.join(map(str, failed))}); nothing of this run was kept"
            )

    def cancel(self) -> None:
        try:
            super().cancel()
        finally:
            self._stop_reading()
