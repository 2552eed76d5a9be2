"""Load test: concurrent clients against `kavosh serve --workers N` while an incremental `kavosh index` runs.

Builds (or reuses) an index of the qa-ir passages replicated to `--docs` documents under bench/out/. For
each worker count in `--workers` (default 1 and 2, one after the other with identical settings) it starts
`kavosh serve` on a free 127.0.0.1 port and keeps `--clients` threads searching `/api/search` with the
qa-ir questions for `--seconds`. A few seconds in, it adds a file and rewrites another in the document
folder and runs `kavosh index` on the same index; a monitor polls `/healthz` to see the new generation go
live and samples the memory of the server's process tree (RSS, which counts pages shared by forked workers
once per process, and PSS, which splits them). It prints one table with a row per worker count: requests/s,
p50/p95/p99 latency, errors (which must be zero) and memory; then latency during and outside the update.
Traffic goes only to 127.0.0.1; every run is bounded in time and requests.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import (
    load_jsonl,
    percentile,
    print_table,
    replicated_docs,
    require_shared,
    search_latencies_ms,
    write_jsonl_folder,
)

KAVOSH = Path(sys.executable).with_name("kavosh")
OUT = Path(__file__).resolve().parent / "out"
URL_LINE = re.compile(r"http://127\.0\.0\.1:(\d+)/")


def build_index(docs: int) -> tuple[Path, Path]:
    """The document folder and index for `docs` documents, built once and reused by later runs."""
    work = OUT / f"serve-{docs}"
    folder, index_dir = work / "docs", work / "index"
    marker = work / "built.ok"
    if marker.is_file():
        from indexer.errors import KavoshIndexError
        from indexer.storage.generations import open_generation

        try:
            open_generation(index_dir)
            print(f"reusing {index_dir}")
            return folder, index_dir
        except KavoshIndexError as err:  # e.g. built by an older analyzer: rebuild from the same folder
            print(f"cannot reuse the index ({err}); rebuilding")
    else:
        write_jsonl_folder(folder, replicated_docs(docs, vary=True))
    print(f"building a {docs:,}-document index in {index_dir} ...", flush=True)
    start = time.perf_counter()
    command = [str(KAVOSH), "--quiet", "index", str(folder), "--index", str(index_dir), "--rebuild"]
    run = subprocess.run(command, check=False)
    if run.returncode not in (0, 1):  # 1: some input was skipped with a message, the index is still built
        sys.exit(f"kavosh index failed with status {run.returncode}")
    print(f"built in {time.perf_counter() - start:.1f} s")
    marker.write_text("ok\n")
    return folder, index_dir


def start_server(index_dir: Path, threads: int, workers: int, log: Path) -> tuple[subprocess.Popen, int]:
    """Run `kavosh serve --port 0` (its log to `log`) and read the port it really listens on."""
    proc = subprocess.Popen(
        [str(KAVOSH), "serve", "--index", str(index_dir), "--host", "127.0.0.1", "--port", "0",
         "--threads", str(threads), "--workers", str(workers)],
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
    )  # fmt: skip
    line = proc.stdout.readline() if proc.stdout else ""
    match = URL_LINE.search(line)
    if not match:
        proc.kill()
        sys.exit(f"kavosh serve did not start: {line.strip() or 'no output'} (see {log})")
    return proc, int(match.group(1))


def get_json(port: int, path: str, conn: http.client.HTTPConnection | None = None) -> tuple[int, object, str]:
    """GET a path on the local server; returns (status, parsed JSON body, the worker that answered)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read()), resp.getheader("X-Kavosh-Worker", "1")
    finally:
        if own:
            conn.close()


