"""`kavosh index --watch` (issue 15): the index follows the folder as files are created, changed, renamed and
deleted; a file still being written is waited for; Ctrl+C stops it cleanly and kill -9 leaves the last
generation searchable. `kavosh serve --watch FOLDER` does the same beside the page, its watcher stopping with
the server. The commands run for real, each in its own process."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from indexer import errors
from indexer.build import index_folder
from indexer.storage import generations as store
from indexer.storage.schema import decode_text
from search_ui.engines.folder import SearchEngine

KAVOSH = Path(sys.executable).with_name("kavosh")
TIMEOUT = 20.0  # seconds the index may take to follow a change (it takes about one: quiet 0.5 s + a run)

pytestmark = pytest.mark.slow


class Watcher:
    """`kavosh index FOLDER --index DIR --watch` in its own process, its stderr collected."""

    def __init__(self, folder: Path, index_dir: Path) -> None:
        self.proc = subprocess.Popen(
            [str(KAVOSH), "index", str(folder), "--index", str(index_dir), "--watch", "--watch-interval=0.5"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for_line(self, text: str) -> None:
        wait_until(lambda: any(text in line for line in self.lines), f"a line with {text!r}: {self.lines}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self.reader.join(timeout=5)


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {TIMEOUT} s: {what}")


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[tuple[Path, Path, Watcher]]:
    folder, index_dir = tmp_path / "docs", tmp_path / "idx"
    folder.mkdir()
    (folder / "first.txt").write_text("نخستین\nسند پیش از آغاز پاییدن", encoding="utf-8")
    watcher = Watcher(folder, index_dir)
    try:
        watcher.wait_for_line("watching")
        yield folder, index_dir, watcher
    finally:
        watcher.stop()


def ids(engine: SearchEngine, query: str) -> list[str]:
    return sorted(h["id"] for h in engine.search(query)["hits"])


def test_index_follows_create_modify_rename_delete(watched) -> None:
    folder, index_dir, _watcher = watched
    engine = SearchEngine(index_dir)
    assert ids(engine, "پاییدن") == ["first.txt"]

    (folder / "sub").mkdir()
    (folder / "sub" / "a.txt").write_text("انار\nانارهای ساوه شیرین‌اند", encoding="utf-8")
    wait_until(lambda: ids(engine, "ساوه") == ["sub/a.txt"], "a created file is found")

    (folder / "sub" / "a.txt").write_text("انار\nانارهای یزد ترش‌اند", encoding="utf-8")
    wait_until(lambda: ids(engine, "یزد") == ["sub/a.txt"] and not ids(engine, "ساوه"), "a changed file")

    (folder / "sub" / "a.txt").rename(folder / "b.txt")
    wait_until(lambda: ids(engine, "یزد") == ["b.txt"], "a renamed file is found under its new name")

    (folder / "b.txt").unlink()
    wait_until(lambda: not ids(engine, "یزد"), "a deleted file is gone")
    assert ids(engine, "پاییدن") == ["first.txt"]  # the rest stays


def test_a_file_still_being_written_is_waited_for(watched) -> None:
    folder, index_dir, _watcher = watched
    chunks = [f"بند {n} از نامه‌ای بلند درباره‌ی باغ‌های کاشان\n" for n in range(30)]
    whole = "".join(chunks)
    seen: list[str] = []
    done = threading.Event()

    def observe() -> None:  # what the index holds for the file now
        try:
            gen = store.open_generation(index_dir)
            with gen.index.searcher() as searcher:
                fields = searcher.document(id="letter.txt")
            if fields:
                seen.append(decode_text(fields))
        except errors.KavoshIndexError:
            pass

    def look() -> None:  # ... again and again while it grows
        while not done.is_set():
            observe()
            time.sleep(0.05)

    looker = threading.Thread(target=look)
    looker.start()
    try:
        with open(folder / "letter.txt", "w", encoding="utf-8") as fh:
            for chunk in chunks:  # written over ~3 s, in steps shorter than the quiet time
                fh.write(chunk)
                fh.flush()
                time.sleep(0.1)
        engine = SearchEngine(index_dir)
        wait_until(lambda: ids(engine, "«بند 29»") == ["letter.txt"], "the finished file is found")
    finally:
        done.set()
        looker.join()
    observe()  # the last word, even if the looker (slow on a loaded machine) missed the switch
    assert seen and all(text == whole for text in seen)  # never indexed half-written


def test_ctrl_c_stops_cleanly_and_kill_9_leaves_the_index_searchable(tmp_path: Path) -> None:
    folder, index_dir = tmp_path / "docs", tmp_path / "idx"
    folder.mkdir()
    (folder / "a.txt").write_text("کوه\nدماوند بلندترین کوه است", encoding="utf-8")
    watcher = Watcher(folder, index_dir)
    try:
        watcher.wait_for_line("watching")
        watcher.proc.send_signal(signal.SIGINT)
        assert watcher.proc.wait(timeout=15) == 0
        watcher.reader.join(timeout=5)
        assert any("stopped watching" in line for line in watcher.lines), watcher.lines
    finally:
        watcher.stop()
    live = store.gen_number(store.current_name(index_dir))
    # no half-written generation left behind
    assert live is not None and all(number <= live for number, _ in store.generations(index_dir))

    watcher = Watcher(folder, index_dir)
    try:
        watcher.wait_for_line("watching")
        for n in range(40):  # keep it busy writing generations, then kill it (likely in the middle of one)
            (folder / f"n{n}.txt").write_text(f"یادداشت {n}\nدماوند و البرز", encoding="utf-8")
            time.sleep(0.05)
        time.sleep(1.0)
        os.kill(watcher.proc.pid, signal.SIGKILL)
        watcher.proc.wait(timeout=10)
    finally:
        watcher.stop()
    assert store.current_name(index_dir) is not None
    assert "a.txt" in ids(SearchEngine(index_dir), "دماوند")
    summary = index_folder(folder, index_dir)  # the next run cleans up and catches up
    assert summary.documents == 41
    assert len(SearchEngine(index_dir).search("البرز", limit=100)["hits"]) == 40


def _serve_watching(folder: Path, index_dir: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [str(KAVOSH), "serve", "--index", str(index_dir), "--port", "0", "--watch", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    line = proc.stdout.readline() if proc.stdout else ""
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        proc.kill()
        pytest.fail(f"kavosh serve --watch did not start: {line!r}")
    return proc, f"http://127.0.0.1:{match.group(1)}"


def _api_ids(url: str, query: str) -> list[str]:
    with urllib.request.urlopen(f"{url}/api/search?q={urllib.parse.quote(query)}", timeout=10) as resp:
        return sorted(h["id"] for h in json.load(resp)["hits"])


def _watcher_of(server_pid: int) -> int:
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_serve_watch_indexes_serves_and_follows_the_folder(tmp_path: Path) -> None:
    folder, index_dir = tmp_path / "docs", tmp_path / "idx"
    folder.mkdir()
    (folder / "a.txt").write_text("کوه\nقله‌ی دماوند بلند است", encoding="utf-8")
    (folder / "c.txt").write_text("شهر\nتبریز شهری سردسیر است", encoding="utf-8")
    proc, url = _serve_watching(folder, index_dir)  # no index yet: the watcher's first pass makes it
    try:
        assert _api_ids(url, "دماوند") == ["a.txt"]
        (folder / "b.txt").write_text("رود\nکارون پرآب‌ترین رود ایران است", encoding="utf-8")
        wait_until(lambda: _api_ids(url, "کارون") == ["b.txt"], "the page serves a file added while it runs")
        watcher = _watcher_of(proc.pid)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        wait_until(lambda: _gone(watcher), "the watcher stops with the server")

        proc, url = _serve_watching(folder, index_dir)
        watcher = _watcher_of(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        wait_until(lambda: _gone(watcher), "the watcher stops when the server is killed")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
