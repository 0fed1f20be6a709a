"""Weeks (Monday to Sunday), months, quarters and years as (first day, last day)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def month_period(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), month_end(year, month)


def quarter_period(year: int, q: int) -> tuple[date, date]:
    first = 3 * (q - 1) + 1
    return date(year, first, 1), month_end(year, first + 2)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def week_period(today: date, offset: int) -> tuple[date, date]:
    monday = monday_of(today) + timedelta(weeks=offset)
    return monday, monday + timedelta(days=6)


def calendar_period(today: date, unit: str, offset: int) -> tuple[date, date]:
    if unit == "weekend":
        monday = monday_of(today) + timedelta(weeks=offset)
        return monday + timedelta(days=5), monday + timedelta(days=6)
    if unit == "week":
        return week_period(today, offset)
    if unit == "month":
        first = date(today.year, today.month, 1) + relativedelta(months=offset)
        return month_period(first.year, first.month)
    if unit == "quarter":
        q_index = today.year * 4 + (today.month - 1) // 3 + offset
        return quarter_period(q_index // 4, q_index % 4 + 1)
    year = today.year + offset
    return date(year, 1, 1), date(year, 12, 31)