class Load:
    """Shared state of one run: latencies stamped with their start time, and errors by kind."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: list[tuple[float, float]] = []  # (start time, latency ms)
        self.errors: dict[str, int] = {}
        self.by_worker: collections.Counter[str] = collections.Counter()  # answers per worker

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1


def client(port: int, queries: list[str], offset: int, stop_at: float, budget: int, load: Load) -> None:
    """One client: search query after query on a keep-alive connection until the time or budget runs out."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    mine: list[tuple[float, float]] = []
    workers: collections.Counter[str] = collections.Counter()
    i = offset
    while time.perf_counter() < stop_at and len(mine) < budget:
        path = "/api/search?" + urllib.parse.urlencode({"q": queries[i % len(queries)], "limit": 10})
        i += 1
        start = time.perf_counter()
        try:
            status, body, worker = get_json(port, path, conn)
        except (OSError, http.client.HTTPException, ValueError) as err:
            load.error(type(err).__name__)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        elapsed = (time.perf_counter() - start) * 1000
        if status != 200 or not isinstance(body, dict) or "hits" not in body:
            load.error(f"HTTP {status}")
        else:
            mine.append((start, elapsed))
            workers[worker] += 1
    conn.close()
    with load.lock:
        load.samples.extend(mine)
        load.by_worker.update(workers)


def update(folder: Path, index_dir: Path, run_id: str, timing: dict) -> None:
    """Change the folder (rewrite one file, add another) and run an incremental `kavosh index` on it."""
    extra = folder / "update"
    changed = [
        {
            "id": f"changed-{i}",
            "title": f"سند ویرایش‌شده {i}",
            "text": f"متن این سند در اجرای {run_id} بازنویسی شد، شماره {i}.",
        }
        for i in range(300)
    ]
    write_jsonl_folder(extra / "changed", iter(changed), per_file=300)  # same file, new content every run
    added = [
        {"id": f"added-{run_id}-{i}", "title": f"افزوده {i}", "text": f"سند تازه‌ی اجرای {run_id}."}
        for i in range(50)
    ]
    write_jsonl_folder(extra / f"added-{run_id}", iter(added), per_file=50)
    timing["start"] = time.perf_counter()
    run = subprocess.run(
        [str(KAVOSH), "--quiet", "index", str(folder), "--index", str(index_dir)],
        check=False,
        capture_output=True,
        text=True,
        timeout=900,
    )
    timing["end"] = time.perf_counter()
    timing["status"] = run.returncode
    if run.returncode not in (0, 1):
        print(f"kavosh index failed ({run.returncode}): {run.stderr[-1000:]}", file=sys.stderr)


def tree(pid: int) -> list[int]:
    """`pid` and its children (the workers), from /proc; empty where /proc is missing."""
    found = [pid]
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = entry.read_text()
        except OSError:
            continue
        if int(raw[raw.rindex(")") + 2 :].split()[1]) == pid:
            found.append(int(entry.parent.name))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU seconds these processes have used so far (from /proc/PID/stat)."""
    total = 0
    for pid in pids:
        try:
            raw = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def idle_seconds() -> float:
    """Seconds all cores of the machine spent idle since boot (/proc/stat), to see what CPU was free."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return 0.0
    return (int(fields[4]) + int(fields[5])) / os.sysconf("SC_CLK_TCK")  # idle + iowait


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of one process in MB from /proc/PID/smaps_rollup; zeros when unreadable."""
    values = {"Rss:": 0.0, "Pss:": 0.0}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            parts = line.split()
            if parts and parts[0] in values:
                values[parts[0]] = int(parts[1]) / 1024
    except (OSError, ValueError):
        pass
    return values["Rss:"], values["Pss:"]


def monitor(
    port: int, stop: threading.Event, seen: list[tuple[float, str]], load: Load, server_pid: int, peak: dict
) -> None:
    """Poll /healthz, note every generation served with the time it was first seen, and keep the peak
    memory of the server's process tree."""
    while not stop.is_set():
        pids = tree(server_pid)
        sizes = [memory_mb(pid) for pid in pids]
        rss, pss = sum(r for r, _ in sizes), sum(p for _, p in sizes)
        if rss > peak.get("rss", 0.0):
            peak.update(rss=rss, pss=pss, processes=len(pids), largest=max(r for r, _ in sizes))
        try:
            status, body, _ = get_json(port, "/healthz")
            gen = str(body.get("generation")) if isinstance(body, dict) else "?"
            if status != 200:
                load.error(f"healthz {status}")
            elif gen not in {g for _, g in seen}:  # workers may switch a moment apart: first sight only
                seen.append((time.perf_counter(), gen))
        except (OSError, http.client.HTTPException, ValueError) as err:
            load.error(f"healthz {type(err).__name__}")
        stop.wait(0.25)


