"""A document's own date, as epoch seconds (UTC), from the ways documents write it.

Accepted: ISO 8601 dates and date-times (`2024-03-05`, `2024-03-05T10:20:00+03:30`, `2024/03/05`), PDF dates
(`D:20240305102000+03'30'`), and Jalali dates written YYYY/MM/DD (or with `-`) whose year is below 1700, in
any digits. A date without a time zone is taken as UTC; a number is taken as epoch seconds. Anything else
gives None: a bad date is never a reason to lose the document.

The Jalali conversion lives here because the indexer may not import `search_ui` (which has the opposite
direction, Gregorian -> Jalali, for display).
"""

from __future__ import annotations

import datetime as _dt
import re

# Persian and Arabic-Indic digits to ASCII.
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_YMD = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ](.*))?$")
_PDF = re.compile(r"^\s*D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?\s*(Z|[+-]\d{2}'?\d{2}'?)?")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$")
JALALI_MAX_YEAR = 1700  # a YYYY/MM/DD with a year below this is Jalali (today's Jalali year is ~1405)

# Jalali years at which the 33-year leap pattern shifts (Borkowski's table, a published fact).
_BREAKS = (-61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097, 2192, 2262, 2324, 2394,
           2456, 3178)  # fmt: skip


def _march_day_of_nowruz(jy: int) -> int:
    """The day of March (Gregorian year jy + 621) on which Jalali year `jy` starts."""
    if not _BREAKS[0] <= jy < _BREAKS[-1]:
        raise ValueError(f"Jalali year {jy} is out of range")
    leaps = -14
    start = _BREAKS[0]
    for end in _BREAKS[1:]:
        if jy < end:
            break
        span = end - start
        leaps += 8 * (span // 33) + (span % 33) // 4
        start = end
    span, n = end - start, jy - start
    leaps += 8 * (n // 33) + (n % 33 + 3) // 4
    if span % 33 == 4 and span - n == 4:
        leaps += 1
    gy = jy + 621
    gregorian_leaps = gy // 4 - ((gy // 100 + 1) * 3) // 4 - 150
    return 20 + leaps - gregorian_leaps


def jalali_to_gregorian(jy: int, jm: int, jd: int) -> _dt.date:
    """The Gregorian date of Jalali `jy/jm/jd` (months 1-6 have 31 days, 7-11 30, Esfand 29 or 30)."""
    if not 1 <= jm <= 12 or not 1 <= jd <= (31 if jm <= 6 else 30):
        raise ValueError(f"no such Jalali date {jy}/{jm}/{jd}")
    days = (jm - 1) * 31 + jd - 1 if jm <= 7 else 186 + (jm - 7) * 30 + jd - 1
    start = _dt.date(jy + 621, 3, _march_day_of_nowruz(jy))
    result = start + _dt.timedelta(days=days)
    if jm == 12 and jd == 30 and result == _dt.date(jy + 622, 3, _march_day_of_nowruz(jy + 1)):
        raise ValueError(f"{jy} is not a leap year: Esfand has 29 days")
    return result


def _zone(text: str | None) -> _dt.timezone:
    if not text or text == "Z":
        return _dt.UTC
    digits = text[1:].replace(":", "").replace("'", "")
    offset = _dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
    return _dt.timezone(-offset if text[0] == "-" else offset)


def parse_date(value: object) -> float | None:
    """Epoch seconds (UTC) of a date written in one of the accepted forms, else None."""
    if isinstance(value, int | float) and not isinstance(value, bool):  # already epoch seconds
        return float(value) if 0 <= value < 1e11 else None
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        return None
    text = value.strip().translate(_DIGITS)
    try:
        pdf = _PDF.match(text)
        if pdf:
            y, mo, d, h, mi, s = (
                int(g) if g else dflt for g, dflt in zip(pdf.groups()[:6], (0, 1, 1, 0, 0, 0), strict=True)
            )
            moment = _dt.datetime(y, mo, d, h, mi, s, tzinfo=_zone(pdf.group(7)))
            return moment.timestamp()
        ymd = _YMD.match(text)
        if not ymd:
            return None
        y, mo, d = int(ymd.group(1)), int(ymd.group(2)), int(ymd.group(3))
        day = jalali_to_gregorian(y, mo, d) if y < JALALI_MAX_YEAR else _dt.date(y, mo, d)
        h = mi = s = 0
        zone = _dt.UTC
        if ymd.group(4):
            clock = _TIME.match(ymd.group(4).strip())
            if not clock:
                return None
            h, mi, s = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
            zone = _zone(clock.group(4))
        return _dt.datetime(day.year, day.month, day.day, h, mi, s, tzinfo=zone).timestamp()
    except (ValueError, OverflowError):
        return None
