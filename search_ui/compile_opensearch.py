"""The compiled Kavosh query -> OpenSearch's query DSL.

`search_ui.compile.Compiler` does everything that gives a query its meaning (the parser's tree, affixes
joined, stopwords dropped, prefixes expanded against the index's vocabulary and capped, unknown words noted)
and returns a small tree of clauses: `FieldsTerm`/`FieldsPhrase` leaves under Or/And/AndMaybe/AndNot,
`Every`, and the proximity bonus. This module writes that same tree in OpenSearch's DSL, node by node, so
both engines answer the same documents; only the scoring is OpenSearch's (per-field BM25 with the title
weighted above the body, instead of Kavosh's BM25F).
"""

from __future__ import annotations

from whoosh import query as wq
from whoosh.query.spans import SpanNear2

from search_ui.bm25f import FieldsPhrase, FieldsTerm

# Past this many alternatives (a prefix that expands to many words) the words become one `terms` query a
# field: OpenSearch caps a bool query's clauses (1,024 by default) and the set of documents is the same.
MAX_SCORED_ALTERNATIVES = 256
# Lucene's BM25 drops the (k1 + 1) factor Whoosh keeps, so its scores are about 1/(k1 + 1) of Whoosh's:
# the proximity bonus is scaled to keep its weight beside them.
PROXIMITY_SCALE = 1 / 2.2


class NotTranslatable(ValueError):
    """A query node this translator does not know (a bug: the Compiler produced something new)."""


def _leaf(node: FieldsTerm) -> dict:
    clauses = []
    for field, weight in node.weights.items():
        if isinstance(node, FieldsPhrase):
            clause = {"match_phrase": {field: {"query": " ".join(node.seq), "boost": weight * node.boost}}}
        else:
            clause = {"term": {field: {"value": node.text, "boost": weight * node.boost}}}
        clauses.append(clause)
    return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses}}


def _alternatives(nodes: list) -> dict | None:
    """Many single-term alternatives as one unscored `terms` query a field (None when they are not that)."""
    if len(nodes) <= MAX_SCORED_ALTERNATIVES or not all(type(n) is FieldsTerm for n in nodes):
        return None
    by_field: dict[str, tuple[float, list[str]]] = {}
    for n in nodes:
        for field, weight in n.weights.items():
            by_field.setdefault(field, (weight, []))[1].append(n.text)
    should = [{"terms": {f: terms, "boost": w}} for f, (w, terms) in by_field.items()]
    return should[0] if len(should) == 1 else {"bool": {"should": should}}


def translate(node: wq.Query) -> dict:
    """One compiled query (see `search_ui.compile.Compiled.query`) as an OpenSearch query object."""
    if isinstance(node, FieldsTerm):
        return _leaf(node)
    if isinstance(node, wq.AndMaybe):
        return {"bool": {"must": [translate(node.a)], "should": [translate(node.b)]}}
    if isinstance(node, wq.AndNot):
        return {"bool": {"must": [translate(node.a)], "must_not": [translate(node.b)]}}
    if isinstance(node, wq.Or):
        terms = _alternatives(list(node.subqueries))
        if terms is not None:
            return terms
        return {"bool": {"should": [translate(s) for s in node.subqueries], "minimum_should_match": 1}}
    if isinstance(node, wq.And):
        return {"bool": {"must": [translate(s) for s in node.subqueries]}}
    if isinstance(node, wq.Every):
        return {"match_all": {}}
    if node is wq.NullQuery or isinstance(node, type(wq.NullQuery)):
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
    return {"constant_score": {"filter": inner, "boost": score * PROXIMITY_SCALE}}
