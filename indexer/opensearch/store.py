"""Generations, the alias, the manifest and the writer lock of a Kavosh index on OpenSearch.

The alias NAME points at one concrete index `NAME-gen-NNNNNN`; a run writes the next one and swaps the alias
in one `_aliases` call when it is complete and refreshed, so searches never see a half-built index. The
previous generation is kept (a search that resolved the alias just before the swap still finds it); older
ones are deleted. The manifest (path -> size, mtime, SHA-256, ids, as `indexer.build` writes it) and the
lock document live in `NAME-kavosh-meta`, so any machine can run the next update.
"""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Callable

from indexer.errors import KavoshIndexError, LockTimeout
from indexer.opensearch.client import Client, ClusterRequestError, ClusterUnavailable, q

LOCK_TTL = 120.0  # seconds a lock stays valid without being renewed (a writer that died frees it)
_GEN = "-gen-"


def gen_name(alias: str, number: int) -> str:
    return f"{alias}{_GEN}{number:06d}"


def meta_index(alias: str) -> str:
    return f"{alias}-kavosh-meta"


def check_health(client: Client, index: str | None = None) -> dict:
    """The cluster's (or one index's) health; ClusterUnavailable when it is red."""
    path = "/_cluster/health" + (f"/{q(index)}" if index else "")
    health = client.request("GET", path, ok=(404, 408))
    if health.get("status") == "red":
        what = f"index {index}" if index else "cluster"
        raise ClusterUnavailable(
            f"the OpenSearch {what} at {','.join(client.target.hosts)} is red (some shards have no copy); "
            "wait for its nodes to come back"
        )
    return health


def live_generation(client: Client, alias: str) -> str | None:
    """The concrete index the alias points at, or None when there is none yet."""
    answer = client.request("GET", f"/_alias/{q(alias)}", ok=(404,))
    if answer["_status"] == 404:
        exists = client.request("HEAD", f"/{q(alias)}", ok=(404,))
        if exists["_status"] != 404:
            raise KavoshIndexError(
                f"{alias} on {','.join(client.target.hosts)} is an index that Kavosh did not create "
                "(Kavosh names an alias); choose another name"
            )
        return None
    names = [k for k in answer if k != "_status"]
    if len(names) != 1:
        raise KavoshIndexError(f"the alias {alias} points at {len(names)} indexes ({', '.join(names)})")
    return names[0]


def generations(client: Client, alias: str) -> list[str]:
    """Every concrete generation of `alias` on the cluster, oldest first."""
    answer = client.request("GET", f"/_cat/indices/{q(alias + _GEN)}*?format=json&h=index", ok=(404,))
    pattern = re.compile(re.escape(alias + _GEN) + r"(\d{6,})$")
    found = [row["index"] for row in answer.get("items", []) if pattern.match(row.get("index", ""))]
    return sorted(found, key=lambda n: int(pattern.match(n).group(1)))


def next_generation(client: Client, alias: str) -> str:
    existing = generations(client, alias)
    number = int(existing[-1].rsplit("-", 1)[1]) + 1 if existing else 1
    return gen_name(alias, number)


def ensure_meta_index(client: Client, alias: str) -> None:
    """Create `NAME-kavosh-meta` (one shard; its documents are not searched, only fetched) if missing."""
    name = meta_index(alias)
    if client.request("HEAD", f"/{q(name)}", ok=(404,))["_status"] == 200:
        return
    body = {
        "settings": {"index": {"number_of_shards": 1, "auto_expand_replicas": "0-1"}},
        "mappings": {"dynamic": False, "properties": {"kind": {"type": "keyword"}}},
    }
    try:
        client.request("PUT", f"/{q(name)}?wait_for_active_shards=1", body)
    except ClusterRequestError as exc:
        if "resource_already_exists" not in str(exc.body):
            raise


