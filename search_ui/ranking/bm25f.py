"""A term scored by real BM25F over several fields: weighted, length-normalized term frequencies are summed
across fields BEFORE saturation, with one idf per term.

Whoosh's BM25F scores each field separately and adds the scores, so a word found in a short title and in
the body counts twice at full strength, and a title's idf is inflated when few documents have titles.
Measured on qa-ir, that made every title weight above ~0.3 cost points. Summing before saturation lets the
title weigh more than the body (a title hit alone scores well) without double counting. Each field has its
own length normalization (b, and optionally a fixed pivot length instead of the field's average; see
`search_ui.ranking.compile.Ranking` for why the title uses one).
"""

from __future__ import annotations

import math
import threading
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence

from whoosh import query as wq
from whoosh.util.numeric import byte_to_length

# Per-segment length data: ("len", segment, field) -> every document's length, ("sum", ...) -> (total length,
# documents with the field), ("norm", segment, field, b, avg) -> BM25 normalizers. Segments never change once
# written (deletions do not change lengths), so this is shared by every reader and thread that opens the same
# segment: the first query of each server thread does not recompute it. Bounded: old segments fall out.
_CACHE: OrderedDict[tuple, object] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_KEPT = 256
_BYTE_LENGTHS = [byte_to_length(b) for b in range(256)]


def _cached(key: tuple, make):
    with _CACHE_LOCK:
        value = _CACHE.get(key)
        if value is not None:
            _CACHE.move_to_end(key)
            return value
    value = make()
    with _CACHE_LOCK:
        _CACHE[key] = value
        while len(_CACHE) > _CACHE_KEPT:
            _CACHE.popitem(last=False)
    return value


def _segment_id(reader) -> object:
    segment = reader.segment() if hasattr(reader, "segment") else None
    return segment.segment_id() if segment is not None else id(reader)


def _read_lengths(reader, fieldname: str) -> list[int]:
    """Every document's length in a field (0 without the field). Read as the column's bytes in one piece
    where the codec allows it (indexer.storage.codec), else one call per document."""
    count = reader.doc_count_all()
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is not None and hasattr(perdoc, "_lengths_of"):
        data = perdoc._lengths_of(fieldname) or b""
        table = _BYTE_LENGTHS
        lengths = [table[b] if b else 0 for b in data[:count]]
        return lengths + [0] * (count - len(lengths))
    length = reader.doc_field_length
    # Whoosh answers None (not the default) for a document without the field
    return [length(d, fieldname, 0) or 0 for d in range(count)]


def _lengths(reader, fieldname: str) -> list[int]:
    return _cached(("len", _segment_id(reader), fieldname), lambda: _read_lengths(reader, fieldname))


def _sums(reader, fieldname: str) -> tuple[int, int]:
    def make() -> tuple[int, int]:
        lengths = _lengths(reader, fieldname)
        return sum(lengths), sum(1 for n in lengths if n)

    return _cached(("sum", _segment_id(reader), fieldname), make)


def average_length(parent, fieldname: str) -> float:
    """The field's average length over the documents of the whole index that HAVE the field: where most
    documents have no title, the average over all of them would make every real title look ten times too
    long. Taken over every segment (Whoosh's own average divides the index's total by one segment's count),
    so a score does not depend on how documents happened to fall into segments."""
    top = parent.reader() if hasattr(parent, "reader") else parent
    total = present = 0
    for leaf, _ in top.leaf_readers():
        t, p = _sums(leaf, fieldname)
        total += t
        present += p
    return total / present if present else 1.0


def _norms(reader, parent, fieldname: str, b: float, pivot: float = 0.0) -> list[float]:
    """BM25 length normalizers of every document of a segment, computed once per segment instead of one
    column lookup per posting. A `pivot` > 0 stands in for the average length: a field whose average is not
    what a typical value looks like (see `Ranking.title_pivot`)."""
    avg = pivot or average_length(parent, fieldname)

    def make() -> list[float]:
        return [(1 - b) + b * max(n, 1) / avg for n in _lengths(reader, fieldname)]

    return _cached(("norm", _segment_id(reader), fieldname, b, avg), make)


