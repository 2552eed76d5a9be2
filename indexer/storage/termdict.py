"""A compact term dictionary: sorted keys in front-coded, zlib-compressed blocks, read by bisect (issue 6).

Whoosh's W3 terms file is a hash table costing ~90 bytes a term on qa-ir (slot tables, an order index and
a fixed 15-byte header before every term info), more than the postings themselves. Whoosh hands the field
writer its terms already sorted by (field, term bytes), so they can be stored as a search engine stores
them: blocks of BLOCK_SIZE entries, each key sharing a prefix with the one before, the block compressed when
that pays, and an index of every block's first key held in memory. A lookup is a bisect over that index and
the decoding of one block; a small LRU keeps recently decoded blocks because a query looks up the same few
terms in title and body again and again.

File layout (`.tdx`): MAGIC, the blocks, the block index (zlib), then a trailer giving the index's place.
A key is the field number (2 bytes, big-endian, as in W3, so byte order is (field, term) order) + the term.
The block index ends with the crc32 of each block as stored (checked whenever a block is read, so a flipped
byte is an error, never a wrong term); the trailer holds the crc32 of the index and of its own fields before
it. `TermDictReader.verify()` reads every block that way (`kavosh check`). Files from before the crcs
(b"KTD2") are no longer read: an index holding them is of an older schema version, refused and rebuilt.
"""

from __future__ import annotations

import gc
import struct
import sys
import threading
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterator
from itertools import accumulate, pairwise
from pickle import dumps, loads

from whoosh.reading import TermNotFound
from whoosh.system import pack_ushort, unpack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

from indexer.errors import IndexDamaged
from indexer.storage.whoosh_private import W3Codec, W3TermInfo, base

TERMDICT_EXT = ".tdx"
MAGIC = b"KTD3"
BLOCK_SIZE = 64
# Blocks kept decoded per reader: a block of 64 Persian terms takes ~7 KB decoded, so at most ~4 MB; qa-ir
# has 329 blocks in all.
CACHE_BLOCKS = 512
_TRAILER = struct.Struct("<QQII4s")  # index offset, index length, block size, crc32, magic
_TRAILER_FIELDS = struct.Struct("<QQI")  # the trailer's fields the crc covers (all before it)
_BLOCKHEAD = struct.Struct("<BH")  # compressed?, entry count
_F32 = struct.Struct("!f")  # the precision W3 stores weights in, so answers match the stock reader's
_NO_FIELD = 65535
_BIG = sys.byteorder == "big"

# TermInfo flags
_INLINED = 1  # postings live in the entry
_DERIVED = 2  # inlined with integer weights; df, weight, max weight and ids follow from the postings
_PICKLED = 4  # inlined postings that are not (int ids, int weights, bytes values): pickled
_WEIGHT_F = 8  # total weight is not a small whole number: stored as a float
_MAXW_F = 16  # likewise the maximum weight
_NO_MINID = 32
_NO_MAXID = 64


def _varint(n: int, out: bytearray) -> None:
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    b = data[pos]
    if b < 0x80:
        return b, pos + 1
    n = b & 0x7F
    shift = 7
    while True:
        pos += 1
        b = data[pos]
        n |= (b & 0x7F) << shift
        if b < 0x80:
            return n, pos + 1
        shift += 7


def _read_varints(data: bytes, pos: int, count: int) -> tuple[list[int], int]:
    """`count` varints from `pos` (most are one byte: that case skips the call)."""
    out = []
    append = out.append
    for _ in range(count):
        b = data[pos]
        if b < 0x80:
            append(b)
            pos += 1
        else:
            n, pos = _read_varint(data, pos)
            append(n)
    return out, pos


def _put_number(value: float, out: bytearray) -> bool:
    """Append a weight as a varint when it is a count, else as a 32-bit float; True for the float."""
    count = _as_count(value)
    if count is None:
        out += _F32.pack(value)
        return True
    _varint(count, out)
    return False


