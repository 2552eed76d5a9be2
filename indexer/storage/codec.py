"""A leaner Whoosh W3 codec: much smaller postings, a compact term dictionary, stored fields in blocks.

Whoosh's W3 postings writer (whoosh-reloaded 2.7.5) pickles each block with protocol 2, where every bytes
value (a posting's positions) becomes a `_codecs.encode(str, 'latin1')` call of 20-odd bytes; it never inlines
short posting lists (it calls a `set_inline` method that does not exist, so a term seen once still gets its
own block); it zlib-compresses even tiny blocks, which makes them bigger; and it stores each weight as a
float. The stock readers unpickle any protocol, read inlined postings, uncompressed blocks and integer
weights, so for postings only the writing side changes. Issue 6 asks for an index within 1.5x the raw text;
this writer roughly halves the postings, the term dictionary (indexer.storage.termdict) is a sixth of W3's
hash table, and stored fields compressed in blocks (indexer.storage.blockstore) take 0.58 of Whoosh's
per-document zlib: the qa-ir passages index in 1.13x their text instead of 2.46x. Segments of the layouts
before (W3's `.trm`, per-document `_stored`) are not read: only an index of an older schema version holds
them, and it is refused by its version; a segment without its `.tdx` or block column is damaged.
"""

from __future__ import annotations

import io
import threading
import zlib
from array import array
from dataclasses import dataclass, field
from itertools import chain
from operator import sub
from pickle import Pickler, dumps

from whoosh.formats import Format
from whoosh.system import pack_int
from whoosh.util.numeric import byte_to_length, length_to_byte

from indexer.errors import KavoshIndexError
from indexer.storage.blockstore import BLOCK_STORED_NAME, BlockStoredColumn, BlockStoreError
from indexer.storage.termdict import (
    TERMDICT_EXT,
    CorruptTermDict,
    TermDictFieldWriter,
    TermDictReader,
    TermDictTermsReader,
    decode_terminfo,
    encode_extent,
    encode_inlined,
)
from indexer.storage.whoosh_private import (
    LENGTHS_COLUMN,
    STORED_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3PerDocReader,
    W3PerDocWriter,
    W3PostingsWriter,
    W3TermInfo,
    length_field,
    one_byte_column,
)

# Protocol 3 has the short bytes opcodes protocol 2 lacks; 4 is smaller for big pickles but adds a 9-byte
# frame header, so small pickles use 3.
SMALL_PICKLE = 128


# Each thread's reusable pickler for `_dumps_without_memo` (a writer pickles a few blocks per term).
_PICKLERS = threading.local()


def _dumps_without_memo(value: object) -> bytes:
    """Protocol 3 in the pickler's "fast" mode: no memo opcodes (nothing in a posting tuple is shared).

    The pickler and its buffer are made once per thread: in fast mode a pickler keeps nothing from one
    `dump` to the next, so the bytes are those of a new one (tests/test_codec_blocks.py), at a third of
    the cost for a block's small tuples."""
    reused = getattr(_PICKLERS, "reused", None)
    if reused is None:
        buf = io.BytesIO()
        pickler = Pickler(buf, 3)
        pickler.fast = True
        reused = _PICKLERS.reused = (buf, pickler)
    buf, pickler = reused
    buf.seek(0)
    buf.truncate()
    try:
        pickler.dump(value)
    except BaseException:
        _PICKLERS.reused = None  # whatever a failed dump left behind is not reused
        raise
    return buf.getvalue()


def _pickle(value: object) -> bytes:
    """The shorter of the protocol 3 and 4 pickles (the reader's `loads` takes either)."""
    data = dumps(value, 4)
    if len(data) < SMALL_PICKLE:
        small = _dumps_without_memo(value)
        if len(small) < len(data):
            return small
    return data