def warm(
    reader, parent, weights: Mapping[str, float], B: Mapping[str, float] | float, pivot=None, K1=None
) -> None:
    """Compute the length normalizers of a segment reader now (at index open), not in the first query."""
    for fieldname in weights:
        _norms(reader, parent, fieldname, _field_b(B, fieldname), (pivot or {}).get(fieldname, 0.0))


_BULK = ("_read_ids", "_read_weights", "_read_values", "_next_block")  # indexer.whoosh_private names them
DENSE = 16  # below one candidate in this many postings, a list is skipped through rather than read
BISECT = 4  # below one candidate in this many postings, a list in memory is bisected rather than walked


def _blocks(m) -> Iterator[tuple[Sequence[int], Sequence[float], Sequence]]:
    """(docnums, term frequencies, encoded values) of a posting list, a whole block at a time where Whoosh
    allows it (a block's three columns are decoded together anyway)."""
    if not all(hasattr(m, name) for name in _BULK):  # a wrapped matcher (deletions): one posting at a time
        while m.is_active():
            yield [m.id()], [m.weight()], [m.value()]
            m.next()
        return
    while m.is_active():
        if m._ids is None:
            m._read_ids()
        if m._weights is None:
            m._read_weights()
        if m._values is None:
            m._read_values()
        i = m._i
        yield m._ids[i:], m._weights[i:], m._values[i:]
        m._next_block()


Postings = tuple[
    Sequence[int], Sequence[float], list
]  # a posting list's docnums, frequencies, encoded values


class PostingLists:
    """The posting lists one query reads in one segment, each read at most once: a word's body postings
    give its BM25F score and, for the proximity bonus and phrases, its positions. What was read is also
    remembered on the reader for its next queries (`_remembered_lists`)."""

    def __init__(self, reader) -> None:
        self.reader = reader
        self._read: dict[tuple[str, str], Postings] = {}
        self._memo = _remembered_lists(reader)

    def whole(self, fieldname: str, term: str) -> Postings:
        """(docnums, term frequencies, encoded values) of every posting of the term in the field."""
        key = (fieldname, term)
        got = self._read.get(key) or self._remembered(key)
        if got is None:
            ids = array("i")  # arrays: a third of the memory of lists, for what the reader remembers
            tfs = array("f")  # the frequencies as Whoosh stores them (32-bit), so the same scores
            values: list = []
            for block_ids, block_tfs, block_values in _blocks(self.reader.postings(fieldname, term)):
                ids.extend(block_ids)
                tfs.extend(block_tfs)
                values.extend(block_values)
            got = (ids, tfs, values)
            if self._memo is not None:
                self._memo.keep(key, got, len(ids))
        self._read[key] = got
        return got

    def _remembered(self, key: tuple[str, str]) -> Postings | None:
        return self._memo.get(key) if self._memo is not None else None

    def values_in(self, fieldname: str, term: str, docs: list[int]) -> dict[int, bytes]:
        """docnum -> encoded value of the term's postings at `docs` (ascending), in docnum order. A list
        not read yet is skipped through to the candidates when they are few next to it (Whoosh skips whole
        blocks by their last id without decoding them), else read whole; in a list read before, the
        candidates are found by bisection when they are few, else by one pass over it."""
        key = (fieldname, term)
        got = self._read.get(key) or self._remembered(key)
        if got is None:
            if len(docs) * DENSE < doc_frequency(self.reader, fieldname, term):
                return dict(values_at(self.reader.postings(fieldname, term), docs))
            got = self.whole(fieldname, term)
        ids, _, values = got
        if len(docs) * BISECT < len(ids):
            return dict(_bisected(ids, values, docs))
        wanted = set(docs)
        return {d: v for d, v in zip(ids, values, strict=True) if d in wanted}


def _bisected(ids: Sequence[int], values: list, docs: list[int]) -> Iterator[tuple[int, bytes]]:
    """(docnum, value) of the postings (`ids` ascending, `values` beside them) at those of `docs`
    (ascending) that the list holds."""
    i, end = 0, len(ids)
    for doc in docs:
        i = bisect_left(ids, doc, i)
        if i == end:
            return
        if ids[i] == doc:
            yield doc, values[i]


