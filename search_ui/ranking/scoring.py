"""One ranking path: every document's score, whatever shape the query has, from the compiled query tree.

The tree `search_ui.ranking.compile` builds is evaluated term-at-a-time, segment by segment. Each leaf gives
the score of every document of the segment it matches (`search_ui.ranking.bm25f`: a word or phrase by
BM25F, a prefix's words summed, a pair of query words found close together its proximity bonus), and the
inner nodes combine
those dictionaries as their meaning says: Or and And sum (And only where every part matches), AndMaybe adds
its optional part to the documents of its required part, AndNot keeps its first part's documents that the
second does not match. So a document's score is one function of the document and the query, whatever the
query's shape and however many documents match: nothing ranks the top N first and finishes only those.
Adding dictionaries is also several times faster in pure Python than merging Whoosh matchers doc by doc.
"""

from __future__ import annotations

import heapq

from whoosh import query as wq
from whoosh.query.spans import SpanNear2
from whoosh.searching import Searcher

from search_ui.ranking.bm25f import FieldsAny, FieldsTerm, PostingLists, near_scores
from search_ui.ranking.compile import Budget, Compiled


def _proximity(node: wq.Query) -> SpanNear2 | None:
    """The span of a proximity clause (`Compiler._proximity`: a constant bonus on a SpanNear2), else None."""
    if isinstance(node, wq.ConstantScoreQuery) and isinstance(node.child, SpanNear2):
        return node.child
    return None


def segment_scores(node: wq.Query, leaf: Searcher, budget: Budget, lists: PostingLists) -> dict[int, float]:
    """Segment docnum -> score of every document of `leaf`'s segment that `node` matches (`lists`: the
    query's posting lists of the segment, each read once whichever clauses need it). The dictionary may be
    one a reader remembers for its next queries (`bm25f.term_scores`): read it, never change it."""
    if isinstance(node, FieldsTerm | FieldsAny):
        return node.scores(leaf, lists)
    span = _proximity(node)
    if span is not None:
        a, b = (t.text for t in span.qs)
        return near_scores(lists, span.qs[0].fieldname, a, b, span.slop, node.score, budget)
    if isinstance(node, wq.AndMaybe):
        required = segment_scores(node.a, leaf, budget, lists)
        if not required:
            return required
        optional = segment_scores(node.b, leaf, budget, lists)
        return {d: s + optional.get(d, 0.0) for d, s in required.items()}
    if isinstance(node, wq.AndNot):
        kept = segment_scores(node.a, leaf, budget, lists)
        if not kept:
            return kept
        dropped = segment_scores(node.b, leaf, budget, lists)
        return {d: s for d, s in kept.items() if d not in dropped}
    if isinstance(node, wq.Or):  # the others added into (a copy of) the largest part
        parts = sorted((segment_scores(sub, leaf, budget, lists) for sub in node.subqueries), key=len)
        acc = dict(parts.pop()) if parts else {}
        for part in parts:
            for d, s in part.items():
                acc[d] = acc.get(d, 0.0) + s
        return acc
    if isinstance(node, wq.And):
        parts = sorted((segment_scores(sub, leaf, budget, lists) for sub in node.subqueries), key=len)
        if not parts:
            return {}
        rest = parts[1:]
        return {d: s + sum(p[d] for p in rest) for d, s in parts[0].items() if all(d in p for p in rest)}
    if isinstance(node, wq.Every):
        return dict.fromkeys(leaf.reader().all_doc_ids(), 1.0)
    if isinstance(node, type(wq.NullQuery)):
        return {}
    raise TypeError(f"no scoring for query node {node!r} (search_ui.ranking.compile produced something new)")


def rank(searcher: Searcher, compiled: Compiled, depth: int) -> tuple[list[tuple[float, int]], int]:
    """(score, global docnum) of the best `depth` documents, best first (ties in index order), and how many
    documents match. Every matching document is scored in full before any is left out."""
    kept: dict[int, float] = {}
    total = 0
    for leaf, offset in searcher.leaf_searchers():
        scores = segment_scores(compiled.query, leaf, compiled.budget, PostingLists(leaf.reader()))
        total += len(scores)
        kept.update(_best(scores, depth, offset))
    compiled.budget.check_time()
    order = sorted(kept)  # index order, then the best first: a stable sort keeps ties in index order
    order.sort(key=kept.__getitem__, reverse=True)
    return [(kept[doc], doc) for doc in order[:depth]], total


def _best(scores: dict[int, float], depth: int, offset: int) -> dict[int, float]:
    """Global docnum -> score of a segment's documents that may be among the best `depth` of the index:
    those scoring at least its own `depth`-th best (every one of them, so ties at the cut are kept)."""
    if depth < len(scores):
        floor = heapq.nlargest(depth, scores.values())[-1]
        return {d + offset: s for d, s in scores.items() if s >= floor}
    return {d + offset: s for d, s in scores.items()} if offset else scores
