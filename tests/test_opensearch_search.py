"""The same Kavosh on a real 3-node OpenSearch cluster: every query form finds the same documents as the
embedded Whoosh index on `samples/`, with the same snippets, notices and did-you-mean; qa-ir ranks within
0.02 MRR@10 of Whoosh when ../shared is present."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from opensearch_cluster import sample_documents

from indexer.build import index_folder
from indexer.opensearch import documents
from indexer.opensearch.writer import index_to_cluster
from search_ui import create_app
from search_ui.commands.batch import run_batch
from search_ui.commands.evaluate import evaluate, read_qrels, read_queries
from search_ui.commands.main import cli
from search_ui.engines.choose import open_engine
from search_ui.engines.cluster import OpenSearchEngine
from search_ui.engines.folder import SearchEngine
from search_ui.ranking.compile import QueryRefused, Ranking
from search_ui.results.filters import Filters, make_filters

pytestmark = [pytest.mark.opensearch, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
QA = ROOT.parent / "shared" / "data" / "qa-ir"
DATED_FROM = 1_700_000_000  # the first of the sample files' times in the equivalence tests (November 2023)

# Every form of the query language, each matching something in samples/ (but the -only query, which
# matches everything but one word, and the unknown word, which no document holds: it is read again as its
# nearest term and gets a suggestion).
QUERIES = [
    "ایران",
    "شعر حافظ",
    "ايران",  # Arabic ي
    "«زبان فارسی»",
    '"تخت جمشید"',
    "“زبان فارسی”",
    "+ایران تاریخ",
    "ایران AND تاریخ",
    "کتاب -ایران",
    "کتاب NOT ایران",
    "فوتبال OR والیبال",
    "ایران -(تاریخ OR کتاب)",
    "title:تاریخ",
    "عنوان:«تخت جمشید»",
    "title:چای OR body:فوتبال",
    "هخامن*",
    "کتاب*",
    "می خوانند",
    "روزنامه ها",
    "امیرکبیر",
    "python",
    "در از به",
    "-ایران",
    "ایرن",
]


@pytest.fixture(scope="module")
def engines(opensearch_cluster, tmp_path_factory) -> tuple[SearchEngine, OpenSearchEngine]:
    root = tmp_path_factory.mktemp("both")
    folder = root / "samples"
    shutil.copytree(SAMPLES, folder)
    # a checkout gives every file the same time: spread them over seven months (ties kept) so that date
    # ranges and sort by date mean something
    for i, path in enumerate(sorted(p for p in folder.rglob("*") if p.is_file())):
        stamp = DATED_FROM + (i % 7) * 30 * 86400
        os.utime(path, (stamp, stamp))
    index_folder(folder, root / "index", rebuild=True)
    url = opensearch_cluster.index_url("samples")
    summary = index_to_cluster(folder, url, rebuild=True, shards=3, replicas=1)
    assert summary.documents == SearchEngine(root / "index").health()["documents"]
    return SearchEngine(root / "index"), OpenSearchEngine(url)


def _answer(result: dict) -> dict:
    """A search answer without what legitimately differs between engines (time, scores, order of ties)."""
    return {
        "total": result["total"],
        "ids": sorted(h["id"] for h in result["hits"]),
        "snippets": {h["id"]: h["snippet"] for h in result["hits"]},
        "titles": {h["id"]: h["title"] for h in result["hits"]},
        "paths": {h["id"]: h["path"] for h in result["hits"]},
        "suggestions": result["suggestions"],
        "notices": result["notices"],
    }


@pytest.mark.parametrize("query", QUERIES)
def test_every_query_form_finds_the_same_documents(engines, query):
    whoosh, opensearch = engines
    expected = _answer(whoosh.search(query, limit=100))
    got = _answer(opensearch.search(query, limit=100))
    assert got == expected
    assert got["total"] > 0
    if query == "ایرن":  # no document holds it: read again as its nearest term, on both engines alike
        assert got["suggestions"][0] == "ایران"
        assert any("«ایران» هم جستجو شد" in n for n in got["notices"])


# Filters, facets and sort: each dimension alone and together, on queries matching several folders.
FILTERED = [
    ("ایران", {"folders": ["history"]}),
    ("ایران", {"folders": ["history", "travel"]}),
    ("ایران", {"formats": ["md"]}),
    ("ایران", {"folders": ["history"], "formats": ["md", "html"]}),
    ("ایران", {"sort": "newest"}),
    ("ایران", {"sort": "oldest", "folders": ["collections"]}),
    ("ایران OR چای", {"formats": ["txt"], "sort": "newest"}),
    ("-ایران", {"folders": ["cooking"]}),
    ("ایران", {}),
    ("ایرن", {"folders": ["history"]}),
]


def _filtered(result: dict) -> dict:
    """A filtered answer without what may differ: the hits' dates in order when sorted by date (else as a
    set: the engines' scores differ), ids as a set (ties on a date keep each engine's relevance order), and
    the facets and filters whole."""
    dates = [h["date"] for h in result["hits"]]
    return _answer(result) | {
        "dates": dates if result["filters"]["sort"] != "relevance" else sorted(dates),
        "facets": result["facets"],
        "filters": result["filters"],
    }


@pytest.mark.parametrize(("query", "choice"), FILTERED)
def test_filters_facets_and_sort_give_the_same_answers(engines, query, choice):
    whoosh, opensearch = engines
    filters = make_filters(choice.get("folders", ()), choice.get("formats", ()), sort=choice.get("sort", ""))
    expected = whoosh.search(query, limit=100, filters=filters)
    got = opensearch.search(query, limit=100, filters=filters)
    assert _filtered(got) == _filtered(expected)
    if query == "ایرن":
        return
    assert got["total"] > 0 and len(got["facets"]["folder"]) >= 1
    if choice.get("sort") == "newest":
        assert got["hits"][0]["date"] == max(h["date"] for h in got["hits"])
    if choice.get("folders") or choice.get("formats"):  # something was left out
        assert got["total"] < opensearch.search(query, limit=100, filters=Filters())["total"]


def test_a_date_range_keeps_the_same_documents(engines):
    """From the middle of the matches' dates on, and up to it: each range the same on both engines."""
    whoosh, opensearch = engines
    dates = whoosh.search("ایران", limit=100, filters=Filters())["facets"]["date"]
    assert dates["min"] < dates["max"], "the samples' dates must differ for this test to mean something"
    middle = (dates["min"] + dates["max"]) // 2
    for filters in (Filters(start=middle), Filters(end=middle), Filters(start=dates["min"], end=middle)):
        expected = whoosh.search("ایران", limit=100, filters=filters)
        got = opensearch.search("ایران", limit=100, filters=filters)
        assert _filtered(got) == _filtered(expected)
        assert 0 < got["total"] or 0 == expected["total"]
    typed = make_filters(date_from="1300/01/01", date_to="2100-01-01", sort="oldest")
    assert _filtered(opensearch.search("ایران", limit=100, filters=typed)) == _filtered(
        whoosh.search("ایران", limit=100, filters=typed)
    )


