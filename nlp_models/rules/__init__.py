"""Rule-based entities of the language layer: EMAIL, PHONE, MONEY, DATE, TICKET_ID, QUANTITY,
STAGE, INTERACTION_TYPE and METRIC.

`extract_rule_entities` runs every extractor over the original text, reconciles overlapping
candidates (`overlaps.py`) and returns entities sorted by start, with offsets into the text
as given. Gating STAGE / INTERACTION_TYPE / METRIC by intent is the pipeline's job; it hands
in `keep`, and a label it does not keep is dropped before overlaps are reconciled, so it
never hides one that is kept ("calls" is activity in a report, the call type in a task).
It never raises; an extractor that fails on odd input contributes
nothing and the others still run.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from nlp_models.labels import EntityLabel
from nlp_models.rules.dates import find_dates
from nlp_models.rules.emails import find_emails
from nlp_models.rules.money import find_money
from nlp_models.rules.overlaps import resolve_overlaps
from nlp_models.rules.phones import find_phones
from nlp_models.rules.quantities import find_quantities
from nlp_models.rules.synonyms import find_synonyms
from nlp_models.rules.tickets import find_tickets
from nlp_models.types import Entity

__all__ = ["extract_rule_entities"]

log = logging.getLogger(__name__)

# Entities are looked for in the first MAX_CHARS characters; offsets stay true.
MAX_CHARS = 10_000
_CONTROL = str.maketrans({c: " " for c in [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]})


_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(text: str) -> str:
    """Same length as `text`: control characters and lone surrogates become spaces."""
    return _SURROGATE.sub(" ", text.translate(_CONTROL))


def extract_rule_entities(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    default_currency: str = "USD",
    past: bool = False,
    keep: Callable[[EntityLabel], bool] | None = None,
) -> list[Entity]:
    """All rule entities of `text` whose label `keep` keeps (default: all), one label per
    span, sorted by start."""
    if not isinstance(text, str) or not text.strip():
        return []
    original = text
    work = _clean(text[:MAX_CHARS])
    tz_key = getattr(tz, "key", None)
    extractors: tuple[tuple[str, Callable[[], list[Entity]]], ...] = (
        ("email", lambda: find_emails(work)),
        ("phone", lambda: find_phones(work)),
        ("money", lambda: find_money(work, default_currency, tz_key)),
        ("ticket", lambda: find_tickets(work)),
        ("date", lambda: find_dates(work, now, tz, past)),
        ("quantity", lambda: find_quantities(work)),
        ("synonym", lambda: find_synonyms(work)),
    )
    candidates: list[Entity] = []
    for name, run in extractors:
        try:
            candidates.extend(run())
        except Exception as exc:  # noqa: BLE001 - one extractor must not sink the message
            # the message text never goes to the log, only which extractor failed and how
            log.warning("rule extractor %s failed: %s", name, type(exc).__name__)
    resolved = resolve_overlaps(c for c in candidates if keep is None or keep(c.label))
    # `text` of each entity is the original slice (the cleaned copy has the same offsets).
    return [
        e if original[e.start : e.end] == e.text else dataclasses.replace(e, text=original[e.start : e.end])
        for e in resolved
    ]
