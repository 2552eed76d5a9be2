"""A small JSON-over-HTTP client for an OpenSearch cluster: several nodes, failover, retries with backoff.

Why not opensearch-py: Kavosh needs a dozen endpoints, and the failover and retry rules (another node on a
connection error, backoff on 429 and 5xx) are the part worth owning and testing. Credentials come from the
environment only (`KAVOSH_OPENSEARCH_USER`, `KAVOSH_OPENSEARCH_PASSWORD`), never the command line, and are
never logged or shown in a message (a user name may also be given in the URL: https://USER@host:9200/NAME).
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import urllib3

from indexer.errors import KavoshIndexError

log = logging.getLogger("kavosh.opensearch")

USER_ENV = "KAVOSH_OPENSEARCH_USER"
PASSWORD_ENV = "KAVOSH_OPENSEARCH_PASSWORD"
INDEX_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-_")


class ClusterUnavailable(KavoshIndexError):
    """No node of the cluster answered, or the cluster cannot serve the index (red, missing)."""


class ClusterRequestError(KavoshIndexError):
    """The cluster refused a request (4xx other than 429): a message fit for a user, and the status."""

    def __init__(self, message: str, status: int, body: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body or {}


@dataclass(frozen=True)
class ClusterTarget:
    """What an `--index URL` names: the nodes to try, in order, and the index (alias) name."""

    scheme: str
    hosts: tuple[str, ...]  # "host:port"
    name: str
    user: str | None = None  # from the URL (https://USER@host:port/NAME); the password only from the env

    def __str__(self) -> str:
        return f"{self.scheme}://{','.join(self.hosts)}/{self.name}"


def parse_target(url: str) -> ClusterTarget:
    """`http://h1:9200,h2:9200/NAME` -> ClusterTarget. Raises KavoshIndexError with a clear message."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise KavoshIndexError(f"{url!r}: an OpenSearch index is named http://HOST:PORT/NAME or https://…")
    userinfo, _, netloc = parts.netloc.rpartition("@")
    if ":" in userinfo:
        raise KavoshIndexError(
            f"a password does not belong on the command line: give the URL without it and set {PASSWORD_ENV}"
        )
    hosts = tuple(h.strip() for h in netloc.split(",") if h.strip())
    name = parts.path.strip("/")
    if not hosts:
        raise KavoshIndexError(f"{url!r} names no host")
    if not name or "/" in name or not set(name) <= INDEX_NAME_CHARS or name[0] in "-_":
        raise KavoshIndexError(
            f"{url!r}: give one index name after the hosts, in lower-case letters, digits, - and _ "
            "(e.g. http://127.0.0.1:9200/kavosh)"
        )
    for host in hosts:
        if ":" not in host:
            raise KavoshIndexError(f"{url!r}: give each host with its port, e.g. 127.0.0.1:9200")
    return ClusterTarget(parts.scheme, hosts, name, userinfo or None)


