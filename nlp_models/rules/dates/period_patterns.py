"""Patterns for a period or its edge: "this week", "last month", "the weekend", "Q3",
"H1 2026", "YTD", "in march", "since March", "in 2027", "end of next month", "mid-december",
"April 1–30", "Dec 1-15".

A bare quarter ("Q3") is the nearest one unless a cue word says which way; a half-year
without a year is this year's unless a cue word moves it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

from nlp_models.rules.dates.atoms import DAY, PERIOD, Atom, PartialDay, moved
from nlp_models.rules.dates.calendar_units import (
    calendar_period,
    monday_of,
    month_end,
    month_period,
    quarter_period,
    safe_date,
    week_period,
)
from nlp_models.rules.dates.context import MessageContext
from nlp_models.rules.dates.offset_patterns import last_n_period, next_n_period
from nlp_models.rules.dates.pattern_engine import PatternSet
from nlp_models.rules.dates.vocabulary import (
    DAY_OF_MONTH_RX,
    MONTH_RX,
    MONTH_WORDS,
    MONTHS,
    ORDINAL_SUFFIX_RX,
    UNIT_RX,
    WORD_END,
    WORD_START,
    YEAR_RX,
    parse_year,
)
from nlp_models.rules.lexicon import FOLLOWED_BY_UNIT

PERIOD_PATTERNS = PatternSet()
_pattern = PERIOD_PATTERNS.add


@_pattern(
    rf"{WORD_START}(?P<mod>this|current|the\s+current|last|previous|prior|past|the\s+past|the\s+last|next|coming"
    rf"|the\s+coming|upcoming|the\s+following|following)\s+(?P<unit>week|weekend|month|quarter|year|fortnight){WORD_END}",
    words=["week", "weekend", "month", "quarter", "year", "fortnight"],
    first=r"tclpnuf",
)
def _relative_period(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    mod = m.group("mod").lower().replace("the ", "").strip()
    unit = m.group("unit").lower()
    if mod == "past" or unit == "fortnight":
        if mod in {"next", "coming", "upcoming", "following"}:
            atom = next_n_period(ctx, 2 if unit == "fortnight" else 1, "weeks" if unit == "fortnight" else unit)
        else:
            atom = last_n_period(ctx, 2 if unit == "fortnight" else 1, "weeks" if unit == "fortnight" else unit)
        if atom is not None:
            yield moved(atom, m.start(), m.end())
        return
    offset = {"this": 0, "current": 0, "last": -1, "previous": -1, "prior": -1}.get(mod, 1)
    yield Atom(m.start(), m.end(), PERIOD, period=calendar_period(ctx.today, unit, offset))


@_pattern(
    rf"{WORD_START}(?:on|over|at|during|for|this)\s+the\s+weekend{WORD_END}|{WORD_START}(?:on|over|at|during)\s+weekend{WORD_END}",
    words=["weekend"],
    first=r"oadft",
)
def _the_weekend(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    today = ctx.today
    if today.weekday() >= 5:
        offset = 0
    else:
        offset = 0 if ctx.forward(m.start()) else -1
    yield Atom(m.start(), m.end(), PERIOD, period=calendar_period(today, "weekend", offset))


@_pattern(
    rf"{WORD_START}(?:q(?P<q>[1-4])|(?P<qw>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter)"
    rf"(?:\s*(?:of\s+|[/-]\s*)?(?P<y>{YEAR_RX})|\s*'(?P<yy>\d{{2}})|\s+fy\s*'?(?P<fy>\d{{2}}))?{WORD_END}"
    rf"|{WORD_START}(?P<y2>{YEAR_RX})\s*[-/ ]?\s*q(?P<q2>[1-4]){WORD_END}",
    words=["q", "quarter"],
    first=r"qfst\d",
)
def _quarter(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    words = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
    q = int(m.group("q") or m.group("q2") or 0) or words[m.group("qw").lower()]
    year = parse_year(m.group("y") or m.group("yy") or m.group("fy") or m.group("y2"))
    if year is None:
        year = _nearest_quarter_year(ctx, m.start(), q)
    yield Atom(m.start(), m.end(), PERIOD, period=quarter_period(year, q))


@_pattern(
    rf"{WORD_START}(?:h(?P<h>[12])|(?P<hw>first|second|1st|2nd)\s+half(?:\s+of)?(?P<year_word>\s+(?:the\s+)?year)?)"
    rf"(?:\s*(?:of\s+|[/-]\s*)?(?P<y>{YEAR_RX})|\s*'(?P<yy>\d{{2}}))?{WORD_END}",
    words=["h", "half"],
    first=r"hfs1",
)
def _half_year(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    """H1 / H2 / "second half of 2027": January-June or July-December; without a year this
    year's, or the one after / before when a cue word says so ("next H1", "last H2")."""
    year = parse_year(m.group("y") or m.group("yy"))
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
    yield Atom(m.start(), m.end(), PERIOD, period=(date(year, first_month, 1), month_end(year, first_month + 5)))


