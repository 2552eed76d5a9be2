"""The kinds of index errors, defined once: every engine, storage format and command raises or maps these.

A `KavoshIndexError` carries a message fit for a user (HTTP 503 on the page, exit 2 on the command line):
the index is missing, damaged (a subclass of missing, so a builder starts afresh on either), of another
version, or locked by another writer. The storage formats' own errors (`indexer.storage.termdict`,
`indexer.storage.blockstore`) are `IndexDamaged`; the cluster client's are `KavoshIndexError`s. Anything else
is a bug (HTTP 500, exit 3, the traceback logged): `is_bug` tells the two apart where reading an index
catches whatever Whoosh raises.
"""

from __future__ import annotations

import os

import whoosh


class KavoshIndexError(Exception):
    """An index problem with a message fit for a user (503 on the page, exit 2 on the command line)."""


class IndexMissing(KavoshIndexError):
    """There is no usable index in the folder."""


class IndexDamaged(IndexMissing):
    """The index is there but cannot be read (a damaged or cut file): it must be rebuilt. Its own kind for
    messages and logs, and an IndexMissing (no usable index) for callers that start afresh on either."""


# Exceptions that usually mean a bug, not a damaged file (see `is_bug`).
PROGRAMMING_ERRORS: tuple[type[BaseException], ...] = (
    TypeError,
    AttributeError,
    NameError,
    ImportError,
    AssertionError,
    NotImplementedError,
    RecursionError,
)
_WHOOSH_DIR = os.path.dirname(whoosh.__file__) + os.sep


def is_bug(exc: BaseException) -> bool:
    """Whether an exception raised while reading an index is a bug in Kavosh rather than a damaged index, so
    it is reported as an internal error (500, exit 3), never as a missing index to rebuild.

    A programming error (TypeError, AttributeError, …) is a bug unless Whoosh's own code raised it: Whoosh
    reading cut or garbled bytes fails with a TypeError (`ord()` of an empty read) and the like."""
    if not isinstance(exc, PROGRAMMING_ERRORS):
        return False
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is None or not tb.tb_frame.f_code.co_filename.startswith(_WHOOSH_DIR)


class IndexVersionMismatch(KavoshIndexError):
    """The index was built by another analyzer or schema version and must be rebuilt."""


class WriteFailed(KavoshIndexError):
    """A run could not write its new generation (a worker process failed, a document was half written):
    nothing of the run is kept and the live index is as it was."""


class LockTimeout(KavoshIndexError):
    """Another writer held the index lock for longer than we were willing to wait."""
