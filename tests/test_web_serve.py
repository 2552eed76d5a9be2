"""`kavosh serve`: real waitress processes on 127.0.0.1, one or several workers, and clear messages.

The multi-worker tests run the real command and watch its processes through /proc: which workers answer
(the X-Kavosh-Worker header), that a killed worker is replaced, that signals stop every process, that
workers die with a parent killed by SIGKILL, and that a new generation reaches every worker.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_web_corpus import DOCUMENTS, build_index

from search_ui.commands.main import cli
from search_ui.commands.serve import WORKER_HEADER, _is_loopback

KAVOSH = Path(sys.executable).with_name("kavosh")
needs_proc = pytest.mark.skipif(
    not Path("/proc/self/stat").exists() or not hasattr(os, "fork"), reason="needs fork and /proc"
)


class Server:
    """A running `kavosh serve --port 0`: its process, base URL and the stderr it wrote (read at the end)."""

    def __init__(self, index_dir: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [str(KAVOSH), "serve", "--index", str(index_dir), "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group, as a terminal gives it (Ctrl+C goes to all)
        )
        self.line = self.proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", self.line)
        if not match:
            self.stop()
            pytest.fail(f"kavosh serve did not start: {self.line!r} {self.proc.stderr.read()[-2000:]}")
        self.url = f"http://127.0.0.1:{match.group(1)}"

    def get(self, path: str) -> tuple[dict, str]:
        """GET on a fresh connection (so any worker may take it): (JSON body, answering worker)."""
        with urllib.request.urlopen(self.url + path, timeout=10) as resp:
            return json.load(resp), resp.headers.get(WORKER_HEADER, "")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state, ppid = raw[raw.rindex(")") + 2 :].split()[:2]
    return state, int(ppid)


def children(pid: int) -> set[int]:
    """Live (not zombie) children of `pid`, from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat and stat[1] == pid and stat[0] != "Z":
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


def wait_for(check: Callable[[], object], seconds: float, what: str) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    pytest.fail(f"after {seconds} s: {what}")


def running_workers(server: Server, count: int = 2) -> set[int]:
    """The server's worker pids once `count` of them run (the announcement comes before the forks)."""
    return wait_for(
        lambda: len(found := children(server.proc.pid)) == count and found, 10, f"{count} workers"
    )


def workers_seen(server: Server, path: str, want: int, seconds: float = 20.0) -> dict[str, dict]:
    """Concurrent requests on fresh connections until `want` distinct workers answered: body by worker."""
    seen: dict[str, dict] = {}
    deadline = time.monotonic() + seconds
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        while len(seen) < want and time.monotonic() < deadline:
            for body, worker in pool.map(lambda _: server.get(path), range(16)):
                seen.setdefault(worker, body)
    return seen


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, Path]:
    return build_index(tmp_path_factory.mktemp("serve"))


@pytest.fixture
def two_workers(corpus) -> Iterator[Server]:
    server = Server(corpus[1], "--workers", "2", "--threads", "2")
    try:
        yield server
    finally:
        server.stop()


# --- one process -----------------------------------------------------------------------------------------


