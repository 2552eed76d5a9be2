"""What one run of `kavosh index` is given, whichever index it writes: a folder (`indexer.build.index_folder`)
or an OpenSearch cluster (`indexer.opensearch.writer.index_to_cluster`). Both writers take these options
from here, so an option, its default and what it means are written once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Protocol

from indexer.progress import Progress
from indexer.sources.loader import Skip

log = logging.getLogger("kavosh.indexer")

DEFAULT_MAX_SIZE = 50 * 1024 * 1024


class Counts(Protocol):
    """What counts skipped files: a run's summary (`indexer.build.Summary`)."""

    skipped: Any  # a collections.Counter by reason


@dataclass(frozen=True)
class RunOptions:
    """How one run goes. `rebuild` starts from scratch; files above `max_size` bytes are skipped; the writer
    lock is waited for `lock_timeout` seconds at most (None: for ever), `on_wait` told why; `procs` 0 picks
    one process for small jobs and two for large ones; `progress` is told what is read; `on_skip` is told of
    each skipped file or record (by default it is logged as a warning)."""

    rebuild: bool = False
    max_size: int = DEFAULT_MAX_SIZE
    lock_timeout: float | None = None
    procs: int = 0
    progress: Progress | None = None
    on_skip: Callable[[Skip], None] | None = None
    on_wait: Callable[[str], None] | None = None

    @classmethod
    def of(cls, options: RunOptions | None, given: dict[str, Any]) -> RunOptions:
        """`options`, or the options given one by one as keywords (`rebuild=True`; an unknown one is a
        TypeError), not both."""
        if options is not None and not isinstance(options, RunOptions):  # e.g. a `rebuild` given by position
            raise TypeError(f"options must be a RunOptions, not {options!r} (give the others as keywords)")
        if options is not None and given:
            raise TypeError(f"give RunOptions or keywords ({', '.join(given)}), not both")
        return options if options is not None else cls(**given)

    def keywords(self) -> dict[str, Any]:
        """The options as keywords (a new dict), for what passes them on one by one (`indexer.watch`)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def skipper(self, counts: Counts) -> Callable[[Skip], None]:
        """The callback a run reports a skipped file or record to: counted by reason in `counts`, then
        passed to `on_skip` (or logged)."""
        report = self.on_skip or (lambda item: log.warning("%s", item))

        def skip(item: Skip) -> None:
            counts.skipped[item.reason] += 1
            report(item)

        return skip
