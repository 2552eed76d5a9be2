"""The parts of the OpenSearch backend that need no cluster: `--index` URLs, the engine factory, the DSL
written for each kind of compiled clause, and that a test cluster's JVMs die with the process that
started them."""

from __future__ import annotations

import base64
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from opensearch_cluster import require_tooling
from whoosh import query as wq
from whoosh.query.spans import SpanNear2

from indexer.errors import KavoshIndexError
from indexer.opensearch import documents, is_cluster_url
from indexer.opensearch.client import Client, parse_target
from search_ui.engines.choose import open_engine
from search_ui.engines.cluster import OpenSearchEngine
from search_ui.engines.folder import SearchEngine
from search_ui.engines.opensearch_dsl import (
    MAX_SCORED_ALTERNATIVES,
    field_scales,
    filtered,
    idf_scale,
    translate,
    words,
)
from search_ui.ranking.bm25f import FieldsPhrase, FieldsTerm, idf
from search_ui.ranking.compile import Ranking
from search_ui.results.filters import in_folder, make_filters


def test_cluster_urls_and_folders_are_told_apart():
    assert is_cluster_url("http://127.0.0.1:9200/kavosh")
    assert is_cluster_url("HTTPS://a:9200,b:9200/kavosh")
    assert not is_cluster_url("/var/lib/kavosh")
    assert not is_cluster_url("http-archive/index")
    assert isinstance(open_engine("some/folder"), SearchEngine)
    assert isinstance(open_engine("http://127.0.0.1:9200/kavosh"), OpenSearchEngine)


def test_targets_name_every_node_and_one_index():
    t = parse_target("http://h1:9200,h2:9201/news-archive")
    assert (t.scheme, t.hosts, t.name) == ("http", ("h1:9200", "h2:9201"), "news-archive")
    assert str(t) == "http://h1:9200,h2:9201/news-archive"
    with_user = parse_target("https://reader@h1:9200/k")
    assert (with_user.hosts, with_user.user, str(with_user)) == (("h1:9200",), "reader", "https://h1:9200/k")


def test_a_password_is_refused_on_the_command_line_and_read_from_the_environment(monkeypatch):
    with pytest.raises(KavoshIndexError, match="KAVOSH_OPENSEARCH_PASSWORD") as refused:
        parse_target("https://reader:s3cret@h1:9200/k")
    assert "s3cret" not in str(refused.value)
    monkeypatch.setenv("KAVOSH_OPENSEARCH_PASSWORD", "s3cret")
    client = Client(parse_target("https://reader@127.0.0.1:1/k"), retry_for=0)
    assert client._headers["authorization"] == "Basic " + base64.b64encode(b"reader:s3cret").decode()
    with pytest.raises(KavoshIndexError) as unreachable:
        client.request("GET", "/")
    assert "s3cret" not in str(unreachable.value) and "reader" not in str(unreachable.value)


@pytest.mark.parametrize(
    "url",
    ["http://h1:9200/", "http://h1:9200/Archive", "http://h1:9200/a/b", "http://h1/kavosh", "http:///kavosh"],
)
def test_bad_targets_are_refused_with_a_message(url):
    with pytest.raises(KavoshIndexError):
        parse_target(url)


def test_an_engine_on_a_bad_url_fails_each_call_not_its_construction():
    engine = OpenSearchEngine("http://h1:9200/Bad Name")
    assert engine.health() == {"loaded": False, "documents": 0, "generation": None}
    with pytest.raises(KavoshIndexError):
        engine.search("کتاب")


def test_every_compiled_clause_has_its_dsl():
    w = Ranking().bm25f()
    term, other = FieldsTerm("کتاب", **w), FieldsTerm("تاریخ", **w)
    phrase = FieldsPhrase(["زبان", "فارسی"], **w)
    scales = {"title": 0.5, "body": 1.0}
    assert translate(term, scales) == {
        "bool": {
            "should": [
                {"term": {"title": {"value": "کتاب", "boost": 1.0}}},
                {"term": {"body": {"value": "کتاب", "boost": 1.0}}},
            ]
        }
    }
    assert translate(phrase)["bool"]["should"][1] == {
        "match_phrase": {"body": {"query": "زبان فارسی", "boost": 1.0}}
    }
    title_only = FieldsTerm("کتاب", weights={"title": 2.0})
    assert translate(title_only) == {"term": {"title": {"value": "کتاب", "boost": 2.0}}}
    assert set(translate(wq.AndMaybe(term, other))["bool"]) == {"must", "should"}
    assert set(translate(wq.AndNot(term, other))["bool"]) == {"must", "must_not"}
    assert translate(wq.Or([term, other]))["bool"]["minimum_should_match"] == 1
    assert len(translate(wq.And([term, other]))["bool"]["must"]) == 2
    assert translate(wq.Every()) == {"match_all": {}}
    assert translate(wq.NullQuery) == {"match_none": {}}
    near = wq.ConstantScoreQuery(
        SpanNear2([wq.Term("body", "a"), wq.Term("body", "b")], slop=4, ordered=False), 1.5
    )
    assert translate(near) == {
        "constant_score": {"filter": {"match_phrase": {"body": {"query": "a b", "slop": 5}}}, "boost": 1.5}
    }


