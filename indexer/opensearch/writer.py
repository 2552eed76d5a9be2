"""`kavosh index FOLDER --index http://HOST:PORT/NAME`: the same loader and manifest logic as the folder
index (`indexer.build`), a second writer.

A run reads the manifest of the live generation, walks the folder, and writes the next generation: a full
build creates a fresh concrete index; an update clones the live one (`_clone`, hard-linked segments) and
applies the changes to the clone. Documents are analysed in Python (`--procs` processes), sent in bulk
requests sized by bytes (retried with backoff on 429/5xx), with refresh and replicas off until the end.
Only a complete, refreshed generation is put behind the alias; on any failure the half-built index is
deleted and the live one is untouched.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from analyzers import ANALYZER_VERSION
from indexer.build import Summary, UsageError, _apply
from indexer.errors import KavoshIndexError, LockTimeout
from indexer.opensearch import documents, store
from indexer.opensearch.client import Client, ClusterRequestError, ClusterUnavailable, parse_target, q
from indexer.plan import plan
from indexer.progress import Progress
from indexer.run_options import RunOptions
from indexer.sources.loader import ReadOptions
from indexer.storage.schema import SCHEMA_VERSION

log = logging.getLogger("kavosh.indexer")

BULK_BYTES = 4 * 1024 * 1024  # one bulk request's body, about
BATCH_DOCS = 200  # documents analysed together (one task of a worker process)
PARALLEL_MIN_BYTES = 4 * 1024 * 1024
WRITE_RETRY_FOR = 10.0  # seconds of retries (429/5xx, no node answering) before a run gives up


class BulkWriter:
    """The writer `indexer.build._apply` drives (`add_document`, `delete_by_term`), sending bulk requests
    to one concrete index."""

    def __init__(self, client: Client, index: str, old_files: dict, procs: int, renew: Callable[[], None]):
        self.client = client
        self.index = index
        self.old_files = old_files
        self.renew = renew
        self.pool = ProcessPoolExecutor(procs) if procs > 1 else None
        self.procs = procs
        self.pending: list[tuple] = []
        self.batches: list = []
        self.body: list[bytes] = []
        self.size = 0
        self.errors: list[str] = []
        self.title_terms = 0  # title length summed over the documents sent (the title similarity's k1)
        self.sent = 0

    def add_document(self, *, id, path, title, body, mtime, format, date, pages, **_ignored) -> None:
        self.pending.append((id, path, title, body, mtime, format, date, pages))
        if len(self.pending) >= BATCH_DOCS:
            self._analyse()

    def delete_by_term(self, field: str, value: str) -> None:
        """Delete the documents of one source path (their ids are in the previous manifest)."""
        assert field == "path"
        self._analyse(wait=True)
        for doc_id in self.old_files.get(value, {}).get("ids", ()):
            self._action({"delete": {"_index": self.index, "_id": doc_id}}, None)

    def _analyse(self, wait: bool = False) -> None:
        if self.pending:
            batch, self.pending = self.pending, []
            if self.pool is None:
                self._send_docs(documents.analyze_batch(batch))
            else:
                self.batches.append(self.pool.submit(documents.analyze_batch, batch))
        # keep at most two batches a process in flight; send the finished ones in order
        while self.batches and (wait or len(self.batches) > 2 * self.procs or self.batches[0].done()):
            self._send_docs(self.batches.pop(0).result())

    def _send_docs(self, docs: list[dict]) -> None:
        for doc in docs:
            self.title_terms += len(doc["title"].split())
            self.sent += 1
            self._action({"index": {"_index": self.index, "_id": doc["id"]}}, doc)

    def _action(self, action: dict, doc: dict | None) -> None:
        line = json.dumps(action, ensure_ascii=False).encode() + b"\n"
        if doc is not None:
            line += json.dumps(doc, ensure_ascii=False).encode() + b"\n"
        self.body.append(line)
        self.size += len(line)
        if self.size >= BULK_BYTES:
            self._flush()

    def _flush(self) -> None:
        if not self.body:
            return
        payload, self.body, self.size = b"".join(self.body), [], 0
        answer = self.client.request("POST", "/_bulk", ndjson=payload, timeout=120)
        if answer.get("errors"):
            for item in answer.get("items", []):
                result = next(iter(item.values()))
                if result.get("status", 200) >= 300 and not (
                    "delete" in item and result.get("status") == 404
                ):
                    self.errors.append(
                        f"{result.get('_id')}: {result.get('error', {}).get('reason', result)}"
                    )
            if self.errors:
                raise KavoshIndexError(
                    f"OpenSearch refused {len(self.errors)} documents, e.g. {self.errors[0]}"
                )
        self.renew()

    def finish(self) -> None:
        """Send everything still buffered; stop the worker processes."""
        try:
            self._analyse(wait=True)
            self._flush()
        finally:
            self.close()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None

    def cancel(self) -> None:
        self.close()


def _create(client: Client, name: str, shards: int) -> None:
    client.request("PUT", f"/{q(name)}?wait_for_active_shards=all", documents.index_body(shards, 0))


def _clone(client: Client, live: str, name: str) -> None:
    """The next generation as a clone of the live one (the live one is briefly write-blocked; searches go
    on), with refresh and replicas off for the writes to come."""
    client.request("PUT", f"/{q(live)}/_settings", {"index.blocks.write": True})
    try:
        settings = {"index.blocks.write": None, "index.number_of_replicas": 0, "index.refresh_interval": "-1"}
        client.request(
            "POST", f"/{q(live)}/_clone/{q(name)}?wait_for_active_shards=all", {"settings": settings}
        )
    finally:
        client.request("PUT", f"/{q(live)}/_settings", {"index.blocks.write": None})


def _set_title_k1(client: Client, name: str, average_title_terms: float) -> None:
    """Set the title similarity's k1 from the average title length (a similarity changes only while the
    index is closed: it is not live yet)."""
    client.request("POST", f"/{q(name)}/_close?wait_for_active_shards=all")
    k1 = documents.title_k1(average_title_terms)
    client.request("PUT", f"/{q(name)}/_settings", {"index.similarity.kavosh_title.k1": k1})
    client.request("POST", f"/{q(name)}/_open?wait_for_active_shards=all")


def _finish_index(client: Client, name: str, replicas: int) -> int:
    """Refresh on, replicas back, refreshed, all copies allocated: the index is ready to go live. Returns
    its document count."""
    client.request(
        "PUT", f"/{q(name)}/_settings", {"index.refresh_interval": "1s", "index.number_of_replicas": replicas}
    )
    client.request("POST", f"/{q(name)}/_refresh")
    health = client.request(
        "GET", f"/_cluster/health/{q(name)}?wait_for_status=green&timeout=120s", ok=(408,), timeout=150
    )
    if health.get("status") != "green":
        store.check_health(client, name)  # red raises; yellow (not enough nodes for the replicas) goes on
        log.warning("generation %s is %s: not every replica could be placed", name, health.get("status"))
    return client.request("GET", f"/{q(name)}/_count")["count"]


def index_to_cluster(
    folder: str | os.PathLike,
    url: str,
    options: RunOptions | None = None,
    *,
    shards: int = 3,
    replicas: int = 1,
    **given: Any,
) -> Summary:
    """Bring the index at `url` in step with `folder` (see the module's docstring); return what was done.
    `options` (indexer.run_options.RunOptions), or its fields given as keywords, say how the run goes.

    Raises UsageError, indexer.errors.LockTimeout, ClusterUnavailable (no node answers, or red) and other
    KavoshIndexErrors; bad files never raise."""
    began = time.perf_counter()
    opts = RunOptions.of(options, given)
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder")
    target = parse_target(url)
    client = Client(target, retry_for=WRITE_RETRY_FOR)
    alias = target.name
    summary = Summary()
    skip = opts.skipper(summary)
    rebuild, max_size = opts.rebuild, opts.max_size

    try:
        store.check_health(client)
        store.ensure_meta_index(client, alias)
        with store.WriterLock(client, alias, opts.lock_timeout, opts.on_wait) as lock:
            live = store.live_generation(client, alias)
            meta = store.read_manifest(client, alias, live) if live and not rebuild else None
            if meta and meta.get("analyzer_version") != ANALYZER_VERSION:
                log.warning("the index was built by another analyzer version: rebuilding from scratch")
                meta = None
            if meta and meta.get("mapping_version") != documents.MAPPING_VERSION:
                log.warning("the index was written with an older mapping: rebuilding from scratch")
                meta = None
            if live and not meta and not rebuild:
                log.warning("no manifest for %s: rebuilding from scratch", live)
            old_files = meta.get("files", {}) if meta else {}
            summary.rebuilt = meta is None
            summary.generation = live
            todo = plan(folder, old_files, max_size, skip)
            summary.files, summary.unchanged = todo.files, todo.unchanged_docs
            if meta is not None and not todo.to_index and not todo.gone and todo.unchanged == old_files:
                summary.documents = meta.get("documents", 0)
                summary.elapsed = time.perf_counter() - began
                return summary
            name = store.next_generation(client, alias)
            new_bytes = sum(e.size for e in todo.to_index)
            nprocs = opts.procs or (2 if new_bytes >= PARALLEL_MIN_BYTES and (os.cpu_count() or 1) > 1 else 1)
            progress = opts.progress or Progress()
            try:
                if meta is None:
                    _create(client, name, shards)
                else:
                    _clone(client, live, name)
                writer = BulkWriter(client, name, old_files, nprocs, lock.renew)
                try:
                    options = ReadOptions()  # scans are read only into a folder index (--ocr), not yet here
                    manifest = _apply(writer, todo, old_files, max_size, summary, skip, progress, options)
                    writer.finish()
                except BaseException:
                    writer.cancel()
                    raise
                if meta is None and writer.sent:  # an update keeps the clone's (nearly the same) average
                    _set_title_k1(client, name, writer.title_terms / writer.sent)
                summary.documents = _finish_index(client, name, replicas)
                store.write_manifest(
                    client,
                    alias,
                    name,
                    {
                        "analyzer_version": ANALYZER_VERSION,
                        "schema_version": SCHEMA_VERSION,
                        "mapping_version": documents.MAPPING_VERSION,
                        "generation": name,
                        "created": time.time(),
                        "folder": str(folder.resolve()),
                        "documents": summary.documents,
                        "files": manifest,
                    },
                )
                store.swap_alias(client, alias, name, live)
            except BaseException:
                progress.close()
                _discard(client, alias, name)
                raise
            progress.close()
            store.clean_up(client, alias, keep={name, live} - {None})
            summary.generation = name
            summary.changed = True
    except ClusterRequestError as exc:
        raise KavoshIndexError(f"{exc}; the live index is unchanged") from exc
    except ClusterUnavailable as exc:
        raise ClusterUnavailable(f"{exc}; the live index is unchanged") from exc
    except LockTimeout:
        raise
    except KavoshIndexError as exc:  # e.g. documents refused, an index Kavosh did not create
        raise KavoshIndexError(f"{exc}; the live index is unchanged") from exc
    finally:
        client.close()
    summary.elapsed = time.perf_counter() - began
    return summary


def _discard(client: Client, alias: str, name: str) -> None:
    """Delete a generation that did not go live (best effort: the next run's clean-up retries)."""
    try:
        client.request("DELETE", f"/{q(name)}", ok=(404,))
        client.request("DELETE", f"/{q(store.meta_index(alias))}/_doc/{q(name)}", ok=(404,))
    except KavoshIndexError as exc:
        log.warning("could not delete the unfinished generation %s: %s", name, exc)