def _get_number(data: bytes, pos: int, is_float: int) -> tuple[float, int]:
    """Read back what `_put_number` wrote at `pos`: (the value, the position after it)."""
    if is_float:
        return _F32.unpack_from(data, pos)[0], pos + 4
    count, pos = _read_varint(data, pos)
    return float(count), pos


def _as_count(value: float) -> int | None:
    """The value as a non-negative int when it is a whole number a varint can hold exactly, else None."""
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, float) and value.is_integer() and 0 <= value < 2**53:
        return int(value)
    return None


def _compact_postings(postings: tuple) -> tuple[list[int], list[int], list[bytes]] | None:
    """(ids, weights, values) if they fit the compact layout: rising int ids, whole weights, bytes values."""
    ids, weights, values = postings
    if not ids or len(ids) != len(weights) or len(ids) != len(values):
        return None
    if not all(isinstance(v, bytes) for v in values):
        return None
    if not all(isinstance(i, int) and i >= 0 for i in ids) or any(b <= a for a, b in pairwise(ids)):
        return None
    counts = [_as_count(w) for w in weights]
    if None in counts:
        return None
    return list(ids), counts, list(values)


# A term's statistics, as W3TermInfo holds them: (total weight, document frequency, shortest and longest field
# length (None: unknown), highest weight, first and last document (None: unknown)). A writer that has them at
# hand (indexer.storage.codec's pooled commit) encodes them without building a W3TermInfo.
TermStats = tuple[float, int, int | None, int, float, int | None, int | None]


def _put_stats(stats: TermStats, out: bytearray) -> int:
    """Append the weight, frequency, highest weight, first id and last id (as its distance from the first);
    return the flags that say which of them are floats or absent."""
    weight, df, _, _, maxweight, minid, maxid = stats
    flags = _WEIGHT_F if _put_number(weight, out) else 0
    _varint(df, out)
    if _put_number(maxweight, out):
        flags |= _MAXW_F
    if minid is None:
        flags |= _NO_MINID
    else:
        _varint(minid, out)
    if maxid is None:
        flags |= _NO_MAXID
    else:  # zigzag: the distance from the first id, whatever its sign
        delta = maxid - (minid or 0)
        _varint(delta * 2 if delta >= 0 else -delta * 2 - 1, out)
    return flags


def _put_compact(ids: list[int], counts: list[int], values: list[bytes], out: bytearray) -> None:
    """Append inlined postings in the compact layout: their count, the id gaps, the weights, the value
    lengths, then the values."""
    _varint(len(ids), out)
    last = 0
    for docid in ids:
        _varint(docid - last, out)
        last = docid
    for count in counts:
        _varint(count, out)
    for value in values:
        _varint(len(value), out)
    for value in values:
        out += value


def encode_extent(stats: TermStats, offset: int, length: int) -> bytes:
    """The term info of postings stored in the postings file, `length` bytes from `offset`."""
    out = bytearray((0, length_to_byte(stats[2]), length_to_byte(stats[3])))
    out[0] = _put_stats(stats, out)
    _varint(offset, out)
    _varint(length, out)
    return bytes(out)


def encode_inlined(stats: TermStats, postings: tuple) -> bytes:
    """The term info holding its postings, `(ids, weights, values)`: compact when they are rising ids, whole
    weights and bytes values, the statistics left out when they follow from the postings, else pickled."""
    out = bytearray((_INLINED, length_to_byte(stats[2]), length_to_byte(stats[3])))
    compact = _compact_postings(postings)
    if compact is None:
        out[0] = _INLINED | _PICKLED | _put_stats(stats, out)
        out += dumps(postings, 4)
        return bytes(out)
    ids, counts, values = compact
    weight, df, _, _, maxweight, minid, maxid = stats
    derived = (
        df == len(ids)
        and weight == sum(counts)
        and maxweight == max(counts)
        and minid == ids[0]
        and maxid == ids[-1]
    )
    if not derived:
        out[0] = _INLINED | _put_stats(stats, out)
    else:
        out[0] = _INLINED | _DERIVED
    _put_compact(ids, counts, values, out)
    return bytes(out)


