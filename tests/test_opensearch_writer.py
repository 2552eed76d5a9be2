"""The cluster writer's own rules on the real cluster: one writer at a time through an expiring lock
document, the manifest kept in the cluster (any machine can update), and `--procs` analysis."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from opensearch_cluster import sample_documents

from indexer.errors import IndexVersionMismatch
from indexer.opensearch import documents, store
from indexer.opensearch.client import Client, parse_target
from indexer.opensearch.writer import index_to_cluster
from search_ui.commands.main import cli
from search_ui.engines.cluster import OpenSearchEngine

pytestmark = [pytest.mark.opensearch, pytest.mark.slow]

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def test_one_writer_at_a_time_and_an_expired_lock_is_taken_over(opensearch_cluster, tmp_path):
    url = opensearch_cluster.index_url("locked")
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("نامه‌ی نخست\nدرباره‌ی قفل نویسنده", encoding="utf-8")
    client = Client(parse_target(url))
    store.ensure_meta_index(client, "locked")
    with store.WriterLock(client, "locked", timeout=0, on_wait=None):
        began = time.monotonic()
        result = CliRunner().invoke(cli, ["index", str(folder), "--index", url, "--lock-timeout", "1"])
        assert result.exit_code == 2 and "another `kavosh index` is writing locked" in result.output
        assert time.monotonic() - began < 30
        assert store.live_generation(client, "locked") is None  # nothing was written
    # a writer that died leaves its lock behind; once expired, the next run takes it over
    stale = {"kind": "lock", "owner": "gone:1:1", "expires": time.time() - 1}
    client.request("PUT", f"/{store.meta_index('locked')}/_doc/lock?refresh=true", stale)
    summary = index_to_cluster(folder, url, lock_timeout=5)
    assert summary.documents == 1 and summary.generation == "locked-gen-000001"
    lock = client.request("GET", f"/{store.meta_index('locked')}/_doc/lock", ok=(404,))
    assert not lock.get("found")  # released at the end of the run


def test_the_manifest_lives_in_the_cluster(opensearch_cluster, tmp_path):
    """A second machine (another copy of the folder, another process) updates incrementally: the manifest
    comes from the cluster, not from a local file."""
    url = opensearch_cluster.index_url("shared-manifest")
    one, two = tmp_path / "one", tmp_path / "two"
    shutil.copytree(SAMPLES, one)
    first = index_to_cluster(one, url)
    samples = sample_documents()
    assert first.documents == samples and first.rebuilt
    shutil.copytree(one, two)  # copytree keeps times: the same files, seen from elsewhere
    (two / "misc" / "nowruz.txt").unlink()
    second = index_to_cluster(two, url)
    assert not second.rebuilt and second.unchanged == samples - 1 and second.deleted == 1
    assert second.documents == samples - 1 and second.generation == "shared-manifest-gen-000002"
    again = index_to_cluster(two, url)
    assert not again.changed and again.generation == second.generation


def test_parallel_analysis_gives_the_same_index(opensearch_cluster):
    one = opensearch_cluster.index_url("procs-one")
    two = opensearch_cluster.index_url("procs-two")
    samples = sample_documents()
    assert index_to_cluster(SAMPLES, one, procs=1, rebuild=True).documents == samples
    assert index_to_cluster(SAMPLES, two, procs=2, rebuild=True).documents == samples
    for query in ("ایران", "«زبان فارسی»", "هخامن*"):
        a, b = OpenSearchEngine(one).search(query, limit=100), OpenSearchEngine(two).search(query, limit=100)
        assert [(h["id"], h["score"]) for h in a["hits"]] == [(h["id"], h["score"]) for h in b["hits"]]


def test_an_index_with_an_older_mapping_is_refused_then_rebuilt(opensearch_cluster, tmp_path):
    """A generation written before the filters' fields (mapping version 1) cannot filter: the engine says
    to rebuild it rather than answer wrongly, and the next `kavosh index` rebuilds it from scratch."""
    url = opensearch_cluster.index_url("old-mapping")
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("نامه‌ی نخست\nدرباره‌ی نگاشت کهنه", encoding="utf-8")
    first = index_to_cluster(folder, url)
    client = Client(parse_target(url))
    old = dict(store.read_manifest(client, "old-mapping", first.generation))
    assert old["mapping_version"] == documents.MAPPING_VERSION
    old["mapping_version"] = 1  # as a Kavosh before the filters wrote it
    store.write_manifest(client, "old-mapping", first.generation, old)
    meta = {"kavosh": {"analyzer_version": old["analyzer_version"], "mapping_version": 1}}
    client.request("PUT", f"/{first.generation}/_mapping", {"_meta": meta})
    with pytest.raises(IndexVersionMismatch, match="mapping version 1"):
        OpenSearchEngine(url).search("نامه")
    again = index_to_cluster(folder, url)
    assert again.rebuilt and again.documents == 1 and again.generation != first.generation
    assert OpenSearchEngine(url).search("نامه")["total"] == 1
