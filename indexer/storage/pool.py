"""The postings of a segment being written, kept per (field, term) in document order until the commit.

Whoosh's `PostingPool` keeps one 5-tuple per posting, sorts them all at the commit and, past the writer's
memory limit, pickles sorted runs to disk and merges them back with `heapq` and `pickle.load`: measured on
the 11,144-document replica, that pool was a third of a one-process build. A writer's documents arrive in
ascending document number, so each (field, term) can keep its postings in a list that is already in order;
only the terms are sorted, once, when they are written.

Memory stays bounded: when the estimated size of what is held passes the writer's limit (`limitmb`), the
pool writes a run (every term in order, its postings with it, by `marshal`, several times cheaper than
pickle) to the writer's temporary storage and starts afresh. At the commit the runs and what is in memory
are merged by term; a term's postings from an earlier run hold earlier documents, so they are joined in
run order. `tests/test_pool.py` builds an index with a tiny limit and compares it with one built in memory.
"""

from __future__ import annotations

import heapq
import marshal
import os
from collections.abc import Iterable, Iterator

from indexer.storage.pooling import TermList, pool_positions, utf8

# A term's postings in document order, flat: [docnum, weight, value, docnum, weight, value, ...] (the value
# bytes or None). Flat rather than a tuple a posting: a third of the objects for the garbage collector to
# walk, and a codec takes the documents, weights and values of a block as slices (postings[0::3], ...).
Postings = list
# One term of the pool, in the order they are written: (field name, term bytes, postings).
PooledTerm = tuple[str, bytes, Postings]

# Rough bytes a posting and a new term take in memory (three list slots, the float, the value; a dict entry
# and a list): the limit is an estimate, like Whoosh's own pool's.
POSTING_BYTES = 80
TERM_BYTES = 150


# Postings in a batch of a run (a few MB marshalled): what the merge holds decoded of each run at a time.
RUN_BATCH_POSTINGS = 65536


def _batches(terms: Iterator[PooledTerm]) -> Iterator[list[PooledTerm]]:
    """The terms in lists of about RUN_BATCH_POSTINGS postings (a term is never split)."""
    batch: list[PooledTerm] = []
    held = 0
    for term in terms:
        batch.append(term)
        held += len(term[2])
        if held >= 3 * RUN_BATCH_POSTINGS:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


class OutOfOrderPosting(ValueError):
    """A posting arrived for a document before the last one of its term: the pool keeps lists in order."""


