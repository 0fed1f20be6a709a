"""Atoms: the pieces a date pattern finds, before neighbours are joined.

An atom is a span of the message and what it names: a DAY, a TIME of day, a PART of day
("morning"), a MOMENT (day and time) or a PERIOD (first and last day). A day written without
its year or month ("tuesday", "Nov 3", "the 12th") also keeps a `PartialDay`, so that joining
can resolve it again against another day ("from Dec 28 to Jan 3").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

DAY, TIME, PART, MOMENT, PERIOD = "day", "time", "part", "moment", "period"


@dataclass(frozen=True, slots=True)
class PartialDay:
    """A day known only partly, resolved against a reference day and a direction."""

    kind: str  # "md" month-day, "wd" weekday, "dom" day of month
    a: int
    b: int = 0

    def resolve(self, ref: date, forward: bool, inclusive: bool) -> date | None:
        if self.kind == "wd":
            if forward:
                delta = (self.a - ref.weekday()) % 7
                return ref + timedelta(days=delta if delta or inclusive else 7)
            delta = (ref.weekday() - self.a) % 7
            return ref - timedelta(days=delta if delta or inclusive else 7)
        if self.kind == "md":
            for k in range(9):  # Feb 29 may need a few years
                year = ref.year + (k if forward else -k)
                try:
                    day = date(year, self.a, self.b)
                except ValueError:
                    continue
                if (day >= ref if forward else day <= ref) and (inclusive or day != ref):
                    return day
            return None
        # day of month
        for k in range(13):
            first = date(ref.year, ref.month, 1) + relativedelta(months=k if forward else -k)
            try:
                day = first.replace(day=self.a)
            except ValueError:
                continue
            if (day >= ref if forward else day <= ref) and (inclusive or day != ref):
                return day
        return None


@dataclass(frozen=True, slots=True)
class Atom:
    start: int
    end: int
    kind: str
    day: date | None = None
    hm: tuple[int, int] | None = None
    period: tuple[date, date] | None = None
    spec: PartialDay | None = None
    strong: bool = True  # a PART ("morning") stands alone only after "this"/"in the"
    weekday_only: bool = False  # a weekday that a following explicit date may replace
    shift_year: bool = False  # a month period that a range may move to the next year


def moved(atom: Atom, start: int, end: int) -> Atom:
    """The same atom over another span (cheaper than dataclasses.replace)."""
    return Atom(start, end, atom.kind, atom.day, atom.hm, atom.period, atom.spec, atom.strong,
                 atom.weekday_only, atom.shift_year)
