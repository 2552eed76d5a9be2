"""The search engine on an OpenSearch cluster: the same public methods and answers as
`search_ui.engines.folder.SearchEngine`, so `kavosh search`, `evaluate`, `serve` and the page work unchanged.

The query goes through the same parser and `Compiler` (against the generation's vocabulary, see
`search_ui.engines.vocabulary`), then `search_ui.engines.opensearch_dsl` writes it in OpenSearch's DSL.
Snippets, highlights, did-you-mean and completions are Kavosh's own code over `_source` and the vocabulary,
so the JSON is the same whichever engine answers. Each call resolves the alias once and sends every request
of that call to the one concrete index it names: an answer never mixes two generations.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from analyzers import ANALYZER_VERSION
from indexer.errors import IndexMissing, IndexVersionMismatch, KavoshIndexError
from indexer.opensearch.client import Client, ClusterUnavailable, parse_target, q
from indexer.opensearch.documents import FIELDS, MAPPING_VERSION
from indexer.opensearch.store import check_health, live_generation
from indexer.sources.pages import page_of
from indexer.storage.schema import folder_of
from search_ui.engines.folder import answer as search_answer
from search_ui.engines.folder import check_paging
from search_ui.engines.opensearch_dsl import facets, field_scales, filtered, idf_scale, translate, words
from search_ui.engines.vocabulary import Vocabulary
from search_ui.query.analysis import analyze_parsed, analyze_query
from search_ui.query.parse import ParsedQuery, parse
from search_ui.ranking.compile import BadRequest, Compiled, Compiler, QueryRefused, Ranking
from search_ui.results import snippets
from search_ui.results.filters import Filters
from search_ui.results.suggest import Speller, complete

__all__ = ["BadRequest", "OpenSearchEngine", "QueryRefused"]

# Seconds a call keeps retrying when no node answers (a node restarting, a cluster electing a manager)
# before it fails with 503 / exit 2; a dead node among live ones costs one refused connection, not this.
SEARCH_RETRY_FOR = 5.0
GENERATIONS_KEPT = 4  # per-generation caches kept (the live one and the few before it)
_SOURCE = ["id", "path", "title_text", "content", "format", "mtime", "date", "pages"]


@dataclass
class _Generation:
    name: str
    vocabulary: Vocabulary
    scales: dict[str, float]
    speller: Speller = field(default_factory=Speller)


class OpenSearchEngine:
    """Search the Kavosh index named by an `--index http://HOST:PORT[,HOST:PORT]/NAME` URL. Thread-safe.
    Construction never contacts the cluster; every call raises a `KavoshIndexError` (a message fit for a
    user: exit 2 on the command line, 503 on the page) when the cluster or the index cannot answer, and
    the folder engine's `BadRequest` / `QueryRefused` (400, exit 2) for bad paging or a refused query."""

    def __init__(self, url: str, ranking: Ranking | None = None) -> None:
        self.index_dir = url  # what the page and the commands print as "the index"
        self.ranking = ranking or Ranking()
        try:
            self.target = parse_target(url)
        except KavoshIndexError as exc:  # a malformed URL fails every call, like a missing index
            self._bad_url: KavoshIndexError | None = exc
            return
        self._bad_url = None
        self.client = Client(self.target, timeout=30.0, retry_for=SEARCH_RETRY_FOR)
        self._lock = threading.Lock()
        self._generations: dict[str, _Generation] = {}

    # --- generations --------------------------------------------------------------------------------

    def _generation(self) -> _Generation:
        """The generation the alias names now (its caches kept while it is live)."""
        if self._bad_url is not None:
            raise self._bad_url
        name = live_generation(self.client, self.target.name)
        if name is None:
            raise IndexMissing(
                f"there is no Kavosh index {self.target.name} on {','.join(self.target.hosts)}: "
                "build it with "
                f"`kavosh index FOLDER --index {self.target}`"
            )
        gen = self._generations.get(name)
        if gen is not None:
            return gen
        mapping = self.client.request("GET", f"/{q(name)}/_mapping")
        meta = mapping.get(name, {}).get("mappings", {}).get("_meta", {}).get("kavosh", {})
        if meta.get("analyzer_version") != ANALYZER_VERSION:
            raise IndexVersionMismatch(
                f"the index {name} was built by analyzer version {meta.get('analyzer_version')} "
                f"(this Kavosh has {ANALYZER_VERSION}); rebuild it with "
                f"`kavosh index FOLDER --index {self.target} --rebuild`"
            )
        if meta.get("mapping_version") != MAPPING_VERSION:
            raise IndexVersionMismatch(
                f"the index {name} was written with mapping version {meta.get('mapping_version')} "
                f"(this Kavosh writes {MAPPING_VERSION}); rebuild it with "
                f"`kavosh index FOLDER --index {self.target}`"
            )
        settings = self.client.request("GET", f"/{q(name)}/_settings/index.similarity.kavosh_title.k1")
        similarity = settings.get(name, {}).get("settings", {}).get("index", {}).get("similarity", {})
        title_k1 = float(similarity.get("kavosh_title", {}).get("k1", self.ranking.k1))
        scales = field_scales(self.ranking, title_k1)
        analyze_query("کاوش")  # load the analyzer's lexicon now, not inside the first query's time
        with self._lock:
            gen = self._generations.setdefault(name, _Generation(name, Vocabulary(self.client, name), scales))
            while len(self._generations) > GENERATIONS_KEPT:
                self._generations.pop(next(iter(self._generations)))
        return gen

    def _compile(self, gen: _Generation, query: str) -> Compiled:
        parsed = analyze_parsed(parse(query))
        gen.vocabulary.prefetch(_query_terms(parsed))
        return Compiler(gen.vocabulary, self.ranking, speller=gen.speller).compile(parsed)

    @contextmanager
    def _explained(self, gen: _Generation) -> Iterator[None]:
        """A request that found no shard to answer: say the index is red when it is, rather than that the
        cluster did not answer."""
        try:
            yield
        except ClusterUnavailable:
            check_health(self.client, gen.name)
            raise

    def _dsl(self, gen: _Generation, compiled: Compiled) -> dict:
        """The compiled query in OpenSearch's DSL, every clause weighted to Kavosh's idf."""
        gen.vocabulary.prefetch(words(compiled.query))
        return translate(compiled.query, gen.scales, idf_scale(gen.vocabulary, FIELDS))

    def _search(self, gen: _Generation, body: dict) -> dict:
        """Scored with the whole index's statistics (`dfs_query_then_fetch`), not each shard's: with the
        default, a word's idf is its shard's, so a document's score depends on where it was routed (qa-ir,
        3 shards: MRR@10 see DESIGN.md "The engine seam")."""
        return self.client.search(gen.name, body, "?search_type=dfs_query_then_fetch")

    # --- the contract -------------------------------------------------------------------------------

    def health(self) -> dict:
        """Whether the index can answer (its cluster reachable and not red), its documents and generation."""
        try:
            gen = self._generation()
            check_health(self.client, gen.name)
            count = self.client.request("GET", f"/{q(gen.name)}/_count")["count"]
        except KavoshIndexError:
            return {"loaded": False, "documents": 0, "generation": None}
        return {"loaded": True, "documents": count, "generation": gen.name}

    def search(self, query: str, page: int = 1, limit: int = 10, filters: Filters | None = None) -> dict:
        """One page of ranked hits with snippets, the total, the time taken, notices and suggestions.

        With `filters` (search_ui.results.filters) the matches are narrowed and sorted by the cluster and the
        answer adds "filters" and "facets", the same as the folder index's (`search_ui.engines.opensearch_dsl.
        filtered`)."""
        check_paging(page, limit)
        gen = self._generation()
        with self._explained(gen):
            return self._page(gen, query, page, limit, filters)

    def _page(self, gen: _Generation, query: str, page: int, limit: int, filters: Filters | None) -> dict:
        began = time.perf_counter()
        compiled = self._compile(gen, query)
        hits: list[dict] = []
        total = 0
        found_facets = None
        if compiled.query is not None:
            body = {
                "query": self._dsl(gen, compiled),
                "from": (page - 1) * limit,
                "size": limit,
                "track_total_hits": True,
                "sort": ["_score", {"id": "asc"}],
                "track_scores": True,
                "_source": _SOURCE,
            }
            if filters is not None:
                body.update(filtered(body["query"], filters))
            answer = self._search(gen, body)
            total = answer["hits"]["total"]["value"]
            if filters is not None:
                found_facets = facets(answer["aggregations"], filters)
            for h in answer["hits"]["hits"]:
                src = h.get("_source", {})
                text = src.get("content", "")
                hits.append(
                    {
                        "id": src.get("id", h["_id"]),
                        "path": src.get("path", ""),
                        "title": src.get("title_text", ""),
                        "score": round(float(h.get("_score") or 0.0), 4),
                        "snippet": snippets.snippet(text, compiled.terms, compiled.sequences),
                        "folder": folder_of(src.get("path", "")),
                        "date": src.get("date", src.get("mtime")),
                        "format": src.get("format", ""),
                    }
                )
                if src.get("pages"):  # a paged document (PDF): the page of its first match
                    marks = snippets.find_marks(text, compiled.terms, compiled.sequences, max_marks=1)
                    hits[-1]["doc_page"] = page_of(src["pages"], marks[0][0] if marks else 0)
        suggestions = gen.speller.suggest(gen.vocabulary, query, compiled) if compiled.unknown else []
        return search_answer(
            query, total, began, suggestions, hits, page, limit, compiled, filters, found_facets
        )

    def ranked(self, query: str, limit: int = 100) -> list[tuple[str, float]]:
        """(id, score) of the top `limit` documents, no snippets or counts: the batch and evaluation path."""
        gen = self._generation()
        with self._explained(gen):
            return self._ranked(gen, query, limit)

    def _ranked(self, gen: _Generation, query: str, limit: int) -> list[tuple[str, float]]:
        compiled = self._compile(gen, query)
        if compiled.query is None:
            return []
        body = {
            "query": self._dsl(gen, compiled),
            "size": limit,
            "track_total_hits": False,
            "sort": ["_score", {"id": "asc"}],
            "track_scores": True,
            "_source": False,
        }
        answer = self._search(gen, body)
        return [(h["_id"], float(h.get("_score") or 0.0)) for h in answer["hits"]["hits"]]

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Completions of the last word of `prefix`, most frequent first (an empty list when none)."""
        gen = self._generation()
        with self._explained(gen):
            return complete(gen.vocabulary, prefix, limit)

    def document(self, doc_id: str, query: str = "") -> dict | None:
        """One document with its whole text, and that text as HTML with every match of `query` marked."""
        gen = self._generation()
        with self._explained(gen):
            answer = self.client.request("GET", f"/{q(gen.name)}/_doc/{q(doc_id)}", ok=(404,))
            if not answer.get("found"):
                return None
            compiled = self._compile(gen, query) if query.strip() else None
        src = answer["_source"]
        text = src.get("content", "")
        return {
            "id": src.get("id", doc_id),
            "path": src.get("path", ""),
            "title": src.get("title_text", ""),
            "format": src.get("format", ""),
            "mtime": src.get("mtime"),
            "folder": folder_of(src.get("path", "")),
            "date": src.get("date", src.get("mtime")),
            "pages": src.get("pages"),
            "text": text,
            "html": snippets.highlight_all(
                text, compiled.terms if compiled else set(), compiled.sequences if compiled else set()
            ),
        }


def _query_terms(parsed: ParsedQuery) -> list[str]:
    """The analysed terms of every word and phrase of a query: their frequencies in one request."""
    out: list[str] = []
    for _, atom in parsed.atoms():
        out.extend(t.term for t in atom.tokens or ())
    return out
