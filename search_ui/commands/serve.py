"""`kavosh serve`: the page and API on waitress, a production WSGI server (never Flask's debug server).

Waitress is set up for careless and hostile clients (`LIMITS`): request bodies and headers are capped, a
worker accepts up to 1,000 connections and closes idle ones after 20 s, and a request must arrive whole within
`REQUEST_DEADLINE` seconds of its first byte, so a few hundred slow connections cannot lock a server out.

One process serves with threads, but searching is CPU-bound Python, so one process uses one core at most
(the GIL). With `--workers N` the parent binds the socket, forks N workers that each open their own engine
and serve the inherited socket with waitress, and supervises them: a dead worker is replaced, a crash loop
stops the server with an error, SIGINT/SIGTERM stop every worker, and workers exit when the parent dies.
"""

from __future__ import annotations

import collections
import functools
import gc
import ipaddress
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click

from indexer.cli_options import index_option
from search_ui.commands.errors import fail, user_errors

WORKER_HEADER = "X-Kavosh-Worker"  # names the worker (1..N) that answered, when there are several
RESTART_LIMIT = 5  # more worker deaths than this within RESTART_WINDOW seconds is a crash loop
RESTART_WINDOW = 60.0
STOP_GRACE = 8.0  # seconds workers get to finish their requests after SIGTERM before SIGKILL
BACKLOG = 1024
REQUEST_DEADLINE = 10.0  # seconds from a request's first byte to its last; a slower client is disconnected
LIMITS = {  # waitress's adjustments (its defaults: a 1 GB body, 256 KB of headers, 100 connections, 120 s)
    "max_request_body_size": 8192,  # the app is GET-only: a body is never needed
    "max_request_header_size": 16384,  # a 1,000-character Persian query is about 9 KB percent-encoded
    "connection_limit": 1000,
    "channel_timeout": 20,  # idle connections (no request in progress) are closed after this many seconds
    "cleanup_interval": 5,
    "asyncore_use_poll": True,  # select() cannot watch descriptors above 1024
}


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _format_urls(listen: Iterable[tuple[str, int]]) -> str:
    return ", ".join(f"http://[{h}]:{p}/" if ":" in str(h) else f"http://{h}:{p}/" for h, p in listen)


def _urls(server: object) -> str:
    """The address(es) waitress really listens on (several when a name resolves to IPv4 and IPv6)."""
    listen = getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)]
    return _format_urls(listen)


@click.command()
@index_option("The index folder built by `kavosh index`")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port."
)
@click.option(
    "--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Threads per worker process."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes sharing the port. A search is CPU-bound Python, so one process uses at most one core: "
    "under concurrent load, one worker per core (e.g. 2 on two cores) serves more requests, but each "
    "worker keeps its own index caches (about 300 MB more on 20k documents once warm). One person "
    "searching is served as fast by 1, which runs in this process without forking.",
)
@click.option(
    "--watch",
    "watch_folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Also index this folder into --index and keep the index up to date as files change "
    "(as `kavosh index FOLDER --index DIR --watch` would, in a process of its own).",
)
def serve_command(
    index_dir: Path, host: str, port: int, threads: int, workers: int, watch_folder: Path | None
) -> None:
    """Serve the search page and the JSON API for the index in INDEX until interrupted.

    \b
    Exit status: 0 stopped (Ctrl+C or SIGTERM), 1 cannot listen, the watcher stopped or the
    workers crash in a loop, 2 no usable index (missing, damaged: rebuild it, another version),
    3 an internal error (a bug in Kavosh; its traceback is in the log).
    """
    if watch_folder is None:
        _serve(index_dir, host, port, threads, workers)
        return
    from indexer.storage.generations import current_name
    from indexer.watch import start_watcher, stop_watcher

    watcher = start_watcher(watch_folder, index_dir)
    try:
        while current_name(index_dir) is None and watcher.poll() is None:  # the first pass of a new index
            time.sleep(0.2)
        if watcher.poll() is not None:
            raise click.ClickException(f"the watcher of {watch_folder} stopped (exit {watcher.returncode})")
        _serve(index_dir, host, port, threads, workers)
    finally:
        stop_watcher(watcher)


def _serve(index_dir: Path, host: str, port: int, threads: int, workers: int) -> None:
    if workers > 1 and not hasattr(os, "fork"):
        click.echo(
            f"note: this platform cannot fork; serving from one process instead of {workers}", err=True
        )
        workers = 1
    if workers == 1:
        _serve_in_process(index_dir, host, port, threads)
    else:
        _serve_forked(index_dir, host, port, threads, workers)


def _announce(index_dir: Path, health: dict, urls: str, how: str, host: str) -> None:
    click.echo(
        f"Kavosh is serving {index_dir} (generation {health.get('generation')}, {health.get('documents')} "
        f"documents) on {urls} with {how}; Ctrl+C stops it."
    )
    if not _is_loopback(host):
        click.echo(f"warning: listening on {host}, reachable from other machines", err=True)


