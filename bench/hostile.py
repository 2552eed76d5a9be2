"""Hostile load: the worst query a bounded fuzz finds, and what slow connections do to a normal client.

Builds (or reuses, with `--index`) an index made for the worst case: the sample documents cut into
`--docs` documents, each also holding 40 of 1,950 made-up words starting with `zq`, so that `zq*` expands to
every one of them. Then, against `kavosh serve --workers 2` on a free 127.0.0.1 port:

1. a fuzz of `--queries` queries (seeded: keywords, phrases, operators, prefixes, control characters, repeated
   clauses, very long queries, and a few known worst cases such as `zq*` written 64 times) sent one at a time
   to `/api/search`; it prints the status codes, p50/p99/worst time, the most CPU one query took (wall time
   depends on what else the machine runs), the worst queries, and each worker's peak and final RSS;
2. `--slow` slow connections that send a request one byte every two seconds and never finish it (reconnecting
   when the server closes them) for `--seconds`, while one normal client searches on fresh connections; it
   prints how many requests the normal client completed and how many failed.

Run it once before a change and once after on the same `--index` to compare. Traffic goes only to 127.0.0.1,
every phase is bounded in requests and time, and every process and socket it opened is closed at the end.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import percentile, print_table

ROOT = Path(__file__).resolve().parents[1]
KAVOSH = Path(sys.executable).with_name("kavosh")
OUT = Path(__file__).resolve().parent / "out"
URL_LINE = re.compile(r"http://127\.0\.0\.1:(\d+)/")
ZQ_WORDS = 1950
REQUEST_TIMEOUT = 120.0
_WORD = re.compile(r"[\w\u200c]+")


def zq_vocabulary() -> list[str]:
    """1,950 distinct made-up words, every one starting with `zq`."""
    letters = "abcdefghijklmnopqrstuvwxy"
    words = [f"zq{a}{b}{c}" for a in letters for b in letters for c in "aeiou"]
    return words[:ZQ_WORDS]


def sample_sentences() -> list[str]:
    """The sentences of the project's own sample documents (plain text and Markdown)."""
    sentences: list[str] = []
    for path in sorted((ROOT / "samples").rglob("*")):
        if path.suffix in (".txt", ".md"):
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            sentences.extend(s.strip() for s in re.split(r"[.!؟?\n]+", text) if len(s.strip()) > 20)
    return sentences


def build_index(index_dir: Path, docs: int) -> None:
    """Write `docs` documents (sample sentences plus 40 `zq` words each) and index them."""
    rng = random.Random(11)
    folder = index_dir.parent / (index_dir.name + "-docs")
    folder.mkdir(parents=True, exist_ok=True)
    sentences, vocab = sample_sentences(), zq_vocabulary()
    for i in range(docs):
        body = " ".join(rng.sample(sentences, 6)) + "\n" + " ".join(rng.sample(vocab, 40))
        (folder / f"d{i:05d}.txt").write_text(f"سند آزمایشی {i}\n{body}\n", encoding="utf-8")
    subprocess.run([str(KAVOSH), "--quiet", "index", str(folder), "--index", str(index_dir), "--rebuild"])


