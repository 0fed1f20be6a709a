"""Typed views of entity values, made from the contract's normalised strings and back.

An `Entity.value` stays the string the contract fixes (`nlp_models/README.md`): DATE
`2026-11-24`, `2026-11-24T15:00` or `2026-11-01/2026-11-30`; MONEY `25000 USD`. This module
is the one place that writes those strings (`day_value`, `moment_value`, `period_value`,
`Money.normalised`) and the one place that reads them back (`date_value`, `money_value`,
`typed_value`): the rules write through it, and a value kept as JSON between messages is
read back through it.

A DATE value is a local wall time in the user's zone, so reading one needs that zone:
`DateValue` keeps it, and gives aware instants (in UTC) for a day, a moment or a period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from zoneinfo import ZoneInfo

from nlp_models.labels import EntityLabel

MIDNIGHT = time(0, 0)


class DateKind(StrEnum):
    DAY = "day"  # 2026-11-24
    MOMENT = "moment"  # 2026-11-24T15:00
    PERIOD = "period"  # 2026-11-01/2026-11-30


def day_value(day: date) -> str:
    return day.isoformat()


def moment_value(day: date, hour: int, minute: int) -> str:
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}"


def period_value(first: date, last: date) -> str:
    return f"{first.isoformat()}/{last.isoformat()}"


@dataclass(frozen=True, slots=True)
class DateValue:
    """A DATE: a day, a moment (a day and a clock time) or a period from `first` to `last`
    (both days included; `last` is None for a day or a moment), in the zone the user's
    words were read in."""

    first: date
    last: date | None
    clock: time | None
    zone: ZoneInfo

    @property
    def kind(self) -> DateKind:
        if self.clock is not None:
            return DateKind.MOMENT
        return DateKind.DAY if self.last is None else DateKind.PERIOD

    @property
    def moment(self) -> datetime | None:
        """The local, aware instant of a moment; None for a day or a period."""
        return None if self.clock is None else datetime.combine(self.first, self.clock, tzinfo=self.zone)

    def starts_at(self, day_time: time) -> datetime:
        """The first instant, in UTC: the moment, or the first day at `day_time`."""
        return _utc(self.first, self.clock or day_time, self.zone)

    def day_span(self) -> tuple[datetime, datetime]:
        """[start of the first day, start of the day after the last), in UTC."""
        after = (self.last or self.first) + timedelta(days=1)
        return _utc(self.first, MIDNIGHT, self.zone), _utc(after, MIDNIGHT, self.zone)

    @property
    def normalised(self) -> str:
        """The contract's string of this value."""
        if self.clock is not None:
            return moment_value(self.first, self.clock.hour, self.clock.minute)
        return day_value(self.first) if self.last is None else period_value(self.first, self.last)


def _utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def date_value(value: str, zone: ZoneInfo) -> DateValue:
    """The DATE string `value`, read as a wall time in `zone`; ValueError when it is none."""
    if "/" in value:
        first, last = value.split("/", 1)
        return DateValue(date.fromisoformat(first), date.fromisoformat(last), None, zone)
    if "T" in value:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            moment = moment.astimezone(zone)
        return DateValue(moment.date(), None, moment.time(), zone)
    return DateValue(date.fromisoformat(value), None, None, zone)


def amount_text(amount: Decimal) -> str:
    """An amount without separators or trailing zeros: `25000`, `12.5`."""
    text = format(amount.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


@dataclass(frozen=True, slots=True)
class Money:
    """A MONEY value: an amount and its ISO currency code."""

    amount: Decimal
    currency: str

    @property
    def normalised(self) -> str:
        """The contract's string of this value: `25000 USD`."""
        return f"{amount_text(self.amount)} {self.currency}"


def money_value(value: str) -> Money:
    """The MONEY string `value` (`25000 USD`); ValueError when it is none."""
    amount, _, currency = value.partition(" ")
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        raise ValueError(f"not a MONEY value: {value!r}")
    try:
        number = Decimal(amount)
    except InvalidOperation as exc:
        raise ValueError(f"not a MONEY value: {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"not a MONEY value: {value!r}")
    return Money(number, currency)


TypedValue = DateValue | Money | str


def typed_value(label: EntityLabel | str, value: str, zone: ZoneInfo | None = None) -> TypedValue:
    """The typed view of an entity's value: a DateValue for DATE (read in `zone`, UTC when
    none is given), Money for MONEY, the string itself for every other label."""
    if label == EntityLabel.DATE:
        return date_value(value, zone or ZoneInfo("UTC"))
    if label == EntityLabel.MONEY:
        return money_value(value)
    return value
