"""One label per span: how candidates from different extractors are reconciled.

Rules, in order: an EMAIL, PHONE, MONEY, DATE or TICKET_ID beats any overlapping word-level
label (QUANTITY, STAGE, INTERACTION_TYPE, METRIC); within a tier the longer span wins; at
equal length the more specific label wins (the order of `SPECIFICITY`).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable

from nlp_models.labels import EntityLabel
from nlp_models.types import Entity

STRONG: frozenset[EntityLabel] = frozenset(
    {EntityLabel.EMAIL, EntityLabel.PHONE, EntityLabel.MONEY, EntityLabel.DATE, EntityLabel.TICKET_ID}
)
SPECIFICITY: tuple[EntityLabel, ...] = (
    EntityLabel.EMAIL,
    EntityLabel.PHONE,
    EntityLabel.MONEY,
    EntityLabel.DATE,
    EntityLabel.TICKET_ID,
    EntityLabel.METRIC,
    EntityLabel.STAGE,
    EntityLabel.INTERACTION_TYPE,
    EntityLabel.QUANTITY,
)
_RANK = {label: i for i, label in enumerate(SPECIFICITY)}


def _priority(entity: Entity) -> tuple[int, int, int, int]:
    tier = 0 if entity.label in STRONG else 1
    return (tier, -(entity.end - entity.start), _RANK.get(entity.label, len(_RANK)), entity.start)


def resolve_overlaps(candidates: Iterable[Entity]) -> list[Entity]:
    """Keep the best of every group of overlapping candidates; result sorted by start."""
    starts: list[int] = []
    kept: dict[int, Entity] = {}
    for entity in sorted(candidates, key=_priority):
        if entity.end <= entity.start:
            continue
        i = bisect_left(starts, entity.start)
        if i > 0 and kept[starts[i - 1]].end > entity.start:
            continue  # overlaps the kept span on its left
        if i < len(starts) and starts[i] < entity.end:
            continue  # overlaps the kept span on its right (or starts at the same place)
        insort(starts, entity.start)
        kept[entity.start] = entity
    return [kept[s] for s in starts]