def _seek(m, target: int) -> None:
    """Move a posting matcher to its first posting at or after docnum `target` (the matcher is active and
    at a smaller docnum). Whoosh's own `skip_to` steps through a block one posting and two method calls at a
    time; within a block of W3 postings a bisection over the block's ids does the same in one step."""
    if not (hasattr(m, "block_max_id") and hasattr(m, "_skip_to_block") and hasattr(m, "_read_ids")):
        m.skip_to(target)
        return
    if target > m.block_max_id():
        m._skip_to_block(lambda: target > m.block_max_id())
        if not m.is_active():
            return
    if m._ids is None:
        m._read_ids()
    m._i = bisect_left(m._ids, target, m._i)


def values_at(m, docs: Iterable[int]) -> Iterator[tuple[int, bytes]]:
    """(docnum, encoded value) of the postings of matcher `m` at those of `docs` (ascending) that it holds,
    skipping through the list to them rather than reading every posting."""
    for doc in docs:
        if not m.is_active():  # also at the start: a merge can leave a term whose postings were deleted
            return
        if m.id() < doc:
            _seek(m, doc)
            if not m.is_active():
                return
        if m.id() == doc:
            yield doc, m.value()


class FieldsTerm(wq.Query):
    """One analyzed term searched in several fields at once and scored by BM25F."""

    def __init__(
        self,
        text: str,
        weights: Mapping[str, float],
        K1: float = 1.2,
        B: Mapping[str, float] | float = 0.75,
        boost: float = 1.0,
        pivot: Mapping[str, float] | None = None,
    ) -> None:
        self.text = text
        self.weights = dict(weights)
        self.K1 = K1
        self.B = B
        self.boost = boost
        self.pivot = dict(pivot or {})
        self.budget = None  # the query's ranking.compile.Budget: its deadline is checked while scoring

    def __repr__(self) -> str:
        return f"FieldsTerm({self.text!r}, {self.weights!r}, boost={self.boost})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldsTerm) and (self.text, self.weights, self.boost) == (
            other.text,
            other.weights,
            other.boost,
        )

    def __hash__(self) -> int:
        return hash((self.text, tuple(sorted(self.weights.items())), self.boost))

    def is_leaf(self) -> bool:
        return True

    def _words(self, fieldname=None, phrases=True):
        return [self.text]

    def terms(self, phrases=False):
        for f in self.weights:
            yield (f, self.text)

    def estimate_size(self, ixreader) -> int:
        return sum(ixreader.doc_frequency(f, self.text) for f in self.weights)

    def scores(self, searcher, lists: PostingLists | None = None) -> dict[int, float]:
        """Segment docnum -> boosted score of every document of the searcher's segment holding the term
        (`lists`: the query's posting lists of that segment, read once)."""
        scores = self._unboosted(searcher.get_parent(), lists or PostingLists(searcher.reader()))
        return scores if self.boost == 1.0 else {d: self.boost * v for d, v in scores.items()}

    def _unboosted(self, parent, lists: PostingLists) -> dict[int, float]:
        return term_scores(lists, parent, self.text, self.weights, self.K1, self.B, self.pivot, self.budget)


class FieldsPhrase(FieldsTerm):
    """Terms that must stand adjacent and in order (a phrase, or the parts of a split compound), scored by
    BM25F like a single term whose frequency is the number of places the sequence occurs."""

    def __init__(
        self,
        terms: list[str],
        weights: Mapping[str, float],
        K1: float = 1.2,
        B=0.75,
        pivot: Mapping[str, float] | None = None,
    ) -> None:
        super().__init__(" ".join(terms), weights, K1, B, pivot=pivot)
        self.seq = list(terms)

    def __repr__(self) -> str:
        return f"FieldsPhrase({self.seq!r}, {self.weights!r})"

    def _words(self, fieldname=None, phrases=True):
        return list(self.seq)

    def terms(self, phrases=False):
        for f in self.weights:
            for t in self.seq:
                yield (f, t)

    def estimate_size(self, ixreader) -> int:
        return max(min(ixreader.doc_frequency(f, t) for t in self.seq) for f in self.weights)

    def _unboosted(self, parent, lists: PostingLists) -> dict[int, float]:
        return phrase_scores(lists, parent, self.seq, self.weights, self.K1, self.B, self.pivot, self.budget)


