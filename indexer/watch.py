"""An index that follows its folder: after the first pass, file system events (watchdog: inotify on Linux)
bring the index up to date as files are added, changed, moved or deleted.

Events are debounced: a batch of changes is indexed once the folder has been quiet for `quiet` seconds, and
never sooner than `min_interval` seconds after the previous update, so a copy of a thousand files makes one
new generation, not a thousand. A file still being written (its size or time still moving) is waited for.
Each update is an ordinary incremental `index_folder` run: it writes a whole new generation and switches
`CURRENT` only once it is complete, so Ctrl+C or kill -9 at any moment leaves the last generation searchable.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from indexer.build import Summary, index_folder

log = logging.getLogger("kavosh.indexer")

DEFAULT_MIN_INTERVAL = 2.0  # seconds between two generations at most once
DEFAULT_QUIET = 0.5  # seconds without events before a batch is indexed
SETTLE_CHECK = 0.3  # seconds between two looks at a changed file's size and time
MAX_SETTLE_WAIT = 60.0  # a file that keeps changing longer than this is indexed as it is


class _Changes:
    """What the watchdog thread saw: changed paths and the time of the last event (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.paths: set[str] = set()
        self.last_event = 0.0
        self.wake = threading.Event()

    def add(self, *paths: str) -> None:
        with self.lock:
            self.paths.update(p for p in paths if p)
            self.last_event = time.monotonic()
        self.wake.set()

    def take(self) -> set[str]:
        with self.lock:
            paths, self.paths = self.paths, set()
            self.wake.clear()
            return paths

    def pending(self) -> bool:
        with self.lock:
            return bool(self.paths)

    def quiet_for(self) -> float:
        with self.lock:
            return time.monotonic() - self.last_event


def _handler(folder: Path, index_dir: Path, changes: _Changes):
    from watchdog.events import FileSystemEventHandler

    index_prefix = str(index_dir.resolve()) + os.sep

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event) -> None:
            if event.event_type in ("opened", "closed_no_write"):
                return  # reading a file changes nothing
            paths = [os.fsdecode(event.src_path), os.fsdecode(getattr(event, "dest_path", "") or "")]
            relevant = [
                p for p in paths if p and not (p + os.sep).startswith(index_prefix) and not _hidden(p)
            ]
            if relevant:
                changes.add(*relevant)

    def _hidden(path: str) -> bool:
        rel = os.path.relpath(path, folder)
        return any(part.startswith(".") for part in Path(rel).parts if part not in (".", ".."))

    return Handler()


def _stat(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def wait_until_written(paths: set[str], stop: threading.Event) -> None:
    """Return once no file of `paths` changes size or time between two looks (or MAX_SETTLE_WAIT passed)."""
    deadline = time.monotonic() + MAX_SETTLE_WAIT
    before = {p: _stat(p) for p in paths}
    while time.monotonic() < deadline and not stop.is_set():
        stop.wait(SETTLE_CHECK)
        after = {p: _stat(p) for p in paths}
        if after == before:
            return
        before = after


def watch_folder(
    folder: str | os.PathLike,
    index_dir: str | os.PathLike,
    *,
    min_interval: float = DEFAULT_MIN_INTERVAL,
    quiet: float = DEFAULT_QUIET,
    stop: threading.Event | None = None,
    on_update: Callable[[Summary], None] | None = None,
    on_ready: Callable[[], None] | None = None,
    parent: int | None = None,
    **index_options,
) -> None:
    """Index `folder` into `index_dir`, then keep it up to date until `stop` is set (or Ctrl+C, which
    propagates as KeyboardInterrupt after the observer is stopped). `index_options` go to `index_folder`;
    `on_update` gets the summary of every run that wrote a generation or skipped something; with `parent`
    (a process id) it also stops once that process is gone (`kavosh serve --watch` starts it that way)."""
    from watchdog.observers import Observer

    folder, index_dir = Path(folder), Path(index_dir)
    stop = stop or threading.Event()
    changes = _Changes()
    observer = Observer()
    # Watch before the first pass, so nothing that changes during it is missed (it is simply indexed again).
    observer.schedule(_handler(folder, index_dir, changes), str(folder), recursive=True)
    observer.start()
    try:
        report = on_update or (lambda summary: None)
        report(index_folder(folder, index_dir, **index_options))
        index_options["rebuild"] = False  # a --rebuild is for the first pass only
        last_run = time.monotonic()
        if on_ready:
            on_ready()
        while not stop.is_set():
            changes.wake.wait(0.5)
            if parent is not None and os.getppid() != parent:
                log.info("the process that started the watcher is gone: stopping")
                break
            if not changes.pending():
                continue
            if changes.quiet_for() < quiet:
                stop.wait(quiet - changes.quiet_for())
                continue
            since = time.monotonic() - last_run
            if since < min_interval:
                stop.wait(min_interval - since)
                continue
            paths = changes.take()
            wait_until_written(paths, stop)
            if stop.is_set():
                break
            summary = index_folder(folder, index_dir, **index_options)
            last_run = time.monotonic()
            if summary.changed or summary.skipped_total:
                report(summary)
    finally:
        observer.stop()
        observer.join(timeout=5)


def start_watcher(folder: str | os.PathLike, index_dir: str | os.PathLike) -> subprocess.Popen:
    """`kavosh index FOLDER --index DIR --watch` in a child process that stops when this one goes (even by
    kill -9): how `kavosh serve --watch` keeps its index up to date without threads in the server."""
    where = [os.fspath(folder), "--index", os.fspath(index_dir)]
    return subprocess.Popen([sys.executable, "-m", "indexer.cli", "index", *where, "--watch",
                             f"--watch-parent={os.getpid()}"])  # fmt: skip


def stop_watcher(proc: subprocess.Popen, grace: float = 30.0) -> None:
    """Ask the watcher to finish (SIGTERM: it completes or abandons its current run) and wait for it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
