"""Values the language layer hands out: one parse of one message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nlp_models.labels import EntityLabel, Intent


@dataclass(frozen=True, slots=True)
class Entity:
    """One entity: where it stands in the original text and its normalised value."""

    label: EntityLabel
    text: str
    start: int
    end: int
    value: str

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
