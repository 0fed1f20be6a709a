"""Atoms to DATE values: `2026-11-24`, `2026-11-24T15:00` or `2026-11-01/2026-11-30`
(written by `nlp_models.values`, which also reads them back).

A time alone is today's; a part of day alone counts only after "this" or "in the"
("this morning"); anything after "since" runs from its first day to today.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from nlp_models.rules.dates.atoms import DAY, MOMENT, PART, PERIOD, TIME, Atom
from nlp_models.rules.dates.context import MessageContext
from nlp_models.values import day_value, moment_value, period_value

_SINCE_PRE = re.compile(r"(?:ever\s+)?since\s+(?:the\s+)?$")


def atom_values(ctx: MessageContext, atoms: list[Atom]) -> Iterator[tuple[int, int, str]]:
    """(start, end, value) of each atom that stands as a DATE."""
    text = ctx.low
    for atom in atoms:
        start = atom.start
        since = _SINCE_PRE.search(text, max(0, start - 12), start)
        if atom.kind == TIME and atom.hm is not None:
            value = _fmt_moment(ctx.today, atom.hm)
        elif atom.kind == PART:
            if not atom.strong or atom.hm is None:
                continue
            value = _fmt_moment(ctx.today, atom.hm)
        elif since is not None and atom.kind in (DAY, MOMENT, PERIOD):
            first = atom.period[0] if atom.period is not None else atom.day
            if atom.spec is not None:
                first = atom.spec.resolve(ctx.today, False, True)
            if first is None or first > ctx.today:
                continue
            start = since.start()
            value = period_value(first, ctx.today)
        elif atom.kind == MOMENT and atom.day is not None and atom.hm is not None:
            value = _fmt_moment(atom.day, atom.hm)
        elif atom.kind == DAY and atom.day is not None:
            value = day_value(atom.day)
        elif atom.kind == PERIOD and atom.period is not None:
            value = period_value(*atom.period)
        else:
            continue
        yield start, atom.end, value


def _fmt_moment(day: date, hm: tuple[int, int]) -> str:
    return moment_value(day, *hm)
