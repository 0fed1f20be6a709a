"""DATE rules against the conventions table (nlp_models/README.md, "Dates").

Reference clock: now = Sunday 2026-11-22 10:00 UTC. `past=False` is the forward default of
to-do intents, `past=True` the backward default of log_interaction and report.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from nlp_models.labels import EntityLabel
from nlp_models.rules.dates import find_dates

UTC = ZoneInfo("UTC")
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")


def dates(text: str, *, past: bool = False, tz: ZoneInfo = UTC, now: datetime = NOW) -> list[str]:
    found = find_dates(text, now, tz, past)
    assert all(e.label is EntityLabel.DATE and text[e.start : e.end] == e.text for e in found)
    return [e.value for e in found]


# The conventions table, row by row, in the direction each row names ("both" rows twice).
FORWARD_TABLE = [
    ("today", "2026-11-22"),
    ("tmrw", "2026-11-23"),
    ("tomorrow", "2026-11-23"),
    ("yesterday", "2026-11-21"),
    ("day after tomorrow", "2026-11-24"),
    ("next tue", "2026-11-24"),
    ("tuesday", "2026-11-24"),
    ("this tuesday", "2026-11-24"),
    ("tomorrow 3pm", "2026-11-23T15:00"),
    ("tue at 15:00", "2026-11-24T15:00"),
    ("at 9:30am", "2026-11-22T09:30"),
    ("tomorrow morning", "2026-11-23T09:00"),
    ("tomorrow afternoon", "2026-11-23T15:00"),
    ("tomorrow evening", "2026-11-23T18:00"),
    ("tomorrow EOD", "2026-11-23T17:00"),
    ("in 3 days", "2026-11-25"),
    ("in 2 weeks", "2026-12-06"),
    ("2 days ago", "2026-11-20"),
    ("Nov 24", "2026-11-24"),
    ("24 Nov", "2026-11-24"),
    ("24th of November", "2026-11-24"),
    ("11/24", "2026-11-24"),
    ("24/11", "2026-11-24"),
    ("24.11.", "2026-11-24"),
    ("2026-11-24", "2026-11-24"),
    ("Nov 3", "2026-11-03"),  # 19 days ago is this year's, not next year's (issue 17)
    ("3/12", "2027-03-12"),
    ("this week", "2026-11-16/2026-11-22"),
    ("last week", "2026-11-09/2026-11-15"),
    ("next week", "2026-11-23/2026-11-29"),
    ("this month", "2026-11-01/2026-11-30"),
    ("last month", "2026-10-01/2026-10-31"),
    ("next month", "2026-12-01/2026-12-31"),
    ("this quarter", "2026-10-01/2026-12-31"),
    ("last quarter", "2026-07-01/2026-09-30"),
    ("Q3", "2026-07-01/2026-09-30"),
    ("q1 2027", "2027-01-01/2027-03-31"),
    ("this year", "2026-01-01/2026-12-31"),
    ("last year", "2025-01-01/2025-12-31"),
    ("YTD", "2026-01-01/2026-11-22"),
    ("since March", "2026-03-01/2026-11-22"),
    ("last 30 days", "2026-10-24/2026-11-22"),
    ("past 7 days", "2026-11-16/2026-11-22"),
    ("April 1–30", "2027-04-01/2027-04-30"),
    ("from Dec 1 to Dec 15", "2026-12-01/2026-12-15"),
    ("end of month", "2026-11-30"),
    ("end of week", "2026-11-27"),
]

BACKWARD_TABLE = [
    ("today", "2026-11-22"),
    ("tomorrow", "2026-11-23"),
    ("yesterday", "2026-11-21"),
    ("tuesday", "2026-11-17"),
    ("last tuesday", "2026-11-17"),
    ("at 9:30am", "2026-11-22T09:30"),
    ("2 days ago", "2026-11-20"),
    ("Nov 3", "2026-11-03"),
    ("this week", "2026-11-16/2026-11-22"),
    ("last week", "2026-11-09/2026-11-15"),
    ("this month", "2026-11-01/2026-11-30"),
    ("last month", "2026-10-01/2026-10-31"),
    ("this quarter", "2026-10-01/2026-12-31"),
    ("last quarter", "2026-07-01/2026-09-30"),
    ("Q3", "2026-07-01/2026-09-30"),
    ("q1 2027", "2027-01-01/2027-03-31"),
    ("this year", "2026-01-01/2026-12-31"),
    ("last year", "2025-01-01/2025-12-31"),
    ("YTD", "2026-01-01/2026-11-22"),
    ("since March", "2026-03-01/2026-11-22"),
    ("last 30 days", "2026-10-24/2026-11-22"),
    ("past 7 days", "2026-11-16/2026-11-22"),
    ("end of month", "2026-11-30"),
    ("end of week", "2026-11-27"),
]


@pytest.mark.parametrize(("text", "value"), FORWARD_TABLE)
def test_conventions_table_forward(text: str, value: str) -> None:
    assert dates(text, past=False) == [value]


@pytest.mark.parametrize(("text", "value"), BACKWARD_TABLE)
def test_conventions_table_backward(text: str, value: str) -> None:
    assert dates(text, past=True) == [value]


@pytest.mark.parametrize(
    ("text", "tz", "value"),
    [
        ("3/12", UTC, "2027-03-12"),
        ("3/12", NEW_YORK, "2027-03-12"),
        ("3/12", BERLIN, "2026-12-03"),
        ("3/12", TOKYO, "2026-12-03"),
        ("12/3", NEW_YORK, "2026-12-03"),
        ("12/3", BERLIN, "2027-03-12"),
        ("11/24", BERLIN, "2026-11-24"),  # 24 is no month: the other order
        ("24/11", NEW_YORK, "2026-11-24"),
        ("13/12", NEW_YORK, "2026-12-13"),
        ("3/12/2027", NEW_YORK, "2027-03-12"),
        ("3/12/2027", BERLIN, "2027-12-03"),
        ("1/2/27", BERLIN, "2027-02-01"),
        ("11/24/2026", BERLIN, "2026-11-24"),
        ("24.11.2026", NEW_YORK, "2026-11-24"),  # dots are always day first
        ("3.12.", NEW_YORK, "2026-12-03"),
        ("24-11-2026", BERLIN, "2026-11-24"),
        ("due 12/1", NEW_YORK, "2026-12-01"),
        ("due 12/1", BERLIN, "2027-01-12"),
    ],
)
def test_numeric_dates_by_time_zone(text: str, tz: ZoneInfo, value: str) -> None:
    assert dates(text, tz=tz) == [value]


def test_message_near_midnight_in_tokyo() -> None:
    late = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # Monday 2026-11-23 08:30 in Tokyo
    assert dates("today", tz=TOKYO, now=late) == ["2026-11-23"]
    assert dates("tomorrow", tz=TOKYO, now=late) == ["2026-11-24"]
    assert dates("yesterday", tz=TOKYO, now=late) == ["2026-11-22"]
    assert dates("this week", tz=TOKYO, now=late) == ["2026-11-23/2026-11-29"]
    assert dates("next week", tz=TOKYO, now=late) == ["2026-11-30/2026-12-06"]
    assert dates("tuesday", tz=TOKYO, now=late) == ["2026-11-24"]
    assert dates("in 2 hours", tz=TOKYO, now=late) == ["2026-11-23T10:30"]
    assert dates("at 9am", tz=TOKYO, now=late) == ["2026-11-23T09:00"]


def test_message_before_midnight_in_new_york() -> None:
    early = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)  # Saturday 2026-11-21 22:00 in New York
    assert dates("today", tz=NEW_YORK, now=early) == ["2026-11-21"]
    assert dates("tomorrow", tz=NEW_YORK, now=early) == ["2026-11-22"]
    assert dates("end of week", tz=NEW_YORK, now=early) == ["2026-11-27"]


def test_naive_now_is_read_as_local_time() -> None:
    assert dates("tomorrow", tz=TOKYO, now=datetime(2026, 11, 22, 23, 30)) == ["2026-11-23"]


@pytest.mark.parametrize(
    ("text", "past", "value"),
    [
        # weekdays and the direction rule
        ("next sunday", False, "2026-11-29"),
        ("sunday", False, "2026-11-29"),
        ("sunday", True, "2026-11-15"),
        ("last sunday", False, "2026-11-15"),
        ("this coming tuesday", True, "2026-11-24"),
        ("this tuesday", True, "2026-11-17"),
        ("tues", False, "2026-11-24"),
        ("thurs", False, "2026-11-26"),
        ("wed 11:00", False, "2026-11-25T11:00"),
        ("on sat", False, "2026-11-28"),
        ("SAT 10am", False, "2026-11-28T10:00"),
        ("tuesday after next", False, "2026-12-01"),
        ("next week tuesday", False, "2026-11-24"),
        ("tuesday next week", False, "2026-11-24"),
        ("last week friday", False, "2026-11-13"),
        ("friday this week", False, "2026-11-20"),
        ("monday the 30th", False, "2026-11-30"),
        ("Tuesday, Nov 24 at 3pm", False, "2026-11-24T15:00"),
        # cue words in the sentence override the intent's default
        ("met Kowalski, they need the quote by friday", True, "2026-11-27"),
        ("she is on leave till dec 3rd", True, "2026-12-03"),
        ("will f/u friday", True, "2026-11-27"),
        ("remind me about what we had on tuesday", False, "2026-11-17"),
        ("they want to start in jan", True, "2027-01-01/2027-01-31"),
        ("budget freeze until q1", True, "2027-01-01/2027-03-31"),
        ("show me the dead deals from q3", False, "2026-07-01/2026-09-30"),
        ("remind me q1 to re-engage", False, "2027-01-01/2027-03-31"),
        ("slipped to q2", False, "2027-04-01/2027-06-30"),
        ("sales in q2", True, "2026-04-01/2026-06-30"),
        ("breakdown of revenue by region for Q3?", False, "2026-07-01/2026-09-30"),
        ("i reported it on the 12th", False, "2026-11-12"),
        ("i wrote to you on monday about it", False, "2026-11-16"),
        ("called to say she'll come on friday", True, "2026-11-27"),
        ("no decision yet, call again in 3 days", True, "2026-11-25"),
        ("she said go ahead but after dec 1", True, "2026-12-01"),
        # times joined to their day
        ("remind me tmrw 9am", False, "2026-11-23T09:00"),
        ("next tue 3pm", False, "2026-11-24T15:00"),
        ("tomorrow at 10", False, "2026-11-23T10:00"),
        ("at 3 tomorrow", False, "2026-11-23T15:00"),
        ("9:30 tomorrow", False, "2026-11-23T09:30"),
        ("3pm on friday", False, "2026-11-27T15:00"),
        ("EOD friday", False, "2026-11-27T17:00"),
        ("friday COB", False, "2026-11-27T17:00"),
        ("by tmrw noon", False, "2026-11-23T12:00"),
        ("dec 2 at 2pm", False, "2026-12-02T14:00"),
        ("Thursday morning", False, "2026-11-26T09:00"),
        ("monday evening", False, "2026-11-23T18:00"),
        ("tomorrow first thing", False, "2026-11-23T09:00"),
        ("3-4pm tomorrow", False, "2026-11-23T15:00"),
        ("2026-11-24T15:00", False, "2026-11-24T15:00"),
        # times alone: today
        ("at 3", False, "2026-11-22T15:00"),
        ("at 8", False, "2026-11-22T08:00"),
        ("at 10.30", False, "2026-11-22T10:30"),
        ("15:00", False, "2026-11-22T15:00"),
        ("3pm", True, "2026-11-22T15:00"),
        ("12am", False, "2026-11-22T00:00"),
        ("12pm", False, "2026-11-22T12:00"),
        ("noon", False, "2026-11-22T12:00"),
        ("by EOD", False, "2026-11-22T17:00"),
        ("end of day", False, "2026-11-22T17:00"),
        ("close of business", False, "2026-11-22T17:00"),
        ("tonight", False, "2026-11-22T18:00"),
        ("tonight at 8", False, "2026-11-22T20:00"),
        ("this morning", True, "2026-11-22T09:00"),
        ("this afternoon", False, "2026-11-22T15:00"),
        ("in the evening", False, "2026-11-22T18:00"),
        # offsets
        ("in two weeks", False, "2026-12-06"),
        ("in a week", False, "2026-11-29"),
        ("in 1 month", False, "2026-12-22"),
        ("in three months", False, "2027-02-22"),
        ("in 2 hrs", False, "2026-11-22T12:00"),
        ("in 30 min", False, "2026-11-22T10:30"),
        ("in half an hour", False, "2026-11-22T10:30"),
        ("in 2 business days", False, "2026-11-24"),
        ("3 weeks from now", False, "2026-12-13"),
        ("a week ago", True, "2026-11-15"),
        ("two weeks ago", True, "2026-11-08"),
        ("3 months ago", True, "2026-08-22"),
        ("2 hours ago", True, "2026-11-22T08:00"),
        # month-days
        ("November 24th", False, "2026-11-24"),
        ("Dec 3rd", False, "2026-12-03"),
        # where only the intent says "what happened", a day in the next two months is the
        # next step ("demo dec 3rd" in a logged call), any other is behind us; a cue decides
        ("dec 3rd", True, "2026-12-03"),
        ("nov 3rd", True, "2026-11-03"),
        ("jan 15", True, "2027-01-15"),
        ("jan 25", True, "2026-01-25"),
        ("may 15", True, "2026-05-15"),
        ("met her on dec 3rd", True, "2025-12-03"),
        ("met her, she wants a demo on dec 3rd", True, "2026-12-03"),
        ("she needs the quote friday", True, "2026-11-27"),
        ("24. November", False, "2026-11-24"),
        ("15 jan", False, "2027-01-15"),
        ("Nov 24, 2026", False, "2026-11-24"),
        ("24 November 2027", False, "2027-11-24"),
        ("Feb 29", False, "2028-02-29"),
        ("on the 28th", False, "2026-11-28"),
        ("on the 1st", False, "2026-12-01"),
        ("on the 1st", True, "2026-11-01"),
        ("the 5th of next month", False, "2026-12-05"),
        ("before xmas", False, "2026-12-25"),
        ("christmas eve", False, "2026-12-24"),
        # periods
        ("this weekend", False, "2026-11-21/2026-11-22"),
        ("next weekend", False, "2026-11-28/2026-11-29"),
        ("past week", True, "2026-11-16/2026-11-22"),
        ("last 2 weeks", True, "2026-11-09/2026-11-22"),
        ("last 3 months", True, "2026-08-23/2026-11-22"),
        ("next 7 days", False, "2026-11-22/2026-11-28"),
        ("next quarter", False, "2027-01-01/2027-03-31"),
        ("next year", False, "2027-01-01/2027-12-31"),
        ("Q4 2026", False, "2026-10-01/2026-12-31"),
        ("2027 Q2", False, "2027-04-01/2027-06-30"),
        ("first quarter of 2027", False, "2027-01-01/2027-03-31"),
        ("MTD", True, "2026-11-01/2026-11-22"),
        ("QTD", True, "2026-10-01/2026-11-22"),
        ("year to date", True, "2026-01-01/2026-11-22"),
        ("in december", False, "2026-12-01/2026-12-31"),
        ("in march", False, "2027-03-01/2027-03-31"),
        ("in march", True, "2026-03-01/2026-03-31"),
        ("last march", False, "2026-03-01/2026-03-31"),
        ("November 2026", True, "2026-11-01/2026-11-30"),
        ("in 2027", False, "2027-01-01/2027-12-31"),
        ("since 2025", True, "2025-01-01/2026-11-22"),
        ("since monday", True, "2026-11-16/2026-11-22"),
        ("since Nov 3", True, "2026-11-03/2026-11-22"),
        ("since yesterday", True, "2026-11-21/2026-11-22"),
        ("since last week", True, "2026-11-09/2026-11-22"),
        ("waiting since 3 days", True, "2026-11-19/2026-11-22"),
        ("between Dec 1 and Dec 15", False, "2026-12-01/2026-12-15"),
        ("from monday to friday", False, "2026-11-23/2026-11-27"),
        ("Dec 20 - Jan 5", False, "2026-12-20/2027-01-05"),
        ("1-15 dec", False, "2026-12-01/2026-12-15"),
        ("Dec 1-15", False, "2026-12-01/2026-12-15"),
        ("from January to March", False, "2027-01-01/2027-03-31"),
        ("no activity in 30 days", False, "2026-10-24/2026-11-22"),
        # ends and starts
        ("end of the month", False, "2026-11-30"),
        ("by the end of the month", False, "2026-11-30"),
        ("end of next month", False, "2026-12-31"),
        ("end of last month", True, "2026-10-31"),
        ("EOM", False, "2026-11-30"),
        ("end of next week", False, "2026-12-04"),
        ("end of quarter", False, "2026-12-31"),
        ("end of year", False, "2026-12-31"),
        ("end of q1", False, "2027-03-31"),
        ("end of march", False, "2027-03-31"),
        ("beginning of next month", False, "2026-12-01"),
        ("start of next week", False, "2026-11-23"),
        ("mid-december", False, "2026-12-15"),
        # clock words and a French / German hour
        ("tomorrow at half past 3", False, "2026-11-23T15:30"),
        ("quarter past 10am monday", False, "2026-11-23T10:15"),
        ("quarter to 9 tomorrow", False, "2026-11-23T08:45"),
        ("jan 5th 2027 at 14h", False, "2027-01-05T14:00"),
        ("tomorrow um 14 uhr", False, "2026-11-23T14:00"),
        # half-years: this year's without a cue
        ("H1 2026", True, "2026-01-01/2026-06-30"),
        ("h2", True, "2026-07-01/2026-12-31"),
        ("in H1/2025", True, "2025-01-01/2025-06-30"),
        ("second half of 2027", False, "2027-07-01/2027-12-31"),
        ("first half of the year", True, "2026-01-01/2026-06-30"),
        ("next h1", False, "2027-01-01/2027-06-30"),
        ("last h2", True, "2025-07-01/2025-12-31"),
        # a deal's close date
        ("45k usd, close march", False, "2027-03-01/2027-03-31"),
        ("expected close: feb", False, "2027-02-01/2027-02-28"),
        ("closing date june 2027", False, "2027-06-01/2027-06-30"),
    ],
)
def test_more_forms(text: str, past: bool, value: str) -> None:
    assert dates(text, past=past) == [value]


def test_end_of_week_on_a_weekday_is_this_friday() -> None:
    wednesday = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    assert dates("end of week", now=wednesday) == ["2026-11-27"]
    friday = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    assert dates("end of week", now=friday) == ["2026-11-27"]
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    assert dates("end of week", now=saturday) == ["2026-12-04"]


def test_several_mentions_in_one_message() -> None:
    text = "met Carmen at the expo yesterday, wants a demo next week, budget ok by dec 15"
    found = find_dates(text, NOW, UTC, True)
    assert [(e.text, e.value) for e in found] == [
        ("yesterday", "2026-11-21"),
        ("next week", "2026-11-23/2026-11-29"),
        ("dec 15", "2026-12-15"),
    ]


def test_span_covers_the_whole_expression() -> None:
    text = "remind me next tue at 3pm please"
    [entity] = find_dates(text, NOW, UTC, False)
    assert (entity.text, entity.start, entity.end) == ("next tue at 3pm", 10, 25)


def test_a_change_of_date_is_two_dates_not_a_range() -> None:
    assert dates("moved the meeting from monday to friday") == ["2026-11-23", "2026-11-27"]


@pytest.mark.parametrize(
    "text",
    [
        "ticket 1042",
        "#1042",
        "50 seats",
        "$25k",
        "€3,500",
        "4/5 rating",
        "rated us 4/5",
        "great support, 10/10",
        "i'd give it 3/5",
        "call +49 30 123456",
        "(415) 555-0100",
        "0803 123 4567",
        "version 3.2",
        "upgraded to version 3.2.",
        "v2.1.3",
        "24/7 support",
        "priced at 20",
        "sat down with Klaus",
        "Black Friday 2026 campaign roi",
        "opt me out of the Cyber Monday messages",
        "send the black friday campaign to all enterprise customers",
        "how did our cyber monday promo do",
        "the sun is out",
        "good morning!",
        "this may take a while",
        "I may call Jan",
        "X200 router",
        "order ORD-2231",
        "around 5 people",
        "30 years old",
        "50%",
        "at 3 sites",
        "2026",
        "the first half of the call was about pricing",
        "h2o filters are leaking",
        "we close may deals first",
        "in 2h",
        "",
    ],
)
def test_not_dates(text: str) -> None:
    assert dates(text) == []


DEC_7 = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # Monday, 10:00 in New York


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("call with Ana Souza on 12/3 at 4:30pm", "2026-12-03T16:30"),  # four days ago
        ("remind me on 10/8", "2026-10-08"),  # 60 days ago
        ("remind me on 10/1", "2027-10-01"),  # 67 days ago: ahead
        ("remind me on 1/15", "2027-01-15"),
    ],
)
def test_a_forward_month_day_just_behind_us_stays_this_year(text: str, value: str) -> None:
    assert dates(text, tz=NEW_YORK, now=DEC_7) == [value]


def test_a_month_in_a_note_is_still_found_for_its_content() -> None:
    assert dates("note: Lena is going on maternity leave in Feb", past=True, tz=BERLIN, now=DEC_7) == ["2026-02-01/2026-02-28"]