def encode_terminfo(ti: W3TermInfo) -> bytes:
    """A W3TermInfo in as few bytes as its values allow (varints; floats only for fractional weights)."""
    stats = (ti._weight, ti._df, ti._minlength, ti._maxlength, ti._maxweight, ti._minid, ti._maxid)
    if ti.is_inlined():
        return encode_inlined(stats, ti.inlined_postings())
    return encode_extent(stats, *ti.extent())


def decode_terminfo(data: bytes) -> W3TermInfo:
    """The W3TermInfo encode_terminfo wrote, with the types the stock reader gives (float weights)."""
    ti = W3TermInfo.__new__(W3TermInfo)
    flags = data[0]
    ti._minlength = byte_to_length(data[1])
    ti._maxlength = byte_to_length(data[2])
    ti._offset = ti._length = ti._inlined = None
    pos = 3
    if not flags & (_DERIVED | _WEIGHT_F | _MAXW_F | _NO_MINID | _NO_MAXID):  # the usual case, in one call
        (weight, ti._df, maxweight, ti._minid, zigzag), pos = _read_varints(data, pos, 5)
        ti._weight = float(weight)
        ti._maxweight = float(maxweight)
        ti._maxid = ti._minid + (zigzag >> 1 if not zigzag & 1 else -((zigzag + 1) >> 1))
    elif not flags & _DERIVED:
        ti._weight, pos = _get_number(data, pos, flags & _WEIGHT_F)
        ti._df, pos = _read_varint(data, pos)
        ti._maxweight, pos = _get_number(data, pos, flags & _MAXW_F)
        if flags & _NO_MINID:
            ti._minid = None
        else:
            ti._minid, pos = _read_varint(data, pos)
        if flags & _NO_MAXID:
            ti._maxid = None
        else:
            zigzag, pos = _read_varint(data, pos)
            delta = zigzag >> 1 if not zigzag & 1 else -((zigzag + 1) >> 1)
            ti._maxid = (ti._minid or 0) + delta
    if flags & _INLINED:
        if flags & _PICKLED:
            ti._inlined = loads(data[pos:])
        else:
            count, pos = _read_varint(data, pos)
            numbers, pos = _read_varints(data, pos, 3 * count)  # id gaps, weights, value lengths
            ids = tuple(accumulate(numbers[:count]))
            weights = tuple(numbers[count : 2 * count])
            bounds = list(accumulate(numbers[2 * count :], initial=pos))
            values = tuple([data[a:b] for a, b in pairwise(bounds)])
            ti._inlined = (ids, weights, values)
            if flags & _DERIVED:
                ti._df = count
                ti._weight = float(sum(weights))
                ti._maxweight = float(max(weights))
                ti._minid = ids[0]
                ti._maxid = ids[-1]
    else:
        (ti._offset, ti._length), pos = _read_varints(data, pos, 2)
    return ti


def term_doc_frequency(data: bytes) -> int:
    """decode_terminfo(data).doc_frequency() without decoding the rest (BM25 asks for it per query term)."""
    flags = data[0]
    if flags & _DERIVED:
        return _read_varint(data, 3)[0]
    pos = 7 if flags & _WEIGHT_F else _read_varint(data, 3)[1]
    return _read_varint(data, pos)[0]


def term_weight(data: bytes) -> float:
    """decode_terminfo(data).weight() without decoding the rest."""
    flags = data[0]
    if flags & _DERIVED:
        count, pos = _read_varint(data, 3)
        numbers = _read_varints(data, pos, 2 * count)[0]
        return float(sum(numbers[count:]))
    if flags & _WEIGHT_F:
        return _F32.unpack_from(data, 3)[0]
    return float(_read_varint(data, 3)[0])


