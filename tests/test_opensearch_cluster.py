"""The local OpenSearch cluster itself: three real nodes from Maven Central jars, green, on loopback only."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.opensearch, pytest.mark.slow]


def test_three_nodes_green_on_loopback(opensearch_cluster):
    health = opensearch_cluster.request("GET", "/_cluster/health")
    assert health["status"] == "green"
    assert health["number_of_nodes"] == 3
    nodes = opensearch_cluster.request("GET", "/_nodes/http,settings")["nodes"]
    assert len(nodes) == 3
    for node in nodes.values():
        assert node["version"].startswith("2.19.")
        assert node["http"]["publish_address"].startswith("127.0.0.1:")
        assert node["settings"]["network"]["host"] == "127.0.0.1"


def test_whitespace_field_keeps_positions_across_three_shards(opensearch_cluster):
    c = opensearch_cluster
    name = "feasibility"
    mapping = {"properties": {"body": {"type": "text", "analyzer": "whitespace"}}}
    settings = {"number_of_shards": 3, "number_of_replicas": 1}
    created = c.request("PUT", f"/{name}", {"settings": settings, "mappings": mapping})
    assert created.get("acknowledged") is True, created
    try:
        for i, body in enumerate(["کتاب خوب خوان", "خوب کتاب خوان", "کتاب"]):
            c.request("PUT", f"/{name}/_doc/{i}?refresh=true", {"body": body})
        c.wait_for("green")
        phrase = c.request("POST", f"/{name}/_search", {"query": {"match_phrase": {"body": "کتاب خوب"}}})
        assert [h["_id"] for h in phrase["hits"]["hits"]] == ["0"]
        term = c.request("POST", f"/{name}/_search", {"query": {"term": {"body": "کتاب"}}})
        assert sorted(h["_id"] for h in term["hits"]["hits"]) == ["0", "1", "2"]
        shards = c.request("GET", f"/{name}/_search_shards")["shards"]
        assert len(shards) == 3 and all(len(copies) == 2 for copies in shards)
    finally:
        c.request("DELETE", f"/{name}")
