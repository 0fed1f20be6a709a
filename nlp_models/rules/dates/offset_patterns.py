"""Patterns for a distance from now: "in 3 days", "2 weeks ago", "3 weeks from now",
"in 2 business days", "last 30 days", "next 7 days", "since 3 days".

Minutes and hours give a date-time, days to years a date; "last N days" and "next N days"
are periods that end or start today.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from nlp_models.rules.dates.atoms import DAY, MOMENT, PERIOD, Atom, moved
from nlp_models.rules.dates.context import MessageContext
from nlp_models.rules.dates.pattern_engine import PatternSet
from nlp_models.rules.dates.vocabulary import (
    COUNT_RX,
    UNIT_RX,
    WORD_END,
    WORD_START,
    parse_count,
)

OFFSET_PATTERNS = PatternSet()
_pattern = OFFSET_PATTERNS.add


def _shift(ctx: MessageContext, n: int, unit: str, sign: int) -> Atom | None:
    u = unit.lower()
    if n > 5000:
        return None
    if u.startswith(("min", "h")):
        delta = timedelta(minutes=n) if u.startswith("min") else timedelta(hours=n)
        moment = ctx.now + sign * delta
        return Atom(0, 0, MOMENT, day=moment.date(), hm=(moment.hour, moment.minute))
    try:
        if u.startswith(("business", "working")):
            day = ctx.today
            step = 0
            while step < n:
                day += timedelta(days=sign)
                if day.weekday() < 5:
                    step += 1
        elif u.startswith("d"):
            day = ctx.today + timedelta(days=sign * n)
        elif u.startswith("fortnight"):
            day = ctx.today + timedelta(days=sign * 14 * n)
        elif u.startswith("w"):
            day = ctx.today + timedelta(weeks=sign * n)
        elif u.startswith("m"):
            day = ctx.today + relativedelta(months=sign * n)
        else:
            day = ctx.today + relativedelta(years=sign * n)
    except (OverflowError, ValueError):
        return None
    return Atom(0, 0, DAY, day=day)


_NEGATED_BEFORE = re.compile(
    r"\b(?:no|without|not|nothing|inactive|idle|quiet|silent|haven't|hasn't|didn't|zero|never)"
    r"(?:\s+[\w'-]+){0,3}\s+$"
)


@_pattern(
    rf"{WORD_START}(?:in|within)\s+(?P<n>{COUNT_RX})\s+(?P<u>{UNIT_RX}){WORD_END}|{WORD_START}in\s+(?P<half>half\s+an\s+hour){WORD_END}",
    words=["in", "within"],
    also=["minute", "minutes", "min", "mins", "hour", "hours", "hr", "hrs", "h", "day", "days", "d",
          "business", "working", "week", "weeks", "wk", "wks", "w", "fortnight", "fortnights",
          "month", "months", "mo", "mos", "mth", "mths", "year", "years", "yr", "yrs", "y", "half"],
    first=r"iw",
)
def _in_n(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    if m.group("half"):
        atom = _shift(ctx, 30, "minutes", 1)
    else:
        n = parse_count(m.group("n"))
        if n is None:
            return
        if _NEGATED_BEFORE.search(ctx.before(m.start(), 48)):
            # "no activity in 30 days": the last 30 days
            atom = last_n_period(ctx, n, m.group("u"))
        else:
            atom = _shift(ctx, n, m.group("u"), 1)
    if atom is not None:
        yield moved(atom, m.start(), m.end())


@_pattern(
    rf"{WORD_START}(?P<n>{COUNT_RX})\s+(?P<u>{UNIT_RX})\s+(?P<dir>ago|back|before|from\s+now|from\s+today|later|hence|out){WORD_END}",
    words=["ago", "back", "now", "today", "later", "hence", "out"],
)
def _n_ago(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    n = parse_count(m.group("n"))
    direction = m.group("dir").lower()
    if n is None or (direction == "before"):
        return
    sign = -1 if direction in {"ago", "back"} else 1
    atom = _shift(ctx, n, m.group("u"), sign)
    if atom is not None:
        yield moved(atom, m.start(), m.end())


def last_n_period(ctx: MessageContext, n: int, unit: str) -> Atom | None:
    end = ctx.today
    u = unit.lower()
    if n < 1 or n > 5000:
        return None
    try:
        if u.startswith(("d", "business", "working")):
            start = end - timedelta(days=n - 1)
        elif u.startswith("w"):
            start = end - timedelta(days=7 * n - 1)
        elif u.startswith("fortnight"):
            start = end - timedelta(days=14 * n - 1)
        elif u.startswith("m") and not u.startswith("min"):
            start = end - relativedelta(months=n) + timedelta(days=1)
        elif u.startswith(("y", "q")):
            months = 3 * n if u.startswith("q") else 12 * n
            start = end - relativedelta(months=months) + timedelta(days=1)
        else:
            return None
    except (OverflowError, ValueError):
        return None
    return Atom(0, 0, PERIOD, period=(start, end))


def next_n_period(ctx: MessageContext, n: int, unit: str) -> Atom | None:
    back = last_n_period(ctx, n, unit)
    if back is None or back.period is None:
        return None
    length = back.period[1] - back.period[0]
    return Atom(0, 0, PERIOD, period=(ctx.today, ctx.today + length))


@_pattern(
    rf"{WORD_START}(?:(?:in|over|during|for|within)\s+)?(?:the\s+)?(?P<dir>last|past|previous|prior|next|coming|upcoming|following)"
    rf"\s+(?P<n>{COUNT_RX})\s+(?P<u>days?|weeks?|wks?|months?|mos|years?|yrs?|quarters?|fortnights?|business\s+days?|working\s+days?){WORD_END}",
    words=["last", "past", "previous", "prior", "next", "coming", "upcoming", "following"],
    also=["day", "days", "week", "weeks", "wks", "month", "months", "mos", "year", "years", "yrs",
          "quarter", "quarters", "fortnight", "fortnights"],
    first=r"iodfwtlpncu",
)
def _last_next_n(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    n = parse_count(m.group("n"))
    if n is None:
        return
    back = m.group("dir").lower() in {"last", "past", "previous", "prior"}
    atom = last_n_period(ctx, n, m.group("u")) if back else next_n_period(ctx, n, m.group("u"))
    if atom is not None:
        yield moved(atom, m.start("dir"), m.end())


@_pattern(rf"{WORD_START}since\s+(?P<n>{COUNT_RX})\s+(?P<u>days?|weeks?|months?|years?){WORD_END}", words=["since"], first=r"s")
def _since_n(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    n = parse_count(m.group("n"))
    if n is None:
        return
    start = _shift(ctx, n, m.group("u"), -1)
    if start is not None and start.day is not None:
        yield Atom(m.start(), m.end(), PERIOD, period=(start.day, ctx.today))
