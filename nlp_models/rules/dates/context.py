"""The message as the date patterns see it: text, clock, zone and default direction.

`now` is read in the user's zone (a naive `now` is already local), so "today" is the user's
day. Zones that write month first (UTC, America/*, US/*, Canada/*) read "3/12" as March 12;
all others as 3 December.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from nlp_models.rules.dates.tense import direction_cue

UTC_ZONE_KEYS = {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Universal", "Etc/Universal", "Zulu",
                 "Etc/Zulu", "GMT", "Etc/GMT", "Etc/Greenwich", "Greenwich"}


ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class MessageContext:
    """The message, its lower-cased copy, its local time and day, and the intent's default
    direction (`past`: backward unless a cue word says otherwise)."""

    def __init__(self, text: str, now: datetime, tz: ZoneInfo, past: bool) -> None:
        self.text = text
        self.low = text.translate(ASCII_LOWER)  # same length, so offsets agree
        self.now = now.replace(tzinfo=tz) if now.tzinfo is None else now.astimezone(tz)
        self.today = self.now.date()
        self.past = past
        key = getattr(tz, "key", None) or str(tz)
        self.month_first = key in UTC_ZONE_KEYS or key.startswith(("America/", "US/", "Canada/"))

    def cue(self, start: int) -> bool | None:
        """Direction named by the nearest cue word before `start` in the same sentence."""
        return direction_cue(self.low, start)

    def forward(self, start: int) -> bool:
        """Whether the mention at `start` points forward: its cue word, else the default."""
        cue = self.cue(start)
        return (not self.past) if cue is None else cue

    def before(self, start: int, size: int = 24) -> str:
        """The `size` lower-cased characters before `start`."""
        return self.low[max(0, start - size) : start]