def _u32_array(values: list[int]) -> bytes:
    arr = array("I", values)
    if _BIG:
        arr.byteswap()
    return arr.tobytes()


def _u32_list(data: bytes, start: int, count: int) -> array:
    arr = array("I")
    arr.frombytes(data[start : start + 4 * count])
    if _BIG:
        arr.byteswap()
    return arr


class TermDictWriter:
    """Writes (key, term info bytes) pairs, given in rising key order, as blocks plus a block index."""

    def __init__(self, dbfile, fieldmap: dict[str, int], block_size: int = BLOCK_SIZE) -> None:
        self._file = dbfile
        self._fieldmap = fieldmap  # filled by the caller as fields start; written at close
        self._block_size = block_size
        self._keys: list[bytes] = []
        self._infos: list[bytes] = []
        self._lastkey: bytes | None = None
        self._first_keys: list[bytes] = []
        self._offsets: list[int] = []
        self._crcs: list[int] = []
        self._file.write(MAGIC)
        self._pos = len(MAGIC)

    def add(self, key: bytes, info: bytes) -> None:
        if self._lastkey is not None and key <= self._lastkey:
            raise ValueError(f"term dictionary keys must rise: {key!r} after {self._lastkey!r}")
        self._lastkey = key
        self._keys.append(key)
        self._infos.append(info)
        if len(self._keys) == self._block_size:
            self._flush()

    def _flush(self) -> None:
        keys, infos = self._keys, self._infos
        prefixes = bytearray()
        suffixes = []
        prev = b""
        for key in keys:
            shared = 0
            limit = min(len(prev), len(key), 255)
            while shared < limit and prev[shared] == key[shared]:
                shared += 1
            prefixes.append(shared)
            suffixes.append(key[shared:])
            prev = key
        raw = b"".join(
            [
                bytes(prefixes),
                _u32_array([len(s) for s in suffixes]),
                _u32_array([len(i) for i in infos]),
                *suffixes,
                *infos,
            ]
        )
        packed = zlib.compress(raw, 6)
        compressed = len(packed) < len(raw)
        body = _BLOCKHEAD.pack(compressed, len(keys)) + (packed if compressed else raw)
        self._first_keys.append(keys[0])
        self._offsets.append(self._pos)
        self._crcs.append(zlib.crc32(body))
        self._file.write(body)
        self._pos += len(body)
        self._keys, self._infos = [], []

    def close(self) -> None:
        if self._keys:
            self._flush()
        self._offsets.append(self._pos)  # the end of the last block
        names = sorted(self._fieldmap, key=self._fieldmap.__getitem__)
        encoded = [name.encode("utf-8") for name in names]
        index = b"".join(
            [
                struct.pack("<II", len(self._first_keys), len(encoded)),
                _u32_array([self._fieldmap[name] for name in names]),
                _u32_array([len(n) for n in encoded]),
                *encoded,
                array("Q", self._offsets).tobytes() if not _BIG else _swapped_q(self._offsets),
                _u32_array([len(k) for k in self._first_keys]),
                *self._first_keys,
                _u32_array(self._crcs),
            ]
        )
        packed = zlib.compress(index, 6)
        self._file.write(packed)
        fields = _TRAILER_FIELDS.pack(self._pos, len(packed), self._block_size)
        self._file.write(fields + struct.pack("<I", zlib.crc32(fields, zlib.crc32(packed))) + MAGIC)
        self._file.close()


def _swapped_q(values: list[int]) -> bytes:
    arr = array("Q", values)
    arr.byteswap()
    return arr.tobytes()


class _Block:
    """One decoded block: its keys (for bisect) and the slices of its term infos, parsed when asked."""

    __slots__ = ("data", "keys", "starts")

    def __init__(self, data: bytes, keys: list[bytes], starts: list[int]) -> None:
        self.data = data
        self.keys = keys
        self.starts = starts

    def info(self, i: int) -> bytes:
        return self.data[self.starts[i] : self.starts[i + 1]]


