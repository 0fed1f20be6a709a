"""Times as the dialogue uses them: when a day without a time is due, the user's day, and
how an instant reads in the user's zone. DATE values arrive typed (`nlp_models.values`)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from nlp_models.values import DateValue

# a follow-up "on Tuesday" is due at the start of the working day
DEFAULT_DUE_TIME = time(9, 0)


def local_day(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start of the user's today, start of tomorrow), in UTC."""
    today = now.astimezone(tz).date()
    return DateValue(today, None, None, tz).day_span()


def show(moment: datetime, tz: ZoneInfo, now: datetime | None = None) -> str:
    """'Tue 24 Nov 09:00' in the user's zone (the year only when it is not this year's)."""
    local = moment.astimezone(tz)
    fmt = "%a %d %b %H:%M" if now is None or local.year == now.astimezone(tz).year else "%a %d %b %Y %H:%M"
    return local.strftime(fmt)


def show_day(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%a %d %b")
