"""Joining neighbouring atoms into one mention.

A weekday before an explicit date gives way to it ("Tuesday, Nov 24"); two days or periods
around "to", "until", "-" (or "between A and B") become one period ("from Dec 1 to Dec 15",
"Dec 20 - Jan 5"), unless a change verb makes them the old and the new date ("moved the
meeting from monday to friday"); a day and a time of day become a date-time ("tomorrow 3pm",
"3pm on friday", "friday EOD").
"""

from __future__ import annotations

import re
from datetime import date

from dateutil.relativedelta import relativedelta

from nlp_models.rules.dates.atoms import DAY, MOMENT, PART, PERIOD, TIME, Atom, moved
from nlp_models.rules.dates.calendar_units import month_end
from nlp_models.rules.dates.context import MessageContext

_CHANGE_VERB = re.compile(
    r"(?<!\w)(?:move[ds]?|moving|push(?:ed|es)?|change[ds]?|changing|reschedule[ds]?|shift(?:ed|s)?"
    r"|postpone[ds]?|bump(?:ed|s)?|slip(?:ped|s)?|delay(?:ed|s)?)(?!\w)"
)

_DAY_TIME_GAP = re.compile(r"[\s,]*(?:(?:at|@|around|by|on|from|for|about|-|–)[\s,]*)?")
_RANGE_GAP = re.compile(r"\s*(?:-|–|—|to|until|till|til|through|thru|and)\s*")
_RANGE_PRE = re.compile(r"(?:from|between)\s+(?:the\s+)?$")
_WEEKDAY_DATE_GAP = re.compile(r"\s*,?\s*(?:the\s+)?")


def _as_period(atom: Atom) -> tuple[date, date] | None:
    if atom.period is not None:
        return atom.period
    return None


def join_atoms(ctx: MessageContext, atoms: list[Atom]) -> list[Atom]:
    """The atoms with neighbours joined, in order."""
    text = ctx.low
    out: list[Atom] = []
    i = 0
    while i < len(atoms):
        a = atoms[i]
        b = atoms[i + 1] if i + 1 < len(atoms) else None
        # "Tuesday, Nov 24": the explicit date wins, the weekday joins the span.
        if (
            b is not None and a.weekday_only and b.kind == DAY and b.spec is not None and b.spec.kind != "wd"
            and _WEEKDAY_DATE_GAP.fullmatch(text, a.end, b.start)
        ) or (b is not None and a.weekday_only and b.kind == DAY and b.spec is None and b.day is not None
              and _WEEKDAY_DATE_GAP.fullmatch(text, a.end, b.start)):
            atoms[i + 1] = moved(b, a.start, b.end)
            i += 1
            continue
        # "from Dec 1 to Dec 15", "between monday and friday", "Dec 20 - Jan 5"
        if b is not None and a.kind in (DAY, PERIOD) and b.kind in (DAY, PERIOD):
            gap = _RANGE_GAP.fullmatch(text, a.end, b.start)
            pre = _RANGE_PRE.search(text, max(0, a.start - 16), a.start)
            is_and = gap is not None and "and" in text[a.end : b.start].lower()
            if gap is not None and (not is_and or (pre is not None and pre.group(0).lower().startswith("between"))):
                clause = text[max(0, a.start - 40) : a.start]
                if not (_CHANGE_VERB.search(clause) and "to" in text[a.end : b.start].lower()):
                    joined = _range(a, b)
                    if joined is not None:
                        start = pre.start() if pre is not None else a.start
                        out.append(moved(joined, start, b.end))
                        i += 2
                        continue
        # A day and a time of day: "tomorrow 3pm", "3pm on friday", "friday EOD".
        if b is not None and _DAY_TIME_GAP.fullmatch(text, a.end, b.start):
            joined = _day_time(a, b) or _day_time(b, a)
            if joined is not None:
                out.append(moved(joined, a.start, b.end))
                i += 2
                continue
        out.append(a)
        i += 1
    return out


def _range(a: Atom, b: Atom) -> Atom | None:
    if a.kind == DAY and b.kind == DAY and a.day is not None and b.day is not None:
        end = b.day
        if b.spec is not None:
            resolved = b.spec.resolve(a.day, True, True)
            end = resolved if resolved is not None else end
        if end < a.day:
            return None
        return Atom(a.start, b.end, PERIOD, period=(a.day, end))
    pa, pb = _as_period(a), _as_period(b)
    if pa is not None and pb is not None:
        end_period = pb
        if pb[0] < pa[0] and b.shift_year:
            end_period = (pb[0] + relativedelta(years=1), month_end(pb[1].year + 1, pb[1].month))
        if end_period[1] < pa[0]:
            return None
        return Atom(a.start, b.end, PERIOD, period=(pa[0], end_period[1]))
    return None


def _day_time(day: Atom, clock: Atom) -> Atom | None:
    if clock.kind not in (TIME, PART) or clock.hm is None:
        return None
    if day.kind == DAY and day.day is not None:
        return Atom(day.start, clock.end, MOMENT, day=day.day, hm=clock.hm)
    if day.kind == MOMENT and day.day is not None and day.hm == (18, 0) and clock.kind == TIME:
        h, mnt = clock.hm
        return Atom(day.start, clock.end, MOMENT, day=day.day, hm=(h + 12 if h < 12 else h, mnt))  # "tonight at 8"
    if day.kind == PERIOD:
        return day  # "next week at 3pm": the period stands
    return None
