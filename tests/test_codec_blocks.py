"""A term's postings written at once (`CompactPostingsWriter.write_pooled`, the commit of a pooled segment)
are byte for byte what the posting-at-a-time path writes (W3's `start_postings`, `add_posting` for each
posting, `finish_postings`, then `encode_terminfo`), for any list: inlined or in blocks, whole or fractional
weights, with or without values and field lengths, in each kind of format."""

from __future__ import annotations

import io
import pickle

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from whoosh.filedb.structfile import StructFile
from whoosh.formats import Existence, Frequency, Positions

from indexer.storage.codec import CompactPostingsWriter, _dumps_without_memo
from indexer.storage.termdict import decode_terminfo, encode_terminfo
from indexer.storage.whoosh_private import W3TermInfo

# Weights as a pool holds them: frequencies (floats, sometimes ints), boosted ones that 32-bit floats cannot
# hold exactly (0.1), a whole number past 2**24 (rounded by them), zero and a negative.
WEIGHTS = [1.0, 1.0, 1.0, 2.0, 3.0, 7.0, 1, 2, 0.5, 1.5, 0.1, 2.3, 16777217.0, 0.0, -2.0]
FORMATS = {"positions": Positions(), "existence": Existence(), "frequency": Frequency()}


@st.composite
def _term(draw) -> tuple:
    """(format, postings flat as the pool holds them, each document's field length or None, limits)."""
    count = draw(st.one_of(st.integers(1, 6), st.integers(1, 300)))
    gaps = draw(st.lists(st.integers(1, 40), min_size=count, max_size=count))
    docs = [sum(gaps[: i + 1]) - 1 for i in range(count)]
    weights = draw(
        st.one_of(
            st.just([1.0] * count),
            st.lists(st.sampled_from(WEIGHTS), min_size=count, max_size=count),
        )
    )
    kind = draw(st.sampled_from(sorted(FORMATS)))
    if kind == "existence":
        values = [b""] * count
    elif kind == "frequency":
        values = [draw(st.binary(min_size=4, max_size=4)) for _ in range(count)]
    else:
        values = draw(st.lists(st.binary(max_size=9), min_size=count, max_size=count))
    lengths = None
    kind_of_lengths = draw(st.sampled_from(["none", "all", "unscored", "some"]))
    if kind_of_lengths != "none":  # an unscored field's documents have none (0)
        choices = {"all": [1, 3, 17, 250, 4000, 200000], "unscored": [0], "some": [0, 1, 3, 17, 250, 4000]}
        lengths = [0] * (docs[-1] + 1)
        for doc in docs:
            lengths[doc] = draw(st.sampled_from(choices[kind_of_lengths]))
    postings = []
    for doc, weight, value in zip(docs, weights, values, strict=True):
        postings += (doc, weight, value)
    blocklimit = draw(st.sampled_from([128, 128, 5, 3, 1]))
    inlinelimit = draw(st.sampled_from([4, 4, 1, 0, 6]))
    return FORMATS[kind], postings, lengths, blocklimit, inlinelimit


def _writer(blocklimit: int, inlinelimit: int) -> CompactPostingsWriter:
    postfile = StructFile(io.BytesIO())
    postfile.write(b"earlier terms")  # a term rarely starts the file: its offset must count what is before
    return CompactPostingsWriter(postfile, blocklimit, compression=3, inlinelimit=inlinelimit)


def _posting_at_a_time(format_, postings: list, lengths, blocklimit: int, inlinelimit: int) -> tuple:
    writer = _writer(blocklimit, inlinelimit)
    writer.start_postings(format_, W3TermInfo())
    for at in range(0, len(postings), 3):
        docnum, weight, value = postings[at : at + 3]
        writer.add_posting(docnum, weight, value, lengths[docnum] or None if lengths else None)
    info = encode_terminfo(writer.finish_postings())
    return writer._postfile.file.getvalue(), info


def _at_once(format_, postings: list, lengths, blocklimit: int, inlinelimit: int) -> tuple:
    writer = _writer(blocklimit, inlinelimit)
    info = writer.write_pooled(format_, postings, lengths)
    return writer._postfile.file.getvalue(), info


def _w3_fails(postings: list, lengths, blocklimit: int) -> bool:
    """Whether W3's term statistics raise TypeError on this list: a block whose documents all lack a length
    after one that had some (a field's postings have lengths in all their documents or in none)."""
    if lengths is None:
        return False
    docs = postings[0::3]
    blocks = [any(lengths[d] for d in docs[at : at + blocklimit]) for at in range(0, len(docs), blocklimit)]
    return any(blocks[i] and not blocks[j] for i in range(len(blocks)) for j in range(i + 1, len(blocks)))


@settings(max_examples=400, deadline=None)
@given(_term())
def test_a_term_written_at_once_is_written_as_a_posting_at_a_time(term) -> None:
    _, postings, lengths, blocklimit, _ = term
    assume(not _w3_fails(postings, lengths, blocklimit))
    expected = _posting_at_a_time(*term)
    assert _at_once(*term) == expected


@pytest.mark.parametrize("count", [1, 4, 5, 128, 129, 256, 300])
def test_the_term_info_points_at_the_term_s_postings(count: int) -> None:
    """Inlined up to INLINE_LIMIT; past it, the extent starts where the file ended and covers the blocks."""
    postings = []
    for doc in range(count):
        postings += (doc * 2, 1.0 + doc % 3, bytes((0, doc % 256)))
    writer = _writer(128, 4)
    info = decode_terminfo(writer.write_pooled(Positions(), postings, None))
    data = writer._postfile.file.getvalue()
    assert info.doc_frequency() == count
    assert info.weight() == sum(postings[1::3])
    if count <= 4:
        assert info.is_inlined() and data == b"earlier terms"
        assert info.inlined_postings() == (
            tuple(postings[0::3]),
            tuple(map(int, postings[1::3])),
            tuple(postings[2::3]),
        )
    else:
        assert info.extent() == (len(b"earlier terms"), len(data) - len(b"earlier terms"))


def test_two_terms_in_a_row_follow_each_other_in_the_file() -> None:
    """The writer counts where the file ends instead of asking it for every term."""
    writer = _writer(128, 4)
    first = decode_terminfo(
        writer.write_pooled(Existence(), [n for d in range(9) for n in (d, 1.0, b"")], None)
    )
    second = decode_terminfo(
        writer.write_pooled(Existence(), [n for d in range(7) for n in (d, 1.0, b"")], None)
    )
    assert sum(first.extent()) == second.extent()[0]
    assert sum(second.extent()) == len(writer._postfile.file.getvalue())


def test_the_reused_pickler_writes_what_a_new_one_writes() -> None:
    """`_dumps_without_memo` keeps one pickler per thread; in fast mode a pickler carries nothing from one
    dump to the next, even one that failed half-way."""

    def fresh(value: object) -> bytes:
        buf = io.BytesIO()
        pickler = pickle.Pickler(buf, 3)
        pickler.fast = True
        pickler.dump(value)
        return buf.getvalue()

    values = [
        ((1, 2, 3), None, (b"\x00\x01", b"\x00\x01")),
        (128, 40000, 2.5, 3, 0, 255),
        ((0,) * 200, (1, 2) * 100, b"x" * 800),
        ((), None, None),
    ]
    for value in values:
        assert _dumps_without_memo(value) == fresh(value)
    with pytest.raises(TypeError):
        _dumps_without_memo((1, 2, (3, (n for n in ()))))  # fails after writing part of the tuple
    for value in reversed(values):
        assert _dumps_without_memo(value) == fresh(value)
