"""An OpenSearch generation's vocabulary, read through the two calls Kavosh's query side makes of an index
reader: `doc_frequency(field, term)` and `expand_prefix(field, prefix)`.

So the one `search_ui.ranking.compile.Compiler` (prefix expansion, unknown words),
`search_ui.results.suggest.Speller` (did-you-mean) and `search_ui.results.suggest.complete` work unchanged on
a cluster. Terms come from terms aggregations on the per-document keyword fields `title_vocab`/`body_vocab`
written by `indexer.opensearch.documents`, frequencies from `filters` aggregations of term queries on
`title`/`body`; both are cached for the generation's lifetime (a generation never changes once live).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator

from indexer.opensearch.client import Client, q
from indexer.opensearch.documents import VOCAB

# search_ui.ranking.compile.PREFIX_CAP + 1: enough for a prefix, the cap tells a too-wide one
FIRST_PAGE = 2001
LAST_PAGE = 60_000  # the most terms read for one prefix (under search.max_buckets, 65,535 by default)
_REGEX_SPECIAL = set('.?+*|{}[]()"\\#@&<>~')
# A server answers for as long as a generation lives: the caches are emptied when they grow past these
# (about 30 MB of frequencies; the prefix lists hold at most FIRST_PAGE terms each but the first-letter ones).
MAX_FREQUENCIES = 300_000
MAX_PREFIXES = 2_000


def _regex_prefix(prefix: str) -> str:
    """A Lucene regular expression matching the terms that start with `prefix`."""
    return "".join("\\" + c if c in _REGEX_SPECIAL else c for c in prefix) + ".*"


class Vocabulary:
    """The terms and document frequencies of one concrete index (one generation)."""

    def __init__(self, client: Client, index: str) -> None:
        self.client = client
        self.index = index
        self._df: dict[tuple[str, str], int] = {}
        self._prefixes: dict[tuple[str, str, int], list[str]] = {}
        self._lock = threading.Lock()
        self._count: int | None = None
        self._field_counts: dict[str, int] = {}

    def prefetch(self, terms: Iterable[str]) -> dict[tuple[str, str], int]:
        """Load the document frequencies of many terms in one request (the words of one query); returns
        those it fetched."""
        keys = [(f, t) for t in dict.fromkeys(terms) for f in VOCAB if (f, t) not in self._df]
        if not keys:
            return {}
        filters = {str(i): {"term": {f: t}} for i, (f, t) in enumerate(keys)}
        body = {"size": 0, "track_total_hits": False, "aggs": {"df": {"filters": {"filters": filters}}}}
        answer = self.client.search(self.index, body, "?request_cache=true")
        buckets = answer["aggregations"]["df"]["buckets"]
        with self._lock:
            if len(self._df) > MAX_FREQUENCIES:
                self._df.clear()
            fetched = {key: buckets[str(i)]["doc_count"] for i, key in enumerate(keys)}
            self._df.update(fetched)
        return fetched

    def doc_count_all(self) -> int:
        """How many documents the index holds (the idf's N; a generation never changes, so asked once)."""
        if self._count is None:
            self._count = int(self.client.request("GET", f"/{q(self.index)}/_count")["count"])
        return self._count

    def field_doc_count(self, field: str) -> int:
        """How many documents hold at least one term in `field`: the N of Lucene's idf for that field."""
        if field not in self._field_counts:
            body = {"query": {"exists": {"field": field}}}
            self._field_counts[field] = int(
                self.client.request("POST", f"/{q(self.index)}/_count", body)["count"]
            )
        return self._field_counts[field]

    def doc_frequency(self, field: str, term: str) -> int:
        """How many documents hold `term` in `field` (0 for a field Kavosh does not index)."""
        if field not in VOCAB:
            return 0
        key = (field, term)
        known = self._df.get(key)
        return known if known is not None else self.prefetch([term]).get(key, 0)

    def _page(self, field: str, prefix: str, size: int) -> list[str]:
        key = (field, prefix, size)
        found = self._prefixes.get(key)
        if found is None:
            agg = {
                "terms": {
                    "field": VOCAB[field],
                    "include": _regex_prefix(prefix),
                    "size": size,
                    "order": {"_key": "asc"},
                }
            }
            body = {"size": 0, "track_total_hits": False, "aggs": {"t": agg}}
            answer = self.client.search(self.index, body, "?request_cache=true")
            buckets = answer["aggregations"]["t"]["buckets"]
            found = [b["key"] for b in buckets]
            with self._lock:
                if len(self._prefixes) > MAX_PREFIXES or len(self._df) > MAX_FREQUENCIES:
                    self._prefixes.clear()
                    self._df.clear()
                self._prefixes[key] = found
                for b in buckets:  # ordered by key, every shard's first `size` keys: exact counts
                    self._df[(field, b["key"])] = b["doc_count"]
        return found

    def expand_prefix(self, field: str, prefix: str) -> Iterator[bytes]:
        """The indexed terms of `field` starting with `prefix`, in sorted order, as UTF-8 (as Whoosh's)."""
        if field not in VOCAB:
            return
        first = self._page(field, prefix, FIRST_PAGE)
        yield from (t.encode("utf-8") for t in first)
        if len(first) == FIRST_PAGE:
            yield from (t.encode("utf-8") for t in self._page(field, prefix, LAST_PAGE)[FIRST_PAGE:])
