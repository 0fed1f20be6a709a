"""DATE: dates, date-times and periods resolved against the message time, in the user's zone.

Values (nlp_models/README.md, "Dates"): `2026-11-24`, `2026-11-24T15:00`, or a period
`2026-11-01/2026-11-30`. All are local wall times in `tz`.

Direction: weekdays, bare month-days and month names point forward for things to do and
backward for things that happened. `past` is the intent's default; words attached to a
mention ("next", "last", "this coming") or standing just before it in the same sentence
("by", "until", "due", "will", "remind", "wants" / "since", "was", "had", "ago") override it.
A bare quarter ("Q3") is the nearest one unless such a word says which way. Where only the
intent says "what happened", a month and day ("12/15", "dec 15") in the next two months is
the next step named in the note; any other is behind us.

`find_dates` runs in four steps, one module each:

- `pattern_engine`: runs the gated patterns of `day_patterns`, `time_patterns`,
  `offset_patterns` and `period_patterns` over the message and keeps the longest atoms;
- `joining`: joins neighbours (a day and a time, "from A to B");
- `values`: turns atoms into DATE values ("since A" runs from A to today).

They share `vocabulary` (words and regex pieces), `atoms` (what a pattern finds),
`calendar_units` (weeks, months, quarters), `context` (the message and its clock) and
`tense` (the cue words that say which way a mention points).

Beside them, `impossible` finds what is written as a time or date but is none ("25:00",
"31/02"), so that the dialogue can refuse it rather than read the message without it.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from nlp_models.labels import EntityLabel
from nlp_models.rules.dates.context import MessageContext
from nlp_models.rules.dates.day_patterns import DAY_PATTERNS
from nlp_models.rules.dates.joining import join_atoms
from nlp_models.rules.dates.offset_patterns import OFFSET_PATTERNS
from nlp_models.rules.dates.pattern_engine import collect_atoms
from nlp_models.rules.dates.period_patterns import PERIOD_PATTERNS
from nlp_models.rules.dates.time_patterns import TIME_PATTERNS
from nlp_models.rules.dates.values import atom_values
from nlp_models.types import Entity

__all__ = ["find_dates"]

# The order breaks ties between equally long overlapping atoms: the earlier pattern wins.
PATTERNS = (
    *DAY_PATTERNS.patterns,
    *TIME_PATTERNS.patterns,
    *OFFSET_PATTERNS.patterns,
    *PERIOD_PATTERNS.patterns,
)


def find_dates(text: str, now: datetime, tz: ZoneInfo, past: bool = False) -> list[Entity]:
    """DATE entities of `text`, resolved against `now` in `tz` (see the module docstring)."""
    if not text:
        return []
    ctx = MessageContext(text, now, tz, past)
    atoms = join_atoms(ctx, collect_atoms(ctx, PATTERNS))
    return [
        Entity(EntityLabel.DATE, text[start:end], start, end, value, zone=tz)
        for start, end, value in atom_values(ctx, atoms)
    ]