class CorruptTermDict(IndexDamaged):
    """The term dictionary file is not one this module wrote, or was cut short: the index needs a rebuild
    (an IndexDamaged, reported like any other damaged index)."""


def _parse_index(index: bytes) -> tuple[dict[str, int], list[str | None], array, list[bytes], list[int]]:
    """(field numbers by name, names by number, block offsets, first key of each block, crc32 of each block)
    from the index."""
    nblocks, nfields = struct.unpack_from("<II", index, 0)
    numbers = _u32_list(index, 8, nfields)
    name_lens = _u32_list(index, 8 + 4 * nfields, nfields)
    pos = 8 + 8 * nfields
    fieldmap: dict[str, int] = {}
    fieldnames: list[str | None] = [None] * (max(numbers) + 1 if numbers else 0)
    for num, n in zip(numbers, name_lens, strict=True):
        name = index[pos : pos + n].decode("utf-8")
        pos += n
        fieldmap[name] = num
        fieldnames[num] = name
    offsets = array("Q")
    offsets.frombytes(index[pos : pos + 8 * (nblocks + 1)])
    if _BIG:
        offsets.byteswap()
    pos += 8 * (nblocks + 1)
    key_lens = _u32_list(index, pos, nblocks)
    pos += 4 * nblocks
    bounds = list(accumulate(key_lens, initial=pos))
    crcs = _u32_list(index, bounds[-1], nblocks)
    end = bounds[-1] + 4 * nblocks
    if len(offsets) != nblocks + 1 or len(key_lens) != nblocks or end != len(index):
        raise ValueError("sizes do not add up")
    if len(crcs) != nblocks:
        raise ValueError("the block checksums are cut short")
    return fieldmap, fieldnames, offsets, [index[a:b] for a, b in pairwise(bounds)], crcs


