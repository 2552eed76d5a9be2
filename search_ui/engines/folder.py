"""The search engine behind `kavosh search`, `kavosh evaluate` and the page: ranked, highlighted answers.

Thread-safe: each thread keeps its own Whoosh searcher (Whoosh readers are not meant to be shared), and
every call works on one generation. A call first reads `CURRENT` (one small file read); when it names a
new generation the index is reopened, so a response never mixes two generations. A new generation that
cannot be opened is logged and the last good one keeps answering.

Every query runs on a `Budget` (search_ui.ranking.compile): refused up front when it would read too much,
stopped by its deadline while it runs.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from whoosh.index import Index
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

from indexer.sources.pages import page_of
from indexer.storage.generations import (
    IndexDamaged,
    IndexMissing,
    KavoshIndexError,
    current_name,
    is_bug,
    open_generation,
)
from indexer.storage.schema import decode_text
from search_ui.query.analysis import analyze_query
from search_ui.query.parse import parse
from search_ui.ranking import bm25f, scoring
from search_ui.ranking.compile import (
    BadRequest,
    Budget,
    Compiled,
    Compiler,
    Limits,
    QueryRefused,
    QueryTooExpensive,
    Ranking,
)
from search_ui.results import snippets
from search_ui.results.filters import Filters, narrow
from search_ui.results.suggest import Speller, complete

__all__ = ["BadRequest", "Limits", "QueryRefused", "QueryTooExpensive", "Ranking", "SearchEngine"]

log = logging.getLogger("kavosh.search")

MAX_LIMIT = 100
MAX_SPELLED = 5  # unknown words a query gets did-you-mean for (each costs a scan of similar terms)
RETRY_BAD_SECONDS = 30.0  # how long a generation that failed to open is left alone before another try
EVERY_ID_AFTER = 50  # every id is read at once when ids have been asked for a 50th of the documents


def every_id(searcher: Searcher) -> dict[int, str]:
    """Global docnum -> id of the documents of every segment, from the `id` field's terms: the term of a
    document is held by that document alone (its term info's first docnum). An id held by more than one
    document of a segment (one of them deleted) is left out; its documents' ids come from stored fields."""
    ids: dict[int, str] = {}
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        to_text = reader.schema["id"].from_bytes
        for term, info in reader.iter_field("id"):
            if info.doc_frequency() == 1:
                ids[info.min_id() + offset] = to_text(term)
    return ids


def check_paging(page: int, limit: int) -> None:
    """Refuse a page below 1 or a limit outside 1..MAX_LIMIT (BadRequest, a ValueError), for every engine."""
    if not isinstance(page, int) or page < 1:
        raise BadRequest("bad-page", "page must be an integer >= 1")
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise BadRequest("bad-limit", f"limit must be an integer from 1 to {MAX_LIMIT}")


@dataclass
class _Generation:
    name: str
    index: Index
    documents: int
    speller: Speller
    local: threading.local = field(default_factory=threading.local)
    ids: dict[int, str] = field(default_factory=dict)
    every_id: bool = False  # whether `ids` holds every document's id (read from the term dictionary)

    def doc_id(self, searcher: Searcher, docnum: int) -> str:
        """A document's id, cached: the batch path must not unpickle stored text for every hit. Once a
        50th of the documents have been asked for, every id is read at once from the `id` field's term
        dictionary, about ten times cheaper a document than its stored fields (which hold its whole text),
        so a batch soon reads them all that way and a single query never does."""
        doc = self.ids.get(docnum)
        if doc is None:
            if not self.every_id and len(self.ids) * EVERY_ID_AFTER >= self.documents:
                self.ids.update(every_id(searcher))
                self.every_id = True
                doc = self.ids.get(docnum)
            if doc is None:
                doc = self.ids[docnum] = searcher.stored_fields(docnum).get("id")
        return doc

    def searcher(self, weighting) -> Searcher:
        s = getattr(self.local, "searcher", None)
        if s is None:
            s = self.index.searcher(weighting=weighting)
            self.local.searcher = s
        return s


def answer(
    query: str,
    total: int,
    began: float,
    suggestions: list[str],
    hits: list[dict],
    page: int,
    limit: int,
    compiled: Compiled,
    filters: Filters | None,
    facets: dict | None,
) -> dict:
    """The answer of `search()`, the JSON of `search --json` and `/api/search`, whichever engine found the
    hits: one definition of its keys (`began` is the `time.perf_counter()` the query started at)."""
    result = {
        "query": query,
        "total": total,
        "took_ms": round((time.perf_counter() - began) * 1000, 2),
        "suggestions": suggestions,
        "hits": hits,
        "page": page,
        "limit": limit,
        "notices": compiled.notices,
    }
    if filters is not None:
        empty = {"folder": [], "format": [], "date": {"min": None, "max": None}}
        result.update(filters=filters.as_dict(), facets=facets or empty)
    return result


class SearchEngine:
    """Search one Kavosh index folder. Construction never fails; a missing or damaged index fails each call
    with an `indexer.errors.KavoshIndexError` (except `health`, which reports it); a bad page or limit is a
    `BadRequest`, a refused query a `QueryRefused`; anything else is a bug and propagates as it is."""

    def __init__(
        self, index_dir: str | Path, ranking: Ranking | None = None, limits: Limits | None = None
    ) -> None:
        self.index_dir = Path(index_dir)
        self.ranking = ranking or Ranking()
        self.limits = limits or Limits()
        r = self.ranking
        # Every score is search_ui.ranking.scoring's (BM25F from search_ui.ranking.bm25f); a Whoosh searcher
        # needs a weighting all the same, and this one scores nothing Kavosh ranks.
        self.weighting = BM25F(B=r.b, K1=r.k1)
        self._lock = threading.Lock()
        self._gen: _Generation | None = None
        self._bad: tuple[str | None, float] = (None, 0.0)  # a generation that failed to open, and when

    # --- generations ------------------------------------------------------------------------------

    def _generation(self) -> _Generation:
        """The live generation, reopened when CURRENT has moved on. When the new one cannot be opened, the
        last good one keeps answering (the failure is logged, and retried after RETRY_BAD_SECONDS)."""
        name = current_name(self.index_dir)
        gen = self._gen
        if gen is not None and (gen.name == name or self._known_bad(name)):
            return gen
        with self._lock:
            gen = self._gen
            name = current_name(self.index_dir)
            if gen is not None and (gen.name == name or self._known_bad(name)):
                return gen
            try:
                self._gen = self._open()
            except KavoshIndexError as err:
                if gen is None:
                    raise
                log.error("%s; still serving generation %s of %s", err, gen.name, self.index_dir)
                self._bad = (name, time.monotonic())
                return gen
            return self._gen

    def _known_bad(self, name: str | None) -> bool:
        bad, when = self._bad
        return name == bad and time.monotonic() - when < RETRY_BAD_SECONDS

    def _open(self) -> _Generation:
        """Open the generation CURRENT names and compute its length norms (KavoshIndexError: unusable; a
        bug in Kavosh is not caught here, so it is never reported as a damaged index)."""
        opened = open_generation(self.index_dir)
        analyze_query("کاوش")  # load the analyzer's lexicon now, not inside the first query's time
        try:
            with opened.index.searcher() as searcher:
                count = searcher.doc_count()
                for leaf, _ in searcher.leaf_searchers():  # length norms now, not in the first query
                    bm25f.warm(leaf.reader(), searcher, **self.ranking.bm25f())
        except KavoshIndexError:
            raise
        except Exception as exc:  # a damaged segment file: Whoosh and our codec raise many kinds
            if is_bug(exc):
                raise
            raise IndexDamaged(
                f"cannot read the index in {opened.path} ({exc}); rebuild it with "
                f"`kavosh index FOLDER --index {self.index_dir} --rebuild`"
            ) from exc
        return _Generation(opened.name, opened.index, count, Speller())

    # --- the contract -----------------------------------------------------------------------------

    def health(self) -> dict:
        """Whether an index is loaded, how many documents it holds and which generation is live."""
        try:
            gen = self._generation()
        except IndexDamaged:
            return {"loaded": False, "documents": 0, "generation": current_name(self.index_dir)}
        except IndexMissing:
            return {"loaded": False, "documents": 0, "generation": None}
        except KavoshIndexError:  # another version: not loaded, say so without raising (a bug raises)
            return {"loaded": False, "documents": 0, "generation": current_name(self.index_dir)}
        return {"loaded": True, "documents": gen.documents, "generation": gen.name}

    def search(self, query: str, page: int = 1, limit: int = 10, filters: Filters | None = None) -> dict:
        """One page of ranked hits with snippets, the total, the time taken, notices and suggestions.

        With `filters` (search_ui.results.filters) the matches are narrowed and sorted and the answer adds
        "filters" and "facets"; that needs every match ranked, not only the first pages."""
        check_paging(page, limit)
        gen = self._generation()
        searcher = gen.searcher(self.weighting)
        began = time.perf_counter()  # query time: opening the index and loading the lexicon are not counted
        compiled = self._compile(gen, searcher, query)
        hits: list[dict] = []
        total = 0
        facets = None
        if compiled.query is not None:
            if filters is None:
                ranked, total = scoring.rank(searcher, compiled, page * limit)
            else:
                everything, _ = scoring.rank(searcher, compiled, max(1, searcher.doc_count_all()))
                narrowed = narrow(searcher.reader(), everything, filters)
                ranked, total, facets = narrowed.ranked, narrowed.total, narrowed.facets
            for score, docnum in ranked[(page - 1) * limit : page * limit]:
                hits.append(self._hit(searcher.stored_fields(docnum), score, compiled))
        suggestions = self._spell(gen, searcher, query, compiled) if compiled.unknown else []
        return answer(query, total, began, suggestions, hits, page, limit, compiled, filters, facets)

    def ranked(self, query: str, limit: int = 100) -> list[tuple[str, float]]:
        """(id, score) of the top `limit` documents, no snippets or counts: the batch and evaluation path."""
        gen = self._generation()
        searcher = gen.searcher(self.weighting)
        compiled = self._compile(gen, searcher, query)
        if compiled.query is None:
            return []
        ranked, _ = scoring.rank(searcher, compiled, limit)
        return [(gen.doc_id(searcher, docnum), score) for score, docnum in ranked[:limit]]

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Completions of the last word of `prefix`, most frequent first (an empty list when none)."""
        gen = self._generation()
        return complete(gen.searcher(self.weighting).reader(), prefix, limit)

    def document(self, doc_id: str, query: str = "") -> dict | None:
        """One document with its whole text, and that text as HTML with every match of `query` marked."""
        gen = self._generation()
        searcher = gen.searcher(self.weighting)
        fields = searcher.document(id=doc_id)
        if fields is None:
            return None
        text = decode_text(fields)
        compiled = self._compile(gen, searcher, query) if query.strip() else None
        terms = compiled.terms if compiled else set()
        sequences = compiled.sequences if compiled else set()
        return {
            "id": fields.get("id"),
            "path": fields.get("path", ""),
            "title": fields.get("title", ""),
            "format": fields.get("format", ""),
            "mtime": fields.get("mtime"),
            "folder": fields.get("folder", ""),
            "date": fields.get("date", fields.get("mtime")),
            "text": text,
            "html": snippets.highlight_all(text, terms, sequences),
            "pages": fields.get("pages"),  # where each page starts in `text` (paged documents), else None
        }

    # --- helpers ----------------------------------------------------------------------------------

    def _compile(self, gen: _Generation, searcher: Searcher, query: str) -> Compiled:
        """The query compiled on a fresh budget (its deadline starts now), with the generation's speller."""
        budget = Budget(self.limits)
        return Compiler(searcher.reader(), self.ranking, budget, gen.speller).compile(parse(query))

    @staticmethod
    def _spell(gen: _Generation, searcher: Searcher, query: str, compiled: Compiled) -> list[str]:
        """Did-you-mean for the first MAX_SPELLED unknown words, within the query's deadline."""
        compiled.budget.check_time()
        if len(compiled.unknown) > MAX_SPELLED:
            compiled = replace(compiled, unknown=compiled.unknown[:MAX_SPELLED])
        return gen.speller.suggest(searcher.reader(), query, compiled)

    @staticmethod
    def _hit(fields: dict, score: float, compiled: Compiled) -> dict:
        text = decode_text(fields)
        hit = {
            "id": fields.get("id"),
            "path": fields.get("path", ""),
            "title": fields.get("title", ""),
            "score": round(float(score), 4),
            "snippet": snippets.snippet(text, compiled.terms, compiled.sequences),
            "folder": fields.get("folder", ""),
            "date": fields.get("date", fields.get("mtime")),
            "format": fields.get("format", ""),
        }
        if fields.get("pages"):  # a paged document (PDF): the page of its first match
            marks = snippets.find_marks(text, compiled.terms, compiled.sequences, max_marks=1)
            hit["doc_page"] = page_of(fields["pages"], marks[0][0] if marks else 0)
        return hit
