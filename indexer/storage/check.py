"""Read every checksummed block of the live generation and name what is damaged (`kavosh check`).

A damaged stored-text block is otherwise found only when a document in it is read, and an incremental
`kavosh index` carries the segment holding it into every later generation. Each storage format verifies itself
(indexer.storage.termdict, indexer.storage.blockstore, through indexer.storage.codec.KavoshCodec.verify); this
module walks the segments of one generation and reports.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from indexer import errors
from indexer.storage import generations as store
from indexer.storage.codec import KavoshCodec, SegmentCheck
from indexer.storage.whoosh_private import index_segments


@dataclass
class IndexCheck:
    """The verification of one generation: each segment's SegmentCheck."""

    index_dir: str
    generation: str
    segments: list[SegmentCheck] = field(default_factory=list)

    @property
    def damaged(self) -> list[SegmentCheck]:
        return [seg for seg in self.segments if seg.damaged]

    def problem_lines(self) -> list[str]:
        """One line per damaged file: the segment, the file and what is wrong."""
        return [
            f"damaged: segment {seg.segment}, file {name}: {problem}"
            for seg in self.damaged
            for name, problem in seg.problems
        ]

    def summary(self) -> str:
        blocks = sum(seg.blocks for seg in self.segments)
        terms = sum(seg.terms for seg in self.segments)
        docs = sum(seg.documents for seg in self.segments)
        state = f"{len(self.damaged)} damaged" if self.damaged else "all verified"
        counts = (
            f"{len(self.segments)} segments, {docs:,} documents in {blocks:,} stored blocks, {terms:,} terms"
        )
        return f"{self.generation}: {counts}: {state}"


def _verify_segment(ix, segment) -> SegmentCheck:
    name = segment.segment_id()
    storage = ix.storage
    if segment.is_compound():
        compound = segment.make_filename(segment.COMPOUND_EXT)
        try:
            storage = segment.open_compound_file(storage)
        except Exception as exc:  # a damaged compound directory: Whoosh raises nearly anything
            return SegmentCheck(name, problems=[(compound, f"its table of contents is unreadable ({exc!r})")])
    codec = segment.codec()
    if not isinstance(codec, KavoshCodec):
        problem = f"written by {type(codec).__name__}, not Kavosh's codec (an index of another version?)"
        return SegmentCheck(name, problems=[(name, problem)])
    try:
        return codec.verify(storage, segment)
    finally:
        if storage is not ix.storage:
            storage.close()


def _verify(index_dir: str | os.PathLike, gen: store.Generation) -> IndexCheck:
    report = IndexCheck(str(index_dir), gen.name)
    try:
        for segment in index_segments(gen.index):
            report.segments.append(_verify_segment(gen.index, segment))
    finally:
        gen.index.close()
    return report


def verify_generation(index_dir: str | os.PathLike) -> IndexCheck:
    """Verify every segment of the live generation. Raises errors.KavoshIndexError when there is none
    (or it cannot be opened); damage inside segments is reported in the result, never raised."""
    return _verify(index_dir, store.open_generation(index_dir, check=False))


def verify_carried_over(index_dir: str | os.PathLike, rebuild: bool) -> IndexCheck | None:
    """Verify the segments an incremental `kavosh index` would carry over (the live generation's), or None
    when it will build from scratch (--rebuild, no index yet, or one of another version)."""
    if rebuild or store.current_name(index_dir) is None:
        return None
    try:
        gen = store.open_generation(index_dir, check=False)
    except errors.KavoshIndexError:
        return None  # kavosh index rebuilds it from scratch
    try:
        store.check_versions(gen.meta, str(index_dir))
    except errors.KavoshIndexError:
        gen.index.close()
        return None
    return _verify(index_dir, gen)
