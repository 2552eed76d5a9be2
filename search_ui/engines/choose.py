"""Which engine answers for an `--index` value: a folder is the embedded Whoosh index, a URL an index on
an OpenSearch cluster (`indexer.opensearch.is_cluster_url`). The commands and the page call `open_engine`
and never need to know which."""

from __future__ import annotations

import os
from typing import Any

from indexer.opensearch import is_cluster_url


def open_engine(index: str | os.PathLike[str], ranking: Any = None) -> Any:
    """A `SearchEngine` for a folder or an `OpenSearchEngine` for a URL (both: search, ranked, suggest,
    document, health)."""
    if is_cluster_url(index):
        from search_ui.engines.cluster import OpenSearchEngine

        return OpenSearchEngine(str(index), ranking=ranking)
    from search_ui.engines.folder import SearchEngine

    return SearchEngine(index, ranking=ranking)


def check_index(index: str | os.PathLike[str]) -> dict:
    """The health of a usable index, or the KavoshIndexError saying why it cannot be served (missing,
    another analyzer version, the cluster unreachable or red)."""
    if not is_cluster_url(index):
        from indexer.errors import IndexDamaged, is_bug
        from indexer.storage.generations import open_generation

        gen = open_generation(index)
        try:
            with gen.index.searcher() as searcher:
                return {"loaded": True, "documents": searcher.doc_count(), "generation": gen.name}
        except Exception as exc:  # a damaged segment: Whoosh and our codec raise many kinds; a bug passes
            if is_bug(exc):
                raise
            raise IndexDamaged(
                f"cannot read the index in {gen.path} ({exc}); rebuild it with "
                f"`kavosh index FOLDER --index {index} --rebuild`"
            ) from exc
    from indexer.opensearch.client import ClusterUnavailable

    engine = open_engine(index)
    health = engine.health()
    if not health["loaded"]:
        engine.ranked("", limit=1)  # raises the reason: unreachable, missing, another version
        raise ClusterUnavailable(f"the index {index} cannot answer: its cluster is red")
    return health
