"""Progress reporting for a build: a tqdm bar with documents/s on a terminal, nothing otherwise."""

from __future__ import annotations

import time


class Progress:
    """The progress protocol `index_folder` calls; this base class reports nothing."""

    def start(self, files: int, nbytes: int) -> None:
        """Called once the walk knows how many files (and bytes) must be read."""

    def update(self, files: int, docs: int, nbytes: int) -> None:
        """Called after each file with the increments."""

    def tick(self, docs: int) -> None:
        """Called every few hundred documents inside a large file (the documents are counted again by
        `update` when the file is done)."""

    def ocr_page(self, page: int, pages: int) -> None:
        """Called after each page read by OCR (seconds each), with the file's page count."""

    def close(self) -> None:
        """Called at the end (also on failure)."""


class BarProgress(Progress):
    """A tqdm bar over the bytes to read (a few big .jsonl files progress as smoothly as many small files),
    with documents and documents/s in its postfix (on stderr)."""

    def __init__(self) -> None:
        self.bar = None
        self.docs = 0
        self.inside = 0  # documents of the file being read, already ticked
        self.began = time.perf_counter()

    def start(self, files: int, nbytes: int) -> None:
        from tqdm import tqdm

        self.began = time.perf_counter()
        self.bar = tqdm(total=nbytes, unit="B", unit_scale=True, dynamic_ncols=True, leave=False)

    def _postfix(self) -> None:
        if self.bar is None:
            return
        docs = self.docs + self.inside
        elapsed = max(time.perf_counter() - self.began, 1e-6)
        self.bar.set_postfix_str(f"{docs:,} docs, {docs / elapsed:,.0f} docs/s", refresh=False)

    def tick(self, docs: int) -> None:
        self.inside = docs
        self._postfix()
        if self.bar is not None:
            self.bar.update(0)  # redraws when tqdm's refresh interval has passed

    def ocr_page(self, page: int, pages: int) -> None:
        if self.bar is not None:
            self._postfix()
            self.bar.set_postfix_str(f"{self.bar.postfix}, OCR page {page}/{pages}", refresh=True)

    def update(self, files: int, docs: int, nbytes: int) -> None:
        self.docs += docs
        self.inside = 0
        self._postfix()
        if self.bar is not None:
            self.bar.update(nbytes)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
