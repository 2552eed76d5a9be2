"""`kavosh serve` against slow and careless clients, on 127.0.0.1 only: a few hundred connections that never
finish their request must not lock a normal client out of a two-worker server, and are disconnected once
their request is overdue; request bodies and headers are capped. Every socket and process is closed at
the end; each test is bounded in connections and time."""

from __future__ import annotations

import http.client
import socket
import time
import urllib.parse
from collections.abc import Iterator

import pytest
from test_web_corpus import FIXED, build_index
from test_web_serve import Server, needs_proc, running_workers

from search_ui.commands.serve import REQUEST_DEADLINE

SLOW = 300  # three times what waitress's default connection limit lets each of two workers hold


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    _, index_dir = build_index(tmp_path_factory.mktemp("hostile-serve"))
    running = Server(index_dir, "--workers", "2", "--threads", "2")
    try:
        running_workers(running)
        yield running
    finally:
        running.stop()


def _port(server: Server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def _search(port: int, timeout: float) -> int:
    """One search on a fresh connection: the status, or 0 when it failed or timed out."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/api/search?" + urllib.parse.urlencode({"q": FIXED}))
        resp = conn.getresponse()
        resp.read()
        return resp.status
    except OSError:
        return 0
    finally:
        conn.close()


@needs_proc
@pytest.mark.slow
def test_slow_connections_neither_lock_out_a_client_nor_stay_open(server):
    port = _port(server)
    slow: list[socket.socket] = []
    closed: set[int] = set()
    try:
        for _ in range(SLOW):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /api/search?q=")
            sock.setblocking(False)
            slow.append(sock)
        ok = failed = 0
        stop_at = time.monotonic() + REQUEST_DEADLINE + 4
        next_byte = 0.0
        while time.monotonic() < stop_at:
            if time.monotonic() >= next_byte:  # every slow client sends one more byte a second
                next_byte = time.monotonic() + 1.0
                for i, sock in enumerate(slow):
                    if i not in closed:
                        try:
                            if sock.recv(1, socket.MSG_PEEK) == b"":
                                closed.add(i)
                                continue
                        except BlockingIOError:
                            pass
                        except OSError:
                            closed.add(i)
                            continue
                        try:
                            sock.send(b"a")
                        except OSError:
                            closed.add(i)
            if _search(port, timeout=5) == 200:
                ok += 1
            else:
                failed += 1
    finally:
        for sock in slow:
            sock.close()
    assert ok >= 10 and failed == 0, (ok, failed)
    assert len(closed) >= SLOW * 0.9, f"only {len(closed)} of {SLOW} overdue requests were disconnected"


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        return sock.recv(200)


@needs_proc
def test_a_request_body_is_refused_before_it_is_read(server):
    port = _port(server)
    head = b"GET /api/search?q=x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000000\r\n\r\n"
    assert _raw(port, head).startswith(b"HTTP/1.1 413")


@needs_proc
def test_oversized_headers_are_refused(server):
    port = _port(server)
    head = b"GET /api/search?q=x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: " + b"a" * 40000 + b"\r\n\r\n"
    assert _raw(port, head).split(b" ")[1] in (b"400", b"431")


@needs_proc
def test_a_long_query_still_fits_the_header_cap(server):
    status = 0
    conn = http.client.HTTPConnection("127.0.0.1", _port(server), timeout=20)
    try:
        conn.request("GET", "/api/search?" + urllib.parse.urlencode({"q": ("کتاب " * 200)[:1000]}))
        status = conn.getresponse().status
    finally:
        conn.close()
    assert status == 200