class TermDictReader:
    """Lookups in a `.tdx` file: bisect over the first keys of the blocks, then one decoded block."""

    def __init__(self, dbfile, length: int) -> None:
        self._file = dbfile
        magic = dbfile.get(0, len(MAGIC)) if length >= len(MAGIC) else b""
        if magic != MAGIC:
            raise CorruptTermDict("not a Kavosh term dictionary")
        if length < len(MAGIC) + _TRAILER.size:
            raise CorruptTermDict("the term dictionary is cut short")
        tail = dbfile.get(length - _TRAILER.size, _TRAILER.size)
        ixpos, ixlen, block_size, crc, end_magic = _TRAILER.unpack(tail)
        if end_magic != magic or ixpos + ixlen + _TRAILER.size != length or block_size < 1:
            raise CorruptTermDict("the term dictionary's trailer is damaged")
        packed = dbfile.get(ixpos, ixlen)
        if zlib.crc32(tail[: _TRAILER_FIELDS.size], zlib.crc32(packed)) != crc:
            raise CorruptTermDict("the term dictionary's block index checksum does not match")
        try:
            self.fieldmap, self.fieldnames, self._offsets, self._first_keys, self._crcs = _parse_index(
                zlib.decompress(packed)
            )
        except (zlib.error, struct.error, ValueError, IndexError) as exc:
            raise CorruptTermDict(f"the term dictionary's block index is damaged ({exc})") from exc
        nblocks = len(self._first_keys)
        self.block_size = block_size
        self._cache: OrderedDict[int, _Block] = OrderedDict()
        self._lock = threading.Lock()
        if nblocks:
            last = self._read_block(nblocks - 1)
            self.term_count = (nblocks - 1) * block_size + len(last.keys)
        else:
            self.term_count = 0

    def _read_block(self, b: int) -> _Block:
        start, end = self._offsets[b], self._offsets[b + 1]
        body = self._file.get(start, end - start)
        if zlib.crc32(body) != self._crcs[b]:
            raise CorruptTermDict(
                f"term dictionary block {b} (bytes {start}-{end}): its checksum does not match"
            )
        try:
            return self._decode_block(body)
        except (zlib.error, struct.error, ValueError, IndexError) as exc:
            raise CorruptTermDict(
                f"term dictionary block {b} (bytes {start}-{end}) is damaged ({exc})"
            ) from None

    @staticmethod
    def _decode_block(body: bytes) -> _Block:
        compressed, count = _BLOCKHEAD.unpack_from(body)
        data = zlib.decompress(body[_BLOCKHEAD.size :]) if compressed else body[_BLOCKHEAD.size :]
        suffix_lens = _u32_list(data, count, count)
        info_lens = _u32_list(data, 5 * count, count)
        pos = 9 * count
        keys = []
        prev = b""
        for shared, n in zip(data[:count], suffix_lens, strict=True):
            end = pos + n
            prev = prev[:shared] + data[pos:end]
            keys.append(prev)
            pos = end
        return _Block(data, keys, list(accumulate(info_lens, initial=pos)))

    def block(self, b: int) -> _Block:
        """Block `b`, from the LRU when it was decoded recently."""
        cache = self._cache
        found = cache.get(b)
        if (
            found is not None
        ):  # a hit takes no lock: both calls are atomic, and an eviction between them is fine
            try:
                cache.move_to_end(b)
            except KeyError:
                pass
            return found
        found = self._read_block(b)
        with self._lock:
            cache[b] = found
            if len(cache) > CACHE_BLOCKS:
                cache.popitem(last=False)
        return found

    def lookup(self, key: bytes) -> bytes | None:
        """The term info bytes stored under `key`, or None."""
        b = bisect_right(self._first_keys, key) - 1
        if b < 0:
            return None
        block = self.block(b)
        i = bisect_left(block.keys, key)
        if i < len(block.keys) and block.keys[i] == key:
            return block.info(i)
        return None

    def lower_bound(self, key: bytes) -> int:
        """The ordinal of the first key >= `key` (term_count when there is none)."""
        b = bisect_right(self._first_keys, key) - 1
        if b < 0:
            return 0
        return b * self.block_size + bisect_left(self.block(b).keys, key)

    def entry(self, ordinal: int) -> tuple[bytes, _Block, int] | None:
        """(key, block, index in block) of the term at `ordinal`, or None past the end."""
        if ordinal >= self.term_count:
            return None
        b, i = divmod(ordinal, self.block_size)
        block = self.block(b)
        return block.keys[i], block, i

    def close(self) -> None:
        self._file.close()

    def block_spans(self) -> list[tuple[int, int]]:
        """(start, end) of each block in the file (where `verify` looks)."""
        return list(pairwise(self._offsets))

    def verify(self) -> int:
        """Read and decode every block and every term info in it, bypassing the cache; check the keys rise
        across the whole file and that the index's first keys and counts agree with the blocks. Raises
        CorruptTermDict naming the first damaged block; returns the number of terms checked."""
        previous = None
        terms = 0
        last = len(self._first_keys) - 1
        for b in range(last + 1):
            block = self._read_block(b)
            count = len(block.keys)
            where = f"term dictionary block {b} (bytes {self._offsets[b]}-{self._offsets[b + 1]})"
            if count != self.block_size and not (b == last and 0 < count <= self.block_size):
                raise CorruptTermDict(f"{where} holds {count} terms, not {self.block_size}")
            if block.keys[0] != self._first_keys[b]:
                raise CorruptTermDict(f"{where} does not start with the key its index names")
            if block.starts[-1] != len(block.data):
                raise CorruptTermDict(f"{where}: its term infos do not fill it")
            for i, key in enumerate(block.keys):
                if previous is not None and key <= previous:
                    raise CorruptTermDict(f"{where}: its keys are out of order")
                previous = key
                try:
                    decode_terminfo(block.info(i))
                except Exception as exc:  # a damaged pickle of inlined postings can raise nearly anything
                    raise CorruptTermDict(f"{where}: term info {i} does not decode ({exc})") from None
            terms += count
        return terms

    def scan(self, start: int = 0) -> Iterator[tuple[bytes, _Block, int]]:
        """Every (key, block, index) from ordinal `start` on, decoding blocks in turn without the LRU."""
        first_block, skip = divmod(start, self.block_size)
        for b in range(first_block, len(self._first_keys)):
            block = self._cache.get(b) or self._read_block(b)
            for i in range(skip, len(block.keys)):
                yield block.keys[i], block, i
            skip = 0


