"""Every Whoosh internal the indexer relies on, named in one place, and the exact Whoosh version they are
known for.

Kavosh's storage (indexer.storage.codec, indexer.storage.termdict, indexer.storage.blockstore) subclasses
Whoosh's W3 codec and reads and writes attributes that are private to whoosh-reloaded 2.7.5. Another release
may rename or drop any of them, and a fallback would hide the break (or make the index silently slower), so
this module refuses to load with any other version: `import indexer` (and so every command, the page and the
search engine) fails at once with WhooshVersionError saying what to install. The pin in setup.cfg says the
same version (tests/test_whoosh_pin.py keeps them equal). `check_surface()` also looks every named internal
up, so upgrading means: change WHOOSH_VERSION and the pin, run the tests, and fix what this module names.

The storage modules import Whoosh's classes from here, never from whoosh.codec directly.
"""

from __future__ import annotations

import io

import whoosh
from whoosh import columns
from whoosh.codec import base
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    STORED_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3LeafMatcher,
    W3PerDocReader,
    W3PerDocWriter,
    W3PostingsWriter,
    W3TermInfo,
    _lenfield,
)
from whoosh.filedb.structfile import StructFile
from whoosh.formats import Existence
from whoosh.index import FileIndex
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import SegmentWriter

# The one Whoosh release whose internals are named below; setup.cfg pins `whoosh-reloaded==` this version.
WHOOSH_VERSION = (2, 7, 5)
WHOOSH_DISTRIBUTION = "whoosh-reloaded"

__all__ = [
    "LENGTHS_COLUMN",
    "STORED_COLUMN",
    "WHOOSH3_HEADER_MAGIC",
    "WHOOSH_VERSION",
    "MpWriter",
    "SegmentWriter",
    "SubWriterTask",
    "W3Codec",
    "W3LeafMatcher",
    "W3PerDocReader",
    "W3PerDocWriter",
    "W3PostingsWriter",
    "W3TermInfo",
    "WhooshVersionError",
    "base",
    "check_surface",
    "check_version",
    "columns",
    "index_segments",
    "length_field",
    "one_byte_column",
]

# The private attributes each class is used through, by the module that uses them. Instance attributes are
# looked up on a fresh object, methods on the class (check_surface).
TERMINFO_FIELDS = (  # codec.CompactTermInfo, termdict.encode_terminfo/decode_terminfo read and set these
    "_weight",
    "_df",
    "_minlength",
    "_maxlength",
    "_maxweight",
    "_minid",
    "_maxid",
    "_offset",
    "_length",
    "_inlined",
)
TERMINFO_CLASS_ATTRS = ("_struct", "is_inlined", "inlined_postings", "set_inlined", "add_block", "extent")
POSTINGS_WRITER_FIELDS = (  # codec.CompactPostingsWriter reads the block being written through these
    "_postfile",
    "_blocklimit",
    "_compression",
    "_inlinelimit",
    "_terminfo",
    "_blockcount",
    "_ids",
    "_weights",
    "_values",
    "_maxweight",
    "_minlength",
    "_maxlength",
    "_format",
)
POSTINGS_WRITER_METHODS = (
    "written",
    "_mini_ids",
    "_mini_weights",
    "_mini_values",
    "_new_block",
    "_write_block",
)
PER_DOC_WRITER_METHODS = ("_create_column",)  # codec.CompactPerDocWriter; it also uses `_colwriters`, `_cols`
PER_DOC_READER_METHODS = ("_cached_reader",)  # codec.CachedLengthsPerDocReader; it also uses `_doccount`
CODEC_FIELDS = ("_blocklimit", "_compression", "_inlinelimit")  # codec.KavoshCodec.postings_writer
COLUMN_READER_FIELDS = ("_dbfile", "_basepos", "_length", "_doccount")  # blockstore.BlockStoredReader
NUMERIC_READER_FIELDS = ("_fixedlen", "_count", "_dbfile", "_basepos")  # one_byte_column
INDEX_METHODS = ("_segments",)  # index_segments (kavosh check)
# writer.KavoshWriter: SegmentWriter with Kavosh's pool. It replaces `pool` after __init__, reads `schema`,
# `docnum`, `perdocwriter`, `fieldwriter`, `codec`, `_added` (set in __init__, not checked: needs an index)
# and overrides `add_document` and `_flush_segment` (called by `_finalize_segment` at the commit).
SEGMENT_WRITER_METHODS = (
    "_check_state",
    "_doc_boost",
    "_field_boost",
    "_check_fields",
    "_flush_segment",
    "_finalize_segment",
    "_close_segment",
    "temp_storage",
    "per_document_reader",
)
# writer.KavoshMpWriter / _Worker: the parent's `_new_task` makes the workers (from `storage`, `indexname`,
# `jobqueue`, `resultqueue`, `subargs`, `multisegment`, appended to `tasks`), `_enqueue` writes a job file of
# `(0, fields)` pickles, `_commit` reads each worker's `(run name, field names, segment)`; a worker (our own
# `run` and `_process_file`) reads the attributes SubWriterTask.__init__ sets.
MP_WRITER_METHODS = ("_new_task", "_enqueue", "_commit")
SUB_WRITER_FIELDS = ("storage", "indexname", "jobqueue", "resultqueue", "kwargs", "multisegment", "running")