def test_paging_a_filtered_sorted_answer_walks_it_in_order(engines):
    whoosh, opensearch = engines
    filters = make_filters(folders=["history", "travel", "literature"], sort="newest")
    whole = opensearch.search("ایران", limit=100, filters=filters)
    pages = [opensearch.search("ایران", page=p, limit=3, filters=filters) for p in (1, 2, 3, 4, 5)]
    walked = [h["id"] for page in pages for h in page["hits"]]
    assert walked == [h["id"] for h in whole["hits"]][: len(walked)] and len(walked) == min(
        15, whole["total"]
    )
    assert whole["total"] == whoosh.search("ایران", limit=100, filters=filters)["total"] > 3


def test_the_page_and_command_line_filter_on_the_cluster(engines, opensearch_cluster):
    whoosh, _ = engines
    client = create_app(opensearch_cluster.index_url("samples")).test_client()
    api = client.get("/api/search", query_string={"q": "ایران", "folder": "history", "sort": "newest"})
    assert api.status_code == 200, api.get_data(as_text=True)
    expected = whoosh.search("ایران", filters=make_filters(folders=["history"], sort="newest"))
    assert _filtered(api.get_json()) == _filtered(expected)
    args = ["search", "ایران", "--index", opensearch_cluster.index_url("samples"), "--json"]
    result = CliRunner().invoke(cli, [*args, "--folder", "history", "--sort", "newest"])
    assert result.exit_code == 0, result.output
    assert _filtered(json.loads(result.output)) == _filtered(expected)
    page = client.get("/", query_string={"q": "ایران", "format": "md"})
    assert page.status_code == 200 and "<mark>ایران</mark>" in page.get_data(as_text=True)


def test_the_index_lives_on_three_shards_with_a_replica_each(engines, opensearch_cluster):
    _, opensearch = engines
    generation = opensearch.health()["generation"]
    assert generation == "samples-gen-000001"
    shards = opensearch_cluster.request("GET", f"/{generation}/_search_shards")["shards"]
    assert len(shards) == 3 and all(len(copies) == 2 for copies in shards)
    assert {c["state"] for copies in shards for c in copies} == {"STARTED"}


def test_ranking_puts_the_same_document_first_for_a_title_word(engines):
    whoosh, opensearch = engines
    assert opensearch.search("تخت جمشید")["hits"][0]["id"] == whoosh.search("تخت جمشید")["hits"][0]["id"]


