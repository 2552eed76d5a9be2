"""A real 3-node OpenSearch cluster on 127.0.0.1 for the tests and `bench/opensearch.py`.

The nodes are OpenSearch 2.19 from Maven Central, started with `java -cp` through our launcher
(`tests/opensearch/`, built by `make opensearch-jars`). Each node gets its own folder under a temporary
root, HTTP and transport on free loopback ports and a small heap. Every JVM started here is stopped by
`stop()`; each also exits by itself when the pipe to its standard input closes, so a Python process that
dies (even by kill -9) leaves no JVM behind.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLING = ROOT / "tests" / "opensearch"
CLASSPATH_FILE = TOOLING / "target" / "classpath.txt"
CLASSES = TOOLING / "target" / "classes"
LOG4J_CONFIG = TOOLING / "log4j2.properties"
MAIN_CLASS = "kavosh.testing.OpenSearchNode"


class ClusterError(RuntimeError):
    """The local cluster could not be started or did not reach the wanted health."""


def require_tooling() -> None:
    """Skip a test that starts nodes where they cannot start; in CI, where `make test` builds the jars
    first, fail it instead (a missing one there is a broken set-up, not a reason to test less)."""
    why = tooling_missing()
    if why:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)


def tooling_missing() -> str | None:
    """Why the cluster cannot be started here (no Java, jars not built), or None when it can."""
    if shutil.which("java") is None:
        return "no `java` on PATH (make opensearch-jars installs it)"
    if not CLASSPATH_FILE.exists() or not (CLASSES / "kavosh").exists():
        return f"OpenSearch jars not resolved: run `make opensearch-jars` ({CLASSPATH_FILE} missing)"
    return None


def _free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1 right now (held open together so they are distinct)."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@dataclass
class _Node:
    name: str
    http_port: int
    transport_port: int
    home: Path
    process: subprocess.Popen | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.home / "node.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"


class LocalCluster:
    """Start, watch, kill and restart the nodes of one cluster; `stop()` ends every JVM it started."""

    def __init__(self, root: Path, nodes: int = 3, heap_mb: int = 512, name: str = "kavosh-test") -> None:
        if heap_mb > 512:
            raise ValueError("keep test nodes at 512 MB of heap or less")
        self.root = Path(root)
        self.heap_mb = heap_mb
        self.name = name
        ports = _free_ports(2 * nodes)
        self.nodes = [
            _Node(f"node-{i + 1}", ports[2 * i], ports[2 * i + 1], self.root / f"node-{i + 1}")
            for i in range(nodes)
        ]

    # --- addresses ----------------------------------------------------------------------------------

    @property
    def hosts(self) -> str:
        """`127.0.0.1:P1,127.0.0.1:P2,…`: every node, as a Kavosh `--index` URL names them."""
        return ",".join(f"127.0.0.1:{n.http_port}" for n in self.nodes)

    def index_url(self, index: str) -> str:
        """The `--index` URL of an index on this cluster, naming every node."""
        return f"http://{self.hosts}/{index}"

    # --- life cycle ---------------------------------------------------------------------------------

    def _command(self, node: _Node) -> list[str]:
        classpath = f"{CLASSES}{os.pathsep}{CLASSPATH_FILE.read_text().strip()}"
        seeds = ",".join(f"127.0.0.1:{n.transport_port}" for n in self.nodes)
        settings = {
            "cluster.name": self.name,
            "node.name": node.name,
            "path.home": node.home,
            "path.data": node.home / "data",
            "path.logs": node.home / "logs",
            "network.host": "127.0.0.1",
            "http.port": node.http_port,
            "transport.port": node.transport_port,
            "discovery.seed_hosts": seeds,
            "cluster.initial_cluster_manager_nodes": ",".join(n.name for n in self.nodes),
            # a shared test machine's disk may be fuller than OpenSearch's watermarks like
            "cluster.routing.allocation.disk.threshold_enabled": "false",
            # a node that comes back after kill -9 gets its shard copies again without a minute's wait
            "cluster.routing.allocation.node_concurrent_recoveries": "4",
        }
        return [
            "java",
            f"-Xms{self.heap_mb}m",
            f"-Xmx{self.heap_mb}m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Xss1m",
            f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
            "-Dlog4j2.disable.jmx=true",
            "-Dio.netty.allocator.type=unpooled",
            f"-Djava.io.tmpdir={node.home / 'tmp'}",
            "-cp",
            classpath,
            MAIN_CLASS,
            *(f"{k}={v}" for k, v in settings.items()),
        ]

    def start_node(self, i: int) -> None:
        """Start node `i` (again, after a kill): its data folder is kept."""
        node = self.nodes[i]
        if node.process is not None and node.process.poll() is None:
            return
        for sub in ("config", "tmp", "logs"):
            (node.home / sub).mkdir(parents=True, exist_ok=True)
        with open(node.log, "ab") as log:
            node.process = subprocess.Popen(
                self._command(node),
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=node.home,
            )

    def start(self, timeout: float = 180.0) -> None:
        """Start every node and wait for a green cluster with all of them; stop them all on failure."""
        why = tooling_missing()
        if why:
            raise ClusterError(why)
        try:
            for i in range(len(self.nodes)):
                self.start_node(i)
            self.wait_for("green", timeout=timeout)
        except BaseException:
            self.stop()
            raise

    def kill_node(self, i: int) -> None:
        """`kill -9` node `i`, as a crash would."""
        proc = self.nodes[i].process
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        self._close(self.nodes[i])

    def stop(self) -> None:
        """Stop every JVM started here: SIGTERM, then SIGKILL for one that does not stop in 30 s."""
        for node in self.nodes:
            proc = node.process
            if proc is not None and proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 30
        for node in self.nodes:
            proc = node.process
            if proc is None:
                continue
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)
            self._close(node)

    @staticmethod
    def _close(node: _Node) -> None:
        if node.process is not None and node.process.stdin is not None:
            try:
                node.process.stdin.close()
            except OSError:
                pass
        node.process = None

    def running(self) -> list[int]:
        """Process ids of the JVMs that are still alive."""
        return [n.process.pid for n in self.nodes if n.process is not None and n.process.poll() is None]

    # --- health -------------------------------------------------------------------------------------

    def request(self, method: str, path: str, body: object | None = None, timeout: float = 10.0) -> dict:
        """One JSON request to the first node that answers (test plumbing, not Kavosh's client)."""
        data = None if body is None else json.dumps(body).encode()
        last: Exception | None = None
        for node in self.nodes:
            if node.process is None or node.process.poll() is not None:
                continue
            req = urllib.request.Request(node.url + path, data=data, method=method)
            req.add_header("Content-Type", "application/json")
            try:
                with urllib.request.urlopen(req, timeout=timeout) as resp:
                    answer = json.loads(resp.read() or b"{}")
                    return answer if isinstance(answer, dict) else {"items": answer}
            except urllib.error.HTTPError as e:
                return json.loads(e.read() or b"{}") | {"_http_status": e.code}
            except OSError as e:
                last = e
        raise ClusterError(f"no node answered {method} {path}: {last}")

    def wait_for(self, status: str = "green", timeout: float = 180.0) -> dict:
        """Wait for every running node in the cluster and at least `status`; the health, or ClusterError."""
        wanted = len(self.running())
        deadline = time.monotonic() + timeout
        health: dict = {}
        while time.monotonic() < deadline:
            for node in self.nodes:
                if node.process is not None and node.process.poll() is not None:
                    raise ClusterError(f"{node.name} exited: see {node.log}\n{_tail(node.log)}")
            try:
                health = self.request(
                    "GET", f"/_cluster/health?wait_for_status={status}&wait_for_nodes={wanted}&timeout=5s"
                )
                if not health.get("timed_out", True) and "_http_status" not in health:
                    return health
            except ClusterError:
                pass
            time.sleep(0.5)
        logs = "\n".join(f"--- {n.name}\n{_tail(n.log)}" for n in self.nodes)
        raise ClusterError(
            f"cluster not {status} with {wanted} nodes after {timeout:.0f} s: {health}\n{logs}"
        )


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@pytest.fixture(scope="session")
def opensearch_cluster(tmp_path_factory):
    """A green 3-node cluster for the whole test session, started on first use, stopped at the end."""
    require_tooling()
    cluster = LocalCluster(tmp_path_factory.mktemp("opensearch"))
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def sample_documents() -> int:
    """How many documents the loader makes of `samples/` (they grow: counted, never written down)."""
    from indexer.sources.loader import Doc, FileEntry, parse_file, walk

    samples = Path(__file__).resolve().parents[1] / "samples"
    count = 0
    for entry in walk(samples):
        if isinstance(entry, FileEntry):
            count += sum(isinstance(d, Doc) for d in parse_file(entry, Path(entry.abspath).read_bytes()))
    return count
