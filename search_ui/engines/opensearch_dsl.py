"""The compiled Kavosh query -> OpenSearch's query DSL.

`search_ui.ranking.compile.Compiler` does everything that gives a query its meaning (the parser's tree,
affixes joined, stopwords dropped, prefixes expanded against the index's vocabulary and capped, unknown words
noted) and returns a small tree of clauses: `FieldsTerm`/`FieldsPhrase` leaves under Or/And/AndMaybe/AndNot,
`Every`, and the proximity bonus. This module writes that same tree in OpenSearch's DSL, node by node, so both
engines answer the same documents; only the scoring is OpenSearch's: BM25 per field, summed, where Kavosh sums
the fields' frequencies before saturation (BM25F). `field_scales` calibrates the title's boost so that a
title-only match scores as BM25F scores it (measured on qa-ir: MRR@10 within 0.02 of Whoosh).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Protocol

from whoosh import query as wq
from whoosh.query.spans import SpanNear2

from search_ui.ranking.bm25f import FieldsPhrase, FieldsTerm
from search_ui.ranking.compile import Ranking
from search_ui.results.filters import Filters

# Past this many alternatives (a prefix that expands to many words) the words become one `terms` query a
# field: OpenSearch caps a bool query's clauses (1,024 by default) and the set of documents is the same.
MAX_SCORED_ALTERNATIVES = 256


def field_scales(ranking: Ranking, title_k1: float) -> dict[str, float]:
    """Multipliers of the fields' weights in the DSL.

    Kavosh's BM25F scores a term once in a title of pivot length (and not in the body) as
    idf * (k1 + 1) * w / (k1 + w), w being the title's weight. OpenSearch's BM25 (which keeps the (k1 + 1)
    factor) scores the same title clause, with the title similarity's k1' (`indexer.opensearch.documents.
    title_k1`, which makes the norms agree), as boost * idf * (k1' + 1) / (1 + k1). Equal when
    boost = w * (k1 + 1)^2 / ((k1 + w)(k1' + 1)). Scaling the title by that and not by w matters: a plain
    sum of per-field scores with w = 2 counts a first line standing in for a title as much again as the
    body (qa-ir MRR@10 0.70 against 0.82)."""
    k1, w = ranking.k1, ranking.title_boost
    return {"title": (k1 + 1) ** 2 / ((k1 + w) * (title_k1 + 1)), "body": 1.0}


class _Frequencies(Protocol):
    def doc_count_all(self) -> int: ...
    def field_doc_count(self, field: str) -> int: ...
    def doc_frequency(self, field: str, term: str) -> int: ...


IdfScale = Callable[[str, Sequence[str]], float]


def _lucene_idf(n_docs: int, df: int) -> float:
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


def idf_scale(vocabulary: _Frequencies, fields: Sequence[str]) -> IdfScale:
    """The factor that turns OpenSearch's idf of a clause into Kavosh's (search_ui.ranking.bm25f.idf).

    OpenSearch gives each field its own idf: a word's document frequency in that field among the documents
    holding the field. BM25F has one idf a word, from its largest frequency over the fields (N: every
    document). A word that is common in bodies but rare in titles got a title idf up to several times its
    BM25F idf, so a title match counted far above what the folder index gives it. Multiplying a clause's
    boost by Kavosh's idf / the field's idf (of a phrase: the sums over its words, as both engines score
    a phrase) gives every clause BM25F's idf. Exact with global statistics (`dfs_query_then_fetch`)."""
    n_all = vocabulary.doc_count_all()

    def scale(field: str, words: Sequence[str]) -> float:
        n_field = vocabulary.field_doc_count(field)
        ours = theirs = 0.0
        for word in words:
            dfs = [vocabulary.doc_frequency(f, word) for f in fields]
            df = vocabulary.doc_frequency(field, word)
            if not df or not n_field:
                return 1.0  # a clause that matches nothing: its weight does not matter
            ours += _lucene_idf(n_all, max(dfs))
            theirs += _lucene_idf(n_field, df)
        return ours / theirs if theirs > 0 else 1.0

    return scale


def words(node: wq.Query) -> list[str]:
    """Every word a compiled query scores (prefix alternatives included), so their frequencies for
    `idf_scale` come in one request rather than one each."""
    if isinstance(node, FieldsTerm):
        return list(node.seq) if isinstance(node, FieldsPhrase) else [node.text]
    return [w for child in node.children() for w in words(child)]


class NotTranslatable(ValueError):
    """A query node this translator does not know (a bug: the Compiler produced something new)."""


def _leaf(node: FieldsTerm, scales: dict[str, float], idf: IdfScale | None) -> dict:
    clauses = []
    words = list(node.seq) if isinstance(node, FieldsPhrase) else [node.text]
    for field, w in node.weights.items():
        weight = round(w * scales.get(field, 1.0) * (idf(field, words) if idf else 1.0), 6)
        if isinstance(node, FieldsPhrase):
            clause = {"match_phrase": {field: {"query": " ".join(node.seq), "boost": weight * node.boost}}}
        else:
            clause = {"term": {field: {"value": node.text, "boost": weight * node.boost}}}
        clauses.append(clause)
    return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses}}


def _alternatives(nodes: list, scales: dict[str, float]) -> dict | None:
    """Many single-term alternatives as one unscored `terms` query a field (None when they are not that)."""
    if len(nodes) <= MAX_SCORED_ALTERNATIVES or not all(type(n) is FieldsTerm for n in nodes):
        return None
    by_field: dict[str, tuple[float, list[str]]] = {}
    for n in nodes:
        for field, weight in n.weights.items():
            by_field.setdefault(field, (round(weight * scales.get(field, 1.0), 6), []))[1].append(n.text)
    should = [{"terms": {f: terms, "boost": w}} for f, (w, terms) in by_field.items()]
    return should[0] if len(should) == 1 else {"bool": {"should": should}}


def translate(node: wq.Query, scales: dict[str, float] | None = None, idf: IdfScale | None = None) -> dict:
    """One compiled query (see `search_ui.ranking.compile.Compiled.query`) as an OpenSearch query object, the
    fields' weights multiplied by `scales` (see `field_scales`) and each clause's by `idf` (see
    `idf_scale`)."""
    scales = scales or {}
    if isinstance(node, FieldsTerm):
        return _leaf(node, scales, idf)
    if isinstance(node, wq.AndMaybe):
        return {
            "bool": {"must": [translate(node.a, scales, idf)], "should": [translate(node.b, scales, idf)]}
        }
    if isinstance(node, wq.AndNot):
        return {
            "bool": {"must": [translate(node.a, scales, idf)], "must_not": [translate(node.b, scales, idf)]}
        }
    alternatives = getattr(node, "alternatives", None)  # a prefix's words summed in one node (FieldsAny)
    if isinstance(node, wq.Or) or isinstance(alternatives, list):
        subqueries = list(node.subqueries) if isinstance(node, wq.Or) else alternatives
        terms = _alternatives(subqueries, scales)
        if terms is not None:
            return terms
        return {
            "bool": {"should": [translate(s, scales, idf) for s in subqueries], "minimum_should_match": 1}
        }
    if isinstance(node, wq.And):
        return {"bool": {"must": [translate(s, scales, idf) for s in node.subqueries]}}
    if isinstance(node, wq.Every):
        return {"match_all": {}}
    if isinstance(node, type(wq.NullQuery)):
        return {"match_none": {}}
    if isinstance(node, wq.ConstantScoreQuery) and isinstance(node.child, SpanNear2):
        return _near(node.child, node.score)
    raise NotTranslatable(f"no OpenSearch form for {node!r}")


def _near(span: SpanNear2, score: float) -> dict:
    """Two terms at most `slop` positions apart, either order: a constant bonus, as Kavosh's proximity clause.
    A `match_phrase` slop counts moves: in order, d positions apart costs d - 1; reversed, d + 1. So the
    reversed case sets the slop (and lets in-order pairs two positions further: only a bonus, never a
    different set of documents, since the words themselves are clauses of the same query)."""
    fields = {t.fieldname for t in span.qs}
    if len(fields) != 1 or not all(isinstance(t, wq.Term) for t in span.qs):
        raise NotTranslatable(f"no OpenSearch form for {span!r}")
    field = fields.pop()
    phrase = " ".join(t.text for t in span.qs)
    slop = span.slop - 1 if span.ordered else span.slop + 1
    inner = {"match_phrase": {field: {"query": phrase, "slop": slop}}}
    return {"constant_score": {"filter": inner, "boost": score}}


# Values listed in one facet: every folder or format of the matches, as the folder index lists them
# (under search.max_buckets, 65,535 by default).
FACET_VALUES = 10_000
_SORTS = {
    "relevance": ["_score", {"id": "asc"}],
    "newest": [{"date": "desc"}, "_score", {"id": "asc"}],  # equal dates keep their relevance order
    "oldest": [{"date": "asc"}, "_score", {"id": "asc"}],
}


def _narrowing(filters: Filters) -> dict[str, dict]:
    """Each active filter as an OpenSearch filter clause, by dimension. A folder keeps its subfolders: the
    documents' `folders` hold every folder above them (indexer.opensearch.documents.ancestors)."""
    out: dict[str, dict] = {}
    if filters.folders:
        out["folder"] = {"terms": {"folders": list(filters.folders)}}
    if filters.formats:
        out["format"] = {"terms": {"format": list(filters.formats)}}
    if filters.start is not None or filters.end is not None:
        bounds = {"gte": filters.start} if filters.start is not None else {}
        out["date"] = {"range": {"date": bounds | ({"lt": filters.end} if filters.end is not None else {})}}
    return out


def _all_of(clauses: list[dict]) -> dict:
    return {"bool": {"filter": clauses}} if clauses else {"match_all": {}}


def filtered(query: dict, filters: Filters) -> dict:
    """The parts of a search body that apply `filters` (search_ui.results.filters) to `query`: what to keep,
    in which order, and the facets, counted as `search_ui.results.filters.narrow` counts them. The date range
    narrows the query itself; folder and format are a `post_filter`, so each facet's aggregation can count the
    matches that pass every filter but its own (choices within a facet combine with OR, facets with AND)."""
    clauses = _narrowing(filters)
    if "date" in clauses:
        query = {"bool": {"must": [query], "filter": [clauses["date"]]}}
    folder, fmt = clauses.get("folder"), clauses.get("format")
    return {
        "query": query,
        "post_filter": _all_of([c for c in (folder, fmt) if c]),
        "sort": _SORTS[filters.sort],
        "aggs": {
            "folder": {
                "filter": _all_of([fmt] if fmt else []),
                "aggs": {"values": {"terms": {"field": "folder", "size": FACET_VALUES}}},
            },
            "format": {
                "filter": _all_of([folder] if folder else []),
                "aggs": {"values": {"terms": {"field": "format", "size": FACET_VALUES}}},
            },
            "kept": {
                "filter": _all_of([c for c in (folder, fmt) if c]),
                "aggs": {"min": {"min": {"field": "date"}}, "max": {"max": {"field": "date"}}},
            },
        },
    }


def facets(aggregations: dict, filters: Filters) -> dict:
    """The facets of an answer to a `filtered` search, in the folder index's form and order: values by
    count then name, a chosen value listed (with 0) even when nothing is left in it."""
    out: dict = {}
    for dimension, chosen in (("folder", filters.folders), ("format", filters.formats)):
        counts = {b["key"]: b["doc_count"] for b in aggregations[dimension]["values"]["buckets"]}
        for value in chosen:
            counts.setdefault(value, 0)
        out[dimension] = [
            {"value": k, "count": v} for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
    kept = aggregations["kept"]
    have = kept["doc_count"] > 0
    out["date"] = {
        "min": int(kept["min"]["value"]) if have else None,
        "max": int(kept["max"]["value"]) if have else None,
    }
    return out