def test_a_wide_prefix_becomes_one_terms_query_a_field():
    alternatives = [FieldsTerm(f"واژه{i}", **Ranking().bm25f()) for i in range(MAX_SCORED_ALTERNATIVES + 1)]
    dsl = translate(wq.Or(alternatives))
    fields = {next(iter(c["terms"].keys() - {"boost"})) for c in dsl["bool"]["should"]}
    assert fields == {"title", "body"}
    assert all(
        len(c["terms"][f]) == MAX_SCORED_ALTERNATIVES + 1
        for c in dsl["bool"]["should"]
        for f in c["terms"]
        if f != "boost"
    )


def test_the_title_scale_matches_bm25f_for_a_title_of_pivot_length():
    """With k1' = k1 (a corpus whose titles average the pivot), a title-only match at the pivot scores
    idf * (k1 + 1) * w / (k1 + w) in both engines."""
    r = Ranking()
    k1, w = r.k1, r.title_boost
    boost = w * field_scales(r, k1)["title"]
    assert boost * (k1 + 1) / (1 + k1) == pytest.approx((k1 + 1) * w / (k1 + w))


class _Counts:
    """Document frequencies as a generation's vocabulary gives them (the numbers, not an engine)."""

    def __init__(self, n: int, fields: dict[str, int], df: dict[tuple[str, str], int]) -> None:
        self.n, self.fields, self.df = n, fields, df

    def doc_count_all(self) -> int:
        return self.n

    def field_doc_count(self, field: str) -> int:
        return self.fields[field]

    def doc_frequency(self, field: str, term: str) -> int:
        return self.df.get((field, term), 0)


def _lucene(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def test_every_clause_gets_the_idf_bm25f_gives_its_words():
    """OpenSearch's idf of a clause (its field's frequency among the documents holding the field) times the
    scale is Kavosh's one idf a word: for a word rare in titles and common in bodies, for a phrase (the
    sum over its words) and for a field fewer documents hold."""
    counts = _Counts(
        1000,
        {"title": 800, "body": 1000},
        {("title", "سال"): 3, ("body", "سال"): 400, ("title", "حافظ"): 20, ("body", "حافظ"): 9},
    )
    fields = ("title", "body")
    scale = idf_scale(counts, fields)
    for field in fields:
        for chosen in (["سال"], ["حافظ"], ["سال", "حافظ"]):
            theirs = sum(_lucene(counts.fields[field], counts.doc_frequency(field, w)) for w in chosen)
            assert scale(field, chosen) * theirs == pytest.approx(idf(counts, chosen, fields))
    assert scale("title", ["سال"]) < 0.5  # the title's idf was more than twice BM25F's
    assert scale("title", ["ناموجود"]) == 1.0  # a clause matching nothing keeps its weight
    # the DSL carries it: a title term's boost is the field scale times the idf scale
    dsl = translate(FieldsTerm("سال", {"title": 2.0}), {"title": 0.5}, scale)
    assert dsl["term"]["title"]["boost"] == pytest.approx(round(2.0 * 0.5 * scale("title", ["سال"]), 6))


@pytest.mark.opensearch
@pytest.mark.slow
def test_a_node_dies_with_the_process_that_started_it(tmp_path):
    """kill -9 of the Python process that started a node: the JVM notices its pipe closed and exits."""
    require_tooling()
    script = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from opensearch_cluster import LocalCluster\n"
        "c = LocalCluster(sys.argv[2], nodes=1, heap_mb=256)\n"
        "c.start()\n"
        "print(c.running()[0], flush=True)\n"
        "import time; time.sleep(600)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script, str(Path(__file__).parent), str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        jvm = int(parent.stdout.readline())
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and Path(f"/proc/{jvm}").exists():
            time.sleep(0.5)
        alive = (
            Path(f"/proc/{jvm}").exists() and "zombie" not in Path(f"/proc/{jvm}/status").read_text().lower()
        )
        if alive:
            os.kill(jvm, signal.SIGKILL)
        assert not alive, "the node outlived the process that started it"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(timeout=30)


def test_a_folder_filter_keeps_its_subfolders():
    """A document's `folders` are its folder and every folder above it, so one `terms` filter on a folder
    finds what `search_ui.results.filters.in_folder` keeps (the samples have no subfolders to show it)."""
    assert documents.ancestors("a/b/c") == ["a", "a/b", "a/b/c"]
    assert documents.ancestors("") == [""]
    for wanted in ("a", "a/b", "a/b/c", "a/bc", "b"):
        assert (wanted in documents.ancestors("a/b/c")) == in_folder("a/b/c", wanted)
    clause = filtered({"match_all": {}}, make_filters(folders=["a/b"], formats=["md"]))
    assert clause["post_filter"] == {
        "bool": {"filter": [{"terms": {"folders": ["a/b"]}}, {"terms": {"format": ["md"]}}]}
    }
    assert clause["aggs"]["folder"]["filter"] == {"bool": {"filter": [{"terms": {"format": ["md"]}}]}}


def test_the_words_of_a_compiled_query_are_fetched_together():
    node = wq.AndMaybe(
        wq.And([FieldsTerm("ایران", {"body": 1.0}), FieldsPhrase(["تخت", "جمشید"], {"title": 2.0})]),
        wq.ConstantScoreQuery(SpanNear2([wq.Term("body", "ایران"), wq.Term("body", "تخت")], slop=4), 0.5),
    )
    assert words(node) == ["ایران", "تخت", "جمشید"]