def fuzz_queries(count: int, seed: int = 5) -> list[str]:
    """`count` seeded queries, the known worst cases first."""
    rng = random.Random(seed)
    words = sorted({w for s in sample_sentences() for w in _WORD.findall(s)})
    vocab = words + zq_vocabulary()[:200]
    phrase = "«" + " ".join(words[100:103]) + "»"
    worst = [
        " ".join(["zq*"] * 64),
        " ".join([phrase] * 60)[:1000],
        " ".join(f"zq{c}*" for c in "abcdefghijklmnopqrstuvwxy"),
        " ".join(["+zq*"] * 30 + ["-zqa*"] * 30),
        "(" * 8 + " OR ".join(["zq*"] * 40) + ")" * 8,
    ]
    junk = '«»"“”()+-*:!@#\u202e\u200f\u200c\u0000\u0007\t ۱۲۳ يك ـــ َ ُ title: عنوان: AND OR NOT'

    def word() -> str:
        return rng.choice(vocab)

    def one() -> str:
        kind = rng.random()
        if kind < 0.30:
            return " ".join(word() for _ in range(rng.randint(1, 6)))
        if kind < 0.40:
            return "«" + " ".join(word() for _ in range(rng.randint(2, 5))) + "»"
        if kind < 0.50:
            parts = [rng.choice(["+", "-", "", "title:", "("]) + word() for _ in range(rng.randint(2, 6))]
            return rng.choice([" OR ", " AND ", " ", " NOT "]).join(parts)
        if kind < 0.65:
            return " ".join(word()[: rng.randint(1, 5)] + "*" for _ in range(rng.randint(1, 4)))
        if kind < 0.75:
            return "".join(rng.choice(junk) for _ in range(rng.randint(1, 200)))
        if kind < 0.85:
            unit = rng.choice([word(), word()[:3] + "*", "«" + word() + " " + word() + "»"])
            return " ".join([unit] * rng.randint(2, 20))
        if kind < 0.86:
            cut = rng.choice(worst[:2])[: rng.randint(100, 1000)]
            return cut if rng.random() < 0.5 else rng.choice(worst)
        if kind < 0.95:
            return " ".join(word() for _ in range(200))[:1000]
        return word() + rng.choice(["۲*", "2*", "*", "ها*"])

    return worst + [one() for _ in range(max(0, count - len(worst)))]


