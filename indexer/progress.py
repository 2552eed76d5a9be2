"""Progress reporting for a build: a tqdm bar with documents/s on a terminal, nothing otherwise."""

from __future__ import annotations

import time


class Progress:
    """The progress protocol `index_folder` calls; this base class reports nothing."""

    def start(self, files: int, nbytes: int) -> None:
        """Called once the walk knows how many files (and bytes) must be read."""

    def update(self, files: int, docs: int, nbytes: int) -> None:
        """Called after each file with the increments."""

    def close(self) -> None:
        """Called at the end (also on failure)."""


class BarProgress(Progress):
    """A tqdm bar over files, with documents/s and MB/s in its postfix (on stderr)."""

    def __init__(self) -> None:
        self.bar = None
        self.docs = 0
        self.nbytes = 0
        self.began = time.perf_counter()

    def start(self, files: int, nbytes: int) -> None:
        from tqdm import tqdm

        self.began = time.perf_counter()
        self.bar = tqdm(total=files, unit="file", dynamic_ncols=True, leave=False)

    def update(self, files: int, docs: int, nbytes: int) -> None:
        self.docs += docs
        self.nbytes += nbytes
        if self.bar is None:
            return
        elapsed = max(time.perf_counter() - self.began, 1e-6)
        self.bar.set_postfix_str(
            f"{self.docs} docs, {self.docs / elapsed:,.0f} docs/s, {self.nbytes / 1e6 / elapsed:.1f} MB/s",
            refresh=False,
        )
        self.bar.update(files)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
