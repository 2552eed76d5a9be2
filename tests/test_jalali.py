"""Jalali dates: fixed points known from the calendar, and properties over every day of two centuries."""

import datetime as dt

import pytest

from search_ui.results.jalali import (
    format_date,
    format_number,
    format_timestamp,
    gregorian_to_jalali,
    is_leap,
    nowruz,
    persian_digits,
)


@pytest.mark.parametrize(
    ("gregorian", "jalali"),
    [
        (dt.date(1979, 2, 11), (1357, 11, 22)),  # 22 Bahman 1357
        (dt.date(1970, 1, 1), (1348, 10, 11)),  # the Unix epoch
        (dt.date(2000, 1, 1), (1378, 10, 11)),
        (dt.date(2021, 3, 21), (1400, 1, 1)),
        (dt.date(2024, 3, 19), (1402, 12, 29)),  # 1402 is a common year
        (dt.date(2024, 3, 20), (1403, 1, 1)),
        (dt.date(2025, 3, 20), (1403, 12, 30)),  # 1403 is a leap year
        (dt.date(2025, 3, 21), (1404, 1, 1)),
        (dt.date(2017, 3, 20), (1395, 12, 30)),
        (dt.date(2024, 9, 22), (1403, 7, 1)),  # first day of the 30-day months
        (dt.date(2024, 9, 21), (1403, 6, 31)),
    ],
)
def test_known_dates(gregorian, jalali):
    assert gregorian_to_jalali(gregorian) == jalali


def test_leap_years_follow_the_equinox_not_a_four_year_rule():
    # 1403 → 1408 is a five-year gap between leap years.
    assert [y for y in range(1390, 1410) if is_leap(y)] == [1391, 1395, 1399, 1403, 1408]


def test_every_day_from_1900_to_2100_steps_by_one():
    day = dt.date(1900, 1, 1)
    prev = gregorian_to_jalali(day)
    while day < dt.date(2100, 12, 31):
        day += dt.timedelta(days=1)
        cur = gregorian_to_jalali(day)
        y, m, d = prev
        month_len = 31 if m <= 6 else 30 if m <= 11 else (30 if is_leap(y) else 29)
        expected = (y, m, d + 1) if d < month_len else (y, m + 1, 1) if m < 12 else (y + 1, 1, 1)
        assert cur == expected, day
        prev = cur


def test_nowruz_is_always_near_the_march_equinox():
    assert all(dt.date(1900 + i, 3, 19) <= nowruz(1279 + i) <= dt.date(1900 + i, 3, 22) for i in range(300))


def test_years_outside_the_table_are_refused():
    with pytest.raises(ValueError):
        nowruz(4000)


def test_persian_digits_and_numbers():
    assert persian_digits(1403) == "۱۴۰۳"
    assert format_number(12345) == "۱۲٬۳۴۵"
    assert format_number(1234.56, 1) == "۱٬۲۳۴٫۶"
    assert format_date(dt.date(2024, 3, 20)) == "۱ فروردین ۱۴۰۳"


def test_timestamps_in_a_given_zone_and_bad_values():
    tehran = dt.timezone(dt.timedelta(hours=3, minutes=30))
    # 2024-03-19 21:00 UTC is already 20 March (Nowruz 1403) in Tehran.
    stamp = dt.datetime(2024, 3, 19, 21, 0, tzinfo=dt.UTC).timestamp()
    assert format_timestamp(stamp, tehran) == "۱ فروردین ۱۴۰۳"
    assert format_timestamp(stamp, dt.UTC) == "۲۹ اسفند ۱۴۰۲"
    assert format_timestamp(None) == ""
    assert format_timestamp(float("nan")) == ""
    assert format_timestamp(1e20) == ""
