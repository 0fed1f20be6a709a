"""Typed entity values (nlp_models.values): DATE and MONEY strings read back into values,
written again unchanged, and the instants a DATE stands for in the user's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from nlp_models.labels import EntityLabel
from nlp_models.rules import extract_rule_entities
from nlp_models.types import Entity
from nlp_models.values import DateKind, DateValue, Money, date_value, money_value, typed_value

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("2026-11-24", DateKind.DAY),
        ("2026-11-24T15:00", DateKind.MOMENT),
        ("2026-11-01/2026-11-30", DateKind.PERIOD),
        ("2026-11-22/2026-11-22", DateKind.PERIOD),  # "since today": a period of one day
    ],
)
def test_a_date_value_is_written_back_as_it_was_read(value: str, kind: DateKind) -> None:
    typed = date_value(value, BERLIN)
    assert (typed.kind, typed.normalised) == (kind, value)


def test_a_moment_is_aware_in_the_users_zone() -> None:
    assert date_value("2026-11-24T15:00", BERLIN).moment == datetime(2026, 11, 24, 15, 0, tzinfo=BERLIN)


def test_a_day_has_no_moment() -> None:
    assert date_value("2026-11-24", BERLIN).moment is None


def test_a_moment_starts_at_its_time_whatever_the_day_time() -> None:
    assert date_value("2026-11-24T15:00", BERLIN).starts_at(time(9, 0)) == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


def test_a_day_starts_at_the_day_time_asked_for_in_the_users_zone() -> None:
    assert date_value("2026-11-24", NEW_YORK).starts_at(time(9, 0)) == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


def test_a_period_starts_on_its_first_day() -> None:
    assert date_value("2026-11-01/2026-11-30", BERLIN).starts_at(time(9, 0)) == datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "span"),
    [
        ("2026-11-24", (datetime(2026, 11, 23, 23, 0, tzinfo=UTC), datetime(2026, 11, 24, 23, 0, tzinfo=UTC))),
        ("2026-11-24T15:00", (datetime(2026, 11, 23, 23, 0, tzinfo=UTC), datetime(2026, 11, 24, 23, 0, tzinfo=UTC))),
        # the clocks go back on 25 October 2026 in Berlin: the span holds both offsets
        ("2026-10-01/2026-10-31", (datetime(2026, 9, 30, 22, 0, tzinfo=UTC), datetime(2026, 10, 31, 23, 0, tzinfo=UTC))),
    ],
)
def test_day_span_runs_from_the_first_midnight_to_the_one_after_the_last_day(
    value: str, span: tuple[datetime, datetime]
) -> None:
    assert date_value(value, BERLIN).day_span() == span


@pytest.mark.parametrize("value", ["", "next tuesday", "2026-13-01", "2026-11-01/soon"])
def test_a_string_that_is_no_date_value_is_refused(value: str) -> None:
    with pytest.raises(ValueError):
        date_value(value, BERLIN)


@pytest.mark.parametrize(
    ("value", "money"),
    [
        ("25000 USD", Money(Decimal(25000), "USD")),
        ("12.5 USD", Money(Decimal("12.5"), "USD")),
        ("3500 EUR", Money(Decimal(3500), "EUR")),
    ],
)
def test_a_money_value_is_an_amount_and_a_currency_written_back_as_read(value: str, money: Money) -> None:
    typed = money_value(value)
    assert (typed, typed.normalised) == (money, value)


@pytest.mark.parametrize("value", ["25000", "25000 usd", "lots USD", "NaN USD", "25000 US DOLLARS"])
def test_a_string_that_is_no_money_value_is_refused(value: str) -> None:
    with pytest.raises(ValueError):
        money_value(value)


def test_labels_without_a_typed_value_keep_their_string() -> None:
    assert typed_value(EntityLabel.QUANTITY, "50") == "50"


def test_rule_entities_arrive_typed_in_the_zone_they_were_read_in() -> None:
    found = extract_rule_entities("f/u tomorrow 3pm, budget €3,500", now=NOW, tz=BERLIN)
    assert [(e.value, e.typed) for e in found] == [
        ("2026-11-23T15:00", DateValue(date(2026, 11, 23), None, time(15, 0), BERLIN)),
        ("3500 EUR", Money(Decimal(3500), "EUR")),
    ]


def test_an_entity_gives_its_date_or_money_and_none_of_the_other() -> None:
    day = Entity(EntityLabel.DATE, "tuesday", 0, 7, "2026-11-24", zone=BERLIN)
    assert (day.date, day.money) == (DateValue(date(2026, 11, 24), None, None, BERLIN), None)


def test_the_zone_is_no_part_of_an_entitys_json_or_equality() -> None:
    here = Entity(EntityLabel.DATE, "tuesday", 0, 7, "2026-11-24", zone=BERLIN)
    there = Entity(EntityLabel.DATE, "tuesday", 0, 7, "2026-11-24", zone=NEW_YORK)
    assert here == there and "zone" not in here.as_json()
