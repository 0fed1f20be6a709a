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

The parse is a handful of precompiled regular expressions that find atoms (a day, a time of
day, a period), then one pass that joins neighbours: a day and a time become a date-time,
"from A to B" and "between A and B" become a period, "since A" runs from A to today.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from nlp_models.labels import EntityLabel
from nlp_models.rules.lexicon import FOLLOWED_BY_UNIT, SMALL_NUMBERS, word_set
from nlp_models.types import Entity

# ----------------------------------------------------------------------------- vocabulary

WEEKDAYS: dict[str, int] = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "weds": 2, "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}
MONTHS: dict[str, int] = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
# Short forms that are also English words need a cue: "sat down", "the sun", "wed".
_AMBIGUOUS_WEEKDAYS = {"sat", "sun", "wed", "mon"}
_UTC_KEYS = {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Universal", "Etc/Universal", "Zulu",
             "Etc/Zulu", "GMT", "Etc/GMT", "Etc/Greenwich", "Greenwich"}


def _alt(words: list[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_WD = rf"(?:{_alt(list(WEEKDAYS))})"
_MON = rf"(?:{_alt(list(MONTHS))})"
_DOM = r"(?:3[01]|[12][0-9]|0?[1-9])"
_ORD = r"(?:st|nd|rd|th)"
_YEAR = r"(?:19|20)[0-9]{2}"
_B = r"(?<![\w])"
_E = r"(?![\w])"
_NUM_WORDS = _alt([*SMALL_NUMBERS, "a", "an", "a couple of", "couple of", "a couple", "couple"])
_N = rf"(?:\d{{1,3}}|{_NUM_WORDS})"
_UNIT = (
    r"(?:minutes?|mins?|hours?|hrs?|h|days?|d|business\s+days?|working\s+days?|weeks?|wks?|w"
    r"|fortnights?|months?|mos?|mths?|years?|yrs?|y)"
)


def _rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Helper patterns also run over the lower-cased copy (`_Ctx.low`)."""
    return re.compile(pattern, flags)


# ----------------------------------------------------------------------------- atoms

DAY, TIME, PART, MOMENT, PERIOD = "day", "time", "part", "moment", "period"


@dataclass(frozen=True, slots=True)
class _Spec:
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
class _Atom:
    start: int
    end: int
    kind: str
    day: date | None = None
    hm: tuple[int, int] | None = None
    period: tuple[date, date] | None = None
    spec: _Spec | None = None
    strong: bool = True  # a PART ("morning") stands alone only after "this"/"in the"
    weekday_only: bool = False  # a weekday that a following explicit date may replace
    shift_year: bool = False  # a month period that a range may move to the next year


def _moved(atom: _Atom, start: int, end: int) -> _Atom:
    """The same atom over another span (cheaper than dataclasses.replace)."""
    return _Atom(start, end, atom.kind, atom.day, atom.hm, atom.period, atom.spec, atom.strong,
                 atom.weekday_only, atom.shift_year)


# ----------------------------------------------------------------------------- context


# A month and day with no year, where only the intent says "what happened": this many days
# ahead at most is the next step named in the note, anything later was last year's.
NEXT_STEP_DAYS = 62

# Prepositions count only right before the mention ("by friday", not "by region for Q3").
_NEAR_FORWARD = re.compile(
    r"(?<![\w'])(?:by|until|till|til|before|due(?:\s+(?:on|by))?|after|no\s+later\s+than|not\s+before)"
    r"\s+(?:on\s+)?(?:the\s+)?$"
)
_FORWARD_CUE = (
    r"next|coming|upcoming|from\s+now|will|going\s+to|gonna"
    r"|plan(?:s|ning|ned)?\s+to|wants?|wanted\s+to|wanna|needs?|should|must|f/u"
    r"|follow[\s-]?up|followup|remind(?:er)?|revisit|deadline|expected|expects?|expecting"
    r"|closing|close|start(?:s|ing)?|schedule(?:d)?|book(?:ed)?|set\s+up|arrange(?:d)?"
    r"|postpone(?:d)?|push(?:ed)?|move(?:d)?|slip(?:ped|s)?|reschedule(?:d)?|delay(?:ed)?"
    r"|call\s+back|no\s+later\s+than|not\s+before|later"
)
_BACKWARD_CUE = (
    r"since|ago|last|past|previous|prior|earlier|was|were|did|had|happened|already|yesterday"
    r"|yday|wrote|sent|called|phoned|emailed|reported|opened|raised|complained|ordered|bought"
    r"|purchased|received|paid|met|spoke|talked|said|told|asked|mentioned|visited|delivered"
    r"|arrived|came|went|got|left|attended|demoed|finished|completed"
)
_CUE = _rx(
    rf"(?:(?<![\w'])(?:(?P<fwd>{_FORWARD_CUE})|(?P<back>{_BACKWARD_CUE}))|(?P<will>['’]ll))(?![\w'])"
)
_CLAUSE_END = re.compile(r"[.!?;\n]")
_CLOCK_PAST = re.compile(r"(?<!\w)(?:half|quarter)\s+past(?!\w)")
_CHANGE_VERB = _rx(
    r"(?<!\w)(?:move[ds]?|moving|push(?:ed|es)?|change[ds]?|changing|reschedule[ds]?|shift(?:ed|s)?"
    r"|postpone[ds]?|bump(?:ed|s)?|slip(?:ped|s)?|delay(?:ed|s)?)(?!\w)"
)
_RATING_WORDS = _rx(r"(?<!\w)(?:rat(?:e|ed|ing|ings)|score[ds]?|stars?|out\s+of|review)(?!\w)")
_MONEY_BEFORE = _rx(
    r"(?:priced|valued|sold|selling|sell|buy|bought|costs?|rated?|charged?|offer(?:ed)?"
    r"|quoted?|discount(?:ed)?|stands?|capped|fixed|grew|growth|up|down|increased?|decreased?"
    r"|reduced?|cut|set|least|margin|tax|vat|priced|worth|[$€£¥₹])\s*$"
)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class _Ctx:
    def __init__(self, text: str, now: datetime, tz: ZoneInfo, past: bool) -> None:
        self.text = text
        self.low = text.translate(_ASCII_LOWER)  # same length, so offsets agree
        self.now = now.replace(tzinfo=tz) if now.tzinfo is None else now.astimezone(tz)
        self.today = self.now.date()
        self.past = past
        key = getattr(tz, "key", None) or str(tz)
        self.month_first = key in _UTC_KEYS or key.startswith(("America/", "US/", "Canada/"))

    def cue(self, start: int) -> bool | None:
        """Direction named by the nearest cue word before `start` in the same sentence."""
        if _NEAR_FORWARD.search(self.low, max(0, start - 24), start):
            return True
        lo = max(0, start - 48)
        window = self.low[lo:start]
        ends = [m.end() for m in _CLAUSE_END.finditer(window)]
        if ends:
            window = window[ends[-1] :]
        if "past" in window:  # "half past 3" names a time, not the past
            window = _CLOCK_PAST.sub(lambda m: " " * len(m.group()), window)
        last: re.Match[str] | None = None
        for m in _CUE.finditer(window):
            last = m
        if last is None:
            return None
        return last.group("back") is None

    def forward(self, start: int) -> bool:
        cue = self.cue(start)
        return (not self.past) if cue is None else cue

    def before(self, start: int, size: int = 24) -> str:
        return self.low[max(0, start - size) : start]


# ----------------------------------------------------------------------------- helpers


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _month_period(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), _month_end(year, month)


def _quarter_period(year: int, q: int) -> tuple[date, date]:
    first = 3 * (q - 1) + 1
    return date(year, first, 1), _month_end(year, first + 2)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _number(token: str) -> int | None:
    token = re.sub(r"\s+", " ", token.strip().lower())
    if token.isdigit():
        return int(token)
    if token in {"a", "an"}:
        return 1
    if token in {"a couple of", "couple of", "a couple", "couple"}:
        return 2
    return SMALL_NUMBERS.get(token)


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


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _year(text: str | None) -> int | None:
    if not text:
        return None
    y = int(text.lstrip("'"))
    return y + 2000 if y < 100 else y


# ----------------------------------------------------------------------------- patterns

Handler = Callable[[_Ctx, re.Match[str]], Iterator[_Atom]]


@dataclass(frozen=True, slots=True)
class _Gate:
    """A pattern runs only when the message has a word of each set in `words`, one of `chars`
    and, if asked, a digit or a year. Most messages open two or three of the gates."""

    words: tuple[frozenset[str], ...] = ()
    chars: frozenset[str] = frozenset()
    digit: bool = False
    year: bool = False

    def open(self, words: frozenset[str], text: str, has_digit: bool, has_year: bool) -> bool:
        if (self.digit and not has_digit) or (self.year and not has_year):
            return False
        for group in self.words:
            if group.isdisjoint(words):
                return False
        if not self.chars:
            return True
        for c in self.chars:
            if c in text:
                return True
        return False


_PATTERNS: list[tuple[re.Pattern[str], Handler, _Gate]] = []


def _pattern(
    regex: str,
    *,
    words: Iterable[str] | None = None,
    also: Iterable[str] | None = None,
    chars: str = "",
    digit: bool = False,
    year: bool = False,
    first: str = "",
) -> Callable[[Handler], Handler]:
    # Patterns run over an ASCII-lower-cased copy of the text, without re.IGNORECASE (2-3x faster);
    # `first` (the characters a match can start with) lets the engine skip ahead (2x faster).
    compiled = re.compile(f"(?=[{first}])" + regex if first else regex)
    groups = tuple(frozenset(g) for g in (words, also) if g is not None)
    gate = _Gate(groups, frozenset(chars), digit, year)

    def register(handler: Handler) -> Handler:
        _PATTERNS.append((compiled, handler, gate))
        return handler

    return register


_MONTH_WORDS = frozenset(MONTHS)
_WEEKDAY_WORDS = frozenset(WEEKDAYS)


_REL_DAYS = {
    "today": 0, "tonight": 0, "tomorrow": 1, "tomorow": 1, "tommorow": 1, "tommorrow": 1,
    "tomorrw": 1, "tmrw": 1, "tmr": 1, "tmw": 1, "tmrow": 1, "2moro": 1, "2morrow": 1,
    "yesterday": -1, "yday": -1, "yest": -1, "ystd": -1, "yesterdy": -1,
}


@_pattern(
    rf"{_B}(?:(?:the\s+)?day\s+after\s+(?P<after>tomorrow|tmrw|tomorow|tmr)"
    rf"|(?:the\s+)?day\s+before\s+(?P<before>yesterday)|(?P<word>{_alt(list(_REL_DAYS))})"
    rf"|(?P<earlier>earlier|later)\s+today){_E}",
    words=[*_REL_DAYS, "day", "moro", "morrow"],
    first=r"tyd2el",
)
def _relative_day(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
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
        yield _Atom(m.start(), m.end(), MOMENT, day=day, hm=(18, 0))
    else:
        yield _Atom(m.start(), m.end(), DAY, day=day)


_NAME_BEFORE_WEEKDAY = re.compile(
    r"(?<![\w])(?:Black|BLACK|Cyber|CYBER|Good|Flash|Super|Manic|Blue|Giving|Easter|Ash|Holy|Maundy"
    r"|Palm|Shrove|Fat|Green|Travel|Small\s+Business|Whit|Low"
    # in lower case too where the words are never a plain day ("the black friday campaign";
    # "have a good friday" is this Friday)
    r"|(?i:black|cyber|giving|small\s+business))\s+$"
)
_SHORT_WD_BEFORE = _rx(
    r"(?:\b(?:on|by|until|till|til|from|before|after|due|every|this|next|last|coming|and|or|to"
    r"|thru|through|for|f/u|fu)\s+)$"
)
_SHORT_WD_AFTER = _rx(
    r"\s*,?\s*(?:at\s+|@\s*)?(?:\d|noon|eod|cob|morning|afternoon|evening|night|midday|lunch"
    r"|first\s+thing|-\s*(?:mon|tue|wed|thu|fri|sat|sun))"
)


@_pattern(
    rf"{_B}(?:(?P<mod>next|last|previous|past|this\s+coming|this|coming|upcoming)\s+)?"
    rf"(?P<wd>{_WD}){_E}(?:\s+(?P<after>after\s+next))?"
    rf"(?:,?\s+(?:the\s+)?(?P<dom>{_DOM}){_ORD}{_E}(?!\s*(?:of\s+)?{_MON}{_E}))?",
    words=_WEEKDAY_WORDS,
    first=r"nlpctumwfs",
)
def _weekday(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    token = m.group("wd").lower()
    wd = WEEKDAYS[token]
    mod = re.sub(r"\s+", " ", (m.group("mod") or "").lower())
    end = m.end()
    written = ctx.text[m.start("wd") : m.end("wd")]
    if not mod and _NAME_BEFORE_WEEKDAY.search(ctx.text, max(0, m.start() - 12), m.start()):
        return  # "Black Friday", "Cyber Monday": names, not days
    if token in _AMBIGUOUS_WEEKDAYS and not mod and written != written.upper() and not (
        _SHORT_WD_BEFORE.search(ctx.before(m.start(), 12))
        or _SHORT_WD_AFTER.match(ctx.low, m.end("wd"))
    ):
        return
    if m.group("dom"):
        dom = int(m.group("dom"))
        forward = ctx.forward(m.start()) if not mod else mod not in {"last", "previous", "past"}
        day = _weekday_dom(ctx.today, wd, dom, forward)
        if day is not None:
            yield _Atom(m.start(), end, DAY, day=day, spec=_Spec("dom", dom))
        return
    spec = _Spec("wd", wd)
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
    yield _Atom(m.start(), end, DAY, day=day, spec=spec if not mod else None, weekday_only=not mod)


def _weekday_dom(today: date, wd: int, dom: int, forward: bool) -> date | None:
    """'Monday the 24th': the nearest month in that direction where the 24th is a Monday."""
    for k in range(12):
        first = date(today.year, today.month, 1) + relativedelta(months=k if forward else -k)
        day = _safe_date(first.year, first.month, dom)
        if day is None or (day < today if forward else day > today):
            continue
        if day.weekday() == wd:
            return day
    return _Spec("dom", dom).resolve(today, forward, True)


@_pattern(
    rf"{_B}(?:(?P<wk>this|next|last|previous|the\s+following)\s+week(?:'s)?\s+(?:on\s+)?(?P<wd>{_WD})"
    rf"|(?P<wd2>{_WD})\s+(?:of\s+|on\s+)?(?:the\s+)?(?P<wk2>this|next|last|previous|following)\s+week){_E}",
    words=_WEEKDAY_WORDS,
    also=["week"],
    first=r"tnlpmwfs",
)
def _weekday_of_week(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    wk = (m.group("wk") or m.group("wk2")).lower()
    wd = WEEKDAYS[(m.group("wd") or m.group("wd2")).lower()]
    offset = {"this": 0, "next": 1, "the following": 1, "following": 1}.get(wk, -1)
    yield _Atom(m.start(), m.end(), DAY, day=_monday(ctx.today) + timedelta(days=7 * offset + wd))


def _month_day_atom(ctx: _Ctx, m: re.Match[str], month: int, dom: int, year: int | None) -> Iterator[_Atom]:
    if year is not None:
        day = _safe_date(year, month, dom)
        if day is not None:
            yield _Atom(m.start(), m.end(), DAY, day=day)
        return
    spec = _Spec("md", month, dom)
    if ctx.past and ctx.cue(m.start()) is None:
        # Only the intent says "what happened": a day in the next two months is a next step
        # (a call logged on 1 December with "demo 12/15" means the coming one, not last
        # year's); any other is behind us ("call 11/28", "visit may 15").
        ahead = spec.resolve(ctx.today, True, True)
        near = ahead is not None and (ahead - ctx.today).days <= NEXT_STEP_DAYS
        day = ahead if near else spec.resolve(ctx.today, False, True)
    else:
        day = spec.resolve(ctx.today, ctx.forward(m.start()), True)
    if day is not None:
        yield _Atom(m.start(), m.end(), DAY, day=day, spec=spec)


@_pattern(
    rf"{_B}(?P<mon>{_MON})\.?\s*(?P<dom>{_DOM}){_ORD}?{_E}(?!:|\.\d|,\d)(?:,?\s*(?P<y>{_YEAR}){_E})?",
    words=_MONTH_WORDS,
    digit=True,
    first=r"jfmasond",
)
def _month_day(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    yield from _month_day_atom(ctx, m, MONTHS[m.group("mon").lower()], int(m.group("dom")), _year(m.group("y")))


@_pattern(
    rf"(?<![\w.,/:$€£¥₹#-])(?:the\s+)?(?P<dom>{_DOM}){_ORD}?\.?\s*(?:of\s+)?(?P<mon>{_MON}){_E}\.?"
    rf"(?:,?\s*(?P<y>{_YEAR}){_E})?",
    words=_MONTH_WORDS,
    digit=True,
    first=r"\dt",
)
def _day_month(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    yield from _month_day_atom(ctx, m, MONTHS[m.group("mon").lower()], int(m.group("dom")), _year(m.group("y")))


_HOLIDAYS = {"christmas eve": (12, 24), "christmas": (12, 25), "xmas": (12, 25), "x-mas": (12, 25),
             "new year's eve": (12, 31), "new years eve": (12, 31), "nye": (12, 31),
             "new year's day": (1, 1), "new years day": (1, 1), "boxing day": (12, 26),
             "halloween": (10, 31), "valentine's day": (2, 14), "valentines day": (2, 14)}


@_pattern(
    rf"{_B}(?P<h>{_alt([re.escape(k) for k in _HOLIDAYS])}){_E}",
    words=["christmas", "xmas", "x", "nye", "new", "boxing", "halloween", "valentine", "valentines"],
    first=r"cxnbhv",
)
def _holiday(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    month, dom = _HOLIDAYS[m.group("h").lower().replace("’", "'")]
    yield from _month_day_atom(ctx, m, month, dom, None)


@_pattern(
    rf"{_B}the\s+(?P<dom>{_DOM}){_ORD}{_E}(?!\s*(?:of\s+)?{_MON}{_E})"
    rf"(?:\s+of\s+(?:the\s+)?(?P<rel>this|next|last|the)\s+month)?"
    r"(?=\s*(?:$|[,.;!?)\-–]|at\b|@|\d|by\b|and\b|or\b|to\b|until\b|till\b|for\b|then\b|in\s+the\b|morning|afternoon|evening))",
    words=["st", "nd", "rd", "th"],
    digit=True,
    first=r"t",
)
def _ordinal_day(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    dom = int(m.group("dom"))
    rel = (m.group("rel") or "").lower()
    if rel in {"this", "next", "last", "the"}:
        shift = {"next": 1, "last": -1}.get(rel, 0)
        first = date(ctx.today.year, ctx.today.month, 1) + relativedelta(months=shift)
        day = _safe_date(first.year, first.month, dom)
        if day is not None:
            yield _Atom(m.start(), m.end(), DAY, day=day)
        return
    spec = _Spec("dom", dom)
    day = spec.resolve(ctx.today, ctx.forward(m.start()), True)
    if day is not None:
        yield _Atom(m.start(), m.end(), DAY, day=day, spec=spec)


@_pattern(
    rf"(?<![\w.\-/:])(?P<y>{_YEAR})(?P<sep>[-/.])(?P<mo>1[0-2]|0?[1-9])(?P=sep)(?P<d>{_DOM})"
    r"(?:t(?P<H>[01]\d|2[0-3]):(?P<M>[0-5]\d)(?::[0-5]\d(?:\.\d+)?)?(?:z|[+-]\d\d:?\d\d)?)?(?![\w\-/]|\.\d)",
    chars="-/.",
    year=True,
    first=r"\d",
)
def _iso(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    day = _safe_date(int(m.group("y")), int(m.group("mo")), int(m.group("d")))
    if day is None:
        return
    if m.group("H"):
        yield _Atom(m.start(), m.end(), MOMENT, day=day, hm=(int(m.group("H")), int(m.group("M"))))
    else:
        yield _Atom(m.start(), m.end(), DAY, day=day)


_DATE_CUE_BEFORE = _rx(
    r"(?:\b(?:on|by|until|till|til|due|from|since|before|after|for|to|and|am|bis|ab|vom|week\s+of"
    r"|starting|effective|date|dated|deadline|close|closing|expires?|expiry|delivery|deliver(?:ed)?"
    r"|ship(?:ped|ping)?|renew(?:al|s)?|due\s+date|birthday|born)\s*:?\s*)$"
)
_TIME_AFTER = _rx(r"\s*(?:at\s*|@\s*|,\s*)?\d{1,2}(?::\d{2}|\s*(?:am|pm|a\.m\.|p\.m\.))")
_VERSION_BEFORE = _rx(r"(?:\b(?:version|ver|v|release|rel|build|update|upgrade|patch|app|sdk|api|ios|android|python|firmware|fw)\.?\s*)$")


def _numeric_day(ctx: _Ctx, m: re.Match[str], first: int, second: int, year: int | None, month_first: bool) -> Iterator[_Atom]:
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
def _slash_date(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    a, b = int(m.group("a")), int(m.group("b"))
    if (a, b) == (24, 7) or _VERSION_BEFORE.search(ctx.before(m.start(), 12)):
        return
    if m.group("y") is None and ((b in (5, 10) and a <= b) or (b <= 4 and a < b)):
        # 4/5, 10/10, 1/2: a score or a fraction unless a date word says otherwise
        cued = _DATE_CUE_BEFORE.search(ctx.before(m.start(), 16)) or _TIME_AFTER.match(ctx.low, m.end())
        if not cued or _RATING_WORDS.search(ctx.low):
            return
    yield from _numeric_day(ctx, m, a, b, _year(m.group("y")), ctx.month_first)


@_pattern(
    r"(?<![\w.,/\-:$€£¥₹#+])(?P<d>\d{1,2})\.(?P<mo>\d{1,2})\."
    r"(?:(?P<y>\d{4}|\d{2})(?![\w.]|,\d)|(?!\d))"
    r"|(?<![\w.,/\-:$€£¥₹#+])(?P<d2>\d{1,2})\.(?P<mo2>\d{1,2})(?![\w.]|,\d)",
    chars=".",
    digit=True,
    first=r"\d",
)
def _dot_date(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    before = ctx.before(m.start(), 16)
    if _VERSION_BEFORE.search(before) or _MONEY_BEFORE.search(before):
        return
    if m.group("d2") is not None:
        if not _DATE_CUE_BEFORE.search(before):
            return  # "3.2" is a number, "on 24.11" a date
        d, mo, y = int(m.group("d2")), int(m.group("mo2")), None
    else:
        d, mo, y = int(m.group("d")), int(m.group("mo")), _year(m.group("y"))
    if 1 <= mo <= 12:
        yield from _month_day_atom(ctx, m, mo, d, y)


@_pattern(
    r"(?<![\w.\-/:$€£¥₹#+])(?P<a>\d{1,2})-(?P<b>\d{1,2})-(?P<y>(?:19|20)\d{2})(?![\w\-]|\.\d)",
    chars="-",
    digit=True,
    first=r"\d",
)
def _dash_date(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    yield from _numeric_day(ctx, m, int(m.group("a")), int(m.group("b")), int(m.group("y")), ctx.month_first)


# --- times of day

_TIME_LEFT = r"(?<![\w:.,/$€£¥₹#+-])"


@_pattern(
    rf"{_TIME_LEFT}(?P<h>1[0-2]|0?[1-9])(?:[:.](?P<m>[0-5]\d))?"
    r"(?:\s*(?:-|–|to)\s*(?:1[0-2]|0?[1-9])(?:[:.][0-5]\d)?)?\s?(?P<mer>a\.m\.|p\.m\.|am|pm)(?![\w])",
    words=["am", "pm", "a", "p"],
    digit=True,
    first=r"\d",
)
def _time_12h(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    hm = _hour(int(m.group("h")), int(m.group("m") or 0), m.group("mer"), False)
    if hm is not None:
        yield _Atom(m.start(), m.end(), TIME, hm=hm)


@_pattern(
    rf"{_TIME_LEFT}(?P<h>[01]?\d|2[0-3])(?::(?P<m>[0-5]\d)(?::[0-5]\d)?|h(?P<m2>[0-5]\d))"
    r"(?:\s*(?:-|–)\s*(?:[01]?\d|2[0-3]):[0-5]\d)?(?:\s*(?:h|hrs|uhr)(?![\w]))?(?![\d:]|\.\d)",
    chars=":hH",
    digit=True,
    first=r"\d",
)
def _time_24h(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    h_text = m.group("h")
    guess = not h_text.startswith("0") and len(h_text) == 1
    hm = _hour(int(h_text), int(m.group("m") or m.group("m2") or 0), None, guess)
    if hm is not None:
        yield _Atom(m.start(), m.end(), TIME, hm=hm)


_AT_HOUR_AFTER = _rx(
    r"\s*(?:$|[,.;!?)\]]|-|–|o'?clock|sharp|(?:today|tonight|tomorrow|tmrw|tmr|on|with|to|for"
    rf"|and|then|in|please|pls|plz|ok|okay|if|or|works|is|next|this|my|your|our|their|{_WD}){_E})"
)


@_pattern(
    rf"{_B}(?:at|@|around|um)\s*(?P<h>[01]?\d|2[0-3])(?:[.](?P<m>[0-5]\d))?"
    r"(?:\s*o'?clock|h(?![\w])|\s*uhr(?![\w]))?(?![\w:/%]|[.,]\d{3}|,\d)",
    words=["at", "around", "um", "clock"],
    digit=True,
    first=r"a@u",
)
def _at_hour(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    if not _AT_HOUR_AFTER.match(ctx.low, m.end()) or _MONEY_BEFORE.search(ctx.before(m.start(), 16)):
        return
    if FOLLOWED_BY_UNIT.match(ctx.low, m.end()):
        return
    h_text = m.group("h")
    hm = _hour(int(h_text), int(m.group("m") or 0), None, not h_text.startswith("0"))
    if hm is not None:
        yield _Atom(m.start(), m.end(), TIME, hm=hm)


_CLOCK_WORDS = {"half past": 30, "quarter past": 15, "quarter to": -15, "quarter til": -15}


@_pattern(
    rf"{_B}(?:at\s+|@\s*|around\s+)?(?P<w>half\s+past|quarter\s+(?:past|to|til))\s+(?P<h>1[0-2]|0?[1-9])"
    r"(?:\s*(?P<mer>a\.m\.|p\.m\.|am|pm))?(?![\w:.,/%])",
    words=["half", "quarter"],
    digit=True,
    first=r"ahq@",
)
def _clock_words(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    """ "half past 3" (15:30 in working hours, as "at 3"), "quarter to 9am" (08:45)."""
    minutes = _CLOCK_WORDS[re.sub(r"\s+", " ", m.group("w"))]
    hour = int(m.group("h"))
    if minutes < 0:
        hour, minutes = (hour - 1) or 12, 60 + minutes
    hm = _hour(hour, minutes, m.group("mer"), m.group("mer") is None)
    if hm is not None:
        yield _Atom(m.start(), m.end(), TIME, hm=hm)


_NAMED_TIMES = {
    "noon": (12, 0), "midday": (12, 0), "mid-day": (12, 0), "midnight": (0, 0),
    "lunchtime": (12, 0), "lunch time": (12, 0), "at lunch": (12, 0), "over lunch": (12, 0),
    "after lunch": (13, 0), "eod": (17, 0), "cob": (17, 0), "eob": (17, 0), "close of business": (17, 0),
    "end of business": (17, 0), "end of day": (17, 0), "end of the day": (17, 0),
    "end of business day": (17, 0), "end of the business day": (17, 0), "end of play": (17, 0),
    "eop": (17, 0), "first thing": (9, 0), "first thing in the morning": (9, 0),
}


_NAMED_TIME_ALT = _alt([k.replace(" ", r"\s+") for k in _NAMED_TIMES])


@_pattern(
    rf"{_B}(?P<t>{_NAMED_TIME_ALT}){_E}",
    words=["noon", "midday", "mid", "midnight", "lunchtime", "lunch", "eod", "cob", "eob", "eop", "end", "close", "first"],
    first=r"nmlaeocf",
)
def _named_time(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    yield _Atom(m.start(), m.end(), TIME, hm=_NAMED_TIMES[re.sub(r"\s+", " ", m.group("t").lower())])


_PARTS = {"morning": (9, 0), "afternoon": (15, 0), "arvo": (15, 0), "evening": (18, 0), "night": (18, 0)}


@_pattern(
    rf"{_B}(?:(?P<pre>this|in\s+the|early|late|later\s+this|tomorrow|tmrw|tmr)\s+)?(?P<part>morning|afternoon|arvo|evening|night){_E}",
    words=list(_PARTS),
    first=r"tielmaen",
)
def _part_of_day(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    pre = re.sub(r"\s+", " ", (m.group("pre") or "").lower())
    hm = _PARTS[m.group("part").lower()]
    if pre in {"tomorrow", "tmrw", "tmr"}:
        yield _Atom(m.start(), m.end(), MOMENT, day=ctx.today + timedelta(days=1), hm=hm)
        return
    strong = pre in {"this", "in the", "later this"}
    start = m.start() if strong else m.start("part")
    yield _Atom(start, m.end(), PART, hm=hm, strong=strong)


# --- offsets: in 3 days, 2 weeks ago, in 2 hours


def _shift(ctx: _Ctx, n: int, unit: str, sign: int) -> _Atom | None:
    u = unit.lower()
    if n > 5000:
        return None
    if u.startswith(("min", "h")):
        delta = timedelta(minutes=n) if u.startswith("min") else timedelta(hours=n)
        moment = ctx.now + sign * delta
        return _Atom(0, 0, MOMENT, day=moment.date(), hm=(moment.hour, moment.minute))
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
    return _Atom(0, 0, DAY, day=day)


_NEGATED_BEFORE = _rx(
    r"\b(?:no|without|not|nothing|inactive|idle|quiet|silent|haven't|hasn't|didn't|zero|never)"
    r"(?:\s+[\w'-]+){0,3}\s+$"
)


@_pattern(
    rf"{_B}(?:in|within)\s+(?P<n>{_N})\s+(?P<u>{_UNIT}){_E}|{_B}in\s+(?P<half>half\s+an\s+hour){_E}",
    words=["in", "within"],
    also=["minute", "minutes", "min", "mins", "hour", "hours", "hr", "hrs", "h", "day", "days", "d",
          "business", "working", "week", "weeks", "wk", "wks", "w", "fortnight", "fortnights",
          "month", "months", "mo", "mos", "mth", "mths", "year", "years", "yr", "yrs", "y", "half"],
    first=r"iw",
)
def _in_n(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    if m.group("half"):
        atom = _shift(ctx, 30, "minutes", 1)
    else:
        n = _number(m.group("n"))
        if n is None:
            return
        if _NEGATED_BEFORE.search(ctx.before(m.start(), 48)):
            # "no activity in 30 days": the last 30 days
            atom = _last_n(ctx, n, m.group("u"))
        else:
            atom = _shift(ctx, n, m.group("u"), 1)
    if atom is not None:
        yield _moved(atom, m.start(), m.end())


@_pattern(
    rf"{_B}(?P<n>{_N})\s+(?P<u>{_UNIT})\s+(?P<dir>ago|back|before|from\s+now|from\s+today|later|hence|out){_E}",
    words=["ago", "back", "now", "today", "later", "hence", "out"],
)
def _n_ago(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    n = _number(m.group("n"))
    direction = m.group("dir").lower()
    if n is None or (direction == "before"):
        return
    sign = -1 if direction in {"ago", "back"} else 1
    atom = _shift(ctx, n, m.group("u"), sign)
    if atom is not None:
        yield _moved(atom, m.start(), m.end())


def _last_n(ctx: _Ctx, n: int, unit: str) -> _Atom | None:
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
    return _Atom(0, 0, PERIOD, period=(start, end))


def _next_n(ctx: _Ctx, n: int, unit: str) -> _Atom | None:
    back = _last_n(ctx, n, unit)
    if back is None or back.period is None:
        return None
    length = back.period[1] - back.period[0]
    return _Atom(0, 0, PERIOD, period=(ctx.today, ctx.today + length))


@_pattern(
    rf"{_B}(?:(?:in|over|during|for|within)\s+)?(?:the\s+)?(?P<dir>last|past|previous|prior|next|coming|upcoming|following)"
    rf"\s+(?P<n>{_N})\s+(?P<u>days?|weeks?|wks?|months?|mos|years?|yrs?|quarters?|fortnights?|business\s+days?|working\s+days?){_E}",
    words=["last", "past", "previous", "prior", "next", "coming", "upcoming", "following"],
    also=["day", "days", "week", "weeks", "wks", "month", "months", "mos", "year", "years", "yrs",
          "quarter", "quarters", "fortnight", "fortnights"],
    first=r"iodfwtlpncu",
)
def _last_next_n(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    n = _number(m.group("n"))
    if n is None:
        return
    back = m.group("dir").lower() in {"last", "past", "previous", "prior"}
    atom = _last_n(ctx, n, m.group("u")) if back else _next_n(ctx, n, m.group("u"))
    if atom is not None:
        yield _moved(atom, m.start("dir"), m.end())


@_pattern(rf"{_B}since\s+(?P<n>{_N})\s+(?P<u>days?|weeks?|months?|years?){_E}", words=["since"], first=r"s")
def _since_n(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    n = _number(m.group("n"))
    if n is None:
        return
    start = _shift(ctx, n, m.group("u"), -1)
    if start is not None and start.day is not None:
        yield _Atom(m.start(), m.end(), PERIOD, period=(start.day, ctx.today))


# --- periods


def _week(today: date, offset: int) -> tuple[date, date]:
    monday = _monday(today) + timedelta(weeks=offset)
    return monday, monday + timedelta(days=6)


def _calendar_period(today: date, unit: str, offset: int) -> tuple[date, date]:
    if unit == "weekend":
        monday = _monday(today) + timedelta(weeks=offset)
        return monday + timedelta(days=5), monday + timedelta(days=6)
    if unit == "week":
        return _week(today, offset)
    if unit == "month":
        first = date(today.year, today.month, 1) + relativedelta(months=offset)
        return _month_period(first.year, first.month)
    if unit == "quarter":
        q_index = today.year * 4 + (today.month - 1) // 3 + offset
        return _quarter_period(q_index // 4, q_index % 4 + 1)
    year = today.year + offset
    return date(year, 1, 1), date(year, 12, 31)


@_pattern(
    rf"{_B}(?P<mod>this|current|the\s+current|last|previous|prior|past|the\s+past|the\s+last|next|coming"
    rf"|the\s+coming|upcoming|the\s+following|following)\s+(?P<unit>week|weekend|month|quarter|year|fortnight){_E}",
    words=["week", "weekend", "month", "quarter", "year", "fortnight"],
    first=r"tclpnuf",
)
def _relative_period(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    mod = m.group("mod").lower().replace("the ", "").strip()
    unit = m.group("unit").lower()
    if mod == "past" or unit == "fortnight":
        if mod in {"next", "coming", "upcoming", "following"}:
            atom = _next_n(ctx, 2 if unit == "fortnight" else 1, "weeks" if unit == "fortnight" else unit)
        else:
            atom = _last_n(ctx, 2 if unit == "fortnight" else 1, "weeks" if unit == "fortnight" else unit)
        if atom is not None:
            yield _moved(atom, m.start(), m.end())
        return
    offset = {"this": 0, "current": 0, "last": -1, "previous": -1, "prior": -1}.get(mod, 1)
    yield _Atom(m.start(), m.end(), PERIOD, period=_calendar_period(ctx.today, unit, offset))


@_pattern(
    rf"{_B}(?:on|over|at|during|for|this)\s+the\s+weekend{_E}|{_B}(?:on|over|at|during)\s+weekend{_E}",
    words=["weekend"],
    first=r"oadft",
)
def _the_weekend(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    today = ctx.today
    if today.weekday() >= 5:
        offset = 0
    else:
        offset = 0 if ctx.forward(m.start()) else -1
    yield _Atom(m.start(), m.end(), PERIOD, period=_calendar_period(today, "weekend", offset))


@_pattern(
    rf"{_B}(?:q(?P<q>[1-4])|(?P<qw>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter)"
    rf"(?:\s*(?:of\s+|[/-]\s*)?(?P<y>{_YEAR})|\s*'(?P<yy>\d{{2}})|\s+fy\s*'?(?P<fy>\d{{2}}))?{_E}"
    rf"|{_B}(?P<y2>{_YEAR})\s*[-/ ]?\s*q(?P<q2>[1-4]){_E}",
    words=["q", "quarter"],
    first=r"qfst\d",
)
def _quarter(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    words = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
    q = int(m.group("q") or m.group("q2") or 0) or words[m.group("qw").lower()]
    year = _year(m.group("y") or m.group("yy") or m.group("fy") or m.group("y2"))
    if year is None:
        year = _nearest_quarter_year(ctx, m.start(), q)
    yield _Atom(m.start(), m.end(), PERIOD, period=_quarter_period(year, q))


@_pattern(
    rf"{_B}(?:h(?P<h>[12])|(?P<hw>first|second|1st|2nd)\s+half(?:\s+of)?(?P<year_word>\s+(?:the\s+)?year)?)"
    rf"(?:\s*(?:of\s+|[/-]\s*)?(?P<y>{_YEAR})|\s*'(?P<yy>\d{{2}}))?{_E}",
    words=["h", "half"],
    first=r"hfs1",
)
def _half_year(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    """H1 / H2 / "second half of 2027": January-June or July-December; without a year this
    year's, or the one after / before when a cue word says so ("next H1", "last H2")."""
    year = _year(m.group("y") or m.group("yy"))
    if m.group("hw") and year is None and not m.group("year_word"):
        return  # "first half" of something else: "the first half of the call"
    half = int(m.group("h") or 0) or (1 if m.group("hw").lower() in ("first", "1st") else 2)
    first_month = 1 if half == 1 else 7
    if year is None:
        year = ctx.today.year
        cue = ctx.cue(m.start())
        if cue is True and ctx.today.month >= first_month:
            year += 1  # "next H1" in March is next year's
        elif cue is False and ctx.today.month <= first_month + 5:
            year -= 1  # "last H2" in November is last year's
    yield _Atom(m.start(), m.end(), PERIOD, period=(date(year, first_month, 1), _month_end(year, first_month + 5)))


def _nearest_quarter_year(ctx: _Ctx, start: int, q: int) -> int:
    """'Q3' without a year: the nearest Q3, or the next/last one when a cue word says so."""
    today = ctx.today
    current = today.year * 4 + (today.month - 1) // 3
    candidates = [(y * 4 + q - 1, y) for y in (today.year - 1, today.year, today.year + 1)]
    cue = ctx.cue(start)
    if cue is True:
        return min((c for c in candidates if c[0] >= current), key=lambda c: c[0])[1]
    if cue is False:
        return max((c for c in candidates if c[0] <= current), key=lambda c: c[0])[1]
    forward = not ctx.past
    best = min(candidates, key=lambda c: (abs(c[0] - current), (c[0] < current) if forward else (c[0] > current)))
    return best[1]


@_pattern(
    rf"{_B}(?P<k>ytd|mtd|qtd|wtd|year[\s-]+to[\s-]+date|month[\s-]+to[\s-]+date|quarter[\s-]+to[\s-]+date"
    rf"|week[\s-]+to[\s-]+date|so\s+far\s+this\s+(?:year|month|quarter|week)){_E}",
    words=["ytd", "mtd", "qtd", "wtd", "date", "far"],
    first=r"ymqwso",
)
def _to_date(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    k = m.group("k").lower()
    today = ctx.today
    if k.startswith(("y", "so far this year")) or k.endswith("year"):
        start = date(today.year, 1, 1)
    elif k.startswith(("q",)) or k.endswith("quarter"):
        start = _calendar_period(today, "quarter", 0)[0]
    elif k.startswith("w") or k.endswith("week"):
        start = _monday(today)
    else:
        start = date(today.year, today.month, 1)
    yield _Atom(m.start(), m.end(), PERIOD, period=(start, today))


_MONTH_CUES = (
    r"since|in|during|for|until|till|til|by|from|to|of|through|thru|throughout|before|after|early|late"
    r"|last|next|this|end\s+of|the\s+end\s+of|beginning\s+of|the\s+beginning\s+of|start\s+of"
    r"|the\s+start\s+of|middle\s+of|the\s+middle\s+of|whole|all\s+of|month\s+of|the\s+month\s+of"
    # a deal's close date: "close march", "expected close: feb", "closing date june"
    r"|clos(?:e|es|ed|ing)(?:\s+date)?\s*:?|due\s*:?|deadline\s*:?"
)


_CURRENCY_AFTER = _rx(r"\s*(?:[$€£¥₹]|usd|eur|gbp)")
# "may"/"march" followed by a word that is not a connective is the verb, not the month.
_VERB_AFTER = _rx(
    r"\s+(?!(?:and|or|to|till|until|through|thru|for|then|at|on|when|because|so|if|as|please|pls"
    r"|next|this|last|we|i|they|he|she|you|it|is|was|will|would|should|the|a|an|with|from)\b)[a-z]"
)
_MONTH_CUE_BEFORE = _rx(
    rf"(?<![\w])(?:(?P<cue>{_MONTH_CUES})\s+(?:the\s+month\s+of\s+)?|(?P<mid>mid)-?\s*)$"
)


@_pattern(
    rf"{_B}(?P<mon>{_MON}){_E}\.?(?:,?\s+(?P<y>{_YEAR})|\s*'(?P<yy>\d{{2}}))?{_E}(?!\s*\d)",
    words=_MONTH_WORDS,
    first=r"jfmasond",
)
def _month_alone(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    cue_m = _MONTH_CUE_BEFORE.search(ctx.low, max(0, m.start() - 24), m.start())
    cue = ""
    if cue_m is not None:
        cue = "mid" if cue_m.group("mid") else re.sub(r"\s+", " ", cue_m.group("cue").lower())
    year = _year(m.group("y") or m.group("yy"))
    if not cue and year is None:
        return
    month = MONTHS[m.group("mon").lower()]
    word_like = m.group("mon").lower() in {"may", "march"} and year is None
    if word_like and (cue in {"this", "whole", "all of", "of"} or _VERB_AFTER.match(ctx.low, m.end())):
        return  # "this may take a while", "went to may fair", "in march madness"
    today = ctx.today
    if year is None:
        if cue == "last":
            year = today.year if month < today.month else today.year - 1
        elif cue == "next":
            year = today.year if month > today.month else today.year + 1
        elif cue == "this":
            year = today.year
        elif cue == "since":
            year = today.year if month <= today.month else today.year - 1
        elif ctx.forward(m.start()):
            year = today.year if month >= today.month else today.year + 1
        else:
            year = today.year if month <= today.month else today.year - 1
    first, last = _month_period(year, month)
    semantic = cue in {"last", "next", "this", "since", "mid", "early", "late"} or cue.startswith(
        ("end", "the end", "beginning", "the beginning", "start", "the start", "middle", "the middle")
    )
    start = cue_m.start() if semantic and cue_m is not None else m.start("mon")
    if cue == "since":
        if first <= today:
            yield _Atom(start, m.end(), PERIOD, period=(first, today))
    elif cue.endswith("end of"):
        yield _Atom(start, m.end(), DAY, day=last)
    elif cue.endswith(("beginning of", "start of")):
        yield _Atom(start, m.end(), DAY, day=first)
    elif cue in {"mid", "middle of", "the middle of"}:
        yield _Atom(start, m.end(), DAY, day=first.replace(day=15))
    else:
        yield _Atom(start, m.end(), PERIOD, period=(first, last), shift_year=year is not None and not m.group("y"))


@_pattern(
    rf"{_B}(?P<cue>in|during|for|since|throughout|of|by|until|till|before|from|fy)\s*(?:the\s+year\s+)?"
    rf"(?P<y>{_YEAR})(?![\w]|[./-]\d)",
    words=["in", "during", "for", "since", "throughout", "of", "by", "until", "till", "before", "from", "fy"],
    year=True,
    first=r"idfstobu",
)
def _year_period(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    if FOLLOWED_BY_UNIT.match(ctx.low, m.end()) or _CURRENCY_AFTER.match(ctx.low, m.end()):
        return
    year = int(m.group("y"))
    cue = m.group("cue").lower()
    if cue == "since":
        if date(year, 1, 1) <= ctx.today:
            yield _Atom(m.start(), m.end(), PERIOD, period=(date(year, 1, 1), ctx.today))
        return
    yield _Atom(m.start("y"), m.end(), PERIOD, period=(date(year, 1, 1), date(year, 12, 31)))


@_pattern(
    rf"{_B}(?:(?:the\s+)?(?P<edge>end|beginning|start|middle)\s+of\s+(?:the\s+)?(?:(?P<mod>this|next|last|current|previous|coming)\s+)?"
    rf"(?:(?P<unit>week|month|quarter|year)|q(?P<q>[1-4])(?:\s+(?P<qy>{_YEAR}))?|(?P<y>{_YEAR}))"
    rf"|(?P<abbr>eow|eom|eoq|eoy)){_E}",
    words=["end", "beginning", "start", "middle", "eow", "eom", "eoq", "eoy"],
    first=r"tebsm",
)
def _edge_of(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    today = ctx.today
    abbr = (m.group("abbr") or "").lower()
    edge = "end" if abbr else m.group("edge").lower()
    mod = (m.group("mod") or "").lower()
    offset = {"next": 1, "coming": 1, "last": -1, "previous": -1}.get(mod, 0)
    unit = {"eow": "week", "eom": "month", "eoq": "quarter", "eoy": "year"}.get(abbr) or (m.group("unit") or "").lower()
    if m.group("y"):
        year = int(m.group("y"))
        first, last = date(year, 1, 1), date(year, 12, 31)
    elif m.group("q"):
        q = int(m.group("q"))
        year = int(m.group("qy")) if m.group("qy") else _nearest_quarter_year(ctx, m.start(), q)
        first, last = _quarter_period(year, q)
    elif unit == "week":
        if edge == "end":
            # Friday of this working week; on a weekend the coming Friday.
            friday = _monday(today) + timedelta(days=4)
            if today.weekday() >= 5:
                friday += timedelta(weeks=1)
            yield _Atom(m.start(), m.end(), DAY, day=friday + timedelta(weeks=offset))
            return
        first, last = _week(today, offset)
    else:
        first, last = _calendar_period(today, unit, offset)
    if edge == "end":
        day = last
    elif edge == "middle":
        day = first + (last - first) // 2
    else:
        day = first
    yield _Atom(m.start(), m.end(), DAY, day=day)


_DAY_RANGE_SEP = r"\s*(?:-|–|—|to|until|till|til|through|thru|and)\s*"


@_pattern(
    rf"{_B}(?:(?P<pre>from|between)\s+)?(?P<mon>{_MON})\.?\s*(?P<d1>{_DOM}){_ORD}?{_DAY_RANGE_SEP}(?P<d2>{_DOM}){_ORD}?{_E}"
    rf"(?!\s*(?:{_MON}|:|\.\d|am|pm|a\.m|p\.m|%|{_UNIT}{_E}))(?:,?\s*(?P<y>{_YEAR}){_E})?"
    rf"|(?<![\w.,/:$€£¥₹#-])(?:(?P<pre2>from|between)\s+)?(?:the\s+)?(?P<e1>{_DOM}){_ORD}?{_DAY_RANGE_SEP}(?:the\s+)?(?P<e2>{_DOM}){_ORD}?"
    rf"\.?\s*(?:of\s+)?(?P<mon2>{_MON}){_E}\.?(?:,?\s*(?P<y2>{_YEAR}){_E})?",
    words=_MONTH_WORDS,
    digit=True,
    first=r"fbjmasond\dt",
)
def _month_day_range(ctx: _Ctx, m: re.Match[str]) -> Iterator[_Atom]:
    mon = m.group("mon") or m.group("mon2")
    d1, d2 = int(m.group("d1") or m.group("e1")), int(m.group("d2") or m.group("e2"))
    sep = ctx.low[m.end("d1") if m.group("d1") else m.end("e1") : m.start("d2") if m.group("d2") else m.start("e2")]
    if "and" in sep.lower() and (m.group("pre") or m.group("pre2") or "").lower() != "between":
        return
    if d2 < d1:
        return
    month = MONTHS[mon.lower()]
    year = _year(m.group("y") or m.group("y2"))
    if year is not None:
        first = _safe_date(year, month, d1)
    else:
        # the first day decides the year: "April 1–30" forward in November is next April
        first = _Spec("md", month, d1).resolve(ctx.today, ctx.forward(m.start()), True)
    if first is None:
        return
    last = _safe_date(first.year, month, d2)
    if last is None:
        return
    yield _Atom(m.start(), m.end(), PERIOD, period=(first, last))


# ----------------------------------------------------------------------------- joining

_DAY_TIME_GAP = _rx(r"[\s,]*(?:(?:at|@|around|by|on|from|for|about|-|–)[\s,]*)?")
_RANGE_GAP = _rx(r"\s*(?:-|–|—|to|until|till|til|through|thru|and)\s*")
_RANGE_PRE = _rx(r"(?:from|between)\s+(?:the\s+)?$")
_SINCE_PRE = _rx(r"(?:ever\s+)?since\s+(?:the\s+)?$")
_WEEKDAY_DATE_GAP = _rx(r"\s*,?\s*(?:the\s+)?")


_YEAR_TOKEN = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_DIGIT = re.compile(r"\d")


def _collect(ctx: _Ctx) -> list[_Atom]:
    atoms: list[tuple[int, int, _Atom]] = []
    text = ctx.low
    words = word_set(ctx.text)
    has_digit = _DIGIT.search(text) is not None
    has_year = has_digit and _YEAR_TOKEN.search(text) is not None
    for rank, (pattern, handler, gate) in enumerate(_PATTERNS):
        if not gate.open(words, text, has_digit, has_year):
            continue
        for m in pattern.finditer(text):
            for atom in handler(ctx, m):
                if atom.end > atom.start:
                    atoms.append((rank, len(atoms), atom))
    # Longest first, then earlier pattern; an atom overlapping a kept one is dropped.
    atoms.sort(key=lambda r: (-(r[2].end - r[2].start), r[0], r[2].start))
    kept: list[_Atom] = []
    for _, _, atom in atoms:
        if all(atom.end <= k.start or atom.start >= k.end for k in kept):
            kept.append(atom)
    kept.sort(key=lambda a: a.start)
    return kept


def _as_period(atom: _Atom) -> tuple[date, date] | None:
    if atom.period is not None:
        return atom.period
    return None


def _join(ctx: _Ctx, atoms: list[_Atom]) -> list[_Atom]:
    text = ctx.low
    out: list[_Atom] = []
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
            atoms[i + 1] = _moved(b, a.start, b.end)
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
                        out.append(_moved(joined, start, b.end))
                        i += 2
                        continue
        # A day and a time of day: "tomorrow 3pm", "3pm on friday", "friday EOD".
        if b is not None and _DAY_TIME_GAP.fullmatch(text, a.end, b.start):
            joined = _day_time(a, b) or _day_time(b, a)
            if joined is not None:
                out.append(_moved(joined, a.start, b.end))
                i += 2
                continue
        out.append(a)
        i += 1
    return out


def _range(a: _Atom, b: _Atom) -> _Atom | None:
    if a.kind == DAY and b.kind == DAY and a.day is not None and b.day is not None:
        end = b.day
        if b.spec is not None:
            resolved = b.spec.resolve(a.day, True, True)
            end = resolved if resolved is not None else end
        if end < a.day:
            return None
        return _Atom(a.start, b.end, PERIOD, period=(a.day, end))
    pa, pb = _as_period(a), _as_period(b)
    if pa is not None and pb is not None:
        end_period = pb
        if pb[0] < pa[0] and b.shift_year:
            end_period = (pb[0] + relativedelta(years=1), _month_end(pb[1].year + 1, pb[1].month))
        if end_period[1] < pa[0]:
            return None
        return _Atom(a.start, b.end, PERIOD, period=(pa[0], end_period[1]))
    return None


def _day_time(day: _Atom, clock: _Atom) -> _Atom | None:
    if clock.kind not in (TIME, PART) or clock.hm is None:
        return None
    if day.kind == DAY and day.day is not None:
        return _Atom(day.start, clock.end, MOMENT, day=day.day, hm=clock.hm)
    if day.kind == MOMENT and day.day is not None and day.hm == (18, 0) and clock.kind == TIME:
        h, mnt = clock.hm
        return _Atom(day.start, clock.end, MOMENT, day=day.day, hm=(h + 12 if h < 12 else h, mnt))  # "tonight at 8"
    if day.kind == PERIOD:
        return day  # "next week at 3pm": the period stands
    return None


def _finish(ctx: _Ctx, atoms: list[_Atom]) -> Iterator[tuple[int, int, str]]:
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
            value = f"{first.isoformat()}/{ctx.today.isoformat()}"
        elif atom.kind == MOMENT and atom.day is not None and atom.hm is not None:
            value = _fmt_moment(atom.day, atom.hm)
        elif atom.kind == DAY and atom.day is not None:
            value = atom.day.isoformat()
        elif atom.kind == PERIOD and atom.period is not None:
            value = f"{atom.period[0].isoformat()}/{atom.period[1].isoformat()}"
        else:
            continue
        yield start, atom.end, value


def _fmt_moment(day: date, hm: tuple[int, int]) -> str:
    return f"{day.isoformat()}T{hm[0]:02d}:{hm[1]:02d}"


def find_dates(text: str, now: datetime, tz: ZoneInfo, past: bool = False) -> list[Entity]:
    """DATE entities of `text`, resolved against `now` in `tz` (see the module docstring)."""
    if not text:
        return []
    ctx = _Ctx(text, now, tz, past)
    atoms = _join(ctx, _collect(ctx))
    return [
        Entity(EntityLabel.DATE, text[start:end], start, end, value)
        for start, end, value in _finish(ctx, atoms)
    ]
