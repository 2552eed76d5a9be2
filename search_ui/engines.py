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
        from search_ui.opensearch_engine import OpenSearchEngine

        return OpenSearchEngine(str(index), ranking=ranking)
    from search_ui.engine import SearchEngine

    return SearchEngine(index, ranking=ranking)
