"""The bundled samples/ as the page's tests see them: a copy with known file dates, indexed for real.

Sample files carry no dates of their own (a fresh clone gives them all the checkout time), so the copy sets
each folder's file times: sport in Jalali 1402, history in 1403, everything else in 1404. Documents that
give a date of their own (JSON `date`, HTML meta, Markdown front matter) keep it; the tests about dates
only count on .txt files, which never do.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from indexer.build import index_folder

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
FOLDER_DAYS = {  # a day in each folder's Jalali year, at noon
    "sport": dt.datetime(2023, 6, 1, 12),  # 11 خرداد 1402
    "history": dt.datetime(2024, 5, 1, 12),  # 12 اردیبهشت 1403
}
OTHER_DAY = dt.datetime(2025, 6, 1, 12)  # 11 خرداد 1404


def dated_samples(root: Path) -> tuple[Path, Path]:
    """Copy samples/ under `root` with the file times above, index it; return (folder, index)."""
    folder, index_dir = root / "samples", root / "index"
    shutil.copytree(SAMPLES, folder)
    for path in folder.rglob("*"):
        if path.is_file():
            top = path.relative_to(folder).parts[0]
            stamp = FOLDER_DAYS.get(top, OTHER_DAY).timestamp()
            os.utime(path, (stamp, stamp))
    summary = index_folder(folder, index_dir)
    assert summary.skipped_total == 0, summary.skipped
    return folder, index_dir


@pytest.fixture(scope="module")
def samples_index(tmp_path_factory) -> Path:
    return dated_samples(tmp_path_factory.mktemp("page-samples"))[1]


def test_the_copy_dates_each_txt_document_by_its_folder(samples_index):
    from indexer.storage.generations import open_generation

    with open_generation(samples_index).index.searcher() as searcher:
        docs = [d for d in searcher.all_stored_fields() if d["format"] == "txt"]
    by_folder = {d["folder"]: d["date"] for d in docs}
    assert by_folder["sport"] == int(FOLDER_DAYS["sport"].timestamp())
    assert by_folder["history"] == int(FOLDER_DAYS["history"].timestamp())
    assert by_folder["science"] == int(OTHER_DAY.timestamp())
    assert all(d["folder"] == d["path"].rpartition("/")[0] for d in docs)