def test_serve_without_an_index_says_so(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--index", str(tmp_path / "nothing"), "--port", "0"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output and "index" in result.output.lower()


def test_serve_rejects_a_bad_port(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--index", str(tmp_path), "--port", "70000"])
    assert result.exit_code == 2 and "70000" in result.output


def test_the_help_explains_workers():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0 and "--workers" in result.output and "core" in result.output


def test_serve_answers_on_loopback_by_default(corpus):
    server = Server(corpus[1])
    try:
        body, _ = server.get("/healthz")
        assert body["documents"] == DOCUMENTS
        with urllib.request.urlopen(server.url + "/healthz", timeout=10) as resp:
            assert resp.headers["Server"] == "kavosh"  # waitress, not Werkzeug's development server
        with urllib.request.urlopen(server.url + "/?q=" + urllib.parse.quote("کتابخانه"), timeout=10) as resp:
            assert "<mark>" in resp.read().decode("utf-8")
    finally:
        server.stop()


@needs_proc
def test_one_worker_serves_from_the_process_itself(corpus):
    server = Server(corpus[1], "--workers", "1", "--threads", "2")
    try:
        body, worker = server.get("/healthz")
        assert body["loaded"] and worker == ""  # no worker header: nothing was forked
        assert children(server.proc.pid) == set()
        assert "2 threads" in server.line and "workers" not in server.line
    finally:
        server.stop()


def test_only_loopback_addresses_count_as_local():
    assert all(_is_loopback(h) for h in ("127.0.0.1", "127.8.9.1", "::1", "localhost"))
    assert not any(_is_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.5", "example.org"))


# --- several workers -------------------------------------------------------------------------------------


@needs_proc
def test_both_workers_answer(two_workers):
    assert "2 workers x 2 threads" in two_workers.line
    assert len(running_workers(two_workers)) == 2
    seen = workers_seen(two_workers, "/api/search?q=" + urllib.parse.quote("قفسه"), want=2)
    assert set(seen) == {"1", "2"}
    assert all(body["total"] == seen["1"]["total"] > 0 for body in seen.values())


@needs_proc
def test_a_killed_worker_is_replaced(two_workers):
    before = running_workers(two_workers)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    after = wait_for(
        lambda: (now := children(two_workers.proc.pid)) and len(now) == 2 and victim not in now and now,
        10,
        "a replacement worker",
    )
    assert len(after & before) == 1
    assert set(workers_seen(two_workers, "/healthz", want=2)) == {"1", "2"}
    two_workers.stop()
    assert re.search(
        rf"worker \d \(pid {victim}\) was killed by SIGKILL; starting a new one",
        two_workers.proc.stderr.read(),
    )


@needs_proc
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_every_process(two_workers, signum):
    workers = running_workers(two_workers)
    two_workers.get("/healthz")
    if signum == signal.SIGINT:  # Ctrl+C in a terminal: the whole process group gets it
        os.killpg(two_workers.proc.pid, signum)
    else:  # `kill PID`, a service manager: only the parent gets it
        os.kill(two_workers.proc.pid, signum)
    assert two_workers.proc.wait(timeout=10) == 0
    assert not any(alive(pid) for pid in workers)
    assert "Traceback" not in two_workers.proc.stderr.read()


@needs_proc
def test_workers_exit_when_the_parent_is_killed(two_workers):
    workers = running_workers(two_workers)
    two_workers.proc.kill()
    two_workers.proc.wait(timeout=5)
    wait_for(lambda: not any(alive(pid) for pid in workers), 5, f"workers {workers} still running")
    # Refused (URLError), or reset when the kernel had queued the connection on the dying socket: no answer.
    with pytest.raises(OSError):
        two_workers.get("/healthz")


@needs_proc
def test_a_new_generation_reaches_every_worker(tmp_path):
    folder, index_dir = build_index(tmp_path)
    server = Server(index_dir, "--workers", "2", "--threads", "2")
    try:
        first = workers_seen(server, "/healthz", want=2)
        assert {body["documents"] for body in first.values()} == {DOCUMENTS}
        (folder / "تازه.txt").write_text("یادداشتی تازه درباره‌ی باغ انار.\n", encoding="utf-8")
        run = subprocess.run(
            [str(KAVOSH), "--quiet", "index", str(folder), "--index", str(index_dir)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        new = {"1": False, "2": False}
        deadline = time.monotonic() + 20
        while not all(new.values()) and time.monotonic() < deadline:
            for worker, body in workers_seen(server, "/healthz", want=2, seconds=5).items():
                new[worker] = new[worker] or body["documents"] == DOCUMENTS + 1
        assert all(new.values()), new
        for body in workers_seen(server, "/api/search?q=" + urllib.parse.quote("انار"), want=2).values():
            assert "تازه.txt" in [hit["path"] for hit in body["hits"]]
    finally:
        server.stop()


@needs_proc
def test_a_crash_loop_stops_the_server_with_an_error(tmp_path):
    _, index_dir = build_index(tmp_path)
    server = Server(index_dir, "--workers", "2", "--threads", "1")
    try:
        workers = running_workers(server)
        (index_dir / "CURRENT").write_text("gen-999999\n", encoding="ascii")  # new workers cannot start
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        status = server.proc.wait(timeout=20)
        err = server.proc.stderr.read()
        assert status == 1 and "workers died within" in err, err
        assert "Traceback" not in err
    finally:
        server.stop()


@needs_proc
def test_a_busy_port_is_refused_before_any_worker_starts(corpus):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        run = subprocess.run(
            [str(KAVOSH), "serve", "--index", str(corpus[1]), "--port", str(port), "--workers", "2"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert run.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in run.stderr and "Traceback" not in run.stderr


def test_a_missing_index_is_refused_with_workers(tmp_path):
    run = subprocess.run(
        [str(KAVOSH), "serve", "--index", str(tmp_path / "nothing"), "--port", "0", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "no Kavosh index" in run.stderr and "kavosh index" in run.stderr and "Traceback" not in run.stderr


def test_without_fork_one_process_serves_and_says_so(tmp_path, monkeypatch):
    monkeypatch.delattr(os, "fork")  # as on Windows; the missing index then stops it before it serves
    result = CliRunner().invoke(
        cli, ["serve", "--index", str(tmp_path / "none"), "--port", "0", "--workers", "3"]
    )
    assert "cannot fork; serving from one process instead of 3" in result.output
    assert result.exit_code == 2 and "no Kavosh index" in result.output
