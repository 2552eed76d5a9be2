"""A small folder of original Persian documents for the API and browser tests, and the index built from it.

Written by hand for these tests: 24 short notes about a library (enough for three pages of results), a
long travelogue whose only mention of saffron sits near its end (to see the document view scroll to it),
and a document full of hostile markup and bidi controls, in a subfolder so its id holds a slash.
"""

from __future__ import annotations

import json
from pathlib import Path

NOTES = 24
TYPO = "قفصه"  # قفسه (shelf, in every note) with ص for س, a common Persian slip: did-you-mean
FIXED = "قفسه"
PREFIX = "قفس"  # typed so far: completes to قفسه
RARE = "زعفران"  # occurs only near the end of the travelogue
HOSTILE_PATH = "ناامن/دام.txt"
HOSTILE_WORD = "دام‌گذار"
RECORD_WORD = "نارنجستان"  # only in the records of a JSON-lines file without ids: their ids hold '#'
DOCUMENTS = NOTES + 4  # the notes, the travelogue, the hostile document and two records

_NOTE = """یادداشت شماره {n} درباره‌ی کتابخانه

امروز {day} به کتابخانه‌ی محله رفتم و {book} را امانت گرفتم.
کتابدار گفت که قفسه‌ی {shelf} تازه مرتب شده و فهرست کتاب‌ها روی دیوار است.
"""
_DAYS = ("شنبه", "یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه")
_BOOKS = ("دیوان شاعری قدیمی", "کتابی درباره‌ی ستاره‌ها", "رمانی کوتاه", "کتاب آشپزی", "دفتری از نقشه‌ها")
_SHELVES = ("تاریخ", "شعر", "دانش", "کودکان")

_TRAVEL_PARAGRAPH = (
    "روز {n} سفر: جاده از میان تپه‌های خشک می‌گذشت و باد گرم از سمت دشت می‌وزید. "
    "در هر روستا چای تازه‌دم می‌نوشیدیم و از مردم درباره‌ی راه فردا می‌پرسیدیم. "
    "شب‌ها آسمان آن‌قدر صاف بود که راه شیری را با چشم می‌دیدیم."
)

HOSTILE_TEXT = (
    f"{HOSTILE_WORD} <script>alert('xss-text')</script>\n"
    '"><img src=x onerror="alert(\'xss-img\')">\n'
    "[پیوند فریبنده](javascript:alert('xss-link')) <a href=\"javascript:alert('xss-a')\">کلیک</a>\n"
    "جهت برعکس: \u202egnp.exe\u202c و جداساز \u2067نهان\u2069 پایان.\n"
)


def write_corpus(folder: Path) -> Path:
    """Write the test documents into `folder` and return it."""
    notes = folder / "یادداشت‌ها"
    notes.mkdir(parents=True)
    for n in range(1, NOTES + 1):
        text = _NOTE.format(n=n, day=_DAYS[n % 6], book=_BOOKS[n % 5], shelf=_SHELVES[n % 4])
        (notes / f"note-{n:02d}.txt").write_text(text, encoding="utf-8")
    paragraphs = [_TRAVEL_PARAGRAPH.format(n=n) for n in range(1, 80)]
    paragraphs.append(
        f"در بازار آخرین شهر، بوی {RARE} و گلاب همه‌جا را پر کرده بود و ما دو بسته {RARE} خریدیم."
    )
    (folder / "سفرنامه.txt").write_text(
        "سفرنامه‌ی کویر\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8"
    )
    hostile = folder / HOSTILE_PATH
    hostile.parent.mkdir(parents=True)
    hostile.write_text(
        "<b>عنوان</b> \u202eفریب\u202c <script>alert('xss-title')</script>\n\n" + HOSTILE_TEXT, "utf-8"
    )
    records = [
        {"title": "باغ نارنج", "text": f"در {RECORD_WORD} شیراز درختان نارنج کنار حوض ایستاده‌اند."},
        {"title": "باغ انار", "text": f"باغبان {RECORD_WORD} می‌گفت انارها در پاییز می‌رسند."},
    ]
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    (folder / "باغ‌ها و گل ها.jsonl").write_text(lines, encoding="utf-8")
    return folder


def build_index(root: Path) -> tuple[Path, Path]:
    """Write the corpus under `root` and index it with the real indexer; returns (folder, index_dir)."""
    from indexer.build import index_folder

    folder, index_dir = write_corpus(root / "docs"), root / "index"
    index_folder(folder, index_dir)
    return folder, index_dir


def test_the_corpus_indexes_every_document(tmp_path):
    from search_ui.engines.folder import SearchEngine

    _, index_dir = build_index(tmp_path)
    health = SearchEngine(index_dir).health()
    assert health["loaded"] is True
    assert health["documents"] == DOCUMENTS
