"""The Whoosh schema of a Kavosh index, its compact positions format, a document's original text."""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from itertools import accumulate

from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.formats import Positions

from analyzers import PersianAnalyzer, indexed_terms

# Bump when fields change or a pickled class moves: an index of another schema version must be rebuilt.
# 4: sortable `folder`, `format` and `date` columns; 5: `pages` of paged documents; 6: the pickled classes
# moved (indexer.schema.CompactPositions -> indexer.storage.schema, indexer.codec.KavoshCodec ->
# indexer.storage.codec), so an index of 5 cannot even be unpickled and is refused by its version first.
SCHEMA_VERSION = 6

# Widths of the position deltas in CompactPositions, by the first byte of an encoded value.
_WIDTHS = {0: "B", 1: "H", 2: "I"}
# The encoding of a lone position below 256 (most terms of a document occur once): one shared bytes object
# each, also for the pool (indexer.storage.pooling), which holds one a posting.
ONE_POSITION = [bytes((0, pos)) for pos in range(256)]


def encode_positions(poslist: list[int]) -> bytes:
    """CompactPositions' encoding of ascending positions: a type byte (0, 1, 2: deltas of 1, 2 or 4 bytes,
    native order, as `array` writes them), then the deltas. Called for every repeated term of every document:
    a plain loop and bytes() for the common one-byte case are about twice as fast as a zip and an array.
    `indexer/storage/_pooling.c` is its C twin (tests/test_pooling.py holds them byte-identical)."""
    deltas = []
    previous = 0
    for pos in poslist:
        deltas.append(pos - previous)
        previous = pos
    top = max(deltas, default=0)
    if top < 1 << 8:
        return b"\x00" + bytes(deltas)
    code = 1 if top < 1 << 16 else 2
    return bytes((code,)) + array(_WIDTHS[code], deltas).tobytes()


class CompactPositions(Positions):
    """Whoosh's Positions format with a compact encoding: one type byte, then the position deltas as an
    array of 1, 2 or 4-byte unsigned ints. Whoosh's own encoding (4 bytes + a pickle per posting) made the
    postings alone ~1.7x the raw text; this keeps the whole index under 1.5x (issue 6)."""

    def word_values(self, value, analyzer, **kwargs) -> list[tuple]:
        """What Whoosh's `Positions.word_values` yields — (term, frequency, weight, encoded positions) for
        each distinct term — in one pass: positions gathered per term without the weight dict and the extra
        generator Whoosh puts around the analyzer. Weights are the frequency times the field boost, as
        Whoosh's sum of token boosts gives when every token's boost is 1 (an analyzer that sets other boosts
        goes Whoosh's way).

        Indexing with Kavosh's analyzer (mode "index", function words kept) reads its `terms` list, a term
        per position, instead of a Token per word (see `term_values`). A list, not a generator: the writer
        takes it whole."""
        if not isinstance(value, str):
            return list(super().word_values(value, analyzer, **kwargs))
        terms = indexed_terms(analyzer, value, kwargs.get("mode", ""), kwargs.get("removestops", True))
        if terms is not None:
            return self.term_values(terms, kwargs.get("start_pos", 0))
        found: dict[str, list[int]] = {}
        get = found.get
        kwargs["positions"] = True
        kwargs["boosts"] = True
        for token in analyzer(value, **kwargs):
            if token.stopped:
                continue
            if token.boost != 1.0:
                return list(super().word_values(value, analyzer, **kwargs))
            positions = get(token.text)
            if positions is None:
                found[token.text] = [token.pos]
            else:
                positions.append(token.pos)
        return self._values(found)

    def term_values(self, terms: list[str], start_pos: int = 0) -> list[tuple]:
        """`word_values` of a text whose terms are `terms`, a term per position from `start_pos`."""
        return self._values(group_positions(terms, start_pos))

    def _values(self, found: dict[str, list[int]]) -> list[tuple]:
        """(term, frequency, weight, encoded positions) of each term's positions; a lone position below
        256 is encoded from a table (most terms of a document occur once)."""
        boost = self.field_boost
        single = 1.0 * boost
        encode = encode_positions
        return [
            (text, 1, single, ONE_POSITION[positions[0]])
            if len(positions) == 1 and positions[0] < 256
            else (text, len(positions), float(len(positions)) * boost, encode(positions))
            for text, positions in found.items()
        ]

    def encode(self, poslist):
        return encode_positions(poslist)

    def decode_positions(self, valuestring):
        return list(accumulate(array(_WIDTHS[valuestring[0]], valuestring[1:])))

    def decode_frequency(self, valuestring):
        return (len(valuestring) - 1) // array(_WIDTHS[valuestring[0]]).itemsize

    def decode_position_boosts(self, valuestring):
        return [(pos, 1) for pos in self.decode_positions(valuestring)]


def group_positions(terms: list[str], start_pos: int = 0) -> dict[str, list[int]]:
    """Each distinct term of `terms` (a term a position from `start_pos`) with its positions, in the order
    the terms first occur."""
    found: dict[str, list[int]] = {}
    get = found.get
    for pos, text in enumerate(terms, start_pos):
        positions = get(text)
        if positions is None:
            found[text] = [pos]
        else:
            positions.append(pos)
    return found


def _text_field(analyzer) -> TEXT:
    field = TEXT(analyzer=analyzer, phrase=True)
    field.format = CompactPositions(field_boost=field.format.field_boost)
    return field


def make_schema() -> Schema:
    """Build the schema. The body is indexed but not stored: its original text lives once in `content`
    (compressed on disk by the codec), which keeps the index small (issue 6: within 1.5x the raw text)."""
    analyzer = PersianAnalyzer()
    title = _text_field(analyzer)
    title.stored = True
    return Schema(
        id=ID(stored=True, unique=True),
        path=ID(stored=True),
        title=title,
        body=_text_field(analyzer),
        content=STORED(),
        mtime=STORED(),
        # The columns the page's filters and date sort read for every matching document
        # (search_ui.results.filters): Whoosh columns give docnum -> value without unpickling the stored text.
        format=ID(stored=True, sortable=True),
        folder=ID(stored=True, sortable=True),
        date=NUMERIC(numtype=int, bits=64, signed=True, stored=True, sortable=True),
        pages=STORED(),  # paged documents (PDF): where each page starts in the text (indexer.sources.pages)
    )


def folder_of(path: str) -> str:
    """The folder of a document's path relative to the indexed folder ("" for the top folder)."""
    head, _, _ = path.rpartition("/")
    return head


def decode_text(stored_fields: Mapping[str, object]) -> str:
    """The original body text of a document from its stored fields ('' when absent). It is stored as it is:
    the codec compresses stored fields in blocks of documents (indexer.storage.blockstore), and compressing
    the text first made them 20% bigger (zlib over zlib)."""
    return str(stored_fields.get("content") or "")
