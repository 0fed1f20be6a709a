"""`NluPipeline.parse(text, now, tz, known_names)`: one message → one intent plus entities.

Order of work for one message:
  1. clean (control characters out, offsets kept) and cut to what we understand;
  2. names: learnt entities (spaCy NER, tidied by `nlp_models.names`) and names the CRM
     already knows (phrase matcher);
  3. intent classifier (with the out-of-scope threshold): the mean of its margins on the
     text with those names masked (`mask_names`) and on the text as written; it learnt
     each example both masked and with other names in place of its names;
  4. rule entities (e-mail, phone, money, ticket, quantity, synonyms, dates — dates point
     backward for intents about what happened), without the labels that only mean
     something for other intents (`LABEL_INTENTS`);
  5. one label per span; where the intent is about an existing ticket and no ticket id was
     found, a number no other rule took is the ticket's id ("any news on 1042?").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from spacy.language import Language

from nlp_models.entity_recognizer import KnownNames
from nlp_models.intent_classifier import IntentClassifier
from nlp_models.labels import EntityLabel, Intent
from nlp_models.names import (
    companies_by_context,
    could_be_a_name,
    hyphens_joined,
    is_a_place,
    is_a_role,
    is_no_name,
    trimmed,
    untagged_companies,
)
from nlp_models.rules import extract_rule_entities
from nlp_models.rules.tickets import bare_ticket_numbers
from nlp_models.tasks import reports_what_happened
from nlp_models.text import MAX_UNDERSTOOD_CHARS, mask_names, safe_text
from nlp_models.types import Entity, ParseResult

# Dates in messages about what happened resolve backwards ("met Jane tuesday" = last Tuesday).
PAST_INTENTS = frozenset({Intent.LOG_INTERACTION, Intent.REPORT})

# Words like "lost", "email" or "sales" are only these entities where the intent needs them.
LABEL_INTENTS: dict[EntityLabel, frozenset[Intent]] = {
    EntityLabel.STAGE: frozenset(
        {Intent.CREATE_DEAL, Intent.UPDATE_DEAL, Intent.LIST_DEALS, Intent.REPORT}
    ),
    EntityLabel.INTERACTION_TYPE: frozenset({Intent.LOG_INTERACTION, Intent.SCHEDULE_FOLLOWUP}),
    EntityLabel.METRIC: frozenset({Intent.REPORT}),
}

# Intents about an existing ticket, where a number with no cue is the ticket's id.
BARE_TICKET_INTENTS = frozenset({Intent.TICKET_STATUS, Intent.CLOSE_TICKET})

# Exact-shape rules beat everything; then names the CRM knows; then the longest span.
_PRECISE = frozenset({EntityLabel.EMAIL, EntityLabel.PHONE, EntityLabel.MONEY, EntityLabel.TICKET_ID})

NamesArg = KnownNames | Mapping[EntityLabel | str, Iterable[str]] | None


class NluPipeline:
    def __init__(
        self,
        classifier: IntentClassifier,
        ner: Language,
        default_currency: str = "USD",
        default_tz: ZoneInfo | None = None,
        common_words: frozenset[str] = frozenset(),
        places: frozenset[str] = frozenset(),
    ) -> None:
        self.classifier = classifier
        self.ner = ner
        self.default_currency = default_currency
        self.default_tz = default_tz or ZoneInfo("UTC")
        self.common_words = common_words
        self.places = places

    def is_common_word(self, word: str) -> bool:
        """A word our training messages use around names (not a name itself)."""
        return word.lower() in self.common_words

    def known_names(self, names: Mapping[EntityLabel | str, Iterable[str]]) -> KnownNames:
        """Build once per change of the CRM's names, then pass to every `parse`."""
        return KnownNames(self.ner, names)

    def parse(
        self,
        text: str,
        now: datetime | None = None,
        tz: ZoneInfo | None = None,
        known_names: NamesArg = None,
    ) -> ParseResult:
        tz = tz or self.default_tz
        now = now or datetime.now(UTC)
        if now.tzinfo is None:  # a naive message time is UTC, like every stored time
            now = now.replace(tzinfo=UTC)
        head = safe_text(text[:MAX_UNDERSTOOD_CHARS])
        if not any(ch.isalnum() or unicodedata.category(ch) == "So" for ch in head):
            # punctuation or blanks only; emoji and stars ("👍", "⭐⭐⭐⭐") are read as words
            return ParseResult(text, Intent.OUT_OF_SCOPE, 0.0, ())

        known, learned = self._names(head, known_names)
        masked = mask_names(head, ((e.start, e.end, e.label.value) for e in _first_wins(known + learned)))
        # both wordings, averaged: the masked one for the words around the names, the one
        # as written for what a wrongly found name would hide
        prediction = self.classifier.predict(masked, also=head if masked != head else None)
        intent = Intent(prediction.label)
        if intent is Intent.SCHEDULE_FOLLOWUP and reports_what_happened(head):
            # "called Rohan about the order, f/u tomorrow": what happened, with its next step
            intent = Intent.LOG_INTERACTION
        entities = combine_entities(head, intent, now, tz, self.default_currency, known, learned)
        return ParseResult(text, intent, prediction.confidence, entities)

    def _names(self, head: str, known_names: NamesArg) -> tuple[list[Entity], list[Entity]]:
        """Names the CRM knows and names the recogniser found, in that order."""
        doc = self.ner(head)
        if known_names is not None and not isinstance(known_names, KnownNames):
            known_names = self.known_names(known_names)
        known = [
            Entity(label, head[s:e], s, e, head[s:e])
            for s, e, label in (known_names.spans(doc) if known_names else [])
        ]
        found = (
            trimmed(head, EntityLabel(ent.label_), ent.start_char, ent.end_char)
            for ent in doc.ents
            if could_be_a_name(ent.text)
        )
        learned = [
            e
            for e in hyphens_joined(head, [e for e in found if e is not None])
            if not (is_a_place(head, e, self.places) or is_a_role(e) or is_no_name(e))
        ]
        learned = companies_by_context(head, known + learned, learned)
        return known, learned + untagged_companies(head, known + learned, self.places)