class TermDictFieldCursor(base.FieldCursor):
    """Walks one field's terms in order (Whoosh's automata, spelling and terms_within use it)."""

    def __init__(self, tdict: TermDictReader, fieldname: str, fieldobj) -> None:
        self._tdict = tdict
        self._fieldname = fieldname
        self._fieldobj = fieldobj
        self._prefix = pack_ushort(tdict.fieldmap.get(fieldname, _NO_FIELD))
        self._start = tdict.lower_bound(self._prefix)
        self._ordinal: int | None = None
        self._text = None
        self._block: _Block | None = None
        self._index = 0
        self._go(self._start)

    def _go(self, ordinal: int):
        found = self._tdict.entry(ordinal)
        if found is not None and found[0][:2] == self._prefix:
            key, self._block, self._index = found
            self._ordinal = ordinal
            self._text = self._fieldobj.from_bytes(key[2:])
            return self._text
        self._ordinal = self._text = self._block = None
        return None

    def first(self):
        return self._go(self._start)

    def find(self, term):
        if not isinstance(term, bytes):
            term = self._fieldobj.to_bytes(term)
        return self._go(self._tdict.lower_bound(self._prefix + term))

    def next(self):
        if self._ordinal is None:
            return None
        return self._go(self._ordinal + 1)

    def text(self):
        return self._text

    def term_info(self):
        if self._ordinal is None:
            return None
        return decode_terminfo(self._block.info(self._index))

    def is_valid(self) -> bool:
        return self._ordinal is not None


class TermDictTermsReader(base.TermsReader):
    """Whoosh's TermsReader over a `.tdx` term dictionary, answering as W3TermsReader does."""

    def __init__(self, codec, dbfile, length: int, postfile) -> None:
        self._codec = codec
        self._tdict = TermDictReader(dbfile, length)
        self._dbfile = dbfile
        self._postfile = postfile
        self._fieldmap = self._tdict.fieldmap
        self._fieldunmap = self._tdict.fieldnames

    def _key(self, fieldname: str, tbytes: bytes) -> bytes:
        return pack_ushort(self._fieldmap.get(fieldname, _NO_FIELD)) + tbytes

    def _term(self, key: bytes) -> tuple[str, bytes]:
        return self._fieldunmap[unpack_ushort(key[:2])[0]], key[2:]

    def _info(self, fieldname: str, tbytes: bytes) -> W3TermInfo:
        data = self._tdict.lookup(self._key(fieldname, tbytes))
        if data is None:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        return decode_terminfo(data)

    def __contains__(self, term) -> bool:
        return self._tdict.lookup(self._key(*term)) is not None

    def indexed_field_names(self):
        return self._fieldmap.keys()

    def cursor(self, fieldname, fieldobj) -> TermDictFieldCursor:
        return TermDictFieldCursor(self._tdict, fieldname, fieldobj)

    def terms(self):
        return (self._term(key) for key, _, _ in self._tdict.scan())

    def terms_from(self, fieldname, prefix):
        start = self._tdict.lower_bound(self._key(fieldname, prefix))
        return (self._term(key) for key, _, _ in self._tdict.scan(start))

    def items(self):
        return ((self._term(key), decode_terminfo(block.info(i))) for key, block, i in self._tdict.scan())

    def items_from(self, fieldname, prefix):
        start = self._tdict.lower_bound(self._key(fieldname, prefix))
        return (
            (self._term(key), decode_terminfo(block.info(i))) for key, block, i in self._tdict.scan(start)
        )

    def term_info(self, fieldname, tbytes) -> W3TermInfo:
        return self._info(fieldname, tbytes)

    def frequency(self, fieldname, tbytes) -> float:
        data = self._tdict.lookup(self._key(fieldname, tbytes))
        if data is None:
            raise KeyError((fieldname, tbytes))  # as W3TermsReader (SegmentReader answers 0)
        return term_weight(data)

    def doc_frequency(self, fieldname, tbytes) -> int:
        data = self._tdict.lookup(self._key(fieldname, tbytes))
        if data is None:
            raise KeyError((fieldname, tbytes))
        return term_doc_frequency(data)

    def matcher(self, fieldname, tbytes, format_, scorer=None):
        terminfo = self._info(fieldname, tbytes)
        return self._codec.postings_reader(
            self._postfile, terminfo, format_, term=(fieldname, tbytes), scorer=scorer
        )

    def close(self) -> None:
        self._dbfile.close()
        self._postfile.close()


