"""Our DATE rules against dateparser (`search_dates`) and ctparse; prints one JSON object.

    cd /work/main && PYTHONPATH=.:/tmp/datelibs .venv/bin/python benchmarks/dates_compare.py

The libraries are imported only here, when the script runs; one that is not installed is
skipped and named under "skipped". They are not project dependencies:
`.venv/bin/python -m pip install --target /tmp/datelibs dateparser ctparse`.

Data:
- `readme_table`: the date table of nlp_models/README.md, as mirrored row by row in
  tests/nlu/test_dates.py (FORWARD_TABLE with the forward default, BACKWARD_TABLE with the
  backward one).
- `test_dates`: every parametrized row of tests/nlu/test_dates.py (the table, the numeric
  dates by time zone, the further forms, and the texts that hold no date).
- `heldout`: all lines of nlp_models/data/heldout.jsonl, read by the evaluator's own
  reader (its reference instant and time zone per line); only DATE entities are compared.
  The direction default comes from the gold intent (log_interaction and report look
  backward), so this measures the date rules, not the intent classifier.
  `heldout_with_dates` is the subset of lines with at least one gold DATE.

Per method and data set: `exact` is the share of texts whose list of DATE values equals the
gold list (a text with no date must yield none); `span_found` the share of gold dates for
which the method returned some date span, whatever its value; `precision`/`recall`/`f1`
compare (value) multisets as `chatcrm nlu evaluate` does; `ms_per_message` the mean wall
time of one call.

How each library is given a fair chance, and what it cannot express (a miss):
- dateparser: `search_dates` with RELATIVE_BASE = the local wall time of the message,
  TIMEZONE = the user's zone, PREFER_DATES_FROM future or past by the direction default,
  DATE_ORDER MDY for UTC and America/* else DMY, language English. Each found span is parsed
  again with RETURN_TIME_AS_PERIOD to learn its granularity: `time` → `YYYY-MM-DDTHH:MM`,
  `day` → date, `week` / `month` / `year` → that calendar period as `start/end` (a date
  when the span is an offset: "in 2 weeks", "3 months ago"). It has no
  ranges ("from Dec 1 to Dec 15" is two dates), no quarters, and no per-mention tense.
- ctparse: `ctparse(text, ts=local wall time)`, one resolution per message (its design).
  Time with a day → date, or date-time when it has an hour (a part of day without an hour
  takes the README's hours: morning 09:00, afternoon 15:00, evening 18:00); month or year
  alone → that period; Interval with two days → `start/end`. A Duration ("in 3 days") has
  no anchor and counts as a miss; it knows no tense.
- `ours+dateparser`: our rules, plus dateparser's dates on spans ours left empty (the
  "library plus our own rules" option).
"""

from __future__ import annotations

import calendar
import importlib.util
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from nlp_models.evaluation import read_gold
from nlp_models.rules.dates import find_dates
from tests.nlu import test_dates

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "nlp_models" / "data" / "heldout.jsonl"
PAST_INTENTS = frozenset({"log_interaction", "report"})
_MONTH_FIRST_ZONES = ("UTC", "Etc/UTC", "GMT")
# dateparser reports "in 2 weeks" with the granularity of "next week"; an offset is a day.
_OFFSET = re.compile(r"(?i)\b(?:in|within|ago|from\s+now|later|hence)\b")


@dataclass(frozen=True, slots=True)
class Case:
    text: str
    now: datetime
    tz: ZoneInfo
    past: bool
    gold: tuple[str, ...]


# A method maps a case to the (start, end, value) of each DATE it finds.
Found = list[tuple[int, int, str]]
Method = Callable[[Case], Found]


# ----------------------------------------------------------------------------- data


def _rows(test: Callable[..., Any]) -> list[tuple[Any, ...]]:
    [mark] = [m for m in getattr(test, "pytestmark", []) if m.name == "parametrize"]
    return [row if isinstance(row, tuple) else (row,) for row in mark.args[1]]