# Posting lists of at most this many documents live inside the term dictionary entry.
INLINE_LIMIT = 4
# Pickled blocks shorter than this are stored uncompressed (zlib's header and checksum would eat the gain).
COMPRESS_MIN = 64
_NO_ID = 0xFFFFFFFF


def _weights(weights) -> tuple:
    """Weights as ints where they are whole numbers (term frequencies usually are)."""
    whole = tuple(map(int, weights))
    if whole == tuple(weights):  # all whole: compared in C, no call per weight
        return whole
    return tuple(int(w) if float(w).is_integer() else float(w) for w in weights)


class CompactTermInfo(W3TermInfo):
    """W3TermInfo whose inlined postings are pickled with a modern protocol."""

    def to_bytes(self) -> bytes:
        if not self.is_inlined():
            return super().to_bytes()
        head = self._struct.pack(
            1,
            self._weight,
            self._df,
            0 if self._minlength is None else length_to_byte(self._minlength),
            length_to_byte(self._maxlength),
            self._maxweight,
            _NO_ID if self._minid is None else self._minid,
            _NO_ID if self._maxid is None else self._maxid,
        )
        return head + _pickle(self._inlined)


def _delta_ids(ids) -> tuple:
    """Each id minus the one before, as W3's delta_encode, without a call per id."""
    return tuple(map(sub, ids, chain((0,), ids)))


def _block_weights(weights) -> tuple | None:
    """A block's weights as stored: None when every one is 1 (the usual frequency), else `_weights`."""
    if weights.count(1.0) == len(weights):
        return None
    return _weights(weights)


def _block_values(values, fixed_size: int | None):
    """A block's values as W3 stores them (its `_mini_values`): the non-empty ones as a tuple for a format
    whose values vary in size, None for a format without values, else joined."""
    if fixed_size is None or fixed_size < 0:
        return tuple(filter(None, values))
    if fixed_size == 0:
        return None
    return b"".join(filter(None, values))


def _block_bytes(mini: tuple, count: int, last_id: int, maxweight, minlength, maxlength, level: int) -> bytes:
    """A block of postings as stored after its size: the pickled block info (postings, last id, highest
    weight, compression, shortest and longest field length as bytes), then `mini`, the block's (id gaps,
    weights, values), pickled and zlib-compressed at `level` when that makes it shorter."""
    # Without the memo: the bytes depend only on the values (not on which ones the writer happened to
    # share as one object), and a block is 6.5% smaller after zlib than with protocol 4's memo opcodes.
    data = _dumps_without_memo(mini)
    if len(data) < COMPRESS_MIN:
        level = 0
    if level:
        packed = zlib.compress(data, level)
        if len(packed) < len(data):
            data = packed
        else:
            level = 0
    top = int(maxweight) if float(maxweight).is_integer() else maxweight
    info = (count, last_id, top, level, length_to_byte(minlength), length_to_byte(maxlength))
    return _pickle(info) + data


def _framed(block: bytes, last: bool) -> bytes:
    """A block with its size before it, negative for a term's last block (how W3's reader walks them)."""
    return pack_int(-len(block) if last else len(block)) + block


def _length_range(docs, lengths) -> tuple[int | None, int]:
    """The shortest and longest field length of the documents that have one (None, 0 when none has)."""
    if lengths is None:
        return None, 0
    present = list(map(lengths.__getitem__, docs))
    low = min(present)
    if not low:  # documents without a length of the field are left out
        present = list(filter(None, present))
        if not present:
            return None, 0
        low = min(present)
    return low, max(present)


def _top_weight(weights) -> float:
    """The highest weight, or 0 when none is above 0 (W3's block statistics start at 0)."""
    top = max(weights)
    return top if top > 0 else 0