class FieldsAny(wq.Query):
    """Alternatives (the words a prefix stands for), each one a document holds adding its score (as an Or
    would), kept as one node so a prefix of 2,000 words is one leaf of the query tree."""

    def __init__(self, alternatives: list[FieldsTerm]) -> None:
        self.alternatives = list(alternatives)
        self.boost = 1.0

    def __repr__(self) -> str:
        return f"FieldsAny({self.alternatives!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldsAny) and self.alternatives == other.alternatives

    def __hash__(self) -> int:
        return hash(tuple(self.alternatives))

    def is_leaf(self) -> bool:
        return False

    def children(self):
        return iter(self.alternatives)

    def apply(self, fn):
        return FieldsAny([fn(q) for q in self.alternatives])

    def terms(self, phrases=False):
        for q in self.alternatives:
            yield from q.terms(phrases)

    def estimate_size(self, ixreader) -> int:
        return sum(q.estimate_size(ixreader) for q in self.alternatives)

    def scores(self, searcher, lists: PostingLists | None = None) -> dict[int, float]:
        """Segment docnum -> the sum of the scores of the alternatives the document holds."""
        lists = lists or PostingLists(searcher.reader())
        acc: dict[int, float] = {}
        for q in self.alternatives:
            for doc, score in q.scores(searcher, lists).items():
                acc[doc] = acc.get(doc, 0.0) + score
        return acc


def _field_b(B: Mapping[str, float] | float, fieldname: str) -> float:
    return B.get(fieldname, 0.75) if isinstance(B, Mapping) else B


def _on_reader(reader, name: str, make):
    """What is remembered on a reader (or searcher) under `name`, made on first use; None for an object
    that takes no attributes."""
    kept = getattr(reader, name, None)
    if kept is None:
        kept = make()
        try:
            setattr(reader, name, kept)
        except AttributeError:
            return None
    return kept


def doc_frequency(reader, fieldname: str, term: str) -> int:
    """A term's document frequency in a field (0 when absent), remembered on the reader (or searcher): one
    query asks for the same frequencies many times (its budget, each segment's idf, the proximity weights,
    a phrase's rarest word), each a term-dictionary search. A reader (one generation, one thread) never
    changes, and the words ever asked of it are few next to its vocabulary."""
    cache = _on_reader(reader, "_kavosh_df", dict)
    if cache is None:  # an object that takes no attributes: asked every time
        return reader.doc_frequency(fieldname, term)
    key = (fieldname, term)
    df = cache.get(key)
    if df is None:
        df = cache[key] = reader.doc_frequency(fieldname, term)
    return df


def idf(parent, terms: Iterable[str], fields: Iterable[str]) -> float:
    """Lucene's BM25 idf of each term (its document frequency: the largest over the fields), summed."""
    n_docs = parent.doc_count_all()
    total = 0.0
    for term in terms:
        df = max((doc_frequency(parent, f, term) for f in fields), default=0)
        if not df:
            return 0.0
        total += math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
    return total


def _saturate(acc: dict[int, float], weight: float, k1: float) -> dict[int, float]:
    scale = weight * (k1 + 1)
    return {d: scale * a / (k1 + a) for d, a in acc.items()}


def term_scores(
    lists: PostingLists,
    parent,
    text: str,
    weights: Mapping[str, float],
    K1: float,
    B,
    pivot: Mapping[str, float] | None = None,
    budget=None,
) -> dict[int, float]:
    """BM25F score of one term for every document of a segment holding it (segment docnums), from the
    query's posting lists of the segment. With a `budget` (search_ui.ranking.compile.Budget), its deadline is
    checked first."""
    if budget is not None:
        budget.check_time()
    memo = _remembered_scores(lists.reader)
    if memo is None:
        return _term_scores(lists, parent, text, weights, K1, B, pivot)
    key = (text, _frozen(weights), K1, _frozen(B), _frozen(pivot or {}))
    scores = memo.get(key)
    if scores is None:
        scores = _term_scores(lists, parent, text, weights, K1, B, pivot)
        memo.keep(key, scores, len(scores))
    return dict(scores)  # a copy: the remembered scores serve the reader's next queries