def test_paging_walks_the_same_set(engines):
    whoosh, opensearch = engines
    pages = [opensearch.search("ایران", page=p, limit=5) for p in (1, 2, 3, 4)]
    ids = [h["id"] for page in pages for h in page["hits"]]
    everything = {h["id"] for h in whoosh.search("ایران", limit=100)["hits"]}
    assert len(ids) == len(set(ids)) == len(everything) and 15 < len(everything) <= 20
    assert set(ids) == everything


def test_document_suggest_health_and_refusals_match(engines):
    whoosh, opensearch = engines
    for doc_id in ("history/takht-jamshid.txt", "khabar-1"):
        assert opensearch.document(doc_id, "تخت جمشید") == whoosh.document(doc_id, "تخت جمشید")
    assert opensearch.document("no/such/doc") is None
    assert opensearch.suggest("تار") == whoosh.suggest("تار")
    assert opensearch.health() | {"generation": None} == whoosh.health() | {"generation": None}
    for engine in engines:
        with pytest.raises(QueryRefused):
            engine.search("ک*")


def test_command_line_and_page_take_the_url(engines, opensearch_cluster):
    whoosh, _ = engines
    url = opensearch_cluster.index_url("samples")
    result = CliRunner().invoke(cli, ["search", "«زبان فارسی»", "--index", url, "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert set(answer) >= {"query", "total", "took_ms", "suggestions", "hits", "page", "limit", "notices"}
    assert _answer(answer) == _answer(whoosh.search("«زبان فارسی»"))
    assert "<mark>" in answer["hits"][0]["snippet"]
    client = create_app(url).test_client()
    api = client.get("/api/search", query_string={"q": "«زبان فارسی»"})
    assert api.status_code == 200 and _answer(api.get_json()) == _answer(answer)
    assert client.get("/healthz").get_json()["documents"] == sample_documents()
    page = client.get("/", query_string={"q": "حافظ"})
    assert page.status_code == 200 and "<mark>حافظ</mark>" in page.get_data(as_text=True)


def test_title_similarity_follows_kavosh_ranking_defaults():
    """documents.K1/TITLE_PIVOT are the index-side copy of Ranking's defaults (the indexer cannot import
    search_ui); they must not drift apart."""
    assert (documents.K1, documents.TITLE_PIVOT) == (Ranking().k1, Ranking().title_pivot)
    assert documents.title_k1(Ranking().title_pivot) == Ranking().k1


LUCENE_MRR = 0.827  # Lucene 8.7's Persian analyzer with BM25 on qa-ir (../shared/README.md)


@pytest.fixture(scope="module")
def qa_scores(opensearch_cluster, tmp_path_factory) -> dict:
    """qa-ir's scores on both engines, the same passages and questions (skipped without ../shared)."""
    if not (QA / "docs.jsonl").is_file():
        pytest.skip(f"{QA} not found")
    root = tmp_path_factory.mktemp("qa-both")
    (root / "docs").mkdir()
    shutil.copy(QA / "docs.jsonl", root / "docs" / "docs.jsonl")
    index_folder(root / "docs", root / "index", rebuild=True)
    url = opensearch_cluster.index_url("qa-ir")
    index_to_cluster(root / "docs", url, rebuild=True)
    queries = read_queries(QA / "queries.jsonl").queries
    qrels = read_qrels(QA / "qrels.tsv")
    scores = {}
    for name, index in (("whoosh", root / "index"), ("opensearch", url)):
        run = run_batch(open_engine(index), queries, depth=100)
        assert not run.refused
        scores[name] = evaluate(run.ranked_ids(), qrels, queries).rows["all"]
    print(
        "\nqa-ir MRR@10 whoosh {:.4f} opensearch {:.4f}; R@100 {:.4f} / {:.4f}".format(
            scores["whoosh"]["MRR@10"],
            scores["opensearch"]["MRR@10"],
            scores["whoosh"]["R@100"],
            scores["opensearch"]["R@100"],
        )
    )
    return scores


def test_qa_ir_on_the_cluster_ranks_as_well_as_lucene_and_close_to_whoosh(qa_scores):
    """What holds today: the cluster finds the same passages (R@100 within 0.01), ranks above Lucene's
    Persian analyzer, and within 0.025 of the folder index (BM25 summed per field against BM25F)."""
    whoosh, cluster = qa_scores["whoosh"], qa_scores["opensearch"]
    assert abs(whoosh["R@100"] - cluster["R@100"]) <= 0.01
    assert cluster["MRR@10"] >= LUCENE_MRR
    assert abs(whoosh["MRR@10"] - cluster["MRR@10"]) <= 0.025


def test_qa_ir_mrr_within_0_02_of_whoosh(qa_scores):
    """Issue 13's target: with global statistics and BM25F's one idf a word the cluster ranks within 0.02
    (measured 0.844 against 0.8515; the rest is summing saturated fields instead of frequencies)."""
    assert abs(qa_scores["whoosh"]["MRR@10"] - qa_scores["opensearch"]["MRR@10"]) <= 0.02