class CompactPostingsWriter(W3PostingsWriter):
    """W3PostingsWriter with modern pickles, inlined short lists and compression only where it pays.

    `write_pooled` writes a whole term's postings at once (the commit of a pooled segment); the methods W3
    calls a posting at a time stay for Whoosh's own writers. Both lay blocks out with `_block_bytes`."""

    _end: int | None = None  # where the postings file ends, while only write_pooled writes to it

    def start_postings(self, format_, terminfo) -> None:
        self._end = None  # the posting-at-a-time methods write without counting
        super().start_postings(format_, terminfo)

    def finish_postings(self):
        if not self.written() and 0 < len(self) <= self._inlinelimit:
            terminfo = self._terminfo
            terminfo.add_block(self)
            terminfo.__class__ = CompactTermInfo  # the same object, serialized compactly
            # Formats without values (ID fields) store none; a merge reads them back through ListMatcher,
            # which must then hand out b"" (not its "" default) for each posting.
            values = tuple(self._values) if self._values else (b"",) * len(self._ids)
            terminfo.set_inlined(tuple(self._ids), _weights(self._weights), values)
            self._terminfo = None
            return terminfo
        return super().finish_postings()

    def write_pooled(self, format_: Format, postings: list, lengths: list[int] | None) -> bytes:
        """Write a term's postings, given flat in document order (`[docnum, weight, value, ...]`,
        indexer.storage.pool), and return its term info bytes (indexer.storage.termdict): byte for byte
        what `start_postings`, `add_posting` for each posting, `finish_postings` and `encode_terminfo`
        give, without a W3TermInfo, the block buffers or a call per posting. `lengths` gives each
        document's length of the field (0: none), or is None when there are none."""
        count = len(postings) // 3
        if count <= self._inlinelimit and count <= self._blocklimit:
            return self._inlined_info(postings, lengths)
        fixed_size = format_.fixed_value_size()
        level = self._compression
        step = 3 * self._blocklimit
        parts = [WHOOSH3_HEADER_MAGIC]
        # The term's statistics, gathered block by block as W3TermInfo.add_block does
        weight, maxweight, minlength, maxlength = 0, 0, None, 0
        for start in range(0, len(postings), step):
            end = start + step
            docs = postings[start:end:3]
            given = postings[start + 1 : end : 3]
            # W3 keeps a block's weights as 32-bit floats; weights of 1 (most blocks) are that already
            weights = given if given.count(1.0) == len(given) else array("f", given)
            top = _top_weight(given)
            low, high = _length_range(docs, lengths)
            values = postings[start + 2 : end : 3] if fixed_size != 0 else ()  # (0: the format has none)
            mini = (_delta_ids(docs), _block_weights(weights), _block_values(values, fixed_size))
            block = _block_bytes(mini, len(docs), docs[-1], top, low, high, level)
            parts.append(_framed(block, end >= len(postings)))
            weight += sum(weights)
            if top > maxweight:
                maxweight = top
            if low is not None and (minlength is None or low < minlength):
                minlength = low
            if high > maxlength:
                maxlength = high
        data = b"".join(parts)
        offset = self._postfile.tell() if self._end is None else self._end
        self._postfile.write(data)
        self._end = offset + len(data)
        stats = (weight, count, minlength, maxlength, maxweight, postings[0], postings[-3])
        return encode_extent(stats, offset, len(data))

    def _inlined_info(self, postings: list, lengths: list[int] | None) -> bytes:
        """The term info of a list short enough to live in it (as `finish_postings` inlines it)."""
        docs = tuple(postings[0::3])
        given = postings[1::3]
        weights = array("f", given)
        # Formats without values (ID fields) store none, read back as b"" (see finish_postings)
        values = tuple(filter(None, postings[2::3])) or (b"",) * len(docs)
        low, high = _length_range(docs, lengths)
        stats = (sum(weights), len(docs), low, high, _top_weight(given), docs[0], docs[-1])
        return encode_inlined(stats, (docs, _weights(weights), values))

    def _mini_ids(self):
        if self._byteids:
            return super()._mini_ids()
        return _delta_ids(self._ids)

    def _mini_weights(self):
        return _block_weights(self._weights)

    def _mini_values(self):
        return _block_values(self._values, self._format.fixed_value_size())

    def _write_block(self, last: bool = False) -> None:
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        mini = (self._mini_ids(), self._mini_weights(), self._mini_values())
        ids = self._ids
        block = _block_bytes(
            mini, len(ids), ids[-1], self._maxweight, self._minlength, self._maxlength, self._compression
        )
        self._postfile.write(_framed(block, last))
        self._blockcount += 1
        self._new_block()