class TermDictFieldWriter(base.FieldWriter):
    """W3FieldWriter's job (postings through the codec's postings writer) with terms going to a `.tdx`."""

    def __init__(self, codec, storage, segment, block_size: int = BLOCK_SIZE) -> None:
        self._codec = codec
        self._fieldmap: dict[str, int] = {}
        self._tdict = TermDictWriter(segment.create_file(storage, TERMDICT_EXT), self._fieldmap, block_size)
        self._postfile = segment.create_file(storage, W3Codec.POSTS_EXT)
        self._postwriter = None
        self._fieldprefix = b""
        self._format = None
        self._btext = b""
        self.is_closed = False

    def start_field(self, fieldname, fieldobj) -> None:
        fieldid = self._fieldmap.setdefault(fieldname, len(self._fieldmap))
        self._fieldprefix = pack_ushort(fieldid)
        self._format = fieldobj.format
        self._postwriter = self._codec.postings_writer(self._postfile)

    def start_term(self, btext) -> None:
        if self._postwriter is None:
            raise RuntimeError("start_term called before start_field")
        self._btext = btext
        self._postwriter.start_postings(self._format, W3TermInfo())

    def add(self, docnum, weight, vbytes, length) -> None:
        self._postwriter.add_posting(docnum, weight, vbytes, length)

    def finish_term(self) -> None:
        terminfo = self._postwriter.finish_postings()
        self._tdict.add(self._fieldprefix + self._btext, encode_terminfo(terminfo))

    def finish_field(self) -> None:
        self._postwriter = None

    def add_pooled(self, schema, lengths, terms) -> None:
        """Write `(field name, term bytes, postings)` in (field, term) order, each term's postings flat in
        document order (`[docnum, weight, value, ...]`, indexer.storage.pool): the bytes `add_postings`
        writes with one call per posting, a term at a time (the codec's `write_pooled`). `lengths` is the
        segment's per-document reader (None: no length statistics).

        The garbage collector is paused meanwhile: writing makes no reference cycles, and each of its
        passes would walk the whole pool again (a tenth of the commit of the 11,144-document replica)."""
        paused = gc.isenabled()
        gc.disable()
        try:
            self._add_pooled(schema, lengths, terms)
        finally:
            if paused:
                gc.enable()

    def _add_pooled(self, schema, lengths, terms) -> None:
        current = None
        add = self._tdict.add
        for fieldname, btext, postings in terms:
            if fieldname != current:
                if current is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                current = fieldname
                write, form, prefix = self._postwriter.write_pooled, self._format, self._fieldprefix
                table = lengths.field_lengths(fieldname) if lengths is not None else None
                if table is not None and not any(table):
                    table = None  # a field without lengths (ID, NUMERIC): nothing to look up per posting
            add(prefix + btext, write(form, postings, table))
        if current is not None:
            self.finish_field()

    def close(self) -> None:
        self._tdict.close()
        self._postfile.close()
        self.is_closed = True