def readme_table() -> list[Case]:
    now, utc = test_dates.NOW, test_dates.UTC
    return [Case(t, now, utc, False, (v,)) for t, v in test_dates.FORWARD_TABLE] + [
        Case(t, now, utc, True, (v,)) for t, v in test_dates.BACKWARD_TABLE
    ]


def all_test_rows() -> list[Case]:
    now, utc = test_dates.NOW, test_dates.UTC
    cases = readme_table()
    cases += [Case(t, now, tz, False, (v,)) for t, tz, v in _rows(test_dates.test_numeric_dates_by_time_zone)]
    cases += [Case(t, now, utc, past, (v,)) for t, past, v in _rows(test_dates.test_more_forms)]
    cases += [Case(t, now, utc, False, ()) for (t,) in _rows(test_dates.test_not_dates)]
    return cases


def heldout() -> list[Case]:
    return [
        Case(ex.text, ex.now, ex.tz, ex.intent in PAST_INTENTS, tuple(v for label, v in ex.entities if label == "DATE"))
        for ex in read_gold(HELDOUT)
    ]


# ----------------------------------------------------------------------------- values


def _local(case: Case) -> datetime:
    """The message time as a naive local wall time in the user's zone."""
    return case.now.astimezone(case.tz).replace(tzinfo=None)


def _period(first: date, last: date) -> str:
    return f"{first.isoformat()}/{last.isoformat()}"


def _month(year: int, month: int) -> str:
    return _period(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))


def _moment(day: date, hour: int, minute: int) -> str:
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}"


# ----------------------------------------------------------------------------- methods


def ours(case: Case) -> Found:
    return [(e.start, e.end, e.value) for e in find_dates(case.text, case.now, case.tz, case.past)]


def make_dateparser() -> Method:
    from dateparser.date import DateDataParser
    from dateparser.search import search_dates

    def settings(case: Case, period: bool) -> dict[str, Any]:
        key = getattr(case.tz, "key", "UTC")
        return {
            "RELATIVE_BASE": _local(case),
            "TIMEZONE": key,
            "RETURN_AS_TIMEZONE_AWARE": False,
            "PREFER_DATES_FROM": "past" if case.past else "future",
            "DATE_ORDER": "MDY" if key in _MONTH_FIRST_ZONES or key.startswith(("America/", "US/")) else "DMY",
            "RETURN_TIME_AS_PERIOD": period,
        }

    def value(span: str, found: datetime, granularity: str | None) -> str:
        day = found.date()
        if granularity == "time":
            return _moment(day, found.hour, found.minute)
        if granularity in ("week", "month", "year") and _OFFSET.search(span):
            return day.isoformat()
        if granularity == "week":
            monday = day - timedelta(days=day.weekday())
            return _period(monday, monday + timedelta(days=6))
        if granularity == "month":
            return _month(day.year, day.month)
        if granularity == "year":
            return _period(date(day.year, 1, 1), date(day.year, 12, 31))
        return day.isoformat()

    def run(case: Case) -> Found:
        hits = search_dates(case.text, languages=["en"], settings=settings(case, False)) or []
        granular = DateDataParser(languages=["en"], settings=settings(case, True))
        out: Found = []
        cursor = 0
        for span, found in hits:
            start = case.text.find(span, cursor)
            start = start if start >= 0 else case.text.find(span)
            cursor = start + len(span) if start >= 0 else cursor
            data = granular.get_date_data(span)
            out.append((start, start + len(span), value(span, found, data.period if data.date_obj else None)))
        return out

    return run


_POD_HOURS = {"morning": 9, "afternoon": 15, "evening": 18, "night": 18}


