"""Index generations on disk: `gen-NNNNNN/` folders, the atomically replaced `CURRENT`, the writer lock.

A reader only ever opens the generation `CURRENT` names, and `CURRENT` changes only after a new generation
is complete and fsynced, so a crash at any moment leaves the previous generation live and whole.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index

from analyzers import ANALYZER_VERSION
from indexer.errors import IndexDamaged, IndexMissing, IndexVersionMismatch, LockTimeout, is_bug
from indexer.errors import KavoshIndexError as KavoshIndexError
from indexer.storage.schema import SCHEMA_VERSION

log = logging.getLogger("kavosh.indexer")

CURRENT = "CURRENT"
META = "kavosh.json"
LOCK = "write.lock"
_GEN_RE = re.compile(r"^gen-(\d{6,})$")
# Whoosh's own lock files are never shared between generations (a hard link would share the lock's inode).
_NOT_LINKED = re.compile(r"(_WRITELOCK|\.lock)$|^" + re.escape(META) + "$")


@dataclass
class Generation:
    """One complete, opened generation of an index folder."""

    name: str
    path: Path
    index: whoosh_index.Index
    meta: dict


def gen_name(number: int) -> str:
    return f"gen-{number:06d}"


def gen_number(name: str) -> int | None:
    m = _GEN_RE.match(name)
    return int(m.group(1)) if m else None


def current_name(index_dir: str | os.PathLike) -> str | None:
    """The live generation's name, or None. Cheap (one small read) so readers can poll it."""
    try:
        name = (Path(index_dir) / CURRENT).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return name if gen_number(name) is not None else None


def read_meta(gen_path: Path) -> dict:
    with (gen_path / META).open(encoding="utf-8") as fh:
        return json.load(fh)


def check_versions(meta: dict, where: str) -> None:
    """Refuse an index built by another analyzer or schema version."""
    built = (meta.get("analyzer_version"), meta.get("schema_version"))
    if built != (ANALYZER_VERSION, SCHEMA_VERSION):
        raise IndexVersionMismatch(
            f"the index in {where} was built by analyzer version {built[0]} (schema {built[1]}), but this "
            f"Kavosh uses analyzer version {ANALYZER_VERSION} (schema {SCHEMA_VERSION}); rebuild it with "
            f"`kavosh index FOLDER --index {where} --rebuild`"
        )


def open_generation(index_dir: str | os.PathLike, check: bool = True) -> Generation:
    """Open the live generation. Raises IndexMissing, IndexDamaged or IndexVersionMismatch (with `check`, or
    without it when an index of another version cannot be opened).

    If a writer switches and removes generations between our reading CURRENT and opening the folder, we
    simply follow CURRENT again, so a reader always gets one complete generation.
    """
    index_dir = Path(index_dir)
    for _attempt in range(5):
        name = current_name(index_dir)
        if name is None:
            raise IndexMissing(
                f"no Kavosh index in {index_dir} (no valid {CURRENT} file); create one with "
                f"`kavosh index FOLDER --index {index_dir}`"
            )
        try:
            return _open(index_dir, name, check)
        except IndexMissing:
            if current_name(index_dir) == name:
                raise
    return _open(index_dir, current_name(index_dir) or "", check)


def _open(index_dir: Path, name: str, check: bool) -> Generation:
    path = index_dir / name
    try:
        meta = read_meta(path)
    except (OSError, ValueError) as exc:
        # A folder that is gone was removed by a writer after we read CURRENT (the caller retries).
        kind = IndexDamaged if path.is_dir() else IndexMissing
        raise kind(f"index generation {path} is unreadable ({exc}); rebuild with --rebuild") from exc
    if check:
        check_versions(meta, str(index_dir))
    try:
        ix = whoosh_index.open_dir(str(path))
    except Exception as exc:  # Whoosh raises many kinds for a damaged file; all mean the same to a user
        if not check:  # an index of another version may not even unpickle (a class moved): say that
            check_versions(meta, str(index_dir))
        if is_bug(exc):
            raise
        raise IndexDamaged(f"cannot open the index in {path} ({exc}); rebuild with --rebuild") from exc
    return Generation(name=name, path=path, index=ix, meta=meta)


