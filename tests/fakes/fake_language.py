"""The language port (`intents.language.Understanding`) driven by a table, for the tests of
the dialogue, the gateway, the console and the adapters: they test the conversation, not
one build of a trained model.

What a trained model decides comes from the table (`tests/fakes/language_table.py`): the
intent, its confidence and the names a recogniser would find. What is plain code comes from
that code, as in the product: names the CRM already knows (the phrase matcher on a blank
tokenizer), and the rules for e-mails, phones, money, tickets, quantities and dates, joined
by the pipeline's own `combine_entities`. A message missing from the table is a test bug:
it is answered as out of scope and listed in `unknown`, which the fixtures check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import spacy

from intents.language import Names
from nlp_models.entity_recognizer import KnownNames
from nlp_models.labels import EntityLabel, Intent
from nlp_models.pipeline import combine_entities
from nlp_models.text import MAX_UNDERSTOOD_CHARS, safe_text
from nlp_models.types import Entity, ParseResult

SURE = 0.99


@dataclass(frozen=True)
class Parse:
    """One table row: what the trained parts say of a message."""

    intent: Intent
    confidence: float = SURE
    names: tuple[tuple[EntityLabel, str], ...] = ()


def P(intent: str, *names: tuple[str, str], conf: float = SURE) -> Parse:
    """A row: `P("log_interaction", ("PERSON", "Jane Smith"), ("ORG", "Acme"), conf=0.8)`."""
    return Parse(Intent(intent), conf, tuple((EntityLabel(label), text) for label, text in names))


@dataclass
class TableLanguage:
    table: Mapping[str, Parse]
    default_currency: str = "USD"
    default_tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    common_words: frozenset[str] = frozenset({"will", "pilot", "team", "budget", "pricing"})
    unknown: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._tokenizer = spacy.blank("en")

    def known_names(self, names: Names) -> KnownNames:
        return KnownNames(self._tokenizer, names)

    def is_common_word(self, word: str) -> bool:
        return word.lower() in self.common_words

    def parse(
        self,
        text: str,
        now: datetime | None = None,
        tz: ZoneInfo | None = None,
        known_names: Any = None,
    ) -> ParseResult:
        if now is None:
            raise ValueError("the fake language layer needs the message's instant")
        row = self.table.get(text)
        if row is None:
            self.unknown.append(text)
            return ParseResult(text, Intent.OUT_OF_SCOPE, 0.0, ())
        head = safe_text(text[:MAX_UNDERSTOOD_CHARS])
        if known_names is not None and not isinstance(known_names, KnownNames):
            known_names = self.known_names(known_names)
        known = [
            Entity(label, head[s:e], s, e, head[s:e])
            for s, e, label in (known_names.spans(self._tokenizer(head)) if known_names else [])
        ]
        entities = combine_entities(
            head, row.intent, now.astimezone(UTC), tz or self.default_tz, self.default_currency, known, _located(head, row.names)
        )
        return ParseResult(text, row.intent, row.confidence, entities)


def _located(head: str, names: tuple[tuple[EntityLabel, str], ...]) -> list[Entity]:
    """Each name of the row where it first stands in the text (after the names before it)."""
    found: list[Entity] = []
    for label, name in names:
        start = head.find(name)
        while start >= 0 and any(e.start < start + len(name) and start < e.end for e in found):
            start = head.find(name, start + 1)
        if start < 0:
            raise ValueError(f"table row names {name!r}, which is not in {head!r}")
        found.append(Entity(label, name, start, start + len(name), name))
    return found