# Used by search_ui.ranking.bm25f today (through hasattr there; to be imported from here by their owner):
# W3's posting matcher read a block at a time, the segment reader's per-document reader (whose
# `_lengths_of` is indexer.storage.codec's own). Checked here so that an upgrade that breaks them fails at
# import instead of silently falling back to a slower path.
LEAF_MATCHER_METHODS = (
    "_read_ids",
    "_read_weights",
    "_read_values",
    "_next_block",
    "_skip_to_block",
    "block_max_id",
)
LEAF_MATCHER_FIELDS = (
    "_ids",
    "_weights",
    "_values",
    "_i",
)  # set by W3LeafMatcher._goto (not checked: needs a file)
SEGMENT_READER_FIELDS = ("_perdoc",)  # set in SegmentReader.__init__ (not checked: needs a segment)


class WhooshVersionError(ImportError):
    """The installed Whoosh is not the release whose internals Kavosh's storage is written against."""


def _version_text(version: tuple) -> str:
    return ".".join(str(part) for part in version)


def check_version(version: tuple | None = None) -> None:
    """Raise WhooshVersionError unless `version` (default: the imported Whoosh's) is WHOOSH_VERSION."""
    found = tuple(whoosh.__version__ if version is None else version)
    if found[:3] != WHOOSH_VERSION:
        wanted = _version_text(WHOOSH_VERSION)
        raise WhooshVersionError(
            f"Kavosh needs {WHOOSH_DISTRIBUTION} {wanted} exactly (its index format is built on that "
            f"release's private internals, named in indexer/storage/whoosh_private.py), but Whoosh "
            f"{_version_text(found)} is installed; install the pinned version with "
            f"`pip install {WHOOSH_DISTRIBUTION}=={wanted}`"
        )


def check_surface() -> None:
    """Look up every internal named above; raise WhooshVersionError naming the first one missing."""
    try:
        postings = W3PostingsWriter(StructFile(io.BytesIO()), blocklimit=128)
        postings.start_postings(Existence(), W3TermInfo())
        reader = columns.NumericColumn("B").reader(StructFile(io.BytesIO(b"\0")), 0, 1, 1)
        wanted = [
            (W3TermInfo(), TERMINFO_FIELDS + TERMINFO_CLASS_ATTRS),
            (postings, POSTINGS_WRITER_FIELDS + POSTINGS_WRITER_METHODS),
            (W3PerDocWriter, PER_DOC_WRITER_METHODS),
            (W3PerDocReader, PER_DOC_READER_METHODS),
            (W3Codec(), CODEC_FIELDS),
            (columns.ColumnReader(None, 0, 0, 0), COLUMN_READER_FIELDS),
            (reader, NUMERIC_READER_FIELDS),
            (FileIndex, INDEX_METHODS),
            (SegmentWriter, SEGMENT_WRITER_METHODS),
            (MpWriter, MP_WRITER_METHODS),
            (SubWriterTask(None, "MAIN", None, None, {}, True), SUB_WRITER_FIELDS),
            (W3LeafMatcher, LEAF_MATCHER_METHODS),
        ]
    except Exception as exc:  # a constructor that changed its arguments is as fatal as a missing name
        raise WhooshVersionError(
            f"Whoosh's internals changed ({exc!r}): Kavosh's storage cannot work with it"
        ) from exc
    for owner, names in wanted:
        for name in names:
            if not hasattr(owner, name):
                kind = owner.__name__ if isinstance(owner, type) else type(owner).__name__
                raise WhooshVersionError(
                    f"Whoosh's {kind} has no {name}: Kavosh's storage cannot work with it"
                )


def length_field(fieldname: str) -> str:
    """The column name W3 stores a field's lengths under (`whoosh.codec.whoosh3._lenfield`)."""
    return _lenfield(fieldname)


def one_byte_column(reader, doccount: int) -> bytes | None:
    """The raw bytes of a one-byte-per-document NumericColumn (W3's field lengths) in one read, or None when
    the column is of another kind."""
    if isinstance(reader, columns.NumericColumn.Reader) and reader._fixedlen == 1:
        return reader._dbfile.get(reader._basepos, min(reader._count, doccount))
    return None


def index_segments(ix) -> list:
    """The segments of an opened index, without opening a reader (which would read their files)."""
    return ix._segments()


check_version()
check_surface()
