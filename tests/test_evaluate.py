"""The relevance measures against values worked out by hand on a tiny run."""

from __future__ import annotations

import math

import pytest

from search_ui.commands.evaluate import (
    evaluate,
    group_of,
    ndcg,
    read_qrels,
    read_queries,
    recall,
    reciprocal_rank,
)

QRELS = {"q1": {"d1": 2}, "q2": {"d2": 1, "d3": 2}, "q3": {"d9": 1}, "q5": {"d7": 1}}
RUN = {
    "q1": ["d5", "d1", "d6"],  # relevant at rank 2
    "q2": ["d3", "d4", "d2"],  # grade 2 at rank 1, grade 1 at rank 3
    "q3": [],  # nothing found
    "q5": [f"x{i}" for i in range(10)] + ["d7"],  # relevant at rank 11: outside @10, inside @100
}
QUERIES = [
    {"_id": "q1", "text": "…", "source": "a-train"},
    {"_id": "q2", "text": "…", "source": "a-test"},
    {"_id": "q3", "text": "…", "source": "b"},
    {"_id": "q4", "text": "…", "source": "b"},  # no judgements: left out
    {"_id": "q5", "text": "…", "source": "b"},
]


def test_single_query_measures():
    assert reciprocal_rank(RUN["q1"], QRELS["q1"]) == 0.5
    # dcg = 2/log2(3); ideal = 2/log2(2)
    assert ndcg(RUN["q1"], QRELS["q1"]) == pytest.approx(2 / math.log2(3) / 2)
    # dcg = 2/1 + 1/log2(4) = 2.5; ideal = 2 + 1/log2(3)
    assert ndcg(RUN["q2"], QRELS["q2"]) == pytest.approx(2.5 / (2 + 1 / math.log2(3)))
    assert recall(RUN["q5"], QRELS["q5"], 10) == 0.0
    assert recall(RUN["q5"], QRELS["q5"], 100) == 1.0
    assert reciprocal_rank(RUN["q5"], QRELS["q5"], 10) == 0.0
    assert recall(["d3"], QRELS["q2"], 10) == 0.5


def test_averages_overall_per_group_and_per_source():
    report = evaluate(RUN, QRELS, QUERIES)
    assert report.unjudged == 1
    assert report.counts == {"all": 4, "a": 2, "a-test": 1, "a-train": 1, "b": 2}
    n1, n2 = 2 / math.log2(3) / 2, 2.5 / (2 + 1 / math.log2(3))
    assert report.rows["all"]["MRR@10"] == pytest.approx((0.5 + 1 + 0 + 0) / 4)
    assert report.rows["all"]["nDCG@10"] == pytest.approx((n1 + n2) / 4)
    assert report.rows["all"]["R@10"] == pytest.approx(2 / 4)
    assert report.rows["all"]["R@100"] == pytest.approx(3 / 4)
    assert report.rows["a"]["MRR@10"] == pytest.approx(0.75)
    assert report.rows["b"]["R@100"] == pytest.approx(0.5)
    assert next(iter(report.rows)) == "all"


def test_group_drops_only_the_split_suffix():
    assert group_of("parsinlu-rc-train") == "parsinlu-rc"
    assert group_of("persianqa-test") == "persianqa"
    assert group_of("parsinlu-rc") == "parsinlu-rc"


def test_reading_queries_counts_bad_lines(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"_id": "q1", "text": "کتاب", "source": "s"}\n'
        "not json\n"
        '{"_id": "q2"}\n'
        "[1, 2]\n"
        '{"_id": 7, "text": "قلم"}\n'
        "\n",
        encoding="utf-8",
    )
    got = read_queries(path)
    assert [q["_id"] for q in got.queries] == ["q1", "7"]
    assert len(got.bad_lines) == 3 and got.bad_lines[0].startswith("line 2")


def test_reading_qrels_with_header_and_zero_grades(tmp_path):
    path = tmp_path / "qrels.tsv"
    path.write_text("query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t0\nq2\td3\t1\n", encoding="utf-8")
    assert read_qrels(path) == {"q1": {"d1": 2}, "q2": {"d3": 1}}
    path.write_text("q1\td1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1"):
        read_qrels(path)