class PostingPool:
    """Postings of one segment being written, per field and term; spills sorted runs past `limitmb`."""

    def __init__(self, tempstore, limitmb: float = 128) -> None:
        self._tempstore = tempstore
        self.limit = int(limitmb * 1024 * 1024)
        self.size = 0
        self.fieldnames: set[str] = set()  # read by Whoosh's multi-process writer, like its own pool's
        self.runs: list[str] = []
        # A field's terms are held as they arrive: str for analyzed text (a format's word_values; encoded once
        # a term, when written, instead of once a posting), bytes for the rest (numbers, merged segments).
        self._fields: dict[str, dict[str | bytes, Postings]] = {}
        self._as_text: dict[str, bool] = {}  # per field, decided by its first terms: str keys or bytes

    def add_terms(self, fieldname: str, docnum: int, items: Iterable[tuple] | TermList, boost: float) -> int:
        """Add a document's terms of one field, `(term, frequency, weight, value)` each as `Field.index`
        (term bytes) or a format's `word_values` (term str) gives them, the weight times `boost`; return
        the field's length (frequencies summed). A CompactPositions field's terms may come as a `TermList`
        instead (a term a position), grouped and encoded straight into the pool (pooling.pool_positions).

        `docnum` must not be below any document already added (the writer numbers them in order). A new
        str term is encoded once here (pooling.utf8), so a term that cannot be written fails its document, not
        the commit."""
        if type(items) is TermList:
            return self._add_term_list(fieldname, docnum, items, boost)
        if not isinstance(items, list):
            items = list(items)
        if not items:
            return 0
        terms = self._terms_of(fieldname, type(items[0][0]) is str)
        if (type(items[0][0]) is str) is not self._as_text[fieldname]:
            items = [(self._key(fieldname, term), *rest) for term, *rest in items]
        get = terms.get
        length = 0
        size = 0
        for term, freq, weight, value in items:
            if boost != 1.0:  # (x * 1.0 is x, but a new float object for every posting)
                weight *= boost
            postings = get(term)
            if postings is None:
                size += TERM_BYTES + len(utf8(fieldname, term) if type(term) is str else term)
                terms[term] = [docnum, weight, value]
            else:
                postings += (docnum, weight, value)
            length += freq
        self.size += size + POSTING_BYTES * len(items)
        return length

    def _add_term_list(self, fieldname: str, docnum: int, items: TermList, boost: float) -> int:
        """`add_terms` of a TermList: its length is its number of terms."""
        terms = items.terms
        if not terms:
            return 0
        held = self._terms_of(fieldname, True)
        if not self._as_text[fieldname]:  # a field whose first terms were bytes (a merged segment's)
            return self.add_terms(fieldname, docnum, items.values(), boost)
        postings, new, new_bytes = pool_positions(held, fieldname, docnum, items, boost)
        self.size += TERM_BYTES * new + new_bytes + POSTING_BYTES * postings
        return len(terms)

    def _terms_of(self, fieldname: str, as_text: bool) -> dict:
        """The field's terms, its key kind decided by the first terms it is given."""
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
            self.fieldnames.add(fieldname)
            self._as_text.setdefault(fieldname, as_text)
        return terms

    def _key(self, fieldname: str, term: str | bytes) -> str | bytes:
        """A term as the field holds its keys (see _as_text)."""
        if self._as_text[fieldname]:
            return term if type(term) is str else term.decode("utf-8")
        return utf8(fieldname, term) if type(term) is str else term

    def remove_document(self, fieldname: str, docnum: int, items: Iterable[tuple] | TermList) -> None:
        """Take back what `add_terms` added for a document whose adding failed half-way (its postings are
        the last of their terms)."""
        terms = self._fields.get(fieldname)
        if terms is None:
            return
        for term in items.distinct() if type(items) is TermList else (item[0] for item in items):
            try:
                key = self._key(fieldname, term)
            except ValueError:  # a term UTF-8 cannot hold was never added (and failed its document)
                continue
            postings = terms.get(key)
            if postings and postings[-3] == docnum:
                del postings[-3:]
                self.size -= POSTING_BYTES
                if not postings:
                    del terms[key]

    def add(self, item: tuple) -> None:
        """Add one `(field name, term bytes, docnum, weight, value)` posting, as Whoosh's pool takes them
        (a merged segment's postings come this way, term by term in document order)."""
        fieldname, btext, docnum, weight, value = item
        terms = self._terms_of(fieldname, False)
        key = self._key(fieldname, btext)
        postings = terms.get(key)
        if postings is None:
            terms[key] = [docnum, weight, value]
            self.size += TERM_BYTES + len(btext)
        else:
            if docnum < postings[-3]:
                raise OutOfOrderPosting(
                    f"posting of document {docnum} for {fieldname}:{btext!r} after document {postings[-3]}"
                )
            postings += (docnum, weight, value)
        self.size += POSTING_BYTES
        self.spill_if_full()

    def spill_if_full(self) -> None:
        """Write what is held to a run when it passes the limit (the writer asks after each document)."""
        if self.size > self.limit:
            self.spill()

    def spill(self) -> None:
        """Write every term held, in order, to a new run in the temporary storage; hold nothing after.

        A run is a sequence of batches of terms, each its byte length (8 bytes, little-endian) then one
        `marshal.dumps` of a list of terms: `marshal.load` from a file reads a byte at a time through the
        file's Python methods, which took ~0.5 s more to read back the 7 runs of the replica at 16 MB."""
        if not self._fields:
            return
        name = f"pool-{os.getpid()}-{len(self.runs)}.run"
        with self._tempstore.create_file(name).raw_file() as out:
            for batch in _batches(self._in_memory()):
                data = marshal.dumps(batch)
                out.write(len(data).to_bytes(8, "little"))
                out.write(data)
        self.runs.append(name)
        self._fields = {}
        self.size = 0

    def _in_memory(self) -> Iterator[PooledTerm]:
        """What is held, in (field, term bytes) order: str keys sort as their UTF-8 bytes do."""
        for fieldname in sorted(self._fields):
            terms = self._fields[fieldname]
            if self._as_text[fieldname]:
                for text in sorted(terms):
                    yield fieldname, text.encode("utf-8"), terms[text]
            else:
                for btext in sorted(terms):
                    yield fieldname, btext, terms[btext]

    def _read_run(self, name: str) -> Iterator[PooledTerm]:
        with self._tempstore.open_file(name).raw_file() as run:
            while header := run.read(8):
                yield from marshal.loads(run.read(int.from_bytes(header, "little")))

    def iter_terms(self) -> Iterator[PooledTerm]:
        """Every term of the segment in (field, term) order with all its postings in document order."""
        if not self.runs:
            yield from self._in_memory()
            return
        # The runs and memory merged as whole (field, term, postings) tuples, compared in C without a key
        # function: the parts of a term held by several sources come out ordered by their postings, that is
        # by their first documents (a term has one posting a document, each in one source): document order.
        sources = [self._read_run(name) for name in self.runs] + [self._in_memory()]
        fieldname = btext = postings = None
        joined = False  # whether `postings` is a list of our own (not a run's or the pool's) to extend
        for field, term, part in heapq.merge(*sources):
            if term == btext and field == fieldname:
                if not joined:
                    postings, joined = list(postings), True
                postings += part
                continue
            if postings is not None:
                yield fieldname, btext, postings
            fieldname, btext, postings, joined = field, term, part, False
        if postings is not None:
            yield fieldname, btext, postings

    def iter_postings(self) -> Iterator[tuple]:
        """Every posting as Whoosh's writers take them: `(field name, term bytes, docnum, weight, value)`."""
        for fieldname, btext, postings in self.iter_terms():
            for at in range(0, len(postings), 3):
                docnum, weight, value = postings[at : at + 3]
                yield fieldname, btext, docnum, weight, value

    def cleanup(self) -> None:
        """Delete the runs (the writer's temporary storage is destroyed after it anyway)."""
        for name in self.runs:
            try:
                self._tempstore.delete_file(name)
            except OSError:
                pass
        self.runs = []