def read_manifest(client: Client, alias: str, generation: str) -> dict | None:
    """The meta (versions, document count, files) recorded for `generation`, or None."""
    answer = client.request("GET", f"/{q(meta_index(alias))}/_doc/{q(generation)}", ok=(404,))
    return answer.get("_source", {}).get("meta") if answer.get("found") else None


def write_manifest(client: Client, alias: str, generation: str, meta: dict) -> None:
    doc = {"kind": "manifest", "meta": meta}
    client.request("PUT", f"/{q(meta_index(alias))}/_doc/{q(generation)}?refresh=wait_for", doc)


def swap_alias(client: Client, alias: str, new: str, old: str | None) -> None:
    """Point `alias` at `new` in one atomic `_aliases` call."""
    actions = [{"add": {"index": new, "alias": alias}}]
    if old:
        actions.insert(0, {"remove": {"index": old, "alias": alias}})
    client.request("POST", "/_aliases", {"actions": actions})


def clean_up(client: Client, alias: str, keep: set[str]) -> list[str]:
    """Delete generations (and their manifests) other than `keep`; the names deleted."""
    gone = [g for g in generations(client, alias) if g not in keep]
    for name in gone:
        client.request("DELETE", f"/{q(name)}", ok=(404,))
        client.request("DELETE", f"/{q(meta_index(alias))}/_doc/{q(name)}", ok=(404,))
    return gone


class WriterLock:
    """One writer at a time: a lock document created with `op_type=create`, renewed while the run lasts,
    and taken over once it has expired (a writer that died frees the index after LOCK_TTL seconds)."""

    def __init__(self, client: Client, alias: str, timeout: float | None, on_wait: Callable | None) -> None:
        self.client = client
        self.path = f"/{q(meta_index(alias))}/_doc/lock"
        self.alias = alias
        self.timeout = timeout
        self.on_wait = on_wait
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{time.time_ns()}"
        self.renewed = 0.0

    def _doc(self) -> dict:
        return {"kind": "lock", "owner": self.owner, "expires": time.time() + LOCK_TTL}

    def __enter__(self) -> WriterLock:
        began = time.monotonic()
        told = False
        while True:
            created = self.client.request(
                "PUT", f"{self.path}?op_type=create&refresh=true", self._doc(), ok=(409,)
            )
            if created["_status"] != 409:
                self.renewed = time.monotonic()
                return self
            held = self.client.request("GET", self.path, ok=(404,))
            src = held.get("_source", {})
            if held.get("found") and src.get("expires", 0) < time.time():
                # expired: take it over, unless someone else did first (the sequence number moved)
                took = self.client.request(
                    "DELETE",
                    f"{self.path}?if_seq_no={held['_seq_no']}&if_primary_term={held['_primary_term']}",
                    ok=(404, 409),
                )
                if took["_status"] == 200:
                    continue
            if self.timeout is not None and time.monotonic() - began >= self.timeout:
                raise LockTimeout(
                    f"another `kavosh index` is writing {self.alias} ({src.get('owner', '?')}); "
                    f"gave up after {self.timeout:g} s"
                )
            if not told and self.on_wait:
                self.on_wait(
                    f"waiting for another `kavosh index` writing {self.alias} ({src.get('owner', '?')})"
                )
                told = True
            time.sleep(0.5)

    def renew(self) -> None:
        """Push the expiry forward (called between bulk requests; at most every few seconds)."""
        if time.monotonic() - self.renewed > LOCK_TTL / 4:
            self.client.request("PUT", self.path, self._doc())
            self.renewed = time.monotonic()

    def __exit__(self, *exc) -> None:
        held = self.client.request("GET", self.path, ok=(404,))
        if held.get("_source", {}).get("owner") == self.owner:
            self.client.request(
                "DELETE",
                f"{self.path}?if_seq_no={held['_seq_no']}&if_primary_term={held['_primary_term']}&refresh=true",
                ok=(404, 409),
            )