def _serve_in_process(index_dir: Path, host: str, port: int, threads: int) -> None:
    """One process, `threads` threads: the whole server when there is one worker."""
    from waitress import create_server

    from search_ui.engines.choose import check_index
    from search_ui.web.app import create_app

    with user_errors(logging.ERROR):
        app = create_app(index_dir)
        health = app.extensions["kavosh_engine"].health()
        if not health.get("loaded"):
            check_index(index_dir)  # the store or the cluster says why (missing, another version, red, ...)
            fail(f"no usable index in {index_dir}: build one with `kavosh index FOLDER --index DIR`")
    _allow_connections()
    try:
        server = create_server(app, host=host, port=port, threads=threads, ident="kavosh", **LIMITS)
    except OSError as err:
        raise click.ClickException(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
    _harden(server)
    _announce(index_dir, health, _urls(server), f"{threads} threads", host)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


# --- pre-fork: the parent -------------------------------------------------------------------------------


def _bind(host: str, port: int) -> list[socket.socket]:
    """Listening sockets for every address `host` resolves to (one port for all of them, even with 0)."""
    try:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM, socket.IPPROTO_TCP, socket.AI_PASSIVE)
    except OSError as err:
        raise click.ClickException(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
    sockets: list[socket.socket] = []
    seen: set[tuple[str, int]] = set()
    try:
        for family, kind, proto, _, addr in infos:
            if (addr[0], family) in seen:
                continue
            seen.add((addr[0], family))
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            if port == 0 and len(sockets) > 1:  # the same free port on every address
                addr = (addr[0], sockets[0].getsockname()[1], *addr[2:])
            sock.bind(addr)
            sock.listen(BACKLOG)
    except OSError as err:
        for sock in sockets:
            sock.close()
        raise click.ClickException(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
    return sockets


class _Stop(Exception):
    """SIGTERM arrived: stop serving."""


def _raise_stop(signum: int, frame: object) -> None:
    raise _Stop


def _serve_forked(index_dir: Path, host: str, port: int, threads: int, workers: int) -> None:
    """Bind, fork `workers` workers and supervise them until a signal or a crash loop ends the server."""
    from search_ui.engines.choose import check_index

    with user_errors(logging.ERROR):  # fail early with the index's own message; nothing stays open
        health = check_index(index_dir)
    _allow_connections()  # inherited by the workers
    sockets = _bind(host, port)
    _preload()
    listen = [sock.getsockname()[:2] for sock in sockets]
    _announce(index_dir, health, _format_urls(listen), f"{workers} workers x {threads} threads", host)
    # Every worker blocks reading this pipe; it reads end-of-file when the parent is gone, even after kill -9.
    alive_r, alive_w = os.pipe()
    previous = signal.signal(signal.SIGTERM, _raise_stop)
    children: dict[int, int] = {}  # pid -> worker number
    failed = ""
    try:

        def start(slot: int) -> None:
            pid = _fork(lambda: _worker(slot, index_dir, sockets, threads, alive_r, alive_w))
            children[pid] = slot

        for slot in range(1, workers + 1):
            start(slot)
        failed = _supervise(children, start)
    except (KeyboardInterrupt, _Stop):
        pass
    finally:
        # A second Ctrl+C or SIGTERM must not cut the clean-up short.
        previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _stop_all(children)
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
        for sock in sockets:
            sock.close()
        os.close(alive_r)
        os.close(alive_w)
    if failed:
        raise click.ClickException(failed)


def _preload() -> None:
    """Import the web stack and load the analyzer's lexicon once in the parent: forked workers start fast
    and share those pages. No index is opened here (readers must not cross a fork)."""
    import waitress  # noqa: F401

    import search_ui.web.app  # noqa: F401
    from search_ui.query.analysis import analyze_query
    from search_ui.query.prefixes import lexicon_words

    analyze_query("کاوش")
    lexicon_words()  # the sorted lexicon that prefixes and completions look words up in
    gc.collect()
    gc.freeze()  # keep the collector from touching (and so copying) the parent's objects in every worker


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _fork(child: Callable[[], int]) -> int:
    """Fork; the child runs `child` and exits with its status, never returning into the parent's code."""
    sys.stdout.flush()
    sys.stderr.flush()
    # SIGINT/SIGTERM stay blocked across the fork: a child signalled in its first instants (a crash loop
    # being stopped) would otherwise run the parent's handler inside Python's after-fork hooks and print a
    # traceback. The worker unblocks them once its own handlers are in place; the parent at once.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    pid = os.fork()
    if pid:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        return pid
    status = 1
    try:
        status = child()
    except BaseException as err:  # the worker's last word, then out: never back into the supervisor
        if not isinstance(err, SystemExit | KeyboardInterrupt | _Stop):  # a signal before the worker's own
            import traceback

            traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def _describe(status: int) -> str:
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with status {code}"


def _supervise(children: dict[int, int], start: Callable[[int], None]) -> str:
    """Replace workers as they die. Returns the reason to stop when they die too often (a crash loop)."""
    deaths: collections.deque[float] = collections.deque()
    while True:
        pid, status = os.waitpid(-1, 0)
        slot = children.pop(pid, None)
        if slot is None:
            continue
        now = time.monotonic()
        deaths.append(now)
        while deaths and deaths[0] < now - RESTART_WINDOW:
            deaths.popleft()
        if len(deaths) > RESTART_LIMIT:
            return (
                f"worker {slot} (pid {pid}) {_describe(status)}; {len(deaths)} workers died within "
                f"{RESTART_WINDOW:.0f} s, so the server stops (see the messages above)"
            )
        click.echo(f"worker {slot} (pid {pid}) {_describe(status)}; starting a new one", err=True)
        time.sleep(0.1 * (len(deaths) - 1))  # back off a little while deaths pile up
        start(slot)


def _stop_all(children: dict[int, int]) -> None:
    """SIGTERM every worker, give them STOP_GRACE seconds to finish their requests, then SIGKILL; reap all."""
    for pid in children:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    while children and time.monotonic() < deadline:
        for pid in list(children):
            if _reaped(pid):
                del children[pid]
        time.sleep(0.02)
    for pid in list(children):
        _signal(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        del children[pid]


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _reaped(pid: int) -> bool:
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:
        return True


# --- pre-fork: a worker ---------------------------------------------------------------------------------


def _worker(
    slot: int, index_dir: Path, sockets: list[socket.socket], threads: int, alive_r: int, alive_w: int
) -> int:
    """One worker: its own app and engine (opened after the fork), serving the inherited sockets."""
    os.close(alive_w)  # only the parent holds the write end, so its death means end-of-file here
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the whole group; the parent stops us
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)  # blocked by _fork until now
    threading.Thread(target=_exit_with_parent, args=(alive_r,), daemon=True, name="parent-watch").start()

    from waitress import create_server

    from search_ui.web.app import create_app

    app = create_app(index_dir)
    health = app.extensions["kavosh_engine"].health()  # open the index now, not in the first request
    if not health.get("loaded"):
        click.echo(f"worker {slot}: no usable index in {index_dir} ({health.get('generation')})", err=True)
        return 3
    app.wsgi_app = _tagged(app.wsgi_app, str(slot))
    server = create_server(app, sockets=sockets, threads=threads, ident="kavosh", **LIMITS)
    _harden(server)
    server.run()  # returns after SIGTERM, once waitress has let its threads finish (up to 5 s)
    return 0


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(0)  # waitress's run() catches it and shuts its threads down


def _exit_with_parent(alive_r: int) -> None:
    """Block on the parent's pipe; end-of-file means the parent died without stopping us: stop."""
    while os.read(alive_r, 1):
        pass
    os.kill(os.getpid(), signal.SIGTERM)


def _tagged(app: Callable[..., Any], slot: str) -> Callable[..., Any]:
    """WSGI middleware adding the worker header: shows which process answered (balance, debugging)."""

    def tagged(environ: dict, start_response: Callable[..., Any]) -> Any:
        def start(status: str, headers: list, exc_info: Any = None) -> Any:
            return start_response(status, [*headers, (WORKER_HEADER, slot)], exc_info)

        return app(environ, start)

    return tagged


# --- slow and careless clients --------------------------------------------------------------------------


def _allow_connections() -> None:
    """Raise the soft limit of open files so that LIMITS["connection_limit"] connections fit (up to the hard
    limit; waitress stops accepting before it would run out anyway)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = LIMITS["connection_limit"] + 64
    if soft != resource.RLIM_INFINITY and soft < want:
        target = want if hard == resource.RLIM_INFINITY else min(want, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass


def _harden(server: object) -> None:
    """Serve every listening socket of a waitress server with `_DeadlineChannel`."""
    from waitress.server import BaseWSGIServer

    dispatchers = getattr(server, "map", None) or getattr(server, "_map", None) or {}
    for dispatcher in list(dispatchers.values()):
        if isinstance(dispatcher, BaseWSGIServer):
            dispatcher.channel_class = _deadline_channel()


@functools.cache
def _deadline_channel() -> type:
    """Waitress's channel, disconnecting a client whose request is still incomplete REQUEST_DEADLINE seconds
    after its first byte (waitress alone only times out connections that send nothing at all)."""
    from waitress.channel import HTTPChannel
    from waitress.parser import HTTPRequestParser

    class _TimedParser(HTTPRequestParser):
        def __init__(self, adj: Any) -> None:
            super().__init__(adj)
            self.began = time.monotonic()

    class _DeadlineChannel(HTTPChannel):
        parser_class = _TimedParser

        def received(self, data: bytes) -> bool:
            request = self.request
            if request is not None and not request.completed:
                if time.monotonic() - request.began > REQUEST_DEADLINE:
                    self.will_close = True  # closed by the event loop on its next pass
                    return False
            return super().received(data)

    return _DeadlineChannel