def combine_entities(
    head: str,
    intent: Intent,
    now: datetime,
    tz: ZoneInfo,
    default_currency: str,
    known: list[Entity],
    learned: list[Entity],
) -> tuple[Entity, ...]:
    """The message's entities: the rules' (for this intent), names the CRM knows and learnt
    names, one label per span. Deterministic: the same on every build of the model."""
    rules = extract_rule_entities(
        head,
        now=now,
        tz=tz,
        default_currency=default_currency,
        past=intent in PAST_INTENTS,
        keep=lambda label: label not in LABEL_INTENTS or intent in LABEL_INTENTS[label],
    )

    def rank(entity: Entity, tier: int, source: int) -> tuple[int, int, int, int]:
        return (tier, -(entity.end - entity.start), source, entity.start)

    # Precise rules, then known names, then the longest of dates, synonyms and learnt
    # names (a rule wins a tie: "friday" is a date unless the model saw "Black Friday Sale").
    candidates = sorted(
        [(rank(e, 0 if e.label in _PRECISE else 2, 0), e) for e in rules]
        + [(rank(e, 1, 0), e) for e in known]
        + [(rank(e, 2, 1), e) for e in learned],
        key=lambda pair: pair[0],
    )
    chosen: list[Entity] = []
    for _, entity in candidates:  # STAGE, INTERACTION_TYPE, METRIC were gated in the rules
        if any(entity.overlaps(other) for other in chosen):
            continue
        chosen.append(entity)
    if intent in BARE_TICKET_INTENTS and not any(e.label == EntityLabel.TICKET_ID for e in chosen):
        # "any news on 1042?": about an existing ticket, a lone number is its id, where
        # nothing else (an amount, a date, a phone, a quantity) took it
        chosen += [e for e in bare_ticket_numbers(head) if not any(e.overlaps(o) for o in chosen)]
    return tuple(sorted(chosen, key=lambda e: e.start))


def _first_wins(entities: list[Entity]) -> list[Entity]:
    """Drop every entity that overlaps one earlier in the list."""
    kept: list[Entity] = []
    for entity in entities:
        if not any(entity.overlaps(other) for other in kept):
            kept.append(entity)
    return kept
