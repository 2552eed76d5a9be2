"""Standard IR measures over a run: MRR@10, nDCG@10, Recall@10 and Recall@100, overall and per source.

Queries files are JSON lines `{"_id", "text", "source"?}`; qrels are TSV `query-id, doc-id, grade` (a header
line is allowed; grade > 0 means relevant). nDCG uses linear gain (as trec_eval does). A query without any
relevant document in the qrels is left out of the averages (and counted).
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

METRICS = ("MRR@10", "nDCG@10", "R@10", "R@100")
_SPLIT_SUFFIX = re.compile(r"-(train|dev|eval|test)$")


@dataclass
class QueryFile:
    """Queries read from a JSON-lines file, with the lines that could not be used counted."""

    queries: list[dict] = field(default_factory=list)
    bad_lines: list[str] = field(default_factory=list)


def read_queries(path: str | Path) -> QueryFile:
    """Each good line becomes {"_id", "text", "source"}; bad lines are described, never raised."""
    out = QueryFile()
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as exc:
                out.bad_lines.append(f"line {lineno}: invalid JSON ({exc})")
                continue
            if not isinstance(rec, dict):
                out.bad_lines.append(f"line {lineno}: not a JSON object")
                continue
            qid = rec.get("_id", rec.get("id"))
            text = rec.get("text", rec.get("query"))
            if not isinstance(qid, str | int) or isinstance(qid, bool) or not isinstance(text, str):
                out.bad_lines.append(f"line {lineno}: needs a string or number `_id` and a string `text`")
                continue
            out.queries.append({"_id": str(qid), "text": text, "source": str(rec.get("source") or "")})
    return out


def read_qrels(path: str | Path) -> dict[str, dict[str, int]]:
    """query id -> {doc id: grade} for grades > 0. Raises ValueError naming the first bad line."""
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    with open(path, encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, 1):
            parts = line.rstrip("\n").split("\t")
            if not line.strip():
                continue
            if len(parts) == 4:  # TREC layout: qid, iteration, docid, grade
                parts = [parts[0], parts[2], parts[3]]
            if len(parts) != 3:
                raise ValueError(f"{path}, line {lineno}: expected query-id<TAB>doc-id<TAB>grade")
            try:
                grade = int(float(parts[2]))
            except ValueError:
                if lineno == 1:
                    continue  # a header line
                raise ValueError(f"{path}, line {lineno}: the grade {parts[2]!r} is not a number") from None
            if grade > 0:
                qrels[parts[0]][parts[1]] = grade
    return dict(qrels)


def reciprocal_rank(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    for i, doc in enumerate(ranked[:k]):
        if doc in relevant:
            return 1.0 / (i + 1)
    return 0.0


def ndcg(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    dcg = sum(relevant.get(doc, 0) / math.log2(i + 2) for i, doc in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & relevant.keys()) / len(relevant)


def query_scores(ranked: Sequence[str], relevant: Mapping[str, int]) -> dict[str, float]:
    return {
        "MRR@10": reciprocal_rank(ranked, relevant, 10),
        "nDCG@10": ndcg(ranked, relevant, 10),
        "R@10": recall(ranked, relevant, 10),
        "R@100": recall(ranked, relevant, 100),
    }


def group_of(source: str) -> str:
    """A source without its split suffix: parsinlu-rc-train -> parsinlu-rc."""
    return _SPLIT_SUFFIX.sub("", source)


@dataclass
class Report:
    """Mean scores per row label ("all", each group, each source) and the number of queries in each."""

    rows: dict[str, dict[str, float]]
    counts: dict[str, int]
    unjudged: int  # queries left out: no relevant document in the qrels

    def table(self) -> list[list[str]]:
        out = []
        for label, scores in self.rows.items():
            out.append([label, str(self.counts[label]), *(f"{scores[m]:.4f}" for m in METRICS)])
        return out


def evaluate(
    run: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, int]], queries: Iterable[dict]
) -> Report:
    """Average the measures overall, per group (source minus -train/-dev/-eval/-test) and per source."""
    sums: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(METRICS, 0.0))
    counts: dict[str, int] = defaultdict(int)
    unjudged = 0
    for q in queries:
        relevant = qrels.get(q["_id"])
        if not relevant:
            unjudged += 1
            continue
        scores = query_scores(run.get(q["_id"], []), relevant)
        source = q.get("source") or ""
        labels = ["all"]
        if source:
            group = group_of(source)
            labels += [group] if group == source else [group, source]
        for label in labels:
            counts[label] += 1
            for m in METRICS:
                sums[label][m] += scores[m]
    order = ["all", *sorted(k for k in counts if k != "all")]
    rows = {k: {m: sums[k][m] / counts[k] for m in METRICS} for k in order if counts[k]}
    return Report(rows=rows, counts={k: counts[k] for k in rows}, unjudged=unjudged)