def direct_latencies(index_dir: Path, queries: list[str]) -> list[float]:
    """The same searches called in-process on one thread: what the HTTP layer and concurrency add to."""
    from search_ui.engines.folder import SearchEngine

    engine = SearchEngine(index_dir)
    engine.search(queries[0])  # load the lexicon and open the index once, as the warm server has
    return search_latencies_ms(engine, queries)


def stats_row(name: str, lat: list[float], seconds: float) -> list[object]:
    p50, p95, p99 = (percentile(lat, q) for q in (50, 95, 99))
    rate = f"{len(lat) / seconds:.1f}" if seconds > 0 else "-"
    return [name, len(lat), rate, f"{p50:.1f}", f"{p95:.1f}", f"{p99:.1f}"]


def run_load(
    args: argparse.Namespace, workers: int, queries: list[str], folder: Path, index_dir: Path
) -> dict:
    """One load run against `kavosh serve --workers workers`; its samples, errors, timings and memory."""
    log = OUT / f"serve-server-w{workers}.log"  # waitress warns here when requests wait for a free thread
    proc, port = start_server(index_dir, args.threads, workers, log)
    load, timing, seen, peak = Load(), {}, [], {}
    stop = threading.Event()
    try:
        _, health, _ = get_json(port, "/healthz")
        print(
            f"workers={workers}: serving {health} on 127.0.0.1:{port}; {args.clients} clients for "
            f"{args.seconds:.0f} s",
            flush=True,
        )
        for q in queries[: 4 * workers]:  # warm every worker a little (fresh connections spread them)
            get_json(port, "/api/search?" + urllib.parse.urlencode({"q": q}))
        watcher = threading.Thread(target=monitor, args=(port, stop, seen, load, proc.pid, peak), daemon=True)
        watcher.start()
        begin = time.perf_counter()
        cpu0, idle0, own0 = cpu_seconds(tree(proc.pid)), idle_seconds(), sum(os.times()[:2])
        stop_at = begin + args.seconds
        budget = max(1, args.max_requests // args.clients)
        clients = [
            threading.Thread(target=client, args=(port, queries, i * 97, stop_at, budget, load), daemon=True)
            for i in range(args.clients)
        ]
        for c in clients:
            c.start()
        time.sleep(min(args.update_after, args.seconds))
        updater = threading.Thread(
            target=update, args=(folder, index_dir, f"{int(time.time())}-w{workers}", timing)
        )
        updater.start()
        for c in clients:
            c.join()
        elapsed = time.perf_counter() - begin
        cpu, idle = cpu_seconds(tree(proc.pid)) - cpu0, idle_seconds() - idle0
        own = sum(os.times()[:2]) - own0
        updater.join(timeout=900)
        time.sleep(1.0)  # let the monitor see a generation that went live at the very end
        stop.set()
        watcher.join()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    queued = sum("Task queue depth" in line for line in log.read_text().splitlines())
    return {
        "workers": workers,
        "load": load,
        "timing": timing,
        "seen": seen,
        "peak": peak,
        "begin": begin,
        "elapsed": elapsed,
        "queued": queued,
        "cores": cpu / elapsed,
        "idle": idle / elapsed,
        "clients": own / elapsed,
    }


def summary_row(run: dict) -> list[object]:
    lat = [ms for _, ms in run["load"].samples]
    p50, p95, p99 = (percentile(lat, q) for q in (50, 95, 99))
    peak = run["peak"]
    return [
        run["workers"],
        len(lat),
        f"{len(lat) / run['elapsed']:.1f}",
        f"{p50:.0f}",
        f"{p95:.0f}",
        f"{p99:.0f}",
        sum(run["load"].errors.values()),
        peak.get("processes", "-"),
        f"{peak.get('rss', 0):.0f}",
        f"{peak.get('pss', 0):.0f}",
        f"{peak.get('largest', 0):.0f}",
        f"{run['cores']:.2f}",
        f"{run['clients']:.2f}",
        f"{run['idle']:.2f}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=20_000, help="documents in the index")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the clients search, per run")
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads")
    parser.add_argument("--threads", type=int, default=8, help="server threads per worker")
    parser.add_argument(
        "--workers", default="1,2", help="worker counts to compare, run one after the other (e.g. 1,2,3)"
    )
    parser.add_argument("--update-after", type=float, default=3.0, help="seconds before the update starts")
    parser.add_argument("--max-requests", type=int, default=200_000, help="upper bound on requests per run")
    parser.add_argument("--baseline", type=int, default=100, help="queries timed in-process first (0: none)")
    args = parser.parse_args()
    try:
        counts = [int(w) for w in args.workers.split(",") if w.strip()]
    except ValueError:
        parser.error(f"--workers wants comma-separated whole numbers, not {args.workers!r}")
    if not counts or any(not 1 <= w <= 16 for w in counts):
        parser.error("--workers wants counts between 1 and 16")
    shared = require_shared()
    queries = [q["text"] for q in load_jsonl(shared / "queries.jsonl")]
    folder, index_dir = build_index(args.docs)

    baseline = direct_latencies(index_dir, queries[: args.baseline]) if args.baseline else []
    runs = [run_load(args, workers, queries, folder, index_dir) for workers in counts]

    print()
    print(
        f"{args.clients} clients x {args.seconds:.0f} s per run, {args.threads} threads per worker, "
        "one incremental update per run"
    )
    print_table(
        ["workers", "n", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "procs", "RSS MB", "PSS MB",
         "largest MB", "server cores", "client cores", "idle cores"],
        [summary_row(run) for run in runs],
    )  # fmt: skip
    if baseline:
        p50, p95, p99 = (percentile(baseline, q) for q in (50, 95, 99))
        print(
            f"in-process, 1 thread, {len(baseline)} queries: p50 {p50:.0f} ms, p95 {p95:.0f}, p99 {p99:.0f}"
        )
    print(
        "(memory: peak over the run for the server's processes, RSS counting shared pages in each one;\n"
        " server cores: CPU seconds the server's processes used per second; client cores: the same for this\n"
        " load generator; idle cores: what the machine left unused meanwhile)"
    )

    rows = []
    for run in runs:
        u0, u1 = run["timing"].get("start", 0.0), run["timing"].get("end", 0.0)
        begin, elapsed = run["begin"], run["elapsed"]
        overlap = max(0.0, min(u1, begin + elapsed) - max(u0, begin))
        during = [ms for t, ms in run["load"].samples if u0 <= t < u1]
        outside = [ms for t, ms in run["load"].samples if not u0 <= t < u1]
        rows.append(stats_row(f"workers={run['workers']}, during the update", during, overlap))
        rows.append(stats_row(f"workers={run['workers']}, outside it", outside, elapsed - overlap))
    print()
    print_table(["requests", "n", "req/s", "p50 ms", "p95 ms", "p99 ms"], rows)

    failed = False
    for run in runs:
        timing, seen, begin, elapsed = run["timing"], run["seen"], run["begin"], run["elapsed"]
        errors = run["load"].errors
        print(f"\nworkers={run['workers']}:")
        print(f"  errors: {sum(errors.values())} {errors if errors else ''}".rstrip())
        u0, u1 = timing.get("start", 0.0), timing.get("end", 0.0)
        print(f"  incremental update: status {timing.get('status')}, {u1 - u0:.1f} s")
        print("  generations served: " + ", ".join(f"{g} (at {t - begin:+.1f} s)" for t, g in seen))
        print(f"  waitress found all {args.threads} threads of a worker busy {run['queued']} times")
        shares = sorted(run["load"].by_worker.items())
        print("  answers by worker: " + ", ".join(f"{w}: {n}" for w, n in shares))
        if not any(begin < t <= begin + elapsed for t, _ in seen[1:]):
            print("  note: the new generation did not go live while the clients ran (make --seconds longer)")
        failed = failed or bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
