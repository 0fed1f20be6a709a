"""Dates of the language layer (ISO date, datetime or range, in the user's zone) to UTC."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# a follow-up "on Tuesday" is due at the start of the working day
DEFAULT_DUE_TIME = time(9, 0)


# what is written as a clock time or a day/month date, to be checked (see impossible_when)
_CLOCK = re.compile(r"(?<![\w:./])(\d{1,2})[:h](\d{2})(?:\s*([ap])\.?m\b\.?)?(?![\w:]|[./]\d)", re.IGNORECASE)
_HOUR_MERIDIEM = re.compile(r"(?<![\w:./])(\d{1,2})\s*([ap])\.?m\b", re.IGNORECASE)
_DAY_MONTH = re.compile(r"(?<![\w:./-])(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?(?![\w:/-])")


def impossible_when(text: str) -> str | None:
    """The first clock time or numeric date in `text` that no calendar has ("25:00", "13pm",
    "31/02"), so that it is refused instead of quietly dropped; None when there is none."""
    for m in _CLOCK.finditer(text):
        hour, minute, meridiem = int(m.group(1)), int(m.group(2)), m.group(3)
        if minute > 59 or hour > (12 if meridiem else 24) or (hour == 24 and minute) or (meridiem and hour == 0):
            return m.group(0).strip()
    for m in _HOUR_MERIDIEM.finditer(text):
        if not 1 <= int(m.group(1)) <= 12:
            return m.group(0).strip()
    for m in _DAY_MONTH.finditer(text):
        first, second = int(m.group(1)), int(m.group(2))
        year = int(m.group(3)) if m.group(3) else 2028  # a leap year: 29/02 is a date
        year = year + 2000 if year < 100 else year
        if not (_is_date(year, second, first) or _is_date(year, first, second)):
            return m.group(0)
    return None


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def parse_local(value: str, tz: ZoneInfo, default_time: time = DEFAULT_DUE_TIME) -> tuple[datetime, datetime]:
    """(start, end) in UTC of a DATE value: a day is [its default time, next midnight),
    a datetime is that instant, a range is [first day's default time, day after the last)."""
    if "/" in value:
        first, last = value.split("/", 1)
        start = _at(date.fromisoformat(first), default_time, tz)
        end = _at(date.fromisoformat(last) + timedelta(days=1), time(0, 0), tz)
        return start, end
    if "T" in value:
        moment = datetime.fromisoformat(value)
        moment = moment.replace(tzinfo=tz) if moment.tzinfo is None else moment
        return moment.astimezone(UTC), moment.astimezone(UTC)
    day = date.fromisoformat(value)
    return _at(day, default_time, tz), _at(day + timedelta(days=1), time(0, 0), tz)


def day_bounds(value: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start of the first day, start of the day after the last) in UTC."""
    if "/" in value:
        first, last = value.split("/", 1)
    else:
        first = last = value.split("T", 1)[0]
    return (
        _at(date.fromisoformat(first), time(0, 0), tz),
        _at(date.fromisoformat(last) + timedelta(days=1), time(0, 0), tz),
    )


def local_day(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    today = now.astimezone(tz).date()
    return _at(today, time(0, 0), tz), _at(today + timedelta(days=1), time(0, 0), tz)


def _at(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def show(moment: datetime, tz: ZoneInfo, now: datetime | None = None) -> str:
    """'Tue 24 Nov 09:00' in the user's zone (the year only when it is not this year's)."""
    local = moment.astimezone(tz)
    fmt = "%a %d %b %H:%M" if now is None or local.year == now.astimezone(tz).year else "%a %d %b %Y %H:%M"
    return local.strftime(fmt)


def show_day(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%a %d %b")