def _nearest_quarter_year(ctx: MessageContext, start: int, q: int) -> int:
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
    rf"{WORD_START}(?P<k>ytd|mtd|qtd|wtd|year[\s-]+to[\s-]+date|month[\s-]+to[\s-]+date|quarter[\s-]+to[\s-]+date"
    rf"|week[\s-]+to[\s-]+date|so\s+far\s+this\s+(?:year|month|quarter|week)){WORD_END}",
    words=["ytd", "mtd", "qtd", "wtd", "date", "far"],
    first=r"ymqwso",
)
def _to_date(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    k = m.group("k").lower()
    today = ctx.today
    if k.startswith(("y", "so far this year")) or k.endswith("year"):
        start = date(today.year, 1, 1)
    elif k.startswith(("q",)) or k.endswith("quarter"):
        start = calendar_period(today, "quarter", 0)[0]
    elif k.startswith("w") or k.endswith("week"):
        start = monday_of(today)
    else:
        start = date(today.year, today.month, 1)
    yield Atom(m.start(), m.end(), PERIOD, period=(start, today))


_MONTH_CUES = (
    r"since|in|during|for|until|till|til|by|from|to|of|through|thru|throughout|before|after|early|late"
    r"|last|next|this|end\s+of|the\s+end\s+of|beginning\s+of|the\s+beginning\s+of|start\s+of"
    r"|the\s+start\s+of|middle\s+of|the\s+middle\s+of|whole|all\s+of|month\s+of|the\s+month\s+of"
    # a deal's close date: "close march", "expected close: feb", "closing date june"
    r"|clos(?:e|es|ed|ing)(?:\s+date)?\s*:?|due\s*:?|deadline\s*:?"
)


_CURRENCY_AFTER = re.compile(r"\s*(?:[$€£¥₹]|usd|eur|gbp)")
# "may"/"march" followed by a word that is not a connective is the verb, not the month.
_VERB_AFTER = re.compile(
    r"\s+(?!(?:and|or|to|till|until|through|thru|for|then|at|on|when|because|so|if|as|please|pls"
    r"|next|this|last|we|i|they|he|she|you|it|is|was|will|would|should|the|a|an|with|from)\b)[a-z]"
)
_MONTH_CUE_BEFORE = re.compile(
    rf"(?<![\w])(?:(?P<cue>{_MONTH_CUES})\s+(?:the\s+month\s+of\s+)?|(?P<mid>mid)-?\s*)$"
)


@_pattern(
    rf"{WORD_START}(?P<mon>{MONTH_RX}){WORD_END}\.?(?:,?\s+(?P<y>{YEAR_RX})|\s*'(?P<yy>\d{{2}}))?{WORD_END}(?!\s*\d)",
    words=MONTH_WORDS,
    first=r"jfmasond",
)
def _month_alone(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    cue_m = _MONTH_CUE_BEFORE.search(ctx.low, max(0, m.start() - 24), m.start())
    cue = ""
    if cue_m is not None:
        cue = "mid" if cue_m.group("mid") else re.sub(r"\s+", " ", cue_m.group("cue").lower())
    year = parse_year(m.group("y") or m.group("yy"))
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
    first, last = month_period(year, month)
    semantic = cue in {"last", "next", "this", "since", "mid", "early", "late"} or cue.startswith(
        ("end", "the end", "beginning", "the beginning", "start", "the start", "middle", "the middle")
    )
    start = cue_m.start() if semantic and cue_m is not None else m.start("mon")
    if cue == "since":
        if first <= today:
            yield Atom(start, m.end(), PERIOD, period=(first, today))
    elif cue.endswith("end of"):
        yield Atom(start, m.end(), DAY, day=last)
    elif cue.endswith(("beginning of", "start of")):
        yield Atom(start, m.end(), DAY, day=first)
    elif cue in {"mid", "middle of", "the middle of"}:
        yield Atom(start, m.end(), DAY, day=first.replace(day=15))
    else:
        yield Atom(start, m.end(), PERIOD, period=(first, last), shift_year=year is not None and not m.group("y"))


@_pattern(
    rf"{WORD_START}(?P<cue>in|during|for|since|throughout|of|by|until|till|before|from|fy)\s*(?:the\s+year\s+)?"
    rf"(?P<y>{YEAR_RX})(?![\w]|[./-]\d)",
    words=["in", "during", "for", "since", "throughout", "of", "by", "until", "till", "before", "from", "fy"],
    year=True,
    first=r"idfstobu",
)
def _year_period(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    if FOLLOWED_BY_UNIT.match(ctx.low, m.end()) or _CURRENCY_AFTER.match(ctx.low, m.end()):
        return
    year = int(m.group("y"))
    cue = m.group("cue").lower()
    if cue == "since":
        if date(year, 1, 1) <= ctx.today:
            yield Atom(m.start(), m.end(), PERIOD, period=(date(year, 1, 1), ctx.today))
        return
    yield Atom(m.start("y"), m.end(), PERIOD, period=(date(year, 1, 1), date(year, 12, 31)))


@_pattern(
    rf"{WORD_START}(?:(?:the\s+)?(?P<edge>end|beginning|start|middle)\s+of\s+(?:the\s+)?(?:(?P<mod>this|next|last|current|previous|coming)\s+)?"
    rf"(?:(?P<unit>week|month|quarter|year)|q(?P<q>[1-4])(?:\s+(?P<qy>{YEAR_RX}))?|(?P<y>{YEAR_RX}))"
    rf"|(?P<abbr>eow|eom|eoq|eoy)){WORD_END}",
    words=["end", "beginning", "start", "middle", "eow", "eom", "eoq", "eoy"],
    first=r"tebsm",
)
def _edge_of(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
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
        first, last = quarter_period(year, q)
    elif unit == "week":
        if edge == "end":
            # Friday of this working week; on a weekend the coming Friday.
            friday = monday_of(today) + timedelta(days=4)
            if today.weekday() >= 5:
                friday += timedelta(weeks=1)
            yield Atom(m.start(), m.end(), DAY, day=friday + timedelta(weeks=offset))
            return
        first, last = week_period(today, offset)
    else:
        first, last = calendar_period(today, unit, offset)
    if edge == "end":
        day = last
    elif edge == "middle":
        day = first + (last - first) // 2
    else:
        day = first
    yield Atom(m.start(), m.end(), DAY, day=day)


_DAY_RANGE_SEP = r"\s*(?:-|–|—|to|until|till|til|through|thru|and)\s*"


@_pattern(
    rf"{WORD_START}(?:(?P<pre>from|between)\s+)?(?P<mon>{MONTH_RX})\.?\s*(?P<d1>{DAY_OF_MONTH_RX}){ORDINAL_SUFFIX_RX}?{_DAY_RANGE_SEP}(?P<d2>{DAY_OF_MONTH_RX}){ORDINAL_SUFFIX_RX}?{WORD_END}"
    rf"(?!\s*(?:{MONTH_RX}|:|\.\d|am|pm|a\.m|p\.m|%|{UNIT_RX}{WORD_END}))(?:,?\s*(?P<y>{YEAR_RX}){WORD_END})?"
    rf"|(?<![\w.,/:$€£¥₹#-])(?:(?P<pre2>from|between)\s+)?(?:the\s+)?(?P<e1>{DAY_OF_MONTH_RX}){ORDINAL_SUFFIX_RX}?{_DAY_RANGE_SEP}(?:the\s+)?(?P<e2>{DAY_OF_MONTH_RX}){ORDINAL_SUFFIX_RX}?"
    rf"\.?\s*(?:of\s+)?(?P<mon2>{MONTH_RX}){WORD_END}\.?(?:,?\s*(?P<y2>{YEAR_RX}){WORD_END})?",
    words=MONTH_WORDS,
    digit=True,
    first=r"fbjmasond\dt",
)
def _month_day_range(ctx: MessageContext, m: re.Match[str]) -> Iterator[Atom]:
    mon = m.group("mon") or m.group("mon2")
    d1, d2 = int(m.group("d1") or m.group("e1")), int(m.group("d2") or m.group("e2"))
    sep = ctx.low[m.end("d1") if m.group("d1") else m.end("e1") : m.start("d2") if m.group("d2") else m.start("e2")]
    if "and" in sep.lower() and (m.group("pre") or m.group("pre2") or "").lower() != "between":
        return
    if d2 < d1:
        return
    month = MONTHS[mon.lower()]
    year = parse_year(m.group("y") or m.group("y2"))
    if year is not None:
        first = safe_date(year, month, d1)
    else:
        # the first day decides the year: "April 1–30" forward in November is next April
        first = PartialDay("md", month, d1).resolve(ctx.today, ctx.forward(m.start()), True)
    if first is None:
        return
    last = safe_date(first.year, month, d2)
    if last is None:
        return
    yield Atom(m.start(), m.end(), PERIOD, period=(first, last))
