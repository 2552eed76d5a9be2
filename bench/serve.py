"""Load test: concurrent clients against `kavosh serve` while an incremental `kavosh index` runs.

Builds (or reuses) an index of the qa-ir passages replicated to `--docs` documents under bench/out/, starts
`kavosh serve` on a free 127.0.0.1 port, and keeps `--clients` threads searching `/api/search` with the
qa-ir questions for `--seconds`. A few seconds in, it adds a file and rewrites another in the document
folder and runs `kavosh index` on the same index; a monitor polls `/healthz` to see the new generation go
live. It prints requests/s, p50/p95/p99 latency (overall, during the update, and outside it) and the
error count, which must be zero. Traffic goes only to 127.0.0.1; the run is bounded in time and requests.
"""

from __future__ import annotations

import argparse
import http.client
import json
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
        from indexer.store import KavoshIndexError, open_generation

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


def start_server(index_dir: Path, threads: int, log: Path) -> tuple[subprocess.Popen, int]:
    """Run `kavosh serve --port 0` (its log to `log`) and read the port it really listens on."""
    proc = subprocess.Popen(
        [str(KAVOSH), "serve", "--index", str(index_dir), "--host", "127.0.0.1", "--port", "0",
         "--threads", str(threads)],
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


def get_json(port: int, path: str, conn: http.client.HTTPConnection | None = None) -> tuple[int, object]:
    """GET a path on the local server; returns (status, parsed JSON body)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        if own:
            conn.close()


class Load:
    """Shared state of one run: latencies stamped with their start time, and errors by kind."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: list[tuple[float, float]] = []  # (start time, latency ms)
        self.errors: dict[str, int] = {}

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1


def client(port: int, queries: list[str], offset: int, stop_at: float, budget: int, load: Load) -> None:
    """One client: search query after query on a keep-alive connection until the time or budget runs out."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    mine: list[tuple[float, float]] = []
    i = offset
    while time.perf_counter() < stop_at and len(mine) < budget:
        path = "/api/search?" + urllib.parse.urlencode({"q": queries[i % len(queries)], "limit": 10})
        i += 1
        start = time.perf_counter()
        try:
            status, body = get_json(port, path, conn)
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
    conn.close()
    with load.lock:
        load.samples.extend(mine)


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


def monitor(port: int, stop: threading.Event, seen: list[tuple[float, str]], load: Load) -> None:
    """Poll /healthz and note every generation served, with the time it was first seen."""
    while not stop.is_set():
        try:
            status, body = get_json(port, "/healthz")
            gen = str(body.get("generation")) if isinstance(body, dict) else "?"
            if status != 200:
                load.error(f"healthz {status}")
            elif not seen or seen[-1][1] != gen:
                seen.append((time.perf_counter(), gen))
        except (OSError, http.client.HTTPException, ValueError) as err:
            load.error(f"healthz {type(err).__name__}")
        stop.wait(0.25)


def direct_latencies(index_dir: Path, queries: list[str]) -> list[float]:
    """The same searches called in-process on one thread: what the HTTP layer and concurrency add to."""
    from search_ui.engine import SearchEngine

    engine = SearchEngine(index_dir)
    engine.search(queries[0])  # load the lexicon and open the index once, as the warm server has
    return search_latencies_ms(engine, queries)


def stats_row(name: str, lat: list[float], seconds: float) -> list[object]:
    p50, p95, p99 = (percentile(lat, q) for q in (50, 95, 99))
    rate = f"{len(lat) / seconds:.1f}" if seconds > 0 else "-"
    return [name, len(lat), rate, f"{p50:.1f}", f"{p95:.1f}", f"{p99:.1f}"]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=20_000, help="documents in the index")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the clients search")
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads")
    parser.add_argument("--threads", type=int, default=8, help="server worker threads")
    parser.add_argument("--update-after", type=float, default=3.0, help="seconds before the update starts")
    parser.add_argument("--max-requests", type=int, default=200_000, help="upper bound on all requests")
    parser.add_argument("--baseline", type=int, default=100, help="queries timed in-process first (0: none)")
    args = parser.parse_args()
    shared = require_shared()
    queries = [q["text"] for q in load_jsonl(shared / "queries.jsonl")]
    folder, index_dir = build_index(args.docs)

    baseline = direct_latencies(index_dir, queries[: args.baseline]) if args.baseline else []
    log = OUT / "serve-server.log"  # waitress warns here when requests wait for a free thread
    proc, port = start_server(index_dir, args.threads, log)
    load, timing, seen = Load(), {}, []
    stop = threading.Event()
    try:
        _, health = get_json(port, "/healthz")
        print(
            f"serving {health} on 127.0.0.1:{port}; {args.clients} clients for {args.seconds:.0f} s",
            flush=True,
        )
        get_json(port, "/api/search?" + urllib.parse.urlencode({"q": queries[0]}))  # warm up once
        watcher = threading.Thread(target=monitor, args=(port, stop, seen, load), daemon=True)
        watcher.start()
        begin = time.perf_counter()
        stop_at = begin + args.seconds
        budget = max(1, args.max_requests // args.clients)
        workers = [
            threading.Thread(target=client, args=(port, queries, i * 97, stop_at, budget, load), daemon=True)
            for i in range(args.clients)
        ]
        for w in workers:
            w.start()
        time.sleep(min(args.update_after, args.seconds))
        updater = threading.Thread(target=update, args=(folder, index_dir, str(int(time.time())), timing))
        updater.start()
        for w in workers:
            w.join()
        elapsed = time.perf_counter() - begin
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

    lat_all = [ms for _, ms in load.samples]
    u0, u1 = timing.get("start", 0.0), timing.get("end", 0.0)
    during = [ms for t, ms in load.samples if u0 <= t < u1]
    outside = [ms for t, ms in load.samples if not u0 <= t < u1]
    overlap = max(0.0, min(u1, begin + elapsed) - max(u0, begin))
    print()
    print_table(
        ["requests", "n", "req/s", "p50 ms", "p95 ms", "p99 ms"],
        [
            stats_row("all", lat_all, elapsed),
            stats_row("during the update", during, overlap),
            stats_row("outside the update", outside, elapsed - overlap),
            stats_row("in-process, 1 thread", baseline, sum(baseline) / 1000),
        ],
    )
    queued = sum("Task queue depth" in line for line in log.read_text().splitlines())
    print(f"\nwaitress found all {args.threads} threads busy {queued} times (requests waited in its queue)")
    errors = sum(load.errors.values())
    print()
    print(f"errors: {errors} {load.errors if errors else ''}".rstrip())
    print(f"incremental update: status {timing.get('status')}, {u1 - u0:.1f} s, {overlap:.1f} s under load")
    print("generations served: " + ", ".join(f"{g} (at {t - begin:+.1f} s)" for t, g in seen))
    if not any(begin < t <= begin + elapsed for t, _ in seen[1:]):
        print(
            "note: the new generation did not go live while the clients were running (make --seconds longer)"
        )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
