"""A bad cluster on the command line and the page: unreachable, a wrong index, a red index. Each gives one
clear message and exit 2 (503 on the page), and `kavosh index` leaves nothing half-written."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzers import ANALYZER_VERSION
from indexer.opensearch import documents
from indexer.opensearch.writer import index_to_cluster
from search_ui import create_app
from search_ui.commands.main import cli

pytestmark = [pytest.mark.opensearch, pytest.mark.slow]

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _kavosh(*args: str):
    return CliRunner().invoke(cli, list(args))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


def test_unreachable_cluster_exit_2_and_503():
    url = f"http://127.0.0.1:{_closed_port()}/kavosh"
    result = _kavosh("search", "ایران", "--index", url)
    assert result.exit_code == 2
    assert "did not answer" in result.output and "Traceback" not in result.output
    result = _kavosh("index", str(SAMPLES), "--index", url)
    assert result.exit_code == 2 and "the live index is unchanged" in result.output
    client = create_app(url).test_client()
    assert client.get("/healthz").status_code == 503
    answer = client.get("/api/search", query_string={"q": "ایران"})
    # the page and API say only that the index cannot be read (the log and the command line say why)
    assert answer.status_code == 503 and answer.get_json()["error"] == "index-unavailable"
    assert "127.0.0.1" not in answer.get_data(as_text=True)


def test_malformed_url_is_a_clear_error():
    result = _kavosh("search", "ایران", "--index", "http://127.0.0.1:9200/Not Valid")
    assert result.exit_code == 2 and "index name" in result.output


def test_wrong_index_exit_2_and_503(opensearch_cluster):
    url = opensearch_cluster.index_url("no-such-index")
    result = _kavosh("search", "ایران", "--index", url)
    assert result.exit_code == 2 and "there is no Kavosh index no-such-index" in result.output
    client = create_app(url).test_client()
    assert client.get("/healthz").status_code == 503
    assert client.get("/api/search", query_string={"q": "ایران"}).status_code == 503
    result = _kavosh("serve", "--index", url, "--port", "0")
    assert result.exit_code != 0 and "there is no Kavosh index" in result.output


def test_an_index_kavosh_did_not_create_is_left_alone(opensearch_cluster):
    c = opensearch_cluster
    c.request("PUT", "/not-ours", {"settings": {"number_of_shards": 1}})
    try:
        result = _kavosh("index", str(SAMPLES), "--index", c.index_url("not-ours"))
        assert result.exit_code == 2 and "did not create" in result.output
        assert c.request("GET", "/not-ours/_count")["count"] == 0
    finally:
        c.request("DELETE", "/not-ours")


def test_red_index_exit_2_and_503_and_nothing_written(opensearch_cluster, tmp_path):
    """A generation whose only shard can be placed on no node is red: searches say so, `kavosh index`
    refuses, and the alias and the generations stay as they were."""
    c = opensearch_cluster
    body = documents.index_body(1, 0)
    body["settings"]["index"]["routing.allocation.require._name"] = "no-such-node"
    created = c.request("PUT", "/reddish-gen-000001?wait_for_active_shards=0", body)
    assert created.get("acknowledged"), created
    c.request(
        "POST", "/_aliases", {"actions": [{"add": {"index": "reddish-gen-000001", "alias": "reddish"}}]}
    )
    try:
        assert c.request("GET", "/_cluster/health/reddish-gen-000001")["status"] == "red"
        url = c.index_url("reddish")
        result = _kavosh("search", "ایران", "--index", url)
        assert result.exit_code == 2 and "is red" in result.output, result.output
        client = create_app(url).test_client()
        assert client.get("/healthz").status_code == 503
        answer = client.get("/api/search", query_string={"q": "ایران"})
        assert answer.status_code == 503 and answer.get_json()["error"] == "index-unavailable"
        result = _kavosh("index", str(SAMPLES), "--index", url)
        assert result.exit_code == 2 and "is red" in result.output
        indices = c.request("GET", "/_cat/indices/reddish*?format=json&h=index")["items"]
        assert sorted(i["index"] for i in indices) == ["reddish-gen-000001", "reddish-kavosh-meta"] or sorted(
            i["index"] for i in indices
        ) == ["reddish-gen-000001"]
        assert list(c.request("GET", "/_alias/reddish")) == ["reddish-gen-000001"]
    finally:
        c.request("DELETE", "/reddish-gen-000001")
        c.request("DELETE", "/reddish-kavosh-meta")
        c.wait_for("green", timeout=60)
    assert ANALYZER_VERSION  # the red generation carried this version: the refusal was not a version one


def test_a_failed_update_keeps_the_live_generation(opensearch_cluster, tmp_path):
    """A folder whose documents OpenSearch refuses half-way: the new generation is deleted, the alias
    still names the previous one, with all its documents."""
    url = opensearch_cluster.index_url("keep")
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("کتاب اول\nمتن نخست درباره‌ی تاریخ", encoding="utf-8")
    first = index_to_cluster(folder, url)
    assert first.generation == "keep-gen-000001" and first.documents == 1
    (folder / "b.txt").write_text("کتاب دوم\nمتن دوم", encoding="utf-8")
    c = opensearch_cluster
    # a write block on every new index of this name makes the bulk request fail inside the run
    template = {
        "index_patterns": ["keep-gen-*"],
        "priority": 500,
        "template": {"settings": {"index.blocks.write": True}},
    }
    c.request("PUT", "/_index_template/kavosh-test-block", template)
    try:
        result = _kavosh("index", str(folder), "--index", url, "--rebuild")
        assert result.exit_code == 2 and "the live index is unchanged" in result.output, result.output
    finally:
        c.request("DELETE", "/_index_template/kavosh-test-block")
    assert list(c.request("GET", "/_alias/keep")) == ["keep-gen-000001"]
    names = [i["index"] for i in c.request("GET", "/_cat/indices/keep-gen-*?format=json&h=index")["items"]]
    assert names == ["keep-gen-000001"]
    assert c.request("GET", "/keep/_count")["count"] == 1