# Stored fields (each document's text) go to a column of their own name, compressed four documents a block
# against a per-segment dictionary (indexer.storage.blockstore): 0.58 of the per-document zlib size on qa-ir.
BLOCK_STORED_COLUMN = BlockStoredColumn()


class CompactPerDocWriter(W3PerDocWriter):
    """W3PerDocWriter that writes stored fields to the block column (they are most of the index)."""

    def _create_column(self, fieldname, column):
        if fieldname == "_stored" and column is STORED_COLUMN:
            # The stock finish_doc() still hands each document's dict to the writer registered as "_stored";
            # its file gets its own name (`_stored_blk`), never mistaken for the stock per-document column.
            self._colwriters["_stored"] = BLOCK_STORED_COLUMN.writer(
                self._cols.create_file(BLOCK_STORED_NAME)
            )
            return
        super()._create_column(fieldname, column)


# Field lengths are stored as one byte each; this table decodes them without a call per posting.
_BYTE_LENGTHS = [byte_to_length(b) for b in range(256)]


class CachedLengthsPerDocReader(W3PerDocReader):
    """W3PerDocReader that reads a field's length column in one piece the first time it is asked.

    Whoosh's commit asks for the field length of every posting it writes, and the stock reader answers each
    call with a seek and a one-byte read: a third of the commit time (issue 6). The answers are the same."""

    def __init__(self, storage, segment) -> None:
        super().__init__(storage, segment)
        self._length_bytes: dict[str, bytes | None] = {}

    def _lengths_of(self, fieldname: str) -> bytes | None:
        reader = self._cached_reader(length_field(fieldname), LENGTHS_COLUMN)
        if reader is None:
            return None
        data = one_byte_column(reader, self._doccount)
        if data is None:  # not the one-byte column written by W3: read it value by value
            data = bytes(reader[n] for n in range(self._doccount))
        return data

    def field_lengths(self, fieldname: str) -> list[int]:
        """Every document's length of a field (0 where it has none), decoded at once for a commit that
        writes all the postings of a segment."""
        data = self._lengths_of(fieldname) or b""
        lengths = [_BYTE_LENGTHS[b] for b in data[: self._doccount]]
        lengths.extend([0] * (self._doccount - len(lengths)))
        return lengths

    def stored_fields(self, docnum):
        reader = self._cached_reader(BLOCK_STORED_NAME, BLOCK_STORED_COLUMN)
        if reader is None:
            raise BlockStoreError(
                f"the stored fields of this index are damaged (a segment has no {BLOCK_STORED_NAME} column); "
                "rebuild the index"
            )
        return reader[docnum]

    def doc_field_length(self, docnum, fieldname, default=0):
        if docnum > self._doccount:
            raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
        try:
            data = self._length_bytes[fieldname]
        except KeyError:
            data = self._length_bytes[fieldname] = self._lengths_of(fieldname)
        if data is None:
            return default
        lbyte = data[docnum] if docnum < len(data) else 0
        # Like the stock reader: None (not `default`) for a document without the field.
        return _BYTE_LENGTHS[lbyte] if lbyte else None


@dataclass
class SegmentCheck:
    """What `KavoshCodec.verify` read of one segment, and each damaged file with what is wrong in it."""

    segment: str
    files: list[str] = field(default_factory=list)  # the files verified (parts of the `.seg` when compound)
    blocks: int = 0  # stored-field blocks
    documents: int = 0
    terms: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (file, what is wrong)

    @property
    def damaged(self) -> bool:
        return bool(self.problems)