class Client:
    """JSON requests to whichever node answers. Thread-safe (urllib3's pool is).

    A connection error or timeout moves on to the next node at once; 429 and every 5xx are retried with
    exponential backoff (with jitter) until `retry_for` seconds have passed. The node that answered last is
    tried first next time, so a dead node costs one failed connection, not one per request."""

    def __init__(self, target: ClusterTarget, timeout: float = 30.0, retry_for: float = 30.0) -> None:
        self.target = target
        self.retry_for = retry_for
        headers = {"Content-Type": "application/json"}
        user, password = target.user or os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
        if user or password:
            headers.update(urllib3.make_headers(basic_auth=f"{user or ''}:{password or ''}"))
        self._headers = headers
        self._pool = urllib3.PoolManager(
            num_pools=max(4, len(target.hosts)),
            maxsize=16,
            timeout=urllib3.Timeout(connect=2.0, read=timeout),
            retries=False,
        )
        self._preferred = 0
        self._lock = threading.Lock()

    def _order(self) -> list[str]:
        hosts = list(self.target.hosts)
        with self._lock:
            start = self._preferred
        return hosts[start:] + hosts[:start]

    def _prefer(self, host: str) -> None:
        with self._lock:
            self._preferred = self.target.hosts.index(host)

    def request(
        self,
        method: str,
        path: str,
        body: object | None = None,
        *,
        ndjson: bytes | None = None,
        ok: tuple[int, ...] = (),
        timeout: float | None = None,
    ) -> dict:
        """One request; the decoded JSON answer. Statuses in `ok` (e.g. 404) are returned, not raised:
        the answer then carries `_status`. Raises ClusterUnavailable or ClusterRequestError."""
        if ndjson is not None:
            data, headers = ndjson, dict(self._headers, **{"Content-Type": "application/x-ndjson"})
        else:
            data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers = self._headers
        deadline = time.monotonic() + self.retry_for
        delay = 0.1
        last = "no node was tried"
        while True:
            for host in self._order():
                url = f"{self.target.scheme}://{host}{path}"
                try:
                    kwargs = {"timeout": urllib3.Timeout(connect=2.0, read=timeout)} if timeout else {}
                    resp = self._pool.request(method, url, body=data, headers=headers, **kwargs)
                except urllib3.exceptions.HTTPError as exc:
                    last = f"{host}: {exc.__class__.__name__}"
                    log.debug("%s %s on %s failed: %s", method, path, host, exc)
                    continue
                status = resp.status
                try:
                    answer = json.loads(resp.data or b"{}")
                except ValueError:
                    answer = {"raw": resp.data[:200].decode("utf-8", "replace")}
                if not isinstance(answer, dict):
                    answer = {"items": answer}
                if status == 429 or status >= 500:  # busy, or a node lost mid-request: try again
                    last = f"{host}: HTTP {status}"
                    break  # the cluster is busy or recovering: back off, then try again
                self._prefer(host)
                if status < 300 or status in ok:
                    answer["_status"] = status
                    return answer
                raise ClusterRequestError(_describe(method, path, status, answer), status, answer)
            if time.monotonic() + delay > deadline:
                raise ClusterUnavailable(
                    f"the OpenSearch cluster at {','.join(self.target.hosts)} did not answer "
                    f"{method} {path.split('?')[0]} ({last})"
                )
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 2.0)

    def search(self, index: str, body: dict, params: str = "") -> dict:
        """A `_search` answered by every shard. A shard copy on a node that just died can fail a search
        while its other copy is fine (OpenSearch reports it in `_shards.failures`): such an answer is
        incomplete, so the search is retried (with backoff) until all shards answer, and fails with
        ClusterUnavailable after `retry_for` seconds rather than answer with documents missing."""
        deadline = time.monotonic() + self.retry_for
        delay = 0.05
        while True:
            answer = self.request("POST", f"/{q(index)}/_search{params}", body)
            shards = answer.get("_shards", {})
            if not shards.get("failed"):
                return answer
            if time.monotonic() + delay > deadline:
                reasons = {f.get("reason", {}).get("type", "?") for f in shards.get("failures", [])}
                raise ClusterUnavailable(
                    f"{shards['failed']} of {shards.get('total')} shards of {index} could not answer "
                    f"({', '.join(sorted(reasons))}); the cluster is missing data"
                )
            log.debug("search on %s: %s shards failed, retrying", index, shards["failed"])
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def close(self) -> None:
        self._pool.clear()


def _describe(method: str, path: str, status: int, answer: dict) -> str:
    error = answer.get("error")
    if isinstance(error, dict):
        reason = error.get("reason") or error.get("type") or ""
    else:
        reason = str(error or "")
    return f"OpenSearch refused {method} {path.split('?')[0]}: HTTP {status} {reason}".strip()


def q(name: str) -> str:
    """A path segment (an index or document id) quoted for a URL."""
    return quote(name, safe="")