def start_server(index_dir: Path, log: Path) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(
        [str(KAVOSH), "serve", "--index", str(index_dir), "--port", "0", "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
    )
    line = proc.stdout.readline() if proc.stdout else ""
    match = URL_LINE.search(line)
    if not match:
        proc.kill()
        proc.wait()
        sys.exit(f"kavosh serve did not start: {line.strip() or 'no output'} (see {log})")
    return proc, int(match.group(1))


def workers(pid: int) -> list[int]:
    """The server's worker processes, from /proc."""
    found = []
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = entry.read_text()
        except OSError:
            continue
        if int(raw[raw.rindex(")") + 2 :].split()[1]) == pid:
            found.append(int(entry.parent.name))
    return sorted(found)


def memory(pid: int) -> tuple[float, float]:
    """(peak RSS, RSS) of a process in MB, from /proc/PID/status."""
    values = {"VmHWM:": 0.0, "VmRSS:": 0.0}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            parts = line.split()
            if parts and parts[0] in values:
                values[parts[0]] = int(parts[1]) / 1024
    except (OSError, ValueError):
        pass
    return values["VmHWM:"], values["VmRSS:"]


def get(port: int, path: str, timeout: float) -> int:
    """GET on a fresh connection (any worker may take it); the status, or -1 for a connection failure."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    except (OSError, http.client.HTTPException):
        return -1
    finally:
        conn.close()


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU seconds the processes have used (from /proc/PID/stat)."""
    total = 0
    for pid in pids:
        try:
            raw = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def fuzz(port: int, queries: list[str], seconds: float, pids: list[int]) -> dict:
    """Send the queries one at a time until done or `seconds` have passed. Wall time depends on what else the
    machine runs; the workers' CPU seconds per query (one query runs at a time) do not."""
    times: list[float] = []
    cpus: list[float] = []
    statuses: dict[int, int] = {}
    worst = (0.0, "")
    worst_cpu = (0.0, "")
    stop_at = time.monotonic() + seconds
    for q in queries:
        if time.monotonic() > stop_at:
            break
        path = "/api/search?" + urllib.parse.urlencode({"q": q})
        cpu = cpu_seconds(pids)
        began = time.perf_counter()
        status = get(port, path, REQUEST_TIMEOUT)
        took = time.perf_counter() - began
        used = cpu_seconds(pids) - cpu
        times.append(took)
        cpus.append(used)
        statuses[status] = statuses.get(status, 0) + 1
        if took > worst[0]:
            worst = (took, q)
        if used > worst_cpu[0]:
            worst_cpu = (used, q)
    return {"times": times, "cpus": cpus, "statuses": statuses, "worst": worst, "worst_cpu": worst_cpu}


def slow_load(port: int, slow: int, seconds: float) -> dict:
    """`slow` never-finishing connections (one byte per two seconds) against one normal client."""
    stop_at = time.monotonic() + seconds
    done = {"ok": 0, "failed": 0, "slow_reconnects": 0}
    socks: list[socket.socket | None] = [None] * slow

    def slow_clients() -> None:
        while time.monotonic() < stop_at:
            for i in range(slow):
                sock = socks[i]
                try:
                    if sock is None:
                        sock = socket.create_connection(("127.0.0.1", port), timeout=2)
                        sock.sendall(b"GET /api/search?q=")
                        socks[i] = sock
                        done["slow_reconnects"] += 1
                    else:
                        sock.sendall(b"a")
                except OSError:
                    if sock is not None:
                        sock.close()
                    socks[i] = None
            time.sleep(2.0)

    feeder = threading.Thread(target=slow_clients, daemon=True)
    feeder.start()
    time.sleep(3.0)  # let the slow connections pile up first
    path = "/api/search?" + urllib.parse.urlencode({"q": "کتاب"})
    while time.monotonic() < stop_at:
        status = get(port, path, 5.0)
        done["ok" if status == 200 else "failed"] += 1
    feeder.join(timeout=10)
    for sock in socks:
        if sock is not None:
            sock.close()
    done["slow_reconnects"] -= slow  # the first connection of each slow client is not a reconnect
    return done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=OUT / "hostile-index", help="index to build or reuse")
    parser.add_argument("--docs", type=int, default=1500)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--fuzz-seconds", type=float, default=1200.0, help="upper bound of the fuzz phase")
    parser.add_argument("--slow", type=int, default=300, help="slow connections")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the slow-connection phase")
    parser.add_argument("--label", default="", help="a name for this run in the tables (e.g. before, after)")
    args = parser.parse_args()
    if not (args.index / "CURRENT").is_file():
        print(f"building {args.index} ({args.docs} documents)...", flush=True)
        build_index(args.index, args.docs)
    OUT.mkdir(exist_ok=True)
    queries = fuzz_queries(args.queries)
    proc, port = start_server(args.index, OUT / "hostile-serve.log")
    try:
        deadline = time.monotonic() + 30
        while len(pids := workers(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)  # the server announces itself before it forks its workers
        for _ in range(4):
            get(port, "/healthz", 10)
        base = {pid: memory(pid)[1] for pid in pids}
        result = fuzz(port, queries, args.fuzz_seconds, pids)
        mem = {pid: memory(pid) for pid in pids}
        slow = slow_load(port, args.slow, args.seconds) if args.slow else None
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    times = result["times"]
    label = args.label or "run"
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(result["statuses"].items()))
    print(f"\nfuzz ({label}): {len(times)} of {len(queries)} queries; statuses {statuses}")
    print_table(
        [
            "run",
            "queries",
            "p50 ms",
            "p99 ms",
            "worst s",
            "worst CPU s",
            "CPU s total",
            "peak RSS MB",
            "RSS after MB",
            "RSS before MB",
        ],
        [
            [
                label,
                len(times),
                f"{percentile(times, 50) * 1000:.1f}",
                f"{percentile(times, 99) * 1000:.1f}",
                f"{result['worst'][0]:.2f}",
                f"{result['worst_cpu'][0]:.2f}",
                f"{sum(result['cpus']):.1f}",
                " / ".join(f"{mem[p][0]:.0f}" for p in pids),
                " / ".join(f"{mem[p][1]:.0f}" for p in pids),
                " / ".join(f"{base[p]:.0f}" for p in pids),
            ]
        ],
    )
    for what, (_, worst_q) in (("time", result["worst"]), ("CPU", result["worst_cpu"])):
        more = "…" if len(worst_q) > 120 else ""
        print(f"worst query by {what} ({len(worst_q)} characters): {worst_q[:120]!r}{more}")
    if slow is not None:
        print(f"\nslow connections ({label}): {args.slow} for {args.seconds:.0f} s")
        print_table(
            ["run", "slow connections", "normal requests ok", "failed", "slow reconnects"],
            [[label, args.slow, slow["ok"], slow["failed"], slow["slow_reconnects"]]],
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
