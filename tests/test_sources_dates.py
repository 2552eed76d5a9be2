"""Documents' own dates (issue 14): ISO, PDF and Jalali forms become epoch seconds (UTC); bad ones None."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from indexer.sources.dates import jalali_to_gregorian, parse_date
from indexer.sources.loader import Doc, FileEntry, parse_file


def utc(*args: int) -> float:
    return dt.datetime(*args, tzinfo=dt.UTC).timestamp()


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2024-03-05", utc(2024, 3, 5)),
        ("2024/03/05", utc(2024, 3, 5)),
        ("2024-03-05T10:20:00Z", utc(2024, 3, 5, 10, 20)),
        ("2024-03-05T10:20:00+03:30", utc(2024, 3, 5, 6, 50)),
        ("2024-03-05 10:20", utc(2024, 3, 5, 10, 20)),
        ("D:20240305102000+03'30'", utc(2024, 3, 5, 6, 50)),
        ("D:20240305", utc(2024, 3, 5)),
        ("1402/10/12", utc(2024, 1, 2)),  # Jalali: 12 Dey 1402
        ("۱۴۰۲/۱۰/۱۲", utc(2024, 1, 2)),  # in Persian digits
        ("١٤٠٣/٠١/٠١", utc(2024, 3, 20)),  # Nowruz 1403, in Arabic-Indic digits
        ("1399/12/30", utc(2021, 3, 20)),  # the leap day of a Jalali leap year
        (1709596800, 1709596800.0),  # a JSON number: epoch seconds
    ],
)
def test_accepted_dates(written: object, expected: float) -> None:
    assert parse_date(written) == expected


@pytest.mark.parametrize(
    "written",
    [
        "",
        "دیروز",
        "2024-02-30",
        "1402/12/30",
        "1402/13/01",
        "2024-03-05T99:00",
        None,
        True,
        float("nan"),
        [2024],
    ],
)
def test_bad_dates_give_none(written: object) -> None:
    assert parse_date(written) is None


def test_jalali_months_follow_the_calendar() -> None:
    assert jalali_to_gregorian(1403, 7, 1) == dt.date(2024, 9, 22)  # 1 Mehr 1403
    assert jalali_to_gregorian(1404, 1, 1) == dt.date(2025, 3, 21)
    assert jalali_to_gregorian(1357, 11, 22) == dt.date(1979, 2, 11)


def test_json_records_carry_their_date() -> None:
    records = [{"id": "a", "text": "متن", "date": "1402/10/12"}, {"id": "b", "text": "متن", "date": "بد"}]
    data = json.dumps(records, ensure_ascii=False).encode()
    docs = list(parse_file(FileEntry("r.json", "/x/r.json", "json", len(data), 0), data))
    assert all(isinstance(d, Doc) for d in docs)
    assert [d.date for d in docs] == [utc(2024, 1, 2), None]
