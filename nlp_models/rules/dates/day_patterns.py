"""Patterns for one day: relative days, weekdays, month and day, holidays, numeric dates.

"today", "tmrw", "day after tomorrow"; "next tue", "tuesday after next", "friday this week",
"monday the 30th"; "Nov 24", "24th of November", "christmas eve", "the 12th"; "2026-11-24",
"11/24" and "24/11" (order by the user's zone), "24.11." (always day first), "24-11-2026".
A month and day without a year, where only the intent says "what happened", is the next step
when it falls in the next NEXT_STEP_DAYS days and behind us otherwise; one that points
forward but fell in the last RECENT_PAST_DAYS days is this year's, in the past.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from nlp_models.rules.dates.atoms import DAY, MOMENT, Atom, PartialDay
from nlp_models.rules.dates.calendar_units import (
    monday_of,
    safe_date,
)
from nlp_models.rules.dates.context import MessageContext
from nlp_models.rules.dates.pattern_engine import PatternSet
from nlp_models.rules.dates.tense import NEXT_STEP_DAYS, RECENT_PAST_DAYS
from nlp_models.rules.dates.vocabulary import (
    AMBIGUOUS_WEEKDAYS,
    DAY_OF_MONTH_RX,
    MONEY_BEFORE,
    MONTH_RX,
    MONTH_WORDS,
    MONTHS,
    ORDINAL_SUFFIX_RX,
    WEEKDAY_RX,
    WEEKDAY_WORDS,
    WEEKDAYS,
    WORD_END,
    WORD_START,
    YEAR_RX,
    alternation,
    parse_year,
)

DAY_PATTERNS = PatternSet()
_pattern = DAY_PATTERNS.add


_REL_DAYS = {
    "today": 0, "tonight": 0, "tomorrow": 1, "tomorow": 1, "tommorow": 1, "tommorrow": 1,
    "tomorrw": 1, "tmrw": 1, "tmr": 1, "tmw": 1, "tmrow": 1, "2moro": 1, "2morrow": 1,
    "yesterday": -1, "yday": -1, "yest": -1, "ystd": -1, "yesterdy": -1,
}


@_pattern(
    rf"{WORD_START}(?:(?:the\s+)?day\s+after\s+(?P<after>tomorrow|tmrw|tomorow|tmr)"
    rf"|(?:the\s+)?day\s+before\s+(?P<before>yesterday)|(?P<word>{alternation(list(_REL_DAYS))})"
    rf"|(?P<earlier>earlier|later)\s+today){WORD_END}",
    words=[*_REL_DAYS, "day", "moro", "morrow"],
    first=r"tyd2el",
)
def _relative_day(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    if m.group("after"):
        offset = 2
    elif m.group("before"):
        offset = -2
    elif m.group("earlier"):
        offset = 0
    else:
        offset = _REL_DAYS[m.group("word").lower()]
    day = ctx.today + timedelta(days=offset)
    if (m.group("word") or "").lower() == "tonight":
        yield Atom(m.start(), m.end(), MOMENT, day=day, hm=(18, 0))
    else:
        yield Atom(m.start(), m.end(), DAY, day=day)


_NAME_BEFORE_WEEKDAY = re.compile(
    r"(?<![\w])(?:Black|BLACK|Cyber|CYBER|Good|Flash|Super|Manic|Blue|Giving|Easter|Ash|Holy|Maundy"
    r"|Palm|Shrove|Fat|Green|Travel|Small\s+Business|Whit|Low"
    # in lower case too where the words are never a plain day ("the black friday campaign";
    # "have a good friday" is this Friday)
    r"|(?i:black|cyber|giving|small\s+business))\s+$"
)
_SHORT_WD_BEFORE = re.compile(
    r"(?:\b(?:on|by|until|till|til|from|before|after|due|every|this|next|last|coming|and|or|to"
    r"|thru|through|for|f/u|fu)\s+)$"
)
_SHORT_WD_AFTER = re.compile(
    r"\s*,?\s*(?:at\s+|@\s*)?(?:\d|noon|eod|cob|morning|afternoon|evening|night|midday|lunch"
    r"|first\s+thing|-\s*(?:mon|tue|wed|thu|fri|sat|sun))"
)


@_pattern(
    rf"{WORD_START}(?:(?P<mod>next|last|previous|past|this\s+coming|this|coming|upcoming)\s+)?"
    rf"(?P<wd>{WEEKDAY_RX}){WORD_END}(?:\s+(?P<after>after\s+next))?"
    rf"(?:,?\s+(?:the\s+)?(?P<dom>{DAY_OF_MONTH_RX}){ORDINAL_SUFFIX_RX}{WORD_END}(?!\s*(?:of\s+)?{MONTH_RX}{WORD_END}))?",
    words=WEEKDAY_WORDS,
    first=r"nlpctumwfs",
)
def _weekday(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    token = m.group("wd").lower()
    wd = WEEKDAYS[token]
    mod = re.sub(r"\s+", " ", (m.group("mod") or "").lower())
    end = m.end()
    written = ctx.text[m.start("wd") : m.end("wd")]
    if not mod and _NAME_BEFORE_WEEKDAY.search(ctx.text, max(0, m.start() - 12), m.start()):
        return  # "Black Friday", "Cyber Monday": names, not days
    if token in AMBIGUOUS_WEEKDAYS and not mod and written != written.upper() and not (
        _SHORT_WD_BEFORE.search(ctx.before(m.start(), 12))
        or _SHORT_WD_AFTER.match(ctx.low, m.end("wd"))
    ):
        return
    if m.group("dom"):
        dom = int(m.group("dom"))
        forward = ctx.forward(m.start()) if not mod else mod not in {"last", "previous", "past"}
        day = _weekday_dom(ctx.today, wd, dom, forward)
        if day is not None:
            yield Atom(m.start(), end, DAY, day=day, spec=PartialDay("dom", dom))
        return
    spec = PartialDay("wd", wd)
    if mod in {"next", "coming", "upcoming", "this coming"}:
        day = spec.resolve(ctx.today, True, False)
    elif mod in {"last", "previous", "past"}:
        day = spec.resolve(ctx.today, False, False)
    elif mod == "this":
        day = spec.resolve(ctx.today, ctx.forward(m.start()), True)
    else:
        day = spec.resolve(ctx.today, ctx.forward(m.start()), False)
    if day is None:
        return
    if m.group("after"):
        day += timedelta(days=7)
    yield Atom(m.start(), end, DAY, day=day, spec=spec if not mod else None, weekday_only=not mod)


def _weekday_dom(today: date, wd: int, dom: int, forward: bool) -> date | None:
    """'Monday the 24th': the nearest month in that direction where the 24th is a Monday."""
    for k in range(12):
        first = date(today.year, today.month, 1) + relativedelta(months=k if forward else -k)
        day = safe_date(first.year, first.month, dom)
        if day is None or (day < today if forward else day > today):
            continue
        if day.weekday() == wd:
            return day
    return PartialDay("dom", dom).resolve(today, forward, True)


@_pattern(
    rf"{WORD_START}(?:(?P<wk>this|next|last|previous|the\s+following)\s+week(?:'s)?\s+(?:on\s+)?(?P<wd>{WEEKDAY_RX})"
    rf"|(?P<wd2>{WEEKDAY_RX})\s+(?:of\s+|on\s+)?(?:the\s+)?(?P<wk2>this|next|last|previous|following)\s+week){WORD_END}",
    words=WEEKDAY_WORDS,
    also=["week"],
    first=r"tnlpmwfs",
)
def _weekday_of_week(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    wk = (m.group("wk") or m.group("wk2")).lower()
    wd = WEEKDAYS[(m.group("wd") or m.group("wd2")).lower()]
    offset = {"this": 0, "next": 1, "the following": 1, "following": 1}.get(wk, -1)
    yield Atom(m.start(), m.end(), DAY, day=monday_of(ctx.today) + timedelta(days=7 * offset + wd))


def _month_day_atom(ctx: MessageContext, m: re.Match[str], month: int, dom: int, year: int | None) -> Iterator[Atom]:
    if year is not None:
        day = safe_date(year, month, dom)
        if day is not None:
            yield Atom(m.start(), m.end(), DAY, day=day)
        return
    spec = PartialDay("md", month, dom)
    if ctx.past and ctx.cue(m.start()) is None:
        # Only the intent says "what happened": a day in the next two months is a next step
        # (a call logged on 1 December with "demo 12/15" means the coming one, not last
        # year's); any other is behind us ("call 11/28", "visit may 15").
        ahead = spec.resolve(ctx.today, True, True)
        near = ahead is not None and (ahead - ctx.today).days <= NEXT_STEP_DAYS
        day = ahead if near else spec.resolve(ctx.today, False, True)
    else:
        forward = ctx.forward(m.start())
        day = spec.resolve(ctx.today, forward, True)
        if forward:
            # a day just behind us is this year's, not next year's: "call on 12/3" said on
            # 7 December was four days ago (the dialogue asks rather than moving it a year)
            behind = spec.resolve(ctx.today, False, True)
            if behind is not None and (ctx.today - behind).days <= RECENT_PAST_DAYS:
                day = behind
    if day is not None:
        yield Atom(m.start(), m.end(), DAY, day=day, spec=spec)


@_pattern(
    rf"{WORD_START}(?P<mon>{MONTH_RX})\.?\s*(?P<dom>{DAY_OF_MONTH_RX}){ORDINAL_SUFFIX_RX}?{WORD_END}(?!:|\.\d|,\d)(?:,?\s*(?P<y>{YEAR_RX}){WORD_END})?",
    words=MONTH_WORDS,
    digit=True,
    first=r"jfmasond",
)
def _month_day(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    yield from _month_day_atom(ctx, m, MONTHS[m.group("mon").lower()], int(m.group("dom")), parse_year(m.group("y")))


@_pattern(
    rf"(?<![\w.,/:$€£¥₹#-])(?:the\s+)?(?P<dom>{DAY_OF_MONTH_RX}){ORDINAL_SUFFIX_RX}?\.?\s*(?:of\s+)?(?P<mon>{MONTH_RX}){WORD_END}\.?"
    rf"(?:,?\s*(?P<y>{YEAR_RX}){WORD_END})?",
    words=MONTH_WORDS,
    digit=True,
    first=r"\dt",
)
def _day_month(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    yield from _month_day_atom(ctx, m, MONTHS[m.group("mon").lower()], int(m.group("dom")), parse_year(m.group("y")))


_HOLIDAYS = {"christmas eve": (12, 24), "christmas": (12, 25), "xmas": (12, 25), "x-mas": (12, 25),
             "new year's eve": (12, 31), "new years eve": (12, 31), "nye": (12, 31),
             "new year's day": (1, 1), "new years day": (1, 1), "boxing day": (12, 26),
             "halloween": (10, 31), "valentine's day": (2, 14), "valentines day": (2, 14)}


@_pattern(
    rf"{WORD_START}(?P<h>{alternation([re.escape(k) for k in _HOLIDAYS])}){WORD_END}",
    words=["christmas", "xmas", "x", "nye", "new", "boxing", "halloween", "valentine", "valentines"],
    first=r"cxnbhv",
)
def _holiday(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    month, dom = _HOLIDAYS[m.group("h").lower().replace("’", "'")]
    yield from _month_day_atom(ctx, m, month, dom, None)


@_pattern(
    rf"{WORD_START}the\s+(?P<dom>{DAY_OF_MONTH_RX}){ORDINAL_SUFFIX_RX}{WORD_END}(?!\s*(?:of\s+)?{MONTH_RX}{WORD_END})"
    rf"(?:\s+of\s+(?:the\s+)?(?P<rel>this|next|last|the)\s+month)?"
    r"(?=\s*(?:$|[,.;!?)\-–]|at\b|@|\d|by\b|and\b|or\b|to\b|until\b|till\b|for\b|then\b|in\s+the\b|morning|afternoon|evening))",
    words=["st", "nd", "rd", "th"],
    digit=True,
    first=r"t",
)
def _ordinal_day(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    dom = int(m.group("dom"))
    rel = (m.group("rel") or "").lower()
    if rel in {"this", "next", "last", "the"}:
        shift = {"next": 1, "last": -1}.get(rel, 0)
        first = date(ctx.today.year, ctx.today.month, 1) + relativedelta(months=shift)
        day = safe_date(first.year, first.month, dom)
        if day is not None:
            yield Atom(m.start(), m.end(), DAY, day=day)
        return
    spec = PartialDay("dom", dom)
    day = spec.resolve(ctx.today, ctx.forward(m.start()), True)
    if day is not None:
        yield Atom(m.start(), m.end(), DAY, day=day, spec=spec)


@_pattern(
    rf"(?<![\w.\-/:])(?P<y>{YEAR_RX})(?P<sep>[-/.])(?P<mo>1[0-2]|0?[1-9])(?P=sep)(?P<d>{DAY_OF_MONTH_RX})"
    r"(?:t(?P<H>[01]\d|2[0-3]):(?P<M>[0-5]\d)(?::[0-5]\d(?:\.\d+)?)?(?:z|[+-]\d\d:?\d\d)?)?(?![\w\-/]|\.\d)",
    chars="-/.",
    year=True,
    first=r"\d",
)
def _iso(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    day = safe_date(int(m.group("y")), int(m.group("mo")), int(m.group("d")))
    if day is None:
        return
    if m.group("H"):
        yield Atom(m.start(), m.end(), MOMENT, day=day, hm=(int(m.group("H")), int(m.group("M"))))
    else:
        yield Atom(m.start(), m.end(), DAY, day=day)


_RATING_WORDS = re.compile(r"(?<!\w)(?:rat(?:e|ed|ing|ings)|score[ds]?|stars?|out\s+of|review)(?!\w)")

_DATE_CUE_BEFORE = re.compile(
    r"(?:\b(?:on|by|until|till|til|due|from|since|before|after|for|to|and|am|bis|ab|vom|week\s+of"
    r"|starting|effective|date|dated|deadline|close|closing|expires?|expiry|delivery|deliver(?:ed)?"
    r"|ship(?:ped|ping)?|renew(?:al|s)?|due\s+date|birthday|born)\s*:?\s*)$"
)
_TIME_AFTER = re.compile(r"\s*(?:at\s*|@\s*|,\s*)?\d{1,2}(?::\d{2}|\s*(?:am|pm|a\.m\.|p\.m\.))")
_VERSION_BEFORE = re.compile(r"(?:\b(?:version|ver|v|release|rel|build|update|upgrade|patch|app|sdk|api|ios|android|python|firmware|fw)\.?\s*)$")


def _numeric_day(ctx: MessageContext, m: re.Match[str], first: int, second: int, year: int | None, month_first: bool) -> Iterator[Atom]:
    orders = [(first, second), (second, first)] if month_first else [(second, first), (first, second)]
    for month, dom in orders:
        if 1 <= month <= 12 and 1 <= dom <= 31:
            break
    else:
        return
    yield from _month_day_atom(ctx, m, month, dom, year)


@_pattern(
    r"(?<![\w.\-/:$€£¥₹#+,])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?"
    r"(?![\w/]|[.,]\d|\s*%|\s*(?:rating|stars?|score|points?|pts)\b)",
    chars="/",
    digit=True,
    first=r"\d",
)
def _slash_date(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    a, b = int(m.group("a")), int(m.group("b"))
    if (a, b) == (24, 7) or _VERSION_BEFORE.search(ctx.before(m.start(), 12)):
        return
    if m.group("y") is None and ((b in (5, 10) and a <= b) or (b <= 4 and a < b)):
        # 4/5, 10/10, 1/2: a score or a fraction unless a date word says otherwise
        cued = _DATE_CUE_BEFORE.search(ctx.before(m.start(), 16)) or _TIME_AFTER.match(ctx.low, m.end())
        if not cued or _RATING_WORDS.search(ctx.low):
            return
    yield from _numeric_day(ctx, m, a, b, parse_year(m.group("y")), ctx.month_first)


@_pattern(
    r"(?<![\w.,/\-:$€£¥₹#+])(?P<d>\d{1,2})\.(?P<mo>\d{1,2})\."
    r"(?:(?P<y>\d{4}|\d{2})(?![\w.]|,\d)|(?!\d))"
    r"|(?<![\w.,/\-:$€£¥₹#+])(?P<d2>\d{1,2})\.(?P<mo2>\d{1,2})(?![\w.]|,\d)",
    chars=".",
    digit=True,
    first=r"\d",
)
def _dot_date(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    before = ctx.before(m.start(), 16)
    if _VERSION_BEFORE.search(before) or MONEY_BEFORE.search(before):
        return
    if m.group("d2") is not None:
        if not _DATE_CUE_BEFORE.search(before):
            return  # "3.2" is a number, "on 24.11" a date
        d, mo, y = int(m.group("d2")), int(m.group("mo2")), None
    else:
        d, mo, y = int(m.group("d")), int(m.group("mo")), parse_year(m.group("y"))
    if 1 <= mo <= 12:
        yield from _month_day_atom(ctx, m, mo, d, y)


@_pattern(
    r"(?<![\w.\-/:$€£¥₹#+])(?P<a>\d{1,2})-(?P<b>\d{1,2})-(?P<y>(?:19|20)\d{2})(?![\w\-]|\.\d)",
    chars="-",
    digit=True,
    first=r"\d",
)
def _dash_date(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    yield from _numeric_day(ctx, m, int(m.group("a")), int(m.group("b")), int(m.group("y")), ctx.month_first)