def make_ctparse() -> Method:
    from ctparse import ctparse
    from ctparse.types import Interval, Time

    def day_of(t: Time) -> date | None:
        if t.year is None or t.month is None or t.day is None:
            return None
        return date(t.year, t.month, t.day)

    def time_value(t: Time) -> str | None:
        day = day_of(t)
        if day is not None:
            if t.hour is not None:
                return _moment(day, t.hour, t.minute or 0)
            for pod, hour in _POD_HOURS.items():
                if t.POD and pod in t.POD:
                    return _moment(day, hour, 0)
            return day.isoformat()
        if t.year is not None and t.month is not None:
            return _month(t.year, t.month)
        if t.year is not None and t.month is None and t.day is None:
            return _period(date(t.year, 1, 1), date(t.year, 12, 31))
        return None

    def run(case: Case) -> Found:
        parse = ctparse(case.text, ts=_local(case), timeout=1.0)
        res = parse.resolution if parse is not None else None
        v: str | None = None
        if isinstance(res, Time):
            v = time_value(res)
        elif isinstance(res, Interval) and res.t_from is not None and res.t_to is not None:
            first, last = day_of(res.t_from), day_of(res.t_to)
            v = _period(first, last) if first is not None and last is not None else None
        if res is None or v is None:
            return [] if res is None else [(res.mstart, res.mend, "")]
        return [(res.mstart, res.mend, v)]

    return run


def combine(first: Method, second: Method) -> Method:
    """`first`'s dates, plus `second`'s on spans that overlap none of them."""

    def run(case: Case) -> Found:
        kept = first(case)
        extra = [f for f in second(case) if all(f[1] <= k[0] or f[0] >= k[1] for k in kept)]
        return sorted(kept + extra)

    return run


# ----------------------------------------------------------------------------- scoring


def score(method: Method, cases: Iterable[Case]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    elapsed = 0.0
    n = 0
    for case in cases:
        n += 1
        t0 = time.perf_counter()
        try:
            found = method(case)
        except Exception:  # noqa: BLE001 - a library failing on a text is a miss, not a crash
            found = []
            counts["errors"] += 1
        elapsed += time.perf_counter() - t0
        values = [v for _, _, v in found if v]
        gold, got = Counter(case.gold), Counter(values)
        counts["exact"] += sorted(values) == sorted(case.gold)
        counts["gold"] += len(case.gold)
        counts["spans"] += min(len(found), len(case.gold))
        counts["tp"] += sum((gold & got).values())
        counts["fp"] += sum((got - gold).values())
        counts["fn"] += sum((gold - got).values())
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {
        "texts": n,
        "gold_dates": counts["gold"],
        "exact": round(counts["exact"] / n, 4) if n else 0.0,
        "span_found": round(counts["spans"] / counts["gold"], 4) if counts["gold"] else None,
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
        "errors": counts["errors"],
        "ms_per_message": round(1000 * elapsed / n, 3) if n else 0.0,
    }


def main() -> int:
    methods: dict[str, Method] = {"ours": ours}
    skipped: dict[str, str] = {}
    for name, module, make in (("dateparser", "dateparser", make_dateparser), ("ctparse", "ctparse", make_ctparse)):
        if importlib.util.find_spec(module) is None:
            skipped[name] = "not installed"
            continue
        methods[name] = make()
    if "dateparser" in methods:
        methods["ours+dateparser"] = combine(ours, methods["dateparser"])
    held = heldout()
    data = {
        "readme_table": readme_table(),
        "test_dates": all_test_rows(),
        "heldout": held,
        "heldout_with_dates": [c for c in held if c.gold],
    }
    for method in methods.values():  # warm-up: imports, compiled patterns, language data
        method(data["readme_table"][0])
    results = {name: {key: score(m, cases) for key, cases in data.items()} for name, m in methods.items()}
    versions = {}
    for name in ("dateparser", "ctparse"):
        if name in methods:
            from importlib.metadata import version

            versions[name] = version(name)
    print(json.dumps({"skipped": skipped, "versions": versions, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
