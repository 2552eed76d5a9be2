"""The compiled Kavosh query -> OpenSearch's query DSL.

`search_ui.compile.Compiler` does everything that gives a query its meaning (the parser's tree, affixes
joined, stopwords dropped, prefixes expanded against the index's vocabulary and capped, unknown words noted)
and returns a small tree of clauses: `FieldsTerm`/`FieldsPhrase` leaves under Or/And/AndMaybe/AndNot,
`Every`, and the proximity bonus. This module writes that same tree in OpenSearch's DSL, node by node, so
both engines answer the same documents; only the scoring is OpenSearch's: BM25 per field, summed, where
Kavosh sums the fields' frequencies before saturation (BM25F). `field_scales` calibrates the title's boost
so that a title-only match scores as BM25F scores it (measured on qa-ir: MRR@10 within 0.02 of Whoosh).
"""

from __future__ import annotations

from whoosh import query as wq
from whoosh.query.spans import SpanNear2

from search_ui.bm25f import FieldsPhrase, FieldsTerm
from search_ui.compile import Ranking

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


class NotTranslatable(ValueError):
    """A query node this translator does not know (a bug: the Compiler produced something new)."""


def _leaf(node: FieldsTerm, scales: dict[str, float]) -> dict:
    clauses = []
    for field, w in node.weights.items():
        weight = round(w * scales.get(field, 1.0), 6)
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


def translate(node: wq.Query, scales: dict[str, float] | None = None) -> dict:
    """One compiled query (see `search_ui.compile.Compiled.query`) as an OpenSearch query object, the
    fields' weights multiplied by `scales` (see `field_scales`)."""
    scales = scales or {}
    if isinstance(node, FieldsTerm):
        return _leaf(node, scales)
    if isinstance(node, wq.AndMaybe):
        return {"bool": {"must": [translate(node.a, scales)], "should": [translate(node.b, scales)]}}
    if isinstance(node, wq.AndNot):
        return {"bool": {"must": [translate(node.a, scales)], "must_not": [translate(node.b, scales)]}}
    alternatives = getattr(node, "alternatives", None)  # a prefix's words summed in one node (FieldsAny)
    if isinstance(node, wq.Or) or isinstance(alternatives, list):
        subqueries = list(node.subqueries) if isinstance(node, wq.Or) else alternatives
        terms = _alternatives(subqueries, scales)
        if terms is not None:
            return terms
        return {"bool": {"should": [translate(s, scales) for s in subqueries], "minimum_should_match": 1}}
    if isinstance(node, wq.And):
        return {"bool": {"must": [translate(s, scales) for s in node.subqueries]}}
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
