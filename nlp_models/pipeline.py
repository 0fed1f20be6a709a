"""`NluPipeline.parse(text, now, tz, known_names)`: one message → one intent plus entities.

Order of work for one message:
  1. clean (control characters out, offsets kept) and cut to what we understand;
  2. names: learnt entities (spaCy NER) and names the CRM already knows (phrase matcher);
  3. intent classifier (with the out-of-scope threshold): the mean of its margins on the
     text with those names masked (`mask_names`) and on the text as written; it learnt
     each example both masked and with other names in place of its names;
  4. rule entities (e-mail, phone, money, ticket, quantity, synonyms, dates — dates point
     backward for intents about what happened);
  5. one label per span, and labels that only mean something for some intents kept there.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from spacy.language import Language

from nlp_models.entity_recognizer import KnownNames
from nlp_models.intent_classifier import IntentClassifier
from nlp_models.labels import EntityLabel, Intent
from nlp_models.rules import extract_rule_entities
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
        entities = self._entities(head, intent, now, tz, known, learned)
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
        learned = [
            _trimmed(head, EntityLabel(ent.label_), ent.start_char, ent.end_char)
            for ent in doc.ents
            if _could_be_a_name(ent.text)
        ]
        joined = [
            e for e in _hyphens_joined(head, [e for e in learned if e is not None]) if not self._is_a_place(head, e)
        ]
        return known, _companies_by_context(head, known + joined, joined)

    def _is_a_place(self, head: str, entity: Entity) -> bool:
        """A learnt person or company right after "in" that is a country or a city: "met
        Kemal in Istanbul", "our office in Nairobi" (not "in Istanbul's office")."""
        return (
            entity.label in (EntityLabel.PERSON, EntityLabel.ORG)
            and entity.text.lower() in self.places
            and _IN_BEFORE.search(head, max(0, entity.start - 8), entity.start) is not None
            and not head.startswith(("'s", "’s"), entity.end)
        )

    def _entities(
        self,
        head: str,
        intent: Intent,
        now: datetime,
        tz: ZoneInfo,
        known: list[Entity],
        learned: list[Entity],
    ) -> tuple[Entity, ...]:
        rules = extract_rule_entities(
            head,
            now=now,
            tz=tz,
            default_currency=self.default_currency,
            past=intent in PAST_INTENTS,
            keep=lambda label: intent in LABEL_INTENTS.get(label, (intent,)),
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
        for _, entity in candidates:
            allowed = LABEL_INTENTS.get(entity.label)
            if allowed is not None and intent not in allowed:
                continue
            if any(entity.overlaps(other) for other in chosen):
                continue
            chosen.append(entity)
        return tuple(sorted(chosen, key=lambda e: e.start))


_AROUND_NAMES = "\"'`“”‘’„«»‹›()[]{}<>,;:*_"


def _trimmed(head: str, label: EntityLabel, start: int, end: int) -> Entity | None:
    """A learnt span without the quotes, brackets and commas the recogniser took along
    (`"Black Friday 2026"` is the campaign Black Friday 2026)."""
    while start < end and head[start] in _AROUND_NAMES:
        start += 1
    while end > start and head[end - 1] in _AROUND_NAMES:
        end -= 1
    if start == end:
        return None
    return Entity(label, head[start:end], start, end, head[start:end])


def _hyphens_joined(head: str, names: list[Entity]) -> list[Entity]:
    """A name goes on over a hyphen to a capitalised word: the tokenizer splits "Vogt-Kramer"
    and "Jean-Luc", and the recogniser may tag one half, or the halves apart ("Acme-based"
    stays "Acme")."""
    out: list[Entity] = []
    for entity in names:
        start, end = entity.start, entity.end
        while end + 1 < len(head) and head[end] in _HYPHENS and head[end + 1].isupper():
            end += 1
            while end < len(head) and (head[end].isalpha() or head[end] in "'’"):
                end += 1
        while start >= 2 and head[start - 1] in _HYPHENS and head[start - 2].isalpha():
            word = start - 1
            while word > 0 and head[word - 1].isalpha():
                word -= 1
            if not head[word].isupper():
                break  # "e-Acme", "pre-Globex": not part of the name
            start = word
        if out and out[-1].label is entity.label and start <= out[-1].end:
            start = out.pop().start  # the halves tagged apart: one name
        elif out and start < out[-1].end:
            continue  # grown into the name before it
        text = head[start:end]
        out.append(entity if (start, end) == (entity.start, entity.end) else Entity(entity.label, text, start, end, text))
    return out


_HYPHENS = frozenset({"-", "‐", "‑"})
_IN_BEFORE = re.compile(r"(?<!\w)in\s+$", re.IGNORECASE)

# "Priya from Infosys", "Lena Vogel, head of ops at Trivago", "Jane @ Wolt": what a person is
# at or from is a company. The recogniser knows no names, and a lone capitalised word it has
# not seen is more often a person in its training data.
_AFTER_A_PERSON = re.compile(r"\s*(?:,[^,.;:!?()]{0,40}?)?\s*(?:from|at|of|@)\s*$", re.IGNORECASE)
# "add company Wolt", "new supplier Brno Plast"; "our contact at Rakuten", "the team at Canva",
# "the CFO of Zalando"
_COMPANY_WORD = re.compile(
    r"(?<!\w)(?:(?:company|companies|org|organi[sz]ation|firm|supplier|vendor|distributor)"
    r"\s+(?:called\s+|named\s+)?"
    r"|(?:contacts?|team|people|folks|guys|someone|anyone|everyone|buyer|champion|founder"
    r"|ceo|cto|cfo|coo|cmo|cio|vp|director|manager|head\s+of\s+\w+)\s+(?:at|from|of|@)\s*)$",
    re.IGNORECASE,
)


def _companies_by_context(head: str, names: list[Entity], learned: list[Entity]) -> list[Entity]:
    """A learnt person becomes a company where the words around it say so: right after a
    person and "from", "at", "of" or "@" (a job title may stand between), right after the
    word company, supplier and the like, or after "contact at", "team at", "CTO of"."""
    out: list[Entity] = []
    for entity in learned:
        if entity.label is EntityLabel.PERSON and _said_to_be_a_company(head, entity, names):
            entity = Entity(EntityLabel.ORG, entity.text, entity.start, entity.end, entity.value)
        out.append(entity)
    return out


def _said_to_be_a_company(head: str, entity: Entity, names: list[Entity]) -> bool:
    if _COMPANY_WORD.search(head[max(0, entity.start - 40) : entity.start]):
        return True
    person = max(
        (n for n in names if n.label is EntityLabel.PERSON and n.end <= entity.start),
        key=lambda n: n.end,
        default=None,
    )
    return person is not None and _AFTER_A_PERSON.fullmatch(head[person.end : entity.start]) is not None


def _could_be_a_name(text: str) -> bool:
    """A learnt span is a name only if it has a letter and nothing undecodable or unprintable
    (binary junk read as text must not become a product, nor be masked as one)."""
    return any(ch.isalpha() for ch in text) and not any(
        ch == "\ufffd" or unicodedata.category(ch) in _NOT_IN_NAMES for ch in text
    )


_NOT_IN_NAMES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def _first_wins(entities: list[Entity]) -> list[Entity]:
    """Drop every entity that overlaps one earlier in the list."""
    kept: list[Entity] = []
    for entity in entities:
        if not any(entity.overlaps(other) for other in kept):
            kept.append(entity)
    return kept