def generations(index_dir: Path) -> list[tuple[int, str]]:
    """All generation folders, oldest first."""
    found = []
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(index_dir):
            number = gen_number(entry.name)
            if number is not None and entry.is_dir(follow_symlinks=False):
                found.append((number, entry.name))
    return sorted(found)


def next_generation(index_dir: Path) -> str:
    """A fresh generation name, newer than every folder present (even half-written ones)."""
    existing = generations(index_dir)
    return gen_name(existing[-1][0] + 1 if existing else 1)


def clean_up(index_dir: Path, keep_previous: bool = True) -> list[str]:
    """Remove half-written generations (newer than CURRENT) and all but the one before the current one.

    Call only while holding the writer lock. Returns the names removed.
    """
    live = current_name(index_dir)
    live_no = gen_number(live) if live else None
    gens = generations(index_dir)
    older = [name for no, name in gens if live_no is not None and no < live_no]
    doomed = [name for no, name in gens if live_no is None or no > live_no]
    if not keep_previous:
        doomed += older
    else:
        doomed += older[:-1]
    for name in doomed:
        shutil.rmtree(index_dir / name, ignore_errors=True)
        log.debug("removed generation %s", name)
    for stray in index_dir.glob(CURRENT + ".tmp*"):
        stray.unlink(missing_ok=True)
    return doomed


def seed_from(source: Path, target: Path) -> None:
    """Fill a new generation folder with the files of `source`, hard-linked (Whoosh never rewrites a
    segment file in place, so sharing them is safe), copied where linking is impossible."""
    target.mkdir()
    for entry in os.scandir(source):
        if not entry.is_file(follow_symlinks=False) or _NOT_LINKED.search(entry.name):
            continue
        try:
            os.link(entry.path, target / entry.name)
        except OSError:
            shutil.copy2(entry.path, target / entry.name)


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(folder: Path) -> None:
    """Flush every file of a generation and the folder itself to disk."""
    for entry in os.scandir(folder):
        if entry.is_file(follow_symlinks=False):
            fsync_path(Path(entry.path))
    fsync_path(folder)


def write_json_durably(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def switch_current(index_dir: Path, name: str) -> None:
    """Point CURRENT at `name` atomically: write a temp file, fsync, rename over, fsync the folder."""
    tmp = index_dir / f"{CURRENT}.tmp{os.getpid()}"
    with tmp.open("w", encoding="ascii") as fh:
        fh.write(name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / CURRENT)
    fsync_path(index_dir)


# Lock descriptors this process holds. Whoosh's multiprocess writer forks workers, which inherit them; a
# worker surviving a kill -9 of its parent would keep the lock held for ever. So a child forked while we hold
# the lock closes its copy and asks the kernel to kill it when its parent dies.
_held_fds: set[int] = set()


def _after_fork_in_child() -> None:
    if not _held_fds:
        return
    for fd in list(_held_fds):
        with contextlib.suppress(OSError):
            os.close(fd)
    _held_fds.clear()
    _die_with_parent()


def _die_with_parent() -> None:
    """prctl(PR_SET_PDEATHSIG, SIGKILL) on Linux; elsewhere nothing (the lock fd is closed anyway)."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


os.register_at_fork(after_in_child=_after_fork_in_child)


@contextlib.contextmanager
def writer_lock(
    index_dir: Path, timeout: float | None = None, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the folder's exclusive writer lock (`fcntl.flock`: the kernel drops it when a process dies, so a
    killed writer never leaves a stale lock). Waits up to `timeout` seconds (None: forever)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        deadline = None if timeout is None else time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            if not told:
                told = True
                limit = "" if timeout is None else f" (up to {timeout:g} s)"
                message = f"another kavosh index (pid {holder}) is writing {index_dir}; waiting{limit}"
                (on_wait or log.warning)(message)
            if deadline is not None and time.monotonic() >= deadline:
                raise LockTimeout(
                    f"gave up after {timeout:g} s: another kavosh index (pid {holder}) still holds the lock "
                    f"on {index_dir}; try again later or raise --lock-timeout"
                )
            time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        _held_fds.add(fd)
        yield
    finally:
        _held_fds.discard(fd)
        os.close(fd)  # closing the descriptor releases the flock
