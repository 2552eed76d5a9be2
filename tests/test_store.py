"""Generations, the writer lock, a real kill -9 in the middle of a build, and readers during writes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from whoosh.query import Term

from indexer import errors
from indexer.build import index_folder
from indexer.storage import generations as store

WORDS = "کتاب دانش تاریخ سفر ورزش شعر آشپزی کوه دریا شهر باران خورشید".split()


def make_folder(folder: Path, n: int, start: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        words = [WORDS[(i * 7 + k) % len(WORDS)] for k in range(40)]
        (folder / f"doc{i:04d}.txt").write_text(f"سند {i}\n" + " ".join(words) + "\n", encoding="utf-8")


def answers(index_dir: Path) -> dict[str, list[str]]:
    """Doc ids for a few queries: what a user would see."""
    gen = store.open_generation(index_dir)
    with gen.index.searcher() as searcher:
        return {
            word: sorted(hit["id"] for hit in searcher.search(Term("body", word), limit=None))
            for word in WORDS[:4]
        }


def test_lock_waits_for_the_other_writer(tmp_path: Path) -> None:
    src, idx = tmp_path / "src", tmp_path / "idx"
    make_folder(src, 3)
    messages: list[str] = []
    held = threading.Event()

    def hold() -> None:
        with store.writer_lock(idx):
            held.set()
            time.sleep(1.0)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    began = time.monotonic()
    summary = index_folder(src, idx, lock_timeout=20, on_wait=messages.append)
    holder.join()
    assert time.monotonic() - began >= 0.5
    assert summary.added == 3
    assert len(messages) == 1 and "waiting" in messages[0] and str(os.getpid()) in messages[0]


def test_second_kavosh_index_gives_up_after_lock_timeout(tmp_path: Path) -> None:
    src, idx = tmp_path / "src", tmp_path / "idx"
    make_folder(src, 2)
    kavosh = Path(sys.executable).with_name("kavosh")
    with store.writer_lock(idx):
        began = time.monotonic()
        run = subprocess.run(
            [str(kavosh), "index", str(src), "--index", str(idx), "--lock-timeout", "1"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert run.returncode == 2
    assert 1 <= time.monotonic() - began < 30
    assert "waiting" in run.stderr and "gave up after 1 s" in run.stderr
    assert "Traceback" not in run.stderr
    assert store.current_name(idx) is None  # nothing was written


CHILD = textwrap.dedent(
    """
    import sys, time
    from indexer.build import index_folder
    from indexer.progress import Progress

    class Slow(Progress):
        def update(self, files, docs, nbytes):
            print("file", flush=True)
            time.sleep(0.02)

    rebuild, procs = sys.argv[3] == "rebuild", int(sys.argv[4])
    index_folder(sys.argv[1], sys.argv[2], rebuild=rebuild, procs=procs, progress=Slow())
    print("done", flush=True)
    """
)


def run_and_kill(tmp_path: Path, src: Path, idx: Path, mode: str, procs: int, after_files: int) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    child = subprocess.Popen(
        [sys.executable, str(script), str(src), str(idx), mode, str(procs)], stdout=subprocess.PIPE, text=True
    )
    try:
        seen = 0
        for line in child.stdout:
            seen += line.strip() == "file"
            if seen >= after_files:
                break
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()


@pytest.mark.parametrize(("mode", "procs"), [("rebuild", 1), ("incremental", 2)])
def test_kill_9_in_the_middle_keeps_the_old_index(tmp_path: Path, mode: str, procs: int) -> None:
    src, idx = tmp_path / "src", tmp_path / "idx"
    make_folder(src, 40)
    index_folder(src, idx)
    before = answers(idx)
    old_files = sorted(p.name for p in (idx / "gen-000001").iterdir())
    assert all(before.values())

    # Change the folder so that a finished run would answer differently, then kill the run midway.
    for p in sorted(src.iterdir())[:10]:
        p.unlink()
    make_folder(src, 200, start=1000)
    run_and_kill(tmp_path, src, idx, mode, procs, after_files=150)  # past the first batch sent to a worker

    assert (idx / "gen-000002").is_dir()  # the half-written generation is there...
    assert store.current_name(idx) == "gen-000001"  # ...but CURRENT never moved
    assert answers(idx) == before
    assert sorted(p.name for p in (idx / "gen-000001").iterdir()) == old_files
    assert store.open_generation(idx).index.doc_count() == 40

    # The next run recovers: the kernel dropped the dead writer's lock (its worker processes, which share
    # the lock's file description, die with it), and the debris is removed.
    summary = index_folder(src, idx, lock_timeout=5)
    assert summary.documents == 230 and store.current_name(idx) == summary.generation
    assert answers(idx) != before
    gens = [name for _, name in store.generations(idx)]
    assert gens == ["gen-000001", summary.generation]


def test_readers_always_see_one_complete_generation(tmp_path: Path) -> None:
    src, idx = tmp_path / "src", tmp_path / "idx"
    make_folder(src, 20)
    index_folder(src, idx)
    seen: list[tuple[str, int, int, frozenset]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                gen = store.open_generation(idx)
                with gen.index.searcher() as searcher:
                    ids = frozenset(f["id"] for f in searcher.all_stored_fields())
                    hits = len(searcher.search(Term("body", WORDS[0]), limit=None))
                seen.append((gen.name, gen.meta["documents"], hits, ids))
            except BaseException as exc:  # any failure is a test failure
                errors.append(exc)
                return

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for round_ in range(4):
            make_folder(src, 15, start=100 + 15 * round_)
            for p in sorted(src.iterdir())[:5]:
                p.unlink()
            index_folder(src, idx)
    finally:
        stop.set()
        reader.join()
    assert not errors
    by_gen: dict[str, set] = {}
    for name, documents, hits, ids in seen:
        assert len(ids) == documents  # never a half-applied change
        by_gen.setdefault(name, set()).add((hits, ids))
    assert all(len(states) == 1 for states in by_gen.values())
    assert len(by_gen) >= 2


def test_a_reader_caught_by_a_clean_up_halfway_follows_current(tmp_path: Path, monkeypatch) -> None:
    """A reader reads CURRENT, then a writer switches and starts removing that generation: its meta is still
    there but its segments are gone, so it looks damaged. The reader follows CURRENT to the new one."""
    src, idx = tmp_path / "src", tmp_path / "idx"
    make_folder(src, 5)
    index_folder(src, idx)
    old = store.current_name(idx)
    make_folder(src, 3, start=50)
    index_folder(src, idx)
    new = store.current_name(idx)
    assert old != new
    for toc in (idx / old).glob("_MAIN_*.toc"):  # halfway through the writer's rmtree
        toc.unlink()
    answers = iter([old])
    real = store.current_name
    monkeypatch.setattr(store, "current_name", lambda d: next(answers, None) or real(d))
    gen = store.open_generation(idx)
    assert gen.name == new and gen.meta["documents"] == 8
    # a generation that is damaged while CURRENT still names it is reported as damaged
    monkeypatch.setattr(store, "current_name", lambda d: old)
    with pytest.raises(errors.IndexDamaged):
        store.open_generation(idx)


def test_analyzer_version_mismatch_is_refused_then_rebuilt(tmp_path: Path) -> None:
    src, idx = tmp_path / "src", tmp_path / "idx"
    make_folder(src, 3)
    index_folder(src, idx)
    meta_path = idx / "gen-000001" / store.META
    meta = json.loads(meta_path.read_text())
    meta["analyzer_version"] = "0-ancient"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(errors.IndexVersionMismatch, match="--rebuild"):
        store.open_generation(idx)
    summary = index_folder(src, idx)  # the indexer rebuilds by itself
    assert summary.rebuilt and summary.added == 3
    assert store.open_generation(idx).meta["analyzer_version"] != "0-ancient"


def test_old_generations_are_pruned_keeping_the_previous_one(tmp_path: Path) -> None:
    src, idx = tmp_path / "src", tmp_path / "idx"
    make_folder(src, 2)
    for i in range(4):
        make_folder(src, 1, start=10 + i)
        index_folder(src, idx)
    assert [name for _, name in store.generations(idx)] == ["gen-000003", "gen-000004"]
    assert store.current_name(idx) == "gen-000004"


def test_incremental_generation_shares_unchanged_segment_files(tmp_path: Path) -> None:
    src, idx = tmp_path / "src", tmp_path / "idx"
    make_folder(src, 30)
    index_folder(src, idx)
    make_folder(src, 1, start=500)
    index_folder(src, idx)
    old = {p.name: p.stat().st_ino for p in (idx / "gen-000001").glob("*.seg")}
    new = {p.name: p.stat().st_ino for p in (idx / "gen-000002").glob("*.seg")}
    shared = set(old) & set(new)
    assert shared and all(old[name] == new[name] for name in shared)  # hard links, not copies


def test_current_is_replaced_atomically(tmp_path: Path) -> None:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "gen-000001").mkdir()
    store.switch_current(tmp_path, "gen-000001")
    assert store.current_name(tmp_path) == "gen-000001"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("CURRENT")] == ["CURRENT"]
    (tmp_path / "CURRENT").write_text("garbage\n")
    assert store.current_name(tmp_path) is None