class _Memo:
    """What a reader remembers across queries, bounded by the postings it holds; the oldest is forgotten
    first. The questions of a batch, or the visitors of a server thread, ask for the same common words again
    and again, and a reader (one generation, one thread) never changes: the BM25F scores of single terms
    and the documents where a pair stands close (on qa-ir, reading each word's postings once instead of at
    every use reads 4.5% of the postings; half the work of the proximity pairs is for pairs asked before),
    and the posting lists read whole (three in four proximity pairs are new, but their words are not)."""

    def __init__(self, limit: int) -> None:
        self.entries: OrderedDict[tuple, tuple[object, int]] = OrderedDict()  # key -> (value, postings)
        self.size = 0
        self.limit = limit

    def get(self, key: tuple):
        kept = self.entries.get(key)
        return None if kept is None else kept[0]

    def keep(self, key: tuple, value: object, postings: int) -> None:
        if postings > self.limit // 4:
            return  # one huge list would push out everything else
        self.entries[key] = (value, postings)
        self.size += postings
        while self.size > self.limit:
            _, (_, old) = self.entries.popitem(last=False)
            self.size -= old


MEMO_POSTINGS = 300_000  # scores a reader remembers (about 30 MB), for each thread's reader
MEMO_LISTS = 400_000  # postings of whole lists a reader remembers (~20 MB), for each thread's segment reader


def _remembered_scores(reader) -> _Memo | None:
    return _on_reader(reader, "_kavosh_scores", lambda: _Memo(MEMO_POSTINGS))


def _remembered_lists(reader) -> _Memo | None:
    return _on_reader(reader, "_kavosh_lists", lambda: _Memo(MEMO_LISTS))


def _frozen(value) -> object:
    return tuple(sorted(value.items())) if isinstance(value, Mapping) else value


def _term_scores(
    lists: PostingLists, parent, text: str, weights: Mapping[str, float], K1: float, B, pivot
) -> dict[int, float]:
    w_idf = idf(parent, [text], weights)
    if not w_idf:
        return {}
    reader = lists.reader
    acc: dict[int, float] = {}
    for fieldname, weight in weights.items():
        if not doc_frequency(reader, fieldname, text):
            continue
        norms = _norms(reader, parent, fieldname, _field_b(B, fieldname), (pivot or {}).get(fieldname, 0.0))
        ids, tfs, _ = lists.whole(fieldname, text)
        part = {d: weight * tf / norms[d] for d, tf in zip(ids, tfs, strict=True)}
        if len(part) > len(acc):
            acc, part = part, acc
        for d, v in part.items():
            acc[d] = acc.get(d, 0.0) + v
    return _saturate(acc, w_idf, K1)


def _sequence_values(
    lists: PostingLists, fieldname: str, terms: list[str], budget=None
) -> tuple[list[int], dict[str, dict[int, bytes]]]:
    """The documents of a segment holding every one of `terms` in a field (ascending), and each term's
    encoded positions in them (none when no document holds them all).

    The rarest term's documents are the candidates; every other term's posting list is only skipped
    through to those candidates when they are few (`PostingLists.values_in`), and positions are read
    only for documents holding all the terms. A phrase full of common words (در، از، که) so costs about as
    much as its rarest word, instead of decoding the positions of every document that has "در"."""
    reader = lists.reader
    distinct = sorted(set(terms), key=lambda t: doc_frequency(reader, fieldname, t))
    if not distinct or not doc_frequency(reader, fieldname, distinct[0]):
        return [], {}
    if budget is not None:
        budget.check_time()
    docs = lists.whole(fieldname, distinct[0])[0]
    values: dict[str, dict[int, bytes]] = {}
    for term in distinct[1:]:
        if budget is not None:
            budget.check_time()
        values[term] = lists.values_in(fieldname, term, docs)
        docs = list(values[term])  # in docnum order still
        if not docs:
            return [], {}
    values[distinct[0]] = lists.values_in(fieldname, distinct[0], docs)
    return list(docs), values


def _sequence_positions(
    lists: PostingLists, fieldname: str, terms: list[str], budget=None
) -> dict[int, dict[str, list[int]]]:
    """docnum -> {term: positions} for the documents of a segment holding every one of `terms` in a field
    (`_sequence_values`, decoded)."""
    docs, values = _sequence_values(lists, fieldname, terms, budget)
    decode = _positions_decoder(lists.reader, fieldname)
    return {doc: {t: decode(at[doc]) for t, at in values.items()} for doc in docs}


DECODED_KEPT = 50_000  # encoded position lists a reader remembers decoded, per field (then it starts again)


def _positions_decoder(reader, fieldname: str):
    """The field's positions decoder, remembering what it decoded on the reader: the same few encodings
    come back all the time (on the qa-ir replica a batch decodes 490,000 values, 7,900 of them distinct:
    a word once at position p is one of 256 values below 256), and the decoded lists are only read."""
    decode = reader.schema[fieldname].format.decoder("positions")
    memory = _on_reader(reader, "_kavosh_positions", dict)
    if memory is None:
        return decode
    seen = memory.get(fieldname)
    if seen is None or len(seen) > DECODED_KEPT:
        seen = memory[fieldname] = {}

    def decoded(value: bytes) -> list[int]:
        positions = seen.get(value)
        if positions is None:
            positions = seen[value] = decode(value)
        return positions

    return decoded


def sequence_count(positions: Mapping[str, list[int]], terms: list[str]) -> int:
    """How many times `terms` stand in order and adjacent, given each term's positions in one field."""
    later = [set(positions[t]) for t in terms[1:]]
    return sum(1 for p in positions[terms[0]] if all(p + i + 1 in ps for i, ps in enumerate(later)))


def phrase_scores(
    lists: PostingLists,
    parent,
    terms: list[str],
    weights: Mapping[str, float],
    K1: float,
    B,
    pivot: Mapping[str, float] | None = None,
    budget=None,
) -> dict[int, float]:
    """BM25F of an exact sequence of terms (a phrase or a split compound): its frequency is the number of
    places where the terms stand in order, adjacent; its idf is the sum of theirs (as Lucene scores a
    phrase). With a `budget`, its deadline is checked before each term's postings are read."""
    w_idf = idf(parent, terms, weights)
    if not w_idf:
        return {}
    acc: dict[int, float] = {}
    for fieldname, weight in weights.items():
        found = _sequence_positions(lists, fieldname, terms, budget)
        if not found:
            continue
        norms = _norms(
            lists.reader, parent, fieldname, _field_b(B, fieldname), (pivot or {}).get(fieldname, 0.0)
        )
        for doc, where in found.items():
            tf = sequence_count(where, terms)
            if tf:
                acc[doc] = acc.get(doc, 0.0) + weight * tf / norms[doc]
    return _saturate(acc, w_idf, K1)


def _near(a: list[int], b: list[int], slop: int) -> bool:
    """Whether some position of `a` lies within `slop` of some position of `b` (both sorted)."""
    for p in a:
        i = bisect_left(b, p - slop)
        if i < len(b) and b[i] <= p + slop:
            return True
    return False


def near_scores(
    lists: PostingLists, fieldname: str, a: str, b: str, slop: int, bonus: float, budget=None
) -> dict[int, float]:
    """`bonus` for every document of a segment where terms `a` and `b` stand at most `slop` positions apart
    in a field, in either order (the proximity bonus, `search_ui.ranking.compile.proximity_bonus`)."""
    memo = _remembered_scores(lists.reader)
    key = ("near", fieldname, *sorted((a, b)), slop)
    docs = memo.get(key) if memo is not None else None
    if docs is None:
        held, values = _sequence_values(lists, fieldname, [a, b], budget)
        decode = _positions_decoder(lists.reader, fieldname)
        at_a, at_b = values.get(a, {}), values.get(b, {})
        docs = [doc for doc in held if _near(decode(at_a[doc]), decode(at_b[doc]), slop)]
        if memo is not None:
            memo.keep(key, docs, len(docs))
    elif budget is not None:
        budget.check_time()
    return dict.fromkeys(docs, bonus)
