"""A document's analyzed text straight into the posting pool: its term list, one term a position, grouped by
term, each term's positions encoded as CompactPositions encodes them and added to the pool as one posting.

This is the hottest step of a build after the analysis: on the 11,144-document replica the writer used to
build a (term, frequency, weight, encoded positions) tuple for each distinct term of a field
(`CompactPositions.term_values`) and the pool then took the tuples apart (`PostingPool.add_terms`). Here the
two are one pass with no tuple between them. `pool_positions_py` is the readable reference and the fallback;
`indexer/storage/_pooling.c` is its C twin with the same arguments and results, used when it is built
(`analyzers.native`; `KAVOSH_PURE_PYTHON=1` rules it out). tests/test_pooling.py holds the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzers import native
from indexer.storage.schema import ONE_POSITION, CompactPositions, encode_positions, group_positions

_native = native.load("indexer.storage._pooling")

# The C twin writes deltas as 4-byte unsigned ints at most, as `array("I")` does here: positions past it (a
# field of four billion terms) and below 0 (never given) go the Python way, which fails on them as before.
_C_POSITIONS = 1 << 32


@dataclass(frozen=True, slots=True)
class TermList:
    """A CompactPositions field's analyzed value as the writer hands it to the pool: its terms, one a
    position from `start_pos`, and the field's format (its field boost weighs them)."""

    terms: list[str]
    start_pos: int
    format: CompactPositions

    def distinct(self) -> list[str]:
        """The terms once each, in the order they first occur (the order they are pooled)."""
        return list(dict.fromkeys(self.terms))

    def values(self) -> list[tuple]:
        """The format's `(term, frequency, weight, value)` items of these terms (`word_values`' form)."""
        return self.format.term_values(self.terms, self.start_pos)


def utf8(fieldname: str, term: str) -> bytes:
    """A term as the index writes it. UTF-8 has no form for an unpaired surrogate (a JSON record can carry
    one, as "\\ud800"): a new term is encoded when it is pooled, so such a document fails there, before
    any of it is written for good (see KavoshWriter.add_document), with a message that says why."""
    try:
        return term.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = ord(exc.object[exc.start])
        raise ValueError(f"field {fieldname!r} holds an unpaired surrogate (U+{bad:04X})") from None


def pool_positions_py(
    held: dict,
    fieldname: str,
    docnum: int,
    terms: list[str],
    start_pos: int,
    field_boost: float,
    boost: float,
    one_position: list[bytes],
) -> tuple[int, int, int]:
    """Add a document's posting of each distinct term of `terms` (a term a position from `start_pos`) to
    `held`, a pool field's {term str: flat postings}: `[docnum, weight, value]` starts a new term's list,
    else extends it. The weight is the term's frequency times `field_boost` (as `CompactPositions.word_values`
    gives it) times `boost` (as `PostingPool.add_terms` applies it); the value its encoded positions,
    `one_position[pos]` for a lone position below 256.

    Returns (postings added, new terms, UTF-8 bytes of the new terms), what the pool's size estimate counts.
    A new term UTF-8 cannot hold raises ValueError (utf8) before it is added; the terms before it (in the
    order they first occur) stay added, for the pool's `remove_document` to take back."""
    found = group_positions(terms, start_pos)
    single = 1.0 * field_boost
    if boost != 1.0:
        single *= boost
    pooled = held.get
    new = new_bytes = 0
    for text, positions in found.items():
        if len(positions) == 1 and positions[0] < 256:
            weight, value = single, one_position[positions[0]]
        else:
            weight = float(len(positions)) * field_boost
            if boost != 1.0:
                weight *= boost
            value = encode_positions(positions)
        postings = pooled(text)
        if postings is None:
            new_bytes += len(utf8(fieldname, text))
            new += 1
            held[text] = [docnum, weight, value]
        else:
            postings += (docnum, weight, value)
    return len(found), new, new_bytes


def pool_positions(
    held: dict, fieldname: str, docnum: int, items: TermList, boost: float
) -> tuple[int, int, int]:
    """`pool_positions_py` of a TermList (its field boost its format's), in C when it is built (and the
    positions fit its 4-byte deltas)."""
    terms, start_pos = items.terms, items.start_pos
    pool = pool_positions_py
    if _native is not None and 0 <= start_pos and start_pos + len(terms) <= _C_POSITIONS:
        pool = _native.pool_positions
    return pool(held, fieldname, docnum, terms, start_pos, items.format.field_boost, boost, ONE_POSITION)