def _verify_term_dictionary(storage, segment, check: SegmentCheck) -> None:
    name = segment.make_filename(TERMDICT_EXT)
    if not storage.file_exists(name):
        raise CorruptTermDict("the term dictionary is missing")
    check.files.append(name)
    posts = segment.make_filename(W3Codec.POSTS_EXT)
    posts_length = storage.file_length(posts) if storage.file_exists(posts) else 0
    dbfile = storage.open_file(name)
    try:
        tdict = TermDictReader(dbfile, storage.file_length(name))
        check.terms = tdict.verify()
        for key, block, i in tdict.scan():
            info = decode_terminfo(block.info(i))
            if not info.is_inlined() and sum(info.extent()) > posts_length:
                term = key[2:].decode("utf-8", "replace")
                problem = (
                    f"the postings of the term {term!r} lie past the end of the file ({posts_length} bytes)"
                )
                check.problems.append((posts, problem))
                return
    finally:
        dbfile.close()


def _verify_stored_fields(storage, segment, check: SegmentCheck) -> None:
    name = W3Codec.column_filename(segment, BLOCK_STORED_NAME)
    if not storage.file_exists(name):
        raise BlockStoreError("the stored-field blocks are missing")
    check.files.append(name)
    dbfile = storage.open_file(name)
    try:
        reader = BLOCK_STORED_COLUMN.reader(dbfile, 0, storage.file_length(name), segment.doc_count_all())
        check.blocks, check.documents = reader.verify()
    finally:
        dbfile.close()


class KavoshCodec(W3Codec):
    """W3Codec writing with CompactPostingsWriter, CompactPerDocWriter and a compact term dictionary.

    The terms go to a `.tdx` file (indexer.storage.termdict) instead of W3's `.trm` hash table, and stored
    fields to the `_stored_blk` column; a segment without either is damaged (IndexDamaged). This codec must
    also READ the index (it is pickled into the segments, so Whoosh finds it)."""

    def __init__(self, blocklimit: int = 128, compression: int = 3, inlinelimit: int = INLINE_LIMIT) -> None:
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def per_document_writer(self, storage, segment):
        return CompactPerDocWriter(self, storage, segment)

    def per_document_reader(self, storage, segment):
        return CachedLengthsPerDocReader(storage, segment)

    def field_writer(self, storage, segment):
        return TermDictFieldWriter(self, storage, segment)

    def terms_reader(self, storage, segment):
        name = segment.make_filename(TERMDICT_EXT)
        if not storage.file_exists(name):
            raise CorruptTermDict(f"the term dictionary {name} is missing; rebuild the index")
        postfile = segment.open_file(storage, W3Codec.POSTS_EXT)
        return TermDictTermsReader(self, storage.open_file(name), storage.file_length(name), postfile)

    def verify(self, storage, segment) -> SegmentCheck:
        """Read every checksummed block of a segment this codec wrote: its term dictionary (and that each
        posting list it points at lies inside the postings file) and its stored-field blocks. Never raises
        for a damaged file: each one is listed in `problems`, named as inside `storage`."""
        check = SegmentCheck(segment.segment_id())
        for name, verify in (
            (segment.make_filename(TERMDICT_EXT), _verify_term_dictionary),
            (W3Codec.column_filename(segment, BLOCK_STORED_NAME), _verify_stored_fields),
        ):
            try:
                verify(storage, segment, check)
            except KavoshIndexError as exc:
                check.problems.append((name, str(exc)))
            except Exception as exc:  # a damaged file can make Whoosh's own readers raise nearly anything
                check.problems.append((name, f"unreadable ({exc!r})"))
        return check

    def postings_writer(self, dbfile, byteids=False):
        return CompactPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )
