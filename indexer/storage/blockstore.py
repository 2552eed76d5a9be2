"""Stored fields compressed in blocks of documents instead of one document at a time (issue 6).

Whoosh's W3 codec pickles and zlib-compresses each document's stored fields on its own, so the redundancy
between documents (the same keys, paths, common words) is never used and every document pays zlib's header.
This column packs the pickles of consecutive documents into small blocks and compresses each block against
a preset dictionary: the first ~32 KB of the segment's own pickles (the "dictionary block", stored once,
compressed plainly). Four documents compressed that way take less room than sixteen compressed alone
(qa-ir: 0.49 MB against 0.53; per document 0.84), while reading one document only inflates ~4 KB. A small
LRU cache keeps a few decoded blocks, so a merge walking the documents in order inflates each block once.

File layout (all integers little-endian):
    b"KBS2"                                   magic
    block 0, block 1, ...                      one kind byte (0 raw, 1 zlib, 2 raw deflate primed with the
                                               dictionary, preceded by the crc32 of the block's bytes)
                                               and the block's bytes
    index                                      zlib of: per-document pickle lengths (uint32 x doccount),
                                               first docnum of each block (uint32 x nblocks),
                                               offset of each block and of the index (uint64 x nblocks+1),
                                               crc32 of each block as stored, kind byte included
                                               (uint32 x nblocks)
    footer                                     index offset (u64), index length, doccount, nblocks,
                                               dictionary block (0xFFFFFFFF: none), crc32 of the index and
                                               of the footer's fields before it (u32 each), b"KBS2"

Every byte is covered by a check: the magic by comparison, each block by its crc (checked on every read, so a
flipped byte is an error, never a wrong document), the index and the footer by theirs. `verify()` reads the
whole file that way (`kavosh check`). Files from before the block crcs (b"KBS1") are no longer read: an
index holding them is of an older schema version, refused and rebuilt.

A document without stored fields has length 0 and no bytes in any block. A document bigger than
`block_bytes` gets a block of its own (never the dictionary block), so reading a small document never
inflates a huge neighbour.
"""

from __future__ import annotations

import pickle
import struct
import sys
import threading
import zlib
from array import array
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterator, Mapping

from indexer.errors import IndexDamaged
from indexer.storage.whoosh_private import columns

# The column (file) name the codec stores the blocks under; an index without it uses the stock `_stored`.
BLOCK_STORED_NAME = "_stored_blk"

MAGIC = b"KBS2"
_FOOTER = struct.Struct("<QIIIII4s")
_FOOTER_FIELDS = struct.Struct("<QIIII")  # the footer's fields the crc covers (all before it)
_RAW, _ZLIB, _ZDICT = 0, 1, 2
_NO_DICT = 0xFFFFFFFF
_CRC = struct.Struct("<I")
# zlib's window: a preset dictionary longer than this is cut to its last 32 KB anyway.
DICT_BYTES = 32 * 1024
# zlib's level for the blocks, a size/speed trade measured on the 11,144-document replica (11.4 MB of text,
# one-process build): level 9 spent 1.5 s in zlib for 3.88 MB of blocks, 6 0.73 s for 3.96 MB, 5 0.33 s for
# 4.15 MB, 4 0.21 s for 4.33 MB. At 5 the whole index is 3% bigger than at 9 (0.75x the text) and the build
# a second faster; reading is as fast at any level.
LEVEL = 5
# Protocol 3 compressed in blocks came out smaller than 4 and 5 on the qa-ir passages (no frame headers).
PICKLE_PROTOCOL = 3

# bench/size.py: 1 to 32 documents a block give 0.63 to 0.55 of the per-document size; a random read costs
# ~20 us at 1, ~33 at 4, ~115 at 32 (per-document ~15). Four is most of the gain for twice the read cost.
DEFAULT_BLOCK_DOCS = 4
DEFAULT_BLOCK_BYTES = 64 * 1024
DEFAULT_CACHE_BLOCKS = 8
# Decoded blocks kept by one reader at most; a block bigger than this (one huge document) is not cached.
DEFAULT_CACHE_BYTES = 4 * 1024 * 1024


class BlockStoreError(IndexDamaged):
    """The stored-fields file is damaged or truncated: the index must be rebuilt. An IndexDamaged, so the
    commands and the page report it (503) like any other damaged index."""


def _le_bytes(values: array) -> bytes:
    if sys.byteorder != "little":
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def _le_array(typecode: str, data: bytes | memoryview) -> array:
    values = array(typecode)
    values.frombytes(data)
    if sys.byteorder != "little":
        values.byteswap()
    return values


class BlockStoredColumn(columns.Column):
    """A Whoosh column of stored-field dicts (or None) compressed in blocks of documents."""

    def __init__(
        self,
        block_docs: int = DEFAULT_BLOCK_DOCS,
        block_bytes: int = DEFAULT_BLOCK_BYTES,
        level: int = LEVEL,
        cache_blocks: int = DEFAULT_CACHE_BLOCKS,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
    ) -> None:
        if block_docs < 1 or block_bytes < 1:
            raise ValueError("a block must allow at least one document and one byte")
        self.block_docs = block_docs
        self.block_bytes = block_bytes
        self.level = level
        self.cache_blocks = cache_blocks
        self.cache_bytes = cache_bytes

    def default_value(self, reverse: bool = False) -> dict:
        return {}

    def writer(self, dbfile) -> BlockStoredWriter:
        return BlockStoredWriter(dbfile, self.block_docs, self.block_bytes, self.level)

    def reader(self, dbfile, basepos: int, length: int, doccount: int) -> BlockStoredReader:
        return BlockStoredReader(dbfile, basepos, length, doccount, self.cache_blocks, self.cache_bytes)


class BlockStoredWriter(columns.ColumnWriter):
    """Takes each document's stored dict in docnum order; `finish(doccount)` writes the index and footer."""

    def __init__(self, dbfile, block_docs: int, block_bytes: int, level: int = LEVEL) -> None:
        super().__init__(dbfile)
        self._block_docs = block_docs
        self._block_bytes = block_bytes
        self._level = level
        self._lengths = array("I")
        self._firsts = array("I")
        self._offsets = array("Q")
        self._crcs = array("I")
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._pending_first = 0
        self._pos = len(MAGIC)
        self._zdict: bytes | None = None
        self._primed = None  # a compressor primed with the dictionary, see _compress
        self._dict_block = _NO_DICT
        self._finished = False
        dbfile.write(MAGIC)

    def __repr__(self) -> str:
        return f"<BlockStoredWriter {len(self._lengths)} docs, {len(self._firsts)} blocks>"

    def add(self, docnum: int, value: Mapping | bytes | None) -> None:
        """Add one document's stored fields (a dict, or already pickled bytes; None/empty for none)."""
        if docnum < len(self._lengths):
            raise ValueError(f"stored fields for docnum {docnum} after docnum {len(self._lengths) - 1}")
        self._fill(docnum)
        if not value:
            self._lengths.append(0)
            return
        data = value if isinstance(value, bytes) else pickle.dumps(value, PICKLE_PROTOCOL)
        if self._pending and self._pending_bytes + len(data) > self._block_bytes:
            self._flush()
        if not self._pending:
            self._pending_first = docnum
        self._pending.append(data)
        self._pending_bytes += len(data)
        self._lengths.append(len(data))
        if self._full() or self._pending_bytes >= self._block_bytes:
            self._flush()

    def _fill(self, docnum: int) -> None:
        missing = docnum - len(self._lengths)
        if missing > 0:
            self._lengths.extend([0] * missing)

    def _full(self) -> bool:
        if self._zdict is None:  # still gathering the dictionary block: count bytes, not documents
            return self._pending_bytes >= DICT_BYTES
        return len(self._pending) >= self._block_docs or self._pending_bytes >= self._block_bytes

    def _compress(self, raw: bytes) -> tuple[int, bytes]:
        if not self._level:
            return _RAW, raw
        if self._zdict is not None:
            # Raw deflate: the reader primes one decompressor with the dictionary and copies it per block,
            # 4x faster than zlib setting the dictionary each time (measured); a crc32 replaces its adler32.
            # The writer's side likewise: a compressor primed once, copied per block (the same bytes).
            if self._primed is None:
                self._primed = zlib.compressobj(
                    self._level, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, self._zdict
                )
            packer = self._primed.copy()
            flag, packed = _ZDICT, _CRC.pack(zlib.crc32(raw)) + packer.compress(raw) + packer.flush()
        else:
            flag, packed = _ZLIB, zlib.compress(raw, self._level)
        return (flag, packed) if len(packed) < len(raw) else (_RAW, raw)

    def _flush(self) -> None:
        if not self._pending:
            return
        raw = b"".join(self._pending)
        flag, data = self._compress(raw)
        if self._zdict is None and len(raw) <= self._block_bytes:
            # The first block that is not one huge document: its tail primes every later block.
            self._dict_block = len(self._firsts)
            self._zdict = raw[-DICT_BYTES:]
        self._firsts.append(self._pending_first)
        self._offsets.append(self._pos)
        kind = bytes((flag,))
        self._crcs.append(zlib.crc32(data, zlib.crc32(kind)))
        self._dbfile.write(kind)
        self._dbfile.write(data)
        self._pos += 1 + len(data)
        self._pending = []
        self._pending_bytes = 0

    def finish(self, doccount: int) -> None:
        if self._finished:
            return
        self._finished = True
        if doccount < len(self._lengths):
            raise ValueError(f"finish({doccount}) after {len(self._lengths)} documents")
        self._flush()
        self._fill(doccount)
        index_pos = self._pos
        offsets = array("Q", self._offsets)
        offsets.append(index_pos)
        index = zlib.compress(
            _le_bytes(self._lengths) + _le_bytes(self._firsts) + _le_bytes(offsets) + _le_bytes(self._crcs), 9
        )
        self._dbfile.write(index)
        fields = (index_pos, len(index), doccount, len(self._firsts), self._dict_block)
        crc = zlib.crc32(_FOOTER_FIELDS.pack(*fields), zlib.crc32(index))
        footer = _FOOTER.pack(*fields, crc, MAGIC)
        self._dbfile.write(footer)
        self._pos += len(index) + len(footer)


class BlockStoredReader(columns.ColumnReader):
    """Answers `stored_fields(docnum)` (also `reader[docnum]`) from a block column; thread-safe cache."""

    def __init__(
        self,
        dbfile,
        basepos: int,
        length: int,
        doccount: int,
        cache_blocks: int = DEFAULT_CACHE_BLOCKS,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
    ) -> None:
        super().__init__(dbfile, basepos, length, doccount)
        self._cache: OrderedDict[int, bytes] = OrderedDict()
        self._cached_bytes = 0
        self._cache_blocks = cache_blocks
        self._cache_bytes = cache_bytes
        self._lock = threading.Lock()
        self.blocks_decoded = 0  # how many times a block was decompressed (the cost the cache saves)
        self._read_index()

    def __repr__(self) -> str:
        return f"<BlockStoredReader {self._doccount} docs, {len(self._firsts)} blocks>"

    def _damaged(self, why: str) -> BlockStoreError:
        return BlockStoreError(f"the stored fields of this index are damaged ({why}); rebuild the index")

    def _read_index(self) -> None:
        if self._length < len(MAGIC) + _FOOTER.size:
            raise self._damaged(f"the file has {self._length} bytes, too short for a block store")
        footer = self._dbfile.get(self._basepos + self._length - _FOOTER.size, _FOOTER.size)
        index_pos, index_len, doccount, nblocks, dict_block, crc, magic = _FOOTER.unpack(footer)
        if magic != MAGIC or self._dbfile.get(self._basepos, len(MAGIC)) != magic:
            raise self._damaged("no block store signature; truncated or not a block store")
        if index_pos + index_len + _FOOTER.size != self._length:
            raise self._damaged("its index does not end where the file does")
        if doccount != self._doccount:
            raise self._damaged(f"it holds {doccount} documents, the segment {self._doccount}")
        packed = self._dbfile.get(self._basepos + index_pos, index_len)
        if zlib.crc32(footer[: _FOOTER_FIELDS.size], zlib.crc32(packed)) != crc:
            raise self._damaged("the index checksum does not match")
        try:
            index = memoryview(zlib.decompress(packed))
        except zlib.error as exc:
            raise self._damaged(f"the index does not decompress: {exc}") from None
        crcs_at = doccount * 4 + nblocks * 4 + (nblocks + 1) * 8
        if len(index) != crcs_at + nblocks * 4:
            raise self._damaged("the index has the wrong size")
        self._lengths = _le_array("I", index[: doccount * 4])
        self._firsts = _le_array("I", index[doccount * 4 : (doccount + nblocks) * 4])
        self._offsets = _le_array("Q", index[(doccount + nblocks) * 4 : crcs_at])
        self._crcs = _le_array("I", index[crcs_at:])
        if self._offsets[-1] != index_pos or any(
            a > b for a, b in zip(self._offsets, self._offsets[1:], strict=False)
        ):
            raise self._damaged("the block offsets are out of order")
        if dict_block != _NO_DICT and dict_block >= nblocks:
            raise self._damaged(f"its dictionary block {dict_block} is not one of its {nblocks} blocks")
        self._dict_block = dict_block
        self._primed = None  # a raw-deflate decompressor holding the dictionary, copied for each block

    def _block(self, blocknum: int) -> bytes:
        with self._lock:
            data = self._cache.get(blocknum)
            if data is not None:
                self._cache.move_to_end(blocknum)
                return data
        data = self._inflate(blocknum)
        with self._lock:
            self.blocks_decoded += 1
            if len(data) <= self._cache_bytes and self._cache_blocks > 0:
                self._cache[blocknum] = data
                self._cached_bytes += len(data)
                while len(self._cache) > self._cache_blocks or self._cached_bytes > self._cache_bytes:
                    _, old = self._cache.popitem(last=False)
                    self._cached_bytes -= len(old)
        return data

    def _unpacker(self):
        if self._primed is None:
            if self._dict_block == _NO_DICT:
                raise self._damaged("a block needs the dictionary but the file has none")
            zdict = self._inflate(self._dict_block)[-DICT_BYTES:]
            self._primed = zlib.decompressobj(-15, zdict=zdict)
        return self._primed.copy()

    def _inflate(self, blocknum: int) -> bytes:
        """A block's raw bytes, read and decompressed (no cache)."""
        start, end = self._offsets[blocknum], self._offsets[blocknum + 1]
        stored = self._dbfile.get(self._basepos + start, end - start)
        if zlib.crc32(stored) != self._crcs[blocknum]:
            raise self._damaged(f"block {blocknum} (bytes {start}-{end}): its checksum does not match")
        kind, body = (stored[0] if stored else None), memoryview(stored)[1:]
        try:
            if kind == _RAW:
                return bytes(body)
            if kind == _ZLIB:
                return zlib.decompress(body)
            if kind == _ZDICT:
                unpacker = self._unpacker()
                data = unpacker.decompress(body[_CRC.size :])
                if not unpacker.eof:
                    raise zlib.error("the stream ends early")
                if body[: _CRC.size] != _CRC.pack(zlib.crc32(data)):
                    raise zlib.error("its checksum does not match")
                return data
        except zlib.error as exc:
            raise self._damaged(f"block {blocknum} does not decompress: {exc}") from None
        raise self._damaged(f"block {blocknum} has an unknown kind {kind!r}")

    def __getitem__(self, docnum: int) -> dict:
        if not 0 <= docnum < self._doccount:
            raise IndexError(f"asked for docnum {docnum!r} of {self._doccount}")
        size = self._lengths[docnum]
        if not size:
            return {}
        blocknum = bisect_right(self._firsts, docnum) - 1
        first = self._firsts[blocknum]
        start = sum(self._lengths[first:docnum])
        data = self._block(blocknum)
        if start + size > len(data):
            raise self._damaged(f"document {docnum} runs past the end of block {blocknum}")
        try:
            return pickle.loads(memoryview(data)[start : start + size])
        except Exception as exc:  # a damaged pickle can raise nearly anything
            raise self._damaged(f"document {docnum} does not unpickle: {exc}") from None

    stored_fields = __getitem__

    def block_spans(self) -> list[tuple[int, int]]:
        """(start, end) of each block in the file, the kind byte included (where `verify` looks)."""
        return list(zip(self._offsets, self._offsets[1:], strict=False))

    def verify(self) -> tuple[int, int]:
        """Read every block (its crc, its decompression) and unpickle every document, bypassing the cache;
        raise BlockStoreError naming the first damaged block. Returns (blocks, documents) checked."""
        nblocks = len(self._firsts)
        if any(a >= b for a, b in zip(self._firsts, self._firsts[1:], strict=False)) or (
            nblocks and self._firsts[-1] >= self._doccount
        ):
            raise self._damaged("the blocks' first documents are out of order")
        if any(self._lengths[: self._firsts[0] if nblocks else self._doccount]):
            raise self._damaged("a document before the first block has stored bytes")
        bounds = [*self._firsts, self._doccount]
        for blocknum in range(nblocks):
            data = memoryview(self._inflate(blocknum))
            first, end = bounds[blocknum], bounds[blocknum + 1]
            if sum(self._lengths[first:end]) != len(data):
                raise self._damaged(f"block {blocknum} holds {len(data)} bytes, its documents another size")
            pos = 0
            for docnum in range(first, end):
                size = self._lengths[docnum]
                if not size:
                    continue
                try:
                    pickle.loads(data[pos : pos + size])
                except Exception as exc:  # a damaged pickle can raise nearly anything
                    raise self._damaged(
                        f"document {docnum} in block {blocknum} does not unpickle: {exc}"
                    ) from None
                pos += size
        return nblocks, self._doccount

    def __iter__(self) -> Iterator[dict]:
        for docnum in range(self._doccount):
            yield self[docnum]

    def sort_key(self, docnum: int):
        raise TypeError("stored fields are not sortable")
