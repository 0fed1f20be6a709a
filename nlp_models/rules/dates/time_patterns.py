"""Patterns for a time of day: "3pm", "15:00", "14h", "at 3", "um 14 uhr", "half past 3",
"noon", "EOD", "first thing", "this morning", "tomorrow afternoon".

An hour without am/pm is read in working hours: "at 3" is 15:00, "at 8" 08:00. A time alone
is today's; joining attaches it to a neighbouring day.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

from nlp_models.rules.dates.atoms import MOMENT, PART, TIME, Atom
from nlp_models.rules.dates.context import MessageContext
from nlp_models.rules.dates.pattern_engine import PatternSet
from nlp_models.rules.dates.vocabulary import (
    MONEY_BEFORE,
    WEEKDAY_RX,
    WORD_END,
    WORD_START,
    alternation,
)
from nlp_models.rules.lexicon import FOLLOWED_BY_UNIT

TIME_PATTERNS = PatternSet()
_pattern = TIME_PATTERNS.add


def _hour(h: int, minute: int, meridiem: str | None, guess_pm: bool) -> tuple[int, int] | None:
    mer = (meridiem or "").replace(".", "").lower()
    if mer:
        if not 1 <= h <= 12:
            return None
        if mer.startswith("p") and h != 12:
            h += 12
        elif mer.startswith("a") and h == 12:
            h = 0
    elif guess_pm and 1 <= h <= 7:
        h += 12  # "at 3" in business hours means 15:00
    if not (0 <= h <= 23 and 0 <= minute <= 59):
        return None
    return h, minute


_TIME_LEFT = r"(?<![\w:.,/$€£¥₹#+-])"


@_pattern(
    rf"{_TIME_LEFT}(?P<h>1[0-2]|0?[1-9])(?:[:.](?P<m>[0-5]\d))?"
    r"(?:\s*(?:-|–|to)\s*(?:1[0-2]|0?[1-9])(?:[:.][0-5]\d)?)?\s?(?P<mer>a\.m\.|p\.m\.|am|pm)(?![\w])",
    words=["am", "pm", "a", "p"],
    digit=True,
    first=r"\d",
)
def _time_12h(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    hm = _hour(int(m.group("h")), int(m.group("m") or 0), m.group("mer"), False)
    if hm is not None:
        yield Atom(m.start(), m.end(), TIME, hm=hm)


@_pattern(
    rf"{_TIME_LEFT}(?P<h>[01]?\d|2[0-3])(?::(?P<m>[0-5]\d)(?::[0-5]\d)?|h(?P<m2>[0-5]\d))"
    r"(?:\s*(?:-|–)\s*(?:[01]?\d|2[0-3]):[0-5]\d)?(?:\s*(?:h|hrs|uhr)(?![\w]))?(?![\d:]|\.\d)",
    chars=":hH",
    digit=True,
    first=r"\d",
)
def _time_24h(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    h_text = m.group("h")
    guess = not h_text.startswith("0") and len(h_text) == 1
    hm = _hour(int(h_text), int(m.group("m") or m.group("m2") or 0), None, guess)
    if hm is not None:
        yield Atom(m.start(), m.end(), TIME, hm=hm)


_AT_HOUR_AFTER = re.compile(
    r"\s*(?:$|[,.;!?)\]]|-|–|o'?clock|sharp|(?:today|tonight|tomorrow|tmrw|tmr|on|with|to|for"
    rf"|and|then|in|please|pls|plz|ok|okay|if|or|works|is|next|this|my|your|our|their|{WEEKDAY_RX}){WORD_END})"
)


@_pattern(
    rf"{WORD_START}(?:at|@|around|um)\s*(?P<h>[01]?\d|2[0-3])(?:[.](?P<m>[0-5]\d))?"
    r"(?:\s*o'?clock|h(?![\w])|\s*uhr(?![\w]))?(?![\w:/%]|[.,]\d{3}|,\d)",
    words=["at", "around", "um", "clock"],
    digit=True,
    first=r"a@u",
)
def _at_hour(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    if not _AT_HOUR_AFTER.match(ctx.low, m.end()) or MONEY_BEFORE.search(ctx.before(m.start(), 16)):
        return
    if FOLLOWED_BY_UNIT.match(ctx.low, m.end()):
        return
    h_text = m.group("h")
    hm = _hour(int(h_text), int(m.group("m") or 0), None, not h_text.startswith("0"))
    if hm is not None:
        yield Atom(m.start(), m.end(), TIME, hm=hm)


_CLOCK_WORDS = {"half past": 30, "quarter past": 15, "quarter to": -15, "quarter til": -15}


@_pattern(
    rf"{WORD_START}(?:at\s+|@\s*|around\s+)?(?P<w>half\s+past|quarter\s+(?:past|to|til))\s+(?P<h>1[0-2]|0?[1-9])"
    r"(?:\s*(?P<mer>a\.m\.|p\.m\.|am|pm))?(?![\w:.,/%])",
    words=["half", "quarter"],
    digit=True,
    first=r"ahq@",
)
def _clock_words(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    """ "half past 3" (15:30 in working hours, as "at 3"), "quarter to 9am" (08:45)."""
    minutes = _CLOCK_WORDS[re.sub(r"\s+", " ", m.group("w"))]
    hour = int(m.group("h"))
    if minutes < 0:
        hour, minutes = (hour - 1) or 12, 60 + minutes
    hm = _hour(hour, minutes, m.group("mer"), m.group("mer") is None)
    if hm is not None:
        yield Atom(m.start(), m.end(), TIME, hm=hm)


_NAMED_TIMES = {
    "noon": (12, 0), "midday": (12, 0), "mid-day": (12, 0), "midnight": (0, 0),
    "lunchtime": (12, 0), "lunch time": (12, 0), "at lunch": (12, 0), "over lunch": (12, 0),
    "after lunch": (13, 0), "eod": (17, 0), "cob": (17, 0), "eob": (17, 0), "close of business": (17, 0),
    "end of business": (17, 0), "end of day": (17, 0), "end of the day": (17, 0),
    "end of business day": (17, 0), "end of the business day": (17, 0), "end of play": (17, 0),
    "eop": (17, 0), "first thing": (9, 0), "first thing in the morning": (9, 0),
}


_NAMED_TIME_ALT = alternation([k.replace(" ", r"\s+") for k in _NAMED_TIMES])


@_pattern(
    rf"{WORD_START}(?P<t>{_NAMED_TIME_ALT}){WORD_END}",
    words=["noon", "midday", "mid", "midnight", "lunchtime", "lunch", "eod", "cob", "eob", "eop", "end", "close", "first"],
    first=r"nmlaeocf",
)
def _named_time(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    yield Atom(m.start(), m.end(), TIME, hm=_NAMED_TIMES[re.sub(r"\s+", " ", m.group("t").lower())])


_PARTS = {"morning": (9, 0), "afternoon": (15, 0), "arvo": (15, 0), "evening": (18, 0), "night": (18, 0)}


@_pattern(
    rf"{WORD_START}(?:(?P<pre>this|in\s+the|early|late|later\s+this|tomorrow|tmrw|tmr)\s+)?(?P<part>morning|afternoon|arvo|evening|night){WORD_END}",
    words=list(_PARTS),
    first=r"tielmaen",
)
def _part_of_day(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    pre = re.sub(r"\s+", " ", (m.group("pre") or "").lower())
    hm = _PARTS[m.group("part").lower()]
    if pre in {"tomorrow", "tmrw", "tmr"}:
        yield Atom(m.start(), m.end(), MOMENT, day=ctx.today + timedelta(days=1), hm=hm)
        return
    strong = pre in {"this", "in the", "later this"}
    start = m.start() if strong else m.start("part")
    yield Atom(start, m.end(), PART, hm=hm, strong=strong)
