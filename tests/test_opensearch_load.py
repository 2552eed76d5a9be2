"""`kavosh serve` on the 3-node cluster while 8 clients search: an incremental update, a `--rebuild` and a
`kill -9` of one node, with no failed request, no answer mixing two generations, and every document there
once the node is back. Traffic goes only to 127.0.0.1; the clients are bounded in requests and time."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from indexer.opensearch.writer import index_to_cluster

pytestmark = [pytest.mark.opensearch, pytest.mark.slow]

CLIENTS = 8
MAX_REQUESTS = 4000  # per client: a bound, never reached in a normal run
MAX_SECONDS = 240.0
COMMON = "کاوشگر"  # in every document: its total says which generation answered
TOPICS = ["باران", "کوهستان", "دریا", "کتابخانه", "بازار", "مدرسه", "باغ", "راه‌آهن", "کاروان", "آسیاب"]


def _write_docs(folder: Path, numbers: range) -> None:
    for i in numbers:
        topic = TOPICS[i % len(TOPICS)]
        text = (
            f"گزارش {topic} شماره {i}\n"
            f"{COMMON} این گزارش را درباره‌ی {topic} نوشت و در آن از روزهای سرد و گرم شهر گفت. "
            f"مردم کنار {topic} می‌نشستند و از کارهای روزانه‌شان سخن می‌گفتند."
        )
        (folder / f"doc-{i:04d}.txt").write_text(text, encoding="utf-8")


def _serve(url: str) -> tuple[subprocess.Popen, str]:
    """`kavosh serve` on a free loopback port; its base URL."""
    kavosh = Path(sys.executable).with_name("kavosh")
    proc = subprocess.Popen(
        [str(kavosh), "serve", "--index", url, "--port", "0", "--threads", "8"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    line = proc.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not found:
        proc.kill()
        proc.wait(timeout=30)
        raise AssertionError(f"kavosh serve did not start: {line}{proc.stdout.read()}")
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep its pipe drained
    return proc, f"http://127.0.0.1:{found.group(1)}"


class Clients:
    """8 threads asking the same query over and over until told to stop (or their bounds run out)."""

    def __init__(self, base: str) -> None:
        self.url = f"{base}/api/search?" + urllib.parse.urlencode({"q": COMMON, "limit": 100})
        self.stop = threading.Event()
        self.totals: Counter = Counter()
        self.failures: list[str] = []
        self.generations: set[tuple[int, frozenset]] = set()
        self.lock = threading.Lock()
        self.phase = "before"  # what the test was doing: said in a failure's message
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(CLIENTS)]

    def _run(self) -> None:
        deadline = time.monotonic() + MAX_SECONDS
        for _ in range(MAX_REQUESTS):
            if self.stop.is_set() or time.monotonic() > deadline:
                return
            try:
                with urllib.request.urlopen(self.url, timeout=30) as resp:
                    answer = json.loads(resp.read())
                with self.lock:
                    self.totals[answer["total"]] += 1
                    ids = frozenset(h["id"] for h in answer["hits"])
                    self.generations.add((answer["total"], ids))
            except Exception as exc:  # every failure is counted: the test wants none
                body = exc.read().decode("utf-8", "replace") if hasattr(exc, "read") else ""
                with self.lock:
                    self.failures.append(f"{self.phase}: {exc.__class__.__name__}: {exc} {body}")

    def __enter__(self) -> Clients:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)

    def requests(self) -> int:
        with self.lock:
            return sum(self.totals.values()) + len(self.failures)

    def wait_for(self, more: int) -> None:
        """Let at least `more` further requests complete."""
        target = self.requests() + more
        deadline = time.monotonic() + 60
        while self.requests() < target and time.monotonic() < deadline:
            time.sleep(0.05)


def test_update_rebuild_and_kill_9_under_8_searching_clients(opensearch_cluster, tmp_path):
    cluster = opensearch_cluster
    url = cluster.index_url("load")
    folder = tmp_path / "docs"
    folder.mkdir()
    _write_docs(folder, range(80))
    assert index_to_cluster(folder, url, rebuild=True).documents == 80
    server, base = _serve(url)
    try:
        with Clients(base) as clients:
            clients.wait_for(50)
            # an incremental update: 25 new files, 10 deleted, 5 changed -> 95 documents (all on one page)
            _write_docs(folder, range(80, 105))
            for i in range(10):
                (folder / f"doc-{i:04d}.txt").unlink()
            for i in range(10, 15):
                path = folder / f"doc-{i:04d}.txt"
                path.write_text(path.read_text(encoding="utf-8") + "\nبند تازه.", encoding="utf-8")
            clients.phase = "update"
            update = index_to_cluster(folder, url)
            assert (update.added, update.deleted, update.updated, update.documents) == (25, 10, 5, 95)
            clients.wait_for(100)
            clients.phase = "rebuild"
            rebuild = index_to_cluster(folder, url, rebuild=True)
            assert rebuild.documents == 95 and rebuild.rebuilt
            clients.wait_for(100)
            # kill -9 one node while the clients search; they must go on being answered
            clients.phase = "kill -9"
            cluster.kill_node(1)
            clients.wait_for(200)
            clients.phase = "node back"
            cluster.start_node(1)
            cluster.wait_for("green", timeout=180)
            clients.wait_for(100)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"\n{clients.requests()} searches; totals {dict(clients.totals)}; failures {len(clients.failures)}")
    assert clients.failures == []
    assert set(clients.totals) <= {80, 95}, clients.totals  # one generation or the other, never a mix
    assert clients.totals[80] and clients.totals[95]
    expected = {
        80: frozenset(f"doc-{i:04d}.txt" for i in range(80)),
        95: frozenset(f"doc-{i:04d}.txt" for i in range(10, 105)),
    }
    for total, ids in clients.generations:
        assert ids == expected[total]
    assert cluster.request("GET", "/load/_count")["count"] == 95
    assert cluster.request("GET", "/_cluster/health")["status"] == "green"
