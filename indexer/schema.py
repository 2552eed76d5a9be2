"""The Whoosh schema of a Kavosh index, and the compressed storage of each document's original text."""

from __future__ import annotations

import zlib
from collections.abc import Mapping

from whoosh.fields import ID, STORED, TEXT, Schema

from analyzers import PersianAnalyzer

# Bump when fields change: an index built with another schema version must be rebuilt.
SCHEMA_VERSION = 1


def make_schema() -> Schema:
    """Build the schema. The body is indexed but not stored: its original text lives once, compressed, in
    `content`, which keeps the index small (issue 6: within 1.5x the raw text)."""
    analyzer = PersianAnalyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        path=ID(stored=True),
        title=TEXT(analyzer=analyzer, stored=True, phrase=True),
        body=TEXT(analyzer=analyzer, stored=False, phrase=True),
        content=STORED(),
        mtime=STORED(),
        format=ID(stored=True),
    )


def encode_text(text: str) -> bytes:
    """Compress a document's original text for the `content` field."""
    return zlib.compress(text.encode("utf-8"), 6)


def decode_text(stored_fields: Mapping[str, object]) -> str:
    """Return the original body text of a document from its stored fields ('' when absent)."""
    blob = stored_fields.get("content")
    if not blob:
        return ""
    if isinstance(blob, str):  # tolerate an uncompressed value
        return blob
    return zlib.decompress(blob).decode("utf-8")
