"""Gregorian → Jalali (Solar Hijri) dates and Persian digits, so Persian readers see their own calendar.

The Jalali year starts at Nowruz, the March equinox, so its leap years follow the sky rather than a short
rule. We find the Gregorian date of Nowruz for a Jalali year with Borkowski's arithmetic: a table of the
years where the 33-year leap cycle breaks, valid from Jalali year -61 to 3177. Everything else is counting
days from that Nowruz: six months of 31 days, five of 30, and Esfand with 29 or 30.
"""

from __future__ import annotations

import datetime as _dt

MONTHS = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)

# Jalali years at which the pattern of 33-year cycles shifts (Borkowski 1996).
_BREAKS = (-61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097, 2192, 2262, 2324, 2394,
           2456, 3178)  # fmt: skip
_DIGITS = str.maketrans("0123456789,.", "۰۱۲۳۴۵۶۷۸۹٬٫")
_LATIN = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def _nowruz_day_in_march(jy: int) -> int:
    """The day of March (Gregorian year jy + 621) on which Jalali year `jy` begins."""
    if not _BREAKS[0] <= jy < _BREAKS[-1]:
        raise ValueError(f"Jalali year {jy} is outside the supported range")
    leap_j = -14  # Jalali leap days counted from the first break
    prev = _BREAKS[0]
    for brk in _BREAKS[1:]:
        if jy < brk:
            break
        span = brk - prev
        leap_j += span // 33 * 8 + span % 33 // 4
        prev = brk
    span = brk - prev
    n = jy - prev
    leap_j += n // 33 * 8 + (n % 33 + 3) // 4
    if span % 33 == 4 and span - n == 4:
        leap_j += 1
    gy = jy + 621
    leap_g = gy // 4 - (gy // 100 + 1) * 3 // 4 - 150  # Gregorian leap days on the same footing
    return 20 + leap_j - leap_g


def nowruz(jy: int) -> _dt.date:
    """The Gregorian date of 1 Farvardin of Jalali year `jy`."""
    return _dt.date(jy + 621, 3, _nowruz_day_in_march(jy))


def is_leap(jy: int) -> bool:
    """True when Jalali year `jy` has 366 days (Esfand has 30 days)."""
    return (nowruz(jy + 1) - nowruz(jy)).days == 366


def gregorian_to_jalali(day: _dt.date) -> tuple[int, int, int]:
    """(year, month 1-12, day 1-31) in the Jalali calendar for a Gregorian date."""
    jy = day.year - 621
    start = nowruz(jy)
    if day < start:
        jy -= 1
        start = nowruz(jy)
    offset = (day - start).days  # 0 on Nowruz
    if offset < 186:
        return jy, offset // 31 + 1, offset % 31 + 1
    offset -= 186
    return jy, offset // 30 + 7, offset % 30 + 1


def jalali_to_gregorian(jy: int, jm: int, jd: int) -> _dt.date:
    """The Gregorian date of Jalali day `jd` of month `jm` (1-12) of year `jy`; ValueError if none."""
    if not 1 <= jm <= 12:
        raise ValueError(f"Jalali month {jm} is not between 1 and 12")
    days = 31 if jm <= 6 else 30 if jm <= 11 else 30 if is_leap(jy) else 29
    if not 1 <= jd <= days:
        raise ValueError(f"Jalali month {jm} of {jy} has {days} days, not {jd}")
    offset = (jm - 1) * 31 if jm <= 7 else 186 + (jm - 7) * 30
    return nowruz(jy) + _dt.timedelta(days=offset + jd - 1)


def latin_digits(text: str) -> str:
    """`text` with Persian and Arabic-Indic digits as ASCII ones (for reading numbers people type)."""
    return text.translate(_LATIN)


def persian_digits(value: object) -> str:
    """`str(value)` with Western digits, thousands commas and decimal points in their Persian forms."""
    return str(value).translate(_DIGITS)


def format_number(value: int | float, decimals: int = 0) -> str:
    """A number grouped by thousands, in Persian digits (۱۲٬۳۴۵ or ۳٫۵)."""
    return persian_digits(f"{value:,.{decimals}f}")


def format_date(day: _dt.date) -> str:
    """A Gregorian date written as a Jalali date in Persian, e.g. ۲۲ بهمن ۱۳۵۷."""
    jy, jm, jd = gregorian_to_jalali(day)
    return f"{persian_digits(jd)} {MONTHS[jm - 1]} {persian_digits(jy)}"


def format_timestamp(epoch: float | None, tz: _dt.tzinfo | None = None) -> str:
    """An epoch time as a Jalali date in Persian (the server's local zone unless `tz`); "" when unknown."""
    if epoch is None:
        return ""
    try:
        moment = _dt.datetime.fromtimestamp(float(epoch), tz)
    except (OverflowError, OSError, ValueError, TypeError):
        return ""
    try:
        return format_date(moment.date())
    except ValueError:
        return ""
