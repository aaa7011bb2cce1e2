"""Times of day and dates as users give them: one parser, one range, China's time zone.

Stations open and close by the local clock (China Standard Time, UTC+8, no daylight saving),
so a time of day given with a zone is converted to it; one without is taken as local.
"""

from __future__ import annotations

import datetime as dt
import re

CHINA_TZ = dt.timezone(dt.timedelta(hours=8))
# Dates outside these years are typing errors (and near year 1 or 9999 overflow deadline arithmetic).
FIRST_YEAR, LAST_YEAR = 2000, 2100
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?")


def time_of_day(text: str) -> dt.time:
    """HH:MM[:SS] (00:00–23:59), optionally with a zone (Z, +08:00, -0500), as local China time.

    ValueError (in Chinese) for anything else, including 24:00, 25:00 and offsets beyond ±14:00.
    """
    match = _TIME.fullmatch(text.strip())
    if not match:
        raise ValueError(f"时刻须为 HH:MM（00:00–23:59，可带时区如 08:00+08:00），收到“{text}”")
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"时刻须为 HH:MM（00:00–23:59），“{text}”超出范围")
    local = dt.time(hour, minute)
    zone = match[4]
    if zone is None:
        return local
    offset = dt.timedelta(0)
    if zone not in ("Z", "z"):
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if hours > 14 or minutes > 59 or (hours == 14 and minutes):
            raise ValueError(f"时区偏移须在 −14:00～+14:00 之间：“{text}”")
        offset = dt.timedelta(hours=hours, minutes=minutes) * (-1 if zone[0] == "-" else 1)
    moment = dt.datetime.combine(dt.date(2026, 1, 1), local, tzinfo=dt.timezone(offset))
    return moment.astimezone(CHINA_TZ).time().replace(tzinfo=None)


def check_year(value: dt.date) -> None:
    """ValueError unless `value` (a date or datetime) falls in FIRST_YEAR–LAST_YEAR."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"日期须在{FIRST_YEAR}～{LAST_YEAR}年之间，收到 {value.isoformat()}")
