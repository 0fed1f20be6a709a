"""Values the language layer hands out: one parse of one message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from nlp_models.labels import EntityLabel, Intent
from nlp_models.values import DateValue, Money, TypedValue, typed_value


@dataclass(frozen=True, slots=True)
class Entity:
    """One entity: where it stands in the original text and its normalised value.

    `value` is the contract's string (what `as_json` and the `nlu parse` output carry);
    `typed`, `date` and `money` read it through `nlp_models.values`. `zone` is the zone a
    DATE was resolved in (its wall times are that zone's); it is no part of the value."""

    label: EntityLabel
    text: str
    start: int
    end: int
    value: str
    zone: ZoneInfo | None = field(default=None, compare=False, repr=False)

    @property
    def typed(self) -> TypedValue:
        """DateValue for DATE, Money for MONEY, the string for every other label."""
        return typed_value(self.label, self.value, self.zone)

    @property
    def date(self) -> DateValue | None:
        typed = self.typed
        return typed if isinstance(typed, DateValue) else None

    @property
    def money(self) -> Money | None:
        typed = self.typed
        return typed if isinstance(typed, Money) else None

    def as_json(self) -> dict[str, Any]:
        return {
            "label": str(self.label),
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "value": self.value,
        }

    def overlaps(self, other: Entity) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True)
class ParseResult:
    text: str
    intent: Intent
    confidence: float
    entities: tuple[Entity, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": str(self.intent),
            "confidence": round(self.confidence, 4),
            "entities": [e.as_json() for e in self.entities],
        }

    def values(self, label: EntityLabel) -> list[str]:
        return [e.value for e in self.entities if e.label is label]
