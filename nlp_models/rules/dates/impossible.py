"""Clock times and numeric dates that no calendar has ("25:00", "13pm", "31/02").

The DATE rules skip what is not a date; a message that plainly means one ("remind me at
25:00") is better refused with its words than quietly read without them.
"""

from __future__ import annotations

import re
from datetime import date

_CLOCK = re.compile(r"(?<![\w:./])(\d{1,2})[:h](\d{2})(?:\s*([ap])\.?m\b\.?)?(?![\w:]|[./]\d)", re.IGNORECASE)
_HOUR_MERIDIEM = re.compile(r"(?<![\w:./])(\d{1,2})\s*([ap])\.?m\b", re.IGNORECASE)
_DAY_MONTH = re.compile(r"(?<![\w:./-])(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?(?![\w:/-])")
# a year with 29 February, for a day/month written without its year
_LEAP_YEAR = 2028


def impossible_when(text: str) -> str | None:
    """The first clock time or numeric date in `text` that no calendar has, as written;
    None when there is none. A day/month pair is possible when either order is a date."""
    for m in _CLOCK.finditer(text):
        hour, minute, meridiem = int(m.group(1)), int(m.group(2)), m.group(3)
        if minute > 59 or hour > (12 if meridiem else 24) or (hour == 24 and minute) or (meridiem and hour == 0):
            return m.group(0).strip()
    for m in _HOUR_MERIDIEM.finditer(text):
        if not 1 <= int(m.group(1)) <= 12:
            return m.group(0).strip()
    for m in _DAY_MONTH.finditer(text):
        first, second = int(m.group(1)), int(m.group(2))
        year = int(m.group(3)) if m.group(3) else _LEAP_YEAR
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
